#!/usr/bin/env python3
"""Rampart's manifest-scan benchmark.

Times `rampart scan --format json` on ../shared/corpus/real-manifests and on a
generated corpus of 100,000 Kubernetes resources, reports wall time, MB/s and
peak memory, and, when Checkov is installed (`pip install checkov`), times
Checkov's Kubernetes framework on the same real corpus and prints the ratio.

Usage: python3 bench/bench.py [--runs N] [--resources N] [--no-checkov] [--checkov PATH]
Run from the repository root. Builds the release binary first.
"""

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "real-manifests"
GENERATED = ROOT / "target" / "bench-corpus"
BINARY = ROOT / "target" / "release" / "rampart"


def run_measured(command, cwd=None):
    """Runs a command, returns (wall seconds, peak RSS in MiB, exit code)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def tree_size(path):
    files = [p for p in path.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


# Rendered Helm output, as CI scans it: chart labels and annotations,
# comments naming the template, real-sized configuration. About a third of
# the workloads carry the usual gaps (root, writable filesystem, mutable
# tags, a privileged sidecar, the default service account).

LABELS = """    app.kubernetes.io/name: {name}
    app.kubernetes.io/instance: release-{team}
    app.kubernetes.io/version: "1.{minor}.0"
    app.kubernetes.io/component: {tier}
    app.kubernetes.io/part-of: platform-{team}
    app.kubernetes.io/managed-by: Helm
    helm.sh/chart: {name}-0.{minor}.3"""

DEPLOYMENT = """# Source: {name}/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: team-{team}
  labels:
{labels}
  annotations:
    meta.helm.sh/release-name: release-{team}
    meta.helm.sh/release-namespace: team-{team}
spec:
  replicas: {replicas}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate: {{maxSurge: 25%, maxUnavailable: 0}}
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
      app.kubernetes.io/instance: release-{team}
  template:
    metadata:
      labels:
{pod_labels}
      annotations:
        checksum/config: {checksum}
        prometheus.io/scrape: "true"
        prometheus.io/port: "9090"
    spec:
      serviceAccountName: {sa}
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: {non_root}
        runAsUser: 10001
        fsGroup: 10001
        seccompProfile: {{type: RuntimeDefault}}
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: {name}
      containers:
        - name: app
          image: registry.example.com/team-{team}/{name}:{version}
          imagePullPolicy: IfNotPresent
          args: ["--config", "/etc/{name}/app.yaml", "--port", "8080"]
          ports:
            - {{name: http, containerPort: 8080, protocol: TCP}}
            - {{name: metrics, containerPort: 9090, protocol: TCP}}
          env:
            - name: LOG_LEVEL
              value: info
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: http://otel-collector.observability:4317
            - name: DB_HOST
              value: postgres.team-{team}.svc.cluster.local
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef: {{name: {name}-db, key: password}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: {read_only}
            capabilities:
              drop: [ALL]
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
          livenessProbe:
            httpGet: {{path: /healthz, port: http}}
            initialDelaySeconds: 10
            periodSeconds: 10
          readinessProbe:
            httpGet: {{path: /ready, port: http}}
            periodSeconds: 5
          volumeMounts:
            - {{name: config, mountPath: /etc/{name}}}
            - {{name: tmp, mountPath: /tmp}}
{sidecar}      volumes:
        - name: config
          configMap: {{name: {name}-config}}
        - name: tmp
          emptyDir: {{}}
"""

SIDECAR = """        - name: proxy
          image: envoyproxy/envoy:v1.{minor}.0
          securityContext:
            privileged: {privileged}
"""

SERVICE = """# Source: {name}/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: team-{team}
  labels:
{labels}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/instance: release-{team}
  ports:
    - {{name: http, port: 80, targetPort: http, protocol: TCP}}
    - {{name: metrics, port: 9090, targetPort: metrics, protocol: TCP}}
"""

CONFIGMAP = """# Source: {name}/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-config
  namespace: team-{team}
  labels:
{labels}
data:
  app.yaml: |
    server:
      port: 8080
      readTimeout: 15s
      writeTimeout: 30s
    database:
      host: postgres.team-{team}.svc.cluster.local
      pool: {{min: 2, max: {pool}}}
    cache:
      size: {cache}
      ttl: 5m
    features: [{flags}]
    logging:
      level: info
      format: json
"""

CRONJOB = """# Source: {name}/templates/cronjob.yaml
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}-report
  namespace: team-{team}
  labels:
{labels}
spec:
  schedule: "0 {hour} * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          serviceAccountName: {name}
          restartPolicy: OnFailure
          securityContext:
            runAsNonRoot: true
            seccompProfile: {{type: RuntimeDefault}}
          containers:
            - name: report
              image: registry.example.com/team-{team}/report@sha256:{digest}
              args: ["--since", "24h"]
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {{drop: [ALL]}}
              resources:
                limits: {{cpu: 200m, memory: 128Mi}}
"""


def generate(resources, files=1000):
    """Writes `resources` objects into `files` multi-document files, mixing
    Deployments, Services, ConfigMaps and CronJobs, some hardened, some not.
    The same seed always gives the same corpus."""
    if GENERATED.exists():
        shutil.rmtree(GENERATED)
    GENERATED.mkdir(parents=True)
    rng = random.Random(20261122)
    templates = [DEPLOYMENT, SERVICE, CONFIGMAP, CRONJOB]
    per_file = resources // files
    for index in range(files):
        documents = []
        for position in range(per_file):
            number = index * per_file + position
            template = templates[number % len(templates)]
            name = f"svc-{number // len(templates)}"
            team = rng.randrange(40)
            minor = rng.randrange(20, 32)
            tier = rng.choice(["web", "api", "worker"])
            labels = LABELS.format(name=name, team=team, minor=minor, tier=tier)
            gaps = rng.random() < 0.35
            documents.append(
                template.format(
                    name=name,
                    team=team,
                    tier=tier,
                    minor=minor,
                    labels=labels,
                    pod_labels="\n".join("    " + line for line in labels.splitlines()),
                    replicas=rng.randrange(2, 6),
                    sa="default" if gaps and rng.random() < 0.5 else name,
                    non_root="false" if gaps else "true",
                    version=rng.choice(["latest", "1.2"]) if gaps else f"1.{minor}.{rng.randrange(9)}@sha256:{rng.getrandbits(256):064x}",
                    read_only="false" if gaps else "true",
                    sidecar=SIDECAR.format(minor=minor, privileged=rng.choice(["false", "true"])) if gaps else "",
                    privileged="false",
                    checksum=f"{rng.getrandbits(256):064x}",
                    flags=", ".join(rng.choice(["search", "checkout", "beta-ui", "dark-mode"]) for _ in range(4)),
                    cache=rng.randrange(1000, 100000),
                    pool=rng.randrange(5, 50),
                    hour=rng.randrange(24),
                    digest=f"{rng.getrandbits(256):064x}",
                )
            )
        (GENERATED / f"bundle-{index:04}.yaml").write_text("---\n".join(documents))


CROSS = ROOT / "target" / "bench-cross"

NAMESPACE_HEAD = """apiVersion: v1
kind: Namespace
metadata:
  name: {ns}
  labels:
    pod-security.kubernetes.io/enforce: {level}
    team: team-{team}
---
apiVersion: v1
kind: ResourceQuota
metadata: {{name: quota, namespace: {ns}}}
spec:
  hard: {{requests.cpu: "20", requests.memory: 40Gi, pods: "200"}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: default-deny, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Ingress, Egress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: allow-dns, namespace: {ns}}}
spec:
  podSelector: {{}}
  policyTypes: [Egress]
  egress:
    - to:
        - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: kube-system}}}}
      ports: [{{protocol: UDP, port: 53}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: web-from-ingress, namespace: {ns}}}
spec:
  podSelector:
    matchExpressions: [{{key: tier, operator: In, values: [web]}}]
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector: {{matchLabels: {{kubernetes.io/metadata.name: ingress}}}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: api-from-web, namespace: {ns}}}
spec:
  podSelector: {{matchLabels: {{tier: api}}}}
  policyTypes: [Ingress]
  ingress:
    - from: [{{podSelector: {{matchLabels: {{tier: web}}}}}}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {{name: db-from-api, namespace: {ns}}}
spec:
  podSelector: {{matchLabels: {{tier: db}}}}
  policyTypes: [Ingress]
  ingress:
    - from: [{{podSelector: {{matchLabels: {{tier: api}}}}}}]
---
apiVersion: v1
kind: ServiceAccount
metadata: {{name: app, namespace: {ns}}}
automountServiceAccountToken: false
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: app
  namespace: {ns}
  annotations: {{rampart.dev/owner: team-{team}, rampart.dev/review-by: "2099-01-01"}}
rules:
  - apiGroups: [""]
    resources: [configmaps]
    verbs: [get, list, watch]
  - apiGroups: [""]
    resources: [secrets]
    resourceNames: [app-tls]
    verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: app
  namespace: {ns}
  annotations: {{rampart.dev/owner: team-{team}, rampart.dev/review-by: "2099-01-01"}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: app}}
subjects: [{{kind: ServiceAccount, name: app}}, {{kind: Group, name: team-{team}}}]
"""

SMALL_WORKLOAD = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: w{index}
  namespace: {ns}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: w{index}
  template:
    metadata:
      labels:
        app: w{index}
        tier: {tier}
    spec:
      serviceAccountName: app
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: app
          image: registry.example.com/{ns}/w{index}:1.0@sha256:{digest}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
          resources:
            requests:
              cpu: 10m
              memory: 32Mi
            limits:
              cpu: 100m
              memory: 64Mi
          livenessProbe:
            tcpSocket:
              port: 8080
          readinessProbe:
            tcpSocket:
              port: 8080
"""

SERVICE_PER_NAMESPACE = """apiVersion: v1
kind: Service
metadata:
  name: front
  namespace: {ns}
spec:
  selector:
    tier: {target}
  ports:
    - port: 80
      targetPort: 8080
"""


def generate_cross(namespaces, workloads):
    """`namespaces` namespaces, each with its Pod Security label, a quota,
    5 NetworkPolicies, a service account, a Role and a RoleBinding, a
    Service, and `workloads` Deployments (block style, as `helm template`
    writes them). One Service in a hundred selects nothing, so the
    cross-resource rules have something to find."""
    if CROSS.exists():
        shutil.rmtree(CROSS)
    CROSS.mkdir(parents=True)
    rng = random.Random(3)
    for n in range(namespaces):
        ns = f"ns-{n:04}"
        documents = [NAMESPACE_HEAD.format(ns=ns, team=n % 97, level="restricted" if n % 10 else "baseline")]
        documents.append(SERVICE_PER_NAMESPACE.format(ns=ns, target="web" if n % 100 else "nothing"))
        for index in range(workloads):
            documents.append(
                SMALL_WORKLOAD.format(
                    ns=ns,
                    index=index,
                    tier=("web", "api", "db")[index % 3],
                    digest=f"{rng.getrandbits(256):064x}",
                )
            )
        (CROSS / f"{ns}.yaml").write_text("---\n".join(documents))


def bench(label, command, runs, size_bytes, files):
    # One untimed run first: files in the page cache, nothing left to write back.
    os.sync()
    run_measured(command)
    walls, peaks = [], []
    for _ in range(runs):
        wall, peak, code = run_measured(command)
        walls.append(wall)
        peaks.append(peak)
    median = statistics.median(walls)
    print(
        f"{label}: {files} files, {size_bytes / 1e6:.1f} MB; median {median:.3f} s over {runs} runs "
        f"(min {min(walls):.3f}, max {max(walls):.3f}); {size_bytes / 1e6 / median:.1f} MB/s; "
        f"peak RSS {max(peaks):.0f} MiB; exit {code}"
    )
    return median


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--resources", type=int, default=100_000)
    parser.add_argument("--no-checkov", action="store_true")
    parser.add_argument("--checkov", default=shutil.which("checkov"), help="path of the checkov executable")
    args = parser.parse_args()

    subprocess.run(["cargo", "build", "--release", "-p", "rampart", "--quiet"], cwd=ROOT, check=True)
    print(f"machine: {os.cpu_count()} cores; rampart {subprocess.run([BINARY, '--version'], capture_output=True, text=True).stdout.strip()}")

    if not CORPUS.is_dir():
        print(f"skipped: {CORPUS} is absent")
        return
    files, size = tree_size(CORPUS)
    rampart_real = bench("rampart real-manifests", [BINARY, "scan", CORPUS, "--format", "json"], args.runs, size, files)

    generate(args.resources)
    files, size = tree_size(GENERATED)
    bench(f"rampart generated ({args.resources} resources)", [BINARY, "scan", GENERATED, "--format", "json"], args.runs, size, files)

    generate_cross(2000, 50)
    files, size = tree_size(CROSS)
    bench(
        "rampart cross-resource (2,000 namespaces x 50 workloads x 5 NetworkPolicies, RBAC)",
        [BINARY, "scan", CROSS, "--format", "json"],
        args.runs,
        size,
        files,
    )

    checkov = args.checkov
    if args.no_checkov:
        return
    if checkov is None:
        print("checkov: not installed (pip install checkov); no comparison")
        return
    version = subprocess.run([checkov, "--version"], capture_output=True, text=True).stdout.strip()
    files, size = tree_size(CORPUS)
    command = [checkov, "-d", CORPUS, "--framework", "kubernetes", "--quiet", "--compact", "--skip-download", "-o", "json"]
    checkov_real = bench(f"checkov {version} real-manifests", command, 1, size, files)
    print(f"ratio: rampart is {checkov_real / rampart_real:.0f}x faster than checkov on real-manifests")


if __name__ == "__main__":
    sys.exit(main())
