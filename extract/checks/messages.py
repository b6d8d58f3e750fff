"""Messages a reviewer reads in flags.csv, in one catalogue (Chinese, with the numbers)."""
from types import MappingProxyType

MESSAGES = MappingProxyType({
    "nothing": "报告中没有可供本项核对的数据",
    "sum_mismatch.pass": "{total_name}{total}与各项之和{parts}相符",
    "sum_mismatch.fail": "{total_name}{total} ≠ 各项之和{parts}（相差{diff}）{hint}",
    "sum_mismatch.fail_partial": "{total_name}{total}小于其中所列各项之和{parts}（超出{diff}）{hint}",
    "growth_mismatch.pass": "{name}本年、上年、增减额与增幅相互吻合",
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
    "enumeration_count.pass": "宣布{announced}项，列出{listed}项，一致",
    "enumeration_count.fail": "宣布“{surface}”，实际只列出{listed}项",
    "stale_forecast.fail": "{year}年度报告仍使用“{words}”的表述，应写明截至年末的实际情况",
    "target_unmet.pass": "{name}实际值{actual}满足目标{target}",
    "target_unmet.fail": "{name}实际值{actual}未达到目标{target}，却得满分{score}",
    "period_mismatch.fail": "{year}年度报告中与{other}年比较，应与上年（{prior}年）比较",
    "heading_sequence.pass": "标题编号连续",
    "heading_sequence.skip": "标题编号不连续：“{previous}”之后为“{current}”",
    "heading_sequence.repeat": "标题编号重复：“{previous}”之后又为“{current}”",
    "heading_sequence.restart": "标题编号在同一层级重新开始：“{previous}”之后为“{current}”",
    "heading_sequence.unnumbered": "一级标题“{current}”缺少编号（前一标题为“{previous}”）",
})

UNIT_SLIP = "；相差10⁴或10⁸倍，可能是“元”与“万元”的单位错误"
