//! graph-conformance: a contract/conformance test harness for Microsoft Graph (beta) Intune
//! update endpoints — any page of Graph's update template, as a contract pack — and an embedded
//! reference service that serves any pack.
//!
//! Data flows one way:
//!
//! ```text
//! packs and case files ─┐
//! schemas             ──┼─> plan (one planned case per case × variant) ─> executor (HTTP exchanges,
//! generators          ──┘    recorded as transcripts) ─> checks (clause verdicts) ─> outcomes ─> reporters
//! ```
//!
//! The embedded service (`service`) shares only the domain model with the harness; the wiring
//! (`app`) and the tests start it.

// Items are pub(crate) unless main, the bench or the tests reach them through these modules;
// the lint keeps it so.
#![warn(unreachable_pub)]

pub mod app;
pub mod bench;
mod case;
mod checks;
pub mod cli;
pub mod client;
pub mod contract;
pub mod domain;
pub mod executor;
pub mod generate;
pub mod harness;
pub mod ids;
mod import;
pub mod jwt;
pub mod outcome;
pub mod pack;
pub mod plan;
pub mod report;
mod schema;
pub mod service;
mod signals;
pub mod statement;
pub mod transcript;
