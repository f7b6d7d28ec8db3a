"""Every registered indicator as a plain function: ``indicator(bundle, **options)``.

The same functions the recipes call by name through the registry
(:func:`geoplan.analyses.list_indicators`); each returns an
:class:`~geoplan.analyses.result.IndicatorResult` (or its typed "no data" form).

>>> from geoplan.indicators import transit_coverage
>>> from geoplan.layers import load_bundle
>>> hanoi = load_bundle("hanoi")                                  # doctest: +SKIP
>>> result = transit_coverage(hanoi, mode="rail", distance_m=1000)  # doctest: +SKIP
>>> frame = result.to_geodataframe(hanoi)                         # doctest: +SKIP
"""

from __future__ import annotations

from geoplan.analyses.green import green_space_per_capita, open_space_access
from geoplan.analyses.landuse import road_area, transport_land_ratio, urban_land_ratio
from geoplan.analyses.rail import rail_length
from geoplan.analyses.rivers import river_corridor, river_corridor_population, river_length
from geoplan.analyses.transit import (
    public_transport_access,
    transit_coverage,
    transit_coverage_population,
)
from geoplan.analyses.urbanisation import urbanisation_rate

__all__ = [
    "green_space_per_capita",
    "open_space_access",
    "public_transport_access",
    "rail_length",
    "river_corridor",
    "river_corridor_population",
    "river_length",
    "road_area",
    "transit_coverage",
    "transit_coverage_population",
    "transport_land_ratio",
    "urban_land_ratio",
    "urbanisation_rate",
]
