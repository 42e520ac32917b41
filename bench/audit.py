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

With --live, each size is also served by a fake API server on 127.0.0.1
(discovery, pages of 500 with continue tokens, Secrets as metadata only) and
read by `rampart audit --kubeconfig`; the server shares the 2 cores.

Usage: python3 bench/audit.py [--runs N] [--sizes 10000,50000,100000] [--padding 0,100] [--live]
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


KINDS = {  # kind -> (group version, plural, namespaced)
    "Namespace": ("v1", "namespaces", False), "Pod": ("v1", "pods", True), "Service": ("v1", "services", True),
    "ServiceAccount": ("v1", "serviceaccounts", True), "Secret": ("v1", "secrets", True),
    "ConfigMap": ("v1", "configmaps", True), "Deployment": ("apps/v1", "deployments", True),
    "ReplicaSet": ("apps/v1", "replicasets", True),
}


def serve_cluster(objects):
    """A fake API server on 127.0.0.1 holding the generated cluster: discovery,
    lists paged by `limit`/`continue` (items without kind and apiVersion, as
    the API server sends them), Secrets as PartialObjectMetadataList when
    asked. Page bodies are built from JSON encoded once, so the server costs
    little beside rampart. Returns (server, url)."""
    import http.server
    import threading
    by_path = {}
    for kind, (group_version, plural, _) in KINDS.items():
        root = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
        by_path[f"{root}/{plural}"] = (kind, group_version, [])
    for item in namespace_items(objects):
        kind, group_version, items = by_path[path_of(item["kind"])]
        bare = {k: v for k, v in item.items() if k not in ("kind", "apiVersion")}
        meta = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": item["metadata"]}
        items.append((json.dumps(bare).encode(), json.dumps(meta).encode()))

    def discovery(group_version):
        resources = [{"name": plural, "namespaced": namespaced, "kind": kind, "verbs": ["get", "list", "watch"]}
                     for kind, (gv, plural, namespaced) in KINDS.items() if gv == group_version]
        return {"kind": "APIResourceList", "groupVersion": group_version, "resources": resources}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, body, content_type="application/json", status=200):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            path, _, query = self.path.partition("?")
            params = dict(pair.split("=", 1) for pair in query.split("&") if "=" in pair)
            if path == "/api/v1":
                return self.reply(json.dumps(discovery("v1")).encode())
            if path == "/apis":
                groups = [{"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
                           "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}}]
                return self.reply(json.dumps({"kind": "APIGroupList", "groups": groups}).encode())
            if path == "/apis/apps/v1":
                return self.reply(json.dumps(discovery("apps/v1")).encode())
            if path not in by_path:
                return self.reply(b'{"kind":"Status","code":404}', status=404)
            kind, group_version, items = by_path[path]
            limit = int(params.get("limit", len(items) or 1))
            start = int(params.get("continue", "0"))
            end = min(start + limit, len(items))
            metadata_only = "as=PartialObjectMetadataList" in self.headers.get("Accept", "")
            chosen = b",".join(pair[1 if metadata_only else 0] for pair in items[start:end])
            cont = f',"continue":"{end}"' if end < len(items) else ""
            list_kind, version, content_type = (
                ("PartialObjectMetadataList", "meta.k8s.io/v1", "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
                if metadata_only else (f"{kind}List", group_version, "application/json"))
            body = (f'{{"kind":"{list_kind}","apiVersion":"{version}","metadata":{{"resourceVersion":"1"{cont}}},"items":['
                    .encode() + chosen + b"]}")
            self.reply(body, content_type)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def path_of(kind):
    group_version, plural, _ = KINDS[kind]
    root = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    return f"{root}/{plural}"


def namespace_items(objects):
    namespaces = max(1, objects // PER_NAMESPACE)
    for n in range(namespaces):
        yield from namespace_objects(n)


def run_live(url, temp):
    config = Path(temp) / "kubeconfig"
    config.write_text(f"""apiVersion: v1
kind: Config
clusters: [{{name: bench, cluster: {{server: "{url}"}}}}]
users: [{{name: bench, user: {{token: bench}}}}]
contexts: [{{name: bench, context: {{cluster: bench, user: bench}}}}]
current-context: bench
""")
    started = time.perf_counter()
    result = subprocess.run(["/usr/bin/time", "-f", "%M", str(BINARY), "audit", "--kubeconfig", str(config), "-f", "json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 1):
        sys.exit(f"rampart audit failed ({result.returncode}): {result.stderr[-2000:]}")
    objects = json.loads(result.stdout)["summary"]["objects"]
    return elapsed, int(result.stderr.strip().splitlines()[-1]), objects


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
    parser.add_argument("--live", action="store_true",
                        help="also read each size through a fake API server on 127.0.0.1 (pages of 500)")
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
            if args.live and padding == 0:
                server, url = serve_cluster(size)
                results = [run_live(url, temp) for _ in range(args.runs)]
                server.shutdown()
                median = statistics.median(r[0] for r in results)
                peak = max(r[1] for r in results) / 1024
                print(f"  live, pages of 500: {results[0][2]:,} objects judged; median {median:.2f} s; peak {peak:.0f} MiB")


if __name__ == "__main__":
    main()
