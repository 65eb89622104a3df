//! Storage engines for the credentials of many numbers beyond the default
//! of one SQLite store file per number.

pub mod postgres;
