"""Headings, sections, sentences and plain-text tables."""
from __future__ import annotations

from extract import find_figures
from extract.analyse.structure import Layout, cn_int

REPORT = """某县文化馆
2024年度部门整体支出绩效自评报告

根据通知要求，我馆开展了自评。现报告如下。

一、基本情况
（一）职能职责
承担全县公共文化服务职能。
（二）人员情况
在职人员18人，其中专业技术人员12人。
二、预算执行情况
1.收入情况。全年收入合计268.4万元。
2.支出情况。全年支出合计260.1万元；结余8.3万元。
绩效目标完成情况
全年开展文化活动46场。

附表：自评表
一级指标 | 二级指标 | 分值 | 得分
投入 | 预算执行 | 20 | 18.5
产出 | 活动数量 | 30 | 29
合计 |  | 50 | 47.5

某县文化馆
2025年1月10日
"""


def test_cn_int():
    assert [cn_int(x) for x in ("一", "十", "十二", "二十", "二十三", "7")] == [1, 10, 12, 20, 23, 7]


def test_title_headings_and_levels():
    layout = Layout(REPORT)
    assert REPORT[slice(*layout.title)].startswith("某县文化馆")
    got = [(h.level, h.label, h.number, h.title) for h in layout.headings]
    assert got == [
        (1, "一、", 1, "一、基本情况"),
        (2, "（一）", 1, "（一）职能职责"),
        (2, "（二）", 2, "（二）人员情况"),
        (1, "二、", 2, "二、预算执行情况"),
        (3, "1.", 1, "1.收入情况"),
        (3, "2.", 2, "2.支出情况"),
        (1, "", None, "绩效目标完成情况"),
    ]


def test_section_paths_of_figures():
    by_surface = {f.surface: f for f in find_figures(REPORT)}
    assert by_surface["18人"].section == "一、基本情况 > （二）人员情况"
    assert by_surface["268.4万元"].section == "二、预算执行情况 > 1.收入情况"
    assert by_surface["46场"].section == "绩效目标完成情况"


def test_sentences():
    layout = Layout(REPORT)
    pos = REPORT.index("结余")
    s, e = layout.sentence_at(pos)
    assert REPORT[s:e] == "结余8.3万元。"
    f = next(f for f in find_figures(REPORT) if f.surface == "260.1万元")
    assert f.sentence == "2.支出情况。" or f.sentence == "全年支出合计260.1万元；"


def test_pipe_table_cells_rows_and_columns():
    layout = Layout(REPORT)
    assert len(layout.tables) == 1
    table = layout.tables[0]
    assert [len(r.cells) for r in table.rows] == [4, 4, 4, 4]
    assert [c.text for c in table.rows[1].cells] == ["投入", "预算执行", "20", "18.5"]


def test_table_figures_take_kind_role_and_indicator_from_headers():
    figures = [f for f in find_figures(REPORT) if f.table]
    got = [(f.surface, f.kind, f.role, f.indicator, f.row, f.col) for f in figures]
    assert got == [
        ("20", "score", "weight", "预算执行 / 分值", 2, 3),
        ("18.5", "score", "score", "预算执行 / 得分", 2, 4),
        ("30", "score", "weight", "活动数量 / 分值", 3, 3),
        ("29", "score", "score", "活动数量 / 得分", 3, 4),
        ("50", "score", "total", "分值合计", 4, 3),
        ("47.5", "score", "total", "得分合计", 4, 4),
    ]


def test_space_aligned_table_with_caption_unit():
    text = ("表2  项目资金情况（单位：万元）\n"
            "资金来源      预算数      执行数\n"
            "省级资金      120.00      118.50\n"
            "县级配套      30.00       25.00\n"
            "合计          150.00      143.50\n")
    figures = find_figures(text)
    assert [(f.surface, f.unit, str(f.value_base), f.role) for f in figures] == [
        ("120.00", "万元", "1200000.00", "budget"), ("118.50", "万元", "1185000.00", "executed"),
        ("30.00", "万元", "300000.00", "budget"), ("25.00", "万元", "250000.00", "executed"),
        ("150.00", "万元", "1500000.00", "total"), ("143.50", "万元", "1435000.00", "total")]
    assert figures[0].indicator == "省级资金 / 预算数"


def test_short_row_aligns_values_right():
    text = ("一级指标  二级指标  分值  得分\n"
            "投入  预算编制  10  9\n"
            "合计    10  9\n")
    figures = find_figures(text)
    assert [(f.surface, f.col, f.role) for f in figures] == [
        ("10", 3, "weight"), ("9", 4, "score"), ("10", 3, "total"), ("9", 4, "total")]


def test_bare_numbers_without_unit_are_not_figures():
    text = "序号 | 名称 | 数量\n1 | 甲 | 5\n2 | 乙 | 7\n"
    assert find_figures(text) == []


def test_signature_and_date_lines_are_not_headings():
    layout = Layout(REPORT)
    assert all("2025年" not in h.title and h.title != "某县文化馆" for h in layout.headings)


def test_a_column_unit_speaks_for_its_column_only():
    text = "项目 | 金额（万元） | 数量\n甲 | 12.5 | 3\n乙 | 4.0 | 5\n"
    figures = find_figures(text)
    assert [(f.surface, f.unit) for f in figures] == [("12.5", "万元"), ("4.0", "万元")]


def test_a_label_column_unit_speaks_for_the_block():
    text = "资金情况（万元） | 年初预算数 | 执行数\n年度资金总额 | 100.00 | 95.00\n"
    assert [(f.surface, f.unit) for f in find_figures(text)] == [("100.00", "万元"), ("95.00", "万元")]
