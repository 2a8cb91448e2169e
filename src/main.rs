//! The `mailaudit` binary: wires the command line to the library. Invoked as
//! `check_mailaudit` it is a Nagios plugin; given one file argument, an Ansible module.

use std::path::Path;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let program = args
        .first()
        .map(Path::new)
        .unwrap_or(Path::new("mailaudit"));
    let code = if mailaudit::nagios::invoked_as_plugin(program) {
        mailaudit::nagios::main(args)
    } else if let Some(args_file) = mailaudit::ansible::args_file(&args) {
        mailaudit::ansible::main(args_file)
    } else {
        mailaudit::cli::main_with_args(args)
    };
    std::process::exit(code);
}
