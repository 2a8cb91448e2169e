//! hosts_access(5) and hosts_options(5): parses `/etc/hosts.allow` and `/etc/hosts.deny`
//! and decides, as libwrap does, whether a (daemon, client) request is granted.
//!
//! Pure: text in, rules out; request in, decision out. The only outside knowledge the
//! evaluator needs, the contents of `/path` pattern files, comes through a callback.
//!
//! Semantics follow tcp_wrappers 7.6 as shipped by Debian, RHEL and FreeBSD:
//! - a logical line is physical lines joined at backslash-newline; text after an unescaped
//!   `#` is a comment; a line without a trailing newline (the last one of a file) or longer
//!   than libwrap's 2048-byte buffer is not used by libwrap;
//! - `daemon_list : client_list [ : option : option ... ]`, fields split at `:` outside
//!   `[...]`, list items separated by blanks and/or commas, keywords case-insensitive;
//! - `a b EXCEPT c d EXCEPT e` = `(a or b) and not ((c or d) and not e)`;
//! - access is granted on the first hosts.allow match, denied on the first hosts.deny
//!   match, otherwise granted; the options `allow`/`deny` override the file, `twist`
//!   replaces the daemon, a bad option makes libwrap refuse the client.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// libwrap reads a logical line into a 2048-byte buffer (`BUFLEN`); longer lines are cut
/// into pieces it skips or misreads, so their effect cannot be predicted.
pub const LIBWRAP_LINE_BUFFER: usize = 2048;

/// How deep `/path` pattern files may include each other before we give up.
const MAX_PATTERN_FILE_DEPTH: usize = 4;

/// Which of the two access control files a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Allow,
    Deny,
}

impl Table {
    pub fn path(self) -> &'static str {
        match self {
            Table::Allow => "/etc/hosts.allow",
            Table::Deny => "/etc/hosts.deny",
        }
    }
}

/// One parsed access control file.
#[derive(Debug, Clone, PartialEq)]
pub struct AccessTable {
    pub table: Table,
    /// Rules and lines of unpredictable effect, in file order.
    pub entries: Vec<Entry>,
    /// Lines libwrap itself ignores (with its warning), and other remarks: the first
    /// [`MAX_WARNINGS`] (and always the last line's).
    pub warnings: Vec<LineNote>,
    /// How many warnings there were in all.
    pub warnings_total: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Rule(Rule),
    /// A line we could not read as libwrap would (garbage bytes, over-long): it might grant
    /// or deny anything.
    Unreadable(LineNote),
}

/// A remark about a line: `line` is the first physical line (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineNote {
    pub line: usize,
    pub message: String,
}

/// `daemon_list : client_list [: options]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// First physical line of the rule (1-based).
    pub line: usize,
    /// Last physical line, when backslash continuation made the rule longer.
    pub last_line: usize,
    /// The logical line without its comment, continuation joined, blanks trimmed.
    pub text: String,
    pub daemons: PatternList<DaemonPattern>,
    pub clients: PatternList<ClientPattern>,
    pub options: Vec<RuleOption>,
    /// A mistake in the options field: libwrap refuses the client when this rule matches.
    pub option_error: Option<String>,
}

impl Rule {
    /// `12` or `12-13` for a continued rule.
    pub fn lines(&self) -> String {
        if self.last_line > self.line {
            format!("{}-{}", self.line, self.last_line)
        } else {
            self.line.to_string()
        }
    }
}

/// `item item ... [EXCEPT list]`, right-nested.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternList<P> {
    pub items: Vec<P>,
    pub except: Option<Box<PatternList<P>>>,
}

/// `daemon` or `daemon@host` (the host is the server endpoint the client connected to).
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonPattern {
    pub daemon: StringPattern,
    pub server: Option<HostPattern>,
}

/// `host` or `user@host` (the user comes from an ident (RFC 931) lookup).
#[derive(Debug, Clone, PartialEq)]
pub struct ClientPattern {
    pub user: Option<StringPattern>,
    pub host: HostPattern,
}

/// libwrap's `string_match`: daemon names, user names, and host names or addresses.
#[derive(Debug, Clone, PartialEq)]
pub enum StringPattern {
    All,
    /// Anything but `unknown`.
    Known,
    /// `.example.com`: a strict suffix.
    Suffix(String),
    /// `192.0.2.`: a prefix.
    Prefix(String),
    /// `*` and `?` wildcards (Debian/Red Hat extension).
    Wildcard(String),
    /// `[2001:db8::1]`.
    Ipv6(Ipv6Addr),
    /// Anything else, compared case-insensitively (`UNKNOWN` and `PARANOID` included:
    /// libwrap stores an unresolved name as "unknown" and an unverified one as "paranoid").
    Exact(String),
}

/// libwrap's `host_match`.
#[derive(Debug, Clone, PartialEq)]
pub enum HostPattern {
    /// `@group`: NIS netgroup, needs the netgroup database.
    Netgroup(String),
    /// `/path`: whitespace-separated host patterns read from a file.
    File(String),
    /// Address and name both known.
    Known,
    /// A known name without a dot.
    Local,
    /// `n.n.n.n/m.m.m.m` or `n.n.n.n/len`.
    Net4 { net: Ipv4Addr, mask: Ipv4Addr },
    /// `[v6]/len`.
    Net6 { net: Ipv6Addr, prefix: u8 },
    /// A `/`-pattern libwrap cannot read: matches nothing.
    BadNet(String),
    /// Compared with the address, and with the name unless it looks like an address.
    Other {
        pattern: StringPattern,
        also_name: bool,
    },
}

/// One option of the third and later fields (hosts_options(5)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOption {
    pub keyword: String,
    pub value: Option<String>,
}

impl RuleOption {
    fn is(&self, keyword: &str) -> bool {
        self.keyword.eq_ignore_ascii_case(keyword)
    }
}

/// hosts_options(5) keywords: (name, takes a value: Some(true) required / Some(false)
/// forbidden / None optional, must be last).
const OPTIONS: [(&str, Option<bool>, bool); 14] = [
    ("user", Some(true), false),
    ("group", Some(true), false),
    ("umask", Some(true), false),
    ("linger", Some(true), false),
    ("keepalive", Some(false), false),
    ("spawn", Some(true), false),
    ("twist", Some(true), true),
    ("rfc931", None, false),
    ("setenv", Some(true), false),
    ("nice", None, false),
    ("severity", Some(true), false),
    ("allow", Some(false), true),
    ("deny", Some(false), true),
    ("banners", Some(true), false),
];

/// Warnings kept per table, at most (a hostile file may hold hundreds of thousands).
pub const MAX_WARNINGS: usize = 100;

impl AccessTable {
    fn warn(&mut self, line: usize, message: impl FnOnce() -> String) {
        self.warnings_total += 1;
        if self.warnings.len() < MAX_WARNINGS {
            self.warnings.push(LineNote {
                line,
                message: message(),
            });
        }
    }
}

/// Parses one access control file.
pub fn parse(table: Table, text: &str) -> AccessTable {
    let mut result = AccessTable {
        table,
        entries: Vec::new(),
        warnings: Vec::new(),
        warnings_total: 0,
    };
    for logical in LogicalLines::new(text) {
        let first = logical.first_line;
        // fgets needs room for the text, its newline and a NUL.
        if logical.length + 2 > LIBWRAP_LINE_BUFFER {
            result.entries.push(Entry::Unreadable(LineNote {
                line: first,
                message: format!(
                    "line of {} bytes exceeds libwrap's {LIBWRAP_LINE_BUFFER}-byte buffer: libwrap reads it in pieces, with unpredictable effect",
                    logical.length
                ),
            }));
            continue;
        }
        // Only the rule part counts: a Latin-1 name in a comment is harmless.
        let content = strip_comment(&logical.text);
        if let Some(bad) = content.chars().find(|&c| is_garbage(c)) {
            result.entries.push(Entry::Unreadable(LineNote {
                line: first,
                message: format!(
                    "line holds bytes that are not text ({}): not evaluated",
                    describe_char(bad)
                ),
            }));
            continue;
        }
        if content.trim_matches([' ', '\t', '\r', '\n']).is_empty() {
            continue;
        }
        if !logical.terminated {
            // Kept beyond the cap: it is the one warning that changes what libwrap does.
            result.warnings_total += 1;
            result.warnings.push(LineNote {
                line: first,
                message: format!(
                    "no newline at the end of the file: libwrap ignores this last line ({})",
                    content.trim()
                ),
            });
            continue;
        }
        match parse_rule(content) {
            Ok(mut rule) => {
                rule.line = first;
                rule.last_line = logical.last_line;
                for warning in rule_warnings(&rule) {
                    result.warn(first, || warning);
                }
                result.entries.push(Entry::Rule(rule));
            }
            Err(message) => result.warn(first, || message),
        }
    }
    result
}

impl AccessTable {
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Rule(rule) => Some(rule),
            Entry::Unreadable(_) => None,
        })
    }
}

struct LogicalLine {
    first_line: usize,
    last_line: usize,
    /// The text, cut at a bound once it is already too long for libwrap.
    text: String,
    /// The real length in bytes, continuation joined.
    length: usize,
    /// Ended by a newline (libwrap skips a line that is not).
    terminated: bool,
}

/// Joins backslash-newline continuations, as libwrap's `xgets` does (no blank inserted).
/// Streams; memory stays bounded on hostile input: past twice libwrap's buffer only the
/// length counts.
struct LogicalLines<'a> {
    rest: &'a str,
    line_number: usize,
}

impl<'a> LogicalLines<'a> {
    fn new(text: &'a str) -> Self {
        LogicalLines {
            rest: text,
            line_number: 0,
        }
    }
}

impl Iterator for LogicalLines<'_> {
    type Item = LogicalLine;

    fn next(&mut self) -> Option<LogicalLine> {
        if self.rest.is_empty() {
            return None;
        }
        let keep = LIBWRAP_LINE_BUFFER * 2;
        let mut text = String::new();
        let mut length = 0;
        let first_line = self.line_number + 1;
        while !self.rest.is_empty() {
            let (physical, terminated) = match self.rest.find('\n') {
                Some(end) => {
                    let line = &self.rest[..end];
                    self.rest = &self.rest[end + 1..];
                    (line, true)
                }
                None => (std::mem::take(&mut self.rest), false),
            };
            self.line_number += 1;
            let continued = terminated && physical.ends_with('\\');
            let physical = if continued {
                &physical[..physical.len() - 1]
            } else {
                physical
            };
            length += physical.len();
            let room = keep.saturating_sub(text.len());
            text.push_str(&physical[..floor_char_boundary(physical, room)]);
            if !continued {
                return Some(LogicalLine {
                    first_line,
                    last_line: self.line_number,
                    text,
                    length,
                    terminated,
                });
            }
        }
        // A continuation at the very end of the file.
        Some(LogicalLine {
            first_line,
            last_line: self.line_number,
            text,
            length,
            terminated: false,
        })
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Control characters other than blanks, and what lossy UTF-8 decoding left of bad bytes.
fn is_garbage(c: char) -> bool {
    c == '\u{fffd}' || (c.is_control() && !matches!(c, '\t' | '\r' | '\n' | '\u{c}'))
}

fn describe_char(c: char) -> String {
    if c == '\u{fffd}' {
        "invalid UTF-8".to_string()
    } else {
        format!("control character U+{:04X}", c as u32)
    }
}

/// Text before the first `#` not preceded by a backslash.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (index, &byte) in bytes.iter().enumerate() {
        if byte == b'#' && (index == 0 || bytes[index - 1] != b'\\') {
            return &line[..index];
        }
    }
    line
}

/// libwrap's `split_at`: the text before the first `delimiter` outside `[...]`, and the rest.
fn split_at(text: &str, delimiter: char) -> Option<(&str, &str)> {
    let mut depth: i32 = 0;
    for (index, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            c if c == delimiter && depth == 0 => {
                return Some((&text[..index], &text[index + c.len_utf8()..]));
            }
            _ => {}
        }
    }
    None
}

/// Splits at `delimiter` (outside brackets) but never at the first character, as
/// libwrap's `split_at(tok + 1, '@')` does (so `@netgroup` stays whole).
fn split_after_first(text: &str, delimiter: char) -> Option<(&str, &str)> {
    let first = text.chars().next()?.len_utf8();
    split_at(&text[first..], delimiter)
        .map(|(before, after)| (&text[..first + before.len()], after))
}

fn parse_rule(content: &str) -> Result<Rule, String> {
    let Some((daemon_field, rest)) = split_at(content, ':') else {
        return Err(format!(
            "missing \":\" separator: libwrap ignores this line ({})",
            content.trim()
        ));
    };
    let (client_field, option_field) = match split_at(rest, ':') {
        Some((clients, options)) => (clients, Some(options)),
        None => (rest, None),
    };
    let daemons = parse_list(daemon_field, parse_daemon_pattern);
    let clients = parse_list(client_field, parse_client_pattern);
    let (options, option_error) = match option_field {
        Some(field) => parse_options(field),
        None => (Vec::new(), None),
    };
    Ok(Rule {
        line: 0,
        last_line: 0,
        text: content.trim().to_string(),
        daemons,
        clients,
        options,
        option_error,
    })
}

fn list_tokens(field: &str) -> Vec<&str> {
    field
        .split([',', ' ', '\t', '\r', '\n'])
        .filter(|t| !t.is_empty())
        .collect()
}

fn parse_list<P>(field: &str, parse_item: fn(&str) -> P) -> PatternList<P> {
    let tokens = list_tokens(field);
    build_list(&tokens, parse_item)
}

fn build_list<P>(tokens: &[&str], parse_item: fn(&str) -> P) -> PatternList<P> {
    match tokens.iter().position(|t| t.eq_ignore_ascii_case("EXCEPT")) {
        Some(at) => PatternList {
            items: tokens[..at].iter().map(|t| parse_item(t)).collect(),
            except: Some(Box::new(build_list(&tokens[at + 1..], parse_item))),
        },
        None => PatternList {
            items: tokens.iter().map(|t| parse_item(t)).collect(),
            except: None,
        },
    }
}

fn parse_daemon_pattern(token: &str) -> DaemonPattern {
    match split_after_first(token, '@') {
        Some((daemon, host)) => DaemonPattern {
            daemon: parse_string_pattern(daemon),
            server: Some(parse_host_pattern(host)),
        },
        None => DaemonPattern {
            daemon: parse_string_pattern(token),
            server: None,
        },
    }
}

fn parse_client_pattern(token: &str) -> ClientPattern {
    match split_after_first(token, '@') {
        Some((user, host)) => ClientPattern {
            user: Some(parse_string_pattern(user)),
            host: parse_host_pattern(host),
        },
        None => ClientPattern {
            user: None,
            host: parse_host_pattern(token),
        },
    }
}

/// The order of libwrap's `string_match`.
fn parse_string_pattern(token: &str) -> StringPattern {
    if token.starts_with('.') {
        StringPattern::Suffix(token.to_string())
    } else if token.eq_ignore_ascii_case("ALL") {
        StringPattern::All
    } else if token.eq_ignore_ascii_case("KNOWN") {
        StringPattern::Known
    } else if token.ends_with('.') {
        StringPattern::Prefix(token.to_string())
    } else if token.contains(['*', '?']) {
        StringPattern::Wildcard(token.to_string())
    } else if let Some(inner) = token.strip_prefix('[').and_then(|t| t.strip_suffix(']'))
        && let Ok(address) = inner.parse::<Ipv6Addr>()
    {
        StringPattern::Ipv6(address)
    } else {
        StringPattern::Exact(token.to_string())
    }
}

/// The order of libwrap's `host_match`.
fn parse_host_pattern(token: &str) -> HostPattern {
    if let Some(group) = token.strip_prefix('@') {
        HostPattern::Netgroup(group.to_string())
    } else if token.starts_with('/') {
        HostPattern::File(token.to_string())
    } else if token.eq_ignore_ascii_case("KNOWN") {
        HostPattern::Known
    } else if token.eq_ignore_ascii_case("LOCAL") {
        HostPattern::Local
    } else if let Some((net, mask)) = split_at(token, '/') {
        parse_net(token, net, mask)
    } else {
        // libwrap's NOT_INADDR: a pattern of digits and dots is compared with the address only.
        let also_name = token.chars().any(|c| !c.is_ascii_digit() && c != '.');
        HostPattern::Other {
            pattern: parse_string_pattern(token),
            also_name,
        }
    }
}

fn parse_net(token: &str, net: &str, mask: &str) -> HostPattern {
    if let Some(inner) = net.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return match (inner.parse::<Ipv6Addr>(), mask.parse::<u8>()) {
            (Ok(net), Ok(prefix)) if prefix <= 128 => HostPattern::Net6 { net, prefix },
            _ => HostPattern::BadNet(token.to_string()),
        };
    }
    let Some(net) = dotted_quad(net) else {
        return HostPattern::BadNet(token.to_string());
    };
    if let Some(mask) = dotted_quad(mask) {
        return HostPattern::Net4 { net, mask };
    }
    match mask.parse::<u8>() {
        Ok(len) if len <= 32 && mask.chars().all(|c| c.is_ascii_digit()) => {
            let bits = if len == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(len))
            };
            HostPattern::Net4 {
                net,
                mask: Ipv4Addr::from(bits),
            }
        }
        _ => HostPattern::BadNet(token.to_string()),
    }
}

/// Exactly four decimal components of at most 255 (libwrap's `dot_quad_addr`).
fn dotted_quad(text: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut octets = [0u8; 4];
    for (octet, part) in octets.iter_mut().zip(parts) {
        if part.is_empty() || part.len() > 3 || !part.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    Some(Ipv4Addr::from(octets))
}

/// Splits the options field at unescaped `:` (`\:` is a literal colon) and
/// checks each option as libwrap's `process_options` would when the rule matches.
fn parse_options(field: &str) -> (Vec<RuleOption>, Option<String>) {
    let mut raw = Vec::new();
    let mut current = String::new();
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        match c {
            // Only `\:` is an escape (libwrap's get_field); other backslashes stay.
            '\\' if chars.clone().next() == Some(':') => {
                chars.next();
                current.push(':');
            }
            ':' => raw.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    raw.push(current);

    let mut options = Vec::new();
    let mut error = None;
    let count = raw.len();
    for (index, text) in raw.iter().enumerate() {
        let text = text.trim();
        let split = text.find(|c: char| c.is_whitespace() || c == '=');
        let (keyword, value) = match split {
            Some(at) => {
                let value = text[at..].trim_start();
                let value = value.strip_prefix('=').unwrap_or(value).trim();
                (&text[..at], (!value.is_empty()).then(|| value.to_string()))
            }
            None => (text, None),
        };
        let option = RuleOption {
            keyword: keyword.to_string(),
            value,
        };
        if error.is_none() {
            error = option_problem(&option, index + 1 == count);
        }
        options.push(option);
    }
    (options, error)
}

fn option_problem(option: &RuleOption, last: bool) -> Option<String> {
    if option.keyword.is_empty() {
        return Some("empty option field".to_string());
    }
    let Some((name, value, must_be_last)) = OPTIONS.iter().find(|(name, _, _)| option.is(name))
    else {
        return Some(format!("bad option name: \"{}\"", option.keyword));
    };
    match (value, &option.value) {
        (Some(true), None) => return Some(format!("option \"{name}\" requires a value")),
        (Some(false), Some(_)) => return Some(format!("option \"{name}\" takes no value")),
        _ => {}
    }
    if *must_be_last && !last {
        return Some(format!("option \"{name}\" must be the last option"));
    }
    let value = option.value.as_deref().unwrap_or("");
    let numeric = |text: &str, radix| u32::from_str_radix(text, radix).is_ok();
    let bad_value = match *name {
        "umask" => !numeric(value, 8),
        "linger" => !numeric(value, 10),
        "nice" => !value.is_empty() && value.parse::<i32>().is_err(),
        "rfc931" => !value.is_empty() && !numeric(value, 10),
        _ => false,
    };
    bad_value.then(|| format!("bad value for option \"{name}\": \"{value}\""))
}

/// Remarks about patterns that libwrap accepts but that cannot work as written.
fn rule_warnings(rule: &Rule) -> Vec<String> {
    let mut warnings = Vec::new();
    if rule.daemons.items.is_empty() {
        warnings.push(format!(
            "empty daemon list: this rule matches nothing ({})",
            rule.text
        ));
    }
    if rule.clients.items.is_empty() {
        warnings.push(format!(
            "empty client list: this rule matches nothing ({})",
            rule.text
        ));
    }
    let mut hosts: Vec<&HostPattern> = Vec::new();
    collect_hosts(
        &rule.clients,
        &mut |c: &ClientPattern| vec![&c.host],
        &mut hosts,
    );
    collect_hosts(
        &rule.daemons,
        &mut |d: &DaemonPattern| d.server.iter().collect(),
        &mut hosts,
    );
    for host in hosts {
        match host {
            HostPattern::BadNet(token) => warnings.push(format!(
                "\"{token}\" is not a valid net/mask: it matches nothing"
            )),
            HostPattern::Net4 { net, mask } if u32::from(*net) & !u32::from(*mask) != 0 => {
                warnings.push(format!(
                    "\"{net}/{mask}\" has host bits set outside the mask: libwrap compares (address & mask) with {net}, so it matches nothing"
                ))
            }
            _ => {}
        }
    }
    warnings
}

fn collect_hosts<'a, P>(
    list: &'a PatternList<P>,
    hosts_of: &mut dyn FnMut(&'a P) -> Vec<&'a HostPattern>,
    out: &mut Vec<&'a HostPattern>,
) {
    for item in &list.items {
        out.extend(hosts_of(item));
    }
    if let Some(except) = &list.except {
        collect_hosts(except, hosts_of, out);
    }
}

// ---------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------

/// Three-valued match: a netgroup, an ident lookup or an unreadable pattern file leaves a
/// pattern undetermined. Combined with Kleene logic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match {
    Yes,
    No,
    /// Could match or not; the causes say why we cannot tell.
    Undetermined(Vec<String>),
}

impl Match {
    fn from_bool(value: bool) -> Match {
        if value { Match::Yes } else { Match::No }
    }

    fn undetermined(cause: impl Into<String>) -> Match {
        Match::Undetermined(vec![cause.into()])
    }

    fn or(self, other: impl FnOnce() -> Match) -> Match {
        match self {
            Match::Yes => Match::Yes,
            Match::No => other(),
            Match::Undetermined(mut causes) => match other() {
                Match::Yes => Match::Yes,
                Match::No => Match::Undetermined(causes),
                Match::Undetermined(more) => {
                    causes.extend(more);
                    Match::Undetermined(causes)
                }
            },
        }
    }

    fn and(self, other: impl FnOnce() -> Match) -> Match {
        match self {
            Match::No => Match::No,
            Match::Yes => other(),
            Match::Undetermined(mut causes) => match other() {
                Match::No => Match::No,
                Match::Yes => Match::Undetermined(causes),
                Match::Undetermined(more) => {
                    causes.extend(more);
                    Match::Undetermined(causes)
                }
            },
        }
    }

    fn not(self) -> Match {
        match self {
            Match::Yes => Match::No,
            Match::No => Match::Yes,
            undetermined => undetermined,
        }
    }
}

/// The name libwrap holds for an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostName {
    Known(String),
    /// No name (libwrap's "unknown").
    Unknown,
    /// A name that does not map back to the address (libwrap's "paranoid").
    Paranoid,
}

impl HostName {
    fn as_libwrap_string(&self) -> &str {
        match self {
            HostName::Known(name) => name,
            HostName::Unknown => "unknown",
            HostName::Paranoid => "paranoid",
        }
    }

    fn is_known(&self) -> bool {
        let name = self.as_libwrap_string();
        !name.eq_ignore_ascii_case("unknown") && !name.eq_ignore_ascii_case("paranoid")
    }
}

impl fmt::Display for HostName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostName::Known(name) => f.write_str(name),
            HostName::Unknown => f.write_str("no name (unknown)"),
            HostName::Paranoid => f.write_str("a name that does not map back (paranoid)"),
        }
    }
}

/// One end of the connection as libwrap sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `None`: libwrap's "unknown" (e.g. the server side under `hosts_ctl`).
    pub address: Option<IpAddr>,
    pub name: HostName,
}

impl Endpoint {
    pub fn unknown() -> Endpoint {
        Endpoint {
            address: None,
            name: HostName::Unknown,
        }
    }

    fn address_string(&self) -> String {
        match self.address {
            Some(address) => canonical(address).to_string(),
            None => "unknown".to_string(),
        }
    }
}

/// IPv4-mapped IPv6 addresses are matched as IPv4, as libwrap does.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// A (daemon, client) request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The daemon name the program gives libwrap (`sendmail` for sendmail).
    pub daemon: String,
    pub client: Endpoint,
    pub server: Endpoint,
    /// The client's user name when the program supplies it (`hosts_ctl` passes
    /// "unknown"); `None` when libwrap would ask the client's ident server.
    pub user: Option<String>,
}

/// The contents of a `/path` pattern file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternFile {
    /// libwrap silently treats a missing file as matching nothing.
    Missing,
    Text(String),
    /// Exists but could not be read by us: its effect is undetermined.
    Unreadable(String),
}

/// What the evaluator may ask the outside world.
pub trait Lookup {
    fn pattern_file(&self, path: &str) -> PatternFile;
}

impl<F: Fn(&str) -> PatternFile> Lookup for F {
    fn pattern_file(&self, path: &str) -> PatternFile {
        self(path)
    }
}

/// A lookup for tests and callers that have no pattern files.
pub fn no_pattern_files(_path: &str) -> PatternFile {
    PatternFile::Missing
}

fn string_match(pattern: &StringPattern, text: &str) -> bool {
    // libwrap turns "::ffff:a.b.c.d" into "a.b.c.d" before matching.
    let text = match text.get(..7) {
        Some(prefix)
            if prefix.eq_ignore_ascii_case("::ffff:") && dotted_quad(&text[7..]).is_some() =>
        {
            &text[7..]
        }
        _ => text,
    };
    match pattern {
        StringPattern::All => true,
        StringPattern::Known => !text.eq_ignore_ascii_case("unknown"),
        StringPattern::Suffix(suffix) => {
            text.len() > suffix.len()
                && text.is_char_boundary(text.len() - suffix.len())
                && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
        }
        StringPattern::Prefix(prefix) => text
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix)),
        StringPattern::Wildcard(pattern) => wildcard_match(pattern, text),
        StringPattern::Ipv6(address) => text.parse::<Ipv6Addr>().is_ok_and(|a| a == *address),
        StringPattern::Exact(exact) => exact.eq_ignore_ascii_case(text),
    }
}

/// `*` any run, `?` one character; case-insensitive like host names.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.to_lowercase().chars().collect();
    let text: Vec<char> = text.to_lowercase().chars().collect();
    let (mut p, mut t) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            backtrack = Some((p, t));
            p += 1;
        } else if let Some((star, matched)) = backtrack {
            p = star + 1;
            t = matched + 1;
            backtrack = Some((star, matched + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

fn host_match(pattern: &HostPattern, host: &Endpoint, lookup: &dyn Lookup, depth: usize) -> Match {
    match pattern {
        HostPattern::Netgroup(group) => Match::undetermined(format!(
            "@{group} is a NIS netgroup: its members cannot be read from the host's files"
        )),
        HostPattern::File(path) => file_match(path, host, lookup, depth),
        HostPattern::Known => Match::from_bool(host.address.is_some() && host.name.is_known()),
        HostPattern::Local => {
            Match::from_bool(host.name.is_known() && !host.name.as_libwrap_string().contains('.'))
        }
        HostPattern::Net4 { net, mask } => {
            let address = host.address.map(canonical);
            Match::from_bool(matches!(address, Some(IpAddr::V4(a))
                if u32::from(a) & u32::from(*mask) == u32::from(*net)))
        }
        HostPattern::Net6 { net, prefix } => {
            let address = host.address.map(canonical);
            Match::from_bool(matches!(address, Some(IpAddr::V6(a))
                if masked6(a, *prefix) == masked6(*net, *prefix)))
        }
        HostPattern::BadNet(_) => Match::No,
        HostPattern::Other { pattern, also_name } => Match::from_bool(
            string_match(pattern, &host.address_string())
                || (*also_name && string_match(pattern, host.name.as_libwrap_string())),
        ),
    }
}

fn masked6(address: Ipv6Addr, prefix: u8) -> u128 {
    let bits = u128::from(address);
    if prefix == 0 {
        0
    } else {
        bits & (u128::MAX << (128 - u32::from(prefix)))
    }
}

fn file_match(path: &str, host: &Endpoint, lookup: &dyn Lookup, depth: usize) -> Match {
    if depth >= MAX_PATTERN_FILE_DEPTH {
        return Match::undetermined(format!(
            "{path}: pattern files nested more than {MAX_PATTERN_FILE_DEPTH} deep"
        ));
    }
    match lookup.pattern_file(path) {
        PatternFile::Missing => Match::No,
        PatternFile::Unreadable(reason) => Match::undetermined(reason),
        PatternFile::Text(text) => {
            let mut result = Match::No;
            for token in text.split_whitespace() {
                let pattern = parse_host_pattern(token);
                result = result.or(|| host_match(&pattern, host, lookup, depth + 1));
                if result == Match::Yes {
                    break;
                }
            }
            result
        }
    }
}

fn list_match<P>(list: &PatternList<P>, item_match: &dyn Fn(&P) -> Match) -> Match {
    let mut any = Match::No;
    for item in &list.items {
        any = any.or(|| item_match(item));
        if any == Match::Yes {
            break;
        }
    }
    match &list.except {
        Some(except) => any.and(|| list_match(except, item_match).not()),
        None => any,
    }
}

fn daemon_match(pattern: &DaemonPattern, request: &Request, lookup: &dyn Lookup) -> Match {
    Match::from_bool(string_match(&pattern.daemon, &request.daemon)).and(|| match &pattern.server {
        Some(server) => host_match(server, &request.server, lookup, 0),
        None => Match::Yes,
    })
}

fn client_match(pattern: &ClientPattern, request: &Request, lookup: &dyn Lookup) -> Match {
    host_match(&pattern.host, &request.client, lookup, 0).and(|| match &pattern.user {
        None => Match::Yes,
        Some(StringPattern::All) => Match::Yes,
        Some(user_pattern) => match &request.user {
            Some(user) => Match::from_bool(string_match(user_pattern, user)),
            None => Match::undetermined(
                "a user@host pattern needs an ident (RFC 931) lookup of the client".to_string(),
            ),
        },
    })
}

/// Does the rule match the request? The daemon list is decided first, as libwrap does.
pub fn rule_match(rule: &Rule, request: &Request, lookup: &dyn Lookup) -> RuleMatch {
    let daemons = list_match(&rule.daemons, &|p| daemon_match(p, request, lookup));
    let clients = match daemons {
        Match::No => None,
        _ => Some(list_match(&rule.clients, &|p| {
            client_match(p, request, lookup)
        })),
    };
    RuleMatch { daemons, clients }
}

/// How each list of a rule fared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleMatch {
    pub daemons: Match,
    /// `None` when the daemon list did not match (libwrap does not look further).
    pub clients: Option<Match>,
}

impl RuleMatch {
    pub fn overall(&self) -> Match {
        match &self.clients {
            None => Match::No,
            Some(clients) => self.daemons.clone().and(|| clients.clone()),
        }
    }
}

/// Granted or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Granted,
    Denied,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Granted => "granted",
            Access::Denied => "denied",
        })
    }
}

/// What decides: a rule, an unreadable line, or the default (no match anywhere).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    pub table: Option<Table>,
    /// Line(s) of the deciding entry (`3` or `3-4`).
    pub lines: Option<String>,
    /// The rule text, when a rule decides.
    pub rule: Option<String>,
    /// In words: why this access.
    pub explanation: String,
}

impl Reason {
    /// `/etc/hosts.deny:3`, or `None` for the default.
    pub fn source(&self) -> Option<String> {
        Some(format!("{}:{}", self.table?.path(), self.lines.as_deref()?))
    }
}

/// Causes kept per decision, at most (a hostile file may hold hundreds of thousands).
pub const MAX_CAUSES: usize = 50;

/// The decision for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `Some` when every possibility gives the same access.
    pub access: Option<Access>,
    /// The entry that decides when the undetermined entries before it do not match; the
    /// default when nothing matches.
    pub reason: Reason,
    /// Other ways the request could be decided (from undetermined entries): the first
    /// entry for each access it could give.
    pub alternatives: Vec<(Access, Reason)>,
    /// Why entries could not be decided (the first [`MAX_CAUSES`]).
    pub causes: Vec<String>,
    /// How many entries were undetermined in all.
    pub undetermined_entries: usize,
    /// Where libwrap stops reading: the table and first line of the deciding rule, `None`
    /// when it reads both files to the end.
    pub stopped_at: Option<(Table, usize)>,
}

impl Decision {
    /// Does libwrap read the entry at `line` of `table` for this request?
    pub fn reaches(&self, table: Table, line: usize) -> bool {
        match self.stopped_at {
            None => true,
            Some((stop_table, stop_line)) => {
                (table == Table::Allow && stop_table == Table::Deny)
                    || (table == stop_table && line <= stop_line)
            }
        }
    }
}

/// The access a matching rule gives, options included.
pub fn rule_access(rule: &Rule, table: Table) -> (Access, String) {
    if let Some(error) = &rule.option_error {
        return (
            Access::Denied,
            format!("libwrap refuses the client because of an option error: {error}"),
        );
    }
    for option in &rule.options {
        if option.is("deny") {
            return (
                Access::Denied,
                "the rule's `deny` option refuses it".to_string(),
            );
        }
        if option.is("allow") {
            return (
                Access::Granted,
                "the rule's `allow` option grants it".to_string(),
            );
        }
        if option.is("twist") {
            return (
                Access::Denied,
                format!(
                    "the rule's `twist` option hands the connection to `{}` instead of the daemon",
                    option.value.as_deref().unwrap_or("")
                ),
            );
        }
    }
    match table {
        Table::Allow => (
            Access::Granted,
            "first match in /etc/hosts.allow".to_string(),
        ),
        Table::Deny => (Access::Denied, "first match in /etc/hosts.deny".to_string()),
    }
}

/// Decides a request against hosts.allow then hosts.deny (hosts_access(3)).
pub fn decide(
    allow: &AccessTable,
    deny: &AccessTable,
    request: &Request,
    lookup: &dyn Lookup,
) -> Decision {
    let mut alternatives: Vec<(Access, Reason)> = Vec::new();
    let mut causes: Vec<String> = Vec::new();
    let mut undetermined_entries = 0;
    let mut note_cause = |cause: &dyn Fn() -> String| {
        if causes.len() < MAX_CAUSES {
            let cause = cause();
            if causes.last() != Some(&cause) {
                causes.push(cause);
            }
        }
    };
    let mut alternative = |access: Access, reason: &dyn Fn() -> Reason| {
        if !alternatives.iter().any(|(a, _)| *a == access) {
            alternatives.push((access, reason()));
        }
    };
    let mut decided: Option<(Access, Reason, (Table, usize))> = None;
    'tables: for table in [allow, deny] {
        for entry in &table.entries {
            match entry {
                Entry::Unreadable(note) => {
                    undetermined_entries += 1;
                    note_cause(&|| {
                        format!("{}:{}: {}", table.table.path(), note.line, note.message)
                    });
                    let reason = || Reason {
                        table: Some(table.table),
                        lines: Some(note.line.to_string()),
                        rule: None,
                        explanation: note.message.clone(),
                    };
                    alternative(Access::Granted, &reason);
                    alternative(Access::Denied, &reason);
                }
                Entry::Rule(rule) => {
                    let outcome = rule_match(rule, request, lookup).overall();
                    if outcome == Match::No {
                        continue;
                    }
                    let (access, why) = rule_access(rule, table.table);
                    let reason = || Reason {
                        table: Some(table.table),
                        lines: Some(rule.lines()),
                        rule: Some(rule.text.clone()),
                        explanation: why.clone(),
                    };
                    match outcome {
                        Match::Undetermined(why) => {
                            undetermined_entries += 1;
                            for cause in why {
                                note_cause(&|| {
                                    format!("{}:{}: {cause}", table.table.path(), rule.lines())
                                });
                            }
                            alternative(access, &reason);
                        }
                        _ => {
                            decided = Some((access, reason(), (table.table, rule.line)));
                            break 'tables;
                        }
                    }
                }
            }
        }
    }
    let (access, reason, stopped_at) = match decided {
        Some((access, reason, at)) => (access, reason, Some(at)),
        None => (
            Access::Granted,
            Reason {
                table: None,
                lines: None,
                rule: None,
                explanation: "no rule matches in /etc/hosts.allow or /etc/hosts.deny: access is granted by default".to_string(),
            },
            None,
        ),
    };
    let unanimous = alternatives.iter().all(|(a, _)| *a == access);
    Decision {
        access: unanimous.then_some(access),
        reason,
        alternatives,
        causes,
        undetermined_entries,
        stopped_at,
    }
}

#[cfg(test)]
mod tests;
