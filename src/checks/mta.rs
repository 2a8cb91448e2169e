//! `mta`: which MTA provides `/usr/sbin/sendmail`, whether it runs, whether it relays
//! through a smarthost, and whether PHP's `sendmail_path` points at something that exists.

use serde::{Deserialize, Serialize};

use crate::checks::Outcome;
use crate::engine::Context;
use crate::engine::facts::ProcessTable;
use crate::hostfs::HostFs;

/// Parameters of an `mta` check.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

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
    /// Why `kind` was decided (link target name, package file, config file).
    pub detected_by: Vec<String>,
    /// `Some(true/false)` from the process table; `None` when not determined (snapshot).
    pub running: Option<bool>,
    /// Whether this MTA needs a daemon at all (msmtp, ssmtp, dma, … send at submission).
    pub needs_daemon: bool,
    /// The relay host all outbound mail goes through, when configured.
    pub smarthost: Option<String>,
    /// `file:line` where the smarthost is set.
    pub smarthost_source: Option<String>,
    /// The name the MTA says in HELO/EHLO, when configured.
    pub helo_name: Option<String>,
    pub helo_source: Option<String>,
    /// Domains the MTA delivers locally (Postfix `mydestination`, sendmail `local-host-names`).
    pub local_domains: Vec<String>,
    /// Whether the MTA daemon is linked with libwrap (TCP wrappers apply to it).
    pub libwrap: Option<bool>,
    /// Names the daemon is known by in hosts.allow/hosts.deny.
    pub daemon_names: Vec<String>,
    /// PHP `sendmail_path` settings found (`file:line` and value).
    pub php_sendmail_paths: Vec<PhpSendmailPath>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PhpSendmailPath {
    pub source: String,
    pub value: String,
}

/// Detects the MTA from files under the root and, on the live host, the process table.
pub fn detect(fs: &HostFs, _processes: &ProcessTable) -> MtaFacts {
    let mut facts = MtaFacts {
        sendmail_path: "/usr/sbin/sendmail".to_string(),
        ..MtaFacts::default()
    };
    if let Ok((_, chain)) = fs.resolve_with_chain(&facts.sendmail_path) {
        facts.sendmail_chain = chain;
    }
    facts
}

pub fn run(_params: &Params, context: &Context) -> Outcome {
    let mta = &context.facts.mta;
    match &mta.kind {
        Some(kind) => Outcome::pass(format!("{kind} provides {}", mta.sendmail_path)),
        None => Outcome::fail(format!("no MTA provides {}", mta.sendmail_path)),
    }
}
