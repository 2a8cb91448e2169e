//! `fcrdns`: the chain receivers check before they trust a sending host.
//!
//! 1. the host name is an FQDN (not `localhost`, has a dot) and resolves;
//! 2. each egress IP has a PTR record;
//! 3. the PTR name resolves back to the IP (forward-confirmed reverse DNS);
//! 4. it matches the host name or the MTA's HELO name (`mta.helo_name`, `/etc/mailname`);
//! 5. it does not look generic/dynamic (patterns in `checks/generic-ptr.toml`).
//!
//! Each finding names the link of the chain that broke. A missing or unconfirmed PTR is a
//! failure (the definition's severity: big receivers refuse such mail outright); a mismatch
//! or a generic name is a warning (filters score it).

use std::net::IpAddr;
use std::time::{Duration, Instant};

use serde::Deserialize;
use tokio::task::JoinSet;

use crate::checks::{Outcome, Verdict};
use crate::definition::duration::deserialize_duration;
use crate::dns::egress::DiscoveryMethod;
use crate::dns::{self, DnsError, DnsSettings, Resolver, generic_ptr};
use crate::engine::Context;
use crate::report::Evidence;

/// Parameters of an `fcrdns` check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    #[serde(
        default = "dns::default_query_timeout",
        deserialize_with = "deserialize_duration"
    )]
    pub query_timeout: Duration,
    #[serde(default = "dns::default_attempts")]
    pub attempts: usize,
    /// How to discover the egress address when neither --egress-ip nor the interfaces give it.
    #[serde(default)]
    pub egress_discovery: Vec<DiscoveryMethod>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            query_timeout: dns::default_query_timeout(),
            attempts: dns::default_attempts(),
            egress_discovery: Vec::new(),
        }
    }
}

impl Params {
    pub fn settings(&self) -> DnsSettings {
        DnsSettings {
            query_timeout: self.query_timeout,
            attempts: self.attempts,
        }
    }

    pub fn validate(&self) -> Result<(), (String, String)> {
        self.settings().validate()?;
        for method in &self.egress_discovery {
            method
                .validate()
                .map_err(|e| ("egress_discovery".to_string(), e))?;
        }
        Ok(())
    }
}

/// One link of the chain, decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub verdict: Verdict,
    pub label: &'static str,
    pub text: String,
    pub source: String,
}

impl Link {
    fn new(verdict: Verdict, label: &'static str, text: String, source: String) -> Link {
        Link {
            verdict,
            label,
            text,
            source,
        }
    }
}

/// Is `name` usable as a mail host name? `Err` says why not.
pub fn fqdn_problem(name: &str) -> Option<String> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name == "localhost" || name.starts_with("localhost.") || name.ends_with(".localdomain") {
        return Some(format!(
            "{name:?} is a local name; receivers need a fully qualified domain name"
        ));
    }
    if !name.contains('.') {
        return Some(format!(
            "{name:?} is not a fully qualified domain name (no dot): set the FQDN in /etc/hosts or the MTA's host name"
        ));
    }
    None
}

/// The names a PTR may match: the FQDN/host name, the HELO name and the mail name.
fn own_names(context: &Context) -> Vec<(String, &'static str)> {
    let facts = &context.facts;
    let mut names: Vec<(String, &'static str)> = Vec::new();
    let candidates = [
        (facts.fqdn.as_deref(), "host name"),
        (facts.hostname.as_deref(), "host name"),
        (facts.mta.helo_name.as_deref(), "HELO name"),
        (facts.mailname.as_deref(), "/etc/mailname"),
    ];
    for (name, what) in candidates {
        if let Some(name) = name {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            // A PTR is always qualified: a short name can never match it.
            if name.contains('.') && !names.iter().any(|(n, _)| *n == name) {
                names.push((name, what));
            }
        }
    }
    names
}

/// Checks the chain for one address: PTR → forward → match → generic (links 2–5).
pub async fn check_address(
    resolver: Resolver,
    ip: IpAddr,
    own_names: Vec<(String, &'static str)>,
) -> Vec<Link> {
    let reverse = dns::reverse_pointer_name(ip);
    let ptr_names = match resolver.ptr(ip).await {
        Ok(names) if !names.is_empty() => names,
        Ok(_) | Err(DnsError::NxDomain) | Err(DnsError::NoData) => {
            return vec![Link::new(
                Verdict::Fail,
                "link 2: PTR record",
                format!(
                    "{ip} has no PTR record (reverse DNS): many receivers refuse mail from such addresses outright"
                ),
                reverse,
            )];
        }
        Err(error) => {
            return vec![Link::new(
                Verdict::Unknown,
                "link 2: PTR record",
                format!("could not look up the PTR of {ip}: {error}"),
                reverse,
            )];
        }
    };
    let mut links = vec![Link::new(
        Verdict::Pass,
        "link 2: PTR record",
        format!("{ip} has PTR {}", ptr_names.join(", ")),
        reverse.clone(),
    )];
    let mut confirmed = Vec::new();
    let mut unconfirmed = Vec::new();
    let mut undetermined = Vec::new();
    // Forward lookups of every PTR name at once.
    let mut forwards = JoinSet::new();
    for name in ptr_names.clone() {
        let resolver = resolver.clone();
        forwards.spawn(async move {
            let answer = resolver.addresses_like(&name, ip).await;
            (name, answer)
        });
    }
    while let Some(joined) = forwards.join_next().await {
        let Ok((name, answer)) = joined else { continue };
        match answer {
            Ok(addresses) if addresses.contains(&ip) => confirmed.push(name),
            Ok(addresses) => {
                let shown: Vec<String> = addresses.iter().map(IpAddr::to_string).collect();
                unconfirmed.push(format!("{name} resolves to {}", shown.join(", ")));
            }
            Err(error) if error.is_negative() => {
                unconfirmed.push(format!("{name} does not resolve ({error})"))
            }
            Err(error) => undetermined.push(format!("{name}: {error}")),
        }
    }
    confirmed.sort();
    if confirmed.is_empty() {
        if !unconfirmed.is_empty() {
            links.push(Link::new(
                Verdict::Fail,
                "link 3: forward confirmation",
                format!(
                    "the PTR of {ip} is not forward-confirmed: {}, not back to {ip}",
                    unconfirmed.join("; ")
                ),
                ptr_names.join(", "),
            ));
        }
        if !undetermined.is_empty() {
            links.push(Link::new(
                Verdict::Unknown,
                "link 3: forward confirmation",
                format!(
                    "could not resolve the PTR name of {ip} back: {}",
                    undetermined.join("; ")
                ),
                ptr_names.join(", "),
            ));
        }
        // Links 4–5 are judged on unconfirmed names too: they tell what to fix.
    } else {
        links.push(Link::new(
            Verdict::Pass,
            "link 3: forward confirmation",
            format!(
                "{} resolves back to {ip} (forward-confirmed)",
                confirmed.join(", ")
            ),
            confirmed.join(", "),
        ));
    }
    let judged: Vec<String> = if confirmed.is_empty() {
        ptr_names.clone()
    } else {
        confirmed.clone()
    };

    let matching = judged.iter().find_map(|name| {
        own_names
            .iter()
            .find(|(own, _)| own.eq_ignore_ascii_case(name))
            .map(|(own, what)| format!("{name} is the {what} ({own})"))
    });
    match matching {
        Some(text) => links.push(Link::new(
            Verdict::Pass,
            "link 4: name match",
            text,
            judged.join(", "),
        )),
        None => {
            let own: Vec<String> = own_names
                .iter()
                .map(|(name, what)| format!("{what} {name}"))
                .collect();
            let own = if own.is_empty() {
                "no host or HELO name is known".to_string()
            } else {
                own.join(", ")
            };
            links.push(Link::new(
                Verdict::Warning,
                "link 4: name match",
                format!(
                    "the PTR name {} of {ip} matches none of this host's names ({own}); receivers compare it with the HELO name",
                    judged.join(", ")
                ),
                judged.join(", "),
            ));
        }
    }

    for name in &judged {
        let hints = generic_ptr::embedded().hints(name, ip);
        if !hints.is_empty() {
            links.push(Link::new(
                Verdict::Warning,
                "link 5: generic name",
                format!(
                    "the PTR name {name} looks generic (an access line, not a mail server): {}",
                    hints.join(", ")
                ),
                name.clone(),
            ));
        }
    }
    links
}

/// Link 1: the host name.
async fn check_host_name(resolver: Resolver, name: Option<String>) -> Vec<Link> {
    let Some(name) = name else {
        return vec![Link::new(
            Verdict::Fail,
            "link 1: host name",
            "the host name is not known (no /etc/hostname?)".to_string(),
            "/etc/hostname".to_string(),
        )];
    };
    if let Some(problem) = fqdn_problem(&name) {
        return vec![Link::new(
            Verdict::Fail,
            "link 1: host name",
            problem,
            "/etc/hostname, /etc/hosts".to_string(),
        )];
    }
    let (v4, v6) = tokio::join!(resolver.a(&name), resolver.aaaa(&name));
    let mut addresses: Vec<String> = Vec::new();
    let mut errors: Vec<DnsError> = Vec::new();
    match v4 {
        Ok(found) => addresses.extend(found.iter().map(|a| a.to_string())),
        Err(error) => errors.push(error),
    }
    match v6 {
        Ok(found) => addresses.extend(found.iter().map(|a| a.to_string())),
        Err(error) => errors.push(error),
    }
    if !addresses.is_empty() {
        return vec![Link::new(
            Verdict::Pass,
            "link 1: host name",
            format!("{name} is an FQDN and resolves to {}", addresses.join(", ")),
            name,
        )];
    }
    if let Some(error) = errors.iter().find(|e| !e.is_negative()) {
        return vec![Link::new(
            Verdict::Unknown,
            "link 1: host name",
            format!("could not resolve the host name {name}: {error}"),
            name,
        )];
    }
    let cause = errors
        .first()
        .map(|e| e.to_string())
        .unwrap_or_else(|| "no address".to_string());
    vec![Link::new(
        Verdict::Warning,
        "link 1: host name",
        format!("the host name {name} does not resolve in DNS: {cause}"),
        name,
    )]
}

/// The verdict over all links (pure): a broken link fails, then warnings, then unknowns.
pub fn decide(links: &[Link]) -> (Verdict, String) {
    for verdict in [Verdict::Fail, Verdict::Warning, Verdict::Unknown] {
        let hits: Vec<&Link> = links.iter().filter(|l| l.verdict == verdict).collect();
        if let Some(first) = hits.first() {
            let more = if hits.len() > 1 {
                format!(" (+{} more)", hits.len() - 1)
            } else {
                String::new()
            };
            return (verdict, format!("{}: {}{more}", first.label, first.text));
        }
    }
    let confirmed: Vec<&str> = links
        .iter()
        .filter(|l| l.label.starts_with("link 3"))
        .map(|l| l.text.as_str())
        .collect();
    (
        Verdict::Pass,
        format!(
            "host name and reverse DNS are consistent: {}",
            confirmed.join("; ")
        ),
    )
}

pub async fn run(params: &Params, context: &Context) -> Outcome {
    let started = Instant::now();
    let facts = &context.facts;
    let resolver = match Resolver::new(&facts.nameservers, params.settings()) {
        Ok(resolver) => resolver,
        Err(error) => return Outcome::unknown(format!("cannot query DNS: {error}")),
    };
    let own = own_names(context);
    let host_name = facts.fqdn.clone().or_else(|| facts.hostname.clone());

    let mut notes = Vec::new();
    let mut public_ips = Vec::new();
    for &ip in &facts.egress_ips {
        match dns::non_public_reason(ip) {
            Some(reason) => notes.push(Link::new(
                Verdict::Unknown,
                "egress IP not public",
                format!(
                    "{ip} is {reason}: receivers never see it, so its reverse DNS says nothing; give the public address with --egress-ip"
                ),
                format!("egress IP ({})", facts.egress_ip_method),
            )),
            None => public_ips.push(ip),
        }
    }
    if facts.egress_ips.is_empty() {
        notes.push(Link::new(
            Verdict::Unknown,
            "egress IP",
            format!(
                "the egress IP is not known (method: {}), so its PTR cannot be checked; give --egress-ip",
                if facts.egress_ip_method.is_empty() { "none" } else { &facts.egress_ip_method }
            ),
            "facts.egress_ips".to_string(),
        ));
    }

    // The host name and every address's chain, concurrently.
    let mut chains = JoinSet::new();
    chains.spawn(check_host_name(resolver.clone(), host_name));
    for ip in public_ips.iter().copied() {
        chains.spawn(check_address(resolver.clone(), ip, own.clone()));
    }
    let mut links = Vec::new();
    while let Some(joined) = chains.join_next().await {
        if let Ok(found) = joined {
            links.extend(found);
        }
    }
    links.sort_by_key(|l| l.label);
    links.extend(notes);

    let (verdict, summary) = decide(&links);
    let mut outcome = Outcome::new(verdict, summary);
    for link in &links {
        outcome = outcome.evidence(
            Evidence::new(link.label, link.text.clone())
                .at(link.source.clone())
                .with(
                    "result",
                    match link.verdict {
                        Verdict::Pass => "ok",
                        Verdict::Fail | Verdict::Critical => "broken",
                        Verdict::Warning => "warning",
                        Verdict::Unknown | Verdict::Skipped => "unknown",
                    },
                ),
        );
    }
    outcome
        .metric("egress_ips", public_ips.len())
        .metric("lookup_seconds", started.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_must_be_fully_qualified() {
        assert!(fqdn_problem("localhost").is_some());
        assert!(fqdn_problem("localhost.localdomain").is_some());
        assert!(fqdn_problem("web1").unwrap().contains("no dot"));
        assert_eq!(fqdn_problem("web1.shop.example"), None);
        assert_eq!(fqdn_problem("web1.shop.example."), None);
    }

    fn link(verdict: Verdict, label: &'static str) -> Link {
        Link::new(verdict, label, "text".into(), "source".into())
    }

    #[test]
    fn the_worst_link_decides_and_is_named() {
        let (verdict, summary) = decide(&[
            link(Verdict::Pass, "link 1: host name"),
            link(Verdict::Unknown, "link 1: host name"),
            link(Verdict::Warning, "link 5: generic name"),
            link(Verdict::Fail, "link 3: forward confirmation"),
        ]);
        assert_eq!(verdict, Verdict::Fail);
        assert!(
            summary.starts_with("link 3: forward confirmation"),
            "{summary}"
        );
        assert_eq!(
            decide(&[link(Verdict::Pass, "a"), link(Verdict::Unknown, "b")]).0,
            Verdict::Unknown
        );
        assert_eq!(decide(&[link(Verdict::Pass, "a")]).0, Verdict::Pass);
    }
}
