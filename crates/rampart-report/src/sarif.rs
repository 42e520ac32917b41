//! SARIF 2.1.0, as GitHub code scanning reads it: one run, the rules with
//! their help and `security-severity`, results with their region, partial
//! fingerprints that ignore line numbers, and suppressions for waived,
//! excepted and baselined findings.

use std::collections::BTreeMap;
use std::io::Write;

use rampart_core::{Finding, FingerprintKey, Report, Severity, finding_fingerprint};
use serde::Serialize;
use serde_json::{Value, json};

use crate::RuleInfo;
use crate::matrix::ControlRow;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://example.invalid/rampart";

/// GitHub's scale: 9.0+ critical, 7.0+ high, 4.0+ medium, above 0 low.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "9.5",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
        Severity::Info => "0.5",
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical | Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

/// A path as a relative URI: `/` separators, and everything but unreserved
/// characters percent-encoded.
fn uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => out.push(byte as char),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A waiver on the object is in the source; an exception or a baseline is
/// kept apart from it.
fn suppression(finding: &Finding) -> Value {
    let reason = finding.suppression_reason.clone().unwrap_or_default();
    let external = reason.starts_with("exception ") || reason.starts_with("in baseline");
    json!({
        "kind": if external { "external" } else { "inSource" },
        "status": "accepted",
        "justification": reason,
    })
}

/// One result, borrowed from its finding and serialized on its own, so a
/// log of any size is written without holding it all in memory.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: [SarifLocation<'a>; 1],
    partial_fingerprints: Fingerprints,
    properties: ResultProperties<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[Value; 1]>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation<'a> {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation<'a>; 1]>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Uri,
    region: Region,
}

#[derive(Serialize)]
struct Uri {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    name: &'a str,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "rampart/v1")]
    rampart: String,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    severity: Severity,
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    field: &'a str,
}

/// The rules the findings use, described; rules `rules` does not know
/// (team policies) are described from their findings.
fn used_rules(report: &Report, rules: &[RuleInfo]) -> Vec<RuleInfo> {
    let known: BTreeMap<&str, &RuleInfo> = rules.iter().map(|rule| (rule.id.as_str(), rule)).collect();
    let mut used: BTreeMap<&str, RuleInfo> = BTreeMap::new();
    for finding in &report.findings {
        used.entry(finding.rule.as_ref())
            .or_insert_with(|| match known.get(finding.rule.as_ref()) {
                Some(rule) => (*rule).clone(),
                None => RuleInfo {
                    id: finding.rule.to_string(),
                    title: finding.rule.to_string(),
                    severity: finding.severity,
                    controls: finding.controls.to_vec(),
                    help: String::new(),
                },
            });
    }
    used.into_values().collect()
}

fn rule_json(rule: &RuleInfo) -> Value {
    let tags: Vec<String> = std::iter::once("security".to_string())
        .chain(rule.controls.iter().map(|control| format!("control:{}", control.id())))
        .collect();
    let help = if rule.help.is_empty() {
        rule.title.clone()
    } else {
        rule.help.clone()
    };
    json!({
        "id": rule.id,
        "name": rule.id,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.title},
        "help": {"text": help, "markdown": help},
        "defaultConfiguration": {"level": level(rule.severity)},
        "properties": {
            "security-severity": security_severity(rule.severity),
            "tags": tags,
        },
    })
}

fn result_of<'a>(finding: &'a Finding, rule_index: usize) -> SarifResult<'a> {
    SarifResult {
        rule_id: finding.rule.as_ref(),
        rule_index,
        level: level(finding.severity),
        message: Text { text: &finding.message },
        locations: [SarifLocation {
            physical_location: PhysicalLocation {
                artifact_location: Uri {
                    uri: uri(&finding.location.path),
                },
                region: Region {
                    start_line: finding.location.line.max(1),
                    start_column: finding.location.column.max(1),
                },
            },
            logical_locations: finding.resource.as_ref().map(|resource| {
                [LogicalLocation {
                    name: &resource.name,
                    fully_qualified_name: resource.display_name(),
                    kind: "resource",
                }]
            }),
        }],
        partial_fingerprints: Fingerprints {
            rampart: finding_fingerprint(&FingerprintKey::DEFAULT, finding),
        },
        properties: ResultProperties {
            severity: finding.severity,
            security_severity: security_severity(finding.severity),
            field: &finding.field,
        },
        suppressions: finding.suppressed.then(|| [suppression(finding)]),
    }
}

/// Writes the SARIF log: the run's tool and invocation, then the results
/// one at a time.
/// The controls matrix goes in the run's property bag.
pub fn write(report: &Report, rules: &[RuleInfo], matrix: &[ControlRow], out: &mut dyn Write) -> std::io::Result<()> {
    let rules = used_rules(report, rules);
    let index: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.as_str(), i))
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|error| ("error", error))
        .chain(report.notices.iter().map(|notice| ("note", notice)))
        .map(|(level, error)| {
            json!({
                "level": level,
                "message": {"text": error.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&error.path)},
                        "region": {"startLine": error.line.unwrap_or(1).max(1)},
                    },
                }],
            })
        })
        .collect();
    let tool = json!({
        "driver": {
            "name": report.tool.name,
            "version": report.tool.version,
            "semanticVersion": report.tool.version,
            "informationUri": INFORMATION_URI,
            "rules": rules.iter().map(rule_json).collect::<Vec<_>>(),
        },
    });
    let invocations = json!([{
        "executionSuccessful": report.errors.is_empty(),
        "toolExecutionNotifications": notifications,
    }]);
    let json_error = std::io::Error::other;
    write!(
        out,
        "{{\"$schema\":\"{SCHEMA}\",\"version\":\"2.1.0\",\"runs\":[{{\"tool\":"
    )?;
    serde_json::to_writer(&mut *out, &tool).map_err(json_error)?;
    out.write_all(b",\"invocations\":")?;
    serde_json::to_writer(&mut *out, &invocations).map_err(json_error)?;
    if !matrix.is_empty() {
        out.write_all(b",\"properties\":{\"controls\":")?;
        serde_json::to_writer(&mut *out, matrix).map_err(json_error)?;
        out.write_all(b"}")?;
    }
    out.write_all(b",\"results\":[")?;
    for (position, finding) in report.findings.iter().enumerate() {
        if position > 0 {
            out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *out, &result_of(finding, index[finding.rule.as_ref()])).map_err(json_error)?;
    }
    out.write_all(b"]}]}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_relative_uris() {
        assert_eq!(uri("./deploy/web app.yaml"), "deploy/web%20app.yaml");
        assert_eq!(uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(uri("a\\b.yaml"), "a/b.yaml");
    }
}
