"""Figures on the printed page: each PDF figure's box (figures.csv `bbox`) where PDFium prints
its characters, on a text-layer page and on a scanned page read by OCR; the page images the
review server renders; documents.csv says which pages OCR read and how sure it was."""
from __future__ import annotations

import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from support import read_rows

from extract import run
from extract.core.rows import bbox_from_text
from extract.pipeline import read_report
from extract.review.server import make_server

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"


def printed(pdf_path: Path, page: int, digits: str) -> list[tuple[float, float]]:
    """Where PDFium prints each occurrence of `digits` on a page: the centre of its first
    character, in points from the top-left."""
    pdf = pdfium.PdfDocument(str(pdf_path))
    p = pdf[page - 1]
    tp = p.get_textpage()
    height = p.get_height()
    out, search = [], tp.search(digits)
    while (m := search.get_next()):
        left, bottom, right, top = tp.get_charbox(m[0], loose=True)
        out.append(((left + right) / 2, height - (top + bottom) / 2))
    return out


def inside(point, rects, margin=1.0) -> bool:
    x, y = point
    return any(r[0] - margin <= x <= r[2] + margin and r[1] - margin <= y <= r[3] + margin for r in rects)


def test_every_figure_of_a_text_pdf_is_boxed_where_it_is_printed():
    path = CORPUS / "xian-nongye-2023.pdf"
    figures = read_report(path).analysis.figures
    checked = 0
    for f in figures:
        digits = "".join(c for c in f.surface if c.isdigit() or c in ".,%")
        if len(digits) < 2:
            continue
        assert f.bbox, f.surface
        places = printed(path, f.page, digits)
        assert places and any(inside(p, f.bbox) for p in places), (f.surface, f.page, f.bbox, places[:3])
        checked += 1
    assert checked > 150
    table_cells = [f for f in figures if f.table is not None]
    assert table_cells and all(r[2] - r[0] < 150 for f in table_cells for r in f.bbox)   # a cell, not a row


def _one_page(src: Path, page: int, dst: Path) -> Path:
    doc, out = pdfium.PdfDocument(str(src)), pdfium.PdfDocument.new()
    out.import_pages(doc, [page - 1])
    out.save(str(dst))
    return dst


@pytest.fixture(scope="module")
def scanned_page(tmp_path_factory):
    """Page 2 of a scanned report (slightly skewed, no text layer), and the same page as text."""
    base = tmp_path_factory.mktemp("scan")
    scan = _one_page(CORPUS / "xiangmu-yinshui-2023.scan.pdf", 2, base / "scan-p2.pdf")
    text = _one_page(CORPUS / "xiangmu-yinshui-2023.pdf", 2, base / "text-p2.pdf")
    return read_report(scan).analysis, read_report(text).analysis


def test_a_scanned_page_boxes_each_figure_where_it_is_printed(scanned_page):
    scan, text = scanned_page
    assert scan.document.ocr_confidence and not text.document.ocr_confidence
    by_surface: dict[str, list] = {}
    for f in text.figures:
        by_surface.setdefault(f.surface, []).append(f)
    near = 0
    for f in scan.figures:
        assert f.source_method == "ocr" and f.bbox and 0 < f.confidence <= 1
        twins = by_surface.get(f.surface, [])
        if not twins:
            continue
        cx, cy = (f.bbox[0][0] + f.bbox[0][2]) / 2, (f.bbox[0][1] + f.bbox[0][3]) / 2
        # the scan is the printed page, turned by a degree or so: within a line's height
        best = min(abs(cx - (t.bbox[0][0] + t.bbox[0][2]) / 2) + abs(cy - (t.bbox[0][1] + t.bbox[0][3]) / 2)
                   for t in twins)
        near += best < 15
    assert near >= 0.9 * len(scan.figures) and near > 25


def test_ocr_confidence_is_the_figures_own_not_the_pages(scanned_page):
    scan, _ = scanned_page
    page_mean = round(scan.document.ocr_confidence[1], 3)
    own = [f for f in scan.figures if f.confidence != page_mean]
    assert len({f.confidence for f in scan.figures}) > 3 and len(own) > len(scan.figures) / 2


def test_documents_say_which_pages_ocr_read_and_the_server_renders_pages(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    _one_page(CORPUS / "baisha-2023.scan.pdf", 3, inputs / "扫描.pdf")
    shutil.copy(CORPUS / "zhongxue-2023.pdf", inputs / "zhongxue-2023.pdf")
    shutil.copy(CORPUS / "zhongxue-2023.txt", inputs / "zhongxue-2023.txt")
    out = tmp_path / "out"
    run([inputs], out)
    docs = {d["doc_id"]: d for d in read_rows(out / "documents.csv")}
    assert docs["扫描.pdf"]["ocr_pages"] == "1" and 0.5 < float(docs["扫描.pdf"]["ocr_confidence"]) <= 1
    assert docs["zhongxue-2023.pdf"]["ocr_pages"] == "" and docs["zhongxue-2023.pdf"]["ocr_confidence"] == ""
    figures = read_rows(out / "figures.csv")
    ocr = [f for f in figures if f["doc_id"] == "扫描.pdf"]
    assert ocr and all(f["source_method"] == "ocr" and bbox_from_text(f["bbox"]) for f in ocr)
    assert all(f["bbox"] == "" for f in figures if f["doc_id"].endswith(".txt"))

    srv = make_server(out)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        index = {d: i for i, d in enumerate(docs)}
        def get(path):
            try:
                with urllib.request.urlopen(srv.url + path, timeout=60) as r:
                    return r.status, r.headers["Content-Type"], r.read()
            except urllib.error.HTTPError as e:
                return e.code, "", b""
        status, ctype, body = get(f"page/{index['zhongxue-2023.pdf']}/2")
        assert status == 200 and ctype == "image/png" and body[:4] == b"\x89PNG"
        status, ctype, body = get(f"page/{index['扫描.pdf']}/1")
        assert status == 200 and ctype == "image/jpeg" and body[:2] == b"\xff\xd8"
        assert get(f"page/{index['zhongxue-2023.txt']}/1")[0] == 404      # no page image of a text file
        assert get(f"page/{index['zhongxue-2023.pdf']}/99")[0] == 404
        assert get("page/999/1")[0] == 404 and get("page/../../etc/passwd")[0] == 404
        (inputs / "zhongxue-2023.pdf").unlink()                            # the source moved away
        assert get(f"page/{index['zhongxue-2023.pdf']}/3")[0] == 404
    finally:
        srv.shutdown()
        srv.server_close()
