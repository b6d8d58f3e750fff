"""jixiao's whole PDF path against bare pdfplumber, and its memory from 30 to 300 pages.

In one run, on PDFs built here by concatenating corpus PDFs with pypdf:

  (a) text only: baisha-2023.pdf (no tables) repeated to 100+ pages;
  (b) a ruled table on every page: the corpus PDF pages that draw a table, repeated.

For each it prints pages per second of `extract.read_report(path)` (text, tables and
figures) and of pdfplumber's own `extract_text` on every page (each page closed after
use), and their ratio. Targets (issue 3): on (a) jixiao at least 3x faster than bare
pdfplumber; on (b) at most 1.5x bare pdfplumber's time. Then the peak memory (ru_maxrss of
a fresh process, after a 1-page warm-up that loads patterns and the segmenter) for 30 and
300 pages of each: it must grow by less than 1.5x.

    python benchmarks/pdf_speed.py [--min-pages 100] [--repeat 2] [--no-memory]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "corpora"


def text_pages() -> list[tuple[Path, int]]:
    from pypdf import PdfReader

    src = CORPUS / "baisha-2023.pdf"
    return [(src, i) for i in range(len(PdfReader(src).pages))]


def table_pages() -> list[tuple[Path, int]]:
    """Every corpus PDF page that draws a ruled table (as pdfplumber finds it)."""
    import pdfplumber

    out = []
    for src in sorted(CORPUS.glob("*.pdf")):
        if src.name.endswith(".scan.pdf"):
            continue
        with pdfplumber.open(src) as pdf:
            for i, page in enumerate(pdf.pages):
                if page.find_tables():
                    out.append((src, i))
                page.close()
    return out


def build(out: Path, pages: list[tuple[Path, int]], n: int) -> int:
    """`out` made of `pages`, cycled until it has `n` pages."""
    from pypdf import PdfReader, PdfWriter

    readers = {src: PdfReader(src) for src, _ in pages}
    writer = PdfWriter()
    k = 0
    while len(writer.pages) < n:
        src, i = pages[k % len(pages)]
        writer.add_page(readers[src].pages[i])
        k += 1
    writer.write(out)
    return len(writer.pages)


def best_of(repeat: int, fn) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def plumber_all(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.close()


def jixiao_all(path: Path) -> None:
    import extract

    report = extract.read_report(path)
    assert report.status == "ok", report.error


_MEASURE = """
import resource, sys
sys.path.insert(0, sys.argv[1])
import extract
extract.read_report(sys.argv[2])  # warm-up: patterns, segmenter, PDF libraries
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = extract.read_report(sys.argv[3])
assert report.status == "ok", report.error
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(base, peak)
"""


def peak_memory(warmup: Path, path: Path) -> tuple[float, float]:
    """(MB after the warm-up, peak MB) of a fresh process that reads `path`."""
    run = subprocess.run([sys.executable, "-c", _MEASURE, str(ROOT), str(warmup), str(path)],
                         capture_output=True, text=True, check=True)
    base, peak = map(int, run.stdout.split()[-2:])
    return base / 1024, peak / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-pages", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--no-memory", action="store_true", help="skip the 30/300-page memory runs")
    args = ap.parse_args()
    import logging

    logging.disable(logging.WARNING)
    jixiao_all(CORPUS / "baisha-2023.pdf")  # load patterns and the segmenter before timing
    kinds = {"(a) text only": text_pages(), "(b) ruled table on every page": table_pages()}
    targets = {"(a) text only": ("jixiao >= 3x faster", lambda r: r >= 3),
               "(b) ruled table on every page": ("jixiao <= 1.5x plumber's time", lambda r: r >= 1 / 1.5)}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, pages in kinds.items():
            path = Path(tmp) / "speed.pdf"
            n = build(path, pages, args.min_pages)
            ours = best_of(args.repeat, lambda: jixiao_all(path))
            plumber = best_of(1, lambda: plumber_all(path))
            ratio = plumber / ours
            what, ok = targets[label]
            results[label] = {"pages": n, "jixiao_pages_per_s": round(n / ours, 1),
                              "plumber_pages_per_s": round(n / plumber, 1), "speedup": round(ratio, 2)}
            print(f"{label}: {n} pages (from {len(pages)} distinct pages)")
            print(f"  jixiao read_report          {ours:6.2f} s {n / ours:7.1f} pages/s")
            print(f"  pdfplumber extract_text     {plumber:6.2f} s {n / plumber:7.1f} pages/s")
            print(f"  jixiao is {ratio:.2f}x as fast as bare pdfplumber "
                  f"(target: {what}): {'met' if ok(ratio) else 'MISSED'}")
        if not args.no_memory:
            warmup = Path(tmp) / "warmup.pdf"
            build(warmup, text_pages()[:1], 1)
            for label, pages in kinds.items():
                peaks = {}
                for n in (30, 300):
                    path = Path(tmp) / f"mem-{n}.pdf"
                    build(path, pages, n)
                    peaks[n] = peak_memory(warmup, path)
                (b30, p30), (b300, p300) = peaks[30], peaks[300]
                growth = p300 / p30
                results[label].update(peak_mb_30=round(p30, 1), peak_mb_300=round(p300, 1),
                                      memory_growth=round(growth, 3))
                print(f"{label}: peak memory {p30:.1f} MB at 30 pages, {p300:.1f} MB at 300 pages "
                      f"({growth:.2f}x, target < 1.5x: {'met' if growth < 1.5 else 'MISSED'}); "
                      f"above the warmed-up process: {p30 - b30:.1f} MB -> {p300 - b300:.1f} MB")
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
