"""Metric coordinate reference systems for areas and distances.

geoplan stores layers in whatever CRS their source uses (usually WGS84) and measures in a
projected metric CRS: UTM zone 48N (EPSG:32648) for northern Vietnam, where every embedded
bundle lies, and the matching UTM zone elsewhere. Every area and length in the package goes
through :func:`metric_crs` / :func:`to_metric`.
"""

from __future__ import annotations

import logging
from typing import TypeVar

import geopandas as gpd
from pyproj import CRS
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from geoplan.errors import CRSError

__all__ = [
    "NORTHERN_VIETNAM_CRS",
    "WGS84",
    "is_metric",
    "metric_crs",
    "require_crs",
    "require_metric",
    "to_metric",
]

logger = logging.getLogger(__name__)

#: UTM zone 48N on WGS84, the metric CRS for northern Vietnam (Hà Nội, Hải Phòng, Hà Tĩnh, ...).
NORTHERN_VIETNAM_CRS = CRS.from_epsg(32648)
WGS84 = CRS.from_epsg(4326)

# Longitude/latitude window in which EPSG:32648 is used (UTM 48 spans 102–108° E; Vietnam's
# northern half lies in it; the window is kept inside the zone so distortion stays < 0.1%).
_NORTH_VN_WINDOW = (102.0, 17.0, 108.0, 23.5)

G = TypeVar("G", gpd.GeoDataFrame, gpd.GeoSeries)


def require_crs(data: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "layer") -> CRS:
    """Return the CRS of ``data`` or raise :class:`~geoplan.errors.CRSError` if it has none.

    Parameters
    ----------
    data
        A GeoDataFrame or GeoSeries.
    what
        How to name the data in the error message (e.g. ``"layer 'stations' of bundle hanoi"``).

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        If ``data.crs`` is ``None``.
    """
    if data.crs is None:
        message = (
            f"{what} has no CRS: coordinates cannot be interpreted. Set it in the source file "
            "or call .set_crs('EPSG:4326') if the coordinates are longitude/latitude."
        )
        raise CRSError(message)
    return CRS.from_user_input(data.crs)


def is_metric(crs: CRS) -> bool:
    """True when lengths and areas can be measured in ``crs``: projected, axes in metres.

    Web Mercator (EPSG:3857) and the other plain Mercator projections are projected in
    metres but their scale grows as 1 / cos(latitude) (+7% in lengths, +15% in areas at
    Hà Nội), so they do not count: data in them is measured in :func:`metric_crs`'s UTM zone.

    Examples
    --------
    >>> is_metric(NORTHERN_VIETNAM_CRS), is_metric(WGS84), is_metric(CRS.from_epsg(3857))
    (True, False, False)
    """
    if not crs.is_projected or not all(
        (axis.unit_name or "").lower() in {"metre", "meter"} for axis in crs.axis_info
    ):
        return False
    method = crs.coordinate_operation.method_name if crs.coordinate_operation else ""
    return not ("mercator" in method.lower() and "transverse" not in method.lower())


def require_metric(crs: CRS | str | int, *, what: str = "CRS") -> CRS:
    """Return ``crs`` as a :class:`pyproj.CRS` if areas and distances can be measured in it.

    Parameters
    ----------
    crs
        Anything :meth:`pyproj.CRS.from_user_input` reads (``"EPSG:32648"``, ``32648``, ...).
    what
        How to name the CRS in the message (e.g. ``"bundle.yaml: metric_crs"``).

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        If pyproj does not know ``crs``, or if it is geographic (degrees) or projected in
        another unit (feet): lengths and areas would come out in that unit.

    Examples
    --------
    >>> require_metric("EPSG:32648").to_epsg()
    32648
    """
    try:
        parsed = CRS.from_user_input(crs)
    except Exception:  # pyproj raises its own CRSError and TypeError for odd input
        message = f"{what}: {crs!r} is not a CRS pyproj knows; give one such as EPSG:32648"
        raise CRSError(message) from None
    if not is_metric(parsed):
        units = ", ".join(sorted({a.unit_name or "?" for a in parsed.axis_info})) or "no unit"
        kind = ("geographic" if parsed.is_geographic else
                "a Mercator projection, whose scale changes with latitude"
                if "mercator" in parsed.name.lower() else "not in metres")
        message = (
            f"{what}: {parsed.to_string()} is {kind} (axes in {units}); areas and distances "
            "need a projected CRS in metres such as UTM, e.g. EPSG:32648 (UTM 48N) in "
            "northern Vietnam"
        )
        raise CRSError(message)
    return parsed


def metric_crs(data: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "layer") -> CRS:
    """Return the projected metric CRS to measure ``data`` in.

    EPSG:32648 (UTM 48N) when the data's centre lies in northern Vietnam, otherwise the UTM
    zone of its centre (via pyproj's database). A data set that is already in a projected
    CRS whose unit is the metre keeps its own CRS.

    Parameters
    ----------
    data
        Layer to measure; it must have a CRS.
    what
        Name used in error messages.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        If ``data`` has no CRS or is empty (no extent to choose a zone from).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> metric_crs(gpd.GeoSeries([Point(105.85, 21.03)], crs=4326)).to_epsg()
    32648
    """
    crs = require_crs(data, what=what)
    if is_metric(crs):
        return crs
    if data.empty or data.geometry.is_empty.all():
        message = f"{what} is empty: there is no extent to choose a metric CRS from."
        raise CRSError(message)
    lonlat = data.to_crs(WGS84) if not crs.equals(WGS84) else data
    minx, miny, maxx, maxy = lonlat.total_bounds
    cx, cy = (minx + maxx) / 2.0, (miny + maxy) / 2.0
    if not (-180.0 <= cx <= 180.0 and -90.0 <= cy <= 90.0):
        message = (
            f"{what} has coordinates outside longitude/latitude range (centre {cx:.1f}, "
            f"{cy:.1f}) although its CRS is {crs.to_string()}: the CRS is probably wrong."
        )
        raise CRSError(message)
    wx0, wy0, wx1, wy1 = _NORTH_VN_WINDOW
    if wx0 <= cx <= wx1 and wy0 <= cy <= wy1:
        return NORTHERN_VIETNAM_CRS
    infos = query_utm_crs_info(
        datum_name="WGS 84",
        area_of_interest=AreaOfInterest(cx, cy, cx, cy),
    )
    if not infos:  # pragma: no cover - pyproj always knows a UTM zone for valid lon/lat
        message = f"No UTM zone found for {what} centred at {cx:.3f}, {cy:.3f}."
        raise CRSError(message)
    return CRS.from_epsg(int(infos[0].code))


def to_metric(data: G, *, crs: CRS | None = None, what: str = "layer") -> G:
    """Return ``data`` projected to a metric CRS (a copy; the input is never modified).

    Parameters
    ----------
    data
        GeoDataFrame or GeoSeries with a CRS.
    crs
        Target CRS; by default :func:`metric_crs` of ``data``.
    what
        Name used in error messages.

    Returns
    -------
    Same type as ``data``, in metres.

    Raises
    ------
    CRSError
        If ``data`` has no CRS, or ``crs`` is not a projected CRS in metres.
    """
    target = require_metric(crs, what=f"metric CRS for {what}") if crs is not None \
        else metric_crs(data, what=what)
    require_crs(data, what=what)
    return data.to_crs(target)
