//! Scores the bounce parser + classifier against the labelled corpus in
//! `shared/corpus/bounces` (per failed-recipient row of `labels.tsv`, deduplicated on
//! `same_bytes_as`, Sisimai reasons mapped to our categories by `CATEGORIES.tsv`).
//! Shared by `tests/bounce_corpus.rs` and `examples/bounce_confusion.rs`.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use mailaudit::classify::Category;
use mailaudit::parse::bounce::{self, Parsed};

/// One scored row.
#[derive(Debug, Clone)]
pub struct Row {
    pub file: String,
    pub rcpt_index: usize,
    pub reason: String,
    pub expected: Category,
    pub predicted: Category,
    /// The deciding rule, or `not-a-bounce` / `auto-reply` / `feedback`.
    pub rule: String,
    pub recipient: String,
    pub diagnostic: String,
}

pub struct Score {
    pub rows: Vec<Row>,
}

/// Finds `shared/corpus` in an ancestor of the crate directory (worktrees and CI clones
/// have it beside them), or `MAILAUDIT_CORPUS`.
pub fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("MAILAUDIT_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .map(|a| a.join("shared/corpus"))
        .find(|c| c.join("bounces/labels.tsv").is_file())
}

fn read_categories(corpus: &Path) -> HashMap<String, Category> {
    let text = std::fs::read_to_string(corpus.join("CATEGORIES.tsv")).expect("CATEGORIES.tsv");
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let reason = cols.next()?.to_string();
            let category = Category::parse(cols.next()?)?;
            Some((reason, category))
        })
        .collect()
}

pub fn score(corpus: &Path) -> Score {
    let categories = read_categories(corpus);
    let labels = std::fs::read_to_string(corpus.join("bounces/labels.tsv")).expect("labels.tsv");
    let mut lines = labels.lines();
    let header: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (c_file, c_reason, c_index, c_same) = (
        col("file"),
        col("reason"),
        col("rcpt_index"),
        col("same_bytes_as"),
    );

    let mut seen: HashSet<(String, usize)> = HashSet::new();
    let mut parsed: HashMap<String, Parsed> = HashMap::new();
    let mut rows = Vec::new();
    for line in lines {
        let cols: Vec<&str> = line.split('\t').collect();
        let file = cols[c_file].to_string();
        let reason = cols[c_reason].to_string();
        let rcpt_index: usize = cols[c_index].parse().unwrap_or(0);
        // Identical files count once: key on the smallest name of the group.
        let mut group: Vec<String> = vec![file.clone()];
        group.extend(
            cols.get(c_same)
                .unwrap_or(&"")
                .split([',', ' ', ';'])
                .filter(|s| !s.is_empty())
                .map(|s| {
                    if s.starts_with("eml/") {
                        s.to_string()
                    } else {
                        format!("eml/{s}")
                    }
                }),
        );
        let canonical = group.iter().min().unwrap().clone();
        if !seen.insert((canonical, rcpt_index)) {
            continue;
        }
        let expected = *categories
            .get(&reason)
            .unwrap_or_else(|| panic!("reason {reason:?} not in CATEGORIES.tsv"));
        let outcome = parsed.entry(file.clone()).or_insert_with(|| {
            let raw = std::fs::read(corpus.join("bounces").join(&file)).expect("eml file");
            bounce::parse(&raw)
        });
        let (predicted, rule, recipient, diagnostic) = match outcome {
            Parsed::NotABounce => (
                Category::NotAFailure,
                "not-a-bounce".to_string(),
                String::new(),
                String::new(),
            ),
            Parsed::NotAFailure(kind) => (
                Category::NotAFailure,
                format!("{kind:?}"),
                String::new(),
                String::new(),
            ),
            Parsed::Bounce(b) => {
                let r = b
                    .recipients
                    .get(rcpt_index.saturating_sub(1))
                    .or(b.recipients.last())
                    .expect("a bounce has at least one recipient");
                let c = r.classify();
                (
                    c.category,
                    c.rule,
                    r.recipient.clone(),
                    r.diagnostic.clone(),
                )
            }
        };
        rows.push(Row {
            file,
            rcpt_index,
            reason,
            expected,
            predicted,
            rule,
            recipient,
            diagnostic,
        });
    }
    Score { rows }
}

impl Score {
    pub fn agreement(&self) -> f64 {
        let right = self
            .rows
            .iter()
            .filter(|r| r.expected == r.predicted)
            .count();
        right as f64 / self.rows.len() as f64
    }

    pub fn recall(&self, category: Category) -> f64 {
        let relevant: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.expected == category)
            .collect();
        let right = relevant.iter().filter(|r| r.predicted == category).count();
        right as f64 / relevant.len().max(1) as f64
    }

    pub fn precision(&self, category: Category) -> f64 {
        let chosen: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.predicted == category)
            .collect();
        let right = chosen.iter().filter(|r| r.expected == category).count();
        right as f64 / chosen.len().max(1) as f64
    }

    /// Rows × columns = expected × predicted, plus precision/recall per category.
    pub fn confusion_table(&self) -> String {
        let mut counts: BTreeMap<(Category, Category), usize> = BTreeMap::new();
        for r in &self.rows {
            *counts.entry((r.expected, r.predicted)).or_default() += 1;
        }
        let short = |c: Category| match c {
            Category::HostReputation => "host-rep",
            Category::SenderPolicy => "sender",
            Category::Recipient => "recipient",
            Category::Transient => "transient",
            Category::NotAFailure => "not-fail",
        };
        let mut out = format!("{:<22}", "expected \\ predicted");
        for c in Category::ALL {
            out.push_str(&format!("{:>10}", short(c)));
        }
        out.push_str(&format!("{:>8}{:>8}\n", "recall", "prec."));
        for e in Category::ALL {
            out.push_str(&format!("{:<22}", e.as_str()));
            for p in Category::ALL {
                out.push_str(&format!(
                    "{:>10}",
                    counts.get(&(e, p)).copied().unwrap_or(0)
                ));
            }
            out.push_str(&format!(
                "{:>7.1}%{:>7.1}%\n",
                100.0 * self.recall(e),
                100.0 * self.precision(e)
            ));
        }
        out.push_str(&format!(
            "rows {} (deduplicated), category agreement {:.1}%\n",
            self.rows.len(),
            100.0 * self.agreement()
        ));
        out
    }
}
