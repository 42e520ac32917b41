//! Agreement with Checkov's labelled Dockerfile fixtures
//! (`../shared/corpus/dockerfiles/checkov/labels.tsv`): for every Checkov
//! check one of our rules names in its references, our rule fires on each
//! file Checkov's tests expect to fail and stays quiet on each they expect
//! to pass. Skipped (and said so) when the corpus is absent.

use std::path::{Path, PathBuf};

use rampart_dockerfile::{DockerfileConfig, check, rules};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/dockerfiles/checkov");
    dir.join("labels.tsv").exists().then_some(dir)
}

/// Checks of Checkov's no rule of ours maps, and why.
const NOT_MAPPED: &[(&str, &str)] = &[
    (
        "CKV_DOCKER_5",
        "`apt-get update` alone in a RUN is a cache-correctness matter, not security",
    ),
    (
        "CKV_DOCKER_6",
        "MAINTAINER is deprecated syntax, not a security control",
    ),
    ("CKV_DOCKER_9", "`apt` versus `apt-get` is style"),
    ("CKV_DOCKER_10", "a relative WORKDIR is style"),
    ("CKV_DOCKER_11", "duplicate stage names fail the build itself"),
];

/// Where we disagree with a label on purpose: (check, file), and why.
const DISAGREEMENTS: &[(&str, &str, &str)] = &[];

#[test]
fn mapped_checks_agree_with_checkovs_labels() {
    let Some(dir) = corpus() else {
        eprintln!("skipped: ../shared/corpus/dockerfiles/checkov is absent");
        return;
    };
    let labels = std::fs::read_to_string(dir.join("labels.tsv")).unwrap();
    let mut compared = 0;
    let mut disagreements = Vec::new();
    for line in labels.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (check_id, example, passing, failing) = (columns[1], columns[3], columns[8], columns[9]);
        let mapped: Vec<&str> = rules::all()
            .iter()
            .filter(|rule| rule.peer_ids("Checkov").any(|id| id == check_id))
            .map(|rule| rule.meta.id)
            .collect();
        if mapped.is_empty() {
            assert!(
                NOT_MAPPED.iter().any(|(id, _)| *id == check_id),
                "{check_id} is neither mapped nor listed as not mapped"
            );
            continue;
        }
        for (resources, should_fire) in [(passing, false), (failing, true)] {
            for resource in resources.split(';').filter(|r| !r.is_empty()) {
                // `/failure/Dockerfile.ADD`: the file, then the instruction.
                let file = resource.trim_start_matches('/');
                let file = file.rsplit_once('.').map_or(file, |(file, _)| file);
                let path = dir.join(example).join(file);
                let bytes = std::fs::read(&path).unwrap();
                let checked = check(
                    &path.display().to_string(),
                    &bytes,
                    &DockerfileConfig::default(),
                    rules::all(),
                );
                let fired = checked.findings.iter().any(|finding| mapped.contains(&&*finding.rule));
                compared += 1;
                let expected = DISAGREEMENTS
                    .iter()
                    .any(|(id, f, _)| *id == check_id && f == &format!("{example}/{file}"));
                if (fired != should_fire) != expected {
                    disagreements.push(format!(
                        "{check_id} {example}/{file}: Checkov expects {}, {mapped:?} {}",
                        if should_fire { "a failure" } else { "a pass" },
                        if fired { "fired" } else { "stayed quiet" }
                    ));
                }
            }
        }
    }
    assert!(compared >= 15, "only {compared} labelled files compared");
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
