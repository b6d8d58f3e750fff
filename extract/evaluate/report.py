"""`jixiao eval`'s printed tables: one aligned line per document, per kind and for the total;
then, when the run wrote indicators.csv, one per document with forms and their total."""
from __future__ import annotations

import unicodedata

from .forms import CELLS

def _width(s: str) -> int:
    """Terminal columns: a Chinese character in a doc_id takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _aligned(table: list[list[str]]) -> list[str]:
    """The first column left-aligned, the others right-aligned, in terminal columns."""
    widths = [max(_width(row[c]) for row in table if c < len(row)) for c in range(len(table[0]))]
    return ["  ".join(cell + " " * (w - _width(cell)) if c == 0 else cell.rjust(w)
                      for c, (cell, w) in enumerate(zip(row, widths))).rstrip() for row in table]


def _indicator_lines(report: dict, r) -> list[str]:
    """Rows of forms: gold and predicted rows, row P/R/F1, each cell's accuracy over matched rows;
    then the cells over all gold rows, where a missed row's cells count as wrong."""
    def line(label, m):
        return [label, str(m["gold_rows"]), str(m["predicted_rows"]), r(m["precision"]), r(m["recall"]),
                r(m["f1"]), *(r(m["cells"][c]["accuracy"]) for c in CELLS)]

    t = report["indicators"]
    if not t["documents"]:
        return ["forms: no scored document has gold indicator_rows"]
    table = [["forms", "gold", "pred", "P", "R", "F1", *CELLS]]
    table += [line(doc_id, d["indicators"]) for doc_id, d in report["documents"].items() if "indicators" in d]
    table.append(line("TOTAL", t))
    cells = t["cells"]
    return [*_aligned(table),
            "indicator cells over all gold rows: "
            + "  ".join(f"{c} {cells[c]['right']}/{cells[c]['gold_all']} ({r(cells[c]['accuracy_all'])})"
                        for c in CELLS)
            + f"; {t['ignored_funds']} funds rows not in the gold ignored"]


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
    lines = _aligned(table)
    f = report["flags"]
    lines.append(f"flags: gold {f['gold']}  predicted {f['predicted']}  P {r(f['precision'])}  "
                 f"R {r(f['recall'])}  F1 {r(f['f1'])}" if f["assessed"]
                 else f"flags: not assessed ({f['reason']})")
    pnl = report.get("panel") or {}
    if pnl.get("assessed"):
        lines.append(f"panel: cells {pnl['cells_right']}/{pnl['cells_gold']} right ({r(pnl['cell_accuracy'])}), "
                     f"{pnl['extra_cells']} filled where the gold is empty; metadata {r(pnl['metadata_accuracy'])}")
    if "indicators" in report:
        lines += _indicator_lines(report, r)
    lines += [f"not scored: {d['doc_id']} ({d['status']}{': ' + d['error'] if d['error'] else ''})"
              for d in report["not_scored"]]
    if report["missing"]:
        lines.append("missing: " + ", ".join(report["missing"]))
    return "\n".join(lines)
