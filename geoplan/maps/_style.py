"""Colours and line styles of geoplan maps (one place, used by the layers and the legend)."""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "CATCHMENT_STYLES",
    "CATEGORY_PALETTE",
    "EXTENT_STYLE",
    "LINE_PALETTE",
    "LINE_STATUS_STYLES",
    "OTHER_COLOUR",
    "STATION_STATUS_STYLES",
    "STATUS_COLOURS",
    "VALUE_RAMP",
    "line_colour",
    "valid_colour",
]

#: Fill colour per status of the one vocabulary (:data:`geoplan.analyses.evaluate.STATUSES`),
#: from the Okabe–Ito colour-blind-safe set: met bluish green, partly yellow, on track sky
#: blue, not met and behind vermillion, data older than target reddish purple, monitoring
#: (no number) pale blue, no data grey. Under simulated protan, deutan and tritan vision
#: (Machado et al. 2009) every two statuses stay at least 15 CIELAB units apart, met and
#: not met 37 (tests/test_map_cartography.py; the red–green ramp it replaces: 6 and 20).
STATUS_COLOURS: dict[str, str] = {
    "met": "#009e73",
    "partly": "#f0e442",
    "on track": "#56b4e9",
    "not met": "#d55e00",
    "behind": "#d55e00",
    "data older than target": "#cc79a7",
    "monitoring": "#deebf7",
    "no data": "#bdbdbd",
}

#: Sequential ramp (light → dark) for value classes when a target is not judged per unit.
VALUE_RAMP: tuple[str, ...] = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")

#: Colours of categories (land-use classes), colour-blind safe (Okabe–Ito), and of the rest.
CATEGORY_PALETTE: tuple[str, ...] = (
    "#e69f00", "#56b4e9", "#009e73", "#f0e442", "#0072b2", "#d55e00", "#cc79a7",
)
OTHER_COLOUR = "#bdbdbd"

#: Fallback colours for lines without a ``color`` column (by order of ``line_id``).
LINE_PALETTE: tuple[str, ...] = (
    "#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf",
    "#17becf", "#999999", "#bcbd22",
)

#: Polyline style per status: solid operating, dashed under construction, dotted/thin planned.
LINE_STATUS_STYLES: dict[str, dict[str, Any]] = {
    "operating": {"weight": 5, "opacity": 0.95, "dashArray": None},
    "under_construction": {"weight": 4, "opacity": 0.9, "dashArray": "10 7"},
    "planned": {"weight": 2.5, "opacity": 0.8, "dashArray": "2 6"},
}

#: Circle-marker style per station status (colour comes from the line).
STATION_STATUS_STYLES: dict[str, dict[str, Any]] = {
    "operating": {"radius": 5, "weight": 2, "fillOpacity": 1.0, "useLineFill": False},
    "under_construction": {"radius": 4.5, "weight": 2, "fillOpacity": 1.0, "useLineFill": False},
    "planned": {"radius": 3.5, "weight": 1.5, "fillOpacity": 0.9, "useLineFill": False},
}

#: Fill of the catchment polygons.
CATCHMENT_STYLES: dict[str, dict[str, Any]] = {
    "catchment_operating": {"color": "#6a51a3", "weight": 1.5, "fillColor": "#9e9ac8",
                            "fillOpacity": 0.35},
    "catchment_network": {"color": "#54278f", "weight": 1, "fillColor": "#807dba",
                          "fillOpacity": 0.4},
    "catchment_scenario": {"color": "#3f007d", "weight": 1.5, "dashArray": "6 3",
                           "fillColor": "#9e9ac8", "fillOpacity": 0.35},
    "catchment_all": {"color": "#807dba", "weight": 1, "dashArray": "4 4",
                      "fillColor": "#bcbddc", "fillOpacity": 0.2},
    "catchment_bus": {"color": "#d94801", "weight": 1, "fillColor": "#fdd0a2",
                      "fillOpacity": 0.2},
}

#: Dashed outline of a layer's covered extent (outside it the layer has no data).
EXTENT_STYLE: dict[str, Any] = {"color": "#7a0177", "weight": 2, "opacity": 0.9,
                                "dashArray": "8 6", "fill": False, "fillOpacity": 0}

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def valid_colour(value: object) -> str | None:
    """Return ``value`` if it is a ``#rgb``/``#rrggbb`` colour, else ``None``.

    Colours from data go into style attributes, so anything else is refused.
    """
    if isinstance(value, str) and _HEX.match(value.strip()):
        return value.strip().lower()
    return None


def line_colour(line_id: str, given: object, order: list[str]) -> str:
    """Colour of a metro line: its own ``color`` when valid, else a palette colour."""
    own = valid_colour(given)
    if own is not None:
        return own
    index = order.index(line_id) if line_id in order else len(order)
    return LINE_PALETTE[index % len(LINE_PALETTE)]
