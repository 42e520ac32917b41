//! Container image references, as manifests and Dockerfiles write them.

/// One container of a workload that runs an image, and where the image is
/// written: what ties a scanner's report to the workloads it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUse {
    pub resource: std::sync::Arc<crate::ResourceRef>,
    pub path: std::sync::Arc<str>,
    pub container: String,
    pub image: String,
    pub line: usize,
    pub column: usize,
    /// `spec.template.spec.containers[0].image`.
    pub field: String,
}

/// An image reference taken apart: `[registry/]repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef<'a> {
    /// The registry host, `docker.io` when the reference names none.
    pub registry: &'a str,
    /// The path under the registry (`library/nginx` for `nginx`).
    pub repository: String,
    pub tag: Option<&'a str>,
    pub digest: Option<&'a str>,
}

impl<'a> ImageRef<'a> {
    pub fn parse(image: &'a str) -> ImageRef<'a> {
        let image = image.trim();
        let (name_and_tag, digest) = match image.split_once('@') {
            Some((name, digest)) => (name, Some(digest)),
            None => (image, None),
        };
        let last_slash = name_and_tag.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(colon) => (
                &name_and_tag[..last_slash + colon],
                Some(&name_and_tag[last_slash + colon + 1..]),
            ),
            None => (name_and_tag, None),
        };
        let (registry, path) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first, rest.to_string())
            }
            _ => ("docker.io", name.to_string()),
        };
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            "docker.io"
        } else {
            registry
        };
        let repository = if registry == "docker.io" && !path.contains('/') {
            format!("library/{path}")
        } else {
            path
        };
        ImageRef {
            registry,
            repository,
            tag: tag.filter(|t| !t.is_empty()),
            digest: digest.filter(|d| !d.is_empty()),
        }
    }

    /// `registry/repository:tag` as the reference names it, with the
    /// defaults filled in (`docker.io/library/nginx:latest` for `nginx`).
    pub fn canonical_name(&self) -> String {
        format!("{}/{}:{}", self.registry, self.repository, self.tag.unwrap_or("latest"))
    }

    /// `sha256:` followed by 64 hex digits (or another algorithm's digest).
    pub fn has_valid_digest(&self) -> bool {
        self.digest.is_some_and(|d| {
            d.split_once(':').is_some_and(|(algorithm, hex)| {
                !algorithm.is_empty() && hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())
            })
        })
    }
}

impl ImageRef<'_> {
    /// Whether the image comes from one of `allowed`: a registry host, or
    /// a host and path prefix (`ghcr.io/acme` allows `ghcr.io/acme/api`,
    /// not `ghcr.io/acme-evil/api`).
    pub fn is_from(&self, allowed: &[String]) -> bool {
        let full = format!("{}/{}", self.registry, self.repository);
        allowed.iter().any(|entry| {
            let entry = entry.trim_end_matches('/');
            full.starts_with(entry) && full.as_bytes().get(entry.len()) == Some(&b'/')
        })
    }
}

#[cfg(test)]
mod tests {
    use super::ImageRef;

    #[test]
    fn parses_registries_tags_and_digests() {
        let nginx = ImageRef::parse("nginx");
        assert_eq!(
            (nginx.registry, nginx.repository.as_str(), nginx.tag),
            ("docker.io", "library/nginx", None)
        );
        let port = ImageRef::parse("localhost:5000/team/app:1.2");
        assert_eq!(
            (port.registry, port.repository.as_str(), port.tag),
            ("localhost:5000", "team/app", Some("1.2"))
        );
        let ghcr = ImageRef::parse(
            "ghcr.io/acme/api:v1@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        );
        assert_eq!(ghcr.registry, "ghcr.io");
        assert_eq!(ghcr.tag, Some("v1"));
        assert!(ghcr.has_valid_digest());
        let hub = ImageRef::parse("bitnami/redis:7");
        assert_eq!((hub.registry, hub.repository.as_str()), ("docker.io", "bitnami/redis"));
        assert!(!ImageRef::parse("app@sha256:short").has_valid_digest());
    }
}
