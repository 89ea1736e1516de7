"""The package's shape: layers kept by an import-linter contract, no import loop, short files, no hidden imports."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest

from coopdata.core.paths import PACKAGE_DIR, PROJECT_DIR

MAX_LINES = 600
LAYERS = ("core", "data", "analysis", "views", "report", "batch")  # bottom to top
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _python_files(*roots: Path) -> list[Path]:
    return sorted(p for root in roots for p in root.rglob("*.py") if "__pycache__" not in p.parts)


def _lint_imports(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(pythonpath)})


def test_the_contract_names_every_layer_in_order():
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = [c for c in config["contracts"] if c["type"] == "layers"]
    assert contract["layers"][1:] == [f"coopdata.{name}" for name in reversed(LAYERS)]
    subpackages = {p.name for p in PACKAGE_DIR.iterdir() if (p / "__init__.py").is_file()}
    assert subpackages == set(LAYERS)


def test_the_layers_contract_is_kept():
    res = _lint_imports(PROJECT_DIR, PROJECT_DIR)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Contracts: 1 kept, 0 broken." in res.stdout


def test_the_layers_contract_fails_on_a_reversed_import(tmp_path):
    """A core module importing a view must break the contract (the contract is not a no-op)."""
    shutil.copytree(PACKAGE_DIR, tmp_path / "coopdata", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PROJECT_DIR / "pyproject.toml", tmp_path / "pyproject.toml")
    text = tmp_path / "coopdata" / "core" / "text.py"
    text.write_text(text.read_text(encoding="utf-8") + "\nfrom coopdata.views import style  # noqa: E402,F401\n",
                    encoding="utf-8")
    res = _lint_imports(tmp_path, tmp_path)
    assert res.returncode != 0
    assert "coopdata.core is not allowed to import coopdata.views" in res.stdout
    assert "coopdata.core.text -> coopdata.views.style" in res.stdout


def _import_cycles(graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_the_cycle_finder_finds_a_cycle():
    graph = grimp.ImportGraph()
    for module in ("p.a", "p.b", "p.c"):
        graph.add_module(module)
    graph.add_import(importer="p.a", imported="p.b")
    graph.add_import(importer="p.b", imported="p.a")
    graph.add_import(importer="p.c", imported="p.a")
    assert _import_cycles(graph) == [["p.a", "p.b"]]


def test_no_import_loop():
    graph = grimp.build_graph("coopdata")
    assert _import_cycles(graph) == []


@pytest.mark.parametrize("path", _python_files(PACKAGE_DIR, PROJECT_DIR / "tests", PROJECT_DIR / "benchmarks"),
                         ids=lambda p: str(p.relative_to(PROJECT_DIR)))
def test_no_file_is_over_600_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PROJECT_DIR)} has {lines} lines; split it by job"


def _function_imports(path: Path) -> list[tuple[int, str]]:
    """Imports inside a function that lack a ``# start-up:`` comment on their line or the comment block above."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found = []
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(func):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            i = node.lineno - 1
            block = [lines[i]]
            while i > 0 and lines[i - 1].strip().startswith("#"):
                i -= 1
                block.append(lines[i])
            if not any("start-up:" in line for line in block):
                found.append((node.lineno, lines[node.lineno - 1].strip()))
    return found


def test_function_level_imports_state_their_start_up_reason():
    offenders = {str(p.relative_to(PROJECT_DIR)): found for p in _python_files(PACKAGE_DIR)
                 if (found := _function_imports(p))}
    assert offenders == {}


def test_the_function_import_check_can_fail(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import json\n    return json\n\n\ndef g():\n"
                      "    # start-up: measured 0.5 s\n    import csv\n    return csv\n", encoding="utf-8")
    assert _function_imports(module) == [(2, "import json")]
