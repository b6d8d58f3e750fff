"""The `jixiao` command: `run` extracts, `eval` scores against gold annotations."""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

from .core.version import __version__
from .core.errors import JixiaoError
from .ingest.ocr import PAGE_TIMEOUT

DESCRIPTION = """\
jixiao reads Chinese performance self-evaluation reports (绩效自评报告) and writes every
figure they state — amounts, counts, lengths, areas, percentages, scores — with what it
measures and where it stands, as tables a reviewer can open in Excel/WPS or pandas, and
flags the places where a report contradicts itself.

What a figure is, every check, the panel and every output table: docs/ in the repository
(docs/README.md is the index)."""

RUN_EPILOG = """\
outputs (UTF-8 with BOM), each also as <table>.parquet with the same rows:
  documents.csv   one row per input file: status ok/error/skipped and why
  figures.csv     one row per figure: value, unit, base value, kind, indicator, role, offsets
  checks.csv      every consistency check run: pass, fail or not_assessable
  flags.csv       every failed check, with its figures, interval arithmetic and a message
  panel.csv       one row per report: unit, year, standard indicators; panel_sources.csv
  report.html     the whole batch for a reviewer, in Chinese, in one file (see also: jixiao review)
  tables.xlsx     with --xlsx: every table in one Excel workbook (typed cells, filters)
  *.parquet       each table again, for pandas/DuckDB
  text/<doc_id>.txt  the text that the start/end offsets of figures.csv index
  tables/<doc_id>/p<page>-t<n>.csv  each table of a report as drawn
  .jixiao/        the manifest and one result per document, so a re-run resumes
Every column is described in docs/outputs.md, every check in docs/checks.md.

exit status, for schedulers and scripts:
  0    every document read (or --fail-on never)
  1    no report files found in the inputs
  2    the run could not be done: an input that does not exist, an output folder that is a
       file or cannot be written, bad patterns, another run writing to OUTDIR; nothing of an
       earlier run's outputs is lost
  3    the run finished, but at least one document's row in documents.csv has status error
       (with --fail-on error, the default)
  130  interrupted (Ctrl-C); the documents done are kept

A re-run skips documents already done (same content, same pipeline version) and still
writes complete tables; a changed file or a new version of jixiao or its patterns is
redone. Ctrl-C or a killed run loses only the documents in flight. A document that takes
longer than --timeout (plus --page-timeout for each PDF page), needs more than --max-memory
or crashes its worker becomes one error row, and is tried again by the next run; a scanned
page whose OCR takes longer than --page-timeout is left unread, and the document's row in
documents.csv says which.

examples:
  jixiao run corpora/                 every report under corpora/, into outputs/
  jixiao run a.txt b.txt -o out/      two files, into out/
  jixiao run archive/ --workers 8     eight worker processes
  jixiao run archive/ --dask local    a local Dask cluster
  jixiao run archive/ --scheduler tcp://scheduler:8786   an existing Dask cluster
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
                                     ".pdf, .docx, .xlsx, .xls, .html and .htm. Folders are read "
                                     "recursively.",
                         epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("inputs", nargs="+", metavar="INPUT", help="report files or folders")
    run.add_argument("-o", "--out", default="outputs", metavar="OUTDIR",
                     help="output folder (default: outputs/)")
    run.add_argument("--max-mb", type=float, default=200, metavar="MB",
                     help="refuse input files larger than this (default: 200)")
    run.add_argument("--ocr", choices=["rapidocr", "tesseract", "none"], default="rapidocr",
                     help="OCR engine for PDF pages without a text layer (default: rapidocr; "
                          "tesseract needs the Debian packages tesseract-ocr tesseract-ocr-chi-sim; "
                          "none: such pages are reported, not read). Each worker uses cores/workers "
                          "threads for it")
    run.add_argument("--xlsx", action="store_true",
                     help="also write OUTDIR/tables.xlsx: every table as a sheet of one Excel workbook")
    run.add_argument("--report-max", type=int, default=500, metavar="N",
                     help="write report.html only for batches of at most N documents (default: 500)")
    run.add_argument("--strict", action="store_true",
                     help="stop at the first internal error instead of recording it (for debugging)")
    run.add_argument("-j", "--workers", type=int, default=_cores(), metavar="N",
                     help=f"worker processes (default: all cores, here {_cores()}); 1 runs in this process")
    run.add_argument("--timeout", type=float, default=120, metavar="SECONDS",
                     help="time limit per document, plus --page-timeout for each page of a PDF; "
                          "0 for none (default: 120)")
    run.add_argument("--page-timeout", type=float, default=PAGE_TIMEOUT, metavar="SECONDS",
                     help="time budget of a scanned page: a page whose OCR takes longer is left "
                          f"unread (documents.csv says which), 0 for none (default: {PAGE_TIMEOUT:g})")
    run.add_argument("--max-memory", type=int, default=2048, metavar="MB",
                     help="memory a document may use in a worker, 0 for no limit (default: 2048)")
    run.add_argument("--fail-on", choices=["error", "never"], default="error",
                     help="error: exit with status 3 when any document's row in documents.csv has "
                          "status error (default); never: exit 0 once the tables are written")
    run.add_argument("--force", action="store_true",
                     help="redo every document, even those done by an earlier run")
    run.add_argument("--retry-failed", action="store_true",
                     help="try again the documents an earlier run recorded as hung (timeout), "
                          "crashed or out of memory; without it a re-run keeps their error rows")
    dask = run.add_mutually_exclusive_group()
    dask.add_argument("--dask", choices=["local"], help="run on a local Dask cluster of --workers processes")
    dask.add_argument("--scheduler", metavar="ADDRESS",
                      help="run on an existing Dask cluster (tcp://HOST:8786); inputs must be "
                           "readable by its workers at the same paths")

    from .review import add_arguments

    add_arguments(sub.add_parser(
        "review", help="review the flags of a run in the browser (decisions kept across re-runs)",
        description="Serve OUTDIR's report on 127.0.0.1, where a reviewer confirms or dismisses each "
                    "flag with a note; decisions are kept in OUTDIR/review.sqlite by flag_id, so they "
                    "survive a re-run of the batch. --export-csv/--export-xlsx write the decisions."))
    ev = sub.add_parser("eval", help="score outputs against gold annotations",
                        description="Score a run's outputs against gold files (format: docs/figures.md): "
                                    "figure precision/recall/F1, detection F1 and indicator accuracy, "
                                    "per kind and per document. Writes OUTDIR/eval.json.")
    ev.add_argument("gold", metavar="GOLD_DIR", help="folder of gold *.json, or a folder holding gold/")
    ev.add_argument("outdir", nargs="?", default="outputs", metavar="OUTDIR",
                    help="the run's output folder (default: outputs/)")
    ev.add_argument("--json", action="store_true", help="print the whole report as JSON")
    return p


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


class _Bar:
    """A tqdm bar on a terminal: documents done, documents per second, errors, ETA."""

    def start(self, total: int, resumed: int) -> None:
        from tqdm import tqdm

        self.errors = 0
        if resumed:
            print(f"{resumed} documents done by an earlier run", file=sys.stderr)
        self.bar = tqdm(total=total, unit="doc", file=sys.stderr, dynamic_ncols=True)

    def advance(self, outcome) -> None:
        self.errors += outcome.status == "error"
        self.bar.set_postfix(errors=self.errors, refresh=False)
        self.bar.update()

    def close(self) -> None:
        self.bar.close()


class _Lines:
    """Not a terminal (CI logs, pipes): one line every `every` seconds."""

    def __init__(self, every: float = 30.0):
        self.every = every

    def start(self, total: int, resumed: int) -> None:
        self.total, self.done, self.errors = total, 0, 0
        self.t0 = self.last = time.monotonic()
        print(f"jixiao: {total} documents to do, {resumed} done by an earlier run", file=sys.stderr)

    def advance(self, outcome) -> None:
        self.done += 1
        self.errors += outcome.status == "error"
        now = time.monotonic()
        if now - self.last >= self.every:
            self.last = now
            rate = self.done / (now - self.t0)
            eta = (self.total - self.done) / rate if rate else 0
            print(f"jixiao: {self.done}/{self.total} documents, {self.errors} errors, "
                  f"{rate:.1f} docs/s, ETA {eta:.0f} s", file=sys.stderr, flush=True)

    def close(self) -> None:
        pass


EXIT_UNUSABLE = 2       # the run could not be done (missing input, unusable OUTDIR, bad patterns)
EXIT_DOCUMENT_ERRORS = 3  # the run finished; some document has status error (--fail-on error)


def _unusable_paths(inputs: list[str], out: str) -> str | None:
    """Why the run cannot start, in the words a user reads, or None."""
    missing = [i for i in inputs if not os.path.lexists(i)]
    if missing:
        return "输入不存在（no such file or folder）：" + "、".join(missing)
    out_path = Path(out)
    for parent in (out_path, *out_path.parents):
        if parent.exists() and not parent.is_dir():
            where = "是一个文件" if parent == out_path else f"在文件 {parent} 之下"
            return f"输出路径 {out} {where}，不是文件夹（OUTDIR is not a folder: {parent} is a file）"
    return None


def _run(args) -> int:
    from .batch import run_batch

    problem = _unusable_paths(args.inputs, args.out)
    if problem:
        print(f"jixiao: {problem}", file=sys.stderr)
        return EXIT_UNUSABLE
    summary = run_batch(args.inputs, args.out, patterns=args.patterns, workers=max(1, args.workers),
                        force=args.force, retry_failed=args.retry_failed, dask=args.scheduler or args.dask,
                        progress=_Bar() if sys.stderr.isatty() else _Lines(),
                        strict=args.strict, max_bytes=int(args.max_mb * 1024 * 1024),
                        timeout=args.timeout or None, max_memory=args.max_memory or None,
                        ocr=args.ocr, page_timeout=args.page_timeout or None)
    if 0 < summary.documents <= args.report_max:
        from .review import write_report

        write_report(args.out)
    elif summary.documents:
        print(f"report.html not written: {summary.documents} documents > --report-max {args.report_max} "
              f"(one page for a whole archive would be too large to open); the tables hold "
              f"everything, and `jixiao run` on a part of the archive writes its report", file=sys.stderr)
    if args.xlsx and summary.documents:
        from .review import tables_xlsx

        tables_xlsx(args.out)
    status, flags = summary.status, summary.flags
    rate = (summary.documents - summary.resumed) / summary.seconds if summary.seconds else 0
    print(f"{summary.documents} documents: {status['ok']} ok, {status['error']} error, "
          f"{status['skipped']} skipped; {summary.figures} figures; flags: {flags['error']} error, "
          f"{flags['warning']} warning, {flags['notice']} notice; {summary.resumed} done earlier; "
          f"{summary.seconds:.1f} s ({rate:.1f} docs/s) -> {args.out}/", file=sys.stderr)
    for o in summary.problems[:50]:
        print(f"  {o.status}: {o.doc_id}: {o.error}", file=sys.stderr)
    if len(summary.problems) > 50:
        print(f"  … {len(summary.problems) - 50} more in documents.csv", file=sys.stderr)
    if not summary.documents:
        print("no report files found in the inputs", file=sys.stderr)
        return 1
    if status["error"] and args.fail_on == "error":
        print(f"jixiao: {status['error']} 份文档出错，见 documents.csv（exit status "
              f"{EXIT_DOCUMENT_ERRORS}; --fail-on never to exit 0）", file=sys.stderr)
        return EXIT_DOCUMENT_ERRORS
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
        if args.command == "review":
            from .review import command

            return command(args)
        return _run(args) if args.command == "run" else _eval(args)
    except KeyboardInterrupt:
        print("jixiao: interrupted; the documents done are kept, run the same command again "
              "to finish", file=sys.stderr)
        return 130
    except JixiaoError as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    except FileNotFoundError as e:
        print(f"jixiao: {e}", file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as e:          # the machine, not a document: a full disk, a read-only folder
        print(f"jixiao: 运行中止，无法读写 {e.filename or ''}：{e.strerror or e}（the run stopped: "
              f"the earlier outputs are as they were）", file=sys.stderr)
        return EXIT_UNUSABLE
