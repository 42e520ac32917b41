//! ## What it checks
//!
//! GKE clusters without application-layer Secrets encryption:
//! `database_encryption` with `state = "ENCRYPTED"` and a Cloud KMS
//! `key_name`. Neither Checkov nor Trivy reads `database_encryption`.
//!
//! ## Why it matters
//!
//! Without it, Secrets in etcd are protected only by Google's storage
//! encryption: anyone who reads etcd or a backup reads every credential,
//! and the team cannot audit or revoke the key.
//!
//! ## How to fix
//!
//! Add `database_encryption` with a key in Cloud KMS that the GKE service
//! agent may use.
//!
//! ## Example
//!
//! ```hcl
//! database_encryption {
//!   state    = "ENCRYPTED"
//!   key_name = google_kms_crypto_key.gke.id
//! }
//! ```
//!
//! ## Fix safety
//!
//! Safe: GKE re-encrypts existing Secrets; the key must stay available or
//! the cluster cannot read them.

use rampart_core::{Control, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-gke-secrets-encryption",
        title: "GKE must encrypt Secrets with a Cloud KMS key",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Secrets],
        pss: None,
        references: &[],
        fix: "Add database_encryption { state = \"ENCRYPTED\", key_name = <Cloud KMS key> }.",
    },
    kinds: &["google_container_cluster"],
    check,
    source: include_str!("gcp_gke_secrets_encryption.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let encryption = resource.body.block("database_encryption");
    let encrypted = encryption
        .as_ref()
        .is_some_and(|encryption| encryption.body.str("state") == Some("ENCRYPTED"));
    if !encrypted {
        out.report(
            encryption.map_or(resource.line, |encryption| encryption.line),
            "database_encryption",
            "Secrets are not encrypted with a Cloud KMS key".to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {}\nresource \"google_container_cluster\" \"b\" {\n  database_encryption {\n    state = \"DECRYPTED\"\n  }\n}\n",
            &[(1, "database_encryption"), (3, "database_encryption")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {\n  database_encryption {\n    state = \"ENCRYPTED\"\n    key_name = \"projects/p/locations/l/keyRings/r/cryptoKeys/k\"\n  }\n}\n",
        );
    }
}
