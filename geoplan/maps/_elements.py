"""Folium elements of geoplan maps: inlined assets, shared data, GeoJSON layers, panels.

Tooltips and popups are built in the browser with ``textContent`` (never ``innerHTML``), so a
unit named ``<img src=x onerror=alert(1)>`` is shown as text without any escaping step in
JavaScript. Folium's own ``GeoJsonTooltip``/``GeoJsonPopup`` insert property values with
``innerHTML`` unescaped, which is why geoplan does not use them. Data reaches the page as JSON
inside ``<script>`` written by :func:`geoplan.maps._geo.script_json` (``<``, ``>``, ``&``
escaped). HTML panels (title, legend, scorecard) and layer names (which Leaflet's layer
control inserts with ``innerHTML``) are escaped once, in Python, with :func:`escape_html`.

No data-derived text is ever a template source. branca renders a ``MacroElement`` by compiling
the *output* of its macros as a new Jinja template (``Element(script(...))``), so any text that
reached a macro's output (a unit name in a layer's JSON, a layer name in the layer control, a
title in a panel) was evaluated a second time: ``{{ 7*7 }}`` became ``49``, ``{% x`` a
``TemplateSyntaxError``, and a ``{{ ...__import__('os')... }}`` name ran code. geoplan renders
every element through :class:`SafeMacro`: a macro's output is wrapped in :class:`Verbatim`, an
element that emits its text as it is and never compiles it, and the figure (:class:`SafeFigure`)
emits any element that carries an instance template (``Element(text)``) as that text, never
rendering it. Class-level templates (written in this module, literals) are the only templates
rendered; data reaches them only as substituted values (escaped HTML or script-safe JSON).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import folium
from branca.element import Element, Figure, MacroElement
from folium.map import Layer
from folium.template import Template

from geoplan.maps._geo import compact_collection, script_json
from geoplan.maps.assets import leaflet_css, leaflet_js

__all__ = [
    "GEOPLAN_CSS",
    "GEOPLAN_JS",
    "Assets",
    "Attribution",
    "Dock",
    "Follow",
    "GeoLayer",
    "Labels",
    "LayerControl",
    "Panel",
    "Panes",
    "SafeFigure",
    "SafeMacro",
    "SharedData",
    "TileLayer",
    "Timeline",
    "Verbatim",
    "escape_html",
    "render_element",
]

#: The map's own behaviour: GeoJSON layers whose tooltips/popups are built with textContent,
#: and a legend that follows the chosen base layer.
GEOPLAN_JS = r"""
var geoplan = (function () {
  "use strict";
  var layers = {};  // every geoplan layer by its id (the legend follows them)
  var specs = {};  // and its spec
  var state = {dates: null, on: "", current: null};  // the date slider (null: the last date)
  function node(tag, cls, text) {
    var el = document.createElement(tag);
    if (cls) { el.className = cls; }
    if (text !== undefined && text !== null) { el.textContent = String(text); }
    return el;
  }
  function card(row, limit, tail, first) {
    var box = node("div", "gp-card");
    box.appendChild(node("div", "gp-card-title", row[0]));
    var all = tail ? row[1].concat(tail) : row[1];
    if (first) { all = [first].concat(all); }
    var items = (limit === undefined || limit === null) ? all : all.slice(0, limit);
    if (items.length) {
      var table = node("table");
      items.forEach(function (kv) {
        var tr = node("tr");
        tr.appendChild(node("th", null, kv[0]));
        tr.appendChild(node("td", null, kv[1]));
        table.appendChild(tr);
      });
      box.appendChild(table);
    }
    return box;
  }
  function styleOf(spec, feature) {
    var s = spec.s;
    if (spec.byDate && spec.byDate.s && state.current !== null) {
      s = spec.byDate.s[state.current];
    }
    var k = s ? s[feature.properties.i] : 0;
    var style = spec.styles[k];
    if (spec.r && spec.kind === "point") {
      style = Object.assign({}, style, {radius: spec.r[feature.properties.i]});
    }
    return style;
  }
  function build(data, spec, points) {
    var options = {
      className: spec.cls,
      interactive: spec.interactive,
      pane: spec.styles[0].pane || "overlayPane",
      style: function (f) { return styleOf(spec, f); },
      onEachFeature: function (f, l) {
        if (!spec.rows) { return; }
        var row = spec.rows[f.properties.i];
        if (!row) { return; }
        var i = f.properties.i;
        var tip = function () { return card(row, spec.tipN, spec.tail, onDate(spec, i)); };
        var tipOptions = {sticky: spec.kind !== "point", direction: "top"};
        l.bindTooltip(tip, tipOptions);
        if (spec.popup) {
          l.bindPopup(function () { return card(row, null, spec.tail, onDate(spec, i)); },
                      {maxWidth: 380});
          // the popup says more than the tooltip: hide the tooltip while it is open
          l.on("popupopen", function () { l.unbindTooltip(); });
          l.on("popupclose", function () { l.bindTooltip(tip, tipOptions); });
        }
      }
    };
    if (spec.kind === "point") {
      options.pointToLayer = function (f, latlng) {
        return L.circleMarker(latlng, Object.assign({className: spec.cls}, styleOf(spec, f)));
      };
    }
    var made = L.geoJSON(data, options);
    if (points && spec.symbols) {  // proportional circles over the plain units
      var sym = Object.assign({}, spec, spec.symbols,
                              {kind: "point", cls: spec.cls + " gp-symbol-mark", s: null});
      var circles = L.geoJSON(points, {
        pane: sym.styles[0].pane,
        filter: function (f) { return sym.r[f.properties.i] > 0; },
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, Object.assign({className: sym.cls}, styleOf(sym, f)));
        },
        onEachFeature: options.onEachFeature
      });
      made = L.featureGroup([made, circles]);
    }
    return made;
  }
  // a layer is a group whose features are made when it is first shown: the layers a map
  // starts with switched off cost nothing when the page opens
  function layer(data, spec, points) {
    var group = L.featureGroup([], {gpId: spec.id, gpGroup: spec.group || null});
    var made = null;
    group.on("add", function () {
      if (!made) { made = build(data, spec, points); group.addLayer(made); }
    });
    layers[spec.id] = group;
    specs[spec.id] = spec;
    return group;
  }
  // the status on the slider's date, first in a card (the card's values are the last date's)
  function onDate(spec, i) {
    if (!spec.byDate || state.current === null) { return null; }
    var d = spec.byDate;
    var word = d.s ? d.words[d.s[state.current][i]] : d.city[state.current][1];
    return [state.on + " " + state.dates[state.current], word];
  }
  // a slider over the snapshot dates of a monitoring history: the progress layers, their
  // legends and cards show the statuses on the chosen date
  function timeline(dates, words) {
    var box = node("div", "gp-panel gp-timeline");
    var label = node("label");
    var out = node("output", null, dates[dates.length - 1]);
    var input = document.createElement("input");
    input.type = "range";
    input.min = "0";
    input.max = String(dates.length - 1);
    input.step = "1";
    input.value = String(dates.length - 1);
    input.setAttribute("aria-label", words.label);
    label.appendChild(node("span", null, words.label + ": "));
    label.appendChild(out);
    box.appendChild(label);
    box.appendChild(input);
    document.body.appendChild(box);
    state.dates = dates;
    state.on = words.on;
    input.addEventListener("input", function () {
      var k = Number(input.value);
      out.textContent = dates[k];
      showDate(k);
    });
  }
  function showDate(k) {
    state.current = k === state.dates.length - 1 ? null : k;
    Object.keys(specs).forEach(function (id) {
      var spec = specs[id];
      if (!spec.byDate) { return; }
      layers[id].eachLayer(function (made) {
        if (made.setStyle) { made.setStyle(function (f) { return styleOf(spec, f); }); }
      });
      var section = document.querySelector(".gp-legend-section[data-base='" + id + "']");
      if (!section) { return; }
      var d = spec.byDate;
      if (d.counts) {
        var list = section.querySelector("ul");
        list.textContent = "";
        d.counts[k].forEach(function (c) {
          var li = node("li");
          var swatch = node("span", "gp-swatch");
          swatch.style.background = spec.styles[c[0]].fillColor;
          li.appendChild(swatch);
          li.appendChild(document.createTextNode(d.words[c[0]] + " (" + c[1] + ")"));
          list.appendChild(li);
        });
      }
      var city = section.querySelector(".gp-city-status");
      if (city) {
        city.querySelector(".gp-swatch").style.background = d.city[k][0];
        city.lastChild.textContent = d.city[k][1];
      }
    });
  }
  // names of the units, each shown from the zoom at which it fits its unit
  function labels(id, rows) {
    var group = L.layerGroup([], {gpId: id});
    var map = null;
    var tips = rows.map(function () { return null; });  // made when first shown
    function tip(k) {
      if (!tips[k]) {
        var r = rows[k];
        tips[k] = L.tooltip({permanent: true, direction: "center", className: "gp-label",
                             interactive: false, opacity: 1});
        tips[k].setLatLng([r[0], r[1]]);
        tips[k].setContent(node("span", null, r[2]));
      }
      return tips[k];
    }
    function update() {
      if (!map) { return; }
      var z = map.getZoom();
      rows.forEach(function (r, k) {
        var on = z >= r[3];
        if (on && !group.hasLayer(tip(k))) { group.addLayer(tip(k)); }
        if (!on && tips[k] && group.hasLayer(tips[k])) { group.removeLayer(tips[k]); }
      });
    }
    group.on("add", function (e) { map = e.target._map; map.on("zoomend", update); update(); });
    group.on("remove", function () { if (map) { map.off("zoomend", update); } map = null; });
    layers[id] = group;
    return group;
  }
  function sync(map) {
    document.querySelectorAll(".gp-legend [data-layers]").forEach(function (el) {
      var ids = el.getAttribute("data-layers").split(" ");
      el.hidden = !ids.some(function (i) { return layers[i] && map.hasLayer(layers[i]); });
    });
  }
  function follow(map) {
    map.on("baselayerchange", function (e) {
      var id = e.layer && e.layer.options ? e.layer.options.gpId : null;
      document.querySelectorAll(".gp-legend-section[data-base]").forEach(function (s) {
        s.hidden = s.getAttribute("data-base") !== id;
      });
    });
    // a group (the lines of one plan) is shown one member at a time
    map.on("overlayadd", function (e) {
      var group = e.layer && e.layer.options ? e.layer.options.gpGroup : null;
      if (!group) { return; }
      // after the layer control has handled the click, so that it redraws its checkboxes
      setTimeout(function () {
        Object.keys(layers).forEach(function (i) {
          var other = layers[i];
          if (other !== e.layer && other.options.gpGroup === group && map.hasLayer(other)) {
            map.removeLayer(other);
          }
        });
      }, 0);
    });
    map.on("overlayadd overlayremove", function () { sync(map); });
    sync(map);
  }
  // the title, legend and scorecard become Leaflet controls: the map's corners stack them,
  // so no two panels overlap at any screen size
  function dock(map, words) {
    var Docked = L.Control.extend({
      onAdd: function () {
        var el = this.options.el;
        L.DomEvent.disableClickPropagation(el);
        L.DomEvent.disableScrollPropagation(el);
        return el;
      }
    });
    function put(selector, position) {
      var el = document.querySelector(selector);
      if (el) { new Docked({position: position, el: el}).addTo(map); }
    }
    var small = window.matchMedia("(max-width: 480px)").matches;
    put(".gp-title", "topleft");
    L.control.zoom({position: "topleft", zoomInTitle: words.zoomIn,
                    zoomOutTitle: words.zoomOut}).addTo(map);
    // on a phone the bottom left keeps only the scale: the attribution needs the width
    put(".gp-scorecard", small ? "topleft" : "bottomleft");
    put(".gp-legend", "bottomright");
    put(".gp-timeline", small ? "topleft" : "bottomleft");
    var toggle = document.querySelector(".leaflet-control-layers-toggle");
    if (toggle) {
      toggle.title = words.layers;
      toggle.setAttribute("aria-label", words.layers);
    }
    if (small) {
      document.querySelectorAll("details.gp-panel").forEach(function (d) { d.open = false; });
    }
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details.gp-panel").forEach(function (d) { d.open = true; });
    });
  }
  // coordinates written as integer steps (geoplan.maps._geo.compact_collection)
  var DEPTH = {MultiPoint: 0, LineString: 0, MultiLineString: 1, Polygon: 1, MultiPolygon: 2};
  function decode(fc) {
    var scale = Math.pow(10, fc.gp);
    function run(deltas) {
      var x = 0, y = 0;
      return deltas.map(function (d) { x += d[0]; y += d[1]; return [x / scale, y / scale]; });
    }
    function walk(c, depth) {
      return depth === 0 ? run(c) : c.map(function (x) { return walk(x, depth - 1); });
    }
    fc.features.forEach(function (f) {
      var g = f.geometry;
      g.coordinates = g.type === "Point" ? [g.coordinates[0] / scale, g.coordinates[1] / scale]
        : walk(g.coordinates, DEPTH[g.type]);
    });
    delete fc.gp;
    return fc;
  }
  return {layer: layer, labels: labels, follow: follow, dock: dock, decode: decode,
          timeline: timeline};
})();
"""

#: Styles of the panels, cards and legend (plain CSS, no framework). The panels sit in the
#: map's corners as Leaflet controls; at 480 px and less (phones) they shrink and fold.
GEOPLAN_CSS = """
.leaflet-container { background: #f4f1ea; font: 13px/1.35 system-ui, -apple-system,
  "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; }
.leaflet-pane > svg { pointer-events: none; }
path.leaflet-interactive:focus { outline: none; }
.leaflet-control-layers-expanded { max-width: 340px; max-height: 55vh; overflow-y: auto; }
.leaflet-control-layers label { white-space: normal; line-height: 1.25; margin: 2px 0; }
.leaflet-control-attribution { max-width: 60vw; }
.gp-panel { background: rgba(255,255,255,0.95); border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); padding: 6px 10px;
  font: 13px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial,
  sans-serif; color: #222; box-sizing: border-box; }
.gp-title { max-width: min(560px, calc(100vw - 90px)); }
.gp-title h1 { font-size: 17px; margin: 0 0 2px 0; }
.gp-title p { margin: 0; color: #555; font-size: 12px; }
.gp-legend { max-height: calc(55vh - 60px); overflow-y: auto; width: 290px; }
.gp-legend summary, .gp-scorecard summary { font-size: 14px; font-weight: 600;
  cursor: pointer; }
.gp-legend[open] summary { margin-bottom: 4px; }
.gp-legend:not([open]), .gp-scorecard:not([open]) { width: auto; }
.gp-legend h3 { font-size: 12.5px; margin: 8px 0 3px 0; font-weight: 600; }
.gp-legend ul { list-style: none; margin: 0; padding: 0; }
.gp-legend li { display: flex; align-items: center; gap: 6px; margin: 2px 0; }
.gp-legend li[hidden], .gp-legend section[hidden] { display: none; }
.gp-legend .gp-note { color: #555; font-size: 11.5px; margin: 3px 0; }
.gp-swatch { display: inline-block; width: 18px; height: 12px; flex: none;
  border: 1px solid rgba(0,0,0,0.35); }
.gp-symbol { display: inline-block; flex: none; border-radius: 50%;
  border: 1px solid #54278f; background: rgba(128,125,186,0.55); }
.gp-legend svg { flex: none; }
.gp-scorecard { max-height: 45vh; overflow: auto; max-width: min(720px, calc(100vw - 340px)); }
.gp-scorecard table, .gp-card table { border-collapse: collapse; }
.gp-timeline { display: flex; flex-direction: column; gap: 2px; width: 240px; }
.gp-timeline input { width: 100%; }
.gp-timeline output { font-weight: 600; }
.gp-scorecard th, .gp-scorecard td { border-bottom: 1px solid #ddd; padding: 2px 6px;
  text-align: left; vertical-align: top; font-size: 12px; }
.gp-scorecard td.gp-num { text-align: right; white-space: nowrap; }
.gp-badge { display: inline-block; padding: 0 6px; border-radius: 8px; color: #111;
  white-space: nowrap; }
.gp-card { font-size: 12.5px; max-width: 360px; }
.gp-card-title { font-weight: 600; margin-bottom: 3px; }
.gp-card th { text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal;
  vertical-align: top; }
.gp-card td { padding: 1px 0; }
.leaflet-tooltip .gp-card { white-space: normal; min-width: 160px; }
.leaflet-tooltip.gp-label { background: transparent; border: 0; box-shadow: none; padding: 0;
  color: #333; font-size: 11px; font-weight: 600;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.leaflet-tooltip.gp-label::before { display: none; }
.gp-panel :focus-visible, .leaflet-control a:focus-visible { outline: 2px solid #08519c;
  outline-offset: 1px; }
@media (max-width: 480px) {
  .gp-title { max-width: calc(100vw - 84px); padding: 4px 8px; }
  .gp-title h1 { font-size: 14px; }
  .gp-title p { font-size: 11px; }
  .gp-legend { width: min(290px, calc(100vw - 20px)); max-height: 45vh; }
  .gp-scorecard { max-width: calc(100vw - 20px); }
  .leaflet-control-attribution { max-width: calc(100vw - 100px); font-size: 10px; }
}
@media print {
  .leaflet-control-zoom, .leaflet-control-layers { display: none; }
  .gp-legend, .gp-scorecard { max-height: none; overflow: visible; box-shadow: none; }
}
"""


def escape_html(value: object) -> str:
    """``value`` as HTML text: ``&``, ``<``, ``>``, ``"`` and ``'`` escaped, ``None`` as ``''``.

    A NUL character, which an HTML parser drops (or turns into U+FFFD), is written as U+FFFD
    so the page shows the same thing in every browser. The result is meant to be placed in
    HTML as it is (never used as a template).

    Examples
    --------
    >>> escape_html("<b>{{ 7*7 }}</b>")
    '&lt;b&gt;{{ 7*7 }}&lt;/b&gt;'
    """
    text = "" if value is None else str(value)
    return html.escape(text, quote=True).replace("\x00", "\ufffd")


class Verbatim(Element):
    """Text placed in the page exactly as given: never compiled or rendered as a template.

    Parameters
    ----------
    text
        Finished HTML, script or style (data in it already escaped).
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._name = "GeoplanVerbatim"
        self.text = str(text)

    def render(self, **kwargs: Any) -> str:
        """Return the text as it is."""
        return self.text


def _emit(element: Element, kwargs: dict[str, Any]) -> str:
    """Render a child of the figure's header/html/script without compiling its text.

    An element built as ``Element(text)`` (an instance template: branca's way of holding a
    piece of finished text) is emitted as ``text``; other elements render their class
    template, whose data is substituted, not compiled.
    """
    if isinstance(element, Verbatim):
        return element.text
    text = getattr(element, "_template_str", None)  # branca keeps Element(text)'s text here
    if type(element) is Element and isinstance(text, str):
        return text
    return str(element.render(**kwargs))


class _Slot(Element):
    """The figure's header, html or script: its children one after the other, verbatim."""

    def __init__(self) -> None:
        super().__init__()
        self._name = "GeoplanSlot"

    def render(self, **kwargs: Any) -> str:
        """Join the children's text (see :func:`_emit`)."""
        return "\n".join(_emit(child, kwargs) for child in self._children.values())


def render_element(element: Element, **kwargs: Any) -> None:
    """Render one element of a map so that no text it produces is compiled as a template.

    :class:`SafeMacro` elements render themselves; a plain ``MacroElement`` (folium's
    internal helpers such as ``ElementAddToElement`` or ``FitBounds``, created by folium at
    render time) is rendered the same way as a :class:`SafeMacro`. Any other macro element
    overrides ``render`` with branca's compiling path and is refused.

    Raises
    ------
    TypeError
        For a macro element that is not a :class:`SafeMacro` and renders itself (a geoplan
        bug: wrap the folium class in a :class:`SafeMacro` subclass, as :class:`LayerControl`).
    """
    if isinstance(element, SafeMacro):
        element.render(**kwargs)
    elif isinstance(element, MacroElement):
        if type(element).render is not MacroElement.render:
            message = (f"{type(element).__module__}.{type(element).__qualname__} renders its "
                       "macros through branca, which compiles their output as a template; "
                       "subclass it with geoplan.maps._elements.SafeMacro")
            raise TypeError(message)
        SafeMacro.render(element, **kwargs)  # type: ignore[arg-type]
    elif isinstance(element, Verbatim) or type(element) is Element:
        return  # finished text: nothing to render before the page
    else:
        element.render(**kwargs)


class SafeMacro(MacroElement):
    """A ``MacroElement`` whose macros' output is placed in the page verbatim.

    branca's ``MacroElement.render`` wraps each macro's output in ``Element(output)``, which
    compiles the output as a Jinja template: data text in it would be evaluated. This class
    wraps it in :class:`Verbatim` instead. Every element of a geoplan map derives from it
    (folium classes through a subclass listing it after the folium class, so that the folium
    class's own ``render`` runs first and then this one).
    """

    def render(self, **kwargs: Any) -> str:
        """Add the macros' output (header, html, script) to the figure, verbatim."""
        figure = self.get_root()
        if not isinstance(figure, Figure):  # pragma: no cover - folium always has one
            message = "geoplan map elements need the map to be in a folium Figure"
            raise TypeError(message)
        module = self._template.module.__dict__
        for part, slot in (("header", figure.header), ("html", figure.html),
                           ("script", figure.script)):
            macro = module.get(part)
            if macro is not None:
                slot.add_child(Verbatim(str(macro(self, kwargs))), name=self.get_name())
        for child in list(self._children.values()):
            render_element(child, **kwargs)
        return ""


class SafeFigure(Figure):
    """The page of a geoplan map: its parts take children verbatim (see :class:`SafeMacro`)."""

    def __init__(self) -> None:
        super().__init__()
        self._name = "GeoplanFigure"
        meta = '<meta http-equiv="content-type" content="text/html; charset=UTF-8" />'
        self.header, self.html, self.script = _Slot(), _Slot(), _Slot()
        for slot in (self.header, self.html, self.script):
            slot._parent = self
        self.header.add_child(Verbatim(meta), name="meta_http")

    def render(self, **kwargs: Any) -> str:
        """Render the elements (:func:`render_element`), then the page."""
        for child in list(self._children.values()):
            render_element(child, **kwargs)
        return str(self._template.render(this=self, kwargs=kwargs))


class LayerControl(folium.LayerControl, SafeMacro):
    """folium's layer control rendered through :class:`SafeMacro` (layer names are data)."""


class TileLayer(folium.TileLayer, SafeMacro):
    """folium's tile layer rendered through :class:`SafeMacro`."""


class Assets(SafeMacro):
    """Inlines Leaflet (JS and CSS) and geoplan's own script and styles into the page head."""

    def __init__(self) -> None:
        super().__init__()
        self._name = "GeoplanAssets"

    def render(self, **kwargs: Any) -> str:
        """Add the inline ``<style>``/``<script>`` elements to the figure's header."""
        figure = self.get_root()
        if not isinstance(figure, Figure):  # pragma: no cover - folium always has one
            message = "geoplan map assets need the map to be in a folium Figure"
            raise TypeError(message)
        figure.header.add_child(Verbatim(f"<style>{leaflet_css()}</style>"), name="leaflet_css")
        figure.header.add_child(Verbatim(f"<script>{leaflet_js()}</script>"), name="leaflet_js")
        figure.header.add_child(Verbatim(f"<style>{GEOPLAN_CSS}</style>"), name="geoplan_css")
        figure.header.add_child(Verbatim(f"<script>{GEOPLAN_JS}</script>"), name="geoplan_js")
        return super().render(**kwargs)


class SharedData(SafeMacro):
    """A GeoJSON FeatureCollection written once and drawn by several layers.

    Written compact (:func:`~geoplan.maps._geo.compact_collection`: integer, delta-encoded
    coordinates) and expanded by ``geoplan.decode`` when the page loads.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geoplan.decode({{ this.payload }});
        {% endmacro %}
        """
    )

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__()
        self._name = "GeoplanData"
        self.payload = script_json(compact_collection(data))


class GeoLayer(Layer, SafeMacro):
    """A GeoJSON layer drawn by the page's ``geoplan.layer`` function.

    Parameters
    ----------
    data
        The :class:`SharedData` holding the features (property ``i`` indexes ``spec``).
    spec
        Styles, per-feature style index ``s``, per-feature ``rows`` (title and label/value
        pairs, plain text), ``tail`` (pairs shown after every feature's own), ``cls`` (CSS
        class of every drawn path), ``kind``, ``group`` (layers of one group are shown one
        at a time), ``symbols`` (``styles`` and radius ``r`` per feature of circles drawn
        at ``points``).
    points
        Point features (one per feature of ``data``, same order) where ``spec["symbols"]``
        draws its circles.
    name
        Layer name in the layer control; must already be HTML-escaped.
    overlay, show
        As :class:`folium.map.Layer`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geoplan.layer({{ this.data.get_name() }}, {{ this.spec_json }}
            {%- if this.points is not none %}, {{ this.points.get_name() }}{% endif %});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: SharedData,
        spec: dict[str, Any],
        *,
        name: str,
        overlay: bool = True,
        show: bool = True,
        control: bool = True,
        points: SharedData | None = None,
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=control, show=show)
        self._name = "GeoplanLayer"
        self.data = data
        self.spec = spec
        self.points = points

    @property
    def spec_json(self) -> str:
        """The layer's spec as script-safe JSON (its id is the element's name)."""
        return script_json({"id": self.get_name(), **self.spec})


class Panel(SafeMacro):
    """A block of (already escaped) HTML placed over the map (or a function giving it,
    called when the page is rendered, after element ids are final)."""

    def __init__(self, html_text: str | Callable[[], str], *, key: str) -> None:
        super().__init__()
        self._name = "GeoplanPanel"
        self.html_text = html_text
        self.key = key

    def render(self, **kwargs: Any) -> str:
        """Add the panel's HTML to the page body."""
        figure = self.get_root()
        if not isinstance(figure, Figure):  # pragma: no cover
            message = "geoplan map panels need the map to be in a folium Figure"
            raise TypeError(message)
        text = self.html_text() if callable(self.html_text) else self.html_text
        figure.html.add_child(Verbatim(text), name=f"geoplan_panel_{self.key}")
        return super().render(**kwargs)


class Follow(SafeMacro):
    """Makes the legend show the sections of the layers on the map, and shows one layer of a
    group (one plan's lines) at a time."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoplan.follow({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "GeoplanFollow"


class Dock(SafeMacro):
    """Puts the title, the zoom buttons, the scorecard and the legend in the map's corners
    (as Leaflet controls, so they stack instead of overlapping), names the controls in the
    map's language and folds the panels on small screens."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoplan.dock({{ this._parent.get_name() }}, {{ this.words }});
        {% endmacro %}
        """
    )

    def __init__(self, *, zoom_in: str, zoom_out: str, layers: str) -> None:
        super().__init__()
        self._name = "GeoplanDock"
        self.words = script_json({"zoomIn": zoom_in, "zoomOut": zoom_out, "layers": layers})


class Timeline(SafeMacro):
    """A date slider over a monitoring history (the progress layers carry each date's
    statuses in their spec's ``byDate``)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        geoplan.timeline({{ this.dates }}, {{ this.words }});
        {% endmacro %}
        """
    )

    def __init__(self, dates: list[str], *, label: str, on: str) -> None:
        super().__init__()
        self._name = "GeoplanTimeline"
        self.dates = script_json([str(d) for d in dates])
        self.words = script_json({"label": label, "on": on})


class Labels(Layer, SafeMacro):
    """Names of the units, each shown from the zoom at which it fits inside its unit.

    Parameters
    ----------
    rows
        ``[lat, lon, text, min_zoom]`` per label (text is plain: it is set as text).
    name
        Layer name in the layer control; must already be HTML-escaped.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = geoplan.labels({{ this.get_name()|tojson }}, {{ this.rows }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: list[list[Any]], *, name: str, show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "GeoplanLabels"
        self.rows = script_json(rows)


class Panes(SafeMacro):
    """Map panes that keep a fixed drawing order (units < areas < lines < points)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% for name, z in this.panes.items() %}
        {{ this._parent.get_name() }}.createPane({{ name|tojson }}).style.zIndex = "{{ z }}";
        {% endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, panes: dict[str, int]) -> None:
        super().__init__()
        self._name = "GeoplanPanes"
        self.panes = dict(panes)


class Attribution(SafeMacro):
    """Adds (already escaped) attribution text to the map's attribution control."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {% for text in this.texts %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ text }});
        {% endfor %}
        {% endmacro %}
        """
    )

    def __init__(self, texts: list[str]) -> None:
        super().__init__()
        self._name = "GeoplanAttribution"
        self.texts = [script_json(t) for t in texts]
