"""Matching predictions to gold: figures (span overlap, same base value and kind), their
indicators, and flags (same check, a shared figure). Totals are micro sums, so that a long
report weighs what its figures weigh."""
from __future__ import annotations

from typing import Callable

from ..core.rows import plain
from .gold import Span, gold_value_base, locate

# Dropped before comparing indicators: annotators and extractor differ in brackets and separators.
_INDICATOR_NOISE = set("()（）[]【】/／、，,“”\"'‘’《》·:：-—_")
COUNTS = ("gold", "predicted", "tp")

def normalise_indicator(text: str) -> str:
    return "".join(c for c in text or "" if not c.isspace() and c not in _INDICATOR_NOISE)


def indicator_right(gold: str, predicted: str) -> bool:
    """Right when one contains the other; an empty prediction says nothing, so it is wrong."""
    g, p = normalise_indicator(gold), normalise_indicator(predicted)
    return bool(p) and (g in p or p in g)


def _overlap(a: Span, b: Span) -> int:
    return min(a[1], b[1]) - max(a[0], b[0])


def match(gold: list[dict], pred: list[dict],
          same: Callable[[dict, dict], bool]) -> list[tuple[int, int]]:
    """One-to-one (gold index, pred index) pairs whose spans overlap and that `same` accepts.

    Greedy over gold in document order; each takes the free prediction with the largest
    overlap (the earlier one on a tie). Items carry a `span`; gold without one never matches.
    """
    order = sorted(range(len(pred)), key=lambda j: pred[j]["span"])
    used, pairs = set(), []
    for i in sorted((i for i, g in enumerate(gold) if g["span"]), key=lambda i: gold[i]["span"]):
        span, best = gold[i]["span"], None
        for j in order:
            if pred[j]["span"][0] >= span[1]:
                break
            ov = _overlap(span, pred[j]["span"])
            if ov > 0 and j not in used and (best is None or ov > best[0]) and same(gold[i], pred[j]):
                best = (ov, j)
        if best:
            used.add(best[1])
            pairs.append((i, best[1]))
    return pairs


def _same_figure(g: dict, p: dict) -> bool:
    return p["value_base"] is not None and g["value_base"] == p["value_base"] and g["kind"] == p["kind"]


def ratios(tp: int, fp: int, fn: int) -> dict:
    """Counts with P/R/F1; a ratio with nothing to divide by is None, not a flattering 0 or 1."""
    def r(n, d):
        return round(n / d, 4) if d else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": r(tp, tp + fp), "recall": r(tp, tp + fn),
            "f1": r(2 * tp, 2 * tp + fp + fn)}


def groups(gold_keys: list[str], pred_keys: list[str], hit: set[int]) -> dict[str, dict]:
    """{key: {gold, predicted, tp}}; gold i is a tp when in `hit` (a match never crosses keys)."""
    out: dict[str, dict] = {}
    for i, k in enumerate(gold_keys):
        c = out.setdefault(k, dict.fromkeys(COUNTS, 0))
        c["gold"], c["tp"] = c["gold"] + 1, c["tp"] + (i in hit)
    for k in pred_keys:
        out.setdefault(k, dict.fromkeys(COUNTS, 0))["predicted"] += 1
    return out


def add(into: dict[str, dict], counts: dict[str, dict]) -> None:
    for k, c in counts.items():
        t = into.setdefault(k, dict.fromkeys(COUNTS, 0))
        for f in COUNTS:
            t[f] += c[f]


def tally(counts: dict[str, dict]) -> dict:
    """{key: {gold, predicted, tp}} -> the same with fp, fn and ratios, sorted by key."""
    return {k: {"gold": c["gold"], "predicted": c["predicted"],
                **ratios(c["tp"], c["predicted"] - c["tp"], c["gold"] - c["tp"])}
            for k, c in sorted(counts.items())}


def total(counts: dict[str, dict]) -> dict:
    return tally({"": {f: sum(c[f] for c in counts.values()) for f in COUNTS}})[""]


def _brief(f: dict) -> dict:
    vb = f["value_base"]
    return {"surface": f["surface"], "kind": f["kind"], "value_base": None if vb is None else plain(vb)}


def score_document(gold: dict, text: str, rows: list[dict]) -> dict:
    """Score one rendering: its predicted rows (int start/end, Decimal value_base) against gold.

    Predictions overlapping a gold skip span are left out (listed as `skipped`), and so are the
    gold figures there."""
    skips = skip_spans(gold, text)
    golds = [{**f, "span": locate(text, f["surface"], f["nth"]), "value_base": gold_value_base(f)}
             for f in gold["figures"]]
    golds = [g for g in golds if not (g["span"] and _skipped(g["span"], skips))]
    preds = [{**r, "span": (r["start"], r["end"])} for r in rows]
    skipped = [p for p in preds if _skipped(p["span"], skips)]
    preds = [p for p in preds if not _skipped(p["span"], skips)]
    pairs, detected = match(golds, preds, _same_figure), match(golds, preds, lambda g, p: True)
    g_hit, p_hit, det_of = {i for i, _ in pairs}, {j for _, j in pairs}, dict(detected)
    misses = [{"surface": golds[i]["surface"], "nth": golds[i]["nth"],
               "gold": golds[i].get("indicator", ""), "predicted": preds[j].get("indicator", "")}
              for i, j in pairs
              if not indicator_right(golds[i].get("indicator", ""), preds[j].get("indicator", ""))]
    false_neg, unlocated = [], []
    for i, g in enumerate(golds):
        item = {"surface": g["surface"], "nth": g["nth"], **_brief(g)}
        if i in g_hit:
            continue
        if g["span"] is None:
            unlocated.append(item)
            continue
        item["start"] = g["span"][0]
        if i in det_of:  # found but read wrongly: say how
            item["detected_as"] = _brief(preds[det_of[i]])
        false_neg.append(item)
    tp, det = len(pairs), len(detected)
    return {
        "gold": len(golds), "figures": len(preds), **ratios(tp, len(preds) - tp, len(golds) - tp),
        "detection": ratios(det, len(preds) - det, len(golds) - det),
        "indicator": {"right": tp - len(misses), "matched": tp,
                      "accuracy": round((tp - len(misses)) / tp, 4) if tp else None},
        "kinds": groups([g["kind"] for g in golds], [p["kind"] for p in preds], g_hit),
        # an extractor whose offsets do not index its own text is scored on wrong spans: show it
        "bad_spans": [{"figure_id": p.get("figure_id", ""), "surface": p["surface"],
                       "text": text[p["start"]:p["end"]]}
                      for p in preds if text[p["start"]:p["end"]] != p["surface"]],
        "false_negatives": false_neg, "unlocated": unlocated,
        "false_positives": [{**_brief(p), "start": p["start"], "indicator": p.get("indicator", "")}
                            for j, p in enumerate(preds) if j not in p_hit],
        "indicator_misses": misses,
        "skipped": [{**_brief(p), "start": p["start"]} for p in skipped],
    }


def skip_spans(gold: dict, text: str) -> list[Span]:
    """The located gold `skip_spans` ([surface, nth], nth 1-based as for figures): runs that
    cannot be read (fused cells, masked amounts, site chrome)."""
    return [s for s in (locate(text, *ref) for ref in gold.get("skip_spans") or []) if s]


def _skipped(span: Span, skips: list[Span]) -> bool:
    """A figure overlapping a skip span counts neither way: not right, not false, not expected."""
    return any(_overlap(span, s) > 0 for s in skips)


# ---------------------------------------------------------------- flags (hook)

def score_flags(gold: dict, flag_rows: list[dict], text: str, spans: dict[str, Span]) -> dict:
    """Score one rendering's predicted flags against the gold `flags`.

    A prediction matches a gold flag of the same check that shares a figure (a gold [surface, nth]
    located in `text` overlaps the span, from `spans`, of one of the row's `figure_ids`); a gold
    flag naming no figures matches any flag of its check. Gold flags with figures choose first,
    so a figure-less one cannot take their match.
    """
    flags = gold.get("flags", [])
    golds = [(f["check"], [s for s in (locate(text, *ref) for ref in f.get("figures", [])) if s],
              not f.get("figures")) for f in flags]
    preds = [(r["check"], [spans[f] for f in (r.get("figure_ids") or "").split() if f in spans])
             for r in flag_rows]
    used, hit = set(), set()
    for i in sorted(range(len(golds)), key=lambda i: golds[i][2]):
        check, gspans, anywhere = golds[i]
        j = next((j for j, (pcheck, pspans) in enumerate(preds) if j not in used and pcheck == check
                  and (anywhere or any(_overlap(a, b) > 0 for a in gspans for b in pspans))), None)
        if j is not None:
            used.add(j)
            hit.add(i)
    return {"checks": groups([g[0] for g in golds], [p[0] for p in preds], hit),
            "missed": [f["check"] + (f": {f['note']}" if f.get("note") else "")
                       for i, f in enumerate(flags) if i not in hit],
            "spurious": [{"check": r["check"], "figure_ids": r.get("figure_ids") or ""}
                         for j, r in enumerate(flag_rows) if j not in used]}
