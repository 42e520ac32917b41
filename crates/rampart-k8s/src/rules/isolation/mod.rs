//! Isolation rules: namespaces and service accounts.

pub mod no_automount_sa_token;
pub mod no_default_namespace;
pub mod no_default_service_account;
pub mod service_account_unused;
