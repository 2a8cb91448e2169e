//! `prometheus`: node_exporter textfile-collector format (write it with `--output` into the
//! collector directory; the write is atomic as the collector requires).

use std::fmt::Write;

use crate::report::{Report, Status};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let host = label(&report.host);
    let _ = writeln!(
        out,
        "# HELP mailaudit_status Overall status of the host: 0 ok, 1 warning, 2 critical, 3 unknown."
    );
    let _ = writeln!(out, "# TYPE mailaudit_status gauge");
    let _ = writeln!(
        out,
        "mailaudit_status{{host=\"{host}\"}} {}",
        report.status.exit_code()
    );
    let _ = writeln!(
        out,
        "# HELP mailaudit_check_status 1 for the status each check is in, 0 for the others."
    );
    let _ = writeln!(out, "# TYPE mailaudit_check_status gauge");
    for result in &report.results {
        for status in Status::ALL {
            let _ = writeln!(
                out,
                "mailaudit_check_status{{host=\"{host}\",check=\"{}\",kind=\"{}\",status=\"{status}\"}} {}",
                label(&result.id),
                label(&result.kind),
                u8::from(result.status == status)
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP mailaudit_check_metric Numbers measured by each check (see the check's documentation)."
    );
    let _ = writeln!(out, "# TYPE mailaudit_check_metric gauge");
    for result in &report.results {
        for (name, value) in &result.metrics {
            let _ = writeln!(
                out,
                "mailaudit_check_metric{{host=\"{host}\",check=\"{}\",metric=\"{}\"}} {}",
                label(&result.id),
                label(name),
                value.0
            );
        }
    }
    let _ = writeln!(
        out,
        "# HELP mailaudit_check_duration_seconds Time each check took."
    );
    let _ = writeln!(out, "# TYPE mailaudit_check_duration_seconds gauge");
    for result in &report.results {
        let _ = writeln!(
            out,
            "mailaudit_check_duration_seconds{{host=\"{host}\",check=\"{}\"}} {}",
            label(&result.id),
            result.duration_ms as f64 / 1000.0
        );
    }
    let _ = writeln!(
        out,
        "# HELP mailaudit_run_duration_seconds Time the whole audit took."
    );
    let _ = writeln!(out, "# TYPE mailaudit_run_duration_seconds gauge");
    let _ = writeln!(
        out,
        "mailaudit_run_duration_seconds{{host=\"{host}\"}} {}",
        report.duration_ms as f64 / 1000.0
    );
    if let Ok(time) = report.generated_at.parse::<jiff::Timestamp>() {
        let _ = writeln!(
            out,
            "# HELP mailaudit_last_run_timestamp_seconds When the audit ran (Unix time)."
        );
        let _ = writeln!(out, "# TYPE mailaudit_last_run_timestamp_seconds gauge");
        let _ = writeln!(
            out,
            "mailaudit_last_run_timestamp_seconds{{host=\"{host}\"}} {}",
            time.as_second()
        );
    }
    out
}

/// Escapes a label value (exposition format: backslash, double quote, newline).
fn label(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
