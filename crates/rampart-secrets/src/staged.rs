//! Searches what is staged for the next commit (`--staged`, for pre-commit
//! hooks): each file whose staged content differs from HEAD's, reporting
//! only the secrets that HEAD's version of the file did not already hold.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use gix::ObjectId;
use gix::bstr::{BString, ByteSlice};
use rayon::prelude::*;

use crate::detector::Detector;
use crate::history::{BlobResult, GitError, search_blob, with_delta_cache};
use crate::{Catalogue, ScanOptions, SecretsScan, to_finding};

/// Secrets by rule index and value.
type KnownSecrets = HashSet<(usize, Vec<u8>)>;

/// A staged file and the blob HEAD has at its path, if any.
struct StagedChange {
    path: Arc<str>,
    staged: ObjectId,
    previous: Option<ObjectId>,
}

/// Searches the index of the repository at (or above) `repo_path`.
pub fn scan_staged(repo_path: &Path, catalogue: &Catalogue, options: &ScanOptions) -> Result<SecretsScan, GitError> {
    let display = repo_path.display().to_string();
    let mut repo = gix::discover(repo_path).map_err(|error| GitError::new(&display, error))?;
    with_delta_cache(&mut repo);
    let changes = staged_changes(&repo)?;

    let detector = Detector::new(catalogue);
    let sync_repo = repo.into_sync();
    let results: Vec<(BlobResult, KnownSecrets)> = changes
        .par_iter()
        .map_init(
            || {
                let mut repo = sync_repo.to_thread_local();
                with_delta_cache(&mut repo);
                repo
            },
            |repo, change| {
                let staged = search_blob(repo, &detector, change.staged, &change.path, options.max_file_size);
                // What HEAD already had was not added by this commit.
                let before = match change.previous {
                    Some(previous) => match search_blob(repo, &detector, previous, &change.path, u64::MAX) {
                        BlobResult::Searched { detected, .. } => {
                            detected.into_iter().map(|found| (found.rule, found.secret)).collect()
                        }
                        BlobResult::Skipped | BlobResult::Failed(_) => HashSet::new(),
                    },
                    None => HashSet::new(),
                };
                (staged, before)
            },
        )
        .collect();

    let mut scan = SecretsScan::default();
    for (change, (result, before)) in changes.iter().zip(results) {
        match result {
            BlobResult::Searched { detected, bytes } => {
                scan.files += 1;
                scan.bytes += bytes;
                scan.findings.extend(
                    detected
                        .iter()
                        .filter(|found| !before.contains(&(found.rule, found.secret.clone())))
                        .map(|found| to_finding(catalogue, &change.path, found, options)),
                );
            }
            BlobResult::Skipped => scan.skipped_files += 1,
            BlobResult::Failed(error) => scan.errors.push(error),
        }
    }
    Ok(scan)
}

/// Index entries (files, not submodules or conflicts) whose blob is not
/// the one HEAD has at the same path.
fn staged_changes(repo: &gix::Repository) -> Result<Vec<StagedChange>, GitError> {
    let index = repo.index_or_empty().map_err(|error| GitError::new("index", error))?;
    let head = head_blobs(repo)?;
    let mut changes = Vec::new();
    for entry in index.entries() {
        if entry.stage() != gix::index::entry::Stage::Unconflicted {
            continue;
        }
        if !entry.mode.to_tree_entry_mode().is_some_and(|mode| mode.is_blob()) {
            continue;
        }
        let path = entry.path(&index);
        let previous = head.get(path.as_bytes()).copied();
        if previous == Some(entry.id) {
            continue;
        }
        changes.push(StagedChange {
            path: Arc::from(path.to_str_lossy().as_ref()),
            staged: entry.id,
            previous,
        });
    }
    Ok(changes)
}

/// Every file blob in HEAD's tree by path; nothing on an unborn branch.
fn head_blobs(repo: &gix::Repository) -> Result<HashMap<BString, ObjectId>, GitError> {
    let tree_id = repo
        .head_tree_id_or_empty()
        .map_err(|error| GitError::new("HEAD", error))?;
    let tree = repo.find_tree(tree_id).map_err(|error| GitError::new("HEAD", error))?;
    let mut recorder = gix::traverse::tree::Recorder::default();
    tree.traverse()
        .breadthfirst(&mut recorder)
        .map_err(|error| GitError::new("HEAD", error))?;
    Ok(recorder
        .records
        .into_iter()
        .filter(|entry| entry.mode.is_blob())
        .map(|entry| (entry.filepath, entry.oid))
        .collect())
}
