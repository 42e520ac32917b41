//! The registry credentials a cluster's workloads pull their images with, for `rampart audit
//! --verify-images`: each Secret their `imagePullSecrets` name is fetched by name (get, never
//! list) and only its Docker config (`.dockerconfigjson`, or the legacy `.dockercfg`) is
//! kept, in memory, for the registry client. It is never printed, logged or written; a Secret
//! that cannot be read is named with the reason, never quoted.

use base64::Engine as _;

use crate::live::{Connection, Failure, ListOptions, get_json};

/// One pull secret's Docker config document.
pub struct PullSecret {
    pub namespace: String,
    pub name: String,
    pub docker_config: Vec<u8>,
}

impl std::fmt::Debug for PullSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PullSecret({}/{}, ***)", self.namespace, self.name)
    }
}

/// What was read: the secrets, and for each that could not be, `namespace/name: why`.
#[derive(Debug, Default)]
pub struct PullSecrets {
    pub secrets: Vec<PullSecret>,
    pub unread: Vec<String>,
}

/// Fetches the pull secrets `names` (namespace, name).
pub async fn read_pull_secrets(connection: &Connection, names: &[(String, String)]) -> PullSecrets {
    let options = ListOptions {
        attempts: 3,
        ..ListOptions::default()
    };
    let mut read = PullSecrets::default();
    for (namespace, name) in names {
        let path = format!("/api/v1/namespaces/{namespace}/secrets/{name}");
        let place = format!("{namespace}/{name}");
        let secret = match get_json(connection, &path, &options).await {
            Ok(secret) => secret,
            Err(Failure::Status(404, _)) => {
                read.unread.push(format!("{place}: no such Secret"));
                continue;
            }
            Err(failure) => {
                read.unread.push(format!("{place}: {failure}"));
                continue;
            }
        };
        let key = match secret.get("type").and_then(serde_json::Value::as_str) {
            Some("kubernetes.io/dockerconfigjson") => ".dockerconfigjson",
            Some("kubernetes.io/dockercfg") => ".dockercfg",
            other => {
                read.unread.push(format!(
                    "{place}: of type {}, not a pull secret",
                    other.unwrap_or("Opaque")
                ));
                continue;
            }
        };
        let decoded = secret
            .pointer(&format!("/data/{}", key.replace('/', "~1")))
            .and_then(serde_json::Value::as_str)
            .and_then(|encoded| base64::engine::general_purpose::STANDARD.decode(encoded).ok());
        match decoded {
            Some(docker_config) => read.secrets.push(PullSecret {
                namespace: namespace.clone(),
                name: name.clone(),
                docker_config,
            }),
            None => read.unread.push(format!("{place}: its {key} is missing or not base64")),
        }
    }
    read
}
