//! Every rule of the built-in catalogue finds a format-valid fake credential
//! of its kind, at the right line and column, and stays quiet on a near
//! miss (one character short, or a placeholder).

mod common;

use common::{Random, expand, shortened};
use rampart_secrets::{Catalogue, Detector};

/// A small file with the example on line 3.
fn embed(example: &str) -> String {
    format!("# settings for the demo service\nname: demo\n{example}\nenabled: true\n")
}

#[test]
fn the_catalogue_covers_at_least_150_formats_with_unique_kebab_ids() {
    let catalogue = Catalogue::builtin();
    assert!(catalogue.rules.len() >= 150, "{} rules", catalogue.rules.len());
    for rule in &catalogue.rules {
        assert!(
            rampart_core::RuleMeta::id_is_well_formed(&rule.spec.id),
            "{}",
            rule.spec.id
        );
        assert!(!rule.spec.title.is_empty());
    }
}

#[test]
fn every_rule_finds_its_example_at_its_line_and_column() {
    let catalogue = Catalogue::builtin();
    let detector = Detector::new(catalogue);
    let mut failures = Vec::new();
    for (index, rule) in catalogue.rules.iter().enumerate() {
        if rule.regex.is_none() {
            continue;
        }
        let Some(template) = &rule.spec.example else {
            failures.push(format!("{}: no example", rule.spec.id));
            continue;
        };
        let mut random = Random::new(index as u64 + 1);
        let example = expand(template, &mut random);
        let text = embed(&example);
        let found = detector.detect("config/demo.conf", text.as_bytes());
        let Some(hit) = found.iter().find(|detected| detected.rule == index) else {
            let others: Vec<&str> = found
                .iter()
                .map(|detected| catalogue.rules[detected.rule].spec.id.as_str())
                .collect();
            failures.push(format!("{}: not found in {example:?} (found {others:?})", rule.spec.id));
            continue;
        };
        let secret = String::from_utf8(hit.secret.clone()).unwrap();
        let Some(at) = text.find(&secret) else {
            failures.push(format!("{}: secret {secret:?} is not in the text", rule.spec.id));
            continue;
        };
        let line = text[..at].matches('\n').count() + 1;
        let column = at - text[..at].rfind('\n').map_or(0, |newline| newline + 1) + 1;
        if (hit.line, hit.column) != (line, column) {
            failures.push(format!(
                "{}: reported at {}:{}, secret is at {line}:{column}",
                rule.spec.id, hit.line, hit.column
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rules failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn no_rule_fires_on_its_near_miss() {
    let catalogue = Catalogue::builtin();
    let detector = Detector::new(catalogue);
    let mut failures = Vec::new();
    for (index, rule) in catalogue.rules.iter().enumerate() {
        let Some(template) = &rule.spec.example else {
            continue;
        };
        let mut random = Random::new(index as u64 + 1);
        let near_miss = match &rule.spec.near_miss {
            Some(near_miss) => expand(near_miss, &mut random),
            None => shortened(template, &mut random),
        };
        let found = detector.detect("config/demo.conf", embed(&near_miss).as_bytes());
        if found.iter().any(|detected| detected.rule == index) {
            failures.push(format!("{}: fired on {near_miss:?}", rule.spec.id));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rules failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn path_rules_judge_the_file_name() {
    let catalogue = Catalogue::builtin();
    let detector = Detector::new(catalogue);
    let found = detector.detect("certs/client.p12", b"binary-ish");
    assert!(
        found
            .iter()
            .any(|detected| catalogue.rules[detected.rule].spec.id == "pkcs12-file" && detected.line == 1)
    );
    assert!(detector.detect("certs/client.pem.txt", b"nothing").is_empty());
}
