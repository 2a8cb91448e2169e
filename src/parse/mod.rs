//! Pure parsers: text in, structured data out, no I/O. Each has its own tests.

pub mod hosts_access;
pub mod maillog;
pub mod mta_config;
