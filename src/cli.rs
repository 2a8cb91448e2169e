//! The command line (DESIGN.md contract): argument definitions and the commands they run.
//! Usage and configuration errors exit with 3 and a message naming what is wrong.

use std::ffi::OsString;
use std::io::IsTerminal;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::definition::{self, duration::parse_duration};
use crate::engine::{self, RunOptions};
use crate::output::{self, Format, Style};

/// Exit code for usage and configuration errors (and `unknown`).
pub const EXIT_USAGE: i32 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "mailaudit",
    version,
    about = "Tells whether this host can deliver the mail it sends, and if not, exactly why.",
    after_help = "Exit codes of `run`: 0 ok, 1 warning, 2 critical, 3 unknown or usage error.\n\
                  Invoked as `check_mailaudit`, it is a Nagios/Icinga plugin; given a single\n\
                  file argument, it is an Ansible module."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit this host (or a captured snapshot with --root).
    Run(RunArgs),
    /// List the checks of a profile; with --validate, only validate it.
    Checks(ChecksArgs),
    /// Fleet report from per-host JSON reports (files or directories).
    Report(crate::fleet::ReportArgs),
}

#[derive(Debug, Args, Clone)]
pub struct RunArgs {
    /// Profile file or directory of *.toml (repeatable); default: the embedded profile.
    #[arg(long, value_name = "PATH")]
    pub profile: Vec<PathBuf>,
    /// Run only the checks with this id or kind (repeatable).
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Skip the checks with this id or kind (repeatable).
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,
    /// Read host files under DIR instead of / (a captured snapshot).
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,
    /// Resolver to query, IP or IP:PORT ([v6]:PORT) (repeatable); default: resolv.conf.
    #[arg(long, value_name = "IP[:PORT]", value_parser = parse_nameserver)]
    pub nameserver: Vec<SocketAddr>,
    /// The address this host sends mail from (repeatable); default: discovered.
    #[arg(long = "egress-ip", value_name = "IP")]
    pub egress_ip: Vec<IpAddr>,
    /// Reference time for time windows (RFC 3339); default: the clock.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<jiff::Timestamp>,
    /// Deadline for the whole run, in seconds (or 500ms, 2m…); unfinished checks become unknown.
    #[arg(long, value_name = "SECS", value_parser = parse_timeout)]
    pub timeout: Option<Duration>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Mask mail addresses and subjects in evidence.
    #[arg(long)]
    pub redact: bool,
}

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Profile file or directory of *.toml (repeatable); default: the embedded profile.
    #[arg(long, value_name = "PATH")]
    pub profile: Vec<PathBuf>,
    /// Only validate: print nothing but errors, exit 0 when valid, 3 otherwise.
    #[arg(long)]
    pub validate: bool,
    /// Profiles to validate or list (same as --profile).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

pub fn parse_nameserver(text: &str) -> Result<SocketAddr, String> {
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, 53));
    }
    text.parse::<SocketAddr>().map_err(|_| {
        format!(
            "{text:?} is not an IP address or IP:PORT (write IPv6 with a port as [2001:db8::53]:53)"
        )
    })
}

pub fn parse_now(text: &str) -> Result<jiff::Timestamp, String> {
    text.parse::<jiff::Timestamp>().map_err(|e| {
        format!("{text:?} is not an RFC 3339 time with an offset (e.g. 2026-12-04T07:30:00Z): {e}")
    })
}

pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    parse_duration(text)
}

/// Runs the command line; returns the process exit code.
pub fn main_with_args(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = error.print();
            return code;
        }
    };
    match cli.command {
        Command::Run(args) => run(&args),
        Command::Checks(args) => checks(args),
        Command::Report(args) => crate::fleet::run(args),
    }
}

impl RunArgs {
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            root: self.root.clone(),
            only: self.only.clone(),
            skip: self.skip.clone(),
            nameservers: self.nameserver.clone(),
            egress_ips: self.egress_ip.clone(),
            now: self.now,
            timeout: self.timeout,
            redact: self.redact,
        }
    }
}

/// Loads, selects and runs; `Err` is a usage/configuration error (exit 3).
pub fn audit(args: &RunArgs) -> Result<crate::report::Report, String> {
    let definitions = definition::load_profiles(&args.profile).map_err(|e| e.to_string())?;
    let selected = engine::select(definitions, &args.only, &args.skip)?;
    engine::run(selected, &args.run_options())
}

fn run(args: &RunArgs) -> i32 {
    let report = match audit(args) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("mailaudit: {message}");
            return EXIT_USAGE;
        }
    };
    let style = match args.output {
        Some(_) => Style::default(),
        None => Style::for_terminal(std::io::stdout().is_terminal()),
    };
    let text = output::render(&report, args.format, style);
    match &args.output {
        Some(path) => {
            if let Err(message) = output::write_atomically(path, &text) {
                eprintln!("mailaudit: {message}");
                return EXIT_USAGE;
            }
        }
        None => print!("{text}"),
    }
    report.status.exit_code()
}

fn checks(args: ChecksArgs) -> i32 {
    let mut paths = args.profile;
    paths.extend(args.paths);
    let definitions = match definition::load_profiles(&paths) {
        Ok(definitions) => definitions,
        Err(error) => {
            eprintln!("mailaudit: {error}");
            return EXIT_USAGE;
        }
    };
    if args.validate {
        eprintln!(
            "mailaudit: {} check definitions are valid",
            definitions.len()
        );
        return 0;
    }
    let width = definitions
        .iter()
        .map(|d| d.id.len())
        .max()
        .unwrap_or(2)
        .max(2);
    println!("{:<width$}  {:<15}  {:<8}  TITLE", "ID", "KIND", "SEVERITY");
    for definition in &definitions {
        println!(
            "{:<width$}  {:<15}  {:<8}  {}",
            definition.id,
            definition.kind.as_str(),
            definition.severity.to_string(),
            definition.title
        );
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nameservers_take_an_optional_port() {
        assert_eq!(
            parse_nameserver("192.0.2.53").unwrap(),
            "192.0.2.53:53".parse().unwrap()
        );
        assert_eq!(
            parse_nameserver("127.0.0.1:5353").unwrap(),
            "127.0.0.1:5353".parse().unwrap()
        );
        assert_eq!(
            parse_nameserver("2001:db8::1").unwrap(),
            "[2001:db8::1]:53".parse().unwrap()
        );
        assert_eq!(
            parse_nameserver("[::1]:5300").unwrap(),
            "[::1]:5300".parse().unwrap()
        );
        for bad in [
            "",
            "resolver.example",
            "300.1.1.1",
            "127.0.0.1:99999",
            "::1:53x",
        ] {
            assert!(parse_nameserver(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn now_must_be_rfc3339_with_offset() {
        assert!(parse_now("2026-12-04T07:30:00Z").is_ok());
        assert!(parse_now("2026-12-04T07:30:00+01:00").is_ok());
        assert!(parse_now("2026-12-04 07:30").is_err());
        assert!(parse_now("yesterday").is_err());
    }
}
