//! Egress addresses: the addresses receiving MX hosts see this host's mail come from.
//!
//! In order: `--egress-ip` (the engine takes it as is); on the live host, the source address
//! the kernel picks for a route to the internet when it is public; else (live host only) the
//! DNS discovery methods of the profile (e.g. an A query for `myip.opendns.com` sent to
//! resolver1.opendns.com); else none, and the DNS checks say `unknown`. A snapshot root
//! (`--root`) gets no discovery: this machine's address is not the captured host's.
//!
//! Discovery runs once per run, in the engine's asynchronous facts step, and only when a
//! DNS check is selected (file-only runs never touch the network).

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::time::Duration;

use serde::Deserialize;

use super::{DnsSettings, Resolver, non_public_reason};
use crate::checks::Params;
use crate::definition::CheckDefinition;
use crate::engine::facts::Facts;

/// One DNS-based discovery method, from a DNS check's `egress_discovery` parameter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscoveryMethod {
    /// The name whose answer is the asker's address (`myip.opendns.com`).
    pub query: String,
    /// `A`, `AAAA` or `TXT` (a TXT string holding the address, as Google's `o-o.myaddr`).
    #[serde(rename = "type", default = "default_record")]
    pub record: DiscoveryRecord,
    /// The server that answers it: IP, IP:PORT, [v6]:PORT, or a host name resolved
    /// through the run's resolvers (`resolver1.opendns.com`).
    pub nameserver: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum DiscoveryRecord {
    A,
    AAAA,
    TXT,
}

fn default_record() -> DiscoveryRecord {
    DiscoveryRecord::A
}

impl DiscoveryMethod {
    /// How the facts name this method (`dns:myip.opendns.com@resolver1.opendns.com`).
    pub fn label(&self) -> String {
        format!("dns:{}@{}", self.query, self.nameserver)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.query.trim().is_empty() || self.nameserver.trim().is_empty() {
            return Err("egress_discovery entries need `query` and `nameserver`".into());
        }
        Ok(())
    }
}

/// Fills `facts.egress_ips` and `facts.egress_ip_method` when `--egress-ip` did not.
pub async fn discover(
    facts: &mut Facts,
    live_host: bool,
    methods: &[DiscoveryMethod],
    settings: DnsSettings,
) {
    if !facts.egress_ips.is_empty() {
        return;
    }
    if live_host {
        let routed = route_source_addresses();
        if !routed.is_empty() {
            facts.egress_ips = routed;
            facts.egress_ip_method = "interfaces".to_string();
            return;
        }
        facts.notes.push(
            "egress IP: no public address on a local interface (behind NAT?), trying DNS discovery"
                .to_string(),
        );
    } else {
        // Neither this machine's interfaces nor what a DNS service sees of this machine say
        // anything about the captured host.
        facts.egress_ip_method = "unknown".to_string();
        facts.notes.push(
            "egress IP: auditing a snapshot, whose address only the operator knows: give --egress-ip"
                .to_string(),
        );
        return;
    }
    let mut failures = Vec::new();
    for method in methods {
        match discover_by_dns(method, &facts.nameservers, settings).await {
            Ok(ips) => {
                facts.egress_ips = ips;
                facts.egress_ip_method = method.label();
                return;
            }
            Err(why) => failures.push(format!("{}: {why}", method.label())),
        }
    }
    facts.egress_ip_method = "unknown".to_string();
    if methods.is_empty() {
        facts
            .notes
            .push("egress IP: no DNS discovery method in the profile".to_string());
    }
    for failure in failures {
        facts.notes.push(format!("egress IP discovery {failure}"));
    }
}

/// Public source addresses the kernel would use towards the internet, per family.
/// Connecting a UDP socket sends nothing; it only selects the route and source address.
pub fn route_source_addresses() -> Vec<IpAddr> {
    let probes: [(&str, &str); 2] = [
        ("0.0.0.0:0", "8.8.8.8:53"),
        ("[::]:0", "[2001:4860:4860::8888]:53"),
    ];
    probes
        .iter()
        .filter_map(|(bind, target)| {
            let socket = UdpSocket::bind(bind).ok()?;
            socket.connect(target).ok()?;
            let address = socket.local_addr().ok()?.ip();
            non_public_reason(address).is_none().then_some(address)
        })
        .collect()
}

pub async fn discover_by_dns(
    method: &DiscoveryMethod,
    nameservers: &[SocketAddr],
    settings: DnsSettings,
) -> Result<Vec<IpAddr>, String> {
    let server = match crate::cli::parse_nameserver(&method.nameserver) {
        Ok(address) => address,
        Err(_) => {
            let resolver = Resolver::new(nameservers, settings).map_err(|e| e.to_string())?;
            let addresses = resolver
                .a(&method.nameserver)
                .await
                .map_err(|e| format!("cannot resolve {}: {e}", method.nameserver))?;
            let first = addresses
                .first()
                .ok_or_else(|| format!("{} has no address", method.nameserver))?;
            SocketAddr::new(IpAddr::V4(*first), 53)
        }
    };
    let resolver = Resolver::new(&[server], settings).map_err(|e| e.to_string())?;
    let found: Vec<IpAddr> = match method.record {
        DiscoveryRecord::A => resolver
            .a(&method.query)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(IpAddr::V4)
            .collect(),
        DiscoveryRecord::AAAA => resolver
            .aaaa(&method.query)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(IpAddr::V6)
            .collect(),
        DiscoveryRecord::TXT => resolver
            .txt(&method.query)
            .await
            .map_err(|e| e.to_string())?
            .iter()
            .filter_map(|text| text.trim().parse::<IpAddr>().ok())
            .collect(),
    };
    let public: Vec<IpAddr> = found
        .iter()
        .copied()
        .filter(|ip| non_public_reason(*ip).is_none())
        .collect();
    if public.is_empty() {
        return Err(match found.first() {
            Some(ip) => format!("answered {ip}, which is not a public address"),
            None => "no address in the answer".to_string(),
        });
    }
    Ok(public)
}

/// What discovery the selected checks ask for: `None` when no DNS check is selected (a
/// file-only run never touches the network); else their methods (deduplicated) and the most
/// patient settings among them.
pub fn plan(definitions: &[CheckDefinition]) -> Option<(Vec<DiscoveryMethod>, DnsSettings)> {
    let mut methods: Vec<DiscoveryMethod> = Vec::new();
    let mut settings: Option<DnsSettings> = None;
    for definition in definitions {
        let (own_methods, own_settings) = match &definition.params {
            Params::Dnsbl(params) => (&params.egress_discovery, params.settings()),
            Params::Fcrdns(params) => (&params.egress_discovery, params.settings()),
            _ => continue,
        };
        for method in own_methods {
            if !methods.contains(method) {
                methods.push(method.clone());
            }
        }
        settings = Some(match settings {
            Some(s) if s.lookup_bound() >= own_settings.lookup_bound() => s,
            _ => own_settings,
        });
    }
    settings.map(|settings| (methods, settings))
}

/// Upper bound of the discovery step (each method resolves at most two names).
pub fn discovery_bound(methods: &[DiscoveryMethod], settings: DnsSettings) -> Duration {
    settings.lookup_bound() * 2 * methods.len().max(1) as u32 + Duration::from_millis(100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_labelled_and_validated() {
        let method = DiscoveryMethod {
            query: "myip.opendns.com".into(),
            record: DiscoveryRecord::A,
            nameserver: "resolver1.opendns.com".into(),
        };
        assert_eq!(method.label(), "dns:myip.opendns.com@resolver1.opendns.com");
        assert!(method.validate().is_ok());
        let empty = DiscoveryMethod {
            query: " ".into(),
            ..method
        };
        assert!(empty.validate().is_err());
    }

    #[test]
    fn route_sources_are_never_private() {
        for address in route_source_addresses() {
            assert_eq!(non_public_reason(address), None, "{address}");
        }
    }

    #[tokio::test]
    async fn a_snapshot_without_methods_is_unknown() {
        let mut facts = Facts::default();
        discover(&mut facts, false, &[], DnsSettings::default()).await;
        assert!(facts.egress_ips.is_empty());
        assert_eq!(facts.egress_ip_method, "unknown");
        assert!(facts.notes.iter().any(|n| n.contains("give --egress-ip")));
        // Even with methods: a snapshot is never discovered from this machine.
        let method = DiscoveryMethod {
            query: "myip.opendns.com".into(),
            record: DiscoveryRecord::A,
            nameserver: "192.0.2.53".into(),
        };
        let mut facts = Facts::default();
        discover(&mut facts, false, &[method], DnsSettings::default()).await;
        assert_eq!(facts.egress_ip_method, "unknown");
    }
}
