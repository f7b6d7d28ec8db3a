"""Run a recipe on its bundle: evaluate it once, then write every output from that result.

``run_recipe`` evaluates the recipe (:func:`geoplan.analyses.scorecard.evaluate_recipe`: the
one evaluation the scorecard, the GeoPackage, the map and the monitor all read) and, when
``out`` is given, writes into that folder:

``scorecard.csv``, ``scorecard.md``
    One row per target and statistic (``scorecard.csv`` in UTF-8 with a byte-order mark, so
    that Excel shows Vietnamese): value, target, status, gap, year, source, method, and
    the coverage the value rests on (``coverage``: ``full`` / ``partial``, empty where the
    indicator does not assess it; ``coverage_pct``: % of the scope's population or area), and
    the date of the data it rests on (``data_date``). ``status`` is a word of the one
    vocabulary of :mod:`geoplan.analyses.evaluate` (``data older than target`` for a value
    whose data predate a target year that has begun). ``scorecard.md`` marks a partial value
    with ◐ and a value on data older than its target with ⏱ and the data date, and says in
    the notes what it rests on; its numbers are formatted per language by
    :func:`geoplan.analyses.wording.format_quantity`, as in the map, the CLI and the monitor.
``results.gpkg``
    Layer ``units``: the bundle's administrative units with per-target value (and, for
    targets of scope ``unit``, status and gap) columns named ``<slug>_value``,
    ``<slug>_status``, ``<slug>_gap`` where ``slug = slugify(key)`` (see :func:`slugify`;
    a monitoring target, without comparator, has no per-unit status or gap);
    ``<slug>_coverage`` is the % of the unit's population (or area) inside the covered
    extent of the layers the value reads (100 where covered, NaN where not assessed).
    One layer per target family with values per unit (named by the slug of its
    ``target_id``, e.g. ``hn_tod_rail_coverage``: the units' identity columns and the
    family's own columns), layer ``catchments`` (the map's walking catchments), and in
    ``layer_styles``/``gpkg_data_columns`` the QGIS styles and readable field names of each
    (:mod:`geoplan.maps.qgis`): QGIS opens every layer coloured as on the web map.
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

>>> result = run_recipe("analyses/hanoi-02-nq-tw.yaml", as_of=date(2026, 11, 24),
...                     out=tmp / "run")  # doctest: +SKIP
>>> sorted(result.outputs)  # doctest: +SKIP
['index.html', 'provenance.json', 'results.gpkg', 'scorecard.csv', 'scorecard.md']
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan import _choices
from geoplan._safetext import markdown_code as _code
from geoplan._safetext import markdown_text as _md
from geoplan._safetext import neutralise_formulas
from geoplan.analyses.recipe import Recipe
from geoplan.analyses.scorecard import RunResult, evaluate_recipe, run_inputs
from geoplan.errors import OutputError
from geoplan.io import (
    DISK_ERRNOS,
    check_output,
    output_error,
    sha256_file,
    staging_dir,
    write_gpkg_layer,
)
from geoplan.layers import Bundle
from geoplan.provenance import (
    OUTPUT_FILES,
    commit_outputs,
    finish_times,
    inputs_protected,
    jsonable,
    run_checksum,
)

__all__ = [
    "OUTPUT_FILES",
    "protected_inputs",
    "run_recipe",
    "write_outputs",
]

logger = logging.getLogger(__name__)

# -- running --------------------------------------------------------------------------------
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
    _choices.check_display_options(lang=lang, tiles=tiles, classes=classes)
    recipe, the_bundle, when = run_inputs(recipe, as_of=as_of, bundle=bundle,
                                          statistics=statistics)
    if out is not None:  # refuse a forbidden output folder before computing anything
        with protected_inputs(recipe, the_bundle):
            check_output(out, folder=True)
    result = evaluate_recipe(recipe, bundle=the_bundle, as_of=when, lang=lang,
                             progress=progress)
    result.tiles, result.classes, result.clock = tiles, classes, clock
    result.provenance["started"] = started.isoformat(timespec="seconds")
    result.provenance["parameters"].update(tiles=tiles, classes=classes)
    finish_times(result.provenance, clock)
    if out is not None:
        write_outputs(result, out)
    return result


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
    from geoplan.analyses.wording import describe_goal, format_number, format_quantity
    from geoplan.maps.i18n import OLD_DATA_MARK, PARTIAL_MARK, reader_notes

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


def _write_gpkg(result: RunResult, path: Path) -> None:
    """The per-unit results (layer ``units``: every target's columns; one layer per target
    family: :func:`geoplan.maps.qgis.family_layers`), the map's walking catchments, with
    QGIS styles (coloured as on the web map) and readable field names stored in the file
    (:mod:`geoplan.maps.qgis`)."""
    assert result.units is not None
    write_gpkg_layer(result.units, path, layer="units", when=result.as_of)
    from geoplan.maps.qgis import family_layers, run_catchments, run_styles, store_layer_styles

    units = result.units
    families = family_layers(result)
    for family in families:  # one layer per target family, styled as its web map layer
        layer = units[[*family.columns, units.geometry.name]]
        write_gpkg_layer(layer, path, layer=family.name, when=result.as_of)
    catchments = run_catchments(result)  # the map's walking scenarios, computed once
    if catchments is not None:
        write_gpkg_layer(catchments[0], path, layer="catchments", when=result.as_of)
    styles, aliases = run_styles(result)
    store_layer_styles(path, "units", styles, aliases=aliases, when=result.as_of)
    for family in families:
        store_layer_styles(path, family.name, family.styles, aliases=family.aliases,
                           when=result.as_of)
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
            csv = neutralise_formulas(frame).to_csv(index=False, lineterminator="\n")
            # a byte-order mark first: Excel then reads the file as UTF-8 (Vietnamese names)
            (stage / "scorecard.csv").write_text("\ufeff" + csv, encoding="utf-8")
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
                finish_times(prov, result.clock)
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
        written = commit_outputs(stage, folder, produced, names=OUTPUT_FILES)
    result.out = folder
    result.outputs = written
    return written
