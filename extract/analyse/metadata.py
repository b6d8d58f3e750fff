"""Who reported, for which year, what kind of report: read from the title, the opening
paragraph, the project table and the closing signature."""
from __future__ import annotations

import regex

from ..core.model import Metadata
from .structure import Layout

_UNIT_END = (r"(?:人民政府|政府|办事处|委员会|局|厅|委|办公室|中心|中学|小学|学校|学院|医院|卫生院|"
             r"站|所|馆|院|队|处|部|社|协会|联合会|公司)")
_UNIT = regex.compile(rf"^(\p{{Han}}{{2,30}}?{_UNIT_END})")
_YEAR = regex.compile(r"((?:19|20)\d{2})\s*年度?")
_FISCAL_YEAR = regex.compile(r"((?:19|20)\d{2})\s*年度")
_LABELLED_UNIT = regex.compile(rf"(?:主管部门|项目单位|实施单位|填报单位|预算单位|单位名称|部门名称)\s*[|｜:：]\s*(\p{{Han}}{{2,30}}?{_UNIT_END})")
_PROJECT_LABEL = regex.compile(r"项目名称\s*[|｜:：]\s*([^|｜\n]{2,60})")
_GRADE = regex.compile(r"(?:评价)?等级[为是：:]?\s*[“\"「]?([优良中差])")
_SIGNATURE = regex.compile(rf"^\s*(\p{{Han}}{{2,30}}?{_UNIT_END})\s*$", regex.MULTILINE)


def _title(text: str, layout: Layout) -> str:
    title = text[slice(*layout.title)] if layout.title else ""
    return regex.sub(r"\s+", "", title)


def report_year(text: str, layout: Layout) -> int | None:
    """The year a report evaluates, decided here only: the year its title names; without a
    title, the first `20xx年度` of the opening (a notice of 2024 asks for the 2023年度 report),
    else the first year of the first 200 characters."""
    title = _title(text, layout)
    m = _YEAR.search(title) if title else None
    m = m or _FISCAL_YEAR.search(text, 0, 2000) or _YEAR.search(text, 0, 200)
    return int(m.group(1)) if m else None


def read_metadata(text: str, layout: Layout) -> Metadata:
    title = _title(text, layout)
    head = title or text[:200]
    year_m = _YEAR.search(head)
    year = report_year(text, layout)
    if "项目支出" in head or ("项目" in head and "整体" not in head and "部门" not in head):
        report_type = "项目支出"
    elif regex.search(r"整体支出|部门支出|单位支出", head):
        report_type = "整体支出"
    else:
        report_type = "项目支出" if "项目支出绩效" in text[:1000] else ("整体支出" if "整体支出" in text[:1000] else "")
    before_year = head[: year_m.start()] if year_m else ""
    unit = ""
    m = _UNIT.match(before_year)
    if m and m.group(1) == before_year:
        unit = m.group(1)
    if not unit:
        labelled = _LABELLED_UNIT.search(text)
        signature = [s for s in _SIGNATURE.findall(text[-400:])]
        unit = labelled.group(1) if labelled else (signature[-1] if signature else before_year)
    project = ""
    if report_type == "项目支出":
        after_year = head[year_m.end():] if year_m else head
        project = regex.sub(r"(?:项目支出)?绩效(?:自评|评价)?报告$", "", after_year)
        if not project:
            label = _PROJECT_LABEL.search(text)
            project = label.group(1).strip() if label else ""
        project = regex.sub(r"^\p{Han}{0,10}?(?:省|市|县|区|镇|乡)?(?:19|20)\d{2}年度?", "", project)
    grade = _GRADE.search(text)
    return Metadata(unit=unit, year=year, report_type=report_type, project=project,
                    grade=grade.group(1) if grade else "")
