//! Snapshot tests of every single-host output format over one sample report that carries
//! the story's findings and hostile host-derived strings (escape sequences, markup,
//! newlines, `|`). Review snapshot changes like code.

use std::collections::BTreeMap;

use mailaudit::checks::mta::MtaFacts;
use mailaudit::engine::facts::Facts;
use mailaudit::output::{self, Format, Style};
use mailaudit::report::{
    CheckResult, Counts, Evidence, Metric, Report, Severity, Status, Tool, overall_status,
    overall_summary,
};

fn result(id: &str, kind: &str, status: Status, summary: &str) -> CheckResult {
    CheckResult {
        id: id.into(),
        kind: kind.into(),
        title: format!("{id} title"),
        severity: Severity::Critical,
        status,
        summary: summary.into(),
        evidence: vec![],
        remediation: format!("fix {id}"),
        metrics: BTreeMap::new(),
        duration_ms: 3,
    }
}

fn sample() -> Report {
    let mut dnsbl = result(
        "dnsbl",
        "dnsbl",
        Status::Critical,
        "203.0.113.25 is listed on Spamhaus PBL (127.0.0.10)",
    );
    dnsbl.evidence.push(
        Evidence::new("DNS answer", "25.113.0.203.zen.spamhaus.org A 127.0.0.10")
            .at("zen.spamhaus.org")
            .with("code", "127.0.0.10"),
    );
    dnsbl.remediation =
        "Request removal at https://check.spamhaus.org/ or relay through a smarthost".into();
    dnsbl.metrics.insert("zones_listed".into(), Metric(1.0));
    dnsbl.metrics.insert("lookup_seconds".into(), Metric(0.052));
    let mut maillog = result(
        "maillog",
        "maillog",
        Status::Warning,
        "4 deliveries rejected in 24h | own domain delivers",
    );
    maillog.severity = Severity::Warning;
    maillog.evidence.push(
        Evidence::new(
            "mail log line",
            "sm-mta[1]: to=<x@customer.example>, stat=Service unavailable \x1b[2J<script>alert(1)</script>\nforged line",
        )
        .at("/var/log/mail.log:12"),
    );
    maillog.metrics.insert("bounced".into(), Metric(4.0));
    let mut tcp = result(
        "tcp-wrappers",
        "tcp_wrappers",
        Status::Ok,
        "local clients may submit; hosts.allow/hosts.deny never affect outbound delivery",
    );
    tcp.remediation = "Nothing to do.".into();
    let skipped = result("fcrdns", "fcrdns", Status::Skipped, "no egress IP to check");
    let unknown = result(
        "mailbox-bounces",
        "mailbox_bounces",
        Status::Unknown,
        "/var/mail/www-data: permission denied (run as root, or as a member of the file's group)",
    );
    let results = vec![tcp, dnsbl, maillog, skipped, unknown];
    Report {
        schema: "mailaudit/report/v1".into(),
        tool: Tool {
            name: "mailaudit".into(),
            version: "0.0.0-test".into(),
        },
        host: "web1.shop.example".into(),
        generated_at: "2026-12-04T12:00:00Z".into(),
        duration_ms: 42,
        status: overall_status(&results),
        summary: overall_summary(&results),
        facts: Facts {
            root: "/srv/snapshots/web1".into(),
            snapshot: true,
            hostname: Some("web1".into()),
            fqdn: Some("web1.shop.example".into()),
            domain: Some("shop.example".into()),
            egress_ips: vec!["203.0.113.25".parse().unwrap()],
            egress_ip_method: "--egress-ip".into(),
            mta: MtaFacts {
                kind: Some("sendmail".into()),
                sendmail_path: "/usr/sbin/sendmail".into(),
                ..MtaFacts::default()
            },
            ..Facts::default()
        },
        counts: Counts::of(&results),
        results,
    }
}

#[test]
fn human_plain() {
    insta::assert_snapshot!(output::render(&sample(), Format::Human, Style::default()));
}

#[test]
fn human_colour() {
    let text = output::render(&sample(), Format::Human, Style { colour: true });
    // Our own colour codes are there; the log's escape sequence is not.
    assert!(text.contains("\x1b[1;31mCRITICAL"));
    assert!(!text.contains("\x1b[2J"));
    insta::assert_snapshot!(text);
}

#[test]
fn json_v1() {
    let text = output::render(&sample(), Format::Json, Style::default());
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["schema"], "mailaudit/report/v1");
    assert_eq!(value["status"], "critical");
    assert_eq!(value["counts"]["skipped"], 1);
    // Round trip: a v1 report reads back to the same value (the fleet report relies on it).
    let back: Report = serde_json::from_str(&text).unwrap();
    assert_eq!(back, sample());
    insta::assert_snapshot!(text);
}

#[test]
fn junit() {
    let text = output::render(&sample(), Format::Junit, Style::default());
    assert!(!text.contains("<script>"));
    assert!(!text.contains('\x1b'));
    insta::assert_snapshot!(text);
}

#[test]
fn prometheus() {
    insta::assert_snapshot!(output::render(
        &sample(),
        Format::Prometheus,
        Style::default()
    ));
}
