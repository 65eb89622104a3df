//! `wactl pair NUMBER`: show QR codes as they rotate until the number is
//! connected.

use std::io::Write;

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use waconn_proto::{PairRequest, PairingUpdate, Request, Response, SessionState};

use crate::cli::{PairArgs, QrFormat};
use crate::client::Client;
use crate::exit::{self, Failure};

pub async fn run(client: &mut Client, args: PairArgs) -> Result<u8, Failure> {
    let number = args.number.clone();
    let request = PairRequest {
        number: args.number,
    };
    client
        .send(&if args.code {
            Request::PairCode(request)
        } else {
            Request::Pair(request)
        })
        .await?;
    let mut last_reason = String::new();
    let mut hinted = false;
    loop {
        let update = match client.next().await? {
            Response::Pairing(update) => update,
            other => return Err(client.unexpected(other)),
        };
        match update {
            // Linking by code: the QR codes that rotate meanwhile are noise.
            PairingUpdate::Qr(_) if args.code => {}
            PairingUpdate::Qr(qr) => {
                if !hinted {
                    eprintln!(
                        "scan with WhatsApp on the phone of +{number}: Settings > Linked devices > Link a device (Ctrl-C stops watching; the number stays registered until its deadline)"
                    );
                    hinted = true;
                }
                show(&qr.code, &args.qr)?;
            }
            PairingUpdate::Code(code) => {
                eprintln!(
                    "on the phone of +{number}: WhatsApp > Settings > Linked devices > Link a device > Link with phone number instead, then type:"
                );
                let (head, tail) = code.code.split_at(code.code.len().min(4));
                let mut out = anstream::stdout().lock();
                writeln!(out, "{head}-{tail}")?;
                out.flush()?;
            }
            PairingUpdate::State(info) => {
                if info.reason != last_reason {
                    if info.state != SessionState::Pairing || !info.has_qr {
                        eprintln!("{number}: {} ({})", info.state, info.reason);
                    }
                    last_reason = info.reason;
                }
            }
            PairingUpdate::Ended(why) => {
                return Err(Failure::new(
                    exit::NEEDS_PERSON,
                    format!("pairing of {number} ended: {why}"),
                ));
            }
            PairingUpdate::Connected(info) => {
                let jid = info.jid.as_deref().unwrap_or("its device");
                eprintln!("{number} is connected as {jid}");
                return Ok(exit::OK);
            }
        }
    }
}

fn show(code: &str, format: &QrFormat) -> Result<(), Failure> {
    let mut out = anstream::stdout().lock();
    let qr = || {
        QrCode::new(code.as_bytes())
            .map_err(|e| Failure::internal(format!("cannot draw the QR code: {e}")))
    };
    match format {
        QrFormat::Text => writeln!(out, "{code}")?,
        QrFormat::Terminal => {
            let picture = qr()?
                .render::<Dense1x2>()
                .dark_color(Dense1x2::Light)
                .light_color(Dense1x2::Dark)
                .quiet_zone(true)
                .build();
            writeln!(out, "{picture}")?;
        }
        QrFormat::Svg(path) => write_image(path, crate::qr_image::svg(&qr()?).as_bytes())?,
        QrFormat::Png(path) => write_image(path, &crate::qr_image::png(&qr()?))?,
    }
    out.flush()?;
    Ok(())
}

/// Replaces `path` atomically, so a viewer never shows half a code; it is
/// private to the user, the code being a secret while it is valid.
fn write_image(path: &std::path::Path, bytes: &[u8]) -> Result<(), Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| f.write_all(bytes))
        .and_then(|()| std::fs::rename(&tmp, path));
    written.map_err(|e| {
        Failure::new(
            exit::USAGE,
            format!("cannot write the QR image `{}`: {e}", path.display()),
        )
    })?;
    eprintln!("QR code written to {}", path.display());
    Ok(())
}
