"""Public green space per person and access to open space (SDG 11.7.1).

``green_space_per_capita`` (m²/person)
    Area of public green space (the ``green_space`` role, overlaps dissolved so that nothing
    counts twice) inside each unit ÷ the unit's population; inner city and city-wide as
    Σ area ÷ Σ population. A unit with population 0 has no value (NaN with a note, never
    ``inf``). With ``target_m2_per_person`` the deficit ``max(0, target × population − area)``
    is reported per unit and overall.
``open_space_access`` (%)
    Share of the population living within ``distance_m`` (400 m, the UN-Habitat SDG 11.7.1
    walking distance) in a straight line of public open space: the green-space polygons
    buffered by 400 m in the metric CRS, population spread as in
    :mod:`geoplan.analyses._population`.

``green_space`` knows nothing outside its covered extent (the one coverage rule,
:func:`geoplan.analyses._population.layer_coverage`; a ``coverage: partial`` layer without a
recorded extent covers the units holding one of its polygons): units mostly outside are NaN
(``details["unavailable"]``), never zero; units partly inside get the value over their part
inside, flagged partial (``IndicatorResult.coverage``).

>>> from geoplan.layers import load_bundle
>>> green_space_per_capita(load_bundle("hanoi")).no_data               # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
import shapely

from geoplan.analyses._population import (
    POPULATION_METHODS,
    PopulationMethod,
    check_option_values,
    coverage_fields,
    coverage_table,
    describe_population,
    fold,
    known_population,
    layer_coverage,
    missing_result,
    resolve_as_of,
    resolve_population,
    scope_values,
    unit_frame,
)
from geoplan.analyses.registry import indicator
from geoplan.analyses.result import IndicatorResult
from geoplan.analyses.transit import (
    MAX_DISTANCE_M,
    SNAPS,
    AccessMethod,
    Snap,
    describe_measured,
    label_column,
    measured_each_way,
    summarise_coverage,
    walked_or_proxied,
    walking_catchment,
    walking_extent,
)
from geoplan.errors import GeoplanError, RecipeError

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from geoplan.layers import Bundle

__all__ = ["SDG_OPEN_SPACE_DISTANCE_M", "green_space_per_capita", "open_space_access"]

logger = logging.getLogger(__name__)

#: UN-Habitat SDG 11.7.1: share of population within 400 m walking distance of open space.
SDG_OPEN_SPACE_DISTANCE_M = 400.0
Per = Literal["population", "urban_population"]
_PER: tuple[str, ...] = get_args(Per)


def green_frame(bundle: Bundle, crs: CRS, kinds: Sequence[str] | None = None
                ) -> gpd.GeoDataFrame:
    """The ``green_space`` polygons (optionally only ``kinds``, no empty ones) in ``crs``."""
    green: gpd.GeoDataFrame = bundle.green_space.to_crs(crs)
    if kinds is not None and "kind" in green.columns:
        wanted = {fold(k) for k in kinds}
        green = green[green["kind"].map(fold).isin(wanted)]
    geoms = green.geometry.to_numpy()
    return green[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]


def green_union(bundle: Bundle, crs: CRS, kinds: Sequence[str] | None = None) -> Any:
    """The dissolved ``green_space`` polygons (optionally only ``kinds``) in ``crs``."""
    geoms = green_frame(bundle, crs, kinds).geometry.to_numpy()
    return shapely.union_all(geoms) if len(geoms) else shapely.Polygon()


#: Default spacing (m) of the access points along an open space's boundary.
ACCESS_SPACING_M = 25.0


def access_points(green: gpd.GeoDataFrame, spacing_m: float = ACCESS_SPACING_M
                  ) -> gpd.GeoDataFrame:
    """Access points of open spaces: every vertex of their boundaries, plus points so that
    consecutive points are at most ``spacing_m`` apart along it.

    Parameters
    ----------
    green
        Polygons (metric CRS).
    spacing_m
        Largest gap (m) between access points along a boundary (holes included).

    Returns
    -------
    geopandas.GeoDataFrame
        One point per row (duplicates within a polygon dropped), with ``name`` (the
        polygon's label) and ``polygon`` (its position in ``green``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import box
    >>> pts = access_points(gpd.GeoDataFrame(geometry=[box(0, 0, 100, 100)], crs=32648), 25)
    >>> len(pts)
    16
    """
    import geopandas as gpd

    rings = shapely.segmentize(shapely.boundary(green.geometry.to_numpy()), spacing_m)
    xy, owner = shapely.get_coordinates(rings, return_index=True)
    table = pd.DataFrame({"polygon": owner, "x": xy[:, 0], "y": xy[:, 1]}).drop_duplicates()
    labels = label_column(green.reset_index(drop=True)).to_numpy()
    return gpd.GeoDataFrame(
        {"name": labels[table["polygon"].to_numpy()], "polygon": table["polygon"].to_numpy()},
        geometry=shapely.points(table[["x", "y"]].to_numpy()), crs=green.crs)


@indicator("green_space_per_capita", unit="m2/person", layers=("admin_units", "green_space"),
           scopes=("city", "inner", "unit"),
           description="public green space per person")
def green_space_per_capita(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    target_m2_per_person: float | None = None,
    kinds: Sequence[str] | None = None,
    per: Per = "population",
) -> IndicatorResult:
    """Public green space (m²) per person, per unit, inner city and city-wide.

    Parameters
    ----------
    bundle
        Bundle with ``admin_units`` and ``green_space``.
    as_of
        Accepted for the common signature (the layers have one date).
    target_m2_per_person
        Target in m²/person; adds ``details["deficit"]`` (per unit) and
        ``details["deficit_total"]`` (city and inner).
    kinds
        Keep only these ``kind`` values (e.g. ``["park", "garden"]``); default all.
    per
        Denominator: ``"population"`` (default) or ``"urban_population"`` (green space per
        urban resident, as in Hà Tĩnh's 15-CTr/TU).

    Returns
    -------
    IndicatorResult
        m²/person. No data naming the missing role (``green_space`` is missing in the Hà Nội
        bundle).

    Raises
    ------
    RecipeError
        For an unknown ``per`` or a negative target.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> green_space_per_capita(load_bundle("hanoi")).is_no_data         # doctest: +SKIP
    True
    """
    name, unit = "green_space_per_capita", "m2/person"
    if per not in _PER:
        message = f"{name}: per={per!r} is not one of {', '.join(_PER)}"
        raise RecipeError(message)
    if target_m2_per_person is not None and target_m2_per_person < 0:
        message = f"{name}: target_m2_per_person={target_m2_per_person} must be >= 0"
        raise RecipeError(message)
    params: dict[str, Any] = {"as_of": resolve_as_of(as_of).isoformat(),
                              "target_m2_per_person": target_m2_per_person,
                              "kinds": list(kinds) if kinds is not None else None, "per": per}
    absent = missing_result(bundle, name, unit, ("admin_units", "green_space"), params=params)
    if absent is not None:
        return absent
    crs = bundle.metric_crs
    units = unit_frame(bundle, crs=crs)
    if kinds is not None:
        check_option_values(bundle, ("green_space",), "kind", kinds, option="kinds",
                            indicator=name)
    coverage = layer_coverage(bundle, "green_space", units)
    green = coverage.clip(green_union(bundle, crs, kinds))
    geoms = units.geometry.to_numpy()
    area = np.zeros(len(geoms))
    if not shapely.is_empty(green):
        shapely.prepare(green)
        hit = np.flatnonzero(shapely.intersects(green, geoms))
        area[hit] = shapely.area(shapely.intersection(geoms[hit], green))
    available = coverage.has_value
    whole = pd.to_numeric(units[per], errors="coerce").astype(float)
    resting = known_population(units, coverage, column=per)
    people = resting.where(available)
    green_m2 = pd.Series(np.where(available, area, np.nan), index=units.index)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = pd.Series(np.where(people > 0, green_m2 / people, np.nan), index=units.index)
    city, inner = scope_values(units, green_m2, people)
    table = pd.DataFrame({"name": units["name"].astype(str), "is_inner": units["is_inner"],
                          per: whole, f"known_{per}": people, "green_m2": green_m2,
                          "m2_per_person": values, "inside_share": coverage.share,
                          "coverage_state": coverage.state, "has_data": available,
                          "note": coverage.reasons()}, index=units.index)
    table.loc[available & (people <= 0), "note"] = f"{per} 0: per-person value undefined"
    details: dict[str, pd.DataFrame] = {"per_unit": table,
                                        "unavailable": table.loc[~available, ["name", "note"]]}
    if target_m2_per_person is not None:
        details.update(_deficits(units, people, green_m2, float(target_m2_per_person)))
    method = (
        f"Area of dissolved green_space{' (kinds ' + ', '.join(kinds) + ')' if kinds else ''} "
        f"inside each unit (metric CRS) ÷ {per}; city and inner = Σ area ÷ Σ {per}; a unit "
        f"partly inside the layer's extent: area and {per} of its part inside."
        + coverage.describe()
    )
    fields = coverage_fields(units, coverage, resting, whole, basis="population")
    return IndicatorResult(name, unit, city=city, inner=inner,
                           per_unit=values.rename(name), details=details, method=method,
                           params=params, **fields)


def _deficits(units: gpd.GeoDataFrame, people: pd.Series, green_m2: pd.Series,
              target: float) -> dict[str, pd.DataFrame]:
    need = target * people
    deficit = (need - green_m2).clip(lower=0.0)
    per_unit = pd.DataFrame({"name": units["name"].astype(str), "population": people,
                             "green_m2": green_m2, "target_m2": need, "deficit_m2": deficit},
                            index=units.index)
    rows = []
    for scope, mask in (("city", pd.Series(True, index=units.index)),
                        ("inner", units["is_inner"].astype(bool))):
        ok = mask & green_m2.notna()
        if not ok.any():
            continue
        total_need = float(need[ok].sum())
        total_green = float(green_m2[ok].sum())
        rows.append({"scope": scope, "population": float(people[ok].sum()),
                     "green_m2": total_green, "target_m2": total_need,
                     "deficit_m2": max(0.0, total_need - total_green),
                     "sum_unit_deficits_m2": float(deficit[ok].sum())})
    return {"deficit": per_unit, "deficit_total": pd.DataFrame(rows)}


@indicator("open_space_access", unit="%", layers=("admin_units", "green_space"),
           scopes=("city", "inner", "unit"),
           description="SDG 11.7.1: share of population within 400 m walking of public "
                       "open space")
def open_space_access(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    distance_m: float = SDG_OPEN_SPACE_DISTANCE_M,
    kinds: Sequence[str] | None = None,
    population: PopulationMethod = "raster",
    method: AccessMethod = "network",
    snap: Snap = "edge",
    access_spacing_m: float = ACCESS_SPACING_M,
) -> IndicatorResult:
    """SDG 11.7.1 as UN-Habitat defines it: share (%) of population within ``distance_m``
    walking distance along the street network of public open space.

    Access points: every vertex of each open space's boundary plus points at most
    ``access_spacing_m`` apart along it (:func:`access_points`), snapped to the street
    network as the transit stops are (:func:`geoplan.network.snap_points`, ``snap``; the
    snapping distance counts against the walk) and walked ``distance_m``
    (:func:`geoplan.network.catchments_from_stations`: reached streets, 50 m band); the
    catchment is that walk united with the open spaces themselves. Where the street network
    knows nothing (outside its extent) the straight-line buffer stands in, labelled per
    unit as for :func:`geoplan.analyses.transit.public_transport_access`
    (``details["per_unit"]["measured_by"]``, ``details["measured"]``, the method text).

    Parameters
    ----------
    bundle
        Bundle with ``admin_units`` and ``green_space`` (``street_network`` for walking).
    as_of
        Accepted for the common signature.
    distance_m
        Distance in metres (SDG 11.7.1: 400).
    kinds
        Keep only these green-space ``kind`` values.
    population
        ``"raster"`` (default: each unit's census count spread by the bundle's
        ``population_raster``; ``census_uniform`` when it has none, named in the method) or
        ``"census_uniform"`` (see :mod:`geoplan.analyses._population`).
    method
        ``"network"`` (walking, with the labelled straight-line proxy where there are no
        streets) or ``"euclidean"`` (straight-line buffer everywhere, the former measure).
    snap
        ``"edge"`` (access points join the nearest point of the nearest street) or
        ``"node"``.
    access_spacing_m
        Largest gap (m) between access points along a boundary (default 25).

    Returns
    -------
    IndicatorResult
        % per unit, inner city and city-wide; ``details``: ``per_unit`` (covered people,
        ``population_method``, ``walking_population``, ``proxy_population``,
        ``measured_by``), ``measured``, ``unavailable`` and ``not_measured`` (open spaces
        inside the network's extent with no access point within the snapping tolerance of
        a street: only their own area counts).

    Raises
    ------
    RecipeError
        For a bad distance, spacing, method, snap or population method.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> open_space_access(load_bundle("hanoi")).is_no_data              # doctest: +SKIP
    True
    """
    name, unit = "open_space_access", "%"
    problems = []
    if not 0 < float(distance_m) <= MAX_DISTANCE_M:
        problems.append(f"distance_m={distance_m!r} (use a positive number of metres, at most "
                        f"{MAX_DISTANCE_M:,.0f})")
    if not 0 < float(access_spacing_m) <= 1000:
        problems.append(f"access_spacing_m={access_spacing_m!r} (use a positive number of "
                        "metres, at most 1,000)")
    if method not in ("network", "euclidean"):
        problems.append(f"method={method!r} (use one of network, euclidean)")
    if snap not in SNAPS:
        problems.append(f"snap={snap!r} (use one of {', '.join(SNAPS)})")
    if population not in POPULATION_METHODS:
        problems.append(f"population={population!r} (use one of {', '.join(POPULATION_METHODS)})")
    if problems:
        message = f"{name}: bad option(s) {'; '.join(problems)}"
        raise RecipeError(message)
    population, raster, population_note = resolve_population(bundle, population)
    params: dict[str, Any] = {"as_of": resolve_as_of(as_of).isoformat(),
                              "distance_m": float(distance_m),
                              "kinds": list(kinds) if kinds is not None else None,
                              "population": population, "method": method, "snap": snap,
                              "access_spacing_m": float(access_spacing_m)}
    needed = ("admin_units", "green_space")
    absent = missing_result(bundle, name, unit, needed, params=params)
    if absent is not None:
        return absent
    crs = bundle.metric_crs
    units = unit_frame(bundle, crs=crs)
    if kinds is not None:
        check_option_values(bundle, ("green_space",), "kind", kinds, option="kinds",
                            indicator=name)
    coverage = layer_coverage(bundle, "green_space", units)
    frame = green_frame(bundle, crs, kinds)
    green = green_union(bundle, crs, kinds)
    covered = shapely.buffer(green, float(distance_m), quad_segs=32) \
        if not shapely.is_empty(green) else green
    walk_area: Any = shapely.Polygon()
    not_measured = pd.DataFrame(columns=["name", "nearest_street_m"])
    why_proxy = ""
    n_points = 0
    if method == "network" and bundle.has("street_network"):
        try:
            walk_area = walking_extent(bundle, units)
            points = access_points(frame, float(access_spacing_m))
            n_points = len(points)
            walk, far = walking_catchment(bundle, points, float(distance_m), kind="green_space",
                                          area=walk_area, snap=snap)
        except GeoplanError as exc:
            walk_area = shapely.Polygon()
            why_proxy = f" street_network cannot be routed on ({exc}): straight lines only."
        else:
            covered = walked_or_proxied(walk, covered, walk_area, green)
            inside = np.asarray(shapely.intersects(walk_area, points.geometry.to_numpy()))
            n_in = np.bincount(points["polygon"][inside], minlength=len(frame))
            poly_far = points.loc[far.index, "polygon"].to_numpy()
            n_far = np.bincount(poly_far, minlength=len(frame))
            lost = np.flatnonzero((n_in > 0) & (n_far == n_in))
            if len(lost):
                nearest = far.groupby(poly_far)["nearest_street_m"].min()
                not_measured = pd.DataFrame(
                    {"name": label_column(frame.reset_index(drop=True)).to_numpy()[lost],
                     "nearest_street_m": nearest.reindex(lost).to_numpy()},
                    index=frame.index[lost])
    elif method == "network":
        why_proxy = (" street_network: "
                     f"{bundle.why_missing('street_network') or 'not in the bundle'}: "
                     "straight lines only.")
    table = coverage_table(units, coverage.clip(covered), crs=crs, population=population,
                           raster=raster)
    resting = known_population(units, coverage, population=population, raster=raster)
    per_unit, unavailable = summarise_coverage(units, table, coverage, resting)
    measured = measured_each_way(units, per_unit, coverage, resting, walk_area,
                                 walking=method == "network", population=population,
                                 raster=raster)
    city, inner = scope_values(units, per_unit["covered_population"],
                               per_unit["known_population"], scale=100.0)
    d = float(distance_m)
    if method == "network":
        how = (f"{d:g} m walking along street_network from access points every "
               f"{float(access_spacing_m):g} m along the boundaries (and their vertices; "
               f"{n_points} points, snapped to the nearest street {snap}; 50 m street band), "
               f"united with the open spaces; where it has no streets a straight-line proxy "
               f"(buffer of {d:g} m): " + describe_measured(measured) + why_proxy)
    else:
        how = (f"{d:g} m straight line (buffer; comparison method, not walking distance)")
    method_text = (
        f"SDG 11.7.1: population within {how} of {len(frame)} dissolved green_space "
        f"polygons; {describe_population(population)}." + population_note + coverage.describe()
        + (f" {len(not_measured)} open space(s) inside the street network's extent have no "
           "access point within the snapping tolerance of a street: only their own area "
           f"counts: {', '.join(not_measured['name'].astype(str).head(5))} "
           "(details['not_measured'])." if len(not_measured) else "")
    )
    fields = coverage_fields(units, coverage, resting, units["population"], basis="population")
    return IndicatorResult(name, unit, city=city, inner=inner,
                           per_unit=per_unit["covered_share_pct"].rename(name).astype(float),
                           details={"per_unit": per_unit, "unavailable": unavailable,
                                    "measured": measured, "not_measured": not_measured},
                           method=method_text, params=params, **fields)
