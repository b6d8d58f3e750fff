"""extract.ingest.grid: ruled tables read from PDFium's drawing and characters give the
cells pdfplumber gives, and say "not clear" where pdfplumber has to decide.

pdfplumber is the reference: on every corpus PDF page that draws rules, and on small PDFs
drawn here (rules as lines and as thin filled rectangles, cells spanning rows and columns).
"""
from __future__ import annotations

import io
import sys
from pathlib import Path

import pdfplumber
import pypdfium2 as pdfium
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # no installed package or conftest: make `extract` importable
    sys.path.insert(0, str(ROOT))

from extract.ingest import grid, pdf, read_document  # noqa: E402
from test_pdf import make_pdf, show  # noqa: E402

CORPUS = ROOT / "corpora"


def both(path: Path, index: int):
    """(PDFium's tables, pdfplumber's tables) of one page, as (box, rows)."""
    data = path.read_bytes()
    doc = pdfium.PdfDocument(data)
    page = doc[index]
    textpage = page.get_textpage()
    try:
        lines, _ = pdf._pdfium_lines(textpage, index + 1)
        ours = pdf._pdfium_tables(page, textpage)
        with pdfplumber.open(io.BytesIO(data)) as plumber:
            theirs = pdf._tables(plumber.pages[index], lines)
    finally:
        textpage.close()
        page.close()
        doc.close()
    return ours, theirs


def ruled_pages() -> list[tuple[str, int]]:
    out = []
    for path in sorted(CORPUS.glob("*.pdf")):
        if path.name.endswith(".scan.pdf"):
            continue
        doc = pdfium.PdfDocument(path)
        out += [(path.name, i) for i in range(len(doc)) if pdf._has_rules(doc[i])]
        doc.close()
    return out


RULED = ruled_pages()


def test_the_corpus_draws_tables():
    assert len(RULED) >= 9 and len({name for name, _ in RULED}) == 6


def lines_of(found) -> list[list[str]]:
    """Each table's `a | b` lines, without the boxes of their characters."""
    return [[line for line, _ in rows] for _, rows in found]


@pytest.mark.parametrize("name, index", RULED)
def test_corpus_tables_as_pdfplumber_reads_them(name, index):
    ours, theirs = both(CORPUS / name, index)
    assert ours is not None, "the corpus draws plain grids"
    assert lines_of(ours) == lines_of(theirs) and theirs
    for (a, rows_a), (b, _) in zip(ours, theirs):
        assert max(abs(x - y) for x, y in zip(a, b)) < 0.01
        for line, glyphs in rows_a:          # every character has its box, inside the table
            assert len(glyphs) == len(line)
            boxes = [g for g in glyphs if g]
            assert boxes and all(a[0] - 1 <= g[0] <= g[2] <= a[2] + 1 for g in boxes)


def test_ruled_pages_never_open_pdfplumber(monkeypatch):
    def refuse(*args):
        raise AssertionError("pdfplumber opened")

    monkeypatch.setattr(pdf._Plumber, "read", refuse)
    doc = read_document(CORPUS / "xiangmu-yinshui-2023.pdf", "x")
    assert "年度资金总额 | 1,286.00 | 1,286.00 | 1,219.29 | 10 | 94.81% | 9.48" in doc.text


# ---------------------------------------------------------------- drawn here

def rect_grid(xs, ys, skip=()) -> str:
    """Rules as thin filled rectangles (as Word draws them): a horizontal rule along each
    y from the first x to the last, a vertical one along each x, but not through the
    (x, y band) pairs in `skip`."""
    ops = "".join(f"{xs[0]} {y - 0.25} {xs[-1] - xs[0]} 0.5 re f\n" for y in ys)
    for x in xs:
        for top, bottom in zip(ys, ys[1:]):
            if (x, top) not in skip:
                ops += f"{x - 0.25} {bottom} 0.5 {top - bottom} re f\n"
    return ops


def test_rectangles_and_spanning_cells(tmp_path):
    xs, ys = (72, 200, 330, 460), (700, 680, 660, 640)
    ops = rect_grid(xs, ys, skip={(330, 700)})  # the header's last two cells are one
    ops += show(76, 686, "Item") + show(204, 686, "Budget and spent")
    ops += show(76, 666, "Roads") + show(204, 666, "1,420.00") + show(334, 666, "1,386.50")
    ops += show(76, 646, "Water") + show(204, 646, "880.00") + show(334, 646, "868.92")
    path = make_pdf(tmp_path / "rects.pdf", [ops])
    ours, theirs = both(path, 0)
    assert lines_of(ours) == lines_of(theirs) == [[
        "Item | Budget and spent", "Roads | 1,420.00 | 1,386.50", "Water | 880.00 | 868.92"]]


def test_a_cell_spanning_rows_is_carried_down(tmp_path):
    xs = (72, 200, 330)
    # no horizontal rule between the two rows in the first column
    ops = "72 700 m 330 700 l S\n72 660 m 330 660 l S\n200 680 m 330 680 l S\n"
    ops += "".join(f"{x} 700 m {x} 660 l S\n" for x in xs)
    ops += show(76, 676, "Parks") + show(204, 686, "650.00") + show(204, 666, "642.75")
    path = make_pdf(tmp_path / "span.pdf", [ops])
    ours, theirs = both(path, 0)
    assert lines_of(ours) == lines_of(theirs) == [["Parks | 650.00", "Parks | 642.75"]]


def test_words_split_at_gaps_and_lines_kept(tmp_path):
    ops = "72 700 m 400 700 l S\n72 640 m 400 640 l S\n72 670 m 400 670 l S\n"
    ops += "".join(f"{x} 700 m {x} 640 l S\n" for x in (72, 200, 400))
    ops += show(76, 686, "12") + show(100, 686, "34") + show(76, 674, "next line")
    ops += show(204, 686, "a") + show(204, 656, "b")
    path = make_pdf(tmp_path / "words.pdf", [ops])
    data = path.read_bytes()
    doc = pdfium.PdfDocument(data)
    found = grid.find_tables(doc[0], doc[0].get_textpage())
    texts = sorted(found[0][1].values())
    with pdfplumber.open(io.BytesIO(data)) as plumber:
        table = plumber.pages[0].find_tables()[0]
        assert texts == sorted(t for row in table.extract() for t in row if t is not None)
    assert "12 34\nnext line" in texts


def test_a_curve_is_not_a_clear_grid(tmp_path):
    """A page that draws a curve is left to pdfplumber, and its table still comes back."""
    from test_pdf import ruled_table

    ops = ruled_table(740, [["Item", "Budget", "Spent"], ["Roads", "1,420.00", "1,386.50"]])
    ops += "300 300 m 320 340 340 340 360 300 c S\n"
    path = make_pdf(tmp_path / "curve.pdf", [ops])
    doc = pdfium.PdfDocument(path)
    assert grid.find_tables(doc[0], doc[0].get_textpage()) is None
    doc.close()
    assert "Roads | 1,420.00 | 1,386.50" in read_document(path, "c").text


def test_a_slanted_line_is_not_a_clear_grid(tmp_path):
    from test_pdf import ruled_table

    ops = ruled_table(740, [["Item", "Budget"], ["Roads", "1,420.00"]], cols=(72, 200, 330))
    path = make_pdf(tmp_path / "slant.pdf", [ops + "100 100 m 300 200 l S\n"])
    doc = pdfium.PdfDocument(path)
    assert grid.find_tables(doc[0], doc[0].get_textpage()) is None


def test_merge_snaps_and_joins_like_pdfplumber():
    edges = [("h", (10.0, 100.0, 50.0, 100.0)), ("h", (52.0, 101.5, 90.0, 101.5)),
             ("h", (10.0, 200.0, 10.5, 200.0)), ("v", (10.0, 100.0, 10.0, 101.0))]
    assert grid.merge(edges) == [("h", (10.0, 100.75, 90.0, 100.75))]
