//! ## What it checks
//!
//! In a cluster audit of every namespace, that each Secret is named by
//! something: a pod or workload (volumes, projected volumes, CSI and other
//! volume sources' secret references, `env[].valueFrom.secretKeyRef`,
//! `envFrom[].secretRef`, `imagePullSecrets`), a ServiceAccount (`secrets`,
//! `imagePullSecrets`), an Ingress (`spec.tls[].secretName`, and
//! annotations ending in `-secret` such as ingress-nginx's `auth-secret`),
//! a PersistentVolume (`spec.csi.nodePublishSecretRef`, `spec.rbd.secretRef`
//! and the other volume sources' secret references) or a StorageClass (its
//! `*secret-name` / `*SecretName` / `secretName` parameters with their
//! namespaces). Where the namespace holds custom resources, the finding
//! says one of them may name the Secret.
//! Secrets that controllers consume by design are not judged: those with an
//! owner reference, service-account tokens (their own rule), Helm release
//! records, bootstrap tokens, cert-manager's certificates; nor are the
//! `kube-*` namespaces, whose Secrets the control plane reads by flag. An
//! audit limited to some namespaces (`-n`) does not judge it, nor does a
//! repository's scan.
//!
//! ## Why it matters
//!
//! The articles list "leaving old secrets in clusters after rotating
//! credentials" among the common mistakes: a credential nothing mounts is
//! usually one that was replaced, and it stays readable by anyone who may
//! read Secrets in the namespace, long after anyone remembers it is there.
//!
//! ## How to fix
//!
//! Confirm nothing outside what Rampart reads uses it (an operator's custom
//! resource, a CI job reading it through the API), revoke the credential
//! at its source if it is an old one, and delete the Secret.
//!
//! ## Example
//!
//! ```sh
//! kubectl -n shop delete secret db-credentials-2023
//! ```
//!
//! ## Fix safety
//!
//! A custom resource (an operator's, a Gateway's certificate reference) may
//! name a Secret this rule cannot see; deleting it breaks that consumer.

use crate::cluster_facts::ANY_NAMESPACE;

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "secret-unused",
        title: "Secrets nothing refers to should be deleted",
        severity: Severity::Low,
        controls: &[Control::Secrets],
        pss: None,
        references: &[],
        fix: "Revoke the credential if it was replaced, and delete the Secret once nothing outside Rampart's view uses it.",
    },
    check: Check::Inventory(Subjects::InCluster(SECRETS), check),
};

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    // A partial view, or one where no pod could be read, cannot tell.
    if !context.config.cluster || !context.config.cluster_namespaces.is_empty() || inventory.workloads.is_empty() {
        return;
    }
    let facts = &inventory.cluster;
    for secret in &facts.secrets {
        let referred = |namespace: &str| {
            facts
                .secret_references
                .contains(&(namespace.to_string(), secret.name.clone()))
        };
        if secret.managed
            || secret.namespace.starts_with("kube-")
            || referred(&secret.namespace)
            || referred(ANY_NAMESPACE)
        {
            continue;
        }
        let operators = if inventory.custom_resource_namespaces.contains(&secret.namespace) {
            " (a custom resource of the namespace may: check its operator before deleting)"
        } else {
            ""
        };
        out.report(
            &secret.site,
            secret.site.pos,
            "metadata.name".to_string(),
            format!(
                "Secret {}/{}: no pod, ServiceAccount, Ingress, PersistentVolume or StorageClass refers to it{operators}",
                secret.namespace, secret.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const OBJECTS: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: db-2023, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: pull, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: tls, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: basic-auth, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: files, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: sh.helm.release.v1.web.v3\n  namespace: shop\n  labels: {owner: helm}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: web-token\n  namespace: shop\n  annotations: {kubernetes.io/service-account.name: web}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: generated\n  namespace: shop\n  ownerReferences: [{apiVersion: v1, kind: Foo, name: x, uid: u, controller: true}]\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: kubeadm-certs, namespace: kube-system}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\nimagePullSecrets: [{name: pull}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: web\n  namespace: shop\n  annotations: {nginx.ingress.kubernetes.io/auth-secret: basic-auth}\nspec:\n  tls: [{hosts: [shop.example.com], secretName: tls}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      serviceAccountName: web\n      volumes:\n      - name: files\n        projected:\n          sources: [{secret: {name: files}}]\n      containers:\n      - name: web\n        image: web:1\n        env:\n        - name: DB\n          valueFrom: {secretKeyRef: {name: db, key: url}}\n";

    #[test]
    fn fires_on_a_secret_nothing_refers_to() {
        let findings = run_with(&super::RULE, OBJECTS, &in_cluster(&[]));
        assert_findings(&findings, &[(7, "metadata.name")]);
        assert_eq!(
            findings[0].message,
            "Secret shop/db-2023: no pod, ServiceAccount, Ingress, PersistentVolume or StorageClass refers to it"
        );
    }

    #[test]
    fn storage_classes_and_volumes_refer_to_their_credentials() {
        let storage = "---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: ceph}\nprovisioner: rbd.csi.ceph.com\nparameters:\n  csi.storage.k8s.io/provisioner-secret-name: csi-provisioner\n  csi.storage.k8s.io/provisioner-secret-namespace: ceph\n  csi.storage.k8s.io/node-stage-secret-name: csi-node\n  csi.storage.k8s.io/node-stage-secret-namespace: ${pvc.namespace}\n  adminSecretName: legacy-admin\n  adminSecretNamespace: kube-public\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: data}\nspec:\n  csi: {driver: x, volumeHandle: h, nodePublishSecretRef: {name: csi-publish, namespace: ceph}}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: csi-provisioner, namespace: ceph}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: csi-publish, namespace: ceph}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: csi-node, namespace: ceph}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: old-key, namespace: ceph}\n---\napiVersion: example.com/v1\nkind: Cluster\nmetadata: {name: c, namespace: ceph}\n";
        let findings = run_with(&super::RULE, &format!("{OBJECTS}{storage}"), &in_cluster(&[]));
        let unused: Vec<&str> = findings.iter().map(|f| f.message.as_str()).collect();
        // `${pvc.namespace}` is each claim's: csi-node counts wherever it is.
        assert_eq!(
            unused,
            [
                "Secret shop/db-2023: no pod, ServiceAccount, Ingress, PersistentVolume or StorageClass refers to it",
                "Secret ceph/old-key: no pod, ServiceAccount, Ingress, PersistentVolume or StorageClass refers to it (a custom resource of the namespace may: check its operator before deleting)",
            ]
        );
    }

    #[test]
    fn quiet_in_a_repository_in_a_partial_audit_and_when_referred_to() {
        assert_quiet(&super::RULE, OBJECTS);
        assert!(run_with(&super::RULE, OBJECTS, &in_cluster(&["shop"])).is_empty());
        let referred = OBJECTS.replace("name: DB\n", "name: DB\n        - name: OLD\n          valueFrom: {secretKeyRef: {name: db-2023, key: url}}\n        - name: DB2\n");
        assert!(run_with(&super::RULE, &referred, &in_cluster(&[])).is_empty());
    }
}
