"""Offline OSM reader (pyosmium): street network edges and green-space / water polygons.

Status: first increment. Street edges are split at every node shared by two or more ways and
at way ends; ``length_m`` is measured in the metric CRS of :func:`geoplan.crs.metric_crs`
(EPSG:32648 in northern Vietnam). Walk filter: every ``highway`` way except motorway,
motorway_link, construction, proposed, abandoned, platform, raceway, bus_guideway, and ways
tagged ``foot=no`` or ``area=yes``.

Green and open space (WRI/OSM definition): leisure=park|garden|playground|pitch|
nature_reserve|common|recreation_ground|dog_park, landuse=grass|recreation_ground|forest|
meadow|village_green, natural=wood|scrub|heath|grassland. Cemeteries are excluded (not public
open space). Features with ``access=private`` are excluded. ``kind`` = the tag value.
Water: natural=water, waterway=riverbank, landuse=reservoir|basin.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import osmium
import pandas as pd
import shapely
from shapely.geometry import LineString

from geoplan.crs import to_metric
from geoplan.errors import SourceDataError

__all__ = [
    "bus_stops_from_osm",
    "green_space_from_osm",
    "import_osm",
    "land_use_from_osm",
    "street_network_from_osm",
    "water_from_osm",
]

logger = logging.getLogger(__name__)

_WALK_EXCLUDED = {
    "motorway",
    "motorway_link",
    "construction",
    "proposed",
    "abandoned",
    "platform",
    "raceway",
    "bus_guideway",
}
_GREEN = {
    "leisure": {
        "park",
        "garden",
        "playground",
        "pitch",
        "nature_reserve",
        "common",
        "recreation_ground",
        "dog_park",
    },
    "landuse": {"grass", "recreation_ground", "forest", "meadow", "village_green"},
    "natural": {"wood", "scrub", "heath", "grassland"},
}


def _apply(handler: osmium.SimpleHandler, path: Path) -> None:
    try:
        handler.apply_file(str(path), locations=True)
    except RuntimeError as exc:
        message = (
            f"cannot read OSM file {path}: {exc}. The file is truncated or not OSM "
            "(.osm, .osm.gz, .osm.bz2, .osm.pbf); download it again."
        )
        raise SourceDataError(message) from None


class _Ways(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.ways: dict[int, tuple[str, str, list[tuple[int, float, float]]]] = {}

    def way(self, w: osmium.osm.Way) -> None:
        hw = w.tags.get("highway")
        if hw is None or hw in _WALK_EXCLUDED or w.tags.get("foot") == "no":
            return
        if w.tags.get("area") == "yes":
            return
        nodes = [(n.ref, n.lon, n.lat) for n in w.nodes if n.location.valid()]
        if len(nodes) >= 2:
            self.ways[w.id] = (hw, w.tags.get("name") or "", nodes)


def street_network_from_osm(paths: Path | str | Iterable[Path | str]) -> gpd.GeoDataFrame:
    """Return walkable street edges (u, v, osm_id, highway, name, length_m), EPSG:4326.

    Parameters
    ----------
    paths
        One or more OSM files; ways are deduplicated by id (the last file wins).

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    SourceDataError
        If a file is truncated or not OSM.
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    ways: dict[int, tuple[str, str, list[tuple[int, float, float]]]] = {}
    for p in items:
        h = _Ways()
        _apply(h, Path(p))
        ways.update(h.ways)
    count: dict[int, int] = {}
    for _, _, nodes in ways.values():
        for ref, _, _ in nodes:
            count[ref] = count.get(ref, 0) + 1
    rows = []
    for wid, (hw, name, nodes) in ways.items():
        start = 0
        for i in range(1, len(nodes)):
            if i == len(nodes) - 1 or count[nodes[i][0]] > 1:
                seg = nodes[start : i + 1]
                rows.append(
                    (seg[0][0], seg[-1][0], wid, hw, name, LineString([(x, y) for _, x, y in seg]))
                )
                start = i
    gdf = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["u", "v", "osm_id", "highway", "name", "geometry"]),
        geometry="geometry",
        crs=4326,
    )
    for c in ("u", "v", "osm_id"):
        gdf[c] = gdf[c].astype("int64")
    gdf["length_m"] = to_metric(gdf.geometry).length if len(gdf) else 0.0
    return gdf


class _Areas(osmium.SimpleHandler):
    def __init__(self, rules: dict[str, set[str]]) -> None:
        super().__init__()
        self.rules = rules
        self.rows: list[tuple[int, str, bytes]] = []
        self.wkb = osmium.geom.WKBFactory()

    def area(self, a: osmium.osm.Area) -> None:
        if a.tags.get("access") == "private":
            return
        for key, values in self.rules.items():
            val = a.tags.get(key)
            if val is not None and (val in values or "*" in values):
                try:
                    geom = self.wkb.create_multipolygon(a)
                except RuntimeError:
                    return
                self.rows.append((a.orig_id(), val, bytes.fromhex(geom)))
                return


def _polygons(path: Path | str, rules: dict[str, set[str]]) -> gpd.GeoDataFrame:
    h = _Areas(rules)
    _apply(h, Path(path))
    geoms = shapely.from_wkb([r[2] for r in h.rows])
    return gpd.GeoDataFrame(
        {"osm_id": [r[0] for r in h.rows], "kind": [r[1] for r in h.rows]},
        geometry=list(geoms),
        crs=4326,
    )


def green_space_from_osm(path: Path | str) -> gpd.GeoDataFrame:
    """Return public green and open space polygons (``kind`` = tag value), EPSG:4326."""
    return _polygons(path, _GREEN)


def water_from_osm(path: Path | str) -> gpd.GeoDataFrame:
    """Return water polygons (``kind`` = tag value), EPSG:4326."""
    return _polygons(
        path, {"natural": {"water"}, "waterway": {"riverbank"}, "landuse": {"reservoir", "basin"}}
    )


def land_use_from_osm(path: Path | str) -> gpd.GeoDataFrame:
    """Return landuse=* polygons with a ``land_use`` column (the tag value), EPSG:4326."""
    gdf = _polygons(path, {"landuse": {"*"}})
    return gdf.rename(columns={"kind": "land_use"})


class _Stops(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int, str, float, float]] = []

    def node(self, n: osmium.osm.Node) -> None:
        t = n.tags
        bus = t.get("highway") == "bus_stop" or (
            t.get("public_transport") == "platform" and t.get("bus") == "yes"
        )
        if bus and n.location.valid():
            self.rows.append((n.id, t.get("name") or "", n.lon, n.lat))


def bus_stops_from_osm(path: Path | str) -> gpd.GeoDataFrame:
    """Return bus stop nodes (highway=bus_stop, or public_transport=platform with bus=yes).

    Columns ``stop_id`` (``osm:node:<id>``), ``name``; EPSG:4326.
    """
    h = _Stops()
    _apply(h, Path(path))
    return gpd.GeoDataFrame(
        {"stop_id": [f"osm:node:{r[0]}" for r in h.rows], "name": [r[1] for r in h.rows]},
        geometry=gpd.points_from_xy([r[2] for r in h.rows], [r[3] for r in h.rows]),
        crs=4326,
    )


def import_osm(path: Path | str, *, city: str, layers_dir: Path | None = None) -> Path:
    """Build or refresh the OSM-derived layers of bundle ``city``.

    Layers: street_network, green_space, water, land_use, bus_stops.

    Writes ``osm_<role>.parquet`` files and updates ``bundle.yaml`` (created if absent); the
    input file is never modified.

    Parameters
    ----------
    path
        OSM file (.osm, .osm.gz, .osm.bz2, .osm.pbf).
    city
        Bundle name (folder under ``layers_dir``).
    layers_dir
        Folder holding bundles; default :func:`geoplan.layers.bundle.default_layers_dir`.

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    SourceDataError
        If the file is missing, truncated or not OSM.
    """
    from geoplan.io import atomic_path, sha256_file
    from geoplan.layers.bundle import default_layers_dir
    from geoplan.layers.manifest import LayerEntry, Manifest, read_manifest, write_manifest

    src = Path(path)
    if not src.is_file():
        message = f"OSM file {src} does not exist; give the path of an .osm or .osm.pbf file"
        raise SourceDataError(message)
    folder = Path(layers_dir if layers_dir is not None else default_layers_dir()) / city
    manifest_path = folder / "bundle.yaml"
    manifest = (
        read_manifest(manifest_path) if manifest_path.exists() else Manifest(name=city, layers={})
    )
    layers = {
        "street_network": street_network_from_osm(src),
        "green_space": green_space_from_osm(src),
        "water": water_from_osm(src),
        "land_use": land_use_from_osm(src),
        "bus_stops": bus_stops_from_osm(src),
    }
    digest = sha256_file(src)
    for role, gdf in layers.items():
        name = f"osm_{role}.parquet"
        with atomic_path(folder / name) as tmp:
            gdf.to_parquet(tmp)
        manifest.layers[role] = LayerEntry(
            file=name,
            crs="EPSG:4326",
            source=f"{src.name} (sha256 {digest})",
            licence="ODbL",
            attribution="© OpenStreetMap contributors, ODbL",
            method="geoplan import-osm (pyosmium)",
            coverage="partial",
            coverage_note="extent of the imported OSM file",
        )
    write_manifest(manifest, manifest_path)
    return folder
