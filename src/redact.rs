//! `--redact`: mail addresses and subjects are masked in evidence and summaries, so a
//! report can travel (tickets, Ansible registered results) without personal data.

use std::sync::LazyLock;

use regex::Regex;

use crate::report::Report;

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+=/'-]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)").expect("valid regex")
});

/// Evidence data keys whose whole value is personal.
const SECRET_KEYS: [&str; 3] = ["subject", "body", "from_header"];

/// Masks the local part of every mail address: `alice@customer.example` becomes
/// `…@customer.example` (the domain is kept: it is what delivery depends on).
pub fn text(text: &str) -> String {
    ADDRESS.replace_all(text, "…@$1").into_owned()
}

/// Redacts a whole report in place.
pub fn report(report: &mut Report) {
    report.summary = text(&report.summary);
    // Facts carry addresses too (PHP `sendmail_path -f sender@…`): redact every string,
    // through the serialised form so that fields added later are covered as well.
    if let Ok(mut facts) = serde_json::to_value(&report.facts) {
        redact_value(&mut facts);
        if let Ok(redacted) = serde_json::from_value(facts) {
            report.facts = redacted;
        }
    }
    for result in &mut report.results {
        result.summary = text(&result.summary);
        for evidence in &mut result.evidence {
            evidence.text = text(&evidence.text);
            for (key, value) in evidence.data.iter_mut() {
                if SECRET_KEYS.contains(&key.as_str()) {
                    *value = serde_json::Value::String("[redacted]".into());
                } else {
                    redact_value(value);
                }
            }
        }
    }
}

fn redact_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => *s = text(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_value),
        serde_json::Value::Object(map) => map.values_mut().for_each(redact_value),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_parts_are_masked_domains_kept() {
        assert_eq!(
            text("to=<x.y+tag@customer.example>, ctladdr=<www-data@web1.example> (33/33)"),
            "to=<…@customer.example>, ctladdr=<…@web1.example> (33/33)"
        );
        assert_eq!(text("no address here"), "no address here");
    }
}
