"""How the benchmarks time things on a shared, noisy machine: the sides (subject and
baselines) take turns on every item, in an order that rotates each round, so all of them see
the same load; each round gives one ratio, and the ratios are summarised by their median and
their spread (lowest and highest), with the load average beside them."""
from __future__ import annotations

import os
import resource
import statistics
import time
from typing import Callable, Iterable


def wall() -> float:
    return time.perf_counter()


def cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract runs as one)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def alternate(items: Iterable, sides: dict[str, Callable], rounds: int,
              clock: Callable[[], float] = wall) -> dict[str, list[float]]:
    """Seconds each side took per round, over all items; on every item all sides run, one
    after the other, their order rotated from round to round."""
    items = list(items)
    names = list(sides)
    totals = {name: [0.0] * rounds for name in names}
    for r in range(rounds):
        order = names[r % len(names):] + names[:r % len(names)]
        for item in items:
            for name in order:
                t = clock()
                sides[name](item)
                totals[name][r] += clock() - t
    return totals


def ratios(a: list[float], b: list[float]) -> list[float]:
    """a / b, round by round."""
    return [x / y for x, y in zip(a, b)]


def spread(values: list[float], digits: int = 2) -> str:
    """`median (lowest–highest, n rounds)`."""
    f = f"{{:.{digits}f}}"
    return (f"{f.format(statistics.median(values))} ({f.format(min(values))}–"
            f"{f.format(max(values))}, {len(values)} rounds)")


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"
