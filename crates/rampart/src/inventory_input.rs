//! Loading the inventory alone, for the commands that reason about the
//! whole set of objects (`who-can`, `map`) rather than check rules: from
//! manifest files, a live cluster or a snapshot.

use std::path::PathBuf;

use rampart_cluster::inventory_reader::{ClusterInventory, read_live, read_snapshot_inventory};
use rampart_cluster::live::{Connection, Wanted};
use rampart_core::ScanError;
use rampart_k8s::files::{discover, read_input};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{Inventory, Object, ScanConfig};

/// Where the objects come from when not from files.
#[derive(clap::Args, Default)]
pub struct ClusterSource {
    /// Read the live cluster of this kubeconfig context instead of files.
    #[arg(long, conflicts_with = "snapshot")]
    pub context: Option<String>,
    /// The kubeconfig of the live cluster [default: $KUBECONFIG, else
    /// ~/.kube/config, else the pod's service account].
    #[arg(long, value_name = "FILE", conflicts_with = "snapshot")]
    pub kubeconfig: Option<PathBuf>,
    /// Read what `kubectl get <kinds> -A -o json` wrote instead of files.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    pub snapshot: Vec<PathBuf>,
}

impl ClusterSource {
    pub fn is_live(&self) -> bool {
        self.context.is_some() || self.kubeconfig.is_some()
    }
}

/// A live cluster still connected after its objects were read (for
/// questions to its API server).
pub struct Session {
    pub runtime: tokio::runtime::Runtime,
    pub connection: Connection,
}

/// What was read, and the connection when it was a live cluster.
pub struct Loaded {
    pub inventory: Inventory,
    pub errors: Vec<ScanError>,
    pub session: Option<Session>,
}

/// Which kinds a command needs from a cluster, and which objects it keeps.
pub struct Needs {
    pub kinds: fn(&Wanted) -> bool,
    pub keep: fn(&Object) -> bool,
    /// Namespaced kinds are listed in these namespaces only (empty: all).
    pub namespaces: Vec<String>,
}

/// Reads the files, or the cluster `source` names. A cluster that cannot
/// be connected to is an error message.
pub fn load_from(
    paths: &[PathBuf],
    source: &ClusterSource,
    config: &ScanConfig,
    needs: Needs,
) -> Result<Loaded, String> {
    let cluster_config = || ScanConfig {
        cluster: true,
        cluster_namespaces: needs.namespaces.clone(),
        ..config.clone()
    };
    if source.is_live() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        let connection = runtime.block_on(rampart_cluster::live::connect(
            source.kubeconfig.as_deref(),
            source.context.as_deref(),
        ))?;
        let wanted: Vec<Wanted> = rampart_cluster::live::wanted_kinds(&config.workload_kinds.group_kinds())
            .into_iter()
            .filter(needs.kinds)
            .collect();
        let read = runtime.block_on(read_live(
            &connection,
            &wanted,
            &needs.namespaces,
            &cluster_config(),
            needs.keep,
        ));
        return Ok(loaded(read, Some(Session { runtime, connection })));
    }
    if !source.snapshot.is_empty() {
        let context = rampart_cluster::snapshot::default_context(&source.snapshot);
        let read = read_snapshot_inventory(&source.snapshot, &context, &cluster_config(), needs.keep);
        return Ok(loaded(read, None));
    }
    let (inventory, errors) = load(paths, config);
    Ok(Loaded {
        inventory,
        errors,
        session: None,
    })
}

fn loaded(read: ClusterInventory, session: Option<Session>) -> Loaded {
    Loaded {
        inventory: read.inventory,
        errors: read.errors,
        session,
    }
}

/// Reads every input and records its objects' facts.
pub fn load(paths: &[PathBuf], config: &ScanConfig) -> (Inventory, Vec<ScanError>) {
    let (objects, mut errors) = load_objects(paths);
    let inventory = Inventory::of_objects(&objects, config);
    errors.sort();
    (inventory, errors)
}

/// Reads every input's objects.
pub fn load_objects(paths: &[PathBuf]) -> (Vec<Object>, Vec<ScanError>) {
    let options = LoadOptions::default();
    let discovery = discover(paths);
    let mut errors = discovery.errors;
    let mut objects = Vec::new();
    for input in &discovery.inputs {
        match read_input(input, options.max_file_size) {
            Ok(bytes) => {
                let loaded = load_bytes(&input.display_name(), &bytes, &options);
                errors.extend(loaded.errors);
                objects.extend(loaded.objects);
            }
            Err(error) => errors.push(error),
        }
    }
    (objects, errors)
}
