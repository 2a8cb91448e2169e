//! The `tcp_wrappers` check run by the binary on host snapshots: the story's red herrings,
//! a host that really refuses local submission, and hostile hosts.allow/hosts.deny files.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const OUTBOUND: &str = "hosts.allow/hosts.deny never affect outbound delivery";

fn fixture(host: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hosts")
        .join(host)
}

fn run_check(root: &Path) -> (Output, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .args(["run", "--root"])
        .arg(root)
        .args(["--only", "tcp_wrappers", "--format", "json"])
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is one JSON report ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{report:#}");
    let result = results[0].clone();
    assert_eq!(result["kind"], "tcp_wrappers");
    (output, result)
}

fn evidence_with_source<'a>(result: &'a Value, label: &str, source: &str) -> &'a Value {
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["label"] == label && e["source"] == source)
        .unwrap_or_else(|| panic!("no {label} evidence at {source}: {result:#}"))
}

fn summary(result: &Value) -> &str {
    result["summary"].as_str().unwrap()
}

#[test]
fn the_story_host_accepts_local_submission_and_clears_the_suspects() {
    let (output, result) = run_check(&fixture("story-sendmail"));
    assert_eq!(result["status"], "ok", "{result:#}");
    assert_eq!(output.status.code(), Some(0));
    let summary = summary(&result);
    assert!(summary.contains(OUTBOUND), "{summary}");
    assert!(summary.contains("127.0.0.1, ::1"), "{summary}");
    assert!(
        summary.contains("/etc/hosts.allow:10 `sendmail: LOCAL`"),
        "{summary}"
    );
    let deciding = evidence_with_source(&result, "deciding rule", "/etc/hosts.allow:10");
    assert_eq!(deciding["data"]["access"], "granted");
    assert_eq!(
        deciding["data"]["clients"],
        serde_json::json!(["127.0.0.1 (localhost)", "::1 (localhost)"])
    );
    let paranoid = evidence_with_source(&result, "rule not deciding", "/etc/hosts.deny:12");
    let text = paranoid["text"].as_str().unwrap();
    assert!(text.starts_with("ALL: PARANOID"), "{text}");
    assert!(text.contains("cannot refuse local submission"), "{text}");
    assert!(
        result["remediation"]
            .as_str()
            .unwrap()
            .contains("look at the outbound side"),
        "{result:#}"
    );
}

#[test]
fn a_deny_all_host_refuses_local_submission_with_the_deciding_rule() {
    let (output, result) = run_check(&fixture("sendmail-denied-local"));
    // The default profile's severity for this check.
    assert_eq!(result["status"], "critical", "{result:#}");
    assert_eq!(output.status.code(), Some(2));
    let summary = summary(&result);
    assert!(summary.contains(OUTBOUND), "{summary}");
    assert!(
        summary.contains("/etc/hosts.deny:5 `ALL: ALL`"),
        "{summary}"
    );
    assert!(summary.contains("mqueue-client"), "{summary}");
    let deciding = evidence_with_source(&result, "deciding rule", "/etc/hosts.deny:5");
    assert_eq!(deciding["data"]["access"], "denied");
    // The operator's `sm-mta: LOCAL` is explained: wrong daemon name.
    let misnamed = evidence_with_source(&result, "daemon name", "/etc/hosts.allow:7");
    assert!(
        misnamed["text"].as_str().unwrap().contains("never applies"),
        "{misnamed:#}"
    );
    assert!(
        result["remediation"]
            .as_str()
            .unwrap()
            .contains("`sendmail: 127.0.0.1 [::1]`"),
        "{result:#}"
    );
    assert_eq!(result["metrics"]["local_clients_denied"], 2);
}

/// A minimal Debian sendmail host in a temporary directory.
fn sendmail_host() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for sub in [
        "etc/mail",
        "usr/sbin",
        "usr/lib/sm.bin",
        "var/lib/dpkg/info",
    ] {
        std::fs::create_dir_all(root.join(sub)).unwrap();
    }
    std::fs::write(root.join("etc/hostname"), "web7\n").unwrap();
    std::fs::write(
        root.join("etc/hosts"),
        "127.0.0.1 localhost\n192.0.2.7 web7.wrap.example web7\n::1 localhost ip6-localhost\n",
    )
    .unwrap();
    std::fs::write(root.join("etc/mail/sendmail.cf"), "DS\n").unwrap();
    std::fs::write(root.join("usr/lib/sm.bin/sendmail"), "#!/bin/sh\nexit 75\n").unwrap();
    std::os::unix::fs::symlink("../lib/sm.bin/sendmail", root.join("usr/sbin/sendmail")).unwrap();
    std::fs::write(
        root.join("var/lib/dpkg/info/sendmail-bin.list"),
        "/usr/lib/sm.bin/sendmail\n/usr/sbin/sendmail\n",
    )
    .unwrap();
    dir
}

fn assert_unknown_naming(root: &Path, expected: &str) {
    let (output, result) = run_check(root);
    assert_eq!(result["status"], "unknown", "{result:#}");
    assert_eq!(output.status.code(), Some(3));
    let summary = summary(&result);
    assert!(summary.contains(expected), "{summary}");
    assert!(summary.contains(OUTBOUND), "{summary}");
}

#[test]
fn garbage_bytes_in_hosts_allow_are_unknown_naming_the_line() {
    let host = sendmail_host();
    std::fs::write(
        host.path().join("etc/hosts.allow"),
        b"\xff\xfe\x1b[31msendmail\x07: ALL\n",
    )
    .unwrap();
    std::fs::write(host.path().join("etc/hosts.deny"), "ALL: ALL\n").unwrap();
    assert_unknown_naming(host.path(), "/etc/hosts.allow:1");
}

#[test]
fn binary_hosts_deny_is_unknown_naming_the_path() {
    let host = sendmail_host();
    std::fs::write(host.path().join("etc/hosts.deny"), b"ALL:\0\x01\x02 ALL\n").unwrap();
    assert_unknown_naming(host.path(), "/etc/hosts.deny: binary data");
}

#[test]
fn a_ten_megabyte_single_line_is_unknown_naming_the_path() {
    let host = sendmail_host();
    let line = "a".repeat(10 * 1024 * 1024);
    std::fs::write(host.path().join("etc/hosts.allow"), line).unwrap();
    assert_unknown_naming(host.path(), "/etc/hosts.allow: 10485760 bytes is too large");
}

#[test]
fn an_over_long_line_within_the_size_bound_is_unknown_naming_the_line() {
    let host = sendmail_host();
    let line = format!("sendmail: {}\n", "192.0.2.1 ".repeat(50_000));
    std::fs::write(host.path().join("etc/hosts.deny"), line).unwrap();
    assert_unknown_naming(host.path(), "/etc/hosts.deny:1");
}

#[test]
fn a_directory_as_hosts_allow_is_unknown_naming_the_path() {
    let host = sendmail_host();
    std::fs::create_dir_all(host.path().join("etc/hosts.allow/oops")).unwrap();
    assert_unknown_naming(host.path(), "/etc/hosts.allow: is a directory");
}

#[test]
fn a_symlink_loop_as_hosts_deny_is_unknown_naming_the_path() {
    let host = sendmail_host();
    std::os::unix::fs::symlink("hosts.deny", host.path().join("etc/hosts.deny")).unwrap();
    assert_unknown_naming(
        host.path(),
        "/etc/hosts.deny: too many levels of symbolic links",
    );
}

#[test]
fn missing_files_grant_by_default() {
    let host = sendmail_host();
    let (output, result) = run_check(host.path());
    assert_eq!(result["status"], "ok", "{result:#}");
    assert_eq!(output.status.code(), Some(0));
    assert!(summary(&result).contains("no matching rule"), "{result:#}");
    assert!(summary(&result).contains(OUTBOUND));
}

#[test]
fn a_netgroup_that_could_decide_is_unknown() {
    let host = sendmail_host();
    std::fs::write(
        host.path().join("etc/hosts.allow"),
        "sendmail: @mail-clients\n",
    )
    .unwrap();
    std::fs::write(host.path().join("etc/hosts.deny"), "ALL: ALL\n").unwrap();
    assert_unknown_naming(host.path(), "netgroup");
}
