//! Classification of delivery failures into the bounce categories of DESIGN.md, from the
//! data file `checks/bounce-patterns.toml` (compiled into one regex set). Shared by
//! `maillog` and `mailbox_bounces`.
//!
//! Order of decision: the first matching text pattern of the file; then the enhanced status
//! code (longest prefix); then the SMTP reply code; then `transient` ("undetermined").
//! When the caller gives no status or reply code, the first ones found in the text are used.

use std::collections::HashMap;

use std::sync::{LazyLock, Mutex, OnceLock};

use regex::Regex;
use regex::bytes::{RegexSet, RegexSetBuilder};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet};
use serde::{Deserialize, Serialize};

/// The pattern file, compiled into the binary.
pub const PATTERNS_TOML: &str = include_str!("../checks/bounce-patterns.toml");

/// Bounce categories (DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    HostReputation,
    SenderPolicy,
    Recipient,
    Transient,
    NotAFailure,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::HostReputation,
        Category::SenderPolicy,
        Category::Recipient,
        Category::Transient,
        Category::NotAFailure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::HostReputation => "host-reputation",
            Category::SenderPolicy => "sender-policy",
            Category::Recipient => "recipient",
            Category::Transient => "transient",
            Category::NotAFailure => "not-a-failure",
        }
    }

    pub fn parse(text: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// A blocklist named by a failure text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocklist {
    /// Human name ("Spamhaus PBL", "Barracuda", "SpamCop").
    pub name: String,
    /// The lookup/removal URL when the text gives one (or the list's known lookup page).
    pub url: Option<String>,
}

/// What a failure text means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub category: Category,
    pub blocklist: Option<Blocklist>,
    /// Id of the pattern that decided (for evidence and tuning): a pattern id,
    /// `status:<prefix>`, `reply:<code>` or `undetermined`.
    pub rule: String,
}

/// One `[[pattern]]` of the pattern file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pattern {
    pub id: String,
    pub regex: String,
    pub category: Category,
    #[serde(default)]
    pub blocklist: Option<String>,
    #[serde(default)]
    pub url_host: Option<String>,
    #[serde(default)]
    pub lookup: Option<String>,
    #[serde(default)]
    pub site: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusRule {
    code: String,
    category: Category,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplyRule {
    code: u16,
    category: Category,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PatternFile {
    pattern: Vec<Pattern>,
    #[serde(default)]
    status: Vec<StatusRule>,
    #[serde(default)]
    reply: Vec<ReplyRule>,
}

/// The compiled pattern file.
pub struct Classifier {
    patterns: Vec<Pattern>,
    set: PatternMatcher,
    statuses: Vec<StatusRule>,
    replies: HashMap<u16, Category>,
}

/// Which patterns match a text, in file order.
///
/// A forward-only lazy DFA over all patterns: it compiles in about half the time of a
/// `RegexSet` (which also builds reverse and literal machinery that "which patterns match"
/// does not need), and compile time is most of a short run that reads a log or a mailbox.
/// The patterns are English wording, so ASCII case folding and word boundaries suffice.
struct PatternMatcher {
    dfa: DFA,
    /// Transition caches, reused across calls and threads (a fresh one would redo the
    /// lazy determinisation for every failure line of a large log).
    caches: Mutex<Vec<Cache>>,
    /// Only if the lazy DFA ever reports an error (it is configured never to give up):
    /// the same patterns as a `RegexSet`, compiled on first need.
    fallback: OnceLock<RegexSet>,
    sources: Vec<String>,
}

impl PatternMatcher {
    fn new(patterns: &[Pattern]) -> Result<PatternMatcher, String> {
        let sources: Vec<String> = patterns.iter().map(|p| p.regex.clone()).collect();
        let dfa = DFA::builder()
            .configure(DFA::config().match_kind(MatchKind::All))
            .syntax(
                syntax::Config::new()
                    .case_insensitive(true)
                    .unicode(false)
                    .utf8(false),
            )
            .build_many(&sources)
            .map_err(|e| {
                // Name the offending pattern: only on error, so the valid set compiles once.
                let culprit = patterns
                    .iter()
                    .find(|p| Self::fallback_set(std::slice::from_ref(&p.regex)).is_err());
                match culprit {
                    Some(p) => format!("bounce pattern {:?}: {e}", p.id),
                    None => format!("bounce patterns: {e}"),
                }
            })?;
        Ok(PatternMatcher {
            dfa,
            caches: Mutex::new(Vec::new()),
            fallback: OnceLock::new(),
            sources,
        })
    }

    fn fallback_set(sources: &[String]) -> Result<RegexSet, regex::Error> {
        RegexSetBuilder::new(sources)
            .case_insensitive(true)
            .unicode(false)
            .size_limit(64 << 20)
            .build()
    }

    /// Indexes of the matching patterns, ascending.
    fn matches(&self, haystack: &[u8]) -> Vec<usize> {
        let pooled = self.caches.lock().ok().and_then(|mut pool| pool.pop());
        let mut cache = pooled.unwrap_or_else(|| self.dfa.create_cache());
        let mut found = PatternSet::new(self.dfa.pattern_len());
        let searched =
            self.dfa
                .try_which_overlapping_matches(&mut cache, &Input::new(haystack), &mut found);
        if let Ok(mut pool) = self.caches.lock() {
            pool.push(cache);
        }
        match searched {
            Ok(()) => found.iter().map(|id| id.as_usize()).collect(),
            Err(_) => self
                .fallback
                .get_or_init(|| {
                    Self::fallback_set(&self.sources).expect("the same patterns built as a DFA")
                })
                .matches(haystack)
                .into_iter()
                .collect(),
        }
    }
}

impl Classifier {
    /// Compiles a pattern file; errors name the offending pattern.
    pub fn from_toml(text: &str) -> Result<Classifier, String> {
        let file: PatternFile =
            toml::from_str(text).map_err(|e| format!("bounce patterns: {e}"))?;
        let set = PatternMatcher::new(&file.pattern)?;
        let mut statuses = file.status;
        // Longest prefix first.
        statuses.sort_by_key(|rule| std::cmp::Reverse(rule.code.len()));
        Ok(Classifier {
            patterns: file.pattern,
            set,
            statuses,
            replies: file
                .reply
                .into_iter()
                .map(|r| (r.code, r.category))
                .collect(),
        })
    }

    pub fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// See [`classify`].
    pub fn classify(
        &self,
        status: Option<&str>,
        reply_code: Option<u16>,
        text: &str,
    ) -> Classification {
        let normalised = collapse_whitespace(text);
        let matches = self.set.matches(normalised.as_bytes());
        let first = matches.first().copied();
        let blocklist = matches
            .iter()
            .map(|&index| &self.patterns[index])
            .find(|pattern| pattern.blocklist.is_some())
            .map(|pattern| blocklist_of(pattern, &normalised));
        if let Some(index) = first {
            let pattern = &self.patterns[index];
            return Classification {
                category: pattern.category,
                blocklist,
                rule: pattern.id.clone(),
            };
        }
        let found_status;
        let status = match status {
            Some(status) => Some(status.trim()),
            None => {
                found_status = status_in_text(&normalised);
                found_status.as_deref()
            }
        };
        if let Some(status) = status
            && let Some(rule) = self
                .statuses
                .iter()
                .find(|rule| status.starts_with(rule.code.as_str()))
        {
            return Classification {
                category: rule.category,
                blocklist,
                rule: format!("status:{}", rule.code),
            };
        }
        let reply_code = reply_code.or_else(|| reply_code_in_text(&normalised));
        if let Some(code) = reply_code {
            if let Some(category) = self.replies.get(&code) {
                return Classification {
                    category: *category,
                    blocklist,
                    rule: format!("reply:{code}"),
                };
            }
            let category = match code / 100 {
                2 => Category::NotAFailure,
                4 => Category::Transient,
                _ => Category::Transient,
            };
            return Classification {
                category,
                blocklist,
                rule: format!("reply:{}xx", code / 100),
            };
        }
        Classification {
            category: Category::Transient,
            blocklist,
            rule: "undetermined".to_string(),
        }
    }
}

/// The classifier of the embedded pattern file, compiled on first use.
pub fn classifier() -> &'static Classifier {
    static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(|| {
        Classifier::from_toml(PATTERNS_TOML)
            .expect("checks/bounce-patterns.toml is valid (tested by classify::tests)")
    });
    &CLASSIFIER
}

/// Classifies a failure from its enhanced status code (`5.7.1`), SMTP reply code (`550`)
/// and diagnostic text. Pure.
pub fn classify(status: Option<&str>, reply_code: Option<u16>, text: &str) -> Classification {
    classifier().classify(status, reply_code, text)
}

fn collapse_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
                in_space = true;
            }
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"https?://[^\s<>"'()\[\]]+"#).expect("url regex"));
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d.])((?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3})(?:[^\d.]|$)")
        .expect("ipv4 regex")
});
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?:[^\d.]|$)").expect("status regex")
});
static REPLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^\d.\-])([245][0-5]\d)(?:[ \-]|$)").expect("reply regex"));

fn blocklist_of(pattern: &Pattern, text: &str) -> Blocklist {
    let name = pattern.blocklist.clone().unwrap_or_default();
    let from_text = pattern.url_host.as_deref().and_then(|host| {
        URL.find_iter(text)
            .map(|m| m.as_str().trim_end_matches(['.', ',', ';', ':']))
            .find(|url| url.to_ascii_lowercase().contains(host))
            .map(str::to_string)
    });
    let url = from_text.or_else(|| {
        let ip = public_ipv4(text);
        match (&pattern.lookup, ip) {
            (Some(template), Some(ip)) => Some(template.replace("{ip}", &ip)),
            _ => pattern.site.clone(),
        }
    });
    Blocklist { name, url }
}

/// The first IPv4 address of the text that is not loopback/unspecified.
fn public_ipv4(text: &str) -> Option<String> {
    IPV4.captures_iter(text)
        .map(|c| c[1].to_string())
        .find(|ip| !ip.starts_with("127.") && !ip.starts_with("0."))
}

/// The first enhanced status code (`5.7.1`) in a text.
pub fn status_in_text(text: &str) -> Option<String> {
    STATUS.captures(text).map(|c| c[1].to_string())
}

/// The first SMTP reply code (`550`, `421-`) in a text.
pub fn reply_code_in_text(text: &str) -> Option<u16> {
    REPLY.captures(text).and_then(|c| c[1].parse::<u16>().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_pattern_file_compiles() {
        let classifier = Classifier::from_toml(PATTERNS_TOML).unwrap();
        assert!(classifier.patterns().len() > 20);
    }

    #[test]
    fn story_spamhaus_pbl_url_names_the_list_and_keeps_the_url() {
        let c = classify(
            Some("5.7.1"),
            Some(550),
            "550 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using \
             zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25",
        );
        assert_eq!(c.category, Category::HostReputation);
        let list = c.blocklist.unwrap();
        assert_eq!(list.name, "Spamhaus");
        assert_eq!(
            list.url.as_deref(),
            Some("https://www.spamhaus.org/query/ip/203.0.113.25")
        );

        let c = classify(
            None,
            None,
            "554 5.7.1 203.0.113.25 is listed in pbl.spamhaus.org, see\n   \
             https://check.spamhaus.org/listed/?searchterm=203.0.113.25",
        );
        assert_eq!(c.category, Category::HostReputation);
        assert_eq!(c.blocklist.as_ref().unwrap().name, "Spamhaus PBL");
        assert_eq!(
            c.blocklist.unwrap().url.as_deref(),
            Some("https://check.spamhaus.org/listed/?searchterm=203.0.113.25")
        );
    }

    #[test]
    fn lookup_template_gets_the_address_of_the_text() {
        let c = classify(
            None,
            Some(554),
            "554 Blocked by bl.spamcop.net [198.51.100.9]",
        );
        assert_eq!(c.category, Category::HostReputation);
        let list = c.blocklist.unwrap();
        assert_eq!(list.name, "SpamCop");
        assert_eq!(
            list.url.as_deref(),
            Some("https://www.spamcop.net/w3m?action=checkblock&ip=198.51.100.9")
        );
    }

    #[test]
    fn other_blocklists_and_host_refusals() {
        for (text, list) in [
            (
                "550 5.7.606 Access denied, banned sending IP [192.0.2.1]",
                Some("Microsoft (Outlook.com / Office 365)"),
            ),
            (
                "550 OU-002 (S3150) Unfortunately, messages from 192.0.2.1 weren't sent",
                Some("Microsoft (Outlook.com / Office 365)"),
            ),
            (
                "554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using b.barracudacentral.org",
                Some("Barracuda"),
            ),
            ("554 rejected: listed at dnsbl.sorbs.net", Some("SORBS")),
            (
                "550 5.7.1 IP listed in UCEPROTECT Level 1",
                Some("UCEPROTECT"),
            ),
            ("554 5.7.1 blocked using psbl.surriel.com", Some("PSBL")),
            ("554 listed in bl.mailspike.net", Some("Mailspike")),
            (
                "550 5.7.1 blocked using xbl.spamhaus.org",
                Some("Spamhaus XBL"),
            ),
            (
                "550 5.7.1 https://www.spamhaus.org/sbl/query/SBL123456",
                Some("Spamhaus SBL"),
            ),
            ("550 5.7.1 listed in css.spamhaus.org", Some("Spamhaus CSS")),
            (
                "550 5.7.1 client 192.0.2.1 is listed in rbl.example.net",
                Some("DNS blocklist"),
            ),
            (
                "550-5.7.1 Our system has detected an unusual rate of unsolicited mail originating from your IP address",
                None,
            ),
            (
                "421-4.7.0 This message is suspicious due to the very low reputation of the sending IP address",
                None,
            ),
            (
                "550 5.7.25 The IP address sending this message does not have a PTR record setup",
                None,
            ),
            (
                "450 4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.1]",
                None,
            ),
            (
                "550 Rejected: generic reverse DNS, use your ISP's relay",
                None,
            ),
            (
                "504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname",
                None,
            ),
        ] {
            let c = classify(None, None, text);
            assert_eq!(c.category, Category::HostReputation, "{text}");
            assert_eq!(
                c.blocklist.as_ref().map(|b| b.name.as_str()),
                list,
                "{text}"
            );
        }
    }

    #[test]
    fn other_categories() {
        for (status, text, category) in [
            (
                Some("5.1.1"),
                "550 5.1.1 <a@b.example>: Recipient address rejected: User unknown",
                Category::Recipient,
            ),
            (Some("5.2.2"), "552 5.2.2 Mailbox full", Category::Recipient),
            (
                None,
                "Host or domain name not found. Name service error for name=x.example",
                Category::Recipient,
            ),
            (
                Some("5.7.26"),
                "550-5.7.26 Unauthenticated email from example.jp is not accepted due to domain's DMARC policy",
                Category::SenderPolicy,
            ),
            (
                Some("5.7.1"),
                "554 5.7.1 <a@b.example>: Relay access denied",
                Category::SenderPolicy,
            ),
            (
                Some("5.7.1"),
                "550 5.7.1 Message content rejected, UBE",
                Category::SenderPolicy,
            ),
            (
                Some("5.7.1"),
                "550 5.7.1 MailFrom domain is listed in Spamhaus",
                Category::SenderPolicy,
            ),
            (Some("4.4.7"), "retry timeout exceeded", Category::Transient),
            (
                Some("4.2.0"),
                "421 4.2.0 too many connections",
                Category::Transient,
            ),
            (Some("2.0.0"), "delivered", Category::NotAFailure),
        ] {
            assert_eq!(classify(status, None, text).category, category, "{text}");
        }
    }

    #[test]
    fn fallbacks_use_codes_from_the_arguments_or_the_text() {
        let c = classify(Some("5.1.1"), None, "something odd");
        assert_eq!(
            (c.category, c.rule.as_str()),
            (Category::Recipient, "status:5.1.")
        );
        let c = classify(None, None, "Remote said 550 5.2.1 odd");
        assert_eq!(c.category, Category::Recipient);
        let c = classify(None, Some(552), "odd");
        assert_eq!(c.category, Category::Recipient);
        let c = classify(None, None, "");
        assert_eq!(
            (c.category, c.rule.as_str()),
            (Category::Transient, "undetermined")
        );
        // An IP address is not a status code.
        assert_eq!(status_in_text("from 192.0.2.5 said"), None);
    }
}
