"""Every example in geoplan's docstrings runs as written, on the shipped data.

The numpydoc ``Examples`` sections are doctests: an example whose output drifts from the
code (a value moved, an API renamed) fails here. Examples marked ``# doctest: +SKIP`` (those
that write files or reach the network) are not run.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "geoplan").rglob("*.py") if p.name != "__main__.py")


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # examples name recipes and bundles relative to the checkout
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name, globs=dict(vars(module))):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed; see the output"


def test_the_examples_are_found() -> None:
    """The finder sees the package's examples (a finder that saw none would pass anything)."""
    module = importlib.import_module("geoplan.analyses.wording")
    tests = doctest.DocTestFinder(exclude_empty=True).find(module)
    assert sum(len(t.examples) for t in tests) >= 8
    assert len(MODULES) > 80 and "geoplan.workflows.run" in MODULES
