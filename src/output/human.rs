//! `human`: worst findings first, evidence and remediation under each; colour only on a
//! terminal; every host-derived string passed through [`printable`].

use std::fmt::Write;

use crate::output::Style;
use crate::report::{CheckResult, Report, Status, worst_first};
use crate::text::printable;

pub fn render(report: &Report, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} — {}",
        badge(report.status, style),
        printable(&report.host),
        printable(&report.summary)
    );
    let c = &report.counts;
    let _ = writeln!(
        out,
        "{} critical, {} warning, {} unknown, {} ok, {} skipped · {} · {} ms",
        c.critical, c.warning, c.unknown, c.ok, c.skipped, report.generated_at, report.duration_ms
    );
    for result in worst_first(&report.results) {
        out.push('\n');
        write_result(&mut out, result, style);
    }
    out
}

fn write_result(out: &mut String, result: &CheckResult, style: Style) {
    let _ = writeln!(
        out,
        "{} {} ({}): {}",
        badge(result.status, style),
        printable(&result.id),
        printable(&result.title),
        printable(&result.summary)
    );
    if matches!(result.status, Status::Ok | Status::Skipped) && result.evidence.is_empty() {
        return;
    }
    for evidence in &result.evidence {
        let _ = write!(
            out,
            "    • {}: {}",
            printable(&evidence.label),
            printable(&evidence.text)
        );
        if let Some(source) = &evidence.source {
            let _ = write!(out, "  [{}]", printable(source));
        }
        out.push('\n');
    }
    if !matches!(result.status, Status::Ok | Status::Skipped) {
        let _ = writeln!(out, "    → {}", printable(&result.remediation));
    }
}

fn badge(status: Status, style: Style) -> String {
    let word = format!("{:<8}", status.as_str().to_uppercase());
    if !style.colour {
        return word;
    }
    let colour = match status {
        Status::Critical => "1;31",
        Status::Warning => "1;33",
        Status::Unknown => "1;35",
        Status::Ok => "32",
        Status::Skipped => "2",
    };
    format!("\x1b[{colour}m{word}\x1b[0m")
}
