//! What a run leaves behind besides its reports: the controls matrix
//! (completed from the run store), a record in the store (`--record`), and
//! the evidence bundle (`--evidence DIR`, signed with `--sign-key`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use rampart_core::{Config, ControlResult, Finding, FingerprintKey, Outcome, Report, finding_fingerprint, rfc3339};
use rampart_report::evidence::BundleWriter;
use rampart_report::evidence::bundle::hash_file;
use rampart_report::evidence::signing::{SigningKey, read_signing_key};
use rampart_report::matrix::{ControlRow, controls_matrix, with_history};
use rampart_report::metrics::{self, Metrics};
use rampart_report::store::{ControlRecord, ExceptionRecord, Head, RunRecord, Store};
use rampart_report::{ExceptionInfo, RuleInfo};
use serde_json::json;

use crate::catalogue::describe_rules;
use crate::config::effective_toml;
use crate::context::{CiContext, run_time};
use crate::exceptions::ExceptionSet;
use crate::pipeline::input_files;

/// Where the store is when `--store` does not say.
pub const DEFAULT_STORE: &str = ".rampart/evidence.db";

/// What a run leaves besides its reports, as the command line asks.
#[derive(Debug, Clone, Default)]
pub struct ProofOptions {
    /// Write an evidence bundle to this folder.
    pub evidence: Option<PathBuf>,
    /// Sign the bundle's manifest with this Ed25519 key (PKCS#8 PEM).
    pub sign_key: Option<PathBuf>,
    /// Record the run in the run store.
    pub record: bool,
    /// The run store [default: beside rampart.toml].
    pub store: Option<PathBuf>,
    /// Compute the metrics from the store (the HTML page shows them).
    pub metrics: bool,
}

/// The evidence every run leaves, whatever else it writes.
pub const THIS_RUN: &str = "findings of this run (--format json or sarif)";

/// The run store: `explicit`, else the default beside rampart.toml.
pub fn store_path(explicit: Option<&Path>, team: &Config) -> PathBuf {
    explicit.map_or_else(|| team.resolve(Path::new(DEFAULT_STORE)), Path::to_path_buf)
}

/// Opens (creating) the store and reads its records, oldest first; the
/// findings' fingerprints only when `fingerprints` (the metrics need them,
/// the controls matrix does not).
pub fn open_store(path: &Path, fingerprints: bool) -> Result<(Store, Vec<RunRecord>), String> {
    let store = Store::open(path)?;
    let runs = if fingerprints {
        store.runs()?
    } else {
        store.runs_without_fingerprints()?
    };
    Ok((store, runs.into_iter().map(|run| run.record).collect()))
}

/// The controls matrix of a run, with rampart.toml's frequencies, and
/// completed from the recorded runs as of (`now`, the `commit` judged).
pub fn matrix_with_history(
    report: &Report,
    ran: &[(String, RuleInfo)],
    left_out: &[(String, RuleInfo)],
    team: &Config,
    produced: &[String],
    history: &[RunRecord],
    (now, commit): (i64, Option<&str>),
) -> Vec<ControlRow> {
    let frequencies: BTreeMap<String, String> = team
        .frequency
        .iter()
        .map(|(control, frequency)| (control.get_ref().clone(), frequency.get_ref().clone()))
        .collect();
    let mut matrix = controls_matrix(report, ran, left_out, &frequencies, produced);
    with_history(&mut matrix, history, now, commit);
    matrix
}

/// One finished run, ready to be reported and proven.
pub struct Run<'a> {
    /// The command, for the record: scan, secrets or ci.
    pub command: &'static str,
    pub report: &'a Report,
    pub ran: &'a [(String, RuleInfo)],
    /// Rules the user's profile or ignore list kept from running.
    pub left_out: &'a [(String, RuleInfo)],
    pub team: &'a Config,
    pub exceptions: Option<&'a ExceptionSet>,
    /// The paths the manifests were read from; the bundle lists (and
    /// hashes) the files under them, found again only when it is written.
    pub scanned: &'a [PathBuf],
    /// Where the repository is, for the commit when no CI variable says.
    pub start: &'a Path,
}

/// What the proof of a run holds for its reports: the matrix, the
/// exceptions, the metrics, and what is needed to write its bundle.
pub struct Proven {
    pub matrix: Vec<ControlRow>,
    pub exceptions: Vec<ExceptionInfo>,
    /// From the run store, this run included, when asked.
    pub metrics: Option<Metrics>,
    key: Option<SigningKey>,
    ci: CiContext,
    now: i64,
    head: Option<(PathBuf, Head)>,
}

/// Judges the controls (completed from the run store) and records the run
/// when asked. The bundle is written afterwards, by [`write_bundle`].
pub fn prove(run: &Run<'_>, options: &ProofOptions) -> Result<Proven, String> {
    let key = options.sign_key.as_deref().map(read_signing_key).transpose()?;
    let now = run_time();
    let ci = CiContext::detect(run.start);
    let store_path = store_path(options.store.as_deref(), run.team);
    // The store is read when it exists; created only to record. The
    // findings' fingerprints are read only for the metrics.
    let (mut store, mut history) = if options.record || store_path.exists() {
        let (store, history) =
            open_store(&store_path, options.metrics).map_err(|error| format!("run store {error}"))?;
        (Some(store), history)
    } else {
        (None, Vec::new())
    };
    let mut produced = vec![THIS_RUN.to_string()];
    if let Some(dir) = &options.evidence {
        produced.push(format!("evidence bundle {}", dir.display()));
    }
    if options.record {
        produced.push(format!("record in {}", store_path.display()));
    }
    let matrix = matrix_with_history(
        run.report,
        run.ran,
        run.left_out,
        run.team,
        &produced,
        &history,
        (now, ci.commit.as_deref()),
    );
    let exceptions = exception_infos(run.exceptions);
    let record = run_record(run, &matrix, &exceptions, now, &ci);
    let mut head = None;
    if options.record
        && let Some(store) = store.as_mut()
    {
        let added = store
            .record(&record)
            .map_err(|error| format!("cannot record the run in {}: {error}", store_path.display()))?;
        head = Some((store_path.clone(), added));
    }
    history.push(record);
    let metrics = options.metrics.then(|| metrics::compute(&history));
    Ok(Proven {
        matrix,
        exceptions,
        metrics,
        key,
        ci,
        now,
        head,
    })
}

/// Writes the evidence bundle of a proven run to `dir`; returns whether it
/// is signed.
pub fn write_bundle(run: &Run<'_>, proven: &Proven, dir: &Path) -> std::io::Result<bool> {
    let bundle = Bundle { run, proven };
    bundle.write(dir, proven.key.as_ref())?;
    Ok(proven.key.is_some())
}

fn exception_infos(set: Option<&ExceptionSet>) -> Vec<ExceptionInfo> {
    let Some(set) = set else {
        return Vec::new();
    };
    set.exceptions
        .list()
        .iter()
        .map(|exception| ExceptionInfo {
            id: exception.id.clone(),
            rules: exception.rules.clone(),
            owner: exception.owner.clone(),
            approved_by: exception.approved_by.clone(),
            justification: exception.justification.clone(),
            expires: exception.expires.to_string(),
            days_left: exception.days_left(set.today()),
            status: exception.status(set.today(), set.warn_days).label().to_string(),
        })
        .collect()
}

/// What the store keeps of a run: counts, results and fingerprints, never
/// a finding's content.
fn run_record(
    run: &Run<'_>,
    matrix: &[ControlRow],
    exceptions: &[ExceptionInfo],
    now: i64,
    ci: &CiContext,
) -> RunRecord {
    let summary = &run.report.summary;
    let excepted = run
        .report
        .findings
        .iter()
        .filter(|finding| rampart_core::exceptions::is_excepted(finding))
        .count();
    let digest_rule_ran = run.ran.iter().any(|(_, rule)| rule.id == "image-digest-pinned");
    let unpinned: BTreeSet<String> = run
        .report
        .findings
        .iter()
        .filter(|finding| finding.rule == "image-digest-pinned")
        .filter_map(|finding| finding.resource.as_ref().map(|resource| resource.display_name()))
        .collect();
    RunRecord {
        time: now,
        command: run.command.to_string(),
        commit: ci.commit.clone(),
        branch: ci.branch.clone(),
        pipeline: ci.pipeline.clone(),
        outcome: match run.report.outcome() {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
        .to_string(),
        findings: summary.findings.clone(),
        suppressed: summary.suppressed,
        excepted,
        // Only what this run checked: a result carried over from an older
        // run is not this run's evidence.
        controls: matrix
            .iter()
            .map(|row| {
                let judged_now = !row.carried_over && row.result != ControlResult::NotEvaluated;
                let record = if judged_now {
                    ControlRecord {
                        result: row.result.id().to_string(),
                        open: row.open_findings,
                        suppressed: row.suppressed_findings,
                    }
                } else {
                    ControlRecord {
                        result: ControlResult::NotEvaluated.id().to_string(),
                        open: 0,
                        suppressed: 0,
                    }
                };
                (row.control.id().to_string(), record)
            })
            .collect(),
        workloads: summary.workloads,
        digest_pinned: digest_rule_ran.then(|| summary.workloads.saturating_sub(unpinned.len())),
        exceptions: exceptions
            .iter()
            .map(|exception| ExceptionRecord {
                id: exception.id.clone(),
                status: exception.status.clone(),
                days_left: exception.days_left,
            })
            .collect(),
        open: open_fingerprints(&run.report.findings),
        images: run.report.summary.images.clone(),
        admission: None,
        incident: None,
        breakglass: None,
    }
}

fn open_fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut open: Vec<String> = findings
        .iter()
        .filter(|finding| !finding.suppressed)
        .map(|finding| finding_fingerprint(&FingerprintKey::DEFAULT, finding))
        .collect();
    open.sort_unstable();
    open.dedup();
    open
}

/// The evidence bundle of one run.
struct Bundle<'a> {
    run: &'a Run<'a>,
    proven: &'a Proven,
}

impl Bundle<'_> {
    fn write(&self, dir: &Path, key: Option<&SigningKey>) -> std::io::Result<()> {
        let report = self.run.report;
        let rules = describe_rules();
        let matrix = &self.proven.matrix;
        let mut bundle = BundleWriter::create(dir)?;
        bundle.add("findings.json", |out| {
            rampart_report::json::write(report, matrix, true, out)
        })?;
        bundle.add("findings.sarif", |out| {
            rampart_report::sarif::write(report, &rules, matrix, out)
        })?;
        bundle.add("controls.json", |out| json_to(out, matrix))?;
        bundle.add("controls.txt", |out| {
            out.write_all(rampart_report::matrix::to_text(matrix).as_bytes())
        })?;
        bundle.add("exceptions.json", |out| json_to(out, &self.proven.exceptions))?;
        bundle.add("config.toml", |out| {
            out.write_all(effective_toml(self.run.team).as_bytes())
        })?;
        bundle.add("inputs.json", |out| {
            json_to(out, &inputs(&input_files(self.run.scanned)))
        })?;
        bundle.add("run.json", |out| json_to(out, &self.run_facts()))?;
        if let Some((path, head)) = &self.proven.head {
            bundle.add("store.json", |out| {
                json_to(
                    out,
                    &json!({"store": path.display().to_string(), "seq": head.seq, "hash": head.hash}),
                )
            })?;
        }
        bundle.finish(
            &rfc3339(self.proven.now),
            &format!("{} {}", report.tool.name, report.tool.version),
            key,
        )?;
        Ok(())
    }

    fn run_facts(&self) -> serde_json::Value {
        let report = self.run.report;
        let mut engines: BTreeMap<&str, usize> = BTreeMap::new();
        for (engine, _) in self.run.ran {
            *engines.entry(engine).or_default() += 1;
        }
        let catalogue: Vec<String> = self
            .run
            .ran
            .iter()
            .map(|(engine, rule)| format!("{engine}/{}/{}", rule.id, rule.severity))
            .collect();
        json!({
            "tool": {"name": report.tool.name, "version": report.tool.version},
            "command": self.run.command,
            "arguments": std::env::args().skip(1).collect::<Vec<_>>(),
            "time": rfc3339(self.proven.now),
            "ci": self.proven.ci,
            "rules": {
                "per_engine": engines,
                // Changes whenever a rule is added, removed or re-graded.
                "catalogue_sha256": rampart_report::evidence::bundle::hash_bytes(catalogue.join("\n").as_bytes()),
            },
            "outcome": match report.outcome() {
                Outcome::Pass => "pass",
                Outcome::Fail => "fail",
                Outcome::Error => "error",
            },
            "summary": report.summary,
        })
    }
}

fn json_to(out: &mut dyn Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value).map_err(std::io::Error::other)?;
    writeln!(out)
}

/// Every input file with its size and SHA-256; unreadable ones say why.
fn inputs(paths: &[PathBuf]) -> Vec<serde_json::Value> {
    paths
        .iter()
        .map(|path| match hash_file(path) {
            Ok((sha256, bytes)) => json!({"path": path.display().to_string(), "sha256": sha256, "bytes": bytes}),
            Err(error) => json!({"path": path.display().to_string(), "error": error.to_string()}),
        })
        .collect()
}
