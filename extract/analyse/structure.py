"""The shape of a report: title, headings and their levels, sentences, plain-text tables.

Everything is a span of the text, so a figure's section, sentence and table cell are
found by offset. Reports number their headings 一、 （一） 1、/1. （1）; a short line
without sentence punctuation between paragraphs is an unnumbered heading.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

from ..core.patterns import Patterns, load_patterns

SENTENCE_CHARS = 600   # the longest sentence a figure row carries whole (Layout.sentence_text)

_CN = {c: i for i, c in enumerate("零一二三四五六七八九", 0)}
_LEVELS = (1, 2, 3, 4)   # heading_1 … heading_4 of patterns/structure.yaml


@dataclass(frozen=True, slots=True)
class Heading:
    start: int
    end: int
    level: int          # 1 一、 · 2 （一） · 3 1、 · 4 （1）; unnumbered headings count as 1
    label: str          # the numbering as written, '' when unnumbered
    number: int | None
    title: str


@dataclass(frozen=True, slots=True)
class Cell:
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class TableRow:
    start: int
    end: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True, slots=True)
class Table:
    index: int          # 1-based, in document order
    rows: tuple[TableRow, ...]
    caption: str        # the line before the table when it reads as a caption (表1 … 单位：万元)


def cn_int(label: str) -> int | None:
    """一 -> 1, 十二 -> 12, 二十 -> 20; digits as they are."""
    if label.isdigit():
        return int(label)
    if "十" in label:
        tens, _, ones = label.partition("十")
        return _CN.get(tens, 1) * 10 + _CN.get(ones, 0) if (tens in _CN or not tens) else None
    return _CN.get(label) if len(label) == 1 else None


def _lines(text: str):
    """(start, end) of each line's content, without the line break and outer spaces."""
    pos = 0
    for raw in text.splitlines(keepends=True):
        body = raw.rstrip("\r\n")
        stripped = body.strip(" \t\u3000\u00a0\ufeff")
        lead = len(body) - len(body.lstrip(" \t\u3000\u00a0\ufeff"))
        yield pos + lead, pos + lead + len(stripped)
        pos += len(raw)


def _cells(p: Patterns, text: str, start: int, end: int) -> tuple[str, tuple[Cell, ...]] | None:
    line = text[start:end]
    for kind in ("pipe", "space"):
        splitter = p.rx[f"cell_{kind}"]
        parts, pos = [], 0
        for m in splitter.finditer(line):
            parts.append((pos, m.start()))
            pos = m.end()
        parts.append((pos, len(line)))
        if kind == "pipe" and "|" not in line and "｜" not in line:
            continue
        if len(parts) >= 2:
            cells = tuple(Cell(start + a, start + b, line[a:b]) for a, b in parts)
            return kind, cells
    return None


class Layout:
    """Headings, sentences and tables of one text, with offset look-ups."""

    def __init__(self, text: str, patterns: Patterns | None = None):
        self.text = text
        self.p = p = patterns or load_patterns()
        self._caption, self._prose, self._sentence_end = p.rx["caption"], p.rx["prose_mark"], p.rx["sentence_end"]
        lines = [(s, e) for s, e in _lines(text)]
        self.title: tuple[int, int] | None = None
        self.tables: list[Table] = []
        self.headings: list[Heading] = []
        table_lines = self._find_tables(lines)
        self._find_title(lines)
        self._find_headings(lines, table_lines)
        self._paths = self._section_paths()
        self._heading_starts = [h.start for h in self.headings]
        self.sentences = self._sentences(lines, table_lines)
        self._sentence_starts = [s for s, _ in self.sentences]
        self._rows = sorted(((r.start, r.end, t.index, i, r) for t in self.tables
                             for i, r in enumerate(t.rows)), key=lambda x: x[0])
        self._row_starts = [r[0] for r in self._rows]

    # -- tables ----------------------------------------------------------------
    def _find_tables(self, lines) -> set[int]:
        """Runs of two or more lines split into cells the same way are a table."""
        used: set[int] = set()
        run: list[tuple[int, tuple[Cell, ...]]] = []
        run_kind = None

        def close():
            nonlocal run, run_kind
            caption = ""
            if run and len(run[0][1]) <= 2:
                ls, le = lines[run[0][0]]
                line = self.text[ls:le]
                if self._caption.match(line) or "单位" in line:
                    caption = line  # 表1  项目资金情况（单位：万元） heads the table, it is no row
                    run = run[1:]
            widest = max((len(c) for _, c in run), default=0)
            if len(run) >= 2 and widest >= 3:
                first = run[0][0]
                if first > 0:
                    ps, pe = lines[first - 1]
                    prev = self.text[ps:pe]
                    if not caption and prev and (self._caption.match(prev) or "单位" in prev) and len(prev) <= 60:
                        caption = prev
                rows = tuple(TableRow(lines[i][0], lines[i][1], cells) for i, cells in run)
                self.tables.append(Table(len(self.tables) + 1, rows, caption))
                used.update(i for i, _ in run)
            run, run_kind = [], None

        for i, (s, e) in enumerate(lines):
            found = _cells(self.p, self.text, s, e) if e > s else None
            if found and (run_kind in (None, found[0])):
                run_kind = found[0]
                run.append((i, found[1]))
                continue
            close()
            if found:
                run_kind = found[0]
                run.append((i, found[1]))
        close()
        return used

    # -- title and headings -------------------------------------------------------
    def _find_title(self, lines) -> None:
        start = end = None
        for s, e in lines:
            if e == s:
                if start is not None:
                    break
                continue
            line = self.text[s:e]
            if len(line) > 40 or self._prose.search(line) or _numbered(self.p, line):
                break
            start = s if start is None else start
            end = e
        if start is not None:
            self.title = (start, end)

    def _find_headings(self, lines, table_lines: set[int]) -> None:
        body_start = self.title[1] if self.title else 0
        for i, (s, e) in enumerate(lines):
            if e == s or s < body_start or i in table_lines:
                continue
            line = self.text[s:e]
            found = _numbered(self.p, line)
            if found:
                level, m = found
                stop = self.p.rx["title_end"].search(line, m.end())
                title = line[: stop.start()] if stop else line
                self.headings.append(Heading(s, e, level, m.group("label"),
                                             cn_int(m.group("n")), title.strip()))
            elif self._unnumbered(lines, i, table_lines):
                self.headings.append(Heading(s, e, 1, "", None, line))

    def _unnumbered(self, lines, i: int, table_lines: set[int]) -> bool:
        s, e = lines[i]
        line = self.text[s:e]
        if (len(line) > 30 or self._prose.search(line) or line.endswith(("：", ":"))
                or not self.p.rx["unnumbered_heading"].fullmatch(line.strip())
                or self._caption.match(line) or self.p.rx["date_line"].match(line)):
            return False
        for j in range(i + 1, len(lines)):
            ns, ne = lines[j]
            if ne == ns:
                continue
            if j in table_lines:
                return False
            nxt = self.text[ns:ne]
            return bool(_numbered(self.p, nxt)) or bool(self._sentence_end.search(nxt))
        return False

    def _section_paths(self) -> list[str]:
        paths, stack = [], []
        for h in self.headings:
            while stack and stack[-1][0] >= h.level:
                stack.pop()
            stack.append((h.level, h.title))
            paths.append(" > ".join(t for _, t in stack))
        return paths

    # -- sentences --------------------------------------------------------------
    def _sentences(self, lines, table_lines: set[int]) -> list[tuple[int, int]]:
        out = []
        for i, (s, e) in enumerate(lines):
            if e == s:
                continue
            if i in table_lines:
                out.append((s, e))
                continue
            pos = s
            for m in self._sentence_end.finditer(self.text, s, e):
                if m.end() > pos:
                    out.append((pos, m.end()))
                pos = m.end()
                while pos < e and self.text[pos] in " \u3000":
                    pos += 1
            if pos < e:
                out.append((pos, e))
        return out

    # -- look-ups ------------------------------------------------------------------
    def section_at(self, offset: int) -> str:
        i = bisect_right(self._heading_starts, offset) - 1
        return self._paths[i] if i >= 0 else ""

    def heading_at(self, offset: int) -> Heading | None:
        i = bisect_right(self._heading_starts, offset) - 1
        return self.headings[i] if i >= 0 else None

    def sentence_at(self, offset: int) -> tuple[int, int]:
        i = bisect_right(self._sentence_starts, offset) - 1
        if i >= 0 and self.sentences[i][0] <= offset < self.sentences[i][1]:
            return self.sentences[i]
        return (offset, offset)

    def sentence_text(self, text: str, start: int, end: int) -> str:
        """The sentence a figure at `start:end` stands in, as a figure row carries it: whole up
        to SENTENCE_CHARS, else the SENTENCE_CHARS around the figure with `…` where it is cut.
        Every figure row carries its sentence, so a sentence of a megabyte holding 10,000
        figures would otherwise write 10 GB; the whole sentence stays in `text/`."""
        s_start, s_end = self.sentence_at(start)
        if s_end - s_start <= SENTENCE_CHARS:
            return text[s_start:s_end].strip()
        half = (SENTENCE_CHARS - (end - start)) // 2     # negative: a figure longer than that
        a = max(s_start, start - max(half, 0))
        b = min(s_end, a + SENTENCE_CHARS)
        a = max(s_start, min(a, b - SENTENCE_CHARS))
        return ("…" if a > s_start else "") + text[a:b].strip() + ("…" if b < s_end else "")

    def row_at(self, offset: int) -> tuple[Table, int, TableRow] | None:
        """The table, 0-based row index and row containing `offset`, if any."""
        i = bisect_right(self._row_starts, offset) - 1
        if i >= 0:
            start, end, t_index, r_index, row = self._rows[i]
            if start <= offset < end:
                return self.tables[t_index - 1], r_index, row
        return None


def _numbered(p: Patterns, line: str):
    for level in _LEVELS:
        m = p.rx[f"heading_{level}"].match(line)
        if m and len(line) > m.end():
            return level, m
    return None
