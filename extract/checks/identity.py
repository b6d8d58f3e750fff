"""What a flag is, independent of where it stands: the ids that keep a reviewer's decisions.

A decision is about what a flag says — "in this report, the total 12,486.35万元 is not the sum
of these parts" — not about the character offset or the file it was found at. So:

- `report_id` names the report: its metadata (unit, year, type, project) when the unit and
  year are known, else a fingerprint of its text. Renderings of one report (.txt, .docx, .pdf,
  a scan) and a copy in another folder have the same report_id; a revision keeps it.
- `flag_id` (the check_id of checks.csv, the flag_id of flags.csv) is the report_id, the check
  and the content of its operands in the order the check cites them: each figure's kind, value
  in its base unit, qualifier, role, direction and indicator; a result citing no figures is
  named by the words of its sentence. Text inserted elsewhere, a moved folder or another
  rendering leave it unchanged; a changed operand value changes it.
- `subject_id` is the same without the values: what the flag is about. A revised report whose
  flag has a new flag_id but an old subject_id shows that flag as changed, with the earlier
  decision beside it.

Two results saying the same thing in one report are told apart by their order (`…-2`).
docs/review.md explains the scheme to reviewers.
"""
from __future__ import annotations

import unicodedata
import zlib
from dataclasses import replace
from typing import Iterable, Mapping, Sequence

from ..core.model import CheckResult, Figure, Metadata, short_hash
from ..core.rows import plain

_SHINGLE = 8           # characters of the text fingerprint's shingles
_PAIRS = {"（": "）", "(": ")", "【": "】", "〔": "〕", "[": "]"}


def _words(text: str) -> str:
    """Letters and digits only (Han included): what survives any rendering of the same text."""
    return "".join(c for c in text if unicodedata.category(c)[0] in "LN")


def _unbracketed(text: str) -> str:
    """A name without its bracketed parts: `…报告（修订稿）` is the same report as `…报告`."""
    out, closing = [], []
    for c in text:
        if c in _PAIRS:
            closing.append(_PAIRS[c])
        elif closing and c == closing[-1]:
            closing.pop()
        elif not closing:
            out.append(c)
    return "".join(out)


def text_fingerprint(text: str) -> str:
    """The shingle of the text's letters and digits whose hash is least (a min-hash), among
    the shingles holding digits: the numbers are what one report has and another of the same
    template has not (`资金投入情况分析` is in every report).

    Inserting or changing text elsewhere changes it only if the new text holds a shingle
    hashing lower still (about one chance in the number of shingles per inserted shingle);
    the renderings of one text, which differ in spacing, punctuation and layout, share it."""
    words = _words(text)
    if len(words) <= _SHINGLE:
        return short_hash(words, 16)
    starts = range(len(words) - _SHINGLE + 1)
    numbered = [i for i in starts if sum(c.isdigit() for c in words[i:i + _SHINGLE]) >= 2]
    best = min(numbered or starts,
               key=lambda i: (zlib.crc32(words[i:i + _SHINGLE].encode("utf-8")), words[i:i + _SHINGLE]))
    return short_hash(words[best:best + _SHINGLE], 16)


def report_id(metadata: Metadata | None, text: str) -> str:
    """The report's identity: `m-…` from its metadata, `t-…` from its text when the unit or
    the year is missing."""
    if metadata is not None and metadata.unit and metadata.year:
        basis = "|".join(_words(_unbracketed(v)) for v in
                         (metadata.unit, str(metadata.year), metadata.report_type, metadata.project))
        return f"m-{short_hash(basis, 12)}"
    return f"t-{short_hash(text_fingerprint(text), 12)}"


def _operand(f: Figure | Mapping) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A figure's content (with its value) and its subject (without), as plain strings."""
    get = (lambda k: getattr(f, k)) if isinstance(f, Figure) else (lambda k: f.get(k) or "")
    value = get("value_base")
    value = plain(value) if not isinstance(value, str) else value
    indicator = _words(str(get("indicator")))
    subject = (str(get("kind")), str(get("base_unit")), str(get("role")), indicator)
    return (*subject, value, str(get("approx")), str(get("direction"))), subject


def _key_kind(key: str) -> str:
    """A result's key without the offset it may carry (`skip@812` -> `skip`, `812` -> ``)."""
    kind = key.split("@", 1)[0]
    return "" if kind.isdigit() else kind


def _id(check: str, report: str, parts: Iterable) -> str:
    return f"{check}-{short_hash('|'.join((report, check, repr(tuple(parts)))), 12)}"


def assign(results: Sequence[CheckResult], figures: Iterable[Figure], report: str) -> list[CheckResult]:
    """The results with their flag_id and subject_id (see the module docstring)."""
    by_id = {f.figure_id: f for f in figures}
    seen: dict[str, int] = {}
    out = []
    nth = lambda key: seen.__setitem__(key, seen.get(key, 0) + 1) or seen[key]
    for r in results:
        cited = [by_id[i] for i in r.figure_ids if i in by_id]
        operands = [_operand(f) for f in cited]
        if operands:
            content = (_key_kind(r.key), *(c for c, _ in operands))
            subject = (_key_kind(r.key), *(s for _, s in operands))
        else:
            words = _words(r.evidence)
            content = (_key_kind(r.key), r.status if not words else "", words)
            subject = (_key_kind(r.key), "".join(c for c in words if not c.isdigit()))
        fid, sid = _id(r.check, report, content), _id(r.check, report, subject)
        n, m = nth(fid), nth(sid)
        out.append(replace(r, flag_id=fid if n == 1 else f"{fid}-{n}",
                           subject_id=sid if m == 1 else f"{sid}-{m}"))
    return out


def cross_ids(result: CheckResult, report: str, subject: tuple[str, ...],
              content: tuple[str, ...]) -> CheckResult:
    """A check across documents, named by its report, what it compares (`subject`: the other
    report and the column) and what was found (`content`: the two sides)."""
    return replace(result, flag_id=_id(result.check, report, (*subject, *content)),
                   subject_id=_id(result.check, report, subject))
