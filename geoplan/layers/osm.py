"""OSM layers of a bundle: an offline reader (pyosmium) and an online fetcher (osmnx).

:func:`import_osm` fills a bundle's street network, green space, water, land use and bus
stops from an OSM file (``geoplan import-osm``); :func:`fetch_osm` does the same online for a
place name (``geoplan fetch``). pyosmium was picked for files after measuring it against
osmnx's ``graph_from_xml`` (``benchmarks/bench_osm_import.py``: 18× faster on the Văn Miếu
extract, same edges) and because it reads PBF, which osmnx cannot.

Street edges are split at every node shared by two or more ways and
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
from types import ModuleType
from typing import Protocol

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import LineString

from geoplan.crs import to_metric
from geoplan.errors import SourceDataError
from geoplan.layers.manifest import LayerEntry

__all__ = [
    "OSM_ROLES",
    "bus_stops_from_osm",
    "fetch_osm",
    "green_space_from_osm",
    "import_osm",
    "is_walkable",
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


def _reader() -> ModuleType:
    """The pyosmium handlers (:mod:`geoplan.layers._osm_reader`), from the ``build`` extra."""
    from geoplan._extras import require_extra

    return require_extra("geoplan.layers._osm_reader",
                         what="reading OSM files (geoplan import-osm)")


class _Tags(Protocol):
    def get(self, key: str, default: None = None, /) -> str | None: ...


def is_walkable(tags: _Tags) -> bool:
    """True for the OSM ways geoplan walks along (the walk filter of the module notes).

    Parameters
    ----------
    tags
        The way's tags (a dict or pyosmium's tag list).

    Examples
    --------
    >>> is_walkable({"highway": "footway"}), is_walkable({"highway": "motorway"})
    (True, False)
    """
    hw = tags.get("highway")
    return (hw is not None and hw not in _WALK_EXCLUDED and tags.get("foot") != "no"
            and tags.get("area") != "yes")


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
        h = _reader().Ways()
        _reader().apply(h, Path(p))
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


def _polygons(path: Path | str, rules: dict[str, set[str]]) -> gpd.GeoDataFrame:
    h = _reader().Areas(rules)
    _reader().apply(h, Path(path))
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
    return _polygons(path, _WATER)


def land_use_from_osm(path: Path | str) -> gpd.GeoDataFrame:
    """Return landuse=* polygons with a ``land_use`` column (the tag value), EPSG:4326."""
    gdf = _polygons(path, {"landuse": {"*"}})
    return gdf.rename(columns={"kind": "land_use"})


def bus_stops_from_osm(path: Path | str) -> gpd.GeoDataFrame:
    """Return bus stop nodes (highway=bus_stop, or public_transport=platform with bus=yes).

    Columns ``stop_id`` (``osm:node:<id>``), ``name``; EPSG:4326.
    """
    h = _reader().Stops()
    _reader().apply(h, Path(path))
    return gpd.GeoDataFrame(
        {"stop_id": [f"osm:node:{r[0]}" for r in h.rows], "name": [r[1] for r in h.rows]},
        geometry=gpd.points_from_xy([r[2] for r in h.rows], [r[3] for r in h.rows]),
        crs=4326,
    )


#: Roles that :func:`import_osm` and :func:`fetch_osm` can fill.
OSM_ROLES: tuple[str, ...] = ("street_network", "green_space", "water", "land_use", "bus_stops")
_OSM_LICENCE = "ODbL 1.0 (© OpenStreetMap contributors)"
_OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
_WATER = {"natural": {"water"}, "waterway": {"riverbank"}, "landuse": {"reservoir", "basin"}}


def _check_roles(roles: Iterable[str] | None) -> list[str]:
    chosen = list(OSM_ROLES if roles is None else roles)
    unknown = [r for r in chosen if r not in OSM_ROLES]
    if unknown or not chosen:
        message = (f"cannot import role(s) {', '.join(unknown) or '(none)'} from OSM; choose "
                   f"among {', '.join(OSM_ROLES)}")
        raise SourceDataError(message)
    return chosen


def _check_replace(replace: Iterable[str] | None) -> set[str]:
    chosen = set(replace or ())
    unknown = sorted(chosen - set(OSM_ROLES))
    if unknown:
        message = (f"--replace: role(s) {', '.join(unknown)} cannot come from OSM; choose "
                   f"among {', '.join(OSM_ROLES)}")
        raise SourceDataError(message)
    return chosen


def _write_osm_layers(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    city: str,
    layers_dir: Path | None,
    source: str,
    method: str,
    date: str,
    replace: Iterable[str] | None = None,
    inputs: Iterable[Path] = (),
) -> Path:
    """Write OSM layers into bundle ``city`` (``osm_<role>.parquet``) by :func:`store_layers`."""
    from geoplan.layers.store import NewLayer, store_layers

    allowed = _check_replace(replace)
    entry = LayerEntry(
        source=source, licence=_OSM_LICENCE, attribution=_OSM_ATTRIBUTION, date=date,
        method=method, coverage="partial",
        coverage_note="the extent of the OSM data imported; nothing is known outside it")
    return store_layers(
        city, {role: NewLayer(gdf, entry) for role, gdf in layers.items()},
        layers_dir=layers_dir, replace=allowed, inputs=inputs, prefix="osm_", source=source,
        noun="the import", keep_hint=lambda keep: "leave those roles out" + (
            f" (e.g. --only {','.join(keep)})" if keep else ""),
        new_hint="import into a new bundle")


def import_osm(
    path: Path | str,
    *,
    city: str,
    layers_dir: Path | None = None,
    roles: Iterable[str] | None = None,
    replace: Iterable[str] | None = None,
) -> Path:
    """Build or refresh the OSM-derived layers of bundle ``city`` from an OSM file, offline.

    Each role is written to ``osm_<role>.parquet`` in the bundle folder and ``bundle.yaml`` is
    updated (created if absent); roles the file holds no feature of are left as they were.
    The input file is never modified. A role that already holds data (the bundle's city-wide
    bus stops, say) is never replaced silently by a smaller extract: the import stops,
    writing nothing, unless the role is listed in ``replace``; then the replaced
    ``osm_<role>.parquet`` is kept as ``osm_<role>.replaced-<time>.parquet`` and the new
    entry's ``method`` says what it replaced.

    Parameters
    ----------
    path
        OSM file (.osm, .osm.gz, .osm.bz2, .osm.pbf).
    city
        Bundle name (folder under ``layers_dir``).
    layers_dir
        Folder holding bundles; default :func:`geoplan.layers.bundle.default_layers_dir`.
    roles
        Roles to import, among :data:`OSM_ROLES` (default all). Import only ``green_space``,
        ``water`` and ``land_use`` from a small extract to keep a bundle's city-wide street
        network.
    replace
        Roles that already hold data and may be replaced (default none).

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    SourceDataError
        If the file is missing, truncated or not OSM, or a role cannot come from OSM.
    OutputError
        If ``city`` is not a plain folder name (separators, ``..``, absolute), the bundle
        folder or one of its files is a link, device or FIFO, or a role already holds data
        and is not in ``replace`` (nothing is written).

    Examples
    --------
    >>> import_osm("tests/data/van_mieu_area_full_osm_2023.osm.bz2", city="vanmieu",
    ...            layers_dir=Path("/tmp/layers"))  # doctest: +SKIP
    PosixPath('/tmp/layers/vanmieu')
    """
    from geoplan.io import check_name, file_kind, sha256_file

    chosen = _check_roles(roles)
    _check_replace(replace)
    check_name(city, option="--city")  # before reading a large file
    src = Path(path)
    kind = file_kind(src)
    if kind is not None:  # a FIFO or a device is never opened (it would block)
        what = "does not exist" if kind == "missing" else f"is {kind}, not a regular file"
        message = f"OSM file {src} {what}; give the path of an .osm or .osm.pbf file"
        raise SourceDataError(message)
    readers = {
        "street_network": street_network_from_osm,
        "green_space": green_space_from_osm,
        "water": water_from_osm,
        "land_use": land_use_from_osm,
        "bus_stops": bus_stops_from_osm,
    }
    layers = {role: readers[role](src) for role in chosen}
    return _write_osm_layers(
        layers, city=city, layers_dir=layers_dir,
        source=f"OSM file {src.name} (sha256 {sha256_file(src)})",
        method="geoplan import-osm (pyosmium; definitions in geoplan.layers.osm)",
        date="as of the OSM file", replace=replace, inputs=[src],
    )


def _classify(features: gpd.GeoDataFrame, rules: dict[str, set[str]],
              column: str) -> gpd.GeoDataFrame:
    """Polygons of osmnx ``features`` matching ``rules``, the first matching value as ``column``.

    The same rules as the offline reader: the first key of ``rules`` whose value matches wins;
    ``access=private`` is excluded; only (multi)polygons are kept.
    """
    frame = features.reset_index()
    poly = frame.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy().copy()
    if "access" in frame.columns:
        poly &= (frame["access"] != "private").to_numpy()
    kinds = pd.Series("", index=frame.index, dtype=object)
    for key, values in rules.items():
        if key not in frame.columns:
            continue
        tag = frame[key].astype(object)
        hit = (tag.isin(values) | (tag.notna() & ("*" in values))) & (kinds == "")
        kinds[hit] = tag[hit]
    keep = poly & (kinds != "").to_numpy()
    ids = frame["id"] if "id" in frame.columns else frame.get("osmid", pd.Series(0, frame.index))
    return gpd.GeoDataFrame(
        {"osm_id": ids[keep].astype("int64").to_numpy(),
         column: kinds[keep].astype(str).to_numpy()},
        geometry=frame.geometry[keep].to_numpy(), crs=4326,
    )


def _edges_from_graph(graph: object) -> gpd.GeoDataFrame:
    """Street edges (u, v, osm_id, highway, name, length_m) of an osmnx graph, one per street."""
    import osmnx as ox

    def first(value: object) -> object:
        return value[0] if isinstance(value, list) else value

    edges = ox.graph_to_gdfs(graph, nodes=False).reset_index()
    keep = edges["highway"].notna()  # graphs read from files also hold other ways
    if "area" in edges.columns:  # pedestrian squares are areas, not streets
        keep &= edges["area"].map(first) != "yes"
    edges = edges[keep]
    # a two-way street is two directed edges with the same geometry: keep one
    pair = edges[["u", "v"]].to_numpy()
    edges = edges.assign(a=pair.min(axis=1), b=pair.max(axis=1))
    edges = edges.drop_duplicates(["a", "b", "key"]).drop(columns=["a", "b"])

    out = gpd.GeoDataFrame(
        {
            "u": edges["u"].astype("int64").to_numpy(),
            "v": edges["v"].astype("int64").to_numpy(),
            "osm_id": edges["osmid"].map(first).astype("int64").to_numpy(),
            "highway": edges["highway"].map(first).astype(str).to_numpy(),
            "name": (edges["name"].map(first).fillna("").astype(str).to_numpy()
                     if "name" in edges.columns else ""),
        },
        geometry=edges.geometry.to_crs(4326).to_numpy(),
        crs=4326,
    )
    out = out[~out["highway"].isin(_WALK_EXCLUDED)].reset_index(drop=True)
    out["length_m"] = to_metric(out.geometry).length if len(out) else 0.0
    return out


def fetch_osm(
    place: str,
    *,
    city: str,
    layers_dir: Path | None = None,
    roles: Iterable[str] | None = None,
    replace: Iterable[str] | None = None,
) -> Path:
    """Download the OSM-derived layers of ``place`` with osmnx and write them into ``city``.

    The online twin of :func:`import_osm`: the same definitions (walkable streets, WRI/OSM
    green and open space, water, land use, bus stops), fetched from Overpass for the area that
    Nominatim finds for ``place``. This is the only function of geoplan that uses the network;
    tests never call it.

    Parameters
    ----------
    place
        Place name for Nominatim, e.g. ``"Phường Hoàn Kiếm, Hà Nội, Việt Nam"``.
    city
        Bundle name (folder under ``layers_dir``).
    layers_dir
        Folder holding bundles; default the repository's ``layers/``.
    roles
        Roles to fetch, among :data:`OSM_ROLES` (default all).
    replace
        Roles that already hold data and may be replaced (as in :func:`import_osm`).

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    SourceDataError
        If the place is unknown or the download fails (the message says which).
    OutputError
        As for :func:`import_osm` (checked before downloading when the name is bad).
    """
    import osmnx as ox

    from geoplan.io import check_name

    chosen = _check_roles(roles)
    _check_replace(replace)
    check_name(city, option="--city")
    tags: dict[str, dict[str, bool | str | list[str]]] = {
        "green_space": {k: sorted(v) for k, v in _GREEN.items()},
        "water": {k: sorted(v) for k, v in _WATER.items()},
        "land_use": {"landuse": True},
        "bus_stops": {"highway": "bus_stop"},
    }
    layers: dict[str, gpd.GeoDataFrame] = {}
    try:
        for role in chosen:
            if role == "street_network":
                graph = ox.graph_from_place(place, network_type="walk", retain_all=True)
                layers[role] = _edges_from_graph(graph)
                continue
            try:
                found = ox.features_from_place(place, tags[role])
            except ox._errors.InsufficientResponseError:
                found = gpd.GeoDataFrame(geometry=[], crs=4326)
            if role == "bus_stops":
                pts = found.reset_index()
                pts = pts[pts.geom_type == "Point"]
                layers[role] = gpd.GeoDataFrame(
                    {"stop_id": [f"osm:node:{i}" for i in pts["id"]],
                     "name": pts.get("name", pd.Series("", index=pts.index)).fillna("")
                     .astype(str).to_numpy()},
                    geometry=pts.geometry.to_numpy(), crs=4326)
            elif role == "land_use":
                layers[role] = _classify(found, {"landuse": {"*"}}, "land_use")
            else:
                layers[role] = _classify(found, _GREEN if role == "green_space" else _WATER,
                                         "kind")
    except (ValueError, OSError, ox._errors.ResponseStatusCodeError) as exc:
        message = (f"cannot fetch {place!r} from OpenStreetMap ({type(exc).__name__}: {exc}); "
                   "check the place name (try it on nominatim.openstreetmap.org) and the "
                   "network, or use `geoplan import-osm` with a downloaded extract")
        raise SourceDataError(message) from None
    from datetime import UTC, datetime

    return _write_osm_layers(
        layers, city=city, layers_dir=layers_dir,
        source=f"OpenStreetMap via Overpass for {place!r} (osmnx {ox.__version__})",
        method="geoplan fetch (osmnx; definitions in geoplan.layers.osm)",
        date=datetime.now(UTC).date().isoformat(), replace=replace,
    )
