//! `mailaudit report`: the fleet report from the fixture fleet (`fixtures/fleet/`): v1
//! reports, an older duplicate, `ansible --tree` files (one unreachable host), a fleet
//! playbook's not-audited note, JSON Lines
//! with a cut line, bad inputs, an expected-hosts inventory and last week's baseline.
//! Snapshots of every text format (reviewed), and the bad-input contract.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: &str = "2026-12-04T08:00:00Z";
const INPUTS: [&str; 5] = [
    "fixtures/fleet/reports",
    "fixtures/fleet/tree",
    "fixtures/fleet/not-audited",
    "fixtures/fleet/lines.jsonl",
    "fixtures/fleet/bad",
];

fn mailaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn report(format: &str, extra: &[&str]) -> (String, String, i32) {
    let mut args = vec!["report", "--format", format, "--now", NOW];
    args.extend(INPUTS);
    args.extend(extra);
    let output = mailaudit(&args);
    (
        String::from_utf8(output.stdout).expect("the report is UTF-8"),
        String::from_utf8_lossy(&output.stderr).into_owned(),
        output.status.code().unwrap_or(-1),
    )
}

const FULL: [&str; 6] = [
    "--expected-hosts",
    "fixtures/fleet/expected-hosts.ini",
    "--baseline",
    "fixtures/fleet/baseline",
    "--group-by",
    "mta.kind",
];

#[test]
fn markdown_snapshot() {
    let (text, stderr, code) = report("markdown", &FULL);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("fleet_markdown", text);
}

#[test]
fn csv_snapshot() {
    let (text, stderr, code) = report("csv", &["--baseline", "fixtures/fleet/baseline"]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("fleet_csv", text);
}

#[test]
fn json_snapshot() {
    let (text, stderr, code) = report("json", &FULL);
    assert_eq!(code, 0, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(value["schema"], "mailaudit/fleet/v1");
    let text = text.replace(env!("CARGO_PKG_VERSION"), "[version]");
    insta::assert_snapshot!("fleet_json", text);
}

#[test]
fn junit_snapshot() {
    let (text, stderr, code) = report("junit", &[]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!("fleet_junit", text);
}

#[test]
fn counts_dedup_and_input_problems() {
    let (text, stderr, _) = report(
        "json",
        &["--expected-hosts", "fixtures/fleet/expected-hosts.ini"],
    );
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    // 8 readable reports, mail2 twice (the newer, ok one counts).
    assert_eq!(value["inputs"]["reports"], 8);
    assert_eq!(value["inputs"]["superseded"], 1);
    assert_eq!(value["summary"]["hosts"], 7);
    let mail2 = value["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == "mail2.corp.example")
        .unwrap();
    assert_eq!(mail2["status"], "ok");
    assert_eq!(mail2["generated_at"], "2026-12-04T07:31:00Z");
    let by_status = &value["summary"]["by_status"];
    assert_eq!(
        (
            &by_status["critical"],
            &by_status["warning"],
            &by_status["ok"]
        ),
        (&3.into(), &2.into(), &2.into())
    );
    let missing: Vec<&str> = value["summary"]["not_reporting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["host"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        [
            "web10.shop.example",
            "web11.shop.example",
            "web5.shop.example"
        ]
    );
    let reasons: Vec<String> = value["inputs"]["unreadable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["input"].as_str().unwrap(),
                p["reason"].as_str().unwrap()
            )
        })
        .collect();
    for expected in [
        "fixtures/fleet/lines.jsonl:3: truncated JSON",
        "fixtures/fleet/bad/empty.json: empty file",
        "fixtures/fleet/bad/newer-schema.json: schema mailaudit/report/v2 is not supported",
        "fixtures/fleet/bad/notes.txt: not a JSON report",
        "fixtures/fleet/bad/truncated.json: truncated JSON",
    ] {
        assert!(
            reasons.iter().any(|r| r.starts_with(expected)),
            "{expected} not in {reasons:#?}"
        );
    }
    assert_eq!(reasons.len(), 5, "{reasons:#?}");
    // Non-UTF-8 inside a string does not lose the host: repaired and listed.
    let repaired = &value["inputs"]["repaired"][0];
    assert_eq!(repaired["input"], "fixtures/fleet/bad/latin1.json");
    assert!(value["hosts"].to_string().contains("caf\u{fffd}.example"));
    // Each unreadable input is also named on stderr.
    assert!(
        stderr.contains("fixtures/fleet/bad/truncated.json: truncated JSON"),
        "{stderr}"
    );
}

#[test]
fn filters_select_hosts_and_checks() {
    let (text, _, code) = report(
        "json",
        &["--check", "dnsbl", "--only-status", "critical,unknown"],
    );
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let hosts: Vec<(&str, &str)> = value["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["host"].as_str().unwrap(), h["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        hosts,
        // Streamed: in input order.
        [
            ("mx3.exim.example", "unknown"),
            ("web1.shop.example", "critical"),
            ("web4.shop.example", "critical"),
        ]
    );
    assert_eq!(value["checks"].as_array().unwrap().len(), 1);
    assert_eq!(
        value["summary"]["reporting_hosts"], 5,
        "hosts that ran dnsbl"
    );
}

#[test]
fn a_json_aggregate_is_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let aggregate = dir.path().join("last-week.json");
    let mut args = vec![
        "report",
        "--format",
        "json",
        "--output",
        aggregate.to_str().unwrap(),
    ];
    args.extend(INPUTS);
    assert_eq!(mailaudit(&args).status.code(), Some(0));
    let (text, _, _) = report("json", &["--baseline", aggregate.to_str().unwrap()]);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let total = &value["changes"]["total"];
    assert_eq!((&total["new"], &total["fixed"]), (&0.into(), &0.into()));
    // web1 (dnsbl, mailbox_bounces), web4 (dnsbl, fcrdns), web6 (mta), mx3 (fcrdns), web8 (mta).
    assert_eq!(total["still_failing"], 7);
    assert_eq!(value["changes"]["baseline_hosts"], 7);
    // As an input (not a baseline) the aggregate is refused with a hint.
    let output = mailaudit(&["report", "--format", "csv", aggregate.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&output.stderr).contains("pass it with --baseline"));
}

#[test]
fn nothing_readable_exits_3_but_still_reports_why() {
    let output = mailaudit(&[
        "report",
        "--format",
        "markdown",
        "fixtures/fleet/bad/empty.json",
        "/nonexistent/reports",
    ]);
    assert_eq!(output.status.code(), Some(3));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Unreadable inputs: **2**"), "{text}");
    assert!(
        text.contains("/nonexistent/reports: cannot read: No such file"),
        "{text}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no readable report among the inputs"),
        "{stderr}"
    );
}

#[test]
fn an_unwritable_output_is_a_clear_error() {
    let output = mailaudit(&[
        "report",
        "--output",
        "/nonexistent/dir/fleet.html",
        "fixtures/fleet/reports",
    ]);
    assert_eq!(output.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "--output /nonexistent/dir/fleet.html: cannot write: No such file or directory"
        ),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_100_mb_file_is_refused_unread_and_the_rest_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("huge.json");
    // A pretty-printed document start, then 100 MB of padding: not a host report.
    let file = std::fs::File::create(&big).unwrap();
    use std::io::Write;
    let mut writer = std::io::BufWriter::new(file);
    writer
        .write_all(b"{\n  \"schema\": \"mailaudit/report/v1\",\n  \"host\": \"")
        .unwrap();
    let chunk = vec![b'x'; 1024 * 1024];
    for _ in 0..100 {
        writer.write_all(&chunk).unwrap();
    }
    writer.write_all(b"\"\n}\n").unwrap();
    drop(writer);
    let output = mailaudit(&[
        "report",
        "--format",
        "csv",
        big.to_str().unwrap(),
        "fixtures/fleet/reports/web1.shop.example.json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("huge.json: 100.0 MB is larger than a host report can be (16 MB): not read"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("web1.shop.example,critical"));
}

#[test]
fn a_directory_of_50000_files_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    for i in 0..50_000 {
        let status = if i % 10 == 0 { "critical" } else { "ok" };
        let text = format!(
            r#"{{"schema":"mailaudit/report/v1","host":"h{i}.example","generated_at":"2026-12-04T07:00:00Z","status":"{status}","summary":"s","results":[{{"id":"dnsbl","kind":"dnsbl","status":"{status}","summary":"x"}}]}}"#
        );
        std::fs::write(reports.join(format!("h{i}.json")), text).unwrap();
    }
    let out = dir.path().join("fleet.json");
    let output = mailaudit(&[
        "report",
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
        reports.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(value["summary"]["hosts"], 50_000);
    assert_eq!(value["summary"]["by_status"]["critical"], 5_000);
    assert_eq!(value["checks"][0]["compliance_percent"], 90.0);
}

/// Where e2e and look-at-it outputs go.
pub fn output_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn html_escapes_every_hostile_string() {
    let (text, _, code) = report("html", &FULL);
    assert_eq!(code, 0);
    assert!(
        !text.contains("<script>alert"),
        "raw script tag in the page"
    );
    assert!(!text.contains("<img"), "raw img tag in the page");
    assert!(!text.contains("id=\"injected\""));
    assert!(text.contains("&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"));
    assert_eq!(
        text.matches("<script").count(),
        1,
        "only the page's own script"
    );
    assert!(!text.contains("src=\"http"), "nothing external");
    std::fs::write(output_dir("fleet-html").join("fixture-fleet.html"), &text).unwrap();
}

#[test]
fn json_lines_with_a_broken_first_line_keep_the_other_lines() {
    let dir = tempfile::tempdir().unwrap();
    let lines = dir.path().join("fleet.jsonl");
    let good = r#"{"schema":"mailaudit/report/v1","host":"h1.example","generated_at":"2026-12-04T07:00:00Z","status":"ok","summary":"s","results":[]}"#;
    std::fs::write(&lines, format!("{{\"schema\": \"mailaudit/rep\n{good}\n")).unwrap();
    let output = mailaudit(&[
        "report",
        "--format",
        "csv",
        "--check",
        "x",
        lines.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("fleet.jsonl:1: truncated JSON"), "{stderr}");
    let output = mailaudit(&["report", "--format", "json", lines.to_str().unwrap()]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["summary"]["hosts"], 1);
    assert_eq!(
        value["hosts"][0]["input"]
            .as_str()
            .unwrap()
            .rsplit(':')
            .next(),
        Some("2")
    );
}

#[test]
fn devices_and_fifos_are_not_read() {
    let output = mailaudit(&[
        "report",
        "--format",
        "csv",
        "/dev/zero",
        "fixtures/fleet/reports/web1.shop.example.json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/dev/zero: not a regular file: not read"),
        "{stderr}"
    );
}

#[test]
fn a_large_json_aggregate_is_a_baseline_too() {
    // Over the 16 MB bound of a single report: read streaming, as an aggregate.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("last-week.json");
    let mut text = String::from(
        "{\n  \"schema\": \"mailaudit/fleet/v1\",\n  \"generated_at\": \"2026-11-27T08:00:00Z\",\n  \"hosts\": [",
    );
    let padding = "x".repeat(400);
    for i in 0..40_000 {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            "\n    {{\"host\":\"h{i}.example\",\"generated_at\":\"2026-11-27T07:00:00Z\",\"status\":\"critical\",\"summary\":\"{padding}\",\
             \"results\":[{{\"id\":\"dnsbl\",\"kind\":\"dnsbl\",\"status\":\"critical\",\"summary\":\"listed\"}}]}}"
        ));
    }
    text.push_str("\n  ],\n  \"end\": true\n}\n");
    assert!(text.len() > 16 * 1024 * 1024);
    std::fs::write(&path, text).unwrap();
    let (json, stderr, code) = report("json", &["--baseline", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["changes"]["baseline_hosts"], 40_000);
    assert_eq!(
        value["changes"]["no_longer_reporting"]
            .as_array()
            .unwrap()
            .len(),
        40_000
    );
}
