"""Atomic files: every output is written to a temporary file beside its target and renamed
over it, so a reader never sees half a table, and a failed write leaves the old one."""
from __future__ import annotations

import csv
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Mapping

from ..core.rows import cell, grid_rows
from ..core.model import Grid


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# A temporary file is created readable by its owner alone; the output it becomes gets the mode
# any new file of this process would (0644 under the usual umask), whichever library wrote it.
_MODE = 0o666 & ~_umask()


@contextmanager
def atomic(path: Path, encoding: str | None = "utf-8", *, binary: bool = False):
    """A file handle whose content replaces `path` only when the block completes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if binary:
            with os.fdopen(fd, "wb") as fh:
                yield fh
        else:
            with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
                yield fh
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_path(path: Path):
    """A temporary path beside `path` for a library that writes files itself (openpyxl,
    pyarrow); renamed over `path` when the block completes."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, _MODE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv(path: Path, columns: tuple[str, ...], rows: Iterable[Mapping]) -> int:
    """Write rows atomically, UTF-8 with BOM so Excel and WPS read the Chinese; returns the count."""
    n = 0
    with atomic(path, "utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for row in rows:
            w.writerow([cell(row.get(c), c) for c in columns])
            n += 1
    return n


def write_grid(path: Path, grid: Grid) -> None:
    """A table as it was drawn, row by row (its header is its first row), formula-safe."""
    with atomic(path, "utf-8-sig") as fh:
        csv.writer(fh).writerows(grid_rows(grid))


def write_text(path: Path, text: str) -> None:
    """Write a text file atomically (UTF-8, no BOM: offsets index it character by character)."""
    with atomic(path) as fh:
        fh.write(text)
