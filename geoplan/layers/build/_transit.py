"""Transit layers of the Hà Nội bundle: metro lines, stations and bus stops, from real data.

Sources (all under ``shared/data``, see its ``SOURCES.md``):

* ``quyhoachhanoi-metro/metro_hanoi_existing_osm.geojson``: OSM urban rail. Line 2A
  Cát Linh–Hà Đông (opened 2021-11-06) and Line 3 Nhổn–Ga Hà Nội, whose elevated section
  Nhổn–Cầu Giấy opened on 2024-08-08 while the underground section Cầu Giấy–Ga Hà Nội is still
  under construction. Each track is a separate OSM way, so the strokes come in near-parallel
  pairs; they are deduplicated before measuring (:func:`dedupe_strokes`) and chained into one
  route line (:func:`chain_strokes`) that is cut at Cầu Giấy station (:func:`split_line_at`).
* ``qh519-hanoi-metro-plan/qh519_metro_lines.geojson``: the network of the 2016 transport master
  plan (QĐ 519/QĐ-TTg), one row per line id; the segments already operating or under
  construction (2A Cát Linh–Hà Đông, 3.1 Nhổn–Ga Hà Nội) are not repeated as planned.
* ``quyhoachhanoi-metro/metro_hanoi_planned_lines_qd2512.geojson`` and
  ``metro_hanoi_planned_stations_192.geojson``: the hand-digitised corridors M1–M18 + AIR of the
  Capital master plan and 192 indicative station positions (approximate).
* ``baobonk-hanoi-bus-stops/hanoi_bus_stops_osm.geojson``: 3,326 OSM bus stops, partial
  coverage: the source fetched them with one Overpass query over the box
  :data:`BUS_QUERY_BOX` (its ``api_getter.py``), which the layer records as its extent.

Lengths are measured in EPSG:32648 through :mod:`geoplan.crs`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, MultiLineString, Point
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, nearest_points, substring

from geoplan.crs import NORTHERN_VIETNAM_CRS, WGS84, to_metric
from geoplan.errors import SourceDataError
from geoplan.layers.build._common import BuiltLayer, box_extent, read_source
from geoplan.layers.manifest import LayerEntry

__all__ = [
    "BUS_QUERY_BOX",
    "LINE_COLORS",
    "OSM_ATTRIBUTION",
    "assign_nearest_line",
    "build_bus_stops",
    "build_metro",
    "build_transit",
    "chain_strokes",
    "dedupe_stations",
    "dedupe_strokes",
    "split_line_at",
]

logger = logging.getLogger(__name__)

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
_OSM_LICENCE = "ODbL 1.0 (© OpenStreetMap contributors)"

_EXISTING = "quyhoachhanoi-metro/metro_hanoi_existing_osm.geojson"
_QD519 = "qh519-hanoi-metro-plan/qh519_metro_lines.geojson"
_MASTER = "quyhoachhanoi-metro/metro_hanoi_planned_lines_qd2512.geojson"
_MASTER_STATIONS = "quyhoachhanoi-metro/metro_hanoi_planned_stations_192.geojson"
_BUS = "baobonk-hanoi-bus-stops/hanoi_bus_stops_osm.geojson"

_QUY_REPO = "wenruois1238-droid/quyhoachhanoi @ 556a9c487d71dbdec93c14db136cfd36f37ac25d"
_QH519_REPO = "nguyenminhtudkt/QH519 @ c89a472b3728e42fe9ffb72fb332db87bace4a57"
_BUS_REPO = "Baobonk/GIS_Hanoi-bus-stops @ 7cde0af045d78fe00e0a175a812b665612a7d59a"
#: The box (west, south, east, north) of the Overpass query that fetched the bus stops:
#: ``south, west, north, east = 20.8, 105.7, 21.3, 106.0`` and
#: ``node["highway"="bus_stop"](south, west, north, east)`` in the source's ``api_getter.py``
#: (Baobonk/GIS_Hanoi-bus-stops @ 79d455a5f724f0c5c9f66b0c27ddc0c853bf0d2c); the stops' own
#: bounds, 105.7001–105.9995 E, 20.8004–21.2980 N, agree. Nothing is known outside it.
BUS_QUERY_BOX: tuple[float, float, float, float] = (105.7, 20.8, 106.0, 21.3)
_BUS_QUERY_REPO = "Baobonk/GIS_Hanoi-bus-stops @ 79d455a5f724f0c5c9f66b0c27ddc0c853bf0d2c"

PLAN_519 = "QĐ 519/QĐ-TTg (2016)"
PLAN_MASTER = "Capital master plan corridors (QĐ 1668/QĐ-TTg 2024; digitised, approximate)"

#: Opening dates of the operating sections (commercial operation), with their citation.
OPENINGS: dict[str, tuple[str, str]] = {
    "2A": ("2021-11-06", "Line 2A Cát Linh–Hà Đông entered commercial service on 6 Nov 2021"),
    "3": ("2024-08-08", "Line 3 elevated section Nhổn–Cầu Giấy entered commercial service on "
                        "8 Aug 2024 (also recorded in the QH519 source: 'vận hành: 08/08/2024 "
                        "đoạn trên cao')"),
}

#: Display colours: Hà Nội Metro line colours where known (2A green, 3 pink/magenta; hex
#: values are display approximations), the QĐ 519 lines from a fixed palette.
LINE_COLORS: dict[str, str] = {
    "1": "#E53935", "2": "#8E24AA", "2A": "#2E9D48", "3": "#D6237A", "4": "#3949AB",
    "5": "#00897B", "6": "#FB8C00", "7": "#6D4C41", "8": "#00ACC1", "M1": "#7CB342",
    "M2": "#C0CA33", "M3": "#5E35B1", "VT": "#546E7A",
}

# Parallel tracks of one line are 4–15 m apart in OSM; the digitised plan corridors carry
# duplicate strokes up to a few tens of metres apart.
_OSM_TRACK_TOLERANCE_M = 25.0
_PLAN_TOLERANCE_M = 50.0
_STATION_TO_LINE_M = 150.0
_PLANNED_STATION_TO_LINE_M = 300.0


# --------------------------------------------------------------------------------------------
# Pure geometry helpers (metric coordinates)
# --------------------------------------------------------------------------------------------


def _lines_of(geoms: Sequence[BaseGeometry] | BaseGeometry) -> list[LineString]:
    if isinstance(geoms, BaseGeometry):
        geoms = [geoms]
    out: list[LineString] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            continue
        for part in shapely.get_parts(geom):
            if isinstance(part, LineString) and not part.is_empty:
                out.append(part)
            elif not part.is_empty:
                out.extend(_lines_of(list(shapely.get_parts(part))))
    return out


def dedupe_strokes(
    strokes: Sequence[BaseGeometry] | BaseGeometry,
    *,
    tolerance: float,
    min_length: float | None = None,
    whole: bool = False,
) -> list[LineString]:
    """Drop duplicate and near-parallel strokes so that a corridor is counted once.

    Strokes are taken longest first; each keeps only the parts farther than ``tolerance``
    from the strokes already kept. With ``whole=True`` a stroke of which at least 90% lies
    within ``tolerance`` of kept strokes is dropped entirely (e.g. the second track of a
    railway drawn as a separate way), so that no slivers of it survive where the tracks
    diverge; shorter overlaps are still trimmed.

    Parameters
    ----------
    strokes
        Line geometries in a metric CRS (metres).
    tolerance
        Distance (m) under which two strokes are the same corridor.
    min_length
        Pieces shorter than this (m) are dropped; default ``tolerance``.
    whole
        Drop strokes that are mostly (≥ 90%) duplicates as a whole.

    Returns
    -------
    list of LineString
        The kept strokes (or pieces), longest first.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> a = LineString([(0, 0), (1000, 0)])
    >>> b = LineString([(0, 5), (1000, 5)])  # the other track, 5 m away
    >>> round(sum(s.length for s in dedupe_strokes([a, b], tolerance=25)))
    1000
    """
    minimum = tolerance if min_length is None else min_length
    lines = sorted(_lines_of(strokes), key=lambda s: -s.length)
    kept: list[LineString] = []
    cover: BaseGeometry | None = None
    for line in lines:
        if cover is None:
            pieces = [line]
        elif whole and line.intersection(cover).length >= 0.9 * line.length:
            pieces = []
        else:
            pieces = _lines_of(line.difference(cover))
        pieces = [p for p in pieces if p.length >= minimum]
        if not pieces:
            continue
        kept.extend(pieces)
        zone = shapely.union_all([p.buffer(tolerance) for p in pieces])
        cover = zone if cover is None else cover.union(zone)
    return kept


def _chain_from(
    parts: list[LineString], first: int, reverse: bool, max_gap: float
) -> tuple[list[tuple[float, float]], set[int]]:
    coords = list(parts[first].coords)
    if reverse:
        coords.reverse()
    used = {first}
    while True:
        end = Point(coords[-1])
        best: tuple[float, int, bool] | None = None
        for i, part in enumerate(parts):
            if i in used:
                continue
            d0 = end.distance(Point(part.coords[0]))
            d1 = end.distance(Point(part.coords[-1]))
            cand = (d0, i, False) if d0 <= d1 else (d1, i, True)
            if best is None or cand[0] < best[0]:
                best = cand
        if best is None or best[0] > max_gap:
            return coords, used
        _, i, rev = best
        nxt = list(parts[i].coords)
        if rev:
            nxt.reverse()
        if Point(nxt[0]).equals(end):
            nxt = nxt[1:]
        coords.extend(nxt)
        used.add(i)


def chain_strokes(
    strokes: Sequence[BaseGeometry] | BaseGeometry, *, max_gap: float
) -> LineString:
    """Join the strokes of one unbranched route into a single line, bridging small gaps.

    Every free end is tried as a start; from it the nearest unused stroke end within
    ``max_gap`` is appended until none is left. The longest chain wins; strokes not on it
    (spurs, crossovers) are left out.

    Parameters
    ----------
    strokes
        Deduplicated line geometries in a metric CRS.
    max_gap
        Largest gap (m) bridged between consecutive strokes.

    Returns
    -------
    LineString

    Raises
    ------
    SourceDataError
        If there are no strokes.

    Examples
    --------
    >>> from shapely.geometry import LineString
    >>> parts = [LineString([(0, 0), (100, 0)]), LineString([(203, 0), (102, 0)])]
    >>> chain_strokes(parts, max_gap=5).length
    203.0
    """
    parts = _lines_of(strokes)
    if not parts:
        message = "no line strokes to chain; check the source line layer is not empty"
        raise SourceDataError(message)
    best_coords: list[tuple[float, float]] = []
    best_length = -1.0
    for i in range(len(parts)):
        for reverse in (False, True):
            coords, _ = _chain_from(parts, i, reverse, max_gap)
            length = LineString(coords).length if len(coords) > 1 else 0.0
            if length > best_length + 1e-9:
                best_coords, best_length = coords, length
    return LineString(best_coords)


def split_line_at(line: LineString, point: Point) -> tuple[LineString, LineString]:
    """Cut ``line`` at the point of it nearest to ``point``.

    Parameters
    ----------
    line
        The route (metric CRS).
    point
        Where to cut, e.g. a station (projected onto the line).

    Returns
    -------
    (LineString, LineString)
        The part from the line's start to the cut and the part from the cut to its end.

    Raises
    ------
    SourceDataError
        If the cut falls on an end of the line (nothing to split).

    Examples
    --------
    >>> from shapely.geometry import LineString, Point
    >>> a, b = split_line_at(LineString([(0, 0), (10, 0), (10, 10)]), Point(12, 4))
    >>> a.length, b.length
    (14.0, 6.0)
    """
    at = line.project(point)
    if at <= 0.0 or at >= line.length:
        message = (
            f"cannot split the line at {point.wkt}: it projects onto an end of the line "
            f"({at:.1f} m of {line.length:.1f} m); check the station and line data"
        )
        raise SourceDataError(message)
    return substring(line, 0.0, at), substring(line, at, line.length)


def assign_nearest_line(
    points: gpd.GeoSeries,
    lines: dict[str, BaseGeometry],
    *,
    max_distance: float,
) -> pd.DataFrame:
    """Nearest line id of every point, or empty text when none is within ``max_distance``.

    Parameters
    ----------
    points
        Points in a metric CRS.
    lines
        Line id -> geometry, same CRS. Ties go to the line listed first.
    max_distance
        Largest distance (m) for an assignment.

    Returns
    -------
    pandas.DataFrame
        Columns ``line_id`` (str, "" when too far) and ``distance_m`` (to the nearest line),
        indexed like ``points``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import LineString, Point
    >>> pts = gpd.GeoSeries([Point(0, 10), Point(0, 500)], crs=32648)
    >>> assign_nearest_line(pts, {"L": LineString([(-5, 0), (5, 0)])}, max_distance=100)[
    ...     "line_id"].tolist()
    ['L', '']
    """
    ids = list(lines)
    if not ids:
        return pd.DataFrame({"line_id": [""] * len(points), "distance_m": np.nan},
                            index=points.index)
    dist = np.column_stack([points.distance(lines[i]).to_numpy() for i in ids])
    best = dist.argmin(axis=1)
    nearest = dist[np.arange(len(points)), best]
    line_id = [ids[b] if d <= max_distance else "" for b, d in zip(best, nearest, strict=True)]
    return pd.DataFrame({"line_id": line_id, "distance_m": nearest}, index=points.index)


def dedupe_stations(
    points: gpd.GeoDataFrame,
    *,
    name_column: str = "name",
    by: Sequence[str] = ("line_id",),
) -> gpd.GeoDataFrame:
    """One point per station name (and per ``by`` group): the centroid of its nodes.

    OSM maps a station several times (station node, one platform node per track); these
    collapse to one row at the centroid of the nodes with that name on that line.

    Parameters
    ----------
    points
        Station nodes (any CRS; centroids are taken in it, so use a metric CRS).
    name_column
        Column holding the station name.
    by
        Further grouping columns (the same name on two lines is two stations).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``by`` + ``name_column`` + ``n_nodes``, sorted by them.

    Raises
    ------
    SourceDataError
        If a grouping column is missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"name": ["A", "A", "B"], "line_id": ["1", "1", "1"]},
    ...                        geometry=[Point(0, 0), Point(2, 0), Point(9, 9)], crs=32648)
    >>> dedupe_stations(pts).geometry.x.tolist()
    [1.0, 9.0]
    """
    keys = [*by, name_column]
    absent = [k for k in keys if k not in points.columns]
    if absent:
        message = f"station points lack column(s) {', '.join(absent)}; cannot deduplicate"
        raise SourceDataError(message)
    rows = []
    geoms = []
    for key, group in points.groupby(keys, sort=True):
        values = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, values, strict=True)), "n_nodes": len(group)})
        geoms.append(shapely.MultiPoint(list(group.geometry)).centroid)
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=points.crs)


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------


def _length_km(geom: BaseGeometry) -> float:
    return round(float(geom.length) / 1000.0, 3)


def _as_lines(parts: list[LineString]) -> BaseGeometry:
    merged = linemerge(MultiLineString(parts)) if len(parts) > 1 else parts[0]
    return merged


def _to_wgs84(rows: list[dict[str, object]], geoms: list[BaseGeometry]) -> gpd.GeoDataFrame:
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=NORTHERN_VIETNAM_CRS)
    return gdf.to_crs(WGS84)


def _operating(source: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, float]]:
    """Lines 2A and 3 from OSM: rows per (line, status), stations per (line, status, name)."""
    raw = to_metric(read_source(source, _EXISTING), crs=NORTHERN_VIETNAM_CRS)
    lines = raw[raw.geom_type.isin(["LineString", "MultiLineString"])]
    names = lines["name"].fillna("")
    route = lines[~names.str.contains("Depot", case=False)]
    line_2a = route[route["line"] == "2A"]
    line_3 = route[route["line"].isin(["3", "số 3"])]
    if line_2a.empty or line_3.empty:
        message = f"{source / _EXISTING}: no strokes with line '2A' and '3'/'số 3'"
        raise SourceDataError(message)
    tol = _OSM_TRACK_TOLERANCE_M
    chain_2a = chain_strokes(dedupe_strokes(list(line_2a.geometry), tolerance=tol, whole=True),
                             max_gap=4 * tol)
    chain_3 = chain_strokes(dedupe_strokes(list(line_3.geometry), tolerance=tol, whole=True),
                            max_gap=4 * tol)
    built_3 = line_3[line_3["status"].fillna("") == "operational"]
    building_3 = line_3[line_3["status"].fillna("") != "operational"]
    if built_3.empty or building_3.empty:
        message = (f"{source / _EXISTING}: line 3 needs both 'operational' and "
                   "'under_construction' strokes to locate the end of the elevated section")
        raise SourceDataError(message)
    # End of the operating elevated section = where OSM's operational strokes meet the
    # under-construction ones (the tail track ≈ 0.6 km east of Cầu Giấy station, where the
    # ramp to the tunnel starts; the official 8.5 km elevated length includes it).
    portal = nearest_points(shapely.union_all(list(built_3.geometry)),
                                        shapely.union_all(list(building_3.geometry)))[0]

    nodes = raw[raw.geom_type == "Point"].copy()
    nodes = nodes[nodes["name"].notna() & (nodes["name"] != "")]
    near = assign_nearest_line(nodes.geometry, {"2A": chain_2a, "3": chain_3},
                               max_distance=_STATION_TO_LINE_M)
    nodes["line_id"] = near["line_id"]
    dropped = int((nodes["line_id"] == "").sum())
    if dropped:
        logger.warning("%d station node(s) farther than %.0f m from lines 2A/3 ignored",
                       dropped, _STATION_TO_LINE_M)
    stations = dedupe_stations(nodes[nodes["line_id"] != ""])

    def _station(line_id: str, name: str) -> Point:
        hit = stations[(stations["line_id"] == line_id) & (stations["name"] == name)]
        if hit.empty:
            message = f"{source / _EXISTING}: station {name!r} of line {line_id} not found"
            raise SourceDataError(message)
        return hit.geometry.iloc[0]

    # Orient each route from its named first terminal (Cát Linh, Nhổn).
    if chain_2a.project(_station("2A", "Cát Linh")) > chain_2a.length / 2:
        chain_2a = chain_2a.reverse()
    if chain_3.project(_station("3", "Nhổn")) > chain_3.length / 2:
        chain_3 = chain_3.reverse()
    elevated, underground = split_line_at(chain_3, portal)
    to_station_km = _length_km(split_line_at(chain_3, _station("3", "Cầu Giấy"))[0])

    split_at = chain_3.project(_station("3", "Cầu Giấy"))
    pos = []
    status = []
    for line_id, geom in zip(stations["line_id"], stations.geometry, strict=True):
        chain = chain_2a if line_id == "2A" else chain_3
        at = chain.project(geom)
        pos.append(at)
        status.append("operating" if line_id == "2A" or at <= split_at + 1.0
                      else "under_construction")
    stations = stations.assign(status=status, _pos=pos).sort_values(["line_id", "_pos"])
    stations["station_id"] = [
        f"L{line}-{i + 1:02d}"
        for line, group in stations.groupby("line_id", sort=False)
        for i in range(len(group))
    ]
    stations["opening_date"] = [
        OPENINGS[line][0] if st == "operating" else ""
        for line, st in zip(stations["line_id"], stations["status"], strict=True)
    ]
    stations["approximate"] = False
    stations["plan"] = PLAN_519
    stations["source"] = "OSM"
    stations = stations.drop(columns=["_pos"])

    op_2a = _length_km(chain_2a)
    op_3 = _length_km(elevated)
    uc_3 = _length_km(underground)
    raw_km = {
        "2A_osm_strokes_km": _length_km(shapely.union_all(list(line_2a.geometry))),
        "3_osm_strokes_km": _length_km(shapely.union_all(list(line_3.geometry))),
    }
    rows: list[dict[str, object]] = [
        {"line_id": "2A", "name": "Tuyến 2A Cát Linh – Hà Đông", "status": "operating",
         "opening_date": OPENINGS["2A"][0], "target_year": pd.NA, "plan": PLAN_519,
         "approximate": False, "length_km": op_2a, "color": LINE_COLORS["2A"],
         "source": "OSM",
         "note": "route line Cát Linh–Yên Nghĩa incl. tail tracks; depot spur excluded"},
        {"line_id": "3", "name": "Tuyến 3 Nhổn – Ga Hà Nội (đoạn trên cao Nhổn – Cầu Giấy)",
         "status": "operating", "opening_date": OPENINGS["3"][0], "target_year": pd.NA,
         "plan": PLAN_519, "approximate": False, "length_km": op_3,
         "color": LINE_COLORS["3"], "source": "OSM",
         "note": "elevated section as operated (OSM status operational): from the Nhổn tail "
                 "track to the end of the tail track ≈ 0.6 km east of Cầu Giấy station, where "
                 f"the tunnel ramp starts ({to_station_km:.2f} km to Cầu Giấy station itself); "
                 "depot spur excluded"},
        {"line_id": "3", "name": "Tuyến 3 Nhổn – Ga Hà Nội (đoạn ngầm Cầu Giấy – Ga Hà Nội)",
         "status": "under_construction", "opening_date": "", "target_year": 2027,
         "plan": PLAN_519, "approximate": False, "length_km": uc_3,
         "color": LINE_COLORS["3"], "source": "OSM",
         "note": "underground section (OSM line 'số 3', under construction) from the tunnel "
                 "ramp east of Cầu Giấy to Ga Hà Nội; target 2027 as recorded in the QH519 "
                 "source ('31/12/2027 đoạn ngầm (dự kiến)')"},
    ]
    lines_out = _to_wgs84(rows, [chain_2a, elevated, underground])
    figures = {"2A_operating_km": op_2a, "3_operating_km": op_3, "3_under_construction_km": uc_3,
               "3_nhon_to_cau_giay_station_km": to_station_km, **raw_km}
    return lines_out, stations.to_crs(WGS84), figures


def _planned_519(source: Path) -> gpd.GeoDataFrame:
    raw = to_metric(read_source(source, _QD519), crs=NORTHERN_VIETNAM_CRS)
    for column in ("tuyen", "doantuyen", "huongtuyen"):
        if column not in raw.columns:
            message = f"{source / _QD519}: missing column {column!r}"
            raise SourceDataError(message)
    built = raw["doantuyen"].isin(["2A", "3.1"])  # operating / under construction (OSM rows)
    rest = raw[~built]
    rows: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []
    order = list(LINE_COLORS)
    ids = sorted(rest["tuyen"].unique(), key=lambda t: (order.index(t) if t in order else 99, t))
    for line_id in ids:
        group = rest[rest["tuyen"] == line_id]
        parts = dedupe_strokes(list(group.geometry), tolerance=30.0)
        geom = _as_lines(parts)
        routes = list(dict.fromkeys(group["huongtuyen"].fillna("").tolist()))
        segments = sorted(set(group["doantuyen"].fillna("").tolist()))
        note = ""
        if line_id in {"2A", "3"}:
            note = ("not-yet-built remainder only: the operating / under-construction section "
                    "is in the OSM rows of this layer")
        rows.append({
            "line_id": line_id,
            "name": f"Tuyến {line_id}: " + "; ".join(r for r in routes if r),
            "status": "planned", "opening_date": "", "target_year": pd.NA, "plan": PLAN_519,
            "approximate": True, "length_km": _length_km(geom),
            "color": LINE_COLORS.get(line_id, "#777777"), "source": "QH519",
            "note": "; ".join(x for x in (f"segments {', '.join(segments)}", note) if x),
        })
        geoms.append(geom)
    return _to_wgs84(rows, geoms)


def _planned_master(source: Path) -> gpd.GeoDataFrame:
    raw = to_metric(read_source(source, _MASTER), crs=NORTHERN_VIETNAM_CRS)
    rows: list[dict[str, object]] = []
    geoms: list[BaseGeometry] = []

    def _key(line: str) -> tuple[int, str]:
        digits = "".join(c for c in line if c.isdigit())
        return (int(digits) if digits else 999, line)

    for line in sorted(raw["line"].unique(), key=_key):
        group = raw[raw["line"] == line]
        raw_km = _length_km(shapely.union_all(list(group.geometry)))
        parts = dedupe_strokes(list(group.geometry), tolerance=_PLAN_TOLERANCE_M)
        geom = _as_lines(parts)
        color = str(group["color"].iloc[0]) if "color" in group.columns else "#777777"
        rows.append({
            "line_id": f"QD1668-{line}", "name": str(group["name"].iloc[0]),
            "status": "planned", "opening_date": "", "target_year": pd.NA, "plan": PLAN_MASTER,
            "approximate": True, "length_km": _length_km(geom), "color": color,
            "source": "quyhoachhanoi (digitised)",
            "note": f"{raw_km:.1f} km of digitised geometry before removing duplicate strokes",
        })
        geoms.append(geom)
    return _to_wgs84(rows, geoms)


def _planned_stations(source: Path, corridors: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    raw = read_source(source, _MASTER_STATIONS)
    pts = to_metric(raw, crs=NORTHERN_VIETNAM_CRS)
    pts = pts[pts.geom_type == "Point"].copy()
    metric = corridors.to_crs(NORTHERN_VIETNAM_CRS)
    near = assign_nearest_line(
        pts.geometry,
        dict(zip(metric["line_id"], metric.geometry, strict=True)),
        max_distance=_PLANNED_STATION_TO_LINE_M,
    )
    pts["line_id"] = near["line_id"]
    pts["distance_to_line_m"] = near["distance_m"].round(1)
    xy = pts.to_crs(WGS84).geometry
    pts = pts.assign(_x=xy.x.round(6), _y=xy.y.round(6)).sort_values(["_x", "_y"])
    pts["station_id"] = [f"QD1668-S{i + 1:03d}" for i in range(len(pts))]
    pts["name"] = ""
    pts["status"] = "planned"
    pts["opening_date"] = ""
    pts["approximate"] = True
    pts["plan"] = PLAN_MASTER
    pts["source"] = "quyhoachhanoi (community-sourced)"
    pts["n_nodes"] = 1
    ward = pts["ward"].fillna("") if "ward" in pts.columns else ""
    pts["ward"] = ward
    pts = pts.drop(columns=["_x", "_y"])
    return pts.to_crs(WGS84)


_LINE_COLUMNS = ["line_id", "name", "status", "opening_date", "target_year", "plan",
                 "approximate", "length_km", "color", "source", "note"]
_STATION_COLUMNS = ["station_id", "name", "line_id", "status", "opening_date", "approximate",
                    "plan", "source", "n_nodes", "ward", "distance_to_line_m"]


def build_metro(source: Path) -> tuple[BuiltLayer, BuiltLayer, dict[str, float]]:
    """Build ``metro_lines`` and ``stations`` from the metro sources in ``source``.

    Parameters
    ----------
    source
        The ``shared/data`` folder.

    Returns
    -------
    (BuiltLayer, BuiltLayer, dict)
        The two layers and the measured figures (km per line and status, station counts).

    Raises
    ------
    SourceDataError
        If a source file is missing or lacks the expected lines/columns.
    """
    lines_op, stations_op, figures = _operating(source)
    planned_519 = _planned_519(source)
    planned_master = _planned_master(source)
    stations_plan = _planned_stations(source, planned_master)

    lines = pd.concat([lines_op, planned_519, planned_master], ignore_index=True)
    lines = gpd.GeoDataFrame(lines, geometry="geometry", crs=WGS84)
    lines["target_year"] = lines["target_year"].astype("Int64")
    lines["approximate"] = lines["approximate"].astype(bool)
    lines = lines[[*_LINE_COLUMNS, "geometry"]]

    stations_op = stations_op.assign(ward="", distance_to_line_m=np.nan)
    stations = pd.concat([stations_op, stations_plan], ignore_index=True)
    stations = gpd.GeoDataFrame(stations, geometry="geometry", crs=WGS84)
    stations["approximate"] = stations["approximate"].astype(bool)
    stations["n_nodes"] = stations["n_nodes"].astype(int)
    stations = stations[[*_STATION_COLUMNS, "geometry"]]

    def km(mask: pd.Series) -> float:
        return round(float(lines.loc[mask, "length_km"].sum()), 3)

    is_op = lines["status"] == "operating"
    figures = {
        **figures,
        "operating_km": km(is_op),
        "under_construction_km": km(lines["status"] == "under_construction"),
        "planned_519_km": km((lines["plan"] == PLAN_519) & (lines["status"] == "planned")),
        "planned_master_km": km(lines["plan"] == PLAN_MASTER),
        "operating_stations": int((stations["status"] == "operating").sum()),
        "operating_stations_2A": int(((stations["status"] == "operating")
                                      & (stations["line_id"] == "2A")).sum()),
        "operating_stations_3": int(((stations["status"] == "operating")
                                     & (stations["line_id"] == "3")).sum()),
        "under_construction_stations": int((stations["status"] == "under_construction").sum()),
        "planned_stations": int((stations["status"] == "planned").sum()),
        "planned_stations_unassigned": int(((stations["status"] == "planned")
                                            & (stations["line_id"] == "")).sum()),
    }
    per_line = "; ".join(
        f"{r.line_id} {r.status} {r.length_km:.2f} km" for r in lines.itertuples()
    )
    line_entry = LayerEntry(
        crs="EPSG:4326",
        columns={"length_km": "float", "color": "str"},
        source=(
            f"operating/under construction: OSM via {_QUY_REPO} `metro-hanoi.geojson` "
            f"(shared/data/{_EXISTING}); QĐ 519 network: {_QH519_REPO} `layers/QH519Tuyen_1.js` "
            f"(shared/data/{_QD519}); master-plan corridors: {_QUY_REPO} "
            f"`metro-hanoi-planned.geojson` (shared/data/{_MASTER})"
        ),
        licence=("OSM rows: ODbL 1.0; QH519 and quyhoachhanoi plan digitisations: no licence "
                 "stated by the repositories (plan content is public planning information)"),
        date="OSM ≈ 2026-08 (repo commit 2026-08-05); QH519 2024-10-01",
        method=(
            "Operating: OSM ways of line 2A and line 3/'số 3' without the Phú Lương and Nhổn "
            "depot spurs; parallel track ways (within 25 m) deduplicated whole, strokes "
            "chained into one route line (gaps ≤ 100 m bridged). Line 3 is cut where OSM's "
            "operational ways meet the under-construction ones (end of the elevated tail "
            "track ≈ 0.6 km east of Cầu Giấy station, where the tunnel ramp starts; the "
            "official 8.5 km elevated length includes it): west = elevated section, operating "
            f"since {OPENINGS['3'][0]}, stations Nhổn … Cầu Giấy; east = underground section, "
            "under construction (target "
            "2027 per the QH519 source). 2A opened "
            f"{OPENINGS['2A'][0]}. QĐ 519: segments merged per line id, duplicate strokes "
            "removed (30 m), segments 2A 'Cát Linh - Hà Đông' and 3.1 'Nhổn - Ga Hà Nội' left "
            "out because they are the operating/under-construction OSM rows (2A and 3 keep "
            "only their planned extensions). Master-plan corridors M1–M18 + AIR: duplicate and "
            "parallel strokes removed (longest first, pieces within 50 m of kept strokes "
            "dropped), line id prefixed 'QD1668-'. length_km measured in EPSG:32648. "
            "target_year only where a source states it (02-NQ/TW sets ~100 km by 2030 "
            f"without per-line years). Measured: {per_line}."
        ),
        attribution=f"{OSM_ATTRIBUTION} (operating and under-construction rows)",
        coverage="full",
        coverage_note=(
            "Planned rows are approximate (digitised from plan drawings); the QĐ 1668 "
            "corridors are hand-traced and indicative only: their length_km (sum "
            f"{figures['planned_master_km']:,.0f} km) is measured on the traced strokes after "
            "removing duplicates, not an official route length."
        ),
        approximate=False,
    )
    station_entry = LayerEntry(
        crs="EPSG:4326",
        columns={"plan": "str", "ward": "str"},
        id_column="station_id",
        source=(f"OSM station nodes via {_QUY_REPO} (shared/data/{_EXISTING}); 192 planned "
                f"positions via {_QUY_REPO} `metro-hanoi-ga-dukien.geojson` "
                f"(shared/data/{_MASTER_STATIONS})"),
        licence=("OSM rows: ODbL 1.0; planned positions: no licence stated (community-sourced "
                 "from the adjusted Capital general plan, QĐ 1668/QĐ-TTg)"),
        date="OSM ≈ 2026-08; planned positions 2026-08-05 (repo commit)",
        method=(
            "OSM station/platform nodes assigned to the nearest of lines 2A and 3 (≤ 150 m), "
            "deduplicated by (line, name) to the centroid of their nodes; line 3 stations up "
            "to Cầu Giấy are operating, those east of it under construction. Station ids "
            "L<line>-NN run from the first terminal (Cát Linh, Nhổn). Planned positions: "
            "line_id of the nearest QD1668 corridor within 300 m (else empty), ids "
            "QD1668-Snnn ordered by longitude then latitude; they carry no names. Counts: "
            f"{figures['operating_stations']} operating (2A "
            f"{figures['operating_stations_2A']}, 3 {figures['operating_stations_3']}), "
            f"{figures['under_construction_stations']} under construction, "
            f"{figures['planned_stations']} planned "
            f"({figures['planned_stations_unassigned']} without a corridor within 300 m)."
        ),
        attribution=f"{OSM_ATTRIBUTION} (operating and under-construction stations)",
        coverage="full",
        coverage_note="planned station positions are indicative (approximate=true)",
        approximate=False,
    )
    return (
        BuiltLayer("metro_lines", line_entry, lines, file="hanoi.gpkg"),
        BuiltLayer("stations", station_entry, stations, file="hanoi.gpkg"),
        figures,
    )


def build_bus_stops(
    source: Path,
    *,
    admin_units: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
) -> BuiltLayer:
    """Build ``bus_stops`` from the OSM bus-stop extract (partial coverage).

    Stops outside the city (``boundary``, else the union of ``admin_units``) are dropped; with
    ``admin_units`` each stop gets the ``unit_id`` it falls in and the entry lists the units
    that have stops.

    Parameters
    ----------
    source
        The ``shared/data`` folder.
    admin_units
        Units with ``unit_id`` and ``name`` (any CRS), for the spatial join.
    boundary
        City outline (any CRS).

    Returns
    -------
    BuiltLayer

    Raises
    ------
    SourceDataError
        If the source file is missing or lacks the ``id`` column, or ``admin_units`` lacks
        ``unit_id``.
    """
    raw = read_source(source, _BUS)
    if "id" not in raw.columns:
        message = f"{source / _BUS}: missing column 'id' (the OSM node id)"
        raise SourceDataError(message)
    stops = gpd.GeoDataFrame(
        {
            "stop_id": raw["id"].astype("int64").astype(str),
            "name": raw["name"].fillna("").astype(str) if "name" in raw.columns else "",
            "source_ward": (raw["ward_2025"].fillna("").astype(str)
                            if "ward_2025" in raw.columns else ""),
        },
        geometry=raw.geometry.to_crs(WGS84),
        crs=WGS84,
    )
    stops = stops[stops.geom_type == "Point"].drop_duplicates("stop_id")
    west, south, east, north = BUS_QUERY_BOX
    beyond = ~stops.geometry.within(shapely.box(west, south, east, north))
    if beyond.any():  # the recorded extent would then be wrong
        message = (f"{source / _BUS}: {int(beyond.sum())} stop(s) lie outside the Overpass "
                   f"query box {BUS_QUERY_BOX} the source was fetched with (e.g. stop "
                   f"{stops.loc[beyond, 'stop_id'].iloc[0]}); this is not the file of "
                   "SOURCES.md: take it again from the cited commit")
        raise SourceDataError(message)
    n_source = len(stops)
    outline: BaseGeometry | None = None
    if boundary is not None and not boundary.empty:
        outline = shapely.union_all(list(boundary.to_crs(WGS84).geometry))
    elif admin_units is not None and not admin_units.empty:
        outline = shapely.union_all(list(admin_units.to_crs(WGS84).geometry))
    if outline is not None:
        stops = stops[stops.within(outline)]
    n_outside = n_source - len(stops)
    covered: list[str] = []
    n_units = 0
    if admin_units is not None:
        if "unit_id" not in admin_units.columns:
            message = "admin_units lacks column 'unit_id'; cannot join bus stops to units"
            raise SourceDataError(message)
        units = admin_units.to_crs(WGS84)[["unit_id", "name", "geometry"]].rename(
            columns={"name": "unit_name"})
        joined = gpd.sjoin(stops, units, how="left", predicate="within")
        joined = joined[~joined.index.duplicated(keep="first")]
        stops = stops.assign(unit_id=joined["unit_id"].fillna("").astype(str))
        n_units = len(units)
        counts = joined.groupby("unit_name").size().sort_index()
        covered = [f"{name} ({n})" for name, n in counts.items()]
    stops = stops.sort_values("stop_id", key=lambda s: s.astype("int64")).reset_index(drop=True)
    stops = stops[[c for c in ("stop_id", "name", "unit_id", "source_ward") if c in stops]
                  + ["geometry"]]
    unit_text = (f"stops lie in {len(covered)} of {n_units} units; the other units (mostly "
                 "rural communes) have no stops in this extract" if admin_units is not None
                 else "units not joined (no admin_units given)")
    entry = LayerEntry(
        crs="EPSG:4326",
        columns={"name": "str", **({"unit_id": "str"} if admin_units is not None else {})},
        id_column="stop_id",
        source=f"OSM bus stops via {_BUS_REPO} `district_bus_stops/*.geojson` "
               f"(shared/data/{_BUS})",
        licence=_OSM_LICENCE,
        date="≈ 2025-12",
        method=(
            "101 per-ward files concatenated and deduplicated on OSM node id (3,326 stops); "
            "stop_id = OSM node id; "
            + (f"{n_outside} stops outside the city boundary dropped; " if outline is not None
               else "not clipped (no boundary given); ")
            + "unit_id by point-in-polygon join with admin_units. Units with stops (count): "
            + ("; ".join(covered) if covered else "n/a")
        ),
        attribution=OSM_ATTRIBUTION,
        coverage="partial",
        coverage_note=(
            f"{len(stops)} stops; {unit_text}. The source fetched the stops with one Overpass "
            f"query over the box {west:g}–{east:g} E, {south:g}–{north:g} N "
            f"({_BUS_QUERY_REPO} `api_getter.py`), recorded as the layer's extent: outside it "
            "(the north of Sóc Sơn, the west and south of the city) absence of stops means no "
            "data, not no service."
        ),
        extent=box_extent(west, south, east, north),
    )
    return BuiltLayer("bus_stops", entry, stops, file="hanoi.gpkg")


def build_transit(
    source: Path,
    *,
    admin_units: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
) -> list[BuiltLayer]:
    """Build the transit roles ``metro_lines``, ``stations`` and ``bus_stops``.

    Parameters
    ----------
    source
        The ``shared/data`` folder (see its ``SOURCES.md``).
    admin_units
        The bundle's units (for the bus-stop join and the covered-units list).
    boundary
        The city outline (bus stops outside it are dropped).

    Returns
    -------
    list of BuiltLayer
        ``metro_lines``, ``stations``, ``bus_stops`` (EPSG:4326).

    Raises
    ------
    SourceDataError
        If a source file is missing or malformed.

    Examples
    --------
    >>> layers = build_transit(Path("../shared/data"))  # doctest: +SKIP
    >>> [layer.role for layer in layers]  # doctest: +SKIP
    ['metro_lines', 'stations', 'bus_stops']
    """
    lines, stations, figures = build_metro(source)
    logger.info("metro figures: %s", figures)
    bus = build_bus_stops(source, admin_units=admin_units, boundary=boundary)
    return [lines, stations, bus]
