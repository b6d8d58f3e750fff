"""Gold annotations (docs/figures.md, "Gold annotations"): loaded, checked, and located.

Gold figures are found by `surface` + `nth`, not by offsets, so one gold file scores every
rendering of a report (.txt, .pdf, a GBK copy), each on its own text.
"""
from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path, PurePosixPath

from ..core.errors import GoldError

Span = tuple[int, int]
# Only for gold files without value_base; every corpus file states it.
_PREFIX_FACTORS = (("亿", Decimal(10) ** 8), ("万", Decimal(10) ** 4))
_UNIT_FACTORS = {"公里": Decimal(1000), "千米": Decimal(1000)}
_FIGURE_KEYS = ("surface", "nth", "value", "kind")
_CELL_TYPES = (str, int, float, type(None))

def load_gold(gold_dir) -> dict[str, dict]:
    """NAME -> parsed gold, from `gold_dir/*.json` or `gold_dir/gold/*.json`; malformed -> GoldError."""
    root = Path(gold_dir)
    folder = root / "gold" if (root / "gold").is_dir() else root
    files = sorted(folder.glob("*.json")) if folder.is_dir() else []
    if not files:
        raise GoldError(f"{root}: no gold *.json files (looked in {folder})")
    gold = {}
    for path in files:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise GoldError(f"{path}: not valid JSON: {e}") from e
        _check_gold(path, data)
        gold[path.stem] = data
    return gold


def _check_gold(path: Path, data) -> None:
    """Fail early, naming file and item: a silently skipped gold figure would inflate precision."""
    if not isinstance(data, dict) or not isinstance(data.get("figures"), list):
        raise GoldError(f"{path}: no 'figures' list")
    for i, fig in enumerate(data["figures"]):
        where = f"{path}: figures[{i}]"
        missing = [k for k in _FIGURE_KEYS if k not in fig] if isinstance(fig, dict) else ["all keys"]
        if missing:
            raise GoldError(f"{where}: lacks {', '.join(missing)}")
        _check_ref(where, [fig["surface"], fig["nth"]])
        try:
            gold_value_base(fig)
        except (InvalidOperation, TypeError, ValueError) as e:
            raise GoldError(f"{where}: value/value_base is not a number") from e
    flags = data.get("flags", [])
    for i, flag in enumerate(flags if isinstance(flags, list) else [None]):
        where = f"{path}: flags[{i}]"
        if not isinstance(flag, dict) or not isinstance(flag.get("check"), str) \
                or not isinstance(flag.get("figures", []), list):
            raise GoldError(f"{where}: needs a 'check' and a 'figures' list")
        for ref in flag.get("figures", []):
            _check_ref(where, ref)
    spans = data.get("skip_spans", [])
    for i, ref in enumerate(spans if isinstance(spans, list) else [None]):
        _check_ref(f"{path}: skip_spans[{i}]", ref)
    _check_rows(path, data.get("indicator_rows", []))


def _check_rows(path: Path, rows) -> None:
    """indicator_rows: dicts with a row_type funds|indicator and a level3; cells text, a number or null."""
    for i, row in enumerate(rows if isinstance(rows, list) else [None]):
        ok = isinstance(row, dict) and row.get("row_type") in ("funds", "indicator") \
            and isinstance(row.get("level3"), str) \
            and all(isinstance(row.get(c), _CELL_TYPES) and not isinstance(row.get(c), bool)
                    for c in ("target", "actual", "weight", "score"))
        if not ok:
            raise GoldError(f"{path}: indicator_rows[{i}]: needs row_type funds|indicator, a level3, "
                            "and text, number or null cells")


def _check_ref(where: str, ref) -> None:
    ok = isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], str) and ref[0] \
        and isinstance(ref[1], int) and not isinstance(ref[1], bool) and ref[1] >= 1
    if not ok:
        raise GoldError(f"{where}: {ref!r} is not [surface, nth] with a non-empty surface and nth >= 1")


def gold_value_base(fig: dict) -> Decimal:
    """The gold `value_base`, else value x the factor its unit implies (万…, 亿…, 公里)."""
    if fig.get("value_base") not in (None, ""):
        return Decimal(str(fig["value_base"]))
    value, unit = Decimal(str(fig["value"])), str(fig.get("unit", ""))
    for prefix, factor in _PREFIX_FACTORS:
        if unit.startswith(prefix) and unit != prefix:
            return value * factor
    return value * _UNIT_FACTORS.get(unit, 1)


def locate(text: str, surface: str, nth: int) -> Span | None:
    """[start, end) of the nth (1-based) raw occurrence of `surface`, overlapping ones counted.

    Raw means inside longer numbers too ("0万元" in "1000万元"): that is how the gold counts.
    """
    if not surface or nth < 1:
        return None
    at = -1
    for _ in range(nth):
        at = text.find(surface, at + 1)
        if at < 0:
            return None
    return at, at + len(surface)


def doc_name(doc_id: str) -> str:
    """The gold NAME of a rendering: basename cut at the first '.' (sub/x-2023.gbk.txt -> x-2023)."""
    return PurePosixPath(doc_id).name.split(".", 1)[0]
