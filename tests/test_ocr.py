"""extract.ocr: scanned pages read by OCR, with their pages, tables and confidence.

The scans are the corpus's own (`*.scan.pdf`, 200 dpi, slightly skewed) or made here: pages
of a corpus text PDF picked with pypdf, rendered with pypdfium2 and saved by PIL as an
image-only PDF. Both engines run for real: RapidOCR (`pip install rapidocr-onnxruntime`) and
Tesseract (`apt-get install tesseract-ocr tesseract-ocr-chi-sim`).
"""
from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # no installed package or conftest: make `extract` importable
    sys.path.insert(0, str(ROOT))

import extract  # noqa: E402
from extract.ingest import ocr  # noqa: E402
from extract.core.errors import InputError  # noqa: E402
from extract.ingest import read_document  # noqa: E402
from extract.ingest.ocr_layout import Box  # noqa: E402

CORPUS = ROOT / "corpora"
BAISHA_SCAN = CORPUS / "baisha-2023.scan.pdf"


def pick(src: Path, pages: list[int], out: Path) -> Path:
    """A PDF of the given pages (0-based) of `src`, in that order."""
    writer = PdfWriter()
    for i in pages:
        writer.append(PdfReader(src), pages=[i])
    writer.write(out)
    return out


def scan(src: Path, out: Path, dpi: int = 200) -> Path:
    """`src` rendered page by page and saved as an image-only PDF of the same page size."""
    pdf = pdfium.PdfDocument(src)
    images = [pdf[i].render(scale=dpi / 72).to_pil().convert("L") for i in range(len(pdf))]
    pdf.close()
    images[0].save(out, save_all=True, append_images=images[1:], resolution=dpi)
    return out


def page_of(report, surface: str):
    found = [f for f in report.analysis.figures if f.surface == surface]
    assert found, f"{surface} not found"
    return found[0]


# ---------------------------------------------------------------- the corpus scans

@pytest.mark.ocr
def test_one_scanned_page_reads_its_figures():
    pdf = pdfium.PdfDocument(BAISHA_SCAN)
    try:
        page = ocr.read_page(pdf[5], "rapidocr")  # page 6: the budget paragraph
    finally:
        pdf.close()
    text = "\n".join(line.text for line in page.lines)
    for surface in ("收、支总计1773.84万元", "收入合计1773.84万元", "财政拨款收入1301.27万元",
                    "财政拨款收入15万元"):
        assert surface in text.replace("\n", "")
    assert 0.9 < page.confidence <= 1
    assert all(line.row == -1 for line in page.lines)  # running text, no table
    ys = [line.y for line in page.lines]
    assert ys == sorted(ys, reverse=True)  # top to bottom


@pytest.fixture(scope="module")
def baisha_scan():
    return extract.read_report(BAISHA_SCAN)


@pytest.mark.ocr
def test_read_report_marks_ocr_figures(baisha_scan):
    report = baisha_scan
    assert report.status == "ok", report.error
    assert report.document.pages == 8 and set(report.document.ocr_confidence) == set(range(1, 9))
    assert len(report.analysis.figures) >= 70
    assert all(f.source_method == "ocr" and 0.9 < f.confidence <= 1 for f in report.analysis.figures)
    frame = report.figures
    assert set(frame["source_method"]) == {"ocr"}
    # the pages the text-layer PDF puts them on (tests/test_pdf.py)
    assert page_of(report, "200亩").page == 2
    assert page_of(report, "1773.84万元").page == 6
    assert page_of(report, "822.64万元").page == 7
    assert "— 6 —" not in report.document.text and "—6—" not in report.document.text


@pytest.mark.ocr
def test_scanned_table_keeps_its_columns():
    """The ruled table of the xiangmu scan comes back row by row with empty cells, so its
    bare numbers stand under their headers."""
    pdf = pdfium.PdfDocument(CORPUS / "xiangmu-yinshui-2023.scan.pdf")
    try:
        page = ocr.read_page(pdf[5], "rapidocr")
    finally:
        pdf.close()
    rows = [line.text for line in page.lines if line.row >= 0]
    assert "一级指标 | 二级指标 | 三级指标 | 分值 | 年初目标值 | 实际完成值 | 得分 | 偏差原因分析" in rows
    assert "总分 |  |  | 100 |  |  | 98.98 | " in rows
    assert "年度资金总额 | 1,286.00 | 1,286.00 | 1,219.29 | 10 | 94.81% | 9.48" in rows
    assert [line.row for line in page.lines if line.row >= 0] == list(range(len(rows)))


# ---------------------------------------------------------------- scans made here

@pytest.mark.ocr
def test_generated_scan_figures_on_their_pages(tmp_path):
    # text-PDF page 6 first, page 2 second: 1773.84万元 on page 1, 200亩 on page 2
    picked = pick(CORPUS / "baisha-2023.pdf", [5, 1], tmp_path / "picked.pdf")
    path = scan(picked, tmp_path / "scanned.pdf")
    assert not pdfium.PdfDocument(path)[0].get_textpage().get_text_range().strip()
    report = extract.read_report(path)
    assert report.status == "ok", report.error
    assert set(report.document.ocr_confidence) == {1, 2}
    assert page_of(report, "1773.84万元").page == 1
    assert page_of(report, "200亩").page == 2
    assert page_of(report, "200亩").source_method == "ocr"


def mixed_pdf(tmp_path: Path) -> Path:
    """Page 1: text layer (baisha page 2); page 2: the image of baisha page 6."""
    image_page = scan(pick(CORPUS / "baisha-2023.pdf", [5], tmp_path / "p6.pdf"), tmp_path / "p6-scan.pdf")
    writer = PdfWriter()
    writer.append(PdfReader(CORPUS / "baisha-2023.pdf"), pages=[1])
    writer.append(PdfReader(image_page))
    writer.write(tmp_path / "mixed.pdf")
    return tmp_path / "mixed.pdf"


@pytest.mark.ocr
def test_mixed_pdf_text_page_and_scanned_page(tmp_path):
    report = extract.read_report(mixed_pdf(tmp_path))
    assert report.status == "ok", report.error
    text_figure, ocr_figure = page_of(report, "200亩"), page_of(report, "1773.84万元")
    assert (text_figure.page, text_figure.source_method, text_figure.confidence) == (1, "text", None)
    assert (ocr_figure.page, ocr_figure.source_method) == (2, "ocr")
    assert 0.9 < ocr_figure.confidence <= 1
    assert set(report.document.ocr_confidence) == {2}


# ---------------------------------------------------------------- engines

@pytest.fixture
def no_rapidocr(monkeypatch):
    """RapidOCR as if not installed (its import fails), the cached engine forgotten."""
    ocr._rapidocr.cache_clear()
    monkeypatch.setitem(sys.modules, "rapidocr_onnxruntime", None)
    yield
    ocr._rapidocr.cache_clear()


def test_missing_engine_on_a_scan(no_rapidocr):
    with pytest.raises(InputError) as e:
        read_document(BAISHA_SCAN, "b")
    assert str(e.value) == "scanned PDF: OCR engine rapidocr is not installed: pip install rapidocr-onnxruntime"


def test_missing_engine_keeps_the_text_pages(no_rapidocr, tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="extract.pdf"):
        doc = read_document(mixed_pdf(tmp_path), "m")
    assert doc.pages == 2 and doc.page_starts[1] == len(doc.text) and not doc.ocr_confidence
    assert doc.page_of(doc.text.index("200亩")) == 1
    assert "scanned PDF pages not read (OCR engine rapidocr is not installed: " \
           "pip install rapidocr-onnxruntime): 2" in caplog.text


def test_missing_tesseract(monkeypatch):
    ocr._tesseract.cache_clear()
    monkeypatch.setattr(ocr.shutil, "which", lambda name: None)
    try:
        with pytest.raises(InputError) as e:
            read_document(BAISHA_SCAN, "b", ocr="tesseract")
    finally:
        ocr._tesseract.cache_clear()
    assert str(e.value) == ("scanned PDF: OCR engine tesseract is not installed: "
                            "apt-get install tesseract-ocr tesseract-ocr-chi-sim")


def test_engine_loaded_once():
    assert ocr._rapidocr(1) is ocr._rapidocr(1)


def test_our_rapidocr_settings_reach_its_models(monkeypatch):
    """The detector sees a 200-dpi A4 page at 960 px and the recogniser one line at a time.
    RapidOCR 1.4 silently ignores `det_limit_side_len` under `det_limit_type: max`, so a
    setting is held by what its models receive, not by what was passed."""
    import numpy as np

    engine = ocr._rapidocr(1, ocr.RAPIDOCR)
    seen = {"det": [], "rec": []}
    det, rec = engine.text_det.infer, engine.text_rec.session
    monkeypatch.setattr(engine.text_det, "infer", lambda x: seen["det"].append(x.shape) or det(x))
    monkeypatch.setattr(engine.text_rec, "session", lambda x: seen["rec"].append(x.shape) or rec(x))
    page = np.full((2339, 1654, 3), 255, np.uint8)  # A4 at 200 dpi
    for k in range(8):  # eight short lines: batched by six, each would be padded to 320 px
        page[300 + 100 * k: 340 + 100 * k, 200:260] = 0
    engine(page, use_cls=False)
    assert seen["det"] and max(seen["det"][0][2:]) <= 960
    assert seen["rec"] and {shape[0] for shape in seen["rec"]} == {1}
    assert max(shape[3] for shape in seen["rec"]) < 320


@pytest.mark.ocr
def test_tesseract_reads_a_page():
    """Needs the Debian packages tesseract-ocr and tesseract-ocr-chi-sim."""
    pdf = pdfium.PdfDocument(BAISHA_SCAN)
    try:
        page = ocr.read_page(pdf[5], "tesseract")
    finally:
        pdf.close()
    text = "\n".join(line.text for line in page.lines)
    for surface in ("收、支总计1773.84万元", "收入合计1773.84万元", "1301.27万元"):
        assert surface in text.replace("\n", "")
    assert 0.5 < page.confidence <= 1


@pytest.mark.ocr
def test_timeout_is_checked_between_pages():
    t0 = time.monotonic()
    with pytest.raises(InputError) as e:
        read_document(BAISHA_SCAN, "b", timeout=0.5)
    assert str(e.value).startswith("timeout: more than 0.5 s to read the PDF (stopped at page 2 of 8)")
    assert time.monotonic() - t0 < 30  # one page read, not eight


# ---------------------------------------------------------------- layout, without an engine

def blank(width=1000, height=600):
    return Image.new("L", (width, height), 255)


def test_boxes_grouped_into_lines_in_reading_order():
    boxes = [Box("增长20%", 420, 102, 560, 136, 0.99), Box("收支总计", 100, 100, 220, 134, 0.99),
             Box("1773.84万元", 225, 101, 400, 135, 0.99), Box("第二行", 100, 160, 190, 194, 0.99),
             Box("page", 100, 220, 160, 250, 0.99), Box("two", 170, 221, 220, 251, 0.99)]
    lines = ocr.layout(boxes, [])
    assert [ln.text for ln in lines] == ["收支总计1773.84万元增长20%", "第二行", "page two"]
    assert all(ln.row == -1 for ln in lines)


def test_far_apart_boxes_are_cells_of_a_row():
    boxes = [Box("公务接待费", 100, 100, 250, 134, 0.99), Box("8.00", 500, 100, 560, 134, 0.99),
             Box("7.60", 800, 101, 860, 135, 0.99)]
    assert ocr.layout(boxes, [])[0].text == "公务接待费 | 8.00 | 7.60"


def test_ruled_grid_gives_rows_with_empty_cells():
    image = blank()
    draw = ImageDraw.Draw(image)
    xs, ys = (100, 400, 600, 900), (100, 150, 200, 250)
    for y in ys:
        draw.line([(xs[0], y), (xs[-1], y)], fill=90, width=2)
    for x in xs:
        draw.line([(x, ys[0]), (x, ys[-1])], fill=90, width=2)
    boxes = [Box("项目", 200, 110, 260, 140, 0.99), Box("预算数（万元）", 420, 110, 580, 140, 0.99),
             Box("执行数（万元）", 620, 110, 780, 140, 0.99),
             Box("合计", 200, 160, 260, 190, 0.99), Box("1,286.00", 680, 160, 780, 190, 0.99),
             Box("说明", 120, 300, 180, 330, 0.99)]
    lines = ocr.layout(boxes, ocr.find_grids(image))
    assert [(ln.text, ln.row) for ln in lines] == [
        ("项目 | 预算数（万元） | 执行数（万元）", 0), ("合计 |  | 1,286.00", 1), ("说明", -1)]


@pytest.mark.ocr
def test_skew_is_measured():
    pdf = pdfium.PdfDocument(CORPUS / "baisha-2023.pdf")
    image = pdf[5].render(scale=200 / 72, grayscale=True).to_pil().convert("L")
    pdf.close()
    for angle in (1.2, -0.5):
        turned = image.rotate(-angle, resample=Image.BICUBIC, fillcolor=255)
        assert abs(ocr.skew(turned) - angle) <= 0.05
    assert ocr.skew(image) == 0.0
