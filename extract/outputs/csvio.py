"""The one CSV reader, and CSV slices: how the batch writes a table from many documents.

A table is written as one header and then each document's slice (`csv_body`), so the batch
copies slices instead of parsing rows. `read_rows` reads any table back with the formula
guard undone, for the review, the evaluation and the tests.
"""
from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Iterable, Iterator, Mapping

from ..core.errors import JixiaoError
from ..core.rows import NUMERIC_COLUMNS, cell, unsafe_text

# A cell may be as long as the longest sentence a report holds (a figure row carries it): the
# csv module's default limit (128 KB) would make a table jixiao wrote unreadable to itself.
csv.field_size_limit((1 << 31) - 1)


def read_rows(path: Path, *, require: tuple[str, ...] | None = None) -> list[dict]:
    """A table of an output folder as dicts, text cells as they were before the formula guard.

    A table that is not there has no rows; with `require` (the columns the caller needs) a
    missing, unreadable or short table is a JixiaoError naming the file."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            lacking = [c for c in require or () if c not in (reader.fieldnames or ())]
    except FileNotFoundError as e:
        if require is None:
            return []
        raise JixiaoError(f"{path}: cannot read: {e.strerror or e}") from e
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise JixiaoError(f"{path}: cannot read: {e}") from e
    if lacking:
        raise JixiaoError(f"{path}: lacks column(s) {', '.join(lacking)}")
    return [{k: v if k in NUMERIC_COLUMNS or not isinstance(v, str) else unsafe_text(v)
             for k, v in r.items()} for r in rows]


def iter_rows(path: Path) -> Iterator[dict]:
    """A table's rows one at a time, as `read_rows` gives them (for tables too long to hold)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for r in csv.DictReader(fh):
                yield {k: v if k in NUMERIC_COLUMNS or not isinstance(v, str) else unsafe_text(v)
                       for k, v in r.items()}
    except FileNotFoundError:
        return
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise JixiaoError(f"{path}: cannot read: {e}") from e


def slice_rows(columns: tuple[str, ...], body: str) -> list[dict]:
    """The rows of a table's slice (`csv_body`'s output) as `read_rows` gives them."""
    rows = csv.reader(io.StringIO(body, newline=""))
    return [{c: v if c in NUMERIC_COLUMNS else unsafe_text(v) for c, v in zip(columns, r)} for r in rows]


def csv_body(columns: tuple[str, ...], rows: Iterable[Mapping]) -> str:
    """Rows as files.write_csv writes them, without its BOM and header: a table's slice."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow([cell(row.get(c), c) for c in columns])
    return buf.getvalue()


def column_kinds(columns: tuple[str, ...], rows: Iterable[Mapping]) -> dict[str, list[str]]:
    """The Python types seen in each column (blank cells aside), for the Parquet schema."""
    seen: dict[str, set[str]] = {}
    for row in rows:
        for c in columns:
            v = row.get(c)
            if v is None or v == "":
                continue
            kind = ("bool" if isinstance(v, bool) else "int" if isinstance(v, int) else
                    "float" if isinstance(v, float) else "decimal" if isinstance(v, Decimal) else "str")
            seen.setdefault(c, set()).add(kind)
    return {c: sorted(k) for c, k in seen.items()}
