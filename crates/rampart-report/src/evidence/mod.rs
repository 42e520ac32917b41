//! Evidence that a run happened and what it found: a bundle of files with
//! a manifest of their SHA-256 hashes, optionally signed with Ed25519, and
//! the check that tells what changed since.

pub mod bundle;
pub mod signing;

pub use bundle::{BundleWriter, Manifest, ManifestEntry, SignatureStatus, Verification, verify_bundle};
