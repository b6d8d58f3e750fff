"""Scoring the rows of self-evaluation forms: OUTDIR/indicators.csv against the gold
`indicator_rows` (docs/figures.md, spec forms.md).

Rows are matched one to one on row_type and normalised 三级指标 name (`row_name`): exact names
first, then names one of which contains the other, the longest such names first. A matched row
is then scored cell by cell on target, actual, weight and score (`same_cell`); a gold cell that
is `null` (cut off in the excerpt) or empty is not scored.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from .score import ratios

CELLS = ("target", "actual", "weight", "score")
COLUMNS = ("doc_id", "form", "row_type", "level3", *CELLS)
_COUNTS = ("gold_rows", "predicted_rows", "ignored_funds", "matched")

# Full-width and CJK punctuation NFKC leaves alone, mapped to the ASCII annotators also use.
_PUNCT = str.maketrans({"、": ",", "。": ".", "“": '"', "”": '"', "‘": "'", "’": "'", "【": "[",
                        "】": "]", "〔": "(", "〕": ")", "—": "-", "–": "-", "－": "-", "～": "~"})
# Longer spellings first, so that ">=" is not read as ">" followed by "=".
_COMPARATORS = (("不低于", "≥"), ("不少于", "≥"), ("不高于", "≤"), ("不超过", "≤"), (">=", "≥"),
                ("<=", "≤"), ("≧", "≥"), ("≦", "≤"), ("═", "="))
_FIGURE = re.compile(r"([≥≤=<>]?)([+-]?(?:\d+(?:\.\d*)?|\.\d+))(\D*)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


def row_name(level3: str | None, row_type: str = "indicator") -> str:
    """The name rows are matched on: NFKC, no whitespace, ASCII punctuation, no trailing colon,
    no 其中: prefix on a funds row (其中：当年财政拨款 -> 当年财政拨款), case-folded."""
    s = "".join(unicodedata.normalize("NFKC", level3 or "").split()).translate(_PUNCT)
    s = s.rstrip(":")
    if row_type == "funds" and s.startswith("其中"):
        s = s[2:].lstrip(":")
    return s.casefold()


def normalise_cell(text: str | None) -> str:
    """NFKC, no whitespace, comparators in one spelling (≧ >= 不低于 不少于 -> ≥, ≦ <= 不高于
    不超过 -> ≤, ═ ＝ -> =), no thousands separators."""
    s = "".join(unicodedata.normalize("NFKC", text or "").split())
    for spelling, comparator in _COMPARATORS:
        s = s.replace(spelling, comparator)
    return _THOUSANDS.sub("", s)


def _parse(cell: str) -> tuple[str, Decimal, str] | None:
    m = _FIGURE.fullmatch(cell)
    if not m:
        return None
    try:
        return m[1], Decimal(m[2]), m[3]
    except InvalidOperation:
        return None


def same_cell(gold: str | None, predicted: str | None) -> bool:
    """Equal after `normalise_cell`, or both comparator + number + unit with the same comparator,
    the same Decimal number (95.0% == 95%) and the same unit; a unit missing on one side agrees
    with any (a bare 100 in an actual column, 100% in the target)."""
    g, p = normalise_cell(gold), normalise_cell(predicted)
    if g == p:
        return True
    pg, pp = _parse(g), _parse(p)
    if pg is None or pp is None:
        return False
    return pg[0] == pp[0] and pg[1] == pp[1] and (pg[2] == pp[2] or not pg[2] or not pp[2])


def _form(row: dict) -> str:
    return str(row.get("form") or "").strip()


def match_rows(gold: list[dict], pred: list[dict]) -> list[tuple[int, int]]:
    """One-to-one (gold index, pred index) pairs of the same row_type.

    Exact names pair first (an empty name only with an empty one); then names one of which
    contains the other, longest contained name first. Within each, a pair in the same form (when
    the gold row names its form) comes before one across forms, and earlier rows before later
    ones, so repeated names pair in order.
    """
    gnames = [row_name(g.get("level3"), g.get("row_type")) for g in gold]
    pnames = [row_name(p.get("level3"), p.get("row_type")) for p in pred]
    candidates = []
    for i, g in enumerate(gold):
        for j, p in enumerate(pred):
            a, b = gnames[i], pnames[j]
            contained = bool(a) and bool(b) and (a in b or b in a)
            if g.get("row_type") != p.get("row_type") or a != b and not contained:
                continue  # an empty name pairs only with an empty one (an unlabelled funds row)
            same_form = not _form(g) or _form(g) == _form(p)
            candidates.append((a != b, not same_form, -min(len(a), len(b)), max(len(a), len(b)), i, j))
    used_g, used_p, pairs = set(), set(), []
    for *_, i, j in sorted(candidates):
        if i not in used_g and j not in used_p:
            used_g.add(i)
            used_p.add(j)
            pairs.append((i, j))
    return sorted(pairs)


def _funds_listed_whole(gold: list[dict]) -> bool:
    """True when the gold lists at most one funds row per form (rows naming no form are one form):
    then it holds only the whole-funds row (年度资金总额, 合计…), not the 其中 rows beneath it."""
    per_form: dict[str, int] = {}
    for g in gold:
        if g.get("row_type") == "funds":
            per_form[_form(g)] = per_form.get(_form(g), 0) + 1
    return all(n <= 1 for n in per_form.values())


def score_forms(gold: list[dict], pred: list[dict]) -> dict:
    """Score one rendering's indicators.csv rows against its gold `indicator_rows`.

    Rows: recall = gold rows matched / gold rows, precision = predicted rows matched / predicted
    rows. Where the gold lists at most one funds row per form (most files: only the whole-funds
    row), a predicted funds row matching no gold row (a 其中：当年财政拨款 row) is `ignored_funds`
    and does not count against precision. Cells: for each of target, actual, weight, score, the
    right ones over the gold cells (non-null, non-empty) of matched rows (`accuracy`) and of all
    gold rows (`accuracy_all`: a missed row's cells count as wrong).
    """
    pairs = match_rows(gold, pred)
    g_hit, p_hit = {i for i, _ in pairs}, {j for _, j in pairs}
    ignore = _funds_listed_whole(gold)
    ignored = [j for j, p in enumerate(pred) if j not in p_hit and ignore and p.get("row_type") == "funds"]
    cells = {c: {"right": 0, "gold_matched": 0, "gold_all": 0} for c in CELLS}
    misses = []
    for i, g in enumerate(gold):
        for c in CELLS:
            if g.get(c) not in (None, ""):
                cells[c]["gold_all"] += 1
    for i, j in pairs:
        g, p = gold[i], pred[j]
        for c in CELLS:
            if g.get(c) in (None, ""):
                continue
            cells[c]["gold_matched"] += 1
            if same_cell(str(g[c]), p.get(c)):
                cells[c]["right"] += 1
            else:
                misses.append({"level3": g.get("level3") or "", "cell": c, "gold": str(g[c]),
                               "predicted": p.get(c) or ""})
    counts = {"gold_rows": len(gold), "predicted_rows": len(pred) - len(ignored),
              "ignored_funds": len(ignored), "matched": len(pairs)}
    return {**_summary(counts, cells),
            "missed_rows": [_brief(g) for i, g in enumerate(gold) if i not in g_hit],
            "extra_rows": [_brief(p) for j, p in enumerate(pred) if j not in p_hit and j not in ignored],
            "renamed": [{"gold": gold[i].get("level3") or "", "predicted": pred[j].get("level3") or ""}
                        for i, j in pairs if row_name(gold[i].get("level3"), gold[i].get("row_type"))
                        != row_name(pred[j].get("level3"), pred[j].get("row_type"))],
            "cell_misses": misses}


def _brief(row: dict) -> dict:
    out = {"row_type": row.get("row_type") or "", "level3": row.get("level3") or ""}
    if _form(row):
        out["form"] = _form(row)
    return out


def _summary(counts: dict, cells: dict) -> dict:
    """Counts with row P/R/F1 and cell accuracies; a ratio over nothing is None."""
    def r(n, d):
        return round(n / d, 4) if d else None
    m = counts["matched"]
    rows = ratios(m, counts["predicted_rows"] - m, counts["gold_rows"] - m)
    return {**counts, "precision": rows["precision"], "recall": rows["recall"], "f1": rows["f1"],
            "cells": {c: {**v, "accuracy": r(v["right"], v["gold_matched"]),
                          "accuracy_all": r(v["right"], v["gold_all"])} for c, v in cells.items()}}


def forms_totals(scored: list[dict]) -> dict:
    """Micro totals over the scored documents: counts summed, ratios recomputed from the sums."""
    counts = {k: sum(s[k] for s in scored) for k in _COUNTS}
    cells = {c: {k: sum(s["cells"][c][k] for s in scored) for k in ("right", "gold_matched", "gold_all")}
             for c in CELLS}
    return {"documents": len(scored), **_summary(counts, cells)}
