//! ## What it checks
//!
//! That every container image is pinned by digest: `image@sha256:<hex>`
//! (a tag may stand before the digest for readability).
//!
//! ## Why it matters
//!
//! Tags can be moved or overwritten, by mistake or by whoever takes over the
//! registry account. A digest names exactly the bytes that were built,
//! scanned and signed, so what runs is what was approved. The share of
//! digest-pinned workloads is one of the checklist's metrics.
//!
//! ## How to fix
//!
//! Resolve the tag to its digest at release time (`crane digest`,
//! `docker buildx imagetools inspect`) and write `name:tag@sha256:...`.
//!
//! ## Example
//!
//! ```yaml
//! image: ghcr.io/acme/api:2.3.1@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! ```

use super::super::prelude::*;
use super::ImageRef;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-digest-pinned",
        title: "Images must be pinned by digest",
        severity: Severity::Medium,
        controls: &[Control::Images],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_K8S_43",
        }],
        fix: "Append the image digest: `name:tag@sha256:...`.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        let Some(field) = container.image() else {
            continue;
        };
        let Some(image) = field.node.as_str().filter(|i| !i.trim().is_empty()) else {
            continue;
        };
        let reference = ImageRef::parse(image);
        if reference.has_valid_digest() {
            continue;
        }
        let message = if reference.digest.is_some() {
            format!("{} image `{image}` has a malformed digest", container.describe())
        } else {
            format!("{} image `{image}` is not pinned by digest", container.describe())
        };
        out.report(field.node.pos, field.path, Some(container), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_tags_without_digest() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n  - name: b\n    image: app@sha256:abc\n",
        );
        assert_findings(
            &findings,
            &[(7, "spec.containers[0].image"), (9, "spec.containers[1].image")],
        );
        assert!(findings[1].message.contains("malformed"));
    }

    #[test]
    fn quiet_for_digests() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: \"ghcr.io/acme/api:1@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}\n",
        );
    }
}
