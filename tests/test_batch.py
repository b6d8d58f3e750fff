"""Batches: workers, resuming, isolation, Parquet and Dask give the tables of a one-worker run."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from extract import run
from extract.core import rows as output
from extract.outputs.files import write_csv
from extract.batch import STATE, pipeline_version, run_batch
from extract.outputs.csvio import csv_body
from extract.core.patterns import patterns_dir
from extract.pipeline import process, read_report
from support import read_rows as _rows

pytestmark = pytest.mark.batch

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpora"
TABLES = [f"{name}.csv" for name in output.TABLES]


def misbehaving(path, doc_id, patterns, **options):
    """Test-only per-document function (run_batch's `processor`): `slow.txt` hangs, `crash.txt`
    kills its process, `huge.txt` asks for 8 GB; every other document is processed as usual."""
    name = Path(path).stem
    if name == "slow":
        time.sleep(60)
    elif name == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    elif name == "huge":
        bytearray(8 * 1024 ** 3)
    return process(path, doc_id, patterns, **options)


def _inputs(folder: Path, copies: int = 1) -> Path:
    """The corpus reports (text, one PDF, one Word file), bad files, a subfolder."""
    (folder / "sub").mkdir(parents=True)
    for i in range(copies):
        for p in sorted(CORPUS.glob("*.txt")):
            shutil.copy(p, folder / (p.name if i == 0 else f"{p.stem}-{i}.txt"))
    if copies == 1:
        shutil.copy(CORPUS / "jiedao-2022.pdf", folder / "sub" / "jiedao-2022.pdf")
        shutil.copy(CORPUS / "zhongxue-2023.docx", folder / "sub" / "zhongxue-2023.docx")
        (folder / "empty.txt").write_bytes(b"")
        (folder / "junk.txt").write_bytes(bytes(range(256)) * 20)
    return folder


def _tables(out: Path) -> dict[str, object]:
    """Every table's bytes; documents.csv without its `seconds` column (timings differ)."""
    tables = {}
    for name in TABLES:
        if name == "documents.csv":
            tables[name] = [{k: v for k, v in r.items() if k != "seconds"} for r in _rows(out / name)]
        else:
            tables[name] = (out / name).read_bytes()
    return tables


def _assert_same(a: Path, b: Path) -> None:
    ta, tb = _tables(a), _tables(b)
    for name in TABLES:
        assert ta[name] == tb[name], name
    texts = sorted(p.relative_to(a / "text") for p in (a / "text").rglob("*.txt"))
    assert texts == sorted(p.relative_to(b / "text") for p in (b / "text").rglob("*.txt"))
    for t in texts:
        assert (a / "text" / t).read_bytes() == (b / "text" / t).read_bytes()


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory):
    base = tmp_path_factory.mktemp("one")
    inputs = _inputs(base / "in")
    summary = run_batch([inputs], base / "out", workers=1)
    return inputs, base / "out", summary


def test_two_workers_write_what_one_writes(one_worker, tmp_path):
    inputs, out1, summary1 = one_worker
    summary2 = run_batch([inputs], tmp_path / "out", workers=2)
    _assert_same(out1, tmp_path / "out")
    assert summary1.status == summary2.status and summary1.figures == summary2.figures > 1000
    assert summary1.status["error"] == 2 and summary1.flags == summary2.flags
    docs = [r["doc_id"] for r in _rows(out1 / "documents.csv")]
    assert docs == sorted(docs, key=lambda d: (d.count("/"), d)) and len(docs) == len(set(docs))


def test_run_api_returns_reports_from_workers(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CORPUS / "xiang-errors-2023.txt", inputs)
    shutil.copy(CORPUS / "baisha-2023.txt", inputs)
    reports = run([inputs], tmp_path / "out", workers=2)
    assert [r.doc_id for r in reports] == ["baisha-2023.txt", "xiang-errors-2023.txt"]
    expected = read_report(inputs / "baisha-2023.txt")
    assert [f.surface for f in reports[0].analysis.figures] == [f.surface for f in expected.analysis.figures]
    again = run([inputs], tmp_path / "out", resume=True)
    assert [r.status for r in again] == ["ok", "ok"] and again[0].analysis is None


def test_csv_slices_are_what_write_csv_writes(tmp_path):
    report = read_report(CORPUS / "zhongxue-2023.txt")
    for name, rows in report.tables().items():
        columns = output.TABLES[name]
        write_csv(tmp_path / "t.csv", columns, rows)
        header = ",".join(columns) + "\r\n"
        written = (tmp_path / "t.csv").read_bytes().decode("utf-8-sig")
        assert written == header + csv_body(columns, rows), name


def test_parquet_has_the_rows_of_the_csv(one_worker):
    _, out, _ = one_worker
    for name, columns in output.TABLES.items():
        frame = pd.read_parquet(out / f"{name}.parquet", dtype_backend="numpy_nullable")
        text = pd.read_csv(out / f"{name}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert list(frame.columns) == list(columns) == list(text.columns)
        assert len(frame) == len(text)
        for c in columns:
            got = ["" if pd.isna(v) else str(v) for v in frame[c].astype(object)]
            want = list(text[c]) if c in output.NUMERIC_COLUMNS else [output.unsafe_text(v) for v in text[c]]
            assert got == want, (name, c)
    import pyarrow.parquet as pq

    schema = pq.read_schema(out / "figures.parquet")
    assert str(schema.field("start").type) == "int64" and str(schema.field("page").type) == "int64"
    assert str(schema.field("value").type) == "string" and str(schema.field("value_base").type) == "string"


class Record:
    """A progress receiver that keeps what it is told."""

    def start(self, total, resumed):
        self.total, self.resumed, self.done = total, resumed, []

    def advance(self, outcome):
        self.done.append(outcome.doc_id)

    def close(self):
        pass


def test_rerun_skips_done_documents_and_redoes_changed_ones(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("jiedao-2022.txt", "zhongxue-2023.txt", "baisha-2023.txt"):
        shutil.copy(CORPUS / name, inputs)
    out = tmp_path / "out"
    run_batch([inputs], out)
    before = _rows(out / "figures.csv")
    progress = Record()
    summary = run_batch([inputs], out, progress=progress)
    assert (progress.total, progress.resumed, summary.resumed) == (0, 3, 3)
    assert _rows(out / "figures.csv") == before

    text = (inputs / "zhongxue-2023.txt").read_text(encoding="utf-8")
    (inputs / "zhongxue-2023.txt").write_text(text + "\n另有专项资金12.5万元。\n", encoding="utf-8")
    run_batch([inputs], out, progress=progress)
    assert progress.done == ["zhongxue-2023.txt"] and progress.resumed == 2
    after = _rows(out / "figures.csv")
    assert any(r["surface"] == "12.5万元" and r["doc_id"] == "zhongxue-2023.txt" for r in after)
    assert len(after) == len(before) + 1
    assert len(list((out / STATE / "docs").glob("*.json"))) == 3      # the old result is gone

    run_batch([inputs], out, progress=progress, force=True)
    assert progress.total == 3 and progress.resumed == 0


def test_new_patterns_redo_everything(tmp_path):
    patterns = tmp_path / "patterns"
    shutil.copytree(ROOT / "patterns", patterns)
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CORPUS / "jiedao-2022.txt", inputs)
    run_batch([inputs], tmp_path / "out", patterns=patterns)
    with open(patterns / "units.yaml", "a", encoding="utf-8") as fh:
        fh.write("\n# a comment is a new version too\n")
    progress = Record()
    run_batch([inputs], tmp_path / "out", patterns=patterns, progress=progress)
    assert progress.total == 1 and progress.resumed == 0


def _cli(*args):
    return subprocess.Popen([sys.executable, "-m", "extract", *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_shards(out: Path, proc, at_least: int) -> int:
    docs = out / STATE / "docs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        n = len(list(docs.glob("*.json"))) if docs.is_dir() else 0
        if n >= at_least:
            return n
        time.sleep(0.01)
    raise AssertionError(f"the run ended or stalled before {at_least} documents: {proc.communicate()}")


def test_interrupted_and_killed_runs_resume_to_the_same_tables(tmp_path):
    inputs = _inputs(tmp_path / "in", copies=40)             # 280 documents
    total = len(list(inputs.glob("*.txt")))
    out = tmp_path / "out"
    version = pipeline_version(patterns_dir(), 200 * 1024 * 1024)

    proc = _cli("run", inputs, "-o", out, "--workers", 2)
    _wait_for_shards(out, proc, 20)
    proc.send_signal(signal.SIGINT)                          # Ctrl-C
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err
    assert not (out / "documents.csv").exists()

    proc = _cli("run", inputs, "-o", out, "--workers", 2)
    done = _wait_for_shards(out, proc, 60)
    proc.kill()                                              # no chance to clean up
    proc.communicate()
    assert done < total

    proc = _cli("run", inputs, "-o", out, "--workers", 2)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    resumed = int(err.split(" done earlier")[0].rsplit(" ", 1)[-1])
    if pipeline_version(patterns_dir(), 200 * 1024 * 1024) == version:
        assert done <= resumed < total     # (an edit of the package meanwhile makes all new)
    assert f"{total} documents: {total} ok" in err

    docs = [r["doc_id"] for r in _rows(out / "documents.csv")]
    assert sorted(docs) == sorted(p.name for p in inputs.glob("*.txt")) and len(set(docs)) == total
    reference = tmp_path / "reference"
    run_batch([inputs], reference, workers=2)
    _assert_same(reference, out)
    assert not list(out.rglob(".*.tmp"))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_hanging_document_times_out_and_the_batch_goes_on(tmp_path, workers):
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CORPUS / "jiedao-2022.txt", inputs / "a.txt")
    shutil.copy(CORPUS / "jiedao-2022.txt", inputs / "slow.txt")
    shutil.copy(CORPUS / "zhongxue-2023.txt", inputs / "z.txt")
    t0 = time.monotonic()
    summary = run_batch([inputs], tmp_path / "out", workers=workers, timeout=3, processor=misbehaving)
    assert time.monotonic() - t0 < 30
    docs = {r["doc_id"]: r for r in _rows(tmp_path / "out" / "documents.csv")}
    assert docs["slow.txt"]["status"] == "error" and docs["slow.txt"]["error"] == "timeout after 3 s"
    assert docs["a.txt"]["status"] == docs["z.txt"]["status"] == "ok"
    assert summary.status == {"ok": 2, "error": 1}
    figures = {r["doc_id"] for r in _rows(tmp_path / "out" / "figures.csv")}
    assert figures == {"a.txt", "z.txt"}
    # recorded: a re-run does not wait for it again, keeps its row, and tries it only when asked
    progress = Record()
    run_batch([inputs], tmp_path / "out", workers=workers, timeout=0.5, processor=misbehaving,
              progress=progress)
    assert progress.done == []
    docs = {r["doc_id"]: r for r in _rows(tmp_path / "out" / "documents.csv")}
    assert docs["slow.txt"]["error"] == "timeout after 3 s" and docs["a.txt"]["status"] == "ok"
    progress = Record()
    run_batch([inputs], tmp_path / "out", workers=workers, timeout=0.5, processor=misbehaving,
              progress=progress, retry_failed=True)
    assert progress.done == ["slow.txt"]
    docs = {r["doc_id"]: r for r in _rows(tmp_path / "out" / "documents.csv")}
    assert docs["slow.txt"]["error"] == "timeout after 0.5 s"


def test_a_crashing_or_memory_hungry_document_is_an_error_row(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in ("a", "crash", "b", "huge", "c"):
        shutil.copy(CORPUS / "xiang-errors-2023.txt", inputs / f"{name}.txt")
    summary = run_batch([inputs], tmp_path / "out", workers=2, max_memory=256, processor=misbehaving)
    docs = {r["doc_id"]: r for r in _rows(tmp_path / "out" / "documents.csv")}
    assert docs["crash.txt"]["error"] == "worker crashed: killed by SIGKILL"
    assert docs["huge.txt"]["error"] == "out of memory"
    assert [docs[n]["status"] for n in ("a.txt", "b.txt", "c.txt")] == ["ok"] * 3
    assert summary.status == {"ok": 3, "error": 2}


def test_one_document_left_is_still_read_in_a_worker(tmp_path):
    """With two workers, a re-run with only the crashing document left keeps its isolation:
    the crash is its row, not the end of the run."""
    inputs = tmp_path / "in"
    inputs.mkdir()
    shutil.copy(CORPUS / "xiang-errors-2023.txt", inputs / "crash.txt")
    summary = run_batch([inputs], tmp_path / "out", workers=2, processor=misbehaving)
    assert summary.status == {"error": 1}
    docs = {r["doc_id"]: r for r in _rows(tmp_path / "out" / "documents.csv")}
    assert docs["crash.txt"]["error"] == "worker crashed: killed by SIGKILL"


def test_dask_local_cluster_writes_what_local_workers_write(one_worker, tmp_path):
    import distributed  # noqa: F401  (a dependency: its absence is a failure, not a skip)
    inputs, out1, summary1 = one_worker
    summary = run_batch([inputs], tmp_path / "out", workers=2, dask="local")
    _assert_same(out1, tmp_path / "out")
    assert summary.status == summary1.status and summary.figures == summary1.figures


def test_killed_at_random_points_every_table_stays_readable(tmp_path):
    """Crash consistency: SIGKILL at random moments (also while tables are written); after each
    kill every table that exists parses whole and names only documents of the manifest; the
    next run completes the batch to what an uninterrupted run writes."""
    import json
    import random

    inputs = _inputs(tmp_path / "in", copies=12)             # 84 documents
    out = tmp_path / "out"
    rng = random.Random(20261127)
    for attempt in range(5):
        proc = _cli("run", inputs, "-o", out, "--workers", 2, *(["--force"] if attempt == 3 else []))
        time.sleep(rng.uniform(0.5, 6.0))
        proc.kill()
        proc.communicate()
        manifest = out / STATE / "manifest.json"
        known = ({d["doc_id"] for d in json.loads(manifest.read_text(encoding="utf-8"))["documents"]}
                 if manifest.exists() else None)
        for name in TABLES:
            path = out / f"{name}.csv"
            if path.exists():
                rows = _rows(path)                            # a half-written table would not parse
                if known is not None and name == "documents":
                    assert {r["doc_id"] for r in rows} <= known
        assert not [p for p in out.rglob("*.tmp") if p.stat().st_size and not p.name.startswith(".")]
    proc = _cli("run", inputs, "-o", out, "--workers", 2)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    reference = tmp_path / "reference"
    run_batch([inputs], reference, workers=2)
    _assert_same(reference, out)
