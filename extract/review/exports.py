"""What the review page needs (decisions, new and disappeared flags) and the exports of
decisions with their flags: CSV, an Excel workbook, and the import of an edited export."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

from ..core.rows import DOCUMENT_COLUMNS, FIGURE_COLUMNS, TABLES
from ..outputs.csvio import iter_rows, read_rows
from ..outputs.files import write_csv
from ..outputs.xlsx import write_workbook
from .labels import check_name
from .store import DB_NAME, DECISIONS, SNAPSHOT, DecisionStore, open_store

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
    # a disappeared flag about what a current one is about: the current one has changed
    earlier: dict[str, list[str]] = {}
    for fid, s in seen.items():
        if fid not in current and s.get("subject_id"):
            earlier.setdefault(s["subject_id"], []).append(fid)
    replaced = set()
    for f in flags:
        fid, subject = f.get("flag_id", ""), f.get("subject_id", "")
        before = [g for g in earlier.get(subject, ()) if decisions.get(g, {}).get("decision")] if subject else []
        if before and not decisions.get(fid, {}).get("decision"):
            g = max(before, key=lambda g: (seen[g]["last_run"], decisions[g]["decided_at"]))
            status[fid] = {**status[fid], "changed": {"flag_id": g, **{k: decisions[g][k] for k in (
                "decision", "note", "reviewer", "decided_at")}, "message": seen[g]["message"]}}
            replaced.update(earlier[subject])
    gone = [{"flag_id": fid, "doc_id": s["doc_id"], "check": s["check_name"],
             "check_name": check_name(s["check_name"]), "severity": s["severity"],
             "message": s["message"], "last_run": s["last_run"],
             "decision": decisions.get(fid, {}).get("decision", ""),
             "note": decisions.get(fid, {}).get("note", "")}
            for fid, s in sorted(seen.items()) if fid not in current and fid not in replaced]
    return {"run": run, "decisions": decisions, "status": status, "gone": gone}


EXPORT_COLUMNS = ("flag_id", "status", "decision", "note", "reviewer", "decided_at", "doc_id", "page",
                  "section", "check", "severity", "message", "evidence", "figures", "figure_ids",
                  "stated", "expected", "tolerance", "check_name", "subject_id", "previous_flag_id",
                  "previous_decision", "previous_note")


def review_rows(outdir: str | os.PathLike, store: DecisionStore | None = None) -> list[dict]:
    """One row per current flag (status new, changed — with the decision on the flag it
    replaces — or current) and per disappeared flag."""
    store = store or open_store(outdir)
    state = review_state(outdir, store)
    figures = {f.get("figure_id", ""): f for f in read_rows(Path(outdir) / "figures.csv")}
    rows = []

    def add(flag: Mapping, status: str, before: Mapping | None = None):
        d = state["decisions"].get(flag.get("flag_id", ""), {})
        ids = str(flag.get("figure_ids") or "").split()
        rows.append({**{c: flag.get(c, "") for c in EXPORT_COLUMNS}, "status": status,
                     "decision": d.get("decision", ""), "note": d.get("note", ""),
                     "reviewer": d.get("reviewer", ""), "decided_at": d.get("decided_at", ""),
                     "figures": "; ".join(f"{figures[i].get('surface', '')} ({figures[i].get('indicator', '')})"
                                          if i in figures else i for i in ids),
                     "check_name": check_name(str(flag.get("check", ""))),
                     "previous_flag_id": (before or {}).get("flag_id", ""),
                     "previous_decision": (before or {}).get("decision", ""),
                     "previous_note": (before or {}).get("note", "")})

    for f in read_rows(Path(outdir) / "flags.csv"):
        st = state["status"].get(f.get("flag_id", ""), {})
        add(f, "changed" if st.get("changed") else "new" if st.get("new") else "current", st.get("changed"))
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


def export_xlsx(outdir: str | os.PathLike, path: str | os.PathLike | None = None) -> Path:
    """An Excel workbook for reviewers: sheet `flags` (each flag with its decision, note,
    reviewer and time, its check's Chinese name and its figures), then `figures` and
    `documents`; typed cells, frozen headers, filters. Default OUTDIR/review.xlsx."""
    outdir = Path(outdir)
    return write_workbook(Path(path) if path else outdir / "review.xlsx", [
        ("flags", EXPORT_COLUMNS, review_rows(outdir)),
        ("figures", FIGURE_COLUMNS, iter_rows(outdir / "figures.csv")),
        ("documents", DOCUMENT_COLUMNS, iter_rows(outdir / "documents.csv"))])


def tables_xlsx(outdir: str | os.PathLike, path: str | os.PathLike | None = None) -> Path:
    """Every table of a run in one workbook (`jixiao run --xlsx`): a sheet per table, and
    sheet `review` (the decisions) when the folder has been reviewed. Default OUTDIR/tables.xlsx."""
    outdir = Path(outdir)
    order = ["documents", *(name for name in TABLES if name != "documents")]   # every table a run writes
    sheets = [(name, TABLES[name], iter_rows(outdir / f"{name}.csv")) for name in order]
    if (outdir / DB_NAME).exists():
        sheets.append(("review", EXPORT_COLUMNS, review_rows(outdir)))
    return write_workbook(Path(path) if path else outdir / "tables.xlsx", sheets)


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
