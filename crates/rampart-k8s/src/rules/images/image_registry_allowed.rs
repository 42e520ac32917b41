//! ## What it checks
//!
//! That every image comes from an allowed registry, when a list is given
//! (`--allowed-registry`, repeatable). An entry is a registry host
//! (`registry.example.com`) or a host with a path prefix (`ghcr.io/acme`);
//! `docker.io` stands for images that name no registry. Without a list the
//! rule is off.
//!
//! ## Why it matters
//!
//! Images pulled from anywhere bypass the organisation's scanning, signing
//! and mirroring. A typo-squatted public image is one character away from
//! the real one.
//!
//! ## How to fix
//!
//! Mirror the image into an allowed registry and reference it there.
//!
//! ## Example
//!
//! ```yaml
//! image: registry.example.com/mirror/nginx:1.27@sha256:...
//! ```

use super::super::prelude::*;
use super::ImageRef;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "image-registry-allowed",
        title: "Images must come from allowed registries",
        severity: Severity::High,
        controls: &[Control::Images],
        pss: None,
        references: &[Reference {
            source: "Trivy",
            id: "KSV-0125",
        }],
        fix: "Mirror the image into an allowed registry and reference it from there.",
    },
    check: Check::Object(Subjects::PodsWhen(Setting::AllowedRegistries), check),
};

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(pod) = context.config.workload_kinds.pod_of(object) else {
        return;
    };
    let allowed = &context.config.allowed_registries;
    if allowed.is_empty() {
        return;
    }
    for container in pod.containers() {
        let Some(field) = container.image() else {
            continue;
        };
        let Some(image) = field.node.as_str().filter(|i| !i.trim().is_empty()) else {
            continue;
        };
        let reference = ImageRef::parse(image);
        if !reference.is_from(allowed) {
            let message = format!(
                "{} image `{image}` comes from {}, which is not an allowed registry",
                container.describe(),
                reference.registry
            );
            out.report(field.node.pos, field.path, Some(container), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ScanConfig;
    use crate::rule_testing::*;

    const PODS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: nginx:1.27\n  - name: b\n    image: ghcr.io/acme/api:1\n  - name: c\n    image: ghcr.io/acme-evil/api:1\n  - name: d\n    image: registry.example.com/x/y:2\n";

    #[test]
    fn fires_outside_the_list_and_respects_path_boundaries() {
        let config = ScanConfig {
            allowed_registries: vec!["ghcr.io/acme".to_string(), "registry.example.com".to_string()],
            ..ScanConfig::default()
        };
        let findings = run_with(&super::RULE, PODS, &config);
        assert_findings(
            &findings,
            &[(7, "spec.containers[0].image"), (11, "spec.containers[2].image")],
        );
    }

    #[test]
    fn quiet_without_a_list_or_when_all_are_allowed() {
        assert_quiet(&super::RULE, PODS);
        let config = ScanConfig {
            allowed_registries: vec!["docker.io".into(), "ghcr.io".into(), "registry.example.com".into()],
            ..ScanConfig::default()
        };
        assert!(run_with(&super::RULE, PODS, &config).is_empty());
    }
}
