"""Printed lines to paragraphs: what PDF extraction and OCR do to Chinese text, undone.

Both give text line by line as printed: spaces around Chinese that the author never typed,
words and numbers broken at line ends, page numbers and running headers and footers.
`pdf.py` and the OCR path share these repairs, so numbers and units come back whole and
every character keeps its page.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from ..core.patterns import Patterns, load_patterns


# CJK, full-width forms, and the dashes, quotes, ellipsis and ≤ ≥ set in Chinese text
CJK = ("\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
        "\u2014\u2018\u2019\u201c\u201d\u2026\u2264\u2265")
# technical: where the writing system changes, a space is the extractor's, not the author's
SPACES = re.compile(rf"(?<=[{CJK}]) +(?=[{CJK}0-9A-Za-z%])"
                     rf"|(?<=[{CJK}0-9A-Za-z%]) +(?=[{CJK}])")
_END = "。！？：；!?:;"
_CLOSERS = "”’」』）)】》"


def clean_spaces(line: str) -> str:
    """Drop the spaces extraction puts between Chinese and digits, units or Chinese."""
    return SPACES.sub("", line.replace("\x02", "").strip())


def kept(line: str, drop=None) -> list[int]:
    """The indices of `line` that `clean_spaces` keeps (so each kept character keeps its
    box); `drop(match)` may spare a run of spaces that SPACES matches."""
    keep = [i for i, c in enumerate(line) if c != "\x02"]
    while keep and line[keep[0]].isspace():
        keep.pop(0)
    while keep and line[keep[-1]].isspace():
        keep.pop()
    text = "".join(line[i] for i in keep)
    gone = {k for m in SPACES.finditer(text) if drop is None or drop(m, keep)
            for k in range(*m.span())}
    return [i for k, i in enumerate(keep) if k not in gone]


def cleaned(text: str, glyphs: list | None) -> tuple[str, list | None]:
    """`clean_spaces(text)` and the glyphs of the characters it keeps."""
    keep = kept(text)
    if glyphs is None or len(glyphs) != len(text):
        return "".join(text[i] for i in keep), None
    return "".join(text[i] for i in keep), [glyphs[i] for i in keep]


def is_heading(line: str, patterns: Patterns | None = None) -> bool:
    """A line that starts a paragraph of its own: `一、` `（二）` `1.` `第三章` `附件`."""
    return (patterns or load_patterns()).rx["printed_heading"].match(line) is not None


def is_page_number(line: str, page_no: int, patterns: Patterns | None = None) -> bool:
    """`— 3 —`, `- 3 -`, `第3页`, `3/8`, `Page 3`; a bare number, or one with a dash on
    one side only (as OCR may read `— 3 —`), only if it is this page's."""
    m = (patterns or load_patterns()).rx["page_number"].fullmatch(line.strip())
    return m is not None and (m.group("bare") is None or int(m.group("bare")) == page_no)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def glue(a: str, b: str) -> str:
    """What a line break between `a` and `b` stood for: a space between two Latin words,
    nothing in Chinese or inside a number."""
    latin = a[-1:].isascii() and a[-1:].isalpha() and b[:1].isascii() and b[:1].isalpha()
    return " " if latin else ""


@dataclass(slots=True)
class Line:
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
    glyphs: list | None = None  # one core.glyphs.Glyph (or None) per character of `text`


def _ends_paragraph(line: str) -> bool:
    return line.rstrip(_CLOSERS)[-1:] in _END


def _fills(a: Line, b: Line) -> bool:
    """`a` is full: the first word of `b` would not have fitted in the room left after it."""
    need = 0.0
    if b.x0 is not None:
        word = re.match(r"[0-9A-Za-z.,%'-]+|\S", b.text).group()  # technical: a Latin word's width
        need = len(word) * (b.x1 - b.x0) / len(b.text)
    return a.room <= need + 0.5 * a.h


def _continues(a: Line, b: Line, patterns: Patterns) -> bool:
    """Whether printed line `b` goes on with `a`'s paragraph (the break was only layout):
    `a` is full and `b` is no heading; where paragraphs are indented, `b` is not (unless it
    goes on centred, as a long title does); elsewhere `a` does not end in 。！？：；."""
    if a.row >= 0 or b.row >= 0 or not _fills(a, b) or is_heading(b.text, patterns):
        return False
    if b.indents:
        return not b.indented or (b.centered and not _ends_paragraph(a.text))
    return not _ends_paragraph(a.text)


def mark_layout(lines: list[Line], page_widths: dict[int, float]) -> None:
    """Set `room`, `indented`, `centered` and `indents` from the margins of the pages of
    the same width (the 5 % of lines sticking out furthest, a wide title, are ignored)."""
    groups: dict[int, list[Line]] = {}
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


def drop_furniture(pages: list[list[Line]], patterns: Patterns) -> None:
    """Remove page numbers, and running headers and footers (the same text, digits aside,
    at the same height on the edge of at least half the pages), from every page."""
    def edges(lines):
        body = [ln for ln in lines if ln.row < 0]
        return body[:2] + body[-2:]

    def key(ln):
        return re.sub(r"\d+", "#", ln.text), None if ln.y is None else round(ln.y / 4)  # technical: digits aside

    seen = Counter(k for lines in pages for k in {key(ln) for ln in edges(lines)})
    running = {k for k, n in seen.items() if n >= 3 and n >= len(pages) / 2}
    for i, lines in enumerate(pages):
        drop = {id(ln) for ln in edges(lines)
                if is_page_number(ln.text, i + 1, patterns) or key(ln) in running}
        lines[:] = [ln for ln in lines if id(ln) not in drop]


def drop_repeated_headers(pages: list[list[Line]]) -> None:
    """A table continued on the next page continues as rows: drop its repeated header row."""
    for prev, lines in zip(pages, pages[1:]):
        if prev and lines and prev[-1].row >= 0 and lines[0].row == 0:
            header = next((ln.text for ln in reversed(prev) if ln.row == 0), None)
            if header == lines[0].text and len(lines) > 1 and lines[1].row > 0:
                del lines[0]


def join_lines(pages: list[list[Line]], patterns: Patterns) -> tuple[str, list[int], set[int], list]:
    """Printed lines -> (text, page_starts, synthetic offsets, one glyph or None per
    character): paragraphs rejoined."""
    parts: list[str] = []
    starts: list[int] = []
    synthetic: set[int] = set()
    glyphs: list = []
    pos, prev = 0, None
    for lines in pages:
        page_start = None
        for ln in lines:
            sep = ""
            if prev is not None:
                sep = glue(prev.text, ln.text) if _continues(prev, ln, patterns) else "\n"
            if sep:
                synthetic.add(pos)
                parts.append(sep)
                glyphs.append(None)
                pos += 1
            if page_start is None:
                page_start = pos
            if ln.row >= 0:  # the cell separators
                synthetic.update(pos + m.start() + k
                                 for m in re.finditer(r" \| ", ln.text) for k in range(3))
            parts.append(ln.text)
            glyphs.extend(ln.glyphs if ln.glyphs is not None and len(ln.glyphs) == len(ln.text)
                          else [None] * len(ln.text))
            pos += len(ln.text)
            prev = ln
        starts.append(pos if page_start is None else page_start)
    return "".join(parts), starts, synthetic, glyphs


# ---------------------------------------------------------------- PDF: tables
