"""The one path guard: every file a run writes for a document stays inside the output folder."""
from __future__ import annotations

from pathlib import Path

from ..core.errors import InputError


def inside(outdir: Path, folder: str, relative: str) -> Path:
    """OUTDIR/folder/relative, refusing a path that would leave OUTDIR/folder (InputError)."""
    root = (Path(outdir) / folder).resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise InputError(f"{relative!r} would write outside the output folder")
    return target


def text_path(outdir: Path, doc_id: str) -> Path:
    """OUTDIR/text/<doc_id>.txt: the text a document's offsets index."""
    return inside(outdir, "text", f"{doc_id}.txt")


def grid_path(outdir: Path, doc_id: str, name: str) -> Path:
    """OUTDIR/tables/<doc_id>/<name>.csv: one table of a document as drawn."""
    return inside(outdir, "tables", f"{doc_id}/{name}.csv")
