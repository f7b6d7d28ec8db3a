"""Monitoring over time: dated snapshots, trajectories against the target path, reports.

Hanoi's plan for implementing the Capital master plan asks for progress checks every month,
quarter and year, a mid-term review and a review of 2026–2030. This package keeps every run's
results as a dated snapshot (:mod:`geoplan.monitor.history`), turns the snapshots into
trajectories judged against the straight path from the baseline to each target
(:mod:`geoplan.monitor.progress`, :mod:`geoplan.monitor.trajectory`), and writes a report
with one chart per target and a progress map (:mod:`geoplan.monitor.charts`,
:mod:`geoplan.monitor.report`). The monitoring run that fills the history at each period end
and writes the report is :func:`geoplan.workflows.monitor_recipe`; its result is a
:class:`MonitorResult`.

>>> from geoplan.monitor import PERIODS, period_ends
>>> from datetime import date
>>> period_ends(date(2025, 1, 1), date(2025, 12, 31), "quarter")[-1]
datetime.date(2025, 12, 31)
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
from geoplan.monitor.result import MonitorResult
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
    "period_ends",
    "progress_frame",
    "progress_status",
    "read_history",
    "record_snapshot",
    "review_table",
    "snapshot_rows",
    "summarise_units",
]
