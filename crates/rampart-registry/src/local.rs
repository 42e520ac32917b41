//! A real registry on loopback for tests and benchmarks: Debian's `docker-registry`
//! (distribution 2.8) started on 127.0.0.1 with a free port and a fresh storage folder,
//! optionally behind htpasswd, stopped when dropped. And the writing side of the layouts
//! [`Registry`](crate::Registry) reads: tiny images, cosign's `.sig` tag, bundle referrers with
//! the referrers tag-schema index (distribution 2.8 has no referrers API).

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use oci_client::Reference;
use rampart_sigstore::{BUNDLE_MEDIA_TYPE_V03, SIMPLE_SIGNING_MEDIA_TYPE};

use crate::{Registry, RegistryError, sha256_digest};

pub struct LocalRegistry {
    child: Child,
    folder: PathBuf,
    /// `127.0.0.1:<port>`.
    pub address: String,
}

impl LocalRegistry {
    /// Starts `docker-registry`; with `credentials`, behind htpasswd (bcrypt) for that user.
    /// `Err` when the binary is missing or does not answer.
    pub fn start(credentials: Option<(&str, &str)>) -> Result<LocalRegistry, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map_err(|error| format!("no free port: {error}"))?
            .port();
        let folder = std::env::temp_dir().join(format!("rampart-registry-{}-{port}", std::process::id()));
        std::fs::create_dir_all(folder.join("data")).map_err(|error| error.to_string())?;
        let auth = match credentials {
            Some((user, password)) => {
                let hash = bcrypt::hash(password, 5).map_err(|error| error.to_string())?;
                std::fs::write(folder.join("htpasswd"), format!("{user}:{hash}\n"))
                    .map_err(|error| error.to_string())?;
                format!(
                    "auth: {{htpasswd: {{realm: rampart-test, path: {}}}}}\n",
                    folder.join("htpasswd").display()
                )
            }
            None => String::new(),
        };
        let address = format!("127.0.0.1:{port}");
        let config = format!(
            "version: 0.1\nlog: {{level: error}}\nstorage:\n  filesystem: {{rootdirectory: {}}}\n  delete: {{enabled: true}}\nhttp: {{addr: {address}}}\n{auth}",
            folder.join("data").display()
        );
        std::fs::write(folder.join("config.yml"), config).map_err(|error| error.to_string())?;
        let child = Command::new("docker-registry")
            .arg("serve")
            .arg(folder.join("config.yml"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|error| format!("docker-registry could not start ({error}); install Debian's docker-registry"))?;
        let registry = LocalRegistry { child, folder, address };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(&registry.address).is_err() {
            if Instant::now() > deadline {
                return Err(format!(
                    "docker-registry did not listen on {} within 10 s",
                    registry.address
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(registry)
    }

    /// `127.0.0.1:<port>/<repository>:<tag>`.
    /// [`LocalRegistry::start`] for a test: `None`, saying it skipped, where docker-registry
    /// cannot start outside CI; in CI (`CI` set) that is a failure.
    pub fn start_or_skip(credentials: Option<(&str, &str)>) -> Option<LocalRegistry> {
        match LocalRegistry::start(credentials) {
            Ok(registry) => Some(registry),
            Err(error) if std::env::var_os("CI").is_none() => {
                println!("skipped: {error}");
                None
            }
            Err(error) => panic!("{error}"),
        }
    }

    pub fn reference(&self, repository: &str, tag: &str) -> Reference {
        Reference::with_tag(self.address.clone(), repository.to_string(), tag.to_string())
    }

    /// Stops the registry (it stays stopped; dropping cleans up).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for LocalRegistry {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

fn descriptor(media_type: &str, data: &[u8]) -> serde_json::Value {
    serde_json::json!({"mediaType": media_type, "size": data.len(), "digest": sha256_digest(data)})
}

/// An image pushed: its manifest's digest and size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedImage {
    pub digest: String,
    pub size: usize,
}

/// A client that reads no Docker config: what the tests push and check with.
pub fn plain_client() -> Registry {
    Registry::new(crate::RegistryOptions {
        docker_config: false,
        ..crate::RegistryOptions::default()
    })
    .expect("a registry client")
}

/// Pushes an image (see [`push_image`]) and its cosign simple-signing signature by `key`.
pub async fn push_signed_image(
    registry: &Registry,
    reference: &Reference,
    content: &[u8],
    key: &rampart_sigstore::SigningKey,
) -> Result<PushedImage, RegistryError> {
    let pushed = push_image(registry, reference, content).await?;
    let name = format!("{}/{}", reference.registry(), reference.repository());
    push_simple_signatures(
        registry,
        reference,
        &pushed.digest,
        &[key.simple_signing(&name, &pushed.digest)],
    )
    .await?;
    Ok(pushed)
}

/// Pushes a one-layer image whose layer holds `content`, tagged `reference`'s tag.
pub async fn push_image(
    registry: &Registry,
    reference: &Reference,
    content: &[u8],
) -> Result<PushedImage, RegistryError> {
    let layer = content.to_vec();
    let config = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": [sha256_digest(&layer)]}, "config": {}
    }))
    .expect("JSON");
    registry.push_blob(reference, layer.clone()).await?;
    registry.push_blob(reference, config.clone()).await?;
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
        "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", &layer)]
    }))
    .expect("JSON");
    let size = manifest.len();
    let digest = registry.push_manifest(reference, manifest, OCI_MANIFEST).await?;
    Ok(PushedImage { digest, size })
}

/// Pushes a multi-platform image: an OCI index of `platforms` (one image each, `os/arch`,
/// pushed untagged first), tagged `reference`'s tag. Returns the index and the images.
pub async fn push_index(
    registry: &Registry,
    reference: &Reference,
    platforms: &[(&str, &str)],
) -> Result<(PushedImage, Vec<PushedImage>), RegistryError> {
    let mut images = Vec::new();
    let mut manifests = Vec::new();
    for (os, architecture) in platforms {
        let untagged = Reference::with_tag(
            reference.registry().to_string(),
            reference.repository().to_string(),
            format!("{os}-{architecture}"),
        );
        let image = push_image(registry, &untagged, format!("{os}/{architecture}").as_bytes()).await?;
        manifests.push(serde_json::json!({
            "mediaType": OCI_MANIFEST, "digest": image.digest, "size": image.size,
            "platform": {"os": os, "architecture": architecture}
        }));
        images.push(image);
    }
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests
    }))
    .expect("JSON");
    let size = index.len();
    let digest = registry.push_manifest(reference, index, OCI_INDEX).await?;
    Ok((PushedImage { digest, size }, images))
}

/// Pushes cosign's legacy signature manifest for `digest`: one simple-signing layer per
/// `(payload, annotations)`, at tag `sha256-<hex>.sig`.
pub async fn push_simple_signatures(
    registry: &Registry,
    repository: &Reference,
    digest: &str,
    layers: &[(Vec<u8>, std::collections::BTreeMap<String, String>)],
) -> Result<String, RegistryError> {
    let tag = Reference::with_tag(
        repository.registry().to_string(),
        repository.repository().to_string(),
        format!("{}.sig", digest.replace(':', "-")),
    );
    let config =
        b"{\"architecture\":\"\",\"os\":\"\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}".to_vec();
    registry.push_blob(&tag, config.clone()).await?;
    let mut descriptors = Vec::new();
    for (payload, annotations) in layers {
        registry.push_blob(&tag, payload.clone()).await?;
        let mut layer = descriptor(SIMPLE_SIGNING_MEDIA_TYPE, payload);
        layer["annotations"] = serde_json::to_value(annotations).expect("JSON");
        descriptors.push(layer);
    }
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST,
        "config": descriptor("application/vnd.oci.image.config.v1+json", &config),
        "layers": descriptors
    }))
    .expect("JSON");
    registry.push_manifest(&tag, manifest, OCI_MANIFEST).await
}

/// Attaches `bundle` to `digest` as cosign v3 does (an OCI 1.1 referrer pushed by digest) and
/// lists it in the referrers tag-schema index (`sha256-<hex>`), as a client does for a
/// registry without the referrers API. `subject_size` is the image manifest's size.
pub async fn push_bundle_referrer(
    registry: &Registry,
    repository: &Reference,
    digest: &str,
    subject_size: usize,
    bundle: &[u8],
) -> Result<String, RegistryError> {
    let at = |reference: String| {
        Reference::with_tag(
            repository.registry().to_string(),
            repository.repository().to_string(),
            reference,
        )
    };
    let empty = b"{}".to_vec();
    registry.push_blob(repository, empty.clone()).await?;
    registry.push_blob(repository, bundle.to_vec()).await?;
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE_MEDIA_TYPE_V03,
        "config": descriptor("application/vnd.oci.empty.v1+json", &empty),
        "layers": [descriptor(BUNDLE_MEDIA_TYPE_V03, bundle)],
        "subject": {"mediaType": OCI_MANIFEST, "digest": digest, "size": subject_size},
        "annotations": {"dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": rampart_sigstore::SIGN_PREDICATE}
    }))
    .expect("JSON");
    let referrer_digest = sha256_digest(&manifest);
    let by_digest = Reference::with_digest(
        repository.registry().to_string(),
        repository.repository().to_string(),
        referrer_digest.clone(),
    );
    registry
        .push_manifest(&by_digest, manifest.clone(), OCI_MANIFEST)
        .await?;
    let mut entry = descriptor(OCI_MANIFEST, &manifest);
    entry["artifactType"] = BUNDLE_MEDIA_TYPE_V03.into();
    let index =
        serde_json::to_vec(&serde_json::json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [entry]}))
            .expect("JSON");
    registry
        .push_manifest(&at(digest.replace(':', "-")), index, OCI_INDEX)
        .await?;
    Ok(referrer_digest)
}
