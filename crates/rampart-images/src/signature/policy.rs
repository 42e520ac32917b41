//! `[[images.policy]]` compiled: image globs as anchored patterns, authorities with their keys
//! and trust roots read, and a fingerprint that changes whenever what the policy trusts does.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_core::{ImageRef, ImagesConfig, ScanError};
use rampart_sigstore::{Authority, PublicKey, SubjectMatch, TrustRoot};
use regex::Regex;
use sha2::{Digest, Sha256};

/// What a failed policy does: block (and fail CI), warn, or only record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    Enforce,
    Warn,
    Audit,
}

/// What an image no policy names gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unmatched {
    Allow,
    Warn,
    Deny,
}

#[derive(Debug, Clone)]
pub struct CompiledAuthority {
    /// How reports name it: `key cosign.pub`, `issuer … subject …`.
    pub label: String,
    pub authority: Authority,
    pub trust_root: Option<Arc<TrustRoot>>,
}

#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub name: String,
    pub mode: Mode,
    pub globs: Vec<String>,
    patterns: Vec<Regex>,
    pub authorities: Vec<CompiledAuthority>,
    /// SHA-256 over the policy's globs, mode and what each authority trusts (key bytes,
    /// identity, trust root bytes): the cache key's policy half.
    pub fingerprint: String,
}

#[derive(Debug, Clone)]
pub struct SignaturePolicies {
    pub policies: Vec<CompiledPolicy>,
    pub unmatched: Unmatched,
}

/// The name a glob is matched against: `registry/repository`, Docker Hub as `docker.io`.
pub fn matched_name(image: &str) -> String {
    let parsed = ImageRef::parse(image);
    format!("{}/{}", parsed.registry, parsed.repository)
}

/// A glob as an anchored pattern: `**` crosses `/`, `*` and `?` stay within a segment
/// (Sigstore policy-controller's semantics). A glob naming no registry is Docker Hub's.
fn glob_pattern(glob: &str) -> Result<Regex, String> {
    let glob = glob.trim();
    let glob = glob
        .strip_prefix("index.docker.io/")
        .map(|rest| format!("docker.io/{rest}"))
        .unwrap_or_else(|| glob.to_string());
    let first = glob.split('/').next().unwrap_or_default();
    let names_registry = first.contains(['.', ':', '*', '?']) || first == "localhost";
    let glob = match (names_registry, glob.contains('/')) {
        (true, _) => glob,
        (false, true) => format!("docker.io/{glob}"),
        (false, false) => format!("docker.io/library/{glob}"),
    };
    let mut pattern = String::from("^");
    let mut chars = glob.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
                pattern.push_str(".*");
            }
            '*' => pattern.push_str("[^/]*"),
            '?' => pattern.push_str("[^/]"),
            other => pattern.push_str(&regex::escape(&other.to_string())),
        }
    }
    pattern.push('$');
    Regex::new(&pattern).map_err(|error| format!("image glob `{glob}`: {error}"))
}

impl CompiledPolicy {
    pub fn matches(&self, image: &str) -> bool {
        let name = matched_name(image);
        self.patterns.iter().any(|pattern| pattern.is_match(&name))
    }
}

fn mode_of(text: Option<&str>) -> Mode {
    match text {
        Some("warn") => Mode::Warn,
        Some("audit") => Mode::Audit,
        _ => Mode::Enforce,
    }
}

impl SignaturePolicies {
    /// Compiles rampart.toml's policies; `resolve` makes the file's paths absolute.
    /// A key, trust root or pattern that cannot be read is an error naming the file.
    pub fn from_config(
        images: &ImagesConfig,
        config_path: &str,
        resolve: &dyn Fn(&Path) -> PathBuf,
    ) -> Result<SignaturePolicies, ScanError> {
        let error = |message: String| ScanError::new(config_path.to_string(), None, message);
        let mut roots: Vec<(PathBuf, Arc<TrustRoot>, Vec<u8>)> = Vec::new();
        let mut root_at = |path: &Path| -> Result<(Arc<TrustRoot>, Vec<u8>), ScanError> {
            let path = resolve(path);
            if let Some((_, root, bytes)) = roots.iter().find(|(known, _, _)| *known == path) {
                return Ok((root.clone(), bytes.clone()));
            }
            let bytes =
                std::fs::read(&path).map_err(|failure| error(format!("trust root {}: {failure}", path.display())))?;
            let root = Arc::new(
                TrustRoot::from_json(&bytes)
                    .map_err(|failure| error(format!("trust root {}: {failure}", path.display())))?,
            );
            roots.push((path, root.clone(), bytes.clone()));
            Ok((root, bytes))
        };
        let mut policies = Vec::new();
        for policy in &images.policies {
            let name = policy.name.get_ref().clone();
            let patterns = policy
                .images
                .iter()
                .map(|glob| glob_pattern(glob).map_err(|failure| error(format!("images.policy `{name}`: {failure}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let mode = mode_of(policy.mode.as_ref().map(|mode| mode.get_ref().as_str()));
            let mut fingerprint = Sha256::new();
            fingerprint.update(format!("{name}\n{:?}\n{}\n", mode, policy.images.join("\n")));
            let mut authorities = Vec::new();
            for authority in &policy.authorities {
                let compiled = if let Some(key_path) = &authority.key {
                    let path = resolve(key_path);
                    let pem = std::fs::read(&path).map_err(|failure| {
                        error(format!("images.policy `{name}`: key {}: {failure}", path.display()))
                    })?;
                    let key = PublicKey::from_pem(&pem).map_err(|failure| {
                        error(format!("images.policy `{name}`: key {}: {failure}", path.display()))
                    })?;
                    fingerprint.update(&pem);
                    let trust_root = match &authority.trust_root {
                        Some(root) => {
                            let (root, bytes) = root_at(root)?;
                            fingerprint.update(&bytes);
                            Some(root)
                        }
                        None => None,
                    };
                    CompiledAuthority {
                        label: format!("key {}", key_path.display()),
                        authority: Authority::Key(key),
                        trust_root,
                    }
                } else {
                    let issuer = authority.issuer.clone().unwrap_or_default();
                    let (subject, shown) = match (&authority.subject, &authority.subject_regex) {
                        (Some(exact), _) => (SubjectMatch::Exact(exact.clone()), exact.clone()),
                        (None, Some(pattern)) => {
                            let anchored = format!("^(?:{pattern})$");
                            let regex = Regex::new(&anchored).map_err(|failure| {
                                error(format!("images.policy `{name}`: subject-regex: {failure}"))
                            })?;
                            (SubjectMatch::Pattern(regex), format!("/{pattern}/"))
                        }
                        (None, None) => {
                            return Err(error(format!("images.policy `{name}`: an authority names no subject")));
                        }
                    };
                    let root_path = authority.trust_root.as_ref().or(images.trust_root.as_ref()).ok_or_else(|| {
                        error(format!(
                            "images.policy `{name}`: a keyless authority needs a trust root (`trust-root` on it or in [images]; Sigstore's public one is its trusted_root.json)"
                        ))
                    })?;
                    let (root, bytes) = root_at(root_path)?;
                    fingerprint.update(format!("{issuer}\n{shown}\n"));
                    fingerprint.update(&bytes);
                    CompiledAuthority {
                        label: format!("issuer {issuer} subject {shown}"),
                        authority: Authority::Identity { issuer, subject },
                        trust_root: Some(root),
                    }
                };
                authorities.push(compiled);
            }
            if authorities.is_empty() {
                return Err(error(format!(
                    "images.policy `{name}` has no authority: nothing could satisfy it"
                )));
            }
            policies.push(CompiledPolicy {
                name,
                mode,
                globs: policy.images.clone(),
                patterns,
                authorities,
                fingerprint: rampart_sigstore::hex(&fingerprint.finalize()),
            });
        }
        let unmatched = match images.unmatched() {
            "allow" => Unmatched::Allow,
            "deny" => Unmatched::Deny,
            _ => Unmatched::Warn,
        };
        Ok(SignaturePolicies { policies, unmatched })
    }

    /// One enforcing policy over every image: the command line's `--key`.
    pub fn for_key(key_path: &Path) -> Result<SignaturePolicies, ScanError> {
        let error = |message: String| ScanError::new(key_path.display().to_string(), None, message);
        let pem = std::fs::read(key_path).map_err(|failure| error(failure.to_string()))?;
        let key = PublicKey::from_pem(&pem).map_err(error)?;
        let fingerprint = rampart_sigstore::hex(&Sha256::digest([b"--key\n".as_slice(), &pem].concat()));
        Ok(SignaturePolicies {
            policies: vec![CompiledPolicy {
                name: "--key".to_string(),
                mode: Mode::Enforce,
                globs: vec!["**".to_string()],
                patterns: vec![glob_pattern("**").expect("a valid pattern")],
                authorities: vec![CompiledAuthority {
                    label: format!("key {}", key_path.display()),
                    authority: Authority::Key(key),
                    trust_root: None,
                }],
                fingerprint,
            }],
            unmatched: Unmatched::Deny,
        })
    }

    /// The policies that govern `image`.
    pub fn matching(&self, image: &str) -> Vec<&CompiledPolicy> {
        self.policies.iter().filter(|policy| policy.matches(image)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(glob: &str, image: &str) -> bool {
        glob_pattern(glob).unwrap().is_match(&matched_name(image))
    }

    #[test]
    fn single_stars_stay_within_a_segment_double_stars_cross() {
        assert!(matches("ghcr.io/acme/*", "ghcr.io/acme/shop:1.4.2"));
        assert!(!matches("ghcr.io/acme/*", "ghcr.io/acme/team/shop:1"));
        assert!(matches("ghcr.io/acme/**", "ghcr.io/acme/team/shop@sha256:00"));
        assert!(!matches("ghcr.io/acme/*", "ghcr.io/acme-evil/shop"));
        assert!(!matches("ghcr.io/acme/**", "ghcr.io/acme-evil/shop"));
        assert!(matches("ghcr.io/acme/sh?p", "ghcr.io/acme/shop"));
        assert!(matches("**", "nginx"));
        // Docker Hub, however it is written.
        assert!(matches("nginx", "nginx:1.27"));
        assert!(matches("docker.io/library/nginx", "index.docker.io/library/nginx"));
        assert!(matches("index.docker.io/library/*", "nginx"));
        assert!(matches("bitnami/*", "docker.io/bitnami/redis:7"));
        assert!(!matches("bitnami/*", "ghcr.io/bitnami/redis"));
        assert!(matches("127.0.0.1:5000/acme/*", "127.0.0.1:5000/acme/shop:1"));
        // Regex characters in a glob are literal.
        assert!(!matches("ghcr.io/acme/a.c", "ghcr.io/acme/abc"));
    }
}
