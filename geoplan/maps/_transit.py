"""Transit layers of a map: metro lines (one plan at a time), stations, and their
catchments: straight-line, and walking now, in a target year and at each plan's
build-out.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import _cache
from geoplan.crs import to_metric
from geoplan.errors import GeoplanError
from geoplan.maps import _style
from geoplan.maps._base import (
    _BuilderBase,
    _circle_svg,
    _esc,
    _LegendSection,
    _line_svg,
    _swatch,
    _text,
)
from geoplan.maps._elements import (
    GeoLayer,
    SharedData,
)
from geoplan.maps._geo import display_layer, feature_collection
from geoplan.analyses.wording import format_number, format_quantity
from geoplan.maps.i18n import label

__all__: list[str] = []

logger = logging.getLogger(__name__)


_RAIL_CATCHMENT_M = 1000.0
_BUS_CATCHMENT_M = 500.0
#: Display simplification of catchments: the simplified outline lies inside the buffer, so
#: a larger tolerance shows too small a catchment (25 m: 1.3% of a 1 km disc's area lost).
_CATCHMENT_TOLERANCE_M = 10.0


def scenario_year(scorecard: pd.DataFrame, as_of: Any) -> int:
    """The first target year from ``as_of`` on (the catchment scenario drawn for it), else
    2030."""
    years = pd.to_numeric(scorecard.get("year", pd.Series(dtype=float)), errors="coerce")
    now = int(getattr(as_of, "year", 0) or 0)
    ahead = years[years >= now].dropna()
    return int(ahead.min()) if len(ahead) else 2030


def walking_scenarios(bundle: Any, *, year: int, today: Any,
                      lang: str) -> gpd.GeoDataFrame | None:
    """Walking catchments (1 km along streets) now, in ``year`` and at each plan's
    build-out, with the people each reaches and its name in ``lang``; ``None`` for a bundle
    without streets, stations in service or units with population.

    One row per scenario with a catchment: ``scenario`` (``now``, the year, ``full: <plan>``
    or ``full``), ``label``, ``stations``, ``people`` (in units the street network covers),
    ``distance_m``; metric CRS. The map draws them and the run's GeoPackage stores them
    (:func:`geoplan.network.coverage_scenarios` computes them once for both).

    Raises
    ------
    GeoplanError
        If the street network cannot be routed.
    """
    if not all(bundle.has(r) for r in ("street_network", "stations", "admin_units")):
        return None
    stations = bundle.stations
    if "status" not in stations.columns or not (stations["status"] == "operating").any():
        return None
    if "population" not in bundle.admin_units.columns:
        return None
    from geoplan.network import coverage_scenarios

    result = coverage_scenarios(bundle, distance_m=_RAIL_CATCHMENT_M, year=year, today=today,
                                lines=False)
    rows = []
    for row in result.catchments.itertuples():
        name = str(row.scenario)
        if row.geometry is None or shapely.is_empty(row.geometry):
            continue
        if name == "now":
            words = label("catchment_network", lang)
        elif name == str(year):
            words = label("catchment_year", lang).format(year=name)
        elif name.startswith("full: "):
            words = label("catchment_plan", lang).format(plan=name[len("full: "):])
        else:
            words = label("catchment_full", lang)
        people = float(result.city["covered_population"].get(name, math.nan))
        stations_in = int(result.city["stations"].get(name, 0))
        rows.append({"scenario": name, "label": words, "stations": stations_in,
                     "people": people, "distance_m": _RAIL_CATCHMENT_M,
                     "geometry": row.geometry})
    if not rows:
        return None
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=result.catchments.crs)


class _TransitLayers(_BuilderBase):
    """Metro lines by status and plan, stations, and catchments (straight-line, and
    walking scenarios with the people each reaches)."""

    def add_catchments(self, *, show: bool = True) -> None:
        """Straight-line catchments of rail stations (and bus stops) as dissolved polygons.

        Only the operating stations' catchment is shown at first (when ``show``); the others
        are in the layer control.
        """
        groups: list[tuple[str, gpd.GeoDataFrame, float, bool]] = []
        if self.bundle.has("stations"):
            stations = self.bundle.stations
            if "status" in stations.columns:
                operating = stations[stations["status"] == "operating"]
                if not operating.empty:
                    groups.append(("catchment_operating", operating, _RAIL_CATCHMENT_M, True))
            if not stations.empty:
                groups.append(("catchment_all", stations, _RAIL_CATCHMENT_M, False))
        if self.bundle.has("bus_stops"):
            stops = self.bundle.bus_stops
            if not stops.empty:
                groups.append(("catchment_bus", stops, _BUS_CATCHMENT_M, False))
        network = self._network_catchment(show=show)
        for key, points, radius, first in groups:
            metric = to_metric(points, what=f"{self.bundle.name}/{key}")
            points = metric.geometry.values
            area = _cache.persisted_geom(  # the same stops and radius: read back
                "map-discs", (_cache.geoms_digest(np.asarray(points, dtype=object)),
                              metric.crs.to_wkt(), float(radius), 16),
                lambda m=metric, r=radius: shapely.union_all(
                    m.geometry.buffer(r, quad_segs=16).values),
                code=__file__)
            catch = gpd.GeoDataFrame({"name": [self._t(key)]}, geometry=[area], crs=metric.crs)
            shown = display_layer(catch, tolerance_m=_CATCHMENT_TOLERANCE_M, what=key)
            style = {**_style.CATCHMENT_STYLES[key], "pane": "gp-areas"}
            spec = {"cls": f"gp-{key.replace('_', '-')}", "kind": "shape",
                    "interactive": False, "popup": False, "styles": [style], "rows": None}
            data = SharedData(feature_collection(shown.geometry))
            self.map.add_child(data)
            # with a walking catchment on the map, the straight-line ones start switched off
            drawn = self._layer(data, spec, self._t(key), show=show and first and not network)
            self._context_item(
                f'{_swatch(style["fillColor"], border=style["color"])}{_esc(self._t(key))}',
                drawn,
            )

    def _network_catchment(self, *, show: bool) -> bool:
        """Walking catchments (1 km along streets), when the bundle has a street network:
        of the stations operating now (shown), and, one at a time, of those in service by
        :attr:`scenario_year` and at the build-out of each plan, each named with the
        population it reaches (:func:`geoplan.network.coverage_scenarios`); without
        population, the operating stations' alone. Returns whether one was drawn."""
        if not (self.bundle.has("street_network") and self.bundle.has("stations")):
            return False
        stations = self.bundle.stations
        if "status" not in stations.columns or not (stations["status"] == "operating").any():
            return False
        try:
            drawn = self._scenario_catchments(show=show)
            if drawn is None:
                drawn = self._operating_catchment(show=show)
        except GeoplanError as exc:  # an optional layer: the map is drawn without it
            logger.warning("no walking catchment on the map: %s", exc)
            return False
        return drawn

    def _operating_catchment(self, *, show: bool) -> bool:
        from geoplan.network import StreetGraph, catchments_from_stations

        stations = self.bundle.stations
        graph = StreetGraph.from_bundle(self.bundle)
        area = catchments_from_stations(graph, stations[stations["status"] == "operating"],
                                        distance_m=_RAIL_CATCHMENT_M)
        if area.empty or bool(area.geometry.is_empty.all()):
            return False
        self._catchment_layer(area.geometry.iloc[0], area.crs, self._t("catchment_network"),
                              "catchment_network", show=show, group=None)
        return True

    def _scenario_catchments(self, *, show: bool) -> bool | None:
        """The scenario catchments with their population, or ``None`` for a bundle whose
        units have no population."""
        scenarios = walking_scenarios(self.bundle, year=self.scenario_year, today=self.as_of,
                                      lang=self.lang)
        if scenarios is None:
            return None
        drawn = False
        for row in scenarios.itertuples():
            key = "catchment_network" if row.scenario == "now" else "catchment_scenario"
            words = f"{row.label}: {format_quantity(float(row.people), 'people', self.lang)}"
            self._catchment_layer(row.geometry, scenarios.crs, words, key,
                                  show=show and row.scenario == "now", group="catchment-scenario")
            drawn = True
        if drawn:
            for section in self.legend:
                if section.key == "context":
                    section.notes.append(_esc(self._t("catchment_people_note")))
        return drawn

    def _catchment_layer(self, geometry: Any, crs: Any, words: str, key: str, *, show: bool,
                         group: str | None) -> None:
        frame = gpd.GeoDataFrame(geometry=[geometry], crs=crs)
        shown = display_layer(frame, tolerance_m=_CATCHMENT_TOLERANCE_M, what=key)
        style = {**_style.CATCHMENT_STYLES[key], "pane": "gp-areas"}
        spec: dict[str, Any] = {"cls": f"gp-{key.replace('_', '-')}", "kind": "shape",
                                "interactive": False, "popup": False, "styles": [style],
                                "rows": None}
        if group:
            spec["group"] = group
        data = SharedData(feature_collection(shown.geometry))
        self.map.add_child(data)
        drawn = self._layer(data, spec, words, show=show)
        self._context_item(f'{_swatch(style["fillColor"], border=style["color"])}{_esc(words)}',
                           drawn)

    def add_transit(self) -> None:
        """Metro lines (coloured by line, styled by status) and stations.

        Lines and stations in service or under construction form one layer each; planned
        lines form one layer per plan (bundles may carry several plans) and planned stations
        one layer, so that each can be switched off.
        """
        colours: dict[str, str] = {}
        if self.bundle.has("metro_lines"):
            lines = display_layer(self.bundle.metro_lines, tolerance_m=10,
                                  what=f"{self.bundle.name}/metro_lines").reset_index(drop=True)
            if not lines.empty:
                colours = self._add_lines(lines)
        if self.bundle.has("stations"):
            self._add_stations(colours)

    def _add_lines(self, lines: gpd.GeoDataFrame) -> dict[str, str]:
        ids = lines["line_id"].map(_text) if "line_id" in lines.columns else \
            pd.Series([""] * len(lines), index=lines.index)
        order = sorted(set(ids) - {""})
        colours: dict[str, str] = {}
        for lid, given in zip(ids, lines.get("color", pd.Series([None] * len(lines))),
                              strict=True):
            colours.setdefault(lid, _style.line_colour(lid, given, order) if lid else "#777777")
        status = lines["status"].map(_text) if "status" in lines.columns else ids.map(lambda _: "")
        plan = lines["plan"].map(_text) if "plan" in lines.columns else ids.map(lambda _: "")
        built = status.isin(["operating", "under_construction"])
        groups: list[tuple[str, pd.Series, bool]] = []
        if built.any():
            groups.append((self._t("metro_built"), built, False))
        plans = list(OrderedDict.fromkeys(plan[~built]))
        for one in plans:
            mask = ~built & (plan == one)
            name = self._t("metro_planned")
            if one:  # named in the layer list, where a reader picks one plan at a time
                name = f"{name} — {one}"
            groups.append((name, mask, True))
        line_layers: list[GeoLayer] = []
        for name, mask, planned in groups:
            part = lines[mask.to_numpy()].reset_index(drop=True)
            styles: list[dict[str, Any]] = []
            index: dict[tuple[str, str], int] = {}
            s: list[int] = []
            rows = []
            for _, row in part.iterrows():
                lid = _text(row.get("line_id"))
                st = _text(row.get("status")) or "planned"
                look = _style.LINE_STATUS_STYLES.get(st, _style.LINE_STATUS_STYLES["planned"])
                if (lid, st) not in index:
                    index[(lid, st)] = len(styles)
                    styles.append({"color": colours[lid], "weight": look["weight"],
                                   "opacity": look["opacity"], "dashArray": look["dashArray"],
                                   "lineCap": "round", "pane": "gp-lines", "fill": False})
                s.append(index[(lid, st)])
                rows.append(self._line_row(row))
            spec = {"cls": "gp-metro-line", "kind": "line", "interactive": True,
                    "popup": True, "tipN": 3, "styles": styles, "s": s, "rows": rows}
            if planned:  # planned networks overlap: off at first, one plan at a time
                spec["group"] = "planned-lines"
            data = SharedData(feature_collection(part.geometry))
            self.map.add_child(data)
            line_layers.append(self._layer(data, spec, name, show=not planned))
        # legend: the colour of each line in service or under construction, then the styles
        names: dict[str, str] = {}
        for lid, nm in zip(ids[built], lines.loc[built, "name"].map(_text)
                           if "name" in lines.columns else ids[built], strict=True):
            if lid and (lid not in names or len(nm) < len(names[lid])):
                names[lid] = nm or lid
        items = [f'{_line_svg(colours[lid], _style.LINE_STATUS_STYLES["operating"])}'
                 f"{_esc(names[lid])}" for lid in sorted(names)]
        items += [f'{_line_svg("#444", look)}{_esc(self._t(st))}'
                  for st, look in _style.LINE_STATUS_STYLES.items()]
        notes = []
        if (~built).any():
            notes.append(_esc(self._t("planned_colours")))
        approx = lines.get("approximate", pd.Series(dtype=bool))
        if approx.fillna(False).astype(bool).any():
            notes.append(_esc(self._t("approximate")))
        self.legend.append(_LegendSection(_esc(self._t("metro_lines")), items, notes,
                                          layers=line_layers))
        return colours

    def _line_row(self, row: pd.Series) -> list[Any]:
        fields: list[list[str]] = [[self._t("line"), _text(row.get("line_id"))]]
        status = _text(row.get("status"))
        fields.append([self._t("status"), self._t(status) if status else ""])
        if _text(row.get("opening_date")):
            fields.append([self._t("opening_date"), _text(row.get("opening_date"))])
        if _text(row.get("target_year")):
            year = row.get("target_year")
            text = str(int(year)) if isinstance(year, int | float | np.integer) else _text(year)
            fields.append([self._t("target_year"), text])
        if _text(row.get("length_km")):
            fields.append([self._t("length_km"), format_number(float(row["length_km"]),
                                                              self.lang)])
        if _text(row.get("plan")):
            fields.append([self._t("plan"), _text(row.get("plan"))])
        if bool(row.get("approximate")) and _text(row.get("approximate")):
            fields.append(["⚠", self._t("approximate")])
        fields = [f for f in fields if f[1]]
        return [_text(row.get("name")) or _text(row.get("line_id")), fields]

    def _add_stations(self, colours: dict[str, str]) -> None:
        stations = display_layer(self.bundle.stations, tolerance_m=0,
                                 what=f"{self.bundle.name}/stations").reset_index(drop=True)
        if stations.empty:
            return
        order = sorted(colours)
        status = stations["status"].map(_text) if "status" in stations.columns else \
            pd.Series(["planned"] * len(stations), index=stations.index)
        built = status.isin(["operating", "under_construction"])
        station_layers: list[GeoLayer] = []
        for key, mask in (("stations_built", built), ("stations_planned", ~built)):
            part = stations[mask.to_numpy()].reset_index(drop=True)
            if part.empty:
                continue
            styles: list[dict[str, Any]] = []
            index: dict[tuple[str, str], int] = {}
            s: list[int] = []
            rows = []
            for _, row in part.iterrows():
                lid = _text(row.get("line_id"))
                colour = colours.get(lid) or (_style.line_colour(lid, None, order)
                                              if lid else "#777777")
                st = _text(row.get("status")) or "planned"
                if (lid, st) not in index:
                    index[(lid, st)] = len(styles)
                    styles.append(self._station_style(colour, st))
                s.append(index[(lid, st)])
                fields = [[self._t("line"), lid], [self._t("status"), self._t(st)]]
                if _text(row.get("opening_date")):
                    fields.append([self._t("opening_date"), _text(row.get("opening_date"))])
                if _text(row.get("plan")):
                    fields.append([self._t("plan"), _text(row.get("plan"))])
                if bool(row.get("approximate")) and _text(row.get("approximate")):
                    fields.append(["⚠", self._t("approximate")])
                title = _text(row.get("name")) or _text(row.get("station_id"))
                rows.append([title, [f for f in fields if f[1]]])
            spec = {"cls": "gp-station", "kind": "point", "interactive": True, "popup": True,
                    "tipN": 2, "styles": styles, "s": s, "rows": rows}
            data = SharedData(feature_collection(part.geometry))
            self.map.add_child(data)
            station_layers.append(self._layer(data, spec, self._t(key),
                                              show=key == "stations_built"))
        items = [f'{_circle_svg(self._station_style("#444", st))}{_esc(self._t(st))}'
                 for st in _style.STATION_STATUS_STYLES]
        self.legend.append(_LegendSection(_esc(self._t("stations")), items,
                                          layers=station_layers))

    @staticmethod
    def _station_style(colour: str, status: str) -> dict[str, Any]:
        look = _style.STATION_STATUS_STYLES.get(status, _style.STATION_STATUS_STYLES["planned"])
        if status == "operating":
            fill, stroke = colour, "#ffffff"
        else:
            fill, stroke = "#ffffff", colour
        style = {"radius": look["radius"], "weight": look["weight"], "color": stroke,
                 "fillColor": fill, "fillOpacity": look["fillOpacity"], "opacity": 1,
                 "pane": "gp-points"}
        if status == "planned":
            style["dashArray"] = "2 2"
        return style
