//! ## What it checks
//!
//! That every volume is of a type the restricted Pod Security Standard
//! allows: `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`,
//! `persistentVolumeClaim`, `projected`, `secret`, `image`. `hostPath` is
//! reported by `no-host-path` and `no-sensitive-host-path` instead.
//!
//! ## Why it matters
//!
//! In-tree volume types such as `nfs`, `iscsi`, `rbd`, `gitRepo` or
//! `awsElasticBlockStore` let the pod spec name storage directly, with the
//! node's credentials and kernel drivers, bypassing the storage access
//! control that PersistentVolumeClaims give. `gitRepo` even runs `git` on
//! the node.
//!
//! ## How to fix
//!
//! Create a PersistentVolume (or a CSI driver) for the storage and mount it
//! through a PersistentVolumeClaim.
//!
//! ## Example
//!
//! ```yaml
//! volumes:
//!   - name: shared
//!     persistentVolumeClaim:
//!       claimName: shared-nfs
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "restricted-volume-types",
        title: "Pods may use only the restricted volume types",
        severity: Severity::Medium,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Restricted),
        references: &[
            Reference {
                source: "PSS",
                id: "restrictedVolumes",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0028",
            },
        ],
        fix: "Mount the storage through a PersistentVolumeClaim or a CSI volume.",
    },
    check: Check::Pod(check),
};

pub const ALLOWED: &[&str] = &[
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
    "image",
];

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(volumes) = pod.field("volumes") else {
        return;
    };
    for (index, volume) in volumes.node.as_seq().iter().enumerate() {
        let name = volume.get("name").and_then(Node::as_str).unwrap_or("");
        for entry in volume.entries() {
            let key = &*entry.key;
            if key == "name" || key == "hostPath" || ALLOWED.contains(&key) || entry.value.is_null() {
                continue;
            }
            out.report(
                entry.value.pos,
                format!("{}[{index}].{key}", volumes.path),
                None,
                format!("volume `{name}` is of type `{key}`, which the restricted Pod Security Standard forbids"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_in_tree_storage_types() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n  - name: n\n    nfs: {server: s, path: /}\n  - name: g\n    gitRepo:\n      repository: r\n",
        );
        assert_findings(
            &findings,
            &[(8, "spec.volumes[0].nfs"), (10, "spec.volumes[1].gitRepo")],
        );
    }

    #[test]
    fn quiet_for_allowed_types_and_host_path() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n  - {name: a, emptyDir: {}}\n  - {name: b, projected: {sources: []}}\n  - {name: c, persistentVolumeClaim: {claimName: c}}\n  - {name: d, hostPath: {path: /var/log}}\n",
        );
    }
}
