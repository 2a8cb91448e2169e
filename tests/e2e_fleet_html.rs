//! The HTML fleet report opened in real headless Chromium, as a person would look at it:
//! the tiles show the counts of the inputs, the table sorts and filters, a host link opens
//! its details, and the hostile strings in the fixture fleet (`<script>alert(…)`,
//! `"><img onerror=…>`, an injected element) render as text and never run.
//! The screenshot lands in `target/e2e-fleet-html/fleet.png`.
//!
//! Needs /usr/bin/chromium, node and playwright-core in target/ci/node (see
//! `.ci/setup.d/50-chromium.sh`); skips with a notice without them, except under
//! `MAILAUDIT_E2E=1`, where a missing tool is a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

fn tool_missing(what: &str) {
    if std::env::var("MAILAUDIT_E2E").as_deref() == Ok("1") {
        panic!("MAILAUDIT_E2E=1 but {what} (run .ci/setup.d/50-chromium.sh)");
    }
    eprintln!("notice: skipping the fleet HTML browser test: {what}");
}

fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("MAILAUDIT_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    path.exists().then_some(path)
}

#[test]
fn the_fleet_report_works_in_a_real_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Some(chromium) = chromium() else {
        return tool_missing("/usr/bin/chromium is not installed");
    };
    let node_modules = root.join("target/ci/node/node_modules");
    if !node_modules.join("playwright-core/package.json").exists() {
        return tool_missing("playwright-core is not installed in target/ci/node");
    }
    if Command::new("node").arg("--version").output().is_err() {
        return tool_missing("node is not installed");
    }

    let out_dir = root.join("target/e2e-fleet-html");
    std::fs::create_dir_all(&out_dir).unwrap();
    let html = out_dir.join("fleet.html");
    let screenshot = out_dir.join("fleet.png");
    let _ = std::fs::remove_file(&screenshot);
    let status = Command::new(env!("CARGO_BIN_EXE_mailaudit"))
        .current_dir(root)
        .args([
            "report",
            "--format",
            "html",
            "--now",
            "2026-12-04T08:00:00Z",
        ])
        .args(["--expected-hosts", "fixtures/fleet/expected-hosts.ini"])
        .args([
            "--baseline",
            "fixtures/fleet/baseline",
            "--group-by",
            "mta.kind",
        ])
        .args([
            "fixtures/fleet/reports",
            "fixtures/fleet/tree",
            "fixtures/fleet/not-audited",
            "fixtures/fleet/lines.jsonl",
            "fixtures/fleet/bad",
        ])
        .arg("--output")
        .arg(&html)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(0));

    // The script sits in tests/e2e; playwright-core is resolved from target/ci/node.
    let script = out_dir.join("fleet_html.mjs");
    std::fs::copy(root.join("tests/e2e/fleet_html.mjs"), &script).unwrap();
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new("node")
        .arg(&script)
        .arg(&html)
        .arg(&screenshot)
        .arg(&chromium)
        .arg(profile.path())
        .env("NODE_PATH", &node_modules)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "node failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    let seen: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON from the script");
    eprintln!("browser saw: {seen:#}");
    eprintln!("screenshot: {}", screenshot.display());

    // Nothing ran, nothing was injected, nothing was fetched, the CSP blocked nothing of ours.
    assert_eq!(seen["dialogs"], serde_json::json!([]), "a dialog opened");
    assert_eq!(
        seen["requests"],
        serde_json::json!([]),
        "the page fetched something"
    );
    assert_eq!(
        seen["consoleErrors"],
        serde_json::json!([]),
        "console errors (CSP?)"
    );
    let injected = &seen["injected"];
    assert_eq!(injected["byId"], 0, "injected element");
    assert_eq!(injected["images"], 0, "injected <img>");
    assert_eq!(injected["handlers"], 0, "inline event handlers");
    assert_eq!(injected["scripts"], 1, "only the page's own script");

    // The tiles count the inputs: 8 readable reports of 7 hosts (mail2 twice), web5
    // unreachable, web11 not audited, web10 expected but silent, 5 unreadable inputs.
    let tiles = &seen["tiles"];
    for (id, value) in [
        ("hosts", "7"),
        ("critical", "3"),
        ("warning", "2"),
        ("unknown", "0"),
        ("ok", "2"),
        ("missing", "3"),
        ("unreadable", "5"),
        ("compliance", "28.6 %"),
    ] {
        assert_eq!(tiles[id], value, "tile {id}");
    }
    let rows: Vec<&str> = seen["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(rows.len(), 7);
    assert_eq!(rows[0], "web1.shop.example", "worst first");
    let bars: Vec<(String, u64)> = seen["bars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b[0].as_str().unwrap().to_string(), b[1].as_u64().unwrap()))
        .collect();
    assert!(bars.contains(&("dnsbl".to_string(), 2)), "{bars:?}");
    assert!(bars.contains(&("fcrdns".to_string(), 2)), "{bars:?}");

    // Filtering and sorting (the inline script ran under the CSP).
    assert_eq!(
        seen["filterText"]["rows"],
        serde_json::json!(["mx3.exim.example"])
    );
    assert_eq!(seen["filterText"]["shown"], "1 of 7 hosts shown");
    assert_eq!(
        seen["filterStatus"]["rows"],
        serde_json::json!([
            "web1.shop.example",
            "web4.shop.example",
            "web6.shop.example"
        ])
    );
    let ascending: Vec<&str> = seen["sortedAscending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let mut expected = rows.clone();
    expected.sort();
    assert_eq!(ascending, expected);
    let descending: Vec<&str> = seen["sortedDescending"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    expected.reverse();
    assert_eq!(descending, expected);

    // The host link opened web1's details, where the hostile strings are plain text.
    assert_eq!(seen["detailsOpen"].as_array().unwrap().len(), 1);
    let web1 = seen["web1Text"].as_str().unwrap();
    assert!(
        web1.contains("subject=<script>alert(\"xss\")</script>"),
        "{web1}"
    );
    assert!(
        web1.contains("\"><img src=x onerror=alert(1)><b id=\"injected\">injected</b>"),
        "{web1}"
    );
    assert!(
        screenshot.metadata().unwrap().len() > 10_000,
        "screenshot written"
    );
}
