//! Feeds arbitrary bytes to the cluster snapshot reader (the cutter that
//! streams a List's items, the JSON tree placed as kubectl prints it,
//! making objects safe, naming them, their owners): nothing may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_cluster::{ObjectMaker, stream_snapshot};

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("cluster.json");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let maker = ObjectMaker::new("fuzz");
    let mut objects = Vec::new();
    let _ = stream_snapshot(&[path], &mut |piece| objects.extend(maker.make(piece).0));
    let owners = maker.take_owners();
    let config = rampart_k8s::ScanConfig::default();
    let objects: Vec<rampart_k8s::Object> = objects.into_iter().map(|made| made.object).collect();
    let mut findings = rampart_k8s::check_objects(&objects, &config, rampart_k8s::rules::all());
    rampart_cluster::fold(&mut findings, &owners);
});
