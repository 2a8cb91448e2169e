//! `html`: one self-contained page (no external script, font, style or image: it must open
//! from a mail attachment on an air-gapped laptop). Summary tiles, an inline SVG bar chart
//! of failing hosts per check, per-check tables, a host table sorted and filtered by a few
//! lines of inline script, and collapsible per-host details.
//!
//! Every host-derived string goes through [`esc`]. As a second line of defence, a Content
//! Security Policy allows only this page's own style and script (by hash): even markup
//! that slipped through could neither run a script nor load anything.

use std::fmt::Write as _;
use std::io::Write;

use super::Context;
use super::aggregate::{Fleet, HostEntry, percent};
use super::input::HostReport;
use crate::report::Status;

/// Failing hosts listed under each check; the host table has them all.
const FAILING_HOSTS_SHOWN: usize = 500;

/// Escapes text for HTML element content and quoted attribute values, control characters
/// made visible first. Ten lines beat a dependency: these five characters are all HTML
/// needs in those two contexts (text is never placed in a script, style or URL). Pure.
pub fn esc(text: &str) -> String {
    let text = crate::text::printable(text);
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub const STYLE: &str = include_str!("report.css");
pub const SCRIPT: &str = include_str!("report.js");
/// `sha256-` + base64 of SHA-256 of [`STYLE`] and [`SCRIPT`] (the CSP allows exactly
/// these). Regenerate after editing either file:
/// `openssl dgst -sha256 -binary src/fleet/report.js | base64`
/// (the unit test below and the browser test fail when they drift).
pub const STYLE_HASH: &str = "sha256-Gcy2fLnR/Qg7ToS7j9HMtrKaJWVawxAxjKqJdaeRtYY=";
pub const SCRIPT_HASH: &str = "sha256-F7NtcMT5fEOzFhXPrt3OX/8nsd/FRk3XuGCeQfoNwB8=";

pub fn render(context: &Context, out: &mut dyn Write) -> std::io::Result<()> {
    let fleet = context.fleet;
    let mut page = String::with_capacity(64 * 1024);
    let p = &mut page;
    let _ = write!(
        p,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{STYLE_HASH}'; \
         script-src '{SCRIPT_HASH}'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>mailaudit fleet report — {} hosts</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        fleet.hosts.len()
    );
    let _ = write!(
        p,
        "<header><h1>mailaudit fleet report</h1><p class=\"meta\">Generated {} · {} reports from {} input files",
        esc(&context.generated_at),
        fleet.reports_read,
        fleet.files.paths.len()
    );
    if fleet.superseded > 0 {
        let _ = write!(p, " · {} older duplicates ignored", fleet.superseded);
    }
    if let Some(filter) = fleet.filter_description() {
        let _ = write!(p, " · <strong>filtered</strong>: {}", esc(&filter));
    }
    if let Some(group) = &fleet.options.group_by {
        let _ = write!(p, " · grouped by <code>{}</code>", esc(group));
    }
    p.push_str("</p></header>\n<main>\n");

    tiles(p, context);
    findings(p, fleet);
    chart(p, fleet);
    checks(p, fleet);
    changes(p, context);
    groups(p, fleet);
    problems(p, fleet);
    host_table(p, fleet);
    out.write_all(page.as_bytes())?;

    out.write_all(b"<section id=\"details\"><h2>Host details</h2>\n")?;
    let mut failure = None;
    let mut index = 0usize;
    fleet.details(|entry, report| {
        if failure.is_none() {
            let mut block = String::with_capacity(4096);
            host_details(&mut block, index, entry, report);
            if let Err(e) = out.write_all(block.as_bytes()) {
                failure = Some(e);
            }
        }
        index += 1;
    });
    if let Some(e) = failure {
        return Err(e);
    }
    write!(
        out,
        "</section>\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
    )
}

fn tiles(p: &mut String, context: &Context) {
    let fleet = context.fleet;
    p.push_str("<section class=\"tiles\" aria-label=\"Summary\">\n");
    let mut tile = |id: &str, class: &str, value: String, label: &str| {
        let _ = writeln!(
            p,
            "<div class=\"tile {class}\"><span class=\"value\" id=\"tile-{id}\">{value}</span><span class=\"label\">{label}</span></div>"
        );
    };
    tile("hosts", "total", fleet.hosts.len().to_string(), "hosts");
    tile(
        "compliance",
        "compliance",
        percent_text(fleet.compliance()),
        "compliant (every check ok)",
    );
    for status in [
        Status::Critical,
        Status::Warning,
        Status::Unknown,
        Status::Ok,
    ] {
        tile(
            status.as_str(),
            status.as_str(),
            fleet.by_status.get(status).to_string(),
            status.as_str(),
        );
    }
    tile(
        "missing",
        if fleet.missing.is_empty() {
            "quiet"
        } else {
            "missing"
        },
        fleet.missing.len().to_string(),
        "did not report",
    );
    let unreadable = fleet.unreadable().count();
    tile(
        "unreadable",
        if unreadable == 0 { "quiet" } else { "missing" },
        unreadable.to_string(),
        "unreadable inputs",
    );
    if let Some(changes) = context.changes {
        tile(
            "new",
            "critical",
            changes.total.new.to_string(),
            "new failures",
        );
        tile("fixed", "ok", changes.total.fixed.to_string(), "fixed");
    }
    p.push_str("</section>\n");
}

fn findings(p: &mut String, fleet: &Fleet) {
    if fleet.findings.is_empty() {
        return;
    }
    p.push_str("<section><h2>Most common findings</h2>\n<ol class=\"findings\">\n");
    for finding in fleet.findings.iter().take(10) {
        let info = fleet.check_info(finding.check);
        let _ = writeln!(
            p,
            "<li><span class=\"count\">{}</span> host{} <span class=\"badge {}\">{}</span> <code>{}</code> {}</li>",
            finding.hosts,
            if finding.hosts == 1 { "" } else { "s" },
            finding.status,
            finding.status,
            esc(&info.id),
            esc(&finding.text)
        );
    }
    p.push_str("</ol></section>\n");
}

/// Horizontal stacked bars: critical, then warning, then unknown hosts per check.
fn chart(p: &mut String, fleet: &Fleet) {
    let mut bars: Vec<_> = fleet
        .checks_in_order()
        .map(|(_, info, figures)| {
            (
                info,
                figures.get(Status::Critical),
                figures.get(Status::Warning),
                figures.get(Status::Unknown),
            )
        })
        .collect();
    bars.sort_by(|a, b| {
        (b.1 + b.2)
            .cmp(&(a.1 + a.2))
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    let max = bars
        .iter()
        .map(|b| b.1 + b.2 + b.3)
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_width, bar_width, row) = (170.0, 460.0, 30.0);
    let height = row * bars.len() as f64 + 34.0;
    let _ = write!(
        p,
        "<section><h2>Failing hosts per check</h2>\n<svg class=\"chart\" id=\"chart\" role=\"img\" viewBox=\"0 0 720 {height}\" width=\"720\" height=\"{height}\" \
         aria-label=\"Failing hosts per check\" xmlns=\"http://www.w3.org/2000/svg\">\n"
    );
    for (i, (info, critical, warning, unknown)) in bars.iter().enumerate() {
        let y = row * i as f64 + 6.0;
        let _ = write!(
            p,
            "<g class=\"bar\" data-check=\"{}\" data-failing=\"{}\"><title>{}: {} critical, {} warning, {} unknown</title>\
             <text class=\"axis\" x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            esc(&info.id),
            critical + warning,
            esc(&info.id),
            critical,
            warning,
            unknown,
            label_width - 10.0,
            y + 15.0,
            esc(&crate::text::truncate(&info.id, 22))
        );
        let mut x = label_width;
        for (count, class) in [
            (critical, "critical"),
            (warning, "warning"),
            (unknown, "unknown"),
        ] {
            if *count == 0 {
                continue;
            }
            let width = (*count as f64 / max as f64 * bar_width).max(2.0);
            let _ = write!(
                p,
                "<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y}\" width=\"{width:.1}\" height=\"20\" rx=\"3\"/>"
            );
            x += width;
        }
        let _ = writeln!(
            p,
            "<text class=\"figure\" x=\"{:.1}\" y=\"{}\">{}</text></g>",
            x + 6.0,
            y + 15.0,
            critical + warning
        );
    }
    let legend_y = row * bars.len() as f64 + 20.0;
    let _ = writeln!(
        p,
        "<g class=\"legend\"><rect class=\"critical\" x=\"{label_width}\" y=\"{}\" width=\"12\" height=\"12\"/><text x=\"{}\" y=\"{legend_y}\">critical</text>\
         <rect class=\"warning\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\"/><text x=\"{}\" y=\"{legend_y}\">warning</text>\
         <rect class=\"unknown\" x=\"{}\" y=\"{}\" width=\"12\" height=\"12\"/><text x=\"{}\" y=\"{legend_y}\">unknown (not counted as failing)</text></g>",
        legend_y - 10.0,
        label_width + 16.0,
        label_width + 90.0,
        legend_y - 10.0,
        label_width + 106.0,
        label_width + 180.0,
        legend_y - 10.0,
        label_width + 196.0
    );
    p.push_str("</svg></section>\n");
}

fn checks(p: &mut String, fleet: &Fleet) {
    p.push_str(
        "<section><h2>Checks</h2>\n<table class=\"checks\" id=\"checks\"><thead><tr><th>Check</th><th>Title</th>\
         <th class=\"num\">Ran on</th><th class=\"num\">OK</th><th class=\"num\">Warning</th><th class=\"num\">Critical</th>\
         <th class=\"num\">Unknown</th><th class=\"num\">Skipped</th><th>Compliance</th></tr></thead><tbody>\n",
    );
    for (index, info, figures) in fleet.checks_in_order() {
        let compliance = figures.compliance();
        let _ = writeln!(
            p,
            "<tr data-check=\"{}\"><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"compliance\"><meter min=\"0\" max=\"100\" low=\"80\" high=\"95\" optimum=\"100\" value=\"{}\"></meter> {}</td></tr>",
            esc(&info.id),
            esc(&info.id),
            esc(&info.title),
            figures.ran(),
            figures.get(Status::Ok),
            figures.get(Status::Warning),
            figures.get(Status::Critical),
            figures.get(Status::Unknown),
            figures.get(Status::Skipped),
            compliance.unwrap_or(0.0),
            percent_text(compliance)
        );
        let failing: Vec<_> = fleet.failing_on(index).collect();
        if failing.is_empty() {
            continue;
        }
        let _ = writeln!(
            p,
            "<tr class=\"failing-hosts\"><td colspan=\"9\"><details><summary>{} host{} not ok on <code>{}</code></summary><ul>",
            failing.len(),
            if failing.len() == 1 { "" } else { "s" },
            esc(&info.id)
        );
        for (position, host, result) in failing.iter().take(FAILING_HOSTS_SHOWN) {
            let _ = writeln!(
                p,
                "<li><span class=\"badge {}\">{}</span> <a href=\"#h{position}\"><strong>{}</strong></a> {}</li>",
                result.status,
                result.status,
                esc(&host.host),
                esc(host.failure_summary(result.check))
            );
        }
        if failing.len() > FAILING_HOSTS_SHOWN {
            let _ = writeln!(
                p,
                "<li>… and {} more: filter the host table below</li>",
                failing.len() - FAILING_HOSTS_SHOWN
            );
        }
        p.push_str("</ul></details></td></tr>\n");
    }
    p.push_str("</tbody></table></section>\n");
}

fn changes(p: &mut String, context: &Context) {
    let Some(changes) = context.changes else {
        return;
    };
    let _ = write!(
        p,
        "<section id=\"changes\"><h2>Changes since the baseline</h2>\n<p>Baseline: {} hosts. \
         <span class=\"badge critical\">{} new failures</span> <span class=\"badge ok\">{} fixed</span> \
         <span class=\"badge warning\">{} still failing</span> · {} hosts new since the baseline.</p>\n",
        changes.baseline_hosts,
        changes.total.new,
        changes.total.fixed,
        changes.total.still,
        changes.appeared
    );
    if let Some(gone) = &changes.gone
        && !gone.is_empty()
    {
        let names: Vec<String> = gone.iter().map(|h| esc(h)).collect();
        let _ = writeln!(
            p,
            "<p>No longer reporting ({}): {}</p>",
            gone.len(),
            names.join(", ")
        );
    }
    p.push_str("<table><thead><tr><th>Check</th><th class=\"num\">New</th><th class=\"num\">Fixed</th><th class=\"num\">Still failing</th></tr></thead><tbody>\n");
    for (id, counts) in &changes.per_check {
        let _ = writeln!(
            p,
            "<tr><td><code>{}</code></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(id),
            counts.new,
            counts.fixed,
            counts.still
        );
    }
    p.push_str("</tbody></table>\n");
    if !changes.per_host.is_empty() {
        let _ = writeln!(
            p,
            "<details><summary>{} hosts with changes</summary><ul>",
            changes.per_host.len()
        );
        for host in &changes.per_host {
            let parts: Vec<String> = host
                .changes
                .iter()
                .map(|(id, change)| {
                    let class = match change {
                        super::baseline::Change::New => "critical",
                        super::baseline::Change::Fixed => "ok",
                        super::baseline::Change::StillFailing => "warning",
                    };
                    format!(
                        "<span class=\"badge {class}\">{}</span> <code>{}</code>",
                        change.as_str(),
                        esc(id)
                    )
                })
                .collect();
            let _ = writeln!(
                p,
                "<li><strong>{}</strong> {}</li>",
                esc(&host.host),
                parts.join(" ")
            );
        }
        p.push_str("</ul></details>\n");
    }
    p.push_str("</section>\n");
}

fn groups(p: &mut String, fleet: &Fleet) {
    let Some(fact) = &fleet.options.group_by else {
        return;
    };
    let _ = write!(
        p,
        "<section><h2>Hosts by <code>{}</code></h2>\n<table class=\"groups\" id=\"groups\"><thead><tr><th>Value</th><th class=\"num\">Hosts</th>\
         <th class=\"num\">OK</th><th class=\"num\">Warning</th><th class=\"num\">Critical</th><th class=\"num\">Unknown</th><th>Compliance</th></tr></thead><tbody>\n",
        esc(fact)
    );
    for group in &fleet.groups {
        let hosts: usize = group.figures.by_status.values().sum();
        let compliance = percent(group.figures.get(Status::Ok), hosts);
        let _ = writeln!(
            p,
            "<tr><td>{}</td><td class=\"num\">{hosts}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"compliance\"><meter min=\"0\" max=\"100\" low=\"80\" high=\"95\" optimum=\"100\" value=\"{}\"></meter> {}</td></tr>",
            esc(&group.value),
            group.figures.get(Status::Ok),
            group.figures.get(Status::Warning),
            group.figures.get(Status::Critical),
            group.figures.get(Status::Unknown),
            compliance.unwrap_or(0.0),
            percent_text(compliance)
        );
    }
    p.push_str("</tbody></table></section>\n");
}

fn problems(p: &mut String, fleet: &Fleet) {
    if !fleet.missing.is_empty() {
        let _ = writeln!(
            p,
            "<section id=\"missing\"><h2>Hosts that did not report ({})</h2><ul class=\"plain\">",
            fleet.missing.len()
        );
        for missing in &fleet.missing {
            let _ = writeln!(
                p,
                "<li><strong>{}</strong> {}</li>",
                esc(&missing.host),
                esc(&missing.reason)
            );
        }
        p.push_str("</ul></section>\n");
    }
    let unreadable: Vec<_> = fleet.unreadable().collect();
    let repaired: Vec<_> = fleet.repaired().collect();
    if unreadable.is_empty() && repaired.is_empty() {
        return;
    }
    let _ = writeln!(
        p,
        "<section id=\"unreadable\"><h2>Input problems</h2><p>{} unreadable input{} (not counted), {} used after a repair.</p><ul class=\"plain\">",
        unreadable.len(),
        if unreadable.len() == 1 { "" } else { "s" },
        repaired.len()
    );
    for problem in unreadable.iter().chain(repaired.iter()) {
        let _ = writeln!(
            p,
            "<li><code>{}</code> {}</li>",
            esc(&problem.input),
            esc(&problem.reason)
        );
    }
    p.push_str("</ul></section>\n");
}

fn host_table(p: &mut String, fleet: &Fleet) {
    let grouped = fleet.options.group_by.is_some();
    let _ = write!(
        p,
        "<section id=\"host-list\"><h2>Hosts</h2>\n<div class=\"controls\"><input id=\"filter\" type=\"search\" placeholder=\"Filter hosts: name, summary, group…\" aria-label=\"Filter hosts\">\
         <select id=\"status-filter\" aria-label=\"Status\"><option value=\"\">every status</option><option>critical</option><option>warning</option><option>unknown</option><option>ok</option></select>\
         <span id=\"shown\">{} of {} hosts shown</span></div>\n<table class=\"hosts\" id=\"hosts\"><thead><tr><th data-sort=\"text\">Host</th>",
        fleet.hosts.len(),
        fleet.hosts.len()
    );
    if grouped {
        p.push_str("<th data-sort=\"text\">Group</th>");
    }
    p.push_str(
        "<th data-sort=\"num\" aria-sort=\"descending\">Status</th><th data-sort=\"num\" class=\"num\">Failing</th>\
         <th data-sort=\"num\" class=\"num\">Unknown</th><th data-sort=\"text\">Summary</th><th data-sort=\"text\">Report of</th></tr></thead><tbody>\n",
    );
    for (index, entry) in fleet.hosts.iter().enumerate() {
        let failing = entry
            .results
            .iter()
            .filter(|r| matches!(r.status, Status::Warning | Status::Critical))
            .count();
        let unknown = entry
            .results
            .iter()
            .filter(|r| r.status == Status::Unknown)
            .count();
        let _ = write!(
            p,
            "<tr data-status=\"{}\"><td><a href=\"#h{index}\">{}</a></td>",
            entry.status,
            esc(&entry.host)
        );
        if grouped {
            let _ = write!(p, "<td>{}</td>", esc(entry.group.as_deref().unwrap_or("")));
        }
        let _ = writeln!(
            p,
            "<td data-v=\"{}\"><span class=\"badge {}\">{}</span></td><td class=\"num\">{failing}</td><td class=\"num\">{unknown}</td>\
             <td class=\"summary\">{}</td><td class=\"time\">{}</td></tr>",
            entry.status as u8,
            entry.status,
            entry.status,
            esc(&entry.summary),
            esc(&entry.generated_at)
        );
    }
    p.push_str("</tbody></table></section>\n");
}

fn host_details(
    p: &mut String,
    index: usize,
    entry: &HostEntry,
    report: Result<HostReport, String>,
) {
    let _ = writeln!(
        p,
        "<details class=\"host\" id=\"h{index}\"><summary><span class=\"badge {}\">{}</span> <strong>{}</strong> <span class=\"muted\">{}</span></summary>",
        entry.status,
        entry.status,
        esc(&entry.host),
        esc(&entry.summary)
    );
    match report {
        Err(reason) => {
            let _ = writeln!(
                p,
                "<p class=\"muted\">Details unavailable: {}</p>",
                esc(&reason)
            );
        }
        Ok(report) => {
            let _ = write!(
                p,
                "<p class=\"muted\">Report of {}",
                esc(&report.generated_at)
            );
            if let Some(group) = &entry.group {
                let _ = write!(p, " · group {}", esc(group));
            }
            p.push_str("</p>\n<ul class=\"results\">\n");
            for result in &report.results {
                let _ = write!(
                    p,
                    "<li class=\"result {}\"><span class=\"badge {}\">{}</span> <code>{}</code> <strong>{}</strong>: {}",
                    result.status,
                    result.status,
                    result.status,
                    esc(&result.id),
                    esc(&result.title),
                    esc(&result.summary)
                );
                if !result.evidence.is_empty() {
                    p.push_str("<dl class=\"evidence\">");
                    for evidence in &result.evidence {
                        let _ = write!(p, "<dt>{}", esc(&evidence.label));
                        if let Some(source) = &evidence.source {
                            let _ = write!(p, " <span class=\"source\">{}</span>", esc(source));
                        }
                        let _ = write!(p, "</dt><dd><code>{}</code></dd>", esc(&evidence.text));
                    }
                    p.push_str("</dl>");
                }
                if result.status != Status::Ok && !result.remediation.is_empty() {
                    let _ = write!(
                        p,
                        "<p class=\"remediation\"><strong>Next step:</strong> {}</p>",
                        esc(&result.remediation)
                    );
                }
                p.push_str("</li>\n");
            }
            p.push_str("</ul>\n");
        }
    }
    p.push_str("</details>\n");
}

fn percent_text(value: Option<f64>) -> String {
    value.map_or("n/a".to_string(), |v| format!("{v:.1} %"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        assert_eq!(
            esc("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(
            esc("\"><img src=x onerror=alert(1)>"),
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
        );
        assert_eq!(esc("it's & \x1b[2J"), "it&#39;s &amp; \\x1b[2J");
    }

    /// The CSP hashes must match the style and script, or the browser refuses them.
    #[test]
    fn csp_hashes_match_the_inline_style_and_script() {
        for (text, hash) in [(STYLE, STYLE_HASH), (SCRIPT, SCRIPT_HASH)] {
            let Ok(mut child) = std::process::Command::new("openssl")
                .args(["dgst", "-sha256", "-binary"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
            else {
                eprintln!("openssl not found: CSP hashes checked only by the browser test");
                return;
            };
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            let digest = child.wait_with_output().unwrap().stdout;
            assert_eq!(format!("sha256-{}", base64(&digest)), hash);
        }
    }

    fn base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, b)| n | (*b as u32) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}
