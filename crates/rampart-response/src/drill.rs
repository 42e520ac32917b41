//! Drills: a playbook rehearsed against a synthetic victim in a sandbox namespace, timed
//! from the moment the signal is injected to the moment objective checks say the victim is
//! contained. Staging is a plan like any other (creates, each undone by a delete), so it is
//! journalled and cleaned up the same way.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::apply::Verification;
use crate::plan::{Check, ObjectRef, Plan, Step};

/// The label every object a drill makes carries, valued with the drill's id.
pub const DRILL_LABEL: &str = "rampart.dev/drill";

/// The playbooks a drill can rehearse.
pub const PLAYBOOKS: &[&str] = &[
    "credential-leak",
    "vulnerable-image",
    "ingress-exposure",
    "suspicious-egress",
    "namespace-compromise",
];

/// The image the victim runs; the vulnerable-image drill runs an older one it then blocks.
const VICTIM_IMAGE: &str =
    "registry.k8s.io/pause:3.10@sha256:ee6521f290b2168b6e0935a181d4cff9be1ac3f505666ef0e3c98fae8199917a";
pub const VULNERABLE_IMAGE: &str =
    "registry.k8s.io/pause:3.9@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097";

/// What a victim is meant to lack, waived by annotation with the drill as the reason: a
/// drill measures how fast these are cut, so they must be open when it starts.
const WORKLOAD_WAIVED: &str = "no-naked-pods,liveness-probe-set,readiness-probe-set,workload-network-policy,namespace-default-deny-egress,namespace-default-deny-ingress";
const ROLE_WAIVED: &str = "rbac-dangerous-permissions,rbac-secrets-read";

/// A drill as it stands, kept in `.rampart/drills/<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Drill {
    pub version: u32,
    pub id: String,
    pub playbook: String,
    /// The sandbox namespace.
    pub namespace: String,
    /// The incident id the response uses: `DRILL-<id>`.
    pub incident: String,
    /// Unix seconds the victim was staged and its signal injected.
    pub injected: i64,
    /// When the responder said the signal was detected (`drill detected`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<i64>,
    /// The first verification that passed whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contained: Option<i64>,
    /// What containment means for this playbook, checked against the cluster.
    pub checks: Vec<Check>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verified: Vec<Verification>,
    /// What was done for detection to see, and when.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub signal: String,
    /// Removed by `drill cleanup`.
    #[serde(default)]
    pub cleaned: bool,
}

impl Drill {
    pub fn read(path: &Path) -> Result<Drill, String> {
        let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("{}: not a drill: {error}", path.display()))
    }

    pub fn write(&self, path: &Path) -> Result<(), String> {
        if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty()) {
            std::fs::create_dir_all(folder).map_err(|error| format!("{}: {error}", folder.display()))?;
        }
        let text = serde_json::to_string_pretty(self).map_err(|error| error.to_string())? + "\n";
        std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
    }

    /// Seconds from injection to containment.
    pub fn time_to_contain(&self) -> Option<i64> {
        Some(self.contained? - self.injected)
    }

    /// The drill as the run store keeps it.
    pub fn incident_record(&self, started: Option<i64>) -> rampart_report::store::IncidentRecord {
        rampart_report::store::IncidentRecord {
            id: self.incident.clone(),
            playbook: self.playbook.clone(),
            target: format!("Namespace/{}", self.namespace),
            drill: Some(self.id.clone()),
            dry_run: false,
            declared: Some(self.injected),
            detected: self.detected,
            started,
            contained: self.contained,
            steps: 0,
            failed: 0,
            undone: false,
        }
    }

    /// The victim's service account, as an access review names it.
    pub fn victim_user(&self) -> String {
        format!("system:serviceaccount:{}:victim", self.namespace)
    }
}

fn victim_labels(id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (DRILL_LABEL.to_string(), id.to_string()),
        ("app".to_string(), "victim".to_string()),
    ])
}

/// The victim pod: bare, so a playbook can name it; a Deployment's for the vulnerable-image
/// drill, so moving it to the fixed image replaces it.
fn victim_workload(playbook: &str, namespace: &str, labels: &BTreeMap<String, String>, image: &str) -> Value {
    let annotations = json!({
        "rampart.dev/ignore": WORKLOAD_WAIVED,
        "rampart.dev/ignore-reason": "a drill victim: open until the drill's response cuts it, removed by drill cleanup"
    });
    let spec = json!({
        "serviceAccountName": "victim",
        "automountServiceAccountToken": false,
        "securityContext": {"runAsNonRoot": true, "runAsUser": 65535, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "victim", "image": image,
            "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "victim-credentials", "key": "password", "optional": true}}}],
            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "50m", "memory": "32Mi"}},
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}
        }]
    });
    if playbook == "vulnerable-image" {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "victim", "namespace": namespace, "labels": labels, "annotations": annotations},
            "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": spec}}})
    } else {
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "victim", "namespace": namespace, "labels": labels, "annotations": annotations}, "spec": spec})
    }
}

/// The victim's objects, as a plan of creates (each undone by its delete): a namespace,
/// a service account bound to a Role that reads Secrets and execs into pods, a dummy
/// Secret, a pause pod reading it, and a Service (NodePort for the exposure drill).
pub fn stage(playbook: &str, id: &str) -> Result<(Plan, Drill), String> {
    if !PLAYBOOKS.contains(&playbook) {
        return Err(format!("no playbook {playbook}: one of {}", PLAYBOOKS.join(", ")));
    }
    if id.is_empty()
        || id.len() > 40
        || !id
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-')
    {
        return Err(format!(
            "drill id {id:?}: lowercase letters, digits and dashes, at most 40"
        ));
    }
    let namespace = format!("rampart-drill-{id}");
    let labels = json!({DRILL_LABEL: id});
    let victim = victim_labels(id);
    // Reviewed by cleanup: a week is the longest a drill should stand.
    let review_by = rampart_core::Date::today().plus_days(7).to_string();
    let image = if playbook == "vulnerable-image" {
        VULNERABLE_IMAGE
    } else {
        VICTIM_IMAGE
    };
    let objects: Vec<Value> = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": {
            DRILL_LABEL: id, "pod-security.kubernetes.io/enforce": "restricted"},
            "annotations": {"rampart.dev/ignore": "namespace-default-deny-egress,namespace-default-deny-ingress",
                "rampart.dev/ignore-reason": "a drill's sandbox: its traffic is open until the drill's response cuts it"}}}),
        json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "victim", "namespace": namespace, "labels": labels},
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "50m", "memory": "32Mi"}, "defaultRequest": {"cpu": "10m", "memory": "16Mi"}}]}}),
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "victim", "namespace": namespace, "labels": labels}}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "victim", "namespace": namespace, "labels": labels,
            "annotations": {"rampart.dev/owner": "rampart-drill", "rampart.dev/review-by": review_by.clone(),
                "rampart.dev/ignore": ROLE_WAIVED, "rampart.dev/ignore-reason": "a drill victim's grants: what the drill's response must take away"}},
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]},
                      {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]}),
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "victim", "namespace": namespace, "labels": labels,
            "annotations": {"rampart.dev/owner": "rampart-drill", "rampart.dev/review-by": review_by}},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "victim"},
            "subjects": [{"kind": "ServiceAccount", "name": "victim", "namespace": namespace}]}),
        // No value: the drill needs a Secret to name, never one to hold.
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "victim-credentials", "namespace": namespace, "labels": labels}}),
        victim_workload(playbook, &namespace, &victim, image),
        json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "victim", "namespace": namespace, "labels": labels},
            "spec": {"type": if playbook == "ingress-exposure" { "NodePort" } else { "ClusterIP" },
                     "selector": victim, "ports": [{"port": 80, "targetPort": 8080}]}}),
    ];
    let steps = objects
        .into_iter()
        .enumerate()
        .map(|(index, manifest)| {
            let object = ObjectRef {
                api_version: manifest["apiVersion"].as_str().unwrap_or_default().to_string(),
                kind: manifest["kind"].as_str().unwrap_or_default().to_string(),
                namespace: manifest["metadata"]["namespace"].as_str().map(str::to_string),
                name: manifest["metadata"]["name"].as_str().unwrap_or_default().to_string(),
            };
            Step::creating(
                format!("S{}", index + 1),
                format!("Stage {}", object.describe()),
                object,
                manifest,
            )
        })
        .collect();
    let incident = format!("DRILL-{id}");
    let mut drill = Drill {
        version: 1,
        id: id.to_string(),
        playbook: playbook.to_string(),
        namespace: namespace.clone(),
        incident: incident.clone(),
        injected: 0,
        detected: None,
        contained: None,
        checks: Vec::new(),
        verified: Vec::new(),
        signal: String::new(),
        cleaned: false,
    };
    drill.checks = containment_checks(&drill);
    let plan = Plan {
        version: 1,
        incident: format!("{incident}-stage"),
        playbook: "drill-stage".to_string(),
        target: format!("Namespace/{namespace}"),
        steps,
        ..Plan::default()
    };
    Ok((plan, drill))
}

/// Makes the signal the detection rules should see, through `victim` (a client acting as
/// the victim's service account): for the credential and namespace drills, the account
/// lists its namespace's Secrets, as whoever holds its token would. Returns what was done.
pub async fn inject_signal(victim: &kube::Client, drill: &Drill) -> Result<String, String> {
    match drill.playbook.as_str() {
        "credential-leak" | "namespace-compromise" => {
            let secrets: kube::Api<k8s_openapi::api::core::v1::Secret> =
                kube::Api::namespaced(victim.clone(), &drill.namespace);
            // Only the names are wanted: the values are never kept.
            let listed = secrets
                .list_metadata(&kube::api::ListParams::default())
                .await
                .map_err(|error| format!("the victim's account could not list Secrets: {error}"))?;
            Ok(format!(
                "{} listed {} Secret{} of {} (audit-secret-list, audit-impersonation and the Secret-read rules see it)",
                drill.victim_user(),
                listed.items.len(),
                if listed.items.len() == 1 { "" } else { "s" },
                drill.namespace
            ))
        }
        "ingress-exposure" => Ok(format!(
            "Service {}/victim was created as a NodePort (audit-service-exposed sees it)",
            drill.namespace
        )),
        "vulnerable-image" => Ok(format!(
            "Deployment {}/victim runs {VULNERABLE_IMAGE} (block it: image-blocked, or your scanner's report)",
            drill.namespace
        )),
        _ => Ok("no API signal: start the traffic your egress detection watches from the victim pod".to_string()),
    }
}

/// Whether a detection names the drill: its victim's account (as the user or the one
/// impersonated), or an object of its namespace.
pub fn names_drill(drill: &Drill, finding: &rampart_core::Finding) -> bool {
    let victim = drill.victim_user();
    let by_victim = finding
        .event
        .as_ref()
        .is_some_and(|event| event.user == victim || event.impersonated_user.as_deref() == Some(victim.as_str()));
    let in_namespace = finding
        .resource
        .as_ref()
        .is_some_and(|resource| resource.namespace.as_deref() == Some(drill.namespace.as_str()));
    by_victim || in_namespace
}

/// What containment of the victim means, per playbook: objective checks against the
/// cluster, not the responder's word.
pub fn containment_checks(drill: &Drill) -> Vec<Check> {
    let namespace = drill.namespace.clone();
    let denied = |verb: &str, resource: &str| Check::Denied {
        user: drill.victim_user(),
        groups: Vec::new(),
        verb: verb.to_string(),
        group: String::new(),
        resource: resource.to_string(),
        namespace: Some(namespace.clone()),
    };
    let victim = victim_labels(&drill.id);
    let no_victim = Check::NoRunningPods {
        namespace: namespace.clone(),
        selector: format!("{DRILL_LABEL}={},app=victim", drill.id),
    };
    match drill.playbook.as_str() {
        "credential-leak" => vec![denied("get", "secrets"), denied("create", "pods/exec")],
        "namespace-compromise" => vec![
            denied("get", "secrets"),
            denied("create", "pods/exec"),
            no_victim,
            Check::Isolated {
                namespace,
                labels: victim,
                direction: "egress".to_string(),
            },
        ],
        "suspicious-egress" => {
            let mut quarantined = victim;
            quarantined.insert(crate::egress::QUARANTINE_LABEL.to_string(), drill.incident.clone());
            vec![
                Check::Isolated {
                    namespace,
                    labels: quarantined,
                    direction: "egress".to_string(),
                },
                no_victim,
            ]
        }
        "vulnerable-image" => vec![Check::ImageNotRunning {
            block: rampart_core::BlockedImage {
                image: VULNERABLE_IMAGE.to_string(),
                reason: None,
                except: Vec::new(),
            },
        }],
        _ => vec![Check::Isolated {
            namespace,
            labels: victim,
            direction: "ingress".to_string(),
        }],
    }
}

/// The response plan for the drill's victim, as `plan_command` would make it (`drill
/// start --auto`).
pub fn respond(
    drill: &Drill,
    objects: &[rampart_k8s::Object],
    inventory: &rampart_k8s::Inventory,
    enforcer: Option<crate::deny::Enforcer>,
) -> Result<Plan, String> {
    let (incident, namespace) = (drill.incident.as_str(), drill.namespace.as_str());
    match drill.playbook.as_str() {
        "credential-leak" => crate::credential::credential_leak(
            objects,
            inventory,
            incident,
            &crate::credential::Credential::Account {
                namespace: namespace.to_string(),
                name: "victim".to_string(),
            },
            crate::credential::LeakOptions::default(),
        ),
        "vulnerable-image" => {
            let block = rampart_core::BlockedImage {
                image: VULNERABLE_IMAGE.to_string(),
                reason: Some(format!("drill {}", drill.id)),
                except: vec![VICTIM_IMAGE.to_string()],
            };
            crate::vulnerable::vulnerable_image(
                objects,
                inventory,
                &crate::vulnerable::ImageTarget {
                    incident,
                    block: &block,
                    fixed: Some(VICTIM_IMAGE),
                },
            )
        }
        "ingress-exposure" => crate::exposure::ingress_exposure(
            objects,
            inventory,
            &crate::exposure::ExposureTarget {
                incident,
                exposed: crate::exposure::Exposed::Service {
                    namespace,
                    name: "victim",
                },
                allow: &[],
                ingress_namespace: None,
                hard: true,
            },
        ),
        "suspicious-egress" => crate::egress::suspicious_egress(
            objects,
            inventory,
            &crate::egress::EgressTarget {
                incident,
                namespace,
                pod: "victim",
                allow_dns: false,
                enforcer,
            },
        ),
        _ => crate::namespace::namespace_compromise(objects, inventory, incident, namespace, enforcer),
    }
}

/// The command that plans the drill's response, as the responder would run it.
pub fn plan_command(drill: &Drill, cluster: &str) -> String {
    let namespace = &drill.namespace;
    let what = match drill.playbook.as_str() {
        "credential-leak" => format!("credential-leak --service-account {namespace}/victim"),
        "vulnerable-image" => format!("vulnerable-image --image {VULNERABLE_IMAGE} --fixed {VICTIM_IMAGE}"),
        "ingress-exposure" => format!("ingress-exposure --service {namespace}/victim --hard"),
        "suspicious-egress" => format!("suspicious-egress --pod {namespace}/victim"),
        _ => format!("namespace-compromise -n {namespace}"),
    };
    format!(
        "rampart respond plan {what} --incident {}{cluster} -o incidents/{}/plan.json",
        drill.incident, drill.incident
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;

    #[test]
    fn staging_makes_a_labelled_victim_undone_by_deletes() {
        let (plan, drill) = stage("namespace-compromise", "q4-1").unwrap();
        assert_eq!(drill.namespace, "rampart-drill-q4-1");
        assert_eq!(drill.incident, "DRILL-q4-1");
        let kinds: Vec<&str> = plan
            .steps
            .iter()
            .map(|step| match &step.action {
                Action::Create { object, .. } => object.kind.as_str(),
                _ => "",
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "LimitRange",
                "ServiceAccount",
                "Role",
                "RoleBinding",
                "Secret",
                "Pod",
                "Service"
            ]
        );
        for step in &plan.steps {
            let Action::Create { manifest, .. } = &step.action else {
                panic!()
            };
            assert_eq!(manifest["metadata"]["labels"][DRILL_LABEL], "q4-1", "{manifest}");
            assert!(matches!(step.undo, Some(Action::Delete { .. })));
        }
        assert_eq!(drill.checks.len(), 4);
        assert!(matches!(&drill.checks[3], Check::Isolated { direction, .. } if direction == "egress"));
        let (_, exposure) = stage("ingress-exposure", "x").unwrap();
        assert!(matches!(&exposure.checks[0], Check::Isolated { direction, .. } if direction == "ingress"));
        assert!(stage("tabletop", "x").is_err());
        assert!(stage("namespace-compromise", "Bad Id").is_err());
        assert_eq!(
            plan_command(&drill, " --context staging"),
            "rampart respond plan namespace-compromise -n rampart-drill-q4-1 --incident DRILL-q4-1 --context staging -o incidents/DRILL-q4-1/plan.json"
        );
    }
}
