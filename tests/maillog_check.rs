//! The `maillog` check end to end: the binary on the fixture hosts (`--only maillog
//! --now 2026-12-04T12:00:00Z`), on rotated/gzipped/hostile logs built in temporary roots,
//! and the year inference of traditional syslog lines from the file's mtime.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

const NOW: &str = "2026-12-04T12:00:00Z";

fn fixture(host: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hosts")
        .join(host)
}

/// Runs `mailaudit run --only maillog --format json` and returns (exit code, the result).
fn run(root: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .args(["run", "--only", "maillog", "--format", "json", "--root"])
        .arg(root)
        .args(extra)
        .output()
        .expect("run mailaudit");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let result = report["results"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["kind"] == "maillog"))
        .cloned()
        .expect("a maillog result");
    (output.status.code().unwrap_or(-1), result)
}

fn metric(result: &serde_json::Value, name: &str) -> i64 {
    result["metrics"][name]
        .as_i64()
        .unwrap_or_else(|| panic!("metric {name} in {}", result["metrics"]))
}

fn summary(result: &serde_json::Value) -> &str {
    result["summary"].as_str().unwrap()
}

/// A profile with one maillog check and the given extra parameters.
fn profile(dir: &Path, params: &str) -> PathBuf {
    let path = dir.join("maillog.toml");
    std::fs::write(
        &path,
        format!(
            "[[check]]\nid = \"maillog\"\nkind = \"maillog\"\nseverity = \"critical\"\ntitle = \"t\"\nremediation = \"r\"\n{params}\n"
        ),
    )
    .unwrap();
    path
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        let kind = entry.file_type().unwrap();
        if kind.is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(entry.path()).unwrap(), &target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn set_mtime(path: &Path, time: &str) {
    let stamp: jiff::Timestamp = time.parse().unwrap();
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(stamp.as_second() as u64);
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[test]
fn story_sendmail_names_the_reputation_pattern_and_the_pbl() {
    let (code, result) = run(&fixture("story-sendmail"), &["--now", NOW]);
    assert_eq!(code, 2, "{result}");
    assert_eq!(result["status"], "critical");
    let text = summary(&result);
    assert!(
        text.contains("own domain delivers, external domains are rejected"),
        "{text}"
    );
    assert!(text.contains("Spamhaus PBL"), "{text}");
    // Within 24h of --now: mail.log (Dec 4) and the afternoon of mail.log.1 (Dec 3); the
    // morning of Dec 3 is outside, so mail.log.2.gz (Dec 1-2) is not even opened.
    assert_eq!(metric(&result, "files_read"), 2);
    assert_eq!(metric(&result, "sent"), 3);
    assert_eq!(metric(&result, "bounced"), 3);
    assert_eq!(metric(&result, "deferred"), 1);
    assert_eq!(metric(&result, "failures_host_reputation"), 4);
    // Submissions through 127.0.0.1 and the local delivery of the DSNs are not outbound.
    assert_eq!(metric(&result, "local_handoffs"), 10);
    assert_eq!(metric(&result, "dsn_notices"), 3);
    let evidence = result["evidence"].as_array().unwrap();
    let first = evidence
        .iter()
        .find(|e| e["label"] == "failed delivery")
        .unwrap();
    assert_eq!(first["source"], "/var/log/mail.log:11");
    assert_eq!(first["data"]["recipient"], "anna@customer.example");
    assert_eq!(first["data"]["blocklist"], "Spamhaus PBL");
    assert_eq!(first["data"]["category"], "host-reputation");
    let table = evidence
        .iter()
        .find(|e| e["label"] == "deliveries by recipient domain")
        .unwrap();
    assert_eq!(table["data"]["domains"]["shop.example"]["own"], true);
    assert_eq!(table["data"]["domains"]["shop.example"]["sent"], 3);
    assert_eq!(table["data"]["domains"]["customer.example"]["bounced"], 1);
    assert!(
        result["remediation"]
            .as_str()
            .unwrap()
            .contains("spamhaus.org")
    );
}

#[test]
fn a_wider_window_reads_the_gzipped_rotation_too() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), "window = \"4d\"");
    let (code, result) = run(
        &fixture("story-sendmail"),
        &["--now", NOW, "--profile", profile.to_str().unwrap()],
    );
    assert_eq!(code, 2);
    assert_eq!(metric(&result, "files_read"), 3);
    assert_eq!(metric(&result, "bounced"), 5);
    assert_eq!(metric(&result, "sent"), 4);
    assert!(
        summary(&result).contains("in the last 4d"),
        "{}",
        summary(&result)
    );
}

#[test]
fn postfix_relayhost_delivers_everything() {
    let (code, result) = run(&fixture("postfix-relayhost"), &["--now", NOW]);
    assert_eq!(code, 0, "{result}");
    assert_eq!(result["status"], "ok");
    assert_eq!(metric(&result, "sent"), 4);
    assert_eq!(metric(&result, "bounced") + metric(&result, "deferred"), 0);
    assert_eq!(metric(&result, "local_handoffs"), 1);
    assert!(
        summary(&result).starts_with("4 sent"),
        "{}",
        summary(&result)
    );
}

#[test]
fn exim_mainlog_is_read_and_failures_are_classified() {
    let (code, result) = run(&fixture("exim-internet"), &["--now", NOW]);
    assert_eq!(code, 0, "{result}");
    assert_eq!(metric(&result, "sent"), 3);
    assert_eq!(metric(&result, "bounced"), 1);
    assert_eq!(metric(&result, "deferred"), 1);
    assert_eq!(metric(&result, "failures_recipient"), 1);
    assert_eq!(metric(&result, "failures_host_reputation"), 0);
    assert!(
        !summary(&result).contains("own domain delivers"),
        "{}",
        summary(&result)
    );
    let sources: Vec<&str> = result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["source"].as_str())
        .collect();
    assert!(sources.contains(&"/var/log/exim4/mainlog:6"), "{sources:?}");
}

#[test]
fn rhel_maillog_with_date_suffixed_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), "window = \"7d\"");
    let (code, result) = run(
        &fixture("rhel-alternatives"),
        &["--now", NOW, "--profile", profile.to_str().unwrap()],
    );
    assert_eq!(code, 2, "{result}");
    assert_eq!(metric(&result, "files_read"), 2);
    assert_eq!(metric(&result, "sent"), 3);
    assert_eq!(metric(&result, "deferred"), 1);
    // "cannot find your reverse hostname": the host's missing PTR.
    assert_eq!(metric(&result, "failures_host_reputation"), 1);
    assert!(
        summary(&result).starts_with("1 delivery in the last 7d"),
        "{}",
        summary(&result)
    );
}

#[test]
fn thresholds_decide_other_failures() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile(dir.path(), "warning = \"1\"\ncritical = \"5\"");
    let (code, result) = run(
        &fixture("exim-internet"),
        &["--now", NOW, "--profile", profile.to_str().unwrap()],
    );
    assert_eq!(code, 1, "{result}");
    assert_eq!(result["status"], "warning");
    assert!(
        summary(&result).contains("2 deliveries failed"),
        "{}",
        summary(&result)
    );
}

#[test]
fn syslog_year_is_inferred_from_the_file_mtime() {
    // The same Dec 3/4 lines in a snapshot taken on 2 January: they are from the year
    // before, so a window reaching back over New Year still finds them.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("story-sendmail"), dir.path());
    for name in ["mail.log", "mail.log.1", "mail.log.2.gz"] {
        set_mtime(
            &dir.path().join("var/log").join(name),
            "2027-01-02T10:00:00Z",
        );
    }
    let profile = profile(dir.path(), "window = \"35d\"");
    let (_, result) = run(
        dir.path(),
        &[
            "--now",
            "2027-01-02T12:00:00Z",
            "--profile",
            profile.to_str().unwrap(),
        ],
    );
    assert_eq!(metric(&result, "bounced"), 5, "{result}");
    // Were the year taken from --now (2027), the lines would lie in the future.
    let (_, result) = run(dir.path(), &["--now", "2027-01-02T12:00:00Z"]);
    assert_eq!(result["status"], "ok", "{result}");
    assert_eq!(metric(&result, "sent") + metric(&result, "bounced"), 0);
}

#[test]
fn hostile_logs_are_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("var/log");
    std::fs::create_dir_all(&log_dir).unwrap();
    let story = std::fs::read(fixture("story-sendmail").join("var/log/mail.log")).unwrap();
    let mut current = Vec::new();
    current.extend_from_slice(b"Dec  4 07:00:00 web1 kernel: \xff\xfe binary junk \x1b[31m\r\n");
    current.extend(std::iter::repeat_n(b'A', 4 * 1024 * 1024));
    current.extend_from_slice(b"\n");
    // A delivery line with invalid UTF-8 in the recipient, and CRLF endings.
    current.extend_from_slice(b"Dec  4 07:00:01 web1 sm-mta[1]: 4B47U0x0000001: to=<\xe9t\xe9@customer.example>, mailer=esmtp, relay=mx.customer.example. [198.51.100.7], dsn=5.1.1, stat=User unknown\r\n");
    for line in story.split(|b| *b == b'\n') {
        current.extend_from_slice(line);
        current.extend_from_slice(b"\r\n");
    }
    std::fs::write(log_dir.join("mail.log"), &current).unwrap();
    // A gzip rotation cut in the middle.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let old = std::fs::read(fixture("story-sendmail").join("var/log/mail.log.1")).unwrap();
    for _ in 0..50 {
        encoder.write_all(&old).unwrap();
    }
    let gz = encoder.finish().unwrap();
    std::fs::write(log_dir.join("mail.log.1.gz"), &gz[..gz.len() / 2]).unwrap();

    let (code, result) = run(dir.path(), &["--now", NOW]);
    assert_eq!(code, 2, "{result}");
    assert_eq!(metric(&result, "lines_skipped"), 1);
    assert_eq!(metric(&result, "files_read"), 2);
    assert_eq!(
        metric(&result, "bounced"),
        4,
        "the non-UTF-8 line counts too"
    );
    assert_eq!(metric(&result, "failures_recipient"), 1);
    let evidence = result["evidence"].to_string();
    assert!(evidence.contains("truncated gzip data"), "{evidence}");
    assert!(
        evidence.contains("longer than 64 KiB skipped"),
        "{evidence}"
    );
    assert!(
        summary(&result).contains("cut short"),
        "{}",
        summary(&result)
    );
}

#[test]
fn unreadable_logs_say_how_to_get_access() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let log_dir = dir.path().join("var/log");
    std::fs::create_dir_all(&log_dir).unwrap();
    let log = log_dir.join("mail.log");
    std::fs::copy(fixture("postfix-relayhost").join("var/log/mail.log"), &log).unwrap();
    for path in [dir.path(), &dir.path().join("var"), &log_dir] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_mailaudit"));
    if std::fs::File::open(&log).is_ok() {
        // Root reads everything: drop to nobody (as an unprivileged operator would run).
        if Command::new("setpriv").arg("--version").output().is_err() {
            assert!(
                std::env::var("MAILAUDIT_E2E").as_deref() != Ok("1"),
                "setpriv (util-linux) is needed to run as an unprivileged user"
            );
            eprintln!("notice: running as root without setpriv; skipped");
            return;
        }
        command = Command::new("setpriv");
        command.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
        command.arg(env!("CARGO_BIN_EXE_mailaudit"));
    }
    let output = command
        .args([
            "run", "--only", "maillog", "--format", "json", "--now", NOW, "--root",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    let result = &report["results"][0];
    assert_eq!(output.status.code(), Some(3), "{result}");
    assert_eq!(result["status"], "unknown");
    let text = summary(result);
    assert!(text.contains("permission denied"), "{text}");
    assert!(text.contains("group adm"), "{text}");
}

#[test]
fn a_host_without_mta_nor_log_is_skipped() {
    // (The run's exit code is the engine's: a run where every check was skipped decided
    // nothing.)
    let (_, result) = run(&fixture("no-mta"), &["--now", NOW]);
    assert_eq!(result["status"], "skipped");
    assert!(summary(&result).contains("no MTA"), "{}", summary(&result));
}

#[test]
fn a_snapshot_without_mail_log_is_unknown() {
    // An MTA is installed, but its log is not in the snapshot.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("postfix-relayhost"), dir.path());
    std::fs::remove_file(dir.path().join("var/log/mail.log")).unwrap();
    let (code, result) = run(dir.path(), &["--now", NOW]);
    assert_eq!(code, 3);
    assert_eq!(result["status"], "unknown");
    assert!(
        summary(&result).contains("/var/log/mail.log"),
        "{}",
        summary(&result)
    );
}

#[test]
fn the_pattern_alone_fails_when_sendmail_logged_no_remote_reply() {
    // The same story without the `<rcpt>... 554 …` reply lines and the deferral that names
    // the PBL: only sendmail's canned `dsn=5.7.1, stat=Service unavailable` is left.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixture("story-sendmail"), dir.path());
    for name in ["mail.log", "mail.log.1"] {
        let path = dir.path().join("var/log").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let kept: Vec<&str> = text
            .lines()
            .filter(|l| !l.contains(">... ") && !l.contains("stat=Deferred"))
            .collect();
        std::fs::write(&path, kept.join("\n") + "\n").unwrap();
    }
    let (code, result) = run(dir.path(), &["--now", NOW]);
    assert_eq!(code, 2, "{result}");
    let text = summary(&result);
    assert!(
        text.starts_with("own domain delivers, external domains are rejected"),
        "{text}"
    );
    // The bounces are classified by their 5.7.1 code, not as transient from sendmail's
    // canned wording; the pattern decides.
    assert_eq!(metric(&result, "failures_host_reputation"), 0);
    assert_eq!(metric(&result, "failures_transient"), 0);
    assert_eq!(metric(&result, "failures_sender_policy"), 3);
}
