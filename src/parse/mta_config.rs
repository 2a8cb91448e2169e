//! Pure parsers for the configuration files that say where an MTA sends mail: Postfix
//! `main.cf`, sendmail `.mc`/`.cf`, `local-host-names`, Debian's `update-exim4.conf.conf`,
//! msmtprc, nullmailer `remotes`, `ssmtp.conf`, `dma.conf`, OpenSMTPD `smtpd.conf`, and
//! PHP ini `sendmail_path`. Text in, values with their 1-based line numbers out.

use std::collections::BTreeMap;

/// A value and the line (1-based) it was set on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    pub value: String,
    pub line: usize,
}

impl Setting {
    fn new(value: impl Into<String>, line: usize) -> Self {
        Setting {
            value: value.into(),
            line,
        }
    }
}

/// Postfix `main.cf` (postconf(5)): `name = value`; a line starting with whitespace
/// continues the previous logical line; blank lines and lines whose first non-blank
/// character is `#` are ignored (they do not end a logical line); `#` elsewhere is part of
/// the value. The last assignment wins. `$name` references are left as written.
pub fn postfix_main_cf(text: &str) -> BTreeMap<String, Setting> {
    let mut settings = BTreeMap::new();
    // The logical line being assembled: (first line number, text).
    let mut current: Option<(usize, String)> = None;
    let finish = |current: Option<(usize, String)>, settings: &mut BTreeMap<String, Setting>| {
        if let Some((line, logical)) = current
            && let Some((name, value)) = logical.split_once('=')
        {
            let name = name.trim();
            if is_parameter_name(name) {
                settings.insert(name.to_string(), Setting::new(value.trim(), line));
            }
        }
    };
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if raw.starts_with([' ', '\t']) {
            if let Some((_, logical)) = current.as_mut() {
                logical.push(' ');
                logical.push_str(trimmed);
            }
            continue;
        }
        finish(current.take(), &mut settings);
        current = Some((index + 1, trimmed.to_string()));
    }
    finish(current, &mut settings);
    settings
}

fn is_parameter_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
}

/// A Postfix list value (`mydestination`): separated by commas and/or whitespace.
pub fn postfix_list(value: &str) -> Vec<String> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// Expands `$name` / `${name}` / `$(name)` references of a Postfix value from `settings`
/// (one level, which is what `mydestination = $myhostname, …` needs). Returns `None` when a
/// referenced parameter is not set in the file (its built-in default is host-dependent).
pub fn postfix_expand(value: &str, settings: &BTreeMap<String, Setting>) -> Option<String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find('$') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            let end = inner.find('}')?;
            (&inner[..end], end + 2)
        } else if let Some(inner) = after.strip_prefix('(') {
            let end = inner.find(')')?;
            (&inner[..end], end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        if name.is_empty() {
            return None;
        }
        out.push_str(&settings.get(name)?.value);
        rest = &after[consumed..];
    }
    out.push_str(rest);
    Some(out)
}

/// One macro call of an m4 file (`define(`NAME', `value')dnl`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct M4Call {
    pub name: String,
    pub args: Vec<String>,
    pub line: usize,
}

/// The macro calls of a sendmail `.mc` file that start a line: `define`, `undefine`,
/// `FEATURE`, `MAILER`, … Lines starting with `dnl` or `#` are comments; `dnl` after a
/// call discards the rest of the line. Calls spanning lines are not read (none of the
/// macros mailaudit needs is written that way).
pub fn m4_calls(text: &str) -> Vec<M4Call> {
    let mut calls = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        if line.starts_with('#') || is_dnl(line) {
            continue;
        }
        let Some(open) = line.find('(') else {
            continue;
        };
        let name = &line[..open];
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(args) = m4_args(&line[open + 1..]) {
            calls.push(M4Call {
                name: name.to_string(),
                args,
                line: index + 1,
            });
        }
    }
    calls
}

fn is_dnl(line: &str) -> bool {
    line.strip_prefix("dnl")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with(|c: char| !c.is_alphanumeric()))
}

/// Arguments of an m4 call after its `(`: split on top-level commas, outer quotes
/// (`` ` `` … `'`, nestable) removed, leading unquoted blanks skipped. `None` when the
/// closing `)` is not on this line.
fn m4_args(text: &str) -> Option<Vec<String>> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quote_depth = 0usize;
    let mut paren_depth = 0usize;
    let mut at_arg_start = true;
    for c in text.chars() {
        if quote_depth > 0 {
            match c {
                '`' => {
                    quote_depth += 1;
                    current.push(c);
                }
                '\'' => {
                    quote_depth -= 1;
                    if quote_depth > 0 {
                        current.push(c);
                    }
                }
                _ => current.push(c),
            }
            continue;
        }
        if at_arg_start && c.is_whitespace() {
            continue;
        }
        at_arg_start = false;
        match c {
            '`' => quote_depth = 1,
            '(' => {
                paren_depth += 1;
                current.push(c);
            }
            ')' if paren_depth > 0 => {
                paren_depth -= 1;
                current.push(c);
            }
            ')' => {
                args.push(current.trim_end().to_string());
                return Some(args);
            }
            ',' if paren_depth == 0 => {
                args.push(std::mem::take(&mut current).trim_end().to_string());
                at_arg_start = true;
            }
            _ => current.push(c),
        }
    }
    None
}

/// The `define`s in effect at the end of a `.mc` file (an `undefine` removes one).
pub fn sendmail_mc_defines(text: &str) -> BTreeMap<String, Setting> {
    let mut defines = BTreeMap::new();
    for call in m4_calls(text) {
        match call.name.as_str() {
            "define" if !call.args.is_empty() => {
                let value = call.args.get(1).cloned().unwrap_or_default();
                defines.insert(call.args[0].clone(), Setting::new(value, call.line));
            }
            "undefine" if !call.args.is_empty() => {
                defines.remove(&call.args[0]);
            }
            _ => {}
        }
    }
    defines
}

/// Where a `.mc` file sends all mail: `SMART_HOST`, or the hub of `FEATURE(`nullclient')`.
pub fn sendmail_mc_smarthost(text: &str) -> Option<Setting> {
    let mut found = None;
    for call in m4_calls(text) {
        match (call.name.as_str(), call.args.as_slice()) {
            ("define", [name, value, ..]) if name == "SMART_HOST" => {
                found = (!value.is_empty()).then(|| Setting::new(value.clone(), call.line));
            }
            ("undefine", [name, ..]) if name == "SMART_HOST" => found = None,
            ("FEATURE", [feature, hub, ..]) if feature == "nullclient" && !hub.is_empty() => {
                found = Some(Setting::new(hub.clone(), call.line));
            }
            _ => {}
        }
    }
    found
}

/// What a sendmail `.cf` file defines: macros (`DS`, `Dj`, `D{name}`), class words
/// (`Cw…`), class files (`Fw/etc/mail/local-host-names`) and options (`O Name=value`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SendmailCf {
    pub macros: BTreeMap<String, Setting>,
    pub class_words: BTreeMap<String, Vec<Setting>>,
    pub class_files: BTreeMap<String, Setting>,
    pub options: BTreeMap<String, Setting>,
}

pub fn sendmail_cf(text: &str) -> SendmailCf {
    let mut cf = SendmailCf::default();
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        // Continuation lines (leading blank) belong to rules and headers, not to D/C/F/O.
        let line = raw.trim_end();
        let mut chars = line.chars();
        let Some(command) = chars.next() else {
            continue;
        };
        let rest = chars.as_str();
        match command {
            'D' | 'C' | 'F' => {
                let Some((name, value)) = cf_name_and_value(rest) else {
                    continue;
                };
                match command {
                    'D' => {
                        cf.macros.insert(name, Setting::new(value.trim(), line_no));
                    }
                    'C' => {
                        let words = cf.class_words.entry(name).or_default();
                        words.extend(value.split_whitespace().map(|w| Setting::new(w, line_no)));
                    }
                    _ => {
                        cf.class_files
                            .insert(name, Setting::new(value.trim(), line_no));
                    }
                }
            }
            'O' => {
                if let Some((name, value)) = rest.trim().split_once('=') {
                    cf.options
                        .insert(name.trim().to_string(), Setting::new(value.trim(), line_no));
                }
            }
            _ => {}
        }
    }
    cf
}

/// `S` → ("S", rest); `{name}` → ("name", rest).
fn cf_name_and_value(rest: &str) -> Option<(String, &str)> {
    if let Some(inner) = rest.strip_prefix('{') {
        let end = inner.find('}')?;
        return Some((inner[..end].to_string(), &inner[end + 1..]));
    }
    let c = rest.chars().next()?;
    if !c.is_ascii_alphanumeric() {
        return None;
    }
    Some((c.to_string(), &rest[c.len_utf8()..]))
}

/// The file named by a `.cf` class-file value: `-o /etc/mail/local-host-names %[^\#]` →
/// `/etc/mail/local-host-names`.
pub fn sendmail_class_file_path(value: &str) -> Option<&str> {
    value.split_whitespace().find(|word| word.starts_with('/'))
}

/// A one-name-per-line file (`/etc/mail/local-host-names`, `relay-domains`): `#` comments,
/// blank lines skipped, several names on a line allowed.
pub fn word_list(text: &str) -> Vec<Setting> {
    text.lines()
        .enumerate()
        .flat_map(|(index, line)| {
            let line = line.split('#').next().unwrap_or("");
            line.split_whitespace()
                .map(move |word| Setting::new(word, index + 1))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Shell-style `NAME='value'` assignments (Debian's `update-exim4.conf.conf`): single or
/// double quotes or none, `#` comment lines, the last assignment wins.
pub fn shell_assignments(text: &str) -> BTreeMap<String, Setting> {
    let mut settings = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if name.is_empty()
            || name.starts_with(|c: char| c.is_ascii_digit())
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            continue;
        }
        settings.insert(
            name.to_string(),
            Setting::new(shell_unquote(value.trim()), index + 1),
        );
    }
    settings
}

fn shell_unquote(value: &str) -> String {
    for quote in ['\'', '"'] {
        if let Some(inner) = value.strip_prefix(quote)
            && let Some(end) = inner.find(quote)
        {
            return inner[..end].to_string();
        }
    }
    // Unquoted: up to a comment.
    value.split(" #").next().unwrap_or("").trim().to_string()
}

/// What Debian's exim4 debconf file says about routing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EximDebconf {
    /// `internet`, `smarthost`, `satellite`, `local` or `none`.
    pub configtype: Option<Setting>,
    /// `dc_smarthost`, only when the configtype uses it (smarthost, satellite).
    pub smarthost: Option<Setting>,
    /// `dc_smarthost` set but ignored by the configtype (left over from an older setup).
    pub ignored_smarthost: Option<Setting>,
    /// `dc_other_hostnames`, split on `;` and `:`.
    pub other_hostnames: Vec<String>,
    pub other_hostnames_line: Option<usize>,
}

pub fn exim_debconf(text: &str) -> EximDebconf {
    let settings = shell_assignments(text);
    let configtype = settings.get("dc_eximconfig_configtype").cloned();
    let uses_smarthost = configtype
        .as_ref()
        .is_some_and(|t| matches!(t.value.as_str(), "smarthost" | "satellite"));
    let smarthost = settings
        .get("dc_smarthost")
        .filter(|s| !s.value.trim().is_empty())
        .cloned();
    let (smarthost, ignored_smarthost) = if uses_smarthost {
        (smarthost, None)
    } else {
        (None, smarthost)
    };
    let other = settings.get("dc_other_hostnames");
    EximDebconf {
        configtype,
        smarthost,
        ignored_smarthost,
        other_hostnames: other
            .map(|s| {
                s.value
                    .split([';', ':'])
                    .map(str::trim)
                    .filter(|h| !h.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        other_hostnames_line: other.map(|s| s.line),
    }
}

/// How a hand-written Exim configuration (`exim.conf`, Debian's `exim4.conf`) routes mail
/// for other domains: decided by the first router, in order, that is either a `dnslookup`
/// (direct to MX hosts) or a `manualroute` sending every domain (`route_list = * host…`, or
/// `route_data`) to a relay. Routers with other drivers are passed over, as Exim would for
/// remote domains; conditions are not evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EximRouting {
    /// A `dnslookup` router comes first; its name and line.
    Direct { router: String, line: usize },
    /// A `manualroute` router comes first; its host list and line.
    Smarthost { router: String, hosts: Setting },
}

pub fn exim_conf_routing(text: &str) -> Option<EximRouting> {
    struct Router {
        name: String,
        line: usize,
        options: BTreeMap<String, Setting>,
    }
    let mut routers: Vec<Router> = Vec::new();
    let mut in_routers = false;
    let mut logical = String::new();
    let mut start = 0;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if logical.is_empty() {
            if trimmed.starts_with('#') {
                continue;
            }
            start = index + 1;
        }
        if let Some(head) = trimmed.strip_suffix('\\') {
            logical.push_str(head);
            continue;
        }
        logical.push_str(trimmed);
        let line = std::mem::take(&mut logical);
        if let Some(section) = line.strip_prefix("begin ") {
            in_routers = section.trim() == "routers";
            continue;
        }
        if !in_routers || line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_suffix(':')
            && !name.contains(char::is_whitespace)
            && !name.contains('=')
        {
            routers.push(Router {
                name: name.to_string(),
                line: start,
                options: BTreeMap::new(),
            });
        } else if let (Some(router), Some((key, value))) =
            (routers.last_mut(), line.split_once('='))
        {
            router
                .options
                .insert(key.trim().to_string(), Setting::new(value.trim(), start));
        }
    }
    routers.into_iter().find_map(|router| {
        let driver = router.options.get("driver").map(|d| d.value.as_str());
        match driver {
            Some("dnslookup") => Some(EximRouting::Direct {
                router: router.name,
                line: router.line,
            }),
            Some("manualroute") => {
                let hosts = if let Some(list) = router.options.get("route_list") {
                    let mut parts = list.value.splitn(2, char::is_whitespace);
                    if parts.next() != Some("*") {
                        return None;
                    }
                    let rest = parts.next().unwrap_or("").trim();
                    // The host list ends before an options word (byname, bydns, randomize…).
                    let hosts = rest
                        .split_whitespace()
                        .next()
                        .unwrap_or("")
                        .trim_matches('"');
                    Setting::new(hosts, list.line)
                } else {
                    let data = router.options.get("route_data")?;
                    Setting::new(data.value.trim_matches('"'), data.line)
                };
                Some(EximRouting::Smarthost {
                    router: router.name,
                    hosts,
                })
            }
            _ => None,
        }
    })
}

/// The msmtp account used when none is named (`account default : name`, an account
/// literally named `default`, else the first one), with the `defaults` section applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MsmtpAccount {
    pub name: String,
    pub host: Option<Setting>,
    pub port: Option<Setting>,
    /// `domain`: the argument of EHLO.
    pub domain: Option<Setting>,
}

pub fn msmtprc_default_account(text: &str) -> Option<MsmtpAccount> {
    let mut defaults: BTreeMap<String, Setting> = BTreeMap::new();
    let mut accounts: Vec<(String, BTreeMap<String, Setting>)> = Vec::new();
    let mut alias: Option<String> = None;
    // `None`: in `defaults` (or before any section).
    let mut in_account: Option<usize> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = match line.split_once(char::is_whitespace) {
            Some((key, value)) => (key, msmtp_unquote(value.trim())),
            None => (line, String::new()),
        };
        match key {
            "defaults" => in_account = None,
            "account" => {
                // `account name : other` copies `other`; `account default : name` aliases.
                let (name, base) = match value.split_once(':') {
                    Some((name, base)) => (name.trim().to_string(), Some(base.trim().to_string())),
                    None => (value.trim().to_string(), None),
                };
                let mut settings = defaults.clone();
                if let Some(base) = &base {
                    if name == "default" {
                        alias = Some(base.clone());
                    }
                    for part in base.split(',') {
                        if let Some((_, other)) = accounts.iter().find(|(n, _)| n == part.trim()) {
                            settings.extend(other.clone());
                        }
                    }
                }
                accounts.push((name, settings));
                in_account = Some(accounts.len() - 1);
            }
            _ => {
                let setting = Setting::new(value, index + 1);
                match in_account {
                    Some(i) => {
                        accounts[i].1.insert(key.to_string(), setting);
                    }
                    None => {
                        defaults.insert(key.to_string(), setting);
                    }
                }
            }
        }
    }
    let chosen = alias
        .as_deref()
        .and_then(|name| accounts.iter().find(|(n, _)| n == name))
        .or_else(|| accounts.iter().find(|(n, _)| n == "default"))
        .or_else(|| accounts.first())?;
    let (name, settings) = chosen;
    Some(MsmtpAccount {
        name: name.clone(),
        host: settings.get("host").cloned(),
        port: settings.get("port").cloned(),
        domain: settings.get("domain").cloned(),
    })
}

fn msmtp_unquote(value: &str) -> String {
    value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value)
        .to_string()
}

/// One relay of nullmailer's `remotes` file: `host [protocol] [--port=N] [--user=…]…`.
/// Credentials are deliberately not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NullmailerRemote {
    pub host: String,
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub line: usize,
}

pub fn nullmailer_remotes(text: &str) -> Vec<NullmailerRemote> {
    text.lines()
        .enumerate()
        .filter_map(|(index, raw)| {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                return None;
            }
            let mut words = line.split_whitespace();
            let host = words.next()?.to_string();
            let mut protocol = None;
            let mut port = None;
            for word in words {
                if let Some(value) = word.strip_prefix("--port=") {
                    port = Some(value.to_string());
                } else if !word.starts_with('-') && protocol.is_none() {
                    protocol = Some(word.to_string());
                }
            }
            Some(NullmailerRemote {
                host,
                protocol,
                port,
                line: index + 1,
            })
        })
        .collect()
}

/// `key=value` files with `#` comments and case-insensitive keys (`ssmtp.conf`); keys are
/// returned lower-cased, the last assignment wins.
pub fn key_equals_value(text: &str) -> BTreeMap<String, Setting> {
    let mut settings = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((key, value)) = line.split_once('=') {
            settings.insert(
                key.trim().to_ascii_lowercase(),
                Setting::new(value.trim(), index + 1),
            );
        }
    }
    settings
}

/// `KEYWORD value` files with `#` comments (`dma.conf`); keywords upper-cased, flag
/// keywords get an empty value.
pub fn keyword_value(text: &str) -> BTreeMap<String, Setting> {
    let mut settings = BTreeMap::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        settings.insert(
            key.to_ascii_uppercase(),
            Setting::new(value.trim(), index + 1),
        );
    }
    settings
}

/// A relay action of OpenSMTPD's `smtpd.conf`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpdRelay {
    /// The URL as written (`smtp+tls://label@smtp.example:587`).
    pub url: String,
    /// `host[:port]` of the URL, without scheme and credentials label.
    pub host: String,
    /// `helo` of the same action, if any.
    pub helo: Option<String>,
    pub line: usize,
}

/// Relays of `smtpd.conf`: `action NAME relay host URL …` (OpenSMTPD ≥ 6.4) and the older
/// `accept … relay via URL …`. Backslash-newline continues a line; `#` starts a comment.
pub fn smtpd_conf_relays(text: &str) -> Vec<SmtpdRelay> {
    let mut relays = Vec::new();
    let mut logical = String::new();
    let mut start = 0;
    for (index, raw) in text.lines().enumerate() {
        if logical.is_empty() {
            start = index + 1;
        }
        let line = raw.split('#').next().unwrap_or("");
        if let Some(head) = line.trim_end().strip_suffix('\\') {
            logical.push_str(head);
            logical.push(' ');
            continue;
        }
        logical.push_str(line);
        let words: Vec<&str> = logical.split_whitespace().collect();
        let url = words
            .windows(3)
            .find(|w| w[0] == "relay" && (w[1] == "host" || w[1] == "via"))
            .map(|w| w[2].trim_matches('"').to_string());
        if let Some(url) = url {
            let helo = words
                .windows(2)
                .find(|w| w[0] == "helo")
                .map(|w| w[1].trim_matches('"').to_string());
            let without_scheme = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
            let host = without_scheme
                .rsplit_once('@')
                .map_or(without_scheme, |(_, h)| h)
                .to_string();
            relays.push(SmtpdRelay {
                url,
                host,
                helo,
                line: start,
            });
        }
        logical.clear();
    }
    relays
}

/// `sendmail_path` settings of a PHP ini file (and PHP-FPM pool files'
/// `php_value[sendmail_path]` / `php_admin_value[sendmail_path]`): double-quoted values
/// may hold `;`, single-quoted ones are raw, unquoted ones end at a `;` comment. Every
/// occurrence is returned in order; the last one of a file wins in PHP.
pub fn php_sendmail_paths(text: &str) -> Vec<Setting> {
    let mut found = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let is_sendmail_path = key == "sendmail_path"
            || key == "php_value[sendmail_path]"
            || key == "php_admin_value[sendmail_path]";
        if is_sendmail_path {
            found.push(Setting::new(php_ini_value(value.trim()), index + 1));
        }
    }
    found
}

fn php_ini_value(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('"') {
        return inner.split('"').next().unwrap_or("").to_string();
    }
    if let Some(inner) = value.strip_prefix('\'') {
        return inner.split('\'').next().unwrap_or("").to_string();
    }
    value.split(';').next().unwrap_or("").trim().to_string()
}

/// The program of a `sendmail_path` value: its first word (PHP hands the value to
/// `/bin/sh`). `None` when the value is empty.
pub fn sendmail_path_program(value: &str) -> Option<&str> {
    value.split_whitespace().next()
}

/// Host and port of a relay as the MTAs write it: `[smtp.example]:587` (Postfix),
/// `esmtp:[smtp.example]` / `relay:smtp.example` (sendmail mailer prefix),
/// `smtp.example::587` (Exim), `smtp.example:587`, `[2001:db8::1]:25`.
pub fn split_relay(value: &str) -> (String, Option<u16>) {
    let value = value.trim();
    // First of a list (`a.example:b.example` in Exim, `a, b` in Postfix).
    let value = value
        .split([',', ' ', ';'])
        .find(|v| !v.is_empty())
        .unwrap_or("");
    // A sendmail mailer prefix (`esmtp:`, `relay:`, `smtp8:`) before a host.
    let value = match value.split_once(':') {
        Some((mailer, rest))
            if matches!(mailer, "esmtp" | "smtp" | "smtp8" | "relay" | "dsmtp")
                && !rest.starts_with(':')
                && rest.parse::<u16>().is_err() =>
        {
            rest
        }
        _ => value,
    };
    if let Some(inner) = value.strip_prefix('[') {
        let (host, after) = inner.split_once(']').unwrap_or((inner, ""));
        let port = after.trim_start_matches(':').parse().ok();
        return (host.to_string(), port);
    }
    if let Some((host, port)) = value.split_once("::") {
        return (host.to_string(), port.parse().ok());
    }
    match value.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => match port.parse() {
            Ok(port) => (host.to_string(), Some(port)),
            Err(_) => (value.to_string(), None),
        },
        _ => (value.to_string(), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_cf_continuations_comments_and_last_assignment() {
        let text = "\
# relayhost = [commented.example]
myhostname = mail2.corp.example
mydestination = $myhostname, mail2,
    localhost.localdomain,
# a comment inside a continued value does not end it
\tlocalhost
relayhost =
relayhost = [smtp.provider.example]:587
smtpd_banner = $myhostname ESMTP # not a comment here
  orphan continuation
garbage line without equals
";
        let cf = postfix_main_cf(text);
        assert_eq!(
            cf["relayhost"],
            Setting::new("[smtp.provider.example]:587", 8)
        );
        assert_eq!(
            cf["mydestination"],
            Setting::new("$myhostname, mail2, localhost.localdomain, localhost", 3)
        );
        assert_eq!(
            postfix_list(&cf["mydestination"].value),
            vec!["$myhostname", "mail2", "localhost.localdomain", "localhost"]
        );
        assert_eq!(
            cf["smtpd_banner"].value,
            "$myhostname ESMTP # not a comment here orphan continuation"
        );
        assert!(!cf.contains_key("garbage line without equals"));
    }

    #[test]
    fn main_cf_empty_relayhost_and_crlf() {
        let cf = postfix_main_cf("relayhost = \r\nmyhostname=a.example\r\n");
        assert_eq!(cf["relayhost"].value, "");
        assert_eq!(cf["myhostname"].value, "a.example");
    }

    #[test]
    fn postfix_references_expand_one_level() {
        let cf = postfix_main_cf("myhostname = h.example\nmydomain = example\n");
        assert_eq!(
            postfix_expand("$myhostname, localhost.${mydomain}", &cf).as_deref(),
            Some("h.example, localhost.example")
        );
        assert_eq!(postfix_expand("$undefined_here", &cf), None);
        assert_eq!(postfix_expand("plain", &cf).as_deref(), Some("plain"));
        assert_eq!(postfix_expand("${unterminated", &cf), None);
    }

    #[test]
    fn mc_defines_quotes_and_dnl_comments() {
        let text = "\
divert(-1)dnl
# define(`SMART_HOST', `[hash.example]')
dnl define(`SMART_HOST', `[dnl.example]')dnl
define(`confDOMAIN_NAME', `web1.shop.example')dnl
define(`SMART_HOST', `[smtp.example]')dnl relay via provider
  define( `confFOO' , bare value )
define(`confPRIVACY_FLAGS',dnl
`needmailhelo,authwarnings')dnl
define(`confNESTED', ``quoted'' (x))dnl
undefine(`confFOO')dnl
dnlx(`not', `dnl')
";
        let defines = sendmail_mc_defines(text);
        assert_eq!(
            defines["confDOMAIN_NAME"],
            Setting::new("web1.shop.example", 4)
        );
        assert_eq!(defines["SMART_HOST"], Setting::new("[smtp.example]", 5));
        assert_eq!(defines["confNESTED"].value, "`quoted' (x)");
        assert!(!defines.contains_key("confFOO"));
        assert!(!defines.contains_key("confPRIVACY_FLAGS"));
        assert_eq!(
            sendmail_mc_smarthost(text),
            Some(Setting::new("[smtp.example]", 5))
        );
        assert_eq!(
            m4_calls("dnlx(`a')").first().map(|c| c.name.as_str()),
            Some("dnlx")
        );
    }

    #[test]
    fn mc_smarthost_absent_when_commented_and_nullclient_counts() {
        let commented = "dnl define(`SMART_HOST', `[smtp.shop.example]')dnl\nMAILER(`smtp')dnl\n";
        assert_eq!(sendmail_mc_smarthost(commented), None);
        let nullclient = "FEATURE(`nullclient', `hub.example')dnl\n";
        assert_eq!(
            sendmail_mc_smarthost(nullclient),
            Some(Setting::new("hub.example", 1))
        );
        let emptied = "define(`SMART_HOST', `[a.example]')dnl\ndefine(`SMART_HOST', `')dnl\n";
        assert_eq!(sendmail_mc_smarthost(emptied), None);
    }

    #[test]
    fn cf_macros_classes_and_options() {
        let text = "\
# \"Smart\" relay host (may be null)
DS
#Dj$w.Foo.COM
Djweb1.shop.example
D{MTAHost}[127.0.0.1]
Cwlocalhost
Cw web1 web1.shop.example
Fw-o /etc/mail/local-host-names %[^\\#]
O HeloName=helo.example
R$*\t\t\t$: $1
";
        let cf = sendmail_cf(text);
        assert_eq!(cf.macros["S"], Setting::new("", 2));
        assert_eq!(cf.macros["j"], Setting::new("web1.shop.example", 4));
        assert_eq!(cf.macros["MTAHost"].value, "[127.0.0.1]");
        let words: Vec<&str> = cf.class_words["w"]
            .iter()
            .map(|s| s.value.as_str())
            .collect();
        assert_eq!(words, vec!["localhost", "web1", "web1.shop.example"]);
        assert_eq!(
            sendmail_class_file_path(&cf.class_files["w"].value),
            Some("/etc/mail/local-host-names")
        );
        assert_eq!(cf.options["HeloName"].value, "helo.example");
        let relayed = sendmail_cf("DSesmtp:[smtp.example]\n");
        assert_eq!(relayed.macros["S"].value, "esmtp:[smtp.example]");
    }

    #[test]
    fn local_host_names_lines() {
        let names = word_list("# comment\nlocalhost\n\nweb1 web1.shop.example # both\n");
        let values: Vec<(&str, usize)> = names.iter().map(|s| (s.value.as_str(), s.line)).collect();
        assert_eq!(
            values,
            vec![("localhost", 2), ("web1", 4), ("web1.shop.example", 4)]
        );
    }

    #[test]
    fn exim_smarthost_only_for_smarthost_and_satellite() {
        let internet = "\
# This is a Debian specific file
dc_eximconfig_configtype='internet'
dc_other_hostnames='exim.example;mx3.exim.example'
dc_smarthost='old.example::587'
";
        let conf = exim_debconf(internet);
        assert_eq!(conf.configtype.as_ref().unwrap().value, "internet");
        assert_eq!(conf.smarthost, None);
        assert_eq!(
            conf.ignored_smarthost,
            Some(Setting::new("old.example::587", 4))
        );
        assert_eq!(
            conf.other_hostnames,
            vec!["exim.example", "mx3.exim.example"]
        );
        assert_eq!(conf.other_hostnames_line, Some(3));

        let satellite = "dc_eximconfig_configtype=\"satellite\"\ndc_smarthost=smtp.example::587\ndc_other_hostnames=''\n";
        let conf = exim_debconf(satellite);
        assert_eq!(conf.smarthost, Some(Setting::new("smtp.example::587", 2)));
        assert!(conf.other_hostnames.is_empty());

        let smarthost_empty = "dc_eximconfig_configtype='smarthost'\ndc_smarthost=''\n";
        assert_eq!(exim_debconf(smarthost_empty).smarthost, None);
        assert_eq!(exim_debconf("").configtype, None);
    }

    #[test]
    fn exim_conf_routers_in_order() {
        let rhel_default = "\
primary_hostname = mx.test
begin acl
acl_check_rcpt:
  accept  hosts = :
begin routers
# smarthost:
#   driver = manualroute
#   route_list = * smtp.commented.test
dnslookup:
  driver = dnslookup
  domains = ! +local_domains
  transport = remote_smtp
  ignore_target_hosts = 0.0.0.0 : 127.0.0.0/8
  no_more
system_aliases:
  driver = redirect
  data = ${lookup{$local_part}lsearch{/etc/aliases}}
begin transports
remote_smtp:
  driver = smtp
";
        assert_eq!(
            exim_conf_routing(rhel_default),
            Some(EximRouting::Direct {
                router: "dnslookup".to_string(),
                line: 9
            })
        );
        let relayed = "\
begin routers
send_to_gateway:
  driver = manualroute
  domains = ! +local_domains
  transport = remote_msa
  route_list = * smtp.provider.test::587 \\
    byname
dnslookup:
  driver = dnslookup
";
        assert_eq!(
            exim_conf_routing(relayed),
            Some(EximRouting::Smarthost {
                router: "send_to_gateway".to_string(),
                hosts: Setting::new("smtp.provider.test::587", 6)
            })
        );
        // A manualroute for one domain does not decide; nothing at all is None.
        let partial = "begin routers\nintranet:\n  driver = manualroute\n  route_list = corp.test gw.corp.test\n";
        assert_eq!(exim_conf_routing(partial), None);
        assert_eq!(exim_conf_routing("begin routers\n"), None);
    }

    #[test]
    fn shell_assignment_quoting() {
        let s =
            shell_assignments("A='x y'\nB=\"q\"\nC=bare # c\nexport D=1\nnot an assignment\n9=x\n");
        assert_eq!(s["A"].value, "x y");
        assert_eq!(s["B"].value, "q");
        assert_eq!(s["C"].value, "bare");
        assert_eq!(s["D"].value, "1");
        assert_eq!(s.len(), 4);
    }

    #[test]
    fn msmtprc_default_account_with_defaults() {
        let text = "\
# Set default values for all following accounts.
defaults
auth           on
tls            on
port           587

account        gmail
host           smtp.gmail.example
from           me@gmail.example

account        provider
host           \"smtp.provider.example\"
port           465
domain         web1.shop.example

# Set a default account
account default : provider
";
        let account = msmtprc_default_account(text).unwrap();
        assert_eq!(account.name, "provider");
        assert_eq!(
            account.host,
            Some(Setting::new("smtp.provider.example", 12))
        );
        assert_eq!(account.port, Some(Setting::new("465", 13)));
        assert_eq!(account.domain.unwrap().value, "web1.shop.example");

        let first_only = "defaults\nport 587\naccount main\nhost relay.example\n";
        let account = msmtprc_default_account(first_only).unwrap();
        assert_eq!(account.name, "main");
        assert_eq!(account.host.unwrap().value, "relay.example");
        assert_eq!(account.port, Some(Setting::new("587", 2)));
        assert_eq!(msmtprc_default_account("# empty\n"), None);
    }

    #[test]
    fn nullmailer_remotes_drop_credentials() {
        let text = "# relays\nsmtp.example.com smtp --port=587 --starttls --user=u --pass=secret\n\nbackup.example\n";
        let remotes = nullmailer_remotes(text);
        assert_eq!(remotes.len(), 2);
        assert_eq!(remotes[0].host, "smtp.example.com");
        assert_eq!(remotes[0].protocol.as_deref(), Some("smtp"));
        assert_eq!(remotes[0].port.as_deref(), Some("587"));
        assert_eq!(remotes[0].line, 2);
        assert_eq!(remotes[1].protocol, None);
        assert!(!format!("{remotes:?}").contains("secret"));
    }

    #[test]
    fn ssmtp_and_dma_keys() {
        let ssmtp = key_equals_value(
            "# ssmtp.conf\nroot=postmaster\nMailHub=smtp.example:587\nhostname=web1.example\nUseSTARTTLS=YES\n",
        );
        assert_eq!(ssmtp["mailhub"], Setting::new("smtp.example:587", 3));
        assert_eq!(ssmtp["hostname"].value, "web1.example");
        let dma = keyword_value(
            "# dma.conf\nSMARTHOST mail.example.net # provider\nPORT 587\nSECURETRANSFER\n",
        );
        assert_eq!(dma["SMARTHOST"], Setting::new("mail.example.net", 2));
        assert_eq!(dma["PORT"].value, "587");
        assert_eq!(dma["SECURETRANSFER"].value, "");
    }

    #[test]
    fn smtpd_conf_relay_syntaxes() {
        let text = "\
table secrets file:/etc/smtpd/secrets
listen on localhost
# action \"old\" relay host smtp://commented.example
action \"local\" mbox alias <aliases>
action \"relay\" relay host smtp+tls://provider@smtp.provider.example:587 \\
    auth <secrets> helo web1.shop.example
match from local for local action \"local\"
match from local for any action \"relay\"
accept from local for any relay via tls+auth://label@legacy.example:587 auth <secrets>
action \"direct\" relay
";
        let relays = smtpd_conf_relays(text);
        assert_eq!(relays.len(), 2);
        assert_eq!(relays[0].host, "smtp.provider.example:587");
        assert_eq!(relays[0].helo.as_deref(), Some("web1.shop.example"));
        assert_eq!(relays[0].line, 5);
        assert_eq!(relays[1].host, "legacy.example:587");
        assert_eq!(relays[1].line, 9);
    }

    #[test]
    fn php_sendmail_path_shapes() {
        let text = "\
[mail function]
; https://php.net/sendmail-path
;sendmail_path =
sendmail_path = /usr/sbin/sendmail -t -i ; default
sendmail_path = \"/usr/sbin/sendmail -t -i -f a@b.example;x\" ; quoted keeps the ;
sendmail_path='/usr/bin/msmtp -t'
sendmail_path_other = /x
php_admin_value[sendmail_path] = /usr/sbin/sendmail -t -i -f www@shop.example
sendmail_path =
";
        let values: Vec<(String, usize)> = php_sendmail_paths(text)
            .into_iter()
            .map(|s| (s.value, s.line))
            .collect();
        assert_eq!(
            values,
            vec![
                ("/usr/sbin/sendmail -t -i".to_string(), 4),
                ("/usr/sbin/sendmail -t -i -f a@b.example;x".to_string(), 5),
                ("/usr/bin/msmtp -t".to_string(), 6),
                (
                    "/usr/sbin/sendmail -t -i -f www@shop.example".to_string(),
                    8
                ),
                (String::new(), 9),
            ]
        );
        assert_eq!(
            sendmail_path_program("  /usr/sbin/sendmail -t"),
            Some("/usr/sbin/sendmail")
        );
        assert_eq!(sendmail_path_program(""), None);
    }

    #[test]
    fn relay_host_and_port_shapes() {
        let cases = [
            (
                "[smtp.provider.example]:587",
                "smtp.provider.example",
                Some(587),
            ),
            ("[smtp.example]", "smtp.example", None),
            ("esmtp:[smtp.example]", "smtp.example", None),
            ("relay:smtp.example", "smtp.example", None),
            ("smtp.example::587", "smtp.example", Some(587)),
            ("smtp.example:587", "smtp.example", Some(587)),
            ("[2001:db8::25]:25", "2001:db8::25", Some(25)),
            ("a.example::25 : b.example", "a.example", Some(25)),
            ("$mydomain", "$mydomain", None),
            ("smtp.example", "smtp.example", None),
        ];
        for (input, host, port) in cases {
            assert_eq!(split_relay(input), (host.to_string(), port), "{input}");
        }
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let garbage =
            "\u{0}\u{1}=\u{7f}\n\t=\n[=]\ndefine(`\n(\n\u{fffd}\u{fffd}=x\nD\nC\nF{\nO=\n";
        let _ = postfix_main_cf(garbage);
        let _ = sendmail_mc_defines(garbage);
        let _ = sendmail_cf(garbage);
        let _ = exim_debconf(garbage);
        let _ = msmtprc_default_account(garbage);
        let _ = nullmailer_remotes(garbage);
        let _ = smtpd_conf_relays(garbage);
        let _ = php_sendmail_paths(garbage);
        let long = "relayhost = ".to_string() + &"x".repeat(1_000_000);
        assert_eq!(postfix_main_cf(&long)["relayhost"].value.len(), 1_000_000);
        let _ = split_relay("[");
        let _ = split_relay("::");
        let _ = postfix_expand("$", &BTreeMap::new());
    }
}
