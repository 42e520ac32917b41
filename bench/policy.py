#!/usr/bin/env python3
"""Rampart's Rego policy benchmark.

Generates 10,000 Deployments (100 files of 100) in target/bench-policy/manifests
and 20 policies, each in its own package (so 20 rule evaluations per object,
200,000 in all), in target/bench-policy/policies; then times, with the release
build, `rampart scan` with and without `--policy ... --policy-namespace '*'`
(one untimed run first, median of --runs) and reports the policies' cost.
A second figure adds one cross-resource policy that looks objects up in
data.rampart.objects (--naive-inventory: one that walks data.rampart.inventory,
to show why the index exists).

Usage: python3 bench/policy.py [--runs N] [--resources N]
Run from the repository root.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "target" / "bench-policy"
BINARY = ROOT / "target" / "release" / "rampart"

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{ns}
  labels:
    app.kubernetes.io/name: app-{i}
    owner: team-{ns}
  annotations:
    rampart.dev/review-by: "2027-01-01"
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: app-{i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-{i}
    spec:
      serviceAccountName: app-{i}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: {image}
          ports:
            - containerPort: 8080
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
"""

# Twenty checks of the kinds teams write: labels, annotations, images,
# resources, security context, replicas, ports.
CHECKS = [
    ('not input.metadata.labels.owner', '"missing owner label"'),
    ('not input.metadata.labels["app.kubernetes.io/name"]', '"missing name label"'),
    ('not input.metadata.annotations["rampart.dev/review-by"]', '"missing review date"'),
    ('input.spec.replicas < 2', '"fewer than two replicas"'),
    ('some c in input.spec.template.spec.containers; endswith(c.image, ":latest")', '"latest tag"'),
    ('some c in input.spec.template.spec.containers; not contains(c.image, "@sha256:")', '"image not pinned"'),
    ('some c in input.spec.template.spec.containers; startswith(c.image, "docker.io/")', '"docker hub"'),
    ('some c in input.spec.template.spec.containers; not c.resources.limits.memory', '"no memory limit"'),
    ('some c in input.spec.template.spec.containers; not c.resources.requests.cpu', '"no cpu request"'),
    ('some c in input.spec.template.spec.containers; c.securityContext.privileged == true', '"privileged"'),
    ('some c in input.spec.template.spec.containers; not c.securityContext.readOnlyRootFilesystem', '"writable root"'),
    ('some c in input.spec.template.spec.containers; c.securityContext.allowPrivilegeEscalation != false', '"escalation"'),
    ('some c in input.spec.template.spec.containers; some p in c.ports; p.containerPort < 1024', '"privileged port"'),
    ('input.spec.template.spec.hostNetwork == true', '"host network"'),
    ('input.spec.template.spec.automountServiceAccountToken != false', '"token automount"'),
    ('not input.spec.template.spec.securityContext.runAsNonRoot', '"may run as root"'),
    ('input.spec.template.spec.serviceAccountName == "default"', '"default service account"'),
    ('input.metadata.namespace == "default"', '"default namespace"'),
    ('count(input.metadata.name) > 63', '"name too long"'),
    ('not regex.match(`^[a-z0-9-]+$`, input.metadata.name)', '"bad name"'),
]

# The cross-resource policy, written the recommended way: a lookup in
# data.rampart.objects per object.
INVENTORY_POLICY = """\
package bench.inventory

import rego.v1

deny contains msg if {
	input.kind == "Deployment"
	name := input.spec.template.spec.serviceAccountName
	not data.rampart.objects.ServiceAccount[input.metadata.namespace][name]
	msg := sprintf("service account %s/%s is not in the scan", [input.metadata.namespace, name])
}
"""

# The same, written by walking the inventory: the set is rebuilt for every
# object, so the cost grows with the square of the scan (--naive-inventory).
NAIVE_INVENTORY_POLICY = """\
package bench.inventory

import rego.v1

service_accounts contains key if {
	some object in data.rampart.inventory
	object.kind == "ServiceAccount"
	key := sprintf("%s/%s", [object.metadata.namespace, object.metadata.name])
}

deny contains msg if {
	input.kind == "Deployment"
	key := sprintf("%s/%s", [input.metadata.namespace, input.spec.template.spec.serviceAccountName])
	not service_accounts[key]
	msg := sprintf("service account %s is not in the scan", [key])
}
"""


def generate(resources, naive):
    manifests = WORK / "manifests"
    policies = WORK / "policies"
    inventory = WORK / "inventory-policy"
    if WORK.exists():
        shutil.rmtree(WORK)
    manifests.mkdir(parents=True)
    policies.mkdir()
    inventory.mkdir()
    per_file = 100
    for start in range(0, resources, per_file):
        docs = []
        for i in range(start, min(start + per_file, resources)):
            image = "registry.example.org/app@sha256:" + f"{i:064x}" if i % 10 else f"docker.io/library/app:{i % 7}.0"
            docs.append(DEPLOYMENT.format(i=i, ns=i % 50, image=image))
        (manifests / f"apps-{start // per_file:03}.yaml").write_text("---\n".join(docs))
    for number, (condition, message) in enumerate(CHECKS, 1):
        (policies / f"p{number:02}.rego").write_text(
            f"package bench.p{number:02}\n\nimport rego.v1\n\n"
            f"deny contains msg if {{\n\tinput.kind == \"Deployment\"\n\t{condition}\n\tmsg := {message}\n}}\n"
        )
    (inventory / "inventory.rego").write_text(NAIVE_INVENTORY_POLICY if naive else INVENTORY_POLICY)
    return manifests, policies, inventory


def run_measured(command):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def median_run(command, runs):
    run_measured(command)
    results = [run_measured(command) for _ in range(runs)]
    walls = [wall for wall, _ in results]
    return statistics.median(walls), min(walls), max(walls), max(rss for _, rss in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resources", type=int, default=10_000)
    parser.add_argument("--naive-inventory", action="store_true", help="walk the inventory instead of looking up")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)
    manifests, policies, inventory = generate(args.resources, args.naive_inventory)
    base = [str(BINARY), "scan", str(manifests), "--format", "json", "--no-secrets"]
    plain = median_run(base, args.runs)
    with_policies = median_run(base + ["--policy", str(policies), "--policy-namespace", "*"], args.runs)
    with_inventory = median_run(
        base + ["--policy", str(policies), "--policy", str(inventory), "--policy-namespace", "*"], args.runs
    )
    evaluations = args.resources * len(CHECKS)
    for name, (median, low, high, rss) in [
        ("no policies", plain),
        (f"{len(CHECKS)} policies", with_policies),
        (f"{len(CHECKS)} policies + 1 inventory policy", with_inventory),
    ]:
        print(
            f"rampart scan, {args.resources} Deployments, {name}: median {median:.2f} s over {args.runs} runs "
            f"(min {low:.2f}, max {high:.2f}); peak RSS {rss:.0f} MiB"
        )
    cost = with_policies[0] - plain[0]
    print(
        f"policies' cost: {cost:.2f} s for {evaluations:,} rule evaluations "
        f"({evaluations / max(cost, 1e-9):,.0f} evaluations/s on 2 cores)"
    )


if __name__ == "__main__":
    main()
