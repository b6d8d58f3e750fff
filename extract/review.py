"""`jixiao review OUTDIR`: a local review server over the report's views, and its decisions.

A reviewer marks each flag `confirmed` or `dismissed` with an optional note. Decisions live in
SQLite (`OUTDIR/review.sqlite`, WAL), keyed by the stable `flag_id`, so a re-run of the batch
that rewrites flags.csv keeps them. Each distinct set of flags the store sees is a run; a flag
first seen in the latest run (when there was an earlier one) is `new`, and a flag seen before
but not in flags.csv any more has `disappeared` (its decision is kept and shown).

Every write is one `BEGIN IMMEDIATE` transaction on its own connection and is appended to a log,
so concurrent reviewers never lose each other's decisions; a reviewer who decides on a flag that
someone else changed since the page was loaded gets a conflict (HTTP 409) instead of
overwriting it silently.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import sqlite3
import sys
import tempfile
import threading
import webbrowser
from contextlib import contextmanager
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterable, Iterator, Mapping
from urllib.parse import urlsplit

from . import output, report

log = logging.getLogger(__name__)

DB_NAME = "review.sqlite"
DECISIONS = ("confirmed", "dismissed")
MAX_NOTE = 10_000
LOOPBACK = ("127.0.0.1", "localhost", "::1")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL, flags INTEGER NOT NULL,
    seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS flags_seen (
    flag_id TEXT PRIMARY KEY, first_run INTEGER NOT NULL, last_run INTEGER NOT NULL,
    doc_id TEXT, check_name TEXT, severity TEXT, message TEXT, evidence TEXT, figure_ids TEXT,
    page TEXT, section TEXT, stated TEXT, expected TEXT, tolerance TEXT);
CREATE TABLE IF NOT EXISTS decisions (
    flag_id TEXT PRIMARY KEY, decision TEXT NOT NULL, note TEXT NOT NULL, reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS decision_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, flag_id TEXT NOT NULL, decision TEXT NOT NULL,
    note TEXT NOT NULL, reviewer TEXT NOT NULL, decided_at TEXT NOT NULL, version INTEGER NOT NULL);
"""
SNAPSHOT = {"doc_id": "doc_id", "check_name": "check", "severity": "severity", "message": "message",
            "evidence": "evidence", "figure_ids": "figure_ids", "page": "page", "section": "section",
            "stated": "stated", "expected": "expected", "tolerance": "tolerance"}


class DecisionConflict(Exception):
    """The flag's decision changed since the version the reviewer saw."""

    def __init__(self, flag_id: str, current: dict | None):
        super().__init__(f"decision on {flag_id} changed meanwhile")
        self.flag_id, self.current = flag_id, current


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def fingerprint(flags: Iterable[Mapping]) -> str:
    return hashlib.sha256("\n".join(sorted(str(f.get("flag_id", "")) for f in flags)).encode()).hexdigest()


class DecisionStore:
    """Decisions on flags, and the runs of flags they were made on, in one SQLite file."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        con = self._connect()
        try:
            con.execute("PRAGMA journal_mode=WAL")
            con.executescript(SCHEMA)
        finally:
            con.close()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA busy_timeout=30000")
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        finally:
            con.close()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        con = self._connect()
        try:
            yield con
        finally:
            con.close()

    # -- runs
    def sync(self, flags: Iterable[Mapping]) -> int:
        """Record the current flags as a run unless they are the latest run's; return its id."""
        flags = list(flags)
        fp = fingerprint(flags)
        with self._write() as con:
            last = con.execute("SELECT run_id, fingerprint FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
            if last is not None and last["fingerprint"] == fp:
                run = last["run_id"]
            else:
                run = con.execute("INSERT INTO runs (fingerprint, flags, seen_at) VALUES (?, ?, ?)",
                                  (fp, len(flags), _now())).lastrowid
            cols = list(SNAPSHOT)
            con.executemany(
                f"INSERT INTO flags_seen (flag_id, first_run, last_run, {', '.join(cols)}) "
                f"VALUES (?, ?, ?, {', '.join('?' * len(cols))}) ON CONFLICT(flag_id) DO UPDATE SET "
                "last_run = excluded.last_run, " + ", ".join(f"{c} = excluded.{c}" for c in cols),
                [(str(f.get("flag_id", "")), run, run, *(str(f.get(SNAPSHOT[c], "") or "") for c in cols))
                 for f in flags if f.get("flag_id")])
        return run

    def runs(self) -> list[dict]:
        with self._read() as con:
            return [dict(r) for r in con.execute("SELECT * FROM runs ORDER BY run_id")]

    def seen(self) -> dict[str, dict]:
        with self._read() as con:
            return {r["flag_id"]: dict(r) for r in con.execute("SELECT * FROM flags_seen")}

    # -- decisions
    def decide(self, flag_id: str, decision: str, note: str = "", reviewer: str = "", *,
               base_version: int | None = None) -> dict:
        """Set (or with decision '' clear) a flag's decision; with base_version, refuse to
        overwrite a decision that is not the version the caller saw (DecisionConflict)."""
        if not flag_id or len(flag_id) > 500:
            raise ValueError("flag_id must be a non-empty string")
        if decision not in (*DECISIONS, ""):
            raise ValueError(f"decision must be one of {DECISIONS} or empty, not {decision!r}")
        note, reviewer = str(note or "")[:MAX_NOTE], str(reviewer or "")[:200]
        with self._write() as con:
            row = con.execute("SELECT * FROM decisions WHERE flag_id = ?", (flag_id,)).fetchone()
            version = row["version"] if row else 0
            if base_version is not None and int(base_version) != version:
                raise DecisionConflict(flag_id, dict(row) if row else None)
            new = {"flag_id": flag_id, "decision": decision, "note": note, "reviewer": reviewer,
                   "decided_at": _now(), "version": version + 1}
            con.execute("INSERT INTO decisions VALUES (:flag_id, :decision, :note, :reviewer, :decided_at, "
                        ":version) ON CONFLICT(flag_id) DO UPDATE SET decision = excluded.decision, "
                        "note = excluded.note, reviewer = excluded.reviewer, "
                        "decided_at = excluded.decided_at, version = excluded.version", new)
            con.execute("INSERT INTO decision_log (flag_id, decision, note, reviewer, decided_at, version) "
                        "VALUES (:flag_id, :decision, :note, :reviewer, :decided_at, :version)", new)
        return new

    def decisions(self) -> dict[str, dict]:
        with self._read() as con:
            return {r["flag_id"]: dict(r) for r in con.execute("SELECT * FROM decisions")}

    def history(self, flag_id: str | None = None) -> list[dict]:
        with self._read() as con:
            rows = (con.execute("SELECT * FROM decision_log WHERE flag_id = ? ORDER BY id", (flag_id,))
                    if flag_id else con.execute("SELECT * FROM decision_log ORDER BY id"))
            return [dict(r) for r in rows]


def open_store(outdir: str | os.PathLike) -> DecisionStore:
    return DecisionStore(Path(outdir) / DB_NAME)


# ---------------------------------------------------------------- state and exports

def review_state(outdir: str | os.PathLike, store: DecisionStore | None = None) -> dict:
    """What the page needs: decisions, which current flags are new, which flags disappeared."""
    store = store or open_store(outdir)
    flags = report.read_rows(Path(outdir) / "flags.csv")
    run = store.sync(flags)
    first = store.runs()[0]["run_id"]
    seen = store.seen()
    decisions = store.decisions()
    current = {f.get("flag_id", "") for f in flags}
    status = {fid: {"new": run != first and seen.get(fid, {}).get("first_run") == run} for fid in current}
    gone = [{"flag_id": fid, "doc_id": s["doc_id"], "check": s["check_name"], "severity": s["severity"],
             "message": s["message"], "last_run": s["last_run"],
             "decision": decisions.get(fid, {}).get("decision", ""),
             "note": decisions.get(fid, {}).get("note", "")}
            for fid, s in sorted(seen.items()) if fid not in current]
    return {"run": run, "decisions": decisions, "status": status, "gone": gone}


EXPORT_COLUMNS = ("flag_id", "status", "decision", "note", "reviewer", "decided_at", "doc_id", "page",
                  "section", "check", "severity", "message", "evidence", "figures", "figure_ids",
                  "stated", "expected", "tolerance")


def review_rows(outdir: str | os.PathLike, store: DecisionStore | None = None) -> list[dict]:
    """One row per current flag (status new or current) and per disappeared flag."""
    store = store or open_store(outdir)
    state = review_state(outdir, store)
    figures = {f.get("figure_id", ""): f for f in report.read_rows(Path(outdir) / "figures.csv")}
    rows = []

    def add(flag: Mapping, status: str):
        d = state["decisions"].get(flag.get("flag_id", ""), {})
        ids = str(flag.get("figure_ids") or "").split()
        rows.append({**{c: flag.get(c, "") for c in EXPORT_COLUMNS}, "status": status,
                     "decision": d.get("decision", ""), "note": d.get("note", ""),
                     "reviewer": d.get("reviewer", ""), "decided_at": d.get("decided_at", ""),
                     "figures": "; ".join(f"{figures[i].get('surface', '')} ({figures[i].get('indicator', '')})"
                                          if i in figures else i for i in ids)})

    for f in report.read_rows(Path(outdir) / "flags.csv"):
        add(f, "new" if state["status"].get(f.get("flag_id", ""), {}).get("new") else "current")
    seen = store.seen()
    for g in state["gone"]:
        snap = seen[g["flag_id"]]
        add({"flag_id": g["flag_id"], **{k: snap[c] for c, k in SNAPSHOT.items()}}, "disappeared")
    return rows


def export_csv(outdir: str | os.PathLike, path: str | os.PathLike | None = None) -> Path:
    """Decisions with their flags, as CSV (UTF-8 with BOM); default OUTDIR/decisions.csv."""
    path = Path(path) if path else Path(outdir) / "decisions.csv"
    output.write_csv(path, EXPORT_COLUMNS, review_rows(outdir))
    return path


WIDTHS = {"flag_id": 30, "status": 10, "decision": 11, "note": 40, "reviewer": 12, "decided_at": 20,
          "doc_id": 28, "page": 6, "section": 30, "check": 20, "severity": 9, "message": 60,
          "evidence": 80, "figures": 50, "figure_ids": 30, "stated": 22, "expected": 22, "tolerance": 12,
          "figure_id": 16, "surface": 16, "value": 12, "unit": 8, "value_base": 14, "base_unit": 8,
          "kind": 10, "approx": 10, "indicator": 24, "role": 10, "sentence": 80}
NUMERIC = {"page", "start", "end", "value", "value_base", "row", "col", "confidence", "chars", "pages"}


def _xlsx_sheet(wb, title: str, columns: Iterable[str], rows: Iterable[Mapping]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    columns = list(columns)
    ws = wb.create_sheet(title)
    ws.freeze_panes = "A2"
    for i, c in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = WIDTHS.get(c, 14)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE6F0")
    header = []
    for c in columns:
        cell = WriteOnlyCell(ws, value=c)
        cell.font, cell.fill = bold, fill
        header.append(cell)
    ws.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    n = 0
    for row in rows:
        out = []
        for c in columns:
            v = row.get(c, "")
            v = "" if v is None else str(v)
            if c in NUMERIC and v:
                try:
                    d = Decimal(v)
                    if d.is_finite() and len(d.as_tuple().digits) <= 15:
                        out.append(int(d) if d == d.to_integral_value() and "." not in v else d)
                        continue
                except InvalidOperation:
                    pass
            cell = WriteOnlyCell(ws, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", v))
            cell.data_type = "s"          # text stays text: '=…' is not a formula
            if c in ("message", "evidence", "note", "sentence"):
                cell.alignment = wrap
            out.append(cell)
        ws.append(out)
        n += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{n + 1}"


def export_xlsx(outdir: str | os.PathLike, path: str | os.PathLike | None = None) -> Path:
    """An Excel workbook: sheet `flags` (decision, note, document, message, evidence …) and
    sheet `figures`, frozen headers and set column widths; default OUTDIR/review.xlsx."""
    from openpyxl import Workbook

    path = Path(path) if path else Path(outdir) / "review.xlsx"
    wb = Workbook(write_only=True)
    _xlsx_sheet(wb, "flags", EXPORT_COLUMNS, review_rows(outdir))
    _xlsx_sheet(wb, "figures", output.FIGURE_COLUMNS, report.read_rows(Path(outdir) / "figures.csv"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_export(path: str | os.PathLike) -> list[dict]:
    """The flag rows of an exported decisions.csv or review.xlsx."""
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            rows = wb["flags"].iter_rows(values_only=True)
            head = [str(h) for h in next(rows)]
            return [{h: "" if v is None else str(v) for h, v in zip(head, r)} for r in rows]
        finally:
            wb.close()
    return report.read_rows(path)


def import_decisions(outdir: str | os.PathLike, path: str | os.PathLike, reviewer: str = "") -> int:
    """Apply the decisions of an exported (and perhaps edited) file; returns how many changed."""
    store = open_store(outdir)
    current = store.decisions()
    changed = 0
    for row in read_export(path):
        fid, decision, note = row.get("flag_id", ""), row.get("decision", "").strip(), row.get("note", "")
        if not fid or decision not in (*DECISIONS, ""):
            continue
        old = current.get(fid) or {"decision": "", "note": ""}
        if (old["decision"], old["note"]) == (decision, note):
            continue
        store.decide(fid, decision, note, row.get("reviewer") or reviewer)
        changed += 1
    return changed


# ---------------------------------------------------------------- the server

class ReviewServer(ThreadingHTTPServer):
    """The review app on one output folder; `url` once bound."""
    daemon_threads = True

    def __init__(self, outdir: str | os.PathLike, host: str = "127.0.0.1", port: int = 0):
        self.outdir = Path(outdir)
        self.store = open_store(self.outdir)
        self._page: tuple[tuple, bytes] | None = None
        self._lock = threading.Lock()
        super().__init__((host, port), ReviewHandler)
        port = self.server_address[1]
        self.url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/"
        self.allowed_hosts = ({f"{h}:{port}" for h in ("127.0.0.1", "localhost", "[::1]")}
                              if host in LOOPBACK else None)

    def page(self) -> bytes:
        """The review page, rebuilt when the batch's tables change (a re-run)."""
        key = tuple((n, *_stat(self.outdir / n)) for n in ("documents.csv", "figures.csv", "flags.csv"))
        with self._lock:
            if self._page is None or self._page[0] != key:
                html = report.page(report.load_batch(self.outdir), review=True)
                self._page = (key, html.encode("utf-8"))
            return self._page[1]


def _stat(path: Path) -> tuple:
    try:
        st = path.stat()
        return st.st_mtime_ns, st.st_size
    except FileNotFoundError:
        return 0, 0


class ReviewHandler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "jixiao-review"

    def log_message(self, fmt, *args):  # through logging, not stderr
        log.debug("%s %s", self.address_string(), fmt % args)

    def _send(self, status: int, body: bytes, ctype: str, extra: Mapping[str, str] = {}):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value) -> None:
        self._send(status, json.dumps(value, ensure_ascii=False).encode("utf-8"),
                   "application/json; charset=utf-8")

    def _host_ok(self) -> bool:
        allowed = self.server.allowed_hosts
        if allowed is None:
            return True
        if self.headers.get("Host", "") not in allowed:
            return False
        origin = self.headers.get("Origin")
        return origin is None or urlsplit(origin).netloc in allowed

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if not self._host_ok():
            return self._json(403, {"error": "forbidden host"})
        path = urlsplit(self.path).path
        try:
            if path in ("/", "/index.html"):
                return self._send(200, self.server.page(), "text/html; charset=utf-8")
            if path == "/api/state":
                return self._json(200, review_state(self.server.outdir, self.server.store))
            if path == "/export/decisions.csv":
                with tempfile.TemporaryDirectory() as tmp:
                    body = export_csv(self.server.outdir, Path(tmp) / "decisions.csv").read_bytes()
                return self._send(200, body, "text/csv; charset=utf-8",
                                  {"Content-Disposition": 'attachment; filename="decisions.csv"'})
            if path == "/export/review.xlsx":
                with tempfile.TemporaryDirectory() as tmp:
                    body = export_xlsx(self.server.outdir, Path(tmp) / "review.xlsx").read_bytes()
                return self._send(200, body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                                  {"Content-Disposition": 'attachment; filename="review.xlsx"'})
        except (sqlite3.Error, OSError) as e:
            log.error("review: %s failed: %s", path, e)
            return self._json(500, {"error": str(e)})
        return self._json(404, {"error": "not found"})

    def do_POST(self):
        if not self._host_ok():
            return self._json(403, {"error": "forbidden host"})
        if urlsplit(self.path).path != "/api/decision":
            return self._json(404, {"error": "not found"})
        if not self.headers.get("Content-Type", "").startswith("application/json"):
            return self._json(415, {"error": "send application/json"})
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= 100_000:
            return self._json(413, {"error": "body too large or empty"})
        try:
            body = json.loads(self.rfile.read(length).decode("utf-8"))
            fid = str(body["flag_id"])
            base = body.get("base_version")
            if fid not in self.server.store.seen():
                review_state(self.server.outdir, self.server.store)
                if fid not in self.server.store.seen():
                    return self._json(404, {"error": f"no flag {fid}"})
            d = self.server.store.decide(fid, str(body.get("decision", "")), str(body.get("note", "")),
                                         str(body.get("reviewer", "")),
                                         base_version=None if base is None else int(base))
        except DecisionConflict as e:
            return self._json(409, {"error": "conflict", "current": e.current})
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as e:
            return self._json(400, {"error": str(e)})
        return self._json(200, d)


def _has_display() -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_server(outdir: str | os.PathLike, host: str = "127.0.0.1", port: int = 0) -> ReviewServer:
    outdir = Path(outdir)
    if not (outdir / "flags.csv").exists() and not (outdir / "documents.csv").exists():
        raise FileNotFoundError(f"{outdir} is not an output folder of `jixiao run` (no flags.csv)")
    return ReviewServer(outdir, host, port)


def serve(outdir: str | os.PathLike, host: str = "127.0.0.1", port: int = 0,
          open_browser: bool = True) -> int:
    """Serve the review app until interrupted; open it in the browser when there is one."""
    server = make_server(outdir, host, port)
    review_state(server.outdir, server.store)
    print(f"jixiao review: {server.outdir} at {server.url}  (Ctrl-C stops)", file=sys.stderr, flush=True)
    if host not in LOOPBACK:
        print("jixiao review: warning: listening beyond this machine, without authentication",
              file=sys.stderr)
    if open_browser and _has_display():
        threading.Timer(0.3, webbrowser.open, (server.url,)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


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


def main(argv: list[str] | None = None) -> int:
    """`jixiao review OUTDIR [--host H] [--port P] [--no-browser] [--export-csv [F]]
    [--export-xlsx [F]] [--import F] [--reviewer NAME]`."""
    p = add_arguments(argparse.ArgumentParser(
        prog="jixiao review", description="Review the flags of a run in the browser; decisions are "
        "kept in OUTDIR/review.sqlite across re-runs."))
    args = p.parse_args(argv)
    try:
        return command(args)
    except (FileNotFoundError, sqlite3.Error, ValueError) as e:
        print(f"jixiao review: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
