"""Scoring the panel: metadata fields equal to the gold `document`, cells within rounding of
the gold `panel`, cells filled where the gold is empty."""
from __future__ import annotations

from decimal import Decimal

from .gold import gold_value_base, locate

_METADATA = ("unit", "year", "report_type", "project", "grade")
_PANEL_DIVISOR = {"money": Decimal(10000)}


def _gold_cell(gold: dict, text: str, cell) -> Decimal | None:
    """A gold panel cell's value in panel units: a located figure, or a derived value."""
    if isinstance(cell, dict):
        return Decimal(str(cell["value"]))
    surface, nth = cell
    fig = next((f for f in gold["figures"] if f["surface"] == surface and f["nth"] == nth), None)
    if fig is None or locate(text, surface, nth) is None:
        return None
    return gold_value_base(fig) / _PANEL_DIVISOR.get(fig["kind"], Decimal(1))


def score_panel(gold: dict, text: str, row: dict | None) -> dict:
    """Metadata fields equal; panel cells within rounding of the gold; cells the gold leaves empty."""
    row = row or {}
    meta = {k: str(row.get(k) or "") == str((gold.get("document") or {}).get(k) or "") for k in _METADATA}
    cells, extra = {}, []
    expected = gold.get("panel") or {}
    for column, cell in expected.items():
        want, got = _gold_cell(gold, text, cell), (row.get(column) or "").strip()
        if want is None or not got:
            cells[column] = False
            continue
        half = Decimal(5) * Decimal(10) ** (min(want.as_tuple().exponent, 0) - 1)
        cells[column] = abs(Decimal(got) - want) <= half
    for column, value in row.items():
        if column not in expected and column not in _METADATA and column != "doc_id" and (value or "").strip():
            extra.append(column)
    return {"metadata": meta, "cells": cells, "extra": extra,
            "right": sum(cells.values()), "gold": len(cells)}


def panel_totals(scored: list[dict]) -> dict:
    if not scored:
        return {"assessed": False}
    right, gold = sum(s["right"] for s in scored), sum(s["gold"] for s in scored)
    meta = [v for s in scored for v in s["metadata"].values()]
    by_column: dict[str, list[bool]] = {}
    for s in scored:
        for column, ok in s["cells"].items():
            by_column.setdefault(column, []).append(ok)
    return {"assessed": True, "cells_right": right, "cells_gold": gold,
            "cell_accuracy": round(right / gold, 4) if gold else None,
            "extra_cells": sum(len(s["extra"]) for s in scored),
            "metadata_accuracy": round(sum(meta) / len(meta), 4) if meta else None,
            "columns": {c: round(sum(v) / len(v), 4) for c, v in sorted(by_column.items())}}
