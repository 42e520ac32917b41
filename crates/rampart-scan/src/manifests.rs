//! The manifest engine inside the pipeline: its settings from rampart.toml
//! and the command line, and one input checked with the secrets engine
//! over the same bytes.

use std::sync::Arc;

use rampart_core::{Config, Finding, FingerprintKey, ResourceRef, ScanError};
use rampart_k8s::files::{Input, read_input};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::object::Object;
use rampart_k8s::{Checked, Inventory, Rule, ScanConfig, check_file};
use rampart_policy::Subject;

use crate::pipeline::Flags;
use crate::secrets::merge_leaks;

/// The manifest engine's settings: rampart.toml's `[kubernetes]` and
/// `non-waivable`, with the command line's flags winning.
pub fn kubernetes_config(team: &Config, flags: &Flags) -> ScanConfig {
    let kubernetes = &team.kubernetes;
    let mut config = ScanConfig {
        allowed_registries: if flags.allowed_registries.is_empty() {
            kubernetes.allowed_registries.clone()
        } else {
            flags.allowed_registries.clone()
        },
        blocked_images: team.images.blocked.clone(),
        non_waivable: team.non_waivable_selectors(),
        cluster: flags.cluster,
        cluster_namespaces: flags.cluster_namespaces.clone(),
        cluster_version: flags.cluster_version.clone(),
        shared_secret_values: flags.shared_secret_values.clone(),
        ..ScanConfig::default()
    };
    if let Some(days) = team.secrets.max_age_days {
        config.secret_max_age_days = days;
    }
    if let Some(namespace) = flags.namespace.clone().or_else(|| kubernetes.default_namespace.clone()) {
        config.default_namespace = namespace;
    }
    if let Some(key) = flags
        .owner_annotation
        .clone()
        .or_else(|| kubernetes.owner_annotation.clone())
    {
        config.owner_annotation = key;
    }
    if let Some(key) = flags
        .review_annotation
        .clone()
        .or_else(|| kubernetes.review_annotation.clone())
    {
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

/// What runs over a manifest besides its rules.
pub struct Engines<'a> {
    pub secrets: Option<&'a rampart_secrets::Detector<'a>>,
    pub secrets_key: &'a FingerprintKey,
    /// Keep each object's JSON for the policies.
    pub keep_subjects: bool,
}

/// One manifest input, checked; its trees are already dropped.
pub struct CheckedFile {
    pub subjects: Vec<Subject>,
    pub documents: usize,
    pub skipped_documents: usize,
    pub objects: usize,
    pub workloads: usize,
    pub errors: Vec<ScanError>,
    pub checked: Checked,
    pub inventory: Inventory,
}

impl CheckedFile {
    /// Takes in another input's results after its own: many objects
    /// checked batch by batch keep one coverage table and one inventory
    /// instead of one each.
    pub fn absorb(&mut self, mut other: CheckedFile) {
        self.subjects.append(&mut other.subjects);
        self.documents += other.documents;
        self.skipped_documents += other.skipped_documents;
        self.objects += other.objects;
        self.workloads += other.workloads;
        self.errors.append(&mut other.errors);
        self.checked.append(other.checked);
        self.inventory.merge(other.inventory);
    }
}

/// Manifest rules that report a credential's value, which the secrets
/// engine's verdict completes.
const CREDENTIAL_VALUE_RULES: &[&str] = &["no-literal-secret-env", "no-credential-in-configmap"];

/// Reads, loads and checks one input; the secrets engine searches the same
/// bytes.
pub fn check_input(
    input: &Input,
    config: &ScanConfig,
    options: &LoadOptions,
    rules: &[&'static Rule],
    engines: &Engines<'_>,
) -> Result<CheckedFile, ScanError> {
    let bytes = read_input(input, options.max_file_size)?;
    check_bytes(&input.display_name(), &bytes, config, options, rules, engines)
}

/// Loads and checks one input's bytes.
pub fn check_bytes(
    name: &str,
    bytes: &[u8],
    config: &ScanConfig,
    options: &LoadOptions,
    rules: &[&'static Rule],
    engines: &Engines<'_>,
) -> Result<CheckedFile, ScanError> {
    let loaded = load_bytes(name, bytes, options);
    Ok(check_loaded(name, Some(bytes), loaded, config, rules, engines))
}

/// Checks objects already loaded (`bytes` are what they were read from,
/// for the secrets engine; a cluster's objects have none).
pub fn check_loaded(
    name: &str,
    bytes: Option<&[u8]>,
    loaded: rampart_k8s::LoadedFile,
    config: &ScanConfig,
    rules: &[&'static Rule],
    engines: &Engines<'_>,
) -> CheckedFile {
    let (mut checked, inventory) = check_file(&loaded.objects, config, rules);
    let mut errors = loaded.errors;
    errors.append(&mut checked.errors);
    if let Some(detector) = engines.secrets
        && let Some(bytes) = bytes
    {
        let secrets_options = rampart_secrets::ScanOptions {
            key: engines.secrets_key.clone(),
            ..rampart_secrets::ScanOptions::default()
        };
        let mut leaks = rampart_secrets::scan_bytes(detector, name, bytes, &secrets_options);
        attach_objects(&mut leaks, &loaded.objects);
        merge_leaks(&mut checked.findings, leaks, CREDENTIAL_VALUE_RULES);
    }
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
    CheckedFile {
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
    }
}

/// Names the object each leak sits in: the last object starting at or
/// before the leak's line.
fn attach_objects(leaks: &mut [Finding], objects: &[Object]) {
    let mut starts: Vec<(usize, &Arc<ResourceRef>)> = objects
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
