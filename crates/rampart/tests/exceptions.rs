//! The exceptions file as a team uses it: active, expiring, expired and
//! unused exceptions in a scan and in `rampart exceptions`; mistakes at
//! their line. Dates are relative to today, so the test means the same
//! every day.

mod common;

use common::{json, rampart_in};
use rampart_core::Date;
use serde_json::Value;

fn day(offset: i64) -> String {
    Date::today().plus_days(offset).to_string()
}

const MANIFEST: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: legacy
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.org/legacy@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
          securityContext:
            privileged: true
";

fn exception(id: &str, rules: &str, expires: &str) -> String {
    format!(
        "  - id: {id}\n    rules: [{rules}]\n    match: {{kind: Deployment, namespace: shop, name: legacy}}\n    justification: vendor image\n    compensating_controls: [default-deny network policy]\n    owner: team-{id}\n    approved_by: security@example.org\n    expires: {expires}\n"
    )
}

fn project(exceptions: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
    std::fs::create_dir_all(dir.path().join(".rampart")).unwrap();
    std::fs::write(dir.path().join("deploy/legacy.yaml"), MANIFEST).unwrap();
    std::fs::write(
        dir.path().join(".rampart/exceptions.yaml"),
        format!("exceptions:\n{exceptions}"),
    )
    .unwrap();
    dir
}

fn findings_of<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

#[test]
fn an_active_exception_suppresses_and_one_expired_yesterday_does_not() {
    let dir = project(&exception("privileged", "no-privileged", &day(90)));
    let output = rampart_in(
        dir.path(),
        &["scan", "deploy", "--no-secrets", "-f", "json", "--fail-on", "critical"],
    );
    let report = json(&output);
    let privileged = findings_of(&report, "no-privileged");
    assert_eq!(privileged.len(), 1);
    assert_eq!(privileged[0]["suppressed"], true);
    assert!(
        privileged[0]["suppression_reason"]
            .as_str()
            .unwrap()
            .starts_with("exception privileged (owner team-privileged")
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(findings_of(&report, "exception-unused").is_empty());

    let dir = project(&exception("privileged", "no-privileged", &day(-1)));
    let output = rampart_in(
        dir.path(),
        &["scan", "deploy", "--no-secrets", "-f", "json", "--fail-on", "critical"],
    );
    assert_eq!(output.status.code(), Some(1), "the privileged finding fails again");
    let report = json(&output);
    assert_eq!(findings_of(&report, "no-privileged")[0]["suppressed"], false);
    let expired = findings_of(&report, "exception-expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["severity"], "high");
    assert_eq!(expired[0]["location"]["path"], ".rampart/exceptions.yaml");
    assert_eq!(expired[0]["location"]["line"], 2);
    let message = expired[0]["message"].as_str().unwrap();
    assert!(
        message.contains("1 day ago") && message.contains("team-privileged"),
        "{message}"
    );
}

#[test]
fn expiring_and_unused_exceptions_are_reported_and_listed() {
    let exceptions = [
        exception("soon", "no-privileged", &day(5)),
        exception("typo", "no-privilegd", &day(200)),
        exception("gone", "run-as-non-root", &day(-30)),
        exception("fine", "read-only-root-fs", &day(200)),
    ]
    .concat();
    let dir = project(&exceptions);
    let report = json(&rampart_in(
        dir.path(),
        &["scan", "deploy", "--no-secrets", "-f", "json"],
    ));
    let expiring = findings_of(&report, "exception-expiring");
    assert_eq!(expiring.len(), 1);
    assert!(expiring[0]["message"].as_str().unwrap().contains("in 5 days"));
    let unused: Vec<&str> = findings_of(&report, "exception-unused")
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(unused.len(), 1, "{unused:?}");
    assert!(unused[0].contains("`typo`"));

    let listed = rampart_in(dir.path(), &["exceptions", "deploy", "-f", "json"]);
    assert_eq!(listed.status.code(), Some(1), "an expired exception fails");
    let rows = json(&listed);
    let status: Vec<(String, String, i64)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["id"].as_str().unwrap().to_string(),
                row["status"].as_str().unwrap().to_string(),
                row["days_left"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        status,
        [
            ("soon".to_string(), "expiring".to_string(), 5),
            ("typo".to_string(), "unused".to_string(), 200),
            ("gone".to_string(), "expired".to_string(), -30),
            ("fine".to_string(), "active".to_string(), 200),
        ]
    );
    let text = String::from_utf8_lossy(&rampart_in(dir.path(), &["exceptions"]).stdout).into_owned();
    assert!(text.contains("expiring") && text.contains("team-soon"), "{text}");
}

#[test]
fn a_broken_exceptions_file_names_the_line_and_the_scan_goes_on() {
    let dir = project(
        "  - id: no-owner\n    rules: [no-privileged]\n    justification: x\n    compensating_controls: [y]\n    approved_by: z\n    expires: 2030-01-01\n",
    );
    let output = rampart_in(dir.path(), &["scan", "deploy", "--no-secrets", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let error = &report["errors"][0];
    assert_eq!(error["path"], ".rampart/exceptions.yaml");
    assert_eq!(error["line"], 2);
    assert!(error["message"].as_str().unwrap().contains("`owner` is required"));
    assert!(!findings_of(&report, "no-privileged").is_empty(), "the scan still ran");
}

#[test]
fn exceptions_cover_secrets_findings_by_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("testdata")).unwrap();
    std::fs::create_dir_all(dir.path().join(".rampart")).unwrap();
    let token = format!("ghp_{}", "Wm4kQ8zR2tY6uI0oP3aS7dF1gH5jK9lZ2xC4");
    std::fs::write(dir.path().join("testdata/fake.env"), format!("TOKEN={token}\n")).unwrap();
    std::fs::write(
        dir.path().join(".rampart/exceptions.yaml"),
        format!("- id: fixtures\n  rules: [secrets]\n  match: {{paths: [\"**/testdata/**\"]}}\n  justification: fake tokens for tests\n  compensating_controls: [revoked on creation]\n  owner: team-qa\n  approved_by: security\n  expires: {}\n", day(30)),
    )
    .unwrap();
    let output = rampart_in(dir.path(), &["secrets", "testdata", "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = json(&output);
    assert_eq!(findings_of(&report, "github-pat")[0]["suppressed"], true);
}

/// A waiver or an exception naming a rule that does not exist is an error
/// at its line, not a silent no-op.
#[test]
fn waivers_and_exceptions_naming_unknown_rules_are_errors_at_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".rampart")).unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: a\n  annotations:\n    rampart.dev/ignore: no-privilegd, no-host-pid\n    rampart.dev/ignore-reason: typo test\nspec:\n  containers:\n  - name: a\n    image: x\n    securityContext: {privileged: true}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".rampart/exceptions.yaml"),
        "exceptions:\n  - id: good\n    rules: [runtime]\n    match: {kind: Pod, name: nothing}\n    justification: x\n    compensating_controls: [y]\n    owner: a\n    approved_by: b\n    expires: 2999-01-01\n  - id: typo\n    rules: [run-as-non-rot]\n    match: {kind: Pod, name: p}\n    justification: x\n    compensating_controls: [y]\n    owner: a\n    approved_by: b\n    expires: 2999-01-01\n",
    )
    .unwrap();
    let output = rampart_in(dir.path(), &["scan", "pod.yaml", "--no-secrets", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let errors: Vec<(String, u64, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["path"].as_str().unwrap().to_string(),
                e["line"].as_u64().unwrap(),
                e["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!((errors[0].0.as_str(), errors[0].1), (".rampart/exceptions.yaml", 10));
    assert!(
        errors[0].2.contains("`run-as-non-rot`, which is not a rule id"),
        "{}",
        errors[0].2
    );
    assert_eq!((errors[1].0.as_str(), errors[1].1), ("pod.yaml", 7));
    assert!(errors[1].2.contains("`no-privilegd`"), "{}", errors[1].2);
    // The valid id of the same annotation still waives.
    let host_pid_waived = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .all(|f| f["rule"] != "no-host-pid" || f["suppressed"] == true);
    assert!(host_pid_waived);
}
