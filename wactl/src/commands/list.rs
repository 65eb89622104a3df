//! `wactl list`: one line per number.

use std::io::Write;

use waconn_proto::Client;

use crate::exit::{self, Failure};
use crate::output::{ago, one_line};
use waconn_proto::views::ConnectionsView;

pub async fn run(mut client: Client, json: bool) -> Result<u8, Failure> {
    let sessions = client.sessions().await?;
    if json {
        super::print_json(&ConnectionsView::new(&sessions))?;
        return Ok(exit::OK);
    }
    // Whole blocks through anstream, not a write per field.
    let mut out = std::io::BufWriter::new(anstream::stdout().lock());
    let width = sessions
        .iter()
        .map(|s| s.number.as_str().len())
        .max()
        .unwrap_or(6)
        .max(6);
    // Nodes sharing a database: which one runs each number.
    let nodes = sessions.iter().any(|s| s.node.is_some());
    let node_width = sessions
        .iter()
        .filter_map(|s| s.node.as_deref())
        .map(str::len)
        .max()
        .unwrap_or(4)
        .max(4);
    let node = |name: Option<&str>| {
        if nodes {
            format!("{:<node_width$}  ", one_line(name.unwrap_or("-")))
        } else {
            String::new()
        }
    };
    writeln!(
        out,
        "{:<width$}  {:<12}  {:<14}  {}NAME",
        "NUMBER",
        "STATE",
        "SINCE",
        node(Some("NODE"))
    )?;
    for s in &sessions {
        writeln!(
            out,
            "{:<width$}  {}  {:<14}  {}{}",
            s.number.as_str(),
            crate::style::state(s.state, 12),
            ago(crate::output::since(s)),
            node(s.node.as_deref()),
            one_line(s.push_name.as_deref().unwrap_or("-"))
        )?;
    }
    out.flush()?;
    Ok(exit::OK)
}
