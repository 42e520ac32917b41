//! Terraform on the shared pipeline, as a user meets it: modules called
//! twice with their own inputs, tfvars and `--var`, plan JSON, waiver
//! comments (ours and the peers'), exceptions by address, values known
//! only after apply, and broken input reported at its line while the rest
//! is scanned.

mod common;

use common::{json, rampart_in, write_file};
use serde_json::Value;

const MODULE: &str = r#"
variable "ports" {
  type = list(number)
}
variable "cidr" {
  default = "10.0.0.0/8"
}
resource "aws_security_group" "this" {
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [var.cidr]
    }
  }
}
"#;

const ROOT: &str = r#"
variable "admin_cidr" {}
module "web" {
  source = "../modules/sg"
  ports  = [443]
  cidr   = "0.0.0.0/0"
}
module "db" {
  source = "../modules/sg"
  ports  = [5432]
  cidr   = var.admin_cidr
}
"#;

/// (rule, resource address, path, line, field, severity) of each open finding.
fn findings(report: &Value) -> Vec<(String, String, String, u64, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["suppressed"] == false && finding["resource"]["apiVersion"] == "terraform")
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_string(),
                finding["resource"]["name"].as_str().unwrap().to_string(),
                finding["location"]["path"].as_str().unwrap().to_string(),
                finding["location"]["line"].as_u64().unwrap(),
                finding["field"].as_str().unwrap().to_string(),
                finding["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "modules/sg/main.tf", MODULE);
    write_file(dir.path(), "live/main.tf", ROOT);
    dir
}

#[test]
fn a_module_called_twice_is_judged_per_call_and_tfvars_decide() {
    let dir = project();
    // No value for admin_cidr: the db module's range is not known, and
    // the rule says so instead of passing.
    let report = json(&rampart_in(dir.path(), &["scan", "live", "modules", "-f", "json"]));
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    let found = findings(&report);
    assert_eq!(
        found,
        [(
            "aws-security-group-open-ingress".to_string(),
            "module.db.aws_security_group.this".to_string(),
            "modules/sg/main.tf".to_string(),
            15,
            "ingress[0].cidr_blocks".to_string(),
            "info".to_string()
        )],
        "{found:#?}"
    );
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("depends on var.admin_cidr")
    );
    // terraform.tfvars opens the database to the internet.
    write_file(dir.path(), "live/terraform.tfvars", "admin_cidr = \"0.0.0.0/0\"\n");
    let output = rampart_in(dir.path(), &["scan", "live", "modules", "-f", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let found = findings(&json(&output));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].1.as_str(), found[0].5.as_str()),
        ("module.db.aws_security_group.this", "high")
    );
    // --var wins over the file.
    let report = json(&rampart_in(
        dir.path(),
        &[
            "scan",
            "live",
            "modules",
            "-f",
            "json",
            "--var",
            "admin_cidr=10.1.0.0/16",
        ],
    ));
    assert!(findings(&report).is_empty(), "{report:#}");
}

#[test]
fn comments_waive_ours_checkovs_and_tfsecs_and_a_typo_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "main.tf",
        r#"resource "aws_s3_bucket" "site" {
  # rampart:ignore=aws-s3-public-acl static site behind CloudFront
  acl = "public-read"
  #checkov:skip=CKV2_AWS_6:the account block is in another stack
}
#tfsec:ignore:aws-kms-auto-rotate-keys
resource "aws_kms_key" "legacy" {}
"#,
    );
    let output = rampart_in(dir.path(), &["scan", ".", "-f", "json"]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    let reasons: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["resource"]["apiVersion"] == "terraform")
        .map(|finding| finding["suppression_reason"].as_str().unwrap_or("OPEN"))
        .collect();
    assert_eq!(reasons.len(), 3, "{report:#}");
    assert!(reasons.iter().all(|reason| *reason != "OPEN"), "{reasons:?}");

    write_file(
        dir.path(),
        "main.tf",
        "resource \"aws_kms_key\" \"k\" {\n  # rampart:ignore=aws-kms-rotation typo\n}\n",
    );
    let output = rampart_in(dir.path(), &["scan", ".", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(report["errors"][0]["line"], 2);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`aws-kms-rotation`")
    );
}

#[test]
fn an_exception_accepts_a_finding_by_resource_address() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "main.tf", "resource \"aws_kms_key\" \"legacy\" {}\n");
    write_file(
        dir.path(),
        ".rampart/exceptions.yaml",
        "exceptions:\n  - id: legacy-key\n    rules: [aws-kms-key-rotation]\n    match: {name: aws_kms_key.legacy}\n    justification: imported key, rotated by hand yearly\n    compensating_controls: [manual rotation runbook]\n    owner: team-platform\n    approved_by: security@example.org\n    expires: 2999-01-01\n",
    );
    let report = json(&rampart_in(dir.path(), &["scan", "main.tf", "-f", "json"]));
    let key = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "aws-kms-key-rotation")
        .unwrap();
    assert_eq!(key["suppressed"], true, "{report:#}");
}

#[test]
fn a_plan_is_read_with_its_child_modules_and_unknowns() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "plan.json",
        r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.5",
  "planned_values": {"root_module": {"child_modules": [{"address": "module.data", "resources": [
    {"address": "module.data.aws_db_instance.orders", "mode": "managed", "type": "aws_db_instance", "name": "orders",
     "values": {"engine": "postgres", "storage_encrypted": false}}
  ]}]}},
  "resource_changes": []
}"#,
    );
    let report = json(&rampart_in(dir.path(), &["scan", "plan.json", "-f", "json"]));
    let found = findings(&report);
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str(), found[0].3),
        ("aws-rds-encryption", "module.data.aws_db_instance.orders", 5)
    );
}

#[test]
fn broken_terraform_is_an_error_at_its_line_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "a/main.tf", "resource \"aws_kms_key\" \"k\" {}\n");
    write_file(
        dir.path(),
        "a/broken.tf",
        "resource \"aws_s3_bucket\" \"b\" {\n  acl = \n}\n",
    );
    write_file(
        dir.path(),
        "b/main.tf",
        "module \"vpc\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n",
    );
    std::fs::write(dir.path().join("a/binary.tf"), b"\xff\xfe\x00\x01").unwrap();
    let output = rampart_in(dir.path(), &["scan", ".", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let errors: Vec<(String, Value)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| (error["path"].as_str().unwrap().to_string(), error["line"].clone()))
        .collect();
    assert!(
        errors.contains(&("./a/broken.tf".to_string(), Value::from(2))),
        "{errors:?}"
    );
    assert!(errors.iter().any(|(path, _)| path == "./a/binary.tf"), "{errors:?}");
    assert!(
        findings(&report).iter().any(|f| f.0 == "aws-kms-key-rotation"),
        "{report:#}"
    );
    let notices = report["notices"].as_array().unwrap();
    assert!(
        notices
            .iter()
            .any(|notice| notice["message"].as_str().unwrap().contains("module.vpc")),
        "{notices:?}"
    );
}

#[test]
fn an_engine_can_be_left_out_and_the_controls_say_so() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "main.tf", "resource \"aws_kms_key\" \"k\" {}\n");
    write_file(dir.path(), "Dockerfile", "FROM alpine:3.20\nUSER root\n");
    let report = json(&rampart_in(
        dir.path(),
        &["scan", ".", "-f", "json", "--skip-engine", "terraform"],
    ));
    assert!(findings(&report).is_empty(), "{report:#}");
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "dockerfile-runs-as-root")
    );
    let iac = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["control"] == "iac")
        .unwrap();
    assert_eq!(iac["result"], "not-evaluated", "{iac:#}");
    assert!(
        iac["left_out"]
            .as_array()
            .unwrap()
            .iter()
            .any(|rule| rule == "aws-kms-key-rotation"),
        "{iac:#}"
    );
}

#[test]
fn what_is_not_read_is_said() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "main.tf.json",
        "{\"resource\": {\"aws_kms_key\": {\"k\": {}}}}",
    );
    write_file(
        dir.path(),
        "big.tf",
        &format!(
            "resource \"aws_kms_key\" \"k\" {{\n  description = \"{}\"\n}}\n",
            "x".repeat(4096)
        ),
    );
    write_file(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nUSER 10001\nHEALTHCHECK CMD true\n",
    );
    let output = rampart_in(dir.path(), &["scan", ".", "-f", "json", "--max-file-size", "2048"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let errors = report["errors"].as_array().unwrap();
    assert!(
        errors
            .iter()
            .any(|e| e["path"] == "./big.tf" && e["message"].as_str().unwrap().contains("over the 2048-byte limit")),
        "{errors:?}"
    );
    let notices = report["notices"].as_array().unwrap();
    assert!(notices.iter().any(|n| n["path"] == "./main.tf.json"), "{notices:?}");
}
