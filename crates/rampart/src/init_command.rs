//! `rampart init`: hardened starting points (Kustomize base and overlays, or one YAML stream).

use std::path::PathBuf;

use rampart_core::Outcome;
use rampart_init::{Kind, Module};

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum InitFormat {
    /// `base/` and `overlays/{dev,prod}/` under --output.
    Kustomize,
    /// One YAML stream on standard output.
    Yaml,
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// web, worker, cronjob, internal-api, namespace; ci (github or gitlab
    /// as the name); terraform (eks, gke or aks as the name, then the
    /// cluster's name).
    #[arg(value_parser = ["web", "worker", "cronjob", "internal-api", "namespace", "ci", "terraform"])]
    kind: String,

    /// The app's (or the namespace's) name: a DNS label; for ci, github or
    /// gitlab; for terraform, eks, gke or aks.
    name: String,

    /// For terraform: the cluster's name [default: prod].
    cluster: Option<String>,

    /// The image the workload runs; without a digest, a placeholder digest
    /// is written, which the scan reports until `rampart fix --pin-digests`.
    #[arg(long)]
    image: Option<String>,

    /// The port the app listens on (web, internal-api).
    #[arg(long, default_value_t = 8080)]
    port: u16,

    /// The host a web app's Ingress serves (with TLS).
    #[arg(long)]
    host: Option<String>,

    /// The namespace [default: the name].
    #[arg(long, short = 'n')]
    namespace: Option<String>,

    /// A cron job's schedule.
    #[arg(long, default_value = "0 3 * * *")]
    schedule: String,

    /// An app (its `app` label) allowed to call an internal API (repeatable).
    #[arg(long = "client", value_name = "APP")]
    clients: Vec<String>,

    /// The owning team: the namespace's role binding and owner annotations.
    #[arg(long, default_value = "team-platform")]
    owner: String,

    /// The namespace the ingress controller runs in (web).
    #[arg(long, default_value = "ingress-nginx")]
    ingress_namespace: String,

    /// kustomize (a base and dev/prod overlays) or yaml (one stream on
    /// standard output).
    #[arg(long, short = 'f', value_enum, default_value = "kustomize")]
    format: InitFormat,

    /// Where the Kustomize module is written [default: ./NAME].
    #[arg(long, short = 'o', value_name = "DIR")]
    output: Option<PathBuf>,

    /// Overwrite files that exist.
    #[arg(long)]
    force: bool,
}

pub fn run(args: &InitArgs) -> Outcome {
    if args.kind == "terraform" {
        let cluster = args.cluster.clone().unwrap_or_else(|| "prod".to_string());
        let Some(files) = rampart_init::render_terraform(&args.name, &cluster) else {
            eprintln!(
                "error: no Terraform module for {:?}: {}",
                args.name,
                rampart_init::PROVIDERS.join(", ")
            );
            return Outcome::Error;
        };
        let root = args
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from(format!("{}-{cluster}", args.name)));
        return write_files(&root, &files, args.force);
    }
    if args.cluster.is_some() {
        eprintln!("error: only `rampart init terraform PROVIDER CLUSTER` takes a third name");
        return Outcome::Error;
    }
    let Some(kind) = Kind::parse(&args.kind) else {
        return Outcome::Error;
    };
    let module = Module {
        kind,
        name: args.name.clone(),
        namespace: args.namespace.clone(),
        image: args.image.clone(),
        port: args.port,
        host: args.host.clone(),
        schedule: args.schedule.clone(),
        clients: args.clients.clone(),
        owner: args.owner.clone(),
        ingress_namespace: args.ingress_namespace.clone(),
        // A quarter from today: the first review of the team's access.
        review_by: rampart_core::Date::today().plus_days(90).to_string(),
    };
    if let Err(error) = rampart_init::check(&module) {
        eprintln!("error: {error}");
        return Outcome::Error;
    }
    if kind == Kind::Ci {
        // The repository's own files, at its root (or --output).
        let root = args.output.clone().unwrap_or_else(|| PathBuf::from("."));
        return write_files(&root, &rampart_init::render_ci(&args.name), args.force);
    }
    if args.format == InitFormat::Yaml {
        use std::io::Write as _;
        return match std::io::stdout()
            .lock()
            .write_all(rampart_init::render_yaml(&module).as_bytes())
        {
            Ok(()) => Outcome::Pass,
            Err(error) => crate::output_failed(error),
        };
    }
    let root = args.output.clone().unwrap_or_else(|| PathBuf::from(&args.name));
    let written = write_files(&root, &rampart_init::render_kustomize(&module), args.force);
    if written != Outcome::Pass {
        return written;
    }
    if module.image.as_deref().is_some_and(|image| !image.contains("@sha256:")) {
        eprintln!(
            "note: the image has a placeholder digest: `rampart fix {} --pin-digests --write` asks the registry for the real one",
            root.display()
        );
    }
    Outcome::Pass
}

/// Writes `files` under `root`, refusing to overwrite unless `force`.
fn write_files(root: &std::path::Path, files: &[rampart_init::File], force: bool) -> Outcome {
    if !force
        && let Some(existing) = files
            .iter()
            .map(|file| root.join(&file.path))
            .find(|path| path.exists())
    {
        eprintln!("error: {} exists (--force overwrites)", existing.display());
        return Outcome::Error;
    }
    for file in files {
        let path = root.join(&file.path);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, &file.text));
        if let Err(error) = written {
            eprintln!("error: {}: {error}", path.display());
            return Outcome::Error;
        }
        eprintln!("wrote {}", path.display());
    }
    Outcome::Pass
}
