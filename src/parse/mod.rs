//! Pure parsers: text in, structured data out, no I/O. Each has its own tests.
pub mod mta_config;
