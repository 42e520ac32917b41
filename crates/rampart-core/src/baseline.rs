//! A baseline: the findings a team has accepted when adopting Rampart on an
//! existing codebase, so that only new ones fail.
//!
//! The file holds, per finding, the rule, the path, the line (for people)
//! and a fingerprint: an HMAC under a random key stored in the file, of the
//! rule and the object's identity, field and container (manifest
//! findings), or of the rule, path and secret (secrets findings). Line
//! numbers are not part of it, so moving code does not resurrect a
//! finding; the file never holds a secret, and the key keeps its hashes
//! from being matched against a table of known tokens or another
//! baseline's.

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::fingerprint::{FingerprintKey, finding_fingerprint};
use crate::{Date, Finding};

/// The only format version this build reads and writes.
pub const BASELINE_VERSION: u32 = 1;
const KIND: &str = "rampart-baseline";

/// A baseline file's content.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub kind: String,
    pub version: u32,
    /// 64 hex digits: the fingerprints' HMAC key.
    pub key: String,
    /// The day it was written (YYYY-MM-DD).
    pub created: String,
    pub findings: Vec<BaselineEntry>,
}

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineEntry {
    pub rule: String,
    pub path: String,
    /// Where it was when accepted; for people, not for matching.
    pub line: usize,
    pub fingerprint: String,
}

/// Why a baseline cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for BaselineError {}

impl Baseline {
    /// An empty baseline with a fresh random key.
    pub fn new() -> Result<Baseline, BaselineError> {
        let key = FingerprintKey::random().map_err(|message| BaselineError {
            path: "baseline".into(),
            message,
        })?;
        Ok(Baseline {
            kind: KIND.into(),
            version: BASELINE_VERSION,
            key: hex(key.as_bytes()),
            created: Date::today().to_string(),
            findings: Vec::new(),
        })
    }

    /// Reads and checks a baseline file.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let error = |message: String| BaselineError {
            path: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| error(format!("line {}: {e}", e.line())))?;
        if baseline.kind != KIND {
            return Err(error(format!("not a Rampart baseline (kind is '{}')", baseline.kind)));
        }
        if baseline.version != BASELINE_VERSION {
            return Err(error(format!(
                "baseline version {} is not supported (this build reads {BASELINE_VERSION})",
                baseline.version
            )));
        }
        baseline.fingerprint_key().map_err(error)?;
        Ok(baseline)
    }

    /// The key the fingerprints were made with.
    pub fn fingerprint_key(&self) -> Result<FingerprintKey, String> {
        let bytes = unhex(&self.key).ok_or("the key is not 64 hex digits")?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| "the key is not 64 hex digits")?;
        Ok(FingerprintKey::from_bytes(bytes))
    }

    /// A finding's fingerprint under this baseline's key. A secrets
    /// finding's was made by the secrets engine, with the same key.
    pub fn fingerprint_of(&self, finding: &Finding) -> String {
        finding_fingerprint(&self.fingerprint_key().unwrap_or(FingerprintKey::DEFAULT), finding)
    }

    /// Accepts these findings, replacing what was accepted before.
    /// Suppressed findings are not recorded: they are accepted already.
    pub fn accept(&mut self, findings: &[Finding]) {
        self.created = Date::today().to_string();
        self.findings = findings
            .iter()
            .filter(|finding| !finding.suppressed)
            .map(|finding| BaselineEntry {
                rule: finding.rule.to_string(),
                path: finding.location.path.to_string(),
                line: finding.location.line,
                fingerprint: self.fingerprint_of(finding),
            })
            .collect();
        self.findings
            .sort_by(|a, b| (&a.path, a.line, &a.rule).cmp(&(&b.path, b.line, &b.rule)));
        self.findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
    }

    /// Writes the file, creating its folder.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let error = |message: String| BaselineError {
            path: path.display().to_string(),
            message,
        };
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| error(e.to_string()))?;
        }
        let mut text = serde_json::to_string_pretty(self).map_err(|e| error(e.to_string()))?;
        text.push('\n');
        std::fs::write(path, text).map_err(|e| error(e.to_string()))
    }

    /// Marks the findings this baseline accepted as suppressed; returns how
    /// many were.
    pub fn suppress(&self, findings: &mut [Finding], reason: &str) -> usize {
        let accepted: HashSet<&str> = self.findings.iter().map(|entry| entry.fingerprint.as_str()).collect();
        let mut count = 0;
        for finding in findings {
            if finding.suppressed {
                continue;
            }
            if accepted.contains(self.fingerprint_of(finding).as_str()) {
                finding.suppressed = true;
                finding.suppression_reason = Some(reason.to_string());
                count += 1;
            }
        }
        count
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_random_and_round_trip() {
        let one = Baseline::new().unwrap();
        let two = Baseline::new().unwrap();
        assert_ne!(one.key, two.key);
        assert_eq!(one.key.len(), 64);
        assert_eq!(hex(one.fingerprint_key().unwrap().as_bytes()), one.key);
    }

    #[test]
    fn bad_files_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\"kind\": \"rampart-baseline\",\n \"version\": 1,\n \"key\": \"zz\", \"created\": \"2026-01-01\", \"findings\": []}").unwrap();
        let error = Baseline::read(&path).unwrap_err();
        assert!(error.message.contains("64 hex digits"), "{error}");

        std::fs::write(
            &path,
            "{\"kind\": \"rampart-baseline\",\n \"version\": 1,\n \"secret\": 1}",
        )
        .unwrap();
        let error = Baseline::read(&path).unwrap_err();
        assert!(error.message.starts_with("line 3:"), "{error}");
        assert!(error.message.contains("secret"), "{error}");

        std::fs::write(
            &path,
            "{\"kind\": \"rampart-baseline\", \"version\": 9, \"key\": \"\", \"created\": \"\", \"findings\": []}",
        )
        .unwrap();
        assert!(Baseline::read(&path).unwrap_err().message.contains("version 9"));
    }
}
