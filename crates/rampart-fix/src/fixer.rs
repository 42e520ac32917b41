//! `rampart fix`: the findings of a scan that a rule can fix, written into their files one at
//! a time. Each fix is proposed by its rule (`rampart_k8s::fixes`), turned into a byte edit
//! of the current text ([`crate::set_value`]), and kept only if the file still parses and a
//! re-scan of it shows that finding gone and nothing new; otherwise it is reverted and left
//! with the reason. Unsafe fixes wait for `--unsafe`; fixes that need input are listed, never
//! guessed.

use std::collections::BTreeSet;
use std::path::{Path as FilePath, PathBuf};

use rampart_core::{Finding, FixSafety};
use rampart_k8s::fixes::{Action, fix_for, propose};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_scan::Pipeline;

use crate::edit::{Path, apply, remove_key, set_value};
use crate::source::{Shape, SourceNode, documents};

#[derive(Debug, Clone, Default)]
pub struct FixOptions {
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// Only these rules' fixes (all when empty).
    pub rules: Vec<String>,
    /// Images resolved at the registry (`--pin-digests`): as written → `name:tag@digest`.
    pub pins: std::collections::HashMap<String, String>,
    /// What the scan says beyond each pod (the service accounts bindings name).
    pub context: rampart_k8s::fixes::FixContext,
}

/// One finding a fix was written for, or left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub rule: String,
    /// `Deployment/shop/web`.
    pub resource: String,
    pub field: String,
    /// Where the finding was, in the file as it was read.
    pub line: usize,
    pub safety: FixSafety,
    /// What was (or would be) written ([`REMOVED`] for a removal); empty when nothing can be.
    pub value: String,
}

/// The value of a [`Change`] that removes its field.
pub const REMOVED: &str = "(removed)";

/// A finding whose fix was not written, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    pub change: Change,
    pub why: String,
}

/// What fixing one file came to.
#[derive(Debug, Clone)]
pub struct FileFix {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
    pub applied: Vec<Change>,
    pub left: Vec<Left>,
}

impl FileFix {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }

    /// The unified diff from the file as read to the file fixed.
    pub fn diff(&self) -> String {
        let name = self.path.display().to_string();
        similar::TextDiff::from_lines(&self.before, &self.after)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string()
    }
}

type Key = (String, String, String);

fn key_of(finding: &Finding) -> Key {
    (
        finding.rule.to_string(),
        finding
            .resource
            .as_ref()
            .map(|resource| resource.display_name())
            .unwrap_or_default(),
        finding.field.clone(),
    )
}

/// The unsuppressed findings of a scan of `text` alone.
fn findings_of(pipeline: &Pipeline, name: &str, text: &str) -> BTreeSet<Key> {
    pipeline
        .scan_object(name, text.as_bytes())
        .report
        .findings
        .iter()
        .filter(|finding| !finding.suppressed)
        .map(key_of)
        .collect()
}

/// The byte offset of 1-based `line` and `column` in `text`.
fn offset_of(text: &str, line: u32, column: u32) -> usize {
    let start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>();
    let chars = text[start..]
        .char_indices()
        .nth(column.saturating_sub(1) as usize)
        .map_or(0, |(byte, _)| byte);
    start + chars
}

/// The node the object at `offset` is rooted at: its document, or the `items` entry of a
/// `List` document that holds it.
fn object_node(documents: &[Option<SourceNode>], offset: usize) -> Option<&SourceNode> {
    let document = documents
        .iter()
        .flatten()
        .find(|document| document.start <= offset && offset <= document.end)?;
    if let Shape::Map(entries) = &document.shape
        && let Some(items) = entries.iter().find(|entry| entry.key == "items")
        && let Shape::Seq(items) = &items.value.shape
        && let Some(item) = items.iter().find(|item| item.start <= offset && offset <= item.end)
    {
        return Some(item);
    }
    Some(document)
}

/// For an unpinned image (or one with a placeholder digest) resolved: `name:tag@digest`.
fn pinned_image(
    object: &rampart_k8s::object::Object,
    kinds: &rampart_k8s::workload::WorkloadKinds,
    finding: &Finding,
    pins: &std::collections::HashMap<String, String>,
) -> Option<String> {
    if finding.rule != "image-digest-pinned" || pins.is_empty() {
        return None;
    }
    let pod = kinds.pod_of(object)?;
    let container = pod
        .containers()
        .iter()
        .find(|container| Some(container.name.as_str()) == finding.container.as_deref())?;
    let image = container.image()?.node.as_str()?;
    pins.get(image).cloned()
}

/// Fixes what `findings` (a scan's) allow, file by file; nothing is written here.
pub fn fix(pipeline: &Pipeline, findings: &[Finding], options: &FixOptions) -> Vec<FileFix> {
    let mut by_file: Vec<(String, Vec<&Finding>)> = Vec::new();
    for finding in findings.iter().filter(|finding| selected(finding, options)) {
        let path = finding.location.path.to_string();
        match by_file.iter_mut().find(|(file, _)| *file == path) {
            Some((_, list)) => list.push(finding),
            None => by_file.push((path, vec![finding])),
        }
    }
    by_file
        .into_iter()
        .map(|(path, findings)| fix_file(pipeline, FilePath::new(&path), &findings, options))
        .collect()
}

/// Whether `finding` is one to fix: open, its rule has a fix, and it is among the rules asked for.
fn selected(finding: &Finding, options: &FixOptions) -> bool {
    !finding.suppressed
        && fix_for(&finding.rule).is_some()
        && (options.rules.is_empty() || options.rules.iter().any(|rule| *rule == *finding.rule))
}

/// Fixes `text` in memory (rendered input read from `name`, standard input included, shown
/// as a diff for review); `findings` are a scan's of it. Nothing is written.
pub fn fix_text(pipeline: &Pipeline, name: &str, text: &str, findings: &[Finding], options: &FixOptions) -> FileFix {
    let findings: Vec<&Finding> = findings.iter().filter(|finding| selected(finding, options)).collect();
    fix_source(pipeline, PathBuf::from(name), text.to_string(), &findings, options)
}

fn fix_file(pipeline: &Pipeline, path: &FilePath, findings: &[&Finding], options: &FixOptions) -> FileFix {
    let name = path.display().to_string();
    let before = std::fs::read_to_string(path).unwrap_or_default();
    if before.is_empty() || name == "-" || name.starts_with('<') {
        let left = findings
            .iter()
            .map(|finding| Left {
                change: change_of(
                    finding,
                    fix_for(&finding.rule).map_or(FixSafety::NeedsInput, |fix| fix.safety),
                    "",
                ),
                why: "not a file that can be rewritten in place (rendered or standard input)".to_string(),
            })
            .collect();
        return FileFix {
            path: path.to_path_buf(),
            before: before.clone(),
            after: before,
            applied: Vec::new(),
            left,
        };
    }
    fix_source(pipeline, path.to_path_buf(), before, findings, options)
}

fn fix_source(
    pipeline: &Pipeline,
    path: PathBuf,
    before: String,
    findings: &[&Finding],
    options: &FixOptions,
) -> FileFix {
    let name = path.display().to_string();
    let mut fixed = FileFix {
        path,
        before: before.clone(),
        after: before,
        applied: Vec::new(),
        left: Vec::new(),
    };
    let mut present = findings_of(pipeline, &name, &fixed.after);
    // One fix can make another possible (`privileged: false` lets `allowPrivilegeEscalation:
    // false` in), so what is left is tried again until a pass writes nothing.
    let mut pending: Vec<&Finding> = findings.to_vec();
    loop {
        let applied_before = fixed.applied.len();
        fixed.left.clear();
        fix_pass(pipeline, &name, &pending, options, &mut fixed, &mut present);
        if fixed.applied.len() == applied_before || fixed.left.is_empty() {
            return fixed;
        }
        let applied: BTreeSet<(&str, &str, &str)> = fixed
            .applied
            .iter()
            .map(|change| (change.rule.as_str(), change.resource.as_str(), change.field.as_str()))
            .collect();
        pending.retain(|finding| {
            let key = key_of(finding);
            !applied.contains(&(key.0.as_str(), key.1.as_str(), key.2.as_str()))
        });
    }
}

fn change_of(finding: &Finding, safety: FixSafety, value: &str) -> Change {
    Change {
        rule: finding.rule.to_string(),
        resource: finding
            .resource
            .as_ref()
            .map(|resource| resource.display_name())
            .unwrap_or_default(),
        field: finding.field.clone(),
        line: finding.location.line,
        safety,
        value: value.to_string(),
    }
}

/// One pass over `findings`, each fix applied to `fixed.after` or left with the reason.
fn fix_pass(
    pipeline: &Pipeline,
    name: &str,
    findings: &[&Finding],
    options: &FixOptions,
    fixed: &mut FileFix,
    present: &mut BTreeSet<Key>,
) {
    let load_options = LoadOptions::default();
    let kinds = &pipeline.kubernetes().workload_kinds;
    for finding in findings {
        let fix = fix_for(&finding.rule).expect("filtered on having a fix");
        let mut leave = |change: Change, why: String| fixed.left.push(Left { change, why });
        let loaded = load_bytes(name, fixed.after.as_bytes(), &load_options);
        let Some(object) = loaded
            .objects
            .iter()
            .find(|object| Some(&object.resource) == finding.resource.as_ref())
        else {
            leave(
                change_of(finding, fix.safety, ""),
                "its object is not in the file as it now reads".to_string(),
            );
            continue;
        };
        let mut proposal = propose(
            fix,
            object,
            kinds,
            finding.container.as_deref(),
            &finding.field,
            &options.context,
        );
        if let Some(pinned) = pinned_image(object, kinds, finding, &options.pins) {
            proposal = rampart_k8s::fixes::Proposal::set(FixSafety::Safe, &pinned);
        }
        let value = match &proposal.action {
            Action::Manual(why) => {
                leave(change_of(finding, proposal.safety, ""), why.clone());
                continue;
            }
            Action::Set(value) => Some(value.clone()),
            Action::Remove => None,
        };
        let change = change_of(finding, proposal.safety, value.as_deref().unwrap_or(REMOVED));
        if proposal.safety == FixSafety::Unsafe && !options.unsafe_fixes {
            leave(
                change,
                "it can change what the workload does (--unsafe applies it)".to_string(),
            );
            continue;
        }
        let edited = documents(&fixed.after).and_then(|parsed| {
            let offset = offset_of(&fixed.after, object.root.pos.line, object.root.pos.column);
            let node = object_node(&parsed, offset).ok_or("the object's document was not found")?;
            let field = Path::parse(&finding.field).ok_or("the field is not a path")?;
            let edit = match &value {
                Some(value) => set_value(&fixed.after, node, &field, value)?,
                None => remove_key(&fixed.after, node, &field)?,
            };
            apply(&fixed.after, &[edit])
        });
        let text = match edited {
            Ok(text) => text,
            Err(why) => {
                leave(change, format!("not written: {why}"));
                continue;
            }
        };
        if let Err(why) = documents(&text) {
            leave(change, format!("not written: the result would not parse ({why})"));
            continue;
        }
        let after = findings_of(pipeline, name, &text);
        let key = key_of(finding);
        if after.contains(&key) {
            leave(change, "not written: the finding would remain".to_string());
            continue;
        }
        if let Some(new) = after.difference(present).next() {
            leave(change, format!("not written: it would add {} at {}", new.0, new.2));
            continue;
        }
        fixed.after = text;
        *present = after;
        fixed.applied.push(change);
    }
}

/// Writes the fixed text over the file (a sibling written first, then renamed over it, with
/// the file's permissions).
pub fn write(fixed: &FileFix) -> std::io::Result<()> {
    let directory = fixed.path.parent().filter(|parent| !parent.as_os_str().is_empty());
    let directory = directory.unwrap_or(FilePath::new("."));
    let file_name = fixed
        .path
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_default();
    let temporary = directory.join(format!(".{file_name}.rampart-fix"));
    std::fs::write(&temporary, &fixed.after)?;
    if let Ok(metadata) = std::fs::metadata(&fixed.path) {
        std::fs::set_permissions(&temporary, metadata.permissions())?;
    }
    std::fs::rename(&temporary, &fixed.path)
}
