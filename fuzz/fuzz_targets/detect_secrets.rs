//! Arbitrary bytes through the secrets detector (every rule, base64
//! decoding, filters) and through the gitleaks regex translation; nothing
//! may panic, and every finding must point inside the text.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_secrets::{Catalogue, Detector};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the path, which changes the filters applied.
    let paths = ["deploy/secret.yaml", "app/settings.py", ".env", "config.json", "README.md"];
    let Some((&first, text)) = data.split_first() else {
        return;
    };
    let path = paths[first as usize % paths.len()];
    let detector = Detector::new(Catalogue::builtin());
    let lines = text.iter().filter(|&&byte| byte == b'\n').count() + 1;
    for found in detector.detect(path, text) {
        assert!(found.line >= 1 && found.line <= lines, "line {} of {lines}", found.line);
        assert!(found.column >= 1);
    }
    if let Ok(pattern) = std::str::from_utf8(text) {
        let _ = rampart_secrets::gitleaks::go_regex(pattern);
    }
});
