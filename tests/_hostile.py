"""Shared checks of the hostile-input tests: one clear error, through the CLI and the API.

Every hostile case of tests/test_bad_inputs.py and tests/test_trust_*.py is answered the same
way: ``geoplan ARGS`` exits 2 without a traceback and prints ``error: `` and a message that
matches the case's pattern; the Python call raises the case's :class:`GeoplanError` subclass,
which is also a built-in exception, with the same message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from geoplan.cli import main
from geoplan.errors import GeoplanError

__all__ = ["assert_refused", "cli", "flat"]


def flat(text: str) -> str:
    """``text`` on one line, runs of whitespace as one space (messages wrap in terminals)."""
    return " ".join(text.split())


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and flattened stderr of ``geoplan --quiet ARGV``; never a traceback."""
    capsys.readouterr()
    code = main(["--quiet", *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and "Traceback" not in captured.out
    return code, flat(captured.err)


def assert_refused(argv: list[str], call: Callable[[], Any], error: type[GeoplanError],
                   pattern: str, capsys: pytest.CaptureFixture[str]) -> str:
    """The CLI exits 2 with ``pattern`` in its error; the API raises ``error`` with it.

    Returns the flattened message the CLI printed.
    """
    code, err = cli(argv, capsys)
    assert code == 2, err
    assert err.startswith("error: "), err
    assert re.search(pattern, err), err
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, ValueError | OSError | LookupError | ImportError)
    assert re.search(pattern, flat(str(info.value))), str(info.value)
    return err
