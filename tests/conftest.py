"""Shared fixtures. Anything synthetic is labelled so in :mod:`tests.synthetic`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geoplan.layers import Bundle, load_bundle
from tests import synthetic
from tests._browser import launch

# the persisted routing cache (geoplan._cache) stays out of the user's folder during tests;
# tests of the cache point GEOPLAN_CACHE at a temporary folder themselves
os.environ.setdefault("GEOPLAN_CACHE", "off")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def synthetic_bundle_path(tmp_path: Path) -> Path:
    """Folder of a freshly written SYNTHETIC bundle (see tests/synthetic.py)."""
    return synthetic.write_bundle(tmp_path / "synthetic")


@pytest.fixture
def synthetic_bundle(synthetic_bundle_path: Path) -> Bundle:
    """The SYNTHETIC bundle, loaded."""
    return load_bundle(synthetic_bundle_path)


@pytest.fixture(scope="session")
def hanoi() -> Bundle:
    """The embedded real Hà Nội bundle."""
    return load_bundle("hanoi")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's, via Playwright), one per test module; see tests/_browser.py."""
    with launch() as chromium:
        yield chromium
