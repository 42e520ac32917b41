//! Break-glass access: a binding that grants a role for a bounded time, marked with its
//! expiry, reason and requester (`rampart_core::breakglass`), so that the manifest rules
//! flag it once expired and the audit-log rules flag every use.

use rampart_core::breakglass::{EXPIRES, LABEL, REASON, REQUESTER, binding_name};
use serde_json::{Value, json};

use crate::plan::{ObjectRef, Plan, Step};

/// Who gets what, until when, and why.
pub struct Grant<'a> {
    /// `User` or `Group`.
    pub subject_kind: &'a str,
    pub subject: &'a str,
    /// A ClusterRole's name.
    pub role: &'a str,
    /// Bind within this namespace only (a RoleBinding); `None`: cluster-wide.
    pub namespace: Option<&'a str>,
    /// Unix seconds.
    pub expires: i64,
    pub reason: &'a str,
    pub requester: &'a str,
}

/// The longest a grant may last.
pub const LONGEST_SECONDS: i64 = 24 * 3600;

/// The binding for `grant`, as a one-step plan (its undo deletes it).
pub fn grant_plan(grant: &Grant<'_>) -> Result<Plan, String> {
    if grant.reason.trim().is_empty() {
        return Err("a break-glass grant needs a reason (the incident)".to_string());
    }
    if grant.requester.trim().is_empty() {
        return Err("a break-glass grant needs its requester".to_string());
    }
    let now = rampart_core::unix_now();
    if grant.expires <= now {
        return Err("a break-glass grant must end in the future".to_string());
    }
    if grant.expires - now > LONGEST_SECONDS {
        return Err("a break-glass grant lasts at most 24h: grant again when it ends".to_string());
    }
    let name = binding_name(grant.subject, grant.expires);
    let (kind, api_version) = match grant.namespace {
        Some(_) => ("RoleBinding", "rbac.authorization.k8s.io/v1"),
        None => ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"),
    };
    let mut metadata = json!({
        "name": name,
        "labels": {LABEL: "true"},
        "annotations": {
            EXPIRES: rampart_core::rfc3339(grant.expires),
            REASON: grant.reason,
            REQUESTER: grant.requester,
        }
    });
    if let Some(namespace) = grant.namespace {
        metadata["namespace"] = json!(namespace);
    }
    let manifest = json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": metadata,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": grant.role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": grant.subject_kind, "name": grant.subject}]
    });
    let object = ObjectRef {
        api_version: api_version.to_string(),
        kind: kind.to_string(),
        namespace: grant.namespace.map(str::to_string),
        name: name.clone(),
    };
    Ok(Plan {
        version: 1,
        incident: name.clone(),
        playbook: "breakglass".to_string(),
        target: format!("{} {}", grant.subject_kind, grant.subject),
        steps: vec![Step::creating(
            "G1".to_string(),
            format!(
                "Grant {} {} the ClusterRole {} until {}",
                grant.subject_kind,
                grant.subject,
                grant.role,
                rampart_core::rfc3339(grant.expires)
            ),
            object,
            manifest,
        )],
        ..Plan::default()
    })
}

/// A break-glass binding as `breakglass list` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Listed {
    /// `ClusterRoleBinding/name` or `RoleBinding/namespace/name`.
    pub binding: String,
    pub subjects: Vec<String>,
    pub role: String,
    pub expires: Option<String>,
    pub reason: Option<String>,
    pub requester: Option<String>,
    pub expired: bool,
}

/// Reads the break-glass bindings among `bindings` (JSON objects), judged at `now`.
pub fn listed(bindings: &[Value], now: i64) -> Vec<Listed> {
    let mut found: Vec<Listed> = bindings
        .iter()
        .filter(|binding| {
            !binding["metadata"]["labels"][LABEL].is_null()
                || binding["metadata"]["name"]
                    .as_str()
                    .is_some_and(|name| name.starts_with(rampart_core::breakglass::PREFIX))
        })
        .map(|binding| {
            let annotation = |key: &str| binding["metadata"]["annotations"][key].as_str().map(str::to_string);
            let name = binding["metadata"]["name"].as_str().unwrap_or_default();
            let expires_at = annotation(EXPIRES)
                .and_then(|text| rampart_core::unix_from_rfc3339(&text, false))
                .or_else(|| rampart_core::breakglass::expiry_of_name(name));
            Listed {
                binding: match binding["metadata"]["namespace"].as_str() {
                    Some(namespace) => format!("RoleBinding/{namespace}/{name}"),
                    None => format!("ClusterRoleBinding/{name}"),
                },
                subjects: binding["subjects"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|subject| {
                        format!(
                            "{} {}",
                            subject["kind"].as_str().unwrap_or_default(),
                            subject["name"].as_str().unwrap_or_default()
                        )
                    })
                    .collect(),
                role: binding["roleRef"]["name"].as_str().unwrap_or_default().to_string(),
                expires: expires_at.map(rampart_core::rfc3339),
                reason: annotation(REASON),
                requester: annotation(REQUESTER),
                // No expiry at all is treated as expired: it never ends otherwise.
                expired: expires_at.is_none_or(|expires| expires < now),
            }
        })
        .collect();
    found.sort_by(|a, b| a.binding.cmp(&b.binding));
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;

    fn grant(expires: i64) -> Grant<'static> {
        Grant {
            subject_kind: "User",
            subject: "alice",
            role: "cluster-admin",
            namespace: None,
            expires,
            reason: "INC-42",
            requester: "bob",
        }
    }

    #[test]
    fn a_grant_is_a_marked_binding_bounded_in_time() {
        let expires = rampart_core::unix_now() + 3600;
        let plan = grant_plan(&grant(expires)).unwrap();
        let Action::Create { object, manifest } = &plan.steps[0].action else {
            panic!()
        };
        assert_eq!(object.kind, "ClusterRoleBinding");
        assert!(object.name.starts_with("rampart-breakglass-alice-"));
        assert_eq!(manifest["metadata"]["labels"][LABEL], "true");
        assert_eq!(
            manifest["metadata"]["annotations"][EXPIRES],
            rampart_core::rfc3339(expires)
        );
        assert_eq!(manifest["metadata"]["annotations"][REQUESTER], "bob");
        assert!(grant_plan(&grant(rampart_core::unix_now() - 1)).is_err());
        assert!(grant_plan(&grant(rampart_core::unix_now() + 25 * 3600)).is_err());
        let listed = listed(&[manifest.clone(), json!({"metadata": {"name": "ops"}})], expires + 60);
        assert_eq!(listed.len(), 1);
        assert!(listed[0].expired);
        assert_eq!(listed[0].subjects, ["User alice"]);
    }
}
