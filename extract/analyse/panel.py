"""The indicator panel (docs/panel.md): one row per report, one column per standard
indicator, every cell traced to the figure that states it.

Each figure gets its `canonical` column where its indicator names one (patterns/
indicators.yaml). A cell takes the most authoritative statement: a table's 合计 row
before a sentence, an earlier sentence before a later mention. The prior-year value of
each cell (stated, or value − change) is kept too, so reports of consecutive years can
be checked against each other from their panel sources alone (checks/across_years.py).
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Iterable

import regex

from ..core.interval import INF, Interval, of
from ..core.model import Figure, Metadata, PanelRow, PanelSource
from ..core.patterns import Patterns

PANEL_UNIT = {"money": ("万元", Decimal(10_000)), "percent": ("%", Decimal(1)), "score": ("分", Decimal(1))}
_NOT_A_CELL = {"delta", "growth_rate", "prior", "target"}
_QUOTES = regex.compile(r"[“”\"'‘’「」\s]")  # technical: quote marks and spaces around a name


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
        label, column = f.row_label, f.col_header
        whole = p.rx["total_word"].fullmatch(label) or (p.rx["whole_fund"].search(label) and f.kind in ("money", "percent"))
        if not whole or not column:
            return ()
        column = regex.sub(r"[（(].*?[)）]", "", column)  # technical: a bracketed unit or note
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
        out.append(replace(f, canonical=columns) if columns else f)
    return out


def _panel_value(f: Figure, iv: Interval) -> tuple[Interval, str]:
    unit, divisor = PANEL_UNIT[f.kind]
    return Interval(iv.lo / divisor, iv.hi / divisor if iv.hi != INF else INF), unit


def _priority(f: Figure) -> tuple:
    """A table's total row first, then statements in the order the report makes them."""
    return (f.table is None, f.start)


def _prior(p: Patterns, text: str, figures: list[Figure], v: Figure) -> tuple[Interval, list[Figure]] | None:
    """Last year's value of `v`: stated (较上年X), or v − change, from v's sentence."""
    end = p.rx["period_end"].search(text, v.end)
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


def panel(p: Patterns, doc_id: str, text: str, figures: list[Figure],
          metadata: Metadata) -> tuple[PanelRow, list[PanelSource]]:
    """(panel row, its sources) for one document: cells in panel units, as decimals."""
    cells: dict[str, Decimal] = {}
    sources: list[PanelSource] = []
    chosen: dict[str, Figure] = {}
    for column in p.indicators:
        candidates = sorted((f for f in figures if column in f.canonical), key=_priority)
        if not candidates:
            continue
        f = chosen[column] = candidates[0]
        iv, unit = _panel_value(f, of(f))
        cells[column] = f.value_base / PANEL_UNIT[f.kind][1]   # exact, not the interval's middle
        sources.append(PanelSource(doc_id, column, (f.figure_id,), "stated", iv, unit))
        prior = _prior(p, text, figures, f)
        if prior is not None and f.table is None:
            piv, unit = _panel_value(f, prior[0])
            sources.append(PanelSource(doc_id, column, tuple(g.figure_id for g in prior[1]), "prior", piv, unit))
    for column, parts in p.derived.items():
        if column not in chosen and all(x in chosen for x in parts):
            total = Interval(Decimal(0), Decimal(0))
            for x in parts:
                total = total + of(chosen[x])
            iv, unit = _panel_value(chosen[parts[0]], total)
            cells[column] = sum(chosen[x].value_base for x in parts) / PANEL_UNIT["money"][1]
            sources.append(PanelSource(doc_id, column, tuple(chosen[x].figure_id for x in parts), "derived", iv, unit))
    three = next((s for s in sources if s.indicator == "三公经费" and s.basis == "prior"), None)
    if three is not None:
        cells["三公经费上年数"] = three.value
        sources.append(replace(three, indicator="三公经费上年数",
                               basis="stated" if len(three.figure_ids) == 1 else "derived"))
    return PanelRow(doc_id, metadata, cells), sources
