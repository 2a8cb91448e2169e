//! Nagios/Icinga plugin mode: the binary invoked as `check_mailaudit` (placeholder).

use std::ffi::OsString;

/// Runs the plugin; returns the exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
pub fn main(args: Vec<OsString>) -> i32 {
    let mut args = args;
    // Until the plugin options land: behave as `mailaudit run --format nagios …`.
    args.splice(1..1, ["run".into(), "--format".into(), "nagios".into()]);
    crate::cli::main_with_args(args)
}

/// Is this the plugin's name (argv[0] of a symlink or copy)?
pub fn invoked_as_plugin(program: &std::path::Path) -> bool {
    program
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("check_mailaudit"))
}
