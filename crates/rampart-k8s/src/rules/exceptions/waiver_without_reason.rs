//! ## What it checks
//!
//! That every waiver annotation on an object or its pod template gives a
//! reason: `rampart.dev/ignore` and `rampart.dev/ignore.<container>` with
//! `rampart.dev/ignore-reason`, kube-linter's `ignore-check.kube-linter.io/*`
//! with a non-empty value, Checkov's `checkov.io/skip*` with `ID=reason`.
//! kube-score's and Polaris' annotations carry no reason of their own, so
//! they need `rampart.dev/ignore-reason` beside them.
//!
//! ## Why it matters
//!
//! A waiver is an accepted risk. Without a reason nobody can tell, a year
//! later, whether the risk is still accepted or the annotation is a
//! leftover. The waiver is still honoured; this finding (info) says it
//! needs cleaning up.
//!
//! ## How to fix
//!
//! Add `rampart.dev/ignore-reason` (or the tool's own reason), or move the
//! waiver to the exceptions file, which also records an owner and an
//! expiry date.
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     rampart.dev/ignore: "read-only-root-fs"
//!     rampart.dev/ignore-reason: "writes its cache to /var/lib/app; tracked in OPS-123"
//! ```

use super::super::prelude::*;
use crate::waivers::waivers_of;
use crate::yaml::Pos;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "waiver-without-reason",
        title: "Waiver annotations must give a reason",
        severity: Severity::Info,
        controls: &[Control::Exceptions],
        pss: None,
        references: &[],
        fix: "Add rampart.dev/ignore-reason (or the tool's own reason) next to the waiver, or move it to the exceptions file.",
    },
    check: Check::Object(Subjects::Waivers, check),
};

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for waiver in waivers_of(object, &context.config.workload_kinds) {
        if waiver.reason.is_some() {
            continue;
        }
        let pos = Pos {
            line: waiver.line as u32,
            column: 1,
        };
        out.report(
            pos,
            format!("metadata.annotations.{}", waiver.annotation),
            None,
            format!(
                "`{}` waives {} without a reason",
                waiver.annotation,
                if waiver.rules.iter().any(|rule| rule == "*") {
                    "every rule".to_string()
                } else {
                    waiver.rules.join(", ")
                }
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const NO_REASON: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    kube-score/ignore: container-image-tag\nspec:\n  template:\n    metadata:\n      annotations:\n        rampart.dev/ignore.sidecar: read-only-root-fs\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n";

    const WITH_REASONS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  annotations:\n    rampart.dev/ignore: read-only-root-fs\n    rampart.dev/ignore-reason: writes a cache; OPS-123\n    ignore-check.kube-linter.io/latest-tag: pinned by the release job\n    checkov.io/skip1: CKV_K8S_20=needs setuid for ping\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          image: nginx:1.27\n";

    #[test]
    fn fires_on_waivers_without_a_reason() {
        let findings = run(&super::RULE, NO_REASON);
        assert_findings(
            &findings,
            &[
                (6, "metadata.annotations.kube-score/ignore"),
                (11, "metadata.annotations.rampart.dev/ignore.sidecar"),
            ],
        );
        assert!(
            findings[0].message.contains("image-tag-not-latest"),
            "{}",
            findings[0].message
        );
        assert!(findings[1].message.contains("rampart.dev/ignore.sidecar"));
    }

    #[test]
    fn quiet_when_each_waiver_says_why() {
        assert_quiet(&super::RULE, WITH_REASONS);
    }
}
