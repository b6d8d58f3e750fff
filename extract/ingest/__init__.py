"""Turn one input file (.txt, .docx, .pdf, .xlsx, .xls, .html, .htm) into a `Document`, or
raise `InputError`.

Text files are kept exactly as decoded (`text.py`), so offsets index the file itself. Word,
PDF, spreadsheet and web-page files are rendered to lines: one paragraph per line, one table
row per line as `cell | cell | cell` (`docx.py`; `pdf.py` for the text layer, ruled tables and
OCR; `sheets.py`, a sheet per page; `html.py`, and for an .xls that is really a web page).
"""
from __future__ import annotations

import logging
import os
import stat
import time
from pathlib import Path

from ..core.errors import InputError, NotAReport
from ..core.names import shown
from ..core.model import Document
from ..core.patterns import Patterns
from .docx import SAVE_AS, docx_text, mb
from .html import html_text, looks_like_html
from .ocr import Ocr, threads_for
from .pdf import count_pages as _pdf_pages, read_pdf
from .sheets import sheet_pages
from .text import decode_text

log = logging.getLogger(__name__)

FORMATS: dict[str, str] = {".txt": "txt", ".pdf": "pdf", ".docx": "docx", ".xlsx": "xlsx",
                           ".xls": "xls", ".html": "html", ".htm": "html"}

# Formats a report comes in that are not read: each gets an error row saying what to do.
ADVICE = {
    ".doc": f"old binary Word file (.doc): {SAVE_AS}",
    ".wps": f"WPS document (.wps): {SAVE_AS}",
    ".rtf": f"RTF file: {SAVE_AS}",
    ".odt": f"OpenDocument text (.odt): {SAVE_AS}",
    ".docm": f"macro-enabled Word file (.docm): {SAVE_AS}",
    ".ofd": "OFD file: export it as PDF",
    ".xlsm": "macro-enabled Excel file (.xlsm): save it as .xlsx or PDF",
    ".et": "WPS spreadsheet (.et): save it as .xlsx or PDF",
    ".mht": "web archive (.mht): save the page as .html or PDF",
    ".mhtml": "web archive (.mhtml): save the page as .html or PDF",
}
IMAGES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif")


def read_document(path, doc_id: str, *, max_bytes: int = 200 * 1024 * 1024,
                  ocr: Ocr | str = "rapidocr", timeout: float | None = 120.0,
                  patterns: Patterns | None = None) -> Document:
    """Read `path` by its suffix; every problem with the file itself is an `InputError`.

    `ocr` reads PDF pages without a text layer: an engine name ("rapidocr", "tesseract" or
    "none", with all cores and the default time budget per page) or an `Ocr`; reading one
    document may take at most `timeout` seconds (None: no limit here, as when the batch
    enforces its own per-document limit). `patterns` (default: the bundled ones) say how
    printed pages number their lines and headings."""
    if isinstance(ocr, str):
        ocr = Ocr(ocr, threads=threads_for(1))
    deadline = None if timeout is None else time.monotonic() + timeout
    path = Path(path)
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        if suffix in ADVICE:
            raise InputError(f"unsupported format: {ADVICE[suffix]}")
        if suffix in IMAGES:
            raise NotAReport("image file: OCR reads scanned PDFs only; put the image in a PDF "
                             "or supply the PDF/docx")
        raise InputError(f"unsupported file type {suffix or '(none)'!r}: "
                         "expected .txt, .docx, .pdf, .xlsx, .xls, .html or .htm")
    data = _read_bytes(path, max_bytes)
    if fmt == "txt":
        text, encoding = decode_text(data)
        doc = Document(doc_id, shown(path), fmt, text, encoding)
    elif fmt == "docx":
        doc = Document(doc_id, shown(path), fmt, docx_text(data, max_bytes))
    elif fmt == "html" or (fmt in ("xlsx", "xls") and looks_like_html(data)):  # a page named .xls
        text, encoding = html_text(data, max_bytes)
        doc = Document(doc_id, shown(path), fmt, text, encoding)
    elif fmt in ("xlsx", "xls"):
        text, starts = _paged(sheet_pages(data, max_bytes))
        doc = Document(doc_id, shown(path), fmt, text, "", starts)
    else:
        pdf = read_pdf(data, ocr=ocr, timeout=timeout, patterns=patterns)
        return Document(doc_id, shown(path), fmt, pdf.text, "", tuple(pdf.page_starts),
                        frozenset(pdf.synthetic), pdf.ocr_confidence, pdf.glyphs, pdf.unread)
    if deadline is not None and time.monotonic() > deadline:
        raise InputError(f"timeout: reading took more than {timeout:g} s")
    return doc


def count_pages(path) -> int:
    """The pages of a PDF file (each may take the OCR time budget), 0 for other files and for
    what is not a file (a pipe named .pdf is never opened)."""
    if Path(path).suffix.lower() != ".pdf":
        return 0
    try:
        if not_a_file(os.stat(path)):
            return 0
    except OSError:
        return 0
    return _pdf_pages(path)


def _paged(pages: list[list[str]]) -> tuple[str, tuple[int, ...]]:
    """Pages of lines -> (text, where each page begins); an empty page begins where the next
    one does."""
    lines, starts, pos = [], [], 0
    for page in pages:
        starts.append(pos)
        for line in page:
            lines.append(line)
            pos += len(line) + 1
    text = "\n".join(lines)
    return text, tuple(min(s, len(text)) for s in starts)


def not_a_file(st: os.stat_result) -> str | None:
    """Why a path is no report however it is named: a pipe, a device (/dev/zero), a socket —
    reading one would block or never end."""
    if stat.S_ISREG(st.st_mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(st.st_mode) else
            "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else
            "a socket" if stat.S_ISSOCK(st.st_mode) else "not a regular file")
    return f"not a file: {kind}, not read"


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        st = path.stat()
        problem = not_a_file(st)
        if problem:
            raise InputError(problem)
        size = st.st_size
        if size > max_bytes:
            raise InputError(f"file too large: {mb(size)} MB > limit {mb(max_bytes)} MB")
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)       # the file may have grown since its size was read
        if len(data) > max_bytes:
            raise InputError(f"file too large: more than {mb(max_bytes)} MB")
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}") from e
    if not data:
        raise InputError("empty file")
    return data


