//! `markdown`: the fleet report for a ticket or a wiki page. Every host-derived string is
//! escaped (Markdown punctuation with `\`, HTML with entities), so a log line cannot
//! inject markup into the rendered ticket. Per-host details are given for hosts that are
//! not ok; ok hosts are listed by name.

use std::fmt::Write as _;
use std::io::Write;

use super::Context;
use super::aggregate::percent;
use crate::report::Status;

/// Hosts listed per check; the rest are counted (the csv format lists them all).
const FAILING_HOSTS_SHOWN: usize = 50;

pub fn render(context: &Context, out: &mut dyn Write) -> std::io::Result<()> {
    let fleet = context.fleet;
    let mut text = String::new();
    let t = &mut text;
    let _ = writeln!(t, "# mailaudit fleet report\n");
    let _ = writeln!(
        t,
        "Generated {} from {} reports in {} input files ({} older duplicates ignored).",
        context.generated_at,
        fleet.reports_read,
        fleet.files.paths.len(),
        fleet.superseded
    );
    if let Some(filter) = fleet.filter_description() {
        let _ = writeln!(t, "\nFiltered: {}.", md(&filter));
    }
    if let Some(group) = &fleet.options.group_by {
        let _ = writeln!(t, "\nGrouped by fact `{}`.", group.replace('`', "'"));
    }

    let _ = writeln!(t, "\n## Summary\n");
    let _ = writeln!(t, "| Status | Hosts |\n|---|---:|");
    for status in Status::ALL {
        if status != Status::Skipped {
            let _ = writeln!(t, "| {status} | {} |", fleet.by_status.get(status));
        }
    }
    let _ = writeln!(t, "| **total** | **{}** |", fleet.hosts.len());
    let _ = writeln!(
        t,
        "\nCompliance: **{}** of hosts have every check ok.",
        percent_text(fleet.compliance())
    );
    let _ = writeln!(
        t,
        "\nHosts that did not report: **{}**.",
        fleet.missing.len()
    );
    for missing in &fleet.missing {
        let _ = writeln!(t, "- {}: {}", md(&missing.host), md(&missing.reason));
    }
    let unreadable: Vec<_> = fleet.unreadable().collect();
    let _ = writeln!(t, "\nUnreadable inputs: **{}**.", unreadable.len());
    for problem in unreadable {
        let _ = writeln!(t, "- {}: {}", md(&problem.input), md(&problem.reason));
    }
    let repaired: Vec<_> = fleet.repaired().collect();
    if !repaired.is_empty() {
        let _ = writeln!(t, "\nInputs used after a repair: **{}**.", repaired.len());
        for problem in repaired {
            let _ = writeln!(t, "- {}: {}", md(&problem.input), md(&problem.reason));
        }
    }

    if !fleet.findings.is_empty() {
        let _ = writeln!(t, "\n## Most common findings\n");
        for finding in fleet.findings.iter().take(10) {
            let _ = writeln!(
                t,
                "1. **{} host{}** — {} ({}): {}",
                finding.hosts,
                if finding.hosts == 1 { "" } else { "s" },
                md(&fleet.check_info(finding.check).id),
                finding.status,
                md(&finding.text)
            );
        }
    }

    let _ = writeln!(t, "\n## Checks\n");
    let _ = writeln!(
        t,
        "| Check | Title | Ran on | OK | Warning | Critical | Unknown | Skipped | Compliance |\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    for (_, info, figures) in fleet.checks_in_order() {
        let _ = writeln!(
            t,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            md(&info.id),
            md(&info.title),
            figures.ran(),
            figures.get(Status::Ok),
            figures.get(Status::Warning),
            figures.get(Status::Critical),
            figures.get(Status::Unknown),
            figures.get(Status::Skipped),
            percent_text(figures.compliance())
        );
    }

    if let Some(changes) = context.changes {
        let _ = writeln!(t, "\n## Changes since the baseline\n");
        let _ = writeln!(
            t,
            "Baseline: {} hosts. New failures: **{}**, fixed: **{}**, still failing: **{}**; {} hosts new since the baseline.",
            changes.baseline_hosts,
            changes.total.new,
            changes.total.fixed,
            changes.total.still,
            changes.appeared
        );
        if let Some(gone) = &changes.gone
            && !gone.is_empty()
        {
            let names: Vec<String> = gone.iter().map(|h| md(h)).collect();
            let _ = writeln!(
                t,
                "\nNo longer reporting ({}): {}.",
                gone.len(),
                names.join(", ")
            );
        }
        let _ = writeln!(
            t,
            "\n| Check | New | Fixed | Still failing |\n|---|---:|---:|---:|"
        );
        for (id, counts) in &changes.per_check {
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} |",
                md(id),
                counts.new,
                counts.fixed,
                counts.still
            );
        }
        if !changes.per_host.is_empty() {
            let _ = writeln!(t);
        }
        for host in &changes.per_host {
            let parts: Vec<String> = host
                .changes
                .iter()
                .map(|(id, change)| format!("{} {}", md(id), change.as_str()))
                .collect();
            let _ = writeln!(t, "- {}: {}", md(&host.host), parts.join(", "));
        }
    }

    if fleet.options.group_by.is_some() && !fleet.groups.is_empty() {
        let _ = writeln!(
            t,
            "\n## Hosts by {}\n",
            md(fleet.options.group_by.as_deref().unwrap_or(""))
        );
        let _ = writeln!(
            t,
            "| Value | Hosts | OK | Warning | Critical | Unknown | Compliance |\n|---|---:|---:|---:|---:|---:|---:|"
        );
        for group in &fleet.groups {
            let hosts: usize = group.figures.by_status.values().sum();
            let _ = writeln!(
                t,
                "| {} | {hosts} | {} | {} | {} | {} | {} |",
                md(&group.value),
                group.figures.get(Status::Ok),
                group.figures.get(Status::Warning),
                group.figures.get(Status::Critical),
                group.figures.get(Status::Unknown),
                percent_text(percent(group.figures.get(Status::Ok), hosts))
            );
        }
    }

    let _ = writeln!(t, "\n## Failing hosts per check");
    for (index, info, figures) in fleet.checks_in_order() {
        let failing: Vec<_> = fleet.failing_on(index).collect();
        if failing.is_empty() {
            continue;
        }
        let _ = writeln!(
            t,
            "\n### {} — {} ({} failing, {} unknown)\n",
            md(&info.id),
            md(&info.title),
            figures.failing(),
            figures.get(Status::Unknown)
        );
        for (_, host, result) in failing.iter().take(FAILING_HOSTS_SHOWN) {
            let _ = writeln!(
                t,
                "- **{}** ({}): {}",
                md(&host.host),
                result.status,
                md(host.failure_summary(result.check))
            );
        }
        if failing.len() > FAILING_HOSTS_SHOWN {
            let _ = writeln!(
                t,
                "- … and {} more hosts",
                failing.len() - FAILING_HOSTS_SHOWN
            );
        }
    }
    out.write_all(text.as_bytes())?;

    out.write_all(b"\n## Hosts\n")?;
    let mut ok_hosts = Vec::new();
    let mut failure = None;
    fleet.details(|entry, report| {
        if failure.is_some() {
            return;
        }
        if entry.status == Status::Ok {
            ok_hosts.push(md(&entry.host));
            return;
        }
        let mut t = String::new();
        let group = entry
            .group
            .as_deref()
            .map(|g| format!(", {}", md(g)))
            .unwrap_or_default();
        let _ = writeln!(
            t,
            "\n### {} — {}{group}\n",
            md(&entry.host),
            entry.status.as_str().to_uppercase()
        );
        let _ = writeln!(
            t,
            "{} (report of {})\n",
            md(&entry.summary),
            md(&entry.generated_at)
        );
        match report {
            Ok(report) => {
                for result in &report.results {
                    let _ = writeln!(
                        t,
                        "- **{}** {} — {}: {}",
                        result.status,
                        md(&result.id),
                        md(&result.title),
                        md(&result.summary)
                    );
                    if result.status == Status::Ok {
                        continue;
                    }
                    for evidence in &result.evidence {
                        let source = evidence
                            .source
                            .as_deref()
                            .map(|s| format!(" ({})", md(s)))
                            .unwrap_or_default();
                        let _ = writeln!(
                            t,
                            "  - {}: {}{source}",
                            md(&evidence.label),
                            md(&evidence.text)
                        );
                    }
                    if !result.remediation.is_empty() {
                        let _ = writeln!(t, "  - *Remediation:* {}", md(&result.remediation));
                    }
                }
            }
            Err(reason) => {
                let _ = writeln!(t, "- details unavailable: {}", md(&reason));
            }
        }
        if let Err(e) = out.write_all(t.as_bytes()) {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if !ok_hosts.is_empty() {
        writeln!(
            out,
            "\nEvery check ok ({}): {}.",
            ok_hosts.len(),
            ok_hosts.join(", ")
        )?;
    }
    Ok(())
}

fn percent_text(value: Option<f64>) -> String {
    value.map_or("n/a".to_string(), |v| format!("{v:.1} %"))
}

/// Host-derived text made inert in Markdown: punctuation escaped, HTML as entities,
/// control characters visible. Pure.
pub fn md(text: &str) -> String {
    let text = crate::text::printable(text);
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::md;

    #[test]
    fn host_text_cannot_inject_markup() {
        assert_eq!(
            md("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            md("a|b [x](http://e) *y*"),
            "a\\|b \\[x\\](http://e) \\*y\\*"
        );
        assert_eq!(md("line\nbreak"), "line\\\\x0abreak");
    }
}
