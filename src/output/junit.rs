//! `junit`: one testsuite per host, one testcase per check. Failures (warning, critical)
//! are `<failure>`, undecidable checks are `<error>`, non-applicable ones `<skipped>`.

use std::fmt::Write;

use crate::report::{Report, Status};
use crate::text::printable;

pub fn render(reports: &[Report]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total = |status: Status| reports.iter().map(|r| r.counts.get(status)).sum::<usize>();
    let tests: usize = reports.iter().map(|r| r.results.len()).sum();
    let _ = writeln!(
        out,
        "<testsuites name=\"mailaudit\" tests=\"{tests}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">",
        total(Status::Critical) + total(Status::Warning),
        total(Status::Unknown),
        total(Status::Skipped)
    );
    for report in reports {
        write_suite(&mut out, report);
    }
    out.push_str("</testsuites>\n");
    out
}

fn write_suite(out: &mut String, report: &Report) {
    let c = &report.counts;
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{}\" time=\"{:.3}\">",
        xml(&report.host),
        report.results.len(),
        c.critical + c.warning,
        c.unknown,
        c.skipped,
        xml(&report.generated_at),
        report.duration_ms as f64 / 1000.0
    );
    for result in &report.results {
        let _ = write!(
            out,
            "    <testcase classname=\"mailaudit.{}\" name=\"{}\" time=\"{:.3}\"",
            xml(&result.kind),
            xml(&result.id),
            result.duration_ms as f64 / 1000.0
        );
        let mut body = String::new();
        for evidence in &result.evidence {
            let _ = write!(body, "{}: {}", evidence.label, evidence.text);
            if let Some(source) = &evidence.source {
                let _ = write!(body, " [{source}]");
            }
            body.push('\n');
        }
        let _ = write!(body, "remediation: {}", result.remediation);
        let element = match result.status {
            Status::Ok => None,
            Status::Warning | Status::Critical => Some("failure"),
            Status::Unknown => Some("error"),
            Status::Skipped => Some("skipped"),
        };
        match element {
            None => {
                let _ = writeln!(
                    out,
                    ">\n      <system-out>{}</system-out>\n    </testcase>",
                    xml(&result.summary)
                );
            }
            Some("skipped") => {
                let _ = writeln!(
                    out,
                    ">\n      <skipped message=\"{}\"/>\n    </testcase>",
                    xml(&result.summary)
                );
            }
            Some(element) => {
                let _ = writeln!(
                    out,
                    ">\n      <{element} message=\"{}\" type=\"{}\">{}</{element}>\n    </testcase>",
                    xml(&result.summary),
                    result.status,
                    xml(&body)
                );
            }
        }
    }
    out.push_str("  </testsuite>\n");
}

/// Escapes text for XML 1.0 content and attributes. Control characters are not allowed in
/// XML at all, so they are made visible first (newlines kept in element bodies).
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n').enumerate() {
        if line.0 > 0 {
            out.push_str("&#10;");
        }
        for c in printable(line.1).chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&apos;"),
                c => out.push(c),
            }
        }
    }
    out
}
