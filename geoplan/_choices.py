"""The closed choices of command options, in a module that imports nothing.

The command line checks ``--lang``, ``--tiles`` and ``--period`` against these before it
imports geopandas or folium, so a mistyped option is answered at once; the modules that use
the values (:mod:`geoplan.analyses.run`, :mod:`geoplan.maps`, :mod:`geoplan.monitor`) take
them from here.
"""

from __future__ import annotations

__all__ = ["CLASSES", "FORMATS", "LANGS", "PERIODS", "TILES"]

#: Languages of titles, scorecards and maps (the first is the default).
LANGS: tuple[str, ...] = ("vi", "en")
#: Basemap choices: ``none`` keeps a map offline; the others load tiles from the network.
TILES: tuple[str, ...] = ("none", "osm", "carto")
#: Classification schemes of the value choropleths (mapclassify; the first is the default).
CLASSES: tuple[str, ...] = ("quantiles", "natural_breaks", "equal_interval")
#: Monitoring periods: a snapshot at the end of every month, quarter or year.
PERIODS: tuple[str, ...] = ("month", "quarter", "year")
#: Output formats of listing commands (``geoplan indicators --format``).
FORMATS: tuple[str, ...] = ("table", "csv", "json")
