//! `mta`: which MTA provides `/usr/sbin/sendmail`, whether it runs, whether it relays
//! through a smarthost, and whether PHP's `sendmail_path` points at something that exists.
//!
//! Detection ([`detect`]) runs once per run and fills [`MtaFacts`] for every check; the
//! check itself ([`run`]) only judges those facts.

use serde::{Deserialize, Serialize};

use crate::checks::{Outcome, Verdict};
use crate::engine::Context;
use crate::engine::facts::ProcessTable;
use crate::hostfs::{self, HostFs, HostFsError};
use crate::parse::mta_config::{self as parse, Setting};
use crate::report::Evidence;

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
    /// The name the MTA says in HELO/EHLO, when configured.
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

// ---------------------------------------------------------------------------------------
// Detection

/// What differs between the MTAs.
struct MtaProfile {
    kind: &'static str,
    needs_daemon: bool,
    daemon_names: &'static [&'static str],
}

const PROFILES: [MtaProfile; 8] = [
    MtaProfile {
        kind: "sendmail",
        needs_daemon: true,
        // tcpd names sendmail by its program name; Debian starts it as sm-mta.
        daemon_names: &["sendmail", "sm-mta"],
    },
    MtaProfile {
        kind: "postfix",
        needs_daemon: true,
        daemon_names: &["smtpd"],
    },
    MtaProfile {
        kind: "exim",
        needs_daemon: true,
        // Exim's tcp_wrappers_daemon_name defaults to "exim"; Debian's binary is exim4.
        daemon_names: &["exim", "exim4"],
    },
    MtaProfile {
        kind: "opensmtpd",
        needs_daemon: true,
        daemon_names: &["smtpd"],
    },
    MtaProfile {
        kind: "nullmailer",
        // nullmailer-send delivers the queue; without it mail only piles up.
        needs_daemon: true,
        daemon_names: &[],
    },
    MtaProfile {
        kind: "msmtp",
        needs_daemon: false,
        daemon_names: &[],
    },
    MtaProfile {
        kind: "ssmtp",
        needs_daemon: false,
        daemon_names: &[],
    },
    MtaProfile {
        kind: "dma",
        // dma delivers at submission; the queue is flushed by cron (`dma -q`).
        needs_daemon: false,
        daemon_names: &[],
    },
];

fn profile(kind: &str) -> Option<&'static MtaProfile> {
    PROFILES.iter().find(|p| p.kind == kind)
}

/// The MTA a binary's path names (the end of the link chain usually says it).
fn kind_from_path(path: &str) -> Option<&'static str> {
    let name = path.rsplit('/').next().unwrap_or(path);
    if path.contains("/sm.bin/") {
        return Some("sendmail");
    }
    let kind = match name {
        "sendmail.sendmail" | "sendmail-mta" | "sm-mta" => "sendmail",
        "sendmail.postfix" | "postfix" => "postfix",
        "exim4" | "exim" | "sendmail.exim" | "sendmail.exim4" => "exim",
        "smtpctl" | "sendmail.opensmtpd" => "opensmtpd",
        "msmtp" | "sendmail.msmtp" => "msmtp",
        "ssmtp" | "sendmail.ssmtp" => "ssmtp",
        "dma" | "sendmail.dma" => "dma",
        "nullmailer-inject" | "sendmail.nullmailer" => "nullmailer",
        _ if name.starts_with("exim-4") => "exim",
        _ => {
            let dirs = ["postfix", "nullmailer", "exim4", "opensmtpd", "dma"];
            return dirs
                .into_iter()
                .find(|dir| path.contains(&format!("/{dir}/")))
                .map(|dir| match dir {
                    "exim4" => "exim",
                    other => other,
                });
        }
    };
    Some(kind)
}

/// The MTA a Debian package name stands for (only packages that may ship /usr/sbin/sendmail).
fn kind_from_package(package: &str) -> Option<&'static str> {
    match package {
        "sendmail-bin" => Some("sendmail"),
        "postfix" => Some("postfix"),
        "opensmtpd" => Some("opensmtpd"),
        "msmtp-mta" => Some("msmtp"),
        "nullmailer" => Some("nullmailer"),
        "ssmtp" => Some("ssmtp"),
        "dma" => Some("dma"),
        _ if package.starts_with("exim4-daemon-") => Some("exim"),
        _ => None,
    }
}

/// Each MTA's configuration files that only it would leave behind.
const CONFIG_MARKERS: [(&str, &str); 12] = [
    ("/etc/postfix/main.cf", "postfix"),
    ("/etc/mail/sendmail.cf", "sendmail"),
    ("/etc/exim4/update-exim4.conf.conf", "exim"),
    ("/etc/exim4/exim4.conf", "exim"),
    ("/etc/exim/exim.conf", "exim"),
    ("/etc/smtpd.conf", "opensmtpd"),
    ("/etc/opensmtpd/smtpd.conf", "opensmtpd"),
    ("/etc/smtpd/smtpd.conf", "opensmtpd"),
    ("/etc/msmtprc", "msmtp"),
    ("/etc/nullmailer/remotes", "nullmailer"),
    ("/etc/ssmtp/ssmtp.conf", "ssmtp"),
    ("/etc/dma/dma.conf", "dma"),
];

/// Detects the MTA from files under the root and, on the live host, the process table.
pub fn detect(fs: &HostFs, processes: &ProcessTable) -> MtaFacts {
    let mut facts = MtaFacts {
        sendmail_path: SENDMAIL_PATH.to_string(),
        ..MtaFacts::default()
    };
    follow_sendmail_link(fs, &mut facts);
    decide_kind(fs, processes, &mut facts);
    if let Some(kind) = facts.kind.clone() {
        if let Some(profile) = profile(&kind) {
            facts.needs_daemon = profile.needs_daemon;
            facts.daemon_names = profile.daemon_names.iter().map(|n| n.to_string()).collect();
        }
        decide_libwrap(fs, &kind, &mut facts);
        decide_running(processes, &kind, &mut facts);
        read_configuration(fs, &kind, &mut facts);
    }
    facts.php_sendmail_paths = php_sendmail_paths(fs, &mut facts.notes);
    facts
}

fn follow_sendmail_link(fs: &HostFs, facts: &mut MtaFacts) {
    match fs.resolve_with_chain(SENDMAIL_PATH) {
        Ok((_, chain)) => {
            facts.sendmail_chain = chain;
            match fs.metadata(SENDMAIL_PATH) {
                Ok(meta) if meta.is_file() => {
                    facts.sendmail_exists = true;
                    facts.sendmail_executable = fs.is_executable(SENDMAIL_PATH);
                }
                Ok(_) => {
                    facts.sendmail_error =
                        Some(format!("{SENDMAIL_PATH}: is a directory, not a program"));
                }
                Err(e) => facts.sendmail_error = Some(e.to_string()),
            }
        }
        Err(e) if e.is_not_found() => {
            // A link whose target is gone (an MTA removed, its alternative left behind)
            // still shows in its directory.
            let dangling = fs
                .list_dir("/usr/sbin")
                .map(|names| names.iter().any(|n| n == "sendmail"))
                .unwrap_or(false);
            if dangling {
                facts.sendmail_error = Some(format!(
                    "{SENDMAIL_PATH}: symbolic link to a file that does not exist (dangling link)"
                ));
            }
        }
        Err(e) => facts.sendmail_error = Some(e.to_string()),
    }
}

fn decide_kind(fs: &HostFs, processes: &ProcessTable, facts: &mut MtaFacts) {
    if !facts.sendmail_exists {
        // Leftover configuration explains nothing but is worth showing.
        for (path, kind) in CONFIG_MARKERS {
            if fs.exists(path) {
                facts.notes.push(format!(
                    "{path} exists ({kind} configuration) but nothing provides {SENDMAIL_PATH}: \
                     a removed package's leftovers?"
                ));
            }
        }
        return;
    }
    // 1. The names along the link chain (`sendmail.postfix`, `../lib/sm.bin/sendmail`, `exim4`).
    for path in facts.sendmail_chain.iter().rev() {
        if let Some(kind) = kind_from_path(path) {
            facts.kind = Some(kind.to_string());
            facts
                .detected_by
                .push(format!("{SENDMAIL_PATH} leads to {path}"));
            break;
        }
    }
    if facts
        .sendmail_chain
        .iter()
        .any(|p| p == "/etc/alternatives/mta")
    {
        let mode = fs
            .read_optional_config("/var/lib/alternatives/mta")
            .ok()
            .flatten()
            .and_then(|t| t.lines().next().map(str::to_string));
        let target = facts.sendmail_chain.last().cloned().unwrap_or_default();
        facts.detected_by.push(match mode {
            Some(mode) => {
                format!("alternatives 'mta' ({mode}, /var/lib/alternatives/mta) selects {target}")
            }
            None => format!("alternatives link /etc/alternatives/mta selects {target}"),
        });
    }
    // 2. The Debian package that owns /usr/sbin/sendmail.
    if let Some((package, kind)) = dpkg_owner(fs, &mut facts.notes) {
        let source = format!("/var/lib/dpkg/info/{package}.list lists {SENDMAIL_PATH}");
        match &facts.kind {
            None => {
                facts.kind = Some(kind.to_string());
                facts.detected_by.push(source);
            }
            Some(known) if known == kind => facts.detected_by.push(source),
            Some(known) => facts.notes.push(format!(
                "{source} (package of {kind}), but the link chain names {known}: a dpkg diversion?"
            )),
        }
    }
    // 3. The only MTA whose configuration is present.
    if facts.kind.is_none() {
        let present: Vec<(&str, &str)> = CONFIG_MARKERS
            .into_iter()
            .filter(|(path, _)| fs.exists(path))
            .collect();
        let mut kinds: Vec<&str> = present.iter().map(|(_, k)| *k).collect();
        kinds.dedup();
        if kinds.len() == 1 {
            facts.kind = Some(kinds[0].to_string());
            facts.detected_by.push(format!(
                "{} is the only MTA configuration present",
                present[0].0
            ));
        } else if kinds.len() > 1 {
            facts.notes.push(format!(
                "configuration of several MTAs present ({}); cannot tell which one provides {SENDMAIL_PATH} from files",
                kinds.join(", ")
            ));
        }
    }
    // 4. On the live host, the daemon that runs.
    if facts.kind.is_none() && processes.is_known() {
        for profile in &PROFILES {
            if let Some(seen) = running_process(processes, profile.kind) {
                facts.kind = Some(profile.kind.to_string());
                facts.detected_by.push(format!("process table: {seen}"));
                break;
            }
        }
    }
}

/// The MTA package whose dpkg file list holds /usr/sbin/sendmail. Only the list files
/// of known MTA packages are read (a host has thousands of them).
fn dpkg_owner(fs: &HostFs, notes: &mut Vec<String>) -> Option<(String, &'static str)> {
    let dir = "/var/lib/dpkg/info";
    let names = match fs.list_dir(dir) {
        Ok(names) => names,
        Err(e) => {
            notes.push(e.to_string());
            return None;
        }
    };
    for name in names {
        let Some(stem) = name.strip_suffix(".list") else {
            continue;
        };
        // Multi-arch packages: `postfix:amd64.list`.
        let package = stem.split(':').next().unwrap_or(stem);
        let Some(kind) = kind_from_package(package) else {
            continue;
        };
        match fs.read_config(&hostfs::join(dir, &name)) {
            Ok(text) => {
                if text.lines().any(|line| line.trim_end() == SENDMAIL_PATH) {
                    return Some((stem.to_string(), kind));
                }
            }
            Err(e) => notes.push(e.to_string()),
        }
    }
    None
}

/// The process that shows `kind`'s daemon running (`name (pid N)`), on the live host.
fn running_process(processes: &ProcessTable, kind: &str) -> Option<String> {
    processes
        .iter()
        .find(|p| {
            let name = p.name.as_str();
            let command = p.command.as_str();
            match kind {
                "postfix" => (name == "master" && command.contains("postfix")) || name == "qmgr",
                // The daemon renames itself "sendmail: MTA: accepting connections"; a bare
                // `sendmail -t` is a client submitting a message.
                "sendmail" => {
                    (name.starts_with("sendmail") || name == "sm-mta")
                        && (command.contains("accepting")
                            || command.contains("-bd")
                            || command.contains("MTA"))
                }
                "exim" => {
                    // The listening daemon (-bd) or a standalone queue runner (-q30m).
                    (name == "exim4" || name == "exim" || name.starts_with("exim-4"))
                        && (command.contains("-bd") || command.contains("-q"))
                }
                "opensmtpd" => name == "smtpd" && !command.contains("postfix"),
                "nullmailer" => name == "nullmailer-send",
                _ => false,
            }
        })
        .map(|p| format!("{} (pid {})", p.name, p.pid))
}

fn decide_running(processes: &ProcessTable, kind: &str, facts: &mut MtaFacts) {
    if !facts.needs_daemon {
        facts.running_basis = Some(format!(
            "{kind} needs no daemon: it delivers when a program submits mail"
        ));
        return;
    }
    if !processes.is_known() {
        facts.running_basis = Some(
            "not determined: auditing a snapshot root, the process table is not the snapshot's"
                .to_string(),
        );
        return;
    }
    match running_process(processes, kind) {
        Some(seen) => {
            facts.running = Some(true);
            facts.running_basis = Some(format!("process table: {seen}"));
        }
        None => {
            facts.running = Some(false);
            facts.running_basis = Some(format!("process table: no {kind} daemon process"));
        }
    }
}

fn is_debian_family(fs: &HostFs) -> bool {
    if let Ok(Some(text)) = fs.read_optional_config("/etc/os-release") {
        return text.lines().any(|line| {
            let line = line.replace('"', "");
            line == "ID=debian"
                || line == "ID=ubuntu"
                || (line.starts_with("ID_LIKE=") && line.contains("debian"))
        });
    }
    fs.exists("/etc/debian_version")
}

fn decide_libwrap(fs: &HostFs, kind: &str, facts: &mut MtaFacts) {
    let (libwrap, basis) = match kind {
        // Debian builds sendmail-bin with TCPWRAPPERS (listed under "Compiled with:" by
        // `sendmail -d0.1 -bv root`) and it depends on libwrap0; RHEL 8 and later dropped
        // tcp_wrappers altogether. Elsewhere it is a build choice we cannot see.
        "sendmail" if is_debian_family(fs) => (
            Some(true),
            "Debian's sendmail-bin is built with TCPWRAPPERS (libwrap0)".to_string(),
        ),
        "sendmail" => (
            None,
            "depends on the build: `sendmail -d0.1 -bv root` lists TCPWRAPPERS when linked"
                .to_string(),
        ),
        "postfix" => (
            Some(false),
            "Postfix never uses libwrap; its smtpd has its own access controls".to_string(),
        ),
        // Exim links libwrap only when built with USE_TCP_WRAPPERS; packages differ
        // (Debian's light and heavy daemons are built differently), and the binary is the
        // only witness.
        "exim" => (
            None,
            "depends on the build: `exim -bV` lists TCPwrappers under \"Support for\" when linked"
                .to_string(),
        ),
        "opensmtpd" => (Some(false), "OpenSMTPD does not use libwrap".to_string()),
        _ => (
            Some(false),
            format!("{kind} accepts no network connections: TCP wrappers cannot apply"),
        ),
    };
    facts.libwrap = libwrap;
    facts.libwrap_basis = Some(basis);
}

/// Reads a configuration file; problems are noted. `Ok(None)`: absent.
fn read_noted(
    fs: &HostFs,
    path: &str,
    facts: &mut MtaFacts,
) -> Result<Option<String>, HostFsError> {
    let result = fs.read_optional_config(path);
    match &result {
        Ok(Some(_)) => facts.config_files.push(path.to_string()),
        Ok(None) => {}
        Err(e) => facts.notes.push(e.to_string()),
    }
    result
}

fn line_text(text: &str, line: usize) -> String {
    let raw = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
    crate::text::truncate(raw.trim(), 300).into_owned()
}

fn set_smarthost(facts: &mut MtaFacts, path: &str, text: &str, setting: &Setting, value: String) {
    facts.smarthost = (!value.is_empty()).then_some(value);
    facts.smarthost_source = Some(format!("{path}:{}", setting.line));
    facts.smarthost_line = Some(line_text(text, setting.line));
}

fn set_helo(facts: &mut MtaFacts, path: &str, setting: &Setting) {
    if !setting.value.is_empty() {
        facts.helo_name = Some(setting.value.clone());
        facts.helo_source = Some(format!("{path}:{}", setting.line));
    }
}

fn push_domain(facts: &mut MtaFacts, domain: &str) {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    if !domain.is_empty() && !facts.local_domains.contains(&domain) {
        facts.local_domains.push(domain);
    }
}

/// Reads the MTA's own configuration for smarthost, HELO name and local domains.
fn read_configuration(fs: &HostFs, kind: &str, facts: &mut MtaFacts) {
    match kind {
        "postfix" => read_postfix(fs, facts),
        "sendmail" => read_sendmail(fs, facts),
        "exim" => read_exim(fs, facts),
        "opensmtpd" => read_opensmtpd(fs, facts),
        "msmtp" => read_msmtp(fs, facts),
        "nullmailer" => read_nullmailer(fs, facts),
        "ssmtp" => read_ssmtp(fs, facts),
        "dma" => read_dma(fs, facts),
        _ => {}
    }
}

fn read_postfix(fs: &HostFs, facts: &mut MtaFacts) {
    let path = "/etc/postfix/main.cf";
    let text = match read_noted(fs, path, facts) {
        Ok(Some(text)) => text,
        Ok(None) => {
            facts.config_error = Some(format!("{path}: no such file (Postfix will not run)"));
            return;
        }
        Err(e) => {
            facts.config_error = Some(e.to_string());
            return;
        }
    };
    let cf = parse::postfix_main_cf(&text);
    match cf.get("relayhost") {
        Some(relay) => {
            // `relayhost = $mydomain` is legal: expand what main.cf itself defines.
            let value = match parse::postfix_expand(&relay.value, &cf) {
                Some(expanded) => expanded,
                None => {
                    facts.notes.push(format!(
                        "{path}:{}: relayhost {} refers to a parameter not set in main.cf; shown as written",
                        relay.line, relay.value
                    ));
                    relay.value.clone()
                }
            };
            set_smarthost(facts, path, &text, relay, value);
        }
        None => {
            facts.smarthost_source = Some(path.to_string());
            facts.smarthost_line =
                Some("relayhost is not set (Postfix's default: empty)".to_string());
        }
    }
    // Per-sender or per-domain routing can bypass relayhost; say so rather than guess.
    for name in ["sender_dependent_relayhost_maps", "transport_maps"] {
        if let Some(map) = cf.get(name).filter(|m| !m.value.is_empty()) {
            facts.notes.push(format!(
                "{path}:{}: {name} = {} may route some mail differently than relayhost (the map is not read)",
                map.line, map.value
            ));
        }
    }
    // Debian's "Local only" answer sets default_transport = error: nothing leaves.
    for name in ["default_transport", "relay_transport"] {
        if let Some(transport) = cf.get(name) {
            let transport_name = transport.value.split(':').next().unwrap_or("").trim();
            if matches!(transport_name, "error" | "discard") {
                facts.outbound_blocked = Some(format!(
                    "{path}:{}: {name} = {} (mail to other domains is {} instead of sent)",
                    transport.line,
                    transport.value,
                    if transport_name == "error" {
                        "bounced"
                    } else {
                        "discarded"
                    }
                ));
                break;
            }
        }
    }
    if let Some(helo) = cf.get("smtp_helo_name").or_else(|| cf.get("myhostname")) {
        set_helo(facts, path, helo);
    }
    if let Some(destinations) = cf.get("mydestination") {
        for item in parse::postfix_list(&destinations.value) {
            match parse::postfix_expand(&item, &cf) {
                Some(expanded) => {
                    for domain in parse::postfix_list(&expanded) {
                        push_domain(facts, &domain);
                    }
                }
                None => facts.notes.push(format!(
                    "{path}:{}: mydestination item {item} refers to a parameter not set in main.cf \
                     (Postfix's built-in default applies); not listed",
                    destinations.line
                )),
            }
        }
    }
}

fn read_sendmail(fs: &HostFs, facts: &mut MtaFacts) {
    let cf_path = "/etc/mail/sendmail.cf";
    let mc_path = "/etc/mail/sendmail.mc";
    let cf_text = match read_noted(fs, cf_path, facts) {
        Ok(text) => text,
        Err(e) => {
            facts.config_error = Some(e.to_string());
            return;
        }
    };
    let mc_text = read_noted(fs, mc_path, facts).ok().flatten();
    let mc_smarthost = mc_text.as_deref().and_then(parse::sendmail_mc_smarthost);
    let mc_defines = mc_text
        .as_deref()
        .map(parse::sendmail_mc_defines)
        .unwrap_or_default();
    match &cf_text {
        // sendmail reads only the .cf; the .mc is its source, maybe not rebuilt since.
        Some(text) => {
            let cf = parse::sendmail_cf(text);
            if let Some(ds) = cf.macros.get("S") {
                set_smarthost(facts, cf_path, text, ds, ds.value.clone());
            }
            let cf_host = facts.smarthost.clone().unwrap_or_default();
            if let Some(mc) = &mc_smarthost
                && mc.value != cf_host
            {
                facts.notes.push(format!(
                    "{mc_path}:{} defines SMART_HOST {} but {cf_path} (what sendmail reads) has {}: \
                     rebuild it with `sendmailconfig` (or `make -C /etc/mail`)",
                    mc.line,
                    mc.value,
                    if cf_host.is_empty() { "no smarthost (DS empty)".to_string() } else { format!("DS{cf_host}") },
                ));
            }
            if let Some(j) = cf.macros.get("j") {
                set_helo(facts, cf_path, j);
            }
            if let Some(helo) = cf.options.get("HeloName") {
                set_helo(facts, cf_path, helo);
            }
            for word in cf.class_words.get("w").into_iter().flatten() {
                push_domain(facts, &word.value);
            }
            if let Some(file) = cf.class_files.get("w")
                && let Some(list_path) = parse::sendmail_class_file_path(&file.value)
            {
                match read_noted(fs, list_path, facts) {
                    Ok(Some(list)) => {
                        for name in parse::word_list(&list) {
                            push_domain(facts, &name.value);
                        }
                    }
                    Ok(None) => {}
                    Err(_) => {}
                }
            }
        }
        None => {
            facts.config_error = Some(format!(
                "{cf_path}: no such file (sendmail cannot run without it)"
            ));
            // The .mc still says what was intended.
            if let (Some(mc), Some(text)) = (&mc_smarthost, &mc_text) {
                set_smarthost(facts, mc_path, text, mc, mc.value.clone());
            }
        }
    }
    if facts.helo_name.is_none()
        && let Some(domain) = mc_defines.get("confDOMAIN_NAME")
    {
        set_helo(facts, mc_path, domain);
    }
}

fn read_exim(fs: &HostFs, facts: &mut MtaFacts) {
    let debconf_path = "/etc/exim4/update-exim4.conf.conf";
    // A hand-written exim4.conf replaces Debian's generated configuration entirely.
    for manual in ["/etc/exim4/exim4.conf", "/etc/exim/exim.conf"] {
        if fs.exists(manual) {
            facts.config_files.push(manual.to_string());
            facts.config_error = Some(format!(
                "{manual}: a hand-written Exim configuration; its routers are not read, so the \
                 smarthost is not determined"
            ));
            return;
        }
    }
    let text = match read_noted(fs, debconf_path, facts) {
        Ok(Some(text)) => text,
        Ok(None) => {
            facts.config_error = Some(format!("{debconf_path}: no such file"));
            return;
        }
        Err(e) => {
            facts.config_error = Some(e.to_string());
            return;
        }
    };
    let conf = parse::exim_debconf(&text);
    match &conf.configtype {
        Some(configtype) => {
            if let Some(host) = &conf.smarthost {
                set_smarthost(facts, debconf_path, &text, host, host.value.clone());
            } else {
                facts.smarthost_source = Some(format!("{debconf_path}:{}", configtype.line));
                facts.smarthost_line = Some(line_text(&text, configtype.line));
            }
            // `local`: "local delivery only; not on a network"; `none`: no configuration.
            if matches!(configtype.value.as_str(), "local" | "none") {
                facts.outbound_blocked = Some(format!(
                    "{debconf_path}:{}: dc_eximconfig_configtype='{}' delivers only locally: \
                     mail to other domains is not sent",
                    configtype.line, configtype.value
                ));
            }
            if let Some(ignored) = &conf.ignored_smarthost {
                facts.notes.push(format!(
                    "{debconf_path}:{}: dc_smarthost='{}' is ignored: configtype '{}' delivers directly",
                    ignored.line, ignored.value, configtype.value
                ));
            }
        }
        None => {
            facts.config_error = Some(format!(
                "{debconf_path}: no dc_eximconfig_configtype; cannot tell how Exim routes mail"
            ));
        }
    }
    for host in &conf.other_hostnames {
        // `@` means the primary hostname, `*.x` wildcards are not domains to list.
        if host != "@" && !host.contains('*') {
            push_domain(facts, host);
        }
    }
    if let Ok(Some(macros)) = read_noted(fs, "/etc/exim4/exim4.conf.localmacros", facts) {
        let settings = parse::key_equals_value(&macros);
        if let Some(helo) = settings.get("remote_smtp_helo_data") {
            set_helo(facts, "/etc/exim4/exim4.conf.localmacros", helo);
        }
    }
}

fn read_opensmtpd(fs: &HostFs, facts: &mut MtaFacts) {
    for path in [
        "/etc/smtpd.conf",
        "/etc/opensmtpd/smtpd.conf",
        "/etc/smtpd/smtpd.conf",
    ] {
        let text = match read_noted(fs, path, facts) {
            Ok(Some(text)) => text,
            Ok(None) => continue,
            Err(e) => {
                facts.config_error = Some(e.to_string());
                return;
            }
        };
        let relays = parse::smtpd_conf_relays(&text);
        if let Some(relay) = relays.first() {
            let setting = Setting {
                value: relay.host.clone(),
                line: relay.line,
            };
            set_smarthost(facts, path, &text, &setting, relay.host.clone());
            if let Some(helo) = &relay.helo {
                facts.helo_name = Some(helo.clone());
                facts.helo_source = Some(format!("{path}:{}", relay.line));
            }
            if relays.len() > 1 {
                facts.notes.push(format!(
                    "{path}: {} relay actions; the first ({}) is reported",
                    relays.len(),
                    relay.host
                ));
            }
        }
        return;
    }
    facts.config_error = Some("no smtpd.conf found".to_string());
}

fn read_msmtp(fs: &HostFs, facts: &mut MtaFacts) {
    let path = "/etc/msmtprc";
    let text = match read_noted(fs, path, facts) {
        Ok(Some(text)) => text,
        Ok(None) => {
            facts.config_error = Some(format!(
                "{path}: no such file (msmtp needs a relay host to send anything)"
            ));
            return;
        }
        Err(e) => {
            facts.config_error = Some(e.to_string());
            return;
        }
    };
    match parse::msmtprc_default_account(&text) {
        Some(account) => {
            if let Some(host) = &account.host {
                let value = match &account.port {
                    Some(port) => format!("{}:{}", host.value, port.value),
                    None => host.value.clone(),
                };
                set_smarthost(facts, path, &text, host, value);
            } else {
                facts.config_error =
                    Some(format!("{path}: account '{}' has no host", account.name));
            }
            if let Some(domain) = &account.domain {
                set_helo(facts, path, domain);
            }
        }
        None => facts.config_error = Some(format!("{path}: no account defined")),
    }
}

fn read_nullmailer(fs: &HostFs, facts: &mut MtaFacts) {
    let path = "/etc/nullmailer/remotes";
    let text = match read_noted(fs, path, facts) {
        Ok(Some(text)) => text,
        Ok(None) => {
            facts.config_error = Some(format!(
                "{path}: no such file (nullmailer has nowhere to send)"
            ));
            return;
        }
        Err(e) => {
            facts.config_error = Some(e.to_string());
            return;
        }
    };
    match parse::nullmailer_remotes(&text).first() {
        Some(remote) => {
            let value = match &remote.port {
                Some(port) => format!("{}:{port}", remote.host),
                None => remote.host.clone(),
            };
            facts.smarthost = Some(value);
            facts.smarthost_source = Some(format!("{path}:{}", remote.line));
            // The line holds credentials (--pass=…): show only what matters.
            facts.smarthost_line = Some(format!(
                "{} {}{}",
                remote.host,
                remote.protocol.as_deref().unwrap_or("smtp"),
                remote
                    .port
                    .as_deref()
                    .map(|p| format!(" --port={p}"))
                    .unwrap_or_default()
            ));
        }
        None => facts.config_error = Some(format!("{path}: no remote defined")),
    }
    for helo_file in ["/etc/nullmailer/helohost", "/etc/nullmailer/me"] {
        if let Ok(Some(text)) = read_noted(fs, helo_file, facts)
            && let Some(name) = parse::word_list(&text).first()
        {
            set_helo(facts, helo_file, name);
            break;
        }
    }
}

fn read_ssmtp(fs: &HostFs, facts: &mut MtaFacts) {
    let path = "/etc/ssmtp/ssmtp.conf";
    let text = match read_noted(fs, path, facts) {
        Ok(Some(text)) => text,
        Ok(None) => {
            facts.config_error = Some(format!("{path}: no such file"));
            return;
        }
        Err(e) => {
            facts.config_error = Some(e.to_string());
            return;
        }
    };
    let settings = parse::key_equals_value(&text);
    match settings.get("mailhub") {
        Some(hub) => set_smarthost(facts, path, &text, hub, hub.value.clone()),
        // ssmtp's compiled-in default is "mailhub", a name that rarely resolves.
        None => facts.config_error = Some(format!("{path}: no mailhub set")),
    }
    if let Some(hostname) = settings.get("hostname") {
        set_helo(facts, path, hostname);
    }
}

fn read_dma(fs: &HostFs, facts: &mut MtaFacts) {
    let path = "/etc/dma/dma.conf";
    let text = match read_noted(fs, path, facts) {
        Ok(Some(text)) => text,
        Ok(None) => return,
        Err(e) => {
            facts.config_error = Some(e.to_string());
            return;
        }
    };
    let settings = parse::keyword_value(&text);
    if let Some(host) = settings.get("SMARTHOST") {
        let value = match settings.get("PORT") {
            Some(port) => format!("{}:{}", host.value, port.value),
            None => host.value.clone(),
        };
        set_smarthost(facts, path, &text, host, value);
    }
}

// ---------------------------------------------------------------------------------------
// PHP

/// Directories searched when a `sendmail_path` program has no `/` (PHP runs it via /bin/sh).
const PROGRAM_PATH: [&str; 6] = [
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// Files PHP reads in order for one SAPI (php.ini, then conf.d/*.ini); pool files of
/// PHP-FPM are groups of their own (a pool's setting overrides the ini for that pool).
fn php_file_groups(fs: &HostFs, notes: &mut Vec<String>) -> Vec<Vec<String>> {
    let mut groups = Vec::new();
    let list = |dir: &str, suffix: &str, notes: &mut Vec<String>| -> Vec<String> {
        match fs.list_dir(dir) {
            Ok(names) => names
                .into_iter()
                .filter(|n| n.ends_with(suffix))
                .map(|n| hostfs::join(dir, &n))
                .collect(),
            Err(e) => {
                notes.push(e.to_string());
                Vec::new()
            }
        }
    };
    // A SAPI directory: php.ini + conf.d/*.ini, pools in pool.d or php-fpm.d.
    let sapi_dir = |dir: &str, groups: &mut Vec<Vec<String>>, notes: &mut Vec<String>| {
        let ini = hostfs::join(dir, "php.ini");
        let mut group = Vec::new();
        if fs.exists(&ini) {
            group.push(ini);
        }
        group.extend(list(&hostfs::join(dir, "conf.d"), ".ini", notes));
        if !group.is_empty() {
            groups.push(group);
        }
        for pools in ["pool.d", "php-fpm.d"] {
            for pool in list(&hostfs::join(dir, pools), ".conf", notes) {
                groups.push(vec![pool]);
            }
        }
    };
    let etc_names = match fs.list_dir("/etc") {
        Ok(names) => names,
        Err(e) => {
            notes.push(e.to_string());
            return groups;
        }
    };
    for name in etc_names.iter().filter(|n| n.starts_with("php")) {
        let dir = hostfs::join("/etc", name);
        match name.as_str() {
            // RHEL family: /etc/php.ini + /etc/php.d/*.ini; pools in /etc/php-fpm.d.
            "php.ini" => {
                let mut group = vec![dir.clone()];
                group.extend(list("/etc/php.d", ".ini", notes));
                groups.push(group);
            }
            "php.d" => {
                if !etc_names.iter().any(|n| n == "php.ini") {
                    groups.push(list("/etc/php.d", ".ini", notes));
                }
            }
            "php-fpm.d" => {
                for pool in list(&dir, ".conf", notes) {
                    groups.push(vec![pool]);
                }
            }
            _ => {
                // Alpine: /etc/php83/php.ini directly; Debian: /etc/php/<version>/<sapi>/;
                // old Debian: /etc/php5/<sapi>/.
                if fs.exists(&hostfs::join(&dir, "php.ini")) {
                    sapi_dir(&dir, &mut groups, notes);
                    continue;
                }
                let children = match fs.list_dir(&dir) {
                    Ok(children) => children,
                    Err(_) => continue,
                };
                for child in children {
                    let child_dir = hostfs::join(&dir, &child);
                    if child.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                        // A version directory: its SAPIs.
                        for sapi in fs.list_dir(&child_dir).unwrap_or_default() {
                            if sapi != "mods-available" {
                                sapi_dir(&hostfs::join(&child_dir, &sapi), &mut groups, notes);
                            }
                        }
                    } else if child != "mods-available" {
                        sapi_dir(&child_dir, &mut groups, notes);
                    }
                }
            }
        }
    }
    groups
}

fn program_found(fs: &HostFs, program: &str) -> bool {
    if program.contains('/') {
        return fs.is_executable(program);
    }
    PROGRAM_PATH
        .iter()
        .any(|dir| fs.is_executable(&hostfs::join(dir, program)))
}

fn php_sendmail_paths(fs: &HostFs, notes: &mut Vec<String>) -> Vec<PhpSendmailPath> {
    let mut found = Vec::new();
    for group in php_file_groups(fs, notes) {
        let first_of_group = found.len();
        for file in group {
            let text = match fs.read_optional_config(&file) {
                Ok(Some(text)) => text,
                Ok(None) => continue,
                Err(e) => {
                    notes.push(e.to_string());
                    continue;
                }
            };
            for setting in parse::php_sendmail_paths(&text) {
                let program = parse::sendmail_path_program(&setting.value).map(str::to_string);
                found.push(PhpSendmailPath {
                    source: format!("{file}:{}", setting.line),
                    program_found: program.as_deref().is_some_and(|p| program_found(fs, p)),
                    program,
                    value: setting.value,
                    effective: false,
                });
            }
        }
        // The last setting PHP reads is the one in force.
        if found.len() > first_of_group
            && let Some(last) = found.last_mut()
        {
            last.effective = true;
        }
    }
    found
}

// ---------------------------------------------------------------------------------------
// The check

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
                let mut item = Evidence::new(
                    "no smarthost",
                    match &mta.smarthost_line {
                        Some(line) => {
                            format!("{line} (mail goes directly to recipients' MX hosts)")
                        }
                        None => "no relay configured: mail goes directly to recipients' MX hosts"
                            .to_string(),
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
    use super::*;
    use crate::engine::facts::ProcessInfo;

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
}
