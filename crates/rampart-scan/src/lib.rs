//! The scan pipeline every door of Rampart shares: the command line's
//! `scan`, `ci`, `controls` and `exceptions`, and next the admission
//! webhook and the cluster audit.
//!
//! [`Pipeline`] takes the effective configuration (rampart.toml and the
//! command line's [`Flags`]), runs every engine that recognises an input
//! (manifests, secrets, policies), applies waivers, rampart.toml's
//! selection, exceptions and the baseline once, and returns a [`Scanned`]:
//! the report with its controls' verdicts. [`proof`] hangs the controls
//! matrix, the run store's record and the evidence bundle off that
//! report. Nothing here prints; errors are returned or go into the report.

pub mod catalogue;
pub mod config;
pub mod context;
mod dockerfiles;
pub mod exceptions;
mod manifests;
pub mod pipeline;
pub mod policies;
pub mod proof;
pub mod secrets;
mod terraform;

pub use exceptions::ExceptionSet;
pub use pipeline::{
    Engine, ExceptionsFile, Flags, Pipeline, Progress, Quiet, Scanned, SecretsMode, TOOL, apply_team_config,
    set_compliance,
};
