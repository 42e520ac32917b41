//! ## What it checks
//!
//! Compute disks and instance disks encrypted with a customer-supplied key
//! written into the configuration: `disk_encryption_key.raw_key` (or
//! `rsa_encrypted_key`).
//!
//! ## Why it matters
//!
//! The key that protects the disk sits in the repository, the state file
//! and every plan: anyone who reads them reads the disk.
//!
//! ## How to fix
//!
//! Use a Cloud KMS key (`kms_key_self_link`).
//!
//! ## Example
//!
//! ```hcl
//! disk_encryption_key {
//!   kms_key_self_link = google_kms_crypto_key.disks.id
//! }
//! ```
//!
//! ## Fix safety
//!
//! Changing the key recreates the disk: snapshot it first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-disk-raw-key",
        title: "Disk encryption keys must not be written in the code",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Secrets],
        pss: None,
        references: &[
            Reference {
                source: "Trivy",
                id: "GCP-0037",
            },
            Reference {
                source: "tfsec",
                id: "google-compute-no-plaintext-disk-keys",
            },
        ],
        fix: "Use kms_key_self_link (Cloud KMS) instead of raw_key.",
    },
    kinds: &["google_compute_disk", "google_compute_instance"],
    check,
    source: include_str!("gcp_disk_raw_key.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let mut keys = resource.body.blocks("disk_encryption_key");
    for disk in resource
        .body
        .blocks("boot_disk")
        .iter()
        .chain(resource.body.blocks("attached_disk").iter())
    {
        keys.extend(disk.body.blocks("disk_encryption_key"));
        if let Some(attr) = disk.body.attr("disk_encryption_key_raw") {
            out.report(
                attr.line,
                "disk_encryption_key_raw",
                "a disk encryption key is written in the configuration".to_string(),
            );
        }
    }
    for key in keys {
        for field in ["raw_key", "rsa_encrypted_key"] {
            if let Some(attr) = key.body.attr(field) {
                out.report(
                    attr.line,
                    format!("disk_encryption_key.{field}"),
                    "a disk encryption key is written in the configuration".to_string(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"google_compute_disk\" \"a\" {\n  disk_encryption_key {\n    raw_key = \"SGVsbG8gZnJvbSBHb29nbGUgQ2xvdWQgUGxhdGZvcm0=\"\n  }\n}\n",
            &[(3, "disk_encryption_key.raw_key")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_compute_disk\" \"a\" {\n  disk_encryption_key {\n    kms_key_self_link = \"projects/p/locations/l/keyRings/r/cryptoKeys/k\"\n  }\n}\n",
        );
    }
}
