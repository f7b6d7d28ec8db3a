"""Imports go one way: the orchestration of a run sits above what it orchestrates.

``geoplan.workflows`` (run, monitor, batch, national) → ``geoplan.monitor`` →
``geoplan.maps`` → ``geoplan.analyses`` → ``geoplan.layers`` and the top-level helpers;
``geoplan.cli`` sits above them all. The graph is read from the source (every import, also
those inside functions; those under ``if TYPE_CHECKING:`` are annotations, not imports), so a
lazy import of a caller is caught as well as a top-level one.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "geoplan"
#: Rank of each sub-package (a module may import only modules of its rank or below).
RANKS = {"layers": 0, "analyses": 1, "maps": 2, "monitor": 3, "workflows": 4, "cli": 5}
#: Top-level modules above the helpers: the indicator facade re-exports analyses, ``__main__``
#: is the command line's entry.
MODULE_RANKS = {"geoplan.indicators": 1, "geoplan.__main__": 5}
#: The one downward-looking edge: ``IndicatorResult.explore()`` is a plotting accessor (as
#: ``DataFrame.plot`` calls matplotlib) and colours statuses with the maps' palette.
ALLOWED = {("geoplan.analyses._frames", "geoplan.maps._style")}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _exists(name: str) -> bool:
    base = PACKAGE.parent.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    annotations: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            annotations.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in annotations:
            continue
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and node.module.split(".")[0] == "geoplan":
            for alias in node.names:  # ``from geoplan.maps import _style`` is a module
                sub = f"{node.module}.{alias.name}"
                found.add(sub if _exists(sub) else node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "geoplan")
    return found


def _graph() -> dict[str, set[str]]:
    return {_module(p): _imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def _rank(module: str) -> int:
    if module in MODULE_RANKS:
        return MODULE_RANKS[module]
    parts = module.split(".")
    return RANKS.get(parts[1], 0) if len(parts) > 1 else 0


def test_the_graph_is_read() -> None:
    """The reader sees the edges it must judge (a reader that saw none would pass anything)."""
    graph = _graph()
    assert "geoplan.analyses.scorecard" in graph["geoplan.workflows.run"]
    assert "geoplan.monitor.history" in graph["geoplan.workflows.monitor"]
    assert "geoplan.maps._style" in graph["geoplan.analyses._frames"]  # a lazy import
    assert "geoplan.workflows.run" in graph["geoplan.workflows.monitor"]


def test_no_module_imports_a_layer_above_it() -> None:
    upward = sorted(f"{a} imports {b}" for a, targets in _graph().items() for b in targets
                    if _rank(b) > _rank(a) and (a, b) not in ALLOWED)
    assert upward == []


@pytest.mark.parametrize("package", ["analyses", "monitor"])
def test_evaluation_and_history_import_no_writer_of_a_run(package: str) -> None:
    """Indicators, evaluation and the monitor's parts never import the run's writers."""
    writers = {"geoplan.workflows.run", "geoplan.maps.build", "geoplan.maps.qgis"}
    found = sorted(f"{a} imports {b}" for a, targets in _graph().items()
                   if a.startswith(f"geoplan.{package}") for b in targets if b in writers)
    assert found == []


def test_packages_form_no_cycle() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for a, targets in _graph().items():
        for b in targets:
            pa, pb = (m.split(".")[1] if m.count(".") else "" for m in (a, b))
            if pa in RANKS and pb in RANKS and pa != pb and (a, b) not in ALLOWED:
                edges[pa].add(pb)
    cycles = sorted(f"{a} <-> {b}" for a in edges for b in edges[a] if a in edges.get(b, ()))
    assert cycles == []
