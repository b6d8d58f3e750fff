"""From a text or a file to its figures; from input paths to a batch of reports.

`find_figures(text)` is pure: text in, frozen figures out. `analyse(document)` adds the
document's id, pages and sections. `run(inputs, outdir)` walks the inputs, keeps going
past bad documents, and writes the tables of spec/figures.md.
"""
from __future__ import annotations

import logging
import os
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from . import output
from .context import annotate
from .errors import InputError
from .figures import Recognizer
from .ingest import FORMATS, read_document
from .checks import run_checks
from .metadata import read_metadata
from .panel import across_years, panel, with_canonical
from .model import CheckResult, Document, Figure
from .patterns import Patterns, load_patterns
from .segment import tokenizer
from .structure import Layout
from .tables import annotate_tables

log = logging.getLogger(__name__)

# Files that are reports in a format we cannot read: listed as errors, not ignored.
KNOWN_REPORT_SUFFIXES = {".doc", ".wps", ".rtf", ".odt", ".wpt", ".ofd", ".xls", ".xlsx", ".et"}


def _figures(text: str, patterns: Patterns, strict: bool = False,
             doc: Document | None = None) -> tuple[list[Figure], Layout]:
    recognizer = Recognizer(patterns, text, strict)
    layout = Layout(text)
    found = recognizer.figures()
    found = annotate(found, text, recognizer.scan, layout, patterns, tokenizer(patterns))
    found = annotate_tables(found, text, recognizer.scan, layout, patterns)
    if doc is None:
        return [replace(f, section=layout.section_at(f.start)) for f in found], layout
    out = []
    for f in found:
        page = doc.page_of(f.start)
        confidence = doc.ocr_confidence.get(page) if page is not None else None
        out.append(replace(f, section=layout.section_at(f.start), doc_id=doc.doc_id, page=page,
                           confidence=confidence, source_method="text" if confidence is None else "ocr"))
    return out, layout


def find_figures(text: str, patterns: Patterns | None = None, *, strict: bool = False) -> list[Figure]:
    """Every figure of `text`, in order, each with its span, value, unit, indicator and role."""
    return _figures(text, patterns or load_patterns(), strict)[0]


def analyse(doc: Document, patterns: Patterns | None = None, *,
            strict: bool = False) -> tuple[list[Figure], list[CheckResult]]:
    """The figures of a document, with its id and each figure's page, and its checks."""
    return analyse_all(doc, patterns, strict=strict)[:2]


def analyse_all(doc: Document, patterns: Patterns | None = None, *, strict: bool = False):
    """(figures, checks, metadata, panel row, panel sources, tables) of one document."""
    patterns = patterns or load_patterns()
    figures, layout = _figures(doc.text, patterns, strict, doc)
    figures = with_canonical(patterns, figures)
    metadata = read_metadata(doc.text, layout)
    checks = run_checks(doc.doc_id, doc.text, figures, layout, metadata.year)
    meta = metadata.row()
    row, sources = panel(patterns, doc.doc_id, doc.text, figures, meta)
    return figures, checks, meta, row, sources, grids(doc, layout)


@dataclass(frozen=True)
class Report:
    """One input file as processed: its document (None when unreadable) and figures."""

    doc_id: str
    source: str
    format: str
    status: str                    # ok | error | skipped
    error: str = ""
    document: Document | None = None
    items: tuple[Figure, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    metadata: dict = field(default_factory=dict)
    panel: dict = field(default_factory=dict)
    panel_sources: tuple[dict, ...] = ()
    grids: tuple = ()               # the document's tables: (name, rows of cell texts)
    seconds: float = 0.0

    @property
    def flags(self) -> tuple[CheckResult, ...]:
        return tuple(c for c in self.checks if c.status == "fail")

    @property
    def figures(self) -> pd.DataFrame:
        """The figures as a table with the columns of figures.csv."""
        return pd.DataFrame([output.figure_row(f) for f in self.items], columns=list(output.FIGURE_COLUMNS))

    def tables(self) -> dict[str, list[dict]]:
        """This document's rows of every output table (output.TABLES)."""
        return {"figures": [output.figure_row(f) for f in self.items],
                "checks": [output.check_row(c) for c in self.checks],
                "flags": [output.flag_row(c) for c in self.flags],
                "panel": [self.panel] if self.panel else [],
                "panel_sources": list(self.panel_sources),
                "documents": [self.row()]}

    def row(self) -> dict:
        doc = self.document
        return {"doc_id": self.doc_id, "source": self.source, "format": self.format,
                "status": self.status, "error": self.error,
                "chars": len(doc.text) if doc else "", "pages": (doc.pages or "") if doc else "",
                "figures": len(self.items) if self.status == "ok" else "",
                "flags": len(self.flags) if self.status == "ok" else "",
                "seconds": f"{self.seconds:.3f}", "encoding": doc.encoding if doc else "",
                **{k: self.metadata.get(k, "") for k in ("unit", "year", "report_type", "project", "grade")}}


def process(path: Path, doc_id: str, patterns: Patterns, *, strict: bool = False,
            max_bytes: int = 200 * 1024 * 1024, ocr: str = "rapidocr") -> Report:
    """Read and analyse one file; a bad document becomes an error report, never an exception."""
    t0 = time.perf_counter()
    fmt = FORMATS.get(path.suffix.lower(), path.suffix.lower().lstrip("."))
    try:
        doc = read_document(path, doc_id, max_bytes=max_bytes, ocr=ocr, timeout=None)
        figures, checks, meta, row, sources, tables = analyse_all(doc, patterns, strict=strict)
    except InputError as e:
        return Report(doc_id, str(path), fmt, "error", str(e), seconds=time.perf_counter() - t0)
    except MemoryError:     # not the document's fault alone: the batch records it and retries later
        raise
    except Exception as e:  # a bug: record it for this document, keep the batch going
        if strict:
            raise
        log.error("internal error on %s:\n%s", path, traceback.format_exc())
        return Report(doc_id, str(path), fmt, "error", f"internal error: {type(e).__name__}: {e}",
                      seconds=time.perf_counter() - t0)
    return Report(doc_id, str(path), doc.format, "ok", document=doc, items=tuple(figures),
                  checks=tuple(checks), metadata=meta, panel=row, panel_sources=tuple(sources), grids=tables,
                  seconds=time.perf_counter() - t0)


def read_report(path: str | os.PathLike, patterns: Patterns | None = None) -> Report:
    """The Python API for one file: `read_report('a.txt').figures` is a DataFrame."""
    path = Path(path)
    return process(path, path.name, patterns or load_patterns())


# -- batches ----------------------------------------------------------------------------
@dataclass
class Discovery:
    files: list[tuple[Path, str]] = field(default_factory=list)   # (path, doc_id)
    ignored: int = 0


def discover(inputs: Iterable[str | os.PathLike]) -> Discovery:
    """Files to process with their doc_ids: paths relative to the folder given, `/`-separated.

    In folders, files of other kinds (gold JSON, README) are ignored; a file named on the
    command line is always processed. Symbolic links to folders are not followed.
    """
    found = Discovery()
    seen: set[str] = set()

    def add(path: Path, doc_id: str, prefix: str):
        if doc_id in seen:
            doc_id = f"{prefix}/{doc_id}"
        base, n = doc_id, 2
        while doc_id in seen:
            doc_id, n = f"{base}~{n}", n + 1
        seen.add(doc_id)
        found.files.append((path, doc_id))

    for item in inputs:
        item = Path(item)
        if item.is_dir():
            for root, dirs, files in os.walk(item, followlinks=False):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    path = Path(root) / name
                    suffix = path.suffix.lower()
                    if name.startswith(".") or (suffix not in FORMATS and suffix not in KNOWN_REPORT_SUFFIXES):
                        found.ignored += 1
                        continue
                    add(path, path.relative_to(item).as_posix(), item.name)
        else:
            add(item, item.name, item.parent.name)
    return found


def _text_path(outdir: Path, doc_id: str) -> Path:
    """text/<doc_id>.txt, refusing any id that would leave the output folder."""
    return inside(outdir, "text", f"{doc_id}.txt")


def inside(outdir: Path, folder: str, relative: str) -> Path:
    """OUTDIR/folder/relative, refusing a path that would leave OUTDIR/folder."""
    root = (Path(outdir) / folder).resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise InputError(f"{relative!r} would write outside the output folder")
    return target


def grids(doc: Document, layout: Layout) -> tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]:
    """Each table of a document as rows of cell texts, named p<page>-t<n> (t<n> for text)."""
    out, on_page = [], {}
    for table in layout.tables:
        page = doc.page_of(table.rows[0].start)
        on_page[page] = on_page.get(page, 0) + 1
        name = f"p{page}-t{on_page[page]}" if page else f"t{table.index}"
        out.append((name, tuple(tuple(c.text.strip() for c in row.cells) for row in table.rows)))
    return tuple(out)


def run(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, *,
        patterns: Patterns | None = None, strict: bool = False,
        max_bytes: int = 200 * 1024 * 1024, progress=None, workers: int = 1,
        timeout: float | None = None, max_memory: int | None = None, resume: bool = False,
        dask: str | None = None, processor: Callable[..., Report] | None = None,
        ocr: str = "rapidocr") -> list[Report]:
    """Process every input and write the tables (CSV and Parquet) and text/ to `outdir`.

    Returns each input's Report in discovery order. `workers` > 1 runs documents in worker
    processes (with `timeout` seconds and `max_memory` MB each); `dask` is "local" or a
    scheduler address. Every document is read again unless `resume`: then documents done by an
    earlier run into `outdir` come back without their text and figures (status and error only).
    `jixiao run` resumes by default; see extract/batch.py. Workers are spawned processes, so a
    script that calls run(workers=2) needs the usual `if __name__ == "__main__":` guard.
    """
    from .batch import run_batch

    summary = run_batch(inputs, outdir, patterns=patterns.folder if patterns else None,
                        workers=workers, force=not resume, dask=dask, progress=progress,
                        strict=strict, max_bytes=max_bytes, timeout=timeout, max_memory=max_memory,
                        collect=True, processor=processor, ocr=ocr)
    return summary.reports


def across_reports(tables: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """Rows that need more than one document (checks across years), from the batch's rows.

    Reads only the documents and panel-source rows (a few per report), so it scales to archives.
    """
    results = across_years(tables.get("documents", []), tables.get("panel_sources", []))
    flags = [c for c in results if c.status == "fail"]
    counts: dict[str, int] = {}
    for c in flags:
        counts[c.doc_id] = counts.get(c.doc_id, 0) + 1
    for d in tables.get("documents", []):
        if d["doc_id"] in counts and str(d.get("flags", "")).isdigit():
            d["flags"] = int(d["flags"]) + counts[d["doc_id"]]
    return {"checks": [output.check_row(c) for c in results], "flags": [output.flag_row(c) for c in flags]}


def write_tables(outdir: Path, tables: dict[str, Iterable[dict]],
                 kinds: dict[str, dict[str, Iterable[str]]] | None = None) -> None:
    """Every output table as CSV and Parquet, each written atomically; documents last, as the index.

    Batches stream their tables from the documents' results instead (batch.write_table); this
    is for rows held in memory. `kinds` (batch.column_kinds) types the Parquet columns.
    """
    from .batch import column_kinds, csv_body, write_table

    for name, columns in output.TABLES.items():
        rows = list(tables.get(name, ()))
        write_table(Path(outdir), name, [csv_body(columns, rows)],
                    (kinds or {}).get(name) or column_kinds(columns, rows))
