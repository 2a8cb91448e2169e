//! `fcrdns` check (placeholder: implemented by its own issue; not in the default profile yet).

use serde::Deserialize;

use crate::checks::Outcome;
use crate::engine::Context;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

pub async fn run(_params: &Params, _context: &Context) -> Outcome {
    Outcome::unknown("the fcrdns check is not implemented yet")
}
