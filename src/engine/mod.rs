//! The engine: gathers facts once, runs the selected checks concurrently under per-check
//! timeouts and a whole-run deadline, and assembles the report. A check that panics or
//! overruns becomes `unknown`; the report is always produced.

pub mod facts;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::checks::{self, Outcome, Verdict};
use crate::definition::CheckDefinition;
use crate::definition::duration::format_duration;
use crate::hostfs::HostFs;
use crate::redact;
use crate::report::{self, CheckResult, Counts, REPORT_SCHEMA, Report, Status, Tool};
use facts::{FactOptions, Facts, ProcessTable};

/// A check with no `timeout` of its own gets this much (bounded further by `--timeout`).
pub const DEFAULT_CHECK_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything a run needs besides the definitions.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// `None`: the live host (`/`).
    pub root: Option<std::path::PathBuf>,
    pub only: Vec<String>,
    pub skip: Vec<String>,
    pub nameservers: Vec<SocketAddr>,
    pub egress_ips: Vec<IpAddr>,
    /// Reference time for windows; the clock when `None`.
    pub now: Option<jiff::Timestamp>,
    /// Deadline for the whole run.
    pub timeout: Option<Duration>,
    pub redact: bool,
}

/// What every check may read: host files, facts, the reference time.
#[derive(Debug)]
pub struct Context {
    pub fs: HostFs,
    pub facts: Facts,
    pub processes: ProcessTable,
    pub now: jiff::Timestamp,
    /// When the whole run must end; checks with their own loops may look at it.
    pub deadline: Instant,
}

/// Keeps the definitions selected by `--only`/`--skip` (each matching an id or a kind).
/// An `--only` that matches nothing fails, so that a typo is not a silent green; a `--skip`
/// that matches nothing is harmless (the check runs) and lets scripts share options.
pub fn select(
    definitions: Vec<CheckDefinition>,
    only: &[String],
    skip: &[String],
) -> Result<Vec<CheckDefinition>, String> {
    let matches = |definition: &CheckDefinition, selector: &str| {
        definition.id == selector || definition.kind.as_str() == selector
    };
    for selector in only {
        if !definitions.iter().any(|d| matches(d, selector)) {
            let known: Vec<&str> = definitions.iter().map(|d| d.id.as_str()).collect();
            return Err(format!(
                "--only {selector:?} matches no check id or kind of the profile (ids: {})",
                known.join(", ")
            ));
        }
    }
    Ok(definitions
        .into_iter()
        .filter(|d| only.is_empty() || only.iter().any(|s| matches(d, s)))
        .filter(|d| !skip.iter().any(|s| matches(d, s)))
        .collect())
}

/// Runs an audit and returns its report. Fails only when the root is unusable.
pub fn run(definitions: Vec<CheckDefinition>, options: &RunOptions) -> Result<Report, String> {
    let started = Instant::now();
    let fs = match &options.root {
        Some(root) => HostFs::snapshot(root)?,
        None => HostFs::live(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .enable_io()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    let deadline = started + options.timeout.unwrap_or(Duration::from_secs(24 * 3600));
    let now = options.now.unwrap_or_else(jiff::Timestamp::now);
    let processes = if fs.is_live() {
        ProcessTable::read_live()
    } else {
        ProcessTable::default()
    };
    let fact_options = FactOptions {
        nameservers: options.nameservers.clone(),
        egress_ips: options.egress_ips.clone(),
    };
    let mut facts = facts::gather(&fs, &processes, &fact_options);
    // Asynchronous facts: the egress IP, when a DNS check needs it and --egress-ip did not give it.
    if facts.egress_ips.is_empty()
        && let Some((methods, settings)) = crate::dns::egress::plan(&definitions)
    {
        let bound = crate::dns::egress::discovery_bound(&methods, settings)
            .min(deadline.saturating_duration_since(Instant::now()));
        let live = fs.is_live();
        let discovery = crate::dns::egress::discover(&mut facts, live, &methods, settings);
        if runtime
            .block_on(async { tokio::time::timeout(bound, discovery).await })
            .is_err()
        {
            facts.egress_ip_method = "unknown".to_string();
            facts
                .notes
                .push("egress IP: discovery did not finish in time".to_string());
        }
    }
    let context = Arc::new(Context {
        fs,
        facts,
        processes,
        now,
        deadline,
    });
    let run_timeout = options.timeout;
    let results = runtime.block_on(run_all(definitions, context.clone(), run_timeout));
    // Checks still running past the deadline are abandoned, not awaited.
    runtime.shutdown_background();

    let mut report = Report {
        schema: REPORT_SCHEMA.to_string(),
        tool: Tool::default(),
        host: host_name(&context.facts),
        generated_at: now_rfc3339(),
        duration_ms: started.elapsed().as_millis() as u64,
        status: report::overall_status(&results),
        summary: report::overall_summary(&results),
        facts: context.facts.clone(),
        counts: Counts::of(&results),
        results,
    };
    if options.redact {
        redact::report(&mut report);
    }
    Ok(report)
}

fn host_name(facts: &Facts) -> String {
    facts
        .fqdn
        .clone()
        .or_else(|| facts.hostname.clone())
        .unwrap_or_else(|| "unknown-host".to_string())
}

fn now_rfc3339() -> String {
    jiff::Timestamp::now()
        .round(jiff::Unit::Second)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

async fn run_all(
    definitions: Vec<CheckDefinition>,
    context: Arc<Context>,
    run_timeout: Option<Duration>,
) -> Vec<CheckResult> {
    let handles: Vec<_> = definitions
        .into_iter()
        .map(|definition| {
            let context = context.clone();
            tokio::spawn(run_one(definition, context, run_timeout))
        })
        .collect();
    let mut results = Vec::with_capacity(handles.len());
    for handle in handles {
        // run_one never panics itself (it catches the check's panic), so this holds.
        if let Ok(result) = handle.await {
            results.push(result);
        }
    }
    results
}

async fn run_one(
    definition: CheckDefinition,
    context: Arc<Context>,
    run_timeout: Option<Duration>,
) -> CheckResult {
    let started = Instant::now();
    let remaining = context.deadline.saturating_duration_since(started);
    let limit = TimeLimit::for_check(definition.timeout, remaining, run_timeout);
    let work = checks::run(definition.params.clone(), context);
    let outcome = guarded(work, &limit).await;
    finish(&definition, outcome, started.elapsed())
}

/// How an overrunning check's summary begins, and how it ends when the run's `--timeout`
/// (not the check's own timeout) stopped it: see [`stopped_by_run_deadline`].
const OVERRUN_PREFIX: &str = "did not finish within";
const RUN_DEADLINE_MARK: &str = "(the run's --timeout)";

/// Was this check abandoned because the run's `--timeout` came, rather than its own
/// timeout? (The Nagios plugin lists these as "unfinished".)
pub fn stopped_by_run_deadline(result: &CheckResult) -> bool {
    result.status == Status::Unknown
        && result.summary.starts_with(OVERRUN_PREFIX)
        && result.summary.ends_with(RUN_DEADLINE_MARK)
}

/// How long one check may take, and how to say it when it overruns.
#[derive(Debug, Clone, PartialEq)]
struct TimeLimit {
    duration: Duration,
    overrun: String,
}

impl TimeLimit {
    /// The check's own timeout, unless less of the run's deadline remains.
    fn for_check(
        own: Option<Duration>,
        remaining: Duration,
        run_timeout: Option<Duration>,
    ) -> Self {
        let own = own.unwrap_or(DEFAULT_CHECK_TIMEOUT);
        if remaining < own {
            let overrun = match run_timeout {
                Some(total) => format!(
                    "{OVERRUN_PREFIX} {} {RUN_DEADLINE_MARK}",
                    format_duration(total)
                ),
                None => "did not finish before the run's deadline".to_string(),
            };
            TimeLimit {
                duration: remaining,
                overrun,
            }
        } else {
            TimeLimit {
                duration: own,
                overrun: format!("{OVERRUN_PREFIX} {} (its timeout)", format_duration(own)),
            }
        }
    }
}

/// Awaits a check under its time limit; a panic or an overrun becomes `unknown`.
async fn guarded<F>(work: F, limit: &TimeLimit) -> Outcome
where
    F: std::future::Future<Output = Result<Outcome, String>>,
{
    match tokio::time::timeout(limit.duration, work).await {
        Ok(Ok(outcome)) => outcome,
        Ok(Err(panic)) => Outcome::unknown(format!(
            "the check failed internally and could not decide ({panic})"
        )),
        Err(_) => Outcome::unknown(limit.overrun.clone()),
    }
}

/// Turns a check's outcome into its result: identity, status by severity, remediation.
pub fn finish(definition: &CheckDefinition, outcome: Outcome, elapsed: Duration) -> CheckResult {
    let status = match outcome.verdict {
        Verdict::Pass => Status::Ok,
        Verdict::Fail => definition.severity.status(),
        Verdict::Warning => Status::Warning,
        Verdict::Critical => Status::Critical,
        Verdict::Unknown => Status::Unknown,
        Verdict::Skipped => Status::Skipped,
    };
    let remediation = match (outcome.remediation, status) {
        (Some(text), _) => text,
        (None, Status::Ok) => "Nothing to do.".to_string(),
        (None, Status::Skipped) => "Nothing to do: the check does not apply here.".to_string(),
        (None, Status::Unknown) => format!(
            "Make the check able to decide (see the summary), then run it again. If it finds a problem: {}",
            definition.remediation
        ),
        (None, _) => definition.remediation.clone(),
    };
    CheckResult {
        id: definition.id.clone(),
        kind: definition.kind.as_str().to_string(),
        title: definition.title.clone(),
        severity: definition.severity,
        status,
        summary: outcome.summary,
        evidence: outcome.evidence,
        remediation,
        metrics: outcome.metrics,
        duration_ms: elapsed.as_millis() as u64,
    }
}

/// The message of a panicked task, for the `unknown` summary.
pub fn panic_message(error: tokio::task::JoinError) -> String {
    if !error.is_panic() {
        return "the check was cancelled".to_string();
    }
    let payload = error.into_panic();
    if let Some(text) = payload.downcast_ref::<&str>() {
        format!("panic: {text}")
    } else if let Some(text) = payload.downcast_ref::<String>() {
        format!("panic: {text}")
    } else {
        "panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn a_panicking_check_becomes_unknown() {
        let limit = TimeLimit::for_check(None, Duration::from_secs(60), None);
        let outcome = runtime().block_on(guarded(
            async {
                tokio::task::spawn_blocking(|| -> Outcome { panic!("boom") })
                    .await
                    .map_err(panic_message)
            },
            &limit,
        ));
        assert_eq!(outcome.verdict, Verdict::Unknown);
        assert!(
            outcome.summary.contains("panic: boom"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn an_overrunning_check_becomes_unknown_in_time() {
        let limit = TimeLimit::for_check(
            Some(Duration::from_secs(30)),
            Duration::from_millis(50),
            Some(Duration::from_secs(2)),
        );
        let started = Instant::now();
        let outcome = runtime().block_on(guarded(
            async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(Outcome::pass("too late"))
            },
            &limit,
        ));
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(outcome.verdict, Verdict::Unknown);
        assert_eq!(
            outcome.summary,
            "did not finish within 2s (the run's --timeout)"
        );
    }

    #[test]
    fn the_check_timeout_applies_when_shorter_than_the_deadline() {
        let limit = TimeLimit::for_check(
            Some(Duration::from_secs(5)),
            Duration::from_secs(60),
            Some(Duration::from_secs(60)),
        );
        assert_eq!(limit.duration, Duration::from_secs(5));
        assert_eq!(limit.overrun, "did not finish within 5s (its timeout)");
    }

    #[test]
    fn selection_by_id_or_kind_and_typos_are_errors() {
        let definitions = crate::definition::load_profiles(&[]).unwrap();
        let only_mta = select(definitions.clone(), &["mta".into()], &[]).unwrap();
        assert!(
            only_mta
                .iter()
                .all(|d| d.kind.as_str() == "mta" || d.id == "mta")
        );
        let skipped = select(definitions.clone(), &[], &["tcp_wrappers".into()]).unwrap();
        assert!(skipped.iter().all(|d| d.kind.as_str() != "tcp_wrappers"));
        let err = select(definitions, &["mtaa".into()], &[]).unwrap_err();
        assert!(err.contains("mtaa"), "{err}");
    }
}
