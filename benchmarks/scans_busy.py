"""The README's main command reads both bundled scans, with its default options and two
workers, while two other processes keep both cores busy (issue 16).

Starts two processes that spin (one per core; more with --busy N), runs
`jixiao run corpora -o OUT --workers 2` into a fresh folder, stops the spinners, and prints
each scan's row of documents.csv (status, pages, seconds, and the pages left unread if
any) with the load average. Exits 1 unless both scans are `ok` with every page read.

    python benchmarks/scans_busy.py [--busy 2] [--workers 2] [-- more jixiao run options]
"""
from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPIN = "while True: pass"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--busy", type=int, default=2, help="spinning processes (default 2)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("options", nargs="*", help="more options for jixiao run (after --)")
    args = ap.parse_args()
    spinners = [subprocess.Popen([sys.executable, "-c", SPIN]) for _ in range(args.busy)]
    try:
        time.sleep(1)
        with tempfile.TemporaryDirectory(prefix="jixiao-scans-") as tmp:
            out = Path(tmp) / "out"
            command = [sys.executable, "-m", "extract", "run", str(ROOT / "corpora"), "-o", str(out),
                       "--workers", str(args.workers), *args.options]
            print(f"{args.busy} spinning processes; {os.getloadavg()[0]:.2f} load average before")
            print("$ jixiao " + " ".join(command[3:]), flush=True)
            t0 = time.perf_counter()
            run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            load = os.getloadavg()
            print(run.stderr.strip().splitlines()[-1] if run.stderr.strip() else "(no summary)")
            print(f"{wall:.1f} s; load average {load[0]:.2f} (5 min {load[1]:.2f}) at the end")
            with open(out / "documents.csv", encoding="utf-8-sig", newline="") as fh:
                rows = [r for r in csv.DictReader(fh) if r["doc_id"].endswith(".scan.pdf")]
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    for r in rows:
        print(f"  {r['doc_id']}: {r['status']}, {r['pages']} pages, {float(r['seconds']):.1f} s"
              f"{', ' + r['error'] if r['error'] else ''}")
    ok = len(rows) == 2 and all(r["status"] == "ok" and not r["error"] for r in rows)
    print("both scans read, every page" if ok else "NOT both scans read whole")
    return 0 if ok and run.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
