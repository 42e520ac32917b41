//! Searches a repository's history: every commit reachable from the chosen
//! revisions, each unique blob once.
//!
//! Commits are put in topological order (parents first, then by commit
//! time) and each is compared with its first parent; a blob that appears for
//! the first time is queued with the commit and path that brought it. The
//! queued blobs are searched in parallel, and each secret is reported once,
//! at the first commit that introduced it, so a key that was committed,
//! deleted and re-added under another name still points at its origin.

use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use gix::ObjectId;
use gix::bstr::ByteSlice;
use gix::diff::tree::recorder::Change;
use gix::objs::TreeRefIter;
use rampart_core::{CommitRef, ScanError};
use rayon::prelude::*;

use crate::allowlist::Subject;
use crate::detector::{Detected, Detector};
use crate::files::{self, Content};
use crate::{Catalogue, ScanOptions, SecretsScan, to_finding};

/// Which commits to search, and which of their files.
#[derive(Debug, Clone, Default)]
pub struct Revisions {
    /// Only files under this folder of the repository (from its top,
    /// `/`-separated); empty for every file.
    pub folder: String,
    /// Findings name a file as this path joined with the file's path below
    /// `folder` (as a search of the working tree at this path would);
    /// `None` names it from the repository's top.
    pub shown_under: Option<std::path::PathBuf>,
    /// `A..B`: commits reachable from B and not from A. A single revision
    /// means everything reachable from it.
    pub range: Option<String>,
    /// Only commits not reachable from this revision.
    pub since: Option<String>,
    /// Start from every branch, tag and remote-tracking ref, not only HEAD.
    pub all_refs: bool,
}

/// Told about a history scan's progress, for a progress bar.
pub trait HistoryProgress: Sync {
    fn commits_walked(&self, _commits: usize) {}
    fn blobs_queued(&self, _blobs: usize) {}
    fn blob_searched(&self) {}
}

/// Reports nothing.
pub struct Quiet;
impl HistoryProgress for Quiet {}

/// What a history scan found, and what it read.
#[derive(Debug, Default)]
pub struct HistoryScan {
    pub scan: SecretsScan,
    pub commits: usize,
}

/// Why a git scan could not start: the repository, its index or a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitError {
    pub subject: String,
    pub message: String,
}

impl GitError {
    pub(crate) fn new(subject: impl Into<String>, error: impl std::fmt::Display) -> Self {
        GitError {
            subject: subject.into(),
            message: error.to_string(),
        }
    }
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

impl std::error::Error for GitError {}

/// A commit in the walk.
struct CommitNode {
    id: ObjectId,
    parents: Vec<ObjectId>,
    time: i64,
}

/// A blob seen for the first time: where and when.
struct BlobOrigin {
    id: ObjectId,
    path: Arc<str>,
    /// Index into the ordered commits.
    commit: usize,
}

/// Searches the history of the repository at (or above) `repo_path`.
pub fn scan_history(
    repo_path: &Path,
    revisions: &Revisions,
    catalogue: &Catalogue,
    options: &ScanOptions,
    progress: &dyn HistoryProgress,
) -> Result<HistoryScan, GitError> {
    let display = repo_path.display().to_string();
    let mut repo = gix::discover(repo_path).map_err(|error| GitError::new(&display, error))?;
    // Tree diffs read the same trees again and again.
    repo.object_cache_size_if_unset(64 * 1024 * 1024);
    with_delta_cache(&mut repo);
    let (tips, hidden) = resolve(&repo, revisions)?;
    let commits = walk(&repo, tips, hidden, progress)?;

    let mut errors = Vec::new();
    let mut blobs = new_blobs(&repo, &commits, &mut errors);
    if !revisions.folder.is_empty() {
        blobs.retain(|blob| Path::new(&*blob.path).starts_with(&revisions.folder));
    }
    progress.blobs_queued(blobs.len());

    let detector = Detector::new(catalogue);
    let sync_repo = repo.clone().into_sync();
    let searched: Vec<BlobResult> = blobs
        .par_iter()
        .map_init(
            || {
                let mut repo = sync_repo.to_thread_local();
                with_delta_cache(&mut repo);
                repo
            },
            |repo, blob| {
                let result = search_blob(repo, &detector, blob.id, &blob.path, options.max_file_size);
                progress.blob_searched();
                result
            },
        )
        .collect();

    let mut scan = SecretsScan::default();
    let mut first_seen: HashSet<(usize, Vec<u8>)> = HashSet::new();
    let mut commit_refs: HashMap<usize, CommitRef> = HashMap::new();
    let commit_allowlists = catalogue.has_commit_allowlists();
    for (blob, result) in blobs.iter().zip(searched) {
        match result {
            BlobResult::Searched { detected, bytes } => {
                scan.files += 1;
                scan.bytes += bytes;
                for found in detected {
                    // One finding per secret: the first commit that had it.
                    if !first_seen.insert((found.rule, found.secret.clone())) {
                        continue;
                    }
                    if commit_allowlists && commit_allowed(catalogue, &blob.path, &found, &commits[blob.commit].id) {
                        continue;
                    }
                    let shown = match &revisions.shown_under {
                        Some(under) => {
                            let below = Path::new(&*blob.path)
                                .strip_prefix(&revisions.folder)
                                .unwrap_or(Path::new(&*blob.path));
                            Arc::from(under.join(below).display().to_string())
                        }
                        None => blob.path.clone(),
                    };
                    let mut finding = to_finding(catalogue, &shown, &found, options);
                    let commit = commit_refs
                        .entry(blob.commit)
                        .or_insert_with(|| describe_commit(&repo, commits[blob.commit].id))
                        .clone();
                    if let Some(secret) = finding.secret.as_mut() {
                        secret.commit = Some(commit);
                    }
                    scan.findings.push(finding);
                }
            }
            BlobResult::Skipped => scan.skipped_files += 1,
            BlobResult::Failed(error) => errors.push(error),
        }
    }
    scan.errors = errors;
    Ok(HistoryScan {
        scan,
        commits: commits.len(),
    })
}

/// Packed objects are mostly deltas on earlier versions; without a cache
/// of inflated bases, every blob re-inflates its whole delta chain.
pub(crate) fn with_delta_cache(repo: &mut gix::Repository) {
    const DELTA_CACHE_BYTES: usize = 96 * 1024 * 1024;
    repo.objects
        .set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(DELTA_CACHE_BYTES)));
}

/// The tips to walk from and the commits to leave out.
fn resolve(repo: &gix::Repository, revisions: &Revisions) -> Result<(Vec<ObjectId>, Vec<ObjectId>), GitError> {
    let mut tips = Vec::new();
    let mut hidden = Vec::new();
    if let Some(range) = &revisions.range {
        use gix::revision::plumbing::Spec;
        let spec = repo
            .rev_parse(range.as_str())
            .map_err(|error| GitError::new(format!("revision range '{range}'"), error))?
            .detach();
        match spec {
            Spec::Range { from, to } => {
                tips.push(to);
                hidden.push(from);
            }
            Spec::Include(id) => tips.push(id),
            Spec::Exclude(id) => {
                tips.push(head(repo)?);
                hidden.push(id);
            }
            other => {
                return Err(GitError::new(
                    format!("revision range '{range}'"),
                    format!("only 'A..B' or a single revision is supported, not {other:?}"),
                ));
            }
        }
    } else if revisions.all_refs {
        let platform = repo.references().map_err(|error| GitError::new("references", error))?;
        let all = platform.all().map_err(|error| GitError::new("references", error))?;
        for reference in all {
            let mut reference = reference.map_err(|error| GitError::new("references", error))?;
            // Refs that point at trees or blobs have no history to walk.
            if let Ok(id) = reference.peel_to_commit().map(|commit| commit.id) {
                tips.push(id);
            }
        }
        if let Ok(id) = head(repo) {
            tips.push(id);
        }
        tips.sort();
        tips.dedup();
    } else {
        tips.push(head(repo)?);
    }
    if let Some(since) = &revisions.since {
        let id = repo
            .rev_parse_single(since.as_str())
            .map_err(|error| GitError::new(format!("revision '{since}'"), error))?
            .object()
            .and_then(|object| object.peel_to_commit())
            .map_err(|error| GitError::new(format!("revision '{since}'"), error))?
            .id;
        hidden.push(id);
    }
    Ok((tips, hidden))
}

fn head(repo: &gix::Repository) -> Result<ObjectId, GitError> {
    repo.head_id()
        .map(|id| id.detach())
        .map_err(|error| GitError::new("HEAD", format!("{error} (a repository without commits has no history)")))
}

/// Where the repository at or above `path` stands: HEAD's commit id and
/// the branch it is on (none when detached). `None` outside a repository
/// or before the first commit.
pub fn head_of(path: &Path) -> Option<(String, Option<String>)> {
    let repo = gix::discover(path).ok()?;
    let id = repo.head_id().ok()?.detach().to_string();
    let branch = repo.head_name().ok().flatten().map(|name| name.shorten().to_string());
    Some((id, branch))
}

/// The working tree's root of the repository at or above `path`.
pub fn repo_root(path: &Path) -> Option<std::path::PathBuf> {
    gix::discover(path).ok()?.workdir().map(Path::to_path_buf)
}

/// The revision a change is compared with when none is given: the
/// default branch (origin's HEAD, else `origin/main`, `origin/master`,
/// `main`, `master`), as the name found. When HEAD is that branch's tip,
/// the change is HEAD's own commit: `HEAD~1` (or nothing for a root
/// commit: the whole history).
pub fn default_base(path: &Path) -> Option<String> {
    let repo = gix::discover(path).ok()?;
    let head = repo.head_id().ok()?.detach();
    let remote_head = repo
        .find_reference("refs/remotes/origin/HEAD")
        .ok()
        .and_then(|reference| match reference.target() {
            gix::refs::TargetRef::Symbolic(name) => Some(name.shorten().to_string()),
            gix::refs::TargetRef::Object(_) => None,
        });
    let candidates = remote_head
        .into_iter()
        .chain(["origin/main", "origin/master", "main", "master"].map(String::from));
    for name in candidates {
        let Ok(id) = repo.rev_parse_single(name.as_str()) else {
            continue;
        };
        if id.detach() != head {
            return Some(name);
        }
        let commit = repo.find_commit(head).ok()?;
        return commit.parent_ids().next().map(|_| "HEAD~1".to_string());
    }
    None
}

/// The commits to search, parents before children.
fn walk(
    repo: &gix::Repository,
    tips: Vec<ObjectId>,
    hidden: Vec<ObjectId>,
    progress: &dyn HistoryProgress,
) -> Result<Vec<CommitNode>, GitError> {
    let walk = repo
        .rev_walk(tips)
        .with_hidden(hidden)
        // Date order also records each commit's time for the ordering below.
        .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
        .all()
        .map_err(|error| GitError::new("history", error))?;
    let mut nodes = Vec::new();
    for info in walk {
        let info = info.map_err(|error| GitError::new("history", error))?;
        nodes.push(CommitNode {
            id: info.id,
            parents: info.parent_ids().map(|id| id.detach()).collect(),
            time: info.commit_time(),
        });
        if nodes.len().is_multiple_of(1024) {
            progress.commits_walked(nodes.len());
        }
    }
    progress.commits_walked(nodes.len());
    Ok(topological(nodes))
}

/// Kahn's algorithm: a commit comes after all its walked parents; among
/// the ready ones, the oldest first, so the order does not depend on the
/// walk's.
fn topological(nodes: Vec<CommitNode>) -> Vec<CommitNode> {
    let index: HashMap<ObjectId, usize> = nodes.iter().enumerate().map(|(i, node)| (node.id, i)).collect();
    let mut waiting_on = vec![0usize; nodes.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (child, node) in nodes.iter().enumerate() {
        let mut parents: Vec<usize> = node.parents.iter().filter_map(|id| index.get(id).copied()).collect();
        parents.sort_unstable();
        parents.dedup();
        waiting_on[child] = parents.len();
        for parent in parents {
            children[parent].push(child);
        }
    }
    let mut ready: BinaryHeap<std::cmp::Reverse<(i64, ObjectId, usize)>> = waiting_on
        .iter()
        .enumerate()
        .filter(|&(_, &count)| count == 0)
        .map(|(i, _)| std::cmp::Reverse((nodes[i].time, nodes[i].id, i)))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(std::cmp::Reverse((_, _, next))) = ready.pop() {
        order.push(next);
        for &child in &children[next] {
            waiting_on[child] -= 1;
            if waiting_on[child] == 0 {
                ready.push(std::cmp::Reverse((nodes[child].time, nodes[child].id, child)));
            }
        }
    }
    let mut slots: Vec<Option<CommitNode>> = nodes.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// Each blob the commits brought, the first time it appears.
fn new_blobs(repo: &gix::Repository, commits: &[CommitNode], errors: &mut Vec<ScanError>) -> Vec<BlobOrigin> {
    let mut seen: HashSet<ObjectId> = HashSet::new();
    let mut blobs = Vec::new();
    let mut state = gix::diff::tree::State::default();
    let shallow = repo.shallow_commits().ok().flatten();
    let empty_tree = repo.empty_tree();
    for (position, commit) in commits.iter().enumerate() {
        let short = commit.id.to_hex_with_len(12).to_string();
        let tree = match tree_of(repo, commit.id) {
            Ok(tree) => tree,
            Err(error) => {
                errors.push(ScanError::new(format!("commit {short}"), None, error));
                continue;
            }
        };
        let parent_tree = match commit.parents.first() {
            None => empty_tree.clone(),
            Some(&parent) => match tree_of(repo, parent) {
                Ok(tree) => tree,
                Err(error) => {
                    let is_boundary = shallow.as_ref().is_some_and(|list| list.contains(&commit.id));
                    let message = if is_boundary {
                        "the repository is a shallow clone and this commit's parents are not in it: \
                         its whole tree was searched as if new, and older history was not searched \
                         ('git fetch --unshallow' to search it all)"
                            .to_string()
                    } else {
                        format!(
                            "its parent {} cannot be read ({error}); its whole tree was searched as if new",
                            parent.to_hex_with_len(12)
                        )
                    };
                    errors.push(ScanError::new(format!("commit {short}"), None, message));
                    empty_tree.clone()
                }
            },
        };
        let mut recorder = gix::diff::tree::Recorder::default();
        let diffed = gix::diff::tree(
            TreeRefIter::from_bytes(&parent_tree.data, parent_tree.id.kind()),
            TreeRefIter::from_bytes(&tree.data, tree.id.kind()),
            &mut state,
            &repo.objects,
            &mut recorder,
        );
        if let Err(error) = diffed {
            errors.push(ScanError::new(
                format!("commit {short}"),
                None,
                format!("cannot compare with its parent: {error}"),
            ));
            continue;
        }
        // A file moved unchanged brings nothing new, even when the commit
        // it moved from is outside the walk.
        let moved: HashSet<ObjectId> = recorder
            .records
            .iter()
            .filter_map(|change| match change {
                Change::Deletion { oid, .. } => Some(*oid),
                _ => None,
            })
            .collect();
        for change in recorder.records {
            let (mode, id, path) = match change {
                Change::Addition {
                    entry_mode, oid, path, ..
                } => (entry_mode, oid, path),
                Change::Modification {
                    entry_mode, oid, path, ..
                } => (entry_mode, oid, path),
                Change::Deletion { .. } => continue,
            };
            if mode.is_blob() && seen.insert(id) && !moved.contains(&id) {
                blobs.push(BlobOrigin {
                    id,
                    path: Arc::from(path.to_str_lossy().as_ref()),
                    commit: position,
                });
            }
        }
    }
    blobs
}

fn tree_of(repo: &gix::Repository, commit: ObjectId) -> Result<gix::Tree<'_>, String> {
    let commit = repo.find_commit(commit).map_err(|error| error.to_string())?;
    let tree_id = commit.tree_id().map_err(|error| error.to_string())?;
    repo.find_tree(tree_id).map_err(|error| error.to_string())
}

pub(crate) enum BlobResult {
    Searched { detected: Vec<Detected>, bytes: u64 },
    Skipped,
    Failed(ScanError),
}

pub(crate) fn search_blob(
    repo: &gix::Repository,
    detector: &Detector<'_>,
    id: ObjectId,
    path: &str,
    max_size: u64,
) -> BlobResult {
    let failed = |error: &dyn std::fmt::Display| {
        BlobResult::Failed(ScanError::new(
            path,
            None,
            format!("blob {} cannot be read: {error}", id.to_hex_with_len(12)),
        ))
    };
    // The header says the size without inflating the object.
    match repo.find_header(id) {
        Ok(header) if header.size() > max_size => return BlobResult::Skipped,
        Ok(_) => {}
        Err(error) => return failed(&error),
    }
    let object = match repo.find_object(id) {
        Ok(object) => object,
        Err(error) => return failed(&error),
    };
    match files::classify(object.detach().data, max_size) {
        Content::Text(bytes) => BlobResult::Searched {
            detected: detector.detect(path, &bytes),
            bytes: bytes.len() as u64,
        },
        Content::Binary | Content::TooLarge => BlobResult::Skipped,
    }
}

/// Whether an allowlist lets a finding go now that its commit is known.
/// The match and line are no longer at hand; the secret stands in for them.
fn commit_allowed(catalogue: &Catalogue, path: &str, found: &Detected, commit: &ObjectId) -> bool {
    let commit = commit.to_string();
    let subject = Subject {
        path,
        secret: &found.secret,
        matched: &found.secret,
        line: &found.secret,
        commit: Some(&commit),
    };
    catalogue.allowed(found.rule, &subject)
}

/// The commit as a finding names it; what cannot be decoded is left empty.
fn describe_commit(repo: &gix::Repository, id: ObjectId) -> CommitRef {
    let mut described = CommitRef {
        id: id.to_string(),
        author: String::new(),
        email: String::new(),
        date: String::new(),
        summary: String::new(),
    };
    let Ok(commit) = repo.find_commit(id) else {
        return described;
    };
    if let Ok(author) = commit.author() {
        let author = author.trim();
        described.author = author.name.to_str_lossy().into_owned();
        described.email = author.email.to_str_lossy().into_owned();
        if let Ok(time) = author.time() {
            described.date = time.format_or_unix(gix::date::time::format::ISO8601_STRICT);
        }
    }
    if let Ok(message) = commit.message() {
        described.summary = message.summary().to_str_lossy().into_owned();
    }
    described
}
