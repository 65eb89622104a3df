//! `wactl inspect NUMBER`: everything known, with recent transitions.

use std::io::Write;

use waconn_proto::{InspectRequest, Request, Response};

use crate::cli::NumberJsonArgs;
use crate::client::Client;
use crate::exit::{self, Failure};
use crate::output::ago;
use crate::views::InspectView;

pub async fn run(client: &mut Client, args: NumberJsonArgs) -> Result<u8, Failure> {
    let detail = match client
        .ask(&Request::Inspect(InspectRequest {
            number: args.number,
        }))
        .await?
    {
        Response::Inspect(detail) => detail,
        other => return Err(client.unexpected(other)),
    };
    if args.json {
        super::print_json(&InspectView::from(&detail))?;
        return Ok(exit::OK);
    }
    super::status::print_session(&detail.info)?;
    let mut out = anstream::stdout().lock();
    if let Some(jid) = &detail.info.jid {
        writeln!(out, "  device          {jid}")?;
    }
    writeln!(out, "  registered      {}", ago(detail.info.created_at))?;
    if let Some(at) = detail.info.phone_seen_at {
        writeln!(out, "  phone seen      {}", ago(at))?;
    }
    if let Some(warning) = super::check::phone_warning(&detail.info, crate::output::now_ms()) {
        writeln!(out, "  warning         {warning}")?;
    }
    writeln!(out, "  disconnects     {}", detail.info.disconnects)?;
    writeln!(
        out,
        "  store           {} ({} bytes)",
        detail.store_path, detail.store_bytes
    )?;
    writeln!(out, "transitions:")?;
    for t in &detail.transitions {
        writeln!(
            out,
            "  {:>10}  {:<12} -> {:<12} {}",
            ago(t.at),
            t.from.as_str(),
            t.to.as_str(),
            t.reason
        )?;
    }
    Ok(exit::OK)
}
