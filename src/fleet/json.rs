//! `json`: the aggregate, schema `mailaudit/fleet/v1`. The figures come first (pretty
//! printed); `hosts` comes last, one compact object per line, streamed host by host.
//! A later run reads it back with `--baseline`.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::Context;
use super::aggregate::{CheckFigures, HostEntry};
use super::input::FLEET_SCHEMA;
use crate::report::{Status, Tool};

pub fn render(context: &Context, out: &mut dyn Write) -> std::io::Result<()> {
    let fleet = context.fleet;
    // Keys in this order (schema first: readers sniff it); serde_json's map would sort them.
    let mut head: Vec<(&str, Value)> = Vec::new();
    put(&mut head, "schema", json!(FLEET_SCHEMA));
    put(
        &mut head,
        "tool",
        serde_json::to_value(Tool::default()).unwrap_or_default(),
    );
    put(&mut head, "generated_at", json!(context.generated_at));
    put(
        &mut head,
        "filters",
        json!({
            "only_status": fleet.options.only_status,
            "checks": fleet.options.checks,
            "group_by": fleet.options.group_by,
        }),
    );
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
            "hosts": fleet.hosts.len(),
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
                "per_host": changes.per_host.iter().map(|h| json!({
                    "host": h.host,
                    "changes": h.changes.iter().map(|(id, c)| json!({"check": id, "change": c.as_str()})).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
                "no_longer_reporting": changes.gone,
                "new_hosts": changes.appeared,
            }),
        );
    }

    out.write_all(b"{\n")?;
    for (key, value) in &head {
        let text = serde_json::to_string_pretty(value).map_err(std::io::Error::other)?;
        writeln!(out, "  {}: {},", json!(key), text.replace('\n', "\n  "))?;
    }
    out.write_all(b"  \"hosts\": [")?;
    let mut first = true;
    let mut failure = None;
    fleet.details(|entry, report| {
        if failure.is_some() {
            return;
        }
        let host = host_value(context, entry, report.as_ref().ok(), report.as_ref().err());
        let separator = if first { "\n    " } else { ",\n    " };
        first = false;
        if let Err(e) = write!(out, "{separator}{host}") {
            failure = Some(e);
        }
    });
    if let Some(e) = failure {
        return Err(e);
    }
    out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })
}

fn host_value(
    context: &Context,
    entry: &HostEntry,
    report: Option<&super::input::HostReport>,
    error: Option<&String>,
) -> Value {
    let fleet = context.fleet;
    let results: Vec<Value> = match report {
        Some(report) => report
            .results
            .iter()
            .map(|r| {
                let mut value =
                    json!({"id": r.id, "kind": r.kind, "status": r.status, "summary": r.summary});
                if let Some(baseline) = context.baseline
                    && let Some(change) =
                        super::baseline::change(baseline.status(&entry.host, &r.id), r.status)
                {
                    value["change"] = json!(change.as_str());
                }
                value
            })
            .collect(),
        None => entry
            .results
            .iter()
            .map(|r| {
                let info = fleet.check_info(r.check);
                json!({"id": info.id, "kind": info.kind, "status": r.status})
            })
            .collect(),
    };
    let mut value = json!({
        "host": &*entry.host,
        "generated_at": entry.generated_at,
        "status": entry.status,
        "summary": report.map_or(&*entry.summary, |r| r.summary.as_str()),
        "input": fleet.files.describe(entry.location),
        "results": results,
    });
    if let Some(group) = &entry.group {
        value["group"] = json!(group);
    }
    if let Some(error) = error {
        value["note"] = json!(format!("details unavailable: {error}"));
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
