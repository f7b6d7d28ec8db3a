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

Who lives in it: :func:`river_corridor_population` counts the people inside the same
corridor, each unit's census count spread within the unit by the ``population_raster``
(WorldPop; :mod:`geoplan.analyses._population`, the default of every coverage indicator), the
raw WorldPop sum beside it. How long it is: :func:`river_length` measures the centrelines
inside the city outline (km, metric CRS).

>>> from geoplan.layers import load_bundle
>>> river_corridor(load_bundle("hanoi")).unit                          # doctest: +SKIP
'km2'
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

import numpy as np
import pandas as pd
import shapely
from pydantic import Field

from geoplan.analyses._population import (
    PopulationMethod,
    check_option_values,
    coverage_table,
    describe_population,
    fold,
    missing_result,
    resolve_as_of,
    resolve_population,
    unit_frame,
)
from geoplan.analyses.landuse import URBAN_CONSTRUCTION_CLASSES, class_union
from geoplan.analyses.registry import indicator
from geoplan.analyses.result import IndicatorResult
from geoplan.errors import RecipeError

if TYPE_CHECKING:
    from pyproj import CRS

    from geoplan.layers import Bundle

__all__ = ["DEFAULT_CORRIDOR_WIDTH_M", "river_corridor", "river_corridor_population",
           "river_length"]

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
    params, absent = _start(bundle, name, _UNIT, as_of=as_of, corridor_width_m=corridor_width_m,
                            include_corridors=include_corridors, names=names)
    if absent is not None:
        return absent
    crs = bundle.metric_crs
    corridor, rows, roles = _corridor(bundle, crs, corridor_width_m, include_corridors, names)
    area = float(shapely.area(corridor))
    shares = _shares(bundle, crs, corridor, area)
    method = (
        f"{_corridor_words(roles, corridor_width_m)}; area in the metric CRS. Shares of "
        "built-up (land_use urban classes), green (green_space) and water (water) where those "
        "layers exist."
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


def _start(bundle: Bundle, name: str, unit: str, *, as_of: _dt.date | None,
           corridor_width_m: float, include_corridors: bool,
           names: Sequence[str] | None) -> tuple[dict[str, Any], IndicatorResult | None]:
    """Check the corridor options; the params and, when a layer is missing, the no-data
    result naming it."""
    if not 0 < float(corridor_width_m) <= MAX_CORRIDOR_WIDTH_M:  # NaN fails too
        message = (f"{name}: corridor_width_m={corridor_width_m!r} must be a positive number of "
                   f"metres, at most {MAX_CORRIDOR_WIDTH_M:,.0f}")
        raise RecipeError(message)
    wanted = {fold(n) for n in names} if names is not None else None
    params: dict[str, Any] = {"as_of": resolve_as_of(as_of).isoformat(),
                              "corridor_width_m": float(corridor_width_m),
                              "include_corridors": include_corridors,
                              "names": sorted(wanted) if wanted is not None else None}
    absent = missing_result(bundle, name, unit, ("river_axis",), params=params)
    if absent is None and not (bundle.has("city_boundary") or bundle.has("admin_units")):
        absent = missing_result(bundle, name, unit, ("city_boundary",), params=params)
    if absent is None and names is not None:
        check_option_values(bundle, ("river_axis", "river_corridors"), "name", names,
                            option="names", indicator=name)
    return params, absent


def _roles(bundle: Bundle, include_corridors: bool) -> list[str]:
    return ["river_axis"] + (["river_corridors"] if include_corridors
                             and bundle.has("river_corridors") else [])


def _corridor(bundle: Bundle, crs: CRS, corridor_width_m: float, include_corridors: bool,
              names: Sequence[str] | None) -> tuple[Any, list[dict[str, Any]], list[str]]:
    """The dissolved corridor inside the city, its pieces (name, role, km2) and roles."""
    wanted = {fold(n) for n in names} if names is not None else None
    half = float(corridor_width_m) / 2.0
    roles = _roles(bundle, include_corridors)
    outline = _city_outline(bundle, crs)
    shapely.prepare(outline)
    rows, pieces = [], []
    for role in roles:
        for text, geom in _corridor_parts(bundle, role, crs, half, wanted):
            inside = shapely.intersection(geom, outline)
            rows.append({"name": text, "role": role, "km2": shapely.area(inside) / 1e6})
            pieces.append(inside)
    corridor = shapely.union_all(pieces) if pieces else shapely.Polygon()
    return corridor, rows, roles


def _corridor_words(roles: list[str], corridor_width_m: float) -> str:
    half = float(corridor_width_m) / 2.0
    return (f"{' + '.join(roles)}: centrelines buffered by {half:g} m each side "
            f"({float(corridor_width_m):g} m corridor; polygons as they are), dissolved and "
            "clipped to the city outline")


@indicator("river_corridor_population", unit="people",
           layers=("river_axis", "admin_units"), scopes=("city",),
           description="people living inside the river corridors")
def river_corridor_population(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    corridor_width_m: Annotated[float, Field(gt=0, le=MAX_CORRIDOR_WIDTH_M)] = \
        DEFAULT_CORRIDOR_WIDTH_M,
    include_corridors: bool = True,
    names: Sequence[str] | None = None,
    population: PopulationMethod = "raster",
) -> IndicatorResult:
    """People living inside the river corridor of :func:`river_corridor` (the same band).

    Parameters
    ----------
    bundle
        Bundle with ``river_axis`` and ``admin_units`` (``population_raster`` for the
        default spread; ``river_corridors``, ``city_boundary`` optional).
    as_of, corridor_width_m, include_corridors, names
        As for :func:`river_corridor`.
    population
        ``"raster"`` (default: each unit's census count spread within the unit by the
        bundle's ``population_raster``; ``census_uniform`` when it has none, named in the
        method and ``params["population"]``) or ``"census_uniform"``.

    Returns
    -------
    IndicatorResult
        ``city`` = people inside the corridor. ``details["per_unit"]``: per unit with people
        inside, ``name``, ``population``, ``covered_population`` and ``population_method``;
        ``details["worldpop"]``: the raw raster sum inside the corridor and inside the city
        (people of the raster's year, not scaled to the census), when the raster is used.
        No data naming the layer when ``river_axis`` or ``admin_units`` is missing.

    Raises
    ------
    RecipeError
        For a bad width or population method.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> r = river_corridor_population(load_bundle("hanoi"))              # doctest: +SKIP
    >>> r.unit                                                           # doctest: +SKIP
    'people'
    """
    from geoplan.analyses._population import POPULATION_METHODS

    name, unit = "river_corridor_population", "people"
    if population not in POPULATION_METHODS:
        message = (f"{name}: population={population!r} is not a population method; use one "
                   f"of {', '.join(POPULATION_METHODS)}")
        raise RecipeError(message)
    params, absent = _start(bundle, name, unit, as_of=as_of, corridor_width_m=corridor_width_m,
                            include_corridors=include_corridors, names=names)
    if absent is None:
        absent = missing_result(bundle, name, unit, ("admin_units",), params=params)
    if absent is not None:
        return absent
    used, raster, note = resolve_population(bundle, population)
    params["population"] = used
    crs = bundle.metric_crs
    corridor, _rows, roles = _corridor(bundle, crs, corridor_width_m, include_corridors, names)
    units = unit_frame(bundle, crs=crs)
    table = coverage_table(units, corridor, crs=crs, population=used, raster=raster)
    table.insert(0, "name", units["name"].astype(str).to_numpy() if "name" in units else "")
    people = float(table["covered_population"].sum())
    details: dict[str, Any] = {
        "per_unit": table.loc[table["covered_population"] > 0,
                              ["name", "population", "covered_population",
                               "population_method"]]}
    worldpop = ""
    if raster is not None:
        from geoplan.raster import zonal_sums

        outline = _city_outline(bundle, crs)
        inside, city = zonal_sums(raster, np.array([corridor, outline], dtype=object), crs)
        details["worldpop"] = pd.DataFrame(
            {"area": ["corridor", "city"], "raster_population": [inside, city]})
        worldpop = (f" The raster itself holds {inside:,.0f} people in the corridor (of "
                    f"{city:,.0f} in the city), not scaled to the census.")
    method = (f"People inside the corridor ({_corridor_words(roles, corridor_width_m)}); "
              f"{describe_population(used)}.{note}{worldpop}")
    return IndicatorResult(name, unit, city=people, details=details, method=method,
                           params=params)


@indicator("river_length", unit="km", layers=("river_axis",), scopes=("city",),
           description="length of the river centrelines inside the city")
def river_length(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    include_corridors: bool = True,
    names: Sequence[str] | None = None,
) -> IndicatorResult:
    """Length (km) of the river centrelines (``river_axis``, ``river_corridors``) in the city.

    Lines are clipped to the city outline (``city_boundary``, else the union of
    ``admin_units``) and measured in the metric CRS; overlapping lines are dissolved first,
    so no stretch counts twice. Polygon features have no centreline and are listed, not
    measured.

    Parameters
    ----------
    bundle
        Bundle with ``river_axis``.
    as_of, include_corridors, names
        As for :func:`river_corridor`.

    Returns
    -------
    IndicatorResult
        ``city`` = km inside the city; ``details["by_river"]``: ``name``, ``role``, ``km``
        (each feature, before dissolving) and ``measured`` (False for polygons).

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> round(river_length(load_bundle("hanoi"), include_corridors=False).city, 1)  # doctest: +SKIP
    167.2
    """
    name, unit = "river_length", "km"
    params, absent = _start(bundle, name, unit, as_of=as_of,
                            corridor_width_m=DEFAULT_CORRIDOR_WIDTH_M,
                            include_corridors=include_corridors, names=names)
    params.pop("corridor_width_m")
    if absent is not None:
        return absent
    crs = bundle.metric_crs
    wanted = {fold(n) for n in names} if names is not None else None
    roles = _roles(bundle, include_corridors)
    outline = _city_outline(bundle, crs)
    rows, lines = [], []
    for role in roles:
        layer = bundle.layer(role).to_crs(crs)
        label = layer["name"].fillna("").astype(str) if "name" in layer.columns \
            else pd.Series("", index=layer.index)
        for text, geom in zip(label, layer.geometry.to_numpy(), strict=True):
            if (wanted is not None and fold(text) not in wanted) or geom is None \
                    or shapely.is_empty(geom):
                continue
            linear = geom.geom_type in {"LineString", "MultiLineString"}
            inside = shapely.intersection(geom, outline) if linear else None
            rows.append({"name": text, "role": role,
                         "km": float(shapely.length(inside)) / 1000 if linear else np.nan,
                         "measured": linear})
            if inside is not None:
                lines.append(inside)
    merged = shapely.union_all(lines) if lines else shapely.LineString()
    km = float(shapely.length(merged)) / 1000.0
    unmeasured = sum(1 for r in rows if not r["measured"])
    method = (f"{' + '.join(roles)} centrelines clipped to the city outline, dissolved and "
              "measured in the metric CRS"
              + (f"; {unmeasured} polygon feature(s) have no centreline and are not measured"
                 if unmeasured else "") + ".")
    return IndicatorResult(name, unit, city=km,
                           details={"by_river": pd.DataFrame(
                               rows, columns=["name", "role", "km", "measured"])},
                           method=method, params=params)
