"""Every check on report sentences written for these tests: a passing and a failing case,
rounding edge cases, and property tests of the interval arithmetic."""
from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from extract.checks import REGISTRY
from extract.core.interval import INF, Interval, of
from extract.core.model import Document
from extract.pipeline import analyse


def checks(text: str, name: str | None = None, doc_id: str = "t.txt"):
    results = analyse(Document(doc_id, doc_id, "txt", text)).checks
    return [r for r in results if name is None or r.check == name]


def statuses(text: str, name: str) -> list[str]:
    return [r.status for r in checks(text, name)]


def fails(text: str, name: str):
    return [r for r in checks(text, name) if r.status == "fail"]


def test_every_check_of_the_spec_is_registered_and_recorded():
    names = {"sum_mismatch", "growth_mismatch", "rate_mismatch", "score_over_weight", "score_total_mismatch",
             "conflicting_repeat", "percent_out_of_range", "enumeration_count", "stale_forecast",
             "target_unmet", "period_mismatch", "heading_sequence"}
    assert names <= set(REGISTRY)
    recorded = {r.check for r in checks("2024年度某局整体支出绩效自评报告\n无数字。")}
    assert names <= recorded


# -- interval arithmetic -------------------------------------------------------------------
def _fig(text):
    from extract import find_figures
    return find_figures(text)[0]


@pytest.mark.parametrize("text,lo,hi", [
    ("8万元", "75000", "85000"), ("0.03万元", "250", "350"), ("0.4%", "0.35", "0.45"),
    ("29条", "29", "29"), ("5000余米", "5000", "6000"), ("70余次", "70", "80"),
    ("约1000万元", "9500000", "10500000"), ("0万元", "0", "0"), ("95分", "95", "95"),
    ("9.5分", "9.45", "9.55"), ("1.58万件", "15750", "15850"),
])
def test_intervals_of_written_values(text, lo, hi):
    assert of(_fig(text)) == Interval(Decimal(lo), Decimal(hi))


def test_open_intervals():
    assert of(_fig("不少于20年")).hi == INF and of(_fig("≤5%")) == Interval(Decimal(0), Decimal(5))


def test_spec_example_growth_holds_only_under_rounding():
    text = "公务接待费8万元，与上年相比增加0.03万元，增长0.4%。"
    assert statuses(text, "growth_mismatch") == ["pass"]
    bad = fails("公务接待费8万元，与上年相比增加0.03万元，增长4%。", "growth_mismatch")
    assert len(bad) == 1 and bad[0].severity == "error"
    assert "应为" in bad[0].message and "4%" in bad[0].message


# -- sum_mismatch ---------------------------------------------------------------------------
def test_sum_of_parts_pass_and_fail():
    ok = "本年收入合计500.00万元，其中财政拨款收入420.00万元，其他收入80.00万元。"
    assert statuses(ok, "sum_mismatch") == ["pass"]
    bad = fails("本年收入合计500.00万元，其中财政拨款收入420.00万元，其他收入90.00万元。", "sum_mismatch")
    assert len(bad) == 1 and bad[0].severity == "error"
    assert "500.00万元" in bad[0].message and "510.00万元" in bad[0].message and "10.00万元" in bad[0].message


def test_a_computed_amount_is_said_in_the_written_unit_with_separators():
    bad = fails("本年收入合计3,250.40万元，其中财政拨款收入2,100.20万元，其他收入1,210.20万元。", "sum_mismatch")
    assert "各项之和3,310.40万元" in bad[0].message and "相差60.00万元" in bad[0].message


def test_two_breakdowns_in_one_sentence_are_two_relations():
    # The last income part is no total over the spending parts that follow the next total.
    text = ("全年实际收入1699.12万元，其中财政拨款收入1435.22万元，上年结转结余263.90万元；"
            "全年实际支出1595.59万元，其中基本支出890.4万元，项目支出705.19万元。")
    assert statuses(text, "sum_mismatch") == ["pass", "pass"]
    run_on = ("本年收到资金共500.0万元，其中：省级资金300.0万元，县级资金200.0万元"
              "本年支出480.0万元，其中省级资金290.0万元，县级资金190.0万元。")
    assert statuses(run_on, "sum_mismatch") == ["pass", "pass"]
    bad = fails(text.replace("项目支出705.19万元", "项目支出725.19万元"), "sum_mismatch")
    assert len(bad) == 1 and bad[0].message.startswith("支出1595.59万元"), [b.message for b in bad]


def test_a_list_opened_in_brackets_ends_at_the_closing_bracket():
    text = ("3月下达补助资金42.5万元（其中：中央补助资金30万元，省级补助资金12.5万元），"
            "9月下达补助资金160.3万元。")
    assert statuses(text, "sum_mismatch") == ["pass"]
    assert statuses(text.replace("12.5万元）", "14.5万元）"), "sum_mismatch") == ["fail"]


def test_a_total_of_zero_is_compared_in_its_own_unit():
    # 0万元 carries no ratio of base to written value; its parts are said in 万元 all the same.
    bad = fails("项目资金合计0万元，其中：市级资金120000元，区级资金35000元。", "sum_mismatch")
    assert len(bad) == 1 and "各项之和15.50万元" in bad[0].message, bad[0].message
    assert "各项之和1,500.00元" in fails("支出合计0元，其中：办公费1200元，差旅费300元。", "sum_mismatch")[0].message


def test_non_exhaustive_parts_only_fail_when_larger():
    assert statuses("项目支出300万元，其中培训费120万元、差旅费60万元。", "sum_mismatch") == ["pass"]
    assert statuses("项目支出300万元，其中培训费220万元、差旅费90万元。", "sum_mismatch") == ["fail"]


def test_sum_within_rounding_passes():
    # 3.3 + 3.3 + 3.3 = 9.9, total written 10: [9.5, 10.5] overlaps [9.75, 10.05]
    assert statuses("支出合计10万元，其中甲费3.3万元、乙费3.3万元、其他费用3.3万元。", "sum_mismatch") == ["pass"]


def test_parts_after_a_full_stop_and_nested_parts():
    text = ("支出合计100.00万元。其中基本支出60.00万元，包括人员经费50.00万元、公用经费10.00万元；"
            "项目支出40.00万元。")
    assert statuses(text, "sum_mismatch") == ["pass", "pass"]


def test_zero_total_over_nonzero_parts_fails():
    assert statuses("三公经费合计0万元，其中公务接待费1.2万元、其他费用0.5万元。", "sum_mismatch") == ["fail"]


def test_table_total_row():
    table = ("单位：万元\n资金来源 | 预算数 | 执行数\n省级 | 100.00 | 90.00\n县级 | 50.00 | 50.00\n"
             "合计 | 150.00 | 140.00\n")
    assert statuses(table, "sum_mismatch") == ["pass", "pass"]
    assert statuses(table.replace("140.00", "145.00"), "sum_mismatch") == ["pass", "fail"]


# -- growth_mismatch --------------------------------------------------------------------------
def test_prior_plus_change_and_direction():
    assert statuses("培训费12.5万元，较上年10.5万元增加2.0万元，增长19.0%。", "growth_mismatch") == ["pass"]
    assert statuses("培训费12.5万元，较上年10.5万元增加3.0万元。", "growth_mismatch") == ["fail"]
    wrong_way = fails("培训费12.5万元，上年为14.0万元，增长10.7%。", "growth_mismatch")
    assert wrong_way and "方向" in wrong_way[0].message


def test_a_growth_pass_names_what_it_compared_and_a_lone_prior_is_not_a_pass():
    both = checks("培训费12.5万元，较上年10.5万元增加2.0万元，增长19.0%。", "growth_mismatch")
    assert [r.message for r in both] == ["培训费本年数、上年数、增减额与增幅相互吻合"]
    assert len(both[0].figure_ids) == 4
    assert statuses("培训费12.5万元，上年为10.5万元。", "growth_mismatch") in ([], ["not_assessable"])


def test_rate_computed_on_the_wrong_base_is_flagged():
    # 0.84 / (3.26 + 0.84) = 20.5 %; 25.8 % is 0.84 / 3.26
    assert statuses("差旅费3.26万元，比上年减少0.84万元，下降25.8%。", "growth_mismatch") == ["fail"]
    assert statuses("差旅费3.26万元，比上年减少0.84万元，下降20.5%。", "growth_mismatch") == ["pass"]


def test_percentage_points():
    assert statuses("覆盖率由上年的88.0%提高到92.5%，提高4.5个百分点。", "growth_mismatch") == ["pass"]
    assert statuses("覆盖率由上年的88.0%提高到92.5%，提高5.5个百分点。", "growth_mismatch") == ["fail"]


# -- rate_mismatch -----------------------------------------------------------------------------
def test_execution_rate_in_text():
    assert statuses("全年预算数800.00万元，执行数760.00万元，预算执行率95.00%。", "rate_mismatch") == ["pass"]
    assert statuses("全年预算数800.00万元，执行数760.00万元，预算执行率95.50%。", "rate_mismatch") == ["fail"]


def test_execution_rate_in_a_table_and_completion_rate():
    table = "项目 | 预算数（万元） | 执行数（万元） | 执行率\n甲 | 200.00 | 150.00 | 75.00%\n乙 | 100.00 | 90.00 | 99.00%\n"
    assert statuses(table, "rate_mismatch") == ["pass", "fail"]
    assert statuses("计划新建道路10.0公里，已完成8.0公里，完成率80%。", "rate_mismatch") == ["pass"]
    assert statuses("计划新建道路10.0公里，已完成8.0公里，完成率85%。", "rate_mismatch") == ["fail"]
    # written without decimals, 10 and 8 stand for [9.5, 10.5] and [7.5, 8.5]: 85 % may hold
    assert statuses("计划新建道路10公里，已完成8公里，完成率85%。", "rate_mismatch") == ["pass"]


# -- scores -------------------------------------------------------------------------------------
SCORES = ("一级指标 | 二级指标 | 分值 | 得分\n"
          "投入 | 预算执行 | 20 | 18.5\n产出 | 数量 | 50 | 48\n效益 | 满意度 | 30 | 29\n合计 |  | 100 | 95.5\n")


def test_score_table_consistent():
    assert set(statuses(SCORES, "score_over_weight")) == {"pass"}
    assert set(statuses(SCORES, "score_total_mismatch")) == {"pass"}


def test_score_over_weight_and_wrong_total():
    assert "fail" in statuses(SCORES.replace("29\n", "31\n").replace("95.5", "97.5"), "score_over_weight")
    assert "fail" in statuses(SCORES.replace("95.5", "96.5"), "score_total_mismatch")
    assert "fail" in statuses(SCORES.replace("| 100 |", "| 90 |"), "score_total_mismatch")


def test_score_total_within_rounding():
    table = SCORES.replace("18.5", "18.46").replace("| 48\n", "| 48.02\n")
    # 18.46 + 48.02 + 29 = 95.48 ∈ [95.45, 95.55] with the total 95.5
    assert set(statuses(table, "score_total_mismatch")) == {"pass"}


def test_scores_in_text():
    text = "决策指标分值20分、得分18分，产出指标分值80分、得分76分，自评总分94分。"
    assert set(statuses(text, "score_total_mismatch")) == {"pass"}
    assert "fail" in statuses(text.replace("94分", "96分"), "score_total_mismatch")
    assert "fail" in statuses("决策指标分值20分、得分22分。", "score_over_weight")


# -- repeats, ranges, counts ------------------------------------------------------------------------
def test_conflicting_repeat_and_unit_slip():
    text = "全年项目支出1,234.56万元。\n\n经综合评定，全年项目支出1,243.56万元。"
    assert statuses(text, "conflicting_repeat") == ["fail"]
    slip = fails("项目支出88.20万元。\n\n自评结论：项目支出88.20元。", "conflicting_repeat")
    assert slip and "单位错误" in slip[0].message
    assert statuses("项目支出88.20万元。\n\n自评结论：项目支出88.20万元。", "conflicting_repeat") == ["pass"]



def test_a_bound_is_not_a_value_to_repeat_and_an_open_side_is_no_unit_slip():
    # 不超过300人 is a limit; 330人 is what was done: not two statements of one value.
    text = "集中培训人次不超过300人。\n\n全年集中培训人次330人。"
    assert "fail" not in statuses(text, "conflicting_repeat")
    assert "fail" in statuses(text.replace("不超过300人", "为300人"), "conflicting_repeat")
    from extract.checks import unit_slip
    from extract.core.interval import Interval
    from decimal import Decimal
    assert not unit_slip(Interval(Decimal(300), Decimal("Infinity")), Interval(Decimal(286), Decimal(286)))
    assert unit_slip(Interval(Decimal("88.2"), Decimal("88.2")), Interval(Decimal(882000), Decimal(882000)))


def test_repeat_of_approximate_figures_that_overlap_is_not_a_conflict():
    assert "fail" not in statuses("铺设污水管网5900米。\n后续再次统计，污水管网5000余米。", "conflicting_repeat")


def test_a_percent_glued_to_the_next_cells_digits_is_not_judged():
    # an export that dropped the separators: 满意度 90% | 实际 90% | 分值 2 fused into 90%290%
    assert statuses("服务对象满意度90%290%40总分100", "percent_out_of_range") == ["not_assessable", "not_assessable"]
    assert statuses("服务对象满意度为290%。", "percent_out_of_range") == ["fail"]


def test_percent_out_of_range():
    assert statuses("群众满意度为98.5%。", "percent_out_of_range") == ["pass"]
    assert statuses("群众满意度为100.5%。", "percent_out_of_range") == ["fail"]
    assert statuses("完成率为105.0%。", "percent_out_of_range") == ["not_assessable"]


def test_enumeration_count():
    assert statuses("重点做好以下三个方面工作：一是强化预算；二是加强监督；三是完善制度。", "enumeration_count") == ["pass"]
    assert statuses("重点做好以下四个方面工作：一是强化预算；二是加强监督；三是完善制度。", "enumeration_count") == ["fail"]
    assert statuses("运用线上、线下两种监管模式。", "enumeration_count") == ["not_assessable"]
    assert statuses("采取两种方式（线上、线下）开展。", "enumeration_count") == ["pass"]
    # A bracket of one item glosses the count; it is not the list the count announces.
    assert statuses("共建成站点12个（含续建站点4个），覆盖全部村组。", "enumeration_count") == ["not_assessable"]
    assert statuses("共新建泵站3座（东区），已投入使用。", "enumeration_count") == ["not_assessable"]
    assert statuses("重点做好以下两个方面工作：一是强化预算。", "enumeration_count") == ["fail"]
    # 等N个 sums up the list written before it; what follows is not that list.
    summed = "设有综合科、财务科（挂审计办）、规划科等3个科室。下设站点（东区）。"
    assert "fail" not in statuses(summed, "enumeration_count")
    repeated = "全年收到资金共500.0万元，其中中央资金300.0万元；全年支出480.0万元，其中中央资金290.0万元。"
    assert "fail" not in statuses(repeated, "conflicting_repeat")
    assert "fail" in statuses(repeated.replace("；全年支出", "。\n\n全年支出").replace("290.0", "310.0"), "conflicting_repeat")


# -- tense, targets, periods, headings -------------------------------------------------------------
def test_stale_forecast():
    text = "2023年度某镇整体支出绩效自评报告\n\n道路改造项目投入资金120万元。预计2023年底前完工。"
    bad = fails(text, "stale_forecast")
    assert len(bad) == 1 and bad[0].figure_ids and bad[0].severity == "warning"
    assert not fails(text.replace("预计2023年底前", "预计2024年6月前"), "stale_forecast")
    assert fails("2023年度某镇整体支出绩效自评报告\n\n截至目前，已开展活动12场。", "stale_forecast")


def test_target_unmet_with_full_score():
    table = ("一级指标 | 二级指标 | 三级指标 | 分值 | 年初目标值 | 实际完成值 | 得分\n"
             "产出 | 数量 | 改厕户数 | 10 | ≥500户 | 480户 | 10\n"
             "产出 | 质量 | 验收合格率 | 10 | ≥95% | 98% | 10\n")
    assert statuses(table, "target_unmet") == ["fail", "pass"]
    marked_down = checks(table.replace("480户 | 10", "480户 | 8"), "target_unmet")
    assert [r.status for r in marked_down] == ["pass", "pass"]
    # Each pass says what it verified: an unmet target marked down is not "met".
    assert "未达到目标" in marked_down[0].message and "扣分" in marked_down[0].message
    assert "满足目标" in marked_down[1].message
    unscored = ("一级指标 | 二级指标 | 三级指标 | 年初目标值 | 实际完成值\n"
                "产出 | 数量 | 改厕户数 | ≥500户 | 480户\n")
    first = checks(unscored, "target_unmet")
    assert [r.status for r in first] == ["not_assessable"] and "无得分" in first[0].message


def test_period_mismatch():
    text = "2017年度某局整体支出绩效自评报告\n\n办公费5万元，较2015年减少1万元。"
    assert statuses(text, "period_mismatch") == ["fail"]
    assert statuses(text.replace("较2015年", "较2016年"), "period_mismatch") == ["not_assessable"]


def test_heading_sequence():
    good = "某局报告\n\n一、基本情况\n正文一。\n二、执行情况\n正文二。\n（一）收入\n正文。\n（二）支出\n正文。\n"
    assert statuses(good, "heading_sequence") == ["pass"]
    skip = good.replace("二、执行情况", "三、执行情况")
    assert [r.message for r in fails(skip, "heading_sequence")] == ["标题编号不连续：“一、基本情况”之后为“三、执行情况”"]
    restart = good.replace("（二）支出", "（一）支出")
    assert fails(restart, "heading_sequence")[0].severity == "notice"
    unnumbered = good.replace("二、执行情况", "执行情况")
    unnumbered += "三、结论\n正文三。\n"
    assert [r.message[:9] for r in fails(unnumbered, "heading_sequence")] == ["一级标题“执行情况"]
    # Lines of a flattened table or a stray bracket's remainder are no unnumbered headings.
    for stray in ("其他 0.00 其他 0.00", "386000", ")执行情况"):
        text = good.replace("二、执行情况", stray) + "三、结论\n正文三。\n"
        assert not fails(text.replace(stray, stray + "\n二、执行情况"), "heading_sequence"), stray


# -- ids and outputs -------------------------------------------------------------------------------
def test_flag_ids_are_stable_and_distinct():
    text = "本年收入合计500.00万元，其中财政拨款收入420.00万元，其他收入90.00万元。"
    a, b = checks(text), checks(text)
    assert [r.check_id for r in a] == [r.check_id for r in b]
    assert len({r.check_id for r in a}) == len(a)


# -- properties: totals from parts, rounded and written out, never flagged; perturbed, flagged ----
PARTS = st.lists(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999.99"), places=2),
                 min_size=2, max_size=6)


@settings(max_examples=150, deadline=None)
@given(PARTS, st.integers(min_value=0, max_value=2))
def test_rounded_totals_are_never_flagged(parts, places):
    total = sum(parts)
    q = Decimal(1).scaleb(-places)
    written = [p.quantize(q) for p in parts]
    text = f"本年支出合计{total.quantize(q)}万元，其中" + "、".join(
        f"{name}{w}万元" for name, w in zip("甲乙丙丁戊己", written)) + "。"
    assert statuses(text, "sum_mismatch") == ["pass"], text


@settings(max_examples=150, deadline=None)
@given(PARTS, st.integers(min_value=0, max_value=2), st.sampled_from([-1, 1]))
def test_perturbed_totals_are_always_flagged(parts, places, sign):
    q = Decimal(1).scaleb(-places)
    written = [p.quantize(q) for p in parts]
    # beyond every half-unit of the parts and of the total
    shift = q * (len(parts) + 2)
    total = sum(written) + sign * shift
    if total <= 0:
        return
    text = f"本年支出合计{total}万元，其中" + "、".join(
        f"{name}{w}万元" for name, w in zip("甲乙丙丁戊己", written)) + "、其他支出0万元。"
    assert statuses(text, "sum_mismatch") == ["fail"], text


@settings(max_examples=100, deadline=None)
@given(st.decimals(min_value=Decimal("1.00"), max_value=Decimal("999.99"), places=2),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99.99"), places=2))
def test_consistent_growth_statements_pass(current, change):
    prior = current - change
    if prior <= Decimal("0.01"):   # within the half-units of V and D: last year may be 0, no rate
        return
    rate = (change / prior * 100).quantize(Decimal("0.1"))
    text = f"办公费{current}万元，比上年增加{change}万元，增长{rate}%。"
    assert statuses(text, "growth_mismatch") == ["pass"], text
