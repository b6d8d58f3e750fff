"""The README's commands are the ones CI runs."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if line.startswith("apt-get update"))
    assert command in readme and "python -m pytest" in command
    assert "../shared" not in readme           # a user of the project has only the repository
    assert "jixiao run corpora -o outputs" in readme
