//! JUnit XML for CI test tabs: one test suite per rule that ran, one
//! failing test case per open finding, a skipped one per suppressed
//! finding, and a passing case for a rule that ran clean over something it
//! applies to (skipped when the scan held nothing for it to judge), so the
//! tab shows what passed as well as what failed. Input errors are a suite
//! of failing cases of their own.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Report as JunitReport, TestCase, TestCaseStatus, TestSuite};
use rampart_core::{Finding, Report};

use crate::RuleInfo;
use crate::matrix::{ControlResult, ControlRow};

fn controls_suite(matrix: &[ControlRow]) -> TestSuite {
    let mut suite = TestSuite::new("controls");
    for row in matrix {
        let status = match row.result {
            ControlResult::Pass => TestCaseStatus::success(),
            ControlResult::Fail => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(format!("{} open finding(s)", row.open_findings));
                status
            }
            other => {
                let mut status = TestCaseStatus::skipped();
                match &row.reason {
                    Some(reason) => status.set_message(format!("{}: {reason}", other.label())),
                    None => status.set_message(other.label()),
                };
                status
            }
        };
        let mut case = TestCase::new(row.control.id(), status);
        case.set_classname("controls");
        suite.add_test_case(case);
    }
    suite
}

/// The JUnit document. `ran` lists the rules that ran (with their
/// engines), found something or not; rules of findings not in it are
/// added.
pub fn to_junit(report: &Report, rules: &[RuleInfo], ran: &[(String, RuleInfo)], matrix: &[ControlRow]) -> String {
    let mut out = Vec::new();
    match write(report, rules, ran, matrix, &mut out) {
        Ok(()) => String::from_utf8_lossy(&out).into_owned(),
        Err(error) => format!("<!-- cannot write JUnit: {error} -->\n"),
    }
}

/// Writes the JUnit document. The controls matrix is one more suite,
/// `controls`, a case per control: failing, skipped when not evaluated,
/// stale or excepted.
pub fn write(
    report: &Report,
    rules: &[RuleInfo],
    ran: &[(String, RuleInfo)],
    matrix: &[ControlRow],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let titles: BTreeMap<&str, &str> = rules
        .iter()
        .map(|rule| (rule.id.as_str(), rule.title.as_str()))
        .collect();
    let mut by_rule: BTreeMap<&str, Vec<&Finding>> =
        ran.iter().map(|(_, rule)| (rule.id.as_str(), Vec::new())).collect();
    let judged = |id: &str| {
        ran.iter()
            .find(|(_, rule)| rule.id == id)
            .is_none_or(|(engine, _)| report.coverage.judged(engine, id) > 0)
    };
    for finding in &report.findings {
        by_rule.entry(finding.rule.as_ref()).or_default().push(finding);
    }
    let mut junit = JunitReport::new(report.tool.name);
    for (rule, findings) in by_rule {
        let mut suite = TestSuite::new(rule);
        if let Some(title) = titles.get(rule) {
            suite.add_property(quick_junit::Property::new("title", *title));
        }
        if findings.is_empty() {
            // A rule over nothing it applies to passed nothing.
            let status = if judged(rule) {
                TestCaseStatus::success()
            } else {
                let mut status = TestCaseStatus::skipped();
                status.set_message("nothing in this scan for it to judge");
                status
            };
            let mut case = TestCase::new("no findings", status);
            case.set_classname(rule);
            suite.add_test_case(case);
        }
        for finding in findings {
            let name = match &finding.resource {
                Some(resource) => format!(
                    "{}:{} {}",
                    finding.location.path,
                    finding.location.line,
                    resource.display_name()
                ),
                None => format!("{}:{}", finding.location.path, finding.location.line),
            };
            let status = if finding.suppressed {
                let mut status = TestCaseStatus::skipped();
                status.set_message(finding.suppression_reason.clone().unwrap_or_default());
                status
            } else {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(finding.message.clone());
                status.set_type(finding.severity.to_string());
                let mut description = String::new();
                if !finding.field.is_empty() {
                    description.push_str(&format!("field: {}\n", finding.field));
                }
                description.push_str(&format!("fix: {}", finding.fix));
                status.set_description(description);
                status
            };
            let mut case = TestCase::new(name, status);
            case.set_classname(rule);
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    if !matrix.is_empty() {
        junit.add_test_suite(controls_suite(matrix));
    }
    if !report.errors.is_empty() {
        let mut suite = TestSuite::new("input errors");
        for error in &report.errors {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
            status.set_message(error.message.clone());
            let mut case = TestCase::new(error.to_string(), status);
            case.set_classname("input errors");
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit.serialize(out).map_err(std::io::Error::other)
}
