//! Ansible binary-module mode: `mailaudit ARGS_FILE` (placeholder).

use std::ffi::OsString;
use std::path::PathBuf;

/// The args file when the command line is an Ansible module invocation: a single argument
/// that is not a subcommand or option and names an existing file.
pub fn args_file(args: &[OsString]) -> Option<PathBuf> {
    if args.len() != 2 {
        return None;
    }
    let path = PathBuf::from(&args[1]);
    let text = args[1].to_string_lossy();
    let is_command = ["run", "report", "checks", "help"].contains(&text.as_ref());
    (!is_command && !text.starts_with('-') && path.is_file()).then_some(path)
}

/// Runs the module; prints exactly one JSON object on stdout. Returns the exit code.
pub fn main(_args_file: PathBuf) -> i32 {
    println!(
        r#"{{"failed": true, "changed": false, "msg": "the Ansible module mode is not implemented yet"}}"#
    );
    1
}
