//! Snapshot comparison shared by the command tests.

use std::path::Path;

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
