//! Feeds arbitrary bytes to the loader and every rule: nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{ScanConfig, check_objects, rules};

fuzz_target!(|data: &[u8]| {
    let loaded = load_bytes("fuzz.yaml", data, &LoadOptions::default());
    let _ = check_objects(&loaded.objects, &ScanConfig::default(), rules::all());
});
