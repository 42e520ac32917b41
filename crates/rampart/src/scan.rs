//! `rampart scan`: load the manifests, run the rules, report.

use rampart_core::{Outcome, Report, ScanError, Summary, Tool};
use rampart_k8s::files::{Input, discover, read_input};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{ScanConfig, check_objects, rules};
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
        ..ScanConfig::default()
    };
    let options = LoadOptions {
        max_file_size: args.max_file_size,
        ..LoadOptions::default()
    };
    let report = scan(&args.paths, &config, &options, args.fail_on);
    let written = match args.format {
        Format::Json => output::json::write(&report),
        Format::Text => output::text::write(&report),
    };
    match written {
        Ok(()) => report.outcome(),
        Err(error) => output_failed(error),
    }
}

/// Loads every input in parallel, then checks all objects together (rules
/// may look across files).
pub fn scan(
    paths: &[std::path::PathBuf],
    config: &ScanConfig,
    options: &LoadOptions,
    fail_on: rampart_core::Severity,
) -> Report {
    let discovery = discover(paths);
    let loaded: Vec<_> = discovery
        .inputs
        .par_iter()
        .map(|input| load_input(input, options))
        .collect();
    let mut errors = discovery.errors;
    let mut objects = Vec::new();
    let mut summary = Summary {
        files: discovery.inputs.len(),
        ..Summary::default()
    };
    for file in loaded {
        match file {
            Ok(file) => {
                summary.documents += file.documents;
                summary.skipped_documents += file.skipped_documents;
                errors.extend(file.errors);
                objects.extend(file.objects);
            }
            Err(error) => errors.push(error),
        }
    }
    summary.objects = objects.len();
    let findings = check_objects(&objects, config, rules::all());
    errors.sort();
    Report::new(TOOL, findings, errors, summary, Some(fail_on))
}

fn load_input(input: &Input, options: &LoadOptions) -> Result<rampart_k8s::LoadedFile, ScanError> {
    let bytes = read_input(input, options.max_file_size)?;
    Ok(load_bytes(&input.display_name(), &bytes, options))
}
