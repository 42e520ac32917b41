#!/usr/bin/env python3
"""The admission webhook under load, on this machine.

Starts the release `rampart serve` over TLS (a self-signed P-256
certificate made with openssl) in enforce mode, and drives it with wrk
(Debian's package) posting an AdmissionReview for a typical Deployment
over keep-alive connections: as fast as it answers at 16 and 64
connections (saturated: the latency is mostly queueing), then at 16
connections each pausing 1 ms between reviews (about 10,000 reviews/s,
the target's rate, below saturation). Reports reviews per second, wrk's
latency percentiles (p99.9 from its histogram), the server's peak memory
(VmHWM), and the mean in-process evaluation time from the server's own
histogram. wrk and the server share the machine's cores.

Usage: python3 bench/admission.py [--seconds N]
Run from the repository root. Builds the release binary first.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import ssl
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "rampart"
PORT = 18443

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "checkout", "labels": {"app": "checkout"}},
    "spec": {
        "replicas": 3,
        "selector": {"matchLabels": {"app": "checkout"}},
        "template": {
            "metadata": {"labels": {"app": "checkout"}},
            "spec": {
                "serviceAccountName": "checkout",
                "automountServiceAccountToken": False,
                "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [
                    {
                        "name": "checkout",
                        "image": "registry.example.com/shop/checkout:1.14.2",
                        "ports": [{"containerPort": 8080}],
                        "env": [{"name": "MODE", "value": "production"}],
                        "securityContext": {
                            "allowPrivilegeEscalation": False,
                            "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]},
                        },
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
                        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
                    }
                ],
            },
        },
    },
}

REVIEW = {
    "apiVersion": "admission.k8s.io/v1",
    "kind": "AdmissionReview",
    "request": {
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
        "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
        "namespace": "shop",
        "name": "checkout",
        "operation": "CREATE",
        "userInfo": {"username": "system:serviceaccount:ci:deployer"},
        "object": DEPLOYMENT,
    },
}


def certificate(folder):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(folder / "tls.key"), "-out", str(folder / "tls.crt"), "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def metrics():
    context = ssl._create_unverified_context()
    with urllib.request.urlopen(f"https://127.0.0.1:{PORT}/metrics", context=context) as answer:
        return answer.read().decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk")
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        certificate(folder)
        lua = (
            'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '
            + json.dumps(json.dumps(REVIEW)) + "\n"
            # wrk prints p50..p99 itself; p99.9 comes from its histogram.
            + 'done = function(summary, latency, requests)\n'
            + '  io.write(string.format("p99.9 %.0fus\\n", latency:percentile(99.9)))\n'
            + 'end\n'
        )
        (folder / "review.lua").write_text(lua)
        (folder / "paced.lua").write_text(lua + "delay = function() return 1 end\n")
        server = subprocess.Popen(
            [str(BINARY), "serve", "--listen", f"127.0.0.1:{PORT}", "--tls-cert", str(folder / "tls.crt"),
             "--tls-key", str(folder / "tls.key"), "--mode", "enforce"],
            cwd=temp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(1.0)
            for connections, script, label in ((16, "review.lua", ""), (64, "review.lua", ""), (16, "paced.lua", " paced 1 ms")):
                result = subprocess.run(
                    ["wrk", "-t2", f"-c{connections}", f"-d{args.seconds}s", "--latency", "-s", str(folder / script),
                     f"https://127.0.0.1:{PORT}/validate"],
                    capture_output=True, text=True, check=True,
                ).stdout
                rate = re.search(r"Requests/sec:\s+([\d.]+)", result).group(1)
                percentiles = dict(re.findall(r"\s+(50|75|90|99)%\s+([\d.]+\w+)", result))
                errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
                tail = re.search(r"p99.9 (\d+)us", result)
                tail = f"{int(tail.group(1)) / 1000:.2f}ms" if tail else "?"
                print(
                    f"{connections} connections{label}: {float(rate):,.0f} reviews/s; latency p50 {percentiles.get('50')}, "
                    f"p90 {percentiles.get('90')}, p99 {percentiles.get('99')}, p99.9 {tail}; non-2xx {errors.group(1) if errors else 0}"
                )
            text = metrics()
            total = float(re.search(r"rampart_admission_evaluation_seconds_sum ([\d.e-]+)", text).group(1))
            count = float(re.search(r"rampart_admission_evaluation_seconds_count (\d+)", text).group(1))
            peak = next(line for line in Path(f"/proc/{server.pid}/status").read_text().splitlines() if line.startswith("VmHWM"))
            print(f"mean evaluation {total / count * 1e6:.0f} us over {int(count):,} reviews; server {peak.split(':')[1].strip()} peak")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
