//! `wactl events`: follow state changes live.

use std::io::Write;

use waconn_proto::{EventsRequest, Request, Response};

use crate::cli::EventsArgs;
use crate::client::Client;
use crate::exit::{self, Failure};
use crate::views::EventView;

pub async fn run(client: &mut Client, args: EventsArgs) -> Result<u8, Failure> {
    client
        .send(&Request::Events(EventsRequest {
            numbers: args.numbers,
        }))
        .await?;
    loop {
        let response = tokio::select! {
            response = client.next() => response?,
            _ = tokio::signal::ctrl_c() => return Ok(exit::OK),
        };
        let Response::Event(event) = response else {
            return Err(client.unexpected(response));
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
                view.reason
            )?;
            out.flush()?;
        }
    }
}
