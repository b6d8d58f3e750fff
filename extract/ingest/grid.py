"""Ruled tables of a PDF page from PDFium alone: the grid from the lines and rectangles the
page draws, each cell's text from PDFium's characters.

pdfplumber finds the same tables, but first parses every font of the page (77 % of the PDF
time went to the fifth of the pages that draw a table). This follows its lattice method step
for step, so the cells are the ones it finds: edges shorter than 1 pt dropped, edges within
3 pt snapped to their mean and joined across gaps of up to 3 pt, edges shorter than 3 pt
dropped; crossings within 3 pt; a cell is the smallest rectangle whose four sides are edges
between crossings; a table is a group of two or more cells sharing corners. A character
belongs to the cell that holds its middle; a cell's characters make lines (tops within
3 pt) and words (split at spaces and gaps over 3 pt).

Where the drawing is not plain — curves, slanted lines, paths inside form XObjects, a
rotated page or one whose media box does not start at 0,0 — `find_tables` returns None and
`pdf.py` asks pdfplumber, whose fuller reading of the drawing copes with them.

Coordinates follow pdfplumber's: PDF points, y measured down from the top of the page.
"""
from __future__ import annotations

import ctypes
from bisect import bisect_right
from itertools import groupby

Edge = tuple[float, float, float, float]          # x0, top, x1, bottom: one of them is a line
Cell = tuple[float, float, float, float]          # x0, top, x1, bottom
Char = tuple[str, float, float, float, float]     # text, x0, top, x1, bottom

SNAP = JOIN = CROSS = 3.0   # pdfplumber's snap, join and intersection tolerances (pt)
MIN_LENGTH, MIN_LENGTH_BEFORE = 3.0, 1.0
X_GAP = Y_GAP = 3.0         # pdfplumber's word and line tolerances for text


# ---------------------------------------------------------------- the drawing

def _edges(page) -> list[tuple[str, Edge]] | None:
    """Every horizontal ("h") and vertical ("v") edge the page draws, or None where the
    drawing is not plain."""
    import pypdfium2.raw as raw

    if page.get_rotation() or tuple(page.get_mediabox())[:2] != (0, 0):
        return None
    height = page.get_height()
    edges: list[tuple[str, Edge]] = []
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    x, y = ctypes.c_float(), ctypes.c_float()
    m = raw.FS_MATRIX()
    for k in range(raw.FPDFPage_CountObjects(page.raw)):
        obj = raw.FPDFPage_GetObject(page.raw, k)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_FORM:
            if _draws(obj):
                return None
            continue
        if kind != raw.FPDF_PAGEOBJ_PATH:
            continue
        raw.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
        if not fill.value and not stroke.value:
            continue                                  # not painted: pdfminer has no object for it
        if not raw.FPDFPageObj_GetMatrix(obj, ctypes.byref(m)) or m.b or m.c:
            return None                               # turned or slanted
        subpaths: list[list[tuple[float, float]]] = []
        for s in range(raw.FPDFPath_CountSegments(obj)):
            seg = raw.FPDFPath_GetPathSegment(obj, s)
            kind = raw.FPDFPathSegment_GetType(seg)
            if kind == raw.FPDF_SEGMENT_BEZIERTO:
                return None
            raw.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
            point = (round(m.a * x.value + m.e, 3), round(height - (m.d * y.value + m.f), 3))
            if kind == raw.FPDF_SEGMENT_MOVETO or not subpaths:
                subpaths.append([point])
            else:
                subpaths[-1].append(point)
            if raw.FPDFPathSegment_GetClose(seg):
                subpaths[-1].append(subpaths[-1][0])
        for points in subpaths:
            found = _subpath_edges(points)
            if found is None:
                return None
            edges.extend(found)
    return edges


def _draws(form) -> bool:
    """Whether a form XObject draws a path anywhere inside it."""
    import pypdfium2.raw as raw

    for j in range(raw.FPDFFormObj_CountObjects(form)):
        obj = raw.FPDFFormObj_GetObject(form, j)
        kind = raw.FPDFPageObj_GetType(obj)
        if kind == raw.FPDF_PAGEOBJ_PATH or kind == raw.FPDF_PAGEOBJ_FORM and _draws(obj):
            return True
    return False


def _subpath_edges(points: list[tuple[float, float]]) -> list[tuple[str, Edge]] | None:
    """A subpath's edges as pdfminer and pdfplumber make them: a rectangle gives its four
    sides, a line or polyline its axis-parallel segments; None for a slanted line."""
    if len(points) > 2 and points[-1] == points[-2]:
        points = points[:-1]                          # a closing point on a path closed by hand
    if len(points) == 2 and points[0][0] != points[1][0] and points[0][1] != points[1][1]:
        return None
    if len(points) == 5 and points[0] == points[4] and _square(points[:4]):
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        x0, x1, top, bottom = min(xs), max(xs), min(ys), max(ys)
        return [("h", (x0, top, x1, top)), ("h", (x0, bottom, x1, bottom)),
                ("v", (x0, top, x0, bottom)), ("v", (x1, top, x1, bottom))]
    out = []
    for (ax, ay), (bx, by) in zip(points, points[1:]):
        if ay == by:
            out.append(("h", (min(ax, bx), ay, max(ax, bx), ay)))
        elif ax == bx:
            out.append(("v", (ax, min(ay, by), ax, max(ay, by))))
    return out


def _square(p) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = p
    return (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or \
        (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)


def _length(orient: str, e: Edge) -> float:
    return e[2] - e[0] if orient == "h" else e[3] - e[1]


def merge(edges: list[tuple[str, Edge]]) -> list[tuple[str, Edge]]:
    """Edges snapped to the mean of their neighbours within SNAP, joined across gaps of up
    to JOIN, the short ones dropped (pdfplumber's `merge_edges`)."""
    edges = [(o, e) for o, e in edges if _length(o, e) >= MIN_LENGTH_BEFORE]
    snapped: list[tuple[str, Edge]] = []
    for orient in ("v", "h"):
        axis = 0 if orient == "v" else 1
        group = sorted((e for o, e in edges if o == orient), key=lambda e: e[axis])
        for cluster in _chains(group, lambda e: e[axis], SNAP):
            mean = sum(e[axis] for e in cluster) / len(cluster)
            for e in cluster:
                snapped.append((orient, (mean, e[1], mean, e[3]) if orient == "v"
                                else (e[0], mean, e[2], mean)))
    out = []
    for (orient, _), group in groupby(sorted(snapped, key=lambda oe: (oe[0], _pos(oe))),
                                      key=lambda oe: (oe[0], _pos(oe))):
        lo, hi = (0, 2) if orient == "h" else (1, 3)
        joined: list[list[float]] = []
        for _, e in sorted(group, key=lambda oe: oe[1][lo]):
            if joined and e[lo] <= joined[-1][hi] + JOIN:
                joined[-1][hi] = max(joined[-1][hi], e[hi])
            else:
                joined.append(list(e))
        out.extend((orient, tuple(e)) for e in joined)
    return [(o, e) for o, e in out if _length(o, e) >= MIN_LENGTH]


def _pos(oe: tuple[str, Edge]) -> float:
    return oe[1][1] if oe[0] == "h" else oe[1][0]


def _chains(items: list, key, tolerance: float) -> list[list]:
    """Sorted items in runs whose consecutive keys are within `tolerance`."""
    runs: list[list] = []
    for item in items:
        if runs and key(item) <= key(runs[-1][-1]) + tolerance:
            runs[-1].append(item)
        else:
            runs.append([item])
    return runs


# ---------------------------------------------------------------- cells and tables

def cells(edges: list[tuple[str, Edge]]) -> list[Cell]:
    """The smallest rectangles whose corners are crossings joined by edges
    (pdfplumber's `edges_to_intersections` and `intersections_to_cells`)."""
    vs = sorted((e for o, e in edges if o == "v"), key=lambda e: (e[0], e[1]))
    hs = sorted((e for o, e in edges if o == "h"), key=lambda e: (e[1], e[0]))
    crossing: dict[tuple[float, float], tuple[set, set]] = {}
    for v in vs:
        for h in hs:
            if v[1] <= h[1] + CROSS and v[3] >= h[1] - CROSS and h[0] - CROSS <= v[0] <= h[2] + CROSS:
                at = crossing.setdefault((v[0], h[1]), (set(), set()))
                at[0].add(v)
                at[1].add(h)

    def joined(p, q) -> bool:
        return (p[0] == q[0] and not crossing[p][0].isdisjoint(crossing[q][0])
                or p[1] == q[1] and not crossing[p][1].isdisjoint(crossing[q][1]))

    column: dict[float, list] = {}
    row: dict[float, list] = {}
    for p in sorted(crossing):
        column.setdefault(p[0], []).append(p)
        row.setdefault(p[1], []).append(p)
    out = []
    for pt in sorted(crossing):
        below = [p for p in column[pt[0]] if p[1] > pt[1]]
        right = [p for p in row[pt[1]] if p[0] > pt[0]]
        cell = next(((pt[0], pt[1], r[0], b[1]) for b in below if joined(pt, b)
                     for r in right if joined(pt, r) and (r[0], b[1]) in crossing
                     and joined((r[0], b[1]), r) and joined((r[0], b[1]), b)), None)
        if cell is not None:
            out.append(cell)
    return out


def tables(found: list[Cell]) -> list[list[Cell]]:
    """Cells grouped into tables by shared corners, top to bottom; lone cells are not
    tables (pdfplumber's `cells_to_tables`)."""
    remaining, groups = list(found), []
    corners: set[tuple[float, float]] = set()
    current: list[Cell] = []
    while remaining:
        before = len(current)
        for cell in list(remaining):
            mine = {(cell[0], cell[1]), (cell[0], cell[3]), (cell[2], cell[1]), (cell[2], cell[3])}
            if not current or corners & mine:
                corners |= mine
                current.append(cell)
                remaining.remove(cell)
        if len(current) == before:
            groups.append(current)
            corners, current = set(), []
    if current:
        groups.append(current)
    groups.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in groups if len(t) > 1]


def grid_rows(table: list[Cell]) -> list[list[Cell | None]]:
    """A table's rows, each with one slot per column start, None where no cell starts
    (a cell spanning from the left or from above) — pdfplumber's `Table.rows`."""
    xs = sorted({c[0] for c in table})
    out = []
    for _, row in groupby(sorted(table, key=lambda c: (c[1], c[0])), key=lambda c: c[1]):
        starts = {c[0]: c for c in row}
        out.append([starts.get(x) for x in xs])
    return out


def grid_columns(table: list[Cell]) -> list[tuple[float, float, float, float]]:
    """Each column's box (pdfplumber's `Table.columns`, as boxes)."""
    out = []
    for _, column in groupby(sorted(table, key=lambda c: (c[0], c[1])), key=lambda c: c[0]):
        column = list(column)
        out.append((min(c[0] for c in column), min(c[1] for c in column),
                    max(c[2] for c in column), max(c[3] for c in column)))
    return out


def row_cells(table: list[Cell]) -> list[list[Cell]]:
    """Each row's cells left to right: a cell spanning columns once, a cell spanning rows in
    every row it covers."""
    columns = grid_columns(table)
    out = []
    for row in grid_rows(table):
        top = min(c[1] for c in row if c is not None)
        bottom = max(c[3] for c in row if c is not None)
        cells = []
        for c, cell in enumerate(row):
            if cell is not None:
                cells.append(cell)
                continue
            cx = (columns[c][0] + columns[c][2]) / 2
            cy = (top + bottom) / 2
            cover = next((b for b in table if b[0] <= cx <= b[2] and b[1] <= cy <= b[3]), None)
            if cover is not None and cover[1] < top - 1 and cover[0] >= columns[c][0] - 1:
                cells.append(cover)  # spans down from an earlier row
        out.append(cells)
    return out


def table_rows(table: list[Cell], text: dict[Cell, str]) -> list[str]:
    """A table as `a | b | c` lines (`row_cells`); `text` holds each cell's text."""
    out = []
    for cells in row_cells(table):
        texts = [text.get(c, "") for c in cells]
        if any(texts):
            out.append(" | ".join(texts))
    return out


# ---------------------------------------------------------------- text

def chars(textpage, height: float, bands: list[tuple[float, float]] | None = None) -> list[Char]:
    """The page's characters with their loose boxes (font height, advance width), as
    pdfplumber's characters are drawn; line ends and spaces PDFium made up are left out.
    With `bands` (top, bottom), only the printed lines that reach into one of them."""
    import re

    import pypdfium2.raw as raw

    handle = textpage.raw
    n = raw.FPDFText_CountChars(handle)
    text = textpage.get_text_range(0, n) if n > 0 else ""
    if len(text) != n:                                # a character outside the BMP
        text = "".join(chr(raw.FPDFText_GetUnicode(handle, i)) for i in range(max(n, 0)))
    box = raw.FS_RECTF()
    ref, loose, generated = ctypes.byref(box), raw.FPDFText_GetLooseCharBox, raw.FPDFText_IsGenerated
    out = []
    for line in re.finditer(r"[^\r\n]+", text):   # technical: PDFium ends its lines with CR LF
        start, end = line.span()
        if bands is not None:
            ys: list[float] = []
            for k in (start, end - 1):
                if loose(handle, k, ref):
                    ys += (height - box.top, height - box.bottom)
            if ys and not any(min(ys) - Y_GAP <= bottom and max(ys) + Y_GAP >= top
                              for top, bottom in bands):
                continue
        for i in range(start, end):
            t = text[i]
            if t.isspace() and generated(handle, i) == 1:
                continue
            if loose(handle, i, ref):
                out.append((t, box.left, height - box.top, box.right, height - box.bottom))
    return out


def cell_text(found: list[Char]) -> str:
    """A cell's characters as pdfplumber's `extract_text` gives them: lines (tops within
    Y_GAP) top to bottom, words left to right with one space between them."""
    words: list[tuple[float, float, str]] = []        # top, x0, text
    for line in _chains(sorted(found, key=_top), _top, Y_GAP):
        word: list[Char] = []
        for ch in sorted(line, key=_across):
            if word and (ch[0].isspace() or ch[1] < word[-1][1] or ch[1] > word[-1][3] + X_GAP
                         or abs(ch[2] - word[-1][2]) > Y_GAP):
                words.append((min(c[2] for c in word), word[0][1], "".join(c[0] for c in word)))
                word = []
            if not ch[0].isspace():
                word.append(ch)
        if word:
            words.append((min(c[2] for c in word), word[0][1], "".join(c[0] for c in word)))
    if len(words) == 1:
        return words[0][2]
    return "\n".join(" ".join(w[2] for w in sorted(line, key=_x0))
                     for line in _chains(sorted(words), _top_of_word, Y_GAP))


def _top(ch: Char) -> float:
    return ch[2]


def _across(ch: Char) -> tuple[float, float]:
    return ch[1], ch[3]


def _x0(word: tuple[float, float, str]) -> float:
    return word[1]


def _top_of_word(word: tuple[float, float, str]) -> float:
    return word[0]


def _by_cell(table: list[Cell], found: list[Char]) -> dict[Cell, list[Char]]:
    """Each cell's characters: those whose middle it holds (half-open, as pdfplumber
    tests it), found through the table's grid of distinct x and y edges."""
    xs = sorted({v for c in table for v in (c[0], c[2])})
    ys = sorted({v for c in table for v in (c[1], c[3])})
    col, row = {x: k for k, x in enumerate(xs)}, {y: k for k, y in enumerate(ys)}
    covering: dict[tuple[int, int], list[Cell]] = {}
    for c in table:
        for i in range(row[c[1]], row[c[3]]):
            for j in range(col[c[0]], col[c[2]]):
                covering.setdefault((i, j), []).append(c)
    out: dict[Cell, list[Char]] = {c: [] for c in table}
    for ch in found:
        at = (bisect_right(ys, (ch[2] + ch[4]) / 2) - 1, bisect_right(xs, (ch[1] + ch[3]) / 2) - 1)
        for c in covering.get(at, ()):
            out[c].append(ch)
    return out


# ---------------------------------------------------------------- the page

def find_tables(page, textpage) -> list[tuple[Cell, dict[Cell, str], list[Cell], list[Char]]] | None:
    """The page's ruled tables as (box, raw text of each cell, cells, the characters read),
    top to bottom; None where the drawing is not plain enough to read without pdfplumber."""
    edges = _edges(page)
    if edges is None:
        return None
    found = tables(cells(merge(edges)))
    if not found:
        return []
    boxes = [(min(c[0] for c in t), min(c[1] for c in t), max(c[2] for c in t), max(c[3] for c in t))
             for t in found]
    everything = chars(textpage, page.get_height(), [(b[1], b[3]) for b in boxes])
    out = []
    for table, box in zip(found, boxes):
        texts = {c: cell_text(mine) if mine else "" for c, mine in _by_cell(table, everything).items()}
        out.append((box, texts, table, everything))
    return out
