#!/usr/bin/env python3
"""`rampart audit --snapshot` on generated clusters.

Writes snapshots shaped as `kubectl get deploy,rs,pods,svc,sa,secrets -A -o
json` writes them (a List; managed fields, status, owner references): per
namespace 10 Deployments, each with a ReplicaSet and 4 Pods, a Service, a
ServiceAccount and 2 Secrets. Sizes of 10k, 50k and 100k objects. At 100k
that is 15,620 Deployments, as many ReplicaSets and 62,480 Pods: more
workloads than the issue's 5,000 Deployments and 20,000 Pods among 100,000
objects, so a harder case (workloads cost the most to judge). Times the release binary on each (median of --runs) and reports
its peak memory (GNU time's maximum resident set size).

Usage: python3 bench/audit.py [--runs N] [--sizes 10000,50000,100000] [--padding 0,100]
Run from the repository root. Builds the release binary first.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "rampart"
PER_NAMESPACE = 10 * (1 + 1 + 4) + 1 + 1 + 2  # 64 objects


# Extra managed-field entries per object (--padding): the same objects, more
# bytes, as kubectl's real managedFields list every field a manager set.
PADDING = 0


def managed(manager, time_):
    fields = {"f:metadata": {"f:labels": {}}}
    fields.update({f"f:field-{i}": {"f:value": {}} for i in range(PADDING)})
    return [{"apiVersion": "v1", "fieldsType": "FieldsV1", "fieldsV1": fields,
             "manager": manager, "operation": "Update", "time": time_}]


def pod_spec(n):
    return {
        "serviceAccountName": "app", "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{
            "name": "app", "image": f"registry.example.com/team/app{n}:1.{n % 7}.0",
            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "MODE", "value": "production"}, {"name": "DB_HOST", "value": "db.internal"}],
            "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5},
            "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": n % 5 != 0,
                                "capabilities": {"drop": ["ALL"]}},
            "terminationMessagePath": "/dev/termination-log", "imagePullPolicy": "IfNotPresent",
        }],
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
    }


def namespace_objects(ns_index):
    ns = f"team-{ns_index}"
    items = []
    for d in range(10):
        name = f"svc{d}"
        labels = {"app": name}
        meta = lambda kind, n, extra=None: {"name": n, "namespace": ns, "uid": f"{ns}-{kind}-{n}", "resourceVersion": "1",
                                            "creationTimestamp": "2026-01-01T00:00:00Z", "labels": dict(labels, **(extra or {})),
                                            "managedFields": managed("kube-controller-manager", "2026-01-01T00:00:00Z")}
        items.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta("deploy", name),
                      "spec": {"replicas": 4, "selector": {"matchLabels": labels},
                               "template": {"metadata": {"labels": labels}, "spec": pod_spec(d)}},
                      "status": {"replicas": 4, "readyReplicas": 4}})
        rs = f"{name}-6f7d8c"
        rs_meta = meta("rs", rs, {"pod-template-hash": "6f7d8c"})
        rs_meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": f"{ns}-deploy-{name}", "controller": True}]
        items.append({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": rs_meta,
                      "spec": {"replicas": 4, "selector": {"matchLabels": labels},
                               "template": {"metadata": {"labels": labels}, "spec": pod_spec(d)}},
                      "status": {"replicas": 4}})
        for p in range(4):
            pod = f"{rs}-p{p}x"
            pod_meta = meta("pod", pod, {"pod-template-hash": "6f7d8c"})
            pod_meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": f"{ns}-rs-{rs}", "controller": True}]
            spec = pod_spec(d)
            spec["nodeName"] = f"node-{p}"
            items.append({"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec,
                          "status": {"phase": "Running", "podIP": f"10.{ns_index % 250}.{d}.{p}",
                                     "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                                                            "image": spec["containers"][0]["image"],
                                                            "imageID": "registry.example.com/team/app@sha256:" + "ab" * 32}]}})
    items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc0", "namespace": ns},
                  "spec": {"selector": {"app": "svc0"}, "ports": [{"port": 80, "targetPort": 8080}], "type": "ClusterIP"}})
    items.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": ns}, "automountServiceAccountToken": False})
    for s in range(2):
        items.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": f"creds-{s}", "namespace": ns,
                      "creationTimestamp": "2026-11-01T00:00:00Z"}, "type": "Opaque", "data": {"password": "c2VjcmV0LXZhbHVl"}})
    return items


def write_snapshot(path, objects):
    namespaces = max(1, objects // PER_NAMESPACE)
    with open(path, "w") as out:
        out.write('{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [\n')
        first = True
        count = 0
        for n in range(namespaces):
            for item in namespace_objects(n):
                if not first:
                    out.write(",\n")
                out.write(json.dumps(item, indent=4))
                first = False
                count += 1
        out.write("\n]}\n")
    return count


def run(snapshot):
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", str(BINARY), "audit", "--snapshot", str(snapshot), "-f", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"rampart audit failed ({result.returncode}): {result.stderr[-2000:]}")
    peak_kib = int(result.stderr.strip().splitlines()[-1])
    return elapsed, peak_kib


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="10000,50000,100000")
    parser.add_argument("--padding", default="0,100",
                        help="managed-field entries added per object, one row each at the largest size")
    args = parser.parse_args()
    global PADDING
    if not Path("/usr/bin/time").exists():
        sys.exit("GNU time is missing: apt-get install time")
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    paddings = [int(p) for p in args.padding.split(",")]
    # Every size unpadded, then the largest with each padding: memory must
    # follow the objects, not the bytes.
    cases = [(size, 0) for size in sizes] + [(sizes[-1], p) for p in paddings if p]
    with tempfile.TemporaryDirectory() as temp:
        for size, padding in cases:
            PADDING = padding
            snapshot = Path(temp) / f"cluster-{size}-{padding}.json"
            count = write_snapshot(snapshot, size)
            megabytes = snapshot.stat().st_size / 1e6
            results = [run(snapshot) for _ in range(args.runs)]
            median = statistics.median(r[0] for r in results)
            peak = max(r[1] for r in results) / 1024
            print(f"{count:,} objects ({megabytes:.0f} MB of JSON): median {median:.2f} s over {args.runs} runs; peak {peak:.0f} MiB")
            snapshot.unlink()


if __name__ == "__main__":
    main()
