//! The `mailaudit` binary: wires the command line to the library. Invoked as
//! `check_mailaudit` it is a Nagios plugin; given one file argument, an Ansible module.

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    std::process::exit(mailaudit::cli::main_with_args(args));
}
