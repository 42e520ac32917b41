//! SARIF 2.1.0, as GitHub code scanning reads it: one run, the rules with
//! their help and `security-severity`, results with their region, partial
//! fingerprints that ignore line numbers, and suppressions for waived,
//! excepted and baselined findings.

use std::collections::BTreeMap;
use std::io::Write;

use rampart_core::{Finding, FingerprintKey, Report, Severity, finding_fingerprint};
use serde_json::{Value, json};

use crate::RuleInfo;

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

/// The SARIF log of a report. Rules the findings use but `rules` does not
/// describe (team policies) are described from the findings.
pub fn to_sarif(report: &Report, rules: &[RuleInfo]) -> Value {
    let mut described: BTreeMap<String, RuleInfo> = rules.iter().map(|rule| (rule.id.clone(), rule.clone())).collect();
    for finding in &report.findings {
        described.entry(finding.rule.to_string()).or_insert_with(|| RuleInfo {
            id: finding.rule.to_string(),
            title: finding.rule.to_string(),
            severity: finding.severity,
            controls: finding.controls.to_vec(),
            help: String::new(),
        });
    }
    // Only the rules this report uses, so the log stays small.
    let used: std::collections::BTreeSet<&str> = report.findings.iter().map(|f| f.rule.as_ref()).collect();
    let rule_list: Vec<&RuleInfo> = described
        .values()
        .filter(|rule| used.contains(rule.id.as_str()))
        .collect();
    let index: BTreeMap<&str, usize> = rule_list
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.as_str(), i))
        .collect();
    let sarif_rules: Vec<Value> = rule_list
        .iter()
        .map(|rule| {
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
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let mut result = json!({
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule.as_ref()],
                "level": level(finding.severity),
                "message": {"text": finding.message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri(&finding.location.path)},
                        "region": {
                            "startLine": finding.location.line.max(1),
                            "startColumn": finding.location.column.max(1),
                        },
                    },
                }],
                "partialFingerprints": {
                    "rampart/v1": finding_fingerprint(&FingerprintKey::DEFAULT, finding),
                },
                "properties": {
                    "severity": finding.severity,
                    "security-severity": security_severity(finding.severity),
                    "field": finding.field,
                },
            });
            if let Some(resource) = &finding.resource {
                result["locations"][0]["logicalLocations"] = json!([{
                    "name": resource.name,
                    "fullyQualifiedName": resource.display_name(),
                    "kind": "resource",
                }]);
            }
            if finding.suppressed {
                result["suppressions"] = json!([suppression(finding)]);
            }
            result
        })
        .collect();
    let notifications: Vec<Value> = report
        .errors
        .iter()
        .map(|error| {
            json!({
                "level": "error",
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
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": report.tool.name,
                    "version": report.tool.version,
                    "semanticVersion": report.tool.version,
                    "informationUri": INFORMATION_URI,
                    "rules": sarif_rules,
                },
            },
            "invocations": [{
                "executionSuccessful": report.errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

/// Writes the SARIF log, indented.
pub fn write(report: &Report, rules: &[RuleInfo], out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &to_sarif(report, rules)).map_err(std::io::Error::other)?;
    writeln!(out)
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
