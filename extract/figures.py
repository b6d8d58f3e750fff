"""Find the figures of a text: number, unit, kind, qualifier and base value.

The recognizer reads a one-for-one normalised copy of the text (full-width digits and
punctuation to half-width, odd spaces to plain spaces), so every offset it finds is an
offset of the original; surfaces are always cut from the original text.
What a figure measures (indicator, role, direction) is added by `context.py`.
"""
from __future__ import annotations

import logging
from bisect import bisect_left
from decimal import Decimal, InvalidOperation

import cn2an
import regex

from .model import Figure
from .patterns import Patterns

log = logging.getLogger(__name__)

_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({"\u00a0": " ", "\u3000": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ",
                   "\u202f": " ", "\ufeff": " ", "，": "，", "：": "：", "；": "；",
                   "（": "（", "）": "）", "！": "！", "？": "？"})
# Chinese punctuation stays Chinese (，：；（）！？ are sentence structure); digits, %,
# letters, ．and ＜＞≥ forms become ASCII.
NORMALISE = str.maketrans(_FULLWIDTH)
MAGNITUDE = {"万": 10_000, "亿": 100_000_000}  # between a number and its unit: 1.2万户, 3.2亿元
_CN_DIGITS = set("零〇一二两三四五六七八九十百千")
_PLACE_ONLY = set("十百千")
_CN_NUMERAL_CHARS = set("零〇一二两三四五六七八九十百千万亿点")
_ARABIC = regex.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]+)?")
_LISTED = regex.compile(r"((?:\p{Han}{1,8}、)+\p{Han}{1,8})$")


def normalise(text: str) -> str:
    """Same length as `text`: offsets found in the result index the original."""
    return text.translate(NORMALISE)


def parse_number(s: str) -> Decimal:
    """'1,286.00' -> Decimal('1286.00'); '一百三十六' -> 136; '百' -> 100 (as in 近百场).

    Anything that is not a number raises NotANumber, and nothing else.
    """
    if not s:
        raise NotANumber(s)
    if _ARABIC.fullmatch(s):
        return Decimal(s.replace(",", ""))
    if s[0] in _PLACE_ONLY:
        s = "一" + s
    if not set(s) <= _CN_NUMERAL_CHARS:
        raise NotANumber(s)
    try:
        converted = cn2an.cn2an(s, "normal")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
        raise NotANumber(s) from e
    return Decimal(str(converted))


class NotANumber(ValueError):
    """Chinese numerals that do not form a number (十零零): not a figure, not an error."""


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
        self.scan = normalise(text)
        self.strict = strict
        self.skipped = 0
        self._excluded = _excluded_spans(patterns, self.scan)

    def figures(self) -> list[Figure]:
        out: list[Figure] = []
        for m in self.p.figure.finditer(self.scan):
            try:
                fig = self._figure(m)
            except NotANumber:
                continue
            except (InvalidOperation, ValueError, TypeError, KeyError) as e:
                self.skipped += 1
                log.debug("unparsable figure %r at %d: %s", m.group(), m.start(), e)
                if self.strict:
                    raise
                continue
            if fig is None:
                continue
            out.extend(self._respectively(fig))
            out.append(fig)
        return out

    # -- one match ---------------------------------------------------------------
    def _figure(self, m: regex.Match) -> Figure | None:
        s, e = m.span()
        g = m.groupdict()
        pre = g["pre"]
        guard = self.p.qualifiers["not_after"].get(pre) if pre else None
        if guard is not None and s > 0 and guard.match(self.scan, s - 1):
            s, g["pre"] = m.end("pre"), None
        if _overlaps(self._excluded, s, e):
            return None
        approx = self._approx(g)
        if g["pct"]:
            number = g["pct"][len("百分之"):]
            value = parse_number(number)
            return Figure.at(self.text, s, e, value=value, unit="%", value_base=value,
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
        return Figure.at(self.text, s, e, value=value, unit=unit, value_base=value * factor,
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
        if number == "一" and not mag:
            return False
        if set(number) <= _PLACE_ONLY - {"十"} and not g["pre"]:
            return False
        if unit_end < len(self.scan) and self.scan[unit_end] in _CN_DIGITS:
            return False
        if start > 0 and self.scan[start - 1] == "等":
            return False
        return True

    def _listed(self, start: int, number: str) -> bool:
        """镇、村两级: a count of a set is a figure when the set is listed right before it."""
        m = _LISTED.search(self.scan, max(0, start - 40), start)
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
        clause_start = max(self.scan.rfind(c, 0, start) for c in "，。；：\n,;")
        return bool(self.p.cues["duration"].search(self.scan, clause_start + 1, start))

    # -- 分别为 620.00、318.00和348.00万元 ------------------------------------------------
    def _respectively(self, fig: Figure) -> list[Figure]:
        """Bare numbers listed before a figure after 分别为 take its unit."""
        if fig.kind == "count" and fig.value_base != fig.value_base.to_integral_value():
            return []
        window_start = max(0, fig.start - 200)
        m = _BARE_LIST.search(self.scan, window_start, fig.start)
        if not m or not self.p.cues["respectively"].search(self.scan, max(0, m.start() - 6), m.start()):
            return []
        factor = fig.value_base / fig.value if fig.value else None
        if factor is None:
            return []
        out = []
        for n in _BARE_NUMBER.finditer(self.scan, m.start(), m.end()):
            if _overlaps(self._excluded, n.start(), n.end()):
                return []
            value = parse_number(n.group())
            out.append(Figure.at(self.text, n.start(), n.end(), value=value, unit=fig.unit,
                                 value_base=value * factor, base_unit=fig.base_unit, kind=fig.kind))
        return out


_BARE_NUMBER = regex.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d+)?", regex.ASCII)
_BARE_LIST = regex.compile(r"(?:(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d+)?[、和及与])+$", regex.ASCII)


def recognise(text: str, patterns: Patterns, strict: bool = False) -> list[Figure]:
    """The figures of `text` in order, without indicators."""
    return Recognizer(patterns, text, strict).figures()
