//! Property tests (the CI's stand-in for `fuzz/`): the detector never
//! panics and every finding lies inside the text, for arbitrary bytes and
//! for pieces of credentials, keys, encodings and markup glued at random.

use proptest::prelude::*;
use rampart_secrets::{Catalogue, Detector};

/// Pieces that reach deep: rule keywords, assignments, quotes, base64,
/// Kubernetes Secret and Docker config shapes, PEM armour, allow comments.
fn secretish() -> impl Strategy<Value = Vec<u8>> {
    let token = prop::sample::select(vec![
        "ghp_",
        "glpat-",
        "xoxb-",
        "AKIA",
        "sk_live_",
        "eyJ",
        "hf_",
        "SG.",
        "npm_",
        "AIza",
        "-----BEGIN RSA PRIVATE KEY-----\n",
        "-----END RSA PRIVATE KEY-----\n",
        "password",
        "secret",
        "token",
        "api_key",
        " = ",
        ": ",
        "=",
        "\"",
        "'",
        "`",
        "\n",
        "\r\n",
        "\t",
        "kind: Secret\n",
        "data:\n",
        "  key: ",
        "auth",
        "\"auths\": {",
        "}",
        ".dockerconfigjson: ",
        "aGVsbG86d29ybGQ=",
        "dXNlcjpwYXNzd29yZDEyMzQ1Ng==",
        "ZXlK",
        "=",
        "==",
        "://user:",
        "@host/",
        "${VAR}",
        "{{ .x }}",
        "# rampart:allow",
        "gitleaks:allow",
        "pragma: allowlist nextline secret",
        "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "0123456789abcdef0123456789abcdef",
        "é",
        "\u{feff}",
        "\0",
    ]);
    prop::collection::vec(token, 0..80).prop_map(|tokens| tokens.concat().into_bytes())
}

fn check(path: &str, text: &[u8]) {
    let detector = Detector::new(Catalogue::builtin());
    let lines = text.iter().filter(|&&byte| byte == b'\n').count() + 1;
    for found in detector.detect(path, text) {
        assert!((1..=lines).contains(&found.line), "line {} of {lines}", found.line);
        assert!(found.column >= 1);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(text in prop::collection::vec(any::<u8>(), 0..4096)) {
        check("notes.txt", &text);
    }

    #[test]
    fn glued_pieces(text in secretish(), path in prop::sample::select(vec!["a.yaml", "a.py", ".env", "a.json"])) {
        check(path, &text);
    }

    #[test]
    fn gitleaks_regex_translation_never_panics(pattern in "[a-z{}\\[\\]\\\\^,0-9()|?*+.é]{0,40}") {
        let _ = rampart_secrets::gitleaks::go_regex(&pattern);
    }
}
