"""The indicator panel: canonical indicators, metadata, cells with their sources, cross-year checks."""
from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from extract import load_patterns, run
from extract.evaluate import evaluate
from extract.analyse.metadata import read_metadata
from extract.core.model import Figure
from extract.core.rows import PANEL_INDICATORS
from extract.analyse.panel import canonical
from extract.analyse.structure import Layout
from support import read_rows as _rows

P = load_patterns()
ROOT = Path(__file__).resolve().parent.parent


def test_indicator_lexicon_covers_the_spec_columns():
    assert set(P.indicators) | {"三公经费上年数"} == set(PANEL_INDICATORS)


def _figure(indicator: str, kind: str, section: str = "") -> Figure:
    return Figure(start=0, end=1, surface="1", value=Decimal(1), unit="万元", value_base=Decimal(10000),
                  base_unit="元", kind=kind, indicator=indicator, section=section)


@pytest.mark.parametrize("column,example", [
    (c, e) for c, spec in P.raw["indicators"]["columns"].items() for e in spec.get("examples", [])])
def test_indicator_examples(column, example):
    assert canonical(P, _figure(example, P.indicators[column].kind)) == (column,)


@pytest.mark.parametrize("column,example", [
    (c, e) for c, spec in P.raw["indicators"]["columns"].items() for e in spec.get("counterexamples", [])])
def test_indicator_counterexamples(column, example):
    assert column not in canonical(P, _figure(example, P.indicators[column].kind))


def test_section_decides_a_generic_name():
    assert canonical(P, _figure("支出合计", "money", "四、“三公”经费使用情况")) == ("三公经费",)
    assert canonical(P, _figure("支出合计", "money", "三、预算收支情况")) == ("支出合计",)


def test_changes_and_targets_fill_no_cell():
    f = _figure("收入合计", "money")
    from dataclasses import replace
    assert canonical(P, replace(f, role="delta")) == ()
    assert canonical(P, replace(f, role="target")) == ()


@pytest.mark.parametrize("title,unit,year,kind,project", [
    ("某县卫生健康局2024年度部门整体支出绩效自评报告", "某县卫生健康局", 2024, "整体支出", ""),
    ("长安镇人民政府\n2022年度整体支出绩效自评报告", "长安镇人民政府", 2022, "整体支出", ""),
    ("某县2023年高标准农田建设项目\n项目支出绩效自评报告", "", 2023, "项目支出", "高标准农田建设项目"),
])
def test_metadata_from_titles(title, unit, year, kind, project):
    text = f"{title}\n\n为加强管理，开展了自评。经评定，自评得分92分，等级为“良”。\n"
    m = read_metadata(text, Layout(text))
    assert (m.year, m.report_type, m.project, m.grade) == (year, kind, project, "良")
    if unit:
        assert m.unit == unit


@pytest.mark.parametrize("text,unit,project,kind,grade", [
    ("2024年度项目支出绩效自评表\n项目名称 | 村道养护项目\n主管部门 | 某县交通局 | 实施单位 | 某县公路养护站\n"
     "总分 | 100 | 95.5 | 优\n", "某县公路养护站", "村道养护项目", "项目支出", "优"),
    ("2023年度专项资金绩效目标自评表专项资金名称乡村书屋补助负责人及电话张某县级主管部门某县文化局"
     "实施单位某县图书馆项目资金(万元)\n", "某县图书馆", "乡村书屋补助", "项目支出", ""),
    ("财政项目绩效自评表单位名称:某市第二医院填报日期:2022年3月1日项目名称门诊楼改造主管部门某市卫健委\n",
     "某市第二医院", "门诊楼改造", "项目支出", ""),
])
def test_metadata_from_a_forms_header_fields(text, unit, project, kind, grade):
    """A form names its project and its reporting unit (实施单位, not the 主管部门 above it) in
    header fields, with or without separators between them."""
    m = read_metadata(text, Layout(text))
    assert (m.unit, m.project, m.report_type, m.grade) == (unit, project, kind, grade)


def test_a_sites_clock_above_the_form_is_not_its_year():
    text = "今天是：2025年12月04日\n2021年中央对地方专项转移支付绩效目标自评表\n单位名称 某县市场监管局\n"
    assert read_metadata(text, Layout(text)).year == 2021


def test_a_narrative_report_keeps_its_title_and_signature_before_a_forms_fields():
    text = ("某县2023年乡村道路改造项目\n项目支出绩效自评报告\n\n项目名称 | 某县2023年乡村道路改造项目\n"
            "主管部门 | 某县交通局 | 实施单位 | 某县公路养护站\n")
    m = read_metadata(text, Layout(text))
    assert (m.unit, m.project) == ("某县交通局", "乡村道路改造项目")


REPORT = """某县文化馆{year}年度部门整体支出绩效自评报告

一、预算收支情况
{year}年度收入合计{income}万元，比上年增加{change}万元，其中一般公共预算财政拨款收入{general}万元，其他收入{other}万元。
{year}年度支出合计{spent}万元，其中基本支出{basic}万元、项目支出{project}万元。
二、“三公”经费情况
{year}年“三公”经费支出合计{three}万元，比上年减少{three_change}万元。其中：公务接待费{three}万元。
三、自评结论
经综合评定，群众满意度为{sat}%，自评得分{score}分，等级为“优”。
"""


def _write(folder: Path, name: str, **values):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(REPORT.format(**values), encoding="utf-8")


def test_panel_cells_sources_and_cross_year(tmp_path):
    base = dict(general="400.00", other="100.00", basic="300.00", project="180.00", sat="96.5", score="93")
    _write(tmp_path / "in", "a-2022.txt", year=2022, income="480.00", change="10.00", spent="470.00",
           three="5.00", three_change="1.00", **{**base, "general": "380.00"})
    _write(tmp_path / "in", "a-2023.txt", year=2023, income="500.00", change="20.00", spent="480.00",
           three="4.00", three_change="1.00", **base)
    out = tmp_path / "out"
    run([tmp_path / "in"], out)
    panel = {r["doc_id"]: r for r in _rows(out / "panel.csv")}
    p23 = panel["a-2023.txt"]
    assert (p23["unit"], p23["year"], p23["grade"]) == ("某县文化馆", "2023", "优")
    assert p23["收入合计"] == "500" and p23["一般公共预算财政拨款收入"] == "400"
    assert p23["财政拨款收入"] == ""     # derived only from both of its parts
    assert p23["三公经费"] == "4" and p23["三公经费上年数"] == "5" and p23["满意度"] == "96.5"
    assert p23["自评得分"] == "93" and p23["政府性基金预算财政拨款收入"] == ""
    sources = [s for s in _rows(out / "panel_sources.csv") if s["doc_id"] == "a-2023.txt"]
    figure_ids = {r["figure_id"] for r in _rows(out / "figures.csv")}
    for s in sources:
        assert set(s["figure_id"].split()) <= figure_ids
    flags = [f for f in _rows(out / "flags.csv") if f["check"] == "cross_year_mismatch"]
    # 2023 says 收入 rose by 20 to 500 (so 480 last year: consistent); 三公 fell by 1 to 4 (so 5: consistent)
    assert flags == []
    _write(tmp_path / "in", "a-2023.txt", year=2023, income="500.00", change="30.00", spent="480.00",
           three="4.00", three_change="1.00", **base)
    run([tmp_path / "in"], out)
    flags = [f for f in _rows(out / "flags.csv") if f["check"] == "cross_year_mismatch"]
    assert len(flags) == 1 and flags[0]["doc_id"] == "a-2023.txt" and "a-2022.txt" in flags[0]["message"]
    assert "收入合计" in flags[0]["message"] and flags[0]["severity"] == "warning"


@pytest.mark.corpus
def test_corpus_panel(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for report in (ROOT / "corpora").glob("*.txt"):
        shutil.copy(report, inputs)
    run([inputs], tmp_path / "out")
    scores = evaluate(ROOT / "corpora" / "gold", tmp_path / "out")
    panel = scores["panel"]
    assert panel["metadata_accuracy"] == 1.0
    assert panel["cell_accuracy"] >= 0.95 and panel["extra_cells"] == 0
    cross = [f for f in _rows(tmp_path / "out" / "flags.csv") if f["check"] == "cross_year_mismatch"]
    assert [(f["doc_id"], f["message"][:4]) for f in cross] == [("jiedao-2023.txt", "收入合计")]
    assert "上年数6,873.52万元" in cross[0]["message"] and "所载6,837.52万元" in cross[0]["message"]


def test_open_ended_intervals_never_stop_a_batch(tmp_path):
    """Regression: 比上年增加超过1万元 makes the prior-year value open below ([-∞, v−1]); written as
    `-∞` in panel_sources.csv and read back as a number, it stopped the parent's merge, and every
    re-run after it. Now every table is written, twice, and the interval reads back as written."""
    from extract.core.interval import Interval

    _write(tmp_path / "in", "a-2022.txt", year=2022, income="480.00", change="10.00", spent="470.00",
           three="5.00", three_change="1.00", general="380.00", other="100.00", basic="300.00",
           project="170.00", sat="96", score="93")
    (tmp_path / "in" / "a-2023.txt").write_text(
        "某县文化馆2023年度部门整体支出绩效自评报告\n一、预算收支情况\n"
        "2023年度收入合计500.00万元，比上年增加超过1万元。三公经费控制在10万元以内。\n", encoding="utf-8")
    out = tmp_path / "out"
    for _ in range(2):
        reports = run([tmp_path / "in"], out)
        assert [r.status for r in reports] == ["ok", "ok"]
        for table in ("documents", "figures", "checks", "flags", "panel", "panel_sources"):
            assert (out / f"{table}.csv").is_file() and (out / f"{table}.parquet").is_file()
    prior = next(s for s in _rows(out / "panel_sources.csv")
                 if s["doc_id"] == "a-2023.txt" and s["basis"] == "prior")
    assert (prior["lo"], prior["hi"]) == ("-∞", "499.005")
    cross = next(c for c in _rows(out / "checks.csv") if c["check"] == "cross_year_mismatch")
    assert Interval.parse(cross["stated"]) == Interval(Decimal("-Infinity"), Decimal("499.005"))
    assert cross["status"] == "pass" and "不超过499.005万元" in cross["message"]


@pytest.mark.parametrize("text", ["[1, 2]", "[-∞, 19.5]", "[0, ∞]", "7.25", "[-3, -∞]"])
def test_interval_parse_inverts_its_text(text):
    from extract.core.interval import Interval

    assert str(Interval.parse(str(Interval.parse(text)))) == str(Interval.parse(text))


@pytest.mark.parametrize("bad", ["", "[1]", "abc", "[1, x]", "NaN"])
def test_interval_parse_refuses_what_it_never_writes(bad):
    from extract.core.interval import Interval

    with pytest.raises(ValueError):
        Interval.parse(bad)


def test_one_year_for_metadata_and_checks(tmp_path):
    """Regression: without a title, metadata took the first year of the opening (2024, the notice)
    while the checks took the first 年度 (2023); documents.csv said 2024 and period_mismatch judged
    against 2023. One function decides now, and both say 2023."""
    from extract.pipeline import analyse
    from extract.core.model import Document

    text = ("根据《关于开展2024年预算绩效自评工作的通知》要求，现将我单位2023年度部门整体支出绩效自评情况报告如下。\n"
            "一、基本情况\n全年支出合计120.00万元，比2022年增长5.0%，其中基本支出100.00万元，项目支出20.00万元。\n")
    a = analyse(Document("y.txt", "y.txt", "txt", text))
    assert read_metadata(text, Layout(text)).year == 2023 and a.metadata.year == 2023
    period = [c for c in a.checks if c.check == "period_mismatch"]
    assert [c.status for c in period] == ["not_assessable"]
