"""What every part of a map being built shares: the frame (Leaflet map, panes, basemap,
view), the layers and legend collected so far, and small HTML helpers.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from geoplan import _choices
from geoplan.errors import GeoplanError
from geoplan.layers import Bundle, load_bundle
from geoplan.layers.roles import ROLES, role_spec
from geoplan.maps._elements import (
    Assets,
    GeoLayer,
    Labels,
    Panes,
    SafeFigure,
    SafeMacro,
    SharedData,
    TileLayer,
    Timeline,
    escape_html,
)
from geoplan.maps._geo import display_coverage, display_layer, feature_collection
from geoplan.analyses.wording import check_lang
from geoplan.maps.i18n import label

__all__: list[str] = []

logger = logging.getLogger(__name__)


#: Basemap choices: ``none`` keeps the map offline; the others load tiles from the network.
TILES = _choices.TILES
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
    """What :func:`map_run` reads from a run result (see ``geoplan.analyses.scorecard.RunResult``)."""

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


def _is_raster(role: str) -> bool:
    return role in ROLES and role_spec(role).kind == "raster"


class _BuilderBase:
    """A map being built: its bundle, language, Leaflet map, layers and legend; the
    helpers every family of layers uses (the families are mixins of it)."""

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

    def unit_title(self, unit: pd.Series) -> str:
        name = _text(unit.get("name"))
        if self.lang == "en" and _text(unit.get("name_en")):
            name = f"{_text(unit.get('name_en'))} ({name})"
        return name or _text(unit.get("unit_id"))

    def _unit_points(self) -> SharedData:
        """A point inside each unit (where its proportional symbol is drawn), written once."""
        if self.points_data is None:
            assert self.units_display is not None
            points = self.units_display.geometry.representative_point()
            self.points_data = SharedData(feature_collection(points))
            self.map.add_child(self.points_data)
        return self.points_data

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

    def _shown(self, role: str, *, tolerance_m: float) -> gpd.GeoDataFrame | None:
        """Layer ``role`` as the map draws it (:func:`display_layer`, positional index), or
        ``None`` when it is absent, broken (:meth:`_optional`) or empty."""
        source = self._optional(role)
        if source is None:
            return None
        layer = display_layer(source, tolerance_m=tolerance_m,
                              what=f"{self.bundle.name}/{role}")
        return None if layer.empty else layer.reset_index(drop=True)
