//! Does a PTR name look generic (an ISP's name for an access line) rather than a mail
//! server's own name? Keyword patterns are data (`checks/generic-ptr.toml`); the address's
//! octets embedded in the name are found here, since that needs the address.

use std::net::IpAddr;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

pub const EMBEDDED_PATTERNS: &str = include_str!("../../checks/generic-ptr.toml");
pub const EMBEDDED_PATTERNS_NAME: &str = "<embedded checks/generic-ptr.toml>";

#[derive(Debug)]
pub struct GenericPatterns {
    patterns: Vec<(Regex, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPatterns {
    pattern: Vec<RawPattern>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPattern {
    regex: String,
    hint: String,
}

/// Parses a patterns file. Pure: `name` is only used in messages.
pub fn parse_patterns(name: &str, text: &str) -> Result<GenericPatterns, String> {
    let raw: RawPatterns = toml::from_str(text).map_err(|e| format!("{name}: {}", e.message()))?;
    let patterns = raw
        .pattern
        .into_iter()
        .enumerate()
        .map(|(index, p)| {
            RegexBuilder::new(&p.regex)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map(|regex| (regex, p.hint))
                .map_err(|e| format!("{name}: pattern #{}: {e}", index + 1))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(GenericPatterns { patterns })
}

/// The embedded patterns (validated by a unit test).
pub fn embedded() -> &'static GenericPatterns {
    static PATTERNS: std::sync::OnceLock<GenericPatterns> = std::sync::OnceLock::new();
    PATTERNS.get_or_init(|| {
        parse_patterns(EMBEDDED_PATTERNS_NAME, EMBEDDED_PATTERNS)
            .expect("the embedded patterns are validated by their unit test")
    })
}

impl GenericPatterns {
    /// Why `name` (the PTR of `ip`) looks generic; empty when it does not.
    pub fn hints(&self, name: &str, ip: IpAddr) -> Vec<String> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let mut hints = Vec::new();
        if let Some(form) = embedded_address(&name, ip) {
            hints.push(format!("embeds the address ({form})"));
        }
        for (regex, hint) in &self.patterns {
            if let Some(found) = regex.find(&name) {
                let word = found.as_str().trim_matches(|c| c == '.' || c == '-');
                hints.push(format!("{hint} ({word:?})"));
            }
        }
        hints
    }
}

/// The form in which `name` embeds the address's octets, if it does.
pub fn embedded_address(name: &str, ip: IpAddr) -> Option<String> {
    let candidates: Vec<String> = match ip {
        IpAddr::V4(v4) => {
            let octets = v4.octets();
            let forward: Vec<String> = octets.iter().map(u8::to_string).collect();
            let mut reverse = forward.clone();
            reverse.reverse();
            let mut forms = Vec::new();
            for order in [&forward, &reverse] {
                for separator in ["-", ".", "_"] {
                    forms.push(order.join(separator));
                }
                forms.push(
                    order
                        .iter()
                        .map(|o| format!("{:0>3}", o))
                        .collect::<String>(),
                );
            }
            forms.push(octets.iter().map(|o| format!("{o:02x}")).collect());
            forms
        }
        IpAddr::V6(v6) => {
            let segments = v6.segments();
            vec![
                segments
                    .iter()
                    .map(|s| format!("{s:04x}"))
                    .collect::<String>(),
                segments
                    .iter()
                    .map(|s| format!("{s:x}"))
                    .collect::<Vec<_>>()
                    .join("-"),
            ]
        }
    };
    candidates
        .into_iter()
        .find(|form| contains_bounded(name, form))
}

/// `needle` occurs in `haystack` not glued to further digits (so 1-2-3-4 is not
/// found inside 11-2-3-45).
fn contains_bounded(haystack: &str, needle: &str) -> bool {
    let bytes = haystack.as_bytes();
    haystack.match_indices(needle).any(|(start, _)| {
        let end = start + needle.len();
        let before_ok = start == 0 || !bytes[start - 1].is_ascii_digit();
        let after_ok = end == bytes.len() || !bytes[end].is_ascii_digit();
        before_ok && after_ok
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hints(name: &str, ip: &str) -> Vec<String> {
        embedded().hints(name, ip.parse().unwrap())
    }

    #[test]
    fn the_embedded_patterns_compile() {
        parse_patterns(EMBEDDED_PATTERNS_NAME, EMBEDDED_PATTERNS).unwrap();
    }

    #[test]
    fn generic_access_line_names_are_recognised() {
        let story = hints("203-0-113-25.dsl.dynamic.isp.example", "203.0.113.25");
        assert!(
            story.iter().any(|h| h.contains("embeds the address")),
            "{story:?}"
        );
        assert!(story.iter().any(|h| h.contains("DSL")), "{story:?}");
        for (name, ip) in [
            ("25.113.0.203.pool.isp.example", "203.0.113.25"),
            ("host203000113025.isp.example", "203.0.113.25"),
            ("dhcp-88.isp.example", "198.51.100.20"),
            ("cpe-1-2.cable.isp.example", "198.51.100.20"),
            ("ppp12.isp.example", "198.51.100.20"),
            ("cb007119.isp.example", "203.0.113.25"),
            ("ec2-203-0-113-25.compute-1.amazonaws.com", "203.0.113.25"),
        ] {
            assert!(!hints(name, ip).is_empty(), "{name} not flagged");
        }
    }

    #[test]
    fn mail_server_names_are_not_generic() {
        for (name, ip) in [
            ("mail2.corp.example", "198.51.100.20"),
            ("mx3.exim.example", "192.0.2.30"),
            ("web1.shop.example", "203.0.113.25"),
            ("smtp-out.poolside.example", "192.0.2.30"),
            ("mail.dynamo.example", "192.0.2.30"),
        ] {
            assert_eq!(hints(name, ip), Vec::<String>::new(), "{name}");
        }
        assert_eq!(
            embedded_address("mx-11-2-3-45.example", "1.2.3.4".parse().unwrap()),
            None
        );
    }

    #[test]
    fn bad_patterns_are_reported() {
        let error = parse_patterns("p.toml", "[[pattern]]\nregex = '('\nhint = 'x'\n").unwrap_err();
        assert!(error.starts_with("p.toml: pattern #1:"), "{error}");
        assert!(parse_patterns("p.toml", "nonsense").is_err());
    }
}
