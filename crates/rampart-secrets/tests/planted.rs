//! Recall and precision on the planted corpus (`tests/planted/`): its
//! markers are expanded into fake credentials in a temporary copy, which is
//! scanned like any tree. A finding at a marker's line with one of its
//! rules is a hit; any other finding is a false alarm.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine;
use rampart_secrets::{Catalogue, ScanOptions, scan_paths};

use common::{Random, expand};

/// A planted credential: where it ends up and which rules may name it.
#[derive(Debug)]
struct Planted {
    path: String,
    line: usize,
    rules: Vec<String>,
}

/// Expands the markers of one file; returns the text and what was planted.
fn expand_markers(relative: &str, source: &str, random: &mut Random) -> (String, Vec<Planted>) {
    let mut out = String::new();
    let mut planted = Vec::new();
    let mut rest = source;
    while let Some(open) = rest.find('«') {
        out.push_str(&rest[..open]);
        let after = &rest[open + '«'.len_utf8()..];
        let close = after.find('»').unwrap_or_else(|| panic!("{relative}: unclosed marker"));
        let (rules, template) = after[..close]
            .split_once('|')
            .unwrap_or_else(|| panic!("{relative}: marker without '|'"));
        let (encoded, rules) = match rules.strip_prefix("b64:") {
            Some(rules) => (true, rules),
            None => (false, rules),
        };
        let value = expand(template, random);
        planted.push(Planted {
            path: relative.to_string(),
            line: out.matches('\n').count() + 1,
            rules: rules.split(',').map(str::to_string).collect(),
        });
        if encoded {
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(value));
        } else {
            out.push_str(&value);
        }
        rest = &after[close + '»'.len_utf8()..];
    }
    out.push_str(rest);
    (out, planted)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files.sort();
    files
}

#[test]
fn recall_and_precision_on_the_planted_corpus_are_at_least_95_percent() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/planted");
    let copy = tempfile::tempdir().unwrap();
    let mut random = Random::new(2026);
    let mut planted = Vec::new();
    let mut files = 0;
    for path in files_under(&source) {
        let relative = path.strip_prefix(&source).unwrap().to_string_lossy().replace('\\', "/");
        if relative == "README.md" {
            continue;
        }
        let (text, mut marks) = expand_markers(&relative, &std::fs::read_to_string(&path).unwrap(), &mut random);
        let target = copy.path().join(&relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, text).unwrap();
        planted.append(&mut marks);
        files += 1;
    }
    assert!(files >= 15, "{files} files");
    assert!(planted.len() >= 30, "{} planted", planted.len());

    let scan = scan_paths(
        &[copy.path().to_path_buf()],
        Catalogue::builtin(),
        &ScanOptions::default(),
    );
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    let prefix = format!("{}/", copy.path().display());
    let mut matched = vec![false; planted.len()];
    let mut false_alarms = Vec::new();
    for finding in &scan.findings {
        let path = finding
            .location
            .path
            .strip_prefix(&prefix)
            .unwrap_or(&finding.location.path);
        let hit = planted.iter().enumerate().position(|(index, mark)| {
            !matched[index]
                && mark.path == path
                && mark.line == finding.location.line
                && mark.rules.iter().any(|rule| *rule == finding.rule)
        });
        match hit {
            Some(index) => matched[index] = true,
            None => false_alarms.push(format!("{path}:{} {}", finding.location.line, finding.rule)),
        }
    }
    let missed: Vec<String> = planted
        .iter()
        .zip(&matched)
        .filter(|(_, found)| !**found)
        .map(|(mark, _)| format!("{}:{} {}", mark.path, mark.line, mark.rules.join("|")))
        .collect();
    let hits = matched.iter().filter(|found| **found).count();
    let recall = hits as f64 / planted.len() as f64;
    let precision = hits as f64 / (hits + false_alarms.len()).max(1) as f64;
    let mut by_file: BTreeMap<&str, usize> = BTreeMap::new();
    for mark in &planted {
        *by_file.entry(&mark.path).or_default() += 1;
    }
    eprintln!(
        "planted corpus: {files} files, {} credentials, {hits} found; recall {recall:.3}, precision {precision:.3}",
        planted.len()
    );
    eprintln!("missed: {missed:#?}\nfalse alarms: {false_alarms:#?}");
    assert!(recall >= 0.95, "recall {recall:.3}; missed {missed:#?}");
    assert!(
        precision >= 0.95,
        "precision {precision:.3}; false alarms {false_alarms:#?}"
    );
}
