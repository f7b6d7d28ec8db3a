"""Urbanisation rate: urban population ÷ population (census urban/rural classification).

From ``admin_units`` (``urban_population`` and ``population``, 2019 Population and Housing
Census carried to the current units) per unit, inner city and city-wide; when a bundle has no
``admin_units``, from its manifest statistics ``urban_population_2019`` and
``population_2019`` (city value only; the statistics-only bundles of Hải Phòng, Hà Tĩnh and
Tuyên Quang).

>>> from geoplan.layers import load_bundle
>>> round(urbanisation_rate(load_bundle("hanoi")).city, 1)              # doctest: +SKIP
49.2
"""

from __future__ import annotations

import datetime as _dt
import logging
from typing import TYPE_CHECKING, Literal, get_args

import numpy as np
import pandas as pd

from geoplan.analyses._population import resolve_as_of, scope_values, unit_frame
from geoplan.analyses.recipe import known_from
from geoplan.analyses.registry import indicator
from geoplan.analyses.result import IndicatorResult
from geoplan.errors import RecipeError

if TYPE_CHECKING:
    from geoplan.layers import Bundle

__all__ = ["STAT_POPULATION", "STAT_URBAN", "urbanisation_rate"]

logger = logging.getLogger(__name__)

_UNIT = "%"
#: The unit both statistics must have (a share of two counts of people).
_PEOPLE = "people"
#: Manifest statistics used when the bundle has no ``admin_units``.
STAT_URBAN = "urban_population_2019"
STAT_POPULATION = "population_2019"
Source = Literal["auto", "admin_units", "statistics"]
_SOURCES: tuple[str, ...] = get_args(Source)


@indicator("urbanisation_rate", unit=_UNIT, layers=("admin_units",),
           scopes=("city", "inner", "unit"),
           description="urban population ÷ population (census)")
def urbanisation_rate(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    source: Source = "auto",
    territory: str = "",
) -> IndicatorResult:
    """Urban population as a share (%) of population.

    Parameters
    ----------
    bundle
        Bundle with ``admin_units`` (columns ``population``, ``urban_population``) or the
        manifest statistics ``urban_population_2019`` and ``population_2019``.
    as_of
        Evaluation date. The census on ``admin_units`` is used at any date (a layer without
        per-feature dates); manifest statistics dated after ``as_of`` (a partial date counts
        from the end of its period) are not known yet: no data.
    source
        ``"auto"`` (units when present, else statistics), ``"admin_units"`` or
        ``"statistics"``.
    territory
        Use the statistics of another territory than the bundle's current one:
        ``urban_population_2019_<territory>`` and ``population_2019_<territory>`` (e.g.
        ``"pre2025"`` for Hải Phòng before its 2025 merger with Hải Dương, which a plan written
        before the merger targets). Implies ``source="statistics"``.

    Returns
    -------
    IndicatorResult
        ``city``, ``inner`` and ``per_unit`` (NaN for a unit of population 0, with a note in
        ``details["per_unit"]``); from statistics only ``city``. No data naming
        ``admin_units`` and the two statistics when neither exists.

    Raises
    ------
    RecipeError
        For an unknown ``source``, or manifest statistics that are not both in ``people``.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> urbanisation_rate(load_bundle("hanoi")).unit                      # doctest: +SKIP
    '%'
    """
    if source not in _SOURCES:
        message = f"urbanisation_rate: source={source!r} is not one of {', '.join(_SOURCES)}"
        raise RecipeError(message)
    when = resolve_as_of(as_of)
    params = {"as_of": when.isoformat(), "source": source, "territory": territory}
    stats = bundle.manifest.statistics
    key_urban, key_total = ((f"{STAT_URBAN}_{territory}", f"{STAT_POPULATION}_{territory}")
                            if territory else (STAT_URBAN, STAT_POPULATION))
    if territory and source == "admin_units":
        message = ("urbanisation_rate: territory= reads manifest statistics; it cannot be "
                   "combined with source='admin_units'")
        raise RecipeError(message)
    if bundle.has("admin_units") and source in {"auto", "admin_units"} and not territory:
        return _from_units(bundle, params)
    if key_urban in stats and key_total in stats and source in {"auto", "statistics"}:
        urban, total = stats[key_urban], stats[key_total]
        wrong = [f"{name} is in {stat.unit!r}" for name, stat in
                 ((key_urban, urban), (key_total, total)) if stat.unit != _PEOPLE]
        if wrong:  # a share of two counts: both in people, or the ratio means nothing
            message = (f"urbanisation_rate: the manifest statistics {key_urban} and {key_total} "
                       f"must both be counts in {_PEOPLE!r} ({'; '.join(wrong)}); give both "
                       f"as whole numbers of people in the bundle's bundle.yaml")
            raise RecipeError(message)
        late = [name for name, stat in ((key_urban, urban), (key_total, total))
                if (known := known_from(stat.date)) is not None and known > when]
        if late:
            dates = ", ".join(f"{name} ({stats[name].date})" for name in late)
            return IndicatorResult.missing(
                "urbanisation_rate", _UNIT, tuple(f"statistics.{name}" for name in late),
                f"statistic(s) {dates} not known on {when.isoformat()} (the evaluation date); "
                "evaluate on or after their date", params=params)
        if total.value <= 0:
            return IndicatorResult.missing(
                "urbanisation_rate", _UNIT, (key_total,),
                f"statistic {key_total} is {total.value:g}; it must be positive",
                params=params)
        value = 100.0 * urban.value / total.value
        method = (f"Manifest statistics: {key_urban} ({urban.value:,.0f}; {urban.source}, "
                  f"{urban.date}) ÷ {key_total} ({total.value:,.0f}; {total.source}, "
                  f"{total.date}); city value only (no admin_units).")
        table = pd.DataFrame({"statistic": [key_urban, key_total],
                              "value": [urban.value, total.value],
                              "date": [urban.date, total.date],
                              "source": [urban.source, total.source]})
        return IndicatorResult("urbanisation_rate", _UNIT, city=value, method=method,
                               details={"statistics": table}, params=params)
    missing: list[str] = []
    reasons: list[str] = []
    if source != "statistics" and not territory:
        missing.append("admin_units")
        reasons.append(f"admin_units: {bundle.why_missing('admin_units') or 'not in the bundle'}")
    if source != "admin_units":
        absent = [s for s in (key_urban, key_total) if s not in stats]
        missing += [f"statistics.{s}" for s in absent]
        if absent:
            reasons.append(f"manifest statistics lack {', '.join(absent)}")
    return IndicatorResult.missing("urbanisation_rate", _UNIT, tuple(missing),
                                   "; ".join(reasons), params=params)


def _from_units(bundle: Bundle, params: dict[str, str]) -> IndicatorResult:
    units = unit_frame(bundle)
    pop = units["population"]
    urban = pd.to_numeric(units["urban_population"], errors="coerce").astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = pd.Series(np.where(pop > 0, 100.0 * urban / pop, np.nan), index=units.index)
    city, inner = scope_values(units, urban, pop, scale=100.0)
    table = pd.DataFrame({"name": units["name"].astype(str), "is_inner": units["is_inner"],
                          "population": pop, "urban_population": urban,
                          "urbanisation_pct": share, "note": ""}, index=units.index)
    table.loc[pop <= 0, "note"] = "population 0: share undefined"
    if "rural_population" in units.columns:
        rural = pd.to_numeric(units["rural_population"], errors="coerce")
        off = (urban + rural - pop).abs() > 0.5
        table.loc[off, "note"] = "urban + rural ≠ population in the layer"
    date = bundle.entry("admin_units").date or "census 2019"
    method = (f"Σ urban_population ÷ Σ population of admin_units ({len(units)} units; "
              f"{bundle.entry('admin_units').source or 'census'}; {date}).")
    return IndicatorResult("urbanisation_rate", _UNIT, city=city, inner=inner,
                           per_unit=share.rename("urbanisation_rate"),
                           details={"per_unit": table}, method=method, params=params)
