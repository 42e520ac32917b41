//! Writers for `--format`, and sending each format to stdout or its
//! `--output` file.

pub mod json;
pub mod text;

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use rampart_core::{Config, Outcome, Report, exceptions};
use rampart_report::RuleInfo;

use crate::output_failed;

/// The formats of a scan's report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub and others).
    Sarif,
    /// JUnit XML, for CI test tabs: a suite per rule, a failing case per finding.
    Junit,
    /// Markdown for a pull-request comment (under 65,000 characters).
    Markdown,
}

impl ReportFormat {
    /// rampart.toml's output.format (checked when read), else text.
    pub fn configured(team: &Config) -> ReportFormat {
        team.output
            .format
            .as_deref()
            .and_then(|name| ReportFormat::from_str(name, true).ok())
            .unwrap_or(ReportFormat::Text)
    }
}

/// Writes the report in each format: the n-th `--format` to the n-th
/// `--output`, the one left without a file to stdout. With no format, the
/// configured one goes to stdout. Returns the report's outcome, or an
/// error when a file cannot be written or two formats would share stdout.
/// `ran` lists the rules that ran, for the formats that show what passed.
pub fn emit(report: &Report, formats: &[ReportFormat], outputs: &[PathBuf], team: &Config, ran: &[String]) -> Outcome {
    let configured = [ReportFormat::configured(team)];
    let formats = if formats.is_empty() { &configured[..] } else { formats };
    if outputs.len() > formats.len() {
        eprintln!(
            "rampart: {} --output files for {} --format values",
            outputs.len(),
            formats.len()
        );
        return Outcome::Error;
    }
    if formats.len() - outputs.len() > 1 {
        eprintln!("rampart: only one --format can go to standard output; give each other one an --output FILE");
        return Outcome::Error;
    }
    let rules = describe_rules();
    for (index, format) in formats.iter().enumerate() {
        let written = match outputs.get(index) {
            Some(path) => write_file(report, *format, &rules, ran, path),
            None => match format {
                ReportFormat::Text => text::write(report),
                ReportFormat::Json => json::write(report),
                ReportFormat::Sarif | ReportFormat::Junit | ReportFormat::Markdown => {
                    let stdout = std::io::stdout();
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    write_machine(report, *format, &rules, ran, &mut out).and_then(|()| out.flush())
                }
            },
        };
        if let Err(error) = written {
            return output_failed(error);
        }
    }
    report.outcome()
}

fn write_machine(
    report: &Report,
    format: ReportFormat,
    rules: &[RuleInfo],
    ran: &[String],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Text => text::write_to(report, out),
        ReportFormat::Json => json::write_to(report, out),
        ReportFormat::Sarif => rampart_report::sarif::write(report, rules, out),
        ReportFormat::Junit => rampart_report::junit::write(report, rules, ran, out),
        ReportFormat::Markdown => out.write_all(rampart_report::markdown::to_markdown(report, &ci_links()).as_bytes()),
    }
}

/// File links for the Markdown comment, from the CI's variables: GitHub
/// Actions and GitLab CI; plain `path:line` elsewhere.
fn ci_links() -> rampart_report::markdown::Links {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    let base = match (var("GITHUB_SERVER_URL"), var("GITHUB_REPOSITORY"), var("GITHUB_SHA")) {
        (Some(server), Some(repository), Some(sha)) => Some(format!("{server}/{repository}/blob/{sha}")),
        _ => match (var("CI_PROJECT_URL"), var("CI_COMMIT_SHA")) {
            (Some(project), Some(sha)) => Some(format!("{project}/-/blob/{sha}")),
            _ => None,
        },
    };
    rampart_report::markdown::Links { base }
}

fn write_file(
    report: &Report,
    format: ReportFormat,
    rules: &[RuleInfo],
    ran: &[String],
    path: &PathBuf,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::fs::File::create(path)
        .map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))?;
    let mut out = std::io::BufWriter::new(file);
    write_machine(report, format, rules, ran, &mut out)?;
    out.flush()
}

/// Every engine's rules, as the reports describe them.
fn describe_rules() -> Vec<RuleInfo> {
    let manifests = rampart_k8s::rules::all().iter().map(|rule| RuleInfo {
        id: rule.meta.id.to_string(),
        title: rule.meta.title.to_string(),
        severity: rule.meta.severity,
        controls: rule.meta.controls.to_vec(),
        help: rule.doc().to_string(),
    });
    let process = exceptions::RULES.iter().map(|meta| RuleInfo {
        id: meta.id.to_string(),
        title: meta.title.to_string(),
        severity: meta.severity,
        controls: meta.controls.to_vec(),
        help: exceptions::doc(meta.id).unwrap_or_default(),
    });
    let secrets = rampart_secrets::Catalogue::builtin().rules.iter().map(|rule| RuleInfo {
        id: rule.spec.id.clone(),
        title: rule.spec.title.clone(),
        severity: rule.spec.severity,
        controls: vec![rampart_core::Control::Secrets],
        help: format!(
            "{}.\n\nRevoke and rotate the credential, remove it from the file and its history, and load it at run time from a secret manager.",
            rule.spec.title
        ),
    });
    manifests.chain(process).chain(secrets).collect()
}
