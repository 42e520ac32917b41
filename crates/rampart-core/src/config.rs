//! `rampart.toml`: one file for a team's choices, found by walking up from
//! the scanned path. Every command reads it; flags on the command line win.
//!
//! Unknown keys and wrong types are errors naming the file, the line and
//! the key: a misspelt `ignore` that silently did nothing would be worse
//! than no configuration at all.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::{Control, Severity};

/// How often a control may be required to run.
pub const FREQUENCIES: &[&str] = &[
    "every-commit",
    "every-pr",
    "every-release",
    "weekly",
    "monthly",
    "quarterly",
];

/// The file name looked for.
pub const CONFIG_FILE: &str = "rampart.toml";

/// A team's configuration. Relative paths in it are relative to the file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Config {
    /// Rules to run: ids, `prefix-*`, controls or severities. Empty: all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub select: Vec<Spanned<String>>,
    /// Rules not to run, in the same terms; wins over `select`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<Spanned<String>>,
    /// Exit 1 for findings at or above this severity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_on: Option<Severity>,
    /// The rule set: pss-baseline, pss-restricted, checklist or all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::Profile>,
    /// Folders of Rego policies (the same as `[policy] paths`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<PathBuf>,
    /// Rules no suppression, exception or baseline can silence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_waivable: Vec<Spanned<String>>,
    /// A rule's severity, changed: `image-tag-not-latest = "critical"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub severity: BTreeMap<Spanned<String>, Severity>,
    /// How often each control must run, by control id: every-commit,
    /// every-pr, every-release, weekly, monthly or quarterly.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub frequency: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    pub kubernetes: KubernetesConfig,
    #[serde(default)]
    pub secrets: SecretsConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
    #[serde(default)]
    pub exceptions: ExceptionsConfig,
    #[serde(default)]
    pub output: OutputConfig,
    #[serde(default)]
    pub admission: AdmissionConfig,
    #[serde(default)]
    pub images: ImagesConfig,
    #[serde(default, rename = "audit-log")]
    pub audit_log: AuditLogConfig,
    #[serde(default)]
    pub response: ResponseConfig,
    /// Where it was read from, to resolve relative paths and name lines.
    #[serde(skip)]
    pub origin: Option<Origin>,
}

/// `[response]`: who approves each kind of containment step, as the runbook names them.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ResponseConfig {
    /// Who approves isolating workloads (labels, network policies, cordons).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub isolate: Option<String>,
    /// Who approves revoking identities and rotating credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoke: Option<String>,
    /// Who approves shutting services down (scaling to 0, ending pods, freezing a namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shutdown: Option<String>,
}

/// `[audit-log]`: what the detection rules of `rampart audit-log` expect of this cluster.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AuditLogConfig {
    /// Who is expected to read Secrets where, beyond Kubernetes' own components.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_readers: Vec<SecretReadersConfig>,
    /// Refusals (403) of one identity within the window that make a spike (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forbidden_threshold: Option<usize>,
    /// The window of a spike of refusals, in seconds (default 300).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forbidden_window_seconds: Option<i64>,
    /// Namespaces whose workloads may break the Pod Security baseline (node agents).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileged_namespaces: Vec<String>,
    /// The detections of one identity this close in time are one incident (default 900).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident_window_seconds: Option<i64>,
    /// Image prefixes of the platform's add-ons, added to the built-in ones.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub platform_images: Vec<String>,
}

/// `[[audit-log.secret-readers]]`: identities (`name`, `group:NAME`, a trailing `*`)
/// expected to read Secrets in the namespaces `namespace` matches (`*` for all).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SecretReadersConfig {
    pub namespace: String,
    pub identities: Vec<String>,
}

/// The file a configuration came from.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub path: PathBuf,
    source: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct KubernetesConfig {
    /// Namespace of objects that set none (default: `default`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_namespace: Option<String>,
    /// Registries images may come from (host, or host/path prefix).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_registries: Vec<String>,
    /// Annotation naming who owns an RBAC object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_annotation: Option<String>,
    /// Annotation giving the date an RBAC object must be reviewed by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_annotation: Option<String>,
    /// Custom workload kinds, keyed `group/Kind`, and the path of their pod
    /// template: `"serving.knative.dev/Service" = "spec.template"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub workload_kinds: BTreeMap<Spanned<String>, String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct SecretsConfig {
    /// A gitleaks configuration to use instead of (or, with its
    /// `[extend] useDefault`, on top of) the built-in rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitleaks_config: Option<PathBuf>,
    /// Paths (regexes) never searched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_paths: Vec<String>,
    /// Secrets (regexes) that are not secrets.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_regexes: Vec<String>,
    /// Words that make a secret a non-secret.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stopwords: Vec<String>,
    /// Files larger than this many bytes are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_file_size: Option<u64>,
    /// The baseline `rampart secrets` compares with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<PathBuf>,
    /// The team's own rules, in the built-in catalogue's format (`id`,
    /// `title`, `regex`, `keywords`, `entropy`, `severity`, ...), added to
    /// the built-in ones. Read by the secrets engine, which checks them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<toml::Table>,
    /// Days a Secret may go unwritten before `secret-rotation-overdue`
    /// reports it (default 90).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_days: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ImagesConfig {
    /// Days a vulnerability report stays recent before
    /// `image-report-stale` reports it (default 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report_max_age_days: Option<u32>,
    /// What an image no signature policy names gets: `allow`, `warn`
    /// (default) or `deny`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unmatched: Option<Spanned<String>>,
    /// The Sigstore trust root (`trusted_root.json`) keyless authorities
    /// verify against, unless an authority names its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_root: Option<PathBuf>,
    /// Seconds a verification result is reused (default 3600).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_ttl_seconds: Option<u64>,
    /// Registries (host or host:port) reached over plain HTTP; loopback
    /// registries always are.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub insecure_registries: Vec<String>,
    /// Signature policies: every policy whose images match an image must
    /// be satisfied by one of its authorities.
    #[serde(default, rename = "policy", skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<ImagePolicyConfig>,
    /// Images no workload may run (`image-blocked`), as an incident decided.
    #[serde(default, rename = "block", skip_serializing_if = "Vec::is_empty")]
    pub blocked: Vec<BlockedImage>,
}

/// One `[[images.block]]`: an image no workload may run, or a whole family of it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct BlockedImage {
    /// `registry/repository@sha256:...` or `sha256:...`: that image, by any name;
    /// `registry/repository:tag`: that tag; `registry/repository`: every tag and digest of
    /// it (the family) but those in `except`.
    pub image: String,
    /// Why (the advisory, the incident); shown in every finding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// References still allowed (the fixed digest), for a family.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

impl BlockedImage {
    /// Whether `image` (a container's `image`, or a status `imageID` such as
    /// `docker-pullable://nginx@sha256:...`) is blocked.
    pub fn blocks(&self, image: &str) -> bool {
        let image = image.trim();
        let image = image.split_once("://").map_or(image, |(_, rest)| rest);
        let seen = crate::ImageRef::parse(image);
        let same_digest = |digest: &str| seen.digest == Some(digest) || image == digest;
        let excepted = self.except.iter().any(|allowed| {
            let allowed = crate::ImageRef::parse(allowed);
            match allowed.digest {
                Some(digest) => same_digest(digest),
                None => {
                    allowed.registry == seen.registry
                        && allowed.repository == seen.repository
                        && allowed.tag == seen.tag
                }
            }
        });
        if excepted {
            return false;
        }
        let blocked = self.image.trim();
        if blocked.starts_with("sha256:") {
            return same_digest(blocked);
        }
        let blocked = crate::ImageRef::parse(blocked);
        if let Some(digest) = blocked.digest {
            return same_digest(digest);
        }
        blocked.registry == seen.registry
            && blocked.repository == seen.repository
            && blocked.tag.is_none_or(|tag| seen.tag == Some(tag))
    }
}

/// One `[[images.policy]]`: which images, who must have signed them, and
/// what a failure does.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ImagePolicyConfig {
    pub name: Spanned<String>,
    /// Globs over `registry/repository` (`*` stays within a path segment,
    /// `**` crosses them): `ghcr.io/acme/**`.
    pub images: Vec<String>,
    /// `enforce` (default), `warn` or `audit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Spanned<String>>,
    /// Any one of them suffices.
    #[serde(default, rename = "authority")]
    pub authorities: Vec<ImageAuthorityConfig>,
}

/// A signer a policy trusts: a public key (PEM file), or a keyless
/// identity (OIDC issuer and subject, or a subject pattern).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ImageAuthorityConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// A regular expression the whole subject must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_regex: Option<String>,
    /// This authority's own trust root (else `images.trust-root`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust_root: Option<PathBuf>,
}

impl ImagesConfig {
    pub const DEFAULT_REPORT_MAX_AGE_DAYS: u32 = 7;
    pub const DEFAULT_CACHE_TTL_SECONDS: u64 = 3600;

    /// `allow`, `warn` or `deny`.
    pub fn unmatched(&self) -> &str {
        self.unmatched.as_ref().map_or("warn", |mode| mode.get_ref().as_str())
    }

    pub fn cache_ttl_seconds(&self) -> u64 {
        self.cache_ttl_seconds.unwrap_or(Self::DEFAULT_CACHE_TTL_SECONDS)
    }

    /// The configured age, or the default.
    pub fn report_max_age_days(&self) -> u32 {
        self.report_max_age_days.unwrap_or(Self::DEFAULT_REPORT_MAX_AGE_DAYS)
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct PolicyConfig {
    /// Folders of `.rego` policies.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<PathBuf>,
    /// The package whose rules are read (default: `main`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct ExceptionsConfig {
    /// The exceptions file (default: `.rampart/exceptions.yaml`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
    /// An exception this close to its expiry raises a warning (default 14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_days: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct OutputConfig {
    /// `text`, `json`, `sarif`, `junit` or `markdown`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
}

/// The admission webhook's modes (`audit`, `warn`, `enforce`): globally,
/// by rule (id, `prefix-*`, control or severity) and by namespace. The
/// most specific applies: a rule's mode over a namespace's over the global.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct AdmissionConfig {
    /// The mode of every finding no more specific entry names (the command
    /// line's `--mode` wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Spanned<String>>,
    /// Namespaces never judged (instead of `kube-system` and
    /// `kube-node-lease`; the server's own is always exempt).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exempt_namespaces: Vec<String>,
    /// Modes by rule: `"no-privileged" = "enforce"`, `"rbac-*" = "warn"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<Spanned<String>, Spanned<String>>,
    /// Modes by namespace: `shop = "enforce"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub namespaces: BTreeMap<String, Spanned<String>>,
}

/// The admission modes rampart.toml may name.
pub const ADMISSION_MODES: &[&str] = &["audit", "warn", "enforce"];

/// A configuration that cannot be used: the file, the line, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

/// Which rules a `select`, `ignore` or `non-waivable` entry names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleSelector {
    All,
    Id(String),
    /// `rbac-*`: every id that starts with `rbac-`.
    Prefix(String),
    Control(Control),
    Severity(Severity),
}

impl RuleSelector {
    pub fn parse(text: &str) -> RuleSelector {
        let text = text.trim();
        if text == "*" || text == "all" {
            return RuleSelector::All;
        }
        if let Some(prefix) = text.strip_suffix('*') {
            return RuleSelector::Prefix(prefix.to_string());
        }
        if let Ok(severity) = text.parse() {
            return RuleSelector::Severity(severity);
        }
        if let Ok(control) = text.parse() {
            return RuleSelector::Control(control);
        }
        RuleSelector::Id(text.to_string())
    }

    pub fn matches(&self, id: &str, controls: &[Control], severity: Severity) -> bool {
        match self {
            RuleSelector::All => true,
            RuleSelector::Id(wanted) => wanted == id,
            RuleSelector::Prefix(prefix) => id.starts_with(prefix.as_str()),
            RuleSelector::Control(control) => controls.contains(control),
            RuleSelector::Severity(wanted) => *wanted == severity,
        }
    }
}

/// The rule selection a configuration and the command line make together.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    select: Vec<RuleSelector>,
    ignore: Vec<RuleSelector>,
}

impl Selection {
    /// `--skip` ids from the command line add to `ignore`.
    pub fn new(config: &Config, skipped: &[String]) -> Selection {
        Selection {
            select: config
                .select
                .iter()
                .map(|entry| RuleSelector::parse(entry.get_ref()))
                .collect(),
            ignore: config
                .ignore
                .iter()
                .map(|entry| entry.get_ref().as_str())
                .chain(skipped.iter().map(String::as_str))
                .map(RuleSelector::parse)
                .collect(),
        }
    }

    pub fn runs(&self, id: &str, controls: &[Control], severity: Severity) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| s.matches(id, controls, severity));
        selected && !self.ignore.iter().any(|s| s.matches(id, controls, severity))
    }
}

impl Config {
    /// Parses a configuration; `path` names it in errors.
    pub fn parse(path: &Path, source: &str) -> Result<Config, ConfigError> {
        let mut config: Config = toml::from_str(source).map_err(|error| ConfigError {
            path: path.display().to_string(),
            line: error.span().map(|span| line_of(source, span.start)),
            message: error.message().trim().to_string(),
        })?;
        config.origin = Some(Origin {
            path: path.to_path_buf(),
            source: source.to_string(),
        });
        for (control, frequency) in &config.frequency {
            if control.get_ref().parse::<Control>().is_err() {
                return Err(config.error_at(
                    Some(control.span().start),
                    format!("frequency: `{}` is not a control", control.get_ref()),
                ));
            }
            if !FREQUENCIES.contains(&frequency.get_ref().as_str()) {
                return Err(config.error_at(
                    Some(frequency.span().start),
                    format!(
                        "frequency: `{}`: expected one of {}",
                        frequency.get_ref(),
                        FREQUENCIES.join(", ")
                    ),
                ));
            }
        }
        for (key, template) in &config.kubernetes.workload_kinds {
            let problem = match key.get_ref().rsplit_once('/') {
                None => Some(format!(
                    "kubernetes.workload-kinds: `{kind}` has no API group, so it would make every `{kind}` of every group a workload (core `{kind}` objects included); key it by group and kind, as in \"serving.knative.dev/Service\" = \"spec.template\"",
                    kind = key.get_ref()
                )),
                Some((group, kind)) if group.is_empty() || kind.is_empty() => Some(format!(
                    "kubernetes.workload-kinds: `{}`: expected \"group/Kind\"",
                    key.get_ref()
                )),
                Some(_) if template.trim().is_empty() => Some(format!(
                    "kubernetes.workload-kinds: `{}`: the pod template path is empty",
                    key.get_ref()
                )),
                Some(_) => None,
            };
            if let Some(message) = problem {
                return Err(config.error_at(Some(key.span().start), message));
            }
        }
        let admission = &config.admission;
        let modes = admission
            .mode
            .iter()
            .chain(admission.rules.values())
            .chain(admission.namespaces.values());
        for mode in modes {
            if !ADMISSION_MODES.contains(&mode.get_ref().as_str()) {
                return Err(config.error_at(
                    Some(mode.span().start),
                    format!("admission mode `{}`: expected audit, warn or enforce", mode.get_ref()),
                ));
            }
        }
        if let Some(unmatched) = &config.images.unmatched
            && !["allow", "warn", "deny"].contains(&unmatched.get_ref().as_str())
        {
            return Err(config.error_at(
                Some(unmatched.span().start),
                format!(
                    "images.unmatched `{}`: expected allow, warn or deny",
                    unmatched.get_ref()
                ),
            ));
        }
        for blocked in &config.images.blocked {
            let image = blocked.image.trim();
            if image.is_empty() || image.contains(char::is_whitespace) {
                return Err(config.error_at(
                    None,
                    format!("images.block `{image}`: give an image reference, a digest or a repository"),
                ));
            }
        }
        for policy in &config.images.policies {
            let name = policy.name.get_ref();
            let at = Some(policy.name.span().start);
            if let Some(mode) = &policy.mode
                && !ADMISSION_MODES.contains(&mode.get_ref().as_str())
            {
                return Err(config.error_at(
                    Some(mode.span().start),
                    format!(
                        "images.policy `{name}`: mode `{}`: expected enforce, warn or audit",
                        mode.get_ref()
                    ),
                ));
            }
            if policy.images.is_empty() || policy.images.iter().any(|glob| glob.trim().is_empty()) {
                return Err(config.error_at(at, format!("images.policy `{name}`: `images` names no image glob")));
            }
            // An empty set of authorities would verify nothing and must never pass.
            if policy.authorities.is_empty() {
                return Err(config.error_at(
                    at,
                    format!("images.policy `{name}` has no [[images.policy.authority]]: nothing could satisfy it"),
                ));
            }
            for authority in &policy.authorities {
                let keyless =
                    authority.issuer.is_some() || authority.subject.is_some() || authority.subject_regex.is_some();
                let problem = match (&authority.key, keyless) {
                    (Some(_), true) => Some("an authority is either a key or a keyless identity, not both"),
                    (None, false) => Some("an authority names no key and no keyless identity"),
                    (None, true) if authority.issuer.is_none() => Some("a keyless authority needs its OIDC `issuer`"),
                    (None, true) if authority.subject.is_some() == authority.subject_regex.is_some() => {
                        Some("a keyless authority needs one of `subject` or `subject-regex`")
                    }
                    _ => None,
                };
                if let Some(problem) = problem {
                    return Err(config.error_at(at, format!("images.policy `{name}`: {problem}")));
                }
            }
        }
        if let Some(format) = &config.output.format
            && !["text", "json", "sarif", "junit", "markdown"].contains(&format.as_str())
        {
            return Err(config.error_at(
                None,
                format!("output.format `{format}`: expected text, json, sarif, junit or markdown"),
            ));
        }
        Ok(config)
    }

    /// Reads a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = std::fs::read_to_string(path).map_err(|error| ConfigError {
            path: path.display().to_string(),
            line: None,
            message: error.to_string(),
        })?;
        Config::parse(path, &source)
    }

    /// The nearest `rampart.toml` in `start` (a file's folder, or a folder)
    /// or above it.
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let start = if start.as_os_str().is_empty() || start == Path::new("-") {
            Path::new(".")
        } else {
            start
        };
        let absolute = std::path::absolute(start).ok()?;
        let mut folder = if absolute.is_dir() {
            Some(absolute.as_path())
        } else {
            absolute.parent()
        };
        while let Some(dir) = folder {
            let candidate = dir.join(CONFIG_FILE);
            if candidate.is_file() {
                return Some(candidate);
            }
            folder = dir.parent();
        }
        None
    }

    /// A path from the file, made relative to the file's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        match self.origin.as_ref().and_then(|origin| origin.path.parent()) {
            Some(folder) if path.is_relative() => folder.join(path),
            _ => path.to_path_buf(),
        }
    }

    /// Checks that every rule id the file names exists (`known` says), so a
    /// typo is an error at its line rather than a rule silently running.
    pub fn check_rule_ids(&self, known: &dyn Fn(&str) -> bool) -> Result<(), ConfigError> {
        let named = self
            .select
            .iter()
            .map(|entry| ("select", entry))
            .chain(self.ignore.iter().map(|entry| ("ignore", entry)))
            .chain(self.non_waivable.iter().map(|entry| ("non-waivable", entry)))
            .chain(self.severity.keys().map(|entry| ("severity", entry)))
            .chain(self.admission.rules.keys().map(|entry| ("admission.rules", entry)));
        for (key, entry) in named {
            let unknown = match RuleSelector::parse(entry.get_ref()) {
                RuleSelector::Id(id) => !known(&id),
                RuleSelector::Prefix(prefix) => prefix.is_empty(),
                _ => false,
            };
            let is_severity_key =
                key == "severity" && !matches!(RuleSelector::parse(entry.get_ref()), RuleSelector::Id(_));
            if unknown || is_severity_key {
                return Err(self.error_at(
                    Some(entry.span().start),
                    format!(
                        "{key}: `{}` is not a rule id{} (`rampart rules` lists them)",
                        entry.get_ref(),
                        if key == "severity" { "" } else { ", control or severity" }
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The severity the configuration gives a rule, if it changes it.
    pub fn severity_of(&self, id: &str) -> Option<Severity> {
        self.severity
            .iter()
            .find(|(key, _)| key.get_ref() == id)
            .map(|(_, severity)| *severity)
    }

    /// The `non-waivable` entries as selectors.
    pub fn non_waivable_selectors(&self) -> Vec<RuleSelector> {
        self.non_waivable
            .iter()
            .map(|entry| RuleSelector::parse(entry.get_ref()))
            .collect()
    }

    /// Whether no suppression may silence this rule.
    pub fn is_non_waivable(&self, id: &str, controls: &[Control], severity: Severity) -> bool {
        self.non_waivable
            .iter()
            .any(|entry| RuleSelector::parse(entry.get_ref()).matches(id, controls, severity))
    }

    /// The configuration as TOML, for `rampart config show`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|error| format!("# cannot show the configuration: {error}\n"))
    }

    fn error_at(&self, offset: Option<usize>, message: String) -> ConfigError {
        let (path, line) = match &self.origin {
            Some(origin) => (
                origin.path.display().to_string(),
                offset.map(|offset| line_of(&origin.source, offset)),
            ),
            None => (CONFIG_FILE.to_string(), None),
        };
        ConfigError { path, line, message }
    }
}

fn line_of(source: &str, offset: usize) -> usize {
    source[..offset.min(source.len())].matches('\n').count() + 1
}

/// What `rampart config init` writes: every section, commented.
pub const STARTER: &str = r#"# Rampart configuration. Commands find the nearest rampart.toml at or above
# the path they scan; flags on the command line win over this file.

# Rules to run and not to run: rule ids, `prefix-*`, controls (rbac,
# network, runtime, secrets, ...) or severities. `ignore` wins.
# select = ["all"]
# ignore = ["namespace-resource-quota"]

# Exit 1 for findings at or above this severity.
fail-on = "high"

# The rule set: pss-baseline, pss-restricted, checklist (the compact
# deployment gate) or all.
# profile = "all"

# Rules that no annotation, exception or baseline can silence.
non-waivable = ["no-privileged", "rbac-anonymous-binding"]

# How often each control must run (every-commit, every-pr, every-release,
# weekly, monthly, quarterly); `rampart controls` shows it.
[frequency]
# rbac = "quarterly"

# Change a rule's severity.
[severity]
# image-tag-not-latest = "critical"

[kubernetes]
# default-namespace = "default"
# allowed-registries = ["registry.example.com", "ghcr.io/acme"]
# owner-annotation = "rampart.dev/owner"
# review-annotation = "rampart.dev/review-by"

# Custom workload kinds: "group/Kind" = path of its pod template (a
# PodTemplateSpec with metadata and spec). The group keeps a custom kind from
# turning a core kind of the same name into a workload.
[kubernetes.workload-kinds]
# "serving.knative.dev/Service" = "spec.template"

[secrets]
# gitleaks-config = ".gitleaks.toml"
# allow-paths = ['''^testdata/''']
# allow-regexes = ['''^dummy-''']
# stopwords = ["example"]
# baseline = ".rampart/secrets-baseline.json"
# Days a Secret in a cluster may go unwritten (`rampart audit`).
# max-age-days = 90

# The team's own credential formats, added to the built-in rules.
# [[secrets.rules]]
# id = "acme-internal-token"
# title = "ACME internal API token"
# keywords = ["acme_"]
# regex = '''\b(acme_[a-z0-9]{32})\b'''
# entropy = 3.0

[images]
# Days a vulnerability report stays recent (`rampart images gate`, `rampart ci --image-report`).
# report-max-age-days = 7
# Images no signature policy names: allow, warn or deny.
# unmatched = "warn"
# trust-root = "trusted_root.json"
# cache-ttl-seconds = 3600
# insecure-registries = ["registry.lan:5000"]

# Who must have signed which images (`rampart images verify`, `ci --verify-images`, `serve`).
# [[images.policy]]
# name = "acme-releases"
# images = ["ghcr.io/acme/**"]
# mode = "enforce"
# [[images.policy.authority]]
# key = "cosign.pub"
# [[images.policy.authority]]
# issuer = "https://token.actions.githubusercontent.com"
# subject-regex = "^https://github.com/acme/[^/]+/[.]github/workflows/release[.]yml@refs/tags/.*$"

[policy]
# paths = ["policy"]
# namespace = "main"

[exceptions]
# file = ".rampart/exceptions.yaml"
# warn-days = 14

[output]
# format = "text"
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("rampart.toml"), text)
    }

    #[test]
    fn the_starter_file_parses() {
        let config = parse(STARTER).unwrap();
        assert_eq!(config.fail_on, Some(Severity::High));
        assert_eq!(config.non_waivable.len(), 2);
    }

    #[test]
    fn unknown_keys_and_wrong_types_name_the_line_and_key() {
        let error = parse("fail-on = \"high\"\n\n[kubernetes]\nallowed-registry = [\"x\"]\n").unwrap_err();
        assert_eq!(error.line, Some(4), "{error}");
        assert!(error.message.contains("allowed-registry"), "{error}");
        let error = parse("select = \"all\"\n").unwrap_err();
        assert_eq!(error.line, Some(1), "{error}");
        let error = parse("[severity]\nimage-tag-not-latest = \"urgent\"\n").unwrap_err();
        assert_eq!(error.line, Some(2), "{error}");
        let error = parse("[output]\nformat = \"pdf\"\n").unwrap_err();
        assert!(error.message.contains("pdf"), "{error}");
    }

    #[test]
    fn frequencies_name_a_control_and_a_known_period() {
        assert!(parse("[frequency]\nrbac = \"quarterly\"\n").is_ok());
        let error = parse("[frequency]\nrbac = \"hourly\"\n").unwrap_err();
        assert_eq!(error.line, Some(2), "{error}");
        let error = parse("[frequency]\nfirewall = \"weekly\"\n").unwrap_err();
        assert!(error.message.contains("firewall"), "{error}");
    }

    #[test]
    fn workload_kinds_are_keyed_by_group_and_kind() {
        let config =
            parse("[kubernetes.workload-kinds]\n\"serving.knative.dev/Service\" = \"spec.template\"\n").unwrap();
        assert_eq!(config.kubernetes.workload_kinds.len(), 1);
        // A bare kind would make every core Service a workload.
        let error = parse("[kubernetes.workload-kinds]\n# knative\nService = \"spec.template\"\n").unwrap_err();
        assert_eq!(error.line, Some(3), "{error}");
        assert!(error.message.contains("serving.knative.dev/Service"), "{error}");
        let error = parse("[kubernetes.workload-kinds]\n\"/Service\" = \"spec.template\"\n").unwrap_err();
        assert!(error.message.contains("group/Kind"), "{error}");
        let error = parse("[kubernetes.workload-kinds]\n\"a.io/Web\" = \"\"\n").unwrap_err();
        assert!(error.message.contains("empty"), "{error}");
    }

    #[test]
    fn admission_modes_are_checked_at_their_line() {
        let error =
            parse("[admission]\nmode = \"warn\"\n\n[admission.rules]\n\"no-privileged\" = \"block\"\n").unwrap_err();
        assert_eq!(error.line, Some(5), "{error}");
        assert!(error.message.contains("`block`"), "{error}");
        let config = parse("[admission]\nmode = \"audit\"\nexempt-namespaces = [\"ops\"]\n[admission.namespaces]\nshop = \"enforce\"\n").unwrap();
        assert_eq!(config.admission.namespaces["shop"].get_ref(), "enforce");
    }

    #[test]
    fn image_policies_need_globs_and_a_well_formed_authority() {
        let config = parse(
            "[images]\nunmatched = \"deny\"\n[[images.policy]]\nname = \"acme\"\nimages = [\"ghcr.io/acme/**\"]\nmode = \"warn\"\n[[images.policy.authority]]\nkey = \"cosign.pub\"\n[[images.policy.authority]]\nissuer = \"https://token.actions.githubusercontent.com\"\nsubject-regex = \"^https://github.com/acme/.*$\"\n",
        )
        .unwrap();
        assert_eq!(config.images.unmatched(), "deny");
        assert_eq!(config.images.policies.len(), 1);
        assert_eq!(config.images.policies[0].authorities.len(), 2);
        assert_eq!(ImagesConfig::default().unmatched(), "warn");
        let broken = [
            ("[images]\nunmatched = \"maybe\"\n", 2, "allow, warn or deny"),
            (
                "[[images.policy]]\nname = \"none\"\nimages = [\"*\"]\n",
                2,
                "nothing could satisfy it",
            ),
            (
                "[[images.policy]]\nname = \"x\"\nimages = []\n[[images.policy.authority]]\nkey = \"k.pub\"\n",
                2,
                "no image glob",
            ),
            (
                "[[images.policy]]\nname = \"x\"\nimages = [\"*\"]\nmode = \"block\"\n[[images.policy.authority]]\nkey = \"k\"\n",
                4,
                "enforce, warn or audit",
            ),
            (
                "[[images.policy]]\nname = \"x\"\nimages = [\"*\"]\n[[images.policy.authority]]\nkey = \"k\"\nissuer = \"i\"\n",
                2,
                "not both",
            ),
            (
                "[[images.policy]]\nname = \"x\"\nimages = [\"*\"]\n[[images.policy.authority]]\nsubject = \"s\"\n",
                2,
                "issuer",
            ),
            (
                "[[images.policy]]\nname = \"x\"\nimages = [\"*\"]\n[[images.policy.authority]]\nissuer = \"i\"\n",
                2,
                "one of `subject`",
            ),
        ];
        for (text, line, says) in broken {
            let error = parse(text).unwrap_err();
            assert_eq!(error.line, Some(line), "{text}: {error}");
            assert!(error.to_string().contains(says), "{text}: {error}");
        }
    }

    #[test]
    fn rule_ids_are_checked_at_their_line() {
        let config = parse("select = [\"all\"]\nignore = [\n  \"rbac\",\n  \"latest-tagg\",\n]\n").unwrap();
        let error = config.check_rule_ids(&|id| id == "latest-tag").unwrap_err();
        assert_eq!(error.line, Some(4), "{error}");
        assert!(error.message.contains("latest-tagg"), "{error}");
        let config = parse("[severity]\nhigh = \"low\"\n").unwrap();
        assert!(config.check_rule_ids(&|_| true).is_err());
    }

    #[test]
    fn selection_by_id_prefix_control_and_severity() {
        let config = parse("select = [\"rbac\", \"latest-tag\"]\nignore = [\"rbac-owner-*\", \"low\"]\n").unwrap();
        let selection = Selection::new(&config, &["rbac-wildcard".to_string()]);
        assert!(selection.runs("rbac-secrets-read", &[Control::Rbac], Severity::High));
        assert!(!selection.runs("rbac-wildcard", &[Control::Rbac], Severity::High));
        assert!(!selection.runs("rbac-owner-review", &[Control::Rbac], Severity::Medium));
        assert!(!selection.runs("rbac-default-sa-binding", &[Control::Rbac], Severity::Low));
        assert!(selection.runs("latest-tag", &[Control::Images], Severity::Medium));
        assert!(!selection.runs("run-as-non-root", &[Control::Runtime], Severity::High));
        assert!(Selection::default().runs("anything", &[], Severity::Info));
    }

    #[test]
    fn discovery_walks_up_and_paths_are_relative_to_the_file() {
        let dir = std::env::temp_dir().join(format!("rampart-config-{}", std::process::id()));
        let nested = dir.join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(dir.join(CONFIG_FILE), "[exceptions]\nfile = \"ex.yaml\"\n").unwrap();
        let found = Config::discover(&nested).unwrap();
        assert_eq!(found, std::path::absolute(dir.join(CONFIG_FILE)).unwrap());
        let config = Config::load(&found).unwrap();
        let file = config.resolve(config.exceptions.file.as_deref().unwrap());
        assert_eq!(file, found.parent().unwrap().join("ex.yaml"));
        assert!(config.to_toml().contains("file = \"ex.yaml\""));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

#[cfg(test)]
mod blocked_image_tests {
    use super::BlockedImage;

    fn block(image: &str, except: &[&str]) -> BlockedImage {
        BlockedImage {
            image: image.to_string(),
            reason: None,
            except: except.iter().map(|item| item.to_string()).collect(),
        }
    }

    const BAD: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const GOOD: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn a_digest_blocks_that_image_by_any_name_and_in_status_form() {
        let by_digest = block(BAD, &[]);
        assert!(by_digest.blocks(&format!("ghcr.io/acme/web@{BAD}")));
        assert!(by_digest.blocks(&format!("docker-pullable://ghcr.io/acme/web@{BAD}")));
        assert!(by_digest.blocks(&format!("mirror.local/web:1@{BAD}")));
        assert!(!by_digest.blocks(&format!("ghcr.io/acme/web@{GOOD}")));
        assert!(!by_digest.blocks("ghcr.io/acme/web:1"));
        let named = block(&format!("ghcr.io/acme/web@{BAD}"), &[]);
        assert!(named.blocks(&format!("ghcr.io/other/web@{BAD}")));
    }

    #[test]
    fn a_family_blocks_every_tag_and_digest_but_the_exceptions() {
        let family = block(
            "ghcr.io/acme/web",
            &[&format!("ghcr.io/acme/web@{GOOD}"), "ghcr.io/acme/web:1.4.2"],
        );
        assert!(family.blocks("ghcr.io/acme/web:1.4.1"));
        assert!(family.blocks(&format!("ghcr.io/acme/web@{BAD}")));
        assert!(!family.blocks(&format!("ghcr.io/acme/web:1.4.3@{GOOD}")));
        assert!(!family.blocks("ghcr.io/acme/web:1.4.2"));
        assert!(!family.blocks("ghcr.io/acme/webhook:1"));
        assert!(!family.blocks("ghcr.io/acme/web/sidecar:1"));
        let tag = block("nginx:1.25", &[]);
        assert!(tag.blocks("docker.io/library/nginx:1.25"));
        assert!(!tag.blocks("nginx:1.27"));
    }

    #[test]
    fn a_block_must_name_an_image() {
        let error = crate::Config::parse(
            std::path::Path::new("rampart.toml"),
            "[[images.block]]\nimage = \" \"\n",
        )
        .unwrap_err();
        assert!(error.to_string().contains("images.block"), "{error}");
        let config = crate::Config::parse(std::path::Path::new("rampart.toml"), "[[images.block]]\nimage = \"ghcr.io/acme/web\"\nreason = \"CVE-2026-1\"\nexcept = [\"ghcr.io/acme/web:2\"]\n").unwrap();
        assert_eq!(config.images.blocked[0].except, ["ghcr.io/acme/web:2"]);
    }
}
