#!/usr/bin/env python3
"""Audit-log detection throughput, memory and recall on a generated log.

Writes an audit log of --events events (default 1,000,000) in the shape
the API server's log backend writes (audit.k8s.io/v1, one JSON object per
line, metadata-level reads, request-level writes with their objects): a
realistic mix, mostly get/list/watch by controllers, kubelets and
workloads (including the Secret reads Kubernetes' own components make by
design), some writes by the deployment pipeline, health checks, and a few
hundred planted incidents spread through it (exec into pods, unexpected
Secret reads, a cluster-wide Secret list, cluster-admin bindings,
privileged pods, anonymous requests let through, 403 spikes, webhook
deletions, nodes/proxy, impersonation). Then times the release
`rampart audit-log LOG -f json` (median of --runs), and reports events/s,
MB/s, the peak resident memory (/usr/bin/time), and recall: the share of
planted incidents (by audit ID) that a finding of the expected rule names,
and the findings that name no planted incident (false alarms).

With --webhook it then starts the release `rampart serve --audit` on
127.0.0.1 (plain HTTP) and posts the same events as the API server's
webhook backend does (EventList batches of 400, one connection kept
alive), and reports events/s through the endpoint and the detections the
server printed.

Usage: python3 bench/auditlog.py [--events N] [--runs N] [--keep] [--webhook]
Run from the repository root. Builds the release binary first.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "rampart"

NAMESPACES = ["shop", "payments", "search", "data", "web", "batch", "ml", "auth"]
CONTROLLERS = [
    "system:kube-controller-manager",
    "system:kube-scheduler",
    "system:serviceaccount:kube-system:replicaset-controller",
    "system:serviceaccount:kube-system:endpointslice-controller",
    "system:serviceaccount:kube-system:generic-garbage-collector",
    "system:serviceaccount:kube-system:namespace-controller",
]
RESOURCES = ["pods", "services", "endpoints", "configmaps", "deployments", "replicasets", "leases", "events", "nodes"]


def timestamp(second):
    base = 1_796_083_200  # 2026-12-01T00:00:00Z
    t = time.gmtime(base + second // 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%06dZ" % ((second % 1000) * 1000)


def event(audit_id, ms, user, groups, verb, resource, namespace=None, name=None, code=200,
          subresource=None, level="Metadata", request_object=None, uri=None, impersonated=None,
          user_agent="kube-controller-manager/v1.31.2 (linux/amd64)", stage="ResponseComplete"):
    object_ref = {"resource": resource, "apiVersion": "v1"}
    if resource in ("deployments", "replicasets", "daemonsets"):
        object_ref["apiGroup"] = "apps"
    if resource in ("roles", "clusterroles", "rolebindings", "clusterrolebindings"):
        object_ref["apiGroup"] = "rbac.authorization.k8s.io"
    if resource == "validatingwebhookconfigurations":
        object_ref["apiGroup"] = "admissionregistration.k8s.io"
    if namespace:
        object_ref["namespace"] = namespace
    if name:
        object_ref["name"] = name
    if subresource:
        object_ref["subresource"] = subresource
    path = "/api/v1/" + (f"namespaces/{namespace}/" if namespace else "") + resource + (f"/{name}" if name else "")
    out = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": level,
        "auditID": audit_id,
        "stage": stage,
        "requestURI": uri or path,
        "verb": verb,
        "user": {"username": user, "groups": groups},
        "sourceIPs": ["10.0.%d.%d" % (random.randint(0, 3), random.randint(2, 250))],
        "userAgent": user_agent,
        "objectRef": object_ref,
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": timestamp(ms),
        "stageTimestamp": timestamp(ms + 3),
        "annotations": {"authorization.k8s.io/decision": "allow" if code < 400 else "forbid",
                        "authorization.k8s.io/reason": ""},
    }
    if impersonated:
        out["impersonatedUser"] = {"username": impersonated, "groups": ["system:masters"]}
    if request_object is not None:
        out["requestObject"] = request_object
    return out


def routine(index, ms):
    """A background event nobody should be alerted about."""
    roll = random.random()
    audit_id = "bg-%d" % index
    groups = ["system:authenticated"]
    if roll < 0.55:
        user = random.choice(CONTROLLERS)
        verb = random.choice(["get", "list", "watch", "watch", "list"])
        resource = random.choice(RESOURCES + ["secrets"])
        namespace = random.choice(NAMESPACES + [None])
        return event(audit_id, ms, user, groups, verb, resource, namespace)
    if roll < 0.80:
        node = "system:node:worker-%d" % random.randint(1, 40)
        resource = random.choice(["pods", "nodes", "leases", "secrets", "configmaps", "serviceaccounts"])
        subresource = "token" if resource == "serviceaccounts" else ("status" if resource in ("pods", "nodes") else None)
        verb = "create" if subresource == "token" else random.choice(["get", "patch", "update", "watch"])
        return event(audit_id, ms, node, ["system:nodes", "system:authenticated"], verb, resource,
                     random.choice(NAMESPACES), "obj-%d" % random.randint(1, 500), subresource=subresource,
                     user_agent="kubelet/v1.31.2 (linux/amd64)")
    if roll < 0.93:
        namespace = random.choice(NAMESPACES)
        user = "system:serviceaccount:%s:app" % namespace
        return event(audit_id, ms, user, groups, random.choice(["get", "list", "watch"]),
                     random.choice(["configmaps", "endpoints", "pods", "leases"]), namespace,
                     user_agent="client-go/0.31 (linux/amd64)")
    if roll < 0.97:
        namespace = random.choice(NAMESPACES)
        pod = {"kind": "Deployment", "apiVersion": "apps/v1",
               "metadata": {"name": "app-%d" % index, "namespace": namespace},
               "spec": {"template": {"spec": {"containers": [
                   {"name": "app", "image": "registry.example.com/app:1",
                    "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False}}]}}}}
        return event(audit_id, ms, "system:serviceaccount:ci:deployer", groups, random.choice(["create", "update", "patch"]),
                     "deployments", namespace, "app-%d" % index, level="Request", request_object=pod,
                     user_agent="argocd-application-controller/v2.12")
    return event(audit_id, ms, "system:anonymous", ["system:unauthenticated"], "get", "", None, None,
                 uri=random.choice(["/healthz", "/readyz", "/livez", "/version"]), user_agent="kube-probe/1.31")


def incidents(ms, index):
    """A planted incident: (expected rule, events)."""
    kind = index % 10
    who = "mallory-%d" % index
    groups = ["system:authenticated"]
    audit_id = "inc-%d" % index
    if kind == 0:
        return "audit-pod-exec", [event(audit_id, ms, who, groups, "create", "pods", "shop", "web-1", 101, "exec",
                                        uri="/api/v1/namespaces/shop/pods/web-1/exec?command=sh&container=app",
                                        stage="ResponseStarted", user_agent="kubectl/v1.31.0")]
    if kind == 1:
        return "audit-secret-read-unexpected", [event(audit_id, ms, who, groups, "get", "secrets", "payments", "db-credentials",
                                                      user_agent="kubectl/v1.31.0")]
    if kind == 2:
        return "audit-secret-list-cluster-wide", [event(audit_id, ms, who, groups, "list", "secrets", user_agent="curl/8.5")]
    if kind == 3:
        binding = {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
                   "metadata": {"name": "backdoor-%d" % index},
                   "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
                   "subjects": [{"kind": "User", "name": who, "apiGroup": "rbac.authorization.k8s.io"}]}
        return "audit-rbac-risky-grant", [event(audit_id, ms, who, groups, "create", "clusterrolebindings", None,
                                                "backdoor-%d" % index, 201, level="Request", request_object=binding)]
    if kind == 4:
        pod = {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "debug-%d" % index, "namespace": "web"},
               "spec": {"hostPID": True, "containers": [{"name": "x", "image": "alpine",
                                                          "securityContext": {"privileged": True}}]}}
        return "audit-workload-breaks-pod-security", [event(audit_id, ms, who, groups, "create", "pods", "web",
                                                            "debug-%d" % index, 201, level="Request", request_object=pod)]
    if kind == 5:
        return "audit-anonymous-allowed", [event(audit_id, ms, "system:anonymous", ["system:unauthenticated"], "list",
                                                 "pods", None, None, user_agent="masscan")]
    if kind == 6:
        events = [event("%s-%d" % (audit_id, n), ms + n * 200, who, groups, "get", random.choice(["secrets", "pods", "nodes", "configmaps"]),
                        random.choice(NAMESPACES), "x", 403) for n in range(25)]
        return "audit-forbidden-spike", events
    if kind == 7:
        return "audit-admission-guard-changed", [event(audit_id, ms, who, groups, "delete", "validatingwebhookconfigurations",
                                                       None, "rampart", 200)]
    if kind == 8:
        return "audit-node-proxy", [event(audit_id, ms, who, groups, "get", "nodes", None, "worker-3", 200, "proxy")]
    return "audit-impersonation", [event(audit_id, ms, who, groups, "delete", "namespaces", None, "shop", 200,
                                         impersonated="system:admin")]


def generate(path, count, planted):
    random.seed(7)
    expected = {}
    plant_at = set(random.sample(range(count), planted))
    written = 0
    ms = 0
    incident_index = 0
    with open(path, "w") as out:
        while written < count:
            ms += random.randint(0, 3)
            if written in plant_at:
                rule, events = incidents(ms, incident_index)
                incident_index += 1
                # A spike is reported at the refusal that reaches the threshold (20 by default).
                expected[events[19]["auditID"] if rule == "audit-forbidden-spike" else events[0]["auditID"]] = rule
                for e in events:
                    out.write(json.dumps(e, separators=(",", ":")) + "\n")
                written += len(events)
            else:
                out.write(json.dumps(routine(written, ms), separators=(",", ":")) + "\n")
                written += 1
    return expected, written


def webhook(log, work, expected):
    import http.client
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    out = open(work / "detections.jsonl", "w")
    server = subprocess.Popen([str(BINARY), "serve", "--audit", "--listen", f"127.0.0.1:{port}"],
                              cwd=work, stdout=out, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        batches = []
        with open(log, "rb") as lines:
            batch = []
            for line in lines:
                batch.append(line.rstrip(b"\n"))
                if len(batch) == 400:
                    batches.append(b'{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[' + b",".join(batch) + b"]}")
                    batch = []
            if batch:
                batches.append(b'{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[' + b",".join(batch) + b"]}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        events = 0
        begin = time.perf_counter()
        for body in batches:
            connection.request("POST", "/audit", body, {"content-type": "application/json"})
            answer = connection.getresponse()
            text = answer.read().decode()
            if answer.status != 200:
                raise SystemExit(f"/audit answered {answer.status}: {text}")
            events += int(text.split()[0])
        elapsed = time.perf_counter() - begin
        connection.request("GET", "/metrics")
        metrics = connection.getresponse().read().decode()
        busy = next(float(line.split()[-1]) for line in metrics.splitlines()
                    if line.startswith("rampart_admission_audit_batch_seconds_sum"))
    finally:
        server.terminate()
        server.wait()
        out.close()
    detections = [json.loads(line) for line in open(work / "detections.jsonl")]
    ids = {d["event"]["auditID"] for d in detections}
    recalled = sum(1 for audit_id in expected if audit_id in ids)
    print(f"rampart serve --audit: {events:,} events in {len(batches)} batches of 400 in {elapsed:.2f} s: "
          f"{events / elapsed:,.0f} events/s; {len(detections)} detections, {recalled}/{len(expected)} planted incidents")
    print(f"  the server judging the batches: {busy:.2f} s in all, {events / busy:,.0f} events/s of its own time "
          f"(the rest is the client building and sending them on the same cores)")
    (work / "detections.jsonl").unlink()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--planted", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--webhook", action="store_true")
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)
    work = Path(tempfile.mkdtemp(prefix="rampart-auditlog-"))
    log = work / "audit.log"
    started = time.time()
    expected, written = generate(log, args.events, args.planted)
    size = log.stat().st_size
    print(f"generated {written:,} events, {size / 1e6:.0f} MB, {len(expected)} incidents in {time.time() - started:.0f} s")
    times = []
    peak = 0
    report = None
    for _ in range(args.runs):
        begin = time.perf_counter()
        run = subprocess.run(["/usr/bin/time", "-f", "%M", str(BINARY), "audit-log", str(log), "-f", "json"],
                             cwd=work, capture_output=True, text=True)
        times.append(time.perf_counter() - begin)
        peak = max(peak, int(run.stderr.strip().splitlines()[-1]))
        report = json.loads(run.stdout)
    median = statistics.median(times)
    found = {}
    for finding in report["findings"]:
        found.setdefault(finding["event"]["auditID"], set()).add(finding["rule"])
    recalled = sum(1 for audit_id, rule in expected.items() if rule in found.get(audit_id, set()))
    false_alarms = [a for a in found if not a.startswith("inc-")]
    by_rule = {}
    for audit_id, rule in expected.items():
        total, hit = by_rule.get(rule, (0, 0))
        by_rule[rule] = (total + 1, hit + (rule in found.get(audit_id, set())))
    print(f"rampart audit-log: median {median:.2f} s over {args.runs} runs: "
          f"{written / median:,.0f} events/s, {size / median / 1e6:,.0f} MB/s, peak RSS {peak / 1024:.0f} MiB")
    print(f"recall: {recalled}/{len(expected)} planted incidents; findings naming no planted incident: {len(false_alarms)}")
    for rule, (total, hit) in sorted(by_rule.items()):
        print(f"  {rule}: {hit}/{total}")
    if false_alarms:
        print("  false alarms, first ones:", false_alarms[:5])
    if args.webhook:
        webhook(log, work, expected)
    if not args.keep:
        log.unlink()
        os.rmdir(work)
    else:
        print("kept", work)


if __name__ == "__main__":
    sys.exit(main())
