//! ## What it checks
//!
//! That `seLinuxOptions` (pod or container) sets no `user` or `role`, and a
//! `type` only among `container_t`, `container_init_t`, `container_kvm_t` and
//! `container_engine_t`.
//!
//! ## Why it matters
//!
//! SELinux confines containers to the `container_t` domain. A custom type
//! such as `spc_t` ("super privileged container") or a custom user or role
//! lifts that confinement. The Pod Security Standards baseline forbids it.
//!
//! ## How to fix
//!
//! Remove `user`, `role` and any other `type`; set only `level` if you need
//! multi-category separation.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   seLinuxOptions:
//!     level: "s0:c123,c456"
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "selinux-options-restricted",
        title: "SELinux options must not lift container confinement",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "seLinuxOptions",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0025",
            },
        ],
        fix: "Remove the SELinux `user`, `role` and custom `type`; keep only `level` if needed.",
    },
    check: Check::Pod(check),
};

pub const ALLOWED_TYPES: &[&str] = &[
    "container_t",
    "container_init_t",
    "container_kvm_t",
    "container_engine_t",
];

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(options) = pod.security_field("seLinuxOptions") {
        check_options(options.node, &options.path, None, "pod", out);
    }
    for container in pod.containers() {
        if let Some(options) = container.security_field("seLinuxOptions") {
            check_options(options.node, &options.path, Some(container), &container.describe(), out);
        }
    }
}

fn check_options(options: &Node, path: &str, container: Option<&Container<'_>>, who: &str, out: &mut Reporter<'_>) {
    if let Some(kind) = options.get("type")
        && let Some(value) = kind.as_str()
        && !value.is_empty()
        && !ALLOWED_TYPES.contains(&value)
    {
        out.report(
            kind.pos,
            format!("{path}.type"),
            container,
            format!("{who} sets SELinux type `{value}`"),
        );
    }
    for key in ["user", "role"] {
        if let Some(node) = options.get(key)
            && let Some(value) = node.as_str()
            && !value.is_empty()
        {
            out.report(
                node.pos,
                format!("{path}.{key}"),
                container,
                format!("{who} sets SELinux {key} `{value}`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_custom_type_user_and_role() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    seLinuxOptions:\n      type: spc_t\n  containers:\n  - name: a\n    securityContext:\n      seLinuxOptions: {user: system_u, role: sysadm_r}\n",
        );
        assert_findings(
            &findings,
            &[
                (7, "spec.securityContext.seLinuxOptions.type"),
                (11, "spec.containers[0].securityContext.seLinuxOptions.user"),
                (11, "spec.containers[0].securityContext.seLinuxOptions.role"),
            ],
        );
    }

    #[test]
    fn quiet_for_allowed_types_and_levels() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {seLinuxOptions: {type: container_t, level: \"s0:c1,c2\"}}\n  containers:\n  - name: a\n    securityContext: {seLinuxOptions: {type: container_init_t}}\n",
        );
    }
}
