//! ## What it checks
//!
//! That every container image names a version: a tag other than `latest`,
//! or a digest. An image with no tag means `latest`.
//!
//! ## Why it matters
//!
//! `latest` moves. Two nodes can run different code under the same
//! manifest, a rollback redeploys whatever is newest, and nobody can say
//! which build a vulnerability report applies to.
//!
//! ## How to fix
//!
//! Pin an immutable version tag, better a digest (`image@sha256:...`).
//!
//! ## Example
//!
//! ```yaml
//! image: registry.example.com/shop/checkout:1.14.2@sha256:4c1e...
//! ```

use super::super::prelude::*;
use super::ImageRef;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-tag-not-latest",
        title: "Images must not use the latest tag or no tag",
        severity: Severity::High,
        controls: &[Control::Images],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_K8S_14",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0013",
            },
            Reference {
                source: "kube-linter",
                id: "latest-tag",
            },
        ],
        fix: "Pin a version tag, or better a digest (`image@sha256:...`).",
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
        if reference.digest.is_some() {
            continue;
        }
        let message = match reference.tag {
            None => format!(
                "{} image `{image}` has no tag, so it runs `latest`",
                container.describe()
            ),
            Some("latest") => format!("{} image `{image}` uses the `latest` tag", container.describe()),
            Some(_) => continue,
        };
        out.report(field.node.pos, field.path, Some(container), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_latest_and_untagged() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - name: i\n    image: busybox\n  containers:\n  - name: a\n    image: nginx:latest\n  - name: b\n    image: localhost:5000/app\n",
        );
        assert_findings(
            &findings,
            &[
                (7, "spec.initContainers[0].image"),
                (10, "spec.containers[0].image"),
                (12, "spec.containers[1].image"),
            ],
        );
    }

    #[test]
    fn quiet_for_versions_and_digests() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: \"nginx:1.27\"}\n  - {name: b, image: \"localhost:5000/app:2\"}\n  - {name: c, image: \"app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}\n",
        );
    }
}
