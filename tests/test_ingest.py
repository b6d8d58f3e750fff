"""extract.ingest: every input file becomes a Document, every bad one a specific InputError.

Bad inputs are generated in tmp_path; the PDF and docx checks run on the corpus renderings,
whose gold figures must all be found again (same surface, same nth, same order). PDF
specifics are in test_pdf.py, OCR of scanned pages in test_ocr.py.
"""
from __future__ import annotations

import codecs
import difflib
import json
import random
import re
import sys
from pathlib import Path

import docx
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # no installed package or conftest: make `extract` importable
    sys.path.insert(0, str(ROOT))

from extract.ingest import FORMATS, read_document  # noqa: E402
from support import error_of, write  # noqa: E402

CORPUS = ROOT / "corpora"
# the narrative reports, each also rendered as .docx and .pdf (the forms are kept in one shape)
REPORTS = sorted(p.stem for p in (CORPUS / "gold").glob("*.json") if (CORPUS / f"{p.stem}.txt").exists())
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


def test_formats_cover_the_five_readers():
    assert FORMATS == {".txt": "txt", ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx", ".xls": "xls",
                       ".html": "html", ".htm": "html"}


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
    assert "expected .txt, .docx, .pdf, .xlsx, .xls, .html or .htm" in error_of(write(tmp_path, "report.xyz", b"x"))
    assert "OCR reads scanned PDFs only" in error_of(write(tmp_path, "report.png", b"x"))


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


def test_unknown_ocr_engine_is_a_bug_not_a_bad_document():
    with pytest.raises(ValueError, match="ocr must be one of"):
        read_document(SAMPLE, "s", ocr="abbyy")


def test_timeout_on_a_text_file(tmp_path):
    assert error_of(SAMPLE, timeout=-1).startswith("timeout: ")
    assert read_document(SAMPLE, "s", timeout=60).text


def test_a_table_nested_in_a_word_cell_is_read_in_that_cell():
    """python-docx's cell text leaves nested tables out; their cells are part of the report."""
    import io

    from extract.ingest.docx import docx_text

    d = docx.Document()
    t = d.add_table(rows=2, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(1, 0).text = "项目", "资金", "设备购置"
    inner = t.cell(1, 1).add_table(rows=2, cols=2)
    for r, (name, amount) in enumerate((("中央资金", "120万元"), ("县级配套", "30万元"))):
        inner.cell(r, 0).text, inner.cell(r, 1).text = name, amount
    buf = io.BytesIO()
    d.save(buf)
    assert docx_text(buf.getvalue(), 10 ** 8).splitlines() == [
        "项目 | 资金", "设备购置 | 中央资金 / 120万元；县级配套 / 30万元"]
