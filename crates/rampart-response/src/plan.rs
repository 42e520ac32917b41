//! A containment plan: what to do, in order, and how to undo it. Serialised as `plan.json`
//! for `rampart respond apply`, and printed for the responder.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The object a step acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    /// `Pod/shop/web-1`, `NetworkPolicy/shop/rampart-quarantine-inc-1`.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(namespace) => format!("{}/{namespace}/{}", self.kind, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// One write (or read) a step makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Action {
    /// Read and keep what would be lost (logs of every container, the previous ones too,
    /// the object's events), into the incident's evidence.
    Capture {
        object: ObjectRef,
        what: Vec<String>,
    },
    /// A JSON merge patch (RFC 7386): `null` removes a key.
    Patch {
        object: ObjectRef,
        patch: Value,
    },
    /// Create this object.
    Create {
        object: ObjectRef,
        manifest: Value,
    },
    Delete {
        object: ObjectRef,
    },
    /// Something only a person can do, and how.
    Manual {
        instruction: String,
    },
}

impl Action {
    /// The verb and resource RBAC must allow for it (`patch`, `pods`), if it writes.
    pub fn permission(&self) -> Option<(&'static str, String)> {
        let (verb, object) = match self {
            // Logs are their own subresource, with their own grant.
            Action::Capture { .. } => return Some(("get", "pods/log".to_string())),
            Action::Patch { object, .. } => ("patch", object),
            Action::Create { object, .. } => ("create", object),
            Action::Delete { object } => ("delete", object),
            Action::Manual { .. } => return None,
        };
        Some((verb, resource_of(&object.kind)))
    }

    /// What it does, in a line.
    pub fn describe(&self) -> String {
        match self {
            Action::Capture { object, what } => format!("capture {} of {}", what.join(", "), object.describe()),
            Action::Patch { object, patch } => format!("patch {} with {patch}", object.describe()),
            Action::Create { object, .. } => format!("create {}", object.describe()),
            Action::Delete { object } => format!("delete {}", object.describe()),
            Action::Manual { instruction } => instruction.clone(),
        }
    }
}

/// The plural resource of a kind, as RBAC and the API paths name it.
pub(crate) fn resource_of(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    match lower.strip_suffix('y') {
        // NetworkPolicy, ValidatingAdmissionPolicy.
        Some(stem) => format!("{stem}ies"),
        None => format!("{lower}s"),
    }
}

/// An objective check that containment holds, run against the cluster by `respond verify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "kebab-case")]
pub enum Check {
    /// The object is there (the deny policy, the quota).
    Exists { object: ObjectRef },
    /// No pod of `namespace` matching `selector` (`key=value,...`; empty: every pod) is
    /// running or about to.
    NoRunningPods { namespace: String, selector: String },
    /// The object is gone (a deleted token Secret, the pod a token was bound to).
    Gone { object: ObjectRef },
    /// A NetworkPolicy selecting pods with these labels governs `direction` (`ingress` or
    /// `egress`), and no policy selecting them lets that direction reach outside the
    /// cluster (anywhere, or an address block).
    Isolated {
        namespace: String,
        labels: std::collections::BTreeMap<String, String>,
        direction: String,
    },
    /// A field of the object (a JSON pointer) has this value; a missing field is `null`.
    Field {
        object: ObjectRef,
        pointer: String,
        equals: Value,
    },
    /// No pod runs the blocked image, by the image it names or the digest it pulled.
    ImageNotRunning { block: rampart_core::BlockedImage },
    /// An access review says the identity may no longer do this.
    Denied {
        /// `system:serviceaccount:<namespace>:<name>`, or a user's name.
        user: String,
        /// The groups asked with it; a service account's are implied.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        groups: Vec<String>,
        verb: String,
        group: String,
        resource: String,
        namespace: Option<String>,
    },
}

impl Check {
    pub fn describe(&self) -> String {
        match self {
            Check::Exists { object } => format!("{} exists", object.describe()),
            Check::Gone { object } => format!("{} is gone", object.describe()),
            Check::ImageNotRunning { block } => format!("no pod runs {}", block.image),
            Check::Isolated {
                namespace,
                labels,
                direction,
            } => format!(
                "{direction} of pods of {namespace} labelled {} is cut off from outside the cluster",
                labels
                    .iter()
                    .map(|(key, value)| format!("{key}={value}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Check::Field {
                object,
                pointer,
                equals,
            } => format!("{} has {pointer} = {equals}", object.describe()),
            Check::NoRunningPods { namespace, selector } if selector.is_empty() => {
                format!("no pod of {namespace} runs")
            }
            Check::NoRunningPods { namespace, selector } => format!("no pod of {namespace} labelled {selector} runs"),
            Check::Denied {
                user,
                verb,
                resource,
                namespace,
                ..
            } => format!(
                "{user} may not {verb} {resource}{}",
                namespace
                    .as_deref()
                    .map(|namespace| format!(" in {namespace}"))
                    .unwrap_or_default()
            ),
        }
    }
}

/// Whose approval a step needs, as rampart.toml's `[response]` names the owners: who may
/// isolate workloads, who may revoke and rotate credentials, who may shut services down.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Approval {
    /// Reading only (a capture).
    #[default]
    None,
    Isolate,
    Revoke,
    Shutdown,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// The playbook's step id (`D2`), as the runbook numbers it.
    pub id: String,
    pub title: String,
    pub action: Action,
    /// What undoes it (`None`: nothing can, as for a capture or a deleted pod).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo: Option<Action>,
    /// Whether it interrupts the workload (a responder confirms these).
    pub disruptive: bool,
    /// Subjects the cluster's RBAC lets make the write (`User alice`,
    /// `ServiceAccount ops/responder`), from the objects read.
    pub who_can: Vec<String>,
    #[serde(default)]
    pub approval: Approval,
    /// Who approves it, from rampart.toml's `[response]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<String>,
}

impl Step {
    /// A step that creates `manifest` as `object`, undone by deleting it, asking nobody.
    pub fn creating(id: String, title: String, object: ObjectRef, manifest: Value) -> Step {
        Step::new(
            &id,
            title,
            (
                Action::Create {
                    object: object.clone(),
                    manifest,
                },
                Some(Action::Delete { object }),
            ),
            false,
            Vec::new(),
            Approval::None,
        )
    }

    /// A step whose approver is named later (`Plan::assign_approvers`).
    pub fn new(
        id: &str,
        title: String,
        (action, undo): (Action, Option<Action>),
        disruptive: bool,
        who_can: Vec<String>,
        approval: Approval,
    ) -> Step {
        Step {
            id: id.to_string(),
            title,
            action,
            undo,
            disruptive,
            who_can,
            approval,
            approver: None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The plan format's version.
    pub version: u32,
    pub incident: String,
    pub playbook: String,
    /// What the plan contains: `Pod/shop/web-1`.
    pub target: String,
    pub steps: Vec<Step>,
    /// What the responder must know: policies that still allow the traffic, connections a
    /// policy may not cut.
    pub notes: Vec<String>,
    /// The checks that say containment holds, as a responder reads them.
    pub verify: Vec<String>,
    /// The same, as `respond verify` runs them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// The identity the plan is about, as an access review asks of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Principal>,
    /// What the identity could do that matters most (a credential's blast radius).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reach: Vec<Reach>,
    /// What to rotate, with what reads it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rotate: Vec<Rotation>,
    /// The pods an image (or exposure) affects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub affected: Vec<Affected>,
    /// What is reachable from outside, and how.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposed: Vec<Exposure>,
}

/// One way in from outside the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exposure {
    /// `Service/shop/web`, `Ingress/shop/web`, `Pod/shop/web-1`.
    pub object: String,
    /// `LoadBalancer`, `NodePort`, `Ingress (TLS)`, `host`.
    pub kind: String,
    /// Addresses, node ports, hosts.
    pub reach: Vec<String>,
    /// Source ranges let in.
    pub allowed_from: Vec<String>,
}

/// A pod the incident touches: what owns it, where it runs, how it is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// `namespace/name`.
    pub pod: String,
    /// The object that stands for it: `Deployment/shop/web` (itself for a bare pod).
    pub workload: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    pub images: Vec<String>,
    /// Services (with their type), Ingresses, host networking and ports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exposure: Vec<String>,
}

/// A user name and its groups, as the API server authenticates them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Principal {
    pub user: String,
    pub groups: Vec<String>,
}

/// One risky permission an identity holds, and the binding that gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    pub verb: String,
    pub group: String,
    pub resource: String,
    /// `None`: in every namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The subject as bound: the identity itself, or a group it is in.
    pub subject: String,
    /// `ClusterRoleBinding/x -> ClusterRole/y`.
    pub via: String,
    /// What a SubjectAccessReview answered when the plan was made live (`None`: offline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed: Option<bool>,
}

impl Reach {
    pub fn describe(&self) -> String {
        let resource = if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        };
        format!(
            "{} {resource} {} (as {}, via {})",
            self.verb,
            self.namespace
                .as_deref()
                .map(|namespace| format!("in {namespace}"))
                .unwrap_or_else(|| "in every namespace".to_string()),
            self.subject,
            self.via
        )
    }
}

/// A credential to rotate: a Secret (`namespace/name`) or a cloud identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    pub credential: String,
    /// Why it must change: leaked, readable by the identity, mounted by pods it can exec into.
    pub why: String,
    /// What reads it, and whether that needs a restart to see the new value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumers: Vec<Consumer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consumer {
    /// `Deployment/shop/web`.
    pub workload: String,
    /// `env`, `envFrom`, `volume`, `volume (subPath)`, `imagePullSecrets`, `Ingress TLS`.
    pub via: String,
    /// Environment variables and subPath mounts never refresh; volumes do.
    pub restart: bool,
}

impl Plan {
    /// Names each step's approver from the owners of isolation, revocation and shutdown.
    pub fn assign_approvers(&mut self, isolate: Option<&str>, revoke: Option<&str>, shutdown: Option<&str>) {
        for step in &mut self.steps {
            step.approver = match step.approval {
                Approval::None => None,
                Approval::Isolate => isolate.map(str::to_string),
                Approval::Revoke => revoke.map(str::to_string),
                Approval::Shutdown => shutdown.map(str::to_string),
            };
        }
    }

    /// The plan as a responder reads it.
    pub fn to_text(&self) -> String {
        let mut out = format!("incident {}: {} for {}\n", self.incident, self.playbook, self.target);
        for step in &self.steps {
            out.push_str(&format!(
                "\n{} {}{}\n    {}\n",
                step.id,
                step.title,
                if step.disruptive { " (disruptive)" } else { "" },
                step.action.describe()
            ));
            if let Some(undo) = &step.undo {
                out.push_str(&format!("    undo: {}\n", undo.describe()));
            }
            if let Some((verb, resource)) = step.action.permission() {
                let who = if step.who_can.is_empty() {
                    "nobody the objects read name".to_string()
                } else {
                    step.who_can.join(", ")
                };
                out.push_str(&format!("    may {verb} {resource}: {who}\n"));
            }
            let owner = match step.approval {
                Approval::None => None,
                Approval::Isolate => Some("isolate"),
                Approval::Revoke => Some("revoke"),
                Approval::Shutdown => Some("shutdown"),
            };
            if let Some(owner) = owner {
                match &step.approver {
                    Some(approver) => out.push_str(&format!("    approved by: {approver}\n")),
                    None => out.push_str(&format!(
                        "    approved by: nobody named ([response] {owner} in rampart.toml)\n"
                    )),
                }
            }
        }
        if !self.notes.is_empty() {
            out.push_str("\nnotes\n");
            for note in &self.notes {
                out.push_str(&format!("  - {note}\n"));
            }
        }
        if !self.reach.is_empty() {
            out.push_str("\nreach (what the identity could do)\n");
            for reach in &self.reach {
                let confirmed = match reach.confirmed {
                    Some(true) => ", confirmed by an access review",
                    Some(false) => ", an access review denies it already",
                    None => "",
                };
                out.push_str(&format!("  - {}{confirmed}\n", reach.describe()));
            }
        }
        if !self.affected.is_empty() {
            out.push_str("\naffected\n");
            for found in &self.affected {
                out.push_str(&format!(
                    "  - {} of {}{}: {}\n",
                    found.pod,
                    found.workload,
                    found
                        .node
                        .as_deref()
                        .map(|node| format!(" on {node}"))
                        .unwrap_or_default(),
                    found.images.join(", ")
                ));
                if !found.exposure.is_empty() {
                    out.push_str(&format!("      reached through {}\n", found.exposure.join(", ")));
                }
            }
        }
        if !self.exposed.is_empty() {
            out.push_str("\nexposed\n");
            for found in &self.exposed {
                out.push_str(&format!(
                    "  - {} ({}): {}; from {}\n",
                    found.object,
                    found.kind,
                    found.reach.join(", "),
                    found.allowed_from.join(", ")
                ));
            }
        }
        if !self.rotate.is_empty() {
            out.push_str("\nrotate\n");
            for rotation in &self.rotate {
                out.push_str(&format!("  - {}: {}\n", rotation.credential, rotation.why));
                for consumer in &rotation.consumers {
                    out.push_str(&format!(
                        "      read by {} ({}){}\n",
                        consumer.workload,
                        consumer.via,
                        if consumer.restart { ": restart it after" } else { "" }
                    ));
                }
            }
        }
        out.push_str("\nverify\n");
        for check in &self.verify {
            out.push_str(&format!("  - {check}\n"));
        }
        out
    }
}
