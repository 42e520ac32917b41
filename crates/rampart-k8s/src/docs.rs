//! The reference page of a rule, as `rampart explain` prints it and as
//! `docs/rules/<id>.md` stores it. Both come from the rule's metadata and
//! the `//!` documentation of its file.

use std::fmt::Write as _;

use crate::rules::Rule;

/// The Markdown page of a rule.
pub fn rule_markdown(rule: &Rule) -> String {
    let meta = &rule.meta;
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
    page.push_str(rule.doc());
    page
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
