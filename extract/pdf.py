"""PDF -> text with pages: what extraction damages is undone, and nothing else.

Text comes from pypdfium2 (fast, one page at a time, each closed after use); pdfplumber is
opened only for pages that draw lines (to read ruled tables) or whose text pypdfium2
cannot decode; a page with no text layer but a picture of one is read by OCR (`ocr.py`).
The cleaning drops the spaces extraction puts around Chinese, rejoins lines broken as
printed (numbers and words included), and drops page numbers and running headers and
footers, so numbers and units come back whole and every character keeps its page.
"""
from __future__ import annotations

import io
import logging
import re
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from .errors import InputError
from .ocr import OcrUnavailable, is_scan, read_page

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- PDF: text cleaning

# CJK, full-width forms, and the dashes, quotes, ellipsis and ≤ ≥ set in Chinese text
_CJK = ("\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
        "\u2014\u2018\u2019\u201c\u201d\u2026\u2264\u2265")
_SPACES = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}0-9A-Za-z%])"
                     rf"|(?<=[{_CJK}0-9A-Za-z%]) +(?=[{_CJK}])")
_HEADING = re.compile(r"\s*(?:[一二三四五六七八九十百]+[、.．]|[（(][一二三四五六七八九十\d]{1,3}[）)]"
                      r"|\d{1,2}[、.．](?!\d)|第[一二三四五六七八九十百\d]+[章节部分条]"
                      r"|[①-⑳]|附[件表])")
_PAGE_NO = re.compile(r"[—–\-－]+\s*(\d+)\s*[—–\-－]+"
                      r"|第\s*(\d+)\s*页(?:\s*[,，/／]?\s*共\s*\d+\s*页)?"
                      r"|(\d+)\s*[/／]\s*\d+|(?:page|Page|PAGE)\s*(\d+)(?:\s*of\s*\d+)?"
                      r"|[—–\-－]?\s*(\d+)\s*[—–\-－]?")
_END = "。！？：；!?:;"
_CLOSERS = "”’」』）)】》"


def clean_spaces(line: str) -> str:
    """Drop the spaces extraction puts between Chinese and digits, units or Chinese."""
    return _SPACES.sub("", line.replace("\x02", "").strip())


def is_heading(line: str) -> bool:
    """A line that starts a paragraph of its own: `一、` `（二）` `1.` `第三章` `附件`."""
    return _HEADING.match(line) is not None


def is_page_number(line: str, page_no: int) -> bool:
    """`— 3 —`, `- 3 -`, `第3页`, `3/8`, `Page 3`; a bare number, or one with a dash on
    one side only (as OCR may read `— 3 —`), only if it is this page's."""
    m = _PAGE_NO.fullmatch(line.strip())
    return m is not None and (m.group(5) is None or int(m.group(5)) == page_no)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _glue(a: str, b: str) -> str:
    """What a line break between `a` and `b` stood for: a space between two Latin words,
    nothing in Chinese or inside a number."""
    latin = a[-1:].isascii() and a[-1:].isalpha() and b[:1].isascii() and b[:1].isalpha()
    return " " if latin else ""


@dataclass(slots=True)
class _Line:
    """One printed line; geometry in PDF points (y up), None when the text came without it."""

    text: str
    page: int
    x0: float | None = None
    x1: float | None = None
    y: float | None = None
    h: float = 0.0
    row: int = -1  # index of the row within its table, -1 for running text
    room: float = 0.0  # left free before the right margin (0 or inf without geometry)
    indented: bool = False
    centered: bool = False
    indents: bool = False  # the document marks paragraphs by a first-line indent


def _ends_paragraph(line: str) -> bool:
    return line.rstrip(_CLOSERS)[-1:] in _END


def _fills(a: _Line, b: _Line) -> bool:
    """`a` is full: the first word of `b` would not have fitted in the room left after it."""
    need = 0.0
    if b.x0 is not None:
        word = re.match(r"[0-9A-Za-z.,%'-]+|\S", b.text).group()
        need = len(word) * (b.x1 - b.x0) / len(b.text)
    return a.room <= need + 0.5 * a.h


def _continues(a: _Line, b: _Line) -> bool:
    """Whether printed line `b` goes on with `a`'s paragraph (the break was only layout):
    `a` is full and `b` is no heading; where paragraphs are indented, `b` is not (unless it
    goes on centred, as a long title does); elsewhere `a` does not end in 。！？：；."""
    if a.row >= 0 or b.row >= 0 or not _fills(a, b) or is_heading(b.text):
        return False
    if b.indents:
        return not b.indented or (b.centered and not _ends_paragraph(a.text))
    return not _ends_paragraph(a.text)


def _mark_layout(lines: list[_Line], page_widths: dict[int, float]) -> None:
    """Set `room`, `indented`, `centered` and `indents` from the margins of the pages of
    the same width (the 5 % of lines sticking out furthest, a wide title, are ignored)."""
    groups: dict[int, list[_Line]] = {}
    for ln in lines:
        if ln.row < 0:
            groups.setdefault(round(page_widths[ln.page]), []).append(ln)
    first_lines = 0  # indented by a few characters, as the first line of a paragraph is
    for group in groups.values():
        geo = [ln for ln in group if ln.x0 is not None]
        if geo:
            left = sorted(ln.x0 for ln in geo)[len(geo) // 20]
            right = sorted((ln.x1 for ln in geo), reverse=True)[len(geo) // 20]
            for ln in geo:
                ln.room = max(right - ln.x1, 0.0)
                ln.indented = ln.x0 > left + 0.8 * ln.h
                ln.centered = (ln.x0 > left + 3 * ln.h
                               and abs(ln.x0 + ln.x1 - left - right) < 2 * ln.h)
                first_lines += ln.indented and ln.x0 <= left + 3 * ln.h
        for page in {ln.page for ln in group if ln.x0 is None}:  # no geometry: by length
            plain = [ln for ln in group if ln.page == page]
            longest = max(_width(ln.text) for ln in plain)
            for ln in plain:
                ln.room = 0.0 if _width(ln.text) >= 0.85 * longest else float("inf")
    for ln in lines:
        ln.indents = ln.x0 is not None and first_lines >= 2


def _drop_furniture(pages: list[list[_Line]]) -> None:
    """Remove page numbers, and running headers and footers (the same text, digits aside,
    at the same height on the edge of at least half the pages), from every page."""
    def edges(lines):
        body = [ln for ln in lines if ln.row < 0]
        return body[:2] + body[-2:]

    def key(ln):
        return re.sub(r"\d+", "#", ln.text), None if ln.y is None else round(ln.y / 4)

    seen = Counter(k for lines in pages for k in {key(ln) for ln in edges(lines)})
    running = {k for k, n in seen.items() if n >= 3 and n >= len(pages) / 2}
    for i, lines in enumerate(pages):
        drop = {id(ln) for ln in edges(lines)
                if is_page_number(ln.text, i + 1) or key(ln) in running}
        lines[:] = [ln for ln in lines if id(ln) not in drop]


def _drop_repeated_headers(pages: list[list[_Line]]) -> None:
    """A table continued on the next page continues as rows: drop its repeated header row."""
    for prev, lines in zip(pages, pages[1:]):
        if prev and lines and prev[-1].row >= 0 and lines[0].row == 0:
            header = next((ln.text for ln in reversed(prev) if ln.row == 0), None)
            if header == lines[0].text and len(lines) > 1 and lines[1].row > 0:
                del lines[0]


def _join_lines(pages: list[list[_Line]]) -> tuple[str, list[int], set[int]]:
    """Printed lines -> (text, page_starts, synthetic offsets): paragraphs rejoined."""
    parts: list[str] = []
    starts: list[int] = []
    synthetic: set[int] = set()
    pos, prev = 0, None
    for lines in pages:
        page_start = None
        for ln in lines:
            sep = ""
            if prev is not None:
                sep = _glue(prev.text, ln.text) if _continues(prev, ln) else "\n"
            if sep:
                synthetic.add(pos)
                parts.append(sep)
                pos += 1
            if page_start is None:
                page_start = pos
            if ln.row >= 0:  # the cell separators
                synthetic.update(pos + m.start() + k
                                 for m in re.finditer(r" \| ", ln.text) for k in range(3))
            parts.append(ln.text)
            pos += len(ln.text)
            prev = ln
        starts.append(pos if page_start is None else page_start)
    return "".join(parts), starts, synthetic


# ---------------------------------------------------------------- PDF: tables

def _cell_text(text: str | None) -> str:
    """A cell's printed lines as one: a cell wraps its text wherever it runs out of width."""
    out = ""
    for line in filter(None, map(clean_spaces, (text or "").split("\n"))):
        out += _glue(out, line) + line
    return out


def _table_rows(table) -> list[str]:
    """A pdfplumber table -> `a | b | c` lines: a cell spanning columns is written once, a
    cell spanning rows is carried into every row it covers."""
    texts = table.extract()
    owner = {}
    for cells, row_text in zip((r.cells for r in table.rows), texts):
        for bbox, t in zip(cells, row_text):
            if bbox is not None:
                owner[bbox] = _cell_text(t)
    columns = [c.bbox for c in table.columns]
    out = []
    for row in table.rows:
        cells = []
        for c, bbox in enumerate(row.cells):
            if bbox is not None:
                cells.append(owner[bbox])
                continue
            cx = (columns[c][0] + columns[c][2]) / 2
            cy = (row.bbox[1] + row.bbox[3]) / 2
            cover = next((b for b in owner if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]), None)
            if cover is not None and cover[1] < row.bbox[1] - 1 and cover[0] >= columns[c][0] - 1:
                cells.append(owner[cover])  # spans down from an earlier row
        if any(cells):
            out.append(" | ".join(cells))
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


_Table = tuple[tuple[float, float, float, float], list[str]]  # (box in PDF points, rows)


def _place_tables(lines: list[_Line], tables: list[_Table], page_no: int) -> list[_Line]:
    """Replace the lines inside each table region by its rows, keeping reading order."""
    out: list[_Line] = []
    placed: set[int] = set()

    def emit(k):
        if k not in placed:
            placed.add(k)
            out.extend(_Line(t, page_no, row=r) for r, t in enumerate(tables[k][1]))

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

_UNREADABLE = re.compile(r"[\s\ufffd\ue000-\uf8ff\x00-\x1f]")


def _readable(text: str) -> int:
    """How many characters say something: not space, U+FFFD, private-use or control."""
    return len(_UNREADABLE.sub("", text))


def _unreadable(text: str) -> bool:
    return _readable(text) * 2 < len("".join(text.split()))


def _pdfium_lines(textpage, page_no: int) -> tuple[list[_Line], str]:
    """The page's printed lines with their geometry (font-height boxes, so `一` is tall)."""
    import pypdfium2.raw as raw

    text = textpage.get_text_range()

    def unspace(m: re.Match, base: int) -> str:  # only the spaces PDFium made up from gaps
        made_up = all(raw.FPDFText_IsGenerated(textpage.raw, base + k) == 1
                      for k in range(*m.span()))
        return "" if made_up else m.group()

    lines = []
    for m in re.finditer(r"[^\r\n]+", text):
        s, e = m.span()
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if s < e:
            a, b = textpage.get_charbox(s, loose=True), textpage.get_charbox(e - 1, loose=True)
            line = _SPACES.sub(lambda m, s=s: unspace(m, s), text[s:e]).replace("\x02", "")
            lines.append(_Line(line, page_no, a[0], b[2], (a[1] + a[3]) / 2,
                               max(a[3] - a[1], 1.0)))
    return lines, text


class _Plumber:
    """pdfplumber, opened on first need (it is ~70x slower than pypdfium2). Each page is
    closed after use; the rest is an in-memory stream, left to the garbage collector
    (`PDF.close()` re-parses every page and fails again on a malformed one)."""

    def __init__(self, data: bytes):
        self.data, self.pdf = data, None

    def read(self, i: int, lines: list[_Line], unreadable: bool, ruled: bool) -> list[_Line]:
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
                        return [_Line(clean_spaces(s), i + 1)
                                for s in text.split("\n") if s.strip()]
                return _place_tables(lines, _tables(page, lines), i + 1) if ruled else lines
            finally:
                page.close()
        except (PdfminerException, MalformedPDFException, PSException, ValueError, KeyError,
                TypeError, IndexError) as e:
            log.warning("pdfplumber cannot read page %d (%s): kept pypdfium2's text", i + 1, e)
            return lines


def _tables(page, lines: list[_Line]) -> list[_Table]:
    """The page's ruled tables, but none that pdfplumber reads less of than pypdfium2 does
    (a text layer it cannot decode)."""
    out = []
    for tb in page.find_tables():
        x0, top, x1, bottom = tb.bbox
        box = (x0, page.height - bottom, x1, page.height - top)
        rows = _table_rows(tb)
        inside = "".join(ln.text for ln in lines
                         if box[1] <= ln.y <= box[3] and ln.x0 < x1 and ln.x1 > x0)
        if rows and _readable("".join(rows)) * 2 >= _readable(inside):
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


@dataclass(frozen=True)
class PdfText:
    text: str
    page_starts: list[int]
    synthetic: set[int]
    ocr_confidence: dict[int, float] = field(default_factory=dict)  # OCR'd page -> mean


def read_pdf(data: bytes, *, ocr: str = "rapidocr", timeout: float | None = None) -> PdfText:
    """The PDF's text with pages: pages read by pypdfium2 one at a time, each closed after
    use; pdfplumber only where a page has rules or undecodable text; OCR (engine `ocr`, or
    "none") where a page is a picture without text. Over `timeout` seconds -> InputError."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    deadline = None if timeout is None else time.monotonic() + timeout
    pdf = _open_pdf(data)
    plumber = _Plumber(data)
    pages: list[list[_Line]] = []
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
    _drop_furniture(pages)
    _drop_repeated_headers(pages)
    _mark_layout([ln for lines in pages for ln in lines], widths)
    text, starts, synthetic = _join_lines(pages)
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
    return PdfText(text, starts, synthetic, confidence)


def _ocr_page(page, page_no: int, engine: str, confidence: dict[int, float],
              unread: dict[int, str]) -> list[_Line]:
    """A scanned page's lines by OCR; none (and the reason in `unread`) without an engine."""
    if engine == "none":
        unread[page_no] = "OCR is turned off"
        return []
    try:
        result = read_page(page, engine)
    except OcrUnavailable as e:
        unread[page_no] = str(e)
        return []
    confidence[page_no] = result.confidence
    return [_Line(clean_spaces(ln.text), page_no, ln.x0, ln.x1, ln.y, ln.h, row=ln.row)
            for ln in result.lines]
