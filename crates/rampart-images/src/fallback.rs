//! SARIF and CycloneDX vulnerability reports, read only when the scanner's
//! JSON is not at hand, and said to be a fallback: SARIF keeps a severity
//! only in the text the scanner writes into each result (else the level,
//! which folds HIGH and CRITICAL together) and a fixed version only in that
//! text; CycloneDX keeps one rating per source, not the scanner's choice
//! (the highest is taken), and a fix only as a recommendation sentence.
//! Neither can tell "no fix yet" from "unknown".

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::report::{FixState, ImageReport, ReportError, Scanner, SetAside, VulnSeverity, Vulnerability};

/// What reading a report as a fallback lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fallback {
    /// `SARIF` or `CycloneDX`.
    pub format: &'static str,
    pub lost: String,
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or_default()
}

fn scanner_named(name: &str, version: Option<String>) -> Option<Scanner> {
    match name.to_ascii_lowercase().as_str() {
        "trivy" => Some(Scanner::Trivy { version }),
        "grype" => Some(Scanner::Grype { version }),
        _ => None,
    }
}

/// `Key: value` lines of a scanner's result text.
fn labelled(texts: &[&str]) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    for text in texts {
        for line in text.lines() {
            if let Some((key, value)) = line.split_once(": ") {
                fields
                    .entry(key.trim().to_string())
                    .or_insert_with(|| value.trim().to_string());
            } else if let Some(id) = line.strip_prefix("Vulnerability ") {
                fields
                    .entry("Vulnerability".to_string())
                    .or_insert_with(|| id.trim().to_string());
            }
        }
    }
    fields
}

/// A SARIF 2.1.0 log from Trivy or Grype.
pub fn sarif(document: &Value) -> Result<ImageReport, ReportError> {
    let run = document
        .pointer("/runs/0")
        .ok_or_else(|| ReportError::new("a SARIF report with no run"))?;
    let name = text(run, "/tool/driver/name");
    let version = run
        .pointer("/tool/driver/version")
        .and_then(Value::as_str)
        .map(str::to_string);
    let scanner = scanner_named(name, version).ok_or_else(|| {
        ReportError::new(format!(
            "a SARIF report from {:?}, not Trivy or Grype",
            if name.is_empty() { "an unnamed tool" } else { name }
        ))
    })?;
    let rules: BTreeMap<&str, &Value> = run
        .pointer("/tool/driver/rules")
        .and_then(Value::as_array)
        .map(|rules| rules.iter().map(|rule| (text(rule, "/id"), rule)).collect())
        .unwrap_or_default();
    let mut approximated = 0;
    let mut vulnerabilities = Vec::new();
    for result in run.get("results").and_then(Value::as_array).into_iter().flatten() {
        let rule_id = text(result, "/ruleId");
        let rule = rules.get(rule_id).copied().unwrap_or(&Value::Null);
        let fields = labelled(&[text(result, "/message/text"), text(rule, "/help/text")]);
        let field = |keys: &[&str]| {
            keys.iter()
                .find_map(|key| fields.get(*key).filter(|value| !value.is_empty()))
                .cloned()
                .unwrap_or_default()
        };
        let severity = match fields.get("Severity") {
            Some(word) => VulnSeverity::parse(word),
            None => {
                approximated += 1;
                match text(result, "/level") {
                    "error" => VulnSeverity::High,
                    "warning" => VulnSeverity::Medium,
                    "note" => VulnSeverity::Low,
                    _ => VulnSeverity::Unknown,
                }
            }
        };
        let fixed = field(&["Fixed Version", "Fix Version"]);
        let id = field(&["Vulnerability"]);
        vulnerabilities.push(Vulnerability {
            id: if id.is_empty() { rule_id.to_string() } else { id },
            aliases: Vec::new(),
            severity,
            package: field(&["Package"]),
            purl: String::new(),
            installed: field(&["Installed Version", "Version"]),
            fix: if fixed.is_empty() {
                FixState::Unknown
            } else {
                FixState::Fixed
            },
            fixed,
            target: text(result, "/locations/0/physicalLocation/artifactLocation/uri").to_string(),
            title: text(rule, "/shortDescription/text").to_string(),
        });
    }
    let strings = |pointer: &str| -> Vec<String> {
        run.pointer(pointer)
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let mut lost = "severities as the scanner wrote them into each result's text".to_string();
    if approximated > 0 {
        lost = format!("{lost}, {approximated} from the SARIF level alone (HIGH and CRITICAL are one level there)");
    }
    lost.push_str("; a missing fixed version reads as unknown, not as no fix");
    let started = text(run, "/invocations/0/startTimeUtc");
    Ok(ImageReport {
        scanner,
        artifact: text(run, "/properties/imageName").to_string(),
        digests: strings("/properties/repoDigests")
            .iter()
            .filter_map(|reference| crate::report::digest_after_at(reference))
            .collect(),
        tags: strings("/properties/repoTags").into_iter().collect(),
        scanned_at: (!started.is_empty()).then(|| started.to_string()),
        vulnerabilities,
        set_aside: Vec::new(),
        fallback: Some(Fallback { format: "SARIF", lost }),
    })
}

/// A CycloneDX BOM with vulnerabilities, from Trivy or Grype.
pub fn cyclonedx(document: &Value) -> Result<ImageReport, ReportError> {
    let tools: Vec<&Value> = match document.pointer("/metadata/tools") {
        Some(Value::Array(tools)) => tools.iter().collect(),
        Some(tools) => tools
            .get("components")
            .and_then(Value::as_array)
            .map(|components| components.iter().collect())
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let scanner = tools
        .iter()
        .find_map(|tool| {
            scanner_named(
                text(tool, "/name"),
                tool.get("version").and_then(Value::as_str).map(str::to_string),
            )
        })
        .ok_or_else(|| ReportError::new("a CycloneDX document from neither Trivy nor Grype"))?;
    let components: BTreeMap<&str, &Value> = document
        .get("components")
        .and_then(Value::as_array)
        .map(|components| {
            components
                .iter()
                .map(|component| (text(component, "/bom-ref"), component))
                .collect()
        })
        .unwrap_or_default();
    let subject = document.pointer("/metadata/component").unwrap_or(&Value::Null);
    let properties = |name: &str| -> Vec<String> {
        subject
            .get("properties")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|property| text(property, "/name") == name)
            .map(|property| text(property, "/value").to_string())
            .collect()
    };
    let mut vulnerabilities = Vec::new();
    let mut set_aside = Vec::new();
    for entry in document
        .get("vulnerabilities")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        // One rating per source: the highest, since the scanner's own choice is not kept.
        let severity = entry
            .get("ratings")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|rating| VulnSeverity::parse(text(rating, "/severity")))
            .max()
            .unwrap_or(VulnSeverity::Unknown);
        // Trivy writes "Upgrade <package> to version <fixed>".
        let recommendation = text(entry, "/recommendation");
        let fixed = recommendation
            .rsplit_once(" to version ")
            .map(|(_, version)| version.trim().to_string())
            .unwrap_or_default();
        let state = text(entry, "/analysis/state");
        for affected in entry.get("affects").and_then(Value::as_array).into_iter().flatten() {
            let reference = text(affected, "/ref");
            let component = components.get(reference).copied().unwrap_or(&Value::Null);
            let purl = text(component, "/purl");
            let vulnerability = Vulnerability {
                id: text(entry, "/id").to_string(),
                aliases: Vec::new(),
                severity,
                package: text(component, "/name").to_string(),
                purl: if purl.is_empty() && reference.starts_with("pkg:") {
                    reference.to_string()
                } else {
                    purl.to_string()
                },
                installed: text(component, "/version").to_string(),
                fix: if fixed.is_empty() {
                    FixState::Unknown
                } else {
                    FixState::Fixed
                },
                fixed: fixed.clone(),
                target: String::new(),
                title: text(entry, "/description")
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string(),
            };
            match state {
                "not_affected" | "false_positive" | "resolved" | "resolved_with_pedigree" => {
                    let justification = text(entry, "/analysis/justification");
                    set_aside.push(SetAside {
                        vulnerability,
                        reason: if justification.is_empty() {
                            state.to_string()
                        } else {
                            format!("{state} ({justification})")
                        },
                    });
                }
                _ => vulnerabilities.push(vulnerability),
            }
        }
    }
    let timestamp = text(document, "/metadata/timestamp");
    Ok(ImageReport {
        scanner,
        artifact: text(subject, "/name").to_string(),
        digests: properties("aquasecurity:trivy:RepoDigest")
            .iter()
            .filter_map(|reference| crate::report::digest_after_at(reference))
            .collect::<BTreeSet<String>>(),
        tags: properties("aquasecurity:trivy:RepoTag").into_iter().collect(),
        scanned_at: (!timestamp.is_empty()).then(|| timestamp.to_string()),
        vulnerabilities,
        set_aside,
        fallback: Some(Fallback {
            format: "CycloneDX",
            lost: "each vulnerability's highest rating among its sources, not the scanner's severity; a fix only where a recommendation names a version, else unknown".to_string(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sarif_results_keep_the_scanners_severity_and_fix_from_their_text() {
        let log = serde_json::json!({"version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": "Trivy", "version": "0.57.0", "rules": [
                {"id": "CVE-2024-1", "shortDescription": {"text": "openssl: bad"}, "help": {"text": "Vulnerability CVE-2024-1\nSeverity: CRITICAL\nPackage: openssl\nFixed Version: 3.0.2"}}
            ]}},
            "results": [
                {"ruleId": "CVE-2024-1", "level": "error", "message": {"text": "Package: libssl3\nInstalled Version: 3.0.1\nVulnerability CVE-2024-1\nSeverity: CRITICAL\nFixed Version: 3.0.2"},
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "shop"}}}]},
                {"ruleId": "CVE-2024-9", "level": "error", "message": {"text": "no fields here"}}
            ],
            "properties": {"imageName": "ghcr.io/acme/shop:1", "repoDigests": ["ghcr.io/acme/shop@sha256:aaaa"], "repoTags": ["ghcr.io/acme/shop:1"]}
        }]});
        let report = sarif(&log).unwrap();
        assert_eq!(
            report.scanner,
            Scanner::Trivy {
                version: Some("0.57.0".to_string())
            }
        );
        assert_eq!(report.digests, BTreeSet::from(["sha256:aaaa".to_string()]));
        let first = &report.vulnerabilities[0];
        assert_eq!(
            (
                first.id.as_str(),
                first.severity,
                first.package.as_str(),
                first.installed.as_str(),
                first.fixed.as_str(),
                first.fix
            ),
            (
                "CVE-2024-1",
                VulnSeverity::Critical,
                "libssl3",
                "3.0.1",
                "3.0.2",
                FixState::Fixed
            )
        );
        let second = &report.vulnerabilities[1];
        assert_eq!(
            (second.id.as_str(), second.severity, second.fix),
            ("CVE-2024-9", VulnSeverity::High, FixState::Unknown)
        );
        let fallback = report.fallback.unwrap();
        assert_eq!(fallback.format, "SARIF");
        assert!(
            fallback.lost.contains("1 from the SARIF level alone"),
            "{}",
            fallback.lost
        );
        let other = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "Checkov"}}}]});
        assert!(sarif(&other).unwrap_err().message.contains("Checkov"));
    }

    #[test]
    fn cyclonedx_takes_the_highest_rating_and_the_recommended_version() {
        let bom = serde_json::json!({"bomFormat": "CycloneDX", "specVersion": "1.5",
        "metadata": {"timestamp": "2026-11-30T10:00:00+00:00", "tools": {"components": [{"name": "trivy", "version": "0.57.0"}]},
            "component": {"name": "ghcr.io/acme/shop:1", "properties": [{"name": "aquasecurity:trivy:RepoDigest", "value": "ghcr.io/acme/shop@sha256:bbbb"}]}},
        "components": [{"bom-ref": "pkg:npm/jquery@3.3.9", "name": "jquery", "version": "3.3.9", "purl": "pkg:npm/jquery@3.3.9"}],
        "vulnerabilities": [
            {"id": "CVE-2019-11358", "ratings": [{"severity": "low"}, {"severity": "medium"}], "recommendation": "Upgrade jquery to version 3.4.0",
             "affects": [{"ref": "pkg:npm/jquery@3.3.9"}]},
            {"id": "CVE-2020-1", "ratings": [{"severity": "high"}], "analysis": {"state": "not_affected", "justification": "code_not_reachable"},
             "affects": [{"ref": "pkg:npm/jquery@3.3.9"}]}
        ]});
        let report = cyclonedx(&bom).unwrap();
        assert_eq!(report.digests, BTreeSet::from(["sha256:bbbb".to_string()]));
        assert_eq!(report.scanned_at.as_deref(), Some("2026-11-30T10:00:00+00:00"));
        let found = &report.vulnerabilities[0];
        assert_eq!(
            (
                found.severity,
                found.package.as_str(),
                found.installed.as_str(),
                found.fixed.as_str(),
                found.purl.as_str()
            ),
            (VulnSeverity::Medium, "jquery", "3.3.9", "3.4.0", "pkg:npm/jquery@3.3.9")
        );
        assert_eq!(report.set_aside.len(), 1);
        assert_eq!(report.set_aside[0].reason, "not_affected (code_not_reachable)");
        assert_eq!(report.fallback.unwrap().format, "CycloneDX");
    }
}
