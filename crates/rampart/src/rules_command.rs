//! `rampart rules` and `rampart explain`.

use std::io::Write;

use owo_colors::OwoColorize;
use rampart_core::Outcome;
use rampart_k8s::docs::rule_markdown;
use rampart_k8s::rules;
use serde::Serialize;

use crate::{Format, output_failed};

#[derive(Serialize)]
struct RuleListing<'a> {
    id: &'a str,
    title: &'a str,
    severity: rampart_core::Severity,
    controls: &'a [rampart_core::Control],
    pss: Option<rampart_core::PssLevel>,
    references: &'a [rampart_core::Reference],
}

pub fn list(format: Format) -> Outcome {
    let mut out = anstream::stdout().lock();
    let result = match format {
        Format::Json => {
            let listing: Vec<RuleListing<'_>> = rules::all()
                .iter()
                .map(|rule| RuleListing {
                    id: rule.meta.id,
                    title: rule.meta.title,
                    severity: rule.meta.severity,
                    controls: rule.meta.controls,
                    pss: rule.meta.pss,
                    references: rule.meta.references,
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &listing)
                .map_err(std::io::Error::other)
                .and_then(|()| writeln!(out))
        }
        Format::Text => (|| {
            let width = rules::all().iter().map(|r| r.meta.id.len()).max().unwrap_or(0);
            for rule in rules::all() {
                let meta = &rule.meta;
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
            writeln!(out, "{} rules", rules::all().len())
        })(),
    };
    match result {
        Ok(()) => Outcome::Pass,
        Err(error) => output_failed(error),
    }
}

pub fn explain(id: &str) -> Outcome {
    let Some(rule) = rules::find(id) else {
        let known: Vec<&str> = rules::all().iter().map(|r| r.meta.id).collect();
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
    match write!(anstream::stdout().lock(), "{}", rule_markdown(rule)) {
        Ok(()) => Outcome::Pass,
        Err(error) => output_failed(error),
    }
}
