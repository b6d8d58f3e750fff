"""The house: each room of the package imports only from the rooms below it, never in a circle.

    core                              types, intervals, numbers, patterns, rows
    ingest · analyse · outputs        files to documents · documents to figures · results to files
    checks                            figures to check results
    pipeline                          a document to its Analysis
    batch · review · evaluate · spacy_component
    cli                               the command
    extract (the package itself)      the public API

A room may import its own modules and any room of a lower rank; rooms of one rank do not
import each other. A failure names the import that runs against the flow.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "extract"
RANK = {"core": 0, "ingest": 1, "analyse": 1, "outputs": 1, "checks": 2, "pipeline": 3,
        "batch": 4, "review": 4, "evaluate": 4, "spacy_component": 4, "cli": 5, "__main__": 6, "": 7}
MAX_LINES = 420


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(["extract", *parts])] = path
    return out


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """The package's modules that `name` imports (anywhere in the file, functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else [])) if node.level else node.module
            found.add(module)
            found.update(f"{module}.{a.name}" for a in node.names)
    return {m for m in found if m in MODULES and m != name}


def _room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


def test_every_module_is_in_a_room_of_known_rank():
    assert {_room(m) for m in MODULES} <= set(RANK), sorted({_room(m) for m in MODULES} - set(RANK))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_flow_down(module):
    room = _room(module)
    against = [d for d in GRAPH[module]
               if _room(d) != room and RANK[_room(d)] >= RANK[room]]
    assert not against, f"{module} (rank {RANK[room]}) imports {against} against the flow"


def test_no_import_cycles():
    """Within a room too (a package's __init__ re-exporting its children aside)."""
    graph = {m: {d for d in deps if not d.startswith(m + ".")} for m, deps in GRAPH.items()}
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_the_core_imports_nothing_of_the_package_but_itself():
    for module, deps in GRAPH.items():
        if _room(module) == "core":
            assert all(_room(d) == "core" for d in deps), (module, deps)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module):
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{module}: {lines} lines; split it by concept"


def test_the_layer_rule_catches_an_import_against_the_flow(tmp_path):
    """The test itself can fail: a core module importing the pipeline is reported."""
    fake = tmp_path / "rows.py"
    fake.write_text("from ..pipeline import analyse\n", encoding="utf-8")
    deps = {d for d in _imports("extract.core.rows", fake)}
    assert deps == {"extract.pipeline"} and RANK[_room("extract.pipeline")] > RANK["core"]
