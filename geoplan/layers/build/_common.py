"""What a layer builder returns: the data of one role and its manifest entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geoplan.crs import WGS84
from geoplan.errors import SourceDataError
from geoplan.io import file_kind, regular_file_problem
from geoplan.layers.manifest import LayerEntry

__all__ = ["BuiltLayer", "read_source", "source_path"]


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
