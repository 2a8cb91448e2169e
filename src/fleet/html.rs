//! `html`: placeholder replaced below.
use super::Context;
use std::io::Write;
pub fn render(_context: &Context, _out: &mut dyn Write) -> std::io::Result<()> {
    Ok(())
}
