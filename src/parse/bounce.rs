//! Bounce recognition: one raw message → its failed recipients, or "not a bounce".
//!
//! Recognised: RFC 3464 delivery status notifications (`multipart/report;
//! report-type=delivery-status`, also a `message/delivery-status` part elsewhere or DSN
//! fields inline in plain text) and the non-standard bounce texts of common MTAs and
//! providers (qmail, Exim, Postfix, sendmail, Microsoft/Exchange, Google, Yahoo, …), which
//! are recognised by who sent them (MAILER-DAEMON, postmaster, null return path,
//! `X-Failed-Recipients`, a bounce subject) together with the wording of a failure.
//! Ordinary mail that merely mentions a status code is not a bounce; auto-replies
//! (RFC 3834) and abuse feedback reports (ARF, RFC 5965) are reported as not failures.
//! MIME is decoded by the `mail-parser` crate. Pure: bytes in, data out.

use std::sync::LazyLock;

use mail_parser::{HeaderValue, Message, MessageParser, MimeHeaders};
use regex::{Regex, RegexBuilder};

use crate::classify::{self, Category, Classification};

/// One recipient a bounce reports.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FailedRecipient {
    /// When the failure was reported (the bounce's `Date:`, else the DSN's dates).
    pub date: Option<jiff::Timestamp>,
    pub recipient: String,
    /// Enhanced status code (`5.7.1`).
    pub status: Option<String>,
    /// SMTP reply code (`550`).
    pub reply_code: Option<u16>,
    /// The remote server's words (`Diagnostic-Code`, or the text block of this recipient).
    pub diagnostic: String,
    pub remote_mta: Option<String>,
    /// DSN `Action` (`failed`, `delayed`, `delivered`…); `failed` for plain-text bounces.
    pub action: Option<String>,
    /// The human-readable explanation of the bounce around this recipient (bounded);
    /// used to classify when the diagnostic alone says too little.
    pub explanation: String,
}

impl FailedRecipient {
    /// Classifies this recipient: the diagnostic first; when only a status/reply code
    /// decided, the explanation's wording may decide instead. Delivered/relayed/expanded
    /// DSN actions are not failures.
    pub fn classify(&self) -> Classification {
        if let Some(action) = &self.action {
            let action = action.to_ascii_lowercase();
            if ["delivered", "relayed", "expanded"].contains(&action.trim()) {
                return Classification {
                    category: Category::NotAFailure,
                    blocklist: None,
                    rule: format!("action:{}", action.trim()),
                };
            }
        }
        let status = self.status.as_deref();
        let first = classify::classify(status, self.reply_code, &self.diagnostic);
        if by_pattern(&first) || specific_status(status) || self.explanation.is_empty() {
            return first;
        }
        let second = classify::classify(status, self.reply_code, &self.explanation);
        if by_pattern(&second) { second } else { first }
    }
}

/// A status code with a specific subject and detail (`5.1.1`, not `5.0.0`) is trusted
/// over the boilerplate of the explanation.
fn specific_status(status: Option<&str>) -> bool {
    status.is_some_and(|s| {
        let mut parts = s.split('.').skip(1);
        let subject = parts.next().unwrap_or("0");
        let detail = parts.next().unwrap_or("0");
        subject != "0" && detail != "0" && !detail.starts_with('9')
    })
}

fn by_pattern(c: &Classification) -> bool {
    !(c.rule.starts_with("status:") || c.rule.starts_with("reply:") || c.rule == "undetermined")
}

/// Why a message is not a failure although it came back automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotAFailure {
    AutoReply,
    FeedbackReport,
}

/// The outcome of looking at one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    NotABounce,
    NotAFailure(NotAFailure),
    Bounce(Bounce),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// `rfc3464` or `text` (a non-standard bounce).
    pub format: &'static str,
    pub subject: Option<String>,
    pub date: Option<jiff::Timestamp>,
    /// Recipients reported; a bounce naming none gets one entry with an empty recipient.
    pub recipients: Vec<FailedRecipient>,
}

/// Bounds for host-derived text kept per recipient.
const MAX_DIAGNOSTIC: usize = 2000;
const MAX_EXPLANATION: usize = 4000;

/// Cheap test: can this message be a bounce, an auto-reply or a feedback report at all?
/// `false` means [`parse`] would say [`Parsed::NotABounce`]; used to skip MIME decoding of
/// ordinary mail in large mailboxes. Looks only at the headers [`parse`] decides on (and
/// for a DSN or feedback part anywhere); an encoded subject is decoded by `parse` instead.
pub fn may_be_bounce(raw: &[u8]) -> bool {
    static DSN: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"delivery-status"));
    static FEEDBACK: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new(b"feedback-report"));
    if DSN.find(raw).is_some() || FEEDBACK.find(raw).is_some() {
        return true;
    }
    let mut wanted = false;
    let mut from = String::new();
    let mut subject = String::new();
    // 0: none, 1: from, 2: subject (folded continuation lines append to it).
    let mut current = 0u8;
    for line in raw.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            match current {
                1 => from.push_str(&String::from_utf8_lossy(line)),
                2 => subject.push_str(&String::from_utf8_lossy(line)),
                _ => {}
            }
            continue;
        }
        current = 0;
        let Some(colon) = memchr::memchr(b':', line) else {
            continue;
        };
        let name = line[..colon].trim_ascii();
        let value = &line[colon + 1..];
        let is = |wanted: &str| name.eq_ignore_ascii_case(wanted.as_bytes());
        if is("x-failed-recipients")
            || is("auto-submitted")
            || is("x-autoreply")
            || is("x-autorespond")
        {
            wanted = true;
        } else if is("return-path") {
            wanted |= value.trim_ascii() == b"<>";
        } else if is("precedence") {
            wanted |= value
                .to_ascii_lowercase()
                .windows(10)
                .any(|w| w == b"auto_reply");
        } else if is("from") {
            from.push_str(&String::from_utf8_lossy(value));
            current = 1;
        } else if is("subject") {
            subject.push_str(&String::from_utf8_lossy(value));
            current = 2;
        }
    }
    wanted
        || BOUNCER_FROM.is_match(&from)
        || subject.contains("=?")
        || BOUNCE_SUBJECT.is_match(&subject)
        || AUTO_REPLY_SUBJECT.is_match(&subject)
}

/// Looks at one raw message (headers and body, no mbox separator).
pub fn parse(raw: &[u8]) -> Parsed {
    let Some(message) = MessageParser::default().parse(raw) else {
        return Parsed::NotABounce;
    };
    let subject = message.subject().map(str::to_string);
    let date = message
        .date()
        .filter(|d| d.is_valid())
        .and_then(|d| jiff::Timestamp::from_second(d.to_timestamp()).ok());

    if is_feedback_report(&message) {
        return Parsed::NotAFailure(NotAFailure::FeedbackReport);
    }
    let (human, full_text) = human_text(&message);

    if let Some(blocks) = delivery_status_blocks(&message, &full_text) {
        let recipients = dsn_recipients(&blocks, &human, date);
        if !recipients.is_empty() {
            return Parsed::Bounce(Bounce {
                format: "rfc3464",
                subject,
                date,
                recipients,
            });
        }
    }
    let automated = is_automated(&message, subject.as_deref());
    // Postfix marks its bounces `Auto-Submitted: auto-replied` too: an auto-reply is one
    // that does not come from a mailer daemon under a bounce subject.
    if is_auto_reply(&message, subject.as_deref())
        && !from_bouncer_or_bounce_subject(&message, subject.as_deref())
    {
        return Parsed::NotAFailure(NotAFailure::AutoReply);
    }
    let failed_header = header_text(&message, "X-Failed-Recipients");
    let from_bouncer_with_bounce_subject = BOUNCER_FROM.is_match(&from_text(&message))
        && subject
            .as_deref()
            .is_some_and(|s| BOUNCE_SUBJECT.is_match(s) && !REPLY_SUBJECT.is_match(s));
    if !(automated && (BOUNCE_WORDING.is_match(&human) || failed_header.is_some()))
        && !from_bouncer_with_bounce_subject
    {
        return Parsed::NotABounce;
    }
    let recipients = text_recipients(&message, &human, failed_header.as_deref(), date);
    Parsed::Bounce(Bounce {
        format: "text",
        subject,
        date,
        recipients,
    })
}

fn header_text(message: &Message<'_>, name: &str) -> Option<String> {
    message
        .header_raw(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

fn content_type_is(message: &Message<'_>, ctype: &str, subtype: &str) -> bool {
    message.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype)
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

fn is_feedback_report(message: &Message<'_>) -> bool {
    let report_type = message
        .content_type()
        .and_then(|ct| ct.attribute("report-type"))
        .map(str::to_ascii_lowercase);
    if content_type_is(message, "multipart", "report")
        && report_type.as_deref() == Some("feedback-report")
    {
        return true;
    }
    message.parts.iter().any(|part| {
        part.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message")
                && ct
                    .subtype()
                    .is_some_and(|s| s.eq_ignore_ascii_case("feedback-report"))
        })
    })
}

static BOUNCER_FROM: LazyLock<Regex> = LazyLock::new(|| {
    ci(
        r"mailer-?daemon|mail-?daemon|postmaster|mail delivery (system|subsystem|service)|delivery subsystem|mail administrator|mailer_daemon|^bounces?[@+\-]|no-?reply.{0,30}(bounce|dsn)|microsoftexchange|mdaemon|mail system|internet mail delivery|delivery notification",
    )
});
static BOUNCE_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    ci(
        r"undeliver|delivery (status|fail|notification|report|problem|error|has failed|delayed|notice)|returned mail|failure notice|mail delivery failed|non-?delivery|not (be )?delivered|could not send|mail system error|returned to sender|unable to deliver|failed delivery|delayed mail|mail failure|message (not delivered|delivery failure)|postmaster notify|notice: mail delivery|warning: message|bounce|delivery report|error sending|aws notification",
    )
});
static REPLY_SUBJECT: LazyLock<Regex> =
    LazyLock::new(|| ci(r"^\s*(re|fwd?|aw|wg|tr|sv|vs)\s*(\[\d+\])?\s*:"));
static AUTO_REPLY_SUBJECT: LazyLock<Regex> = LazyLock::new(|| {
    ci(
        r"auto(matic|matische)?[ -]?(reply|response|antwort|respond)|out of (the )?office|abwesen|vacation|^\s*auto:|away from|on leave|absence",
    )
});
/// The wording of a failure report, in the text of a bounce.
static BOUNCE_WORDING: LazyLock<Regex> = LazyLock::new(|| {
    ci(
        r"qmail-send program|created automatically by mail delivery software|could not be delivered|couldn'?t be delivered|wasn'?t delivered|was not delivered|not (been )?delivered|unable to deliver|delivery (has )?failed|delivery to the following recipients? (failed|was delayed)|permanent (fatal )?errors?|fatal errors|undeliverable|returned to (the )?sender|failed permanently|delivery status notification|transcript of session|i'?m afraid i wasn'?t able|message (was )?rejected|rejected your message|did not reach|could not reach|delivery attempts? (failed|will continue)|has been delayed|temporary failure|error (occurred )?(while|during) (delivering|delivery)|mail delivery (failed|problem)|the following addresses? (had|failed)|no such (user|mailbox)|user unknown|mailbox (is )?(full|unavailable)|\b[45]\d\d[ \-][245]\.\d{1,3}\.\d{1,3}|\b[45]\.\d{1,3}\.\d{1,3}\b.{0,80}\b(rejected|denied|refused|unknown|failed|blocked|invalid)|said: [45]\d\d|smtp error|remote server (returned|replied)|returned mail|mailbox quota|unknown user|address rejected|delivery (is )?delayed|gave up|giving up|sorry,|error has occurred|delivery errors|failure reasons|(following|these) (list of )?recipients|rejected by|does not exist|exceeds|invalid (user|address|recipient)|not a member|failed to deliver|could not deliver|message delivery|returned mail",
    )
});
/// Where the returned original message starts in a bounce text.
static ORIGINAL_MARKER: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(r"(?m)^[ \t]*(-{2,}.{0,20}(below this line is a copy|this is a copy of|original message|returned (mail|message) follows|original message follows|headers? of (the )?original|unsent message below|message header follows|copy of the message)|-{2,} ?(original|returned) (message|mail|headers?).*|original message headers:|original message follows|this is a copy of the message|------ this is a copy|content-type: message/rfc822|below is a copy of the original|included is a copy of the message|received: (from|by) )")
        .case_insensitive(true)
        .build()
        .expect("original marker regex")
});

fn ci(pattern: &str) -> Regex {
    RegexBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .expect("bounce regex")
}

fn is_automated(message: &Message<'_>, subject: Option<&str>) -> bool {
    let from = from_text(message);
    let from_bouncer = BOUNCER_FROM.is_match(&from);
    let subject_bounce =
        subject.is_some_and(|s| BOUNCE_SUBJECT.is_match(s) && !REPLY_SUBJECT.is_match(s));
    let null_return_path = header_text(message, "Return-Path").is_some_and(|v| v.trim() == "<>");
    let auto_generated = header_text(message, "Auto-Submitted")
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("auto-generated"));
    let failed_header = header_text(message, "X-Failed-Recipients").is_some();
    from_bouncer || subject_bounce || null_return_path || auto_generated || failed_header
}

fn from_bouncer_or_bounce_subject(message: &Message<'_>, subject: Option<&str>) -> bool {
    BOUNCER_FROM.is_match(&from_text(message))
        || subject.is_some_and(|s| BOUNCE_SUBJECT.is_match(s) && !REPLY_SUBJECT.is_match(s))
}

fn from_text(message: &Message<'_>) -> String {
    let mut text = String::new();
    if let Some(from) = message.from() {
        for addr in from.iter() {
            if let Some(name) = &addr.name {
                text.push_str(name);
                text.push(' ');
            }
            if let Some(address) = &addr.address {
                text.push_str(address);
                text.push(' ');
            }
        }
    }
    text
}

fn is_auto_reply(message: &Message<'_>, subject: Option<&str>) -> bool {
    let auto_submitted = header_text(message, "Auto-Submitted")
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("auto-replied"));
    let headers = [
        "X-Autoreply",
        "X-Autorespond",
        "X-Auto-Response-Suppress-Never",
    ]
    .iter()
    .any(|h| header_text(message, h).is_some());
    let precedence = header_text(message, "Precedence")
        .is_some_and(|v| v.to_ascii_lowercase().contains("auto_reply"));
    let subject_auto = subject.is_some_and(|s| AUTO_REPLY_SUBJECT.is_match(s));
    auto_submitted || headers || precedence || subject_auto
}

/// The human-readable text of the bounce, without the returned original message.
/// Returns (the explanation before the returned message, the whole text body); both bounded.
fn human_text(message: &Message<'_>) -> (String, String) {
    let mut text = message
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default();
    if text.trim().is_empty() {
        // A multipart whose boundary never occurs (mangled bounces do that): the raw body.
        let root = message.root_part();
        let raw = message.raw_message();
        let (start, end) = (
            root.offset_body as usize,
            (root.offset_end as usize).min(raw.len()),
        );
        if start < end {
            text = String::from_utf8_lossy(&raw[start..end]).into_owned();
        }
    }
    // Bound what is kept (a huge text body is not an explanation).
    let full = crate::text::truncate(&text, 256 * 1024).into_owned();
    let human = match ORIGINAL_MARKER.find(&full) {
        Some(m) => &full[..m.start()],
        None => &full,
    };
    (crate::text::truncate(human, 64 * 1024).into_owned(), full)
}

/// DSN fields: blocks of `(lower-case name, value)`, the first block per-message.
type Blocks = Vec<Vec<(String, String)>>;

fn delivery_status_blocks(message: &Message<'_>, text: &str) -> Option<Blocks> {
    for part in &message.parts {
        let is_dsn = part.content_type().is_some_and(|ct| {
            let sub = ct.subtype().unwrap_or("").to_ascii_lowercase();
            (ct.ctype().eq_ignore_ascii_case("message") || ct.ctype().eq_ignore_ascii_case("text"))
                && (sub == "delivery-status" || sub == "global-delivery-status")
        });
        if is_dsn {
            let text = String::from_utf8_lossy(part.contents());
            let blocks = parse_dsn_fields(&text);
            if blocks.iter().any(|b| has_recipient(b)) {
                return Some(blocks);
            }
        }
    }
    // DSN fields written inline in a plain-text bounce (or in a bounce pasted into one).
    let human = text;
    let lower = human.to_ascii_lowercase();
    if let Some(at) = lower.find("final-recipient:") {
        let start = lower[..at].rfind("\n\n").map(|p| p + 2).unwrap_or(0);
        let blocks = parse_dsn_fields(&human[start..]);
        if blocks.iter().any(|b| has_recipient(b)) {
            return Some(blocks);
        }
    }
    None
}

fn has_recipient(block: &[(String, String)]) -> bool {
    block
        .iter()
        .any(|(name, _)| name == "final-recipient" || name == "original-recipient")
}

/// Parses RFC 3464 fields: blank-line separated blocks of `Name: value` with folded
/// continuation lines. Lines that are not fields are ignored. Pure.
pub fn parse_dsn_fields(text: &str) -> Blocks {
    let mut blocks: Blocks = Vec::new();
    let mut current: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = current.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            let name = name.trim();
            if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                current.push((name.to_ascii_lowercase(), value.trim().to_string()));
            }
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

fn field<'a>(block: &'a [(String, String)], name: &str) -> Option<&'a str> {
    block
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// `rfc822; a@b.example` → `a@b.example`.
fn strip_type(value: &str) -> String {
    let value = match value.split_once(';') {
        Some((_, rest)) => rest,
        None => value,
    };
    value.trim().trim_matches(['<', '>']).trim().to_string()
}

fn dsn_recipients(
    blocks: &Blocks,
    human: &str,
    date: Option<jiff::Timestamp>,
) -> Vec<FailedRecipient> {
    let dsn_date = |block: &[(String, String)]| {
        field(block, "last-attempt-date")
            .or_else(|| field(block, "arrival-date"))
            .and_then(|d| jiff::fmt::rfc2822::parse(d.trim()).ok())
            .map(|z| z.timestamp())
    };
    let message_date = date.or_else(|| blocks.first().and_then(|b| dsn_date(b)));
    let recipient_blocks: Vec<&Vec<(String, String)>> =
        blocks.iter().filter(|b| has_recipient(b)).collect();
    let addresses: Vec<String> = recipient_blocks
        .iter()
        .map(|b| {
            field(b, "final-recipient")
                .or_else(|| field(b, "original-recipient"))
                .map(strip_type)
                .unwrap_or_default()
        })
        .collect();
    let segments = segments_for(human, &addresses);
    recipient_blocks
        .iter()
        .zip(addresses)
        .zip(segments)
        .map(|((block, recipient), segment)| {
            let diagnostic = field(block, "diagnostic-code")
                .map(strip_type)
                .unwrap_or_default();
            let status =
                field(block, "status").and_then(|s| classify::status_in_text(&format!(" {s} ")));
            let reply_code = classify::reply_code_in_text(&diagnostic);
            let explanation = if segment.is_empty() {
                bounded(human, MAX_EXPLANATION)
            } else {
                segment
            };
            FailedRecipient {
                date: date.or_else(|| dsn_date(block)).or(message_date),
                recipient,
                status: status.or_else(|| classify::status_in_text(&diagnostic)),
                reply_code,
                diagnostic: bounded(&diagnostic, MAX_DIAGNOSTIC),
                remote_mta: field(block, "remote-mta").map(strip_type),
                action: field(block, "action").map(|a| a.to_ascii_lowercase()),
                explanation,
            }
        })
        .collect()
}

fn bounded(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::text::truncate(&collapsed, max).into_owned()
}

static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\-]+@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*")
        .expect("address regex")
});
/// A line that names a recipient: the address first on the line (Postfix `<a@b>:`,
/// qmail `<a@b>:`, Exim `  a@b`, sendmail `<a@b>... reason`, Outlook `a@b<mailto:…>`), or
/// a phrase naming it.
static RECIPIENT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    ci(
        r"^\s*(?:\d{3}[ -]|>>> ?rcpt to:)?\s*(?:recipient(?: address)?:|original recipient:|failed recipient:|to:|address:|rcpt to:)?\s*<?([^\s<>@]+@[^\s<>:;,()\[\]]+?)>?\s*(?::|\.\.\.|,|\(|<mailto|$|\s+(?:\(|user|mailbox|recipient|host|said|unknown|does|is|was|not|no|the|on|smtp))",
    )
});
static RECIPIENT_PHRASE: LazyLock<Regex> = LazyLock::new(|| {
    ci(
        r"(?:your message to|delivery to|delivered to|message for|could not be delivered to|wasn'?t delivered to|couldn'?t be delivered to|not be delivered to|failed to deliver to|rcpt to:?|recipient:?|to the following (?:address|recipient)e?s?:?|for)\s*<?([^\s<>@]+@[A-Za-z0-9.\-]+[A-Za-z0-9])>?",
    )
});
static REMOTE_MTA: LazyLock<Regex> = LazyLock::new(|| {
    ci(
        r"(?:host|remote host|while talking to|generating server:|remote server|by|from) \[?([A-Za-z0-9][A-Za-z0-9.\-]*\.[A-Za-z0-9.\-]+)\]?\s*(?:\[([0-9a-f.:]+)\])?\s*(?:said|refused|:|\(|$)",
    )
});

fn is_service_address(address: &str) -> bool {
    let lower = address.to_ascii_lowercase();
    let local = lower.split('@').next().unwrap_or("");
    matches!(
        local,
        "mailer-daemon" | "postmaster" | "mail-daemon" | "mailerdaemon" | "root" | "abuse"
    )
}

fn own_addresses(message: &Message<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for list in [message.from(), message.to()].into_iter().flatten() {
        for addr in list.iter() {
            if let Some(a) = &addr.address {
                out.push(a.to_ascii_lowercase());
            }
        }
    }
    out
}

fn clean_address(address: &str) -> String {
    address
        .trim_matches(|c: char| {
            matches!(
                c,
                '<' | '>' | '.' | ',' | ';' | ':' | '"' | '\'' | ')' | '('
            )
        })
        .to_string()
}

fn text_recipients(
    message: &Message<'_>,
    human: &str,
    failed_header: Option<&str>,
    date: Option<jiff::Timestamp>,
) -> Vec<FailedRecipient> {
    let excluded = own_addresses(message);
    let mut addresses: Vec<String> = Vec::new();
    let push = |address: String, addresses: &mut Vec<String>| {
        let lower = address.to_ascii_lowercase();
        if address.contains('@')
            && ADDRESS.is_match(&address)
            && !excluded.contains(&lower)
            && !is_service_address(&address)
            && !addresses.iter().any(|a| a.eq_ignore_ascii_case(&address))
        {
            addresses.push(address);
        }
    };
    if let Some(header) = failed_header {
        for a in header.split([',', ' ']) {
            push(clean_address(a), &mut addresses);
        }
    }
    for line in human.lines() {
        if let Some(c) = RECIPIENT_LINE.captures(line) {
            push(clean_address(&c[1]), &mut addresses);
        }
    }
    if addresses.is_empty() {
        for c in RECIPIENT_PHRASE.captures_iter(human) {
            push(clean_address(&c[1]), &mut addresses);
        }
    }
    if addresses.is_empty() {
        // A bounce that names nobody is still a failure: keep one entry.
        addresses.push(String::new());
    }
    let segments = segments_for(human, &addresses);
    addresses
        .into_iter()
        .zip(segments)
        .map(|(recipient, segment)| {
            let diagnostic = if segment.is_empty() {
                bounded(human, MAX_DIAGNOSTIC)
            } else {
                bounded(&segment, MAX_DIAGNOSTIC)
            };
            let remote_mta = REMOTE_MTA
                .captures(&diagnostic)
                .or_else(|| REMOTE_MTA.captures(human))
                .map(|c| c[1].trim_end_matches('.').to_string());
            FailedRecipient {
                date,
                recipient,
                status: classify::status_in_text(&diagnostic),
                reply_code: classify::reply_code_in_text(&diagnostic),
                remote_mta,
                action: Some("failed".to_string()),
                explanation: bounded(human, MAX_EXPLANATION),
                diagnostic,
            }
        })
        .collect()
}

/// For each address, the text from each line naming it up to the next line naming another
/// of the addresses (all such pieces joined). Empty when the address is not in the text.
fn segments_for(text: &str, addresses: &[String]) -> Vec<String> {
    let lower_addresses: Vec<String> = addresses.iter().map(|a| a.to_ascii_lowercase()).collect();
    let mut segments = vec![String::new(); addresses.len()];
    let mut current: Option<usize> = None;
    // The paragraph before the first recipient line (a sendmail transcript puts the
    // server's answer before the `554 <rcpt>... ` line) belongs to that recipient.
    let mut preamble = String::new();
    for line in text.lines() {
        let lower = line.to_ascii_lowercase();
        if let Some(index) = lower_addresses
            .iter()
            .position(|a| !a.is_empty() && lower.contains(a.as_str()))
        {
            if current.is_none() {
                segments[index] = std::mem::take(&mut preamble);
            }
            current = Some(index);
        } else if current.is_none() {
            if line.trim().is_empty() {
                preamble.clear();
            } else if preamble.len() < MAX_DIAGNOSTIC {
                preamble.push_str(line);
                preamble.push('\n');
            }
        }
        if let Some(index) = current
            && segments[index].len() < MAX_DIAGNOSTIC * 2
        {
            segments[index].push_str(line);
            segments[index].push('\n');
        }
    }
    segments
}

/// The value of a header as text (for tests and callers that need other headers).
pub fn header_value_text(value: &HeaderValue<'_>) -> Option<String> {
    value.as_text().map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounce(raw: &str) -> Bounce {
        match parse(raw.as_bytes()) {
            Parsed::Bounce(b) => b,
            other => panic!("not a bounce: {other:?}"),
        }
    }

    #[test]
    fn rfc3464_dsn_fields_per_recipient() {
        let raw = "From: Mail Delivery System <MAILER-DAEMON@web1.shop.example>\nTo: www-data@web1.shop.example\nSubject: Undelivered Mail Returned to Sender\nDate: Thu, 03 Dec 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\n<a@customer.example>: host mx.customer.example[198.51.100.7] said: 554 5.7.1\n    Service unavailable; Client host [203.0.113.25] blocked using\n    zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; web1.shop.example\n\nFinal-Recipient: rfc822; a@customer.example\nAction: failed\nStatus: 5.7.1\nRemote-MTA: dns; mx.customer.example\nDiagnostic-Code: smtp; 554 5.7.1 Service unavailable; Client host\n    [203.0.113.25] blocked using zen.spamhaus.org\n\nFinal-Recipient: rfc822; b@other.example\nAction: delivered\nStatus: 2.0.0\n\n--B--\n";
        let b = bounce(raw);
        assert_eq!(b.format, "rfc3464");
        assert_eq!(b.recipients.len(), 2);
        let r = &b.recipients[0];
        assert_eq!(r.recipient, "a@customer.example");
        assert_eq!(r.status.as_deref(), Some("5.7.1"));
        assert_eq!(r.reply_code, Some(554));
        assert_eq!(r.remote_mta.as_deref(), Some("mx.customer.example"));
        assert_eq!(r.action.as_deref(), Some("failed"));
        assert_eq!(r.date.unwrap().to_string(), "2026-12-03T10:00:00Z");
        let c = r.classify();
        assert_eq!(c.category, Category::HostReputation);
        assert_eq!(c.blocklist.unwrap().name, "Spamhaus");
        assert_eq!(b.recipients[1].classify().category, Category::NotAFailure);
    }

    #[test]
    fn qmail_and_exim_texts() {
        let qmail = "From: MAILER-DAEMON@mx.example\nTo: me@web.example\nSubject: failure notice\n\nHi. This is the qmail-send program at mx.example.\nI'm afraid I wasn't able to deliver your message to the following addresses.\n\n<kijitora@example.ne.jp>:\n192.0.2.32 does not like recipient.\nRemote host said: 550 5.1.1 Unknown user kijitora@example.ne.jp\n\n--- Below this line is a copy of the message.\n\nFrom: me@web.example\nTo: someone@else.example\n";
        let b = bounce(qmail);
        assert_eq!(b.format, "text");
        assert_eq!(b.recipients.len(), 1);
        assert_eq!(b.recipients[0].recipient, "kijitora@example.ne.jp");
        assert_eq!(b.recipients[0].status.as_deref(), Some("5.1.1"));
        assert_eq!(b.recipients[0].classify().category, Category::Recipient);

        let exim = "From: Mail Delivery System <Mailer-Daemon@e1.example.org>\nTo: shironeko@example.jp\nSubject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: kijitora@example.ed.jp\n\nThis message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  kijitora@example.ed.jp\n    SMTP error from remote mail server after RCPT TO:<kijitora@example.ed.jp>:\n    host mx.example.jp [192.0.2.20]: 550 5.7.1 Client host rejected: listed in bl.spamcop.net\n\n------ This is a copy of the message, including all the headers. ------\n";
        let b = bounce(exim);
        assert_eq!(b.recipients[0].recipient, "kijitora@example.ed.jp");
        assert_eq!(b.recipients[0].remote_mta.as_deref(), Some("mx.example.jp"));
        let c = b.recipients[0].classify();
        assert_eq!(c.category, Category::HostReputation);
        assert_eq!(c.blocklist.unwrap().name, "SpamCop");
    }

    #[test]
    fn ordinary_mail_mentioning_a_status_code_is_not_a_bounce() {
        let raw = "From: Alice <alice@shop.example>\nTo: www-data@web1.shop.example\nSubject: Re: newsletter problem\n\nHi, our customer says they got 550 5.7.1 when we mailed them. Could not be delivered?\n";
        assert_eq!(parse(raw.as_bytes()), Parsed::NotABounce);
    }

    #[test]
    fn auto_replies_and_feedback_reports_are_not_failures() {
        let auto = "From: bob@customer.example\nTo: www-data@web1.shop.example\nSubject: Out of Office: your order\nAuto-Submitted: auto-replied\n\nI am away until Monday.\n";
        assert_eq!(
            parse(auto.as_bytes()),
            Parsed::NotAFailure(NotAFailure::AutoReply)
        );
        let arf = "From: feedback@isp.example\nTo: abuse@shop.example\nSubject: complaint\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report; boundary=\"X\"\n\n--X\nContent-Type: text/plain\n\nabuse report\n--X\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\n--X--\n";
        assert_eq!(
            parse(arf.as_bytes()),
            Parsed::NotAFailure(NotAFailure::FeedbackReport)
        );
    }

    #[test]
    fn malformed_input_never_panics() {
        for raw in [
            &b""[..],
            b"\xff\xfe\x00garbage",
            b"Content-Type: multipart/report; boundary=\"\n\n--\n--\n",
            b"From: MAILER-DAEMON\nContent-Type: multipart/report; report-type=delivery-status; boundary=Z\n\n--Z\nContent-Type: message/delivery-status\n\nFinal-Recipient:\nStatus: 9.9.9.9.9\n",
        ] {
            let _ = parse(raw);
        }
        let fields =
            parse_dsn_fields("Final-Recipient: rfc822; a@b\n  folded\nnot a field\n\nX: y");
        assert_eq!(fields.len(), 2);
        assert_eq!(fields[0][0].1, "rfc822; a@b folded");
    }
}
