//! The controls matrix: for each control of the catalogue, the automation
//! that covers it, this run's result, the evidence the run produced, and
//! how often it must run. A control no rule of this run checks is "not
//! evaluated", never "pass".

use std::collections::BTreeMap;

use rampart_core::{Control, Report, Severity};
use serde::Serialize;

use crate::RuleInfo;

/// What this run says about a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlResult {
    /// Checked, and no open finding.
    Pass,
    /// Open findings.
    Fail,
    /// Findings, all of them waived, excepted or in the baseline.
    Excepted,
    /// No rule of this run checks it.
    NotEvaluated,
}

impl ControlResult {
    pub fn label(self) -> &'static str {
        match self {
            ControlResult::Pass => "pass",
            ControlResult::Fail => "fail",
            ControlResult::Excepted => "excepted",
            ControlResult::NotEvaluated => "not evaluated",
        }
    }
}

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlRow {
    pub control: Control,
    pub summary: &'static str,
    /// Engine -> rules of it that ran and prove this control.
    pub automation: BTreeMap<String, usize>,
    pub result: ControlResult,
    pub open_findings: usize,
    pub suppressed_findings: usize,
    /// What this run leaves as proof.
    pub evidence: Vec<String>,
    /// How often the control must run (rampart.toml `[frequency]`).
    pub frequency: String,
}

/// The matrix for a report. `ran` are the rules that ran (with the engine
/// each belongs to); `frequencies` maps control ids to how often they run.
pub fn controls_matrix(
    report: &Report,
    ran: &[(String, RuleInfo)],
    frequencies: &BTreeMap<String, String>,
    evidence: &[String],
) -> Vec<ControlRow> {
    Control::ALL
        .into_iter()
        .map(|control| {
            let mut automation: BTreeMap<String, usize> = BTreeMap::new();
            for (engine, rule) in ran {
                if rule.controls.contains(&control) {
                    *automation.entry(engine.clone()).or_default() += 1;
                }
            }
            let related = report.findings.iter().filter(|f| f.controls.contains(&control));
            let (mut open, mut suppressed) = (0, 0);
            for finding in related {
                if finding.suppressed {
                    suppressed += 1;
                } else if finding.severity > Severity::Info {
                    open += 1;
                }
            }
            let result = if automation.is_empty() {
                ControlResult::NotEvaluated
            } else if open > 0 {
                ControlResult::Fail
            } else if suppressed > 0 {
                ControlResult::Excepted
            } else {
                ControlResult::Pass
            };
            ControlRow {
                control,
                summary: control.summary(),
                evidence: if automation.is_empty() {
                    Vec::new()
                } else {
                    evidence.to_vec()
                },
                automation,
                result,
                open_findings: open,
                suppressed_findings: suppressed,
                frequency: frequencies
                    .get(control.id())
                    .cloned()
                    .unwrap_or_else(|| "every-commit".to_string()),
            }
        })
        .collect()
}

/// The matrix as a text table.
pub fn to_text(rows: &[ControlRow]) -> String {
    let mut out = format!(
        "{:<11} {:<14} {:>5} {:>9}  {:<14} {}\n",
        "CONTROL", "RESULT", "OPEN", "EXCEPTED", "FREQUENCY", "AUTOMATION"
    );
    for row in rows {
        let automation = if row.automation.is_empty() {
            "-".to_string()
        } else {
            row.automation
                .iter()
                .map(|(engine, count)| format!("{engine} ({count} rule{})", if *count == 1 { "" } else { "s" }))
                .collect::<Vec<_>>()
                .join(", ")
        };
        out.push_str(&format!(
            "{:<11} {:<14} {:>5} {:>9}  {:<14} {automation}\n",
            row.control.id(),
            row.result.label(),
            row.open_findings,
            row.suppressed_findings,
            row.frequency
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use rampart_core::{Finding, Location, Summary, Tool};

    use super::*;

    fn rule(id: &str, controls: &[Control]) -> (String, RuleInfo) {
        (
            "manifests".to_string(),
            RuleInfo {
                id: id.into(),
                title: id.into(),
                severity: Severity::High,
                controls: controls.to_vec(),
                help: String::new(),
            },
        )
    }

    fn finding(control: Control, suppressed: bool) -> Finding {
        Finding {
            rule: Cow::Borrowed("r"),
            severity: Severity::High,
            message: String::new(),
            location: Location {
                path: Arc::from("a.yaml"),
                line: 1,
                column: 1,
            },
            resource: None,
            field: String::new(),
            container: None,
            controls: Cow::Owned(vec![control]),
            fix: Cow::Borrowed(""),
            suppressed,
            suppression_reason: None,
            secret: None,
        }
    }

    #[test]
    fn a_control_nothing_checked_is_not_evaluated_never_pass() {
        let report = Report::new(
            Tool {
                name: "rampart",
                version: "0",
            },
            vec![finding(Control::Runtime, false), finding(Control::Images, true)],
            Vec::new(),
            Summary::default(),
            None,
        );
        let ran = [
            rule("no-privileged", &[Control::Runtime]),
            rule("image-tag-not-latest", &[Control::Images]),
            rule("rbac-wildcard", &[Control::Rbac]),
        ];
        let frequencies = BTreeMap::from([("rbac".to_string(), "quarterly".to_string())]);
        let rows = controls_matrix(&report, &ran, &frequencies, &["findings (JSON)".to_string()]);
        let result = |control: Control| rows.iter().find(|row| row.control == control).unwrap();
        assert_eq!(result(Control::Runtime).result, ControlResult::Fail);
        assert_eq!(result(Control::Images).result, ControlResult::Excepted);
        assert_eq!(result(Control::Rbac).result, ControlResult::Pass);
        assert_eq!(result(Control::Rbac).frequency, "quarterly");
        assert_eq!(result(Control::Detection).result, ControlResult::NotEvaluated);
        assert!(result(Control::Detection).evidence.is_empty());
        assert_eq!(rows.len(), Control::ALL.len());
        let text = to_text(&rows);
        assert!(text.contains("detection   not evaluated"), "{text}");
        assert!(text.contains("manifests (1 rule)"), "{text}");
    }
}
