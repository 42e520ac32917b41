//! ## What it checks
//!
//! RDS instances (`aws_db_instance`) and Aurora or Multi-AZ clusters
//! (`aws_rds_cluster`) without `storage_encrypted = true`. Aurora
//! Serverless v1 clusters (`engine_mode = "serverless"`) are always
//! encrypted and pass; a replica that takes its encryption from its
//! source (`replicate_source_db`) is left to the source.
//!
//! ## Why it matters
//!
//! The database holds the data the rest of the hardening protects;
//! unencrypted storage, snapshots and replicas can be read by anyone who
//! gets a copy, and encryption cannot be turned on later without a
//! restore.
//!
//! ## How to fix
//!
//! Set `storage_encrypted = true` (and `kms_key_id` for a customer key).
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_db_instance" "orders" {
//!   storage_encrypted = true
//!   kms_key_id        = aws_kms_key.rds.arn
//! }
//! ```
//!
//! ## Fix safety
//!
//! Replaces the database: restore an encrypted copy of a snapshot and
//! switch over.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-rds-encryption",
        title: "RDS databases must encrypt their storage",
        severity: Severity::High,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_16",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_96",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0080",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0079",
            },
            Reference {
                source: "tfsec",
                id: "aws-rds-encrypt-instance-storage-data",
            },
        ],
        fix: "Set storage_encrypted = true (restore an encrypted snapshot for an existing database).",
    },
    kinds: &["aws_db_instance", "aws_rds_cluster"],
    check,
    source: include_str!("aws_rds_encryption.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if body.str("engine_mode") == Some("serverless") || body.value("replicate_source_db").is_some() {
        return;
    }
    match body.attr("storage_encrypted") {
        Some(attr) if !attr.value.is_known() => {
            if let Some(unknown) = attr.value.first_unknown() {
                out.could_not_evaluate(attr.line, "storage_encrypted", unknown);
            }
        }
        Some(attr) if attr.value.as_bool() == Some(true) => {}
        Some(attr) => out.report(
            attr.line,
            "storage_encrypted",
            "the database's storage is not encrypted".to_string(),
        ),
        None => out.report(
            resource.line,
            "storage_encrypted",
            "storage_encrypted is not set, so the storage is not encrypted".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_unencrypted_instances_and_clusters() {
        assert_hits(
            &super::RULE,
            "resource \"aws_db_instance\" \"a\" {\n  engine = \"postgres\"\n}\nresource \"aws_rds_cluster\" \"b\" {\n  storage_encrypted = false\n}\n",
            &[(1, "storage_encrypted"), (5, "storage_encrypted")],
        );
    }

    #[test]
    fn quiet_when_encrypted_serverless_or_a_replica() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_db_instance\" \"a\" {\n  storage_encrypted = true\n}\nresource \"aws_rds_cluster\" \"b\" {\n  engine_mode = \"serverless\"\n}\nresource \"aws_db_instance\" \"c\" {\n  replicate_source_db = \"a\"\n}\n",
        );
    }
}
