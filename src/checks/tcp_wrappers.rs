//! `tcp_wrappers`: evaluates hosts.allow/hosts.deny (hosts_access(5)) for the MTA daemon
//! and local clients. Relevant only where the MTA is linked with libwrap.

use serde::Deserialize;

use crate::checks::Outcome;
use crate::engine::Context;

/// Parameters of a `tcp_wrappers` check.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub fn run(_params: &Params, _context: &Context) -> Outcome {
    Outcome::unknown("tcp_wrappers evaluation is not implemented yet")
}
