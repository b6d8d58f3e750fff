"""`jixiao review OUTDIR`: a local review server over the report's views and its decisions."""
from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import sys
import tempfile
import threading
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from ..core.errors import JixiaoError
from ..outputs.csvio import read_rows
from . import page as report
from .pages import render_page, scanned_pages
from .exports import export_csv, export_xlsx, review_state
from .store import DecisionConflict, open_store

log = logging.getLogger(__name__)

LOOPBACK = ("127.0.0.1", "localhost", "::1")
WILDCARD = ("", "0.0.0.0", "::")
MAX_BODY = 100_000
# Every answer: the page may not be framed by another site (clickjacking a decision), nor
# sniffed into another type.
SECURITY_HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'",
                    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "Cache-Control": "no-store"}


def _names(host: str) -> set[str]:
    """The names a browser may put in the Host header to reach `host`: the host itself, and
    for a wildcard address every name and address of this machine and the loopback."""
    names = {host} if host not in WILDCARD else set()
    if host in WILDCARD or host in LOOPBACK:
        names |= set(LOOPBACK)
    if host in WILDCARD:
        for name in {socket.gethostname(), socket.getfqdn()}:
            names.add(name)
            try:
                names.update(info[4][0] for info in socket.getaddrinfo(name, None))
            except OSError:
                pass
    return {n.lower() for n in names if n}


def _netloc(name: str, port: int) -> str:
    return f"[{name}]:{port}" if ":" in name else f"{name}:{port}"


class ReviewServer(ThreadingHTTPServer):
    """The review app on one output folder; `url` once bound.

    The Host and Origin checks hold for any address it listens on: a request naming another
    host (DNS rebinding) or sent by another site's page is refused."""
    daemon_threads = True
    request_queue_size = 128      # the listen backlog: 50 reviewers saving at once are all heard
    request_timeout = 30.0        # seconds a connection may take to send its request

    def __init__(self, outdir: str | os.PathLike, host: str = "127.0.0.1", port: int = 0):
        self.outdir = Path(outdir)
        self.store = open_store(self.outdir)
        self._page: tuple[tuple, bytes] | None = None
        self._images: dict[tuple, tuple[bytes, str] | None] = {}
        self._lock = threading.Lock()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), ReviewHandler)
        port = self.server_address[1]
        shown = "127.0.0.1" if host in WILDCARD else host
        self.url = f"http://{_netloc(shown, port)}/"
        self.allowed_hosts = {_netloc(n, port) for n in _names(host)}

    def page(self) -> bytes:
        """The review page, rebuilt when the batch's tables change (a re-run)."""
        key = tuple((n, *_stat(self.outdir / n)) for n in ("documents.csv", "figures.csv", "flags.csv"))
        with self._lock:
            if self._page is None or self._page[0] != key:
                html = report.page(report.load_batch(self.outdir), review=True)
                self._page = (key, html.encode("utf-8"))
            return self._page[1]


    def image(self, doc: int, page: int) -> tuple[bytes, str] | None:
        """Page `page` of the `doc`-th document of documents.csv as an image, if it is a PDF
        that can still be read at its source (rendered once, the last 64 kept)."""
        docs = read_rows(self.outdir / "documents.csv")
        if not 0 <= doc < len(docs) or docs[doc].get("format") != "pdf":
            return None
        d = docs[doc]
        key = (d.get("source", ""), page, *_stat(Path(d.get("source", ""))))
        with self._lock:
            if key in self._images:
                return self._images[key]
        image = render_page(d.get("source", ""), page, scanned=page in scanned_pages(d.get("ocr_pages", "")))
        with self._lock:
            if len(self._images) >= 64:
                self._images.pop(next(iter(self._images)))
            self._images[key] = image
        return image


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

    def setup(self):
        self.timeout = self.server.request_timeout   # a short body never holds a thread forever
        super().setup()

    def _send(self, status: int, body: bytes, ctype: str, extra: Mapping[str, str] = {}):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in {**SECURITY_HEADERS, **extra}.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, value) -> None:
        self._send(status, json.dumps(value, ensure_ascii=False).encode("utf-8"),
                   "application/json; charset=utf-8")

    def _host_ok(self) -> bool:
        allowed = self.server.allowed_hosts
        host = self.headers.get("Host", "").lower()
        if host not in allowed:
            return False
        origin = self.headers.get("Origin")
        return origin is None or urlsplit(origin.lower()).netloc == host

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        if not self._host_ok():
            return self._json(403, {"error": "forbidden host"})
        path = urlsplit(self.path).path
        try:
            if path in ("/", "/index.html"):
                return self._send(200, self.server.page(), "text/html; charset=utf-8")
            if path.startswith("/page/"):
                parts = path.split("/")
                if len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit() and len(parts[3]) < 6:
                    image = self.server.image(int(parts[2]), int(parts[3]))
                    if image is not None:
                        return self._send(200, image[0], image[1], {"Cache-Control": "private, max-age=300"})
                return self._json(404, {"error": "没有此页的图像"})
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
        except (sqlite3.Error, OSError, JixiaoError) as e:
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
        text = (self.headers.get("Content-Length") or "").strip()
        if not text.isdigit() or len(text) > 12:
            self.close_connection = True
            return self._json(400 if text else 411, {"error": "Content-Length must be a number of bytes"})
        length = int(text)
        if not 0 < length <= MAX_BODY:
            self.close_connection = True
            return self._json(413, {"error": "body too large or empty"})
        try:
            data = self.rfile.read(length)
        except (TimeoutError, OSError):
            self.close_connection = True
            return self._json(408, {"error": "the request body did not arrive in time"})
        if len(data) < length:
            self.close_connection = True
            return self._json(400, {"error": "the request body is shorter than its Content-Length"})
        try:
            body = json.loads(data.decode("utf-8"))
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
        except (ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError) as e:
            return self._json(400, {"error": str(e)})
        return self._json(200, d)


def _has_display() -> bool:
    if sys.platform.startswith(("win", "darwin")):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def require_outdir(outdir: str | os.PathLike) -> Path:
    """The output folder of a run, or a JixiaoError that says what is wrong with the path."""
    outdir = Path(outdir)
    if not outdir.exists():
        raise JixiaoError(f"{outdir}: no such folder; give the output folder of `jixiao run` "
                          f"(its -o, default outputs/)")
    if not outdir.is_dir():
        raise JixiaoError(f"{outdir} is a file, not the output folder of `jixiao run`")
    if not (outdir / "flags.csv").exists() and not (outdir / "documents.csv").exists():
        raise JixiaoError(f"{outdir} is not an output folder of `jixiao run` (no documents.csv "
                          f"or flags.csv in it)")
    return outdir


def make_server(outdir: str | os.PathLike, host: str = "127.0.0.1", port: int = 0) -> ReviewServer:
    return ReviewServer(require_outdir(outdir), host, port)


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
