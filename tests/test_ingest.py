"""extract.ingest: every input file becomes a Document, every bad one a specific InputError.

Bad inputs are generated in tmp_path; the PDF and docx checks run on the corpus renderings,
whose gold figures must all be found again (same surface, same nth, same order).
"""
from __future__ import annotations

import codecs
import difflib
import json
import logging
import random
import re
import sys
from pathlib import Path

import docx
import pdfplumber
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # no installed package or conftest: make `extract` importable
    sys.path.insert(0, str(ROOT))

from extract import ingest  # noqa: E402
from extract.errors import InputError  # noqa: E402
from extract.ingest import FORMATS, clean_spaces, is_heading, is_page_number, read_document  # noqa: E402

CORPUS = ROOT / "corpora"
REPORTS = sorted(p.stem for p in (CORPUS / "gold").glob("*.json"))
SAMPLE = CORPUS / "jiedao-2023.txt"


def occurrences(text: str, surface: str) -> list[int]:
    """Start of every occurrence, overlapping ones counted (how gold `nth` is defined)."""
    out, i = [], text.find(surface)
    while i >= 0:
        out.append(i)
        i = text.find(surface, i + 1)
    return out


def locate(text: str, figures: list[dict]) -> list[int | None]:
    found = {}
    for f in figures:
        found.setdefault(f["surface"], occurrences(text, f["surface"]))
    return [found[f["surface"]][f["nth"] - 1] if f["nth"] <= len(found[f["surface"]]) else None
            for f in figures]


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def error_of(path: Path, **kw) -> str:
    with pytest.raises(InputError) as e:
        read_document(path, path.name, **kw)
    return str(e.value)


def test_formats_cover_the_three_readers():
    assert FORMATS == {".txt": "txt", ".pdf": "pdf", ".docx": "docx"}


# ---------------------------------------------------------------- text

@pytest.mark.parametrize("name, data, encoding", [
    ("gb18030.txt", lambda t: t.encode("gb18030"), "gb18030"),
    ("utf16le-bom.txt", lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"), "utf-16-le"),
    ("utf16be-bom.txt", lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"), "utf-16-be"),
    ("utf32-bom.txt", lambda t: t.encode("utf-32"), "utf-32-le"),
    ("utf16-nobom.txt", lambda t: t.encode("utf-16-le"), "utf-16-le"),
    ("utf8-bom-crlf.txt", lambda t: codecs.BOM_UTF8 + t.replace("\n", "\r\n").encode(), "utf-8-sig"),
    ("utf8.txt", lambda t: t.encode(), "utf-8"),
])
def test_encodings_decode_to_the_same_text(tmp_path, name, data, encoding):
    original = SAMPLE.read_text(encoding="utf-8")
    doc = read_document(write(tmp_path, name, data(original)), "d")
    assert doc.encoding == encoding
    assert doc.format == "txt" and doc.page_starts == () and doc.page_of(0) is None
    assert doc.text.replace("\r\n", "\n") == original
    assert not doc.text.startswith("\ufeff")


def test_text_is_kept_exactly_as_decoded(tmp_path):
    raw = "收支总计 １７７３.８４万元\r\n\u3000\u3000合计　10%\r\n"
    assert read_document(write(tmp_path, "a.txt", raw.encode()), "a").text == raw


def test_short_gb18030_text(tmp_path):
    doc = read_document(write(tmp_path, "s.txt", "收支总计1773.84万元，其中基本支出822.64万元。".encode("gbk")), "s")
    assert (doc.text, doc.encoding) == ("收支总计1773.84万元，其中基本支出822.64万元。", "gb18030")


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "empty file"),
    ("blank.txt", " \r\n\t\n\u3000 ".encode(), "no text: the file holds only whitespace"),
    ("junk.txt", random.Random(0).randbytes(4096), "binary data, not text"),
    ("nul.txt", "收入合计".encode() + b"\x00\x00" + "1773.84万元".encode(), "binary data, not text"),
    ("controls.txt", bytes([1, 2, 3, 4, 5, 6, 0x41]) * 300, "binary data, not text"),
    ("pdf.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary data, not text: the file is a PDF"),
    ("latin.txt", bytes(range(0x80, 0x100)) * 8, "cannot decode: not UTF-8, GB18030 or UTF-16"),
    ("bad-bom.txt", codecs.BOM_UTF8 + b"abc\xff\xfe\xfd", "cannot decode"),
])
def test_bad_text_files(tmp_path, name, data, message):
    assert error_of(write(tmp_path, name, data)).startswith(message)


def test_too_large(tmp_path):
    path = write(tmp_path, "big.txt", SAMPLE.read_bytes())
    assert re.fullmatch(r"file too large: [\d.]+ MB > limit [\d.]+ MB", error_of(path, max_bytes=1000))
    assert read_document(path, "big", max_bytes=len(SAMPLE.read_bytes())).text


def test_missing_file(tmp_path):
    assert error_of(tmp_path / "absent.txt").startswith("cannot read file")


@pytest.mark.parametrize("suffix", [".doc", ".wps", ".rtf", ".odt"])
def test_old_formats_say_what_to_do(tmp_path, suffix):
    assert "save it as .docx or PDF" in error_of(write(tmp_path, "report" + suffix, b"x"))


def test_unknown_suffix(tmp_path):
    assert "expected .txt, .docx or .pdf" in error_of(write(tmp_path, "report.xyz", b"x"))
    assert "OCR" in error_of(write(tmp_path, "report.png", b"x"))


# ---------------------------------------------------------------- Word

def test_docx_paragraphs_and_tables_in_order(tmp_path):
    d = docx.Document()
    d.add_paragraph("收支总计1773.84万元。")
    table = d.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"r{r}c{c}"
    d.add_paragraph("其中基本支出822.64万元。")
    path = tmp_path / "t.docx"
    d.save(path)
    doc = read_document(path, "t")
    assert doc.format == "docx" and doc.page_starts == ()
    assert doc.text.split("\n") == ["收支总计1773.84万元。", "r0c0 | r0c1 | r0c2", "r1c0 | r1c1 | r1c2",
                                    "r2c0 | r2c1 | r2c2", "其中基本支出822.64万元。"]


def test_docx_merged_cells(tmp_path):
    d = docx.Document()
    table = d.add_table(rows=3, cols=3)
    for r in range(3):
        for c in range(3):
            table.cell(r, c).text = f"{r}{c}"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "across"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "down"
    path = tmp_path / "m.docx"
    d.save(path)
    # spanning columns: once; spanning rows: in every row it covers
    assert read_document(path, "m").text.split("\n") == ["00 | across", "down | 11 | 12", "down | 21 | 22"]


@pytest.mark.parametrize("make, message", [
    (lambda: random.Random(1).randbytes(2000), "corrupt .docx"),
    (lambda: (CORPUS / "baisha-2023.docx").read_bytes()[:20000], "corrupt .docx"),
    (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "not a .docx"),
])
def test_bad_docx(tmp_path, make, message):
    assert error_of(write(tmp_path, "bad.docx", make())).startswith(message)


def test_docx_that_unpacks_too_large(tmp_path):
    d = docx.Document()
    d.add_paragraph("万元" * 1_000_000)
    d.save(tmp_path / "bomb.docx")
    assert (tmp_path / "bomb.docx").stat().st_size < 100_000
    assert error_of(tmp_path / "bomb.docx", max_bytes=100_000).startswith("file too large: unpacks to")


def test_empty_docx(tmp_path):
    docx.Document().save(tmp_path / "e.docx")
    assert error_of(tmp_path / "e.docx").startswith("no text")


# ---------------------------------------------------------------- PDF and docx against the gold

@pytest.fixture(scope="module")
def rendered():
    return {(name, fmt): read_document(CORPUS / f"{name}.{fmt}", f"{name}.{fmt}")
            for name in REPORTS for fmt in ("pdf", "docx")}


def test_corpus_has_seven_reports():
    assert len(REPORTS) == 7


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize("name", REPORTS)
def test_gold_figures_locate_in_order(rendered, name, fmt):
    figures = json.loads((CORPUS / "gold" / f"{name}.json").read_text(encoding="utf-8"))["figures"]
    reference = locate((CORPUS / f"{name}.txt").read_text(encoding="utf-8"), figures)
    found = locate(rendered[name, fmt].text, figures)
    missing = [(f["surface"], f["nth"]) for f, at in zip(figures, found) if at is None]
    assert not missing
    by_reference = [at for _, at in sorted(zip(reference, found))]
    assert by_reference == sorted(by_reference)


@pytest.mark.parametrize("fmt", ["pdf", "docx"])
@pytest.mark.parametrize("name", REPORTS)
def test_every_visible_character_comes_back_in_order(rendered, name, fmt):
    def ink(text):
        return re.sub(r"\s", "", text.replace(" | ", ""))

    expected, got = ink((CORPUS / f"{name}.txt").read_text(encoding="utf-8")), ink(rendered[name, fmt].text)
    assert difflib.SequenceMatcher(None, expected, got, autojunk=False).ratio() >= 0.999


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


def test_scanned_pdf_needs_ocr():
    assert "OCR" in error_of(CORPUS / "baisha-2023.scan.pdf")


def test_pdf_with_one_scanned_page_keeps_the_others(tmp_path, caplog):
    writer = PdfWriter()
    writer.append(PdfReader(CORPUS / "baisha-2023.pdf"), pages=[0, 1])
    writer.append(PdfReader(CORPUS / "baisha-2023.scan.pdf"), pages=[2])
    writer.write(tmp_path / "mixed.pdf")
    with caplog.at_level(logging.WARNING, logger="extract.ingest"):
        doc = read_document(tmp_path / "mixed.pdf", "mixed")
    assert doc.pages == 3 and doc.page_starts[2] == len(doc.text)
    assert doc.page_of(doc.text.index("200亩")) == 2
    assert "pages without text" in caplog.text and "3" in caplog.text


def test_unreadable_text_layer_falls_back_to_pdfplumber(monkeypatch):
    """A page whose pypdfium2 text is private-use junk is read again with pdfplumber."""
    real = ingest._pdfium_lines

    def junk_on_page_2(textpage, page_no):
        lines, text = real(textpage, page_no)
        if page_no != 2:
            return lines, text
        garble = lambda s: re.sub(r"\S", "\ue000", s)  # noqa: E731
        for ln in lines:
            ln.text = garble(ln.text)
        return lines, garble(text)

    monkeypatch.setattr(ingest, "_pdfium_lines", junk_on_page_2)
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
])
def test_is_page_number(line, page, number):
    assert is_page_number(line, page) is number
