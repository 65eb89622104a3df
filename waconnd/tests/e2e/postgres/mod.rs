//! The PostgreSQL engine against a throwaway server of its own per test:
//! the store contract shared with the stock SQLite store, fencing, the
//! engine's operations and errors, importing SQLite stores, and real
//! whatsapp-rust sessions on it against mockwa.

mod client;
mod contract;
mod engine;
mod fencing;
mod import;
mod login;

use mockwa::postgres::PostgresServer;
use waconnd::engine::postgres::{Fence, PgBackend, PgEngine};

/// The node name tests own numbers as.
pub const NODE: &str = "node-a";

/// A throwaway server and an engine connected to it.
pub struct Db {
    pub engine: PgEngine,
    pub server: PostgresServer,
}

impl Db {
    /// Starts a server and connects (which migrates).
    pub async fn start() -> Self {
        let server = PostgresServer::start().expect("start PostgreSQL");
        let engine = PgEngine::connect(&server.url())
            .await
            .unwrap_or_else(|e| panic!("connect: {e}\n{}", server.log()));
        Self { engine, server }
    }

    /// Rows of `number` across every credential table.
    pub async fn rows(&self, number: &str) -> u64 {
        self.engine
            .fingerprint(number)
            .await
            .expect("fingerprint")
            .rows()
    }

    /// `number`'s backend, owned by [`NODE`] at `epoch` (owner row set).
    pub async fn owned(&self, number: &str, epoch: i64) -> PgBackend {
        let fence = Fence::new(NODE, epoch);
        self.engine
            .set_owner(number, &fence)
            .await
            .expect("set owner");
        self.engine.backend(number, fence)
    }
}
