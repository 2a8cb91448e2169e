//! `mailbox_bounces` end to end: the binary on the story host and on temporary hosts with
//! hostile mailboxes.

use std::io::Write;
use std::path::Path;
use std::process::Command;

const NOW: &str = "2026-12-04T12:00:00Z";

fn story_root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hosts/story-sendmail")
}

/// Runs the check on a root; returns (exit code, the JSON report's only result).
fn run(root: &Path, extra: &[&str]) -> (i32, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .args([
            "run",
            "--only",
            "mailbox_bounces",
            "--format",
            "json",
            "--now",
            NOW,
            "--root",
        ])
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
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{report:#}");
    (output.status.code().expect("exit code"), results[0].clone())
}

fn metric(result: &serde_json::Value, name: &str) -> f64 {
    result["metrics"][name]
        .as_f64()
        .unwrap_or_else(|| panic!("metric {name} missing: {result:#}"))
}

fn host_with_mailbox(user: &str, content: &[u8]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("var/mail");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(user), content).unwrap();
    root
}

fn user_unknown_bounce(day: u32, rcpt: &str) -> String {
    format!(
        "From MAILER-DAEMON Thu Dec  {day} 08:00:00 2026\nReturn-Path: <>\nDate: Thu, {day} Dec 2026 08:00:00 +0000\nFrom: Mail Delivery System <MAILER-DAEMON@web.example>\nTo: www-data@web.example\nSubject: Undelivered Mail Returned to Sender\n\nThis is the mail system at host web.example.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<{rcpt}>: host mx.customer.example[198.51.100.7] said: 550 5.1.1\n    <{rcpt}>: Recipient address rejected: User unknown in virtual mailbox\n    table (in reply to RCPT TO command)\n\n"
    )
}

#[test]
fn story_host_names_the_spamhaus_pbl_and_fails_critical() {
    let (code, result) = run(&story_root(), &[]);
    assert_eq!(code, 2, "{result:#}");
    assert_eq!(result["status"], "critical");
    let summary = result["summary"].as_str().unwrap();
    assert!(summary.contains("Spamhaus PBL"), "{summary}");
    assert_eq!(metric(&result, "failures_host_reputation"), 3.0);
    assert_eq!(metric(&result, "failures_recipient"), 1.0);
    // The November bounce is outside the 7d window; the ordinary mail mentioning 5.7.1
    // is not a bounce.
    assert_eq!(metric(&result, "outside_window"), 1.0);
    assert_eq!(metric(&result, "bounces"), 4.0);
    assert_eq!(metric(&result, "messages_read"), 6.0);
    let evidence = result["evidence"].as_array().unwrap();
    let pbl = evidence
        .iter()
        .find(|e| e["data"]["blocklist"] == "Spamhaus PBL")
        .expect("a PBL bounce in the evidence");
    assert_eq!(
        pbl["data"]["lookup_url"],
        "https://check.spamhaus.org/listed/?searchterm=203.0.113.25"
    );
    assert_eq!(pbl["data"]["recipient"], "j.doe@mailhost.example");
    assert_eq!(pbl["data"]["status"], "5.7.1");
    assert_eq!(pbl["data"]["reply_code"], 554);
    assert_eq!(pbl["data"]["remote_mta"], "mx1.mailhost.example");
    assert_eq!(pbl["data"]["date"], "2026-12-02T14:40:19Z");
    assert_eq!(pbl["source"], "/var/mail/www-data:125");
    assert!(
        result["remediation"]
            .as_str()
            .unwrap()
            .contains("smarthost")
    );
}

#[test]
fn redaction_masks_recipients_and_subjects() {
    let (_, result) = run(&story_root(), &["--redact"]);
    let text = result.to_string();
    assert!(!text.contains("j.doe@"), "{text}");
    assert!(!text.contains("Confirm your newsletter"), "{text}");
    assert!(text.contains("@mailhost.example"));
}

#[test]
fn window_excludes_everything_older() {
    // Relative to 2027 every bounce of the story is old.
    let output = Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .args([
            "run",
            "--only",
            "mailbox_bounces",
            "--format",
            "json",
            "--now",
            "2027-03-01T00:00:00Z",
            "--root",
        ])
        .arg(story_root())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // Every message is older than the window (the ordinary mail too).
    assert_eq!(report["results"][0]["metrics"]["outside_window"], 6);
    assert_eq!(report["results"][0]["metrics"]["bounces"], 0);
}

#[test]
fn other_failures_are_compared_with_the_thresholds() {
    let mut mbox = String::new();
    for i in 0..6 {
        mbox.push_str(&user_unknown_bounce(
            3,
            &format!("gone{i}@customer.example"),
        ));
    }
    let root = host_with_mailbox("www-data", mbox.as_bytes());
    let (code, result) = run(root.path(), &[]);
    assert_eq!(
        (code, result["status"].as_str()),
        (1, Some("warning")),
        "{result:#}"
    );
    assert_eq!(metric(&result, "failures_recipient"), 6.0);

    let root = host_with_mailbox(
        "www-data",
        user_unknown_bounce(3, "gone@customer.example").as_bytes(),
    );
    let (code, result) = run(root.path(), &[]);
    assert_eq!(
        (code, result["status"].as_str()),
        (0, Some("ok")),
        "{result:#}"
    );
}

#[test]
fn no_mailbox_is_ok_and_says_so() {
    let root = tempfile::tempdir().unwrap();
    let (code, result) = run(root.path(), &[]);
    assert_eq!(code, 0);
    assert!(
        result["summary"].as_str().unwrap().contains("no mailbox"),
        "{result:#}"
    );
}

#[test]
fn hostile_mailbox_is_read_without_panic_and_skips_are_counted() {
    let mut mbox: Vec<u8> = Vec::new();
    // Non-UTF-8 bytes in headers and body, CRLF line ends.
    mbox.extend_from_slice(b"From someone Thu Dec  3 01:00:00 2026\r\nSubject: \xff\xfe caf\xe9\r\nFrom: a@b.example\r\n\r\nbody \x00\x01\xc3\r\n\r\n");
    // A line of 6 MB: over the per-message cap, skipped.
    mbox.extend_from_slice(b"From someone Thu Dec  3 02:00:00 2026\nSubject: big\n\n");
    mbox.extend(std::iter::repeat_n(b'A', 6 * 1024 * 1024));
    mbox.extend_from_slice(b"\n\n");
    // Malformed MIME: a report with a boundary that never comes.
    mbox.extend_from_slice(b"From MAILER-DAEMON Thu Dec  3 03:00:00 2026\nFrom: MAILER-DAEMON@web.example\nSubject: Returned mail\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"nope\n\n--wrong\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; z@customer.example\nStatus: 5.7.1\nDiagnostic-Code: smtp; 554 5.7.1 Client host [203.0.113.25] blocked using bl.spamcop.net\n\n");
    // A CRLF bounce at the end.
    mbox.extend_from_slice(
        user_unknown_bounce(3, "crlf@customer.example")
            .replace('\n', "\r\n")
            .as_bytes(),
    );
    let root = host_with_mailbox("www-data", &mbox);
    let (code, result) = run(root.path(), &[]);
    assert_eq!(code, 2, "{result:#}");
    assert_eq!(metric(&result, "skipped_messages"), 1.0);
    assert_eq!(metric(&result, "failures_host_reputation"), 1.0);
    assert_eq!(metric(&result, "failures_recipient"), 1.0);
    let evidence = result["evidence"].to_string();
    assert!(evidence.contains("over the"), "{evidence}");
    assert!(evidence.contains("SpamCop"), "{evidence}");
}

#[test]
fn mailbox_without_from_separator_is_read_as_one_message() {
    let single = user_unknown_bounce(3, "one@customer.example");
    let single = single.split_once('\n').unwrap().1; // drop the "From " line
    let root = host_with_mailbox("root", single.as_bytes());
    let (_, result) = run(root.path(), &[]);
    assert_eq!(metric(&result, "bounces"), 1.0, "{result:#}");

    let root = host_with_mailbox("root", b"\x00\x01\x02 not mail at all\n");
    let (code, result) = run(root.path(), &[]);
    assert_eq!(code, 0, "{result:#}");
    assert_eq!(metric(&result, "skipped_messages"), 1.0);
}

#[test]
fn mailbox_appended_to_while_read() {
    let mut mbox = String::new();
    for i in 0..2000 {
        mbox.push_str(&user_unknown_bounce(3, &format!("u{i}@customer.example")));
    }
    let root = host_with_mailbox("www-data", mbox.as_bytes());
    let path = root.path().join("var/mail/www-data");
    let writer = std::thread::spawn(move || {
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        for i in 0..2000 {
            // Half-written messages too: the reader may see any prefix.
            let text = user_unknown_bounce(3, &format!("late{i}@customer.example"));
            let (a, b) = text.split_at(text.len() / 2);
            file.write_all(a.as_bytes()).unwrap();
            file.flush().unwrap();
            file.write_all(b.as_bytes()).unwrap();
        }
    });
    let (code, result) = run(root.path(), &[]);
    writer.join().unwrap();
    assert_eq!(code, 2, "{result:#}"); // thousands of failures: critical
    assert!(metric(&result, "failures_recipient") >= 2000.0);
}
