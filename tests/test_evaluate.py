"""The yardstick itself: synthetic outputs with known scores, and the gold corpus located."""
from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # no installed package or conftest: make `extract` importable
    sys.path.insert(0, str(ROOT))

from extract.core.errors import GoldError  # noqa: E402
from extract.core.rows import DOCUMENT_COLUMNS, FIGURE_COLUMNS  # noqa: E402
from extract.evaluate import evaluate, format_report, load_gold  # noqa: E402
from extract.evaluate.gold import doc_name, gold_value_base, locate  # noqa: E402
from extract.evaluate.score import indicator_right  # noqa: E402
from extract.ingest import read_document  # noqa: E402
from extract.outputs.files import write_csv, write_text  # noqa: E402

CORPUS = ROOT / "corpora"
TEXT = "收入合计1773.84万元，其中财政拨款收入1301.27万元。拆除旱厕12座。"


# ---------------------------------------------------------------- builders

def gfig(surface, value_base, kind="money", nth=1, indicator="", **extra):
    return {"surface": surface, "nth": nth, "value": value_base, "unit": "", "value_base": value_base,
            "kind": kind, "indicator": indicator, **extra}


def write_gold(folder: Path, name: str, figures, flags=()) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.json").write_text(
        json.dumps({"doc": name, "figures": list(figures), "flags": list(flags)}, ensure_ascii=False),
        encoding="utf-8")
    return folder


def pfig(doc_id, text, surface, value_base, kind="money", nth=1, indicator="", shift=(0, 0), fid=None):
    """A predicted row at the nth occurrence of `surface`, found independently of `locate`."""
    start = [m.start() for m in re.finditer(f"(?={re.escape(surface)})", text)][nth - 1] + shift[0]
    end = start + len(surface) + shift[1] - shift[0]
    return {"figure_id": fid or f"{doc_id}-{start}", "doc_id": doc_id, "start": start, "end": end,
            "surface": text[start:end], "value_base": value_base, "kind": kind, "indicator": indicator}


def write_out(out: Path, docs, figures, flags=None) -> Path:
    """docs: (doc_id, text, status) triples."""
    write_csv(out / "documents.csv", DOCUMENT_COLUMNS,
              [{"doc_id": d, "status": s, "error": "" if s == "ok" else "boom"} for d, _, s in docs])
    for d, text, s in docs:
        if s == "ok":
            write_text(out / "text" / f"{d}.txt", text)
    write_csv(out / "figures.csv", FIGURE_COLUMNS, figures)
    if flags is not None:
        write_csv(out / "flags.csv", ("flag_id", "doc_id", "check", "figure_ids"), flags)
    return out


def run_one(tmp_path, gold_figs, pred_figs, text=TEXT, doc_id="r-2023.txt"):
    gold = write_gold(tmp_path / "gold", "r-2023", gold_figs)
    out = write_out(tmp_path / "out", [(doc_id, text, "ok")], pred_figs)
    return evaluate(gold, out)


# ---------------------------------------------------------------- locate and gold

def test_locate_counts_raw_and_overlapping_occurrences():
    text = "支出1000万元，出国费0万元"
    assert locate(text, "0万元", 1) == (5, 8)  # inside 1000万元: raw occurrences count
    assert locate(text, "0万元", 2) == (12, 15)
    assert locate(text, "0万元", 3) is None
    assert locate("aaaa", "aa", 2) == (1, 3)  # overlapping
    assert locate("aaaa", "aa", 3) == (2, 4)
    assert locate("425个，5个", "5个", 1) == (2, 4)
    assert locate("x", "x", 0) is None and locate("x", "", 1) is None


@pytest.mark.parametrize("doc_id, name", [
    ("baisha-2023.txt", "baisha-2023"), ("baisha-2023.pdf", "baisha-2023"),
    ("baisha-2023.scan.pdf", "baisha-2023"), ("sub/baisha-2023.gb18030.txt", "baisha-2023"),
    ("2023/x.y/baisha-2023.pdf", "baisha-2023")])
def test_doc_name(doc_id, name):
    assert doc_name(doc_id) == name


@pytest.mark.parametrize("nested", [False, True])
def test_load_gold_both_layouts(tmp_path, nested):
    folder = tmp_path / "gold" if nested else tmp_path
    write_gold(folder, "a-2023", [gfig("5个", "5", "count")])
    write_gold(folder, "b-2023", [])
    gold = load_gold(tmp_path)
    assert sorted(gold) == ["a-2023", "b-2023"]
    assert gold["a-2023"]["figures"][0]["surface"] == "5个"


@pytest.mark.parametrize("content, problem", [
    ("{not json", "not valid JSON"),
    ('{"doc": "bad"}', "figures"),
    ('{"figures": [{"surface": "5个", "nth": 1, "value": "5"}]}', "kind"),
    ('{"figures": [{"surface": "5个", "nth": 0, "value": "5", "kind": "count"}]}', "nth"),
    ('{"figures": [{"surface": "5个", "nth": 1, "value": "five", "kind": "count"}]}', "number"),
    ('{"figures": [], "flags": [{"check": "x", "figures": [["5个"]]}]}', "surface, nth"),
])
def test_malformed_gold_names_file_and_problem(tmp_path, content, problem):
    write_gold(tmp_path, "good-2023", [])
    (tmp_path / "bad-2023.json").write_text(content, encoding="utf-8")
    with pytest.raises(GoldError, match=problem) as e:
        load_gold(tmp_path)
    assert "bad-2023.json" in str(e.value)


def test_empty_gold_dir_is_an_error(tmp_path):
    with pytest.raises(GoldError, match="no gold"):
        load_gold(tmp_path)


def test_value_base_given_or_computed():
    assert gold_value_base({"value": "1.5", "unit": "万元", "value_base": "15000"}) == Decimal(15000)
    assert gold_value_base({"value": "1.5", "unit": "万元"}) == Decimal(15000)
    assert gold_value_base({"value": "3.2", "unit": "亿元"}) == Decimal(320000000)
    assert gold_value_base({"value": "3", "unit": "公里"}) == Decimal(3000)
    assert gold_value_base({"value": "20", "unit": "%"}) == Decimal(20)


def _corpus_text(name: str) -> str:
    """The text a corpus gold file is written against: its .txt rendition, or for a form kept
    only as a workbook or a web page, the text read from that file."""
    rendition = CORPUS / f"{name}.txt"
    if rendition.exists():
        with open(rendition, encoding="utf-8", newline="") as fh:
            return fh.read()
    source, = [p for p in CORPUS.glob(f"{name}.*") if p.suffix in (".xlsx", ".html")]
    return read_document(source, source.name).text


def _corpus_gold():
    return sorted((CORPUS / "gold").glob("*.json"))


def test_corpus_is_present():
    assert len(_corpus_gold()) >= 7


@pytest.mark.parametrize("path", _corpus_gold(), ids=lambda p: p.stem)
def test_every_corpus_gold_figure_locates_where_the_gold_means(path):
    """All locate; in document order (as the gold lists them); never inside a longer number."""
    gold = load_gold(CORPUS)[path.stem]
    text = _corpus_text(path.stem)
    previous_end = 0
    for fig in gold["figures"]:
        span = locate(text, fig["surface"], fig["nth"])
        assert span is not None, fig
        start, end = span
        assert text[start:end] == fig["surface"]
        assert start >= previous_end, f"{fig} out of document order or overlapping"
        previous_end = end
        if fig["surface"][0].isdigit():
            assert not re.match(r"[\d.,]", text[start - 1:start]), (fig, text[start - 5:end])
        if fig["surface"][-1].isdigit():
            assert not re.match(r"[\d.]", text[end:end + 1]), (fig, text[start:end + 5])
    for flag in gold["flags"]:
        for surface, nth in flag["figures"]:
            assert locate(text, surface, nth) is not None, (flag["check"], surface, nth)


# ---------------------------------------------------------------- figure matching

def test_exact_match(tmp_path):
    d = "r-2023.txt"
    r = run_one(tmp_path, [gfig("1773.84万元", "17738400", indicator="收入合计")],
                [pfig(d, TEXT, "1773.84万元", "17738400.00", indicator="收入合计")])
    t = r["totals"]
    assert (t["tp"], t["fp"], t["fn"]) == (1, 0, 0)
    assert t["precision"] == t["recall"] == t["f1"] == 1.0
    assert t["indicator"] == {"right": 1, "matched": 1, "accuracy": 1.0}
    assert r["documents"][d]["false_positives"] == r["documents"][d]["false_negatives"] == []


@pytest.mark.parametrize("value_base, kind", [("1773.84", "money"), ("17738400", "count")])
def test_value_or_kind_mismatch_is_detected_but_not_a_figure_match(tmp_path, value_base, kind):
    d = "r-2023.txt"
    r = run_one(tmp_path, [gfig("1773.84万元", "17738400")], [pfig(d, TEXT, "1773.84万元", value_base, kind)])
    t = r["totals"]
    assert (t["tp"], t["fp"], t["fn"]) == (0, 1, 1)
    assert t["detection"]["tp"] == 1 and t["detection"]["f1"] == 1.0
    fn = r["documents"][d]["false_negatives"]
    assert fn[0]["detected_as"] == {"surface": "1773.84万元", "kind": kind, "value_base": value_base}
    assert r["documents"][d]["false_positives"][0]["value_base"] == value_base


def test_overlapping_span_matches_and_touching_span_does_not(tmp_path):
    d = "r-2023.txt"
    gold = [gfig("1773.84万元", "17738400"), gfig("12座", "12", "count")]
    preds = [pfig(d, TEXT, "1773.84万元", "17738400", shift=(-2, -2)),  # "合计1773.84万" overlaps
             pfig(d, TEXT, "旱厕", "12", "count")]  # ends where 12座 starts: no overlap
    r = run_one(tmp_path, gold, preds)
    assert (r["totals"]["tp"], r["totals"]["fp"], r["totals"]["fn"]) == (1, 1, 1)
    assert r["documents"][d]["false_negatives"][0]["surface"] == "12座"


def test_one_to_one_prefers_largest_overlap(tmp_path):
    d = "r-2023.txt"
    small = pfig(d, TEXT, "1773.84万元", "17738400", shift=(-3, -8))  # covers only "17"
    large = pfig(d, TEXT, "1773.84万元", "17738400")
    r = run_one(tmp_path, [gfig("1773.84万元", "17738400")], [small, large])
    t = r["totals"]
    assert (t["tp"], t["fp"], t["fn"]) == (1, 1, 0)
    assert t["detection"]["tp"] == 1 and t["detection"]["fp"] == 1
    assert r["documents"][d]["false_positives"][0]["start"] == small["start"]


def test_one_to_one_one_prediction_over_two_gold(tmp_path):
    text, d = "东西各12座12座。", "r-2023.txt"
    wide = pfig(d, text, "12座", "12", "count", shift=(1, 3))  # "2座12": overlaps both
    r = run_one(tmp_path, [gfig("12座", "12", "count"), gfig("12座", "12", "count", nth=2)], [wide], text=text)
    t = r["totals"]
    assert (t["tp"], t["fp"], t["fn"]) == (1, 0, 1)
    assert (t["detection"]["tp"], t["detection"]["fn"]) == (1, 1)
    assert r["documents"][d]["false_negatives"][0]["nth"] == 2


def test_equal_decimals_in_any_form_match(tmp_path):
    d = "r-2023.txt"
    r = run_one(tmp_path, [gfig("12座", "12", "count")], [pfig(d, TEXT, "12座", "1.2E+1", "count")])
    assert r["totals"]["tp"] == 1


def test_unlocated_gold_is_a_false_negative(tmp_path):
    d = "r-2023.txt"
    r = run_one(tmp_path, [gfig("12座", "12", "count"), gfig("12座", "12", "count", nth=2)],
                [pfig(d, TEXT, "12座", "12", "count")])
    assert (r["totals"]["tp"], r["totals"]["fn"]) == (1, 1)
    assert r["documents"][d]["unlocated"] == [{"surface": "12座", "nth": 2, "kind": "count", "value_base": "12"}]


def test_spans_that_do_not_index_the_text_are_reported(tmp_path):
    d = "r-2023.txt"
    bad = {**pfig(d, TEXT, "12座", "12", "count"), "surface": "13座"}
    r = run_one(tmp_path, [gfig("12座", "12", "count")], [bad])
    assert r["documents"][d]["bad_spans"] == [{"figure_id": bad["figure_id"], "surface": "13座", "text": "12座"}]


def test_offsets_count_carriage_returns(tmp_path):
    text = "说明\r\n拆除12座。"
    d = "r-2023.txt"
    r = run_one(tmp_path, [gfig("12座", "12", "count")], [pfig(d, text, "12座", "12", "count")], text=text)
    assert r["totals"]["tp"] == 1 and r["documents"][d]["bad_spans"] == []


# ---------------------------------------------------------------- indicators

@pytest.mark.parametrize("gold, predicted, right", [
    ("公务用车运行维护费", "公务用车运行维护费", True),
    ("公务用车运行维护费", "公务用车", True),  # predicted inside gold
    ("志愿者", "注册志愿者人数", True),  # gold inside predicted
    ("旱厕(拆除)", "旱厕（拆除）", True),
    ("旱厕(拆除)", "旱厕 拆除", True),
    ("“三公”经费", "三公经费", True),
    ("信访台账(镇、村)", "信访台账镇村", True),
    ("公务接待费", "办公费", False),
    ("公务接待费", "", False),
    ("公务接待费", "（）", False),
])
def test_indicator_containment(gold, predicted, right):
    assert indicator_right(gold, predicted) is right


def test_indicator_misses_are_listed(tmp_path):
    d = "r-2023.txt"
    gold = [gfig("1773.84万元", "17738400", indicator="收入合计"),
            gfig("1301.27万元", "13012700", indicator="财政拨款收入")]
    preds = [pfig(d, TEXT, "1773.84万元", "17738400", indicator="收入 合计"),
             pfig(d, TEXT, "1301.27万元", "13012700", indicator="其他收入")]
    r = run_one(tmp_path, gold, preds)
    assert r["totals"]["indicator"] == {"right": 1, "matched": 2, "accuracy": 0.5}
    assert r["documents"][d]["indicator_misses"] == [
        {"surface": "1301.27万元", "nth": 1, "gold": "财政拨款收入", "predicted": "其他收入"}]


# ---------------------------------------------------------------- documents

def test_renderings_scored_separately_errors_skipped_missing_listed(tmp_path):
    gold = write_gold(tmp_path / "corpus" / "gold", "r-2023", [gfig("12座", "12", "count")])
    write_gold(gold, "absent-2023", [])
    write_gold(gold, "broken-2023", [gfig("12座", "12", "count")])
    pdf_text = "第1页\n" + TEXT  # another rendering, other offsets
    docs = [("r-2023.txt", TEXT, "ok"), ("r-2023.pdf", pdf_text, "ok"),
            ("sub/r-2023.gb18030.txt", TEXT, "ok"), ("broken-2023.pdf", "", "error"),
            ("nogold-2023.txt", TEXT, "ok")]
    figs = [pfig("r-2023.txt", TEXT, "12座", "12", "count"),
            pfig("r-2023.pdf", pdf_text, "12座", "12", "count"),
            pfig("r-2023.pdf", pdf_text, "1773.84万元", "17738400"),
            pfig("nogold-2023.txt", TEXT, "12座", "12", "count"),
            pfig("broken-2023.pdf", TEXT, "12座", "12", "count")]
    out = write_out(tmp_path / "out", docs, figs)
    r = evaluate(tmp_path / "corpus", out)
    assert list(r["documents"]) == ["r-2023.pdf", "r-2023.txt", "sub/r-2023.gb18030.txt"]
    assert {d["name"] for d in r["documents"].values()} == {"r-2023"}
    assert r["documents"]["r-2023.pdf"]["fp"] == 1 and r["documents"]["r-2023.txt"]["fp"] == 0
    assert r["documents"]["sub/r-2023.gb18030.txt"]["fn"] == 1
    t = r["totals"]
    assert (t["documents"], t["gold"], t["figures"], t["tp"], t["fp"], t["fn"]) == (3, 3, 3, 2, 1, 1)
    assert r["not_scored"] == [{"doc_id": "broken-2023.pdf", "name": "broken-2023", "status": "error",
                                "error": "boom"}]
    assert r["missing"] == ["absent-2023"]
    assert r["kinds"]["count"]["recall"] == round(2 / 3, 4)
    assert r["kinds"]["money"] == {"gold": 0, "predicted": 1, "tp": 0, "fp": 1, "fn": 0,
                                   "precision": 0.0, "recall": None, "f1": 0.0}


def test_eval_json_is_written_and_plain(tmp_path):
    d = "r-2023.txt"
    r = run_one(tmp_path, [gfig("1773.84万元", "17738400")], [pfig(d, TEXT, "1301.27万元", "13012700")])
    written = json.loads((tmp_path / "out" / "eval.json").read_text(encoding="utf-8"))
    assert written == r
    assert written["documents"][d]["false_negatives"][0]["value_base"] == "17738400"
    assert not list((tmp_path / "out").glob(".eval.json.*"))  # no temp file left behind


def test_missing_text_of_scored_document_is_an_error(tmp_path):
    from extract.core.errors import JixiaoError
    gold = write_gold(tmp_path / "gold", "r-2023", [])
    out = write_out(tmp_path / "out", [("r-2023.txt", TEXT, "ok")], [])
    (out / "text" / "r-2023.txt.txt").unlink()
    with pytest.raises(JixiaoError, match="r-2023.txt.txt"):
        evaluate(gold, out)


def test_format_report_lines_up(tmp_path):
    d = "r-2023.txt"
    r = run_one(tmp_path, [gfig("1773.84万元", "17738400", indicator="收入"), gfig("12座", "12", "count")],
                [pfig(d, TEXT, "1773.84万元", "17738400", indicator="收入合计")])
    lines = format_report(r).splitlines()
    header, doc, total = lines[0], lines[1], next(x for x in lines if x.startswith("TOTAL"))
    assert doc.split() == ["r-2023.txt", "2", "1", "1.000", "0.500", "0.667", "0.667", "1.000"]
    assert total.split()[1:] == doc.split()[1:]
    assert any(x.split()[:2] == ["kind", "count"] and x.split()[-3:] == ["-", "0.000", "0.000"]
               for x in lines)
    assert len(header) == len(doc) == len(total)
    assert lines[-1] == "flags: not assessed (no flags.csv in the output folder)"


def test_format_report_aligns_chinese_doc_ids(tmp_path):
    import unicodedata

    def width(s):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
    d = "白沙镇-2023.txt"
    gold = write_gold(tmp_path / "gold", "白沙镇-2023", [gfig("12座", "12", "count")])
    r = evaluate(gold, write_out(tmp_path / "out", [(d, TEXT, "ok")], [pfig(d, TEXT, "12座", "12", "count")]))
    lines = format_report(r).splitlines()
    doc, total = lines[1], next(x for x in lines if x.startswith("TOTAL"))
    assert doc.startswith(d) and width(doc) == width(total)


# ---------------------------------------------------------------- flags

def test_flags_scored_per_check(tmp_path):
    text = "收入合计100万元，拨款60万元，其他30万元。一、概况 三、成效 公务接待费增长19.4%。"
    d = "f-2023.txt"
    gold = write_gold(tmp_path / "gold", "f-2023", [gfig("100万元", "1000000")], flags=[
        {"check": "heading_sequence", "figures": []},
        {"check": "sum_mismatch", "figures": [["100万元", 1], ["60万元", 1], ["30万元", 1]]},
        {"check": "growth_mismatch", "figures": [["19.4%", 1]]},
    ])
    figs = [pfig(d, text, "100万元", "1000000", fid="F1"), pfig(d, text, "60万元", "600000", fid="F2"),
            pfig(d, text, "19.4%", "19.4", "percent", fid="F3")]
    flags = [
        {"flag_id": "1", "doc_id": d, "check": "heading_sequence", "figure_ids": ""},
        {"flag_id": "2", "doc_id": d, "check": "sum_mismatch", "figure_ids": "F9 F2"},
        {"flag_id": "3", "doc_id": d, "check": "sum_mismatch", "figure_ids": "F1"},  # gold already taken
        {"flag_id": "4", "doc_id": d, "check": "growth_mismatch", "figure_ids": "F1"},  # wrong figure
    ]
    r = evaluate(gold, write_out(tmp_path / "out", [(d, text, "ok")], figs, flags))
    f = r["flags"]
    assert f["assessed"] is True
    assert (f["gold"], f["predicted"], f["tp"], f["fp"], f["fn"]) == (3, 4, 2, 2, 1)
    assert f["checks"]["heading_sequence"]["precision"] == 1.0
    assert f["checks"]["sum_mismatch"]["precision"] == 0.5 and f["checks"]["sum_mismatch"]["recall"] == 1.0
    assert f["checks"]["growth_mismatch"]["recall"] == 0.0
    assert r["documents"][d]["flags"]["missed"] == ["growth_mismatch"]
    assert "flags: gold 3  predicted 4" in format_report(r)


def test_figureless_gold_flag_does_not_take_a_flag_that_names_figures(tmp_path):
    text = "合计100万元。"
    d = "f-2023.txt"
    gold = write_gold(tmp_path / "gold", "f-2023", [], flags=[
        {"check": "sum_mismatch", "figures": []},
        {"check": "sum_mismatch", "figures": [["100万元", 1]]}])
    figs = [pfig(d, text, "100万元", "1000000", fid="F1")]
    flags = [{"flag_id": "1", "doc_id": d, "check": "sum_mismatch", "figure_ids": "F1"},
             {"flag_id": "2", "doc_id": d, "check": "sum_mismatch", "figure_ids": ""}]
    r = evaluate(gold, write_out(tmp_path / "out", [(d, text, "ok")], figs, flags))
    assert r["flags"]["tp"] == 2


def test_corpus_gold_scored_against_itself_is_perfect(tmp_path):
    """Predictions made from the gold itself, flags included, score 1.0 everywhere."""
    gold = load_gold(CORPUS)
    docs, figs, flags = [], [], []
    for name, g in gold.items():
        d = f"2023/{name}.pdf"
        text = _corpus_text(name)
        docs.append((d, text, "ok"))
        ids = {}
        for f in g["figures"]:
            start, end = locate(text, f["surface"], f["nth"])
            ids[(f["surface"], f["nth"])] = fid = f"{name}-{start}"
            figs.append({"figure_id": fid, "doc_id": d, "start": start, "end": end, "surface": f["surface"],
                         "value_base": f["value_base"], "kind": f["kind"], "indicator": f["indicator"]})
        for k, flag in enumerate(g["flags"]):
            fids = " ".join(ids.get(tuple(ref), "") for ref in flag["figures"])
            flags.append({"flag_id": k, "doc_id": d, "check": flag["check"], "figure_ids": fids})
    r = evaluate(CORPUS, write_out(tmp_path / "out", docs, figs, flags))
    t = r["totals"]
    assert t["gold"] == t["figures"] == t["tp"] > 1000
    assert (t["f1"], t["detection"]["f1"], t["indicator"]["accuracy"]) == (1.0, 1.0, 1.0)
    assert r["flags"]["f1"] == 1.0 and r["flags"]["tp"] == sum(len(g["flags"]) for g in gold.values())
    assert r["missing"] == [] and len(r["documents"]) == len(gold)
