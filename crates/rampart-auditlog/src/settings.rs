//! What a team tells the detection rules (rampart.toml `[audit-log]`), with defaults that
//! know Kubernetes' own components.

/// An identity pattern: a username (`alice`, `system:serviceaccount:ops:backup`), or
/// `group:NAME`; a trailing `*` matches any rest (`system:serviceaccount:kube-system:*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity(pub String);

impl Identity {
    pub fn matches(&self, user: &str, groups: &[&str]) -> bool {
        let matches = |pattern: &str, text: &str| match pattern.strip_suffix('*') {
            Some(prefix) => text.starts_with(prefix),
            None => pattern == text,
        };
        match self.0.strip_prefix("group:") {
            Some(group) => groups.iter().any(|candidate| matches(group, candidate)),
            None => matches(&self.0, user),
        }
    }
}

/// Who is expected to read Secrets in the namespaces `namespace` matches (`*` for all, or a
/// name with a trailing `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretReaders {
    pub namespace: String,
    pub identities: Vec<Identity>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Identities expected to read Secrets; the defaults are Kubernetes' own (the
    /// controller manager, `kube-system` service accounts, nodes for their pods' Secrets).
    pub secret_readers: Vec<SecretReaders>,
    /// Refused requests (403) of one identity within `forbidden_window_seconds` that make a
    /// spike.
    pub forbidden_threshold: usize,
    pub forbidden_window_seconds: i64,
    /// Namespaces whose workloads may break the Pod Security baseline (node agents, CNI).
    pub privileged_namespaces: Vec<String>,
    /// The detections of one identity this close in time make one incident.
    pub incident_window_seconds: i64,
    /// Image prefixes of the platform's own add-ons, whose pods controllers may start in
    /// `kube-system` and `kube-public`.
    pub platform_images: Vec<String>,
}

/// Registries the managed platforms and Kubernetes itself ship add-ons from.
pub const DEFAULT_PLATFORM_IMAGES: &[&str] = &[
    "registry.k8s.io/",
    "k8s.gcr.io/",
    "gke.gcr.io/",
    "gcr.io/gke-release/",
    "mcr.microsoft.com/",
    "public.ecr.aws/eks/",
    "public.ecr.aws/eks-distro/",
    "602401143452.dkr.ecr.",
    "quay.io/cilium/",
    "docker.io/calico/",
    "quay.io/calico/",
    "quay.io/tigera/",
    "docker.io/coredns/",
];

/// Readers of Secrets by design: Kubernetes' own components, and the controllers whose job
/// is Secrets, in the namespaces their standard installs use (ingress controllers read TLS
/// Secrets, cert-manager writes them, External Secrets and Sealed Secrets sync them, Argo CD
/// and Flux apply them).
pub const DEFAULT_SECRET_READERS: &[&str] = &[
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:apiserver",
    "system:serviceaccount:kube-system:*",
    "system:node:*",
    "group:system:nodes",
    "group:system:masters",
    "system:serviceaccount:ingress-nginx:ingress-nginx",
    "system:serviceaccount:cert-manager:cert-manager",
    "system:serviceaccount:cert-manager:cert-manager-cainjector",
    "system:serviceaccount:external-secrets:external-secrets",
    "system:serviceaccount:argocd:argocd-application-controller",
    "system:serviceaccount:argocd:argocd-server",
    "system:serviceaccount:flux-system:kustomize-controller",
    "system:serviceaccount:flux-system:helm-controller",
];

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            secret_readers: vec![SecretReaders {
                namespace: "*".to_string(),
                identities: DEFAULT_SECRET_READERS
                    .iter()
                    .map(|identity| Identity(identity.to_string()))
                    .collect(),
            }],
            forbidden_threshold: 20,
            forbidden_window_seconds: 300,
            privileged_namespaces: Vec::new(),
            incident_window_seconds: 900,
            platform_images: DEFAULT_PLATFORM_IMAGES
                .iter()
                .map(|prefix| prefix.to_string())
                .collect(),
        }
    }
}

impl Settings {
    /// The defaults with rampart.toml's `[audit-log]` on top (its readers and platform images
    /// added to the built-in ones).
    pub fn from_config(config: &rampart_core::AuditLogConfig) -> Settings {
        let mut settings = Settings::default();
        settings
            .secret_readers
            .extend(config.secret_readers.iter().map(|readers| {
                SecretReaders {
                    namespace: readers.namespace.clone(),
                    identities: readers
                        .identities
                        .iter()
                        .map(|identity| Identity(identity.clone()))
                        .collect(),
                }
            }));
        if let Some(threshold) = config.forbidden_threshold {
            settings.forbidden_threshold = threshold;
        }
        if let Some(window) = config.forbidden_window_seconds {
            settings.forbidden_window_seconds = window;
        }
        if let Some(window) = config.incident_window_seconds {
            settings.incident_window_seconds = window;
        }
        settings.privileged_namespaces = config.privileged_namespaces.clone();
        settings.platform_images.extend(config.platform_images.iter().cloned());
        settings
    }
}

/// Whether `pattern` (`*`, `name`, `prefix*`) matches `namespace`.
pub fn namespace_matches(pattern: &str, namespace: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => namespace.starts_with(prefix),
        None => pattern == namespace,
    }
}

impl Settings {
    /// Whether `user` (in `groups`) is expected to read Secrets in `namespace` (`None`:
    /// across all namespaces).
    pub fn reads_secrets(&self, user: &str, groups: &[&str], namespace: Option<&str>) -> bool {
        self.secret_readers.iter().any(|readers| {
            let in_scope = match namespace {
                Some(namespace) => namespace_matches(&readers.namespace, namespace),
                None => readers.namespace == "*",
            };
            in_scope && readers.identities.iter().any(|identity| identity.matches(user, groups))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_match_users_groups_and_prefixes() {
        let settings = Settings::default();
        assert!(settings.reads_secrets(
            "system:serviceaccount:kube-system:generic-garbage-collector",
            &[],
            Some("shop")
        ));
        assert!(settings.reads_secrets("system:node:worker-1", &["system:nodes"], Some("shop")));
        assert!(!settings.reads_secrets("alice", &["system:authenticated"], Some("shop")));
        assert!(!settings.reads_secrets("system:serviceaccount:shop:web", &[], Some("shop")));
        let mut team = Settings::default();
        team.secret_readers.push(SecretReaders {
            namespace: "vault-*".to_string(),
            identities: vec![Identity("system:serviceaccount:vault-operator:*".to_string())],
        });
        assert!(team.reads_secrets("system:serviceaccount:vault-operator:sync", &[], Some("vault-apps")));
        assert!(!team.reads_secrets("system:serviceaccount:vault-operator:sync", &[], Some("shop")));
        assert!(!team.reads_secrets("system:serviceaccount:vault-operator:sync", &[], None));
        assert!(Identity("group:oncall".to_string()).matches("bob", &["oncall"]));
    }

    #[test]
    fn rampart_toml_adds_to_the_defaults() {
        let config: rampart_core::Config = toml::from_str(
            "[audit-log]\nforbidden-threshold = 5\nprivileged-namespaces = [\"monitoring\"]\n[[audit-log.secret-readers]]\nnamespace = \"cert-manager\"\nidentities = [\"system:serviceaccount:cert-manager:*\"]\n",
        )
        .unwrap();
        let settings = Settings::from_config(&config.audit_log);
        assert_eq!(settings.forbidden_threshold, 5);
        assert_eq!(settings.privileged_namespaces, ["monitoring"]);
        assert!(settings.reads_secrets("system:serviceaccount:cert-manager:x", &[], Some("cert-manager")));
        assert!(
            settings.reads_secrets("system:kube-controller-manager", &[], Some("shop")),
            "defaults kept"
        );
        let unknown: Result<rampart_core::Config, _> = toml::from_str("[audit-log]\nthreshold = 5\n");
        assert!(unknown.is_err());
    }
}
