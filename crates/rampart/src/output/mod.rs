//! Writers for `--format`, and sending each format to stdout or its
//! `--output` file.

pub mod json;
pub mod text;

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use rampart_core::{Config, Control, Outcome, Report, exceptions};
use rampart_report::matrix::ControlRow;
use rampart_report::metrics::Metrics;
use rampart_report::{ExceptionInfo, RuleInfo};

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
    /// One self-contained HTML page: summary, controls matrix, findings
    /// with filters, charts, exceptions.
    Html,
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

/// What the reports say besides the findings.
pub struct ReportContext<'a> {
    pub team: &'a Config,
    /// The rules that ran, with the engine each belongs to.
    pub ran: &'a [(String, RuleInfo)],
    pub matrix: &'a [ControlRow],
    pub exceptions: &'a [ExceptionInfo],
    /// From the run store, this run included, when there is one.
    pub metrics: Option<&'a Metrics>,
}

/// Writes the report in each format: the n-th `--format` to the n-th
/// `--output`, the one left without a file to stdout. With no format, the
/// configured one goes to stdout. Returns the report's outcome, or an
/// error when a file cannot be written or two formats would share stdout.
pub fn emit(report: &Report, formats: &[ReportFormat], outputs: &[PathBuf], context: &ReportContext<'_>) -> Outcome {
    let configured = [ReportFormat::configured(context.team)];
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
            Some(path) => write_file(report, *format, &rules, context, path),
            None => match format {
                ReportFormat::Text => text::write(report, context.matrix),
                ReportFormat::Json => json::write(report, context.matrix),
                ReportFormat::Sarif | ReportFormat::Junit | ReportFormat::Markdown | ReportFormat::Html => {
                    let stdout = std::io::stdout();
                    let mut out = std::io::BufWriter::new(stdout.lock());
                    write_machine(report, *format, &rules, context, &mut out).and_then(|()| out.flush())
                }
            },
        };
        if let Err(error) = written {
            return output_failed(error);
        }
    }
    report.outcome()
}

/// Writes one format of the report to `out`.
pub fn write_machine(
    report: &Report,
    format: ReportFormat,
    rules: &[RuleInfo],
    context: &ReportContext<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        ReportFormat::Text => text::write_to(report, context.matrix, out),
        ReportFormat::Json => json::write_to(report, context.matrix, out),
        ReportFormat::Sarif => rampart_report::sarif::write(report, rules, context.matrix, out),
        ReportFormat::Junit => rampart_report::junit::write(report, rules, context.ran, context.matrix, out),
        ReportFormat::Markdown => {
            out.write_all(rampart_report::markdown::to_markdown(report, context.matrix, &ci_links()).as_bytes())
        }
        ReportFormat::Html => rampart_report::html::write(
            &rampart_report::html::HtmlReport {
                report,
                rules,
                matrix: context.matrix,
                exceptions: context.exceptions,
                metrics: context.metrics,
            },
            out,
        ),
    }
}

/// Prints `value` as indented JSON on standard output.
pub fn print_json(value: &impl serde::Serialize) -> Result<(), Outcome> {
    match serde_json::to_string_pretty(value) {
        Ok(json) => {
            println!("{json}");
            Ok(())
        }
        Err(error) => {
            eprintln!("rampart: {error}");
            Err(Outcome::Error)
        }
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
    context: &ReportContext<'_>,
    path: &PathBuf,
) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let file = std::fs::File::create(path)
        .map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", path.display())))?;
    let mut out = std::io::BufWriter::new(file);
    write_machine(report, format, rules, context, &mut out)?;
    out.flush()
}

/// Every engine's rules, as the reports describe them.
pub fn describe_rules() -> Vec<RuleInfo> {
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

/// The engine names the controls matrix shows.
pub const MANIFESTS_ENGINE: &str = "manifests";
pub const SECRETS_ENGINE: &str = "secrets";
pub const EXCEPTIONS_ENGINE: &str = "exceptions file";

/// The manifest rules the profile, rampart.toml's ignore list or `--skip`
/// kept from running, and the secrets engine when the user turned it off:
/// the controls they prove are `partial` at best.
pub fn rules_left_out(manifests: &[&'static rampart_k8s::Rule], secrets_turned_off: bool) -> Vec<(String, RuleInfo)> {
    let mut left_out: Vec<(String, RuleInfo)> = rampart_k8s::rules::all()
        .iter()
        .filter(|rule| !manifests.iter().any(|ran| std::ptr::eq(*ran, **rule)))
        .map(|rule| {
            (
                MANIFESTS_ENGINE.to_string(),
                RuleInfo {
                    id: rule.meta.id.to_string(),
                    title: rule.meta.title.to_string(),
                    severity: rule.meta.severity,
                    controls: rule.meta.controls.to_vec(),
                    help: String::new(),
                },
            )
        })
        .collect();
    if secrets_turned_off {
        left_out.push((
            SECRETS_ENGINE.to_string(),
            RuleInfo {
                id: "the secrets engine (--no-secrets)".to_string(),
                title: "credentials in any file".to_string(),
                severity: rampart_core::Severity::High,
                controls: vec![Control::Secrets],
                help: String::new(),
            },
        ));
    }
    left_out
}

/// The rules a run used, with their engine, for the controls matrix and
/// the formats that show what passed.
pub fn rules_that_ran(
    manifests: &[&'static rampart_k8s::Rule],
    secrets: Option<&rampart_secrets::Catalogue>,
    exceptions_file: bool,
) -> Vec<(String, RuleInfo)> {
    let describe = |engine: &str, id: &str, title: &str, severity, controls: &[Control]| {
        (
            engine.to_string(),
            RuleInfo {
                id: id.to_string(),
                title: title.to_string(),
                severity,
                controls: controls.to_vec(),
                help: String::new(),
            },
        )
    };
    let mut ran: Vec<(String, RuleInfo)> = manifests
        .iter()
        .map(|rule| {
            describe(
                MANIFESTS_ENGINE,
                rule.meta.id,
                rule.meta.title,
                rule.meta.severity,
                rule.meta.controls,
            )
        })
        .collect();
    if let Some(catalogue) = secrets {
        ran.extend(catalogue.rules.iter().map(|rule| {
            describe(
                SECRETS_ENGINE,
                &rule.spec.id,
                &rule.spec.title,
                rule.spec.severity,
                &[Control::Secrets],
            )
        }));
    }
    if exceptions_file {
        ran.extend(
            exceptions::RULES
                .iter()
                .map(|meta| describe(EXCEPTIONS_ENGINE, meta.id, meta.title, meta.severity, meta.controls)),
        );
    }
    ran
}
