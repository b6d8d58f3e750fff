"""One document to its `Analysis`: figures, checks, metadata, panel row and tables.

`find_figures(text)` is pure: text in, frozen figures out. `analyse(document)` adds the
document's id, pages and sections, and everything else the pipeline learns from it.
`process(path)` is what a batch runs per input: a bad document becomes an error `Report`,
never an exception.
"""
from __future__ import annotations

import logging
import os
import time
import traceback
from dataclasses import dataclass, replace
from pathlib import Path

from .analyse.context import annotate
from .core.names import shown
from .analyse.figures import Recognizer
from .analyse.form_figures import form_figures
from .analyse.forms import FormReader
from .analyse.metadata import read_metadata
from .analyse.panel import panel, with_canonical
from .analyse.segment import tokenizer
from .analyse.structure import Layout
from .analyse.tables import annotate_tables
from .checks import identity, run_checks
from .core import rows
from .core.errors import InputError, NotAReport
from .core.model import Analysis, Document, Figure, Grid
from .core.patterns import Patterns, load_patterns
from .ingest import FORMATS, Ocr, read_document

log = logging.getLogger(__name__)


def _figures(text: str, patterns: Patterns, strict: bool = False,
             doc: Document | None = None) -> tuple[list[Figure], Layout]:
    recognizer = Recognizer(patterns, text, strict)
    layout = Layout(text, patterns)
    found = recognizer.figures()
    found = annotate(found, text, recognizer.scan, layout, patterns, tokenizer(patterns))
    found = annotate_tables(found, text, recognizer.scan, layout, patterns)
    if doc is None:
        return [replace(f, section=layout.section_at(f.start)) for f in found], layout
    out = []
    for f in found:
        page = doc.page_of(f.start)
        ocr = page is not None and page in doc.ocr_confidence
        confidence = doc.glyphs.confidence(f.start, f.end) if ocr and doc.glyphs else None
        if ocr and confidence is None:
            confidence = doc.ocr_confidence[page]      # no box of its own: the page's mean
        out.append(replace(f, section=layout.section_at(f.start), doc_id=doc.doc_id, page=page,
                           confidence=confidence, source_method="ocr" if ocr else "text",
                           bbox=doc.glyphs.rects(f.start, f.end) if doc.glyphs else ()))
    return out, layout


def find_figures(text: str, patterns: Patterns | None = None, *, strict: bool = False) -> list[Figure]:
    """Every figure of `text`, in order, each with its span, value, unit, indicator and role."""
    return _figures(text, patterns or load_patterns(), strict)[0]


def grids(doc: Document, layout: Layout) -> tuple[Grid, ...]:
    """Each table of a document as rows of cell texts, named p<page>-t<n> (t<n> for text)."""
    out, on_page = [], {}
    for table in layout.tables:
        page = doc.page_of(table.rows[0].start)
        on_page[page] = on_page.get(page, 0) + 1
        name = f"p{page}-t{on_page[page]}" if page else f"t{table.index}"
        out.append(Grid(name, tuple(tuple(c.text.strip() for c in row.cells) for row in table.rows)))
    return tuple(out)


def analyse(doc: Document, patterns: Patterns | None = None, *, strict: bool = False) -> Analysis:
    """Everything the pipeline learns from one document."""
    patterns = patterns or load_patterns()
    figures, layout = _figures(doc.text, patterns, strict, doc)
    form = FormReader(patterns).read(doc.text, doc.doc_id)
    figures, indicators, forms = form_figures(form, doc.text, figures, patterns, doc.doc_id)
    indicators = tuple(replace(r, page=doc.page_of(r.start)) for r in indicators)
    figures = with_canonical(patterns, figures)
    metadata = read_metadata(doc.text, layout, patterns)
    report = identity.report_id(metadata, doc.text)
    checks = run_checks(doc.doc_id, doc.text, figures, layout, metadata.year, patterns, report, forms)
    row, sources = panel(patterns, doc.doc_id, doc.text, figures, metadata)
    return Analysis(doc, tuple(figures), tuple(checks), metadata, row, tuple(sources), grids(doc, layout),
                    report, indicators)


@dataclass(frozen=True)
class Report:
    """One input file as processed: its status, and its analysis when it could be read."""

    doc_id: str
    source: str
    format: str
    status: str                    # ok | error | skipped
    error: str = ""
    analysis: Analysis | None = None
    seconds: float = 0.0

    @property
    def document(self) -> Document | None:
        return self.analysis.document if self.analysis else None

    @property
    def figures(self):
        """The figures as a pandas DataFrame with the columns of figures.csv."""
        import pandas as pd

        figures = self.analysis.figures if self.analysis else ()
        return pd.DataFrame([rows.figure_row(f) for f in figures], columns=list(rows.FIGURE_COLUMNS))

    def tables(self) -> dict[str, list[dict]]:
        """This document's rows of every output table (rows.TABLES)."""
        return rows.tables(self)


def error_report(path: str | os.PathLike, doc_id: str, message: str, seconds: float = 0.0,
                 status: str = "error") -> Report:
    suffix = Path(path).suffix.lower()
    return Report(doc_id=doc_id, source=shown(path), format=FORMATS.get(suffix, suffix.lstrip(".")),
                  status=status, error=message, seconds=seconds)


def process(path: Path, doc_id: str, patterns: Patterns, *, strict: bool = False,
            max_bytes: int = 200 * 1024 * 1024, ocr: Ocr | str = "rapidocr") -> Report:
    """Read and analyse one file; a bad document becomes an error report, never an exception."""
    t0 = time.perf_counter()
    try:
        doc = read_document(path, doc_id, max_bytes=max_bytes, ocr=ocr, timeout=None, patterns=patterns)
        analysis = analyse(doc, patterns, strict=strict)
    except InputError as e:
        return error_report(path, doc_id, str(e), time.perf_counter() - t0,
                            status="skipped" if isinstance(e, NotAReport) else "error")
    except MemoryError:     # not the document's fault alone: the batch records it
        raise
    except Exception as e:  # a bug: record it for this document, keep the batch going
        if strict:
            raise
        log.error("internal error on %s:\n%s", path, traceback.format_exc())
        return error_report(path, doc_id, f"internal error: {type(e).__name__}: {e}",
                            time.perf_counter() - t0)
    return Report(doc_id, str(path), doc.format, "ok", analysis=analysis, seconds=time.perf_counter() - t0)


def read_report(path: str | os.PathLike, patterns: Patterns | None = None) -> Report:
    """The Python API for one file: `read_report('a.txt').figures` is a DataFrame."""
    path = Path(path)
    return process(path, path.name, patterns or load_patterns())
