//! ## What it checks
//!
//! That kube-apiserver, when it writes its audit log to a file
//! (`--audit-log-path`), keeps enough of it: `--audit-log-maxage` of 30
//! days or more (CIS 1.2.17), `--audit-log-maxbackup` of 10 files or more
//! (1.2.18) and `--audit-log-maxsize` of 100 MB or more (1.2.19). Unset,
//! retention is left to the defaults and to whoever cleans the node's
//! disk; the CIS values make it explicit. A log sent to a webhook only, or
//! to standard output (`-`), is not judged.
//!
//! ## Why it matters
//!
//! Intrusions are found weeks after they start; an audit log rotated away
//! after a day or two holds nothing of the first steps by then.
//!
//! ## How to fix
//!
//! Add the three flags with at least the CIS values, and ship the file to
//! storage that keeps it longer.
//!
//! ## Example
//!
//! ```yaml
//! - --audit-log-maxage=30
//! - --audit-log-maxbackup=10
//! - --audit-log-maxsize=100
//! ```
//!
//! ## Fix safety
//!
//! The control-plane node keeps up to `maxbackup × maxsize` of logs: check
//! its disk.

use super::super::prelude::*;
use super::component;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apiserver-audit-retention",
        title: "kube-apiserver keeps its audit log long enough",
        severity: Severity::Low,
        controls: &[Control::Detection],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "1.2.17",
            },
            Reference {
                source: "CIS",
                id: "1.2.18",
            },
            Reference {
                source: "CIS",
                id: "1.2.19",
            },
        ],
        fix: "Set --audit-log-maxage=30, --audit-log-maxbackup=10 and --audit-log-maxsize=100 or more.",
    },
    check: Check::Object(Subjects::Component("kube-apiserver"), check),
};

/// (flag, least value, unit).
const RETENTION: &[(&str, i64, &str)] = &[
    ("audit-log-maxage", 30, "days"),
    ("audit-log-maxbackup", 10, "files"),
    ("audit-log-maxsize", 100, "MB"),
];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(apiserver) = component(object, "kube-apiserver") else {
        return;
    };
    // `-` writes to standard out, which the container runtime rotates.
    if apiserver
        .get("audit-log-path")
        .and_then(|flag| flag.value)
        .is_none_or(|path| path.is_empty() || path == "-")
    {
        return;
    }
    for (name, least, unit) in RETENTION {
        match apiserver.get(name) {
            Some(flag) => {
                let value = flag.value.and_then(|value| value.parse::<i64>().ok());
                if value.is_none_or(|value| value < *least) {
                    out.report(
                        flag.pos,
                        flag.field.clone(),
                        None,
                        format!(
                            "kube-apiserver sets `--{name}={}`: fewer than {least} {unit} of audit log are kept",
                            flag.value.unwrap_or("")
                        ),
                    );
                }
            }
            None => out.report(
                apiserver.anchor,
                apiserver.anchor_field.clone(),
                None,
                format!("kube-apiserver does not set `--{name}` (at least {least} {unit})"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn apiserver(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n{flags}"
        )
    }

    #[test]
    fn fires_on_short_or_missing_retention() {
        let findings = run(
            &super::RULE,
            &apiserver(
                "    - --audit-log-path=/var/log/audit.log\n    - --audit-log-maxage=7\n    - --audit-log-maxbackup=10\n",
            ),
        );
        assert_findings(
            &findings,
            &[(7, "spec.containers[0].command"), (10, "spec.containers[0].command[2]")],
        );
        assert!(findings[0].message.contains("`--audit-log-maxsize`"));
        assert!(findings[1].message.contains("fewer than 30 days"));
    }

    #[test]
    fn quiet_with_cis_values_or_without_a_log_file() {
        assert_quiet(
            &super::RULE,
            &apiserver(
                "    - --audit-log-path=/var/log/audit.log\n    - --audit-log-maxage=30\n    - --audit-log-maxbackup=10\n    - --audit-log-maxsize=100\n",
            ),
        );
        assert_quiet(
            &super::RULE,
            &apiserver("    - --audit-webhook-config-file=/etc/kubernetes/webhook.yaml\n"),
        );
        assert_quiet(&super::RULE, &apiserver("    - --audit-log-path=-\n"));
    }
}
