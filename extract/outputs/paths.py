"""The one path guard: every file a run writes for a document stays inside the output folder."""
from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

from ..core.errors import InputError

_NAME_BYTES = 240    # a file system holds names of 255 bytes; room is left for a suffix


def inside(outdir: Path, folder: str, relative: str) -> Path:
    """OUTDIR/folder/relative, refusing a path that would leave OUTDIR/folder (InputError)."""
    root = (Path(outdir) / folder).resolve()
    target = (root / relative).resolve()
    if root not in target.parents:
        raise InputError(f"{relative!r} would write outside the output folder")
    return target


def _fit(name: str) -> str:
    """A name component the file system can hold: a longer one (80 Chinese characters and a
    suffix pass 255 bytes) is cut and marked with a hash of the whole, so it stays distinct."""
    if len(name.encode("utf-8")) <= _NAME_BYTES:
        return name
    mark = "~" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:10]
    cut = name
    while len((cut + mark).encode("utf-8")) > _NAME_BYTES:
        cut = cut[:-1]
    return cut + mark


def _stored(doc_id: str, suffix: str) -> str:
    """doc_id's path under an output folder, the file named `<name><suffix>`. A folder of the
    inputs whose name ends in the suffix (`x.txt.txt/` beside `x.txt`) is stored as
    `x.txt.txt~d/`, so a document's file and another's folder never take one name."""
    *folders, name = PurePosixPath(doc_id).parts or ("",)
    folders = [_fit(f + "~d" if suffix and f.endswith(suffix) else f) for f in folders]
    return "/".join([*folders, _fit(name + suffix)])


def text_path(outdir: Path, doc_id: str) -> Path:
    """OUTDIR/text/<doc_id>.txt: the text a document's offsets index (see `_stored`)."""
    return inside(outdir, "text", _stored(doc_id, ".txt"))


def grid_path(outdir: Path, doc_id: str, name: str) -> Path:
    """OUTDIR/tables/<doc_id>/<name>.csv: one table of a document as drawn."""
    return inside(outdir, "tables", _stored(doc_id, "") + f"/{name}.csv")
