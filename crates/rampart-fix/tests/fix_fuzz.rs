//! Property test for `rampart fix`: generated manifests (block and flow styles, empty and
//! missing security contexts, host ports, probe hosts, host namespaces, comments, CRLF,
//! several documents, anchors) fixed with every fix, unsafe included, needed values given: the result always parses, each applied fix removed its finding, no
//! finding appears that was not there, and a file with nothing applied is unchanged.

use std::collections::BTreeSet;

use proptest::prelude::*;
use rampart_core::Config;
use rampart_scan::{Flags, Pipeline, Quiet, SecretsMode};

fn pipeline() -> Pipeline {
    let flags = Flags {
        secrets: SecretsMode::TurnedOff,
        allow_empty: true,
        ..Flags::default()
    };
    Pipeline::prepare(Config::default(), flags).unwrap().0
}

/// A container's `securityContext` line(s).
fn security_context() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(""),
        Just("securityContext:\n"),
        Just("securityContext: {}\n"),
        Just("securityContext: {runAsUser: 10001}\n"),
        Just("securityContext: {allowPrivilegeEscalation: true, privileged: true}\n"),
        Just("securityContext:  # hardened later\n  runAsUser: 0\n  allowPrivilegeEscalation: true\n"),
        Just("securityContext:\n  capabilities:\n    add: [NET_ADMIN]\n  readOnlyRootFilesystem: false\n"),
        Just("securityContext:\n  capabilities:\n    drop:\n    - NET_RAW\n"),
        Just("securityContext: &ctx\n  runAsUser: 10001\n"),
    ]
}

/// A container's ports and probes (host ports and probe hosts in block and flow style).
fn ports_and_probes() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(""),
        Just("ports: [{containerPort: 80}]\n"),
        Just("ports: [{containerPort: 8080, hostPort: 8080}]\n"),
        Just("ports:\n- hostPort: 80   # node\n  containerPort: 80\n"),
        Just(
            "ports:\n- containerPort: 80\n  name: http\nlivenessProbe:\n  httpGet:\n    host: 169.254.169.254\n    port: http\n"
        ),
        Just("readinessProbe: {tcpSocket: {port: 22, host: 10.0.0.1}}\n"),
    ]
}

fn container() -> impl Strategy<Value = (&'static str, &'static str)> {
    (security_context(), ports_and_probes())
}

/// Pod-level fields.
fn pod_fields() -> impl Strategy<Value = &'static str> {
    prop_oneof![
        Just(""),
        Just("hostNetwork: true\n"),
        Just("hostPID: true  # debug\nhostIPC: false\n"),
        Just("securityContext: {runAsUser: 0}\n"),
    ]
}

fn manifest() -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(container(), 1..3),
        pod_fields(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(containers, pod, deployment, second_document, crlf)| {
            let mut body = String::new();
            for (index, (context, ports)) in containers.iter().enumerate() {
                body.push_str(&format!("- name: c{index}\n  image: registry.example.com/app:{index}\n"));
                for line in context.lines().chain(ports.lines()) {
                    body.push_str(&format!("  {line}\n"));
                }
            }
            let indent = if deployment { "      " } else { "  " };
            let mut containers: String = body.lines().map(|line| format!("{indent}{line}\n")).collect();
            for line in pod.lines() {
                containers.push_str(&format!("{}{line}\n", &indent[2..]));
            }
            let mut text = if deployment {
                format!(
                    "# generated\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: app, namespace: shop}}\nspec:\n  selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    spec:\n      containers:\n{containers}"
                )
            } else {
                format!(
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app   # the pod\n  namespace: shop\nspec:\n  containers:\n{containers}"
                )
            };
            if second_document {
                text.push_str("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n");
            }
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            text
        })
}

type Key = (String, String, String);

fn findings(pipeline: &Pipeline, text: &str) -> BTreeSet<Key> {
    pipeline
        .scan_object("app.yaml", text.as_bytes())
        .report
        .findings
        .iter()
        .filter(|finding| !finding.suppressed)
        .map(|finding| {
            (
                finding.rule.to_string(),
                finding
                    .resource
                    .as_ref()
                    .map(|resource| resource.display_name())
                    .unwrap_or_default(),
                finding.field.clone(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn fixed_manifests_parse_and_find_nothing_new(text in manifest()) {
        let pipeline = pipeline();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.yaml");
        std::fs::write(&path, &text).unwrap();
        let scanned = pipeline.scan(std::slice::from_ref(&path), &Quiet);
        let mut options = rampart_fix::FixOptions { unsafe_fixes: true, ..Default::default() };
        options.context.inputs = rampart_k8s::fixes::FixInputs {
            run_as_user: Some(10001),
            limits: rampart_k8s::fixes::FixInputs::resources("cpu=500m,memory=256Mi").unwrap(),
            requests: rampart_k8s::fixes::FixInputs::resources("memory=128Mi").unwrap(),
        };
        let files = rampart_fix::fix(&pipeline, &scanned.report.findings, &options);
        prop_assert!(!files.is_empty());
        for fixed in files {
            prop_assert_eq!(&fixed.before, &text);
            prop_assert!(rampart_fix::documents(&fixed.after).is_ok(), "{}", fixed.after);
            let before = findings(&pipeline, &text);
            let after = findings(&pipeline, &fixed.after);
            prop_assert!(
                after.is_subset(&before),
                "new: {:?}\n{}",
                after.difference(&before).collect::<Vec<_>>(),
                fixed.after
            );
            for change in &fixed.applied {
                let key = (change.rule.clone(), change.resource.clone(), change.field.clone());
                prop_assert!(!after.contains(&key), "{:?} remains", change);
            }
            if fixed.applied.is_empty() {
                prop_assert_eq!(&fixed.after, &text);
            } else {
                prop_assert!(fixed.after != text);
            }
            // CRLF files stay CRLF.
            if text.contains("\r\n") {
                prop_assert!(!fixed.after.replace("\r\n", "").contains('\n'), "{:?}", fixed.after);
            }
        }
    }
}
