"""What the review page needs (decisions, new and disappeared flags) and the exports of
decisions with their flags: CSV, an Excel workbook, and the import of an edited export."""
from __future__ import annotations

import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Mapping

from ..core.rows import FIGURE_COLUMNS
from ..outputs.csvio import read_rows
from ..outputs.files import atomic_path, write_csv
from .store import DECISIONS, SNAPSHOT, DecisionStore, open_store

def review_state(outdir: str | os.PathLike, store: DecisionStore | None = None) -> dict:
    """What the page needs: decisions, which current flags are new, which flags disappeared."""
    store = store or open_store(outdir)
    flags = read_rows(Path(outdir) / "flags.csv")
    run = store.sync(flags)
    first = store.runs()[0]["run_id"]
    seen = store.seen()
    decisions = store.decisions()
    current = {f.get("flag_id", "") for f in flags}
    status = {fid: {"new": run != first and seen.get(fid, {}).get("first_run") == run} for fid in current}
    gone = [{"flag_id": fid, "doc_id": s["doc_id"], "check": s["check_name"], "severity": s["severity"],
             "message": s["message"], "last_run": s["last_run"],
             "decision": decisions.get(fid, {}).get("decision", ""),
             "note": decisions.get(fid, {}).get("note", "")}
            for fid, s in sorted(seen.items()) if fid not in current]
    return {"run": run, "decisions": decisions, "status": status, "gone": gone}


EXPORT_COLUMNS = ("flag_id", "status", "decision", "note", "reviewer", "decided_at", "doc_id", "page",
                  "section", "check", "severity", "message", "evidence", "figures", "figure_ids",
                  "stated", "expected", "tolerance")


def review_rows(outdir: str | os.PathLike, store: DecisionStore | None = None) -> list[dict]:
    """One row per current flag (status new or current) and per disappeared flag."""
    store = store or open_store(outdir)
    state = review_state(outdir, store)
    figures = {f.get("figure_id", ""): f for f in read_rows(Path(outdir) / "figures.csv")}
    rows = []

    def add(flag: Mapping, status: str):
        d = state["decisions"].get(flag.get("flag_id", ""), {})
        ids = str(flag.get("figure_ids") or "").split()
        rows.append({**{c: flag.get(c, "") for c in EXPORT_COLUMNS}, "status": status,
                     "decision": d.get("decision", ""), "note": d.get("note", ""),
                     "reviewer": d.get("reviewer", ""), "decided_at": d.get("decided_at", ""),
                     "figures": "; ".join(f"{figures[i].get('surface', '')} ({figures[i].get('indicator', '')})"
                                          if i in figures else i for i in ids)})

    for f in read_rows(Path(outdir) / "flags.csv"):
        add(f, "new" if state["status"].get(f.get("flag_id", ""), {}).get("new") else "current")
    seen = store.seen()
    for g in state["gone"]:
        snap = seen[g["flag_id"]]
        add({"flag_id": g["flag_id"], **{k: snap[c] for c, k in SNAPSHOT.items()}}, "disappeared")
    return rows


def export_csv(outdir: str | os.PathLike, path: str | os.PathLike | None = None) -> Path:
    """Decisions with their flags, as CSV (UTF-8 with BOM); default OUTDIR/decisions.csv."""
    path = Path(path) if path else Path(outdir) / "decisions.csv"
    write_csv(path, EXPORT_COLUMNS, review_rows(outdir))
    return path


WIDTHS = {"flag_id": 30, "status": 10, "decision": 11, "note": 40, "reviewer": 12, "decided_at": 20,
          "doc_id": 28, "page": 6, "section": 30, "check": 20, "severity": 9, "message": 60,
          "evidence": 80, "figures": 50, "figure_ids": 30, "stated": 22, "expected": 22, "tolerance": 12,
          "figure_id": 16, "surface": 16, "value": 12, "unit": 8, "value_base": 14, "base_unit": 8,
          "kind": 10, "approx": 10, "indicator": 24, "role": 10, "sentence": 80}
NUMERIC = {"page", "start", "end", "value", "value_base", "row", "col", "confidence", "chars", "pages"}


def _xlsx_sheet(wb, title: str, columns: Iterable[str], rows: Iterable[Mapping]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = list(columns)
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, c in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c, 14)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    n = 0
    for row in rows:
        out = []
        for c in columns:
            v = row.get(c, "")
            v = "" if v is None else str(v)
            if c in NUMERIC and v:
                try:
                    d = Decimal(v)
                    if d.is_finite() and len(d.as_tuple().digits) <= 15:
                        out.append(int(d) if d == d.to_integral_value() and "." not in v else d)
                        continue
                except InvalidOperation:
                    pass
            cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", v))
            cell.data_type = "s"          # text stays text: '=…' is not a formula
            if c in ("message", "evidence", "note", "sentence"):
                cell.alignment = wrap
            out.append(cell)
        ws.append(out)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"


def export_xlsx(outdir: str | os.PathLike, path: str | os.PathLike | None = None) -> Path:
    """An Excel workbook: sheet `flags` (decision, note, document, message, evidence …) and
    sheet `figures`, frozen headers and set column widths; default OUTDIR/review.xlsx."""
    from openpyxl import Workbook

    path = Path(path) if path else Path(outdir) / "review.xlsx"
    wb = Workbook(write_only=True)
    _xlsx_sheet(wb, "flags", EXPORT_COLUMNS, review_rows(outdir))
    _xlsx_sheet(wb, "figures", FIGURE_COLUMNS, read_rows(Path(outdir) / "figures.csv"))
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path


def read_export(path: str | os.PathLike) -> list[dict]:
    """The flag rows of an exported decisions.csv or review.xlsx."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            rows = wb["flags"].iter_rows(values_only=True)
            head = [str(h) for h in next(rows)]
            return [{h: "" if v is None else str(v) for h, v in zip(head, r)} for r in rows]
        finally:
            wb.close()
    return read_rows(path)


def import_decisions(outdir: str | os.PathLike, path: str | os.PathLike, reviewer: str = "") -> int:
    """Apply the decisions of an exported (and perhaps edited) file; returns how many changed."""
    store = open_store(outdir)
    current = store.decisions()
    changed = 0
    for row in read_export(path):
        fid, decision, note = row.get("flag_id", ""), row.get("decision", "").strip(), row.get("note", "")
        if not fid or decision not in (*DECISIONS, ""):
            continue
        old = current.get(fid) or {"decision": "", "note": ""}
        if (old["decision"], old["note"]) == (decision, note):
            continue
        store.decide(fid, decision, note, row.get("reviewer") or reviewer)
        changed += 1
    return changed
