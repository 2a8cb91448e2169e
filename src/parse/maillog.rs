//! Mail-log delivery lines of sendmail, Postfix and Exim: one line in, one [`Delivery`] out.
//!
//! Pure and allocation-free: a [`Delivery`] borrows from the line. Lines of any other kind
//! (connections, queue manager, TLS, …) give `None`; so does anything malformed — hostile or
//! truncated input never panics. [`is_candidate`] is the cheap byte-level pre-filter the
//! streaming reader runs on every line before converting it to text and parsing it.
//!
//! Times are returned as written ([`LogTime`]): traditional syslog has no year and no zone,
//! Exim's default has no zone; the caller resolves them (year from the file's mtime, zone of
//! the host).

use memchr::memmem;

/// The MTA that wrote a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mta {
    Sendmail,
    Postfix,
    Exim,
}

impl Mta {
    pub fn as_str(self) -> &'static str {
        match self {
            Mta::Sendmail => "sendmail",
            Mta::Postfix => "postfix",
            Mta::Exim => "exim",
        }
    }
}

/// The outcome a delivery line records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DeliveryStatus {
    /// Accepted by the next hop (sendmail `stat=Sent`, Postfix `status=sent`, Exim `=>`/`->`).
    Sent,
    /// Temporary failure; the MTA retries (`stat=Deferred`, `status=deferred`, Exim `==`).
    Deferred,
    /// Permanent failure; a bounce goes back to the sender (5.x.x, `status=bounced`, Exim `**`).
    Bounced,
    /// Given up after the maximal queue lifetime (Postfix `status=expired`).
    Expired,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Deferred => "deferred",
            DeliveryStatus::Bounced => "bounced",
            DeliveryStatus::Expired => "expired",
        }
    }

    pub fn is_failure(self) -> bool {
        self != DeliveryStatus::Sent
    }
}

/// A timestamp as the log line wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogTime {
    /// Traditional syslog (`Dec  4 07:30:01`): no year, the host's local time.
    NoYear {
        month: i8,
        day: i8,
        hour: i8,
        minute: i8,
        second: i8,
    },
    /// A date and time without zone (Exim's default): the host's local time.
    Local(jiff::civil::DateTime),
    /// An instant (RFC 3339 with offset, Exim with `log_timezone`, journald).
    Exact(jiff::Timestamp),
}

/// One delivery attempt to one recipient (or several, when sendmail lists them on one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery<'a> {
    pub time: LogTime,
    pub mta: Mta,
    pub queue_id: &'a str,
    /// The (first) recipient address, without angle brackets; empty when the line names
    /// none (Postfix `status=expired` from the queue manager).
    pub recipient: &'a str,
    /// The domain of `recipient` as written (compare case-insensitively); empty for a
    /// local user name.
    pub domain: &'a str,
    /// Further recipients of a sendmail line (`to=<a@x>,<b@y>`), raw list after the first.
    pub more_recipients: &'a str,
    pub status: DeliveryStatus,
    /// Enhanced status code (`5.7.1`), when logged.
    pub dsn: Option<&'a str>,
    /// SMTP reply code of the remote server (`554`), when the text carries one.
    pub reply_code: Option<u16>,
    /// Next hop as logged (`mx.customer.example[198.51.100.7]:25`, `local`, `none`).
    pub relay: Option<&'a str>,
    /// Status text: sendmail `stat=`, Postfix's parenthesised reply, Exim's error text.
    pub text: &'a str,
    /// A hand-off on this host rather than an outbound delivery: submission to the local
    /// MTA (sendmail `mailer=relay` to 127.0.0.1), local mailbox delivery (`mailer=local`,
    /// Postfix `relay=local`/`virtual`/lmtp/pipe, Exim local transports), or a content
    /// filter on the loopback interface.
    pub is_local_submission: bool,
}

impl Delivery<'_> {
    /// Every recipient of the line: the first, then those of `more_recipients`.
    pub fn recipients(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.recipient).chain(
            self.more_recipients
                .split(',')
                .map(|r| strip_angles(r.trim()))
                .filter(|r| !r.is_empty()),
        )
    }
}

/// A line sendmail writes when it creates a bounce (DSN) for a queue id:
/// `o8DIjsx0028156: o8DIjsx1028156: DSN: Service unavailable`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DsnNotice<'a> {
    pub time: LogTime,
    pub queue_id: &'a str,
    pub dsn_queue_id: &'a str,
    pub text: &'a str,
}

/// A remote reply sendmail logs for a recipient before the delivery line of the same
/// queue id: `o8DIjsx0028156: <x@customer.example>... 554 5.7.1 Service unavailable; …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendmailReply<'a> {
    pub queue_id: &'a str,
    pub recipient: &'a str,
    pub text: &'a str,
}

/// Any line this module understands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record<'a> {
    Delivery(Delivery<'a>),
    Dsn(DsnNotice<'a>),
    Reply(SendmailReply<'a>),
}

/// Cheap byte-level test: could this line be a delivery, DSN or reply line? False for the
/// bulk of a mail log (connections, cleanup, qmgr, TLS…) without looking further.
pub fn is_candidate(line: &[u8]) -> bool {
    if looks_like_exim_date(line) {
        return true;
    }
    // Syslog: skip the time and the host, then the tag up to `: `; what follows is the
    // message. Cheap byte steps, mirroring `parse_record`.
    let after_time = match line.first() {
        Some(b) if b.is_ascii_digit() => match memchr::memchr(b' ', line) {
            Some(space) => space + 1,
            None => return false,
        },
        Some(_) if line.len() > 16 => 16,
        _ => return false,
    };
    let rest = &line[after_time..];
    let Some(host_end) = memchr::memchr(b' ', rest) else {
        return false;
    };
    let rest = &rest[host_end + 1..];
    // The tag ends at the first `: ` (a plain byte scan: no searcher to build per line).
    let mut from = 0;
    loop {
        let Some(colon) = memchr::memchr(b':', &rest[from..]) else {
            return false;
        };
        let at = from + colon;
        if rest.get(at + 1) == Some(&b' ') {
            return message_is_candidate(&rest[at + 2..]);
        }
        from = at + 1;
    }
}

static EXPIRED: std::sync::LazyLock<memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memmem::Finder::new(b"status=expired"));

/// The message part of a syslog record: `QID: to=…` (sendmail, Postfix), `QID: from=…,
/// status=expired` (Postfix qmgr), `QID: QID: DSN: …` and `QID: <rcpt>... reply`
/// (sendmail), `ID => …` (Exim through syslog).
fn message_is_candidate(message: &[u8]) -> bool {
    let id_len = message
        .iter()
        .take(40)
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .count();
    if id_len == 0 {
        return false;
    }
    let after = &message[id_len..];
    if let Some(flag) = after.get(..4)
        && matches!(flag, b" => " | b" -> " | b" ** " | b" == ")
    {
        return true;
    }
    let Some(fields) = after.strip_prefix(b": ") else {
        return false;
    };
    fields.starts_with(b"to=")
        || fields.starts_with(b"<")
        || (fields.starts_with(b"from=") && EXPIRED.find(fields).is_some())
        || fields[fields
            .iter()
            .take(40)
            .take_while(|b| b.is_ascii_alphanumeric())
            .count()..]
            .starts_with(b": DSN: ")
}

/// Parses one delivery line of a syslog file (traditional or RFC 3339 time) or of an Exim
/// main log. `None` for any other line.
pub fn parse_line(line: &str) -> Option<Delivery<'_>> {
    match parse_record(line)? {
        Record::Delivery(delivery) => Some(delivery),
        _ => None,
    }
}

/// Like [`parse_line`], and also recognises sendmail's DSN and reply lines.
pub fn parse_record(line: &str) -> Option<Record<'_>> {
    let line = line.trim_end_matches(['\r', '\n']);
    if looks_like_exim_date(line.as_bytes()) {
        return parse_exim_line(line).map(Record::Delivery);
    }
    let (time, rest) = parse_syslog_time(line)?;
    // `host tag: message`
    let (_host, rest) = rest.split_once(' ')?;
    let (tag, message) = rest.split_once(": ")?;
    let program = match tag.find('[') {
        Some(bracket) => &tag[..bracket],
        None => tag,
    };
    parse_message(time, program, message)
}

/// Parses the message part of a syslog record, given its time and program name
/// (`sm-mta`, `sendmail`, `postfix/smtp`, `exim4`). Shared with journald records.
pub fn parse_message<'a>(time: LogTime, program: &str, message: &'a str) -> Option<Record<'a>> {
    let base = program.rsplit('/').next().unwrap_or(program);
    if program.starts_with("postfix") && program.contains('/') {
        return parse_postfix(time, base, message).map(Record::Delivery);
    }
    match program {
        "sm-mta" | "sendmail" | "sm-msp-queue" => parse_sendmail(time, message),
        "exim" | "exim4" => parse_exim_message(time, message).map(Record::Delivery),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Times

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Splits the syslog timestamp off a line: `Dec  4 07:30:01 ` or an RFC 3339 stamp.
fn parse_syslog_time(line: &str) -> Option<(LogTime, &str)> {
    let bytes = line.as_bytes();
    if bytes.len() < 16 {
        return None;
    }
    if bytes[0].is_ascii_digit() {
        let end = line.find(' ')?;
        let time = parse_rfc3339(&line[..end])?;
        return Some((LogTime::Exact(time), &line[end + 1..]));
    }
    let month = MONTHS.iter().position(|m| &bytes[..3] == *m)? as i8 + 1;
    if bytes[3] != b' ' {
        return None;
    }
    let day = match (bytes[4], bytes[5]) {
        (b' ', d) => digit(d)?,
        (a, b) => digit(a)? * 10 + digit(b)?,
    };
    if bytes[6] != b' ' || bytes[9] != b':' || bytes[12] != b':' || bytes[15] != b' ' {
        return None;
    }
    let hour = two_digits(&bytes[7..9])?;
    let minute = two_digits(&bytes[10..12])?;
    let second = two_digits(&bytes[13..15])?;
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some((
        LogTime::NoYear {
            month,
            day,
            hour,
            minute,
            second,
        },
        &line[16..],
    ))
}

fn digit(b: u8) -> Option<i8> {
    b.is_ascii_digit().then(|| (b - b'0') as i8)
}

fn two_digits(bytes: &[u8]) -> Option<i8> {
    Some(digit(bytes[0])? * 10 + digit(bytes[1])?)
}

/// `2026-12-04T07:30:01.123456+01:00` (or `Z`).
fn parse_rfc3339(text: &str) -> Option<jiff::Timestamp> {
    if text.len() < 20 || text.as_bytes()[10] != b'T' {
        return None;
    }
    text.parse::<jiff::Timestamp>().ok()
}

fn looks_like_exim_date(line: &[u8]) -> bool {
    line.len() >= 20
        && line[4] == b'-'
        && line[7] == b'-'
        && line[10] == b' '
        && line[13] == b':'
        && line[16] == b':'
        && line[0].is_ascii_digit()
}

/// `2020-06-19 04:51:49` with optional fraction, and an optional ` +0200` zone.
fn parse_exim_time(line: &str) -> Option<(LogTime, &str)> {
    let bytes = line.as_bytes();
    let mut end = 19;
    if bytes.get(19) == Some(&b'.') {
        end = 20
            + bytes[20..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
    }
    let number = |range: std::ops::Range<usize>| -> Option<i32> {
        let digits = bytes.get(range)?;
        digits.iter().try_fold(0i32, |n, b| {
            b.is_ascii_digit().then(|| n * 10 + (b - b'0') as i32)
        })
    };
    let nanos = match bytes.get(19) {
        Some(b'.') => {
            let fraction = &bytes[20..end];
            let mut value = 0i32;
            for position in 0..9 {
                let digit = fraction.get(position).map_or(0, |b| (b - b'0') as i32);
                value = value * 10 + digit;
            }
            value
        }
        _ => 0,
    };
    let civil = jiff::civil::DateTime::new(
        number(0..4)? as i16,
        number(5..7)? as i8,
        number(8..10)? as i8,
        number(11..13)? as i8,
        number(14..16)? as i8,
        number(17..19)? as i8,
        nanos,
    )
    .ok()?;
    let rest = line.get(end..)?.strip_prefix(' ')?;
    let zone = rest.as_bytes();
    if zone.len() > 6 && matches!(zone[0], b'+' | b'-') && zone[5] == b' ' {
        let digits = &rest[1..5];
        if digits.bytes().all(|b| b.is_ascii_digit()) {
            let hours: i32 = digits[..2].parse().ok()?;
            let minutes: i32 = digits[2..].parse().ok()?;
            let mut seconds = hours * 3600 + minutes * 60;
            if zone[0] == b'-' {
                seconds = -seconds;
            }
            let offset = jiff::tz::Offset::from_seconds(seconds).ok()?;
            let time = offset.to_timestamp(civil).ok()?;
            return Some((LogTime::Exact(time), &rest[6..]));
        }
    }
    Some((LogTime::Local(civil), rest))
}

// ---------------------------------------------------------------------------------------
// sendmail

fn parse_sendmail(time: LogTime, message: &str) -> Option<Record<'_>> {
    let (queue_id, rest) = message.split_once(": ")?;
    if !is_queue_id(queue_id) {
        return None;
    }
    if let Some(fields) = rest.strip_prefix("to=") {
        return parse_sendmail_delivery(time, queue_id, fields).map(Record::Delivery);
    }
    if let Some((dsn_queue_id, text)) = rest.split_once(": DSN: ")
        && is_queue_id(dsn_queue_id)
    {
        return Some(Record::Dsn(DsnNotice {
            time,
            queue_id,
            dsn_queue_id,
            text,
        }));
    }
    if rest.starts_with('<')
        && let Some((recipient, text)) = rest.split_once(">... ")
    {
        return Some(Record::Reply(SendmailReply {
            queue_id,
            recipient: &recipient[1..],
            text,
        }));
    }
    None
}

fn is_queue_id(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 32
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.')
}

/// `to=` value and the fields after it: `…, ctladdr=…, mailer=esmtp, relay=…, dsn=5.7.1, stat=…`.
fn parse_sendmail_delivery<'a>(
    time: LogTime,
    queue_id: &'a str,
    fields: &'a str,
) -> Option<Delivery<'a>> {
    let mut to = "";
    let mut mailer = None;
    let mut relay = None;
    let mut dsn = None;
    let mut stat = None;
    for (index, (key, value)) in SendmailFields::new(fields).enumerate() {
        match (index, key) {
            (0, _) => to = value,
            (_, "mailer") => mailer = Some(value),
            (_, "relay") => relay = Some(value),
            (_, "dsn") => dsn = Some(value),
            (_, "stat") => stat = Some(value),
            _ => {}
        }
    }
    let stat = stat?;
    let status = if starts_with_ignore_case(stat, "sent") {
        DeliveryStatus::Sent
    } else if starts_with_ignore_case(stat, "deferred") {
        DeliveryStatus::Deferred
    } else if starts_with_ignore_case(stat, "queued") {
        // Only queued, no delivery attempt yet.
        return None;
    } else {
        match dsn.and_then(|d| d.bytes().next()) {
            Some(b'2') => DeliveryStatus::Sent,
            Some(b'4') => DeliveryStatus::Deferred,
            _ => DeliveryStatus::Bounced,
        }
    };
    let (recipient, more_recipients) = split_recipient_list(to);
    let domain = domain_of(recipient);
    let is_local_submission = match mailer {
        Some("relay") => relay.is_some_and(is_loopback_relay),
        Some("esmtp" | "smtp" | "smtp8" | "dsmtp") => relay.is_some_and(is_loopback_relay),
        Some(_) => true, // local, prog, *file*, cyrus, procmail…
        None => false,
    };
    let text_start = stat
        .strip_prefix("Deferred: ")
        .or_else(|| stat.strip_prefix("deferred: "))
        .unwrap_or(stat);
    Some(Delivery {
        time,
        mta: Mta::Sendmail,
        queue_id,
        recipient,
        domain,
        more_recipients,
        status,
        dsn,
        reply_code: leading_reply_code(text_start).or_else(|| said_reply_code(stat)),
        relay,
        text: stat,
        is_local_submission,
    })
}

/// Iterates `key=value` fields of a sendmail line; the first yields the `to=` value. A
/// field ends at a comma followed by (spaces and) `key=`; `stat=` runs to the end.
struct SendmailFields<'a> {
    rest: &'a str,
    key: &'a str,
    done: bool,
}

impl<'a> SendmailFields<'a> {
    fn new(after_to: &'a str) -> Self {
        SendmailFields {
            rest: after_to,
            key: "to",
            done: false,
        }
    }
}

impl<'a> Iterator for SendmailFields<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let key = self.key;
        if key == "stat" {
            self.done = true;
            return Some((key, self.rest.trim_end()));
        }
        let bytes = self.rest.as_bytes();
        let mut search = 0;
        while let Some(offset) = memchr::memchr(b',', &bytes[search..]) {
            let comma = search + offset;
            let mut start = comma + 1;
            while bytes.get(start) == Some(&b' ') {
                start += 1;
            }
            let name_len = bytes[start..]
                .iter()
                .take_while(|b| b.is_ascii_lowercase() || **b == b'_')
                .count();
            if name_len > 0 && bytes.get(start + name_len) == Some(&b'=') {
                let value = &self.rest[..comma];
                self.key = &self.rest[start..start + name_len];
                self.rest = &self.rest[start + name_len + 1..];
                return Some((key, value));
            }
            search = comma + 1;
        }
        self.done = true;
        Some((key, self.rest.trim_end()))
    }
}

/// `<a@x>,<b@y>` → (`a@x`, `<b@y>`); `Vasya <u@x>` → `u@x`; `root` → `root`.
fn split_recipient_list(to: &str) -> (&str, &str) {
    let to = to.trim();
    let (first, more) = if to.starts_with('"') {
        // A quoted program or file recipient: no list.
        (to, "")
    } else {
        match to.find(">,") {
            Some(end) => (&to[..=end], &to[end + 2..]),
            None => match to.find(',') {
                Some(comma) if !to.contains('<') => (&to[..comma], &to[comma + 1..]),
                _ => (to, ""),
            },
        }
    };
    (strip_angles(first), more)
}

/// The address inside `<…>` (after any display name or `[tag]`), or the text itself.
fn strip_angles(text: &str) -> &str {
    match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    }
}

fn domain_of(address: &str) -> &str {
    address
        .rsplit_once('@')
        .map(|(_, domain)| domain.trim_end_matches('.'))
        .unwrap_or("")
}

/// A relay on this host: `[127.0.0.1] [127.0.0.1]`, `localhost [127.0.0.1]`, `[IPv6:::1]`,
/// Postfix `127.0.0.1[127.0.0.1]:10024`.
fn is_loopback_relay(relay: &str) -> bool {
    let relay = relay.trim();
    let host = relay
        .split(['[', ' ', ':'])
        .next()
        .unwrap_or("")
        .trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host.eq_ignore_ascii_case("localhost.localdomain")
        || host.eq_ignore_ascii_case("ip6-localhost")
        || relay.starts_with("127.")
        || relay.starts_with("[127.")
        || relay.contains("[IPv6:::1]")
        || relay.starts_with("::1")
        || relay.starts_with("[::1]")
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// `451 4.3.5 …` → 451.
fn leading_reply_code(text: &str) -> Option<u16> {
    let bytes = text.as_bytes();
    if bytes.len() >= 3
        && matches!(bytes[0], b'2' | b'4' | b'5')
        && bytes[1].is_ascii_digit()
        && bytes[2].is_ascii_digit()
        && bytes.get(3).is_none_or(|b| matches!(b, b' ' | b'-'))
    {
        text[..3].parse().ok()
    } else {
        None
    }
}

/// The reply code after `said: ` (Postfix) or `remote mail server after …: ` (Exim).
fn said_reply_code(text: &str) -> Option<u16> {
    if let Some(at) = text.find(" said: ") {
        return leading_reply_code(&text[at + 7..]);
    }
    if let Some(at) = text.find("SMTP error from remote mail server after ") {
        let after = &text[at..];
        let colon = after.find(": ")?;
        return leading_reply_code(&after[colon + 2..]);
    }
    None
}

/// The enhanced status code right after a reply code: `554 5.7.1 …` → `5.7.1`.
fn enhanced_code_after_reply(text: &str) -> Option<&str> {
    let start = if let Some(at) = text.find(" said: ") {
        at + 7
    } else if let Some(at) = text.find("SMTP error from remote mail server after ") {
        at + text[at..].find(": ")? + 2
    } else {
        0
    };
    let after_code = text.get(start + 4..)?;
    leading_reply_code(&text[start..])?;
    let candidate = after_code.split([' ', ',', ';']).next()?;
    let mut parts = candidate.split('.');
    let class = parts.next()?;
    let subject = parts.next()?;
    let detail = parts.next()?;
    let numeric = |p: &str| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit());
    (matches!(class, "2" | "4" | "5")
        && numeric(subject)
        && numeric(detail)
        && parts.next().is_none())
    .then_some(candidate)
}

// ---------------------------------------------------------------------------------------
// Postfix

fn parse_postfix<'a>(time: LogTime, daemon: &str, message: &'a str) -> Option<Delivery<'a>> {
    let (queue_id, rest) = message.split_once(": ")?;
    if !is_queue_id(queue_id) {
        return None;
    }
    let status_at = rest.find("status=")?;
    let status_text = &rest[status_at + 7..];
    let word_end = status_text
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(status_text.len());
    let status = match &status_text[..word_end] {
        "sent" => DeliveryStatus::Sent,
        "deferred" => DeliveryStatus::Deferred,
        "bounced" => DeliveryStatus::Bounced,
        "expired" => DeliveryStatus::Expired,
        // deliverable/undeliverable: address-verification probes, not deliveries.
        _ => return None,
    };
    let fields = &rest[..status_at];
    let mut to = "";
    let mut relay = None;
    let mut dsn = None;
    for field in fields.split(", ") {
        let field = field.trim_end_matches(',');
        if let Some(value) = field.strip_prefix("to=") {
            to = value;
        } else if let Some(value) = field.strip_prefix("relay=") {
            relay = Some(value);
        } else if let Some(value) = field.strip_prefix("dsn=") {
            dsn = Some(value);
        }
    }
    if to.is_empty() && status != DeliveryStatus::Expired {
        return None;
    }
    let after_status = &status_text[word_end..];
    let text = match after_status.find('(') {
        Some(open) => {
            let inner = &after_status[open + 1..];
            inner.strip_suffix(')').unwrap_or(inner)
        }
        None => after_status.trim_start_matches([',', ' ']),
    };
    let recipient = strip_angles(to);
    let is_local_submission = matches!(daemon, "local" | "virtual" | "pipe" | "lmtp" | "discard")
        || relay.is_some_and(|r| {
            r == "local" || r == "virtual" || r.contains("[private/") || is_loopback_relay(r)
        });
    Some(Delivery {
        time,
        mta: Mta::Postfix,
        queue_id,
        recipient,
        domain: domain_of(recipient),
        more_recipients: "",
        status,
        dsn,
        reply_code: said_reply_code(text).or_else(|| {
            (status == DeliveryStatus::Sent)
                .then(|| leading_reply_code(text))
                .flatten()
        }),
        relay,
        text,
        is_local_submission,
    })
}

// ---------------------------------------------------------------------------------------
// Exim

fn parse_exim_line(line: &str) -> Option<Delivery<'_>> {
    let (time, rest) = parse_exim_time(line)?;
    // Optional `[pid]` (log_selector +pid).
    let rest = match rest.strip_prefix('[') {
        Some(after) => after.split_once("] ")?.1,
        None => rest,
    };
    parse_exim_message(time, rest)
}

/// `1jmFYj-00039V-QX => dave@foo.corp R=dnslookup T=remote_smtp H=… C="250 …"` and the
/// `->` (further address of the same message), `**` (failed) and `==` (deferred) forms.
fn parse_exim_message(time: LogTime, message: &str) -> Option<Delivery<'_>> {
    let (queue_id, rest) = message.split_once(' ')?;
    if !is_exim_message_id(queue_id) {
        return None;
    }
    let status = match rest.get(..3)? {
        "=> " | "-> " => DeliveryStatus::Sent,
        "** " => DeliveryStatus::Bounced,
        "== " => DeliveryStatus::Deferred,
        _ => return None,
    };
    let rest = &rest[3..];
    // The address ends at a space or, on failures without routing, at `: `.
    let address_end = rest.find([' ', ':']).unwrap_or(rest.len());
    let recipient = rest[..address_end]
        .trim_start_matches('<')
        .trim_end_matches('>');
    let fields = &rest[address_end..];
    let field = |name: &str| -> Option<&str> {
        let at = fields.find(name)?;
        let value = &fields[at + name.len()..];
        Some(&value[..value.find(' ').unwrap_or(value.len())])
    };
    let transport = field(" T=");
    let host_at = fields.find(" H=");
    let relay = host_at.map(|at| {
        let value = &fields[at + 3..];
        // `host [ip]` or `(host) [ip]`, possibly followed by `:port` and more fields.
        let end = value
            .find("] ")
            .map(|e| e + 1)
            .or_else(|| value.find("]:").map(|e| e + 1))
            .unwrap_or_else(|| value.find(' ').unwrap_or(value.len()));
        &value[..end.min(value.len())]
    });
    let text = match status {
        DeliveryStatus::Sent => match fields.find(" C=\"") {
            Some(at) => {
                let value = &fields[at + 4..];
                value.strip_suffix('"').unwrap_or(value)
            }
            None => "",
        },
        DeliveryStatus::Deferred => match fields.find(" defer ") {
            Some(at) => &fields[at + 1..],
            None => fields.trim_start_matches([' ', ':']),
        },
        _ => exim_error_text(fields),
    };
    let transport_is_remote = transport.is_some_and(|t| t.contains("smtp"));
    let is_local_submission = match (transport, relay) {
        (_, Some(host)) => {
            is_loopback_relay(host.trim_start_matches('(')) || host_is_loopback_ip(host)
        }
        (Some(_), None) => !transport_is_remote,
        (None, None) => false,
    };
    let reply_code = said_reply_code(text);
    Some(Delivery {
        time,
        mta: Mta::Exim,
        queue_id,
        recipient,
        domain: domain_of(recipient),
        more_recipients: "",
        status,
        dsn: enhanced_code_after_reply(text),
        reply_code,
        relay,
        text,
        is_local_submission,
    })
}

/// Exim message ids: `1jmFYj-00039V-QX` (old) or `1raAO5-0091Cv-IH` and the longer 4.97+
/// form `1raAO5-000000091Cv-IHab`.
fn is_exim_message_id(text: &str) -> bool {
    let mut parts = text.split('-');
    let ok = |p: Option<&str>| {
        p.is_some_and(|p| {
            !p.is_empty() && p.len() <= 12 && p.bytes().all(|b| b.is_ascii_alphanumeric())
        })
    };
    ok(parts.next()) && ok(parts.next()) && ok(parts.next()) && parts.next().is_none()
}

/// The error text of a `**` line: after the first `: ` outside double quotes.
fn exim_error_text(fields: &str) -> &str {
    let bytes = fields.as_bytes();
    let mut quoted = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b':' if !quoted && bytes.get(i + 1) == Some(&b' ') => return &fields[i + 2..],
            _ => {}
        }
    }
    fields.trim()
}

fn host_is_loopback_ip(host: &str) -> bool {
    host.contains("[127.") || host.contains("[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syslog(month: i8, day: i8, hour: i8, minute: i8, second: i8) -> LogTime {
        LogTime::NoYear {
            month,
            day,
            hour,
            minute,
            second,
        }
    }

    #[test]
    fn story_sendmail_rejection_is_a_bounce_to_an_external_domain() {
        let line = "Dec  4 07:30:02 web1 sm-mta[28158]: o8DIjsx0028156: to=<x@customer.example>, ctladdr=<www-data@web1.example> (33/33), delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=120799, relay=mx.customer.example. [198.51.100.7], dsn=5.7.1, stat=Service unavailable";
        let d = parse_line(line).expect("delivery");
        assert_eq!(d.time, syslog(12, 4, 7, 30, 2));
        assert_eq!(d.mta, Mta::Sendmail);
        assert_eq!(d.queue_id, "o8DIjsx0028156");
        assert_eq!(d.recipient, "x@customer.example");
        assert_eq!(d.domain, "customer.example");
        assert_eq!(d.status, DeliveryStatus::Bounced);
        assert_eq!(d.dsn, Some("5.7.1"));
        assert_eq!(d.relay, Some("mx.customer.example. [198.51.100.7]"));
        assert_eq!(d.text, "Service unavailable");
        assert_eq!(d.reply_code, None);
        assert!(!d.is_local_submission);
    }

    #[test]
    fn sendmail_submission_to_the_local_daemon_is_not_outbound() {
        let line = "Oct 25 12:50:21 localhost sendmail[6666]: v9PCoLxI006666: to=Vasya <unixappdev@gmail.com>, ctladdr=dmitriano (1000/1000), delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=30127, relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent (v9PCoLiO006667 Message accepted for delivery)";
        let d = parse_line(line).unwrap();
        assert_eq!(d.recipient, "unixappdev@gmail.com");
        assert_eq!(d.status, DeliveryStatus::Sent);
        assert!(d.is_local_submission);
        // mailer=local is a local mailbox delivery.
        let local = "Oct 25 12:50:21 localhost sm-mta[6667]: v9PCoLiP006667: to=<dmitriano@localhost.localdomain>, delay=00:00:00, xdelay=00:00:00, mailer=local, pri=30000, dsn=2.0.0, stat=Sent";
        assert!(parse_line(local).unwrap().is_local_submission);
        // mailer=relay to a smarthost is outbound.
        let smarthost = "Apr 30 16:20:16 mudcotrs sendmail[31500]: x3UAoBQv031500: to=root, ctladdr=smmsp (113/120), delay=00:00:05, xdelay=00:00:05, mailer=relay, pri=30532, relay=owa.paytmbank.com. [103.1.112.195], dsn=5.0.0, stat=Service unavailable";
        let d = parse_line(smarthost).unwrap();
        assert!(!d.is_local_submission);
        assert_eq!(d.recipient, "root");
        assert_eq!(d.domain, "");
        assert_eq!(d.status, DeliveryStatus::Bounced);
    }

    #[test]
    fn sendmail_fields_without_space_and_deferred_replies() {
        let line = "Jun 26 07:24:25 MyVPS1976 sendmail[31762]: q5PNOMeP031760: to=<admin@centos.bz>, ctladdr=<www@MyVPS1976> (501/501), delay=00:00:02, xdelay=00:00:02, mailer=esmtp, pri=121393, relay=mxdomain.qq.com. [64.71.138.90], dsn=5.0.0,stat=Service unavailable";
        let d = parse_line(line).unwrap();
        assert_eq!(d.dsn, Some("5.0.0"));
        assert_eq!(d.text, "Service unavailable");
        let deferred = "Apr  2 00:15:25 mta001 sendmail[12566]: u31FFPtp032300: to=<deferred1@example.com>, delay=00:00:15, xdelay=00:00:15, mailer=esmtp, pri=34527, relay=[93.184.216.34] [93.184.216.34], dsn=4.3.5, stat=Deferred: 451 4.3.5 Server configuration problem";
        let d = parse_line(deferred).unwrap();
        assert_eq!(d.status, DeliveryStatus::Deferred);
        assert_eq!(d.reply_code, Some(451));
        assert_eq!(d.time, syslog(4, 2, 0, 15, 25));
    }

    #[test]
    fn sendmail_lists_several_recipients_on_one_line() {
        let line = "Apr  2 00:15:25 mta001 sendmail[32302]: u31FFPtp032300: to=<sent1@example.com>,<sent2@example.com>, delay=00:00:00, xdelay=00:00:00, mailer=esmtp, pri=245938, relay=[93.184.216.34] [93.184.216.34], dsn=2.0.0, stat=Sent (ok:  Message 40279894 accepted)";
        let d = parse_line(line).unwrap();
        assert_eq!(
            d.recipients().collect::<Vec<_>>(),
            ["sent1@example.com", "sent2@example.com"]
        );
        assert_eq!(d.text, "Sent (ok:  Message 40279894 accepted)");
    }

    #[test]
    fn sendmail_dsn_and_reply_lines() {
        let dsn = "Dec  4 07:30:02 web1 sm-mta[28158]: o8DIjsx0028156: o8DIjsx1028158: DSN: Service unavailable";
        assert_eq!(
            parse_record(dsn),
            Some(Record::Dsn(DsnNotice {
                time: syslog(12, 4, 7, 30, 2),
                queue_id: "o8DIjsx0028156",
                dsn_queue_id: "o8DIjsx1028158",
                text: "Service unavailable"
            }))
        );
        assert!(parse_line(dsn).is_none());
        let reply = "Dec  4 07:30:02 web1 sm-mta[28158]: o8DIjsx0028156: <x@customer.example>... 554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org";
        match parse_record(reply) {
            Some(Record::Reply(r)) => {
                assert_eq!(r.recipient, "x@customer.example");
                assert!(r.text.starts_with("554 5.7.1"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn postfix_statuses_and_replies() {
        let line = "Dec 29 03:03:48 mail postfix/smtp[8492]: 732BB407C3: to=<redacted@domain.com>, relay=mail.domain.com[1.1.1.1]:25, delay=582, delays=563/16/1.7/0.81, dsn=5.0.0, status=bounced (host mail.domain.com[1.1.1.1] said: 554 DT:SPM 163 mx9,O8CowEDJVFKCokVaRhz+AA--.26016S3 1514513028,please see http://mail.domain.com/help/help_spam.htm?ip= (in reply to end of DATA command))";
        let d = parse_line(line).unwrap();
        assert_eq!(d.mta, Mta::Postfix);
        assert_eq!(d.status, DeliveryStatus::Bounced);
        assert_eq!(d.reply_code, Some(554));
        assert_eq!(d.dsn, Some("5.0.0"));
        assert_eq!(d.relay, Some("mail.domain.com[1.1.1.1]:25"));
        assert!(
            d.text
                .starts_with("host mail.domain.com[1.1.1.1] said: 554 DT:SPM")
        );
        assert!(d.text.ends_with("(in reply to end of DATA command)"));
        assert!(!d.is_local_submission);

        let expired = "Mar 24 13:58:01 gw postfix/qmgr[1234]: 1F7E7A6E2: from=<sender@example.com>, status=expired, returned to sender";
        let d = parse_line(expired).unwrap();
        assert_eq!(d.status, DeliveryStatus::Expired);
        assert_eq!(d.recipient, "");

        let local = "Mar 24 13:58:01 gw postfix/local[1234]: 1F7E7A6E2: to=<root@gw.example>, relay=local, delay=0.1, dsn=2.0.0, status=sent (delivered to mailbox)";
        assert!(parse_line(local).unwrap().is_local_submission);
        let filter = "Mar 24 13:58:01 gw postfix/smtp[1234]: 1F7E7A6E2: to=<u@example.org>, relay=127.0.0.1[127.0.0.1]:10024, delay=0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok, id=1, from MTA)";
        let d = parse_line(filter).unwrap();
        assert!(d.is_local_submission);
        assert_eq!(d.reply_code, Some(250));
        let probe = "Mar 24 13:58:01 gw postfix/smtp[1234]: 1F7E7A6E2: to=<u@example.org>, relay=mx.example.org[192.0.2.1]:25, delay=0.1, dsn=2.1.5, status=deliverable (250 2.1.5 Ok)";
        assert!(parse_line(probe).is_none());
    }

    #[test]
    fn rfc3339_timestamps() {
        let line = "2026-12-04T07:30:01.123456+01:00 mail2 postfix/smtp[2000]: 3F2A1C0123: to=<a@provider.example>, relay=smtp.provider.example[198.51.100.5]:587, delay=1.2, delays=0.1/0/0.5/0.6, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ABC)";
        let d = parse_line(line).unwrap();
        assert_eq!(
            d.time,
            LogTime::Exact("2026-12-04T06:30:01.123456Z".parse().unwrap())
        );
    }

    #[test]
    fn exim_lines() {
        let failed = "2020-06-19 10:32:57 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN=\"C=US,ST=Fake,L=Lost,O=Zee Corp,CN=mail.zee.corp\": SMTP error from remote mail server after end of data: 554 5.2.0 mKr3jsd25ZIfXmKr4jFD2w Recipient Mailbox Full [504]";
        let d = parse_line(failed).unwrap();
        assert_eq!(d.mta, Mta::Exim);
        assert_eq!(d.status, DeliveryStatus::Bounced);
        assert_eq!(d.recipient, "molly@zee.corp");
        assert_eq!(d.reply_code, Some(554));
        assert_eq!(d.dsn, Some("5.2.0"));
        assert_eq!(d.relay, Some("mail.zee.corp [3.3.3.3]"));
        assert!(d.text.starts_with("SMTP error from remote"));
        assert_eq!(
            d.time,
            LogTime::Local("2020-06-19T10:32:57".parse().unwrap())
        );

        let zoned = "2020-06-20 01:32:57 +0200 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3]: SMTP error from remote mail server after end of data: 554 5.2.0 x";
        assert_eq!(
            parse_line(zoned).unwrap().time,
            LogTime::Exact("2020-06-19T23:32:57Z".parse().unwrap())
        );

        let retry = "2020-06-19 04:54:02 1jmFYj-00039V-QX ** bob@null.corp: retry timeout exceeded";
        let d = parse_line(retry).unwrap();
        assert_eq!(d.recipient, "bob@null.corp");
        assert_eq!(d.text, "retry timeout exceeded");
        assert!(!d.is_local_submission);

        let deferred = "2020-06-19 04:54:02 1jmFYj-00039V-QX == bob@null.corp R=dnslookup T=remote_smtp defer (110): Connection timed out";
        let d = parse_line(deferred).unwrap();
        assert_eq!(d.status, DeliveryStatus::Deferred);
        assert_eq!(d.text, "defer (110): Connection timed out");

        let sent = "2020-06-19 06:26:02 1jmH1s-000AVD-5t => dave@foo.corp R=dnslookup T=remote_smtp H=mail.foo.corp [1.1.1.1] C=\"250 2.0.0 Ok: queued\"";
        let d = parse_line(sent).unwrap();
        assert_eq!(d.status, DeliveryStatus::Sent);
        assert_eq!(d.text, "250 2.0.0 Ok: queued");

        let local = "2020-06-19 06:26:02 1jmH1s-000AVD-5t => root <root@mx3.exim.example> R=local_user T=mail_spool";
        assert!(parse_line(local).unwrap().is_local_submission);

        let arrival = "2020-06-19 04:51:49 [123] 1jmFYj-00039V-QX <= noreply@test.corp H=(test.corp) [2.2.2.2] P=smtp S=7386";
        assert!(parse_line(arrival).is_none());
    }

    #[test]
    fn other_lines_are_not_deliveries() {
        for line in [
            "",
            "Dec",
            "Dec  4 07:30:01 web1 sm-mta[1]: o8DIjsx0028156: from=<www-data@web1.example>, size=1, class=0, nrcpts=1, proto=ESMTP",
            "Dec  4 07:30:01 web1 postfix/smtpd[1]: connect from unknown[192.0.2.1]",
            "Dec  4 07:30:01 web1 postfix/qmgr[1]: 76DEF40E80: from=<>, size=2351, nrcpt=1 (queue active)",
            "Dec  4 07:30:01 web1 CRON[1]: (root) CMD (to=x stat=Sent)",
            "Dec 44 07:30:01 web1 sm-mta[1]: q: to=<a@b>, stat=Sent",
            "2026-13-45 99:99:99 1jmFYj-00039V-QX => x",
            "Dec  4 07:30:01 web1 sm-mta[1]: o8DIjsx0028156: to=<a@b>, mailer=esmtp",
        ] {
            assert!(parse_line(line).is_none(), "{line:?}");
        }
    }

    #[test]
    fn mutated_real_lines_never_panic() {
        let lines = [
            "Dec  4 07:30:02 web1 sm-mta[28158]: o8DIjsx0028156: to=<x@customer.example>,<y@b.example>, ctladdr=<www-data@web1.example> (33/33), delay=00:00:02, mailer=esmtp, relay=mx.customer.example. [198.51.100.7], dsn=5.7.1, stat=Service unavailable",
            "Dec 29 03:03:48 mail postfix/smtp[8492]: 732BB407C3: to=<r@domain.com>, relay=mail.domain.com[1.1.1.1]:25, delay=582, dsn=5.0.0, status=bounced (host mail.domain.com[1.1.1.1] said: 554 DT:SPM (in reply to end of DATA command))",
            "2020-06-20 01:32:57 +0200 [789] 1jmKso-0009d4-Uf ** molly@zee.corp R=dnslookup T=remote_smtp H=mail.zee.corp [3.3.3.3] DN=\"C=US\": SMTP error from remote mail server after end of data: 554 5.2.0 Full",
            "2026-12-04T07:30:01.123456+01:00 m postfix/qmgr[1]: 1F7E7A6E2: from=<s@e.com>, status=expired, returned to sender",
            "Dec  4 07:30:02 web1 sm-mta[1]: q1: <x@c.example>... 554 5.7.1 blocked",
        ];
        // A small deterministic generator (no extra dependency): flips, cuts and inserts.
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let specials = [
            b' ', b',', b':', b'<', b'>', b'=', b'[', b']', b'"', b'(', b')', 0xff, b'\r',
        ];
        for line in lines {
            for _ in 0..3000 {
                let mut bytes = line.as_bytes().to_vec();
                for _ in 0..(next() % 4 + 1) {
                    let at = (next() as usize) % bytes.len().max(1);
                    match next() % 3 {
                        0 if !bytes.is_empty() => {
                            bytes[at] = specials[(next() as usize) % specials.len()]
                        }
                        1 => bytes.truncate(at),
                        _ => bytes.insert(
                            at.min(bytes.len()),
                            specials[(next() as usize) % specials.len()],
                        ),
                    }
                }
                let _ = is_candidate(&bytes);
                let text = String::from_utf8_lossy(&bytes);
                if let Some(Record::Delivery(d)) = parse_record(&text) {
                    let _ = d.recipients().count();
                }
            }
        }
    }

    #[test]
    fn hostile_input_never_panics() {
        let samples = [
            "Dec  4 07:30:01 h sm-mta[1]: q: to=",
            "Dec  4 07:30:01 h sm-mta[1]: q: to=<,>, stat=",
            "Dec  4 07:30:01 h postfix/smtp[1]: q: status=",
            "Dec  4 07:30:01 h postfix/smtp[1]: q: to=<é@ü>, status=bounced (",
            "2020-06-19 04:54:02 a-b-c ** ",
            "2020-06-19 04:54:02 +0200 a-b-c ==",
            "2020-06-19 04:54:02.",
            "2020-06-19 04:54:02 a-b-c => x H=",
            "2020-06-19 04:54:02 a-b-c ** x H=(y) [1.2.3.4: SMTP error from remote mail server after ",
        ];
        for sample in samples {
            for end in 0..=sample.len() {
                if let Some(prefix) = sample.get(..end) {
                    let _ = parse_record(prefix);
                    let _ = is_candidate(prefix.as_bytes());
                }
            }
        }
    }
}
