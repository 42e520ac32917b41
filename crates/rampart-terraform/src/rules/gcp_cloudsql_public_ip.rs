//! ## What it checks
//!
//! Cloud SQL instances with a public IP address: `settings.ip_configuration
//! .ipv4_enabled` true, which is also the provider's default when
//! `ip_configuration` is absent (Checkov passes those; this rule does not,
//! on purpose). With an authorized network covering the internet
//! (CIDR coverage) the finding is high; with none, the address answers
//! only the Cloud SQL Auth Proxy and connectors, and the finding is low.
//!
//! ## Why it matters
//!
//! A public address is one authorized-network edit away from the whole
//! internet reaching the database.
//!
//! ## How to fix
//!
//! Use private IP (`ipv4_enabled = false` with a `private_network`) and
//! the Auth Proxy; never authorise `0.0.0.0/0`.
//!
//! ## Example
//!
//! ```hcl
//! ip_configuration {
//!   ipv4_enabled    = false
//!   private_network = google_compute_network.main.id
//! }
//! ```
//!
//! ## Fix safety
//!
//! Clients that connect to the public address must move to private IP or
//! the Auth Proxy.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::network::covers_internet;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-cloudsql-public-ip",
        title: "Cloud SQL must not be reachable from the internet",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_60",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_11",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0017",
            },
            Reference {
                source: "tfsec",
                id: "google-sql-no-public-access",
            },
        ],
        fix: "Set ip_configuration { ipv4_enabled = false, private_network = ... }, or at least list no public authorized network.",
    },
    kinds: &["google_sql_database_instance"],
    check,
    source: include_str!("gcp_cloudsql_public_ip.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let settings = resource.body.block("settings");
    let configuration = settings
        .as_ref()
        .and_then(|settings| settings.body.block("ip_configuration"));
    let line = configuration
        .as_ref()
        .map(|configuration| configuration.line)
        .or_else(|| settings.as_ref().map(|settings| settings.line))
        .unwrap_or(resource.line);
    let Some(configuration) = configuration else {
        return out.report_with_severity(
            Severity::Low,
            line,
            "settings.ip_configuration.ipv4_enabled",
            "no ip_configuration: the instance gets a public IP address (the provider's default)".to_string(),
        );
    };
    if configuration.body.bool("ipv4_enabled") == Some(false) {
        return;
    }
    let mut ranges: Vec<String> = Vec::new();
    for network in configuration.body.blocks("authorized_networks") {
        if let Some(value) = network.body.value("value") {
            if let Some(unknown) = value.first_unknown() {
                return out.could_not_evaluate(network.line, "settings.ip_configuration.authorized_networks", unknown);
            }
            ranges.extend(value.strings().into_iter().map(String::from));
        }
    }
    match covers_internet(ranges.iter().map(String::as_str)) {
        Some(internet) => out.report(
            line,
            "settings.ip_configuration.authorized_networks",
            format!("the public address accepts connections from {internet}"),
        ),
        None => out.report_with_severity(
            Severity::Low,
            line,
            "settings.ip_configuration.ipv4_enabled",
            "the instance has a public IP address".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"google_sql_database_instance\" \"a\" {\n  settings {\n    ip_configuration {\n      ipv4_enabled = true\n      authorized_networks {\n        value = \"0.0.0.0/0\"\n      }\n    }\n  }\n}\n",
            &[(3, "settings.ip_configuration.authorized_networks")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_sql_database_instance\" \"a\" {\n  settings {\n    ip_configuration {\n      ipv4_enabled = false\n      private_network = \"projects/p/global/networks/main\"\n    }\n  }\n}\n",
        );
    }
}
