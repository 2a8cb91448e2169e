//! Nagios/Icinga plugin mode: the binary invoked as `check_mailaudit` (a symlink or a copy).
//!
//! It behaves as `mailaudit run --format nagios` with the standard plugin options
//! (`-h -V -v -t -w -c -H`) and always answers in plugin terms: every problem, including a
//! bad option, is a `MAILAUDIT UNKNOWN - …` line on stdout with exit code 3. `-t` is
//! enforced twice: the engine's deadline makes unfinished checks unknown, and a watchdog
//! thread answers UNKNOWN and exits if the run is stuck anywhere else (a profile or host file
//! that never ends, a blocked read while gathering facts).

use std::ffi::OsString;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::{ArgAction, CommandFactory, Parser};

use crate::cli::{self, RunArgs};
use crate::definition;
use crate::engine;
use crate::output::Format;
use crate::output::nagios::{self, Options, Thresholds, TimedOut};
use crate::range::Range;
use crate::report::Status;

/// Exit code for UNKNOWN, usage errors included.
pub const EXIT_UNKNOWN: i32 = 3;

/// The watchdog answers this long after `-t` if the run has not answered itself.
pub const WATCHDOG_GRACE: Duration = Duration::from_millis(300);

const USAGE: &str = "check_mailaudit [-v] [-t SECS] [-w RANGE] [-c RANGE] [--metric NAME] \
[-H IP]... [--only ID]... [--skip ID]... [--profile PATH]... [--root DIR] \
[--nameserver IP[:PORT]]... [--now RFC3339] [--redact] [--max-output BYTES]";

#[derive(Debug, Parser)]
#[command(
    name = "check_mailaudit",
    args_override_self = true,
    version,
    about = "Nagios/Icinga plugin: can this host deliver the mail it sends, and if not, why?",
    override_usage = USAGE,
    color = clap::ColorChoice::Never,
    after_help = "Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for bad options, \
                  -h and -V).\n\
                  Ranges (-w/-c): 10 (alert outside 0..10), 10: (below 10), ~:10 (above 10), \
                  10:20 (outside 10..20), @10:20 (inside 10..20); endpoints inclusive.\n\
                  -w/-c apply to the metric named with --metric (a perfdata label such as \
                  maillog_bounced, or a metric name such as bounced), or else to the count of \
                  the count-based checks selected with --only (dnsbl: zones_listed, maillog: bounced, \
                  mailbox_bounces: bounces).\n\
                  More: the 'Nagios and Icinga' section of README.md."
)]
pub struct PluginArgs {
    /// More long output (up to -vvv): every evidence and the fix, then the facts and the
    /// passing checks, then evidence data and durations.
    #[arg(short, long, action = ArgAction::Count)]
    pub verbose: u8,
    /// Seconds before the plugin gives up with UNKNOWN (unfinished checks named).
    #[arg(short, long, value_name = "SECS", default_value = "10",
          value_parser = parse_plugin_timeout, allow_hyphen_values = true)]
    pub timeout: Duration,
    /// Warning range (see below).
    #[arg(short, long, value_name = "RANGE", value_parser = parse_range, allow_hyphen_values = true)]
    pub warning: Option<Range>,
    /// Critical range (see below).
    #[arg(short, long, value_name = "RANGE", value_parser = parse_range, allow_hyphen_values = true)]
    pub critical: Option<Range>,
    /// The metric -w/-c apply to: a perfdata label or a metric name.
    #[arg(long, value_name = "NAME")]
    pub metric: Option<String>,
    /// The address mail is sent from (repeatable); default: discovered. Use it to watch
    /// another host's egress address from a central server.
    #[arg(short = 'H', long = "egress-ip", value_name = "IP")]
    pub egress_ip: Vec<IpAddr>,
    /// Trim long output so the whole output fits in BYTES (first line and perfdata kept);
    /// 1023 for NRPE v2.
    #[arg(long, value_name = "BYTES", value_parser = parse_max_output)]
    pub max_output: Option<usize>,
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
    /// Resolver to query, IP or IP:PORT (repeatable); default: resolv.conf.
    #[arg(long, value_name = "IP[:PORT]", value_parser = cli::parse_nameserver)]
    pub nameserver: Vec<SocketAddr>,
    /// Reference time for time windows (RFC 3339); default: the clock.
    #[arg(long, value_name = "RFC3339", value_parser = cli::parse_now)]
    pub now: Option<jiff::Timestamp>,
    /// Mask mail addresses and subjects in evidence.
    #[arg(long)]
    pub redact: bool,
}

impl PluginArgs {
    /// The same run `mailaudit run` would do with these options.
    pub fn run_args(&self) -> RunArgs {
        RunArgs {
            profile: self.profile.clone(),
            only: self.only.clone(),
            skip: self.skip.clone(),
            root: self.root.clone(),
            nameserver: self.nameserver.clone(),
            egress_ip: self.egress_ip.clone(),
            now: self.now,
            timeout: Some(self.timeout),
            format: Format::Nagios,
            output: None,
            redact: self.redact,
        }
    }

    pub fn thresholds(&self) -> Thresholds {
        Thresholds {
            warning: self.warning,
            critical: self.critical,
            metric: self.metric.clone(),
            only: self.only.clone(),
        }
    }

    /// Combinations clap cannot express; checked before anything runs.
    fn validate(&self) -> Result<(), String> {
        let thresholds = self.warning.is_some() || self.critical.is_some();
        if self.metric.is_some() && !thresholds {
            return Err("--metric needs -w and/or -c".to_string());
        }
        if thresholds && self.metric.is_none() && self.only.is_empty() {
            return Err(
                "-w/-c apply to the count-based checks selected with --only, or to the metric named with --metric: give one of them"
                    .to_string(),
            );
        }
        Ok(())
    }
}

/// `-t`: a positive number of seconds (decimals allowed, or `500ms`, `2m`), at most a day.
pub fn parse_plugin_timeout(text: &str) -> Result<Duration, String> {
    let seconds = match text.trim().parse::<f64>() {
        Ok(seconds) => seconds,
        Err(_) => definition::duration::parse_duration(text)
            .map_err(|_| format!("{text:?} is not a number of seconds"))?
            .as_secs_f64(),
    };
    if !seconds.is_finite() || seconds <= 0.0 {
        return Err(format!(
            "{text:?}: the timeout must be a positive number of seconds"
        ));
    }
    if seconds > 86_400.0 {
        return Err(format!("{text:?}: the timeout must be at most a day"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

fn parse_range(text: &str) -> Result<Range, String> {
    text.parse()
}

fn parse_max_output(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) | Err(_) => Err(format!("{text:?} is not a positive number of bytes")),
        Ok(bytes) => Ok(bytes),
    }
}

/// Runs the plugin; returns the exit code (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). It may
/// also end the process itself (the watchdog, with 3).
pub fn main(args: Vec<OsString>) -> i32 {
    let started = Instant::now();
    let plugin = match PluginArgs::try_parse_from(args) {
        Ok(plugin) => plugin,
        Err(error) => return clap_error(error),
    };
    if let Err(message) = plugin.validate() {
        return usage_error(&message);
    }
    let watchdog = Watchdog::start(started, plugin.timeout);
    let (code, text) = run(&plugin, &watchdog);
    if !watchdog.claim() {
        // The watchdog is printing its UNKNOWN line and ending the process.
        loop {
            std::thread::park();
        }
    }
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
    code
}

/// Loads, selects, runs and renders: `(exit code, output)`.
fn run(plugin: &PluginArgs, watchdog: &Watchdog) -> (i32, String) {
    let args = plugin.run_args();
    let definitions = match definition::load_profiles(&args.profile) {
        Ok(definitions) => definitions,
        Err(error) => return unknown(&error.to_string()),
    };
    let selected = match engine::select(definitions, &args.only, &args.skip) {
        Ok(selected) => selected,
        Err(message) => return unknown(&message),
    };
    watchdog.set_pending(selected.iter().map(|d| d.id.clone()).collect());
    let mut report = match engine::run(selected, &args.run_options()) {
        Ok(report) => report,
        Err(message) => return unknown(&message),
    };
    let unfinished = unfinished_at_deadline(&report);
    let thresholds = plugin.thresholds();
    if let Err(message) = nagios::apply_thresholds(&mut report, &thresholds) {
        return unknown(&message);
    }
    let timed_out = (!unfinished.is_empty()).then_some(TimedOut {
        after: plugin.timeout,
        unfinished,
    });
    if timed_out.is_some() {
        report.status = Status::Unknown;
    }
    let options = Options {
        verbosity: plugin.verbose,
        max_output: plugin.max_output,
        thresholds,
        timed_out,
    };
    (report.status.exit_code(), nagios::render(&report, &options))
}

/// Ids of the checks the engine abandoned at the run's deadline (`-t`), not at their own
/// per-check timeout.
pub fn unfinished_at_deadline(report: &crate::report::Report) -> Vec<String> {
    report
        .results
        .iter()
        .filter(|r| crate::engine::stopped_by_run_deadline(r))
        .map(|r| r.id.clone())
        .collect()
}

fn unknown(message: &str) -> (i32, String) {
    (EXIT_UNKNOWN, format!("{}\n", unknown_line(message)))
}

fn unknown_line(message: &str) -> String {
    let flat: Vec<&str> = message.lines().map(str::trim).collect();
    let text = crate::text::printable(&flat.join(" ")).replace('|', "¦");
    format!("MAILAUDIT UNKNOWN - {text}")
}

/// Bad input: the UNKNOWN line, then how to call the plugin.
fn usage_error(message: &str) -> i32 {
    println!("{}", unknown_line(message));
    println!("Usage: {USAGE}");
    println!("Try 'check_mailaudit --help' for the options.");
    EXIT_UNKNOWN
}

/// Clap's errors reworded as plugin output; `-h`/`-V` print their text and exit 3, as the
/// Monitoring Plugins do (anything that is not a check result is UNKNOWN to the engine).
fn clap_error(error: clap::Error) -> i32 {
    use clap::error::ErrorKind;
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{}", error.render());
            let _ = std::io::stdout().flush();
            EXIT_UNKNOWN
        }
        _ => {
            let rendered = error.render().to_string();
            let message = rendered
                .lines()
                .find(|line| !line.trim().is_empty())
                .unwrap_or("invalid arguments");
            let message = message.strip_prefix("error: ").unwrap_or(message);
            usage_error(message)
        }
    }
}

/// The plugin's help text (for docs and tests).
pub fn help() -> String {
    PluginArgs::command().render_help().to_string()
}

/// Last resort for `-t`: if the run has not answered `WATCHDOG_GRACE` after the timeout,
/// print the UNKNOWN line and end the process, whatever the run's threads are blocked on.
struct Watchdog {
    shared: Arc<WatchState>,
}

struct WatchState {
    /// Set by whoever prints the answer first: the run or the watchdog.
    claimed: AtomicBool,
    /// Checks selected for the run (empty until the profile is loaded).
    pending: Mutex<Vec<String>>,
}

impl Watchdog {
    fn start(started: Instant, timeout: Duration) -> Watchdog {
        let shared = Arc::new(WatchState {
            claimed: AtomicBool::new(false),
            pending: Mutex::new(Vec::new()),
        });
        let state = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("plugin-watchdog".into())
            .spawn(move || {
                let fire_at = started + timeout + WATCHDOG_GRACE;
                loop {
                    let now = Instant::now();
                    if now >= fire_at {
                        break;
                    }
                    std::thread::sleep(fire_at - now);
                }
                if state.claimed.swap(true, Ordering::SeqCst) {
                    return;
                }
                let pending = state
                    .pending
                    .lock()
                    .map(|p| p.clone())
                    .unwrap_or_else(|e| e.into_inner().clone());
                let unfinished = if pending.is_empty() {
                    vec!["loading the profile".to_string()]
                } else {
                    pending
                };
                let line = format!(
                    "MAILAUDIT UNKNOWN - timed out after {} s (unfinished: {}) | 'run_time'={}s;;;0\n",
                    nagios::format_number(timeout.as_secs_f64()),
                    unfinished.join(", "),
                    nagios::format_number(started.elapsed().as_secs_f64()),
                );
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(line.as_bytes());
                let _ = stdout.flush();
                std::process::exit(EXIT_UNKNOWN);
            });
        if spawned.is_err() {
            // Without a watchdog the engine's deadline still bounds the checks themselves.
            eprintln!("check_mailaudit: cannot start the timeout watchdog thread");
        }
        Watchdog { shared }
    }

    fn set_pending(&self, ids: Vec<String>) {
        if let Ok(mut pending) = self.shared.pending.lock() {
            *pending = ids;
        }
    }

    /// True when the run may print its answer (the watchdog has not fired).
    fn claim(&self) -> bool {
        !self.shared.claimed.swap(true, Ordering::SeqCst)
    }
}

/// Is this the plugin's name (argv[0] of a symlink or copy)?
pub fn invoked_as_plugin(program: &std::path::Path) -> bool {
    program
        .file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("check_mailaudit"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<PluginArgs, clap::Error> {
        PluginArgs::try_parse_from(std::iter::once("check_mailaudit").chain(args.iter().copied()))
    }

    #[test]
    fn standard_options_parse() {
        let plugin = parse(&[
            "-vvv",
            "-t",
            "2.5",
            "-w",
            "~:3",
            "-c",
            "@10:20",
            "-H",
            "192.0.2.1",
            "-H",
            "2001:db8::1",
            "--only",
            "dnsbl",
            "--max-output",
            "1023",
        ])
        .unwrap();
        assert_eq!(plugin.verbose, 3);
        assert_eq!(plugin.timeout, Duration::from_millis(2500));
        assert_eq!(plugin.warning.unwrap().to_string(), "~:3");
        assert_eq!(plugin.critical.unwrap().to_string(), "@10:20");
        assert_eq!(plugin.egress_ip.len(), 2);
        assert_eq!(plugin.max_output, Some(1023));
        let args = plugin.run_args();
        assert_eq!(args.timeout, Some(Duration::from_millis(2500)));
        assert_eq!(args.format, Format::Nagios);
        assert_eq!(parse(&[]).unwrap().timeout, Duration::from_secs(10));
        // Negative range ends are values, not options.
        assert!(parse(&["-w", "-10:-5", "--metric", "x"]).is_ok());
        // A later value wins, so a command's defaults can be overridden by its arguments.
        let plugin = parse(&["-t", "20", "--only", "a", "-t", "2", "--only", "b"]).unwrap();
        assert_eq!(plugin.timeout, Duration::from_secs(2));
        assert_eq!(plugin.only, ["a", "b"]);
    }

    #[test]
    fn bad_values_are_rejected_with_the_reason() {
        for (args, needle) in [
            (&["-w", "10:5"][..], "greater than end"),
            (&["-c", "abc"][..], "not a number"),
            (&["-t", "0"][..], "positive"),
            (&["-t", "-5"][..], "positive"),
            (&["-t", "soon"][..], "not a number of seconds"),
            (&["-t", "100000"][..], "at most a day"),
            (&["--max-output", "0"][..], "positive number of bytes"),
            (&["-H", "web1.example"][..], "invalid"),
            (&["--bogus"][..], "unexpected argument"),
        ] {
            let error = parse(args).unwrap_err().render().to_string();
            assert!(error.contains(needle), "{args:?}: {error}");
        }
    }

    #[test]
    fn threshold_combinations_are_validated() {
        assert!(
            parse(&["-w", "1"])
                .unwrap()
                .validate()
                .unwrap_err()
                .contains("--only")
        );
        assert!(
            parse(&["--metric", "x"])
                .unwrap()
                .validate()
                .unwrap_err()
                .contains("needs -w")
        );
        assert!(
            parse(&["-w", "1", "--only", "dnsbl"])
                .unwrap()
                .validate()
                .is_ok()
        );
        assert!(
            parse(&["-c", "1", "--metric", "x"])
                .unwrap()
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn unknown_lines_stay_one_line() {
        assert_eq!(
            unknown_line("profile.toml:3:1: bad\n  | detail"),
            "MAILAUDIT UNKNOWN - profile.toml:3:1: bad ¦ detail"
        );
    }

    #[test]
    fn only_run_deadline_abandons_count_as_timed_out() {
        use crate::report::{CheckResult, Metrics, Severity};
        let result = |id: &str, status, summary: &str| CheckResult {
            id: id.into(),
            kind: "dnsbl".into(),
            title: String::new(),
            severity: Severity::Critical,
            status,
            summary: summary.into(),
            evidence: vec![],
            remediation: String::new(),
            metrics: Metrics::new(),
            duration_ms: 0,
        };
        let results = vec![
            result(
                "a",
                Status::Unknown,
                "did not finish within 2s (the run's --timeout)",
            ),
            result(
                "b",
                Status::Unknown,
                "did not finish within 5s (its timeout)",
            ),
            result("c", Status::Ok, "fine"),
        ];
        let report = crate::report::Report {
            schema: String::new(),
            tool: Default::default(),
            host: String::new(),
            generated_at: String::new(),
            duration_ms: 0,
            status: Status::Unknown,
            summary: String::new(),
            facts: Default::default(),
            counts: crate::report::Counts::of(&results),
            results,
        };
        assert_eq!(unfinished_at_deadline(&report), ["a"]);
    }

    #[test]
    fn plugin_names() {
        use std::path::Path;
        assert!(invoked_as_plugin(Path::new(
            "/usr/lib/nagios/plugins/check_mailaudit"
        )));
        assert!(invoked_as_plugin(Path::new("check_mailaudit_dnsbl")));
        assert!(!invoked_as_plugin(Path::new("/usr/bin/mailaudit")));
    }
}
