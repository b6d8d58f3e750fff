"""Pages per second of `read_document` on 100+ page PDFs against pdfplumber `extract_text`.

Two PDFs, concatenated with pypdf until they have at least 100 pages: all corpus PDFs
(one page in five holds a ruled table, which sends it through pdfplumber) and the
table-free baisha-2023 alone (pypdfium2 only). Run:

    python benchmarks/pdf_speed.py [--min-pages 100] [--repeat 3]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from extract.ingest import read_document  # noqa: E402


def build_pdf(out: Path, min_pages: int, pattern: str = "*.pdf") -> int:
    from pypdf import PdfReader, PdfWriter

    sources = sorted(p for p in (ROOT / "corpora").glob(pattern) if not p.name.endswith(".scan.pdf"))
    writer = PdfWriter()
    while len(writer.pages) < min_pages:
        for src in sources:
            writer.append(PdfReader(src))
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


def pdfium_all(path: Path) -> None:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    for i in range(len(pdf)):
        page = pdf[i]
        textpage = page.get_textpage()
        textpage.get_text_range()
        textpage.close()
        page.close()
    pdf.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-pages", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for label, pattern in (("corpus, with tables", "*.pdf"), ("text only (baisha)", "baisha-2023.pdf")):
            path = Path(tmp) / "concat.pdf"
            pages = build_pdf(path, args.min_pages, pattern)
            ours = best_of(args.repeat, lambda: read_document(path, "bench"))
            raw = best_of(args.repeat, lambda: pdfium_all(path))
            plumber = best_of(1, lambda: plumber_all(path))
            print(f"{label}: {pages} pages")
            for what, seconds in (("read_document", ours), ("raw pypdfium2 get_text_range", raw),
                                  ("pdfplumber extract_text", plumber)):
                print(f"  {what:30} {seconds:6.2f} s {pages / seconds:7.1f} pages/s"
                      f"  ({seconds / ours:.1f}x read_document's time)")


if __name__ == "__main__":
    main()
