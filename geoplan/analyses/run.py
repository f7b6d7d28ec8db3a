"""Run a recipe on its bundle: compute indicators, evaluate targets, write the outputs.

``run_recipe`` returns a :class:`RunResult` (scorecard and per-unit results as DataFrames,
provenance as a dict) and, when ``out`` is given, writes into that folder:

``scorecard.csv``, ``scorecard.md``
    One row per target and statistic: value, target, status, gap, year, source, method, and
    the coverage the value rests on (``coverage``: ``full`` / ``partial``, empty where the
    indicator does not assess it; ``coverage_pct``: % of the scope's population or area), and
    the date of the data it rests on (``data_date``). ``status`` is a word of the one
    vocabulary of :mod:`geoplan.analyses.evaluate` (``data older than target`` for a value
    whose data predate a target year that has begun). ``scorecard.md`` marks a partial value
    with ◐ and a value on data older than its target with ⏱ and the data date, and says in
    the notes what it rests on; its numbers are formatted per language by
    :func:`geoplan.maps.i18n.format_quantity`, as in the map, the CLI and the monitor.
``results.gpkg``
    Layer ``units``: the bundle's administrative units with per-target value (and, for
    targets of scope ``unit``, status and gap) columns named ``<slug>_value``,
    ``<slug>_status``, ``<slug>_gap`` where ``slug = slugify(key)`` (see :func:`slugify`;
    a monitoring target, without comparator, has no per-unit status or gap);
    ``<slug>_coverage`` is the % of the unit's population (or area) inside the covered
    extent of the layers the value reads (100 where covered, NaN where not assessed).
``index.html``
    The interactive map, when :mod:`geoplan.maps` provides ``map_run``/``save_map``.
``provenance.json``
    geoplan and dependency versions, every input file with its SHA-256 (the recipe, the
    bundle manifest and data files), parameters, the outputs' SHA-256, start/end time and
    duration, and ``run_checksum`` (SHA-256 of everything except the times).

Outputs are written atomically as a set: everything is first written into a hidden staging
folder inside ``out``, then each file is renamed onto its final name (``os.replace``). A
failure or Ctrl-C before the renames leaves the previous outputs untouched; a Ctrl-C during
the renames is held until they are done (:func:`geoplan.io.hold_interrupts`), so the folder
never mixes two runs. ``out`` must be a folder of its own (:func:`geoplan.io.check_output`):
not the bundle folder or inside it, not a folder holding or containing the recipe or a
bundle file (``analyses/``, the working folder above them, ``/``), and no output may replace
an input, a device, FIFO, socket or symbolic link. A file of an output's name that no earlier
run recorded in ``provenance.json`` is never replaced, and outputs of an earlier run that
this one does not write are removed only while they hold the bytes recorded for them. Two
runs with the
same inputs and ``as_of`` write byte-identical scorecards and GeoPackage (the GeoPackage
timestamps are pinned to ``as_of`` through GDAL's ``OGR_CURRENT_DATE``); only the times in
``provenance.json`` differ.

>>> result = run_recipe("analyses/hanoi-02-nq-tw.yaml", as_of=date(2026, 11, 24))  # doctest: +SKIP
>>> result.scorecard.set_index("key").loc["hn.rail_km@2030", "status"]  # doctest: +SKIP
'not met'
"""

from __future__ import annotations

import contextlib
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
from geoplan._safetext import markdown_code as _code
from geoplan._safetext import markdown_text as _md
from geoplan._safetext import neutralise_formulas
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
from geoplan.errors import OutputError, RecipeError
from geoplan.io import (
    DISK_ERRNOS,
    check_output,
    commit_staged,
    output_error,
    sha256_file,
    staging_dir,
    write_gpkg_layer,
)
from geoplan.layers import Bundle, load_bundle
from geoplan.provenance import (
    dependency_versions,
    input_files,
    inputs_protected,
    jsonable,
    recorded_outputs,
    run_checksum,
)

__all__ = [
    "AS_OF_RANGE",
    "COVERAGE_STATES",
    "LANGS",
    "OUTPUT_FILES",
    "SCORECARD_COLUMNS",
    "TILES",
    "RunResult",
    "check_display_options",
    "indicator_key",
    "protected_inputs",
    "run_recipe",
    "slugify",
    "write_outputs",
]

logger = logging.getLogger(__name__)

LANGS = _choices.LANGS
TILES = _choices.TILES
#: Evaluation dates a run accepts (a year 1 or 9999 would measure nothing real).
AS_OF_RANGE: tuple[date, date] = DATE_RANGE
#: Files a run writes (``results.gpkg`` only with admin units, ``index.html`` only with maps).
OUTPUT_FILES: tuple[str, ...] = (
    "scorecard.csv", "scorecard.md", "results.gpkg", "index.html", "provenance.json",
)
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
    lang, tiles
        Output language and map tiles.
    out
        Folder written, or ``None``.
    classes
        How the map classes values (``geoplan.maps.CLASSES``).
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


# -- running --------------------------------------------------------------------------------
def check_display_options(lang: str, tiles: str, classes: str = "quantiles") -> None:
    """Check the language, basemap and value classes of a run's outputs.

    Raises
    ------
    RecipeError
        If ``lang`` is not in :data:`LANGS`, ``tiles`` not in :data:`TILES` or ``classes``
        not in :data:`geoplan._choices.CLASSES`.
    """
    if classes not in _choices.CLASSES:
        message = (f"unknown classes {classes!r}; use one of {', '.join(_choices.CLASSES)} "
                   "(--classes)")
        raise RecipeError(message)
    if lang not in LANGS:
        message = f"unknown language {lang!r}; use one of {', '.join(LANGS)} (--lang)"
        raise RecipeError(message)
    if tiles not in TILES:
        message = f"unknown tiles {tiles!r}; use one of {', '.join(TILES)} (--tiles)"
        raise RecipeError(message)


def run_recipe(
    recipe: Recipe | str | os.PathLike[str],
    *,
    as_of: date | None = None,
    out: str | os.PathLike[str] | None = None,
    lang: str = "vi",
    tiles: str = "none",
    bundle: Bundle | str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] | None = None,
    statistics: str | os.PathLike[str] | None = None,
    classes: str = "quantiles",
) -> RunResult:
    """Compute every target of ``recipe`` on its bundle and (optionally) write the outputs.

    Parameters
    ----------
    recipe
        A :class:`Recipe` or the path of a recipe file.
    as_of
        Evaluation date (default: today). Indicators receive it (e.g. rail in service then);
        statistics reported after it are ignored.
    out
        Folder to write the outputs to (created if needed); ``None`` writes nothing.
    lang
        ``"vi"`` or ``"en"``: language of titles in the scorecard, Markdown and map.
    tiles
        Map background: ``"none"`` (self-contained, offline), ``"osm"`` or ``"carto"``.
    bundle
        Use this bundle (object, name or folder) instead of the one the recipe names.
    classes
        How the map classes the values of targets not judged per unit: ``"quantiles"``
        (default), ``"natural_breaks"`` or ``"equal_interval"`` (:func:`geoplan.maps.map_run`).
    progress
        Called with each target's key before it is computed (the CLI's progress bar).
    statistics
        A statistics CSV file (``id,value,date,source,note``) whose reports join the
        recipe's statistics
        (:func:`~geoplan.analyses.statistics_file.read_reported_statistics`); it is an input
        of the run like the recipe: protected from the outputs, listed with its SHA-256 in
        the provenance.

    Returns
    -------
    RunResult

    Raises
    ------
    RecipeError
        If the recipe or the statistics file is invalid, ``lang``/``tiles`` is unknown, or
        ``as_of`` lies outside :data:`AS_OF_RANGE`.
    BundleNotFoundError, LayerValidationError
        If the bundle cannot be found or a layer is broken.
    OutputError
        If ``out`` cannot be written (previous outputs are left as they were).

    Examples
    --------
    >>> r = run_recipe("analyses/hanoi-02-nq-tw.yaml", as_of=date(2026, 11, 24))  # doctest: +SKIP
    >>> sorted(set(r.scorecard["status"]))  # doctest: +SKIP
    ['monitoring', 'no data', 'not met']
    """
    started = datetime.now(UTC)
    clock = time.perf_counter()
    check_display_options(lang, tiles, classes)
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
    where = str(recipe.path) if recipe.path else f"recipe {recipe.id!r}"
    if out is not None:  # refuse a forbidden output folder before computing anything
        with protected_inputs(recipe, the_bundle):
            check_output(out, folder=True)

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
    provenance = _provenance(recipe, the_bundle, indicators, when, lang, tiles, started)
    provenance["parameters"]["classes"] = classes
    result = RunResult(recipe, the_bundle, when, indicators, evaluations, scorecard, units,
                       provenance, lang, tiles, clock=clock, classes=classes)
    _finish_times(result.provenance, clock)
    if out is not None:
        write_outputs(result, out)
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
            "target": goal.describe(),
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


def _missing(x: Any) -> bool:
    return x is None or x is pd.NA or (isinstance(x, float) and x != x)


_MD_HEAD = {
    "vi": ("Chỉ tiêu", "Giá trị", "Mục tiêu", "Trạng thái", "Khoảng cách", "Năm", "Nguồn",
           "Văn bản", "Bộ dữ liệu", "Ngày đánh giá", "Ghi chú"),
    "en": ("Target", "Value", "Target value", "Status", "Gap", "Year", "Source",
           "Document", "Bundle", "As of", "Notes"),
}


def _markdown(result: RunResult) -> str:
    lang = result.lang
    head = _MD_HEAD[lang]
    recipe = result.recipe
    doc = recipe.document
    lines = [
        f"# {_md(recipe.title.get(lang))}",
        "",
        f"- {head[7]}: {_md(doc.number or '')} — {_md(doc.title.get(lang))}"
        f" ({_md(doc.issuer)}, {_md(doc.date or 'n.d.')})",
        f"- {head[8]}: {_md(result.bundle.name)}",
        f"- {head[9]}: {result.as_of.isoformat()}",
        "",
        f"| {head[0]} | {head[1]} | {head[2]} | {head[3]} | {head[4]} | {head[5]} | {head[6]} |",
        "|---|---:|---|---|---:|---:|---|",
    ]
    from geoplan.maps.i18n import (
        OLD_DATA_MARK,
        PARTIAL_MARK,
        describe_goal,
        format_number,
        format_quantity,
        reader_notes,
    )

    notes: list[str] = []
    records: list[dict[str, Any]] = result.scorecard.to_dict("records")  # type: ignore[assignment]
    by_key = {ev.goal.key: ev for ev in result.evaluations}
    for row in records:
        ev = by_key[str(row["key"])]
        value = "–" if _missing(row["value"]) else \
            _md(format_quantity(float(row["value"]), str(row["unit"]), lang))
        if ev.is_partial and value != "–":
            value += f" {PARTIAL_MARK}"
        if ev.is_stale and value != "–":
            value += f" {OLD_DATA_MARK} {_md(ev.data_date)}"
        status = ev.label(lang)
        if not pd.isna(row["units_evaluated"]):
            status += f" ({row['units_met']}/{row['units_evaluated']})"
        year = "" if pd.isna(row["year"]) else str(row["year"])
        gap = "–" if _missing(row["gap"]) else format_number(float(row["gap"]), lang)
        lines.append(
            f"| {_code(row['key'])} {_md(row['title'])} | {value} "
            f"| {_md(describe_goal(ev.goal, lang))} | {_md(status)} | {gap} | {year} "
            f"| {_md(row['source'])} |"
        )
        notes.extend(f"- {_code(row['key'])}: {_md(note)}" for note in reader_notes(ev, lang))
    if notes:
        lines += ["", f"## {head[10]}", "", *notes]
    return "\n".join(lines) + "\n"


# -- provenance -----------------------------------------------------------------------------
def _provenance(recipe: Recipe, bundle: Bundle, indicators: dict[str, IndicatorResult],
                as_of: date, lang: str, tiles: str, started: datetime) -> dict[str, Any]:
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
            "tiles": tiles,
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


def _finish_times(prov: dict[str, Any], clock: float) -> None:
    prov["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    prov["duration_s"] = round(time.perf_counter() - clock, 3)
    prov["run_checksum"] = run_checksum(prov)


# -- writing --------------------------------------------------------------------------------
def protected_inputs(recipe: Recipe, bundle: Bundle) -> contextlib.AbstractContextManager[None]:
    """:func:`geoplan.io.protect_inputs` for a run: the recipe and its statistics files, the
    bundle's files and folder.

    Parameters
    ----------
    recipe
        The run's recipe (its file, when it has one, and its
        :attr:`~geoplan.analyses.recipe.Recipe.statistics_files`).
    bundle
        The run's bundle.

    Returns
    -------
    contextlib.AbstractContextManager
        Within it, no writer of :mod:`geoplan.io` replaces those files or writes into the
        bundle folder.
    """
    return inputs_protected(recipe.path, bundle, statistics=recipe.statistics_files)


def _previous_outputs(folder: Path) -> dict[str, str] | None:
    """Output name → SHA-256 that the earlier run in ``folder`` recorded in provenance.json.

    ``None`` when there is no such record (no provenance.json, or one geoplan did not write).
    """
    recorded = recorded_outputs(folder / "provenance.json")
    if recorded is None:
        return None
    return {k: v for k, v in recorded.items() if k in OUTPUT_FILES}


def _write_gpkg(result: RunResult, path: Path) -> None:
    """The per-unit results, with QGIS styles (coloured as on the web map) and readable
    field names stored in the file (:mod:`geoplan.maps.qgis`)."""
    assert result.units is not None
    write_gpkg_layer(result.units, path, layer="units", when=result.as_of)
    try:
        from geoplan.maps.qgis import run_catchments, run_styles, store_layer_styles
    except ImportError:  # pragma: no cover - geoplan.maps ships with geoplan
        return
    catchments = run_catchments(result)  # the map's walking scenarios, computed once
    if catchments is not None:
        write_gpkg_layer(catchments[0], path, layer="catchments", when=result.as_of)
    styles, aliases = run_styles(result)
    store_layer_styles(path, "units", styles, aliases=aliases, when=result.as_of)
    if catchments is not None:
        store_layer_styles(path, "catchments", catchments[1], aliases=catchments[2],
                           when=result.as_of)


def _write_map(result: RunResult, path: Path) -> bool:
    import importlib

    try:  # geoplan.maps is optional for a run: without it no index.html is written
        maps: Any = importlib.import_module("geoplan.maps")
        map_run, save_map = maps.map_run, maps.save_map
    except (ImportError, AttributeError):
        logger.info("geoplan.maps has no map_run/save_map yet: no index.html written")
        return False
    fmap = map_run(result, lang=result.lang, tiles=result.tiles, classes=result.classes)
    save_map(fmap, path)
    return True


def write_outputs(result: RunResult, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write the outputs of ``result`` into ``out`` as an atomic set (see the module doc).

    Parameters
    ----------
    result
        A run's result.
    out
        Folder to write into (created if needed).

    Returns
    -------
    dict
        Output name → path written.

    Raises
    ------
    OutputError
        If the folder cannot be created or written; previous outputs stay as they were.
    """
    folder = Path(out)
    with protected_inputs(result.recipe, result.bundle):
        return _write_outputs(result, folder)


def _write_outputs(result: RunResult, folder: Path) -> dict[str, Path]:
    with staging_dir(folder, prefix=".geoplan-run-") as stage:
        try:
            frame = result.scorecard
            (stage / "scorecard.csv").write_text(
                neutralise_formulas(frame).to_csv(index=False, lineterminator="\n"),
                encoding="utf-8")
            (stage / "scorecard.md").write_text(_markdown(result), encoding="utf-8")
            produced = ["scorecard.csv", "scorecard.md"]
            if result.units is not None:
                _write_gpkg(result, stage / "results.gpkg")
                produced.append("results.gpkg")
            if _write_map(result, stage / "index.html"):
                produced.append("index.html")
            prov = result.provenance
            prov["outputs"] = {name: sha256_file(stage / name) for name in produced}
            prov["out"] = str(folder)
            if result.clock:
                _finish_times(prov, result.clock)
            else:
                prov["run_checksum"] = run_checksum(prov)
            text = json.dumps(jsonable(prov), indent=2, ensure_ascii=False) + "\n"
            (stage / "provenance.json").write_text(text, encoding="utf-8")
            produced.append("provenance.json")
        except OSError as exc:
            if exc.errno in DISK_ERRNOS:  # disk full: the message says to free space
                raise output_error(folder, exc) from None
            message = (f"cannot write the outputs into {folder}: {exc.strerror or exc}; "
                       "previous outputs are unchanged")
            raise OutputError(message) from None
        in_the_way = [name for name in produced if (folder / name).is_dir()]
        if in_the_way:
            message = (f"cannot write {folder / in_the_way[0]}: a folder of that name is in the "
                       "way; move it or choose another folder with --out")
            raise OutputError(message)
        for name in produced:  # an input, device, FIFO or link is named as such first
            check_output(folder / name)
        previous = _previous_outputs(folder)
        ours = [*previous, "provenance.json"] if previous is not None else None
        # the commit: one rename per file, all already complete; Ctrl-C waits for the end;
        # a file of an output's name that no earlier run recorded writing is refused
        written = commit_staged(stage, folder, produced, ours=ours, stale=previous)
    result.out = folder
    result.outputs = written
    return written
