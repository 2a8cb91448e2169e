//! Facts: what is learned about the host once per run and shared by every check.

use std::net::{IpAddr, SocketAddr};

use serde::{Deserialize, Serialize};

use crate::checks::mta::{self, MtaFacts};
use crate::hostfs::HostFs;

/// Facts of one run; serialised under `facts` in the report. Every field has a default so
/// that reports written by other versions still load (fleet report).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Facts {
    /// The directory host files were read under (`/` for the live host).
    pub root: String,
    /// True when auditing a captured snapshot rather than the running host.
    pub snapshot: bool,
    pub hostname: Option<String>,
    pub fqdn: Option<String>,
    /// The domain part of the FQDN.
    pub domain: Option<String>,
    /// `/etc/mailname`, when present.
    pub mailname: Option<String>,
    /// Domains this host delivers locally or calls its own (FQDN's domain, mailname,
    /// sendmail `local-host-names`, Postfix `mydestination`).
    pub own_domains: Vec<String>,
    /// Addresses this host sends mail from.
    pub egress_ips: Vec<IpAddr>,
    /// How `egress_ips` were learned (`--egress-ip`, `interfaces`, `dns:…`, `none`).
    pub egress_ip_method: String,
    /// Resolvers DNS checks query.
    pub nameservers: Vec<SocketAddr>,
    /// Where `nameservers` came from (`--nameserver`, `/etc/resolv.conf`).
    pub resolver_source: String,
    pub mta: MtaFacts,
    /// Users whose mailboxes may hold bounces of web-application mail.
    pub web_server_users: Vec<String>,
    /// Whether the process table was read (`read`), or why not.
    pub processes: String,
    /// Problems met while gathering facts (unreadable files…); checks decide what they mean.
    pub notes: Vec<String>,
}

/// A process seen on the live host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessInfo {
    pub pid: u32,
    pub name: String,
    pub user: Option<String>,
    pub command: String,
}

/// The process table, read once per run on the live host only.
#[derive(Debug, Clone, Default)]
pub struct ProcessTable {
    /// `None` for a snapshot root: process-table facts are then skipped.
    pub processes: Option<Vec<ProcessInfo>>,
}

impl ProcessTable {
    pub fn read_live() -> ProcessTable {
        use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
        let Ok(mut system) = System::new() else {
            return ProcessTable {
                processes: Some(Vec::new()),
            };
        };
        system.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing()
                .with_user(UpdateKind::Always)
                .with_cmd(UpdateKind::Always),
        );
        let users = passwd_names(&std::fs::read_to_string("/etc/passwd").unwrap_or_default());
        let processes = system
            .processes()
            .values()
            .map(|process| ProcessInfo {
                pid: process.pid().as_u32(),
                name: process.name().to_string_lossy().into_owned(),
                user: process
                    .user_id()
                    .and_then(|uid| users.iter().find(|(id, _)| *id == **uid))
                    .map(|(_, name)| name.clone()),
                command: process
                    .cmd()
                    .iter()
                    .map(|part| part.to_string_lossy())
                    .collect::<Vec<_>>()
                    .join(" "),
            })
            .collect();
        ProcessTable {
            processes: Some(processes),
        }
    }

    pub fn is_known(&self) -> bool {
        self.processes.is_some()
    }

    pub fn iter(&self) -> impl Iterator<Item = &ProcessInfo> {
        self.processes.iter().flatten()
    }
}

/// `(uid, name)` pairs of a passwd file.
pub fn passwd_names(passwd: &str) -> Vec<(u32, String)> {
    passwd
        .lines()
        .filter_map(|line| {
            let mut fields = line.split(':');
            let name = fields.next()?;
            let uid = fields.nth(1)?.parse().ok()?;
            Some((uid, name.to_string()))
        })
        .collect()
}

/// Web-server process names whose (non-root) users send the application's mail.
const WEB_SERVER_PROCESSES: [&str; 7] = [
    "apache2", "httpd", "nginx", "php-fpm", "lighttpd", "caddy", "php-cgi",
];

/// Mailbox owners worth reading by default, whatever runs.
pub const DEFAULT_WEB_USERS: [&str; 5] = ["www-data", "apache", "nginx", "http", "root"];

/// Options that feed facts (from the command line or the Ansible module).
#[derive(Debug, Clone, Default)]
pub struct FactOptions {
    pub nameservers: Vec<SocketAddr>,
    pub egress_ips: Vec<IpAddr>,
}

/// Gathers the facts of a run. Never fails: what cannot be read is noted.
pub fn gather(fs: &HostFs, processes: &ProcessTable, options: &FactOptions) -> Facts {
    let mut facts = Facts {
        root: fs.root().display().to_string(),
        snapshot: !fs.is_live(),
        ..Facts::default()
    };
    facts.processes = if processes.is_known() {
        "read".to_string()
    } else {
        "skipped: auditing a snapshot root, the process table is not the snapshot's".to_string()
    };

    gather_names(fs, &mut facts);
    facts.mta = mta::detect(fs, processes);
    for domain in facts.mta.local_domains.clone() {
        push_unique(&mut facts.own_domains, domain);
    }
    facts.web_server_users = web_server_users(processes);

    if options.nameservers.is_empty() {
        facts.resolver_source = "/etc/resolv.conf".to_string();
        match fs.read_optional_config("/etc/resolv.conf") {
            Ok(Some(text)) => facts.nameservers = resolv_conf_nameservers(&text),
            Ok(None) => facts
                .notes
                .push("/etc/resolv.conf: no such file".to_string()),
            Err(e) => facts.notes.push(e.to_string()),
        }
    } else {
        facts.resolver_source = "--nameserver".to_string();
        facts.nameservers = options.nameservers.clone();
    }
    if options.egress_ips.is_empty() {
        facts.egress_ip_method = "none".to_string();
    } else {
        facts.egress_ip_method = "--egress-ip".to_string();
        facts.egress_ips = options.egress_ips.clone();
    }
    facts
}

fn gather_names(fs: &HostFs, facts: &mut Facts) {
    let hostname = if fs.is_live() {
        sysinfo::System::host_name().ok()
    } else {
        match fs.read_optional_config("/etc/hostname") {
            Ok(text) => text.and_then(|t| first_word(&t)),
            Err(e) => {
                facts.notes.push(e.to_string());
                None
            }
        }
    };
    let hosts = match fs.read_optional_config("/etc/hosts") {
        Ok(text) => text.unwrap_or_default(),
        Err(e) => {
            facts.notes.push(e.to_string());
            String::new()
        }
    };
    facts.fqdn = hostname.as_deref().and_then(|h| fqdn_from_hosts(h, &hosts));
    facts.domain = facts
        .fqdn
        .as_deref()
        .and_then(|f| f.split_once('.'))
        .map(|(_, domain)| domain.to_string());
    facts.hostname = hostname;
    match fs.read_optional_config("/etc/mailname") {
        Ok(text) => facts.mailname = text.and_then(|t| first_word(&t)),
        Err(e) => facts.notes.push(e.to_string()),
    }
    let own: Vec<String> = [
        facts.fqdn.clone(),
        facts.domain.clone(),
        facts.mailname.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    for domain in own {
        push_unique(&mut facts.own_domains, domain);
    }
}

fn push_unique(list: &mut Vec<String>, value: String) {
    let value = value.trim_end_matches('.').to_ascii_lowercase();
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

fn first_word(text: &str) -> Option<String> {
    text.split_whitespace()
        .next()
        .filter(|w| {
            w.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        })
        .map(str::to_string)
}

/// The FQDN the resolver's `files` source would give, as `hostname -f` does: a hostname
/// with a dot is already qualified; otherwise the canonical (first) name of the
/// `/etc/hosts` line that lists it, when that name has a dot.
pub fn fqdn_from_hosts(hostname: &str, hosts: &str) -> Option<String> {
    if hostname.contains('.') {
        return Some(hostname.to_string());
    }
    hosts.lines().find_map(|line| {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split_whitespace();
        let _address = fields.next()?;
        let names: Vec<&str> = fields.collect();
        let listed = names.iter().any(|n| {
            n.eq_ignore_ascii_case(hostname)
                || n.split('.')
                    .next()
                    .is_some_and(|short| short.eq_ignore_ascii_case(hostname))
        });
        if !listed {
            return None;
        }
        names
            .iter()
            .find(|n| {
                n.contains('.')
                    && n.split('.')
                        .next()
                        .is_some_and(|s| s.eq_ignore_ascii_case(hostname))
            })
            .map(|n| n.to_string())
    })
}

/// `nameserver` lines of resolv.conf (port 53).
pub fn resolv_conf_nameservers(text: &str) -> Vec<SocketAddr> {
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "nameserver").then_some(())?;
            let address = words.next()?;
            // Link-local IPv6 with a zone (`fe80::1%eth0`) cannot be used without the zone id.
            address
                .parse::<IpAddr>()
                .ok()
                .map(|ip| SocketAddr::new(ip, 53))
        })
        .collect()
}

fn web_server_users(processes: &ProcessTable) -> Vec<String> {
    let mut users: Vec<String> = DEFAULT_WEB_USERS.iter().map(|u| u.to_string()).collect();
    for process in processes.iter() {
        if !WEB_SERVER_PROCESSES
            .iter()
            .any(|name| process.name.starts_with(name))
        {
            continue;
        }
        if let Some(user) = &process.user
            && !users.contains(user)
        {
            users.push(user.clone());
        }
    }
    users
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fqdn_comes_from_the_hosts_line_naming_the_host() {
        let hosts = "127.0.0.1 localhost\n127.0.1.1 web1.example.com web1 # debian\n";
        assert_eq!(
            fqdn_from_hosts("web1", hosts).as_deref(),
            Some("web1.example.com")
        );
        assert_eq!(fqdn_from_hosts("web2", hosts), None);
        assert_eq!(
            fqdn_from_hosts("a.b.example", "").as_deref(),
            Some("a.b.example")
        );
        // A line where the short name comes first still yields the qualified one.
        assert_eq!(
            fqdn_from_hosts("web1", "192.0.2.1 web1 web1.example.org").as_deref(),
            Some("web1.example.org")
        );
    }

    #[test]
    fn resolv_conf_nameservers_are_read() {
        let text = "# generated\nsearch example.com\nnameserver 192.0.2.53\nnameserver 2001:db8::53\nnameserver fe80::1%eth0\noptions edns0\n";
        let servers = resolv_conf_nameservers(text);
        assert_eq!(
            servers,
            vec![
                "192.0.2.53:53".parse().unwrap(),
                "[2001:db8::53]:53".parse().unwrap()
            ]
        );
    }

    #[test]
    fn passwd_names_are_parsed() {
        let names = passwd_names(
            "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\nbroken\n",
        );
        assert_eq!(
            names,
            vec![(0, "root".to_string()), (33, "www-data".to_string())]
        );
    }
}
