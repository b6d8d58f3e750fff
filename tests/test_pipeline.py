"""The whole text path: `jixiao run` and `jixiao eval` over the corpus, encodings, bad input."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from extract import find_figures, read_report, run
from extract.evaluate import evaluate
from extract.core.rows import DOCUMENT_COLUMNS, FIGURE_COLUMNS
from support import read_rows as _rows

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"
FORMS = sorted([*CORPUS.glob("*.xlsx"), *CORPUS.glob("*.html")])    # 自评表 as a workbook and a web page
REPORTS = sorted(CORPUS.glob("*.txt")) + FORMS

# Accuracy floors on the corpus .txt reports and forms; raise them as the extractor improves.
FLOORS = {"figure F1": 0.95, "detection F1": 0.97, "indicator accuracy": 0.80}


def _measures(scores: dict) -> dict:
    return {"figure F1": scores["f1"], "detection F1": scores["detection"]["f1"],
            "indicator accuracy": scores["indicator"]["accuracy"]}


@pytest.fixture(scope="module")
def corpus_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    inputs = base / "in"
    inputs.mkdir()
    for report in REPORTS:
        shutil.copy(report, inputs / report.name)
    out = base / "out"
    reports = run([inputs], out)
    return reports, out, evaluate(CORPUS / "gold", out)


@pytest.mark.corpus
def test_corpus_accuracy_floors(corpus_run):
    _, _, report = corpus_run
    totals = _measures(report["totals"])
    for key, floor in FLOORS.items():
        assert totals[key] >= floor, (key, totals[key])
    for doc_id, doc in report["documents"].items():
        assert doc["f1"] >= 0.90, (doc_id, doc["f1"])


@pytest.mark.corpus
def test_corpus_forms_are_read_whole(corpus_run):
    """The workbook and the web page of corpora/: every indicator row found with its four
    cells, every planted contradiction flagged and nothing else, the panel's cells right."""
    _, _, report = corpus_run
    forms = {d["name"]: d for d in report["documents"].values() if d["name"] in {p.stem for p in FORMS}}
    assert len(forms) == len(FORMS) == 2
    for name, doc in forms.items():
        rows = doc["indicators"]
        assert rows["recall"] == rows["precision"] == 1.0, (name, rows["missed_rows"], rows["extra_rows"])
        for cell in ("target", "actual", "weight", "score"):
            assert rows["cells"][cell]["accuracy"] == 1.0, (name, cell, rows["cells"][cell])
        assert doc["flags"]["fp"] == doc["flags"]["fn"] == 0 and doc["flags"]["tp"] >= 2, (name, doc["flags"])
        assert doc["panel"]["right"] == doc["panel"]["gold"] == 5 and all(doc["panel"]["metadata"].values())


@pytest.mark.corpus
def test_every_corpus_report_is_read(corpus_run):
    reports, out, _ = corpus_run
    assert [r.status for r in reports] == ["ok"] * len(REPORTS)
    docs = _rows(out / "documents.csv")
    assert list(docs[0]) == list(DOCUMENT_COLUMNS)
    assert {d["doc_id"] for d in docs} == {p.name for p in REPORTS}


@pytest.mark.corpus
def test_outputs_index_their_text(corpus_run):
    _, out, _ = corpus_run
    figures = _rows(out / "figures.csv")
    assert list(figures[0]) == list(FIGURE_COLUMNS)
    texts = {}
    for row in figures:
        doc = row["doc_id"]
        if doc not in texts:
            texts[doc] = (out / "text" / f"{doc}.txt").read_text(encoding="utf-8")
        assert texts[doc][int(row["start"]):int(row["end"])] == row["surface"]
    assert len({r["figure_id"] for r in figures}) == len(figures)


@pytest.mark.corpus
def test_no_figure_from_dates_codes_phones_or_list_markers(corpus_run):
    _, out, _ = corpus_run
    import regex

    bad = regex.compile(r"^(?:(?:19|20)\d{2}年|\d{1,2}月|第|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+、)")
    for row in _rows(out / "figures.csv"):
        assert not bad.match(row["surface"]), row["surface"]
        assert not regex.search(r"[A-Za-z]\d|\d{3,4}-\d{7}", row["surface"]), row["surface"]


@pytest.mark.parametrize("encoding,bom", [("gb18030", b""), ("utf-16", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_other_encodings_give_the_same_figures(tmp_path, encoding, bom):
    original = CORPUS / "baisha-2023.txt"
    text = original.read_text(encoding="utf-8")
    copy = tmp_path / f"baisha-2023.{encoding}.txt"
    copy.write_bytes(bom + text.encode(encoding))
    a, b = read_report(original), read_report(copy)
    assert b.status == "ok", b.error
    cols = ["start", "end", "surface", "value", "unit", "kind", "indicator", "role"]
    pd.testing.assert_frame_equal(a.figures[cols], b.figures[cols])


def test_crlf_line_ends_are_kept_and_figures_match(tmp_path):
    text = (CORPUS / "zhongxue-2023.txt").read_text(encoding="utf-8")
    copy = tmp_path / "crlf.txt"
    copy.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    report = read_report(copy)
    assert report.document.text.count("\r\n") == text.count("\n")
    assert list(report.figures["surface"]) == [f.surface for f in find_figures(text)]


def test_bad_files_are_error_rows_and_the_batch_goes_on(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CORPUS / "jiedao-2022.txt", inputs / "good.txt")
    (inputs / "empty.txt").write_bytes(b"")
    (inputs / "junk.txt").write_bytes(bytes(range(256)) * 40)
    (inputs / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    (inputs / "notes.json").write_text("{}")          # not a report: ignored
    out = tmp_path / "out"
    reports = {r.doc_id: r for r in run([inputs], out)}
    assert set(reports) == {"good.txt", "empty.txt", "junk.txt", "old.doc"}
    assert reports["good.txt"].status == "ok" and len(reports["good.txt"].analysis.figures) > 100
    for name in ("empty.txt", "junk.txt", "old.doc"):
        assert reports[name].status == "error" and reports[name].error
    assert "empty" in reports["empty.txt"].error
    docs = {d["doc_id"]: d for d in _rows(out / "documents.csv")}
    assert docs["junk.txt"]["status"] == "error"
    assert all(r["doc_id"] == "good.txt" for r in _rows(out / "figures.csv"))
    assert not list(out.glob(".*.tmp"))


def test_doc_ids_keep_subfolders(tmp_path):
    (tmp_path / "in" / "2023").mkdir(parents=True)
    shutil.copy(CORPUS / "jiedao-2023.txt", tmp_path / "in" / "2023" / "a.txt")
    run([tmp_path / "in"], tmp_path / "out")
    assert (tmp_path / "out" / "text" / "2023" / "a.txt.txt").is_file()
    assert _rows(tmp_path / "out" / "figures.csv")[0]["doc_id"] == "2023/a.txt"


def test_read_report_api():
    report = read_report(CORPUS / "xiang-errors-2023.txt")
    frame = report.figures
    assert list(frame.columns) == list(FIGURE_COLUMNS)
    assert len(frame) == len(report.analysis.figures) > 100
    assert (frame["doc_id"] == "xiang-errors-2023.txt").all()


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "extract", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.corpus
def test_cli_run_and_eval(tmp_path):
    inputs = tmp_path / "in"
    (inputs / "gold").mkdir(parents=True)
    shutil.copy(CORPUS / "baisha-2023.txt", inputs)
    shutil.copy(CORPUS / "gold" / "baisha-2023.json", inputs / "gold")
    done = _cli("run", str(inputs), "-o", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "1 documents: 1 ok" in done.stderr
    scored = _cli("eval", str(inputs), str(tmp_path / "out"))
    assert scored.returncode == 0, scored.stderr
    assert "TOTAL" in scored.stdout and "baisha-2023.txt" in scored.stdout
    report = json.loads((tmp_path / "out" / "eval.json").read_text(encoding="utf-8"))
    assert report["totals"]["f1"] >= 0.95


def test_cli_help_explains_outputs():
    done = _cli("run", "--help")
    assert done.returncode == 0 and "figures.csv" in done.stdout and "documents.csv" in done.stdout


def test_cli_missing_input_is_refused_with_a_message(tmp_path):
    """A mistyped path is the command's mistake, not a document's: status 2, no tables."""
    done = _cli("run", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "out"))
    assert done.returncode == 2 and "输入不存在" in done.stderr and "missing.txt" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out").exists()


@pytest.mark.corpus
def test_corpus_flags(corpus_run):
    """Every gold flag found (cross-year flags belong to the panel, across reports), few false ones."""
    _, out, report = corpus_run
    checks = report["flags"]["checks"]
    within = {k: v for k, v in checks.items() if k != "cross_year_mismatch"}
    assert sum(v["fn"] for v in within.values()) == 0, report["flags"]
    tp = sum(v["tp"] for v in within.values())
    fp = sum(v["fp"] for v in within.values())
    assert tp / (tp + fp) >= 0.90
    flags = _rows(out / "flags.csv")
    for doc in ("baisha-2023.txt", "jiedao-2022.txt"):
        assert not [f for f in flags if f["doc_id"] == doc and f["severity"] == "error"], doc


@pytest.mark.corpus
def test_relations_that_hold_under_rounding_pass(corpus_run):
    _, out, _ = corpus_run
    rows = [r for r in _rows(out / "checks.csv") if r["doc_id"] == "xiang-errors-2023.txt"]
    # 三公经费 5.08 = 0 + 3.26 + 1.83 only within rounding; the score table sums to 91.46 for 91.5
    sums = [r for r in rows if r["check"] == "sum_mismatch" and r["status"] == "pass"]
    scores = [r for r in rows if r["check"] == "score_total_mismatch" and r["status"] == "pass"]
    assert any("5.08" in r["message"] for r in sums)
    assert any("91.5" in r["message"] for r in scores)


@pytest.mark.corpus
def test_checks_and_flags_tables(corpus_run):
    _, out, _ = corpus_run
    checks = _rows(out / "checks.csv")
    flags = _rows(out / "flags.csv")
    assert {c["status"] for c in checks} <= {"pass", "fail", "not_assessable"}
    assert len(flags) == sum(c["status"] == "fail" for c in checks)
    assert {f["flag_id"] for f in flags} <= {c["check_id"] for c in checks}
    ids = {r["figure_id"] for r in _rows(out / "figures.csv")}
    for f in flags:
        assert f["message"] and set(f["figure_ids"].split()) <= ids
    docs = {d["doc_id"]: int(d["flags"]) for d in _rows(out / "documents.csv")}
    assert sum(docs.values()) == len(flags)


def test_formula_cells_are_neutralised_and_numbers_stay_numbers(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "=HYPERLINK(x).txt").write_text(
        "=cmd|' /C calc'!A0 收入合计-12万元\n+1+2 @SUM(1) 项目支出30万元，其中培训费-5万元。\n", encoding="utf-8")
    out = tmp_path / "out"
    run([inputs], out)
    for name in ("documents", "figures", "checks", "flags", "panel", "panel_sources"):
        with open(out / f"{name}.csv", encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                for column, cell in row.items():
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        assert column in ("start", "end", "value", "value_base", "lo", "hi"), (name, column, cell)
    docs = _rows(out / "documents.csv")
    assert docs[0]["doc_id"] == "'=HYPERLINK(x).txt" and docs[0]["status"] == "ok"
    assert (out / "text" / "=HYPERLINK(x).txt.txt").is_file()
    figures = _rows(out / "figures.csv")
    assert figures and all(r["sentence"][:1] not in "=+-@" for r in figures)
