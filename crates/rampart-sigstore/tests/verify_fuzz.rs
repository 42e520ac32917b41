//! Property tests over the signature verifier (CI's stand-in for
//! `fuzz/fuzz_targets/verify_signature.rs`): arbitrary bytes, and valid signatures with bytes
//! changed, cut or inserted, never panic; arbitrary bytes never verify.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use proptest::prelude::*;
use rampart_sigstore::{
    Authority, BUNDLE_ANNOTATION, ImageSignature, SIGNATURE_ANNOTATION, SigningKey, SubjectMatch, TrustRoot,
    read_bundle, verify_image_signature,
};

const DIGEST: &str = "sha256:27221e31fbfeb767aab24c531396972078e8bbcdc5ab984062d9bac589fe4075";

struct Signed {
    authority: Authority,
    bundle: Vec<u8>,
    payload: Vec<u8>,
    annotations: BTreeMap<String, String>,
    root: TrustRoot,
}

fn signed() -> &'static Signed {
    static SIGNED: OnceLock<Signed> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let key = SigningKey::generate();
        let (payload, mut annotations) = key.simple_signing("registry.test/shop", DIGEST);
        annotations.insert(
            BUNDLE_ANNOTATION.to_string(),
            r#"{"SignedEntryTimestamp":"AAAA","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"00"}}"#
                .to_string(),
        );
        let root = std::fs::read("../../../shared/corpus/sigstore-conformance/production-trusted_root.json")
            .ok()
            .and_then(|text| TrustRoot::from_json(&text).ok())
            .unwrap_or_default();
        Signed {
            authority: Authority::Key(key.public_key()),
            bundle: key.image_bundle("registry.test/shop", DIGEST),
            payload,
            annotations,
            root,
        }
    })
}

/// `bytes` with `edits` applied: (position, byte, kind) replaces, inserts or cuts.
fn edited(bytes: &[u8], edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (position, byte, kind) in edits {
        if out.is_empty() {
            break;
        }
        let at = position % out.len();
        match kind % 3 {
            0 => out[at] = *byte,
            1 => out.insert(at, *byte),
            _ => out.truncate(at),
        }
    }
    out
}

fn identity() -> Authority {
    Authority::Identity {
        issuer: "https://token.actions.githubusercontent.com".to_string(),
        subject: SubjectMatch::Exact(
            "https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main".to_string(),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_verify(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = read_bundle(&bytes);
        let _ = TrustRoot::from_json(&bytes);
        let signed = signed();
        let bundle = ImageSignature::Bundle(bytes.clone());
        prop_assert!(verify_image_signature(&bundle, DIGEST, &signed.authority, None, 1_800_000_000).is_err());
        prop_assert!(verify_image_signature(&bundle, DIGEST, &identity(), Some(&signed.root), 1_800_000_000).is_err());
        let layer = ImageSignature::SimpleSigning {
            payload: bytes,
            annotations: signed.annotations.clone(),
        };
        prop_assert!(verify_image_signature(&layer, DIGEST, &signed.authority, None, 1_800_000_000).is_err());
    }

    #[test]
    fn edited_signatures_never_panic(edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..4)) {
        let signed = signed();
        let bundle = ImageSignature::Bundle(edited(&signed.bundle, &edits));
        let _ = verify_image_signature(&bundle, DIGEST, &signed.authority, None, 1_800_000_000);
        let _ = verify_image_signature(&bundle, DIGEST, &identity(), Some(&signed.root), 1_800_000_000);
        let payload = edited(&signed.payload, &edits);
        let changed = payload != signed.payload;
        let mut unlogged = signed.annotations.clone();
        unlogged.remove(BUNDLE_ANNOTATION);
        let layer = ImageSignature::SimpleSigning {
            payload,
            annotations: unlogged,
        };
        let verified = verify_image_signature(&layer, DIGEST, &signed.authority, None, 1_800_000_000);
        // The key signs the payload's exact bytes: any change is caught, and only a change.
        prop_assert_eq!(verified.is_ok(), !changed);
        let mut annotations = signed.annotations.clone();
        let signature = annotations.get(SIGNATURE_ANNOTATION).cloned().unwrap_or_default();
        annotations.insert(
            SIGNATURE_ANNOTATION.to_string(),
            String::from_utf8_lossy(&edited(signature.as_bytes(), &edits)).to_string(),
        );
        let _ = verify_image_signature(
            &ImageSignature::SimpleSigning { payload: signed.payload.clone(), annotations },
            DIGEST,
            &signed.authority,
            None,
            1_800_000_000,
        );
    }
}
