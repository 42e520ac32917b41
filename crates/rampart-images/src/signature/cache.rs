//! Verification results reused for a while: a verified (digest, policy) pair, and the digest a
//! tag named. Only successes are kept: a missing or bad signature may be fixed a minute later,
//! and a registry failure is not a result. In memory for the webhook; in a file under
//! `.rampart/` between CI runs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// A tag's digest is reused for at most this long, whatever the cache's TTL: tags move.
const TAG_TTL_SECONDS: i64 = 300;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedVerification {
    pub signer: String,
    pub issuer: Option<String>,
    pub signed_at: Option<i64>,
    /// The authority that verified it.
    pub by: String,
}

#[derive(Serialize, Deserialize, Default)]
struct CacheFile {
    version: u32,
    #[serde(default)]
    verified: Vec<VerifiedEntry>,
    #[serde(default)]
    tags: Vec<TagEntry>,
}

#[derive(Serialize, Deserialize)]
struct VerifiedEntry {
    digest: String,
    policy: String,
    #[serde(flatten)]
    verification: CachedVerification,
    expires: i64,
}

#[derive(Serialize, Deserialize)]
struct TagEntry {
    image: String,
    digest: String,
    expires: i64,
}

type Verifications = HashMap<(String, String), (CachedVerification, i64)>;

pub struct VerdictCache {
    ttl_seconds: i64,
    verified: Mutex<Verifications>,
    tags: Mutex<HashMap<String, (String, i64)>>,
    file: Option<PathBuf>,
}

impl VerdictCache {
    pub fn in_memory(ttl_seconds: u64) -> VerdictCache {
        VerdictCache {
            ttl_seconds: ttl_seconds.min(i64::MAX as u64) as i64,
            verified: Mutex::new(HashMap::new()),
            tags: Mutex::new(HashMap::new()),
            file: None,
        }
    }

    /// A cache kept in `file`; a missing or unreadable file starts it empty.
    pub fn in_file(file: PathBuf, ttl_seconds: u64, now: i64) -> VerdictCache {
        let cache = VerdictCache {
            file: Some(file.clone()),
            ..VerdictCache::in_memory(ttl_seconds)
        };
        let stored: CacheFile = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        if stored.version == 1 {
            let mut verified = cache.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for entry in stored.verified.into_iter().filter(|entry| entry.expires > now) {
                verified.insert((entry.digest, entry.policy), (entry.verification, entry.expires));
            }
            let mut tags = cache.tags.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            for entry in stored.tags.into_iter().filter(|entry| entry.expires > now) {
                tags.insert(entry.image, (entry.digest, entry.expires));
            }
        }
        cache
    }

    pub fn verified(&self, digest: &str, policy: &str, now: i64) -> Option<CachedVerification> {
        let verified = self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        verified
            .get(&(digest.to_string(), policy.to_string()))
            .filter(|(_, expires)| *expires > now)
            .map(|(verification, _)| verification.clone())
    }

    pub fn remember_verified(&self, digest: &str, policy: &str, verification: CachedVerification, now: i64) {
        if self.ttl_seconds == 0 {
            return;
        }
        let mut verified = self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        verified.insert(
            (digest.to_string(), policy.to_string()),
            (verification, now.saturating_add(self.ttl_seconds)),
        );
    }

    pub fn tag(&self, image: &str, now: i64) -> Option<String> {
        let tags = self.tags.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tags.get(image)
            .filter(|(_, expires)| *expires > now)
            .map(|(digest, _)| digest.clone())
    }

    pub fn remember_tag(&self, image: &str, digest: &str, now: i64) {
        if self.ttl_seconds == 0 {
            return;
        }
        let mut tags = self.tags.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        tags.insert(
            image.to_string(),
            (digest.to_string(), now + self.ttl_seconds.min(TAG_TTL_SECONDS)),
        );
    }

    /// Writes the file (when the cache has one).
    pub fn save(&self) -> std::io::Result<()> {
        let Some(file) = &self.file else { return Ok(()) };
        let verified = self.verified.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let tags = self.tags.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut stored = CacheFile {
            version: 1,
            verified: verified
                .iter()
                .map(|((digest, policy), (verification, expires))| VerifiedEntry {
                    digest: digest.clone(),
                    policy: policy.clone(),
                    verification: verification.clone(),
                    expires: *expires,
                })
                .collect(),
            tags: tags
                .iter()
                .map(|(image, (digest, expires))| TagEntry {
                    image: image.clone(),
                    digest: digest.clone(),
                    expires: *expires,
                })
                .collect(),
        };
        stored
            .verified
            .sort_by(|a, b| (&a.digest, &a.policy).cmp(&(&b.digest, &b.policy)));
        stored.tags.sort_by(|a, b| a.image.cmp(&b.image));
        if let Some(folder) = file.parent() {
            std::fs::create_dir_all(folder)?;
        }
        let temporary = file.with_extension("json.tmp");
        std::fs::write(
            &temporary,
            serde_json::to_vec_pretty(&stored).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(temporary, file)
    }
}
