//! `maillog` check: what the MTA's own log says about the deliveries of the window —
//! sent/deferred/bounced per recipient domain, every failure classified (category and
//! blocklist), and the pattern "own domain delivers, external domains are rejected", which
//! points at the sending host's reputation.
//!
//! Files: `/var/log/mail.log` (else `maillog`, else `mail.info`) with their rotations
//! (`.1`, `.2.gz`, `-20261201`), plus Exim's own main log (`/var/log/exim4/mainlog`,
//! `/var/log/exim/main.log`), newest first, stopping once a file is entirely older than the
//! window. On the live host without any of them, `journalctl -o json` for the MTA's
//! identifiers. Everything is streamed through a bounded line reader: memory does not grow
//! with the size of a file or of a line.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::checks::{Outcome, Verdict};
use crate::classify::{self, Category, Classification};
use crate::engine::Context;
use crate::hostfs::{self, HostFs, HostFsErrorKind};
use crate::parse::maillog::{self, Delivery, DeliveryStatus, LogTime, Record};
use crate::range::Range;
use crate::report::Evidence;
use crate::text;

/// Lines longer than this are skipped (and counted): no MTA writes them, a hostile or
/// corrupt file may.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Read buffer of the line reader; with [`MAX_LINE_BYTES`] it bounds the memory per file.
const BUFFER_BYTES: usize = 256 * 1024;
/// Characters of a log line shown in evidence.
const EVIDENCE_CHARS: usize = 600;
/// Domains listed in the per-domain evidence table.
const TABLE_DOMAINS: usize = 25;
/// Domains tallied; beyond this, further domains are folded into one row (bounded memory).
const MAX_DOMAINS: usize = 10_000;

/// Syslog families, in order of preference: the first present is read (Debian's
/// `mail.info` repeats `mail.log`, so never both).
const SYSLOG_FILES: [&str; 3] = [
    "/var/log/mail.log",
    "/var/log/maillog",
    "/var/log/mail.info",
];
/// Exim's own main logs (Debian, RHEL): read in addition, they hold what syslog does not.
const EXIM_FILES: [&str; 2] = ["/var/log/exim4/mainlog", "/var/log/exim/main.log"];
/// journald identifiers of MTA delivery agents.
const JOURNAL_IDENTIFIERS: [&str; 12] = [
    "sm-mta",
    "sendmail",
    "postfix/smtp",
    "postfix/lmtp",
    "postfix/local",
    "postfix/virtual",
    "postfix/pipe",
    "postfix/error",
    "postfix/relay",
    "postfix/qmgr",
    "exim4",
    "exim",
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Log files to read instead of the standard places (host paths; their rotations are
    /// read too).
    #[serde(default)]
    pub files: Vec<String>,
    /// How far back from `--now` deliveries count.
    #[serde(
        default = "default_window",
        deserialize_with = "crate::definition::duration::deserialize_duration"
    )]
    pub window: Duration,
    /// Failures other than host-reputation ones: warning when the count alerts this range.
    #[serde(default = "default_warning")]
    pub warning: Range,
    #[serde(default = "default_critical")]
    pub critical: Range,
    /// Failing lines quoted as evidence.
    #[serde(default = "default_max_evidence")]
    pub max_evidence: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            files: Vec::new(),
            window: default_window(),
            warning: default_warning(),
            critical: default_critical(),
            max_evidence: default_max_evidence(),
        }
    }
}

fn default_window() -> Duration {
    Duration::from_secs(24 * 3600)
}
fn default_warning() -> Range {
    Range::at_most(5.0)
}
fn default_critical() -> Range {
    Range::at_most(20.0)
}
fn default_max_evidence() -> usize {
    5
}

// ---------------------------------------------------------------------------------------
// Bounded line reader

/// One line from [`BoundedLines`].
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a> {
    Text(&'a [u8]),
    /// Longer than the limit: its bytes were skipped, not kept.
    TooLong,
}

/// Splits a byte stream into lines with a fixed buffer: a line longer than `max_line` is
/// skipped (reported as [`Line::TooLong`]) instead of growing the buffer.
pub struct BoundedLines<R> {
    inner: R,
    buffer: Vec<u8>,
    start: usize,
    end: usize,
    max_line: usize,
    eof: bool,
}

impl<R: Read> BoundedLines<R> {
    pub fn new(inner: R, max_line: usize) -> Self {
        BoundedLines {
            inner,
            buffer: vec![0; BUFFER_BYTES.max(max_line + 1)],
            start: 0,
            end: 0,
            max_line,
            eof: false,
        }
    }

    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let mut skipping = false;
        loop {
            if let Some(offset) = memchr::memchr(b'\n', &self.buffer[self.start..self.end]) {
                let line_start = self.start;
                self.start += offset + 1;
                if skipping || offset > self.max_line {
                    return Ok(Some(Line::TooLong));
                }
                return Ok(Some(Line::Text(
                    &self.buffer[line_start..line_start + offset],
                )));
            }
            if self.eof {
                if self.start < self.end {
                    let line_start = self.start;
                    self.start = self.end;
                    if skipping || self.end - line_start > self.max_line {
                        return Ok(Some(Line::TooLong));
                    }
                    return Ok(Some(Line::Text(&self.buffer[line_start..self.end])));
                }
                return Ok(if skipping { Some(Line::TooLong) } else { None });
            }
            if self.end - self.start > self.max_line {
                // The line is already too long: drop what we have and skip to its end.
                skipping = true;
                self.start = 0;
                self.end = 0;
            } else if self.start > 0 {
                self.buffer.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            let read = loop {
                match self.inner.read(&mut self.buffer[self.end..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if read == 0 {
                self.eof = true;
            }
            self.end += read;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Times

/// Turns [`LogTime`]s into instants: the host's zone for zone-less times, and for
/// traditional syslog the year that puts the line at or before the anchor (the file's
/// mtime, or `--now` when earlier) — a December line in a file written in January is
/// from last year.
struct Clock {
    zone: jiff::tz::TimeZone,
    anchor: jiff::civil::Date,
    /// The last (month, day, hour) resolved and the instant that hour began.
    cache: Option<((i8, i8, i8), jiff::Timestamp)>,
}

impl Clock {
    fn new(zone: jiff::tz::TimeZone, anchor: jiff::Timestamp) -> Self {
        let anchor = zone.to_datetime(anchor).date();
        Clock {
            zone,
            anchor,
            cache: None,
        }
    }

    fn resolve(&mut self, time: LogTime) -> Option<jiff::Timestamp> {
        match time {
            LogTime::Exact(timestamp) => Some(timestamp),
            LogTime::Local(civil) => self.zone.to_ambiguous_timestamp(civil).compatible().ok(),
            LogTime::NoYear {
                month,
                day,
                hour,
                minute,
                second,
            } => {
                let key = (month, day, hour);
                let hour_start = match self.cache {
                    Some((cached, start)) if cached == key => start,
                    _ => {
                        let start = self.hour_start(month, day, hour)?;
                        self.cache = Some((key, start));
                        start
                    }
                };
                let seconds = i64::from(minute) * 60 + i64::from(second.min(59));
                hour_start
                    .checked_add(jiff::SignedDuration::from_secs(seconds))
                    .ok()
            }
        }
    }

    fn hour_start(&self, month: i8, day: i8, hour: i8) -> Option<jiff::Timestamp> {
        let latest = self.anchor.checked_add(jiff::Span::new().days(1)).ok()?;
        let mut year = self.anchor.year();
        let date = loop {
            // Feb 29 only exists in leap years: look back up to 8 years for one.
            match jiff::civil::Date::new(year, month, day) {
                Ok(date) if date <= latest => break date,
                _ if year < self.anchor.year() - 8 => return None,
                _ => year -= 1,
            }
        };
        let civil = date.at(hour, 0, 0, 0);
        self.zone.to_ambiguous_timestamp(civil).compatible().ok()
    }
}

/// The host's time zone: `/etc/localtime` (TZif) or `/etc/timezone` under the root; the
/// system's on the live host; UTC (said in the evidence) when neither is readable.
fn host_time_zone(fs: &HostFs) -> (jiff::tz::TimeZone, String) {
    if fs.is_live() {
        return (jiff::tz::TimeZone::system(), "the system's".to_string());
    }
    if let Ok(mut file) = fs.open("/etc/localtime") {
        let mut bytes = Vec::new();
        if (&mut file).take(1 << 20).read_to_end(&mut bytes).is_ok()
            && let Ok(zone) = jiff::tz::TimeZone::tzif("localtime", &bytes)
        {
            return (zone, "/etc/localtime".to_string());
        }
    }
    if let Ok(Some(name)) = fs.read_optional_config("/etc/timezone")
        && let Ok(zone) = jiff::tz::TimeZone::get(name.trim())
    {
        return (zone, format!("/etc/timezone ({})", name.trim()));
    }
    (
        jiff::tz::TimeZone::UTC,
        "UTC (no /etc/localtime or /etc/timezone in the root)".to_string(),
    )
}

// ---------------------------------------------------------------------------------------
// Tallies

/// Deliveries of one recipient domain.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DomainTally {
    pub sent: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub expired: u64,
    pub own: bool,
}

impl DomainTally {
    pub fn failed(&self) -> u64 {
        self.deferred + self.bounced + self.expired
    }

    fn add(&mut self, status: DeliveryStatus) {
        match status {
            DeliveryStatus::Sent => self.sent += 1,
            DeliveryStatus::Deferred => self.deferred += 1,
            DeliveryStatus::Bounced => self.bounced += 1,
            DeliveryStatus::Expired => self.expired += 1,
        }
    }
}

/// One failed delivery kept as evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub source: String,
    pub line: String,
    pub recipient: String,
    pub status: DeliveryStatus,
    pub dsn: Option<String>,
    pub reply_code: Option<u16>,
    /// The remote reply sendmail logged separately for this recipient, if any.
    pub reply: Option<String>,
    pub local: bool,
    pub classification: Classification,
}

/// What one file contributed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileStats {
    pub lines: u64,
    pub deliveries_in_window: u64,
    /// The oldest delivery time seen in the file (any, in or out of the window).
    pub oldest: Option<jiff::Timestamp>,
}

/// Everything counted across the files of a run.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub by_domain: HashMap<String, DomainTally>,
    pub sent: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub expired: u64,
    /// Hand-offs on this host (submission to the local MTA, local mailboxes, filters).
    pub local_sent: u64,
    pub local_failed: u64,
    pub categories: BTreeMap<Category, u64>,
    /// Blocklists named by failures: name → (count, url).
    pub blocklists: BTreeMap<String, (u64, Option<String>)>,
    /// Failures to external domains refused by policy (host reputation or sender policy):
    /// rejections, as opposed to unknown users, full mailboxes, greylisting, timeouts.
    pub external_policy_failures: u64,
    /// sendmail DSN (bounce) notices generated in the window.
    pub dsn_notices: u64,
    pub lines_read: u64,
    pub lines_too_long: u64,
    pub lines_not_utf8: u64,
    pub lines_bad_time: u64,
    pub outside_window: u64,
    pub reputation_failures: Vec<Failure>,
    pub other_failures: Vec<Failure>,
}

impl Stats {
    pub fn failures(&self) -> u64 {
        self.deferred + self.bounced + self.expired + self.local_failed
    }

    pub fn category(&self, category: Category) -> u64 {
        self.categories.get(&category).copied().unwrap_or(0)
    }
}

/// Reads log streams and tallies the deliveries of `[start, end]`.
pub struct Scanner {
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    zone: jiff::tz::TimeZone,
    own_domains: Vec<String>,
    max_evidence: usize,
    deadline: Option<Instant>,
    pub stats: Stats,
    /// Recent sendmail replies by queue id (bounded): joined to the failure line that follows.
    replies: HashMap<String, (String, String)>,
    classified: HashMap<(Option<String>, Option<u16>, String), Classification>,
    lower: String,
}

/// Why a file stopped before its end.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    Deadline,
}

const MAX_REPLIES: usize = 1024;
/// Characters of a remote reply kept between lines, and longest text cached.
const MAX_KEPT_TEXT: usize = 2048;
const MAX_CLASSIFIED: usize = 4096;

impl Scanner {
    pub fn new(
        start: jiff::Timestamp,
        end: jiff::Timestamp,
        zone: jiff::tz::TimeZone,
        own_domains: &[String],
        max_evidence: usize,
    ) -> Self {
        Scanner {
            start,
            end,
            zone,
            own_domains: own_domains
                .iter()
                .map(|d| d.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
            max_evidence,
            deadline: None,
            stats: Stats::default(),
            replies: HashMap::new(),
            classified: HashMap::new(),
            lower: String::new(),
        }
    }

    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Is `domain` one of the host's own (or a subdomain of one)?
    pub fn is_own(&self, domain: &str) -> bool {
        self.own_domains.iter().any(|own| {
            domain.len() >= own.len()
                && domain[domain.len() - own.len()..].eq_ignore_ascii_case(own)
                && (domain.len() == own.len()
                    || domain.as_bytes()[domain.len() - own.len() - 1] == b'.')
        })
    }

    /// Reads one stream. `anchor` dates traditional syslog lines (the file's mtime, or the
    /// reference time when earlier); `source` names the file in evidence. On an error the
    /// lines read so far stay counted.
    pub fn read(
        &mut self,
        reader: impl Read,
        source: &str,
        anchor: jiff::Timestamp,
    ) -> (FileStats, Result<(), ReadError>) {
        let mut clock = Clock::new(self.zone.clone(), anchor);
        let mut lines = BoundedLines::new(reader, MAX_LINE_BYTES);
        let mut file = FileStats::default();
        loop {
            let line = match lines.next_line() {
                Ok(Some(line)) => line,
                Ok(None) => return (file, Ok(())),
                Err(e) => return (file, Err(ReadError::Io(e))),
            };
            file.lines += 1;
            self.stats.lines_read += 1;
            if file.lines.is_multiple_of(65_536)
                && let Some(deadline) = self.deadline
                && Instant::now() >= deadline
            {
                return (file, Err(ReadError::Deadline));
            }
            let bytes = match line {
                Line::TooLong => {
                    self.stats.lines_too_long += 1;
                    continue;
                }
                Line::Text(bytes) => bytes.strip_suffix(b"\r").unwrap_or(bytes),
            };
            if !maillog::is_candidate(bytes) {
                continue;
            }
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => std::borrow::Cow::Borrowed(text),
                Err(_) => {
                    self.stats.lines_not_utf8 += 1;
                    String::from_utf8_lossy(bytes)
                }
            };
            let Some(record) = maillog::parse_record(&text) else {
                continue;
            };
            self.record(record, &mut clock, &mut file, source, &text);
        }
    }

    fn record(
        &mut self,
        record: Record<'_>,
        clock: &mut Clock,
        file: &mut FileStats,
        source: &str,
        line: &str,
    ) {
        let delivery = match record {
            Record::Delivery(delivery) => delivery,
            Record::Dsn(notice) => {
                if clock
                    .resolve(notice.time)
                    .is_some_and(|t| t >= self.start && t <= self.end)
                {
                    self.stats.dsn_notices += 1;
                }
                return;
            }
            Record::Reply(reply) => {
                if self.replies.len() >= MAX_REPLIES {
                    self.replies.clear();
                }
                // Bounded: a reply is kept in full up to MAX_KEPT_TEXT.
                self.replies.insert(
                    reply.queue_id.to_string(),
                    (
                        reply.recipient.to_string(),
                        text::truncate(reply.text, MAX_KEPT_TEXT).into_owned(),
                    ),
                );
                return;
            }
        };
        let Some(time) = clock.resolve(delivery.time) else {
            self.stats.lines_bad_time += 1;
            return;
        };
        if file.oldest.is_none_or(|oldest| time < oldest) {
            file.oldest = Some(time);
        }
        if time < self.start || time > self.end {
            self.stats.outside_window += 1;
            return;
        }
        file.deliveries_in_window += 1;
        if delivery.is_local_submission {
            if delivery.status.is_failure() {
                self.stats.local_failed += 1;
                self.failure(&delivery, source, file.lines, line, true);
            } else {
                self.stats.local_sent += 1;
            }
            return;
        }
        for recipient in delivery.recipients() {
            let domain = recipient
                .rsplit_once('@')
                .map(|(_, d)| d.trim_end_matches('.'))
                .unwrap_or("");
            self.tally(domain, delivery.status);
        }
        if delivery.status.is_failure() {
            self.failure(&delivery, source, file.lines, line, false);
        }
    }

    fn tally(&mut self, domain: &str, status: DeliveryStatus) {
        let count = |stats: &mut Stats| match status {
            DeliveryStatus::Sent => stats.sent += 1,
            DeliveryStatus::Deferred => stats.deferred += 1,
            DeliveryStatus::Bounced => stats.bounced += 1,
            DeliveryStatus::Expired => stats.expired += 1,
        };
        count(&mut self.stats);
        let key: &str = if domain.is_empty() {
            "(no domain)"
        } else if domain.bytes().any(|b| b.is_ascii_uppercase()) {
            self.lower.clear();
            self.lower.push_str(domain);
            self.lower.make_ascii_lowercase();
            &self.lower
        } else {
            domain
        };
        if let Some(tally) = self.stats.by_domain.get_mut(key) {
            tally.add(status);
            return;
        }
        let key = if self.stats.by_domain.len() >= MAX_DOMAINS {
            "(other domains)".to_string()
        } else {
            key.to_string()
        };
        let own = self.is_own(&key);
        let tally = self.stats.by_domain.entry(key).or_insert(DomainTally {
            own,
            ..DomainTally::default()
        });
        tally.add(status);
    }

    fn failure(
        &mut self,
        delivery: &Delivery<'_>,
        source: &str,
        line_number: u64,
        line: &str,
        local: bool,
    ) {
        let reply = self
            .replies
            .get(delivery.queue_id)
            .filter(|(recipient, _)| recipient.eq_ignore_ascii_case(delivery.recipient))
            .map(|(_, text)| text.clone());
        let text = match &reply {
            Some(reply) => format!("{}; {reply}", delivery.text),
            // sendmail's `stat=Service unavailable` is its canned wording for any 5xx
            // "unavailable" reply, not the remote server's text (which would say *what* is
            // unavailable): the status code decides then.
            None if delivery.mta == maillog::Mta::Sendmail
                && delivery.status == DeliveryStatus::Bounced
                && delivery.text.eq_ignore_ascii_case("Service unavailable") =>
            {
                String::new()
            }
            None => delivery.text.to_string(),
        };
        let reply_code = delivery
            .reply_code
            .or_else(|| reply.as_deref().and_then(leading_code));
        let key = (delivery.dsn.map(str::to_string), reply_code, text);
        let classification = match self.classified.get(&key) {
            Some(found) => found.clone(),
            // Long texts are classified without caching: the cache stays small.
            None if key.2.len() > MAX_KEPT_TEXT => {
                classify::classify(key.0.as_deref(), key.1, &key.2)
            }
            None => {
                let found = classify::classify(key.0.as_deref(), key.1, &key.2);
                if self.classified.len() >= MAX_CLASSIFIED {
                    self.classified.clear();
                }
                self.classified.insert(key, found.clone());
                found
            }
        };
        *self
            .stats
            .categories
            .entry(classification.category)
            .or_insert(0) += 1;
        if let Some(blocklist) = &classification.blocklist {
            let entry = self
                .stats
                .blocklists
                .entry(blocklist.name.clone())
                .or_insert((0, blocklist.url.clone()));
            entry.0 += 1;
        }
        let reputation = classification.category == Category::HostReputation && !local;
        if !local
            && !self.is_own(delivery.domain)
            && matches!(
                classification.category,
                Category::HostReputation | Category::SenderPolicy
            )
        {
            self.stats.external_policy_failures += 1;
        }
        let list = if reputation {
            &mut self.stats.reputation_failures
        } else {
            &mut self.stats.other_failures
        };
        if list.len() < self.max_evidence {
            list.push(Failure {
                source: format!("{source}:{line_number}"),
                line: text::truncate(line, EVIDENCE_CHARS).into_owned(),
                recipient: delivery.recipient.to_string(),
                status: delivery.status,
                dsn: delivery.dsn.map(str::to_string),
                reply_code,
                reply,
                local,
                classification,
            });
        }
    }
}

fn leading_code(text: &str) -> Option<u16> {
    let code = text.get(..3)?;
    (matches!(code.as_bytes()[0], b'4' | b'5') && code.bytes().all(|b| b.is_ascii_digit()))
        .then(|| code.parse().ok())
        .flatten()
}

// ---------------------------------------------------------------------------------------
// Files

/// A log file to read, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub path: String,
    pub gzip: bool,
}

/// The rotations of a log, newest first: `base`, `base.1`, `base.2.gz`, …, then
/// date-suffixed ones (`base-20261201[.gz]`) newest date first.
pub fn family(base: &str, names_in_dir: &[String]) -> Vec<LogFile> {
    let (dir, stem) = base.rsplit_once('/').unwrap_or(("", base));
    let mut numbered: Vec<(u32, LogFile)> = Vec::new();
    let mut dated: Vec<(String, LogFile)> = Vec::new();
    let mut current = None;
    for name in names_in_dir {
        let path = hostfs::join(if dir.is_empty() { "/" } else { dir }, name);
        if name == stem {
            current = Some(LogFile { path, gzip: false });
            continue;
        }
        let Some(suffix) = name.strip_prefix(stem) else {
            continue;
        };
        let (suffix, gzip) = match suffix.strip_suffix(".gz") {
            Some(s) => (s, true),
            None => (suffix, false),
        };
        if let Some(number) = suffix.strip_prefix('.')
            && let Ok(n) = number.parse::<u32>()
        {
            numbered.push((n, LogFile { path, gzip }));
        } else if let Some(date) = suffix.strip_prefix('-')
            && date.len() >= 8
            && date.bytes().all(|b| b.is_ascii_digit())
        {
            dated.push((date.to_string(), LogFile { path, gzip }));
        }
    }
    numbered.sort_by_key(|(n, _)| *n);
    dated.sort_by(|a, b| b.0.cmp(&a.0));
    current
        .into_iter()
        .chain(numbered.into_iter().map(|(_, f)| f))
        .chain(dated.into_iter().map(|(_, f)| f))
        .collect()
}

/// The log families to read: the configured files, else the first syslog family present
/// plus Exim's main logs.
fn families(fs: &HostFs, params: &Params) -> (Vec<Vec<LogFile>>, Vec<String>) {
    let mut notes = Vec::new();
    let mut list = |base: &str| -> Vec<LogFile> {
        let dir = base.rsplit_once('/').map(|(d, _)| d).unwrap_or("/");
        match fs.list_dir(if dir.is_empty() { "/" } else { dir }) {
            Ok(names) => family(base, &names),
            Err(e) => {
                notes.push(permission_hint(&e));
                Vec::new()
            }
        }
    };
    let mut found = Vec::new();
    if !params.files.is_empty() {
        for base in &params.files {
            let files = list(base);
            if !files.is_empty() {
                found.push(files);
            }
        }
    } else {
        if let Some(files) = SYSLOG_FILES
            .iter()
            .map(|base| list(base))
            .find(|files| !files.is_empty())
        {
            found.push(files);
        }
        for base in EXIM_FILES {
            let files = list(base);
            if !files.is_empty() {
                found.push(files);
            }
        }
    }
    (found, notes)
}

fn permission_hint(error: &crate::hostfs::HostFsError) -> String {
    if error.kind == HostFsErrorKind::PermissionDenied {
        format!(
            "{}: permission denied — run as root or as a member of group adm (Debian) or mail",
            error.path
        )
    } else {
        error.to_string()
    }
}

/// What happened to each file.
#[derive(Debug, Default)]
struct FileReport {
    read: Vec<String>,
    unreadable: Vec<String>,
    truncated: Vec<String>,
    deadline: bool,
}

fn read_families(
    fs: &HostFs,
    families: &[Vec<LogFile>],
    scanner: &mut Scanner,
    now: jiff::Timestamp,
) -> FileReport {
    let mut report = FileReport::default();
    for family in families {
        for (index, file) in family.iter().enumerate() {
            let mtime = fs
                .metadata(&file.path)
                .ok()
                .and_then(|m| m.modified().ok())
                .and_then(|m| jiff::Timestamp::try_from(m).ok());
            // A rotated file last written before the window holds nothing of it, nor do
            // older ones.
            if index > 0 && mtime.is_some_and(|m| m < scanner.start) {
                break;
            }
            let anchor = mtime.map_or(now, |m| m.min(now));
            let handle = match fs.open(&file.path) {
                Ok(handle) => handle,
                Err(e) => {
                    report.unreadable.push(permission_hint(&e));
                    continue;
                }
            };
            let (stats, result) = if file.gzip {
                let decoder = flate2::read::MultiGzDecoder::new(io::BufReader::new(handle));
                scanner.read(decoder, &file.path, anchor)
            } else {
                scanner.read(handle, &file.path, anchor)
            };
            report.read.push(file.path.clone());
            match result {
                Ok(()) => {}
                Err(ReadError::Deadline) => {
                    report.deadline = true;
                    return report;
                }
                Err(ReadError::Io(e)) => report.truncated.push(format!(
                    "{}: stopped after line {}: {}",
                    file.path,
                    stats.lines,
                    if file.gzip && e.kind() == io::ErrorKind::UnexpectedEof {
                        "truncated gzip data".to_string()
                    } else {
                        e.to_string()
                    }
                )),
            }
            // Lines older than the window in this file: older files are entirely older.
            if stats.oldest.is_some_and(|oldest| oldest < scanner.start) {
                break;
            }
        }
    }
    report
}

// ---------------------------------------------------------------------------------------
// journald

/// A journald JSON record (`journalctl -o json`); `MESSAGE` is an array of bytes when it
/// is not valid UTF-8.
#[derive(Debug, Deserialize)]
struct JournalRecord {
    #[serde(rename = "MESSAGE")]
    message: Option<serde_json::Value>,
    #[serde(rename = "SYSLOG_IDENTIFIER")]
    identifier: Option<String>,
    #[serde(rename = "__REALTIME_TIMESTAMP")]
    realtime: Option<String>,
}

/// Turns one `journalctl -o json` line into the time, program and message of a syslog
/// record. Pure.
pub fn journal_entry(json: &[u8]) -> Option<(LogTime, String, String)> {
    let record: JournalRecord = serde_json::from_slice(json).ok()?;
    let message = match record.message? {
        serde_json::Value::String(text) => text,
        serde_json::Value::Array(bytes) => {
            let bytes: Vec<u8> = bytes
                .iter()
                .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                .collect();
            String::from_utf8_lossy(&bytes).into_owned()
        }
        _ => return None,
    };
    let micros: i64 = record.realtime?.parse().ok()?;
    let time = jiff::Timestamp::from_microsecond(micros).ok()?;
    Some((LogTime::Exact(time), record.identifier?, message))
}

impl Scanner {
    /// Reads `journalctl -o json` output.
    pub fn read_journal(&mut self, reader: impl Read, source: &str) -> Result<(), ReadError> {
        let mut lines = BoundedLines::new(reader, MAX_LINE_BYTES);
        let mut number = 0u64;
        let mut clock = Clock::new(self.zone.clone(), self.end);
        let mut file = FileStats::default();
        loop {
            let bytes = match lines.next_line().map_err(ReadError::Io)? {
                None => return Ok(()),
                Some(Line::TooLong) => {
                    self.stats.lines_read += 1;
                    self.stats.lines_too_long += 1;
                    continue;
                }
                Some(Line::Text(bytes)) => bytes,
            };
            number += 1;
            self.stats.lines_read += 1;
            if let Some(deadline) = self.deadline
                && number.is_multiple_of(4096)
                && Instant::now() >= deadline
            {
                return Err(ReadError::Deadline);
            }
            let Some((time, program, message)) = journal_entry(bytes) else {
                continue;
            };
            let Some(record) = maillog::parse_message(time, &program, &message) else {
                continue;
            };
            file.lines = number;
            let shown = format!("{program}: {message}");
            self.record(record, &mut clock, &mut file, source, &shown);
        }
    }
}

/// Runs journalctl for the window, killing it at the deadline.
fn read_journald(scanner: &mut Scanner, deadline: Instant) -> Result<String, String> {
    use std::process::{Command, Stdio};
    use std::sync::{Arc, Mutex, mpsc};
    let mut command = Command::new("journalctl");
    command.args([
        "-o",
        "json",
        "--no-pager",
        "-q",
        "--output-fields=MESSAGE,SYSLOG_IDENTIFIER",
    ]);
    command.arg(format!("--since=@{}", scanner.start.as_second()));
    command.arg(format!("--until=@{}", scanner.end.as_second() + 1));
    for identifier in JOURNAL_IDENTIFIERS {
        command.args(["-t", identifier]);
    }
    let shown =
        "journalctl -o json -t sm-mta -t postfix/smtp … (the MTA's identifiers)".to_string();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run journalctl: {e}"))?;
    let stdout = child
        .stdout
        .take()
        .ok_or("journalctl gave no output pipe")?;
    let child = Arc::new(Mutex::new(child));
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = {
        let child = child.clone();
        std::thread::spawn(move || {
            let wait = deadline.saturating_duration_since(Instant::now());
            if finished.recv_timeout(wait).is_err()
                && let Ok(mut child) = child.lock()
            {
                let _ = child.kill();
            }
        })
    };
    let result = scanner.read_journal(stdout, "journald");
    let _ = done.send(());
    let _ = watchdog.join();
    if let Ok(mut child) = child.lock() {
        let _ = child.kill();
        let _ = child.wait();
    }
    match result {
        Ok(()) => Ok(shown),
        Err(ReadError::Deadline) => Err("journalctl did not finish before the deadline".into()),
        Err(ReadError::Io(e)) => Err(format!("reading journalctl output: {e}")),
    }
}

// ---------------------------------------------------------------------------------------
// The check

pub fn run(params: &Params, context: &Context) -> Outcome {
    let now = context.now;
    let window = jiff::SignedDuration::try_from(params.window).unwrap_or(jiff::SignedDuration::MAX);
    let start = now.checked_sub(window).unwrap_or(jiff::Timestamp::MIN);
    let (zone, zone_source) = host_time_zone(&context.fs);
    let mut own_domains = context.facts.own_domains.clone();
    for domain in &context.facts.mta.local_domains {
        if !own_domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
            own_domains.push(domain.clone());
        }
    }
    let mut scanner = Scanner::new(start, now, zone, &own_domains, params.max_evidence)
        .with_deadline(context.deadline);

    let (families, mut notes) = families(&context.fs, params);
    let mut sources: Vec<String> = Vec::new();
    let mut files = FileReport::default();
    if families.is_empty() {
        let looked = if params.files.is_empty() {
            SYSLOG_FILES
                .iter()
                .chain(EXIM_FILES.iter())
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            params.files.join(", ")
        };
        if context.facts.mta.kind.is_none() && notes.is_empty() {
            // Nothing sends mail here (the mta check says so and why): nothing to read.
            return Outcome::skipped(format!(
                "no MTA is installed and there is no mail log ({looked})"
            ));
        }
        if !context.fs.is_live() {
            let mut outcome = Outcome::unknown(format!(
                "no mail log in the audited root (looked for {looked} and their rotations)"
            ));
            for note in notes {
                outcome = outcome.evidence(Evidence::new("mail log", note));
            }
            return outcome;
        }
        match read_journald(&mut scanner, context.deadline) {
            Ok(shown) => sources.push(shown),
            Err(reason) => {
                return Outcome::unknown(format!(
                    "no mail log file ({looked}) and journald could not be read: {reason}"
                ))
                .remediation(
                    "Make the MTA's log readable: run as root or in group adm/systemd-journal, or set `files` to where the MTA logs.",
                );
            }
        }
    } else {
        files = read_families(&context.fs, &families, &mut scanner, now);
        sources = files.read.clone();
        notes.extend(files.unreadable.iter().cloned());
    }
    decide(params, &scanner, &sources, &files, &notes, &zone_source)
}

fn decide(
    params: &Params,
    scanner: &Scanner,
    sources: &[String],
    files: &FileReport,
    notes: &[String],
    zone_source: &str,
) -> Outcome {
    let stats = &scanner.stats;
    let window = window_words(params.window);
    let reputation = stats
        .categories
        .get(&Category::HostReputation)
        .copied()
        .unwrap_or(0)
        .min(stats.deferred + stats.bounced + stats.expired);
    let failures = stats.failures();
    let other_failures = failures.saturating_sub(reputation);

    let own: DomainTally = sum(stats.by_domain.values().filter(|t| t.own));
    let external: DomainTally = sum(stats.by_domain.values().filter(|t| !t.own));
    // Own domains all deliver while external ones (almost) all fail, and not for reasons
    // of their own (unknown users, greylisting): the receivers refuse this host.
    let rejected = stats.external_policy_failures;
    let pattern = own.sent > 0
        && own.failed() == 0
        && rejected > 0
        && (external.sent == 0 || (rejected >= 3 * external.sent && 2 * reputation >= rejected));
    let blocklists: Vec<String> = stats.blocklists.keys().cloned().collect();

    let counts = format!(
        "{} sent, {} deferred, {} bounced{}",
        stats.sent,
        stats.deferred,
        stats.bounced,
        if stats.expired > 0 {
            format!(", {} expired", stats.expired)
        } else {
            String::new()
        }
    );
    let mut verdict;
    let mut summary;
    if sources.is_empty() && !notes.is_empty() {
        verdict = Verdict::Unknown;
        summary = format!("cannot read the mail log: {}", notes.join("; "));
    } else if reputation > 0 {
        verdict = Verdict::Fail;
        summary = format!(
            "{} in the last {window} refused because of the sending host's reputation{}",
            deliveries(reputation),
            if blocklists.is_empty() {
                String::new()
            } else {
                format!(" ({})", blocklists.join(", "))
            }
        );
        if pattern {
            summary.push_str(": own domain delivers, external domains are rejected");
        }
        summary.push_str(&format!(" ({counts})"));
    } else if pattern {
        // Even when no failure text names the reason (sendmail logs only its canned
        // `stat=`), this pattern itself points at the sending host.
        verdict = Verdict::Fail;
        summary = format!(
            "own domain delivers, external domains are rejected in the last {window}: {} to external domains failed, none to own domains — the receivers likely refuse this host ({counts})",
            deliveries(external.failed()),
        );
    } else if params.critical.alerts(other_failures as f64) {
        verdict = Verdict::Critical;
        summary = format!(
            "{} failed in the last {window}, outside the critical range {} ({counts})",
            deliveries(other_failures),
            params.critical
        );
    } else if params.warning.alerts(other_failures as f64) {
        verdict = Verdict::Warning;
        summary = format!(
            "{} failed in the last {window}, outside the warning range {} ({counts})",
            deliveries(other_failures),
            params.warning
        );
    } else {
        verdict = Verdict::Pass;
        let total = stats.sent + failures;
        summary = if total == 0 {
            format!("no outbound deliveries logged in the last {window}")
        } else {
            format!("{counts} in the last {window}")
        };
    }
    if verdict == Verdict::Pass && (!notes.is_empty() || files.deadline) {
        // Part of the window could not be read: no green on half the evidence.
        verdict = Verdict::Unknown;
        summary = format!(
            "{summary}, but part of the log could not be read: {}",
            if files.deadline {
                "the deadline was reached".to_string()
            } else {
                notes.join("; ")
            }
        );
    }
    if !files.truncated.is_empty() {
        summary.push_str(&format!(" ({} file(s) cut short)", files.truncated.len()));
    }

    let mut outcome = Outcome::new(verdict, summary);
    if pattern {
        outcome = outcome.evidence(
            Evidence::new(
                "pattern",
                format!(
                    "own domain delivers, external domains are rejected: own domains {} sent / {} failed, external domains {} sent / {} failed — this points at the sending host's reputation (IP address blocklisted, missing or generic PTR), not at the recipients",
                    own.sent,
                    own.failed(),
                    external.sent,
                    external.failed()
                ),
            )
            .with("own_sent", own.sent)
            .with("own_failed", own.failed())
            .with("external_sent", external.sent)
            .with("external_failed", external.failed()),
        );
    }
    let shown_failures = stats
        .reputation_failures
        .iter()
        .chain(stats.other_failures.iter())
        .take(params.max_evidence);
    for failure in shown_failures {
        let label = if failure.local {
            "local hand-off failed"
        } else {
            "failed delivery"
        };
        let mut shown = failure.line.clone();
        if let Some(reply) = &failure.reply {
            shown.push_str(&format!(" — reply logged before it: {reply}"));
        }
        shown.push_str(&format!(" ⇒ {}", failure.classification.category.as_str()));
        if let Some(blocklist) = &failure.classification.blocklist {
            shown.push_str(&format!(" ({})", blocklist.name));
        }
        let mut evidence = Evidence::new(label, shown)
            .at(&failure.source)
            .with("recipient", failure.recipient.as_str())
            .with("status", failure.status.as_str())
            .with("category", failure.classification.category.as_str())
            .with("rule", failure.classification.rule.as_str());
        if let Some(dsn) = &failure.dsn {
            evidence = evidence.with("dsn", dsn.as_str());
        }
        if let Some(code) = failure.reply_code {
            evidence = evidence.with("reply_code", code);
        }
        if let Some(reply) = &failure.reply {
            evidence = evidence.with("reply", reply.as_str());
        }
        if let Some(blocklist) = &failure.classification.blocklist {
            evidence = evidence.with("blocklist", blocklist.name.as_str());
            if let Some(url) = &blocklist.url {
                evidence = evidence.with("blocklist_url", url.as_str());
            }
        }
        outcome = outcome.evidence(evidence);
    }
    if !stats.by_domain.is_empty() {
        outcome = outcome.evidence(domain_table(&stats.by_domain));
    }
    let mut reading = Evidence::new(
        "files read",
        if sources.is_empty() {
            "none".to_string()
        } else {
            format!(
                "{} ({} lines; {} outbound deliveries, {} local hand-offs in the window)",
                sources.join(", "),
                stats.lines_read,
                stats.sent + stats.deferred + stats.bounced + stats.expired,
                stats.local_sent + stats.local_failed
            )
        },
    )
    .with("lines_read", stats.lines_read)
    .with("lines_skipped_too_long", stats.lines_too_long)
    .with("lines_not_utf8", stats.lines_not_utf8)
    .with("deliveries_outside_window", stats.outside_window)
    .with("time_zone", zone_source);
    if stats.lines_too_long > 0 {
        reading.text.push_str(&format!(
            "; {} line(s) longer than {} KiB skipped",
            stats.lines_too_long,
            MAX_LINE_BYTES / 1024
        ));
    }
    if stats.lines_bad_time > 0 {
        reading.text.push_str(&format!(
            "; {} delivery line(s) with an impossible date skipped",
            stats.lines_bad_time
        ));
    }
    outcome = outcome.evidence(reading);
    for note in notes.iter().chain(files.truncated.iter()) {
        outcome = outcome.evidence(Evidence::new("mail log not fully read", note));
    }

    if reputation > 0 || pattern {
        let mut remedy =
            String::from("Receiving servers refuse this host itself, not the recipients: ");
        let urls: Vec<String> = stats
            .blocklists
            .iter()
            .map(|(name, (_, url))| match url {
                Some(url) => format!("{name} ({url})"),
                None => name.clone(),
            })
            .collect();
        if urls.is_empty() {
            remedy.push_str("check the sending IP against blocklists and its PTR record (see the dnsbl and fcrdns checks), ");
        } else {
            remedy.push_str(&format!("request removal from {}, ", urls.join(", ")));
        }
        remedy.push_str("or relay outgoing mail through your provider's smarthost (e.g. sendmail `define(`SMART_HOST', `[smtp.provider.example]')`, Postfix `relayhost`).");
        outcome = outcome.remediation(remedy);
    }

    outcome = outcome
        .metric("sent", stats.sent)
        .metric("deferred", stats.deferred)
        .metric("bounced", stats.bounced)
        .metric("expired", stats.expired)
        .metric("local_handoffs", stats.local_sent)
        .metric("local_handoff_failures", stats.local_failed)
        .metric("dsn_notices", stats.dsn_notices)
        .metric("lines_read", stats.lines_read)
        .metric("lines_skipped", stats.lines_too_long)
        .metric("files_read", sources.len());
    for category in [
        Category::HostReputation,
        Category::SenderPolicy,
        Category::Recipient,
        Category::Transient,
        Category::NotAFailure,
    ] {
        let name = format!("failures_{}", category.as_str().replace('-', "_"));
        outcome = outcome.metric(&name, stats.category(category));
    }
    outcome
}

/// `1 delivery`, `2 deliveries`.
fn deliveries(count: u64) -> String {
    if count == 1 {
        "1 delivery".to_string()
    } else {
        format!("{count} deliveries")
    }
}

/// `24h`, `7d`, `90m`: how the window reads in a summary.
fn window_words(window: Duration) -> String {
    let seconds = window.as_secs();
    match seconds {
        s if s >= 2 * 86_400 && s.is_multiple_of(86_400) => format!("{}d", s / 86_400),
        s if s >= 3600 && s.is_multiple_of(3600) => format!("{}h", s / 3600),
        s if s >= 60 && s.is_multiple_of(60) => format!("{}m", s / 60),
        _ => crate::definition::duration::format_duration(window),
    }
}

fn sum<'a>(tallies: impl Iterator<Item = &'a DomainTally>) -> DomainTally {
    tallies.fold(DomainTally::default(), |mut total, t| {
        total.sent += t.sent;
        total.deferred += t.deferred;
        total.bounced += t.bounced;
        total.expired += t.expired;
        total
    })
}

/// The per-domain table: failing domains first, then the busiest.
fn domain_table(by_domain: &HashMap<String, DomainTally>) -> Evidence {
    let mut rows: Vec<(&String, &DomainTally)> = by_domain.iter().collect();
    rows.sort_by(|a, b| {
        b.1.failed()
            .cmp(&a.1.failed())
            .then((b.1.sent + b.1.failed()).cmp(&(a.1.sent + a.1.failed())))
            .then(a.0.cmp(b.0))
    });
    // One line (outputs escape line breaks in evidence): `domain (own): 3 sent; …`.
    let mut parts = Vec::new();
    let mut data = serde_json::Map::new();
    for (domain, tally) in rows.iter().take(TABLE_DOMAINS) {
        let counts: Vec<String> = [
            (tally.sent, "sent"),
            (tally.deferred, "deferred"),
            (tally.bounced, "bounced"),
            (tally.expired, "expired"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        parts.push(format!(
            "{domain}{}: {}",
            if tally.own { " (own)" } else { "" },
            counts.join(", ")
        ));
        data.insert(
            domain.to_string(),
            serde_json::json!({
                "sent": tally.sent, "deferred": tally.deferred, "bounced": tally.bounced,
                "expired": tally.expired, "own": tally.own,
            }),
        );
    }
    let mut text = parts.join("; ");
    if rows.len() > TABLE_DOMAINS {
        text.push_str(&format!(
            "; … and {} more domains",
            rows.len() - TABLE_DOMAINS
        ));
    }
    Evidence::new("deliveries by recipient domain", text)
        .with("domains", serde_json::Value::Object(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_lines_skip_over_long_lines_and_keep_the_rest() {
        let mut input = b"first\r\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 3 * 1024 * 1024));
        input.extend(b"\nlast line without newline");
        let mut lines = BoundedLines::new(&input[..], 1024);
        assert_eq!(lines.next_line().unwrap(), Some(Line::Text(b"first\r")));
        assert_eq!(lines.next_line().unwrap(), Some(Line::TooLong));
        assert_eq!(
            lines.next_line().unwrap(),
            Some(Line::Text(b"last line without newline"))
        );
        assert_eq!(lines.next_line().unwrap(), None);
        // The buffer never grew past its fixed size.
        assert_eq!(lines.buffer.len(), BUFFER_BYTES);
    }

    #[test]
    fn an_over_long_last_line_is_skipped() {
        let input = vec![b'y'; 5000];
        let mut lines = BoundedLines::new(&input[..], 1024);
        assert_eq!(lines.next_line().unwrap(), Some(Line::TooLong));
        assert_eq!(lines.next_line().unwrap(), None);
    }

    #[test]
    fn rotations_are_ordered_newest_first() {
        let names: Vec<String> = [
            "mail.log.2.gz",
            "mail.log",
            "mail.log.10.gz",
            "mail.log.1",
            "mail.err",
            "mail.log.bak",
            "maillog-20261201",
            "maillog-20261115.gz",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let paths: Vec<String> = family("/var/log/mail.log", &names)
            .into_iter()
            .map(|f| f.path)
            .collect();
        assert_eq!(
            paths,
            [
                "/var/log/mail.log",
                "/var/log/mail.log.1",
                "/var/log/mail.log.2.gz",
                "/var/log/mail.log.10.gz"
            ]
        );
        let dated = family("/var/log/maillog", &names);
        assert_eq!(
            dated,
            vec![
                LogFile {
                    path: "/var/log/maillog-20261201".into(),
                    gzip: false
                },
                LogFile {
                    path: "/var/log/maillog-20261115.gz".into(),
                    gzip: true
                }
            ]
        );
    }

    fn ts(text: &str) -> jiff::Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn syslog_year_comes_from_the_anchor() {
        let line_time = LogTime::NoYear {
            month: 12,
            day: 31,
            hour: 23,
            minute: 59,
            second: 1,
        };
        // A December line in a file written in January is from the year before.
        let mut clock = Clock::new(jiff::tz::TimeZone::UTC, ts("2027-01-02T10:00:00Z"));
        assert_eq!(clock.resolve(line_time), Some(ts("2026-12-31T23:59:01Z")));
        // The same line in a file written that December is of that year.
        let mut clock = Clock::new(jiff::tz::TimeZone::UTC, ts("2026-12-31T23:59:30Z"));
        assert_eq!(clock.resolve(line_time), Some(ts("2026-12-31T23:59:01Z")));
        // Local time of the host's zone.
        let zone = jiff::tz::TimeZone::get("Europe/Berlin").unwrap();
        let mut clock = Clock::new(zone, ts("2026-12-04T12:00:00Z"));
        let morning = LogTime::NoYear {
            month: 12,
            day: 4,
            hour: 7,
            minute: 30,
            second: 0,
        };
        assert_eq!(clock.resolve(morning), Some(ts("2026-12-04T06:30:00Z")));
        // Feb 29 goes back to the last leap year.
        let mut clock = Clock::new(jiff::tz::TimeZone::UTC, ts("2027-03-01T00:00:00Z"));
        let leap = LogTime::NoYear {
            month: 2,
            day: 29,
            hour: 0,
            minute: 0,
            second: 0,
        };
        assert_eq!(clock.resolve(leap), Some(ts("2024-02-29T00:00:00Z")));
    }

    #[test]
    fn own_domains_match_subdomains_only_at_a_dot() {
        let scanner = Scanner::new(
            ts("2026-12-03T00:00:00Z"),
            ts("2026-12-04T00:00:00Z"),
            jiff::tz::TimeZone::UTC,
            &["shop.example".to_string()],
            5,
        );
        assert!(scanner.is_own("shop.example"));
        assert!(scanner.is_own("Web1.SHOP.example"));
        assert!(!scanner.is_own("myshop.example"));
        assert!(!scanner.is_own("example"));
    }

    fn verdict_of(log: &str) -> Outcome {
        let mut scanner = Scanner::new(
            ts("2026-12-03T12:00:00Z"),
            ts("2026-12-04T12:00:00Z"),
            jiff::tz::TimeZone::UTC,
            &["shop.example".to_string()],
            5,
        );
        let (_, result) = scanner.read(
            log.as_bytes(),
            "/var/log/mail.log",
            ts("2026-12-04T12:00:00Z"),
        );
        assert!(result.is_ok());
        decide(
            &Params::default(),
            &scanner,
            &["/var/log/mail.log".to_string()],
            &FileReport::default(),
            &[],
            "UTC",
        )
    }

    #[test]
    fn greylisting_and_unknown_users_are_not_the_reputation_pattern() {
        let log = "\
Dec  4 07:00:00 h postfix/smtp[1]: A1: to=<a@shop.example>, relay=mx.shop.example[192.0.2.1]:25, dsn=2.0.0, status=sent (250 ok)
Dec  4 07:00:01 h postfix/smtp[1]: A2: to=<b@other.example>, relay=mx.other.example[192.0.2.2]:25, dsn=4.7.1, status=deferred (host mx.other.example[192.0.2.2] said: 450 4.7.1 Greylisted, please try again later (in reply to RCPT TO command))
Dec  4 07:00:02 h postfix/smtp[1]: A3: to=<c@third.example>, relay=mx.third.example[192.0.2.3]:25, dsn=5.1.1, status=bounced (host mx.third.example[192.0.2.3] said: 550 5.1.1 <c@third.example>: Recipient address rejected: User unknown (in reply to RCPT TO command))
";
        let outcome = verdict_of(log);
        assert_eq!(outcome.verdict, Verdict::Pass, "{}", outcome.summary);
        assert!(!outcome.summary.contains("own domain delivers"));

        // Policy rejections of every external domain are.
        let log = "\
Dec  4 07:00:00 h postfix/smtp[1]: A1: to=<a@shop.example>, relay=mx.shop.example[192.0.2.1]:25, dsn=2.0.0, status=sent (250 ok)
Dec  4 07:00:01 h postfix/smtp[1]: A2: to=<b@other.example>, relay=mx.other.example[192.0.2.2]:25, dsn=5.7.1, status=bounced (host mx.other.example[192.0.2.2] said: 550 5.7.1 Message rejected (in reply to RCPT TO command))
";
        let outcome = verdict_of(log);
        assert_eq!(outcome.verdict, Verdict::Fail, "{}", outcome.summary);
        assert!(
            outcome
                .summary
                .starts_with("own domain delivers, external domains are rejected")
        );
    }

    #[test]
    fn journal_output_is_scanned_like_a_log() {
        let output = concat!(
            r#"{"__REALTIME_TIMESTAMP":"1796369401000000","SYSLOG_IDENTIFIER":"postfix/smtp","MESSAGE":"3F2A1C0123: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=1, dsn=5.7.1, status=bounced (host mx.b.example[192.0.2.1] said: 554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org)"}"#,
            "\n{broken json\n",
            r#"{"__REALTIME_TIMESTAMP":"1796369402000000","SYSLOG_IDENTIFIER":"postfix/smtp","MESSAGE":"3F2A1C0124: to=<c@shop.example>, relay=mx.shop.example[192.0.2.2]:25, delay=1, dsn=2.0.0, status=sent (250 ok)"}"#,
            "\n"
        );
        let mut scanner = Scanner::new(
            ts("2026-12-03T00:00:00Z"),
            ts("2026-12-05T00:00:00Z"),
            jiff::tz::TimeZone::UTC,
            &["shop.example".to_string()],
            5,
        );
        scanner.read_journal(output.as_bytes(), "journald").unwrap();
        let stats = &scanner.stats;
        assert_eq!((stats.sent, stats.bounced, stats.lines_read), (1, 1, 3));
        assert_eq!(stats.category(Category::HostReputation), 1);
        assert_eq!(stats.reputation_failures[0].source, "journald:1");
        assert!(stats.by_domain["shop.example"].own);
    }

    #[test]
    fn journal_records_become_syslog_messages() {
        let json = br#"{"__REALTIME_TIMESTAMP":"1796369401000000","SYSLOG_IDENTIFIER":"postfix/smtp","MESSAGE":"3F2A1C0123: to=<a@b.example>, relay=mx.b.example[192.0.2.1]:25, delay=1, dsn=5.7.1, status=bounced (host mx.b.example[192.0.2.1] said: 554 5.7.1 blocked)"}"#;
        let (time, program, message) = journal_entry(json).unwrap();
        assert_eq!(program, "postfix/smtp");
        let record = maillog::parse_message(time, &program, &message).unwrap();
        match record {
            Record::Delivery(d) => assert_eq!(d.status, DeliveryStatus::Bounced),
            other => panic!("{other:?}"),
        }
        let bytes = br#"{"__REALTIME_TIMESTAMP":"1","SYSLOG_IDENTIFIER":"sm-mta","MESSAGE":[113,58,32,255]}"#;
        assert_eq!(journal_entry(bytes).unwrap().2, "q: \u{fffd}");
        assert!(journal_entry(b"{not json").is_none());
    }
}
