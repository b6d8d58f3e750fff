"""Whole archives: documents in parallel, resumable, isolated; on local processes or on Dask.

A batch is planned in the parent (`plan.py`): every input gets a key from its doc_id, path,
content hash and the pipeline version. A document whose shard `OUTDIR/.jixiao/docs/<key>.json`
exists was done by an earlier run and is not read again. The others go to workers
(`workers.py`, `cluster.py`); each stores its result as a shard (`shards.py`). When every
document is done, the tables are written from the shards in discovery order (`merge.py`).
"""
from __future__ import annotations

import logging
import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable, Protocol

from ..core import rows
from ..core.names import shown
from ..core.patterns import Patterns, load_patterns, patterns_dir
from ..ingest.ocr import threads_for
from ..pipeline import Report
from .cluster import run_on_dask
from .discover import discover
from .merge import merge
from .plan import STATE, Item, Settings, lock, pipeline_version, plan, read_manifest, write_manifest
from .shards import Outcome, outcome, read_meta, shard_path, store
from .workers import in_process, pool

log = logging.getLogger(__name__)

__all__ = ["STATE", "Progress", "Summary", "pipeline_version", "run", "run_batch"]


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


def run_batch(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, *,
              patterns: str | os.PathLike | None = None, workers: int = 1, force: bool = False,
              dask: str | None = None, progress: Progress | None = None, retry_failed: bool = False,
              **options) -> Summary:
    """Process every input not done yet, then write all tables; see the module docstring.

    `options` are the fields of Settings (strict, max_bytes, timeout, max_memory, collect,
    processor). `dask` is "local" or a scheduler address (tcp://host:8786). A document that
    hung, crashed or ran out of memory is recorded and not tried again by a re-run unless
    `retry_failed` (or `force`). With more than one worker even a single document is read in a
    worker process, under the memory guard and the time limit, never in this one.
    """
    t0 = time.perf_counter()
    outdir = Path(outdir)
    folder = str(patterns_dir(patterns))
    load_patterns(folder)                      # a PatternError here, before any document
    settings = Settings(outdir=str(outdir), patterns=folder,
                        jieba_level=logging.getLogger("jieba").getEffectiveLevel(), **options)
    found = discover(inputs, outdir)
    if found.ignored:
        log.info("ignored %d files that are not reports", found.ignored)
    for folder_skipped in found.skipped_folders:
        log.info("skipped %s: an output folder of jixiao, not reports", folder_skipped)
    summary = Summary(reports=[None] * len(found.files) if settings.collect else None)
    with lock(outdir):
        version = pipeline_version(folder, settings.max_bytes, settings.ocr)
        items = plan(found.files, version, {} if force else read_manifest(outdir))
        todo = [i for i in items if force or not shard_path(outdir, i.key).is_file()
                or (retry_failed and read_meta(outdir, i.key).get("failure"))]
        log.info("planned %d documents, %d to do, in %.1f s", len(items), len(todo), time.perf_counter() - t0)
        failed: dict[int, dict] = {}

        def done(item: Item, meta: dict, report: Report | None, failure: dict | None = None) -> None:
            if failure is not None:
                failed[item.index] = failure
                store(outdir, failure)
            if summary.reports is not None:
                summary.reports[item.index] = report
            if progress:
                progress.advance(outcome(item.index, meta))

        if "ocr_threads" not in options:   # the cores shared among the processes of this run
            settings = replace(settings, ocr_threads=_ocr_threads(dask, workers, len(todo)))
        if progress:
            progress.start(len(todo), len(items) - len(todo))
        try:
            if dask:
                run_on_dask(todo, settings, dask, workers, done)
            elif workers > 1 and todo:
                pool(todo, settings, workers, done)
            else:
                in_process(todo, settings, done)
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
        merge(outdir, items, fresh, failed, summary)
        write_manifest(outdir, version, items, {o.doc_id: o.status for o in summary.problems})
        log.info("wrote the tables in %.1f s", time.perf_counter() - t1)
    summary.seconds = time.perf_counter() - t0
    return summary


def _ocr_threads(dask: str | None, workers: int, todo: int) -> int:
    """OCR threads per process: this machine's cores over the processes reading at once
    (one on a remote Dask cluster, whose workers run one thread each)."""
    if dask and dask != "local":
        return 1
    return threads_for(min(workers, todo) if dask or (workers > 1 and todo) else 1)


def _resumed_report(outdir: Path, item: Item) -> Report:
    """A document done by an earlier run: its status, without its text or figures."""
    meta = read_meta(outdir, item.key)
    documents = meta["rows"].get("documents") or [[]]
    row = dict(zip(rows.TABLES["documents"], documents[0]))
    return Report(doc_id=item.doc_id, source=shown(item.path), format=row.get("format", ""),
                  status=meta["status"], error=meta["error"])


def run(inputs: Iterable[str | os.PathLike], outdir: str | os.PathLike, *,
        patterns: Patterns | None = None, strict: bool = False,
        max_bytes: int = 200 * 1024 * 1024, progress=None, workers: int = 1,
        timeout: float | None = None, max_memory: int | None = None, resume: bool = False,
        dask: str | None = None, processor: Callable[..., Report] | None = None,
        ocr: str = "rapidocr") -> list[Report]:
    """Process every input and write the tables (CSV and Parquet) and text/ to `outdir`.

    Returns each input's Report in discovery order. `workers` > 1 runs documents in worker
    processes (with `timeout` seconds and `max_memory` MB each); `dask` is "local" or a
    scheduler address. Every document is read again unless `resume`: then documents done by an
    earlier run into `outdir` come back without their text and figures (status and error only).
    `jixiao run` resumes by default. Workers are spawned processes, so a script that calls
    run(workers=2) needs the usual `if __name__ == "__main__":` guard.
    """
    summary = run_batch(inputs, outdir, patterns=patterns.folder if patterns else None,
                        workers=workers, force=not resume, dask=dask, progress=progress,
                        strict=strict, max_bytes=max_bytes, timeout=timeout, max_memory=max_memory,
                        collect=True, processor=processor, ocr=ocr)
    return summary.reports
