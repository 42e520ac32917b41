//! Sigstore signature verification, offline and on ring: what `rampart images verify` and the
//! admission webhook use to decide whether an image is signed by whom a policy trusts.
//!
//! Bundles (v0.1–v0.3) and cosign's legacy simple-signing layers are read into one
//! [`Evidence`]; [`verify`] checks it against an [`Authority`]: a public key, or a keyless
//! identity (OIDC issuer and subject) under a [`TrustRoot`]. Rekor v1 entries are checked in
//! (body against the signature, signed entry timestamp, inclusion proof, checkpoint);
//! Fulcio certificates chain to the trust root at the log's time and carry a CT log's
//! timestamp; Rekor v2 entries and RFC 3161 timestamps are checked as Sigstore's clients do.

mod bundle;
mod certificate;
mod cosign;
#[cfg(any(test, feature = "keyless-issuer"))]
mod keyless;
mod keys;
mod signing;
mod timestamp;
mod transparency;
mod trust_root;
mod verify;

pub use bundle::{BUNDLE_MEDIA_TYPE_V03, Content, Envelope, Evidence, LogEntry, Material, read_bundle};
pub use cosign::{
    BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION, ImageSignature, SIGN_PREDICATE, SIGNATURE_ANNOTATION,
    SIMPLE_SIGNING_MEDIA_TYPE, read_simple_signing, sha256_of_digest, verify_image_signature,
};
#[cfg(feature = "keyless-issuer")]
pub use keyless::KeylessIssuer;
pub use keys::{KeyKind, PublicKey, SignatureHash, pem_block, pem_blocks};
pub use signing::SigningKey;
pub use transparency::hex;
pub use trust_root::{TrustRoot, Validity};
pub use verify::{Artifact, Authority, Failure, SubjectMatch, Verified, VerifyError, verify};
