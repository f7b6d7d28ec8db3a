"""geoplan: Vietnam's urban-planning targets as measured, mapped facts.

The package reads a city's layer bundle (:mod:`geoplan.layers`), computes planning indicators
and evaluates them against the targets of a plan's recipe (:mod:`geoplan.analyses`), and
exports interactive maps and scorecards (:mod:`geoplan.maps`).
"""

import logging
from importlib.metadata import PackageNotFoundError, version

from geoplan.errors import GeoplanError

try:
    __version__ = version("geoplan")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = ["GeoplanError", "__version__"]
