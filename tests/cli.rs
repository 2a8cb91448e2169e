//! The command-line contract of DESIGN.md: exit codes, usage and configuration errors
//! (exit 3, message naming file/line/field), atomic `--output`.

use std::path::Path;
use std::process::{Command, Output};

fn mailaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn empty_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(dir.path().join("etc/hostname"), "web9\n").unwrap();
    dir
}

#[test]
fn a_missing_root_is_a_usage_error_naming_it() {
    let output = mailaudit(&["run", "--root", "/nonexistent/snapshot"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stderr(&output).contains("/nonexistent/snapshot"),
        "{}",
        stderr(&output)
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_malformed_profile_names_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("bad.toml");
    std::fs::write(
        &profile,
        "[[check]]\nid = \"mta\"\nkind = \"mta\"\nseverity = \"fatal\"\ntitle = \"t\"\nremediation = \"r\"\n",
    )
    .unwrap();
    let profile = profile.to_str().unwrap();
    for args in [
        vec!["run", "--profile", profile],
        vec!["checks", "--validate", profile],
    ] {
        let output = mailaudit(&args);
        assert_eq!(output.status.code(), Some(3), "{args:?}");
        let message = stderr(&output);
        assert!(message.contains(&format!("{profile}:4:12")), "{message}");
        assert!(message.contains("fatal"), "{message}");
        assert!(output.stdout.is_empty(), "{args:?}: nothing else runs");
    }
}

#[test]
fn the_default_profile_validates_and_lists() {
    let output = mailaudit(&["checks", "--validate"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = mailaudit(&["checks"]);
    let listing = String::from_utf8_lossy(&output.stdout);
    assert!(
        listing.contains("mta") && listing.contains("tcp_wrappers"),
        "{listing}"
    );
}

#[test]
fn a_profile_directory_is_read_and_duplicate_ids_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let check = "[[check]]\nid = \"mta\"\nkind = \"mta\"\nseverity = \"critical\"\ntitle = \"t\"\nremediation = \"r\"\n";
    std::fs::write(dir.path().join("a.toml"), check).unwrap();
    std::fs::write(dir.path().join("b.toml"), check).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not a profile").unwrap();
    let output = mailaudit(&["checks", "--validate", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(3));
    let message = stderr(&output);
    assert!(
        message.contains("b.toml:1") && message.contains("duplicate id"),
        "{message}"
    );
    assert!(message.contains("a.toml:1"), "{message}");
}

#[test]
fn invalid_options_exit_3_with_the_reason() {
    for (args, needle) in [
        (
            vec!["run", "--nameserver", "resolver.example"],
            "resolver.example",
        ),
        (vec!["run", "--egress-ip", "203.0.113"], "203.0.113"),
        (vec!["run", "--now", "yesterday"], "yesterday"),
        (vec!["run", "--timeout", "0"], "positive"),
        (vec!["run", "--format", "xml"], "xml"),
        (vec!["run", "--only", "no-such-check"], "no-such-check"),
        (vec!["frobnicate"], "frobnicate"),
    ] {
        let output = mailaudit(&args);
        assert_eq!(
            output.status.code(),
            Some(3),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(needle),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn output_is_written_atomically_and_only_there() {
    let root = empty_root();
    let out_dir = tempfile::tempdir().unwrap();
    let target = out_dir.path().join("report.json");
    let output = mailaudit(&[
        "run",
        "--root",
        root.path().to_str().unwrap(),
        "--only",
        "mta",
        "--format",
        "json",
        "--output",
        target.to_str().unwrap(),
    ]);
    assert!(output.stdout.is_empty(), "nothing on stdout with --output");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(report["schema"], "mailaudit/report/v1");
    assert_eq!(
        output.status.code(),
        Some(report["status"].as_str().map(status_code).unwrap())
    );
    // No temporary file is left beside it.
    let names: Vec<_> = std::fs::read_dir(out_dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1);
}

#[test]
fn an_unwritable_output_is_exit_3_and_writes_nothing() {
    let root = empty_root();
    let target = Path::new("/nonexistent-dir/report.json");
    let output = mailaudit(&[
        "run",
        "--root",
        root.path().to_str().unwrap(),
        "--output",
        target.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&output).contains("/nonexistent-dir/report.json"));
    assert!(!target.exists());
}

#[test]
fn every_format_renders_a_snapshot_run() {
    let root = empty_root();
    for format in ["human", "json", "nagios", "junit", "prometheus"] {
        let output = mailaudit(&[
            "run",
            "--root",
            root.path().to_str().unwrap(),
            "--format",
            format,
            "--now",
            "2026-12-04T12:00:00Z",
        ]);
        let code = output.status.code().unwrap();
        assert!((0..=3).contains(&code), "{format}: exit {code}");
        assert!(!output.stdout.is_empty(), "{format}: empty output");
        if format == "nagios" {
            let first = String::from_utf8_lossy(&output.stdout);
            assert!(first.starts_with("MAILAUDIT "), "{first}");
        }
    }
}

fn status_code(status: &str) -> i32 {
    match status {
        "ok" => 0,
        "warning" => 1,
        "critical" => 2,
        _ => 3,
    }
}

#[test]
fn redact_masks_addresses_in_evidence_and_facts() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/hosts/story-sendmail");
    let output = mailaudit(&[
        "run",
        "--root",
        root,
        "--skip",
        "dnsbl",
        "--skip",
        "fcrdns",
        "--format",
        "json",
        "--now",
        "2026-12-04T12:00:00Z",
        "--redact",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    // The story's mailbox, log and PHP settings name these people and senders.
    for local_part in ["anna@", "x@customer", "noreply@", "www-data@"] {
        assert!(!text.contains(local_part), "{local_part} left in:\n{text}");
    }
    assert!(text.contains("…@customer.example"), "domains are kept");
}
