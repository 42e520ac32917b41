//! gitleaks' labelled test data (`../shared/corpus/gitleaks/labels.tsv`):
//! every expectation about a plain file that we share is asserted; the
//! rest (git history, archives and compressed files, `.gitleaksignore`)
//! is counted and printed, because this engine does not read those yet.

use std::path::{Path, PathBuf};

use rampart_secrets::{Catalogue, Detector};

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/gitleaks");
    path.is_dir().then_some(path)
}

/// gitleaks rule ids and ours for the same formats.
fn our_rules(gitleaks_rule: &str) -> &'static [&'static str] {
    match gitleaks_rule {
        "aws-access-key" | "aws-access-token" => &["aws-access-key-id"],
        "generic-api-key" => &["generic-password", "generic-secret"],
        "apkey" | "private-key" => &["private-key"],
        _ => &[],
    }
}

#[test]
fn shared_expectations_on_plain_files_hold() {
    let Some(root) = corpus() else {
        println!("skipped: ../shared/corpus/gitleaks is absent");
        return;
    };
    let labels = std::fs::read_to_string(root.join("labels.tsv")).unwrap();
    let catalogue = Catalogue::builtin();
    let detector = Detector::new(catalogue);
    let (mut asserted, mut not_shared) = (0, Vec::new());
    for row in labels.lines().skip(1) {
        let fields: Vec<&str> = row.split('\t').collect();
        let (test, file, rule, line, commit) = (fields[0], fields[3], fields[4], fields[5], fields.get(7).copied());
        let path = root.join("testdata").join(file);
        let plain = !file.contains('!')
            && commit.is_none_or(str::is_empty)
            && test != "TestFromGitStaged"
            && !our_rules(rule).is_empty()
            && ![".gz", ".xz", ".zst"].iter().any(|suffix| file.ends_with(suffix))
            && path.is_file();
        if !plain {
            not_shared.push(format!("{test} {file} {rule}"));
            continue;
        }
        let text = std::fs::read(&path).unwrap();
        let found = detector.detect(file, &text);
        let line: usize = line.parse().unwrap();
        assert!(
            found.iter().any(|detected| detected.line == line
                && our_rules(rule).contains(&catalogue.rules[detected.rule].spec.id.as_str())),
            "{file}:{line}: expected {rule}, found {:?}",
            found
                .iter()
                .map(|detected| (catalogue.rules[detected.rule].spec.id.as_str(), detected.line))
                .collect::<Vec<_>>()
        );
        asserted += 1;
    }
    println!(
        "gitleaks corpus: {asserted} expectations asserted; {} not shared yet (history, archives, compressed files, .gitleaksignore): {not_shared:#?}",
        not_shared.len()
    );
    assert!(asserted >= 5, "only {asserted} expectations asserted");
}
