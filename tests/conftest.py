"""Shared fixtures. Anything synthetic is labelled so in :mod:`tests.synthetic`."""

from __future__ import annotations

from pathlib import Path

import pytest

from geoplan.layers import Bundle, load_bundle
from tests import synthetic

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
