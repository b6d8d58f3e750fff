"""Broken, odd and hostile input, generated here: each file gives a specific error row or is
read correctly, and the batch completes with every other document's outputs intact.
The README's table "Untrusted input" lists the same cases and outcomes."""
from __future__ import annotations

import io
import os
import shutil
import zipfile
import zlib
from pathlib import Path

import pytest

from extract import run
from support import read_rows as _rows

pytestmark = pytest.mark.batch

ROOT = Path(__file__).resolve().parent.parent
GOOD = ROOT / "corpora" / "jiedao-2022.txt"


def pdf_bytes(content: bytes, extra_catalog: bytes = b"", compress: bool = False) -> bytes:
    """A minimal one-page PDF whose page draws `content` with a standard font."""
    stream = zlib.compress(content) if compress else content
    filters = b"/Filter /FlateDecode " if compress else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R " + extra_catalog + b">>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< " + filters + b"/Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("bad")
    inputs = base / "in"
    inputs.mkdir()
    shutil.copy(GOOD, inputs / "good.txt")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "whitespace.txt").write_bytes(" \n\t\u3000\n".encode("utf-8"))
    (inputs / "junk.txt").write_bytes(os.urandom(64 * 1024))
    (inputs / "nul.txt").write_bytes("收入合计100万元".encode("utf-8") + b"\x00" * 4096 + "其他".encode("utf-8"))
    (inputs / "mixed.txt").write_bytes("收入合计120万元，".encode("utf-8") + "其中基本支出100万元。".encode("gbk"))
    # a 50 MB single line of report text
    line = "本年度项目支出合计123.45万元，其中设备购置费23.45万元，" * 1_000_000
    (inputs / "long-line.txt").write_text(line[: 17_000_000], encoding="utf-8")
    with open(inputs / "huge.txt", "wb") as fh:         # 201 MB, sparse: refused before reading
        fh.truncate(201 * 1024 * 1024)
    text_pdf = (ROOT / "corpora" / "baisha-2023.pdf").read_bytes()
    (inputs / "truncated.pdf").write_bytes(text_pdf[: len(text_pdf) // 3])
    (inputs / "zero-pages.pdf").write_bytes(
        b"%PDF-1.7\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n")
    (inputs / "not-a-pdf.pdf").write_bytes(b"<html>this is a web page</html>")
    from pypdf import PdfReader, PdfWriter
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(text_pdf)))
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(inputs / "encrypted.pdf", "wb") as fh:
        writer.write(fh)
    # a content stream that inflates from about 300 KB to 300 MB
    (inputs / "bomb.pdf").write_bytes(pdf_bytes(b" " * (300 * 1024 * 1024), compress=True))
    tiny = b"BT /F1 1 Tf " + b"".join(b"%d %d Td (x) Tj " % (1, 0) for _ in range(100_000)) + b"ET"
    (inputs / "tiny-chars.pdf").write_bytes(pdf_bytes(tiny))
    (inputs / "javascript.pdf").write_bytes(pdf_bytes(
        b"BT /F1 12 Tf 72 720 Td (Total 100) Tj ET",
        extra_catalog=b"/OpenAction << /S /JavaScript /JS (app.alert('pwned');) >> "))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<" + b"a" * (300 * 1024 * 1024) + b">")
    (inputs / "zip-bomb.docx").write_bytes(bomb.getvalue())
    xlsx_bomb = io.BytesIO()
    with zipfile.ZipFile(xlsx_bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<" + b"a" * (300 * 1024 * 1024) + b">")
    (inputs / "zip-bomb.xlsx").write_bytes(xlsx_bomb.getvalue())
    (inputs / "truncated.xlsx").write_bytes(xlsx_bomb.getvalue()[:5000])
    (inputs / "encrypted.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
                                            + "EncryptedPackage".encode("utf-16-le") + bytes(600))
    (inputs / "junk.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(8192))
    (inputs / "script.html").write_text(
        "<html><body><script>document.title = 'pwned'; fetch('http://example.invalid/')</script>"
        "<p>收入合计100万元</p></body></html>", encoding="utf-8")
    for name in ("with space.txt", "中文名称.txt", "a..b.txt", "new\nline.txt"):
        shutil.copy(GOOD, inputs / name)
    (inputs / "sub").mkdir()
    os.symlink(inputs, inputs / "sub" / "loop")          # a symbolic link loop
    out = base / "out"
    reports = {r.doc_id: r for r in run([inputs], out, timeout=60)}
    return reports, out, base


CASES = {
    "empty.txt": "empty file",
    "whitespace.txt": "only whitespace",
    "junk.txt": "binary data",
    "nul.txt": "binary data",
    "huge.txt": "file too large",
    "truncated.pdf": "corrupt PDF",
    "zero-pages.pdf": "",
    "not-a-pdf.pdf": "",
    "encrypted.pdf": "encrypted PDF",
    "zip-bomb.docx": "unpacks to",
    "zip-bomb.xlsx": "unpacks to",
    "truncated.xlsx": "corrupt .xlsx",
    "encrypted.xlsx": "encrypted spreadsheet",
    "junk.xls": "corrupt .xls",
}


@pytest.mark.parametrize("name,message", CASES.items())
def test_bad_file_gives_a_specific_error_row(batch, name, message):
    reports, _, _ = batch
    report = reports[name]
    assert report.status == "error", (name, report.status)
    assert report.error and message in report.error, report.error


@pytest.mark.parametrize("name", ["mixed.txt", "long-line.txt", "bomb.pdf", "tiny-chars.pdf"])
def test_odd_file_is_read_or_refused_with_a_reason(batch, name):
    report = batch[0][name]
    assert report.status in ("ok", "error")
    if report.status == "error":
        assert report.error and "internal error" not in report.error, report.error


def test_javascript_is_never_run_and_the_text_is_read(batch):
    report = batch[0]["javascript.pdf"]
    assert report.status == "ok" and "Total 100" in report.document.text


def test_scripts_of_a_web_page_are_left_out(batch):
    report = batch[0]["script.html"]
    assert report.status == "ok" and report.document.text == "收入合计100万元"


def test_odd_file_names_and_links(batch):
    reports, out, base = batch
    for name in ("with space.txt", "中文名称.txt", "a..b.txt", "new\nline.txt"):
        assert reports[name].status == "ok" and len(reports[name].analysis.figures) > 100
    assert not any("loop" in d for d in reports)
    created = {p.resolve() for p in base.rglob("*")}
    assert all(out.resolve() in p.parents or p == out.resolve() or (base / "in").resolve() in p.parents
               or p.parent == base.resolve() for p in created)


def test_the_good_document_is_intact(batch):
    reports, out, _ = batch
    good = reports["good.txt"]
    assert good.status == "ok" and len(good.analysis.figures) == 144
    figures = [r for r in _rows(out / "figures.csv") if r["doc_id"] == "good.txt"]
    assert len(figures) == 144
    docs = {d["doc_id"]: d for d in _rows(out / "documents.csv")}
    assert set(docs) == set(reports)


# ---------------------------------------------------------------- archive accidents (issue: whole archives)

@pytest.fixture(scope="module")
def long_batch(tmp_path_factory):
    """One good report beside a sentence of a megabyte with no 。 or line end (a figure in it,
    then a million-digit number), and 24-digit amounts in a rate relation."""
    base = tmp_path_factory.mktemp("long")
    inputs = base / "in"
    inputs.mkdir()
    shutil.copy(GOOD, inputs / "good.txt")
    filler = "，".join(f"第{i}项工作推进有序" for i in range(40000))
    (inputs / "long.txt").write_text(f"本年度共完成培训12场，{filler}，另收入{'7' * 1_000_000}元。\n",
                                     encoding="utf-8")
    (inputs / "huge.txt").write_text(f"本年度支出合计{'9' * 24}万元，执行率为95%，预算数{'1' * 24}万元。\n",
                                     encoding="utf-8")
    out = base / "out"
    reports = run([inputs], out)
    from extract.review import write_report
    write_report(out)           # as `jixiao run` does after the batch
    return reports, out


def test_a_megabyte_sentence_and_huge_numbers_complete_the_batch(long_batch):
    reports, out = long_batch
    assert sorted(r.status for r in reports) == ["ok", "ok", "ok"]
    for name in ("documents", "figures", "checks", "flags", "panel"):
        assert (out / f"{name}.csv").exists() and (out / f"{name}.parquet").exists(), name
    assert (out / "report.html").exists()
    import pyarrow.parquet as pq
    figures = pq.read_table(out / "figures.parquet").to_pylist()
    assert any(f["doc_id"] == "long.txt" and f["value"] == "7" * 1_000_000 for f in figures)
    huge = [f for f in figures if f["doc_id"] == "huge.txt" and f["unit"] == "万元"]
    assert sorted(f["value"] for f in huge) == sorted(["9" * 24, "1" * 24])
    good = [f for f in _rows(out / "figures.csv") if f["doc_id"] == "good.txt"]
    assert len(good) > 100


def test_a_figure_row_carries_the_sentence_around_it_not_a_megabyte(long_batch):
    from extract.analyse.structure import SENTENCE_CHARS
    _, out = long_batch
    rows = [f for f in _rows(out / "figures.csv") if f["doc_id"] == "long.txt"]
    first = next(f for f in rows if f["surface"] == "12场")
    assert first["sentence"].startswith("本年度共完成培训12场") and first["sentence"].endswith("…")
    assert all(len(f["sentence"]) <= SENTENCE_CHARS + 2 for f in rows)
    assert (out / "figures.csv").stat().st_size < 4 * 1024 * 1024     # the text alone is 1.4 MB


def test_outputs_get_the_mode_of_any_new_file(long_batch):
    _, out = long_batch
    mask = os.umask(0)
    os.umask(mask)
    for p in [*out.glob("*.csv"), *out.glob("*.parquet"), out / "report.html", *(out / "text").iterdir()]:
        assert p.stat().st_mode & 0o777 == 0o666 & ~mask, p


@pytest.fixture(scope="module")
def accidents(tmp_path_factory):
    """What unzipping and copying archives leaves: a GBK file name, a FIFO and a link to a
    device named .txt/.pdf, a name of 80 Chinese characters, `x.txt` beside a folder
    `x.txt.txt/`, a .docm, an image — beside one good report. Run twice."""
    base = tmp_path_factory.mktemp("accidents")
    inputs = base / "in"
    inputs.mkdir()
    shutil.copy(GOOD, inputs / "good.txt")
    os.chdir(inputs)
    try:
        with open("预算".encode("gbk") + b".txt", "wb") as fh:
            fh.write("收入合计100万元。".encode("utf-8"))
        os.mkfifo("pipe.txt")
        os.mkfifo("pipe.pdf")
        os.symlink("/dev/zero", "zero.txt")
        Path("长" * 80 + ".txt").write_text("收入合计200万元。", encoding="utf-8")
        Path("x.txt").write_text("收入合计300万元。", encoding="utf-8")
        Path("x.txt.txt").mkdir()
        Path("x.txt.txt/a.txt").write_text("支出合计50万元。", encoding="utf-8")
        Path("m.docm").write_bytes(b"PK\x03\x04 not really")
        Path("scan.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    finally:
        os.chdir(ROOT)
    out = base / "out"
    first = run([inputs], out)
    second = run([inputs], out)
    return first, second, out


def test_archive_accidents_are_one_row_each_and_the_batch_completes(accidents):
    first, second, out = accidents
    docs = {d["doc_id"]: d for d in _rows(out / "documents.csv")}
    assert len(docs) == len(first) == len(second) == 10
    status = {k: (d["status"], d["error"]) for k, d in docs.items()}
    assert status["good.txt"][0] == status["x.txt"][0] == status["x.txt.txt/a.txt"][0] == "ok"
    assert status["预算.txt"][0] == "ok"                         # shown in Chinese, read by its bytes
    assert status["长" * 80 + ".txt"][0] == "ok"
    for name in ("pipe.txt", "pipe.pdf"):
        assert status[name] == ("error", "not a file: a named pipe (FIFO), not read")
    assert status["zero.txt"] == ("error", "not a file: a device, not read")
    assert status["m.docm"][0] == "error" and ".docm" in status["m.docm"][1]
    assert status["scan.png"][0] == "skipped" and "PDF" in status["scan.png"][1]
    values = {f["doc_id"]: f["value"] for f in _rows(out / "figures.csv") if f["unit"] == "万元"}
    assert (values["预算.txt"], values["长" * 80 + ".txt"], values["x.txt"], values["x.txt.txt/a.txt"]) == \
        ("100", "200", "300", "50")
    assert (out / "documents.parquet").exists() and (out / "figures.parquet").exists()


def test_every_document_text_is_found_where_its_offsets_point(accidents):
    from extract.outputs.paths import text_path
    _, _, out = accidents
    for d in _rows(out / "documents.csv"):
        if d["status"] == "ok":
            assert int(d["chars"]) == len(text_path(out, d["doc_id"]).read_text(encoding="utf-8"))
