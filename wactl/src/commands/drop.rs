//! `wactl drop NUMBER`.

use waconn_proto::{DropRequest, Number, Request, Response};

use crate::client::Client;
use crate::exit::{self, Failure};

pub async fn run(client: &mut Client, number: Number) -> Result<u8, Failure> {
    match client.ask(&Request::Drop(DropRequest { number })).await? {
        Response::Done(done) => {
            eprintln!("{}", done.message);
            Ok(exit::OK)
        }
        other => Err(client.unexpected(other)),
    }
}
