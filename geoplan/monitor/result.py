"""What a monitoring run computed and wrote (:class:`MonitorResult`).

The result of :func:`geoplan.workflows.monitor.monitor_recipe`, in a module of its own so
that the writers of :mod:`geoplan.monitor.report` read it without importing the run that
made it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from geoplan.analyses.recipe import Recipe
    from geoplan.analyses.scorecard import RunResult
    from geoplan.layers import Bundle
    from geoplan.monitor.trajectory import Trajectory

__all__ = ["MonitorResult"]


@dataclass
class MonitorResult:
    """What a monitoring run computed and wrote.

    Attributes
    ----------
    recipe, bundle
        What was monitored, on what.
    period, start, end
        Reporting period and span (``end`` is the monitoring date of the statuses).
    baseline
        Start of the target paths (``None`` when the recipe's document is undated and no
        baseline was given: each path then starts at the target's first value).
    dates
        Dates evaluated by this run.
    snapshot_dates
        Every date of the history used (this run's and earlier ones up to ``end``).
    history_path, history
        The history file and its rows for this recipe (all snapshots).
    appended
        Rows this run wrote to the history (replacing earlier snapshots of its dates).
    trajectories
        One per target and statistic, in recipe order.
    review_year, review_date, review
        The review (``review_table``) when asked for.
    charts
        PNG bytes by target key (targets with values).
    last
        The run on ``end`` (the progress map draws it), or ``None`` when nothing was run.
    outputs
        File name → path written.
    seconds
        Wall time of the evaluations and of the whole run.
    """

    recipe: Recipe
    bundle: Bundle
    period: str
    start: date
    end: date
    baseline: date | None
    dates: list[date]
    snapshot_dates: list[date]
    history_path: Path
    history: pd.DataFrame
    appended: int
    trajectories: list[Trajectory]
    lang: str = "vi"
    review_year: int | None = None
    review_date: date | None = None
    review: pd.DataFrame | None = None
    charts: dict[str, bytes] = field(default_factory=dict)
    last: RunResult | None = None
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    geoplan_version: str = ""

    def summary(self) -> pd.DataFrame:
        """One row per target: key, value, value date, path value, status, units."""
        rows = []
        for t in self.trajectories:
            p = t.progress
            rows.append({"key": t.key, "value": p.value, "value_date": p.value_date,
                         "baseline_value": p.baseline_value, "path_value": p.path_value,
                         "status": p.status,
                         "units": ", ".join(f"{k}: {v}" for k, v in t.units_count().items())})
        return pd.DataFrame(rows)
