//! Aggregation: one compact entry per host (newest report wins), then the fleet figures.
//!
//! A host entry keeps the per-check statuses and, only when a format shows them, the
//! one-line summaries of failing checks; evidence and remediation are re-read from the
//! input in a second pass ([`Fleet::details`]), so memory holds no raw report.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use serde_json::Value;

use super::input::{HostReport, InputFiles, InputProblem, Location, Rereader};
use crate::report::{Severity, Status};

/// What the report keeps and shows.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Keep hosts whose (possibly re-computed) overall status is one of these; empty: all.
    pub only_status: Vec<Status>,
    /// Keep only these checks (by id or kind); the host status is re-computed from them.
    pub checks: Vec<String>,
    /// A dotted path into the report facts (`mta.kind`, `domain`).
    pub group_by: Option<String>,
    /// Keep the host summaries and the summaries of failing checks (html and markdown show
    /// them in tables built before the second pass); csv and json take them from it.
    pub keep_texts: bool,
}

/// A check seen in the inputs (first definition wins for title and kind).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckInfo {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub severity: Option<Severity>,
}

#[derive(Debug, Clone)]
pub struct CompactResult {
    /// Index into [`Fleet::checks`].
    pub check: u32,
    pub status: Status,
    /// Index into the finding table, for warning, critical and unknown results.
    pub finding: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct HostEntry {
    /// Shared with the de-duplication index.
    pub host: Rc<str>,
    pub generated_at: Box<str>,
    pub location: Location,
    pub status: Status,
    /// Empty unless [`Options::keep_texts`].
    pub summary: Box<str>,
    pub group: Option<Box<str>>,
    pub results: Box<[CompactResult]>,
    /// (check, summary) of non-ok results, only with [`Options::keep_texts`].
    pub failure_summaries: Box<[(u32, Box<str>)]>,
    /// The report ran none of the `--check` checks: not shown.
    excluded: bool,
}

impl HostEntry {
    /// The kept summary of a non-ok check (empty when not kept).
    pub fn failure_summary(&self, check: u32) -> &str {
        self.failure_summaries
            .iter()
            .find(|(c, _)| *c == check)
            .map_or("", |(_, s)| s)
    }
}

/// A host that was expected (or asked by Ansible) but did not report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingHost {
    pub host: String,
    pub reason: String,
}

/// A recurring finding: the same check failing the same way on many hosts.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub check: u32,
    pub status: Status,
    /// The summary with host-specific parts (addresses, names, numbers) replaced.
    pub text: String,
    pub hosts: usize,
}

/// Per-check figures over the hosts of the report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckFigures {
    pub by_status: BTreeMap<Status, usize>,
}

impl CheckFigures {
    pub fn get(&self, status: Status) -> usize {
        self.by_status.get(&status).copied().unwrap_or(0)
    }
    /// Hosts on which the check ran (was not skipped).
    pub fn ran(&self) -> usize {
        self.by_status
            .iter()
            .filter(|(s, _)| **s != Status::Skipped)
            .map(|(_, n)| n)
            .sum()
    }
    pub fn failing(&self) -> usize {
        self.get(Status::Warning) + self.get(Status::Critical)
    }
    /// Hosts where ok / hosts where it ran, `None` when it ran nowhere.
    pub fn compliance(&self) -> Option<f64> {
        percent(self.get(Status::Ok), self.ran())
    }
}

pub fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// Figures of one value of `--group-by`.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub value: String,
    pub figures: CheckFigures,
}

/// Collects host entries during the first pass.
pub struct Collector {
    options: Options,
    checks: Vec<CheckInfo>,
    check_index: HashMap<String, u32>,
    findings: Vec<(u32, Status, String)>,
    finding_index: HashMap<(u32, Status, String), u32>,
    entries: Vec<HostEntry>,
    host_index: HashMap<Rc<str>, usize>,
    missing: BTreeMap<String, String>,
    /// Reports read (before de-duplication).
    pub reports_read: usize,
    /// Older reports of a host replaced by a newer one.
    pub superseded: usize,
}

impl Collector {
    pub fn new(options: Options) -> Collector {
        Collector {
            options,
            checks: Vec::new(),
            check_index: HashMap::new(),
            findings: Vec::new(),
            finding_index: HashMap::new(),
            entries: Vec::new(),
            host_index: HashMap::new(),
            missing: BTreeMap::new(),
            reports_read: 0,
            superseded: 0,
        }
    }

    pub fn add_missing(&mut self, host: String, reason: String) {
        self.missing.entry(host).or_insert(reason);
    }

    /// Adds a report; of two reports of one host the newest `generated_at` wins (the later
    /// input on a tie, so re-running a collection is idempotent).
    pub fn add(&mut self, location: Location, report: &HostReport) {
        self.reports_read += 1;
        let existing = self.host_index.get(report.host.as_str()).copied();
        if let Some(index) = existing {
            let current = &self.entries[index];
            if is_newer(&current.generated_at, &report.generated_at) {
                self.superseded += 1;
                return;
            }
        }
        let entry = self.compact(location, report);
        match existing {
            Some(index) => {
                self.superseded += 1;
                self.entries[index] = entry;
            }
            None => {
                self.host_index
                    .insert(entry.host.clone(), self.entries.len());
                self.entries.push(entry);
            }
        }
    }

    fn compact(&mut self, location: Location, report: &HostReport) -> HostEntry {
        let selected: Vec<_> = report
            .results
            .iter()
            .filter(|r| self.selects(&r.id, &r.kind))
            .collect();
        // Still an entry: the newest report decides even when it did not run the check.
        let excluded = !self.options.checks.is_empty() && selected.is_empty();
        let status = if self.options.checks.is_empty() {
            report.status
        } else {
            worst(selected.iter().map(|r| r.status))
        };
        let terms = host_terms(report);
        let mut results = Vec::with_capacity(selected.len());
        let mut failure_summaries = Vec::new();
        for result in selected {
            let check = self.check(result);
            let failing = !matches!(result.status, Status::Ok | Status::Skipped);
            let finding = failing.then(|| {
                let text = normalise_summary(&result.summary, &terms);
                let key = (check, result.status, text);
                match self.finding_index.get(&key) {
                    Some(index) => *index,
                    None => {
                        let index = self.findings.len() as u32;
                        self.findings.push(key.clone());
                        self.finding_index.insert(key, index);
                        index
                    }
                }
            });
            if failing && self.options.keep_texts {
                failure_summaries.push((check, result.summary.clone().into_boxed_str()));
            }
            results.push(CompactResult {
                check,
                status: result.status,
                finding,
            });
        }
        let group = self
            .options
            .group_by
            .as_deref()
            .map(|path| fact_value(&report.facts, path).into_boxed_str());
        HostEntry {
            excluded,
            host: Rc::from(report.host.as_str()),
            generated_at: report.generated_at.clone().into_boxed_str(),
            location,
            status,
            summary: if self.options.keep_texts {
                report.summary.clone().into_boxed_str()
            } else {
                Box::default()
            },
            group,
            results: results.into_boxed_slice(),
            failure_summaries: failure_summaries.into_boxed_slice(),
        }
    }

    fn selects(&self, id: &str, kind: &str) -> bool {
        self.options.checks.is_empty() || self.options.checks.iter().any(|c| c == id || c == kind)
    }

    fn check(&mut self, result: &super::input::HostResult) -> u32 {
        if let Some(index) = self.check_index.get(&result.id) {
            return *index;
        }
        let index = self.checks.len() as u32;
        self.checks.push(CheckInfo {
            id: result.id.clone(),
            kind: result.kind.clone(),
            title: result.title.clone(),
            severity: result.severity,
        });
        self.check_index.insert(result.id.clone(), index);
        index
    }

    /// Applies the status filter, orders hosts worst first and computes the figures.
    pub fn finish(
        self,
        files: InputFiles,
        problems: Vec<InputProblem>,
        expected: Option<Vec<String>>,
    ) -> Fleet {
        let Collector {
            options,
            checks,
            findings: finding_keys,
            mut entries,
            mut missing,
            reports_read,
            superseded,
            ..
        } = self;
        let reported: std::collections::HashSet<&str> =
            entries.iter().map(|e| e.host.as_ref()).collect();
        // A host reported by one input and unreachable in another did report.
        missing.retain(|host, _| !reported.contains(host.as_str()));
        for host in expected.unwrap_or_default() {
            if !reported.contains(host.as_str()) {
                missing
                    .entry(host)
                    .or_insert_with(|| "expected, but no report found".to_string());
            }
        }
        drop(reported);
        entries.retain(|e| !e.excluded);
        let total_hosts = entries.len();
        if !options.only_status.is_empty() {
            entries.retain(|e| options.only_status.contains(&e.status));
        }
        entries.sort_by(|a, b| b.status.cmp(&a.status).then_with(|| a.host.cmp(&b.host)));

        let mut by_status = CheckFigures::default();
        let mut per_check = vec![CheckFigures::default(); checks.len()];
        let mut finding_hosts = vec![0usize; finding_keys.len()];
        let mut groups: BTreeMap<String, CheckFigures> = BTreeMap::new();
        for entry in &entries {
            *by_status.by_status.entry(entry.status).or_default() += 1;
            if let Some(group) = &entry.group {
                *groups
                    .entry(group.to_string())
                    .or_default()
                    .by_status
                    .entry(entry.status)
                    .or_default() += 1;
            }
            for result in entry.results.iter() {
                *per_check[result.check as usize]
                    .by_status
                    .entry(result.status)
                    .or_default() += 1;
                if let Some(finding) = result.finding {
                    finding_hosts[finding as usize] += 1;
                }
            }
        }
        // A host with two identical findings of one check counts once: rare enough that
        // the per-result count is kept, and it cannot exceed the host count of the check.
        let mut findings: Vec<Finding> = finding_keys
            .into_iter()
            .zip(finding_hosts)
            .filter(|(_, hosts)| *hosts > 0)
            .map(|((check, status, text), hosts)| Finding {
                check,
                status,
                text,
                hosts,
            })
            .collect();
        rank_findings(&mut findings, &checks);
        let check_order = check_order(&checks);

        Fleet {
            options,
            checks,
            check_order,
            per_check,
            shown_hosts: entries.len(),
            hosts: entries,
            total_hosts,
            by_status,
            findings,
            groups: groups
                .into_iter()
                .map(|(value, figures)| Group { value, figures })
                .collect(),
            missing: missing
                .into_iter()
                .map(|(host, reason)| MissingHost { host, reason })
                .collect(),
            files,
            problems,
            reports_read,
            superseded,
        }
    }
}

/// The aggregate every format renders.
pub struct Fleet {
    pub options: Options,
    pub checks: Vec<CheckInfo>,
    /// Indexes into `checks`, ordered by id.
    pub check_order: Vec<u32>,
    pub per_check: Vec<CheckFigures>,
    /// Hosts in the report, worst first then by name (empty when streamed: csv, json).
    pub hosts: Vec<HostEntry>,
    /// Hosts in the report (after `--only-status`).
    pub shown_hosts: usize,
    /// Hosts that reported, before `--only-status`.
    pub total_hosts: usize,
    /// Hosts by overall status.
    pub by_status: CheckFigures,
    pub findings: Vec<Finding>,
    pub groups: Vec<Group>,
    pub missing: Vec<MissingHost>,
    pub files: InputFiles,
    pub problems: Vec<InputProblem>,
    pub reports_read: usize,
    pub superseded: usize,
}

impl Fleet {
    /// Hosts ok / hosts in the report.
    pub fn compliance(&self) -> Option<f64> {
        percent(self.by_status.get(Status::Ok), self.shown_hosts)
    }

    pub fn check_info(&self, index: u32) -> &CheckInfo {
        &self.checks[index as usize]
    }

    /// Checks with figures, in id order.
    pub fn checks_in_order(&self) -> impl Iterator<Item = (u32, &CheckInfo, &CheckFigures)> {
        self.check_order
            .iter()
            .map(|i| (*i, &self.checks[*i as usize], &self.per_check[*i as usize]))
    }

    /// Calls `visit` with each host of the report and its full report, re-read from the
    /// input (one at a time), results filtered like the first pass and ordered worst
    /// first. A report that cannot be read again yields `Err` with the reason.
    pub fn details(&self, mut visit: impl FnMut(&HostEntry, Result<HostReport, String>)) {
        let mut rereader = Rereader::default();
        for entry in &self.hosts {
            let report = rereader
                .read(&self.files, entry.location)
                .and_then(|mut report| {
                    if *report.host != *entry.host || *report.generated_at != *entry.generated_at {
                        return Err("the input changed since it was first read".to_string());
                    }
                    let checks = &self.options.checks;
                    if !checks.is_empty() {
                        report
                            .results
                            .retain(|r| checks.iter().any(|c| *c == r.id || *c == r.kind));
                    }
                    report
                        .results
                        .sort_by(|a, b| b.status.cmp(&a.status).then_with(|| a.id.cmp(&b.id)));
                    Ok(report)
                });
            visit(entry, report);
        }
    }

    /// The hosts failing (warning or critical) or undecided on a check, worst first, with
    /// their position in [`Fleet::hosts`].
    pub fn failing_on(
        &self,
        check: u32,
    ) -> impl Iterator<Item = (usize, &HostEntry, &CompactResult)> {
        let mut found: Vec<(usize, &HostEntry, &CompactResult)> = self
            .hosts
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                h.results
                    .iter()
                    .find(|r| r.check == check && !matches!(r.status, Status::Ok | Status::Skipped))
                    .map(|r| (i, h, r))
            })
            .collect();
        found.sort_by(|a, b| {
            b.2.status
                .cmp(&a.2.status)
                .then_with(|| a.1.host.cmp(&b.1.host))
        });
        found.into_iter()
    }

    pub fn unreadable(&self) -> impl Iterator<Item = &InputProblem> {
        self.problems.iter().filter(|p| p.skipped)
    }

    pub fn repaired(&self) -> impl Iterator<Item = &InputProblem> {
        self.problems.iter().filter(|p| !p.skipped)
    }

    /// One line describing the filters in effect, if any.
    pub fn filter_description(&self) -> Option<String> {
        let mut parts = Vec::new();
        if !self.options.checks.is_empty() {
            parts.push(format!("checks {}", self.options.checks.join(", ")));
        }
        if !self.options.only_status.is_empty() {
            let statuses: Vec<&str> = self
                .options
                .only_status
                .iter()
                .map(|s| s.as_str())
                .collect();
            parts.push(format!(
                "hosts {} ({} of {} reporting hosts)",
                statuses.join(", "),
                self.shown_hosts,
                self.total_hosts
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Worst of the statuses, as [`crate::report::overall_status`] decides it.
/// Most widespread findings first, then the gravest, then by check id and text.
pub(crate) fn rank_findings(findings: &mut [Finding], checks: &[CheckInfo]) {
    findings.sort_by(|a, b| {
        b.hosts
            .cmp(&a.hosts)
            .then_with(|| b.status.cmp(&a.status))
            .then_with(|| {
                checks[a.check as usize]
                    .id
                    .cmp(&checks[b.check as usize].id)
            })
            .then_with(|| a.text.cmp(&b.text))
    });
}

/// Check indexes in a stable order: by id.
pub(crate) fn check_order(checks: &[CheckInfo]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..checks.len() as u32).collect();
    order.sort_by(|a, b| checks[*a as usize].id.cmp(&checks[*b as usize].id));
    order
}

pub fn worst(statuses: impl Iterator<Item = Status>) -> Status {
    statuses
        .filter(|s| *s != Status::Skipped)
        .max()
        .unwrap_or(Status::Unknown)
}

/// Whether `candidate` is strictly older than `current` (RFC 3339 compared as instants;
/// an unparsable time is older than any parsable one).
fn is_newer(current: &str, candidate: &str) -> bool {
    let parse = |t: &str| t.parse::<jiff::Timestamp>().ok();
    match (parse(current), parse(candidate)) {
        (Some(a), Some(b)) => a > b,
        (Some(_), None) => true,
        (None, Some(_)) => false,
        (None, None) => current > candidate,
    }
}

/// The value of a dotted fact path as text: `mta.kind` → `postfix`; lists are joined;
/// absent or null → `(none)`.
pub fn fact_value(facts: &Value, path: &str) -> String {
    let mut value = facts;
    for part in path.split('.') {
        match value.get(part) {
            Some(next) => value = next,
            None => return "(none)".to_string(),
        }
    }
    match value {
        Value::Null => "(none)".to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "(none)".to_string(),
        Value::Array(items) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string())
            })
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

/// The host's own names and addresses, with the placeholder each becomes in summaries.
pub fn host_terms(report: &HostReport) -> Vec<(String, &'static str)> {
    let mut terms = vec![(report.host.clone(), "<host>")];
    for key in ["fqdn", "mailname"] {
        if let Some(Value::String(s)) = report.facts.get(key) {
            terms.push((s.clone(), "<host>"));
        }
    }
    // Only a dotted domain: a bare word would be replaced inside other words.
    if let Some(Value::String(domain)) = report.facts.get("domain")
        && domain.contains('.')
    {
        terms.push((domain.clone(), "<domain>"));
    }
    if let Some(Value::Array(ips)) = report.facts.get("egress_ips") {
        terms.extend(
            ips.iter()
                .filter_map(Value::as_str)
                .map(|ip| (ip.to_string(), "<ip>")),
        );
    }
    terms.retain(|(t, _)| t.len() >= 3);
    // Longest first: the FQDN before the domain it contains.
    terms.sort_by_key(|(t, _)| std::cmp::Reverse(t.len()));
    terms
}

/// A summary with what differs from host to host replaced, so the same finding on many
/// hosts has one key: the host's names and addresses become `<host>`/`<ip>`, other
/// addresses `<ip>`, mail addresses `<address>`, numbers `N`. Pure.
pub fn normalise_summary(summary: &str, host_terms: &[(String, &str)]) -> String {
    let mut text = crate::text::printable(summary).into_owned();
    for (term, placeholder) in host_terms {
        text = text.replace(term.as_str(), placeholder);
    }
    let mut out = String::with_capacity(text.len());
    for (index, word) in text.split(' ').enumerate() {
        if index > 0 {
            out.push(' ');
        }
        // Keep punctuation around a word (`(203.0.113.9)`, `192.0.2.1:`).
        let start = word
            .find(|c: char| c.is_alphanumeric() || c == '<' || c == '[')
            .unwrap_or(word.len());
        let end = word
            .rfind(|c: char| c.is_alphanumeric() || c == '>' || c == ']')
            .map(|i| i + 1)
            .unwrap_or(start)
            .max(start);
        let (prefix, core, suffix) = (&word[..start], &word[start..end], &word[end..]);
        out.push_str(prefix);
        out.push_str(&normalise_word(core));
        out.push_str(suffix);
    }
    out
}

fn normalise_word(word: &str) -> String {
    let bare = word.trim_start_matches('[').trim_end_matches(']');
    if bare.parse::<std::net::IpAddr>().is_ok() {
        return "<ip>".to_string();
    }
    if word.contains('@') && word.contains('.') {
        return "<address>".to_string();
    }
    if word.starts_with('<') && word.ends_with('>') {
        return word.to_string();
    }
    if word
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
        && word.chars().any(|c| c.is_ascii_digit())
    {
        return "N".to_string();
    }
    // A name with digits in it (`25-113-0-203.dyn.isp.example`, `o8DIjsx0028156`) varies.
    if word.chars().filter(char::is_ascii_digit).count() >= 3 {
        return "…".to_string();
    }
    word.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::input::HostResult;
    use serde_json::json;

    fn result(id: &str, status: Status, summary: &str) -> HostResult {
        HostResult {
            id: id.into(),
            kind: id.into(),
            title: format!("{id} title"),
            severity: Some(Severity::Critical),
            status,
            summary: summary.into(),
            evidence: vec![],
            remediation: String::new(),
            duration_ms: 0,
        }
    }

    fn report(host: &str, at: &str, results: Vec<HostResult>) -> HostReport {
        HostReport {
            host: host.into(),
            generated_at: at.into(),
            status: worst(results.iter().map(|r| r.status)),
            summary: String::new(),
            facts: json!({"fqdn": host, "egress_ips": ["203.0.113.9"], "mta": {"kind": "postfix"}}),
            results,
        }
    }

    fn at(file: u32) -> Location {
        Location {
            file,
            line: 0,
            offset: 0,
        }
    }

    fn finish(collector: Collector) -> Fleet {
        collector.finish(InputFiles::default(), vec![], None)
    }

    #[test]
    fn the_newest_report_of_a_host_wins_whatever_the_order() {
        let mut collector = Collector::new(Options::default());
        let old = report(
            "a.example",
            "2026-12-01T00:00:00Z",
            vec![result("dnsbl", Status::Critical, "listed")],
        );
        let new = report(
            "a.example",
            "2026-12-02T00:00:00+01:00",
            vec![result("dnsbl", Status::Ok, "not listed")],
        );
        collector.add(at(0), &new);
        collector.add(at(1), &old);
        let fleet = finish(collector);
        assert_eq!(fleet.hosts.len(), 1);
        assert_eq!(fleet.hosts[0].status, Status::Ok);
        assert_eq!(fleet.hosts[0].location, at(0));
        assert_eq!((fleet.reports_read, fleet.superseded), (2, 1));

        let mut collector = Collector::new(Options::default());
        collector.add(at(1), &old);
        collector.add(at(0), &new);
        let fleet = finish(collector);
        assert_eq!(fleet.hosts[0].status, Status::Ok);
        assert_eq!(fleet.by_status.get(Status::Critical), 0);
    }

    #[test]
    fn compliance_counts_hosts_where_the_check_ran() {
        let mut collector = Collector::new(Options::default());
        collector.add(
            at(0),
            &report(
                "a.example",
                "",
                vec![
                    result("dnsbl", Status::Ok, ""),
                    result("tcpw", Status::Skipped, "n/a"),
                ],
            ),
        );
        collector.add(
            at(1),
            &report(
                "b.example",
                "",
                vec![
                    result("dnsbl", Status::Critical, "x"),
                    result("tcpw", Status::Ok, ""),
                ],
            ),
        );
        collector.add(
            at(2),
            &report(
                "c.example",
                "",
                vec![
                    result("dnsbl", Status::Unknown, "timeout"),
                    result("tcpw", Status::Skipped, "n/a"),
                ],
            ),
        );
        let fleet = finish(collector);
        let figures: BTreeMap<&str, Option<f64>> = fleet
            .checks_in_order()
            .map(|(_, info, figures)| (info.id.as_str(), figures.compliance()))
            .collect();
        assert_eq!(figures["dnsbl"], Some(33.3));
        assert_eq!(figures["tcpw"], Some(100.0));
        assert_eq!(fleet.compliance(), Some(33.3));
        assert_eq!(
            fleet.hosts.iter().map(|h| &*h.host).collect::<Vec<_>>(),
            ["b.example", "c.example", "a.example"]
        );
    }

    #[test]
    fn the_same_finding_on_many_hosts_is_counted_once_per_host() {
        let mut collector = Collector::new(Options::default());
        for (i, host) in ["a.example", "b.example", "c.example"].iter().enumerate() {
            let mut r = report(
                host,
                "",
                vec![result(
                    "dnsbl",
                    Status::Critical,
                    &format!("203.0.113.{} is listed on Spamhaus PBL", i + 1),
                )],
            );
            r.facts["egress_ips"] = json!([format!("203.0.113.{}", i + 1)]);
            collector.add(at(i as u32), &r);
        }
        collector.add(
            at(9),
            &report(
                "d.example",
                "",
                vec![result(
                    "dnsbl",
                    Status::Critical,
                    "192.0.2.1 is listed on Spamhaus SBL",
                )],
            ),
        );
        let fleet = finish(collector);
        assert_eq!(fleet.findings[0].hosts, 3);
        assert_eq!(fleet.findings[0].text, "<ip> is listed on Spamhaus PBL");
        assert_eq!(fleet.findings[1].hosts, 1);
    }

    #[test]
    fn summaries_lose_what_varies_between_hosts() {
        let terms = vec![
            ("web1.shop.example".to_string(), "<host>"),
            ("203.0.113.25".to_string(), "<ip>"),
            ("shop.example".to_string(), "<domain>"),
        ];
        assert_eq!(
            normalise_summary(
                "PTR of 203.0.113.25 is generic: 25-113-0-203.dyn.isp.example (not web1.shop.example)",
                &terms
            ),
            "PTR of <ip> is generic: … (not <host>)"
        );
        assert_eq!(
            normalise_summary("own domain shop.example delivers", &terms),
            "own domain <domain> delivers"
        );
        assert_eq!(
            normalise_summary(
                "3 bounces to x@customer.example in 24h, relay [198.51.100.7]",
                &[]
            ),
            "N bounces to <address> in 24h, relay <ip>"
        );
    }

    #[test]
    fn filters_select_checks_statuses_and_groups() {
        let options = Options {
            checks: vec!["fcrdns".into()],
            only_status: vec![Status::Warning],
            group_by: Some("mta.kind".into()),
            keep_texts: true,
        };
        let mut collector = Collector::new(options);
        collector.add(
            at(0),
            &report(
                "a.example",
                "",
                vec![
                    result("dnsbl", Status::Critical, "x"),
                    result("fcrdns", Status::Warning, "generic PTR"),
                ],
            ),
        );
        collector.add(
            at(1),
            &report(
                "b.example",
                "",
                vec![
                    result("dnsbl", Status::Critical, "x"),
                    result("fcrdns", Status::Ok, ""),
                ],
            ),
        );
        collector.add(
            at(2),
            &report("c.example", "", vec![result("dnsbl", Status::Ok, "")]),
        );
        let fleet = finish(collector);
        assert_eq!(fleet.total_hosts, 2, "c.example did not run fcrdns");
        assert_eq!(fleet.hosts.len(), 1);
        assert_eq!(
            fleet.hosts[0].status,
            Status::Warning,
            "re-computed from fcrdns alone"
        );
        assert_eq!(fleet.hosts[0].group.as_deref(), Some("postfix"));
        assert_eq!(fleet.checks.len(), 1);
        let failing: Vec<_> = fleet
            .failing_on(0)
            .map(|(_, h, r)| (&*h.host, h.failure_summary(r.check)))
            .collect();
        assert_eq!(failing, [("a.example", "generic PTR")]);
        assert_eq!(fleet.groups[0].value, "postfix");
    }

    #[test]
    fn with_check_filters_the_newest_report_still_decides() {
        let options = Options {
            checks: vec!["dnsbl".into()],
            ..Options::default()
        };
        let mut collector = Collector::new(options);
        let old = report(
            "a.example",
            "2026-12-01T00:00:00Z",
            vec![result("dnsbl", Status::Critical, "listed")],
        );
        let new = report(
            "a.example",
            "2026-12-02T00:00:00Z",
            vec![result("mta", Status::Ok, "")],
        );
        collector.add(at(0), &old);
        collector.add(at(1), &new);
        let fleet = finish(collector);
        assert!(
            fleet.hosts.is_empty(),
            "the newest report did not run dnsbl"
        );
        assert!(fleet.missing.is_empty(), "but the host did report");
    }

    #[test]
    fn missing_hosts_come_from_the_expected_list_and_unreachable_results() {
        let mut collector = Collector::new(Options::default());
        collector.add(
            at(0),
            &report("a.example", "", vec![result("dnsbl", Status::Ok, "")]),
        );
        collector.add_missing("b.example".into(), "unreachable: ssh".into());
        collector.add_missing("a.example".into(), "unreachable: once".into());
        let fleet = collector.finish(
            InputFiles::default(),
            vec![],
            Some(vec!["a.example".into(), "c.example".into()]),
        );
        let missing: Vec<_> = fleet
            .missing
            .iter()
            .map(|m| (m.host.as_str(), m.reason.as_str()))
            .collect();
        assert_eq!(
            missing,
            [
                ("b.example", "unreachable: ssh"),
                ("c.example", "expected, but no report found")
            ]
        );
    }

    #[test]
    fn facts_are_found_by_dotted_path() {
        let facts = json!({"mta": {"kind": "exim", "smarthost": null}, "own_domains": ["a.example", "b.example"]});
        assert_eq!(fact_value(&facts, "mta.kind"), "exim");
        assert_eq!(fact_value(&facts, "mta.smarthost"), "(none)");
        assert_eq!(fact_value(&facts, "nope.deeper"), "(none)");
        assert_eq!(fact_value(&facts, "own_domains"), "a.example, b.example");
    }
}
