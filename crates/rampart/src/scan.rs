//! `rampart scan`: load the manifests, run the rules, report.

use rampart_core::{Outcome, Report, ScanError, Summary, Tool};
use rampart_k8s::files::{Input, discover, read_input};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{Checked, Inventory, ScanConfig, check_file, finish, rules};
use rayon::prelude::*;

use crate::{Format, ScanArgs, output, output_failed};

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
    let config = ScanConfig {
        allowed_registries: args.allowed_registries.clone(),
        default_namespace: args.namespace.clone(),
        owner_annotation: args.owner_annotation.clone(),
        review_annotation: args.review_annotation.clone(),
        ..ScanConfig::default()
    };
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
    let selected: Vec<&'static rampart_k8s::Rule> = rules::all()
        .iter()
        .copied()
        .filter(|rule| !args.skip.iter().any(|id| id == rule.meta.id))
        .collect();
    let report = scan(
        &args.paths,
        &config,
        &options,
        &selected,
        !args.no_secrets,
        args.fail_on,
    );
    let written = match args.format {
        Format::Json => output::json::write(&report),
        Format::Text => output::text::write(&report),
    };
    match written {
        Ok(()) => report.outcome(),
        Err(error) => output_failed(error),
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
    search_secrets: bool,
    fail_on: rampart_core::Severity,
) -> Report {
    let discovery = discover(paths);
    let detector = search_secrets.then(|| rampart_secrets::Detector::new(rampart_secrets::Catalogue::builtin()));
    let checked: Vec<Result<CheckedFile, ScanError>> = discovery
        .inputs
        .par_iter()
        .map(|input| check_input(input, config, options, rules, detector.as_ref()))
        .collect();
    let mut errors = discovery.errors;
    let mut checked_all = Checked::default();
    let total: usize = checked.iter().flatten().map(|file| file.checked.findings.len()).sum();
    checked_all.findings.reserve_exact(total);
    let mut inventory = Inventory::default();
    let mut summary = Summary {
        files: discovery.inputs.len(),
        ..Summary::default()
    };
    for file in checked {
        match file {
            Ok(file) => {
                summary.documents += file.documents;
                summary.skipped_documents += file.skipped_documents;
                summary.objects += file.objects;
                errors.extend(file.errors);
                checked_all.append(file.checked);
                inventory.merge(file.inventory);
            }
            Err(error) => errors.push(error),
        }
    }
    let findings = finish(checked_all, inventory, config, rules);
    errors.sort();
    Report::new(TOOL, findings, errors, summary, Some(fail_on))
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
    checked
        .findings
        .extend(leaks.into_iter().filter(|leak| !reported.contains(&leak.location.line)));
}

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

/// One input, checked; its trees are already dropped.
struct CheckedFile {
    documents: usize,
    skipped_documents: usize,
    objects: usize,
    errors: Vec<ScanError>,
    checked: Checked,
    inventory: Inventory,
}

fn check_input(
    input: &Input,
    config: &ScanConfig,
    options: &LoadOptions,
    rules: &[&'static rampart_k8s::Rule],
    secrets: Option<&rampart_secrets::Detector<'_>>,
) -> Result<CheckedFile, ScanError> {
    let bytes = read_input(input, options.max_file_size)?;
    let name = input.display_name();
    let loaded = load_bytes(&name, &bytes, options);
    let (mut checked, inventory) = check_file(&loaded.objects, config, rules);
    if let Some(detector) = secrets {
        let mut leaks = rampart_secrets::scan_bytes(detector, &name, &bytes, &rampart_secrets::ScanOptions::default());
        attach_objects(&mut leaks, &loaded.objects);
        add_leaks(&mut checked, leaks);
    }
    drop(bytes);
    Ok(CheckedFile {
        documents: loaded.documents,
        skipped_documents: loaded.skipped_documents,
        objects: loaded.objects.len(),
        checked,
        errors: loaded.errors,
        inventory,
    })
}
