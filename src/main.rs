//! The `mailaudit` binary: wires the command line to the library. Invoked as
//! `check_mailaudit` it is a Nagios plugin; given one file argument, an Ansible module.

use std::path::Path;

fn main() {
    limit_malloc_arenas();
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

/// One malloc arena: the checks run on short-lived threads that allocate little, and glibc's
/// per-thread arenas added ~2 MB of peak RSS to every run (measured on the story snapshot),
/// which counts when the plugin runs on thousands of hosts every few minutes.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called first thing, before any thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}
