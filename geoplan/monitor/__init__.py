"""Monitoring over time: dated snapshots, trajectories against the target path, reports.

Hanoi's plan for implementing the Capital master plan asks for progress checks every month,
quarter and year, a mid-term review and a review of 2026–2030. This package keeps every run's
results as a dated snapshot (:mod:`geoplan.monitor.history`), turns the snapshots into
trajectories judged against the straight path from the baseline to each target
(:mod:`geoplan.monitor.progress`, :mod:`geoplan.monitor.trajectory`), and writes a report
with one chart per target and a progress map (:mod:`geoplan.monitor.charts`,
:mod:`geoplan.monitor.report`, :mod:`geoplan.monitor.pipeline`).

>>> from geoplan.monitor import monitor_recipe
>>> r = monitor_recipe("analyses/hanoi-02-nq-tw.yaml", period="year")  # doctest: +SKIP
>>> sorted(r.outputs)[-1]  # doctest: +SKIP
'report.md'
"""

from geoplan.monitor.history import (
    HISTORY_COLUMNS,
    HISTORY_NAME,
    HistoryError,
    latest_snapshots,
    read_history,
    record_snapshot,
    snapshot_rows,
)
from geoplan.monitor.pipeline import MONITOR_DIR, MonitorResult, monitor_dates, monitor_recipe
from geoplan.monitor.progress import (
    BEHIND,
    MET,
    MONITORING,
    NO_DATA,
    NOT_MET,
    ON_TRACK,
    PARTLY,
    PERIODS,
    PROGRESS_STATUSES,
    STALE,
    MonitorError,
    Progress,
    TargetPath,
    period_ends,
    progress_status,
    summarise_units,
)
from geoplan.monitor.trajectory import (
    Trajectory,
    build_trajectories,
    progress_frame,
    review_table,
)

__all__ = [
    "BEHIND",
    "HISTORY_COLUMNS",
    "HISTORY_NAME",
    "MET",
    "MONITORING",
    "MONITOR_DIR",
    "NOT_MET",
    "NO_DATA",
    "ON_TRACK",
    "PARTLY",
    "PERIODS",
    "PROGRESS_STATUSES",
    "STALE",
    "HistoryError",
    "MonitorError",
    "MonitorResult",
    "Progress",
    "TargetPath",
    "Trajectory",
    "build_trajectories",
    "latest_snapshots",
    "monitor_dates",
    "monitor_recipe",
    "period_ends",
    "progress_frame",
    "progress_status",
    "read_history",
    "record_snapshot",
    "review_table",
    "snapshot_rows",
    "summarise_units",
]
