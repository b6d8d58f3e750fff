"""The parent's last step: every table written from the shards (and the failures) in discovery
order, with the checks across documents added, so the output does not depend on the number of
workers, on Dask, or on how many runs it took."""
from __future__ import annotations

import itertools
import sys
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Mapping

from ..checks import across_years
from ..core import rows
from ..outputs.csvio import column_kinds, csv_body
from ..outputs.parquet import write_table
from .copies import Copies, counted, figure_rows
from .plan import Item
from .shards import ACROSS, outcome, read_meta, read_shard, shard_path


@lru_cache(maxsize=None)
def _row_type(columns: tuple[str, ...]):
    """A read-only row that is a tuple in memory (a third of a dict's size) but reads like
    one: row["doc_id"], row.get("lo"). Keeps the parent small on archives of millions."""
    index = {c: i for i, c in enumerate(columns)}

    class Row(tuple):
        __slots__ = ()

        def __getitem__(self, key):
            return tuple.__getitem__(self, index[key] if isinstance(key, str) else key)

        def get(self, key, default=None):
            i = index.get(key)
            return default if i is None or i >= len(self) else tuple.__getitem__(self, i)

    return Row


def _intern(v):
    """One copy of the short strings that repeat down a column (doc_id, unit, basis …)."""
    return sys.intern(v) if isinstance(v, str) and len(v) <= 64 else v


def across_reports(tables: Mapping[str, list], found: list = ()) -> dict[str, list[dict]]:
    """Rows that need more than one document (checks across years; `found`: the copies'
    findings), from the batch's documents and panel-source rows only (a few per report), so it
    scales to archives; a flag found in several renderings of one report is kept once, and the
    documents' flag counts are updated in place."""
    sources = (rows.source_from_row(r) for r in tables.get("panel_sources", []))
    results = across_years(tables.get("documents", []), sources) + list(found)
    flags, seen = [], set()
    for c in results:
        if c.status == "fail" and c.check_id not in seen:
            seen.add(c.check_id)
            flags.append(c)
    counted({d["doc_id"]: d for d in tables.get("documents", [])}, flags)
    return {"checks": [rows.check_row(c) for c in results], "flags": [rows.flag_row(c) for c in flags]}


def merge(outdir: Path, items: list[Item], fresh: set[int], failed: dict[int, dict], summary) -> None:
    """Write every table from the shards (and the failures), in discovery order."""
    kinds: dict[str, dict[str, set]] = {name: {} for name in rows.TABLES}
    small: dict[str, list] = {name: [] for name in ACROSS}

    def note_kinds(name: str, table_kinds: Mapping) -> None:
        for c, k in table_kinds.items():
            kinds.setdefault(name, {}).setdefault(c, set()).update(k)

    for item in items:                       # pass 1: summaries, Parquet types, the small tables
        meta = failed[item.index]["meta"] if item.index in failed else read_meta(outdir, item.key)
        summary.add(outcome(item.index, meta, resumed=item.index not in fresh))
        for name, table_kinds in meta["kinds"].items():
            note_kinds(name, table_kinds)
        for name, table in small.items():
            columns = rows.TABLES[name]
            if name == "documents":          # across_reports updates its flag counts
                table.extend({c: _intern(v) for c, v in zip(columns, r)} for r in meta["rows"].get(name, ()))
            else:
                make = _row_type(columns)
                table.extend(make(_intern(v) for v in r) for r in meta["rows"].get(name, ()))
    by_doc = {item.doc_id: item for item in items if item.index not in failed}
    copies = Copies(small["documents"], lambda doc_id: figure_rows(   # renderings of one report
        read_shard(shard_path(outdir, by_doc[doc_id].key), ("figures",))["figures"]))
    extra = across_reports(small, copies.found)  # documents' and panel rows only, never all figures
    summary.flags.update(row.get("severity", "") for row in extra.get("flags", ()))
    for name, table in extra.items():
        note_kinds(name, column_kinds(rows.TABLES.get(name, ()), table))

    def slices(name: str) -> Iterator[str]:
        for item in items:
            if item.index in failed:
                yield failed[item.index]["csv"].get(name, "")
            else:
                body = read_shard(shard_path(outdir, item.key), (name,))[name]
                yield copies.flags(item.doc_id, body) if name == "flags" else body

    for name, columns in rows.TABLES.items():
        chunks = [csv_body(columns, small[name])] if name in small else slices(name)
        tail = [csv_body(columns, extra[name])] if extra.get(name) else []
        write_table(outdir, name, itertools.chain(chunks, tail), kinds.get(name, {}))
    summary.flags.subtract(copies.dropped)   # the summary counts flags as flags.csv shows them
