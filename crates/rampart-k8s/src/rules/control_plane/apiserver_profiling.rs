//! ## What it checks
//!
//! That kube-apiserver runs with `--profiling=false` (CIS 1.2.18). The flag
//! defaults to true.
//!
//! ## Why it matters
//!
//! The profiling endpoints (`/debug/pprof`) expose the program's memory
//! and goroutines to whoever may reach them and cost CPU when read; they
//! are a diagnostic, not something to leave on in production.
//!
//! ## How to fix
//!
//! Add `--profiling=false` to the static pod manifest.
//!
//! ## Example
//!
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --profiling=false
//! ```
//!
//! ## Fix safety
//!
//! Safe: only profiling stops.

use super::super::prelude::*;
use super::component;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apiserver-profiling",
        title: "kube-apiserver must not serve profiling data",
        severity: Severity::Low,
        controls: &[Control::Runtime],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "1.2.18",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_90",
            },
        ],
        fix: "Add `--profiling=false` to kube-apiserver's command.",
    },
    check: Check::Object(Subjects::Component("kube-apiserver"), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(apiserver) = component(object, "kube-apiserver") else {
        return;
    };
    match apiserver.get("profiling") {
        Some(flag) if flag.value == Some("false") => {}
        Some(flag) => out.report(
            flag.pos,
            flag.field.clone(),
            None,
            "kube-apiserver serves profiling data (`--profiling` is on)".to_string(),
        ),
        None => out.report(
            apiserver.anchor,
            apiserver.anchor_field.clone(),
            None,
            "kube-apiserver serves profiling data (`--profiling` is not set; it defaults to true)".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn apiserver(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - /usr/local/bin/kube-apiserver\n{flags}"
        )
    }

    #[test]
    fn fires_when_on_or_unset() {
        let findings = run(&super::RULE, &apiserver("    - --profiling\n"));
        assert_findings(&findings, &[(9, "spec.containers[0].command[1]")]);
        let findings = run(&super::RULE, &apiserver(""));
        assert_findings(&findings, &[(7, "spec.containers[0].command")]);
    }

    #[test]
    fn quiet_when_off() {
        assert_quiet(&super::RULE, &apiserver("    - --profiling=false\n"));
    }
}
