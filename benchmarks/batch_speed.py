"""Batch throughput: `jixiao run` over a generated archive with 1 and with 2 workers, one run.

    python benchmarks/batch_speed.py [--n 2000] [--archive DIR] [--workers 1 2] [--memory]

Builds the archive with benchmarks/make_archive.py (unless DIR already holds one), then
runs the command line, each time into a fresh output folder (nothing resumed), and prints
documents per second for each worker count and the ratio to the first. Target (issue 5):
2 workers >= 1.7x the throughput of 1 on a 2-core machine. The machine's load average is
printed beside the numbers, since other processes take cores from the workers.

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
                           "--force", *options], cwd=ROOT, capture_output=True, text=True)
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
    ap.add_argument("--memory", action="store_true", help="also compare the parent's peak memory, 200 vs N")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="jixiao-batch-"))
    try:
        archive = Path(args.archive) if args.archive else tmp / "archive"
        if not any(archive.glob("d*/*")):
            subprocess.run([sys.executable, str(ROOT / "benchmarks" / "make_archive.py"), str(args.n),
                            str(archive)], check=True)
        files = sorted(p for p in archive.glob("d*/*") if p.is_file())
        print(f"{len(files)} documents, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB; "
              f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} before")
        base = None
        for w in args.workers:
            t0 = time.perf_counter()
            r = jixiao([archive], tmp / f"out{w}", "--workers", str(w))
            wall = time.perf_counter() - t0
            rate = len(files) / wall
            base = base or rate
            print(f"  {w} worker{'s' if w > 1 else ' '}: {wall:6.1f} s  {rate:6.1f} docs/s  "
                  f"x{rate / base:.2f}  (load average {os.getloadavg()[0]:.2f})  parent peak "
                  f"{r['maxrss_mb']:.0f} MB", flush=True)
            print(f"      {r['summary']}")
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
