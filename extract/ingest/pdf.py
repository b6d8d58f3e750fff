"""PDF -> text with pages: what extraction damages is undone, and nothing else.

Text comes from pypdfium2 (fast, one page at a time, each closed after use), and so do
ruled tables where their grid is plain (`grid.py`); pdfplumber is opened only for pages
whose drawing is not (curves, slanted or transformed lines) or whose text pypdfium2 cannot
decode; a page with no text layer but a picture of one is read by OCR (`ocr.py`).
The cleaning drops the spaces extraction puts around Chinese, rejoins lines broken as
printed (numbers and words included), and drops page numbers and running headers and
footers, so numbers and units come back whole and every character keeps its page.
"""
from __future__ import annotations

import io
import logging
import re
import time
from dataclasses import dataclass, field

from ..core.errors import InputError
from ..core.glyphs import NONE, Glyphs
from ..core.patterns import Patterns, load_patterns
from . import grid
from .lines import (SPACES, Line, clean_spaces, cleaned, drop_furniture, drop_repeated_headers, glue,
                    join_lines, mark_layout)
from .ocr import Ocr, OcrUnavailable, PageTimeout, is_scan, read_page

log = logging.getLogger(__name__)

def _cell_text(text: str | None) -> str:
    """A cell's printed lines as one: a cell wraps its text wherever it runs out of width."""
    out = ""
    for line in filter(None, map(clean_spaces, (text or "").split("\n"))):
        out += glue(out, line) + line
    return out


def _has_rules(page) -> bool:
    """Cheap (raw PDFium calls, no wrappers): does the page draw a box, or lines at three
    or more heights, as a ruled table does?"""
    import ctypes

    import pypdfium2.raw as raw

    box = [ctypes.c_float() for _ in range(4)]
    heights: set[int] = set()

    def walk(objects) -> bool:
        for obj in objects:
            kind = raw.FPDFPageObj_GetType(obj)
            if kind == raw.FPDF_PAGEOBJ_FORM:  # a form XObject: its own objects inside
                inner = (raw.FPDFFormObj_GetObject(obj, j)
                         for j in range(raw.FPDFFormObj_CountObjects(obj)))
                if walk(inner):
                    return True
            elif kind == raw.FPDF_PAGEOBJ_PATH and raw.FPDFPageObj_GetBounds(
                    obj, *map(ctypes.byref, box)):
                x0, y0, x1, y1 = (v.value for v in box)
                if x1 - x0 >= 30:
                    heights.add(round(y0))
                    if y1 - y0 >= 10 or len(heights) >= 3:
                        return True
        return False

    return walk(raw.FPDFPage_GetObject(page.raw, k)
                for k in range(raw.FPDFPage_CountObjects(page.raw)))


_Row = tuple[str, list]  # a table row's `a | b` line and a glyph (or None) per character
_Table = tuple[tuple[float, float, float, float], list[_Row]]  # (box in PDF points, rows)


def _place_tables(lines: list[Line], tables: list[_Table], page_no: int) -> list[Line]:
    """Replace the lines inside each table region by its rows, keeping reading order."""
    out: list[Line] = []
    placed: set[int] = set()

    def emit(k):
        if k not in placed:
            placed.add(k)
            out.extend(Line(t, page_no, row=r, glyphs=g) for r, (t, g) in enumerate(tables[k][1]))

    for ln in lines:
        inside = next((k for k, ((x0, y0, x1, y1), _) in enumerate(tables)
                       if y0 <= ln.y <= y1 and ln.x0 < x1 and ln.x1 > x0), None)
        if inside is not None:
            emit(inside)
            continue
        for k, ((_, _, _, y1), _) in enumerate(tables):  # a table no line fell into
            if ln.y < y1:
                emit(k)
        out.append(ln)
    for k in range(len(tables)):
        emit(k)
    return out


# ---------------------------------------------------------------- PDF: pages

# technical: space, replacement, private-use and control characters carry no text
_UNREADABLE = re.compile(r"[\s\ufffd\ue000-\uf8ff\x00-\x1f]")


def _readable(text: str) -> int:
    """How many characters say something: not space, U+FFFD, private-use or control."""
    return len(_UNREADABLE.sub("", text))


def _unreadable(text: str) -> bool:
    return _readable(text) * 2 < len("".join(text.split()))


def _pdfium_lines(textpage, page_no: int) -> tuple[list[Line], str]:
    """The page's printed lines with their geometry (font-height boxes, so `一` is tall) and
    each character's box (from the page's top-left, as glyphs are)."""
    import pypdfium2.raw as raw

    text = textpage.get_text_range()
    height = textpage.page.get_height()
    rect = raw.FS_RECTF()

    def glyph(k: int):
        if not raw.FPDFText_GetLooseCharBox(textpage.raw, k, rect):
            return None
        return (rect.left, height - rect.top, rect.right, height - rect.bottom, NONE)

    lines = []
    for m in re.finditer(r"[^\r\n]+", text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            a, b = textpage.get_charbox(s, loose=True), textpage.get_charbox(e - 1, loose=True)
            piece = text[s:e]
            gone = {k for sp in SPACES.finditer(piece)   # only the spaces PDFium made up from gaps
                    if all(raw.FPDFText_IsGenerated(textpage.raw, s + k) == 1 for k in range(*sp.span()))
                    for k in range(*sp.span())}
            keep = [k for k, c in enumerate(piece) if k not in gone and c != "\x02"]
            lines.append(Line("".join(piece[k] for k in keep), page_no, a[0], b[2], (a[1] + a[3]) / 2,
                              max(a[3] - a[1], 1.0), glyphs=[glyph(s + k) for k in keep]))
    return lines, text


class _Plumber:
    """pdfplumber, opened on first need (it is ~70x slower than pypdfium2). Each page is
    closed after use; the rest is an in-memory stream, left to the garbage collector
    (`PDF.close()` re-parses every page and fails again on a malformed one)."""

    def __init__(self, data: bytes):
        self.data, self.pdf = data, None

    def read(self, i: int, lines: list[Line], unreadable: bool, ruled: bool) -> list[Line]:
        """The page's text if pypdfium2 could not decode it, else its lines with ruled
        tables put in place; pypdfium2's lines unchanged if pdfplumber fails."""
        import pdfplumber
        from pdfminer.psparser import PSException
        from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

        try:
            if self.pdf is None:
                self.pdf = pdfplumber.open(io.BytesIO(self.data))
            page = self.pdf.pages[i]
            try:
                if unreadable:
                    text = page.extract_text() or ""
                    if _readable(text) > _readable("".join(ln.text for ln in lines)):
                        return [Line(clean_spaces(s), i + 1)
                                for s in text.split("\n") if s.strip()]
                return _place_tables(lines, _tables(page, lines), i + 1) if ruled else lines
            finally:
                page.close()
        except (PdfminerException, MalformedPDFException, PSException, ValueError, KeyError,
                TypeError, IndexError) as e:
            log.warning("pdfplumber cannot read page %d (%s): kept pypdfium2's text", i + 1, e)
            return lines


def _rows(table: list[grid.Cell], texts: dict[grid.Cell, str], chars: list[grid.Char]) -> list[_Row]:
    """A table's `a | b | c` lines (grid.row_cells), each with the box of every character."""
    out = []
    for cells in grid.row_cells(table):
        parts = [(_cell_text(texts.get(c)), c) for c in cells]
        if any(t for t, _ in parts):
            glyphs: list = []
            for k, (t, cell) in enumerate(parts):
                glyphs += [None] * (3 if k else 0) + _cell_glyphs(t, cell, chars)
            out.append((" | ".join(t for t, _ in parts), glyphs))
    return out


def _cell_glyphs(text: str, cell: grid.Cell, chars: list[grid.Char]) -> list:
    """Each character of a cell's text at the printed character it came from: the cell's
    printed characters in reading order (lines by height, each left to right), one for one
    when they match the text; else each at the box of all of them, or at the cell's box."""
    x0, top, x1, bottom = cell
    inside = [c for c in chars if x0 <= (c[1] + c[3]) / 2 <= x1
              and top <= (c[2] + c[4]) / 2 <= bottom and not c[0].isspace()]
    lines: list[list[grid.Char]] = []
    for c in sorted(inside, key=lambda c: c[2]):
        if lines and abs(c[2] - lines[-1][0][2]) < 0.5 * (c[4] - c[2]):
            lines[-1].append(c)
        else:
            lines.append([c])
    printed = [c for line in lines for c in sorted(line, key=lambda c: c[1])]
    solid = [ch for ch in text if not ch.isspace()]
    if printed and [c[0] for c in printed] == solid:
        it = iter(printed)
        return [None if ch.isspace() else (lambda c: (c[1], c[2], c[3], c[4], NONE))(next(it))
                for ch in text]
    if printed:
        x0, top = min(c[1] for c in printed), min(c[2] for c in printed)
        x1, bottom = max(c[3] for c in printed), max(c[4] for c in printed)
    return [(x0, top, x1, bottom, NONE)] * len(text)


def _pdfium_tables(page, textpage) -> list[_Table] | None:
    """The page's ruled tables read by PDFium alone (`grid.py`); None where its drawing
    needs pdfplumber."""
    found = grid.find_tables(page, textpage)
    if found is None:
        return None
    height = page.get_height()
    return [((x0, height - bottom, x1, height - top), rows)
            for (x0, top, x1, bottom), texts, table, chars in found if (rows := _rows(table, texts, chars))]


def _tables(page, lines: list[Line]) -> list[_Table]:
    """The page's ruled tables by pdfplumber, but none that it reads less of than
    pypdfium2 does (a text layer it cannot decode)."""
    out = []
    for tb in page.find_tables():
        x0, top, x1, bottom = tb.bbox
        box = (x0, page.height - bottom, x1, page.height - top)
        texts = {cell: t for row, row_text in zip(tb.rows, tb.extract())
                 for cell, t in zip(row.cells, row_text) if cell is not None}
        chars = [(c["text"], c["x0"], c["top"], c["x1"], c["bottom"]) for c in page.chars]
        rows = _rows(tb.cells, texts, chars)
        inside = "".join(ln.text for ln in lines
                         if box[1] <= ln.y <= box[3] and ln.x0 < x1 and ln.x1 > x0)
        if rows and _readable("".join(t for t, _ in rows)) * 2 >= _readable(inside):
            out.append((box, rows))
    return out


def _open_pdf(data: bytes):
    """pypdfium2's document, or an InputError that says what is wrong with the file (its
    error code alone can be stale: PDFium does not reset it for every failure)."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as e:
        if b"/Encrypt" in data:
            why = "an unsupported security handler" if e.err_code == 5 else "a password is needed"
            raise InputError(f"encrypted PDF: {why} to open it") from e
        if not data.lstrip()[:5] == b"%PDF-":
            raise InputError("corrupt PDF: not a PDF file (no %PDF- header)") from e
        if re.search(rb"/Count\s+0\b", data) and not re.search(rb"/Type\s*/Page\b", data):
            raise InputError("PDF has zero pages") from e
        if b"%%EOF" not in data[-2048:]:
            raise InputError("corrupt PDF: truncated (no %%EOF at the end)") from e
        raise InputError(f"corrupt PDF: {e}") from e


def count_pages(path) -> int:
    """A PDF file's number of pages (0 when it cannot be opened: reading it will say why);
    cheap, the pages are not loaded."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError, ValueError):
        return 0
    try:
        return len(pdf)
    finally:
        pdf.close()


@dataclass(frozen=True)
class PdfText:
    text: str
    page_starts: list[int]
    synthetic: set[int]
    ocr_confidence: dict[int, float] = field(default_factory=dict)  # OCR'd page -> mean
    unread: dict[int, str] = field(default_factory=dict)  # scanned page not read -> why
    glyphs: Glyphs | None = None                                     # each character's box


def read_pdf(data: bytes, *, ocr: Ocr | str = "rapidocr", timeout: float | None = None,
             patterns: Patterns | None = None) -> PdfText:
    """The PDF's text with pages: pages read by pypdfium2 one at a time, each closed after
    use; pdfplumber only where a page's drawing or text needs it; OCR (`ocr`: an engine
    name, "none", or an `Ocr` with threads and a time budget per page) where a page is a
    picture without text; a page over its budget is left unread. Over `timeout` seconds for
    the whole document -> InputError."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    if isinstance(ocr, str):
        ocr = Ocr(ocr)

    deadline = None if timeout is None else time.monotonic() + timeout
    pdf = _open_pdf(data)
    plumber = _Plumber(data)
    pages: list[list[Line]] = []
    widths: dict[int, float] = {}
    confidence: dict[int, float] = {}
    unread: dict[int, str] = {}  # scanned pages OCR could not read -> why
    try:
        if len(pdf) == 0:
            raise InputError("PDF has zero pages")
        for i in range(len(pdf)):
            if deadline is not None and time.monotonic() > deadline:
                raise InputError(f"timeout: more than {timeout:g} s to read the PDF "
                                 f"(stopped at page {i + 1} of {len(pdf)})")
            page = pdf[i]
            textpage = page.get_textpage()
            try:
                widths[i + 1] = page.get_width()
                lines, text = _pdfium_lines(textpage, i + 1)
                scanned = _readable(text) < 20 and is_scan(page)
                if scanned:
                    lines = _ocr_page(page, i + 1, ocr, confidence, unread)
                unreadable = not scanned and (_unreadable(text) or not lines and any(
                    True for _ in page.get_objects([raw.FPDF_PAGEOBJ_TEXT], max_depth=3)))
                ruled = not scanned and _has_rules(page)
                if ruled and not unreadable:
                    found = _pdfium_tables(page, textpage)
                    if found is not None:  # the grid is clear: PDFium's cells, no pdfplumber
                        lines, ruled = _place_tables(lines, found, i + 1), False
            finally:
                textpage.close()
                page.close()
            if unreadable or ruled:
                lines = plumber.read(i, lines, unreadable, ruled)
            pages.append(lines)
    except pdfium.PdfiumError as e:
        raise InputError(f"corrupt PDF: page {len(pages) + 1}: {e}") from e
    finally:
        pdf.close()
    if deadline is not None and time.monotonic() > deadline:
        raise InputError(f"timeout: more than {timeout:g} s to read the PDF")
    patterns = patterns or load_patterns()
    drop_furniture(pages, patterns)
    drop_repeated_headers(pages)
    mark_layout([ln for lines in pages for ln in lines], widths)
    text, starts, synthetic, glyphs = join_lines(pages, patterns)
    if not text.strip():
        if unread:
            raise InputError(f"scanned PDF: {next(iter(unread.values()))}")
        raise InputError("no text on any page")
    if unread:
        log.warning("scanned PDF pages not read (%s): %s", next(iter(unread.values())),
                    ", ".join(map(str, unread)))
    empty = [i + 1 for i, lines in enumerate(pages) if not lines and i + 1 not in unread]
    if empty:
        log.warning("PDF pages without text (kept empty): %s", ", ".join(map(str, empty)))
    return PdfText(text, starts, synthetic, confidence, unread, Glyphs.build(glyphs))


def _ocr_page(page, page_no: int, ocr: Ocr, confidence: dict[int, float],
              unread: dict[int, str]) -> list[Line]:
    """A scanned page's lines by OCR; none (and the reason in `unread`) without an engine
    or past the page's time budget."""
    if ocr.engine == "none":
        unread[page_no] = "OCR is turned off"
        return []
    deadline = None if ocr.page_timeout is None else time.monotonic() + ocr.page_timeout
    try:
        result = read_page(page, ocr.engine, threads=ocr.threads, deadline=deadline)
    except OcrUnavailable as e:
        unread[page_no] = str(e)
        return []
    except PageTimeout:
        unread[page_no] = f"timeout: OCR took more than {ocr.page_timeout:g} s on the page"
        log.warning("page %d: OCR stopped after %g s, the page is left unread", page_no,
                    ocr.page_timeout)
        return []
    confidence[page_no] = result.confidence
    out = []
    for ln in result.lines:
        text, glyphs = cleaned(ln.text, list(ln.glyphs) or None)
        out.append(Line(text, page_no, ln.x0, ln.x1, ln.y, ln.h, row=ln.row, glyphs=glyphs))
    return out
