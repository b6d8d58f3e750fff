"""The decisions store, re-runs, concurrent writers, the review server's API and the exports."""
from __future__ import annotations

import json
import multiprocessing
import shutil
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from openpyxl import load_workbook

from extract import run
from extract.outputs.csvio import read_rows
from extract.cli import main as jixiao
from extract.review.exports import (EXPORT_COLUMNS, export_csv, export_xlsx, import_decisions, read_export,
                                    review_state)
from extract.review.server import _has_display, make_server
from extract.review.store import DecisionConflict, DecisionStore, open_store

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """A run of two corpus reports that have flags; returns (inputs, outdir) of a pristine copy."""
    base = tmp_path_factory.mktemp("batch")
    inputs = base / "in"
    inputs.mkdir()
    for name in ("xiang-errors-2023.txt", "baisha-2023.txt"):
        shutil.copy(CORPUS / name, inputs / name)
    out = base / "out"
    run([inputs], out)
    return inputs, out


@pytest.fixture
def outdir(batch, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(batch[1], out)
    return out


def flag_ids(outdir):
    return [f["flag_id"] for f in read_rows(outdir / "flags.csv")]


# -- the store ------------------------------------------------------------------------------
def test_decide_keeps_versions_history_and_refuses_stale_writes(tmp_path):
    store = DecisionStore(tmp_path / "r.sqlite")
    d = store.decide("f1", "dismissed", "表内重复", "张三", base_version=0)
    assert d["version"] == 1 and store.decisions()["f1"]["note"] == "表内重复"
    with pytest.raises(DecisionConflict) as e:
        store.decide("f1", "confirmed", base_version=0)          # someone else decided meanwhile
    assert e.value.current["decision"] == "dismissed"
    store.decide("f1", "confirmed", "", "李四", base_version=1)
    store.decide("f1", "", base_version=2)                        # undecided again
    assert store.decisions()["f1"]["decision"] == ""
    assert [h["decision"] for h in store.history("f1")] == ["dismissed", "confirmed", ""]
    with pytest.raises(ValueError):
        store.decide("f1", "maybe")
    con = store._connect()
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def _writer(path, prefix, n, shared):
    store = DecisionStore(path)
    for i in range(n):
        store.decide(f"{prefix}-{i}", "confirmed" if i % 2 else "dismissed", f"{prefix} {i}", prefix)
        store.decide(shared, "dismissed", prefix, prefix)


def test_two_concurrent_writers_lose_nothing(tmp_path):
    path = tmp_path / "review.sqlite"
    DecisionStore(path)
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_writer, args=(path, p, 150, "both")) for p in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    store = DecisionStore(path)
    decisions = store.decisions()
    for p in ("a", "b"):
        for i in range(150):
            assert decisions[f"{p}-{i}"]["note"] == f"{p} {i}"
    assert decisions["both"]["version"] == 300                    # every write counted once
    assert len(store.history()) == 600
    assert len(store.history("both")) == 300


def test_decisions_survive_a_rerun_and_new_and_disappeared_flags_are_shown(batch, tmp_path):
    inputs, first = batch
    inputs2 = tmp_path / "in"
    shutil.copytree(inputs, inputs2)
    out = tmp_path / "out"
    run([inputs2], out)
    state = review_state(out)
    ids = flag_ids(out)
    assert state["run"] == 1 and not any(s["new"] for s in state["status"].values())
    store = open_store(out)
    kept = next(i for i in ids if i.startswith("sum_mismatch"))
    store.decide(kept, "dismissed", "已核实，表内为调整后数", "王五")
    gone_doc = "baisha-2023.txt"
    gone = [f["flag_id"] for f in read_rows(out / "flags.csv") if f["doc_id"] == gone_doc]
    store.decide(gone[0], "confirmed", "确有问题")
    # re-run: one report removed, one added
    (inputs2 / gone_doc).unlink()
    shutil.copy(CORPUS / "zhongxue-2023.txt", inputs2 / "zhongxue-2023.txt")
    run([inputs2], out)
    state = review_state(out)
    assert state["run"] == 2
    assert state["decisions"][kept]["note"] == "已核实，表内为调整后数"
    new = {f["flag_id"] for f in read_rows(out / "flags.csv") if f["doc_id"] == "zhongxue-2023.txt"}
    assert new and {i for i, s in state["status"].items() if s["new"]} == new
    assert state["status"][kept] == {"new": False}
    assert {g["flag_id"] for g in state["gone"]} == set(gone)
    assert next(g for g in state["gone"] if g["flag_id"] == gone[0])["decision"] == "confirmed"
    # the same flags again are not a new run
    assert review_state(out)["run"] == 2
    rows = {r["flag_id"]: r for r in read_rows(export_csv(out))}
    assert rows[gone[0]]["status"] == "disappeared" and rows[gone[0]]["decision"] == "confirmed"
    assert rows[kept]["status"] == "current" and rows[kept]["decision"] == "dismissed"
    assert {rows[i]["status"] for i in new} == {"new"}


# -- exports ---------------------------------------------------------------------------------
def test_csv_and_excel_exports_round_trip(outdir, tmp_path):
    ids = flag_ids(outdir)
    store = open_store(outdir)
    store.decide(ids[0], "dismissed", "=SUM(A1:A9) 不是公式", "赵六")
    store.decide(ids[1], "confirmed", "单位写错：元应为万元\n第二行")
    csv_path = export_csv(outdir)
    rows = read_rows(csv_path)
    assert list(rows[0]) == list(EXPORT_COLUMNS)
    assert [r["flag_id"] for r in rows] == ids
    assert rows[0]["decision"] == "dismissed" and rows[0]["note"] == "=SUM(A1:A9) 不是公式"
    assert rows[0]["figures"] and rows[0]["message"] and rows[0]["doc_id"]
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")

    xlsx = export_xlsx(outdir, tmp_path / "review.xlsx")
    wb = load_workbook(xlsx)
    assert wb.sheetnames == ["flags", "figures", "documents"]
    flags, figures = wb["flags"], wb["figures"]
    assert flags.freeze_panes == "A2" and figures.freeze_panes == "A2"
    head = [c.value for c in flags[1]]
    assert head == list(EXPORT_COLUMNS)
    assert flags.column_dimensions["L"].width == 60                      # message
    assert flags["D2"].value == "=SUM(A1:A9) 不是公式" and flags["D2"].data_type == "s"
    assert flags.max_row == len(ids) + 1
    assert figures.max_row == len(read_rows(outdir / "figures.csv")) + 1
    fig_head = [c.value for c in figures[1]]
    assert isinstance(figures.cell(2, fig_head.index("start") + 1).value, int)

    # import each export into a fresh folder: the same decisions
    for export in (csv_path, xlsx):
        fresh = tmp_path / f"fresh-{export.suffix[1:]}"
        shutil.copytree(outdir, fresh, ignore=shutil.ignore_patterns("review.sqlite*"))
        assert import_decisions(fresh, export) == 2
        got = {k: (v["decision"], v["note"]) for k, v in open_store(fresh).decisions().items()}
        assert got == {ids[0]: ("dismissed", "=SUM(A1:A9) 不是公式"),
                       ids[1]: ("confirmed", "单位写错：元应为万元\n第二行")}
        assert import_decisions(fresh, export) == 0                     # idempotent
    assert read_export(xlsx)[0]["flag_id"] == ids[0]


def test_command_line_exports_and_refuses_a_folder_without_tables(outdir, tmp_path, capsys):
    assert jixiao(["review", str(outdir), "--export-csv", "--export-xlsx"]) == 0
    assert (outdir / "decisions.csv").exists() and (outdir / "review.xlsx").exists()
    assert jixiao(["review", str(tmp_path / "nothing"), "--no-browser"]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert jixiao(["review", str(tmp_path / "empty"), "--no-browser"]) == 2
    assert "not an output folder" in capsys.readouterr().err


def test_review_on_a_missing_folder_is_a_message_not_a_sqlite_traceback(tmp_path, capsys):
    """Issue 12: every mode of `jixiao review` on a path that is no output folder."""
    missing = tmp_path / "no-such-run"
    for extra in ([], ["--export-csv"], ["--export-xlsx"], ["--import", str(tmp_path / "x.csv")]):
        assert jixiao(["review", str(missing), "--no-browser", *extra]) == 2
        err = capsys.readouterr().err
        assert "no such folder" in err and "sqlite" not in err.lower() and "Traceback" not in err
    assert not missing.exists()                      # nothing created on the way
    a_file = tmp_path / "flags.csv"
    a_file.write_text("x")
    assert jixiao(["review", str(a_file), "--no-browser"]) == 2
    assert "is a file" in capsys.readouterr().err


def test_no_browser_is_opened_without_a_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert not _has_display()
    monkeypatch.setenv("DISPLAY", ":0")
    assert _has_display()


# -- the server --------------------------------------------------------------------------------
@pytest.fixture
def server(outdir):
    srv = make_server(outdir)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def call(srv, path, body=None, headers=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(srv.url + path.lstrip("/"), data=data, method=method,
                                 headers={**({"Content-Type": "application/json"} if body is not None else {}),
                                          **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers


def test_server_listens_on_loopback_and_serves_the_review_page(server):
    assert server.server_address[0] == "127.0.0.1" and server.server_address[1] > 0
    status, body, headers = call(server, "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'data-review="1"' in body
    status, body, _ = call(server, "/api/state")
    assert status == 200 and json.loads(body)["run"] == 1


def test_server_decisions_conflicts_and_bad_requests(server, outdir):
    ids = flag_ids(outdir)
    status, body, _ = call(server, "/api/decision", {"flag_id": ids[0], "decision": "dismissed",
                                                     "note": "<b>注</b>", "base_version": 0})
    assert status == 200 and json.loads(body)["version"] == 1
    status, body, _ = call(server, "/api/decision", {"flag_id": ids[0], "decision": "confirmed",
                                                     "base_version": 0})
    assert status == 409 and json.loads(body)["current"]["decision"] == "dismissed"
    assert call(server, "/api/decision", {"flag_id": "nope", "decision": "confirmed"})[0] == 404
    assert call(server, "/api/decision", {"flag_id": ids[0], "decision": "maybe"})[0] == 400
    assert call(server, "/api/decision", {"decision": "confirmed"})[0] == 400
    # another site's page, or a rebound DNS name, cannot write
    assert call(server, "/api/decision", {"flag_id": ids[0], "decision": "confirmed"},
                {"Origin": "http://evil.example"})[0] == 403
    assert call(server, "/", headers={"Host": "evil.example"})[0] == 403
    req = urllib.request.Request(server.url + "api/decision", data=b"flag_id=x", method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=30)
    assert e.value.code == 415
    state = json.loads(call(server, "/api/state")[1])
    assert state["decisions"][ids[0]]["note"] == "<b>注</b>"


def test_concurrent_reviewers_over_http_lose_nothing(server, outdir):
    ids = flag_ids(outdir)
    errors = []

    def reviewer(name, mine):
        for fid in mine:
            status, body, _ = call(server, "/api/decision", {"flag_id": fid, "decision": "confirmed",
                                                             "note": name, "reviewer": name})
            if status != 200:
                errors.append((fid, status, body))

    half = len(ids) // 2
    threads = [threading.Thread(target=reviewer, args=("甲", ids[:half] * 3)),
               threading.Thread(target=reviewer, args=("乙", ids[half:] * 3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    decisions = open_store(outdir).decisions()
    assert {fid: d["note"] for fid, d in decisions.items()} == {
        **{fid: "甲" for fid in ids[:half]}, **{fid: "乙" for fid in ids[half:]}}


def test_server_exports(server, outdir):
    status, body, headers = call(server, "/export/decisions.csv")
    assert status == 200 and body.startswith(b"\xef\xbb\xbf") and b"flag_id" in body
    status, body, headers = call(server, "/export/review.xlsx")
    assert status == 200 and body[:2] == b"PK"
    assert "attachment" in headers["Content-Disposition"]


def test_the_command_serves_on_a_free_loopback_port(outdir):
    import re
    import subprocess
    import sys
    proc = subprocess.Popen([sys.executable, "-m", "extract", "review", str(outdir), "--no-browser"],
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        line = proc.stderr.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert url and int(url.group(1)) > 0, line
        with urllib.request.urlopen(url.group(0), timeout=30) as r:
            assert r.status == 200 and b'data-review="1"' in r.read()
        assert (outdir / "review.sqlite").exists()
    finally:
        proc.terminate()
        proc.wait(10)


# -- the server under load and under malformed requests (issue 12) -------------------------------
def raw(srv, data: bytes, timeout=10) -> bytes:
    """Send bytes as they are and read the answer until the server closes the connection."""
    import socket
    host, port = srv.server_address[:2]
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    return out


def post_bytes(srv, body: bytes, length: str) -> bytes:
    host = f"127.0.0.1:{srv.server_address[1]}"
    return (f"POST /api/decision HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\nConnection: close\r\n\r\n").encode() + body


def test_fifty_simultaneous_saves_are_all_answered(server, outdir):
    ids = flag_ids(outdir)
    barrier = threading.Barrier(50)
    results = []

    def save(i):
        body = json.dumps({"flag_id": ids[i % len(ids)], "decision": "confirmed", "note": f"第{i}条"}).encode()
        barrier.wait()
        try:
            results.append(raw(server, post_bytes(server, body, str(len(body))), timeout=60).split(b" ", 2)[1])
        except OSError as e:                     # a reset connection
            results.append(repr(e).encode())

    threads = [threading.Thread(target=save, args=(i,)) for i in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert results == [b"200"] * 50
    assert server.request_queue_size >= 50


@pytest.mark.parametrize("length", ["abc", "-5", "1e3", "0x10", " ", "99999999999999999999", "5, 5"])
def test_a_malformed_content_length_is_answered_with_a_4xx(server, length):
    answer = raw(server, post_bytes(server, b'{"flag_id": "x"}', length))
    status = int(answer.split(b" ", 2)[1])
    assert 400 <= status < 500, answer[:200]


def test_a_short_body_does_not_hold_a_thread(server, outdir):
    import socket
    import time
    server.request_timeout = 1.0
    host, port = server.server_address[:2]
    with socket.create_connection((host, port), timeout=30) as s:
        s.sendall(post_bytes(server, b'{"flag_id"', "500"))          # 10 of 500 bytes, then silence
        t0 = time.monotonic()
        answer = b""
        while chunk := s.recv(65536):
            answer += chunk
        waited = time.monotonic() - t0
    assert answer.split(b" ", 2)[1] == b"408" and waited < 20
    assert call(server, "/api/state")[0] == 200                       # the server still answers


def test_the_page_cannot_be_framed(server):
    for path in ("/", "/api/state", "/nope"):
        _, _, headers = call(server, path)
        assert headers["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize("host", ["0.0.0.0", "127.0.0.2"])
def test_the_host_and_origin_checks_hold_for_any_listening_address(outdir, host):
    srv = make_server(outdir, host=host)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        port = srv.server_address[1]
        own = "127.0.0.1" if host == "0.0.0.0" else host
        url = f"http://{own}:{port}/"
        def get(headers):
            req = urllib.request.Request(url + "api/state", headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code
        assert get({}) == 200
        assert get({"Host": f"evil.example:{port}"}) == 403
        assert get({"Origin": "http://evil.example"}) == 403
        assert get({"Origin": f"http://{own}:{port}"}) == 200
        ids = flag_ids(outdir)
        req = urllib.request.Request(url + "api/decision", method="POST",
                                     data=json.dumps({"flag_id": ids[0], "decision": "confirmed"}).encode(),
                                     headers={"Content-Type": "application/json", "Origin": "http://evil.example"})
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=30)
        assert e.value.code == 403
        assert ids[0] not in open_store(outdir).decisions()
    finally:
        srv.shutdown()
        srv.server_close()
