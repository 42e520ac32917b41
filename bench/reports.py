#!/usr/bin/env python3
"""Rampart's report-generation benchmark.

Scans the generated corpus of bench/bench.py (target/bench-corpus: 100,000
resources, about 240,000 findings) once writing JSON only, and once per
report format writing that format to a file as well; the difference is what
the format costs. Release build, one untimed run first, median of --runs,
peak memory of each run.

Usage: python3 bench/reports.py [--runs N]
Run from the repository root; it generates the corpus the first time.
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
sys.path.insert(0, str(ROOT / "bench"))
import bench  # noqa: E402  (the corpus generator)

BINARY = ROOT / "target" / "release" / "rampart"
FORMATS = ["sarif", "junit", "markdown", "text", "html"]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def run_measured(command):
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def median_run(command, runs):
    run_measured(command)
    results = [run_measured(command) for _ in range(runs)]
    walls = [wall for wall, _ in results]
    return statistics.median(walls), max(rss for _, rss in results)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    subprocess.run(["cargo", "build", "--release", "-p", "rampart"], cwd=ROOT, check=True)
    if not bench.GENERATED.exists():
        bench.generate(100_000)
    with tempfile.TemporaryDirectory() as out:
        out = Path(out)
        base = [str(BINARY), "scan", str(bench.GENERATED), "--no-secrets"]
        json_only = base + ["-f", "json", "-o", str(out / "report.json")]
        subprocess.run(json_only, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        findings = len(json.loads((out / "report.json").read_text())["findings"])
        plain, plain_rss = median_run(json_only, args.runs)
        print(f"scan with JSON only: {findings} findings; median {plain:.2f} s over {args.runs} runs; peak RSS {plain_rss:.0f} MiB")
        for name in FORMATS:
            command = json_only + ["-f", name, "-o", str(out / f"report.{name}")]
            wall, rss = median_run(command, args.runs)
            size = (out / f"report.{name}").stat().st_size
            print(
                f"+ {name}: median {wall:.2f} s ({wall - plain:+.2f} s for the format); "
                f"peak RSS {rss:.0f} MiB; {size / 1e6:.1f} MB written"
            )
        evidence = json_only + ["--evidence", str(out / "evidence")]
        wall, rss = median_run(evidence, args.runs)
        print(f"+ evidence bundle: median {wall:.2f} s ({wall - plain:+.2f} s); peak RSS {rss:.0f} MiB")
        if CHROMIUM.exists():
            browse(out / "report.html", out / "profile", args.runs)


def browse(page, profile, runs):
    """Time headless Chromium from start to a screenshot of the drawn page
    (taken after the load event, so after the script drew the rows), then
    count the finding rows it drew (--dump-dom, untimed: it prints the
    whole 30 MB document). Chromium's own start is timed on a tiny page."""
    flags = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    empty = page.parent / "empty.html"
    empty.write_text("<!DOCTYPE html><title>empty</title>")

    def shot(target):
        start = time.perf_counter()
        subprocess.run(
            [*flags, f"--screenshot={page.parent / 'shot.png'}", "--window-size=1280,900", target.as_uri()],
            capture_output=True, timeout=600,
        )
        return time.perf_counter() - start

    startup = statistics.median([shot(empty) for _ in range(runs)])
    drawn = statistics.median([shot(page) for _ in range(runs)])
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=600).stdout
    rows = dom.count("<tr data-severity=")
    print(
        f"HTML in headless Chromium: median {drawn:.2f} s to the drawn page "
        f"({drawn - startup:.2f} s after Chromium's own {startup:.2f} s start); {rows} finding rows in the DOM"
    )


if __name__ == "__main__":
    main()
