"""``monitor_recipe``: fill the history at each period end, compute trajectories, report.

How a monitoring run works
--------------------------
1. **Dates.** The recipe is evaluated on the baseline date, on the last day of every month,
   quarter or year (``period``) between ``start`` and ``end``, on the review date (31 December
   of ``review``) when it falls in that span, and on ``end`` itself (default: today). Dates
   after today are never evaluated (what is true then is not known yet); ``end`` is clipped
   to today.
2. **Fill.** Each date is one :func:`geoplan.analyses.scorecard.evaluate_recipe` call with
   ``as_of`` set to it, on one loaded bundle and without outputs (no map per date):
   indicators use what was true then (lines and stations by opening date, statistics by
   report date). Its snapshot is recorded in ``<out>/history.parquet``
   (:func:`geoplan.monitor.history.record_snapshot`: it replaces that date's earlier
   snapshot, e.g. one ``geoplan run`` stored; the same run twice changes nothing).
3. **Trajectories.** The history (including snapshots stored earlier by ``geoplan run``) gives
   each target's values by date; :mod:`geoplan.monitor.progress` gives its status on ``end``.
4. **Report.** ``<out>/monitor/report.md`` and ``report.html`` (``review-<year>.md``/``.html``
   with ``review``), one PNG chart per target with values in ``<out>/monitor/charts/``, and
   ``<out>/monitor/progress.html``: the run map of ``end`` with a *progress* layer per judged
   target, units coloured by on-track status.

>>> result = monitor_recipe("analyses/hanoi-02-nq-tw.yaml", period="year",
...                         start=date(2021, 1, 1))  # doctest: +SKIP
>>> result.trajectories[0].progress.status  # doctest: +SKIP
'behind'
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan import _choices
from geoplan.analyses.recipe import Recipe
from geoplan.analyses.scorecard import AS_OF_RANGE, RunResult, evaluate_recipe, run_inputs
from geoplan.io import (
    check_name,
    check_ours,
    check_output,
    commit_staged,
    output_error,
    staging_dir,
)
from geoplan.layers import Bundle
from geoplan.monitor.charts import chart_png
from geoplan.monitor.history import (
    HISTORY_NAME,
    goal_units,
    lock_path,
    read_history,
    record_snapshot,
)
from geoplan.monitor.progress import PERIODS, MonitorError, period_ends
from geoplan.monitor.report import chart_name, report_html, report_markdown
from geoplan.monitor.result import MonitorResult
from geoplan.monitor.trajectory import (
    build_trajectories,
    progress_frame,
    review_table,
)
from geoplan.provenance import recorded_names, write_merged_record
from geoplan.workflows.run import protected_inputs

__all__ = ["MAX_DATES", "MONITOR_DIR", "monitor_dates", "monitor_recipe", "write_report"]

logger = logging.getLogger(__name__)

#: Sub-folder of the output folder that holds the reports, charts and progress map.
MONITOR_DIR = "monitor"
#: The record of the report files geoplan wrote into ``<out>/monitor`` (name → SHA-256):
#: a later report replaces only the files it lists (:func:`geoplan.io.commit_staged`).
REPORT_RECORD = "provenance.json"
#: Most evaluation dates of one monitoring call (20 years of months; each date is a full run).
MAX_DATES = 240


def monitor_dates(*, start: date, end: date, period: str, baseline: date | None = None,
                  review_date: date | None = None) -> list[date]:
    """The dates a monitoring run evaluates (see the module docstring), sorted.

    Parameters
    ----------
    start, end
        The span (inclusive); ``end`` is always evaluated.
    period
        ``"month"``, ``"quarter"`` or ``"year"``.
    baseline
        Evaluated too when on or before ``end`` (the paths start there).
    review_date
        Evaluated too when it lies between ``start`` and ``end``.

    Returns
    -------
    list of datetime.date

    Raises
    ------
    MonitorError
        For an unknown period, ``start`` after ``end``, or more than :data:`MAX_DATES`
        dates (``--from 0001-01-01`` by month would be 24,000 evaluations).

    Examples
    --------
    >>> monitor_dates(start=date(2024, 1, 1), end=date(2025, 11, 25), period="year",
    ...               baseline=date(2024, 3, 17))
    [datetime.date(2024, 3, 17), datetime.date(2024, 12, 31), datetime.date(2025, 11, 25)]
    """
    if start > end:
        message = (f"--from {start.isoformat()} is after --to {end.isoformat()}; give a start "
                   "on or before the end")
        raise MonitorError(message)
    dates = set(period_ends(start, end, period)) | {end}
    if baseline is not None and baseline <= end:
        dates.add(baseline)
    if review_date is not None and start <= review_date <= end:
        dates.add(review_date)
    if len(dates) > MAX_DATES:
        message = (f"--from {start.isoformat()} to --to {end.isoformat()} by {period} is "
                   f"{len(dates):,} evaluations, more than {MAX_DATES}: start later (e.g. at "
                   "the recipe's baseline, the default), or use a longer --period "
                   "(quarter, year)")
        raise MonitorError(message)
    return sorted(dates)


def _check_in_range(when: date | None, source: str) -> None:
    """Refuse a monitoring date outside :data:`~geoplan.analyses.scorecard.AS_OF_RANGE`, naming the
    option or recipe key ``source`` it came from (not ``--as-of``, which monitor has not)."""
    first, last = AS_OF_RANGE
    if when is not None and not first <= when <= last:
        fix = ("fix the key in the recipe, or pass --baseline YYYY-MM-DD" if "key" in source
               else f"{source} YYYY-MM-DD")
        message = (f"{source}: {when.isoformat()} is not a date between {first.isoformat()} "
                   f"and {last.isoformat()}: geoplan evaluates plans of the 20th to 22nd "
                   f"centuries; give a date in that range: {fix}")
        raise MonitorError(message)


def monitor_recipe(
    recipe: Recipe | str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    period: str = "year",
    start: date | None = None,
    end: date | None = None,
    baseline: date | None = None,
    review: int | None = None,
    lang: str = "vi",
    tiles: str = "none",
    bundle: Bundle | str | os.PathLike[str] | None = None,
    write: bool = True,
    progress: Callable[[date, int], None] | None = None,
    statistics: str | os.PathLike[str] | None = None,
) -> MonitorResult:
    """Evaluate ``recipe`` at each period end, store the snapshots, report the trajectories.

    Parameters
    ----------
    recipe
        A :class:`Recipe` or a recipe file.
    out
        Output folder holding ``history.parquet`` and ``monitor/`` (default
        ``maps/<recipe id>``, as ``geoplan run``).
    period
        ``"month"``, ``"quarter"`` or ``"year"``.
    start
        First day of the span (default: the baseline, else ``end``).
    end
        Monitoring date (default and latest: today).
    baseline
        Start of the target paths (default: the recipe's ``baseline``, else its document's
        date).
    review
        A review year (e.g. 2028 mid-term, 2030 end of period): the report summarises the
        change since the baseline on 31 December of that year (or on ``end`` if earlier).
    lang
        ``"vi"`` or ``"en"``.
    tiles
        Tiles of the progress map (``"none"``: offline).
    bundle
        Use this bundle instead of the recipe's.
    write
        Write the reports, charts and map (the history is always written).
    progress
        Called with each date and the number of dates before the date is evaluated (the
        CLI's progress bar).
    statistics
        A statistics CSV file whose reports join the recipe's statistics at every date
        (:func:`~geoplan.analyses.statistics_file.read_reported_statistics`; an input of
        every run, like the recipe).

    Returns
    -------
    MonitorResult

    Raises
    ------
    MonitorError
        For an unknown period, ``start`` after ``end``, or an implausible review year.
    RecipeError
        For an invalid recipe, statistics file, language or tiles.
    HistoryError
        If ``history.parquet`` exists but is not a geoplan history.
    OutputError
        If the outputs cannot be written.

    Examples
    --------
    >>> r = monitor_recipe("analyses/hanoi-02-nq-tw.yaml", start=date(2021, 1, 1))
    ... # doctest: +SKIP
    >>> [round(v, 1) for v in r.trajectories[0].values.tolist()]  # doctest: +SKIP
    [13.1, 13.1, 13.1, 21.6, 21.6, 21.6, 21.6]
    """
    from geoplan import __version__

    clock = time.perf_counter()
    if period not in PERIODS:
        message = f"unknown period {period!r}; use one of {', '.join(PERIODS)} (--period)"
        raise MonitorError(message)
    _choices.check_display_options(lang=lang, tiles=tiles)
    recipe, the_bundle, _ = run_inputs(recipe, bundle=bundle, statistics=statistics)
    today = date.today()
    last_day = end if end is not None else today
    if last_day > today:
        logger.warning("--to %s is after today: monitoring stops at %s (later values are "
                       "not known yet)", last_day, today)
        last_day = today
    base = baseline if baseline is not None else recipe.baseline_date
    where = str(recipe.path) if recipe.path else f"recipe {recipe.id!r}"
    source = ("--baseline" if baseline is not None else
              f"{where}: key {'baseline' if recipe.baseline else 'document.date'}")
    _check_in_range(base, source)  # before any date derived from it is evaluated
    _check_in_range(start, "--from")
    _check_in_range(end, "--to")
    first_day = start if start is not None else (base if base is not None and base <= last_day
                                                 else last_day)
    review_date = None
    if review is not None:
        if not 1900 <= review <= 2200:
            message = f"--review {review} is not a plausible year; give e.g. 2028"
            raise MonitorError(message)
        review_date = min(date(review, 12, 31), last_day)
    dates = monitor_dates(start=first_day, end=last_day, period=period, baseline=base,
                          review_date=review_date)
    folder = Path(out) if out is not None else Path("maps") / check_name(
        recipe.id, option=f"{recipe.path or 'recipe'}: key id", inside="maps/ (or pass --out)")
    history_path = folder / HISTORY_NAME
    with protected_inputs(recipe, the_bundle):  # refuse forbidden outputs before computing
        for path, is_folder in ((folder, True), (history_path, False),
                                (lock_path(history_path), False), (folder / MONITOR_DIR, True)):
            check_output(path, folder=is_folder)
        if write:  # a user's own report.md (or chart) in <out>/monitor stops it here
            report = folder / MONITOR_DIR
            check_ours(report, _report_names(recipe, review), ours=_report_ours(report),
                       record=REPORT_RECORD)
    units = goal_units(recipe)  # a row in another unit than its goal's is an edit
    read_history(history_path, recipe_id=recipe.id, units=units)  # refused before computing

    appended = 0
    last: RunResult | None = None
    for when in dates:
        if progress is not None:
            progress(when, len(dates))
        result = evaluate_recipe(recipe, as_of=when, lang=lang, bundle=the_bundle)
        result.tiles = tiles
        appended += record_snapshot(result, history_path)
        if when == last_day:
            last = result
    evaluated = time.perf_counter() - clock

    history = read_history(history_path, recipe_id=recipe.id, units=units)
    trajectories = build_trajectories(recipe, history, at=last_day, baseline=base)
    seen = sorted({date.fromisoformat(d) for d in history["as_of"]})
    monitor = MonitorResult(
        recipe, the_bundle, period, first_day, last_day, base, dates,
        [d for d in seen if d <= last_day], history_path, history, appended, trajectories,
        lang=lang, review_year=review, review_date=review_date, last=last,
        geoplan_version=__version__,
    )
    if review_date is not None:
        at_review = build_trajectories(recipe, history, at=review_date, baseline=base)
        monitor.review = review_table(at_review, at=review_date, lang=lang)
    window = min(first_day, base) if base is not None else first_day
    for t in trajectories:
        png = chart_png(t, lang=lang, at=last_day, start=window)
        if png is not None:
            monitor.charts[t.key] = png
    if write:
        write_report(monitor, folder / MONITOR_DIR, tiles=tiles)
    monitor.seconds = {"evaluate": round(evaluated, 3),
                       "total": round(time.perf_counter() - clock, 3)}
    return monitor


def write_report(result: MonitorResult, folder: str | os.PathLike[str], *,
                 tiles: str = "none") -> dict[str, Path]:
    """Write the charts, the Markdown and HTML reports and the progress map into ``folder``.

    Written as a set, like a run's outputs: every file is first written into a hidden
    staging folder, then renamed onto its final name with Ctrl-C held, so an interrupted or
    failed write leaves the previous report as it was. No file may replace an input of the
    run (recipe, bundle files) or go into the bundle folder, nor land on a device, FIFO,
    socket or symbolic link (:func:`geoplan.io.check_output`). ``provenance.json`` records
    every report file with its SHA-256; a later report replaces only files it lists, so a
    user's own ``report.md`` there is refused (:func:`geoplan.io.commit_staged`).

    Parameters
    ----------
    result
        A monitoring result.
    folder
        Usually ``<out>/monitor``.
    tiles
        Tiles of the progress map.

    Returns
    -------
    dict
        File name (relative to ``folder``, e.g. ``charts/hn_rail_km_2030.png``) → path.

    Raises
    ------
    OutputError
        If a file cannot be written.

    Examples
    --------
    >>> sorted(write_report(result, "maps/hanoi-02-nq-tw/monitor"))[0]  # doctest: +SKIP
    'charts/hn_rail_km_2030.png'
    """
    with protected_inputs(result.recipe, result.bundle):
        return _write_report(result, Path(folder), tiles=tiles)


def _report_stem(review_year: int | None) -> str:
    return "report" if review_year is None else f"review-{review_year}"


def _report_names(recipe: Recipe, review_year: int | None) -> list[str]:
    """Every file a report of ``recipe`` may write into ``<out>/monitor``."""
    stem = _report_stem(review_year)
    charts = [chart_name(goal.key) for goal in (*recipe.targets, *recipe.statistics)]
    return [*charts, f"{stem}.md", f"{stem}.html", "progress.html", REPORT_RECORD]


def _report_ours(target: Path) -> list[str] | None:
    """The report files an earlier monitor recorded writing into ``target`` (or ``None``)."""
    return recorded_names(target, REPORT_RECORD)


def _report_head(result: MonitorResult) -> dict[str, Any]:
    """The entries of a report's ``provenance.json`` besides its ``outputs``."""
    return {"geoplan_version": result.geoplan_version, "command": "monitor",
            "recipe": result.recipe.id, "to": result.end.isoformat()}


#: The progress map's date slider covers at most this many of the latest snapshot dates.
_SLIDER_DATES = 60


def _progress_history(result: MonitorResult, last: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The progress rows on each snapshot date up to the monitoring date (the latest
    :data:`_SLIDER_DATES`), for the progress map's date slider; the monitoring date's are
    ``last``, the map's own (not computed again)."""
    earlier = [d for d in result.snapshot_dates if d < result.end][-(_SLIDER_DATES - 1):]
    frames = {}
    for when in earlier:
        at = build_trajectories(result.recipe, result.history, at=when,
                                baseline=result.baseline)
        frames[when.isoformat()] = progress_frame(at, lang=result.lang)
    frames[result.end.isoformat()] = last
    return frames


def _write_report(result: MonitorResult, target: Path, *, tiles: str) -> dict[str, Path]:
    with staging_dir(target, prefix=".geoplan-monitor-") as stage:
        produced: list[str] = []
        try:
            (stage / "charts").mkdir()
            for key, png in result.charts.items():
                name = chart_name(key)
                (stage / name).write_bytes(png)
                produced.append(name)
            stem = _report_stem(result.review_year)
            (stage / f"{stem}.md").write_text(report_markdown(result), encoding="utf-8")
            (stage / f"{stem}.html").write_text(report_html(result), encoding="utf-8")
            produced += [f"{stem}.md", f"{stem}.html"]
            if result.last is not None:
                from geoplan.maps import map_run, save_map

                frame = progress_frame(result.trajectories, lang=result.lang)
                fmap = map_run(result.last, lang=result.lang, tiles=tiles, progress=frame,
                               progress_history=_progress_history(result, frame))
                save_map(fmap, stage / "progress.html")
                produced.append("progress.html")
            write_merged_record(stage, target, produced, head=_report_head(result),
                                record=REPORT_RECORD)
            produced.append(REPORT_RECORD)
        except OSError as exc:
            raise output_error(target, exc) from None
        # a file there that no earlier report recorded writing is refused, not replaced
        written = commit_staged(stage, target, produced, ours=_report_ours(target),
                                record=REPORT_RECORD)
    result.outputs = written
    return written
