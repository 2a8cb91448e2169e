//! Test support shared by integration tests.

pub mod bounce_score;
pub mod dns_server;
