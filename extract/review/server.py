"""`jixiao review OUTDIR`: a local review server over the report's views and its decisions."""
from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import tempfile
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from . import page as report
from .exports import export_csv, export_xlsx, review_state
from .store import DecisionConflict, open_store

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")

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
