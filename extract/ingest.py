"""Turn one input file (.txt, .docx, .pdf) into a `Document`, or raise `InputError`.

Text files are kept exactly as decoded, so offsets index the file itself. Word and PDF
files are rendered to lines: one paragraph per line, one table row per line as
`cell | cell | cell`. PDF text comes from pypdfium2 (fast); pdfplumber is opened only for
pages that draw lines (to read ruled tables) or whose text pypdfium2 cannot decode. The
PDF cleaning undoes what extraction damages (spaces around Chinese, lines broken as
printed, page footers) and nothing else: numbers and units come back whole.
"""
from __future__ import annotations

import codecs
import io
import logging
import re
import unicodedata
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .errors import InputError
from .model import Document

log = logging.getLogger(__name__)

FORMATS: dict[str, str] = {".txt": "txt", ".pdf": "pdf", ".docx": "docx"}

_SAVE_AS = "save it as .docx or PDF"
_ADVICE = {
    ".doc": f"old binary Word file (.doc): {_SAVE_AS}",
    ".wps": f"WPS document (.wps): {_SAVE_AS}",
    ".rtf": f"RTF file: {_SAVE_AS}",
    ".odt": f"OpenDocument text (.odt): {_SAVE_AS}",
    ".docm": f"macro-enabled Word file (.docm): {_SAVE_AS}",
    ".ofd": "OFD file: export it as PDF",
    ".xls": "spreadsheet: export it as PDF", ".xlsx": "spreadsheet: export it as PDF",
    ".et": "spreadsheet: export it as PDF",
}
_IMAGES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".gif")
_MAGIC = ((b"%PDF-", "a PDF"), (b"PK\x03\x04", "a zip archive (.docx?)"),
          (b"\xd0\xcf\x11\xe0", "an old Word/WPS file (.doc/.wps)"), (b"{\\rtf", "an RTF file"))


def read_document(path, doc_id: str, *, max_bytes: int = 200 * 1024 * 1024) -> Document:
    """Read `path` by its suffix; every problem with the file itself is an `InputError`."""
    path = Path(path)
    suffix = path.suffix.lower()
    fmt = FORMATS.get(suffix)
    if fmt is None:
        if suffix in _ADVICE:
            raise InputError(f"unsupported format: {_ADVICE[suffix]}")
        if suffix in _IMAGES:
            raise InputError("image file: OCR needed (not supported yet); or supply the PDF/docx")
        raise InputError(f"unsupported file type {suffix or '(none)'!r}: "
                         "expected .txt, .docx or .pdf")
    data = _read_bytes(path, max_bytes)
    if fmt == "txt":
        text, encoding = decode_text(data)
        return Document(doc_id, str(path), fmt, text, encoding)
    if fmt == "docx":
        return Document(doc_id, str(path), fmt, _docx_text(data, max_bytes))
    text, starts, synthetic = _pdf_text(data)
    return Document(doc_id, str(path), fmt, text, "", tuple(starts), frozenset(synthetic))


def _mb(n: int) -> str:
    return f"{n / 2**20:.1f}" if n >= 2**20 else f"{n / 2**20:.3g}"


def _read_bytes(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise InputError(f"file too large: {_mb(size)} MB > limit {_mb(max_bytes)} MB")
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read file: {e.strerror or e}") from e
    if not data:
        raise InputError("empty file")
    return data


# ---------------------------------------------------------------- plain text

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_GB = {"gb18030", "gbk", "gb2312", "hz", "cp936"}
_BIG5 = {"big5", "big5hkscs", "cp950"}
_CONTROL_BYTES = re.compile(rb"[\x01-\x08\x0e-\x1f\x7f]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")  # tab, newlines and form feed are text
_CANNOT = "cannot decode: not UTF-8, GB18030 or UTF-16"


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): a BOM decides, else strict UTF-8, else the detector."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode("utf-8" if enc == "utf-8-sig" else enc)
            except UnicodeDecodeError as e:
                raise InputError(f"cannot decode: a {enc} byte-order mark, but invalid {enc} "
                                 f"at byte {e.start + len(bom)}") from e
            return _check_text(text, enc), enc
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"binary data, not text: the file is {what}")
    try:
        return _check_text(data.decode("utf-8"), "utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    controls = len(_CONTROL_BYTES.findall(data))
    if b"\x00" not in data and controls > len(data) // 100:
        raise InputError(f"binary data, not text: {controls} control bytes in {len(data)}")
    enc = _guess_encoding(data)
    if enc is None:
        raise InputError("binary data, not text: NUL bytes" if b"\x00" in data else _CANNOT)
    try:
        return _check_text(data.decode(enc), enc), enc
    except UnicodeDecodeError as e:
        raise InputError(f"{_CANNOT} (looked like {enc}, invalid at byte {e.start})") from e


def _guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's guess, folded onto the encodings a Chinese report may use."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        return None
    name = best.encoding.lower().replace("_", "-")
    if name.replace("-", "") in _GB:
        return "gb18030"  # a superset of GBK and GB2312: never worse
    if name.replace("-", "") in _BIG5:
        return name
    if name.startswith(("utf-16", "utf-32")) and best.chaos <= 0.1:
        return name  # no BOM: only when the detector is sure
    return None


def _check_text(text: str, encoding: str) -> str:
    if not text:
        raise InputError("empty file")
    if not text.strip():
        raise InputError("no text: the file holds only whitespace")
    if "\x00" in text:
        raise InputError(f"binary data, not text: NUL characters after decoding as {encoding}")
    controls = len(_CONTROLS.findall(text))
    if controls > max(2, len(text) // 100):
        raise InputError(f"binary data, not text: {controls} control characters")
    return text


# ---------------------------------------------------------------- Word

def _docx_text(data: bytes, max_bytes: int) -> str:
    """Body paragraphs and tables in document order; headers and footers (page numbers)
    are left out."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(f"not a .docx: an old binary Word/WPS file; {_SAVE_AS}")
    try:
        unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist())
        if unpacked > 10 * max_bytes:  # a zip bomb would exhaust memory before it fails
            raise InputError(f"file too large: unpacks to {_mb(unpacked)} MB "
                             f"> limit {_mb(10 * max_bytes)} MB")
        document = docx.Document(io.BytesIO(data))
        lines = list(_docx_blocks(document.element.body, document))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, KeyError,
            ValueError, EOFError, PackageNotFoundError, XMLSyntaxError) as e:
        raise InputError(f"corrupt .docx: {e or type(e).__name__}") from e
    text = "\n".join(lines)
    if not text.strip():
        raise InputError("no text: the document holds only whitespace")
    return text


def _docx_blocks(body, parent):
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for el in body.iterchildren():
        if el.tag == qn("w:p"):
            yield Paragraph(el, parent).text
        elif el.tag == qn("w:tbl"):
            for row in Table(el, parent).rows:
                cells, last = [], None
                for cell in row.cells:  # a cell spanning columns comes back once per column
                    if cell._tc is not last:
                        cells.append(cell.text.replace("\n", " "))
                    last = cell._tc
                yield " | ".join(cells)
        elif el.tag == qn("w:sdt"):  # content control: its paragraphs are body text too
            for content in el.iterchildren(qn("w:sdtContent")):
                yield from _docx_blocks(content, parent)


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
                      r"|(\d+)\s*[/／]\s*\d+|(?:page|Page|PAGE)\s*(\d+)(?:\s*of\s*\d+)?|(\d+)")
_END = "。！？：；!?:;"
_CLOSERS = "”’」』）)】》"


def clean_spaces(line: str) -> str:
    """Drop the spaces extraction puts between Chinese and digits, units or Chinese."""
    return _SPACES.sub("", line.replace("\x02", "").strip())


def is_heading(line: str) -> bool:
    """A line that starts a paragraph of its own: `一、` `（二）` `1.` `第三章` `附件`."""
    return _HEADING.match(line) is not None


def is_page_number(line: str, page_no: int) -> bool:
    """`— 3 —`, `- 3 -`, `第3页`, `3/8`, `Page 3`; a bare number only if it is this page's."""
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


def _pdf_text(data: bytes) -> tuple[str, list[int], set[int]]:
    """(text, page_starts, synthetic offsets): pages read by pypdfium2 one at a time, each
    closed after use; pdfplumber only where a page has rules or undecodable text."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    pdf = _open_pdf(data)
    plumber = _Plumber(data)
    pages: list[list[_Line]] = []
    widths: dict[int, float] = {}
    try:
        if len(pdf) == 0:
            raise InputError("PDF has zero pages")
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            try:
                widths[i + 1] = page.get_width()
                lines, text = _pdfium_lines(textpage, i + 1)
                unreadable = _unreadable(text) or not lines and any(
                    True for _ in page.get_objects([raw.FPDF_PAGEOBJ_TEXT], max_depth=3))
                ruled = _has_rules(page)
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
    _drop_furniture(pages)
    _drop_repeated_headers(pages)
    _mark_layout([ln for lines in pages for ln in lines], widths)
    text, starts, synthetic = _join_lines(pages)
    if not text.strip():
        raise InputError("no text layer on any page (scanned PDF): OCR needed")
    empty = [i + 1 for i, lines in enumerate(pages) if not lines]
    if empty:
        log.warning("PDF pages without text (kept empty): %s", ", ".join(map(str, empty)))
    return text, starts, synthetic
