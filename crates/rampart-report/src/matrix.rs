//! The controls matrix: for each control of the catalogue, the automation
//! that covers it, this run's result, the evidence the run produced, and
//! how often it must run. A control no rule of this run checks is "not
//! evaluated", never "pass".

use std::collections::BTreeMap;

use rampart_core::{Control, Report, judge_control, rfc3339};
use serde::Serialize;

use crate::RuleInfo;
use crate::store::RunRecord;

pub use rampart_core::ControlResult;

/// One row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ControlRow {
    pub control: Control,
    pub summary: &'static str,
    /// Engine -> rules of it that ran and prove this control.
    pub automation: BTreeMap<String, usize>,
    pub result: ControlResult,
    /// Why the result is not a plain pass or fail: what was not judged, or
    /// which rules were left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Rules of the control the profile, `ignore` or `--skip` left out.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<String>,
    pub open_findings: usize,
    pub suppressed_findings: usize,
    /// What this run leaves as proof.
    pub evidence: Vec<String>,
    /// How often the control must run (rampart.toml `[frequency]`).
    pub frequency: String,
    /// When the evidence the result rests on was made (RFC 3339): this
    /// run, or a recorded one (see [`with_history`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_evidence: Option<String>,
    /// The result comes from a recorded run, not this one.
    #[serde(skip)]
    pub carried_over: bool,
}

impl ControlRow {
    /// `manifests (8 rules), secrets (222 rules)`, or `-` when nothing
    /// covers the control.
    pub fn automation_summary(&self) -> String {
        if self.automation.is_empty() {
            return "-".to_string();
        }
        self.automation
            .iter()
            .map(|(engine, count)| format!("{engine} ({count} rule{})", if *count == 1 { "" } else { "s" }))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What the image checks of a run establish, for the images control's evidence.
fn image_evidence(report: &Report) -> Vec<String> {
    let Some(images) = &report.summary.images else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if let (Some(verified), Some(signed)) = (images.verified, images.signed) {
        let unchecked = images
            .unchecked
            .filter(|count| *count > 0)
            .map(|count| format!(", {count} not checkable (registry errors)"))
            .unwrap_or_default();
        lines.push(format!(
            "image signatures: {verified} of {} workloads verified against their policies ({signed} signed{unchecked})",
            images.workloads
        ));
    }
    if let (Some(scanned), Some(clean)) = (images.scanned, images.clean) {
        lines.push(format!(
            "vulnerability reports: {scanned} of {} workloads scanned within the allowed age, {clean} free of findings at the threshold",
            images.workloads
        ));
    }
    lines
}

/// The matrix for a report. `ran` are the rules that ran (with the engine
/// each belongs to), `left_out` the rules the user's profile or ignore list
/// kept from running; `frequencies` maps control ids to how often they run.
pub fn controls_matrix(
    report: &Report,
    ran: &[(String, RuleInfo)],
    left_out: &[(String, RuleInfo)],
    frequencies: &BTreeMap<String, String>,
    evidence: &[String],
) -> Vec<ControlRow> {
    let (ran, left_out) = (crate::rule_refs(ran), crate::rule_refs(left_out));
    Control::ALL
        .into_iter()
        .map(|control| {
            let verdict = judge_control(control, &ran, &left_out, &report.coverage, &report.findings);
            let judged = verdict.result != ControlResult::NotEvaluated;
            let mut evidence = if judged { evidence.to_vec() } else { Vec::new() };
            if judged && control == Control::Images {
                evidence.extend(image_evidence(report));
            }
            ControlRow {
                control,
                summary: control.summary(),
                evidence,
                automation: verdict.automation,
                result: verdict.result,
                reason: verdict.reason,
                left_out: verdict.left_out,
                open_findings: verdict.open,
                suppressed_findings: verdict.suppressed,
                frequency: frequencies
                    .get(control.id())
                    .cloned()
                    .unwrap_or_else(|| control.default_frequency().to_string()),
                last_evidence: None,
                carried_over: false,
            }
        })
        .collect()
}

/// Completes the matrix from the run store. A control this run checked
/// has evidence made `now`. One it did not check takes the result of the
/// newest recorded run that did, when that evidence is fresh for its
/// frequency, and is "stale" when it is not. Event frequencies (every
/// commit, pull request or release) need evidence from the `commit` being
/// judged; calendar ones need it within 7, 31 or 92 days.
pub fn with_history(rows: &mut [ControlRow], runs: &[RunRecord], now: i64, commit: Option<&str>) {
    for row in rows {
        if row.result != ControlResult::NotEvaluated {
            row.last_evidence = Some(rfc3339(now));
            continue;
        }
        let recorded = runs.iter().rev().find_map(|run| {
            let record = run.controls.get(row.control.id())?;
            let result = ControlResult::from_id(&record.result)?;
            (result != ControlResult::NotEvaluated && result != ControlResult::Stale).then_some((run, record, result))
        });
        let Some((run, record, result)) = recorded else {
            continue;
        };
        row.last_evidence = Some(rfc3339(run.time));
        row.carried_over = true;
        let fresh = match max_age_days(&row.frequency) {
            Some(days) => now - run.time <= days * 86_400,
            None => commit.is_some() && run.commit.as_deref() == commit,
        };
        if !fresh {
            row.result = ControlResult::Stale;
            continue;
        }
        row.result = result;
        row.reason = None;
        row.open_findings = record.open;
        row.suppressed_findings = record.suppressed;
        row.evidence = vec![format!("recorded run of {}", rfc3339(run.time))];
    }
}

/// The age a calendar frequency allows; `None` for event frequencies.
pub fn max_age_days(frequency: &str) -> Option<i64> {
    match frequency {
        "weekly" => Some(7),
        "monthly" => Some(31),
        "quarterly" => Some(92),
        _ => None,
    }
}

/// The matrix as a text table.
pub fn to_text(rows: &[ControlRow]) -> String {
    let mut out = format!(
        "{:<11} {:<14} {:>5} {:>9}  {:<14} {}\n",
        "CONTROL", "RESULT", "OPEN", "EXCEPTED", "FREQUENCY", "AUTOMATION"
    );
    let recorded = |row: &ControlRow| match (&row.last_evidence, row.automation.is_empty()) {
        (Some(when), true) => format!(" [evidence of {when}]"),
        _ => String::new(),
    };
    for row in rows {
        let automation = row.automation_summary();
        out.push_str(&format!(
            "{:<11} {:<14} {:>5} {:>9}  {:<14} {automation}{}{}\n",
            row.control.id(),
            row.result.label(),
            row.open_findings,
            row.suppressed_findings,
            row.frequency,
            recorded(row),
            row.reason
                .as_ref()
                .map(|reason| format!(" ({reason})"))
                .unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use rampart_core::{Finding, Location, Severity, Summary, Tool};

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
            event: None,
        }
    }

    #[test]
    fn a_control_nothing_checked_is_not_evaluated_never_pass() {
        let mut report = Report::new(
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
            rule("ingress-tls", &[Control::Workload]),
            rule("no-default-namespace", &[Control::Isolation]),
        ];
        report.coverage.add_rule("rbac-wildcard", 2);
        report.coverage.add_rule("no-default-namespace", 1);
        // Ran, but the scan held no Ingress.
        report.coverage.add_rule("ingress-tls", 0);
        let left_out = [rule("no-default-service-account", &[Control::Isolation])];
        let frequencies = BTreeMap::from([("rbac".to_string(), "quarterly".to_string())]);
        let rows = controls_matrix(&report, &ran, &left_out, &frequencies, &["findings (JSON)".to_string()]);
        let result = |control: Control| rows.iter().find(|row| row.control == control).unwrap();
        assert_eq!(result(Control::Runtime).result, ControlResult::Fail);
        assert_eq!(result(Control::Images).result, ControlResult::Excepted);
        assert_eq!(result(Control::Rbac).result, ControlResult::Pass);
        assert_eq!(result(Control::Rbac).frequency, "quarterly");
        assert_eq!(result(Control::Detection).result, ControlResult::NotEvaluated);
        assert!(result(Control::Detection).evidence.is_empty());
        assert_eq!(result(Control::Workload).result, ControlResult::NotEvaluated);
        assert!(
            result(Control::Workload)
                .reason
                .as_deref()
                .unwrap()
                .contains("nothing in this scan")
        );
        assert_eq!(result(Control::Isolation).result, ControlResult::Partial);
        assert_eq!(result(Control::Isolation).left_out, ["no-default-service-account"]);
        assert_eq!(rows.len(), Control::ALL.len());
        let text = to_text(&rows);
        assert!(text.contains("detection   not evaluated"), "{text}");
        assert!(text.contains("manifests (1 rule)"), "{text}");
    }

    fn recorded(time: i64, commit: &str, control: &str, result: &str) -> RunRecord {
        let mut run = RunRecord {
            time,
            commit: Some(commit.to_string()),
            ..RunRecord::default()
        };
        run.controls.insert(
            control.to_string(),
            crate::store::ControlRecord {
                result: result.to_string(),
                open: 2,
                suppressed: 0,
            },
        );
        run
    }

    #[test]
    fn history_makes_old_evidence_stale_and_fresh_evidence_count() {
        let mut report = Report::new(
            Tool {
                name: "rampart",
                version: "0",
            },
            Vec::new(),
            Vec::new(),
            Summary::default(),
            None,
        );
        let ran = [rule("no-privileged", &[Control::Runtime])];
        report.coverage.add_rule("no-privileged", 1);
        let frequencies = BTreeMap::from([
            ("detection".to_string(), "quarterly".to_string()),
            ("rbac".to_string(), "monthly".to_string()),
            ("secrets".to_string(), "every-commit".to_string()),
        ]);
        let mut rows = controls_matrix(&report, &ran, &[], &frequencies, &[]);
        let day = 86_400;
        let now = 200 * day;
        let runs = [
            recorded(150 * day, "c1", "detection", "fail"),
            recorded(100 * day, "c1", "rbac", "pass"),
            recorded(199 * day, "c1", "secrets", "pass"),
            recorded(199 * day, "c2", "network", "not-evaluated"),
        ];
        with_history(&mut rows, &runs, now, Some("c2"));
        let row = |control: Control| rows.iter().find(|row| row.control == control).unwrap();
        // Quarterly evidence 50 days old still holds, with its result.
        assert_eq!(row(Control::Detection).result, ControlResult::Fail);
        assert_eq!(row(Control::Detection).open_findings, 2);
        // Monthly evidence 100 days old is stale.
        assert_eq!(row(Control::Rbac).result, ControlResult::Stale);
        assert_eq!(
            row(Control::Rbac).last_evidence.as_deref(),
            Some("1970-04-11T00:00:00Z")
        );
        // Every-commit evidence from another commit is stale, however new.
        assert_eq!(row(Control::Secrets).result, ControlResult::Stale);
        // A run that did not evaluate a control is no evidence of it.
        assert_eq!(row(Control::Network).result, ControlResult::NotEvaluated);
        // This run's own controls are evidenced now.
        assert_eq!(row(Control::Runtime).result, ControlResult::Pass);
        assert_eq!(
            row(Control::Runtime).last_evidence.as_deref(),
            Some("1970-07-20T00:00:00Z")
        );
        let text = to_text(&rows);
        assert!(text.contains("rbac        stale"), "{text}");
        assert!(text.contains("[evidence of 1970-04-11T00:00:00Z]"), "{text}");
        // The same commit's evidence is fresh for an every-commit control.
        let mut rows = controls_matrix(&report, &ran, &[], &frequencies, &[]);
        with_history(&mut rows, &runs, now, Some("c1"));
        assert_eq!(
            rows.iter().find(|row| row.control == Control::Secrets).unwrap().result,
            ControlResult::Pass
        );
    }
}
