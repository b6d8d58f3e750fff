"""Scoring the rows of forms (indicators.csv against gold `indicator_rows`) and gold skip_spans,
on small invented gold and output folders."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from extract.core.errors import GoldError
from extract.core.rows import DOCUMENT_COLUMNS, FIGURE_COLUMNS, INDICATOR_COLUMNS
from extract.evaluate import evaluate, format_report, load_gold
from extract.evaluate.forms import match_rows, row_name, same_cell
from extract.outputs.files import write_csv, write_text

DOC = "f-2024.txt"
TEXT = "项目资金 年度资金总额 100 95 10 95% 9.5\n培训人次 ≥200人次 210 10 10\n设备完好率 ≥95% 96% 10 10\n"


def grow(level3, target="", actual="", weight="", score="", row_type="indicator", **extra):
    return {"row_type": row_type, "level1": "产出指标", "level2": "数量指标", "level3": level3,
            "target": target, "actual": actual, "weight": weight, "score": score, "reason": "", **extra}


def prow(level3, target="", actual="", weight="", score="", row_type="indicator", form="1"):
    return {"row_id": f"{DOC}-{level3}", "doc_id": DOC, "form": form, "row_type": row_type,
            "level3": level3, "target": target, "actual": actual, "weight": weight, "score": score}


FUNDS = grow("年度资金总额", "100", "95", "10", "9.5", row_type="funds", rate="95%", initial_budget="100")
TRAIN = grow("培训人次", "≥200人次", "210", "10", "10")
KEPT = grow("设备完好率", "≥95%", "96%", "10", "10")
P_FUNDS = prow("年度资金总额", "100", "95", "10", "9.5", row_type="funds")
P_TRAIN = prow("培训人次", "≥200人次", "210", "10", "10")
P_KEPT = prow("设备完好率", "≥95%", "96%", "10", "10")


def write_case(tmp_path: Path, gold_rows=None, pred_rows=None, *, figures=(), pred_figures=(),
               skip_spans=None, text=TEXT) -> tuple[Path, Path]:
    gold = {"doc": "f-2024", "figures": list(figures), "flags": []}
    if gold_rows is not None:
        gold["indicator_rows"] = list(gold_rows)
    if skip_spans is not None:
        gold["skip_spans"] = skip_spans
    (tmp_path / "gold").mkdir(parents=True, exist_ok=True)
    (tmp_path / "gold" / "f-2024.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    write_csv(out / "documents.csv", DOCUMENT_COLUMNS, [{"doc_id": DOC, "status": "ok"}])
    write_text(out / "text" / f"{DOC}.txt", text)
    write_csv(out / "figures.csv", FIGURE_COLUMNS, pred_figures)
    if pred_rows is not None:
        write_csv(out / "indicators.csv", INDICATOR_COLUMNS, pred_rows)
    return tmp_path / "gold", out


def forms(tmp_path, gold_rows, pred_rows) -> dict:
    report = evaluate(*write_case(tmp_path, gold_rows, pred_rows))
    return report["documents"][DOC]["indicators"]


# ---------------------------------------------------------------- names and cells

@pytest.mark.parametrize("raw,row_type,name", [
    ("培训 人次：", "indicator", "培训人次"),
    ("设备完好率（％）", "indicator", "设备完好率(%)"),
    ("其中：当年财政拨款", "funds", "当年财政拨款"),
    ("其中：当年财政拨款", "indicator", "其中:当年财政拨款"),
    ("ＬＥＤ屏 完好率", "indicator", "led屏完好率"),
])
def test_row_name(raw, row_type, name):
    assert row_name(raw, row_type) == name


@pytest.mark.parametrize("gold,pred,same", [
    ("≥95%", "≥95%", True),
    ("≧95%", "≥95％", True),  # comparator and full-width percent normalised
    (">=95%", "不低于95%", True),
    ("≤3天", "不超过 3 天", True),
    ("＝100%", "=100%", True),
    ("95.0%", "95%", True),  # Decimal equality
    ("100", "100%", True),  # a unit on one side only
    ("1,200", "1200", True),
    ("≥95%", "95%", False),  # the comparator is part of the target
    ("≥95%", "≤95%", False),
    ("95%", "96%", False),
    ("3处", "3个", False),
    ("效果明显", "效果明显", True),
    ("效果明显", "较好", False),
    ("10", "", False),
])
def test_same_cell(gold, pred, same):
    assert same_cell(gold, pred) is same


def test_numbers_compare_as_decimals_not_floats():
    assert same_cell("0.1", "0.10") and not same_cell("0.30000000000000004", "0.3")
    assert Decimal("95.0") == Decimal("95")


def test_matching_is_one_to_one_exact_before_contained():
    gold = [grow("设备完好率"), grow("完好率")]
    pred = [prow("完好率"), prow("设备完好率（%）")]
    assert match_rows(gold, pred) == [(0, 1), (1, 0)]
    assert match_rows([grow("设备完好率")], [prow("设备完好率", row_type="funds")]) == []
    unlabelled = grow("", "80", "76", row_type="funds")
    assert match_rows([unlabelled], [prow("其中：当年财政拨款", row_type="funds"), prow("", row_type="funds")]) \
        == [(0, 1)]
    assert match_rows([grow("培训人次")], [prow("")]) == []


# ---------------------------------------------------------------- rows and cells scored

def test_exact_match_scores_everything_right(tmp_path):
    s = forms(tmp_path, [FUNDS, TRAIN, KEPT], [P_FUNDS, P_TRAIN, P_KEPT])
    assert (s["gold_rows"], s["predicted_rows"], s["matched"]) == (3, 3, 3)
    assert s["precision"] == s["recall"] == 1.0
    assert all(c["right"] == 3 and c["accuracy"] == 1.0 == c["accuracy_all"] for c in s["cells"].values())
    assert s["missed_rows"] == s["extra_rows"] == s["cell_misses"] == s["renamed"] == []


def test_contained_name_matches(tmp_path):
    s = forms(tmp_path, [TRAIN, KEPT], [prow("年度培训人次", "≥200人次", "210", "10", "10"),
                                         prow("设备完好率（%）", "≥95%", "96%", "10", "10")])
    assert s["matched"] == 2 and s["recall"] == 1.0
    assert {r["predicted"] for r in s["renamed"]} == {"年度培训人次", "设备完好率（%）"}


def test_comparator_and_number_normalisation_in_cells(tmp_path):
    s = forms(tmp_path, [grow("设备完好率", "≧95%", "96.0%", "10", "10")],
              [prow("设备完好率", "≥95％", "96%", "10.0", "10分")])
    assert all(c["right"] == 1 for c in s["cells"].values()), s["cell_misses"]


def test_wrong_cell_is_counted_and_shown(tmp_path):
    s = forms(tmp_path, [KEPT], [prow("设备完好率", "≥95%", "96%", "10", "8")])
    assert s["cells"]["score"] == {"right": 0, "gold_matched": 1, "gold_all": 1,
                                   "accuracy": 0.0, "accuracy_all": 0.0}
    assert s["cell_misses"] == [{"level3": "设备完好率", "cell": "score", "gold": "10", "predicted": "8"}]


def test_null_and_empty_gold_cells_are_not_counted(tmp_path):
    cut = grow("设备完好率", "≥95%", None, None, None)
    s = forms(tmp_path, [cut, grow("培训人次", "", "210", "10", "10")],
              [prow("设备完好率", "≥95%", "anything", "1", "1"), prow("培训人次", "x", "210", "10", "10")])
    assert s["cells"]["target"]["gold_matched"] == 1 and s["cells"]["target"]["right"] == 1
    assert s["cells"]["actual"]["gold_matched"] == 1 and s["cells"]["weight"]["gold_all"] == 1
    assert s["cell_misses"] == []


def test_missed_row_lowers_recall_and_the_all_rows_accuracy(tmp_path):
    s = forms(tmp_path, [FUNDS, TRAIN, KEPT], [P_FUNDS, P_TRAIN])
    assert s["matched"] == 2 and s["recall"] == round(2 / 3, 4) and s["precision"] == 1.0
    assert s["missed_rows"] == [{"row_type": "indicator", "level3": "设备完好率"}]
    assert s["cells"]["target"]["accuracy"] == 1.0 and s["cells"]["target"]["accuracy_all"] == round(2 / 3, 4)


def test_extra_indicator_row_lowers_precision(tmp_path):
    s = forms(tmp_path, [FUNDS, TRAIN], [P_FUNDS, P_TRAIN, prow("群众满意度", "≥90%", "92%", "10", "10")])
    assert (s["predicted_rows"], s["matched"], s["ignored_funds"]) == (3, 2, 0)
    assert s["precision"] == round(2 / 3, 4) and s["recall"] == 1.0
    assert s["extra_rows"] == [{"row_type": "indicator", "level3": "群众满意度", "form": "1"}]


def test_extra_qizhong_funds_row_does_not_lower_precision(tmp_path):
    part = prow("其中：当年财政拨款", "100", "95", row_type="funds")
    s = forms(tmp_path, [FUNDS, TRAIN], [P_FUNDS, part, P_TRAIN])
    assert (s["predicted_rows"], s["ignored_funds"], s["precision"]) == (2, 1, 1.0)


def test_extra_funds_row_counts_where_the_gold_lists_the_parts(tmp_path):
    part = grow("其中：当年财政拨款", "100", "95", row_type="funds")
    s = forms(tmp_path, [FUNDS, part], [P_FUNDS, prow("当年财政拨款", "100", "95", row_type="funds"),
                                        prow("上年结转资金", "0", "0", row_type="funds")])
    assert (s["matched"], s["ignored_funds"], s["predicted_rows"]) == (2, 0, 3)


def test_forms_name_the_rows_apart(tmp_path):
    second = {**FUNDS, "form": 2, "target": "50"}
    s = forms(tmp_path, [{**FUNDS, "form": 1}, second],
              [prow("年度资金总额", "50", "95", "10", "9.5", row_type="funds", form="2"), {**P_FUNDS}])
    assert s["matched"] == 2 and s["cells"]["target"]["right"] == 2


def test_totals_report_and_absent_block(tmp_path):
    report = evaluate(*write_case(tmp_path, [FUNDS, TRAIN, KEPT], [P_FUNDS, P_TRAIN]))
    t = report["indicators"]
    assert (t["documents"], t["gold_rows"], t["matched"]) == (1, 3, 2)
    text = format_report(report)
    assert "forms" in text and "indicator cells over all gold rows: target 2/3" in text
    saved = json.loads((tmp_path / "out" / "eval.json").read_text(encoding="utf-8"))
    assert saved["indicators"]["matched"] == 2


def test_no_indicators_csv_no_block(tmp_path):
    report = evaluate(*write_case(tmp_path / "a", [FUNDS], None))
    assert "indicators" not in report and "indicators" not in report["documents"][DOC]
    assert "forms" not in format_report(report)


def test_gold_without_indicator_rows_is_not_scored_for_them(tmp_path):
    report = evaluate(*write_case(tmp_path, None, [P_FUNDS]))
    assert "indicators" not in report["documents"][DOC]
    assert report["indicators"]["documents"] == 0 and report["indicators"]["precision"] is None
    assert "forms: no scored document has gold indicator_rows" in format_report(report)


def test_malformed_indicator_rows_are_a_gold_error(tmp_path):
    write_case(tmp_path, [{"row_type": "other", "level3": "培训人次"}], None)
    with pytest.raises(GoldError, match=r"indicator_rows\[0\]"):
        load_gold(tmp_path / "gold")


# ---------------------------------------------------------------- skip_spans

SKIP_TEXT = "培训人次210人次，设备编号88%96%，完好率96%。"


def _fig(surface, value, kind, nth=1):
    return {"surface": surface, "nth": nth, "value": value, "unit": "", "value_base": value, "kind": kind}


def _pred(surface, value, kind, nth=1):
    at = -1
    for _ in range(nth):
        at = SKIP_TEXT.index(surface, at + 1)
    return {"figure_id": f"p{at}", "doc_id": DOC, "start": at, "end": at + len(surface),
            "surface": surface, "value_base": value, "kind": kind, "indicator": ""}


def test_skip_span_excludes_a_false_figure_and_the_gold_inside(tmp_path):
    gold = [_fig("210人次", "210", "count"), _fig("96%", "96", "percent", nth=1),
            _fig("96%", "96", "percent", nth=2)]
    preds = [_pred("210人次", "210", "count"), _pred("88%", "88", "percent"),
             _pred("96%", "96", "percent", nth=2)]
    plain = evaluate(*write_case(tmp_path / "a", figures=gold, pred_figures=preds, text=SKIP_TEXT))
    d = plain["documents"][DOC]
    assert (d["tp"], d["fp"], d["fn"]) == (2, 1, 1)
    skipped = evaluate(*write_case(tmp_path / "b", figures=gold, pred_figures=preds, text=SKIP_TEXT,
                                   skip_spans=[["88%96%", 1]]))
    d = skipped["documents"][DOC]
    assert (d["gold"], d["tp"], d["fp"], d["fn"]) == (2, 2, 0, 0)  # 96% nth 1 lies in the span
    assert [s["surface"] for s in d["skipped"]] == ["88%"] and skipped["totals"]["skipped"] == 1


def test_skip_span_nth_is_one_based_like_figures(tmp_path):
    text = "编号12 编号12 得分12"
    preds = [{"figure_id": "x", "doc_id": DOC, "start": 7, "end": 9, "surface": "12",
              "value_base": "12", "kind": "count", "indicator": ""}]
    r = evaluate(*write_case(tmp_path, pred_figures=preds, text=text, skip_spans=[["编号12", 2]]))
    assert r["documents"][DOC]["fp"] == 0 and len(r["documents"][DOC]["skipped"]) == 1
    write_case(tmp_path / "bad", skip_spans=[["编号12", 0]])
    with pytest.raises(GoldError, match=r"skip_spans\[0\]"):
        load_gold(tmp_path / "bad" / "gold")
