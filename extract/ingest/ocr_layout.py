"""Where OCR's boxes go on the page: the page straightened, its ruled tables found from the
image, and the boxes put together as printed lines in reading order (table rows as
`cell | cell` lines with empty cells kept, so columns stay aligned with their headers).

Pure geometry on pixels (y down); `ocr.py` runs the engines and turns lines into PDF points.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from statistics import median

_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")  # technical: the Han script and full-width forms


@dataclass(frozen=True, slots=True)
class Box:
    """A run of text the engine read, in pixels of the straightened image (y down)."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2



@dataclass(frozen=True, slots=True)
class PixelLine:
    """One printed line in pixels of the straightened image (y down, the middle of the line);
    `row` is its index within a ruled table, -1 for running text; `glyphs`: each character's
    (x0, y0, x1, y1, confidence), None for a space or separator the layout put in."""

    text: str
    x0: float
    x1: float
    y: float
    h: float
    row: int = -1
    glyphs: tuple = field(default=())


def _spread(b: Box) -> list:
    """The box's characters side by side across its width, a wide (Chinese) character
    taking twice a narrow one's room: the engines box runs of text, not characters."""
    weights = [2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in b.text]
    step, x, out = (b.x1 - b.x0) / (sum(weights) or 1), b.x0, []
    for w in weights:
        out.append((x, b.y0, x + w * step, b.y1, b.conf))
        x += w * step
    return out


# ---------------------------------------------------------------- straightening

def skew(image, limit: float = 3.0) -> float:
    """The angle in degrees (within ±`limit`) that turns the page upright, as PIL's
    `rotate` takes it: the one whose rows of ink are sharpest (largest variance of the
    row sums), found coarse to fine on a half-size copy; 0 below 0.1° (2 px over a
    200-dpi page: nothing to turn, and within what this measure can tell)."""
    import numpy as np
    from PIL import Image

    small = image.reduce(2)
    ink = Image.fromarray(((np.asarray(small) < 160) * 255).astype("uint8"))

    def sharpness(angle: float) -> float:
        rows = np.asarray(ink.rotate(angle, resample=Image.NEAREST)).sum(axis=1, dtype=np.float64)
        return float(np.var(rows))

    best = max((a / 4 for a in range(int(-4 * limit), int(4 * limit) + 1)), key=sharpness)
    best = max((best + a / 40 for a in range(-10, 11)), key=sharpness)
    return 0.0 if abs(best) < 0.1 else best


def turn(box: Box, angle: float, size: tuple[int, int]) -> Box:
    """`box` moved to where PIL's `rotate(angle)` puts its centre (about the image's
    centre); a box is small and follows its text, so it keeps its width and height."""
    if not angle:
        return box
    t = math.radians(angle)
    cx, cy = size[0] / 2, size[1] / 2
    x = cx + (box.cx - cx) * math.cos(t) + (box.cy - cy) * math.sin(t)
    y = cy - (box.cx - cx) * math.sin(t) + (box.cy - cy) * math.cos(t)
    w, h = box.x1 - box.x0, box.y1 - box.y0
    return Box(box.text, x - w / 2, y - h / 2, x + w / 2, y + h / 2, box.conf)


# ---------------------------------------------------------------- ruled tables

@dataclass(frozen=True, slots=True)
class _Grid:
    """A ruled table: the heights of its horizontal rules and, for each band between two
    of them, the x of the vertical rules crossing it; `open_top[b]` lists the cells of
    band b whose top edge is not ruled (a cell spanning rows)."""

    rules: list[float]
    columns: list[list[float]]
    open_top: list[set[int]]

    def cell(self, box: Box) -> tuple[int, int] | None:
        if not self.rules[0] <= box.cy <= self.rules[-1]:
            return None
        band = next(b for b in range(len(self.columns)) if box.cy <= self.rules[b + 1])
        xs = self.columns[band]
        if not xs[0] <= box.cx <= xs[-1]:
            return None
        return band, next(c for c in range(len(xs) - 1) if box.cx <= xs[c + 1])


def _runs(mask) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    import numpy as np

    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.astype(np.int8), [0]))))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _longest_runs(ink):
    """The longest run of ink in each row of a boolean image."""
    import numpy as np

    count = np.cumsum(ink, axis=1, dtype=np.int32)
    at_gap = np.maximum.accumulate(np.where(ink, 0, count), axis=1)
    return (count - at_gap).max(axis=1)


def find_grids(image) -> list[_Grid]:
    """Ruled tables of a straightened page: unbroken lines of ink at least a fifth of the
    page wide, two or more of them close together, crossed by vertical rules."""
    import numpy as np

    pixels = np.asarray(image)
    ink = pixels < 0.85 * float(np.median(pixels))  # a thin rule renders grey on grey paper
    height, width = ink.shape
    bridged = ink.copy()  # a scanned rule may have pinholes, or fall between two pixel rows
    bridged[:, 1:-1] |= ink[:, :-2] & ink[:, 2:]
    bridged[:-1] |= bridged[1:]
    rows = _runs(_longest_runs(bridged) >= width / 5)
    rule_ys = [(a + b) / 2 for a, b in rows if b - a <= 8]
    groups, cur = [], []
    for y in rule_ys:
        if cur and y - cur[-1] > height / 6:
            groups.append(cur)
            cur = []
        cur.append(y)
    groups.append(cur)
    grids = []
    for rules in groups:
        if len(rules) < 2:
            continue
        columns, open_top = [], []
        for top, bottom in zip(rules, rules[1:]):
            a, b = int(top) + 4, int(bottom) - 3
            if b - a < 4:
                columns.append([])
                open_top.append(set())
                continue
            column = ink[a:b]
            crossing = (column[:, :-1] | column[:, 1:]).mean(axis=0) >= 0.9
            xs = [(s + e) / 2 for s, e in _runs(crossing) if e - s <= 8]
            columns.append(xs)
            edge = ink[max(int(top) - 2, 0):int(top) + 3].any(axis=0)
            open_top.append({c for c in range(len(xs) - 1)
                             if edge[int(xs[c]) + 3:int(xs[c + 1]) - 2].mean() < 0.8})
        if any(len(xs) >= 3 for xs in columns):
            grids.append(_Grid(rules, columns, open_top))
    return grids


def erase_rules(image, grids: list[_Grid]):
    """A copy of `image` with the rules of its ruled tables painted white."""
    import numpy as np
    from PIL import Image

    pixels = np.array(image)
    for g in grids:
        left = int(min(xs[0] for xs in g.columns if xs))
        right = int(max(xs[-1] for xs in g.columns if xs))
        for y in g.rules:
            pixels[max(int(y) - 3, 0):int(y) + 4, max(left - 3, 0):right + 4] = 255
        for band, xs in enumerate(g.columns):
            for x in xs:
                pixels[int(g.rules[band]) - 3:int(g.rules[band + 1]) + 4,
                       max(int(x) - 3, 0):int(x) + 4] = 255
    return Image.fromarray(pixels)


def _table_rows(grid: _Grid, boxes: list[Box]) -> list[tuple[list[tuple[str, list]], float, float, float]]:
    """Each band's cells (text, in column order) with the band's x0, x1 and mid height; a
    cell whose top is not ruled continues the cell above, and its text fills both."""
    cells: dict[tuple[int, int], list[Box]] = {}
    for b in boxes:
        cells.setdefault(grid.cell(b), []).append(b)
    owner = {}
    for band, xs in enumerate(grid.columns):
        for c in range(len(xs) - 1):
            above = next((k for k, up in enumerate(grid.columns[band - 1][:-1])
                          if band and abs(up - xs[c]) < 6), None)
            if band and c in grid.open_top[band] and above is not None:
                owner[band, c] = owner[band - 1, above]
            else:
                owner[band, c] = (band, c)
    texts: dict[tuple[int, int], tuple[str, list]] = {}
    for key, own in owner.items():
        text, glyphs = texts.get(own, ("", []))
        more, where = _cell_text(cells.get(key, []))
        texts[own] = (text + more, glyphs + where)
    out = []
    for band, xs in enumerate(grid.columns):
        row = [texts[owner[band, c]] for c in range(len(xs) - 1)]
        if any(t for t, _ in row):
            out.append((row, xs[0], xs[-1], (grid.rules[band] + grid.rules[band + 1]) / 2))
    return out


# ---------------------------------------------------------------- lines

def _glue(a: str, b: str) -> str:
    """A space between two Latin words or numbers; nothing next to Chinese."""
    return "" if not a or _CJK.match(a[-1]) or _CJK.match(b[0]) else " "


def _group(boxes: list[Box]) -> list[list[Box]]:
    """Boxes into lines: a box joins the line it overlaps by half its height."""
    lines: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: b.cy):
        for line in reversed(lines[-3:]):
            top, bottom = min(x.y0 for x in line), max(x.y1 for x in line)
            if min(bottom, b.y1) - max(top, b.y0) >= 0.5 * min(b.h, bottom - top):
                line.append(b)
                break
        else:
            lines.append([b])
    return [sorted(line, key=lambda b: b.x0) for line in lines]


def _cell_text(boxes: list[Box]) -> tuple[str, list]:
    """The text of a cell: its lines glued as one; and its glyphs."""
    out, glyphs = "", []
    for line in _group(boxes):
        for b in line:
            glue = _glue(out, b.text.strip())
            out += glue + b.text.strip()
            glyphs += [None] * len(glue) + _spread(b)
    return out, glyphs


def _line_text(line: list[Box]) -> tuple[str, list]:
    """Boxes of one line left to right; a gap wider than two characters is a cell border."""
    out, glyphs, prev = "", [], None
    for b in line:
        text = b.text.strip()
        if prev is not None:
            gap = b.x0 - prev.x1
            sep = " | " if gap > 2 * max(b.h, prev.h) else _glue(out, text)
            out += sep
            glyphs += [None] * len(sep)
        out += text
        glyphs += _spread(b)
        prev = b
    return out, glyphs


def layout(boxes: list[Box], grids: list[_Grid]) -> list[PixelLine]:
    """Each line in reading order, in pixels."""
    free, placed = [], {id(g): [] for g in grids}
    for b in boxes:
        grid = next((g for g in grids if g.cell(b) is not None), None)
        (placed[id(grid)] if grid else free).append(b)
    items = []  # (y for ordering, lines)
    for line in _group(free):
        h = median(b.h for b in line)
        cy = median(b.cy for b in line)
        text, glyphs = _line_text(line)
        items.append((cy, [PixelLine(text, line[0].x0, max(b.x1 for b in line), cy, h, glyphs=tuple(glyphs))]))
    for grid in grids:
        rows = _table_rows(grid, placed[id(grid)])
        if not rows:
            continue
        h = median(b.h for b in placed[id(grid)])
        items.append((grid.rules[0], [PixelLine(" | ".join(t for t, _ in cells), x0, x1, y, h, r,
                                                tuple(_joined(cells)))
                                      for r, (cells, x0, x1, y) in enumerate(rows)]))
    items.sort(key=lambda item: item[0])
    return [line for _, lines in items for line in lines]


def _joined(cells: list[tuple[str, list]]) -> list:
    """The glyphs of `" | ".join(cells)`."""
    out: list = []
    for k, (_, glyphs) in enumerate(cells):
        out += [None] * (3 if k else 0) + glyphs
    return out
