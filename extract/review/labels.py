"""The desk's words: what a reviewer reads for each code name of the tables.

The tables keep their code names (`sum_mismatch`, `growth_rate`, `error`); the report and the
review app show these instead, and docs/review.md maps one to the other.
"""
from __future__ import annotations

from types import MappingProxyType

from ..checks.messages import CHECK_NAMES

SEVERITY = MappingProxyType({"error": "错误", "warning": "警告", "notice": "提示"})
SEVERITY_HINT = MappingProxyType({
    "error": "这些数不可能同时成立",
    "warning": "很可能有误，需人工判断",
    "notice": "格式上的瑕疵",
})
ROLE = MappingProxyType({
    "total": "合计", "part": "分项", "delta": "增减额", "growth_rate": "增长率", "prior": "上年数",
    "target": "目标值", "actual": "实际值", "budget": "预算数", "executed": "执行数",
    "execution_rate": "执行率", "weight": "分值", "score": "得分",
})
KIND = MappingProxyType({
    "money": "金额", "count": "数量", "length": "长度", "area": "面积", "percent": "百分比",
    "percentage_point": "百分点", "score": "分数", "other": "其他",
})
APPROX = MappingProxyType({
    "approx": "约数", "more_than": "多于", "less_than": "少于", "at_least": "不低于", "at_most": "不超过",
})
DIRECTION = MappingProxyType({"+": "增", "-": "减"})
FORMAT = MappingProxyType({"txt": "文本", "docx": "Word", "pdf": "PDF", "xlsx": "Excel",
                           "xls": "Excel", "html": "网页"})
STATUS = MappingProxyType({"ok": "已读取", "error": "出错", "skipped": "跳过"})


def check_name(check: str) -> str:
    return CHECK_NAMES.get(check, (check, ""))[0]


def check_hint(check: str) -> str:
    return CHECK_NAMES.get(check, ("", ""))[1]


def severity(code: str) -> str:
    return SEVERITY.get(code, code)


def role(code: str, direction: str = "") -> str:
    name = ROLE.get(code, code)
    return name + (f"（{DIRECTION[direction]}）" if name and direction in DIRECTION else "")
