//! Property tests over the AdmissionReview decoder and the decision (CI's
//! stand-in for `fuzz/fuzz_targets/admission_review.rs`): arbitrary bytes
//! and review-shaped JSON never panic, and every decision about a judged
//! object is an answer the API server can take.

use proptest::prelude::*;
use rampart_admission::review::decode;
use rampart_admission::{Mode, Settings, decide};
use rampart_core::Config;
use rampart_scan::{Flags, Pipeline, SecretsMode};
use serde_json::json;

fn pipeline() -> Pipeline {
    let flags = Flags {
        object_rules_only: true,
        allow_empty: true,
        secrets: SecretsMode::TurnedOff,
        ..Flags::default()
    };
    Pipeline::prepare(Config::default(), flags).unwrap().0
}

const KINDS: &[&str] = &[
    "Pod",
    "Deployment",
    "CronJob",
    "Role",
    "ClusterRoleBinding",
    "Service",
    "Secret",
    "Weird",
];
const OPERATIONS: &[&str] = &["CREATE", "UPDATE", "DELETE", "CONNECT", "PATCH"];

fn value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        "[a-zA-Z:/0-9.*-]{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map(
                prop_oneof![
                    Just("spec".to_string()),
                    Just("containers".to_string()),
                    Just("securityContext".to_string()),
                    Just("privileged".to_string()),
                    Just("image".to_string()),
                    Just("template".to_string()),
                    Just("metadata".to_string()),
                    Just("annotations".to_string()),
                    Just("rules".to_string()),
                    "[a-z]{1,8}",
                ],
                inner,
                0..5
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode(&data);
    }

    #[test]
    fn review_shaped_requests_get_an_answer(
        kind in 0..KINDS.len(),
        operation in 0..OPERATIONS.len(),
        object in value(),
        old in proptest::option::of(value()),
        mode in 0..3usize,
    ) {
        let pipeline = pipeline();
        let mut request = json!({
            "uid": "u", "kind": {"group": "", "version": "v1", "kind": KINDS[kind]},
            "namespace": "shop", "operation": OPERATIONS[operation],
            "object": {"apiVersion": "v1", "kind": KINDS[kind], "metadata": {"name": "x"}, "spec": object},
        });
        if let Some(old) = old {
            request["oldObject"] = old;
        }
        let body = serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request})).unwrap();
        let request = decode(&body).unwrap();
        let settings = Settings { mode: [Mode::Audit, Mode::Warn, Mode::Enforce][mode], ..Settings::default() };
        let decision = decide(&pipeline, &settings, &request);
        prop_assert!(decision.warnings.iter().all(|warning| warning.chars().count() <= 120));
        prop_assert!(decision.allowed || decision.message.is_some());
    }
}
