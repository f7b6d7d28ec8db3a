"""geoplan: Vietnam's urban-planning targets as measured, mapped facts.

The package reads a city's layer bundle (:mod:`geoplan.layers`), computes planning indicators
and evaluates them against the targets of a plan's recipe (:mod:`geoplan.analyses`), and
exports interactive maps and scorecards (:mod:`geoplan.maps`).

Importing the package runs nothing and imports nothing (``__version__`` and
:class:`GeoplanError` are looked up on first use): ``python -m geoplan`` and the ``geoplan``
console script import this module before :mod:`geoplan.__main__` can catch Ctrl-C, so the
shorter it is, the smaller the window in which Ctrl-C ends in a traceback. The package logger's
``NullHandler`` is added by :mod:`geoplan.errors`, which every module that logs imports.
"""

__all__ = ["GeoplanError", "__version__"]

__version__: str  # looked up on first use (importlib.metadata is slow to import)


def __getattr__(name: str) -> object:
    """``__version__`` (the installed distribution's, ``0.0.0`` from a bare source tree) and
    :class:`~geoplan.errors.GeoplanError`, imported on first use."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("geoplan")
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            value = "0.0.0"
        globals()["__version__"] = value
        return value
    if name == "GeoplanError":
        from geoplan.errors import GeoplanError

        globals()["GeoplanError"] = GeoplanError
        return GeoplanError
    message = f"module 'geoplan' has no attribute {name!r}"
    raise AttributeError(message)
