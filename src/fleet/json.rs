//! `json`: the aggregate, schema `mailaudit/fleet/v1`. `schema`, `tool`, `generated_at`
//! and `filters` first; then `hosts`, one compact object per line, streamed host by host
//! in input order (see [`super::stream`]); then the figures, pretty printed, and
//! `"end": true` (a cut file is visibly incomplete). A later run reads it back with
//! `--baseline`.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::Context;
use super::aggregate::{CheckFigures, Options};
use super::input::FLEET_SCHEMA;
use super::stream::HostRow;
use crate::report::{Status, Tool};

/// Writes the opening of the aggregate, up to the start of `hosts`.
pub fn write_head(
    out: &mut dyn Write,
    generated_at: &str,
    options: &Options,
) -> std::io::Result<()> {
    // Keys in this order (schema first: readers sniff it); serde_json's map would sort them.
    let mut head: Vec<(&str, Value)> = Vec::new();
    put(&mut head, "schema", json!(FLEET_SCHEMA));
    put(
        &mut head,
        "tool",
        serde_json::to_value(Tool::default()).unwrap_or_default(),
    );
    put(&mut head, "generated_at", json!(generated_at));
    put(
        &mut head,
        "filters",
        json!({
            "only_status": options.only_status,
            "checks": options.checks,
            "group_by": options.group_by,
        }),
    );
    out.write_all(b"{\n")?;
    write_members(out, &head)?;
    out.write_all(b"  \"hosts\": [")
}

/// Writes one host of `hosts` (one compact object per line).
pub fn write_host(out: &mut dyn Write, first: &mut bool, row: &HostRow) -> std::io::Result<()> {
    let separator = if *first { "\n    " } else { ",\n    " };
    *first = false;
    write!(out, "{separator}{}", host_value(row))
}

/// Closes `hosts` and writes the figures (known only once every host was read).
pub fn write_tail(context: &Context, out: &mut dyn Write, any_host: bool) -> std::io::Result<()> {
    let fleet = context.fleet;
    let mut head: Vec<(&str, Value)> = Vec::new();
    put(
        &mut head,
        "inputs",
        json!({
            "files": fleet.files.paths.len(),
            "reports": fleet.reports_read,
            "superseded": fleet.superseded,
            "unreadable": fleet.unreadable().map(|p| json!({"input": p.input, "reason": p.reason})).collect::<Vec<_>>(),
            "repaired": fleet.repaired().map(|p| json!({"input": p.input, "reason": p.reason})).collect::<Vec<_>>(),
        }),
    );
    put(
        &mut head,
        "summary",
        json!({
            "hosts": fleet.shown_hosts,
            "reporting_hosts": fleet.total_hosts,
            "by_status": by_status(&fleet.by_status),
            "compliance_percent": fleet.compliance(),
            "not_reporting": fleet.missing.iter().map(|m| json!({"host": m.host, "reason": m.reason})).collect::<Vec<_>>(),
        }),
    );
    put(
        &mut head,
        "checks",
        Value::Array(
            fleet
                .checks_in_order()
                .map(|(_, info, figures)| {
                    json!({
                        "id": info.id, "kind": info.kind, "title": info.title,
                        "severity": info.severity,
                        "ran": figures.ran(),
                        "by_status": by_status(figures),
                        "compliance_percent": figures.compliance(),
                    })
                })
                .collect(),
        ),
    );
    put(
        &mut head,
        "findings",
        Value::Array(
            fleet
                .findings
                .iter()
                .map(|f| {
                    json!({"check": fleet.check_info(f.check).id, "status": f.status,
                           "summary": f.text, "hosts": f.hosts})
                })
                .collect(),
        ),
    );
    if fleet.options.group_by.is_some() {
        put(&mut head,
            "groups",
            Value::Array(
                fleet
                    .groups
                    .iter()
                    .map(|g| {
                        let hosts: usize = g.figures.by_status.values().sum();
                        json!({"value": g.value, "hosts": hosts, "by_status": by_status(&g.figures),
                               "compliance_percent": super::aggregate::percent(g.figures.get(Status::Ok), hosts)})
                    })
                    .collect(),
            ),
        );
    }
    if let Some(changes) = context.changes {
        let counts = |c: &super::baseline::Counts| json!({"new": c.new, "fixed": c.fixed, "still_failing": c.still});
        put(
            &mut head,
            "changes",
            json!({
                "baseline_hosts": changes.baseline_hosts,
                "total": counts(&changes.total),
                "per_check": changes.per_check.iter().map(|(id, c)| {
                    let mut value = counts(c);
                    value["check"] = json!(id);
                    value
                }).collect::<Vec<_>>(),
                "no_longer_reporting": changes.gone,
                "new_hosts": changes.appeared,
            }),
        );
    }

    out.write_all(if any_host { b"\n  ],\n" } else { b"],\n" })?;
    write_members(out, &head)?;
    out.write_all(b"  \"end\": true\n}\n")
}

fn write_members(out: &mut dyn Write, members: &[(&str, Value)]) -> std::io::Result<()> {
    for (key, value) in members {
        let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
        writeln!(out, "  {}: {},", json!(key), text.replace('\n', "\n  "))?;
    }
    Ok(())
}

fn host_value(row: &HostRow) -> Value {
    let report = row.report;
    let results: Vec<Value> = report
        .results
        .iter()
        .map(|r| {
            let mut value =
                json!({"id": r.id, "kind": r.kind, "status": r.status, "summary": r.summary});
            if let Some(change) = row.change(&r.id, r.status) {
                value["change"] = json!(change.as_str());
            }
            value
        })
        .collect();
    let mut value = json!({
        "host": report.host,
        "generated_at": report.generated_at,
        "status": row.status,
        "summary": report.summary,
        "input": row.input,
        "results": results,
    });
    if let Some(group) = row.group {
        value["group"] = json!(group);
    }
    value
}

fn by_status(figures: &CheckFigures) -> Value {
    let mut map = Map::new();
    for status in Status::ALL {
        map.insert(status.as_str().into(), json!(figures.get(status)));
    }
    Value::Object(map)
}

fn put(head: &mut Vec<(&'static str, Value)>, key: &'static str, value: Value) {
    head.push((key, value));
}
