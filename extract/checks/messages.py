"""Messages a reviewer reads in flags.csv, in one catalogue (Chinese, with the numbers)."""
from types import MappingProxyType

MESSAGES = MappingProxyType({
    "nothing": "报告中没有可供本项核对的数据",
    "ocr_operands": "（所涉数字由OCR识别，最低置信度{least}，请对照原件核实）",
    "sum_mismatch.pass": "{total_name}{total}与各项之和{parts}相符",
    "sum_mismatch.fail": "{total_name}{total} ≠ 各项之和{parts}（相差{diff}）{hint}",
    "sum_mismatch.fail_partial": "{total_name}{total}小于其中所列各项之和{parts}（超出{diff}）{hint}",
    "growth_mismatch.pass": "{name}{operands}相互吻合",
    "growth_mismatch.prior": "{name}上年数{prior}加增减额{delta}应为{want}，报告为{value}{hint}",
    "growth_mismatch.rate": "{name}增减额{delta}除以上年数{prior}应为{want}，报告为{rate}{hint}",
    "growth_mismatch.direction": "{name}由上年{prior}变为{value}，方向与“{word}”不符",
    "rate_mismatch.pass": "{name}{rate}与{numerator}/{denominator}相符",
    "rate_mismatch.fail": "{name}报告为{rate}，而{numerator}/{denominator}={want}{hint}",
    "score_over_weight.pass": "{name}得分{score}未超过分值{weight}",
    "score_over_weight.fail": "{name}得分{score}超过分值{weight}",
    "score_total_mismatch.pass": "{name}{total}与各项之和{parts}相符",
    "score_total_mismatch.fail": "{name}{total} ≠ 各项之和{parts}（相差{diff}）",
    "conflicting_repeat.pass": "{name}两处所述数值一致",
    "conflicting_repeat.fail": "{name}前后两处数值不一致：{first}与{second}{hint}",
    "percent_out_of_range.pass": "{name}{value}在合理范围内",
    "percent_out_of_range.fail": "{name}为{value}，超过100%",
    "percent_out_of_range.fused": "{name}{value}与相邻数字连写，无法确定其数值，未作核对",
    "enumeration_count.pass": "宣布{announced}项，列出{listed}项，一致",
    "enumeration_count.fail": "宣布“{surface}”，实际列出{listed}项",
    "stale_forecast.fail": "{year}年度报告仍使用“{words}”的表述，应写明截至年末的实际情况",
    "score_rule.rate_pass": "{name}执行率{rate}、分值{weight}，得分{score}与执行率×分值（{want}）相符",
    "score_rule.rate_fail": "{name}执行率{rate}、分值{weight}，按执行率×分值应得{want}分，表中得分为{score}",
    "target_unmet.pass": "{name}实际值{actual}满足目标{target}",
    "target_unmet.fail": "{name}实际值{actual}未达到目标{target}，却得满分{score}",
    "target_unmet.no_reason": "{name}实际完成值{actual}未达到目标{target}，未说明偏差原因（得分{score}，分值{weight}）",
    "target_unmet.pass_marked_down": "{name}实际值{actual}未达到目标{target}，得分{score}低于分值{weight}，扣分相符",
    "target_unmet.unscored": "{name}实际值{actual}未达到目标{target}，表中无得分与分值可供核对",
    "period_mismatch.fail": "{year}年度报告中与{other}年比较，应与上年（{prior}年）比较",
    "heading_sequence.pass": "标题编号连续",
    "heading_sequence.skip": "标题编号不连续：“{previous}”之后为“{current}”",
    "heading_sequence.repeat": "标题编号重复：“{previous}”之后又为“{current}”",
    "heading_sequence.restart": "标题编号在同一层级重新开始：“{previous}”之后为“{current}”",
    "heading_sequence.unnumbered": "一级标题“{current}”缺少编号（前一标题为“{previous}”）",
})

UNIT_SLIP = "；相差10⁴或10⁸倍，可能是“元”与“万元”的单位错误"

# What a reviewer reads for each check name (the code names stay in the CSV columns): its
# Chinese name and one line on what it verifies. docs/review.md explains them further.
CHECK_NAMES = MappingProxyType({
    "sum_mismatch": ("合计与分项不符", "合计数应等于所列各分项之和（“其中”只列部分时，分项之和不应超过合计）"),
    "growth_mismatch": ("增减额与增长率不符", "本年数、上年数、增减额与增长率应相互吻合，增减方向应与“增加/减少”一致"),
    "rate_mismatch": ("比率与其分子分母不符", "执行率、完成率等比率应等于所列分子除以分母"),
    "score_over_weight": ("得分超过分值", "单项得分不应超过该项分值"),
    "score_total_mismatch": ("总分与各项得分不符", "总分应等于各项得分之和，各项分值之和应等于满分或所属一级指标的分值"),
    "conflicting_repeat": ("同一指标前后数值不一", "同一指标、同一期间在报告中两处所写数值应一致"),
    "percent_out_of_range": ("百分比超出合理范围", "满意度、覆盖率、占比等比例不应超过100%"),
    "enumeration_count": ("宣布项数与所列不符", "“以下三个方面”等宣布的项数应等于随后实际列出的项数"),
    "stale_forecast": ("年终报告仍用预计表述", "年度自评报告应写明截至年末的实际情况，而非“预计”“截止目前”"),
    "score_rule": ("得分不符评分规则", "预算执行率得分应为执行率×分值（不超过分值）"),
    "target_unmet": ("未达目标却得满分", "实际完成值未达到目标值时，该项不应得满分"),
    "period_mismatch": ("比较期间有误", "与上年比较时应写明上年，而非其他年份"),
    "heading_sequence": ("标题编号不连续", "同一层级的标题编号应连续、不重复、不中途重新开始"),
    "cross_year_mismatch": ("上年数与上年报告不符", "本报告所写的上年数应等于同一单位上年报告所载的数"),
    "copy_mismatch": ("同一报告不同文件数字不一", "同一报告的不同文件（文本、Word、PDF、扫描件）所载数字应一致"),
})
