"""Floors on the real excerpts beside the project (`../shared/real`): reports and forms as
government sites publish them, which no rule here was written from. Prose (`narr-*`) and forms
(`table-*`) are scored apart, each against its own floor; raise a floor as the reader improves,
never lower one to pass.

The excerpts are read from where they stand and never copied into the project; without them the
tier fails and says where it looked.
"""
from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest

from extract.evaluate import evaluate
from extract import run

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT.parent / "shared" / "real"

# measured when set: prose F1 0.991; forms F1 0.782, rows found 0.550 at precision 0.938,
# cells right on found rows 0.934, forms' flags 8 right / 5 false / 4 missed
FLOORS = {
    "narr": {"f1": 0.97},
    "table": {"f1": 0.75, "rows_recall": 0.52, "rows_precision": 0.90, "cells": 0.85,
              "flags_tp": 8},
}


def _group(name: str) -> str:
    return name.split("-", 1)[0]


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    assert (REAL / "gold").is_dir(), f"the real excerpts are not beside the project: {REAL}"
    inputs = tmp_path_factory.mktemp("real") / "in"
    inputs.mkdir()
    for p in sorted(REAL.glob("*.txt")):
        shutil.copy(p, inputs / p.name)
    out = inputs.parent / "out"
    run([inputs], out)
    report = evaluate(REAL / "gold", out)
    with open(out / "flags.csv", encoding="utf-8-sig", newline="") as fh:
        report["severity"] = {(r["check"], r["figure_ids"]): r["severity"] for r in csv.DictReader(fh)}
    return report


def _sums(report: dict, group: str) -> Counter:
    c = Counter()
    for doc in report["documents"].values():
        if _group(doc["name"]) != group:
            continue
        for k in ("tp", "fp", "fn"):
            c[k] += doc[k]
            c["flags_" + k] += doc["flags"][k]
        rows = doc.get("indicators")
        if rows:
            c["gold_rows"] += rows["gold_rows"]
            c["predicted_rows"] += rows["predicted_rows"]     # funds rows the gold leaves out excluded
            c["matched"] += rows["matched"]
            for cell in rows["cells"].values():
                c["cells_right"] += cell["right"]
                c["cells_matched"] += cell["gold_matched"]
    return c


def _f1(c: Counter) -> float:
    p, r = c["tp"] / max(1, c["tp"] + c["fp"]), c["tp"] / max(1, c["tp"] + c["fn"])
    return 2 * p * r / (p + r) if p + r else 0.0


@pytest.mark.corpus
def test_every_real_excerpt_is_scored(real_run):
    names = {p.stem for p in (REAL / "gold").glob("*.json")}
    assert not real_run["missing"] and not real_run["not_scored"]
    assert {d["name"] for d in real_run["documents"].values()} == names


@pytest.mark.corpus
def test_real_prose_floor(real_run):
    c = _sums(real_run, "narr")
    assert _f1(c) >= FLOORS["narr"]["f1"], (_f1(c), c)


@pytest.mark.corpus
def test_real_forms_floors(real_run):
    c, floor = _sums(real_run, "table"), FLOORS["table"]
    assert _f1(c) >= floor["f1"], (_f1(c), c)
    assert c["matched"] / c["gold_rows"] >= floor["rows_recall"], c
    assert c["matched"] / max(1, c["predicted_rows"]) >= floor["rows_precision"], c
    assert c["cells_right"] / c["cells_matched"] >= floor["cells"], c
    assert c["flags_tp"] >= floor["flags_tp"], c


@pytest.mark.corpus
def test_no_false_error_on_a_real_form(real_run):
    """A reviewer opens `error` flags first: on the forms none may be one the gold does not hold."""
    spurious = [(d["name"], s) for d in real_run["documents"].values() if _group(d["name"]) == "table"
                for s in d["flags"]["spurious"]
                if real_run["severity"].get((s["check"], s["figure_ids"])) == "error"]
    assert not spurious, spurious
