//! `rampart images`: what images answer. For now `gate`: the scanners'
//! vulnerability reports judged against the team's threshold, VEX and
//! exceptions.

use std::path::{Path, PathBuf};

use rampart_core::{Outcome, Report, ScanError, Selection, Severity, Summary};
use rampart_images::gate::{GateOptions, RULES, judge_report, judge_trivyignore};
use rampart_scan::catalogue::{EXCEPTIONS_ENGINE, IMAGES_ENGINE, listed_rule};
use rampart_scan::proof::Run;
use rampart_scan::{TOOL, apply_team_config};

use crate::{config_command, output, parse_severity, proof};

#[derive(clap::Subcommand)]
pub enum ImagesCommand {
    /// Judge Trivy or Grype JSON reports: one finding per vulnerability at
    /// its severity, VEX statements and exceptions applied; exit 1 for a
    /// finding at or above --fail-on.
    Gate(GateArgs),
}

#[derive(clap::Args)]
pub struct GateArgs {
    /// Reports as the scanners write them: `trivy image --format json`,
    /// `grype -o json` (SARIF and CycloneDX lose the severities: refused).
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,

    /// An OpenVEX document whose `not_affected` and `fixed` statements set
    /// findings aside (repeatable; later statements win).
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,

    /// Manifests (files or folders) whose workloads run the images: each
    /// report's vulnerabilities are reported on the containers running its
    /// image, and an image no report covers is `image-not-scanned`.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    manifests: Vec<PathBuf>,

    /// A `.trivyignore` to report: its lines are waivers with no owner, so
    /// each is a finding; they set nothing aside.
    #[arg(long, value_name = "FILE")]
    trivyignore: Option<PathBuf>,

    /// Set aside vulnerabilities with no fixed version yet (still listed,
    /// as suppressed).
    #[arg(long)]
    ignore_unfixed: bool,

    /// Days a report stays recent [default: 7].
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    max_age: i64,

    /// Exit 1 only for findings at or above this severity [default: high,
    /// or rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// Output format, repeatable: text, json, sarif, junit, markdown or
    /// html [default: text, or rampart.toml's output.format].
    #[arg(long, short = 'f', value_enum)]
    format: Vec<output::ReportFormat>,

    /// Where the --format in the same position is written (repeatable).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// The exceptions file [default: rampart.toml's, or
    /// .rampart/exceptions.yaml].
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,

    #[command(flatten)]
    proof: proof::ProofArgs,
}

pub fn run(command: &ImagesCommand) -> Outcome {
    match command {
        ImagesCommand::Gate(args) => gate(args),
    }
}

/// Reads a file, or says why not.
fn read(path: &Path) -> Result<Vec<u8>, ScanError> {
    std::fs::read(path).map_err(|error| ScanError::new(path.display().to_string(), None, error.to_string()))
}

fn gate(args: &GateArgs) -> Outcome {
    let start = Path::new(".");
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let mut errors = Vec::new();
    let mut documents = Vec::new();
    for path in &args.vex {
        match read(path).and_then(|bytes| {
            rampart_images::vex::read_openvex(&bytes)
                .map_err(|error| ScanError::new(path.display().to_string(), error.line, error.message))
        }) {
            Ok(document) => documents.push(document),
            Err(error) => errors.push(error),
        }
    }
    let options = GateOptions {
        ignore_unfixed: args.ignore_unfixed,
        vex: &documents,
        today: rampart_core::Date::today(),
        max_age_days: args.max_age,
    };
    let mut judged: Vec<(rampart_images::ImageReport, Vec<rampart_core::Finding>)> = Vec::new();
    let mut files = 0;
    for path in &args.reports {
        let bytes = match read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let display = path.display().to_string();
        match rampart_images::read_report(&bytes) {
            Ok(report) => {
                files += 1;
                let text = String::from_utf8_lossy(&bytes);
                let found = judge_report(&display, &text, &report, &options);
                judged.push((report, found));
            }
            Err(error) => errors.push(ScanError::new(display, error.line, error.message)),
        }
    }
    let (mut workloads, mut containers) = (0, 0);
    let mut findings = if args.manifests.is_empty() {
        judged.into_iter().flat_map(|(_, found)| found).collect()
    } else {
        let (objects, mut failed) = crate::inventory_input::load_objects(&args.manifests);
        errors.append(&mut failed);
        let uses = rampart_k8s::workload::image_uses(&objects, &rampart_k8s::ScanConfig::default().workload_kinds);
        containers = uses.len();
        workloads = uses
            .iter()
            .map(|image_use| (image_use.path.clone(), image_use.resource.display_name()))
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        rampart_images::gate::onto_workloads(judged, &uses)
    };
    if let Some(path) = &args.trivyignore {
        match read(path) {
            Ok(bytes) => {
                let file = rampart_images::trivyignore::read_trivyignore(&String::from_utf8_lossy(&bytes));
                let display = path.display().to_string();
                for (line, why) in &file.refused {
                    errors.push(ScanError::new(display.clone(), Some(*line), why.clone()));
                }
                findings.extend(judge_trivyignore(&display, &file));
            }
            Err(error) => errors.push(error),
        }
    }
    apply_team_config(
        &mut findings,
        &team,
        &Selection::new(&team, &[]),
        rampart_core::Profile::All,
    );
    let exception_set = match rampart_scan::exceptions::load(&team, args.exceptions.as_deref()) {
        Ok(set) => set,
        Err(mut failed) => {
            errors.append(&mut failed);
            None
        }
    };
    if let Some(set) = &exception_set {
        errors.extend(set.apply(&mut findings, &team));
    }
    let fail_on = args.fail_on.or(team.fail_on).unwrap_or(Severity::High);
    let summary = Summary {
        files,
        workloads,
        ..Summary::default()
    };
    let mut report = Report::new(TOOL, findings, errors, summary, Some(fail_on));
    for (meta, _) in RULES {
        // Each rule read every report (the ignore rule, the ignore file).
        let judged = match meta.id {
            id if id == rampart_images::gate::TRIVYIGNORE.id => usize::from(args.trivyignore.is_some()),
            id if id == rampart_images::gate::NOT_SCANNED.id => containers,
            _ => files,
        };
        report.coverage.add_rule(meta.id, judged);
    }
    let mut ran: Vec<_> = RULES
        .iter()
        .filter(|(meta, _)| match meta.id {
            id if id == rampart_images::gate::TRIVYIGNORE.id => args.trivyignore.is_some(),
            id if id == rampart_images::gate::NOT_SCANNED.id => !args.manifests.is_empty(),
            _ => true,
        })
        .map(|(meta, _)| listed_rule(IMAGES_ENGINE, meta))
        .collect();
    if let Some(set) = &exception_set {
        report
            .coverage
            .add_engine(EXCEPTIONS_ENGINE, set.exceptions.list().len());
        ran.extend(
            rampart_core::exceptions::RULES
                .iter()
                .map(|meta| listed_rule(EXCEPTIONS_ENGINE, meta)),
        );
    }
    let run = Run {
        command: "images gate",
        report: &report,
        ran: &ran,
        left_out: &[],
        team: &team,
        exceptions: exception_set.as_ref(),
        scanned: &args.reports,
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}
