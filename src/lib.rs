//! mailaudit: tells whether a host can deliver the mail it sends, and if not, exactly why.
//!
//! Layers, from the bottom: [`hostfs`] (host files under a root), [`parse`] (pure parsers),
//! [`definition`] (check definitions), [`checks`] (one module per kind), [`engine`] (facts,
//! runner, deadline), [`report`] (the v1 schema), [`output`] (one module per format), and
//! the entry points [`cli`], [`nagios`] (plugin mode), [`ansible`] (module mode) and
//! [`fleet`] (`mailaudit report`).

pub mod ansible;
pub mod checks;
pub mod classify;
pub mod cli;
pub mod definition;
pub mod dns;
pub mod engine;
pub mod fleet;
pub mod hostfs;
pub mod nagios;
pub mod output;
pub mod parse;
pub mod range;
pub mod redact;
pub mod report;
pub mod text;
