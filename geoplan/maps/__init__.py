"""Interactive maps: a bundle's layers, a run's targets; self-contained HTML.

>>> from geoplan.maps import map_bundle, save_map
>>> save_map(map_bundle("hanoi"), "maps/hanoi-layers.html")  # doctest: +SKIP
PosixPath('maps/hanoi-layers.html')
"""

from geoplan.maps.build import (
    CLASSES,
    OSM_ATTRIBUTION,
    TILES,
    UnknownClassesError,
    UnknownTilesError,
    map_bundle,
    map_ranking,
    map_run,
    save_map,
)
from geoplan.analyses.wording import UnknownLanguageError
from geoplan.maps.i18n import LANGS

__all__ = [
    "CLASSES",
    "LANGS",
    "OSM_ATTRIBUTION",
    "TILES",
    "UnknownClassesError",
    "UnknownLanguageError",
    "UnknownTilesError",
    "map_bundle",
    "map_ranking",
    "map_run",
    "save_map",
]
