//! ## What it checks
//!
//! That no Role, ClusterRole or binding is past its review-by date (the
//! `rampart.dev/review-by` annotation, `YYYY-MM-DD`, compared with today in
//! UTC).
//!
//! ## Why it matters
//!
//! A review date that passed without a review means nobody re-confirmed
//! that the permission is still needed: the control exists on paper only.
//!
//! ## How to fix
//!
//! Review the permission with its owner; remove it, or set the next review
//! date.
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     rampart.dev/review-by: "2027-06-30"
//! ```

use super::super::prelude::*;
use super::is_rbac_object;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-review-expired",
        title: "Roles and bindings must be reviewed by their date",
        severity: Severity::Medium,
        controls: &[Control::Rbac, Control::Evidence],
        pss: None,
        references: &[],
        fix: "Review the permission with its owner, then remove it or set the next review date.",
    },
    check: Check::Object(Subjects::Kinds(RBAC_OBJECTS), check),
};

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_rbac_object(object) {
        return;
    }
    let review = &context.config.review_annotation;
    let Some(node) = object
        .root
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(review))
    else {
        return;
    };
    let Some(date) = node.scalar_text().and_then(|t| t.parse::<Date>().ok()) else {
        return;
    };
    let overdue = date.days_until(context.config.today);
    if overdue > 0 {
        let owner = object.annotation(&context.config.owner_annotation).unwrap_or("nobody");
        out.report(
            node.pos,
            format!("metadata.annotations.{review}"),
            None,
            format!(
                "{} `{}` was due for review on {date} ({overdue} days ago; owner: {owner})",
                object.kind, object.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ScanConfig;
    use crate::rule_testing::*;

    const ROLES: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: old\n  annotations:\n    rampart.dev/owner: team-a\n    rampart.dev/review-by: \"2026-01-31\"\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: fresh\n  annotations:\n    rampart.dev/review-by: \"2026-12-31\"\nrules: []\n";

    fn on(today: &str) -> ScanConfig {
        ScanConfig {
            today: today.parse().unwrap(),
            ..ScanConfig::default()
        }
    }

    #[test]
    fn fires_after_the_date_naming_the_owner() {
        let findings = run_with(&super::RULE, ROLES, &on("2026-11-22"));
        assert_findings(&findings, &[(7, "metadata.annotations.rampart.dev/review-by")]);
        assert!(findings[0].message.contains("295 days ago") && findings[0].message.contains("team-a"));
    }

    #[test]
    fn quiet_before_and_on_the_date() {
        assert!(run_with(&super::RULE, ROLES, &on("2026-01-31")).is_empty());
    }
}
