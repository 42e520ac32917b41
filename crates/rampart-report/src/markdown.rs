//! Markdown for a pull-request comment: a verdict line, counts by severity
//! and by control, the most severe findings with file:line links, the rest
//! in collapsed sections. Kept under the 65,536-character limit of GitHub
//! comments however large the scan: what does not fit is counted, not cut
//! mid-line.

use std::fmt::Write as _;

use crate::matrix::{ControlResult, ControlRow};
use rampart_core::{Finding, Report, Severity};

/// GitHub refuses comments over 65,536 characters; leave room for the
/// footer and a bot's own header.
pub const LIMIT: usize = 65_000;
/// Findings shown in the table before the collapsed details.
const TOP: usize = 20;

/// Where file links point: `{base}/{path}#L{line}` (a blob URL at the
/// commit), or plain `path:line` text without one.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub base: Option<String>,
}

impl Links {
    fn location(&self, finding: &Finding) -> String {
        let path = &finding.location.path;
        let line = finding.location.line;
        match &self.base {
            Some(base) => format!("[{path}:{line}]({}/{path}#L{line})", base.trim_end_matches('/')),
            None => format!("`{path}:{line}`"),
        }
    }
}

/// Text that cannot break a table cell or start markup.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🟥",
        Severity::High => "🟧",
        Severity::Medium => "🟨",
        Severity::Low => "🟦",
        Severity::Info => "⬜",
    }
}

/// The comment.
pub fn to_markdown(report: &Report, matrix: &[ControlRow], links: &Links) -> String {
    let summary = &report.summary;
    let mut out = String::new();
    let verdict = match (report.errors.is_empty(), summary.failed) {
        (false, _) => "⚠️ **Rampart could not read every input**",
        (true, true) => "❌ **Rampart: findings at or above the threshold**",
        (true, false) => "✅ **Rampart: nothing at or above the threshold**",
    };
    let threshold = summary.fail_on.map(|s| format!(" (fail on {s})")).unwrap_or_default();
    let _ = writeln!(out, "{verdict}{threshold}\n");
    let _ = writeln!(
        out,
        "{} open finding{} in {} file{}; {} suppressed; {} error{}.\n",
        summary.findings.total,
        if summary.findings.total == 1 { "" } else { "s" },
        summary.files,
        if summary.files == 1 { "" } else { "s" },
        summary.suppressed,
        summary.errors,
        if summary.errors == 1 { "" } else { "s" },
    );
    if let Some(compliance) = &summary.compliance {
        let _ = writeln!(
            out,
            "Profile `{}`: {} of {} controls pass.\n",
            compliance.profile, compliance.passing, compliance.controls
        );
    }
    write_controls(&mut out, matrix);

    let open: Vec<&Finding> = {
        let mut open: Vec<&Finding> = report.findings.iter().filter(|f| !f.suppressed).collect();
        open.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.location.cmp(&b.location)));
        open
    };
    if !open.is_empty() {
        out.push_str("| Severity | Findings |\n|---|---:|\n");
        for severity in Severity::ALL.iter() {
            let count = summary.findings.get(*severity);
            if count > 0 {
                let _ = writeln!(out, "| {} {severity} | {count} |", icon(*severity));
            }
        }
        // The matrix's own counts, so the two tables always agree.
        let by_control: Vec<&ControlRow> = matrix.iter().filter(|row| row.open_findings > 0).collect();
        if !by_control.is_empty() {
            out.push_str("\n| Control | Findings |\n|---|---:|\n");
            for row in by_control {
                let _ = writeln!(out, "| {} | {} |", row.control.id(), row.open_findings);
            }
        }
        out.push_str("\n| | Rule | Where | Finding |\n|---|---|---|---|\n");
    }
    let footer_room = 200;
    let mut shown = 0;
    for finding in open.iter().take(TOP) {
        let row = format!(
            "| {} | `{}` | {} | {} |\n",
            icon(finding.severity),
            finding.rule,
            links.location(finding),
            cell(&finding.message)
        );
        if out.len() + row.len() + footer_room > LIMIT {
            break;
        }
        out.push_str(&row);
        shown += 1;
    }
    if open.len() > shown {
        let mut details = String::from("\n<details><summary>All other findings</summary>\n\n");
        let mut left = 0;
        for finding in &open[shown..] {
            let line = format!(
                "- {} `{}` {}: {}\n",
                icon(finding.severity),
                finding.rule,
                links.location(finding),
                cell(&finding.message)
            );
            if out.len() + details.len() + line.len() + footer_room > LIMIT {
                left += 1;
                continue;
            }
            details.push_str(&line);
        }
        details.push_str("\n</details>\n");
        out.push_str(&details);
        if left > 0 {
            let _ = writeln!(
                out,
                "\n{left} more finding{} not shown (the comment size limit); the JSON or SARIF report has them all.",
                if left == 1 { "" } else { "s" }
            );
        }
    }
    if !report.errors.is_empty() {
        out.push_str("\n<details><summary>Inputs that could not be read</summary>\n\n");
        for error in report.errors.iter().take(50) {
            let _ = writeln!(out, "- `{}`", cell(&error.to_string()));
        }
        out.push_str("\n</details>\n");
    }
    if !report.notices.is_empty() {
        out.push_str("\n<details><summary>Passed over on purpose</summary>\n\n");
        for notice in report.notices.iter().take(50) {
            let _ = writeln!(out, "- `{}`: {}", cell(&notice.path), cell(&notice.message));
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// The controls matrix, collapsed: it is the same from run to run unless a
/// control changes.
fn write_controls(out: &mut String, matrix: &[ControlRow]) {
    if matrix.iter().all(|row| row.result == ControlResult::NotEvaluated) {
        return;
    }
    let count = |result: ControlResult| matrix.iter().filter(|row| row.result == result).count();
    let _ = writeln!(
        out,
        "<details><summary>Controls: {} pass, {} fail, {} partial, {} not evaluated</summary>\n\n| Control | Result | Open | Excepted | Frequency | Note |\n|---|---|---:|---:|---|---|",
        count(ControlResult::Pass),
        count(ControlResult::Fail),
        count(ControlResult::Partial),
        count(ControlResult::NotEvaluated),
    );
    for row in matrix {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            row.control.id(),
            row.result.label(),
            row.open_findings,
            row.suppressed_findings,
            row.frequency,
            cell(row.reason.as_deref().unwrap_or(""))
        );
    }
    out.push_str("\n</details>\n\n");
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use rampart_core::{Control, Location, Summary, Tool};

    use super::*;

    fn finding(line: usize, severity: Severity) -> Finding {
        Finding {
            rule: Cow::Borrowed("no-privileged"),
            severity,
            message: format!("container `web` runs privileged | line {line}"),
            location: Location {
                path: Arc::from("deploy/web.yaml"),
                line,
                column: 1,
            },
            resource: None,
            field: String::new(),
            container: None,
            controls: Cow::Borrowed(&[Control::Runtime]),
            fix: Cow::Borrowed("fix it"),
            suppressed: false,
            suppression_reason: None,
            secret: None,
            event: None,
        }
    }

    fn report(findings: Vec<Finding>) -> Report {
        let tool = Tool {
            name: "rampart",
            version: "0.1.0",
        };
        Report::new(tool, findings, Vec::new(), Summary::default(), Some(Severity::High))
    }

    #[test]
    fn a_small_report_has_counts_and_linked_rows() {
        let links = Links {
            base: Some("https://github.com/acme/shop/blob/abc123".into()),
        };
        let report = report(vec![
            finding(7, Severity::Critical),
            finding(9, Severity::Low),
            finding(11, Severity::Info),
        ]);
        let matrix = crate::matrix::controls_matrix(&report, &[], &[], &Default::default(), &[]);
        let text = to_markdown(&report, &matrix, &links);
        assert!(
            text.starts_with("❌ **Rampart: findings at or above the threshold** (fail on high)"),
            "{text}"
        );
        assert!(text.contains("| 🟥 critical | 1 |"));
        // The per-control table and the matrix count the same findings
        // (info findings in neither).
        assert!(text.contains("| runtime | 2 |"), "{text}");
        assert!(text.contains("| runtime | fail | 2 | 0 |"), "{text}");
        assert!(text.contains("[deploy/web.yaml:7](https://github.com/acme/shop/blob/abc123/deploy/web.yaml#L7)"));
        assert!(text.contains("runs privileged \\| line 7"), "pipes are escaped");
        assert!(!text.contains("All other findings"));
    }

    #[test]
    fn a_huge_report_stays_under_the_limit_and_counts_what_it_left_out() {
        let findings: Vec<Finding> = (1..=100_000).map(|line| finding(line, Severity::High)).collect();
        let text = to_markdown(&report(findings), &[], &Links::default());
        assert!(text.len() <= LIMIT, "{} characters", text.len());
        assert!(text.contains("<details>") && text.contains("</details>"));
        let left: usize = text
            .lines()
            .find(|line| line.contains("more findings not shown"))
            .and_then(|line| line.split_whitespace().next())
            .and_then(|count| count.parse().ok())
            .unwrap();
        let listed = text.matches("`no-privileged`").count();
        assert_eq!(listed + left, 100_000);
    }
}
