//! waconnd
