"""Judge indicator values against recipe targets: one status vocabulary, one evaluation.

Every output (the scorecard CSV and Markdown, the GeoPackage, the map, the monitoring history
and report, the CLI and the API's :attr:`TargetEvaluation.status`) shows the status this
module gives, with the labels of :data:`STATUS_LABELS` (:func:`status_label`); none derives
its own.

Statuses
--------
``met``
    The value satisfies the comparator (within ``1e-9`` relative rounding).
``partly``
    Two precise cases: (a) a ``range`` target with ``open_max`` (the ``"16 – ≥24%"`` form of
    the urban-classification standards) whose value reached the minimum ``min`` but not the
    full target ``max``; (b) a target of scope ``unit`` where some units with data are met (or
    partly met) and others are not.
``not met``
    It does not.
``on track``, ``behind``
    Given only by the monitor (:mod:`geoplan.monitor.progress`), where a target has a
    trajectory: a value not (yet) met that is level with, or short of, the straight path from
    the baseline to the target at the end of its year.
``data older than target``
    The value rests on data dated before the target year, and the target year has begun on
    the evaluation date (see *Time* below): the data cannot show whether the target was met.
    The value, its data date and the gap are still reported, as information.
``monitoring``
    A target with no comparator (the text sets no number): the value is shown, not judged,
    and a target of scope ``unit`` has no per-unit verdicts (no "0 of 126 units met").
``no data``
    No value: the indicator returned "no data" (the note names the missing layer), the value
    is NaN, or a statistic has no ``reported`` value yet. This holds for monitoring targets
    too: without a value there is nothing to monitor.

Gap
---
``gap = reference - value`` in the target's unit, where the reference is ``value`` for
``>=``, ``>``, ``<=``, ``<`` and ``approx``; for a closed ``range`` it is the nearest bound
when the value lies outside (``min`` below, ``max`` above) and the gap is ``0`` inside; for an
``open_max`` range it is ``max`` (the full target). Positive = the value falls short of the
reference; negative = the value exceeds it (a surplus for ``>=``, an excess for ``<=``).
Scope ``unit`` has no single gap (``None``); per-unit gaps are in the per-unit table.

Coverage
--------
A value that rests on part of its scope only (a unit partly outside a layer's covered extent,
units outside it left out: see :func:`geoplan.analyses._population.layer_coverage`) is judged
as it is and flagged: :attr:`TargetEvaluation.coverage` is the share of the scope's
population (or area) it rests on, :attr:`TargetEvaluation.is_partial` is True below 1, and
the note says so (``partial coverage: the value rests on 69.5 % of the population``).
Outputs mark such a value with :data:`geoplan.maps.i18n.PARTIAL_MARK` (◐).

Time: the rule for old data
---------------------------
Every value carries the date of the data it rests on (:attr:`TargetEvaluation.data_date`):
a statistic's ``reported.date``; for an indicator, the earliest date of the manifest
statistics it read, else of the bundle layers it read, each layer dated by the latest date
its manifest ``date`` names (a value is as old as its oldest input, a layer as recent as its
latest source; see :func:`value_data_date`). Its *data year* is that date's year.

**Data dated before the target year cannot show that year's outcome.** So once the target
year has begun on the evaluation date (``as_of`` on or after 1 January of ``year``: the year
is under way or over, :attr:`TargetEvaluation.past_due`), a value whose data year is
earlier than ``year`` is not judged ``met`` or ``not met``: its status is
``data older than target``, shown with the data date
(``data older than target (2019-04-01)``) and marked
:data:`geoplan.maps.i18n.OLD_DATA_MARK` (⏱); the gap is kept as information. Before the
target year begins, the status says where the target stands *now* (``met`` already,
``not met`` yet), whatever the data's date: the monitor turns a ``not met`` into
``on track`` or ``behind``. A target without a year, a value without a dated source, and
data of the target year or later are judged as usual. Examples: Hải Phòng's 2025
urbanisation rate evaluated in 2026 on the 2019 census is
``data older than target (2019-04-01)``; a 2019 target on 2019 data is ``met`` or
``not met``.

>>> from geoplan.analyses.recipe import Statistic
>>> goal = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
...     "comparator": ">=", "value": 10, "unit": "m2", "year": 2030,
...     "source": {"document": "d", "date": "2026", "section": "II"}})
>>> judge(goal, 7.5)
Judgement(status='not met', gap=2.5)
>>> stale_data(goal, "2019-04-01", as_of=date(2031, 1, 1))
True
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd

from geoplan.analyses.recipe import Goal, Statistic, Target

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from geoplan.analyses.result import IndicatorResult
    from geoplan.layers.bundle import Bundle

__all__ = [
    "BEHIND",
    "JUDGED",
    "LEGACY_STATUSES",
    "MET",
    "MONITORING",
    "NOT_MET",
    "NO_DATA",
    "ON_TRACK",
    "PARTLY",
    "STALE",
    "STATUSES",
    "STATUS_LABELS",
    "Judgement",
    "TargetEvaluation",
    "data_year",
    "evaluate_statistic",
    "evaluate_target",
    "judge",
    "judge_units",
    "stale_data",
    "status_label",
    "value_data_date",
]

logger = logging.getLogger(__name__)

MET = "met"
PARTLY = "partly"
NOT_MET = "not met"
ON_TRACK = "on track"
BEHIND = "behind"
STALE = "data older than target"
MONITORING = "monitoring"
NO_DATA = "no data"
#: Every status, in display order (``on track``/``behind`` only from the monitor).
STATUSES: tuple[str, ...] = (MET, PARTLY, ON_TRACK, NOT_MET, BEHIND, STALE, MONITORING,
                             NO_DATA)
#: The statuses that are a verdict on the value against the target.
JUDGED: tuple[str, ...] = (MET, PARTLY, NOT_MET)
#: Words of earlier geoplan versions, as found in old monitoring histories → today's word.
LEGACY_STATUSES: dict[str, str] = {"reported": MONITORING, "achieved": MET}
#: Status labels per language.
STATUS_LABELS: dict[str, dict[str, str]] = {
    "en": {MET: "met", PARTLY: "partly", ON_TRACK: "on track", NOT_MET: "not met",
           BEHIND: "behind", STALE: "data older than target", MONITORING: "monitoring",
           NO_DATA: "no data"},
    "vi": {MET: "đạt", PARTLY: "đạt một phần", ON_TRACK: "đúng tiến độ", NOT_MET: "chưa đạt",
           BEHIND: "chậm tiến độ", STALE: "dữ liệu cũ hơn năm mục tiêu",
           MONITORING: "theo dõi", NO_DATA: "không có dữ liệu"},
}
_REL = 1e-9
_YEAR = re.compile(r"(?<![0-9])(19[0-9]{2}|2[0-2][0-9]{2})(?![0-9]|s\b)")
_DATE_TOKEN = re.compile(
    r"(?<![0-9])(?:19[0-9]{2}|2[0-2][0-9]{2})(?:-[01][0-9](?:-[0-3][0-9])?)?(?![0-9]|s\b)")


def status_label(status: str, lang: str, *, data_date: str = "") -> str:
    """The label of ``status`` in ``lang``; ``data older than target`` with its data date.

    Parameters
    ----------
    status
        One of :data:`STATUSES` (a word of :data:`LEGACY_STATUSES` reads as today's word).
    lang
        ``"vi"`` or ``"en"``.
    data_date
        The date of the data (shown with :data:`STALE` only).

    Returns
    -------
    str

    Examples
    --------
    >>> status_label("data older than target", "en", data_date="2019-04-01")
    'data older than target (2019-04-01)'
    >>> status_label("monitoring", "vi")
    'theo dõi'
    """
    word = LEGACY_STATUSES.get(status, status)
    labels = STATUS_LABELS.get(lang, STATUS_LABELS["en"])
    text = labels.get(word, word)
    if word == STALE and data_date:
        text += f" ({data_date})"
    return text


def data_year(text: str | None) -> int | None:
    """The earliest year (1900–2299) a data date names, or ``None`` (see the module doc).

    Examples
    --------
    >>> data_year("2019-04-01"), data_year("units of 2025-07-01; population 2019-04-01")
    (2019, 2019)
    >>> data_year("WDBII (1980s digitisation)"), data_year("n.d.")
    (None, None)
    """
    years = [int(y) for y in _YEAR.findall(str(text or ""))]
    return min(years) if years else None


def stale_data(goal: Goal, data_date: str | None, *, as_of: date | None) -> bool:
    """True when a value dated ``data_date`` cannot show the outcome of ``goal``'s year.

    That is: the goal has a year, the year has begun on ``as_of``, and the data year
    (:func:`data_year`) is earlier than it (the rule of the module docstring).

    Examples
    --------
    >>> from geoplan.analyses.recipe import Statistic
    >>> g = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
    ...     "comparator": ">=", "value": 1, "unit": "%", "year": 2025,
    ...     "source": {"document": "d", "date": "2023", "section": "1"}})
    >>> stale_data(g, "2019-04-01", as_of=date(2026, 1, 1))
    True
    >>> stale_data(g, "2019-04-01", as_of=date(2024, 12, 31))  # 2025 not begun: judged now
    False
    >>> stale_data(g, "2025", as_of=date(2026, 1, 1))
    False
    """
    year = data_year(data_date)
    if goal.year is None or as_of is None or year is None:
        return False
    return as_of >= date(goal.year, 1, 1) and year < goal.year


@dataclass(frozen=True)
class Judgement:
    """Status of one value against one goal, and its gap (``None`` when not applicable)."""

    status: str
    gap: float | None


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def judge(goal: Goal, value: float | None) -> Judgement:
    """Judge ``value`` against ``goal`` (see the module docstring for the rules).

    The data date is not known here: :func:`evaluate_target` and :func:`evaluate_statistic`
    apply the rule for old data on top.

    Parameters
    ----------
    goal
        A recipe target or statistic.
    value
        The measured (or reported) value in the goal's unit; ``None``/NaN for no data.

    Returns
    -------
    Judgement
        ``no data`` without a value (whatever the comparator), ``monitoring`` for a value of a
        goal without comparator, else ``met``/``partly``/``not met`` and the gap.

    Examples
    --------
    >>> from geoplan.analyses.recipe import Statistic
    >>> g = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
    ...     "comparator": "range", "min": 60, "max": 70, "unit": "%", "year": 2025,
    ...     "source": {"document": "d", "date": "2023", "section": "II.2"}})
    >>> judge(g, 49.2)
    Judgement(status='not met', gap=10.8)
    """
    comp = goal.comparator
    if _missing(value):
        return Judgement(NO_DATA, None)
    if comp is None:
        return Judgement(MONITORING, None)
    v = float(value)  # type: ignore[arg-type]

    def eps(ref: float) -> float:
        return _REL * max(1.0, abs(ref))

    if comp == "range":
        lo, hi = float(goal.min), float(goal.max)  # type: ignore[arg-type]
        if goal.open_max:
            gap = _clean(hi - v)
            if v >= hi - eps(hi):
                return Judgement(MET, gap)
            return Judgement(PARTLY if v >= lo - eps(lo) else NOT_MET, gap)
        if v < lo - eps(lo):
            return Judgement(NOT_MET, _clean(lo - v))
        if v > hi + eps(hi):
            return Judgement(NOT_MET, _clean(hi - v))
        return Judgement(MET, 0.0)
    ref = float(goal.value)  # type: ignore[arg-type]
    gap = _clean(ref - v)
    met = {
        ">=": v >= ref - eps(ref),
        ">": v > ref + eps(ref),
        "<=": v <= ref + eps(ref),
        "<": v < ref - eps(ref),
        "approx": abs(v - ref) <= goal.tolerance_abs + eps(ref),
    }[comp]
    return Judgement(MET if met else NOT_MET, gap)


def _clean(x: float) -> float:
    """Round away float noise so that scorecards are stable (12 significant digits)."""
    return 0.0 if x == 0 else float(f"{x:.12g}")


def judge_units(goal: Goal, values: pd.Series) -> tuple[pd.DataFrame, Judgement, int, int]:
    """Judge every unit and summarise.

    Parameters
    ----------
    goal
        The target (scope ``unit``) with a comparator (a monitoring target has no per-unit
        verdicts: :func:`evaluate_target` does not call this for it).
    values
        Values per unit (index ``unit_id``); NaN where a unit has no value.

    Returns
    -------
    table, summary, met, evaluated
        ``table`` has columns ``value``, ``status``, ``gap`` per unit; ``summary`` is ``met``
        when every unit with data is met, ``not met`` when none is met or partly met,
        ``partly`` otherwise, ``no data`` when no unit has a value; ``met`` and ``evaluated``
        count the units met and the units with a value.
    """
    rows = [judge(goal, None if _missing(v) else float(v)) for v in values.tolist()]
    table = pd.DataFrame(
        {"value": values.astype(float).to_numpy(),
         "status": [r.status for r in rows],
         "gap": [math.nan if r.gap is None else r.gap for r in rows]},
        index=values.index,
    )
    with_data = table[table["status"] != NO_DATA]
    n = len(with_data)
    n_met = int((with_data["status"] == MET).sum())
    n_partly = int((with_data["status"] == PARTLY).sum())
    if goal.comparator is None:
        summary = Judgement(MONITORING if n else NO_DATA, None)
    elif n == 0:
        summary = Judgement(NO_DATA, None)
    elif n_met == n:
        summary = Judgement(MET, None)
    elif n_met + n_partly == 0:
        summary = Judgement(NOT_MET, None)
    else:
        summary = Judgement(PARTLY, None)
    return table, summary, n_met, n


@dataclass
class TargetEvaluation:
    """The evaluation of one target or statistic.

    Attributes
    ----------
    goal
        The recipe target or statistic.
    status
        One of :data:`STATUSES` (never ``on track``/``behind``: those come from the monitor).
    value
        The value compared (city/inner value; for scope ``unit`` the city-wide value, shown
        for context); ``None`` without data.
    gap
        See the module docstring; ``None`` when not applicable. Kept, as information, when
        the status is ``data older than target``.
    method
        How the value was obtained (indicator method, or who reported it).
    note
        Why there is no data (naming the missing layer), estimate flags, old data, etc.
    per_unit
        Per-unit ``value`` (and for scope ``unit`` with a comparator also ``status`` and
        ``gap``), or ``None``.
    units_met, units_evaluated
        For scope ``unit`` with a comparator: units met and units with a value (``None`` for
        a monitoring target: it has no per-unit verdicts).
    as_of
        Date of the evaluation.
    coverage
        Share (0–1) of the scope's ``coverage_basis`` that ``value`` rests on (the city's
        for scopes ``city`` and ``unit``, the inner city's for ``inner``); ``None`` when the
        indicator does not assess coverage or there is no value. ``per_unit`` then has a
        ``coverage`` column (share per unit).
    coverage_basis
        ``"population"`` or ``"area"``.
    coverage_roles
        The layers whose extents set the coverage.
    data_date
        The date of the data the value rests on, as cited (``"2019-04-01"``, a manifest
        layer's wording); ``""`` when unknown (see :func:`value_data_date`).
    missing_roles
        For ``no data`` from a missing layer: the roles missing (``note`` says why, with the
        command that fills them; readers' outputs name the layers only,
        :func:`geoplan.maps.i18n.reader_notes`).
    estimate
        The indicator marked its value as an estimate (see ``method``).
    reported_note
        The note of the statistics-file row the value came from (data text, as given).
    """

    goal: Goal
    status: str
    value: float | None
    gap: float | None
    method: str = ""
    note: str = ""
    per_unit: pd.DataFrame | None = None
    units_met: int | None = None
    units_evaluated: int | None = None
    as_of: date | None = None
    coverage: float | None = None
    coverage_basis: str = ""
    coverage_roles: tuple[str, ...] = ()
    data_date: str = ""
    missing_roles: tuple[str, ...] = ()
    estimate: bool = False
    reported_note: str = ""

    @property
    def is_partial(self) -> bool:
        """True when the value rests on less than its whole scope (see :attr:`coverage`)."""
        return self.coverage is not None and self.coverage < 1.0

    @property
    def is_stale(self) -> bool:
        """True when the value rests on data older than the target year (status ``STALE``)."""
        return self.status == STALE

    @property
    def kind(self) -> str:
        """``"indicator"`` for targets, ``"statistic"`` for reported statistics."""
        return "statistic" if isinstance(self.goal, Statistic) else "indicator"

    @property
    def past_due(self) -> bool:
        """True when the evaluation date is after the end of the target year.

        A past-due target is judged like any other whose year has begun: on data of its year
        or later, else ``data older than target`` (the module's rule for old data).
        """
        if self.goal.year is None or self.as_of is None:
            return False
        return self.as_of > date(self.goal.year, 12, 31)

    def to_geodataframe(self, units: Bundle | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The administrative units with this evaluation's per-unit table.

        Joined on ``unit_id`` (the index of ``admin_units`` and of :attr:`per_unit`): the
        ``value`` per unit, and for a target of scope ``unit`` its ``status`` (``"no data"``
        where a unit has no value) and ``gap``; ``coverage`` when assessed.

        Parameters
        ----------
        units
            The bundle the target was evaluated on, or its ``admin_units``.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per unit, indexed by ``unit_id``; ``attrs`` records ``key``,
            ``status`` (the target's) and ``unit``.

        Raises
        ------
        ResultError
            If the evaluation has no per-unit values (a statistic, a city-wide indicator,
            no data: the message gives the note), or ``units`` do not hold its units.

        Examples
        --------
        >>> from geoplan.workflows.run import run_recipe                       # doctest: +SKIP
        >>> result = run_recipe("analyses/hanoi-02-nq-tw.yaml", out=None)     # doctest: +SKIP
        >>> ev = next(e for e in result.evaluations if e.units_evaluated)     # doctest: +SKIP
        >>> ev.to_geodataframe(result.bundle)["status"].value_counts()        # doctest: +SKIP
        """
        from geoplan.analyses._frames import units_with
        from geoplan.errors import ResultError

        if self.per_unit is None:
            why = f": {self.note}" if self.note else ""
            message = (f"target {self.goal.key!r} has no values per unit (status "
                       f"{self.status!r}{why}); only indicator targets with per-unit values "
                       "have them")
            raise ResultError(message)
        frame = units_with(units, self.per_unit, what=f"target {self.goal.key!r}")
        frame.attrs.update(key=self.goal.key, status=self.status, unit=self.goal.unit)
        return frame

    def explore(self, units: Bundle | gpd.GeoDataFrame, *, tiles: str | None = None,
                **kwargs: Any) -> folium.Map:
        """An interactive folium map of the units: by status when judged per unit, else value.

        Parameters
        ----------
        units
            As for :meth:`to_geodataframe`.
        tiles
            Basemap; ``None`` (default) loads no tiles.
        **kwargs
            Passed to :meth:`geopandas.GeoDataFrame.explore` (``column="value"`` shows the
            values of a target judged per unit).

        Returns
        -------
        folium.Map

        Raises
        ------
        ResultError
            As :meth:`to_geodataframe`.
        """
        from geoplan.analyses._frames import explore_units

        frame = self.to_geodataframe(units)
        column = kwargs.pop("column", "status" if "status" in frame.columns else "value")
        return explore_units(frame, column=column, caption=f"{self.goal.key} ({self.goal.unit})",
                             tiles=tiles, **kwargs)
    def label(self, lang: str) -> str:
        """The status in ``lang`` (:func:`status_label`, with the data date when stale)."""
        return status_label(self.status, lang, data_date=self.data_date)


def _old_data(goal: Goal, status: str, gap: float | None, data_date: str,
              as_of: date | None, notes: list[str]) -> str:
    """``status``, or ``STALE`` (with a note) when the rule for old data applies."""
    if status not in JUDGED or not stale_data(goal, data_date, as_of=as_of):
        return status
    shown = "" if gap is None else f"; the gap ({gap:g} {goal.unit}) is for information"
    notes.append(f"data of {data_date} are older than the target year {goal.year}: they "
                 f"cannot show whether the target was met (it would read {status!r}){shown}")
    return STALE


def evaluate_target(
    target: Target, result: IndicatorResult, *, as_of: date | None = None,
    data_date: str = "",
) -> TargetEvaluation:
    """Evaluate ``target`` on an indicator result computed for it.

    Parameters
    ----------
    target
        The recipe target.
    result
        The indicator's result on the bundle (possibly "no data").
    as_of
        Date of the evaluation (stored on the evaluation).
    data_date
        Date of the data the result rests on (:func:`value_data_date`); with ``as_of`` it
        decides the rule for old data.

    Returns
    -------
    TargetEvaluation

    Raises
    ------
    RecipeError
        Never for valid recipes; the unit check is done when the recipe is read.

    Examples
    --------
    >>> from geoplan.analyses.result import IndicatorResult
    >>> t = Target.model_validate({"id": "hn.rail_km", "title": {"vi": "x", "en": "x"},
    ...     "indicator": "rail_length", "comparator": "approx", "value": 100,
    ...     "tolerance": "10%", "unit": "km", "year": 2030,
    ...     "source": {"document": "02-NQ/TW", "date": "2026-03-17", "section": "III.1"}})
    >>> ev = evaluate_target(t, IndicatorResult("rail_length", "km", city=21.5))
    >>> ev.status, ev.gap
    ('not met', 78.5)
    >>> evaluate_target(t, IndicatorResult("rail_length", "km", city=21.5),
    ...                 as_of=date(2030, 6, 30), data_date="2026-08").status
    'data older than target'
    """
    notes: list[str] = []
    if result.estimate:
        notes.append("estimate (see method)")
    if result.no_data is not None:
        return TargetEvaluation(target, NO_DATA, None, None,
                                result.method, str(result.no_data), None, as_of=as_of,
                                data_date=data_date, missing_roles=result.no_data.missing,
                                estimate=result.estimate)
    per_unit: pd.DataFrame | None = None
    units_met = units_evaluated = None
    if result.per_unit is not None and len(result.per_unit):
        per_unit = pd.DataFrame({"value": result.per_unit.astype(float)})
    extra = _coverage(result, "inner" if target.scope == "inner" else "city")
    if target.scope == "unit":
        if result.per_unit is None:
            note = f"indicator {result.indicator!r} gave no per-unit values"
            return TargetEvaluation(target, NO_DATA, result.city, None, result.method, note,
                                    None, as_of=as_of, data_date=data_date,
                                    estimate=result.estimate)
        if target.comparator is None:  # monitoring: values per unit, no per-unit verdicts
            status = MONITORING if per_unit is not None and per_unit["value"].notna().any() \
                else NO_DATA
        else:
            per_unit, summary, units_met, units_evaluated = judge_units(target,
                                                                        result.per_unit)
            notes.append(f"{units_met} of {units_evaluated} units met")
            status = summary.status
            if _old_data(target, status, None, data_date, as_of, notes) == STALE:
                status = STALE
                judged = per_unit["status"].isin(JUDGED)
                per_unit.loc[judged, "status"] = STALE
        value = result.city
        _coverage_note(notes, extra, result)
        return TargetEvaluation(target, status, value, None, result.method,
                                "; ".join(notes), _with_coverage(per_unit, result),
                                units_met, units_evaluated, as_of, *extra,
                                data_date=data_date, estimate=result.estimate)
    value = result.city if target.scope == "city" else result.inner
    if _missing(value):
        note = (f"indicator {result.indicator!r} has no {target.scope} value"
                if target.scope == "inner" else f"indicator {result.indicator!r} gave no value")
        return TargetEvaluation(target, NO_DATA, None, None, result.method,
                                "; ".join([*notes, note]), _with_coverage(per_unit, result),
                                as_of=as_of, data_date=data_date, estimate=result.estimate)
    verdict = judge(target, value)
    status = _old_data(target, verdict.status, verdict.gap, data_date, as_of, notes)
    _coverage_note(notes, extra, result)
    share, basis, roles = extra
    return TargetEvaluation(target, status, float(value), verdict.gap,  # type: ignore[arg-type]
                            result.method, "; ".join(notes), _with_coverage(per_unit, result),
                            as_of=as_of, coverage=share, coverage_basis=basis,
                            coverage_roles=roles, data_date=data_date,
                            estimate=result.estimate)


def _coverage(result: IndicatorResult, scope: str) -> tuple[float | None, str, tuple[str, ...]]:
    share = result.inner_coverage if scope == "inner" else result.city_coverage
    if share is None:
        return None, "", ()
    return float(share), result.coverage_basis, tuple(result.coverage_roles)


def _coverage_note(notes: list[str], extra: tuple[float | None, str, tuple[str, ...]],
                   result: IndicatorResult) -> None:
    share = extra[0]
    if share is not None and share < 1.0:
        roles = "/".join(result.coverage_roles)
        notes.append(f"partial coverage: the value rests on {100 * share:.1f} % of the "
                     f"{result.coverage_basis or 'population'} (inside the {roles} extent)")


def _with_coverage(per_unit: pd.DataFrame | None, result: IndicatorResult) -> pd.DataFrame | None:
    if per_unit is None or result.coverage is None:
        return per_unit
    return per_unit.assign(coverage=result.coverage.reindex(per_unit.index).astype(float))


def _latest_token(text: str) -> str:
    """The latest ISO date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) a date text names."""
    from geoplan.analyses.recipe import known_from

    tokens = _DATE_TOKEN.findall(str(text or ""))
    dated = [(known_from(t), t) for t in tokens]
    dated = [(d, t) for d, t in dated if d is not None]
    return max(dated)[1] if dated else ""


def _earliest(tokens: list[str]) -> str:
    from geoplan.analyses.recipe import known_from

    dated = [(known_from(t), t) for t in tokens if t]
    dated = [(d, t) for d, t in dated if d is not None]
    return min(dated)[1] if dated else ""


def value_data_date(result: IndicatorResult, bundle: Bundle, *,
                    layers: tuple[str, ...] = ()) -> str:
    """The date of the data an indicator's value rests on (``YYYY[-MM[-DD]]``).

    The earliest date of the manifest statistics the indicator read
    (``details["statistics"]``, column ``date``) when it read any; else the earliest of the
    dates of the bundle layers it read, ``layers`` (the registry's roles of the indicator)
    and the roles that set its coverage, those present in the bundle, each dated by the
    latest ISO date its manifest ``date`` text names (``"OSM ≈ 2026-08 (repo commit
    2026-08-05); QH519 2024-10-01"`` is ``2026-08-05``). Manifest dates are free text: a
    layer whose text names no date does not count.

    Parameters
    ----------
    result
        The indicator's result.
    bundle
        The bundle it was computed on.
    layers
        The roles the indicator reads (:attr:`geoplan.analyses.registry.IndicatorSpec.layers`).

    Returns
    -------
    str
        ``""`` when the result is "no data" or no date is recorded.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> from geoplan.analyses.urbanisation import urbanisation_rate
    >>> b = load_bundle("haiphong")  # doctest: +SKIP
    >>> value_data_date(urbanisation_rate(b, territory="pre2025"), b)  # doctest: +SKIP
    '2019-04-01'
    """
    if result.no_data is not None:
        return ""
    stats = result.details.get("statistics")
    if isinstance(stats, pd.DataFrame) and "date" in stats.columns and len(stats):
        return _earliest([_latest_token(str(d)) for d in stats["date"].tolist()])
    roles = [r for r in dict.fromkeys((*layers, *result.coverage_roles)) if bundle.has(r)]
    return _earliest([_latest_token(str(bundle.entry(r).date or "")) for r in roles])


def evaluate_statistic(stat: Statistic, *, as_of: date | None = None,
                       where: str = "the recipe") -> TargetEvaluation:
    """Evaluate a statistic on its reported value (``no data`` until one is reported).

    Parameters
    ----------
    stat
        The recipe statistic.
    as_of
        Date of the evaluation. The latest report known on that date is used
        (:meth:`~geoplan.analyses.recipe.Statistic.reported_on`): a report dated after it is
        ignored (not yet known then), and a partial date counts from the end of the period
        it names (``2025`` from 31 December 2025). The report's date is the data date (the
        rule for old data of the module docstring).
    where
        How to name the recipe file in the "fill it in" note.

    Returns
    -------
    TargetEvaluation

    Examples
    --------
    >>> s = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
    ...     "comparator": ">=", "value": 2, "unit": "count", "year": 2035,
    ...     "source": {"document": "d", "date": "2026", "section": "1"},
    ...     "reported": {"value": 1, "unit": "count", "date": "2026", "source": "r"}})
    >>> evaluate_statistic(s, as_of=date(2026, 6, 30)).status
    'no data'
    >>> evaluate_statistic(s, as_of=date(2027, 1, 1)).status
    'not met'
    >>> evaluate_statistic(s, as_of=date(2035, 1, 1)).label("en")
    'data older than target (2026)'
    """
    reported = stat.reported_on(as_of)
    if reported is None:
        later = " (only reports dated after the evaluation date)" if stat.reports else ""
        note = (f"not reported yet{later}: fill 'reported: {{value, unit, date, source}}' "
                f"in {where}")
        return TargetEvaluation(stat, NO_DATA, None, None, "reported statistic", note,
                                as_of=as_of)
    from geoplan.analyses.statistics_file import FileReport

    verdict = judge(stat, reported.value)
    notes: list[str] = []
    if isinstance(reported, FileReport):  # say which file and row the number came from
        method = f"reported: {reported.source} ({reported.date}; {reported.origin})"
        if reported.note:
            notes.append(reported.note)
    else:
        method = f"reported: {reported.source} ({reported.date})"
    status = _old_data(stat, verdict.status, verdict.gap, reported.date, as_of, notes)
    own_note = reported.note if isinstance(reported, FileReport) else ""
    return TargetEvaluation(stat, status, reported.value, verdict.gap, method,
                            "; ".join(notes), as_of=as_of, data_date=reported.date,
                            reported_note=own_note or "")

