//! ## What it checks
//!
//! That every long-running container has a `livenessProbe`. Jobs, CronJobs,
//! init containers and ephemeral containers are not checked: they are meant
//! to exit.
//!
//! ## Why it matters
//!
//! Without a liveness probe a process that hangs (deadlock, exhausted pool)
//! stays in rotation forever: the kubelet only restarts containers that exit
//! or fail their liveness probe.
//!
//! ## How to fix
//!
//! Add an HTTP, gRPC, TCP or exec probe that checks the process can do its
//! work (keep it cheap, and independent of downstream services).
//!
//! ## Example
//!
//! ```yaml
//! livenessProbe:
//!   httpGet:
//!     path: /healthz
//!     port: 8080
//!   periodSeconds: 10
//! ```

use super::super::prelude::*;
use super::check_probe;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "liveness-probe-set",
        title: "Containers must have a liveness probe",
        severity: Severity::Low,
        controls: &[Control::Workload],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_K8S_8",
            },
            Reference {
                source: "kube-linter",
                id: "no-liveness-probe",
            },
            Reference {
                source: "Polaris",
                id: "livenessProbeMissing",
            },
        ],
        fix: "Add a `livenessProbe` to the container.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    check_probe(pod, "livenessProbe", out);
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_long_running_containers_only() {
        let findings = run(
            &super::RULE,
            "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: s}\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: i\n      containers:\n      - name: a\n        livenessProbe: {tcpSocket: {port: 80}}\n      - name: b\n        image: x\n",
        );
        assert_findings(&findings, &[(12, "spec.template.spec.containers[1].livenessProbe")]);
    }

    #[test]
    fn quiet_for_jobs_and_probed_containers() {
        assert_quiet(
            &super::RULE,
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      containers: [{name: a}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    livenessProbe: {exec: {command: [true]}}\n",
        );
    }
}
