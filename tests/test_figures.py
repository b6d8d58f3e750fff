"""The recognizer on sentences written for these tests (not taken from the corpus)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from extract import Figure, find_figures


def one(text: str) -> Figure:
    figures = find_figures(text)
    assert len(figures) == 1, [f.surface for f in figures]
    return figures[0]


def surfaces(text: str) -> list[str]:
    return [f.surface for f in find_figures(text)]


# -- kinds, units and base values -------------------------------------------------------
@pytest.mark.parametrize("text,surface,value,unit,base,base_unit,kind", [
    ("本年度共拨付资金2,345.60万元。", "2,345.60万元", "2345.60", "万元", "23456000", "元", "money"),
    ("累计投入建设资金4.5亿元。", "4.5亿元", "4.5", "亿元", "450000000", "元", "money"),
    ("人均补助1,250元。", "1,250元", "1250", "元", "1250", "元", "money"),
    ("新修机耕道12.5公里。", "12.5公里", "12.5", "公里", "12500", "米", "length"),
    ("硬化村道860米。", "860米", "860", "米", "860", "米", "length"),
    ("完成造林1.2万亩。", "1.2万亩", "1.2", "万亩", "12000", "亩", "area"),
    ("改造校舍3,600平方米。", "3,600平方米", "3600", "平方米", "3600", "平方米", "area"),
    ("新建厂房2.5万平方米。", "2.5万平方米", "2.5", "万平方米", "25000", "平方米", "area"),
    ("辖区面积8.3平方公里。", "8.3平方公里", "8.3", "平方公里", "8300000", "平方米", "area"),
    ("合格率98.6%。", "98.6%", "98.6", "%", "98.6", "%", "percent"),
    ("较上年提高1.5个百分点。", "1.5个百分点", "1.5", "个百分点", "1.5", "个百分点", "percentage_point"),
    ("自评得分88.5分。", "88.5分", "88.5", "分", "88.5", "分", "score"),
    ("全年处理污水1.3万吨。", "1.3万吨", "1.3", "万吨", "13000", "吨", "other"),
    ("平均办结时间4.5天。", "4.5天", "4.5", "天", "4.5", "天", "other"),
    ("培训骨干教师1,208人次。", "1,208人次", "1208", "人次", "1208", "人次", "count"),
    ("惠及群众2.6万余户。", "2.6万余户", "2.6", "万户", "26000", "户", "count"),
])
def test_kinds_units_and_base_values(text, surface, value, unit, base, base_unit, kind):
    f = one(text)
    assert (f.surface, f.unit, f.base_unit, f.kind) == (surface, unit, base_unit, kind)
    assert isinstance(f.value, Decimal) and f.value == Decimal(value) and str(f.value) == value
    assert f.value_base == Decimal(base)
    assert text[f.start:f.end] == f.surface


@pytest.mark.parametrize("text,value,unit", [
    ("全乡下辖十三个行政村。", 13, "个"),
    ("共走访一百零五户群众。", 105, "户"),
    ("发放宣传册两千余份。", 2000, "份"),
    ("选派三名干部驻村。", 3, "名"),
    ("群众满意度达到百分之九十六。", 96, "%"),
    ("整改完成率百分之百。", 100, "%"),
    ("开展巡查近百次。", 100, "次"),
])
def test_chinese_numerals(text, value, unit):
    f = one(text)
    assert f.value == value and f.unit == unit


@pytest.mark.parametrize("text,surface,approx", [
    ("项目总投资约2,800万元。", "约2,800万元", "approx"),
    ("受益群众3,000余人。", "3,000余人", "more_than"),
    ("参与人数达500人以上。", "500人以上", "more_than"),
    ("发放资料超过1.5万份。", "超过1.5万份", "more_than"),
    ("响应时间控制在30分钟以内。", "30分钟以内", "less_than"),
    ("失业率不超过4%。", "不超过4%", "at_most"),
    ("覆盖率不低于95%。", "不低于95%", "at_least"),
    ("合格率≥98%。", "≥98%", "at_least"),
    ("节省时间约2小时左右。", "约2小时左右", "approx"),
    ("全年节约经费3.2万元。", "3.2万元", "exact"),
])
def test_qualifiers_are_part_of_the_surface(text, surface, approx):
    f = one(text)
    assert (f.surface, f.approx) == (surface, approx)


# -- not figures --------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "2024年3月中旬，本局召开了动员会。",
    "第三季度完成了第二批项目申报。",
    "根据《关于开展2024年度绩效自评的通知》（财预〔2024〕12号）要求。",
    "联系电话：0731-8812345，监督热线12345。",
    "沿G320国道和X105线布设站点，使用C25混凝土。",
    "坚持“三个一”工作法，落实“两不愁三保障”。",
    "一、基本情况",
    "（二）项目实施情况",
    "一是加强领导；二是强化监督。",
    "65岁及以上老人全部建档。",
    "十分重视项目管理，进一步提高效率。",
    "深入学习党的二十大精神和“十四五”规划。",
    "建设15分钟便民生活圈，推进一网统管。",
    "第三方机构开展了评价，对一级指标逐项打分。",
    "为一个专班配备一套机制。",
    "我县近三年持续推进该项工作。",
    "2型糖尿病患者纳入管理，5G网络覆盖全县。",
])
def test_not_figures(text):
    assert surfaces(text) == []


def test_open_list_with_deng_states_no_count():
    assert surfaces("下设农技站、水利站等七个事业站所。") == []


# -- lists, shared subjects, changes --------------------------------------------------
def test_respectively_gives_each_bare_number_the_unit_and_its_subject():
    text = "甲项目、乙项目和丙项目分别为120.50、80.00和45.25万元。"
    figures = find_figures(text)
    assert [f.surface for f in figures] == ["120.50", "80.00", "45.25万元"]
    assert [f.value_base for f in figures] == [Decimal("1205000"), Decimal("800000"), Decimal("452500")]
    assert [f.indicator for f in figures] == ["甲项目", "乙项目", "丙项目"]


def test_ge_shares_the_subject_and_keeps_the_value():
    f = one("新建水稻、油菜示范片各300亩。")
    assert f.value == 300 and f.unit == "亩" and f.indicator == "水稻、油菜示范片"


def test_change_and_rate_with_direction_and_shared_indicator():
    figures = find_figures("办公费12.6万元，比上年减少1.4万元，下降10%。")
    assert [(f.surface, f.role, f.direction) for f in figures] == [
        ("12.6万元", "", ""), ("1.4万元", "delta", "-"), ("10%", "growth_rate", "-")]
    assert {f.indicator for f in figures} == {"办公费"}


def test_prior_value_and_increase():
    figures = find_figures("差旅费5.2万元，较上年4.8万元增加0.4万元，增长8.3%。")
    assert [(f.role, f.direction) for f in figures] == [
        ("", ""), ("prior", ""), ("delta", "+"), ("growth_rate", "+")]
    assert all(f.indicator == "差旅费" for f in figures)


def test_total_and_parts():
    figures = find_figures("本年支出合计980.00万元，其中基本支出600.00万元、项目支出380.00万元。")
    assert [(f.indicator, f.role) for f in figures] == [
        ("支出合计", "total"), ("基本支出", "part"), ("项目支出", "part")]


def test_percentage_points_and_reached_values():
    figures = find_figures("覆盖率由上年的88.0%提高到92.5%，提高4.5个百分点。")
    assert [f.role for f in figures] == ["prior", "", "delta"]
    assert all(f.indicator == "覆盖率" for f in figures)
    assert figures[2].direction == "+"


def test_count_names_what_it_counts_after_it():
    assert one("全县建成38个村级服务站，覆盖所有行政村。").indicator == "村级服务站"


def test_indicator_drops_time_scope_and_verb():
    assert one("2024年全县新建标准化卫生室12所。").indicator == "标准化卫生室"


def test_share_of_a_whole():
    figures = find_figures("人员经费320万元，占基本支出的80%。")
    assert figures[1].indicator == "人员经费占基本支出比例"


def test_duration_years_only_with_a_duration_cue():
    assert surfaces("设备使用年限8年，2019年购置。") == ["8年"]


def test_weights_in_parentheses():
    f = one("决策指标（20分）")
    assert (f.kind, f.role, f.indicator) == ("score", "weight", "决策指标")


# -- offsets ------------------------------------------------------------------------------
def test_full_width_digits_and_spaces_keep_offsets():
    text = "全年\u3000支出１２３．５万元，满意度９７％。\r\n"
    figures = find_figures(text)
    assert [f.surface for f in figures] == ["１２３．５万元", "９７％"]
    assert figures[0].value == Decimal("123.5") and figures[1].value == 97
    for f in figures:
        assert text[f.start:f.end] == f.surface


def test_planted_figures_found_at_their_offsets():
    filler = "为加强项目管理，规范资金使用，"
    planted = [("发放补贴资金", "56.78万元"), ("改造危房", "23户"), ("完成率", "96.5%")]
    text, expected = "", []
    for subject, figure in planted:
        text += filler + subject
        expected.append((len(text), len(text) + len(figure)))
        text += figure
    text += "。"
    assert [(f.start, f.end) for f in find_figures(text)] == expected


def test_figure_rejects_a_span_that_does_not_fit():
    with pytest.raises(ValueError):
        Figure(start=0, end=4, surface="12元", value=Decimal(12), unit="元",
               value_base=Decimal(12), base_unit="元", kind="money")
    with pytest.raises(TypeError):
        Figure(start=0, end=3, surface="12元", value=12.0, unit="元",
               value_base=Decimal(12), base_unit="元", kind="money")


# -- zero-width characters (issue 12) ------------------------------------------------------
@pytest.mark.parametrize("zw", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"])
def test_a_zero_width_character_inside_a_number_is_ignored(zw):
    """1\u200b000万元 is 1000万元, not 0万元; the span still indexes the original text."""
    text = f"收入合计1{zw}000万元，其中财政拨款8{zw}00万元，其他收入{zw}200万元。"
    figures = find_figures(text)
    assert [(f.value, f.unit) for f in figures] == [(Decimal("1000"), "万元"), (Decimal("800"), "万元"),
                                                    (Decimal("200"), "万元")]
    assert [f.surface for f in figures] == [f"1{zw}000万元", f"8{zw}00万元", "200万元"]
    for f in figures:
        assert text[f.start:f.end] == f.surface
    assert figures[0].value_base == Decimal("10000000") and figures[0].indicator == "收入合计"


def test_zero_width_characters_leave_other_figures_at_their_offsets():
    text = "\ufeff项目\u200b资金\u200d共计2,345.60万元，完成率98.6%。"
    figures = find_figures(text)
    assert [f.surface for f in figures] == ["2,345.60万元", "98.6%"]
    assert [(f.start, f.end) for f in figures] == [(text.index("2,345"), text.index("，")),
                                                   (text.index("98.6"), len(text) - 1)]


def test_a_zero_width_character_inside_a_table_cell_is_ignored():
    text = "表1 收支表（单位：万元）\n项目  预算数  执行数\n收入合计  1\u200b200.00  1,100.00\n"
    cells = [f for f in find_figures(text) if f.table is not None]
    assert [(f.surface, f.value, f.unit) for f in cells] == [
        ("1\u200b200.00", Decimal("1200.00"), "万元"), ("1,100.00", Decimal("1100.00"), "万元")]
    assert all(text[f.start:f.end] == f.surface for f in cells)


# -- real-prose layouts: spaces and line ends between number and unit --------------------
@pytest.mark.parametrize("text,surface,base,unit", [
    ("今年共发放宣传册 420 份。", "420 份", "420", "份"),
    ("下达补助资金 1836.5 万元，", "1836.5 万元", "18365000", "万元"),
    ("收回问卷 300 余份。", "300 余份", "300", "份"),
    ("安排结余资金 0\n万元。", "0\n万元", "0", "万元"),
    ("全年拨付 92.35 万\n元用于维修。", "92.35 万\n元", "923500", "万元"),
])
def test_gaps_inside_a_figure(text, surface, base, unit):
    f = one(text)
    assert (f.surface, f.value_base, f.unit) == (surface, Decimal(base), unit)
    assert text[f.start:f.end] == surface


def test_a_blank_line_or_a_wide_gap_separates_number_and_unit():
    assert surfaces("编号 12\n\n万元预算") == []
    assert surfaces("序号 7     人员") == []


# -- traditional script, read one character for one ---------------------------------------
def test_traditional_script_reads_as_simplified_and_keeps_its_surface():
    text = "本年度撥付維修資金36.8萬元，幫扶困難戶十二戶，添置車輛兩輛。"
    figures = find_figures(text)
    got = [(f.surface, f.value_base, f.unit) for f in figures]
    assert got == [("36.8萬元", Decimal("368000"), "万元"), ("十二戶", Decimal("12"), "户"),
                   ("兩輛", Decimal("2"), "辆")]
    assert all(text[f.start:f.end] == f.surface for f in figures)


def test_a_character_also_written_in_simplified_text_is_left_alone():
    from extract.core.numbers import normalise
    assert normalise("乾燥覆盖") == "乾燥覆盖"
    assert normalise("萬戶類") == "万户类"
    assert len(normalise("餘額１２萬")) == len("餘額１２萬")


def test_an_ascii_comma_after_a_word_is_a_clause_break_not_a_thousands_separator():
    assert surfaces("辖区有8个自然村,2个社区,1,250户。") == ["8个", "2个", "1,250户"]
    assert surfaces("编号12,345号") == []


# -- more units and measure words of real prose -------------------------------------------
@pytest.mark.parametrize("text,surface,base,base_unit,kind", [
    ("完成坡面治理16.5hm²。", "16.5hm²", "165000", "平方米", "area"),
    ("新增水保林8.2hm,其中经果林3hm。", "8.2hm", "82000", "平方米", "area"),
    ("年拦蓄泥沙2.4万t;", "2.4万t", "24000", "吨", "other"),
    ("孕产妇死亡率0.5‰。", "0.5‰", "0.05", "%", "percent"),
    ("加固堤防 3 段。", "3 段", "3", "段", "count"),
    ("全年接种4,600剂次。", "4,600剂次", "4600", "剂次", "count"),
    ("补助分为两类。", "两类", "2", "类", "count"),
    ("调度直升机2架。", "2架", "2", "架", "count"),
])
def test_more_units(text, surface, base, base_unit, kind):
    f = find_figures(text)[0]
    assert (f.surface, f.value_base, f.base_unit, f.kind) == (surface, Decimal(base), base_unit, kind)


def test_measure_words_that_begin_a_longer_word_are_not_units():
    assert surfaces("修建2道路口标志") == []
    assert surfaces("分3段落撰写") == []


def test_wan_without_a_unit_is_money_next_to_a_money_word():
    assert [(f.surface, f.value_base, f.kind) for f in find_figures("下达维修资金6.4万,执行数6.4万。")] == [
        ("6.4万", Decimal("64000"), "money"), ("6.4万", Decimal("64000"), "money")]
    assert surfaces("将4.5万补助资金发放到户。") == ["4.5万"]
    assert surfaces("全镇常住人口2.3万,外出务工较多。") == []


def test_counts_of_one_only_with_measure_words_that_count_objects():
    assert [(f.surface, f.value_base) for f in find_figures("为卫生院配备一辆转运车。")] == [("一辆", Decimal("1"))]
    assert surfaces("成立一个专班，落实一家一户帮扶。") == []


def test_offices_numbered_under_one_head_are_names():
    assert surfaces("内设稽查一处、稽查二处和法规一处、法规二处。") == []
    assert surfaces("整修边沟两处、涵洞三处。") == ["两处", "三处"]
