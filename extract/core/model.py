"""The concepts the pipeline passes around: a document, a figure, a check's result, the
report's metadata, a panel cell's source, a drawn table, and the analysis of one document.

All are frozen: every stage returns new values, so a figure read once can be cited by id
anywhere downstream without being changed under the reader. Turning them into table rows
(and back) is `rows.py`'s alone.
"""
from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Mapping

from .glyphs import Glyphs, Rect
from .interval import Interval

KINDS = ("money", "count", "length", "area", "percent", "percentage_point", "score", "other")
APPROX = ("exact", "approx", "more_than", "less_than", "at_least", "at_most")
ROLES = ("", "total", "part", "delta", "growth_rate", "prior", "target", "actual", "budget",
         "executed", "execution_rate", "weight", "score")
DIRECTIONS = ("", "+", "-")


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


@dataclass(frozen=True, slots=True)
class Document:
    """A report as read: its text, and where each page begins in it (PDF only)."""

    doc_id: str
    source: str
    format: str
    text: str
    encoding: str = ""
    page_starts: tuple[int, ...] = ()
    # Offsets of characters the reader inserted (layout whitespace, joined lines).
    synthetic: frozenset[int] = field(default_factory=frozenset)
    # Pages read by OCR (1-based) and the recognizer's mean confidence on each, 0..1.
    ocr_confidence: Mapping[int, float] = field(default_factory=dict)
    # PDF only: each character's box on its page and OCR confidence (core/glyphs.py).
    glyphs: Glyphs | None = None
    # Scanned pages left unread (1-based) and why: OCR turned off or missing, or a page over
    # its time budget. The document is read without them.
    unread: Mapping[int, str] = field(default_factory=dict)

    @property
    def pages(self) -> int | None:
        return len(self.page_starts) or None

    def page_of(self, offset: int) -> int | None:
        """1-based page of the character at `offset`, None for unpaged text."""
        if not self.page_starts:
            return None
        return max(1, bisect_right(self.page_starts, offset))


@dataclass(frozen=True, slots=True)
class Figure:
    """One quantity a report states, tied to `text[start:end]` of its document."""

    start: int
    end: int
    surface: str
    value: Decimal
    unit: str
    value_base: Decimal
    base_unit: str
    kind: str
    approx: str = "exact"
    indicator: str = ""
    role: str = ""
    direction: str = ""
    canonical: tuple[str, ...] = ()  # the panel column(s) the figure states
    doc_id: str = ""
    page: int | None = None
    section: str = ""
    sentence: str = ""
    table: int | None = None
    row: int | None = None
    col: int | None = None
    row_label: str = ""              # table cells: the row's label (合计 for a total row) …
    col_header: str = ""             # … and the column's header, without its unit
    source_method: str = "text"      # text | ocr
    confidence: float | None = None  # OCR: the recognizer's least confidence in its characters
    bbox: tuple[Rect, ...] = ()      # PDF: its box on the page, one per printed line it spans

    def __post_init__(self):
        if not 0 <= self.start < self.end or len(self.surface) != self.end - self.start:
            raise ValueError(f"figure span [{self.start}, {self.end}) does not fit {self.surface!r}")
        if not isinstance(self.value, Decimal) or not isinstance(self.value_base, Decimal):
            raise TypeError("figure values are Decimal")
        if self.kind not in KINDS or self.approx not in APPROX:
            raise ValueError(f"unknown kind/approx {self.kind!r}/{self.approx!r}")
        if self.role not in ROLES or self.direction not in DIRECTIONS:
            raise ValueError(f"unknown role/direction {self.role!r}/{self.direction!r}")

    @classmethod
    def at(cls, text: str, start: int, end: int, **fields) -> Figure:
        """A figure whose surface is read from `text`, so the span always indexes it."""
        return cls(start=start, end=end, surface=text[start:end], **fields)

    @property
    def figure_id(self) -> str:
        """Stable across runs: the document and the position, nothing random."""
        return f"{short_hash(self.doc_id)}-{self.start}"

    @property
    def subject(self) -> str:
        """What a message names the figure by: a table cell's row label (its column is said by
        the message), else the indicator (a total row's cell is `执行数合计`)."""
        if self.row_label and self.col_header and self.row_label != "合计":
            return self.row_label
        return self.indicator


CHECK_STATUS = ("pass", "fail", "not_assessable")
SEVERITIES = ("error", "warning", "notice")


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One run of one consistency check on some figures of a document.

    `key` tells apart runs of the same check that cite no figures (heading numbering).
    `flag_id` and `subject_id` say what the result is about, wherever it stands
    (checks/identity.py); `check_id` is the flag_id once assigned.
    """

    doc_id: str
    check: str
    status: str
    severity: str
    figure_ids: tuple[str, ...] = ()
    stated: Interval | Decimal | None = None     # the side the report states …
    expected: Interval | Decimal | None = None   # … and the side recomputed from its operands
    tolerance: Decimal | None = None             # how far the sides may be apart and agree
    message: str = ""
    page: int | None = None
    section: str = ""
    evidence: str = ""
    key: str = ""
    flag_id: str = ""
    subject_id: str = ""

    def __post_init__(self):
        if self.status not in CHECK_STATUS or self.severity not in SEVERITIES:
            raise ValueError(f"unknown status/severity {self.status!r}/{self.severity!r}")

    @property
    def check_id(self) -> str:
        """The flag_id; before one is assigned, from the document, check and figures (or key)."""
        if self.flag_id:
            return self.flag_id
        basis = "|".join((self.doc_id, self.check, " ".join(self.figure_ids), self.key))
        return f"{self.check}-{short_hash(basis, 12)}"


@dataclass(frozen=True, slots=True)
class Metadata:
    """Who reported, for which year, what kind of report (analyse/metadata.py reads it)."""

    unit: str = ""
    year: int | None = None
    report_type: str = ""
    project: str = ""
    grade: str = ""


PANEL_BASES = ("stated", "derived", "prior")


@dataclass(frozen=True, slots=True)
class PanelSource:
    """The figure(s) behind one panel cell, or a prior-year value a report states for it.

    `interval` is in the panel's unit (万元, %, 分) and may be open at either end (a prior
    computed from 增加超过1万元 has no lower bound)."""

    doc_id: str
    indicator: str
    figure_ids: tuple[str, ...]
    basis: str
    interval: Interval
    unit: str

    def __post_init__(self):
        if self.basis not in PANEL_BASES:
            raise ValueError(f"unknown basis {self.basis!r}")

    @property
    def value(self) -> Decimal:
        """The middle of the interval; its finite end when it is open."""
        iv = self.interval
        if iv.lo.is_finite() and iv.hi.is_finite():
            return (iv.lo + iv.hi) / 2
        return iv.lo if iv.lo.is_finite() or not iv.hi.is_finite() else iv.hi


@dataclass(frozen=True, slots=True)
class PanelRow:
    """One report's row of the indicator panel: its metadata and a value per filled column."""

    doc_id: str
    metadata: Metadata
    cells: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class Grid:
    """One table of a report as drawn: `p<page>-t<n>` (`t<n>` for text), rows of cell texts."""

    name: str
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One row of a self-evaluation form (自评表): a funds row or a performance indicator.

    Cells are kept as written (`target`, `actual`, `weight`, `score` …) beside what was parsed
    from them, so a reviewer sees the form's own text and a check its numbers. `unreadable`
    names the cells whose digits were fused with a neighbour's and were left unread."""

    row_id: str
    doc_id: str
    form: int
    row_type: str                    # funds | indicator
    level1: str = ""
    level2: str = ""
    level3: str = ""
    target: str = ""
    comparator: str = ""
    target_value: Decimal | None = None
    target_unit: str = ""
    actual: str = ""
    actual_value: Decimal | None = None
    actual_unit: str = ""
    initial_budget: str = ""
    rate: str = ""
    weight: str = ""
    score: str = ""
    reason: str = ""
    met: str = "unknown"             # yes | no | unknown
    page: int | None = None
    start: int = 0
    end: int = 0
    unreadable: str = ""
    figure_ids: tuple[str, ...] = ()  # the figures its cells state


@dataclass(frozen=True)
class FormRows:
    """One self-evaluation form as the checks read it (checks/forms.py): its rows with the
    figure of each cell, the funds rows that state the whole, and its total row's figures."""

    form: int
    rows: tuple[tuple[IndicatorRow, Mapping[str, Figure]], ...]
    whole: tuple[str, ...] = ()                   # row_ids of the funds rows that state the whole
    total_weight: Figure | None = None
    total_score: Figure | None = None
    reasoned: frozenset[str] = frozenset()        # row_ids of rows under a 偏差原因 column


@dataclass(frozen=True, slots=True)
class Analysis:
    """Everything the pipeline learns from one document."""

    document: Document
    figures: tuple[Figure, ...]
    checks: tuple[CheckResult, ...]
    metadata: Metadata
    panel: PanelRow
    sources: tuple[PanelSource, ...]
    grids: tuple[Grid, ...]
    report_id: str = ""      # the report's identity, shared by its renderings (checks/identity.py)
    indicators: tuple[IndicatorRow, ...] = ()   # the rows of its self-evaluation forms

    @property
    def flags(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status == "fail")
