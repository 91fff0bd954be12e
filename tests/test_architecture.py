"""The shape of the code base: the import contracts, no import cycles, and what the package installs.

The contracts are in pyproject.toml ([tool.importlinter]); `make lint` runs them too (`lint-imports`).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp
import pytest
import setuptools

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("kernel", "vectorstore", "ingest", "assistant", "evals", "ui")
BIN = Path(sys.executable).parent


def _pyproject() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


# ----- imports ----------------------------------------------------------------------------------------
def test_the_import_contracts_are_kept() -> None:
    """The layers (ui > evals > assistant | ingest > vectorstore > kernel) and no cycles in any package."""
    done = subprocess.run(
        [str(BIN / "lint-imports"), "--no-cache", "--no-logo"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout, done.stdout


def test_the_contracts_cover_every_package() -> None:
    config = _pyproject()["tool"]["importlinter"]
    assert sorted(config["root_packages"]) == sorted(PACKAGES)
    by_type = {contract["type"]: contract for contract in config["contracts"]}
    layered = {name.strip() for layer in by_type["layers"]["layers"] for name in layer.split("|")}
    assert layered == set(PACKAGES)
    assert sorted(by_type["acyclic_siblings"]["ancestors"]) == sorted(PACKAGES)


def test_no_module_imports_itself_through_others() -> None:
    """No cycle between modules, module-level and function-level imports alike (grimp sees both).

    The acyclic_siblings contract compares siblings; this also catches a cycle through a package's
    __init__ module, which is nobody's sibling.
    """
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    cycles = [sorted(c) for c in _strongly_connected(graph) if len(c) > 1]
    details = []
    for cycle in cycles:
        members = set(cycle)
        for importer in cycle:
            for imported in sorted(graph.find_modules_directly_imported_by(importer) & members):
                for d in graph.get_import_details(importer=importer, imported=imported):
                    details.append(f"{importer}:{d['line_number']} -> {imported}  ({d['line_contents']})")
    assert not cycles, "import cycles:\n" + "\n".join(details)


def _strongly_connected(graph: grimp.ImportGraph) -> list[set[str]]:
    """Tarjan's algorithm, iterative (no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
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
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    found.append(component)
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = grimp.ImportGraph()
    for importer, imported in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d")]:
        graph.add_import(importer=importer, imported=imported)
    assert sorted(sorted(c) for c in _strongly_connected(graph) if len(c) > 1) == [["p.a", "p.b", "p.c"]]


# ----- what is installed ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", PACKAGES)
def test_each_package_comes_from_this_repository(name: str) -> None:
    module = importlib.import_module(name)
    assert module.__file__ is not None, f"{name} is a namespace package here: {module.__path__}"
    assert Path(module.__file__).resolve() == REPO / name / "__init__.py"
    # No other installed distribution provides a package of that name (the repository's own
    # forum_assistant.egg-info, on sys.path under pytest, may list this one a second time).
    assert set(importlib.metadata.packages_distributions().get(name) or []) == {"forum-assistant"}


def test_the_install_resolves_every_package_to_this_repository_from_anywhere(tmp_path: Path) -> None:
    """The same from outside the repository, where only the installed distribution can provide them.

    An editable install made before a package had its __init__.py maps it as a namespace package (no
    __file__): `pip install -e .` again fixes that.
    """
    script = (
        "import importlib, importlib.util, json\n"
        f"names = {list(PACKAGES)!r}\n"
        "files = {n: importlib.import_module(n).__file__ for n in names}\n"
        "tests = importlib.util.find_spec('tests')\n"
        "print(json.dumps({'files': files, 'tests': tests.origin if tests else None}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["files"] == {name: str(REPO / name / "__init__.py") for name in PACKAGES}
    assert found["tests"] is None, f"a `tests` package is installed: {found['tests']}"


def test_nothing_test_only_is_installed() -> None:
    spec = importlib.util.find_spec("tests")
    assert spec is None or (spec.origin is not None and Path(spec.origin).resolve().is_relative_to(REPO))
    assert "forum-assistant" not in (importlib.metadata.packages_distributions().get("tests") or [])
    top_level = importlib.metadata.distribution("forum-assistant").read_text("top_level.txt") or ""
    assert sorted(top_level.split()) == sorted(PACKAGES)


def test_the_wheel_holds_exactly_the_six_packages() -> None:
    include = _pyproject()["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {pattern.removesuffix(".*") for pattern in include} == set(PACKAGES)
    assert all(f"{name}.*" in include for name in PACKAGES), "sub-packages must be included too"
    found = setuptools.find_packages(where=str(REPO), include=include)
    assert {name.split(".")[0] for name in found} == set(PACKAGES)
    # Every package and sub-package on disk (a folder of .py files with an __init__.py) is in the wheel.
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for name in PACKAGES
        for init in (REPO / name).rglob("__init__.py")
    }
    assert on_disk <= set(found)
