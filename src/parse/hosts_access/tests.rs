//! hosts_access(5) shapes seen on real hosts, and the hostile ones.

use super::*;

fn v4(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// A client as sendmail presents it to libwrap (`hosts_ctl`): the name it looked up,
/// an unknown server side, user "unknown".
fn sendmail_request(address: &str, name: HostName) -> Request {
    Request {
        daemon: "sendmail".to_string(),
        client: Endpoint {
            address: Some(v4(address)),
            name,
        },
        server: Endpoint::unknown(),
        user: Some("unknown".to_string()),
    }
}

fn localhost4() -> Request {
    sendmail_request("127.0.0.1", HostName::Known("localhost".to_string()))
}

fn localhost6() -> Request {
    sendmail_request("::1", HostName::Known("localhost".to_string()))
}

fn daemon_request(daemon: &str, address: &str, name: HostName) -> Request {
    Request {
        daemon: daemon.to_string(),
        ..sendmail_request(address, name)
    }
}

fn decide_texts(allow: &str, deny: &str, request: &Request) -> Decision {
    let allow = parse(Table::Allow, allow);
    let deny = parse(Table::Deny, deny);
    decide(&allow, &deny, request, &no_pattern_files)
}

fn access(allow: &str, deny: &str, request: &Request) -> Option<Access> {
    decide_texts(allow, deny, request).access
}

fn only_rule(text: &str) -> Rule {
    let table = parse(Table::Allow, text);
    let rules: Vec<&Rule> = table.rules().collect();
    assert_eq!(rules.len(), 1, "{table:?}");
    rules[0].clone()
}

fn matches(rule_text: &str, request: &Request) -> Match {
    rule_match(&only_rule(rule_text), request, &no_pattern_files).overall()
}

const DEBIAN_ALLOW: &str = "# /etc/hosts.allow: list of hosts that are allowed to access the system.\n\
#                   See the manual pages hosts_access(5) and hosts_options(5).\n\
#\n\
# Example:    ALL: LOCAL @some_netgroup\n\
#             ALL: .foobar.edu EXCEPT terminalserver.foobar.edu\n\
#\n\
# If you're going to protect the portmapper use the name \"rpcbind\" for the\n\
# daemon name. See rpcbind(8) and rpc.mountd(8) for further information.\n\
#\n";

const DEBIAN_DENY: &str = "# /etc/hosts.deny: list of hosts that are _not_ allowed to access the system.\n\
#                  See the manual pages hosts_access(5) and hosts_options(5).\n\
#\n\
# Example:    ALL: some.host.name, .some.domain\n\
#             ALL EXCEPT in.fingerd: other.host.name, .other.domain\n\
#\n\
# If you're going to protect the portmapper use the name \"rpcbind\" for the\n\
# daemon name. See rpcbind(8) and rpc.mountd(8) for further information.\n\
#\n\
# The PARANOID wildcard checks hostname and address consistency.\n\
#\n\
# ALL: PARANOID\n";

#[test]
fn debian_defaults_are_all_comments_and_grant_by_default() {
    let allow = parse(Table::Allow, DEBIAN_ALLOW);
    let deny = parse(Table::Deny, DEBIAN_DENY);
    assert!(allow.entries.is_empty() && deny.entries.is_empty());
    assert!(allow.warnings.is_empty() && deny.warnings.is_empty());
    let decision = decide(&allow, &deny, &localhost4(), &no_pattern_files);
    assert_eq!(decision.access, Some(Access::Granted));
    assert_eq!(decision.reason.source(), None);
    assert!(decision.reason.explanation.contains("granted by default"));
}

#[test]
fn the_story_host_grants_local_submission() {
    // The story's red herrings: `sendmail: LOCAL` and `ALL: PARANOID`.
    let allow = format!("{DEBIAN_ALLOW}sendmail: LOCAL\n");
    let deny = format!("{DEBIAN_DENY}ALL: PARANOID\n");
    let decision = decide_texts(&allow, &deny, &localhost4());
    assert_eq!(decision.access, Some(Access::Granted));
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.allow:10")
    );
    assert_eq!(decision.reason.rule.as_deref(), Some("sendmail: LOCAL"));
    // ::1 named localhost too.
    assert_eq!(access(&allow, &deny, &localhost6()), Some(Access::Granted));
    // Without the allow rule PARANOID still does not hit a name sendmail resolved itself.
    let decision = decide_texts("", &deny, &localhost4());
    assert_eq!(decision.access, Some(Access::Granted));
    assert_eq!(decision.stopped_at, None);
    let paranoid = only_rule("ALL: PARANOID\n");
    let matched = rule_match(&paranoid, &localhost4(), &no_pattern_files);
    assert_eq!(matched.daemons, Match::Yes);
    assert_eq!(matched.overall(), Match::No);
}

#[test]
fn paranoid_matches_only_unverified_names() {
    let rule = "ALL: PARANOID\n";
    assert_eq!(matches(rule, &localhost4()), Match::No);
    assert_eq!(
        matches(rule, &sendmail_request("127.0.0.1", HostName::Paranoid)),
        Match::Yes
    );
    assert_eq!(
        matches(rule, &sendmail_request("127.0.0.1", HostName::Unknown)),
        Match::No
    );
    // A paranoid client is denied by the usual Debian hardening line.
    assert_eq!(
        access("", rule, &sendmail_request("192.0.2.9", HostName::Paranoid)),
        Some(Access::Denied)
    );
}

#[test]
fn local_needs_a_known_name_without_a_dot() {
    let rule = "sendmail: LOCAL\n";
    assert_eq!(matches(rule, &localhost4()), Match::Yes);
    let rhel = sendmail_request(
        "127.0.0.1",
        HostName::Known("localhost.localdomain".to_string()),
    );
    assert_eq!(matches(rule, &rhel), Match::No);
    assert_eq!(
        matches(rule, &sendmail_request("127.0.0.1", HostName::Unknown)),
        Match::No
    );
    assert_eq!(
        matches(rule, &sendmail_request("127.0.0.1", HostName::Paranoid)),
        Match::No
    );
    // Keywords are case-insensitive.
    assert_eq!(matches("SendMail: local\n", &localhost4()), Match::Yes);
}

#[test]
fn known_and_unknown() {
    assert_eq!(matches("ALL: KNOWN\n", &localhost4()), Match::Yes);
    let nameless = sendmail_request("127.0.0.1", HostName::Unknown);
    assert_eq!(matches("ALL: KNOWN\n", &nameless), Match::No);
    assert_eq!(matches("ALL: UNKNOWN\n", &nameless), Match::Yes);
    assert_eq!(matches("ALL: UNKNOWN\n", &localhost4()), Match::No);
    let paranoid = sendmail_request("127.0.0.1", HostName::Paranoid);
    assert_eq!(matches("ALL: KNOWN\n", &paranoid), Match::No);
    // KNOWN in the daemon list: any daemon name but "unknown".
    assert_eq!(matches("KNOWN: ALL\n", &localhost4()), Match::Yes);
}

#[test]
fn sendmail_local_with_a_deny_all_policy() {
    let allow = "sendmail: LOCAL\n";
    let deny = "ALL: ALL\n";
    assert_eq!(access(allow, deny, &localhost4()), Some(Access::Granted));
    let decision = decide_texts("", deny, &localhost4());
    assert_eq!(decision.access, Some(Access::Denied));
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.deny:1")
    );
    assert_eq!(decision.reason.rule.as_deref(), Some("ALL: ALL"));
    // sm-mta is not the name sendmail asks libwrap about.
    assert_eq!(
        access("sm-mta: LOCAL\n", deny, &localhost4()),
        Some(Access::Denied)
    );
}

#[test]
fn except_in_the_daemon_list() {
    let rule = "ALL EXCEPT in.fingerd: other.host.example, .other.example\n";
    let finger = daemon_request(
        "in.fingerd",
        "198.51.100.7",
        HostName::Known("a.other.example".to_string()),
    );
    assert_eq!(matches(rule, &finger), Match::No);
    let sshd = daemon_request(
        "sshd",
        "198.51.100.7",
        HostName::Known("a.other.example".to_string()),
    );
    assert_eq!(matches(rule, &sshd), Match::Yes);
    let by_name = daemon_request(
        "sshd",
        "198.51.100.8",
        HostName::Known("other.host.example".to_string()),
    );
    assert_eq!(matches(rule, &by_name), Match::Yes);
    // `.other.example` is a strict suffix: the domain itself does not match.
    let apex = daemon_request(
        "sshd",
        "198.51.100.9",
        HostName::Known("other.example".to_string()),
    );
    assert_eq!(matches(rule, &apex), Match::No);
    assert_eq!(matches(rule, &localhost4()), Match::No);
}

#[test]
fn except_nests_to_the_right() {
    // ALL EXCEPT (192.0.2. EXCEPT 192.0.2.7): 192.0.2.7 is back in.
    let rule = "sendmail: ALL EXCEPT 192.0.2. EXCEPT 192.0.2.7\n";
    let client = |address| sendmail_request(address, HostName::Unknown);
    assert_eq!(matches(rule, &client("198.51.100.1")), Match::Yes);
    assert_eq!(matches(rule, &client("192.0.2.1")), Match::No);
    assert_eq!(matches(rule, &client("192.0.2.7")), Match::Yes);
    let parsed = only_rule(rule);
    let except = parsed.clients.except.as_ref().unwrap();
    assert!(except.except.is_some());
    // Lowercase `except` is a keyword too.
    assert_eq!(
        matches("sendmail: ALL except 127.0.0.1\n", &localhost4()),
        Match::No
    );
}

#[test]
fn net_mask_and_prefix_length() {
    let client = |address| sendmail_request(address, HostName::Unknown);
    let rule = "sshd, sendmail: 192.0.2.0/255.255.255.0\n";
    assert_eq!(matches(rule, &client("192.0.2.200")), Match::Yes);
    assert_eq!(matches(rule, &client("192.0.3.1")), Match::No);
    assert_eq!(
        matches("sendmail: 127.0.0.0/8\n", &localhost4()),
        Match::Yes
    );
    assert_eq!(
        matches("sendmail: 127.0.0.0/255.0.0.0\n", &localhost4()),
        Match::Yes
    );
    assert_eq!(matches("sendmail: 0.0.0.0/0\n", &localhost4()), Match::Yes);
    // Host bits outside the mask: libwrap compares (addr & mask) == net, never true.
    let table = parse(Table::Allow, "sendmail: 192.0.2.1/255.255.255.0\n");
    assert!(table.warnings[0].message.contains("host bits"), "{table:?}");
    assert_eq!(
        matches("sendmail: 192.0.2.1/255.255.255.0\n", &client("192.0.2.1")),
        Match::No
    );
    // Not a mask at all.
    let table = parse(Table::Allow, "sendmail: 192.0.2.0/abc\n");
    assert!(table.warnings[0].message.contains("not a valid net/mask"));
    assert_eq!(
        matches("sendmail: 192.0.2.0/abc\n", &client("192.0.2.1")),
        Match::No
    );
    // An IPv4 mask never matches an IPv6 client.
    assert_eq!(matches("sendmail: 0.0.0.0/0\n", &localhost6()), Match::No);
}

#[test]
fn address_prefixes_match_addresses_only() {
    assert_eq!(matches("sendmail: 127.\n", &localhost4()), Match::Yes);
    assert_eq!(matches("sendmail: 127.0.0.1\n", &localhost4()), Match::Yes);
    assert_eq!(matches("sendmail: 127.0.0.2\n", &localhost4()), Match::No);
    // `1.` does not match the address 127.0.0.1 and is not compared with names.
    assert_eq!(matches("sendmail: 1.\n", &localhost4()), Match::No);
    let named = sendmail_request(
        "192.0.2.1",
        HostName::Known("web1.shop.example".to_string()),
    );
    assert_eq!(matches("sendmail: web1.\n", &named), Match::Yes);
}

#[test]
fn ipv6_patterns() {
    assert_eq!(matches("sendmail: [::1]\n", &localhost6()), Match::Yes);
    assert_eq!(matches("sendmail: [0:0::1]\n", &localhost6()), Match::Yes);
    assert_eq!(matches("sendmail: [::1]\n", &localhost4()), Match::No);
    assert_eq!(matches("sendmail: [::]/0\n", &localhost6()), Match::Yes);
    assert_eq!(matches("sendmail: [::1]/128\n", &localhost6()), Match::Yes);
    let doc = sendmail_request("2001:db8:5::25", HostName::Unknown);
    assert_eq!(matches("sendmail: [2001:db8::]/32\n", &doc), Match::Yes);
    assert_eq!(matches("sendmail: [2001:db8::]/48\n", &doc), Match::No);
    // IPv6 nets mask both sides, so host bits in the net do not matter.
    assert_eq!(matches("sendmail: [2001:db8::1]/32\n", &doc), Match::Yes);
    // The ':' inside brackets does not split fields.
    let rule = only_rule("sendmail: [2001:db8::]/32 [::1] : spawn /bin/true\n");
    assert_eq!(rule.clients.items.len(), 2);
    assert_eq!(rule.options.len(), 1);
    // A bad prefix length matches nothing and is reported.
    let table = parse(Table::Allow, "sendmail: [::1]/129\n");
    assert!(table.warnings[0].message.contains("[::1]/129"));
    // IPv4-mapped clients are matched as IPv4.
    let mapped = sendmail_request("::ffff:127.0.0.1", HostName::Unknown);
    assert_eq!(matches("sendmail: 127.0.0.1\n", &mapped), Match::Yes);
    assert_eq!(matches("sendmail: 127.0.0.0/8\n", &mapped), Match::Yes);
}

#[test]
fn wildcards_and_domains() {
    let named = sendmail_request(
        "192.0.2.1",
        HostName::Known("Web1.Shop.Example".to_string()),
    );
    assert_eq!(matches("sendmail: *.shop.example\n", &named), Match::Yes);
    assert_eq!(matches("sendmail: web?.shop.example\n", &named), Match::Yes);
    assert_eq!(matches("sendmail: web??.shop.example\n", &named), Match::No);
    assert_eq!(matches("sendmail: 192.0.2.*\n", &named), Match::Yes);
    assert_eq!(matches("sendmail: .shop.example\n", &named), Match::Yes);
    assert_eq!(matches("sendmail: .SHOP.example\n", &named), Match::Yes);
    assert_eq!(matches("sendmail: web1.shop.example\n", &named), Match::Yes);
    assert_eq!(matches("sm-*: ALL\n", &named), Match::No);
    let smmta = daemon_request("sm-mta", "127.0.0.1", HostName::Unknown);
    assert_eq!(matches("sm-*: ALL\n", &smmta), Match::Yes);
    // Daemon lists use string_match too: `in.` is a prefix.
    let fingerd = daemon_request("in.fingerd", "127.0.0.1", HostName::Unknown);
    assert_eq!(matches("in.: ALL\n", &fingerd), Match::Yes);
}

#[test]
fn lists_split_on_blanks_and_commas() {
    let rule = only_rule("sshd,sendmail ,  imapd\t:\t192.0.2.1,,127.0.0.1   [::1]\n");
    assert_eq!(rule.daemons.items.len(), 3);
    assert_eq!(rule.clients.items.len(), 3);
    assert_eq!(
        rule_match(&rule, &localhost4(), &no_pattern_files).overall(),
        Match::Yes
    );
}

#[test]
fn continuation_lines_join_and_keep_their_line_numbers() {
    let text = "# header\nsendmail: 192.0.2.1 \\\n    127.0.0.1 \\\n    [::1]\nsshd: ALL\n";
    let table = parse(Table::Allow, text);
    let rules: Vec<&Rule> = table.rules().collect();
    assert_eq!(rules.len(), 2);
    assert_eq!((rules[0].line, rules[0].last_line), (2, 4));
    assert_eq!(rules[0].lines(), "2-4");
    assert_eq!(rules[0].clients.items.len(), 3);
    assert_eq!(rules[1].line, 5);
    let decision = decide(
        &table,
        &parse(Table::Deny, ""),
        &localhost6(),
        &no_pattern_files,
    );
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.allow:2-4")
    );
    // A backslash joins without a blank: `127.0.0.\` + `1` is one token.
    let joined = parse(Table::Allow, "sendmail: 127.0.0.\\\n1\n");
    assert_eq!(
        rule_match(
            joined.rules().next().unwrap(),
            &localhost4(),
            &no_pattern_files
        )
        .overall(),
        Match::Yes
    );
}

#[test]
fn comments_blank_lines_and_crlf() {
    let text = "\n   \n# sendmail: ALL\n\t# indented comment\nsendmail: 127.0.0.1 # trailing comment ALL\r\nsshd: 192.0.2.\\#1\r\n";
    let table = parse(Table::Allow, text);
    let rules: Vec<&Rule> = table.rules().collect();
    assert_eq!(rules.len(), 2, "{table:?}");
    assert_eq!(rules[0].line, 5);
    assert_eq!(rules[0].text, "sendmail: 127.0.0.1");
    assert_eq!(rules[0].clients.items.len(), 1);
    // An escaped '#' is not a comment.
    assert!(rules[1].text.contains("\\#1"));
    let nameless = sendmail_request("127.0.0.2", HostName::Unknown);
    assert_eq!(
        rule_match(rules[0], &nameless, &no_pattern_files).overall(),
        Match::No
    );
}

#[test]
fn options_change_the_verdict() {
    // The "one file" style: everything in hosts.allow.
    let allow = "sendmail: LOCAL : ALLOW\nALL: ALL : DENY\n";
    assert_eq!(access(allow, "", &localhost4()), Some(Access::Granted));
    let outsider = sendmail_request("192.0.2.9", HostName::Unknown);
    let decision = decide_texts(allow, "", &outsider);
    assert_eq!(decision.access, Some(Access::Denied));
    assert!(decision.reason.explanation.contains("`deny` option"));
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.allow:2")
    );
    // `allow` in hosts.deny grants.
    assert_eq!(
        access("", "sendmail: LOCAL : allow\nALL: ALL\n", &localhost4()),
        Some(Access::Granted)
    );
    // `twist` replaces the daemon: the MTA never serves the client.
    let decision = decide_texts(
        "sendmail: ALL : twist /bin/echo \"421 go away\"\n",
        "",
        &localhost4(),
    );
    assert_eq!(decision.access, Some(Access::Denied));
    assert!(decision.reason.explanation.contains("twist"));
    // `spawn` only runs a command; the allow still grants.
    let decision = decide_texts(
        "sendmail: LOCAL : spawn (/usr/bin/logger -t wrap %d %a) & : severity mail.info\n",
        "ALL: ALL\n",
        &localhost4(),
    );
    assert_eq!(decision.access, Some(Access::Granted));
    // spawn in hosts.deny still denies.
    assert_eq!(
        access(
            "",
            "ALL: ALL: spawn (/bin/echo %a from %h attempted to access %d >> /var/log/connections.log) &\n",
            &localhost4()
        ),
        Some(Access::Denied)
    );
}

#[test]
fn option_values_and_escapes_are_parsed() {
    let rule = only_rule(
        "sendmail: ALL: setenv = PATH /bin\\:/usr/bin : umask 022 : rfc931 5 : keepalive\n",
    );
    assert_eq!(rule.option_error, None, "{rule:?}");
    assert_eq!(rule.options.len(), 4);
    assert_eq!(rule.options[0].keyword, "setenv");
    assert_eq!(rule.options[0].value.as_deref(), Some("PATH /bin:/usr/bin"));
    assert_eq!(rule.options[1].value.as_deref(), Some("022"));
    let rule = only_rule("sendmail: ALL: spawn /bin/echo a\\tb \\: done\n");
    assert_eq!(
        rule.options[0].value.as_deref(),
        Some("/bin/echo a\\tb : done")
    );
}

#[test]
fn option_errors_make_libwrap_refuse() {
    for (text, expected) in [
        ("sendmail: ALL: frobnicate\n", "bad option name"),
        (
            "sendmail: ALL: deny : spawn /bin/true\n",
            "must be the last option",
        ),
        ("sendmail: ALL: twist\n", "requires a value"),
        ("sendmail: ALL: allow yes\n", "takes no value"),
        ("sendmail: ALL: umask 999\n", "bad value"),
        ("sendmail: ALL: spawn /bin/true :\n", "empty option"),
    ] {
        let rule = only_rule(text);
        let error = rule.option_error.clone().unwrap_or_default();
        assert!(error.contains(expected), "{text}: {error}");
        let decision = decide_texts(text, "", &localhost4());
        assert_eq!(decision.access, Some(Access::Denied), "{text}");
        assert!(decision.reason.explanation.contains("option error"));
    }
}

#[test]
fn netgroups_are_undetermined() {
    let decision = decide_texts("sendmail: @trusted-hosts\n", "ALL: ALL\n", &localhost4());
    assert_eq!(decision.access, None);
    assert!(
        decision.causes[0].contains("/etc/hosts.allow:1"),
        "{decision:?}"
    );
    assert!(decision.causes[0].contains("netgroup"));
    assert_eq!(decision.alternatives.len(), 1);
    assert_eq!(decision.alternatives[0].0, Access::Granted);
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.deny:1")
    );
    // When every outcome is the same, the netgroup does not matter.
    let decision = decide_texts("sendmail: @trusted-hosts\n", "", &localhost4());
    assert_eq!(decision.access, Some(Access::Granted));
    assert!(!decision.causes.is_empty());
    // A definite match before the netgroup decides alone.
    let decision = decide_texts(
        "sendmail: LOCAL\nsendmail: @x\n",
        "ALL: ALL\n",
        &localhost4(),
    );
    assert_eq!(decision.access, Some(Access::Granted));
    assert!(decision.causes.is_empty());
    // OR with a definite match in the same list is a match.
    assert_eq!(
        matches("sendmail: @trusted LOCAL\n", &localhost4()),
        Match::Yes
    );
    // EXCEPT with an undetermined exception is undetermined.
    assert!(matches!(
        matches("sendmail: ALL EXCEPT @blocked\n", &localhost4()),
        Match::Undetermined(_)
    ));
    // `@` in the daemon list: daemon@@netgroup.
    assert!(matches!(
        matches("sendmail@@servers: ALL\n", &localhost4()),
        Match::Undetermined(_)
    ));
}

#[test]
fn user_at_host_patterns() {
    // hosts_ctl passes user "unknown": deterministic.
    assert_eq!(
        matches("sendmail: ALL@127.0.0.1\n", &localhost4()),
        Match::Yes
    );
    assert_eq!(
        matches("sendmail: root@127.0.0.1\n", &localhost4()),
        Match::No
    );
    assert_eq!(matches("sendmail: KNOWN@ALL\n", &localhost4()), Match::No);
    // A daemon that lets libwrap ask identd: undetermined unless the user part is ALL.
    let mut ident = localhost4();
    ident.user = None;
    assert!(matches!(
        matches("sendmail: root@127.0.0.1\n", &ident),
        Match::Undetermined(_)
    ));
    assert_eq!(matches("sendmail: root@192.0.2.1\n", &ident), Match::No);
    assert_eq!(matches("sendmail: ALL@LOCAL\n", &ident), Match::Yes);
}

#[test]
fn daemon_at_host_patterns() {
    // Under hosts_ctl the server endpoint is unknown.
    assert_eq!(
        matches("sendmail@127.0.0.1: ALL\n", &localhost4()),
        Match::No
    );
    assert_eq!(matches("sendmail@ALL: ALL\n", &localhost4()), Match::Yes);
    let mut sockets = localhost4();
    sockets.server = Endpoint {
        address: Some(v4("127.0.0.1")),
        name: HostName::Known("localhost".to_string()),
    };
    assert_eq!(matches("sendmail@127.0.0.1: ALL\n", &sockets), Match::Yes);
    assert_eq!(matches("sendmail@192.0.2.1: ALL\n", &sockets), Match::No);
    assert_eq!(matches("sendmail@LOCAL: ALL\n", &sockets), Match::Yes);
}

#[test]
fn pattern_files_are_read_through_the_lookup() {
    let lookup = |path: &str| match path {
        "/etc/mail/trusted" => PatternFile::Text("192.0.2.1\n127.0.0.0/8 [::1]\n".to_string()),
        "/etc/unreadable" => {
            PatternFile::Unreadable("/etc/unreadable: permission denied".to_string())
        }
        "/etc/self" => PatternFile::Text("/etc/self".to_string()),
        _ => PatternFile::Missing,
    };
    let allow = parse(
        Table::Allow,
        "sendmail: /etc/mail/trusted\nsshd: /etc/absent\n",
    );
    let deny = parse(Table::Deny, "ALL: ALL\n");
    let decision = decide(&allow, &deny, &localhost4(), &lookup);
    assert_eq!(decision.access, Some(Access::Granted));
    let decision = decide(&allow, &deny, &localhost6(), &lookup);
    assert_eq!(decision.access, Some(Access::Granted));
    let absent = parse(Table::Allow, "sendmail: /etc/absent\n");
    assert_eq!(
        decide(&absent, &deny, &localhost4(), &lookup).access,
        Some(Access::Denied)
    );
    let unreadable = parse(Table::Allow, "sendmail: /etc/unreadable\n");
    let decision = decide(&unreadable, &deny, &localhost4(), &lookup);
    assert_eq!(decision.access, None);
    assert!(decision.causes[0].contains("permission denied"));
    let recursive = parse(Table::Allow, "sendmail: /etc/self\n");
    let decision = decide(&recursive, &deny, &localhost4(), &lookup);
    assert_eq!(decision.access, None);
    assert!(decision.causes[0].contains("nested"));
}

#[test]
fn malformed_lines_are_reported_not_fatal() {
    let text = "sendmail\nsendmail 127.0.0.1\n: ALL\nsendmail:\nsendmail: 127.0.0.1\n";
    let table = parse(Table::Allow, text);
    let messages: Vec<String> = table
        .warnings
        .iter()
        .map(|w| format!("{}: {}", w.line, w.message))
        .collect();
    assert!(messages[0].starts_with("1: missing \":\""), "{messages:?}");
    assert!(messages[1].starts_with("2: missing \":\""), "{messages:?}");
    assert!(
        messages[2].starts_with("3: empty daemon list"),
        "{messages:?}"
    );
    assert!(
        messages[3].starts_with("4: empty client list"),
        "{messages:?}"
    );
    assert_eq!(table.rules().count(), 3);
    assert_eq!(
        access(text, "ALL: ALL\n", &localhost4()),
        Some(Access::Granted)
    );
}

#[test]
fn a_last_line_without_newline_is_ignored_by_libwrap() {
    let deny = parse(Table::Deny, "# deny all\nALL: ALL");
    assert_eq!(deny.rules().count(), 0);
    assert!(deny.warnings[0].message.contains("no newline"), "{deny:?}");
    assert_eq!(deny.warnings[0].line, 2);
    assert_eq!(
        access("", "# deny all\nALL: ALL", &localhost4()),
        Some(Access::Granted)
    );
    assert_eq!(
        access("", "ALL: ALL\n", &localhost4()),
        Some(Access::Denied)
    );
    // A trailing comment without newline is harmless.
    assert!(parse(Table::Deny, "ALL: ALL\n# end").warnings.is_empty());
}

#[test]
fn garbage_and_over_long_lines_make_the_result_undetermined() {
    let garbage = "sendmail: LOCAL\n\u{1b}[2J\u{fffd}\u{fffd}: ALL\nsshd: ALL\n";
    let table = parse(Table::Deny, garbage);
    assert!(matches!(&table.entries[1], Entry::Unreadable(note) if note.line == 2));
    // In hosts.deny after a definite allow: harmless.
    assert_eq!(
        access("sendmail: LOCAL\n", garbage, &localhost4()),
        Some(Access::Granted)
    );
    // Reached before any decision: it might deny or grant.
    let decision = decide_texts(
        "",
        garbage,
        &sendmail_request("192.0.2.1", HostName::Unknown),
    );
    assert_eq!(decision.access, None);
    assert!(
        decision.causes[0].contains("/etc/hosts.deny:2"),
        "{decision:?}"
    );

    // Bad bytes in a comment do not matter.
    let commented = "# G\u{fffd}rard's rule \u{1b}\nsendmail: LOCAL # \u{fffd}\n";
    let table = parse(Table::Allow, commented);
    assert_eq!(table.rules().count(), 1, "{table:?}");
    assert_eq!(
        access(commented, "ALL: ALL\n", &localhost4()),
        Some(Access::Granted)
    );

    let long = format!("sendmail: {}\nALL: ALL\n", "192.0.2.1 ".repeat(300));
    let table = parse(Table::Deny, &long);
    assert!(matches!(&table.entries[0], Entry::Unreadable(note) if note.message.contains("2048")));
    assert_eq!(access("", &long, &localhost4()), None);

    // Just under the buffer is a normal line.
    let fits = format!(
        "sendmail: {}\n",
        "x".repeat(LIBWRAP_LINE_BUFFER - 2 - "sendmail: ".len())
    );
    assert!(matches!(
        parse(Table::Deny, &fits).entries[0],
        Entry::Rule(_)
    ));
    let too_long = format!(
        "sendmail: {}\n",
        "x".repeat(LIBWRAP_LINE_BUFFER - 1 - "sendmail: ".len())
    );
    assert!(matches!(
        parse(Table::Deny, &too_long).entries[0],
        Entry::Unreadable(_)
    ));
}

#[test]
fn a_huge_single_line_is_bounded() {
    let huge = "A".repeat(10 * 1024 * 1024);
    let table = parse(Table::Allow, &huge);
    assert_eq!(table.entries.len(), 1);
    assert!(
        matches!(&table.entries[0], Entry::Unreadable(note) if note.message.contains("10485760 bytes"))
    );
    // Continued over-long lines too.
    let continued = format!("{}\\\n{}\n", "B".repeat(5000), "C".repeat(5000));
    let table = parse(Table::Allow, &continued);
    assert!(
        matches!(&table.entries[0], Entry::Unreadable(note) if note.message.contains("10000 bytes"))
    );
}

#[test]
fn hostile_text_never_panics() {
    let samples = [
        "",
        ":",
        "::::",
        "\\",
        "\\\n",
        "[:\n",
        "]:]\n",
        "a@:b@\n",
        "@: @\n",
        "/: /\n",
        "ALL: [\n",
        "ALL: [::1\n",
        "ALL: .\n",
        "ALL: *\n",
        "ALL: ?\n",
        "ALL: EXCEPT\n",
        "EXCEPT: EXCEPT EXCEPT\n",
        "ALL: ALL: \\\n",
        "ALL: ALL: =\n",
        "ALL: 1.2.3.4/\n",
        "ALL: /1.2.3.4\n",
        "ALL: é.ü/ß\n",
        "ALL: ::ffff:\n",
        "é: \u{1F600}.\n",
    ];
    for sample in samples {
        let allow = parse(Table::Allow, sample);
        let deny = parse(Table::Deny, sample);
        let _ = decide(&allow, &deny, &localhost4(), &no_pattern_files);
        let _ = decide(&allow, &deny, &localhost6(), &no_pattern_files);
    }
}

#[test]
fn the_first_match_wins_in_file_order() {
    let allow = "sendmail: 192.0.2.1\nsendmail: ALL EXCEPT LOCAL : deny\nsendmail: ALL\n";
    let decision = decide_texts(allow, "ALL: ALL\n", &localhost4());
    assert_eq!(decision.access, Some(Access::Granted));
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.allow:3")
    );
    assert_eq!(decision.stopped_at, Some((Table::Allow, 3)));
    assert!(decision.reaches(Table::Allow, 2));
    assert!(!decision.reaches(Table::Deny, 1));
    let outsider = sendmail_request("198.51.100.1", HostName::Known("x.example".to_string()));
    let decision = decide_texts(allow, "", &outsider);
    assert_eq!(decision.access, Some(Access::Denied));
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.allow:2")
    );
}

#[test]
fn wildcard_matching() {
    assert!(wildcard_match("*", ""));
    assert!(wildcard_match("a*b*c", "axxbyyc"));
    assert!(!wildcard_match("a*b*c", "axxbyy"));
    assert!(wildcard_match("*.example", "a.b.example"));
    assert!(!wildcard_match("?", ""));
    assert!(wildcard_match("**", "abc"));
}

#[test]
fn man_page_and_hardening_guide_shapes() {
    // RHEL's default header, then a typical hardening guide; the deny file is the
    // "booby trap" example of hosts_access(5).
    let allow = "#\n# hosts.allow\tThis file contains access rules which are used to\n#\t\tallow or deny connections to network services that\n#\t\teither use the tcp_wrappers library or that have been\n#\t\tstarted through a tcp_wrappers-enabled xinetd.\n#\n\
sshd: 192.0.2.0/24 : spawn (/usr/bin/logger -p auth.info \"ssh from %h\") &\n\
vsftpd: .example.com EXCEPT badhost.example.com\n\
in.tftpd: LOCAL, .my.example\n\
rpcbind: 192.0.2.0/255.255.255.0\n\
ALL: 127.0.0.1 [::1]\n";
    let deny = "ALL: ALL: spawn (/usr/sbin/safe_finger -l @%h | /usr/bin/mail -s %d-%h root) & \n";
    let table = parse(Table::Allow, allow);
    assert_eq!(table.rules().count(), 5);
    assert!(table.warnings.is_empty(), "{table:?}");
    let decision = decide_texts(allow, deny, &localhost4());
    assert_eq!(decision.access, Some(Access::Granted));
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.allow:11")
    );
    assert_eq!(access(allow, deny, &localhost6()), Some(Access::Granted));
    let outsider = sendmail_request(
        "198.51.100.9",
        HostName::Known("mx.other.example".to_string()),
    );
    let decision = decide_texts(allow, deny, &outsider);
    assert_eq!(decision.access, Some(Access::Denied));
    assert_eq!(
        decision.reason.source().as_deref(),
        Some("/etc/hosts.deny:1")
    );
    let ftp =
        |name: &str| daemon_request("vsftpd", "203.0.113.5", HostName::Known(name.to_string()));
    assert_eq!(
        access(allow, deny, &ftp("a.example.com")),
        Some(Access::Granted)
    );
    assert_eq!(
        access(allow, deny, &ftp("badhost.example.com")),
        Some(Access::Denied)
    );
    let ssh = daemon_request("sshd", "192.0.2.44", HostName::Unknown);
    assert_eq!(access(allow, deny, &ssh), Some(Access::Granted));
}
