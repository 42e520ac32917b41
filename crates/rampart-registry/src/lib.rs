//! OCI registries, as Rampart's image checks need them: a tag resolved to the digest it names
//! now, and the cosign signatures attached to a digest, in both layouts (the
//! `sha256-<hex>.sig` tag, and OCI 1.1 referrers with the referrers tag-schema fallback).
//!
//! A registry that answers 401, 403, 429, 5xx or not at all is an error of that kind, never
//! "no signature": only a 404 for the signature tag (or an empty referrers list) means none.
//! Loopback registries are reached over plain HTTP, as docker does; any other host only with
//! `insecure_hosts`. Credentials come from the options first, then the Docker config (its
//! `auths`, `credHelpers` and `credsStore`, whose helpers run as docker runs them).

mod credentials;
mod errors;
#[cfg(feature = "local-registry")]
pub mod local;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::{OciImageManifest, OciManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use rampart_sigstore::{BUNDLE_MEDIA_TYPE_V03, ImageSignature, SIMPLE_SIGNING_MEDIA_TYPE};

pub use credentials::{Credential, credentials_from_docker_config, parse_registry_auth};
pub use errors::{ErrorKind, RegistryError};

/// A signature layer or bundle larger than this is refused: real ones are a few KiB.
const MAX_SIGNATURE_BYTES: i64 = 1 << 20;
/// At most this many referrers are read for one digest.
const MAX_REFERRERS: usize = 64;

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_MANIFEST_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";

#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Hosts (`host` or `host:port`) reached over plain HTTP besides loopback.
    pub insecure_hosts: Vec<String>,
    /// Credentials per registry host, ahead of the Docker config.
    pub credentials: HashMap<String, Credential>,
    /// Whether to read `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`).
    pub docker_config: bool,
    pub timeout: Duration,
}

impl Default for RegistryOptions {
    fn default() -> Self {
        RegistryOptions {
            insecure_hosts: Vec::new(),
            credentials: HashMap::new(),
            docker_config: true,
            timeout: Duration::from_secs(10),
        }
    }
}

/// Parses an image reference as docker does (`nginx` is `docker.io/library/nginx:latest`).
/// (Rampart's own parser: oci-spec's regex costs tens of milliseconds to compile per process.)
pub fn parse_reference(text: &str) -> Result<Reference, String> {
    let invalid = |why: &str| format!("{text:?} is not an image reference: {why}");
    let parsed = rampart_core::ImageRef::parse(text);
    let segment_ok = |segment: &str| {
        !segment.is_empty()
            && segment
                .bytes()
                .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || b"._-".contains(&byte))
            && segment.as_bytes()[0].is_ascii_alphanumeric()
    };
    if text.trim() != text || text.is_empty() {
        return Err(invalid("empty, or with spaces around it"));
    }
    if !parsed.repository.split('/').all(segment_ok) {
        return Err(invalid(
            "a repository is lowercase letters, digits and . _ - between slashes",
        ));
    }
    if !parsed
        .registry
        .bytes()
        .all(|byte| byte.is_ascii_alphanumeric() || b".-:[]".contains(&byte))
    {
        return Err(invalid("the registry is not a host[:port]"));
    }
    if let Some(tag) = parsed.tag
        && (tag.len() > 128
            || !tag
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || b"_.-".contains(&byte))
            || tag.starts_with(['.', '-']))
    {
        return Err(invalid("a tag is up to 128 letters, digits, _ . -"));
    }
    if let Some(digest) = parsed.digest
        && !(parsed.has_valid_digest() && digest.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b':'))
    {
        return Err(invalid("a digest is algorithm:hex"));
    }
    let (registry, repository) = (parsed.registry.to_string(), parsed.repository.clone());
    Ok(match (parsed.tag, parsed.digest) {
        (Some(tag), Some(digest)) => {
            Reference::with_tag_and_digest(registry, repository, tag.to_string(), digest.to_string())
        }
        (None, Some(digest)) => Reference::with_digest(registry, repository, digest.to_string()),
        (tag, None) => Reference::with_tag(registry, repository, tag.unwrap_or("latest").to_string()),
    })
}

pub struct Registry {
    // Built on first use: each loads the system's CA certificates (tens of milliseconds).
    secure: OnceLock<Result<Client, String>>,
    plain: OnceLock<Result<Client, String>>,
    options: RegistryOptions,
    auth: Mutex<HashMap<String, RegistryAuth>>,
}

impl Registry {
    pub fn new(options: RegistryOptions) -> Result<Registry, String> {
        // Rampart's TLS is rustls on ring; the registry client uses the process's provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Ok(Registry {
            secure: OnceLock::new(),
            plain: OnceLock::new(),
            options,
            auth: Mutex::new(HashMap::new()),
        })
    }

    fn build(&self, protocol: ClientProtocol) -> Result<Client, String> {
        Client::try_from(ClientConfig {
            protocol,
            read_timeout: Some(self.options.timeout),
            connect_timeout: Some(self.options.timeout),
            user_agent: concat!("rampart/", env!("CARGO_PKG_VERSION")),
            platform_resolver: None,
            ..ClientConfig::default()
        })
        .map_err(|error| format!("the registry client could not start: {error}"))
    }

    /// Whether `registry` (`host[:port]`) is reached over plain HTTP.
    pub fn is_plain_http(&self, registry: &str) -> bool {
        let host = match registry.strip_prefix('[') {
            Some(rest) => rest.split(']').next().unwrap_or(rest),
            None => registry.rsplit_once(':').map_or(registry, |(host, _)| host),
        };
        let loopback = host == "localhost"
            || host == "::1"
            || host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|address| address.is_loopback());
        loopback
            || self
                .options
                .insecure_hosts
                .iter()
                .any(|insecure| insecure == registry || insecure == host)
    }

    fn client(&self, reference: &Reference) -> Result<&Client, RegistryError> {
        let client = if self.is_plain_http(reference.resolve_registry()) {
            self.plain.get_or_init(|| self.build(ClientProtocol::Http))
        } else {
            self.secure.get_or_init(|| self.build(ClientProtocol::Https))
        };
        client
            .as_ref()
            .map_err(|detail| RegistryError::new(ErrorKind::Network, detail.clone()))
    }

    fn auth(&self, reference: &Reference) -> Result<RegistryAuth, RegistryError> {
        let registry = reference.resolve_registry().to_string();
        let mut cache = self.auth.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(auth) = cache.get(&registry) {
            return Ok(auth.clone());
        }
        let auth = credentials::lookup(&registry, &self.options)?;
        cache.insert(registry, auth.clone());
        Ok(auth)
    }

    /// The digest `reference` names now (the index digest of a multi-arch image); a reference
    /// pinned by digest answers with it without asking.
    pub async fn resolve(&self, reference: &Reference) -> Result<String, RegistryError> {
        if let Some(digest) = reference.digest() {
            return Ok(digest.to_string());
        }
        let auth = self.auth(reference)?;
        self.client(reference)?
            .fetch_manifest_digest(reference, &auth)
            .await
            .map_err(|error| errors::classify(error, reference))
    }

    /// Every cosign signature attached to `digest` in `reference`'s repository.
    pub async fn signatures(&self, reference: &Reference, digest: &str) -> Result<Vec<ImageSignature>, RegistryError> {
        let registry = reference.resolve_registry().to_string();
        let repository = reference.repository().to_string();
        let mut found = self.simple_signing(&registry, &repository, digest).await?;
        found.extend(self.bundles(&registry, &repository, digest).await?);
        Ok(found)
    }

    async fn manifest(&self, reference: &Reference) -> Result<Option<OciImageManifest>, RegistryError> {
        let auth = self.auth(reference)?;
        let pulled = self
            .client(reference)?
            .pull_manifest_raw(
                reference,
                &auth,
                &[OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST],
            )
            .await;
        match pulled {
            Ok((body, _)) => match serde_json::from_slice::<OciManifest>(&body) {
                Ok(OciManifest::Image(manifest)) => Ok(Some(manifest)),
                Ok(OciManifest::ImageIndex(_)) => Ok(None),
                Err(error) => Err(RegistryError::new(
                    ErrorKind::Protocol,
                    format!("{}: the manifest is not OCI JSON: {error}", reference.whole()),
                )),
            },
            Err(error) => match errors::classify(error, reference) {
                not_found if not_found.kind == ErrorKind::NotFound => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn blob(
        &self,
        reference: &Reference,
        layer: &oci_client::manifest::OciDescriptor,
    ) -> Result<Vec<u8>, RegistryError> {
        if layer.size > MAX_SIGNATURE_BYTES {
            return Err(RegistryError::new(
                ErrorKind::Protocol,
                format!(
                    "{}: a signature layer of {} bytes is too large",
                    reference.whole(),
                    layer.size
                ),
            ));
        }
        let mut data = Vec::new();
        self.client(reference)?
            .pull_blob(reference, layer, &mut data)
            .await
            .map_err(|error| errors::classify(error, reference))?;
        Ok(data)
    }

    async fn simple_signing(
        &self,
        registry: &str,
        repository: &str,
        digest: &str,
    ) -> Result<Vec<ImageSignature>, RegistryError> {
        let tag = format!("{}.sig", digest.replace(':', "-"));
        let reference = Reference::with_tag(registry.to_string(), repository.to_string(), tag);
        let Some(manifest) = self.manifest(&reference).await? else {
            return Ok(Vec::new());
        };
        let mut found = Vec::new();
        for layer in manifest
            .layers
            .iter()
            .filter(|layer| layer.media_type == SIMPLE_SIGNING_MEDIA_TYPE)
        {
            let payload = self.blob(&reference, layer).await?;
            found.push(ImageSignature::SimpleSigning {
                payload,
                annotations: layer.annotations.clone().unwrap_or_default(),
            });
        }
        Ok(found)
    }

    async fn bundles(
        &self,
        registry: &str,
        repository: &str,
        digest: &str,
    ) -> Result<Vec<ImageSignature>, RegistryError> {
        let subject = Reference::with_digest(registry.to_string(), repository.to_string(), digest.to_string());
        let auth = self.auth(&subject)?;
        let client = self.client(&subject)?;
        client.store_auth_if_needed(subject.resolve_registry(), &auth).await;
        let mut entries = client
            .pull_referrers(&subject, None)
            .await
            .map_err(|error| errors::classify(error, &subject))?
            .manifests;
        if entries.is_empty() {
            // The client takes any error on the fallback tag for "no referrers"; ask again so a
            // 401 or 429 there is an error and not an unsigned image.
            let fallback = Reference::with_tag(registry.to_string(), repository.to_string(), digest.replace(':', "-"));
            let pulled = client.pull_manifest_raw(&fallback, &auth, &[OCI_INDEX]).await;
            match pulled {
                Ok((body, _)) => {
                    if let Ok(OciManifest::ImageIndex(index)) = serde_json::from_slice::<OciManifest>(&body) {
                        entries = index.manifests;
                    }
                }
                Err(error) => {
                    let error = errors::classify(error, &fallback);
                    if error.kind != ErrorKind::NotFound {
                        return Err(error);
                    }
                }
            }
        }
        let mut found = Vec::new();
        for entry in entries.iter().take(MAX_REFERRERS) {
            // ghcr.io lists bundles with the empty artifact type: the layer's media type decides.
            if entry
                .artifact_type
                .as_deref()
                .is_some_and(|kind| !is_bundle_type(kind) && kind != "application/vnd.oci.empty.v1+json")
            {
                continue;
            }
            let reference = Reference::with_digest(registry.to_string(), repository.to_string(), entry.digest.clone());
            let Some(manifest) = self.manifest(&reference).await? else {
                continue;
            };
            if let Some(layer) = manifest.layers.iter().find(|layer| is_bundle_type(&layer.media_type)) {
                found.push(ImageSignature::Bundle(self.blob(&reference, layer).await?));
            }
        }
        Ok(found)
    }

    /// Pushes a blob into `reference`'s repository; returns its digest. (Tests and benchmarks
    /// build signed images with it.)
    pub async fn push_blob(&self, reference: &Reference, data: Vec<u8>) -> Result<String, RegistryError> {
        let digest = sha256_digest(&data);
        let auth = self.auth(reference)?;
        let client = self.client(reference)?;
        client.store_auth_if_needed(reference.resolve_registry(), &auth).await;
        client
            .push_blob(reference, data, &digest)
            .await
            .map_err(|error| errors::classify(error, reference))?;
        Ok(digest)
    }

    /// Pushes a manifest at `reference` (a tag or a digest); returns its digest.
    pub async fn push_manifest(
        &self,
        reference: &Reference,
        body: Vec<u8>,
        media_type: &str,
    ) -> Result<String, RegistryError> {
        let digest = sha256_digest(&body);
        let auth = self.auth(reference)?;
        let client = self.client(reference)?;
        client.store_auth_if_needed(reference.resolve_registry(), &auth).await;
        let content_type = media_type
            .parse()
            .map_err(|_| RegistryError::new(ErrorKind::Protocol, format!("{media_type:?} is not a media type")))?;
        client
            .push_manifest_raw(reference, body, content_type)
            .await
            .map_err(|error| errors::classify(error, reference))?;
        Ok(digest)
    }
}

fn is_bundle_type(media_type: &str) -> bool {
    media_type == BUNDLE_MEDIA_TYPE_V03 || media_type.starts_with("application/vnd.dev.sigstore.bundle")
}

/// `sha256:<hex>` of `data`: an OCI content digest.
pub fn sha256_digest(data: &[u8]) -> String {
    use sha2::Digest as _;
    format!("sha256:{}", rampart_sigstore::hex(&sha2::Sha256::digest(data)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_and_listed_hosts_are_plain_http_and_nothing_else() {
        let registry = Registry::new(RegistryOptions {
            insecure_hosts: vec!["registry.internal:5000".to_string(), "mirror.lan".to_string()],
            ..RegistryOptions::default()
        })
        .unwrap();
        for plain in [
            "127.0.0.1:5000",
            "127.1.2.3",
            "localhost:8080",
            "[::1]:5000",
            "registry.internal:5000",
            "mirror.lan:443",
        ] {
            assert!(registry.is_plain_http(plain), "{plain}");
        }
        for secure in [
            "ghcr.io",
            "index.docker.io",
            "registry.internal:5001",
            "10.0.0.1:5000",
            "localhost.example.com",
        ] {
            assert!(!registry.is_plain_http(secure), "{secure}");
        }
    }

    #[test]
    fn references_read_as_docker_reads_them() {
        let reference = parse_reference("nginx").unwrap();
        assert_eq!(reference.resolve_registry(), "index.docker.io");
        assert_eq!(reference.repository(), "library/nginx");
        let pinned = parse_reference(
            "127.0.0.1:5000/acme/shop@sha256:27221e31fbfeb767aab24c531396972078e8bbcdc5ab984062d9bac589fe4075",
        )
        .unwrap();
        assert_eq!(pinned.resolve_registry(), "127.0.0.1:5000");
        assert!(pinned.digest().is_some());
        assert!(parse_reference("acme/shop:has space").is_err());
        assert!(parse_reference("acme/shop@sha256:zz").is_err());
        assert!(parse_reference("Acme/shop").is_err());
        assert!(parse_reference("acme/shop:-x").is_err());
        assert!(parse_reference("").is_err());
    }
}
