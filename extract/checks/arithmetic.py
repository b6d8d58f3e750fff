"""Checks that recompute: totals and parts, changes and growth rates, ratios (scores: scores.py)."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Iterator


from ..core.model import CheckResult, Figure
from . import Context, check, forms, unit_slip
from ..core.interval import Interval, exact, fmt, total
from ..core.numbers import MAGNITUDE
from .messages import UNIT_SLIP

AMOUNTS = {"money", "count", "length", "area", "other"}
CHANGE_ROLES = {"delta", "growth_rate", "prior"}
HUNDRED = Decimal(100)


def _name(f: Figure) -> str:
    return f.indicator or f.surface


def _written_factor(ctx: Context, unit: str) -> Decimal:
    """How many base units one written unit is (万元 → 10⁴): a magnitude, then the unit's factor."""
    magnitude = MAGNITUDE[unit[0]] if len(unit) > 1 and unit[0] in MAGNITUDE else 1
    spec = ctx.patterns.units.get(unit[1:] if magnitude != 1 else unit)
    return Decimal(magnitude) * Decimal(spec.factor if spec else 1)


def _unit(ctx: Context, f: Figure, iv: Interval) -> str:
    """An interval in the figure's written unit, with thousands separators, for messages. A
    figure of 0 carries no ratio of base to written value: its unit's factor is looked up."""
    factor = f.value_base / f.value if f.value else _written_factor(ctx, f.unit)
    lo, hi = iv.lo / factor, iv.hi / factor
    places = min(max(-f.value.as_tuple().exponent, 0) if f.value else 2, 6)
    if not hi.is_finite():
        return f"≥{fmt(lo)}{f.unit}"
    mid = (lo + hi) / 2
    return f"{mid.quantize(Decimal(1).scaleb(-places)):,f}{f.unit}"


def _hint(a: Interval, b: Interval) -> str:
    return UNIT_SLIP if unit_slip(a, b) else ""


# -- sum_mismatch ----------------------------------------------------------------------
def _parts_region(ctx: Context, t: Figure) -> tuple[int, int, bool] | None:
    """Where the parts of total `t` are listed: after a cue in its sentence, or in the next
    sentence when that one opens with the cue (…合计5.08万元。其中：…)."""
    p_start, p_end = ctx.period(t.start)
    m = ctx.rx["parts_follow"].search(ctx.text, t.end, p_end)
    if m is None:
        n_start, n_end = ctx.period(p_end)
        m = ctx.rx["parts_follow"].match(ctx.text, n_start + len(ctx.text[n_start:n_end]) - len(ctx.text[n_start:n_end].lstrip()))
        if m is None or n_start < p_end:
            return None
        p_end = n_end
    between = [f for f in ctx.figures_between(t.end, m.start())
               if f.kind == t.kind and f.base_unit == t.base_unit and f.role not in CHANGE_ROLES]
    if between:
        return None
    return m.end(), _bracket_close(ctx.text, t.end, m.start(), m.end(), p_end), m.group().startswith("分别")


def _bracket_close(text: str, after_total: int, cue: int, start: int, end: int) -> int:
    """A list opened inside brackets (57.5万元（其中：…）) ends at the closing bracket."""
    gap = text[after_total:cue]
    if gap.count("（") + gap.count("(") <= gap.count("）") + gap.count(")"):
        return end
    depth = 1
    for i in range(start, end):
        if text[i] in "（(":
            depth += 1
        elif text[i] in "）)":
            depth -= 1
            if depth == 0:
                return i
    return end


def _breakdowns(ctx: Context, t: Figure, start: int, end: int):
    """Groups of top-level parts, each with the positions where a list may end (；), and
    the children of each part (包括…, parentheses). Another total of the same kind ends the
    list when it follows a part past a ；or with no separator at all: 收入…其中…；支出…其中…
    are two breakdowns, each its own relation. A total after 其中 or a comma is a part with
    parts of its own (其中基本支出60万元，包括…)."""
    alike = [f for f in ctx.figures_between(start, end)
             if f.kind == t.kind and f.base_unit == t.base_unit and f.role not in CHANGE_ROLES
             and f.table is None]
    parts: list[Figure] = []
    for f in alike:
        if f.role == "total" and parts:
            between = ctx.text[parts[-1].end:f.start]
            if ";" in between or "；" in between or not ctx.rx["list_separator"].search(between):
                break
        parts.append(f)
    parts = [f for f in parts if f.role != "total"]
    groups: list[list[tuple[Figure, bool]]] = [[]]
    children: dict[Figure, list[Figure]] = defaultdict(list)
    depth, prev, parent = 0, None, None
    for f in parts:
        boundary = False
        if prev is not None:
            between = ctx.text[prev.end:f.start]
            if ctx.rx["breakdown_by"].search(between):
                groups.append([])
                depth = 0
            else:
                opens = between.count("（") + between.count("(")
                closes = between.count("）") + between.count(")")
                if "；" in between or ";" in between:
                    depth, boundary = 0, True
                depth = max(0, depth + opens - closes)
                if ctx.rx["nesting"].search(between) and opens == closes:
                    depth += 1
        if depth == 0:
            groups[-1].append((f, boundary))
            parent = f
        elif parent is not None:
            children[parent].append(f)
        prev = f
    return [g for g in groups if g], children


def _sum_result(ctx: Context, t: Figure, candidates: list[list[Figure]], exhaustive: bool) -> CheckResult:
    stated = ctx.of(t)
    best = None
    for parts in candidates:
        s = total(ctx.of(p) for p in parts)
        full = exhaustive or any(ctx.rx["other_part"].match(p.indicator) for p in parts)
        ok = s.overlaps(stated) if full else s.lo <= stated.hi
        if ok:
            return ctx.result("sum_mismatch", "pass", [t, *parts], stated=stated, expected=s,
                              total_name=_name(t), total=t.surface, parts=_unit(ctx, t, s))
        best = best or (parts, s, full)
    parts, s, full = candidates[-1][:], total(ctx.of(p) for p in candidates[-1]), best[2]
    diff = abs(s.lo + s.hi - stated.lo - stated.hi) / 2
    key = "sum_mismatch.fail" if full else "sum_mismatch.fail_partial"
    return ctx.result("sum_mismatch", "fail", [t, *parts], stated=stated, expected=s, message_key=key,
                      total_name=_name(t), total=t.surface, parts=_unit(ctx, t, s),
                      diff=_unit(ctx, t, exact(diff)), hint=_hint(stated, s))


def _prefixes(group: list[tuple[Figure, bool]]) -> list[list[Figure]]:
    """Where a list of parts may end: before each ；, and at its end."""
    out = []
    for i, (_, boundary) in enumerate(group):
        if boundary and i:
            out.append([f for f, _ in group[:i]])
    out.append([f for f, _ in group])
    return out


def _table_sums(ctx: Context) -> Iterator[CheckResult]:
    """A table's 合计 row against the rows above it, column by column (amounts only)."""
    cells = {(f.table, f.row, f.col): f for f in ctx.figures if f.table is not None}
    for (t, r, c), f in cells.items():
        if f.role != "total" or f.kind not in AMOUNTS:
            continue
        parts, row = [], r - 1
        while (t, row, c) in cells and cells[(t, row, c)].role != "total":
            parts.append(cells[(t, row, c)])
            row -= 1
        if len(parts) >= 2:
            yield _sum_result(ctx, f, [parts[::-1]], exhaustive=True)


@check("sum_mismatch", "error")
def sum_mismatch(ctx: Context) -> Iterator[CheckResult]:
    yield from forms.novel(_sums(ctx), forms.funds_sums(ctx), ctx.forms)


def _sums(ctx: Context) -> Iterator[CheckResult]:
    for t in ctx.figures:
        if t.role != "total" or t.kind not in AMOUNTS or t.table is not None:
            continue
        region = _parts_region(ctx, t)
        if region is None:
            continue
        start, end, respectively = region
        groups, children = _breakdowns(ctx, t, start, end)
        for group in groups:
            if group:
                yield _sum_result(ctx, t, _prefixes(group), exhaustive=respectively)
        for parent, kids in children.items():
            if len(kids) >= 2 or (kids and kids[0].value_base > parent.value_base):
                yield _sum_result(ctx, parent, [kids], exhaustive=False)
    yield from _table_sums(ctx)


# -- growth_mismatch -------------------------------------------------------------------------
def _runs(ctx: Context) -> Iterator[list[Figure]]:
    """Figures of one sentence that speak of the same indicator, one after another."""
    run: list[Figure] = []
    for f in ctx.figures:
        if f.table is not None:
            continue
        if run and (f.indicator != run[-1].indicator or ctx.period(f.start) != ctx.period(run[-1].start)):
            yield run
            run = []
        run.append(f)
    if run:
        yield run


def _signed(f: Figure, iv: Interval) -> Interval:
    return iv.scale(Decimal(-1)) if f.direction == "-" else iv


@check("growth_mismatch", "error")
def growth_mismatch(ctx: Context) -> Iterator[CheckResult]:
    for run in _runs(ctx):
        values = [f for f in run if f.role not in CHANGE_ROLES and f.kind != "percentage_point"]
        if not values or not _name(values[0]):
            continue
        v = values[0]
        same = lambda f: f.kind == v.kind and f.base_unit == v.base_unit
        priors = [f for f in run if f.role == "prior" and same(f)]
        deltas = [f for f in run if f.role == "delta" and (same(f) or (v.kind == "percent" and f.kind == "percentage_point"))]
        rates = [f for f in run if f.role == "growth_rate" and f.kind == "percent" and v.kind != "percent"]
        p, d, r = (priors or [None])[0], (deltas or [None])[0], (rates or [None])[0]
        if sum(x is not None for x in (p, d, r)) < 2:
            continue   # V with P alone, D alone or R alone: nothing two of them could disagree on
        cited = [x for x in (v, p, d, r) if x is not None]
        V = ctx.of(v)
        P = ctx.of(p) if p else None
        D = _signed(d, ctx.of(d)) if d else None
        name = _name(v)
        if P is not None and D is not None and not (P + D).overlaps(V):
            yield ctx.result("growth_mismatch", "fail", cited, stated=V, expected=P + D,
                             message_key="growth_mismatch.prior", name=name, prior=p.surface,
                             delta=d.surface, want=_unit(ctx, v, P + D), value=v.surface, hint=_hint(V, P + D))
            continue
        word = next((x for x in (d, r) if x is not None), None)
        if P is not None and word is not None and word.direction:
            rising = V.lo > P.hi
            falling = V.hi < P.lo
            if (rising and word.direction == "-") or (falling and word.direction == "+"):
                yield ctx.result("growth_mismatch", "fail", cited, stated=V, expected=P,
                                 message_key="growth_mismatch.direction", name=name, prior=p.surface,
                                 value=v.surface, word="增加" if word.direction == "+" else "减少")
                continue
        if r is not None:
            base = P if P is not None else (V - D if D is not None else None)
            change = D if D is not None else (V - P if P is not None else None)
            ratio = change / base if base is not None and change is not None else None
            if ratio is None:
                continue
            expected = ratio.scale(HUNDRED)
            stated = _signed(r, ctx.of(r))
            if not expected.overlaps(stated):
                yield ctx.result("growth_mismatch", "fail", cited, stated=stated, expected=expected,
                                 message_key="growth_mismatch.rate", name=name,
                                 delta=d.surface if d else f"{fmt(change.lo)}~{fmt(change.hi)}",
                                 prior=p.surface if p else _unit(ctx, v, base), want=_percent(expected),
                                 rate=r.surface, hint="")
                continue
        said = ["本年数"] + [w for x, w in ((p, "上年数"), (d, "增减额"), (r, "增幅")) if x is not None]
        yield ctx.result("growth_mismatch", "pass", cited, stated=V, name=name,
                         operands="、".join(said[:-1]) + "与" + said[-1])


def _percent(iv: Interval) -> str:
    return f"{((iv.lo + iv.hi) / 2).quantize(Decimal('0.01'))}%"


# -- rate_mismatch ------------------------------------------------------------------------------
def column_roles(ctx: Context) -> dict[Figure, str]:
    """The role of each table cell by its column: a 合计 row's cell takes the role of the
    cell above it (预算数, 执行数 …), since its own role says only that it is a total."""
    cells = {(f.table, f.row, f.col): f for f in ctx.figures if f.table is not None}
    roles = {}
    for f in ctx.figures:
        if f.table is None:
            continue
        t, c, role, row = f.table, f.col, f.role, f.row - 1
        while role == "total" and row > 0:
            above = cells.get((t, row, c))
            if above is not None and above.role != "total":
                role = above.role
            row -= 1
        roles[f] = role
    return roles


def _rate_result(ctx, name, rate: Figure, num: Figure, den: Figure) -> CheckResult:
    q = ctx.of(num) / ctx.of(den)
    if q is None:
        return ctx.result("rate_mismatch", "not_assessable", [rate, num, den])
    expected, stated = q.scale(HUNDRED), ctx.of(rate)
    status = "pass" if expected.overlaps(stated) else "fail"
    return ctx.result("rate_mismatch", status, [rate, num, den], stated=stated, expected=expected,
                      name=name, rate=rate.surface, numerator=num.surface, denominator=den.surface,
                      want=_percent(expected), hint="")


@check("rate_mismatch", "error")
def rate_mismatch(ctx: Context) -> Iterator[CheckResult]:
    yield from forms.novel(_rates(ctx), forms.funds_rates(ctx), ctx.forms)


def _rates(ctx: Context) -> Iterator[CheckResult]:
    roles = column_roles(ctx)
    rows: dict[tuple[int, int], dict[str, Figure]] = defaultdict(dict)
    for f in ctx.figures:
        if f.table is not None:
            rows[(f.table, f.row)][roles[f]] = f
    for row in rows.values():
        if {"budget", "executed", "execution_rate"} <= set(row):
            name = row["execution_rate"].subject
            yield _rate_result(ctx, name, row["execution_rate"], row["executed"], row["budget"])
    for r in ctx.figures:
        if r.table is not None or r.kind != "percent" or r.row_label:   # a form's cell: checks/forms.py
            continue
        start, _ = ctx.period(r.start)
        before = [f for f in ctx.figures_between(start, r.start) if f.table is None]
        money = [f for f in before if f.kind == "money" and f.role not in CHANGE_ROLES]
        if r.role == "execution_rate":
            budget = [f for f in money if f.role == "budget" or (
                f.role == "total" and "预算" in ctx.text[max(0, f.start - 8):f.start])]
            executed = [f for f in money if f.role == "executed"]
            if budget and executed:
                whole_year = [f for f in budget if ctx.rx["whole_year_budget"].search(ctx.text[max(0, f.start - 8):f.start])]
                yield _rate_result(ctx, r.indicator, r, executed[-1], (whole_year or budget)[0])
            continue
        lead = ctx.text[before[-1].end if before else start:r.start]
        if ctx.rx["completion_rate"].search(lead) or ctx.rx["completion_rate"].search(r.indicator):
            same = [f for f in before if f.kind not in ("percent", "percentage_point") and f.role not in CHANGE_ROLES]
            if len(same) >= 2 and same[-1].kind == same[-2].kind and same[-1].base_unit == same[-2].base_unit:
                yield _rate_result(ctx, r.indicator, r, same[-1], same[-2])
