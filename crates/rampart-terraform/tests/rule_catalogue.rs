//! The Terraform rules' promises: well-formed unique ids, every section of
//! their documentation, resource types to judge, and peer ids from the
//! tools their waivers map.

use std::collections::HashSet;

use rampart_core::{Control, RuleMeta};
use rampart_terraform::rules;

#[test]
fn ids_are_unique_kebab_case_documented_and_classified() {
    let mut seen = HashSet::new();
    for rule in rules::all() {
        let meta = &rule.meta;
        assert!(RuleMeta::id_is_well_formed(meta.id), "{} is not kebab-case", meta.id);
        assert!(
            ["aws-", "gcp-", "azure-"]
                .iter()
                .any(|cloud| meta.id.starts_with(cloud)),
            "{} names no cloud",
            meta.id
        );
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
        assert!(meta.controls.contains(&Control::Iac), "{} does not prove iac", meta.id);
        assert!(!rule.kinds.is_empty(), "{} judges no resource type", meta.id);
        assert!(meta.title.len() <= 60, "{} title is too long", meta.id);
        for reference in meta.references {
            assert!(["Checkov", "Trivy", "tfsec"].contains(&reference.source), "{}", meta.id);
        }
    }
}
