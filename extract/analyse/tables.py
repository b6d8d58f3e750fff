"""Figures in table cells: bare numbers take their unit from the header or caption, and
every value cell takes its indicator from its row and column headers.

Self-evaluation tables carry most of a report's scores (分值, 得分) and budget columns
(预算数, 执行数, 执行率) as bare numbers; the header says what they are. A cell that
holds more than a value (年度总体目标 | 新建集中供水工程3处、…) is read as running text.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal


from ..core.numbers import MAGNITUDE, drop_zero_width, parse_number
from ..core.model import Figure
from ..core.patterns import Patterns
from .structure import Cell, Layout, Table

# The first role whose header entry (patterns/tables.yaml: header_<role>) matches wins.
HEADER_ROLES = ("weight", "score", "execution_rate", "executed", "budget", "target", "actual")


@dataclass(frozen=True)
class Column:
    name: str                 # the header text without its unit
    unit: str                 # unit of bare numbers in this column, '' if none
    role: str


def header_name(p: Patterns, text: str) -> str:
    """A header without its unit: 预算数（万元） -> 预算数."""
    return p.rx["column_unit"].sub("", text).strip()


def unit_of(p: Patterns, text: str) -> str:
    """The unit a header or caption gives its bare numbers: 预算数（万元） -> 万元."""
    m = p.rx["column_unit"].search(text)
    return (m.group(1) or m.group(2) or "").strip() if m else ""


class TableReader:
    def __init__(self, patterns: Patterns, text: str, scan: str, layout: Layout):
        self.p = patterns
        self.text = text
        self.scan = scan
        self.layout = layout

    def annotate(self, figures: list[Figure]) -> list[Figure]:
        by_cell: dict[tuple[int, int], Figure] = {(f.start, f.end): f for f in figures}
        placed: dict[int, Figure] = {}
        for table in self.layout.tables:
            for f in self._table(table, by_cell):
                placed[f.start] = f
        out = []
        for f in figures:
            if f.start in placed:
                out.append(placed.pop(f.start))
                continue
            where = self.layout.row_at(f.start)
            if where:
                table, r, row = where
                col = next((i for i, c in enumerate(row.cells) if c.start <= f.start < c.end), None)
                f = replace(f, table=table.index, row=r + 1, col=None if col is None else col + 1)
            out.append(f)
        out.extend(placed.values())
        out.sort(key=lambda f: f.start)
        return out

    # -- one table ------------------------------------------------------------------
    def _is_value(self, cell: Cell, by_cell) -> bool:
        return (cell.start, cell.end) in by_cell or bool(self.p.rx["arabic"].fullmatch(
            drop_zero_width(self.scan[cell.start:cell.end])))

    def _table(self, table: Table, by_cell) -> list[Figure]:
        default_unit = unit_of(self.p, table.caption) if table.caption else ""
        columns: list[Column] = []
        out = []
        width = max(len(r.cells) for r in table.rows)
        for r_index, row in enumerate(table.rows):
            values = [self._is_value(c, by_cell) for c in row.cells]
            if not any(values) and len([c for c in row.cells if c.text]) >= 2:
                columns = self._header(row.cells)
                # 资金情况（万元） over the row labels speaks for the block; 预算数（万元) for its column
                block_unit = unit_of(self.p, row.cells[0].text)
                default_unit = block_unit or default_unit
                continue
            cells = self._aligned(row.cells, values, len(columns) or width)
            first_value = next((j for j, c in cells if self._is_value(c, by_cell)), None)
            if first_value is None:
                continue
            labels = [c.text.strip() for j, c in cells if j < first_value and c.text.strip()]
            label = self.p.rx["label_prefix"].sub("", header_name(self.p, labels[-1])) if labels else ""
            total = bool(labels and self.p.rx["total_word"].match(labels[0]))
            if total:
                label = "合计"
            for j, cell in cells:
                if j < first_value or not self._is_value(cell, by_cell):
                    continue
                column = columns[j] if j < len(columns) else Column("", "", "")
                fig = by_cell.get((cell.start, cell.end)) or self._bare(cell, column, default_unit)
                if fig is None:
                    continue
                out.append(self._place(fig, table, r_index, j, label, column, total))
        return out

    def _header(self, cells: tuple[Cell, ...]) -> list[Column]:
        columns = []
        for cell in cells:
            name = header_name(self.p, cell.text)
            role = next((r for r in HEADER_ROLES if self.p.rx[f"header_{r}"].search(name)), "")
            unit = "分" if self.p.rx["score_header"].search(name) else unit_of(self.p, cell.text)
            columns.append(Column(name, unit, role))
        return columns

    def _aligned(self, cells, values, width: int) -> list[tuple[int, Cell]]:
        """Rows with fewer cells than the header (space-aligned text tables) put their
        labels on the left and their values on the right."""
        if len(cells) >= width:
            return list(enumerate(cells))
        n_values = 0
        for is_value in reversed(values):
            if not is_value:
                break
            n_values += 1
        head = len(cells) - n_values
        return [(j, c) for j, c in enumerate(cells[:head])] + \
               [(width - n_values + k, c) for k, c in enumerate(cells[head:])]

    def _bare(self, cell: Cell, column: Column, default_unit: str) -> Figure | None:
        """A bare number is a figure when its column or table says its unit."""
        unit = column.unit or default_unit
        mag = unit[0] if len(unit) > 1 and unit[0] in MAGNITUDE else ""
        spec = self.p.units.get(unit[len(mag):])
        if spec is None:
            return None
        value = parse_number(self.scan[cell.start:cell.end])
        factor = Decimal(spec.factor) * MAGNITUDE.get(mag, 1)
        return Figure.at(self.text, cell.start, cell.end, value=value, unit=mag + spec.unit,
                         value_base=value * factor, base_unit=spec.base, kind=spec.kind)

    def _place(self, f: Figure, table: Table, r: int, j: int, label: str, column: Column,
               total: bool) -> Figure:
        role = column.role
        if f.kind == "score" and role not in ("weight", "score"):
            role = "score"
        if total and role != "execution_rate":
            role = "total"
        return replace(f, indicator=cell_indicator(label, column.name, total), role=role, direction="",
                       table=table.index, row=r + 1, col=j + 1, row_label=label, col_header=column.name,
                       sentence=self.layout.sentence_text(self.text, f.start, f.end))


def annotate_tables(figures: list[Figure], text: str, scan: str, layout: Layout,
                    patterns: Patterns) -> list[Figure]:
    return TableReader(patterns, text, scan, layout).annotate(figures)


def cell_indicator(label: str, header: str, total: bool) -> str:
    """What a cell measures, for a reader: `省级财政补助资金 / 执行数`, `执行数合计` for a total
    row; downstream stages read the cell's `row_label` and `col_header` instead."""
    if total and header:
        return f"{header}{label}"
    if label and header:
        return f"{label} / {header}"
    return label or header
