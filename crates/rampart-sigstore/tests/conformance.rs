//! The Sigstore conformance suite's bundle cases (`../shared/corpus/sigstore-conformance/`):
//! every case must end as the suite says (folders ending `_fail` must fail, for the reason their
//! README gives); a case refused as unsupported fails the test too. The tally is printed per reason.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_sigstore::{Artifact, Authority, Failure, PublicKey, SubjectMatch, TrustRoot, read_bundle, verify};

const DEFAULT_IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const DEFAULT_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Why each `_fail` case must fail, read from its README: a case failing for another reason
/// would hide a check that never ran.
const FAILS_BECAUSE: &[(&str, Failure)] = &[
    ("bundle-empty-certificate-chain_fail", Failure::Malformed),
    ("bundle-from-wrong-instance_fail", Failure::TransparencyLog),
    ("bundle-invalid-base64-signature_fail", Failure::Malformed),
    ("bundle-malformed-json_fail", Failure::Malformed),
    ("bundle-negative-log-index_fail", Failure::Malformed),
    ("bundle-unknown-version_fail", Failure::Malformed),
    ("bundle-with-root-cert_fail", Failure::Certificate),
    ("checkpoint-bad-keyhint_fail", Failure::TransparencyLog),
    ("checkpoint-wrong-roothash_fail", Failure::TransparencyLog),
    ("dsse-invalid-sig_fail", Failure::Signature),
    ("dsse-mismatch-envelope_fail", Failure::TransparencyLog),
    ("dsse-mismatch-sig_fail", Failure::TransparencyLog),
    ("inclusion-proof-corrupted-hash_fail", Failure::TransparencyLog),
    ("incorrect-public-key_fail", Failure::TransparencyLog),
    ("integrated-time-in-future_fail", Failure::Certificate),
    ("intoto-expired-certificate_fail", Failure::Certificate),
    ("intoto-log-entry-mismatch_fail", Failure::TransparencyLog),
    ("intoto-missing-inclusion-proof_fail", Failure::TransparencyLog),
    ("intoto-set-outside-signing-cert-validity_fail", Failure::Certificate),
    ("intoto-tsa-timestamp-outside-cert-validity_fail", Failure::Certificate),
    ("invalid-checkpoint-signature_fail", Failure::TransparencyLog),
    ("invalid-ct-key_fail", Failure::Certificate),
    ("invalid-inclusion-proof_fail", Failure::TransparencyLog),
    ("managed-key-no-key_fail", Failure::Material),
    ("managed-key-wrong-key_fail", Failure::Malformed),
    ("message-digest-mismatch_fail", Failure::Artifact),
    ("rekor2-checkpoint-missing-log-signature_fail", Failure::TransparencyLog),
    ("rekor2-checkpoint-missing-origin_fail", Failure::TransparencyLog),
    ("rekor2-checkpoint-missing-root-hash_fail", Failure::TransparencyLog),
    ("rekor2-checkpoint-missing-size_fail", Failure::TransparencyLog),
    ("rekor2-checkpoint-no-matching-signature_fail", Failure::TransparencyLog),
    ("rekor2-dsse-invalid-sig_fail", Failure::Signature),
    ("rekor2-dsse-mismatch-envelope_fail", Failure::TransparencyLog),
    ("rekor2-dsse-mismatch-sig_fail", Failure::TransparencyLog),
    ("rekor2-no-inclusion-proof_fail", Failure::TransparencyLog),
    ("rekor2-no-timestamp_fail", Failure::Timestamp),
    (
        "rekor2-timestamp-outside-trust-root-tsa-validity_fail",
        Failure::Timestamp,
    ),
    ("rekor2-timestamp-outside-tsa-cert-validity_fail", Failure::Timestamp),
    ("rekor2-timestamp-payload-mismatch_fail", Failure::Timestamp),
    (
        "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail",
        Failure::Timestamp,
    ),
    (
        "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail",
        Failure::Timestamp,
    ),
    ("rekor2-timestamp-with-incorrect-time_fail", Failure::Certificate),
    ("set-invalid-signature_fail", Failure::TransparencyLog),
    ("signature-mismatch_fail", Failure::Signature),
    ("trust-root-tlog-missing-validity-start_fail", Failure::Malformed),
    ("wrong-hashedrekord-artifact_fail", Failure::TransparencyLog),
    ("wrong-hashedrekord-cert-and-sig_fail", Failure::TransparencyLog),
    ("wrong-hashedrekord-entry_fail", Failure::TransparencyLog),
    ("wrong-material_fail", Failure::Artifact),
];

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sigstore-conformance");
    if path.is_dir() {
        Some(path)
    } else {
        println!("skipped: ../shared/corpus is absent");
        None
    }
}

/// How one case ended: verified, or the failure's kind and detail.
fn run_case(corpus: &Path, case: &Path) -> Result<(), (Failure, String)> {
    let read_text = |name: &str, default: &str| {
        std::fs::read_to_string(case.join(name)).map_or(default.to_string(), |text| text.trim().to_string())
    };
    let root_text = std::fs::read(case.join("trusted_root.json"))
        .unwrap_or_else(|_| std::fs::read(corpus.join("production-trusted_root.json")).unwrap());
    let trust_root = TrustRoot::from_json(&root_text).map_err(|error| (Failure::Malformed, error))?;
    let artifact = std::fs::read(case.join("artifact"))
        .unwrap_or_else(|_| std::fs::read(corpus.join("bundle-verify/a.txt")).unwrap());
    let authority = match std::fs::read(case.join("key.pub")) {
        Ok(pem) => Authority::Key(PublicKey::from_pem(&pem).map_err(|error| (Failure::Malformed, error))?),
        Err(_) => Authority::Identity {
            issuer: read_text("issuer", DEFAULT_ISSUER),
            subject: SubjectMatch::Exact(read_text("identity", DEFAULT_IDENTITY)),
        },
    };
    let evidence = read_bundle(&std::fs::read(case.join("bundle.sigstore.json")).unwrap())
        .map_err(|error| (Failure::Malformed, error))?;
    verify(
        &evidence,
        Artifact::Bytes(&artifact),
        &authority,
        Some(&trust_root),
        rampart_core::unix_now(),
    )
    .map(|_| ())
    .map_err(|error| (error.failure, error.detail))
}

#[test]
fn conformance_bundles_end_as_the_suite_says_or_are_refused_as_unsupported() {
    let Some(corpus) = corpus() else {
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus.join("bundle-verify"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 70, "the suite's 70 cases");
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut wrong = Vec::new();
    let mut unsupported = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let must_fail = name.ends_with("_fail");
        let outcome = run_case(&corpus, case);
        let label = match (&outcome, must_fail) {
            (Ok(()), false) => "verified, as it must".to_string(),
            (Ok(()), true) => {
                wrong.push(format!("{name}: verified, but must fail"));
                "verified, but must fail".to_string()
            }
            (Err((Failure::Unsupported, detail)), _) => {
                unsupported.push(format!("{name}: {detail}"));
                "unsupported (refused)".to_string()
            }
            (Err((failure, detail)), true) => {
                let expected = FAILS_BECAUSE
                    .iter()
                    .find(|(case, _)| *case == name)
                    .map(|(_, failure)| *failure);
                if expected != Some(*failure) {
                    wrong.push(format!(
                        "{name}: failed as {failure:?} ({detail}), expected {expected:?}"
                    ));
                }
                format!("failed as it must: {failure:?}")
            }
            (Err((failure, detail)), false) => {
                wrong.push(format!("{name}: {failure:?}: {detail}"));
                format!("failed, but must verify: {failure:?}")
            }
        };
        println!(
            "{name}: {label}{}",
            outcome
                .as_ref()
                .err()
                .map(|(_, detail)| format!(" ({detail})"))
                .unwrap_or_default()
        );
        *tally.entry(label).or_default() += 1;
    }
    println!("\ntally:");
    for (label, count) in &tally {
        println!("  {count:3}  {label}");
    }
    assert!(wrong.is_empty(), "cases that ended wrong:\n{}", wrong.join("\n"));
    // What is unsupported is Rekor v2 and RFC 3161 timestamps; everything else is checked.
    for line in &unsupported {
        assert!(
            line.contains("Rekor v2") || line.contains("RFC 3161"),
            "unexpectedly unsupported: {line}"
        );
    }
}
