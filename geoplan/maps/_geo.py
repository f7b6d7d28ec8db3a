"""Display geometry: simplified (topology preserved), in longitude/latitude, rounded.

Only maps use these; analyses always use the full geometry of the bundle.

Administrative units form a *coverage* (no gaps, no overlaps, shared borders). Simplifying each
polygon on its own moves a shared border differently on its two sides and opens slivers
between neighbours; :func:`shapely.coverage_simplify` (GEOS ≥ 3.12) simplifies each shared edge
once, so neighbours keep one common border. Coordinates are then rounded to
:data:`DECIMALS` decimals (≈ 1 m at Hà Nội's latitude); rounding is the same function of the
same vertex on both sides, so shared borders stay shared.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import geopandas as gpd
import numpy as np
import pyproj
import shapely
import shapely.errors

from geoplan import _cache
from geoplan.crs import WGS84, to_metric

__all__ = [
    "DECIMALS",
    "UNIT_TOLERANCE_M",
    "compact_collection",
    "display_coverage",
    "display_layer",
    "expand_collection",
    "feature_collection",
    "script_json",
]

logger = logging.getLogger(__name__)

#: Decimals kept in longitude/latitude (1e-5° ≈ 1.1 m north–south, 1.0 m east–west at 21° N).
DECIMALS = 5
#: Simplification tolerance of administrative units, in metres. GEOS coverage simplification
#: is area-based (Visvalingam–Whyatt: the tolerance is the square root of the smallest
#: triangle area kept), so borders can move by more than the tolerance: measured on Hà Nội's
#: 126 wards (``benchmarks/bench_map.py``), 10 m moves a border by at most ≈ 14 m and keeps
#: 84 % of the vertices; 15 m moved borders by up to 31 m for 8 % fewer bytes.
UNIT_TOLERANCE_M = 10.0


def _round(geoms: np.ndarray) -> np.ndarray:
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))
    # rounding can merge neighbouring vertices; drop the repeats (not the shared ones)
    try:
        return shapely.remove_repeated_points(rounded, tolerance=0.0)
    except shapely.errors.GEOSException:
        # a ring smaller than the grid (a hole or islet under a metre) collapsed: such
        # geometries are snapped to the grid instead, which drops the collapsed parts
        return np.array([_round_one(g) for g in rounded], dtype=object)


def _round_one(geom: Any) -> Any:
    try:
        return shapely.remove_repeated_points(geom, tolerance=0.0)
    except shapely.errors.GEOSException:
        return shapely.set_precision(geom, 10.0 ** -DECIMALS)


def _as_coverage(geoms: np.ndarray, *, what: str) -> np.ndarray:
    """``geoms`` as an exact coverage: borders that almost match are snapped together and
    overlaps given to one side (display only; needs shapely ≥ 2.2 with GEOS ≥ 3.14)."""
    if bool(shapely.coverage_is_valid(geoms)):
        return geoms
    clean = getattr(shapely, "coverage_clean", None)
    if clean is None:
        return geoms
    bad = int((~shapely.is_empty(shapely.coverage_invalid_edges(geoms))).sum())
    cleaned = np.asarray(clean(geoms), dtype=object)
    logger.info("%s: %d polygon(s) with borders that do not match exactly; cleaned for display",
                what, bad)
    if len(cleaned) != len(geoms) or bool(shapely.is_empty(cleaned).any()):
        return geoms
    return cleaned


def display_coverage(
    units: gpd.GeoDataFrame, *, tolerance_m: float = UNIT_TOLERANCE_M, what: str = "admin_units"
) -> gpd.GeoDataFrame:
    """Simplify a polygon coverage for display, keeping shared borders shared.

    Parameters
    ----------
    units
        Polygons that tile an area (administrative units); any CRS.
    tolerance_m
        Simplification tolerance in metres (applied in the metric CRS of ``units``).
    what
        Name used in log and error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:4326 with simplified, rounded geometry (same index and columns).

    Raises
    ------
    CRSError
        If ``units`` has no CRS.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> shown = display_coverage(load_bundle("hanoi").admin_units)  # doctest: +SKIP
    >>> len(shown)  # doctest: +SKIP
    126
    """
    metric = to_metric(units, what=what)
    geoms = np.asarray(metric.geometry.values, dtype=object)
    if len(geoms) == 0:
        return units.to_crs(WGS84)
    geoms = _as_coverage(geoms, what=what)
    if bool(shapely.coverage_is_valid(geoms)):
        simplified = shapely.coverage_simplify(geoms, tolerance_m, simplify_boundary=True)
    else:
        # Still not an exact coverage: simplifying each polygon would open slivers, so keep
        # the shape and only drop points that lie within 1 m of a straight line.
        logger.warning(
            "%s is not an exact polygon coverage and cannot be cleaned here; simplifying "
            "each polygon on its own with a tolerance of 1 m", what,
        )
        simplified = shapely.simplify(geoms, 1.0, preserve_topology=True)
    out = metric.copy()
    out.geometry = gpd.GeoSeries(simplified, index=metric.index, crs=metric.crs)
    out = out.to_crs(WGS84)
    out.geometry = gpd.GeoSeries(
        _round(np.asarray(out.geometry.values, dtype=object)), index=out.index, crs=WGS84
    )
    return out


def display_layer(
    layer: gpd.GeoDataFrame, *, tolerance_m: float = 5.0, what: str = "layer"
) -> gpd.GeoDataFrame:
    """Simplify each geometry of ``layer`` on its own (lines, points, separate polygons).

    Parameters
    ----------
    layer
        Any vector layer with a CRS.
    tolerance_m
        Simplification tolerance in metres; ``0`` only rounds coordinates.
    what
        Name used in error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        A copy in EPSG:4326, simplified (topology of each geometry preserved) and rounded.

    Raises
    ------
    CRSError
        If ``layer`` has no CRS.
    """
    if layer.empty:
        return layer.to_crs(WGS84) if layer.crs is not None else layer.copy()
    metric = to_metric(layer, what=what)
    geoms = np.asarray(metric.geometry.values, dtype=object)

    def shown() -> np.ndarray:  # simplified in metres, then in degrees and rounded
        simple = shapely.simplify(geoms, tolerance_m, preserve_topology=True) \
            if tolerance_m > 0 else geoms
        moved = gpd.GeoSeries(simple, crs=metric.crs).to_crs(WGS84)
        return _round(np.asarray(moved.values, dtype=object))

    # the same geometry, CRS and tolerance (another process, period or map) reuse it
    key = (_cache.geoms_digest(geoms), metric.crs.to_wkt(), float(tolerance_m), DECIMALS,
           pyproj.proj_version_str)  # PROJ moves the degrees
    drawn = _cache.persisted("display", key, shown, code=__file__, pack=_cache.pack_geoms,
                             unpack=_cache.unpack_geoms, names=("wkb", "offsets"))
    out = metric.set_crs(WGS84, allow_override=True)
    out.geometry = gpd.GeoSeries(drawn, index=out.index, crs=WGS84)
    return out[~out.geometry.is_empty & out.geometry.notna()]


def feature_collection(
    geoms: gpd.GeoSeries, properties: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """GeoJSON FeatureCollection of ``geoms`` (already in EPSG:4326 and rounded).

    Parameters
    ----------
    geoms
        Geometries in longitude/latitude.
    properties
        One dict per geometry (default: ``{"i": position}``).

    Returns
    -------
    dict
    """
    props = properties if properties is not None else [{"i": i} for i in range(len(geoms))]
    features = []
    for geom, prop in zip(geoms, props, strict=True):
        if geom is None or geom.is_empty:
            continue
        features.append({
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(geom)),
            "properties": prop,
        })
    return {"type": "FeatureCollection", "features": features}


#: How far each position's depth is from its geometry's coordinates (a ring or line: 0).
_DEPTH = {"MultiPoint": 0, "LineString": 0, "MultiLineString": 1, "Polygon": 1,
          "MultiPolygon": 2}


def compact_collection(collection: dict[str, Any]) -> dict[str, Any]:
    """The FeatureCollection with integer, delta-encoded coordinates (about 60% smaller).

    Each position becomes integers of ``10**DECIMALS`` (exact: coordinates are rounded to
    :data:`DECIMALS` decimals); within a ring, a line or a point list each position is
    written as its difference from the previous one. ``geoplan.decode`` in the page, and
    :func:`expand_collection` here, undo it. The collection gets ``"gp": DECIMALS``.
    """
    scale = 10 ** DECIMALS

    def run(positions: list[list[float]]) -> list[list[int]]:
        out, x0, y0 = [], 0, 0
        for p in positions:
            x, y = round(p[0] * scale), round(p[1] * scale)
            out.append([x - x0, y - y0])
            x0, y0 = x, y
        return out

    def point(p: list[float]) -> list[int]:
        return [round(p[0] * scale), round(p[1] * scale)]

    return {"type": "FeatureCollection", "gp": DECIMALS,
            "features": _recoded(collection["features"], run, point)}


def expand_collection(collection: dict[str, Any]) -> dict[str, Any]:
    """GeoJSON of a :func:`compact_collection` (the page's decoder, in Python)."""
    scale = 10 ** int(collection["gp"])

    def run(deltas: list[list[int]]) -> list[list[float]]:
        out, x, y = [], 0, 0
        for d in deltas:
            x, y = x + d[0], y + d[1]
            out.append([x / scale, y / scale])
        return out

    def point(p: list[int]) -> list[float]:
        return [p[0] / scale, p[1] / scale]

    return {"type": "FeatureCollection", "features": _recoded(collection["features"], run, point)}


def _recoded(features: list[dict[str, Any]], run: Any, point: Any) -> list[dict[str, Any]]:
    """``features`` with ``run`` applied to every list of positions (a ring, a line, the
    points of a MultiPoint) and ``point`` to a Point's position."""
    def walk(c: Any, depth: int) -> Any:
        return run(c) if depth == 0 else [walk(x, depth - 1) for x in c]

    out = []
    for f in features:
        g = f["geometry"]
        coords = (point(g["coordinates"]) if g["type"] == "Point"
                  else walk(g["coordinates"], _DEPTH[g["type"]]))
        out.append({**f, "geometry": {"type": g["type"], "coordinates": coords}})
    return out


def script_json(value: Any) -> str:
    """JSON that is safe to place inside an HTML ``<script>`` element.

    ``<``, ``>``, ``&`` and the JavaScript line separators are written as ``\\u`` escapes,
    so a string such as ``</script><script>alert(1)</script>`` in the data cannot end the
    element; the browser still reads the original text.

    Examples
    --------
    >>> script_json({"name": "</script>"})
    '{"name":"\\\\u003c/script\\\\u003e"}'
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    )
