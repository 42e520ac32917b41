#!/usr/bin/env python3
"""Rampart's git-history benchmark.

Builds a repository in target/bench-history/ with `git fast-import`: at least
--commits commits and --min-mb megabytes of unique blob content, taken from
the local Cargo registry's sources (real text). Each commit adds one file or
rewrites an existing one; every 500th commit plants a fake credential and the
next one removes it, so the history holds secrets the final tree does not.
Then it times `rampart secrets --git --format json` (release build, one
untimed run first, median of --runs) and reports commits/s, MB/s of unique
blob content, peak memory, and how many of the planted credentials came back.

Usage: python3 bench/secrets_history.py [--runs N] [--commits N] [--min-mb N]
Run from the repository root.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPO = ROOT / "target" / "bench-history"
BINARY = ROOT / "target" / "release" / "rampart"
REGISTRY = Path.home() / ".cargo" / "registry" / "src"
PLANT_EVERY = 500
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def source_files():
    """Registry text files, again and again; each round's copies are made
    unique by a first line, so every blob is new content."""
    paths = [
        path
        for path in sorted(REGISTRY.rglob("*"))
        if path.suffix in {".rs", ".md", ".toml", ".txt", ".json", ".yml", ".yaml"} and path.is_file()
    ]
    for round in range(1000):
        for path in paths:
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if 0 < len(data) < 1_000_000 and b"\0" not in data:
                relative = path.relative_to(REGISTRY)
                if round:
                    relative = Path(f"round-{round}") / relative
                    data = b"// round %d\n" % round + data
                yield relative, data


def fake_token(rng):
    return "ghp_" + "".join(rng.choice(ALNUM) for _ in range(36))


def build_repository(commits, min_mb):
    marker = REPO / ".complete"
    if marker.exists():
        return json.loads(marker.read_text())
    if REPO.exists():
        subprocess.run(["rm", "-rf", str(REPO)], check=True)
    subprocess.run(["git", "init", "-q", "-b", "main", str(REPO)], check=True)
    importer = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=REPO, stdin=subprocess.PIPE)
    out = importer.stdin
    rng = random.Random(7)
    paths = []
    planted = 0
    total = 0
    count = 0
    files = source_files()
    while count < commits or total < min_mb * 1e6:
        relative, data = next(files)
        if count % PLANT_EVERY == 0 and count > 0:
            path, data = f"config/planted-{planted}.env", f"GITHUB_TOKEN={fake_token(rng)}\n".encode()
            planted += 1
            action = [b"M 100644 inline " + path.encode() + b"\n", b"data %d\n" % len(data), data, b"\n"]
        elif count % PLANT_EVERY == 1 and count > 1:
            action = [f"D config/planted-{planted - 1}.env\n".encode()]
        elif paths and count % 4 == 0:
            path = paths[rng.randrange(len(paths))]
            action = [b"M 100644 inline " + path.encode() + b"\n", b"data %d\n" % len(data), data, b"\n"]
            total += len(data)
        else:
            path = str(relative)
            paths.append(path)
            action = [b"M 100644 inline " + path.encode() + b"\n", b"data %d\n" % len(data), data, b"\n"]
            total += len(data)
        count += 1
        when = 1_600_000_000 + count * 600
        message = f"change {count}".encode()
        out.write(b"commit refs/heads/main\n")
        out.write(b"mark :%d\n" % count)
        out.write(b"author Bench <bench@example.org> %d +0000\n" % when)
        out.write(b"committer Bench <bench@example.org> %d +0000\n" % when)
        out.write(b"data %d\n%s\n" % (len(message), message))
        if count > 1:
            out.write(b"from :%d\n" % (count - 1))
        for part in action:
            out.write(part)
        out.write(b"\n")
    out.close()
    if importer.wait() != 0:
        sys.exit("git fast-import failed")
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=REPO, check=True)
    facts = {"commits": count, "planted": planted, "blob_bytes": unique_blob_bytes()}
    marker.write_text(json.dumps(facts))
    return facts


def unique_blob_bytes():
    listing = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch-check=%(objecttype) %(objectsize)"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return sum(int(size) for kind, size in (line.split() for line in listing.splitlines()) if kind == "blob")


def run_measured(command):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, output


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--commits", type=int, default=10_000)
    parser.add_argument("--min-mb", type=int, default=100)
    args = parser.parse_args()
    if not REGISTRY.exists():
        sys.exit(f"{REGISTRY} is missing: run `cargo fetch` first")
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)
    facts = build_repository(args.commits, args.min_mb)

    command = [str(BINARY), "secrets", "--git", str(REPO), "--format", "json"]
    run_measured(command)
    results = [run_measured(command) for _ in range(args.runs)]
    walls = [wall for wall, _, _ in results]
    median = statistics.median(walls)
    report = json.loads(results[-1][2])
    found = sum(
        1
        for finding in report["findings"]
        if finding["rule"] == "github-pat" and finding["location"]["path"].startswith("config/planted-")
    )
    mb = facts["blob_bytes"] / 1e6
    print(
        f"rampart secrets --git: {facts['commits']} commits, {report['summary']['files']} unique blobs, {mb:.1f} MB unique blob content; "
        f"median {median:.2f} s over {args.runs} runs (min {min(walls):.2f}, max {max(walls):.2f}); "
        f"{facts['commits'] / median:,.0f} commits/s; {mb / median:.1f} MB/s; "
        f"peak RSS {max(rss for _, rss, _ in results):.0f} MiB; planted credentials found {found} of {facts['planted']}"
    )


if __name__ == "__main__":
    main()
