//! End to end with the real monitoring engines (Debian's icinga2 and nagios4 packages):
//! our shipped definitions validate, and a real Icinga 2 daemon runs `check_mailaudit`
//! against fixture snapshots, records the four states and parses our perfdata.
//!
//! Without the tools the tests print a notice and pass, except under `MAILAUDIT_E2E=1`
//! (set by `.ci/run`, whose `.ci/setup.d/40-monitoring.sh` installs them): then a missing
//! tool is a failure.

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const ICINGA2: &str = "/usr/sbin/icinga2";
const NAGIOS4: &str = "/usr/sbin/nagios4";

/// The tool, or `None` after a notice (a panic under `MAILAUDIT_E2E=1`).
fn tool(path: &str, package: &str) -> Option<PathBuf> {
    if Path::new(path).is_file() {
        return Some(PathBuf::from(path));
    }
    if std::env::var("MAILAUDIT_E2E").as_deref() == Ok("1") {
        panic!(
            "MAILAUDIT_E2E=1 but {path} is missing: run .ci/setup.d/40-monitoring.sh ({package})"
        );
    }
    eprintln!("notice: {path} not installed ({package}); skipping this end-to-end test");
    None
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn monitoring(path: &str) -> String {
    repo("ansible/roles/mailaudit/files/monitoring")
        .join(path)
        .display()
        .to_string()
}

fn fixture(path: &str) -> String {
    repo("fixtures").join(path).display().to_string()
}

/// `-D` options that keep Icinga out of the system directories and as the current user.
fn icinga_dirs(dir: &Path) -> Vec<String> {
    let mut args = vec![
        "-DRunAsUser=root".to_string(),
        "-DRunAsGroup=root".to_string(),
    ];
    if !is_root() {
        // Not root (a developer's machine): run as whoever we are.
        let user = std::env::var("USER").unwrap_or_else(|_| "nobody".into());
        args = vec![
            format!("-DRunAsUser={user}"),
            format!("-DRunAsGroup={user}"),
        ];
    }
    for (name, sub) in [
        ("DataDir", "data"),
        ("CacheDir", "cache"),
        ("SpoolDir", "spool"),
        ("LogDir", "log"),
        ("InitRunDir", "run"),
    ] {
        let path = dir.join(sub);
        std::fs::create_dir_all(&path).unwrap();
        args.push(format!("-D{name}={}", path.display()));
    }
    args
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The plugin as monitoring engines find it: a symlink named `check_mailaudit`.
fn plugin_dir(dir: &Path) -> PathBuf {
    let plugins = dir.join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_mailaudit"),
        plugins.join("check_mailaudit"),
    )
    .unwrap();
    plugins
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

fn output_of(command: &mut Command) -> (bool, String) {
    let output = command.stdin(Stdio::null()).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn icinga2_validates_the_shipped_definitions() {
    let Some(icinga2) = tool(ICINGA2, "icinga2") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugin_dir(dir.path());
    let config = dir.path().join("icinga2.conf");
    // The command, the example apply rules, and what they expect from a real setup: the
    // ITL, a "generic-service" template and hosts that the rules assign to.
    write(
        &config,
        &format!(
            r#"const PluginDir = "{plugins}"
include <itl>
include "{command}"
include "{services}"
template Service "generic-service" {{
  max_check_attempts = 3
}}
object Host "web1.shop.example" {{
  check_command = "dummy"
  vars.mailaudit = true
  vars.mailaudit_bounce_thresholds = true
  vars.mailaudit_egress_ips = [ "203.0.113.25", "2001:db8::25" ]
}}
object Host "db1.shop.example" {{
  check_command = "dummy"
}}
"#,
            plugins = plugins.display(),
            command = monitoring("icinga2/mailaudit-command.conf"),
            services = monitoring("icinga2/mailaudit-services.conf"),
        ),
    );
    let (ok, text) = output_of(
        Command::new(&icinga2)
            .args(["daemon", "-C", "-c"])
            .arg(&config)
            .args(icinga_dirs(dir.path())),
    );
    assert!(ok, "icinga2 daemon -C failed:\n{text}");
    // 1 whole audit + 2 blocklist services (one per address) + 1 bounce service.
    assert!(text.contains("Instantiated 4 Services"), "{text}");
    assert!(!text.contains("warning/"), "{text}");
}

/// What a Debian nagios4 setup provides around our file: a time period, a contact, the
/// "generic-service" template (passive here: the shipped services query NRPE and public
/// blocklists, which the tests must not do) and a host in our hostgroup.
const NAGIOS_HARNESS: &str = r#"define timeperiod {
    timeperiod_name 24x7
    alias           always
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
    sunday 00:00-24:00
}
define command {
    command_name    notify-nobody
    command_line    /bin/true
}
define command {
    command_name    check-host-alive
    command_line    /bin/true
}
define contact {
    contact_name                    oncall
    host_notifications_enabled      0
    service_notifications_enabled   0
    host_notification_period        24x7
    service_notification_period     24x7
    host_notification_options       n
    service_notification_options    n
    host_notification_commands      notify-nobody
    service_notification_commands   notify-nobody
}
define service {
    name                    generic-service
    register                0
    active_checks_enabled   0
    max_check_attempts      3
    check_interval          5
    retry_interval          1
    check_period            24x7
    notification_interval   0
    notification_period     24x7
    contacts                oncall
}
define host {
    host_name               web1.shop.example
    address                 127.0.0.1
    hostgroups              mailaudit-hosts
    check_command           check-host-alive
    max_check_attempts      1
    check_period            24x7
    notification_interval   0
    notification_period     24x7
    contacts                oncall
    _MAILAUDIT_EGRESS_IP    203.0.113.25
}
"#;

/// A self-contained nagios.cfg under `d` that includes our definitions; settings for a
/// quick foreground run (1 s interval unit, no check spread, no retention).
fn nagios_cfg(d: &str, ours: &str) -> String {
    format!(
        "log_file={d}/nagios.log
cfg_file={d}/objects.cfg
cfg_file={ours}
resource_file={d}/resource.cfg
status_file={d}/status.dat
temp_file={d}/nagios.tmp
temp_path={d}
lock_file={d}/nagios.lock
check_result_path={d}/checkresults
object_cache_file={d}/objects.cache
precached_object_file={d}/objects.precache
state_retention_file={d}/retention.dat
retain_state_information=0
use_retained_program_state=0
use_retained_scheduling_info=0
command_file={d}/nagios.cmd
check_external_commands=0
enable_notifications=0
nagios_user=root
nagios_group=root
interval_length=1
status_update_interval=1
check_result_reaper_frequency=1
service_inter_check_delay_method=n
host_inter_check_delay_method=n
max_service_check_spread=1
max_host_check_spread=1
illegal_macro_output_chars=`~$&|'\"<>
"
    )
}

#[test]
fn nagios4_validates_the_shipped_definitions() {
    let Some(nagios4) = tool(NAGIOS4, "nagios4-core") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let plugins = plugin_dir(dir.path());
    std::fs::create_dir_all(dir.path().join("checkresults")).unwrap();
    write(
        &dir.path().join("resource.cfg"),
        &format!("$USER1$={}\n", plugins.display()),
    );
    write(&dir.path().join("objects.cfg"), NAGIOS_HARNESS);
    let config = dir.path().join("nagios.cfg");
    write(
        &config,
        &nagios_cfg(&d, &monitoring("nagios/mailaudit.cfg")),
    );
    let (ok, text) = output_of(Command::new(&nagios4).arg("-v").arg(&config));
    assert!(ok, "nagios4 -v failed:\n{text}");
    assert!(text.contains("Total Errors:   0"), "{text}");
    assert!(text.contains("Total Warnings: 0"), "{text}");
    assert!(text.contains("Checked 2 services."), "{text}");
    // Our three commands and the two of the harness.
    assert!(text.contains("Checked 5 commands."), "{text}");
}

/// The NRPE line is a `command[name]=…` whose command line is one the plugin accepts.
#[test]
fn nrpe_command_line_is_accepted_by_the_plugin() {
    let text = std::fs::read_to_string(monitoring("nrpe/mailaudit.cfg")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("command[check_mailaudit]="))
        .expect("command[check_mailaudit] line");
    let argv: Vec<&str> = line.split_once('=').unwrap().1.split_whitespace().collect();
    assert_eq!(argv[0], "/usr/lib/nagios/plugins/check_mailaudit");
    let dir = tempfile::tempdir().unwrap();
    let plugins = plugin_dir(dir.path());
    // Same options, on a snapshot: a plugin answer (CRITICAL here), not a usage error.
    let output = Command::new(plugins.join("check_mailaudit"))
        .args(&argv[1..])
        .args(["--root", &fixture("hosts/nagios-no-mta"), "--only", "mta"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{stdout}");
    assert!(stdout.len() <= 1023);
}

/// A resolver that reads every query and never answers (the UNKNOWN service).
struct SilentDns {
    address: String,
    stop: Arc<AtomicBool>,
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
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while !flag.load(Ordering::SeqCst) {
                let _ = socket.recv_from(&mut buffer);
            }
        });
        SilentDns { address, stop }
    }
}

impl Drop for SilentDns {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The daemon, stopped by its PID when the test ends (also on failure).
struct Daemon {
    child: Child,
}

impl Daemon {
    /// SIGTERM, then a bounded wait (Icinga flushes the perfdata files when it stops).
    fn stop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.stop();
        }
    }
}

/// Services of `status.dat` (Icinga's compat StatusDataWriter): description → fields.
fn service_status(path: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut services = BTreeMap::new();
    for block in text.split("servicestatus {").skip(1) {
        let body = block.split('}').next().unwrap_or("");
        let fields: BTreeMap<String, String> = body
            .lines()
            .filter_map(|line| line.trim().split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(name) = fields.get("service_description") {
            services.insert(name.clone(), fields);
        }
    }
    services
}

/// One service of the daemon tests: the state the engine must record, as Icinga custom
/// variables (through our CheckCommand) and as plugin arguments (Nagios `$ARG1$`).
struct Scenario {
    name: &'static str,
    state: u8,
    icinga_vars: String,
    args: Vec<String>,
}

/// OK, WARNING, CRITICAL and UNKNOWN (a resolver that never answers), each pinned to the
/// checks it relies on so that other kinds landing do not move it.
fn scenarios(dns: &SilentDns) -> Vec<Scenario> {
    let ok_root = fixture("hosts/postfix-relayhost");
    let quiet_root = fixture("hosts/nagios-no-mta");
    let no_mta = fixture("hosts/no-mta");
    let warning_profile = fixture("nagios/mta-warning.toml");
    let dns_profile = fixture("nagios/fcrdns.toml");
    let many_profile = fixture("nagios/many-metrics.toml");
    let strings = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        Scenario {
            name: "mail-ok",
            state: 0,
            icinga_vars: format!(
                "vars.mailaudit_root = \"{ok_root}\"\n  vars.mailaudit_only = [ \"mta\" ]"
            ),
            args: strings(&["--root", &ok_root, "--only", "mta"]),
        },
        Scenario {
            name: "mail-warning",
            state: 1,
            icinga_vars: format!(
                "vars.mailaudit_root = \"{quiet_root}\"\n  vars.mailaudit_profile = [ \"{warning_profile}\" ]"
            ),
            args: strings(&["--root", &quiet_root, "--profile", &warning_profile]),
        },
        Scenario {
            name: "mail-critical",
            state: 2,
            icinga_vars: format!(
                "vars.mailaudit_root = \"{no_mta}\"\n  vars.mailaudit_only = [ \"mta\" ]\n  vars.mailaudit_verbose = true"
            ),
            args: strings(&["--root", &no_mta, "--only", "mta", "-v"]),
        },
        Scenario {
            name: "mail-many-metrics",
            state: 1,
            icinga_vars: format!(
                "vars.mailaudit_root = \"{quiet_root}\"\n  vars.mailaudit_profile = [ \"{many_profile}\" ]"
            ),
            args: strings(&["--root", &quiet_root, "--profile", &many_profile]),
        },
        Scenario {
            name: "mail-unknown",
            state: 3,
            icinga_vars: format!(
                "vars.mailaudit_root = \"{quiet_root}\"\n  vars.mailaudit_profile = [ \"{dns_profile}\" ]\n  vars.mailaudit_nameserver = [ \"{}\" ]\n  vars.mailaudit_egress_ip = [ \"192.0.2.1\" ]\n  vars.mailaudit_timeout = 2",
                dns.address
            ),
            args: strings(&[
                "--root",
                &quiet_root,
                "--profile",
                &dns_profile,
                "--nameserver",
                &dns.address,
                "-H",
                "192.0.2.1",
                "-t",
                "2",
            ]),
        },
    ]
}

/// Bounded wait until every scenario's service has a result in `status.dat` (which shows
/// `current_state=0` before the first check: only `has_been_checked=1` counts).
fn wait_until_checked(
    status_path: &Path,
    scenarios: &[Scenario],
    daemon: &mut Daemon,
    log: &Path,
) -> BTreeMap<String, BTreeMap<String, String>> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let status = service_status(status_path);
        let checked = scenarios.iter().all(|scenario| {
            status
                .get(scenario.name)
                .is_some_and(|s| s.get("has_been_checked").map(String::as_str) == Some("1"))
        });
        if checked {
            return status;
        }
        if let Ok(Some(exit)) = daemon.child.try_wait() {
            panic!(
                "the daemon exited ({exit}):\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "not every service was checked within 30 s: {status:#?}\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The states, outputs and perfdata the daemon recorded are ours.
fn assert_recorded(status: &BTreeMap<String, BTreeMap<String, String>>, scenarios: &[Scenario]) {
    for scenario in scenarios {
        let fields = &status[scenario.name];
        let output = &fields["plugin_output"];
        assert_eq!(
            fields["current_state"],
            scenario.state.to_string(),
            "{}: {fields:#?}",
            scenario.name
        );
        let word = ["OK", "WARNING", "CRITICAL", "UNKNOWN"][usize::from(scenario.state)];
        assert!(
            output.starts_with(&format!("MAILAUDIT {word} - ")),
            "{}: {output}",
            scenario.name
        );
        // The engine split our perfdata off the first line.
        assert!(!output.contains('|'), "{}: {output}", scenario.name);
        // Icinga re-formats perfdata (quotes only where needed); Nagios keeps it as written.
        assert!(
            fields["performance_data"].starts_with("run_time=")
                || fields["performance_data"].starts_with("'run_time'="),
            "{}: {fields:#?}",
            scenario.name
        );
    }
    // `-v` (Icinga: `mailaudit_verbose = true` through `set_if`) adds the fix to the finding.
    let critical = &status["mail-critical"]["long_plugin_output"];
    assert!(
        critical.contains("[CRITICAL] mta: ") && critical.contains("  fix: Install"),
        "{:#?}",
        status["mail-critical"]
    );
    // Perfdata that overflowed the first line continues after a `|` on the last line of the
    // long output: the engine took all of it as perfdata, none of it as text.
    let many = &status["mail-many-metrics"];
    let perfdata = many["performance_data"].replace('\'', "");
    for label in [
        "run_time=",
        "mta-01_mta_found=0;;;0",
        "mta-12_smarthost_configured=0;;;0",
    ] {
        assert!(perfdata.contains(label), "{label}: {many:#?}");
    }
    assert_eq!(perfdata.matches("_mta_found=").count(), 12, "{many:#?}");
    let long = &many["long_plugin_output"];
    assert!(long.contains("[WARNING] mta-12: "), "{many:#?}");
    assert!(
        !long.contains("mta_found") && !long.contains('|'),
        "{many:#?}"
    );
}

#[test]
fn icinga2_daemon_runs_the_plugin_and_records_states_and_perfdata() {
    let Some(icinga2) = tool(ICINGA2, "icinga2") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let plugins = plugin_dir(dir.path());
    std::fs::create_dir_all(dir.path().join("perfdata")).unwrap();
    let dns = SilentDns::start();
    let scenarios = scenarios(&dns);

    let mut config = format!(
        r#"const PluginDir = "{plugins}"
include <itl>
include "{command}"
object CheckerComponent "checker" {{ }}
object StatusDataWriter "status" {{
  status_path = "{d}/status.dat"
  objects_path = "{d}/objects.cache"
  update_interval = 1s
}}
object PerfdataWriter "perfdata" {{
  host_perfdata_path = "{d}/perfdata/host-perfdata"
  service_perfdata_path = "{d}/perfdata/service-perfdata"
  host_temp_path = "{d}/perfdata/host-perfdata.tmp"
  service_temp_path = "{d}/perfdata/service-perfdata.tmp"
  rotation_interval = 1s
}}
object Host "e2e.mail.example" {{
  check_command = "dummy"
  enable_active_checks = false
}}
"#,
        plugins = plugins.display(),
        command = monitoring("icinga2/mailaudit-command.conf"),
    );
    for scenario in &scenarios {
        config.push_str(&format!(
            r#"object Service "{name}" {{
  host_name = "e2e.mail.example"
  check_command = "mailaudit"
  max_check_attempts = 1
  check_interval = 1s
  retry_interval = 1s
  {vars}
}}
"#,
            name = scenario.name,
            vars = scenario.icinga_vars,
        ));
    }
    let config_path = dir.path().join("icinga2.conf");
    write(&config_path, &config);
    let log_path = dir.path().join("daemon.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = Command::new(&icinga2)
        .args(["daemon", "-c"])
        .arg(&config_path)
        .args(icinga_dirs(dir.path()))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut daemon = Daemon { child };
    let status = wait_until_checked(
        &dir.path().join("status.dat"),
        &scenarios,
        &mut daemon,
        &log_path,
    );
    // The PerfdataWriter writes each result through its own queue and publishes its file on
    // rotation (every second): wait, bounded, until every service's line is out, then stop.
    let perfdata_dir = dir.path().join("perfdata");
    let deadline = Instant::now() + Duration::from_secs(15);
    let perfdata = loop {
        let perfdata = rotated_perfdata(&perfdata_dir);
        let complete = scenarios
            .iter()
            .all(|scenario| perfdata.contains(&format!("\tSERVICEDESC::{}\t", scenario.name)));
        if complete || Instant::now() >= deadline {
            break perfdata;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    daemon.stop();
    assert_recorded(&status, &scenarios);

    // The perfdata writer's files hold our labels and values, per service.
    for scenario in &scenarios {
        let name = scenario.name;
        let line = perfdata
            .lines()
            .find(|l| l.contains(&format!("\tSERVICEDESC::{name}\t")))
            .unwrap_or_else(|| panic!("no perfdata of {name}:\n{perfdata}"));
        let values = line
            .split('\t')
            .find_map(|f| f.strip_prefix("SERVICEPERFDATA::"))
            .unwrap();
        let run_time = values
            .split_whitespace()
            .find_map(|item| item.strip_prefix("run_time="))
            .unwrap_or_else(|| panic!("{name}: {values}"));
        let (seconds, rest) = run_time.split_once("s;").unwrap();
        assert!(seconds.parse::<f64>().unwrap() >= 0.0, "{values}");
        assert_eq!(rest, ";;0", "{values}");
        if name == "mail-ok" {
            // The mta check's own counts went through as numbers.
            assert!(values.contains(" mta_mta_found=1;;;0"), "{values}");
        }
    }
}

/// The service perfdata files the PerfdataWriter has rotated (published), concatenated.
fn rotated_perfdata(dir: &Path) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            name.starts_with("service-perfdata.") && !name.ends_with(".tmp")
        })
        .map(|path| std::fs::read_to_string(path).unwrap_or_default())
        .collect()
}

/// Nagios 4 in the foreground runs our shipped `check_mailaudit` command for the same
/// scenarios and records the same states.
#[test]
fn nagios4_daemon_runs_the_shipped_command_and_records_states() {
    let Some(nagios4) = tool(NAGIOS4, "nagios4-core") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let plugins = plugin_dir(dir.path());
    std::fs::create_dir_all(dir.path().join("checkresults")).unwrap();
    let dns = SilentDns::start();
    let scenarios = scenarios(&dns);
    write(
        &dir.path().join("resource.cfg"),
        &format!("$USER1$={}\n", plugins.display()),
    );
    let mut objects = String::from(NAGIOS_HARNESS);
    for scenario in &scenarios {
        objects.push_str(&format!(
            "define service {{
    use                     generic-service
    host_name               web1.shop.example
    service_description     {name}
    check_command           check_mailaudit!{args}
    active_checks_enabled   1
    max_check_attempts      1
    check_interval          1
    retry_interval          1
}}
",
            name = scenario.name,
            args = scenario.args.join(" "),
        ));
    }
    write(&dir.path().join("objects.cfg"), &objects);
    let config = dir.path().join("nagios.cfg");
    write(
        &config,
        &nagios_cfg(&d, &monitoring("nagios/mailaudit.cfg")),
    );
    let log_path = dir.path().join("daemon.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let child = Command::new(&nagios4)
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut daemon = Daemon { child };
    let status = wait_until_checked(
        &dir.path().join("status.dat"),
        &scenarios,
        &mut daemon,
        &dir.path().join("nagios.log"),
    );
    daemon.stop();
    assert_recorded(&status, &scenarios);
}
