"""The text path beside `jieba.lcut` on the same documents, in one run.

Every corpus report (.txt, repeated until at least --mb of text) goes through, in turn:

  jieba.lcut      the baseline: segmentation alone
  figures         extract.find_figures: numbers, units, indicators
  analysis        pipeline.analyse: figures, tables, relations, checks, panel
  worker path     what a batch worker does per document: read the file, analyse it, render
                  its rows and store its result (shards.document + shards.store)

The four take turns on every document, in an order rotated each round (--rounds, at least
5), so all see the same load. Each round gives each side's speed as a multiple of
jieba.lcut's (jieba's seconds / the side's seconds); the median and the spread over the
rounds are printed, with the load average. Target (issue 16): the worker path >= 0.5x.

    python benchmarks/text_speed.py [--mb 1] [--rounds 5] [CORPUS_DIR]
"""
from __future__ import annotations

import argparse
import logging
import shutil
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from rounds import alternate, load, ratios, spread  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?", default=str(ROOT / "corpora"))
    ap.add_argument("--mb", type=float, default=1.0, help="text per round (default 1 MB)")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if args.rounds < 5:
        ap.error("--rounds: at least 5, for a median with a spread")

    import jieba

    from extract import find_figures, load_patterns
    from extract.analyse.segment import tokenizer
    from extract.batch.plan import Settings, plan
    from extract.batch.shards import document, store
    from extract.core.model import Document
    from extract.core.patterns import patterns_dir
    from extract.pipeline import analyse

    logging.disable(logging.WARNING)
    sources = sorted(Path(args.corpus).glob("*.txt"))
    reports = [p.read_text(encoding="utf-8") for p in sources]
    tmp = Path(tempfile.mkdtemp(prefix="jixiao-text-"))
    try:
        files, size = [], 0
        while size < args.mb * 1e6:
            for src, text in zip(sources, reports):
                path = tmp / "in" / f"{len(files):04d}-{src.name}"
                path.parent.mkdir(exist_ok=True)
                path.write_text(text, encoding="utf-8")
                files.append((path, text))
                size += len(text.encode("utf-8"))
        chars = sum(len(t) for _, t in files)

        folder = str(patterns_dir(None))
        patterns = load_patterns(folder)
        tokenizer(patterns)            # jieba and the lexicon loaded before timing, as in a worker
        jieba.initialize()
        find_figures(reports[0], patterns)
        settings = Settings(outdir=str(tmp / "out"), patterns=folder)
        items = plan([(p, p.name) for p, _ in files], "bench", {})
        by_path = {item.path: item for item in items}
        docs = {str(p): Document(p.name, str(p), "txt", t) for p, t in files}

        def worker(f):
            data, _ = document(by_path[str(f[0])], settings)
            store(settings.outdir, data)

        sides = {
            "jieba.lcut": lambda f: jieba.lcut(f[1]),
            "figures": lambda f: find_figures(f[1], patterns),
            "analysis": lambda f: analyse(docs[str(f[0])], patterns),
            "worker path": worker,
        }
        worker(files[0])               # output folders made before timing
        print(f"text: {len(files)} reports, {chars:,} characters, {size / 1e6:.2f} MB a round; "
              f"{load()}")
        seconds = alternate(files, sides, args.rounds)
        base = seconds["jieba.lcut"]
        print(f"{'jieba.lcut':14s} {spread([chars / s for s in base], 0)} chars/s")
        targets = {"worker path": 0.5}
        for name in ("figures", "analysis", "worker path"):
            speed = ratios(base, seconds[name])
            target = f"  (target >= {targets[name]}x)" if name in targets else ""
            print(f"{name:14s} {spread(speed)}x jieba.lcut{target}")
        print(f"after: {load()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    tracemalloc.start()
    find_figures(max(reports, key=len), patterns)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"peak memory of find_figures on the largest report ({max(map(len, reports)):,} chars): "
          f"{peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
