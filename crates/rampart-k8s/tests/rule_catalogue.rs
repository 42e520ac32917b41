//! The rule registry's promises: stable well-formed ids, complete
//! documentation (`docs/rules/` is generated from it by rampart-scan's
//! tests).

use std::collections::HashSet;

use rampart_core::RuleMeta;
use rampart_k8s::rules;

#[test]
fn ids_are_unique_kebab_case_and_match_their_file() {
    let mut seen = HashSet::new();
    for rule in rules::all() {
        let id = rule.meta.id;
        assert!(RuleMeta::id_is_well_formed(id), "{id} is not kebab-case");
        assert!(seen.insert(id), "{id} is registered twice");
        assert!(
            !rule.doc().is_empty(),
            "{id} has no file named {}.rs with a //! comment",
            id.replace('-', "_")
        );
        assert!(rules::find(id).is_some());
    }
    assert!(rules::find("no-such-rule").is_none());
}

#[test]
fn every_rule_is_documented_and_classified() {
    for rule in rules::all() {
        let meta = &rule.meta;
        for section in ["## What it checks", "## Why it matters", "## How to fix", "## Example"] {
            assert!(rule.doc().contains(section), "{} lacks `{section}`", meta.id);
        }
        assert!(!meta.controls.is_empty(), "{} proves no control", meta.id);
        assert!(!meta.title.is_empty() && !meta.fix.is_empty(), "{}", meta.id);
        assert!(
            meta.title.len() <= 60,
            "{} title is too long for `rampart rules`",
            meta.id
        );
    }
}

#[test]
fn the_pod_security_standards_are_covered_field_by_field() {
    // Each PSA check of the reference implementation maps to at least one rule.
    let psa_checks = [
        "windowsHostProcess",
        "hostNamespaces",
        "privileged",
        "capabilities_baseline",
        "hostPathVolumes",
        "hostPorts",
        "hostProbesAndHostLifecycle",
        "appArmorProfile",
        "seLinuxOptions",
        "procMount",
        "seccompProfile_baseline",
        "sysctls",
        "restrictedVolumes",
        "allowPrivilegeEscalation",
        "runAsNonRoot",
        "runAsUser",
        "seccompProfile_restricted",
        "capabilities_restricted",
        "procMount_restricted",
    ];
    for check in psa_checks {
        let covered = rules::all().iter().any(|r| {
            r.meta
                .references
                .iter()
                .any(|reference| reference.source == "PSS" && reference.id == check)
        });
        assert!(covered, "no rule implements PSS check {check}");
    }
}
