//! The maillog parser and scanner against real mail logs of other projects
//! (`shared/corpus/maillogs`, each directory with its SOURCE.md): every failure line is
//! found with its status, and no successful delivery is counted as a failure. The
//! expectations are the upstream projects' own (tail.metrics, *.expected*, TSV extracts).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mailaudit::checks::maillog::Scanner;
use mailaudit::parse::maillog::{
    self, Delivery, DeliveryStatus, LogTime, Mta, Record, parse_line, parse_message,
};

/// `shared/corpus/maillogs`, found beside the repository (or one of its ancestors, for
/// worktrees); `None` (with a notice) when absent, a failure under `MAILAUDIT_E2E=1`.
fn corpus() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let found = manifest
        .ancestors()
        .map(|dir| dir.join("shared/corpus/maillogs"))
        .find(|dir| dir.is_dir());
    if found.is_none() {
        assert!(
            std::env::var("MAILAUDIT_E2E").as_deref() != Ok("1"),
            "shared/corpus/maillogs not found beside the repository"
        );
        eprintln!("notice: shared/corpus/maillogs not found; corpus tests skipped");
    }
    found
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned()
}

fn deliveries(text: &str) -> Vec<Delivery<'_>> {
    text.lines().filter_map(parse_line).collect()
}

fn ts(text: &str) -> jiff::Timestamp {
    text.parse().unwrap()
}

/// A scanner whose window holds every line of the corpus.
fn wide_scanner(own: &[&str]) -> Scanner {
    let own: Vec<String> = own.iter().map(|s| s.to_string()).collect();
    Scanner::new(
        ts("2000-01-01T00:00:00Z"),
        ts("2030-01-01T00:00:00Z"),
        jiff::tz::TimeZone::UTC,
        &own,
        20,
    )
}

#[test]
fn exim_exporter_counts_match_tail_metrics() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("exim_exporter");
    let mainlog = read(&dir.join("mainlog"));
    let metrics = read(&dir.join("tail.metrics"));
    let expected = |flag: &str| -> usize {
        let key = format!("exim_messages_total{{flag=\"{flag}\"}}");
        metrics
            .lines()
            .find(|l| l.starts_with(&key))
            .and_then(|l| l.split_whitespace().last())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{key} in tail.metrics"))
    };
    let found = deliveries(&mainlog);
    assert!(found.iter().all(|d| d.mta == Mta::Exim));
    let count = |status| found.iter().filter(|d| d.status == status).count();
    assert_eq!(count(DeliveryStatus::Bounced), expected("failed"), "failed");
    assert_eq!(
        count(DeliveryStatus::Deferred),
        expected("deferred"),
        "deferred"
    );
    // The exporter counts `=>` as delivered and `->` (further address) as additional.
    assert_eq!(
        count(DeliveryStatus::Sent),
        expected("delivered") + expected("additional"),
        "delivered + additional"
    );
    assert_eq!(
        found
            .iter()
            .filter(|d| d.status == DeliveryStatus::Sent)
            .filter(|d| mainlog
                .lines()
                .any(|l| l.contains(&format!("=> {} ", d.recipient))))
            .count(),
        expected("delivered")
    );
    assert!(found.iter().all(|d| !d.is_local_submission));

    // Errors by code, as the exporter counts them from the failure lines.
    let mut by_code: BTreeMap<(u16, String), usize> = BTreeMap::new();
    for d in found.iter().filter(|d| d.status.is_failure()) {
        if let Some(code) = d.reply_code {
            *by_code
                .entry((code, d.dsn.unwrap_or("").to_string()))
                .or_default() += 1;
        }
    }
    let mut expected_codes: BTreeMap<(u16, String), usize> = BTreeMap::new();
    for line in metrics
        .lines()
        .filter(|l| l.starts_with("exim_message_errors_total{"))
    {
        let enhanced = line
            .split("enhanced=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let status = line
            .split("status=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        let value: usize = line.split_whitespace().last().unwrap().parse().unwrap();
        expected_codes.insert((status.parse().unwrap(), enhanced.to_string()), value);
    }
    assert_eq!(by_code, expected_codes);

    // The reject log holds inbound rejections and the panic log DKIM errors: no deliveries.
    for other in ["rejectlog", "paniclog"] {
        assert!(deliveries(&read(&dir.join(other))).is_empty(), "{other}");
    }
}

#[test]
fn maillogger_matches_parsed_maillog_expected_json() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("maillogger");
    let log = read(&dir.join("maillog"));
    let expected: Vec<serde_json::Value> =
        serde_json::from_str(&read(&dir.join("parsed_maillog.expected.json"))).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), expected.len());
    for (line, want) in lines.iter().zip(&expected) {
        let got = parse_line(line);
        if want.is_null() {
            assert!(got.is_none(), "{line}");
            continue;
        }
        let got = got.unwrap_or_else(|| panic!("no delivery in {line}"));
        assert_eq!(got.mta, Mta::Postfix);
        assert_eq!(got.queue_id, want["mail_id"], "{line}");
        assert_eq!(got.recipient, want["to_address"], "{line}");
        assert_eq!(got.relay, want["relay"].as_str(), "{line}");
        assert_eq!(got.dsn, want["dsn"].as_str(), "{line}");
        assert_eq!(got.status.as_str(), want["status"], "{line}");
        assert_eq!(got.text, want["description"], "{line}");
        // The tool assumed the year 2020: same month, day and time.
        let stamp = want["datetime"].as_str().unwrap();
        let LogTime::NoYear {
            month,
            day,
            hour,
            minute,
            second,
        } = got.time
        else {
            panic!("syslog time expected");
        };
        assert_eq!(
            format!("{month:02}{day:02}{hour:02}{minute:02}{second:02}"),
            stamp[4..]
        );
    }
}

#[test]
fn fluent_plugin_sendmail_matches_result_expected() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("fluent-plugin-sendmail");
    let log = read(&dir.join("sendmail.log"));
    let expected: Vec<serde_json::Value> = read(&dir.join("result.expected"))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let found = deliveries(&log);
    assert_eq!(found.len(), expected.len());
    for (got, want) in found.iter().zip(&expected) {
        assert_eq!(got.mta, Mta::Sendmail);
        let recipients: Vec<String> = want["to"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().trim_matches(['<', '>']).to_string())
            .collect();
        assert_eq!(got.recipients().collect::<Vec<_>>(), recipients);
        assert_eq!(got.dsn, want["dsn"].as_str());
        assert_eq!(got.text, want["stat"]);
        let (status, local) = match want["status_canonical"].as_str().unwrap() {
            "sent" => (DeliveryStatus::Sent, false),
            "sent_local" => (DeliveryStatus::Sent, true),
            "deferred" => (DeliveryStatus::Deferred, false),
            other => panic!("unexpected status_canonical {other}"),
        };
        assert_eq!(got.status, status, "{want}");
        assert_eq!(got.is_local_submission, local, "{want}");
    }
    // The two deferrals carry the remote reply code.
    assert_eq!(
        found
            .iter()
            .filter(|d| d.status == DeliveryStatus::Deferred)
            .map(|d| d.reply_code)
            .collect::<Vec<_>>(),
        [Some(451), Some(451)]
    );
}

#[test]
fn kumina_postfix_exporter_smtp_statuses() {
    let Some(corpus) = corpus() else { return };
    let log = read(&corpus.join("kumina-postfix_exporter/smtp-statuses.log"));
    let found = deliveries(&log);
    // 2 smtp delivery lines (deferred, then bounced); the `said:` line and the bounce
    // notification are not deliveries.
    let statuses: Vec<_> = found.iter().map(|d| d.status).collect();
    assert_eq!(
        statuses,
        [DeliveryStatus::Deferred, DeliveryStatus::Bounced]
    );
    assert_eq!(found[0].reply_code, Some(451));
    assert_eq!(found[1].reply_code, Some(554));
    assert!(found[1].text.contains("DT:SPM"));
}

#[test]
fn modoboa_negative_sample_has_no_failure() {
    let Some(corpus) = corpus() else { return };
    // Upstream substitutes the day at test time; so do we.
    let log = read(&corpus.join("modoboa/mail.log.template")).replace("%(day)s", "Nov 16");
    let found = deliveries(&log);
    assert_eq!(
        found.len(),
        20,
        "the 20 status=sent lines (deliverable probes are not deliveries)"
    );
    assert!(found.iter().all(|d| d.status == DeliveryStatus::Sent));

    let mut scanner = wide_scanner(&["test.com"]);
    let (file, result) = scanner.read(
        log.as_bytes(),
        "modoboa/mail.log",
        ts("2026-11-17T00:00:00Z"),
    );
    assert!(result.is_ok());
    assert_eq!(file.lines, 519);
    let stats = &scanner.stats;
    assert_eq!(stats.failures(), 0);
    assert!(stats.categories.is_empty());
    assert!(stats.reputation_failures.is_empty() && stats.other_failures.is_empty());
    assert_eq!(stats.sent + stats.local_sent, 20);
    // Inbound `zen.spamhaus.org: RBL lookup error` warnings are not outgoing rejections.
    assert!(stats.blocklists.is_empty());
}

fn tsv(path: &Path) -> Vec<Vec<String>> {
    read(path)
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// `test/smtp_0018.yaml` → `postfix/smtp`.
fn program_of(file: &str) -> String {
    let name = file.trim_start_matches("test/");
    let daemon = name.rsplit_once('_').map(|(d, _)| d).unwrap_or(name);
    format!("postfix/{daemon}")
}

fn postfix_message<'a>(file: &str, message: &'a str) -> Option<Delivery<'a>> {
    let time = LogTime::Exact(ts("2026-12-04T00:00:00Z"));
    match parse_message(time, &program_of(file), message)? {
        Record::Delivery(d) => Some(d),
        _ => None,
    }
}

#[test]
fn postfix_grok_patterns_delivery_statuses() {
    let Some(corpus) = corpus() else { return };
    let rows = tsv(&corpus.join("postfix-grok-patterns/delivery_status_cases.tsv"));
    assert_eq!(rows.len(), 18);
    for row in &rows {
        let (file, status, dsn, message) = (&row[0], &row[2], &row[3], &row[4]);
        let got = postfix_message(file, message);
        if status.starts_with("undeliverable") || status == "deliverable" {
            // Address-verification probes (verify(8)), not deliveries of mail.
            assert!(got.is_none(), "{file}");
            continue;
        }
        let got = got.unwrap_or_else(|| panic!("{file}: no delivery"));
        assert_eq!(got.status.as_str(), status, "{file}");
        assert_eq!(got.dsn.unwrap_or(""), dsn, "{file}");
    }
    // Which of them are outbound (not local hand-offs): smtp to remote hosts and the
    // error transport; local/pipe/virtual/lmtp/discard and loopback filters are local.
    let outbound: Vec<&str> = rows
        .iter()
        .filter(|row| postfix_message(&row[0], &row[4]).is_some_and(|d| !d.is_local_submission))
        .map(|row| row[0].as_str())
        .collect();
    assert_eq!(
        outbound,
        [
            "test/error_0001.yaml",
            "test/qmgr_0004.yaml",
            "test/qmgr_0005.yaml",
            "test/smtp_0002.yaml",
            "test/smtp_0018.yaml",
            "test/smtp_0026.yaml"
        ]
    );
}

#[test]
fn postfix_grok_patterns_failure_replies() {
    let Some(corpus) = corpus() else { return };
    let rows = tsv(&corpus.join("postfix-grok-patterns/failure_reply_cases.tsv"));
    assert_eq!(rows.len(), 17);
    for row in &rows {
        let (file, status, response, message) = (&row[0], &row[1], &row[2], &row[4]);
        let got = postfix_message(file, message);
        match status.as_str() {
            "deferred" | "bounced" => {
                let got = got.unwrap_or_else(|| panic!("{file}: no delivery"));
                assert_eq!(got.status.as_str(), status, "{file}");
                assert_eq!(got.text, response, "{file}");
                assert!(got.status.is_failure());
            }
            // Connection and protocol details logged before the status= line of the
            // same delivery: counting them too would count one failure twice.
            _ => assert!(got.is_none(), "{file} is not a delivery line"),
        }
    }
    // The reply code is taken from the remote reply.
    let gmail = rows.iter().find(|r| r[0] == "test/smtp_0018.yaml").unwrap();
    assert_eq!(
        postfix_message(&gmail[0], &gmail[4]).unwrap().reply_code,
        Some(550)
    );
}

#[test]
fn postfix_grok_patterns_yaml_cases_never_count_a_success_as_failure() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("postfix-grok-patterns/test");
    let mut cases = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let yaml = read(&path);
        let file = format!("test/{}", path.file_name().unwrap().to_string_lossy());
        // `data: <message>` (single line) and `postfix_status: <status>` when expected.
        let Some(data) = yaml.lines().find_map(|l| l.strip_prefix("data: ")) else {
            continue;
        };
        let data = data.trim().trim_matches(['\'', '"']);
        let expected = yaml
            .lines()
            .find_map(|l| l.trim().strip_prefix("postfix_status: "))
            .map(|s| s.trim().trim_matches(['\'', '"']).to_string());
        let got = postfix_message(&file, data);
        cases += 1;
        match expected.as_deref() {
            Some("sent") => assert_eq!(got.map(|d| d.status), Some(DeliveryStatus::Sent), "{file}"),
            Some(status @ ("deferred" | "bounced" | "expired")) => {
                assert_eq!(got.map(|d| d.status.as_str()), Some(status), "{file}")
            }
            // No delivery status expected upstream (other grok patterns: TLS features,
            // connections, probes): never a failure for us.
            _ => assert!(
                got.as_ref().is_none_or(|d| !d.status.is_failure()),
                "{file}: {got:?}"
            ),
        }
    }
    assert!(cases > 150, "{cases} cases read");
}

#[test]
fn exim_corpus_through_the_scanner() {
    let Some(corpus) = corpus() else { return };
    let mut scanner = wide_scanner(&["test.corp"]);
    let file = std::fs::File::open(corpus.join("exim_exporter/mainlog")).unwrap();
    let (stats, result) = scanner.read(file, "mainlog", ts("2020-07-01T00:00:00Z"));
    assert!(result.is_ok());
    assert_eq!(stats.lines, 35);
    let s = &scanner.stats;
    assert_eq!((s.sent, s.deferred, s.bounced), (4, 2, 7));
    // jack@test.corp is an own domain here and failed.
    assert!(s.by_domain["test.corp"].own);
    assert_eq!(s.by_domain["test.corp"].failed(), 2);
    assert_eq!(s.categories.values().sum::<u64>(), 9);
    let _ = maillog::is_candidate(b"");
}

/// The byte pre-filter the scanner runs first must let through every line the parser
/// understands: otherwise a delivery would be silently dropped.
#[test]
fn the_prefilter_never_hides_a_parsed_line() {
    let Some(corpus) = corpus() else { return };
    let mut texts: Vec<String> = Vec::new();
    for file in [
        "exim_exporter/mainlog",
        "maillogger/maillog",
        "fluent-plugin-sendmail/sendmail.log",
        "kumina-postfix_exporter/smtp-statuses.log",
    ] {
        texts.push(read(&corpus.join(file)));
    }
    texts.push(read(&corpus.join("modoboa/mail.log.template")).replace("%(day)s", "Nov 16"));
    for tsv_file in ["delivery_status_cases.tsv", "failure_reply_cases.tsv"] {
        let rows = tsv(&corpus.join("postfix-grok-patterns").join(tsv_file));
        let lines: Vec<String> = rows
            .iter()
            .map(|row| {
                format!(
                    "Dec  4 07:30:01 mail {}[123]: {}",
                    program_of(&row[0]),
                    row.last().unwrap()
                )
            })
            .collect();
        texts.push(lines.join("\n"));
    }
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/hosts");
    for file in [
        "story-sendmail/var/log/mail.log",
        "story-sendmail/var/log/mail.log.1",
        "postfix-relayhost/var/log/mail.log",
        "exim-internet/var/log/exim4/mainlog",
    ] {
        texts.push(read(&fixtures.join(file)));
    }
    let mut parsed = 0;
    for text in &texts {
        for line in text.lines() {
            if maillog::parse_record(line).is_some() {
                parsed += 1;
                assert!(maillog::is_candidate(line.as_bytes()), "{line}");
            }
        }
    }
    assert!(parsed > 100, "{parsed}");
}
