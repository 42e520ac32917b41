//! The reference page of a rule, as `rampart explain` prints it and as
//! `docs/rules/<id>.md` stores it. Both come from the rule's metadata and
//! the `//!` documentation of its file.

use std::fmt::Write as _;

use crate::rules::Rule;

/// The Markdown page of a rule.
pub fn rule_markdown(rule: &Rule) -> String {
    rampart_core::rule_page(&rule.meta, rule.doc())
}

/// The index page of `docs/rules/`.
pub fn rules_index(rules: &[&Rule]) -> String {
    let mut page = String::from(
        "# Manifest rules\n\nGenerated from the rules' source by `cargo test` (set `RAMPART_BLESS=1` to rewrite); do not edit by hand.\n\n| id | severity | controls | PSS | title |\n|---|---|---|---|---|\n",
    );
    for rule in rules {
        let meta = &rule.meta;
        let controls: Vec<&str> = meta.controls.iter().map(|c| c.id()).collect();
        let _ = writeln!(
            page,
            "| [{id}]({id}.md) | {} | {} | {} | {} |",
            meta.severity,
            controls.join(", "),
            meta.pss.map(|l| l.as_str()).unwrap_or(""),
            meta.title,
            id = meta.id,
        );
    }
    page
}
