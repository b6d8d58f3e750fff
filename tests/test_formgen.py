"""The form generator itself (tests/formgen.py): its forms obey, or break, the rules they claim
to, and every layout holds every cell. The rules are re-checked here from the cells as written
(`expected_rows`), with Decimal arithmetic, not from the generator's own numbers."""
from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest

import formgen
from formgen import (CHECKS, FILE_LAYOUTS, LEVEL1, LEVEL2, TEXT_LAYOUTS, VARIANTS, expected_flags,
                     expected_rows, make_form, render)

SEEDS = range(150)
LAYOUT_SEEDS = (0, 7, 23, 41)
BLANKS = ("", "—", "-")
TARGET = re.compile(r"([≥≤=])(\d+(?:\.\d+)?)(\D+)")


# ------------------------------------------------------------------ the rules, from the cells

def amount(cell: str) -> Decimal:
    return Decimal(0) if cell in BLANKS else Decimal(cell)


def met(comparator: str, actual: Decimal, value: Decimal) -> bool:
    return {"≥": actual >= value, "≤": actual <= value, "=": actual == value}[comparator]


def parse_indicator(row: dict) -> tuple[str, Decimal, str, Decimal]:
    m = TARGET.fullmatch(row["target"])
    assert m, row["target"]
    comparator, value, unit = m.group(1), Decimal(m.group(2)), m.group(3)
    assert row["actual"].endswith(unit), (row["actual"], unit)
    return comparator, value, unit, Decimal(row["actual"][: -len(unit)])


def audit(form) -> set[str]:
    """The checks of forms.md that the form's cells fail."""
    rows = expected_rows(form)
    funds = [r for r in rows if r["row_type"] == "funds"]
    items = [r for r in rows if r["row_type"] == "indicator"]
    flags = set()
    for r in funds:
        if r["rate"] not in BLANKS:
            budget, executed = amount(r["target"]), amount(r["actual"])
            stated = Decimal(r["rate"].removesuffix("%"))
            if budget == 0 or abs(executed / budget * 100 - stated) > Decimal("0.005"):
                flags.add("rate_mismatch")
    for col in ("initial_budget", "target", "actual"):
        if amount(funds[0][col]) != sum(amount(r[col]) for r in funds[1:]):
            flags.add("sum_mismatch")
    scored = [r for r in rows if r["weight"]]
    weights = [Decimal(r["weight"]) for r in scored]
    scores = [Decimal(r["score"]) for r in scored]
    if any(s > w for s, w in zip(scores, weights)) or form.total_score > form.total_weight:
        flags.add("score_over_weight")
    if form.total_score != sum(scores) or sum(weights) != form.total_weight:
        flags.add("score_total_mismatch")
    if form.show_block_weights:
        for level1, stated in form.block_weights:
            block = [r for r in items if r["level1"] == level1]
            if sum(Decimal(r["score"]) for r in block) > stated:
                flags.add("score_over_weight")
            if sum(Decimal(r["weight"]) for r in block) != stated:
                flags.add("score_total_mismatch")
    for r in items:
        comparator, value, _, actual = parse_indicator(r)
        if not met(comparator, actual, value) and (
                Decimal(r["score"]) >= Decimal(r["weight"]) or r["reason"] in ("", "无")):
            flags.add("target_unmet")
    return flags


def score_rule_holds(form) -> bool:
    """The form's own scoring rule: 执行率 × 分值, full marks for a met target, grade by 总分."""
    rows = expected_rows(form)
    total = rows[0]
    rate = Decimal(total["rate"].removesuffix("%"))
    funds_ok = abs(Decimal(total["score"]) - min(rate, 100) * Decimal(total["weight"]) / 100) <= Decimal("0.005")
    items_ok = all(
        (Decimal(r["score"]) == Decimal(r["weight"])) == met(c, a, v)
        for r in rows if r["row_type"] == "indicator" for c, v, _, a in [parse_indicator(r)])
    t = form.total_score
    grade = "优" if t >= 90 else "良" if t >= 80 else "中" if t >= 60 else "差"
    return funds_ok and items_ok and form.grade == grade


# ------------------------------------------------------------------ the forms

def test_same_seed_same_form_and_files():
    for seed in (0, 1, 99):
        for variant in VARIANTS:
            a, b = make_form(seed, variant=variant), make_form(seed, variant=variant)
            assert a == b
            for layout in TEXT_LAYOUTS + ("html",):
                assert render(a, layout) == render(b, layout)
    assert len({make_form(s) for s in range(30)}) == 30


def test_unknown_variant_and_layout():
    with pytest.raises(ValueError):
        make_form(1, variant="nonsense")
    with pytest.raises(ValueError):
        render(make_form(1), "nonsense")


@pytest.mark.parametrize("seed", SEEDS)
def test_consistent_form_breaks_no_rule(seed):
    form = make_form(seed)
    assert audit(form) == set()
    assert expected_flags(form) == ()
    assert score_rule_holds(form)
    rows = expected_rows(form)
    funds = [r for r in rows if r["row_type"] == "funds"]
    items = [r for r in rows if r["row_type"] == "indicator"]
    assert [r["level3"] for r in funds] == list(formgen.FUNDS_LABELS)
    assert funds[0]["weight"] == "10" and all(not r["weight"] for r in funds[1:])
    assert sum(Decimal(r["weight"]) for r in items) == 90
    for level1, weight in form.block_weights:
        assert sum(Decimal(r["weight"]) for r in items if r["level1"] == level1) == weight
    assert [r["level1"] for r in items] == sorted((r["level1"] for r in items), key=LEVEL1.index)
    for r in items:
        assert r["level2"] in LEVEL2[r["level1"]]
        comparator, value, unit, actual = parse_indicator(r)
        if not met(comparator, actual, value):      # missed: points off and a reason
            assert Decimal(r["score"]) < Decimal(r["weight"]) and r["reason"] not in ("", "无")
    assert len({r["level3"] for r in items}) == len(items)
    assert form.total_weight == 100


@pytest.mark.parametrize("variant", CHECKS)
def test_each_variant_breaks_exactly_its_rule(variant):
    for seed in SEEDS:
        form = make_form(seed, variant=variant)
        assert expected_flags(form) == (variant,)
        assert audit(form) == {variant}, (seed, audit(form))
        base = make_form(seed)
        assert (form.project, form.year, form.funds_label) == (base.project, base.year, base.funds_label)
        changed = [i for i, (a, b) in enumerate(zip(expected_rows(form), expected_rows(base))) if a != b]
        assert len(changed) <= 1, (seed, changed)
        if variant != "score_total_mismatch":
            assert len(changed) == 1


def test_forms_vary():
    forms = [make_form(s) for s in SEEDS]
    items = [r for f in forms for r in f.indicators]
    assert {f.money_unit for f in forms} == {"万元", "元"}
    assert {r.comparator for r in items} == {"≥", "≤", "="}
    assert {r.level2 for r in items} == {l2 for v in LEVEL2.values() for l2 in v}
    assert {f.funds[3].blank for f in forms} == {"", "—", "-", "0.00"}
    assert {f.show_block_weights for f in forms} == {True, False}
    assert any(r.reason and r.reason != "无" for r in items)       # missed targets, points taken off
    assert any(f.funds[2].budget is not None for f in forms)
    assert any(f.funds[0].rate < 100 for f in forms)
    assert any(p.rate == 100 for f in forms for p in f.funds[1:])
    assert len({f.funds_label for f in forms}) >= 4


def test_no_cell_holds_a_space():
    for seed in SEEDS:
        g = formgen.grid(make_form(seed), split=True)
        assert not any(re.search(r"\s", t) for line in g.cells for t in line)


# ------------------------------------------------------------------ the layouts

def expected_texts(form, *, split: bool = False) -> list[str]:
    """Every cell text the form's table holds."""
    texts = [formgen.TITLE, f"（{form.year}年度）", "项目名称", form.project, "主管部门", form.department,
             "实施单位", form.unit_name, form.funds_label, *formgen.FUNDS_COLUMNS, form.goal, form.result,
             "总分", formgen.num(form.total_weight), formgen.num(form.total_score), form.grade]
    for r in expected_rows(form):
        if r["row_type"] == "funds":
            texts += [r["level3"], r["initial_budget"], r["target"], r["actual"], r["weight"],
                      r["score"], r["rate"]]
            continue
        target = list(parse_indicator(r)[:3]) if split else [r["target"]]
        texts += [form.level1_cell(r["level1"]), r["level2"], r["level3"], *map(str, target),
                  r["actual"], r["weight"], r["score"], r["reason"]]
    return [t for t in texts if t]


def cells_of(text: str, layout: str) -> list[str]:
    if layout in ("pipes", "merged_once", "split_target"):
        return [c.strip() for line in text.splitlines() for c in line.strip().strip("|").split("|")]
    if layout in ("spaces", "one_line"):
        return text.split()
    if layout == "one_cell_per_line":
        return text.splitlines()
    if layout == "blank_line_cells":
        return text.rstrip("\n").split("\n\n")
    raise AssertionError(layout)


@pytest.mark.parametrize("layout", TEXT_LAYOUTS)
def test_text_layout_holds_every_cell(layout):
    for seed in LAYOUT_SEEDS:
        for variant in ("consistent", "target_unmet"):
            form = make_form(seed, variant=variant)
            text = render(form, layout)
            assert isinstance(text, str)
            cells = cells_of(text, layout)
            missing = [t for t in expected_texts(form, split=layout == "split_target") if t not in cells]
            assert not missing, (seed, layout, missing)


def test_text_layouts_shapes():
    form = make_form(5)
    n_items = len(form.indicators)
    assert render(form, "one_line").count("\n") == 1
    assert "|" not in render(form, "spaces")
    assert "\n\n" not in render(form, "one_cell_per_line")
    cells = render(form, "blank_line_cells").rstrip("\n").split("\n\n")
    assert all(c and "\n" not in c for c in cells)
    # merged_once: each 一级 written once, its rows below start with an empty cell
    lines = render(form, "merged_once").splitlines()
    rows = [line.split(" | ") for line in lines]
    item_rows = [r for r in rows if len(r) >= 7 and r[2] in {i.level3 for i in form.indicators}]
    assert len(item_rows) == n_items
    firsts = [r[0] for r in item_rows if r[0]]
    assert firsts == [form.level1_cell(l1) for l1 in LEVEL1]
    assert sum(1 for r in item_rows if r[1]) == len({(i.level1, i.level2) for i in form.indicators})
    # pipes: 一级 and 二级 on every row
    pipe_rows = [[c.strip() for c in line.strip("| ").split(" | ")] for line in render(form, "pipes").splitlines()]
    assert sum(1 for r in pipe_rows if r and r[0] in {form.level1_cell(l1) for l1 in LEVEL1}) == n_items
    # split_target: 指标性质 · 指标值 · 度量单位 where 年度指标值 was
    split_rows = [line.split(" | ") for line in render(form, "split_target").splitlines()]
    head = next(r for r in split_rows if r[0] == "一级指标")
    assert head[3:6] == list(formgen.SPLIT_COLUMNS)
    for item in form.indicators:
        row = next(r for r in split_rows if len(r) > 2 and r[2] == item.level3)
        assert "".join(row[3:6]) == item.target


# ------------------------------------------------------------------ the files

def expand(rows) -> list[list[str]]:
    """An HTML table's rows with rowspan/colspan cells repeated where they extend."""
    grid: dict[tuple[int, int], str] = {}
    for r, tr in enumerate(rows):
        c = 0
        for td in tr.findall("td"):
            while (r, c) in grid:
                c += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            for i in range(rs):
                for j in range(cs):
                    grid[r + i, c + j] = td.text_content()
            c += cs
    nrows, ncols = max(r for r, _ in grid) + 1, max(c for _, c in grid) + 1
    return [[grid.get((r, c), "") for c in range(ncols)] for r in range(nrows)]


def test_html_table_rowspans_and_ignored_script():
    from lxml import html

    for seed in LAYOUT_SEEDS[:2]:
        form = make_form(seed, variant="score_over_weight")
        page = render(form, "html")
        assert isinstance(page, str)
        doc = html.fromstring(page)
        tables = doc.findall(".//table")
        assert len(tables) == 1 and doc.findall(".//script")
        tds = [td.text_content() for td in tables[0].iter("td")]
        assert not [t for t in expected_texts(form) if t not in tds]
        assert "999.99" in page and "999.99" not in tds
        assert tables[0].xpath(".//td[@rowspan]") and tables[0].xpath(".//td[@colspan]")
        rows = expand(tables[0].findall(".//tr"))
        for item in form.indicators:        # 一级/二级 carried down by rowspan onto every row
            row = next(r for r in rows if r[2] == item.level3)
            assert row[:2] == [form.level1_cell(item.level1), item.level2]
            assert row[3:8] == [item.target, item.actual_text, formgen.num(item.weight),
                                formgen.num(item.score), item.reason]


def test_xlsx_cells_and_merges():
    from openpyxl import load_workbook

    for seed in LAYOUT_SEEDS[:2]:
        form = make_form(seed)
        data = render(form, "xlsx")
        assert isinstance(data, bytes)
        ws = load_workbook(io.BytesIO(data)).active
        values = [c.value for row in ws.iter_rows() for c in row if c.value is not None]
        assert all(isinstance(v, str) for v in values)
        assert not [t for t in expected_texts(form) if t not in values]
        spans = {(m.min_row, m.min_col): m.max_row - m.min_row + 1 for m in ws.merged_cells.ranges}
        for level1 in LEVEL1:
            first = next(c for row in ws.iter_rows() for c in row if c.value == form.level1_cell(level1))
            n = sum(1 for i in form.indicators if i.level1 == level1)
            assert spans.get((first.row, first.column), 1) == n


def test_docx_table_cells_and_merges():
    from docx import Document

    for seed in LAYOUT_SEEDS[:2]:
        form = make_form(seed, variant="rate_mismatch")
        data = render(form, "docx")
        assert isinstance(data, bytes)
        table = Document(io.BytesIO(data)).tables[0]
        rows = [[c.text for c in row.cells] for row in table.rows]
        texts = {t for row in rows for t in row}
        assert not [t for t in expected_texts(form) if t not in texts]
        for item in form.indicators:        # merged cells read on every row they cover
            row = next(r for r in rows if r[2] == item.level3)
            assert row[:2] == [form.level1_cell(item.level1), item.level2]


def test_pdf_ruled_table_text():
    pytest.importorskip("fpdf")
    pdfium = pytest.importorskip("pypdfium2")
    if formgen.cjk_font() is None:
        pytest.skip("no CJK font (fonts-wqy-microhei)")
    form = make_form(11, variant="sum_mismatch")
    data = render(form, "pdf")
    assert isinstance(data, bytes) and data.startswith(b"%PDF")
    doc = pdfium.PdfDocument(data)
    assert len(doc) == 1
    text = doc[0].get_textpage().get_text_range()
    flat = re.sub(r"\s+", "", text)
    for item in form.indicators:
        assert item.level3 in flat and item.target in flat and item.actual_text in flat
    for r in expected_rows(form)[:4]:
        assert r["level3"] in flat and r["target"] in flat
    assert form.project in flat and formgen.num(form.total_score) in flat


def test_every_layout_renders_and_writes(tmp_path):
    form = make_form(3, variant="score_total_mismatch")
    for layout in TEXT_LAYOUTS + FILE_LAYOUTS:
        if layout == "pdf" and formgen.cjk_font() is None:
            continue
        out = render(form, layout)
        assert isinstance(out, str if layout in TEXT_LAYOUTS + ("html",) else bytes) and out
        path = formgen.write_file(form, layout, tmp_path)
        assert path.name == f"form-3-score_total_mismatch-{layout}{formgen.SUFFIX[layout]}"
        if isinstance(out, str):
            assert path.read_text(encoding="utf-8") == out
        else:                               # zip and PDF files carry the time they were made
            assert path.read_bytes()[:4] == out[:4] in (b"PK\x03\x04", b"%PDF")
