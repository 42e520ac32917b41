//! `rampart scan`: the pipeline over the paths, then the reports.

use rampart_core::Outcome;
use rampart_scan::pipeline::start_of;
use rampart_scan::proof::Run;
use rampart_scan::{ExceptionsFile, Flags, SecretsMode};

use crate::{ScanArgs, config_command, progress, proof};

pub fn run(args: &ScanArgs) -> Outcome {
    let stdin_count = args.paths.iter().filter(|p| p.as_os_str() == "-").count();
    if stdin_count > 1 {
        eprintln!("rampart: '-' (standard input) may be given only once");
        return Outcome::Error;
    }
    let start = start_of(&args.paths);
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let flags = Flags {
        cluster: false,
        cluster_namespaces: Vec::new(),
        cluster_version: None,
        shared_secret_values: None,
        profile: args.profile,
        skip: args.skip.clone(),
        fail_on: args.fail_on,
        allowed_registries: args.allowed_registries.clone(),
        namespace: args.namespace.clone(),
        owner_annotation: args.owner_annotation.clone(),
        review_annotation: args.review_annotation.clone(),
        max_file_size: args.max_file_size,
        render: args.render,
        allow_empty: args.allow_empty,
        secrets: if args.no_secrets {
            SecretsMode::TurnedOff
        } else {
            SecretsMode::Inputs
        },
        skip_engines: args.skip_engines.iter().map(|name| name.engine()).collect(),
        object_rules_only: false,
        exceptions: args
            .exceptions
            .clone()
            .map_or(ExceptionsFile::Configured, ExceptionsFile::Path),
        policies: args.policies.clone(),
        policy_namespaces: args.policy_namespaces.clone(),
        baseline: args.baseline.clone(),
        write_baseline: args.write_baseline.clone(),
        tf_var_files: args.var_files.clone(),
        tf_vars: args.vars.clone(),
        tf_env: crate::terraform_env(),
    };
    let pipeline = match config_command::prepare(team, flags) {
        Ok(pipeline) => pipeline,
        Err(outcome) => return outcome,
    };
    let mut scanned = pipeline.scan(&args.paths, &progress::Bars::new());
    match pipeline.write_baseline(&mut scanned.report) {
        Ok(Some((path, count))) => eprintln!("rampart: recorded {count} finding(s) in {}", path.display()),
        Ok(None) => {}
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    }
    let run = Run {
        command: "scan",
        report: &scanned.report,
        ran: &scanned.ran,
        left_out: &scanned.left_out,
        team: pipeline.team(),
        exceptions: pipeline.exceptions(),
        scanned: &args.paths,
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}
