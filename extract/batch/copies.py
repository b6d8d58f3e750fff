"""Renderings and copies of one report in a batch (documents with the same report_id): each
copy's row says which document it is a copy of (`duplicate_of`), its flags already shown for
that document are dropped from flags.csv (a reviewer decides each once), and a copy whose
figures differ is a finding (checks/copies.py). Only the documents of reports held more
than once are read again, so it scales with the copies, not with the archive."""
from __future__ import annotations

import csv
import io
from typing import Callable, Mapping

from ..checks.copies import copy_mismatch, first_copies, is_copy
from ..core import rows
from ..core.model import CheckResult
from ..outputs.csvio import slice_rows


class Copies:
    """The copies of a batch, from its documents' rows (which it updates in place)."""

    def __init__(self, documents: list[dict], figures_of: Callable[[str], list[dict]]):
        """`figures_of(doc_id)`: a document's figure rows (read for copies only)."""
        self.documents = {d["doc_id"]: d for d in documents}
        cache: dict[str, list[dict]] = {}

        def figs(doc_id: str) -> list[dict]:
            if doc_id not in cache:
                cache[doc_id] = figures_of(doc_id)
            return cache[doc_id]

        self.first = {d: f for d, f in first_copies(documents).items() if is_copy(figs(d), figs(f))}
        for doc_id, first in self.first.items():
            self.documents[doc_id]["duplicate_of"] = first
        self.originals = set(self.first.values())
        self.found = [copy_mismatch(self.documents[d], self.documents[f], figs(d), figs(f))
                      for d, f in self.first.items()]                 # copy_mismatch per copy
        self._shown: dict[str, set[str]] = {}          # a first document's flag ids
        self.dropped: list[str] = []                   # severities of the flags not shown again

    def flags(self, doc_id: str, body: str) -> str:
        """A document's slice of flags.csv without the flags its first document shows."""
        if doc_id not in self.originals and doc_id not in self.first:
            return body
        table = list(csv.reader(io.StringIO(body, newline="")))
        if doc_id in self.originals:
            self._shown[doc_id] = {r[0] for r in table if r}
            return body
        shown = self._shown.get(self.first[doc_id], set())
        keep = [r for r in table if r and r[0] not in shown]
        if len(keep) == len(table):
            return body
        severity = rows.FLAG_COLUMNS.index("severity")
        self.dropped += [r[severity] for r in table if r and r[0] in shown]
        d = self.documents[doc_id]
        if str(d.get("flags", "")).isdigit():
            d["flags"] = int(d["flags"]) - (len(table) - len(keep))
        buf = io.StringIO(newline="")
        csv.writer(buf).writerows(keep)
        return buf.getvalue()


def figure_rows(body: str) -> list[dict]:
    return slice_rows(rows.FIGURE_COLUMNS, body)


def counted(documents: Mapping[str, dict], results: list[CheckResult]) -> None:
    """Add failed findings to their documents' flag counts."""
    for c in results:
        d = documents.get(c.doc_id)
        if c.status == "fail" and d is not None and str(d.get("flags", "")).isdigit():
            d["flags"] = int(d["flags"]) + 1
