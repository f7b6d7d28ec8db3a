"""The monitoring history: one dated snapshot of a recipe per date, in one Parquet file.

A *snapshot* is what one run (:func:`geoplan.analyses.scorecard.evaluate_recipe`) measured on its
``as_of`` date: one row per target (``unit_id`` empty: the value the target is judged on,
city-wide or inner city) and, when the indicator has values per administrative unit, one row
per target per unit. Every row carries the run's status (the one vocabulary of
:mod:`geoplan.analyses.evaluate`), the date of the data the value rests on (``data_date``),
the run's provenance checksum (``run_checksum`` of ``provenance.json``) and the time it was
recorded.

Where it lives
--------------
``<out>/history.parquet`` beside a run's outputs (``maps/<recipe id>/history.parquet`` by
default), so ``geoplan run`` and ``geoplan monitor`` on one recipe share it.

Atomic
------
Recording reads the file, drops the rows of the snapshot it replaces (below), adds the new
rows at the end and writes the whole file to a temporary file that is renamed onto the old one
(:func:`geoplan.io.atomic_path`), under an exclusive lock (``.history.parquet.lock``,
:func:`geoplan.io.exclusive_lock`: never a planted link or FIFO) so that two processes
cannot lose each other's rows. A crash leaves the previous file intact. Neither the history
nor its lock may be a symbolic link, device or FIFO, nor one of the run's inputs
(:func:`geoplan.io.check_output`).

One snapshot per date
---------------------
The same run again (same recipe, date and ``run_checksum``: same inputs, parameters and
outputs) changes nothing: its rows are already there. Another run of the same recipe on the
same date (``geoplan monitor`` after ``geoplan run``, whose checksums differ because the run
wrote outputs; a rebuilt bundle; a newly reported statistic) *replaces* that date's snapshot:
a date has one snapshot, the latest measurement of it, and other dates' rows are kept as
they were. Histories written before this rule may hold several snapshots of one date;
readers use the most recently recorded one (:func:`latest_snapshots`), and the next
recording of a new measurement of that date leaves one. Rows of other recipes in the same
file are kept.

Older histories
---------------
A file without the ``data_date`` column (written before it existed) reads with it empty;
status words of earlier versions (``reported``, ``achieved``) read as today's
(:data:`geoplan.analyses.evaluate.LEGACY_STATUSES`).

>>> rows = snapshot_rows(run_recipe("analyses/hanoi-02-nq-tw.yaml"))   # doctest: +SKIP
>>> record_snapshot(rows, "maps/hanoi-02-nq-tw/history.parquet")       # doctest: +SKIP
1212
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoplan.errors import GeoplanError
from geoplan.io import (
    atomic_path,
    check_output,
    exclusive_lock,
    file_kind,
    output_error,
)
from geoplan.provenance import inputs_protected

if TYPE_CHECKING:
    from geoplan.analyses.scorecard import RunResult

__all__ = [
    "HISTORY_COLUMNS",
    "HISTORY_NAME",
    "MAX_VALUE",
    "HistoryError",
    "goal_units",
    "latest_snapshots",
    "lock_path",
    "read_history",
    "record_snapshot",
    "snapshot_rows",
    "unit_problems",
]

logger = logging.getLogger(__name__)

#: File name of the history beside a run's outputs.
HISTORY_NAME = "history.parquet"
#: Columns of the history, in order. ``unit_id`` is ``""`` on a target's own row.
HISTORY_COLUMNS: tuple[str, ...] = (
    "recipe_id", "bundle", "as_of", "key", "target_id", "kind", "scope", "unit_id", "value",
    "unit", "status", "note", "data_date", "run_checksum", "geoplan_version", "recorded_at",
)
#: Columns a history written by an earlier version may lack (read as empty).
_OPTIONAL: tuple[str, ...] = ("data_date",)
_TEXT = [c for c in HISTORY_COLUMNS if c != "value"]


class HistoryError(GeoplanError, ValueError):
    """A history file that is not a geoplan history (unreadable, or other columns)."""


def _empty() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in HISTORY_COLUMNS})
    frame["value"] = frame["value"].astype(float)
    return frame


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    from geoplan.analyses.evaluate import LEGACY_STATUSES

    out = frame.reindex(columns=list(HISTORY_COLUMNS))
    for column in _TEXT:
        out[column] = out[column].astype(object).where(out[column].notna(), "").astype(str)
    out["status"] = out["status"].replace(LEGACY_STATUSES)
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype(float)
    return out.reset_index(drop=True)


_SHOWN = 5
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _is_date(text: str) -> bool:
    if not _ISO_DATE.match(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _is_time(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


#: Largest magnitude of a value geoplan records (km, %, people per km²...): a larger one is
#: an edit, not a measurement.
MAX_VALUE = 1e12
#: Values of the vocabulary columns that geoplan writes (``status`` is ``""`` on a unit row
#: without its own judgement).
_KINDS: tuple[str, ...] = ("indicator", "statistic")


def _vocabularies() -> dict[str, tuple[str, ...]]:
    from geoplan.analyses.evaluate import LEGACY_STATUSES, STATUSES
    from geoplan.analyses.recipe import SCOPES

    statuses = tuple(dict.fromkeys(("", *STATUSES, *LEGACY_STATUSES)))
    return {"kind": _KINDS, "scope": SCOPES, "status": statuses}


def _type_name(cell: Any) -> str:
    if isinstance(cell, list | tuple | np.ndarray):
        return "list"  # pyarrow reads a list column as arrays
    return type(cell).__name__


def _schema_problems(frame: pd.DataFrame) -> list[str]:
    """Cells of a type geoplan never writes, checked before any row is read.

    Every text column holds text or nulls only; ``value`` holds numbers (or texts, nulls:
    a text is then checked row by row as a number). An empty frame passes. After this check
    every later one runs on a frame of known shape (no list, no bytes, no date object).
    """
    problems: list[str] = []
    for column in HISTORY_COLUMNS:
        cells = frame[column]
        dtype = cells.dtype
        if column == "value":
            if pd.api.types.is_bool_dtype(dtype):
                problems.append("column value: holds true/false, not numbers")
                continue
            if pd.api.types.is_numeric_dtype(dtype):
                continue
            allowed: tuple[type, ...] = (str, int, float, np.integer, np.floating)
            what = "a number"
        else:
            if pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
                continue
            if not pd.api.types.is_object_dtype(dtype):
                if len(cells) and not cells.isna().all():
                    problems.append(f"column {column}: holds {dtype} values, not text")
                continue
            allowed = (str,)
            what = "text"
        for row, cell in enumerate(cells.tolist(), start=1):
            if cell is None or (isinstance(cell, float) and math.isnan(cell)):
                continue
            if isinstance(cell, bool) or not isinstance(cell, allowed):
                problems.append(f"row {row} column {column}: {str(cell)[:40]!r} is a "
                                f"{_type_name(cell)}, not {what}")
                break  # one row per column says enough
    return problems


def _row_problems(frame: pd.DataFrame) -> list[str]:
    """Every cell of a history that geoplan would not have written, as ``row N column C``.

    Rows count from 1 in file order. Checked: no column beyond :data:`HISTORY_COLUMNS`
    (rewriting the file would drop it), every column of the type geoplan writes
    (:func:`_schema_problems`, first: a frame of another shape is refused before any row
    check), ``as_of`` an ISO date, ``recorded_at`` an ISO time, ``value`` a finite number of
    at most :data:`MAX_VALUE` or empty, ``recipe_id`` and ``key`` not empty, ``kind``,
    ``scope`` and ``status`` in the vocabularies geoplan writes.
    """
    problems: list[str] = []
    extra = [str(c) for c in frame.columns if c not in HISTORY_COLUMNS]
    if extra:
        problems.append(f"column(s) {', '.join(extra)} are not history columns "
                        f"({', '.join(HISTORY_COLUMNS)})")
    schema = _schema_problems(frame)
    if schema:
        return problems + schema  # no row check on a frame of another shape
    vocabularies = _vocabularies()
    checks: dict[str, tuple[Any, str]] = {
        "as_of": (_is_date, "not a date YYYY-MM-DD"),
        "recorded_at": (_is_time, "not an ISO time (YYYY-MM-DDTHH:MM:SS+00:00)"),
        "recipe_id": (bool, "empty"),
        "key": (bool, "empty"),
    }
    for column, words in vocabularies.items():
        shown = ", ".join(repr(w) for w in words)
        checks[column] = (lambda v, w=words: v in w, f"not one of {shown}")
    for column, (ok, what) in checks.items():
        cells = frame[column]
        texts = cells.astype(object).where(cells.notna(), "").astype(str)
        verdict = {v: bool(ok(v)) for v in texts.unique()}
        for row, text in enumerate(texts.tolist(), start=1):
            if not verdict[text]:
                problems.append(f"row {row} column {column}: {text[:40]!r} is {what}")
    raw = frame["value"]
    numbers = pd.to_numeric(raw, errors="coerce")
    blank = raw.astype(str).str.strip().str.lower().isin(["", "nan", "none", "<na>"])
    bad = numbers.isna() & raw.notna() & ~blank
    for row in [i + 1 for i, b in enumerate(bad.tolist()) if b]:
        problems.append(f"row {row} column value: {str(raw.iloc[row - 1])[:40]!r} is not a "
                        "number")
    huge = (numbers.abs() > MAX_VALUE).fillna(False).to_numpy(dtype=bool)
    for row in [i + 1 for i, h in enumerate(huge.tolist()) if h]:
        problems.append(f"row {row} column value: {str(raw.iloc[row - 1])[:40]!r} is not a "
                        f"finite number of at most {MAX_VALUE:.0e} in magnitude")
    return problems


def goal_units(recipe: Any) -> dict[str, str]:
    """``{goal.key: goal.unit}`` of a recipe: what :func:`read_history` checks ``unit`` by."""
    return {str(g.key): str(g.unit) for g in recipe.goals}


def unit_problems(history: pd.DataFrame, units: dict[str, str]) -> list[str]:
    """Rows whose ``unit`` is not the unit of their recipe's goal ``units[key]``.

    Parameters
    ----------
    history
        Rows of one recipe (:func:`read_history` with ``recipe_id``).
    units
        The recipe's goal keys and their units (keys not in it are not checked: a target
        since removed from the recipe).

    Returns
    -------
    list of str
        ``row N column unit: ...`` per row (rows count from 1 in this frame), empty when all
        agree.
    """
    problems: list[str] = []
    keys = history["key"].astype(str).tolist()
    found = history["unit"].astype(str).tolist()
    for row, (key, unit) in enumerate(zip(keys, found, strict=True), start=1):
        want = units.get(key)
        if want is not None and unit != want:
            problems.append(f"row {row} column unit: {unit[:40]!r} is not the unit {want!r} "
                            f"of {key} in the recipe")
    return problems


def _id_problem(frame: pd.DataFrame) -> str | None:
    """Rows whose ``unit_id`` would be misread: NULL or a lost NULL such as ``nan`` (read as
    the target's own, city-wide row before), an id not in its one spelling, or a target's own
    row given twice for one snapshot."""
    from geoplan.layers.roles import LOST_NULL_TEXTS, normalise_id

    ids = frame["unit_id"]
    null = ids.isna().to_numpy()
    text = ids.astype(object).where(~null, "").astype(str)
    lost = text.str.strip().str.lower().isin(LOST_NULL_TEXTS).to_numpy()
    odd = np.array([t != "" and normalise_id(t) != t for t in text], dtype=bool) & ~lost
    for bad, what in ((null, "a NULL unit_id"), (lost, "a unit_id that is a lost NULL "
                                                 "text such as 'nan'"),
                      (odd, "a unit_id with surrounding spaces or not in Unicode NFC")):
        if bad.any():
            return f"{int(bad.sum())} row(s) with {what}"
    own = frame[text.to_numpy() == ""]
    twice = own.duplicated(["recipe_id", "as_of", "key", "run_checksum"], keep=False)
    if twice.any():
        keys = ", ".join(sorted(set(own.loc[twice, "key"].astype(str)))[:5])
        return (f"{int(twice.sum())} row(s) give a target's own value twice for one snapshot "
                f"({keys})")
    return None


def _value(x: Any) -> float:
    if x is None:
        return math.nan
    try:
        return float(x)
    except (TypeError, ValueError):
        return math.nan


def snapshot_rows(result: RunResult, *, recorded_at: datetime | None = None) -> pd.DataFrame:
    """The history rows of one run: one per target, plus one per target per unit.

    Parameters
    ----------
    result
        A run's result (``recipe``, ``bundle``, ``as_of``, ``evaluations``, ``provenance``).
    recorded_at
        Time of recording (default: now, UTC).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`, targets and statistics in recipe order; NaN values
        where there is no data (the target row's ``note`` says why).

    Examples
    --------
    >>> rows = snapshot_rows(run_recipe("analyses/hanoi-02-nq-tw.yaml"))  # doctest: +SKIP
    >>> rows.loc[rows["key"] == "hn.rail_km@2030", "value"].item()       # doctest: +SKIP
    21.55...
    """
    from geoplan import __version__

    when = (recorded_at or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
    common = {
        "recipe_id": result.recipe.id, "bundle": result.bundle.name,
        "as_of": result.as_of.isoformat(),
        "run_checksum": str(result.provenance.get("run_checksum") or ""),
        "geoplan_version": __version__, "recorded_at": when,
    }
    rows: list[dict[str, Any]] = []
    for ev in result.evaluations:
        goal = ev.goal
        base = {**common, "key": goal.key, "target_id": goal.id, "kind": ev.kind,
                "scope": goal.scope, "unit": goal.unit, "data_date": ev.data_date}
        rows.append({**base, "unit_id": "", "value": _value(ev.value), "status": ev.status,
                     "note": ev.note})
        if ev.per_unit is None:
            continue
        table = ev.per_unit
        statuses = table["status"] if "status" in table.columns else None
        for i, (unit_id, value) in enumerate(table["value"].items()):
            status = "" if statuses is None else str(statuses.iloc[i])
            rows.append({**base, "unit_id": str(unit_id), "value": _value(value),
                         "status": status, "note": ""})
    if not rows:
        return _empty()
    return _normalise(pd.DataFrame(rows))


def read_history(path: str | os.PathLike[str], *, recipe_id: str | None = None,
                 units: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a history file (an empty history when the file does not exist).

    Parameters
    ----------
    path
        The ``history.parquet`` file.
    recipe_id
        Keep only the rows of this recipe.
    units
        The recipe's goal keys and their units (``{goal.key: goal.unit}``): a row of
        ``recipe_id`` whose ``unit`` differs is refused (a value in metres read as km).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`HISTORY_COLUMNS`, in the order the rows were recorded.

    Raises
    ------
    HistoryError
        If the file is not Parquet, lacks history columns, has others, or holds a cell
        geoplan would not write (a date that is not ISO, a text for a value): the message
        names the file, the rows and columns, and the fix.

    Examples
    --------
    >>> read_history("maps/hanoi-02-nq-tw/history.parquet").columns[0]  # doctest: +SKIP
    'recipe_id'
    """
    frame = _read_rows(path, recipe_id=recipe_id, units=units)
    if recipe_id is not None:
        frame = frame[frame["recipe_id"] == recipe_id].reset_index(drop=True)
    return frame


def _read_rows(path: str | os.PathLike[str], *, recipe_id: str | None = None,
               units: dict[str, str] | None = None) -> pd.DataFrame:
    """Every recipe's rows of a history file, those of ``recipe_id`` checked against
    ``units`` (:func:`read_history` without its filter: a snapshot's writer keeps the other
    recipes' rows and reads the file once)."""
    target = Path(path)
    kind = file_kind(target)
    if kind == "missing":
        return _empty()
    if kind is not None:  # never open a FIFO or a device: reading it would block
        message = (f"{target} is {kind}, not a regular file; the monitoring history must be "
                   "the Parquet file geoplan writes. Move it aside and run again to start a "
                   "new history")
        raise HistoryError(message)
    check_output(target)  # a link or an input of the command is refused
    try:
        frame = pd.read_parquet(target, engine="pyarrow")
    except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
        message = (f"{target}: cannot read the monitoring history ({exc}); it must be the "
                   f"Parquet file geoplan writes. Move it aside (geoplan never rewrites a "
                   f"history it cannot read) and run again to start a new one")
        raise HistoryError(message) from None
    lacking = [c for c in HISTORY_COLUMNS if c not in frame.columns and c not in _OPTIONAL]
    if lacking:
        message = (f"{target}: not a geoplan monitoring history: column(s) "
                   f"{', '.join(lacking)} missing. Move the file aside and run again to "
                   "start a new history")
        raise HistoryError(message)
    for column in _OPTIONAL:  # an older history: the column reads as empty
        if column not in frame.columns:
            frame[column] = ""
    problems = _row_problems(frame)
    if not _schema_problems(frame):  # the id checks need text columns
        problem = _id_problem(frame)
        if problem:
            problems.append(problem)
    if not problems and units is not None and recipe_id is not None:
        mine = frame["recipe_id"].astype(str).to_numpy() == recipe_id
        rows = [i + 1 for i, m in enumerate(mine.tolist()) if m]
        for text in unit_problems(frame[mine], units):
            head, _, rest = text.partition(" column ")
            problems.append(f"row {rows[int(head.split()[1]) - 1]} column {rest}")
    if problems:
        shown = problems[:_SHOWN]
        more = f" (and {len(problems) - _SHOWN} more)" if len(problems) > _SHOWN else ""
        message = (f"{target}: not a geoplan monitoring history (edited by hand?): "
                   f"{'; '.join(shown)}{more}. geoplan writes '' as unit_id only on a target's "
                   "own row and never rewrites a history it cannot trust: restore the file "
                   "from a backup, or move it aside and run again to start a new one")
        raise HistoryError(message)
    return _normalise(frame)


def lock_path(history: str | os.PathLike[str]) -> Path:
    """The lock file of the history ``history`` (``.history.parquet.lock`` beside it).

    Examples
    --------
    >>> lock_path("maps/x/history.parquet").as_posix()
    'maps/x/.history.parquet.lock'
    """
    target = Path(history)
    return target.with_name(f".{target.name}.lock")


def record_snapshot(snapshot: RunResult | pd.DataFrame,
                    path: str | os.PathLike[str]) -> int:
    """Record a run's snapshot in the history at ``path``, replacing that date's snapshot.

    See the module docstring: a recipe has one snapshot per date, so the rows of earlier
    snapshots of the same recipe and ``as_of`` are replaced by these.

    Parameters
    ----------
    snapshot
        A run's result, or rows from :func:`snapshot_rows`.
    path
        The ``history.parquet`` file (created with its folder when absent).

    Returns
    -------
    int
        Rows written: ``0`` when the same snapshot (recipe, date and run checksum) is
        already recorded (nothing changes).

    Raises
    ------
    HistoryError
        If an existing file is not a geoplan history (it is left untouched).
    OutputError
        If the file cannot be written (the previous history is left as it was).

    Examples
    --------
    >>> record_snapshot(run_recipe("analyses/hanoi-02-nq-tw.yaml"), "/tmp/h.parquet")
    ... # doctest: +SKIP
    1212
    """
    rows = snapshot if isinstance(snapshot, pd.DataFrame) else snapshot_rows(snapshot)
    rows = _normalise(rows)
    if rows.empty:
        return 0
    target = Path(path)
    guard: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    if not isinstance(snapshot, pd.DataFrame):
        guard = inputs_protected(snapshot.recipe.path, snapshot.bundle,
                                 statistics=snapshot.recipe.statistics_files)
    recipe = None if isinstance(snapshot, pd.DataFrame) else snapshot.recipe
    with guard, exclusive_lock(lock_path(check_output(target))):
        # every recipe's rows (those of others are kept), read once; a row of this recipe
        # in another unit is refused
        old = _read_rows(target, recipe_id=recipe.id, units=goal_units(recipe)) \
            if recipe is not None else _read_rows(target)
        ident = ["recipe_id", "as_of", "run_checksum"]
        seen = set(map(tuple, old[ident].drop_duplicates().to_numpy().tolist()))
        fresh = ~pd.Series([tuple(r) in seen for r in rows[ident].to_numpy().tolist()],
                           index=rows.index)
        rows = rows[fresh.to_numpy()]
        if rows.empty:
            logger.info("snapshot already in %s: nothing recorded", target)
            return 0
        dates = set(map(tuple, rows[["recipe_id", "as_of"]].drop_duplicates()
                        .to_numpy().tolist()))
        replaced = np.array([tuple(r) in dates for r in
                             old[["recipe_id", "as_of"]].to_numpy().tolist()], dtype=bool)
        if replaced.any():
            logger.info("replacing %d row(s) of the earlier snapshot(s) of %s in %s",
                        int(replaced.sum()), ", ".join(sorted(d for _, d in dates)), target)
        old = old[~replaced]
        both = pd.concat([old, rows], ignore_index=True) if len(old) else rows
        with atomic_path(target) as tmp:
            try:
                both.to_parquet(tmp, engine="pyarrow", index=False)
            except OSError as exc:
                raise output_error(target, exc) from None
    logger.info("recorded %d row(s) in %s", len(rows), target)
    return len(rows)


def latest_snapshots(history: pd.DataFrame) -> pd.DataFrame:
    """The most recently recorded snapshot of each recipe and date.

    When one date has several snapshots (different ``run_checksum``), the one recorded last
    is kept (on equal times, the one appended last).

    Parameters
    ----------
    history
        Rows from :func:`read_history`.

    Returns
    -------
    pandas.DataFrame
        The rows of the kept snapshots, sorted by recipe, date, then recording order.

    Examples
    --------
    >>> h = pd.DataFrame({"recipe_id": ["r"] * 3, "as_of": ["2025-12-31"] * 3,
    ...     "run_checksum": ["a", "b", "b"], "recorded_at": ["t1", "t2", "t2"],
    ...     "value": [1.0, 2.0, 3.0]})
    >>> latest_snapshots(h)["value"].tolist()
    [2.0, 3.0]
    """
    if history.empty:
        return history.copy()
    frame = history.reset_index(drop=True).assign(_order=range(len(history)))
    runs = (frame.groupby(["recipe_id", "as_of", "run_checksum"], sort=False)
            .agg(recorded_at=("recorded_at", "max"), _order=("_order", "max")).reset_index())
    runs = runs.sort_values(["recorded_at", "_order"])
    keep = runs.groupby(["recipe_id", "as_of"], sort=False).tail(1)
    chosen = set(map(tuple, keep[["recipe_id", "as_of", "run_checksum"]].to_numpy().tolist()))
    mask = [tuple(r) in chosen
            for r in frame[["recipe_id", "as_of", "run_checksum"]].to_numpy().tolist()]
    out = frame[mask].sort_values(["recipe_id", "as_of", "_order"])
    return out.drop(columns="_order").reset_index(drop=True)
