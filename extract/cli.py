"""The `jixiao` command: `run` extracts, `eval` scores against gold annotations."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections import Counter

from . import __version__
from .errors import JixiaoError

DESCRIPTION = """\
jixiao reads Chinese performance self-evaluation reports (绩效自评报告) and writes every
figure they state — amounts, counts, lengths, areas, percentages, scores — with what it
measures and where it stands, as tables a reviewer can open in Excel/WPS or pandas."""

RUN_EPILOG = """\
outputs (UTF-8 with BOM):
  documents.csv   one row per input file: status ok/error/skipped and why
  figures.csv     one row per figure: value, unit, base value, kind, indicator, role, offsets
  text/<doc_id>.txt  the text that the start/end offsets of figures.csv index

examples:
  jixiao run corpora/                 every report under corpora/, into outputs/
  jixiao run a.txt b.txt -o out/      two files, into out/
"""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jixiao", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"jixiao {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    p.add_argument("--patterns", metavar="DIR", help="pattern folder (default: the bundled patterns/)")
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="extract figures from reports (files or folders)",
                         description="Extract figures from reports: .txt (UTF-8, GB18030, UTF-16), "
                                     ".pdf and .docx. Folders are read recursively.",
                         epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("inputs", nargs="+", metavar="INPUT", help="report files or folders")
    run.add_argument("-o", "--out", default="outputs", metavar="OUTDIR",
                     help="output folder (default: outputs/)")
    run.add_argument("--max-mb", type=float, default=200, metavar="MB",
                     help="refuse input files larger than this (default: 200)")
    run.add_argument("--strict", action="store_true",
                     help="stop at the first internal error instead of recording it (for debugging)")

    ev = sub.add_parser("eval", help="score outputs against gold annotations",
                        description="Score a run's outputs against gold files (spec/figures.md): "
                                    "figure precision/recall/F1, detection F1 and indicator accuracy, "
                                    "per kind and per document. Writes OUTDIR/eval.json.")
    ev.add_argument("gold", metavar="GOLD_DIR", help="folder of gold *.json, or a folder holding gold/")
    ev.add_argument("outdir", nargs="?", default="outputs", metavar="OUTDIR",
                    help="the run's output folder (default: outputs/)")
    ev.add_argument("--json", action="store_true", help="print the whole report as JSON")
    return p


def _progress(items):
    """A progress bar on a terminal; nothing in pipes and CI logs."""
    from tqdm import tqdm

    return tqdm(items, unit="doc", disable=not sys.stderr.isatty(), file=sys.stderr)


def _run(args) -> int:
    from .patterns import load_patterns
    from .pipeline import run

    patterns = load_patterns(args.patterns)
    t0 = time.perf_counter()
    reports = run(args.inputs, args.out, patterns=patterns, strict=args.strict,
                  max_bytes=int(args.max_mb * 1024 * 1024), progress=_progress)
    status = Counter(r.status for r in reports)
    figures = sum(len(r.items) for r in reports)
    print(f"{len(reports)} documents: {status['ok']} ok, {status['error']} error, "
          f"{status['skipped']} skipped; {figures} figures; {time.perf_counter() - t0:.1f} s "
          f"-> {args.out}/", file=sys.stderr)
    for r in reports:
        if r.status != "ok":
            print(f"  {r.status}: {r.doc_id}: {r.error}", file=sys.stderr)
    if not reports:
        print("no report files found in the inputs", file=sys.stderr)
        return 1
    return 0


def _eval(args) -> int:
    from .evaluate import evaluate, format_report

    report = evaluate(args.gold, args.outdir)
    print(json.dumps(report, ensure_ascii=False, indent=1) if args.json else format_report(report))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    import jieba

    jieba.setLogLevel(logging.INFO if args.verbose else logging.WARNING)
    try:
        return _run(args) if args.command == "run" else _eval(args)
    except JixiaoError as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return 2
