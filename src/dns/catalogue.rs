//! The blocklist catalogue (`checks/dnsbl-zones.toml`): zones, their return codes and
//! what each means. Parsed and validated strictly; every error names `file:line:column`.

use std::net::Ipv4Addr;

use serde::Deserialize;
use toml::Spanned;

/// The catalogue compiled into the binary.
pub const EMBEDDED_CATALOGUE: &str = include_str!("../../checks/dnsbl-zones.toml");
pub const EMBEDDED_CATALOGUE_NAME: &str = "<embedded checks/dnsbl-zones.toml>";

/// How grave a listing is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListingClass {
    /// Spam source, compromised host, hijacked network: critical regardless.
    Critical,
    /// "Should not send direct-to-MX" (PBL): fine when mail relays through a smarthost.
    Policy,
    /// Reputation lists: the definition's severity.
    Reputation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyNeed {
    None,
    Registration,
    Required,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnCode {
    pub code: Ipv4Addr,
    pub list: String,
    pub meaning: String,
    pub class: ListingClass,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorCode {
    pub code: Ipv4Addr,
    pub meaning: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Zone {
    pub id: String,
    pub name: String,
    /// May hold `{key}`.
    pub zone: String,
    pub lookup_url: String,
    pub key: KeyNeed,
    pub ipv6: bool,
    pub enabled: bool,
    pub replaces: Option<String>,
    pub public_resolvers_refused: bool,
    pub codes: Vec<ReturnCode>,
    pub errors: Vec<ErrorCode>,
}

impl Zone {
    pub fn code(&self, answer: Ipv4Addr) -> Option<&ReturnCode> {
        self.codes.iter().find(|c| c.code == answer)
    }

    pub fn error(&self, answer: Ipv4Addr) -> Option<&ErrorCode> {
        self.errors.iter().find(|c| c.code == answer)
    }

    /// The removal/lookup URL for `ip`.
    pub fn lookup_url_for(&self, ip: &str) -> String {
        self.lookup_url.replace("{ip}", ip)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub zones: Vec<Zone>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    zone: Vec<RawZone>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawZone {
    id: Spanned<String>,
    name: String,
    zone: Spanned<String>,
    lookup_url: String,
    key: KeyNeed,
    ipv6: bool,
    enabled: bool,
    #[serde(default)]
    replaces: Option<Spanned<String>>,
    #[serde(default)]
    public_resolvers_refused: bool,
    #[serde(default)]
    code: Vec<RawCode>,
    #[serde(default)]
    error: Vec<RawError>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    code: Spanned<String>,
    list: String,
    meaning: String,
    class: ListingClass,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawError {
    code: Spanned<String>,
    meaning: String,
}

/// Parses a catalogue. Pure: `name` is only used in messages.
pub fn parse_catalogue(name: &str, text: &str) -> Result<Catalogue, String> {
    let at = |span: std::ops::Range<usize>| {
        let (line, column) = line_column(text, span.start);
        format!("{name}:{line}:{column}")
    };
    let raw: RawCatalogue = toml::from_str(text).map_err(|e| {
        let place = e.span().map(at).unwrap_or_else(|| format!("{name}:1:1"));
        format!("{place}: {}", e.message().trim())
    })?;
    if raw.zone.is_empty() {
        return Err(format!("{name}: the catalogue has no [[zone]]"));
    }
    let mut zones: Vec<Zone> = Vec::new();
    for zone in raw.zone {
        let id = zone.id.get_ref().trim().to_string();
        if id.is_empty() || zones.iter().any(|z| z.id == id) {
            return Err(format!(
                "{}: field `id`: {id:?} is empty or used by another zone",
                at(zone.id.span())
            ));
        }
        let zone_name = zone.zone.get_ref().trim().trim_end_matches('.').to_string();
        let valid_name = !zone_name.is_empty()
            && zone_name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '{' | '}'))
            });
        if !valid_name {
            return Err(format!(
                "{}: field `zone`: {zone_name:?} is not a DNS zone name",
                at(zone.zone.span())
            ));
        }
        if zone.key == KeyNeed::Required && !zone_name.contains("{key}") {
            return Err(format!(
                "{}: field `zone`: a zone with key = \"required\" must contain {{key}}",
                at(zone.zone.span())
            ));
        }
        let mut codes = Vec::new();
        for code in zone.code {
            let address = listing_code(code.code.get_ref())
                .map_err(|why| format!("{}: field `code`: {why}", at(code.code.span())))?;
            if codes.iter().any(|c: &ReturnCode| c.code == address) {
                return Err(format!(
                    "{}: field `code`: {address} appears twice in zone {id}",
                    at(code.code.span())
                ));
            }
            codes.push(ReturnCode {
                code: address,
                list: code.list,
                meaning: code.meaning,
                class: code.class,
            });
        }
        if codes.is_empty() {
            return Err(format!(
                "{}: zone {id} has no [[zone.code]]: nothing could ever count as listed",
                at(zone.id.span())
            ));
        }
        let mut errors = Vec::new();
        for error in zone.error {
            let address = listing_code(error.code.get_ref())
                .map_err(|why| format!("{}: field `code`: {why}", at(error.code.span())))?;
            if codes.iter().any(|c| c.code == address) {
                return Err(format!(
                    "{}: field `code`: {address} is both a listing code and an error code",
                    at(error.code.span())
                ));
            }
            errors.push(ErrorCode {
                code: address,
                meaning: error.meaning,
            });
        }
        zones.push(Zone {
            id,
            name: zone.name,
            zone: zone_name,
            lookup_url: zone.lookup_url,
            key: zone.key,
            ipv6: zone.ipv6,
            enabled: zone.enabled,
            replaces: zone.replaces.as_ref().map(|r| r.get_ref().clone()),
            public_resolvers_refused: zone.public_resolvers_refused,
            codes,
            errors,
        });
    }
    for zone in &zones {
        if let Some(replaced) = &zone.replaces
            && !zones.iter().any(|z| &z.id == replaced)
        {
            return Err(format!(
                "{name}: zone {}: `replaces` names {replaced:?}, which is not in the catalogue",
                zone.id
            ));
        }
    }
    Ok(Catalogue { zones })
}

/// A return code: an IPv4 address inside 127.0.0.0/8 (RFC 5782 §2.1).
fn listing_code(text: &str) -> Result<Ipv4Addr, String> {
    let address: Ipv4Addr = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not an IPv4 address (e.g. \"127.0.0.2\")"))?;
    if address.octets()[0] != 127 {
        return Err(format!(
            "{address} is outside 127.0.0.0/8: blocklist answers are 127.x.y.z"
        ));
    }
    if address == Ipv4Addr::new(127, 0, 0, 1) {
        return Err("127.0.0.1 cannot be a code: RFC 5782 reserves it for \"not listed\"".into());
    }
    Ok(address)
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    (line, before[start..].chars().count() + 1)
}

/// The embedded catalogue (validated by a unit test, so this cannot fail at run time).
pub fn embedded() -> &'static Catalogue {
    static CATALOGUE: std::sync::OnceLock<Catalogue> = std::sync::OnceLock::new();
    CATALOGUE.get_or_init(|| {
        parse_catalogue(EMBEDDED_CATALOGUE_NAME, EMBEDDED_CATALOGUE)
            .expect("the embedded catalogue is validated by its unit test")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_catalogue_is_valid_and_complete() {
        let catalogue = parse_catalogue(EMBEDDED_CATALOGUE_NAME, EMBEDDED_CATALOGUE).unwrap();
        let ids: Vec<&str> = catalogue.zones.iter().map(|z| z.id.as_str()).collect();
        for id in [
            "spamhaus-zen",
            "spamhaus-dqs",
            "spamcop",
            "psbl",
            "barracuda",
            "mailspike",
            "uceprotect-1",
        ] {
            assert!(ids.contains(&id), "{id} missing");
        }
        let zen = &catalogue.zones[0];
        let list = |code: [u8; 4]| zen.code(Ipv4Addr::from(code)).map(|c| c.list.as_str());
        assert_eq!(list([127, 0, 0, 2]), Some("SBL"));
        assert_eq!(list([127, 0, 0, 3]), Some("CSS"));
        for last in 4..=7 {
            assert_eq!(list([127, 0, 0, last]), Some("XBL"));
        }
        assert_eq!(list([127, 0, 0, 9]), Some("DROP"));
        assert_eq!(list([127, 0, 0, 10]), Some("PBL"));
        assert_eq!(list([127, 0, 0, 11]), Some("PBL"));
        assert_eq!(
            zen.code(Ipv4Addr::new(127, 0, 0, 10)).unwrap().class,
            ListingClass::Policy
        );
        assert_eq!(zen.errors.len(), 3);
        assert!(zen.error(Ipv4Addr::new(127, 255, 255, 254)).is_some());
        let dqs = catalogue
            .zones
            .iter()
            .find(|z| z.id == "spamhaus-dqs")
            .unwrap();
        assert_eq!(dqs.key, KeyNeed::Required);
        assert_eq!(dqs.replaces.as_deref(), Some("spamhaus-zen"));
        assert_eq!(
            zen.lookup_url_for("203.0.113.25"),
            "https://check.spamhaus.org/results/?query=203.0.113.25"
        );
        assert_eq!(embedded(), &catalogue);
    }

    const ONE_ZONE: &str = r#"
[[zone]]
id = "test"
name = "Test"
zone = "bl.example"
lookup_url = "https://bl.example/?{ip}"
key = "none"
ipv6 = false
enabled = true

[[zone.code]]
code = "CODE"
list = "T"
meaning = "listed"
class = "reputation"
"#;

    #[test]
    fn bad_codes_are_rejected_with_their_position() {
        let bad = |code: &str| {
            parse_catalogue("zones.toml", &ONE_ZONE.replace("CODE", code)).unwrap_err()
        };
        let error = bad("127.0.0.300");
        assert!(
            error.starts_with("zones.toml:12:8: field `code`:"),
            "{error}"
        );
        assert!(error.contains("not an IPv4 address"), "{error}");
        assert!(bad("10.0.0.2").contains("outside 127.0.0.0/8"));
        assert!(bad("127.0.0.1").contains("RFC 5782"));
        assert!(parse_catalogue("zones.toml", &ONE_ZONE.replace("CODE", "127.0.0.2")).is_ok());
    }

    #[test]
    fn structural_errors_are_positioned() {
        let error = parse_catalogue(
            "zones.toml",
            &ONE_ZONE
                .replace("CODE", "127.0.0.2")
                .replace("class = \"reputation\"", "class = \"grave\""),
        )
        .unwrap_err();
        assert!(error.starts_with("zones.toml:15:"), "{error}");
        let error = parse_catalogue(
            "zones.toml",
            &ONE_ZONE
                .replace("CODE", "127.0.0.2")
                .replace("ipv6 = false", "ipv6 = false\ncolour = 1"),
        )
        .unwrap_err();
        assert!(error.contains("colour"), "{error}");
        assert!(
            parse_catalogue("zones.toml", "")
                .unwrap_err()
                .contains("no [[zone]]")
        );
        assert!(
            parse_catalogue("zones.toml", "[[zone]\n")
                .unwrap_err()
                .starts_with("zones.toml:1:")
        );
        let error = parse_catalogue(
            "zones.toml",
            &ONE_ZONE
                .replace("CODE", "127.0.0.2")
                .replace("bl.example", "bad zone"),
        )
        .unwrap_err();
        assert!(error.contains("not a DNS zone name"), "{error}");
    }
}
