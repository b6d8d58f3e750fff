"""Fuzzing and properties: the recognizer never raises, spans always index the text, values
written as a report writes them read back unchanged. 10,000 examples each (JIXIAO_FUZZ_EXAMPLES)."""
from __future__ import annotations

import pytest

import os
import time
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from extract import find_figures, load_patterns
from extract.core.numbers import NotANumber, parse_number

pytestmark = pytest.mark.property

EXAMPLES = int(os.environ.get("JIXIAO_FUZZ_EXAMPLES", "10000"))

ALPHABET = st.sampled_from(list("0123456789.,%％万亿元个户人米亩分约余多近以上下内超过不低于≥≤、，。；：（）|\n "
                                "一二两三四五六七八九十百千零第年月日合计其中比上年增加减少增长下降提高“”《》"
                                "１２３４５６７８９０ＡＢabcXYZ\u3000\u00a0\r"))
TEXT = st.text(ALPHABET, max_size=300)


_NUMERALS = set("0123456789０１２３４５６７８９零〇一二两三四五六七八九十百千")


@settings(max_examples=EXAMPLES, deadline=None)
@given(TEXT)
def test_never_raises_and_figures_are_well_formed(text):
    """On any text: no exception; figures in order, never overlapping, each holding a numeral,
    its base value its value times a power of ten that its unit allows."""
    figures = find_figures(text, strict=True)
    for a, b in zip(figures, figures[1:]):
        assert a.end <= b.start, (a.surface, b.surface)
    for f in figures:
        assert set(f.surface) & _NUMERALS, f.surface
        if f.value:
            factor = f.value_base / f.value
            assert factor in FACTORS, (f.surface, factor)


FACTORS = {Decimal(u.factor) * m for u in load_patterns().units.values() for m in (1, 10 ** 4, 10 ** 8)}


PLANTED = ["12.5万元", "3,460户", "98.5%", "5000余米", "约1000万元", "2.7个百分点"]


@settings(max_examples=EXAMPLES // 10, deadline=None)
@given(TEXT, TEXT, st.sampled_from(PLANTED))
def test_a_planted_figure_is_found_at_its_offsets(before, after, planted):
    """A figure set between sentence ends in random text is found whole, exactly where it is."""
    text = f"{before}。本项为{planted}。{after}"
    start = len(before) + len("。本项为")
    spans = {(f.start, f.end) for f in find_figures(text)}
    assert (start, start + len(planted)) in spans, (text, spans)


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False),
       st.sampled_from(["万元", "元", "亿元", "公里", "平方米", "户", "%"]))
def test_written_value_reads_back(value, unit):
    written = f"{value:,.2f}" if unit != "%" else f"{value:.2f}"
    text = f"本年度该项指标为{written}{unit}。"
    figures = find_figures(text, strict=True)
    assert len(figures) == 1
    f = figures[0]
    assert f.value == value and f.unit == unit and f.surface == f"{written}{unit}"


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=40))
def test_number_parser_returns_a_decimal_or_says_not_a_number(s):
    """On any string at all: a Decimal, or NotANumber (a ValueError) — nothing else escapes."""
    try:
        assert isinstance(parse_number(s), Decimal)
    except NotANumber:
        pass


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(st.sampled_from(list("零〇一二两三四五六七八九十百千万亿点0123456789.,")), min_size=1, max_size=12))
def test_number_parser_on_numeral_soup(s):
    try:
        assert isinstance(parse_number(s), Decimal)
    except NotANumber:
        pass


@given(st.integers(min_value=0, max_value=99999))
def test_chinese_numerals_read_as_cn2an_writes_them(n):
    import cn2an

    assert parse_number(cn2an.an2cn(n)) == n


def test_adversarial_inputs_finish():
    """Guards against regex blow-ups: a long digit run and a long line of figures."""
    for text in ("1" * 100_000, "1,234," * 20_000, "约" * 50_000 + "1万元", "12.5万元、" * 20_000):
        t0 = time.perf_counter()
        find_figures(text)
        assert time.perf_counter() - t0 < 60
