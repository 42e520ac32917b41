//! `rampart images`: what images answer. For now `gate`: the scanners'
//! vulnerability reports judged against the team's threshold, VEX and
//! exceptions.

use std::path::{Path, PathBuf};

use rampart_core::{Outcome, Report, Selection, Severity, Summary};
use rampart_images::gate::{GateInputs, run_gate};
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

    /// Days a report stays recent [default: rampart.toml's
    /// images.report-max-age-days, else 7].
    #[arg(long, value_name = "DAYS")]
    max_age: Option<u32>,

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

fn gate(args: &GateArgs) -> Outcome {
    let start = Path::new(".");
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let mut errors = Vec::new();
    let uses = (!args.manifests.is_empty()).then(|| {
        let (objects, mut failed) = crate::inventory_input::load_objects(&args.manifests);
        errors.append(&mut failed);
        rampart_k8s::workload::image_uses(&objects, &rampart_k8s::ScanConfig::default().workload_kinds)
    });
    let inputs = GateInputs {
        reports: &args.reports,
        vex: &args.vex,
        trivyignore: args.trivyignore.as_deref(),
        ignore_unfixed: args.ignore_unfixed,
        max_age_days: i64::from(args.max_age.unwrap_or_else(|| team.images.report_max_age_days())),
        today: rampart_core::Date::today(),
    };
    let mut gated = run_gate(&inputs, uses.as_deref());
    errors.append(&mut gated.errors);
    let mut findings = std::mem::take(&mut gated.findings);
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
        files: gated.reports,
        workloads: gated.workloads,
        ..Summary::default()
    };
    let mut report = Report::new(TOOL, findings, errors, summary, Some(fail_on));
    gated.cover(&mut report.coverage);
    let mut ran: Vec<_> = gated
        .ran()
        .into_iter()
        .map(|meta| listed_rule(IMAGES_ENGINE, meta))
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
