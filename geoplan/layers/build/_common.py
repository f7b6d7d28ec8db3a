"""What a layer builder returns: the data of one role and its manifest entry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd

from geoplan.layers.manifest import LayerEntry

__all__ = ["BuiltLayer"]


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
