//! Pure parsers: text in, structured data out, no I/O. Each has its own tests.

pub mod bounce;
pub mod mbox;
