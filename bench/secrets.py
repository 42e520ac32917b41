#!/usr/bin/env python3
"""Rampart's secrets-engine benchmark.

Builds a large source tree in target/bench-secrets/ (copies of the local Cargo
registry's sources, hard-linked, so at least --min-mb megabytes), times
`rampart secrets --format json` on it (warm cache: one untimed run first,
median of --runs), and reports files/s, MB/s and peak memory. When
detect-secrets is installed (`pip install detect-secrets`), it times
`detect-secrets scan --all-files` and rampart on the same sample folder and
prints the ratio.

Usage: python3 bench/secrets.py [--runs N] [--min-mb N] [--detect-secrets PATH] [--sample-mb N]
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
TREE = ROOT / "target" / "bench-secrets"
SAMPLE = ROOT / "target" / "bench-secrets-sample"
BINARY = ROOT / "target" / "release" / "rampart"
REGISTRY = Path.home() / ".cargo" / "registry" / "src"


def run_measured(command):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def tree_size(path):
    files = [p for p in path.rglob("*") if p.is_file() and ".git" not in p.parts]
    return len(files), sum(p.stat().st_size for p in files)


def build_tree(min_mb):
    if TREE.exists():
        files, size = tree_size(TREE)
        if size >= min_mb * 1e6:
            return files, size
        shutil.rmtree(TREE)
    TREE.mkdir(parents=True)
    copy = 0
    while True:
        subprocess.run(["cp", "-al", str(REGISTRY), str(TREE / f"copy-{copy}")], check=True)
        copy += 1
        files, size = tree_size(TREE)
        if size >= min_mb * 1e6:
            return files, size


def build_sample(sample_mb):
    if SAMPLE.exists():
        return tree_size(SAMPLE)
    SAMPLE.mkdir(parents=True)
    total = 0
    for crate in sorted((TREE / "copy-0").glob("*/*")):
        if total >= sample_mb * 1e6:
            break
        subprocess.run(["cp", "-al", str(crate), str(SAMPLE / crate.name)], check=True)
        total = tree_size(SAMPLE)[1]
    return tree_size(SAMPLE)


def median_run(command, runs):
    run_measured(command)
    results = [run_measured(command) for _ in range(runs)]
    walls = [wall for wall, _, _ in results]
    return statistics.median(walls), min(walls), max(walls), max(rss for _, rss, _ in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--min-mb", type=int, default=500)
    parser.add_argument("--sample-mb", type=int, default=20)
    parser.add_argument("--detect-secrets", default=shutil.which("detect-secrets"))
    args = parser.parse_args()
    if not REGISTRY.exists():
        sys.exit(f"{REGISTRY} is missing: run `cargo fetch` first")
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)

    files, size = build_tree(args.min_mb)
    median, low, high, rss = median_run([str(BINARY), "secrets", str(TREE), "--format", "json"], args.runs)
    print(
        f"rampart secrets, source tree: {files} files, {size / 1e6:.1f} MB; median {median:.2f} s over {args.runs} runs "
        f"(min {low:.2f}, max {high:.2f}); {files / median:,.0f} files/s; {size / 1e6 / median:.1f} MB/s; peak RSS {rss:.0f} MiB"
    )

    if args.detect_secrets:
        files, size = build_sample(args.sample_mb)
        ours, _, _, _ = median_run([str(BINARY), "secrets", str(SAMPLE), "--format", "json"], args.runs)
        theirs, _, _ = run_measured([args.detect_secrets, "scan", "--all-files", str(SAMPLE)])
        print(
            f"sample: {files} files, {size / 1e6:.1f} MB; rampart {ours:.2f} s, detect-secrets {theirs:.1f} s; "
            f"rampart is {theirs / ours:.0f}x faster"
        )


if __name__ == "__main__":
    main()
