"""The `jixiao run` command as a scheduler sees it: a clear message and an exit status for
every way a run can go wrong (the table of `jixiao run --help`), never a traceback."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from extract.cli import EXIT_DOCUMENT_ERRORS, EXIT_UNUSABLE, main
from support import read_rows

GOOD = "收入合计1,000.00万元，其中财政拨款800.00万元，其他收入200.00万元。\n"


def _run(capsys, *args) -> tuple[int, str]:
    code = main(["run", *map(str, args), "-j", "1"])
    return code, capsys.readouterr().err


def test_an_input_that_does_not_exist_is_refused(tmp_path, capsys):
    code, err = _run(capsys, tmp_path / "no-such-report.txt", "-o", tmp_path / "out")
    assert code == EXIT_UNUSABLE
    assert "输入不存在" in err and "no-such-report.txt" in err and "unsupported" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("out", ["file", "file/sub"])
def test_an_output_path_that_is_a_file_is_refused(tmp_path, capsys, out):
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    code, err = _run(capsys, tmp_path / "a.txt", "-o", tmp_path / out)
    assert code == EXIT_UNUSABLE
    assert "不是文件夹" in err and "Traceback" not in err
    assert (tmp_path / "file").read_text(encoding="utf-8") == "not a folder"


def test_a_document_error_fails_the_run_unless_fail_on_never(tmp_path, capsys):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text(GOOD, encoding="utf-8")
    (inputs / "empty.txt").write_bytes(b"")
    code, err = _run(capsys, inputs, "-o", tmp_path / "out")
    assert code == EXIT_DOCUMENT_ERRORS == 3 and "1 份文档出错" in err
    status = {r["doc_id"]: r["status"] for r in read_rows(tmp_path / "out" / "documents.csv")}
    assert status == {"empty.txt": "error", "good.txt": "ok"}
    code, err = _run(capsys, inputs, "-o", tmp_path / "out", "--fail-on", "never")
    assert code == 0 and "1 error" in err
    (inputs / "empty.txt").unlink()
    code, _ = _run(capsys, inputs, "-o", tmp_path / "out")
    assert code == 0


def test_exit_statuses_are_documented(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    text = capsys.readouterr().out
    assert "--fail-on" in text and "exit status" in text
    for code in ("0", "1", "2", "3", "130"):
        assert f"\n  {code} " in text


def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path, capsys, monkeypatch):
    """`jixiao run . -o ./outputs`, twice: the second run finds the same one report, not the
    texts and tables the first one wrote; nor is an earlier run's folder under another name."""
    (tmp_path / "a.txt").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        code, err = _run(capsys, ".", "-o", "./outputs")
        assert code == 0, err
        assert [r["doc_id"] for r in read_rows(tmp_path / "outputs" / "documents.csv")] == ["a.txt"]
    assert list((tmp_path / "outputs" / "text").rglob("*.txt"))      # what a re-run must not read
    code, err = _run(capsys, ".", "-o", "elsewhere")
    assert code == 0, err
    assert [r["doc_id"] for r in read_rows(tmp_path / "elsewhere" / "documents.csv")] == ["a.txt"]


def test_discovery_skips_output_folders(tmp_path):
    from extract.batch.discover import discover

    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "b.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "out" / "text").mkdir(parents=True)
    (tmp_path / "out" / "text" / "b.txt.txt").write_text(GOOD, encoding="utf-8")
    (tmp_path / "old" / ".jixiao").mkdir(parents=True)
    (tmp_path / "old" / "text").mkdir()
    (tmp_path / "old" / "text" / "b.txt").write_text(GOOD, encoding="utf-8")
    found = discover([tmp_path], tmp_path / "out")
    assert [doc_id for _, doc_id in found.files] == ["reports/b.txt"]
    assert sorted(p.name for p in found.skipped_folders) == ["old", "out"]
    named = discover([tmp_path / "old"], tmp_path / "out")      # a folder named is always read
    assert [doc_id for _, doc_id in named.files] == ["text/b.txt"]


def _run_twice_the_second_unwritable(tmp_path, capsys, make_unwritable) -> tuple[int, str, Path]:
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    (inputs / "a.txt").write_text(GOOD, encoding="utf-8")
    assert _run(capsys, inputs, "-o", out)[0] == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "lock"}
    (inputs / "b.txt").write_text(GOOD.replace("1,000.00", "1,200.00"), encoding="utf-8")
    with make_unwritable(out):
        code, err = _run(capsys, inputs, "-o", out)
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "lock"}
    assert after == before                     # the earlier outputs as they were, no temp files
    return code, err, out


def test_an_output_folder_that_cannot_be_written_stops_the_run_with_one_message(tmp_path, capsys,
                                                                                monkeypatch):
    """A read-only file system, as the run meets it: every new file in OUTDIR is refused."""
    import contextlib
    import errno
    import tempfile

    real = tempfile.mkstemp

    @contextlib.contextmanager
    def read_only(out: Path):
        def mkstemp(*args, dir=None, **kwargs):
            if dir is not None and Path(dir).resolve().is_relative_to(out.resolve()):
                raise OSError(errno.EROFS, "Read-only file system", str(dir))
            return real(*args, dir=dir, **kwargs)
        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
        yield
        monkeypatch.setattr(tempfile, "mkstemp", real)

    code, err, out = _run_twice_the_second_unwritable(tmp_path, capsys, read_only)
    assert code == EXIT_UNUSABLE and "Traceback" not in err
    assert err.count("jixiao:") == 1 and "无法写入" in err and "Read-only file system" in err


@pytest.mark.skipif(os.geteuid() == 0, reason="permissions do not stop root")
def test_a_read_only_output_folder_stops_the_run_with_one_message(tmp_path, capsys):
    import contextlib

    @contextlib.contextmanager
    def read_only(out: Path):
        folders = [out, *(p for p in out.rglob("*") if p.is_dir())]
        for folder in folders:
            folder.chmod(0o555)
        try:
            yield
        finally:
            for folder in folders:
                folder.chmod(0o755)

    code, err, _ = _run_twice_the_second_unwritable(tmp_path, capsys, read_only)
    assert code == EXIT_UNUSABLE and "Traceback" not in err and "无法写入" in err
