"""River corridors of 02-NQ/TW: the Red River axis and the other ecological corridors.

The corridor is the ``river_axis`` (and, by default, ``river_corridors``) geometry: polygons
as they are, centrelines buffered by half of ``corridor_width_m`` on each side, dissolved and
clipped to the city (``city_boundary``, else the union of ``admin_units``).

Default width: 1,000 m (500 m each side of the centreline). This is an assumption, not a
figure of 02-NQ/TW: the river space between the dykes of the Hồng in central Hà Nội is
roughly 1–3 km wide, and the embedded centrelines are schematic (coarse vector shorelines), so
a 1 km band stays inside the river space while absorbing the centreline error. Give
``corridor_width_m`` to follow a zoning plan.

What lies in the corridor: shares (%) of its area that are built-up (``land_use`` polygons of
the urban construction classes of :mod:`geoplan.analyses.landuse`), green (``green_space``) and
water (``water``). A share whose layer is missing is "no data" naming the layer, never 0.

>>> from geoplan.layers import load_bundle
>>> river_corridor(load_bundle("hanoi")).unit                          # doctest: +SKIP
'km2'
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import shapely
from pydantic import Field

from geoplan.analyses._population import (
    check_option_values,
    fold,
    missing_result,
    resolve_as_of,
)
from geoplan.analyses.landuse import URBAN_CONSTRUCTION_CLASSES, class_union
from geoplan.analyses.registry import indicator
from geoplan.analyses.result import IndicatorResult
from geoplan.errors import RecipeError

if TYPE_CHECKING:
    from pyproj import CRS

    from geoplan.layers import Bundle

__all__ = ["DEFAULT_CORRIDOR_WIDTH_M", "river_corridor"]

logger = logging.getLogger(__name__)

#: Default corridor width (m) around a centreline; see the module docstring for the rationale.
DEFAULT_CORRIDOR_WIDTH_M = 1000.0
#: Widest corridor accepted (m): wider than 20 km is no river corridor but a typo (the Red
#: River's protected corridor in Hà Nội is a few kilometres wide).
MAX_CORRIDOR_WIDTH_M = 20_000.0
_UNIT = "km2"


def _corridor_parts(bundle: Bundle, role: str, crs: CRS, half_width: float,
                    names: set[str] | None) -> list[tuple[str, Any]]:
    layer = bundle.layer(role).to_crs(crs)
    label = layer["name"].fillna("").astype(str) if "name" in layer.columns \
        else pd.Series("", index=layer.index)
    parts = []
    for text, geom in zip(label, layer.geometry.to_numpy(), strict=True):
        if names is not None and fold(text) not in names:
            continue
        if geom is None or shapely.is_empty(geom):
            continue
        polygonal = geom.geom_type in {"Polygon", "MultiPolygon"}
        parts.append((text, geom if polygonal else shapely.buffer(geom, half_width)))
    return parts


def _city_outline(bundle: Bundle, crs: CRS) -> Any:
    role = "city_boundary" if bundle.has("city_boundary") else "admin_units"
    return shapely.union_all(bundle.layer(role).to_crs(crs).geometry.to_numpy())


@indicator("river_corridor", unit=_UNIT, layers=("river_axis",), scopes=("city",),
           description="area of the river corridors and what lies in them")
def river_corridor(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    corridor_width_m: Annotated[float, Field(gt=0, le=MAX_CORRIDOR_WIDTH_M)] = \
        DEFAULT_CORRIDOR_WIDTH_M,
    include_corridors: bool = True,
    names: Sequence[str] | None = None,
) -> IndicatorResult:
    """Area (km²) of the river corridor inside the city, and its built-up/green/water shares.

    Parameters
    ----------
    bundle
        Bundle with ``river_axis`` (and optionally ``river_corridors``, ``city_boundary``,
        ``land_use``, ``green_space``, ``water``).
    as_of
        Accepted for the common signature.
    corridor_width_m
        Total width (m) of the band around centrelines (default 1,000 m; see the module
        docstring). Polygon corridors are used as they are.
    include_corridors
        Add the ``river_corridors`` role (other rivers) to the Red River axis.
    names
        Keep only features with these ``name`` values (case-insensitive).

    Returns
    -------
    IndicatorResult
        ``city`` = corridor area in km². ``details["by_corridor"]`` (name, role, km2 inside the
        city, before dissolving overlaps) and ``details["shares"]`` (component, area_km2,
        share_pct, status: ``ok`` or ``no data: <layer> (...)``). No data naming
        ``river_axis`` when it is missing.

    Raises
    ------
    RecipeError
        If ``corridor_width_m`` is not in (0, :data:`MAX_CORRIDOR_WIDTH_M`] metres.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> r = river_corridor(load_bundle("hanoi"), corridor_width_m=2000)   # doctest: +SKIP
    """
    name = "river_corridor"
    if not 0 < float(corridor_width_m) <= MAX_CORRIDOR_WIDTH_M:  # NaN fails too
        message = (f"{name}: corridor_width_m={corridor_width_m!r} must be a positive number of "
                   f"metres, at most {MAX_CORRIDOR_WIDTH_M:,.0f}")
        raise RecipeError(message)
    wanted = {fold(n) for n in names} if names is not None else None
    params: dict[str, Any] = {"as_of": resolve_as_of(as_of).isoformat(),
                              "corridor_width_m": float(corridor_width_m),
                              "include_corridors": include_corridors,
                              "names": sorted(wanted) if wanted is not None else None}
    absent = missing_result(bundle, name, _UNIT, ("river_axis",), params=params)
    if absent is None and not (bundle.has("city_boundary") or bundle.has("admin_units")):
        absent = missing_result(bundle, name, _UNIT, ("city_boundary",), params=params)
    if absent is not None:
        return absent
    if names is not None:
        check_option_values(bundle, ("river_axis", "river_corridors"), "name", names,
                            option="names", indicator=name)
    crs = bundle.metric_crs
    half = float(corridor_width_m) / 2.0
    roles = ["river_axis"] + (["river_corridors"] if include_corridors
                              and bundle.has("river_corridors") else [])
    outline = _city_outline(bundle, crs)
    shapely.prepare(outline)
    rows, pieces = [], []
    for role in roles:
        for text, geom in _corridor_parts(bundle, role, crs, half, wanted):
            inside = shapely.intersection(geom, outline)
            rows.append({"name": text, "role": role, "km2": shapely.area(inside) / 1e6})
            pieces.append(inside)
    corridor = shapely.union_all(pieces) if pieces else shapely.Polygon()
    area = float(shapely.area(corridor))
    shares = _shares(bundle, crs, corridor, area)
    method = (
        f"{' + '.join(roles)}: centrelines buffered by {half:g} m each side "
        f"({float(corridor_width_m):g} m corridor; polygons as they are), dissolved and clipped "
        "to the city outline; area in the metric CRS. Shares of built-up (land_use urban "
        "classes), green (green_space) and water (water) where those layers exist."
    )
    return IndicatorResult(name, _UNIT, city=area / 1e6,
                           details={"by_corridor": pd.DataFrame(rows,
                                                                columns=["name", "role", "km2"]),
                                    "shares": shares},
                           method=method, params=params)


def _shares(bundle: Bundle, crs: CRS, corridor: Any, area: float) -> pd.DataFrame:
    rows = []
    for component, role in (("built_up", "land_use"), ("green", "green_space"),
                            ("water", "water")):
        if not bundle.has(role):
            why = bundle.why_missing(role) or "not in the bundle"
            rows.append({"component": component, "layer": role, "area_km2": float("nan"),
                         "share_pct": float("nan"), "status": f"no data: {role} ({why})"})
            continue
        if role == "land_use":
            geom = class_union(bundle, crs, set(URBAN_CONSTRUCTION_CLASSES))
        else:
            geoms = bundle.layer(role).to_crs(crs).geometry.to_numpy()
            geom = shapely.union_all(geoms) if len(geoms) else shapely.Polygon()
        part = float(shapely.area(shapely.intersection(corridor, geom))) \
            if not shapely.is_empty(geom) and area > 0 else 0.0
        rows.append({"component": component, "layer": role, "area_km2": part / 1e6,
                     "share_pct": 100.0 * part / area if area > 0 else float("nan"),
                     "status": "ok" if bundle.entry(role).coverage != "partial"
                     else "ok (partial layer: a lower bound)"})
    return pd.DataFrame(rows)
