//! Asking the API server whether a subject may do something: a
//! SubjectAccessReview, the authorizer's own answer, which confirms (or
//! refutes) what the RBAC model of `who-can` worked out from the objects.
//! SelfSubjectRulesReview is not used: the API documents its answer as
//! possibly incomplete, usable only as a list of what is allowed.

use k8s_openapi::api::authorization::v1::{ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec};
use kube::api::{Api, PostParams};
use rampart_k8s::rbac::Subject;
use serde::Serialize;

use crate::live::Connection;

/// What is asked: `verb` on `resource` (`pods/exec`) of `group` in
/// `namespace` (`None`: cluster-wide).
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    pub resource: &'a str,
    pub namespace: Option<&'a str>,
}

/// The API server's answer for one subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub allowed: bool,
    /// Why, as the authorizer put it (RBAC names the binding and role).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub reason: String,
}

/// The user and groups a subject stands for in a review. A ServiceAccount
/// authenticates as `system:serviceaccount:<ns>:<name>` with the groups
/// every account has; a User or a Group gets `system:authenticated`, which
/// any of their requests carries.
pub fn identity(subject: &Subject) -> (Option<String>, Vec<String>) {
    let authenticated = "system:authenticated".to_string();
    match subject.kind.as_str() {
        "ServiceAccount" => {
            let namespace = subject.namespace.as_deref().unwrap_or("default");
            (
                Some(format!("system:serviceaccount:{namespace}:{}", subject.name)),
                vec![
                    "system:serviceaccounts".to_string(),
                    format!("system:serviceaccounts:{namespace}"),
                    authenticated,
                ],
            )
        }
        "Group" => (None, vec![subject.name.clone(), authenticated]),
        _ => (Some(subject.name.clone()), vec![authenticated]),
    }
}

/// Asks whether `subject` may do what `question` says.
pub async fn review(connection: &Connection, subject: &Subject, question: Question<'_>) -> Result<Verdict, String> {
    let (user, groups) = identity(subject);
    let (resource, subresource) = match question.resource.split_once('/') {
        Some((resource, subresource)) => (resource, Some(subresource.to_string())),
        None => (question.resource, None),
    };
    let asked = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user,
            groups: Some(groups),
            resource_attributes: Some(ResourceAttributes {
                verb: Some(question.verb.to_string()),
                group: Some(question.group.to_string()),
                resource: Some(resource.to_string()),
                subresource,
                namespace: question.namespace.map(str::to_string),
                ..ResourceAttributes::default()
            }),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    };
    let api: Api<SubjectAccessReview> = Api::all(connection.client.clone());
    let answered = api.create(&PostParams::default(), &asked).await.map_err(|error| {
        format!(
            "cannot ask the cluster at {} (SubjectAccessReview): {error}",
            connection.url
        )
    })?;
    let status = answered.status.unwrap_or_default();
    Ok(Verdict {
        allowed: status.allowed,
        reason: status.reason.or(status.evaluation_error).unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(kind: &str, name: &str, namespace: Option<&str>) -> Subject {
        Subject {
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: namespace.map(str::to_string),
        }
    }

    #[test]
    fn subjects_are_asked_about_as_the_api_server_authenticates_them() {
        assert_eq!(
            identity(&subject("ServiceAccount", "deployer", Some("ci"))),
            (
                Some("system:serviceaccount:ci:deployer".to_string()),
                vec![
                    "system:serviceaccounts".to_string(),
                    "system:serviceaccounts:ci".to_string(),
                    "system:authenticated".to_string()
                ]
            )
        );
        assert_eq!(
            identity(&subject("Group", "ops", None)),
            (None, vec!["ops".to_string(), "system:authenticated".to_string()])
        );
        assert_eq!(
            identity(&subject("User", "alice@example.com", None)).0.as_deref(),
            Some("alice@example.com")
        );
    }
}
