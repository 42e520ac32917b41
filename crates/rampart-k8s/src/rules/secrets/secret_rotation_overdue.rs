//! ## What it checks
//!
//! That no Secret read from a cluster went unwritten for longer than
//! rampart.toml's `[secrets] max-age-days` (default 90). The last write
//! is the newest `metadata.managedFields` entry that owns the Secret's
//! `data` or `stringData` (the creation time is wrong after an in-place
//! update), else the creation time. Secrets without either (a manifest in
//! a repository) are not dated, so not judged. Service-account tokens
//! (their own rule), bootstrap tokens (they expire) and Helm's release
//! records (not credentials) are left out.
//!
//! ## Why it matters
//!
//! "Rotate on schedule": a credential that never changes stays valid in
//! every laptop, CI log and backup that ever held it, and an old leak keeps
//! working.
//!
//! ## How to fix
//!
//! Rotate the credential at its source and write the new value
//! (`kubectl create secret ... --dry-run=client -o yaml | kubectl apply
//! --server-side -f -`), or let an operator rotate it (External Secrets
//! with a `refreshInterval`, cert-manager for certificates).
//!
//! ## Example
//!
//! ```toml
//! [secrets]
//! max-age-days = 30
//! ```
//!
//! ## Fix safety
//!
//! Rotating breaks whoever still uses the old value: roll the consumers
//! first, then revoke.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "secret-rotation-overdue",
        title: "Secrets must be rotated on schedule",
        severity: Severity::Medium,
        controls: &[Control::Secrets],
        pss: None,
        references: &[],
        fix: "Rotate the credential and write the new value; let an operator rotate it on a schedule.",
    },
    check: Check::Object(Subjects::Kinds(SECRETS), check),
};

/// Secret types that are not rotated by hand, or not credentials.
const NOT_JUDGED: &[&str] = &[
    "kubernetes.io/service-account-token",
    "bootstrap.kubernetes.io/token",
    "helm.sh/release.v1",
];

/// The date of a Kubernetes timestamp (`2025-03-01T08:00:00Z`).
fn date_of(node: &Node) -> Option<Date> {
    node.as_str()?.get(..10)?.parse().ok()
}

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.kind != "Secret" || !object.group().is_empty() {
        return;
    }
    if object
        .root
        .get("type")
        .and_then(Node::as_str)
        .is_some_and(|kind| NOT_JUDGED.contains(&kind))
    {
        return;
    }
    let Some(metadata) = object.root.get("metadata") else {
        return;
    };
    let writes = metadata
        .get("managedFields")
        .map(|fields| fields.as_seq())
        .unwrap_or_default()
        .iter()
        .filter(|entry| {
            entry
                .get("fieldsV1")
                .is_some_and(|owned| owned.get("f:data").is_some() || owned.get("f:stringData").is_some())
        })
        .filter_map(|entry| {
            let time = entry.get("time")?;
            Some((date_of(time)?, time, "metadata.managedFields"))
        })
        .max_by_key(|(date, _, _)| *date);
    let written = writes.or_else(|| {
        let created = metadata.get("creationTimestamp")?;
        Some((date_of(created)?, created, "metadata.creationTimestamp"))
    });
    let Some((date, node, field)) = written else {
        return;
    };
    let limit = i64::from(context.config.secret_max_age_days);
    let age = date.days_until(context.config.today);
    if age > limit {
        out.report(
            node.pos,
            field.to_string(),
            None,
            format!(
                "Secret `{}` was last written {age} days ago ({date}), beyond the {limit} days allowed",
                object.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ScanConfig;
    use crate::rule_testing::*;

    const SECRETS: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  creationTimestamp: \"2024-01-01T00:00:00Z\"\n  managedFields:\n  - manager: kubectl\n    operation: Update\n    time: \"2026-01-10T08:00:00Z\"\n    fieldsV1: {\"f:data\": {\"f:password\": {}}}\n  - manager: labeller\n    operation: Update\n    time: \"2026-11-01T08:00:00Z\"\n    fieldsV1: {\"f:metadata\": {\"f:labels\": {}}}\ntype: Opaque\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: created-only\n  creationTimestamp: \"2026-10-01T00:00:00Z\"\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: token\n  creationTimestamp: \"2020-01-01T00:00:00Z\"\ntype: kubernetes.io/service-account-token\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: from-git}\ndata: {a: Yg==}\n";

    fn on(today: &str, days: u32) -> ScanConfig {
        ScanConfig {
            today: today.parse().unwrap(),
            secret_max_age_days: days,
            ..ScanConfig::default()
        }
    }

    #[test]
    fn fires_on_the_last_write_of_the_data_not_of_a_label() {
        let findings = run_with(&super::RULE, SECRETS, &on("2026-12-04", 90));
        assert_findings(&findings, &[(9, "metadata.managedFields")]);
        assert!(
            findings[0].message.contains("328 days ago (2026-01-10)"),
            "{}",
            findings[0].message
        );
        // Falls back to the creation time.
        let findings = run_with(&super::RULE, SECRETS, &on("2026-12-04", 30));
        assert_findings(
            &findings,
            &[(9, "metadata.managedFields"), (21, "metadata.creationTimestamp")],
        );
    }

    #[test]
    fn quiet_within_the_limit_and_for_undated_or_token_secrets() {
        assert!(run_with(&super::RULE, SECRETS, &on("2026-01-20", 90)).is_empty());
    }
}
