//! Arbitrary bytes through the Dockerfile reader (parse, recovery after a
//! bad instruction, build-argument substitution, the shell reader) and
//! every Dockerfile rule: nothing may panic, and every finding and error
//! points inside the input.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rampart_dockerfile::{DockerfileConfig, check, rules};

fuzz_target!(|data: &[u8]| {
    let config = DockerfileConfig {
        allowed_registries: vec!["registry.example.com".to_string()],
        ..DockerfileConfig::default()
    };
    let checked = check("Dockerfile", data, &config, rules::all());
    let lines = data.iter().filter(|&&byte| byte == b'\n').count() + 1;
    for finding in &checked.findings {
        assert!(finding.location.line >= 1 && finding.location.line <= lines, "line {} of {lines}", finding.location.line);
    }
    for error in &checked.errors {
        assert!(error.line.is_none_or(|line| line >= 1 && line <= lines), "error line {:?} of {lines}", error.line);
    }
});
