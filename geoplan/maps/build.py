"""Interactive maps of a bundle's layers and of a run's targets, as self-contained HTML.

:func:`map_bundle` draws a bundle's layers; :func:`map_run` adds one choropleth per target
that has values per administrative unit, and a scorecard panel; :func:`save_map` writes one
HTML file that renders with no network (Leaflet is inlined; basemap tiles are optional).

>>> from geoplan.layers import load_bundle
>>> m = map_bundle(load_bundle("hanoi"), lang="en")  # doctest: +SKIP
>>> save_map(m, "maps/hanoi-layers.html")  # doctest: +SKIP
PosixPath('maps/hanoi-layers.html')
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import _choices
from geoplan.analyses.evaluate import NO_DATA, STALE, status_label
from geoplan.crs import to_metric
from geoplan.errors import GeoplanError
from geoplan.io import atomic_write_text
from geoplan.layers import Bundle, load_bundle
from geoplan.maps import _style
from geoplan.maps._elements import (
    Assets,
    Attribution,
    Follow,
    GeoLayer,
    LayerControl,
    Panel,
    Panes,
    SafeFigure,
    SafeMacro,
    SharedData,
    TileLayer,
    escape_html,
)
from geoplan.maps._geo import display_coverage, display_layer, feature_collection
from geoplan.maps.i18n import (
    describe_goal,
    unit_label,
    OLD_DATA_MARK,
    PARTIAL_MARK,
    check_lang,
    coverage_text,
    format_number,
    format_quantity,
    label,
)

__all__ = [
    "OSM_ATTRIBUTION",
    "TILES",
    "UnknownTilesError",
    "map_bundle",
    "map_run",
    "save_map",
]

logger = logging.getLogger(__name__)

#: Basemap choices: ``none`` keeps the map offline; the others load tiles from the network.
TILES = _choices.TILES
#: Attribution required by the ODbL for layers derived from OpenStreetMap.
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"

_RAIL_CATCHMENT_M = 1000.0
_BUS_CATCHMENT_M = 500.0
#: Tile address and attribution per basemap choice (both load tiles from the network; CARTO
#: may ask for an API key: see https://carto.com/basemaps).
_TILE_SOURCES: dict[str, tuple[str, str]] = {
    "osm": ("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "&copy; OpenStreetMap contributors, ODbL"),
    "carto": ("https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
              "&copy; OpenStreetMap contributors, &copy; CARTO"),
}
_PANES = {"gp-units": 350, "gp-areas": 380, "gp-lines": 420, "gp-points": 450}


class UnknownTilesError(GeoplanError, ValueError):
    """A basemap choice that is not in :data:`TILES`."""


class _RunLike(Protocol):
    """What :func:`map_run` reads from a run result (see ``geoplan.analyses.run.RunResult``)."""

    bundle: Bundle
    scorecard: pd.DataFrame
    units: gpd.GeoDataFrame | None


class _Map(folium.Map, SafeMacro):
    """A folium map that links no CDN asset (geoplan inlines what it needs), on a
    :class:`~geoplan.maps._elements.SafeFigure`, rendered through
    :class:`~geoplan.maps._elements.SafeMacro` (no text of it is compiled as a template)."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 - folium's class attribute
    default_css: list[tuple[str, str]] = []  # noqa: RUF012

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        SafeFigure().add_child(self)


_esc = escape_html


def _text(value: object) -> str:
    """Plain text of a data value ('' for missing)."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


def _check_tiles(tiles: str) -> str:
    if tiles not in TILES:
        message = f"unknown tiles {tiles!r}; use one of {', '.join(TILES)} (--tiles)"
        raise UnknownTilesError(message)
    return tiles


def _as_bundle(bundle: Bundle | str | os.PathLike[str]) -> Bundle:
    return bundle if isinstance(bundle, Bundle) else load_bundle(bundle)


@dataclass
class _LegendSection:
    title: str  # escaped HTML
    items: list[str] = field(default_factory=list)  # escaped HTML <li> contents
    notes: list[str] = field(default_factory=list)  # escaped HTML
    base: GeoLayer | None = None  # the base layer it belongs to (None: always shown)
    hidden: bool = False
    key: str = ""


def _swatch(fill: str, *, border: str = "rgba(0,0,0,0.35)", opacity: float = 1.0) -> str:
    return (
        f'<span class="gp-swatch" style="background:{fill};opacity:{opacity:g};'
        f'border-color:{border}"></span>'
    )


def _line_svg(colour: str, style: dict[str, Any]) -> str:
    dash = f' stroke-dasharray="{style["dashArray"]}"' if style.get("dashArray") else ""
    return (
        f'<svg width="34" height="10" aria-hidden="true"><line x1="1" y1="5" x2="33" y2="5" '
        f'stroke="{colour}" stroke-width="{style["weight"]}"{dash} '
        f'stroke-opacity="{style["opacity"]}"/></svg>'
    )


def _circle_svg(style: dict[str, Any]) -> str:
    r = float(style["radius"])
    dash = f' stroke-dasharray="{style["dashArray"]}"' if style.get("dashArray") else ""
    return (
        f'<svg width="16" height="16" aria-hidden="true"><circle cx="8" cy="8" r="{r:g}" '
        f'fill="{style["fillColor"]}" stroke="{style["color"]}" '
        f'stroke-width="{style["weight"]}"{dash}/></svg>'
    )


class _Builder:
    """Collects layers, legend sections and attributions, then assembles the map."""

    def __init__(self, bundle: Bundle, *, lang: str, tiles: str) -> None:
        self.bundle = bundle
        self.lang = check_lang(lang)
        self.tiles = _check_tiles(tiles)
        self.legend: list[_LegendSection] = []
        self.base_layers: list[GeoLayer] = []
        self.overlays: list[GeoLayer] = []
        self.units_display: gpd.GeoDataFrame | None = None
        self.units_section: _LegendSection | None = None
        self.units_data: SharedData | None = None
        if bundle.has("admin_units"):
            units = bundle.admin_units.reset_index(drop=True)
            self.units_display = display_coverage(units, what=f"{bundle.name}/admin_units")
            self.units_data = SharedData(feature_collection(self.units_display.geometry))
        self.map = _Map(location=self._centre(), tiles=None, zoom_start=10,
                        control_scale=True, prefer_canvas=False)
        self.map.add_child(Assets())
        self._panes()
        if self.units_data is not None:
            self.map.add_child(self.units_data)
        self._add_tiles()

    # -- frame -----------------------------------------------------------------------------
    def _t(self, key: str) -> str:
        return label(key, self.lang)

    def _bounds(self) -> list[list[float]] | None:
        for role in ("city_boundary", "admin_units"):
            if self.bundle.has(role):
                layer = self.bundle.layer(role)
                if layer.crs is not None and not layer.empty:
                    minx, miny, maxx, maxy = layer.to_crs(4326).total_bounds
                    return [[float(miny), float(minx)], [float(maxy), float(maxx)]]
        return None

    def _centre(self) -> list[float]:
        bounds = self._bounds()
        if bounds is None:
            return [21.03, 105.85]
        return [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]

    def _panes(self) -> None:
        # created right after the map, before any layer uses them
        self.map.add_child(Panes(_PANES))

    def _add_tiles(self) -> None:
        if self.tiles == "none":
            return
        url, attr = _TILE_SOURCES[self.tiles]
        name = self._t("tiles_osm" if self.tiles == "osm" else "tiles_carto")
        TileLayer(url, attr=attr, name=_esc(name), overlay=True, control=True,
                  show=True, max_zoom=19).add_to(self.map)

    # -- attribution -----------------------------------------------------------------------
    def _attribution(self, role: str) -> str:
        entry = self.bundle.manifest.layers.get(role)
        if entry is None:
            return ""
        text = entry.attribution.strip()
        if not text and re.search(r"openstreetmap|\bosm\b", entry.source, re.IGNORECASE):
            text = OSM_ATTRIBUTION
        return text

    def _collect_attributions(self) -> list[str]:
        """Every credit once: the manifest's and the layers' texts split at ``;``, a credit
        that differs only by a trailing note in brackets counted as the same."""
        texts = [self.bundle.manifest.attribution.strip(),
                 *(self._attribution(role) for role in self.bundle.roles)]
        credits: OrderedDict[str, str] = OrderedDict()
        for text in texts:
            for part in (p.strip() for p in text.split(";")):
                key = re.sub(r"\s*\([^()]*\)$", "", part).casefold()
                if part and key not in credits:
                    credits[key] = part
        return [_esc(t) for t in credits.values()]

    # -- layers ----------------------------------------------------------------------------
    def _context_item(self, item: str) -> None:
        for section in self.legend:
            if section.key == "context":
                section.items.append(item)
                return
        self.legend.append(_LegendSection("", [item], key="context"))

    def _layer(
        self, data: SharedData, spec: dict[str, Any], name: str, *, base: bool = False,
        show: bool = True,
    ) -> GeoLayer:
        layer = GeoLayer(data, spec, name=_esc(name), overlay=not base, show=show)
        (self.base_layers if base else self.overlays).append(layer)
        return layer

    def unit_rows(self) -> list[list[Any]]:
        """Title and label/value rows of each unit (plain text), in display order."""
        if self.units_display is None:
            return []
        rows = []
        for _, unit in self.units_display.iterrows():
            fields = [[self._t("unit_id"), _text(unit.get("unit_id"))]]
            if _text(unit.get("unit_type")):
                fields.append([self._t("unit_type"), _text(unit.get("unit_type"))])
            if "population" in unit and _text(unit.get("population")):
                fields.append([self._t("population"),
                               format_number(float(unit["population"]), self.lang)])
            if "is_inner" in unit and _text(unit.get("is_inner")):
                inner = self._t("yes" if bool(unit["is_inner"]) else "no")
                fields.append([self._t("inner"), inner])
            rows.append([self.unit_title(unit), fields])
        return rows

    def unit_title(self, unit: pd.Series) -> str:
        name = _text(unit.get("name"))
        if self.lang == "en" and _text(unit.get("name_en")):
            name = f"{_text(unit.get('name_en'))} ({name})"
        return name or _text(unit.get("unit_id"))

    def add_units_base(self, *, show: bool) -> None:
        if self.units_data is None:
            return
        spec = {
            "cls": "gp-unit", "kind": "polygon", "interactive": True, "popup": True,
            "tipN": 0, "pane": "gp-units",
            "styles": [{"color": "#555", "weight": 1, "fillColor": "#ffffff",
                        "fillOpacity": 0.35, "pane": "gp-units"}],
            "rows": self.unit_rows(),
        }
        layer = self._layer(self.units_data, spec, self._t("admin_units"), base=True, show=show)
        self.units_section = _LegendSection(
            _esc(self._t("admin_units")),
            [f'{_swatch("#ffffff")}{_esc(self._t("admin_units"))}'],
            [_esc(self._t("display_note"))], base=layer, hidden=not show,
        )
        self.legend.append(self.units_section)

    def _simple_layer(
        self, role: str, style: dict[str, Any], *, tolerance_m: float, pane: str,
        show: bool = True, interactive: bool = True, fields: tuple[str, ...] = (),
    ) -> GeoLayer | None:
        if not self.bundle.has(role):
            return None
        layer = display_layer(self.bundle.layer(role), tolerance_m=tolerance_m,
                              what=f"{self.bundle.name}/{role}")
        if layer.empty:
            return None
        layer = layer.reset_index(drop=True)
        title = self._t(role)
        rows = []
        for _, row in layer.iterrows():
            name = _text(row.get("name")) or _text(row.get("kind")) or title
            extra = [[self._t(f), _text(row.get(f))] for f in fields if _text(row.get(f))]
            rows.append([name, extra])
        spec = {
            "cls": f"gp-{role.replace('_', '-')}", "kind": "shape", "interactive": interactive,
            "popup": False, "tipN": None,
            "styles": [{**style, "pane": pane}],
            "rows": rows if interactive else None,
        }
        data = SharedData(feature_collection(layer.geometry))
        self.map.add_child(data)
        gl = self._layer(data, spec, title, show=show)
        linear = bool(layer.geom_type.isin(["LineString", "MultiLineString"]).all())
        swatch = (_line_svg(style.get("color", "#333"), {"weight": style.get("weight", 2),
                                                          "opacity": 1, "dashArray": None})
                  if linear or not style.get("fill", True)
                  else _swatch(style.get("fillColor", style.get("color", "#999")),
                               opacity=min(1.0, style.get("fillOpacity", 0.5) + 0.3)))
        self._context_item(f"{swatch}{_esc(title)}")
        return gl

    def add_context(self) -> None:
        """Boundary, water, green space, river axis and corridors."""
        self._simple_layer("water", {"stroke": False, "fillColor": "#a6cee3",
                                     "fillOpacity": 0.7}, tolerance_m=5, pane="gp-areas",
                           interactive=False)
        self._simple_layer("green_space", {"color": "#238b45", "weight": 0.5,
                                           "fillColor": "#74c476", "fillOpacity": 0.6},
                           tolerance_m=3, pane="gp-areas", fields=("kind",))
        self._simple_layer("river_corridors", {"color": "#4292c6", "weight": 2.5,
                                               "fillColor": "#9ecae1", "fillOpacity": 0.35},
                           tolerance_m=10, pane="gp-lines")
        self._simple_layer("river_axis", {"color": "#08519c", "weight": 4,
                                          "fillColor": "#6baed6", "fillOpacity": 0.4},
                           tolerance_m=10, pane="gp-lines")
        self._simple_layer("city_boundary", {"color": "#222", "weight": 2.5, "fill": False,
                                             "fillOpacity": 0},
                           tolerance_m=15, pane="gp-lines", interactive=False)
        self.add_extents()

    def _city_shape(self) -> Any:
        for role in ("admin_units", "city_boundary"):
            if self.bundle.has(role):
                layer = self.bundle.layer(role)
                if layer.crs is not None and not layer.empty:
                    return shapely.union_all(layer.to_crs(4326).geometry.to_numpy())
        return None

    def add_extents(self) -> None:
        """A dashed outline of the covered extent of each layer that does not cover the city.

        The extent is the manifest's (:meth:`~geoplan.layers.Bundle.extent`); an extent
        holding the whole city (at least 99% of its area) is not drawn.
        """
        city = self._city_shape()
        drawn = False
        for role in self.bundle.roles:
            if not self.bundle.has(role):
                continue
            extent = self.bundle.extent(role)
            if extent is None:
                continue
            if city is not None and not shapely.is_empty(city):
                frame = gpd.GeoDataFrame(geometry=[city, shapely.intersection(city, extent)],
                                         crs=4326)
                whole, inside = to_metric(frame, what=f"{self.bundle.name}/{role}").area
                if whole > 0 and inside >= 0.99 * whole:
                    continue
                extent = shapely.intersection(extent, city)  # the map shows the city only
            shape = gpd.GeoDataFrame(geometry=[extent], crs=4326)
            shown = display_layer(shape, tolerance_m=25, what=f"{role} extent")
            style = {**_style.EXTENT_STYLE, "pane": "gp-lines"}
            spec = {"cls": f"gp-extent gp-extent-{role.replace('_', '-')}", "kind": "shape",
                    "interactive": False, "popup": False, "styles": [style], "rows": None}
            data = SharedData(feature_collection(shown.geometry))
            self.map.add_child(data)
            name = f"{self._t('data_extent')}: {self._t(role)}"
            self._layer(data, spec, name)
            self._context_item(f"{_line_svg(style['color'], style)}{_esc(name)}")
            drawn = True
        if drawn:
            for section in self.legend:
                if section.key == "context":
                    section.notes.append(_esc(self._t("data_extent_note")))

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
            area = shapely.union_all(metric.geometry.buffer(radius, quad_segs=16).values)
            catch = gpd.GeoDataFrame({"name": [self._t(key)]}, geometry=[area], crs=metric.crs)
            shown = display_layer(catch, tolerance_m=10, what=key)
            style = {**_style.CATCHMENT_STYLES[key], "pane": "gp-areas"}
            spec = {"cls": f"gp-{key.replace('_', '-')}", "kind": "shape",
                    "interactive": False, "popup": False, "styles": [style], "rows": None}
            data = SharedData(feature_collection(shown.geometry))
            self.map.add_child(data)
            # with a walking catchment on the map, the straight-line ones start switched off
            self._layer(data, spec, self._t(key), show=show and first and not network)
            self._context_item(
                f'{_swatch(style["fillColor"], border=style["color"])}{_esc(self._t(key))}'
            )

    def _network_catchment(self, *, show: bool) -> bool:
        """Walking catchment (1 km along streets) of operating stations, when the bundle has
        a street network; returns whether it was drawn."""
        if not (self.bundle.has("street_network") and self.bundle.has("stations")):
            return False
        stations = self.bundle.stations
        if "status" not in stations.columns:
            return False
        operating = stations[stations["status"] == "operating"]
        if operating.empty:
            return False
        from geoplan.network import StreetGraph, catchments_from_stations

        try:
            graph = StreetGraph.from_bundle(self.bundle)
            area = catchments_from_stations(graph, operating, distance_m=_RAIL_CATCHMENT_M)
        except GeoplanError as exc:  # an optional layer: the map is drawn without it
            logger.warning("no walking catchment on the map: %s", exc)
            return False
        if area.empty or bool(area.geometry.is_empty.all()):
            return False
        key = "catchment_network"
        shown = display_layer(area[[area.geometry.name]], tolerance_m=10, what=key)
        style = {**_style.CATCHMENT_STYLES[key], "pane": "gp-areas"}
        spec = {"cls": "gp-catchment-network", "kind": "shape", "interactive": False,
                "popup": False, "styles": [style], "rows": None}
        data = SharedData(feature_collection(shown.geometry))
        self.map.add_child(data)
        self._layer(data, spec, self._t(key), show=show)
        self._context_item(
            f'{_swatch(style["fillColor"], border=style["color"])}{_esc(self._t(key))}'
        )
        return True

    def add_transit(self) -> None:
        """Metro lines (coloured by line, styled by status) and stations.

        Lines and stations in service or under construction form one layer each; planned
        lines form one layer per plan (bundles may carry several plans) and planned stations
        one layer, so that each can be switched off.
        """
        colours: dict[str, str] = {}
        if self.bundle.has("metro_lines"):
            lines = display_layer(self.bundle.metro_lines, tolerance_m=5,
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
        groups: list[tuple[str, pd.Series]] = []
        if built.any():
            groups.append((self._t("metro_built"), built))
        plans = list(OrderedDict.fromkeys(plan[~built]))
        for one in plans:
            mask = ~built & (plan == one)
            name = self._t("metro_planned")
            if len(plans) > 1 and one:
                name = f"{name} — {one}"
            groups.append((name, mask))
        for name, mask in groups:
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
            data = SharedData(feature_collection(part.geometry))
            self.map.add_child(data)
            self._layer(data, spec, name)
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
        self.legend.append(_LegendSection(_esc(self._t("metro_lines")), items, notes))
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
            self._layer(data, spec, self._t(key))
        items = [f'{_circle_svg(self._station_style("#444", st))}{_esc(self._t(st))}'
                 for st in _style.STATION_STATUS_STYLES]
        self.legend.append(_LegendSection(_esc(self._t("stations")), items))

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

    # -- run layers ------------------------------------------------------------------------
    def add_progress(self, progress: pd.DataFrame, *, show_first: bool = True) -> int:
        """One base layer per monitored target: units coloured by progress status.

        ``progress`` has the columns of :func:`geoplan.monitor.progress_frame`: one row per
        target (``unit_id`` empty) and, for targets of scope ``unit``, one row per unit.
        Targets judged per unit colour each unit by its own status; city-wide targets colour
        every unit with the city's status, inner-city targets the inner-city units. Returns
        how many layers were added.
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
            self._progress_layer(str(key), target, per_unit, order, inner,
                                 show=show_first and added == 0)
            added += 1
        return added

    def _progress_layer(
        self, key: str, target: pd.Series, per_unit: pd.DataFrame, order: list[str],
        inner: list[bool], *, show: bool,
    ) -> None:
        statuses = list(_style.STATUS_COLOURS)
        base_style = {"color": "#555", "weight": 0.8, "fillOpacity": 0.8, "pane": "gp-units"}
        styles = [{**base_style, "fillColor": _style.STATUS_COLOURS[st]} for st in statuses]
        styles.append({**base_style, "fillColor": "#ffffff", "fillOpacity": 0.2})  # outside
        outside = len(styles) - 1
        scope = _text(target.get("scope")) or "city"
        unit = _text(target.get("unit"))
        title = _text(target.get("title")) or key
        per_unit.index = per_unit.index.astype(str)
        s: list[int] = []
        rows: list[list[Any]] = []
        shown: list[str] = []
        for i, (_, unit_row) in enumerate(self.units_display.iterrows()):  # type: ignore[union-attr]
            uid = order[i]
            if scope == "unit":
                row = per_unit.loc[uid] if uid in per_unit.index else None
            elif scope == "inner" and not inner[i]:
                row = None
            else:
                row = target
            if row is None and scope != "unit":
                s.append(outside)
                rows.append([self.unit_title(unit_row),
                             [[self._t("progress"), self._t("outside_scope")]]])
                shown.append("")
                continue
            status = _text(row.get("status")) if row is not None else NO_DATA
            status = status if status in statuses else NO_DATA
            s.append(statuses.index(status))
            shown.append(status)
            fields = [[self._t("progress"), self._t(status)]]
            if row is not None:
                for field_key, column in (("value", "value"), ("path_value", "path_value"),
                                          ("baseline", "baseline_value")):
                    value: Any = row.get(column)
                    if _text(value):
                        text = format_quantity(float(value), unit, self.lang)
                        if field_key == "value" and _text(row.get("value_date")):
                            text += f" ({_text(row.get('value_date'))})"
                        if field_key == "baseline" and _text(row.get("baseline_date")):
                            text += f" ({_text(row.get('baseline_date'))})"
                        fields.append([self._t(field_key), text.strip()])
            fields.append([self._t("target"), _text(target.get("target"))
                           + (f" ({_text(target.get('year'))})" if _text(target.get("year"))
                              else "")])
            fields.append([self._t("indicator"), title])
            if _text(target.get("source")):
                fields.append([self._t("source"), _text(target.get("source"))])
            rows.append([self.unit_title(unit_row), [f for f in fields if f[1]]])
        counts = pd.Series(shown).value_counts()
        items = [f"{_swatch(_style.STATUS_COLOURS[st])}{_esc(self._t(st))} "
                 f"({int(counts.get(st, 0))})" for st in statuses if counts.get(st, 0)]
        if counts.get("", 0):
            items.append(f'{_swatch("#ffffff")}{_esc(self._t("outside_scope"))} '
                         f'({int(counts.get("", 0))})')
        city_status = _text(target.get("status")) or NO_DATA
        notes = [_esc(self._t({"unit": "progress_per_unit", "inner": "progress_inner"}
                              .get(scope, "progress_city"))),
                 f'{_esc(self._t("target"))}: {_esc(_text(target.get("target")))}'
                 + (f' ({_esc(_text(target.get("year")))})' if _text(target.get("year")) else ""),
                 f'{_esc(self._t("progress"))}: {_esc(self._t(city_status))}',
                 _esc(self._t("progress_path"))]
        spec = {"cls": "gp-unit gp-progress", "kind": "polygon", "interactive": True,
                "popup": True, "tipN": 2, "styles": styles, "s": s, "rows": rows}
        assert self.units_data is not None
        name = f"{self._t('progress')}: {title}"
        layer = self._layer(self.units_data, spec, name, base=True, show=show)
        self.legend.append(_LegendSection(_esc(name), items, notes, base=layer, hidden=not show))

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
            slug = _slug(key)
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
        else:
            breaks = _breaks(values)
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
            notes.insert(0, _esc(self._t("value_classes")))
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
            fields.append([self._t("target"), goal_text])
            if gap is not None and not math.isnan(float(gap.iloc[i])):
                fields.append([self._t("gap"),
                               format_quantity(float(gap.iloc[i]), unit, self.lang)])
            if _text(target.get("year")):
                fields.append([self._t("year"), _text(target.get("year"))])
            if coverage is not None:
                share = float(coverage[0].iloc[i]) / 100.0
                if not math.isnan(share) and share < 1.0:
                    fields[0][1] += "" if math.isnan(value) else f" {PARTIAL_MARK}"
                    fields.append([self._t("coverage"), coverage_text(
                        share, basis, roles, self.lang, outside=math.isnan(value))])
            fields.append([self._t("indicator"), title])
            if source:
                fields.append([self._t("source"), source])
            rows.append([self.unit_title(unit_row), [f for f in fields if f[1]]])
        spec = {"cls": "gp-unit", "kind": "polygon", "interactive": True, "popup": True,
                "tipN": 2 if status is not None else 1, "styles": styles, "s": s,
                "rows": rows}
        assert self.units_data is not None
        layer = self._layer(self.units_data, spec, title, base=True, show=show)
        self.legend.append(_LegendSection(_esc(title), items, notes, base=layer,
                                          hidden=not show))

    # -- assembly --------------------------------------------------------------------------
    def finish(self, *, title: str, subtitle: str, scorecard_html: str = "") -> folium.Map:
        for layer in self.base_layers:
            self.map.add_child(layer)
        for layer in self.overlays:
            self.map.add_child(layer)
        LayerControl(collapsed=False, position="topright").add_to(self.map)
        if self.base_layers:
            self.map.add_child(Follow())
        attributions = self._collect_attributions()
        if attributions:
            self.map.add_child(Attribution(attributions))
        bounds = self._bounds()
        if bounds is not None:
            # keep the city clear of the title (top left) and the legend (right)
            self.map.fit_bounds(bounds, padding_top_left=(20, 80), padding_bottom_right=(310, 20))
        self.map.add_child(Panel(
            f'<div class="gp-panel gp-title"><h1>{_esc(title)}</h1>'
            f"<p>{_esc(subtitle)}</p></div>", key="title"))
        self.map.add_child(Panel(self._legend_html, key="legend"))
        if scorecard_html:
            self.map.add_child(Panel(scorecard_html, key="scorecard"))
        root: Any = self.map.get_root()
        root.title = _esc(title)  # branca writes it unescaped
        self.map.geoplan_lang = self.lang  # type: ignore[attr-defined]
        self.map.geoplan_bundle = self.bundle  # type: ignore[attr-defined]  # for save_map
        _stable_ids(self.map)
        return self.map

    def _legend_html(self) -> str:
        parts = [f'<div class="gp-panel gp-legend" role="region" aria-label="'
                 f'{_esc(self._t("legend"))}"><h2>{_esc(self._t("legend"))}</h2>']
        for section in self.legend:
            attrs = ' class="gp-legend-section"'
            if section.base is not None:
                attrs += f' data-base="{_esc(section.base.get_name())}"'
            if section.hidden:
                attrs += " hidden"
            heading = f"<h3>{section.title}</h3>" if section.title else ""
            parts.append(f"<section{attrs}>{heading}<ul>")
            parts.extend(f"<li>{item}</li>" for item in section.items)
            parts.append("</ul>")
            parts.extend(f'<p class="gp-note">{note}</p>' for note in section.notes)
            parts.append("</section>")
        missing = self.bundle.missing
        if missing:
            parts.append(f'<section class="gp-legend-section"><h3>'
                         f'{_esc(self._t("missing_layers"))}</h3>')
            # the manifest's reasons are English (written by the build scripts, may name
            # files): an English reader sees them, a Vietnamese reader the label
            parts.extend(f'<p class="gp-note">{_esc(self._t(role))}: '
                         f'{_esc(reason if self.lang == "en" else self._t("layer_not_available"))}'
                         f'</p>' for role, reason in missing.items())
            parts.append("</section>")
        if self.tiles == "none":
            parts.append(f'<p class="gp-note">{_esc(self._t("no_tiles"))}</p>')
        parts.append("</div>")
        return "".join(parts)


def _slug(key: str) -> str:
    try:
        from geoplan.analyses.run import slugify
    except ImportError:  # pragma: no cover - the run module ships with geoplan
        return re.sub(r"[^0-9A-Za-z]+", "_", key).strip("_").lower()
    return str(slugify(key))


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


def _breaks(values: pd.Series) -> list[float]:
    """Class edges of the finite values: up to five quantile classes (unique, ascending).

    When at least a fifth of the units share the lowest value (typically 0: no station
    nearby), that value is a class of its own (edges ``[low, low, ...]``) and the others are
    split into quantile classes, so a map where most units have nothing still shows how the
    rest differ.
    """
    finite = values[np.isfinite(values)]
    if finite.empty:
        return [0.0, 0.0]
    low = float(finite.min())
    rest = finite[finite > low]
    if len(rest) and (finite == low).mean() >= 0.2:
        quantiles = np.quantile(rest, np.linspace(0, 1, len(_style.VALUE_RAMP)))[1:]
        return [low, low, *(float(e) for e in np.unique(quantiles))]
    edges = np.unique(np.quantile(finite, np.linspace(0, 1, len(_style.VALUE_RAMP) + 1)))
    if len(edges) == 1:
        return [float(edges[0]), float(edges[0])]
    return [float(e) for e in edges]


def _class_of(value: float, breaks: list[float]) -> int:
    for i in range(1, len(breaks)):
        if value <= breaks[i]:
            return i - 1
    return len(breaks) - 2


def _stable_ids(root: Any) -> None:
    """Give every element a sequential id so that the same inputs give the same HTML."""
    counter = itertools.count()

    def walk(element: Any) -> None:
        element._id = f"{next(counter):05d}"
        renamed: OrderedDict[str, Any] = OrderedDict()
        for key, child in element._children.items():
            old = child.get_name()
            walk(child)
            renamed[child.get_name() if key == old else key] = child
        element._children = renamed

    walk(root)


def _title_of(result: Any, lang: str) -> str:
    recipe = getattr(result, "recipe", None)
    title = getattr(recipe, "title", None)
    if title is not None and hasattr(title, "get"):
        return str(title.get(lang))
    return label("map_title_run", lang)


def _scorecard_html(result: _RunLike, lang: str) -> str:
    table = result.scorecard
    titles = _titles(result, lang)
    goals = _goal_texts(result, lang)
    head = [label(k, lang) for k in ("target", "value", "status", "gap", "year", "source")]
    head[0] = label("indicator", lang)
    parts = [f'<details class="gp-panel gp-scorecard" open><summary>'
             f'{_esc(label("scorecard", lang))}</summary><table><thead><tr>']
    parts.extend(f"<th>{_esc(h)}</th>" for h in head)
    parts.append("</tr></thead><tbody>")
    for _, row in table.iterrows():
        key = _text(row.get("key"))
        status = _text(row.get("status")) or NO_DATA
        data_date = _text(row.get("data_date"))
        colour = _style.STATUS_COLOURS.get(status, _style.STATUS_COLOURS[NO_DATA])
        value: Any = row.get("value")
        unit = _text(row.get("unit"))
        shown = (format_quantity(float(value), unit, lang) if _text(value)
                 else label(NO_DATA, lang))
        if _text(value) and _text(row.get("coverage")) == "partial":
            shown += f" {PARTIAL_MARK} {format_number(float(row['coverage_pct']), lang)} %"
        if _text(value) and status == STALE:
            shown += f" {OLD_DATA_MARK} {data_date}"
        gap: Any = row.get("gap")
        gap_text = format_number(float(gap), lang) if _text(gap) else ""
        title = titles.get(key) or _text(row.get("title")) or key
        parts.append(
            f"<tr><td>{_esc(title)}<br><small>{_esc(label('target', lang))}: "
            f"{_esc(goals.get(key) or _text(row.get('target')))}</small></td>"
            f'<td class="gp-num">{_esc(shown)}</td>'
            f'<td><span class="gp-badge gp-status" data-key="{_esc(key)}" '
            f'data-status="{_esc(status)}" style="background:{colour}">'
            f"{_esc(status_label(status, lang, data_date=data_date))}</span></td>"
            f'<td class="gp-num">{_esc(gap_text)}</td>'
            f"<td>{_esc(_text(row.get('year')))}</td>"
            f"<td>{_esc(_text(row.get('source')))}</td></tr>"
        )
    parts.append("</tbody></table></details>")
    return "".join(parts)


# -- public API ------------------------------------------------------------------------------
def map_bundle(
    bundle: Bundle | str | os.PathLike[str], *, lang: str = "vi", tiles: str = "none"
) -> folium.Map:
    """Draw a bundle's layers on an interactive map.

    Shows the administrative units, the river axis and corridors, water and green space when
    present, metro lines (coloured by line; solid operating, dashed under construction,
    dotted planned; approximate alignments flagged), stations, straight-line transit
    catchments, a legend, a layer control, a title and the data attributions.

    Parameters
    ----------
    bundle
        A :class:`~geoplan.layers.Bundle`, a bundle name or a bundle folder.
    lang
        ``"vi"`` (default) or ``"en"``: language of the fixed labels.
    tiles
        ``"none"`` (default: no basemap, works offline), ``"osm"`` or ``"carto"`` (a tile
        layer that needs the network).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map` to get a self-contained HTML file.

    Raises
    ------
    UnknownLanguageError, UnknownTilesError
        For a ``lang`` or ``tiles`` value that is not supported.
    BundleNotFoundError, LayerValidationError
        If the bundle cannot be opened or a layer is broken.

    Examples
    --------
    >>> m = map_bundle("hanoi", lang="en")  # doctest: +SKIP
    >>> type(m).__mro__[1].__name__  # doctest: +SKIP
    'Map'
    """
    the_bundle = _as_bundle(bundle)
    builder = _Builder(the_bundle, lang=lang, tiles=tiles)
    builder.add_units_base(show=True)
    builder.add_context()
    builder.add_catchments()
    builder.add_transit()
    title = the_bundle.manifest.title or the_bundle.name
    return builder.finish(title=title, subtitle=label("map_title_bundle", builder.lang))


def map_run(result: _RunLike, *, lang: str = "vi", tiles: str = "none",
            progress: pd.DataFrame | None = None) -> folium.Map:
    """Draw a run: the bundle's layers, one choropleth per per-unit target, a scorecard.

    Each target with values per administrative unit becomes a base layer (one shown at a
    time): when the target is judged per unit, units are coloured by status (met / partly /
    not met / no data); otherwise by value class, with the city-wide target in the legend.
    Tooltips and popups give the unit's name, value, target, status, gap, year and source.
    With ``progress`` (from :func:`geoplan.monitor.progress_frame`), one *progress* base
    layer per monitored target comes first and is shown first: units coloured by on-track
    status (achieved / on track / behind / no data).

    Parameters
    ----------
    result
        A :class:`geoplan.analyses.run.RunResult` (``bundle``, ``scorecard``, ``units``,
        ``recipe``, ``as_of``, ``evaluations`` are read).
    lang
        ``"vi"`` (default) or ``"en"``.
    tiles
        ``"none"`` (default), ``"osm"`` or ``"carto"``.
    progress
        Progress rows of monitored targets (``geoplan monitor`` draws them), or ``None``.

    Returns
    -------
    folium.Map

    Raises
    ------
    UnknownLanguageError, UnknownTilesError
        For a ``lang`` or ``tiles`` value that is not supported.

    Examples
    --------
    >>> from geoplan.analyses.run import run_recipe  # doctest: +SKIP
    >>> m = map_run(run_recipe("analyses/hanoi-02-nq-tw.yaml"))  # doctest: +SKIP
    """
    builder = _Builder(result.bundle, lang=lang, tiles=tiles)
    builder.add_units_base(show=True)
    n = builder.add_progress(progress) if progress is not None else 0
    n += builder.add_choropleths(result, show_first=n == 0)
    if n and builder.units_section is not None and builder.units_section.base is not None:
        # the first choropleth is shown at first; the plain units stay in the layer control
        builder.units_section.base.show = False
        builder.units_section.hidden = True
    builder.add_context()
    builder.add_catchments(show=n == 0)  # the choropleth is the subject of a run map
    builder.add_transit()
    as_of = getattr(result, "as_of", None)
    subtitle = label("map_title_run", builder.lang)
    if as_of is not None:
        subtitle += f" · {label('as_of', builder.lang)}: {as_of}"
    fmap = builder.finish(title=_title_of(result, builder.lang), subtitle=subtitle,
                          scorecard_html=_scorecard_html(result, builder.lang))
    recipe_path = getattr(getattr(result, "recipe", None), "path", None)
    fmap.geoplan_recipe = recipe_path  # type: ignore[attr-defined]  # for save_map
    return fmap


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically.

    Parameters
    ----------
    m
        A map from :func:`map_bundle` or :func:`map_run`.
    path
        Output file (its folder is created).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        If the file cannot be written; a previous file at ``path`` is left as it was. Also
        when ``path`` is a file of the bundle the map shows (or a link to one), lies in that
        bundle's folder, or is a device, FIFO, socket, folder or symbolic link
        (:func:`geoplan.io.check_output`).

    Examples
    --------
    >>> save_map(map_bundle("hanoi"), "maps/hanoi.html")  # doctest: +SKIP
    PosixPath('maps/hanoi.html')
    """
    target = Path(path)
    text = m.get_root().render()
    lang = getattr(m, "geoplan_lang", None)
    if lang is not None:
        text = text.replace("<html>", f'<html lang="{lang}">', 1)
    shown = getattr(m, "geoplan_bundle", None)
    if isinstance(shown, Bundle):  # the map never replaces the bundle it shows
        from geoplan.provenance import inputs_protected

        recipe = getattr(m, "geoplan_recipe", None)
        with inputs_protected(recipe, shown):
            atomic_write_text(target, text)
    else:
        atomic_write_text(target, text)
    logger.debug("map written to %s (%.1f kB)", target, len(text.encode("utf-8")) / 1000)
    return target
