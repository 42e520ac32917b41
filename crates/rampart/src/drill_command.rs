//! `rampart drill`: rehearse a playbook on a synthetic victim in a sandbox namespace,
//! timed from the injected signal to objective containment, recorded in the run store.

use std::path::PathBuf;

use rampart_core::Outcome;
use rampart_response::drill::{Drill, plan_command, stage};

#[derive(clap::Subcommand)]
pub enum DrillCommand {
    /// Stage a victim for PLAYBOOK in its own namespace (a pause pod, a
    /// service account with a binding, a Service, a dummy Secret, all
    /// labelled rampart.dev/drill=<id>) and start the clock.
    Start(StartArgs),
    /// Say the signal was detected (your alerting fired): stamps the time to
    /// detect.
    Detected(DetectedArgs),
    /// Check containment objectively (access reviews deny the victim's
    /// account, a policy cuts the victim off, no victim pod runs); the first
    /// pass stamps the time to contain and records the drill.
    Verify(DrillArgs),
    /// Times to detect and contain per drill and per playbook, and whether the
    /// response control is due.
    Report(ReportArgs),
    /// Remove everything the drill and its response made.
    Cleanup(DrillArgs),
}

#[derive(clap::Args)]
pub struct StartArgs {
    /// credential-leak, vulnerable-image, ingress-exposure,
    /// suspicious-egress or namespace-compromise.
    playbook: String,
    /// The drill's id [default: the time now].
    #[arg(long)]
    id: Option<String>,
    /// Run the playbook at once (plan, apply, verify) as a responder would,
    /// to time the automation itself.
    #[arg(long)]
    auto: bool,
    /// With --auto, how long to wait for containment to hold, in seconds.
    #[arg(long, default_value_t = 120)]
    timeout: u64,
    #[command(flatten)]
    cluster: Cluster,
    /// The run store [default: .rampart/evidence.db beside rampart.toml].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct DetectedArgs {
    id: String,
    /// When [default: now] (RFC 3339).
    #[arg(long, value_name = "TIME", conflicts_with = "audit_log")]
    at: Option<String>,
    /// Find it in these audit logs instead: the first detection after the
    /// signal that names the victim's account or namespace.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    audit_log: Vec<PathBuf>,
}

#[derive(clap::Args)]
pub struct DrillArgs {
    id: String,
    #[command(flatten)]
    cluster: Cluster,
    /// The run store [default: .rampart/evidence.db beside rampart.toml].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The run store [default: .rampart/evidence.db beside rampart.toml].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
    /// text or json.
    #[arg(long, short = 'f', value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

pub use crate::respond_command::Cluster;

/// Where a drill's state is kept.
pub fn state_path(id: &str) -> PathBuf {
    PathBuf::from(".rampart/drills").join(format!("{id}.json"))
}

pub fn run(command: &DrillCommand) -> Outcome {
    let result = match command {
        DrillCommand::Start(args) => start(args),
        DrillCommand::Detected(args) => detected(args),
        DrillCommand::Verify(args) => {
            verify(args).map(|contained| if contained { Outcome::Pass } else { Outcome::Fail })
        }
        DrillCommand::Report(args) => report(args),
        DrillCommand::Cleanup(args) => cleanup(args),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error}");
        Outcome::Error
    })
}

pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())
}

pub fn connect(
    runtime: &tokio::runtime::Runtime,
    cluster: &Cluster,
) -> Result<rampart_cluster::live::Connection, String> {
    runtime.block_on(rampart_cluster::live::connect(
        cluster.kubeconfig.as_deref(),
        cluster.context.as_deref(),
    ))
}

fn cluster_flags(cluster: &Cluster) -> String {
    let mut flags = String::new();
    if let Some(kubeconfig) = &cluster.kubeconfig {
        flags.push_str(&format!(" --kubeconfig {}", kubeconfig.display()));
    }
    if let Some(context) = &cluster.context {
        flags.push_str(&format!(" --context {context}"));
    }
    flags
}

fn start(args: &StartArgs) -> Result<Outcome, String> {
    let id = args.id.clone().unwrap_or_else(|| {
        rampart_core::rfc3339(rampart_core::unix_now())
            .trim_end_matches('Z')
            .replace(['-', ':'], "")
            .replace('T', "-")
    });
    let (stage_plan, mut drill) = stage(&args.playbook, &id)?;
    let path = state_path(&id);
    if path.exists() {
        return Err(format!("{}: a drill {id} exists already", path.display()));
    }
    let runtime = runtime()?;
    let connection = connect(&runtime, &args.cluster)?;
    let folder = PathBuf::from(".rampart/drills").join(&id);
    std::fs::create_dir_all(&folder).map_err(|error| format!("{}: {error}", folder.display()))?;
    let staged = runtime.block_on(rampart_response::apply::apply(
        connection.client(),
        &stage_plan,
        false,
        &folder.join("stage.json"),
        &mut |_| true,
    ))?;
    drill.injected = rampart_core::unix_now();
    drill.write(&path)?;
    if staged
        .entries
        .iter()
        .all(|entry| !matches!(entry.result, rampart_response::StepResult::Failed(_)))
    {
        // The signal, made as the victim's account.
        let victim = runtime.block_on(rampart_cluster::live::connect_as(
            args.cluster.kubeconfig.as_deref(),
            args.cluster.context.as_deref(),
            Some((&drill.victim_user(), &[])),
        ))?;
        drill.signal = runtime.block_on(rampart_response::drill::inject_signal(victim.client(), &drill))?;
        drill.write(&path)?;
    }
    if let Some(failed) = staged
        .entries
        .iter()
        .find(|entry| matches!(entry.result, rampart_response::StepResult::Failed(_)))
    {
        return Err(format!(
            "staging stopped at {} ({:?}): `rampart drill cleanup {id}` removes what was made",
            failed.action.describe(),
            failed.result
        ));
    }
    let flags = cluster_flags(&args.cluster);
    eprintln!(
        "drill {id} started: {} in namespace {}, the clock runs from {}",
        drill.playbook,
        drill.namespace,
        rampart_core::rfc3339(drill.injected)
    );
    eprintln!("signal: {}", drill.signal);
    if !args.auto {
        eprintln!("next:");
        eprintln!("  rampart drill detected {id}            # when your alerting fires (or --audit-log FILE)");
        eprintln!("  {}", plan_command(&drill, &flags));
        eprintln!("  rampart respond apply incidents/{}/plan.json{flags}", drill.incident);
        eprintln!("  rampart drill verify {id}{flags}");
        eprintln!("  rampart drill cleanup {id}{flags}");
        return Ok(Outcome::Pass);
    }
    // --auto: plan from the live cluster, apply without asking, verify until it holds.
    let wanted = rampart_cluster::live::wanted_kinds(&[]);
    let (objects, errors) = runtime.block_on(rampart_cluster::inventory_reader::read_live_objects(
        &connection,
        &wanted,
        &[],
    ));
    for error in &errors {
        eprintln!("warning: {error}");
    }
    let inventory = rampart_k8s::Inventory::of_objects(&objects, &rampart_k8s::ScanConfig::default());
    let plan = rampart_response::drill::respond(&drill, &objects, &inventory, None)?;
    let incident_folder = PathBuf::from("incidents").join(&drill.incident);
    std::fs::create_dir_all(&incident_folder).map_err(|error| format!("{}: {error}", incident_folder.display()))?;
    let text = serde_json::to_string_pretty(&plan).map_err(|error| error.to_string())? + "\n";
    std::fs::write(incident_folder.join("plan.json"), text).map_err(|error| error.to_string())?;
    let journal = runtime.block_on(rampart_response::apply::apply(
        connection.client(),
        &plan,
        false,
        &incident_folder.join("journal.json"),
        &mut |_| true,
    ))?;
    for entry in &journal.entries {
        eprintln!("{} {}: {:?}", entry.step, entry.action.describe(), entry.result);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(args.timeout);
    loop {
        let contained = verify_with(&runtime, &connection, &id, args.store.as_deref())?;
        if contained {
            return Ok(Outcome::Pass);
        }
        if std::time::Instant::now() >= deadline {
            return Ok(Outcome::Fail);
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
}

fn detected(args: &DetectedArgs) -> Result<Outcome, String> {
    let path = state_path(&args.id);
    let mut drill = Drill::read(&path)?;
    let at = match (&args.at, args.audit_log.is_empty()) {
        (Some(text), _) => {
            rampart_core::unix_from_rfc3339(text, false).ok_or_else(|| format!("--at {text}: give an RFC 3339 time"))?
        }
        (None, false) => detected_in(&drill, &args.audit_log)?,
        (None, true) => rampart_core::unix_now(),
    };
    if at < drill.injected {
        return Err(format!(
            "--at {}: before the drill started ({})",
            rampart_core::rfc3339(at),
            rampart_core::rfc3339(drill.injected)
        ));
    }
    drill.detected = Some(at);
    drill.write(&path)?;
    eprintln!(
        "drill {}: detected {} s after the signal",
        drill.id,
        at - drill.injected
    );
    Ok(Outcome::Pass)
}

/// The time of the first detection in `logs`, at or after the signal, that names the
/// drill.
fn detected_in(drill: &Drill, logs: &[PathBuf]) -> Result<i64, String> {
    let team = crate::config_command::load(None, std::path::Path::new(".")).map_err(|_| "rampart.toml".to_string())?;
    let settings = rampart_auditlog::settings::Settings::from_config(&team.audit_log);
    let mut detector = rampart_auditlog::detector::Detector::new(rampart_auditlog::rules::all().to_vec(), settings);
    let mut first: Option<(i64, String)> = None;
    for path in logs {
        let mut reader =
            rampart_auditlog::reader::LogReader::open(path).map_err(|error| format!("{}: {error}", path.display()))?;
        let mut emit = |finding: rampart_core::Finding| {
            let time = finding
                .event
                .as_ref()
                .and_then(|event| event.time.as_deref())
                .and_then(|time| rampart_core::unix_from_rfc3339(time, false));
            if let Some(time) = time
                && rampart_response::drill::names_drill(drill, &finding)
                && first.as_ref().is_none_or(|(earliest, _)| time < *earliest)
            {
                first = Some((time, format!("{}: {}", finding.rule, finding.message)));
            }
        };
        for error in detector.read_log(
            &mut reader,
            &path.display().to_string(),
            Some(drill.injected),
            false,
            &mut emit,
        ) {
            eprintln!("warning: {error}");
        }
    }
    let (time, what) = first.ok_or_else(|| {
        format!(
            "no detection in {} names the drill's account or namespace since {}: not detected yet",
            logs.iter()
                .map(|path| path.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            rampart_core::rfc3339(drill.injected)
        )
    })?;
    eprintln!("first detection: {what}");
    Ok(time)
}

fn verify(args: &DrillArgs) -> Result<bool, String> {
    let runtime = runtime()?;
    let connection = connect(&runtime, &args.cluster)?;
    verify_with(&runtime, &connection, &args.id, args.store.as_deref())
}

/// Runs the drill's checks, stamps containment on the first whole pass and records the
/// drill in the run store; prints each result.
fn verify_with(
    runtime: &tokio::runtime::Runtime,
    connection: &rampart_cluster::live::Connection,
    id: &str,
    store: Option<&std::path::Path>,
) -> Result<bool, String> {
    let path = state_path(id);
    let mut drill = Drill::read(&path)?;
    let verification = runtime.block_on(rampart_response::apply::run_checks(connection.client(), &drill.checks));
    for result in &verification.results {
        let detail = if result.detail.is_empty() {
            String::new()
        } else {
            format!(" ({})", result.detail)
        };
        println!(
            "{}  {}{detail}",
            if result.passed { "pass" } else { "FAIL" },
            result.check
        );
    }
    let contained = verification.passed();
    if contained && drill.contained.is_none() {
        drill.contained = Some(verification.time);
    }
    drill.verified.push(verification);
    drill.write(&path)?;
    match drill.time_to_contain() {
        Some(seconds) => println!(
            "contained {} after the signal{}",
            rampart_report::metrics::duration_text(seconds as f64),
            drill
                .detected
                .map(|at| format!(
                    " (detected after {})",
                    rampart_report::metrics::duration_text((at - drill.injected) as f64)
                ))
                .unwrap_or_default()
        ),
        None => println!("not contained yet"),
    }
    if contained {
        record(&drill, store)?;
    }
    Ok(contained)
}

/// The drill's record: its times, and the response control's evidence.
fn record(drill: &Drill, store: Option<&std::path::Path>) -> Result<(), String> {
    let journal =
        rampart_response::apply::Journal::read(&PathBuf::from("incidents").join(&drill.incident).join("journal.json"))
            .ok();
    let started = journal
        .as_ref()
        .and_then(|journal| journal.entries.first())
        .map(|entry| entry.started);
    let controls = std::collections::BTreeMap::from([(
        rampart_core::Control::Response.id().to_string(),
        rampart_report::store::ControlRecord {
            result: "pass".to_string(),
            open: 0,
            suppressed: 0,
        },
    )]);
    crate::proof::append_to_store(
        store,
        &rampart_report::store::RunRecord {
            time: rampart_core::unix_now(),
            command: "drill".to_string(),
            outcome: "pass".to_string(),
            controls,
            incident: Some(drill.incident_record(started)),
            ..rampart_report::store::RunRecord::default()
        },
    )
}

fn report(args: &ReportArgs) -> Result<Outcome, String> {
    let team = crate::config_command::load(None, std::path::Path::new(".")).map_err(|_| "rampart.toml".to_string())?;
    let path = rampart_scan::proof::store_path(args.store.as_deref(), &team);
    if !path.exists() {
        return Err(format!("{}: no run store yet: run a drill first", path.display()));
    }
    let store = rampart_report::store::Store::open(&path)?;
    let records: Vec<rampart_report::store::RunRecord> = store
        .runs_without_fingerprints()?
        .into_iter()
        .map(|run| run.record)
        .filter(|record| {
            record
                .incident
                .as_ref()
                .is_some_and(|incident| incident.drill.is_some())
        })
        .collect();
    let playbooks = rampart_report::metrics::response_times(&records);
    let frequency = team
        .frequency
        .iter()
        .find(|(control, _)| control.get_ref() == rampart_core::Control::Response.id())
        .map(|(_, frequency)| frequency.get_ref().clone())
        .unwrap_or_else(|| rampart_core::Control::Response.default_frequency().to_string());
    let last = playbooks.iter().filter_map(|times| times.last_drill).max();
    // Fresh as the controls matrix judges it: an event frequency (every commit) is never
    // met by a drill, which names no commit.
    let due = match (last, rampart_report::matrix::max_age_days(&frequency)) {
        (Some(last), Some(days)) => rampart_core::unix_now() - last > days * 86_400,
        _ => true,
    };
    if args.format == "json" {
        let json = serde_json::json!({"playbooks": playbooks, "frequency": frequency, "due": due,
            "last_drill": last.map(rampart_core::rfc3339)});
        println!("{}", serde_json::to_string_pretty(&json).unwrap_or_default());
        return Ok(Outcome::Pass);
    }
    println!("Drills:");
    let time = |seconds: Option<i64>| {
        seconds.map_or_else(|| "-".to_string(), |s| rampart_report::metrics::duration_text(s as f64))
    };
    for incident in rampart_report::metrics::latest_incidents(&records) {
        println!(
            "  {:<26} {:<22} {}  detect {}, contain {}",
            incident.id,
            incident.playbook,
            incident.declared.map(rampart_core::rfc3339).unwrap_or_default(),
            time(incident.time_to_detect()),
            time(incident.time_to_contain())
        );
    }
    print!("{}", rampart_report::metrics::response_text(&playbooks));
    println!(
        "The response control runs {frequency}: {}",
        match (last, due) {
            (None, _) => "no drill yet, it is due".to_string(),
            (Some(last), true) => format!(
                "the last drill ({}) is too old, a drill is due",
                rampart_core::rfc3339(last)
            ),
            (Some(last), false) => format!("the last drill ({}) keeps it current", rampart_core::rfc3339(last)),
        }
    );
    Ok(if due { Outcome::Fail } else { Outcome::Pass })
}

fn cleanup(args: &DrillArgs) -> Result<Outcome, String> {
    let path = state_path(&args.id);
    let mut drill = Drill::read(&path)?;
    let runtime = runtime()?;
    let connection = connect(&runtime, &args.cluster)?;
    // What the response made outside the namespace (a cluster-wide policy, a cordon),
    // undone from its journal; the namespace then goes with everything in it.
    let journal_path = PathBuf::from("incidents").join(&drill.incident).join("journal.json");
    if let Ok(mut journal) = rampart_response::apply::Journal::read(&journal_path)
        && journal.undone.is_empty()
        && !journal.dry_run
    {
        runtime.block_on(rampart_response::apply::undo(
            connection.client(),
            &mut journal,
            &journal_path,
        ))?;
    }
    let namespace = rampart_response::ObjectRef {
        api_version: "v1".to_string(),
        kind: "Namespace".to_string(),
        namespace: None,
        name: drill.namespace.clone(),
    };
    let deleted = runtime.block_on(rampart_response::apply::delete(connection.client(), &namespace))?;
    drill.cleaned = true;
    drill.write(&path)?;
    eprintln!(
        "drill {}: namespace {} {}",
        drill.id,
        drill.namespace,
        if deleted { "deleted" } else { "was gone already" }
    );
    Ok(Outcome::Pass)
}
