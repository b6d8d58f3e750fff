"""The form reader (analyse/forms.py) and the form's checks on forms written for the tests:
every flattened text layout of one invented form gives the same rows and the same flags."""
from __future__ import annotations

import re
import unicodedata

import pytest

import formgen
from extract.core.model import Document
from extract.core.patterns import load_patterns
from extract.ingest import read_document
from extract.pipeline import analyse

KEYS = ("row_type", "level3", "target", "actual", "weight", "score")
PLACEHOLDERS = {"-", "—", "——", "/"}


def _norm(s: str | None) -> str:
    s = re.sub(r"\s", "", unicodedata.normalize("NFKC", s or ""))
    return "" if s in PLACEHOLDERS else s      # a "nothing here" cell is an empty cell


@pytest.fixture(scope="module")
def patterns():
    return load_patterns()


@pytest.mark.parametrize("layout", formgen.TEXT_LAYOUTS)
@pytest.mark.parametrize("variant", formgen.VARIANTS)
def test_every_layout_gives_the_forms_rows_and_flags(patterns, layout, variant):
    for seed in range(3):
        form = formgen.make_form(seed, variant=variant)
        a = analyse(Document("form.txt", "form.txt", "txt", formgen.render(form, layout)), patterns)
        want = [tuple(_norm(r.get(k)) for k in KEYS) for r in formgen.expected_rows(form)]
        assert [tuple(_norm(getattr(r, k)) for k in KEYS) for r in a.indicators] == want, (seed, layout)
        assert sorted({c.check for c in a.flags}) == sorted(formgen.expected_flags(form)), (seed, layout)


def _rows_and_flags(a):
    return ([tuple(_norm(getattr(r, k)) for k in KEYS) for r in a.indicators],
            sorted({c.check for c in a.flags}))


@pytest.mark.parametrize("layout", formgen.FILE_LAYOUTS)
def test_every_file_shape_gives_the_same_rows_and_flags_as_the_text(patterns, layout, tmp_path):
    """HTML, .xlsx, .docx and a ruled PDF table of one form read as its pipe-text rendering."""
    for variant in formgen.VARIANTS:
        form = formgen.make_form(7, variant=variant)
        text = analyse(Document("t.txt", "t.txt", "txt", formgen.render(form, "pipes")), patterns)
        path = formgen.write_file(form, layout, tmp_path)
        doc = read_document(path, path.name, ocr="none", patterns=patterns)
        assert _rows_and_flags(analyse(doc, patterns)) == _rows_and_flags(text), (variant, layout)
        assert _rows_and_flags(text)[1] == sorted(formgen.expected_flags(form))


def test_fused_digits_are_left_unread(patterns):
    text = ("三级指标 年度指标值 实际完成值 分值 得分\n"
            "产出指标 数量指标 新建候车亭 ≥12个 12 10 10\n"
            "质量指标 验收合格率 100%98%105\n")
    rows = analyse(Document("f.txt", "f.txt", "txt", text), patterns).indicators
    assert [r.level3 for r in rows] == ["新建候车亭", "验收合格率"]
    assert rows[0].met == "yes" and rows[0].comparator == "≥" and str(rows[0].target_value) == "12"
    assert rows[1].unreadable and rows[1].actual_value is None and rows[1].score == ""


def test_a_total_of_zero_over_its_parts_is_flagged_with_the_cells(patterns):
    text = ("项目资金（万元） 年初预算数 全年预算数 全年执行数 分值 执行率 得分\n"
            "年度资金总额 0 0 0 10 0 0\n"
            "其中：当年财政拨款 40 38.5 38.5\n上年结转资金\n其他资金\n")
    a = analyse(Document("f.txt", "f.txt", "txt", text), patterns)
    flags = [c for c in a.flags if c.check == "sum_mismatch"]
    assert len(flags) == 3 and all(c.severity == "error" for c in flags)
    assert "年度资金总额全年预算数0万元" in "".join(c.message for c in flags)
    money = {f.figure_id: f for f in a.figures}
    assert all(money[i].kind == "money" for c in flags for i in c.figure_ids)


@pytest.mark.parametrize("written, flagged", [("{good}", False), ("8.00", True), ("{weight}", None)])
def test_the_funds_points_follow_rate_times_weight(patterns, written, flagged):
    """The whole funds row's 得分 = 执行率 × 分值 (capped at 分值): a score of another product is
    a `score_rule` notice citing the score, the rate and the weight."""
    form = formgen.make_form(4)
    whole = form.funds[0]
    good, weight = formgen.num(whole.score), formgen.num(whole.weight)
    text = formgen.render(form, "pipes")
    line = next(ln for ln in text.splitlines() if formgen.FUNDS_LABELS[0] in ln)
    stated = written.format(good=good, weight=weight)
    head, _, tail = line.rpartition(good)          # the row's last cell is its 得分
    a = analyse(Document("f.txt", "f.txt", "txt", text.replace(line, head + stated + tail)), patterns)
    rules = [c for c in a.checks if c.check == "score_rule" and c.status != "not_assessable"]
    assert len(rules) == 1
    if flagged is None:      # full marks: flagged only where the rate falls short of 100 %
        flagged = whole.rate * whole.weight / 100 < whole.weight - formgen.Decimal("0.5")
    assert (rules[0].status == "fail") == flagged, (stated, whole)
    assert len(rules[0].figure_ids) == 3
    if flagged:
        assert rules[0].severity == "notice" and stated in rules[0].message
