//! ## What it checks
//!
//! That every container image is pinned by digest: `image@sha256:<hex>`
//! (a tag may stand before the digest for readability). In a cluster audit,
//! when the pods running the unpinned image all run one digest (their
//! `status.containerStatuses[].imageID`), the fix names it: that is the
//! image to pin (several digests are `image-tag-drift`'s finding).
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
//!
//! ## Fix safety
//!
//! Needs input: the digest. `rampart fix --pin-digests` asks each image's
//! registry which digest its tag names now (a multi-platform image's index
//! digest, so every node pulls its own platform) and writes
//! `name:tag@sha256:...`, keeping the tag for readability; the workload then
//! runs exactly what it runs today. Without the flag the container is listed
//! and nothing is written: Rampart reaches no registry unless asked.

use super::super::prelude::*;
use super::ImageRef;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

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

pub static FIX: Fix = Fix {
    rule: "image-digest-pinned",
    safety: FixSafety::NeedsInput,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    Proposal::manual(
        FixSafety::NeedsInput,
        "needs the digest the tag names: --pin-digests asks the registry",
    )
}

fn check(pod: &PodSpec<'_>, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
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
        if reference.digest.is_some() {
            let message = format!("{} image `{image}` has a malformed digest", container.describe());
            out.report(field.node.pos, field.path, Some(container), message);
            continue;
        }
        let message = format!("{} image `{image}` is not pinned by digest", container.describe());
        if context.config.cluster {
            // The digest the cluster's pods run is the one to pin.
            let condition = Condition::NameRunningDigest {
                image: image.to_string(),
            };
            out.report_if(condition, field.node.pos, field.path, Some(container), message);
        } else {
            out.report(field.node.pos, field.path, Some(container), message);
        }
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
    fn in_a_cluster_the_fix_names_the_digest_the_pods_run() {
        let objects = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: 'nginx:1.27'}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: web-1, namespace: shop}\nspec:\n  containers: [{name: web, image: 'nginx:1.27'}]\nstatus:\n  containerStatuses: [{name: web, imageID: 'docker.io/library/nginx@sha256:0123456789abcdef'}]\n";
        let findings = run_with(&super::RULE, objects, &in_cluster(&[]));
        assert_findings(
            &findings,
            &[
                (7, "spec.template.spec.containers[0].image"),
                (13, "spec.containers[0].image"),
            ],
        );
        for finding in &findings {
            assert_eq!(
                finding.fix,
                "Pin it to the image the cluster runs (1 pod): `nginx:1.27@sha256:0123456789abcdef`."
            );
        }
        // A repository's scan knows no running digest.
        let findings = run(&super::RULE, objects);
        assert_eq!(findings[0].fix, super::RULE.meta.fix);
    }

    #[test]
    fn quiet_for_digests() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: \"ghcr.io/acme/api:1@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}\n",
        );
    }
}
