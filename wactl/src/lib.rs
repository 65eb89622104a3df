//! wactl
