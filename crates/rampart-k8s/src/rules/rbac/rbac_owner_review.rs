//! ## What it checks
//!
//! That every Role, ClusterRole, RoleBinding and ClusterRoleBinding says who
//! owns it and when it must be reviewed: the annotations `rampart.dev/owner`
//! and `rampart.dev/review-by` (a `YYYY-MM-DD` date). A review-by date in
//! the past is reported by `rbac-review-expired`.
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
//! common).
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     rampart.dev/owner: team-payments
//!     rampart.dev/review-by: "2027-03-31"
//! ```

use super::super::prelude::*;
use super::is_rbac_object;

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
    check: Check::Object(Subjects::Kinds(RBAC_OBJECTS), check),
};

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_rbac_object(object) {
        return;
    }
    let metadata = object.root.get("metadata");
    let annotations = metadata.and_then(|m| m.get("annotations"));
    let value = |key: &str| annotations.and_then(|a| a.get(key));
    let owner = &context.config.owner_annotation;
    let review = &context.config.review_annotation;
    let anchor = annotations.or(metadata).unwrap_or(&object.root).pos;
    let missing: Vec<&str> = [owner.as_str(), review.as_str()]
        .into_iter()
        .filter(|key| {
            value(key)
                .and_then(|v| v.scalar_text())
                .is_none_or(|v| v.trim().is_empty())
        })
        .collect();
    if !missing.is_empty() {
        out.report(
            anchor,
            format!("metadata.annotations.{}", missing[0]),
            None,
            format!("{} `{}` has no {}", object.kind, object.name, missing.join(" or ")),
        );
    }
    if let Some(node) = value(review)
        && let Some(text) = node.scalar_text()
        && !text.trim().is_empty()
        && let Err(problem) = text.parse::<Date>()
    {
        out.report(
            node.pos,
            format!("metadata.annotations.{review}"),
            None,
            format!("{} `{}` review-by date: {problem}", object.kind, object.name),
        );
    }
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
    fn quiet_with_owner_and_date() {
        assert_quiet(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n  annotations: {rampart.dev/owner: team-a, rampart.dev/review-by: \"2999-01-01\"}\nrules: []\n",
        );
    }
}
