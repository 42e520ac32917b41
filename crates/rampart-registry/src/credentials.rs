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
