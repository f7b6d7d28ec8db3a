"""Which line first: a plan's lines ranked by the people they would add within walking reach.

For one plan (QĐ 519/2016 or the 2025 capital master plan, never both: two alternative
networks summed would count a corridor twice), each planned line is added alone to the
stations in service today (lines under construction are committed, not ranked); the
population newly within ``distance_m`` walking of a station (marginal to today's coverage) is the
line's gain, in total and per km of the line's length in ``metro_lines`` (its
``length_km``, else measured in the metric CRS). People are counted as the coverage
indicators count them: by default each unit's census count spread within the unit by the
bundle's ``population_raster`` (WorldPop), uniformly over its area with
``population="census_uniform"`` or when the bundle has no raster (the ``method`` says
which). Stations farther than the snapping tolerance from any mapped street are counted as
not measured and named, not taken as covering nobody.

:func:`rank_planned_stations` ranks the plan's planned stations the same way, each added
alone to the stations in service (a station that is its line's only planned station adds
what :func:`rank_planned_lines` says the line adds).

:func:`geoplan.workflows.ranking.write_ranking` writes a ranking as a table, a chart and
a map.
"""
from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from geoplan.analyses._population import (
    POPULATION_METHODS,
    coverage_table,
    describe_population,
    resolve_population,
)
from geoplan.analyses.rail import choose_plan
from geoplan.crs import to_metric
from geoplan.errors import RecipeError

if TYPE_CHECKING:
    from collections.abc import Callable

    from geoplan.layers import Bundle

__all__ = ["RANKING_COLUMNS", "STATION_RANKING_COLUMNS", "rank_planned_lines",
           "rank_planned_stations"]

log = logging.getLogger(__name__)

#: Columns of :func:`rank_planned_lines`, indexed by ``line_id``
RANKING_COLUMNS = (
    "rank", "name", "plan", "length_km", "stations", "stations_measured",
    "added_population", "added_per_km", "not_measured",
)


def rank_planned_lines(
    bundle: Bundle | str | os.PathLike[str],
    *,
    plan: str,
    distance_m: float = 800.0,
    buffer_m: float = 50.0,
    tolerance_m: float = 250.0,
    min_network_share: float = 0.95,
    snap: str = "edge",
    population: str = "raster",
) -> pd.DataFrame:
    """Rank one plan's lines by the population each would add within walking distance.

    Parameters
    ----------
    bundle
        Bundle (or name/path) with ``admin_units``, ``stations``, ``street_network`` and
        ``metro_lines``.
    plan
        The plan (as :func:`geoplan.analyses.rail.choose_plan` matches it: case-insensitive,
        or a part of the name only one plan holds, e.g. ``"QĐ 1668"``).
    distance_m
        Walking distance from a station (m).
    buffer_m, tolerance_m, min_network_share, snap
        As for :func:`geoplan.network.coverage_scenarios`.
    population
        ``"raster"`` (default: each unit's census count spread by the bundle's
        ``population_raster``; the uniform spread when it has none) or ``"census_uniform"``
        (see :mod:`geoplan.analyses._population`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``line_id``, columns :data:`RANKING_COLUMNS`: ``added_population`` =
        population within reach of today's stations plus the line's minus today's (units the
        street network covers); ``added_per_km`` = that ÷ ``length_km``; ``rank`` by
        ``added_per_km`` (1 = most per km; empty for a line with no measured station);
        ``not_measured`` names the stations beyond the mapped streets (by ``station_id``
        when the name is blank). Sorted by rank, lines
        without a rank last. ``attrs`` hold ``plan``, ``distance_m``,
        ``covered_in_service`` (people within reach today), ``stations_without_line``
        (planned stations of the plan that name no line, left out), ``population_method``
        (the method used) and ``method``.

    Raises
    ------
    RecipeError
        If ``plan`` matches no plan of the bundle's stations (the message lists them), or
        ``population`` is not a population method.
    LayerNotAvailableError
        If a layer named above is missing.

    Examples
    --------
    >>> table = rank_planned_lines("hanoi", plan="QĐ 1668")  # doctest: +SKIP
    >>> table.index[0], round(table["added_per_km"].iloc[0])  # doctest: +SKIP
    ('QD1668-M3', 2085)
    """
    m = _marginal_setup(bundle, plan=plan, distance_m=distance_m, buffer_m=buffer_m,
                        tolerance_m=tolerance_m, min_network_share=min_network_share,
                        snap=snap, population=population, indicator="rank_planned_lines")
    lines, line_keep, chosen, covered = m.lines, m.line_keep, m.chosen, m.covered
    line_ids, names, planned, measured = m.line_ids, m.names, m.planned, m.measured
    in_service, used, population_note = m.in_service, m.used, m.population_note
    candidate = planned & (line_ids != "")
    base = covered(in_service)
    planned_lines = lines[line_keep & (lines["status"].astype(str) == "planned")]
    if "length_km" not in planned_lines.columns:  # measured in the metric CRS
        planned_lines = planned_lines.assign(
            length_km=to_metric(planned_lines).geometry.length.to_numpy() / 1000.0)
    length = planned_lines.groupby(planned_lines["line_id"].astype(str))["length_km"].sum()
    line_name = planned_lines.groupby(planned_lines["line_id"].astype(str))["name"].first()
    line_plan = planned_lines.groupby(planned_lines["line_id"].astype(str))["plan"].first()
    rows = []
    for lid in sorted({str(i) for i in length.index} | {str(i) for i in line_ids[candidate]}):
        on_line = candidate & (line_ids == lid)
        ok = on_line & measured
        added = covered(in_service | ok) - base if ok.any() else np.nan
        km = float(length.get(lid, np.nan))
        rows.append({
            "line_id": lid, "name": str(line_name.get(lid, "")),
            "plan": str(line_plan.get(lid, chosen or "")), "length_km": km,
            "stations": int(on_line.sum()), "stations_measured": int(ok.sum()),
            "added_population": added,
            "added_per_km": added / km if km and np.isfinite(km) else np.nan,
                "not_measured": "; ".join(str(n) for n in names[on_line & ~measured]),
        })
    table = pd.DataFrame(rows, columns=["line_id", *RANKING_COLUMNS[1:]]).set_index("line_id")
    order = table["added_per_km"].rank(ascending=False, method="first")
    table.insert(0, "rank", order.astype("Int64"))
    table = table.sort_values(["rank", "length_km"], na_position="last")
    table.attrs.update({"plan": chosen or plan,
                        "distance_m": float(distance_m), "covered_in_service": base,
                        "stations_without_line": int((planned & (line_ids == "")).sum()),
                        "population_method": used,
                        "method": f"walking along the street network; "
                                  f"{describe_population(used)}{population_note}"})
    log.info("ranked %d lines of %s at %g m", int(table["rank"].notna().sum()),
             chosen or plan, distance_m)
    return table


#: Columns of :func:`rank_planned_stations`, indexed by ``station_id``
STATION_RANKING_COLUMNS = ("rank", "name", "line_id", "plan", "added_population", "measured")


def rank_planned_stations(
    bundle: Bundle | str | os.PathLike[str],
    *,
    plan: str,
    distance_m: float = 800.0,
    buffer_m: float = 50.0,
    tolerance_m: float = 250.0,
    min_network_share: float = 0.95,
    snap: str = "edge",
    population: str = "raster",
) -> pd.DataFrame:
    """Rank one plan's planned stations by the population each would add alone.

    Each planned station of the plan is added alone to the stations in service
    (``operating``); its gain is the population newly within ``distance_m`` walking,
    counted as :func:`rank_planned_lines` counts a line's (the same catchments and people).
    A station that is the only planned station of its line adds what that line adds.

    Parameters
    ----------
    bundle, plan, distance_m, buffer_m, tolerance_m, min_network_share, snap, population
        As for :func:`rank_planned_lines`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``station_id``, columns :data:`STATION_RANKING_COLUMNS`:
        ``added_population`` (people within reach of today's stations plus this one minus
        today's); ``rank`` by it (1 = most); ``measured`` False for a station farther than
        ``tolerance_m`` from the mapped streets, listed with rank and added population
        empty (never as adding 0). Sorted by rank, unmeasured stations last. ``attrs`` as
        for :func:`rank_planned_lines` (``plan``, ``distance_m``, ``covered_in_service``,
        ``population_method``, ``method``) plus ``ranking="stations"``.

    Raises
    ------
    RecipeError
        If ``plan`` matches no plan of the bundle's stations, or ``population`` is not a
        population method.
    LayerNotAvailableError
        If a needed layer is missing.

    Examples
    --------
    >>> table = rank_planned_stations("hanoi", plan="QĐ 1668")  # doctest: +SKIP
    >>> table.index[0], round(table["added_population"].iloc[0])  # doctest: +SKIP
    ('QD1668-S157', 58581)
    """
    m = _marginal_setup(bundle, plan=plan, distance_m=distance_m, buffer_m=buffer_m,
                        tolerance_m=tolerance_m, min_network_share=min_network_share,
                        snap=snap, population=population, indicator="rank_planned_stations")
    base = m.covered(m.in_service)
    plan_of = _texts(m.stations["plan"]) if "plan" in m.stations else \
        np.full(len(m.ids), m.chosen or plan, dtype=object)
    rows = []
    for i in np.flatnonzero(m.planned):
        added = np.nan
        if m.measured[i]:
            alone = m.in_service.copy()
            alone[i] = True
            added = m.covered(alone) - base
        rows.append({"station_id": str(m.ids[i]), "name": str(m.names[i]),
                     "line_id": str(m.line_ids[i]), "plan": str(plan_of[i] or m.chosen or ""),
                     "added_population": added, "measured": bool(m.measured[i])})
    table = pd.DataFrame(rows, columns=["station_id", *STATION_RANKING_COLUMNS[1:]])
    table = table.set_index("station_id")
    table["measured"] = table["measured"].astype(bool)
    order = table["added_population"].rank(ascending=False, method="first")
    table.insert(0, "rank", order.astype("Int64"))
    table = table.sort_values(["rank"], na_position="last", kind="stable")
    table.attrs.update({"plan": m.chosen or plan, "ranking": "stations",
                        "distance_m": float(distance_m), "covered_in_service": base,
                        "population_method": m.used,
                        "method": f"walking along the street network; each planned station "
                                  f"added alone to the stations in service; "
                                  f"{describe_population(m.used)}{m.population_note}"})
    log.info("ranked %d stations of %s at %g m", int(table["rank"].notna().sum()),
             m.chosen or plan, distance_m)
    return table


class _Marginal(NamedTuple):
    """What the line and station rankings share: the chosen plan's stations, which are in
    service, planned and measured, and ``covered(mask)`` = people within reach of them."""

    stations: pd.DataFrame
    lines: pd.DataFrame
    line_keep: pd.Series
    chosen: str | None
    ids: np.ndarray
    names: np.ndarray
    line_ids: np.ndarray
    in_service: np.ndarray
    planned: np.ndarray
    measured: np.ndarray
    used: str
    population_note: str
    covered: Callable[[np.ndarray], float]


def _marginal_setup(bundle: Bundle | str | os.PathLike[str], *, plan: str, distance_m: float,
                    buffer_m: float, tolerance_m: float, min_network_share: float, snap: str,
                    population: str, indicator: str) -> _Marginal:
    """Load, snap and measure once; ``covered`` sums the people within reach of a set."""
    from geoplan.layers import Bundle, load_bundle
    from geoplan.network import StreetGraph, _population_within, own_catchments, snap_points

    if population not in POPULATION_METHODS:
        message = (f"{indicator}: population={population!r} is not a population "
                   f"method; use one of {', '.join(POPULATION_METHODS)}")
        raise RecipeError(message)
    if not isinstance(bundle, Bundle):
        bundle = load_bundle(bundle)
    used, raster, population_note = resolve_population(bundle, population)
    stations = bundle.stations
    lines = bundle.metro_lines
    units = bundle.admin_units
    every = ("operating", "under_construction", "planned")
    if "plan" not in stations.columns and "plan" in lines.columns:
        # stations without their own plan column belong to their line's plan
        plan_of_line = lines.drop_duplicates("line_id").set_index("line_id")["plan"]
        stations = stations.assign(plan=stations["line_id"].map(plan_of_line))
    keep, chosen = choose_plan(stations, plan=plan, statuses=every, role="stations",
                               indicator=indicator)
    line_keep, _ = choose_plan(lines, plan=chosen or plan, statuses=every,
                               role="metro_lines", indicator=indicator)
    status = stations["status"].astype(str)
    in_service = (status == "operating").to_numpy()
    line_ids = _texts(stations["line_id"])
    ids = _texts(stations["station_id"]) if "station_id" in stations else \
        np.array([str(i) for i in stations.index], dtype=object)
    named = _texts(stations["name"]) if "name" in stations else ids
    names = np.where(named != "", named, ids)  # a blank name is shown by its id
    planned = (keep & (status == "planned")).to_numpy()
    graph = StreetGraph.from_bundle(bundle)
    snaps = snap_points(graph, stations, tolerance_m=tolerance_m, snap=snap)
    measured = (snaps["node"].to_numpy() >= 0) & (
        snaps["distance_m"].to_numpy(dtype=float) <= tolerance_m)
    own = own_catchments(graph, stations, distance_m=distance_m, buffer_m=buffer_m,
                         snaps=snaps)
    footprint = graph.footprint()

    def covered(mask: np.ndarray) -> float:
        geom, table = _population_within(own[mask], units, crs=graph.crs,
                                         footprint=footprint,
                                         min_network_share=min_network_share)
        ok = table["network_covered"].to_numpy(dtype=bool)
        if used == "raster":  # the same units and catchment, people placed by the raster
            spread = coverage_table(units, geom, crs=graph.crs, population="raster",
                                    raster=raster)
            return float(spread["covered_population"].to_numpy()[ok].sum())
        return float(table["covered_population"].to_numpy()[ok].sum())

    return _Marginal(stations, lines, line_keep, chosen, ids, names, line_ids, in_service,
                     planned, measured, used, population_note, covered)


def _texts(column: pd.Series) -> np.ndarray:
    """A text column as Python strings, blanks for missing values."""
    return np.array(["" if pd.isna(v) else str(v) for v in column], dtype=object)
