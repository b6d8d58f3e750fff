"""Local workers: spawned processes of our own, each loading the patterns and jieba once, so a
document that hangs can be killed and its worker replaced; or, with one worker, this process
with a time limit.

A document that hangs, crashes its worker or runs out of memory becomes one `error` row and is
not stored: the next run tries it again. Ctrl-C or a killed run loses only the documents in
flight.
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import wait
from typing import Callable

from ..analyse.segment import tokenizer
from ..core.errors import JixiaoError
from ..core.patterns import load_patterns
from ..ingest import count_pages
from .plan import Item, Settings, time_limit
from .shards import document, failure as failed_payload, store

log = logging.getLogger(__name__)


class _Timeout(BaseException):
    """Raised by the in-process alarm; a BaseException so process() does not record it as a bug."""


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
            conn.send(("pages", count_pages(item.path)))  # the parent's time limit grows with them
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
    started: float = 0.0
    limit: float | None = None
    deadline: float | None = None
    ready: bool = False


def _crash_message(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"worker crashed: killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            pass
    return f"worker crashed: exit code {exitcode}"


def pool(items: list[Item], settings: Settings, workers: int,
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
                        s.started, s.limit = now, time_limit(settings, 0)
                        s.deadline = now + s.limit if s.limit else None
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
                    if kind == "pages":
                        s.limit = time_limit(settings, body[0])
                        s.deadline = s.started + s.limit if s.limit else None
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
                    failure = f"timeout after {s.limit:g} s"
                elif failure is None:
                    failure = _crash_message(s.process.exitcode)
                    if not s.ready:
                        raise JixiaoError(f"a worker could not start: {failure}")
                if s.item is not None:
                    item, s.item = s.item, None
                    left -= 1
                    data, report = failed_payload(item, failure)
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


def in_process(items: list[Item], settings: Settings,
                done: Callable[..., None]) -> None:
    """`--workers 1`: here, one after the other; a time limit but no memory guard."""
    for item in items:
        limit = time_limit(settings, count_pages(item.path))
        try:
            with _alarm(limit):
                data, report = document(item, settings)
            store(settings.outdir, data)
            done(item, data["meta"], report if settings.collect else None)
        except _Timeout:
            data, report = failed_payload(item, f"timeout after {limit:g} s")
            done(item, data["meta"], report if settings.collect else None, data)
        except MemoryError:
            data, report = failed_payload(item, "out of memory")
            done(item, data["meta"], report if settings.collect else None, data)
