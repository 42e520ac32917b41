//! Arbitrary bytes as a `main.tf`: HCL parsing, evaluation (locals,
//! count, for_each, dynamic blocks, functions, modules) and every
//! Terraform rule. Nothing may panic or run away, and every finding and
//! error points inside the input.

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rampart_terraform::{TerraformConfig, check, rules};

fn folder() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("rampart-fuzz-tf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    })
}

fuzz_target!(|data: &[u8]| {
    let path = folder().join("main.tf");
    std::fs::write(&path, data).unwrap();
    let checked = check(&[path], &TerraformConfig::default(), rules::all());
    let lines = data.iter().filter(|&&byte| byte == b'\n').count() + 1;
    for finding in &checked.findings {
        assert!(finding.location.line >= 1 && finding.location.line <= lines, "{finding:?}");
    }
    for error in &checked.errors {
        assert!(error.line.is_none_or(|line| line >= 1 && line <= lines), "{error:?}");
    }
});
