#!/usr/bin/env python3
"""Image signature verification against a real registry, on this machine.

Starts Debian's docker-registry on 127.0.0.1 (a free port, a fresh
folder), pushes 50 small images and signs each with a P-256 key the way
cosign does: half with the legacy `sha256-<digest>.sig` simple-signing
tag, half with a v0.3 Sigstore bundle attached as an OCI 1.1 referrer
(listed in the referrers tag-schema index, since distribution 2.8 has no
referrers API). Writes 1,000 Deployments naming the 50 images by tag, a
rampart.toml whose [[images.policy]] trusts the key, and times the
release `rampart images verify`:

- cold: `--no-cache` (every tag resolved, every signature fetched and
  verified), median of --runs;
- warm: with `.rampart/image-signatures.json` from a previous run (tags
  reused for up to 5 minutes, verified digests for the TTL), median;
- per image cold: `rampart images verify IMAGE --no-cache` for each of
  10 images, median (process start included).

With --webhook SECONDS it then measures what verification adds to the
admission webhook: the release `rampart serve` over TLS in enforce mode,
once with a rampart.toml without image policies and once with the policy
above, each driven by wrk (Debian's package) with an AdmissionReview for
a Deployment naming a signed image by tag (its verification cached after
the first review): one connection sending reviews back to back, then 16
connections each pausing 1 ms (about 10,000 reviews/s). Reports wrk's
percentiles for both servers, the difference at p50 and p99, and the
server's own mean time per answer.

Needs: docker-registry (apt-get install docker-registry), Python's
requests and cryptography.

Usage: python3 bench/signatures.py [--runs N] [--keep] [--webhook SECONDS]
Run from the repository root. Builds the release binary first.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import ssl
import urllib.request
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "target" / "release" / "rampart"
IMAGES = 50
WORKLOADS = 1000
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
SIMPLE_SIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
BUNDLE = "application/vnd.dev.sigstore.bundle.v0.3+json"


def canonical(value):
    return json.dumps(value, separators=(",", ":")).encode()


def sha(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def descriptor(media_type, data, **extra):
    return {"mediaType": media_type, "size": len(data), "digest": sha(data), **extra}


class Registry:
    def __init__(self, folder):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        (folder / "data").mkdir(parents=True)
        config = folder / "config.yml"
        config.write_text(
            "version: 0.1\nlog: {level: error}\n"
            f"storage:\n  filesystem: {{rootdirectory: {folder / 'data'}}}\n"
            f"http: {{addr: {self.address}}}\n"
        )
        self.process = subprocess.Popen(
            ["docker-registry", "serve", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.session = requests.Session()
        for _ in range(500):
            try:
                self.session.get(f"http://{self.address}/v2/", timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.02)
        raise SystemExit("docker-registry did not start")

    def stop(self):
        self.process.kill()
        self.process.wait()

    def blob(self, repository, data):
        base = f"http://{self.address}/v2/{repository}/blobs"
        if self.session.head(f"{base}/{sha(data)}").status_code == 200:
            return
        location = self.session.post(f"{base}/uploads/").headers["Location"]
        if not location.startswith("http"):
            location = f"http://{self.address}{location}"
        joiner = "&" if "?" in location else "?"
        answer = self.session.put(f"{location}{joiner}digest={sha(data)}", data=data,
                                  headers={"Content-Type": "application/octet-stream"})
        answer.raise_for_status()

    def manifest(self, repository, reference, body, media_type):
        answer = self.session.put(f"http://{self.address}/v2/{repository}/manifests/{reference}", data=body,
                                  headers={"Content-Type": media_type})
        answer.raise_for_status()
        return sha(body)


def populate(registry, key):
    """Pushes the images, signs them; returns the image names (by tag)."""
    names = []
    for index in range(IMAGES):
        repository = f"bench/app-{index:02d}"
        layer = f"app {index}\n".encode()
        config = canonical({"architecture": "amd64", "os": "linux", "config": {},
                            "rootfs": {"type": "layers", "diff_ids": [sha(layer)]}})
        registry.blob(repository, layer)
        registry.blob(repository, config)
        manifest = canonical({"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                              "config": descriptor("application/vnd.oci.image.config.v1+json", config),
                              "layers": [descriptor("application/vnd.oci.image.layer.v1.tar", layer)]})
        digest = registry.manifest(repository, "1.0", manifest, OCI_MANIFEST)
        name = f"{registry.address}/{repository}"
        if index % 2 == 0:
            payload = canonical({"critical": {"identity": {"docker-reference": name},
                                              "image": {"docker-manifest-digest": digest},
                                              "type": "cosign container image signature"}, "optional": None})
            signature = base64.b64encode(key.sign(payload, ec.ECDSA(hashes.SHA256()))).decode()
            empty_config = canonical({"architecture": "", "os": "", "config": {}, "rootfs": {"type": "layers", "diff_ids": []}})
            registry.blob(repository, payload)
            registry.blob(repository, empty_config)
            signature_manifest = canonical({
                "schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": descriptor("application/vnd.oci.image.config.v1+json", empty_config),
                "layers": [descriptor(SIMPLE_SIGNING, payload,
                                      annotations={"dev.cosignproject.cosign/signature": signature})]})
            registry.manifest(repository, digest.replace(":", "-") + ".sig", signature_manifest, OCI_MANIFEST)
        else:
            statement = canonical({"_type": "https://in-toto.io/Statement/v1",
                                   "subject": [{"name": name, "digest": {"sha256": digest[7:]}}],
                                   "predicateType": "https://sigstore.dev/cosign/sign/v1", "predicate": {}})
            payload_type = "application/vnd.in-toto+json"
            pae = f"DSSEv1 {len(payload_type)} {payload_type} {len(statement)} ".encode() + statement
            signature = key.sign(pae, ec.ECDSA(hashes.SHA256()))
            spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)
            bundle = canonical({
                "mediaType": BUNDLE,
                "verificationMaterial": {"publicKey": {"hint": base64.b64encode(hashlib.sha256(spki).digest()).decode()},
                                         "tlogEntries": []},
                "dsseEnvelope": {"payload": base64.b64encode(statement).decode(), "payloadType": payload_type,
                                 "signatures": [{"sig": base64.b64encode(signature).decode(), "keyid": ""}]}})
            registry.blob(repository, b"{}")
            registry.blob(repository, bundle)
            referrer = canonical({
                "schemaVersion": 2, "mediaType": OCI_MANIFEST, "artifactType": BUNDLE,
                "config": descriptor("application/vnd.oci.empty.v1+json", b"{}"),
                "layers": [descriptor(BUNDLE, bundle)],
                "subject": {"mediaType": OCI_MANIFEST, "digest": digest, "size": len(manifest)}})
            referrer_digest = registry.manifest(repository, sha(referrer), referrer, OCI_MANIFEST)
            index_body = canonical({"schemaVersion": 2, "mediaType": OCI_INDEX,
                                    "manifests": [descriptor(OCI_MANIFEST, referrer, artifactType=BUNDLE)]})
            assert referrer_digest == sha(referrer)
            registry.manifest(repository, digest.replace(":", "-"), index_body, OCI_INDEX)
        names.append(f"{name}:1.0")
    return names


def write_project(folder, names, key):
    (folder / "cosign.pub").write_bytes(key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    registry = names[0].split("/")[0]
    (folder / "rampart.toml").write_text(
        "[images]\nunmatched = \"deny\"\n\n[[images.policy]]\nname = \"bench\"\n"
        f"images = [\"{registry}/bench/**\"]\n[[images.policy.authority]]\nkey = \"cosign.pub\"\n")
    deploy = folder / "deploy"
    deploy.mkdir()
    per_file = WORKLOADS // 20
    for file_index in range(20):
        documents = []
        for offset in range(per_file):
            number = file_index * per_file + offset
            documents.append(
                "apiVersion: apps/v1\nkind: Deployment\n"
                f"metadata:\n  name: app-{number}\n  namespace: shop\n"
                f"spec:\n  selector:\n    matchLabels: {{app: app-{number}}}\n"
                f"  template:\n    metadata:\n      labels: {{app: app-{number}}}\n"
                f"    spec:\n      containers:\n        - name: app\n          image: {names[number % IMAGES]}\n")
        (deploy / f"workloads-{file_index:02d}.yaml").write_text("---\n".join(documents))


def timed(arguments, folder):
    start = time.perf_counter()
    done = subprocess.run([str(BINARY), *arguments], cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    return elapsed, done


def review_of(image):
    container = {
        "name": "app", "image": image,
        "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "runAsNonRoot": True, "capabilities": {"drop": ["ALL"]}},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
    }
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "checkout", "namespace": "shop", "labels": {"app": "checkout"}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "checkout"}},
                 "template": {"metadata": {"labels": {"app": "checkout"}},
                              "spec": {"automountServiceAccountToken": False,
                                       "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                                       "containers": [container]}}},
    }
    return {
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "0f6b9a52-6f4a-4c1e-9d7a-0b8f5c2e1a11",
                    "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
                    "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
                    "namespace": "shop", "name": "checkout", "operation": "CREATE",
                    "userInfo": {"username": "system:serviceaccount:ci:deployer"}, "object": deployment},
    }


def post_review(port, review):
    context = ssl._create_unverified_context()
    request = urllib.request.Request(f"https://127.0.0.1:{port}/validate", data=json.dumps(review).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, context=context) as answer:
        return json.loads(answer.read())["response"]


def server_mean(port):
    context = ssl._create_unverified_context()
    with urllib.request.urlopen(f"https://127.0.0.1:{port}/metrics", context=context) as answer:
        text = answer.read().decode()
    total = float(re.search(r"rampart_admission_request_seconds_sum ([\d.e-]+)", text).group(1))
    count = float(re.search(r"rampart_admission_request_seconds_count (\d+)", text).group(1))
    return total / count


def wrk(port, script, connections, seconds):
    result = subprocess.run(
        ["wrk", "-t1" if connections == 1 else "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-s", str(script), f"https://127.0.0.1:{port}/validate"],
        capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", result).group(1))
    percentiles = dict(re.findall(r"\s+(50|99)%\s+([\d.]+\w+)", result))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", result)
    micros = {key: float(value[:-2]) * (1000 if value.endswith("ms") else 1) for key, value in percentiles.items()}
    return rate, micros, int(errors.group(1)) if errors else 0


def webhook(folder, names, key, seconds):
    """The webhook's added latency for a cached, verified image."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
         "-keyout", str(folder / "tls.key"), "-out", str(folder / "tls.crt"), "-days", "1",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    review = review_of(names[1])
    lua = ('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '
           + json.dumps(json.dumps(review)) + "\n")
    (folder / "review.lua").write_text(lua)
    (folder / "paced.lua").write_text(lua + "delay = function() return 1 end\n")
    results = {}
    for label, with_policy in (("without image policies", False), ("with [[images.policy]]", True)):
        project = folder / ("webhook-images" if with_policy else "webhook-plain")
        project.mkdir()
        if with_policy:
            write_project(project, names, key)
        else:
            (project / "rampart.toml").write_text("")
        port = free_port()
        server = subprocess.Popen(
            [str(BINARY), "serve", "--listen", f"127.0.0.1:{port}", "--tls-cert", str(folder / "tls.crt"),
             "--tls-key", str(folder / "tls.key"), "--mode", "enforce", "--config", str(project / "rampart.toml")],
            cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            for _ in range(200):
                try:
                    answer = post_review(port, review)
                    break
                except OSError:
                    time.sleep(0.05)
            else:
                raise SystemExit(f"rampart serve did not answer: {server.stderr.read().decode()}")
            # The first review verifies (cold); every later one is answered from the cache.
            answer = post_review(port, review)
            # Allowed; the object's other rules may warn, the signature check must not.
            assert answer["allowed"] and not any("signature" in warning for warning in answer.get("warnings", [])), answer
            if with_policy:
                # An image no policy covers is denied (unmatched = "deny"): the policy is on.
                stray = post_review(port, review_of(f"{names[0].split('/')[0]}/elsewhere/app:1.0"))
                assert not stray["allowed"], stray
            runs = []
            for connections, script in ((1, "review.lua"), (16, "paced.lua")):
                runs.append(wrk(port, folder / script, connections, seconds))
            results[label] = (runs, server_mean(port))
        finally:
            server.terminate()
            server.wait()
    print(f"webhook, TLS, enforce, a Deployment naming a signed image by tag, {seconds} s per run:")
    for label, (runs, mean) in results.items():
        (rate1, one, _), (rate16, paced, errors) = runs
        print(f"  {label}: 1 connection {rate1:,.0f} reviews/s p50 {one['50']:.0f} us p99 {one['99']:.0f} us; "
              f"16 paced {rate16:,.0f} reviews/s p50 {paced['50']:.0f} us p99 {paced['99']:.0f} us; "
              f"non-2xx {errors}; server mean {mean * 1e6:.0f} us per answer")
    (plain, plain_mean), (signed, signed_mean) = results.values()
    for index, label in ((0, "1 connection"), (1, "16 paced")):
        print(f"  added ({label}): p50 {signed[index][1]['50'] - plain[index][1]['50']:+.0f} us, "
              f"p99 {signed[index][1]['99'] - plain[index][1]['99']:+.0f} us")
    print(f"  added (server mean per answer): {(signed_mean - plain_mean) * 1e6:+.0f} us")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the registry folder and project")
    parser.add_argument("--webhook", type=int, metavar="SECONDS", help="also measure the webhook, SECONDS per run")
    options = parser.parse_args()
    if shutil.which("docker-registry") is None:
        raise SystemExit("docker-registry is missing: apt-get install docker-registry")
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "rampart"], cwd=ROOT, check=True)
    folder = Path(tempfile.mkdtemp(prefix="rampart-signatures-"))
    registry = Registry(folder / "registry")
    try:
        key = ec.generate_private_key(ec.SECP256R1())
        started = time.perf_counter()
        names = populate(registry, key)
        print(f"pushed and signed {IMAGES} images in {time.perf_counter() - started:.1f} s "
              f"({IMAGES // 2} simple-signing tags, {IMAGES - IMAGES // 2} bundle referrers)")
        project = folder / "project"
        project.mkdir()
        write_project(project, names, key)
        verify = ["images", "verify", "deploy", "-f", "json", "-o", "/dev/null"]
        elapsed, done = timed([*verify, "--no-cache"], project)
        if done.returncode != 0:
            sys.stderr.write(done.stderr.decode())
            raise SystemExit(f"verification failed (exit {done.returncode})")
        cold = [timed([*verify, "--no-cache"], project)[0] for _ in range(options.runs)]
        timed(verify, project)  # writes the cache
        warm = []
        for _ in range(options.runs):
            elapsed, done = timed(verify, project)
            assert done.returncode == 0, done.stderr.decode()
            warm.append(elapsed)
        single = [timed(["images", "verify", name, "--no-cache", "-f", "json", "-o", "/dev/null"], project)[0]
                  for name in names[:10]]
        print(f"{WORKLOADS} workloads, {IMAGES} images, release binary, process start included:")
        print(f"  cold (--no-cache): median {statistics.median(cold) * 1000:.0f} ms over {options.runs} runs "
              f"(min {min(cold) * 1000:.0f}, max {max(cold) * 1000:.0f})")
        print(f"  warm (cache file): median {statistics.median(warm) * 1000:.0f} ms over {options.runs} runs "
              f"(min {min(warm) * 1000:.0f}, max {max(warm) * 1000:.0f})")
        print(f"  one image cold: median {statistics.median(single) * 1000:.1f} ms over {len(single)} images "
              f"(min {min(single) * 1000:.1f}, max {max(single) * 1000:.1f})")
        if options.webhook:
            webhook(folder, names, key, options.webhook)
    finally:
        registry.stop()
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
