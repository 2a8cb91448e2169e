//! `junit`: one testsuite per host, one testcase per check (as `run --format junit`), so
//! CI dashboards show the fleet as a test run. Streamed host by host.

use std::io::Write;

use super::Context;
use crate::output::junit::xml;
use crate::report::Status;

pub fn render(context: &Context, out: &mut dyn Write) -> std::io::Result<()> {
    let fleet = context.fleet;
    let count = |status: Status| fleet.per_check.iter().map(|f| f.get(status)).sum::<usize>();
    let tests: usize = fleet.hosts.iter().map(|h| h.results.len()).sum();
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"mailaudit fleet\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{}\">",
        count(Status::Warning) + count(Status::Critical),
        count(Status::Unknown),
        count(Status::Skipped),
        xml(&context.generated_at)
    )?;
    let mut failure = None;
    fleet.details(|entry, report| {
        if failure.is_some() {
            return;
        }
        let mut suite = String::new();
        let counts = |status: Status| entry.results.iter().filter(|r| r.status == status).count();
        suite.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{}\">\n",
            xml(&entry.host),
            entry.results.len(),
            counts(Status::Warning) + counts(Status::Critical),
            counts(Status::Unknown),
            counts(Status::Skipped),
            xml(&entry.generated_at)
        ));
        match report {
            Ok(report) => {
                for result in &report.results {
                    let mut body = String::new();
                    for evidence in &result.evidence {
                        body.push_str(&format!("{}: {}", evidence.label, evidence.text));
                        if let Some(source) = &evidence.source {
                            body.push_str(&format!(" [{source}]"));
                        }
                        body.push('\n');
                    }
                    if !result.remediation.is_empty() {
                        body.push_str(&format!("remediation: {}", result.remediation));
                    }
                    let body = body.trim_end();
                    testcase(&mut suite, &result.kind, &result.id, result.status, &result.summary, body, result.duration_ms);
                }
            }
            Err(reason) => {
                for result in entry.results.iter() {
                    let info = fleet.check_info(result.check);
                    let note = format!("details unavailable: {reason}");
                    testcase(&mut suite, &info.kind, &info.id, result.status, &note, "", 0);
                }
            }
        }
        suite.push_str("  </testsuite>\n");
        if let Err(e) = out.write_all(suite.as_bytes()) {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    writeln!(out, "</testsuites>")
}

fn testcase(
    out: &mut String,
    kind: &str,
    id: &str,
    status: Status,
    summary: &str,
    body: &str,
    duration_ms: u64,
) {
    out.push_str(&format!(
        "    <testcase classname=\"mailaudit.{}\" name=\"{}\" time=\"{:.3}\">",
        xml(kind),
        xml(id),
        duration_ms as f64 / 1000.0
    ));
    match status {
        Status::Ok => out.push_str(&format!("<system-out>{}</system-out>", xml(summary))),
        Status::Skipped => out.push_str(&format!("<skipped message=\"{}\"/>", xml(summary))),
        Status::Warning | Status::Critical | Status::Unknown => {
            let element = if status == Status::Unknown {
                "error"
            } else {
                "failure"
            };
            out.push_str(&format!(
                "<{element} message=\"{}\" type=\"{status}\">{}</{element}>",
                xml(summary),
                xml(body)
            ));
        }
    }
    out.push_str("</testcase>\n");
}
