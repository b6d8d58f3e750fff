"""The yardstick: score an output folder of `jixiao run` against the gold annotations.

Each rendering is scored on its own text as written to OUTDIR/text/<doc_id>.txt; the rules are
those of docs/figures.md ("Gold annotations"). The rows of forms in OUTDIR/indicators.csv are
scored against the gold `indicator_rows` (forms.py). `evaluate` writes OUTDIR/eval.json.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ..core.errors import JixiaoError
from ..outputs.csvio import read_rows
from ..outputs.files import write_text
from ..outputs.paths import text_path
from .forms import COLUMNS as _INDICATOR_COLUMNS, forms_totals, score_forms
from .gold import doc_name, load_gold
from .panel import panel_totals, score_panel
from .report import format_report
from .score import add, ratios, score_document, score_flags, tally, total

__all__ = ["evaluate", "format_report", "load_gold"]

_FIGURE_COLUMNS = ("figure_id", "doc_id", "start", "end", "surface", "value_base", "kind", "indicator")

def _read_figures(path: Path) -> dict[str, list[dict]]:
    """doc_id -> figure rows with int offsets and a Decimal value_base (None when empty)."""
    by_doc: dict[str, list[dict]] = {}
    for n, row in enumerate(read_rows(path, require=_FIGURE_COLUMNS), start=2):
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


def _flag_rows(out: Path) -> list[dict] | None:
    """Each rendering's flags: the failed rows of checks.csv (flags.csv shows a flag found in
    several renderings of one report once, on the first), else flags.csv; None without either."""
    need = ("doc_id", "check", "figure_ids")
    if (out / "checks.csv").exists():
        return [r for r in read_rows(out / "checks.csv", require=(*need, "status")) if r["status"] == "fail"]
    if (out / "flags.csv").exists():
        return read_rows(out / "flags.csv", require=need)
    return None


def _indicator_rows(path: Path) -> dict[str, list[dict]] | None:
    """doc_id -> its rows of indicators.csv, in file order; None when the run wrote none."""
    if not path.exists():
        return None
    by_doc: dict[str, list[dict]] = {}
    for row in read_rows(path, require=_INDICATOR_COLUMNS):
        by_doc.setdefault(row["doc_id"], []).append(row)
    return by_doc


def evaluate(gold_dir, outdir) -> dict:
    """Score OUTDIR against GOLD_DIR, write OUTDIR/eval.json and return the same plain dict."""
    gold, out = load_gold(gold_dir), Path(outdir)
    documents = read_rows(out / "documents.csv", require=("doc_id", "status"))
    figures = _read_figures(out / "figures.csv")
    flag_rows = _flag_rows(out)
    panel_path = out / "panel.csv"
    panel_rows = {r["doc_id"]: r for r in read_rows(panel_path, require=("doc_id",))} if panel_path.exists() else None
    indicator_rows = _indicator_rows(out / "indicators.csv")

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
        text, rows = _read_text(text_path(out, doc_id)), figures.get(doc_id, [])
        result = {"name": name, **score_document(gold[name], text, rows)}
        add(kinds, result.pop("kinds"))
        if flag_rows is not None:
            spans = {r["figure_id"]: (r["start"], r["end"]) for r in rows}
            mine = [r for r in flag_rows if r["doc_id"] == doc_id]
            scored = score_flags(gold[name], mine, text, spans)
            add(checks, scored["checks"])
            result["flags"] = {**total(scored["checks"]), "missed": scored["missed"],
                               "spurious": scored["spurious"]}
        if panel_rows is not None and ("panel" in gold[name] or "document" in gold[name]):
            result["panel"] = score_panel(gold[name], text, panel_rows.get(doc_id))
        if indicator_rows is not None and "indicator_rows" in gold[name]:
            result["indicators"] = score_forms(gold[name]["indicator_rows"], indicator_rows.get(doc_id, []))
        docs[doc_id] = result

    report = {
        "gold_dir": str(gold_dir), "outdir": str(out),
        "totals": _totals(list(docs.values())),
        "kinds": tally(kinds),
        "documents": docs,
        "not_scored": not_scored,
        "missing": sorted(set(gold) - seen),
        "flags": ({"assessed": True, **total(checks), "checks": tally(checks)}
                  if flag_rows is not None
                  else {"assessed": False, "reason": "no flags.csv in the output folder"}),
        "panel": panel_totals([d["panel"] for d in docs.values() if "panel" in d]),
    }
    if indicator_rows is not None:  # no indicators.csv, no block
        report["indicators"] = forms_totals([d["indicators"] for d in docs.values() if "indicators" in d])
    write_text(out / "eval.json", json.dumps(report, ensure_ascii=False, indent=1) + "\n")
    return report


def _totals(docs: list[dict]) -> dict:
    """Micro totals: counts summed over documents, ratios recomputed from the sums."""
    def s(key, sub=None):
        return sum((d[sub] if sub else d)[key] for d in docs)
    right, matched = s("right", "indicator"), s("matched", "indicator")
    return {"documents": len(docs), "gold": s("gold"), "figures": s("figures"),
            "skipped": sum(len(d["skipped"]) for d in docs),
            **ratios(s("tp"), s("fp"), s("fn")),
            "detection": ratios(s("tp", "detection"), s("fp", "detection"), s("fn", "detection")),
            "indicator": {"right": right, "matched": matched,
                          "accuracy": round(right / matched, 4) if matched else None}}
