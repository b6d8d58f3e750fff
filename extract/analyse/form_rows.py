"""A form's cells into rows, by the cheapest alignment of cells to columns.

Between two 一级/二级 labels the cells are a run of rows, each a 三级指标 name followed by some
of the columns' cells — some cells are missing (merged away, left empty, cut off). A cell's
cost says how well it fits a column (a 分值 is a number ≤ 100, a 度量单位 a short word, a
comparator a 指标性质); a missing cell costs what it is worth: a row without its target or
points is unusual, a row without a reason is the rule; a new row costs something, so that
cells are not made rows of their own. The cheapest split wins; nothing is guessed that the
costs do not prefer.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from itertools import combinations

import regex

from .form_cells import Cell

NUMBER = regex.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?|[-+]?\d+(?:\.\d+)?")
_INF = float("inf")
# What a missing cell costs, by column: a row without its target or points is unusual, a row
# without a reason is the rule.
_SKIP = {"nature": 0.8, "direction": 0.8, "tvalue": 1.0, "unit": 0.8, "target": 0.9, "actual": 0.9, "weight": 1.0,
         "score": 1.0, "reason": 0.1, "other": 0.2}
_FUNDS_SKIP = {"initial": 0.6, "budget": 1.5, "executed": 1.5, "weight": 0.5, "rate": 0.5, "score": 0.5}
_IMPLAUSIBLE = 1.0
_ROW = 1.0              # each row costs this, so that cells are not made rows of their own
_JUNK_MARKER = 2.5      # a cell dropped that is only a list marker (指标2:)
_JUNK = 4.5             # any other cell dropped
_LEAD = 0.3             # a row's own 一级/二级 cell, in templates that write them on every row
_NOT_FIRST = 0.2        # a row whose name is not the first cell of its line
_MARKER = regex.compile(r"^\D*\d{1,2}[.、:：．]")   # the marker's own digits, once it is known to be one
_CJK_RX = regex.compile(r"\p{Han}")


def points(cell: Cell) -> bool:
    """Whether a cell can be a 分值 or 得分: a number from 0 to 100 with at most two decimals."""
    v = cell_value(cell.key) if cell.kind == "num" else None
    return v is not None and 0 <= v <= 100 and -v.as_tuple().exponent <= 2


def cell_value(text: str) -> Decimal | None:
    m = NUMBER.search(text)
    if not m:
        return None
    try:
        return Decimal(m.group().replace(",", ""))
    except InvalidOperation:
        return None

def _fit(cell: Cell, col: str) -> float:
    """How badly `cell` fits column `col` (0 perfect, inf never)."""
    k = cell.kind
    if cell.named:
        return _INF
    if k == "placeholder":
        return 0.0
    if k == "fused":
        return 0.5 if col in ("tvalue", "target", "actual", "weight", "score") else _INF
    if col in ("weight", "score"):
        return 0.0 if points(cell) else _INF
    if col in ("target", "actual", "tvalue"):
        return {"val": 0.0, "pct": 0.0, "num": 0.1, "cmp": 0.6}.get(k, 0.5 if len(cell.key) <= 40 else 0.8)
    if col == "nature":
        return 0.0 if k in ("cmp", "nature") else _INF
    if col == "direction":
        return 0.0 if k == "cmp" else _INF
    if col == "unit":
        return 0.0 if k == "text" and len(cell.key) <= 4 else _INF
    if col == "reason":
        return 0.3 if k == "text" else 0.5
    return 0.2


def _name_cost(cell: Cell) -> float:
    """How badly `cell` fits as a row's 三级指标 name."""
    rest = _MARKER.sub("", cell.key) if cell.named else cell.key
    cjk = sum(1 for c in rest if "\u4e00" <= c <= "\u9fff")
    if cell.kind == "text" and cjk >= 2:
        return 0.0
    if cell.kind == "val" and cjk >= 4:
        return 0.3
    return _INF


def _junk(cell: Cell) -> float:
    if cell.kind == "placeholder":
        return 0.05
    bare = cell.named and not _CJK_RX.search(_MARKER.sub("", cell.key))
    return _JUNK_MARKER if bare or cell.kind == "cmp" else _JUNK


def split_rows(cells: list[Cell], cols: tuple[str, ...], lead: int = 0) -> list[tuple[Cell, dict[str, Cell]]]:
    """Split a run of cells into rows (name, {column: cell}) by the cheapest alignment.

    State after cell i: the column j last filled in the current row (-1 before its first
    data column, None before any row), or ("lead", k) after k of the row's own 一级/二级
    cells (`lead`: how many such columns the header has; a row's first cell then opens its
    line: 投入 | 预算编制 | 预算编制科学性 | …). Each cell either fills a later column of the row,
    starts a new row as its name (or as its lead), or is dropped."""
    n, m = len(cells), len(cols)
    skip = [_SKIP.get(c, 1.0) for c in cols]
    rest = [sum(skip[j + 1:]) for j in range(-1, m)]            # rest[j+1]: skipping after j
    best: list[dict] = [dict() for _ in range(n + 1)]
    best[0][None] = (0.0, None)
    for i, cell in enumerate(cells):
        name = _name_cost(cell)
        name += _NOT_FIRST if not cell.first else 0.0
        for state, (cost, _) in list(best[i].items()):
            def put(new, c, how):
                if c < best[i + 1].get(new, (_INF,))[0]:
                    best[i + 1][new] = (c, (state, how))
            put(state, cost + _junk(cell), "junk")
            leading = isinstance(state, tuple)
            close = 0.0 if state is None or leading else rest[state + 1]
            if name < _INF:
                put(-1, cost + close + (_name_cost(cell) if leading else _ROW + name), "name")
            k = state[1] if leading else 0
            if k < lead and _leads(cell) and (cell.first if not leading else True):
                put(("lead", k + 1), cost + close + (0.0 if leading else _ROW) + _LEAD, f"lead{k + 1}")
            if leading:
                continue
            if state is not None:
                gap = 0.0
                for j in range(state + 1, m):
                    f = _fit(cell, cols[j])
                    if f < _INF:
                        put(j, cost + gap + f, cols[j])
                    gap += skip[j]
    end = {s: c + (0.0 if s is None else rest[s + 1]) for s, (c, _) in best[n].items()
           if not isinstance(s, tuple)}
    if not end:
        return []
    state = min(end, key=end.get)
    steps = []
    for i in range(n, 0, -1):
        prev, how = best[i][state][1]
        steps.append((cells[i - 1], how))
        state = prev
    rows: list[tuple[Cell, dict[str, Cell]]] = []
    leads: dict[str, Cell] = {}
    for cell, how in reversed(steps):
        if how == "name":
            rows.append((cell, leads))
            leads = {}
        elif how.startswith("lead"):
            leads[how] = cell
        elif how != "junk":
            rows[-1][1][how] = cell
    return rows


def _leads(cell: Cell) -> bool:
    """Whether a cell can be a row's own 一级/二级 label: a short word."""
    return cell.kind == "text" and not cell.named and 2 <= cell.cjk and len(cell.key) <= 10


def align_funds(values: list[Cell], cols: tuple[str, ...]) -> dict[str, Cell]:
    """A funds row's value cells to its columns, in order, by the cheapest alignment: money
    columns are filled before points columns are (a 其中 row seldom has points of its own),
    and an alignment that makes 执行数 a hundredth of 预算数 is doubted."""
    def fit(cell, col):
        if cell.kind == "placeholder":
            return 0.0
        if cell.kind == "fused":
            return 0.5
        if col == "rate":
            return 0.0 if cell.kind == "pct" else (0.3 if cell.kind == "num" else _INF)
        if col == "weight":     # the funds row's 分值 is whole points (10, 10.00)
            return 0.0 if points(cell) and cell_value(cell.key) == cell_value(cell.key).to_integral() else _INF
        if col == "score":
            return 0.0 if points(cell) else _INF
        return 0.0 if cell.kind == "num" else _INF
    best, out = _INF, {}
    for chosen in combinations(range(len(cols)), len(values)):   # at most C(6, k): a few dozen
        cost = sum(_FUNDS_SKIP.get(c, 1.0) for j, c in enumerate(cols) if j not in chosen)
        cost += sum(fit(v, cols[j]) for v, j in zip(values, chosen))
        got = {cols[j]: v for v, j in zip(values, chosen)}
        budget, executed = (cell_value(got[c].key) if c in got and got[c].kind == "num" else None
                            for c in ("budget", "executed"))
        if budget and executed and (executed * 100 < budget or budget * 100 < executed):
            cost += _IMPLAUSIBLE   # 执行数 a hundredth of 预算数 or less: a points cell read as money
        if cost < best:
            best, out = cost, got
    return out
