//! Writers for `--format`, and sending each format to stdout or its
//! `--output` file.

pub mod text;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::ValueEnum;
use rampart_core::{Config, Outcome, Report};
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
    let rules = rampart_scan::catalogue::describe_rules();
    for (index, format) in formats.iter().enumerate() {
        let written = match outputs.get(index) {
            Some(path) => write_file(report, *format, &rules, context, path),
            None => match format {
                ReportFormat::Text => text::write(report, context.matrix),
                ReportFormat::Json => write_json_stdout(report, context.matrix),
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
        ReportFormat::Json => rampart_report::json::write(report, context.matrix, true, out),
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

/// The JSON document on standard output: indented for a person at a
/// terminal, compact for the programs that read it from a pipe.
fn write_json_stdout(report: &Report, matrix: &[ControlRow]) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let pretty = stdout.is_terminal();
    // Stdout is line-buffered; a big buffer saves a system call per line.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    rampart_report::json::write(report, matrix, pretty, &mut out)?;
    out.flush()
}
