//! `dnsbl`: each egress IP against a catalogue of blocklist zones, all queries in flight at
//! once.
//!
//! An answer counts as "listed" only when it is inside 127.0.0.0/8 AND one of the zone's
//! codes. The operator's error answers (Spamhaus 127.255.255.252/.254/.255), answers outside
//! 127/8, SERVFAIL, REFUSED and timeouts are `unknown` with the cause — never listed, never
//! clean. Each zone is self-tested per run (RFC 5782 §5: 127.0.0.2 listed, 127.0.0.1 not)
//! to catch dead zones and zones that list everything.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Deserializer};
use tokio::task::JoinSet;

use crate::checks::{Outcome, Verdict};
use crate::definition::duration::deserialize_duration;
use crate::dns::catalogue::{self, Catalogue, KeyNeed, ListingClass, Zone};
use crate::dns::egress::DiscoveryMethod;
use crate::dns::{self, DnsError, DnsSettings, Resolver};
use crate::engine::Context;
use crate::report::Evidence;
use crate::text;

/// Parameters of a `dnsbl` check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// How long one attempt of one query may take.
    #[serde(
        default = "dns::default_query_timeout",
        deserialize_with = "deserialize_duration"
    )]
    pub query_timeout: Duration,
    /// How many times a query is sent.
    #[serde(default = "dns::default_attempts")]
    pub attempts: usize,
    /// Zone ids to query; default: the catalogue's zones with `enabled = true`.
    #[serde(default)]
    pub zones: Option<Vec<String>>,
    /// A catalogue file replacing the embedded one (validated when the profile loads).
    #[serde(default, deserialize_with = "load_catalogue")]
    pub catalogue: Option<LoadedCatalogue>,
    /// Spamhaus Data Query Service key: queries `<key>.zen.dq.spamhaus.net` instead of the
    /// public mirror (which refuses public resolvers and commercial volumes).
    #[serde(default)]
    pub dqs_key: Option<String>,
    /// How to discover the egress address when neither --egress-ip nor the interfaces give it.
    #[serde(default)]
    pub egress_discovery: Vec<DiscoveryMethod>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            query_timeout: dns::default_query_timeout(),
            attempts: dns::default_attempts(),
            zones: None,
            catalogue: None,
            dqs_key: None,
            egress_discovery: Vec::new(),
        }
    }
}

/// A catalogue file given by a profile, parsed when the profile loads.
#[derive(Debug, Clone)]
pub struct LoadedCatalogue {
    pub path: PathBuf,
    pub catalogue: Arc<Catalogue>,
}

fn load_catalogue<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<LoadedCatalogue>, D::Error> {
    let path = PathBuf::deserialize(deserializer)?;
    let text = std::fs::read_to_string(&path).map_err(|e| {
        serde::de::Error::custom(format!("cannot read catalogue {}: {e}", path.display()))
    })?;
    let catalogue = catalogue::parse_catalogue(&path.display().to_string(), &text)
        .map_err(|e| serde::de::Error::custom(format!("bad catalogue: {e}")))?;
    Ok(Some(LoadedCatalogue {
        path,
        catalogue: Arc::new(catalogue),
    }))
}

impl Params {
    pub fn settings(&self) -> DnsSettings {
        DnsSettings {
            query_timeout: self.query_timeout,
            attempts: self.attempts,
        }
    }

    fn catalogue(&self) -> &Catalogue {
        match &self.catalogue {
            Some(loaded) => &loaded.catalogue,
            None => catalogue::embedded(),
        }
    }

    /// The zones this check queries, in catalogue order.
    pub fn selected_zones(&self) -> Vec<Zone> {
        let catalogue = self.catalogue();
        let wanted = |zone: &Zone| match &self.zones {
            Some(ids) => ids.contains(&zone.id),
            None => zone.enabled,
        };
        let usable = |zone: &Zone| zone.key != KeyNeed::Required || self.dqs_key.is_some();
        let selected: Vec<&Zone> = catalogue
            .zones
            .iter()
            .filter(|z| wanted(z) && usable(z))
            .collect();
        let replaced: Vec<&str> = selected
            .iter()
            .filter_map(|z| z.replaces.as_deref())
            .collect();
        selected
            .into_iter()
            .filter(|z| !replaced.contains(&z.id.as_str()))
            .cloned()
            .collect()
    }

    pub fn validate(&self) -> Result<(), (String, String)> {
        self.settings().validate()?;
        let catalogue = self.catalogue();
        if let Some(ids) = &self.zones {
            for id in ids {
                let Some(zone) = catalogue.zones.iter().find(|z| &z.id == id) else {
                    let known: Vec<&str> = catalogue.zones.iter().map(|z| z.id.as_str()).collect();
                    return Err((
                        "zones".into(),
                        format!(
                            "no zone {id:?} in the catalogue (zones: {})",
                            known.join(", ")
                        ),
                    ));
                };
                if zone.key == KeyNeed::Required && self.dqs_key.is_none() {
                    return Err((
                        "zones".into(),
                        format!("zone {id:?} needs a key: set `dqs_key`"),
                    ));
                }
            }
        }
        if let Some(key) = &self.dqs_key
            && (key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err((
                "dqs_key".into(),
                "a Spamhaus DQS key is letters and digits only".into(),
            ));
        }
        if self.selected_zones().is_empty() {
            return Err(("zones".into(), "no zone selected: nothing to query".into()));
        }
        for method in &self.egress_discovery {
            method
                .validate()
                .map_err(|e| ("egress_discovery".to_string(), e))?;
        }
        Ok(())
    }
}

/// The zone name to query, with the key filled in; and the same for display (key hidden).
fn zone_names(zone: &Zone, key: Option<&str>) -> (String, String) {
    let query = zone.zone.replace("{key}", key.unwrap_or(""));
    let shown = zone.zone.replace("{key}", "<dqs-key>");
    (query, shown)
}

/// What one A answer of a zone says about one address.
#[derive(Debug, Clone, PartialEq)]
pub enum Interpretation {
    /// Listed: the matching codes. Unexpected 127/8 codes are noted alongside.
    Listed {
        codes: Vec<Ipv4Addr>,
        unexpected: Vec<Ipv4Addr>,
    },
    NotListed,
    /// Could not determine: the cause in words.
    Unknown(String),
}

/// Interprets a zone's answer for one address (pure; all A records are read).
pub fn interpret(zone: &Zone, answer: &Result<Vec<Ipv4Addr>, DnsError>) -> Interpretation {
    let addresses = match answer {
        Err(error) if error.is_negative() => return Interpretation::NotListed,
        Err(error) => return Interpretation::Unknown(error.to_string()),
        Ok(addresses) => addresses,
    };
    let mut codes = Vec::new();
    let mut unexpected = Vec::new();
    let mut problems = Vec::new();
    for &address in addresses {
        if address.octets()[0] != 127 {
            problems.push(format!(
                "answer {address} is outside 127.0.0.0/8, so it is not a blocklist answer (a resolver that rewrites NXDOMAIN, or a broken zone)"
            ));
        } else if let Some(error) = zone.error(address) {
            problems.push(format!("answer {address}: {}", error.meaning));
        } else if zone.code(address).is_some() {
            codes.push(address);
        } else {
            unexpected.push(address);
        }
    }
    if !problems.is_empty() {
        return Interpretation::Unknown(problems.join("; "));
    }
    if !codes.is_empty() {
        return Interpretation::Listed { codes, unexpected };
    }
    if !unexpected.is_empty() {
        let shown: Vec<String> = unexpected.iter().map(Ipv4Addr::to_string).collect();
        return Interpretation::Unknown(format!(
            "answer {} is not a return code of {} in the catalogue",
            shown.join(", "),
            zone.name
        ));
    }
    Interpretation::NotListed
}

/// RFC 5782 §5 self-test of a zone: `None` when healthy, else why its answers cannot be trusted.
pub fn self_test(
    zone: &Zone,
    test_listed: &Result<Vec<Ipv4Addr>, DnsError>,
    test_unlisted: &Result<Vec<Ipv4Addr>, DnsError>,
) -> Option<String> {
    match test_listed {
        Err(error) if error.is_negative() => {
            return Some(format!(
                "the zone looks dead: its test entry 127.0.0.2 is not listed ({error}), RFC 5782 requires it"
            ));
        }
        Err(error) => return Some(format!("self-test query for 127.0.0.2 failed: {error}")),
        Ok(addresses) => {
            if let Interpretation::Unknown(why) = interpret(zone, test_listed) {
                // An error code (e.g. "public resolver") says more than "unexpected code".
                if addresses
                    .iter()
                    .any(|a| a.octets()[0] != 127 || zone.error(*a).is_some())
                {
                    return Some(format!("self-test 127.0.0.2: {why}"));
                }
            }
        }
    }
    match test_unlisted {
        Err(error) if error.is_negative() => None,
        Err(error) => Some(format!("self-test query for 127.0.0.1 failed: {error}")),
        Ok(addresses) => {
            let shown: Vec<String> = addresses.iter().map(Ipv4Addr::to_string).collect();
            Some(format!(
                "the zone lists 127.0.0.1 (answer {}), which RFC 5782 says must never be listed: it answers everything (wildcard) and cannot be trusted",
                shown.join(", ")
            ))
        }
    }
}

/// The decided state of one address on one zone.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub ip: IpAddr,
    pub zone: Zone,
    /// Shown zone name (a DQS key is hidden).
    pub zone_shown: String,
    /// The name queried, as shown.
    pub query_shown: String,
    pub state: Interpretation,
    pub txt: Vec<String>,
}

impl Finding {
    fn listed_codes(&self) -> Vec<&catalogue::ReturnCode> {
        match &self.state {
            Interpretation::Listed { codes, .. } => {
                codes.iter().filter_map(|c| self.zone.code(*c)).collect()
            }
            _ => Vec::new(),
        }
    }

    fn worst_class(&self) -> Option<ListingClass> {
        let classes: Vec<ListingClass> = self.listed_codes().iter().map(|c| c.class).collect();
        [
            ListingClass::Critical,
            ListingClass::Reputation,
            ListingClass::Policy,
        ]
        .into_iter()
        .find(|class| classes.contains(class))
    }

    fn describe_listing(&self) -> String {
        let codes: Vec<String> = self
            .listed_codes()
            .iter()
            .map(|c| format!("{} {} — {}", c.code, c.list, c.meaning))
            .collect();
        format!(
            "{} is listed on {} ({}): {}",
            self.ip,
            self.zone.name,
            self.zone_shown,
            codes.join("; ")
        )
    }

    fn lists(&self) -> Vec<String> {
        let mut lists: Vec<String> = Vec::new();
        for code in self.listed_codes() {
            if !lists.contains(&code.list) {
                lists.push(code.list.clone());
            }
        }
        lists
    }
}

/// The verdict over all findings (pure). `smarthost`: where mail relays, if it does.
pub fn decide(findings: &[Finding], smarthost: Option<&str>) -> (Verdict, String) {
    if findings.is_empty() {
        // Never "clean on 0 lists": e.g. an IPv6-only host and zones without IPv6 support.
        return (
            Verdict::Unknown,
            "no selected blocklist zone can look up these addresses (IPv6 needs zones with ipv6 = true)"
                .to_string(),
        );
    }
    let listed: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f.state, Interpretation::Listed { .. }))
        .collect();
    let unknown: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f.state, Interpretation::Unknown(_)))
        .collect();
    let of_class = |class| -> Vec<&Finding> {
        listed
            .iter()
            .copied()
            .filter(|f| f.worst_class() == Some(class))
            .collect()
    };
    let critical = of_class(ListingClass::Critical);
    let reputation = of_class(ListingClass::Reputation);
    let policy = of_class(ListingClass::Policy);
    let name_listings = |list: &[&Finding]| -> String {
        let parts: Vec<String> = list
            .iter()
            .map(|f| format!("{} on {} ({})", f.ip, f.zone.name, f.lists().join(", ")))
            .collect();
        parts.join("; ")
    };
    if !critical.is_empty() {
        let mut worst = critical.clone();
        worst.extend(reputation.iter().chain(policy.iter()));
        return (
            Verdict::Critical,
            format!("listed: {}", name_listings(&worst)),
        );
    }
    if !reputation.is_empty() || (!policy.is_empty() && smarthost.is_none()) {
        let mut all = reputation.clone();
        all.extend(policy.iter());
        let mut summary = format!("listed: {}", name_listings(&all));
        if !policy.is_empty() && smarthost.is_none() {
            summary.push_str(
                " — receivers refuse direct-to-MX mail from policy-listed addresses; relay through a smarthost",
            );
        }
        return (Verdict::Fail, summary);
    }
    if !unknown.is_empty() {
        let causes: Vec<String> = unknown
            .iter()
            .take(3)
            .map(|f| match &f.state {
                Interpretation::Unknown(why) => format!("{} on {}: {why}", f.ip, f.zone_shown),
                _ => String::new(),
            })
            .collect();
        let more = if unknown.len() > 3 {
            format!(" (+{} more)", unknown.len() - 3)
        } else {
            String::new()
        };
        return (
            Verdict::Unknown,
            format!(
                "could not determine {} of {} blocklist lookups: {}{more}",
                unknown.len(),
                findings.len(),
                causes.join("; ")
            ),
        );
    }
    let zones = findings
        .iter()
        .map(|f| f.zone.id.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let ips = findings
        .iter()
        .map(|f| f.ip)
        .collect::<std::collections::BTreeSet<_>>();
    let ips: Vec<String> = ips.iter().map(IpAddr::to_string).collect();
    if !policy.is_empty() {
        let relay = smarthost.unwrap_or_default();
        return (
            Verdict::Pass,
            format!(
                "{} listed only on a policy list ({}), which does not matter here: mail relays through {relay}, not directly to MX hosts",
                ips.join(", "),
                name_listings(&policy)
            ),
        );
    }
    (
        Verdict::Pass,
        format!(
            "{} not listed on any of {zones} blocklists (each zone passed its self-test)",
            ips.join(", ")
        ),
    )
}

pub async fn run(params: &Params, context: &Context) -> Outcome {
    let started = Instant::now();
    let facts = &context.facts;
    let zones = params.selected_zones();
    let mut notes: Vec<Evidence> = Vec::new();

    if facts.egress_ips.is_empty() {
        let mut outcome = Outcome::unknown(format!(
            "the egress IP is not known (method: {}), so there is nothing to look up; give --egress-ip",
            if facts.egress_ip_method.is_empty() {
                "none"
            } else {
                &facts.egress_ip_method
            }
        ));
        for note in facts.notes.iter().filter(|n| n.starts_with("egress IP")) {
            outcome = outcome.evidence(Evidence::new("egress IP discovery", note.clone()));
        }
        return outcome.metric("zones_queried", 0usize);
    }
    let mut public_ips = Vec::new();
    for &ip in &facts.egress_ips {
        match dns::non_public_reason(ip) {
            Some(reason) => notes.push(
                Evidence::new(
                    "egress IP not public",
                    format!(
                        "{ip} is {reason}: it cannot be on public blocklists and is not what receiving MX hosts see"
                    ),
                )
                .at(format!("egress IP ({})", facts.egress_ip_method))
                .with("ip", ip.to_string()),
            ),
            None => public_ips.push(ip),
        }
    }
    if public_ips.is_empty() {
        let mut outcome = Outcome::unknown(format!(
            "no public egress IP to look up: {} — receivers see the address of the NAT/relay in front of this host; give it with --egress-ip",
            notes
                .iter()
                .map(|e| e.text.clone())
                .collect::<Vec<_>>()
                .join("; ")
        ));
        outcome.evidence = notes;
        return outcome.metric("zones_queried", 0usize);
    }
    if let Some(note) = dns::public_resolver_note(&facts.nameservers)
        && zones.iter().any(|z| z.public_resolvers_refused)
    {
        notes.push(Evidence::new("resolver", note).at(facts.resolver_source.clone()));
    }
    let resolver = match Resolver::new(&facts.nameservers, params.settings()) {
        Ok(resolver) => resolver,
        Err(error) => {
            return Outcome::unknown(format!("cannot query blocklists: {error}"))
                .metric("zones_queried", 0usize);
        }
    };

    // Every A query at once: self-tests and addresses of all zones.
    let key = params.dqs_key.as_deref();
    let mut queries: JoinSet<(usize, Query, Result<Vec<Ipv4Addr>, DnsError>)> = JoinSet::new();
    for (index, zone) in zones.iter().enumerate() {
        let (zone_query, _) = zone_names(zone, key);
        let mut targets = vec![
            (Query::TestListed, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))),
            (Query::TestUnlisted, IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))),
        ];
        for &ip in &public_ips {
            if ip.is_ipv4() || zone.ipv6 {
                targets.push((Query::Address(ip), ip));
            }
        }
        for (query, ip) in targets {
            let resolver = resolver.clone();
            let name = format!("{}.{zone_query}", dns::reversed_labels(ip));
            queries.spawn(async move { (index, query, resolver.a(&name).await) });
        }
    }
    let mut answers: BTreeMap<(usize, Query), Result<Vec<Ipv4Addr>, DnsError>> = BTreeMap::new();
    while let Some(joined) = queries.join_next().await {
        if let Ok((index, query, answer)) = joined {
            answers.insert((index, query), answer);
        }
    }

    let mut dns_errors = 0usize;
    let mut findings: Vec<Finding> = Vec::new();
    let missing = Err(DnsError::Network("the lookup task did not finish".into()));
    for (index, zone) in zones.iter().enumerate() {
        let (_, zone_shown) = zone_names(zone, key);
        let listed = answers.get(&(index, Query::TestListed)).unwrap_or(&missing);
        let unlisted = answers
            .get(&(index, Query::TestUnlisted))
            .unwrap_or(&missing);
        for answer in [listed, unlisted] {
            if matches!(answer, Err(e) if !e.is_negative()) {
                dns_errors += 1;
            }
        }
        // A failed self-test makes every answer of the zone unknown; each finding says why.
        let broken = self_test(zone, listed, unlisted);
        for &ip in &public_ips {
            let query_shown = format!("{}.{zone_shown}", dns::reversed_labels(ip));
            let Some(answer) = answers.get(&(index, Query::Address(ip))) else {
                notes.push(
                    Evidence::new(
                        "zone skipped",
                        format!(
                            "{} does not list IPv6 addresses; {ip} not looked up",
                            zone.name
                        ),
                    )
                    .at(zone_shown.clone()),
                );
                continue;
            };
            if matches!(answer, Err(e) if !e.is_negative()) {
                dns_errors += 1;
            }
            let state = match (&broken, interpret(zone, answer)) {
                (_, Interpretation::Unknown(why)) => Interpretation::Unknown(why),
                (Some(why), _) => {
                    Interpretation::Unknown(format!("zone failed its self-test: {why}"))
                }
                (None, state) => state,
            };
            findings.push(Finding {
                ip,
                zone: zone.clone(),
                zone_shown: zone_shown.clone(),
                query_shown,
                state,
                txt: Vec::new(),
            });
        }
    }

    // The reasons of listed entries, all at once.
    let mut reasons: JoinSet<(usize, Result<Vec<String>, DnsError>)> = JoinSet::new();
    for (position, finding) in findings.iter().enumerate() {
        if matches!(finding.state, Interpretation::Listed { .. }) {
            let resolver = resolver.clone();
            let (zone_query, _) = zone_names(&finding.zone, key);
            let name = format!("{}.{zone_query}", dns::reversed_labels(finding.ip));
            reasons.spawn(async move { (position, resolver.txt(&name).await) });
        }
    }
    while let Some(joined) = reasons.join_next().await {
        if let Ok((position, answer)) = joined {
            findings[position].txt = match answer {
                Ok(texts) => texts
                    .iter()
                    .map(|t| text::truncate(&hide_key(t, key), 300).into_owned())
                    .collect(),
                Err(error) => vec![format!("(no TXT reason: {error})")],
            };
        }
    }

    let smarthost = facts.mta.smarthost.as_deref();
    let (verdict, summary) = decide(&findings, smarthost);
    let zones_listed = findings
        .iter()
        .filter(|f| matches!(f.state, Interpretation::Listed { .. }))
        .map(|f| f.zone.id.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let mut outcome = Outcome::new(verdict, summary);
    for finding in &findings {
        if let Some(evidence) = finding_evidence(finding, smarthost) {
            outcome = outcome.evidence(evidence);
        }
    }
    let clean: Vec<String> = findings
        .iter()
        .filter(|f| f.state == Interpretation::NotListed)
        .map(|f| format!("{} ({})", f.zone.name, f.ip))
        .collect();
    if !clean.is_empty() {
        outcome = outcome.evidence(Evidence::new("not listed", clean.join(", ")));
    }
    for note in notes {
        outcome = outcome.evidence(note);
    }
    if let Some(text) = remediation(&findings, verdict, smarthost, &facts.nameservers) {
        outcome = outcome.remediation(text);
    }
    outcome
        .metric("zones_queried", zones.len())
        .metric("zones_listed", zones_listed)
        .metric("dns_errors", dns_errors)
        .metric("lookup_seconds", started.elapsed().as_secs_f64())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Query {
    TestListed,
    TestUnlisted,
    Address(IpAddr),
}

fn hide_key(text: &str, key: Option<&str>) -> String {
    match key {
        Some(key) if !key.is_empty() => text.replace(key, "<dqs-key>"),
        _ => text.to_string(),
    }
}

fn finding_evidence(finding: &Finding, smarthost: Option<&str>) -> Option<Evidence> {
    let url = finding.zone.lookup_url_for(&finding.ip.to_string());
    match &finding.state {
        Interpretation::NotListed => None,
        Interpretation::Unknown(why) => Some(
            Evidence::new(
                "blocklist lookup undetermined",
                format!(
                    "{} on {} ({}): {why}",
                    finding.ip, finding.zone.name, finding.zone_shown
                ),
            )
            .at(finding.query_shown.clone())
            .with("ip", finding.ip.to_string())
            .with("zone", finding.zone_shown.clone()),
        ),
        Interpretation::Listed { codes, unexpected } => {
            let codes_shown: Vec<String> = codes.iter().map(Ipv4Addr::to_string).collect();
            let meanings: Vec<String> = finding
                .listed_codes()
                .iter()
                .map(|c| c.meaning.clone())
                .collect();
            let mut text = finding.describe_listing();
            if finding.worst_class() == Some(ListingClass::Policy)
                && let Some(relay) = smarthost
            {
                text.push_str(&format!(
                    " — does not matter here: mail relays through {relay}"
                ));
            }
            if !finding.txt.is_empty() {
                text.push_str(&format!(" — TXT: {}", finding.txt.join(" | ")));
            }
            if !unexpected.is_empty() {
                let shown: Vec<String> = unexpected.iter().map(Ipv4Addr::to_string).collect();
                text.push_str(&format!(
                    " (also answered {}, not in the catalogue)",
                    shown.join(", ")
                ));
            }
            let mut evidence = Evidence::new("blocklist listing", text)
                .at(finding.query_shown.clone())
                .with("ip", finding.ip.to_string())
                .with("zone", finding.zone_shown.clone())
                .with("code", codes_shown.join(", "))
                .with("list", finding.lists().join(", "))
                .with("meaning", meanings.join("; "))
                .with("lookup_url", url);
            if !finding.txt.is_empty() {
                evidence = evidence.with("txt", finding.txt.join(" | "));
            }
            Some(evidence)
        }
    }
}

fn remediation(
    findings: &[Finding],
    verdict: Verdict,
    smarthost: Option<&str>,
    nameservers: &[std::net::SocketAddr],
) -> Option<String> {
    let mut steps: Vec<String> = Vec::new();
    for finding in findings {
        let url = finding.zone.lookup_url_for(&finding.ip.to_string());
        match finding.worst_class() {
            Some(ListingClass::Critical) => steps.push(format!(
                "{} is on {} ({}): find and stop the source first (compromised account, script or host; check the mail queue and web application), then request delisting at {url}.",
                finding.ip,
                finding.zone.name,
                finding.lists().join(", ")
            )),
            Some(ListingClass::Reputation) => steps.push(format!(
                "{} is on {}: find why (spam sent from this host, mail to spam traps), fix it, then request removal at {url}.",
                finding.ip, finding.zone.name
            )),
            Some(ListingClass::Policy) if smarthost.is_none() => steps.push(format!(
                "{} is on the {} ({}): it should not send mail directly to MX hosts. Relay outbound mail through your provider's smarthost (Postfix `relayhost`, sendmail `SMART_HOST`, Exim smarthost router), or, if this is a static server address you control, request removal at {url}.",
                finding.ip,
                finding.zone.name,
                finding.lists().join(", ")
            )),
            _ => {}
        }
    }
    if steps.is_empty() && verdict == Verdict::Unknown {
        let mut text = "Make the blocklist lookups answerable: query through a local recursive resolver (e.g. unbound on 127.0.0.1) that reaches the blocklists directly, not a public or forwarding resolver; check the causes in the evidence, then run the check again.".to_string();
        if dns::public_resolver_note(nameservers).is_some() {
            text.push_str(" Spamhaus in particular refuses public resolvers; a free DQS key (`dqs_key`) also works.");
        }
        return Some(text);
    }
    (!steps.is_empty()).then(|| steps.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zen() -> Zone {
        catalogue::embedded()
            .zones
            .iter()
            .find(|z| z.id == "spamhaus-zen")
            .unwrap()
            .clone()
    }

    fn v4(text: &str) -> Ipv4Addr {
        text.parse().unwrap()
    }

    fn finding(state: Interpretation) -> Finding {
        Finding {
            ip: "203.0.113.25".parse().unwrap(),
            zone: zen(),
            zone_shown: "zen.spamhaus.org".into(),
            query_shown: "25.113.0.203.zen.spamhaus.org".into(),
            state,
            txt: Vec::new(),
        }
    }

    #[test]
    fn only_catalogued_codes_inside_127_8_are_listings() {
        let zone = zen();
        assert_eq!(
            interpret(&zone, &Ok(vec![v4("127.0.0.10"), v4("127.0.0.11")])),
            Interpretation::Listed {
                codes: vec![v4("127.0.0.10"), v4("127.0.0.11")],
                unexpected: vec![]
            }
        );
        assert_eq!(
            interpret(&zone, &Err(DnsError::NxDomain)),
            Interpretation::NotListed
        );
        assert_eq!(
            interpret(&zone, &Err(DnsError::NoData)),
            Interpretation::NotListed
        );
        for bad in [
            Err(DnsError::ServFail),
            Err(DnsError::Refused),
            Err(DnsError::Timeout),
            Err(DnsError::Malformed("x".into())),
            Ok(vec![v4("127.255.255.252")]),
            Ok(vec![v4("127.255.255.254")]),
            Ok(vec![v4("127.255.255.255")]),
            Ok(vec![v4("192.0.2.1")]),
            Ok(vec![v4("127.0.0.2"), v4("198.51.100.9")]),
            Ok(vec![v4("127.0.0.99")]),
        ] {
            assert!(
                matches!(interpret(&zone, &bad), Interpretation::Unknown(_)),
                "{bad:?} was not unknown"
            );
        }
        let Interpretation::Unknown(why) = interpret(&zone, &Ok(vec![v4("127.255.255.254")]))
        else {
            unreachable!()
        };
        assert!(why.contains("public/open resolver"), "{why}");
        // All records are read: an extra uncatalogued code does not hide the listing.
        assert_eq!(
            interpret(&zone, &Ok(vec![v4("127.0.0.99"), v4("127.0.0.4")])),
            Interpretation::Listed {
                codes: vec![v4("127.0.0.4")],
                unexpected: vec![v4("127.0.0.99")]
            }
        );
    }

    #[test]
    fn self_test_catches_dead_and_wildcard_zones() {
        let zone = zen();
        let listed = Ok(vec![v4("127.0.0.2"), v4("127.0.0.4"), v4("127.0.0.10")]);
        assert_eq!(self_test(&zone, &listed, &Err(DnsError::NxDomain)), None);
        let dead = self_test(&zone, &Err(DnsError::NxDomain), &Err(DnsError::NxDomain)).unwrap();
        assert!(dead.contains("dead"), "{dead}");
        let wildcard = self_test(&zone, &listed, &Ok(vec![v4("127.0.0.2")])).unwrap();
        assert!(wildcard.contains("wildcard"), "{wildcard}");
        let refused = self_test(
            &zone,
            &Ok(vec![v4("127.255.255.254")]),
            &Err(DnsError::NxDomain),
        )
        .unwrap();
        assert!(refused.contains("public/open resolver"), "{refused}");
        let timeout = self_test(&zone, &Err(DnsError::Timeout), &Err(DnsError::NxDomain)).unwrap();
        assert!(timeout.contains("no answer"), "{timeout}");
    }

    #[test]
    fn pbl_only_is_ok_behind_a_smarthost_and_sbl_is_critical_regardless() {
        let pbl = finding(Interpretation::Listed {
            codes: vec![v4("127.0.0.10"), v4("127.0.0.11")],
            unexpected: vec![],
        });
        let (verdict, summary) = decide(std::slice::from_ref(&pbl), None);
        assert_eq!(verdict, Verdict::Fail);
        assert!(summary.contains("Spamhaus ZEN (PBL)"), "{summary}");
        let (verdict, summary) = decide(
            std::slice::from_ref(&pbl),
            Some("[smtp.provider.example]:587"),
        );
        assert_eq!(verdict, Verdict::Pass);
        assert!(
            summary.contains("relays through [smtp.provider.example]:587"),
            "{summary}"
        );

        let sbl = finding(Interpretation::Listed {
            codes: vec![v4("127.0.0.2")],
            unexpected: vec![],
        });
        assert_eq!(
            decide(std::slice::from_ref(&sbl), Some("relay")).0,
            Verdict::Critical
        );
        let xbl_and_pbl = finding(Interpretation::Listed {
            codes: vec![v4("127.0.0.4"), v4("127.0.0.10")],
            unexpected: vec![],
        });
        assert_eq!(decide(&[xbl_and_pbl], Some("relay")).0, Verdict::Critical);
    }

    #[test]
    fn no_lookup_at_all_is_unknown_not_clean() {
        assert_eq!(decide(&[], None).0, Verdict::Unknown);
    }

    #[test]
    fn unknown_is_never_clean() {
        let clean = finding(Interpretation::NotListed);
        let unknown = finding(Interpretation::Unknown("SERVFAIL".into()));
        assert_eq!(decide(std::slice::from_ref(&clean), None).0, Verdict::Pass);
        let (verdict, summary) = decide(&[clean, unknown], None);
        assert_eq!(verdict, Verdict::Unknown);
        assert!(summary.contains("1 of 2"), "{summary}");
        assert!(summary.contains("SERVFAIL"), "{summary}");
    }

    #[test]
    fn zones_are_selected_with_keys_and_replacements() {
        let default: Vec<String> = Params::default()
            .selected_zones()
            .into_iter()
            .map(|z| z.id)
            .collect();
        assert!(default.contains(&"spamhaus-zen".to_string()));
        assert!(!default.contains(&"spamhaus-dqs".to_string()));
        assert!(!default.contains(&"barracuda".to_string()));
        let with_key = Params {
            dqs_key: Some("abc123".into()),
            ..Params::default()
        };
        let ids: Vec<String> = with_key
            .selected_zones()
            .into_iter()
            .map(|z| z.id)
            .collect();
        assert!(ids.contains(&"spamhaus-dqs".to_string()));
        assert!(!ids.contains(&"spamhaus-zen".to_string()));
        let dqs = catalogue::embedded()
            .zones
            .iter()
            .find(|z| z.id == "spamhaus-dqs")
            .unwrap();
        assert_eq!(
            zone_names(dqs, Some("abc123")),
            (
                "abc123.zen.dq.spamhaus.net".to_string(),
                "<dqs-key>.zen.dq.spamhaus.net".to_string()
            )
        );
        let unknown_zone = Params {
            zones: Some(vec!["nope".into()]),
            ..Params::default()
        };
        assert_eq!(unknown_zone.validate().unwrap_err().0, "zones");
        let bad_key = Params {
            dqs_key: Some("a.b".into()),
            ..Params::default()
        };
        assert_eq!(bad_key.validate().unwrap_err().0, "dqs_key");
        assert!(Params::default().validate().is_ok());
    }
}
