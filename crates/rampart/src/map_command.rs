//! `rampart map PATH...`: the trust-boundary graph of the scanned
//! manifests, or of a cluster (`--context`, `--snapshot`), as Graphviz
//! DOT, Mermaid or JSON.

use std::io::Write;
use std::path::PathBuf;

use clap::ValueEnum;
use rampart_core::Outcome;
use rampart_k8s::map::{build, to_dot, to_mermaid};

use crate::inventory_input::{ClusterSource, Needs};
use crate::output_failed;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MapFormat {
    Dot,
    Mermaid,
    Json,
}

#[derive(clap::Args)]
pub struct MapArgs {
    /// Manifest files or folders; '-' reads stdin.
    #[arg(
        required_unless_present_any = ["context", "kubeconfig", "snapshot"],
        conflicts_with_all = ["context", "kubeconfig", "snapshot"]
    )]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    source: ClusterSource,
    #[arg(long, short = 'f', value_enum, default_value_t = MapFormat::Dot)]
    format: MapFormat,
    /// Namespace of objects that set none.
    #[arg(long, short = 'n', default_value = "default")]
    namespace: String,
}

pub fn run(args: &MapArgs) -> Outcome {
    let config = rampart_k8s::ScanConfig {
        default_namespace: args.namespace.clone(),
        ..rampart_k8s::ScanConfig::default()
    };
    let needs = Needs {
        // What the map draws: workloads, their exposure, policies, RBAC.
        kinds: |wanted| {
            !matches!(
                wanted.kind.as_str(),
                "Secret"
                    | "ConfigMap"
                    | "Node"
                    | "ResourceQuota"
                    | "LimitRange"
                    | "ValidatingWebhookConfiguration"
                    | "MutatingWebhookConfiguration"
            )
        },
        // A Deployment stands for its ReplicaSets and their pods.
        keep: rampart_cluster::inventory_reader::not_controlled,
        namespaces: Vec::new(),
    };
    let (inventory, errors) = match crate::inventory_input::load_from(&args.paths, &args.source, &config, needs) {
        Ok(loaded) => (loaded.inventory, loaded.errors),
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Error;
        }
    };
    let map = build(&inventory);
    let rendered = match args.format {
        MapFormat::Dot => to_dot(&map),
        MapFormat::Mermaid => to_mermaid(&map),
        MapFormat::Json => serde_json::to_string_pretty(&map).unwrap_or_default() + "\n",
    };
    if let Err(error) = std::io::stdout().lock().write_all(rendered.as_bytes()) {
        return output_failed(error);
    }
    for error in &errors {
        eprintln!("rampart: {error}");
    }
    if errors.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Error
    }
}
