//! `wactl pair NUMBER`: show QR codes as they rotate until the number is
//! connected. On a terminal the codes replace each other in place
//! ([`QrScreen`]); into a pipe or a file each one follows the last.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;
use waconn_proto::time::now_ms;
use waconn_proto::{Client, Number, PairRequest, PairingUpdate, Request, Response, SessionState};

use crate::cli::{PairArgs, QrFormat};
use crate::client::unexpected;
use crate::exit::{self, Failure};
use crate::qr_screen::QrScreen;

pub async fn run(mut client: Client, number: Number, args: PairArgs) -> Result<u8, Failure> {
    let request = PairRequest {
        number: number.clone(),
    };
    client
        .send(&if args.code {
            Request::PairCode(request)
        } else {
            Request::Pair(request)
        })
        .await?;
    let mut screen =
        (!args.code && args.qr == QrFormat::Terminal && std::io::stdout().is_terminal())
            .then(|| QrScreen::new(number.as_str()));
    let mut ticks = tokio::time::interval(Duration::from_secs(1));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_reason = String::new();
    let mut hinted = false;
    loop {
        let response = {
            // One read across the ticks: a read dropped halfway would lose
            // its frame.
            let read = client.next();
            tokio::pin!(read);
            loop {
                tokio::select! {
                    response = &mut read => break response?,
                    _ = ticks.tick(), if screen.is_some() => {
                        if let Some(screen) = &mut screen {
                            screen.tick(now_ms())?;
                        }
                    }
                }
            }
        };
        let update = match response {
            Response::Pairing(update) => update,
            other => return Err(unexpected(&other)),
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
                match &mut screen {
                    Some(screen) => screen.show(&qr.code, qr.expires_at, now_ms())?,
                    None => show(&qr.code, &args.qr)?,
                }
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
                        let note = format!(
                            "{number}: {} ({})",
                            info.state,
                            crate::output::one_line(&info.reason)
                        );
                        match &mut screen {
                            Some(screen) => screen.note(&note, now_ms())?,
                            None => eprintln!("{note}"),
                        }
                    }
                    last_reason = info.reason;
                }
            }
            PairingUpdate::Ended(why) => {
                return Err(Failure::new(
                    exit::NEEDS_PERSON,
                    "pairing_failed",
                    format!("pairing of {number} ended: {why}"),
                ));
            }
            PairingUpdate::Connected(info) => {
                if let Some(screen) = &mut screen {
                    screen.clear()?;
                }
                let jid = info.jid.as_deref().unwrap_or("its device");
                eprintln!("{number} is connected as {}", crate::output::one_line(jid));
                return Ok(exit::OK);
            }
        }
    }
}

/// Shows a code off a terminal (or as text or an image file): each one
/// after the last.
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
        QrFormat::Png(path) => {
            let png = crate::qr_image::png(&qr()?).map_err(Failure::internal)?;
            write_image(path, &png)?;
        }
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
        Failure::usage(format!(
            "cannot write the QR image `{}`: {e}",
            path.display()
        ))
    })?;
    eprintln!("QR code written to {}", path.display());
    Ok(())
}
