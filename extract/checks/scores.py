"""Checks that recompute a score sheet: a score over its weight, a total not the sum of its items."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Iterator

from ..core.interval import fmt, total
from ..core.model import CheckResult, Figure
from . import Context, check, forms
from .arithmetic import HUNDRED, _name, column_roles


def _table_scores(ctx: Context):
    roles = column_roles(ctx)
    by_table: dict[int, list[tuple[str, Figure]]] = defaultdict(list)
    for f in ctx.figures:
        if f.table is not None and f.kind == "score":
            by_table[f.table].append((roles[f], f))
    return by_table


@check("score_rule", "notice")
def score_rule(ctx: Context) -> Iterator[CheckResult]:
    yield from forms.score_rules(ctx)


@check("score_over_weight", "error")
def score_over_weight(ctx: Context) -> Iterator[CheckResult]:
    yield from forms.novel(_overs(ctx), forms.row_scores(ctx), ctx.forms)


def _overs(ctx: Context) -> Iterator[CheckResult]:
    for items in _table_scores(ctx).values():
        rows: dict[int, dict[str, Figure]] = defaultdict(dict)
        for role, f in items:
            if f.role != "total" and f.col != 1:
                rows[f.row].setdefault(role, f)
        for row in rows.values():
            if "weight" in row and "score" in row:
                yield _over(ctx, row["score"], row["weight"])
    for f in ctx.figures:
        if f.table is None and f.role == "score":
            start, _ = ctx.period(f.start)
            weights = [w for w in ctx.figures_between(start, f.start)
                       if w.role == "weight" and w.kind == "score" and w.indicator == f.indicator]
            if weights:
                yield _over(ctx, f, weights[-1])


def _over(ctx: Context, score: Figure, weight: Figure) -> CheckResult:
    status = "fail" if ctx.of(score).lo > ctx.of(weight).hi else "pass"
    return ctx.result("score_over_weight", status, [score, weight], stated=ctx.of(score), expected=ctx.of(weight),
                      name=score.subject, score=score.surface, weight=weight.surface)


def _score_total(ctx, name, t: Figure, items: list[Figure]) -> CheckResult:
    s, stated = total(ctx.of(f) for f in items), ctx.of(t)
    status = "pass" if s.overlaps(stated) else "fail"
    diff = abs(s.lo + s.hi - stated.lo - stated.hi) / 2
    return ctx.result("score_total_mismatch", status, [t, *items], stated=stated, expected=s, name=name,
                      total=t.surface, parts=fmt((s.lo + s.hi) / 2), diff=fmt(diff))


@check("score_total_mismatch", "error")
def score_total_mismatch(ctx: Context) -> Iterator[CheckResult]:
    results: list[CheckResult] = []
    for items in _table_scores(ctx).values():
        for role in ("weight", "score"):
            cells = [f for r, f in items if r == role and f.col != 1]
            totals = [f for f in cells if f.role == "total"]
            parts = [f for f in cells if f.role != "total"]
            for t in totals:
                if len(parts) >= 2:
                    results.append(_score_total(ctx, "分值合计" if role == "weight" else "得分合计", t, parts))
        results.extend(_blocks(ctx, items))
    for t in ctx.figures:
        if t.table is None and t.kind == "score" and t.role == "total" and not t.row_label:
            start, _ = ctx.period(t.start)
            near = ctx.figures_between(start, t.start)
            scores = [f for f in near if f.role == "score" and f.kind == "score"]
            weights = [f for f in near if f.role == "weight" and f.kind == "score"]
            after = [f for f in ctx.figures_between(t.end, ctx.period(t.start)[1]) if f.kind == "score"]
            if t.value == HUNDRED and len(weights + [f for f in after if f.role == "weight"]) >= 2:
                results.append(_score_total(ctx, "分值合计", t, weights + [f for f in after if f.role == "weight"]))
            elif len(scores) >= 2:
                results.append(_score_total(ctx, _name(t), t, scores))
    yield from forms.novel(_merge_same_total(results), forms.score_totals(ctx), ctx.forms)


def _blocks(ctx: Context, items: list[tuple[str, Figure]]) -> list[CheckResult]:
    """产出指标（50分）: a first-level block's items sum to the block's weight."""
    out = []
    heads = sorted((f for _, f in items if f.col == 1 and f.role == "weight"), key=lambda f: f.row)
    weights = sorted((f for r, f in items if r == "weight" and f.col != 1 and f.role != "total"), key=lambda f: f.row)
    for i, head in enumerate(heads):
        end = heads[i + 1].row if i + 1 < len(heads) else None
        block = [w for w in weights if w.row >= head.row and (end is None or w.row < end)]
        totals = [f for _, f in items if f.role == "total"]
        if totals:
            last = min(t.row for t in totals)
            block = [w for w in block if w.row < last]
        if len(block) >= 2:
            out.append(_score_total(ctx, _name(head), head, block))
    return out


def _merge_same_total(results: list[CheckResult]) -> list[CheckResult]:
    """The text and the table state one total score: one flag when both disagree with the items."""
    fails = [r for r in results if r.status == "fail"]
    merged, seen = [], set()
    for r in results:
        if r.status != "fail":
            merged.append(r)
            continue
        if id(r) in seen:
            continue
        twins = [o for o in fails if o is not r and o.stated == r.stated and id(o) not in seen]
        if twins:
            ids = tuple(dict.fromkeys(r.figure_ids + tuple(i for o in twins for i in o.figure_ids)))
            seen.update(id(o) for o in twins)
            r = replace(r, figure_ids=ids)
        merged.append(r)
    return merged
