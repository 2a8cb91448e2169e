//! Test support shared by integration tests.

pub mod dns_server;
