"""Who reported, for which year, what kind of report: read from the title, the opening
paragraph, a form's header fields (项目名称, 实施单位) and the closing signature. In a form
(a document whose title is not a report's) the fields it labels are taken before the title's
words: the title of a form is the form's name (项目支出绩效自评表), the project is named as
written, and its 主管部门 is the department above the unit that reports (实施单位)."""
from __future__ import annotations

import regex

from ..core.model import Metadata
from ..core.patterns import Patterns, load_patterns
from .structure import Layout

_HEAD = 3000   # a form's header fields stand at its top


def _title(text: str, layout: Layout) -> str:
    title = text[slice(*layout.title)] if layout.title else ""
    return regex.sub(r"\s+", "", title)  # technical: a title broken over lines is one name


def report_year(text: str, layout: Layout, patterns: Patterns | None = None) -> int | None:
    """The year a report evaluates, decided here only: the year its title names; without a
    title, the first `20xx年度` of the opening (a notice of 2024 asks for the 2023年度 report),
    else the first year of the first 200 characters."""
    rx = (patterns or load_patterns()).rx
    title = _title(text, layout)
    m = rx["year"].search(title) if title else None
    m = m or rx["fiscal_year"].search(text, 0, 2000) or rx["year"].search(text, 0, 200)
    return int(m.group(1)) if m else None


def read_metadata(text: str, layout: Layout, patterns: Patterns | None = None) -> Metadata:
    p = patterns or load_patterns()
    rx = p.rx
    title = _title(text, layout)
    head = title or text[:200]
    year_m = rx["year"].search(head)
    year = report_year(text, layout, p)
    if "项目支出" in head or ("项目" in head and "整体" not in head and "部门" not in head):
        report_type = "项目支出"
    elif rx["whole_report"].search(head):
        report_type = "整体支出"
    else:
        report_type = "项目支出" if "项目支出绩效" in text[:1000] else ("整体支出" if "整体支出" in text[:1000] else "")
    field = rx["project_label"].search(text, 0, _HEAD)
    report = rx["report_title"].search(head)     # a narrative: its title and signature speak first
    if not report_type and field:
        report_type = "项目支出"        # a form naming its project is a project's form
    before_year = head[: year_m.start()] if year_m else ""
    unit = ""
    m = rx["unit_name"].match(before_year)
    if m and m.group(1) == before_year:
        unit = m.group(1)
    if not unit:
        labelled = (None if report else rx["reporting_unit"].search(text, 0, _HEAD)) or \
            rx["labelled_unit"].search(text)
        signature = rx["signature"].findall(text[-400:])
        unit = labelled.group(1) if labelled else (signature[-1] if signature else before_year)
    project = ""
    if report_type == "项目支出":
        after_year = head[year_m.end():] if year_m else head
        named = field.group(1).strip() if field else ""
        if report or not named:
            project = rx["place_year"].sub("", rx["report_suffix"].sub("", after_year) or named)
        else:
            project = named
    grade = rx["grade"].search(text)
    return Metadata(unit=unit, year=year, report_type=report_type, project=project,
                    grade=grade.group(1) if grade else "")
