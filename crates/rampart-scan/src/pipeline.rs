//! One scan, whatever door it comes through: every engine that recognises
//! an input runs over it, then waivers, rampart.toml's selection and
//! severities, exceptions and the baseline are applied once, over all of
//! their findings, and the controls are judged.
//!
//! [`Pipeline::prepare`] reads what a run needs besides its inputs (the
//! exceptions, the policies, the secrets catalogue, the baseline) once;
//! [`Pipeline::scan`] can then run any number of times (the admission
//! webhook scans one object per request).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_core::{
    Baseline, Compliance, Config, Control, ControlResult, Finding, FingerprintKey, InlineWaiver, Profile, Report,
    ScanError, Selection, Severity, Summary, Tool, apply_inline_waivers, exceptions, judge_control,
};
use rampart_dockerfile::DockerfileConfig;
use rampart_k8s::files::{DiscoverOptions, Input, discover_with};
use rampart_k8s::loader::LoadOptions;
use rampart_k8s::{Checked, Inventory, ScanConfig, finish, rules};
use rampart_policy::PolicySet;
use rampart_report::RuleInfo;
use rampart_secrets::{Catalogue, HistoryProgress};
use rampart_terraform::TerraformConfig;
use rayon::prelude::*;

use crate::catalogue::{
    EXCEPTIONS_ENGINE, SECRETS_ENGINE, Selected, is_rule_id, known_rule, rules_left_out, rules_that_ran,
};
use crate::dockerfiles::{self, CheckedDockerfile, dockerfile_config};
use crate::exceptions::ExceptionSet;
use crate::manifests::{CheckedFile, Engines, check_bytes, check_input, check_loaded, kubernetes_config};
use crate::terraform::{self, terraform_config};

/// One input, checked by the engine that recognised it.
enum CheckedInput {
    Manifest(Box<CheckedFile>),
    Dockerfile(CheckedDockerfile),
    /// A `.tf` file: the Terraform engine reads its folder later; here,
    /// the secrets engine's findings in it.
    TerraformFile(Vec<Finding>),
    Plan(Box<rampart_terraform::Checked>, Vec<Finding>),
    /// Read by no engine, on purpose: a notice says why.
    PassedOver(ScanError),
    /// Its engine was turned off.
    Skipped,
}

/// The files other engines than the manifests' recognise in folders.
fn other_engines_file(path: &Path) -> bool {
    rampart_dockerfile::is_dockerfile(path) || rampart_terraform::is_terraform(path)
}
use crate::secrets::{History, add_history, add_secrets, baseline_and_key, history_findings};

pub const TOOL: Tool = Tool {
    name: "rampart",
    version: env!("CARGO_PKG_VERSION"),
};

/// What the command line says on top of rampart.toml.
#[derive(Debug, Clone)]
pub struct Flags {
    /// The inputs are a cluster as it runs (`rampart audit`).
    pub cluster: bool,
    /// The namespaces that audit was limited to (`-n`); empty for all.
    pub cluster_namespaces: Vec<String>,
    /// The API server's version, when a live audit read it.
    pub cluster_version: Option<String>,
    /// The Secret values the cluster shares with the audit's others.
    pub shared_secret_values: Option<Arc<Vec<rampart_k8s::cluster_facts::SharedValue>>>,
    pub profile: Option<Profile>,
    /// Rules not to run (`--skip`).
    pub skip: Vec<String>,
    pub fail_on: Option<Severity>,
    pub allowed_registries: Vec<String>,
    pub namespace: Option<String>,
    pub owner_annotation: Option<String>,
    pub review_annotation: Option<String>,
    pub max_file_size: u64,
    /// Render Helm charts and Kustomize folders before checking them.
    pub render: bool,
    /// A run with nothing to check is not an error.
    pub allow_empty: bool,
    pub secrets: SecretsMode,
    /// Only the manifest rules that judge an object alone (the admission
    /// webhook sees one object; rules about what a namespace lacks would
    /// fire on every request).
    pub object_rules_only: bool,
    /// Engines not to run (`--skip-engine`): their files are passed over
    /// and their rules are left out, so the controls they prove are
    /// partial at best.
    pub skip_engines: Vec<Engine>,
    pub exceptions: ExceptionsFile,
    /// Policies beside rampart.toml's, and the packages to run.
    pub policies: Vec<PathBuf>,
    pub policy_namespaces: Vec<String>,
    /// Findings this baseline accepted are suppressed.
    pub baseline: Option<PathBuf>,
    /// The baseline this run will write: its key fingerprints the secrets,
    /// and no finding is suppressed by the old one.
    pub write_baseline: Option<PathBuf>,
    /// Terraform's `-var-file`s and `-var`s for the root modules, and the
    /// `TF_VAR_*` variables of the environment (name without the prefix).
    pub tf_var_files: Vec<PathBuf>,
    pub tf_vars: Vec<(String, String)>,
    pub tf_env: Vec<(String, String)>,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            cluster: false,
            cluster_namespaces: Vec::new(),
            cluster_version: None,
            shared_secret_values: None,
            profile: None,
            skip: Vec::new(),
            fail_on: None,
            allowed_registries: Vec::new(),
            namespace: None,
            owner_annotation: None,
            review_annotation: None,
            max_file_size: 64 * 1024 * 1024,
            render: false,
            allow_empty: false,
            secrets: SecretsMode::Inputs,
            skip_engines: Vec::new(),
            object_rules_only: false,
            exceptions: ExceptionsFile::Configured,
            policies: Vec::new(),
            policy_namespaces: Vec::new(),
            baseline: None,
            write_baseline: None,
            tf_var_files: Vec::new(),
            tf_vars: Vec::new(),
            tf_env: Vec::new(),
        }
    }
}

/// An engine a run may leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Manifests,
    Dockerfiles,
    Terraform,
    Secrets,
}

/// Where the secrets engine searches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretsMode {
    /// The files the other engines read (`rampart scan`), when the profile
    /// includes the secrets control.
    Inputs,
    /// Every file under the paths, and with `history` the commits since a
    /// base (`rampart ci`), whatever the profile.
    Tree { history: Option<History> },
    /// Turned off by the user (`--no-secrets`): the control is partial.
    TurnedOff,
}

/// Which exceptions file applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExceptionsFile {
    /// rampart.toml's, else `.rampart/exceptions.yaml` when it exists.
    Configured,
    /// This one (it must exist).
    Path(PathBuf),
    /// None: findings as they are (to count what each exception matches).
    Ignored,
}

/// What a run reports: the report (its summary's compliance set), and the
/// rules that ran and that were left out, for the controls matrix.
pub struct Scanned {
    pub report: Report,
    /// Shared by every scan of the pipeline: they do not change.
    pub ran: Arc<[(String, RuleInfo)]>,
    pub left_out: Arc<[(String, RuleInfo)]>,
}

/// Told of a run's progress; silent by default.
pub trait Progress: HistoryProgress {
    fn files_found(&self, _files: usize) {}
    fn file_done(&self) {}
}

/// Reports nothing.
pub struct Quiet;
impl HistoryProgress for Quiet {}
impl Progress for Quiet {}

/// Everything a run reads besides its inputs, read once.
pub struct Pipeline {
    team: Config,
    flags: Flags,
    kubernetes: ScanConfig,
    selection: Selection,
    profile: Profile,
    rules: Selected,
    dockerfile: DockerfileConfig,
    terraform: TerraformConfig,
    /// `None` when the secrets engine does not run.
    secrets: Option<SecretsEngine>,
    policies: Option<PolicySet>,
    exceptions: Option<ExceptionSet>,
    baseline: Option<Baseline>,
    /// Errors of the exceptions file and the policies: in every report,
    /// and the rest of the run goes on.
    setup_errors: Vec<ScanError>,
    /// The rules that run and those left out, the same for every scan.
    ran: Arc<[(String, RuleInfo)]>,
    left_out: Arc<[(String, RuleInfo)]>,
}

struct SecretsEngine {
    /// `None`: the built-in catalogue.
    custom: Option<Catalogue>,
    key: FingerprintKey,
}

impl SecretsEngine {
    fn catalogue(&self) -> &Catalogue {
        self.custom.as_ref().unwrap_or_else(|| Catalogue::builtin())
    }
}

impl Pipeline {
    /// Reads the exceptions, policies, secrets catalogue and baseline. An
    /// error that makes the run meaningless (an unknown `--skip` rule, an
    /// unreadable baseline or gitleaks configuration) is returned; the
    /// exceptions' and policies' errors go into every report instead.
    /// Warnings are returned beside the pipeline.
    pub fn prepare(team: Config, flags: Flags) -> Result<(Pipeline, Vec<String>), String> {
        let unknown: Vec<&str> = flags
            .skip
            .iter()
            .map(String::as_str)
            .filter(|id| !known_rule(id))
            .collect();
        if !unknown.is_empty() {
            return Err(format!(
                "unknown rule(s) for --skip: {}; `rampart rules` lists them",
                unknown.join(", ")
            ));
        }
        let selection = Selection::new(&team, &flags.skip);
        let profile = flags.profile.or(team.profile).unwrap_or_default();
        let mut rules = Selected::by(|meta| {
            selection.runs(meta.id, meta.controls, meta.severity) && profile.includes_rule(meta.controls, meta.pss)
        });
        let skips = |engine| flags.skip_engines.contains(&engine);
        if skips(Engine::Manifests) {
            rules.manifests.clear();
        }
        if flags.object_rules_only {
            rules.manifests.retain(|rule| rule.judges_one_object());
        }
        if skips(Engine::Dockerfiles) {
            rules.dockerfiles.clear();
        }
        if skips(Engine::Terraform) {
            rules.terraform.clear();
        }
        let (baseline, key) = baseline_and_key(flags.write_baseline.as_deref(), flags.baseline.as_deref())?;
        let mut warnings = Vec::new();
        let secrets = match &flags.secrets {
            _ if skips(Engine::Secrets) => None,
            SecretsMode::TurnedOff => None,
            SecretsMode::Inputs if !profile.includes_finding(&[Control::Secrets]) => None,
            SecretsMode::Inputs => Some(SecretsEngine { custom: None, key }),
            SecretsMode::Tree { .. } => {
                let gitleaks = team.secrets.gitleaks_config.as_ref().map(|path| team.resolve(path));
                let (custom, read) = crate::secrets::catalogue(gitleaks.as_deref(), &team)?;
                warnings.extend(read);
                Some(SecretsEngine { custom, key })
            }
        };
        let mut setup_errors = Vec::new();
        let exceptions = match &flags.exceptions {
            ExceptionsFile::Ignored => None,
            ExceptionsFile::Configured => crate::exceptions::load(&team, None).unwrap_or_else(|errors| {
                setup_errors.extend(errors);
                None
            }),
            ExceptionsFile::Path(path) => crate::exceptions::load(&team, Some(path)).unwrap_or_else(|errors| {
                setup_errors.extend(errors);
                None
            }),
        };
        let policies =
            crate::policies::load(&team, &flags.policies, &flags.policy_namespaces).unwrap_or_else(|errors| {
                setup_errors.extend(errors);
                None
            });
        let kubernetes = kubernetes_config(&team, &flags);
        let dockerfile = dockerfile_config(&team, &flags);
        let terraform = terraform_config(&team, &flags);
        let ran: Arc<[(String, RuleInfo)]> = rules_that_ran(
            &rules,
            secrets.as_ref().map(SecretsEngine::catalogue),
            exceptions.is_some(),
        )
        .into();
        let secrets_off = flags.secrets == SecretsMode::TurnedOff || flags.skip_engines.contains(&Engine::Secrets);
        let left_out: Arc<[(String, RuleInfo)]> = rules_left_out(&rules, secrets_off).into();
        Ok((
            Pipeline {
                team,
                flags,
                kubernetes,
                dockerfile,
                terraform,
                selection,
                profile,
                rules,
                secrets,
                policies,
                exceptions,
                baseline,
                setup_errors,
                ran,
                left_out,
            },
            warnings,
        ))
    }

    pub fn team(&self) -> &Config {
        &self.team
    }

    /// Errors reading the exceptions file or the policies (every report
    /// carries them).
    pub fn setup_errors(&self) -> &[ScanError] {
        &self.setup_errors
    }

    /// What this pipeline was read from: rampart.toml, the exceptions file
    /// (even before it exists) and the policy folders. A long-running
    /// server watches them to reload.
    pub fn sources(&self) -> Vec<PathBuf> {
        let mut sources: Vec<PathBuf> = self.team.origin.iter().map(|origin| origin.path.clone()).collect();
        if self.flags.exceptions != ExceptionsFile::Ignored {
            let explicit = match &self.flags.exceptions {
                ExceptionsFile::Path(path) => Some(path.as_path()),
                _ => None,
            };
            sources.push(crate::exceptions::file_of(&self.team, explicit).0);
        }
        sources.extend(crate::policies::folders_of(&self.team, &self.flags.policies));
        sources
    }

    /// Whether Rego policies run (their cost depends on the team's code).
    pub fn has_policies(&self) -> bool {
        self.policies.is_some()
    }

    /// The manifest rules this pipeline runs (selection and profile
    /// applied).
    pub fn manifest_rules(&self) -> &[&'static rampart_k8s::Rule] {
        &self.rules.manifests
    }

    pub fn exceptions(&self) -> Option<&ExceptionSet> {
        self.exceptions.as_ref()
    }

    /// The manifest engine's settings in force.
    /// Adds a vulnerability gate's findings to a run (`rampart ci
    /// --image-report`): rampart.toml and the exceptions apply to them as
    /// to the rest, their rules join the ones that ran, and the controls
    /// are judged again.
    pub fn add_image_gate(&self, scanned: &mut Scanned, mut gate: rampart_images::gate::GateRun) {
        let findings = std::mem::take(&mut gate.findings);
        let errors = std::mem::take(&mut gate.errors);
        self.absorb_images(scanned, findings, errors, gate.reports, &gate.ran(), &|coverage| {
            gate.cover(coverage)
        });
    }

    /// Adds a signature verification's findings to a run (`rampart ci --verify-images`), as
    /// [`Pipeline::add_image_gate`] does for vulnerability reports.
    pub fn add_signature_check(&self, scanned: &mut Scanned, mut run: rampart_images::signature::SignatureRun) {
        let findings = std::mem::take(&mut run.found.findings);
        let errors = std::mem::take(&mut run.found.errors);
        self.absorb_images(scanned, findings, errors, 0, &run.ran(), &|coverage| {
            run.cover(coverage)
        });
    }

    fn absorb_images(
        &self,
        scanned: &mut Scanned,
        mut findings: Vec<Finding>,
        mut errors: Vec<ScanError>,
        files: usize,
        ran_rules: &[&'static rampart_core::RuleMeta],
        cover: &dyn Fn(&mut rampart_core::Coverage),
    ) {
        apply_team_config(&mut findings, &self.team, &self.selection, Profile::All);
        if let Some(set) = &self.exceptions {
            errors.extend(set.apply(&mut findings, &self.team));
        }
        let report = &mut scanned.report;
        report.findings.append(&mut findings);
        report.errors.append(&mut errors);
        report.summary.files += files;
        cover(&mut report.coverage);
        report.recount();
        let mut ran = scanned.ran.to_vec();
        ran.extend(
            ran_rules
                .iter()
                .map(|meta| crate::catalogue::listed_rule(crate::catalogue::IMAGES_ENGINE, meta)),
        );
        scanned.ran = ran.into();
        set_compliance(&mut scanned.report, self.profile, &scanned.ran, &scanned.left_out);
    }

    /// Sets the compliance summary again from the report's coverage (after
    /// reports of several runs were merged).
    pub fn set_compliance(&self, scanned: &mut Scanned) {
        set_compliance(&mut scanned.report, self.profile, &scanned.ran, &scanned.left_out);
    }

    pub fn kubernetes(&self) -> &ScanConfig {
        &self.kubernetes
    }

    /// Scans `paths` (`-` is standard input) with every engine.
    pub fn scan(&self, paths: &[PathBuf], progress: &dyn Progress) -> Scanned {
        let discovery = discover_with(
            paths,
            DiscoverOptions {
                render: self.flags.render,
                also: Some(other_engines_file),
            },
        );
        let search_inputs = matches!(self.flags.secrets, SecretsMode::Inputs);
        let detector = self
            .secrets
            .as_ref()
            .filter(|_| search_inputs)
            .map(|engine| rampart_secrets::Detector::new(engine.catalogue()));
        let secrets_key = self
            .secrets
            .as_ref()
            .map_or(FingerprintKey::DEFAULT, |engine| engine.key.clone());
        let options = LoadOptions {
            max_file_size: self.flags.max_file_size,
            ..LoadOptions::default()
        };
        progress.files_found(discovery.inputs.len());
        let dockerfile_secrets = detector.as_ref().map(|detector| (detector, &secrets_key));
        let checked: Vec<Result<CheckedInput, ScanError>> = discovery
            .inputs
            .par_iter()
            .map(|input| {
                let skipped = |engine| self.flags.skip_engines.contains(&engine);
                let checked = match input {
                    Input::File(path)
                        if path
                            .file_name()
                            .is_some_and(|name| name.to_string_lossy().ends_with(".tf.json")) =>
                    {
                        Ok(CheckedInput::PassedOver(ScanError::new(
                            input.display_name(),
                            None,
                            "Terraform in JSON syntax (.tf.json) is not evaluated yet: its resources were not checked",
                        )))
                    }
                    Input::File(path) if rampart_dockerfile::is_dockerfile(path) && skipped(Engine::Dockerfiles) => {
                        Ok(CheckedInput::Skipped)
                    }
                    Input::File(path)
                        if (rampart_terraform::is_terraform(path) || terraform::is_plan(path))
                            && skipped(Engine::Terraform) =>
                    {
                        Ok(CheckedInput::Skipped)
                    }
                    Input::File(path) if rampart_dockerfile::is_dockerfile(path) => dockerfiles::check_input(
                        input,
                        &self.dockerfile,
                        &self.rules.dockerfiles,
                        dockerfile_secrets,
                        self.flags.max_file_size,
                    )
                    .map(CheckedInput::Dockerfile),
                    Input::File(path) if rampart_terraform::is_terraform(path) => {
                        terraform::search_file(input, dockerfile_secrets, self.flags.max_file_size)
                            .map(CheckedInput::TerraformFile)
                    }
                    Input::File(path) if terraform::is_plan(path) => terraform::check_plan(
                        input,
                        &self.terraform,
                        &self.rules.terraform,
                        dockerfile_secrets,
                        self.flags.max_file_size,
                    )
                    .map(|(checked, leaks)| CheckedInput::Plan(Box::new(checked), leaks)),
                    _ if skipped(Engine::Manifests) => Ok(CheckedInput::Skipped),
                    _ => {
                        let engines = Engines {
                            secrets: detector.as_ref(),
                            secrets_key: &secrets_key,
                            keep_subjects: self.policies.as_ref().is_some_and(|set| !set.is_empty()),
                        };
                        check_input(input, &self.kubernetes, &options, &self.rules.manifests, &engines)
                            .map(|file| CheckedInput::Manifest(Box::new(file)))
                    }
                };
                progress.file_done();
                checked
            })
            .collect();
        self.conclude(discovery, checked, paths, progress, true, &|_| {})
    }

    /// Judges one object given as YAML or JSON bytes (`name` names it in
    /// findings): the manifest rules that need no other object, the team's
    /// policies, waiver annotations, rampart.toml's selection and
    /// severities, the exceptions. For the admission webhook, which sees
    /// one object per request.
    /// The images the workload containers of one object (JSON or YAML) run, where they are
    /// written: what the webhook verifies signatures of.
    pub fn image_uses_of(&self, name: &str, bytes: &[u8]) -> Vec<rampart_core::ImageUse> {
        let options = LoadOptions {
            max_file_size: self.flags.max_file_size,
            ..LoadOptions::default()
        };
        let loaded = rampart_k8s::loader::load_bytes(name, bytes, &options);
        rampart_k8s::workload::image_uses(&loaded.objects, &self.kubernetes.workload_kinds)
    }

    pub fn scan_object(&self, name: &str, bytes: &[u8]) -> Scanned {
        let engines = Engines {
            secrets: None,
            secrets_key: &FingerprintKey::DEFAULT,
            keep_subjects: self.policies.as_ref().is_some_and(|set| !set.is_empty()),
        };
        let options = LoadOptions {
            max_file_size: self.flags.max_file_size,
            ..LoadOptions::default()
        };
        let checked = check_bytes(name, bytes, &self.kubernetes, &options, &self.rules.manifests, &engines)
            .map(|file| CheckedInput::Manifest(Box::new(file)));
        // The summary's compliance is not needed for one object.
        self.conclude(
            rampart_k8s::files::Discovery::default(),
            vec![checked],
            &[],
            &Quiet,
            false,
            &|_| {},
        )
    }

    /// Judges objects read from somewhere other than files (a cluster, a
    /// snapshot of one), each named as findings should point at it
    /// (`cluster:prod/shop/Pod/web-1`), as a whole: every manifest rule,
    /// cross-object ones included, the policies, waivers, rampart.toml,
    /// exceptions, and the controls judged. `documents` are checked as they
    /// come (in parallel) and dropped, keeping only their facts and
    /// findings. Once they are all in, `finish_reading` says how many files
    /// they came from and what could not be read; `fold` then edits the
    /// manifest rules' findings before anything else sees them (a cluster
    /// audit folds a pod's findings into its controller's).
    pub fn scan_documents<I, D>(
        &self,
        documents: I,
        load: &(dyn Fn(D) -> rampart_k8s::LoadedFile + Sync),
        progress: &dyn Progress,
        finish_reading: &mut dyn FnMut() -> (usize, Vec<ScanError>),
        fold: &dyn Fn(&mut Vec<Finding>),
    ) -> Scanned
    where
        I: Iterator<Item = D> + Send,
        D: Send,
    {
        let engines = Engines {
            secrets: None,
            secrets_key: &FingerprintKey::DEFAULT,
            keep_subjects: self.policies.as_ref().is_some_and(|set| !set.is_empty()),
        };
        // Each document (a batch of objects, for a cluster) is checked where
        // a worker is free, and its results are taken into one in reading
        // order as soon as the ones before it are in: what depends on order
        // (which workload anchors a namespace's finding, the findings'
        // order) is the same from run to run, and one coverage table and
        // inventory are kept, not one per document.
        struct InOrder {
            next: usize,
            waiting: std::collections::BTreeMap<usize, CheckedFile>,
            all: Option<CheckedFile>,
        }
        let in_order = std::sync::Mutex::new(InOrder {
            next: 0,
            waiting: std::collections::BTreeMap::new(),
            all: None,
        });
        documents.enumerate().par_bridge().for_each(|(index, document)| {
            // Loading (parsing, making safe) runs here, in parallel.
            let loaded = load(document);
            let name = loaded.objects.first().map(|object| object.path.clone());
            let file = check_loaded(
                name.as_deref().unwrap_or(""),
                None,
                loaded,
                &self.kubernetes,
                &self.rules.manifests,
                &engines,
            );
            progress.file_done();
            let mut state = in_order.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            state.waiting.insert(index, file);
            loop {
                let next = state.next;
                let Some(file) = state.waiting.remove(&next) else {
                    break;
                };
                state.next += 1;
                match &mut state.all {
                    Some(all) => all.absorb(file),
                    None => state.all = Some(file),
                }
            }
        });
        let state = in_order.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        let checked: Vec<Result<CheckedInput, ScanError>> = state
            .all
            .into_iter()
            .map(|file| Ok(CheckedInput::Manifest(Box::new(file))))
            .collect();
        let (files, errors) = finish_reading();
        let discovery = rampart_k8s::files::Discovery {
            errors,
            ..rampart_k8s::files::Discovery::default()
        };
        let mut scanned = self.conclude(discovery, checked, &[], progress, true, fold);
        scanned.report.summary.files = files;
        scanned
    }

    /// Everything after the inputs are read: Terraform folders, policies,
    /// cross-file rules, waivers, rampart.toml, the tree's secrets,
    /// exceptions, the baseline, the verdicts.
    fn conclude(
        &self,
        discovery: rampart_k8s::files::Discovery,
        checked: Vec<Result<CheckedInput, ScanError>>,
        paths: &[PathBuf],
        progress: &dyn Progress,
        judge_controls: bool,
        fold: &dyn Fn(&mut Vec<Finding>),
    ) -> Scanned {
        let fail_on = self.flags.fail_on.or(self.team.fail_on).unwrap_or(Severity::High);
        let mut errors = discovery.errors;
        let mut checked_all = Checked::default();
        let mut inventory = Inventory::default();
        let mut summary = Summary {
            files: discovery.inputs.len(),
            ..Summary::default()
        };
        let mut subjects = Vec::new();
        let mut files_read = 0;
        // Findings of other engines than the manifests', and their waivers.
        let mut other_findings = Vec::new();
        let mut inline_waivers = Vec::new();
        let mut other_coverage = rampart_core::Coverage::default();
        let mut terraform_leaks = Vec::new();
        let mut notices = discovery.notices;
        for file in checked {
            match file {
                Ok(CheckedInput::Manifest(mut file)) => {
                    files_read += 1;
                    subjects.append(&mut file.subjects);
                    summary.documents += file.documents;
                    summary.skipped_documents += file.skipped_documents;
                    summary.objects += file.objects;
                    summary.workloads += file.workloads;
                    errors.extend(file.errors);
                    checked_all.append(file.checked);
                    inventory.merge(file.inventory);
                }
                Ok(CheckedInput::PassedOver(notice)) => notices.push(notice),
                Ok(CheckedInput::Skipped) => {}
                Ok(CheckedInput::TerraformFile(leaks)) => {
                    files_read += 1;
                    terraform_leaks.extend(leaks);
                }
                Ok(CheckedInput::Plan(plan, leaks)) => {
                    files_read += 1;
                    summary.terraform_resources += plan.resources;
                    errors.extend(plan.errors);
                    other_findings.extend(plan.findings);
                    other_findings.extend(leaks);
                    other_coverage.merge(&plan.coverage);
                }
                Ok(CheckedInput::Dockerfile(file)) => {
                    files_read += 1;
                    summary.dockerfiles += usize::from(file.stages > 0);
                    errors.extend(file.errors);
                    other_findings.extend(file.findings);
                    inline_waivers.extend(file.waivers);
                    other_coverage.merge(&file.coverage);
                }
                Err(error) => errors.push(error),
            }
        }
        let tf_files: Vec<PathBuf> = discovery
            .inputs
            .iter()
            .filter_map(|input| match input {
                Input::File(path) if rampart_terraform::is_terraform(path) => Some(path.clone()),
                _ => None,
            })
            .filter(|_| !self.flags.skip_engines.contains(&Engine::Terraform))
            .collect();
        if !tf_files.is_empty() {
            let checked = rampart_terraform::check(&tf_files, &self.terraform, &self.rules.terraform);
            summary.terraform_resources += checked.resources;
            errors.extend(checked.errors);
            notices.extend(checked.notices);
            other_coverage.merge(&checked.coverage);
            inline_waivers.extend(checked.waivers);
            let mut findings = checked.findings;
            add_secrets(&mut findings, std::mem::take(&mut terraform_leaks));
            other_findings.extend(findings);
        }
        if let Some(policies) = &self.policies {
            let (found, failed) = policies.evaluate(&subjects);
            checked_all.findings.extend(found);
            errors.extend(failed);
        }
        drop(subjects);
        let finished = finish(checked_all, inventory, &self.kubernetes, &self.rules.manifests);
        let (mut findings, mut coverage) = (finished.findings, finished.coverage);
        fold(&mut findings);
        findings.append(&mut other_findings);
        coverage.merge(&other_coverage);
        apply_inline_waivers(&mut findings, &inline_waivers, &self.team.non_waivable_selectors());
        apply_team_config(&mut findings, &self.team, &self.selection, self.profile);
        if let Some(engine) = &self.secrets {
            match &self.flags.secrets {
                SecretsMode::Tree { history } => {
                    let searched = self.search_tree(paths, engine, history.as_ref(), progress);
                    summary.files = searched.files;
                    summary.skipped_files = searched.skipped_files;
                    summary.commits = searched.commits;
                    errors.extend(searched.errors);
                    let mut secrets = searched.findings;
                    // The gate searches for secrets whatever the profile.
                    apply_team_config(&mut secrets, &self.team, &self.selection, Profile::All);
                    apply_inline_waivers(&mut secrets, &inline_waivers, &self.team.non_waivable_selectors());
                    add_secrets(&mut findings, secrets);
                    coverage.add_engine(SECRETS_ENGINE, searched.files + searched.commits);
                }
                SecretsMode::Inputs | SecretsMode::TurnedOff => coverage.add_engine(SECRETS_ENGINE, files_read),
            }
        }
        if self.secrets.is_some() {
            let mut shared = rampart_secrets::environments::shared_across_environments(&findings);
            apply_team_config(&mut shared, &self.team, &self.selection, Profile::All);
            findings.append(&mut shared);
        }
        if let Some(set) = &self.exceptions {
            coverage.add_engine(EXCEPTIONS_ENGINE, set.exceptions.list().len());
            errors.extend(set.apply(&mut findings, &self.team));
        }
        errors.extend(unknown_waived_rules(
            &finished.waivers,
            &inline_waivers,
            &findings,
            &self.team,
        ));
        if let (Some(baseline), Some(name)) = (&self.baseline, &self.flags.baseline)
            && self.flags.write_baseline.is_none()
        {
            baseline.suppress(&mut findings, &format!("in baseline {}", name.display()));
        }
        errors.extend(self.setup_errors.iter().cloned());
        errors.sort();
        errors.dedup();
        // Last: the inputs' own errors say why first.
        let nothing = summary.objects == 0
            && summary.dockerfiles == 0
            && summary.terraform_resources == 0
            && summary.commits == 0
            && !self.tree_searched(summary.files);
        if nothing && !self.flags.allow_empty {
            errors.push(self.nothing_scanned(paths));
        }
        let mut report = Report::new(TOOL, findings, errors, summary, Some(fail_on));
        report.coverage = coverage;
        report.notices = notices;
        let (ran, left_out) = (self.ran.clone(), self.left_out.clone());
        if judge_controls {
            set_compliance(&mut report, self.profile, &ran, &left_out);
        }
        Scanned { report, ran, left_out }
    }

    /// Whether the secrets engine searched some file of the tree.
    fn tree_searched(&self, files: usize) -> bool {
        matches!(self.flags.secrets, SecretsMode::Tree { .. }) && self.secrets.is_some() && files > 0
    }

    /// Every file under the paths, and the commits since the base.
    fn search_tree(
        &self,
        paths: &[PathBuf],
        engine: &SecretsEngine,
        history: Option<&History>,
        progress: &dyn Progress,
    ) -> TreeSearch {
        let options = rampart_secrets::ScanOptions {
            key: engine.key.clone(),
            ..rampart_secrets::ScanOptions::default()
        };
        let tree = rampart_secrets::scan_paths(paths, engine.catalogue(), &options);
        let mut searched = TreeSearch {
            findings: tree.findings,
            errors: tree.errors,
            files: tree.files,
            skipped_files: tree.skipped_files,
            commits: 0,
        };
        let Some(history) = history else {
            return searched;
        };
        for root in paths {
            match history_findings(root, history.base.as_deref(), engine.catalogue(), &options, progress) {
                Ok(Some((found, commits))) => {
                    searched.commits += commits;
                    add_history(&mut searched.findings, found);
                }
                Ok(None) => {}
                Err(error) => searched.errors.push(error),
            }
        }
        searched
    }

    /// The error of a run with nothing to check: a gate over nothing must
    /// not pass silently (`--allow-empty` accepts it).
    fn nothing_scanned(&self, paths: &[PathBuf]) -> ScanError {
        let named: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
        let message = match self.flags.secrets {
            SecretsMode::Tree { .. } => {
                "nothing to check: no file to search for secrets, no Kubernetes object, no Dockerfile and no Terraform resource, so no control was checked (pass --allow-empty to accept it)"
            }
            SecretsMode::Inputs | SecretsMode::TurnedOff => {
                "nothing to scan: no Kubernetes object, Dockerfile or Terraform resource in these inputs, so no control was checked (pass --allow-empty to accept an empty scan)"
            }
        };
        ScanError::new(named.join(", "), None, message)
    }

    /// Records every finding of `report` in the baseline `--write-baseline`
    /// names (keeping its key), writes it, and suppresses them. Returns the
    /// file and how many findings it holds.
    pub fn write_baseline(&self, report: &mut Report) -> Result<Option<(PathBuf, usize)>, String> {
        let (Some(path), Some(baseline)) = (&self.flags.write_baseline, &self.baseline) else {
            return Ok(None);
        };
        let mut baseline = baseline.clone();
        baseline.accept(&report.findings);
        baseline
            .write(path)
            .map_err(|error| format!("cannot write the baseline: {error}"))?;
        baseline.suppress(&mut report.findings, &format!("in baseline {}", path.display()));
        report.recount();
        Ok(Some((path.clone(), baseline.findings.len())))
    }
}

/// What the secrets engine found in a tree and its history.
struct TreeSearch {
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    files: usize,
    skipped_files: usize,
    commits: usize,
}

/// Sums up, for the summary, the verdicts on the controls the rules that
/// ran prove: the same judgement as the controls matrix, so a control
/// whose rules judged nothing is never counted as passing.
pub fn set_compliance(
    report: &mut Report,
    profile: Profile,
    ran: &[(String, RuleInfo)],
    left_out: &[(String, RuleInfo)],
) {
    let (ran_refs, left_out_refs) = (rampart_report::rule_refs(ran), rampart_report::rule_refs(left_out));
    let mut controls: Vec<Control> = ran.iter().flat_map(|(_, rule)| rule.controls.iter().copied()).collect();
    controls.sort();
    controls.dedup();
    let verdicts: Vec<(Control, ControlResult)> = controls
        .into_iter()
        .map(|control| {
            let verdict = judge_control(control, &ran_refs, &left_out_refs, &report.coverage, &report.findings);
            (control, verdict.result)
        })
        .collect();
    report.summary.compliance = Some(Compliance::new(profile, &verdicts));
}

/// Applies rampart.toml to findings every engine produced: rules not
/// selected are dropped (the secrets engine runs all of its own), and
/// severities are changed where the file says.
pub fn apply_team_config(findings: &mut Vec<Finding>, team: &Config, selection: &Selection, profile: Profile) {
    findings.retain(|finding| selection.runs(&finding.rule, &finding.controls, finding.severity));
    findings.retain(|finding| {
        rules::find(&finding.rule).is_some()
            || rampart_dockerfile::rules::find(&finding.rule).is_some()
            || rampart_terraform::rules::find(&finding.rule).is_some()
            || exceptions::RULES.iter().any(|meta| meta.id == finding.rule)
            || profile.includes_finding(&finding.controls)
    });
    if team.severity.is_empty() {
        return;
    }
    for finding in findings {
        if let Some(severity) = team.severity_of(&finding.rule) {
            finding.severity = severity;
        }
    }
}

/// Waivers of ours that name a rule id no engine has: a typo that would
/// waive nothing, reported at the annotation's or comment's line.
fn unknown_waived_rules(
    annotations: &[rampart_k8s::waivers::Waiver],
    comments: &[InlineWaiver],
    findings: &[Finding],
    team: &Config,
) -> Vec<ScanError> {
    let annotations = annotations
        .iter()
        .filter(|waiver| waiver.is_ours())
        .map(|waiver| (&waiver.rules, &waiver.annotation, &waiver.path, waiver.line));
    let comments = comments
        .iter()
        .filter(|waiver| waiver.ours)
        .map(|waiver| (&waiver.rules, &waiver.annotation, &waiver.path, waiver.line));
    let mut errors = Vec::new();
    for (rules, annotation, path, line) in annotations.chain(comments) {
        for rule in rules {
            if rule == "*" || is_rule_id(rule, findings, team) {
                continue;
            }
            errors.push(ScanError::new(
                path.to_string(),
                Some(line),
                format!("`{annotation}` names `{rule}`, which is not a rule id, so it waives nothing (`rampart rules` lists them)"),
            ));
        }
    }
    errors
}

/// The files a scan of `paths` reads (standard input left out), for the
/// evidence bundle's list of inputs.
pub fn input_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    let options = DiscoverOptions {
        render: false,
        also: Some(other_engines_file),
    };
    discover_with(paths, options)
        .inputs
        .into_iter()
        .filter_map(|input| match input {
            Input::File(path) => Some(path),
            Input::Stdin | Input::Rendered(..) => None,
        })
        .collect()
}

/// How many findings of a scan of `paths` each exception matches (for
/// `rampart exceptions`): the team's scan without the exceptions, then
/// each exception tried over it.
pub fn matches_per_exception(paths: &[PathBuf], team: &Config, set: &ExceptionSet) -> Result<Vec<usize>, String> {
    let flags = Flags {
        exceptions: ExceptionsFile::Ignored,
        allow_empty: true,
        ..Flags::default()
    };
    let (pipeline, _) = Pipeline::prepare(team.clone(), flags)?;
    let mut report = pipeline.scan(paths, &Quiet).report;
    Ok(set
        .exceptions
        .apply(&mut report.findings, set.today(), &team.non_waivable_selectors())
        .matched)
}

/// Where a run starts looking for rampart.toml and the repository: its
/// first path, else the current folder.
pub fn start_of(paths: &[PathBuf]) -> &Path {
    paths.first().map_or(Path::new("."), PathBuf::as_path)
}
