"""Batch throughput: `jixiao run` over a generated archive with 1 and with 2 workers, in turn.

    python benchmarks/batch_speed.py [--n 2000] [--archive DIR] [--workers 1 2] [--rounds 5] [--memory]

Builds the archive with benchmarks/make_archive.py (unless DIR already holds one), then
runs the command line once per worker count in every round (--rounds, at least 5; the order
rotated each round), each time into a fresh output folder (nothing resumed), and prints
documents per second for each worker count and, per round, the ratio to the first: median
and spread. Target (issue 16): 2 workers >= 1.8x the throughput of 1 on a 2-core machine.
The load average is printed beside the numbers, since other processes take cores from the
workers.

With --memory it also runs 200 documents (the first 200 of the archive) and prints the
parent process's peak memory (ru_maxrss of the `jixiao run` process alone, not its
workers) for 200 and for N documents: it should stay within 1.2x.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from rounds import load, ratios, spread  # noqa: E402

# Runs the CLI in a child and reports the child's own peak memory, workers excluded.
PROBE = """
import json, resource, sys, time
from extract.cli import main
t0 = time.perf_counter()
code = main(sys.argv[1:])
print(json.dumps({"code": code, "seconds": time.perf_counter() - t0,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def jixiao(inputs: list[Path], out: Path, *options: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, "run", *map(str, inputs), "-o", str(out),
                           "--force", "--fail-on", "never", *options], cwd=ROOT, capture_output=True,
                          text=True)   # the archive holds broken files on purpose: status 3
    if done.returncode != 0:
        raise SystemExit(f"jixiao run failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["summary"] = [l for l in done.stderr.splitlines() if " documents: " in l][-1]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--archive", help="an archive made by make_archive.py (default: a temporary one)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--memory", action="store_true", help="also compare the parent's peak memory, 200 vs N")
    args = ap.parse_args()
    if args.rounds < 5:
        ap.error("--rounds: at least 5, for a median with a spread")

    tmp = Path(tempfile.mkdtemp(prefix="jixiao-batch-"))
    try:
        archive = Path(args.archive) if args.archive else tmp / "archive"
        if not any(archive.glob("d*/*")):
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_archive.py"), str(args.n),
                            str(archive)], check=True)
        files = sorted(p for p in archive.glob("d*/*") if p.is_file())
        print(f"{len(files)} documents, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB; "
              f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} before")
        names = [str(w) for w in args.workers]
        walls: dict[str, list[float]] = {w: [] for w in names}
        for r in range(args.rounds):
            order = names[r % len(names):] + names[:r % len(names)]
            for w in order:
                t0 = time.perf_counter()
                result = jixiao([archive], tmp / f"out{w}", "--workers", w)
                walls[w].append(time.perf_counter() - t0)
                shutil.rmtree(tmp / f"out{w}", ignore_errors=True)
            print(f"  round {r + 1}: " + ", ".join(f"{w} worker(s) {walls[w][-1]:.1f} s" for w in names)
                  + f"  ({load()})", flush=True)
        print(f"      {result['summary']}")
        first = names[0]
        for w in names:
            print(f"  {w} worker(s): {spread([len(files) / x for x in walls[w]], 1)} docs/s; "
                  f"throughput over {first} worker(s): {spread(ratios(walls[first], walls[w]))}")
        if args.memory:
            small = tmp / "small"
            small.mkdir()
            for p in files[:200]:
                (small / p.name).symlink_to(p)
            w = str(max(args.workers))
            # report.html is left out of both: it is written only for batches up to --report-max
            a = jixiao([small], tmp / "mem200", "--workers", w, "--report-max", "0")
            b = jixiao([archive], tmp / "memN", "--workers", w, "--report-max", "0")
            print(f"  parent peak memory: {a['maxrss_mb']:.0f} MB for 200, {b['maxrss_mb']:.0f} MB for "
                  f"{len(files)}: x{b['maxrss_mb'] / a['maxrss_mb']:.2f}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
