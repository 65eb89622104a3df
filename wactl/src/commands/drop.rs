//! `wactl drop NUMBER`.

use waconn_proto::{Client, DropRequest, Number, Request, Response};

use crate::client::unexpected;
use crate::exit::{self, Failure};

pub async fn run(mut client: Client, number: Number) -> Result<u8, Failure> {
    match client.ask(&Request::Drop(DropRequest { number })).await? {
        Response::Done(done) => {
            eprintln!("{}", crate::output::one_line(&done.message));
            Ok(exit::OK)
        }
        other => Err(unexpected(&other)),
    }
}
