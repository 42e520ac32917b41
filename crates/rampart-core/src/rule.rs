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

impl RuleMeta {
    /// A rule id is lowercase kebab-case: `[a-z0-9]+(-[a-z0-9]+)*`.
    pub fn id_is_well_formed(id: &str) -> bool {
        !id.is_empty()
            && id
                .split('-')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    }
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
