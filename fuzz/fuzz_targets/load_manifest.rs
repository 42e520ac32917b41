//! Feeds arbitrary bytes to the loader, every rule, the trust map and
//! who-can: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{Inventory, ScanConfig, check_objects, rules};

fuzz_target!(|data: &[u8]| {
    let loaded = load_bytes("fuzz.yaml", data, &LoadOptions::default());
    let config = ScanConfig::default();
    let _ = check_objects(&loaded.objects, &config, rules::all());
    let inventory = Inventory::of_objects(&loaded.objects, &config);
    let map = rampart_k8s::map::build(&inventory);
    let _ = (rampart_k8s::map::to_dot(&map), rampart_k8s::map::to_mermaid(&map));
    let _ = inventory.rbac.who_can("create", None, "pods/exec", None);
});
