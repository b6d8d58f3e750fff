"""Consistency checks (docs/checks.md): registered functions, one per check name.

Each check receives the document's `Context` and yields `CheckResult`s (pass, fail or
not_assessable) that cite figure ids. A check that finds nothing to verify in a report
records one `not_assessable` row, so checks.csv shows that it ran.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Callable, Iterable


from ..analyse.structure import Layout
from ..core.interval import Interval, of
from ..core.model import CheckResult, Figure
from ..core.patterns import Patterns
from .messages import MESSAGES

# Below this OCR confidence a figure's digits are doubtful: RapidOCR read `≥60%` as `260%` at
# 0.93 and `20年` as `220年` at 0.88; most digits it reads right score 0.95 or more.
OCR_SURE = 0.95


def doubtful(f: Figure) -> bool:
    """A figure read by OCR with less than OCR_SURE confidence in its characters."""
    return f.source_method == "ocr" and f.confidence is not None and f.confidence < OCR_SURE


@dataclass(frozen=True)
class Check:
    name: str
    severity: str
    run: Callable[["Context"], Iterable[CheckResult]]


REGISTRY: dict[str, Check] = {}


def check(name: str, severity: str):
    """Register a check under its name (docs/checks.md describes each)."""
    def wrap(fn):
        if name in REGISTRY:
            raise ValueError(f"check {name} registered twice")
        REGISTRY[name] = Check(name, severity, fn)
        return fn
    return wrap


@dataclass
class Context:
    """What the checks of one document read: text, layout, figures and the period reported."""

    doc_id: str
    text: str
    layout: Layout
    figures: list[Figure]
    year: int | None
    patterns: Patterns
    forms: tuple = ()          # the document's self-evaluation forms (checks/forms.py FormRows)
    _periods: list[int] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)
    _ids: dict[int, str] = field(default_factory=dict)
    _intervals: dict = field(default_factory=dict)

    def __post_init__(self):
        self.rx = self.patterns.rx
        self._periods = [m.start() for m in self.rx["period_end"].finditer(self.text)]
        self._starts = [f.start for f in self.figures]
        self._ids = {id(f): f.figure_id for f in self.figures}
        self._intervals = {}

    def of(self, f: Figure) -> Interval:
        """The interval a figure stands for (interval.of), computed once per figure."""
        iv = self._intervals.get(id(f))
        if iv is None:
            iv = self._intervals[id(f)] = of(f)
        return iv

    # -- look-ups ------------------------------------------------------------------
    def period(self, offset: int) -> tuple[int, int]:
        """The full sentence (to 。！？ or the line end) around `offset`."""
        i = bisect_right(self._periods, offset - 1)
        start = self._periods[i - 1] + 1 if i > 0 else 0
        end = self._periods[i] + 1 if i < len(self._periods) else len(self.text)
        return start, end

    def figures_between(self, start: int, end: int) -> list[Figure]:
        return self.figures[bisect_left(self._starts, start):bisect_left(self._starts, end)]

    # -- results -------------------------------------------------------------------
    def result(self, which: str, status: str, figures: Iterable[Figure] = (), *,
               stated: Interval | Decimal | None = None, expected: Interval | Decimal | None = None,
               message_key: str = "", key: str = "", within: bool = False,
               severity: str | None = None, at: int | None = None, **values) -> CheckResult:
        figures = list(figures)
        severity = severity or REGISTRY[which].severity
        if status == "fail" and severity == "error" and any(f.approx != "exact" or doubtful(f) for f in figures):
            severity = "warning"  # an approximate or doubtful operand: a warning, never an error
        where = at if at is not None else (figures[0].start if figures else 0)
        template = MESSAGES.get(message_key or f"{which}.{status}", "")
        message = template.format(**values) if template else ""
        read = [f.confidence for f in figures if f.source_method == "ocr" and f.confidence is not None]
        if status == "fail" and read:
            message += MESSAGES["ocr_operands"].format(least=f"{min(read):.2f}")
        evidence = self.text[slice(*self.period(where))].strip() if figures or at is not None else ""
        tolerance = None   # sides compared for agreement may be apart by their half-widths
        if isinstance(stated, Interval) and isinstance(expected, Interval) and not within:
            tolerance = stated.half_width + expected.half_width
        return CheckResult(
            doc_id=self.doc_id, check=which, status=status, severity=severity,
            figure_ids=tuple(self._ids.get(id(f)) or f.figure_id for f in figures), stated=stated,
            expected=expected, tolerance=tolerance, message=message,
            page=figures[0].page if figures else None,
            section=self.layout.section_at(where), evidence=evidence[:300], key=key)


def run_checks(doc_id: str, text: str, figures: list[Figure], layout: Layout,
               year: int | None, patterns: Patterns, report: str | None = None,
               forms: tuple = ()) -> list[CheckResult]:
    """Every registered check on one document, in registry order; `year` is the report's
    (metadata.report_year), `report` its identity (identity.report_id; from the text if None),
    `forms` its self-evaluation forms as read (checks/forms.py)."""
    ctx = Context(doc_id, text, layout, figures, year, patterns, forms)
    out: list[CheckResult] = []
    for name, chk in REGISTRY.items():
        results = list(chk.run(ctx))
        if not results:
            results = [ctx.result(name, "not_assessable", message_key="nothing")]
        out.extend(results)
    return identity.assign(out, figures, report or identity.report_id(None, text))


def unit_slip(stated: Interval, expected: Interval) -> bool:
    """A factor of 10⁴ or 10⁸ between the sides would make them agree (元 written for 万元).
    An open side (不低于180人: [180, ∞]) agrees with anything scaled up, so it never counts."""
    if not all(x.is_finite() for x in (stated.lo, stated.hi, expected.lo, expected.hi)):
        return False
    for k in (Decimal(10) ** 4, Decimal(10) ** 8):
        if stated.scale(k).overlaps(expected) or expected.scale(k).overlaps(stated):
            return True
    return False


from . import arithmetic, scores, consistency, identity  # noqa: E402,F401  (registers the checks)
from .across_years import across_years  # noqa: E402,F401  (the check across documents)
