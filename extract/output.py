"""Rows and files: the one place where figures and documents become table rows.

Every table is written to a temporary file beside its target and renamed over
it, so a reader never sees half a table.
"""
from __future__ import annotations

import csv
import os
import tempfile
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Mapping

from .model import CheckResult, Figure

DOCUMENT_COLUMNS = ("doc_id", "source", "format", "status", "error", "chars", "pages",
                    "figures", "flags", "seconds", "encoding", "unit", "year", "report_type",
                    "project", "grade")
FIGURE_COLUMNS = ("figure_id", "doc_id", "page", "section", "start", "end", "surface", "value",
                  "unit", "value_base", "base_unit", "kind", "approx", "indicator", "role",
                  "direction", "sentence", "table", "row", "col", "source_method", "confidence",
                  "canonical")


CHECK_COLUMNS = ("check_id", "doc_id", "check", "status", "severity", "figure_ids", "stated",
                 "expected", "tolerance", "message")
FLAG_COLUMNS = ("flag_id", "doc_id", "check", "severity", "message", "figure_ids", "page", "section",
                "evidence", "stated", "expected", "tolerance")


# The panel's indicator columns, as spec/indicators.md defines them; patterns/indicators.yaml
# says how reports name each (tests/test_panel.py keeps the two in step).
PANEL_INDICATORS = ("收入合计", "财政拨款收入", "一般公共预算财政拨款收入", "政府性基金预算财政拨款收入",
                    "事业收入", "其他收入", "上年结转结余", "支出合计", "基本支出", "人员经费", "公用经费",
                    "项目支出", "年末结转结余", "预算数", "年初预算数", "预算执行数", "预算执行率", "三公经费",
                    "因公出国（境）费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费",
                    "公务接待费", "三公经费上年数", "自评得分", "满意度")
PANEL_COLUMNS = ("doc_id", "unit", "year", "report_type", "project", "grade", *PANEL_INDICATORS)
SOURCE_COLUMNS = ("doc_id", "indicator", "figure_id", "basis", "value", "unit", "lo", "hi")

# Every table a run writes, in the order it writes them (documents.csv last: it is the index).
TABLES = {"figures": FIGURE_COLUMNS, "checks": CHECK_COLUMNS, "flags": FLAG_COLUMNS,
          "panel": PANEL_COLUMNS, "panel_sources": SOURCE_COLUMNS, "documents": DOCUMENT_COLUMNS}


def check_row(c: CheckResult) -> dict:
    return {"check_id": c.check_id, "doc_id": c.doc_id, "check": c.check, "status": c.status,
            "severity": c.severity, "figure_ids": " ".join(c.figure_ids), "stated": c.stated,
            "expected": c.expected, "tolerance": c.tolerance, "message": c.message}


def flag_row(c: CheckResult) -> dict:
    return {"flag_id": c.check_id, "doc_id": c.doc_id, "check": c.check, "severity": c.severity,
            "message": c.message, "figure_ids": " ".join(c.figure_ids), "page": c.page,
            "section": c.section, "evidence": c.evidence, "stated": c.stated, "expected": c.expected,
            "tolerance": c.tolerance}


def plain(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 1.2E+7 -> '12000000', 98.0 -> '98'."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def figure_row(f: Figure) -> dict:
    return {
        "figure_id": f.figure_id, "doc_id": f.doc_id, "page": f.page, "section": f.section,
        "start": f.start, "end": f.end, "surface": f.surface, "value": str(f.value),
        "unit": f.unit, "value_base": plain(f.value_base), "base_unit": f.base_unit,
        "kind": f.kind, "approx": f.approx, "indicator": f.indicator, "role": f.role,
        "direction": f.direction, "sentence": f.sentence, "table": f.table, "row": f.row,
        "col": f.col, "source_method": f.source_method,
        "confidence": "" if f.confidence is None else f"{f.confidence:.3f}",
        "canonical": f.canonical,
    }


# Columns that hold numbers; every other column is text and is guarded against formulas.
NUMERIC_COLUMNS = frozenset({"start", "end", "page", "table", "row", "col", "value", "value_base",
                             "confidence", "chars", "pages", "figures", "flags", "seconds", "year",
                             "lo", "hi", *PANEL_INDICATORS})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(v: str) -> str:
    """A text cell that Excel or WPS would read as a formula (=, +, -, @, tab, CR first)
    gets a leading apostrophe, which both show as plain text."""
    return "'" + v if v.startswith(_FORMULA_START) else v


def unsafe_text(v: str) -> str:
    """The cell as it was before `safe_text`, for programs that read our CSVs back."""
    return v[1:] if v.startswith("'") and v[1:].startswith(_FORMULA_START) else v


def _cell(v, column: str = "") -> str:
    if v is None:
        return ""
    text = str(v)
    return text if column in NUMERIC_COLUMNS else safe_text(text)


@contextmanager
def atomic(path: Path, encoding: str = "utf-8"):
    """A text file handle whose content replaces `path` only when the block completes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[Mapping]) -> int:
    """Write rows atomically, UTF-8 with BOM so Excel and WPS read the Chinese; returns the count."""
    n = 0
    with atomic(path, "utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for row in rows:
            w.writerow([_cell(row.get(c), c) for c in columns])
            n += 1
    return n


def write_grid(path: Path, rows: Iterable[Iterable[str]]) -> None:
    """A table as it was drawn, row by row (its header is its first row), formula-safe."""
    with atomic(path, "utf-8-sig") as fh:
        w = csv.writer(fh)
        for row in rows:
            w.writerow([safe_text(str(v)) for v in row])


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (UTF-8, no BOM: offsets index it character by character)."""
    with atomic(path) as fh:
        fh.write(text)
