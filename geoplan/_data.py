"""Where the shipped bundles and recipes are: the checkout's folders, or the wheel's copy.

A checkout (or an editable install) has ``layers/`` and ``analyses/`` beside the package; a
wheel carries them inside it as ``geoplan/_shipped/layers`` and ``geoplan/_shipped/analyses``
(``[tool.hatch.build.targets.wheel.force-include]`` in ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["in_checkout", "shipped_dir"]

_PACKAGE = Path(__file__).resolve().parent


def in_checkout() -> bool:
    """True when the package runs from a source tree (``layers/`` beside ``geoplan/``)."""
    return (_PACKAGE.parent / "layers").is_dir() and (_PACKAGE.parent / "pyproject.toml").is_file()


def shipped_dir(kind: str) -> Path:
    """The folder of the shipped ``"layers"`` or ``"analyses"``.

    Examples
    --------
    >>> shipped_dir("analyses").name
    'analyses'
    """
    return _PACKAGE.parent / kind if in_checkout() else _PACKAGE / "_shipped" / kind
