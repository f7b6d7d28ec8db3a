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
import warnings
from collections import OrderedDict
from collections.abc import Mapping, Sequence
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
from geoplan.layers.roles import ROLES, role_spec
from geoplan.maps import _style
from geoplan.maps._elements import (
    Assets,
    Attribution,
    Dock,
    Follow,
    GeoLayer,
    Labels,
    LayerControl,
    Panel,
    Panes,
    SafeFigure,
    SafeMacro,
    SharedData,
    TileLayer,
    Timeline,
    escape_html,
)
from geoplan.maps._geo import display_coverage, display_layer, feature_collection
from geoplan.maps.i18n import (
    OLD_DATA_MARK,
    PARTIAL_MARK,
    check_lang,
    coverage_text,
    describe_goal,
    format_number,
    format_quantity,
    label,
    unit_label,
)

__all__ = [
    "CLASSES",
    "OSM_ATTRIBUTION",
    "TILES",
    "UnknownClassesError",
    "UnknownTilesError",
    "map_bundle",
    "map_run",
    "save_map",
]

logger = logging.getLogger(__name__)

#: Basemap choices: ``none`` keeps the map offline; the others load tiles from the network.
TILES = _choices.TILES
#: Classification schemes of value choropleths (mapclassify).
CLASSES = _choices.CLASSES
#: Attribution required by the ODbL for layers derived from OpenStreetMap.
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"

_RAIL_CATCHMENT_M = 1000.0
#: Street networks with more edges are drawn by their main roads only (page size).
_STREET_LIMIT = 15_000
_MAIN_ROADS = frozenset({"motorway", "trunk", "primary"})
#: Units of extensive quantities (counts, totals): drawn as proportional circles.
_EXTENSIVE_UNITS = frozenset({"people", "count", "units", "stations", "dwellings", "m2",
                              "km2", "ha", "km"})
_SYMBOL_MAX_PX = 22.0
#: Point layers with more features are drawn as one shape, without tooltips, off at first.
_POINT_LIMIT = 1_000
_BUS_CATCHMENT_M = 500.0
#: Display simplification of catchments: the simplified outline lies inside the buffer, so
#: a larger tolerance shows too small a catchment (25 m: 1.3% of a 1 km disc's area lost).
_CATCHMENT_TOLERANCE_M = 10.0
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


class UnknownClassesError(GeoplanError, ValueError):
    """A classification scheme that is not in :data:`CLASSES`, or breaks that are not
    numbers."""


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


def _check_classes(
    classes: str, breaks: Mapping[str, Sequence[float]] | None
) -> tuple[str, dict[str, list[float]]]:
    if classes not in CLASSES:
        message = f"unknown classes {classes!r}; use one of {', '.join(CLASSES)}"
        raise UnknownClassesError(message)
    checked: dict[str, list[float]] = {}
    problems = []
    for key, edges in (breaks or {}).items():
        try:
            checked[str(key)] = [float(e) for e in edges]
        except (TypeError, ValueError):
            problems.append(f"{key}: {edges!r}")
    if problems:
        message = ("class breaks must be lists of numbers per target key; not numbers: "
                   + "; ".join(problems))
        raise UnknownClassesError(message)
    return classes, checked


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
    #: overlays the section belongs to: shown while one of them is on the map
    layers: list[Any] = field(default_factory=list)
    #: overlay of each item (by position) that is shown only while that overlay is on
    item_layers: dict[int, Any] = field(default_factory=dict)


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
        self.labels: Labels | None = None
        self.timeline: Timeline | None = None
        self.points_data: SharedData | None = None
        self.classes = "quantiles"
        #: the date of "now" and the year of the middle catchment scenario
        self.as_of: Any = None
        self.scenario_year = 2030
        self.user_breaks: Mapping[str, Sequence[float]] = {}
        if bundle.has("admin_units"):
            units = bundle.admin_units.reset_index(drop=True)
            self.units_display = display_coverage(units, what=f"{bundle.name}/admin_units")
            self.units_data = SharedData(feature_collection(self.units_display.geometry))
        self.map = _Map(location=self._centre(), tiles=None, zoom_start=10,
                        control_scale=True, prefer_canvas=False, zoom_control=False)
        self.map.add_child(Assets())
        self._panes()
        if self.units_data is not None:
            self.map.add_child(self.units_data)
        self._add_tiles()

    # -- frame -----------------------------------------------------------------------------
    def _t(self, key: str) -> str:
        return label(key, self.lang)

    def _bounds(self) -> list[list[float]] | None:
        """South-west and north-east corners of the city (its boundary or units) or, for a
        bundle without them, of all its vector layers; ``None`` for a bundle with none."""
        boxes = []
        for roles in (("city_boundary", "admin_units"), self.bundle.roles):
            for role in roles:
                if not self.bundle.has(role) or _is_raster(role):
                    continue
                layer = self.bundle.layer(role)
                if layer.crs is not None and not layer.empty:
                    box = layer.to_crs(4326).total_bounds
                    if np.isfinite(box).all():
                        boxes.append(box)
            if boxes:
                minx, miny = (float(v) for v in np.min(boxes, axis=0)[:2])
                maxx, maxy = (float(v) for v in np.max(boxes, axis=0)[2:])
                return [[miny, minx], [maxy, maxx]]
        return None

    def _centre(self) -> list[float]:
        bounds = self._bounds()
        if bounds is None:  # an empty bundle: the whole world, nothing to centre on
            return [0.0, 0.0]
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
    def _context_item(self, item: str, layer: Any) -> None:
        """A legend line of ``layer`` (shown while the layer is on the map)."""
        for section in self.legend:
            if section.key == "context":
                break
        else:
            section = _LegendSection("", key="context")
            self.legend.append(section)
        section.item_layers[len(section.items)] = layer
        section.items.append(item)
        section.layers.append(layer)

    def _layer(
        self, data: SharedData, spec: dict[str, Any], name: str, *, base: bool = False,
        show: bool = True, points: SharedData | None = None,
    ) -> GeoLayer:
        layer = GeoLayer(data, spec, name=_esc(name), overlay=not base, show=show,
                         points=points)

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
        rows = self._label_rows()
        if rows:
            self.labels = Labels(rows, name=_esc(self._t("unit_names")))

    def _unit_points(self) -> SharedData:
        """A point inside each unit (where its proportional symbol is drawn), written once."""
        if self.points_data is None:
            assert self.units_display is not None
            points = self.units_display.geometry.representative_point()
            self.points_data = SharedData(feature_collection(points))
            self.map.add_child(self.points_data)
        return self.points_data

    def _symbols(self, values: pd.Series, unit: str, items: list[str]) -> dict[str, Any]:
        """Circles whose area is proportional to each unit's value (largest
        :data:`_SYMBOL_MAX_PX` px in radius); three reference circles go to ``items``."""
        finite = values[np.isfinite(values) & (values > 0)]
        top = float(finite.max()) if not finite.empty else 0.0
        radii = [0.0 if not (math.isfinite(v) and v > 0 and top > 0)
                 else round(_SYMBOL_MAX_PX * math.sqrt(v / top), 1) for v in values]
        for share in (1.0, 0.25, 0.04):
            if top <= 0:
                break
            value = _nice(top * share)
            r = _SYMBOL_MAX_PX * math.sqrt(value / top)
            items.append(f'<span class="gp-symbol" style="width:{2 * r:.0f}px;'
                         f'height:{2 * r:.0f}px"></span>'
                         f"{_esc(format_quantity(value, unit, self.lang))}")
        style = {"color": "#54278f", "weight": 1, "fillColor": "#807dba", "fillOpacity": 0.55,
                 "opacity": 0.9, "pane": "gp-points", "radius": 0}
        return {"styles": [style], "r": radii}

    def _label_rows(self) -> list[list[Any]]:
        """``[lat, lon, name, zoom]`` of each unit: its name at a point inside it, shown from
        the zoom at which the name (about 6.5 px a letter) is narrower than the unit (the
        side of a square of the unit's area)."""
        assert self.units_display is not None
        metric = to_metric(self.bundle.admin_units.reset_index(drop=True),
                           what=f"{self.bundle.name}/admin_units")
        sides = np.sqrt(metric.area.to_numpy())
        points = self.units_display.geometry.representative_point()
        rows = []
        for (_, unit), point, side in zip(self.units_display.iterrows(), points, sides,
                                          strict=True):
            text = _text(unit.get("name")) or _text(unit.get("unit_id"))
            if not text or not side > 0 or point.is_empty:
                continue
            rows.append([round(point.y, 5), round(point.x, 5), text,
                         _label_zoom(len(text), float(side), point.y)])
        return rows

    def _optional(self, role: str) -> gpd.GeoDataFrame | None:
        """Layer ``role`` when the bundle has it and it reads; a broken context layer is
        left off the map with a warning (the rest is drawn)."""
        if not self.bundle.has(role):
            return None
        try:
            return self.bundle.layer(role)
        except GeoplanError as exc:
            logger.warning("%s not drawn on the map: %s", role, exc)
            return None

    def _simple_layer(
        self, role: str, style: dict[str, Any], *, tolerance_m: float, pane: str,
        show: bool = True, interactive: bool = True, fields: tuple[str, ...] = (),
    ) -> GeoLayer | None:
        source = self._optional(role)
        if source is None:
            return None
        layer = display_layer(source, tolerance_m=tolerance_m, what=f"{self.bundle.name}/{role}")
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
        self._context_item(f"{swatch}{_esc(title)}", gl)
        return gl

    def add_context(self) -> None:
        """Land use, water, green space, streets, river axis and corridors, boundary, bus
        stops."""
        self._add_land_use()
        self._simple_layer("water", {"stroke": False, "fillColor": "#a6cee3",
                                     "fillOpacity": 0.7}, tolerance_m=5, pane="gp-areas",
                           interactive=False)
        self._simple_layer("green_space", {"color": "#238b45", "weight": 0.5,
                                           "fillColor": "#74c476", "fillOpacity": 0.6},
                           tolerance_m=3, pane="gp-areas", fields=("kind",))
        self._add_streets()
        self._simple_layer("river_corridors", {"color": "#4292c6", "weight": 2.5,
                                               "fillColor": "#9ecae1", "fillOpacity": 0.35},
                           tolerance_m=10, pane="gp-lines")
        self._simple_layer("river_axis", {"color": "#08519c", "weight": 4,
                                          "fillColor": "#6baed6", "fillOpacity": 0.4},
                           tolerance_m=10, pane="gp-lines")
        self._simple_layer("city_boundary", {"color": "#222", "weight": 2.5, "fill": False,
                                             "fillOpacity": 0},
                           tolerance_m=25, pane="gp-lines", interactive=False)
        self._add_bus_stops()
        self.add_extents()

    def _add_land_use(self) -> None:
        """Land-use polygons by class (the most common classes, the rest as one), off at
        first: the thematic layer is the map's subject."""
        source = self._optional("land_use")
        if source is None:
            return
        layer = display_layer(source, tolerance_m=5,
                              what=f"{self.bundle.name}/land_use").reset_index(drop=True)
        if layer.empty:
            return
        classes = layer["land_use"].map(_text).replace("", self._t("land_use_other"))
        common = [c for c in classes.value_counts().index
                  if c != self._t("land_use_other")][: len(_style.CATEGORY_PALETTE)]
        other = self._t("land_use_other")
        keys = [*common, other]
        colours = [*_style.CATEGORY_PALETTE[: len(common)], _style.OTHER_COLOUR]
        styles = [{"color": c, "weight": 0.5, "fillColor": c, "fillOpacity": 0.45,
                   "pane": "gp-areas"} for c in colours]
        s = [keys.index(c) if c in common else len(common) for c in classes]
        rows = [[_text(row.get("name")) or classes.iloc[i],
                 [[self._t("land_use"), classes.iloc[i]]]]
                for i, (_, row) in enumerate(layer.iterrows())]
        spec = {"cls": "gp-land-use", "kind": "shape", "interactive": True, "popup": False,
                "tipN": None, "styles": styles, "s": s, "rows": rows}
        data = SharedData(feature_collection(layer.geometry))
        self.map.add_child(data)
        drawn = self._layer(data, spec, self._t("land_use"), show=False)
        used = set(s)
        items = [f"{_swatch(colours[i], opacity=0.75)}{_esc(k)}"
                 for i, k in enumerate(keys) if i in used]
        self.legend.append(_LegendSection(_esc(self._t("land_use")), items, layers=[drawn]))

    def _add_streets(self) -> None:
        """The street network, merged into lines; a network too large for one page
        (more than :data:`_STREET_LIMIT` edges) is drawn by its main roads only."""
        edges = self._optional("street_network")
        if edges is None or edges.empty:
            return
        total = len(edges)
        note = ""
        if total > _STREET_LIMIT:
            if "highway" not in edges.columns:
                return
            edges = edges[edges["highway"].map(_text).isin(_MAIN_ROADS)]
            if edges.empty:
                return
            note = self._t("streets_main").format(shown=format_number(len(edges), self.lang),
                                                  total=format_number(total, self.lang))
        metric = to_metric(edges[[edges.geometry.name]], what=f"{self.bundle.name}/streets")
        merged = shapely.line_merge(shapely.union_all(metric.geometry.to_numpy()))
        frame = gpd.GeoDataFrame(geometry=[merged], crs=metric.crs)
        shown = display_layer(frame, tolerance_m=20 if note else 2, what="street_network")
        style = {"color": "#7f7f7f", "weight": 1.6 if note else 1.0, "opacity": 0.8,
                 "fill": False, "pane": "gp-areas"}
        spec = {"cls": "gp-street", "kind": "line", "interactive": False, "popup": False,
                "styles": [style], "rows": None}
        data = SharedData(feature_collection(shown.geometry))
        self.map.add_child(data)
        title = self._t("street_network")
        drawn = self._layer(data, spec, title, show=not note)
        self._context_item(f'{_line_svg("#7f7f7f", {**style, "dashArray": None})}'
                           f"{_esc(title)}", drawn)
        if note:
            for section in self.legend:
                if section.key == "context":
                    section.notes.append(_esc(note))

    def _add_bus_stops(self) -> None:
        """Bus stops as small circles (named in tooltips); off at first when there are more
        than :data:`_POINT_LIMIT` (they are then drawn without tooltips, as one shape)."""
        source = self._optional("bus_stops")
        if source is None:
            return
        stops = display_layer(source, tolerance_m=0,
                              what=f"{self.bundle.name}/bus_stops").reset_index(drop=True)
        if stops.empty:
            return
        many = len(stops) > _POINT_LIMIT
        style = {"radius": 2.5, "weight": 1, "color": "#a63603", "fillColor": "#fdd0a2",
                 "fillOpacity": 1, "opacity": 1, "pane": "gp-points"}
        if many:
            points = shapely.get_parts(stops.geometry.to_numpy())  # MultiPoints too
            geometry = gpd.GeoSeries([shapely.multipoints(points)], crs=4326)
            rows = None
        else:
            geometry = stops.geometry
            rows = [[_text(r.get("name")) or _text(r.get("stop_id")), []]
                    for _, r in stops.iterrows()]
        spec = {"cls": "gp-bus-stop", "kind": "point", "interactive": not many,
                "popup": False, "tipN": None, "styles": [style], "rows": rows}
        data = SharedData(feature_collection(geometry))
        self.map.add_child(data)
        title = self._t("bus_stops")
        drawn = self._layer(data, spec, title, show=not many)
        self._context_item(f"{_circle_svg({**style, 'radius': 3})}{_esc(title)}", drawn)

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
        holding the whole city (at least 99% of its area) is not drawn; layers that share
        one extent (one OSM import) share one outline, named after all of them.
        """
        city = self._city_shape()
        extents: OrderedDict[bytes, tuple[Any, list[str]]] = OrderedDict()
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
            key = shapely.to_wkb(shapely.normalize(shapely.set_precision(extent, 1e-7)))
            extents.setdefault(key, (extent, []))[1].append(role)
        for extent, roles in extents.values():
            shape = gpd.GeoDataFrame(geometry=[extent], crs=4326)
            shown = display_layer(shape, tolerance_m=25, what=f"{roles[0]} extent")
            style = {**_style.EXTENT_STYLE, "pane": "gp-lines"}
            classes = " ".join(f"gp-extent-{role.replace('_', '-')}" for role in roles)
            spec = {"cls": f"gp-extent {classes}", "kind": "shape",
                    "interactive": False, "popup": False, "styles": [style], "rows": None}
            data = SharedData(feature_collection(shown.geometry))
            self.map.add_child(data)
            name = f"{self._t('data_extent')}: {', '.join(self._t(role) for role in roles)}"
            extent_layer = self._layer(data, spec, name)
            self._context_item(f"{_line_svg(style['color'], style)}{_esc(name)}", extent_layer)
        if extents:
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
        if not self.bundle.has("admin_units") or \
                "population" not in self.bundle.admin_units.columns:
            return None
        from geoplan.network import coverage_scenarios

        result = coverage_scenarios(self.bundle, distance_m=_RAIL_CATCHMENT_M,
                                    year=self.scenario_year, today=self.as_of, lines=False)
        drawn = False
        for row in result.catchments.itertuples():
            name = str(row.scenario)
            geometry = row.geometry
            if geometry is None or shapely.is_empty(geometry):
                continue
            if name == "now":
                words, key = self._t("catchment_network"), "catchment_network"
            elif name == str(self.scenario_year):
                words = self._t("catchment_year").format(year=name)
                key = "catchment_scenario"
            elif name.startswith("full: "):
                words = self._t("catchment_plan").format(plan=name[len("full: "):])
                key = "catchment_scenario"
            else:
                words, key = self._t("catchment_full"), "catchment_scenario"
            people = float(result.city["covered_population"].get(name, math.nan))
            words += f": {format_quantity(people, 'people', self.lang)}"
            self._catchment_layer(geometry, result.catchments.crs, words, key,
                                  show=show and name == "now", group="catchment-scenario")
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

    # -- run layers ------------------------------------------------------------------------
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

    # -- assembly --------------------------------------------------------------------------
    def finish(self, *, title: str, subtitle: str, scorecard_html: str = "") -> folium.Map:
        for layer in self.base_layers:
            self.map.add_child(layer)
        for layer in self.overlays:
            self.map.add_child(layer)
        if self.labels is not None:
            self.map.add_child(self.labels)
        if self.timeline is not None:
            self.map.add_child(self.timeline)
        # collapsed: it opens on hover, click or keyboard focus (Leaflet's toggle button)
        LayerControl(collapsed=True, position="topright").add_to(self.map)
        self.map.add_child(Follow())
        attributions = self._collect_attributions()
        if attributions:
            self.map.add_child(Attribution(attributions))
        bounds = self._bounds()
        if bounds is not None:
            self.map.fit_bounds(bounds, padding=(12, 12))
        self.map.add_child(Panel(
            f'<div class="gp-panel gp-title"><h1>{_esc(title)}</h1>'
            f"<p>{_esc(subtitle)}</p></div>", key="title"))
        self.map.add_child(Panel(self._legend_html, key="legend"))
        if scorecard_html:
            self.map.add_child(Panel(scorecard_html, key="scorecard"))
        self.map.add_child(Dock(zoom_in=self._t("zoom_in"), zoom_out=self._t("zoom_out"),
                                layers=self._t("layers")))
        root: Any = self.map.get_root()
        root.title = _esc(title)  # branca writes it unescaped
        self.map.geoplan_lang = self.lang  # type: ignore[attr-defined]
        self.map.geoplan_bundle = self.bundle  # type: ignore[attr-defined]  # for save_map
        _stable_ids(self.map)
        return self.map

    def _legend_html(self) -> str:
        parts = [f'<details class="gp-panel gp-legend" open role="region" aria-label="'
                 f'{_esc(self._t("legend"))}"><summary>{_esc(self._t("legend"))}</summary>']
        for section in self.legend:
            attrs = ' class="gp-legend-section"'
            if section.base is not None:
                attrs += f' data-base="{_esc(section.base.get_name())}"'
            if section.layers:
                attrs += f' data-layers="{_ids(section.layers)}"'
            if section.hidden or (section.layers
                                  and not any(layer.show for layer in section.layers)):
                attrs += " hidden"
            heading = f"<h3>{section.title}</h3>" if section.title else ""
            parts.append(f"<section{attrs}>{heading}<ul>")
            for i, item in enumerate(section.items):
                layer = section.item_layers.get(i)
                if layer is None:
                    parts.append(f"<li>{item}</li>")
                else:
                    hidden = "" if layer.show else " hidden"
                    parts.append(f'<li data-layers="{_ids([layer])}"{hidden}>{item}</li>')
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
        parts.append("</details>")
        return "".join(parts)


def _nice(value: float) -> float:
    """``value`` rounded down to 1, 2 or 5 times a power of ten (a legend's reference)."""
    if value <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(value))
    return float(max(m for m in (1, 2, 5, 10) if m * power <= value) * power)


def _label_zoom(letters: int, side_m: float, lat: float) -> int:
    """The first zoom level at which a label of ``letters`` letters fits in ``side_m``.

    Web-Mercator ground resolution at zoom 0 is 156,543 m per pixel at the equator (times
    the cosine of the latitude); it halves with each zoom level.
    """
    text_px = 6.5 * letters + 6
    ratio = text_px * 156_543.03 * math.cos(math.radians(lat)) / side_m
    return int(min(19, max(0, math.ceil(math.log2(ratio)))))


def _scenario_year(scorecard: pd.DataFrame, as_of: Any) -> int:
    """The first target year from ``as_of`` on (the catchment scenario drawn for it), else
    2030."""
    years = pd.to_numeric(scorecard.get("year", pd.Series(dtype=float)), errors="coerce")
    now = int(getattr(as_of, "year", 0) or 0)
    ahead = years[years >= now].dropna()
    return int(ahead.min()) if len(ahead) else 2030


def _ids(layers: list[Any]) -> str:
    """The element names of ``layers``, space-separated (a ``data-layers`` value)."""
    return " ".join(_esc(layer.get_name()) for layer in layers)


def _is_raster(role: str) -> bool:
    return role in ROLES and role_spec(role).kind == "raster"


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
    parts = [f'<details class="gp-panel gp-scorecard"><summary>'
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
            progress: pd.DataFrame | None = None, classes: str = "quantiles",
            breaks: Mapping[str, Sequence[float]] | None = None,
            progress_history: Mapping[str, pd.DataFrame] | None = None) -> folium.Map:
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
    classes
        How values of targets not judged per unit are classed (mapclassify):
        ``"quantiles"`` (default), ``"natural_breaks"`` (Fisher–Jenks) or
        ``"equal_interval"``; the scheme is named in the legend. Counts (people, stations,
        dwellings, areas) are drawn as proportional circles instead.
    breaks
        User-chosen class breaks (upper edges) per target key, overriding ``classes``.
    progress_history
        Progress rows on each snapshot date (ISO date → frame as ``progress``, oldest
        first, the last being ``progress``'s date): a date slider then shows each date's
        statuses on the progress layers (``geoplan monitor`` passes its history).

    Returns
    -------
    folium.Map

    Raises
    ------
    UnknownLanguageError, UnknownTilesError
        For a ``lang`` or ``tiles`` value that is not supported.
    UnknownClassesError
        For a ``classes`` value that is not in :data:`CLASSES`, or ``breaks`` that are not
        numbers.

    Examples
    --------
    >>> from geoplan.analyses.run import run_recipe  # doctest: +SKIP
    >>> m = map_run(run_recipe("analyses/hanoi-02-nq-tw.yaml"))  # doctest: +SKIP
    """
    builder = _Builder(result.bundle, lang=lang, tiles=tiles)
    builder.classes, builder.user_breaks = _check_classes(classes, breaks)
    builder.as_of = getattr(result, "as_of", None)
    builder.scenario_year = _scenario_year(result.scorecard, builder.as_of)
    builder.add_units_base(show=True)
    n = (builder.add_progress(progress, history=progress_history) if progress is not None
         else 0)
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
