//! `mailaudit report`: the fleet report from per-host reports (placeholder until its issue lands).

use std::path::PathBuf;

use clap::Args;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Per-host JSON reports: files or directories.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs `mailaudit report`; returns the exit code.
pub fn run(_args: ReportArgs) -> i32 {
    eprintln!("mailaudit: the fleet report is not implemented yet");
    3
}
