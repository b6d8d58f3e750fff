"""Self-evaluation forms (自评表) read from their cells: the funds block and the indicator table.

The header vocabulary is what survives every flattening (docs/forms.md): the column headers
name the columns, and the standard template fixes their order; 一级/二级 labels written once
hold for the rows below them; the cells between two labels are split into rows by
`form_rows`. Digits of several cells fused together are never split: the row says which
cells are unreadable (`unreadable`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import regex

from ..core.model import IndicatorRow, short_hash
from ..core.numbers import normalise
from ..core.patterns import Patterns
from .form_cells import Cell, CellReader
from .form_rows import NUMBER, align_funds, cell_value, split_rows
from .tables import unit_of

# The standard template's column order; a header written as two rows (merged cells) or out
# of order is read in this order.
ORDER = ("level1", "level2", "level3", "nature", "direction", "tvalue", "unit", "target", "actual", "weight",
         "score", "reason", "other")
FUNDS_ORDER = ("initial", "budget", "executed", "weight", "rate", "score")
_BLOCKS = (("form_block_output", "产出指标"), ("form_block_effect", "效益指标"),
           ("form_block_satisfaction", "满意度指标"))
_COMPARATORS = {"ge": "≥", "le": "≤", "eq": "=", "gt": ">", "lt": "<"}


@dataclass(frozen=True)
class Total:
    """A form's 总分 / 合计 row: the weights' and the scores' totals it states."""

    form: int
    weight: Cell | None
    score: Cell | None


@dataclass
class FormRead:
    """What the reader found: rows, the cells behind them, and the forms' total rows."""

    rows: list[IndicatorRow] = field(default_factory=list)
    cells: dict[str, dict[str, Cell]] = field(default_factory=dict)   # row_id -> column -> cell
    totals: list[Total] = field(default_factory=list)
    units: dict[str, str] = field(default_factory=dict)               # row_id -> money unit (funds)
    reasoned: set[str] = field(default_factory=set)   # row_ids of rows whose form has a 偏差原因 column


def _order(header: list[Cell]) -> tuple[str, ...]:
    cols = []
    split = any(c.col in ("nature", "direction", "unit") for c in header)
    for c in header:
        if not c.col:
            continue
        col = "tvalue" if split and c.col == "target" else c.col
        if col not in cols:
            cols.append(col)
    data = [c for c in cols if c not in ("level1", "level2")]
    if data and data[0] == "level3":
        return tuple(c for c in cols if c not in ("level1", "level2"))[1:]
    return tuple(c for c in ORDER if c in cols and c not in ("level1", "level2", "level3"))


def _target(cells: dict[str, Cell]) -> str:
    if {"tvalue", "nature", "direction", "unit"} & set(cells):
        return "".join(cells[c].text for c in ("nature", "direction", "tvalue", "unit")
                       if c in cells and cells[c].kind not in ("placeholder", "nature"))
    return _text(cells.get("target"))


def _text(cell: Cell | None) -> str:
    return "" if cell is None or cell.kind == "placeholder" else cell.text


class FormReader:
    def __init__(self, patterns: Patterns):
        self.p = patterns
        self.reader = CellReader(patterns)
        self.comparator = patterns.rx["form_comparator"]
        self.end = patterns.rx["form_end"]
        self.blocks = [(patterns.rx[e], name) for e, name in _BLOCKS]
        self.filler = patterns.rx["form_header_filler"]
        self.amount = patterns.rx["funds_amount"]

    def read(self, text: str, doc_id: str) -> FormRead:
        cells = self.reader.cells(text)
        out, form, seen, i = FormRead(), 0, set(), 0
        while i < len(cells):
            c = cells[i]
            if c.kind == "col" and c.col == "level3":
                lo, hi = self._header(cells, i)
                if not {"target", "actual", "weight", "score"} & {x.col for x in cells[lo:hi]}:
                    i += 1
                    continue
                if "indicators" in seen or not form:
                    form, seen = form + 1, set()
                seen.add("indicators")
                lead = len({x.col for x in cells[lo:hi]} & {"level1", "level2"})
                i = self._indicators(cells, hi, _order(cells[lo:hi]), form, doc_id, out, lead)
                continue
            if c.kind == "col" and c.col in FUNDS_ORDER:
                hi = i
                while hi < len(cells) and cells[hi].kind == "col" and cells[hi].col in FUNDS_ORDER:
                    hi += 1
                run = [x.col for x in cells[i:hi]]
                if hi - i >= 3 and {"budget", "executed"} & set(run):
                    if "funds" in seen or "indicators" in seen or not form:
                        form, seen = form + 1, set()
                    seen.add("funds")
                    caption = next((x for x in reversed(cells[max(0, i - 4):i])
                                    if x.kind == "funds_caption"), None)
                    i = self._funds(cells, hi, tuple(dict.fromkeys(run)), caption, form, doc_id, out)
                    continue
            i += 1
        return out

    def _header(self, cells: list[Cell], i: int) -> tuple[int, int]:
        def header(c):
            return c.kind == "col" or self.filler.fullmatch(c.key)
        lo = i
        while lo > 0 and header(cells[lo - 1]):
            lo -= 1
        hi = i + 1
        while hi < len(cells) and header(cells[hi]):
            hi += 1
        return lo, hi

    # -- the funds block ------------------------------------------------------------------
    def _funds(self, cells, i, cols, caption, form, doc_id, out: FormRead) -> int:
        unit = unit_of(self.p, caption.text) if caption else ""
        if caption and not unit:        # 项目资金 | (万元): the unit in a cell of its own
            after = cells.index(caption) + 1
            unit = unit_of(self.p, cells[after].text) if after < len(cells) else ""
        level1 = caption.text if caption else ""
        label, values, n = None, [], 0
        def flush():
            nonlocal n
            if label is None:
                return
            got = align_funds(values, cols)
            n += 1
            row_id = f"{short_hash(doc_id)}-f{form}-b{n}"
            fused = [c for c, cell in got.items() if cell.kind == "fused"]
            row = IndicatorRow(
                row_id=row_id, doc_id=doc_id, form=form, row_type="funds", level1=level1,
                level3=regex.sub(r"[:：]$", "", label.text),
                target=_text(got.get("budget")), actual=_text(got.get("executed")),
                target_value=cell_value(_text(got.get("budget"))) if "budget" not in fused else None,
                target_unit=unit, actual_unit=unit,
                actual_value=cell_value(_text(got.get("executed"))) if "executed" not in fused else None,
                initial_budget=_text(got.get("initial")), rate=_text(got.get("rate")),
                weight=_text(got.get("weight")), score=_text(got.get("score")),
                start=label.start, end=max([label.end, *(v.end for v in values)]),
                unreadable=",".join(fused) if fused or (values and not got) else "")
            out.rows.append(row)
            out.cells[row_id] = {"label": label, **got}
            out.units[row_id] = unit
        while i < len(cells):
            c = cells[i]
            if c.kind == "funds_label":
                flush()
                label, values = c, []
            elif label is not None and (c.kind in ("num", "pct", "placeholder", "fused")
                                        or self.amount.fullmatch(c.key)):
                values.append(c if c.kind != "val" else replace(c, kind="num"))
            elif c.kind != "noise" and not (caption and c.key == caption.key):   # a merged caption repeated
                break
            i += 1
        flush()
        return i

    # -- the indicator table --------------------------------------------------------------
    def _block(self, level2: str) -> str:
        for rx, name in self.blocks:
            if rx.search(level2):
                return name
        return ""

    def _indicators(self, cells, i, cols, form, doc_id, out: FormRead, lead: int = 0) -> int:
        level1 = level2 = ""
        run: list[Cell] = []
        count = [0]

        def flush():
            for name, got in split_rows(run, cols, lead):
                count[0] += 1
                own = [got.pop(k) for k in ("lead1", "lead2") if k in got]
                l1, l2 = ((own[0].text, own[1].text) if len(own) == 2 else
                          (level1, own[0].text) if own else (level1, level2))
                self._indicator_row(name, got, l1, l2, form, count[0], doc_id, out)
                if "reason" in cols:
                    out.reasoned.add(out.rows[-1].row_id)
            run.clear()

        last = None
        while i < len(cells):
            c = cells[i]
            if c.kind == "noise":
                i += 1
                continue
            if c.kind in ("l1", "l2", "weight_only"):
                flush()
                if c.kind == "l1" and last != "l1":
                    level1, level2 = regex.sub(r"[（(].*", "", c.text), ""
                elif c.kind == "l2" or c.kind == "l1":    # 满意度指标 under 满意度指标: its 二级
                    level2 = c.text
                    block = self._block(c.key)
                    if block and self._block(level1 + "指标") != block and level1 != block:
                        level1 = block
                last = c.kind
                i += 1
                continue
            last = c.kind
            if c.kind == "total":
                flush()
                nums = []
                j = i + 1
                while j < len(cells) and cells[j].kind in ("num", "placeholder") and len(nums) < 2:
                    if cells[j].kind == "num":
                        nums.append(cells[j])
                    j += 1
                if len(nums) == 2:
                    out.totals.append(Total(form, nums[0], nums[1]))
                elif nums:
                    is_sum = c.key.startswith("合计")
                    out.totals.append(Total(form, nums[0] if is_sum else None, None if is_sum else nums[0]))
                return j
            if (c.kind == "col" and c.col in ("level3", "initial", "budget", "executed")) or \
                    (c.kind == "text" and self.end.fullmatch(c.key)) or c.kind == "funds_caption":
                break
            run.append(c if c.kind != "col" else replace(c, kind="text", col=""))   # 预算执行率 as a name
            i += 1
        flush()
        return i

    def _indicator_row(self, name: Cell, got: dict[str, Cell], level1, level2, form, n, doc_id,
                       out: FormRead) -> None:
        row_id = f"{short_hash(doc_id)}-f{form}-r{n}"
        target = _target(got)
        comparator, target_value, target_unit = self._parse(target)
        actual = _text(got.get("actual"))
        _, actual_value, actual_unit = self._parse(actual)
        fused = [c for c, cell in got.items() if cell.kind == "fused"]
        if fused:
            target_value = actual_value = None
        if actual_value is not None and not actual_unit:
            actual_unit = target_unit
        row = IndicatorRow(
            row_id=row_id, doc_id=doc_id, form=form, row_type="indicator", level1=level1,
            level2=level2, level3=name.text, target=target, comparator=comparator,
            target_value=target_value, target_unit=target_unit, actual=actual,
            actual_value=actual_value, actual_unit=actual_unit, weight=_text(got.get("weight")),
            score=_text(got.get("score")), reason=_text(got.get("reason")),
            met=_met(comparator, target_value, target_unit, actual_value, actual_unit),
            start=name.start, end=max([name.end, *(c.end for c in got.values())]),
            unreadable=",".join(fused))
        out.rows.append(row)
        out.cells[row_id] = {"name": name, **got}

    def _parse(self, written: str) -> tuple[str, Decimal | None, str]:
        """`≧95%` -> ('≥', 95, '%'); a text target gives ('', None, '')."""
        key = normalise(written)
        comparator = ""
        m = self.comparator.match(key)
        if m:
            comparator = _COMPARATORS[m.lastgroup]
            key = key[m.end():]
        num = NUMBER.match(key)
        if not num:
            return comparator, None, ""
        unit = key[num.end():].strip()
        if len(unit) > 6 or regex.search(r"\d", unit):
            return comparator, None, ""
        return comparator, Decimal(num.group().replace(",", "")), unit


def _met(comparator: str, target: Decimal | None, target_unit: str, actual: Decimal | None,
         actual_unit: str) -> str:
    if target is None or actual is None or (target_unit != actual_unit):
        return "unknown"
    if not comparator:      # no comparator written: only an equal actual is known to meet it
        return "yes" if actual == target else "unknown"
    ok = {"≥": actual >= target, "≤": actual <= target, ">": actual > target, "<": actual < target,
          "=": actual == target}[comparator]
    return "yes" if ok else "no"
