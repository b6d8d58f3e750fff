"""Flag ids keyed by what a flag says (checks/identity.py), copies of one report
(checks/copies.py, batch/copies.py) and flags on OCR operands. Reports written for these tests."""
from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from support import read_rows

from extract import load_patterns, run
from extract.checks import run_checks
from extract.checks.identity import report_id, text_fingerprint
from extract.core.model import Document, Metadata
from extract.ingest import read_document
from extract.pipeline import analyse

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"

TITLE = "云溪县林业局2024年度部门整体支出绩效自评报告"
BODY = ("一、基本情况\n本局2024年收入合计860.00万元，其中财政拨款收入700.00万元，其他收入150.00万元。\n"
        "二、支出情况\n本年支出合计840.00万元。公务接待费3.00万元，比上年增加0.50万元，增长25%。\n"
        "三、绩效情况\n群众满意度达到103%。\n")
REPORT = f"{TITLE}\n{BODY}"


def flags(text: str, doc_id: str = "a.txt"):
    return {c.check: c for c in analyse(Document(doc_id, doc_id, "txt", text)).flags}


def test_the_report_is_named_by_its_metadata_and_a_revision_keeps_the_name():
    m = Metadata(unit="云溪县林业局", year=2024, report_type="整体支出")
    assert report_id(m, "x") == report_id(m, "全然不同的文字")
    revised = replace(m, project="护林工程（修订稿）")
    assert report_id(revised, "") == report_id(replace(m, project="护林工程"), "")
    assert report_id(replace(m, year=2023), "") != report_id(m, "")
    assert report_id(Metadata(), REPORT).startswith("t-")          # no metadata: the text's fingerprint


def test_the_text_fingerprint_survives_spacing_punctuation_and_renderings():
    spaced = REPORT.replace("，", " , ").replace("\n", "\n\n").replace("。", ". ")
    assert text_fingerprint(spaced) == text_fingerprint(REPORT)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    assert len({text_fingerprint(t) for t in texts.values()}) == len(texts)    # seven reports, seven
    docx = read_document(CORPUS / "zhongxue-2023.docx", "z.docx").text
    assert text_fingerprint(docx) == text_fingerprint(texts["zhongxue-2023"])


def test_flag_ids_survive_inserted_text_a_moved_file_and_a_new_title():
    before = flags(REPORT)
    assert {"sum_mismatch", "growth_mismatch", "percent_out_of_range"} <= set(before)
    inserted = REPORT.replace("一、基本情况\n", "一、基本情况\n本报告根据审核意见修订，补充了部分说明材料。\n")
    moved = flags(REPORT, doc_id="2025年归档/县直/a.txt")
    revised = flags(inserted.replace(TITLE, TITLE + "（修订稿）"))
    for after in (flags(inserted), moved, revised):
        assert {k: v.flag_id for k, v in after.items()} == {k: v.flag_id for k, v in before.items()}
        assert {k: v.subject_id for k, v in after.items()} == {k: v.subject_id for k, v in before.items()}


def test_a_changed_operand_changes_the_id_but_not_the_subject():
    before = flags(REPORT)["sum_mismatch"]
    after = flags(REPORT.replace("其他收入150.00万元", "其他收入140.00万元"))["sum_mismatch"]
    assert after.flag_id != before.flag_id and after.subject_id == before.subject_id
    other = flags(REPORT.replace("云溪县林业局", "石门县林业局"))["sum_mismatch"]
    assert other.flag_id != before.flag_id and other.subject_id != before.subject_id


def test_ids_are_unique_within_a_report_even_when_two_results_say_the_same():
    text = REPORT + "四、附表\n本局2024年收入合计860.00万元，其中财政拨款收入700.00万元，其他收入150.00万元。\n"
    a = analyse(Document("a.txt", "a.txt", "txt", text))
    ids = [c.check_id for c in a.checks]
    assert len(ids) == len(set(ids))
    twins = [c for c in a.flags if c.check == "sum_mismatch"]
    assert len(twins) == 2 and twins[1].flag_id == twins[0].flag_id + "-2"


def test_a_flag_on_doubtful_ocr_digits_is_a_warning_that_says_so():
    doc = Document("s.pdf", "s.pdf", "pdf", REPORT)
    a = analyse(doc)
    sure = [replace(f, source_method="ocr", confidence=0.99) for f in a.figures]
    doubtful = [replace(f, source_method="ocr", confidence=0.91) if f.surface == "150.00万元" else f
                for f in sure]
    from extract.analyse.structure import Layout
    by_check = lambda figs: {c.check: c for c in run_checks("s.pdf", REPORT, figs, Layout(REPORT), 2024, load_patterns())
                             if c.status == "fail"}
    plain = by_check(a.figures)["sum_mismatch"]
    read = by_check(sure)["sum_mismatch"]
    low = by_check(doubtful)["sum_mismatch"]
    assert plain.severity == read.severity == "error" and "OCR" not in plain.message
    assert "OCR识别" in read.message and "0.99" in read.message
    assert low.severity == "warning" and "0.91" in low.message


def test_renderings_and_copies_are_one_report_with_flags_shown_once(tmp_path):
    inputs = tmp_path / "in"
    (inputs / "县直").mkdir(parents=True)
    for name in ("xian-nongye-2023.txt", "xian-nongye-2023.docx", "xian-nongye-2023.pdf"):
        shutil.copy(CORPUS / name, inputs / name)
    shutil.copy(CORPUS / "xian-nongye-2023.txt", inputs / "县直" / "副本.txt")
    edited = (CORPUS / "xian-nongye-2023.txt").read_text(encoding="utf-8")
    (inputs / "县直" / "改动.txt").write_text(edited.replace("12,486.35", "12,468.35", 1), encoding="utf-8")
    shutil.copy(CORPUS / "zhongxue-2023.txt", inputs / "zhongxue-2023.txt")
    out = tmp_path / "out"
    run([inputs], out)
    docs = {d["doc_id"]: d for d in read_rows(out / "documents.csv")}
    first = "xian-nongye-2023.docx"
    group = [d for d in docs.values() if d["report_id"] == docs[first]["report_id"]]
    assert len(group) == 5 and docs[first]["duplicate_of"] == ""
    assert {d["duplicate_of"] for d in group if d["doc_id"] != first} == {first}
    assert docs["zhongxue-2023.txt"]["report_id"] != docs[first]["report_id"]
    assert docs["zhongxue-2023.txt"]["duplicate_of"] == ""

    flags_ = read_rows(out / "flags.csv")
    checks = read_rows(out / "checks.csv")
    mine = [f for f in flags_ if docs[f["doc_id"]]["report_id"] == docs[first]["report_id"]]
    # each contradiction once, on the first document, with the id every rendering gives it
    found = {c["check_id"] for c in checks if c["status"] == "fail" and c["doc_id"] == "xian-nongye-2023.pdf"}
    assert {f["flag_id"] for f in mine if f["doc_id"] == first} == found
    assert found == {c["check_id"] for c in checks if c["status"] == "fail" and c["doc_id"] == "xian-nongye-2023.txt"}
    assert len({f["flag_id"] for f in flags_}) == len(flags_)
    # the edited copy differs: a finding of its own, naming the figure beside its counterpart
    copy = [f for f in mine if f["check"] == "copy_mismatch"]
    assert [f["doc_id"] for f in copy] == ["县直/改动.txt"]
    assert "12,468.35" in copy[0]["message"] and "12,486.35" in copy[0]["message"]
    passes = {c["doc_id"] for c in checks if c["check"] == "copy_mismatch" and c["status"] == "pass"}
    assert passes == {"xian-nongye-2023.pdf", "xian-nongye-2023.txt", "县直/副本.txt"}
    assert sum(int(d["flags"] or 0) for d in docs.values()) == len(flags_)
