"""Which files of the inputs are reports, and their doc_ids: paths relative to the folder given.
Output folders are never inputs: the run's own OUTDIR and any folder holding an earlier run's
state (`.jixiao/`) are skipped, so `jixiao run . -o outputs` does not read its outputs back."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..core.names import shown
from ..ingest import ADVICE, FORMATS, IMAGES
from .plan import STATE

# Files that are reports in a format we cannot read: listed as errors, not ignored.
# A scanned page kept as an image is a report too, unread.
KNOWN_REPORT_SUFFIXES = {*ADVICE, ".wpt", *IMAGES}


@dataclass
class Discovery:
    files: list[tuple[Path, str]] = field(default_factory=list)   # (path, doc_id)
    ignored: int = 0
    skipped_folders: list[Path] = field(default_factory=list)    # output folders among the inputs


def discover(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike | None = None) -> Discovery:
    """Files to process with their doc_ids: paths relative to the folder given, `/`-separated,
    as text (`core.names.shown`: a GBK name is shown in Chinese, the file opened by its bytes).

    In folders, files of other kinds (gold JSON, README) are ignored, and so are `outdir` and
    every folder holding jixiao's state folder (an output folder of an earlier run); a file or
    folder named on the command line is always read. Symbolic links to folders are not followed.
    """
    found = Discovery()
    seen: set[str] = set()
    out = os.path.realpath(outdir) if outdir is not None else None

    def output_folder(path: Path) -> bool:
        if (path / STATE).is_dir() or (out is not None and os.path.realpath(path) == out):
            found.skipped_folders.append(path)
            return True
        return False

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
                dirs[:] = sorted(d for d in dirs
                                 if not d.startswith(".") and not output_folder(Path(root) / d))
                for name in sorted(files):
                    path = Path(root) / name
                    suffix = path.suffix.lower()
                    if name.startswith(".") or (suffix not in FORMATS and suffix not in KNOWN_REPORT_SUFFIXES):
                        found.ignored += 1
                        continue
                    add(path, shown(path.relative_to(item).as_posix()), shown(item.name))
        else:
            add(item, shown(item.name), shown(item.parent.name))
    return found
