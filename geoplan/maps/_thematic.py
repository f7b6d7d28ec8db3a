"""Thematic layers of a run map: targets per unit (statuses, value classes chosen as
mapclassify does, proportional circles for counts) and monitoring progress.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from geoplan.analyses.evaluate import NO_DATA, STALE, status_label
from geoplan.analyses.recipe import slugify
from geoplan.maps import _style
from geoplan.maps._base import (
    _BuilderBase,
    _esc,
    _LegendSection,
    _RunLike,
    _swatch,
    _text,
)
from geoplan.maps._elements import (
    GeoLayer,
    Timeline,
)
from geoplan.analyses.wording import describe_goal, format_number, format_quantity, unit_label
from geoplan.maps.i18n import OLD_DATA_MARK, PARTIAL_MARK, coverage_text

__all__: list[str] = []

logger = logging.getLogger(__name__)


#: Units of extensive quantities (counts, totals): drawn as proportional circles.
_EXTENSIVE_UNITS = frozenset({"people", "count", "units", "stations", "dwellings", "m2",
                              "km2", "ha", "km"})
_SYMBOL_MAX_PX = 22.0


def _nice(value: float) -> float:
    """``value`` rounded down to 1, 2 or 5 times a power of ten (a legend's reference)."""
    if value <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(value))
    return float(max(m for m in (1, 2, 5, 10) if m * power <= value) * power)


def _coverage_of(result: Any, key: str) -> tuple[str, str]:
    """Basis (population/area) and layers of the coverage of target ``key``."""
    for ev in getattr(result, "evaluations", None) or []:
        goal = getattr(ev, "goal", None)
        if goal is not None and str(goal.key) == key:
            return (str(getattr(ev, "coverage_basis", "") or "population"),
                    "/".join(getattr(ev, "coverage_roles", ()) or ()))
    return "population", ""


def _titles(result: Any, lang: str) -> dict[str, str]:
    """Target titles in ``lang`` (the scorecard holds them in the run's language)."""
    titles: dict[str, str] = {}
    for ev in getattr(result, "evaluations", None) or []:
        goal = getattr(ev, "goal", None)
        title = getattr(goal, "title", None)
        if goal is not None and title is not None and hasattr(title, "get"):
            titles[str(goal.key)] = str(title.get(lang))
    return titles


def _goal_texts(result: Any, lang: str) -> dict[str, str]:
    """Targets in words in ``lang`` (the scorecard's ``target`` column is English)."""
    texts: dict[str, str] = {}
    for ev in getattr(result, "evaluations", None) or []:
        goal = getattr(ev, "goal", None)
        if goal is not None:
            texts[str(goal.key)] = describe_goal(goal, lang)
    return texts


def _breaks(values: pd.Series, scheme: str = "quantiles",
            user: Sequence[float] | None = None) -> list[float]:
    """Class edges of the finite values (ascending; class *i* holds values in
    ``(edges[i], edges[i + 1]]``, the first also its lower edge), by mapclassify's schemes.

    ``scheme`` is ``"quantiles"`` (five classes of equal count), ``"natural_breaks"``
    (Fisher–Jenks: the optimal grouping into five classes, by ``mapclassify.FisherJenks``)
    or ``"equal_interval"``; ``user`` breaks (upper edges) override it. Quantiles, equal
    intervals and user breaks are one line of numpy each, computed exactly as mapclassify's
    ``Quantiles``, ``EqualInterval`` and ``UserDefined`` do (tests/test_map_cartography.py
    compares them), so only natural breaks import mapclassify (and scikit-learn: about
    0.5 s). When at least a fifth of the units share the lowest value (typically 0: no
    station nearby), that value is a class of its own (edges ``[low, low, ...]``) and the
    scheme splits the others, so a map where most units have nothing still shows how the
    rest differ.
    """
    finite = values[np.isfinite(values)].astype(float)
    if finite.empty:
        return [0.0, 0.0]
    low = float(finite.min())
    if user is not None:
        upper = sorted({float(b) for b in user if math.isfinite(float(b)) and float(b) > low})
        top = float(finite.max())
        return [low, *(e for e in upper if e < top), top]
    rest = finite[finite > low]
    separate = bool(len(rest)) and (finite == low).mean() >= 0.2
    y = (rest if separate else finite).to_numpy()
    k = min(len(_style.VALUE_RAMP) - (1 if separate else 0), len(np.unique(y)))
    if k < 2:
        return [low, low, float(y.max())] if separate else [low, low]
    if scheme == "natural_breaks":
        import mapclassify

        with warnings.catch_warnings():
            # Fisher–Jenks runs without numba: fast enough for a city's units
            warnings.simplefilter("ignore", UserWarning)
            bins = mapclassify.FisherJenks(y, k=k).bins
    elif scheme == "equal_interval":
        step = (y.max() - y.min()) / k
        bins = np.array([y.min() + step * i for i in range(1, k)] + [y.max()])
    else:
        bins = np.quantile(y, np.linspace(0, 1, k + 1)[1:])
    edges = [float(e) for e in np.unique(bins)]
    return [low, low, *edges] if separate else [low, *edges]


def _class_of(value: float, breaks: list[float]) -> int:
    for i in range(1, len(breaks)):
        if value <= breaks[i]:
            return i - 1
    return len(breaks) - 2


class _ThematicLayers(_BuilderBase):
    """The subjects of a run map: one base layer per target with per-unit values
    (status, value classes or proportional circles) and per monitored target (progress,
    with a date slider over the history)."""

    def _symbols(self, values: pd.Series, unit: str, items: list[str]) -> dict[str, Any]:
        """Circles whose area is proportional to each unit's value (largest
        :data:`_SYMBOL_MAX_PX` px in radius); three reference circles go to ``items``."""
        finite = values[np.isfinite(values) & (values > 0)]
        top = float(finite.max()) if not finite.empty else 0.0
        radii = [0.0 if not (math.isfinite(v) and v > 0 and top > 0)
                 else round(_SYMBOL_MAX_PX * math.sqrt(v / top), 1) for v in values]
        for share in (1.0, 0.25, 0.04) if top > 0 else ():
            value = _nice(top * share)
            r = _SYMBOL_MAX_PX * math.sqrt(value / top)
            items.append(f'<span class="gp-symbol" style="width:{2 * r:.0f}px;'
                         f'height:{2 * r:.0f}px"></span>'
                         f"{_esc(format_quantity(value, unit, self.lang))}")
        style = {"color": "#54278f", "weight": 1, "fillColor": "#807dba", "fillOpacity": 0.55,
                 "opacity": 0.9, "pane": "gp-points", "radius": 0}
        return {"styles": [style], "r": radii}

    def add_progress(self, progress: pd.DataFrame, *, show_first: bool = True,
                     history: Mapping[str, pd.DataFrame] | None = None) -> int:
        """One base layer per monitored target: units coloured by progress status.

        ``progress`` has the columns of :func:`geoplan.monitor.progress_frame`: one row per
        target (``unit_id`` empty) and, for targets of scope ``unit``, one row per unit.
        Targets judged per unit colour each unit by its own status; city-wide and inner-city
        targets leave the units plain and give the status in the legend. With ``history``
        (the same frames on earlier dates, by ISO date, ``progress``'s own date last), a
        date slider shows the statuses on each date. Returns how many layers were added.
        """
        if self.units_display is None or self.units_data is None or progress.empty:
            return 0
        order = self.units_display["unit_id"].astype(str).tolist()
        inner = (self.units_display["is_inner"].fillna(False).astype(bool).tolist()
                 if "is_inner" in self.units_display.columns else [False] * len(order))
        added = 0
        for key, rows in progress.groupby("key", sort=False):
            own = rows[rows["unit_id"].astype(str) == ""]
            if own.empty:
                continue
            target = own.iloc[0]
            per_unit = rows[rows["unit_id"].astype(str) != ""].set_index("unit_id")
            layer = self._progress_layer(str(key), target, per_unit, order, inner,
                                         show=show_first and added == 0)
            if history and len(history) > 1:
                layer.spec["byDate"] = self._progress_by_date(str(key), history, order, inner,
                                                              layer.spec)
            added += 1
        if added and history and len(history) > 1:
            self.timeline = Timeline(list(history), label=self._t("timeline"),
                                     on=self._t("status_on"))
        return added

    def _progress_by_date(self, key: str, history: Mapping[str, pd.DataFrame],
                          order: list[str], inner: list[bool],
                          spec: dict[str, Any]) -> dict[str, Any]:
        """Statuses of target ``key`` on each date of ``history``: per unit (style index and
        counts) for targets judged per unit, the city's (colour and word) for the others."""
        statuses = list(_style.STATUS_COLOURS)
        words = [self._t(st) for st in statuses]
        words += [self._t("outside_scope"), self._t("in_scope")]
        by_s: list[list[int]] = []
        counts: list[list[list[int]]] = []
        city: list[list[str]] = []
        for frame in history.values():
            rows = frame[frame["key"].astype(str) == key] if len(frame) else frame
            own = rows[rows["unit_id"].astype(str) == ""] if len(rows) else rows
            status = _text(own["status"].iloc[0]) if len(own) else NO_DATA
            status = status if status in statuses else NO_DATA
            city.append([_style.STATUS_COLOURS[status], self._t(status)])
            scope = _text(own["scope"].iloc[0]) if len(own) else ""
            if scope != "unit":
                continue
            per_unit = rows[rows["unit_id"].astype(str) != ""]
            own_status = dict(zip(per_unit["unit_id"].astype(str),
                                  per_unit["status"].map(_text), strict=True))
            s = [statuses.index(own_status[u]) if own_status.get(u) in statuses
                 else statuses.index(NO_DATA) for u in order]
            by_s.append(s)
            tally = pd.Series(s).value_counts()
            counts.append([[int(str(k)), int(n)] for k, n in sorted(tally.items())])
        if by_s and len(by_s) != len(history):  # the scope is the same on every date
            by_s, counts = [], []
        return {"s": by_s or None, "counts": counts or None, "city": city, "words": words}

    def _progress_layer(
        self, key: str, target: pd.Series, per_unit: pd.DataFrame, order: list[str],
        inner: list[bool], *, show: bool,
    ) -> GeoLayer:
        """Units coloured by their own progress status (targets judged per unit); for a
        city-wide or inner-city target the units have no verdict of their own: they are
        drawn plain (the inner-city units outlined) and the status is the legend's."""
        statuses = list(_style.STATUS_COLOURS)
        base_style = {"color": "#555", "weight": 0.8, "fillOpacity": 0.8, "pane": "gp-units"}
        styles = [{**base_style, "fillColor": _style.STATUS_COLOURS[st]} for st in statuses]
        styles.append({**base_style, "fillColor": "#ffffff", "fillOpacity": 0.2})  # outside
        styles.append({**base_style, "fillColor": "#ffffff", "fillOpacity": 0.45,
                       "weight": 1.6, "color": "#333"})  # in scope, no verdict of its own
        outside, in_scope = len(styles) - 2, len(styles) - 1
        scope = _text(target.get("scope")) or "city"
        unit = _text(target.get("unit"))
        title = _text(target.get("title")) or key
        city_status = _text(target.get("status")) or NO_DATA
        per_unit.index = per_unit.index.astype(str)
        s: list[int] = []
        rows: list[list[Any]] = []
        shown: list[str] = []
        for i, (_, unit_row) in enumerate(self.units_display.iterrows()):  # type: ignore[union-attr]
            name = self.unit_title(unit_row)
            if scope != "unit":
                within = scope != "inner" or inner[i]
                s.append(in_scope if within else outside)
                shown.append("scope" if within else "")
                where = self._t("inner_city" if scope == "inner" else "whole_city")
                rows.append([name, [[self._t("progress"),
                                     f"{self._t(city_status)} ({where})" if within
                                     else self._t("outside_scope")]]])
                continue
            uid = order[i]
            row: Any = per_unit.loc[uid] if uid in per_unit.index else None
            status = _text(row.get("status")) if row is not None else NO_DATA
            status = status if status in statuses else NO_DATA
            s.append(statuses.index(status))
            shown.append(status)
            fields = [[self._t("progress"), self._t(status)]]
            if row is not None:
                fields.extend(self._progress_values(row, unit))
            rows.append([name, [f for f in fields if f[1]]])
        # the target's own values (city-wide, inner city) and words: once, in every card
        tail = self._progress_values(target, unit) if scope != "unit" else []
        tail += [[self._t("target"), _text(target.get("target"))
                  + (f" ({_text(target.get('year'))})" if _text(target.get("year")) else "")],
                 [self._t("indicator"), title], [self._t("source"), _text(target.get("source"))]]
        counts = pd.Series(shown).value_counts()
        items = [f"{_swatch(_style.STATUS_COLOURS[st])}{_esc(self._t(st))} "
                 f"({int(counts.get(st, 0))})" for st in statuses if counts.get(st, 0)]
        if counts.get("scope", 0):
            items.append(f'{_swatch("#ffffff", border="#333")}{_esc(self._t("in_scope"))} '
                         f'({int(counts.get("scope", 0))})')
        if counts.get("", 0):
            items.append(f'{_swatch("#ffffff")}{_esc(self._t("outside_scope"))} '
                         f'({int(counts.get("", 0))})')
        notes = [_esc(self._t({"unit": "progress_per_unit", "inner": "progress_inner"}
                              .get(scope, "progress_city"))),
                 f'{_esc(self._t("target"))}: {_esc(_text(target.get("target")))}'
                 + (f' ({_esc(_text(target.get("year")))})' if _text(target.get("year")) else ""),
                 f'{_esc(self._t("progress"))}: <span class="gp-city-status">'
                 f'{_swatch(_style.STATUS_COLOURS.get(city_status, "#bdbdbd"))}'
                 f'<span>{_esc(self._t(city_status))}</span></span>',
                 _esc(self._t("progress_path"))]
        spec = {"cls": "gp-unit gp-progress", "kind": "polygon", "interactive": True,
                "popup": True, "tipN": 2, "styles": styles, "s": s, "rows": rows,
                "tail": [f for f in tail if f[1]]}
        assert self.units_data is not None
        name = f"{self._t('progress')}: {title}"
        layer = self._layer(self.units_data, spec, name, base=True, show=show)
        self.legend.append(_LegendSection(_esc(name), items, notes, base=layer, hidden=not show))
        return layer

    def _progress_values(self, row: pd.Series, unit: str) -> list[list[str]]:
        """Value, path value and baseline of a progress row (with their dates)."""
        fields = []
        for field_key, column, date_column in (("value", "value", "value_date"),
                                               ("path_value", "path_value", ""),
                                               ("baseline", "baseline_value", "baseline_date")):
            value: Any = row.get(column)
            if _text(value):
                text = format_quantity(float(value), unit, self.lang)
                if date_column and _text(row.get(date_column)):
                    text += f" ({_text(row.get(date_column))})"
                fields.append([self._t(field_key), text.strip()])
        return fields

    def add_choropleths(self, result: _RunLike, *, show_first: bool = True) -> int:
        """One base layer per target with per-unit values; returns how many were added."""
        units = result.units
        if units is None or self.units_data is None or self.units_display is None:
            return 0
        by_id = units.drop(columns=units.geometry.name).set_index("unit_id")
        order = self.units_display["unit_id"].astype(str).tolist()
        by_id.index = by_id.index.astype(str)
        by_id = by_id.reindex(order)
        titles = _titles(result, self.lang)
        goals = _goal_texts(result, self.lang)
        added = 0
        for _, target in result.scorecard.iterrows():
            key = _text(target.get("key"))
            slug = slugify(key)
            if f"{slug}_value" not in by_id.columns:
                continue
            values = by_id[f"{slug}_value"].astype(float)
            title = titles.get(key) or _text(target.get("title")) or key
            status = by_id.get(f"{slug}_status")
            gap = by_id.get(f"{slug}_gap")
            coverage = by_id.get(f"{slug}_coverage")
            self._choropleth(title, target, values, status, gap,
                             goal_text=goals.get(key) or _text(target.get("target")),
                             show=show_first and added == 0,
                             coverage=None if coverage is None else
                             (coverage.astype(float), *_coverage_of(result, key)))
            added += 1
        return added

    def _choropleth(
        self, title: str, target: pd.Series, values: pd.Series, status: pd.Series | None,
        gap: pd.Series | None, *, goal_text: str, show: bool,
        coverage: tuple[pd.Series, str, str] | None = None,
    ) -> None:
        unit = _text(target.get("unit"))
        styles: list[dict[str, Any]] = []
        s: list[int] = []
        symbols: dict[str, Any] | None = None
        base_style = {"color": "#555", "weight": 0.8, "fillOpacity": 0.8, "pane": "gp-units"}
        items: list[str] = []
        notes = [f'{_esc(self._t("target"))}: {_esc(goal_text)}'
                 + (f' ({_esc(_text(target.get("year")))})' if _text(target.get("year")) else "")]
        if status is not None:
            statuses = list(_style.STATUS_COLOURS)
            for st in statuses:
                styles.append({**base_style, "fillColor": _style.STATUS_COLOURS[st]})
            per_unit = status.fillna(NO_DATA).astype(str)
            s = [statuses.index(v) if v in statuses else statuses.index(NO_DATA)
                 for v in per_unit]
            counts = per_unit.value_counts()
            items = [f"{_swatch(_style.STATUS_COLOURS[st])}{_esc(self._t(st))} "
                     f"({int(counts.get(st, 0))})" for st in statuses if counts.get(st, 0)]
            notes.insert(0, _esc(self._t("status_per_unit")))
        elif unit in _EXTENSIVE_UNITS:  # a count: circles sized by value, units plain
            symbols = self._symbols(values, unit, items)
            styles = [{**base_style, "fillColor": "#ffffff", "fillOpacity": 0.35},
                      {**base_style, "fillColor": _style.STATUS_COLOURS[NO_DATA]}]
            s = [1 if math.isnan(v) else 0 for v in values]
            if any(math.isnan(v) for v in values):
                items.append(f'{_swatch(_style.STATUS_COLOURS[NO_DATA])}'
                             f'{_esc(self._t(NO_DATA))}')
            notes.insert(0, _esc(self._t("symbols_note")))
            notes[-1] = f'{_esc(self._t("city_target"))}: {_esc(goal_text)}'
        else:
            key = _text(target.get("key"))
            user = self.user_breaks.get(key)
            breaks = _breaks(values, self.classes, user)
            for colour in _style.VALUE_RAMP[: max(1, len(breaks) - 1)]:
                styles.append({**base_style, "fillColor": colour})
            styles.append({**base_style, "fillColor": _style.STATUS_COLOURS[NO_DATA]})
            nodata = len(styles) - 1
            s = [nodata if math.isnan(v) else _class_of(v, breaks) for v in values]
            for i in range(len(breaks) - 1):
                low = format_number(breaks[i], self.lang)
                high = format_number(breaks[i + 1], self.lang)
                span = low if breaks[i] == breaks[i + 1] else f"{low}–{high}"
                items.append(f"{_swatch(_style.VALUE_RAMP[i])}{_esc(span)} "
                             f"{_esc(unit_label(unit, self.lang))}")
            if any(math.isnan(v) for v in values):
                items.append(f'{_swatch(_style.STATUS_COLOURS[NO_DATA])}'
                             f'{_esc(self._t(NO_DATA))}')
            scheme = "user" if user is not None else self.classes
            notes.insert(0, f'{_esc(self._t("value_classes"))} · '
                            f'{_esc(self._t(f"classes_{scheme}"))}')
            notes[-1] = f'{_esc(self._t("city_target"))}: {_esc(goal_text)}'
        city_status = _text(target.get("status"))
        data_date = _text(target.get("data_date"))
        if city_status:
            notes.append(f'{_esc(self._t("status"))}: '
                         f'{_esc(status_label(city_status, self.lang, data_date=data_date))}')
        basis, roles = (coverage[1], coverage[2]) if coverage is not None else ("", "")
        if _text(target.get("coverage")) == "partial":
            share = float(target.get("coverage_pct")) / 100.0  # type: ignore[arg-type]
            notes.append(_esc(coverage_text(share, basis, roles, self.lang)))
        source = _text(target.get("source"))
        if source:
            notes.append(f'{_esc(self._t("source"))}: {_esc(source)}')
        rows = []
        assert self.units_display is not None
        for i, (_, unit_row) in enumerate(self.units_display.iterrows()):
            value = float(values.iloc[i])
            fields = [[self._t("value"), format_quantity(value, unit, self.lang)]]
            if status is not None:
                unit_status = _text(status.iloc[i]) or NO_DATA
                if unit_status == STALE and not math.isnan(value):
                    fields[0][1] += f" {OLD_DATA_MARK} {data_date}"
                fields.append([self._t("status"),
                               status_label(unit_status, self.lang, data_date=data_date)])
            if gap is not None and not math.isnan(float(gap.iloc[i])):
                fields.append([self._t("gap"),
                               format_quantity(float(gap.iloc[i]), unit, self.lang)])
            if coverage is not None:
                share = float(coverage[0].iloc[i]) / 100.0
                if not math.isnan(share) and share < 1.0:
                    fields[0][1] += "" if math.isnan(value) else f" {PARTIAL_MARK}"
                    fields.append([self._t("coverage"), coverage_text(
                        share, basis, roles, self.lang, outside=math.isnan(value))])
            rows.append([self.unit_title(unit_row), [f for f in fields if f[1]]])
        # the same for every unit: written once, added to each card by the page
        tail = [[self._t("target"), goal_text], [self._t("year"), _text(target.get("year"))],
                [self._t("indicator"), title], [self._t("source"), source]]
        spec = {"cls": "gp-unit", "kind": "polygon", "interactive": True, "popup": True,
                "tipN": 2 if status is not None else 1, "styles": styles, "s": s,
                "rows": rows, "tail": [f for f in tail if f[1]]}
        if symbols is not None:
            spec["symbols"] = symbols
        assert self.units_data is not None
        layer = self._layer(self.units_data, spec, title, base=True, show=show,
                            points=self._unit_points() if symbols is not None else None)
        self.legend.append(_LegendSection(_esc(title), items, notes, base=layer,
                                          hidden=not show))
