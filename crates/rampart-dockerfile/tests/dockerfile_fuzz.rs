//! Property tests over the Dockerfile reader and rules (CI's stand-in for
//! `fuzz/fuzz_targets/check_dockerfile.rs`): arbitrary bytes and
//! Dockerfile-shaped text never panic, and every finding and error points
//! at a line of the input.

use proptest::prelude::*;
use rampart_dockerfile::{DockerfileConfig, check, rules};

fn assert_inside(data: &[u8]) {
    let config = DockerfileConfig {
        allowed_registries: vec!["registry.example.com".to_string()],
        ..DockerfileConfig::default()
    };
    let checked = check("Dockerfile", data, &config, rules::all());
    let lines = data.iter().filter(|&&byte| byte == b'\n').count() + 1;
    for finding in &checked.findings {
        assert!(finding.location.line >= 1 && finding.location.line <= lines);
    }
    for error in &checked.errors {
        assert!(error.line.is_none_or(|line| line >= 1 && line <= lines), "{error:?}");
    }
}

const PIECES: &[&str] = &[
    "FROM ",
    "alpine:3.20",
    " AS b",
    "${A:-x}",
    "$A",
    "ARG A=1\n",
    "RUN ",
    "<<EOF\n",
    "EOF\n",
    "sudo ",
    "curl -k ",
    "| sh",
    "\\\n",
    "'",
    "\"",
    "USER ",
    "0",
    "root",
    "COPY ",
    "--from=b ",
    ".env ",
    "/x\n",
    "ADD ",
    "https://x ",
    "ENV ",
    "TOKEN=",
    "EXPOSE ",
    "20-25",
    "HEALTHCHECK NONE\n",
    "# rampart:ignore=",
    "# hadolint ignore=DL3002\n",
    "#checkov:skip=CKV_DOCKER_2:x\n",
    "\n",
    " ",
    "ONBUILD ",
    "$(",
    ")",
    "&&",
    ";",
    "é",
    "\u{0}",
    "~",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        assert_inside(&data);
    }

    #[test]
    fn dockerfile_shaped_text_never_panics(pieces in proptest::collection::vec(0..PIECES.len(), 0..64)) {
        let text: String = pieces.iter().map(|&i| PIECES[i]).collect();
        assert_inside(text.as_bytes());
    }
}
