//! Loading the inventory alone, for the commands that reason about the
//! whole set of objects (`who-can`, `map`) rather than check rules.

use std::path::PathBuf;

use rampart_core::ScanError;
use rampart_k8s::files::{discover, read_input};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{Inventory, ScanConfig};

/// Reads every input and records its objects' facts.
pub fn load(paths: &[PathBuf], config: &ScanConfig) -> (Inventory, Vec<ScanError>) {
    let options = LoadOptions::default();
    let discovery = discover(paths);
    let mut errors = discovery.errors;
    let mut inventory = Inventory::default();
    for input in &discovery.inputs {
        match read_input(input, options.max_file_size) {
            Ok(bytes) => {
                let loaded = load_bytes(&input.display_name(), &bytes, &options);
                errors.extend(loaded.errors);
                for object in &loaded.objects {
                    // Workloads are recorded with no Pod Security verdicts:
                    // these commands do not judge pods.
                    let workload = config.workload_kinds.find(object).map(|_| Vec::new());
                    inventory.record(object, config, workload);
                }
            }
            Err(error) => errors.push(error),
        }
    }
    inventory.build_indexes();
    errors.sort();
    (inventory, errors)
}
