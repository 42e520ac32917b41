//! Registry credentials: given on the command line, else from the Docker config (and the
//! credential helpers it names). Secrets never reach an error message.

use std::str::FromStr;

use oci_client::secrets::RegistryAuth;

use crate::RegistryOptions;
use crate::errors::{ErrorKind, RegistryError};

#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    Basic { username: String, password: String },
    Bearer(String),
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credential::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Credential::Bearer(_) => write!(f, "Bearer(***)"),
        }
    }
}

/// `HOST=USER:PASSWORD`, or `HOST=token:TOKEN` for a bearer token, as `--registry-auth` takes it;
/// returns the host and the credential.
pub fn parse_registry_auth(text: &str) -> Result<(String, Credential), String> {
    let (host, secret) = text
        .split_once('=')
        .ok_or("expected HOST=USER:PASSWORD (or HOST=token:TOKEN)")?;
    let (user, password) = secret
        .split_once(':')
        .ok_or("expected HOST=USER:PASSWORD (or HOST=token:TOKEN)")?;
    if host.is_empty() || user.is_empty() {
        return Err("expected HOST=USER:PASSWORD (or HOST=token:TOKEN)".to_string());
    }
    let credential = if user == "token" {
        Credential::Bearer(password.to_string())
    } else {
        Credential::Basic {
            username: user.to_string(),
            password: password.to_string(),
        }
    };
    Ok((host.to_string(), credential))
}

impl FromStr for Credential {
    type Err = String;
    fn from_str(text: &str) -> Result<Credential, String> {
        parse_registry_auth(&format!("host={text}")).map(|(_, credential)| credential)
    }
}

/// The registry host a Docker config keys its entries by (`https://index.docker.io/v1/`,
/// `ghcr.io`, `http://127.0.0.1:5000`), as the registry client names it.
fn config_host(key: &str) -> String {
    let host = key
        .trim()
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match host.as_str() {
        "docker.io" | "registry-1.docker.io" | "index.docker.io" => "index.docker.io".to_string(),
        _ => host,
    }
}

/// The credentials in a Kubernetes pull secret: `.dockerconfigjson` (`{"auths": {host: ..}}`)
/// or the legacy `.dockercfg` (`{host: ..}`); each entry's `username` and `password`, else its
/// `auth` (base64 of `user:password`), else its identity or registry token. An entry with
/// none is skipped. Errors never quote the document.
pub fn credentials_from_docker_config(text: &[u8]) -> Result<Vec<(String, Credential)>, String> {
    use base64::Engine as _;
    let document: serde_json::Value =
        serde_json::from_slice(text).map_err(|_| "not a Docker config (not JSON)".to_string())?;
    let entries = document
        .get("auths")
        .unwrap_or(&document)
        .as_object()
        .ok_or("not a Docker config (no auths)")?;
    let mut found = Vec::new();
    for (key, entry) in entries {
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(serde_json::Value::as_str)
                .filter(|value| !value.is_empty())
        };
        let credential = if let (Some(username), Some(password)) = (field("username"), field("password")) {
            Credential::Basic {
                username: username.to_string(),
                password: password.to_string(),
            }
        } else if let Some(pair) = field("auth")
            .and_then(|auth| base64::engine::general_purpose::STANDARD.decode(auth).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok())
            && let Some((username, password)) = pair.split_once(':')
        {
            Credential::Basic {
                username: username.to_string(),
                password: password.to_string(),
            }
        } else if let Some(token) = field("identitytoken").or_else(|| field("registrytoken")) {
            Credential::Bearer(token.to_string())
        } else {
            continue;
        };
        found.push((config_host(key), credential));
    }
    Ok(found)
}

pub(crate) fn lookup(registry: &str, options: &RegistryOptions) -> Result<RegistryAuth, RegistryError> {
    if let Some(credential) = options.credentials.get(registry) {
        return Ok(match credential {
            Credential::Basic { username, password } => RegistryAuth::Basic(username.clone(), password.clone()),
            Credential::Bearer(token) => RegistryAuth::Bearer(token.clone()),
        });
    }
    if !options.docker_config {
        return Ok(RegistryAuth::Anonymous);
    }
    use docker_credential::{CredentialRetrievalError, DockerCredential};
    // Docker keys Docker Hub's credentials by its v1 URL.
    let server = if registry == "index.docker.io" {
        "https://index.docker.io/v1/"
    } else {
        registry
    };
    match docker_credential::get_credential(server) {
        Ok(DockerCredential::UsernamePassword(username, password)) => Ok(RegistryAuth::Basic(username, password)),
        Ok(DockerCredential::IdentityToken(token)) => Ok(RegistryAuth::Bearer(token)),
        Err(
            CredentialRetrievalError::NoCredentialConfigured
            | CredentialRetrievalError::ConfigNotFound
            | CredentialRetrievalError::ConfigReadError,
        ) => Ok(RegistryAuth::Anonymous),
        Err(CredentialRetrievalError::HelperFailure { helper, .. }) => Err(RegistryError::new(
            ErrorKind::Unauthorized,
            format!("{registry}: the Docker credential helper {helper} failed"),
        )),
        Err(other) => Err(RegistryError::new(
            ErrorKind::Unauthorized,
            format!("{registry}: the Docker config's credentials could not be read ({other})"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pull_secrets_give_credentials_by_host_without_quoting_them() {
        let config = br#"{"auths": {
            "https://index.docker.io/v1/": {"auth": "ZGFuYTpodW50ZXIy"},
            "ghcr.io": {"username": "bot", "password": "ghp_x", "auth": "aWdub3JlZDp4"},
            "http://127.0.0.1:5000/v2/": {"identitytoken": "tok"},
            "quay.io": {"email": "x@example.com"}
        }}"#;
        let mut found = credentials_from_docker_config(config).unwrap();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            found,
            [
                ("127.0.0.1:5000".to_string(), Credential::Bearer("tok".to_string())),
                (
                    "ghcr.io".to_string(),
                    Credential::Basic {
                        username: "bot".to_string(),
                        password: "ghp_x".to_string()
                    }
                ),
                (
                    "index.docker.io".to_string(),
                    Credential::Basic {
                        username: "dana".to_string(),
                        password: "hunter2".to_string()
                    }
                ),
            ]
        );
        let legacy = credentials_from_docker_config(br#"{"registry.example.com": {"auth": "dTpw"}}"#).unwrap();
        assert_eq!(legacy[0].0, "registry.example.com");
        let error = credentials_from_docker_config(b"{\"auths\": \"s3cr3t\"}").unwrap_err();
        assert!(!error.contains("s3cr3t"), "{error}");
        assert!(
            credentials_from_docker_config(b"s3cr3t")
                .unwrap_err()
                .starts_with("not a Docker config")
        );
    }

    #[test]
    fn registry_auth_reads_basic_and_bearer_and_hides_secrets() {
        let (host, credential) = parse_registry_auth("127.0.0.1:5001=rampart:s3cr:et").unwrap();
        assert_eq!(host, "127.0.0.1:5001");
        assert_eq!(
            credential,
            Credential::Basic {
                username: "rampart".to_string(),
                password: "s3cr:et".to_string()
            }
        );
        assert_eq!(format!("{credential:?}"), "Basic(rampart, ***)");
        assert_eq!(
            parse_registry_auth("ghcr.io=token:abc").unwrap().1,
            Credential::Bearer("abc".to_string())
        );
        assert!(parse_registry_auth("ghcr.io").is_err());
        assert!(parse_registry_auth("=user:pass").is_err());
    }
}
