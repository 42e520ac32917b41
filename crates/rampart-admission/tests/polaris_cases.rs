//! Polaris's admission-webhook cases (`../shared/corpus/polaris/test/
//! webhook_cases/`): its e2e test admits every `passing_test.*` and
//! rejects every `failing_test.*`. In enforce mode (fail-on high) ours
//! must do the same, except where we disagree on purpose, named below.
//! Skipped, and said so, when the corpus is absent.

use std::path::{Path, PathBuf};

use rampart_admission::review::decode;
use rampart_admission::{Mode, Settings, decide};
use rampart_core::Config;
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_scan::{Flags, Pipeline, SecretsMode};
use serde_json::json;

/// (file, why we deny what Polaris admits).
const DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "passing_test.daemonset.yaml",
        "it mounts hostPath volumes: a Pod Security baseline violation we deny (no-host-path); Polaris's default only warns",
    ),
    ("passing_test.daemonset.v1beta2.yaml", "the same hostPath volumes"),
];

fn cases() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/polaris/test/webhook_cases");
    dir.exists().then_some(dir)
}

#[test]
fn polaris_webhook_cases_are_admitted_or_denied_as_its_e2e_test_expects() {
    let Some(dir) = cases() else {
        eprintln!("skipped: ../shared/corpus/polaris/test/webhook_cases is absent");
        return;
    };
    let flags = Flags {
        object_rules_only: true,
        allow_empty: true,
        secrets: SecretsMode::TurnedOff,
        ..Flags::default()
    };
    let pipeline = Pipeline::prepare(Config::default(), flags).unwrap().0;
    let settings = Settings {
        mode: Mode::Enforce,
        ..Settings::default()
    };
    let mut judged = 0;
    let mut wrong = Vec::new();
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    names.sort();
    for path in names {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let expect_admitted = if name.starts_with("passing_test") {
            true
        } else if name.starts_with("failing_test") {
            false
        } else {
            continue;
        };
        let loaded = load_bytes(&name, &std::fs::read(&path).unwrap(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{name}: {:?}", loaded.errors);
        // `kubectl apply` of the file fails when any of its objects is denied.
        let mut admitted = true;
        let mut messages = Vec::new();
        for object in &loaded.objects {
            let body = json!({
                "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                "request": {"uid": name, "kind": {"group": "", "version": "v1", "kind": object.kind},
                    "namespace": "polaris-test", "operation": "CREATE", "object": object.root.to_json()}
            });
            let request = decode(&serde_json::to_vec(&body).unwrap()).unwrap();
            let decision = decide(&pipeline, &settings, &request);
            admitted &= decision.allowed;
            messages.extend(decision.message);
        }
        judged += 1;
        let deliberate = DISAGREEMENTS.iter().any(|(file, _)| *file == name);
        if (admitted != expect_admitted) != deliberate {
            wrong.push(format!(
                "{name}: Polaris expects {}, ours {} ({messages:?})",
                if expect_admitted { "admitted" } else { "denied" },
                if admitted { "admitted" } else { "denied" },
            ));
        }
    }
    assert!(judged >= 25, "only {judged} cases judged");
    assert!(wrong.is_empty(), "{wrong:#?}");
}
