//! ## What it checks
//!
//! That every Role, ClusterRole, RoleBinding and ClusterRoleBinding says who
//! owns it and when it must be reviewed: the annotations `rampart.dev/owner`
//! and `rampart.dev/review-by` (a `YYYY-MM-DD` date). A review-by date in
//! the past is reported by `rbac-review-expired`.
//!
//! A file holding several unowned RBAC objects (a vendor's install bundle,
//! such as Argo CD's `install.yaml`) gets one finding that lists them, at
//! the first, rather than one per object: the control is the same, and the
//! team's own roles are not buried under the vendor's. The API server's own
//! roles and bindings (labelled `kubernetes.io/bootstrapping:
//! rbac-defaults`, every `system:` one in a live cluster) are Kubernetes':
//! they need no owner of yours.
//!
//! ## Why it matters
//!
//! Permissions outlive the reason they were granted. Without an owner nobody
//! can say whether a binding is still needed; without a review date nobody
//! asks. The checklist requires both for every role and binding.
//!
//! ## How to fix
//!
//! Add both annotations: a team or person, and a date (quarterly is
//! common). For a vendored bundle whose files you do not edit, accept it
//! with one exception for the file, which has an owner, an approver and an
//! expiry of its own:
//!
//! ```yaml
//! exceptions:
//!   - id: argocd-bundle-rbac
//!     rules: [rbac-owner-review]
//!     match: {paths: ["vendor/argo-cd/install.yaml"]}
//!     owner: team-platform
//!     # justification, compensating_controls, approved_by, expires
//! ```
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     rampart.dev/owner: team-payments
//!     rampart.dev/review-by: "2027-03-31"
//! ```

use std::collections::BTreeMap;

use super::super::prelude::*;
use crate::inventory::Site;
use crate::rbac::ReviewFacts;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-owner-review",
        title: "Roles and bindings must name an owner and a review date",
        severity: Severity::Low,
        controls: &[Control::Rbac, Control::Evidence],
        pss: None,
        references: &[],
        fix: "Annotate the object with `rampart.dev/owner` and `rampart.dev/review-by: YYYY-MM-DD`.",
    },
    check: Check::Inventory(Subjects::Kinds(RBAC_OBJECTS), check),
};

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    let owner = context.config.owner_annotation.as_str();
    let review = context.config.review_annotation.as_str();
    let rbac = &inventory.rbac;
    let objects = rbac
        .roles
        .iter()
        .map(|role| (&role.site, &role.review))
        .chain(rbac.bindings.iter().map(|binding| (&binding.site, &binding.review)));
    // Unowned objects, file by file.
    let mut by_file: BTreeMap<&str, Vec<Unowned<'_>>> = BTreeMap::new();
    for (site, facts) in objects {
        let missing = facts.missing(&[owner, review]);
        if !missing.is_empty() && !facts.built_in {
            by_file.entry(&site.path).or_default().push((site, facts, missing));
        }
        if let Some((text, pos)) = facts
            .annotations
            .get(review)
            .filter(|(text, _)| !text.trim().is_empty())
            && let Err(problem) = text.parse::<Date>()
        {
            out.report(
                site,
                *pos,
                format!("metadata.annotations.{review}"),
                format!("{} review-by date: {problem}", describe(site)),
            );
        }
    }
    for unowned in by_file.values_mut() {
        unowned.sort_by_key(|(site, _, _)| site.pos);
        let (site, facts, missing) = &unowned[0];
        let field = format!("metadata.annotations.{}", missing[0]);
        let message = if unowned.len() == 1 {
            format!("{} has no {}", describe(site), missing.join(" or "))
        } else {
            let names: Vec<String> = unowned.iter().map(|(site, _, _)| describe(site)).collect();
            format!(
                "{} RBAC objects in this file have no {owner} or {review}: {} (annotate each, or accept a vendored file with one exception matching its path)",
                unowned.len(),
                names.join(", ")
            )
        };
        out.report(site, facts.annotations_pos, field, message);
    }
}

/// An RBAC object and the annotations it lacks.
type Unowned<'a> = (&'a Site, &'a ReviewFacts, Vec<&'a str>);

/// `Role `reader``, as the messages name an object.
fn describe(site: &Site) -> String {
    format!("{} `{}`", site.resource.kind, site.resource.name)
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_when_missing_or_not_a_date() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: x\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\n  namespace: x\n  annotations:\n    rampart.dev/owner: team-a\n    rampart.dev/review-by: next spring\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n",
        );
        assert_findings(
            &findings,
            &[
                (3, "metadata.annotations.rampart.dev/owner"),
                (15, "metadata.annotations.rampart.dev/review-by"),
            ],
        );
        assert!(
            findings[0]
                .message
                .contains("rampart.dev/owner or rampart.dev/review-by")
        );
    }
    #[test]
    fn a_bundle_of_unowned_objects_is_one_finding_listing_them() {
        let yaml = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: vendor-a}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: vendor-a}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: vendor-a}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: vendor-b, namespace: v}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: owned\n  namespace: v\n  annotations: {rampart.dev/owner: team-a, rampart.dev/review-by: \"2999-01-01\"}\nrules: []\n";
        let findings = run(&super::RULE, yaml);
        assert_findings(&findings, &[(3, "metadata.annotations.rampart.dev/owner")]);
        assert!(
            findings[0].message.starts_with(
                "3 RBAC objects in this file have no rampart.dev/owner or rampart.dev/review-by: ClusterRole `vendor-a`, ClusterRoleBinding `vendor-a`, Role `vendor-b`"
            ),
            "{}",
            findings[0].message
        );
        assert_eq!(findings[0].resource.as_ref().unwrap().name, "vendor-a");
    }

    #[test]
    fn the_api_servers_own_defaults_are_not_the_teams_to_own() {
        let yaml = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:node\n  labels: {kubernetes.io/bootstrapping: rbac-defaults}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: system:lookalike\n  labels: {kubernetes.io/bootstrapping: something-else}\nrules: []\n";
        let findings = run(&super::RULE, yaml);
        assert_findings(&findings, &[(10, "metadata.annotations.rampart.dev/owner")]);
        assert!(
            findings[0].message.contains("system:lookalike"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn quiet_with_owner_and_date() {
        assert_quiet(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  annotations: {rampart.dev/owner: team-a, rampart.dev/review-by: \"2999-01-01\"}\nrules: []\n",
        );
    }
}
