"""The examples and lists of docs/, held against the code: the docs cannot drift from it.

docs/figures.md: every row of a table headed `| sentence | surface | …` names a figure of the
sentence by its surface and the values of its figures.csv columns; every row of a table headed
`| sentence | not a figure |` names text of the sentence that no figure may overlap.

In docs/checks.md each check has a section headed with its name in backticks (### `sum_mismatch`).
An example is a fenced block opened with ```report (the text of a report) followed by a line
`→ STATUS · …` saying what checks.csv records for that check: the status, and optionally the
severity, `stated [lo, hi]`, `expected [lo, hi]`, `tolerance ±x` and the message in backticks.
A block not followed by such a line is an earlier report of the same unit, read with the next
example (cross_year_mismatch); ```report doc=NAME names a block's document.

docs/panel.md: its ```report example gives the panel.csv row and panel_sources.csv rows shown,
and it lists the panel's columns as core/rows.py does. docs/outputs.md: the section of each
table lists its columns in the order core/rows.py writes them. Links between the pages reach
their headings.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from extract.checks import REGISTRY, across_years
from extract.core import rows
from extract.core.model import CHECK_STATUS, SEVERITIES, Document
from extract.core.patterns import load_patterns
from extract.pipeline import Report, analyse, find_figures

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHECKS_MD = DOCS / "checks.md"
FIGURES_MD = DOCS / "figures.md"
ACROSS = "cross_year_mismatch"
_HEADING = re.compile(r"^#{2,4} `(\w+)`")


@dataclass
class Example:
    check: str
    line: int
    documents: list[tuple[str, str]]         # (doc_id, text): earlier reports first, then this one
    status: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.check}-{self.status}-line{self.line}"


def _expectation(line: str, where: str) -> tuple[str, dict[str, str]]:
    """`→ fail · error · stated [a, b] · expected [c, d] · tolerance ±t · `message``."""
    parts = [p.strip() for p in line.lstrip("→").split(" · ")]
    status, fields = parts[0], {}
    if status not in CHECK_STATUS:
        raise ValueError(f"{where}: {status!r} is not a check status")
    for p in parts[1:]:
        if p in SEVERITIES:
            fields["severity"] = p
        elif p.startswith("`") and p.endswith("`"):
            fields["message"] = p[1:-1]
        elif p.split(" ", 1)[0] in ("stated", "expected", "tolerance"):
            key, value = p.split(" ", 1)
            fields[key] = value
        else:
            raise ValueError(f"{where}: cannot read {p!r}")
    return status, fields


def parse(path: Path = CHECKS_MD) -> list[Example]:
    lines = path.read_text(encoding="utf-8").splitlines()
    examples: list[Example] = []
    check, pending, i = "", [], 0
    while i < len(lines):
        heading = _HEADING.match(lines[i])
        if heading:
            check, pending = heading.group(1), []
        if not lines[i].startswith("```report"):
            i += 1
            continue
        opened = i
        words = dict(w.split("=", 1) for w in lines[i].split()[1:])
        body = []
        i += 1
        while not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        doc_id = words.get("doc", "example.txt")
        text = "\n".join(body) + "\n"
        j = i
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j < len(lines) and lines[j].startswith("→"):
            status, fields = _expectation(lines[j], f"{path.name}:{j + 1}")
            examples.append(Example(check, opened + 1, [*pending, (doc_id, text)], status, fields))
            pending = []
            i = j + 1
        else:
            pending.append((doc_id, text))
    return examples


EXAMPLES = parse()


def results(example: Example):
    """What checks.csv records for the example's check on its (last) document."""
    patterns = load_patterns()
    analyses = [analyse(Document(d, d, "txt", t), patterns) for d, t in example.documents]
    last = example.documents[-1][0]
    if example.check == ACROSS:
        documents = [rows.document_row(Report(a.document.doc_id, a.document.doc_id, "txt", "ok", analysis=a))
                     for a in analyses]
        # as the batch's merge reads them: panel sources written as rows and read back
        sources = [rows.source_from_row(rows.source_row(s)) for a in analyses for s in a.sources]
        found = across_years(documents, sources)
    else:
        found = analyses[-1].checks
    return [r for r in found if r.check == example.check and r.doc_id == last]


def _fields(r) -> dict[str, str]:
    row = rows.check_row(r)
    return {"severity": r.severity, "message": r.message, "stated": row["stated"],
            "expected": row["expected"], "tolerance": row["tolerance"]}


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.id)
def test_example_gives_what_the_docs_say(example):
    found = results(example)
    statuses = [r.status for r in found]
    assert found, f"{example.check} recorded nothing"
    if example.status == "not_assessable":
        assert statuses == ["not_assessable"], statuses
    if example.status == "pass":
        assert "fail" not in statuses, [r.message for r in found]
    candidates = [_fields(r) for r in found if r.status == example.status]
    assert candidates, f"no {example.status} among {statuses}"
    wanted = example.fields
    assert any(all(c[k] == v for k, v in wanted.items()) for c in candidates), (wanted, candidates)


def test_every_check_has_a_passing_and_a_failing_example():
    names = {*REGISTRY, ACROSS}
    documented = {e.check for e in EXAMPLES}
    assert documented <= names, f"docs/checks.md shows checks that do not exist: {documented - names}"
    for name in sorted(names):
        statuses = {e.status for e in EXAMPLES if e.check == name}
        assert "fail" in statuses, f"docs/checks.md has no failing example of {name}"
        assert statuses - {"fail"}, f"docs/checks.md has no passing example of {name}"


def test_every_check_is_described_with_its_severity():
    text = CHECKS_MD.read_text(encoding="utf-8")
    for name, chk in REGISTRY.items():
        assert re.search(rf"^#{{2,4}} `{name}` .*\({chk.severity}\)", text, re.M), \
            f"docs/checks.md lacks a heading `{name}` … ({chk.severity})"


def test_the_parser_reads_what_it_is_given(tmp_path):
    md = tmp_path / "c.md"
    md.write_text("### `growth_mismatch` x (error)\n\n```report\n甲\n```\n\n"
                  "→ fail · error · stated [1, 2] · `消息`\n\n```report doc=a.txt\n乙\n```\n\n"
                  "```report doc=b.txt\n丙\n```\n→ pass\n", encoding="utf-8")
    a, b = parse(md)
    assert (a.check, a.status, a.fields) == ("growth_mismatch", "fail",
                                             {"severity": "error", "stated": "[1, 2]", "message": "消息"})
    assert a.documents == [("example.txt", "甲\n")]
    assert b.documents == [("a.txt", "乙\n"), ("b.txt", "丙\n")] and b.fields == {}


# -- docs/figures.md ----------------------------------------------------------------------------
def tables(markdown: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every table of a markdown text: its header and its rows, cells without backticks."""
    out, header, body = [], None, []
    for line in [*markdown.splitlines(), ""]:
        if line.startswith("|"):
            cells = [c.replace("`", "").strip() for c in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
            elif not set("".join(cells)) <= set("-: "):
                body.append(cells)
        elif header is not None:
            out.append((header, body))
            header, body = None, []
    return out


_FIGURE_TABLES = tables(FIGURES_MD.read_text(encoding="utf-8"))
FIGURE_ROWS = [dict(zip(h, r)) for h, body in _FIGURE_TABLES if h[:2] == ["sentence", "surface"] for r in body]
NOT_FIGURES = [dict(zip(h, r)) for h, body in _FIGURE_TABLES if h == ["sentence", "not a figure"] for r in body]


def test_figures_md_has_its_tables():
    assert len(FIGURE_ROWS) >= 20 and len(NOT_FIGURES) >= 5


@pytest.mark.parametrize("row", FIGURE_ROWS, ids=lambda r: r["surface"])
def test_figure_reads_as_the_docs_say(row):
    found = [rows.figure_row(f) for f in find_figures(row["sentence"])]
    mine = [f for f in found if f["surface"] == row["surface"]]
    assert len(mine) == 1, (row["surface"], [f["surface"] for f in found])
    wanted = {k: v for k, v in row.items() if k not in ("sentence", "surface")}
    assert {k: mine[0][k] for k in wanted} == wanted


@pytest.mark.parametrize("row", NOT_FIGURES, ids=lambda r: r["not a figure"])
def test_not_a_figure(row):
    start = row["sentence"].index(row["not a figure"])
    end = start + len(row["not a figure"])
    overlapping = [f.surface for f in find_figures(row["sentence"]) if f.start < end and start < f.end]
    assert not overlapping


# -- docs/panel.md ------------------------------------------------------------------------------
PANEL_MD = DOCS / "panel.md"


def test_panel_example_gives_the_tables_the_docs_show():
    text = PANEL_MD.read_text(encoding="utf-8")
    report = re.search(r"^```report\n(.*?)^```$", text, re.M | re.S).group(1)
    found = {tuple(h): r for h, r in tables(text)}
    a = analyse(Document("example.txt", "example.txt", "txt", report), load_patterns())
    cells = {k: str(v) for k, v in rows.panel_row(a.panel).items() if k != "doc_id" and v not in ("", None)}
    assert cells == dict(found[("panel.csv column", "value")])
    surfaces = {f.figure_id: f.surface for f in a.figures}
    sources = [[r["indicator"], r["basis"], " ".join(surfaces[i] for i in r["figure_id"].split()),
                r["value"], r["unit"], r["lo"], r["hi"]] for r in map(rows.source_row, a.sources)]
    assert sources == found[("indicator", "basis", "figures", "value", "unit", "lo", "hi")]


def test_panel_md_lists_every_panel_column_in_order():
    found = tables(PANEL_MD.read_text(encoding="utf-8"))
    listed = [r[0] for h, body in found if h[:2] == ["column", "unit"] for r in body]
    assert listed == list(rows.PANEL_INDICATORS)
    first, source_columns = [body for h, body in found if h[:2] == ["column", "what"]]
    assert [r[0] for r in first] == ["doc_id", *rows.METADATA_COLUMNS]
    assert [c for r in source_columns for c in r[0].split(", ")] == list(rows.SOURCE_COLUMNS)


# -- docs/outputs.md ----------------------------------------------------------------------------
OUTPUTS_MD = DOCS / "outputs.md"


def sections(path: Path) -> dict[str, str]:
    """Level-2 headings and the text under each."""
    parts = re.split(r"^## (.*)$", path.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


@pytest.mark.parametrize("name", list(rows.TABLES))
def test_outputs_md_lists_every_column_of_every_table(name):
    under = [body for title, body in sections(OUTPUTS_MD).items() if title.startswith(f"`{name}.csv`")]
    assert len(under) == 1, f"docs/outputs.md needs one section headed `{name}.csv`"
    body = next(b for h, b in tables(under[0]) if h[0] == "column")
    listed = [c for r in body for c in r[0].split(", ")]
    assert listed == list(rows.TABLES[name])


# -- links between the pages --------------------------------------------------------------------
def _slug(heading: str) -> str:
    """The anchor a markdown renderer (GitHub's) gives a heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_links_between_the_pages_reach_their_headings():
    anchors = {p.name: {_slug(h) for h in re.findall(r"^#+ (.*)$", p.read_text(encoding="utf-8"), re.M)}
               for p in DOCS.glob("*.md")}
    broken = []
    for page in DOCS.glob("*.md"):
        for target, anchor in re.findall(r"\]\(([\w.]*)#([^)]+)\)", page.read_text(encoding="utf-8")):
            name = target or page.name
            if name in anchors and anchor not in anchors[name]:
                broken.append(f"{page.name}: {target}#{anchor}")
    assert not broken
