"""The one exception hierarchy of geoplan.

Every error geoplan raises on purpose derives from :class:`GeoplanError` and also from the
built-in exception a Python user would expect (``ValueError`` for bad values, ``OSError`` for
files), so ``except ValueError`` keeps working in scripts that do not know geoplan.

Messages are built first and then raised; each says *what* is wrong, *where* (file, layer,
column, key, line) and *how to fix it*. The CLI prints the message without a traceback and
exits with code 2.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

# the package logger stays silent unless the application configures logging (it was set in
# geoplan/__init__.py, which now imports nothing: see there)
logging.getLogger("geoplan").addHandler(logging.NullHandler())

__all__ = [
    "BatchError",
    "BundleNotFoundError",
    "CRSError",
    "GeoplanError",
    "LayerNotAvailableError",
    "LayerValidationError",
    "MissingExtraError",
    "NetworkError",
    "OutputError",
    "RecipeError",
    "ResultError",
    "SourceDataError",
]


class GeoplanError(Exception):
    """Base class of every error geoplan raises on purpose."""


class BundleNotFoundError(GeoplanError, FileNotFoundError):
    """A layer bundle name or path does not resolve to a folder with a manifest."""


class LayerValidationError(GeoplanError, ValueError):
    """One or more problems in a bundle's layers, reported together.

    Parameters
    ----------
    problems
        One human-readable line per problem; each names the layer (and column) and the fix.
    bundle
        Name or path of the bundle the problems belong to.
    """

    def __init__(self, problems: Iterable[str], *, bundle: str = "") -> None:
        self.problems: list[str] = list(problems)
        self.bundle = bundle
        where = f" in bundle {bundle!r}" if bundle else ""
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''}{where}:"
        message = "\n".join([head, *(f"  - {p}" for p in self.problems)])
        super().__init__(message)


class CRSError(GeoplanError, ValueError):
    """A layer has no CRS, or a CRS that cannot be used for the requested computation."""


class LayerNotAvailableError(GeoplanError, KeyError):
    """A role was requested from a bundle that does not hold it.

    Indicators do not raise this; they return a typed "no data" result instead.
    """

    def __str__(self) -> str:  # KeyError would quote the message otherwise
        return str(self.args[0]) if self.args else ""


class RecipeError(GeoplanError, ValueError):
    """A recipe (``analyses/*.yaml``) is malformed; the message names file, line and fix."""


class ResultError(GeoplanError, ValueError):
    """An indicator result or evaluation cannot give what was asked of it (no per-unit
    values, or units of another bundle to join them to)."""


class SourceDataError(GeoplanError, ValueError):
    """Raw source data used to build a bundle is missing or not what the builder expects."""


class NetworkError(GeoplanError, ValueError):
    """A street network cannot be used for routing (empty, unconnected, bad lengths)."""


class OutputError(GeoplanError, OSError):
    """An output cannot be written (folder not writable, disk full, interrupted)."""


class MissingExtraError(GeoplanError, ImportError):
    """A command needs an optional dependency ("extra") that is not installed.

    The message names the package and the ``pip install 'geoplan[<extra>]'`` line.
    """


class BatchError(GeoplanError, OSError):
    """A batch cannot run: its dask scheduler cannot be reached, or a task kept failing."""
