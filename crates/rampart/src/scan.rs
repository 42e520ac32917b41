//! `rampart scan`: load the manifests, run the rules, report.

use std::path::{Path, PathBuf};

use rampart_core::exceptions;
use rampart_core::{
    Baseline, Compliance, Config, Control, ControlResult, Finding, FingerprintKey, Outcome, Profile, Report, ScanError,
    Selection, Severity, Summary, Tool, judge_control,
};
use rampart_k8s::files::{DiscoverOptions, Input, discover, discover_with, read_input};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{Checked, Inventory, ScanConfig, check_file, finish, rules};
use rampart_policy::{PolicySet, Subject};
use rampart_report::RuleInfo;
use rayon::prelude::*;

use crate::exceptions_command::{self, ExceptionSet};
use crate::policy_command;
use crate::secrets_command::baseline_and_key;
use crate::{ScanArgs, config_command, output, proof};

pub const TOOL: Tool = Tool {
    name: "rampart",
    version: env!("CARGO_PKG_VERSION"),
};

pub fn run(args: &ScanArgs) -> Outcome {
    let stdin_count = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 1 {
        eprintln!("rampart: '-' (standard input) may be given only once");
        return Outcome::Error;
    }
    let start = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let config = kubernetes_config(&team, Some(args));
    let options = LoadOptions {
        max_file_size: args.max_file_size,
        ..LoadOptions::default()
    };
    let unknown: Vec<&str> = args
        .skip
        .iter()
        .map(String::as_str)
        .filter(|id| rules::find(id).is_none())
        .collect();
    if !unknown.is_empty() {
        eprintln!(
            "rampart: unknown rule(s) for --skip: {}; `rampart rules` lists them",
            unknown.join(", ")
        );
        return Outcome::Error;
    }
    let selection = Selection::new(&team, &args.skip);
    let profile = args.profile.or(team.profile).unwrap_or_default();
    let selected = selected_rules(&selection, profile);
    let Ok((baseline, secrets_key)) = baseline_and_key(args.write_baseline.as_deref(), args.baseline.as_deref()) else {
        return Outcome::Error;
    };
    let (exceptions, mut setup_errors) = match exceptions_command::load(&team, args.exceptions.as_deref()) {
        Ok(set) => (set, Vec::new()),
        Err(errors) => (None, errors),
    };
    let policies = match policy_command::load_for_scan(&team, &args.policies, &args.policy_namespaces) {
        Ok(policies) => policies,
        Err(errors) => {
            setup_errors.extend(errors);
            None
        }
    };
    let settings = ScanSettings {
        search_secrets: !args.no_secrets && profile.includes_finding(&[rampart_core::Control::Secrets]),
        render: args.render,
        fail_on: args.fail_on.or(team.fail_on).unwrap_or(Severity::High),
        profile,
        team: &team,
        selection: &selection,
        exceptions: exceptions.as_ref(),
        policies: policies.as_ref(),
        // Writing one records today's findings, none suppressed by the old.
        baseline: baseline.as_ref().filter(|_| args.write_baseline.is_none()),
        baseline_name: args.baseline.as_ref(),
        secrets_key,
    };
    let mut report = scan(&args.paths, &config, &options, &selected, &settings);
    if let (Some(path), Some(mut baseline)) = (&args.write_baseline, baseline.clone()) {
        baseline.accept(&report.findings);
        if let Err(error) = baseline.write(path) {
            eprintln!("rampart: cannot write the baseline: {error}");
            return Outcome::Error;
        }
        eprintln!(
            "rampart: recorded {} finding(s) in {}",
            baseline.findings.len(),
            path.display()
        );
        baseline.suppress(&mut report.findings, &format!("in baseline {}", path.display()));
        report.recount();
    }
    if !setup_errors.is_empty() {
        report.errors.extend(setup_errors);
        report.errors.sort();
        report.recount();
    }
    let ran = output::rules_that_ran(
        &selected,
        settings.search_secrets.then(rampart_secrets::Catalogue::builtin),
        exceptions.is_some(),
    );
    let left_out = output::rules_left_out(&selected, args.no_secrets);
    set_compliance(&mut report, profile, &ran, &left_out);
    if report.summary.objects == 0 && !args.allow_empty {
        report.errors.push(nothing_scanned(&args.paths));
        report.recount();
    }
    let run = proof::Run {
        command: "scan",
        report: &report,
        ran: &ran,
        left_out: &left_out,
        team: &team,
        exceptions: exceptions.as_ref(),
        scanned: &args.paths,
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}

/// The files a scan of `paths` reads (standard input left out), for the
/// evidence bundle's list of inputs.
pub fn input_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    discover(paths)
        .inputs
        .into_iter()
        .filter_map(|input| match input {
            Input::File(path) => Some(path),
            Input::Stdin | Input::Rendered(..) => None,
        })
        .collect()
}

/// The manifest engine's settings: rampart.toml's `[kubernetes]` and
/// `non-waivable`, with the command line's flags winning.
fn kubernetes_config(team: &Config, args: Option<&ScanArgs>) -> ScanConfig {
    let kubernetes = &team.kubernetes;
    let flag = |pick: fn(&ScanArgs) -> Option<&String>| args.and_then(pick).cloned();
    let mut config = ScanConfig {
        allowed_registries: match args {
            Some(args) if !args.allowed_registries.is_empty() => args.allowed_registries.clone(),
            _ => kubernetes.allowed_registries.clone(),
        },
        non_waivable: team.non_waivable_selectors(),
        ..ScanConfig::default()
    };
    if let Some(namespace) = flag(|a| a.namespace.as_ref()).or_else(|| kubernetes.default_namespace.clone()) {
        config.default_namespace = namespace;
    }
    if let Some(key) = flag(|a| a.owner_annotation.as_ref()).or_else(|| kubernetes.owner_annotation.clone()) {
        config.owner_annotation = key;
    }
    if let Some(key) = flag(|a| a.review_annotation.as_ref()).or_else(|| kubernetes.review_annotation.clone()) {
        config.review_annotation = key;
    }
    // rampart.toml's keys are checked to be `group/Kind` when it is read.
    for (key, template) in &kubernetes.workload_kinds {
        if let Some((group, kind)) = key.get_ref().rsplit_once('/') {
            config.workload_kinds.add(group, kind, template);
        }
    }
    config
}

/// The manifest rules rampart.toml's selection and the profile keep.
fn selected_rules(selection: &Selection, profile: Profile) -> Vec<&'static rampart_k8s::Rule> {
    rules::all()
        .iter()
        .copied()
        .filter(|rule| selection.runs(rule.meta.id, rule.meta.controls, rule.meta.severity))
        .filter(|rule| profile.includes_rule(rule.meta.controls, rule.meta.pss))
        .collect()
}

/// A scan with rampart.toml's choices and nothing from the command line,
/// and the rules that ran.
fn scan_team(
    paths: &[PathBuf],
    team: &Config,
    search_secrets: bool,
    exceptions: Option<&ExceptionSet>,
    policies: Option<&PolicySet>,
    fail_on: Severity,
) -> (Report, Vec<&'static rampart_k8s::Rule>) {
    let config = kubernetes_config(team, None);
    let selection = Selection::new(team, &[]);
    let profile = team.profile.unwrap_or_default();
    let selected = selected_rules(&selection, profile);
    let settings = ScanSettings {
        search_secrets,
        render: false,
        fail_on,
        profile,
        team,
        selection: &selection,
        exceptions,
        policies,
        baseline: None,
        baseline_name: None,
        secrets_key: FingerprintKey::DEFAULT,
    };
    let report = scan(paths, &config, &LoadOptions::default(), &selected, &settings);
    (report, selected)
}

/// The team's scan for `rampart exceptions` and `rampart controls`: the
/// report, the rules that ran, and whether the secrets engine did.
pub fn scan_with_team(
    paths: &[PathBuf],
    team: &Config,
    exceptions: Option<&ExceptionSet>,
) -> (Report, Vec<&'static rampart_k8s::Rule>, bool) {
    let search_secrets = team.profile.unwrap_or_default().includes_finding(&[Control::Secrets]);
    let fail_on = team.fail_on.unwrap_or(Severity::High);
    let (report, selected) = scan_team(paths, team, search_secrets, exceptions, None, fail_on);
    (report, selected, search_secrets)
}

/// The manifest part of the CI gate: rampart.toml's rules and the team's
/// policies over `paths`, without the secrets engine (the gate searches
/// every file for secrets on its own), exceptions or baseline (applied
/// once over every engine's findings).
pub fn scan_manifests_for_gate(
    paths: &[PathBuf],
    team: &Config,
    policies: Option<&PolicySet>,
    fail_on: Severity,
) -> (Report, Vec<&'static rampart_k8s::Rule>) {
    scan_team(paths, team, false, None, policies, fail_on)
}

/// How many findings of a scan of `paths` each exception matches, for
/// `rampart exceptions`.
pub fn matches_per_exception(paths: &[PathBuf], team: &Config, set: &ExceptionSet) -> Vec<usize> {
    let (mut report, _, _) = scan_with_team(paths, team, None);
    set.exceptions
        .apply(&mut report.findings, set.today, &team.non_waivable_selectors())
        .matched
}

/// What a scan does beyond the rules: the team's choices.
pub struct ScanSettings<'a> {
    pub search_secrets: bool,
    /// Render Helm charts and Kustomize folders before checking them.
    pub render: bool,
    pub fail_on: Severity,
    pub profile: Profile,
    pub team: &'a Config,
    pub selection: &'a Selection,
    pub exceptions: Option<&'a ExceptionSet>,
    /// The team's Rego policies, evaluated over every object.
    pub policies: Option<&'a PolicySet>,
    /// Findings it accepted are suppressed (only when reading one).
    pub baseline: Option<&'a Baseline>,
    pub baseline_name: Option<&'a PathBuf>,
    /// The key of the secrets engine's fingerprints: the baseline's.
    pub secrets_key: FingerprintKey,
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

/// The error of a scan that found no Kubernetes object at all: a gate over
/// nothing must not pass silently (`--allow-empty` accepts it).
fn nothing_scanned(paths: &[PathBuf]) -> ScanError {
    let named: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
    ScanError::new(
        named.join(", "),
        None,
        "nothing to scan: no Kubernetes object in these inputs, so no control was checked (pass --allow-empty to accept an empty scan)",
    )
}

/// Applies rampart.toml to findings every engine produced: rules not
/// selected are dropped (the secrets engine runs all of its own), and
/// severities are changed where the file says.
pub fn apply_team_config(findings: &mut Vec<Finding>, team: &Config, selection: &Selection, profile: Profile) {
    findings.retain(|finding| selection.runs(&finding.rule, &finding.controls, finding.severity));
    findings.retain(|finding| {
        rules::find(&finding.rule).is_some()
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

/// Loads and checks every input in parallel, one file per task, keeping
/// only findings and the inventory's facts (not the parsed trees); then
/// settles the findings that depend on other files.
pub fn scan(
    paths: &[std::path::PathBuf],
    config: &ScanConfig,
    options: &LoadOptions,
    rules: &[&'static rampart_k8s::Rule],
    settings: &ScanSettings<'_>,
) -> Report {
    let discovery = discover_with(
        paths,
        DiscoverOptions {
            render: settings.render,
        },
    );
    let detector = settings
        .search_secrets
        .then(|| rampart_secrets::Detector::new(rampart_secrets::Catalogue::builtin()));
    let bar = crate::progress::FilesBar::new(discovery.inputs.len());
    let checked: Vec<Result<CheckedFile, ScanError>> = discovery
        .inputs
        .par_iter()
        .map(|input| {
            let engines = Engines {
                secrets: detector.as_ref(),
                secrets_key: &settings.secrets_key,
                keep_subjects: settings.policies.is_some_and(|set| !set.is_empty()),
            };
            let checked = check_input(input, config, options, rules, &engines);
            bar.file_done();
            checked
        })
        .collect();
    bar.finish();
    let mut errors = discovery.errors;
    let mut checked_all = Checked::default();
    let total: usize = checked.iter().flatten().map(|file| file.checked.findings.len()).sum();
    checked_all.findings.reserve_exact(total);
    let mut inventory = Inventory::default();
    let mut summary = Summary {
        files: discovery.inputs.len(),
        ..Summary::default()
    };
    let mut subjects = Vec::new();
    let mut files_read = 0;
    for file in checked {
        match file {
            Ok(mut file) => {
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
            Err(error) => errors.push(error),
        }
    }
    if let Some(policies) = settings.policies {
        let (found, failed) = policies.evaluate(&subjects);
        checked_all.findings.extend(found);
        errors.extend(failed);
    }
    drop(subjects);
    let finished = finish(checked_all, inventory, config, rules);
    let (mut findings, mut coverage) = (finished.findings, finished.coverage);
    if settings.search_secrets {
        coverage.add_engine(output::SECRETS_ENGINE, files_read);
    }
    if let Some(set) = settings.exceptions {
        coverage.add_engine(output::EXCEPTIONS_ENGINE, set.exceptions.list().len());
    }
    apply_team_config(&mut findings, settings.team, settings.selection, settings.profile);
    if let Some(set) = settings.exceptions {
        errors.extend(set.apply(&mut findings, settings.team));
    }
    errors.extend(unknown_waived_rules(&finished.waivers, &findings, settings.team));
    if let (Some(baseline), Some(name)) = (settings.baseline, settings.baseline_name) {
        baseline.suppress(&mut findings, &format!("in baseline {}", name.display()));
    }
    errors.sort();
    errors.dedup();
    let mut report = Report::new(TOOL, findings, errors, summary, Some(settings.fail_on));
    report.coverage = coverage;
    report.notices = discovery.notices;
    report
}

/// Waivers of ours that name a rule id no engine has: a typo that would
/// waive nothing, reported at the annotation's line.
fn unknown_waived_rules(
    waivers: &[rampart_k8s::waivers::Waiver],
    findings: &[Finding],
    team: &Config,
) -> Vec<ScanError> {
    let mut errors = Vec::new();
    for waiver in waivers.iter().filter(|waiver| waiver.is_ours()) {
        for rule in &waiver.rules {
            if rule == "*" || is_rule_id(rule, findings, team) {
                continue;
            }
            errors.push(ScanError::new(
                waiver.path.to_string(),
                Some(waiver.line),
                format!(
                    "`{}` names `{rule}`, which is not a rule id, so it waives nothing (`rampart rules` lists them)",
                    waiver.annotation
                ),
            ));
        }
    }
    errors
}

/// Whether `id` is a rule of some engine: built in, a team policy's
/// (`policy.` ids, or one that reported here), or a secrets rule of
/// rampart.toml.
pub fn is_rule_id(id: &str, findings: &[Finding], team: &Config) -> bool {
    config_command::known_rule(id)
        || id.starts_with("policy.")
        || findings.iter().any(|finding| finding.rule == id)
        || team
            .secrets
            .rules
            .iter()
            .any(|rule| rule.get("id").and_then(|value| value.as_str()) == Some(id))
}

/// Adds the secrets engine's findings for a file, except where a manifest
/// rule already reported a credential on the same line with the object's
/// context (a ConfigMap key, an env value).
fn add_leaks(checked: &mut Checked, leaks: Vec<rampart_core::Finding>) {
    let reported: std::collections::HashSet<usize> = checked
        .findings
        .iter()
        .filter(|finding| finding.controls.contains(&rampart_core::Control::Secrets))
        .map(|finding| finding.location.line)
        .collect();
    // A manifest rule's credential finding says what the secrets engine
    // makes of the value, so a reviewer can triage it without seeing it.
    for finding in &mut checked.findings {
        if !CREDENTIAL_VALUE_RULES.contains(&&*finding.rule) {
            continue;
        }
        let verdict = match leaks.iter().find(|leak| leak.location.line == finding.location.line) {
            Some(leak) => format!("the secrets engine matches it as `{}`", leak.rule),
            None => "the secrets engine knows no credential format in it".to_string(),
        };
        finding.message = format!("{} ({verdict})", finding.message);
    }
    checked
        .findings
        .extend(leaks.into_iter().filter(|leak| !reported.contains(&leak.location.line)));
}

/// Manifest rules that report a credential's value, which the secrets
/// engine's verdict completes.
const CREDENTIAL_VALUE_RULES: &[&str] = &["no-literal-secret-env", "no-credential-in-configmap"];

/// Names the object each leak sits in: the last object starting at or
/// before the leak's line.
fn attach_objects(leaks: &mut [rampart_core::Finding], objects: &[rampart_k8s::object::Object]) {
    let mut starts: Vec<(usize, &std::sync::Arc<rampart_core::ResourceRef>)> = objects
        .iter()
        .map(|object| (object.root.pos.line as usize, &object.resource))
        .collect();
    starts.sort_by_key(|(line, _)| *line);
    for leak in leaks {
        let before = starts.partition_point(|(line, _)| *line <= leak.location.line);
        if let Some((_, resource)) = before.checked_sub(1).map(|at| starts[at]) {
            leak.resource = Some(resource.clone());
        }
    }
}

/// What runs over a file besides the manifest rules.
struct Engines<'a> {
    secrets: Option<&'a rampart_secrets::Detector<'a>>,
    secrets_key: &'a FingerprintKey,
    /// Keep each object's JSON for the policies.
    keep_subjects: bool,
}

/// One input, checked; its trees are already dropped.
struct CheckedFile {
    subjects: Vec<Subject>,
    documents: usize,
    skipped_documents: usize,
    objects: usize,
    workloads: usize,
    errors: Vec<ScanError>,
    checked: Checked,
    inventory: Inventory,
}

fn check_input(
    input: &Input,
    config: &ScanConfig,
    options: &LoadOptions,
    rules: &[&'static rampart_k8s::Rule],
    engines: &Engines<'_>,
) -> Result<CheckedFile, ScanError> {
    let bytes = read_input(input, options.max_file_size)?;
    let name = input.display_name();
    let loaded = load_bytes(&name, &bytes, options);
    let (mut checked, inventory) = check_file(&loaded.objects, config, rules);
    let mut errors = loaded.errors;
    errors.append(&mut checked.errors);
    if let Some(detector) = engines.secrets {
        let secrets_options = rampart_secrets::ScanOptions {
            key: engines.secrets_key.clone(),
            ..rampart_secrets::ScanOptions::default()
        };
        let mut leaks = rampart_secrets::scan_bytes(detector, &name, &bytes, &secrets_options);
        attach_objects(&mut leaks, &loaded.objects);
        add_leaks(&mut checked, leaks);
    }
    drop(bytes);
    let subjects = if engines.keep_subjects {
        loaded
            .objects
            .iter()
            .map(|object| {
                Subject::from_json(
                    object.root.to_json(),
                    object.resource.clone(),
                    object.path.clone(),
                    object.root.pos.line as usize,
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(CheckedFile {
        subjects,
        documents: loaded.documents,
        skipped_documents: loaded.skipped_documents,
        objects: loaded.objects.len(),
        workloads: loaded
            .objects
            .iter()
            .filter(|object| config.workload_kinds.find(object).is_some())
            .count(),
        checked,
        errors,
        inventory,
    })
}
