//! The report model: schema `mailaudit/report/v1` (DESIGN.md). Field names are a contract.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::engine::facts::Facts;

pub const REPORT_SCHEMA: &str = "mailaudit/report/v1";

/// Status of one result or of a whole report.
///
/// The derived order is the order of gravity used for "worst of": skipped results never
/// count, and `unknown` outranks `ok` because "could not determine" is never a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Skipped,
    Ok,
    Unknown,
    Warning,
    Critical,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Critical,
        Status::Warning,
        Status::Unknown,
        Status::Ok,
        Status::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Critical => "critical",
            Status::Unknown => "unknown",
            Status::Skipped => "skipped",
        }
    }

    /// Exit code of `run` in every format (Monitoring Plugins convention).
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Ok | Status::Skipped => 0,
            Status::Warning => 1,
            Status::Critical => 2,
            Status::Unknown => 3,
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a failed check yields, from its definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    pub fn status(self) -> Status {
        match self {
            Severity::Warning => Status::Warning,
            Severity::Critical => Status::Critical,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.status().as_str())
    }
}

/// One piece of proof: a log line, a config line, a DNS answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Evidence {
    /// What this is, in a few words ("hosts.deny rule", "DNS answer", "mail log line").
    pub label: String,
    /// The observed text itself (host-derived: sanitised by every output).
    pub text: String,
    /// Where it was found: `path:line`, a zone name, a command.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Structured fields for machines (recipient, status code, category…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, serde_json::Value>,
}

impl Evidence {
    pub fn new(label: impl Into<String>, text: impl Into<String>) -> Self {
        Evidence {
            label: label.into(),
            text: text.into(),
            ..Evidence::default()
        }
    }

    pub fn at(mut self, source: impl Into<String>) -> Self {
        self.source = Some(source.into());
        self
    }

    pub fn with(mut self, key: &str, value: impl Into<serde_json::Value>) -> Self {
        self.data.insert(key.to_string(), value.into());
        self
    }
}

/// Numbers for perfdata and Prometheus, by metric name (`snake_case`; a `_seconds`,
/// `_bytes` or `_percent` suffix gives the unit).
pub type Metrics = BTreeMap<String, Metric>;

/// A metric value; serialised as an integer when it is one, so reports read naturally.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Deserialize)]
#[serde(transparent)]
pub struct Metric(pub f64);

impl Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let value = self.0;
        if value.fract() == 0.0 && value.abs() < 9.0e15 {
            serializer.serialize_i64(value as i64)
        } else {
            serializer.serialize_f64(value)
        }
    }
}

impl From<f64> for Metric {
    fn from(value: f64) -> Self {
        Metric(value)
    }
}

impl From<usize> for Metric {
    fn from(value: usize) -> Self {
        Metric(value as f64)
    }
}

impl From<u64> for Metric {
    fn from(value: u64) -> Self {
        Metric(value as f64)
    }
}

/// One result per check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub remediation: String,
    pub metrics: Metrics,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Counts {
    pub ok: usize,
    pub warning: usize,
    pub critical: usize,
    pub unknown: usize,
    pub skipped: usize,
}

impl Counts {
    pub fn of(results: &[CheckResult]) -> Counts {
        let mut counts = Counts::default();
        for result in results {
            *counts.slot(result.status) += 1;
        }
        counts
    }

    fn slot(&mut self, status: Status) -> &mut usize {
        match status {
            Status::Ok => &mut self.ok,
            Status::Warning => &mut self.warning,
            Status::Critical => &mut self.critical,
            Status::Unknown => &mut self.unknown,
            Status::Skipped => &mut self.skipped,
        }
    }

    pub fn get(&self, status: Status) -> usize {
        match status {
            Status::Ok => self.ok,
            Status::Warning => self.warning,
            Status::Critical => self.critical,
            Status::Unknown => self.unknown,
            Status::Skipped => self.skipped,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

impl Default for Tool {
    fn default() -> Self {
        Tool {
            name: "mailaudit".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        }
    }
}

/// One report per host and run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: String,
    pub tool: Tool,
    pub host: String,
    pub generated_at: String,
    pub duration_ms: u64,
    pub status: Status,
    pub summary: String,
    pub facts: Facts,
    pub results: Vec<CheckResult>,
    pub counts: Counts,
}

/// Worst of `critical > warning > unknown > ok`; skipped results do not count. A run in
/// which no check applied is `unknown`: nothing was verified, so it cannot be green.
pub fn overall_status(results: &[CheckResult]) -> Status {
    results
        .iter()
        .map(|r| r.status)
        .filter(|s| *s != Status::Skipped)
        .max()
        .unwrap_or(Status::Unknown)
}

/// The one-line summary of a report: the worst finding, and how many others there are.
pub fn overall_summary(results: &[CheckResult]) -> String {
    let status = overall_status(results);
    let counted: Vec<&CheckResult> = results
        .iter()
        .filter(|r| r.status != Status::Skipped)
        .collect();
    if counted.is_empty() {
        return "no check applied to this host".to_string();
    }
    if status == Status::Ok {
        return match counted.len() {
            1 => format!("the only applicable check passed: {}", counted[0].summary),
            n => format!("all {n} checks passed"),
        };
    }
    let mut worst: Vec<&CheckResult> = counted.into_iter().filter(|r| r.status == status).collect();
    worst.sort_by(|a, b| a.id.cmp(&b.id));
    let first = worst[0];
    let others = results
        .iter()
        .filter(|r| r.status != Status::Ok && r.status != Status::Skipped)
        .count()
        - 1;
    if others == 0 {
        first.summary.clone()
    } else {
        format!(
            "{} (+{} other finding{})",
            first.summary,
            others,
            if others == 1 { "" } else { "s" }
        )
    }
}

/// Results ordered worst first, then by id: the order every human-facing output uses.
pub fn worst_first(results: &[CheckResult]) -> Vec<&CheckResult> {
    let mut ordered: Vec<&CheckResult> = results.iter().collect();
    ordered.sort_by(|a, b| b.status.cmp(&a.status).then_with(|| a.id.cmp(&b.id)));
    ordered
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status) -> CheckResult {
        CheckResult {
            id: id.into(),
            kind: "mta".into(),
            title: id.into(),
            severity: Severity::Critical,
            status,
            summary: format!("{id} is {status}"),
            evidence: vec![],
            remediation: String::new(),
            metrics: Metrics::new(),
            duration_ms: 0,
        }
    }

    #[test]
    fn overall_is_worst_and_ignores_skipped() {
        let results = vec![
            result("a", Status::Ok),
            result("b", Status::Unknown),
            result("c", Status::Skipped),
        ];
        assert_eq!(overall_status(&results), Status::Unknown);
        let results = vec![result("a", Status::Ok), result("b", Status::Warning)];
        assert_eq!(overall_status(&results), Status::Warning);
        let results = vec![result("a", Status::Critical), result("b", Status::Warning)];
        assert_eq!(overall_status(&results), Status::Critical);
        assert_eq!(
            overall_summary(&results),
            "a is critical (+1 other finding)"
        );
    }

    #[test]
    fn nothing_applicable_is_not_green() {
        let results = vec![result("a", Status::Skipped)];
        assert_eq!(overall_status(&results), Status::Unknown);
        assert_eq!(overall_status(&[]), Status::Unknown);
    }

    #[test]
    fn exit_codes_follow_the_plugin_convention() {
        assert_eq!(Status::Ok.exit_code(), 0);
        assert_eq!(Status::Warning.exit_code(), 1);
        assert_eq!(Status::Critical.exit_code(), 2);
        assert_eq!(Status::Unknown.exit_code(), 3);
    }

    #[test]
    fn integral_metrics_serialise_as_integers() {
        assert_eq!(serde_json::to_string(&Metric(3.0)).unwrap(), "3");
        assert_eq!(serde_json::to_string(&Metric(0.25)).unwrap(), "0.25");
    }
}
