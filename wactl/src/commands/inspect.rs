//! `wactl inspect NUMBER`: everything known, with recent transitions.

use std::io::Write;

use waconn_proto::time::now_ms;
use waconn_proto::{Client, InspectRequest, Number, Request, Response};

use crate::client::unexpected;
use crate::exit::{self, Failure};
use crate::output::{ago, one_line};
use waconn_proto::views::InspectView;

pub async fn run(mut client: Client, number: Number, json: bool) -> Result<u8, Failure> {
    let detail = match client
        .ask(&Request::Inspect(InspectRequest { number }))
        .await?
    {
        Response::Inspect(detail) => detail,
        other => return Err(unexpected(&other)),
    };
    if json {
        super::print_json(&InspectView::from(&detail))?;
        return Ok(exit::OK);
    }
    super::status::print_session(&detail.info)?;
    let mut out = anstream::stdout().lock();
    if let Some(jid) = &detail.info.jid {
        writeln!(out, "  device          {}", one_line(jid))?;
    }
    writeln!(out, "  registered      {}", ago(detail.info.created_at))?;
    if let Some(at) = detail.info.phone_seen_at {
        writeln!(out, "  phone seen      {}", ago(at))?;
    }
    if let Some(warning) = super::check::phone_warning(&detail.info, now_ms()) {
        writeln!(out, "  warning         {}", warning.sentence())?;
    }
    writeln!(out, "  disconnects     {}", detail.info.disconnects)?;
    let last = detail
        .info
        .last_message_at
        .map(|at| format!(", the last {}", ago(at)))
        .unwrap_or_default();
    writeln!(
        out,
        "  messages        {} received{last}",
        detail.info.messages_received
    )?;
    writeln!(
        out,
        "  store           {} ({} bytes)",
        one_line(&detail.store_path),
        detail.store_bytes
    )?;
    writeln!(out, "transitions:")?;
    for t in &detail.transitions {
        writeln!(
            out,
            "  {:>10}  {:<12} -> {:<12} {}",
            ago(t.at),
            t.from.as_str(),
            t.to.as_str(),
            one_line(&t.reason)
        )?;
    }
    Ok(exit::OK)
}
