"""Evaluate a recipe on its bundle: compute its indicators, judge its targets, tabulate.

This is the one evaluation every reader shares. :func:`evaluate_recipe` returns a
:class:`RunResult`: the indicator results, one
:class:`~geoplan.analyses.evaluate.TargetEvaluation` per target and statistic, the scorecard
(one row per target, :data:`SCORECARD_COLUMNS`, ``status`` a word of the vocabulary of
:mod:`geoplan.analyses.evaluate`), the bundle's admin units with per-target columns
(``<slug>_value``, ``<slug>_status``, ``<slug>_gap``, ``<slug>_coverage``; ``slug =``
:func:`~geoplan.analyses.recipe.slugify` of the key; a monitoring target has no per-unit
status or gap) and the provenance record of its inputs. It writes nothing: the outputs of a
run (scorecard files, GeoPackage, map, provenance) are written from this result by
:func:`geoplan.workflows.run.run_recipe`, the monitor's snapshots by
:mod:`geoplan.monitor.history`.

>>> from datetime import date
>>> result = evaluate_recipe("analyses/hanoi-02-nq-tw.yaml", as_of=date(2026, 11, 24))
>>> result.scorecard.set_index("key").loc["hn.rail_km@2030", "status"]
'not met'
"""

from __future__ import annotations

import json
import logging
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geoplan import _choices
from geoplan.analyses.evaluate import (
    NO_DATA,
    TargetEvaluation,
    evaluate_statistic,
    evaluate_target,
    value_data_date,
)
from geoplan.analyses.recipe import (
    DATE_RANGE,
    Goal,
    Recipe,
    Statistic,
    Target,
    load_recipe,
    slugify,
)
from geoplan.analyses.registry import get_indicator
from geoplan.analyses.result import IndicatorResult
from geoplan.analyses.wording import describe_goal
from geoplan.errors import RecipeError
from geoplan.layers import Bundle, load_bundle
from geoplan.provenance import dependency_versions, finish_times, input_files, jsonable

__all__ = [
    "AS_OF_RANGE",
    "COVERAGE_STATES",
    "SCORECARD_COLUMNS",
    "RunResult",
    "evaluate_recipe",
    "indicator_key",
    "run_inputs",
]

logger = logging.getLogger(__name__)

#: Evaluation dates a run accepts (a year 1 or 9999 would measure nothing real).
AS_OF_RANGE: tuple[date, date] = DATE_RANGE
SCORECARD_COLUMNS: tuple[str, ...] = (
    "key", "target_id", "kind", "title", "indicator", "options", "scope", "comparator",
    "target", "target_value", "target_min", "target_max", "value", "unit", "status", "gap",
    "year", "past_due", "units_met", "units_evaluated", "coverage", "coverage_pct",
    "data_date", "as_of", "source", "method", "note",
)
#: Values of the scorecard's ``coverage`` column ("" where the indicator does not assess it).
COVERAGE_STATES: tuple[str, ...] = ("full", "partial", "")



@dataclass
class RunResult:
    """Everything a run computed.

    Attributes
    ----------
    recipe, bundle
        What was run, on what.
    as_of
        Evaluation date (indicators use the data true on that date, e.g. lines opened).
    indicators
        Indicator results by :func:`indicator_key` (each name + options computed once).
    evaluations
        One :class:`~geoplan.analyses.evaluate.TargetEvaluation` per target, then per
        statistic, in recipe order.
    scorecard
        DataFrame with :data:`SCORECARD_COLUMNS`.
    units
        The bundle's admin units with per-target columns, or ``None`` without admin units.
    provenance
        The provenance record (also written as ``provenance.json``).
    lang
        Language of the scorecard's titles and of the outputs.
    tiles, classes
        Basemap and value classes of the run's map (set by
        :func:`geoplan.workflows.run.run_recipe`; :data:`geoplan._choices.TILES`,
        :data:`geoplan._choices.CLASSES`).
    out, outputs
        Folder written and output name → path, once the outputs are written.
    """

    recipe: Recipe
    bundle: Bundle
    as_of: date
    indicators: dict[str, IndicatorResult]
    evaluations: list[TargetEvaluation]
    scorecard: pd.DataFrame
    units: gpd.GeoDataFrame | None
    provenance: dict[str, Any]
    lang: str = "vi"
    tiles: str = "none"
    out: Path | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    classes: str = "quantiles"
    clock: float = field(default=0.0, repr=False)


def indicator_key(name: str, options: dict[str, Any]) -> str:
    """Stable key of an indicator call: ``name`` or ``name(opt=value, ...)`` (sorted).

    Examples
    --------
    >>> indicator_key("transit_coverage", {"mode": "rail", "distance_m": 1000})
    'transit_coverage(distance_m=1000, mode=rail)'
    """
    if not options:
        return name
    parts = ", ".join(f"{k}={_canon(v)}" for k, v in sorted(options.items()))
    return f"{name}({parts})"


def _canon(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ",".join(_canon(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_canon(v)}" for k, v in sorted(value.items())) + "}"
    return str(value)


# -- evaluating -------------------------------------------------------------------------

def run_inputs(
    recipe: Recipe | str | os.PathLike[str],
    *,
    as_of: date | None = None,
    bundle: Bundle | str | os.PathLike[str] | None = None,
    statistics: str | os.PathLike[str] | None = None,
) -> tuple[Recipe, Bundle, date]:
    """Load and check what a run reads: its recipe, bundle and evaluation date.

    Parameters
    ----------
    recipe
        A :class:`Recipe` or the path of a recipe file.
    as_of
        Evaluation date (default: today).
    bundle
        Use this bundle (object, name or folder) instead of the one the recipe names.
    statistics
        A statistics CSV file whose reports join the recipe's statistics
        (:func:`~geoplan.analyses.statistics_file.read_reported_statistics`).

    Returns
    -------
    tuple
        The recipe (with the file's reports), the loaded bundle and the date.

    Raises
    ------
    RecipeError
        If the recipe or the statistics file is invalid, or ``as_of`` lies outside
        :data:`AS_OF_RANGE`.
    BundleNotFoundError, LayerValidationError
        If the bundle cannot be found or a layer is broken.

    Examples
    --------
    >>> recipe, bundle, when = run_inputs("analyses/hanoi-02-nq-tw.yaml",
    ...                                   as_of=date(2030, 12, 31))
    >>> bundle.name, when.year
    ('hanoi', 2030)
    """
    if not isinstance(recipe, Recipe):
        recipe = load_recipe(recipe)
    if statistics is not None:
        from geoplan.analyses.statistics_file import read_reported_statistics

        recipe = read_reported_statistics(statistics, recipe)
    if isinstance(bundle, Bundle):
        the_bundle = bundle
    else:
        the_bundle = load_bundle(bundle if bundle is not None else recipe.bundle)
    when = as_of if as_of is not None else date.today()
    if not isinstance(when, date) or not AS_OF_RANGE[0] <= when <= AS_OF_RANGE[1]:
        first, last = (d.isoformat() for d in AS_OF_RANGE)
        message = (f"as_of {when!s} is not a date between {first} and {last}: geoplan "
                   "evaluates plans of the 20th to 22nd centuries; give a date in that range "
                   "(--as-of YYYY-MM-DD)")
        raise RecipeError(message)
    return recipe, the_bundle, when


def evaluate_recipe(
    recipe: Recipe | str | os.PathLike[str],
    *,
    as_of: date | None = None,
    bundle: Bundle | str | os.PathLike[str] | None = None,
    statistics: str | os.PathLike[str] | None = None,
    lang: str = "vi",
    progress: Callable[[str], None] | None = None,
) -> RunResult:
    """Compute every target of ``recipe`` on its bundle and judge it; write nothing.

    Parameters
    ----------
    recipe
        A :class:`Recipe` or the path of a recipe file.
    as_of
        Evaluation date (default: today). Indicators receive it (e.g. rail in service then);
        statistics reported after it are ignored.
    bundle
        Use this bundle (object, name or folder) instead of the one the recipe names.
    statistics
        A statistics CSV file (``id,value,date,source,note``) whose reports join the
        recipe's statistics; an input of the run like the recipe (listed with its SHA-256 in
        the provenance).
    lang
        ``"vi"`` or ``"en"``: language of the scorecard's titles.
    progress
        Called with each target's key before it is computed (the CLI's progress bar).

    Returns
    -------
    RunResult
        With ``out`` ``None`` and no outputs.

    Raises
    ------
    RecipeError
        If the recipe or the statistics file is invalid, ``lang`` is unknown, or ``as_of``
        lies outside :data:`AS_OF_RANGE`.
    BundleNotFoundError, LayerValidationError
        If the bundle cannot be found or a layer is broken.

    Examples
    --------
    >>> r = evaluate_recipe("analyses/hanoi-02-nq-tw.yaml", as_of=date(2026, 11, 24),
    ...                     lang="en")
    >>> row = r.scorecard.set_index("key").loc["hn.rail_km@2030"]
    >>> round(float(row["value"]), 1), row["unit"], row["status"]
    (21.6, 'km', 'not met')
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    _choices.check_display_options(lang=lang)
    recipe, the_bundle, when = run_inputs(recipe, as_of=as_of, bundle=bundle,
                                          statistics=statistics)
    where = str(recipe.path) if recipe.path else f"recipe {recipe.id!r}"
    indicators: dict[str, IndicatorResult] = {}
    evaluations: list[TargetEvaluation] = []
    for target in recipe.targets:
        if progress is not None:
            progress(target.key)
        ikey = indicator_key(target.indicator, target.options)
        if ikey not in indicators:
            indicators[ikey] = _compute(target, the_bundle, when, where=where)
        found = indicators[ikey]
        dated = value_data_date(found, the_bundle,
                                layers=get_indicator(target.indicator).layers)
        evaluations.append(evaluate_target(target, found, as_of=when, data_date=dated))
    for stat in recipe.statistics:
        if progress is not None:
            progress(stat.key)
        evaluations.append(evaluate_statistic(stat, as_of=when, where=where))

    scorecard = _scorecard(evaluations, lang=lang, as_of=when)
    units = _units(the_bundle, evaluations)
    provenance = _provenance(recipe, the_bundle, indicators, when, lang, started)
    result = RunResult(recipe, the_bundle, when, indicators, evaluations, scorecard, units,
                       provenance, lang, clock=clock)
    finish_times(result.provenance, clock)
    return result


def _compute(target: Target, bundle: Bundle, as_of: date, *, where: str) -> IndicatorResult:
    spec = get_indicator(target.indicator)
    logger.info("computing %s on %s", indicator_key(target.indicator, target.options),
                bundle.name)
    try:
        result = spec.func(bundle, as_of=as_of, **dict(target.options))
    except RecipeError as exc:  # an option the indicator refused: say which target has it
        message = f"{where}: target {target.key}: {exc}"
        raise RecipeError(message) from None
    if not isinstance(result, IndicatorResult):  # a contract breach by an indicator
        message = f"indicator {spec.name!r} returned {type(result).__name__}, not IndicatorResult"
        raise TypeError(message)
    return result


# -- tables ---------------------------------------------------------------------------------
def _num(x: float | None) -> float:
    return float("nan") if x is None else float(x)


def _scorecard(evaluations: list[TargetEvaluation], *, lang: str, as_of: date) -> pd.DataFrame:
    rows = []
    for ev in evaluations:
        goal = ev.goal
        rows.append({
            "key": goal.key,
            "target_id": goal.id,
            "kind": ev.kind,
            "title": goal.title.get(lang),
            "indicator": goal.indicator if isinstance(goal, Target) else "",
            "options": json.dumps(dict(goal.options), sort_keys=True, ensure_ascii=False)
            if isinstance(goal, Target) and goal.options else "",
            "scope": goal.scope,
            "comparator": goal.comparator or "",
            "target": describe_goal(goal, "en"),
            "target_value": _num(goal.value),
            "target_min": _num(goal.min),
            "target_max": _num(goal.max),
            "value": _round(ev.value),
            "unit": goal.unit,
            "status": ev.status,
            "gap": _round(ev.gap),
            "year": goal.year if goal.year is not None else pd.NA,
            "past_due": ev.past_due,
            "units_met": ev.units_met if ev.units_met is not None else pd.NA,
            "units_evaluated": ev.units_evaluated if ev.units_evaluated is not None else pd.NA,
            "coverage": _coverage_state(ev),
            "coverage_pct": _round(None if ev.coverage is None else 100.0 * ev.coverage),
            "data_date": ev.data_date,
            "as_of": as_of.isoformat(),
            "source": _source(goal, as_of),
            "method": ev.method,
            "note": ev.note,
        })
    frame = pd.DataFrame(rows, columns=list(SCORECARD_COLUMNS))
    for column in ("year", "units_met", "units_evaluated"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _source(goal: Goal, as_of: date) -> str:
    """The goal's citation; for a statistic reported in a statistics file, also the source
    text of the file's row and where it is (``"…; reported: yearbook (stats.csv row 2)"``)."""
    from geoplan.analyses.statistics_file import FileReport

    cite = goal.source.cite()
    report = goal.reported_on(as_of) if isinstance(goal, Statistic) else None
    if isinstance(report, FileReport):
        cite += f"; reported: {report.source} ({report.origin})"
    return cite


def _coverage_state(ev: TargetEvaluation) -> str:
    if ev.coverage is None or ev.value is None:
        return ""
    return "partial" if ev.is_partial else "full"


def _round(x: float | None) -> float:
    """Values rounded to 10 significant digits: stable across platforms and re-runs."""
    if x is None:
        return float("nan")
    return float(f"{float(x):.10g}")


def _units(bundle: Bundle, evaluations: list[TargetEvaluation]) -> gpd.GeoDataFrame | None:
    if not bundle.has("admin_units"):
        return None
    base = bundle.admin_units
    keep = [c for c in ("unit_id", "name", "name_en", "unit_type", "is_inner", "population")
            if c in base.columns]
    units = base[[*keep, base.geometry.name]].copy()
    columns: dict[str, pd.Series] = {}
    owners: dict[str, str] = {}  # slug -> key: a recipe built in Python skips load_recipe
    for ev in evaluations:
        slug = slugify(ev.goal.key)
        if owners.setdefault(slug, ev.goal.key) != ev.goal.key:
            message = (f"targets {owners[slug]!r} and {ev.goal.key!r} give the same name "
                       f"{slug!r} to their results.gpkg columns, chart and map anchor: give "
                       "one of them a different id")
            raise RecipeError(message)
        if ev.per_unit is None:
            continue
        table = ev.per_unit
        columns[f"{slug}_value"] = units["unit_id"].map(table["value"]).astype(float)
        if "status" in table.columns:
            columns[f"{slug}_status"] = units["unit_id"].map(table["status"]).fillna(NO_DATA)
            columns[f"{slug}_gap"] = units["unit_id"].map(table["gap"]).astype(float)
        if "coverage" in table.columns:
            share = units["unit_id"].map(table["coverage"]).astype(float)
            columns[f"{slug}_coverage"] = (100.0 * share).round(6)
    if columns:
        units = pd.concat([units, pd.DataFrame(columns, index=units.index)], axis=1)
        units = gpd.GeoDataFrame(units, geometry=base.geometry.name, crs=base.crs)
    return units


# -- provenance -----------------------------------------------------------------------------
def _provenance(recipe: Recipe, bundle: Bundle, indicators: dict[str, IndicatorResult],
                as_of: date, lang: str, started: datetime) -> dict[str, Any]:
    from geoplan import __version__

    return {
        "geoplan_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": dependency_versions(),
        "recipe": {"id": recipe.id, "path": str(recipe.path) if recipe.path else None,
                   "document": recipe.document.number, "bundle": recipe.bundle},
        "bundle": {"name": bundle.name, "path": str(bundle.path)},
        "inputs": input_files(recipe.path, bundle, statistics=recipe.statistics_files),
        "parameters": {
            "as_of": as_of.isoformat(),
            "lang": lang,
            "indicators": {
                key: {"indicator": res.indicator, "unit": res.unit,
                      "params": jsonable(res.params), "estimate": res.estimate,
                      "no_data": None if res.no_data is None else str(res.no_data)}
                for key, res in indicators.items()
            },
        },
        "outputs": {},
        "started": started.isoformat(timespec="seconds"),
        "finished": None,
        "duration_s": None,
        "run_checksum": None,
    }
