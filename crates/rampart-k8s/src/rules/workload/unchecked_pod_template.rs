//! ## What it checks
//!
//! Custom resources that carry containers Rampart does not know how to
//! judge: a pod template at `spec.template` (Knative Services, KEDA
//! ScaledJobs' `spec.jobTargetRef.template`, operators' own workload kinds)
//! or containers in templates of their own shape (Argo Workflows'
//! `spec.templates[].container`). The finding names the kind and, where the
//! containers sit in a pod template, the `rampart.toml` line that makes
//! Rampart check them like a Deployment.
//!
//! ## Why it matters
//!
//! A clean report must mean "checked and fine", not "not looked at". A
//! privileged container inside a Knative Service runs just as privileged as
//! one in a Deployment; without this notice it would pass silently.
//!
//! ## How to fix
//!
//! Declare the kind and where its pod template is:
//!
//! ```toml
//! [kubernetes.workload-kinds]
//! "serving.knative.dev/Service" = "spec.template"
//! ```
//!
//! For containers outside a pod template (Argo's `templates[].container`),
//! check the rendered pods in the cluster, or waive this rule for the
//! object with a reason.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: serving.knative.dev/v1
//! kind: Service
//! spec:
//!   template:            # a PodTemplateSpec: checked once declared
//!     spec:
//!       containers:
//!       - image: ghcr.io/acme/hello@sha256:...
//! ```
//!
//! ## Fix safety
//!
//! Declaring the kind changes no manifest; it makes every workload rule run
//! over the kind, which may report findings that were there all along.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "unchecked-pod-template",
        title: "Containers in a custom resource that no rule checked",
        severity: Severity::Info,
        controls: &[Control::Runtime],
        pss: None,
        references: &[],
        fix: "Declare the kind under [kubernetes.workload-kinds] in rampart.toml (\"group/Kind\" = \"path.of.template\").",
    },
    // It reports what was not judged, so it judges nothing itself: it must
    // never make the runtime control look evaluated.
    check: Check::Object(Subjects::Kinds(&[]), check),
};

/// How deep into an object to look for containers; real templates sit
/// within five levels (`spec.workflowSpec.templates[].container`).
const MAX_DEPTH: usize = 6;

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_custom_resource(object) || context.config.workload_kinds.find(object).is_some() {
        return;
    }
    let Some(spec) = object.root.get("spec") else {
        return;
    };
    let mut found = Vec::new();
    find_containers(spec, "spec", 1, &mut found);
    let Some(first) = found.first() else {
        return;
    };
    let group = object.group();
    let message = match first.template_path() {
        Some(template) => format!(
            "{} `{}` ({group}) has a pod template at `{template}` that no rule checked; to check it, add `\"{group}/{}\" = \"{template}\"` under [kubernetes.workload-kinds] in rampart.toml",
            object.kind, object.name, object.kind
        ),
        None => format!(
            "{} `{}` ({group}) has {} container{} (first at `{}`) outside a pod template, which no rule checked",
            object.kind,
            object.name,
            found.len(),
            if found.len() == 1 { "" } else { "s" },
            first.path
        ),
    };
    out.report(first.pos, first.path.clone(), None, message);
}

/// Kinds from API groups of their own (`serving.knative.dev`), not
/// Kubernetes' built-in ones, whose kinds Rampart knows. CRDs describe
/// containers in their schemas, which are not containers.
fn is_custom_resource(object: &Object) -> bool {
    let group = object.group();
    group.contains('.') && !group.ends_with(".k8s.io") && object.kind != "CustomResourceDefinition"
}

struct Found {
    /// `spec.template.spec.containers` or `spec.templates[0].container`.
    path: String,
    pos: crate::yaml::Pos,
}

impl Found {
    /// The pod template the containers sit in, when they sit in one:
    /// `spec.template` for `spec.template.spec.containers`.
    fn template_path(&self) -> Option<&str> {
        let template = self.path.strip_suffix(".spec.containers")?;
        (!template.contains('[')).then_some(template)
    }
}

/// Container lists (`containers: [{image: ...}]`) and single containers
/// (`container: {image: ...}`) under `node`.
fn find_containers(node: &Node, path: &str, depth: usize, found: &mut Vec<Found>) {
    if depth > MAX_DEPTH {
        return;
    }
    for entry in node.entries() {
        let here = format!("{path}.{}", entry.key);
        let value = &entry.value;
        let is_container = |item: &Node| item.get("image").is_some_and(|image| image.as_str().is_some());
        match &*entry.key {
            "containers" | "initContainers" if value.as_seq().iter().any(is_container) => {
                found.push(Found {
                    path: here,
                    pos: value.pos,
                });
                continue;
            }
            "container" if is_container(value) => {
                found.push(Found {
                    path: here,
                    pos: value.pos,
                });
                continue;
            }
            _ => {}
        }
        if value.is_map() {
            find_containers(value, &here, depth + 1, found);
        }
        for (index, item) in value.as_seq().iter().enumerate() {
            find_containers(item, &format!("{here}[{index}]"), depth + 1, found);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ScanConfig;
    use crate::rule_testing::*;

    const KNATIVE: &str = "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello, namespace: web}\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/knative/helloworld-go\n        securityContext: {privileged: true}\n";

    #[test]
    fn fires_on_a_knative_service_naming_the_config_line() {
        let findings = run(&super::RULE, KNATIVE);
        assert_findings(&findings, &[(7, "spec.template.spec.containers")]);
        assert!(
            findings[0]
                .message
                .contains("`\"serving.knative.dev/Service\" = \"spec.template\"`"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn fires_on_keda_scaled_jobs_and_argo_workflows() {
        let keda = "apiVersion: keda.sh/v1alpha1\nkind: ScaledJob\nmetadata: {name: q}\nspec:\n  jobTargetRef:\n    template:\n      spec:\n        containers:\n        - name: worker\n          image: acme/worker:1\n";
        let findings = run(&super::RULE, keda);
        assert_findings(&findings, &[(8, "spec.jobTargetRef.template.spec.containers")]);
        assert!(
            findings[0]
                .message
                .contains("\"keda.sh/ScaledJob\" = \"spec.jobTargetRef.template\"")
        );
        let argo = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: w}\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    container:\n      image: alpine:3\n      command: [sh]\n  - name: other\n    container: {image: busybox}\n";
        let findings = run(&super::RULE, argo);
        assert_findings(&findings, &[(8, "spec.templates[0].container")]);
        assert!(findings[0].message.contains("2 containers"), "{}", findings[0].message);
    }

    #[test]
    fn quiet_once_declared_and_for_kinds_it_knows_or_schemas() {
        let mut config = ScanConfig::default();
        config
            .workload_kinds
            .add("serving.knative.dev", "Service", "spec.template");
        assert!(run_with(&super::RULE, KNATIVE, &config).is_empty());
        assert_quiet(
            &super::RULE,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: a, image: x}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: c}\nspec:\n  versions:\n  - name: v1\n    schema:\n      openAPIV3Schema:\n        properties:\n          containers: {type: array}\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {name: k8s}\nspec: {replicas: 2}\n",
        );
    }
}
