"""Batch runs: many (recipe, bundle, date) tasks on dask.distributed, or serially.

A *task* is one recipe evaluated on one bundle at one date. :func:`plan_batch` lists them
(one recipe over many bundles, many recipes over their own bundles, any of these at many
dates); :func:`run_batch` runs them:

- ``workers=0``: in this process, one after the other (debugging, and the reference the
  parallel runs are compared with);
- ``workers=N``: on a ``dask.distributed.LocalCluster`` of ``N`` single-threaded worker
  processes (without dask's sampling profiler, see :data:`WORKER_CONFIG`);
- ``scheduler="tcp://host:8786"``: on an existing cluster (the workers must see the same
  files at the same paths, e.g. a shared disk).

Each task is run by :func:`run_task` on a worker: it reads its recipe and bundle itself,
computes, and writes its outputs with :func:`geoplan.workflows.run.write_outputs`, which stages
them and renames them in as one set, so a worker killed mid-task leaves the previous outputs
whole (or none) and the task is simply run again elsewhere (dask reschedules the tasks of a
lost worker). The history is written only here, by the client, once per finished task, with
:func:`geoplan.monitor.history.record_snapshot` (which skips a snapshot it already holds):
every task adds exactly one snapshot, whatever the retries.

Output layout under ``out``::

    <recipe id>/<bundle>/<as_of>/      scorecard.csv, scorecard.md, results.gpkg, ...
    <recipe id>/<bundle>/history.parquet

Results are identical whichever process computed them (the outputs are byte-identical to a
serial run's, provenance times aside): tasks share nothing but the files they read.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geoplan.errors import BatchError, GeoplanError, RecipeError

__all__ = ["BatchResult", "BatchTask", "TaskOutcome", "plan_batch", "run_batch", "run_task"]

logger = logging.getLogger(__name__)

#: How often dask may retry a task whose worker died (beyond the first attempt).
RETRIES = 3
#: Seconds to wait for an existing scheduler (``--scheduler``) to answer.
CONNECT_TIMEOUT_S = 10
#: dask settings of the workers of the local cluster (``workers=N``); an existing cluster
#: (``scheduler=``) keeps its own.
WORKER_CONFIG: dict[str, Any] = {"distributed.worker.profile.enabled": False}


@dataclass(frozen=True)
class BatchTask:
    """One recipe on one bundle at one date, and where its outputs go.

    Attributes
    ----------
    recipe
        Path of the recipe file (read by the worker).
    bundle
        Bundle name or folder (read by the worker).
    as_of
        Evaluation date.
    out
        Output folder of this task (``<out>/<recipe id>/<bundle>/<as_of>``).
    history
        The ``history.parquet`` the client records this task's snapshot in.
    lang
        Output language.
    statistics
        A statistics CSV read beside the recipe's statistics, if any.
    """

    recipe: str
    bundle: str
    as_of: date
    out: str
    history: str
    lang: str = "vi"
    statistics: str | None = None

    @property
    def key(self) -> str:
        """A readable, unique name: ``recipe-file/bundle/date``."""
        return f"{Path(self.recipe).stem}/{Path(self.bundle).name}/{self.as_of.isoformat()}"


@dataclass
class TaskOutcome:
    """What a task gives back to the client.

    Attributes
    ----------
    task
        The task.
    recipe_id, bundle_name
        The recipe's id and the bundle's name, as loaded by the worker.
    scorecard
        The run's scorecard (``SCORECARD_COLUMNS``).
    snapshot
        The run's history rows (:func:`~geoplan.monitor.history.snapshot_rows`).
    outputs
        Names of the files written in ``task.out``.
    data_dates
        Target key → date of the data its value rests on
        (:func:`geoplan.workflows.national.data_dates`).
    per_unit
        Indicator key → unit id → value, for every indicator of the run with per-unit values
        (the national bundle's provinces fill the national table's rows of provinces that
        have no bundle of their own).
    seconds
        Time the worker spent on the task.
    cpu_seconds
        CPU time of the process that ran the task, during the task (all its threads: on a
        dask worker that includes the worker's own upkeep). Compared with ``seconds`` it
        shows how much of a core the task had.
    error
        The message of a :class:`~geoplan.errors.GeoplanError` that stopped the task (bad
        input: retrying would not help), else ``None``.
    """

    task: BatchTask
    recipe_id: str = ""
    bundle_name: str = ""
    scorecard: pd.DataFrame | None = None
    snapshot: pd.DataFrame | None = None
    outputs: list[str] = field(default_factory=list)
    data_dates: dict[str, str] = field(default_factory=dict)
    per_unit: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    error: str | None = None


@dataclass
class BatchResult:
    """The outcome of every task, in the order of the tasks.

    Attributes
    ----------
    outcomes
        One :class:`TaskOutcome` per task.
    appended
        History rows the client appended.
    workers
        Workers used (``0``: serial).
    dashboard
        The dask dashboard's address, when one ran.
    seconds
        Wall time of the batch.
    """

    outcomes: list[TaskOutcome]
    appended: int = 0
    workers: int = 0
    dashboard: str | None = None
    seconds: float = 0.0

    @property
    def failed(self) -> list[TaskOutcome]:
        """Tasks stopped by bad input."""
        return [o for o in self.outcomes if o.error is not None]

    def summary(self) -> pd.DataFrame:
        """One row per task: recipe, bundle, date, targets by status, seconds, error."""
        rows = []
        for o in self.outcomes:
            counts = ({} if o.scorecard is None else
                      o.scorecard["status"].value_counts().to_dict())
            rows.append({"recipe": o.recipe_id or Path(o.task.recipe).stem,
                         "bundle": o.bundle_name or Path(o.task.bundle).name,
                         "as_of": o.task.as_of.isoformat(), "out": o.task.out,
                         **{f"n_{k}": int(v) for k, v in sorted(counts.items())},
                         "seconds": round(o.seconds, 2), "error": o.error or ""})
        return pd.DataFrame(rows)


def plan_batch(
    recipes: Sequence[str | os.PathLike[str]],
    *,
    out: str | os.PathLike[str],
    bundles: Sequence[str | os.PathLike[str]] | None = None,
    dates: Sequence[date] | None = None,
    lang: str = "vi",
    statistics: str | os.PathLike[str] | None = None,
) -> list[BatchTask]:
    """List the tasks of a batch: every recipe × bundle × date.

    Parameters
    ----------
    recipes
        Recipe files.
    out
        Output root (see the module docstring for the layout).
    bundles
        Bundles to run every recipe on; ``None``: each recipe on its own bundle.
    dates
        Evaluation dates (default: today).
    lang
        Output language.
    statistics
        A statistics CSV for every task (its ids must be statistics of every recipe); it is
        checked here, against each recipe, before any task runs, and no output may replace
        it.

    Returns
    -------
    list of BatchTask
        Sorted by recipe, bundle and date (the order of the outputs and the history).

    Raises
    ------
    RecipeError
        If a recipe or the statistics file is invalid, or two tasks would write the same
        folder (the same recipe and bundle twice).
    BundleNotFoundError, LayerValidationError
        If a bundle cannot be found or read.
    OutputError
        If an output folder or history may not be written (an input, a device, a link...).
    HistoryError
        If a history already there is not a geoplan history of that recipe.

    Examples
    --------
    >>> tasks = plan_batch(["analyses/hatinh-15-ctr-tu.yaml"], out="/tmp/b",
    ...                    dates=[date(2025, 12, 31)])
    >>> [t.key for t in tasks]
    ['hatinh-15-ctr-tu/hatinh/2025-12-31']
    """
    from geoplan.analyses.recipe import load_recipe
    from geoplan.analyses.statistics_file import read_reported_statistics
    from geoplan.io import check_name, check_output
    from geoplan.layers import load_bundle
    from geoplan.monitor.history import goal_units, lock_path, read_history
    from geoplan.workflows.run import protected_inputs

    root = Path(out)
    when = list(dates) if dates else [date.today()]
    tasks: list[BatchTask] = []
    seen: dict[Path, str] = {}
    for path in recipes:
        recipe = load_recipe(path)  # every recipe checked before anything runs
        if statistics is not None:  # and the statistics file against each recipe
            recipe = read_reported_statistics(statistics, recipe)
        recipe_id = check_name(recipe.id, option=f"{path}: key id", inside=str(root))
        names = list(bundles) if bundles else [recipe.bundle]
        for name in names:
            bundle = load_bundle(name)  # found and readable, or refused now
            folder = root / recipe_id / bundle.name
            where = f"{path} on {name}"
            if folder in seen:
                message = (f"{where} and {seen[folder]} would write the same folder {folder}: "
                           "give each recipe and bundle once")
                raise RecipeError(message)
            seen[folder] = where
            history = folder / "history.parquet"
            with protected_inputs(recipe, bundle):  # refused before any task runs
                check_output(folder, folder=True)
                for file in (history, lock_path(history)):
                    check_output(file)
            read_history(history, recipe_id=recipe.id, units=goal_units(recipe))
            for day in sorted(set(when)):
                tasks.append(BatchTask(
                    recipe=str(Path(path)), bundle=str(bundle.path if os.sep in str(name)
                                                       else bundle.name),
                    as_of=day, out=str(folder / day.isoformat()),
                    history=str(history), lang=lang,
                    statistics=None if statistics is None else str(statistics)))
    return tasks


def run_task(task: BatchTask) -> TaskOutcome:
    """Run one task: read, compute, write its outputs (staged, then renamed in).

    Bad input (a :class:`~geoplan.errors.GeoplanError`) is returned as the outcome's
    ``error``, since running it again would fail the same way; anything else propagates
    (and a lost worker makes dask run the task again).

    Parameters
    ----------
    task
        The task.

    Returns
    -------
    TaskOutcome
    """
    from geoplan.monitor.history import snapshot_rows
    from geoplan.workflows.national import data_dates
    from geoplan.workflows.run import run_recipe

    clock, cpu = time.perf_counter(), time.process_time()
    _clear_stale_stages(Path(task.out))
    kwargs: dict[str, Any] = {}
    if task.statistics is not None:
        kwargs["statistics"] = task.statistics
    try:
        result = run_recipe(task.recipe, as_of=task.as_of, out=task.out, lang=task.lang,
                            bundle=task.bundle, **kwargs)
    except GeoplanError as exc:
        return TaskOutcome(task, error=str(exc), seconds=time.perf_counter() - clock,
                           cpu_seconds=time.process_time() - cpu)
    return TaskOutcome(
        task, recipe_id=result.recipe.id, bundle_name=result.bundle.name,
        scorecard=result.scorecard, snapshot=snapshot_rows(result),
        outputs=sorted(result.outputs), data_dates=data_dates(result),
        per_unit={key: {str(u): float(v) for u, v in found.per_unit.dropna().items()}
                  for key, found in result.indicators.items() if found.per_unit is not None},
        seconds=time.perf_counter() - clock, cpu_seconds=time.process_time() - cpu,
    )


def _clear_stale_stages(folder: Path) -> None:
    """Remove what an earlier attempt of this task, killed mid-write, staged in its folder.

    Only geoplan's own hidden staging folders (``.geoplan-run-*``) of this task's own output
    folder: no other task writes there, and the outputs themselves were never touched.
    """
    import shutil

    if not folder.is_dir() or folder.is_symlink():
        return
    for stage in folder.glob(".geoplan-run-*"):
        if stage.is_dir() and not stage.is_symlink():
            logger.info("removing %s, left by an attempt that was stopped", stage)
            shutil.rmtree(stage, ignore_errors=True)


def _record(outcome: TaskOutcome) -> int:
    from geoplan.monitor.history import record_snapshot

    if outcome.snapshot is None:
        return 0
    return record_snapshot(outcome.snapshot, outcome.task.history)


def _serial(tasks: Sequence[BatchTask], done: Callable[[TaskOutcome], None]) -> None:
    for task in tasks:
        done(run_task(task))


def _distributed(tasks: Sequence[BatchTask], done: Callable[[TaskOutcome], None], *,
                 workers: int, scheduler: str | None,
                 on_dashboard: Callable[[str], None] | None) -> str | None:
    from geoplan._extras import require_extra

    distributed = require_extra("distributed", what="geoplan batch (dask.distributed)")
    cluster = None
    if scheduler is None:
        import dask

        # one thread per worker process: the indicators hold the GIL, processes scale;
        # without the workers' sampling profiler (every 10 ms it takes the GIL to walk the
        # task's stack): it cost about 10 % of each task's CPU time (the same 4 tasks: 20.7
        # and 23.7 s with it, 19.3 and 20.7 s without; the dashboard keeps its task stream)
        with dask.config.set(WORKER_CONFIG):
            cluster = distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True,
                dashboard_address=":0", silence_logs=logging.ERROR,
            )
    try:
        client = distributed.Client(scheduler if scheduler is not None else cluster,
                                    set_as_default=False, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, ValueError) as exc:
        if cluster is not None:
            cluster.close()
        message = (f"cannot reach the dask scheduler {scheduler!r} within "
                   f"{CONNECT_TIMEOUT_S} s ({type(exc).__name__}: {exc}); start it "
                   "(`dask scheduler`, then `dask worker ADDRESS` on each machine) or leave "
                   "out --scheduler to run on a local cluster")
        raise BatchError(message) from None
    try:
        link = client.dashboard_link
        if on_dashboard is not None and link:
            on_dashboard(link)
        futures = client.map(run_task, list(tasks), key=[f"geoplan-{t.key}" for t in tasks],
                             retries=RETRIES, pure=False)
        for future in distributed.as_completed(futures, loop=client.loop):
            try:
                outcome = future.result()
            except distributed.KilledWorker as exc:  # its workers died RETRIES + 1 times
                message = (f"task {exc.task!r} was lost with its worker {RETRIES + 1} times "
                           f"(last: {exc.last_worker.address if exc.last_worker else '?'}); "
                           "it may need more memory than a worker has: give each worker "
                           "more (fewer --workers) or run it with --workers 0")
                raise BatchError(message) from None
            done(outcome)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return link or None


def run_batch(
    tasks: Iterable[BatchTask],
    *,
    workers: int = 2,
    scheduler: str | None = None,
    progress: Callable[[TaskOutcome], None] | None = None,
    on_dashboard: Callable[[str], None] | None = None,
) -> BatchResult:
    """Run tasks serially or on dask.distributed; record each snapshot once.

    Parameters
    ----------
    tasks
        From :func:`plan_batch`.
    workers
        ``0``: serially in this process; ``N``: a LocalCluster of ``N`` worker processes.
    scheduler
        Address of an existing dask scheduler (``workers`` is then ignored).
    progress
        Called with each finished task's outcome (the CLI's progress bar).
    on_dashboard
        Called with the dask dashboard's address once the cluster is up.

    Returns
    -------
    BatchResult
        Outcomes in the order of ``tasks``.

    Raises
    ------
    RecipeError
        If ``workers`` is negative.
    BatchError
        If ``scheduler`` cannot be reached, or a task's worker died more than
        :data:`RETRIES` times (finished tasks keep their outputs and snapshots).
    MissingExtraError
        If dask.distributed is not installed (``pip install 'geoplan[batch]'``).
    HistoryError, OutputError
        If a history cannot be read or written (tasks already finished keep their outputs).

    Examples
    --------
    >>> tasks = plan_batch(["analyses/hatinh-15-ctr-tu.yaml"], out="/tmp/b",
    ...                    dates=[date(2025, 12, 31)])
    >>> run_batch(tasks, workers=0).outcomes[0].bundle_name   # doctest: +SKIP
    'hatinh'
    """
    todo = list(tasks)
    if workers < 0:
        message = f"--workers {workers}: give 0 (serial) or a positive number of workers"
        raise RecipeError(message)
    clock = time.perf_counter()
    by_key: dict[str, TaskOutcome] = {}
    appended = 0

    def done(outcome: TaskOutcome) -> None:
        nonlocal appended
        appended += _record(outcome)
        by_key[outcome.task.key] = outcome
        if progress is not None:
            progress(outcome)

    dashboard = None
    if workers == 0 and scheduler is None:
        _serial(todo, done)
    else:
        dashboard = _distributed(todo, done, workers=workers, scheduler=scheduler,
                                 on_dashboard=on_dashboard)
    return BatchResult([by_key[t.key] for t in todo], appended=appended,
                       workers=0 if scheduler is None and workers == 0 else workers,
                       dashboard=dashboard, seconds=time.perf_counter() - clock)
