"""The form's own checks (docs/forms.md): its funds block and its indicator rows, read by
`analyse/forms.py`, recomputed cell by cell.

Each function yields results under an existing check name (sum_mismatch, rate_mismatch,
score_over_weight, score_total_mismatch, target_unmet) and is called by that check, so a
form and a prose table are judged by one rule. A result cites the cells' figures and the
row's `row_id` (its `key`); where a table check already judged the same cells, the form's
result is dropped (`novel`).
"""
from __future__ import annotations

from decimal import Decimal
from typing import Iterable, Iterator

from ..core.interval import fmt, total
from ..core.model import CheckResult

_MONEY = ("initial", "budget", "executed")
_HEADS = {"initial": "年初预算数", "budget": "全年预算数", "executed": "全年执行数"}
HUNDRED = Decimal(100)


def novel(done: Iterable[CheckResult], mine: Iterable[CheckResult], forms) -> Iterator[CheckResult]:
    """The table check's results that touch no cell of a read form, then the form's own: where
    a form was read, its rows and columns say which cells go together, better than a table's
    columns counted across merged and empty cells."""
    cells = {f.figure_id for form in forms for _, row in form.rows for f in row.values()}
    cells |= {f.figure_id for form in forms for f in (form.total_weight, form.total_score) if f is not None}
    for r in done:
        if not cells & set(r.figure_ids):
            yield r
    yield from mine


def funds_sums(ctx) -> Iterator[CheckResult]:
    """年度资金总额 = 其中 rows, column by column. A total of 0 over non-zero parts always fails,
    and so do parts that exceed their total; the sum must equal the total only where the
    standard three parts (当年财政拨款, 上年结转, 其他资金) or more are listed, a part left
    empty (—) being 0 — a form that lists fewer may hold parts the reader does not know."""
    for form in ctx.forms:
        rows = {r.row_id: (r, cells) for r, cells in form.rows if r.row_type == "funds"}
        for whole in form.whole:
            if whole not in rows:
                continue
            t_row, t_cells = rows[whole]
            parts = [(r, c) for rid, (r, c) in rows.items() if rid not in form.whole]
            for col in _MONEY:
                t = t_cells.get(col)
                items = [c[col] for _, c in parts if col in c]
                if t is None or not items:
                    continue
                s, stated = total(ctx.of(f) for f in items), ctx.of(t)
                if s.overlaps(stated):
                    status = "pass"
                elif stated.hi == 0 or s.lo > stated.hi or len(parts) >= 3:
                    status = "fail"
                else:
                    status = "pass"
                factor = next((f.value_base / f.value for f in (t, *items) if f.value), Decimal(1))
                diff = abs(s.lo + s.hi - stated.lo - stated.hi) / 2 / factor
                yield ctx.result("sum_mismatch", status, [t, *items], stated=stated, expected=s,
                                 key=t_row.row_id, total_name=f"{t_row.level3}{_HEADS[col]}",
                                 total=t.surface + t.unit, parts="+".join(f.surface for f in items) + t.unit,
                                 diff=fmt(diff) + t.unit, hint="",
                                 message_key="sum_mismatch.fail" if status == "fail" else "sum_mismatch.pass")


def funds_rates(ctx) -> Iterator[CheckResult]:
    """执行率 = 全年执行数 / 全年预算数 on every funds row that writes all three."""
    for form in ctx.forms:
        for row, cells in form.rows:
            rate, num, den = cells.get("rate"), cells.get("executed"), cells.get("budget")
            if row.row_type != "funds" or not (rate and num and den):
                continue
            q = ctx.of(num) / ctx.of(den)
            if q is None:
                continue
            expected, stated = q.scale(HUNDRED), ctx.of(rate)
            status = "pass" if expected.overlaps(stated) else "fail"
            yield ctx.result("rate_mismatch", status, [rate, num, den], stated=stated, expected=expected,
                             key=row.row_id, name=f"{row.level3}执行率", rate=rate.surface,
                             numerator=num.surface, denominator=den.surface,
                             want=f"{fmt((expected.lo + expected.hi) / 2)}%", hint="")


def row_scores(ctx) -> Iterator[CheckResult]:
    """Each row's 得分 within its 分值."""
    for form in ctx.forms:
        for row, cells in form.rows:
            score, weight = cells.get("score"), cells.get("weight")
            if score and weight:
                status = "fail" if ctx.of(score).lo > ctx.of(weight).hi else "pass"
                yield ctx.result("score_over_weight", status, [score, weight], stated=ctx.of(score),
                                 expected=ctx.of(weight), key=row.row_id, name=row.level3,
                                 score=score.surface, weight=weight.surface)


def score_totals(ctx) -> Iterator[CheckResult]:
    """总分 = Σ the rows' 得分 (the funds row's included; 其中 sub-rows hold no points of their
    own), and the weights' total = Σ 分值."""
    for form in ctx.forms:
        for col, t, name in (("score", form.total_score, "总分"), ("weight", form.total_weight, "分值合计")):
            items = [cells[col] for _, cells in form.rows if col in cells]
            if t is None or len(items) < 2:
                continue
            s, stated = total(ctx.of(f) for f in items), ctx.of(t)
            status = "pass" if s.overlaps(stated) else "fail"
            yield ctx.result("score_total_mismatch", status, [t, *items], stated=stated, expected=s,
                             key=f"form{form.form}-{col}", name=name, total=t.surface,
                             parts=fmt((s.lo + s.hi) / 2), diff=fmt(abs(s.lo + s.hi - stated.lo - stated.hi) / 2))


def targets(ctx) -> Iterator[CheckResult]:
    """A row whose actual misses its target: full marks, or no 偏差原因 where the form has
    the column for it, is a flag."""
    for form in ctx.forms:
        for row, cells in form.rows:
            if row.row_type != "indicator" or row.met == "unknown":
                continue
            target = cells.get("tvalue") or cells.get("target")
            actual = cells.get("actual")
            cited = [f for f in (target, actual, cells.get("score"), cells.get("weight")) if f is not None]
            if not target or not actual:
                continue
            common = dict(stated=ctx.of(actual), expected=ctx.of(target), key=row.row_id,
                          name=row.level3, actual=row.actual, target=row.target,
                          score=row.score, weight=row.weight)
            if row.met == "yes":
                yield ctx.result("target_unmet", "pass", cited, **common)
                continue
            score, weight = cells.get("score"), cells.get("weight")
            full = score is not None and weight is not None and ctx.of(score).lo >= ctx.of(weight).hi
            if full:
                yield ctx.result("target_unmet", "fail", cited, **common)
            elif (score is None or weight is None) and not (row.row_id in form.reasoned and not row.reason):
                yield ctx.result("target_unmet", "not_assessable", cited, message_key="target_unmet.unscored",
                                 **common)
            elif not row.reason and row.row_id in form.reasoned:
                yield ctx.result("target_unmet", "fail", cited, message_key="target_unmet.no_reason", **common)
            else:
                yield ctx.result("target_unmet", "pass", cited, message_key="target_unmet.pass_marked_down",
                                 **common)



_HALF = Decimal("0.5")


def score_rules(ctx) -> Iterator[CheckResult]:
    """The points against the standard form's own rule: the whole funds row's 得分 = 执行率 ×
    分值, capped at 分值. A 得分 written without decimals may be the product rounded to whole
    points, so it stands for ±0.5 here. A row that meets its target and still loses points is
    not flagged: marking down is the scorer's judgement, not a contradiction of the form."""
    for form in ctx.forms:
        for row, cells in form.rows:
            rate, weight, score = cells.get("rate"), cells.get("weight"), cells.get("score")
            if row.row_type == "funds" and row.row_id in form.whole and rate and weight and score:
                w = weight.value_base
                want = ctx.of(rate).scale(w / HUNDRED)
                want = type(want)(min(want.lo, w), min(want.hi, w))
                got = ctx.of(score)
                if "." not in score.surface:
                    got = type(got)(got.lo - _HALF, got.hi + _HALF)
                status = "pass" if got.overlaps(want) else "fail"
                yield ctx.result("score_rule", status, [score, rate, weight], stated=got, expected=want,
                                 within=True, key=row.row_id, message_key=f"score_rule.rate_{status}",
                                 name=row.level3, score=score.surface, rate=rate.surface,
                                 weight=weight.surface, want=fmt(min(w, rate.value_base * w / HUNDRED)))
