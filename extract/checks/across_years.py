"""cross_year_mismatch: a report's prior-year values against the previous year's report of the
same unit in the same batch. It reads only the documents' rows and their panel sources (a few
per report), so the batch's merge can run it over an archive of millions."""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Mapping

from ..core.interval import fmt
from ..core.model import CheckResult, PanelSource
from .identity import cross_ids

CHECK = "cross_year_mismatch"


def _shown(d: Decimal) -> Decimal:
    """A value as a message shows it (at most 4 decimals)."""
    return Decimal(fmt(d))


def _amount(s: PanelSource) -> str:
    """A panel value for a message; a half-open one says which way it is open."""
    iv = s.interval
    if not iv.lo.is_finite() and iv.hi.is_finite():
        return f"不超过{fmt(iv.hi)}{s.unit}"
    if not iv.hi.is_finite() and iv.lo.is_finite():
        return f"不低于{fmt(iv.lo)}{s.unit}"
    return f"{_shown(s.value):,f}{s.unit}"            # with thousands separators


def across_years(documents: Iterable[Mapping], sources: Iterable[PanelSource]) -> list[CheckResult]:
    """One result per indicator whose prior-year value a report states and the previous year's
    report of its unit states too. `documents` are rows of documents.csv."""
    by_unit: dict[tuple[str, int], list[Mapping]] = {}
    for d in documents:
        if d.get("status") == "ok" and d.get("unit") and str(d.get("year") or "").isdigit():
            by_unit.setdefault((d["unit"], int(d["year"])), []).append(d)
    stated: dict[str, dict[str, PanelSource]] = {}
    priors: dict[str, dict[str, PanelSource]] = {}
    for s in sources:
        target = priors if s.basis == "prior" else stated
        target.setdefault(s.doc_id, {}).setdefault(s.indicator, s)
    pairs = []
    for (unit, year), laters in sorted(by_unit.items()):
        earliers = by_unit.get((unit, year - 1), [])
        for later in laters if earliers else []:
            # an archive may hold one report in several renderings: compare like with like
            same = [e for e in earliers if e.get("format") == later.get("format")]
            pairs.append((later, (same or earliers)[0]))
    out = []
    for later, earlier in pairs:
        for column, prior in priors.get(later["doc_id"], {}).items():
            before = stated.get(earlier["doc_id"], {}).get(column)
            if before is None or column == "三公经费上年数":
                continue
            a, b = prior.interval, before.interval
            status = "pass" if a.overlaps(b) else "fail"
            if prior.value.is_finite() and before.value.is_finite():
                diff = abs(_shown(prior.value) - _shown(before.value))
            else:   # an open-ended prior (上年数 = v − 超过1万元) has no middle: the gap says how far
                diff = max(b.lo - a.hi, a.lo - b.hi)
            message = (f"{column}：本报告所示上年数{_amount(prior)}"
                       f"{'与' if status == 'pass' else '与上年报告'}{earlier['doc_id']}所载{_amount(before)}"
                       + ("相符" if status == "pass" else f"不符（相差{fmt(diff)}{before.unit}）"))
            out.append(cross_ids(CheckResult(
                doc_id=later["doc_id"], check=CHECK, status=status, severity="warning",
                figure_ids=prior.figure_ids + before.figure_ids, stated=a, expected=b,
                tolerance=a.half_width + b.half_width,
                message=message, evidence=f"{later['doc_id']} ↔ {earlier['doc_id']}",
                key=f"{earlier['doc_id']}|{column}"),
                later.get("report_id") or later["doc_id"],
                (earlier.get("report_id") or earlier["doc_id"], column), (str(a), str(b))))
    return out
