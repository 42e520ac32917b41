//! The evidence bundle: a folder of files written by one run, and
//! `manifest.json`, which names each file with its size and SHA-256.
//! `manifest.json.sig` holds an Ed25519 signature of the manifest's exact
//! bytes when the run was given a key. Changing, removing or adding a file
//! changes what [`verify_bundle`] finds; changing the manifest breaks the
//! signature.

use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::signing;

pub const MANIFEST: &str = "manifest.json";
pub const SIGNATURE: &str = "manifest.json.sig";
const KIND: &str = "rampart-evidence";

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub kind: String,
    pub version: u32,
    /// When the run ended (RFC 3339, UTC).
    pub created: String,
    pub tool: String,
    pub files: Vec<ManifestEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ManifestEntry {
    /// Relative to the bundle, `/`-separated.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// `manifest.json.sig`.
#[derive(Debug, Serialize, Deserialize)]
struct SignatureFile {
    algorithm: String,
    /// The signer's public key, hex.
    key: String,
    signature: String,
}

/// Writes a bundle file by file, hashing as it writes.
pub struct BundleWriter {
    dir: PathBuf,
    entries: Vec<ManifestEntry>,
}

impl BundleWriter {
    /// Starts a bundle in `dir`, creating it. A folder that holds anything
    /// but an earlier bundle is refused, so a bundle never mixes with
    /// files it does not list; an earlier bundle's files are replaced.
    pub fn create(dir: &Path) -> io::Result<BundleWriter> {
        std::fs::create_dir_all(dir).map_err(|error| with_path(dir, error))?;
        let earlier = std::fs::read(dir.join(MANIFEST))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Manifest>(&bytes).ok())
            .filter(|manifest| manifest.kind == KIND);
        let mut known: Vec<String> = earlier
            .map(|manifest| manifest.files.into_iter().map(|entry| entry.path).collect())
            .unwrap_or_default();
        known.extend([MANIFEST.to_string(), SIGNATURE.to_string()]);
        let present = list_files(dir)?;
        if let Some(stranger) = present.iter().find(|path| !known.contains(path)) {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!(
                    "{}: holds {stranger}, which is not part of an evidence bundle; choose an empty folder",
                    dir.display()
                ),
            ));
        }
        for path in present {
            std::fs::remove_file(dir.join(&path)).map_err(|error| with_path(&dir.join(&path), error))?;
        }
        Ok(BundleWriter {
            dir: dir.to_path_buf(),
            entries: Vec::new(),
        })
    }

    /// Adds the file `name` with what `write` writes.
    pub fn add(&mut self, name: &str, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
        let path = self.dir.join(name);
        let file = std::fs::File::create(&path).map_err(|error| with_path(&path, error))?;
        let mut out = HashingWriter {
            inner: io::BufWriter::new(file),
            hasher: Sha256::new(),
            bytes: 0,
        };
        write(&mut out).map_err(|error| with_path(&path, error))?;
        out.inner.flush().map_err(|error| with_path(&path, error))?;
        self.entries.push(ManifestEntry {
            path: name.to_string(),
            sha256: signing::hex(&out.hasher.finalize()),
            bytes: out.bytes,
        });
        Ok(())
    }

    /// Writes the manifest, and its signature when given a key.
    pub fn finish(self, created: &str, tool: &str, key: Option<&SigningKey>) -> io::Result<Manifest> {
        let manifest = Manifest {
            kind: KIND.to_string(),
            version: 1,
            created: created.to_string(),
            tool: tool.to_string(),
            files: self.entries,
        };
        let mut bytes = serde_json::to_vec_pretty(&manifest).map_err(io::Error::other)?;
        bytes.push(b'\n');
        std::fs::write(self.dir.join(MANIFEST), &bytes).map_err(|error| with_path(&self.dir.join(MANIFEST), error))?;
        if let Some(key) = key {
            let signature = SignatureFile {
                algorithm: "ed25519".to_string(),
                key: signing::key_id(&key.verifying_key()),
                signature: signing::sign(key, &bytes),
            };
            let text = serde_json::to_string_pretty(&signature).map_err(io::Error::other)? + "\n";
            std::fs::write(self.dir.join(SIGNATURE), text)
                .map_err(|error| with_path(&self.dir.join(SIGNATURE), error))?;
        }
        Ok(manifest)
    }
}

struct HashingWriter {
    inner: io::BufWriter<std::fs::File>,
    hasher: Sha256,
    bytes: u64,
}

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What the signature says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureStatus {
    /// Signed by the given key, and the manifest is what was signed.
    Valid { key: String },
    /// The signature does not match the manifest, or another key made it.
    Invalid { reason: String },
    /// Signed, but no key was given to check it with.
    NotChecked { key: String },
    /// No signature.
    Unsigned,
}

/// What [`verify_bundle`] found.
#[derive(Debug, Clone)]
pub struct Verification {
    pub manifest: Manifest,
    /// Each difference, one line each: changed, missing or unlisted files.
    pub problems: Vec<String>,
    pub signature: SignatureStatus,
}

impl Verification {
    /// Nothing differs, and the signature holds when there is a key.
    pub fn is_intact(&self, key_given: bool) -> bool {
        self.problems.is_empty()
            && match &self.signature {
                SignatureStatus::Valid { .. } => true,
                SignatureStatus::Invalid { .. } => false,
                SignatureStatus::NotChecked { .. } | SignatureStatus::Unsigned => !key_given,
            }
    }
}

/// Checks a bundle: every file listed has its size and hash, no file is
/// missing or unlisted, and the signature (with `key`) holds. An error is
/// a bundle that cannot be read at all (no manifest).
pub fn verify_bundle(dir: &Path, key: Option<&VerifyingKey>) -> Result<Verification, String> {
    let manifest_path = dir.join(MANIFEST);
    let bytes = std::fs::read(&manifest_path).map_err(|error| format!("{}: {error}", manifest_path.display()))?;
    let manifest: Manifest = serde_json::from_slice(&bytes).map_err(|error| {
        format!(
            "{}:{}: not an evidence manifest: {error}",
            manifest_path.display(),
            error.line()
        )
    })?;
    if manifest.kind != KIND {
        return Err(format!(
            "{}: kind is `{}`, not `{KIND}`",
            manifest_path.display(),
            manifest.kind
        ));
    }
    let mut problems = Vec::new();
    for entry in &manifest.files {
        if !is_plain_relative(&entry.path) {
            problems.push(format!("{}: the manifest names a path outside the bundle", entry.path));
            continue;
        }
        match hash_file(&dir.join(&entry.path)) {
            Ok((sha256, size)) if sha256 == entry.sha256 && size == entry.bytes => {}
            Ok((sha256, size)) => problems.push(format!(
                "{}: changed (manifest: {} bytes, sha256 {}; now: {size} bytes, sha256 {sha256})",
                entry.path, entry.bytes, entry.sha256
            )),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                problems.push(format!("{}: missing", entry.path));
            }
            Err(error) => problems.push(format!("{}: cannot be read: {error}", entry.path)),
        }
    }
    let listed: Vec<&str> = manifest.files.iter().map(|entry| entry.path.as_str()).collect();
    for path in list_files(dir).map_err(|error| format!("{}: {error}", dir.display()))? {
        if path != MANIFEST && path != SIGNATURE && !listed.contains(&path.as_str()) {
            problems.push(format!("{path}: not in the manifest"));
        }
    }
    let signature = check_signature(dir, &bytes, key);
    Ok(Verification {
        manifest,
        problems,
        signature,
    })
}

fn check_signature(dir: &Path, manifest: &[u8], key: Option<&VerifyingKey>) -> SignatureStatus {
    let path = dir.join(SIGNATURE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return SignatureStatus::Unsigned;
    };
    let Ok(signature) = serde_json::from_str::<SignatureFile>(&text) else {
        return SignatureStatus::Invalid {
            reason: format!("{SIGNATURE} is not a signature file"),
        };
    };
    let Some(key) = key else {
        return SignatureStatus::NotChecked { key: signature.key };
    };
    if signature.algorithm != "ed25519" {
        return SignatureStatus::Invalid {
            reason: format!("unknown algorithm `{}`", signature.algorithm),
        };
    }
    let given = signing::key_id(key);
    if signature.key != given {
        return SignatureStatus::Invalid {
            reason: format!("signed by key {}, not by the given key {given}", signature.key),
        };
    }
    if signing::verify(key, manifest, &signature.signature) {
        SignatureStatus::Valid { key: given }
    } else {
        SignatureStatus::Invalid {
            reason: "the signature does not match manifest.json: the manifest changed after signing".to_string(),
        }
    }
}

/// Files under `dir`, relative and `/`-separated, sorted.
fn list_files(dir: &Path) -> io::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in std::fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                found.push(path.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// SHA-256 (hex) and size of a file, read in blocks.
pub fn hash_file(path: &Path) -> io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let size = io::copy(&mut file, &mut HashSink(&mut hasher))?;
    Ok((signing::hex(&hasher.finalize()), size))
}

/// SHA-256 (hex) of bytes.
pub fn hash_bytes(bytes: &[u8]) -> String {
    signing::hex(&Sha256::digest(bytes))
}

struct HashSink<'a>(&'a mut Sha256);

impl Write for HashSink<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn is_plain_relative(path: &str) -> bool {
    !path.is_empty()
        && Path::new(path)
            .components()
            .all(|part| matches!(part, Component::Normal(_)))
}

fn with_path(path: &Path, error: io::Error) -> io::Error {
    io::Error::new(error.kind(), format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(dir: &Path, key: Option<&SigningKey>) {
        let mut writer = BundleWriter::create(dir).unwrap();
        writer
            .add("findings.json", |out| out.write_all(b"{\"findings\": []}\n"))
            .unwrap();
        writer.add("inputs.json", |out| out.write_all(b"[]\n")).unwrap();
        writer.finish("2026-11-22T09:05:00Z", "rampart 0.1.0", key).unwrap();
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7; 32])
    }

    #[test]
    fn an_untouched_bundle_verifies_with_its_key() {
        let dir = tempfile::tempdir().unwrap();
        bundle(dir.path(), Some(&key()));
        let verification = verify_bundle(dir.path(), Some(&key().verifying_key())).unwrap();
        assert!(verification.problems.is_empty(), "{:?}", verification.problems);
        assert!(matches!(verification.signature, SignatureStatus::Valid { .. }));
        assert!(verification.is_intact(true));
        assert_eq!(verification.manifest.files.len(), 2);
        assert_eq!(verification.manifest.files[1].path, "inputs.json");
        assert_eq!(verification.manifest.files[1].bytes, 3);
        // Without the key, the signature is reported but not judged.
        let verification = verify_bundle(dir.path(), None).unwrap();
        assert!(matches!(verification.signature, SignatureStatus::NotChecked { .. }));
        assert!(verification.is_intact(false));
    }

    #[test]
    fn a_changed_byte_a_missing_file_and_an_extra_file_are_each_named() {
        let dir = tempfile::tempdir().unwrap();
        bundle(dir.path(), None);
        std::fs::write(dir.path().join("findings.json"), b"{\"findings\": []}\r").unwrap();
        std::fs::remove_file(dir.path().join("inputs.json")).unwrap();
        std::fs::write(dir.path().join("planted.txt"), b"x").unwrap();
        let verification = verify_bundle(dir.path(), None).unwrap();
        assert_eq!(verification.problems.len(), 3, "{:?}", verification.problems);
        assert!(verification.problems[0].starts_with("findings.json: changed"));
        assert_eq!(verification.problems[1], "inputs.json: missing");
        assert_eq!(verification.problems[2], "planted.txt: not in the manifest");
        assert!(!verification.is_intact(false));
    }

    #[test]
    fn a_rewritten_manifest_breaks_the_signature() {
        let dir = tempfile::tempdir().unwrap();
        bundle(dir.path(), Some(&key()));
        // Tamper with a file and fix up its hash in the manifest.
        std::fs::write(dir.path().join("inputs.json"), b"[1]\n").unwrap();
        let manifest = std::fs::read_to_string(dir.path().join(MANIFEST)).unwrap();
        let (sha, _) = hash_file(&dir.path().join("inputs.json")).unwrap();
        let old = serde_json::from_str::<Manifest>(&manifest).unwrap().files[1]
            .sha256
            .clone();
        let forged = manifest.replace(&old, &sha).replace("\"bytes\": 3", "\"bytes\": 4");
        std::fs::write(dir.path().join(MANIFEST), forged).unwrap();
        let verification = verify_bundle(dir.path(), Some(&key().verifying_key())).unwrap();
        assert!(verification.problems.is_empty(), "{:?}", verification.problems);
        assert!(matches!(verification.signature, SignatureStatus::Invalid { .. }));
        assert!(!verification.is_intact(true));
        // Another key never verifies it.
        let other = SigningKey::from_bytes(&[9; 32]).verifying_key();
        let SignatureStatus::Invalid { reason } = verify_bundle(dir.path(), Some(&other)).unwrap().signature else {
            panic!("expected an invalid signature");
        };
        assert!(reason.contains("not by the given key"), "{reason}");
    }

    #[test]
    fn an_unsigned_bundle_fails_when_a_key_is_given() {
        let dir = tempfile::tempdir().unwrap();
        bundle(dir.path(), None);
        let verification = verify_bundle(dir.path(), Some(&key().verifying_key())).unwrap();
        assert_eq!(verification.signature, SignatureStatus::Unsigned);
        assert!(!verification.is_intact(true));
    }

    #[test]
    fn a_manifest_pointing_outside_the_bundle_is_a_problem() {
        let dir = tempfile::tempdir().unwrap();
        bundle(dir.path(), None);
        let manifest = std::fs::read_to_string(dir.path().join(MANIFEST)).unwrap();
        std::fs::write(
            dir.path().join(MANIFEST),
            manifest.replace("\"inputs.json\"", "\"../inputs.json\""),
        )
        .unwrap();
        let problems = verify_bundle(dir.path(), None).unwrap().problems;
        assert!(
            problems.iter().any(|p| p.contains("outside the bundle")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_folder_with_other_files_is_refused_and_a_bundle_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        let error = BundleWriter::create(dir.path()).err().unwrap();
        assert!(error.to_string().contains("notes.txt"), "{error}");
        let fresh = dir.path().join("evidence");
        bundle(&fresh, Some(&key()));
        bundle(&fresh, None);
        assert!(!fresh.join(SIGNATURE).exists());
        assert!(verify_bundle(&fresh, None).unwrap().problems.is_empty());
    }

    #[test]
    fn no_manifest_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let error = verify_bundle(dir.path(), None).unwrap_err();
        assert!(error.contains("manifest.json"), "{error}");
        std::fs::write(dir.path().join(MANIFEST), "{\n\"kind\": 3").unwrap();
        let error = verify_bundle(dir.path(), None).unwrap_err();
        assert!(error.contains("manifest.json:2"), "{error}");
    }
}
