"""Web pages (.html, .htm, and the .xls files that are web pages): the text a browser shows,
one block per line and one table row per line as `cell | cell | cell`.

Bytes are decoded by their byte-order mark, the charset the page declares (`<meta charset>`,
`<meta http-equiv>` or an XML declaration; GB2312 and GBK are read as GB18030, their superset),
else as a text file is (`text.py`). lxml parses the page; nothing is fetched and no script is
run. Script, style, noscript, template and head content is left out. Block elements (p, div,
li, h1-h6, br …) end lines, and so do the line breaks of <pre>; elsewhere white space
collapses as in a browser, and a line break between two Chinese characters is dropped rather
than made a space (CSS Text's segment-break rule). Entities are resolved; one HTML does not
know is kept as written, with the text after it.

Tables: a cell spanning columns is written once, followed by an empty cell per further column,
so the columns of every row line up; a cell spanning rows is written in its first row and left
empty in the rows below. Lines inside a cell are joined by a space. A table inside a cell
comes after the row that holds it, its rows as their own lines.
"""
from __future__ import annotations

import codecs
import re
import unicodedata

from ..core.errors import InputError
from .docx import mb
from .text import check_text, decode_text

_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title"})
_BLOCK = frozenset("""address article aside blockquote body center dd details dialog dir div
    dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend
    li main menu nav ol p pre section summary ul option""".split())
_CELLS = frozenset({"td", "th"})
_MAX_COLSPAN, _MAX_ROWSPAN = 1000, 65534          # the limits HTML itself sets
_DECLARED = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)"""
                       rb"""|^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I)
_GB = {"gb2312", "gbk", "gb18030", "cp936", "hz"}
_WESTERN = {"latin-1", "iso8859-1", "cp1252", "ascii"}   # often declared by default, not meant
_SPACES = re.compile(r"[ \t\n\r\f]+")
XML_SPREADSHEET = "urn:schemas-microsoft-com:office:spreadsheet"
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def looks_like_html(data: bytes) -> bool:
    """Whether the bytes start with markup (`<html`, `<table`, `<!DOCTYPE` …), after a BOM and
    white space: a web page saved under another suffix (government sites serve .xls so). An
    XML Spreadsheet 2003 file is markup too, but no web page."""
    head = _head(data)
    return head.startswith("<") and not ("<workbook" in head and XML_SPREADSHEET in head)


def _head(data: bytes) -> str:
    head = data[:2048]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[1:2] == b"\x00":
        enc = "utf-16" if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else "utf-16-le"
        return head.decode(enc, errors="ignore").lstrip("\ufeff \t\r\n").lower()
    return head.removeprefix(codecs.BOM_UTF8).decode("latin-1").lstrip(" \t\r\n").lower()


def decode_html(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, encoding): a BOM, else the declared charset, else as a text file."""
    if data.startswith(_BOMS):
        return decode_text(data)
    if data[:1] == b"<" and data[1:2] == b"\x00":      # UTF-16 without a BOM
        try:
            return check_text(data.decode("utf-16-le"), "utf-16-le"), "utf-16-le"
        except UnicodeDecodeError:
            pass
    m = _DECLARED.search(data[:4096])
    declared = None
    if m:
        try:
            declared = codecs.lookup((m.group(1) or m.group(2)).decode("ascii")).name
        except LookupError:
            declared = None
    if declared and declared.replace("_", "-") in _GB | {"gb-2312"}:
        declared = "gb18030"
    if declared and declared.startswith(("utf-16", "utf-32")):
        declared = None            # readable as ASCII, so not UTF-16 (HTML's own rule)
    if declared in _WESTERN and any(b >= 0x80 for b in data):
        try:
            return decode_text(data)
        except InputError:
            pass
    if declared:
        try:
            return check_text(data.decode(declared), declared), declared
        except UnicodeDecodeError:
            pass                   # declared wrongly (GBK under utf-8 …): let the bytes tell
    return decode_text(data)


def html_text(data: bytes, max_bytes: int) -> tuple[str, str]:
    """The page's text lines and the encoding it was decoded from."""
    import lxml.html
    from lxml import etree

    text, encoding = decode_html(data)
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                  no_network=True, huge_tree=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8", "surrogatepass"), parser=parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as e:
        if "empty" in str(e).lower():
            raise InputError("no text: the page holds only markup") from e
        raise InputError(f"corrupt HTML: {e}") from e
    fatal = [e for e in parser.error_log if e.level == etree.ErrorLevels.FATAL]
    if fatal:   # libxml2 stopped there (elements nested over 2048 deep): the rest would be lost
        raise InputError(f"corrupt HTML: line {fatal[0].line}: {fatal[0].message}")
    lines = _Lines(max_bytes)
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _SKIP or not tag:
                walker.skip_subtree()
                lines.skipping.append(el)
                continue
            lines.start(tag, el)
            if el.text:
                lines.text(el.text)
        else:
            if lines.skipping and lines.skipping[-1] is el:
                lines.skipping.pop()
            elif tag:
                lines.end(tag, el)
            if el.tail:
                lines.text(el.tail)
    out = lines.finish()
    if not out.strip():
        raise InputError("no text: the page holds only markup")
    return out, encoding


def _span(el, name: str, limit: int) -> int:
    """colspan/rowspan as HTML reads it: digits, 1 when absent or bad; rowspan 0 = to the end."""
    m = re.match(r"\s*\+?(\d+)", el.get(name) or "")
    if not m:
        return 1
    n = int(m.group(1))
    if n == 0:
        return limit if name == "rowspan" else 1
    return min(n, limit)


def _collapse(text: str) -> str:
    def space(m: re.Match) -> str:
        s, i, j = m.string, m.start(), m.end()
        if ("\n" in m.group() or "\r" in m.group()) and 0 < i and j < len(s) \
                and _wide(s[i - 1]) and _wide(s[j]):
            return ""
        return " "
    return _SPACES.sub(space, text).strip()


def _wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


class _Flow:
    """The document's body, or one table cell: lines of inline text."""

    def __init__(self, el=None, colspan: int = 1, rowspan: int = 1):
        self.el = el
        self.lines: list[str] = []
        self.pieces: list[str] = []
        self.nested: list[str] = []     # a cell's inner tables: after the row
        self.colspan, self.rowspan = colspan, rowspan

    def flush(self) -> None:
        if self.pieces:
            line = _collapse("".join(self.pieces))
            self.pieces = []
            if line:
                self.lines.append(line)


class _Table:
    def __init__(self, el):
        self.el = el
        self.out: list[str] = []
        self.row: list[_Flow] | None = None
        self.after: list[str] = []
        self.covered: dict[int, int] = {}      # column -> rows below still spanned

    def end_row(self) -> None:
        if self.row is None:
            return
        cells, col, spanned = [], 0, {}
        for cell in self.row:
            while self.covered.get(col, 0) > 0:
                cells.append("")
                col += 1
            cell.flush()
            cells.append(" ".join(cell.lines))
            cells.extend([""] * (cell.colspan - 1))
            if cell.rowspan > 1:
                for c in range(col, col + cell.colspan):
                    spanned[c] = cell.rowspan - 1
            col += cell.colspan
        last = max((c for c, n in self.covered.items() if n > 0), default=-1)
        cells.extend([""] * (last + 1 - col))
        self.covered = {c: n - 1 for c, n in self.covered.items() if n > 1}
        self.covered.update(spanned)
        if any(cells):
            self.out.append(" | ".join(cells))
        self.out.extend(self.after)
        self.row, self.after = None, []


class _Lines:
    """The walk's state: a stack of flows (body, cells) and tables."""

    def __init__(self, max_bytes: int):
        self.stack: list[_Flow | _Table] = [_Flow()]
        self.skipping: list = []
        self.max_bytes, self.size = max_bytes, 0
        self.pre = 0                    # inside <pre>: its line breaks end lines

    def _grow(self, n: int) -> None:
        self.size += n
        if self.size > self.max_bytes:
            raise InputError(f"file too large: the page renders to more than "
                             f"{mb(self.max_bytes)} MB of text")

    def _flow(self) -> _Flow | None:
        top = self.stack[-1]
        return top if isinstance(top, _Flow) else None

    def _break(self) -> None:
        flow = self._flow()
        if flow is not None:
            flow.flush()

    def text(self, text: str) -> None:
        flow = self._flow()
        if flow is not None:
            self._grow(len(text))
            if self.pre:
                first, *rest = text.split("\n")
                flow.pieces.append(first)
                for part in rest:
                    flow.flush()
                    flow.pieces.append(part)
            else:
                flow.pieces.append(text)
        elif text.strip():                       # stray text between a table's rows
            self.stack[-1].out.append(_collapse(text))

    def start(self, tag: str, el) -> None:
        top = self.stack[-1]
        self.pre += tag == "pre"
        if tag == "table":
            self._break()
            self.stack.append(_Table(el))
        elif tag == "tr" and isinstance(top, _Table):
            top.end_row()
            top.row = []
        elif tag in _CELLS and isinstance(top, _Table):
            if top.row is None:
                top.row = []
            colspan, rowspan = _span(el, "colspan", _MAX_COLSPAN), _span(el, "rowspan", _MAX_ROWSPAN)
            self._grow(3 * colspan)
            self.stack.append(_Flow(el, colspan, rowspan))
        elif tag == "caption" and isinstance(top, _Table):
            top.end_row()
            self.stack.append(_Flow(el))
        elif tag == "br" or tag in _BLOCK or tag in _CELLS or tag == "tr":
            self._break()

    def end(self, tag: str, el) -> None:
        top = self.stack[-1]
        self.pre -= tag == "pre" and self.pre > 0
        if isinstance(top, _Table) and top.el is el:
            top.end_row()
            self.stack.pop()
            self._emit(top.out)
        elif tag == "tr" and isinstance(top, _Table):
            top.end_row()
        elif isinstance(top, _Flow) and top.el is el and len(self.stack) > 1:
            self.stack.pop()
            table = self.stack[-1]
            table.after.extend(top.nested)
            if str(el.tag).lower() == "caption":
                top.flush()
                table.out.extend(top.lines)
                table.out.extend(table.after)
                table.after = []
            else:
                if table.row is None:
                    table.row = []
                table.row.append(top)
        elif tag == "br" or tag in _BLOCK or tag in _CELLS or tag == "tr":
            self._break()

    def _emit(self, lines: list[str]) -> None:
        """A finished table's lines: into the body, or after the row of the cell holding it."""
        top = self.stack[-1]
        if isinstance(top, _Table):
            top.after.extend(lines)
        elif len(self.stack) > 1:
            top.flush()
            top.nested.extend(lines)
        else:
            top.lines.extend(lines)

    def finish(self) -> str:
        while len(self.stack) > 1:      # unclosed tables and cells (the parser closes them)
            top = self.stack[-1]
            self.end("", top.el)
        body = self.stack[0]
        body.flush()
        return "\n".join(body.lines)
