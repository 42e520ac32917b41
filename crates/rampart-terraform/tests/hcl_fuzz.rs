//! Property tests over the HCL loader, the evaluator and every rule (CI's
//! stand-in for `fuzz/fuzz_targets/check_terraform.rs`): arbitrary bytes
//! and Terraform-shaped text never panic, never run away, and every
//! finding and error points at a line of the input.

use proptest::prelude::*;
use rampart_terraform::{TerraformConfig, check, rules};

fn assert_inside(dir: &std::path::Path, data: &[u8]) {
    let path = dir.join("main.tf");
    std::fs::write(&path, data).unwrap();
    let checked = check(&[path], &TerraformConfig::default(), rules::all());
    let lines = data.iter().filter(|&&byte| byte == b'\n').count() + 1;
    for finding in &checked.findings {
        assert!(
            finding.location.line >= 1 && finding.location.line <= lines,
            "{finding:?}"
        );
    }
    for error in &checked.errors {
        assert!(error.line.is_none_or(|line| line >= 1 && line <= lines), "{error:?}");
    }
}

const PIECES: &[&str] = &[
    "resource \"aws_security_group\" \"a\" {\n",
    "resource \"aws_s3_bucket\" \"b\" {\n",
    "}\n",
    "{",
    "}",
    "ingress {\n",
    "cidr_blocks = [\"0.0.0.0/0\"]\n",
    "from_port = 22\n",
    "count = 2\n",
    "for_each = local.m\n",
    "locals {\n",
    "m = { a = 1 }\n",
    "x = \"${local.x}${local.x}\"\n",
    "y = [local.y, local.y]\n",
    "dynamic \"ingress\" {\n",
    "content {\n",
    "variable \"v\" {}\n",
    "acl = var.v\n",
    "policy = jsonencode({Statement = [{Effect = \"Allow\", Action = \"*\", Resource = \"*\"}]})\n",
    "module \"m\" {\n",
    "source = \"./\"\n",
    "[for k, v in local.m : v if v > 0]",
    "\n",
    " ",
    "\"",
    "#",
    "=",
    "${",
    "aws_s3_bucket.b.id",
    "data.aws_iam_policy_document.d.json",
    "range(100000)",
    "cidrsubnet(\"10.0.0.0/8\", 8, 300)",
    "é",
    "\u{0}",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let dir = tempfile::tempdir().unwrap();
        assert_inside(dir.path(), &data);
    }

    #[test]
    fn terraform_shaped_text_never_panics(pieces in proptest::collection::vec(0..PIECES.len(), 0..48)) {
        let dir = tempfile::tempdir().unwrap();
        let text: String = pieces.iter().map(|&i| PIECES[i]).collect();
        assert_inside(dir.path(), text.as_bytes());
    }
}

#[test]
fn doubling_locals_stay_within_the_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("locals {\n  l0 = \"xxxxxxxx\"\n");
    for i in 1..64 {
        text.push_str(&format!("  l{i} = \"${{local.l{}}}${{local.l{}}}\"\n", i - 1, i - 1));
    }
    text.push_str("}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = local.l63\n}\n");
    assert_inside(dir.path(), text.as_bytes());
}
