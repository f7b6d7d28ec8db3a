"""The README's Python example runs as written (every ```pycon block is a doctest).

The expected outputs in the README are real values of the committed Hà Nội bundle, so a
change that moves them (or breaks the API the README teaches) fails here.
"""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
_BLOCK = re.compile(r"^```pycon\n(.*?)^```", re.S | re.M)


def _blocks() -> list[str]:
    return _BLOCK.findall(README.read_text(encoding="utf-8"))


def test_readme_has_a_python_example() -> None:
    blocks = _blocks()
    assert blocks, "README.md has no ```pycon block"
    assert sum(block.count(">>> ") for block in blocks) >= 10


@pytest.mark.parametrize("index", range(len(_blocks())))
def test_readme_example_runs(index: int) -> None:
    parser = doctest.DocTestParser()
    test = parser.get_doctest(_blocks()[index], {}, f"README.md block {index + 1}",
                              str(README), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted == _blocks()[index].count(">>> ")  # every example was run
    assert result.failed == 0, f"{result.failed} README example(s) failed; see the output above"
