"""A batch's plan: what a worker needs (Settings), one Item per input keyed by its doc_id,
path, content hash and the pipeline's version, and the manifest that lets a re-run skip what
an earlier run did."""
from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..core import rows
from ..core.errors import JixiaoError
from ..ingest import not_a_file
from ..ingest.ocr import PAGE_TIMEOUT
from ..outputs.files import write_text

STATE = ".jixiao"                     # OUTDIR/.jixiao: manifest.json, docs/<key>.json, lock


@dataclass(frozen=True)
class Settings:
    """What a worker needs to process a document; picklable, sent once per worker."""

    outdir: str
    patterns: str                                     # the patterns folder
    strict: bool = False
    max_bytes: int = 200 * 1024 * 1024
    ocr: str = "rapidocr"                             # the OCR engine for pages without text
    timeout: float | None = 120.0                     # seconds per document; None: no limit
    # OCR: seconds a scanned page may take (over it the page is left unread; a document's
    # limit grows by this for each page), and the engine's threads (cores // workers)
    page_timeout: float | None = PAGE_TIMEOUT
    ocr_threads: int = 1
    max_memory: int | None = 2048                     # MB a document may add to a loaded worker
    collect: bool = False                             # send each Report back (the Python API)
    processor: Callable | None = None                 # per-document function; default process()
    jieba_level: int = logging.WARNING


def time_limit(settings: Settings, pages: int) -> float | None:
    """Seconds a document of `pages` pages may take: the per-document limit, and the page
    budget once more for every page (a long scan needs more than a short one)."""
    if not settings.timeout:
        return None
    return settings.timeout + pages * (settings.page_timeout or 0)


@dataclass(frozen=True)
class Item:
    """One input file of the plan, in discovery order."""

    index: int
    path: str
    doc_id: str
    sha256: str
    size: int
    mtime_ns: int
    key: str


def pipeline_version(patterns: str | os.PathLike, max_bytes: int, ocr: str = "rapidocr") -> str:
    """The package version plus a hash of its code, the patterns and the table columns."""
    from ..core.version import __version__

    h = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")) + sorted(Path(patterns).glob("*.yaml")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(repr(sorted(rows.TABLES.items())).encode() + f"{max_bytes}|{ocr}".encode())
    return f"{__version__}+{h.hexdigest()[:12]}"


def _sha256(path: Path) -> tuple[str, int, int]:
    """The content hash of a regular file; a pipe or a device (a link to /dev/zero) is never
    opened here — its reading fails with the reason, in its own row."""
    try:
        st = path.stat()
        if not_a_file(st):
            return "unreadable:not-a-file", st.st_size, st.st_mtime_ns
        h = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest(), st.st_size, st.st_mtime_ns
    except OSError as e:                       # the document's row will say why
        return f"unreadable:{type(e).__name__}", -1, -1


def plan(files: list[tuple[Path, str]], version: str, known: dict) -> list[Item]:
    """Key every file; `known` (from the last manifest) saves hashing files that did not change."""
    items = []
    for index, (path, doc_id) in enumerate(files):
        source = str(path)
        prev = known.get(source)
        try:
            st = path.stat()
            same = prev and prev["size"] == st.st_size and prev["mtime_ns"] == st.st_mtime_ns
        except OSError:
            same = False
        digest, size, mtime = (prev["sha256"], prev["size"], prev["mtime_ns"]) if same else _sha256(path)
        key = hashlib.sha256("\0".join((doc_id, source, digest, version)).encode("utf-8", "surrogateescape")
                             ).hexdigest()[:32]
        items.append(Item(index, source, doc_id, digest, size, mtime, key))
    return items


def _unwritable(outdir: Path, e: OSError) -> JixiaoError:
    return JixiaoError(f"输出文件夹 {outdir} 无法写入：{e.strerror or e}（OUTDIR cannot be written: "
                       f"nothing was read or changed, the earlier outputs are as they were）")


def _probe(folder: Path) -> None:
    """Write and remove a file in `folder`: a read-only folder or file system (even for root,
    whom permissions do not stop) shows here, before any document is read."""
    fd, tmp = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=folder)
    os.close(fd)
    os.unlink(tmp)


@contextmanager
def lock(outdir: Path):
    """One run at a time per output folder, and one that can be written."""
    state = outdir / STATE
    try:
        state.mkdir(parents=True, exist_ok=True)
        fh = open(state / "lock", "w")
    except OSError as e:
        raise _unwritable(outdir, e) from e
    with fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:
            pass
        except BlockingIOError as e:
            raise JixiaoError(f"another jixiao run is writing to {outdir}") from e
        try:
            _probe(outdir)
            _probe(state)
        except OSError as e:
            raise _unwritable(outdir, e) from e
        yield


def read_manifest(outdir: Path) -> dict:
    """source path -> what the last run recorded of it (size, mtime, hash)."""
    try:
        data = json.loads((outdir / STATE / "manifest.json").read_text(encoding="utf-8"))
        return {d["source"]: d for d in data["documents"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def write_manifest(outdir: Path, version: str, items: list[Item], status: dict[str, str]) -> None:
    """The manifest of this run; shards of files no longer planned are removed."""
    docs = [{"doc_id": i.doc_id, "source": i.path, "sha256": i.sha256, "size": i.size,
             "mtime_ns": i.mtime_ns, "key": i.key, "status": status.get(i.doc_id, "ok")} for i in items]
    write_text(outdir / STATE / "manifest.json",
               json.dumps({"version": version, "documents": docs}, indent=0))
    keep = {f"{i.key}.json" for i in items}
    for shard in (outdir / STATE / "docs").glob("*.json"):
        if shard.name not in keep:             # a changed file's or an older version's result
            shard.unlink(missing_ok=True)
