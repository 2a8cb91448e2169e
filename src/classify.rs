//! Classification of delivery failures into the bounce categories of DESIGN.md, from the
//! data file `checks/bounce-patterns.toml` (compiled into one regex set). Shared by
//! `maillog` and `mailbox_bounces`.

use serde::{Deserialize, Serialize};

/// Bounce categories (DESIGN.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    HostReputation,
    SenderPolicy,
    Recipient,
    Transient,
    NotAFailure,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::HostReputation => "host-reputation",
            Category::SenderPolicy => "sender-policy",
            Category::Recipient => "recipient",
            Category::Transient => "transient",
            Category::NotAFailure => "not-a-failure",
        }
    }
}

/// A blocklist named by a failure text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Blocklist {
    /// Human name ("Spamhaus PBL", "Barracuda", "SpamCop").
    pub name: String,
    /// The lookup/removal URL when the text gives one (or the list's known lookup page).
    pub url: Option<String>,
}

/// What a failure text means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub category: Category,
    pub blocklist: Option<Blocklist>,
    /// Id of the pattern that decided (for evidence and tuning).
    pub rule: String,
}

/// Classifies a failure from its enhanced status code (`5.7.1`), SMTP reply code (`550`)
/// and diagnostic text. Pure.
pub fn classify(status: Option<&str>, reply_code: Option<u16>, text: &str) -> Classification {
    // Placeholder until the pattern file lands: decided by status class only.
    let _ = (reply_code, text);
    let category = match status {
        Some(s) if s.starts_with('2') => Category::NotAFailure,
        Some(s) if s.starts_with('4') => Category::Transient,
        _ => Category::Transient,
    };
    Classification {
        category,
        blocklist: None,
        rule: "status-class".to_string(),
    }
}
