//! The DNS checks (`fcrdns`, `dnsbl`) against a real DNS server on 127.0.0.1: the fixture
//! server of `tests/support/dns_server.rs` serving `fixtures/dns/` with fault injection.
//! Runs the binary with `--nameserver 127.0.0.1:PORT --egress-ip …` and reads its JSON.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;
use support::dns_server::{Fault, FixtureDns, FixtureOptions};

/// One fixture server for the whole test binary (the fixtures never change).
fn server() -> &'static FixtureDns {
    static SERVER: OnceLock<FixtureDns> = OnceLock::new();
    SERVER.get_or_init(FixtureDns::start_default)
}

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn mailaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

/// Runs the DNS checks of the default profile for a fixture host; returns exit code and report.
fn audit(host: &str, egress: &[&str], extra: &[&str]) -> (i32, Value) {
    let root = fixture(&format!("fixtures/hosts/{host}"));
    let nameserver = server().nameserver();
    let mut args = vec![
        "run",
        "--root",
        root.to_str().unwrap(),
        "--nameserver",
        &nameserver,
        "--format",
        "json",
    ];
    for ip in egress {
        args.extend(["--egress-ip", ip]);
    }
    if !extra.iter().any(|a| *a == "--profile" || *a == "--only") {
        args.extend(["--only", "fcrdns", "--only", "dnsbl"]);
    }
    args.extend(extra);
    let output = mailaudit(&args);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON report ({e}); stderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), report)
}

fn result<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result {id} in {report:#}"))
}

fn evidence_texts(result: &Value) -> Vec<String> {
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["label"].as_str().unwrap(),
                e["text"].as_str().unwrap()
            )
        })
        .collect()
}

fn evidence_with<'a>(result: &'a Value, label: &str, needle: &str) -> &'a Value {
    result["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["label"] == label && e["text"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no {label:?} evidence with {needle:?}: {result:#}"))
}

#[test]
fn the_story_host_is_on_the_pbl_and_its_ptr_is_a_generic_isp_name() {
    let (code, report) = audit("dns-story", &["203.0.113.25"], &[]);
    assert_eq!(code, 2, "{report:#}");
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "critical");
    let summary = dnsbl["summary"].as_str().unwrap();
    assert!(
        summary.contains("203.0.113.25 on Spamhaus ZEN (PBL)"),
        "{summary}"
    );
    let listing = evidence_with(dnsbl, "blocklist listing", "Spamhaus ZEN");
    assert_eq!(listing["data"]["code"], "127.0.0.10, 127.0.0.11");
    assert_eq!(listing["data"]["list"], "PBL");
    assert_eq!(
        listing["data"]["lookup_url"],
        "https://check.spamhaus.org/results/?query=203.0.113.25"
    );
    assert!(
        listing["data"]["txt"]
            .as_str()
            .unwrap()
            .contains("query=203.0.113.25")
    );
    assert_eq!(listing["source"], "25.113.0.203.zen.spamhaus.org");
    assert!(dnsbl["remediation"].as_str().unwrap().contains("smarthost"));
    // Every other zone of the default catalogue answered "not listed".
    let clean = evidence_with(dnsbl, "not listed", "SpamCop");
    for name in ["Passive Spam Block List", "Mailspike", "UCEPROTECT"] {
        assert!(clean["text"].as_str().unwrap().contains(name));
    }
    assert_eq!(dnsbl["metrics"]["zones_queried"], 5);
    assert_eq!(dnsbl["metrics"]["zones_listed"], 1);
    assert_eq!(dnsbl["metrics"]["dns_errors"], 0);

    let fcrdns = result(&report, "fcrdns");
    assert_eq!(fcrdns["status"], "warning", "{fcrdns:#}");
    let texts = evidence_texts(fcrdns).join("\n");
    assert!(
        texts.contains(
            "link 1: host name: web1.shop.example is an FQDN and resolves to 203.0.113.25"
        ),
        "{texts}"
    );
    assert!(texts.contains("link 3: forward confirmation: 203-0-113-25.dsl.dyn.isp.example resolves back to 203.0.113.25"), "{texts}");
    assert!(
        texts.contains("link 4: name match: the PTR name 203-0-113-25.dsl.dyn.isp.example"),
        "{texts}"
    );
    assert!(texts.contains("link 5: generic name"), "{texts}");
    assert!(
        texts.contains("embeds the address (203-0-113-25)"),
        "{texts}"
    );
    assert_eq!(report["facts"]["egress_ip_method"], "--egress-ip");
}

#[test]
fn a_clean_well_named_host_passes_both_checks() {
    let (code, report) = audit("dns-clean", &["192.0.2.30"], &[]);
    assert_eq!(code, 0, "{report:#}");
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "ok");
    assert!(
        dnsbl["summary"]
            .as_str()
            .unwrap()
            .contains("192.0.2.30 not listed on any of 5 blocklists")
    );
    let fcrdns = result(&report, "fcrdns");
    assert_eq!(fcrdns["status"], "ok", "{fcrdns:#}");
    assert!(
        fcrdns["summary"]
            .as_str()
            .unwrap()
            .contains("mx3.exim.example resolves back to 192.0.2.30")
    );
}

#[test]
fn a_pbl_listing_behind_a_smarthost_is_ok_with_a_note() {
    use mailaudit::checks::{Verdict, dnsbl, fcrdns};
    use mailaudit::engine::Context;
    use mailaudit::engine::facts::{Facts, ProcessTable};
    use mailaudit::hostfs::HostFs;

    let mut facts = Facts {
        hostname: Some("mail2".into()),
        fqdn: Some("mail2.corp.example".into()),
        egress_ips: vec!["198.51.100.20".parse().unwrap()],
        egress_ip_method: "--egress-ip".into(),
        nameservers: vec![server().address],
        ..Facts::default()
    };
    facts.mta.kind = Some("postfix".into());
    facts.mta.smarthost = Some("[smtp.provider.example]:587".into());
    let context = Arc::new(Context {
        fs: HostFs::snapshot(&fixture("fixtures/hosts/dns-relay")).unwrap(),
        facts,
        processes: ProcessTable::default(),
        now: jiff::Timestamp::now(),
        deadline: Instant::now() + Duration::from_secs(60),
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome = runtime.block_on(dnsbl::run(&dnsbl::Params::default(), &context));
    assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:#?}");
    assert!(
        outcome.summary.contains("listed only on a policy list")
            && outcome
                .summary
                .contains("mail relays through [smtp.provider.example]:587"),
        "{}",
        outcome.summary
    );
    let listing = outcome
        .evidence
        .iter()
        .find(|e| e.label == "blocklist listing")
        .unwrap();
    assert!(
        listing.text.contains("does not matter here"),
        "{}",
        listing.text
    );
    assert_eq!(listing.data["code"], "127.0.0.11");

    let outcome = runtime.block_on(fcrdns::run(&fcrdns::Params::default(), &context));
    assert_eq!(outcome.verdict, Verdict::Pass, "{outcome:#?}");

    // Without the smarthost, the same listing fails.
    let mut facts = context.facts.clone();
    facts.mta.smarthost = None;
    let direct = Context {
        fs: HostFs::snapshot(&fixture("fixtures/hosts/dns-relay")).unwrap(),
        facts,
        processes: ProcessTable::default(),
        now: jiff::Timestamp::now(),
        deadline: Instant::now() + Duration::from_secs(60),
    };
    let outcome = runtime.block_on(dnsbl::run(&dnsbl::Params::default(), &direct));
    assert_eq!(outcome.verdict, Verdict::Fail, "{outcome:#?}");
}

#[test]
fn an_sbl_listing_is_critical_with_reason_and_removal_url() {
    let (code, report) = audit("dns-clean", &["192.0.2.66"], &["--only", "dnsbl"]);
    assert_eq!(code, 2);
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "critical");
    let zen = evidence_with(dnsbl, "blocklist listing", "Spamhaus ZEN");
    assert_eq!(zen["data"]["code"], "127.0.0.2, 127.0.0.3");
    assert_eq!(zen["data"]["list"], "SBL, CSS");
    assert!(zen["data"]["txt"].as_str().unwrap().contains("SBL999999"));
    let spamcop = evidence_with(dnsbl, "blocklist listing", "SpamCop");
    assert_eq!(
        spamcop["data"]["lookup_url"],
        "https://www.spamcop.net/bl.shtml?192.0.2.66"
    );
    assert_eq!(dnsbl["metrics"]["zones_listed"], 2);
    assert!(
        dnsbl["remediation"]
            .as_str()
            .unwrap()
            .contains("find and stop the source")
    );
}

#[test]
fn spamhaus_error_answers_and_foreign_answers_are_unknown_never_listed_or_clean() {
    for (ip, cause) in [
        ("198.51.100.252", "typing error in the DNSBL name"),
        ("198.51.100.254", "public/open resolver"),
        ("198.51.100.255", "excessive number of queries"),
        ("198.51.100.99", "outside 127.0.0.0/8"),
        ("198.51.100.98", "not a return code of Spamhaus ZEN"),
    ] {
        let (code, report) = audit("dns-clean", &[ip], &["--only", "dnsbl"]);
        let dnsbl = result(&report, "dnsbl");
        assert_eq!(dnsbl["status"], "unknown", "{ip}: {dnsbl:#}");
        assert_eq!(code, 3, "{ip}");
        let summary = dnsbl["summary"].as_str().unwrap();
        assert!(summary.contains(cause), "{ip}: {summary}");
        assert!(
            summary.contains("could not determine 1 of 5"),
            "{ip}: {summary}"
        );
        evidence_with(dnsbl, "blocklist lookup undetermined", cause);
    }
}

fn fault_profile(dir: &Path, query_timeout: &str) -> PathBuf {
    let profile = dir.join("faults.toml");
    std::fs::write(
        &profile,
        format!(
            "[[check]]\nid = \"dnsbl-faults\"\nkind = \"dnsbl\"\nseverity = \"critical\"\ntitle = \"t\"\nremediation = \"r\"\ncatalogue = {:?}\nquery_timeout = {query_timeout:?}\n",
            fixture("fixtures/dns/test-catalogue.toml").to_str().unwrap()
        ),
    )
    .unwrap();
    profile
}

#[test]
fn every_failure_mode_of_a_zone_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fault_profile(dir.path(), "400ms");
    let (code, report) = audit(
        "dns-clean",
        &["192.0.2.66"],
        &["--profile", profile.to_str().unwrap()],
    );
    let dnsbl = result(&report, "dnsbl-faults");
    // Listed on the healthy zone, and on the truncated one once the answer came over TCP.
    assert_eq!(code, 2, "{dnsbl:#}");
    evidence_with(dnsbl, "blocklist listing", "Healthy test list");
    evidence_with(dnsbl, "blocklist listing", "Truncated-answer test list");
    for (zone, cause) in [
        (
            "Retired test list",
            "the zone looks dead: its test entry 127.0.0.2 is not listed",
        ),
        ("Wildcard test list", "it answers everything (wildcard)"),
        ("SERVFAIL test list", "SERVFAIL"),
        ("REFUSED test list", "REFUSED"),
        ("Unanswering test list", "no answer before the timeout"),
        ("Malformed-answer test list", "malformed answer"),
        ("Error-answer test list", "public/open resolver"),
    ] {
        let evidence = evidence_with(dnsbl, "blocklist lookup undetermined", zone);
        assert!(
            evidence["text"].as_str().unwrap().contains(cause),
            "{zone}: {evidence:#}"
        );
    }
    assert_eq!(dnsbl["metrics"]["zones_queried"], 9);
    assert_eq!(dnsbl["metrics"]["zones_listed"], 2);
    assert!(dnsbl["metrics"]["dns_errors"].as_u64().unwrap() >= 8);
}

#[test]
fn unknown_zones_alone_make_the_check_unknown_not_ok() {
    let dir = tempfile::tempdir().unwrap();
    let profile = fault_profile(dir.path(), "300ms");
    // 192.0.2.30 is listed nowhere: the healthy zones say "not listed", the broken ones
    // cannot say; the check must not be ok.
    let (code, report) = audit(
        "dns-clean",
        &["192.0.2.30"],
        &["--profile", profile.to_str().unwrap()],
    );
    let dnsbl = result(&report, "dnsbl-faults");
    assert_eq!(dnsbl["status"], "unknown", "{dnsbl:#}");
    assert_eq!(code, 3);
    assert!(
        dnsbl["summary"]
            .as_str()
            .unwrap()
            .contains("could not determine 7 of 9 blocklist lookups")
    );
}

#[test]
fn a_dropped_zone_ends_at_the_query_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("dropped.toml");
    std::fs::write(
        &profile,
        "[[check]]\nid = \"dnsbl\"\nkind = \"dnsbl\"\nseverity = \"critical\"\ntitle = \"t\"\nremediation = \"r\"\nquery_timeout = \"400ms\"\n",
    )
    .unwrap();
    // A server of its own, dropping every Spamhaus answer.
    let dropping = FixtureDns::start(FixtureOptions {
        zones_dir: fixture("fixtures/dns"),
        faults: vec![Fault::parse("zen.spamhaus.org=drop").unwrap()],
        ..FixtureOptions::default()
    })
    .unwrap();
    let nameserver = dropping.nameserver();
    let root = fixture("fixtures/hosts/dns-clean");
    let output = mailaudit(&[
        "run",
        "--root",
        root.to_str().unwrap(),
        "--nameserver",
        &nameserver,
        "--egress-ip",
        "192.0.2.30",
        "--profile",
        profile.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "unknown");
    let evidence = evidence_with(dnsbl, "blocklist lookup undetermined", "Spamhaus ZEN");
    assert!(
        evidence["text"]
            .as_str()
            .unwrap()
            .contains("no answer before the timeout")
    );
    // Bounded by the query timeout, not the check's 60 s default (generous margin: the
    // benchmark measures it, this only proves the bound exists).
    assert!(dnsbl["duration_ms"].as_u64().unwrap() < 5_000, "{dnsbl:#}");
}

#[test]
fn ipv6_egress_addresses_are_looked_up_in_nibble_format() {
    let (code, report) = audit("dns-v6", &["2001:db8::25"], &[]);
    assert_eq!(code, 0, "{report:#}");
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "ok", "{dnsbl:#}");
    // Only Spamhaus ZEN answers for IPv6 in the default catalogue; the others say so.
    evidence_with(
        dnsbl,
        "zone skipped",
        "SpamCop Blocking List does not list IPv6",
    );
    let fcrdns = result(&report, "fcrdns");
    assert_eq!(fcrdns["status"], "ok", "{fcrdns:#}");
    assert!(
        evidence_texts(fcrdns)
            .join("\n")
            .contains("mail6.v6.example resolves back to 2001:db8::25")
    );

    let (code, report) = audit("dns-v6", &["2001:db8::66"], &["--only", "dnsbl"]);
    assert_eq!(code, 2);
    let listing = evidence_with(result(&report, "dnsbl"), "blocklist listing", "SBL");
    assert_eq!(
        listing["source"],
        "6.6.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org"
    );
}

#[test]
fn each_broken_link_of_the_fcrdns_chain_is_named() {
    for (ip, status, needle) in [
        (
            "192.0.2.99",
            "critical",
            "link 2: PTR record: 192.0.2.99 has no PTR record",
        ),
        (
            "192.0.2.77",
            "critical",
            "link 3: forward confirmation: the PTR of 192.0.2.77 is not forward-confirmed: ghost.exim.example does not resolve",
        ),
        (
            "192.0.2.78",
            "critical",
            "mx3.exim.example resolves to 192.0.2.30, not back to 192.0.2.78",
        ),
        (
            "192.0.2.50",
            "unknown",
            "could not look up the PTR of 192.0.2.50: SERVFAIL",
        ),
    ] {
        let (_, report) = audit("dns-clean", &[ip], &["--only", "fcrdns"]);
        let fcrdns = result(&report, "fcrdns");
        assert_eq!(fcrdns["status"], status, "{ip}: {fcrdns:#}");
        assert!(
            fcrdns["summary"].as_str().unwrap().contains(needle)
                || evidence_texts(fcrdns).join("\n").contains(needle),
            "{ip}: {fcrdns:#}"
        );
    }
}

#[test]
fn a_host_name_that_is_not_an_fqdn_breaks_link_one() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    std::fs::write(root.path().join("etc/hostname"), "localhost\n").unwrap();
    let nameserver = server().nameserver();
    let output = mailaudit(&[
        "run",
        "--root",
        root.path().to_str().unwrap(),
        "--nameserver",
        &nameserver,
        "--egress-ip",
        "192.0.2.30",
        "--only",
        "fcrdns",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let fcrdns = result(&report, "fcrdns");
    assert_eq!(fcrdns["status"], "critical");
    assert!(
        fcrdns["summary"]
            .as_str()
            .unwrap()
            .starts_with("link 1: host name: \"localhost\" is a local name")
    );
}

#[test]
fn a_private_egress_ip_is_unknown_and_says_why() {
    let (code, report) = audit("dns-clean", &["10.1.2.3"], &[]);
    assert_eq!(code, 3);
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "unknown");
    let summary = dnsbl["summary"].as_str().unwrap();
    assert!(
        summary.contains("10.1.2.3 is a private address (RFC 1918)"),
        "{summary}"
    );
    assert!(
        summary.contains("cannot be on public blocklists and is not what receiving MX hosts see"),
        "{summary}"
    );
    let fcrdns = result(&report, "fcrdns");
    assert_eq!(fcrdns["status"], "unknown", "{fcrdns:#}");
    assert!(
        evidence_texts(fcrdns)
            .join("\n")
            .contains("10.1.2.3 is a private address")
    );

    let (_, report) = audit("dns-clean", &["127.0.0.1"], &["--only", "dnsbl"]);
    assert!(
        result(&report, "dnsbl")["summary"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1 is a loopback address")
    );
}

#[test]
fn the_egress_ip_can_be_discovered_by_dns() {
    use mailaudit::dns::DnsSettings;
    use mailaudit::dns::egress::{DiscoveryMethod, DiscoveryRecord, discover_by_dns};

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let method = DiscoveryMethod {
        query: "myip.opendns.com".into(),
        record: DiscoveryRecord::A,
        nameserver: server().nameserver(),
    };
    let settings = DnsSettings {
        query_timeout: Duration::from_secs(2),
        attempts: 1,
    };
    let found = runtime.block_on(discover_by_dns(&method, &[], settings));
    assert_eq!(found, Ok(vec!["203.0.113.25".parse().unwrap()]));
    // An answer without an address is not taken for the egress IP.
    let wrong = DiscoveryMethod {
        query: "mail2.corp.example".into(),
        record: DiscoveryRecord::AAAA,
        nameserver: server().nameserver(),
    };
    let error = runtime
        .block_on(discover_by_dns(&wrong, &[], settings))
        .unwrap_err();
    assert!(error.contains("NODATA"), "{error}");
}

#[test]
fn a_snapshot_without_egress_ip_is_unknown() {
    // The default profile has a DNS discovery method; a snapshot never uses it.
    let (code, report) = audit("dns-story", &[], &["--only", "dnsbl"]);
    assert_eq!(code, 3);
    assert_eq!(report["facts"]["egress_ip_method"], "unknown");
    let dnsbl = result(&report, "dnsbl");
    assert!(
        dnsbl["summary"]
            .as_str()
            .unwrap()
            .contains("the egress IP is not known (method: unknown)")
    );
    evidence_with(dnsbl, "egress IP discovery", "give --egress-ip");
}

#[test]
fn a_catalogue_with_a_bad_code_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let catalogue = dir.path().join("zones.toml");
    let text = std::fs::read_to_string(fixture("fixtures/dns/test-catalogue.toml"))
        .unwrap()
        .replacen("code = \"127.0.0.2\"", "code = \"127.0.0.256\"", 1);
    std::fs::write(&catalogue, text).unwrap();
    let profile = dir.path().join("profile.toml");
    std::fs::write(
        &profile,
        format!(
            "[[check]]\nid = \"dnsbl\"\nkind = \"dnsbl\"\nseverity = \"critical\"\ntitle = \"t\"\nremediation = \"r\"\ncatalogue = {:?}\n",
            catalogue.to_str().unwrap()
        ),
    )
    .unwrap();
    for command in ["run", "checks"] {
        let output = mailaudit(&[command, "--profile", profile.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(3), "{command}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(
            message.contains(&format!(
                "{}:7:13: field `catalogue`: bad catalogue:",
                profile.to_str().unwrap()
            )),
            "{message}"
        );
        assert!(
            message.contains(&format!(
                "{}:14:8: field `code`: \"127.0.0.256\" is not an IPv4 address",
                catalogue.to_str().unwrap()
            )),
            "{message}"
        );
        assert!(output.stdout.is_empty());
    }
}

#[test]
fn a_malformed_nameserver_is_a_usage_error() {
    for bad in ["resolver.example", "300.1.1.1", "127.0.0.1:99999"] {
        let output = mailaudit(&["run", "--nameserver", bad, "--only", "dnsbl"]);
        assert_eq!(output.status.code(), Some(3), "{bad}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(
            message.contains(&format!("{bad:?} is not an IP address or IP:PORT")),
            "{message}"
        );
    }
}

#[test]
fn the_story_host_snapshot_finds_the_pbl_in_one_command() {
    // The mta helper's capture of the story's web server (sendmail sending directly).
    let (code, report) = audit("story-sendmail", &["203.0.113.25"], &[]);
    assert_eq!(code, 2, "{report:#}");
    assert_eq!(report["host"], "web1.shop.example");
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "critical");
    assert!(
        dnsbl["summary"]
            .as_str()
            .unwrap()
            .contains("203.0.113.25 on Spamhaus ZEN (PBL)")
    );
    assert_eq!(result(&report, "fcrdns")["status"], "warning");
}

#[test]
fn the_relayhost_snapshot_is_ok_despite_its_pbl_listing() {
    // postfix-relayhost relays through [smtp.provider.example]:587 (found by the mta facts).
    let (code, report) = audit("postfix-relayhost", &["198.51.100.20"], &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(
        report["facts"]["mta"]["smarthost"],
        "[smtp.provider.example]:587"
    );
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "ok");
    let summary = dnsbl["summary"].as_str().unwrap();
    assert!(
        summary.contains("listed only on a policy list"),
        "{summary}"
    );
    evidence_with(dnsbl, "blocklist listing", "does not matter here");
    assert_eq!(result(&report, "fcrdns")["status"], "ok");
}

#[test]
fn the_resolver_speaks_ipv6_transport() {
    let server = match FixtureDns::start(FixtureOptions {
        zones_dir: fixture("fixtures/dns"),
        ipv6: true,
        ..FixtureOptions::default()
    }) {
        Ok(server) => server,
        Err(error) if std::env::var_os("MAILAUDIT_E2E").is_none() => {
            eprintln!("notice: no IPv6 loopback here ({error}); IPv6 transport not tested");
            return;
        }
        Err(error) => panic!("no IPv6 loopback: {error}"),
    };
    let nameserver = server.nameserver();
    assert!(nameserver.starts_with("[::1]:"), "{nameserver}");
    let root = fixture("fixtures/hosts/dns-story");
    let output = mailaudit(&[
        "run",
        "--root",
        root.to_str().unwrap(),
        "--nameserver",
        &nameserver,
        "--egress-ip",
        "203.0.113.25",
        "--only",
        "dnsbl",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["facts"]["nameservers"][0], nameserver.as_str());
    let dnsbl = result(&report, "dnsbl");
    assert_eq!(dnsbl["status"], "critical", "{dnsbl:#}");
    evidence_with(dnsbl, "blocklist listing", "PBL");
}

#[test]
fn an_ipv6_address_with_only_ipv4_zones_is_unknown_not_clean() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("v4only.toml");
    std::fs::write(
        &profile,
        "[[check]]\nid = \"dnsbl\"\nkind = \"dnsbl\"\nseverity = \"critical\"\ntitle = \"t\"\nremediation = \"r\"\nzones = [\"spamcop\", \"psbl\"]\n",
    )
    .unwrap();
    let (code, report) = audit(
        "dns-v6",
        &["2001:db8::25"],
        &["--profile", profile.to_str().unwrap()],
    );
    assert_eq!(code, 3, "{report:#}");
    let dnsbl = result(&report, "dnsbl");
    assert!(
        dnsbl["summary"]
            .as_str()
            .unwrap()
            .contains("no selected blocklist zone can look up these addresses")
    );
    evidence_with(dnsbl, "zone skipped", "Passive Spam Block List");
}
