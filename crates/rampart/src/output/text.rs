//! `--format text`: findings grouped by file, for people. Colour only on a
//! terminal (or with `--color always`).

use std::io::Write;

use owo_colors::{OwoColorize, Style};
use rampart_core::{Finding, Report, Severity};
use rampart_report::matrix::{ControlResult, ControlRow};

/// Writes plain text (no colour) to a file.
pub fn write_to(report: &Report, matrix: &[ControlRow], out: &mut dyn Write) -> std::io::Result<()> {
    let mut plain = anstream::StripStream::new(Vec::new());
    render(&mut plain, report, matrix)?;
    out.write_all(&plain.into_inner())
}

pub fn write(report: &Report, matrix: &[ControlRow]) -> std::io::Result<()> {
    // Buffered (stdout is line-buffered otherwise), with colour stripped
    // unless stdout is a terminal or `--color always` asked for it.
    let stdout = std::io::stdout();
    let choice = anstream::AutoStream::choice(&stdout);
    let buffered: Box<dyn Write> = Box::new(std::io::BufWriter::with_capacity(1 << 16, stdout.lock()));
    let mut out = anstream::AutoStream::new(buffered, choice);
    render(&mut out, report, matrix)?;
    out.flush()
}

/// Above this many open findings, the text opens with a count per rule.
const RULE_SUMMARY_FROM: usize = 20;

fn render(out: &mut impl Write, report: &Report, matrix: &[ControlRow]) -> std::io::Result<()> {
    let mut current_path: Option<&str> = None;
    // Cross-resource findings come last in the report; people read by file.
    let mut shown: Vec<&Finding> = report.findings.iter().filter(|f| !f.suppressed).collect();
    if shown.len() > RULE_SUMMARY_FROM {
        write_rule_summary(out, &shown)?;
    }
    write_incidents(out, report)?;
    shown.sort_by(|a, b| a.location.cmp(&b.location));
    for finding in shown {
        if current_path != Some(&*finding.location.path) {
            if current_path.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", finding.location.path.bold().underline())?;
            current_path = Some(&finding.location.path);
        }
        write_finding(out, finding)?;
    }
    if !report.errors.is_empty() {
        if current_path.is_some() {
            writeln!(out)?;
        }
        writeln!(out, "{}", "errors".bold().underline())?;
        for error in &report.errors {
            let place = match error.line {
                Some(line) => format!("{}:{}", error.path, line),
                None => error.path.clone(),
            };
            writeln!(out, "  {} {}: {}", "error".red().bold(), place, error.message)?;
        }
    }
    if !report.notices.is_empty() {
        if current_path.is_some() || !report.errors.is_empty() {
            writeln!(out)?;
        }
        writeln!(out, "{}", "notices".bold().underline())?;
        for notice in &report.notices {
            writeln!(out, "  {} {}: {}", "note".cyan().bold(), notice.path, notice.message)?;
        }
    }
    if current_path.is_some() || !report.errors.is_empty() || !report.notices.is_empty() {
        writeln!(out)?;
    }
    write_summary(out, report)?;
    write_controls(out, matrix)
}

/// Open findings per rule, most frequent first, so that thousands of lines
/// start with what they add up to.
fn write_rule_summary(out: &mut impl Write, open: &[&Finding]) -> std::io::Result<()> {
    let mut per_rule: std::collections::BTreeMap<&str, (usize, Severity)> = std::collections::BTreeMap::new();
    for finding in open {
        let entry = per_rule.entry(&finding.rule).or_insert((0, finding.severity));
        entry.0 += 1;
        entry.1 = entry.1.max(finding.severity);
    }
    let mut rows: Vec<(&str, usize, Severity)> = per_rule
        .into_iter()
        .map(|(rule, (count, severity))| (rule, count, severity))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(b.0)));
    writeln!(out, "{}", "findings by rule".bold().underline())?;
    for (rule, count, severity) in rows {
        writeln!(out, "{count:>7}  {:<8}  {rule}", severity.to_string())?;
    }
    writeln!(out)
}

/// Audit-log detections grouped by identity and time, before the detections themselves.
fn write_incidents(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let incidents = rampart_report::incidents::incidents(&report.findings);
    if incidents.is_empty() {
        return Ok(());
    }
    writeln!(out, "{}", "incidents".bold().underline())?;
    for incident in incidents {
        let when = match (&incident.first, &incident.last) {
            (Some(first), Some(last)) if first != last => format!("{first} to {last}"),
            (Some(first), _) => first.clone(),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}  {}  {} detection{} {}",
            format!("{:<8}", incident.severity).style(severity_style(incident.severity)),
            incident.user.bold(),
            incident.detections,
            if incident.detections == 1 { "" } else { "s" },
            when.dimmed()
        )?;
        writeln!(
            out,
            "           {} from {}",
            incident.rules.join(", "),
            incident.source_ips.iter().cloned().collect::<Vec<_>>().join(", ")
        )?;
    }
    writeln!(out)
}

/// The controls matrix in one line; `rampart controls` shows it whole.
fn write_controls(out: &mut impl Write, matrix: &[ControlRow]) -> std::io::Result<()> {
    let named = |result: ControlResult| -> Vec<&str> {
        matrix
            .iter()
            .filter(|row| row.result == result)
            .map(|row| row.control.id())
            .collect()
    };
    let mut parts = Vec::new();
    for result in [
        ControlResult::Fail,
        ControlResult::Stale,
        ControlResult::Partial,
        ControlResult::Excepted,
        ControlResult::Pass,
    ] {
        let controls = named(result);
        if !controls.is_empty() {
            parts.push(format!("{} {}", result.label(), controls.join(", ")));
        }
    }
    let unchecked = named(ControlResult::NotEvaluated).len();
    if unchecked > 0 {
        parts.push(format!("{unchecked} not evaluated"));
    }
    if parts.is_empty() {
        return Ok(());
    }
    writeln!(out, "controls: {}", parts.join("; "))
}

fn write_finding(out: &mut impl Write, finding: &Finding) -> std::io::Result<()> {
    let position = format!("{}:{}", finding.location.line, finding.location.column);
    let resource = finding.resource.as_ref().map(|r| r.display_name()).unwrap_or_default();
    writeln!(
        out,
        "  {:>7}  {}  {}  {}",
        position.dimmed(),
        format!("{:<8}", finding.severity).style(severity_style(finding.severity)),
        finding.rule.bold(),
        resource.cyan(),
    )?;
    writeln!(out, "           {}", finding.message)?;
    if let Some(event) = &finding.event {
        writeln!(
            out,
            "           {} {} {} {} {} from {}{}",
            "event:".dimmed(),
            event.time.as_deref().unwrap_or("-"),
            event.verb,
            event.resource,
            event.code.map_or("-".to_string(), |code| code.to_string()),
            event.source_ips.join(", "),
            event
                .user_agent
                .as_deref()
                .map(|agent| format!(" ({agent})"))
                .unwrap_or_default()
        )?;
    }
    if !finding.field.is_empty() {
        writeln!(out, "           {} {}", "field:".dimmed(), finding.field.dimmed())?;
    }
    if let Some(commit) = finding.secret.as_ref().and_then(|secret| secret.commit.as_ref()) {
        writeln!(
            out,
            "           {} {} {} <{}> {}",
            "commit:".dimmed(),
            commit.id.get(..12).unwrap_or(&commit.id),
            commit.author,
            commit.email,
            commit.date
        )?;
    }
    writeln!(out, "           {} {}", "fix:".green(), finding.fix)
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Critical => Style::new().red().bold(),
        Severity::High => Style::new().red(),
        Severity::Medium => Style::new().yellow(),
        Severity::Low => Style::new().blue(),
        Severity::Info => Style::new().dimmed(),
    }
}

fn write_summary(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let summary = &report.summary;
    let counts: Vec<String> = Severity::ALL
        .iter()
        .filter(|s| summary.findings.get(**s) > 0)
        .map(|s| format!("{} {}", summary.findings.get(*s), s))
        .collect();
    let findings = if summary.findings.total == 0 {
        "no findings".to_string()
    } else {
        format!(
            "{} finding{} ({})",
            summary.findings.total,
            if summary.findings.total == 1 { "" } else { "s" },
            counts.join(", ")
        )
    };
    let files = format!("{} file{}", summary.files, if summary.files == 1 { "" } else { "s" });
    let mut line = if summary.commits > 0 && summary.objects > 0 {
        // The CI gate: manifests, files and commits.
        format!(
            "{findings} in {} object{} from {files} and {} commit{}",
            summary.objects,
            if summary.objects == 1 { "" } else { "s" },
            summary.commits,
            if summary.commits == 1 { "" } else { "s" },
        )
    } else if summary.commits > 0 {
        format!(
            "{findings} in {} unique blob{} from {} commit{}",
            summary.files,
            if summary.files == 1 { "" } else { "s" },
            summary.commits,
            if summary.commits == 1 { "" } else { "s" },
        )
    } else if summary.documents == 0 && summary.objects == 0 {
        format!("{findings} in {files}")
    } else {
        format!(
            "{findings} in {} object{} from {files}",
            summary.objects,
            if summary.objects == 1 { "" } else { "s" },
        )
    };
    let mut also = Vec::new();
    if summary.dockerfiles > 0 {
        also.push(format!(
            "{} Dockerfile{}",
            summary.dockerfiles,
            if summary.dockerfiles == 1 { "" } else { "s" }
        ));
    }
    if summary.terraform_resources > 0 {
        also.push(format!(
            "{} Terraform resource{}",
            summary.terraform_resources,
            if summary.terraform_resources == 1 { "" } else { "s" }
        ));
    }
    if !also.is_empty() {
        line.push_str(&format!(" (with {})", also.join(" and ")));
    }
    if summary.skipped_files > 0 {
        line.push_str(&format!(
            "; {} binary or oversized file(s) skipped",
            summary.skipped_files
        ));
    }
    if summary.skipped_documents > 0 {
        line.push_str(&format!(
            "; {} non-Kubernetes document(s) passed over",
            summary.skipped_documents
        ));
    }
    if summary.suppressed > 0 {
        line.push_str(&format!("; {} suppressed", summary.suppressed));
    }
    if let Some(compliance) = &summary.compliance {
        line.push_str(&format!(
            "; profile {}: {} of {} controls pass",
            compliance.profile, compliance.passing, compliance.controls
        ));
        let named = |controls: &[rampart_core::Control]| -> String {
            controls
                .iter()
                .map(|control| control.id())
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !compliance.failing.is_empty() {
            line.push_str(&format!(" (failing: {})", named(&compliance.failing)));
        }
        if !compliance.partial.is_empty() {
            line.push_str(&format!(" (partial: {})", named(&compliance.partial)));
        }
        if !compliance.not_evaluated.is_empty() {
            line.push_str(&format!(" (not evaluated: {})", named(&compliance.not_evaluated)));
        }
    }
    if summary.errors > 0 {
        line.push_str(&format!(
            "; {} error{}",
            summary.errors,
            if summary.errors == 1 { "" } else { "s" }
        ));
    }
    let verdict = match (summary.errors > 0, summary.failed, summary.fail_on) {
        (true, _, _) => "input errors".red().bold().to_string(),
        (false, true, Some(threshold)) => format!("failed (findings at or above {threshold})")
            .red()
            .bold()
            .to_string(),
        (false, false, Some(threshold)) => format!("passed (nothing at or above {threshold})")
            .green()
            .bold()
            .to_string(),
        (false, _, None) => "done".to_string(),
    };
    writeln!(out, "{line}: {verdict}")
}
