//! Secrets rules for manifests.

pub mod no_literal_secret_env;
