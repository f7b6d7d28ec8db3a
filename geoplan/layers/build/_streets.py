"""Hà Nội street_network layer: every street-network PBF in the shared data, merged for walking.

Ways are deduplicated by OSM way id; files are read oldest snapshot first (year in the file
name; undated files first), so the newest snapshot wins. The walk filter of
:mod:`geoplan.layers.osm` applies: motorway and motorway_link are excluded (pedestrians are
barred). Coordinates are rounded to 1e-6 degrees to keep the file compact.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import geopandas as gpd
import shapely

from geoplan.crs import WGS84, metric_crs
from geoplan.layers.build._common import BuiltLayer
from geoplan.layers.manifest import LayerEntry, extent_text
from geoplan.layers.osm import street_network_from_osm

__all__ = ["build_street_network", "street_extent", "street_files"]

logger = logging.getLogger(__name__)

_PBF_GLOBS = ("*network*.osm.pbf",)


def _year(path: Path) -> int:
    found = re.findall(r"(20\d\d)", path.name)
    return int(found[-1]) if found else 0


def street_files(source: Path) -> list[Path]:
    """The street-network PBFs under ``source``, oldest snapshot first (the order of merging).

    Parameters
    ----------
    source
        The shared data folder.

    Returns
    -------
    list of pathlib.Path
    """
    return sorted(
        {p for g in _PBF_GLOBS for p in Path(source).rglob(g)}, key=lambda p: (_year(p), p.name)
    )


def street_extent(edges: gpd.GeoDataFrame) -> str:
    """The covered extent of a street network: the footprint of its nodes, as manifest WKT.

    The footprint is :meth:`geoplan.network.StreetGraph.footprint` (nodes binned into
    250 m cells, gaps up to 750 m closed), the area the network's streets reach: the sources
    are osmnx extracts of named districts, whose outlines are not in the sources (the
    former districts exist only as GADM polygons, which may not be redistributed).

    Parameters
    ----------
    edges
        Street edges (``u``, ``v``, ``length_m``, LineStrings; any CRS).

    Returns
    -------
    str
        WKT in longitude/latitude for the entry's ``extent``.
    """
    from geoplan.network import StreetGraph

    graph = StreetGraph.from_edges(edges, crs=metric_crs(edges, what="street_network"))
    shape = gpd.GeoSeries([graph.footprint()], crs=graph.crs).to_crs(WGS84).iloc[0]
    return extent_text(shape)


def build_street_network(source: Path) -> list[BuiltLayer]:
    """Build the ``street_network`` role from the street PBFs under ``source``.

    Parameters
    ----------
    source
        The shared data folder (``../shared/data``).

    Returns
    -------
    list[BuiltLayer]
        One layer, file ``streets.parquet``; or a missing entry if no PBF is found.
    """
    files = street_files(source)
    if not files:
        return [BuiltLayer("street_network", LayerEntry(missing="no street-network PBF in source"))]
    edges = street_network_from_osm(files)
    edges["geometry"] = shapely.set_precision(edges.geometry.values, 1e-6)
    edges = edges[["u", "v", "osm_id", "highway", "name", "length_m", "geometry"]]
    names = "; ".join(f"shared/data/{p.parent.name}/{p.name}" for p in files)
    extent = street_extent(edges)
    shown = gpd.GeoSeries([shapely.from_wkt(extent)], crs=WGS84).to_crs(metric_crs(edges))
    area_km2 = float(shown.area.iloc[0]) / 1e6
    counts = edges["highway"].value_counts()
    top = ", ".join(f"{k} {v:,}" for k, v in counts.head(6).items())
    entry = LayerEntry(
        file="streets.parquet",
        columns={"osm_id": "int", "name": "str"},
        source=(
            "OpenStreetMap street ways from osmnx Overpass caches committed in public "
            "repositories, merged per repository into PBF (see shared/data/SOURCES.md §1, §4): "
            + names
        ),
        licence="ODbL 1.0 (© OpenStreetMap contributors)",
        attribution="© OpenStreetMap contributors, ODbL",
        date="Overpass snapshots 2023-11 to 2025-11",
        method=(
            f"{len(files)} files read oldest snapshot first with pyosmium; highway ways except "
            "motorway/motorway_link and ways closed to pedestrians; deduplicated by way id "
            "(newest snapshot wins); split into edges at nodes shared by two ways and at way "
            "ends (u, v = OSM node ids); length_m measured in EPSG:32648; coordinates rounded "
            f"to 1e-6°. {len(edges):,} edges, {edges['length_m'].sum() / 1000:,.0f} km "
            f"({top}, ...)."
        ),
        coverage="partial",
        coverage_note=(
            "the 12 former urban districts plus Thanh Trì and Hà Đông (drive network: "
            "residential and larger streets); alleys and footways only in the core (Ba Đình, "
            "Hoàn Kiếm, Đống Đa, Hai Bà Trưng, Hoàng Mai, Thanh Xuân); no streets in the "
            "outer communes. Extent: the footprint of the edges' nodes (250 m cells, gaps up "
            f"to 750 m closed; {area_km2:,.0f} km²), as geoplan.network measures it"
        ),
        extent=extent,
    )
    logger.info("street_network: %d edges from %d files", len(edges), len(files))
    return [BuiltLayer("street_network", entry, data=edges, file="streets.parquet")]
