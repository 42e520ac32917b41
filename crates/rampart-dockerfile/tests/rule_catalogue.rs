//! The Dockerfile rules' promises: well-formed unique ids, every section
//! of their documentation, and the peer ids their waivers map.

use std::collections::HashSet;

use rampart_core::RuleMeta;
use rampart_dockerfile::rules;

#[test]
fn ids_are_unique_kebab_case_and_documented() {
    let mut seen = HashSet::new();
    for rule in rules::all() {
        let meta = &rule.meta;
        assert!(RuleMeta::id_is_well_formed(meta.id), "{} is not kebab-case", meta.id);
        assert!(meta.id.starts_with("dockerfile-"), "{}", meta.id);
        assert!(seen.insert(meta.id), "{} is registered twice", meta.id);
        assert!(rules::find(meta.id).is_some());
        for section in [
            "## What it checks",
            "## Why it matters",
            "## How to fix",
            "## Example",
            "## Fix safety",
        ] {
            assert!(rule.doc().contains(section), "{} lacks `{section}`", meta.id);
        }
        assert!(!meta.controls.is_empty() && meta.controls.contains(&rampart_core::Control::Build));
        assert!(meta.title.len() <= 60, "{} title is too long", meta.id);
        for reference in meta.references {
            assert!(
                ["hadolint", "Checkov", "Trivy"].contains(&reference.source),
                "{}: {}",
                meta.id,
                reference.source
            );
        }
    }
}
