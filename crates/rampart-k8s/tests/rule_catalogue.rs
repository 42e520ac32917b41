//! The rule registry's promises: stable well-formed ids, complete
//! documentation, and `docs/rules/` generated from the source.

use std::collections::HashSet;
use std::path::PathBuf;

use rampart_core::RuleMeta;
use rampart_k8s::docs::{rule_markdown, rules_index};
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

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules")
}

#[test]
fn docs_rules_is_generated_from_the_source() {
    let dir = docs_dir();
    let bless = std::env::var_os("RAMPART_BLESS").is_some();
    let mut expected = vec![("README.md".to_string(), rules_index(rules::all()))];
    for rule in rules::all() {
        expected.push((format!("{}.md", rule.meta.id), rule_markdown(rule)));
    }
    if bless {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, content) in &expected {
            std::fs::write(dir.join(name), content).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, content) in &expected {
        let on_disk = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        if &on_disk != content {
            stale.push(name.clone());
        }
    }
    let names: HashSet<String> = expected.iter().map(|(n, _)| n.clone()).collect();
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !names.contains(n))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "docs/rules is out of date (stale: {stale:?}, extra: {extra:?}); run `RAMPART_BLESS=1 cargo test -p rampart-k8s --test rule_catalogue`"
    );
}
