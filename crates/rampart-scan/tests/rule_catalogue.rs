//! Every engine's rules together: ids unique across engines, and
//! `docs/rules/` generated from the rules' source.

use std::collections::HashSet;
use std::path::PathBuf;

use rampart_scan::catalogue::{docs_pages, documented_rules, known_rule};

#[test]
fn rule_ids_are_unique_across_engines() {
    let mut seen = HashSet::new();
    for (engine, meta, _) in documented_rules() {
        assert!(seen.insert(meta.id), "{} ({engine}) is registered twice", meta.id);
        assert!(known_rule(meta.id));
    }
    for meta in rampart_core::exceptions::RULES {
        assert!(seen.insert(meta.id), "{} is registered twice", meta.id);
    }
}

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules")
}

#[test]
fn docs_rules_is_generated_from_the_source() {
    let dir = docs_dir();
    let expected = docs_pages();
    if std::env::var_os("RAMPART_BLESS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            std::fs::remove_file(entry.unwrap().path()).unwrap();
        }
        for (name, content) in &expected {
            std::fs::write(dir.join(name), content).unwrap();
        }
    }
    let stale: Vec<&String> = expected
        .iter()
        .filter(|(name, content)| std::fs::read_to_string(dir.join(name)).unwrap_or_default() != *content)
        .map(|(name, _)| name)
        .collect();
    let names: HashSet<&String> = expected.iter().map(|(name, _)| name).collect();
    let extra: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .filter(|name| !names.contains(name))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "docs/rules is out of date (stale: {stale:?}, extra: {extra:?}); run `RAMPART_BLESS=1 cargo test -p rampart-scan --test rule_catalogue`"
    );
}
