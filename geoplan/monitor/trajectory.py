"""Trajectories of a recipe's targets, read from the monitoring history.

:func:`build_trajectories` turns the history rows of one recipe (the latest snapshot of each
date, see :func:`geoplan.monitor.history.latest_snapshots`) into one :class:`Trajectory` per
target and statistic of the recipe: its values by date, its :class:`Progress` on the
monitoring date and, for targets of scope ``unit``, the status of every unit.
:func:`review_table` summarises the change since the baseline (mid-term and end-of-period
reviews); :func:`progress_frame` is what the map's progress layers draw.

>>> from geoplan.monitor.history import read_history
>>> trajs = build_trajectories(load_recipe("analyses/hanoi-02-nq-tw.yaml"),
...     read_history("maps/hanoi-02-nq-tw/history.parquet"), at=date(2026, 11, 25))
... # doctest: +SKIP
>>> trajs[0].progress.status  # doctest: +SKIP
'behind'
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd

from geoplan.analyses.recipe import Goal, Recipe, Statistic
from geoplan.analyses.wording import describe_goal
from geoplan.monitor.history import latest_snapshots
from geoplan.monitor.progress import (
    NO_DATA,
    Progress,
    progress_status,
    summarise_units,
)

__all__ = [
    "PROGRESS_FRAME_COLUMNS",
    "REVIEW_COLUMNS",
    "Trajectory",
    "build_trajectories",
    "progress_frame",
    "review_table",
]

logger = logging.getLogger(__name__)

#: Columns of :func:`progress_frame` (``unit_id`` empty on a target's own row).
PROGRESS_FRAME_COLUMNS: tuple[str, ...] = (
    "key", "title", "scope", "unit_id", "status", "value", "value_date", "path_value",
    "baseline_value", "baseline_date", "target", "unit", "year", "source",
)
#: Columns of :func:`review_table`.
REVIEW_COLUMNS: tuple[str, ...] = (
    "key", "title", "kind", "unit", "target", "year", "baseline_date", "baseline_value",
    "review_date", "value_date", "value", "change", "share_done", "path_value", "status",
    "units", "note",
)


@dataclass
class Trajectory:
    """One target's values over time and where it stands.

    Attributes
    ----------
    goal
        The recipe target or statistic.
    values
        Its values by date (``datetime.date`` index; NaN where a snapshot had no data).
    progress
        Status on the monitoring date (see :mod:`geoplan.monitor.progress`).
    unit_values
        For targets with values per unit: dates × ``unit_id``; else ``None``.
    unit_progress
        For targets of scope ``unit``: per ``unit_id``, ``status``, ``value``,
        ``value_date``, ``baseline_value``, ``path_value``; else ``None``.
    statuses
        The run's status (met, not met, ...) by date, as recorded.
    note
        The run's note on the latest date (e.g. which layer is missing).
    data_date
        The date of the data of the latest value (as recorded by the run).
    """

    goal: Goal
    values: pd.Series
    progress: Progress
    unit_values: pd.DataFrame | None = None
    unit_progress: pd.DataFrame | None = None
    statuses: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    note: str = ""
    data_date: str = ""

    @property
    def key(self) -> str:
        """The target's key (``id``, ``/scope``, ``@year``)."""
        return self.goal.key

    @property
    def kind(self) -> str:
        """``"indicator"`` or ``"statistic"``."""
        return "statistic" if isinstance(self.goal, Statistic) else "indicator"

    @property
    def status(self) -> str:
        """The progress status on the monitoring date (per-unit summary for scope unit)."""
        return self.progress.status

    def units_count(self) -> dict[str, int]:
        """Units per progress status (empty unless the scope is ``unit``)."""
        if self.unit_progress is None:
            return {}
        counts = self.unit_progress["status"].value_counts()
        return {str(k): int(v) for k, v in counts.items()}


def _dates(values: pd.Series) -> list[date]:
    return [date.fromisoformat(str(v)) for v in values]


def build_trajectories(
    recipe: Recipe,
    history: pd.DataFrame,
    *,
    at: date,
    baseline: date | None = None,
) -> list[Trajectory]:
    """One trajectory per target and statistic of ``recipe``, in recipe order.

    Parameters
    ----------
    recipe
        The recipe (its targets define the paths; history rows of other keys are ignored).
    history
        History rows (:func:`geoplan.monitor.history.read_history`); other recipes' rows are
        ignored, and each date's most recently recorded snapshot is used.
    at
        Monitoring date: values after it are left out, statuses are computed on it.
    baseline
        Start of the paths (default: :attr:`Recipe.baseline_date`).

    Returns
    -------
    list of Trajectory

    Examples
    --------
    >>> build_trajectories(recipe, history, at=date(2026, 11, 25))[0].key  # doctest: +SKIP
    'hn.rail_km@2030'
    """
    start = baseline if baseline is not None else recipe.baseline_date
    rows = latest_snapshots(history[history["recipe_id"] == recipe.id])
    if len(rows):
        rows = rows[[d <= at for d in _dates(rows["as_of"])]]
    by_key = {key: part for key, part in rows.groupby("key", sort=False)} if len(rows) else {}
    out: list[Trajectory] = []
    for goal in recipe.goals:
        part = by_key.get(goal.key)
        if part is None or part.empty:
            progress = progress_status(goal, pd.Series(dtype=float), baseline=start, at=at)
            out.append(Trajectory(goal, pd.Series(dtype=float), progress))
            continue
        own = part[part["unit_id"] == ""].drop_duplicates("as_of", keep="last")
        values = pd.Series(own["value"].to_numpy(dtype=float), index=_dates(own["as_of"]))
        statuses = pd.Series(own["status"].to_numpy(), index=values.index)
        dated = pd.Series(own["data_date"].to_numpy(), index=values.index)
        note = str(own["note"].iloc[-1]) if len(own) else ""
        status, data_date = _recorded(values, statuses, dated)
        progress = progress_status(goal, values, baseline=start, at=at, status=status,
                                   data_date=data_date)
        per_unit = part[part["unit_id"] != ""]
        unit_values = None
        unit_progress = None
        if len(per_unit):
            unit_values = per_unit.pivot_table(index="as_of", columns="unit_id", values="value",
                                               aggfunc="last", dropna=False, sort=False)
            unit_values.index = _dates(pd.Series(unit_values.index))
            unit_values = unit_values.sort_index()
            order = list(dict.fromkeys(per_unit["unit_id"]))
            unit_values = unit_values.reindex(columns=order)
        if unit_values is not None and goal.scope == "unit" and goal.comparator is not None:
            unit_statuses = (per_unit.groupby(["as_of", "unit_id"], sort=False)["status"]
                             .last().unstack())
            unit_statuses.index = _dates(pd.Series(unit_statuses.index))
            records = []
            for unit_id in unit_values.columns:
                own_status = unit_statuses[unit_id] if unit_id in unit_statuses.columns \
                    else pd.Series(dtype=object)
                recorded, _ = _recorded(unit_values[unit_id], own_status, dated)
                p = progress_status(goal, unit_values[unit_id], baseline=start, at=at,
                                    status=recorded, data_date=data_date)
                records.append({"unit_id": unit_id, "status": p.status, "value": p.value,
                                "value_date": p.value_date, "baseline_date": p.baseline_date,
                                "baseline_value": p.baseline_value,
                                "path_value": p.path_value})
            unit_progress = pd.DataFrame(records).set_index("unit_id")
            summary = summarise_units(unit_progress["status"])
            progress = replace(progress, status=summary)
        out.append(Trajectory(goal, values, progress, unit_values, unit_progress, statuses,
                              note, data_date))
    return out


def _recorded(values: pd.Series, statuses: pd.Series,
              dated: pd.Series) -> tuple[str | None, str]:
    """The run's status and data date of the latest value (``None``, ``""`` without one)."""
    known = values.dropna()
    if known.empty:
        return None, ""
    when = known.index[-1]
    status = statuses.get(when) if len(statuses) else None
    data_date = dated.get(when) if len(dated) else None
    return (str(status) if status else None), ("" if data_date is None else str(data_date))


def _num(x: Any) -> float:
    if x is None or x is pd.NA:
        return math.nan
    return float(x)


def review_table(trajectories: list[Trajectory], *, at: date, lang: str = "vi") -> pd.DataFrame:
    """Change since the baseline for every target, on the review date ``at``.

    Parameters
    ----------
    trajectories
        From :func:`build_trajectories` computed on ``at``.
    at
        The review date (e.g. 31 December of the mid-term year, or the last date with data).
    lang
        Language of the titles.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REVIEW_COLUMNS`: ``change`` = value − baseline value; ``share_done``
        = change ÷ (reference − baseline value) in %; ``units`` = per-unit status counts.

    Examples
    --------
    >>> review_table(trajs, at=date(2026, 11, 25)).loc[0, "change"]  # doctest: +SKIP
    0.0
    """
    rows: list[dict[str, Any]] = []
    for t in trajectories:
        p = t.progress
        counts = t.units_count()
        rows.append({
            "key": t.key, "title": t.goal.title.get(lang), "kind": t.kind,
            "unit": t.goal.unit, "target": describe_goal(t.goal, lang),
            "year": t.goal.year if t.goal.year is not None else pd.NA,
            "baseline_date": _iso(p.baseline_date),
            "baseline_value": _num(p.baseline_value), "review_date": at.isoformat(),
            "value_date": _iso(p.value_date),
            "value": _num(p.value), "change": _num(p.change), "share_done": _num(p.share_done),
            "path_value": _num(p.path_value), "status": p.status,
            "units": ", ".join(f"{k}: {v}" for k, v in counts.items()),
            "note": "; ".join(filter(None, [p.note, t.note])),
        })
    frame = pd.DataFrame(rows, columns=list(REVIEW_COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    return frame


def progress_frame(trajectories: list[Trajectory], *, lang: str = "vi") -> pd.DataFrame:
    """What the map's progress layers draw: one row per judged target, plus its units.

    Targets without comparator (``monitoring``, or ``no data`` without values) are left out;
    targets of scope ``unit`` add one row per unit with the unit's own status.

    Parameters
    ----------
    trajectories
        From :func:`build_trajectories`.
    lang
        Language of the titles.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PROGRESS_FRAME_COLUMNS`.

    Examples
    --------
    >>> progress_frame(trajs)["status"].tolist()  # doctest: +SKIP
    ['behind']
    """
    rows: list[dict[str, Any]] = []
    for t in trajectories:
        if t.goal.comparator is None or t.kind == "statistic":
            continue
        p = t.progress
        base = {"key": t.key, "title": t.goal.title.get(lang), "scope": t.goal.scope,
                "target": describe_goal(t.goal, lang), "unit": t.goal.unit,
                "year": "" if t.goal.year is None else str(t.goal.year),
                "source": t.goal.source.cite()}
        rows.append({**base, "unit_id": "", "status": p.status, "value": _num(p.value),
                     "value_date": _iso(p.value_date), "path_value": _num(p.path_value),
                     "baseline_value": _num(p.baseline_value),
                     "baseline_date": _iso(p.baseline_date)})
        if t.unit_progress is None:
            continue
        for unit_id, u in t.unit_progress.iterrows():
            rows.append({**base, "unit_id": str(unit_id), "status": str(u["status"] or NO_DATA),
                         "value": _num(u["value"]), "value_date": _iso(u["value_date"]),
                         "path_value": _num(u["path_value"]),
                         "baseline_value": _num(u["baseline_value"]),
                         "baseline_date": _iso(u["baseline_date"])})
    return pd.DataFrame(rows, columns=list(PROGRESS_FRAME_COLUMNS))


def _iso(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else ""
