//! The `mta` check run by the built binary on the fixture host snapshots, and on hostile
//! roots built in temporary directories (symlink loops, links out of the root, directories
//! and binary or huge files where main.cf belongs).

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }
}

fn mailaudit(root: &Path) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .args(["run", "--root"])
        .arg(root)
        .args([
            "--only",
            "mta",
            "--format",
            "json",
            "--now",
            "2026-12-04T12:00:00Z",
        ])
        .output()
        .expect("run mailaudit");
    Run {
        code: output.status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn fixture(host: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/hosts")
        .join(host)
}

/// The single `mta` result and the `mta` facts of a report.
fn mta_of(report: &Value) -> (&Value, &Value) {
    let results = report["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{report:#}");
    assert_eq!(results[0]["kind"], "mta");
    (&results[0], &report["facts"]["mta"])
}

fn evidence_text(result: &Value) -> String {
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {} [{}]",
                e["label"].as_str().unwrap_or(""),
                e["text"].as_str().unwrap_or(""),
                e["source"].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

#[test]
fn story_host_is_debian_sendmail_sending_directly() {
    let run = mailaudit(&fixture("story-sendmail"));
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(result["status"], "ok");
    assert_eq!(mta["kind"], "sendmail");
    assert_eq!(
        strings(&mta["sendmail_chain"]),
        vec!["/usr/sbin/sendmail", "/usr/lib/sm.bin/sendmail"]
    );
    // The SMART_HOST in sendmail.mc is commented out (dnl), and sendmail.cf's DS is empty.
    assert_eq!(mta["smarthost"], Value::Null);
    assert_eq!(mta["smarthost_source"], "/etc/mail/sendmail.cf:64");
    assert_eq!(mta["libwrap"], true);
    assert_eq!(strings(&mta["daemon_names"]), vec!["sendmail", "sm-mta"]);
    assert_eq!(mta["needs_daemon"], true);
    assert_eq!(
        mta["running"],
        Value::Null,
        "a snapshot's daemon is not determined"
    );
    assert!(
        mta["running_basis"]
            .as_str()
            .unwrap()
            .contains("not determined")
    );
    assert_eq!(
        strings(&mta["local_domains"]),
        vec!["localhost", "web1", "web1.shop.example"]
    );
    let detected = strings(&mta["detected_by"]).join("\n");
    assert!(detected.contains("sendmail-bin.list"), "{detected}");
    // php.ini's setting is overridden by conf.d/99-shop-mail.ini; both exist.
    let php = mta["php_sendmail_paths"].as_array().unwrap();
    assert_eq!(php.len(), 2, "{php:#?}");
    assert_eq!(php[0]["source"], "/etc/php/8.2/apache2/php.ini:34");
    assert_eq!(php[0]["effective"], false);
    assert_eq!(
        php[1]["source"],
        "/etc/php/8.2/apache2/conf.d/99-shop-mail.ini:2"
    );
    assert_eq!(
        php[1]["value"],
        "/usr/sbin/sendmail -t -i -f noreply@shop.example"
    );
    assert_eq!(php[1]["effective"], true);
    assert_eq!(php[1]["program_found"], true);
    let evidence = evidence_text(result);
    assert!(
        evidence.contains("/usr/sbin/sendmail -> /usr/lib/sm.bin/sendmail"),
        "{evidence}"
    );
    assert_eq!(result["metrics"]["mta_found"], 1);
    assert_eq!(result["metrics"]["smarthost_configured"], 0);
}

#[test]
fn postfix_host_relays_through_the_provider() {
    let run = mailaudit(&fixture("postfix-relayhost"));
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(run.code, 0);
    assert_eq!(result["status"], "ok");
    assert_eq!(mta["kind"], "postfix");
    assert_eq!(mta["smarthost"], "[smtp.provider.example]:587");
    assert_eq!(mta["smarthost_source"], "/etc/postfix/main.cf:45");
    assert_eq!(mta["helo_name"], "mail2.corp.example");
    assert_eq!(mta["helo_source"], "/etc/postfix/main.cf:37");
    assert_eq!(mta["libwrap"], false);
    assert_eq!(strings(&mta["daemon_names"]), vec!["smtpd"]);
    // mydestination continues on an indented line; $myhostname is expanded.
    assert_eq!(
        strings(&mta["local_domains"]),
        vec![
            "mail2.corp.example",
            "mail2",
            "localhost.localdomain",
            "localhost"
        ]
    );
    assert!(
        result["summary"]
            .as_str()
            .unwrap()
            .contains("relays through [smtp.provider.example]:587")
    );
    let smarthost = result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["label"] == "smarthost")
        .expect("smarthost evidence");
    assert_eq!(smarthost["text"], "relayhost = [smtp.provider.example]:587");
    assert_eq!(smarthost["source"], "/etc/postfix/main.cf:45");
    assert_eq!(smarthost["data"]["host"], "smtp.provider.example");
    assert_eq!(smarthost["data"]["port"], 587);
    let php = mta["php_sendmail_paths"].as_array().unwrap();
    assert_eq!(php.len(), 1, "the commented php.ini line is not a setting");
    assert_eq!(php[0]["value"], "/usr/sbin/sendmail -t -i");
    assert_eq!(result["metrics"]["smarthost_configured"], 1);
    // The facts feed the host's own domains.
    let own = strings(&report["facts"]["own_domains"]);
    assert!(own.contains(&"mail2.corp.example"), "{own:?}");
}

#[test]
fn exim_internet_site_ignores_the_stale_smarthost() {
    let run = mailaudit(&fixture("exim-internet"));
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(run.code, 0);
    assert_eq!(result["status"], "ok");
    assert_eq!(mta["kind"], "exim");
    assert_eq!(
        strings(&mta["sendmail_chain"]),
        vec!["/usr/sbin/sendmail", "/usr/sbin/exim4"]
    );
    assert_eq!(mta["smarthost"], Value::Null);
    assert_eq!(
        mta["smarthost_source"],
        "/etc/exim4/update-exim4.conf.conf:13"
    );
    assert_eq!(
        strings(&mta["local_domains"]),
        vec!["exim.example", "mx3.exim.example"]
    );
    assert_eq!(strings(&mta["daemon_names"]), vec!["exim", "exim4"]);
    // Whether Exim uses libwrap depends on its build: not decided from files.
    assert_eq!(mta["libwrap"], Value::Null);
    let evidence = evidence_text(result);
    assert!(
        evidence.contains("dc_smarthost='smtp.old-provider.example::587' is ignored"),
        "{evidence}"
    );
    assert!(
        result["summary"]
            .as_str()
            .unwrap()
            .contains("sends directly")
    );
}

#[test]
fn no_mta_is_critical_and_names_the_php_setting() {
    let run = mailaudit(&fixture("no-mta"));
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(result["status"], "critical");
    assert_eq!(report["status"], "critical");
    assert_eq!(mta["kind"], Value::Null);
    assert_eq!(mta["sendmail_exists"], false);
    let summary = result["summary"].as_str().unwrap();
    assert!(
        summary.contains("no MTA provides /usr/sbin/sendmail"),
        "{summary}"
    );
    assert!(
        summary.contains("/etc/php/8.2/fpm/conf.d/20-mail.ini:3"),
        "{summary}"
    );
    let php = mta["php_sendmail_paths"].as_array().unwrap();
    assert_eq!(php.len(), 1);
    assert_eq!(php[0]["value"], "/usr/sbin/sendmail -t -i");
    assert_eq!(php[0]["program_found"], false);
    assert!(
        result["remediation"]
            .as_str()
            .unwrap()
            .contains("apt install postfix")
    );
    assert_eq!(result["metrics"]["mta_found"], 0);
    assert_eq!(result["metrics"]["php_sendmail_path_missing"], 1);
}

#[test]
fn rhel_alternatives_chain_leads_to_postfix() {
    let run = mailaudit(&fixture("rhel-alternatives"));
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(run.code, 0);
    assert_eq!(result["status"], "ok");
    assert_eq!(mta["kind"], "postfix");
    assert_eq!(
        strings(&mta["sendmail_chain"]),
        vec![
            "/usr/sbin/sendmail",
            "/etc/alternatives/mta",
            "/usr/sbin/sendmail.postfix"
        ]
    );
    // Every relayhost line of the RHEL default main.cf is a comment.
    assert_eq!(mta["smarthost"], Value::Null);
    // myhostname is commented out too: Postfix uses the host name, nothing configured.
    assert_eq!(mta["helo_name"], Value::Null);
    assert_eq!(strings(&mta["local_domains"]), vec!["localhost"]);
    let detected = strings(&mta["detected_by"]).join("\n");
    assert!(detected.contains("/var/lib/alternatives/mta"), "{detected}");
    let php = mta["php_sendmail_paths"].as_array().unwrap();
    assert_eq!(php.len(), 1);
    assert_eq!(php[0]["source"], "/etc/php.ini:15");
    assert_eq!(php[0]["program_found"], true, "found through the chain");
    let evidence = evidence_text(result);
    assert!(
        evidence
            .contains("/usr/sbin/sendmail -> /etc/alternatives/mta -> /usr/sbin/sendmail.postfix"),
        "{evidence}"
    );
}

// ---- bad input -------------------------------------------------------------------------

#[test]
fn a_missing_root_is_a_usage_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-snapshot");
    let run = mailaudit(&missing);
    assert_eq!(run.code, 3);
    assert!(
        run.stderr.contains(&missing.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "nothing is printed as a report");
}

fn write(root: &Path, path: &str, content: &[u8]) {
    let full = root.join(path.trim_start_matches('/'));
    fs::create_dir_all(full.parent().unwrap()).unwrap();
    fs::write(&full, content).unwrap();
}

fn executable(root: &Path, path: &str) {
    write(root, path, b"#!/bin/sh\nexit 75\n");
    let full = root.join(path.trim_start_matches('/'));
    fs::set_permissions(&full, fs::Permissions::from_mode(0o755)).unwrap();
}

/// A minimal Debian Postfix root whose main.cf the caller provides (or not).
fn postfix_root() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "/etc/hostname", b"bad1\n");
    write(
        root,
        "/etc/hosts",
        b"127.0.0.1 localhost\n192.0.2.9 bad1.test bad1\n",
    );
    executable(root, "/usr/sbin/sendmail");
    write(
        root,
        "/var/lib/dpkg/info/postfix.list",
        b"/.\n/usr/sbin/sendmail\n/usr/sbin/postfix\n",
    );
    dir
}

#[test]
fn a_symlink_loop_at_sendmail_is_critical_with_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let sbin = dir.path().join("usr/sbin");
    fs::create_dir_all(&sbin).unwrap();
    symlink("sendmail.loop", sbin.join("sendmail")).unwrap();
    symlink("/usr/sbin/sendmail", sbin.join("sendmail.loop")).unwrap();
    let run = mailaudit(dir.path());
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(run.code, 2);
    assert_eq!(result["status"], "critical");
    let summary = result["summary"].as_str().unwrap();
    assert!(
        summary.contains("too many levels of symbolic links"),
        "{summary}"
    );
    assert!(summary.contains("/usr/sbin/sendmail"), "{summary}");
    assert_eq!(mta["sendmail_exists"], false);
}

#[test]
fn a_link_escaping_the_root_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let sbin = dir.path().join("usr/sbin");
    fs::create_dir_all(&sbin).unwrap();
    // Relative enough to climb out of any temporary directory to the real /bin/sh, which
    // exists and is executable: following it would be a false green.
    symlink(
        "../../../../../../../../../../bin/sh",
        sbin.join("sendmail"),
    )
    .unwrap();
    let run = mailaudit(dir.path());
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(result["status"], "critical", "{report:#}");
    let summary = result["summary"].as_str().unwrap();
    assert!(summary.contains("outside the audited root"), "{summary}");
    assert_eq!(mta["sendmail_exists"], false);
    assert_eq!(mta["kind"], Value::Null);
}

#[test]
fn a_directory_where_main_cf_belongs_is_unknown() {
    let dir = postfix_root();
    fs::create_dir_all(dir.path().join("etc/postfix/main.cf")).unwrap();
    let run = mailaudit(dir.path());
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(run.code, 3);
    assert_eq!(result["status"], "unknown");
    assert_eq!(mta["kind"], "postfix");
    assert!(
        mta["config_error"]
            .as_str()
            .unwrap()
            .contains("/etc/postfix/main.cf: is a directory"),
        "{mta:#}"
    );
    assert!(evidence_text(result).contains("/etc/postfix/main.cf: is a directory"));
}

#[test]
fn binary_garbage_in_main_cf_is_unknown() {
    let dir = postfix_root();
    let garbage: Vec<u8> = (0..4096u32).map(|i| (i * 7919 % 256) as u8).collect();
    write(dir.path(), "/etc/postfix/main.cf", &garbage);
    let run = mailaudit(dir.path());
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(result["status"], "unknown");
    assert!(
        mta["config_error"]
            .as_str()
            .unwrap()
            .contains("/etc/postfix/main.cf: binary data"),
        "{mta:#}"
    );
}

#[test]
fn a_ten_megabyte_line_in_main_cf_is_unknown_not_read() {
    let dir = postfix_root();
    let mut huge = b"relayhost = ".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    write(dir.path(), "/etc/postfix/main.cf", &huge);
    let run = mailaudit(dir.path());
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(result["status"], "unknown");
    assert!(
        mta["config_error"].as_str().unwrap().contains("too large"),
        "{mta:#}"
    );
    assert_eq!(mta["smarthost"], Value::Null, "never a guessed smarthost");
}

#[test]
fn invalid_utf8_around_a_valid_relayhost_still_reads_it() {
    let dir = postfix_root();
    let mut text = b"# \xff\xfe latin-1 comment: caf\xe9\n".to_vec();
    text.extend_from_slice(b"relayhost = [relay.test]:2525\n\x1b[31mjunk\n");
    write(dir.path(), "/etc/postfix/main.cf", &text);
    let run = mailaudit(dir.path());
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(result["status"], "ok", "{report:#}");
    assert_eq!(mta["smarthost"], "[relay.test]:2525");
}

#[test]
fn php_pointing_at_a_missing_program_fails_even_with_an_mta() {
    let dir = postfix_root();
    write(dir.path(), "/etc/postfix/main.cf", b"relayhost =\n");
    write(
        dir.path(),
        "/etc/php/8.3/fpm/php.ini",
        b"[mail function]\nsendmail_path = /usr/sbin/sendmail -t -i\n",
    );
    write(
        dir.path(),
        "/etc/php/8.3/fpm/pool.d/www.conf",
        b"[www]\nuser = www-data\nphp_admin_value[sendmail_path] = /usr/bin/msmtp -t ; container leftover\n",
    );
    let run = mailaudit(dir.path());
    let report = run.json();
    let (result, mta) = mta_of(&report);
    assert_eq!(result["status"], "critical");
    let summary = result["summary"].as_str().unwrap();
    assert!(
        summary.contains("/etc/php/8.3/fpm/pool.d/www.conf:3"),
        "{summary}"
    );
    assert!(summary.contains("/usr/bin/msmtp"), "{summary}");
    assert!(
        result["remediation"]
            .as_str()
            .unwrap()
            .contains("/etc/php/8.3/fpm/pool.d/www.conf:3")
    );
    // The ini's own setting is fine.
    let php = mta["php_sendmail_paths"].as_array().unwrap();
    assert_eq!(php.len(), 2);
    assert_eq!(php[0]["program_found"], true);
    assert_eq!(result["metrics"]["php_sendmail_path_missing"], 1);
}
