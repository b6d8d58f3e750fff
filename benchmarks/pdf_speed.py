"""jixiao's PDF reading beside PDFium's bare text and pdfplumber doing the same work, and its
memory from 30 to 300 pages.

In one run, on PDFs built here by concatenating corpus PDF pages with pypdf:

  (a) text only: baisha-2023.pdf (no tables) repeated to --pages pages;
  (b) a ruled table on every page: the corpus PDF pages that draw one, repeated.

On each, in turn (the order rotated each round, --rounds at least 5):

  pdfium text        pypdfium2: each page's text, nothing else (the floor)
  pdfplumber         the same work as jixiao: each page's extract_text() and extract_tables()
  jixiao             extract.ingest.read_document: text with pages, ruled tables as rows,
                     lines rejoined, furniture dropped (no figures: pdfplumber finds none)

Per round: jixiao's time over PDFium's (target on (b), issue 16: <= 3x) and pdfplumber's
time over jixiao's (how much faster jixiao does the same work); medians with their spread.
Then the peak memory (ru_maxrss of a fresh process after a one-page warm-up) reading 30 and
300 pages of each: it must grow by less than 1.5x.

    python benchmarks/pdf_speed.py [--pages 100] [--rounds 5] [--no-memory]
"""
from __future__ import annotations

import argparse
import logging
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rounds import alternate, load, ratios, spread  # noqa: E402

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


def pdfium_text(path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    pdf.close()


def plumber_text_and_tables(path: Path) -> None:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            page.extract_text()
            page.extract_tables()
            page.close()


def jixiao_read(path: Path) -> None:
    from extract.ingest import read_document

    read_document(path, path.name)


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
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=100, help="pages of each built PDF (default 100)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-memory", action="store_true", help="skip the 30/300-page memory runs")
    args = ap.parse_args()
    if args.rounds < 5:
        ap.error("--rounds: at least 5, for a median with a spread")
    logging.disable(logging.WARNING)
    jixiao_read(CORPUS / "baisha-2023.pdf")  # libraries and patterns loaded before timing
    kinds = {"(a) text only": text_pages(), "(b) ruled table on every page": table_pages()}
    sides = {"pdfium text": pdfium_text, "pdfplumber": plumber_text_and_tables, "jixiao": jixiao_read}
    print(load())
    with tempfile.TemporaryDirectory() as tmp:
        for label, pages in kinds.items():
            path = Path(tmp) / f"speed-{label[1]}.pdf"
            n = build(path, pages, args.pages)
            seconds = alternate([path], sides, args.rounds)
            print(f"{label}: {n} pages (from {len(pages)} distinct pages)")
            for name, s in seconds.items():
                print(f"  {name:12s} {spread([n / x for x in s], 0)} pages/s")
            over_pdfium = ratios(seconds["jixiao"], seconds["pdfium text"])
            target = "  (target <= 3x)" if label.startswith("(b)") else ""
            print(f"  jixiao's time / PDFium text's: {spread(over_pdfium)}{target}")
            print(f"  pdfplumber's time / jixiao's (text and tables on both sides): "
                  f"{spread(ratios(seconds['pdfplumber'], seconds['jixiao']))}")
        print(f"after: {load()}")
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
                print(f"{label}: peak memory {p30:.1f} MB at 30 pages, {p300:.1f} MB at 300 pages "
                      f"({growth:.2f}x, target < 1.5x: {'met' if growth < 1.5 else 'MISSED'}); "
                      f"above the warmed-up process: {p30 - b30:.1f} MB -> {p300 - b300:.1f} MB")


if __name__ == "__main__":
    main()
