//! The credential-leak playbook: classify what leaked (offline: a token is decoded, never
//! sent anywhere, never printed), measure what it reaches, revoke what Kubernetes can
//! revoke, and list every credential to rotate with what reads it.
//!
//! Kubernetes revokes little: a service account is disabled by unbinding it, deleting its
//! legacy token Secrets and ending the object its token is bound to; a client certificate
//! cannot be revoked at all (its bindings go, and `system:masters` needs a new CA); an app
//! Secret is rotated at its source.

use base64::Engine as _;
use rampart_k8s::Inventory;
use rampart_k8s::object::Object;
use serde_json::{Value, json};

use crate::identity::{
    Identity, Rotations, consumers, denied_checks, legacy_tokens, reach_of, readable_secrets, reference, token_account,
    unbind, who_can,
};
use crate::plan::{Action, Approval, Check, ObjectRef, Plan, Principal, Rotation, Step};

/// What leaked, as far as it can be told offline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A service-account token: bound (to a pod, a Secret or a node) or legacy (a Secret).
    AccountToken {
        namespace: String,
        account: String,
        bound_to: Option<ObjectRef>,
        /// The legacy token's Secret.
        secret: Option<String>,
        /// Unix seconds; `None` for a legacy token (it never expires).
        expires: Option<i64>,
    },
    /// A client certificate: the user is its CN, the groups its O.
    Certificate {
        user: String,
        groups: Vec<String>,
        expires: Option<i64>,
    },
    /// An OIDC token: the API server maps its claims to a user by its own flags.
    OidcToken {
        issuer: String,
        subject: String,
        groups: Vec<String>,
        expires: Option<i64>,
    },
    /// A bootstrap token (`abcdef.0123456789abcdef`): its Secret in kube-system.
    BootstrapToken { id: String },
    /// A service account named by the responder.
    Account { namespace: String, name: String },
    /// A user (and groups) named by the responder.
    User { name: String, groups: Vec<String> },
    /// An application's Secret.
    Secret { namespace: String, name: String },
    /// A credential written into another object (a ConfigMap's data, a container's
    /// environment), as a secrets finding located it.
    Embedded {
        object: ObjectRef,
        /// The field (`data.DB_PASSWORD`).
        field: String,
        /// The detector that found it (`aws-access-key`).
        rule: String,
    },
}

impl Credential {
    /// The identity the API server authenticates it as, if it is one.
    pub fn identity(&self) -> Option<Identity> {
        match self {
            Credential::AccountToken { namespace, account, .. } => Some(Identity::ServiceAccount {
                namespace: namespace.clone(),
                name: account.clone(),
            }),
            Credential::Account { namespace, name } => Some(Identity::ServiceAccount {
                namespace: namespace.clone(),
                name: name.clone(),
            }),
            Credential::Certificate { user, groups, .. } | Credential::User { name: user, groups } => {
                Some(Identity::User {
                    name: user.clone(),
                    groups: groups.clone(),
                })
            }
            Credential::OidcToken { subject, groups, .. } => Some(Identity::User {
                name: subject.clone(),
                groups: groups.clone(),
            }),
            Credential::BootstrapToken { id } => Some(Identity::User {
                name: format!("system:bootstrap:{id}"),
                groups: vec!["system:bootstrappers".to_string()],
            }),
            Credential::Secret { .. } | Credential::Embedded { .. } => None,
        }
    }

    /// What it is, in a line (no secret in it).
    pub fn describe(&self) -> String {
        let until = |expires: &Option<i64>| match expires {
            Some(time) => format!(", valid until {}", rampart_core::rfc3339(*time)),
            None => String::new(),
        };
        match self {
            Credential::AccountToken {
                namespace,
                account,
                bound_to: Some(object),
                expires,
                ..
            } => format!(
                "a token of ServiceAccount {namespace}/{account}, bound to {}{}",
                object.describe(),
                until(expires)
            ),
            Credential::AccountToken {
                namespace,
                account,
                secret: Some(secret),
                ..
            } => format!(
                "a legacy token of ServiceAccount {namespace}/{account} (Secret {namespace}/{secret}; it never expires)"
            ),
            Credential::AccountToken {
                namespace,
                account,
                expires,
                ..
            } => format!(
                "a token of ServiceAccount {namespace}/{account}, bound to no object{}",
                until(expires)
            ),
            Credential::Certificate { user, groups, expires } => format!(
                "a client certificate of user {user}{}{}",
                if groups.is_empty() {
                    String::new()
                } else {
                    format!(" in groups {}", groups.join(", "))
                },
                until(expires)
            ),
            Credential::OidcToken {
                issuer,
                subject,
                expires,
                ..
            } => format!("an OIDC token of {subject} from {issuer}{}", until(expires)),
            Credential::BootstrapToken { id } => format!("bootstrap token {id}"),
            Credential::Account { namespace, name } => format!("ServiceAccount {namespace}/{name}"),
            Credential::User { name, .. } => format!("user {name}"),
            Credential::Secret { namespace, name } => format!("Secret {namespace}/{name}"),
            Credential::Embedded { object, field, rule } => {
                format!("a credential ({rule}) written into {} at {field}", object.describe())
            }
        }
    }
}

fn base64_url(text: &str) -> Option<Vec<u8>> {
    let trimmed = text.trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(trimmed).ok()
}

/// Tells what a leaked credential is from its bytes: a JWT (a service-account token or an
/// OIDC token), a bootstrap token, a PEM client certificate, or a kubeconfig (its current
/// context's user). Nothing is sent anywhere and no part of the secret is returned.
pub fn classify(bytes: &[u8]) -> Result<Credential, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "not text: give a token, a client certificate (PEM) or a kubeconfig".to_string())?
        .trim();
    if text.contains("-----BEGIN CERTIFICATE-----") {
        return certificate(text.as_bytes());
    }
    if !text.contains(char::is_whitespace)
        && let Some(credential) = token(text)
    {
        return credential;
    }
    kubeconfig(text)
}

/// A token's kind from its shape and claims; `None` if it is not one Rampart knows.
fn token(text: &str) -> Option<Result<Credential, String>> {
    if let Some((id, secret)) = text.split_once('.')
        && id.len() == 6
        && secret.len() == 16
        && text
            .bytes()
            .all(|byte| byte == b'.' || byte.is_ascii_lowercase() || byte.is_ascii_digit())
    {
        return Some(Ok(Credential::BootstrapToken { id: id.to_string() }));
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 3 {
        return None;
    }
    let header: Value = serde_json::from_slice(&base64_url(parts[0])?).ok()?;
    header.get("alg")?;
    let Some(claims) = base64_url(parts[1]).and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok()) else {
        return Some(Err("a JWT whose claims do not decode".to_string()));
    };
    Some(jwt(&claims))
}

fn jwt(claims: &Value) -> Result<Credential, String> {
    let expires = claims["exp"].as_i64();
    // Legacy Secret-based tokens carry their own claim names.
    if claims["iss"].as_str() == Some("kubernetes/serviceaccount") {
        let namespace = claims["kubernetes.io/serviceaccount/namespace"].as_str();
        let account = claims["kubernetes.io/serviceaccount/service-account.name"].as_str();
        let secret = claims["kubernetes.io/serviceaccount/secret.name"].as_str();
        return match (namespace, account) {
            (Some(namespace), Some(account)) => Ok(Credential::AccountToken {
                namespace: namespace.to_string(),
                account: account.to_string(),
                bound_to: None,
                secret: secret.map(str::to_string),
                expires: None,
            }),
            _ => Err("a legacy service-account token without its namespace and account claims".to_string()),
        };
    }
    let subject = claims["sub"].as_str().unwrap_or_default();
    if let Some(account) = subject.strip_prefix("system:serviceaccount:") {
        let Some((namespace, name)) = account.split_once(':') else {
            return Err(format!("a service-account token for {subject:?}"));
        };
        let bound = &claims["kubernetes.io"];
        let bound_to = [("pod", "Pod"), ("secret", "Secret"), ("node", "Node")]
            .iter()
            .find_map(|(claim, kind)| {
                let name = bound[claim]["name"].as_str()?;
                Some(ObjectRef {
                    api_version: "v1".to_string(),
                    kind: kind.to_string(),
                    namespace: (*kind != "Node").then(|| namespace.to_string()),
                    name: name.to_string(),
                })
            });
        return Ok(Credential::AccountToken {
            namespace: namespace.to_string(),
            account: name.to_string(),
            bound_to,
            secret: None,
            expires,
        });
    }
    let groups = claims["groups"]
        .as_array()
        .map(|groups| groups.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    match (claims["iss"].as_str(), subject) {
        (Some(issuer), subject) if !subject.is_empty() => Ok(Credential::OidcToken {
            issuer: issuer.to_string(),
            subject: subject.to_string(),
            groups,
            expires,
        }),
        _ => Err("a JWT naming no issuer and subject".to_string()),
    }
}

fn certificate(pem: &[u8]) -> Result<Credential, String> {
    let (_, block) =
        x509_parser::pem::parse_x509_pem(pem).map_err(|error| format!("a certificate that does not parse: {error}"))?;
    let certificate = block
        .parse_x509()
        .map_err(|error| format!("a certificate that does not parse: {error}"))?;
    let subject = certificate.subject();
    let user = subject
        .iter_common_name()
        .next()
        .and_then(|name| name.as_str().ok())
        .ok_or("a certificate without a common name")?
        .to_string();
    let groups = subject
        .iter_organization()
        .filter_map(|group| group.as_str().ok())
        .map(str::to_string)
        .collect();
    Ok(Credential::Certificate {
        user,
        groups,
        expires: Some(certificate.validity().not_after.timestamp()),
    })
}

/// The user of a kubeconfig's current context (or its only user).
fn kubeconfig(text: &str) -> Result<Credential, String> {
    let loaded = rampart_k8s::loader::load_bytes(
        "kubeconfig",
        text.as_bytes(),
        &rampart_k8s::loader::LoadOptions::default(),
    );
    let config = loaded
        .objects
        .iter()
        .find(|object| object.kind == "Config")
        .map(|object| object.root.to_json())
        .ok_or("not a credential Rampart can classify: give a service-account or OIDC token, a bootstrap token, a client certificate (PEM) or a kubeconfig")?;
    let users = config["users"].as_array().cloned().unwrap_or_default();
    let current = config["current-context"].as_str().and_then(|current| {
        config["contexts"]
            .as_array()?
            .iter()
            .find(|context| context["name"].as_str() == Some(current))?["context"]["user"]
            .as_str()
    });
    let user = match current {
        Some(name) => users.iter().find(|user| user["name"].as_str() == Some(name)),
        None if users.len() == 1 => users.first(),
        None => None,
    }
    .ok_or("a kubeconfig whose current context names no user it has")?;
    let user = &user["user"];
    if let Some(data) = user["client-certificate-data"].as_str() {
        let pem = base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|_| "a kubeconfig whose client-certificate-data is not base64".to_string())?;
        return certificate(&pem);
    }
    if let Some(token) = user["token"].as_str() {
        return self::token(token.trim()).unwrap_or_else(|| {
            Err("a kubeconfig with a static token: remove it from the API server's token file".to_string())
        });
    }
    if user["exec"].is_object() || user["auth-provider"].is_object() {
        return Err("a kubeconfig whose user runs a credential plugin: revoke the credential at its provider (the cloud's IAM, the OIDC issuer)".to_string());
    }
    Err("a kubeconfig whose user holds no credential".to_string())
}

/// The credential a finding of a Rampart JSON report names, chosen by its secret's
/// fingerprint or by `PATH:LINE`: the Secret it is in, the object it is written into, or
/// (when the report was made with `--show-secrets`) the value itself, classified.
pub fn from_finding(report: &Value, selector: &str) -> Result<Credential, String> {
    let findings = report["findings"]
        .as_array()
        .ok_or("not a Rampart JSON report (no findings)")?;
    let at = |finding: &&Value| {
        format!(
            "{}:{}",
            finding["location"]["path"].as_str().unwrap_or_default(),
            finding["location"]["line"]
        ) == selector
    };
    let finding = findings
        .iter()
        .find(|finding| finding["secret"]["fingerprint"].as_str() == Some(selector))
        .or_else(|| findings.iter().find(at))
        .ok_or_else(|| format!("no finding of the report has fingerprint or location {selector}"))?;
    if let Some(value) = finding["secret"]["value"].as_str()
        && let Ok(credential) = classify(value.as_bytes())
    {
        return Ok(credential);
    }
    let resource = &finding["resource"];
    let (Some(kind), Some(name)) = (resource["kind"].as_str(), resource["name"].as_str()) else {
        return Err(format!(
            "the finding at {}:{} is in no Kubernetes object: rotate the credential at its source (give --credential FILE to plan from its value)",
            finding["location"]["path"].as_str().unwrap_or_default(),
            finding["location"]["line"]
        ));
    };
    let namespace = resource["namespace"].as_str().map(str::to_string);
    if kind == "Secret" {
        return Ok(Credential::Secret {
            namespace: namespace.unwrap_or_else(|| "default".to_string()),
            name: name.to_string(),
        });
    }
    Ok(Credential::Embedded {
        object: ObjectRef {
            api_version: resource["apiVersion"].as_str().unwrap_or("v1").to_string(),
            kind: kind.to_string(),
            namespace: namespace.or_else(|| Some("default".to_string())),
            name: name.to_string(),
        },
        field: finding["field"].as_str().unwrap_or_default().to_string(),
        rule: finding["rule"].as_str().unwrap_or_default().to_string(),
    })
}

#[derive(Debug, Clone, Copy, Default)]
pub struct LeakOptions {
    /// Delete and recreate the service account: a new UID ends every token it had.
    pub recreate_account: bool,
}

fn step(id: &str, title: String, action: Action, undo: Option<Action>, disruptive: bool, who: Vec<String>) -> Step {
    Step::new(
        id,
        title,
        (action, undo),
        disruptive,
        who,
        if id.starts_with("A3") || id.starts_with("A4") || id.starts_with("A5") {
            Approval::Revoke
        } else {
            Approval::None
        },
    )
}

/// A manifest fit to create again: what the API server set removed.
pub(crate) fn recreatable(object: &Object) -> Value {
    let mut manifest = object.root.to_json();
    if let Some(metadata) = manifest["metadata"].as_object_mut() {
        for key in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "generation",
            "managedFields",
            "selfLink",
        ] {
            metadata.remove(key);
        }
    }
    manifest
}

/// The plan, from the cluster's `objects` and their `inventory`.
pub fn credential_leak(
    objects: &[Object],
    inventory: &Inventory,
    incident: &str,
    credential: &Credential,
    options: LeakOptions,
) -> Result<Plan, String> {
    let identity = credential.identity();
    let mut steps: Vec<Step> = Vec::new();
    let mut notes = vec![format!("the credential: {}", credential.describe())];
    let mut checks = Vec::new();
    let mut rotate = Rotations::default();
    let find = |kind: &str, namespace: Option<&str>, name: &str| {
        objects
            .iter()
            .find(|object| object.kind == kind && object.namespace.as_deref() == namespace && object.name == name)
    };
    let mut number = 0;
    let mut next = |prefix: &str| {
        number += 1;
        format!("{prefix}.{number}")
    };

    // The leaked Secret itself (an app's, or a legacy token's).
    let leaked_secret = match credential {
        Credential::Secret { namespace, name } => {
            let secret = find("Secret", Some(namespace), name)
                .ok_or_else(|| format!("no Secret {namespace}/{name} among the objects read"))?;
            Some((namespace.clone(), secret))
        }
        _ => None,
    };
    // A Secret holding a legacy token is the account's credential.
    let identity = identity.or_else(|| {
        let (namespace, secret) = leaked_secret.as_ref()?;
        let account = token_account(secret).filter(|account| !account.is_empty())?;
        Some(Identity::ServiceAccount {
            namespace: namespace.clone(),
            name: account.to_string(),
        })
    });
    if let Some((namespace, secret)) = &leaked_secret {
        let readers: Vec<String> = who_can(inventory, "get", "", "secrets", Some(namespace));
        if !readers.is_empty() {
            notes.push(format!(
                "who else could read it (get secrets in {namespace}): {}",
                readers.join(", ")
            ));
        }
        if identity.is_none() {
            rotate.add(Rotation {
                credential: format!("{namespace}/{}", secret.name),
                why: "leaked".to_string(),
                consumers: consumers(objects, namespace, &secret.name),
            });
        }
    }

    let mut move_out = None;
    if let Credential::Embedded { object, field, .. } = credential {
        let namespace = object.namespace.clone().unwrap_or_default();
        // What reads the object: a ConfigMap's consumers; a workload reads its own.
        let mut read_by = if object.kind == "ConfigMap" {
            crate::identity::consumers_of(objects, &namespace, &object.name, crate::identity::Source::ConfigMap)
        } else {
            vec![crate::plan::Consumer {
                workload: object.describe(),
                via: field.clone(),
                restart: true,
            }]
        };
        read_by.dedup();
        rotate.add(Rotation {
            credential: format!("{} ({field})", object.describe()),
            why: "leaked, and written where anyone who reads the object reads it".to_string(),
            consumers: read_by,
        });
        let readers = who_can(
            inventory,
            "get",
            "",
            &crate::plan::resource_of(&object.kind),
            Some(&namespace),
        );
        if !readers.is_empty() {
            notes.push(format!(
                "who else could read it (get {} in {namespace}): {}",
                crate::plan::resource_of(&object.kind),
                readers.join(", ")
            ));
        }
        move_out = Some(step(
            "A6",
            format!("Move the credential out of {} into a Secret", object.describe()),
            Action::Manual {
                instruction: format!(
                    "after rotating it, keep the new value in a Secret and reference it (valueFrom.secretKeyRef, a secret volume) instead of {field}; remove it from the repository's history too"
                ),
            },
            None,
            false,
            Vec::new(),
        ));
    }

    let account_object = match &identity {
        Some(Identity::ServiceAccount { namespace, name }) => find("ServiceAccount", Some(namespace), name),
        _ => None,
    };
    if let Some(Identity::ServiceAccount { namespace, name }) = &identity
        && account_object.is_none()
    {
        notes.push(format!(
            "ServiceAccount {namespace}/{name} is not among the objects read: if it was deleted, its tokens are dead already"
        ));
    }

    let mut reach = Vec::new();
    if let Some(identity) = &identity {
        // A2: what it reaches.
        reach = reach_of(inventory, identity);
        let who = |verb: &str, group: &str, resource: &str, namespace: Option<&str>| {
            who_can(inventory, verb, group, resource, namespace)
        };

        // A3: revoke what Kubernetes can.
        for unbinding in unbind(objects, &|subject, binding| {
            identity.is_subject(subject, binding.namespace.as_deref())
        }) {
            let (verb, group, resource) = unbinding.permission;
            let scope = unbinding.binding.namespace.clone();
            steps.push(step(
                &next("A3"),
                format!("Unbind {} from {}", identity.describe(), unbinding.binding.describe()),
                unbinding.action,
                Some(unbinding.undo),
                true,
                who(verb, group, resource, scope.as_deref()),
            ));
        }
        if let Identity::ServiceAccount { namespace, name } = identity {
            let mut tokens: Vec<&Object> = legacy_tokens(objects, namespace, Some(name));
            if let Some((_, secret)) = &leaked_secret
                && !tokens.iter().any(|token| token.name == secret.name)
            {
                tokens.push(secret);
            }
            if let Credential::AccountToken {
                secret: Some(secret), ..
            } = credential
                && let Some(object) = find("Secret", Some(namespace), secret)
                && !tokens.iter().any(|token| token.name == object.name)
            {
                tokens.push(object);
            }
            for token in tokens {
                let object = reference(token);
                checks.push(Check::Gone { object: object.clone() });
                steps.push(step(
                    &next("A3"),
                    format!(
                        "Delete legacy token Secret {namespace}/{} (it never expires)",
                        token.name
                    ),
                    Action::Delete { object },
                    None,
                    true,
                    who("delete", "", "secrets", Some(namespace)),
                ));
            }
            if let Credential::AccountToken {
                bound_to: Some(bound), ..
            } = credential
            {
                match bound.kind.as_str() {
                    "Node" => notes.push(format!(
                        "the token is bound to Node {}: it dies with the Node object; replace the node if it is suspect",
                        bound.name
                    )),
                    kind => {
                        checks.push(Check::Gone { object: bound.clone() });
                        steps.push(step(
                            &next("A3"),
                            format!("Delete {}, the object the token is bound to: the token dies with it", bound.describe()),
                            Action::Delete { object: bound.clone() },
                            None,
                            true,
                            who("delete", "", &crate::plan::resource_of(kind), Some(namespace)),
                        ));
                    }
                }
            }
            if let Some(account) = account_object {
                let object = reference(account);
                let before = account
                    .root
                    .get("automountServiceAccountToken")
                    .map(|node| node.to_json())
                    .unwrap_or(Value::Null);
                steps.push(step(
                    &next("A3"),
                    format!("Stop mounting ServiceAccount {namespace}/{name}'s token"),
                    Action::Patch {
                        object: object.clone(),
                        patch: json!({"automountServiceAccountToken": false}),
                    },
                    Some(Action::Patch {
                        object: object.clone(),
                        patch: json!({"automountServiceAccountToken": before}),
                    }),
                    false,
                    who("patch", "", "serviceaccounts", Some(namespace)),
                ));
                if options.recreate_account {
                    let mut manifest = recreatable(account);
                    manifest["automountServiceAccountToken"] = json!(false);
                    steps.push(step(
                        &next("A3"),
                        format!("Delete ServiceAccount {namespace}/{name}: every token it had dies with its UID"),
                        Action::Delete { object: object.clone() },
                        Some(Action::Create {
                            object: object.clone(),
                            manifest: recreatable(account),
                        }),
                        true,
                        who("delete", "", "serviceaccounts", Some(namespace)),
                    ));
                    steps.push(step(
                        &next("A3"),
                        format!("Create ServiceAccount {namespace}/{name} again, unbound (a new UID)"),
                        Action::Create { object, manifest },
                        None,
                        false,
                        who("create", "", "serviceaccounts", Some(namespace)),
                    ));
                    notes.push("the recreated account has no binding: bind it again to what its workloads need once they are clean, and restart them for new tokens".to_string());
                } else if !matches!(
                    credential,
                    Credential::AccountToken { bound_to: Some(_), .. }
                        | Credential::AccountToken { secret: Some(_), .. }
                ) {
                    notes.push(format!(
                        "tokens of {namespace}/{name} bound to no object stay valid until they expire: --recreate-account deletes and recreates the account so they die with its UID"
                    ));
                }
            }
        }
        if let Identity::User { name, groups } = identity {
            if matches!(credential, Credential::Certificate { .. }) {
                notes.push(format!(
                    "Kubernetes cannot revoke a client certificate: it authenticates as {name} until it expires; the steps take away what its bindings gave"
                ));
            }
            if groups.iter().any(|group| group == "system:masters") {
                steps.push(step(
                    &next("A3"),
                    "Rotate the cluster's client CA: system:masters bypasses RBAC, no binding can be removed".to_string(),
                    Action::Manual {
                        instruction: "rotate the cluster CA (kubeadm certs renew / the provider's credential rotation) and issue new client certificates".to_string(),
                    },
                    None,
                    true,
                    Vec::new(),
                ));
            }
            if let Credential::BootstrapToken { id } = credential {
                let secret = ObjectRef {
                    api_version: "v1".to_string(),
                    kind: "Secret".to_string(),
                    namespace: Some("kube-system".to_string()),
                    name: format!("bootstrap-token-{id}"),
                };
                checks.push(Check::Gone { object: secret.clone() });
                steps.push(step(
                    &next("A3"),
                    format!("Delete bootstrap token {id}'s Secret: the token dies with it"),
                    Action::Delete { object: secret },
                    None,
                    true,
                    who("delete", "", "secrets", Some("kube-system")),
                ));
            }
            if let Credential::OidcToken { issuer, .. } = credential {
                notes.push(format!(
                    "revoke the session at {issuer}; the API server maps the token's claims to a user by its --oidc-username-claim and prefix: the user name here is the subject claim, confirm it"
                ));
            }
        }
        checks.extend(denied_checks(&reach, identity, &mut notes));

        // A4: what it could have read.
        for secret in readable_secrets(objects, &reach) {
            let namespace = secret.namespace.as_deref().unwrap_or_default();
            if token_account(secret).is_none() {
                rotate.add(Rotation {
                    credential: format!("{namespace}/{}", secret.name),
                    why: format!("readable by {}", identity.describe()),
                    consumers: consumers(objects, namespace, &secret.name),
                });
            }
        }
        // A pod it may create can mount any Secret of its namespace; one it may exec into
        // shows what it mounts.
        for found in &reach {
            let (create, exec) = (found.resource == "pods", found.resource == "pods/exec");
            if !(create || exec) {
                continue;
            }
            for secret in objects.iter().filter(|object| {
                object.kind == "Secret" && (found.namespace.is_none() || object.namespace == found.namespace)
            }) {
                let namespace = secret.namespace.as_deref().unwrap_or_default();
                let read_by = consumers(objects, namespace, &secret.name);
                if exec && read_by.is_empty() {
                    continue;
                }
                if token_account(secret).is_some() {
                    continue;
                }
                rotate.add(Rotation {
                    credential: format!("{namespace}/{}", secret.name),
                    why: if create {
                        format!(
                            "{} may create pods in {namespace}, which can mount it",
                            identity.describe()
                        )
                    } else {
                        format!("mounted by pods {} may exec into", identity.describe())
                    },
                    consumers: read_by,
                });
            }
            if create {
                notes.push(format!(
                    "{} may create pods {}: it can act as any service account there, which this plan does not disable (run namespace-compromise if it did)",
                    identity.describe(),
                    found
                        .namespace
                        .as_deref()
                        .map(|namespace| format!("in {namespace}"))
                        .unwrap_or_else(|| "in every namespace".to_string())
                ));
            }
        }
        if let Some(account) = account_object {
            let namespace = account.namespace.as_deref().unwrap_or_default();
            for pull in account
                .root
                .get("imagePullSecrets")
                .map(|list| list.as_seq())
                .unwrap_or(&[])
            {
                if let Some(name) = pull.get("name").and_then(|name| name.as_str()) {
                    rotate.add(Rotation {
                        credential: format!("{namespace}/{name}"),
                        why: format!("an image pull secret of {}", identity.describe()),
                        consumers: consumers(objects, namespace, name),
                    });
                }
            }
            rotate.add_cloud(account, identity);
        }
    }

    if !rotate.0.is_empty() {
        steps.push(step(
            "A4",
            "Rotate each credential at its source (the database, the provider), then update its Secret".to_string(),
            Action::Manual {
                instruction: rotate.instruction(),
            },
            None,
            false,
            Vec::new(),
        ));
        let mut restart: Vec<&str> = rotate
            .0
            .iter()
            .flat_map(|rotation| &rotation.consumers)
            .filter(|consumer| consumer.restart)
            .map(|consumer| consumer.workload.as_str())
            .collect();
        restart.sort();
        restart.dedup();
        if !restart.is_empty() {
            steps.push(step(
                "A5",
                "Restart what reads a rotated value from its environment or a subPath mount: they never refresh"
                    .to_string(),
                Action::Manual {
                    instruction: format!("after A4, restart {} (kubectl rollout restart)", restart.join(", ")),
                },
                None,
                true,
                Vec::new(),
            ));
        }
    }
    steps.extend(move_out);
    if steps.is_empty() {
        return Err(format!(
            "nothing to do for {}: no binding names it and nothing among the objects read reads it",
            credential.describe()
        ));
    }

    let target = match (&identity, credential) {
        (_, Credential::Embedded { object, .. }) => object.describe(),
        (Some(Identity::ServiceAccount { namespace, name }), _) => format!("ServiceAccount/{namespace}/{name}"),
        (_, Credential::Secret { namespace, name }) => format!("Secret/{namespace}/{name}"),
        (Some(Identity::User { name, .. }), _) => format!("User/{name}"),
        (None, _) => credential.describe(),
    };
    let mut verify = Vec::new();
    if let Some(identity) = &identity {
        verify.push(format!(
            "access reviews deny {} what its own bindings gave",
            identity.user()
        ));
    }
    if checks.iter().any(|check| matches!(check, Check::Gone { .. })) {
        verify.push("the token Secrets and the object the token was bound to are gone".to_string());
    }
    if !rotate.0.is_empty() {
        verify.push("every credential listed under rotate has a new value, and its consumers restarted".to_string());
    }
    Ok(Plan {
        version: 1,
        incident: incident.to_string(),
        playbook: "credential-leak".to_string(),
        target,
        steps,
        notes,
        verify,
        checks,
        identity: identity.map(|identity| Principal {
            user: identity.user(),
            groups: identity.groups(),
        }),
        reach,
        rotate: rotate.0,
        ..Plan::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_k8s::ScanConfig;
    use rampart_k8s::loader::{LoadOptions, load_bytes};

    fn jwt_of(claims: Value) -> String {
        let encode = |value: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
        format!(
            "{}.{}.c2lnbmF0dXJl",
            encode(&json!({"alg": "RS256", "kid": "k"})),
            encode(&claims)
        )
    }

    const CLUSTER: &str = r#"
apiVersion: v1
kind: ServiceAccount
metadata: {name: deployer, namespace: ci, annotations: {eks.amazonaws.com/role-arn: "arn:aws:iam::1:role/deployer"}}
imagePullSecrets: [{name: registry}]
---
apiVersion: v1
kind: Secret
metadata: {name: deployer-token, namespace: ci, annotations: {kubernetes.io/service-account.name: deployer}}
type: kubernetes.io/service-account-token
---
apiVersion: v1
kind: Secret
metadata: {name: registry, namespace: ci}
type: kubernetes.io/dockerconfigjson
---
apiVersion: v1
kind: Secret
metadata: {name: db-credentials, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: unused, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: elsewhere, namespace: other}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      volumes: [{name: db, secret: {secretName: db-credentials}}]
      containers:
      - name: web
        image: web:1
        env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: db-credentials, key: password}}}]
        volumeMounts: [{name: db, mountPath: /db}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: deploy, namespace: shop}
rules:
- {apiGroups: [""], resources: [secrets], verbs: [get, list]}
- {apiGroups: [""], resources: [pods/exec], verbs: [create]}
- {apiGroups: [apps], resources: [deployments], verbs: [patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: deploy, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: deploy}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ci-readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: deployer, namespace: ci}, {kind: User, name: alice}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: all-secrets}
rules: [{apiGroups: [""], resources: [secrets], verbs: [list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: all-accounts-read-secrets}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: all-secrets}
subjects: [{kind: Group, name: "system:serviceaccounts:ci"}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: responders}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: oncall}]
"#;

    fn plan(credential: &Credential, options: LeakOptions) -> Result<Plan, String> {
        let loaded = load_bytes("cluster.yaml", CLUSTER.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let inventory = Inventory::of_objects(&loaded.objects, &ScanConfig::default());
        credential_leak(&loaded.objects, &inventory, "INC-7", credential, options)
    }

    #[test]
    fn a_bound_token_is_decoded_offline_to_its_account_pod_and_expiry() {
        let token = jwt_of(json!({
            "iss": "https://kubernetes.default.svc",
            "sub": "system:serviceaccount:ci:deployer",
            "exp": 1_900_000_000,
            "kubernetes.io": {"namespace": "ci", "pod": {"name": "runner-1", "uid": "u"}, "serviceaccount": {"name": "deployer", "uid": "v"}}
        }));
        let credential = classify(token.as_bytes()).unwrap();
        assert_eq!(
            credential,
            Credential::AccountToken {
                namespace: "ci".into(),
                account: "deployer".into(),
                bound_to: Some(ObjectRef {
                    api_version: "v1".into(),
                    kind: "Pod".into(),
                    namespace: Some("ci".into()),
                    name: "runner-1".into()
                }),
                secret: None,
                expires: Some(1_900_000_000),
            }
        );
        assert_eq!(
            credential.describe(),
            "a token of ServiceAccount ci/deployer, bound to Pod/ci/runner-1, valid until 2030-03-17T17:46:40Z"
        );
        assert!(!credential.describe().contains(&token[..20]));
        let legacy = jwt_of(json!({
            "iss": "kubernetes/serviceaccount",
            "kubernetes.io/serviceaccount/namespace": "ci",
            "kubernetes.io/serviceaccount/secret.name": "deployer-token",
            "kubernetes.io/serviceaccount/service-account.name": "deployer",
            "sub": "system:serviceaccount:ci:deployer"
        }));
        assert!(matches!(
            classify(format!("{legacy}\n").as_bytes()).unwrap(),
            Credential::AccountToken { secret: Some(secret), expires: None, .. } if secret == "deployer-token"
        ));
        let oidc = jwt_of(json!({"iss": "https://login.example.com", "sub": "alice", "groups": ["dev"], "exp": 1}));
        assert!(matches!(
            classify(oidc.as_bytes()).unwrap(),
            Credential::OidcToken { subject, groups, .. } if subject == "alice" && groups == ["dev"]
        ));
        assert_eq!(
            classify(b"abcdef.0123456789abcdef").unwrap(),
            Credential::BootstrapToken { id: "abcdef".into() }
        );
        assert!(
            classify(b"hunter2")
                .unwrap_err()
                .starts_with("not a credential Rampart can classify")
        );
        assert!(classify(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn a_client_certificate_and_a_kubeconfig_name_their_user_and_groups() {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(rcgen::DnType::CommonName, "alice");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "system:masters");
        let pem = params.self_signed(&key).unwrap().pem();
        let Credential::Certificate { user, groups, expires } = classify(pem.as_bytes()).unwrap() else {
            panic!("a certificate");
        };
        assert_eq!(
            (user.as_str(), groups.as_slice()),
            ("alice", &["system:masters".to_string()][..])
        );
        assert!(expires.is_some());
        let kubeconfig = format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: prod\ncontexts:\n- name: prod\n  context: {{cluster: prod, user: admin}}\nusers:\n- name: other\n  user: {{token: x}}\n- name: admin\n  user:\n    client-certificate-data: {}\n",
            base64::engine::general_purpose::STANDARD.encode(&pem)
        );
        assert!(matches!(
            classify(kubeconfig.as_bytes()).unwrap(),
            Credential::Certificate { user, .. } if user == "alice"
        ));
        let plugin = "apiVersion: v1\nkind: Config\nusers:\n- name: eks\n  user: {exec: {command: aws}}\n";
        assert!(classify(plugin.as_bytes()).unwrap_err().contains("credential plugin"));

        // system:masters cannot be unbound: the plan says to rotate the CA.
        let plan = plan(
            &Credential::Certificate {
                user: "alice".into(),
                groups: vec!["system:masters".into()],
                expires: None,
            },
            LeakOptions::default(),
        )
        .unwrap();
        assert!(
            plan.steps
                .iter()
                .any(|step| step.title.starts_with("Rotate the cluster's client CA"))
        );
        assert!(
            plan.notes
                .iter()
                .any(|note| note.starts_with("Kubernetes cannot revoke a client certificate"))
        );
        // alice shares ci-readers with the account: the binding is patched, not deleted.
        let Action::Patch { patch, .. } = &plan
            .steps
            .iter()
            .find(|step| step.title.contains("ci-readers"))
            .unwrap()
            .action
        else {
            panic!("{plan:#?}")
        };
        assert_eq!(
            patch["subjects"],
            json!([{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}])
        );
    }

    #[test]
    fn a_leaked_account_is_unbound_its_tokens_end_and_what_it_read_is_listed() {
        let token = Credential::AccountToken {
            namespace: "ci".into(),
            account: "deployer".into(),
            bound_to: Some(ObjectRef {
                api_version: "v1".into(),
                kind: "Pod".into(),
                namespace: Some("ci".into()),
                name: "runner-1".into(),
            }),
            secret: None,
            expires: Some(1_900_000_000),
        };
        let plan = plan(&token, LeakOptions::default()).unwrap();
        let titles: Vec<(&str, &str)> = plan
            .steps
            .iter()
            .map(|step| (step.id.as_str(), step.title.as_str()))
            .collect();
        assert_eq!(
            titles,
            [
                ("A3.1", "Unbind ServiceAccount ci/deployer from RoleBinding/shop/deploy"),
                (
                    "A3.2",
                    "Unbind ServiceAccount ci/deployer from ClusterRoleBinding/ci-readers"
                ),
                (
                    "A3.3",
                    "Delete legacy token Secret ci/deployer-token (it never expires)"
                ),
                (
                    "A3.4",
                    "Delete Pod/ci/runner-1, the object the token is bound to: the token dies with it"
                ),
                ("A3.5", "Stop mounting ServiceAccount ci/deployer's token"),
                (
                    "A4",
                    "Rotate each credential at its source (the database, the provider), then update its Secret"
                ),
                (
                    "A5",
                    "Restart what reads a rotated value from its environment or a subPath mount: they never refresh"
                ),
            ]
        );
        // The shared binding keeps alice; the account's own binding goes whole, restorable.
        assert!(matches!(&plan.steps[0].action, Action::Delete { .. }));
        assert!(
            matches!(&plan.steps[0].undo, Some(Action::Create { manifest, .. }) if manifest["roleRef"]["name"] == "deploy")
        );
        assert!(
            matches!(&plan.steps[1].action, Action::Patch { patch, .. } if patch["subjects"] == json!([{"kind": "User", "name": "alice"}]))
        );
        assert!(plan.steps[0].who_can.contains(&"Group oncall".to_string()));
        assert_eq!(plan.steps[0].approval, Approval::Revoke);
        // Reach: its own Role, and a group grant unbinding cannot take away.
        let reach: Vec<String> = plan.reach.iter().map(|found| found.describe()).collect();
        assert!(
            reach.contains(
                &"get secrets in shop (as ServiceAccount ci/deployer, via RoleBinding/shop/deploy -> Role/shop/deploy)"
                    .to_string()
            ),
            "{reach:#?}"
        );
        assert!(reach.contains(&"list secrets in every namespace (as Group system:serviceaccounts:ci, via ClusterRoleBinding/all-accounts-read-secrets -> ClusterRole/all-secrets)".to_string()), "{reach:#?}");
        assert!(
            plan.notes
                .iter()
                .any(|note| note.starts_with("ServiceAccount ci/deployer keeps what its groups are granted"))
        );
        // Checks: only grants of its own bindings are asserted denied, plus the gone tokens.
        assert!(plan.checks.contains(&Check::Denied {
            user: "system:serviceaccount:ci:deployer".into(),
            groups: Vec::new(),
            verb: "create".into(),
            group: String::new(),
            resource: "pods/exec".into(),
            namespace: Some("shop".into()),
        }));
        assert!(
            !plan
                .checks
                .iter()
                .any(|check| matches!(check, Check::Denied { namespace: None, .. }))
        );
        assert_eq!(
            plan.checks
                .iter()
                .filter(|check| matches!(check, Check::Gone { .. }))
                .count(),
            2
        );
        // Rotation: every Secret it could list (the group grant reaches them all), the pull
        // secret, the cloud role; the Deployment reads one from its environment.
        let rotate: Vec<(&str, &str)> = plan
            .rotate
            .iter()
            .map(|r| (r.credential.as_str(), r.why.as_str()))
            .collect();
        assert!(
            rotate.contains(&("shop/db-credentials", "readable by ServiceAccount ci/deployer")),
            "{rotate:#?}"
        );
        assert!(rotate.contains(&("other/elsewhere", "readable by ServiceAccount ci/deployer")));
        assert!(rotate.contains(&("ci/registry", "readable by ServiceAccount ci/deployer")));
        assert!(
            rotate
                .iter()
                .any(|(credential, _)| *credential == "AWS IAM role arn:aws:iam::1:role/deployer")
        );
        assert!(!rotate.iter().any(|(credential, _)| *credential == "ci/deployer-token"));
        let db = plan
            .rotate
            .iter()
            .find(|r| r.credential == "shop/db-credentials")
            .unwrap();
        assert_eq!(db.consumers.len(), 2);
        assert!(
            matches!(&plan.steps[6].action, Action::Manual { instruction } if instruction == "after A4, restart Deployment/shop/web (kubectl rollout restart)")
        );
        let text = plan.to_text();
        assert!(text.contains("\n  - shop/db-credentials: readable by ServiceAccount ci/deployer\n      read by Deployment/shop/web (env): restart it after\n      read by Deployment/shop/web (volume)\n"), "{text}");
    }

    #[test]
    fn a_finding_names_the_object_a_credential_is_written_into() {
        let report = json!({"findings": [
            {"rule": "no-credential-in-configmap", "location": {"path": "cm.yaml", "line": 5},
             "resource": {"apiVersion": "v1", "kind": "ConfigMap", "namespace": "shop", "name": "app"},
             "field": "data.GITHUB_TOKEN"},
            {"rule": "github-pat", "location": {"path": "app.env", "line": 2}, "resource": null,
             "secret": {"fingerprint": "abc123", "redacted": "ghp_…(40 chars)"}}
        ]});
        let credential = from_finding(&report, "cm.yaml:5").unwrap();
        assert_eq!(
            credential.describe(),
            "a credential (no-credential-in-configmap) written into ConfigMap/shop/app at data.GITHUB_TOKEN"
        );
        assert!(
            from_finding(&report, "abc123")
                .unwrap_err()
                .contains("is in no Kubernetes object")
        );
        assert!(from_finding(&report, "nope").is_err());
        let cluster = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: app, namespace: shop}
data: {GITHUB_TOKEN: x}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {spec: {containers: [{name: a, image: x, envFrom: [{configMapRef: {name: app}}]}]}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: devs, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: Group, name: devs}]
"#;
        let loaded = load_bytes("c.yaml", cluster.as_bytes(), &LoadOptions::default());
        let inventory = Inventory::of_objects(&loaded.objects, &ScanConfig::default());
        let plan = credential_leak(
            &loaded.objects,
            &inventory,
            "INC-5",
            &credential,
            LeakOptions::default(),
        )
        .unwrap();
        assert_eq!(plan.target, "ConfigMap/shop/app");
        assert_eq!(plan.rotate[0].credential, "ConfigMap/shop/app (data.GITHUB_TOKEN)");
        assert_eq!(
            plan.rotate[0].consumers,
            [crate::plan::Consumer {
                workload: "Deployment/shop/web".into(),
                via: "envFrom".into(),
                restart: true
            }]
        );
        // The view role reads ConfigMaps: every developer had the credential.
        assert!(
            plan.notes
                .iter()
                .any(|note| note == "who else could read it (get configmaps in shop): Group devs"),
            "{:?}",
            plan.notes
        );
        assert!(
            plan.steps
                .iter()
                .any(|step| step.title == "Move the credential out of ConfigMap/shop/app into a Secret")
        );
    }

    #[test]
    fn recreating_the_account_ends_unbound_tokens() {
        let account = Credential::Account {
            namespace: "ci".into(),
            name: "deployer".into(),
        };
        let plan_without = plan(&account, LeakOptions::default()).unwrap();
        assert!(
            plan_without
                .notes
                .iter()
                .any(|note| note.contains("--recreate-account"))
        );
        let plan = plan(&account, LeakOptions { recreate_account: true }).unwrap();
        let recreate = plan
            .steps
            .iter()
            .find(|step| step.title.starts_with("Create ServiceAccount"))
            .unwrap();
        let Action::Create { manifest, .. } = &recreate.action else {
            panic!()
        };
        assert_eq!(manifest["automountServiceAccountToken"], false);
        assert_eq!(manifest["metadata"]["name"], "deployer");
    }

    #[test]
    fn a_leaked_app_secret_is_rotated_with_its_readers_named() {
        let plan = plan(
            &Credential::Secret {
                namespace: "shop".into(),
                name: "db-credentials".into(),
            },
            LeakOptions::default(),
        )
        .unwrap();
        assert_eq!(plan.target, "Secret/shop/db-credentials");
        assert_eq!(plan.rotate.len(), 1);
        assert_eq!(plan.rotate[0].why, "leaked");
        assert!(
            plan.notes.iter().any(|note| note
                .starts_with("who else could read it (get secrets in shop): Group oncall, ServiceAccount ci/deployer")),
            "{:?}",
            plan.notes
        );
        assert!(plan.reach.is_empty() && plan.checks.is_empty());
        // A legacy token's Secret is the account's credential.
        let token = plan_for_secret("deployer-token");
        assert_eq!(token.target, "ServiceAccount/ci/deployer");
        assert!(
            token
                .steps
                .iter()
                .any(|step| step.title == "Delete legacy token Secret ci/deployer-token (it never expires)")
        );
        assert!(plan_for_secret_error("nope").starts_with("no Secret shop/nope"));
    }

    fn plan_for_secret(name: &str) -> Plan {
        plan(
            &Credential::Secret {
                namespace: "ci".into(),
                name: name.into(),
            },
            LeakOptions::default(),
        )
        .unwrap()
    }

    fn plan_for_secret_error(name: &str) -> String {
        plan(
            &Credential::Secret {
                namespace: "shop".into(),
                name: name.into(),
            },
            LeakOptions::default(),
        )
        .unwrap_err()
    }
}
