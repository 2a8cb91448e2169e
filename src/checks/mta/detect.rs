//! Detection of the MTA behind `/usr/sbin/sendmail` and of its configuration: the facts
//! every check shares. Reads host files only through [`HostFs`].

use super::{MtaFacts, SENDMAIL_PATH};
use crate::engine::facts::ProcessTable;
use crate::hostfs::{self, HostFs, HostFsError};
use crate::parse::mta_config::{self as parse, Setting};

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
pub(super) fn kind_from_path(path: &str) -> Option<&'static str> {
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
pub(super) fn kind_from_package(package: &str) -> Option<&'static str> {
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
    facts.php_sendmail_paths = super::php::sendmail_paths(fs, &mut facts.notes);
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
pub(super) fn running_process(processes: &ProcessTable, kind: &str) -> Option<String> {
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

/// Reads the configuration file an MTA cannot work without; when it is missing or
/// unreadable, records why in `config_error` (`consequence` says what a missing file means).
fn read_required(
    fs: &HostFs,
    path: &str,
    facts: &mut MtaFacts,
    consequence: &str,
) -> Option<String> {
    match read_noted(fs, path, facts) {
        Ok(Some(text)) => Some(text),
        Ok(None) => {
            facts.config_error = Some(format!("{path}: no such file{consequence}"));
            None
        }
        Err(e) => {
            facts.config_error = Some(e.to_string());
            None
        }
    }
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
    let Some(text) = read_required(fs, path, facts, " (Postfix will not run)") else {
        return;
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
    for manual in [
        "/etc/exim4/exim4.conf",
        "/etc/exim/exim.conf",
        "/etc/exim.conf",
    ] {
        if fs.exists(manual) {
            read_exim_conf(fs, manual, facts);
            return;
        }
    }
    let Some(text) = read_required(fs, debconf_path, facts, "") else {
        return;
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

/// A hand-written Exim configuration: the first deciding router says where mail goes.
fn read_exim_conf(fs: &HostFs, path: &str, facts: &mut MtaFacts) {
    let text = match read_noted(fs, path, facts) {
        Ok(Some(text)) => text,
        Ok(None) => return,
        Err(e) => {
            facts.config_error = Some(e.to_string());
            return;
        }
    };
    match parse::exim_conf_routing(&text) {
        Some(parse::EximRouting::Smarthost { router, hosts }) => {
            let value = hosts.value.clone();
            set_smarthost(facts, path, &text, &hosts, value);
            facts.notes.push(format!(
                "{path}: router {router} sends every domain to the relay"
            ));
        }
        Some(parse::EximRouting::Direct { router, line }) => {
            facts.smarthost_source = Some(format!("{path}:{line}"));
            facts.smarthost_line = Some(format!("router {router}: driver = dnslookup"));
        }
        None => {
            facts.config_error = Some(format!(
                "{path}: no dnslookup or catch-all manualroute router found; how Exim routes \
                 mail to other domains is not determined"
            ));
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
    let Some(text) = read_required(
        fs,
        path,
        facts,
        " (msmtp needs a relay host to send anything)",
    ) else {
        return;
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
    let Some(text) = read_required(fs, path, facts, " (nullmailer has nowhere to send)") else {
        return;
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
    let Some(text) = read_required(fs, path, facts, "") else {
        return;
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
