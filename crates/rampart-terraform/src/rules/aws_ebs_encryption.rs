//! ## What it checks
//!
//! EBS storage left unencrypted: `aws_ebs_volume` without `encrypted =
//! true`, and the root and extra block devices of `aws_instance`,
//! `aws_launch_configuration` and `aws_launch_template` without it
//! (an instance without a `root_block_device` block gets an unencrypted
//! root volume unless the AMI's snapshot is encrypted). Account-wide
//! encryption by default (`aws_ebs_encryption_by_default` with `enabled =
//! true` in the configuration) covers them all, which Checkov does not
//! count; turning it off (`enabled = false`) is reported. A device made
//! from a snapshot (`snapshot_id`) is encrypted as the snapshot is and is
//! left alone.
//!
//! ## Why it matters
//!
//! Unencrypted volumes and their snapshots can be copied and read by
//! anyone who gets at the snapshot (shared by mistake, or through a
//! compromised account), and fail most compliance regimes.
//!
//! ## How to fix
//!
//! Turn on EBS encryption by default for the account and region, or set
//! `encrypted = true` (with `kms_key_id` for a customer key).
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_ebs_encryption_by_default" "on" {
//!   enabled = true
//! }
//! ```
//!
//! ## Fix safety
//!
//! Existing volumes are not encrypted in place: changing `encrypted`
//! replaces the volume (snapshot and restore first).

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::{Body, Resource};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-ebs-encryption",
        title: "EBS volumes must be encrypted",
        severity: Severity::High,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_3",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_8",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_106",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0026",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0131",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0008",
            },
            Reference {
                source: "tfsec",
                id: "aws-ec2-enable-volume-encryption",
            },
        ],
        fix: "Turn on aws_ebs_encryption_by_default, or set encrypted = true.",
    },
    kinds: &[
        "aws_ebs_volume",
        "aws_instance",
        "aws_launch_configuration",
        "aws_launch_template",
        "aws_ebs_encryption_by_default",
    ],
    check,
    source: include_str!("aws_ebs_encryption.rs"),
};

fn check(resource: &Resource, context: &Context<'_>, out: &mut Reporter) {
    if resource.kind == "aws_ebs_encryption_by_default" {
        if let Some(attr) = resource.body.attr("enabled")
            && attr.value.as_bool() == Some(false)
        {
            out.report(
                attr.line,
                "enabled",
                "EBS encryption by default is turned off for the account and region".to_string(),
            );
        }
        return;
    }
    if context
        .anywhere("aws_ebs_encryption_by_default")
        .any(|default| default.body.bool("enabled") != Some(false))
    {
        return;
    }
    match resource.kind.as_str() {
        "aws_ebs_volume" => judge(&resource.body, resource.line, "encrypted".to_string(), out),
        "aws_launch_template" => {
            for (index, device) in resource.body.blocks("block_device_mappings").iter().enumerate() {
                for ebs in device.body.blocks("ebs") {
                    judge(
                        &ebs.body,
                        ebs.line,
                        format!("block_device_mappings[{index}].ebs.encrypted"),
                        out,
                    );
                }
            }
        }
        _ => {
            let roots = resource.body.blocks("root_block_device");
            if roots.is_empty() {
                out.report(
                    resource.line,
                    "root_block_device",
                    "no root_block_device block: the root volume is encrypted only if the AMI's snapshot is"
                        .to_string(),
                );
            }
            for root in roots {
                judge(&root.body, root.line, "root_block_device.encrypted".to_string(), out);
            }
            for (index, device) in resource.body.blocks("ebs_block_device").iter().enumerate() {
                judge(
                    &device.body,
                    device.line,
                    format!("ebs_block_device[{index}].encrypted"),
                    out,
                );
            }
        }
    }
}

fn judge(body: &Body, line: usize, field: String, out: &mut Reporter) {
    // A volume made from a snapshot is encrypted as the snapshot is.
    if body.value("snapshot_id").is_some() {
        return;
    }
    match body.value("encrypted") {
        Some(value) if !value.is_known() => {
            if let Some(unknown) = value.first_unknown() {
                out.could_not_evaluate(line, field, unknown);
            }
        }
        Some(value) if value.as_bool() == Some(true) => {}
        _ => out.report(line, field, "the volume is not encrypted".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_unencrypted_volumes_and_devices() {
        assert_hits(
            &super::RULE,
            "resource \"aws_ebs_volume\" \"a\" {\n  size = 10\n}\nresource \"aws_instance\" \"b\" {\n  root_block_device {\n    encrypted = false\n  }\n  ebs_block_device {\n    device_name = \"/dev/sdb\"\n  }\n}\nresource \"aws_instance\" \"c\" {}\n",
            &[
                (1, "encrypted"),
                (5, "root_block_device.encrypted"),
                (8, "ebs_block_device[0].encrypted"),
                (12, "root_block_device"),
            ],
        );
    }

    #[test]
    fn quiet_when_encrypted_or_encrypted_by_default() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_ebs_volume\" \"a\" {\n  encrypted = true\n}\nresource \"aws_instance\" \"b\" {\n  root_block_device {\n    encrypted = true\n  }\n}\n",
        );
        assert_quiet(
            &super::RULE,
            "resource \"aws_ebs_encryption_by_default\" \"on\" {\n  enabled = true\n}\nresource \"aws_ebs_volume\" \"a\" {}\nresource \"aws_instance\" \"b\" {}\n",
        );
    }
}
