use serde::Serialize;

use crate::{Control, Severity};

/// The Pod Security Standards profile a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PssLevel {
    Baseline,
    Restricted,
}

impl PssLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            PssLevel::Baseline => "baseline",
            PssLevel::Restricted => "restricted",
        }
    }
}

/// An external reference a rule implements: a benchmark item or guide section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Reference {
    /// Who publishes it: `PSS`, `CIS`, `NSA`, or a peer tool's check id.
    pub source: &'static str,
    pub id: &'static str,
}

/// What every rule declares about itself. `id` is stable forever: users type
/// it in ignores and exceptions.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    pub id: &'static str,
    pub title: &'static str,
    pub severity: Severity,
    pub controls: &'static [Control],
    pub pss: Option<PssLevel>,
    pub references: &'static [Reference],
    /// One sentence on how to fix it; every finding of the rule carries it.
    pub fix: &'static str,
}

/// How far a rule's automatic fix can be trusted, as ruff and zizmor split them: a safe fix
/// cannot change what the workload does; one that needs input waits for a value nobody can
/// guess (a user id, resource sizes, a probe path); an unsafe one can break the workload
/// and is applied only when asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FixSafety {
    Safe,
    NeedsInput,
    Unsafe,
}

impl FixSafety {
    pub fn as_str(self) -> &'static str {
        match self {
            FixSafety::Safe => "safe",
            FixSafety::NeedsInput => "needs input",
            FixSafety::Unsafe => "unsafe",
        }
    }
}

impl RuleMeta {
    /// A rule id is lowercase kebab-case: `[a-z0-9]+(-[a-z0-9]+)*`.
    pub fn id_is_well_formed(id: &str) -> bool {
        !id.is_empty()
            && id
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    }
}

/// The reference page of a rule, as `rampart explain` prints it and
/// `docs/rules/<id>.md` stores it: its metadata, then `doc` (the `//!`
/// documentation of the rule's file).
pub fn rule_page(meta: &RuleMeta, doc: &str) -> String {
    use std::fmt::Write as _;
    let mut page = String::new();
    let _ = writeln!(page, "# {}\n", meta.id);
    let _ = writeln!(page, "{}\n", meta.title);
    let _ = writeln!(page, "| | |\n|---|---|");
    let _ = writeln!(page, "| severity | {} |", meta.severity);
    let controls: Vec<&str> = meta.controls.iter().map(|c| c.id()).collect();
    let _ = writeln!(page, "| controls | {} |", controls.join(", "));
    if let Some(level) = meta.pss {
        let _ = writeln!(page, "| Pod Security Standards | {} |", level.as_str());
    }
    if !meta.references.is_empty() {
        let references: Vec<String> = meta
            .references
            .iter()
            .map(|r| format!("{} {}", r.source, r.id))
            .collect();
        let _ = writeln!(page, "| references | {} |", references.join(", "));
    }
    let _ = writeln!(page, "| fix | {} |", meta.fix);
    page.push('\n');
    page.push_str(doc);
    page
}

/// The `//!` documentation at the top of a rule's source file, without
/// the comment markers.
/// [`module_doc`] of a rule's source, worked out once per rule id and kept for the run
/// (every engine's `Rule::doc`).
pub fn rule_doc(id: &'static str, source: &'static str) -> &'static str {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock, PoisonError};
    static DOCS: OnceLock<Mutex<HashMap<&'static str, &'static str>>> = OnceLock::new();
    let mut docs = DOCS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    // One string per rule, alive as long as the rule table: leaking it is the cache.
    docs.entry(id)
        .or_insert_with(|| Box::leak(module_doc(source).into_boxed_str()))
}

pub fn module_doc(source: &str) -> String {
    let lines: Vec<&str> = source
        .lines()
        .take_while(|line| line.starts_with("//!"))
        .map(|line| {
            line.strip_prefix("//! ")
                .or_else(|| line.strip_prefix("//!"))
                .unwrap_or("")
        })
        .collect();
    lines.join("\n").trim().to_string() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kebab_case_ids_are_accepted_and_others_rejected() {
        assert!(RuleMeta::id_is_well_formed("run-as-non-root"));
        assert!(RuleMeta::id_is_well_formed("no-host-pid"));
        assert!(!RuleMeta::id_is_well_formed("Run-as-non-root"));
        assert!(!RuleMeta::id_is_well_formed("run_as_non_root"));
        assert!(!RuleMeta::id_is_well_formed("run--as"));
        assert!(!RuleMeta::id_is_well_formed("-run"));
        assert!(!RuleMeta::id_is_well_formed(""));
    }
}
