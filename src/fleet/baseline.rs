//! `--baseline`: what changed since a previous set of reports or a previous aggregate.
//!
//! The baseline keeps, per host, only the status of each check (check ids interned), so a
//! baseline of 100,000 hosts costs a few tens of megabytes at most.

use std::collections::HashMap;
use std::path::PathBuf;

use super::aggregate::Fleet;
use super::input::{self, Accept, HostReport, InputProblem, Item};
use crate::report::Status;

#[derive(Debug, Default)]
pub struct Baseline {
    check_ids: Vec<Box<str>>,
    check_index: HashMap<Box<str>, u32>,
    hosts: HashMap<Box<str>, BaselineHost>,
    /// Hosts read from the baseline.
    pub host_count: usize,
}

#[derive(Debug)]
struct BaselineHost {
    generated_at: Box<str>,
    results: Vec<(u32, Status)>,
}

impl Baseline {
    /// Reads a baseline: reports (files, directories, JSON Lines, Ansible results) or a
    /// previous `--format json` aggregate. Problems are collected, prefixed `baseline:`.
    pub fn load(paths: &[PathBuf], problems: &mut Vec<InputProblem>) -> Baseline {
        let mut own_problems = Vec::new();
        let files = input::discover(paths, &mut own_problems);
        let mut baseline = Baseline::default();
        input::read_all(
            &files,
            Accept::ReportsAndAggregates,
            &mut own_problems,
            |_| {},
            |_, item| match item {
                Item::Report(report) => baseline.add(&report),
                Item::Aggregate(hosts) => hosts.iter().for_each(|h| baseline.add(h)),
                Item::Missing { .. } => {}
            },
        );
        baseline.host_count = baseline.hosts.len();
        problems.extend(own_problems.into_iter().map(|mut p| {
            p.input = format!("baseline: {}", p.input);
            p
        }));
        baseline
    }

    pub fn add(&mut self, report: &HostReport) {
        if let Some(existing) = self.hosts.get(report.host.as_str()) {
            let newer = match (
                existing.generated_at.parse::<jiff::Timestamp>(),
                report.generated_at.parse::<jiff::Timestamp>(),
            ) {
                (Ok(a), Ok(b)) => b >= a,
                _ => *report.generated_at >= *existing.generated_at,
            };
            if !newer {
                return;
            }
        }
        let results = report
            .results
            .iter()
            .map(|r| (self.intern(&r.id), r.status))
            .collect();
        self.hosts.insert(
            report.host.clone().into_boxed_str(),
            BaselineHost {
                generated_at: report.generated_at.clone().into_boxed_str(),
                results,
            },
        );
        self.host_count = self.hosts.len();
    }

    fn intern(&mut self, id: &str) -> u32 {
        if let Some(index) = self.check_index.get(id) {
            return *index;
        }
        let index = self.check_ids.len() as u32;
        self.check_ids.push(id.into());
        self.check_index.insert(id.into(), index);
        index
    }

    pub fn has_host(&self, host: &str) -> bool {
        self.hosts.contains_key(host)
    }

    pub fn host_names(&self) -> impl Iterator<Item = &str> {
        self.hosts.keys().map(|h| &**h)
    }

    /// The status a check had on a host in the baseline.
    pub fn status(&self, host: &str, check: &str) -> Option<Status> {
        let index = *self.check_index.get(check)?;
        self.hosts
            .get(host)?
            .results
            .iter()
            .find(|(c, _)| *c == index)
            .map(|(_, s)| *s)
    }
}

/// How one (host, check) moved between the baseline and now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Failing now, not failing (or not run, or the host absent) in the baseline.
    New,
    /// Failing in the baseline, ok now.
    Fixed,
    StillFailing,
}

impl Change {
    pub fn as_str(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Fixed => "fixed",
            Change::StillFailing => "still failing",
        }
    }
}

/// Failing means a finding: warning or critical. `unknown` is neither failing nor fixed.
pub fn is_failing(status: Status) -> bool {
    matches!(status, Status::Warning | Status::Critical)
}

/// The change of one check on one host, if any. Pure.
pub fn change(before: Option<Status>, now: Status) -> Option<Change> {
    let was_failing = before.is_some_and(is_failing);
    match (was_failing, is_failing(now)) {
        (true, true) => Some(Change::StillFailing),
        (false, true) => Some(Change::New),
        (true, false) if now == Status::Ok => Some(Change::Fixed),
        _ => None,
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counts {
    pub new: usize,
    pub fixed: usize,
    pub still: usize,
}

impl Counts {
    pub fn add(&mut self, change: Change) {
        match change {
            Change::New => self.new += 1,
            Change::Fixed => self.fixed += 1,
            Change::StillFailing => self.still += 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HostChanges {
    pub host: String,
    /// (check id, change), by check id.
    pub changes: Vec<(String, Change)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub baseline_hosts: usize,
    pub total: Counts,
    /// (check id, counts), by check id.
    pub per_check: Vec<(String, Counts)>,
    /// Hosts with at least one change, in report order.
    pub per_host: Vec<HostChanges>,
    /// Hosts in the baseline that no longer report (only without `--only-status`).
    pub gone: Option<Vec<String>>,
    /// Hosts reporting now that were not in the baseline.
    pub appeared: usize,
}

pub fn compare(fleet: &Fleet, baseline: &Baseline) -> Changes {
    let mut per_check: Vec<Counts> = vec![Counts::default(); fleet.checks.len()];
    let mut total = Counts::default();
    let mut per_host = Vec::new();
    let mut appeared = 0;
    for entry in &fleet.hosts {
        if !baseline.hosts.contains_key(&*entry.host) {
            appeared += 1;
        }
        let mut changes = Vec::new();
        for result in entry.results.iter() {
            let id = &fleet.check_info(result.check).id;
            if let Some(c) = change(baseline.status(&entry.host, id), result.status) {
                per_check[result.check as usize].add(c);
                total.add(c);
                changes.push((id.clone(), c));
            }
        }
        if !changes.is_empty() {
            changes.sort_by(|a, b| a.0.cmp(&b.0));
            per_host.push(HostChanges {
                host: entry.host.to_string(),
                changes,
            });
        }
    }
    let gone = fleet.options.only_status.is_empty().then(|| {
        let now: std::collections::HashSet<&str> = fleet.hosts.iter().map(|h| &*h.host).collect();
        let mut gone: Vec<String> = baseline
            .hosts
            .keys()
            .filter(|h| !now.contains(&***h))
            .map(|h| h.to_string())
            .collect();
        gone.sort();
        gone
    });
    Changes {
        baseline_hosts: baseline.host_count,
        total,
        per_check: fleet
            .check_order
            .iter()
            .map(|i| {
                (
                    fleet.check_info(*i).id.clone(),
                    per_check[*i as usize].clone(),
                )
            })
            .collect(),
        per_host,
        gone,
        appeared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::aggregate::{Collector, Options};
    use crate::fleet::input::{HostResult, InputFiles, Location};

    fn report(host: &str, at: &str, results: &[(&str, Status)]) -> HostReport {
        HostReport {
            host: host.into(),
            generated_at: at.into(),
            status: crate::fleet::aggregate::worst(results.iter().map(|r| r.1)),
            summary: String::new(),
            facts: serde_json::Value::Null,
            results: results
                .iter()
                .map(|(id, status)| HostResult {
                    id: id.to_string(),
                    kind: id.to_string(),
                    title: id.to_string(),
                    severity: None,
                    status: *status,
                    summary: String::new(),
                    evidence: vec![],
                    remediation: String::new(),
                    duration_ms: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn changes_are_classified_fail_safe() {
        use Status::*;
        assert_eq!(change(None, Critical), Some(Change::New));
        assert_eq!(change(Some(Ok), Warning), Some(Change::New));
        assert_eq!(change(Some(Warning), Critical), Some(Change::StillFailing));
        assert_eq!(change(Some(Critical), Ok), Some(Change::Fixed));
        // Not knowing any more is not a fix.
        assert_eq!(change(Some(Critical), Unknown), None);
        assert_eq!(change(Some(Ok), Ok), None);
    }

    #[test]
    fn new_fixed_and_still_failing_per_check_and_host() {
        let mut baseline = Baseline::default();
        baseline.add(&report(
            "a.example",
            "2026-11-01T00:00:00Z",
            &[("dnsbl", Status::Critical), ("fcrdns", Status::Ok)],
        ));
        baseline.add(&report(
            "b.example",
            "2026-11-01T00:00:00Z",
            &[("dnsbl", Status::Critical)],
        ));
        baseline.add(&report(
            "gone.example",
            "2026-11-01T00:00:00Z",
            &[("dnsbl", Status::Ok)],
        ));
        // An older duplicate in the baseline does not override the newer one.
        baseline.add(&report(
            "b.example",
            "2026-10-01T00:00:00Z",
            &[("dnsbl", Status::Ok)],
        ));

        let mut collector = Collector::new(Options::default());
        let at = Location {
            file: 0,
            line: 0,
            offset: 0,
        };
        collector.add(
            at,
            &report(
                "a.example",
                "2026-12-01T00:00:00Z",
                &[("dnsbl", Status::Ok), ("fcrdns", Status::Warning)],
            ),
        );
        collector.add(
            at,
            &report(
                "b.example",
                "2026-12-01T00:00:00Z",
                &[("dnsbl", Status::Critical)],
            ),
        );
        collector.add(
            at,
            &report(
                "c.example",
                "2026-12-01T00:00:00Z",
                &[("dnsbl", Status::Warning)],
            ),
        );
        let fleet = collector.finish(InputFiles::default(), vec![], None);

        let changes = compare(&fleet, &baseline);
        assert_eq!(
            changes.total,
            Counts {
                new: 2,
                fixed: 1,
                still: 1
            }
        );
        assert_eq!(changes.per_check[0].0, "dnsbl");
        assert_eq!(
            changes.per_check[0].1,
            Counts {
                new: 1,
                fixed: 1,
                still: 1
            }
        );
        assert_eq!(
            changes.per_check[1].1,
            Counts {
                new: 1,
                fixed: 0,
                still: 0
            }
        );
        let a = changes
            .per_host
            .iter()
            .find(|h| h.host == "a.example")
            .unwrap();
        assert_eq!(
            a.changes,
            [
                ("dnsbl".to_string(), Change::Fixed),
                ("fcrdns".to_string(), Change::New)
            ]
        );
        assert_eq!(changes.gone, Some(vec!["gone.example".to_string()]));
        assert_eq!(changes.appeared, 1);
        assert_eq!(changes.baseline_hosts, 3);
    }
}
