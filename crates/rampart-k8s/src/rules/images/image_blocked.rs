//! ## What it checks
//!
//! That no container runs an image rampart.toml blocks (`[[images.block]]`):
//! one image by digest, by any name it is pulled under; one tag; or a whole
//! repository (the family) except the references listed as fixed. In a
//! cluster audit a pod's running digest counts too
//! (`status.containerStatuses[].imageID`), so a tag that still points at the
//! blocked build is caught. Without a block the rule is off.
//!
//! ## Why it matters
//!
//! After an incident or an advisory, the vulnerable build must not come back:
//! a rollback, a copied manifest or a forgotten CronJob would run it again.
//! The articles ask to "block a vulnerable image family" as a permanent
//! control after containment; `rampart respond plan vulnerable-image` writes
//! the block, and the webhook, CI and the cluster audit then refuse it.
//!
//! ## How to fix
//!
//! Move the workload to the fixed image (`rampart fix --pin-digests` once the
//! fixed build is pushed, or the digest the block lists as an exception).
//! Remove the block only when no supported version is affected.
//!
//! ## Example
//!
//! ```toml
//! [[images.block]]
//! image = "ghcr.io/acme/web"
//! reason = "CVE-2026-1234 (INC-42)"
//! except = ["ghcr.io/acme/web@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"]
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-blocked",
        title: "Images blocked after an incident or advisory must not run",
        severity: Severity::Critical,
        controls: &[Control::Images],
        pss: None,
        references: &[],
        fix: "Move the workload to the fixed image the block allows.",
    },
    check: Check::Object(Subjects::PodsWhen(Setting::BlockedImages), check),
};

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(pod) = context.config.workload_kinds.pod_of(object) else {
        return;
    };
    let blocks = &context.config.blocked_images;
    if blocks.is_empty() {
        return;
    }
    // What a running pod actually pulled, by container name.
    let running: Vec<(&str, &str)> = ["status.containerStatuses", "status.initContainerStatuses"]
        .iter()
        .filter(|_| pod.object.kind == "Pod")
        .filter_map(|path| pod.object.root.get_path(path))
        .flat_map(|statuses| statuses.as_seq())
        .filter_map(|status| Some((status.get("name")?.as_str()?, status.get("imageID")?.as_str()?)))
        .collect();
    for container in pod.containers() {
        let Some(field) = container.image() else {
            continue;
        };
        let Some(image) = field.node.as_str().filter(|image| !image.trim().is_empty()) else {
            continue;
        };
        let pulled = running
            .iter()
            .find(|(name, _)| *name == container.name)
            .map(|(_, id)| *id);
        let Some((block, seen)) = blocks.iter().find_map(|block| {
            if block.blocks(image) {
                Some((block, image))
            } else {
                pulled.filter(|id| block.blocks(id)).map(|id| (block, id))
            }
        }) else {
            continue;
        };
        let how = if seen == image {
            String::new()
        } else {
            format!(" (it runs {seen})")
        };
        let reason = block
            .reason
            .as_deref()
            .map(|reason| format!(": {reason}"))
            .unwrap_or_default();
        let message = format!(
            "{} image `{image}`{how} is blocked by rampart.toml's `{}`{reason}",
            container.describe(),
            block.image
        );
        out.report(field.node.pos, field.path, Some(container), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ScanConfig;
    use crate::rule_testing::*;
    use rampart_core::BlockedImage;

    const BAD: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const GOOD: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn config() -> ScanConfig {
        ScanConfig {
            blocked_images: vec![BlockedImage {
                image: "ghcr.io/acme/web".to_string(),
                reason: Some("CVE-2026-1234".to_string()),
                except: vec![format!("ghcr.io/acme/web@{GOOD}")],
            }],
            ..ScanConfig::default()
        }
    }

    #[test]
    fn fires_on_the_family_and_on_what_a_pod_runs() {
        let manifest = format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: ghcr.io/acme/web:1.4.1\n      - name: fixed\n        image: ghcr.io/acme/web:1.4.2@{GOOD}\n      - name: other\n        image: ghcr.io/acme/api:1\n"
        );
        let findings = run_with(&super::RULE, &manifest, &config());
        assert_findings(&findings, &[(9, "spec.template.spec.containers[0].image")]);
        assert!(
            findings[0]
                .message
                .ends_with("is blocked by rampart.toml's `ghcr.io/acme/web`: CVE-2026-1234"),
            "{}",
            findings[0].message
        );
        // A pod whose tag names another repository but whose pulled digest is blocked.
        let digest_only = ScanConfig {
            blocked_images: vec![BlockedImage {
                image: BAD.to_string(),
                reason: None,
                except: Vec::new(),
            }],
            ..ScanConfig::default()
        };
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: a\n    image: mirror.local/web:1\nstatus:\n  containerStatuses:\n  - name: a\n    imageID: docker-pullable://mirror.local/web@{BAD}\n"
        );
        let findings = run_with(&super::RULE, &pod, &digest_only);
        assert_findings(&findings, &[(7, "spec.containers[0].image")]);
        assert!(
            findings[0]
                .message
                .contains("(it runs docker-pullable://mirror.local/web@"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn quiet_without_a_block_and_on_the_fixed_digest() {
        let manifest = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: a\n    image: ghcr.io/acme/web@{GOOD}\n  - name: b\n    image: ghcr.io/acme/web:1\n"
        );
        assert_quiet(&super::RULE, &manifest);
        let findings = run_with(&super::RULE, &manifest, &config());
        assert_findings(&findings, &[(9, "spec.containers[1].image")]);
    }
}
