//! Vulnerability reports in one model. Trivy's JSON (`SchemaVersion` 2) and
//! Grype's JSON are read natively; their SARIF and CycloneDX outputs lose
//! part of what a gate needs, so they are read only as a fallback
//! ([`crate::fallback`]) and the report says what was lost.
//!
//! A report is tied to images by manifest digest: Trivy's
//! `Metadata.RepoDigests` (after the `@`), Grype's
//! `source.target.manifestDigest` and `repoDigests`. Neither tool's image
//! id (the config digest) nor Trivy's `ArtifactID` is a manifest digest,
//! so neither is used.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

/// Which scanner wrote a report, and its version when it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanner {
    Trivy { version: Option<String> },
    Grype { version: Option<String> },
}

/// A vulnerability's severity, in both scanners' order (Grype's
/// `Negligible` sits between unknown and low; Trivy has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VulnSeverity {
    Unknown,
    Negligible,
    Low,
    Medium,
    High,
    Critical,
}

impl VulnSeverity {
    /// Either scanner's word, in any case; anything else is unknown.
    pub fn parse(text: &str) -> VulnSeverity {
        match text.to_ascii_lowercase().as_str() {
            "critical" => VulnSeverity::Critical,
            "high" => VulnSeverity::High,
            "medium" | "moderate" => VulnSeverity::Medium,
            "low" => VulnSeverity::Low,
            "negligible" => VulnSeverity::Negligible,
            _ => VulnSeverity::Unknown,
        }
    }
}

/// Whether a fix exists, in one vocabulary: Trivy's `Status` and Grype's
/// `fix.state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixState {
    /// A fixed version exists.
    Fixed,
    /// Affected, no fix yet.
    NotFixed,
    /// The distribution will not fix it (Trivy `will_not_fix`, Grype
    /// `wont-fix`).
    WontFix,
    /// Fix deferred, or the release is out of support.
    Deferred,
    Unknown,
}

impl FixState {
    fn of_trivy(status: &str, fixed_version: &str) -> FixState {
        match status {
            "fixed" => FixState::Fixed,
            "affected" => FixState::NotFixed,
            "will_not_fix" => FixState::WontFix,
            "fix_deferred" | "end_of_life" => FixState::Deferred,
            // Older reports carry no status: a fixed version says it.
            _ if !fixed_version.is_empty() => FixState::Fixed,
            _ => FixState::Unknown,
        }
    }

    fn of_grype(state: &str) -> FixState {
        match state {
            "fixed" => FixState::Fixed,
            "not-fixed" => FixState::NotFixed,
            "wont-fix" => FixState::WontFix,
            _ => FixState::Unknown,
        }
    }
}

/// One vulnerability of one package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vulnerability {
    /// `CVE-2019-1549`, `GHSA-...`.
    pub id: String,
    /// Other ids of the same vulnerability (Grype's related ones, Trivy's
    /// vendor ids).
    pub aliases: Vec<String>,
    pub severity: VulnSeverity,
    pub package: String,
    /// The package's purl (`pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64`),
    /// when the scanner gives it: what VEX statements name.
    pub purl: String,
    pub installed: String,
    /// The versions that fix it, as the scanner wrote them; empty if none.
    pub fixed: String,
    pub fix: FixState,
    /// Where in the image: Trivy's result target, Grype's first location.
    pub target: String,
    pub title: String,
}

/// A vulnerability the scanner itself set aside (a VEX statement, an
/// ignore rule), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub vulnerability: Vulnerability,
    pub reason: String,
}

/// What one report says about one image (or directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageReport {
    pub scanner: Scanner,
    /// What the scanner was asked to scan (`alpine:3.9`, a path).
    pub artifact: String,
    /// Manifest digests (`sha256:...`) of the image the report is about;
    /// empty when the report does not say (a tarball, a directory).
    pub digests: BTreeSet<String>,
    /// The `repository:tag` names the image had when scanned (Trivy
    /// `Metadata.RepoTags`, Grype `source.target.tags`).
    pub tags: BTreeSet<String>,
    /// When the scan ran (RFC 3339), when the report says.
    pub scanned_at: Option<String>,
    pub vulnerabilities: Vec<Vulnerability>,
    pub set_aside: Vec<SetAside>,
    /// Read from SARIF or CycloneDX instead of the scanner's JSON: what that lost.
    pub fallback: Option<crate::fallback::Fallback>,
}

/// Why a report could not be read: a message and, for broken JSON, the
/// line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportError {
    pub line: Option<usize>,
    pub message: String,
}

impl ReportError {
    pub(crate) fn new(message: impl Into<String>) -> ReportError {
        ReportError {
            line: None,
            message: message.into(),
        }
    }
}

/// Reads a Trivy or Grype JSON report (or, as a fallback, their SARIF or CycloneDX).
pub fn read_report(bytes: &[u8]) -> Result<ImageReport, ReportError> {
    let document: Value = serde_json::from_slice(bytes).map_err(|error| ReportError {
        line: Some(error.line()),
        message: format!("not JSON: {error}"),
    })?;
    let field = |key: &str| document.get(key).is_some();
    if field("SchemaVersion") && (field("Results") || field("ArtifactName")) {
        trivy(document)
    } else if field("matches") && (field("source") || field("descriptor")) {
        grype(document)
    } else if field("runs") && document.get("version").and_then(Value::as_str) == Some("2.1.0") {
        crate::fallback::sarif(&document)
    } else if field("bomFormat") {
        if !field("vulnerabilities") {
            return Err(ReportError::new(
                "a CycloneDX document without vulnerabilities (an SBOM, not a scan): write the scanner's JSON (`trivy image --format json`, `grype -o json`)",
            ));
        }
        crate::fallback::cyclonedx(&document)
    } else {
        Err(ReportError::new(
            "neither a Trivy report (`SchemaVersion`, `Results`) nor a Grype report (`matches`, `source`)",
        ))
    }
}

/// The manifest digest of `repo@sha256:...`.
pub(crate) fn digest_after_at(reference: &str) -> Option<String> {
    let (_, digest) = reference.rsplit_once('@')?;
    digest.starts_with("sha256:").then(|| digest.to_string())
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct TrivyReport {
    trivy: TrivyTool,
    created_at: Option<String>,
    artifact_name: String,
    metadata: TrivyMetadata,
    results: Vec<TrivyResult>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct TrivyTool {
    version: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct TrivyMetadata {
    repo_digests: Vec<String>,
    repo_tags: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct TrivyResult {
    target: String,
    vulnerabilities: Vec<TrivyVulnerability>,
    experimental_modified_findings: Vec<TrivyModified>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct TrivyVulnerability {
    #[serde(rename = "VulnerabilityID")]
    vulnerability_id: String,
    #[serde(rename = "VendorIDs")]
    vendor_ids: Vec<String>,
    pkg_name: String,
    pkg_identifier: TrivyPackageIdentifier,
    installed_version: String,
    fixed_version: String,
    status: String,
    severity: String,
    title: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TrivyPackageIdentifier {
    #[serde(rename = "PURL")]
    purl: String,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "PascalCase")]
struct TrivyModified {
    #[serde(rename = "Type")]
    kind: String,
    status: String,
    statement: String,
    source: String,
    finding: Value,
}

impl TrivyVulnerability {
    fn into_vulnerability(self, target: &str) -> Vulnerability {
        Vulnerability {
            fix: FixState::of_trivy(&self.status, &self.fixed_version),
            id: self.vulnerability_id,
            aliases: self.vendor_ids,
            severity: VulnSeverity::parse(&self.severity),
            package: self.pkg_name,
            purl: self.pkg_identifier.purl,
            installed: self.installed_version,
            fixed: self.fixed_version,
            target: target.to_string(),
            title: self.title,
        }
    }
}

fn trivy(document: Value) -> Result<ImageReport, ReportError> {
    let report: TrivyReport =
        serde_json::from_value(document).map_err(|error| ReportError::new(format!("a Trivy report: {error}")))?;
    let mut vulnerabilities = Vec::new();
    let mut set_aside = Vec::new();
    for result in report.results {
        vulnerabilities.extend(
            result
                .vulnerabilities
                .into_iter()
                .map(|vulnerability| vulnerability.into_vulnerability(&result.target)),
        );
        for modified in result.experimental_modified_findings {
            if modified.kind != "vulnerability" {
                continue;
            }
            let Ok(finding) = serde_json::from_value::<TrivyVulnerability>(modified.finding) else {
                continue;
            };
            let mut reason = format!("{} ({})", modified.status, modified.statement);
            if !modified.source.is_empty() {
                reason.push_str(&format!(", from {}", modified.source));
            }
            set_aside.push(SetAside {
                vulnerability: finding.into_vulnerability(&result.target),
                reason,
            });
        }
    }
    Ok(ImageReport {
        scanner: Scanner::Trivy {
            version: report.trivy.version,
        },
        artifact: report.artifact_name,
        digests: report
            .metadata
            .repo_digests
            .iter()
            .filter_map(|reference| digest_after_at(reference))
            .collect(),
        tags: report.metadata.repo_tags.into_iter().collect(),
        scanned_at: report.created_at,
        vulnerabilities,
        set_aside,
        fallback: None,
    })
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct GrypeReport {
    matches: Vec<GrypeMatch>,
    ignored_matches: Vec<GrypeIgnored>,
    source: GrypeSource,
    descriptor: GrypeDescriptor,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct GrypeMatch {
    vulnerability: GrypeVulnerability,
    related_vulnerabilities: Vec<GrypeRelated>,
    artifact: GrypeArtifact,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct GrypeIgnored {
    #[serde(flatten)]
    matched: GrypeMatch,
    applied_ignore_rules: Vec<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeVulnerability {
    id: String,
    severity: String,
    description: String,
    fix: GrypeFix,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeFix {
    versions: Vec<String>,
    state: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeRelated {
    id: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeArtifact {
    name: String,
    version: String,
    purl: String,
    locations: Vec<GrypeLocation>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeLocation {
    path: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeSource {
    target: Value,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct GrypeDescriptor {
    version: Option<String>,
    timestamp: Option<String>,
}

impl GrypeMatch {
    fn into_vulnerability(self) -> Vulnerability {
        let mut aliases: Vec<String> = self
            .related_vulnerabilities
            .into_iter()
            .map(|related| related.id)
            .filter(|id| *id != self.vulnerability.id)
            .collect();
        aliases.dedup();
        Vulnerability {
            fix: FixState::of_grype(&self.vulnerability.fix.state),
            fixed: self.vulnerability.fix.versions.join(", "),
            id: self.vulnerability.id,
            aliases,
            severity: VulnSeverity::parse(&self.vulnerability.severity),
            package: self.artifact.name,
            purl: self.artifact.purl,
            installed: self.artifact.version,
            target: self
                .artifact
                .locations
                .into_iter()
                .next()
                .map(|location| location.path)
                .unwrap_or_default(),
            title: self.vulnerability.description,
        }
    }
}

fn grype(document: Value) -> Result<ImageReport, ReportError> {
    let report: GrypeReport =
        serde_json::from_value(document).map_err(|error| ReportError::new(format!("a Grype report: {error}")))?;
    let target = &report.source.target;
    // An image's target is an object; a directory's is its path.
    let text = |key: &str| target.get(key).and_then(Value::as_str).unwrap_or("").to_string();
    let mut digests: BTreeSet<String> = target
        .get("repoDigests")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter_map(digest_after_at)
        .collect();
    let manifest = text("manifestDigest");
    if manifest.starts_with("sha256:") {
        digests.insert(manifest);
    }
    let artifact = match target.as_str() {
        Some(path) => path.to_string(),
        None => text("userInput"),
    };
    let tags = target
        .get("tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_string)
        .collect();
    Ok(ImageReport {
        scanner: Scanner::Grype {
            version: report.descriptor.version.filter(|version| !version.starts_with('[')),
        },
        artifact,
        digests,
        tags,
        scanned_at: report.descriptor.timestamp.filter(|timestamp| !timestamp.is_empty()),
        vulnerabilities: report.matches.into_iter().map(GrypeMatch::into_vulnerability).collect(),
        set_aside: report
            .ignored_matches
            .into_iter()
            .map(|ignored| SetAside {
                reason: format!("{} ignore rule(s) of Grype", ignored.applied_ignore_rules.len()),
                vulnerability: ignored.matched.into_vulnerability(),
            })
            .collect(),
        fallback: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_order_across_both_scanners() {
        assert!(VulnSeverity::parse("CRITICAL") > VulnSeverity::parse("High"));
        assert!(VulnSeverity::parse("Low") > VulnSeverity::parse("Negligible"));
        assert!(VulnSeverity::parse("Negligible") > VulnSeverity::parse("UNKNOWN"));
        assert_eq!(VulnSeverity::parse("whatever"), VulnSeverity::Unknown);
    }

    #[test]
    fn a_trivy_report_gives_its_digests_findings_and_vex_suppressions() {
        let report = read_report(
            br#"{"SchemaVersion": 2, "Trivy": {"Version": "0.58.0"}, "CreatedAt": "2026-11-30T10:00:00Z",
                "ArtifactName": "ghcr.io/acme/shop:1.4.2", "ArtifactID": "sha256:notadigest",
                "Metadata": {"ImageID": "sha256:config", "RepoDigests": ["ghcr.io/acme/shop@sha256:aaaa"]},
                "Results": [{"Target": "ghcr.io/acme/shop:1.4.2 (debian 12.8)",
                  "Vulnerabilities": [{"VulnerabilityID": "CVE-2024-1", "PkgName": "openssl", "InstalledVersion": "3.0.1",
                                       "FixedVersion": "3.0.2", "Status": "fixed", "Severity": "CRITICAL", "Title": "t"},
                                      {"VulnerabilityID": "CVE-2024-2", "PkgName": "zlib", "InstalledVersion": "1.2",
                                       "Status": "affected", "Severity": "LOW"}],
                  "ExperimentalModifiedFindings": [{"Type": "vulnerability", "Status": "not_affected",
                    "Statement": "vulnerable_code_not_in_execute_path", "Source": "vex.json",
                    "Finding": {"VulnerabilityID": "CVE-2024-3", "PkgName": "curl", "Severity": "HIGH"}}]}]}"#,
        )
        .unwrap();
        assert_eq!(
            report.scanner,
            Scanner::Trivy {
                version: Some("0.58.0".to_string())
            }
        );
        assert_eq!(report.digests, BTreeSet::from(["sha256:aaaa".to_string()]));
        assert_eq!(report.vulnerabilities.len(), 2);
        assert_eq!(report.vulnerabilities[0].severity, VulnSeverity::Critical);
        assert_eq!(report.vulnerabilities[0].fix, FixState::Fixed);
        assert_eq!(report.vulnerabilities[1].fix, FixState::NotFixed);
        assert_eq!(report.set_aside.len(), 1);
        assert_eq!(report.set_aside[0].vulnerability.id, "CVE-2024-3");
        assert_eq!(
            report.set_aside[0].reason,
            "not_affected (vulnerable_code_not_in_execute_path), from vex.json"
        );
    }

    #[test]
    fn lossy_and_unknown_documents_are_refused_with_the_way_out() {
        let sarif = read_report(br#"{"version": "2.1.0", "runs": []}"#).unwrap_err();
        assert_eq!(sarif.message, "a SARIF report with no run");
        let cyclonedx = read_report(br#"{"bomFormat": "CycloneDX", "specVersion": "1.6"}"#).unwrap_err();
        assert!(
            cyclonedx
                .message
                .starts_with("a CycloneDX document without vulnerabilities")
        );
        assert!(cyclonedx.message.contains("--format json"), "{}", cyclonedx.message);
        let broken = read_report(b"{\n\"SchemaVersion\": 2,\n").unwrap_err();
        assert_eq!(broken.line, Some(3));
        assert!(read_report(b"[]").is_err());
    }
}
