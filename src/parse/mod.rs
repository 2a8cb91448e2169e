//! Pure parsers: text in, structured data out, no I/O. Each has its own tests.

pub mod bounce;
pub mod hosts_access;
pub mod maillog;
pub mod mbox;
pub mod mta_config;
