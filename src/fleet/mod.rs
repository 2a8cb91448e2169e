//! `mailaudit report`: the fleet report from per-host reports.
//!
//! Two passes over the inputs: the first ([`input::read_all`]) reads every document once
//! and keeps a compact entry per host ([`aggregate`]); the second re-reads only the reports
//! a format shows in full, one at a time ([`aggregate::Fleet::details`]). Output is
//! streamed, so csv and json need memory for the compact entries only.

pub mod aggregate;
pub mod baseline;
pub mod csv;
pub mod html;
pub mod input;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod stream;

use std::io::{BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::output::AtomicFile;
use crate::report::Status;
use aggregate::{Collector, Fleet, Options};
use baseline::{Baseline, Changes};
use input::{Accept, Item};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FleetFormat {
    Html,
    Markdown,
    Csv,
    Json,
    Junit,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 the report was written, 3 nothing was readable or usage error."
)]
pub struct ReportArgs {
    /// Per-host reports: JSON reports, Ansible results (report under `audit`, `ansible --tree`
    /// files), JSON Lines of those; files or directories (read recursively).
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "html")]
    pub format: FleetFormat,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// A previous set of reports, or a previous `--format json` aggregate: show new
    /// failures, fixed and still failing checks (repeatable).
    #[arg(long, value_name = "PATH")]
    pub baseline: Vec<PathBuf>,
    /// Hosts that should have reported: one per line, or an Ansible INI inventory.
    #[arg(long, value_name = "FILE")]
    pub expected_hosts: Option<PathBuf>,
    /// Show only hosts with this overall status (repeatable, or comma-separated).
    #[arg(long, value_name = "STATUS", value_delimiter = ',', value_parser = parse_status)]
    pub only_status: Vec<Status>,
    /// Show only this check, by id or kind (repeatable); host statuses are re-computed
    /// from the selected checks.
    #[arg(long = "check", value_name = "ID")]
    pub checks: Vec<String>,
    /// Group hosts by a fact, as a dotted path into the report's facts (`mta.kind`,
    /// `domain`, `mta.smarthost`).
    #[arg(long, value_name = "FACT")]
    pub group_by: Option<String>,
    /// Time the report says it was made (RFC 3339); default: the clock. For reproducible output.
    #[arg(long, value_name = "RFC3339", value_parser = crate::cli::parse_now)]
    pub now: Option<jiff::Timestamp>,
}

fn parse_status(text: &str) -> Result<Status, String> {
    Status::parse(text).ok_or_else(|| {
        format!("{text:?} is not a status (ok, warning, critical, unknown, skipped)")
    })
}

/// Everything a format renders.
pub struct Context<'a> {
    pub fleet: &'a Fleet,
    pub baseline: Option<&'a Baseline>,
    pub changes: Option<&'a Changes>,
    /// When the fleet report was made (RFC 3339).
    pub generated_at: String,
}

/// Renders a collected fleet as html, markdown or junit onto `out` (csv and json are
/// streamed: [`run_streamed`]).
pub fn render(context: &Context, format: FleetFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        FleetFormat::Html => html::render(context, out),
        FleetFormat::Markdown => markdown::render(context, out),
        FleetFormat::Junit => junit::render(context, out),
        FleetFormat::Csv | FleetFormat::Json => Err(std::io::Error::other(
            "csv and json are streamed: use run_streamed",
        )),
    }
}

/// Writes csv or json while reading the indexed inputs a second time; returns the figures.
pub fn run_streamed(
    index: stream::Index,
    format: FleetFormat,
    options: Options,
    expected: Option<Vec<String>>,
    baseline: Option<&Baseline>,
    generated_at: &str,
    out: &mut dyn Write,
) -> std::io::Result<Fleet> {
    let json = format == FleetFormat::Json;
    if json {
        json::write_head(out, generated_at, &options)?;
    } else {
        csv::write_header(out, options.group_by.is_some(), baseline.is_some())?;
    }
    let mut first = true;
    let (fleet, changes) = stream::run(index, options, expected, baseline, |row| {
        if json {
            json::write_host(out, &mut first, row)
        } else {
            csv::write_host(out, row)
        }
    })?;
    if json {
        let context = Context {
            fleet: &fleet,
            baseline,
            changes: changes.as_ref(),
            generated_at: generated_at.to_string(),
        };
        json::write_tail(&context, out, !first)?;
    }
    Ok(fleet)
}

/// Reads the inputs into a fleet (first pass). Progress goes to stderr when it is a
/// terminal and there are many inputs.
pub fn collect(
    inputs: &[PathBuf],
    options: Options,
    expected: Option<Vec<String>>,
    show_progress: bool,
) -> Fleet {
    let mut problems = Vec::new();
    let files = input::discover(inputs, &mut problems);
    let progress = Progress::new(show_progress, files.paths.len());
    let mut collector = Collector::new(options);
    input::read_all(
        &files,
        Accept::Reports,
        &mut problems,
        |done| progress.file(done),
        |location, item| {
            progress.report();
            match item {
                Item::Report(report) => collector.add(location, &report),
                Item::Missing { host, reason } => collector.add_missing(host, reason),
                Item::Aggregate(_) => unreachable!("aggregates are refused by Accept::Reports"),
            }
        },
    );
    progress.finish();
    collector.finish(files, problems, expected)
}

/// Progress on stderr for long reads: only to a terminal, and only with many input files
/// (1,000) or many reports (10,000, e.g. one big JSON Lines file).
pub struct Progress {
    terminal: bool,
    total_files: usize,
    files: std::cell::Cell<usize>,
    reports: std::cell::Cell<usize>,
    shown: std::cell::Cell<bool>,
}

impl Progress {
    pub fn new(terminal: bool, total_files: usize) -> Progress {
        Progress {
            terminal,
            total_files,
            files: 0.into(),
            reports: 0.into(),
            shown: false.into(),
        }
    }

    pub fn file(&self, done: usize) {
        self.files.set(done);
        if done.is_multiple_of(500) && self.total_files >= 1000 {
            self.show();
        }
    }

    pub fn report(&self) {
        let reports = self.reports.get() + 1;
        self.reports.set(reports);
        if reports.is_multiple_of(5000) {
            self.show();
        }
    }

    fn show(&self) {
        if self.terminal {
            self.shown.set(true);
            eprint!(
                "\rmailaudit: {} reports read, file {}/{}…",
                self.reports.get(),
                self.files.get(),
                self.total_files
            );
        }
    }

    pub fn finish(&self) {
        if self.shown.get() {
            eprintln!(
                "\rmailaudit: {} reports read from {} files.{:20}",
                self.reports.get(),
                self.total_files,
                ""
            );
        }
    }
}

/// Host names of an expected-hosts file: one per line, or an Ansible INI inventory
/// (`[group]` headers, `host var=value` lines; `[group:vars]` and `[group:children]`
/// sections name no hosts). `#`/`;` comments. Pure.
pub fn parse_expected_hosts(text: &str) -> Vec<String> {
    let mut hosts = Vec::new();
    let mut in_host_section = true;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if line.starts_with('[') {
            in_host_section = !(line.contains(":vars") || line.contains(":children"));
            continue;
        }
        if !in_host_section {
            continue;
        }
        if let Some(name) = line.split_whitespace().next()
            && !name.contains('=')
            && !hosts.iter().any(|h| h == name)
        {
            hosts.push(name.to_string());
        }
    }
    hosts
}

/// Runs `mailaudit report`; returns the exit code.
pub fn run(args: ReportArgs) -> i32 {
    match run_report(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("mailaudit: {message}");
            crate::cli::EXIT_USAGE
        }
    }
}

fn run_report(args: &ReportArgs) -> Result<i32, String> {
    if let Some(path) = &args.group_by
        && (path.is_empty() || path.split('.').any(str::is_empty))
    {
        return Err(format!(
            "--group-by {path:?}: expected a dotted fact path such as mta.kind"
        ));
    }
    // Refuse an unwritable output before spending minutes on the inputs.
    let mut sink = Sink::open(args.output.as_deref())?;
    let expected = match &args.expected_hosts {
        Some(path) => Some(parse_expected_hosts(
            &std::fs::read_to_string(path)
                .map_err(|e| format!("--expected-hosts {}: cannot read: {e}", path.display()))?,
        )),
        None => None,
    };
    let options = Options {
        only_status: args.only_status.clone(),
        checks: args.checks.clone(),
        group_by: args.group_by.clone(),
        keep_texts: matches!(args.format, FleetFormat::Html | FleetFormat::Markdown),
    };
    let mut baseline_problems = Vec::new();
    let baseline =
        (!args.baseline.is_empty()).then(|| Baseline::load(&args.baseline, &mut baseline_problems));
    let generated_at = args.now.unwrap_or_else(jiff::Timestamp::now);
    let generated_at = generated_at
        .round(jiff::Unit::Second)
        .unwrap_or(generated_at)
        .to_string();
    let written = if matches!(args.format, FleetFormat::Csv | FleetFormat::Json) {
        let mut index = stream::index(&args.inputs, std::io::stderr().is_terminal());
        index.problems.extend(baseline_problems);
        run_streamed(
            index,
            args.format,
            options,
            expected,
            baseline.as_ref(),
            &generated_at,
            sink.writer(),
        )
    } else {
        let mut fleet = collect(
            &args.inputs,
            options,
            expected,
            std::io::stderr().is_terminal(),
        );
        fleet.problems.extend(baseline_problems);
        let changes = baseline.as_ref().map(|b| baseline::compare(&fleet, b));
        let context = Context {
            fleet: &fleet,
            baseline: baseline.as_ref(),
            changes: changes.as_ref(),
            generated_at,
        };
        render(&context, args.format, sink.writer()).map(|()| fleet)
    };
    let fleet = match written.and_then(|fleet| sink.flush().map(|()| fleet)) {
        Ok(fleet) => fleet,
        // `mailaudit report … | head`: the reader has seen what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe && args.output.is_none() => {
            return Ok(0);
        }
        Err(e) => return Err(sink.describe_error(&e)),
    };
    sink.commit()?;

    for problem in fleet.unreadable() {
        eprintln!("mailaudit: {}: {}", problem.input, problem.reason);
    }
    if fleet.reports_read == 0 {
        eprintln!("mailaudit: no readable report among the inputs");
        return Ok(crate::cli::EXIT_USAGE);
    }
    Ok(0)
}

/// Where the report goes: standard output, or `--output` written atomically — streamed,
/// so the whole report is never held in memory.
pub enum Sink {
    Stdout(BufWriter<std::io::Stdout>),
    File(AtomicFile),
}

impl Sink {
    pub fn open(path: Option<&Path>) -> Result<Sink, String> {
        Ok(match path {
            None => Sink::Stdout(BufWriter::with_capacity(256 * 1024, std::io::stdout())),
            Some(path) => Sink::File(AtomicFile::create(path, 256 * 1024)?),
        })
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.writer().flush()
    }

    pub fn writer(&mut self) -> &mut dyn Write {
        match self {
            Sink::Stdout(writer) => writer,
            Sink::File(file) => file,
        }
    }

    fn describe_error(&self, error: &std::io::Error) -> String {
        match self {
            Sink::File(file) => file.error(error),
            Sink::Stdout(_) => format!("cannot write the report: {error}"),
        }
    }

    pub fn commit(mut self) -> Result<(), String> {
        match self {
            Sink::File(file) => file.commit(),
            Sink::Stdout(_) => self
                .flush()
                .map_err(|e| format!("cannot write the report: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_hosts_read_plain_lists_and_ini_inventories() {
        let text = "# fleet\nweb1.example\n\n[web]\nweb2.example ansible_host=192.0.2.2\nweb1.example\n\
                    [web:vars]\nansible_user=audit\n[all:children]\nweb\n[db]\ndb1.example\n";
        assert_eq!(
            parse_expected_hosts(text),
            ["web1.example", "web2.example", "db1.example"]
        );
    }

    #[test]
    fn an_unwritable_output_is_refused_up_front() {
        let error = Sink::open(Some(Path::new("/nonexistent-dir/report.html")))
            .err()
            .unwrap();
        assert!(
            error.starts_with("--output /nonexistent-dir/report.html: cannot write:"),
            "{error}"
        );
        let dir = tempfile::tempdir().unwrap();
        let error = Sink::open(Some(dir.path())).err().unwrap();
        assert!(error.ends_with("is a directory"), "{error}");
    }

    #[test]
    fn the_output_appears_only_when_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("fleet.csv");
        let mut sink = Sink::open(Some(&path)).unwrap();
        sink.writer().write_all(b"a,b\n").unwrap();
        assert!(!path.exists());
        sink.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }
}
