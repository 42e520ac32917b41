//! ## What it checks
//!
//! That no workload breaks the Pod Security level its namespace enforces:
//! when the scan holds the Namespace and its
//! `pod-security.kubernetes.io/enforce` label says `baseline`, the pod must
//! pass every baseline rule; `restricted`, every baseline and restricted
//! rule. The rules are evaluated field by field (every PSS rule runs for
//! this, even ones skipped with `--skip`).
//!
//! ## Why it matters
//!
//! Such a manifest passes review and fails at deploy time: Pod Security
//! Admission refuses the pods (for a Deployment, silently: the ReplicaSet
//! just never gets its pods). Catching it in CI saves a broken rollout.
//!
//! ## How to fix
//!
//! Fix the pod (the finding lists the rules it breaks), or move the workload
//! to a namespace whose level fits it, with an exception that says why.
//!
//! ## Example
//!
//! A pod without `allowPrivilegeEscalation: false` in a `restricted`
//! namespace is reported here and by `no-privilege-escalation`.

use super::super::prelude::*;
use super::ENFORCE_LABEL;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "workload-violates-namespace-pss",
        title: "Workloads must pass their namespace's Pod Security level",
        severity: Severity::High,
        controls: &[Control::Admission, Control::Runtime],
        pss: None,
        references: &[],
        fix: "Fix the listed fields, or move the workload to a namespace whose level fits it.",
    },
    check: Check::Inventory(Subjects::Kinds(&[("", "Namespace")]), check),
};

const ENFORCE_VERSION_LABEL: &str = "pod-security.kubernetes.io/enforce-version";

/// Checks of the Pod Security Standards that newer Kubernetes versions
/// added, with the minor version (of 1.x) that added them. A namespace
/// pinned to an older `enforce-version` does not run them, so they cannot
/// get a pod rejected there.
const INTRODUCED_IN: &[(&str, u32)] = &[
    ("capabilities-drop-all", 22),
    ("capabilities-add-restricted", 22),
    ("run-as-user-not-zero", 23),
    ("no-probe-host-override", 34),
];

/// Whether the check behind `rule` exists at `version` (`v1.29`, or
/// `latest` and unset, which mean the cluster's own).
fn check_exists_in(rule: &str, version: Option<&str>) -> bool {
    let Some(minor) = version
        .and_then(|v| v.strip_prefix("v1."))
        .and_then(|minor| minor.parse::<u32>().ok())
    else {
        return true;
    };
    INTRODUCED_IN
        .iter()
        .find(|(id, _)| *id == rule)
        .is_none_or(|(_, since)| minor >= *since)
}

fn check(inventory: &Inventory, _context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    for workload in &inventory.workloads {
        let Some(namespace) = inventory.namespace(&workload.namespace) else {
            continue;
        };
        let enforced = match namespace.labels.get(ENFORCE_LABEL).map(String::as_str) {
            Some("baseline") => PssLevel::Baseline,
            Some("restricted") => PssLevel::Restricted,
            _ => continue,
        };
        let version = namespace.labels.get(ENFORCE_VERSION_LABEL).map(String::as_str);
        let broken: Vec<&str> = workload
            .pss_violations
            .iter()
            .filter(|(level, _)| *level <= enforced)
            .map(|(_, rule)| *rule)
            .filter(|rule| check_exists_in(rule, version))
            .collect();
        if broken.is_empty() {
            continue;
        }
        out.report(
            &workload.site,
            workload.site.pos,
            "metadata.namespace".to_string(),
            format!(
                "{} `{}` would be rejected by namespace `{}`, which enforces `{}`: it breaks {}",
                workload.kind,
                workload.name,
                workload.namespace,
                enforced.as_str(),
                broken.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const NAMESPACES: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: strict\n  labels: {pod-security.kubernetes.io/enforce: restricted}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: base\n  labels: {pod-security.kubernetes.io/enforce: baseline}\n";

    #[test]
    fn fires_when_the_pod_breaks_the_enforced_level() {
        // The same pod: runs as root (restricted only) in both namespaces.
        let yaml = format!(
            "{NAMESPACES}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: strict}}\nspec:\n  containers: [{{name: a}}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: base}}\nspec:\n  containers: [{{name: a}}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: h, namespace: base}}\nspec:\n  hostNetwork: true\n  containers: [{{name: a}}]\n"
        );
        let findings = run(&super::RULE, &yaml);
        assert_findings(&findings, &[(13, "metadata.namespace"), (25, "metadata.namespace")]);
        assert!(findings[0].message.contains("run-as-non-root"));
        assert!(findings[1].message.contains("no-host-network"));
        assert!(!findings[1].message.contains("run-as-non-root"));
    }

    #[test]
    fn an_older_enforce_version_cannot_reject_for_checks_it_lacks() {
        // runAsUser: 0 breaks `run-as-user-not-zero`, a check of 1.23.
        let pod = |namespace: &str| {
            format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: {namespace}}}\nspec:\n  securityContext: {{runAsNonRoot: true, runAsUser: 0, seccompProfile: {{type: RuntimeDefault}}}}\n  containers:\n  - name: a\n    securityContext: {{allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}}}\n"
            )
        };
        let namespaces = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: old\n  labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: v1.22}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: new\n  labels: {pod-security.kubernetes.io/enforce: restricted, pod-security.kubernetes.io/enforce-version: v1.30}\n";
        let yaml = format!("{namespaces}{}{}", pod("old"), pod("new"));
        let findings = run(&super::RULE, &yaml);
        assert_findings(&findings, &[(22, "metadata.namespace")]);
        assert!(
            findings[0].message.contains("namespace `new`"),
            "{}",
            findings[0].message
        );
        assert!(findings[0].message.contains("run-as-user-not-zero"));
        assert!(super::check_exists_in("no-probe-host-override", Some("latest")));
        assert!(!super::check_exists_in("no-probe-host-override", Some("v1.33")));
        assert!(super::check_exists_in("no-privileged", Some("v1.0")));
    }

    #[test]
    fn quiet_for_compliant_pods_and_unknown_namespaces() {
        let yaml = format!(
            "{NAMESPACES}---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: strict}}\nspec:\n  securityContext: {{runAsNonRoot: true, seccompProfile: {{type: RuntimeDefault}}}}\n  containers:\n  - name: a\n    securityContext: {{allowPrivilegeEscalation: false, capabilities: {{drop: [ALL]}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: q, namespace: elsewhere}}\nspec:\n  hostNetwork: true\n  containers: [{{name: a}}]\n"
        );
        assert_quiet(&super::RULE, &yaml);
    }
}
