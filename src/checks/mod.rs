//! The check kinds, one module each, and the dispatch from a definition to its module.
//!
//! A check module exposes `Params` (its typed TOML parameters, `deny_unknown_fields`) and a
//! `run` function that turns the shared [`Context`] into an [`Outcome`]. The engine adds
//! identity, timing, severity mapping and panic/deadline handling around it.

pub mod dnsbl;
pub mod fcrdns;
pub mod mailbox_bounces;
pub mod maillog;
pub mod mta;
pub mod tcp_wrappers;

use std::sync::Arc;

use serde::{Deserialize, Deserializer};

use crate::engine::Context;
use crate::report::{Evidence, Metric, Metrics};

/// The kinds of check (DESIGN.md). A definition naming any other kind is rejected when the
/// profile is loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Mta,
    TcpWrappers,
    Fcrdns,
    Dnsbl,
    MailboxBounces,
    Maillog,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Mta,
        Kind::TcpWrappers,
        Kind::Fcrdns,
        Kind::Dnsbl,
        Kind::MailboxBounces,
        Kind::Maillog,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Mta => "mta",
            Kind::TcpWrappers => "tcp_wrappers",
            Kind::Fcrdns => "fcrdns",
            Kind::Dnsbl => "dnsbl",
            Kind::MailboxBounces => "mailbox_bounces",
            Kind::Maillog => "maillog",
        }
    }

    pub fn parse(text: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// Kind-specific parameters of a definition.
#[derive(Debug, Clone)]
pub enum Params {
    Mta(mta::Params),
    TcpWrappers(tcp_wrappers::Params),
    Fcrdns(fcrdns::Params),
    Dnsbl(dnsbl::Params),
    MailboxBounces(mailbox_bounces::Params),
    Maillog(maillog::Params),
}

impl Params {
    /// Deserialises the parameters of `kind` from the non-common fields of a check table.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        kind: Kind,
        fields: D,
    ) -> Result<Params, D::Error> {
        Ok(match kind {
            Kind::Mta => Params::Mta(mta::Params::deserialize(fields)?),
            Kind::TcpWrappers => Params::TcpWrappers(tcp_wrappers::Params::deserialize(fields)?),
            Kind::Fcrdns => Params::Fcrdns(fcrdns::Params::deserialize(fields)?),
            Kind::Dnsbl => Params::Dnsbl(dnsbl::Params::deserialize(fields)?),
            Kind::MailboxBounces => {
                Params::MailboxBounces(mailbox_bounces::Params::deserialize(fields)?)
            }
            Kind::Maillog => Params::Maillog(maillog::Params::deserialize(fields)?),
        })
    }

    /// Cross-field validation once the types are right: `Err((field, message))`.
    pub fn validate(&self) -> Result<(), (String, String)> {
        match self {
            Params::Fcrdns(params) => params.validate(),
            Params::Dnsbl(params) => params.validate(),
            Params::MailboxBounces(params) => params.validate(),
            Params::Mta(_) | Params::TcpWrappers(_) | Params::Maillog(_) => Ok(()),
        }
    }
}

/// What a check decided, before the engine maps it to a status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing wrong.
    Pass,
    /// Something wrong: the definition's severity applies.
    Fail,
    /// A threshold-based finding that is explicitly a warning, whatever the severity.
    Warning,
    /// A finding that is critical regardless of the configured severity.
    Critical,
    /// Could not be determined; the summary says why.
    Unknown,
    /// Not applicable here; the summary says why.
    Skipped,
}

/// The result of a check module: verdict, words, proof and numbers.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub summary: String,
    pub evidence: Vec<Evidence>,
    pub metrics: Metrics,
    /// Replaces the definition's remediation when the check knows better (e.g. a
    /// blocklist's removal URL); on a pass, `None` means "nothing to do".
    pub remediation: Option<String>,
}

impl Outcome {
    pub fn new(verdict: Verdict, summary: impl Into<String>) -> Self {
        Outcome {
            verdict,
            summary: summary.into(),
            evidence: Vec::new(),
            metrics: Metrics::new(),
            remediation: None,
        }
    }

    pub fn pass(summary: impl Into<String>) -> Self {
        Outcome::new(Verdict::Pass, summary)
    }

    pub fn fail(summary: impl Into<String>) -> Self {
        Outcome::new(Verdict::Fail, summary)
    }

    pub fn unknown(summary: impl Into<String>) -> Self {
        Outcome::new(Verdict::Unknown, summary)
    }

    pub fn skipped(summary: impl Into<String>) -> Self {
        Outcome::new(Verdict::Skipped, summary)
    }

    pub fn evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    pub fn metric(mut self, name: &str, value: impl Into<Metric>) -> Self {
        self.metrics.insert(name.to_string(), value.into());
        self
    }

    pub fn remediation(mut self, text: impl Into<String>) -> Self {
        self.remediation = Some(text.into());
        self
    }
}

/// Runs the check a definition describes. Blocking kinds (files) run on the blocking
/// pool so that a slow disk never stalls DNS checks; a panic comes back as an `Err` of the
/// join and is turned into `unknown` by the engine.
pub async fn run(params: Params, context: Arc<Context>) -> Result<Outcome, String> {
    match params {
        Params::Mta(params) => blocking(move || mta::run(&params, &context)).await,
        Params::TcpWrappers(params) => blocking(move || tcp_wrappers::run(&params, &context)).await,
        Params::MailboxBounces(params) => {
            blocking(move || mailbox_bounces::run(&params, &context)).await
        }
        Params::Maillog(params) => blocking(move || maillog::run(&params, &context)).await,
        // DNS checks are async: spawned so that a panic is caught like the others'.
        Params::Fcrdns(params) => {
            spawned(async move { fcrdns::run(&params, &context).await }).await
        }
        Params::Dnsbl(params) => spawned(async move { dnsbl::run(&params, &context).await }).await,
    }
}

async fn blocking<F>(work: F) -> Result<Outcome, String>
where
    F: FnOnce() -> Outcome + Send + 'static,
{
    tokio::task::spawn_blocking(work)
        .await
        .map_err(crate::engine::panic_message)
}

async fn spawned<F>(work: F) -> Result<Outcome, String>
where
    F: std::future::Future<Output = Outcome> + Send + 'static,
{
    tokio::spawn(work)
        .await
        .map_err(crate::engine::panic_message)
}
