//! Pins the bytes on the wire: a change here breaks every deployed `wactl`
//! talking to a newer daemon, so it must be deliberate (and bump PROTOCOL).

use waconn_proto::codec::encode;
use waconn_proto::*;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn frames_are_pinned() {
    let number = Number::parse("15550001111").expect("number");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "hello",
            encode(&Hello {
                protocol: 1,
                version: "0.1.0".into(),
            })
            .expect("encode"),
        ),
        (
            "pair",
            encode(&Request::Pair(PairRequest {
                number: number.clone(),
            }))
            .expect("encode"),
        ),
        (
            "list",
            encode(&Request::List(ListRequest {})).expect("encode"),
        ),
        (
            "status",
            encode(&Request::Status(StatusRequest { number: None })).expect("encode"),
        ),
        (
            "drop",
            encode(&Request::Drop(DropRequest { number })).expect("encode"),
        ),
        (
            "drain",
            encode(&Request::Drain(DrainRequest {})).expect("encode"),
        ),
        (
            "error",
            encode(&Response::Error(ErrorReply::new(
                ErrorCode::UnknownNumber,
                "x",
            )))
            .expect("encode"),
        ),
    ];
    let got: Vec<String> = cases
        .iter()
        .map(|(name, bytes)| format!("{name} {}", hex(bytes)))
        .collect();
    let expected = GOLDEN
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>();
    assert_eq!(got, expected, "wire format changed:\n{}", got.join("\n"));
}

const GOLDEN: &str = "
hello 000000070105302e312e30
pair 0000000d000b3135353530303031313131
list 0000000101
status 000000020200
drop 0000000d050b3135353530303031313131
drain 0000000108
error 0000000407000178
";

// Every answer the daemon sends, `SessionInfo` and `DaemonInfo` included:
// bincode encodes a struct field by field, so an added field changes these
// bytes, and such a change must come with a new `PROTOCOL` (pinned here).

fn info() -> SessionInfo {
    SessionInfo {
        number: Number::parse("15550001111").expect("number"),
        state: SessionState::Connected,
        reason: "r".into(),
        since: 2,
        has_qr: false,
        created_at: 1,
        paired_at: Some(1),
        connected_at: Some(2),
        disconnected_at: None,
        last_seen: Some(3),
        jid: Some("j".into()),
        push_name: Some("p".into()),
        pairing_deadline: None,
        retry_at: None,
        forget_at: None,
        disconnects: 4,
        phone_seen_at: Some(5),
        messages_received: 6,
        last_message_at: Some(7),
        node: Some("n".into()),
    }
}

fn transition() -> Transition {
    Transition {
        at: 8,
        from: SessionState::Connecting,
        to: SessionState::Connected,
        reason: "t".into(),
    }
}

fn daemon() -> DaemonInfo {
    DaemonInfo {
        version: "v".into(),
        pid: 9,
        started_at: 10,
        socket: "s".into(),
        data_dir: "d".into(),
        counts: vec![(SessionState::Connected, 1)],
        wa_version: "2.3000.1".into(),
        wa_version_source: "pinned".into(),
        wa_version_fetched_at: None,
        wa_version_error: None,
        wa_version_error_at: None,
        connect_rate: 50,
        connect_rate_configured: 50,
        connect_rate_reason: None,
        notifications: vec![SinkStats {
            kind: SinkKind::Webhook,
            index: 1,
            delivered: 2,
            failures: 0,
            queued: 0,
            dropped_full: 0,
            dropped_missed: 0,
            dropped_expired: 0,
        }],
        engine: "postgres".into(),
        database: Some("u".into()),
        node: Some("n".into()),
        nodes: vec![NodeInfo {
            name: "n".into(),
            heartbeat_age_ms: 14,
            numbers: 15,
            status: "live".into(),
        }],
    }
}

#[test]
fn every_answer_is_pinned() {
    assert_eq!(
        PROTOCOL, 5,
        "a changed encoding takes a new protocol number"
    );
    let answers: Vec<(&str, Response)> = vec![
        (
            "hello",
            Response::Hello(Hello {
                protocol: PROTOCOL,
                version: "v".into(),
            }),
        ),
        (
            "done",
            Response::Done(Done {
                message: "m".into(),
            }),
        ),
        ("sessions", Response::Sessions(vec![info()])),
        ("session", Response::Session(info())),
        ("daemon", Response::Daemon(daemon())),
        (
            "inspect",
            Response::Inspect(SessionDetail {
                info: info(),
                transitions: vec![transition()],
                store_path: "s".into(),
                store_bytes: 11,
            }),
        ),
        (
            "pairing-qr",
            Response::Pairing(PairingUpdate::Qr(QrCode {
                code: "q".into(),
                expires_at: 12,
            })),
        ),
        (
            "pairing-state",
            Response::Pairing(PairingUpdate::State(info())),
        ),
        (
            "pairing-connected",
            Response::Pairing(PairingUpdate::Connected(info())),
        ),
        (
            "pairing-code",
            Response::Pairing(PairingUpdate::Code(PairCode {
                code: "c".into(),
                expires_at: 13,
            })),
        ),
        (
            "pairing-ended",
            Response::Pairing(PairingUpdate::Ended("e".into())),
        ),
        (
            "error",
            Response::Error(ErrorReply::new(ErrorCode::LimitReached, "x")),
        ),
        (
            "event",
            Response::Event(StateEvent {
                number: Number::parse("15550001111").expect("number"),
                transition: transition(),
            }),
        ),
    ];
    let got: Vec<String> = answers
        .iter()
        .map(|(name, r)| format!("{name} {}", hex(&encode(r).expect("encode"))))
        .collect();
    let expected: Vec<&str> = GOLDEN_ANSWERS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(got, expected, "wire format changed:\n{}", got.join("\n"));
}

const GOLDEN_ANSWERS: &str = "
hello 0000000400050176
done 0000000301016d
sessions 0000002d02010b31353535303030313131310201720400020102010400010601016a01017000000004010a06010e01016e
session 0000002c030b31353535303030313131310201720400020102010400010601016a01017000000004010a06010e01016e
daemon 0000004404017609140173016401020108322e333030302e310670696e6e656400000032320001000102000000000008706f73746772657301017501016e01016e1c0f046c697665
inspect 00000035050b31353535303030313131310201720400020102010400010601016a01017000000004010a06010e01016e01100102017401730b
pairing-qr 000000050600017118
pairing-state 0000002d06010b31353535303030313131310201720400020102010400010601016a01017000000004010a06010e01016e
pairing-connected 0000002d06020b31353535303030313131310201720400020102010400010601016a01017000000004010a06010e01016e
pairing-code 00000005060301631a
pairing-ended 0000000406040165
error 0000000407070178
event 00000012080b31353535303030313131311001020174
";
