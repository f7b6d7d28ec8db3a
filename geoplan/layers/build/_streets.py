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

import shapely

from geoplan.layers.build._common import BuiltLayer
from geoplan.layers.manifest import LayerEntry
from geoplan.layers.osm import street_network_from_osm

__all__ = ["build_street_network"]

logger = logging.getLogger(__name__)

_PBF_GLOBS = ("*network*.osm.pbf",)


def _year(path: Path) -> int:
    found = re.findall(r"(20\d\d)", path.name)
    return int(found[-1]) if found else 0


def build_street_network(source: Path, *, boundary: object = None) -> list[BuiltLayer]:
    """Build the ``street_network`` role from the street PBFs under ``source``.

    Parameters
    ----------
    source
        The shared data folder (``../shared/data``).
    boundary
        Unused for now (kept for the orchestrator's call signature).

    Returns
    -------
    list[BuiltLayer]
        One layer, file ``streets.parquet``; or a missing entry if no PBF is found.
    """
    files = sorted(
        {p for g in _PBF_GLOBS for p in Path(source).rglob(g)}, key=lambda p: (_year(p), p.name)
    )
    if not files:
        return [BuiltLayer("street_network", LayerEntry(missing="no street-network PBF in source"))]
    edges = street_network_from_osm(files)
    edges["geometry"] = shapely.set_precision(edges.geometry.values, 1e-6)
    edges = edges[["u", "v", "osm_id", "highway", "name", "length_m", "geometry"]]
    names = ", ".join(f"{p.parent.name}/{p.name}" for p in files)
    entry = LayerEntry(
        file="streets.parquet",
        source=names,
        licence="ODbL",
        attribution="© OpenStreetMap contributors, ODbL",
        method=(
            "pyosmium: highway ways except motorway/motorway_link, split at shared nodes and "
            "way ends, deduplicated by way id (newest snapshot wins), length in EPSG:32648"
        ),
        coverage="partial",
        coverage_note=(
            "the 12 urban districts + Thanh Trì + Hà Đông (drive network); walk-detailed "
            "only in the core"
        ),
    )
    logger.info("street_network: %d edges from %d files", len(edges), len(files))
    return [BuiltLayer("street_network", entry, data=edges, file="streets.parquet")]
