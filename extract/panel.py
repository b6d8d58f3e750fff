"""The indicator panel (spec/indicators.md): one row per report, one column per standard
indicator, every cell traced to the figure that states it; and the check across years.

Each figure gets its `canonical` column where its indicator names one (patterns/
indicators.yaml). A cell takes the most authoritative statement: a table's 合计 row
before a sentence, an earlier sentence before a later mention. The prior-year value of
each cell (stated, or value − change) is kept too, so reports of consecutive years can
be checked against each other from their panel rows alone.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Iterable

import regex

from .checks.interval import INF, Interval, fmt, of, parse_bound
from .model import CheckResult, Figure
from .patterns import Patterns
from .tables import split_indicator

PANEL_UNIT = {"money": ("万元", Decimal(10_000)), "percent": ("%", Decimal(1)), "score": ("分", Decimal(1))}
_NOT_A_CELL = {"delta", "growth_rate", "prior", "target"}
_QUOTES = regex.compile(r"[“”\"'‘’「」\s]")
_TOTAL_ROW = regex.compile(r"^(?:合计|总计|小计|总分|共计)$")
_WHOLE_FUND = regex.compile(r"资金总额|资金合计|总额")
_PERIOD_END = regex.compile(r"[。！？!?\n]")


def _names(p: Patterns, indicator: str) -> tuple[str, ...]:
    """The indicator without quotes, then also without its time and scope words."""
    bare = _QUOTES.sub("", indicator)
    return (bare, p.indicator_ignore.sub("", bare))


def _columns_of_name(p: Patterns, f: Figure, name: str) -> list[str]:
    out = []
    for spec in p.indicators.values():
        if spec.kind != f.kind:
            continue
        if spec.not_sections is not None and spec.not_sections.search(f.section):
            continue
        if any(rx.fullmatch(name) for rx in spec.names):
            out.append(spec.column)
        elif spec.sections is not None and spec.sections.search(f.section) and any(
                rx.fullmatch(name) for rx in spec.section_names):
            out.append(spec.column)
    return out[:1]


def canonical(p: Patterns, f: Figure) -> tuple[str, ...]:
    """The panel columns a figure states, from its indicator, role, section and table place."""
    if f.role in _NOT_A_CELL or (f.approx != "exact" and f.kind != "percent"):
        return ()
    if f.table is not None:
        label, column = split_indicator(f.indicator)
        whole = _TOTAL_ROW.match(label) or (_WHOLE_FUND.search(label) and f.kind == "money")
        if not whole or not column:
            return ()
        column = regex.sub(r"[（(].*?[)）]", "", column)
        return tuple(spec.column for spec in p.indicators.values()
                     if spec.kind == f.kind and any(rx.search(column) for rx in spec.table_columns))[:1]
    found = []
    for name in _names(p, f.indicator):
        found = found or _columns_of_name(p, f, name)
    name = _names(p, f.indicator)[1]
    if not found and "、" in name:
        found = [c for part in name.split("、") for c in _columns_of_name(p, f, part)]
    if not found:
        found = [s.column for s in p.indicators.values() if f.role in s.roles and s.kind == f.kind
                 and not (s.not_sections is not None and s.not_sections.search(f.section))][:1]
    return tuple(found)


def with_canonical(p: Patterns, figures: Iterable[Figure]) -> list[Figure]:
    out = []
    for f in figures:
        columns = canonical(p, f)
        out.append(replace(f, canonical="、".join(columns)) if columns else f)
    return out


def _panel_value(f: Figure, iv: Interval) -> tuple[Interval, str]:
    unit, divisor = PANEL_UNIT[f.kind]
    return Interval(iv.lo / divisor, iv.hi / divisor if iv.hi != INF else INF), unit


def _source(doc_id: str, column: str, f_ids: str, basis: str, iv: Interval, unit: str) -> dict:
    value = (iv.lo + iv.hi) / 2 if iv.hi != INF else iv.lo
    return {"doc_id": doc_id, "indicator": column, "figure_id": f_ids, "basis": basis,
            "value": fmt(value), "unit": unit, "lo": fmt(iv.lo), "hi": fmt(iv.hi)}


def _priority(f: Figure) -> tuple:
    """A table's total row first, then statements in the order the report makes them."""
    return (f.table is None, f.start)


def _prior(text: str, figures: list[Figure], v: Figure) -> tuple[Interval, list[Figure]] | None:
    """Last year's value of `v`: stated (较上年X), or v − change, from v's sentence."""
    end = _PERIOD_END.search(text, v.end)
    end = end.start() if end else len(text)
    run = [g for g in figures if v.end <= g.start < end and g.indicator == v.indicator and g.kind == v.kind
           and g.table is None]
    stated = [g for g in run if g.role == "prior"]
    if stated:
        return of(stated[0]), [stated[0]]
    deltas = [g for g in run if g.role == "delta" and g.direction]
    if deltas:
        d = of(deltas[0])
        change = d if deltas[0].direction == "+" else d.scale(Decimal(-1))
        return of(v) - change, [v, deltas[0]]
    return None


def panel(p: Patterns, doc_id: str, text: str, figures: list[Figure], metadata: dict) -> tuple[dict, list[dict]]:
    """(panel row, its sources) for one document: cells in panel units, as decimals."""
    row = {"doc_id": doc_id, **metadata}
    sources: list[dict] = []
    chosen: dict[str, Figure] = {}
    for column in p.indicators:
        candidates = sorted((f for f in figures if column in f.canonical.split("、")), key=_priority)
        if not candidates:
            continue
        f = chosen[column] = candidates[0]
        iv, unit = _panel_value(f, of(f))
        row[column] = _cell(f, iv)
        sources.append(_source(doc_id, column, f.figure_id, "stated", iv, unit))
        prior = _prior(text, figures, f)
        if prior is not None and f.table is None:
            piv, unit = _panel_value(f, prior[0])
            sources.append(_source(doc_id, column, " ".join(g.figure_id for g in prior[1]), "prior", piv, unit))
    for column, parts in p.derived.items():
        if column not in chosen and all(x in chosen for x in parts):
            total = Interval(Decimal(0), Decimal(0))
            for x in parts:
                total = total + of(chosen[x])
            iv, unit = _panel_value(chosen[parts[0]], total)
            row[column] = fmt(sum(chosen[x].value_base for x in parts) / PANEL_UNIT["money"][1])
            sources.append(_source(doc_id, column, " ".join(chosen[x].figure_id for x in parts), "derived", iv, unit))
    three = next((s for s in sources if s["indicator"] == "三公经费" and s["basis"] == "prior"), None)
    if three is not None:
        row["三公经费上年数"] = three["value"]
        sources.append({**three, "indicator": "三公经费上年数", "basis": "stated" if " " not in three["figure_id"] else "derived"})
    return row, sources


def _cell(f: Figure, iv: Interval) -> str:
    """The stated value in the panel's unit, exact (not the middle of its interval)."""
    return fmt(f.value_base / PANEL_UNIT[f.kind][1])


def _amount(iv: Interval, value: str, unit: str) -> str:
    """A panel value for a message; a half-open one says which way it is open."""
    if not iv.lo.is_finite() and iv.hi.is_finite():
        return f"不超过{fmt(iv.hi)}{unit}"
    if not iv.hi.is_finite() and iv.lo.is_finite():
        return f"不低于{fmt(iv.lo)}{unit}"
    return f"{value}{unit}"


# -- across reports -------------------------------------------------------------------------------
def across_years(documents: list[dict], sources: list[dict]) -> list[CheckResult]:
    """cross_year_mismatch: a report's prior-year values against the previous year's report
    of the same unit. Reads only document and panel-source rows."""
    by_unit: dict[tuple[str, int], list[dict]] = {}
    for d in documents:
        if d.get("status") == "ok" and d.get("unit") and str(d.get("year") or "").isdigit():
            by_unit.setdefault((d["unit"], int(d["year"])), []).append(d)
    stated: dict[str, dict[str, dict]] = {}
    priors: dict[str, dict[str, dict]] = {}
    for s in sources:
        target = stated if s["basis"] in ("stated", "derived") else priors if s["basis"] == "prior" else None
        if target is not None:
            target.setdefault(s["doc_id"], {}).setdefault(s["indicator"], s)
    out = []
    pairs = []
    for (unit, year), laters in sorted(by_unit.items()):
        earliers = by_unit.get((unit, year - 1), [])
        for later in laters if earliers else []:
            # an archive may hold one report in several renderings: compare like with like
            same = [e for e in earliers if e.get("format") == later.get("format")]
            pairs.append((later, (same or earliers)[0]))
    for later, earlier in pairs:
        for column, prior in priors.get(later["doc_id"], {}).items():
            before = stated.get(earlier["doc_id"], {}).get(column)
            if before is None or column == "三公经费上年数":
                continue
            a = Interval(parse_bound(prior["lo"]), parse_bound(prior["hi"]))
            b = Interval(parse_bound(before["lo"]), parse_bound(before["hi"]))
            status = "pass" if a.overlaps(b) else "fail"
            mid_a, mid_b = parse_bound(prior["value"]), parse_bound(before["value"])
            # an open-ended prior (上年数 = v − 超过1万元) has no middle: the gap says how far apart
            diff = (abs(mid_a - mid_b) if mid_a.is_finite() and mid_b.is_finite()
                    else max(b.lo - a.hi, a.lo - b.hi))
            message = (f"{column}：本报告所示上年数{_amount(a, prior['value'], prior['unit'])}"
                       f"{'与' if status == 'pass' else '与上年报告'}{earlier['doc_id']}所载"
                       f"{_amount(b, before['value'], before['unit'])}"
                       + ("相符" if status == "pass" else f"不符（相差{fmt(diff)}{before['unit']}）"))
            out.append(CheckResult(
                doc_id=later["doc_id"], check="cross_year_mismatch", status=status, severity="warning",
                figure_ids=tuple(prior["figure_id"].split()) + tuple(before["figure_id"].split()),
                stated=str(a), expected=str(b), tolerance=f"±{fmt(a.half_width + b.half_width)}",
                message=message, evidence=f"{later['doc_id']} ↔ {earlier['doc_id']}",
                key=f"{earlier['doc_id']}|{column}"))
    return out


