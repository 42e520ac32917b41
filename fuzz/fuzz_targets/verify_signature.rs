#![no_main]
//! Arbitrary bytes as the things a signature check reads from a registry or a file: a
//! Sigstore bundle (read, then verified for an image digest against a key and against a
//! trust root), a trusted_root.json, and a cosign simple-signing payload with its
//! annotations. Refused or verified, never a panic; nothing random ever verifies.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rampart_sigstore::{
    Authority, ImageSignature, SigningKey, SubjectMatch, TrustRoot, read_bundle, verify_image_signature,
};

const DIGEST: &str = "sha256:27221e31fbfeb767aab24c531396972078e8bbcdc5ab984062d9bac589fe4075";

fn key() -> &'static Authority {
    static KEY: OnceLock<Authority> = OnceLock::new();
    KEY.get_or_init(|| Authority::Key(SigningKey::generate().public_key()))
}

fuzz_target!(|data: &[u8]| {
    let Some((selector, rest)) = data.split_first() else { return };
    match selector % 3 {
        0 => {
            let _ = read_bundle(rest);
            let bundle = ImageSignature::Bundle(rest.to_vec());
            assert!(verify_image_signature(&bundle, DIGEST, key(), None, 1_800_000_000).is_err());
            let root = TrustRoot::default();
            let identity = Authority::Identity {
                issuer: "https://issuer".to_string(),
                subject: SubjectMatch::Exact("someone".to_string()),
            };
            assert!(verify_image_signature(&bundle, DIGEST, &identity, Some(&root), 1_800_000_000).is_err());
        }
        1 => {
            let _ = TrustRoot::from_json(rest);
        }
        _ => {
            // payload \0 signature \0 certificate \0 rekor bundle
            let mut parts = rest.splitn(4, |byte| *byte == 0);
            let payload = parts.next().unwrap_or_default().to_vec();
            let mut annotations = BTreeMap::new();
            for (name, value) in [
                rampart_sigstore::SIGNATURE_ANNOTATION,
                rampart_sigstore::CERTIFICATE_ANNOTATION,
                rampart_sigstore::BUNDLE_ANNOTATION,
            ]
            .into_iter()
            .zip(parts)
            {
                annotations.insert(name.to_string(), String::from_utf8_lossy(value).to_string());
            }
            let signature = ImageSignature::SimpleSigning { payload, annotations };
            assert!(verify_image_signature(&signature, DIGEST, key(), None, 1_800_000_000).is_err());
        }
    }
});
