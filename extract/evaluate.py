"""The yardstick: score an output folder of `jixiao run` against the gold annotations.

Gold figures are found by `surface` + `nth`, not by offsets, so one gold file scores every
rendering of a report (.txt, .pdf, a GBK copy), each on its own text as written to
OUTDIR/text/<doc_id>.txt. The rules are those of spec/figures.md ("Gold annotations"); totals are
micro sums, so that a long report weighs what its figures weigh.
"""
from __future__ import annotations

import csv
import json
import unicodedata
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath
from typing import Callable

from .errors import GoldError, JixiaoError
from .output import plain, write_text, unsafe_text

Span = tuple[int, int]
# Dropped before comparing indicators: annotators and extractor differ in brackets and separators.
_INDICATOR_NOISE = set("()（）[]【】/／、，,“”\"'‘’《》·:：-—_")
# Only for gold files without value_base; every corpus file states it.
_PREFIX_FACTORS = (("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4))
_UNIT_FACTORS = {"公里": Decimal(1000), "千米": Decimal(1000)}
_FIGURE_KEYS = ("surface", "nth", "value", "kind")
_COUNTS = ("gold", "predicted", "tp")
_FIGURE_COLUMNS = ("figure_id", "doc_id", "start", "end", "surface", "value_base", "kind", "indicator")


# ---------------------------------------------------------------- gold

def load_gold(gold_dir) -> dict[str, dict]:
    """NAME -> parsed gold, from `gold_dir/*.json` or `gold_dir/gold/*.json`; malformed -> GoldError."""
    root = Path(gold_dir)
    folder = root / "gold" if (root / "gold").is_dir() else root
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise GoldError(f"{root}: no gold *.json files (looked in {folder})")
    gold = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise GoldError(f"{path}: not valid JSON: {e}") from e
        _check_gold(path, data)
        gold[path.stem] = data
    return gold


def _check_gold(path: Path, data) -> None:
    """Fail early, naming file and item: a silently skipped gold figure would inflate precision."""
    if not isinstance(data, dict) or not isinstance(data.get("figures"), list):
        raise GoldError(f"{path}: no 'figures' list")
    for i, fig in enumerate(data["figures"]):
        where = f"{path}: figures[{i}]"
        missing = [k for k in _FIGURE_KEYS if k not in fig] if isinstance(fig, dict) else ["all keys"]
        if missing:
            raise GoldError(f"{where}: lacks {', '.join(missing)}")
        _check_ref(where, [fig["surface"], fig["nth"]])
        try:
            gold_value_base(fig)
        except (InvalidOperation, TypeError, ValueError) as e:
            raise GoldError(f"{where}: value/value_base is not a number") from e
    flags = data.get("flags", [])
    for i, flag in enumerate(flags if isinstance(flags, list) else [None]):
        where = f"{path}: flags[{i}]"
        if not isinstance(flag, dict) or not isinstance(flag.get("check"), str) \
                or not isinstance(flag.get("figures", []), list):
            raise GoldError(f"{where}: needs a 'check' and a 'figures' list")
        for ref in flag.get("figures", []):
            _check_ref(where, ref)


def _check_ref(where: str, ref) -> None:
    ok = isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], str) and ref[0] \
        and isinstance(ref[1], int) and not isinstance(ref[1], bool) and ref[1] >= 1
    if not ok:
        raise GoldError(f"{where}: {ref!r} is not [surface, nth] with a non-empty surface and nth >= 1")


def gold_value_base(fig: dict) -> Decimal:
    """The gold `value_base`, else value x the factor its unit implies (万…, 亿…, 公里)."""
    if fig.get("value_base") not in (None, ""):
        return Decimal(str(fig["value_base"]))
    value, unit = Decimal(str(fig["value"])), str(fig.get("unit", ""))
    for prefix, factor in _PREFIX_FACTORS:
        if unit.startswith(prefix) and unit != prefix:
            return value * factor
    return value * _UNIT_FACTORS.get(unit, 1)


def locate(text: str, surface: str, nth: int) -> Span | None:
    """[start, end) of the nth (1-based) raw occurrence of `surface`, overlapping ones counted.

    Raw means inside longer numbers too ("0万元" in "1000万元"): that is how the gold counts.
    """
    if not surface or nth < 1:
        return None
    at = -1
    for _ in range(nth):
        at = text.find(surface, at + 1)
        if at < 0:
            return None
    return at, at + len(surface)


def doc_name(doc_id: str) -> str:
    """The gold NAME of a rendering: basename cut at the first '.' (sub/x-2023.gbk.txt -> x-2023)."""
    return PurePosixPath(doc_id).name.split(".", 1)[0]


# ---------------------------------------------------------------- matching

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


def _ratios(tp: int, fp: int, fn: int) -> dict:
    """Counts with P/R/F1; a ratio with nothing to divide by is None, not a flattering 0 or 1."""
    def r(n, d):
        return round(n / d, 4) if d else None
    return {"tp": tp, "fp": fp, "fn": fn, "precision": r(tp, tp + fp), "recall": r(tp, tp + fn),
            "f1": r(2 * tp, 2 * tp + fp + fn)}


def _groups(gold_keys: list[str], pred_keys: list[str], hit: set[int]) -> dict[str, dict]:
    """{key: {gold, predicted, tp}}; gold i is a tp when in `hit` (a match never crosses keys)."""
    out: dict[str, dict] = {}
    for i, k in enumerate(gold_keys):
        c = out.setdefault(k, dict.fromkeys(_COUNTS, 0))
        c["gold"], c["tp"] = c["gold"] + 1, c["tp"] + (i in hit)
    for k in pred_keys:
        out.setdefault(k, dict.fromkeys(_COUNTS, 0))["predicted"] += 1
    return out


def _add(into: dict[str, dict], counts: dict[str, dict]) -> None:
    for k, c in counts.items():
        t = into.setdefault(k, dict.fromkeys(_COUNTS, 0))
        for f in _COUNTS:
            t[f] += c[f]


def _tally(counts: dict[str, dict]) -> dict:
    """{key: {gold, predicted, tp}} -> the same with fp, fn and ratios, sorted by key."""
    return {k: {"gold": c["gold"], "predicted": c["predicted"],
                **_ratios(c["tp"], c["predicted"] - c["tp"], c["gold"] - c["tp"])}
            for k, c in sorted(counts.items())}


def _total(counts: dict[str, dict]) -> dict:
    return _tally({"": {f: sum(c[f] for c in counts.values()) for f in _COUNTS}})[""]


def _brief(f: dict) -> dict:
    vb = f["value_base"]
    return {"surface": f["surface"], "kind": f["kind"], "value_base": None if vb is None else plain(vb)}


def score_document(gold: dict, text: str, rows: list[dict]) -> dict:
    """Score one rendering: its predicted rows (int start/end, Decimal value_base) against gold."""
    golds = [{**f, "span": locate(text, f["surface"], f["nth"]), "value_base": gold_value_base(f)}
             for f in gold["figures"]]
    preds = [{**r, "span": (r["start"], r["end"])} for r in rows]
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
        "gold": len(golds), "figures": len(preds), **_ratios(tp, len(preds) - tp, len(golds) - tp),
        "detection": _ratios(det, len(preds) - det, len(golds) - det),
        "indicator": {"right": tp - len(misses), "matched": tp,
                      "accuracy": round((tp - len(misses)) / tp, 4) if tp else None},
        "kinds": _groups([g["kind"] for g in golds], [p["kind"] for p in preds], g_hit),
        # an extractor whose offsets do not index its own text is scored on wrong spans: show it
        "bad_spans": [{"figure_id": p.get("figure_id", ""), "surface": p["surface"],
                       "text": text[p["start"]:p["end"]]}
                      for p in preds if text[p["start"]:p["end"]] != p["surface"]],
        "false_negatives": false_neg, "unlocated": unlocated,
        "false_positives": [{**_brief(p), "start": p["start"], "indicator": p.get("indicator", "")}
                            for j, p in enumerate(preds) if j not in p_hit],
        "indicator_misses": misses,
    }


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
    return {"checks": _groups([g[0] for g in golds], [p[0] for p in preds], hit),
            "missed": [f["check"] + (f": {f['note']}" if f.get("note") else "")
                       for i, f in enumerate(flags) if i not in hit],
            "spurious": [{"check": r["check"], "figure_ids": r.get("figure_ids") or ""}
                         for j, r in enumerate(flag_rows) if j not in used]}


# ---------------------------------------------------------------- I/O at the edges

def _read_rows(path: Path, needed: tuple[str, ...]) -> list[dict]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            lacking = [c for c in needed if c not in (reader.fieldnames or ())]
            if lacking:
                raise JixiaoError(f"{path}: lacks column(s) {', '.join(lacking)}")
            return [{k: unsafe_text(v or "") for k, v in row.items()} for row in reader]
    except OSError as e:
        raise JixiaoError(f"{path}: cannot read: {e}") from e


def _read_figures(path: Path) -> dict[str, list[dict]]:
    """doc_id -> figure rows with int offsets and a Decimal value_base (None when empty)."""
    by_doc: dict[str, list[dict]] = {}
    for n, row in enumerate(_read_rows(path, _FIGURE_COLUMNS), start=2):
        try:
            vb = Decimal(row["value_base"]) if row["value_base"].strip() else None
            row.update(start=int(row["start"]), end=int(row["end"]), value_base=vb)
        except (ValueError, InvalidOperation) as e:
            raise JixiaoError(f"{path}: line {n}: bad start/end/value_base") from e
        by_doc.setdefault(row["doc_id"], []).append(row)
    return by_doc


def _read_text(path: Path) -> str:
    try:  # newline="": offsets count a '\r' as the writer kept it
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as e:
        raise JixiaoError(f"{path}: text of a scored document cannot be read: {e}") from e


def evaluate(gold_dir, outdir) -> dict:
    """Score OUTDIR against GOLD_DIR, write OUTDIR/eval.json and return the same plain dict."""
    gold, out = load_gold(gold_dir), Path(outdir)
    documents = _read_rows(out / "documents.csv", ("doc_id", "status"))
    figures = _read_figures(out / "figures.csv")
    flags_path = out / "flags.csv"
    flag_rows = _read_rows(flags_path, ("doc_id", "check", "figure_ids")) if flags_path.exists() else None
    panel_path = out / "panel.csv"
    panel_rows = {r["doc_id"]: r for r in _read_rows(panel_path, ("doc_id",))} if panel_path.exists() else None

    docs, not_scored, seen, kinds, checks = {}, [], set(), {}, {}
    for d in sorted(documents, key=lambda d: d["doc_id"]):
        doc_id, name = d["doc_id"], doc_name(d["doc_id"])
        if name not in gold:
            continue
        seen.add(name)
        if d["status"] != "ok":
            not_scored.append({"doc_id": doc_id, "name": name, "status": d["status"],
                               "error": d.get("error") or ""})
            continue
        text, rows = _read_text(out / "text" / f"{doc_id}.txt"), figures.get(doc_id, [])
        result = {"name": name, **score_document(gold[name], text, rows)}
        _add(kinds, result.pop("kinds"))
        if flag_rows is not None:
            spans = {r["figure_id"]: (r["start"], r["end"]) for r in rows}
            mine = [r for r in flag_rows if r["doc_id"] == doc_id]
            scored = score_flags(gold[name], mine, text, spans)
            _add(checks, scored["checks"])
            result["flags"] = {**_total(scored["checks"]), "missed": scored["missed"],
                               "spurious": scored["spurious"]}
        if panel_rows is not None and ("panel" in gold[name] or "document" in gold[name]):
            result["panel"] = score_panel(gold[name], text, panel_rows.get(doc_id))
        docs[doc_id] = result

    report = {
        "gold_dir": str(gold_dir), "outdir": str(out),
        "totals": _totals(list(docs.values())),
        "kinds": _tally(kinds),
        "documents": docs,
        "not_scored": not_scored,
        "missing": sorted(set(gold) - seen),
        "flags": ({"assessed": True, **_total(checks), "checks": _tally(checks)}
                  if flag_rows is not None
                  else {"assessed": False, "reason": "no flags.csv in the output folder"}),
        "panel": _panel_totals([d["panel"] for d in docs.values() if "panel" in d]),
    }
    write_text(out / "eval.json", json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    return report


# ---------------------------------------------------------------- the panel

_METADATA = ("unit", "year", "report_type", "project", "grade")
_PANEL_DIVISOR = {"money": Decimal(10000)}


def _gold_cell(gold: dict, text: str, cell) -> Decimal | None:
    """A gold panel cell's value in panel units: a located figure, or a derived value."""
    if isinstance(cell, dict):
        return Decimal(str(cell["value"]))
    surface, nth = cell
    fig = next((f for f in gold["figures"] if f["surface"] == surface and f["nth"] == nth), None)
    if fig is None or locate(text, surface, nth) is None:
        return None
    return gold_value_base(fig) / _PANEL_DIVISOR.get(fig["kind"], Decimal(1))


def score_panel(gold: dict, text: str, row: dict | None) -> dict:
    """Metadata fields equal; panel cells within rounding of the gold; cells the gold leaves empty."""
    row = row or {}
    meta = {k: str(row.get(k) or "") == str((gold.get("document") or {}).get(k) or "") for k in _METADATA}
    cells, extra = {}, []
    expected = gold.get("panel") or {}
    for column, cell in expected.items():
        want, got = _gold_cell(gold, text, cell), (row.get(column) or "").strip()
        if want is None or not got:
            cells[column] = False
            continue
        half = Decimal(5) * Decimal(10) ** (min(want.as_tuple().exponent, 0) - 1)
        cells[column] = abs(Decimal(got) - want) <= half
    for column, value in row.items():
        if column not in expected and column not in _METADATA and column != "doc_id" and (value or "").strip():
            extra.append(column)
    return {"metadata": meta, "cells": cells, "extra": extra,
            "right": sum(cells.values()), "gold": len(cells)}


def _totals(docs: list[dict]) -> dict:
    """Micro totals: counts summed over documents, ratios recomputed from the sums."""
    def s(key, sub=None):
        return sum((d[sub] if sub else d)[key] for d in docs)
    right, matched = s("right", "indicator"), s("matched", "indicator")
    return {"documents": len(docs), "gold": s("gold"), "figures": s("figures"),
            **_ratios(s("tp"), s("fp"), s("fn")),
            "detection": _ratios(s("tp", "detection"), s("fp", "detection"), s("fn", "detection")),
            "indicator": {"right": right, "matched": matched,
                          "accuracy": round(right / matched, 4) if matched else None}}


def _panel_totals(scored: list[dict]) -> dict:
    if not scored:
        return {"assessed": False}
    right, gold = sum(s["right"] for s in scored), sum(s["gold"] for s in scored)
    meta = [v for s in scored for v in s["metadata"].values()]
    by_column: dict[str, list[bool]] = {}
    for s in scored:
        for column, ok in s["cells"].items():
            by_column.setdefault(column, []).append(ok)
    return {"assessed": True, "cells_right": right, "cells_gold": gold,
            "cell_accuracy": round(right / gold, 4) if gold else None,
            "extra_cells": sum(len(s["extra"]) for s in scored),
            "metadata_accuracy": round(sum(meta) / len(meta), 4) if meta else None,
            "columns": {c: round(sum(v) / len(v), 4) for c, v in sorted(by_column.items())}}


# ---------------------------------------------------------------- terminal

def _width(s: str) -> int:
    """Terminal columns: a Chinese character in a doc_id takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def format_report(report: dict) -> str:
    """One aligned line per document, per kind and for the total; '-' where a ratio is undefined."""
    def r(x):
        return "-" if x is None else f"{x:.3f}"

    def line(label, gold, pred, m, extra=()):
        return [label, str(gold), str(pred), r(m["precision"]), r(m["recall"]), r(m["f1"]), *extra]

    def quality(m):
        return r(m["detection"]["f1"]), r(m["indicator"]["accuracy"])

    table = [["document", "gold", "pred", "P", "R", "F1", "detF1", "indic"]]
    for doc_id, d in report["documents"].items():
        table.append(line(doc_id, d["gold"], d["figures"], d, quality(d)))
    for kind, k in report["kinds"].items():
        table.append(line(f"  kind {kind}", k["gold"], k["predicted"], k))
    t = report["totals"]
    table.append(line("TOTAL", t["gold"], t["figures"], t, quality(t)))
    widths = [max(_width(row[c]) for row in table if c < len(row)) for c in range(len(table[0]))]
    lines = ["  ".join(cell + " " * (w - _width(cell)) if c == 0 else cell.rjust(w)
                       for c, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in table]
    f = report["flags"]
    lines.append(f"flags: gold {f['gold']}  predicted {f['predicted']}  P {r(f['precision'])}  "
                 f"R {r(f['recall'])}  F1 {r(f['f1'])}" if f["assessed"]
                 else f"flags: not assessed ({f['reason']})")
    pnl = report.get("panel") or {}
    if pnl.get("assessed"):
        lines.append(f"panel: cells {pnl['cells_right']}/{pnl['cells_gold']} right ({r(pnl['cell_accuracy'])}), "
                     f"{pnl['extra_cells']} filled where the gold is empty; metadata {r(pnl['metadata_accuracy'])}")
    lines += [f"not scored: {d['doc_id']} ({d['status']}{': ' + d['error'] if d['error'] else ''})"
              for d in report["not_scored"]]
    if report["missing"]:
        lines.append("missing: " + ", ".join(report["missing"]))
    return "\n".join(lines)
