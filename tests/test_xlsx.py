"""Excel for everything: `jixiao run --xlsx` writes every table to one workbook, and the review
export carries decisions, notes, reviewers and times; both open in openpyxl and pandas with
numbers as numbers, text as text (never a formula), frozen headers and filters."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook
from support import read_rows

from extract.cli import main as jixiao
from extract.review.exports import export_xlsx
from extract.review.store import open_store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"
TABLES = ["documents", "figures", "checks", "flags", "panel", "panel_sources", "indicators"]


def test_run_xlsx_writes_every_table_typed_and_formula_safe(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CORPUS / "xiang-errors-2023.txt", inputs / "xiang-errors-2023.txt")
    (inputs / "=HYPERLINK(1).txt").write_text("某局2023年度报告\n收入合计100万元，其中甲60万元，乙50万元。\n",
                                              encoding="utf-8")
    out = tmp_path / "out"
    assert jixiao(["run", str(inputs), "-o", str(out), "--xlsx", "-j", "1"]) == 0
    book = out / "tables.xlsx"
    wb = load_workbook(book)
    assert wb.sheetnames == TABLES
    for name in TABLES:
        ws = wb[name]
        rows = read_rows(out / f"{name}.csv")
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
        assert ws.max_row == len(rows) + 1
        assert [c.value for c in ws[1]] == list(rows[0]) if rows else True
    figures = wb["figures"]
    head = [c.value for c in figures[1]]
    col = lambda name: head.index(name) + 1
    assert all(isinstance(figures.cell(r, col("start")).value, int) for r in range(2, figures.max_row + 1))
    assert all(isinstance(figures.cell(r, col("value")).value, (int, float)) for r in range(2, figures.max_row + 1))
    assert all(figures.cell(r, col("surface")).data_type == "s" for r in range(2, figures.max_row + 1))
    docs = wb["documents"]
    dhead = [c.value for c in docs[1]]
    ids = [docs.cell(r, dhead.index("doc_id") + 1) for r in range(2, docs.max_row + 1)]
    formula = next(c for c in ids if "HYPERLINK" in c.value)
    assert formula.value == "=HYPERLINK(1).txt" and formula.data_type == "s"       # text, not a formula
    # pandas reads the same tables with numeric columns as numbers
    frames = pd.read_excel(book, sheet_name=None)
    assert list(frames) == TABLES
    assert pd.api.types.is_integer_dtype(frames["figures"]["start"])
    assert pd.api.types.is_numeric_dtype(frames["figures"]["value_base"])
    assert pd.api.types.is_numeric_dtype(frames["documents"]["chars"])
    assert frames["flags"]["flag_id"].is_unique and len(frames["flags"]) == len(read_rows(out / "flags.csv"))


def test_the_review_export_has_decisions_reviewers_and_local_times(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CORPUS / "xiang-errors-2023.txt", inputs / "xiang-errors-2023.txt")
    out = tmp_path / "out"
    assert jixiao(["run", str(inputs), "-o", str(out), "-j", "1"]) == 0
    ids = [f["flag_id"] for f in read_rows(out / "flags.csv")]
    store = open_store(out)
    store.decide(ids[0], "confirmed", "@SUM(1) 确有问题", "李四")
    wb = load_workbook(export_xlsx(out))
    ws = wb["flags"]
    head = [c.value for c in ws[1]]
    row = {h: c for h, c in zip(head, ws[2])}
    assert row["decision"].value == "confirmed" and row["reviewer"].value == "李四"
    assert row["note"].value == "@SUM(1) 确有问题" and row["note"].data_type == "s"
    assert isinstance(row["decided_at"].value, datetime)
    assert abs((row["decided_at"].value - datetime.now()).total_seconds()) < 600     # local time
    assert row["check_name"].value == "合计与分项不符" or row["check"].value != "sum_mismatch"
    assert jixiao(["run", str(inputs), "-o", str(out), "--xlsx", "-j", "1"]) == 0
    assert load_workbook(out / "tables.xlsx").sheetnames == [*TABLES, "review"]
