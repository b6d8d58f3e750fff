"""Rows: the only code that turns the core types into table rows, and rows back into types.

Every output table is named here with its columns, in the order a run writes them. Values
stay typed (Decimal, Interval, tuples) until a row is made; formatting happens here once.
Text cells that a spreadsheet would read as a formula get a leading apostrophe
(`safe_text`); `unsafe_text` undoes it for programs that read the tables back.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Mapping

from .interval import Interval, fmt, parse_bound
from .model import CheckResult, Figure, Grid, IndicatorRow, Metadata, PanelRow, PanelSource
from .names import shown

DOCUMENT_COLUMNS = ("doc_id", "source", "format", "status", "error", "chars", "pages",
                    "figures", "flags", "seconds", "encoding", "unit", "year", "report_type",
                    "project", "grade", "report_id", "duplicate_of", "ocr_pages", "ocr_confidence")
FIGURE_COLUMNS = ("figure_id", "doc_id", "page", "section", "start", "end", "surface", "value",
                  "unit", "value_base", "base_unit", "kind", "approx", "indicator", "role",
                  "direction", "sentence", "table", "row", "col", "source_method", "confidence",
                  "canonical", "bbox")
CHECK_COLUMNS = ("check_id", "doc_id", "check", "status", "severity", "figure_ids", "stated",
                 "expected", "tolerance", "message")
FLAG_COLUMNS = ("flag_id", "doc_id", "check", "severity", "message", "figure_ids", "page", "section",
                "evidence", "stated", "expected", "tolerance", "subject_id")
METADATA_COLUMNS = ("unit", "year", "report_type", "project", "grade")

# The panel's indicator columns (docs/panel.md); patterns/indicators.yaml says how reports name
# each (tests/test_panel.py keeps the two in step).
PANEL_INDICATORS = ("收入合计", "财政拨款收入", "一般公共预算财政拨款收入", "政府性基金预算财政拨款收入",
                    "事业收入", "其他收入", "上年结转结余", "支出合计", "基本支出", "人员经费", "公用经费",
                    "项目支出", "年末结转结余", "预算数", "年初预算数", "预算执行数", "预算执行率", "三公经费",
                    "因公出国（境）费", "公务用车购置及运行维护费", "公务用车购置费", "公务用车运行维护费",
                    "公务接待费", "三公经费上年数", "自评得分", "满意度")
PANEL_COLUMNS = ("doc_id", *METADATA_COLUMNS, *PANEL_INDICATORS)
SOURCE_COLUMNS = ("doc_id", "indicator", "figure_id", "basis", "value", "unit", "lo", "hi")
INDICATOR_COLUMNS = ("row_id", "doc_id", "form", "row_type", "level1", "level2", "level3", "target",
                     "comparator", "target_value", "target_unit", "actual", "actual_value",
                     "actual_unit", "initial_budget", "rate", "weight", "score", "reason", "met",
                     "page", "start", "end", "unreadable", "figure_ids")

# Every table a run writes, in the order it writes them (documents.csv last: it is the index).
TABLES = {"figures": FIGURE_COLUMNS, "checks": CHECK_COLUMNS, "flags": FLAG_COLUMNS,
          "panel": PANEL_COLUMNS, "panel_sources": SOURCE_COLUMNS, "indicators": INDICATOR_COLUMNS,
          "documents": DOCUMENT_COLUMNS}

# Columns that hold numbers; every other column is text and is guarded against formulas.
NUMERIC_COLUMNS = frozenset({"start", "end", "page", "table", "row", "col", "value", "value_base",
                             "confidence", "chars", "pages", "figures", "flags", "seconds", "year",
                             "lo", "hi", "ocr_confidence", "form", "target_value", "actual_value",
                             *PANEL_INDICATORS})
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------- cells

def safe_text(v: str) -> str:
    """A text cell that Excel or WPS would read as a formula (=, +, -, @, tab, CR first)
    gets a leading apostrophe, which both show as plain text."""
    return "'" + v if v.startswith(_FORMULA_START) else v


def unsafe_text(v: str) -> str:
    """The cell as it was before `safe_text`, for programs that read our CSVs back."""
    return v[1:] if v.startswith("'") and v[1:].startswith(_FORMULA_START) else v


def cell(v, column: str = "") -> str:
    """A value as its CSV cell: numbers as they are, text guarded against formulas."""
    if v is None:
        return ""
    text = str(v)
    return text if column in NUMERIC_COLUMNS else safe_text(text)


def plain(d: Decimal) -> str:
    """A Decimal without exponent or trailing zeros: 1.2E+7 -> '12000000', 98.0 -> '98'."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def side(v: Interval | Decimal | None) -> str:
    """One side of a check (stated or expected) as checks.csv writes it."""
    return "" if v is None else str(v)


# ---------------------------------------------------------------- types -> rows

def figure_row(f: Figure) -> dict:
    return {
        "figure_id": f.figure_id, "doc_id": f.doc_id, "page": f.page, "section": f.section,
        "start": f.start, "end": f.end, "surface": f.surface, "value": str(f.value),
        "unit": f.unit, "value_base": plain(f.value_base), "base_unit": f.base_unit,
        "kind": f.kind, "approx": f.approx, "indicator": f.indicator, "role": f.role,
        "direction": f.direction, "sentence": f.sentence, "table": f.table, "row": f.row,
        "col": f.col, "source_method": f.source_method,
        "confidence": "" if f.confidence is None else f"{f.confidence:.3f}",
        "canonical": "、".join(f.canonical), "bbox": bbox_text(f.bbox),
    }


def bbox_text(rects) -> str:
    """A figure's boxes on its page as `x0 top x1 bottom` in points, `;` between lines."""
    return ";".join(" ".join(f"{v:g}" for v in r) for r in rects)


def bbox_from_text(text: str) -> tuple[tuple[float, ...], ...]:
    out = []
    for part in (text or "").split(";"):
        try:
            values = tuple(float(v) for v in part.split())
        except ValueError:
            continue
        if len(values) == 4:
            out.append(values)
    return tuple(out)


def _tolerance(c: CheckResult) -> str:
    return "" if c.tolerance is None else f"±{fmt(c.tolerance)}"


def check_row(c: CheckResult) -> dict:
    return {"check_id": c.check_id, "doc_id": c.doc_id, "check": c.check, "status": c.status,
            "severity": c.severity, "figure_ids": " ".join(c.figure_ids), "stated": side(c.stated),
            "expected": side(c.expected), "tolerance": _tolerance(c), "message": c.message}


def flag_row(c: CheckResult) -> dict:
    return {"flag_id": c.check_id, "doc_id": c.doc_id, "check": c.check, "severity": c.severity,
            "message": c.message, "figure_ids": " ".join(c.figure_ids), "page": c.page,
            "section": c.section, "evidence": c.evidence, "stated": side(c.stated),
            "expected": side(c.expected), "tolerance": _tolerance(c), "subject_id": c.subject_id}


def metadata_row(m: Metadata) -> dict:
    return {"unit": m.unit, "year": m.year or "", "report_type": m.report_type,
            "project": m.project, "grade": m.grade}


def panel_row(p: PanelRow) -> dict:
    return {"doc_id": p.doc_id, **metadata_row(p.metadata), **{c: fmt(v) for c, v in p.cells.items()}}


def source_row(s: PanelSource) -> dict:
    return {"doc_id": s.doc_id, "indicator": s.indicator, "figure_id": " ".join(s.figure_ids),
            "basis": s.basis, "value": fmt(s.value), "unit": s.unit,
            "lo": fmt(s.interval.lo), "hi": fmt(s.interval.hi)}


def indicator_row(r: IndicatorRow) -> dict:
    out = {}
    for c in INDICATOR_COLUMNS:
        v = getattr(r, c)
        out[c] = " ".join(v) if isinstance(v, tuple) else cell(v, c)
    return out


def page_ranges(pages) -> str:
    """1-based page numbers as `1-3,5` (the OCR pages of documents.csv)."""
    runs: list[list[int]] = []
    for p in sorted(set(pages)):
        if runs and p == runs[-1][1] + 1:
            runs[-1][1] = p
        else:
            runs.append([p, p])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def document_row(report) -> dict:
    """A `pipeline.Report` as its row of documents.csv (`duplicate_of` is the batch's to fill)."""
    a = report.analysis
    doc = a.document if a else None
    ok = report.status == "ok"
    ocr = dict(doc.ocr_confidence) if doc else {}
    return {"doc_id": report.doc_id, "source": shown(report.source), "format": report.format,
            "status": report.status, "error": report.error or unread_note(doc),
            "chars": len(doc.text) if doc else "", "pages": (doc.pages or "") if doc else "",
            "figures": len(a.figures) if ok and a else "", "flags": len(a.flags) if ok and a else "",
            "seconds": f"{report.seconds:.3f}", "encoding": doc.encoding if doc else "",
            **(metadata_row(a.metadata) if a else dict.fromkeys(METADATA_COLUMNS, "")),
            "report_id": a.report_id if ok and a else "", "duplicate_of": "",
            "ocr_pages": page_ranges(ocr), "ocr_confidence": f"{sum(ocr.values()) / len(ocr):.3f}" if ocr else ""}


def unread_note(doc) -> str:
    """What an ok document lacks: `pages 3, 5 not read (why)`, one clause per reason."""
    if doc is None or not doc.unread:
        return ""
    reasons: dict[str, list[int]] = {}
    for page, why in sorted(doc.unread.items()):
        reasons.setdefault(why, []).append(page)
    return "; ".join(f"page{'s' if len(pages) > 1 else ''} {', '.join(map(str, pages))} not read "
                     f"({why})" for why, pages in reasons.items())


def tables(report) -> dict[str, list[dict]]:
    """One document's rows of every table in TABLES."""
    a = report.analysis
    if a is None:
        return {"figures": [], "checks": [], "flags": [], "panel": [], "panel_sources": [],
                "indicators": [], "documents": [document_row(report)]}
    return {"figures": [figure_row(f) for f in a.figures],
            "checks": [check_row(c) for c in a.checks],
            "flags": [flag_row(c) for c in a.flags],
            "panel": [panel_row(a.panel)],
            "panel_sources": [source_row(s) for s in a.sources],
            "indicators": [indicator_row(r) for r in a.indicators],
            "documents": [document_row(report)]}


def grid_rows(g: Grid) -> list[list[str]]:
    """A drawn table as CSV rows (its header is its first row), formula-safe."""
    return [[safe_text(v) for v in row] for row in g.rows]


# ---------------------------------------------------------------- rows -> types

def source_from_row(row: Mapping) -> PanelSource:
    """A panel_sources row read back (the batch's merge reads the sources of every document)."""
    return PanelSource(doc_id=row["doc_id"], indicator=row["indicator"],
                       figure_ids=tuple(str(row["figure_id"]).split()), basis=row["basis"],
                       interval=Interval(parse_bound(str(row["lo"])), parse_bound(str(row["hi"]))),
                       unit=row["unit"])
