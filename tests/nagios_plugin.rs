//! The binary invoked as `check_mailaudit`: plugin output, exit codes, bad input and `-t`,
//! run as a monitoring engine runs it (a symlink named like the plugin, no terminal).

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

struct Plugin {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn plugin() -> Plugin {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("check_mailaudit");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_mailaudit"), &path).unwrap();
    Plugin { _dir: dir, path }
}

fn fixture(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
        .display()
        .to_string()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn first_line(&self) -> &str {
        self.stdout.lines().next().unwrap_or("")
    }
}

fn run(plugin: &Plugin, args: &[&str]) -> Run {
    let started = Instant::now();
    let output = Command::new(&plugin.path)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run {
        code: output.status.code().expect("exited, not killed"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        elapsed: started.elapsed(),
    }
}

#[test]
fn critical_without_mta() {
    let plugin = plugin();
    let root = fixture("hosts/nagios-no-mta");
    let run = run(&plugin, &["--root", &root, "--only", "mta"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.first_line().starts_with("MAILAUDIT CRITICAL - "),
        "{}",
        run.stdout
    );
    assert!(
        run.first_line().contains(" | 'run_time'="),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("[CRITICAL] mta: ")
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn warning_with_a_warning_profile_and_trimmed_output() {
    let plugin = plugin();
    let root = fixture("hosts/nagios-no-mta");
    let profile = fixture("nagios/mta-warning.toml");
    let full = run(&plugin, &["--root", &root, "--profile", &profile, "-vvv"]);
    assert_eq!(full.code, 1, "{}", full.stdout);
    assert!(full.first_line().starts_with("MAILAUDIT WARNING - "));
    assert!(
        full.stdout.contains("facts: host app9.nagios.example"),
        "{}",
        full.stdout
    );

    let budget = full.first_line().len() + 60;
    let budget_text = budget.to_string();
    let trimmed = run(
        &plugin,
        &[
            "--root",
            &root,
            "--profile",
            &profile,
            "-vvv",
            "--max-output",
            &budget_text,
        ],
    );
    assert_eq!(trimmed.code, 1);
    assert!(trimmed.stdout.len() <= budget, "{}", trimmed.stdout);
    assert!(
        trimmed.stdout.contains("cut by --max-output"),
        "{}",
        trimmed.stdout
    );
    // The first line (run time aside) is the same as without the budget.
    let strip = |line: &str| line.split(" | ").next().unwrap().to_string();
    assert_eq!(strip(trimmed.first_line()), strip(full.first_line()));
}

#[test]
fn bad_input_is_unknown_with_a_usage_hint() {
    let plugin = plugin();
    for (args, needle) in [
        (
            &["-w", "10:5", "--only", "dnsbl"][..],
            "start 10 is greater than end 5",
        ),
        (
            &["-c", "abc", "--only", "dnsbl"][..],
            "\"abc\" is not a number",
        ),
        (
            &["-t", "0"][..],
            "the timeout must be a positive number of seconds",
        ),
        (
            &["-t", "-5"][..],
            "the timeout must be a positive number of seconds",
        ),
        (&["--frobnicate"][..], "unexpected argument '--frobnicate'"),
        (&["-x"][..], "unexpected argument '-x'"),
        (&["-w", "5"][..], "give one of them"),
        (&["--metric", "listed"][..], "--metric needs -w and/or -c"),
        (&["-H", "not-an-ip"][..], "invalid value 'not-an-ip'"),
    ] {
        let run = run(&plugin, args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stdout);
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert!(
            lines[0].starts_with("MAILAUDIT UNKNOWN - "),
            "{args:?}: {}",
            run.stdout
        );
        assert!(lines[0].contains(needle), "{args:?}: {}", lines[0]);
        assert!(
            lines[1].starts_with("Usage: check_mailaudit "),
            "{}",
            run.stdout
        );
        assert!(!lines[0].contains('|'));
    }
}

#[test]
fn configuration_errors_are_unknown() {
    let plugin = plugin();
    let root = fixture("hosts/nagios-no-mta");
    for (args, needle) in [
        (
            vec!["--root", "/nonexistent/snapshot"],
            "/nonexistent/snapshot",
        ),
        (
            vec!["--root", &root, "--only", "no-such-check"],
            "no-such-check",
        ),
        (
            vec!["--root", &root, "--only", "mta", "-w", "1"],
            "mta (mta) is not one",
        ),
        (
            vec![
                "--root", &root, "--only", "mta", "-w", "1", "--metric", "nope",
            ],
            "no check reported this metric",
        ),
    ] {
        let run = run(&plugin, &args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stdout);
        assert!(
            run.first_line().starts_with("MAILAUDIT UNKNOWN - "),
            "{}",
            run.stdout
        );
        assert!(
            run.first_line().contains(needle),
            "{args:?}: {}",
            run.stdout
        );
    }
}

#[test]
fn help_and_version_answer_unknown_like_the_monitoring_plugins() {
    let plugin = plugin();
    let version = run(&plugin, &["-V"]);
    assert_eq!(version.code, 3);
    assert_eq!(
        version.stdout,
        format!("check_mailaudit {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = run(&plugin, &["-h"]);
    assert_eq!(help.code, 3);
    for needle in [
        "Usage: check_mailaudit",
        "--timeout",
        "--max-output",
        "@10:20",
    ] {
        assert!(help.stdout.contains(needle), "{needle}: {}", help.stdout);
    }
}

/// A snapshot whose /etc/hosts is a fifo nobody writes: gathering facts blocks forever in
/// `open`, before any check starts. Only the watchdog can answer.
#[test]
fn timeout_answers_even_when_the_run_is_stuck() {
    let plugin = plugin();
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir(&etc).unwrap();
    mkfifo(&etc.join("hosts"));
    let root = dir.path().display().to_string();
    let run = run(&plugin, &["--root", &root, "--only", "mta", "-t", "1"]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(
        run.first_line()
            .starts_with("MAILAUDIT UNKNOWN - timed out after 1 s (unfinished: mta) | 'run_time'="),
        "{}",
        run.stdout
    );
    assert!(
        run.elapsed < Duration::from_millis(1500),
        "{:?}",
        run.elapsed
    );
    assert!(run.elapsed >= Duration::from_secs(1), "{:?}", run.elapsed);

    // A profile that never ends: stuck before the checks are even known.
    let fifo = dir.path().join("profile.toml");
    mkfifo(&fifo);
    let fifo = fifo.display().to_string();
    let run = self::run(&plugin, &["--profile", &fifo, "-t", "0.5"]);
    assert_eq!(run.code, 3);
    assert!(
        run.first_line().starts_with(
            "MAILAUDIT UNKNOWN - timed out after 0.5 s (unfinished: loading the profile)"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.elapsed < Duration::from_millis(1000),
        "{:?}",
        run.elapsed
    );
}

/// A check stuck in a read (hosts.allow is a fifo nobody writes): the engine's deadline
/// abandons it and the plugin answers with what it has, naming the unfinished check.
#[test]
fn timeout_names_the_checks_the_deadline_abandoned() {
    let plugin = plugin();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let copied = Command::new("cp")
        .arg("-a")
        .arg(fixture("hosts/story-sendmail"))
        .arg(&root)
        .status()
        .unwrap();
    assert!(copied.success());
    let allow = root.join("etc/hosts.allow");
    std::fs::remove_file(&allow).unwrap();
    mkfifo(&allow);
    let root = root.display().to_string();
    let run = run(
        &plugin,
        &[
            "--root",
            &root,
            "--only",
            "tcp-wrappers",
            "--only",
            "mta",
            "-t",
            "1",
        ],
    );
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(
        run.first_line()
            .starts_with("MAILAUDIT UNKNOWN - timed out after 1 s (unfinished: tcp-wrappers) | "),
        "{}",
        run.stdout
    );
    // The engine answered (not the watchdog): the abandoned check is in the long output,
    // and the finished one's perfdata is kept.
    assert!(
        run.stdout
            .contains("[UNKNOWN] tcp-wrappers: did not finish within 1s (the run's --timeout)"),
        "{}",
        run.stdout
    );
    assert!(
        run.first_line().contains("'mta_mta_found'=1"),
        "{}",
        run.stdout
    );
    assert!(
        run.elapsed < Duration::from_millis(1500),
        "{:?}",
        run.elapsed
    );
}

/// A resolver that reads every query and never answers.
struct SilentDns {
    address: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<usize>>,
}

impl SilentDns {
    fn start() -> SilentDns {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let address = socket.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            let mut queries = 0;
            while !flag.load(Ordering::SeqCst) {
                if socket.recv_from(&mut buffer).is_ok() {
                    queries += 1;
                }
            }
            queries
        });
        SilentDns {
            address,
            stop,
            thread: Some(thread),
        }
    }

    fn stop(mut self) -> usize {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.take().unwrap().join().unwrap()
    }
}

#[test]
fn a_resolver_that_never_answers_is_unknown_within_the_timeout() {
    let plugin = plugin();
    let dns = SilentDns::start();
    let root = fixture("hosts/nagios-no-mta");
    let profile = fixture("nagios/fcrdns.toml");
    let run = run(
        &plugin,
        &[
            "--root",
            &root,
            "--profile",
            &profile,
            "--nameserver",
            &dns.address,
            "-H",
            "192.0.2.1",
            "-t",
            "1",
        ],
    );
    let queries = dns.stop();
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert!(
        run.first_line().starts_with("MAILAUDIT UNKNOWN - "),
        "{}",
        run.stdout
    );
    assert!(
        run.elapsed < Duration::from_millis(1500),
        "{:?}",
        run.elapsed
    );
    if run.first_line().contains("timed out after") {
        // The engine's deadline (or the watchdog) ended the DNS check.
        assert!(
            run.first_line()
                .starts_with("MAILAUDIT UNKNOWN - timed out after 1 s (unfinished: fcrdns)"),
            "{}",
            run.stdout
        );
        assert!(queries > 0, "the check never asked the resolver");
    }
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}
