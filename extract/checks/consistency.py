"""Checks that compare statements: repeats, ranges, announced counts, tense, targets, headings."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Iterator


from ..core.interval import Interval
from ..core.model import CheckResult, Figure
from ..analyse.structure import cn_int
from . import Context, check, forms, unit_slip
from .messages import UNIT_SLIP

_REPEAT_ROLES = {"", "total", "part", "executed", "budget", "actual"}
_BOUNDS = {"at_least", "at_most", "less_than"}   # 不低于180人, 不超过5万元, 以内: a limit, not a value
_AMOUNTS = {"money", "count", "length", "area", "other"}
_CN = "零一二三四五六七八九十"
_SHARE_RANGE = Interval(Decimal(0), Decimal(100))


def _key(ctx: Context, f: Figure) -> str:
    return ctx.rx["repeat_scope"].sub("", f.indicator).strip("“”")


@check("conflicting_repeat", "warning")
def conflicting_repeat(ctx: Context) -> Iterator[CheckResult]:
    groups: dict[tuple[str, str, str], list[Figure]] = defaultdict(list)
    for f in ctx.figures:
        if (f.table is None and f.role in _REPEAT_ROLES and f.kind in _AMOUNTS and f.approx not in _BOUNDS
                and len(_key(ctx, f)) >= 2):
            heading = ctx.layout.heading_at(f.start)
            if heading and "目标" in heading.title and "完成" not in heading.title:
                continue
            groups[(_key(ctx, f), f.kind, f.base_unit)].append(f)
    for (name, _, _), figures in groups.items():
        if len(figures) < 2:
            continue
        first = figures[0]
        # One sentence does not state one quantity twice: two values under one name there are
        # two breakdowns (收到…其中中央资金…；支出…其中中央资金…), not a repeat.
        odd = [f for f in figures[1:] if not ctx.of(f).overlaps(ctx.of(first)) and _same_number_garbled(ctx, first, f)
               and ctx.period(f.start) != ctx.period(first.start)]
        if not odd:
            yield ctx.result("conflicting_repeat", "pass", figures, name=name)
            continue
        hint = UNIT_SLIP if unit_slip(ctx.of(first), ctx.of(odd[0])) else ""
        yield ctx.result("conflicting_repeat", "fail", figures, stated=ctx.of(odd[0]), expected=ctx.of(first),
                         name=name, first=first.surface, second=odd[0].surface, hint=hint)


def _digits(f: Figure) -> str:
    return format(f.value.normalize(), "f").replace(".", "").lstrip("0")


def _same_number_garbled(ctx: Context, a: Figure, b: Figure) -> bool:
    """Two statements of one quantity that cannot both be true usually differ as a typo
    does: amounts within 5 %, one digit changed or two swapped, or a unit slip of 10⁴/10⁸.
    Values further apart under one name more often speak of different scopes."""
    x, y = a.value_base, b.value_base
    if a.kind == "money" and x and y and abs(x - y) <= Decimal("0.05") * max(abs(x), abs(y)):
        return True
    if unit_slip(ctx.of(a), ctx.of(b)):
        return True
    da, db = _digits(a), _digits(b)
    if len(da) != len(db) or len(da) < 3:
        return False
    diff = [i for i, (p, q) in enumerate(zip(da, db)) if p != q]
    return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1 and sorted(da) == sorted(db))


@check("percent_out_of_range", "warning")
def percent_out_of_range(ctx: Context) -> Iterator[CheckResult]:
    for f in ctx.figures:
        if f.kind != "percent" or f.role in ("growth_rate", "delta") or not ctx.rx["bounded_share"].search(f.indicator):
            continue
        if _fused(ctx.text, f):
            yield ctx.result("percent_out_of_range", "not_assessable", [f], message_key="percent_out_of_range.fused",
                             name=f.indicator, value=f.surface)
            continue
        status = "fail" if ctx.of(f).lo > 100 else "pass"
        yield ctx.result("percent_out_of_range", status, [f], stated=ctx.of(f), expected=_SHARE_RANGE, within=True,
                         name=f.indicator, value=f.surface)


# Characters that glue a number to the next cell's when an export drops the separators
# (90%290%40, 880%^80%): a percent with one of them beside it may hold another cell's digits.
_GLUE = set("0123456789%$^")


def _fused(text: str, f: Figure) -> bool:
    before = text[f.start - 1] if f.start > 0 else ""
    after = text[f.end] if f.end < len(text) else ""
    return before in _GLUE and before != "" or after in _GLUE and after != ""


@check("enumeration_count", "warning")
def enumeration_count(ctx: Context) -> Iterator[CheckResult]:
    for f in ctx.figures:
        if f.kind != "count" or f.table is not None or f.value > 20 or f.value < 2:
            continue
        if ctx.rx["count_closes_list"].search(ctx.text, max(0, f.start - 2), f.start):
            continue   # 甲、乙、丙等12个科室: the count sums up the list before it
        paren = ctx.rx["paren_list"].match(ctx.text, f.end + len(_noun_after(ctx, f.end)))
        if paren:
            listed = len(ctx.rx["list_separator"].split(paren.group(1)))
            if listed < 2:
                continue   # one item in brackets is a gloss (共15个（含…5个）), not the list announced
        else:
            listed = _items_after(ctx, f.end)
        if listed is None:
            continue
        status = "pass" if listed == f.value else "fail"
        yield ctx.result("enumeration_count", status, [f], stated=f.value, expected=Decimal(listed),
                         surface=f.surface + _noun_after(ctx, f.end), announced=f.value, listed=listed)


def _noun_after(ctx: Context, pos: int) -> str:
    m = ctx.rx["noun_after_count"].match(ctx.text[pos:pos + 8])
    return m.group() if m else ""


def _items_after(ctx: Context, pos: int) -> int | None:
    """一是…二是…三是…: the number of items listed right after an announced count."""
    text, item = ctx.text, ctx.rx["list_item"]
    line_end = text.find("\n", pos)
    line_end = len(text) if line_end < 0 else line_end
    first = item.search(text, pos, min(line_end, pos + 80))
    if not first or cn_int(first.group(1)) != 1:
        return None
    n = 1
    for m in item.finditer(text, first.end(), line_end):
        if cn_int(m.group(1)) == n + 1:
            n += 1
    return n


@check("stale_forecast", "warning")
def stale_forecast(ctx: Context) -> Iterator[CheckResult]:
    if ctx.year is None:
        return
    stale: list[tuple[int, int, str]] = []
    start = 0
    while start < len(ctx.text):
        p_start, p_end = ctx.period(start)
        sentence = ctx.text[p_start:p_end]
        future = ctx.rx["future_tense"].search(sentence)
        words = ""
        if future and (future.group(1) is None or int(future.group(1)) == ctx.year):
            words = future.group()
        elif ctx.rx["until_now"].search(sentence):
            words = ctx.rx["until_now"].search(sentence).group()
        if words:
            stale.append((p_start, p_end, words))
        start = max(p_end, start + 1)
    merged: list[list] = []
    for s, e, words in stale:
        if merged and not ctx.text[merged[-1][1]:s].strip():
            merged[-1][1] = e
            merged[-1][2].append(words)
        else:
            merged.append([s, e, [words]])
    for s, e, words in merged:
        figures = ctx.figures_between(s, e)
        if not figures:
            ps, _ = ctx.period(max(0, s - 1))
            if "\n" not in ctx.text[ps:s]:
                figures = ctx.figures_between(ps, s)
        yield ctx.result("stale_forecast", "fail", figures, at=s, key=str(s), year=ctx.year,
                         words="、".join(dict.fromkeys(words)))


@check("target_unmet", "warning")
def target_unmet(ctx: Context) -> Iterator[CheckResult]:
    yield from forms.novel(_table_targets(ctx), forms.targets(ctx), ctx.forms)


def _table_targets(ctx: Context) -> Iterator[CheckResult]:
    from .arithmetic import column_roles

    roles = column_roles(ctx)
    rows: dict[tuple[int, int], dict[str, Figure]] = defaultdict(dict)
    for f in ctx.figures:
        if f.table is not None:
            rows[(f.table, f.row)].setdefault(roles[f], f)
    for row in rows.values():
        target, actual = row.get("target"), row.get("actual")
        if not target or not actual or target.kind != actual.kind or target.base_unit != actual.base_unit:
            continue
        t, a = ctx.of(target), ctx.of(actual)
        if target.approx in ("at_most", "less_than") or (target.approx == "exact" and ctx.rx["lower_is_better"].search(target.indicator)):
            met = a.lo <= t.hi
        else:
            met = a.hi >= t.lo
        weight, score = row.get("weight"), row.get("score")
        scored = weight is not None and score is not None
        full = scored and ctx.of(score).lo >= ctx.of(weight).hi
        # Four outcomes, each said as what was verified: met; unmet with full marks (the flag);
        # unmet and marked down (consistent); unmet with no score to judge (not assessable).
        if met:
            status, key = "pass", "target_unmet.pass"
        elif full:
            status, key = "fail", "target_unmet.fail"
        elif scored:
            status, key = "pass", "target_unmet.pass_marked_down"
        else:
            status, key = "not_assessable", "target_unmet.unscored"
        cited = [x for x in (target, actual, score, weight) if x is not None]
        yield ctx.result("target_unmet", status, cited, stated=a, expected=t, message_key=key,
                         name=target.subject, actual=actual.surface, target=target.surface,
                         score=score.surface if score else "", weight=weight.surface if weight else "")


@check("period_mismatch", "warning")
def period_mismatch(ctx: Context) -> Iterator[CheckResult]:
    if ctx.year is None:
        return
    for m in ctx.rx["compare_year"].finditer(ctx.text):
        other = int(m.group(1))
        if other in (ctx.year, ctx.year - 1):
            continue
        p_start, p_end = ctx.period(m.start())
        yield ctx.result("period_mismatch", "fail", ctx.figures_between(p_start, p_end), at=m.start(),
                         key=str(m.start()), year=ctx.year, other=other, prior=ctx.year - 1)


@check("heading_sequence", "notice")
def heading_sequence(ctx: Context) -> Iterator[CheckResult]:
    headings = ctx.layout.headings
    numbered_top = [h for h in headings if h.level == 1 and h.label]
    last: dict[int, tuple[int, str] | None] = {}
    flagged = False
    for i, h in enumerate(headings):
        for deeper in [lv for lv in last if lv > h.level]:
            del last[deeper]
        if h.level == 1 and not h.label:
            before = [x for x in numbered_top if x.start < h.start]
            after = [x for x in numbered_top if x.start > h.start]
            if before and after:
                flagged = True
                yield ctx.result("heading_sequence", "fail", at=h.start, key=f"unnumbered@{h.start}",
                                 message_key="heading_sequence.unnumbered", current=h.title,
                                 previous=before[-1].title)
                number = before[-1].number
                last[1] = (number + 1, h.title) if number is not None else None
            continue
        if h.number is None:
            continue
        previous = last.get(h.level)
        last[h.level] = (h.number, h.title)
        if previous is None:
            continue
        p_number, p_title = previous
        if h.number == p_number + 1:
            continue
        kind = "repeat" if h.number == p_number else ("restart" if h.number < p_number else "skip")
        flagged = True
        yield ctx.result("heading_sequence", "fail", at=h.start, key=f"{kind}@{h.start}",
                         message_key=f"heading_sequence.{kind}", previous=p_title, current=h.title)
    if headings and not flagged:
        yield ctx.result("heading_sequence", "pass", at=headings[0].start)
