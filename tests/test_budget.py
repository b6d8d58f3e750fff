"""Time and cores for scans: a scanned page over its time budget is one unread page, not a
lost document; a document's limit grows with its pages; OCR threads are the cores shared
among the workers."""
from __future__ import annotations

import csv
import shutil
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # no installed package or conftest: make `extract` importable
    sys.path.insert(0, str(ROOT))

from extract.batch import _ocr_threads, run_batch  # noqa: E402
from extract.batch.plan import Settings, time_limit  # noqa: E402
from extract.core import rows  # noqa: E402
from extract.core.errors import InputError  # noqa: E402
from extract.ingest import Ocr, count_pages, ocr, pdf, read_document  # noqa: E402
from extract.pipeline import process  # noqa: E402
from test_ocr import mixed_pdf  # noqa: E402

CORPUS = ROOT / "corpora"
SCAN = CORPUS / "baisha-2023.scan.pdf"


def timed_out(page, engine, *, threads, deadline):
    raise ocr.PageTimeout("stopped")


def test_a_page_over_its_budget_is_left_unread(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "read_page", timed_out)
    doc = read_document(mixed_pdf(tmp_path), "m", ocr=Ocr("rapidocr", page_timeout=7))
    assert doc.pages == 2 and doc.page_of(doc.text.index("200亩")) == 1
    assert doc.unread == {2: "timeout: OCR took more than 7 s on the page"}
    assert not doc.ocr_confidence


def test_the_documents_row_names_the_unread_pages(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "read_page", timed_out)
    from extract import load_patterns

    report = process(mixed_pdf(tmp_path), "m", load_patterns(), ocr=Ocr("rapidocr", page_timeout=7))
    row = rows.document_row(report)
    assert row["status"] == "ok" and row["error"] == "page 2 not read (timeout: OCR took more than 7 s on the page)"


def test_every_page_over_its_budget_is_an_error(monkeypatch):
    monkeypatch.setattr(pdf, "read_page", timed_out)
    with pytest.raises(InputError) as e:
        read_document(SCAN, "b", ocr=Ocr("rapidocr", page_timeout=7))
    assert str(e.value) == "scanned PDF: timeout: OCR took more than 7 s on the page"


def test_unread_pages_grouped_by_reason():
    from extract.core.model import Document

    doc = Document("d", "d.pdf", "pdf", "x", unread={5: "b", 3: "a", 4: "a"})
    assert rows.unread_note(doc) == "pages 3, 4 not read (a); page 5 not read (b)"
    assert rows.unread_note(Document("d", "d.txt", "txt", "x")) == ""


def test_a_session_past_its_deadline_does_not_start():
    calls = []
    session = ocr._Budgeted(lambda x: calls.append(x) or x)
    assert session(1) == 1
    session.deadline = time.monotonic() + 60
    assert session(2) == 2
    session.deadline = time.monotonic() - 1
    with pytest.raises(ocr.PageTimeout):
        session(3)
    assert calls == [1, 2]


@pytest.mark.ocr
def test_rapidocr_stops_at_the_budget(tmp_path):
    """A real page with a budget too small to read it: stopped within one recogniser run."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(SCAN)
    ocr.read_page(doc[0], "rapidocr", threads=1)  # the engine loaded before timing
    t0 = time.monotonic()
    with pytest.raises(ocr.PageTimeout):
        ocr.read_page(doc[5], "rapidocr", threads=1, deadline=time.monotonic() + 0.3)
    assert time.monotonic() - t0 < 10  # a page takes longer than that on a busy machine
    page = ocr.read_page(doc[5], "rapidocr", threads=1, deadline=time.monotonic() + 300)
    assert "收入合计1773.84万元" in "".join(line.text for line in page.lines)


@pytest.mark.ocr
def test_tesseract_is_killed_at_the_budget():
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(SCAN)
    t0 = time.monotonic()
    with pytest.raises(ocr.PageTimeout):
        ocr.read_page(doc[5], "tesseract", deadline=time.monotonic() + 0.2)
    assert time.monotonic() - t0 < 5


# ---------------------------------------------------------------- the document's limit

def test_the_limit_grows_with_the_pages():
    settings = Settings(outdir="o", patterns="p", timeout=120, page_timeout=30)
    assert time_limit(settings, 0) == 120 and time_limit(settings, 8) == 360
    assert time_limit(Settings(outdir="o", patterns="p", timeout=None), 8) is None
    assert time_limit(Settings(outdir="o", patterns="p", timeout=10, page_timeout=None), 8) == 10


def test_pages_counted_cheaply():
    assert count_pages(SCAN) == 8 and count_pages(CORPUS / "baisha-2023.txt") == 0
    assert count_pages(CORPUS / "gold" / "baisha-2023.json") == 0


def sleepy(path, doc_id, patterns, **options):
    """Test-only per-document function: takes 2.5 s, then processes the document."""
    time.sleep(2.5)
    return process(path, doc_id, patterns, **options)


@pytest.mark.batch
@pytest.mark.parametrize("workers", [1, 2])
def test_a_long_pdf_gets_more_time_than_a_text(tmp_path, workers):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CORPUS / "jiedao-2022.pdf", inputs / "long.pdf")     # 6 pages: 1 + 6 x 1 s
    shutil.copy(CORPUS / "jiedao-2022.txt", inputs / "short.txt")    # no pages: 1 s
    run_batch([inputs], tmp_path / "out", workers=workers, timeout=1, page_timeout=1, processor=sleepy)
    with open(tmp_path / "out" / "documents.csv", encoding="utf-8-sig", newline="") as fh:
        docs = {r["doc_id"]: r for r in csv.DictReader(fh)}
    assert docs["long.pdf"]["status"] == "ok", docs["long.pdf"]["error"]
    assert docs["short.txt"]["error"] == "timeout after 1 s"


# ---------------------------------------------------------------- threads

def test_threads_are_the_cores_shared_by_the_workers(monkeypatch):
    monkeypatch.setattr(ocr, "cores", lambda: 8)
    assert [ocr.threads_for(w) for w in (1, 2, 3, 8, 16)] == [8, 4, 2, 1, 1]
    assert _ocr_threads(None, 2, 100) == 4       # two local workers
    assert _ocr_threads(None, 4, 1) == 8         # one document: read in this process
    assert _ocr_threads("local", 2, 100) == 4
    assert _ocr_threads("tcp://host:8786", 2, 100) == 1


def test_a_batch_passes_its_threads_to_the_engine(monkeypatch, tmp_path):
    seen = []

    def record(path, doc_id, patterns, **options):
        seen.append(options["ocr"])
        return process(path, doc_id, patterns, **options)

    monkeypatch.setattr(ocr, "cores", lambda: 6)
    shutil.copy(CORPUS / "jiedao-2022.txt", tmp_path / "a.txt")
    run_batch([tmp_path / "a.txt"], tmp_path / "out", workers=1, processor=record, page_timeout=12)
    assert seen == [Ocr("rapidocr", threads=6, page_timeout=12)]  # one process reads: every core
    from extract.batch import _ocr_threads
    assert _ocr_threads(None, 3, 1) == 6 and _ocr_threads(None, 3, 5) == 2 and _ocr_threads(None, 2, 2) == 3
