//! After containment, the permanent follow-ups: files ready for a pull request that keep
//! the incident from happening again (a NetworkPolicy, a Namespace with Pod Security,
//! the RBAC that was removed, the image block, the rules to make non-waivable) and the
//! rotation checklist. Containment is temporary and undone after eradication; these stay.

use serde_json::{Value, json};

use crate::plan::{Action, Plan};

/// One file of the follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardenFile {
    pub name: String,
    /// What it is for, in a line (the README lists it).
    pub purpose: String,
    pub content: String,
}

/// The namespace a plan's target names (`Pod/shop/web`, `Namespace/shop`,
/// `Service/shop/web`), or the namespace of its first namespaced step.
fn namespace_of(plan: &Plan) -> Option<String> {
    let parts: Vec<&str> = plan.target.split('/').collect();
    match parts.as_slice() {
        ["Namespace", namespace] => Some(namespace.to_string()),
        [_, namespace, _] => Some(namespace.to_string()),
        _ => None,
    }
}

fn yaml(documents: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    for document in documents {
        out.push_str("---\n");
        out.push_str(&yaml_serde::to_string(document).map_err(|error| error.to_string())?);
    }
    Ok(out)
}

/// Default-deny for `namespace` (`types`: Ingress, Egress), egress to kube-dns kept.
fn default_deny(namespace: &str, incident: &str, types: &[&str]) -> Vec<Value> {
    let mut documents = vec![json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny", "namespace": namespace, "annotations": {"rampart.dev/incident": incident}},
        "spec": {"podSelector": {}, "policyTypes": types}
    })];
    if types.contains(&"Egress") {
        documents.push(json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "allow-dns", "namespace": namespace, "annotations": {"rampart.dev/incident": incident}},
            "spec": {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{
                    "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
                }]
            }
        }));
    }
    documents
}

/// The bindings the plan took identities out of, as they were: to remove from the
/// repository that deploys them, or they come back.
fn removed_rbac(plan: &Plan) -> Option<String> {
    let mut out = String::new();
    for step in &plan.steps {
        let is_binding = |kind: &str| matches!(kind, "RoleBinding" | "ClusterRoleBinding");
        match (&step.action, &step.undo) {
            (Action::Delete { object }, Some(Action::Create { manifest, .. })) if is_binding(&object.kind) => {
                out.push_str(&format!(
                    "- delete {} (step {}):\n\n```yaml\n{}```\n\n",
                    object.describe(),
                    step.id,
                    yaml_serde::to_string(manifest).ok()?
                ));
            }
            (Action::Patch { object, patch }, Some(Action::Patch { patch: before, .. }))
                if is_binding(&object.kind) =>
            {
                out.push_str(&format!(
                    "- narrow {} (step {}) to these subjects:\n\n```yaml\n{}```\n  it had:\n\n```yaml\n{}```\n\n",
                    object.describe(),
                    step.id,
                    yaml_serde::to_string(&patch["subjects"]).ok()?,
                    yaml_serde::to_string(&before["subjects"]).ok()?
                ));
            }
            _ => {}
        }
    }
    (!out.is_empty()).then(|| {
        format!(
            "# RBAC removed during {}\n\nThe response removed these grants from the cluster. Remove them from the repository that deploys them too, or the next deploy restores them.\n\n{out}",
            plan.incident
        )
    })
}

fn rotation_checklist(plan: &Plan) -> Option<String> {
    if plan.rotate.is_empty() {
        return None;
    }
    let mut out = format!(
        "# Rotation checklist for {}\n\nRotate each at its source (the database, the provider, the registry), then update its Secret. Environment variables and subPath mounts never see a new value: restart what reads them.\n\n",
        plan.incident
    );
    for rotation in &plan.rotate {
        out.push_str(&format!("- [ ] {} ({})\n", rotation.credential, rotation.why));
        for consumer in &rotation.consumers {
            out.push_str(&format!(
                "  - [ ] {} reads it ({}){}\n",
                consumer.workload,
                consumer.via,
                if consumer.restart { ": restart it after" } else { "" }
            ));
        }
    }
    Some(out)
}

/// rampart.toml lines that make the rules that would have caught it non-waivable.
fn rules_file(plan: &Plan, rules: &[&str], block: Option<String>) -> HardenFile {
    let quoted: Vec<String> = rules.iter().map(|rule| format!("{rule:?}")).collect();
    let mut content = format!(
        "# rampart.toml additions after {} ({}).\n# These rules would have caught it; no annotation, exception or baseline may silence them.\n# Merge into an existing non-waivable list.\nnon-waivable = [{}]\n",
        plan.incident,
        plan.playbook,
        quoted.join(", ")
    );
    if let Some(block) = block {
        content.push('\n');
        content.push_str(&block);
    }
    HardenFile {
        name: "rampart.toml.add".to_string(),
        purpose: "rules to make non-waivable (and the image block) in rampart.toml".to_string(),
        content,
    }
}

/// The follow-up files for a contained incident's plan.
pub fn harden(plan: &Plan) -> Result<Vec<HardenFile>, String> {
    let incident = plan.incident.as_str();
    let namespace = namespace_of(plan);
    let mut files = Vec::new();
    match plan.playbook.as_str() {
        "suspicious-egress" => {
            let namespace = namespace.ok_or("the plan names no namespace")?;
            files.push(HardenFile {
                name: "networkpolicy.yaml".to_string(),
                purpose: format!("default-deny egress for {namespace} (DNS kept); add the egress each workload needs"),
                content: yaml(&default_deny(&namespace, incident, &["Egress"]))?,
            });
            files.push(rules_file(
                plan,
                &[
                    "namespace-default-deny-egress",
                    "network-policy-internet-egress",
                    "workload-network-policy",
                ],
                None,
            ));
        }
        "namespace-compromise" => {
            let namespace = namespace.ok_or("the plan names no namespace")?;
            files.push(HardenFile {
                name: "networkpolicy.yaml".to_string(),
                purpose: format!("default-deny ingress and egress for {namespace} (DNS kept)"),
                content: yaml(&default_deny(&namespace, incident, &["Ingress", "Egress"]))?,
            });
            files.push(HardenFile {
                name: "namespace.yaml".to_string(),
                purpose: format!("{namespace} with the restricted Pod Security profile enforced"),
                content: yaml(&[json!({
                    "apiVersion": "v1",
                    "kind": "Namespace",
                    "metadata": {"name": namespace, "labels": {
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/warn": "restricted"
                    }}
                })])?,
            });
            files.push(rules_file(
                plan,
                &[
                    "namespace-pss-enforce",
                    "namespace-default-deny-ingress",
                    "namespace-default-deny-egress",
                    "rbac-secrets-read",
                    "no-automount-sa-token",
                ],
                None,
            ));
        }
        "credential-leak" => {
            if let Some(principal) = &plan.identity
                && let Some(account) = principal.user.strip_prefix("system:serviceaccount:")
                && let Some((namespace, name)) = account.split_once(':')
            {
                files.push(HardenFile {
                    name: "serviceaccount.yaml".to_string(),
                    purpose: format!("{namespace}/{name} without an automatically mounted token"),
                    content: yaml(&[json!({
                        "apiVersion": "v1",
                        "kind": "ServiceAccount",
                        "metadata": {"name": name, "namespace": namespace},
                        "automountServiceAccountToken": false
                    })])?,
                });
            }
            files.push(rules_file(
                plan,
                &[
                    "no-literal-secret-env",
                    "no-secret-in-manifest",
                    "no-service-account-token-secret",
                    "rbac-secrets-read",
                ],
                None,
            ));
        }
        "vulnerable-image" => {
            let mut documents = Vec::new();
            let mut block = None;
            for step in &plan.steps {
                match &step.action {
                    Action::Create { object, manifest } if object.kind.starts_with("ValidatingAdmissionPolicy") => {
                        documents.push(manifest.clone());
                    }
                    Action::Manual { instruction } if step.id == "B4.3" => {
                        block = instruction.split_once('\n').map(|(_, toml)| toml.to_string());
                    }
                    _ => {}
                }
            }
            if !documents.is_empty() {
                files.push(HardenFile {
                    name: "validatingadmissionpolicy.yaml".to_string(),
                    purpose: "the admission policy refusing the image, kept after the incident".to_string(),
                    content: yaml(&documents)?,
                });
            }
            files.push(rules_file(
                plan,
                &["image-blocked", "image-digest-pinned", "image-tag-not-latest"],
                block,
            ));
        }
        "ingress-exposure" => {
            let mut documents = Vec::new();
            for step in &plan.steps {
                if let Action::Create { object, manifest } = &step.action
                    && object.kind == "NetworkPolicy"
                {
                    let mut manifest = manifest.clone();
                    manifest["metadata"]["name"] =
                        json!(object.name.replace("rampart-ingress-", "ingress-from-controller-"));
                    documents.push(manifest);
                }
            }
            if !documents.is_empty() {
                files.push(HardenFile {
                    name: "networkpolicy.yaml".to_string(),
                    purpose: "traffic to the exposed pods only from the ingress controller".to_string(),
                    content: yaml(&documents)?,
                });
            }
            files.push(rules_file(
                plan,
                &[
                    "service-loadbalancer-restricted",
                    "service-no-nodeport",
                    "service-external-ips",
                    "ingress-tls",
                ],
                None,
            ));
        }
        other => return Err(format!("no follow-up known for playbook {other}")),
    }
    if let Some(rbac) = removed_rbac(plan) {
        files.push(HardenFile {
            name: "rbac-removed.md".to_string(),
            purpose: "the grants the response removed: remove them from the repository too".to_string(),
            content: rbac,
        });
    }
    if let Some(checklist) = rotation_checklist(plan) {
        files.push(HardenFile {
            name: "rotation-checklist.md".to_string(),
            purpose: "every credential to rotate, with what reads it".to_string(),
            content: checklist,
        });
    }
    let mut readme = format!(
        "# Follow-up to {incident} ({})\n\nContainment is undone after eradication (`rampart respond undo`); these files keep it from happening again. Open a pull request with them:\n\n",
        plan.playbook
    );
    for file in &files {
        readme.push_str(&format!("- `{}`: {}\n", file.name, file.purpose));
    }
    files.insert(
        0,
        HardenFile {
            name: "README.md".to_string(),
            purpose: "what each file is for".to_string(),
            content: readme,
        },
    );
    Ok(files)
}
