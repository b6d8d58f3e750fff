"""Text pipeline speed beside jieba.lcut on the same text, in one run.

Runs the whole text path (structure, recognizer, indicators, tables) over the corpus
reports, repeated until at least --mb of text, and jieba.lcut alone over the same text;
prints characters per second of each and their ratio (median of --repeat runs).
Usage: python benchmarks/text_speed.py [--mb 1] [--repeat 5] [CORPUS_DIR]
"""
from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from pathlib import Path

import jieba

from extract import find_figures, load_patterns
from extract.core.model import Document
from extract.pipeline import analyse
from extract.analyse.segment import tokenizer

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(ROOT / "corpora"))
    ap.add_argument("--mb", type=float, default=1.0, help="text to process per run (default 1 MB)")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()

    reports = [p.read_text(encoding="utf-8") for p in sorted(Path(args.corpus).glob("*.txt"))]
    docs, size = [], 0
    while size < args.mb * 1e6:
        docs.extend(reports)
        size += sum(len(r.encode("utf-8")) for r in reports)
    total = sum(len(d) for d in docs)
    size_mb = sum(len(d.encode("utf-8")) for d in docs) / 1e6

    patterns = load_patterns()
    tk = tokenizer(patterns)          # load jieba and the lexicon before timing
    jieba.initialize()
    find_figures(reports[0], patterns)

    def time_it(fn) -> float:
        t0 = time.perf_counter()
        for d in docs:
            fn(d)
        return time.perf_counter() - t0

    documents = {id(d): Document("bench.txt", "bench.txt", "txt", d) for d in docs}
    ours, base, checked = [], [], []
    for _ in range(args.repeat):      # interleaved, so all see the same machine load
        base.append(time_it(lambda d: jieba.lcut(d)))
        ours.append(time_it(lambda d: find_figures(d, patterns)))
        checked.append(time_it(lambda d: analyse(documents[id(d)], patterns)))
    tracemalloc.start()
    find_figures(max(reports, key=len), patterns)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    b, o = statistics.median(base), statistics.median(ours)
    print(f"text: {len(docs)} reports, {total:,} characters, {size_mb:.2f} MB; median of {args.repeat} runs")
    print(f"{'jieba.lcut':24s} {total / b:12,.0f} chars/s")
    print(f"{'jixiao text pipeline':24s} {total / o:12,.0f} chars/s")
    c = statistics.median(checked)
    print(f"ratio jixiao / jieba.lcut: {b / o:.2f}  (target >= 0.40)")
    print(f"{'with consistency checks':24s} {total / c:12,.0f} chars/s")
    print(f"checks add {100 * (c / o - 1):.1f} % to the text pipeline's time  (target <= 20 %)")
    print(f"peak memory for the largest report ({max(len(r) for r in reports):,} chars): {peak / 1e6:.1f} MB")
    del tk


if __name__ == "__main__":
    main()
