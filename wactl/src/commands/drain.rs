//! `wactl drain`: hand this node's numbers to the other nodes.

use waconn_proto::{Client, DrainRequest, Request, Response};

use crate::client::unexpected;
use crate::exit::{self, Failure};

pub async fn run(mut client: Client) -> Result<u8, Failure> {
    match client.ask(&Request::Drain(DrainRequest {})).await? {
        Response::Done(done) => {
            eprintln!("{}", crate::output::one_line(&done.message));
            Ok(exit::OK)
        }
        other => Err(unexpected(&other)),
    }
}
