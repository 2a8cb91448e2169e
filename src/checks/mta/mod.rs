//! `mta`: which MTA provides `/usr/sbin/sendmail`, whether it runs, whether it relays
//! through a smarthost, and whether PHP's `sendmail_path` points at something that exists.
//!
//! Detection ([`detect`]) runs once per run and fills [`MtaFacts`] for every check; the
//! check itself ([`run`]) only judges those facts.

mod detect;
mod php;

use serde::{Deserialize, Serialize};

use crate::checks::{Outcome, Verdict};
use crate::engine::Context;
use crate::parse::mta_config as parse;
use crate::report::Evidence;

pub use detect::detect;

/// The path programs (PHP's `mail()`, cron, CMS mailers) pipe their mail into.
pub const SENDMAIL_PATH: &str = "/usr/sbin/sendmail";

/// Parameters of an `mta` check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// On the live host, fail when an MTA that needs a daemon has none running.
    pub require_running: bool,
    /// Fail when outbound mail does not go through a smarthost (hosts on dynamic or
    /// residential ranges, or policy).
    pub require_smarthost: bool,
    /// Look at PHP's `sendmail_path` settings.
    pub check_php: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            require_running: true,
            require_smarthost: false,
            check_php: true,
        }
    }
}

/// What was learned about the MTA; part of the facts, shared with other checks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MtaFacts {
    /// `sendmail`, `postfix`, `exim`, `opensmtpd`, `msmtp`, `nullmailer`, `ssmtp`, `dma`.
    pub kind: Option<String>,
    /// The host path programs call (`/usr/sbin/sendmail`).
    pub sendmail_path: String,
    /// Each path of the symlink chain from `sendmail_path` to the real binary.
    pub sendmail_chain: Vec<String>,
    /// Whether `sendmail_path` leads to a file (after following links inside the root).
    pub sendmail_exists: bool,
    /// Whether that file is executable.
    pub sendmail_executable: bool,
    /// Why `sendmail_path` could not be followed (loop, link out of the root, dangling link…).
    pub sendmail_error: Option<String>,
    /// Why `kind` was decided (link target name, package file, config file).
    pub detected_by: Vec<String>,
    /// `Some(true/false)` from the process table; `None` when not determined (snapshot,
    /// or an MTA that needs no daemon).
    pub running: Option<bool>,
    /// How `running` was decided (the process seen, or why it was not determined).
    pub running_basis: Option<String>,
    /// Whether this MTA needs a daemon at all (msmtp, ssmtp, dma send at submission).
    pub needs_daemon: bool,
    /// The relay host all outbound mail goes through, when configured.
    pub smarthost: Option<String>,
    /// `file:line` where the smarthost is set.
    pub smarthost_source: Option<String>,
    /// The configuration line that sets the smarthost (or leaves it empty), as written.
    pub smarthost_line: Option<String>,
    /// The name the MTA says in HELO/EHLO, when configured. `None`: the MTA's default,
    /// which for Postfix, sendmail and Exim is the host's FQDN (`facts.fqdn`).
    pub helo_name: Option<String>,
    pub helo_source: Option<String>,
    /// Domains the MTA delivers locally (Postfix `mydestination`, sendmail `local-host-names`).
    pub local_domains: Vec<String>,
    /// Whether the MTA daemon is linked with libwrap (TCP wrappers apply to it);
    /// `None` when that depends on a build we cannot see.
    pub libwrap: Option<bool>,
    /// Why `libwrap` is what it is.
    pub libwrap_basis: Option<String>,
    /// Names the daemon is known by in hosts.allow/hosts.deny.
    pub daemon_names: Vec<String>,
    /// Configuration files read to decide the smarthost, HELO name and local domains.
    pub config_files: Vec<String>,
    /// Set when the configuration keeps all mail for other domains from leaving (Exim
    /// configtype `local`, Postfix `default_transport = error`): the reason and `file:line`.
    pub outbound_blocked: Option<String>,
    /// Set when the MTA's main configuration could not be read, so the smarthost is
    /// undetermined (permission denied, a directory, binary data, too large).
    pub config_error: Option<String>,
    /// PHP `sendmail_path` settings found (`file:line` and value).
    pub php_sendmail_paths: Vec<PhpSendmailPath>,
    /// Other observations worth showing (leftover configuration, unreadable files).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PhpSendmailPath {
    pub source: String,
    pub value: String,
    /// The program the value runs (its first word).
    pub program: Option<String>,
    /// Whether that program exists and is executable under the root.
    pub program_found: bool,
    /// False when a later file of the same PHP configuration overrides this setting.
    pub effective: bool,
}

pub fn run(params: &Params, context: &Context) -> Outcome {
    judge(params, &context.facts.mta, context.fs.is_live())
}

/// Judges the facts; separate from [`run`] so that it is testable without a host.
pub fn judge(params: &Params, mta: &MtaFacts, live: bool) -> Outcome {
    let mut evidence = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut undetermined: Vec<String> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let path = &mta.sendmail_path;

    if mta.sendmail_chain.len() > 1 {
        evidence.push(
            Evidence::new("sendmail link chain", mta.sendmail_chain.join(" -> "))
                .with("chain", mta.sendmail_chain.clone()),
        );
    }
    if let Some(error) = &mta.sendmail_error {
        evidence.push(Evidence::new("sendmail path", error.clone()));
    }
    for reason in &mta.detected_by {
        evidence.push(Evidence::new("detected by", reason.clone()));
    }

    let php_missing: Vec<&PhpSendmailPath> = if params.check_php {
        mta.php_sendmail_paths
            .iter()
            .filter(|p| p.effective && p.program.is_some() && !p.program_found)
            .collect()
    } else {
        Vec::new()
    };

    let kind = match (&mta.kind, mta.sendmail_exists) {
        (_, false) => {
            failures.push(match &mta.sendmail_error {
                Some(error) => format!("no MTA provides {path} ({error})"),
                None => format!("no MTA provides {path}: nothing is installed there"),
            });
            None
        }
        (None, true) => {
            undetermined.push(format!(
                "{path} exists but which MTA provides it could not be determined"
            ));
            None
        }
        (Some(kind), true) => Some(kind.as_str()),
    };
    if mta.sendmail_exists && !mta.sendmail_executable {
        failures.push(format!("{path} is not executable"));
    }

    if let Some(kind) = kind {
        // Running.
        if let Some(basis) = &mta.running_basis {
            evidence.push(
                Evidence::new("daemon", basis.clone())
                    .with("running", mta.running)
                    .with("needs_daemon", mta.needs_daemon),
            );
        }
        if live && params.require_running && mta.needs_daemon && mta.running == Some(false) {
            if kind == "exim" {
                // Exim delivers at submission; without a daemon or queue runner only the
                // retries of deferred mail never happen.
                warnings.push(format!(
                    "{kind} provides {path} but neither its daemon nor a queue runner runs: \
                     deferred mail is never retried"
                ));
            } else {
                failures.push(format!(
                    "{kind} provides {path} but its daemon is not running: mail is queued, not sent"
                ));
            }
        }
        if let Some(blocked) = &mta.outbound_blocked {
            evidence.push(Evidence::new("outbound mail blocked", blocked.clone()));
            failures.push(format!(
                "{kind} is configured to deliver locally only: mail to other domains never leaves"
            ));
        }
        // Smarthost.
        match (&mta.config_error, &mta.smarthost) {
            (Some(error), _) => {
                evidence.push(Evidence::new("configuration not read", error.clone()));
                undetermined.push(format!(
                    "{kind}'s configuration could not be read, so where it sends mail is unknown"
                ));
            }
            (None, Some(host)) => {
                let (relay_host, port) = parse::split_relay(host);
                let mut item = Evidence::new(
                    "smarthost",
                    mta.smarthost_line.clone().unwrap_or_else(|| host.clone()),
                )
                .with("smarthost", host.clone())
                .with("host", relay_host);
                if let Some(port) = port {
                    item = item.with("port", port);
                }
                if let Some(source) = &mta.smarthost_source {
                    item = item.at(source.clone());
                }
                evidence.push(item);
            }
            (None, None) if mta.outbound_blocked.is_some() => {}
            (None, None) => {
                // Direct delivery is why this host's own IP reputation (blocklists such as
                // the Spamhaus PBL, PTR, HELO) decides whether recipients accept its mail.
                let consequence = "mail goes directly to recipients' MX hosts, so this host's \
                                   own IP address, PTR and HELO name decide whether it is accepted";
                let mut item = Evidence::new(
                    "no smarthost",
                    match &mta.smarthost_line {
                        Some(line) => format!("{line} ({consequence})"),
                        None => format!("no relay configured: {consequence}"),
                    },
                );
                if let Some(source) = &mta.smarthost_source {
                    item = item.at(source.clone());
                }
                evidence.push(item);
                if params.require_smarthost {
                    failures.push(format!(
                        "{kind} sends directly to MX hosts but this host must relay through a smarthost"
                    ));
                }
            }
        }
        if let Some(helo) = &mta.helo_name {
            let mut item = Evidence::new("HELO name", helo.clone());
            if let Some(source) = &mta.helo_source {
                item = item.at(source.clone());
            }
            evidence.push(item);
        }
        if !mta.local_domains.is_empty() {
            evidence.push(
                Evidence::new("delivered locally", mta.local_domains.join(", "))
                    .with("domains", mta.local_domains.clone()),
            );
        }
        if let Some(basis) = &mta.libwrap_basis {
            evidence.push(
                Evidence::new("TCP wrappers", basis.clone())
                    .with("libwrap", mta.libwrap)
                    .with("daemon_names", mta.daemon_names.clone()),
            );
        }
    }

    if params.check_php {
        for php in &mta.php_sendmail_paths {
            let state = match (&php.program, php.program_found, php.effective) {
                (None, _, _) => "empty: PHP's mail() has no program to run".to_string(),
                (Some(program), false, true) => format!("{program} does not exist on this host"),
                (Some(_), true, true) => "in force".to_string(),
                (Some(_), _, false) => "overridden by a later file".to_string(),
            };
            evidence.push(
                Evidence::new("PHP sendmail_path", format!("{} ({state})", php.value))
                    .at(php.source.clone())
                    .with("effective", php.effective)
                    .with("program_found", php.program_found),
            );
        }
        for php in &php_missing {
            failures.push(format!(
                "PHP's sendmail_path at {} runs {}, which does not exist",
                php.source,
                php.program.as_deref().unwrap_or("")
            ));
        }
    }
    for note in &mta.notes {
        evidence.push(Evidence::new("note", note.clone()));
    }

    let verdict_summary = if !failures.is_empty() {
        Outcome::fail(failures.join("; "))
    } else if !undetermined.is_empty() {
        Outcome::unknown(undetermined.join("; "))
    } else if !warnings.is_empty() {
        Outcome::new(Verdict::Warning, warnings.join("; "))
    } else {
        let kind = kind.unwrap_or("an MTA");
        let route = match &mta.smarthost {
            Some(host) => format!("relays through {host}"),
            None => "sends directly to recipients' MX hosts".to_string(),
        };
        let running = match mta.running {
            Some(true) => ", daemon running",
            _ => "",
        };
        Outcome::pass(format!("{kind} provides {path} and {route}{running}"))
    };
    let mut outcome = verdict_summary;
    outcome.evidence = evidence;
    outcome = outcome
        .metric(
            "mta_found",
            usize::from(mta.kind.is_some() && mta.sendmail_exists),
        )
        .metric("smarthost_configured", usize::from(mta.smarthost.is_some()));
    if params.check_php {
        outcome = outcome.metric("php_sendmail_path_missing", php_missing.len());
    }
    if let Some(running) = mta.running {
        outcome = outcome.metric("mta_running", usize::from(running));
    }
    if !php_missing.is_empty() && mta.sendmail_exists {
        let targets: Vec<&str> = php_missing.iter().map(|p| p.source.as_str()).collect();
        outcome = outcome.remediation(format!(
            "Point PHP's sendmail_path at the installed MTA (`sendmail_path = {path} -t -i`) in {}, then reload PHP (e.g. `systemctl reload php8.2-fpm` or apache2).",
            targets.join(", ")
        ));
    } else if mta.outbound_blocked.is_some()
        && let Some(kind) = kind
    {
        outcome = outcome.remediation(match kind {
            "exim" => "Reconfigure Exim to send mail out: `dpkg-reconfigure exim4-config`, choose \"mail sent by smarthost\" (relay through your provider) or \"internet site\".".to_string(),
            _ => format!("Let {kind} send mail to other domains: remove the error/discard transport from its configuration (Postfix: `postconf -X default_transport relay_transport`, set `relayhost` to your provider's smarthost, `postfix reload`)."),
        });
    } else if mta.sendmail_exists
        && live
        && mta.needs_daemon
        && mta.running == Some(false)
        && let Some(kind) = kind
    {
        let unit = match kind {
            "exim" => "exim4",
            other => other,
        };
        outcome = outcome.remediation(format!(
            "Start the MTA and enable it at boot: `systemctl enable --now {unit}`; then check its log for why it stopped."
        ));
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::detect::{kind_from_package, kind_from_path, running_process};
    use super::*;
    use crate::engine::facts::{ProcessInfo, ProcessTable};
    use crate::hostfs::HostFs;

    fn process(name: &str, command: &str) -> ProcessInfo {
        ProcessInfo {
            pid: 100,
            name: name.to_string(),
            user: Some("root".to_string()),
            command: command.to_string(),
        }
    }

    #[test]
    fn link_target_names_say_the_mta() {
        assert_eq!(kind_from_path("/usr/lib/sm.bin/sendmail"), Some("sendmail"));
        assert_eq!(
            kind_from_path("/usr/sbin/sendmail.postfix"),
            Some("postfix")
        );
        assert_eq!(kind_from_path("/usr/sbin/exim4"), Some("exim"));
        assert_eq!(kind_from_path("/usr/bin/msmtp"), Some("msmtp"));
        assert_eq!(kind_from_path("/usr/sbin/smtpctl"), Some("opensmtpd"));
        assert_eq!(kind_from_path("/usr/sbin/exim-4.96-1"), Some("exim"));
        assert_eq!(kind_from_path("/usr/sbin/sendmail"), None);
        assert_eq!(kind_from_package("exim4-daemon-heavy"), Some("exim"));
        assert_eq!(kind_from_package("exim4-base"), None);
    }

    #[test]
    fn daemons_are_recognised_in_the_process_table() {
        let table = ProcessTable {
            processes: Some(vec![
                process("master", "/usr/lib/postfix/sbin/master -w"),
                process("sendmail", "/usr/sbin/sendmail -t -i"),
            ]),
        };
        assert!(running_process(&table, "postfix").is_some());
        // A submitting client is not the daemon.
        assert!(running_process(&table, "sendmail").is_none());
        let sendmail = ProcessTable {
            processes: Some(vec![process(
                "sendmail-mta",
                "sendmail: MTA: accepting connections",
            )]),
        };
        assert!(running_process(&sendmail, "sendmail").is_some());
        let other_master = ProcessTable {
            processes: Some(vec![process("master", "/opt/ci/master --port 80")]),
        };
        assert!(running_process(&other_master, "postfix").is_none());
    }

    fn postfix_facts() -> MtaFacts {
        MtaFacts {
            kind: Some("postfix".to_string()),
            sendmail_path: SENDMAIL_PATH.to_string(),
            sendmail_chain: vec![SENDMAIL_PATH.to_string()],
            sendmail_exists: true,
            sendmail_executable: true,
            needs_daemon: true,
            ..MtaFacts::default()
        }
    }

    #[test]
    fn a_stopped_daemon_fails_only_on_the_live_host() {
        let mut facts = postfix_facts();
        facts.running = Some(false);
        let outcome = judge(&Params::default(), &facts, true);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(
            outcome.summary.contains("not running"),
            "{}",
            outcome.summary
        );
        assert!(
            outcome
                .remediation
                .unwrap()
                .contains("systemctl enable --now postfix")
        );
        facts.running = None;
        assert_eq!(
            judge(&Params::default(), &facts, false).verdict,
            Verdict::Pass
        );
        let lenient = Params {
            require_running: false,
            ..Params::default()
        };
        facts.running = Some(false);
        assert_eq!(judge(&lenient, &facts, true).verdict, Verdict::Pass);
    }

    #[test]
    fn unreadable_configuration_is_unknown_not_ok() {
        let mut facts = postfix_facts();
        facts.config_error = Some("/etc/postfix/main.cf: permission denied".to_string());
        let outcome = judge(&Params::default(), &facts, false);
        assert_eq!(outcome.verdict, Verdict::Unknown);
        assert!(
            outcome
                .evidence
                .iter()
                .any(|e| e.text.contains("permission denied"))
        );
    }

    #[test]
    fn require_smarthost_turns_direct_delivery_into_a_failure() {
        let facts = postfix_facts();
        let strict = Params {
            require_smarthost: true,
            ..Params::default()
        };
        assert_eq!(judge(&strict, &facts, false).verdict, Verdict::Fail);
        let mut relayed = postfix_facts();
        relayed.smarthost = Some("[smtp.example]:587".to_string());
        let outcome = judge(&strict, &relayed, false);
        assert_eq!(outcome.verdict, Verdict::Pass);
        let smarthost = outcome
            .evidence
            .iter()
            .find(|e| e.label == "smarthost")
            .unwrap();
        assert_eq!(smarthost.data["host"], "smtp.example");
        assert_eq!(smarthost.data["port"], 587);
    }

    #[test]
    fn an_existing_binary_of_unknown_origin_is_unknown() {
        let mut facts = postfix_facts();
        facts.kind = None;
        assert_eq!(
            judge(&Params::default(), &facts, false).verdict,
            Verdict::Unknown
        );
        facts.sendmail_executable = false;
        assert_eq!(
            judge(&Params::default(), &facts, false).verdict,
            Verdict::Fail
        );
    }

    /// A root with the given files (`@target` content makes a symlink; `!` prefix: executable).
    fn root_with(files: &[(&str, &str)]) -> (tempfile::TempDir, HostFs) {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let full = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            if let Some(target) = content.strip_prefix('@') {
                std::os::unix::fs::symlink(target, &full).unwrap();
            } else if let Some(script) = content.strip_prefix('!') {
                std::fs::write(&full, script).unwrap();
                std::fs::set_permissions(&full, std::fs::Permissions::from_mode(0o755)).unwrap();
            } else {
                std::fs::write(&full, content).unwrap();
            }
        }
        let fs = HostFs::snapshot(dir.path()).unwrap();
        (dir, fs)
    }

    #[test]
    fn relay_only_mtas_are_detected_with_their_relay() {
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: [Case; 5] = [
            (
                &[
                    ("/usr/bin/msmtp", "!#!/bin/sh\n"),
                    ("/usr/sbin/sendmail", "@../bin/msmtp"),
                    (
                        "/etc/msmtprc",
                        "defaults\nport 587\ntls on\naccount isp\nhost smtp.isp.test\naccount default : isp\n",
                    ),
                ],
                "msmtp",
                "smtp.isp.test:587",
            ),
            (
                &[
                    ("/usr/sbin/sendmail", "!#!/bin/sh\n"),
                    (
                        "/var/lib/dpkg/info/nullmailer.list",
                        "/.\n/usr/sbin/sendmail\n",
                    ),
                    (
                        "/etc/nullmailer/remotes",
                        "relay.test smtp --port=465 --ssl --user=u --pass=hunter2\n",
                    ),
                ],
                "nullmailer",
                "relay.test:465",
            ),
            (
                &[
                    ("/usr/sbin/ssmtp", "!#!/bin/sh\n"),
                    ("/usr/sbin/sendmail", "@ssmtp"),
                    (
                        "/etc/ssmtp/ssmtp.conf",
                        "root=postmaster\nmailhub=mail.test:587\n",
                    ),
                ],
                "ssmtp",
                "mail.test:587",
            ),
            (
                &[
                    ("/usr/sbin/dma", "!#!/bin/sh\n"),
                    ("/usr/sbin/sendmail", "@dma"),
                    ("/etc/dma/dma.conf", "SMARTHOST smart.test\nPORT 587\n"),
                ],
                "dma",
                "smart.test:587",
            ),
            (
                &[
                    ("/usr/sbin/smtpctl", "!#!/bin/sh\n"),
                    ("/usr/sbin/sendmail", "@smtpctl"),
                    (
                        "/etc/smtpd.conf",
                        "action \"out\" relay host smtp+tls://x@out.test:587 helo h.test\nmatch from local for any action \"out\"\n",
                    ),
                ],
                "opensmtpd",
                "out.test:587",
            ),
        ];
        for (files, kind, relay) in cases {
            let (_dir, fs) = root_with(files);
            let facts = detect(&fs, &ProcessTable::default());
            assert_eq!(facts.kind.as_deref(), Some(kind), "{facts:#?}");
            assert_eq!(facts.smarthost.as_deref(), Some(relay), "{facts:#?}");
            assert_eq!(facts.config_error, None);
            let needs_daemon = matches!(kind, "nullmailer" | "opensmtpd");
            assert_eq!(facts.needs_daemon, needs_daemon, "{kind}");
            assert!(
                !format!("{facts:?}").contains("hunter2"),
                "credentials leaked"
            );
            assert_eq!(
                judge(&Params::default(), &facts, false).verdict,
                Verdict::Pass
            );
        }
    }

    #[test]
    fn sendmail_mc_and_cf_disagreeing_is_noted() {
        let (_dir, fs) = root_with(&[
            ("/usr/lib/sm.bin/sendmail", "!#!/bin/sh\n"),
            ("/usr/sbin/sendmail", "@../lib/sm.bin/sendmail"),
            ("/etc/mail/sendmail.cf", "DS\nDjweb9.test\n"),
            (
                "/etc/mail/sendmail.mc",
                "define(`SMART_HOST', `[relay.test]')dnl\ndefine(`confDOMAIN_NAME', `ignored.test')dnl\n",
            ),
        ]);
        let facts = detect(&fs, &ProcessTable::default());
        assert_eq!(facts.kind.as_deref(), Some("sendmail"));
        // sendmail runs what the .cf says: no smarthost until it is rebuilt.
        assert_eq!(facts.smarthost, None);
        assert_eq!(facts.helo_name.as_deref(), Some("web9.test"));
        assert_eq!(
            facts.helo_source.as_deref(),
            Some("/etc/mail/sendmail.cf:2")
        );
        assert!(
            facts.notes.iter().any(|n| n.contains("sendmailconfig")),
            "{:?}",
            facts.notes
        );
        // Without os-release or debian_version the libwrap build is not assumed.
        assert_eq!(facts.libwrap, None);
    }

    #[test]
    fn a_dangling_alternatives_link_is_no_mta_with_the_reason() {
        let (_dir, fs) = root_with(&[
            ("/usr/sbin/sendmail", "@/etc/alternatives/mta"),
            ("/etc/alternatives/mta", "@/usr/sbin/sendmail.sendmail"),
            ("/etc/mail/sendmail.cf", "DS\n"),
        ]);
        let facts = detect(&fs, &ProcessTable::default());
        assert!(!facts.sendmail_exists);
        assert!(
            facts
                .sendmail_error
                .as_deref()
                .unwrap()
                .contains("dangling")
        );
        assert!(facts.notes.iter().any(|n| n.contains("leftovers")));
        let outcome = judge(&Params::default(), &facts, false);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.summary.contains("dangling"), "{}", outcome.summary);
    }

    #[test]
    fn live_process_table_decides_running_and_unknown_binaries() {
        let (_dir, fs) = root_with(&[
            ("/usr/sbin/sendmail", "!#!/bin/sh\n"),
            ("/etc/postfix/main.cf", "relayhost = [r.test]\n"),
            ("/etc/msmtprc", "account default\nhost r.test\n"),
        ]);
        let stopped = ProcessTable {
            processes: Some(vec![process("sshd", "sshd: /usr/sbin/sshd -D")]),
        };
        // Two MTAs' configuration and a plain binary: undecided from files, no daemon.
        let facts = detect(&fs, &stopped);
        assert_eq!(facts.kind, None);
        assert_eq!(
            judge(&Params::default(), &facts, true).verdict,
            Verdict::Unknown
        );
        let running = ProcessTable {
            processes: Some(vec![process("master", "/usr/libexec/postfix/master -w")]),
        };
        let facts = detect(&fs, &running);
        assert_eq!(facts.kind.as_deref(), Some("postfix"));
        assert_eq!(facts.running, Some(true));
        assert_eq!(facts.smarthost.as_deref(), Some("[r.test]"));
        assert_eq!(
            judge(&Params::default(), &facts, true).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn local_only_configurations_are_failures() {
        let (_dir, fs) = root_with(&[
            ("/usr/sbin/exim4", "!#!/bin/sh\n"),
            ("/usr/sbin/sendmail", "@exim4"),
            (
                "/etc/exim4/update-exim4.conf.conf",
                "dc_eximconfig_configtype='local'\ndc_other_hostnames='vm'\n",
            ),
        ]);
        let facts = detect(&fs, &ProcessTable::default());
        assert!(facts.outbound_blocked.is_some());
        let outcome = judge(&Params::default(), &facts, false);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(
            outcome
                .remediation
                .unwrap()
                .contains("dpkg-reconfigure exim4-config")
        );
        let (_dir, fs) = root_with(&[
            ("/usr/sbin/sendmail", "!#!/bin/sh\n"),
            (
                "/var/lib/dpkg/info/postfix:amd64.list",
                "/usr/sbin/sendmail\n",
            ),
            (
                "/etc/postfix/main.cf",
                "relay_transport = error\ndefault_transport = error:local delivery only\n",
            ),
        ]);
        let facts = detect(&fs, &ProcessTable::default());
        assert_eq!(facts.kind.as_deref(), Some("postfix"));
        assert!(
            facts
                .outbound_blocked
                .as_deref()
                .unwrap()
                .contains("main.cf:"),
            "{facts:#?}"
        );
        assert_eq!(
            judge(&Params::default(), &facts, false).verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn postfix_relayhost_references_expand_and_maps_are_noted() {
        let (_dir, fs) = root_with(&[
            ("/usr/sbin/sendmail", "!#!/bin/sh\n"),
            ("/var/lib/dpkg/info/postfix.list", "/usr/sbin/sendmail\n"),
            (
                "/etc/postfix/main.cf",
                "mydomain = corp.test\nrelayhost = [smtp.$mydomain]:587\ntransport_maps = hash:/etc/postfix/transport\n",
            ),
        ]);
        let facts = detect(&fs, &ProcessTable::default());
        assert_eq!(facts.smarthost.as_deref(), Some("[smtp.corp.test]:587"));
        assert_eq!(
            facts.smarthost_source.as_deref(),
            Some("/etc/postfix/main.cf:2")
        );
        assert!(
            facts
                .notes
                .iter()
                .any(|n| n.contains("main.cf:3: transport_maps")),
            "{:?}",
            facts.notes
        );
    }

    #[test]
    fn a_hand_written_exim_conf_is_routed_by_its_routers() {
        let (_dir, fs) = root_with(&[
            ("/usr/sbin/sendmail.exim", "!#!/bin/sh\n"),
            ("/etc/alternatives/mta", "@/usr/sbin/sendmail.exim"),
            ("/usr/sbin/sendmail", "@/etc/alternatives/mta"),
            (
                "/etc/exim/exim.conf",
                "begin routers\nsmarthost:\n  driver = manualroute\n  domains = ! +local_domains\n  route_list = * relay.test::587\nbegin transports\n",
            ),
        ]);
        let facts = detect(&fs, &ProcessTable::default());
        assert_eq!(facts.kind.as_deref(), Some("exim"));
        assert_eq!(facts.smarthost.as_deref(), Some("relay.test::587"));
        assert_eq!(
            facts.smarthost_source.as_deref(),
            Some("/etc/exim/exim.conf:5")
        );
        assert_eq!(facts.config_error, None);

        let (_dir, fs) = root_with(&[
            ("/usr/sbin/exim4", "!#!/bin/sh\n"),
            ("/usr/sbin/sendmail", "@exim4"),
            (
                "/etc/exim4/exim4.conf",
                "# routers elsewhere\nbegin routers\n",
            ),
            (
                "/etc/exim4/update-exim4.conf.conf",
                "dc_eximconfig_configtype='smarthost'\ndc_smarthost='ignored.test'\n",
            ),
        ]);
        let facts = detect(&fs, &ProcessTable::default());
        // exim4.conf replaces the debconf file, and it decides nothing: unknown, not a guess.
        assert_eq!(facts.smarthost, None);
        assert!(facts.config_error.is_some());
        assert_eq!(
            judge(&Params::default(), &facts, false).verdict,
            Verdict::Unknown
        );
    }
}
