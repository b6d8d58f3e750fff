"""extract.pdf: PDF text with pages, tables as rows, furniture dropped, bad PDFs as errors.

The corpus PDFs (LibreOffice exports of the .docx) are checked against what the report
says where; small PDFs are drawn at test time with pypdf to put text, rules and footers
exactly where a test needs them.
"""
from __future__ import annotations

import csv
import logging
import random
import re
import sys
import time
from pathlib import Path

import pdfplumber
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # no installed package or conftest: make `extract` importable
    sys.path.insert(0, str(ROOT))

from extract.ingest import pdf  # noqa: E402
from extract.ingest import read_document  # noqa: E402
from support import error_of, write  # noqa: E402
from extract.ingest.lines import clean_spaces, is_heading, is_page_number  # noqa: E402

CORPUS = ROOT / "corpora"
REPORTS = sorted(p.stem for p in (CORPUS / "gold").glob("*.json") if (CORPUS / f"{p.stem}.pdf").exists())


def occurrences(text: str, surface: str) -> list[int]:
    out, i = [], text.find(surface)
    while i >= 0:
        out.append(i)
        i = text.find(surface, i + 1)
    return out


@pytest.fixture(scope="module")
def rendered():
    return {(name, fmt): read_document(CORPUS / f"{name}.{fmt}", f"{name}.{fmt}")
            for name in REPORTS for fmt in ("pdf", "docx")}


# ---------------------------------------------------------------- corpus PDFs

def test_pdf_repairs_numbers_and_drops_footers(rendered):
    text = rendered["baisha-2023", "pdf"].text
    assert "收、支总计1773.84万元" in text  # `收、支总计 1773.84 万元` as extracted
    assert "基本支出为822.64万元" in text  # `822.64 万\n元` across a printed line break
    assert "457.57万元" in text  # across a page break, after the `— 6 —` footer
    assert not re.search(r"—\s*\d+\s*—", text)
    assert "党员想干事" in text.replace("\n", "")  # a word broken at the line end


@pytest.mark.parametrize("name, surface, nth, page", [
    ("baisha-2023", "200亩", 1, 2),
    ("baisha-2023", "1773.84万元", 1, 6),
    ("baisha-2023", "822.64万元", 1, 7),
    ("xiang-errors-2023", "91.5", 2, 6),
    ("xian-nongye-2023", "2,186.57万元", 2, 4),
])
def test_page_of_a_figure(rendered, name, surface, nth, page):
    doc = rendered[name, "pdf"]
    start = occurrences(doc.text, surface)[nth - 1]
    assert doc.page_of(start) == page
    with pdfplumber.open(CORPUS / f"{name}.pdf") as pdf:
        assert doc.pages == len(pdf.pages)
        printed = re.sub(r"\s", "", pdf.pages[page - 1].extract_text())
    assert re.sub(r"[^\d.,]", "", surface) in printed


def test_pdf_tables_become_rows(rendered):
    lines = rendered["jiedao-2023", "pdf"].text.split("\n")
    assert "老旧小区改造配套资金 | 1,420.00 | 1,386.50 | 97.64%" in lines
    assert lines.index("项目名称 | 预算数（万元） | 执行数（万元） | 执行率") + 1 == \
        lines.index("老旧小区改造配套资金 | 1,420.00 | 1,386.50 | 97.64%")
    merged = rendered["xiangmu-yinshui-2023", "pdf"].text.split("\n")
    assert "项目名称 | 桐岭县2023年农村饮水安全巩固提升工程" in merged
    continued = rendered["xiang-errors-2023", "pdf"].text  # rows on pages 5 and 6
    assert "投入 | 预算执行 | 15 | 14.39\n过程 | 资金管理 | 15 | 13.80" in continued


def test_pdf_and_docx_agree_line_by_line(rendered):
    """Paragraphs rejoined exactly where Word had them (the docx also has empty ones)."""
    for name in ("jiedao-2022", "jiedao-2023", "xian-nongye-2023", "xiang-errors-2023"):
        pdf, word = (rendered[name, fmt].text.split("\n") for fmt in ("pdf", "docx"))
        assert pdf == [line for line in word if line]


def test_synthetic_marks_separators_not_figures(rendered):
    doc = rendered["jiedao-2023", "pdf"]
    row = doc.text.index("老旧小区改造配套资金 | 1,420.00")
    cut = row + len("老旧小区改造配套资金")
    assert {cut, cut + 1, cut + 2} <= doc.synthetic
    assert all(doc.text[k] in " |\n" for k in doc.synthetic)
    figure = doc.text.index("6,634.71万元")
    assert not doc.synthetic & set(range(figure, figure + len("6,634.71万元")))


# ---------------------------------------------------------------- synthetic PDFs

def make_pdf(path: Path, pages: list[str]) -> Path:
    """A PDF whose pages run the given content-stream operators, text in Helvetica 12."""
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica")}))
    for ops in pages:
        page = writer.add_blank_page(595, 842)
        page[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
        stream = DecodedStreamObject()
        stream.set_data(ops.encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    writer.write(path)
    return path


def show(x: float, y: float, text: str) -> str:
    return f"BT /F1 12 Tf {x} {y} Td ({text}) Tj ET\n"


def ruled_table(top: float, rows: list[list[str]], cols=(72, 200, 330, 460)) -> str:
    ops = "".join(show(cols[c] + 4, top - 20 * (r + 1) + 6, cell)
                  for r, row in enumerate(rows) for c, cell in enumerate(row))
    bottom = top - 20 * len(rows)
    ops += "".join(f"{cols[0]} {top - 20 * r} m {cols[-1]} {top - 20 * r} l S\n" for r in range(len(rows) + 1))
    return ops + "".join(f"{x} {top} m {x} {bottom} l S\n" for x in cols)


def test_running_header_and_footer_dropped_latin_lines_rejoined(tmp_path):
    pages = [show(72, 800, "Annual Performance Report 2023")
             + show(96, 700, f"The {w} section starts with an indent and wraps at the right margin of the")
             + show(72, 684, f"page; it ends on this short line for {w}.")
             + show(72, 668, f"Next block {w} on the left margin.")
             + show(290, 40, f"- {n} -")
             for n, w in enumerate(["alpha", "bravo", "charlie", "delta"], 1)]
    doc = read_document(make_pdf(tmp_path / "latin.pdf", pages), "latin")
    paragraphs = doc.text.split("\n")
    assert paragraphs[:2] == [
        "The alpha section starts with an indent and wraps at the right margin of the page; "
        "it ends on this short line for alpha.", "Next block alpha on the left margin."]
    assert len(paragraphs) == 8 and "Annual" not in doc.text and "- 2 -" not in doc.text
    assert [doc.page_of(doc.text.index(w)) for w in ("bravo", "charlie", "delta")] == [2, 3, 4]
    assert doc.text.index("the page;") + 3 in doc.synthetic  # the space that replaced the break


def test_table_continued_on_next_page_with_repeated_header(tmp_path):
    header = ["Item", "Budget", "Spent"]
    pages = [show(72, 760, "Budget execution is shown in the table below:")
             + ruled_table(740, [header, ["Roads", "1,420.00", "1,386.50"], ["Water", "880.00", "868.92"]]),
             ruled_table(800, [header, ["Parks", "650.00", "642.75"]]) + show(72, 700, "Total spent: 2,898.17.")]
    doc = read_document(make_pdf(tmp_path / "table.pdf", pages), "table")
    assert doc.text.split("\n") == [
        "Budget execution is shown in the table below:", "Item | Budget | Spent",
        "Roads | 1,420.00 | 1,386.50", "Water | 880.00 | 868.92", "Parks | 650.00 | 642.75",
        "Total spent: 2,898.17."]
    assert doc.page_of(doc.text.index("Parks")) == 2


# ---------------------------------------------------------------- bad PDFs

def test_encrypted_pdf(tmp_path):
    writer = PdfWriter(clone_from=CORPUS / "jiedao-2023.pdf")
    writer.encrypt("secret", algorithm="AES-256")
    writer.write(tmp_path / "locked.pdf")
    assert error_of(tmp_path / "locked.pdf").startswith("encrypted PDF: ")


def test_pdf_with_only_an_owner_password_opens(tmp_path):
    writer = PdfWriter(clone_from=CORPUS / "jiedao-2023.pdf")
    writer.encrypt("", owner_password="owner", algorithm="AES-128")
    writer.write(tmp_path / "owner.pdf")
    assert "6,634.71万元" in read_document(tmp_path / "owner.pdf", "o").text


def test_truncated_pdf(tmp_path):
    data = (CORPUS / "jiedao-2023.pdf").read_bytes()
    assert error_of(write(tmp_path, "half.pdf", data[: len(data) // 2])).startswith("corrupt PDF: ")


def test_zero_page_pdf(tmp_path):
    PdfWriter().write(tmp_path / "zero.pdf")
    assert error_of(tmp_path / "zero.pdf") == "PDF has zero pages"


@pytest.mark.parametrize("data, message", [
    (random.Random(2).randbytes(5000), "corrupt PDF: "),
    (b"", "empty file"),
])
def test_garbage_pdf(tmp_path, data, message):
    assert error_of(write(tmp_path, "garbage.pdf", data)).startswith(message)


def test_scanned_pdf_without_ocr():
    message = error_of(CORPUS / "baisha-2023.scan.pdf", ocr="none")
    assert message == "scanned PDF: OCR is turned off"


def test_pdf_with_one_scanned_page_keeps_the_others_without_ocr(tmp_path, caplog):
    writer = PdfWriter()
    writer.append(PdfReader(CORPUS / "baisha-2023.pdf"), pages=[0, 1])
    writer.append(PdfReader(CORPUS / "baisha-2023.scan.pdf"), pages=[2])
    writer.write(tmp_path / "mixed.pdf")
    with caplog.at_level(logging.WARNING, logger="extract.pdf"):
        doc = read_document(tmp_path / "mixed.pdf", "mixed", ocr="none")
    assert doc.pages == 3 and doc.page_starts[2] == len(doc.text) and not doc.ocr_confidence
    assert doc.page_of(doc.text.index("200亩")) == 2
    assert "scanned PDF pages not read (OCR is turned off): 3" in caplog.text


def test_blank_page_is_kept_empty(tmp_path, caplog):
    writer = PdfWriter()
    writer.append(PdfReader(CORPUS / "baisha-2023.pdf"), pages=[0])
    writer.add_blank_page(595, 842)
    writer.write(tmp_path / "blank.pdf")
    with caplog.at_level(logging.WARNING, logger="extract.pdf"):
        doc = read_document(tmp_path / "blank.pdf", "blank")
    assert doc.pages == 2 and doc.page_starts[1] == len(doc.text)
    assert "PDF pages without text (kept empty): 2" in caplog.text


def test_timeout_between_pages(monkeypatch):
    """The clock is read between pages: a slow page makes the next check fail."""
    real = pdf._pdfium_lines

    def slow(textpage, page_no):
        time.sleep(0.3)
        return real(textpage, page_no)

    monkeypatch.setattr(pdf, "_pdfium_lines", slow)
    message = error_of(CORPUS / "baisha-2023.pdf", timeout=0.5)
    assert re.fullmatch(r"timeout: more than 0.5 s to read the PDF \(stopped at page \d of 8\)", message)


def test_unreadable_text_layer_falls_back_to_pdfplumber(monkeypatch):
    """A page whose pypdfium2 text is private-use junk is read again with pdfplumber."""
    real = pdf._pdfium_lines

    def junk_on_page_2(textpage, page_no):
        lines, text = real(textpage, page_no)
        if page_no != 2:
            return lines, text
        garble = lambda s: re.sub(r"\S", "\ue000", s)  # noqa: E731
        for ln in lines:
            ln.text = garble(ln.text)
        return lines, garble(text)

    monkeypatch.setattr(pdf, "_pdfium_lines", junk_on_page_2)
    doc = read_document(CORPUS / "baisha-2023.pdf", "b")
    assert "\ue000" not in doc.text
    assert doc.page_of(doc.text.index("200亩")) == 2
    assert "425个党员联系全镇1万余户" in doc.text


# ---------------------------------------------------------------- helpers

@pytest.mark.parametrize("raw, clean", [
    ("收支总计 1773.84 万元", "收支总计1773.84万元"),
    ("增长 20%,增长的", "增长20%,增长的"),
    ("主要负责人 AB 岗值班", "主要负责人AB岗值班"),
    ("报 告", "报告"),
    ("1. 预算执行均衡性", "1. 预算执行均衡性"),
    ("Total 12 items", "Total 12 items"),
])
def test_clean_spaces(raw, clean):
    assert clean_spaces(raw) == clean


@pytest.mark.parametrize("line, heading", [
    ("一、基本情况", True), ("（二）支出情况", True), ("3. 城市更新", True), ("第三章 附则", True),
    ("附件：自评表", True), ("1.02万元，下降8.6%", False), ("2.4公里", False), ("中国特色", False),
])
def test_is_heading(line, heading):
    assert is_heading(line) is heading


@pytest.mark.parametrize("line, page, number", [
    ("— 3 —", 3, True), ("- 12 -", 12, True), ("第3页", 3, True), ("第 3 页 共 8 页", 3, True),
    ("3/8", 3, True), ("7", 7, True), ("7", 6, False), ("— 3 — 万元", 3, False), ("2023年", 1, False),
    ("6—", 6, True), ("—6", 6, True), ("6—", 5, False), ("— 6 —", 5, True),
])
def test_is_page_number(line, page, number):
    assert is_page_number(line, page) is number


def test_ruled_table_comes_back_as_its_csv_and_as_cell_figures(tmp_path):
    """The corpus PDF draws 表1 as a ruled table on page 2; the .txt holds the same table."""
    from extract import run as run_batch

    root = Path(__file__).resolve().parent.parent / "corpora"
    reports = run_batch([root / "xiangmu-yinshui-2023.pdf"], tmp_path / "out")
    assert reports[0].status == "ok"
    txt = (root / "xiangmu-yinshui-2023.txt").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(txt) if line.startswith("资金来源"))
    drawn = [re.split(r"\s{2,}", line.strip()) for line in txt[start:start + 5]]
    with open(tmp_path / "out" / "tables" / "xiangmu-yinshui-2023.pdf" / "p2-t1.csv",
              encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh)) == drawn
    cells = [f for f in reports[0].analysis.figures if f.surface == "301.76"]
    assert len(cells) == 1 and cells[0].page == 2 and cells[0].table and (cells[0].row, cells[0].col) == (3, 3)
    assert cells[0].indicator == "省级财政补助资金 / 执行数" and cells[0].role == "executed"
