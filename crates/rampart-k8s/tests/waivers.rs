//! Waiver annotations end to end: ours (object, pod template, container),
//! the peers' mapped to our rules, reasons, non-waivable rules; and the
//! mapping table in docs/waivers.md kept generated.

use rampart_core::{Finding, RuleSelector};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::waivers::{PEER_CHECKS, peer_table_markdown};
use rampart_k8s::{ScanConfig, check_objects, rules};

fn scan(yaml: &str, config: &ScanConfig) -> Vec<Finding> {
    let loaded = load_bytes("deploy.yaml", yaml.as_bytes(), &LoadOptions::default());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    check_objects(&loaded.objects, config, rules::all())
}

fn state<'a>(findings: &'a [Finding], rule: &str, container: Option<&str>) -> Vec<(bool, Option<&'a str>)> {
    findings
        .iter()
        .filter(|finding| finding.rule == rule && finding.container.as_deref() == container)
        .map(|finding| (finding.suppressed, finding.suppression_reason.as_deref()))
        .collect()
}

const TWO_CONTAINERS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    rampart.dev/ignore: image-tag-not-latest
    rampart.dev/ignore-reason: the release job pins tags; OPS-7
spec:
  template:
    metadata:
      annotations:
        rampart.dev/ignore.cache: read-only-root-fs
    spec:
      containers:
        - name: web
          image: nginx:latest
        - name: cache
          image: redis:latest
";

#[test]
fn a_container_waiver_leaves_its_sibling_alone() {
    let findings = scan(TWO_CONTAINERS, &ScanConfig::default());
    let reason = "rampart.dev/ignore.cache: the release job pins tags; OPS-7";
    assert_eq!(
        state(&findings, "read-only-root-fs", Some("cache")),
        [(true, Some(reason))]
    );
    assert_eq!(state(&findings, "read-only-root-fs", Some("web")), [(false, None)]);
    // Object-wide: both containers' latest tags.
    let tags: Vec<bool> = findings
        .iter()
        .filter(|finding| finding.rule == "image-tag-not-latest")
        .map(|finding| finding.suppressed)
        .collect();
    assert_eq!(tags, [true, true]);
    // Rules nobody waived stay.
    assert!(findings.iter().any(|f| f.rule == "run-as-non-root" && !f.suppressed));
}

#[test]
fn peer_annotations_suppress_the_mapped_rules_and_nothing_else() {
    let kube_score = TWO_CONTAINERS
        .replace("    rampart.dev/ignore: image-tag-not-latest\n    rampart.dev/ignore-reason: the release job pins tags; OPS-7\n", "    kube-score/ignore: container-security-context-readonlyrootfilesystem\n")
        .replace("        rampart.dev/ignore.cache: read-only-root-fs\n", "        other: value\n");
    let findings = scan(&kube_score, &ScanConfig::default());
    let read_only: Vec<bool> = findings
        .iter()
        .filter(|f| f.rule == "read-only-root-fs")
        .map(|f| f.suppressed)
        .collect();
    assert_eq!(read_only, [true, true]);
    let reason = findings
        .iter()
        .find(|f| f.rule == "read-only-root-fs")
        .unwrap()
        .suppression_reason
        .clone()
        .unwrap();
    assert_eq!(reason, "kube-score/ignore (no reason given)");
    let suppressed: Vec<&str> = findings.iter().filter(|f| f.suppressed).map(|f| &*f.rule).collect();
    assert_eq!(suppressed, ["read-only-root-fs", "read-only-root-fs"], "nothing else");
    // The reasonless waiver is reported, and cannot be waived away.
    assert!(
        findings
            .iter()
            .any(|f| f.rule == "waiver-without-reason" && !f.suppressed)
    );

    for (annotation, rule) in [
        (
            "ignore-check.kube-linter.io/latest-tag: \"pinned at release\"",
            "image-tag-not-latest",
        ),
        (
            "polaris.fairwinds.com/runAsRootAllowed-exempt: \"true\"",
            "run-as-non-root",
        ),
        ("checkov.io/skip1: CKV_K8S_22=writes to /tmp", "read-only-root-fs"),
    ] {
        let yaml = TWO_CONTAINERS
            .replace("    rampart.dev/ignore: image-tag-not-latest\n    rampart.dev/ignore-reason: the release job pins tags; OPS-7\n", &format!("    {annotation}\n"))
            .replace("        rampart.dev/ignore.cache: read-only-root-fs\n", "        other: value\n");
        let findings = scan(&yaml, &ScanConfig::default());
        let suppressed: Vec<&str> = findings.iter().filter(|f| f.suppressed).map(|f| &*f.rule).collect();
        assert_eq!(suppressed, [rule, rule], "{annotation}");
    }
}

#[test]
fn non_waivable_rules_cannot_be_suppressed() {
    let yaml = TWO_CONTAINERS.replace("rampart.dev/ignore: image-tag-not-latest", "rampart.dev/ignore: all");
    let findings = scan(&yaml, &ScanConfig::default());
    assert!(
        findings
            .iter()
            .filter(|f| f.rule != "waiver-without-reason")
            .all(|f| f.suppressed)
    );
    let config = ScanConfig {
        non_waivable: vec![RuleSelector::parse("run-as-non-root"), RuleSelector::parse("images")],
        ..ScanConfig::default()
    };
    let findings = scan(&yaml, &config);
    for finding in findings.iter().filter(|f| f.rule != "waiver-without-reason") {
        let must_stand = finding.rule == "run-as-non-root" || finding.rule.starts_with("image-");
        assert_eq!(finding.suppressed, !must_stand, "{}", finding.rule);
    }
}

#[test]
fn every_mapped_rule_exists_and_the_table_is_documented() {
    for (peer, check, ours) in PEER_CHECKS {
        for rule in *ours {
            assert!(rules::find(rule).is_some(), "{} {check} -> unknown {rule}", peer.name());
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/waivers.md");
    let expected = peer_table_markdown();
    if std::env::var_os("RAMPART_BLESS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == expected,
        "docs/waivers.md is out of date; run `RAMPART_BLESS=1 cargo test -p rampart-k8s --test waivers`"
    );
}
