//! Agreement with Checkov's labelled Terraform fixtures
//! (`../shared/corpus/terraform/checkov/labels.tsv`): for every Checkov
//! check one of our rules names in its references, our rule reports each
//! resource Checkov's tests expect to fail and none they expect to pass.
//! A "could not evaluate" (info) is not a report. Skipped, and said so,
//! when the corpus is absent.

use std::path::{Path, PathBuf};

use rampart_core::Severity;
use rampart_terraform::{TerraformConfig, check, rules};

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/terraform/checkov");
    dir.join("labels.tsv").exists().then_some(dir)
}

/// Where we disagree with a label on purpose: (check, resource, why).
const DISAGREEMENTS: &[(&str, &str, &str)] = &[
    (
        "CKV_GCP_60",
        "google_sql_database_instance.pass2",
        "no ip_configuration: the Google provider's default (ipv4_enabled = true) gives the instance a public IP; we report it (low), Checkov does not",
    ),
    (
        "CKV_GCP_60",
        "google_sql_database_instance.pass3",
        "the same provider default, with no settings beyond the tier",
    ),
    (
        "CKV_GCP_60",
        "google_sql_database_instance.pass4",
        "Checkov's check is for SQL Server only; a MySQL instance with the default public IP is as exposed",
    ),
];

fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "tf"))
        .collect();
    files.sort();
    files
}

#[test]
fn mapped_checks_agree_with_checkovs_labels() {
    let Some(dir) = corpus() else {
        eprintln!("skipped: ../shared/corpus/terraform/checkov is absent");
        return;
    };
    let labels = std::fs::read_to_string(dir.join("labels.tsv")).unwrap();
    let (mut compared, mut mapped_checks) = (0, 0);
    let mut disagreements = Vec::new();
    for line in labels.lines().skip(1) {
        let columns: Vec<&str> = line.split('\t').collect();
        let (check_id, example, passing, failing) = (columns[1], columns[3], columns[8], columns[9]);
        let mapped: Vec<&'static rampart_terraform::Rule> = rules::all()
            .iter()
            .copied()
            .filter(|rule| rule.peer_ids("Checkov").any(|id| id == check_id))
            .collect();
        if mapped.is_empty() {
            continue;
        }
        mapped_checks += 1;
        let checked = check(&tf_files(&dir.join(example)), &TerraformConfig::default(), &mapped);
        assert!(checked.errors.is_empty(), "{example}: {:?}", checked.errors);
        let reported = |resource: &str| {
            checked.findings.iter().any(|finding| {
                let name = &finding.resource.as_ref().unwrap().name;
                finding.severity > Severity::Info && (name == resource || name.starts_with(&format!("{resource}[")))
            })
        };
        for (resources, should_fire) in [(passing, false), (failing, true)] {
            for resource in resources.split(';').filter(|r| !r.is_empty()) {
                compared += 1;
                let fired = reported(resource);
                let deliberate = DISAGREEMENTS.iter().any(|(id, r, _)| *id == check_id && *r == resource);
                if (fired != should_fire) != deliberate {
                    disagreements.push(format!(
                        "{check_id} {example} {resource}: Checkov expects {}, ours {}",
                        if should_fire { "a failure" } else { "a pass" },
                        if fired { "reported it" } else { "stayed quiet" }
                    ));
                }
            }
        }
    }
    eprintln!("{mapped_checks} mapped checks, {compared} labelled resources compared");
    assert!(mapped_checks >= 6, "only {mapped_checks} mapped checks");
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
