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
error 0000000407000178
";
