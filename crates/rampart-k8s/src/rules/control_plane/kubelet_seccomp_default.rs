//! ## What it checks
//!
//! That a `KubeletConfiguration` sets `seccompDefault: true`, so every
//! container that names no seccomp profile runs with the container
//! runtime's default one instead of none.
//!
//! ## Why it matters
//!
//! Without it a pod that says nothing about seccomp runs `Unconfined`:
//! every system call is open to it, including the ones most container
//! escapes use (`unshare`, `keyctl`, `bpf`, `mount`). The Pod Security
//! `restricted` level asks each pod to set a profile; the kubelet default
//! covers the pods that do not (those of other teams, of charts, of
//! `kubectl run`). Generally available since Kubernetes 1.27.
//!
//! ## How to fix
//!
//! Set `seccompDefault: true` and roll the nodes; test workloads that
//! make unusual system calls first (debuggers, some JVM and database
//! tuning).
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! seccompDefault: true
//! ```
//!
//! ## Fix safety
//!
//! A container that needs a system call the runtime's default profile
//! blocks fails with `EPERM` until its pod asks for another profile.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubelet-seccomp-default",
        title: "The kubelet gives unconfined containers a seccomp profile",
        severity: Severity::Low,
        controls: &[Control::Runtime],
        pss: None,
        references: &[],
        fix: "Set `seccompDefault: true` in the KubeletConfiguration.",
    },
    check: Check::Object(Subjects::Kinds(super::KUBELET_CONFIGURATIONS), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !super::is_kubelet_configuration(object) {
        return;
    }
    match object.root.get("seccompDefault") {
        Some(setting) if setting.as_bool() == Some(true) => {}
        Some(setting) => out.report(
            setting.pos,
            "seccompDefault".to_string(),
            None,
            "containers without a seccomp profile run unconfined (`seccompDefault` is not true)".to_string(),
        ),
        None => out.report(
            object.root.pos,
            "seccompDefault".to_string(),
            None,
            "containers without a seccomp profile run unconfined (`seccompDefault` is not set; it defaults to false)"
                .to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const HEAD: &str = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

    #[test]
    fn fires_when_not_on() {
        assert_findings(
            &run(&super::RULE, &format!("{HEAD}seccompDefault: false\n")),
            &[(3, "seccompDefault")],
        );
        assert_findings(&run(&super::RULE, HEAD), &[(1, "seccompDefault")]);
    }

    #[test]
    fn quiet_when_on() {
        assert_quiet(&super::RULE, &format!("{HEAD}seccompDefault: true\n"));
    }
}
