//! `nagios`: output by the Monitoring Plugins development guidelines.
//!
//! ```text
//! MAILAUDIT CRITICAL - <worst findings, in words> | 'run_time'=0.012s;;;0 'dnsbl_zones_listed'=1;;;0
//! [CRITICAL] dnsbl: 203.0.113.25 is listed on Spamhaus PBL (evidence: …)
//! [WARNING] maillog: 4 deliveries rejected in 24 h (evidence: …) | 'maillog_bounced'=4;2;5;0 …
//! ```
//!
//! - The first line names the state and the worst findings; the perfdata that fits in
//!   [`FIRST_LINE_MAX_BYTES`] follows its `|`. The rest of the perfdata goes after a `|` on the
//!   last line (Nagios: everything after the first `|` of the long output; Icinga 2: every
//!   line's text after a `|`), all on that one line so both read it the same way.
//! - Long output: one line per non-ok check with its first evidence; `-v` adds every
//!   evidence and the remediation and the ok/skipped checks; `-vv` the facts and the
//!   evidence of passing checks; `-vvv` evidence data and durations.
//! - Host-derived text never adds a line or a `|` (which would start perfdata).
//! - `--max-output BYTES` drops long-output lines (never the first line nor perfdata).
//! - `-w/-c` ([`Thresholds`]) decide the state of the metric(s) they target and show up in
//!   the perfdata of those metrics.

use std::fmt::Write;
use std::time::Duration;

use crate::range::Range;
use crate::report::{self, CheckResult, Counts, Evidence, Report, Status, worst_first};
use crate::text::{printable, truncate};

/// The first line stays short (NDO/IDO `output` columns, NRPE v2, narrow UIs): perfdata items
/// that would make it longer go to the last line instead.
pub const FIRST_LINE_MAX_BYTES: usize = 512;

/// Longest summary on the first line, in characters.
const HEADLINE_MAX_CHARS: usize = 200;

/// The metric each count-based kind compares with `-w/-c` when only `--only` selects the
/// checks (no `--metric`): the number of bad things it found.
pub const COUNT_METRICS: [(&str, &str); 3] = [
    ("dnsbl", "zones_listed"),
    ("maillog", "bounced"),
    ("mailbox_bounces", "bounces"),
];

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `-v` count (0–3).
    pub verbosity: u8,
    /// `--max-output BYTES`: upper bound of the whole output, first line and perfdata kept.
    pub max_output: Option<usize>,
    /// `-w/-c` as applied by [`apply_thresholds`]: shown in the perfdata of their targets.
    pub thresholds: Thresholds,
    /// `-t` fired before some checks finished: the state is UNKNOWN and the first line says so.
    pub timed_out: Option<TimedOut>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimedOut {
    pub after: Duration,
    /// Ids of the checks that had not finished.
    pub unfinished: Vec<String>,
}

/// `-w/-c` and what they apply to.
#[derive(Debug, Clone, Default)]
pub struct Thresholds {
    pub warning: Option<Range>,
    pub critical: Option<Range>,
    /// `--metric NAME`: a perfdata label (`<check id>_<metric>`) or a metric name, matched in
    /// every check that reports it.
    pub metric: Option<String>,
    /// `--only` selectors (check ids or kinds): without `--metric`, the thresholds apply to
    /// the count metric ([`COUNT_METRICS`]) of these checks.
    pub only: Vec<String>,
}

impl Thresholds {
    pub fn is_set(&self) -> bool {
        self.warning.is_some() || self.critical.is_some()
    }

    /// The state a value is in: critical first, then warning.
    pub fn state_of(&self, value: f64) -> Status {
        if !value.is_finite() {
            return Status::Unknown;
        }
        if self.critical.is_some_and(|r| r.alerts(value)) {
            Status::Critical
        } else if self.warning.is_some_and(|r| r.alerts(value)) {
            Status::Warning
        } else {
            Status::Ok
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(range) = self.warning {
            parts.push(format!("-w {range}"));
        }
        if let Some(range) = self.critical {
            parts.push(format!("-c {range}"));
        }
        parts.join(" ")
    }
}

/// A metric `-w/-c` apply to: index of the result and metric name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub result: usize,
    pub metric: String,
}

/// The metrics the thresholds apply to. `Err` says why they cannot apply (the plugin then
/// reports UNKNOWN: a threshold that silently applies to nothing would be a false green).
pub fn targets(report: &Report, thresholds: &Thresholds) -> Result<Vec<Target>, String> {
    if !thresholds.is_set() {
        return Ok(Vec::new());
    }
    if let Some(name) = &thresholds.metric {
        let found: Vec<Target> = report
            .results
            .iter()
            .enumerate()
            .flat_map(|(index, result)| {
                result
                    .metrics
                    .keys()
                    .filter(|metric| {
                        *metric == name || perf_label(&label_of(&result.id, metric)) == *name
                    })
                    .map(move |metric| Target {
                        result: index,
                        metric: metric.clone(),
                    })
            })
            .collect();
        if found.is_empty() {
            return Err(format!(
                "--metric {name:?}: no check reported this metric{}",
                available_metrics(report)
            ));
        }
        return Ok(found);
    }
    if thresholds.only.is_empty() {
        return Err(
            "-w/-c apply to the count-based checks selected with --only, or to the metric named with --metric: give one of them"
                .to_string(),
        );
    }
    let mut found = Vec::new();
    for (index, result) in report.results.iter().enumerate() {
        let selected = thresholds
            .only
            .iter()
            .any(|s| *s == result.id || *s == result.kind);
        if !selected {
            continue;
        }
        let Some(metric) = count_metric(&result.kind) else {
            let kinds: Vec<&str> = COUNT_METRICS.iter().map(|(kind, _)| *kind).collect();
            return Err(format!(
                "-w/-c without --metric apply to count-based checks ({}); {} ({}) is not one: name a metric with --metric",
                kinds.join(", "),
                result.id,
                result.kind
            ));
        };
        if matches!(result.status, Status::Unknown | Status::Skipped) {
            // Nothing was counted; the check stays unknown/skipped with its own reason.
            continue;
        }
        if !result.metrics.contains_key(metric) {
            return Err(format!(
                "{} did not report its count {metric:?}: name a metric with --metric{}",
                result.id,
                available_metrics(report)
            ));
        }
        found.push(Target {
            result: index,
            metric: metric.to_string(),
        });
    }
    Ok(found)
}

fn count_metric(kind: &str) -> Option<&'static str> {
    COUNT_METRICS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, metric)| *metric)
}

fn available_metrics(report: &Report) -> String {
    let labels: Vec<String> = report
        .results
        .iter()
        .flat_map(|r| r.metrics.keys().map(|m| perf_label(&label_of(&r.id, m))))
        .collect();
    if labels.is_empty() {
        " (no check reported any metric)".to_string()
    } else {
        format!(" (reported: {})", labels.join(", "))
    }
}

/// Sets the state of every targeted check from its metric and the thresholds (an unknown or
/// skipped check keeps its state: there was nothing to compare), records why as the first
/// evidence, and recomputes the report's status, summary and counts.
pub fn apply_thresholds(report: &mut Report, thresholds: &Thresholds) -> Result<(), String> {
    let targets = targets(report, thresholds)?;
    for target in &targets {
        let result = &mut report.results[target.result];
        if matches!(result.status, Status::Unknown | Status::Skipped) {
            continue;
        }
        let value = result.metrics[&target.metric].0;
        let state = thresholds.state_of(value);
        let label = perf_label(&label_of(&result.id, &target.metric));
        let shown = format_number(value);
        let text = match state {
            Status::Critical => format!(
                "{label}={shown} raises critical (-c {})",
                thresholds
                    .critical
                    .map(|r| r.to_string())
                    .unwrap_or_default()
            ),
            Status::Warning => format!(
                "{label}={shown} raises warning (-w {})",
                thresholds
                    .warning
                    .map(|r| r.to_string())
                    .unwrap_or_default()
            ),
            Status::Unknown => format!("{label} has no numeric value"),
            _ => format!("{label}={shown} is within {}", thresholds.describe()),
        };
        result.status = state;
        result
            .evidence
            .insert(0, Evidence::new("threshold", text).with("metric", label));
    }
    report.status = report::overall_status(&report.results);
    report.summary = report::overall_summary(&report.results);
    report.counts = Counts::of(&report.results);
    Ok(())
}

/// Plugin state word for a status.
pub fn state_word(status: Status) -> &'static str {
    match status {
        Status::Ok | Status::Skipped => "OK",
        Status::Warning => "WARNING",
        Status::Critical => "CRITICAL",
        Status::Unknown => "UNKNOWN",
    }
}

/// Renders the plugin output (ends with a newline). The exit code is the report's status
/// (UNKNOWN when `timed_out`).
pub fn render(report: &Report, options: &Options) -> String {
    let (status, summary) = match &options.timed_out {
        Some(timed_out) => (Status::Unknown, timeout_summary(timed_out)),
        None => (report.status, headline(report)),
    };
    let first_text = format!("MAILAUDIT {} - {}", state_word(status), one_line(&summary));

    let items = perfdata_items(report, options);
    let mut first_line = first_text.clone();
    let mut rest = Vec::new();
    for item in items {
        let separator = if first_line.len() == first_text.len() {
            " | "
        } else {
            " "
        };
        if rest.is_empty()
            && (first_line.len() == first_text.len()
                || first_line.len() + separator.len() + item.len() <= FIRST_LINE_MAX_BYTES)
        {
            first_line.push_str(separator);
            first_line.push_str(&item);
        } else {
            rest.push(item);
        }
    }
    let tail = (!rest.is_empty()).then(|| rest.join(" "));
    let long = long_output(report, options);
    assemble(&first_line, long, tail.as_deref(), options.max_output)
}

/// First line, long output, then the rest of the perfdata after a `|` on the last line;
/// long-output lines are dropped from the end to stay within `max_output`.
fn assemble(first: &str, mut long: Vec<String>, tail: Option<&str>, max: Option<usize>) -> String {
    let build = |long: &[String]| {
        let mut out = String::new();
        out.push_str(first);
        out.push('\n');
        for (index, line) in long.iter().enumerate() {
            out.push_str(line);
            if index + 1 == long.len()
                && let Some(tail) = tail
            {
                out.push_str(" | ");
                out.push_str(tail);
            }
            out.push('\n');
        }
        if long.is_empty()
            && let Some(tail) = tail
        {
            out.push_str("| ");
            out.push_str(tail);
            out.push('\n');
        }
        out
    };
    let Some(max) = max else {
        return build(&long);
    };
    let full = build(&long);
    if full.len() <= max {
        return full;
    }
    let total = long.len();
    while !long.is_empty() {
        long.pop();
        let dropped = total - long.len();
        let mut candidate = long.clone();
        candidate.push(format!(
            "({dropped} more line{} cut by --max-output {max})",
            if dropped == 1 { "" } else { "s" }
        ));
        let text = build(&candidate);
        if text.len() <= max {
            return text;
        }
    }
    // First line and perfdata are never cut, even when they alone exceed the budget.
    build(&[])
}

fn timeout_summary(timed_out: &TimedOut) -> String {
    let unfinished = if timed_out.unfinished.is_empty() {
        "none reported".to_string()
    } else {
        timed_out.unfinished.join(", ")
    };
    format!(
        "timed out after {} s (unfinished: {unfinished})",
        format_number(timed_out.after.as_secs_f64())
    )
}

/// The worst findings in their own words, worst first, as many as fit; the report's own
/// summary when nothing is wrong (`all N checks passed`, `no check applied…`).
pub fn headline(report: &Report) -> String {
    let findings: Vec<&CheckResult> = worst_first(&report.results)
        .into_iter()
        .filter(|r| !matches!(r.status, Status::Ok | Status::Skipped))
        .collect();
    if findings.is_empty() || report.status == Status::Ok {
        return report.summary.clone();
    }
    let mut text = String::new();
    let mut shown = 0;
    let mut said: Vec<&str> = Vec::new();
    for result in &findings {
        // Several checks may say the same thing: once is enough.
        if said.contains(&result.summary.as_str()) {
            shown += 1;
            continue;
        }
        said.push(&result.summary);
        let summary = one_line(&result.summary);
        if shown == 0 {
            text = truncate(&summary, HEADLINE_MAX_CHARS).into_owned();
        } else if text.chars().count() + 2 + summary.chars().count() <= HEADLINE_MAX_CHARS {
            text.push_str("; ");
            text.push_str(&summary);
        } else {
            break;
        }
        shown += 1;
    }
    let more = findings.len() - shown;
    if more > 0 {
        let _ = write!(
            text,
            " (+{more} other finding{})",
            if more == 1 { "" } else { "s" }
        );
    }
    text
}

/// Perfdata items: the run time first, then every metric of every check in report order.
fn perfdata_items(report: &Report, options: &Options) -> Vec<String> {
    let targets = targets(report, &options.thresholds).unwrap_or_default();
    let mut items = vec![format!(
        "'run_time'={}s;;;0",
        format_number(report.duration_ms as f64 / 1000.0)
    )];
    for (index, result) in report.results.iter().enumerate() {
        for (name, value) in &result.metrics {
            let targeted = targets
                .iter()
                .any(|t| t.result == index && t.metric == *name);
            let (warning, critical) = if targeted {
                (options.thresholds.warning, options.thresholds.critical)
            } else {
                (None, None)
            };
            items.push(perfdata_item(
                &label_of(&result.id, name),
                name,
                value.0,
                warning,
                critical,
            ));
        }
    }
    items
}

/// `'label'=value[UOM];warn;crit;min;max`, trailing empty fields dropped.
pub fn perfdata_item(
    label: &str,
    metric: &str,
    value: f64,
    warning: Option<Range>,
    critical: Option<Range>,
) -> String {
    let uom = unit_of(metric);
    let shown = if value.is_finite() {
        format!("{}{uom}", format_number(value))
    } else {
        // The guidelines' "undetermined" value.
        "U".to_string()
    };
    let min = if value.is_finite() && value >= 0.0 {
        "0"
    } else {
        ""
    };
    let max = if uom == "%" { "100" } else { "" };
    let fields = [
        warning.map(|r| r.to_string()).unwrap_or_default(),
        critical.map(|r| r.to_string()).unwrap_or_default(),
        min.to_string(),
        max.to_string(),
    ];
    let mut item = format!("'{}'={shown};{}", perf_label(label), fields.join(";"));
    while item.ends_with(';') {
        item.pop();
    }
    item
}

fn label_of(check_id: &str, metric: &str) -> String {
    format!("{check_id}_{metric}")
}

/// The unit a metric name's suffix gives.
fn unit_of(name: &str) -> &'static str {
    if name.ends_with("_seconds") {
        "s"
    } else if name.ends_with("_bytes") {
        "B"
    } else if name.ends_with("_percent") {
        "%"
    } else {
        ""
    }
}

/// A number in perfdata syntax: no exponent, integral values without decimals, at most six
/// decimals otherwise.
pub fn format_number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        return format!("{}", value as i64);
    }
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" || text.is_empty() {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// Perfdata labels may not hold `=` or `'`; a `|` or a control character would break the
/// line, so they are replaced too.
pub fn perf_label(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(c, '=' | '\'' | '|') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect()
}

/// Plugin output is line-oriented: host-derived text must not add lines or a `|`.
fn one_line(text: &str) -> String {
    printable(text).replace('|', "¦")
}

/// Per-level limits of the long output.
struct Detail {
    evidence_per_check: usize,
    evidence_chars: usize,
}

fn detail(verbosity: u8) -> Detail {
    match verbosity {
        0 => Detail {
            evidence_per_check: 1,
            evidence_chars: 160,
        },
        1 => Detail {
            evidence_per_check: 10,
            evidence_chars: 300,
        },
        2 => Detail {
            evidence_per_check: 50,
            evidence_chars: 500,
        },
        _ => Detail {
            evidence_per_check: usize::MAX,
            evidence_chars: 2000,
        },
    }
}

fn long_output(report: &Report, options: &Options) -> Vec<String> {
    let verbosity = options.verbosity.min(3);
    let detail = detail(verbosity);
    let mut lines = Vec::new();
    for result in worst_first(&report.results) {
        let failing = !matches!(result.status, Status::Ok | Status::Skipped);
        if !failing && verbosity == 0 {
            continue;
        }
        let mut line = format!(
            "[{}] {}: {}",
            result.status.as_str().to_uppercase(),
            one_line(&result.id),
            one_line(&result.summary)
        );
        if verbosity >= 3 {
            let _ = write!(line, " ({} ms)", result.duration_ms);
        }
        if verbosity == 0 {
            if let Some(first) = result.evidence.first() {
                let more = result.evidence.len() - 1;
                let _ = write!(
                    line,
                    " (evidence: {}{})",
                    evidence_text(first, &detail),
                    if more > 0 {
                        format!("; +{more} more with -v")
                    } else {
                        String::new()
                    }
                );
            }
            lines.push(line);
            continue;
        }
        lines.push(line);
        if !failing && verbosity < 2 {
            continue;
        }
        for evidence in result.evidence.iter().take(detail.evidence_per_check) {
            let mut text = format!("  - {}", evidence_text(evidence, &detail));
            if verbosity >= 3 && !evidence.data.is_empty() {
                let data = serde_json::to_string(&evidence.data).unwrap_or_default();
                let _ = write!(
                    text,
                    " {}",
                    one_line(&truncate(&data, detail.evidence_chars))
                );
            }
            lines.push(text);
        }
        if result.evidence.len() > detail.evidence_per_check {
            lines.push(format!(
                "  - (+{} more evidence with -{})",
                result.evidence.len() - detail.evidence_per_check,
                "v".repeat(usize::from(verbosity) + 1)
            ));
        }
        if failing {
            lines.push(format!("  fix: {}", one_line(&result.remediation)));
        }
    }
    if verbosity >= 2 {
        lines.push(facts_line(report));
    }
    lines
}

fn evidence_text(evidence: &Evidence, detail: &Detail) -> String {
    let mut text = format!(
        "{}: {}",
        one_line(&evidence.label),
        one_line(&truncate(&evidence.text, detail.evidence_chars))
    );
    if let Some(source) = &evidence.source {
        let _ = write!(text, " [{}]", one_line(source));
    }
    text
}

fn facts_line(report: &Report) -> String {
    let facts = &report.facts;
    let list = |items: Vec<String>| {
        if items.is_empty() {
            "none".to_string()
        } else {
            items.join(", ")
        }
    };
    one_line(&format!(
        "facts: host {}; egress IPs {} ({}); MTA {}; smarthost {}; resolvers {} ({}); root {}",
        report.host,
        list(facts.egress_ips.iter().map(|ip| ip.to_string()).collect()),
        facts.egress_ip_method,
        facts.mta.kind.as_deref().unwrap_or("none found"),
        facts.mta.smarthost.as_deref().unwrap_or("none"),
        list(facts.nameservers.iter().map(|s| s.to_string()).collect()),
        facts.resolver_source,
        facts.root,
    ))
}

#[cfg(test)]
mod tests;
