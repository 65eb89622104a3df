//! The PostgreSQL storage engine: every number's whatsapp-rust credentials
//! in one shared database, for nodes on several machines.
//!
//! [`PgEngine::connect`] opens the one pool every number shares and brings
//! the schema up to date (embedded, versioned migrations under an advisory
//! lock, refusing a database of a newer schema). [`PgEngine::backend`] gives
//! a number's whatsapp-rust `Backend`: the SQLite store's tables, byte
//! formats and semantics, keyed by the number, so a store copies between
//! the two ([`PgEngine::import_sqlite`]). Every write of a backend is fenced
//! by its [`Fence`]: it commits only while the number's `owners` row still
//! names that node at that epoch, and fails with [`FenceLost`] otherwise.
//!
//! URLs are only ever shown through [`redact_url`]: no password reaches a
//! log line, an error or a panic message.

mod backend;
mod batch;
mod engine;
mod error;
mod fence;
mod import;
mod migrate;
mod schema;
mod url;
mod wire;

pub use backend::PgBackend;
pub use engine::{Fingerprint, PgEngine, PgOptions, TableFingerprint};
pub use error::PgError;
pub use fence::{Fence, FenceLost};
pub use import::ImportReport;
pub use url::redact_url;
