"""Transit coverage (SDG 11.2.1): share and number of people within a distance of a stop.

Two indicators share one computation:

``transit_coverage`` (%)
    Covered population ÷ population, per unit, for the inner city and city-wide.
``transit_coverage_population`` (people)
    Covered population itself.

Options
-------
``mode``
    ``"rail"``: urban-rail ``stations`` in service on ``as_of`` (status in ``statuses`` and
    opening date on or before ``as_of``; see :func:`geoplan.analyses.rail.in_service`);
    default distance 1,000 m, the UN-Habitat SDG 11.2.1 distance for high-capacity stops.
    ``"bus"``: every ``bus_stops`` point; default 500 m, the SDG 11.2.1 distance for
    low-capacity stops.
``method``
    ``"euclidean"``: straight-line discs (256-gon, area error < 0.01%) around every stop in
    the bundle's metric CRS, dissolved. ``"network"``: walking catchments along the bundle's
    ``street_network`` (:func:`geoplan.network.catchments_from_stations`: reached streets
    buffered by 50 m, partial edges cut at the remaining distance).
``population``
    ``"raster"`` (default: each unit's census count spread by the bundle's
    ``population_raster``, dasymetric; ``"census_uniform"`` when the bundle has none, named in
    the method text and ``params["population"]``) or ``"census_uniform"`` (see
    :mod:`geoplan.analyses._population`).

Partial layers are never read as zero coverage. The stops' layer (and, for
``method="network"``, the street network) know nothing outside their covered extent
(:func:`geoplan.analyses._population.layer_coverage`, the one coverage rule): a unit mostly
outside gets NaN and is listed in ``details["unavailable"]``; a unit partly inside gets the
share over its part inside (catchments and population both cut to the extent), flagged
partial (``details["per_unit"]["coverage_state"]``, ``IndicatorResult.coverage``); the city
and inner values are Σ covered ÷ Σ population over what is known, and
``IndicatorResult.city_coverage`` says which share of the population they rest on.

>>> from geoplan.layers import load_bundle
>>> r = transit_coverage(load_bundle("hanoi"), mode="rail")             # doctest: +SKIP
>>> r.unit, round(r.city, 1)                                            # doctest: +SKIP
('%', ...)
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
import shapely

from geoplan import _cache
from geoplan._cache import Memo, geoms_digest
from geoplan.analyses._population import (
    OUTSIDE_SHARE,
    PARTIAL,
    POPULATION_METHODS,
    LayerCoverage,
    PopulationMethod,
    coverage_fields,
    coverage_table,
    describe_population,
    known_population,
    layer_coverage,
    missing_result,
    resolve_as_of,
    resolve_population,
    scope_values,
    unit_frame,
)
from geoplan.analyses.rail import in_service
from geoplan.analyses.registry import indicator
from geoplan.analyses.result import IndicatorResult
from geoplan.errors import GeoplanError, RecipeError
from geoplan.layers.roles import LineStatus

if TYPE_CHECKING:
    import geopandas as gpd

    from geoplan.layers import Bundle

__all__ = [
    "MAX_DISTANCE_M",
    "MODES",
    "SDG_DISTANCES_M",
    "SNAPS",
    "describe_measured",
    "label_column",
    "measured_each_way",
    "public_transport_access",
    "transit_coverage",
    "transit_coverage_population",
    "walked_or_proxied",
    "walking_catchment",
    "walking_extent",
]

logger = logging.getLogger(__name__)

#: Role holding the stops of each mode.
MODES: dict[str, str] = {"rail": "stations", "bus": "bus_stops"}
#: UN-Habitat SDG 11.2.1 walking distances (m): 1,000 m to high-capacity (rail), 500 m to
#: low-capacity (bus) stops.
SDG_DISTANCES_M: dict[str, float] = {"rail": 1000.0, "bus": 500.0}
#: Largest distance option accepted (m): beyond a city's size a "walking distance" is a typo
#: (and GEOS cannot buffer by astronomical distances).
MAX_DISTANCE_M = 100_000.0
Mode = Literal["rail", "bus"]
#: How stops join the street network (:func:`geoplan.network.snap_points`): the nearest
#: point of the nearest street (default) or its nearest node.
Snap = Literal["edge", "node"]
SNAPS: tuple[str, ...] = get_args(Snap)
Method = Literal["euclidean", "network"]
_METHODS: tuple[str, ...] = get_args(Method)
_QUAD_SEGS = 64  # 256-gon discs
_DISCS = Memo(32)  # dissolved discs and their unions, by the inputs' WKB (see _same_op)


def _check_options(indicator_name: str, mode: str, method: str, population: str,
                   distance_m: float | None, snap: str = "edge") -> None:
    problems = []
    if snap not in SNAPS:
        problems.append(f"snap={snap!r} (use one of {', '.join(SNAPS)})")
    if mode not in MODES:
        problems.append(f"mode={mode!r} (use one of {', '.join(MODES)})")
    if method not in _METHODS:
        problems.append(f"method={method!r} (use one of {', '.join(_METHODS)})")
    if population not in POPULATION_METHODS:
        problems.append(f"population={population!r} (use one of {', '.join(POPULATION_METHODS)})")
    if distance_m is not None and not (0 < float(distance_m) <= MAX_DISTANCE_M):
        problems.append(f"distance_m={distance_m!r} (use a positive number of metres, at "
                        f"most {MAX_DISTANCE_M:,.0f})")
    if problems:
        message = f"{indicator_name}: bad option(s) {'; '.join(problems)}"
        raise RecipeError(message)


def discs(points: gpd.GeoDataFrame, distance_m: float) -> Any:
    """Dissolved straight-line discs of ``distance_m`` around ``points`` (same CRS, metres)."""
    geoms = points.geometry.to_numpy()
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    if not len(geoms):
        return shapely.Polygon()
    key = (geoms_digest(geoms), float(distance_m))  # same stops, another period or indicator
    return _DISCS.get(key, lambda: _cache.persisted_geom(
        "discs", (*key, _QUAD_SEGS), lambda: shapely.union_all(
            shapely.buffer(geoms, distance_m, quad_segs=_QUAD_SEGS)), code=__file__))


_OPS = {
    "union": shapely.union,
    "walked": lambda bus, rail, area: shapely.intersection(shapely.union(bus, rail), area),
    "proxied": lambda walked, straight, area: shapely.union(
        walked, shapely.difference(straight, area)),
}


def _same_op(name: str, *geoms: Any) -> Any:
    """``_OPS[name](*geoms)``, computed once per content of ``geoms`` (periods reuse it)."""
    key = (name, geoms_digest(*geoms))
    return _DISCS.get(key, lambda: _cache.persisted_geom(
        "discs", key, lambda: _OPS[name](*geoms), code=__file__))


def summarise_coverage(
    units: gpd.GeoDataFrame,
    table: pd.DataFrame,
    coverage: LayerCoverage,
    resting: pd.Series,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-unit coverage over the known part of each unit, and the units without a value.

    Parameters
    ----------
    units
        Output of :func:`~geoplan.analyses._population.unit_frame`.
    table
        Output of :func:`~geoplan.analyses._population.coverage_table` for the catchment
        already cut to ``coverage.known``.
    coverage
        Output of :func:`~geoplan.analyses._population.layer_coverage`.
    resting
        Per unit, the population inside ``coverage.known`` (the whole population where the
        unit is covered).

    Returns
    -------
    per_unit, unavailable
        ``per_unit`` has ``name``, ``is_inner``, ``population``, ``known_population`` (what
        the value rests on), ``covered_population``, ``covered_share_pct`` (of the known
        population), ``inside_share`` and ``coverage_state`` (covered / partial / outside),
        ``has_data`` and ``note``; ``unavailable`` lists units without a value and why.
    """
    table = table.copy()
    available = coverage.has_value
    state = coverage.state
    table.insert(0, "name", units["name"].astype(str) if "name" in units else "")
    table.insert(1, "is_inner", units["is_inner"].to_numpy())
    known = resting.where(available)
    table.insert(list(table.columns).index("covered_population"), "known_population", known)
    table.loc[~available, ["covered_population", "covered_share_pct"]] = np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = 100.0 * table["covered_population"] / known
    table["covered_share_pct"] = pct.where(known > 0)
    table["inside_share"] = coverage.share.to_numpy()
    table["coverage_state"] = state.to_numpy()
    table["has_data"] = available.to_numpy()
    table["note"] = coverage.reasons().to_numpy()
    part = state == PARTIAL
    table.loc[part, "note"] = [f"partial: the value rests on the {100 * s:.1f} % of the unit "
                               "inside the layers' extent" for s in coverage.share[part]]
    zero = available & (known <= 0)
    table.loc[zero, "note"] = "population 0: share undefined"
    missing = table.loc[~available, ["name", "note"]].rename(columns={"note": "reason"})
    return table, missing


def _pct(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.1f} %"


def _compute(
    bundle: Bundle,
    *,
    name: str,
    unit: str,
    as_of: _dt.date | None,
    mode: str,
    distance_m: float | None,
    statuses: Sequence[str],
    method: str,
    population: str,
    snap: str = "edge",
) -> IndicatorResult:
    _check_options(name, mode, method, population, distance_m, snap)
    population, raster, population_note = resolve_population(bundle, population)
    when = resolve_as_of(as_of)
    distance = float(distance_m) if distance_m is not None else SDG_DISTANCES_M[mode]
    role = MODES[mode]
    params: dict[str, Any] = {"as_of": when.isoformat(), "mode": mode, "distance_m": distance,
                              "statuses": list(statuses), "method": method,
                              "population": population, "snap": snap}
    needed = ["admin_units", role]
    if method == "network":
        needed.append("street_network")
    absent = missing_result(bundle, name, unit, tuple(needed), params=params)
    if absent is not None:
        return absent
    crs = bundle.metric_crs
    units = unit_frame(bundle, crs=crs)
    stops = bundle.layer(role).to_crs(crs)
    n_all = len(stops)
    if mode == "rail" or "status" in stops.columns:
        stops = stops[in_service(stops, as_of=when, statuses=statuses).to_numpy()]
    left_out: pd.DataFrame | None = None
    far_note = ""
    roles = (role, "street_network") if method == "network" else (role,)
    try:
        coverage = layer_coverage(bundle, roles, units)
    except GeoplanError as exc:
        return IndicatorResult.missing(
            name, unit, ("street_network",),
            f"street_network cannot be routed on: {exc}", params=params)
    if method == "euclidean":
        covered = discs(stops, distance)
        how = f"straight-line discs of {distance:g} m"
    else:
        try:
            from geoplan.network import StreetGraph, catchments_from_stations, snap_points

            graph = StreetGraph.from_bundle(bundle)
            snaps = snap_points(graph, stops, snap=snap)
            catchment = catchments_from_stations(graph, stops, distance_m=distance, snaps=snaps)
        except GeoplanError as exc:
            return IndicatorResult.missing(
                name, unit, ("street_network",),
                f"street_network cannot be routed on: {exc}", params=params)
        covered = catchment.geometry.iloc[0] if len(catchment) else shapely.Polygon()
        how = (f"walking catchments of {distance:g} m along street_network (50 m street band; "
               f"stops snapped to the nearest street {snap})")
        far = ~snaps["snapped"].to_numpy(dtype=bool)
        if far.any():  # said in the result, not only in the log: coverage is lower for it
            label = next((c for c in ("name", "station_id", "stop_id") if c in stops), None)
            names = stops[label].astype(str) if label else stops.index.to_series().astype(str)
            left_out = pd.DataFrame({"name": names[far].to_numpy(),
                                     "nearest_street_m": snaps["distance_m"][far].to_numpy()},
                                    index=stops.index[far])
            far_note = (f" {int(far.sum())} of the {len(stops)} {role} lie farther than 250 m "
                        f"from every street and are left out: "
                        f"{', '.join(left_out['name'].head(5))} (details['left_out']).")
    table = coverage_table(units, coverage.clip(covered), crs=crs, population=population,
                           raster=raster)
    resting = known_population(units, coverage, population=population, raster=raster)
    per_unit, unavailable = summarise_coverage(units, table, coverage, resting)
    available = coverage.has_value
    known = per_unit["known_population"]
    cov = per_unit["covered_population"]
    if unit == "%":
        city, inner = scope_values(units, cov, known, scale=100.0)
        values = per_unit["covered_share_pct"]
    else:
        city = float(cov[available].sum()) if available.any() else None
        inner_ok = available & units["is_inner"]
        inner = float(cov[inner_ok].sum()) if inner_ok.any() else None
        values = cov
    fields = coverage_fields(units, coverage, resting, units["population"], basis="population")
    scope_note = "" if coverage.is_full else (
        f" The city value rests on {known[available].sum():,.0f} of "
        f"{units['population'].sum():,.0f} people ({_pct(fields['city_coverage'])})"
        + ("" if fields["inner_coverage"] is None else
           f", the inner-city value on {_pct(fields['inner_coverage'])} of the inner city's")
        + "; units mostly outside the extent are NaN (details['unavailable']), not zero.")
    described = (
        f"Population within {how} of {len(stops)} {role}"
        + (f" in service on {when.isoformat()} (status in {list(statuses)}; {n_all} in layer)"
           if mode == "rail" else "")
        + f"; {describe_population(population)}." + population_note
        + coverage.describe() + scope_note + far_note
    )
    details = {"per_unit": per_unit, "unavailable": unavailable}
    if left_out is not None:
        details["left_out"] = left_out
    return IndicatorResult(name, unit, city=city, inner=inner,
                           per_unit=values.rename(name).astype(float), details=details,
                           method=described, params=params, **fields)


@indicator("transit_coverage", unit="%", layers=("admin_units", "stations"),
           scopes=("city", "inner", "unit"),
           description="share of population within walking distance of a transit stop")
def transit_coverage(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    mode: Mode = "rail",
    distance_m: float | None = None,
    statuses: Sequence[LineStatus] = ("operating",),
    method: Method = "euclidean",
    population: PopulationMethod = "raster",
    snap: Snap = "edge",
) -> IndicatorResult:
    """Share (%) of population within ``distance_m`` of a stop (SDG 11.2.1).

    Parameters
    ----------
    bundle
        Bundle with ``admin_units`` and ``stations`` (rail) or ``bus_stops`` (bus).
    as_of
        Evaluation date for rail stations in service (default today).
    mode
        ``"rail"`` or ``"bus"``.
    distance_m
        Distance in metres (default: 1,000 for rail, 500 for bus).
    statuses
        Station statuses that count (rail).
    method
        ``"euclidean"`` or ``"network"``.
    population
        ``"raster"`` (default) or ``"census_uniform"`` (see the module docstring).
    snap
        With ``method="network"``: ``"edge"`` (stops join the nearest point of the nearest
        street, the edge split there) or ``"node"`` (the nearest street node).

    Returns
    -------
    IndicatorResult
        ``city``, ``inner`` and ``per_unit`` in %; ``details["per_unit"]`` (population,
        covered population, share, has_data, note), ``details["unavailable"]`` and, with
        ``method="network"``, ``details["left_out"]`` (stops too far from every street to
        be reached, with that distance; the method says so too). No data
        (naming the role) when a needed layer is missing.

    Raises
    ------
    RecipeError
        For an unknown mode, method or population method, or a non-positive distance.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> transit_coverage(load_bundle("hanoi"), mode="bus").unit          # doctest: +SKIP
    '%'
    """
    return _compute(bundle, name="transit_coverage", unit="%", as_of=as_of, mode=mode,
                    distance_m=distance_m, statuses=statuses, method=method,
                    population=population, snap=snap)


@indicator("transit_coverage_population", unit="people", layers=("admin_units", "stations"),
           scopes=("city", "inner", "unit"),
           description="people within walking distance of a transit stop")
def transit_coverage_population(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    mode: Mode = "rail",
    distance_m: float | None = None,
    statuses: Sequence[LineStatus] = ("operating",),
    method: Method = "euclidean",
    population: PopulationMethod = "raster",
    snap: Snap = "edge",
) -> IndicatorResult:
    """Number of people within ``distance_m`` of a stop (see :func:`transit_coverage`).

    Parameters
    ----------
    bundle, as_of, mode, distance_m, statuses, method, population, snap
        As for :func:`transit_coverage`.

    Returns
    -------
    IndicatorResult
        People, city-wide, inner city and per unit.

    Raises
    ------
    RecipeError
        For bad options.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> transit_coverage_population(load_bundle("hanoi")).unit           # doctest: +SKIP
    'people'
    """
    return _compute(bundle, name="transit_coverage_population", unit="people", as_of=as_of,
                    mode=mode, distance_m=distance_m, statuses=statuses, method=method,
                    population=population, snap=snap)


# ---------------------------------------------------------------------------------------------
# SDG 11.2.1 as defined: one combined walking catchment of low- and high-capacity stops
# ---------------------------------------------------------------------------------------------
#: How the population of a unit was measured by :func:`public_transport_access`.
WALKING, PROXY, MIXED = "walking", "straight-line proxy", "mixed"
AccessMethod = Literal["network", "euclidean"]
_ACCESS_METHODS: tuple[str, ...] = get_args(AccessMethod)


def label_column(frame: pd.DataFrame) -> pd.Series:
    """A name per row, never blank: ``name``, else ``station_id``/``stop_id``, else the row.

    Examples
    --------
    >>> import pandas as pd
    >>> label_column(pd.DataFrame({"name": ["Ga A", ""], "stop_id": ["s1", "s2"]})).tolist()
    ['Ga A', 's2']
    """
    ids = next((frame[c] for c in ("station_id", "stop_id") if c in frame.columns), None)
    fallback = (ids.astype("string").fillna("") if ids is not None
                else pd.Series("", index=frame.index, dtype="string"))
    fallback = fallback.where(fallback.str.strip() != "",
                              pd.Series([f"row {i}" for i in frame.index], index=frame.index))
    if "name" not in frame.columns:
        return fallback.astype(str)
    name = frame["name"].astype("string").fillna("").str.strip()
    return name.where(name != "", fallback).astype(str)


def walking_catchment(bundle: Bundle, stops: gpd.GeoDataFrame, distance: float, *, kind: str,
                      area: Any, snap: str) -> tuple[Any, pd.DataFrame]:
    """Walking catchment of ``stops`` and the stops inside ``area`` no street reaches.

    ``stops`` (points in the metric CRS: stops, stations, access points of open spaces) are
    snapped to the bundle's street network (:func:`geoplan.network.snap_points`, ``snap``)
    and walked ``distance`` metres (:func:`geoplan.network.catchments_from_stations`).

    Returns
    -------
    catchment, left_out
        The dissolved catchment, and the points inside ``area`` farther than the snapping
        tolerance from every street (``name`` from :func:`label_column`, ``kind``,
        ``nearest_street_m``), indexed like ``stops``.

    Examples
    --------
    >>> walk, far = walking_catchment(bundle, stops, 500.0, kind="bus_stops",
    ...                               area=area, snap="edge")                # doctest: +SKIP
    """
    from geoplan.network import StreetGraph, catchments_from_stations, snap_points

    graph = StreetGraph.from_bundle(bundle)
    columns = ["name", "kind", "nearest_street_m"]
    if not len(stops):
        return shapely.Polygon(), pd.DataFrame(columns=columns)
    snaps = snap_points(graph, stops, snap=snap)
    catchment = catchments_from_stations(graph, stops, distance_m=distance, snaps=snaps)
    far = ~snaps["snapped"].to_numpy(dtype=bool)
    far &= np.asarray(shapely.intersects(area, stops.geometry.to_numpy()), dtype=bool)
    left = pd.DataFrame({"name": label_column(stops)[far].to_numpy(), "kind": kind,
                         "nearest_street_m": snaps["distance_m"][far].to_numpy()},
                        index=stops.index[far])
    return (catchment.geometry.iloc[0] if len(catchment) else shapely.Polygon()), left[columns]


def walking_extent(bundle: Bundle, units: gpd.GeoDataFrame) -> Any:
    """Where walking distance can be measured: the ``street_network``'s covered extent.

    The manifest's ``extent`` for a partial network, else the footprint of its streets
    (:func:`~geoplan.analyses._population.layer_coverage`); all of ``units`` for a network
    covering the whole bundle. Outside it, the walking indicators use a labelled
    straight-line proxy (:func:`measured_each_way`).

    Raises
    ------
    GeoplanError
        When the street network cannot be read for its footprint.

    Examples
    --------
    >>> area = walking_extent(bundle, unit_frame(bundle, crs=bundle.metric_crs))  # doctest: +SKIP
    """
    streets = layer_coverage(bundle, ("street_network",), units)
    return units.union_all() if streets.known is None else streets.known


def walked_or_proxied(walked: Any, straight: Any, area: Any, *extra: Any) -> Any:
    """The catchment: ``walked`` (∪ ``extra``) inside ``area``, ``straight`` outside it.

    Computed once per content of the inputs (periods and indicators reuse it).

    Examples
    --------
    >>> from shapely import box
    >>> walked_or_proxied(box(0, 0, 1, 1), box(0, 0, 3, 1), box(0, 0, 2, 1)).area
    2.0
    """
    inside = _same_op("walked", walked, extra[0] if extra else shapely.Polygon(), area)
    return _same_op("proxied", inside, straight, area)


def measured_each_way(
    units: gpd.GeoDataFrame,
    per_unit: pd.DataFrame,
    coverage: LayerCoverage,
    resting: pd.Series,
    walk_area: Any,
    *,
    walking: bool,
    population: str,
    raster: Any,
) -> pd.DataFrame:
    """How much of each unit's population was measured walking and by the proxy.

    Adds ``walking_population`` (people inside ``walk_area``), ``proxy_population`` (the
    rest of the known population) and ``measured_by`` (``walking``, ``straight-line proxy``
    or ``mixed``; ``straight line`` for the comparison method) to ``per_unit`` in place.

    Parameters
    ----------
    units, per_unit, coverage, resting
        As for :func:`summarise_coverage` (``per_unit`` is its first output).
    walk_area
        Where walking was measured (:func:`walking_extent`; empty: nowhere).
    walking
        ``False`` for the straight-line comparison method.
    population, raster
        From :func:`~geoplan.analyses._population.resolve_population`.

    Returns
    -------
    pandas.DataFrame
        Indexed by how people were measured (``walking`` and ``straight-line proxy``, or
        ``straight line``): ``population``, ``share_pct`` (of the population the value rests
        on) and ``units`` (with people measured that way).

    Examples
    --------
    >>> measured = measured_each_way(units, per_unit, coverage, resting, area,
    ...                              walking=True, population="raster",
    ...                              raster=None)                     # doctest: +SKIP
    """
    crs = units.crs
    if shapely.is_empty(walk_area):
        walked = pd.Series(0.0, index=units.index)
    else:
        inside = coverage_table(units, coverage.clip(walk_area), crs=crs, population=population,
                                raster=raster)["covered_population"]
        walked = pd.Series(np.minimum(inside.to_numpy(), resting.to_numpy()),
                           index=units.index)
    available = coverage.has_value
    walked = walked.where(available)
    proxy = (resting.where(available) - walked).clip(lower=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = walked / resting.where(resting > 0)
    per_unit["walking_population"] = walked
    per_unit["proxy_population"] = proxy
    per_unit["measured_by"] = np.where(
        ~available, "", np.where(share.fillna(1.0) >= 1.0 - OUTSIDE_SHARE, WALKING,
                                 np.where(share.fillna(0.0) <= OUTSIDE_SHARE, PROXY, MIXED)))
    if not walking or shapely.is_empty(walk_area):
        per_unit.loc[available, "measured_by"] = PROXY if walking else "straight line"
    known = per_unit["known_population"]
    total = float(known[available].sum())
    walk_total = float(walked[available].sum()) if walking else 0.0
    return pd.DataFrame({
        "measured_by": [WALKING, PROXY if walking else "straight line"],
        "population": [walk_total, total - walk_total],
        "share_pct": [100.0 * walk_total / total if total else np.nan,
                      100.0 * (total - walk_total) / total if total else np.nan],
        "units": [int(per_unit["measured_by"].isin([WALKING, MIXED]).sum()),
                  int(per_unit["measured_by"].isin([PROXY, MIXED, "straight line"]).sum())],
    }).set_index("measured_by")


def describe_measured(measured: pd.DataFrame) -> str:
    """The method text's sentence on the shares measured walking and by the proxy.

    Examples
    --------
    >>> import pandas as pd
    >>> describe_measured(pd.DataFrame({"share_pct": [75.0, 25.0]}))[:66]
    '75.0 % of the population the value rests on measured walking, 25.0'
    """
    return (f"{measured['share_pct'].iloc[0]:.1f} % of the population the value rests on "
            f"measured walking, {measured['share_pct'].iloc[1]:.1f} % by the proxy "
            "(details['measured'], per unit details['per_unit']['measured_by'])")


@indicator("public_transport_access", unit="%",
           layers=("admin_units", "bus_stops", "stations"), scopes=("city", "inner", "unit"),
           description="SDG 11.2.1: share of population within 500 m walking of a bus stop "
                       "or 1,000 m walking of a rail station in service")
def public_transport_access(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    bus_distance_m: float = SDG_DISTANCES_M["bus"],
    rail_distance_m: float = SDG_DISTANCES_M["rail"],
    statuses: Sequence[LineStatus] = ("operating",),
    method: AccessMethod = "network",
    population: PopulationMethod = "raster",
    snap: Snap = "edge",
) -> IndicatorResult:
    """SDG 11.2.1 as UN-Habitat defines it: people with convenient access to public transport.

    A person has convenient access when they live within 500 m walking distance of a
    low-capacity stop (``bus_stops``) **or** 1,000 m walking distance of a high-capacity one
    (urban-rail ``stations`` in service on ``as_of``, see
    :func:`geoplan.analyses.rail.in_service`). The two walking catchments are dissolved into
    one before people are counted, so nobody counts twice.

    Walking distance is measured along the bundle's ``street_network``
    (:func:`geoplan.network.catchments_from_stations`: reached streets with a 50 m band).
    Where the street network knows nothing (outside its covered extent: the manifest's
    ``extent``, else the footprint of its streets) walking cannot be measured: there, and
    only there, straight-line discs of the same distances stand in, and every unit says how
    much of its population was measured which way (``details["per_unit"]["measured_by"]``:
    ``walking``, ``straight-line proxy`` or ``mixed``; ``walking_population``,
    ``proxy_population``), as do ``details["measured"]`` and the method text.

    Parameters
    ----------
    bundle
        Bundle with ``admin_units``, ``bus_stops`` and ``stations`` (``street_network``
        for walking distances).
    as_of
        Date the stations must be in service on (default today).
    bus_distance_m, rail_distance_m
        The SDG 11.2.1 distances: 500 m and 1,000 m.
    statuses
        Station statuses that count (build-out scenarios: add ``under_construction``,
        ``planned``).
    method
        ``"network"`` (walking, with the labelled straight-line proxy where there are no
        streets) or ``"euclidean"`` (straight-line discs everywhere, for comparison).
    population
        ``"raster"`` (default) or ``"census_uniform"`` (see the module docstring).
    snap
        ``"edge"`` (stops join the nearest point of the nearest street) or ``"node"``.

    Returns
    -------
    IndicatorResult
        % per unit, inner city and city-wide. ``details``: ``per_unit`` (as for
        :func:`transit_coverage`, plus ``walking_population``, ``proxy_population`` and
        ``measured_by``), ``measured`` (people and share of the population the value rests
        on, measured walking and by the straight-line proxy, and the units with people
        measured each way), ``unavailable`` and
        ``not_measured`` (stops inside the street network's extent but farther than the
        snapping tolerance from every street, by name: they are listed, not silently
        dropped). Units outside the bus stops' extent have no value (the stops layer knows
        nothing there), never zero. No data, naming the role, without ``bus_stops`` or
        ``stations``.

    Raises
    ------
    RecipeError
        For a bad distance, method or population method.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> r = public_transport_access(load_bundle("hanoi"))               # doctest: +SKIP
    >>> r.details["measured"]                                           # doctest: +SKIP
    """
    name, unit = "public_transport_access", "%"
    problems = [f"{key}={value!r} (use a positive number of metres, at most "
                f"{MAX_DISTANCE_M:,.0f})"
                for key, value in (("bus_distance_m", bus_distance_m),
                                   ("rail_distance_m", rail_distance_m))
                if not 0 < float(value) <= MAX_DISTANCE_M]
    if method not in _ACCESS_METHODS:
        problems.append(f"method={method!r} (use one of {', '.join(_ACCESS_METHODS)})")
    if population not in POPULATION_METHODS:
        problems.append(f"population={population!r} (use one of {', '.join(POPULATION_METHODS)})")
    if snap not in SNAPS:
        problems.append(f"snap={snap!r} (use one of {', '.join(SNAPS)})")
    if problems:
        message = f"{name}: bad option(s) {'; '.join(problems)}"
        raise RecipeError(message)
    population, raster, population_note = resolve_population(bundle, population)
    when = resolve_as_of(as_of)
    bus_d, rail_d = float(bus_distance_m), float(rail_distance_m)
    params: dict[str, Any] = {"as_of": when.isoformat(), "bus_distance_m": bus_d,
                              "rail_distance_m": rail_d, "statuses": list(statuses),
                              "method": method, "population": population, "snap": snap}
    needed = ["admin_units", "bus_stops", "stations"]
    absent = missing_result(bundle, name, unit, tuple(needed), params=params)
    if absent is not None:
        return absent
    crs = bundle.metric_crs
    units = unit_frame(bundle, crs=crs)
    bus = bundle.bus_stops.to_crs(crs)
    rail_all = bundle.stations.to_crs(crs)
    rail = rail_all[in_service(rail_all, as_of=when, statuses=statuses).to_numpy()]
    coverage = layer_coverage(bundle, ("bus_stops", "stations"), units)
    straight = _same_op("union", discs(bus, bus_d), discs(rail, rail_d))
    walk_area: Any = shapely.Polygon()
    not_measured = pd.DataFrame(columns=["name", "kind", "nearest_street_m"])
    why_proxy = ""
    if method == "network" and bundle.has("street_network"):
        try:
            walk_area = walking_extent(bundle, units)
            bus_walk, bus_far = walking_catchment(bundle, bus, bus_d, kind="bus_stops",
                                                  area=walk_area, snap=snap)
            rail_walk, rail_far = walking_catchment(bundle, rail, rail_d, kind="stations",
                                                    area=walk_area, snap=snap)
        except GeoplanError as exc:
            walk_area = shapely.Polygon()
            why_proxy = f" street_network cannot be routed on ({exc}): straight lines only."
        else:
            straight = walked_or_proxied(bus_walk, straight, walk_area, rail_walk)
            not_measured = pd.concat([f for f in (bus_far, rail_far) if len(f)]
                                     or [not_measured])
    elif method == "network":
        why_proxy = (" street_network: "
                     f"{bundle.why_missing('street_network') or 'not in the bundle'}: "
                     "straight lines only.")
    table = coverage_table(units, coverage.clip(straight), crs=crs, population=population,
                           raster=raster)
    resting = known_population(units, coverage, population=population, raster=raster)
    per_unit, unavailable = summarise_coverage(units, table, coverage, resting)
    measured = measured_each_way(units, per_unit, coverage, resting, walk_area,
                                 walking=method == "network", population=population,
                                 raster=raster)
    known = per_unit["known_population"]
    city, inner = scope_values(units, per_unit["covered_population"], known, scale=100.0)
    fields = coverage_fields(units, coverage, resting, units["population"], basis="population")
    if method == "network":
        how = (f"walking along street_network (50 m street band, stops snapped to the nearest "
               f"street {snap}); where it has no streets a "
               "straight-line proxy (discs of the same distances): "
               + describe_measured(measured) + why_proxy)
    else:
        how = "straight-line discs everywhere (comparison method, not walking distance)"
    described = (
        f"SDG 11.2.1: population within {bus_d:g} m of one of {len(bus)} bus_stops or "
        f"{rail_d:g} m of one of {len(rail)} stations in service on {when.isoformat()} "
        f"(status in {list(statuses)}), one combined catchment; {how}; "
        f"{describe_population(population)}." + population_note + coverage.describe()
        + (f" {len(not_measured)} stop(s) inside the street network's extent lie farther than "
           f"the snapping tolerance from every street and are not measured: "
           f"{', '.join(not_measured['name'].head(5))} (details['not_measured'])."
           if len(not_measured) else "")
    )
    details = {"per_unit": per_unit, "unavailable": unavailable, "measured": measured,
               "not_measured": not_measured}
    return IndicatorResult(name, unit, city=city, inner=inner,
                           per_unit=per_unit["covered_share_pct"].rename(name).astype(float),
                           details=details, method=described, params=params, **fields)
