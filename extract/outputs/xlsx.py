"""Tables as one Excel workbook: a sheet per table, typed cells, frozen header row, filters.

Numbers are numbers (the numeric columns of core/rows.py, when they fit Excel's 15 digits),
times are times (in local time: Excel has no time zones), and every other cell is text that
Excel never reads as a formula. A table longer than a sheet holds continues on the next
(`figures (2)`). Written in write-only mode, row by row, and renamed into place when done.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterable, Mapping

from ..core.rows import NUMERIC_COLUMNS
from .files import atomic_path

MAX_ROWS = 1_048_575                 # data rows of one sheet (Excel's limit, less the header)
TIME_COLUMNS = frozenset({"decided_at", "seen_at"})
WRAPPED = frozenset({"message", "evidence", "note", "sentence", "error"})
WIDTHS = {"flag_id": 30, "status": 10, "decision": 11, "note": 40, "reviewer": 12, "decided_at": 20,
          "doc_id": 28, "page": 6, "section": 30, "check": 20, "check_name": 22, "severity": 9,
          "message": 60, "evidence": 80, "figures": 50, "figure_ids": 30, "stated": 22, "expected": 22,
          "tolerance": 12, "figure_id": 16, "surface": 16, "value": 12, "unit": 8, "value_base": 14,
          "base_unit": 8, "kind": 10, "approx": 10, "indicator": 24, "role": 10, "sentence": 80,
          "source": 40, "error": 40, "check_id": 30, "subject_id": 30, "report_id": 16,
          "duplicate_of": 28, "bbox": 24}


def _number(v: str):
    try:
        d = Decimal(v)
    except (InvalidOperation, ValueError):
        return None
    if not d.is_finite() or len(d.as_tuple().digits) > 15:
        return None
    return int(d) if d == d.to_integral_value() and "." not in v and "E" not in v.upper() else float(d)


def _time(v: str):
    try:
        t = datetime.fromisoformat(v)
    except ValueError:
        return None
    return t.astimezone().replace(tzinfo=None) if t.tzinfo else t


def write_workbook(path: str | Path, sheets: Iterable[tuple[str, tuple[str, ...], Iterable[Mapping]]]) -> Path:
    """Write `sheets` — (name, columns, rows) — as one workbook at `path`, atomically."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    wrap = Alignment(wrap_text=True, vertical="top")

    def sheet(title: str, columns: list[str]):
        ws = wb.create_sheet(title[:31])
        ws.freeze_panes = "A2"
        for i, c in enumerate(columns, 1):
            ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c, 14)
        header = []
        for c in columns:
            cell = WriteOnlyCell(ws, value=c)
            cell.font, cell.fill = bold, fill
            header.append(cell)
        ws.append(header)
        return ws

    def close(ws, columns, n):
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"

    for name, columns, rows in sheets:
        columns = list(columns)
        ws, n, part = sheet(name, columns), 0, 1
        for row in rows:
            if n == MAX_ROWS:
                close(ws, columns, n)
                part += 1
                ws, n = sheet(f"{name} ({part})", columns), 0
            out = []
            for c in columns:
                v = row.get(c, "")
                v = "" if v is None else v if isinstance(v, (int, float, Decimal, datetime)) else str(v)
                if isinstance(v, str) and v and c in NUMERIC_COLUMNS and (x := _number(v)) is not None:
                    out.append(x)
                    continue
                if isinstance(v, str) and v and c in TIME_COLUMNS and (t := _time(v)) is not None:
                    cell = WriteOnlyCell(ws, value=t)
                    cell.number_format = "yyyy-mm-dd hh:mm:ss"
                    out.append(cell)
                    continue
                if not isinstance(v, str):
                    out.append(v)
                    continue
                cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if v else None)
                if v:
                    cell.data_type = "s"          # text stays text: '=…' is not a formula
                if c in WRAPPED:
                    cell.alignment = wrap
                out.append(cell)
            ws.append(out)
            n += 1
        close(ws, columns, n)
    path = Path(path)
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
