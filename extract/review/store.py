"""Decisions on flags, in SQLite (`OUTDIR/review.sqlite`, WAL), keyed by the stable `flag_id`.

A reviewer marks each flag `confirmed` or `dismissed` with an optional note; a re-run of the
batch that rewrites flags.csv keeps them. Each distinct set of flags the store sees is a run;
a flag first seen in the latest run (when there was an earlier one) is `new`, and a flag seen
before but not in flags.csv any more has `disappeared` (its decision is kept and shown). A
new flag about what a disappeared one was about (the same `subject_id`: the report, check and
operands, not their values) has `changed`, and carries the earlier decision.

Every write is one `BEGIN IMMEDIATE` transaction on its own connection and is appended to a log,
so concurrent reviewers never lose each other's decisions; a reviewer who decides on a flag that
someone else changed since the page was loaded gets a DecisionConflict instead of overwriting it.
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Mapping

DB_NAME = "review.sqlite"
DECISIONS = ("confirmed", "dismissed")
MAX_NOTE = 10_000
SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL, flags INTEGER NOT NULL,
    seen_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS flags_seen (
    flag_id TEXT PRIMARY KEY, first_run INTEGER NOT NULL, last_run INTEGER NOT NULL,
    doc_id TEXT, check_name TEXT, severity TEXT, message TEXT, evidence TEXT, figure_ids TEXT,
    page TEXT, section TEXT, stated TEXT, expected TEXT, tolerance TEXT, subject_id TEXT);
CREATE TABLE IF NOT EXISTS decisions (
    flag_id TEXT PRIMARY KEY, decision TEXT NOT NULL, note TEXT NOT NULL, reviewer TEXT NOT NULL,
    decided_at TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS decision_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, flag_id TEXT NOT NULL, decision TEXT NOT NULL,
    note TEXT NOT NULL, reviewer TEXT NOT NULL, decided_at TEXT NOT NULL, version INTEGER NOT NULL);
"""
SNAPSHOT = {"doc_id": "doc_id", "check_name": "check", "severity": "severity", "message": "message",
            "evidence": "evidence", "figure_ids": "figure_ids", "page": "page", "section": "section",
            "stated": "stated", "expected": "expected", "tolerance": "tolerance", "subject_id": "subject_id"}


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
            have = {r["name"] for r in con.execute("PRAGMA table_info(flags_seen)")}
            if "subject_id" not in have:          # a store made before flags had subjects
                con.execute("ALTER TABLE flags_seen ADD COLUMN subject_id TEXT")
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
