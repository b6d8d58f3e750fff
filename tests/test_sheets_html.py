"""Spreadsheets (.xlsx, .xls) and web pages (.html, .htm): each becomes a Document whose lines
are the rows and blocks as a reader sees them, each bad file a specific InputError.

Files are built here in tmp_path (openpyxl writes the .xlsx); the .xls fixture is
tests/fixtures/sheets.xls (written by tests/fixtures/make_xls.py). The content is invented.
"""
from __future__ import annotations

import codecs
import io
import random
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from support import error_of, write

from extract.batch.discover import discover
from extract.ingest import FORMATS, read_document
from extract.ingest.html import decode_html, looks_like_html
from extract.ingest.sheets import cell_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = "三级指标 | 年度指标值 | 实际完成值 | 分值 | 得分"


def lines(path: Path, **kw) -> list[str]:
    return read_document(path, path.name, **kw).text.split("\n")


def workbook(tmp_path: Path, name: str = "zp.xlsx") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "自评表"
    ws.append(["项目名称", "社区图书室建设"])
    ws.merge_cells("B1:D1")
    ws.append(HEADER.split(" | "))
    ws.append(["新增图书", 2000, 1950.5, 10.0, 9])
    ws.append(["读者满意度", None, 0.95, None, None, None])
    ws["C4"].number_format = "0%"
    ws.append([])
    ws.append(["完成日期", date(2023, 11, 30), datetime(2023, 12, 1, 9, 30), Decimal("0.10")])
    ws.append(["多行\n单元格", "=B3-C3", True, 1e20])
    wb.create_sheet("空白")
    wb.create_sheet("资金").append(["年度预算数", 120.5, None, "万元"])
    path = tmp_path / name
    wb.save(path)
    return path


def test_the_new_formats_are_registered_and_discovered(tmp_path):
    assert {FORMATS[s] for s in (".xlsx", ".xls", ".html", ".htm")} == {"xlsx", "xls", "html"}
    for name in ("a.xlsx", "b.XLS", "c.html", "d.htm", "e.et", "f.png", "g.json"):
        (tmp_path / name).write_bytes(b"x")
    # an image is listed (a `skipped` row says why), a gold file is not a report
    assert [d for _, d in discover([tmp_path]).files] == ["a.xlsx", "b.XLS", "c.html", "d.htm", "e.et", "f.png"]


# ---------------------------------------------------------------- .xlsx

def test_xlsx_sheets_pages_rows_and_cells(tmp_path):
    doc = read_document(workbook(tmp_path), "zp")
    assert doc.format == "xlsx" and doc.pages == 3
    assert doc.text.split("\n") == [
        "项目名称 | 社区图书室建设",                 # the merged B1:D1 once, nothing after it
        HEADER,
        "新增图书 | 2000 | 1950.5 | 10 | 9",       # 10.0 as 10
        "读者满意度 |  | 95%",                      # inner empty kept, trailing dropped
        "完成日期 | 2023-11-30 | 2023-12-01 09:30 | 0.1",
        "多行 单元格 |  | TRUE | 100000000000000000000",   # a formula never saved: no value
        "年度预算数 | 120.5 |  | 万元",
    ]
    sheet3 = doc.text.index("年度预算数")
    assert doc.page_starts == (0, sheet3, sheet3)       # the empty sheet is a page of its own
    assert doc.page_of(0) == 1 and doc.page_of(sheet3) == 3


def test_xlsx_merged_range_shows_its_top_left_value_only(tmp_path):
    """A writer that leaves values in the cells a merge covers: only the top-left one shows."""
    wb = openpyxl.Workbook()
    wb.active.append(["分值", "甲", "甲", "甲", "乙"])
    wb.active.append(["得分", "丙", "丙", "8", "丁"])
    buf = io.BytesIO()
    wb.save(buf)
    src, out = zipfile.ZipFile(buf), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'</sheetData><mergeCells count="1">'
                                    b'<mergeCell ref="B1:C2"/></mergeCells>')
            z.writestr(item, data)
    path = write(tmp_path, "m.xlsx", out.getvalue())
    assert lines(path) == ["分值 | 甲 |  | 甲 | 乙", "得分 |  |  | 8 | 丁"]


@pytest.mark.parametrize("value, fmt, shown", [
    (0.95, "0%", "95%"), (0.9512, "0.00%", "95.12%"), (1.0, "0%", "100%"), (0.1 + 0.2, "General", "0.30000000000000004"),
    (12.0, "General", "12"), (1773.84, "#,##0.00", "1773.84"), (-0.0, "General", "0"), (5e-4, None, "0.0005"),
    (Decimal("2.50"), None, "2.5"), (3, "0.00", "3"), (False, None, "FALSE"), ("  其中：", None, "  其中："),
])
def test_cell_text(value, fmt, shown):
    assert cell_text(value, fmt) == shown


def test_corrupt_xlsx(tmp_path):
    good = workbook(tmp_path).read_bytes()
    assert error_of(write(tmp_path, "cut.xlsx", good[: len(good) // 2])).startswith("corrupt .xlsx")
    assert error_of(write(tmp_path, "junk.xlsx", b"PK\x03\x04" + random.Random(2).randbytes(3000))
                    ).startswith("corrupt .xlsx")
    docx_zip = io.BytesIO()
    with zipfile.ZipFile(docx_zip, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    assert error_of(write(tmp_path, "word.xlsx", docx_zip.getvalue())).startswith("corrupt .xlsx")
    assert error_of(write(tmp_path, "text.xlsx", "收入合计100万元".encode())).startswith("not a spreadsheet")


def test_encrypted_xlsx(tmp_path):
    """A password-protected .xlsx is an OLE compound file holding an EncryptedPackage stream."""
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000) + "EncryptedPackage".encode("utf-16-le") + bytes(500)
    assert error_of(write(tmp_path, "locked.xlsx", data)).startswith("encrypted spreadsheet")


def test_xlsx_that_unpacks_too_large(tmp_path):
    wb = openpyxl.Workbook()
    wb.active["A1"] = "万元" * 1_000_000
    wb.save(tmp_path / "bomb.xlsx")
    assert (tmp_path / "bomb.xlsx").stat().st_size < 100_000
    assert error_of(tmp_path / "bomb.xlsx", max_bytes=100_000).startswith("file too large: unpacks to")


def test_empty_workbook(tmp_path):
    openpyxl.Workbook().save(tmp_path / "e.xlsx")
    assert error_of(tmp_path / "e.xlsx").startswith("no text")


# ---------------------------------------------------------------- .xls

def test_xls_fixture():
    doc = read_document(FIXTURES / "sheets.xls", "sheets.xls")
    assert doc.format == "xls" and doc.pages == 3
    assert doc.text.split("\n") == [
        "项目名称 | 社区图书室建设", HEADER, "新增图书 | 2000 | 1950.5 | 10 | 9",
        "读者满意度 |  | 95%", "完成日期 | 2023-11-30", "年度预算数 | 120.5"]


def test_xlsx_named_xls_and_xls_named_xlsx_are_read_by_their_bytes(tmp_path):
    assert lines(write(tmp_path, "real.xls", workbook(tmp_path).read_bytes()))[0] == "项目名称 | 社区图书室建设"
    assert lines(write(tmp_path, "old.xlsx", (FIXTURES / "sheets.xls").read_bytes()))[1] == HEADER


def test_corrupt_xls(tmp_path):
    good = (FIXTURES / "sheets.xls").read_bytes()
    assert error_of(write(tmp_path, "cut.xls", good[:1500])).startswith("corrupt .xls")
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + random.Random(3).randbytes(4000)
    assert error_of(write(tmp_path, "junk.xls", ole)).startswith("corrupt .xls")
    assert error_of(write(tmp_path, "bin.xls", random.Random(4).randbytes(4000))).startswith("not a spreadsheet")
    xml = (b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">'
           b"<Worksheet/></Workbook>")
    assert "XML Spreadsheet 2003" in error_of(write(tmp_path, "xml.xls", xml))


def test_xls_that_is_a_web_page(tmp_path):
    page = ("<html xmlns:x=\"urn:schemas-microsoft-com:office:excel\"><head><meta charset=\"gbk\">"
            "<style>td {mso-number-format:General}</style></head><body><table>"
            f"<tr><td>项目名称</td><td colspan=3>社区图书室建设</td></tr>"
            f"<tr>{''.join(f'<td>{h}</td>' for h in HEADER.split(' | '))}</tr>"
            "<tr><td>新增图书</td><td x:num>2000</td><td>1950.5</td><td>10</td><td>9</td></tr>"
            "</table></body></html>")
    for name, data in [("gbk.xls", page.encode("gbk")),
                       ("bom.xls", codecs.BOM_UTF8 + page.replace("gbk", "utf-8").encode("utf-8")),
                       ("utf16.xls", codecs.BOM_UTF16_LE + page.replace("gbk", "utf-16").encode("utf-16-le")),
                       ("table.xls", page[page.index("<table>"):].encode("utf-8")),
                       ("named.xlsx", page.encode("gbk"))]:
        assert looks_like_html(data), name
        doc = read_document(write(tmp_path, name, data), name)
        assert doc.format == name.rpartition(".")[2] and doc.pages is None
        assert doc.text.split("\n") == ["项目名称 | 社区图书室建设 |  | ", HEADER,
                                        "新增图书 | 2000 | 1950.5 | 10 | 9"], name


# ---------------------------------------------------------------- .html

PAGE = """<!DOCTYPE html>
<html><head><title>页面标题</title><script>var s = "脚本内容";</script>
<style>p { color: red }</style></head>
<body>
<h1>社区图书室建设项目绩效自评报告</h1>
<p>项目预算资金120.5万元，
<b>实际</b>支出
118万元。</p>
<noscript>请启用脚本</noscript><template><p>模板内容</p></template>
<div>第一行<br>第二行 &lt;说明&gt; &nbsp;&copy; &zzz; 其后文字 &amp 仍在</div>
<ul><li>一、数量指标</li><li>二、质量指标</li></ul>
<table border="1">
<caption>表1 绩效指标</caption>
<thead><tr><th>三级指标</th><th>年度指标值</th><th>实际完成值</th><th>分值</th><th>得分</th></tr></thead>
<tbody>
<tr><td rowspan="2">数量指标</td><td colspan="2">新增图书2000册</td><td>10</td><td rowspan="2">9</td></tr>
<tr><td>1950册</td><td>97.5%</td><td>5</td></tr>
<tr><td>说明</td><td>见下表<table><tr><td>甲</td><td>60</td></tr><tr><td>乙</td><td>40</td></tr></table></td>
<td>合计</td></tr>
<tr><td></td><td></td></tr>
</tbody></table>
<script>document.write("<p>写入内容</p>")</script>
<p>结束。</p>
</body></html>
"""

PAGE_LINES = [
    "社区图书室建设项目绩效自评报告",
    "项目预算资金120.5万元，实际支出 118万元。",     # a line break between Chinese characters dropped
    "第一行",
    "第二行 <说明> \xa0© &zzz; 其后文字 & 仍在",    # unknown entity kept, text after it too
    "一、数量指标",
    "二、质量指标",
    "表1 绩效指标",
    HEADER,
    "数量指标 | 新增图书2000册 |  | 10 | 9",         # colspan: once, then an empty cell
    " | 1950册 | 97.5% | 5 | ",                       # rowspan: empty in the row below
    "说明 | 见下表 | 合计",
    "甲 | 60",                                        # the inner table after the outer row
    "乙 | 40",
    "结束。",
]


def test_html_blocks_tables_and_what_is_left_out(tmp_path):
    doc = read_document(write(tmp_path, "r.html", PAGE.encode("utf-8")), "r.html")
    assert doc.format == "html" and doc.encoding == "utf-8" and doc.pages is None
    assert doc.text.split("\n") == PAGE_LINES
    for hidden in ("页面标题", "脚本内容", "color", "请启用脚本", "模板内容", "写入内容"):
        assert hidden not in doc.text


@pytest.mark.parametrize("name, data, encoding", [
    ("meta.htm", PAGE.replace("<head>", '<head><meta charset="gbk">').encode("gbk"), "gb18030"),
    ("http-equiv.htm", PAGE.replace("<head>", '<head><meta http-equiv="Content-Type" '
                                    'content="text/html; charset=GB2312">').encode("gbk"), "gb18030"),
    ("undeclared.htm", PAGE.encode("gb18030"), "gb18030"),
    ("wrongly-declared.htm", PAGE.replace("<head>", '<head><meta charset="utf-8">').encode("gbk"), "gb18030"),
    ("latin1-declared.htm", PAGE.replace("<head>", '<head><meta charset="iso-8859-1">').encode("utf-8"), "utf-8"),
    ("utf16.htm", codecs.BOM_UTF16_LE + PAGE.encode("utf-16-le"), "utf-16-le"),
    ("xml.htm", ('<?xml version="1.0" encoding="gbk"?>\n' + PAGE[PAGE.index("<html"):]).encode("gbk"), "gb18030"),
])
def test_html_encodings(tmp_path, name, data, encoding):
    doc = read_document(write(tmp_path, name, data), name)
    assert doc.encoding == encoding and doc.text.split("\n") == PAGE_LINES


def test_decode_html_reads_the_declared_charset():
    assert decode_html('<meta charset="gbk"><p>社区图书室</p>'.encode("gbk")) == (
        '<meta charset="gbk"><p>社区图书室</p>', "gb18030")


def test_html_inline_spacing_and_wide_text(tmp_path):
    page = "<p>收入合计 <span>100</span>\n万元，\n其中甲60万元</p><p>a\nb</p><pre>第一行\n第二行</pre>"
    assert lines(write(tmp_path, "s.html", page.encode("utf-8"))) == [
        "收入合计 100 万元，其中甲60万元", "a b", "第一行", "第二行"]


def test_html_spans_are_bounded(tmp_path):
    page = '<table><tr><td colspan="999999">甲</td><td rowspan="0">乙</td></tr><tr><td>丙</td></tr></table>'
    text = lines(write(tmp_path, "wide.html", page.encode("utf-8")))
    assert text[0] == "甲" + " | " * 1000 + "乙" and text[1] == "丙" + " | " * 1000
    assert error_of(write(tmp_path, "wide2.html", (page * 50).encode("utf-8")), max_bytes=100_000
                    ).startswith("file too large: the page renders to more than")


@pytest.mark.parametrize("data, message", [
    (b"<html><head><title>x</title></head><body><script>1</script></body></html>", "no text"),
    (b"   ", "no text"),
    (b"<p>\x00\x00\x00\x00</p>" * 200, "binary data"),
    (b"<div>" * 5000 + "文字".encode() + b"</div>" * 5000, "corrupt HTML: line 1: Excessive depth"),
])
def test_bad_html(tmp_path, data, message):
    assert error_of(write(tmp_path, "bad.html", data)).startswith(message)
