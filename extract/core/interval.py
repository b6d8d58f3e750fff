"""Interval arithmetic on reported numbers (docs/checks.md, "Rounding tolerance").

A value written with d decimals stands for [v − ½·10⁻ᵈ, v + ½·10⁻ᵈ]; counts, zeros and
whole-number scores are exact; 约/近 widen to ±5 %, 余/多 to the next step of the last
written digit (70余 ∈ [70, 80)), 以上/超过 and ≥ leave the top open. Sums add the
half-widths; quotients take the extreme ratios. Decimal throughout, never an epsilon.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

INF = Decimal("Infinity")
ZERO = Decimal(0)
_FIVE_PERCENT = Decimal("0.05")


@dataclass(frozen=True, slots=True)
class Interval:
    lo: Decimal
    hi: Decimal

    def __add__(self, other: "Interval") -> "Interval":
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: "Interval") -> "Interval":
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def scale(self, k: Decimal) -> "Interval":
        a, b = self.lo * k, self.hi * k
        return Interval(min(a, b), max(a, b))

    def __truediv__(self, other: "Interval") -> "Interval | None":
        """Quotient by a positive interval; None when the divisor may be zero or negative."""
        if other.lo <= 0:
            return None
        ends = [self.lo / other.lo, self.lo / other.hi]
        ends += [self.hi / other.lo if self.hi != INF else INF, self.hi / other.hi if self.hi != INF else INF]
        return Interval(min(ends), max(ends))

    def overlaps(self, other: "Interval") -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    @property
    def half_width(self) -> Decimal:
        return (self.hi - self.lo) / 2 if self.hi != INF else INF

    def __str__(self) -> str:
        return f"[{fmt(self.lo)}, {fmt(self.hi)}]"

    @classmethod
    def parse(cls, text: str) -> "Interval":
        """The inverse of `str()`: `[a, b]` (either end may be `∞`/`-∞`), or one bound `a`.

        Raises ValueError on anything else, never InvalidOperation."""
        body = text.strip()
        if body.startswith("[") and body.endswith("]"):
            lo, sep, hi = body[1:-1].partition(",")
            if not sep:
                raise ValueError(f"not an interval: {text!r}")
            return cls(parse_bound(lo), parse_bound(hi))
        v = parse_bound(body)
        return cls(v, v)


def exact(v: Decimal) -> Interval:
    return Interval(v, v)


def fmt(d: Decimal) -> str:
    """For reading: at most 4 decimals (the arithmetic itself is never rounded)."""
    if d in (INF, -INF):
        return "∞" if d > 0 else "-∞"
    if d.as_tuple().exponent < -4:
        d = d.quantize(Decimal("0.0001"))
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def parse_bound(text: str) -> Decimal:
    """One end as `fmt` writes it: a decimal, `∞` or `-∞`."""
    t = text.strip()
    if t in ("∞", "+∞", "inf", "Infinity"):
        return INF
    if t in ("-∞", "-inf", "-Infinity"):
        return -INF
    try:
        d = Decimal(t)
    except ArithmeticError as e:
        raise ValueError(f"not a number: {text!r}") from e
    if d.is_nan():
        raise ValueError(f"not a number: {text!r}")
    return d


def _step(value: Decimal) -> Decimal:
    """余/多: 5000余 → 1000, 70余 → 10, 1,460余 → 10, 12余 → 1."""
    integer = int(value)
    if value != integer or integer == 0:
        return Decimal(1)
    zeros = len(str(integer)) - len(str(integer).rstrip("0"))
    return Decimal(10) ** zeros


def _is_exact(f) -> bool:
    if f.value == 0 and f.value.as_tuple().exponent >= 0:
        return True  # "0万元" says nothing was spent; "0.0%" is a rounded value
    if f.kind == "count":
        return f.unit[:1] not in "万亿"
    return f.kind == "score" and f.value == f.value.to_integral_value() and f.value.as_tuple().exponent >= 0


def of(f) -> Interval:
    """The values a figure (a `model.Figure`, which builds on this module) can stand for, in
    its base unit."""
    v = f.value
    factor = f.value_base / v if v else Decimal(1)
    if f.approx == "approx":
        iv = Interval(v * (1 - _FIVE_PERCENT), v * (1 + _FIVE_PERCENT))
    elif f.approx == "more_than":
        iv = Interval(v, v + _step(v)) if ("余" in f.surface or "多" in f.surface) else Interval(v, INF)
    elif f.approx == "at_least":
        iv = Interval(v, INF)
    elif f.approx in ("less_than", "at_most"):
        iv = Interval(ZERO, v)
    elif _is_exact(f):
        iv = exact(v)
    else:
        exponent = v.as_tuple().exponent
        half = Decimal(5) * Decimal(10) ** (min(exponent, 0) - 1)
        iv = Interval(v - half, v + half)
    return iv.scale(factor)


def total(intervals) -> Interval:
    out = exact(ZERO)
    for iv in intervals:
        out = out + iv
    return out
