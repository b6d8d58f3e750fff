"""Whole archives: documents in parallel, resumable, isolated; on local processes or on Dask.

A batch is planned in the parent: every input gets a key from its doc_id, path, content hash
and the pipeline version (package version, code, patterns, table columns). A document whose
shard `OUTDIR/.jixiao/docs/<key>.json` exists was done by an earlier run and is not read
again. The others go to workers; each worker loads the patterns and jieba once, then runs
`document()` per file and stores the result as a shard (written atomically). When every
document is done, the tables are written from the shards in discovery order, so the output
does not depend on the number of workers, on Dask, or on how many runs it took.

A document that hangs, crashes its worker or runs out of memory becomes one `error` row and
is not stored: the next run tries it again. Ctrl-C or a killed run loses only the documents
in flight.
"""
from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from multiprocessing.connection import wait
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Protocol

from . import output
from .errors import InputError, JixiaoError
from .ingest import FORMATS
from .patterns import load_patterns, patterns_dir
from .pipeline import Report, _text_path, across_reports, discover, inside, process
from .segment import tokenizer

log = logging.getLogger(__name__)

STATE = ".jixiao"                     # OUTDIR/.jixiao: manifest.json, docs/<key>.json, lock
ACROSS = ("documents", "panel_sources")   # the small tables (a few rows a document) across_reports reads


@dataclass(frozen=True)
class Settings:
    """What a worker needs to process a document; picklable, sent once per worker."""

    outdir: str
    patterns: str                                     # the patterns folder
    strict: bool = False
    max_bytes: int = 200 * 1024 * 1024
    ocr: str = "rapidocr"                             # the OCR engine for pages without text
    timeout: float | None = 120.0                     # seconds per document; None: no limit
    max_memory: int | None = 2048                     # MB a document may add to a loaded worker
    collect: bool = False                             # send each Report back (the Python API)
    processor: Callable[..., Report] | None = None    # per-document function; default process()
    jieba_level: int = logging.WARNING


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


@dataclass(frozen=True)
class Outcome:
    """What the parent keeps of a document: enough for progress and the summary."""

    index: int
    doc_id: str
    status: str
    error: str = ""
    figures: int = 0
    flags: tuple[tuple[str, int], ...] = ()           # (severity, count)
    resumed: bool = False


@dataclass
class Summary:
    documents: int = 0
    status: Counter = field(default_factory=Counter)
    figures: int = 0
    flags: Counter = field(default_factory=Counter)   # severity -> count
    resumed: int = 0
    seconds: float = 0.0
    problems: list[Outcome] = field(default_factory=list)
    reports: list[Report] | None = None

    def add(self, o: Outcome) -> None:
        self.documents += 1
        self.status[o.status] += 1
        self.figures += o.figures
        self.flags.update(dict(o.flags))
        self.resumed += o.resumed
        if o.status != "ok":
            self.problems.append(o)


class Progress(Protocol):
    def start(self, total: int, resumed: int) -> None: ...
    def advance(self, outcome: Outcome) -> None: ...
    def close(self) -> None: ...


class _Timeout(BaseException):
    """Raised by the in-process alarm; a BaseException so process() does not record it as a bug."""


# -- versions, keys, plan -------------------------------------------------------------------
def pipeline_version(patterns: str | os.PathLike, max_bytes: int, ocr: str = "rapidocr") -> str:
    """The package version plus a hash of its code, the patterns and the table columns."""
    from . import __version__

    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")) + sorted(Path(patterns).glob("*.yaml")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(repr(sorted(output.TABLES.items())).encode() + f"{max_bytes}|{ocr}".encode())
    return f"{__version__}+{h.hexdigest()[:12]}"


def _sha256(path: Path) -> tuple[str, int, int]:
    try:
        st = path.stat()
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
        key = hashlib.sha256("\0".join((doc_id, source, digest, version)).encode()).hexdigest()[:32]
        items.append(Item(index, source, doc_id, digest, size, mtime, key))
    return items


# -- one document ---------------------------------------------------------------------------
def error_report(path: str, doc_id: str, message: str, seconds: float = 0.0) -> Report:
    suffix = Path(path).suffix.lower()
    return Report(doc_id=doc_id, source=path, format=FORMATS.get(suffix, suffix.lstrip(".")),
                  status="error", error=message, seconds=seconds)


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


def csv_body(columns: tuple[str, ...], rows: Iterable[Mapping]) -> str:
    """Rows as output.write_csv writes them, without its BOM and header: a table's slice."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    for row in rows:
        writer.writerow([output._cell(row.get(c), c) for c in columns])
    return buf.getvalue()


def payload(report: Report, item: Item) -> dict:
    """A document's result: its summary (with its rows of the small tables), its slice of every
    other table as CSV, rendered here in the worker, and its text."""
    tables = {n: rows for n, rows in report.tables().items() if n in output.TABLES}
    flags = Counter(row.get("severity", "") for row in tables.get("flags", ()))
    meta = {"doc_id": item.doc_id, "key": item.key, "status": report.status, "error": report.error,
            "figures": len(tables.get("figures", ())), "flags": dict(flags),
            "kinds": {n: column_kinds(output.TABLES[n], rows) for n, rows in tables.items()},
            "rows": {n: [[row.get(c) for c in output.TABLES[n]] for row in rows]
                     for n, rows in tables.items() if n in ACROSS}}
    csv_text = {n: csv_body(output.TABLES[n], rows) for n, rows in tables.items() if n not in ACROSS}
    text = report.document.text if report.status == "ok" and report.document is not None else None
    return {"meta": meta, "csv": csv_text, "text": text, "grids": [[n, rows] for n, rows in report.grids]}


def document(item: Item, settings: Settings) -> tuple[dict, Report]:
    """The per-document function, the same on local workers and on Dask."""
    t0 = time.perf_counter()
    try:
        _text_path(Path(settings.outdir), item.doc_id)
    except InputError as e:
        report = error_report(item.path, item.doc_id, str(e), time.perf_counter() - t0)
        return payload(report, item), report
    patterns = load_patterns(settings.patterns)
    report = (settings.processor or process)(Path(item.path), item.doc_id, patterns,
                                             strict=settings.strict, max_bytes=settings.max_bytes,
                                             ocr=settings.ocr)
    return payload(report, item), report


def _shard_path(outdir: Path, key: str) -> Path:
    return Path(outdir) / STATE / "docs" / f"{key}.json"


def store(outdir: str | os.PathLike, data: dict) -> None:
    """Write the document's text, then its shard (the shard's presence means "done").

    A shard is one line of JSON, {section: [offset, bytes]}, then the sections: "meta" (JSON)
    and each table's CSV slice, so the tables are written later by copying, not parsing.
    """
    meta = data["meta"]
    if data["text"] is not None:
        output.write_text(_text_path(Path(outdir), meta["doc_id"]), data["text"])
    for name, rows in data.get("grids", ()):
        output.write_grid(inside(Path(outdir), "tables", f"{meta['doc_id']}/{name}.csv"), rows)
    sections = {"meta": json.dumps(meta, ensure_ascii=False, default=str), **data["csv"]}
    index, at = {}, 0
    for name, text in sections.items():
        size = len(text.encode("utf-8"))
        index[name] = [at, size]
        at += size
    with output.atomic(_shard_path(Path(outdir), meta["key"])) as fh:
        fh.write(json.dumps(index) + "\n")
        for text in sections.values():
            fh.write(text)


def read_shard(path: Path, sections: Iterable[str]) -> dict[str, str]:
    """The sections asked for ("meta", table names) of a shard; a table it lacks is empty."""
    out = {}
    with open(path, "rb") as fh:
        index = json.loads(fh.readline())
        base = fh.tell()
        for name in sections:
            if name in index:
                start, size = index[name]
                fh.seek(base + start)
                out[name] = fh.read(size).decode("utf-8")
            else:
                out[name] = ""
    return out


def _outcome(index: int, meta: dict, resumed: bool = False) -> Outcome:
    return Outcome(index, meta["doc_id"], meta["status"], meta["error"], meta["figures"],
                   tuple(sorted(meta["flags"].items())), resumed)


def _failure(item: Item, message: str) -> tuple[dict, Report]:
    report = error_report(item.path, item.doc_id, message)
    return payload(report, item), report


# -- local workers --------------------------------------------------------------------------
def _init(settings: Settings) -> None:
    """Load the patterns and jieba once; then cap the address space for the documents."""
    import jieba

    jieba.setLogLevel(settings.jieba_level)
    tokenizer(load_patterns(settings.patterns))
    if settings.max_memory:
        try:
            import resource

            with open("/proc/self/statm") as fh:
                baseline = int(fh.read().split()[0]) * resource.getpagesize()
        except (ImportError, OSError):
            log.warning("no memory guard on this system")
            return
        limit = baseline + settings.max_memory * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))


def _worker(conn, settings: Settings) -> None:
    """A worker process: one document at a time until the parent says stop or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)       # Ctrl-C is the parent's to handle
    try:
        _init(settings)
    except BaseException as e:
        conn.send(("init-failed", f"{type(e).__name__}: {e}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        if item is None:
            return
        leave = False
        try:
            data, report = document(item, settings)
            store(settings.outdir, data)
            message = ("done", data["meta"], report if settings.collect else None)
        except MemoryError:
            message, leave = ("failed", "out of memory"), True
        except BaseException as e:
            if settings.strict:
                message = ("raise", traceback.format_exc())
            else:
                message = ("failed", f"internal error: {type(e).__name__}: {e}")
                log.error("internal error on %s:\n%s", item.path, traceback.format_exc())
        try:
            conn.send(message)
        except (BrokenPipeError, OSError):
            return
        if leave:                                      # a fresh worker after a MemoryError
            return


@dataclass
class _Slot:
    process: multiprocessing.process.BaseProcess
    conn: object
    item: Item | None = None
    deadline: float | None = None
    ready: bool = False


def _crash_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"worker crashed: killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            pass
    return f"worker crashed: exit code {exitcode}"


def _pool(items: list[Item], settings: Settings, workers: int,
          done: Callable[..., None]) -> None:
    """Run items on `workers` processes of our own, so a hung one can be killed and replaced."""
    ctx = multiprocessing.get_context("spawn")

    def start() -> _Slot:
        parent, child = ctx.Pipe()
        p = ctx.Process(target=_worker, args=(child, settings), daemon=True, name="jixiao-worker")
        p.start()
        child.close()
        return _Slot(p, parent)

    def retire(slot: _Slot) -> None:
        slot.process.kill()
        slot.process.join(5)
        slot.conn.close()

    pending = iter(items)
    left = len(items)
    slots = [start() for _ in range(min(workers, len(items)))]
    try:
        while left:
            now = time.monotonic()
            for s in slots:
                if s.ready and s.item is None:
                    s.item = next(pending, None)
                    if s.item is not None:
                        s.conn.send(s.item)
                        s.deadline = now + settings.timeout if settings.timeout else None
            deadlines = [s.deadline for s in slots if s.item is not None and s.deadline]
            wait_for = max(0.0, min(deadlines) - now) if deadlines else None
            ready = set(wait([s.conn for s in slots] + [s.process.sentinel for s in slots], wait_for))
            for i, s in enumerate(slots):
                failure = None
                if s.conn in ready:
                    try:
                        kind, *body = s.conn.recv()
                    except (EOFError, OSError):
                        s.process.join(1)
                        kind, body = "dead", []
                    if kind == "ready":
                        s.ready = True
                        continue
                    if kind == "init-failed":
                        raise JixiaoError(f"a worker could not start: {body[0]}")
                    if kind == "raise":
                        raise JixiaoError(f"internal error on {s.item.doc_id} (--strict):\n{body[0]}")
                    if kind == "done":
                        item, s.item = s.item, None
                        left -= 1
                        done(item, body[0], body[1])
                        if s.process.is_alive():
                            continue
                    elif kind == "failed":
                        failure = body[0]
                if failure is None and s.process.is_alive():
                    if s.item is None or not s.deadline or time.monotonic() < s.deadline:
                        continue
                    failure = f"timeout after {settings.timeout:g} s"
                elif failure is None:
                    failure = _crash_message(s.process.exitcode)
                    if not s.ready:
                        raise JixiaoError(f"a worker could not start: {failure}")
                if s.item is not None:
                    item, s.item = s.item, None
                    left -= 1
                    data, report = _failure(item, failure)
                    done(item, data["meta"], report if settings.collect else None, data)
                retire(s)
                slots[i] = start() if left else s
                log.info("replaced a worker: %s", failure)
    finally:
        for s in slots:
            try:
                s.conn.send(None)
            except (OSError, ValueError):
                pass
        for s in slots:
            s.process.join(2)
            if s.process.is_alive():
                s.process.kill()
                s.process.join()


@contextmanager
def _alarm(seconds: float | None):
    """A time limit in this process (main thread only): raises _Timeout."""
    if (not seconds or not hasattr(signal, "SIGALRM")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def fire(signum, frame):
        raise _Timeout

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _in_process(items: list[Item], settings: Settings,
                done: Callable[..., None]) -> None:
    """`--workers 1`: here, one after the other; a time limit but no memory guard."""
    for item in items:
        try:
            with _alarm(settings.timeout):
                data, report = document(item, settings)
            store(settings.outdir, data)
            done(item, data["meta"], report if settings.collect else None)
        except _Timeout:
            data, report = _failure(item, f"timeout after {settings.timeout:g} s")
            done(item, data["meta"], report if settings.collect else None, data)
        except MemoryError:
            data, report = _failure(item, "out of memory")
            done(item, data["meta"], report if settings.collect else None, data)


# -- Dask -----------------------------------------------------------------------------------
def dask_document(item: Item, settings: Settings) -> tuple[dict, Report | None]:
    """The per-document function as a Dask task: the result comes back to be stored here."""
    import jieba

    jieba.setLogLevel(settings.jieba_level)
    data, report = document(item, settings)
    return data, report if settings.collect else None


def _dask(items: list[Item], settings: Settings, address: str, workers: int,
          done: Callable[..., None]) -> None:
    """Submit a window of documents at a time; store each result as it comes back."""
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0")
        client = Client(cluster)
    else:
        client = Client(address)
    try:
        window = 4 * max(1, sum(client.nthreads().values()))
        pending = iter(items)
        futures = {}

        def submit():
            item = next(pending, None)
            if item is not None:
                f = client.submit(dask_document, item, settings, key=f"jixiao-{item.key}", pure=False)
                futures[f] = item
                return f
            return None

        stream = as_completed([f for f in (submit() for _ in range(window)) if f is not None])
        for future in stream:
            item = futures.pop(future)
            try:
                data, report = future.result()
            except Exception as e:          # a task that killed its workers (KilledWorker) …
                if settings.strict:
                    raise
                data, report = _failure(item, f"worker crashed: {type(e).__name__}: {e}")
                done(item, data["meta"], report if settings.collect else None, data)
            else:
                store(settings.outdir, data)
                done(item, data["meta"], report)
            nxt = submit()
            if nxt is not None:
                stream.add(nxt)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# -- writing the tables ---------------------------------------------------------------------
_UNGUARD = r"^'([=+\-@\t\r])"       # output.safe_text's apostrophe, in RE2 syntax


def _arrow_type(column: str, kinds: Iterable[str]):
    """int64, float64 or bool for a numeric column that only ever held those; else text."""
    import pyarrow as pa

    kinds = set(kinds)
    if column in output.NUMERIC_COLUMNS:
        if kinds == {"int"}:
            return pa.int64()
        if kinds and kinds <= {"int", "float"}:
            return pa.float64()
        if kinds == {"bool"}:
            return pa.bool_()
    return pa.string()      # text, decimals (exact, as written) and columns never filled


def write_parquet(csv_path: Path, columns: tuple[str, ...], kinds: dict[str, Iterable[str]]) -> Path:
    """`<table>.parquet` beside `<table>.csv`: the same rows, streamed, written atomically.

    Text cells lose the apostrophe that guards them against spreadsheet formulas in the CSV
    (output.unsafe_text); numbers are typed, decimals stay exact text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    types = {c: _arrow_type(c, kinds.get(c, ())) for c in columns}
    guarded = [i for i, c in enumerate(columns) if c not in output.NUMERIC_COLUMNS]
    reader = pacsv.open_csv(csv_path, read_options=pacsv.ReadOptions(block_size=1 << 18, use_threads=False),
                            parse_options=pacsv.ParseOptions(newlines_in_values=True),
                            convert_options=pacsv.ConvertOptions(column_types=types,
                                                                 strings_can_be_null=False))
    schema = pa.schema([(c, types[c]) for c in columns])
    target = csv_path.with_suffix(".parquet")
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with pq.ParquetWriter(tmp, schema) as writer:
            for batch in reader:
                arrays = list(batch.columns)
                for i in guarded:
                    arrays[i] = pc.replace_substring_regex(arrays[i], _UNGUARD, r"\1", max_replacements=1)
                writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
                pa.default_memory_pool().release_unused()     # flat memory, however long the table
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


@lru_cache(maxsize=None)
def _row_type(columns: tuple[str, ...]):
    """A read-only row that is a tuple in memory (a third of a dict's size) but reads like
    one: row["doc_id"], row.get("lo"). Keeps the parent small on archives of millions."""
    index = {c: i for i, c in enumerate(columns)}

    class Row(tuple):
        __slots__ = ()

        def __getitem__(self, key):
            return tuple.__getitem__(self, index[key] if isinstance(key, str) else key)

        def get(self, key, default=None):
            i = index.get(key)
            return default if i is None or i >= len(self) else tuple.__getitem__(self, i)

    return Row


def _intern(v):
    """One copy of the short strings that repeat down a column (doc_id, unit, basis …)."""
    return sys.intern(v) if isinstance(v, str) and len(v) <= 64 else v


def write_table(outdir: Path, name: str, chunks: Iterable[str], kinds: Mapping[str, Iterable[str]]) -> None:
    """`<name>.csv` from CSV slices (csv_body), atomically, as output.write_csv would write the
    rows; then `<name>.parquet` from it."""
    columns = output.TABLES[name]
    path = Path(outdir) / f"{name}.csv"
    with output.atomic(path, "utf-8-sig") as fh:
        csv.writer(fh).writerow(columns)
        for chunk in chunks:
            fh.write(chunk)
    write_parquet(path, columns, kinds)


def _merge(outdir: Path, items: list[Item], fresh: set[int], failed: dict[int, dict],
           summary: Summary) -> None:
    """Write every table from the shards (and the failures), in discovery order."""
    kinds: dict[str, dict[str, set]] = {name: {} for name in output.TABLES}
    small: dict[str, list[dict]] = {name: [] for name in ACROSS if name in output.TABLES}

    def note_kinds(name: str, table_kinds: Mapping) -> None:
        for c, k in table_kinds.items():
            kinds.setdefault(name, {}).setdefault(c, set()).update(k)

    for item in items:                       # pass 1: summaries, Parquet types, the small tables
        if item.index in failed:
            meta = failed[item.index]["meta"]
        else:
            meta = json.loads(read_shard(_shard_path(outdir, item.key), ("meta",))["meta"])
        summary.add(_outcome(item.index, meta, resumed=item.index not in fresh))
        for name, table_kinds in meta["kinds"].items():
            note_kinds(name, table_kinds)
        for name, rows in small.items():
            columns = output.TABLES[name]
            if name == "documents":          # across_reports updates its flag counts
                rows.extend({c: _intern(v) for c, v in zip(columns, r)} for r in meta["rows"].get(name, ()))
            else:
                make = _row_type(columns)
                rows.extend(make(_intern(v) for v in r) for r in meta["rows"].get(name, ()))
    extra = across_reports(small)            # documents' and panel rows only, never all figures
    summary.flags.update(row.get("severity", "") for row in extra.get("flags", ()))
    for name, rows in extra.items():
        note_kinds(name, column_kinds(output.TABLES.get(name, ()), rows))

    def slices(name: str) -> Iterator[str]:
        for item in items:
            if item.index in failed:
                yield failed[item.index]["csv"].get(name, "")
            else:
                yield read_shard(_shard_path(outdir, item.key), (name,))[name]

    for name, columns in output.TABLES.items():
        chunks = [csv_body(columns, small[name])] if name in small else slices(name)
        tail = [csv_body(columns, extra[name])] if extra.get(name) else []
        write_table(outdir, name, itertools.chain(chunks, tail), kinds.get(name, {}))


# -- the batch ------------------------------------------------------------------------------
@contextmanager
def _lock(outdir: Path):
    """One run at a time per output folder."""
    state = outdir / STATE
    state.mkdir(parents=True, exist_ok=True)
    with open(state / "lock", "w") as fh:
        try:
            import fcntl

            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except ImportError:
            pass
        except BlockingIOError as e:
            raise JixiaoError(f"another jixiao run is writing to {outdir}") from e
        yield


def _manifest(outdir: Path) -> dict:
    try:
        data = json.loads((outdir / STATE / "manifest.json").read_text(encoding="utf-8"))
        return {d["source"]: d for d in data["documents"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _write_manifest(outdir: Path, version: str, items: list[Item], summary: Summary) -> None:
    status = {o.doc_id: o.status for o in summary.problems}
    docs = [{"doc_id": i.doc_id, "source": i.path, "sha256": i.sha256, "size": i.size,
             "mtime_ns": i.mtime_ns, "key": i.key, "status": status.get(i.doc_id, "ok")} for i in items]
    output.write_text(outdir / STATE / "manifest.json",
                      json.dumps({"version": version, "documents": docs}, ensure_ascii=False, indent=0))
    keep = {f"{i.key}.json" for i in items}
    for shard in (outdir / STATE / "docs").glob("*.json"):
        if shard.name not in keep:             # a changed file's or an older version's result
            shard.unlink(missing_ok=True)


def run_batch(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, *,
              patterns: str | os.PathLike | None = None, workers: int = 1, force: bool = False,
              dask: str | None = None, progress: Progress | None = None, **options) -> Summary:
    """Process every input not done yet, then write all tables; see the module docstring.

    `options` are the fields of Settings (strict, max_bytes, timeout, max_memory, collect,
    processor). `dask` is "local" or a scheduler address (tcp://host:8786).
    """
    t0 = time.perf_counter()
    outdir = Path(outdir)
    folder = str(patterns_dir(patterns))
    load_patterns(folder)                      # a PatternError here, before any document
    settings = Settings(outdir=str(outdir), patterns=folder,
                        jieba_level=logging.getLogger("jieba").getEffectiveLevel(), **options)
    found = discover(inputs)
    if found.ignored:
        log.info("ignored %d files that are not reports", found.ignored)
    summary = Summary(reports=[None] * len(found.files) if settings.collect else None)
    with _lock(outdir):
        version = pipeline_version(folder, settings.max_bytes, settings.ocr)
        items = plan(found.files, version, {} if force else _manifest(outdir))
        todo = [i for i in items if force or not _shard_path(outdir, i.key).is_file()]
        log.info("planned %d documents, %d to do, in %.1f s", len(items), len(todo), time.perf_counter() - t0)
        failed: dict[int, dict] = {}

        def done(item: Item, meta: dict, report: Report | None, failure: dict | None = None) -> None:
            if failure is not None:
                failed[item.index] = failure
            if summary.reports is not None:
                summary.reports[item.index] = report
            if progress:
                progress.advance(_outcome(item.index, meta))

        if progress:
            progress.start(len(todo), len(items) - len(todo))
        try:
            if dask:
                _dask(todo, settings, dask, workers, done)
            elif workers > 1 and len(todo) > 1:
                _pool(todo, settings, workers, done)
            else:
                _in_process(todo, settings, done)
        finally:
            if progress:
                progress.close()
        fresh = {i.index for i in todo}
        if summary.reports is not None:
            for item in items:
                if item.index not in fresh:
                    summary.reports[item.index] = _resumed_report(outdir, item)
        t1 = time.perf_counter()
        log.info("processed %d documents in %.1f s", len(todo), t1 - t0)
        _merge(outdir, items, fresh, failed, summary)
        _write_manifest(outdir, version, items, summary)
        log.info("wrote the tables in %.1f s", time.perf_counter() - t1)
    summary.seconds = time.perf_counter() - t0
    return summary


def _resumed_report(outdir: Path, item: Item) -> Report:
    """A document done by an earlier run: its status, without its text or figures."""
    meta = json.loads(read_shard(_shard_path(outdir, item.key), ("meta",))["meta"])
    rows = meta["rows"].get("documents") or [[]]
    row = dict(zip(output.TABLES["documents"], rows[0]))
    return Report(doc_id=item.doc_id, source=item.path, format=row.get("format", ""),
                  status=meta["status"], error=meta["error"])
