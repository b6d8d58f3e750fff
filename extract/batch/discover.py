"""Which files of the inputs are reports, and their doc_ids: paths relative to the folder given."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..ingest import FORMATS

# Files that are reports in a format we cannot read: listed as errors, not ignored.
KNOWN_REPORT_SUFFIXES = {".doc", ".wps", ".rtf", ".odt", ".wpt", ".ofd", ".xls", ".xlsx", ".et"}


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
