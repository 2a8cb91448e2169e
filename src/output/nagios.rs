//! `nagios`: Monitoring Plugins output. First line `MAILAUDIT <STATE> - <summary> | perfdata`,
//! then one line per non-ok check, exit code by status.

use std::fmt::Write;

use crate::report::{Report, Status, worst_first};
use crate::text::printable;

#[derive(Debug, Clone, Default)]
pub struct Options {}

pub fn render(report: &Report, _options: &Options) -> String {
    let state = match report.status {
        Status::Ok | Status::Skipped => "OK",
        Status::Warning => "WARNING",
        Status::Critical => "CRITICAL",
        Status::Unknown => "UNKNOWN",
    };
    let mut out = String::new();
    let _ = write!(out, "MAILAUDIT {state} - {}", one_line(&report.summary));
    let perfdata = perfdata(report);
    if !perfdata.is_empty() {
        let _ = write!(out, " | {perfdata}");
    }
    out.push('\n');
    for result in worst_first(&report.results) {
        if matches!(result.status, Status::Ok | Status::Skipped) {
            continue;
        }
        let _ = writeln!(
            out,
            "[{}] {}: {}",
            result.status.as_str().to_uppercase(),
            one_line(&result.id),
            one_line(&result.summary)
        );
    }
    out
}

fn perfdata(report: &Report) -> String {
    let mut items = Vec::new();
    for result in &report.results {
        for (name, value) in &result.metrics {
            let (uom, shown) = unit_of(name, value.0);
            items.push(format!(
                "'{}'={shown}{uom};;;;",
                perf_label(&format!("{}_{}", result.id, name))
            ));
        }
    }
    items.push(format!(
        "'run_time'={}s;;;0;",
        report.duration_ms as f64 / 1000.0
    ));
    items.join(" ")
}

fn unit_of(name: &str, value: f64) -> (&'static str, String) {
    if name.ends_with("_seconds") {
        ("s", value.to_string())
    } else if name.ends_with("_bytes") {
        ("B", value.to_string())
    } else if name.ends_with("_percent") {
        ("%", value.to_string())
    } else {
        ("", value.to_string())
    }
}

/// Perfdata labels may not hold `=` or `'`.
fn perf_label(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == '=' || c == '\'' || c.is_control() {
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
