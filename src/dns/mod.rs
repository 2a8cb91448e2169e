//! DNS for the `fcrdns` and `dnsbl` checks: a resolver built only from the run's
//! nameservers (never from the system configuration behind our back), a small typed API
//! (A, AAAA, PTR, TXT), and answers that say exactly why a lookup did not give records.
//!
//! Every lookup is bounded by `query_timeout × attempts`, whatever the resolver library does.

pub mod catalogue;
pub mod egress;
pub mod generic_ptr;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use crate::definition::duration::format_duration;
use hickory_resolver::TokioResolver;
use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
    ServerOrderingStrategy,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError, NoRecords};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{Name, RData, RecordType};

/// How patient lookups are; from each DNS check's parameters `query_timeout` and
/// `attempts` (see [`default_query_timeout`], [`default_attempts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DnsSettings {
    /// How long one attempt of one query may take.
    pub query_timeout: Duration,
    /// How many times a query is sent before giving up (UDP loss is also retried
    /// within an attempt).
    pub attempts: usize,
}

pub fn default_query_timeout() -> Duration {
    Duration::from_secs(3)
}

pub fn default_attempts() -> usize {
    1
}

impl Default for DnsSettings {
    fn default() -> Self {
        DnsSettings {
            query_timeout: default_query_timeout(),
            attempts: default_attempts(),
        }
    }
}

impl DnsSettings {
    /// The longest a single lookup may take.
    pub fn lookup_bound(&self) -> Duration {
        self.query_timeout * self.attempts.max(1) as u32
    }

    /// Cross-field validation for `Params::validate`.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.query_timeout.is_zero() {
            return Err((
                "query_timeout".into(),
                "must be more than 0 (e.g. \"2s\")".into(),
            ));
        }
        if !(1..=10).contains(&self.attempts) {
            return Err(("attempts".into(), "must be between 1 and 10".into()));
        }
        Ok(())
    }
}

/// Why a lookup gave no records. Negative answers (`NxDomain`, `NoData`) are answers;
/// everything else means "could not determine".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DnsError {
    /// NXDOMAIN: the name does not exist.
    NxDomain,
    /// NOERROR without records of the asked type: the name exists, the type does not.
    NoData,
    /// SERVFAIL from the resolver.
    ServFail,
    /// REFUSED: the resolver will not answer us (ACL, rate limit, policy).
    Refused,
    /// No answer within the time allowed.
    Timeout,
    /// An answer that could not be decoded, was truncated beyond repair, or did not match.
    Malformed(String),
    /// Another response code (FORMERR, NOTIMP…).
    Rcode(String),
    /// No resolver configured, or the network refused to carry the query.
    Network(String),
    /// The name to query is not a valid DNS name.
    BadName(String),
}

impl DnsError {
    /// NXDOMAIN or NODATA: the DNS answered "nothing here".
    pub fn is_negative(&self) -> bool {
        matches!(self, DnsError::NxDomain | DnsError::NoData)
    }

    /// A short machine-friendly name (`nxdomain`, `servfail`, `timeout`…).
    pub fn code(&self) -> &'static str {
        match self {
            DnsError::NxDomain => "nxdomain",
            DnsError::NoData => "nodata",
            DnsError::ServFail => "servfail",
            DnsError::Refused => "refused",
            DnsError::Timeout => "timeout",
            DnsError::Malformed(_) => "malformed",
            DnsError::Rcode(_) => "rcode",
            DnsError::Network(_) => "network",
            DnsError::BadName(_) => "bad-name",
        }
    }
}

impl fmt::Display for DnsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DnsError::NxDomain => f.write_str("NXDOMAIN (the name does not exist)"),
            DnsError::NoData => f.write_str("NODATA (the name exists but has no such record)"),
            DnsError::ServFail => f.write_str("SERVFAIL (the resolver failed to get an answer)"),
            DnsError::Refused => f.write_str("REFUSED (the resolver refused to answer us)"),
            DnsError::Timeout => f.write_str("no answer before the timeout"),
            DnsError::Malformed(why) => write!(f, "malformed answer ({why})"),
            DnsError::Rcode(code) => write!(f, "error response {code}"),
            DnsError::Network(why) => write!(f, "network error ({why})"),
            DnsError::BadName(why) => write!(f, "invalid DNS name ({why})"),
        }
    }
}

/// A resolver over the given nameservers only.
#[derive(Clone)]
pub struct Resolver {
    inner: TokioResolver,
    settings: DnsSettings,
}

impl Resolver {
    /// Builds a resolver for `nameservers` (UDP, falling back to TCP for truncated
    /// answers; IPv4 or IPv6 per address). No search domains, no hosts file, no cache
    /// shared with anything else.
    pub fn new(nameservers: &[SocketAddr], settings: DnsSettings) -> Result<Resolver, DnsError> {
        if nameservers.is_empty() {
            return Err(DnsError::Network(
                "no nameserver configured: give --nameserver or a resolv.conf with a nameserver line".into(),
            ));
        }
        let servers = nameservers
            .iter()
            .map(|address| {
                let mut udp = ConnectionConfig::udp();
                udp.port = address.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = address.port();
                NameServerConfig::new(address.ip(), true, vec![udp, tcp])
            })
            .collect();
        let mut options = ResolverOpts::default();
        options.timeout = settings.query_timeout;
        options.attempts = settings.attempts.max(1);
        options.use_hosts_file = ResolveHosts::Never;
        options.ndots = 0;
        options.server_ordering_strategy = ServerOrderingStrategy::UserProvidedOrder;
        options.preserve_intermediates = false;
        // A blocklist check sends every query at once; do not queue them.
        options.max_active_requests = 4096;
        let inner = TokioResolver::builder_with_config(
            ResolverConfig::from_name_servers(servers),
            TokioRuntimeProvider::default(),
        )
        .with_options(options)
        .build()
        .map_err(|e| DnsError::Network(format!("cannot set up the resolver: {e}")))?;
        Ok(Resolver { inner, settings })
    }

    pub fn settings(&self) -> DnsSettings {
        self.settings
    }

    /// All records of `record_type` at `name` (absolute; a trailing dot is optional).
    async fn lookup(&self, name: &str, record_type: RecordType) -> Result<Vec<RData>, DnsError> {
        let name = absolute_name(name)?;
        let bound = self.settings.lookup_bound() + Duration::from_millis(50);
        let lookup = self.inner.lookup(name, record_type);
        let answer = match tokio::time::timeout(bound, lookup).await {
            Err(_) => return Err(DnsError::Timeout),
            Ok(Err(error)) => return Err(classify(error)),
            Ok(Ok(answer)) => answer,
        };
        let records: Vec<RData> = answer
            .answers()
            .iter()
            .filter(|record| record.record_type() == record_type)
            .map(|record| record.data.clone())
            .collect();
        if records.is_empty() {
            return Err(DnsError::NoData);
        }
        Ok(records)
    }

    pub async fn a(&self, name: &str) -> Result<Vec<Ipv4Addr>, DnsError> {
        let records = self.lookup(name, RecordType::A).await?;
        Ok(records
            .into_iter()
            .filter_map(|data| match data {
                RData::A(a) => Some(a.0),
                _ => None,
            })
            .collect())
    }

    pub async fn aaaa(&self, name: &str) -> Result<Vec<Ipv6Addr>, DnsError> {
        let records = self.lookup(name, RecordType::AAAA).await?;
        Ok(records
            .into_iter()
            .filter_map(|data| match data {
                RData::AAAA(aaaa) => Some(aaaa.0),
                _ => None,
            })
            .collect())
    }

    /// Addresses of `name` of the same family as `like` (A for IPv4, AAAA for IPv6).
    pub async fn addresses_like(&self, name: &str, like: IpAddr) -> Result<Vec<IpAddr>, DnsError> {
        match like {
            IpAddr::V4(_) => Ok(self.a(name).await?.into_iter().map(IpAddr::V4).collect()),
            IpAddr::V6(_) => Ok(self.aaaa(name).await?.into_iter().map(IpAddr::V6).collect()),
        }
    }

    /// PTR names of `ip`, without the trailing dot.
    pub async fn ptr(&self, ip: IpAddr) -> Result<Vec<String>, DnsError> {
        let name = reverse_pointer_name(ip);
        let records = self.lookup(&name, RecordType::PTR).await?;
        Ok(records
            .into_iter()
            .filter_map(|data| match data {
                RData::PTR(ptr) => Some(display_name(&ptr.0)),
                _ => None,
            })
            .collect())
    }

    /// TXT strings of `name`, each record's strings joined (lossy UTF-8).
    pub async fn txt(&self, name: &str) -> Result<Vec<String>, DnsError> {
        let records = self.lookup(name, RecordType::TXT).await?;
        Ok(records
            .into_iter()
            .filter_map(|data| match data {
                RData::TXT(txt) => Some(
                    txt.txt_data
                        .iter()
                        .map(|part| String::from_utf8_lossy(part).into_owned())
                        .collect::<String>(),
                ),
                _ => None,
            })
            .collect())
    }
}

fn absolute_name(name: &str) -> Result<Name, DnsError> {
    let text = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    Name::from_ascii(&text).map_err(|e| DnsError::BadName(format!("{name:?}: {e}")))
}

fn display_name(name: &Name) -> String {
    name.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

/// Maps the resolver library's error to what it means for a check.
fn classify(error: NetError) -> DnsError {
    match error {
        NetError::Dns(HickoryDnsError::NoRecordsFound(NoRecords { response_code, .. })) => {
            rcode(response_code)
        }
        NetError::Dns(HickoryDnsError::ResponseCode(code)) => rcode(code),
        NetError::Timeout => DnsError::Timeout,
        NetError::Truncated => DnsError::Malformed(
            "the answer was truncated and could not be fetched in full over TCP".into(),
        ),
        NetError::QueryCaseMismatch => {
            DnsError::Malformed("the answer does not match the question".into())
        }
        NetError::Proto(e) => DnsError::Malformed(e.to_string()),
        NetError::NoConnections => DnsError::Network("no connection to any nameserver".into()),
        NetError::Io(e) => DnsError::Network(e.to_string()),
        other => DnsError::Network(other.to_string()),
    }
}

fn rcode(code: ResponseCode) -> DnsError {
    match code {
        ResponseCode::NXDomain => DnsError::NxDomain,
        ResponseCode::NoError => DnsError::NoData,
        ResponseCode::ServFail => DnsError::ServFail,
        ResponseCode::Refused => DnsError::Refused,
        other => DnsError::Rcode(other.to_string()),
    }
}

/// The label sequence of an address in reverse order, without a suffix: `25.113.0.203`
/// for 203.0.113.25, 32 nibbles for IPv6 (RFC 5782 §2.1/2.4).
pub fn reversed_labels(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, c, d] = v4.octets();
            format!("{d}.{c}.{b}.{a}")
        }
        IpAddr::V6(v6) => {
            let mut labels = Vec::with_capacity(32);
            for byte in v6.octets().iter().rev() {
                labels.push(format!("{:x}", byte & 0x0f));
                labels.push(format!("{:x}", byte >> 4));
            }
            labels.join(".")
        }
    }
}

/// The PTR query name of an address (`25.113.0.203.in-addr.arpa`).
pub fn reverse_pointer_name(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(_) => format!("{}.in-addr.arpa", reversed_labels(ip)),
        IpAddr::V6(_) => format!("{}.ip6.arpa", reversed_labels(ip)),
    }
}

/// Why an address cannot be what receiving MX hosts see, or `None` when it is public
/// (documentation ranges count as public: fixtures use them).
pub fn non_public_reason(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => {
            if v4.is_loopback() {
                Some("a loopback address")
            } else if v4.is_private() {
                Some("a private address (RFC 1918)")
            } else if v4.is_link_local() {
                Some("a link-local address")
            } else if v4.is_unspecified() {
                Some("the unspecified address")
            } else if v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64 {
                Some("a carrier-grade NAT address (RFC 6598)")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return non_public_reason(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("the unspecified address")
            } else if (first & 0xfe00) == 0xfc00 {
                Some("a unique local address (fc00::/7)")
            } else if (first & 0xffc0) == 0xfe80 {
                Some("a link-local address")
            } else {
                None
            }
        }
    }
}

/// Big public resolvers, by address. Spamhaus (and some other blocklists) refuse queries
/// that reach them through these: a Spamhaus zone then answers 127.255.255.254 or nothing.
const PUBLIC_RESOLVERS: &[(&str, &str)] = &[
    ("8.8.8.8", "Google Public DNS"),
    ("8.8.4.4", "Google Public DNS"),
    ("2001:4860:4860::8888", "Google Public DNS"),
    ("2001:4860:4860::8844", "Google Public DNS"),
    ("1.1.1.1", "Cloudflare"),
    ("1.0.0.1", "Cloudflare"),
    ("1.1.1.2", "Cloudflare for Families"),
    ("1.0.0.2", "Cloudflare for Families"),
    ("1.1.1.3", "Cloudflare for Families"),
    ("1.0.0.3", "Cloudflare for Families"),
    ("2606:4700:4700::1111", "Cloudflare"),
    ("2606:4700:4700::1001", "Cloudflare"),
    ("9.9.9.9", "Quad9"),
    ("149.112.112.112", "Quad9"),
    ("9.9.9.10", "Quad9"),
    ("9.9.9.11", "Quad9"),
    ("2620:fe::fe", "Quad9"),
    ("2620:fe::9", "Quad9"),
    ("208.67.222.222", "OpenDNS"),
    ("208.67.220.220", "OpenDNS"),
    ("208.67.222.123", "OpenDNS FamilyShield"),
    ("208.67.220.123", "OpenDNS FamilyShield"),
    ("2620:119:35::35", "OpenDNS"),
    ("2620:119:53::53", "OpenDNS"),
    ("94.140.14.14", "AdGuard DNS"),
    ("94.140.15.15", "AdGuard DNS"),
    ("76.76.2.0", "Control D"),
    ("76.76.10.0", "Control D"),
    ("185.228.168.9", "CleanBrowsing"),
    ("185.228.169.9", "CleanBrowsing"),
    ("64.6.64.6", "Verisign Public DNS"),
    ("64.6.65.6", "Verisign Public DNS"),
    ("4.2.2.1", "Level3/Lumen"),
    ("4.2.2.2", "Level3/Lumen"),
    ("77.88.8.8", "Yandex DNS"),
    ("77.88.8.1", "Yandex DNS"),
];

/// The operator of a big public resolver at `ip`, if it is one.
pub fn public_resolver(ip: IpAddr) -> Option<&'static str> {
    PUBLIC_RESOLVERS
        .iter()
        .find(|(address, _)| address.parse::<IpAddr>().is_ok_and(|a| a == ip))
        .map(|(_, name)| *name)
}

/// One line naming the public resolvers among `nameservers` and what it means, if any.
pub fn public_resolver_note(nameservers: &[SocketAddr]) -> Option<String> {
    let named: Vec<String> = nameservers
        .iter()
        .filter_map(|s| public_resolver(s.ip()).map(|name| format!("{} ({name})", s.ip())))
        .collect();
    (!named.is_empty()).then(|| {
        format!(
            "the resolver in use is a big public resolver: {}; Spamhaus refuses queries that come through public resolvers (answer 127.255.255.254 or no answer), so its results cannot be trusted — use a local recursive resolver (e.g. unbound) or Spamhaus DQS with a key",
            named.join(", ")
        )
    })
}

/// "3s" / "1500ms", for messages.
pub fn describe_duration(duration: Duration) -> String {
    format_duration(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_reversed_for_queries() {
        assert_eq!(
            reversed_labels("203.0.113.25".parse().unwrap()),
            "25.113.0.203"
        );
        assert_eq!(
            reverse_pointer_name("203.0.113.25".parse().unwrap()),
            "25.113.0.203.in-addr.arpa"
        );
        let v6 = reversed_labels("2001:db8::1:25".parse().unwrap());
        assert_eq!(
            v6,
            "5.2.0.0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
        );
        assert_eq!(v6.split('.').count(), 32);
    }

    #[test]
    fn private_and_loopback_addresses_are_not_public() {
        for ip in [
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:192.168.1.1",
        ] {
            assert!(
                non_public_reason(ip.parse().unwrap()).is_some(),
                "{ip} passed as public"
            );
        }
        for ip in [
            "203.0.113.25",
            "198.51.100.20",
            "192.0.2.30",
            "2001:db8::25",
            "8.8.8.8",
        ] {
            assert_eq!(non_public_reason(ip.parse().unwrap()), None, "{ip}");
        }
    }

    #[test]
    fn public_resolvers_are_recognised() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "9.9.9.9",
            "208.67.222.222",
            "2001:4860:4860::8888",
            "2606:4700:4700::1111",
            "2620:fe::fe",
        ] {
            assert!(public_resolver(ip.parse().unwrap()).is_some(), "{ip}");
        }
        assert_eq!(public_resolver("192.0.2.53".parse().unwrap()), None);
        let note = public_resolver_note(&[
            "127.0.0.1:53".parse().unwrap(),
            "8.8.8.8:53".parse().unwrap(),
        ])
        .unwrap();
        assert!(note.contains("8.8.8.8 (Google Public DNS)"), "{note}");
        assert!(note.contains("Spamhaus refuses"), "{note}");
        assert_eq!(
            public_resolver_note(&["127.0.0.1:53".parse().unwrap()]),
            None
        );
    }

    #[test]
    fn settings_are_validated() {
        assert!(DnsSettings::default().validate().is_ok());
        let zero = DnsSettings {
            query_timeout: Duration::ZERO,
            attempts: 1,
        };
        assert_eq!(zero.validate().unwrap_err().0, "query_timeout");
        let many = DnsSettings {
            query_timeout: Duration::from_secs(1),
            attempts: 50,
        };
        assert_eq!(many.validate().unwrap_err().0, "attempts");
        assert_eq!(
            DnsSettings {
                query_timeout: Duration::from_secs(2),
                attempts: 2
            }
            .lookup_bound(),
            Duration::from_secs(4)
        );
    }

    #[test]
    fn names_are_made_absolute_and_checked() {
        assert!(absolute_name("example.com").is_ok());
        assert!(absolute_name("example.com.").is_ok());
        assert!(matches!(
            absolute_name(&"a".repeat(70)),
            Err(DnsError::BadName(_))
        ));
    }
}
