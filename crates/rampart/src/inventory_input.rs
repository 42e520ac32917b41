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
    let inventory = Inventory::of_objects(&objects, config);
    errors.sort();
    (inventory, errors)
}
