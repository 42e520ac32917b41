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

Needs: docker-registry (apt-get install docker-registry), Python's
requests and cryptography.

Usage: python3 bench/signatures.py [--runs N] [--keep]
Run from the repository root. Builds the release binary first.
"""

import argparse
import base64
import hashlib
import json
import os
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the registry folder and project")
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
    finally:
        registry.stop()
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
