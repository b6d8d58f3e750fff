"""A flag's arithmetic as a sentence a reviewer can check by hand, in the report's own unit:

    各项之和12,549.35万元，比合计12,486.35万元多63.00万元；按各数的书写精度，误差至多±0.03万元

checks.csv keeps the two sides as intervals in base units (元, %); the sentence takes their
middles in the unit the report wrote the stated figure in, with thousands separators, to
the decimals the report wrote, and the tolerance (the two sides' half-widths) rounded up.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, ROUND_UP, Decimal, InvalidOperation
from typing import Mapping, Sequence

from ..core.interval import Interval

# Per check: what the recomputed side and the stated side are called.
SIDES = {
    "sum_mismatch": ("各项之和", "{name}"),
    "score_total_mismatch": ("各项之和", "{name}"),
    "growth_mismatch": ("上年数加增减额", "本年数"),
    "growth_rate": ("按增减额与上年数算得的增长率", "报告的增长率"),
    "rate_mismatch": ("按分子除以分母算得", "报告的比率"),
    "score_over_weight": ("分值", "得分"),
    "conflicting_repeat": ("前一处", "后一处"),
    "target_unmet": ("目标值", "实际值"),
    "cross_year_mismatch": ("上年报告所载", "本报告所示上年数"),
}
_BANDS = ("percent_out_of_range",)
STATED_FIRST = ("score_over_weight", "target_unmet")   # read better as "得分…，比分值…多…"


def _interval(text) -> Interval | None:
    try:
        iv = Interval.parse(str(text or ""))
    except ValueError:
        return None
    return iv if iv.lo.is_finite() and iv.hi.is_finite() else None


def _dec(text) -> Decimal | None:
    try:
        d = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _places(f: Mapping) -> int:
    v = _dec(f.get("value"))
    return max(-v.as_tuple().exponent, 0) if v is not None else 0


def amount(d: Decimal, places: int, unit: str = "") -> str:
    """12549.35 -> `12,549.35万元`: separators, the report's decimals, its unit."""
    q = d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{q:,.{places}f}"
    return ("0" + text[2:] if text.startswith("-0") and not q else text) + unit


def _unit_of(flag: Mapping, stated: Interval, operands: Sequence[Mapping]) -> tuple[Decimal, str, int]:
    """(factor from base to shown unit, shown unit, decimals): from the operand that states
    the stated side (its value in base units lies in that interval), else the first."""
    places = max((_places(f) for f in operands), default=0)
    if flag.get("check") == "cross_year_mismatch" and operands:     # sides in the panel's unit
        return Decimal(1), str(operands[0].get("unit") or ""), places
    for f in operands:
        base, value = _dec(f.get("value_base")), _dec(f.get("value"))
        if base is not None and value is not None and (stated.lo <= base <= stated.hi
                                                       or stated.lo <= -base <= stated.hi):
            return (base / value if value else Decimal(1)), str(f.get("unit") or ""), places
    if operands:
        f = operands[0]
        base, value = _dec(f.get("value_base")), _dec(f.get("value"))
        if base is not None and value:
            return base / value, str(f.get("unit") or ""), places
    return Decimal(1), "", places


def sentence(flag: Mapping, operands: Sequence[Mapping]) -> str:
    """The flag's two sides compared in words, or "" when it has no arithmetic."""
    check = str(flag.get("check") or "")
    stated, expected = _interval(flag.get("stated")), _interval(flag.get("expected"))
    if stated is None or expected is None:
        return ""
    factor, unit, places = _unit_of(flag, stated, operands)
    if unit == "%":
        places = max(places, 2)
    show = lambda d: amount(d / factor, places, unit)
    s_mid, e_mid = (stated.lo + stated.hi) / 2, (expected.lo + expected.hi) / 2
    if check in _BANDS:
        own = max((_places(f) for f in operands[:1]), default=0)
        return (f"{amount(s_mid / factor, own, unit)}超出了{amount(expected.lo / factor, 0, unit)}"
                f"至{amount(expected.hi / factor, 0, unit)}的范围")
    if check == "conflicting_repeat":
        slip = _written(stated, operands), _written(expected, operands)
        if all(slip) and slip[0].get("unit") != slip[1].get("unit"):
            return (f"前一处写作{slip[1].get('surface')}，后一处写作{slip[0].get('surface')}："
                    f"数字相同而单位不同，很可能有一处单位写错")
    if check == "enumeration_count":
        return f"宣布{amount(s_mid, 0)}项，随后列出{amount(e_mid, 0)}项"
    key = check
    if check == "growth_mismatch" and unit == "%":
        key = "growth_rate"
    if check == "growth_mismatch" and "方向" in str(flag.get("message") or ""):
        word = "高于" if s_mid > e_mid else "低于"
        return f"本年数{show(s_mid)}{word}上年数{show(e_mid)}，与报告所写的增减方向相反"
    names = SIDES.get(key, ("算得", "报告"))
    name = _name(flag, operands) or "合计"
    left, right = names[0], names[1].format(name=name)
    diff = e_mid - s_mid
    gap = "多" if diff > 0 else "少"
    diff_unit = "个百分点" if unit == "%" else unit
    tolerance = (stated.hi - stated.lo + expected.hi - expected.lo) / 2 / factor
    tol = tolerance.quantize(Decimal(1).scaleb(-places), rounding=ROUND_UP)
    if check in STATED_FIRST:
        out = (f"{right}{show(s_mid)}，比{left}{show(e_mid)}{'少' if diff > 0 else '多'}"
               f"{amount(abs(diff) / factor, places, diff_unit)}")
    else:
        out = (f"{left}{show(e_mid)}，比{right}{show(s_mid)}{gap}"
               f"{amount(abs(diff) / factor, places, diff_unit)}")
    if tolerance > 0:
        out += f"；按各数的书写精度，误差至多±{amount(tol, places, diff_unit)}"
    elif check not in ("score_over_weight",):
        out += "；各数均为精确值"
    return out


def _written(side: Interval, operands: Sequence[Mapping]) -> Mapping | None:
    """The operand whose value (in base units) lies in `side`."""
    for f in operands:
        base = _dec(f.get("value_base"))
        if base is not None and side.lo <= base <= side.hi:
            return f
    return None


def _name(flag: Mapping, operands: Sequence[Mapping]) -> str:
    """What the stated figure is called: a total's indicator (合计 rows: 执行数合计 …)."""
    for f in operands:
        if f.get("role") == "total" and f.get("indicator"):
            return str(f["indicator"])
    return ""
