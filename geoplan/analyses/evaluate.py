"""Judge indicator values against recipe targets: status and gap.

Statuses
--------
``met``
    The value satisfies the comparator (within ``1e-9`` relative rounding).
``not met``
    It does not.
``partly``
    Two precise cases: (a) a ``range`` target with ``open_max`` (the ``"16 – ≥24%"`` form of
    the urban-classification standards) whose value reached the minimum ``min`` but not the
    full target ``max``; (b) a target of scope ``unit`` where some units with data are met (or
    partly met) and others are not.
``no data``
    The indicator returned "no data" (the note names the missing layer), the value is NaN, or
    a statistic has no ``reported`` value yet.
``reported``
    Informational: a monitoring target with no comparator (the text sets no number); the
    value is shown, not judged.

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

Time
----
Evaluation is against the value *as of* the run date: a target due in 2030 evaluated in 2026
says whether it is met *now*; :attr:`TargetEvaluation.past_due` tells whether its year is over.

>>> from geoplan.analyses.recipe import Statistic
>>> goal = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
...     "comparator": ">=", "value": 10, "unit": "m2", "year": 2030,
...     "source": {"document": "d", "date": "2026", "section": "II"}})
>>> judge(goal, 7.5)
Judgement(status='not met', gap=2.5)
"""

from __future__ import annotations

import logging
import math
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
    "MET",
    "NOT_MET",
    "NO_DATA",
    "PARTLY",
    "REPORTED",
    "STATUSES",
    "STATUS_LABELS",
    "Judgement",
    "TargetEvaluation",
    "evaluate_statistic",
    "evaluate_target",
    "judge",
    "judge_units",
]

logger = logging.getLogger(__name__)

MET = "met"
NOT_MET = "not met"
PARTLY = "partly"
NO_DATA = "no data"
REPORTED = "reported"
#: Every status, in display order.
STATUSES: tuple[str, ...] = (MET, PARTLY, NOT_MET, NO_DATA, REPORTED)
#: Status labels per language.
STATUS_LABELS: dict[str, dict[str, str]] = {
    "en": {MET: "met", PARTLY: "partly", NOT_MET: "not met", NO_DATA: "no data",
           REPORTED: "reported (informational)"},
    "vi": {MET: "đạt", PARTLY: "đạt một phần", NOT_MET: "chưa đạt",
           NO_DATA: "không có dữ liệu", REPORTED: "theo dõi (không có chỉ tiêu số)"},
}

_REL = 1e-9


@dataclass(frozen=True)
class Judgement:
    """Status of one value against one goal, and its gap (``None`` when not applicable)."""

    status: str
    gap: float | None


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def judge(goal: Goal, value: float | None) -> Judgement:
    """Judge ``value`` against ``goal`` (see the module docstring for the rules).

    Parameters
    ----------
    goal
        A recipe target or statistic.
    value
        The measured (or reported) value in the goal's unit; ``None``/NaN for no data.

    Returns
    -------
    Judgement

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
    if comp is None:
        return Judgement(REPORTED, None)
    if _missing(value):
        return Judgement(NO_DATA, None)
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
        The target (scope ``unit``).
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
        summary = Judgement(REPORTED, None)
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
        One of :data:`STATUSES`.
    value
        The value compared (city/inner value; for scope ``unit`` the city-wide value, shown
        for context); ``None`` without data.
    gap
        See the module docstring; ``None`` when not applicable.
    method
        How the value was obtained (indicator method, or who reported it).
    note
        Why there is no data (naming the missing layer), estimate flags, etc.
    per_unit
        Per-unit ``value`` (and for scope ``unit`` also ``status`` and ``gap``), or ``None``.
    units_met, units_evaluated
        For scope ``unit``: units met and units with a value.
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

    @property
    def is_partial(self) -> bool:
        """True when the value rests on less than its whole scope (see :attr:`coverage`)."""
        return self.coverage is not None and self.coverage < 1.0

    @property
    def kind(self) -> str:
        """``"indicator"`` for targets, ``"statistic"`` for reported statistics."""
        return "statistic" if isinstance(self.goal, Statistic) else "indicator"

    @property
    def past_due(self) -> bool:
        """True when the evaluation date is after the end of the target year."""
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
        >>> from geoplan.analyses.run import run_recipe                       # doctest: +SKIP
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


def evaluate_target(
    target: Target, result: IndicatorResult, *, as_of: date | None = None
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
    """
    notes = []
    if result.estimate:
        notes.append("estimate (see method)")
    if result.no_data is not None:
        return TargetEvaluation(target, NO_DATA, None, None,
                                result.method, str(result.no_data), None, as_of=as_of)
    per_unit: pd.DataFrame | None = None
    units_met = units_evaluated = None
    if result.per_unit is not None and len(result.per_unit):
        per_unit = pd.DataFrame({"value": result.per_unit.astype(float)})
    extra = _coverage(result, "inner" if target.scope == "inner" else "city")
    if target.scope == "unit":
        if result.per_unit is None:
            note = f"indicator {result.indicator!r} gave no per-unit values"
            return TargetEvaluation(target, NO_DATA, result.city, None, result.method, note,
                                    None, as_of=as_of)
        per_unit, summary, units_met, units_evaluated = judge_units(target, result.per_unit)
        notes.append(f"{units_met} of {units_evaluated} units met")
        value = result.city
        _coverage_note(notes, extra, result)
        return TargetEvaluation(target, summary.status, value, None, result.method,
                                "; ".join(notes), _with_coverage(per_unit, result),
                                units_met, units_evaluated, as_of, *extra)
    value = result.city if target.scope == "city" else result.inner
    if _missing(value):
        note = (f"indicator {result.indicator!r} has no {target.scope} value"
                if target.scope == "inner" else f"indicator {result.indicator!r} gave no value")
        return TargetEvaluation(target, NO_DATA, None, None, result.method,
                                "; ".join([*notes, note]), _with_coverage(per_unit, result),
                                as_of=as_of)
    verdict = judge(target, value)
    _coverage_note(notes, extra, result)
    share, basis, roles = extra
    return TargetEvaluation(target, verdict.status, float(value), verdict.gap,  # type: ignore[arg-type]
                            result.method, "; ".join(notes), _with_coverage(per_unit, result),
                            as_of=as_of, coverage=share, coverage_basis=basis,
                            coverage_roles=roles)


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
        it names (``2025`` from 31 December 2025).
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
    """
    reported = stat.reported_on(as_of)
    if reported is None:
        later = " (only reports dated after the evaluation date)" if stat.reports else ""
        note = (f"not reported yet{later}: fill 'reported: {{value, unit, date, source}}' "
                f"in {where}")
        status = REPORTED if stat.comparator is None else NO_DATA
        return TargetEvaluation(stat, status, None, None, "reported statistic", note,
                                as_of=as_of)
    from geoplan.analyses.statistics_file import FileReport

    verdict = judge(stat, reported.value)
    note = ""
    if isinstance(reported, FileReport):  # say which file and row the number came from
        method = f"reported: {reported.source} ({reported.date}; {reported.origin})"
        note = reported.note
    else:
        method = f"reported: {reported.source} ({reported.date})"
    return TargetEvaluation(stat, verdict.status, reported.value, verdict.gap, method, note,
                            as_of=as_of)
