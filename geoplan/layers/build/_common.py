"""What a layer builder returns: the data of one role and its manifest entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely

from geoplan.crs import WGS84
from geoplan.errors import SourceDataError
from geoplan.io import file_kind, regular_file_problem
from geoplan.layers.manifest import LayerEntry, Statistic, extent_text

__all__ = [
    "CITY_EXTENT_MARGIN_DEG",
    "BuiltLayer",
    "box_extent",
    "census_statistics",
    "city_extent",
    "read_source",
    "source_path",
    "with_extent",
]

#: Margin (degrees, ≈ 550 m) by which the city boundary is widened before it is simplified
#: into the extent of a layer that covers the whole city: the simplified outline then still
#: holds every unit whole, and the manifest stays short.
CITY_EXTENT_MARGIN_DEG = 0.005


def source_path(source: Path, rel: str) -> Path:
    """Path of the raw source file ``rel`` under ``source`` (the ``shared/data`` folder).

    Raises
    ------
    SourceDataError
        If the file is absent; the message names it and the fix.
    """
    path = Path(source) / rel
    if file_kind(path) == "missing":
        message = (f"source file {path} not found; pass --source pointing at shared/data "
                   f"(it must hold {rel}, see its SOURCES.md)")
        raise SourceDataError(message)
    # never open a FIFO or a device, nor one beside the file that GDAL reads with it (a
    # shapefile's .dbf, a GeoTIFF's .aux.xml): it would block
    problem = regular_file_problem(path, companions=True)
    if problem is not None:
        message = (f"source {problem}; replace it with the downloaded file {rel} (see "
                   "SOURCES.md)")
        raise SourceDataError(message)
    return path


def read_source(source: Path, rel: str) -> gpd.GeoDataFrame:
    """Read the vector source file ``rel`` under ``source``.

    A file without CRS is read as longitude/latitude: every vector source of ``shared/data``
    is GeoJSON, which is WGS84 by definition (RFC 7946).

    Raises
    ------
    SourceDataError
        If the file is absent.
    """
    data = gpd.read_file(source_path(source, rel))
    return data.set_crs(WGS84) if data.crs is None else data


@dataclass
class BuiltLayer:
    """One role produced by a builder.

    Attributes
    ----------
    role
        Role name (``admin_units``, ``metro_lines``, ...).
    entry
        Manifest entry: source, licence, date, method, coverage; ``entry.missing`` set (and
        ``data`` None) when the sources hold no real data for the role.
    data
        The vector layer (EPSG:4326), or None for rasters and missing roles.
    raster
        For raster roles: path of the GeoTIFF written by the builder (in a temp folder).
    file
        File name inside the bundle folder to write to (``hanoi.gpkg``, ``streets.parquet``).
    """

    role: str
    entry: LayerEntry
    data: gpd.GeoDataFrame | None = None
    raster: Path | None = None
    file: str | None = None


def city_extent(boundary: gpd.GeoDataFrame) -> str:
    """The manifest extent of a layer whose data cover the whole city.

    The dissolved ``boundary`` (any CRS) widened by :data:`CITY_EXTENT_MARGIN_DEG` and
    simplified by half of it, as WKT in longitude/latitude: it contains the whole city, so
    no unit is read as partly outside a layer that covers it.

    Parameters
    ----------
    boundary
        The city outline.

    Returns
    -------
    str
        WKT for :attr:`~geoplan.layers.manifest.LayerEntry.extent`.
    """
    outline = shapely.union_all(boundary.to_crs(WGS84).geometry.to_numpy())
    wide = shapely.buffer(outline, CITY_EXTENT_MARGIN_DEG, quad_segs=2)
    return extent_text(wide, tolerance=CITY_EXTENT_MARGIN_DEG / 2)


def box_extent(west: float, south: float, east: float, north: float) -> str:
    """The manifest extent of data fetched or cut by a longitude/latitude box.

    Examples
    --------
    >>> box_extent(105.7, 20.8, 106.0, 21.3)
    'POLYGON ((106 20.8, 106 21.3, 105.7 21.3, 105.7 20.8, 106 20.8))'
    """
    return extent_text(shapely.box(west, south, east, north), tolerance=0.0)


def with_extent(layer: BuiltLayer, extent: str) -> BuiltLayer:
    """``layer`` with its manifest entry's ``extent`` set (a missing role is returned as is)."""
    if layer.entry.is_missing or layer.entry.extent is not None:
        return layer
    return BuiltLayer(layer.role, layer.entry.model_copy(update={"extent": extent}),
                      layer.data, layer.raster, layer.file)


def census_statistics(counts: dict[str, float], *, source: str, suffix: str = "",
                      note: str = "") -> dict[str, Statistic]:
    """The 2019 census counts of a bundle as manifest statistics.

    Parameters
    ----------
    counts
        ``population``, ``urban_population`` (and optionally ``rural_population``): people.
    source, note
        The citation and note of every statistic.
    suffix
        Appended to each name (``"_pre2025"`` for a province's territory before the merger).

    Returns
    -------
    dict
        ``<count>_2019<suffix>`` → :class:`~geoplan.layers.manifest.Statistic` dated
        2019-04-01 (census day), in the order of ``counts``.

    Examples
    --------
    >>> sorted(census_statistics({"population": 10.0}, source="GSO"))
    ['population_2019']
    """
    return {f"{name}_2019{suffix}": Statistic(value=float(value), unit="people",
                                             date="2019-04-01", source=source, note=note)
            for name, value in counts.items()}
