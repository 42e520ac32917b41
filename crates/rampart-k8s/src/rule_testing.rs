//! Helpers for rule tests: run one rule over a YAML fixture and check the
//! exact findings.

use rampart_core::Finding;

use crate::engine::{ScanConfig, check_objects};
use crate::loader::{LoadOptions, load_bytes};
use crate::rules::Rule;

/// Findings of `rule` alone on `yaml`, with the default configuration.
pub fn run(rule: &'static Rule, yaml: &str) -> Vec<Finding> {
    run_with(rule, yaml, &ScanConfig::default())
}

/// The configuration of a cluster audit limited to `namespaces` (none:
/// every namespace).
pub fn in_cluster(namespaces: &[&str]) -> ScanConfig {
    ScanConfig {
        cluster: true,
        cluster_namespaces: namespaces.iter().map(|namespace| namespace.to_string()).collect(),
        ..ScanConfig::default()
    }
}

pub fn run_with(rule: &'static Rule, yaml: &str, config: &ScanConfig) -> Vec<Finding> {
    let loaded = load_bytes("fixture.yaml", yaml.as_bytes(), &LoadOptions::default());
    assert!(loaded.errors.is_empty(), "fixture does not load: {:?}", loaded.errors);
    check_objects(&loaded.objects, config, &[rule])
}

/// Asserts the findings are exactly these (line, field) pairs, in order,
/// and all of `rule`.
#[track_caller]
pub fn assert_findings(findings: &[Finding], expected: &[(usize, &str)]) {
    let actual: Vec<(usize, &str)> = findings.iter().map(|f| (f.location.line, f.field.as_str())).collect();
    assert_eq!(actual, expected, "findings: {findings:#?}");
}

/// Asserts `rule` finds nothing in `yaml`.
#[track_caller]
pub fn assert_quiet(rule: &'static Rule, yaml: &str) {
    let findings = run(rule, yaml);
    assert!(findings.is_empty(), "expected no finding, got {findings:#?}");
}
