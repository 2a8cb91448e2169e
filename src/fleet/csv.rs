//! `csv`: one row per host × check (RFC 4180), streamed host by host (see [`super::stream`]).
//! Host-derived text has control characters made visible, and a cell that a spreadsheet
//! would take for a formula (`=`, `+`, `-`, `@`) is prefixed with `'`.

use std::io::Write;

use super::stream::HostRow;

pub fn write_header(
    out: &mut dyn Write,
    grouped: bool,
    with_baseline: bool,
) -> std::io::Result<()> {
    let mut header = vec!["host"];
    if grouped {
        header.push("group");
    }
    header.extend([
        "host_status",
        "generated_at",
        "check",
        "kind",
        "severity",
        "status",
        "summary",
        "evidence",
        "remediation",
    ]);
    if with_baseline {
        header.push("change");
    }
    write!(out, "{}\r\n", header.join(","))
}

pub fn write_host(out: &mut dyn Write, row: &HostRow) -> std::io::Result<()> {
    let report = row.report;
    let mut rows = String::new();
    for result in &report.results {
        let mut cells = vec![report.host.clone()];
        if let Some(group) = row.group {
            cells.push(group.to_string());
        }
        let evidence: Vec<String> = result
            .evidence
            .iter()
            .map(|e| match &e.source {
                Some(source) => format!("{}: {} [{source}]", e.label, e.text),
                None => format!("{}: {}", e.label, e.text),
            })
            .collect();
        cells.extend([
            row.status.to_string(),
            report.generated_at.clone(),
            result.id.clone(),
            result.kind.clone(),
            result.severity.map(|s| s.to_string()).unwrap_or_default(),
            result.status.to_string(),
            result.summary.clone(),
            evidence.join(" | "),
            result.remediation.clone(),
        ]);
        if row.baseline.is_some() {
            let change = row.change(&result.id, result.status);
            cells.push(change.map(|c| c.as_str()).unwrap_or("").to_string());
        }
        let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        rows.push_str(&cells.join(","));
        rows.push_str("\r\n");
    }
    out.write_all(rows.as_bytes())
}

/// One CSV cell. Pure.
pub fn cell(text: &str) -> String {
    let text = crate::text::printable(text);
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.into_owned()
    };
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn cells_are_quoted_and_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("line\nbreak"), "line\\x0abreak");
    }
}
