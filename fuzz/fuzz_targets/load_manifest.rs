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
    let mut inventory = Inventory::default();
    for object in &loaded.objects {
        let workload = config.workload_kinds.find(object).map(|_| Vec::new());
        inventory.record(object, &config, workload);
    }
    inventory.build_indexes();
    let map = rampart_k8s::map::build(&inventory);
    let _ = (rampart_k8s::map::to_dot(&map), rampart_k8s::map::to_mermaid(&map));
    let _ = inventory.rbac.who_can("create", None, "pods/exec", None);
});
