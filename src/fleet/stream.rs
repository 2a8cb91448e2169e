//! The streamed path of `csv` and `json`: memory does not grow with the reports.
//!
//! Pass 1 keeps, per host, only a 64-bit hash of its name, the instant of its newest report
//! and where that report is (about 40 bytes a host). Pass 2 reads the inputs again in the
//! same order and writes each winning report as soon as it is parsed, tallying the figures
//! (per status, per check, findings, groups, baseline changes) as it goes; the figures are
//! written after the hosts. Hosts therefore come in input order, not worst first.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use super::aggregate::{
    CheckFigures, CheckInfo, Finding, Fleet, Group, MissingHost, Options, check_order, fact_value,
    host_terms, normalise_summary, rank_findings, worst,
};
use super::baseline::{self, Baseline, Changes};
use super::input::{self, Accept, HostReport, InputFiles, InputProblem, Item, Location};
use crate::report::Status;

/// A stable 64-bit key for a host name (SipHash with fixed keys: the same in both passes).
fn host_key(host: &str) -> u64 {
    #[allow(deprecated)]
    let mut hasher = std::hash::SipHasher::new();
    host.hash(&mut hasher);
    hasher.finish()
}

/// An instant to compare `generated_at` by (nanoseconds, saturating: 8 bytes, not 16);
/// unparsable times are older than any other.
fn stamp(generated_at: &str) -> i64 {
    generated_at
        .parse::<jiff::Timestamp>()
        .map_or(i64::MIN, |t| {
            t.as_nanosecond()
                .clamp(i64::MIN as i128 + 1, i64::MAX as i128) as i64
        })
}

struct Winner {
    stamp: i64,
    location: Location,
}

/// What pass 1 learned.
pub struct Index {
    winners: HashMap<u64, Winner>,
    missing: BTreeMap<String, String>,
    pub files: InputFiles,
    pub problems: Vec<InputProblem>,
    pub reports_read: usize,
    pub superseded: usize,
}

/// Pass 1: which report of each host is the newest (the later input on a tie).
pub fn index(inputs: &[PathBuf], show_progress: bool) -> Index {
    let mut problems = Vec::new();
    let files = input::discover(inputs, &mut problems);
    let progress = super::Progress::new(show_progress, files.paths.len());
    let mut winners: HashMap<u64, Winner> = HashMap::new();
    let mut missing = BTreeMap::new();
    let (mut reports_read, mut superseded) = (0, 0);
    input::read_all(
        &files,
        Accept::Reports,
        &mut problems,
        |done| progress.file(done),
        |location, item| match item {
            Item::Report(report) => {
                progress.report();
                reports_read += 1;
                let stamp = stamp(&report.generated_at);
                let winner = Winner { stamp, location };
                match winners.entry(host_key(&report.host)) {
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(winner);
                    }
                    std::collections::hash_map::Entry::Occupied(mut slot) => {
                        superseded += 1;
                        if stamp >= slot.get().stamp {
                            slot.insert(winner);
                        }
                    }
                }
            }
            Item::Missing { host, reason } => {
                missing.entry(host).or_insert(reason);
            }
            Item::Aggregate(_) => {}
        },
    );
    progress.finish();
    Index {
        winners,
        missing,
        files,
        problems,
        reports_read,
        superseded,
    }
}

/// One host as the row writers see it: results filtered by `--check`, worst first.
pub struct HostRow<'a> {
    pub report: &'a HostReport,
    pub status: Status,
    pub group: Option<&'a str>,
    pub input: String,
    pub baseline: Option<&'a Baseline>,
}

impl HostRow<'_> {
    /// How a check moved since the baseline, when there is one.
    pub fn change(&self, check: &str, now: Status) -> Option<baseline::Change> {
        self.baseline
            .and_then(|b| baseline::change(b.status(&self.report.host, check), now))
    }
}

#[derive(Default)]
struct Tally {
    checks: Vec<CheckInfo>,
    check_index: HashMap<String, u32>,
    per_check: Vec<CheckFigures>,
    by_status: CheckFigures,
    findings: HashMap<(u32, Status, String), usize>,
    groups: BTreeMap<String, CheckFigures>,
    changes_per_check: Vec<baseline::Counts>,
    changes_total: baseline::Counts,
    appeared: usize,
    total_hosts: usize,
    shown_hosts: usize,
}

impl Tally {
    fn check(&mut self, result: &input::HostResult) -> u32 {
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
        self.per_check.push(CheckFigures::default());
        self.changes_per_check.push(baseline::Counts::default());
        self.check_index.insert(result.id.clone(), index);
        index
    }
}

/// Pass 2: reads the inputs again and calls `write_host` for each newest report that
/// passes the filters; returns the figures (a [`Fleet`] without host entries) and the
/// baseline changes (without the per-host list: each row carries its own changes).
pub fn run(
    index: Index,
    options: Options,
    expected: Option<Vec<String>>,
    baseline: Option<&Baseline>,
    mut write_host: impl FnMut(&HostRow) -> std::io::Result<()>,
) -> std::io::Result<(Fleet, Option<Changes>)> {
    let mut tally = Tally::default();
    let mut failure = None;
    let mut ignored = Vec::new();
    input::read_all(
        &index.files,
        Accept::Reports,
        &mut ignored,
        |_| {},
        |location, item| {
            let Item::Report(mut report) = item else {
                return;
            };
            if failure.is_some()
                || index
                    .winners
                    .get(&host_key(&report.host))
                    .map(|w| w.location)
                    != Some(location)
            {
                return;
            }
            if !options.checks.is_empty() {
                report
                    .results
                    .retain(|r| options.checks.iter().any(|c| *c == r.id || *c == r.kind));
                if report.results.is_empty() {
                    return;
                }
            }
            report
                .results
                .sort_by(|a, b| b.status.cmp(&a.status).then_with(|| a.id.cmp(&b.id)));
            let status = if options.checks.is_empty() {
                report.status
            } else {
                worst(report.results.iter().map(|r| r.status))
            };
            tally.total_hosts += 1;
            if !options.only_status.is_empty() && !options.only_status.contains(&status) {
                return;
            }
            tally.shown_hosts += 1;
            *tally.by_status.by_status.entry(status).or_default() += 1;
            let group = options
                .group_by
                .as_deref()
                .map(|path| fact_value(&report.facts, path));
            if let Some(group) = &group {
                *tally
                    .groups
                    .entry(group.clone())
                    .or_default()
                    .by_status
                    .entry(status)
                    .or_default() += 1;
            }
            let terms = host_terms(&report);
            let known_before = baseline.map(|b| b.has_host(&report.host));
            if known_before == Some(false) {
                tally.appeared += 1;
            }
            for result in &report.results {
                let check = tally.check(result);
                *tally.per_check[check as usize]
                    .by_status
                    .entry(result.status)
                    .or_default() += 1;
                if !matches!(result.status, Status::Ok | Status::Skipped) {
                    let text = normalise_summary(&result.summary, &terms);
                    *tally
                        .findings
                        .entry((check, result.status, text))
                        .or_default() += 1;
                }
                if let Some(b) = baseline
                    && let Some(change) =
                        baseline::change(b.status(&report.host, &result.id), result.status)
                {
                    tally.changes_per_check[check as usize].add(change);
                    tally.changes_total.add(change);
                }
            }
            let row = HostRow {
                report: &report,
                status,
                group: group.as_deref(),
                input: index.files.describe(location),
                baseline,
            };
            if let Err(e) = write_host(&row) {
                failure = Some(e);
            }
        },
    );
    if let Some(e) = failure {
        return Err(e);
    }

    let Index {
        winners,
        mut missing,
        files,
        problems,
        reports_read,
        superseded,
    } = index;
    missing.retain(|host, _| !winners.contains_key(&host_key(host)));
    for host in expected.unwrap_or_default() {
        if !winners.contains_key(&host_key(&host)) {
            missing
                .entry(host)
                .or_insert_with(|| "expected, but no report found".to_string());
        }
    }
    let check_order = check_order(&tally.checks);
    let mut findings: Vec<Finding> = tally
        .findings
        .into_iter()
        .map(|((check, status, text), hosts)| Finding {
            check,
            status,
            text,
            hosts,
        })
        .collect();
    rank_findings(&mut findings, &tally.checks);
    let changes = baseline.map(|b| Changes {
        baseline_hosts: b.host_count,
        total: tally.changes_total.clone(),
        per_check: check_order
            .iter()
            .map(|i| {
                (
                    tally.checks[*i as usize].id.clone(),
                    tally.changes_per_check[*i as usize].clone(),
                )
            })
            .collect(),
        per_host: Vec::new(),
        gone: options.only_status.is_empty().then(|| {
            let mut gone: Vec<String> = b
                .host_names()
                .filter(|h| !winners.contains_key(&host_key(h)))
                .map(str::to_string)
                .collect();
            gone.sort();
            gone
        }),
        appeared: tally.appeared,
    });
    let fleet = Fleet {
        options,
        checks: tally.checks,
        check_order,
        per_check: tally.per_check,
        hosts: Vec::new(),
        shown_hosts: tally.shown_hosts,
        total_hosts: tally.total_hosts,
        by_status: tally.by_status,
        findings,
        groups: tally
            .groups
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
    };
    Ok((fleet, changes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_keys_and_stamps_are_stable() {
        assert_eq!(host_key("web1.example"), host_key("web1.example"));
        assert_ne!(host_key("web1.example"), host_key("web2.example"));
        assert!(stamp("2026-12-02T00:00:00+01:00") > stamp("2026-12-01T00:00:00Z"));
        assert!(stamp("not a time") < stamp("1970-01-01T00:00:00Z"));
    }

    fn write(dir: &std::path::Path, name: &str, host: &str, at: &str, status: &str) {
        let text = format!(
            r#"{{"schema":"mailaudit/report/v1","host":"{host}","generated_at":"{at}","status":"{status}","summary":"s",
               "facts":{{"mta":{{"kind":"postfix"}}}},
               "results":[{{"id":"dnsbl","kind":"dnsbl","status":"{status}","summary":"192.0.2.1 is listed on Spamhaus PBL"}}]}}"#
        );
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn the_newest_report_is_streamed_and_tallied_once() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "a-new.json",
            "a.example",
            "2026-12-02T00:00:00Z",
            "critical",
        );
        write(
            dir.path(),
            "a-old.json",
            "a.example",
            "2026-12-01T00:00:00Z",
            "ok",
        );
        write(
            dir.path(),
            "b.json",
            "b.example",
            "2026-12-01T00:00:00Z",
            "ok",
        );
        let index = index(&[dir.path().to_path_buf()], false);
        assert_eq!((index.reports_read, index.superseded), (3, 1));
        let options = Options {
            group_by: Some("mta.kind".into()),
            ..Options::default()
        };
        let mut rows = Vec::new();
        let (fleet, changes) = run(
            index,
            options,
            Some(vec!["c.example".into()]),
            None,
            |row| {
                rows.push((row.report.host.clone(), row.status, row.input.clone()));
                Ok(())
            },
        )
        .unwrap();
        assert!(changes.is_none());
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].0, "a.example");
        assert_eq!(rows[0].1, Status::Critical);
        assert!(rows[0].2.ends_with("a-new.json"));
        assert_eq!(fleet.shown_hosts, 2);
        assert_eq!(fleet.compliance(), Some(50.0));
        assert_eq!(fleet.findings[0].hosts, 1);
        assert_eq!(fleet.groups[0].value, "postfix");
        assert_eq!(fleet.missing[0].host, "c.example");
    }
}
