"""The cells of a flattened self-evaluation form (自评表), in reading order, each typed.

Forms reach the archive flattened in many ways (docs/forms.md): `|` between cells, runs of
spaces, one cell per line, a whole form on one line. What survives every flattening is the
sequence of cells, so the form reader works on that sequence and never on lines or columns of
characters. A line holding a `|` is split on pipes only (a cell may hold spaces: `其中:当年财政
拨款`); any other line on whitespace. A label or header word broken by the export (`一级` /
`指标`, `可持续影` / `响指标`) is joined again when the pieces together are exactly a word of
the form's vocabulary (patterns/forms.yaml); pieces are never joined on a guess.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from ..core.numbers import normalise
from ..core.patterns import Patterns

# Cell kinds. A header cell has kind "col" and names its column in `col`.
LABELS = ("placeholder", "noise", "total", "l1", "l2", "weight_only", "funds_label", "funds_caption")
_ENTRY = {"placeholder": "form_placeholder", "noise": "form_noise", "total": "form_total",
          "l1": "form_level1", "l2": "form_level2", "weight_only": "form_weight_only",
          "funds_label": "funds_label", "funds_caption": "funds_caption"}
INDICATOR_COLUMNS = ("level1", "level2", "level3", "nature", "direction", "unit", "target", "actual", "weight",
                     "score", "reason", "other")
FUNDS_COLUMNS = ("initial", "budget", "executed", "rate")
_COLUMN_ENTRY = {**{c: f"form_col_{c}" for c in INDICATOR_COLUMNS},
                 **{c: f"funds_col_{c}" for c in FUNDS_COLUMNS}}
# Technical shapes of a cell's content (not language): a bare number with thousands commas, a
# percent, digits of several cells run together (two decimal points, or digits after a %).
_NUM = regex.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")
_PCT = regex.compile(r"(?:[-+]?\d+(?:\.\d+)?)%")
_FUSED = regex.compile(r"\d[\d.,]*(?:\.\d*\.|%\d)[\d.,%]*")
_CJK = regex.compile(r"\p{Han}")
_SPACE = regex.compile(r"\s+")
_MAX_JOIN = 5


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    text: str           # as written, whitespace removed
    key: str            # normalised (full-width, traditional script) for matching
    kind: str           # a LABELS kind, "col", "cmp", "num", "pct", "fused", "val" or "text"
    col: str = ""       # header cells: the column named
    line: int = 0       # the line it starts on
    first: bool = True  # whether it is the first cell of its line
    named: bool = False  # it starts with a list marker (指标1：): a row's name, never a value

    @property
    def cjk(self) -> int:
        return len(_CJK.findall(self.key))


def _pieces(text: str) -> list[tuple[int, int, int, bool]]:
    """(start, end, line, first-on-line) of every non-empty piece of every line."""
    out, pos = [], 0
    for n, line in enumerate(text.splitlines(keepends=True)):
        body = line.rstrip("\r\n")
        parts = ([(m.start(), m.end()) for m in regex.finditer(r"[^|｜]+", body)]
                 if "|" in body or "｜" in body else
                 [(m.start(), m.end()) for m in regex.finditer(r"\S+", body)])
        first = True
        for s, e in parts:
            piece = body[s:e]
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece.rstrip())
            if trail > lead:
                out.append((pos + s + lead, pos + s + trail, n, first))
                first = False
        pos += len(line)
    return out


class CellReader:
    """Types cells with the form vocabulary of one pattern set."""

    def __init__(self, patterns: Patterns):
        rx = patterns.rx
        self.labels = [(kind, rx[_ENTRY[kind]]) for kind in LABELS]
        self.columns = [(col, rx[entry]) for col, entry in _COLUMN_ENTRY.items()]
        self.comparator = rx["form_comparator"]
        self.gloss = rx["form_gloss"]
        self.nature = rx["form_nature_word"]
        self.marker = rx["form_marker"]

    def _clean(self, text: str) -> str:
        return self.gloss.sub("", _SPACE.sub("", text))

    def kind(self, key: str) -> tuple[str, str]:
        if not key:
            return "placeholder", ""
        for kind, rx in self.labels:
            if rx.fullmatch(key):
                return kind, ""
        for col, rx in self.columns:
            if rx.fullmatch(key):
                return "col", col
        if self.comparator.fullmatch(key):
            return "cmp", ""
        if self.nature.fullmatch(key):
            return "nature", ""
        if _FUSED.fullmatch(key):
            return "fused", ""
        if _PCT.fullmatch(key):
            return "pct", ""
        if _NUM.fullmatch(key):
            return "num", ""
        if regex.search(r"\d", key) and len(key) <= 24:
            return "val", ""
        return "text", ""

    def cells(self, text: str) -> list[Cell]:
        scan = normalise(text)
        pieces = _pieces(text)
        out: list[Cell] = []
        i = 0
        while i < len(pieces):
            joined = None
            s0, _, line, first = pieces[i]
            head_kind = self.kind(self._clean(scan[s0:pieces[i][1]]))[0]
            if head_kind in ("text", "val", "weight_only"):   # a whole word is never a piece
                key = ""
                for j in range(i, min(i + _MAX_JOIN, len(pieces))):
                    key += self._clean(scan[pieces[j][0]:pieces[j][1]])
                    if j > i:
                        kind, col = self.kind(key)
                        if kind not in ("text", "val", "cmp", "num", "pct", "fused", "placeholder", "noise"):
                            joined = (j, kind, col, key)
            if joined:
                j, kind, col, key = joined
                surface = "".join(self._clean(text[s:e]) for s, e, _, _ in pieces[i:j + 1])
                out.append(Cell(s0, pieces[j][1], surface, key, kind, col, line, first,
                                bool(self.marker.match(key))))
                i = j + 1
                continue
            s, e = pieces[i][0], pieces[i][1]
            key = self._clean(scan[s:e])
            kind, col = self.kind(key)
            out.append(Cell(s, e, self._clean(text[s:e]), key, kind, col, line, first,
                            bool(self.marker.match(key))))
            i += 1
        return out
