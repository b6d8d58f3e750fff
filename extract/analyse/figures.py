"""Find the figures of a text: number, unit, kind, qualifier and base value.

The recognizer reads a one-for-one normalised copy of the text (full-width digits and
punctuation to half-width, odd spaces to plain spaces), so every offset it finds is an
offset of the original; surfaces are always cut from the original text. Zero-width
characters (1\u200b000万元) are dropped before reading and the spans mapped back.
What a figure measures (indicator, role, direction) is added by `context.py`; table cells
by `tables.py`.
"""
from __future__ import annotations

import logging
from bisect import bisect_left
from dataclasses import replace
from decimal import Decimal, InvalidOperation

import regex

from ..core.model import Figure
from ..core.numbers import (CN_DIGITS, MAGNITUDE, PLACE_ONLY, NotANumber, normalise, original_span,
                            parse_number, without_zero_width)
from ..core.patterns import Patterns

log = logging.getLogger(__name__)


def _excluded_spans(patterns: Patterns, scan: str) -> tuple[list[int], list[int]]:
    starts, ends = [], []
    for m in patterns.exclusion.finditer(scan):
        if m.end() > m.start():
            starts.append(m.start())
            ends.append(m.end())
    return starts, ends


def _overlaps(spans: tuple[list[int], list[int]], s: int, e: int) -> bool:
    starts, ends = spans
    i = bisect_left(ends, s + 1)  # first exclusion ending after s
    return i < len(starts) and starts[i] < e


class Recognizer:
    """Figures of one text; a fresh instance per text, patterns shared and read-only."""

    def __init__(self, patterns: Patterns, text: str, strict: bool = False):
        self.p = patterns
        self.text = text
        self.scan = normalise(text)            # what annotate() reads: offsets of `text`
        # the recognizer reads the text without zero-width characters (1\u200b000万元 is
        # 1000万元); its spans are mapped back to `text` by original_span
        self._text, self._offsets = without_zero_width(text)
        self._scan = normalise(self._text) if self._offsets else self.scan
        self.strict = strict
        self._excluded = _excluded_spans(patterns, self._scan)

    def figures(self) -> list[Figure]:
        out: list[Figure] = []
        for m in self.p.figure.finditer(self._scan):
            try:
                fig = self._figure(m)
            except NotANumber:
                continue
            except (InvalidOperation, ValueError, TypeError, KeyError) as e:
                log.info("unparsable figure %r at %d: %s", m.group(), m.start(), e)
                if self.strict:
                    raise
                continue
            if fig is None:
                continue
            out.extend(self._respectively(fig))
            out.append(fig)
        out = self._wan_money(out)
        if self._offsets is None:
            return out
        return [self._original(f) for f in out]

    def _original(self, fig: Figure) -> Figure:
        start, end = original_span(self._offsets, fig.start, fig.end)
        return replace(fig, start=start, end=end, surface=self.text[start:end])

    def _wan_money(self, found: list[Figure]) -> list[Figure]:
        """资金8.5万: a number + 万 next to a money word, where no other figure stands."""
        extra = []
        for m in self.p.rx["wan_money"].finditer(self._scan):
            s, e = m.span()
            if _overlaps(self._excluded, s, e) or any(f.start < e and s < f.end for f in found):
                continue
            try:
                value = parse_number(m.group("num"))
            except NotANumber:
                continue
            pre = m.group("pre")
            approx = self.p.qualifiers["prefix"][pre] if pre else "exact"
            extra.append(Figure.at(self._text, s, e, value=value, unit="万元", value_base=value * 10000,
                                   base_unit="元", kind="money", approx=approx))
        return sorted(found + extra, key=lambda f: f.start) if extra else found

    # -- one match ---------------------------------------------------------------
    def _figure(self, m: regex.Match) -> Figure | None:
        s, e = m.span()
        g = m.groupdict()
        pre = g["pre"]
        guard = self.p.qualifiers["not_after"].get(pre) if pre else None
        if guard is not None and s > 0 and guard.match(self._scan, s - 1):
            s, g["pre"] = m.end("pre"), None
        if _overlaps(self._excluded, s, e):
            return None
        approx = self._approx(g)
        if g["pct"]:
            number = g["pct"][len("百分之"):]
            value = parse_number(number)
            return Figure.at(self._text, s, e, value=value, unit="%", value_base=value,
                             base_unit="%", kind="percent", approx=approx)
        arabic = g["num"] is not None
        number = g["num"] if arabic else g["cnum"]
        mag = g["mag"] if arabic else g["cmag"]
        form = g["unit"] if arabic else g["cunit"]
        spec = self.p.units[form]
        num_start = m.start("num") if arabic else m.start("cnum")
        unit_end = m.end("unit") if arabic else m.end("cunit")
        if not arabic and not self._chinese_ok(number, spec, g, num_start, unit_end, mag):
            return None
        if spec.needs == "listed" and not self._listed(num_start, number):
            return None
        if spec.needs == "duration" and not self._duration(num_start, number, g):
            return None
        if mag and spec.kind in ("percent", "percentage_point", "score"):
            return None
        value = parse_number(number)
        factor = Decimal(spec.factor) * (MAGNITUDE[mag] if mag else 1)
        unit = (mag or "") + spec.unit
        return Figure.at(self._text, s, e, value=value, unit=unit, value_base=value * factor,
                         base_unit=spec.base, kind=spec.kind, approx=approx)

    def _approx(self, g: dict) -> str:
        q = self.p.qualifiers
        for position, groups in (("prefix", ("pre",)), ("inner", ("inner1", "inner2", "cinner1", "cinner2")),
                                 ("suffix", ("post",))):
            for name in groups:
                if g.get(name):
                    return q[position][g[name]]
        return "exact"

    def _chinese_ok(self, number: str, spec, g: dict, start: int, unit_end: int, mag) -> bool:
        """Chinese numerals count things only in their plain use: not 一个专班, 五个一, 等七个."""
        if spec.numerals == "arabic":
            return False
        if number == "一" and not mag and not (spec.counts_one and self._one_counts(unit_end)):
            return False
        if set(number) <= PLACE_ONLY - {"十"} and not g["pre"]:
            return False
        if unit_end < len(self._scan) and self._scan[unit_end] in CN_DIGITS:
            return False
        if start > 0 and self._scan[start - 1] == "等":
            return False
        return True

    def _one_counts(self, unit_end: int) -> bool:
        """一辆, 一家企业: a count of one, unless a set phrase repeats the numeral (一家一户)."""
        after = self._scan[unit_end:unit_end + 2]
        return not (after[:1] in CN_DIGITS or after[:1] == "人")

    def _listed(self, start: int, number: str) -> bool:
        """镇、村两级: a count of a set is a figure when the set is listed right before it."""
        m = self.p.rx["listed_set"].search(self._scan, max(0, start - 40), start)
        if not m:
            return False
        try:
            return len(m.group(1).split("、")) == int(parse_number(number))
        except (InvalidOperation, ValueError):
            return False

    def _duration(self, start: int, number: str, g: dict) -> bool:
        """N年 is a duration (设计使用年限20年), never a date (2023年)."""
        if not number[0].isdigit() or "." not in number and len(number) == 4 and number[:2] in ("19", "20"):
            return False
        if g["pre"] or g["post"]:
            return True
        clause_start = max(self._scan.rfind(c, 0, start) for c in "，。；：\n,;")
        return bool(self.p.rx["duration"].search(self._scan, clause_start + 1, start))

    # -- 分别为 620.00、318.00和348.00万元 ------------------------------------------------
    def _respectively(self, fig: Figure) -> list[Figure]:
        """Bare numbers listed before a figure after 分别为 take its unit."""
        if fig.kind == "count" and fig.value_base != fig.value_base.to_integral_value():
            return []
        window_start = max(0, fig.start - 200)
        m = self.p.rx["bare_list"].search(self._scan, window_start, fig.start)
        if not m or not _ends_at(self.p.rx["respectively"], self._scan, max(0, m.start() - 6), m.start()):
            return []
        factor = fig.value_base / fig.value if fig.value else None
        if factor is None:
            return []
        out = []
        for n in self.p.rx["bare_number"].finditer(self._scan, m.start(), m.end()):
            if _overlaps(self._excluded, n.start(), n.end()):
                return []
            value = parse_number(n.group())
            out.append(Figure.at(self._text, n.start(), n.end(), value=value, unit=fig.unit,
                                 value_base=value * factor, base_unit=fig.base_unit, kind=fig.kind))
        return out


def _ends_at(rx: regex.Pattern, text: str, start: int, end: int) -> bool:
    """Whether `rx` finds a match in text[start:end] that ends at `end` (a cue right before)."""
    return any(m.end() == end for m in rx.finditer(text, start, end))

