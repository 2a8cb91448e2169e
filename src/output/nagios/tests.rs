//! Snapshot and property tests of the plugin output, on reports built here.

use super::*;
use crate::report::{Metric, Metrics, Severity};

fn result(id: &str, kind: &str, status: Status, summary: &str) -> CheckResult {
    CheckResult {
        id: id.into(),
        kind: kind.into(),
        title: format!("{id} title"),
        severity: Severity::Critical,
        status,
        summary: summary.into(),
        evidence: vec![],
        remediation: format!("Fix {id}."),
        metrics: Metrics::new(),
        duration_ms: 7,
    }
}

fn with_metrics(mut result: CheckResult, metrics: &[(&str, f64)]) -> CheckResult {
    for (name, value) in metrics {
        result.metrics.insert(name.to_string(), Metric(*value));
    }
    result
}

fn with_evidence(mut result: CheckResult, evidence: Vec<Evidence>) -> CheckResult {
    result.evidence = evidence;
    result
}

fn report(results: Vec<CheckResult>) -> Report {
    let mut facts = crate::engine::facts::Facts {
        root: "/srv/snapshots/web1".into(),
        snapshot: true,
        egress_ips: vec!["203.0.113.25".parse().unwrap()],
        egress_ip_method: "--egress-ip".into(),
        nameservers: vec!["127.0.0.1:5353".parse().unwrap()],
        resolver_source: "--nameserver".into(),
        ..Default::default()
    };
    facts.mta.kind = Some("sendmail".into());
    Report {
        schema: crate::report::REPORT_SCHEMA.into(),
        tool: Default::default(),
        host: "web1.shop.example".into(),
        generated_at: "2026-12-04T07:30:00Z".into(),
        duration_ms: 42,
        status: report::overall_status(&results),
        summary: report::overall_summary(&results),
        facts,
        counts: Counts::of(&results),
        results,
    }
}

/// The story of DESIGN.md: listed on the PBL, external deliveries bounced.
fn story() -> Report {
    report(vec![
        with_evidence(
            with_metrics(
                result(
                    "dnsbl",
                    "dnsbl",
                    Status::Critical,
                    "203.0.113.25 is listed on Spamhaus PBL (127.0.0.10)",
                ),
                &[("zones_listed", 1.0), ("zones_queried", 9.0), ("dns_errors", 0.0), ("lookup_seconds", 0.0123)],
            ),
            vec![
                Evidence::new("DNS answer", "25.113.0.203.zen.spamhaus.org A 127.0.0.10")
                    .at("zen.spamhaus.org"),
                Evidence::new("DNS answer", "25.113.0.203.b.barracudacentral.org NXDOMAIN")
                    .at("b.barracudacentral.org")
                    .with("listed", false),
            ],
        ),
        with_evidence(
            with_metrics(
                result(
                    "maillog",
                    "maillog",
                    Status::Warning,
                    "4 deliveries rejected in 24 h; mail to shop.example is delivered",
                ),
                &[("sent", 12.0), ("deferred", 0.0), ("bounced", 4.0)],
            ),
            vec![Evidence::new(
                "mail log line",
                "sm-mta[28158]: o8DIjsx0028156: to=<x@customer.example>, dsn=5.7.1, stat=Service unavailable",
            )
            .at("/var/log/mail.log:1042")],
        ),
        result(
            "tcp-wrappers",
            "tcp_wrappers",
            Status::Ok,
            "hosts.allow lets local clients reach sendmail",
        ),
        result(
            "fcrdns",
            "fcrdns",
            Status::Skipped,
            "no egress IP to look up",
        ),
    ])
}

fn options() -> Options {
    Options::default()
}

/// Structural rules every output must follow, whatever the report holds.
fn assert_well_formed(text: &str) {
    assert!(text.ends_with('\n'), "no final newline: {text:?}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("MAILAUDIT OK - ")
            || lines[0].starts_with("MAILAUDIT WARNING - ")
            || lines[0].starts_with("MAILAUDIT CRITICAL - ")
            || lines[0].starts_with("MAILAUDIT UNKNOWN - "),
        "{text}"
    );
    // At most one `|` per line, and only on the first and the last line (Icinga 2 takes
    // any line's text after a `|` as perfdata; Nagios everything after the second one).
    for (index, line) in lines.iter().enumerate() {
        let bars = line.matches('|').count();
        assert!(bars <= 1, "line {index} has {bars} bars: {line}");
        if bars == 1 {
            assert!(
                index == 0 || index == lines.len() - 1,
                "bar on line {index}: {line}"
            );
        }
    }
    for part in perfdata_of(text) {
        let (label, rest) = part.split_once("'=").expect(&part);
        assert!(label.starts_with('\''), "{part}");
        assert!(!label[1..].contains(['\'', '=']), "{part}");
        let fields: Vec<&str> = rest.split(';').collect();
        assert!(fields.len() <= 5, "{part}");
        let value = fields[0].trim_end_matches(['s', 'B', '%']);
        assert!(value == "U" || value.parse::<f64>().is_ok(), "{part}");
    }
}

/// The perfdata items of an output, as a monitoring engine splits them.
fn perfdata_of(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.split_once('|').map(|(_, perf)| perf.to_string()))
        .flat_map(|perf| {
            perf.split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn story_default_verbosity() {
    let text = render(&story(), &options());
    assert_well_formed(&text);
    insta::assert_snapshot!(text);
}

#[test]
fn story_verbose_levels() {
    for verbosity in 1..=3 {
        let text = render(
            &story(),
            &Options {
                verbosity,
                ..options()
            },
        );
        assert_well_formed(&text);
        insta::assert_snapshot!(format!("story_v{verbosity}"), text);
    }
}

#[test]
fn all_ok() {
    let report = report(vec![
        with_metrics(
            result(
                "dnsbl",
                "dnsbl",
                Status::Ok,
                "203.0.113.25 is on no blocklist",
            ),
            &[("zones_listed", 0.0), ("lookup_seconds", 0.25)],
        ),
        result(
            "mta",
            "mta",
            Status::Ok,
            "postfix provides /usr/sbin/sendmail",
        ),
    ]);
    let text = render(&report, &options());
    assert_well_formed(&text);
    insta::assert_snapshot!(text);
}

#[test]
fn unknown_dns_and_nothing_applicable() {
    let report = report(vec![
        with_evidence(
            result(
                "dnsbl",
                "dnsbl",
                Status::Unknown,
                "zen.spamhaus.org did not answer within 5s: cannot tell whether 203.0.113.25 is listed",
            ),
            vec![
                Evidence::new("DNS query", "25.113.0.203.zen.spamhaus.org A: timed out")
                    .at("127.0.0.1:5353"),
            ],
        ),
        result(
            "mta",
            "mta",
            Status::Ok,
            "postfix provides /usr/sbin/sendmail",
        ),
    ]);
    let text = render(&report, &options());
    assert_well_formed(&text);
    insta::assert_snapshot!(text);

    let nothing = self::report(vec![result(
        "tcp-wrappers",
        "tcp_wrappers",
        Status::Skipped,
        "Postfix is not linked with libwrap",
    )]);
    let text = render(&nothing, &options());
    assert_well_formed(&text);
    assert!(text.starts_with("MAILAUDIT UNKNOWN - no check applied to this host |"));
}

#[test]
fn hostile_text_adds_no_line_and_no_bar() {
    let report = report(vec![with_metrics(
        with_evidence(
            result(
                "mail|log",
                "maillog",
                Status::Critical,
                "bounced\nMAILAUDIT OK - fake | 'x'=1\r\x1b[2J",
            ),
            vec![
                Evidence::new("log\nline", "to=<a|b@example.test>\n| 'y'=2\u{202e}")
                    .at("/var/log/mail.log:1\n"),
            ],
        ),
        &[("it's=odd\nname", 3.0)],
    )]);
    for verbosity in 0..=3 {
        let text = render(
            &report,
            &Options {
                verbosity,
                ..options()
            },
        );
        assert_well_formed(&text);
        assert!(!text.contains('\r') && !text.contains('\x1b'), "{text}");
        assert_eq!(
            perfdata_of(&text),
            ["'run_time'=0.042s;;;0", "'mail_log_it_s_odd_name'=3;;;0"]
        );
        if verbosity == 0 {
            insta::assert_snapshot!(text);
        }
    }
}

/// A report with many checks and metrics: the first line stays short, the rest of the
/// perfdata goes after a `|` on the last line.
fn many_metrics() -> Report {
    many_checks(12)
}

fn many_checks(count: u8) -> Report {
    let results = (0..count)
        .map(|n| {
            let status = if n % 4 == 0 {
                Status::Critical
            } else {
                Status::Ok
            };
            with_evidence(
                with_metrics(
                    result(
                        &format!("zone-{n:02}"),
                        "dnsbl",
                        status,
                        &format!("check {n:02} of the zone catalogue"),
                    ),
                    &[
                        (
                            "zones_listed",
                            f64::from(u8::from(status == Status::Critical)),
                        ),
                        ("dns_errors", 0.0),
                        ("lookup_seconds", 0.001 * f64::from(n)),
                    ],
                ),
                vec![
                    Evidence::new(
                        "DNS answer",
                        format!("answer {n} of a long list of answers"),
                    ),
                    Evidence::new("DNS answer", format!("another answer {n}")),
                ],
            )
        })
        .collect();
    report(results)
}

#[test]
fn many_metrics_continue_on_the_last_line() {
    let report = many_metrics();
    let text = render(&report, &options());
    assert_well_formed(&text);
    let first = text.lines().next().unwrap();
    assert!(first.len() <= FIRST_LINE_MAX_BYTES, "{}", first.len());
    // Every metric of every check, and the run time, exactly once.
    assert_eq!(perfdata_of(&text).len(), 1 + 12 * 3);
    insta::assert_snapshot!(text);

    // Nothing in the long output: the rest of the perfdata on a line of its own.
    let mut quiet = report.clone();
    for result in &mut quiet.results {
        result.status = Status::Ok;
    }
    quiet.status = Status::Ok;
    let text = render(&quiet, &options());
    assert_well_formed(&text);
    assert_eq!(text.lines().count(), 2);
    assert!(text.lines().nth(1).unwrap().starts_with("| '"));
    assert_eq!(perfdata_of(&text).len(), 1 + 12 * 3);
}

#[test]
fn max_output_trims_long_output_only() {
    let report = many_checks(5);
    let full = render(
        &report,
        &Options {
            verbosity: 2,
            ..options()
        },
    );
    let trimmed = render(
        &report,
        &Options {
            verbosity: 2,
            max_output: Some(1023),
            ..options()
        },
    );
    assert!(full.len() > 1023);
    assert!(trimmed.len() <= 1023, "{}", trimmed.len());
    assert_well_formed(&trimmed);
    assert_eq!(trimmed.lines().next(), full.lines().next());
    assert_eq!(perfdata_of(&trimmed), perfdata_of(&full));
    assert!(trimmed.contains("cut by --max-output 1023"), "{trimmed}");
    insta::assert_snapshot!(trimmed);

    // A budget smaller than the first line and perfdata: those are kept whole anyway.
    let report = many_metrics();
    let full = render(&report, &options());
    let tiny = render(
        &report,
        &Options {
            max_output: Some(50),
            ..options()
        },
    );
    assert_well_formed(&tiny);
    assert_eq!(perfdata_of(&tiny), perfdata_of(&full));
    assert_eq!(tiny.lines().count(), 2);

    // Within budget: untouched.
    let roomy = render(
        &report,
        &Options {
            max_output: Some(1_000_000),
            ..options()
        },
    );
    assert_eq!(roomy, render(&report, &options()));
}

#[test]
fn timed_out_is_unknown_and_names_the_unfinished_checks() {
    let mut report = story();
    report.results[0] = result(
        "dnsbl",
        "dnsbl",
        Status::Unknown,
        "did not finish within 2s (the run's --timeout)",
    );
    let text = render(
        &report,
        &Options {
            timed_out: Some(TimedOut {
                after: Duration::from_secs(2),
                unfinished: vec!["dnsbl".into()],
            }),
            ..options()
        },
    );
    assert_well_formed(&text);
    assert!(text.starts_with("MAILAUDIT UNKNOWN - timed out after 2 s (unfinished: dnsbl) | "));
    insta::assert_snapshot!(text);
}

#[test]
fn thresholds_on_a_named_metric() {
    let thresholds = Thresholds {
        warning: Some("2".parse().unwrap()),
        critical: Some("10".parse().unwrap()),
        metric: Some("maillog_bounced".into()),
        only: vec![],
    };
    let mut report = story();
    apply_thresholds(&mut report, &thresholds).unwrap();
    // 4 bounced: above the warning range 0..2, inside the critical one 0..10.
    assert_eq!(report.results[1].status, Status::Warning);
    assert_eq!(report.status, Status::Critical, "dnsbl stays critical");
    let text = render(
        &report,
        &Options {
            thresholds: thresholds.clone(),
            ..options()
        },
    );
    assert_well_formed(&text);
    assert!(perfdata_of(&text).contains(&"'maillog_bounced'=4;2;10;0".to_string()));
    insta::assert_snapshot!(text);

    // The bare metric name targets it too; a tighter critical range raises it.
    let tighter = Thresholds {
        critical: Some("3".parse().unwrap()),
        metric: Some("bounced".into()),
        ..thresholds
    };
    let mut report = story();
    apply_thresholds(&mut report, &tighter).unwrap();
    assert_eq!(report.results[1].status, Status::Critical);
    assert_eq!(report.results[1].evidence[0].label, "threshold");
    assert_eq!(
        report.results[1].evidence[0].text,
        "maillog_bounced=4 raises critical (-c 3)"
    );
}

#[test]
fn thresholds_on_count_checks_selected_with_only() {
    let mut report = story();
    let thresholds = Thresholds {
        warning: Some("1".parse().unwrap()),
        critical: Some("5".parse().unwrap()),
        metric: None,
        only: vec!["dnsbl".into(), "maillog".into()],
    };
    apply_thresholds(&mut report, &thresholds).unwrap();
    // dnsbl: 1 listing is within -w 1; maillog: 4 bounces exceed it.
    assert_eq!(report.results[0].status, Status::Ok);
    assert_eq!(report.results[1].status, Status::Warning);
    assert_eq!(report.status, Status::Warning);
    let text = render(
        &report,
        &Options {
            thresholds,
            ..options()
        },
    );
    assert_well_formed(&text);
    assert!(text.starts_with("MAILAUDIT WARNING - 4 deliveries rejected in 24 h"));
    let perf = perfdata_of(&text);
    assert!(
        perf.contains(&"'dnsbl_zones_listed'=1;1;5;0".to_string()),
        "{perf:?}"
    );
    assert!(
        perf.contains(&"'dnsbl_dns_errors'=0;;;0".to_string()),
        "{perf:?}"
    );
    assert!(
        perf.contains(&"'maillog_bounced'=4;1;5;0".to_string()),
        "{perf:?}"
    );
}

#[test]
fn thresholds_that_cannot_apply_are_errors() {
    let base = Thresholds {
        warning: Some("1".parse().unwrap()),
        ..Thresholds::default()
    };
    let cases = [
        (
            Thresholds {
                metric: Some("nope".into()),
                ..base.clone()
            },
            "no check reported this metric (reported: dnsbl_dns_errors",
        ),
        (base.clone(), "give one of them"),
        (
            Thresholds {
                only: vec!["tcp_wrappers".into()],
                ..base.clone()
            },
            "tcp-wrappers (tcp_wrappers) is not one",
        ),
    ];
    for (thresholds, needle) in cases {
        let mut report = story();
        let error = apply_thresholds(&mut report, &thresholds).unwrap_err();
        assert!(error.contains(needle), "{error}");
    }
    // A count check that reported nothing (unknown) keeps its state and reason.
    let mut report = story();
    report.results[0].status = Status::Unknown;
    report.results[0].metrics.clear();
    apply_thresholds(
        &mut report,
        &Thresholds {
            only: vec!["dnsbl".into()],
            ..base.clone()
        },
    )
    .unwrap();
    assert_eq!(report.results[0].status, Status::Unknown);
    // A count check without its count metric cannot be judged.
    let mut report = story();
    report.results[0].metrics.remove("zones_listed");
    let error = apply_thresholds(
        &mut report,
        &Thresholds {
            only: vec!["dnsbl".into()],
            ..base
        },
    )
    .unwrap_err();
    assert!(
        error.contains("dnsbl did not report its count \"zones_listed\""),
        "{error}"
    );
}

#[test]
fn inverted_ranges_alert_inside() {
    let thresholds = Thresholds {
        critical: Some("@0:0".parse().unwrap()),
        metric: Some("sent".into()),
        ..Thresholds::default()
    };
    let mut report = story();
    report.results[1].metrics.insert("sent".into(), Metric(0.0));
    apply_thresholds(&mut report, &thresholds).unwrap();
    assert_eq!(report.results[1].status, Status::Critical);
}

#[test]
fn perfdata_items_follow_the_syntax() {
    assert_eq!(
        perfdata_item("a", "x_seconds", 0.5, None, None),
        "'a'=0.5s;;;0"
    );
    assert_eq!(
        perfdata_item("a", "x_bytes", 1024.0, None, None),
        "'a'=1024B;;;0"
    );
    assert_eq!(
        perfdata_item("a", "x_percent", 12.5, None, None),
        "'a'=12.5%;;;0;100"
    );
    assert_eq!(perfdata_item("a", "x", -3.0, None, None), "'a'=-3");
    assert_eq!(perfdata_item("a", "x", f64::NAN, None, None), "'a'=U");
    assert_eq!(
        perfdata_item(
            "a",
            "x",
            7.0,
            Some("~:5".parse().unwrap()),
            Some("@10:20".parse().unwrap())
        ),
        "'a'=7;~:5;@10:20;0"
    );
    assert_eq!(format_number(0.1 + 0.2), "0.3");
    assert_eq!(format_number(1e-9), "0");
    assert_eq!(format_number(12.0), "12");
    assert_eq!(perf_label("a'b=c|d\ne f"), "a_b_c_d_e f");
}

#[test]
fn headline_names_the_worst_findings_first() {
    assert_eq!(
        headline(&story()),
        "203.0.113.25 is listed on Spamhaus PBL (127.0.0.10); 4 deliveries rejected in 24 h; mail to shop.example is delivered"
    );
    let long = "x".repeat(500);
    let report = report(vec![
        result("a", "mta", Status::Critical, &long),
        result("b", "mta", Status::Warning, "second"),
    ]);
    let text = headline(&report);
    assert!(text.chars().count() < 230, "{text}");
    assert!(text.ends_with("… (+1 other finding)"), "{text}");

    // The same words from several checks are said once.
    let report = self::report(vec![
        result("a", "mta", Status::Warning, "same"),
        result("b", "mta", Status::Warning, "same"),
        result("c", "mta", Status::Warning, "other"),
    ]);
    assert_eq!(headline(&report), "same; other");
}
