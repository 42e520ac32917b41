//! A cluster (live or a snapshot) read straight into the inventory, for
//! the commands that reason about the whole rather than judge objects
//! (`who-can`, `map`). Objects go in batches through the same reading and
//! making safe as the audit, and only their facts stay.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};

use rampart_core::ScanError;
use rampart_k8s::{Inventory, Object, ScanConfig};

use crate::live::{Connection, ListOptions, Wanted, read_cluster};
use crate::snapshot::{ObjectMaker, Piece, stream_snapshot};

/// Objects made into facts at once.
const BATCH: usize = 256;

/// What a cluster's objects came to.
#[derive(Debug, Default)]
pub struct ClusterInventory {
    pub inventory: Inventory,
    pub errors: Vec<ScanError>,
}

/// Gathers objects into batches and their facts into one inventory.
struct Gatherer {
    maker: ObjectMaker,
    config: ScanConfig,
    keep: fn(&Object) -> bool,
    batch: Vec<Object>,
    gathered: ClusterInventory,
}

impl Gatherer {
    fn take(&mut self, piece: Piece) {
        let (made, errors) = self.maker.make(piece);
        self.gathered.errors.extend(errors);
        self.batch.extend(
            made.into_iter()
                .map(|made| made.object)
                .filter(|object| (self.keep)(object)),
        );
        if self.batch.len() >= BATCH {
            self.flush();
        }
    }

    fn flush(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        self.gathered
            .inventory
            .merge(Inventory::of_objects(&batch, &self.config));
    }

    fn finish(mut self) -> ClusterInventory {
        self.flush();
        self.gathered.inventory.build_indexes();
        self.gathered.errors.sort();
        self.gathered
    }
}

/// Reads `wanted` kinds of the live cluster (of `namespaces`, or all),
/// keeping the objects `keep` accepts.
pub async fn read_live(
    connection: &Connection,
    wanted: &[Wanted],
    namespaces: &[String],
    config: &ScanConfig,
    keep: fn(&Object) -> bool,
) -> ClusterInventory {
    let gatherer = Arc::new(Mutex::new(Gatherer {
        maker: ObjectMaker::new(&connection.context),
        config: config.clone(),
        keep,
        batch: Vec::new(),
        gathered: ClusterInventory::default(),
    }));
    let each = {
        let gatherer = gatherer.clone();
        Arc::new(Mutex::new(move |piece: Piece| {
            gatherer.lock().unwrap_or_else(PoisonError::into_inner).take(piece);
        })) as Arc<Mutex<dyn FnMut(Piece) + Send>>
    };
    let read = read_cluster(connection, wanted, namespaces, &ListOptions::default(), 4, each).await;
    // `read_cluster` has dropped its clones of `each` when it returns.
    let Ok(gatherer) = Arc::try_unwrap(gatherer) else {
        unreachable!("the gatherer is shared after the read")
    };
    let mut gatherer = gatherer.into_inner().unwrap_or_else(PoisonError::into_inner);
    gatherer.gathered.errors.extend(read.errors);
    gatherer.finish()
}

/// Objects read whole, as they are made.
struct Kept {
    maker: ObjectMaker,
    objects: Vec<Object>,
    errors: Vec<ScanError>,
}

/// Reads `wanted` kinds of the live cluster (of `namespaces`, or all) and keeps the
/// objects themselves, made safe (Secrets as metadata), for the commands that act on
/// them (`respond plan`).
pub async fn read_live_objects(
    connection: &Connection,
    wanted: &[Wanted],
    namespaces: &[String],
) -> (Vec<Object>, Vec<ScanError>) {
    let kept = Arc::new(Mutex::new(Kept {
        maker: ObjectMaker::new(&connection.context),
        objects: Vec::new(),
        errors: Vec::new(),
    }));
    let each = {
        let kept = kept.clone();
        Arc::new(Mutex::new(move |piece: Piece| {
            let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
            let (made, errors) = kept.maker.make(piece);
            kept.objects.extend(made.into_iter().map(|made| made.object));
            kept.errors.extend(errors);
        })) as Arc<Mutex<dyn FnMut(Piece) + Send>>
    };
    let read = read_cluster(connection, wanted, namespaces, &ListOptions::default(), 4, each).await;
    let mut kept = kept.lock().unwrap_or_else(PoisonError::into_inner);
    let (mut objects, mut errors) = (std::mem::take(&mut kept.objects), std::mem::take(&mut kept.errors));
    errors.extend(read.errors);
    errors.sort();
    // Lists finish in any order: one order for plans made twice.
    objects.sort_by(|a, b| (&a.kind, &a.namespace, &a.name).cmp(&(&b.kind, &b.namespace, &b.name)));
    (objects, errors)
}

/// Reads snapshot files as `rampart audit --snapshot` does, naming the
/// cluster `context`.
pub fn read_snapshot_inventory(
    paths: &[PathBuf],
    context: &str,
    config: &ScanConfig,
    keep: fn(&Object) -> bool,
) -> ClusterInventory {
    let mut gatherer = Gatherer {
        maker: ObjectMaker::new(context),
        config: config.clone(),
        keep,
        batch: Vec::new(),
        gathered: ClusterInventory::default(),
    };
    let read = stream_snapshot(paths, &mut |piece| gatherer.take(piece));
    gatherer.gathered.errors.extend(read.errors);
    gatherer.finish()
}

/// Objects a controller makes (a Deployment's ReplicaSets, their pods):
/// the controller stands for them in a map.
pub fn not_controlled(object: &Object) -> bool {
    !object
        .root
        .get_path("metadata.ownerReferences")
        .map(rampart_k8s::yaml::Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .any(|owner| owner.get("controller").and_then(rampart_k8s::yaml::Node::as_bool) == Some(true))
}
