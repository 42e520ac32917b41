//! The evaluator against Terraform's own semantics: variable precedence,
//! locals, count and for_each, dynamic blocks, modules called twice, data
//! sources and unset variables as unknowns, and the ways a configuration
//! can be broken.

use std::path::{Path, PathBuf};

use rampart_terraform::eval::{Evaluated, Options, evaluate};
use rampart_terraform::resource::Resource;
use rampart_terraform::value::Value;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn run(dir: &Path, files: &[&str], options: &Options) -> Evaluated {
    let paths: Vec<PathBuf> = files.iter().map(|file| dir.join(file)).collect();
    evaluate(&paths, options)
}

fn find<'a>(evaluated: &'a Evaluated, address: &str) -> &'a Resource {
    evaluated
        .resources
        .iter()
        .find(|resource| resource.address == address)
        .unwrap_or_else(|| {
            let all: Vec<&str> = evaluated.resources.iter().map(|r| r.address.as_str()).collect();
            panic!("no {address} in {all:?}")
        })
}

fn string(resource: &Resource, attribute: &str) -> String {
    resource.body.value(attribute).unwrap().display()
}

#[test]
fn variables_follow_terraforms_precedence() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        "variable \"a\" { default = \"default\" }\nvariable \"b\" { default = \"default\" }\nvariable \"c\" { default = \"default\" }\nvariable \"d\" { default = \"default\" }\nvariable \"e\" { default = \"default\" }\nvariable \"f\" { default = \"default\" }\nresource \"null_resource\" \"x\" {\n  a = var.a\n  b = var.b\n  c = var.c\n  d = var.d\n  e = var.e\n  f = var.f\n}\n",
    );
    write(
        dir.path(),
        "terraform.tfvars",
        "b = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\ne = \"tfvars\"\n",
    );
    write(dir.path(), "a.auto.tfvars", "c = \"auto-a\"\nd = \"auto-a\"\n");
    write(
        dir.path(),
        "b.auto.tfvars.json",
        "{\"d\": \"auto-b\", \"e\": \"auto-b\"}",
    );
    let extra = write(dir.path(), "prod.tfvars", "e = \"var-file\"\n");
    let options = Options {
        env: vec![("a".into(), "env".into()), ("b".into(), "env".into())],
        var_files: vec![extra],
        vars: vec![("f".into(), "cli".into())],
        ..Options::default()
    };
    let evaluated = run(dir.path(), &["main.tf"], &options);
    assert!(evaluated.errors.is_empty(), "{:?}", evaluated.errors);
    let x = find(&evaluated, "null_resource.x");
    let got: Vec<String> = ["a", "b", "c", "d", "e", "f"].iter().map(|k| string(x, k)).collect();
    assert_eq!(got, ["env", "tfvars", "auto-a", "auto-b", "var-file", "cli"]);
}

#[test]
fn locals_count_for_each_and_dynamic_blocks() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        r#"
locals {
  env    = "prod"
  name   = "${local.env}-web"
  ports  = { ssh = 22, https = 443 }
  subnet = cidrsubnet("10.0.0.0/16", 8, 3)
}
resource "aws_instance" "node" {
  count = 2
  tags  = { Name = format("%s-%d", local.name, count.index) }
}
resource "aws_instance" "skipped" {
  count = 0
}
resource "aws_security_group" "per_port" {
  for_each = local.ports
  name     = each.key
  ingress {
    from_port   = each.value
    to_port     = each.value
    cidr_blocks = [local.subnet]
  }
}
resource "aws_security_group" "dynamic" {
  dynamic "ingress" {
    for_each = [for name, port in local.ports : port if port != 443]
    iterator = rule
    content {
      from_port = rule.value
    }
  }
}
"#,
    );
    let evaluated = run(dir.path(), &["main.tf"], &Options::default());
    assert!(evaluated.errors.is_empty(), "{:?}", evaluated.errors);
    let addresses: Vec<&str> = evaluated.resources.iter().map(|r| r.address.as_str()).collect();
    assert_eq!(
        addresses,
        [
            "aws_instance.node[0]",
            "aws_instance.node[1]",
            "aws_security_group.per_port[\"https\"]",
            "aws_security_group.per_port[\"ssh\"]",
            "aws_security_group.dynamic"
        ]
    );
    let node = find(&evaluated, "aws_instance.node[1]");
    assert_eq!(
        node.body.value("tags").unwrap().get("Name"),
        Some(&Value::String("prod-web-1".into()))
    );
    let ssh = find(&evaluated, "aws_security_group.per_port[\"ssh\"]");
    let ingress = ssh.body.blocks("ingress");
    assert_eq!(ingress[0].body.value("from_port"), Some(&Value::Number(22.0)));
    assert_eq!(ingress[0].body.value("cidr_blocks").unwrap().strings(), ["10.0.3.0/24"]);
    let dynamic = find(&evaluated, "aws_security_group.dynamic");
    let blocks = dynamic.body.blocks("ingress");
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].body.value("from_port"), Some(&Value::Number(22.0)));
}

#[test]
fn a_module_called_twice_is_two_sets_of_resources() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "modules/bucket/main.tf",
        "variable \"name\" {}\nvariable \"acl\" { default = \"private\" }\nresource \"aws_s3_bucket\" \"this\" {\n  bucket = var.name\n  acl    = var.acl\n}\noutput \"arn\" { value = aws_s3_bucket.this.arn }\noutput \"bucket\" { value = aws_s3_bucket.this.bucket }\n",
    );
    write(
        dir.path(),
        "live/main.tf",
        "module \"logs\" {\n  source = \"../modules/bucket\"\n  name   = \"logs\"\n}\nmodule \"site\" {\n  source = \"../modules/bucket\"\n  name   = \"site\"\n  acl    = \"public-read\"\n}\nresource \"null_resource\" \"uses\" {\n  bucket = module.site.bucket\n  arn    = module.logs.arn\n}\n",
    );
    // Both folders are scanned; the module folder is evaluated through its
    // callers only.
    let evaluated = run(
        dir.path(),
        &["live/main.tf", "modules/bucket/main.tf"],
        &Options::default(),
    );
    assert!(evaluated.errors.is_empty(), "{:?}", evaluated.errors);
    assert_eq!(evaluated.roots, 1);
    assert_eq!(evaluated.module_calls, 2);
    let site = find(&evaluated, "module.site.aws_s3_bucket.this");
    assert_eq!(string(site, "acl"), "public-read");
    assert_eq!(
        string(find(&evaluated, "module.logs.aws_s3_bucket.this"), "acl"),
        "private"
    );
    assert!(site.path.ends_with("modules/bucket/main.tf"), "{}", site.path);
    assert_eq!(site.line, 3);
    let uses = find(&evaluated, "null_resource.uses");
    assert_eq!(string(uses, "bucket"), "site");
    // A computed attribute is unknown and names its resource.
    let Value::Unknown(arn) = uses.body.value("arn").unwrap() else {
        panic!("arn is known");
    };
    assert_eq!(arn.resource.as_deref(), Some("module.logs.aws_s3_bucket.this"));
}

#[test]
fn data_sources_and_unset_variables_are_unknown_and_policy_documents_render() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "main.tf",
        r#"
variable "cidr" {}
data "aws_ami" "ubuntu" {}
data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}
resource "aws_instance" "a" {
  ami  = data.aws_ami.ubuntu.id
  cidr = var.cidr
}
resource "aws_iam_policy" "admin" {
  policy = data.aws_iam_policy_document.admin.json
}
"#,
    );
    let evaluated = run(dir.path(), &["main.tf"], &Options::default());
    let instance = find(&evaluated, "aws_instance.a");
    assert!(
        instance
            .body
            .value("ami")
            .unwrap()
            .display()
            .contains("data.aws_ami.ubuntu")
    );
    assert!(
        instance
            .body
            .value("cidr")
            .unwrap()
            .display()
            .contains("var.cidr (no value")
    );
    let policy = string(find(&evaluated, "aws_iam_policy.admin"), "policy");
    let json: serde_json::Value = serde_json::from_str(&policy).unwrap();
    assert_eq!(json["Statement"][0]["Action"], serde_json::json!(["*"]));
    assert_eq!(json["Statement"][0]["Effect"], "Allow");
}

#[test]
fn broken_configurations_are_errors_and_the_rest_is_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a/main.tf",
        "resource \"aws_s3_bucket\" \"ok\" {\n  bucket = \"ok\"\n}\n",
    );
    write(
        dir.path(),
        "a/broken.tf",
        "resource \"aws_s3_bucket\" \"bad\" {\n  bucket = \n}\n",
    );
    write(
        dir.path(),
        "b/main.tf",
        "module \"me\" {\n  source = \"./\"\n}\nmodule \"gone\" {\n  source = \"./nowhere\"\n}\nmodule \"remote\" {\n  source = \"terraform-aws-modules/vpc/aws\"\n}\n",
    );
    let evaluated = run(
        dir.path(),
        &["a/main.tf", "a/broken.tf", "b/main.tf"],
        &Options::default(),
    );
    assert!(evaluated.resources.iter().any(|r| r.address == "aws_s3_bucket.ok"));
    let errors: Vec<(String, Option<usize>)> = evaluated
        .errors
        .iter()
        .map(|error| (error.message.clone(), error.line))
        .collect();
    assert!(
        errors
            .iter()
            .any(|(m, line)| m.starts_with("cannot parse HCL") && *line == Some(2)),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(m, line)| m.contains("module.me calls the module it is in") && *line == Some(1)),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|(m, line)| m.contains("does not exist") && *line == Some(4)),
        "{errors:?}"
    );
    assert_eq!(evaluated.notices.len(), 1);
    assert!(evaluated.notices[0].message.contains("module.remote"));
}
