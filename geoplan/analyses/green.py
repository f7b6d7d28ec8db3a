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
from geoplan.analyses.transit import MAX_DISTANCE_M, summarise_coverage
from geoplan.errors import RecipeError

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


def green_union(bundle: Bundle, crs: CRS, kinds: Sequence[str] | None = None) -> Any:
    """The dissolved ``green_space`` polygons (optionally only ``kinds``) in ``crs``."""
    green: gpd.GeoDataFrame = bundle.green_space.to_crs(crs)
    if kinds is not None and "kind" in green.columns:
        wanted = {fold(k) for k in kinds}
        green = green[green["kind"].map(fold).isin(wanted)]
    geoms = green.geometry.to_numpy()
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    return shapely.union_all(geoms) if len(geoms) else shapely.Polygon()


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
           description="share of population within 400 m of public open space (SDG 11.7.1)")
def open_space_access(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    distance_m: float = SDG_OPEN_SPACE_DISTANCE_M,
    kinds: Sequence[str] | None = None,
    population: PopulationMethod = "raster",
) -> IndicatorResult:
    """Share (%) of population within ``distance_m`` (straight line) of public open space.

    Parameters
    ----------
    bundle
        Bundle with ``admin_units`` and ``green_space``.
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

    Returns
    -------
    IndicatorResult
        % per unit, inner city and city-wide; ``details["per_unit"]`` with covered people
        (and each unit's ``population_method``).

    Raises
    ------
    RecipeError
        For a non-positive distance or an unknown population method.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> open_space_access(load_bundle("hanoi")).is_no_data              # doctest: +SKIP
    True
    """
    name, unit = "open_space_access", "%"
    if not 0 < float(distance_m) <= MAX_DISTANCE_M or population not in POPULATION_METHODS:
        message = (f"{name}: distance_m must be > 0 and at most {MAX_DISTANCE_M:,.0f} m (got "
                   f"{distance_m!r}) and population one of {', '.join(POPULATION_METHODS)} "
                   f"(got {population!r})")
        raise RecipeError(message)
    population, raster, population_note = resolve_population(bundle, population)
    params: dict[str, Any] = {"as_of": resolve_as_of(as_of).isoformat(),
                              "distance_m": float(distance_m),
                              "kinds": list(kinds) if kinds is not None else None,
                              "population": population}
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
    green = green_union(bundle, crs, kinds)
    covered = shapely.buffer(green, float(distance_m), quad_segs=32) \
        if not shapely.is_empty(green) else green
    table = coverage_table(units, coverage.clip(covered), crs=crs, population=population,
                           raster=raster)
    resting = known_population(units, coverage, population=population, raster=raster)
    per_unit, unavailable = summarise_coverage(units, table, coverage, resting)
    city, inner = scope_values(units, per_unit["covered_population"],
                               per_unit["known_population"], scale=100.0)
    method = (
        f"Population within {float(distance_m):g} m (straight line) of dissolved green_space "
        f"polygons; {describe_population(population)}." + population_note + coverage.describe()
    )
    fields = coverage_fields(units, coverage, resting, units["population"], basis="population")
    return IndicatorResult(name, unit, city=city, inner=inner,
                           per_unit=per_unit["covered_share_pct"].rename(name).astype(float),
                           details={"per_unit": per_unit, "unavailable": unavailable},
                           method=method, params=params, **fields)
