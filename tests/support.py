"""Helpers shared by the tests (pytest puts this folder on sys.path)."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from extract.core.errors import InputError
from extract.ingest import read_document


def read_rows(path: Path) -> list[dict]:
    """A CSV written by jixiao (UTF-8 with BOM), as dicts."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def error_of(path: Path, **kw) -> str:
    """The message of the InputError that reading `path` raises."""
    with pytest.raises(InputError) as e:
        read_document(path, path.name, **kw)
    return str(e.value)
