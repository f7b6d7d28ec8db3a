"""OSM layers of a bundle: an offline reader (pyosmium) and an online fetcher (osmnx).

:func:`import_osm` fills a bundle's street network, green space, water, land use, bus
stops and (with census population) admin units from an OSM file, a city extract or a whole
country (``geoplan import-osm``), in one streaming pass clipped to the bundle's boundary;
:func:`fetch_osm` does the same online for a place name (``geoplan fetch``). pyosmium was
picked after measuring it against osmnx's ``graph_from_xml``/``features_from_xml``
(``benchmarks/bench_osm_import.py``: time and peak memory on extracts 1× and 13× the
size of the province's part) and because it reads PBF, which osmnx cannot.

A role that already holds data is never replaced silently: see :func:`import_osm`.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString

from geoplan.crs import to_metric
from geoplan.errors import SourceDataError
from geoplan.layers.manifest import LayerEntry
from geoplan.layers.roles import normalise_id

__all__ = [
    "DEFAULT_ROLES",
    "MARGIN",
    "MERGE_KEYS",
    "OSM_ROLES",
    "OsmExtract",
    "PopulationSource",
    "admin_units_from_osm",
    "bus_stops_from_osm",
    "fetch_osm",
    "green_space_from_osm",
    "import_osm",
    "is_walkable",
    "land_use_from_osm",
    "read_boundary",
    "read_osm_layers",
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


#: Roles that :func:`import_osm` and :func:`fetch_osm` can fill.
OSM_ROLES: tuple[str, ...] = ("street_network", "green_space", "water", "land_use", "bus_stops",
                              "admin_units")
#: Roles filled when none are named: ``admin_units`` only when asked (it needs census
#: population, see :func:`admin_units_from_osm`).
DEFAULT_ROLES: tuple[str, ...] = OSM_ROLES[:5]
#: Columns that identify a feature of each role, for ``--merge``: a bus stop is its OSM node
#: id (as text), a street edge its way id and its node pair.
MERGE_KEYS: dict[str, tuple[str, ...]] = {
    "street_network": ("osm_id", "u", "v"), "bus_stops": ("stop_id",),
    "green_space": ("osm_id",), "water": ("osm_id",), "land_use": ("osm_id",),
    "admin_units": ("unit_id",)}
#: Degrees added around the clip boundary's bounding box: node locations are kept inside
#: it, so a street or area reaching up to that far outside the boundary is still whole.
MARGIN = 0.05
_OSM_LICENCE = "ODbL 1.0 (© OpenStreetMap contributors)"
_OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
_WATER = {"natural": {"water"}, "waterway": {"riverbank"}, "landuse": {"reservoir", "basin"}}
_AREA_RULES = {"green_space": _GREEN, "water": _WATER, "land_use": {"landuse": {"*"}}}
#: unit_type of a 2025 ward/commune from its name's first words.
_UNIT_PREFIXES = (("Phường ", "phường"), ("Xã ", "xã"), ("Đặc khu ", "đặc khu"))
#: OSM tags that may hold an official unit code, in order of preference.
_CODE_TAGS = ("ref:gso", "ref:VN", "gso:code", "official_code", "ref")

#: Adds census population to OSM units: called with the units (``unit_id``, ``name``,
#: ``unit_type``, ``osm_id``, geometry), returns them with ``unit_id`` filled (matched by
#: name where OSM holds no code), ``population``, ``urban_population``,
#: ``rural_population`` and ``is_inner`` (the census module's ``units_population``).
PopulationSource = Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]


@dataclass(frozen=True)
class OsmExtract:
    """What :func:`read_osm_layers` read.

    Attributes
    ----------
    layers
        Role → features (EPSG:4326), clipped to the boundary.
    extent
        The covered extent: the clip boundary ∩ the file's bounding box (header, else data).
    cut_areas
        Wanted areas that reach more than the margin outside the boundary's bounding box
        and could not be assembled (at least this many; left out).
    objects
        OSM objects read.
    """

    layers: dict[str, gpd.GeoDataFrame]
    extent: shapely.Geometry
    cut_areas: int = 0
    objects: int = 0


def _edges(ways: dict[int, tuple[str, str, list[tuple[int, float, float]]]]) -> gpd.GeoDataFrame:
    """Street edges split at shared nodes and way ends (u, v, osm_id, highway, name)."""
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
    return gdf


def _with_length(edges: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    edges = edges.reset_index(drop=True)
    edges["length_m"] = to_metric(edges.geometry).length if len(edges) else 0.0
    return edges


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """The polygonal part of each geometry (an empty polygon when it has none)."""
    out = []
    for g in geoms:
        if g is None or g.is_empty:
            out.append(shapely.Polygon())
        elif g.geom_type in ("Polygon", "MultiPolygon"):
            out.append(g)
        else:
            parts = [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon",
                                                                        "MultiPolygon")]
            out.append(shapely.union_all(parts) if parts else shapely.Polygon())
    return np.asarray(out, dtype=object)


def _clip_polygons(rows: list[tuple[int, str, bytes]], column: str,
                   boundary: shapely.Geometry | None) -> gpd.GeoDataFrame:
    geoms = shapely.from_wkb([r[2] for r in rows]) if rows else np.asarray([], dtype=object)
    if boundary is not None and len(geoms):
        geoms = _polygonal(shapely.intersection(shapely.make_valid(geoms), boundary))
    gdf = gpd.GeoDataFrame({"osm_id": np.asarray([r[0] for r in rows], dtype="int64"),
                            column: [r[1] for r in rows]}, geometry=list(geoms), crs=4326)
    return gdf[~gdf.geometry.is_empty].reset_index(drop=True)


def _unit_type(name: str) -> str | None:
    for prefix, kind in _UNIT_PREFIXES:
        if name.startswith(prefix):
            return kind
    return None


def _admin_units(rows: list[tuple[int, dict[str, str], bytes]],
                 boundary: shapely.Geometry | None, where: str) -> gpd.GeoDataFrame:
    """2025 wards/communes of ``rows`` with most of their area inside ``boundary``."""
    keep: list[dict[str, object]] = []
    older: list[str] = []
    for rid, tags, wkb in rows:
        name = normalise_id(tags.get("name")) or ""
        kind = _unit_type(name)
        if kind is None:
            older.append(name or f"relation {rid}")
            continue
        geom = shapely.make_valid(shapely.from_wkb(wkb))
        if boundary is not None:
            inside = shapely.intersection(geom, boundary)
            metric = to_metric(gpd.GeoSeries([geom, inside], crs=4326)).area
            if not metric.iloc[0] or metric.iloc[1] / metric.iloc[0] <= 0.5:
                continue  # a unit of the neighbouring province
            geom = _polygonal(np.asarray([inside], dtype=object))[0]
        code = next((normalise_id(tags[t]) for t in _CODE_TAGS if normalise_id(tags.get(t))),
                    None)
        keep.append({"unit_id": code or "", "name": name, "unit_type": kind,
                     "osm_id": f"relation/{rid}", "geometry": geom})
    if older:
        logger.warning("%s: %d admin_level=6 relation(s) are not 2025 wards or communes "
                       "(e.g. %s: no Phường/Xã/Đặc khu prefix; an extract from before the "
                       "1 July 2025 reform?); left out", where, len(older), older[0])
    columns = ["unit_id", "name", "unit_type", "osm_id", "geometry"]
    frame = pd.DataFrame(keep, columns=columns)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def _bounds_box(rows: _Rows) -> shapely.Geometry | None:
    box = rows.header_box or rows.data_box
    return None if box is None else shapely.box(*box)


class _Rows(Protocol):
    header_box: tuple[float, float, float, float] | None
    data_box: tuple[float, float, float, float] | None


def read_osm_layers(
    path: Path | str,
    *,
    roles: Iterable[str] | None = None,
    boundary: shapely.Geometry | None = None,
    margin: float = MARGIN,
    progress: Callable[[int], None] | None = None,
) -> OsmExtract:
    """Read the OSM roles of ``path`` in one streaming pass, clipped to ``boundary``.

    Only features inside or crossing ``boundary`` are kept: bus stops inside it, street
    edges crossing it (whole: an edge is a unit of the routing graph, and cutting it would
    leave an end without its OSM node), polygons cut to it. Node locations are stored only
    within the boundary's bounding box plus ``margin`` degrees, so memory grows with the
    part of the file inside, not with the file (see ``benchmarks/bench_osm_import.py``).

    Parameters
    ----------
    path
        OSM file (.osm, .osm.gz, .osm.bz2, .osm.pbf).
    roles
        Roles among :data:`OSM_ROLES` (default :data:`DEFAULT_ROLES`).
    boundary
        Polygon in EPSG:4326 (``None``: the whole file).
    margin
        Degrees kept around the boundary's bounding box.
    progress
        Called with the number of OSM objects read (every 50,000).

    Returns
    -------
    OsmExtract

    Raises
    ------
    SourceDataError
        If the file is truncated or not OSM, a role cannot come from OSM, or the boundary
        does not overlap the file.

    Examples
    --------
    >>> got = read_osm_layers("tests/data/van_mieu_area_full_osm_2023.osm.bz2",
    ...                       roles=["bus_stops"])
    >>> len(got.layers["bus_stops"])
    8
    """
    chosen = _check_roles(roles)
    src = Path(path)
    if boundary is not None:
        boundary = shapely.make_valid(boundary)
        x0, y0, x1, y1 = boundary.bounds
        bbox: tuple[float, float, float, float] | None = (x0 - margin, y0 - margin,
                                                          x1 + margin, y1 + margin)
    else:
        bbox = None
    rules = {role: _AREA_RULES[role] for role in chosen if role in _AREA_RULES}
    rows = _reader().read_osm(src, rules=rules, streets="street_network" in chosen,
                              stops="bus_stops" in chosen,
                              admin_level="6" if "admin_units" in chosen else None,
                              bbox=bbox, progress=progress)
    box = _bounds_box(rows)
    if box is None:
        message = f"OSM file {src} holds no node: nothing to import; check the file"
        raise SourceDataError(message)
    extent = box if boundary is None else shapely.intersection(boundary, box)
    if extent.is_empty or extent.area == 0:
        message = (f"the clip boundary ({_bounds_text(boundary)}) does not overlap OSM file "
                   f"{src} ({_bounds_text(box)}): nothing to import, nothing written; give "
                   "an extract of the bundle's area or another --boundary")
        raise SourceDataError(message)
    layers: dict[str, gpd.GeoDataFrame] = {}
    if "street_network" in chosen:
        edges = _edges(rows.ways)
        if boundary is not None and len(edges):
            edges = edges[shapely.intersects(boundary, edges.geometry.to_numpy())]
        layers["street_network"] = _with_length(edges)
    if "bus_stops" in chosen:
        stops = gpd.GeoDataFrame(
            {"stop_id": [str(r[0]) for r in rows.stops], "name": [r[1] for r in rows.stops]},
            geometry=gpd.points_from_xy([r[2] for r in rows.stops], [r[3] for r in rows.stops]),
            crs=4326)
        if boundary is not None and len(stops):
            stops = stops[shapely.covers(boundary, stops.geometry.to_numpy())]
        layers["bus_stops"] = stops.reset_index(drop=True)
    for role in rules:
        column = "land_use" if role == "land_use" else "kind"
        layers[role] = _clip_polygons(rows.areas.get(role, []), column, boundary)
    if "admin_units" in chosen:
        layers["admin_units"] = _admin_units(rows.admin, boundary, str(src))
    if rows.cut_areas:
        logger.warning("%s: at least %d wanted area(s) reach more than %g° beyond the "
                       "boundary's bounding box and were left out (their outer nodes were not "
                       "kept)", src, rows.cut_areas, margin)
    return OsmExtract(layers, extent, rows.cut_areas, rows.objects)


def _bounds_text(geom: shapely.Geometry | None) -> str:
    if geom is None:
        return "none"
    x0, y0, x1, y1 = geom.bounds
    return f"lon {x0:.4f}…{x1:.4f}, lat {y0:.4f}…{y1:.4f}"


def street_network_from_osm(paths: Path | str | Iterable[Path | str], *,
                            boundary: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Return walkable street edges (u, v, osm_id, highway, name, length_m), EPSG:4326.

    Parameters
    ----------
    paths
        One or more OSM files; ways are deduplicated by id (the last file wins).
    boundary
        Keep only edges crossing this polygon (EPSG:4326); default all.

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
    bbox = None
    if boundary is not None:
        x0, y0, x1, y1 = boundary.bounds
        bbox = (x0 - MARGIN, y0 - MARGIN, x1 + MARGIN, y1 + MARGIN)
    for p in items:
        ways.update(_reader().read_osm(Path(p), rules={}, streets=True, stops=False,
                                       bbox=bbox).ways)
    edges = _edges(ways)
    if boundary is not None and len(edges):
        edges = edges[shapely.intersects(boundary, edges.geometry.to_numpy())]
    return _with_length(edges)


def green_space_from_osm(path: Path | str, *,
                         boundary: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Return public green and open space polygons (``kind`` = tag value), EPSG:4326."""
    return read_osm_layers(path, roles=["green_space"], boundary=boundary).layers["green_space"]


def water_from_osm(path: Path | str, *,
                   boundary: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Return water polygons (``kind`` = tag value), EPSG:4326."""
    return read_osm_layers(path, roles=["water"], boundary=boundary).layers["water"]


def land_use_from_osm(path: Path | str, *,
                      boundary: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Return landuse=* polygons with a ``land_use`` column (the tag value), EPSG:4326."""
    return read_osm_layers(path, roles=["land_use"], boundary=boundary).layers["land_use"]


def bus_stops_from_osm(path: Path | str, *,
                       boundary: shapely.Geometry | None = None) -> gpd.GeoDataFrame:
    """Return bus stop nodes (highway=bus_stop, or public_transport=platform with bus=yes).

    Columns ``stop_id`` (the OSM node id as text), ``name``; EPSG:4326.
    """
    return read_osm_layers(path, roles=["bus_stops"], boundary=boundary).layers["bus_stops"]


def admin_units_from_osm(
    path: Path | str,
    *,
    boundary: shapely.Geometry | None = None,
    population: PopulationSource | None = None,
) -> gpd.GeoDataFrame:
    """Return the 2025 wards and communes of an OSM file: admin_level=6 boundary relations.

    Since the reform of 1 July 2025 Vietnam has two levels: provinces (admin_level=4) and
    wards/communes (admin_level=6 in OSM; checked on the 126 units of Hà Nội in
    shared/data/duck253-hanoi-traffic). Earlier extracts hold districts (Quận, Huyện) at
    level 6 and the old wards at level 8: those level-6 relations are left out with a
    warning. Only units with more than half their area inside ``boundary`` are kept, cut to
    it. ``unit_type`` comes from the name's prefix (Phường → phường, Xã → xã, Đặc khu → đặc
    khu); ``unit_id`` from an official code tag (``ref:gso``, ``ref:VN``, ``gso:code``,
    ``official_code``, ``ref``) when OSM holds one, else empty, to be matched by name by
    ``population``.

    Parameters
    ----------
    path
        OSM file.
    boundary
        The province (EPSG:4326); default the whole file.
    population
        Adds census population (see :data:`PopulationSource`); default none (the units
        come without population and cannot yet fill a bundle's ``admin_units`` role).

    Returns
    -------
    geopandas.GeoDataFrame
        ``unit_id``, ``name``, ``unit_type``, ``osm_id`` (``relation/<id>``), geometry, plus
        what ``population`` adds.

    Raises
    ------
    SourceDataError
        As :func:`read_osm_layers`.

    Examples
    --------
    >>> admin_units_from_osm("tests/data/van_mieu_area_full_osm_2023.osm.bz2").empty
    True
    """
    units = read_osm_layers(path, roles=["admin_units"], boundary=boundary).layers["admin_units"]
    return population(units) if population is not None and len(units) else units


def _check_roles(roles: Iterable[str] | None) -> list[str]:
    chosen = list(DEFAULT_ROLES if roles is None else roles)
    unknown = [r for r in chosen if r not in OSM_ROLES]
    if unknown or not chosen:
        message = (f"cannot import role(s) {', '.join(unknown) or '(none)'} from OSM; choose "
                   f"among {', '.join(OSM_ROLES)}")
        raise SourceDataError(message)
    return chosen


def _check_flags(chosen: Iterable[str], replace: Iterable[str] | None,
                 merge: Iterable[str] | None) -> tuple[set[str], set[str]]:
    """``--replace`` and ``--merge`` roles, checked against the roles imported."""
    imported = set(chosen)
    problems: list[str] = []
    flags = {"--replace": set(replace or ()), "--merge": set(merge or ())}
    for option, given in flags.items():
        unknown = sorted(given - set(OSM_ROLES))
        if unknown:
            problems.append(f"{option}: role(s) {', '.join(unknown)} cannot come from OSM; "
                            f"choose among {', '.join(OSM_ROLES)}")
        outside = sorted((given & set(OSM_ROLES)) - imported)
        if outside:
            problems.append(f"{option}: role(s) {', '.join(outside)} are not imported (--only "
                            f"{','.join(sorted(imported))}); add them to --only or drop them")
    both = sorted(flags["--replace"] & flags["--merge"])
    if both:
        problems.append(f"role(s) {', '.join(both)} given to both --replace and --merge; "
                        "choose one per role")
    if problems:
        raise SourceDataError("; ".join(problems))
    return flags["--replace"], flags["--merge"]


def _write_osm_layers(
    layers: dict[str, gpd.GeoDataFrame],
    *,
    city: str,
    layers_dir: Path | None,
    source: str,
    method: str,
    date: str,
    replace: Iterable[str] = (),
    merge: Iterable[str] = (),
    inputs: Iterable[Path] = (),
    extent: shapely.Geometry | None = None,
) -> Path:
    """Write OSM layers into bundle ``city`` (``osm_<role>.parquet``) by :func:`store_layers`."""
    from geoplan.layers.manifest import extent_text
    from geoplan.layers.store import NewLayer, store_layers

    note = ("the clip boundary ∩ the OSM file's bounding box (the extent field); nothing is "
            "known outside it" if extent is not None else
            "the extent of the OSM data imported; nothing is known outside it")
    entry = LayerEntry(
        source=source, licence=_OSM_LICENCE, attribution=_OSM_ATTRIBUTION, date=date,
        method=method, coverage="partial", coverage_note=note,
        extent=extent_text(extent) if extent is not None else None)
    return store_layers(
        city, {role: NewLayer(gdf, entry, MERGE_KEYS.get(role, ())) for role, gdf in
               layers.items()},
        layers_dir=layers_dir, replace=set(replace), merge=set(merge), inputs=inputs,
        prefix="osm_", source=source, noun="the import", offer_merge=True,
        keep_hint=lambda keep: "leave those roles out" + (
            f" (e.g. --only {','.join(keep)})" if keep else ""),
        new_hint="import into a new bundle")


def read_boundary(path: Path | str) -> shapely.Geometry:
    """The clip boundary of a vector file (GeoJSON, GeoPackage...), in EPSG:4326.

    Parameters
    ----------
    path
        Any file pyogrio reads, holding polygons; their union is the boundary.

    Returns
    -------
    shapely Polygon or MultiPolygon

    Raises
    ------
    SourceDataError
        If the file is missing or unreadable, has no CRS, or holds no polygon.
    """
    from geoplan.io import file_kind

    src = Path(path)
    kind = file_kind(src)
    if kind is not None:
        what = "does not exist" if kind == "missing" else f"is {kind}, not a regular file"
        message = f"--boundary {src} {what}; give a GeoJSON or GeoPackage of polygons"
        raise SourceDataError(message)
    try:
        gdf = gpd.read_file(src, engine="pyogrio")
    except Exception as exc:  # pyogrio raises its own errors for unreadable files
        message = (f"--boundary {src} cannot be read ({type(exc).__name__}: {exc}); give a "
                   "GeoJSON or GeoPackage of polygons")
        raise SourceDataError(message) from None
    if gdf.crs is None:
        message = (f"--boundary {src} has no CRS: its coordinates cannot be interpreted; set "
                   "it in the file (e.g. EPSG:4326 for longitude/latitude)")
        raise SourceDataError(message)
    gdf = gdf.to_crs(4326)
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polys.empty:
        message = (f"--boundary {src} holds no polygon (types: "
                   f"{', '.join(sorted(set(gdf.geom_type.dropna()))) or 'none'}); give the "
                   "area to import as a polygon")
        raise SourceDataError(message)
    return shapely.make_valid(shapely.union_all(polys.geometry.to_numpy()))


def _bundle_boundary(city: str, layers_dir: Path | None) -> shapely.Geometry | None:
    """The city_boundary of bundle ``city`` (``None`` when the bundle or the role is absent)."""
    from geoplan.io import check_output
    from geoplan.layers.bundle import load_bundle, writable_layers_dir
    from geoplan.layers.manifest import MANIFEST_NAME

    folder = Path(layers_dir if layers_dir is not None else writable_layers_dir()) / city
    hint = "choose another --city (or --layers-dir)"
    check_output(folder, folder=True, hint=hint)  # a link or a device is refused, not read
    check_output(folder / MANIFEST_NAME, hint=hint)
    if not (folder / MANIFEST_NAME).is_file():
        return None
    bundle = load_bundle(folder)
    if not bundle.has("city_boundary"):
        return None
    shape = bundle.layer("city_boundary").to_crs(4326)
    return shapely.make_valid(shapely.union_all(shape.geometry.to_numpy()))


def import_osm(
    path: Path | str,
    *,
    city: str,
    layers_dir: Path | None = None,
    roles: Iterable[str] | None = None,
    replace: Iterable[str] | None = None,
    merge: Iterable[str] | None = None,
    boundary: Path | str | shapely.Geometry | None = None,
    population: PopulationSource | None = None,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Build or refresh the OSM-derived layers of bundle ``city`` from an OSM file, offline.

    The file (a city extract or a whole country) is read once and clipped to the bundle's
    ``city_boundary`` (or ``boundary``); each role is written to ``osm_<role>.parquet`` and
    ``bundle.yaml`` is updated (created if absent), each entry's ``extent`` being the
    boundary ∩ the file's bounding box. Roles the file holds no feature of (inside the
    boundary) are left as they were. The input file is never modified. A role that already
    holds data (the bundle's city-wide bus stops, say) is never replaced silently by a
    smaller extract: the import stops, writing nothing, and says how many features
    ``--replace`` would drop, unless the role is in ``replace`` (the replaced layer is kept
    as the entry's ``previous``; :func:`geoplan.layers.store.restore_layer` brings it back)
    or in ``merge`` (held features kept, the new ones added by :data:`MERGE_KEYS`; the extent
    is the union of both).

    Parameters
    ----------
    path
        OSM file (.osm, .osm.gz, .osm.bz2, .osm.pbf).
    city
        Bundle name (folder under ``layers_dir``).
    layers_dir
        Folder holding bundles; default :func:`geoplan.layers.bundle.writable_layers_dir`.
    roles
        Roles to import, among :data:`OSM_ROLES` (default :data:`DEFAULT_ROLES`).
    replace, merge
        Roles that already hold data and may be replaced, or merged (default none).
    boundary
        Clip boundary: a polygon (EPSG:4326) or a vector file; default the bundle's
        ``city_boundary`` (none for a new bundle: the whole file).
    population
        Census population for ``admin_units`` (required when that role is imported).
    progress
        Called with the number of OSM objects read.

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    SourceDataError
        If the file is missing, truncated or not OSM, a role cannot come from OSM, a
        ``replace``/``merge`` role is not imported or has no feature in the file, the
        boundary file is unusable or does not overlap the file, or ``admin_units`` is asked
        without ``population``.
    OutputError
        If ``city`` is not a plain folder name (separators, ``..``, absolute), the bundle
        folder or one of its files is a link, device or FIFO, or a role already holds data
        and is in neither ``replace`` nor ``merge`` (nothing is written).

    Examples
    --------
    >>> import_osm("tests/data/van_mieu_area_full_osm_2023.osm.bz2", city="vanmieu",
    ...            layers_dir=Path("/tmp/layers"))  # doctest: +SKIP
    PosixPath('/tmp/layers/vanmieu')
    """
    from geoplan.io import check_name, file_kind, sha256_file

    chosen = _check_roles(roles)
    allowed, merging = _check_flags(chosen, replace, merge)
    check_name(city, option="--city")  # before reading a large file
    if "admin_units" in chosen and population is None:
        message = ("admin_units from OSM need census population (population, urban and rural "
                   "population, is_inner): pass population= (the census module's "
                   "units_population), or leave admin_units out of --only")
        raise SourceDataError(message)
    src = Path(path)
    kind = file_kind(src)
    if kind is not None:  # a FIFO or a device is never opened (it would block)
        what = "does not exist" if kind == "missing" else f"is {kind}, not a regular file"
        message = f"OSM file {src} {what}; give the path of an .osm or .osm.pbf file"
        raise SourceDataError(message)
    inputs = [src]
    if isinstance(boundary, (str, Path)):
        inputs.append(Path(boundary))
        clip: shapely.Geometry | None = read_boundary(boundary)
        clip_name = f"--boundary {Path(boundary).name}"
    elif boundary is not None:
        clip, clip_name = boundary, "the given boundary"
    else:
        clip, clip_name = _bundle_boundary(city, layers_dir), f"{city}'s city_boundary"
    got = read_osm_layers(src, roles=chosen, boundary=clip, progress=progress)
    layers = dict(got.layers)
    if "admin_units" in layers and population is not None and len(layers["admin_units"]):
        layers["admin_units"] = population(layers["admin_units"])
    empty = sorted(role for role in allowed | merging if layers[role].empty)
    if empty:
        message = (f"OSM file {src} holds no {', '.join(empty)} feature inside "
                   f"{clip_name if clip is not None else 'its extent'}: nothing to replace or "
                   "merge; drop these roles from --replace/--merge. Nothing was written.")
        raise SourceDataError(message)
    clipped = f", clipped to {clip_name}" if clip is not None else ""
    cut = (f"; {got.cut_areas:,} area(s) reaching more than {MARGIN}° outside the boundary's "
           "bounding box left out" if got.cut_areas else "")
    return _write_osm_layers(
        layers, city=city, layers_dir=layers_dir,
        source=f"OSM file {src.name} (sha256 {sha256_file(src)})",
        method=f"geoplan import-osm (pyosmium{clipped}; definitions in geoplan.layers.osm"
               f"){cut}",
        date="as of the OSM file", replace=allowed, merge=merging, inputs=inputs,
        extent=got.extent,
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
    merge: Iterable[str] | None = None,
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
    replace, merge
        Roles that already hold data and may be replaced or merged (as in
        :func:`import_osm`).

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
    if "admin_units" in chosen:
        message = "geoplan fetch cannot fill admin_units; use import-osm with an extract"
        raise SourceDataError(message)
    allowed, merging = _check_flags(chosen, replace, merge)
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
                    {"stop_id": [str(i) for i in pts["id"]],
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
        date=datetime.now(UTC).date().isoformat(), replace=allowed, merge=merging,
    )
