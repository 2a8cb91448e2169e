//! End to end with real ansible-core: the binary as a module of the `mailaudit.audit`
//! collection (ansible-doc, playbook tasks, ad-hoc string parameters, the install role, the
//! fleet playbook over ~20 local hosts with one unreachable), plus the module's answers to
//! bad args files (these run without Ansible).
//!
//! ansible-core comes from `.ci/setup.d/30-ansible.sh` (venv in `target/ci/venv`). Without
//! it these tests print a notice and pass, except under `MAILAUDIT_E2E=1` (CI) where a
//! missing Ansible is a failure. Everything runs on loopback with local connections;
//! Ansible's home, temp dirs and config are confined to a temp dir.
//!
//! Hosts are the fixture snapshots (`fixtures/hosts/*`, audited through `root:`) with the
//! checks pinned (`only: mta`), so that the assertions do not depend on other check kinds:
//! `no-mta` is critical (nothing provides /usr/sbin/sendmail); for the other fixtures the
//! fleet test expects what `mailaudit run --root … --only mta` says.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_mailaudit");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// The directory holding `ansible-playbook`, or `None` (with a notice) when the tests must
/// be skipped. Panics under MAILAUDIT_E2E=1 when Ansible is missing.
fn ansible_bin_dir() -> Option<PathBuf> {
    let in_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    let venv = Path::new(MANIFEST_DIR).join("target/ci/venv/bin");
    let found = in_path
        .into_iter()
        .chain([venv])
        .find(|dir| dir.join("ansible-playbook").is_file() && dir.join("ansible-doc").is_file());
    if found.is_none() {
        assert!(
            std::env::var("MAILAUDIT_E2E").as_deref() != Ok("1"),
            "MAILAUDIT_E2E=1 but ansible-playbook is not installed (run .ci/setup.d/30-ansible.sh)"
        );
        eprintln!(
            "notice: ansible-playbook not found (PATH, target/ci/venv): Ansible e2e test skipped; run .ci/setup.d/30-ansible.sh"
        );
    }
    found
}

/// A throw-away Ansible world: the collection with the module, config, home and temp dirs.
struct World {
    dir: tempfile::TempDir,
    bin_dir: PathBuf,
}

impl World {
    fn new() -> Option<World> {
        let bin_dir = ansible_bin_dir()?;
        let dir = tempfile::tempdir().unwrap();
        let collection = dir
            .path()
            .join("collections/ansible_collections/mailaudit/audit");
        copy_tree(&Path::new(MANIFEST_DIR).join("ansible"), &collection);
        // What ansible/build.sh does, with the binary under test.
        let module = collection.join("plugins/modules/mailaudit");
        fs::copy(BINARY, &module).unwrap();
        for sub in ["home", "local-tmp", "remote-tmp"] {
            fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        fs::write(
            dir.path().join("ansible.cfg"),
            "[defaults]\nhost_key_checking = False\nretry_files_enabled = False\n",
        )
        .unwrap();
        Some(World { dir, bin_dir })
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    fn command(&self, tool: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(tool));
        let path = std::env::join_paths([self.bin_dir.clone()].into_iter().chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        command
            .current_dir(self.dir.path())
            .env("PATH", path)
            .env("ANSIBLE_CONFIG", self.path("ansible.cfg"))
            .env("ANSIBLE_HOME", self.path("home"))
            .env("ANSIBLE_LOCAL_TEMP", self.path("local-tmp"))
            .env("ANSIBLE_REMOTE_TEMP", self.path("remote-tmp"))
            .env("ANSIBLE_COLLECTIONS_PATH", self.path("collections"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_FORCE_COLOR", "0")
            .env("ANSIBLE_PYTHON_INTERPRETER", self.python())
            .env("ANSIBLE_DEPRECATION_WARNINGS", "0")
            .env_remove("ANSIBLE_INVENTORY");
        command
    }

    /// The Python running Ansible also runs its Python modules on the local "targets"
    /// (interpreter discovery could find a broken shim first).
    fn python(&self) -> PathBuf {
        let venv_python = self.bin_dir.join("python");
        if venv_python.is_file() {
            venv_python
        } else {
            PathBuf::from("auto_silent")
        }
    }

    fn playbook(&self, playbook: &Path, args: &[&str]) -> Output {
        self.command("ansible-playbook")
            .arg(playbook)
            .args(args)
            .output()
            .unwrap()
    }
}

/// A committed fixture host (snapshot root).
fn fixture(name: &str) -> PathBuf {
    let root = Path::new(MANIFEST_DIR).join("fixtures/hosts").join(name);
    assert!(root.is_dir(), "fixture host {} is missing", root.display());
    root
}

/// The fixture hosts, by directory name.
fn fixture_hosts() -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(Path::new(MANIFEST_DIR).join("fixtures/hosts"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// What `mailaudit run` says about a root with the mta check only: (host, status).
fn cli_verdict(root: &Path) -> (String, String) {
    let output = Command::new(BINARY)
        .args(["run", "--only", "mta", "--format", "json", "--root"])
        .arg(root)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    (
        report["host"].as_str().unwrap().to_string(),
        report["status"].as_str().unwrap().to_string(),
    )
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else if entry.file_name() != "mailaudit" {
            // A module binary placed in the source tree by build.sh is not the one under test.
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn text(output: &Output) -> String {
    format!(
        "status: {}\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_success(output: &Output) {
    assert!(output.status.success(), "{}", text(output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("failed=0"),
        "a task failed unexpectedly:\n{}",
        text(output)
    );
}

/// Runs the module binary directly on an args file; returns its single JSON object.
fn run_module(args: &[&str]) -> Value {
    let output = Command::new(BINARY).args(args).output().unwrap();
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "exactly one line of JSON expected: {stdout:?}"
    );
    let value: Value = serde_json::from_str(lines[0]).expect("stdout is JSON");
    assert!(value.is_object(), "{value}");
    value
}

#[test]
fn bad_args_files_get_a_failed_json_answer() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("ansible-tmp-1733300000.25-4242-1");
    fs::create_dir_all(&tmp).unwrap();
    let args = tmp.join("args");
    let cases: [(&[u8], &str); 7] = [
        (b"", "empty: expected a JSON object of parameters"),
        (b"only=mta", "not JSON"),
        (
            b"[\"mta\"]",
            "expected a JSON object of parameters, got a list",
        ),
        (br#"{"only": {"mta": 1}}"#, "parameter `only`"),
        (br#"{"timeout": [1]}"#, "parameter `timeout`"),
        (
            br#"{"profile": "/nonexistent/profile.toml"}"#,
            "parameter `profile`: /nonexistent/profile.toml does not exist on the target",
        ),
        (
            br#"{"root": "/nonexistent/root", "only": "mta"}"#,
            "parameter `root`: /nonexistent/root is not a directory",
        ),
    ];
    for (content, expected) in cases {
        fs::write(&args, content).unwrap();
        let answer = run_module(&[args.to_str().unwrap()]);
        assert_eq!(answer["failed"], Value::Bool(true), "{answer}");
        assert_eq!(answer["changed"], Value::Bool(false), "{answer}");
        let msg = answer["msg"].as_str().unwrap();
        assert!(msg.contains(expected), "{expected:?} not in {msg:?}");
    }
    // Missing, but clearly Ansible's: the args file of a remote tmp dir.
    fs::remove_file(&args).unwrap();
    let answer = run_module(&[args.to_str().unwrap()]);
    assert_eq!(answer["failed"], Value::Bool(true));
    assert!(
        answer["msg"]
            .as_str()
            .unwrap()
            .ends_with("args: no such file"),
        "{answer}"
    );

    // And the successful path, as a direct invocation.
    let root = fixture("no-mta");
    fs::write(
        &args,
        serde_json::json!({"root": root, "only": "mta", "fail_on": "never",
                           "_ansible_check_mode": false, "_ansible_brand_new_key": {"x": 1}})
        .to_string(),
    )
    .unwrap();
    let answer = run_module(&[args.to_str().unwrap()]);
    assert_eq!(answer["failed"], Value::Bool(false), "{answer}");
    assert_eq!(answer["status"], "critical");
    assert_eq!(answer["audit"]["schema"], "mailaudit/report/v1");
    assert_eq!(answer["audit"]["results"][0]["id"], "mta");
    assert_eq!(
        answer["ansible_facts"]["mailaudit"]["fqdn"],
        "app1.nomta.example"
    );
    assert!(answer.get("check_mode").is_none());
}

#[test]
fn ansible_doc_renders_the_module_documentation() {
    let Some(world) = World::new() else { return };
    let output = world
        .command("ansible-doc")
        .arg("mailaudit.audit.mailaudit")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let shown = String::from_utf8_lossy(&output.stdout);
    for expected in [
        "mailaudit.audit.mailaudit",
        "fail_on",
        "EXAMPLES",
        "RETURN VALUES",
    ] {
        assert!(shown.contains(expected), "{expected:?} missing:\n{shown}");
    }

    // The documented options are exactly the parameters the module accepts.
    let output = world
        .command("ansible-doc")
        .args(["--json", "mailaudit.audit.mailaudit"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    let doc: Value = serde_json::from_slice(&output.stdout).unwrap();
    let options = doc["mailaudit.audit.mailaudit"]["doc"]["options"]
        .as_object()
        .expect("options documented");
    let mut documented: Vec<&str> = options.keys().map(String::as_str).collect();
    documented.sort_unstable();
    let mut accepted: Vec<&str> = mailaudit::ansible::PARAMETERS.to_vec();
    accepted.sort_unstable();
    assert_eq!(documented, accepted);
    assert!(doc["mailaudit.audit.mailaudit"]["examples"].is_string());
    assert!(doc["mailaudit.audit.mailaudit"]["return"]["audit"].is_object());
}

#[test]
fn playbook_tasks_return_the_documented_fields() {
    let Some(world) = World::new() else { return };
    let root = fixture("no-mta");
    let playbook = world.path("tasks.yml");
    fs::write(
        &playbook,
        format!(
            r#"
- hosts: all
  gather_facts: false
  vars:
    snapshot: "{root}"
  tasks:
    - name: A critical host fails the task (fail_on defaults to critical)
      mailaudit.audit.mailaudit:
        root: "{{{{ snapshot }}}}"
        only: [mta]
      register: critical
      ignore_errors: true

    - name: The report comes back all the same
      ansible.builtin.assert:
        that:
          - critical is failed
          - critical is not changed
          - critical.status == 'critical'
          - "critical.msg == 'critical: ' ~ critical.audit.summary"
          - "critical.msg is search('no MTA provides /usr/sbin/sendmail')"
          - critical.counts.critical == 1
          - critical.audit.schema == 'mailaudit/report/v1'
          - critical.audit.host == 'app1.nomta.example'
          - critical.audit.results | length == 1
          - critical.audit.results[0].id == 'mta'
          - critical.audit.results[0].remediation | length > 0
          - critical.check_mode is not defined

    - name: A host whose MTA relays through a smarthost passes
      mailaudit.audit.mailaudit:
        root: "{relay}"
        only: [mta]
      register: relay

    - ansible.builtin.assert:
        that:
          - relay is not failed
          - relay.status == 'ok'
          - "relay.msg is match('ok: ')"
          - relay.counts.ok == 1
          - ansible_facts.mailaudit.mta.smarthost is search('smtp.provider.example')

    - name: fail_on never does not fail, the status stays critical
      mailaudit.audit.mailaudit:
        root: "{{{{ snapshot }}}}"
        only: mta
        fail_on: never
        timeout: 30
        redact: true
      register: never

    - ansible.builtin.assert:
        that:
          - never is not failed
          - never.status == 'critical'
          - never.audit.status == 'critical'
          # Facts are set by tasks that did not fail.
          - ansible_facts.mailaudit.fqdn == 'app1.nomta.example'
          - ansible_facts.mailaudit.snapshot

    - name: Check mode runs the audit (it is read-only) and says so
      mailaudit.audit.mailaudit:
        root: "{{{{ snapshot }}}}"
        only: [mta]
        fail_on: never
      check_mode: true
      register: checked

    - ansible.builtin.assert:
        that:
          - checked.check_mode
          - "'check mode' in checked.msg"
          - checked.status == 'critical'
          - checked.audit.results | length == 1

    - name: An unknown parameter fails, listing the valid ones
      mailaudit.audit.mailaudit:
        root: "{{{{ snapshot }}}}"
        colour: always
      register: unknown
      ignore_errors: true

    - ansible.builtin.assert:
        that:
          - unknown is failed
          - unknown.audit is not defined
          - "'unsupported parameter `colour`' in unknown.msg"
          - "'valid parameters: profile, checks, only' in unknown.msg"

    - name: Inline checks are validated and run like a profile's
      mailaudit.audit.mailaudit:
        root: "{{{{ snapshot }}}}"
        fail_on: warning
        checks:
          - id: local-mta
            kind: mta
            severity: warning
            title: An MTA is installed
            remediation: Install one.
      register: inline
      ignore_errors: true

    - ansible.builtin.assert:
        that:
          - inline is failed
          - inline.status == 'warning'
          - inline.audit.results[0].id == 'local-mta'

    - name: A profile that does not exist on the target fails clearly
      mailaudit.audit.mailaudit:
        profile: /nonexistent/mailaudit.toml
      register: missing
      ignore_errors: true

    - ansible.builtin.assert:
        that:
          - missing is failed
          - "missing.msg == 'parameter `profile`: /nonexistent/mailaudit.toml does not exist on the target'"
"#,
            root = root.display(),
            relay = fixture("postfix-relayhost").display()
        ),
    )
    .unwrap();
    let output = world.playbook(&playbook, &["-i", "localhost,", "-c", "local"]);
    assert_success(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("ignored=4"), "{}", text(&output));
}

#[test]
fn adhoc_string_parameters_are_coerced() {
    let Some(world) = World::new() else { return };
    let root = fixture("no-mta");
    let output = world
        .command("ansible")
        .args(["localhost", "-i", "localhost,", "-c", "local"])
        .args(["-m", "mailaudit.audit.mailaudit", "-a"])
        .arg(format!(
            "root={} only=mta,tcp_wrappers fail_on=never redact=yes timeout=42 egress_ips=192.0.2.25",
            root.display()
        ))
        .env("ANSIBLE_LOAD_CALLBACK_PLUGINS", "1")
        .env("ANSIBLE_STDOUT_CALLBACK", "ansible.builtin.oneline")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output));
    // oneline: `localhost | SUCCESS => {…}`
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("localhost | SUCCESS => "))
        .unwrap_or_else(|| panic!("no result line: {}", text(&output)));
    let result: Value = serde_json::from_str(&line["localhost | SUCCESS => ".len()..])
        .unwrap_or_else(|e| panic!("{e}: {line}"));
    // SUCCESS although critical: fail_on=never (Ansible drops `failed: false` from the line).
    assert_ne!(result["failed"], Value::Bool(true), "{result}");
    assert_eq!(result["status"], "critical");
    let ids: Vec<&str> = result["audit"]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["mta", "tcp-wrappers"]);
    assert_eq!(
        result["ansible_facts"]["mailaudit"]["egress_ips"],
        serde_json::json!(["192.0.2.25"])
    );

    // A bad ad-hoc value fails with the parameter's name.
    let output = world
        .command("ansible")
        .args(["localhost", "-i", "localhost,", "-c", "local"])
        .args(["-m", "mailaudit.audit.mailaudit", "-a", "redact=perhaps"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("parameter `redact`: expected a boolean"),
        "{}",
        text(&output)
    );
}

#[test]
fn role_installs_the_binary_and_the_monitoring_definitions() {
    let Some(world) = World::new() else { return };
    let playbook = world.path("role.yml");
    fs::write(
        &playbook,
        "- hosts: all\n  gather_facts: false\n  roles:\n    - role: mailaudit.audit.mailaudit\n",
    )
    .unwrap();
    // Everything under the temp dir; no service to reload here.
    let vars = serde_json::json!({
        "mailaudit_install_path": world.path("target/bin/mailaudit"),
        "mailaudit_nagios_plugin_dir": world.path("target/plugins"),
        "mailaudit_install_nrpe": true,
        "mailaudit_nrpe_conf_dir": world.path("target/nrpe.d"),
        "mailaudit_nrpe_service": "",
        "mailaudit_install_nagios_config": true,
        "mailaudit_nagios_conf_dir": world.path("target/nagios4/conf.d"),
        "mailaudit_nagios_service": "",
        "mailaudit_install_icinga2_config": true,
        "mailaudit_icinga2_conf_dir": world.path("target/icinga2/conf.d"),
        "mailaudit_icinga2_service": "",
        "mailaudit_owner": "",
        "mailaudit_group": "",
    });
    let output = world.playbook(
        &playbook,
        &["-i", "localhost,", "-c", "local", "-e", &vars.to_string()],
    );
    assert_success(&output);
    let installed = world.path("target/bin/mailaudit");
    let version = Command::new(&installed).arg("--version").output().unwrap();
    assert!(version.status.success());
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("mailaudit "));
    let link = fs::read_link(world.path("target/plugins/check_mailaudit")).unwrap();
    assert_eq!(link, installed);

    // The shipped monitoring definitions (when the role has them) land where each system
    // reads its configuration, unchanged.
    let shipped = Path::new(MANIFEST_DIR).join("ansible/roles/mailaudit/files/monitoring");
    for (system, dest) in [
        ("nrpe", "target/nrpe.d"),
        ("nagios", "target/nagios4/conf.d"),
        ("icinga2", "target/icinga2/conf.d"),
    ] {
        let Ok(entries) = fs::read_dir(shipped.join(system)) else {
            assert!(
                !world.path(dest).exists(),
                "{system}: nothing shipped, nothing installed"
            );
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let copy = world.path(dest).join(entry.file_name());
            assert_eq!(
                fs::read(&copy).unwrap_or_else(|e| panic!("{}: {e}", copy.display())),
                fs::read(entry.path()).unwrap(),
                "{}",
                copy.display()
            );
        }
    }

    // Idempotent: a second run changes nothing.
    let output = world.playbook(
        &playbook,
        &["-i", "localhost,", "-c", "local", "-e", &vars.to_string()],
    );
    assert_success(&output);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("changed=0"),
        "{}",
        text(&output)
    );
}

#[test]
fn fleet_playbook_audits_twenty_hosts_and_survives_an_unreachable_one() {
    let Some(world) = World::new() else { return };
    let fixtures = fixture_hosts();
    assert!(fixtures.contains(&"no-mta".to_string()), "{fixtures:?}");
    let mut inventory = String::from("[fleet]\n");
    // 19 audited hosts, each with its snapshot root (the fixtures in turn) in host vars.
    let hosts: Vec<(String, String)> = (1..=19)
        .map(|n| {
            (
                format!("web{n:02}"),
                fixtures[(n - 1) % fixtures.len()].clone(),
            )
        })
        .collect();
    for (n, (host, fixture_name)) in hosts.iter().enumerate() {
        // Half the hosts fail their task when critical, half report without failing.
        let fail_on = if n % 2 == 0 { "critical" } else { "never" };
        inventory.push_str(&format!(
            "{host} ansible_connection=local mailaudit_root={} mailaudit_only=mta mailaudit_fail_on={fail_on}\n",
            fixture(fixture_name).display()
        ));
    }
    // Nothing listens on port 1: refused at once, the host is unreachable.
    inventory.push_str(
        "down ansible_connection=ssh ansible_host=127.0.0.1 ansible_port=1 ansible_ssh_timeout=3 ansible_ssh_retries=0\n",
    );
    fs::write(world.path("inventory.ini"), inventory).unwrap();
    let reports = world.path("reports");
    // Leftovers of an earlier run must not pass for this run's results.
    fs::create_dir_all(reports.join("hosts")).unwrap();
    fs::create_dir_all(reports.join("not-audited")).unwrap();
    fs::write(reports.join("hosts/down.json"), "{}").unwrap();
    fs::write(
        reports.join("not-audited/web01.txt"),
        "reason: unreachable\n",
    )
    .unwrap();
    let playbook =
        world.path("collections/ansible_collections/mailaudit/audit/playbooks/fleet-audit.yml");
    let output = world.playbook(
        &playbook,
        &[
            "-i",
            "inventory.ini",
            "-f",
            "8",
            "-e",
            &format!("mailaudit_report_dir={}", reports.display()),
        ],
    );
    assert!(output.status.success(), "{}", text(&output));

    for (host, fixture_name) in &hosts {
        let path = reports.join(format!("hosts/{host}.json"));
        let report: Value = serde_json::from_slice(
            &fs::read(&path)
                .unwrap_or_else(|e| panic!("{}: {e}\n{}", path.display(), text(&output))),
        )
        .unwrap();
        let (expected_host, expected_status) = cli_verdict(&fixture(fixture_name));
        assert_eq!(report["schema"], "mailaudit/report/v1", "{host}");
        assert_eq!(report["host"], expected_host, "{host}");
        assert_eq!(report["status"], expected_status, "{host} ({fixture_name})");
        if fixture_name == "no-mta" {
            assert_eq!(report["status"], "critical", "{host}");
        }
        assert_eq!(report["results"][0]["id"], "mta", "{host}");
        assert_eq!(report["facts"]["snapshot"], Value::Bool(true));
    }
    assert!(!reports.join("hosts/down.json").exists());
    let unreachable = fs::read_to_string(reports.join("not-audited/down.txt")).unwrap();
    assert!(unreachable.contains("reason: unreachable"), "{unreachable}");
    let not_audited: Vec<_> = fs::read_dir(reports.join("not-audited"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        not_audited,
        ["down.txt"],
        "only the unreachable host is not audited"
    );

    // The recap: critical hosts with fail_on=critical failed (ignored), the run went on.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let recap_line = |host: &str| {
        stdout
            .lines()
            .rev()
            .find(|l| l.starts_with(&format!("{host} ")))
            .unwrap_or_else(|| panic!("no recap for {host}\n{stdout}"))
            .to_string()
    };
    for (n, (host, fixture_name)) in hosts.iter().enumerate() {
        if fixture_name == "no-mta" {
            let ignored = if n % 2 == 0 { "ignored=1" } else { "ignored=0" };
            assert!(recap_line(host).contains(ignored), "{}", recap_line(host));
        }
        assert!(
            recap_line(host).contains("failed=0"),
            "{}",
            recap_line(host)
        );
    }
    assert!(
        recap_line("down").contains("failed=0"),
        "{}",
        recap_line("down")
    );

    // The fleet report step ran `mailaudit report --help` and reported what it did; once
    // `mailaudit report` has its formats, the fleet report must be there.
    assert!(
        stdout.contains(&format!("Per-host reports in {}/hosts", reports.display())),
        "{}",
        text(&output)
    );
    let help = Command::new(BINARY)
        .args(["report", "--help"])
        .output()
        .unwrap();
    if help.status.success() && String::from_utf8_lossy(&help.stdout).contains("--format") {
        for name in ["fleet.html", "fleet.md", "fleet.json"] {
            assert!(reports.join(name).is_file(), "{name}: {}", text(&output));
        }
    } else {
        assert!(
            stdout.contains("no fleet report (`mailaudit report` is not available"),
            "{}",
            text(&output)
        );
    }
}
