//! `rampart rules` and `rampart explain`.

use std::io::Write;

use owo_colors::OwoColorize;
use rampart_core::{Outcome, RuleMeta, exceptions};
use rampart_scan::catalogue::{documented_rules, rule_page_of};
use serde::Serialize;

use crate::{Format, output_failed};

#[derive(Serialize)]
struct RuleListing<'a> {
    id: &'a str,
    engine: &'a str,
    title: &'a str,
    severity: rampart_core::Severity,
    controls: &'a [rampart_core::Control],
    pss: Option<rampart_core::PssLevel>,
    references: &'a [rampart_core::Reference],
}

/// Every rule with metadata and its engine: the manifest rules, the
/// Dockerfile rules, then the exceptions process's own.
fn all_metas() -> Vec<(&'static str, &'static RuleMeta)> {
    documented_rules()
        .into_iter()
        .map(|(engine, meta, _)| (engine, meta))
        .chain(
            exceptions::RULES
                .iter()
                .map(|meta| (rampart_scan::catalogue::EXCEPTIONS_ENGINE, *meta)),
        )
        .collect()
}

pub fn list(format: Format) -> Outcome {
    let mut out = anstream::stdout().lock();
    let metas = all_metas();
    let result = match format {
        Format::Json => {
            let listing: Vec<RuleListing<'_>> = metas
                .iter()
                .map(|(engine, meta)| RuleListing {
                    id: meta.id,
                    engine,
                    title: meta.title,
                    severity: meta.severity,
                    controls: meta.controls,
                    pss: meta.pss,
                    references: meta.references,
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &listing)
                .map_err(crate::json_write_error)
                .and_then(|()| writeln!(out))
        }
        Format::Text => (|| {
            let width = metas.iter().map(|(_, meta)| meta.id.len()).max().unwrap_or(0);
            for (_, meta) in &metas {
                let controls: Vec<&str> = meta.controls.iter().map(|c| c.id()).collect();
                let pss = meta.pss.map(|l| format!(" [PSS {}]", l.as_str())).unwrap_or_default();
                writeln!(
                    out,
                    "{:<width$} {:<9} {:<20} {}{}",
                    meta.id.bold(),
                    meta.severity.to_string(),
                    controls.join(","),
                    meta.title,
                    pss.dimmed()
                )?;
            }
            writeln!(
                out,
                "{} rules (and the secrets engine's, `rampart secrets`)",
                metas.len()
            )
        })(),
    };
    match result {
        Ok(()) => Outcome::Pass,
        Err(error) => output_failed(error),
    }
}

pub fn explain(id: &str) -> Outcome {
    let Some(page) = rule_page_of(id) else {
        let known: Vec<&str> = all_metas().iter().map(|(_, meta)| meta.id).collect();
        let close: Vec<&str> = known
            .iter()
            .copied()
            .filter(|k| k.contains(id) || id.contains(k))
            .collect();
        eprintln!("rampart: no rule `{id}`; `rampart rules` lists them all");
        if !close.is_empty() {
            eprintln!("did you mean: {}", close.join(", "));
        }
        return Outcome::Error;
    };
    match write!(anstream::stdout().lock(), "{page}") {
        Ok(()) => Outcome::Pass,
        Err(error) => output_failed(error),
    }
}
