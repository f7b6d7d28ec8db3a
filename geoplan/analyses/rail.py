"""Urban rail length in service (02-NQ/TW: "about 100 km of urban railway by 2030").

Lengths are measured on the line geometries in the bundle's metric CRS (never the
``length_km`` attribute). A line may have several rows, one per section (e.g. Line 3: elevated
section operating, underground section under construction, planned extensions); each section
(rows with the same ``line_id``, ``status``, ``opening_date``, ``target_year``, ``plan`` and
``name``) is dissolved first, and the sections of one line that count are dissolved together,
so a segment drawn twice counts once.

In service on a date
--------------------
A line counts on ``as_of`` (default: today) when its ``status`` is one of ``statuses``
(default ``("operating",)``) and, if it has an ``opening_date``, that date is on or before
``as_of``. Lines under construction or planned are excluded by default; asking for their
status counts them whatever ``as_of`` (build-out scenarios). An operating line with no opening
date counts from today on and is listed in ``details["by_line"]``.

>>> from geoplan.layers import load_bundle
>>> r = rail_length(load_bundle("hanoi"))                               # doctest: +SKIP
>>> r.city                                                              # doctest: +SKIP
21.6...
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely

from geoplan.analyses._population import (
    fold,
    missing_result,
    resolve_as_of,
)
from geoplan.analyses.registry import indicator
from geoplan.analyses.result import IndicatorResult
from geoplan.errors import RecipeError
from geoplan.layers.roles import LineStatus

if TYPE_CHECKING:
    from geoplan.layers import Bundle

__all__ = ["PLANNED", "choose_plan", "in_service", "plans_of", "rail_length"]

logger = logging.getLogger(__name__)

_UNIT = "km"
#: The status of rows that belong to one plan alternative among others: what is operating or
#: under construction is built whatever plan it came from, a planned line only in its plan.
PLANNED = "planned"
_NO_PLAN = "(no plan)"


def plans_of(frame: pd.DataFrame) -> dict[str, str]:
    """The plans of the planned rows of ``frame``: folded text → text as written.

    Rows without a ``plan`` (or a blank one) count as one plan, ``(no plan)``.
    """
    if "status" not in frame.columns:
        return {}
    planned = frame["status"].map(fold) == PLANNED
    if not planned.any():
        return {}
    texts = (frame.loc[planned, "plan"] if "plan" in frame.columns
             else pd.Series("", index=frame.index[planned]))
    out: dict[str, str] = {}
    for text in texts:
        out.setdefault(fold(text), str(text).strip() if fold(text) else _NO_PLAN)
    return out


def choose_plan(frame: pd.DataFrame, *, plan: str | None, statuses: Sequence[str],
                role: str, indicator: str) -> tuple[pd.Series, str | None]:
    """Which rows count under one plan, refusing to add up planned rows of two plans.

    Operating and under-construction rows count whatever their plan. Planned rows count only
    in their own plan: with ``plan`` given, the planned rows whose ``plan`` is ``plan``
    (case-insensitive, or the one plan whose name contains it: ``"QĐ 1668"``); without it,
    all of them if they belong to one plan, and a :class:`~geoplan.errors.RecipeError`
    otherwise, when ``statuses`` asks for planned rows (two alternative plans summed would
    count a corridor twice and a network nobody plans).

    Parameters
    ----------
    frame
        Lines or stations with ``status`` (and ``plan``).
    plan
        The plan chosen, or ``None``.
    statuses
        The statuses counted.
    role, indicator
        For messages.

    Returns
    -------
    mask, chosen
        Boolean Series aligned to ``frame`` (rows kept) and the plan as written in the data
        (``None`` when no planned row is counted or there is no plan to choose).

    Raises
    ------
    RecipeError
        When planned rows of several plans would be summed, or ``plan`` matches no plan
        (or several); the message names the plans found and the recipe option.

    Examples
    --------
    >>> f = pd.DataFrame({"status": ["operating", "planned", "planned"],
    ...                   "plan": ["A 2016", "A 2016", "B 2024"]})
    >>> choose_plan(f, plan="B", statuses=["operating", "planned"], role="metro_lines",
    ...             indicator="rail_length")[0].tolist()
    [True, False, True]
    """
    plans = plans_of(frame)
    planned = (frame["status"].map(fold) == PLANNED) if "status" in frame.columns else \
        pd.Series(False, index=frame.index)
    keep = pd.Series(True, index=frame.index)
    wants_planned = PLANNED in {fold(st) for st in statuses}
    every = plans_of(frame.assign(status=PLANNED)) if "plan" in frame.columns else {}
    shown = "; ".join(f"{text!r}" for text in plans.values()) or "none"
    if plan is None:
        if wants_planned and len(plans) > 1:
            message = (
                f"{indicator}: the planned {role} belong to {len(plans)} plans ({shown}); "
                "adding up alternative plans counts a corridor twice and a network nobody "
                "plans: choose one with the option plan (in the recipe: options: {plan: "
                f"\"{next(iter(plans.values()))}\"}}; a part of the name that only one plan "
                "holds is enough)")
            raise RecipeError(message)
        chosen = next(iter(plans.values())) if wants_planned and plans else None
        return keep, chosen
    wanted = fold(plan)
    pool = every or plans
    hits = [k for k in pool if k == wanted] or [k for k in pool if wanted and wanted in k]
    if len(hits) != 1:
        import difflib

        close = difflib.get_close_matches(wanted, sorted(pool), n=1, cutoff=0.75)
        hint = f" (did you mean {pool[close[0]]!r}?)" if close and not hits else ""
        how = "matches no 'plan'" if not hits else f"matches {len(hits)} values of 'plan'"
        listed = "; ".join(f"{t!r}" for t in pool.values()) or "none"
        message = (f"{indicator}: option plan: {plan!r}{hint} {how} of {role} (plans there: "
                   f"{listed}); the result would count nothing: fix the option (one plan, "
                   "or a part of its name only it holds)")
        raise RecipeError(message)
    own = frame["plan"].map(fold) == hits[0] if "plan" in frame.columns else \
        pd.Series(hits[0] == "", index=frame.index)
    keep = ~planned | own
    return keep, pool[hits[0]]


def _dates(values: pd.Series) -> pd.Series:
    """ISO date texts (or datetimes) as ``datetime.date``; ``None`` where empty/invalid."""
    parsed = pd.to_datetime(values.astype("string").str.slice(0, 10), errors="coerce",
                            format="%Y-%m-%d")
    return pd.Series([d.date() if pd.notna(d) else None for d in parsed], index=values.index,
                     dtype=object)


def in_service(
    frame: pd.DataFrame, *, as_of: _dt.date, statuses: Sequence[str] = ("operating",)
) -> pd.Series:
    """Which rows (lines or stations) are in service on ``as_of``.

    A row is in service when its ``status`` is in ``statuses`` and its ``opening_date`` (when
    given) is on or before ``as_of``. An *operating* row without opening date counts only when
    ``as_of`` is today or later (its status describes the present, not the past); rows of the
    other statuses (``under_construction``, ``planned``) have no opening date yet and count
    whenever their status is asked for (build-out scenarios).

    Parameters
    ----------
    frame
        Rows with ``status`` and (optionally) ``opening_date``.
    as_of
        Evaluation date.
    statuses
        Statuses that count.

    Returns
    -------
    pandas.Series
        Boolean, aligned to ``frame``.

    Examples
    --------
    >>> import datetime as dt
    >>> f = pd.DataFrame({"status": ["operating", "planned"],
    ...                   "opening_date": ["2021-11-06", None]})
    >>> in_service(f, as_of=dt.date(2020, 1, 1)).tolist()
    [False, False]
    >>> in_service(f, as_of=dt.date(2022, 1, 1)).tolist()
    [True, False]
    """
    wanted = {s.strip().lower() for s in statuses}
    status = frame["status"].fillna("").astype(str).str.strip().str.lower()
    ok = status.isin(wanted)
    if "opening_date" in frame.columns:
        opened = _dates(frame["opening_date"])
        known = opened.notna()
        early = pd.Series([d is not None and d <= as_of for d in opened], index=frame.index)
        undated_ok = (status != "operating") | (as_of >= _dt.date.today())
        ok &= (known & early) | (~known & undated_ok)
    return ok


@indicator("rail_length", unit=_UNIT, layers=("metro_lines",), scopes=("city",),
           description="km of urban rail in service on the evaluation date")
def rail_length(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    statuses: Sequence[LineStatus] = ("operating",),
    plan: str | None = None,
) -> IndicatorResult:
    """Km of urban rail in service on ``as_of`` (see the module docstring).

    Parameters
    ----------
    bundle
        Bundle with ``metro_lines``.
    as_of
        Evaluation date (default: today).
    statuses
        Line statuses that count (``"operating"``, ``"under_construction"``, ``"planned"``);
        all three give the full build-out.
    plan
        The plan whose *planned* lines count (case-insensitive; a part of the name only
        one plan holds is enough, e.g. ``"QĐ 1668"``); lines operating or under
        construction count whatever their plan. Required when ``statuses`` includes
        ``"planned"`` and the planned lines belong to several plans
        (:func:`choose_plan`).

    Returns
    -------
    IndicatorResult
        ``city`` = km in service. ``details``: ``by_line`` (one row per line section:
        line_id, name, status, plan, opening_date, target_year, km, in_service),
        ``by_year`` (year, km_opened, km_in_service: cumulative from the opening dates of
        the sections that count, up to ``as_of``), and ``planned_by_year`` (year, km_added,
        km_cumulative: km in service on ``as_of`` plus sections not yet in service, by
        ``target_year``) when target years exist.
        No data when the bundle has no ``metro_lines``.

    Raises
    ------
    RecipeError
        When planned lines of several plans would be added up, or ``plan`` names no plan.

    Examples
    --------
    >>> import datetime as dt
    >>> from geoplan.layers import load_bundle
    >>> rail_length(load_bundle("hanoi"), as_of=dt.date(2020, 1, 1)).city  # doctest: +SKIP
    0.0
    """
    when = resolve_as_of(as_of)
    params = {"as_of": when.isoformat(), "statuses": list(statuses), "plan": plan}
    absent = missing_result(bundle, "rail_length", _UNIT, ("metro_lines",), params=params)
    if absent is not None:
        return absent
    lines = bundle.metro_lines.to_crs(bundle.metric_crs)
    keep, chosen = choose_plan(lines, plan=plan, statuses=statuses, role="metro_lines",
                               indicator="rail_length")
    lines = lines[keep.to_numpy()]
    if "line_id" not in lines.columns:
        lines = lines.assign(line_id=lines.index.astype(str))
    lines = lines.assign(line_id=lines["line_id"].astype(str))
    for column in ("name", "status", "plan", "opening_date"):
        text = lines[column].astype("string").fillna("") if column in lines.columns else ""
        lines[column] = pd.Series(text, index=lines.index).str.slice(
            0, 10 if column == "opening_date" else None)
    years = pd.to_numeric(lines["target_year"], errors="coerce") \
        if "target_year" in lines.columns else pd.Series(np.nan, index=lines.index)
    lines["target_year"] = years.fillna(-1).astype("int64")
    keys = ["line_id", "status", "opening_date", "target_year", "plan", "name"]
    rows, geoms = [], []
    for key, group in lines.groupby(keys, sort=True):
        merged = shapely.union_all(group.geometry.to_numpy())
        row = dict(zip(keys, key, strict=True))
        rows.append({**row, "opening_date": row["opening_date"] or None,
                     "target_year": row["target_year"] if row["target_year"] >= 0 else None,
                     "km": float(shapely.length(merged)) / 1000.0})
        geoms.append(merged)
    by_line = pd.DataFrame(rows, columns=["line_id", "name", "status", "plan", "opening_date",
                                          "target_year", "km"])
    by_line["target_year"] = by_line["target_year"].astype("Int64")
    by_line["in_service"] = in_service(by_line, as_of=when, statuses=statuses) \
        if len(by_line) else pd.Series(dtype=bool)
    # sections of one line in service together: overlaps between them count once
    counted: dict[str, list[Any]] = {}
    for i in np.flatnonzero(by_line["in_service"].to_numpy(dtype=bool)):
        counted.setdefault(str(by_line.at[i, "line_id"]), []).append(geoms[i])
    total = sum(float(shapely.length(shapely.union_all(parts))) for parts in counted.values())
    total /= 1000.0
    details = {"by_line": by_line, "by_year": _by_year(by_line, when, statuses)}
    planned = _planned_by_year(by_line, total)
    if planned is not None:
        details["planned_by_year"] = planned
    undated = by_line[by_line["in_service"] & by_line["opening_date"].isna()]
    method = (
        f"Sum of the metric-CRS lengths of metro_lines with status in {list(statuses)} "
        f"opened on or before {when.isoformat()}"
        + (f"; planned lines of the plan {chosen!r} only (built lines whatever their plan)"
           if chosen else "")
        + f"; {int(by_line['in_service'].sum())} of {len(by_line)} line sections count."
        + (f" Operating sections without opening date counted as in service today: "
           f"{', '.join(undated['line_id'])}." if len(undated) else "")
    )
    return IndicatorResult("rail_length", _UNIT, city=total, details=details, method=method,
                           params=params)


def _by_year(by_line: pd.DataFrame, when: _dt.date, statuses: Sequence[str]) -> pd.DataFrame:
    """Cumulative km in service per year from the opening dates, up to ``when``."""
    wanted = {s.lower() for s in statuses}
    dated = by_line[by_line["status"].str.lower().isin(wanted) & by_line["opening_date"].notna()]
    years = pd.to_datetime(dated["opening_date"]).dt.year
    dated = dated.assign(year=years)
    dated = dated[dated["opening_date"] <= when.isoformat()]
    if dated.empty:
        return pd.DataFrame({"year": pd.Series(dtype=int), "km_opened": pd.Series(dtype=float),
                             "km_in_service": pd.Series(dtype=float)})
    span = np.arange(int(dated["year"].min()), when.year + 1)
    opened = dated.groupby("year")["km"].sum().reindex(span, fill_value=0.0)
    return pd.DataFrame({"year": span, "km_opened": opened.to_numpy(),
                         "km_in_service": opened.cumsum().to_numpy()})


def _planned_by_year(by_line: pd.DataFrame, in_service_km: float) -> pd.DataFrame | None:
    """Km expected by target year: km in service plus lines not yet in service, cumulated."""
    todo = by_line[~by_line["in_service"] & by_line["target_year"].notna()]
    if todo.empty:
        return None
    added = todo.groupby(todo["target_year"].astype("int64"))["km"].sum().sort_index()
    return pd.DataFrame({"year": added.index.to_numpy(), "km_added": added.to_numpy(),
                         "km_cumulative": in_service_km + added.cumsum().to_numpy()})
