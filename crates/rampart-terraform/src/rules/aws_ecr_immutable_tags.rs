//! ## What it checks
//!
//! ECR repositories whose tags can be moved: `image_tag_mutability` unset
//! (`MUTABLE` is the default) or `MUTABLE`.
//!
//! ## Why it matters
//!
//! With mutable tags, anyone with push rights replaces what `:1.4.2` runs
//! everywhere; a scan or signature of the old image says nothing about
//! the new one.
//!
//! ## How to fix
//!
//! Set `IMMUTABLE` and push a new tag for every build.
//!
//! ## Example
//!
//! ```hcl
//! image_tag_mutability = "IMMUTABLE"
//! ```
//!
//! ## Fix safety
//!
//! Breaks pipelines that push the same tag twice (`latest`): push unique
//! tags.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-ecr-immutable-tags",
        title: "ECR repositories must have immutable tags",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Images],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_51",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0031",
            },
            Reference {
                source: "tfsec",
                id: "aws-ecr-enforce-immutable-repository",
            },
        ],
        fix: "Set image_tag_mutability = \"IMMUTABLE\".",
    },
    kinds: &["aws_ecr_repository"],
    check,
    source: include_str!("aws_ecr_immutable_tags.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    match resource.body.attr("image_tag_mutability") {
        Some(attr) if !attr.value.is_known() => {
            if let Some(unknown) = attr.value.first_unknown() {
                out.could_not_evaluate(attr.line, "image_tag_mutability", unknown);
            }
        }
        Some(attr)
            if attr
                .value
                .as_str()
                .is_some_and(|mutability| mutability.starts_with("IMMUTABLE")) => {}
        attr => out.report(
            attr.map_or(resource.line, |attr| attr.line),
            "image_tag_mutability",
            "tags are mutable: a push can replace what a tag runs".to_string(),
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
            "resource \"aws_ecr_repository\" \"a\" {}\nresource \"aws_ecr_repository\" \"b\" {\n  image_tag_mutability = \"MUTABLE\"\n}\n",
            &[(1, "image_tag_mutability"), (3, "image_tag_mutability")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_ecr_repository\" \"a\" {\n  image_tag_mutability = \"IMMUTABLE\"\n}\n",
        );
    }
}
