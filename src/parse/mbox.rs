//! Streaming reader of Unix mbox files (`/var/mail/<user>`): splits on `From ` separator
//! lines and yields one message at a time, with bounded memory per message.
//!
//! Decisions, so that hostile or odd mailboxes never blow up:
//! - A separator is a line starting with `From ` that is the first line of the file or
//!   follows an empty line and carries a time of day (mboxo/mboxrd writers always put a
//!   blank line before it and a date in it; a body line that
//!   merely starts with "From " after text is therefore not a split). CRLF is accepted.
//! - A message larger than `max_message_bytes` (including one line of several MB) is not
//!   kept: it is reported as [`MboxItem::Oversize`] and counted by the caller as skipped;
//!   reading carries on at the next separator. Memory stays at most one message's cap.
//! - A file that does not start with a `From ` line: when it starts like a mail header
//!   (`Name: value`), the text up to the first separator is yielded as one message with
//!   `envelope: None` (a single message saved without mbox framing); otherwise it is
//!   yielded as [`MboxItem::Garbage`] so the caller can report it.
//! - Bytes are not decoded here: non-UTF-8 content goes through untouched.
//! - Reading stops at the end of file as seen when it is reached: a mailbox being appended
//!   to yields the messages complete so far plus a possibly truncated last one.

use std::io::{self, BufRead};

/// The default per-message cap (bytes).
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// One item of an mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MboxItem {
    Message(MboxMessage),
    /// A message over the size cap: not kept.
    Oversize {
        /// 1-based line number of its separator.
        line: u64,
        envelope: Option<String>,
        bytes: u64,
    },
    /// Leading text that is neither an mbox separator nor a mail header.
    Garbage {
        line: u64,
        bytes: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MboxMessage {
    /// 1-based line number of the separator (or of the first line, without one).
    pub line: u64,
    /// The separator line without `From ` and the line ending (`sender asctime-date`).
    pub envelope: Option<String>,
    /// The raw message (headers and body), separator excluded, `>From ` left as is.
    pub raw: Vec<u8>,
}

/// Iterator over the items of an mbox stream.
pub struct MboxReader<R> {
    reader: R,
    max_message_bytes: usize,
    line_number: u64,
    /// The separator line that starts the next message, already read.
    pending_separator: Option<(u64, String)>,
    /// Whether the previous line was empty (a separator may follow).
    previous_blank: bool,
    started: bool,
    finished: bool,
    line: Vec<u8>,
    error: Option<io::Error>,
}

impl<R: BufRead> MboxReader<R> {
    pub fn new(reader: R, max_message_bytes: usize) -> Self {
        MboxReader {
            reader,
            max_message_bytes,
            line_number: 0,
            pending_separator: None,
            previous_blank: true,
            started: false,
            finished: false,
            line: Vec::new(),
            error: None,
        }
    }

    /// An I/O error that ended the iteration early, if any.
    pub fn take_error(&mut self) -> Option<io::Error> {
        self.error.take()
    }

    /// Lines read so far.
    pub fn lines_read(&self) -> u64 {
        self.line_number
    }

    /// Reads one line into `self.line`, keeping at most `cap` bytes of it (the rest is
    /// consumed and dropped). Returns (bytes consumed, kept whole); 0 at end of file.
    fn read_line_capped(&mut self, cap: usize) -> io::Result<(u64, bool)> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let result = self.read_line_into(&mut line, cap);
        self.line = line;
        result
    }

    /// Appends one line to `buf`, at most `cap` bytes of it (the rest is consumed and
    /// dropped). Returns (bytes consumed, kept whole); 0 at end of file.
    fn read_line_into(&mut self, buf: &mut Vec<u8>, cap: usize) -> io::Result<(u64, bool)> {
        let start = buf.len();
        let mut consumed: u64 = 0;
        let mut whole = true;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', available) {
                Some(at) => (at + 1, true),
                None => (available.len(), false),
            };
            let room = cap.saturating_sub(buf.len() - start);
            if take <= room {
                buf.extend_from_slice(&available[..take]);
            } else {
                buf.extend_from_slice(&available[..room]);
                whole = false;
            }
            self.reader.consume(take);
            consumed += take as u64;
            if done {
                break;
            }
        }
        if consumed > 0 {
            self.line_number += 1;
        }
        Ok((consumed, whole))
    }

    fn is_separator(&self) -> bool {
        self.previous_blank && self.line.starts_with(b"From ") && has_time_of_day(&self.line)
    }

    fn envelope_of(line: &[u8]) -> String {
        let text = String::from_utf8_lossy(&line[5..]);
        text.trim_end_matches(['\r', '\n']).to_string()
    }

    fn next_item(&mut self) -> io::Result<Option<MboxItem>> {
        // Separator lines are short; a huge "From " line is just an oversize message.
        const SEPARATOR_CAP: usize = 4096;
        let (start_line, envelope) = if let Some(pending) = self.pending_separator.take() {
            (pending.0, Some(pending.1))
        } else if !self.started {
            self.started = true;
            let (n, _) = self.read_line_capped(SEPARATOR_CAP)?;
            if n == 0 {
                return Ok(None);
            }
            if self.line.starts_with(b"From ") {
                (self.line_number, Some(Self::envelope_of(&self.line)))
            } else {
                // No framing: the first line is part of the message (or garbage).
                return self.unframed_first();
            }
        } else {
            return Ok(None);
        };
        self.started = true;
        self.previous_blank = false;
        // Lines are read straight into the message buffer (one copy); the last line is
        // looked at in place to tell a separator.
        let mut raw = Vec::with_capacity(16 * 1024);
        let mut total: u64 = 0;
        let mut oversize = false;
        loop {
            let cap = if oversize {
                SEPARATOR_CAP
            } else {
                self.max_message_bytes
                    .saturating_sub(raw.len())
                    .max(SEPARATOR_CAP)
            };
            let start = raw.len();
            let (n, whole) = self.read_line_into(&mut raw, cap)?;
            if n == 0 {
                self.finished = true;
                break;
            }
            let line = &raw[start..];
            if self.previous_blank && line.starts_with(b"From ") && has_time_of_day(line) {
                self.pending_separator = Some((self.line_number, Self::envelope_of(line)));
                self.previous_blank = false;
                raw.truncate(start);
                break;
            }
            self.previous_blank = line == b"\n" || line == b"\r\n";
            total += n;
            if oversize {
                raw.truncate(start);
            } else if !whole || raw.len() > self.max_message_bytes {
                oversize = true;
                raw = Vec::new();
            }
        }
        if oversize {
            return Ok(Some(MboxItem::Oversize {
                line: start_line,
                envelope,
                bytes: total,
            }));
        }
        // The blank line before the next separator belongs to the framing.
        if self.pending_separator.is_some() {
            if raw.ends_with(b"\r\n\r\n") {
                raw.truncate(raw.len() - 2);
            } else if raw.ends_with(b"\n\n") {
                raw.truncate(raw.len() - 1);
            }
        }
        Ok(Some(MboxItem::Message(MboxMessage {
            line: start_line,
            envelope,
            raw,
        })))
    }

    /// The file does not start with `From `: read up to the first separator as one message
    /// when it looks like a mail header, else as garbage.
    fn unframed_first(&mut self) -> io::Result<Option<MboxItem>> {
        let looks_like_header = header_line(&self.line);
        let mut raw = self.line.clone();
        let mut total = raw.len() as u64;
        let mut oversize = raw.len() >= self.max_message_bytes;
        self.previous_blank = self.line == b"\n" || self.line == b"\r\n";
        loop {
            let cap = self.max_message_bytes.saturating_sub(raw.len()).max(4096);
            let (n, whole) = self.read_line_capped(cap)?;
            if n == 0 {
                self.finished = true;
                break;
            }
            if self.is_separator() {
                self.pending_separator = Some((self.line_number, Self::envelope_of(&self.line)));
                break;
            }
            self.previous_blank = self.line == b"\n" || self.line == b"\r\n";
            total += n;
            if !oversize {
                if !whole || raw.len() + self.line.len() > self.max_message_bytes {
                    oversize = true;
                    raw = Vec::new();
                } else {
                    raw.extend_from_slice(&self.line);
                }
            }
        }
        Ok(Some(if !looks_like_header {
            MboxItem::Garbage {
                line: 1,
                bytes: total,
            }
        } else if oversize {
            MboxItem::Oversize {
                line: 1,
                envelope: None,
                bytes: total,
            }
        } else {
            MboxItem::Message(MboxMessage {
                line: 1,
                envelope: None,
                raw,
            })
        }))
    }
}

/// An envelope line carries a time of day (`07:30`); "From me" in a body does not.
fn has_time_of_day(line: &[u8]) -> bool {
    line.windows(4).any(|w| {
        w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit() && w[3].is_ascii_digit()
    })
}

/// `Name: value` with a header field name (RFC 5322 ftext).
fn header_line(line: &[u8]) -> bool {
    match line.iter().position(|&b| b == b':') {
        Some(0) | None => false,
        Some(colon) => line[..colon].iter().all(|&b| (33..=126).contains(&b)),
    }
}

impl<R: BufRead> Iterator for MboxReader<R> {
    type Item = MboxItem;

    fn next(&mut self) -> Option<MboxItem> {
        if self.finished && self.pending_separator.is_none() {
            return None;
        }
        match self.next_item() {
            Ok(item) => item,
            Err(e) => {
                self.error = Some(e);
                self.finished = true;
                self.pending_separator = None;
                None
            }
        }
    }
}

/// The date of an mbox envelope (`sender Fri Dec  4 07:30:01 2026`, asctime as written by
/// MTAs and MDAs, optionally with a zone or `remote from`), as a timestamp (local times
/// taken as UTC: the window has a day of slack anyway).
pub fn envelope_date(envelope: &str) -> Option<jiff::Timestamp> {
    let tokens: Vec<&str> = envelope.split_whitespace().collect();
    // Find "Mon DD HH:MM[:SS] ... YYYY" starting at a month name.
    for (i, token) in tokens.iter().enumerate() {
        let Some(month) = month_number(token) else {
            continue;
        };
        let day: i8 = tokens.get(i + 1)?.parse().ok()?;
        let time = tokens.get(i + 2)?;
        let mut parts = time.split(':');
        let hour: i8 = parts.next()?.parse().ok()?;
        let minute: i8 = parts.next()?.parse().ok()?;
        let second: i8 = parts.next().map(|s| s.parse().ok()).unwrap_or(Some(0))?;
        let year: i16 = tokens[i + 3..]
            .iter()
            .take(3)
            .find_map(|t| t.parse::<i16>().ok().filter(|y| *y > 1900))?;
        let datetime = jiff::civil::Date::new(year, month, day)
            .ok()?
            .to_datetime(jiff::civil::Time::new(hour, minute, second, 0).ok()?);
        return jiff::tz::TimeZone::UTC.to_timestamp(datetime).ok();
    }
    None
}

fn month_number(token: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(token))
        .map(|i| i as i8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &[u8], cap: usize) -> Vec<MboxItem> {
        MboxReader::new(input, cap).collect()
    }

    fn message(item: &MboxItem) -> &MboxMessage {
        match item {
            MboxItem::Message(m) => m,
            other => panic!("not a message: {other:?}"),
        }
    }

    #[test]
    fn splits_on_separators_after_blank_lines_only() {
        let input = b"From a@b.example Fri Dec  4 07:30:01 2026\nSubject: one\n\nbody\nFrom here on, not a separator\n\nFrom c@d.example Sat Dec  5 08:00:00 2026\nSubject: two\n\nx\n";
        let got = items(input, 1 << 20);
        assert_eq!(got.len(), 2);
        let first = message(&got[0]);
        assert_eq!(first.line, 1);
        assert_eq!(
            first.envelope.as_deref(),
            Some("a@b.example Fri Dec  4 07:30:01 2026")
        );
        assert_eq!(
            first.raw,
            b"Subject: one\n\nbody\nFrom here on, not a separator\n".to_vec()
        );
        let second = message(&got[1]);
        assert_eq!(second.line, 7);
        assert_eq!(second.raw, b"Subject: two\n\nx\n".to_vec());
    }

    #[test]
    fn crlf_and_non_utf8_pass_through() {
        let input = b"From a Fri Dec  4 07:30:01 2026\r\nSubject: \xff\xfe\r\n\r\nbody\r\n\r\nFrom b Fri Dec  4 07:30:02 2026\r\nX: y\r\n";
        let got = items(input, 1 << 20);
        assert_eq!(got.len(), 2);
        assert_eq!(
            message(&got[0]).raw,
            b"Subject: \xff\xfe\r\n\r\nbody\r\n".to_vec()
        );
        assert_eq!(
            message(&got[1]).envelope.as_deref(),
            Some("b Fri Dec  4 07:30:02 2026")
        );
    }

    #[test]
    fn oversize_messages_and_huge_lines_are_skipped_with_bounded_memory() {
        let mut input = b"From a Fri Dec  4 07:30:01 2026\nSubject: big\n\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 3_000_000));
        input.extend_from_slice(b"\n\nFrom b Fri Dec  4 07:30:02 2026\nSubject: small\n\nok\n");
        let got = items(&input, 64 * 1024);
        assert_eq!(got.len(), 2);
        match &got[0] {
            MboxItem::Oversize { line, bytes, .. } => {
                assert_eq!(*line, 1);
                assert!(*bytes > 3_000_000);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(message(&got[1]).raw, b"Subject: small\n\nok\n".to_vec());
    }

    #[test]
    fn file_without_separator_is_one_message_when_it_starts_with_a_header() {
        let got = items(b"Subject: hi\nFrom: x@y.example\n\nFrom me\n", 1 << 20);
        assert_eq!(got.len(), 1);
        let m = message(&got[0]);
        assert_eq!(m.envelope, None);
        assert_eq!(
            m.raw,
            b"Subject: hi\nFrom: x@y.example\n\nFrom me\n".to_vec()
        );

        let got = items(b"\x00\x01binary junk\nmore\n", 1 << 20);
        assert!(matches!(got[0], MboxItem::Garbage { line: 1, bytes: 19 }));
        assert!(items(b"", 1024).is_empty());
    }

    #[test]
    fn truncated_last_message_is_yielded() {
        let got = items(b"From a Fri Dec  4 07:30:01 2026\nSubject: half", 1024);
        assert_eq!(message(&got[0]).raw, b"Subject: half".to_vec());
    }

    #[test]
    fn envelope_dates() {
        let ts = envelope_date("MAILER-DAEMON Fri Dec  4 07:30:01 2026").unwrap();
        assert_eq!(ts.to_string(), "2026-12-04T07:30:01Z");
        let ts = envelope_date("a@b Thu Dec  3 10:00:00 +0100 2026").unwrap();
        assert_eq!(ts.to_string(), "2026-12-03T10:00:00Z");
        assert_eq!(envelope_date("garbage"), None);
        assert_eq!(envelope_date("a Fri Feb 31 07:30:01 2026"), None);
    }
}
