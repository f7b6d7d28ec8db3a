"""Optional dependencies ("extras"): import them where they are needed, say how to install them.

The core install (``pip install geoplan``) runs ``geoplan layers list|show|validate``,
``run``, ``map``, ``monitor`` and ``fetch``. Reading OSM files (``import-osm``) and rebuilding
bundles (``layers build``) need the ``build`` extra, and ``IndicatorResult.explore`` the
``explore`` extra (mapclassify, which ``GeoDataFrame.explore`` imports); nothing imports
those packages at start-up, so a core install never fails on them before the command that
needs them.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from geoplan.errors import MissingExtraError

__all__ = ["EXTRAS", "require_extra"]

#: Top-level modules of each extra of ``pyproject.toml`` (import name → extra).
EXTRAS: dict[str, str] = {
    "osmium": "build",
    "vietnamadminunits": "build",
    "xlrd": "build",
    "openpyxl": "build",
    "dask": "batch",
    "distributed": "batch",
    "mapclassify": "explore",
}


def require_extra(module: str, *, what: str) -> ModuleType:
    """Import ``module``; if a package of an extra is missing, say which extra to install.

    Parameters
    ----------
    module
        Module to import (a package of an extra, or a geoplan module that imports one).
    what
        What needs it, for the message (e.g. ``"geoplan import-osm (reading OSM files)"``).

    Returns
    -------
    types.ModuleType

    Raises
    ------
    MissingExtraError
        Naming the missing package and the ``pip install 'geoplan[<extra>]'`` line. Other
        missing modules (a broken core install) are raised as they are.

    Examples
    --------
    >>> require_extra("json", what="an example").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = (exc.name or "").split(".")[0]
        extra = EXTRAS.get(top)
        if extra is None:
            raise
        message = (f"{what} needs the package {top!r} of the {extra!r} extra, which is not "
                   f"installed: pip install 'geoplan[{extra}]'")
        raise MissingExtraError(message) from None
