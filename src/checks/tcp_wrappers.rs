//! `tcp_wrappers`: evaluates hosts.allow/hosts.deny (hosts_access(5)) for the MTA daemon
//! and local clients. Relevant only where the MTA is linked with libwrap.
//!
//! Why local clients: Debian's sendmail submits every message written with
//! `/usr/sbin/sendmail` (the mail submission program, MSP) over SMTP to `127.0.0.1:25`, and
//! the daemon asks libwrap about that connection. A rule that refuses 127.0.0.1 to the
//! daemon leaves all locally submitted mail queued in `/var/spool/mqueue-client`.
//!
//! What the daemon tells libwrap matters: sendmail calls `hosts_ctl("sendmail", name,
//! address, "unknown")` with the client name it resolved itself. libwrap then does no
//! lookup of its own, so `PARANOID` (a name libwrap failed to verify) never matches, and
//! the daemon name is always `sendmail`, never `sm-mta`.
//!
//! Whatever the verdict, TCP wrappers only guard *incoming* connections to this host's
//! daemons: they never affect mail this host sends out. Every result says so, because
//! operators chasing undelivered mail lose time there.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Deserialize;

use crate::checks::mta::MtaFacts;
use crate::checks::{Outcome, Verdict};
use crate::engine::Context;
use crate::hostfs::HostFs;
use crate::parse::hosts_access::{
    self, Access, AccessTable, Decision, Endpoint, HostName, Match, PatternFile, Request,
    StringPattern, Table,
};
use crate::report::Evidence;

/// Parameters of a `tcp_wrappers` check.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {}

/// Said by every result: the operator can stop looking at these files for outbound mail.
pub const OUTBOUND_NOTE: &str = "hosts.allow/hosts.deny never affect outbound delivery";

const OUTBOUND_EXPLANATION: &str = "TCP wrappers (hosts.allow/hosts.deny) are consulted only when a client connects to a libwrap-linked daemon on this host; they never affect mail this host sends to other servers, so they cannot explain mail that leaves and is refused or lost.";

/// Where local programs connect: the loopback addresses (plus what `localhost` names).
const LOOPBACK: [IpAddr; 2] = [
    IpAddr::V4(Ipv4Addr::LOCALHOST),
    IpAddr::V6(Ipv6Addr::LOCALHOST),
];

/// Rules explained as "innocent" in the evidence, at most.
const MAX_EXPLAINED_RULES: usize = 8;

/// Warnings and undetermined causes listed in the evidence, at most (a hostile file may
/// hold hundreds of thousands).
const MAX_LISTED: usize = 20;

pub fn run(_params: &Params, context: &Context) -> Outcome {
    let mta = &context.facts.mta;
    let Some((kind, inferred_from)) = mta_kind(mta) else {
        return Outcome::skipped(format!(
            "no MTA was identified on this host (see the mta check), so no MTA daemon consults TCP wrappers here; {OUTBOUND_NOTE}"
        ))
        .evidence(scope_evidence());
    };
    let mut preamble = Vec::new();
    if let Some(link) = &inferred_from {
        preamble.push(Evidence::new(
            "MTA",
            format!("{kind}, inferred from the link target {link} (the MTA facts named none)"),
        ));
    }

    let linkage = libwrap_use(&kind, mta);
    let basis = match &linkage {
        Libwrap::NotLinked(basis) => {
            preamble.push(Evidence::new("libwrap", basis.clone()));
            preamble.push(scope_evidence());
            let mut outcome = Outcome::pass(format!(
                "{kind} does not consult TCP wrappers: /etc/hosts.allow and /etc/hosts.deny do not apply to it; {OUTBOUND_NOTE}"
            ))
            .metric("local_clients_denied", 0usize)
            .remediation("Nothing to change in /etc/hosts.allow or /etc/hosts.deny: they are irrelevant for this MTA.");
            outcome.evidence = preamble;
            return outcome;
        }
        Libwrap::Linked(basis) | Libwrap::Unsure(basis) => basis.clone(),
    };
    preamble.push(Evidence::new("libwrap", basis));

    let tables = match read_tables(&context.fs) {
        Ok(tables) => tables,
        Err(problem) => {
            preamble.push(Evidence::new("unreadable file", problem.clone()));
            preamble.push(scope_evidence());
            let mut outcome = Outcome::unknown(format!(
                "cannot tell whether TCP wrappers let local clients reach {kind}: {problem}; {OUTBOUND_NOTE}"
            ));
            outcome.evidence = preamble;
            return outcome;
        }
    };
    let hosts = match context.fs.read_optional_config("/etc/hosts") {
        Ok(text) => EtcHosts::parse(&text.unwrap_or_default()),
        Err(error) => {
            preamble.push(Evidence::new(
                "name lookup",
                format!("{error}: client names are taken as unknown to /etc/hosts"),
            ));
            EtcHosts::default()
        }
    };

    let daemons = libwrap_daemon_names(&kind, mta);
    let clients = local_clients(&hosts);
    let lookup = |path: &str| pattern_file(&context.fs, path);
    let evaluations: Vec<ClientEvaluation> = daemons
        .iter()
        .flat_map(|daemon| {
            clients
                .iter()
                .map(|&address| evaluate_client(daemon, address, &hosts, &tables, &lookup))
        })
        .collect();
    let mut outcome = conclude(&kind, &evaluations, &tables, &lookup);
    for evidence in preamble.into_iter().rev() {
        outcome.evidence.insert(0, evidence);
    }
    for evidence in misnamed_daemon_rules(&kind, mta, &tables) {
        outcome = outcome.evidence(evidence);
    }
    if matches!(linkage, Libwrap::Unsure(_)) && outcome.verdict == Verdict::Fail {
        // A refusal matters only if the daemon really asks libwrap: not determined.
        outcome.verdict = Verdict::Unknown;
        outcome.summary = format!(
            "whether {kind} consults TCP wrappers was not determined; if it does: {}",
            outcome.summary
        );
    }
    outcome.evidence(scope_evidence())
}

/// Whether the MTA daemon asks libwrap about its clients, and on what basis.
enum Libwrap {
    Linked(String),
    NotLinked(String),
    Unsure(String),
}

fn libwrap_use(kind: &str, mta: &MtaFacts) -> Libwrap {
    match (mta.libwrap, kind) {
        (Some(true), _) => Libwrap::Linked(format!(
            "{kind} consults TCP wrappers (linked with libwrap, from the MTA facts)"
        )),
        (Some(false), _) => Libwrap::NotLinked(format!(
            "{kind} is not linked with libwrap (from the MTA facts)"
        )),
        (None, "sendmail") => Libwrap::Linked(
            "sendmail consults TCP wrappers (assumed: Debian, Ubuntu and RHEL build it with TCPWRAPPERS; the linkage was not determined)".to_string(),
        ),
        (None, "exim") => Libwrap::Unsure(
            "Exim consults TCP wrappers only when built with USE_TCP_WRAPPERS, and the linkage was not determined; its sendmail interface queues mail without SMTP, so only SMTP clients on this host are concerned".to_string(),
        ),
        (None, "postfix") => Libwrap::NotLinked(
            "Postfix has no TCP wrappers support (its access control is smtpd_client_restrictions)".to_string(),
        ),
        (None, other) => Libwrap::NotLinked(format!(
            "{other} is not known to consult TCP wrappers"
        )),
    }
}

/// Rules written for the name sendmail's process runs as (`sm-mta` on Debian): libwrap is
/// asked about "sendmail", so they never apply. A classic reason a "fix" does not work.
fn misnamed_daemon_rules(kind: &str, mta: &MtaFacts, tables: &Tables) -> Vec<Evidence> {
    if kind != "sendmail" {
        return Vec::new();
    }
    let mut aliases: Vec<String> = vec!["sm-mta".to_string(), "sendmail-mta".to_string()];
    for name in &mta.daemon_names {
        if !name.eq_ignore_ascii_case("sendmail") && !aliases.contains(name) {
            aliases.push(name.clone());
        }
    }
    let mut evidence = Vec::new();
    for table in [&tables.allow, &tables.deny] {
        for rule in table.rules() {
            let named: Vec<&String> = aliases
                .iter()
                .filter(|alias| {
                    rule.daemons.items.iter().any(|item| {
                        matches!(&item.daemon, StringPattern::Exact(name) if name.eq_ignore_ascii_case(alias))
                    })
                })
                .collect();
            for alias in named {
                evidence.push(
                    Evidence::new(
                        "daemon name",
                        format!(
                            "{} — names \"{alias}\", but sendmail asks libwrap about the daemon name \"sendmail\" whatever its process is called, so this rule never applies to it",
                            rule.text
                        ),
                    )
                    .at(format!("{}:{}", table.table.path(), rule.lines())),
                );
            }
        }
    }
    evidence
}

fn scope_evidence() -> Evidence {
    Evidence::new("scope", OUTBOUND_EXPLANATION)
}

/// The MTA kind from the facts or, when they name none, from the `/usr/sbin/sendmail` link
/// target (sendmail's `sm.bin`, `sendmail.postfix`, `exim4`…).
fn mta_kind(mta: &MtaFacts) -> Option<(String, Option<String>)> {
    if let Some(kind) = &mta.kind {
        return Some((kind.clone(), None));
    }
    let target = mta.sendmail_chain.last()?;
    if mta.sendmail_chain.len() < 2 {
        return None;
    }
    let kind = if target.contains("/sm.bin/") || target.ends_with("sendmail.sendmail") {
        "sendmail"
    } else if target.contains("postfix") {
        "postfix"
    } else if target.contains("exim") {
        "exim"
    } else {
        return None;
    };
    Some((kind.to_string(), Some(target.clone())))
}

/// The names the daemon gives libwrap.
fn libwrap_daemon_names(kind: &str, mta: &MtaFacts) -> Vec<String> {
    // sendmail's conf.c: hosts_ctl("sendmail", …), whatever argv[0] is (sm-mta on Debian).
    if kind == "sendmail" {
        return vec!["sendmail".to_string()];
    }
    if !mta.daemon_names.is_empty() {
        return mta.daemon_names.clone();
    }
    let defaults: &[&str] = match kind {
        "postfix" => &["smtpd"],
        "exim" => &["exim", "exim4"],
        other => return vec![other.to_string()],
    };
    defaults.iter().map(|n| n.to_string()).collect()
}

struct Tables {
    allow: AccessTable,
    deny: AccessTable,
}

/// Reads both tables; a missing file is an empty table (as for libwrap). Anything else
/// that keeps us from reading them as libwrap would is a problem naming the path.
fn read_tables(fs: &HostFs) -> Result<Tables, String> {
    let read = |table: Table| -> Result<AccessTable, String> {
        match fs.read_optional_config(table.path()) {
            Ok(text) => Ok(hosts_access::parse(table, &text.unwrap_or_default())),
            Err(error) => Err(error.to_string()),
        }
    };
    Ok(Tables {
        allow: read(Table::Allow)?,
        deny: read(Table::Deny)?,
    })
}

fn pattern_file(fs: &HostFs, path: &str) -> PatternFile {
    match fs.read_optional_config(path) {
        Ok(Some(text)) => PatternFile::Text(text),
        Ok(None) => PatternFile::Missing,
        Err(error) => PatternFile::Unreadable(error.to_string()),
    }
}

/// 127.0.0.1, ::1 and every address `/etc/hosts` gives `localhost`.
fn local_clients(hosts: &EtcHosts) -> Vec<IpAddr> {
    let mut clients: Vec<IpAddr> = LOOPBACK.to_vec();
    for address in hosts.addresses_of("localhost") {
        if !clients.contains(&address) {
            clients.push(address);
        }
    }
    clients
}

/// One local client against one daemon name, under each name the client may carry.
struct ClientEvaluation {
    daemon: String,
    address: IpAddr,
    /// How the client's name was found, in words.
    naming: String,
    /// The `/etc/hosts` line that names the client, when one does.
    hosts_line: Option<usize>,
    /// (name, decision) per possible name: one when /etc/hosts names the address.
    outcomes: Vec<(HostName, Decision)>,
    /// The request of each possible name, in the same order.
    requests: Vec<Request>,
}

impl ClientEvaluation {
    /// Same access under every name and every undetermined rule.
    fn access(&self) -> Option<Access> {
        let first = self.outcomes.first()?.1.access?;
        self.outcomes
            .iter()
            .all(|(_, d)| d.access == Some(first))
            .then_some(first)
    }

    fn decision(&self) -> &Decision {
        &self.outcomes[0].1
    }
}

fn evaluate_client(
    daemon: &str,
    address: IpAddr,
    hosts: &EtcHosts,
    tables: &Tables,
    lookup: &dyn hosts_access::Lookup,
) -> ClientEvaluation {
    // The MTA resolves the client's name itself (files first, as nsswitch's default) and
    // hands it over; it does not verify it, and gives the user as "unknown".
    let hosts_line = hosts.reverse(address).map(|(_, line)| line);
    let (names, naming) = match hosts.reverse(address) {
        Some((name, line)) => (
            vec![HostName::Known(name.clone())],
            format!("/etc/hosts:{line} names {address} {name}"),
        ),
        None => (
            vec![HostName::Known("localhost".to_string()), HostName::Unknown],
            format!(
                "{address} has no /etc/hosts entry: its name would come from DNS, which this check does not query; evaluated both as \"localhost\" and as no name"
            ),
        ),
    };
    let requests: Vec<Request> = names
        .iter()
        .map(|name| Request {
            daemon: daemon.to_string(),
            client: Endpoint {
                address: Some(address),
                name: name.clone(),
            },
            server: Endpoint::unknown(),
            user: Some("unknown".to_string()),
        })
        .collect();
    let outcomes = names
        .into_iter()
        .zip(&requests)
        .map(|(name, request)| {
            let decision = hosts_access::decide(&tables.allow, &tables.deny, request, lookup);
            (name, decision)
        })
        .collect();
    ClientEvaluation {
        daemon: daemon.to_string(),
        address,
        naming,
        hosts_line,
        outcomes,
        requests,
    }
}

fn rule_text(decision: &Decision) -> String {
    match (&decision.reason.rule, decision.reason.source()) {
        (Some(rule), Some(source)) => format!("{source} `{rule}`"),
        (None, Some(source)) => source,
        _ => "no matching rule (default: granted)".to_string(),
    }
}

fn conclude(
    kind: &str,
    evaluations: &[ClientEvaluation],
    tables: &Tables,
    lookup: &dyn hosts_access::Lookup,
) -> Outcome {
    let denied: Vec<&ClientEvaluation> = evaluations
        .iter()
        .filter(|e| e.access() == Some(Access::Denied))
        .collect();
    let undetermined: Vec<&ClientEvaluation> = evaluations
        .iter()
        .filter(|e| e.access().is_none())
        .collect();
    let rule_count = tables.allow.rules().count() + tables.deny.rules().count();

    let mut outcome = if !denied.is_empty() {
        let first = denied[0];
        let clients = dedup(denied.iter().map(|e| e.address.to_string()));
        let msp = if kind == "sendmail"
            && denied
                .iter()
                .any(|e| e.address == IpAddr::V4(Ipv4Addr::LOCALHOST))
        {
            " — locally submitted mail (the MSP connects to 127.0.0.1:25) stays queued in /var/spool/mqueue-client"
        } else {
            ""
        };
        let remediation = match first.decision().reason.table {
            Some(Table::Allow) => format!(
                "Change {} so that it no longer refuses local clients (remove its deny/twist option, or exclude them with `EXCEPT 127.0.0.1 [::1]`); TCP wrappers are not involved in outbound delivery.",
                first.decision().reason.source().unwrap_or_default()
            ),
            _ => format!(
                "Add `{}: 127.0.0.1 [::1]` to /etc/hosts.allow (or exclude local clients from {} with `EXCEPT 127.0.0.1 [::1]`); TCP wrappers are not involved in outbound delivery.",
                first.daemon,
                first.decision().reason.source().unwrap_or_default()
            ),
        };
        Outcome::fail(format!(
            "TCP wrappers refuse {kind}'s local clients {} (daemon name \"{}\"): {}{msp}; {OUTBOUND_NOTE}",
            clients.join(", "),
            first.daemon,
            rule_text(first.decision()),
        ))
        .remediation(remediation)
    } else if !undetermined.is_empty() {
        let mut causes: Vec<String> = Vec::new();
        for evaluation in &undetermined {
            if evaluation.outcomes.len() > 1 {
                let by_name: Vec<String> = evaluation
                    .outcomes
                    .iter()
                    .map(|(name, decision)| {
                        let access = decision
                            .access
                            .map(|a| a.to_string())
                            .unwrap_or_else(|| "undetermined".to_string());
                        let named = match name {
                            HostName::Known(name) => format!("named {name}"),
                            HostName::Unknown => "without a name".to_string(),
                            HostName::Paranoid => "with an unverified name".to_string(),
                        };
                        format!("{access} if {named}")
                    })
                    .collect();
                causes.push(format!("{} ({})", evaluation.naming, by_name.join(", ")));
            }
            for (_, decision) in &evaluation.outcomes {
                for cause in decision.causes.iter().take(MAX_LISTED) {
                    if !causes.contains(cause) && causes.len() < MAX_LISTED {
                        causes.push(cause.clone());
                    }
                }
            }
        }
        let deduped = dedup(undetermined.iter().map(|e| e.address.to_string()));
        let mut outcome = Outcome::unknown(format!(
            "cannot tell whether TCP wrappers let local clients ({}) reach {kind}: {}; {OUTBOUND_NOTE}",
            deduped.join(", "),
            causes.first().cloned().unwrap_or_default()
        ));
        if undetermined.iter().any(|e| e.outcomes.len() > 1) {
            outcome = outcome.remediation(format!(
                "Name the loopback addresses in /etc/hosts (`127.0.0.1 localhost`, `::1 localhost`), or allow the MTA's local clients by address (`{}: 127.0.0.1 [::1]` in /etc/hosts.allow) so that the decision does not depend on DNS. TCP wrappers never affect outbound delivery.",
                undetermined[0].daemon
            ));
        }
        let total: usize = undetermined
            .iter()
            .flat_map(|e| &e.outcomes)
            .map(|(_, d)| d.undetermined_entries)
            .max()
            .unwrap_or(0);
        for cause in causes {
            outcome = outcome.evidence(Evidence::new("undetermined", cause));
        }
        if total > MAX_LISTED {
            outcome = outcome.evidence(Evidence::new(
                "undetermined",
                format!("… {total} undetermined entries in all; the first {MAX_LISTED} are listed"),
            ));
        }
        outcome
    } else {
        let deciding: Vec<String> = dedup(evaluations.iter().map(|e| rule_text(e.decision())));
        Outcome::pass(format!(
            "TCP wrappers let local clients ({}) reach {kind}: {}; {OUTBOUND_NOTE}, so they cannot explain undelivered mail",
            dedup(evaluations.iter().map(|e| e.address.to_string())).join(", "),
            deciding.join("; ")
        ))
        .remediation("Nothing to change in /etc/hosts.allow or /etc/hosts.deny. If mail is not delivered, look at the outbound side: bounces in the web user's mailbox, blocklists of the egress IP, its PTR record.")
    };

    let mut named: Vec<IpAddr> = Vec::new();
    for evaluation in evaluations {
        if named.contains(&evaluation.address) {
            continue;
        }
        named.push(evaluation.address);
        let mut evidence = Evidence::new("client name", evaluation.naming.clone());
        if let Some(line) = evaluation.hosts_line {
            evidence = evidence.at(format!("/etc/hosts:{line}"));
        }
        outcome = outcome.evidence(evidence);
    }
    for evidence in deciding_rules(evaluations) {
        outcome = outcome.evidence(evidence);
    }
    for evidence in innocent_rules(evaluations, tables, lookup) {
        outcome = outcome.evidence(evidence);
    }
    let warnings = tables.allow.warnings_total + tables.deny.warnings_total;
    for (table, note) in [&tables.allow, &tables.deny]
        .into_iter()
        .flat_map(|t| t.warnings.iter().map(move |w| (t.table, w)))
        .take(MAX_LISTED)
    {
        outcome = outcome.evidence(
            Evidence::new("libwrap warning", note.message.clone()).at(format!(
                "{}:{}",
                table.path(),
                note.line
            )),
        );
    }
    if warnings > MAX_LISTED {
        outcome = outcome.evidence(Evidence::new(
            "libwrap warning",
            format!("… {warnings} warnings in all; the first {MAX_LISTED} are listed"),
        ));
    }
    outcome
        .metric("local_clients_denied", denied.len())
        .metric("local_clients_undetermined", undetermined.len())
        .metric("hosts_access_rules", rule_count)
}

/// Evidence items that differ only by client, merged into one naming every client.
struct Grouped {
    label: &'static str,
    source: Option<String>,
    text: String,
    data: Vec<(&'static str, String)>,
    clients: Vec<String>,
}

/// Merges items as they come, keeping at most `limit` groups (memory stays bounded).
struct Grouper {
    merged: Vec<Grouped>,
    limit: usize,
}

impl Grouper {
    fn new(limit: usize) -> Grouper {
        Grouper {
            merged: Vec::new(),
            limit,
        }
    }

    fn push(&mut self, item: Grouped) {
        let existing = self.merged.iter().position(|m| {
            m.label == item.label
                && m.source == item.source
                && m.text == item.text
                && m.data == item.data
        });
        match existing {
            Some(index) => {
                let existing = &mut self.merged[index];
                for client in item.clients {
                    if !existing.clients.contains(&client) {
                        existing.clients.push(client);
                    }
                }
            }
            None if self.merged.len() < self.limit => self.merged.push(item),
            None => {}
        }
    }

    fn finish(self) -> Vec<Evidence> {
        self.merged
            .into_iter()
            .map(|item| {
                let mut evidence = Evidence::new(
                    item.label,
                    item.text.replace("{clients}", &item.clients.join(", ")),
                )
                .with("clients", item.clients.clone());
                for (key, value) in item.data {
                    evidence = evidence.with(key, value);
                }
                if let Some(source) = item.source {
                    evidence = evidence.at(source);
                }
                evidence
            })
            .collect()
    }
}

/// The rule (or the default) deciding each local client, per daemon name.
fn deciding_rules(evaluations: &[ClientEvaluation]) -> Vec<Evidence> {
    let mut items = Grouper::new(usize::MAX);
    for evaluation in evaluations {
        for (name, decision) in &evaluation.outcomes {
            let access = decision
                .access
                .map(|a| a.to_string())
                .unwrap_or_else(|| "undetermined".to_string());
            let rule = decision
                .reason
                .rule
                .clone()
                .unwrap_or_else(|| "no matching rule".to_string());
            items.push(Grouped {
                label: "deciding rule",
                source: decision.reason.source(),
                text: format!(
                    "{rule} — {access} for daemon \"{}\" and client {{clients}}: {}",
                    evaluation.daemon, decision.reason.explanation
                ),
                data: vec![("daemon", evaluation.daemon.clone()), ("access", access)],
                clients: vec![client_label(evaluation.address, name)],
            });
        }
    }
    items.finish()
}

fn client_label(address: IpAddr, name: &HostName) -> String {
    match name {
        HostName::Known(name) => format!("{address} ({name})"),
        HostName::Unknown => format!("{address} (no name)"),
        HostName::Paranoid => format!("{address} (unverified name)"),
    }
}

/// Rules about this daemon (daemon list matched) that do not decide for a local client:
/// the suspects an operator looks at, each with the reason it is innocent.
fn innocent_rules(
    evaluations: &[ClientEvaluation],
    tables: &Tables,
    lookup: &dyn hosts_access::Lookup,
) -> Vec<Evidence> {
    let mut items = Grouper::new(MAX_EXPLAINED_RULES);
    // Rules already explained: once the evidence is full only they can gain clients.
    let mut explained: Vec<(Table, usize)> = Vec::new();
    for evaluation in evaluations {
        let (Some(request), Some((name, decision))) =
            (evaluation.requests.first(), evaluation.outcomes.first())
        else {
            continue;
        };
        for table in [&tables.allow, &tables.deny] {
            for rule in table.rules() {
                let key = (table.table, rule.line);
                if decision.stopped_at == Some(key)
                    || (explained.len() >= MAX_EXPLAINED_RULES && !explained.contains(&key))
                {
                    continue;
                }
                let matched = hosts_access::rule_match(rule, request, lookup);
                if matched.daemons != Match::Yes {
                    continue;
                }
                let reached = decision.reaches(table.table, rule.line);
                let mut why = match (matched.overall(), reached) {
                    (Match::No, true) => format!(
                        "applies to daemon \"{}\" but does not match client {{clients}}",
                        evaluation.daemon
                    ),
                    (Match::No, false) => format!(
                        "applies to daemon \"{}\" but does not match client {{clients}}, and is not even reached: {} decides first",
                        evaluation.daemon,
                        rule_text(decision)
                    ),
                    (Match::Yes, _) => format!(
                        "would match client {{clients}} but is not reached: {} decides first",
                        rule_text(decision)
                    ),
                    (Match::Undetermined(_), _) => continue,
                };
                if rule.text.to_ascii_uppercase().contains("PARANOID") {
                    why.push_str(
                        "; PARANOID matches only a client name libwrap failed to verify, and the MTA hands libwrap the name it resolved itself, so this rule cannot refuse local submission",
                    );
                }
                if !explained.contains(&key) {
                    explained.push(key);
                }
                items.push(Grouped {
                    label: "rule not deciding",
                    source: Some(format!("{}:{}", table.table.path(), rule.lines())),
                    text: format!("{} — {why}", rule.text),
                    data: Vec::new(),
                    clients: vec![client_label(evaluation.address, name)],
                });
            }
        }
    }
    items.finish()
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The parts of `/etc/hosts` the resolver's `files` source uses: addresses and names, in
/// file order, with their line numbers.
#[derive(Debug, Default)]
struct EtcHosts {
    entries: Vec<(IpAddr, Vec<String>, usize)>,
}

impl EtcHosts {
    fn parse(text: &str) -> EtcHosts {
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("");
            let mut fields = line.split_whitespace();
            let Some(address) = fields.next().and_then(|a| a.parse::<IpAddr>().ok()) else {
                continue;
            };
            let names: Vec<String> = fields.map(str::to_string).collect();
            if !names.is_empty() {
                entries.push((address, names, index + 1));
            }
        }
        EtcHosts { entries }
    }

    /// The canonical name of the first line listing the address (gethostbyaddr on files).
    fn reverse(&self, address: IpAddr) -> Option<(&String, usize)> {
        self.entries
            .iter()
            .find(|(a, _, _)| *a == address)
            .map(|(_, names, line)| (&names[0], *line))
    }

    fn addresses_of(&self, name: &str) -> Vec<IpAddr> {
        self.entries
            .iter()
            .filter(|(_, names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(name)))
            .map(|(address, _, _)| *address)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::facts::{Facts, ProcessTable};
    use crate::report::Evidence;
    use std::time::Instant;

    const DEBIAN_HOSTS: &str = "127.0.0.1\tlocalhost\n127.0.1.1\tweb1.shop.example\tweb1\n\n# IPv6\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\n";

    fn host(files: &[(&str, &str)], mta: MtaFacts) -> (tempfile::TempDir, Context) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let real = dir.path().join(path.trim_start_matches('/'));
            std::fs::create_dir_all(real.parent().unwrap()).unwrap();
            std::fs::write(real, text).unwrap();
        }
        let context = Context {
            fs: HostFs::snapshot(dir.path()).unwrap(),
            facts: Facts {
                mta,
                ..Facts::default()
            },
            processes: ProcessTable::default(),
            now: jiff::Timestamp::UNIX_EPOCH,
            deadline: Instant::now() + std::time::Duration::from_secs(60),
        };
        (dir, context)
    }

    fn sendmail() -> MtaFacts {
        MtaFacts {
            kind: Some("sendmail".to_string()),
            daemon_names: vec!["sendmail".to_string(), "sm-mta".to_string()],
            ..MtaFacts::default()
        }
    }

    fn texts(evidence: &[Evidence]) -> String {
        evidence
            .iter()
            .map(|e| {
                format!(
                    "{} | {} | {}",
                    e.label,
                    e.source.clone().unwrap_or_default(),
                    e.text
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn the_story_host_is_ok_and_clears_the_suspects() {
        let (_dir, context) = host(
            &[
                ("/etc/hosts", DEBIAN_HOSTS),
                ("/etc/hosts.allow", "# comment\nsendmail: LOCAL\n"),
                ("/etc/hosts.deny", "ALL: PARANOID\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        let evidence = texts(&outcome.evidence);
        assert_eq!(
            outcome.verdict,
            Verdict::Pass,
            "{}\n{evidence}",
            outcome.summary
        );
        assert!(outcome.summary.contains(OUTBOUND_NOTE));
        assert!(
            outcome
                .summary
                .contains("/etc/hosts.allow:2 `sendmail: LOCAL`"),
            "{}",
            outcome.summary
        );
        assert!(
            evidence.contains(
                "rule not deciding | /etc/hosts.deny:1 | ALL: PARANOID — applies to daemon \"sendmail\" but does not match client 127.0.0.1 (localhost), ::1 (localhost), and is not even reached: /etc/hosts.allow:2 `sendmail: LOCAL` decides first"
            ),
            "{evidence}"
        );
        assert!(evidence.contains("PARANOID matches only"));
        assert!(evidence.contains("/etc/hosts:1 names 127.0.0.1 localhost"));
        assert_eq!(outcome.metrics["local_clients_denied"].0, 0.0);
    }

    #[test]
    fn deny_all_refuses_local_submission() {
        let (_dir, context) = host(
            &[
                ("/etc/hosts", DEBIAN_HOSTS),
                ("/etc/hosts.deny", "# lockdown\nALL: ALL\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(
            outcome.summary.contains("/etc/hosts.deny:2 `ALL: ALL`"),
            "{}",
            outcome.summary
        );
        assert!(outcome.summary.contains("127.0.0.1, ::1"));
        assert!(outcome.summary.contains("mqueue-client"));
        assert!(outcome.summary.contains(OUTBOUND_NOTE));
        let remediation = outcome.remediation.clone().unwrap();
        assert!(
            remediation.contains("`sendmail: 127.0.0.1 [::1]`"),
            "{remediation}"
        );
        let deciding = outcome
            .evidence
            .iter()
            .find(|e| e.label == "deciding rule")
            .unwrap();
        assert_eq!(deciding.source.as_deref(), Some("/etc/hosts.deny:2"));
        assert_eq!(outcome.metrics["local_clients_denied"].0, 2.0);
    }

    #[test]
    fn sm_mta_rules_do_not_help_sendmail() {
        let (_dir, context) = host(
            &[
                ("/etc/hosts", DEBIAN_HOSTS),
                ("/etc/hosts.allow", "sm-mta: LOCAL\n"),
                ("/etc/hosts.deny", "ALL: ALL\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Fail, "{}", outcome.summary);
        let misnamed = outcome
            .evidence
            .iter()
            .find(|e| e.label == "daemon name")
            .unwrap();
        assert_eq!(misnamed.source.as_deref(), Some("/etc/hosts.allow:1"));
        assert!(misnamed.text.contains("never applies"));
    }

    #[test]
    fn rhel_localhost_localdomain_is_not_local() {
        let hosts = "127.0.0.1   localhost.localdomain localhost\n::1         localhost6.localdomain6 localhost6\n";
        let (_dir, context) = host(
            &[
                ("/etc/hosts", hosts),
                ("/etc/hosts.allow", "sendmail: LOCAL\n"),
                ("/etc/hosts.deny", "sendmail: ALL\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Fail, "{}", outcome.summary);
        assert!(texts(&outcome.evidence).contains("localhost.localdomain"));
    }

    #[test]
    fn without_etc_hosts_both_names_are_tried() {
        // Granted whether or not DNS names 127.0.0.1: determined.
        let (_dir, context) = host(
            &[
                ("/etc/hosts.allow", "sendmail: 127.0.0.1 [::1]\n"),
                ("/etc/hosts.deny", "ALL: ALL\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Pass, "{}", outcome.summary);
        // LOCAL depends on the name: unknown, saying why.
        let (_dir, context) = host(
            &[
                ("/etc/hosts.allow", "sendmail: LOCAL\n"),
                ("/etc/hosts.deny", "ALL: ALL\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Unknown, "{}", outcome.summary);
        assert!(
            outcome.summary.contains("no /etc/hosts entry"),
            "{}",
            outcome.summary
        );
        assert!(
            outcome.summary.contains("granted if named localhost"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn netgroups_that_could_decide_are_unknown() {
        let (_dir, context) = host(
            &[
                ("/etc/hosts", DEBIAN_HOSTS),
                ("/etc/hosts.allow", "sendmail: @mailhosts\n"),
                ("/etc/hosts.deny", "ALL: ALL\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Unknown, "{}", outcome.summary);
        assert!(
            outcome.summary.contains("/etc/hosts.allow:1"),
            "{}",
            outcome.summary
        );
        assert!(outcome.summary.contains("netgroup"));
        assert!(outcome.summary.contains(OUTBOUND_NOTE));
    }

    #[test]
    fn other_mtas_are_informational() {
        let postfix = MtaFacts {
            kind: Some("postfix".to_string()),
            ..MtaFacts::default()
        };
        let (_dir, context) = host(&[("/etc/hosts.deny", "ALL: ALL\n")], postfix);
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Pass);
        assert!(
            outcome
                .summary
                .contains("postfix does not consult TCP wrappers")
        );
        assert!(outcome.summary.contains(OUTBOUND_NOTE));
        // Exim built with TCP wrappers is evaluated under its own name.
        let exim = MtaFacts {
            kind: Some("exim".to_string()),
            libwrap: Some(true),
            ..MtaFacts::default()
        };
        let (_dir, context) = host(
            &[
                ("/etc/hosts", DEBIAN_HOSTS),
                ("/etc/hosts.deny", "exim: ALL\n"),
            ],
            exim,
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Fail, "{}", outcome.summary);
        assert!(outcome.summary.contains("daemon name \"exim\""));
        // Linkage not determined: a refusal is unknown, a grant is still a pass.
        let exim = MtaFacts {
            kind: Some("exim".to_string()),
            ..MtaFacts::default()
        };
        let (_dir, context) = host(
            &[
                ("/etc/hosts", DEBIAN_HOSTS),
                ("/etc/hosts.deny", "ALL: ALL\n"),
            ],
            exim.clone(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Unknown, "{}", outcome.summary);
        assert!(
            outcome
                .summary
                .starts_with("whether exim consults TCP wrappers was not determined")
        );
        assert!(outcome.summary.contains(OUTBOUND_NOTE));
        let (_dir, context) = host(&[("/etc/hosts", DEBIAN_HOSTS)], exim);
        assert_eq!(run(&Params::default(), &context).verdict, Verdict::Pass);
    }

    #[test]
    fn no_mta_is_skipped() {
        let (_dir, context) = host(&[], MtaFacts::default());
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Skipped);
        assert!(outcome.summary.contains(OUTBOUND_NOTE));
    }

    #[test]
    fn unreadable_tables_are_unknown_naming_the_path() {
        let (dir, context) = host(&[("/etc/hosts.deny", "ALL: ALL\n")], sendmail());
        std::fs::create_dir_all(dir.path().join("etc/hosts.allow")).unwrap();
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Unknown);
        assert!(
            outcome.summary.contains("/etc/hosts.allow: is a directory"),
            "{}",
            outcome.summary
        );

        let (_dir, context) = host(&[("/etc/hosts.deny", "ALL:\0ALL\n")], sendmail());
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Unknown);
        assert!(
            outcome.summary.contains("/etc/hosts.deny: binary data"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn garbage_lines_before_the_decision_are_unknown() {
        let (_dir, context) = host(
            &[
                ("/etc/hosts", DEBIAN_HOSTS),
                ("/etc/hosts.deny", "\u{1b}]0;x\u{7}: ALL\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Unknown, "{}", outcome.summary);
        assert!(
            outcome.summary.contains("/etc/hosts.deny:1"),
            "{}",
            outcome.summary
        );
    }

    #[test]
    fn a_hostile_table_gives_bounded_evidence() {
        // ~1 MB of rules that all apply and are all undetermined, and of malformed lines.
        let mut deny = String::new();
        let mut index = 0;
        while deny.len() < 1_000_000 {
            deny.push_str(&format!(
                "ALL: @netgroup{index} EXCEPT 192.0.2.{}\nbroken line {index}\n",
                index % 250
            ));
            index += 1;
        }
        let (_dir, context) = host(
            &[("/etc/hosts", DEBIAN_HOSTS), ("/etc/hosts.deny", &deny)],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Unknown, "{}", outcome.summary);
        assert!(
            outcome.evidence.len() < 80,
            "{} evidence items",
            outcome.evidence.len()
        );
        assert!(texts(&outcome.evidence).contains("undetermined entries in all"));
        assert!(texts(&outcome.evidence).contains("warnings in all"));
    }

    #[test]
    fn pattern_files_are_read_under_the_root() {
        let (_dir, context) = host(
            &[
                ("/etc/hosts", DEBIAN_HOSTS),
                ("/etc/mail/wrap-local", "127.0.0.1\n[::1]\n"),
                ("/etc/hosts.allow", "sendmail: /etc/mail/wrap-local\n"),
                ("/etc/hosts.deny", "ALL: ALL\n"),
            ],
            sendmail(),
        );
        let outcome = run(&Params::default(), &context);
        assert_eq!(outcome.verdict, Verdict::Pass, "{}", outcome.summary);
    }

    #[test]
    fn the_mta_is_inferred_from_the_link_when_the_facts_name_none() {
        let mta = MtaFacts {
            sendmail_chain: vec![
                "/usr/sbin/sendmail".to_string(),
                "/usr/lib/sm.bin/sendmail".to_string(),
            ],
            ..MtaFacts::default()
        };
        assert_eq!(
            mta_kind(&mta),
            Some((
                "sendmail".to_string(),
                Some("/usr/lib/sm.bin/sendmail".to_string())
            ))
        );
        let plain = MtaFacts {
            sendmail_chain: vec!["/usr/sbin/sendmail".to_string()],
            ..MtaFacts::default()
        };
        assert_eq!(mta_kind(&plain), None);
    }

    #[test]
    fn etc_hosts_lookups() {
        let hosts = EtcHosts::parse(DEBIAN_HOSTS);
        assert_eq!(
            hosts.reverse("127.0.0.1".parse().unwrap()),
            Some((&"localhost".to_string(), 1))
        );
        assert_eq!(
            hosts
                .reverse("::1".parse().unwrap())
                .map(|(n, l)| (n.as_str(), l)),
            Some(("localhost", 5))
        );
        assert_eq!(hosts.reverse("127.0.0.2".parse().unwrap()), None);
        assert_eq!(
            hosts.addresses_of("LOCALHOST"),
            vec![
                "127.0.0.1".parse::<IpAddr>().unwrap(),
                "::1".parse().unwrap()
            ]
        );
    }
}
