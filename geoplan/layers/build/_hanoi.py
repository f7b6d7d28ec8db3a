"""The Hà Nội bundle: every role that ``shared/data`` holds real data for."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from geoplan.layers.build._admin import (
    CENSUS_TOTAL_2019,
    build_admin_units,
    build_city_boundary,
)
from geoplan.layers.build._bundle import BundleSpec
from geoplan.layers.build._common import city_extent, with_extent
from geoplan.layers.build._environment import build_environment
from geoplan.layers.build._streets import build_street_network
from geoplan.layers.build._transit import OSM_ATTRIBUTION, build_transit
from geoplan.layers.manifest import Statistic

__all__ = ["build_hanoi"]

logger = logging.getLogger(__name__)

#: Newest source snapshot used by the build (quyhoachhanoi metro data, 2026-08-05); stamped
#: into the GeoPackage so rebuilding gives the same bytes.
DATA_DATE = date(2026, 8, 5)
_CENSUS_SOURCE = ("2019 Population and Housing Census (GSO), sum of Hà Nội's 584 wards in "
                  "hgscarlette/vn-demographic `VN_Population_ward.csv`")


def build_hanoi(source: Path, *, workdir: Path) -> BundleSpec:
    """Build every layer of the Hà Nội bundle from the raw sources.

    Parameters
    ----------
    source
        The ``shared/data`` folder (see its ``SOURCES.md``).
    workdir
        Scratch folder for rasters.

    Returns
    -------
    BundleSpec

    Raises
    ------
    SourceDataError
        If a source file is missing or not what the builders expect.
    """
    admin, figures = build_admin_units(source)
    boundary = build_city_boundary(source)
    transit = build_transit(source, admin_units=admin.data, boundary=boundary.data)
    environment = build_environment(source, boundary=boundary.data, workdir=workdir)
    streets = build_street_network(source)
    # every layer covers the whole city except those recording their own extent (bus stops:
    # the source's query box; streets: their footprint; the raster: its window)
    city = city_extent(boundary.data)
    by_role = {layer.role: with_extent(layer, city)
               for layer in [admin, boundary, *transit, *environment, *streets]}
    order = ["admin_units", "city_boundary", "river_axis", "river_corridors", "water",
             "metro_lines", "stations", "bus_stops", "green_space", "land_use",
             "street_network", "population_raster"]
    statistics = {
        "population_2019": Statistic(value=float(figures["population"]), unit="people",
                                     date="2019-04-01", source=_CENSUS_SOURCE),
        "urban_population_2019": Statistic(value=float(figures["urban_population"]),
                                           unit="people", date="2019-04-01",
                                           source=_CENSUS_SOURCE),
    }
    if figures["population"] != CENSUS_TOTAL_2019:  # pragma: no cover - build_admin_units checks
        logger.warning("population %s differs from the census", figures["population"])
    return BundleSpec(
        name="hanoi",
        title="Hà Nội",
        description=(
            "Hà Nội after 1 July 2025: 126 wards and communes with 2019 census population, "
            "the city boundary, urban rail (operating, under construction, planned), bus stops, "
            "the street network, the Red River axis and Sông Đuống, and WorldPop 2020."
        ),
        country="VN",
        metric_crs="EPSG:32648",
        attribution=(f"{OSM_ATTRIBUTION}; GSO 2019 census; WorldPop 2020 (CC BY 4.0); "
                     "GSHHG/WDBII rivers (LGPL-3.0-or-later)"),
        data_date=DATA_DATE,
        layers=[by_role[role] for role in order],
        statistics=statistics,
        notes=[
            "GADM 4.1 polygons of the 2019 wards were used inside the build only, to share "
            "the population of divided wards between the 2025 units; GADM geometry is not "
            "redistributed and no file of this bundle holds it. The former 30 districts "
            "appear only as names and codes (admin_units.old_districts).",
        ],
    )
