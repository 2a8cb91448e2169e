//! `mailbox_bounces`: bounces (DSNs and non-standard bounce mails) in the mailboxes of the
//! web-server and system users, within a time window. Per failed recipient: date,
//! recipient, status and reply code, diagnostic, remote MTA, category, blocklist and its
//! lookup URL. A refusal of the sending host itself (`host-reputation`) fails the check;
//! other failures are compared with the `warning`/`critical` thresholds.
//!
//! Mailboxes are streamed (one message at a time, each capped in size); messages that are
//! too large or not mail at all are counted as skipped and named in the evidence.

use std::collections::{BTreeMap, HashSet};
use std::io::BufReader;
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::checks::{Outcome, Verdict};
use crate::classify::{Category, Classification};
use crate::definition::duration::{deserialize_duration, format_duration};
use crate::engine::Context;
use crate::hostfs::{HostFsError, HostFsErrorKind};
use crate::parse::bounce::{self, FailedRecipient, NotAFailure, Parsed};
use crate::parse::mbox::{self, DEFAULT_MAX_MESSAGE_BYTES, MboxItem, MboxReader};
use crate::range::Range;
use crate::report::Evidence;

/// Parameters of a `mailbox_bounces` check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Users whose mailboxes are read (the web server users found on the live host are
    /// added).
    pub users: Vec<String>,
    /// Directories holding the mbox files (`<dir>/<user>`); the same file reached twice
    /// (`/var/spool/mail` → `/var/mail`) is read once.
    pub directories: Vec<String>,
    /// Only bounces from within this long before `--now` count.
    #[serde(deserialize_with = "deserialize_duration")]
    pub window: Duration,
    /// Failures other than host reputation: warning/critical when the count is outside
    /// these Nagios ranges.
    pub warning: Range,
    pub critical: Range,
    /// How many failed recipients are shown as evidence.
    pub max_evidence: usize,
    /// Messages larger than this (bytes) are skipped and counted.
    pub max_message_bytes: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            users: ["www-data", "apache", "nginx", "http", "root"]
                .map(String::from)
                .to_vec(),
            directories: vec!["/var/mail".into(), "/var/spool/mail".into()],
            window: Duration::from_secs(7 * 86_400),
            warning: Range::at_most(5.0),
            critical: Range::at_most(20.0),
            max_evidence: 10,
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
        }
    }
}

impl Params {
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.max_message_bytes < 4096 {
            return Err((
                "max_message_bytes".into(),
                "must be at least 4096 bytes".into(),
            ));
        }
        if self.users.iter().any(|u| u.is_empty() || u.contains('/')) {
            return Err((
                "users".into(),
                "a user name may not be empty or contain '/'".into(),
            ));
        }
        Ok(())
    }
}

/// One failed (or not-failed) recipient found in the window.
struct Found {
    source: String,
    subject: Option<String>,
    date: Option<jiff::Timestamp>,
    recipient: FailedRecipient,
    classification: Classification,
}

/// What reading the mailboxes produced.
#[derive(Default)]
struct Tally {
    mailboxes_read: Vec<String>,
    unreadable: Vec<(String, String)>,
    messages: u64,
    bytes: u64,
    bounces: u64,
    skipped: u64,
    outside_window: u64,
    auto_replies: u64,
    feedback_reports: u64,
    undated: u64,
    by_category: BTreeMap<Category, u64>,
    found: Vec<Found>,
    skipped_evidence: Vec<Evidence>,
    deadline_reached: bool,
}

pub fn run(params: &Params, context: &Context) -> Outcome {
    let window_start = context
        .now
        .checked_sub(jiff::SignedDuration::try_from(params.window).unwrap_or_default())
        .unwrap_or(jiff::Timestamp::MIN);
    let mut users: Vec<String> = params.users.clone();
    for user in &context.facts.web_server_users {
        if !users.contains(user) {
            users.push(user.clone());
        }
    }
    let mut tally = Tally::default();
    let mut seen_files = HashSet::new();
    for directory in &params.directories {
        for user in &users {
            let path = crate::hostfs::join(directory, user);
            match context.fs.resolve(&path) {
                Ok(real) => {
                    if !seen_files.insert(real) {
                        continue;
                    }
                }
                Err(e) if e.is_not_found() => continue,
                Err(e) => {
                    tally.unreadable.push((path.clone(), unreadable_reason(&e)));
                    continue;
                }
            }
            read_mailbox(&path, params, context, window_start, &mut tally);
            if tally.deadline_reached {
                break;
            }
        }
    }
    outcome(params, &users, &tally)
}

fn unreadable_reason(error: &HostFsError) -> String {
    match error.kind {
        HostFsErrorKind::PermissionDenied => format!(
            "{}: permission denied; run as root or as a member of group mail",
            error.path
        ),
        _ => error.to_string(),
    }
}

fn read_mailbox(
    path: &str,
    params: &Params,
    context: &Context,
    window_start: jiff::Timestamp,
    tally: &mut Tally,
) {
    let file = match context.fs.open(path) {
        Ok(file) => file,
        Err(e) if e.is_not_found() => return,
        Err(e) => {
            tally
                .unreadable
                .push((path.to_string(), unreadable_reason(&e)));
            return;
        }
    };
    tally.mailboxes_read.push(path.to_string());
    // Envelope dates are local times read as UTC: a day of slack before parsing.
    let slack = jiff::SignedDuration::from_hours(24);
    let early_cut = window_start.checked_sub(slack).unwrap_or(window_start);
    let mut reader = MboxReader::new(
        BufReader::with_capacity(256 * 1024, file),
        params.max_message_bytes,
    );
    let mut since_deadline_check = 0u32;
    for item in reader.by_ref() {
        since_deadline_check += 1;
        if since_deadline_check >= 256 {
            since_deadline_check = 0;
            if Instant::now() >= context.deadline {
                tally.deadline_reached = true;
                return;
            }
        }
        match item {
            MboxItem::Oversize { line, bytes, .. } => {
                tally.messages += 1;
                tally.bytes += bytes;
                tally.skipped += 1;
                tally.skipped_evidence.push(
                    Evidence::new(
                        "skipped message",
                        format!(
                            "message of {bytes} bytes is over the {} byte cap; not read",
                            params.max_message_bytes
                        ),
                    )
                    .at(format!("{path}:{line}")),
                );
            }
            MboxItem::Garbage { line, bytes } => {
                tally.bytes += bytes;
                tally.skipped += 1;
                tally.skipped_evidence.push(
                    Evidence::new(
                        "skipped text",
                        format!("{bytes} bytes that are neither an mbox message nor a mail header; not read"),
                    )
                    .at(format!("{path}:{line}")),
                );
            }
            MboxItem::Message(message) => {
                tally.messages += 1;
                tally.bytes += message.raw.len() as u64;
                let envelope_date = message.envelope.as_deref().and_then(mbox::envelope_date);
                if envelope_date.is_some_and(|d| d < early_cut) {
                    tally.outside_window += 1;
                    continue;
                }
                if !bounce::may_be_bounce(&message.raw) {
                    continue;
                }
                let source = format!("{path}:{}", message.line);
                match bounce::parse(&message.raw) {
                    Parsed::NotABounce => {}
                    Parsed::NotAFailure(NotAFailure::AutoReply) => tally.auto_replies += 1,
                    Parsed::NotAFailure(NotAFailure::FeedbackReport) => tally.feedback_reports += 1,
                    Parsed::Bounce(found) => {
                        let date = found.date.or(envelope_date);
                        if date.is_some_and(|d| d < window_start) {
                            tally.outside_window += 1;
                            continue;
                        }
                        if date.is_none() {
                            tally.undated += 1;
                        }
                        tally.bounces += 1;
                        for recipient in found.recipients {
                            let classification = recipient.classify();
                            *tally
                                .by_category
                                .entry(classification.category)
                                .or_default() += 1;
                            tally.found.push(Found {
                                source: source.clone(),
                                subject: found.subject.clone(),
                                date: recipient.date.or(date),
                                recipient,
                                classification,
                            });
                        }
                    }
                }
            }
        }
    }
    if let Some(error) = reader.take_error() {
        tally
            .unreadable
            .push((path.to_string(), format!("{path}: read error: {error}")));
    }
}

fn count(tally: &Tally, category: Category) -> u64 {
    tally.by_category.get(&category).copied().unwrap_or(0)
}

fn evidence_of(found: &Found) -> Evidence {
    let r = &found.recipient;
    let c = &found.classification;
    let date = found
        .date
        .map(|d| d.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "undated".into());
    let recipient = if r.recipient.is_empty() {
        "(recipient not named)".to_string()
    } else {
        format!("<{}>", r.recipient)
    };
    let mut text = format!("{date} {recipient}: {}", c.category.as_str());
    if let Some(status) = &r.status {
        text.push_str(&format!(", status {status}"));
    }
    if let Some(code) = r.reply_code {
        text.push_str(&format!(", reply {code}"));
    }
    if let Some(list) = &c.blocklist {
        text.push_str(&format!(", listed by {}", list.name));
        if let Some(url) = &list.url {
            text.push_str(&format!(" ({url})"));
        }
    }
    let diagnostic = crate::text::truncate(&r.diagnostic, 300);
    if !diagnostic.is_empty() {
        text.push_str(&format!(" — {diagnostic}"));
    }
    let mut evidence = Evidence::new("bounce", text)
        .at(found.source.clone())
        .with("recipient", r.recipient.clone())
        .with("category", c.category.as_str())
        .with("rule", c.rule.clone())
        .with(
            "diagnostic",
            crate::text::truncate(&r.diagnostic, 1000).into_owned(),
        );
    if let Some(date) = found.date {
        evidence = evidence.with("date", date.to_string());
    }
    if let Some(status) = &r.status {
        evidence = evidence.with("status", status.clone());
    }
    if let Some(code) = r.reply_code {
        evidence = evidence.with("reply_code", code);
    }
    if let Some(mta) = &r.remote_mta {
        evidence = evidence.with("remote_mta", mta.clone());
    }
    if let Some(action) = &r.action {
        evidence = evidence.with("action", action.clone());
    }
    if let Some(list) = &c.blocklist {
        evidence = evidence.with("blocklist", list.name.clone());
        if let Some(url) = &list.url {
            evidence = evidence.with("lookup_url", url.clone());
        }
    }
    if let Some(subject) = &found.subject {
        evidence = evidence.with("subject", subject.clone());
    }
    evidence
}

fn outcome(params: &Params, users: &[String], tally: &Tally) -> Outcome {
    // "7d" reads better than "1w" next to the `window = "7d"` an operator wrote.
    let window = match params.window.as_secs() {
        secs if secs > 0 && secs % 86_400 == 0 && params.window.subsec_nanos() == 0 => {
            format!("{}d", secs / 86_400)
        }
        _ => format_duration(params.window),
    };
    let host = count(tally, Category::HostReputation);
    let other: u64 = [
        Category::SenderPolicy,
        Category::Recipient,
        Category::Transient,
    ]
    .into_iter()
    .map(|c| count(tally, c))
    .sum();

    // Host-reputation first, then the other failures, in mailbox order.
    let failures = tally
        .found
        .iter()
        .filter(|f| f.classification.category == Category::HostReputation)
        .chain(tally.found.iter().filter(|f| {
            !matches!(
                f.classification.category,
                Category::HostReputation | Category::NotAFailure
            )
        }));
    let evidence: Vec<Evidence> = failures
        .take(params.max_evidence)
        .map(evidence_of)
        .collect();

    let mut summary_parts = Vec::new();
    let mut outcome = if host > 0 {
        let lists = blocklists(tally);
        let named = if lists.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                lists
                    .iter()
                    .map(|(name, url)| match url {
                        Some(url) => format!("{name}: {url}"),
                        None => name.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        let mut o = Outcome::fail(format!(
            "{host} bounce{} in the last {window} say the receiving servers refused this host itself{named}",
            plural(host)
        ));
        // The most specific list named decides the advice ("Spamhaus PBL" over "Spamhaus").
        let advice = lists
            .iter()
            .find(|(name, _)| !GENERIC_LISTS.contains(&name.as_str()))
            .or(lists.first());
        if let Some((name, url)) = advice {
            let lookup = url
                .as_ref()
                .map(|u| format!(" (look it up at {u})"))
                .unwrap_or_default();
            o = o.remediation(if name == "Spamhaus PBL" {
                format!(
                    "This host's address is on the Spamhaus PBL{lookup}: a list of addresses that should not send mail directly to MX hosts. Relay outbound mail through your provider's smarthost, or, if this host is meant to send directly (static IP, proper reverse DNS), request PBL removal on that page."
                )
            } else {
                format!(
                    "This host's address is listed by {name}{lookup}. Find and stop the cause, request removal, or relay outbound mail through your provider's smarthost; then re-check with the `dnsbl` and `fcrdns` checks."
                )
            });
        }
        o
    } else if params.critical.alerts(other as f64) {
        Outcome::new(
            Verdict::Critical,
            format!(
                "{other} failed recipient{} in bounces of the last {window} (critical: {})",
                plural(other),
                params.critical
            ),
        )
    } else if params.warning.alerts(other as f64) {
        Outcome::new(
            Verdict::Warning,
            format!(
                "{other} failed recipient{} in bounces of the last {window} (warning: {})",
                plural(other),
                params.warning
            ),
        )
    } else if !tally.unreadable.is_empty() {
        let reasons: Vec<&str> = tally.unreadable.iter().map(|(_, r)| r.as_str()).collect();
        Outcome::unknown(format!("cannot read every mailbox: {}", reasons.join("; ")))
    } else if tally.deadline_reached {
        Outcome::unknown("the run's deadline was reached before every mailbox was read")
    } else if tally.mailboxes_read.is_empty() {
        Outcome::pass(format!(
            "no mailbox of {} under {}: no bounces to read",
            users.join(", "),
            params.directories.join(", ")
        ))
    } else {
        Outcome::pass(format!(
            "{} bounce{} of the last {window} in {}; no failure points at this host",
            tally.bounces,
            plural(tally.bounces),
            tally.mailboxes_read.join(", ")
        ))
    };
    if host > 0 && other > 0 {
        summary_parts.push(format!("{other} other failed recipient{}", plural(other)));
    }
    if tally.skipped > 0 {
        summary_parts.push(format!(
            "{} message{} skipped",
            tally.skipped,
            plural(tally.skipped)
        ));
    }
    if tally.deadline_reached && host + other > 0 {
        summary_parts.push("deadline reached before the end".into());
    }
    if !summary_parts.is_empty() {
        outcome.summary = format!("{}; {}", outcome.summary, summary_parts.join(", "));
    }

    for e in evidence {
        outcome = outcome.evidence(e);
    }
    for (path, reason) in &tally.unreadable {
        outcome =
            outcome.evidence(Evidence::new("unreadable mailbox", reason.clone()).at(path.clone()));
    }
    for e in tally.skipped_evidence.iter().take(params.max_evidence) {
        outcome = outcome.evidence(e.clone());
    }
    if tally.skipped > 0 {
        outcome = outcome.evidence(Evidence::new(
            "skipped messages",
            format!(
                "{} message(s) or text block(s) not read (over the size cap or not mail)",
                tally.skipped
            ),
        ));
    }
    if tally.undated > 0 {
        outcome = outcome.evidence(Evidence::new(
            "undated bounces",
            format!(
                "{} bounce(s) carry no date; counted as within the window",
                tally.undated
            ),
        ));
    }
    if !tally.mailboxes_read.is_empty() {
        outcome = outcome.evidence(Evidence::new(
            "mailboxes read",
            format!(
                "{} ({} messages, {} bounces in the window, {} older)",
                tally.mailboxes_read.join(", "),
                tally.messages,
                tally.bounces,
                tally.outside_window
            ),
        ));
    }

    outcome
        .metric("messages_read", tally.messages as f64)
        .metric("mailbox_read_bytes", tally.bytes as f64)
        .metric("bounces", tally.bounces as f64)
        .metric("skipped_messages", tally.skipped as f64)
        .metric("outside_window", tally.outside_window as f64)
        .metric("auto_replies", tally.auto_replies as f64)
        .metric("feedback_reports", tally.feedback_reports as f64)
        .metric("mailboxes_unreadable", tally.unreadable.len() as f64)
        .metric("failures_host_reputation", host as f64)
        .metric(
            "failures_sender_policy",
            count(tally, Category::SenderPolicy) as f64,
        )
        .metric(
            "failures_recipient",
            count(tally, Category::Recipient) as f64,
        )
        .metric(
            "failures_transient",
            count(tally, Category::Transient) as f64,
        )
        .metric("not_failures", count(tally, Category::NotAFailure) as f64)
}

/// Blocklists named by host-reputation failures, in order of first appearance.
fn blocklists(tally: &Tally) -> Vec<(String, Option<String>)> {
    let mut lists: Vec<(String, Option<String>)> = Vec::new();
    for found in &tally.found {
        if found.classification.category != Category::HostReputation {
            continue;
        }
        if let Some(list) = &found.classification.blocklist {
            match lists.iter_mut().find(|(name, _)| *name == list.name) {
                Some(entry) => {
                    if entry.1.is_none() {
                        entry.1 = list.url.clone();
                    }
                }
                None => lists.push((list.name.clone(), list.url.clone())),
            }
        }
    }
    lists
}

/// Names that say only "a blocklist", or only whose list it is.
const GENERIC_LISTS: [&str; 2] = ["Spamhaus", "DNS blocklist"];

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_denied_is_unknown_with_the_advice() {
        let error = HostFsError {
            path: "/var/mail/www-data".into(),
            kind: HostFsErrorKind::PermissionDenied,
        };
        let tally = Tally {
            unreadable: vec![("/var/mail/www-data".into(), unreadable_reason(&error))],
            ..Tally::default()
        };
        let outcome = outcome(&Params::default(), &["www-data".into()], &tally);
        assert_eq!(outcome.verdict, Verdict::Unknown);
        assert!(
            outcome
                .summary
                .contains("run as root or as a member of group mail"),
            "{}",
            outcome.summary
        );
        assert!(
            outcome
                .evidence
                .iter()
                .any(|e| e.label == "unreadable mailbox")
        );
        assert_eq!(outcome.metrics["mailboxes_unreadable"].0, 1.0);
    }

    #[test]
    fn defaults_and_validation() {
        let params: Params = toml::from_str("window = \"24h\"\nwarning = \"~:3\"").unwrap();
        assert_eq!(params.window, Duration::from_secs(86_400));
        assert_eq!(params.users[0], "www-data");
        assert!(params.validate().is_ok());
        let bad: Params = toml::from_str("users = [\"../etc\"]").unwrap();
        assert!(bad.validate().is_err());
        assert!(toml::from_str::<Params>("windw = \"1d\"").is_err());
    }
}
