"""The closed choices of command options, in a module that imports nothing.

The command line checks ``--lang``, ``--tiles`` and ``--period`` against these before it
imports geopandas or folium, so a mistyped option is answered at once; the modules that use
the values (:mod:`geoplan.analyses.scorecard`, :mod:`geoplan.workflows`, :mod:`geoplan.maps`,
:mod:`geoplan.monitor`) take them from here, and :func:`check_display_options` checks them.
"""

from __future__ import annotations

__all__ = ["CLASSES", "FORMATS", "LANGS", "PERIODS", "POPULATION_METHODS", "TILES",
           "check_display_options"]

#: Languages of titles, scorecards and maps (the first is the default).
LANGS: tuple[str, ...] = ("vi", "en")
#: Basemap choices: ``none`` keeps a map offline; the others load tiles from the network.
TILES: tuple[str, ...] = ("none", "osm", "carto")
#: Classification schemes of the value choropleths (mapclassify; the first is the default).
CLASSES: tuple[str, ...] = ("quantiles", "natural_breaks", "equal_interval")
#: Monitoring periods: a snapshot at the end of every month, quarter or year.
PERIODS: tuple[str, ...] = ("month", "quarter", "year")
#: How coverage indicators place each unit's census count: uniformly over its area, or by the
#: bundle's gridded population (WorldPop) within the unit (``raster``, the default).
POPULATION_METHODS: tuple[str, ...] = ("census_uniform", "raster")
#: Output formats of listing commands (``geoplan indicators --format``).
FORMATS: tuple[str, ...] = ("table", "csv", "json")


def check_display_options(*, lang: str = "vi", tiles: str = "none",
                          classes: str = "quantiles") -> None:
    """Check the language, basemap and value classes of a run's outputs.

    Parameters
    ----------
    lang, tiles, classes
        Checked against :data:`LANGS`, :data:`TILES` and :data:`CLASSES`.

    Raises
    ------
    RecipeError
        Naming the unknown value, the choices and the option that sets it.

    Examples
    --------
    >>> check_display_options(lang="en", tiles="osm")
    """
    for value, choices, option in ((classes, CLASSES, "classes"), (lang, LANGS, "lang"),
                                   (tiles, TILES, "tiles")):
        if value not in choices:
            from geoplan.errors import RecipeError

            message = (f"unknown {'language' if option == 'lang' else option} {value!r}; "
                       f"use one of {', '.join(choices)} (--{option})")
            raise RecipeError(message)
