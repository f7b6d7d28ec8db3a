"""Trajectories against the target path: on track, behind, met, no data.

The statuses are the one vocabulary of :mod:`geoplan.analyses.evaluate`; the monitor adds
``on track`` and ``behind`` where a target has a path, and otherwise says what the run says
on the same date (the run's recorded status is passed in, so that ``monitor`` and ``run``
never disagree: a target without data is ``no data`` in both, a value on data older than its
target year ``data older than target`` in both).

Definitions
-----------
Baseline
    The date the plan's path starts from: the recipe's ``baseline`` (``YYYY-MM-DD``), else the
    date of the document it encodes (``geoplan monitor --baseline`` overrides both). The
    *baseline value* is the latest value on or before that date; when there is none (no
    snapshot that early, or no data then) the first later value is used and its date becomes
    the baseline (the note says so).
Target path
    The straight line from (baseline date, baseline value) to (31 December of the target
    year, reference value). The reference is the target's ``value`` for ``>=``, ``>``,
    ``<=``, ``<`` and ``approx``; for a ``range`` the bound the baseline lies beyond (``min``
    from below, ``max`` from above) and ``max`` for an ``open_max`` range (the full target).
Direction
    The sign of ``reference - baseline value``; when they are equal, the comparator's
    (``>=``/``>``: up, ``<=``/``<``: down).
Status at a date (the latest value on or before it, at the value's own date ``d``)
    The run's verdict on that value (``status``, as recorded in the history; else
    :func:`geoplan.analyses.evaluate.judge`, with the rule for old data applied on
    ``data_date``) decides first: ``no data`` without a value on or before the date;
    ``monitoring`` for a target without comparator (values shown, not judged);
    ``data older than target`` when the value's data predate a target year that has begun;
    ``met`` when the value meets the target. A value not (yet) met is then placed against
    the path: ``on track`` when it is at least the path's value at ``d`` in the direction of
    travel (``direction × (value − path(d)) ≥ 0``, within 1e-9 relative) and the target year
    is not over, ``behind`` otherwise. Where there is no path (the date is before the
    baseline, the target has no year, or its year is over) the run's verdict stands
    (``not met`` or ``partly``): a target whose year has passed unmet is ``not met``.
Per unit (targets of scope ``unit`` with a comparator)
    Each unit gets its own status from its own series and baseline; the target is ``met``
    when every unit with data is, ``on track`` when every unit with data is met or on track,
    ``behind`` when any is behind, otherwise as the run summarises units
    (:func:`summarise_units`); ``no data`` when no unit has data. A monitoring target has
    no per-unit statuses.

>>> import datetime as dt
>>> from geoplan.analyses.recipe import Statistic
>>> goal = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
...     "comparator": ">=", "value": 100, "unit": "km", "year": 2030,
...     "source": {"document": "d", "date": "2026", "section": "1"}})
>>> s = pd.Series([20.0, 55.0], index=[dt.date(2026, 1, 1), dt.date(2028, 1, 1)])
>>> progress_status(goal, s, baseline=dt.date(2026, 1, 1)).status
'on track'
"""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from geoplan import _choices
from geoplan.analyses.evaluate import (
    BEHIND,
    JUDGED,
    MET,
    MONITORING,
    NO_DATA,
    NOT_MET,
    ON_TRACK,
    PARTLY,
    STALE,
    STATUSES,
    judge,
    stale_data,
)
from geoplan.errors import GeoplanError

if TYPE_CHECKING:
    from geoplan.analyses.recipe import Goal

__all__ = [
    "BEHIND",
    "MET",
    "MONITORING",
    "NOT_MET",
    "NO_DATA",
    "ON_TRACK",
    "PARTLY",
    "PERIODS",
    "PROGRESS_STATUSES",
    "STALE",
    "MonitorError",
    "Progress",
    "TargetPath",
    "as_series",
    "period_ends",
    "progress_notes",
    "progress_status",
    "reference_value",
    "summarise_units",
    "target_date",
]

logger = logging.getLogger(__name__)

#: Every status the monitor gives: the one vocabulary (:data:`~geoplan.analyses.evaluate.
#: STATUSES`), in display order.
PROGRESS_STATUSES: tuple[str, ...] = STATUSES
#: Reporting periods of ``geoplan monitor --period`` (one list, the CLI's light one).
PERIODS: tuple[str, ...] = _choices.PERIODS

_REL = 1e-9


class MonitorError(GeoplanError, ValueError):
    """Invalid monitoring parameters (period, dates, review year)."""


@dataclass(frozen=True)
class TargetPath:
    """The straight path from the baseline to the target value at the end of the target year.

    Attributes
    ----------
    start, start_value
        Baseline date and value.
    end, end_value
        31 December of the target year and the reference value.
    """

    start: date
    start_value: float
    end: date
    end_value: float

    def value_at(self, when: date) -> float:
        """Value of the path on ``when`` (flat before the start and after the end).

        Examples
        --------
        >>> p = TargetPath(date(2026, 1, 1), 0.0, date(2026, 12, 31), 364.0)
        >>> p.value_at(date(2026, 7, 1)), p.value_at(date(2030, 1, 1))
        (181.0, 364.0)
        """
        span = (self.end - self.start).days
        if span <= 0:
            return self.end_value
        share = min(1.0, max(0.0, (when - self.start).days / span))
        return self.start_value + (self.end_value - self.start_value) * share


@dataclass(frozen=True)
class Progress:
    """Where a target stands against its path on one date.

    Attributes
    ----------
    status
        One of :data:`PROGRESS_STATUSES`.
    value, value_date
        The latest value on or before the date asked, and its date.
    baseline_date, baseline_value
        Start of the path.
    path_value
        The path's value on ``value_date``.
    reference, target_date
        End of the path: the reference value and 31 December of the target year.
    note
        Why there is no status, or how the baseline was chosen (English, for the API, the
        CSV and logs).
    reasons
        The same notes as ``(label key, fields)`` pairs of :data:`geoplan.maps.i18n.LABELS`,
        so that every reader's output says them in its own language
        (:func:`progress_notes`).
    """

    status: str
    value: float | None = None
    value_date: date | None = None
    baseline_date: date | None = None
    baseline_value: float | None = None
    path_value: float | None = None
    reference: float | None = None
    target_date: date | None = None
    note: str = ""
    reasons: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()

    @property
    def path(self) -> TargetPath | None:
        """The target path, when there is one."""
        if None in (self.baseline_date, self.baseline_value, self.reference, self.target_date):
            return None
        return TargetPath(self.baseline_date, self.baseline_value,  # type: ignore[arg-type]
                          self.target_date, self.reference)  # type: ignore[arg-type]

    @property
    def change(self) -> float | None:
        """Value minus baseline value (``None`` without both)."""
        if self.value is None or self.baseline_value is None:
            return None
        return self.value - self.baseline_value

    @property
    def share_done(self) -> float | None:
        """Share (%) of the way from the baseline value to the reference covered."""
        if self.change is None or self.reference is None or self.baseline_value is None:
            return None
        span = self.reference - self.baseline_value
        if span == 0:
            return None
        return 100.0 * self.change / span


def target_date(goal: Goal) -> date | None:
    """31 December of the goal's target year (``None`` without a year).

    Examples
    --------
    >>> from geoplan.analyses.recipe import Statistic
    >>> g = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
    ...     "unit": "%", "year": 2030, "source": {"document": "d", "date": "2026",
    ...     "section": "1"}})
    >>> target_date(g)
    datetime.date(2030, 12, 31)
    """
    return None if goal.year is None else date(goal.year, 12, 31)


def reference_value(goal: Goal, start_value: float) -> float | None:
    """The value the path aims at from ``start_value`` (see the module docstring).

    Examples
    --------
    >>> from geoplan.analyses.recipe import Statistic
    >>> g = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
    ...     "comparator": "range", "min": 60, "max": 70, "unit": "%", "year": 2030,
    ...     "source": {"document": "d", "date": "2026", "section": "1"}})
    >>> reference_value(g, 49.2), reference_value(g, 77.5)
    (60.0, 70.0)
    """
    comp = goal.comparator
    if comp is None:
        return None
    if comp == "range":
        lo, hi = float(goal.min), float(goal.max)  # type: ignore[arg-type]
        if goal.open_max:
            return hi
        return hi if start_value > hi else lo
    return float(goal.value)  # type: ignore[arg-type]


def _direction(goal: Goal, start_value: float, reference: float) -> int:
    if reference > start_value:
        return 1
    if reference < start_value:
        return -1
    return {">=": 1, ">": 1, "<=": -1, "<": -1}.get(str(goal.comparator), 0)


def as_series(values: pd.Series | dict[date, float]) -> pd.Series:
    """Values by date as a float Series indexed by ``datetime.date``, sorted, NaN dropped.

    Examples
    --------
    >>> as_series({date(2025, 12, 31): 2.0, date(2024, 12, 31): float("nan")}).to_dict()
    {datetime.date(2025, 12, 31): 2.0}
    """
    series = values if isinstance(values, pd.Series) else pd.Series(values, dtype=float)
    if series.empty:
        return pd.Series(dtype=float)
    index = [d if isinstance(d, date) else pd.Timestamp(d).date() for d in series.index]
    out = pd.Series(pd.to_numeric(series, errors="coerce").to_numpy(dtype=float), index=index)
    out = out[~out.index.duplicated(keep="last")].dropna()
    return out.sort_index()


def progress_status(
    goal: Goal,
    values: pd.Series | dict[date, float],
    *,
    baseline: date | None,
    at: date | None = None,
    status: str | None = None,
    data_date: str = "",
) -> Progress:
    """Status of ``goal`` on ``at`` from its values over time (see the module docstring).

    Parameters
    ----------
    goal
        A recipe target or statistic (comparator, value/min/max, tolerance, year).
    values
        Values by date (``datetime.date`` index); NaN for dates without data.
    baseline
        Start of the path; ``None`` uses the first value's date.
    at
        Date of the status (default: the last date in ``values``).
    status
        The run's status of the latest value (as recorded in the history); ``None`` judges
        the value here (:func:`geoplan.analyses.evaluate.judge`).
    data_date
        Date of the data of the latest value: a judged value whose data predate a target
        year begun on ``at`` is ``data older than target``.

    Returns
    -------
    Progress

    Examples
    --------
    >>> import datetime as dt
    >>> from geoplan.analyses.recipe import Statistic
    >>> goal = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
    ...     "comparator": "<=", "value": 10, "unit": "%", "year": 2030,
    ...     "source": {"document": "d", "date": "2026", "section": "1"}})
    >>> s = {dt.date(2026, 1, 1): 30.0, dt.date(2028, 1, 1): 25.0}
    >>> p = progress_status(goal, s, baseline=dt.date(2026, 1, 1))
    >>> p.status, round(p.path_value, 2)
    ('behind', 22.0)
    """
    series = as_series(values)
    when = at if at is not None else (series.index[-1] if len(series) else None)
    end = target_date(goal)
    if when is None:
        return Progress(NO_DATA, target_date=end, **_reasons(("progress_no_value", {})))
    known = series[[d <= when for d in series.index]]
    if known.empty:
        return Progress(NO_DATA, target_date=end,
                        **_reasons(("progress_none_before", {"date": str(when)})))
    value, value_date = float(known.iloc[-1]), known.index[-1]
    verdict = status if status else judge(goal, value).status
    if verdict in JUDGED and stale_data(goal, data_date, as_of=when):
        verdict = STALE
    start = baseline if baseline is not None else known.index[0]
    first: tuple[str, dict[str, str]] | None = None
    if when < start:
        return Progress(verdict, value, value_date, start, target_date=end,
                        **_reasons(("progress_before_baseline", {"date": str(start)})))
    before = known[[d <= start for d in known.index]]
    if len(before):
        start_value = float(before.iloc[-1])
    else:
        start, start_value = known.index[0], float(known.iloc[0])
        first = ("progress_first_value", {"date": str(start)})
    if goal.comparator is None or verdict in (MONITORING, NO_DATA):
        # shown, with its change since the baseline, not judged
        return Progress(MONITORING if goal.comparator is None else verdict, value,
                        value_date, start, start_value, **_reasons(first))
    reference = reference_value(goal, start_value)
    path_value = None if reference is None or end is None else \
        TargetPath(start, start_value, end, reference).value_at(value_date)
    if verdict in (MET, STALE):
        stale = ("progress_old_data", {"date": data_date or "?", "year": str(goal.year)}) \
            if verdict == STALE else None
        return Progress(verdict, value, value_date, start, start_value, path_value,
                        reference, end, **_reasons(first, stale))
    if reference is None or end is None:
        return Progress(verdict, value, value_date, start, start_value, None, reference, end,
                        **_reasons(first, ("progress_no_year", {})))
    if when > end:
        return Progress(verdict, value, value_date, start, start_value, path_value, reference,
                        end, **_reasons(first, ("progress_year_over", {"year": str(goal.year)})))
    assert path_value is not None
    direction = _direction(goal, start_value, reference)
    slack = _REL * max(1.0, abs(path_value))
    on_track = direction != 0 and direction * (value - path_value) >= -slack
    return Progress(ON_TRACK if on_track else BEHIND, value, value_date, start, start_value,
                    path_value, reference, end, **_reasons(first))


def _reasons(*parts: tuple[str, dict[str, str]] | None) -> dict[str, Any]:
    """``note`` (English) and ``reasons`` of a :class:`Progress` from label keys and fields."""
    kept = tuple((key, tuple(sorted(fields.items()))) for key, fields in
                 (p for p in parts if p is not None))
    note = "; ".join(_reason_text(reason, "en") for reason in kept)
    return {"note": note, "reasons": kept}


def _reason_text(reason: tuple[str, tuple[tuple[str, str], ...]], lang: str) -> str:
    """One reason of :attr:`Progress.reasons` in words in ``lang``."""
    from geoplan.maps.i18n import label

    key, fields = reason
    return label(key, lang).format(**dict(fields))


def progress_notes(progress: Progress, lang: str) -> list[str]:
    """The notes of a :class:`Progress` in ``lang`` (``"vi"`` or ``"en"``).

    Parameters
    ----------
    progress
        Output of :func:`progress_status`.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    list of str
        One text per note (the English ones joined are ``progress.note``).

    Examples
    --------
    >>> import datetime as dt
    >>> from geoplan.analyses.recipe import Statistic
    >>> goal = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
    ...     "comparator": ">=", "value": 10, "unit": "%", "year": 2030,
    ...     "source": {"document": "d", "date": "2026", "section": "1"}})
    >>> p = progress_status(goal, {dt.date(2027, 1, 1): 5.0}, baseline=dt.date(2026, 1, 1))
    >>> progress_notes(p, "vi")
    ['chưa có giá trị vào ngày gốc; lộ trình bắt đầu từ giá trị đầu tiên (2027-01-01)']
    >>> p.note
    'no value on the baseline date; the path starts from the first value (2027-01-01)'
    """
    return [_reason_text(reason, lang) for reason in progress.reasons]


def summarise_units(statuses: Iterable[str]) -> str:
    """One status from the statuses of the units (see the module docstring).

    Examples
    --------
    >>> summarise_units(["met", "on track", "no data"])
    'on track'
    >>> summarise_units(["met", "behind"])
    'behind'
    >>> summarise_units(["met", "not met"])  # no path (the year is over): as the run says
    'partly'
    """
    known = [s for s in statuses if s not in (NO_DATA, MONITORING)]
    if not known:
        return NO_DATA
    if all(s == MET for s in known):
        return MET
    if any(s in (ON_TRACK, BEHIND) for s in known):
        if all(s in (MET, ON_TRACK) for s in known):
            return ON_TRACK
        return BEHIND
    if any(s == STALE for s in known):
        return STALE
    if not any(s in (MET, PARTLY) for s in known):
        return NOT_MET
    return PARTLY


def period_ends(start: date, end: date, period: str) -> list[date]:
    """Last days of the months, quarters or years that end between ``start`` and ``end``.

    Parameters
    ----------
    start, end
        The interval (inclusive).
    period
        ``"month"``, ``"quarter"`` or ``"year"``.

    Returns
    -------
    list of datetime.date

    Raises
    ------
    MonitorError
        For an unknown period.

    Examples
    --------
    >>> period_ends(date(2025, 2, 10), date(2025, 9, 30), "quarter")
    [datetime.date(2025, 3, 31), datetime.date(2025, 6, 30), datetime.date(2025, 9, 30)]
    """
    if period not in PERIODS:
        message = f"unknown period {period!r}; use one of {', '.join(PERIODS)} (--period)"
        raise MonitorError(message)
    step = {"month": 1, "quarter": 3, "year": 12}[period]
    out: list[date] = []
    year, month = start.year, start.month
    month = ((month - 1) // step + 1) * step  # the first period end at or after start
    while True:
        if month > 12:
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        last = date(year, month, calendar.monthrange(year, month)[1])
        if last > end:
            return out
        if last >= start:
            out.append(last)
        month += step

