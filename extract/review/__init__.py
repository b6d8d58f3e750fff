"""Reviewing flags, in Chinese: the HTML report (`page.py`, `html.py`, `templates/`, `static/`,
the arithmetic in words `sentences.py`, page images `pages.py`), the decision store
(`store.py`), exports (`exports.py`) and the local review server (`server.py`); `jixiao
review` is here. docs/review.md describes the desk and how flag ids are made."""
from __future__ import annotations

import argparse
import sys

from .exports import export_csv, export_xlsx, import_decisions, tables_xlsx
from .page import write_report
from .server import require_outdir, serve

__all__ = ["add_arguments", "command", "tables_xlsx", "write_report"]


def add_arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("outdir", nargs="?", default="outputs", metavar="OUTDIR",
                   help="the run's output folder (default: outputs/)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=0, help="port (default: 0, a free one)")
    p.add_argument("--no-browser", action="store_true", help="do not open a browser")
    p.add_argument("--export-csv", nargs="?", const="", metavar="FILE",
                   help="write the decisions as CSV (default OUTDIR/decisions.csv) and exit")
    p.add_argument("--export-xlsx", nargs="?", const="", metavar="FILE",
                   help="write flags with decisions and figures as Excel (default OUTDIR/review.xlsx) and exit")
    p.add_argument("--import", dest="import_file", metavar="FILE",
                   help="apply the decisions of an exported .csv/.xlsx and exit")
    p.add_argument("--reviewer", default="", help="reviewer name recorded for --import")
    return p


def command(args: argparse.Namespace) -> int:
    require_outdir(args.outdir)          # a clear message for a wrong path, before any SQLite file
    if args.import_file or args.export_csv is not None or args.export_xlsx is not None:
        if args.import_file:
            n = import_decisions(args.outdir, args.import_file, args.reviewer)
            print(f"{n} decisions imported from {args.import_file}", file=sys.stderr)
        if args.export_csv is not None:
            print(export_csv(args.outdir, args.export_csv or None), file=sys.stderr)
        if args.export_xlsx is not None:
            print(export_xlsx(args.outdir, args.export_xlsx or None), file=sys.stderr)
        return 0
    return serve(args.outdir, args.host, args.port, open_browser=not args.no_browser)
