//! `csv`: one row per host × check (RFC 4180), streamed host by host. Host-derived text
//! has control characters made visible, and a cell that a spreadsheet would take for a
//! formula (`=`, `+`, `-`, `@`) is prefixed with `'`.

use std::io::Write;

use super::Context;

pub fn render(context: &Context, out: &mut dyn Write) -> std::io::Result<()> {
    let fleet = context.fleet;
    let grouped = fleet.options.group_by.is_some();
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
    if context.baseline.is_some() {
        header.push("change");
    }
    write!(out, "{}\r\n", header.join(","))?;
    let mut failure = None;
    fleet.details(|entry, report| {
        if failure.is_some() {
            return;
        }
        let mut rows = String::new();
        let mut row = |cells: Vec<String>| {
            let cells: Vec<String> = cells.iter().map(|c| cell(c)).collect();
            rows.push_str(&cells.join(","));
            rows.push_str("\r\n");
        };
        let head = |cells: &mut Vec<String>| {
            cells.push(entry.host.to_string());
            if let Some(group) = &entry.group {
                cells.push(group.to_string());
            }
            cells.push(entry.status.to_string());
            cells.push(entry.generated_at.to_string());
        };
        match report {
            Ok(report) => {
                for result in &report.results {
                    let mut cells = Vec::new();
                    head(&mut cells);
                    let evidence: Vec<String> = result
                        .evidence
                        .iter()
                        .map(|e| match &e.source {
                            Some(source) => format!("{}: {} [{source}]", e.label, e.text),
                            None => format!("{}: {}", e.label, e.text),
                        })
                        .collect();
                    cells.extend([
                        result.id.clone(),
                        result.kind.clone(),
                        result.severity.map(|s| s.to_string()).unwrap_or_default(),
                        result.status.to_string(),
                        result.summary.clone(),
                        evidence.join(" | "),
                        result.remediation.clone(),
                    ]);
                    if let Some(baseline) = context.baseline {
                        let change = super::baseline::change(
                            baseline.status(&entry.host, &result.id),
                            result.status,
                        );
                        cells.push(change.map(|c| c.as_str()).unwrap_or("").to_string());
                    }
                    row(cells);
                }
            }
            Err(reason) => {
                // The compact entry still knows every status; only the texts are lost.
                for result in entry.results.iter() {
                    let info = fleet.check_info(result.check);
                    let mut cells = Vec::new();
                    head(&mut cells);
                    cells.extend([
                        info.id.clone(),
                        info.kind.clone(),
                        info.severity.map(|s| s.to_string()).unwrap_or_default(),
                        result.status.to_string(),
                        format!("(details unavailable: {reason})"),
                        String::new(),
                        String::new(),
                    ]);
                    if context.baseline.is_some() {
                        cells.push(String::new());
                    }
                    row(cells);
                }
            }
        }
        if let Err(e) = out.write_all(rows.as_bytes()) {
            failure = Some(e);
        }
    });
    failure.map_or(Ok(()), Err)
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
