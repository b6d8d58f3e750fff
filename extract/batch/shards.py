"""One document's result as a shard: `OUTDIR/.jixiao/docs/<key>.json`, written atomically by
the process that ran it. Its presence means "done"; the tables are later written by copying
each shard's CSV slices in discovery order, never by parsing rows."""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from ..core import rows
from ..core.errors import InputError
from ..core.names import encodable
from ..core.patterns import load_patterns
from ..ingest.ocr import Ocr
from ..outputs.csvio import column_kinds, csv_body
from ..outputs.files import atomic, write_grid, write_text
from ..outputs.paths import grid_path, text_path
from ..pipeline import Report, error_report, process
from .plan import STATE, Item, Settings

ACROSS = ("documents", "panel_sources")   # the small tables (a few rows a document) the merge reads


@dataclass(frozen=True)
class Outcome:
    """What the parent keeps of a document: enough for progress and the summary."""

    index: int
    doc_id: str
    status: str
    error: str = ""
    figures: int = 0
    flags: tuple[tuple[str, int], ...] = ()           # (severity, count)
    resumed: bool = False


def payload(report: Report, item: Item) -> dict:
    """A document's result: its summary (with its rows of the small tables), its slice of every
    other table as CSV, rendered here in the worker, and its text and drawn tables."""
    tables = report.tables()
    flags = Counter(row.get("severity", "") for row in tables.get("flags", ()))
    meta = {"doc_id": item.doc_id, "key": item.key, "status": report.status, "error": report.error,
            "figures": len(tables.get("figures", ())), "flags": dict(flags),
            "kinds": {n: column_kinds(rows.TABLES[n], table) for n, table in tables.items()},
            "rows": {n: [[row.get(c) for c in rows.TABLES[n]] for row in table]
                     for n, table in tables.items() if n in ACROSS}}
    csv_text = {n: csv_body(rows.TABLES[n], table) for n, table in tables.items() if n not in ACROSS}
    a = report.analysis
    text = a.document.text if report.status == "ok" and a is not None else None
    return {"meta": meta, "csv": csv_text, "text": text, "grids": list(a.grids) if a else []}


def document(item: Item, settings: Settings) -> tuple[dict, Report]:
    """The per-document function, the same on local workers and on Dask."""
    t0 = time.perf_counter()
    try:
        text_path(Path(settings.outdir), item.doc_id)
    except InputError as e:
        report = error_report(item.path, item.doc_id, str(e), time.perf_counter() - t0)
        return payload(report, item), report
    patterns = load_patterns(settings.patterns)
    report = (settings.processor or process)(Path(item.path), item.doc_id, patterns,
                                             strict=settings.strict, max_bytes=settings.max_bytes,
                                             ocr=Ocr(settings.ocr, settings.ocr_threads,
                                                     settings.page_timeout))
    return payload(report, item), report


def failure(item: Item, message: str) -> tuple[dict, Report]:
    """The payload of a document that hung, crashed or ran out of memory. It is stored like any
    result, marked `failure`, so a re-run does not spend the same time limit on the same file
    again; `jixiao run --retry-failed` (or `--force`) tries it once more."""
    report = error_report(item.path, item.doc_id, message)
    data = payload(report, item)
    data["meta"]["failure"] = True
    return data, report


def shard_path(outdir: Path, key: str) -> Path:
    return Path(outdir) / STATE / "docs" / f"{key}.json"


def store(outdir: str | os.PathLike, data: dict) -> None:
    """Write the document's text and tables, then its shard (the shard's presence means "done").

    A shard is one line of JSON, {section: [offset, bytes]}, then the sections: "meta" (JSON)
    and each table's CSV slice, so the tables are written later by copying, not parsing.
    """
    meta = data["meta"]
    if data["text"] is not None:
        write_text(text_path(Path(outdir), meta["doc_id"]), data["text"])
    for grid in data.get("grids", ()):
        write_grid(grid_path(Path(outdir), meta["doc_id"], grid.name), grid)
    head = json.dumps(meta, ensure_ascii=False, default=str)
    if not head.isascii() and not encodable(head):    # a file name that is not UTF-8: escaped, kept exact
        head = json.dumps(meta, default=str)
    sections = {"meta": head, **data["csv"]}
    index, at = {}, 0
    for name, text in sections.items():
        size = len(text.encode("utf-8"))
        index[name] = [at, size]
        at += size
    with atomic(shard_path(Path(outdir), meta["key"])) as fh:
        fh.write(json.dumps(index) + "\n")
        for text in sections.values():
            fh.write(text)


def read_shard(path: Path, sections: Iterable[str]) -> dict[str, str]:
    """The sections asked for ("meta", table names) of a shard; a table it lacks is empty."""
    out = {}
    with open(path, "rb") as fh:
        index = json.loads(fh.readline())
        base = fh.tell()
        for name in sections:
            if name in index:
                start, size = index[name]
                fh.seek(base + start)
                out[name] = fh.read(size).decode("utf-8")
            else:
                out[name] = ""
    return out


def read_meta(outdir: Path, key: str) -> dict:
    return json.loads(read_shard(shard_path(outdir, key), ("meta",))["meta"])


def outcome(index: int, meta: dict, resumed: bool = False) -> Outcome:
    return Outcome(index, meta["doc_id"], meta["status"], meta["error"], meta["figures"],
                   tuple(sorted(meta["flags"].items())), resumed)
