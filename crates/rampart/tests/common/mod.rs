//! What the command tests share: snapshot comparison, running the binary
//! in a folder, reading its JSON.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Compares `actual` with `tests/snapshots/NAME`; `RAMPART_BLESS=1`
/// rewrites the snapshot instead.
pub fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots").join(name);
    if std::env::var_os("RAMPART_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(actual, expected, "snapshot {name} differs; RAMPART_BLESS=1 rewrites it");
}

/// Runs `rampart ARGS` with `dir` as the working folder.
pub fn rampart_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("rampart runs")
}

/// Standard output as JSON; the test fails, showing it, when it is not.
pub fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}
