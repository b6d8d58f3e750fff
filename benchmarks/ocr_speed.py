"""OCR engines and RapidOCR's settings on the bundled scans: CPU seconds per page per core,
and how well each reads the corpus.

Engines (each with one thread, so CPU seconds are core seconds):

  rapidocr             RapidOCR as jixiao sets it up (extract/ingest/ocr.py RAPIDOCR)
  rapidocr <variant>   RapidOCR with other settings: lines recognised one at a time
                       ("batch 1"; it batches six, padding each to the widest), the
                       detector shown the page at 960 px on its longer side ("det 960";
                       its own: 2000), the whole page shrunk to 1600 px before detection and
                       recognition ("page 1600"), the recogniser's smallest input width
                       ("width 160"; it pads every line to at least 320 px). Its wheel ships
                       one detector, one recogniser and one direction classifier (PP-OCRv4
                       mobile; the classifier is off in jixiao: scans are upright)
  tesseract            Tesseract 5 with Debian's chi_sim, one thread

Speed: on --pages pages of the two scans (spread over both), every engine reads each page in
turn, their order rotated each round (--rounds, at least 5); CPU time of this process and
its children (Tesseract) per page, median and spread over the rounds, and the wall time.
Reading: each engine reads both scans whole (pipeline.process); figure F1 against
the gold (corpora/gold) and the character error against the text-layer PDF of the same
report (whitespace and table bars ignored). Target (issue 16): <= 3 s/page/core, reading no
worse than RapidOCR's own settings.

    python benchmarks/ocr_speed.py [--rounds 5] [--pages 4] [--no-reading] [--engines NAME ...]
"""
from __future__ import annotations

import argparse
import difflib
import logging
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rounds import alternate, cpu, load, spread  # noqa: E402

CORPUS = ROOT / "corpora"
SCANS = ("baisha-2023", "xiangmu-yinshui-2023")
B1 = (("rec_batch_num", 1),)
W160 = (("rec_img_shape", (3, 48, 160)),)
ENGINES = {
    "rapidocr": None,                                     # jixiao's settings
    "rapidocr as shipped": (),                            # RapidOCR's own settings
    "rapidocr batch 1": B1,
    "rapidocr batch 1 det 960": B1 + (("det_side", 960),),
    "rapidocr batch 1 page 1600": B1 + (("max_side_len", 1600),),
    "rapidocr batch 1 width 160": B1 + W160,
    "tesseract": "tesseract",
}


def _jixiao_settings():
    from extract.ingest import ocr

    return ocr.RAPIDOCR


JIXIAO = _jixiao_settings()  # taken before any engine here sets ocr.RAPIDOCR to another's


def engine_of(name: str):
    """(engine name for read_page, RapidOCR options or None)."""
    spec = ENGINES[name]
    if spec == "tesseract":
        return "tesseract", None
    return "rapidocr", JIXIAO if spec is None else spec


def pick_pages(n: int) -> list[tuple[str, int]]:
    import pypdfium2 as pdfium

    every = []
    for name in SCANS:
        pdf = pdfium.PdfDocument(CORPUS / f"{name}.scan.pdf")
        every += [(name, i) for i in range(len(pdf))]
        pdf.close()
    step = max(1, len(every) // n)
    return every[1::step][:n]


def read_with(name: str):
    """A function reading one (scan, page index) with engine `name`."""
    import pypdfium2 as pdfium

    from extract.ingest import ocr

    engine, options = engine_of(name)

    def read(item):
        scan, index = item
        if options is not None:
            ocr.RAPIDOCR = options
        pdf = pdfium.PdfDocument(CORPUS / f"{scan}.scan.pdf")
        try:
            ocr.read_page(pdf[index], engine, threads=1)
        finally:
            pdf.close()
    return read


def reading(name: str) -> dict[str, tuple[float, int, int, float]]:
    """scan -> (figure F1, gold figures found, gold figures, character error)."""
    from extract import load_patterns
    from extract.evaluate.gold import load_gold
    from extract.evaluate.score import score_document
    from extract.ingest import Ocr, ocr, read_document
    from extract.pipeline import process

    engine, options = engine_of(name)
    if options is not None:
        ocr.RAPIDOCR = options
    gold = load_gold(CORPUS)
    out = {}
    for scan in SCANS:
        report = process(CORPUS / f"{scan}.scan.pdf", scan, load_patterns(),
                         ocr=Ocr(engine, threads=1, page_timeout=None))
        assert report.status == "ok", report.error
        text = report.analysis.document.text
        rows = [{"start": f.start, "end": f.end, "surface": f.surface, "value_base": f.value_base,
                 "kind": f.kind, "indicator": f.indicator} for f in report.analysis.figures]
        score = score_document(gold[scan], text, rows)
        found = round(score["recall"] * score["gold"])
        reference = "".join(read_document(CORPUS / f"{scan}.pdf", scan).text.replace(" | ", "").split())
        read = "".join(text.replace(" | ", "").split())
        same = sum(b.size for b in difflib.SequenceMatcher(None, reference, read, autojunk=False)
                   .get_matching_blocks())
        out[scan] = (score["f1"], found, score["gold"], 1 - same / max(len(reference), len(read)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pages", type=int, default=4, help="scan pages timed per round (default 4)")
    ap.add_argument("--no-reading", action="store_true", help="skip reading the scans whole")
    ap.add_argument("--engines", nargs="+", choices=list(ENGINES), default=list(ENGINES))
    args = ap.parse_args()
    if args.rounds < 5:
        ap.error("--rounds: at least 5, for a median with a spread")
    logging.disable(logging.WARNING)
    from extract.ingest import ocr

    print(f"jixiao's RapidOCR settings: {dict(ocr.RAPIDOCR) or 'as shipped'}; {load()}")
    pages = pick_pages(args.pages)
    for name in args.engines:            # load every engine before timing
        read_with(name)(pages[0])
    sides = {name: read_with(name) for name in args.engines}
    seconds = alternate(pages, sides, args.rounds, clock=cpu)
    walls = alternate(pages[:1], sides, 1)
    print(f"CPU seconds per page per core, {len(pages)} pages "
          f"({', '.join(f'{s} p{i + 1}' for s, i in pages)}) a round:")
    for name in args.engines:
        per_page = [s / len(pages) for s in seconds[name]]
        print(f"  {name:28s} {spread(per_page)}  (wall {walls[name][0]:.1f} s on one page)")
    print(f"after: {load()}")
    if args.no_reading:
        return
    print("reading both scans whole (figure F1 against the gold; character error against the "
          "text-layer PDF):")
    for name in args.engines:
        r = reading(name)
        cells = "; ".join(f"{scan} F1 {f1:.3f} ({found}/{gold}), char error {err:.2%}"
                          for scan, (f1, found, gold, err) in r.items())
        total = sum(v[1] for v in r.values()) / sum(v[2] for v in r.values())
        print(f"  {name:28s} {cells}; recall over both {total:.3f}")
    print(f"after: {load()}")


if __name__ == "__main__":
    main()
