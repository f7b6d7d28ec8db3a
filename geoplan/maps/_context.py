"""Context layers of a map: administrative units and their labels, land use, water,
green space, streets, rivers, the city boundary, bus stops and the extents of
layers that do not cover the city.
"""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geoplan.crs import to_metric
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
    Labels,
    SharedData,
)
from geoplan.maps._geo import display_layer, feature_collection
from geoplan.analyses.wording import format_number

__all__: list[str] = []

logger = logging.getLogger(__name__)


#: Street networks with more edges are drawn by their main roads only (page size).
_STREET_LIMIT = 15_000
_MAIN_ROADS = frozenset({"motorway", "trunk", "primary"})
#: Point layers with more features are drawn as one shape, without tooltips, off at first.
_POINT_LIMIT = 1_000


def _label_zoom(letters: int, side_m: float, lat: float) -> int:
    """The first zoom level at which a label of ``letters`` letters fits in ``side_m``.

    Web-Mercator ground resolution at zoom 0 is 156,543 m per pixel at the equator (times
    the cosine of the latitude); it halves with each zoom level.
    """
    text_px = 6.5 * letters + 6
    ratio = text_px * 156_543.03 * math.cos(math.radians(lat)) / side_m
    return int(min(19, max(0, math.ceil(math.log2(ratio)))))


class _ContextLayers(_BuilderBase):
    """The bundle's context: units (with their names as labels), land use, water,
    green space, streets, rivers, the boundary, bus stops, data extents."""

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

    def _simple_layer(
        self, role: str, style: dict[str, Any], *, tolerance_m: float, pane: str,
        show: bool = True, interactive: bool = True, fields: tuple[str, ...] = (),
    ) -> GeoLayer | None:
        layer = self._shown(role, tolerance_m=tolerance_m)
        if layer is None:
            return None
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
        layer = self._shown("land_use", tolerance_m=5)
        if layer is None:
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
        stops = self._shown("bus_stops", tolerance_m=0)
        if stops is None:
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
