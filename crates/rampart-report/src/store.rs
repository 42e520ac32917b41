//! The run store: one SQLite file (default `.rampart/evidence.db`) with a
//! record per recorded run, each holding the SHA-256 of the record before
//! it. Changing a record, removing one or reordering them breaks the
//! chain, and [`Store::verify`] says where. Appending is one `BEGIN
//! IMMEDIATE` transaction, so runs recording at once queue on SQLite's
//! lock instead of forking the chain.
//!
//! A chain cannot tell that its newest records were cut off; the evidence
//! bundle of each run names the record it added (`store.json`), which
//! anchors the chain from outside.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use rampart_core::SeverityCounts;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::evidence::signing::hex;

/// The hash a first record names as its predecessor.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What one run leaves in the store: enough to compute the articles'
/// metrics later, and no secret (findings are kept as fingerprints).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    /// Unix time the run ended.
    pub time: i64,
    /// `scan`, `secrets` or `ci`.
    pub command: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<String>,
    /// `pass`, `fail` (the gate blocked) or `error`.
    pub outcome: String,
    pub findings: SeverityCounts,
    pub suppressed: usize,
    /// Suppressed by an exception of the exceptions file.
    pub excepted: usize,
    /// Control id -> its result in this run (controls matrix).
    pub controls: BTreeMap<String, ControlRecord>,
    /// Workloads (objects with a pod template) and how many of them pin
    /// every image by digest; `None` when the digest rule did not run.
    #[serde(default)]
    pub workloads: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_pinned: Option<usize>,
    /// The exceptions file's entries as they stood.
    #[serde(default)]
    pub exceptions: Vec<ExceptionRecord>,
    /// Fingerprints of the open findings (keyed hashes, no content).
    #[serde(default)]
    pub open: Vec<String>,
    /// Workloads by what their images answered (signatures, reports), when
    /// the run checked them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<rampart_core::ImageSummary>,
    /// For `serve` records: what the admission webhook decided since the
    /// previous one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admission: Option<AdmissionRecord>,
    /// For `respond` and `drill` records: where an incident's containment stood.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<IncidentRecord>,
    /// For `breakglass` records: a grant or its revocation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakglass: Option<BreakglassRecord>,
}

/// A break-glass grant (or its revocation), as `rampart breakglass` made it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct BreakglassRecord {
    /// `grant` or `revoke`.
    pub action: String,
    /// `ClusterRoleBinding/name` or `RoleBinding/namespace/name`.
    pub binding: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub subject: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub requester: String,
}

/// An incident (or a drill's staged one) as a response run left it; the newest record of
/// an incident is its state. Times are Unix seconds.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct IncidentRecord {
    pub id: String,
    pub playbook: String,
    pub target: String,
    /// The drill that staged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill: Option<String>,
    pub dry_run: bool,
    /// When it began: a drill's injection; for a real incident, the first step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<i64>,
    /// When a detection named it (a drill's signal seen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<i64>,
    /// The first step of the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started: Option<i64>,
    /// The first verification that passed whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contained: Option<i64>,
    pub steps: usize,
    pub failed: usize,
    /// Its undo was played back.
    #[serde(default)]
    pub undone: bool,
}

impl IncidentRecord {
    /// Seconds from declared (or the first step) to containment.
    pub fn time_to_contain(&self) -> Option<i64> {
        Some(self.contained? - self.declared.or(self.started)?)
    }

    /// Seconds from declared to the detection.
    pub fn time_to_detect(&self) -> Option<i64> {
        Some(self.detected? - self.declared?)
    }
}

/// The webhook's decisions over one period (`rampart serve --record`),
/// within one UTC day; the record's `time` ends it. Dry runs are left out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AdmissionRecord {
    /// Unix time the period began.
    pub since: i64,
    pub allowed: usize,
    /// Allowed with warnings.
    pub warned: usize,
    pub denied: usize,
    /// Not judged: exempt namespaces, DELETE and CONNECT.
    pub skipped: usize,
    /// Answered by the failure policy (deadline or panic).
    pub failed: usize,
    /// Rule id -> how its findings were answered.
    pub rules: BTreeMap<String, RuleTally>,
    /// Detection rule id -> detections made on `/audit` (`serve --audit`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub detections: BTreeMap<String, usize>,
}

impl AdmissionRecord {
    pub fn is_empty(&self) -> bool {
        self.allowed + self.warned + self.denied + self.skipped + self.failed == 0 && self.detections.is_empty()
    }
}

/// How one rule's findings were answered.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct RuleTally {
    /// In a denial.
    pub blocked: usize,
    /// As a warning.
    pub warned: usize,
    /// Only logged (audit mode).
    pub audited: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ControlRecord {
    /// pass, fail, excepted or not-evaluated.
    pub result: String,
    pub open: usize,
    pub suppressed: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ExceptionRecord {
    pub id: String,
    /// active, expiring or expired.
    pub status: String,
    pub days_left: i64,
}

/// A record as stored.
#[derive(Debug, Clone)]
pub struct StoredRun {
    pub seq: i64,
    pub hash: String,
    pub record: RunRecord,
}

pub struct Store {
    connection: Connection,
}

/// The newest record: what an evidence bundle anchors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Store {
    /// Opens (creating) the store at `path`, and its folder.
    pub fn open(path: &Path) -> Result<Store, String> {
        let fail = |error: &dyn std::fmt::Display| format!("{}: {error}", path.display());
        if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|error| fail(&error))?;
        }
        let connection = Connection::open(path).map_err(|error| fail(&error))?;
        connection
            .busy_timeout(Duration::from_secs(60))
            .map_err(|error| fail(&error))?;
        // WAL lets readers go on while one run appends. Changing the mode
        // needs the lock, which a concurrent opener may hold: the busy
        // timeout covers it.
        // SQLite answers "locked" without waiting when two openers race to
        // switch the mode or create the table (it would risk a deadlock),
        // so those steps are retried for as long as the busy timeout.
        let setup = |connection: &Connection| -> rusqlite::Result<()> {
            connection.pragma_update(None, "journal_mode", "WAL")?;
            connection.execute_batch(
                "CREATE TABLE IF NOT EXISTS runs (
                    seq INTEGER PRIMARY KEY,
                    body TEXT NOT NULL,
                    prev_hash TEXT NOT NULL,
                    hash TEXT NOT NULL
                );",
            )
        };
        let started = std::time::Instant::now();
        loop {
            match setup(&connection) {
                Ok(()) => break,
                Err(rusqlite::Error::SqliteFailure(error, _))
                    if matches!(
                        error.code,
                        rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                    ) && started.elapsed() < Duration::from_secs(60) =>
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(error) => return Err(fail(&error)),
            }
        }
        Ok(Store { connection })
    }

    /// Appends a record after the newest one; returns its place.
    pub fn record(&mut self, record: &RunRecord) -> Result<Head, String> {
        let body = serde_json::to_string(record).map_err(|error| error.to_string())?;
        let transaction = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|error| format!("cannot lock the store: {error}"))?;
        let last: Option<(i64, String)> = transaction
            .query_row("SELECT seq, hash FROM runs ORDER BY seq DESC LIMIT 1", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .map_err(|error| error.to_string())?;
        let (seq, prev_hash) = match last {
            Some((seq, hash)) => (seq + 1, hash),
            None => (1, GENESIS.to_string()),
        };
        let hash = chain_hash(seq, &prev_hash, &body);
        transaction
            .execute(
                "INSERT INTO runs (seq, body, prev_hash, hash) VALUES (?1, ?2, ?3, ?4)",
                params![seq, body, prev_hash, hash],
            )
            .map_err(|error| error.to_string())?;
        transaction.commit().map_err(|error| error.to_string())?;
        Ok(Head { seq, hash })
    }

    /// Every record, oldest first. Records whose body no longer parses
    /// are left out (verify names them).
    pub fn runs(&self) -> Result<Vec<StoredRun>, String> {
        self.read_runs("SELECT seq, hash, body FROM runs ORDER BY seq")
    }

    /// Every record without its findings' fingerprints: what the controls
    /// matrix needs, and a small part of a large store.
    pub fn runs_without_fingerprints(&self) -> Result<Vec<StoredRun>, String> {
        self.read_runs("SELECT seq, hash, json_remove(body, '$.open') FROM runs ORDER BY seq")
    }

    fn read_runs(&self, query: &str) -> Result<Vec<StoredRun>, String> {
        let mut statement = self.connection.prepare(query).map_err(|error| error.to_string())?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                ))
            })
            .map_err(|error| error.to_string())?;
        let mut runs = Vec::new();
        for row in rows {
            let (seq, hash, body) = row.map_err(|error| error.to_string())?;
            if let Ok(record) = serde_json::from_str(&body) {
                runs.push(StoredRun { seq, hash, record });
            }
        }
        Ok(runs)
    }

    /// Walks the chain: each record's hash is the hash of its place, its
    /// predecessor's hash and its body; places run 1, 2, 3... Returns the
    /// head and every break found (empty when intact).
    pub fn verify(&self) -> Result<(Option<Head>, Vec<String>), String> {
        let mut statement = self
            .connection
            .prepare("SELECT seq, body, prev_hash, hash FROM runs ORDER BY seq")
            .map_err(|error| error.to_string())?;
        let rows = statement
            .query_map([], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(|error| error.to_string())?;
        let mut problems = Vec::new();
        let mut expected_seq = 1;
        let mut previous = GENESIS.to_string();
        let mut head = None;
        for row in rows {
            let (seq, body, prev_hash, hash) = row.map_err(|error| error.to_string())?;
            if seq != expected_seq {
                problems.push(format!(
                    "record {seq}: expected record {expected_seq} here; records {expected_seq}..{} are missing",
                    seq - 1
                ));
            }
            if prev_hash != previous {
                problems.push(format!(
                    "record {seq}: names {} as the record before it, but that record's hash is {}: a record was removed, reordered or rewritten",
                    short(&prev_hash),
                    short(&previous)
                ));
            }
            let recomputed = chain_hash(seq, &prev_hash, &body);
            if recomputed != hash {
                problems.push(format!(
                    "record {seq}: its content does not match its hash (stored {}, computed {}): the record was changed",
                    short(&hash),
                    short(&recomputed)
                ));
            }
            if serde_json::from_str::<RunRecord>(&body).is_err() {
                problems.push(format!("record {seq}: its content is not a run record"));
            }
            expected_seq = seq + 1;
            previous = hash.clone();
            head = Some(Head { seq, hash });
        }
        Ok((head, problems))
    }

    /// The newest record.
    pub fn head(&self) -> Result<Option<Head>, String> {
        self.connection
            .query_row("SELECT seq, hash FROM runs ORDER BY seq DESC LIMIT 1", [], |row| {
                Ok(Head {
                    seq: row.get(0)?,
                    hash: row.get(1)?,
                })
            })
            .optional()
            .map_err(|error| error.to_string())
    }

    /// The record at `seq`, if present: to check an anchor against.
    pub fn hash_at(&self, seq: i64) -> Result<Option<String>, String> {
        self.connection
            .query_row("SELECT hash FROM runs WHERE seq = ?1", [seq], |row| row.get(0))
            .optional()
            .map_err(|error| error.to_string())
    }
}

fn chain_hash(seq: i64, prev_hash: &str, body: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"rampart-store-v1\n");
    hasher.update(seq.to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(prev_hash.as_bytes());
    hasher.update(b"\n");
    hasher.update(body.as_bytes());
    hex(&hasher.finalize())
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(time: i64, outcome: &str) -> RunRecord {
        RunRecord {
            time,
            command: "scan".to_string(),
            outcome: outcome.to_string(),
            open: vec![format!("f{time}")],
            ..RunRecord::default()
        }
    }

    fn store_with_three(dir: &Path) -> Store {
        let mut store = Store::open(&dir.join("evidence.db")).unwrap();
        for time in [100, 200, 300] {
            store.record(&record(time, "pass")).unwrap();
        }
        store
    }

    fn problems_in(dir: &Path) -> Vec<String> {
        Store::open(&dir.join("evidence.db")).unwrap().verify().unwrap().1
    }

    fn raw(dir: &Path) -> Connection {
        Connection::open(dir.join("evidence.db")).unwrap()
    }

    #[test]
    fn records_chain_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with_three(dir.path());
        let runs = store.runs().unwrap();
        assert_eq!(
            runs.iter().map(|run| run.record.time).collect::<Vec<_>>(),
            [100, 200, 300]
        );
        assert_eq!(runs[1].record, record(200, "pass"));
        let light = store.runs_without_fingerprints().unwrap();
        assert_eq!(light.len(), 3);
        assert!(light[1].record.open.is_empty());
        assert_eq!(light[1].record.time, 200);
        let (head, problems) = store.verify().unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(head.unwrap().seq, 3);
        assert_eq!(store.head().unwrap().unwrap().hash, runs[2].hash);
        assert_eq!(store.hash_at(2).unwrap().unwrap(), runs[1].hash);
    }

    #[test]
    fn a_changed_byte_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        store_with_three(dir.path());
        raw(dir.path())
            .execute(
                "UPDATE runs SET body = replace(body, '\"pass\"', '\"fail\"') WHERE seq = 2",
                [],
            )
            .unwrap();
        let problems = problems_in(dir.path());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("record 2: its content does not match"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_removed_record_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        store_with_three(dir.path());
        raw(dir.path()).execute("DELETE FROM runs WHERE seq = 2", []).unwrap();
        let problems = problems_in(dir.path());
        assert!(
            problems.iter().any(|p| p.contains("records 2..2 are missing")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("removed, reordered")),
            "{problems:?}"
        );
    }

    #[test]
    fn removing_and_renumbering_is_still_detected() {
        let dir = tempfile::tempdir().unwrap();
        store_with_three(dir.path());
        let connection = raw(dir.path());
        connection.execute("DELETE FROM runs WHERE seq = 2", []).unwrap();
        connection.execute("UPDATE runs SET seq = 2 WHERE seq = 3", []).unwrap();
        let problems = problems_in(dir.path());
        assert!(
            problems.iter().any(|p| p.starts_with("record 2: names")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.starts_with("record 2: its content")),
            "{problems:?}"
        );
    }

    #[test]
    fn reordered_records_are_detected() {
        let dir = tempfile::tempdir().unwrap();
        store_with_three(dir.path());
        let connection = raw(dir.path());
        // Swap records 2 and 3 whole, hashes and all.
        connection
            .execute("UPDATE runs SET seq = 99 WHERE seq = 2", [])
            .unwrap();
        connection.execute("UPDATE runs SET seq = 2 WHERE seq = 3", []).unwrap();
        connection
            .execute("UPDATE runs SET seq = 3 WHERE seq = 99", [])
            .unwrap();
        let problems = problems_in(dir.path());
        assert!(
            problems.iter().any(|p| p.starts_with("record 2: names")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.starts_with("record 3: names")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_rehashed_record_breaks_the_link_to_the_next() {
        let dir = tempfile::tempdir().unwrap();
        store_with_three(dir.path());
        let connection = raw(dir.path());
        let (body, prev): (String, String) = connection
            .query_row("SELECT body, prev_hash FROM runs WHERE seq = 2", [], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .unwrap();
        let forged = body.replace("\"pass\"", "\"fail\"");
        connection
            .execute(
                "UPDATE runs SET body = ?1, hash = ?2 WHERE seq = 2",
                params![forged, chain_hash(2, &prev, &forged)],
            )
            .unwrap();
        let problems = problems_in(dir.path());
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].starts_with("record 3: names"), "{problems:?}");
    }

    #[test]
    fn parallel_writers_keep_one_unbroken_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evidence.db");
        let writers: Vec<_> = (0..8)
            .map(|writer| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut store = Store::open(&path).unwrap();
                    for run in 0..25 {
                        store.record(&record(writer * 1000 + run, "pass")).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        let store = Store::open(&path).unwrap();
        let (head, problems) = store.verify().unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(head.unwrap().seq, 200);
        let mut times: Vec<i64> = store.runs().unwrap().iter().map(|run| run.record.time).collect();
        times.sort_unstable();
        times.dedup();
        assert_eq!(times.len(), 200, "every run recorded once");
    }
}
