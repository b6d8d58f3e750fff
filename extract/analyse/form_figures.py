"""The cells of a read form as figures: every amount, count, percent and point it states.

A form's numbers are mostly bare (`735`, `10`, `387664.62`): the column says what they are
and the row says of what — the 度量单位 cell or the target's unit for a target and its actual,
the caption's unit (项目资金（万元）) for money, 分 for 分值 and 得分. A cell the recognizer
already read keeps its reading and gains the row and column; a cell it did not read becomes a
figure here. Fused cells are never figures.
"""
from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from ..core.model import Figure, FormRows, IndicatorRow
from ..core.numbers import MAGNITUDE
from ..core.patterns import Patterns
from .form_cells import Cell
from .form_rows import NUMBER, cell_value
from .forms import FormRead

_APPROX = {"≥": "at_least", "≤": "at_most", ">": "more_than", "<": "less_than", "=": "exact", "": "exact"}
_FUNDS_ROLES = {"initial": "budget", "budget": "budget", "executed": "executed", "rate": "execution_rate",
                "weight": "weight", "score": "score"}
_FUNDS_HEADS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数", "rate": "执行率",
                "weight": "分值", "score": "得分"}
_RATE_POINTS = "预算执行率"
_MONEY_COLUMNS = ("initial", "budget", "executed")
_COLUMNS = ("tvalue", "target", "actual", "weight", "score")


def _spec(patterns: Patterns, unit: str):
    """(kind, base unit, factor) of a unit, magnitudes (万元) included; None if unknown."""
    spec = patterns.units.get(unit)
    if spec:
        return spec.kind, spec.base, spec.factor
    if len(unit) > 1 and unit[0] in MAGNITUDE and unit[1:] in patterns.units:
        inner = patterns.units[unit[1:]]
        return inner.kind, inner.base, inner.factor * MAGNITUDE[unit[0]]
    return None


def _number_span(cell: Cell) -> tuple[int, int] | None:
    """Where the number stands inside a cell (the cell's own text keeps its offsets only when
    it holds no whitespace, which is the case for every numeric cell)."""
    m = NUMBER.search(cell.key)
    if not m or len(cell.key) != cell.end - cell.start:
        return None
    return cell.start + m.start(), cell.start + m.end()


def _total_figure(text: str, cell: Cell | None, role_name: str, doc_id: str) -> Figure | None:
    span = _number_span(cell) if cell is not None else None
    if span is None:
        return None
    value = cell_value(text[span[0]:span[1]])
    return Figure.at(text, *span, value=value, unit="分", value_base=value, base_unit="分", kind="score",
                     indicator=role_name, role="total", doc_id=doc_id, row_label="总分", col_header=role_name)


def form_figures(read: FormRead, text: str, figures: list[Figure], patterns: Patterns,
                 doc_id: str = "") -> tuple[list[Figure], tuple[IndicatorRow, ...], tuple[FormRows, ...]]:
    """`figures` with every form cell's figure placed or added, the rows with their figures'
    ids, and each form as the checks read it."""
    by_start = sorted(figures, key=lambda f: f.start)
    taken: dict[int, Figure] = {f.start: f for f in figures}
    rows_out, of_cell = [], {}
    for r, row in enumerate(read.rows, start=1):
        cells = read.cells[row.row_id]
        ids, mine = [], of_cell.setdefault(row.row_id, {})
        for col, cell in cells.items():
            if col in ("name", "label") or cell.kind in ("fused", "placeholder"):
                continue
            if row.row_type == "funds":
                unit = read.units.get(row.row_id, "") if col in ("initial", "budget", "executed") else \
                    ("%" if col == "rate" else "分")
                role, name = _FUNDS_ROLES[col], row.level3 + _FUNDS_HEADS[col]
                if col in ("weight", "score"):      # the points of the standard form's 预算执行率
                    name = _RATE_POINTS
                approx = "exact"
            elif col in _COLUMNS:
                if col in ("weight", "score"):
                    unit, role = "分", col
                else:
                    unit = row.target_unit if col != "actual" else (row.actual_unit or row.target_unit)
                    role = "actual" if col == "actual" else "target"
                name = row.level3
                approx = _APPROX.get(row.comparator, "exact") if role == "target" else "exact"
            else:
                continue
            span = _number_span(cell)
            if span is None:
                continue
            s, e = span
            overlap = [f for f in by_start if f.start < e and s < f.end]
            value = cell_value(text[s:e])
            where = dict(indicator=name, role=role, row_label=row.level3,
                         col_header=_FUNDS_HEADS.get(col, col))
            if overlap and not (len(overlap) == 1 and (overlap[0].start, overlap[0].end) == (s, e)):
                f = overlap[0]      # the cell writes its own unit (29.5亩): the recognizer's reading
                if len(overlap) == 1 and f.value == value:
                    taken[f.start] = mine[col] = replace(f, **where)
                    ids.append(f.figure_id)
                continue
            spec = _spec(patterns, unit) or (("percent", "%", Decimal(1)) if col == "rate" else None)
            if spec is None and col in _MONEY_COLUMNS:
                spec = ("money", "", Decimal(1))      # money of a unit the form does not say
            if spec is None:
                spec = ("count", "", Decimal(1)) if value is not None else None
            if spec is None or value is None:
                continue
            kind, base, factor = spec
            fields = dict(value=value, unit=unit, value_base=value * factor, base_unit=base or unit,
                          kind=kind, approx=approx, **where)
            if overlap:             # a bare number: the form's column says what it is
                f = replace(overlap[0], **fields)
            else:
                f = Figure.at(text, s, e, doc_id=doc_id, **fields)
            taken[s] = mine[col] = f
            ids.append(f.figure_id)
        rows_out.append(replace(row, figure_ids=tuple(ids)))
    forms = []
    whole = patterns.rx["funds_whole"]
    for form in sorted({r.form for r in rows_out}):
        totals = [t for t in read.totals if t.form == form]
        weight = _total_figure(text, totals[0].weight, "总分", doc_id) if totals else None
        score = _total_figure(text, totals[0].score, "总分", doc_id) if totals else None
        weight, score = ((replace(taken[f.start], indicator="总分", role="total") if f.start in taken else f)
                         if f is not None else None for f in (weight, score))
        for f in (weight, score):
            if f is not None:
                taken[f.start] = f
        mine = [r for r in rows_out if r.form == form]
        forms.append(FormRows(
            form=form, rows=tuple((r, of_cell.get(r.row_id, {})) for r in mine),
            whole=tuple(r.row_id for r in mine if r.row_type == "funds"
                        and whole.fullmatch(read.cells[r.row_id]["label"].key)),
            total_weight=weight, total_score=score,
            reasoned=frozenset(r.row_id for r in mine if r.row_id in read.reasoned)))
    return sorted(taken.values(), key=lambda f: (f.start, f.end)), tuple(rows_out), tuple(forms)
