//! `wactl events`: follow state changes live.

use std::io::Write;

use waconn_proto::{Client, EventsRequest, Request, Response};

use crate::cli::EventsArgs;
use crate::client::unexpected;
use crate::exit::{self, Failure};
use crate::output::one_line;
use waconn_proto::views::EventView;

pub async fn run(mut client: Client, args: EventsArgs) -> Result<u8, Failure> {
    client
        .send(&Request::Events(EventsRequest {
            numbers: args.numbers,
        }))
        .await?;
    loop {
        let response = tokio::select! {
            response = client.next() => response?,
            // Nothing is read after Ctrl-C, so a frame cut short is harmless.
            _ = tokio::signal::ctrl_c() => return Ok(exit::OK),
        };
        let Response::Event(event) = response else {
            return Err(unexpected(&response));
        };
        let view = EventView::from(&event);
        if args.json {
            super::print_json(&view)?;
        } else {
            let mut out = anstream::stdout().lock();
            writeln!(
                out,
                "{} {} {} -> {}: {}",
                view.time,
                view.number,
                view.from.as_str(),
                crate::style::state(view.state, 0),
                one_line(&view.reason)
            )?;
            out.flush()?;
        }
    }
}
