//! What a run actually judged, and the verdict on each control that follows
//! from it.
//!
//! A control passes only on evidence: at least one of its rules ran over
//! something that rule applies to, and no finding of it is open. A rule
//! that ran over nothing it applies to (runtime rules over RBAC-only input)
//! proves nothing; a rule the profile, `ignore` or `--skip` left out makes
//! the control `partial`, naming the rule. Every door (scan, CI gate,
//! webhook, cluster audit) judges controls with [`judge_control`], so the
//! summary, the matrix and every format agree.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::{Control, Finding, Severity};

/// How many subjects (objects, pod specs, files) each rule judged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Rule id -> subjects it applied to.
    rules: BTreeMap<String, usize>,
    /// Engine -> subjects, for engines whose every rule reads every input
    /// (the secrets engine searches each file with all of its rules).
    engines: BTreeMap<String, usize>,
}

impl Coverage {
    /// Records that rule `id` judged `subjects` more subjects (zero records
    /// that it ran over nothing it applies to).
    pub fn add_rule(&mut self, id: &str, subjects: usize) {
        match self.rules.get_mut(id) {
            Some(count) => *count += subjects,
            None => {
                self.rules.insert(id.to_string(), subjects);
            }
        }
    }

    /// Records that every rule of `engine` judged `subjects` more inputs.
    pub fn add_engine(&mut self, engine: &str, subjects: usize) {
        *self.engines.entry(engine.to_string()).or_default() += subjects;
    }

    pub fn merge(&mut self, other: &Coverage) {
        for (id, count) in &other.rules {
            self.add_rule(id, *count);
        }
        for (engine, count) in &other.engines {
            self.add_engine(engine, *count);
        }
    }

    /// Subjects rule `id` of `engine` judged: its own count when it keeps
    /// one, else its engine's.
    pub fn judged(&self, engine: &str, id: &str) -> usize {
        match self.rules.get(id) {
            Some(count) => *count,
            None => self.engines.get(engine).copied().unwrap_or(0),
        }
    }
}

/// What a run says about a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ControlResult {
    /// Its rules judged something, none left out, no finding.
    Pass,
    /// Open findings.
    Fail,
    /// No open finding, but some of its rules were left out (profile,
    /// `ignore`, `--skip`, `--no-secrets`).
    Partial,
    /// Findings, all of them waived, excepted or in the baseline.
    Excepted,
    /// None of its rules judged anything in this run.
    NotEvaluated,
    /// Not judged in this run, and its last recorded evidence is older than
    /// its frequency allows.
    Stale,
}

impl ControlResult {
    pub fn label(self) -> &'static str {
        match self {
            ControlResult::Pass => "pass",
            ControlResult::Fail => "fail",
            ControlResult::Partial => "partial",
            ControlResult::Excepted => "excepted",
            ControlResult::NotEvaluated => "not evaluated",
            ControlResult::Stale => "stale",
        }
    }

    /// The result as the JSON and the run store spell it.
    pub fn id(self) -> &'static str {
        match self {
            ControlResult::NotEvaluated => "not-evaluated",
            other => other.label(),
        }
    }

    pub fn from_id(id: &str) -> Option<ControlResult> {
        Some(match id {
            "pass" => ControlResult::Pass,
            "fail" => ControlResult::Fail,
            "partial" => ControlResult::Partial,
            "excepted" => ControlResult::Excepted,
            "not-evaluated" => ControlResult::NotEvaluated,
            "stale" => ControlResult::Stale,
            _ => return None,
        })
    }
}

/// A rule as the verdict sees it: the engine it belongs to and the
/// controls it proves.
#[derive(Debug, Clone, Copy)]
pub struct RuleRef<'a> {
    pub engine: &'a str,
    pub id: &'a str,
    pub controls: &'a [Control],
}

/// The verdict on one control.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub result: ControlResult,
    /// Engine -> rules of it that ran and prove this control.
    pub automation: BTreeMap<String, usize>,
    /// Rules of the control that did not run because the user left them
    /// out.
    pub left_out: Vec<String>,
    pub open: usize,
    pub suppressed: usize,
    /// Why the result is not a plain pass or fail.
    pub reason: Option<String>,
}

/// Judges `control` from the rules that ran, the rules left out, what each
/// judged and the findings.
pub fn judge_control(
    control: Control,
    ran: &[RuleRef<'_>],
    left_out: &[RuleRef<'_>],
    coverage: &Coverage,
    findings: &[Finding],
) -> Verdict {
    let mut automation: BTreeMap<String, usize> = BTreeMap::new();
    let mut applied = 0;
    for rule in ran.iter().filter(|rule| rule.controls.contains(&control)) {
        *automation.entry(rule.engine.to_string()).or_default() += 1;
        if coverage.judged(rule.engine, rule.id) > 0 {
            applied += 1;
        }
    }
    let left_out: Vec<String> = left_out
        .iter()
        .filter(|rule| rule.controls.contains(&control))
        .map(|rule| rule.id.to_string())
        .collect();
    let (mut open, mut suppressed) = (0, 0);
    for finding in findings.iter().filter(|finding| finding.controls.contains(&control)) {
        if finding.suppressed {
            suppressed += 1;
        } else if finding.severity > Severity::Info {
            open += 1;
        }
    }
    let rules_ran: usize = automation.values().sum();
    let (result, reason) = if open > 0 {
        (ControlResult::Fail, None)
    } else if applied == 0 && suppressed == 0 {
        let reason = if rules_ran == 0 {
            "no rule that proves it ran".to_string()
        } else {
            format!(
                "nothing in this scan for its {rules_ran} rule{} to judge",
                if rules_ran == 1 { "" } else { "s" }
            )
        };
        (ControlResult::NotEvaluated, Some(reason))
    } else if !left_out.is_empty() {
        let reason = format!("left out by the profile or ignore list: {}", left_out.join(", "));
        (ControlResult::Partial, Some(reason))
    } else if suppressed > 0 {
        (ControlResult::Excepted, None)
    } else {
        (ControlResult::Pass, None)
    };
    Verdict {
        result,
        automation,
        left_out,
        open,
        suppressed,
        reason,
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use super::*;
    use crate::Location;

    const RUNTIME: &[Control] = &[Control::Runtime];

    fn finding(suppressed: bool) -> Finding {
        Finding {
            rule: Cow::Borrowed("no-privileged"),
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
            controls: Cow::Borrowed(RUNTIME),
            fix: Cow::Borrowed(""),
            suppressed,
            suppression_reason: None,
            secret: None,
            event: None,
        }
    }

    fn rule(id: &str) -> RuleRef<'_> {
        RuleRef {
            engine: "manifests",
            id,
            controls: RUNTIME,
        }
    }

    #[test]
    fn a_rule_that_judged_nothing_proves_nothing() {
        let mut coverage = Coverage::default();
        coverage.add_rule("no-privileged", 0);
        let verdict = judge_control(Control::Runtime, &[rule("no-privileged")], &[], &coverage, &[]);
        assert_eq!(verdict.result, ControlResult::NotEvaluated);
        assert_eq!(verdict.automation.get("manifests"), Some(&1));
        assert!(verdict.reason.unwrap().contains("nothing in this scan"));
        let nothing_ran = judge_control(Control::Runtime, &[], &[], &coverage, &[]);
        assert_eq!(nothing_ran.result, ControlResult::NotEvaluated);
        assert_eq!(nothing_ran.reason.as_deref(), Some("no rule that proves it ran"));
    }

    #[test]
    fn pass_needs_a_judged_subject_and_nothing_left_out() {
        let mut coverage = Coverage::default();
        coverage.add_rule("no-privileged", 3);
        let ran = [rule("no-privileged")];
        assert_eq!(
            judge_control(Control::Runtime, &ran, &[], &coverage, &[]).result,
            ControlResult::Pass
        );
        let partial = judge_control(Control::Runtime, &ran, &[rule("read-only-root-fs")], &coverage, &[]);
        assert_eq!(partial.result, ControlResult::Partial);
        assert_eq!(partial.left_out, vec!["read-only-root-fs".to_string()]);
        assert!(partial.reason.unwrap().contains("read-only-root-fs"));
        let failing = judge_control(
            Control::Runtime,
            &ran,
            &[rule("read-only-root-fs")],
            &coverage,
            &[finding(false)],
        );
        assert_eq!(failing.result, ControlResult::Fail);
        let excepted = judge_control(Control::Runtime, &ran, &[], &coverage, &[finding(true)]);
        assert_eq!(excepted.result, ControlResult::Excepted);
    }

    #[test]
    fn engine_coverage_stands_for_rules_without_their_own() {
        let mut coverage = Coverage::default();
        coverage.add_engine("secrets", 4);
        let secrets = RuleRef {
            engine: "secrets",
            id: "github-pat",
            controls: &[Control::Secrets],
        };
        assert_eq!(coverage.judged("secrets", "github-pat"), 4);
        assert_eq!(
            judge_control(Control::Secrets, &[secrets], &[], &coverage, &[]).result,
            ControlResult::Pass
        );
        assert_eq!(Coverage::default().judged("secrets", "github-pat"), 0);
    }

    #[test]
    fn result_ids_round_trip() {
        for result in [
            ControlResult::Pass,
            ControlResult::Fail,
            ControlResult::Partial,
            ControlResult::Excepted,
            ControlResult::NotEvaluated,
            ControlResult::Stale,
        ] {
            assert_eq!(ControlResult::from_id(result.id()), Some(result));
            assert_eq!(serde_json::to_value(result).unwrap(), result.id());
        }
    }
}
