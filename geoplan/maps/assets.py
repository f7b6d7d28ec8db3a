"""The JavaScript and CSS a map needs, taken from an installed package and inlined.

Folium's default page loads Leaflet, jQuery, Bootstrap, Font Awesome and the awesome-markers
plugin from CDNs, so it is blank offline. geoplan maps use only Leaflet itself (GeoJSON
layers, circle markers, tooltips, popups and the layer control are all core Leaflet; the
legend, title and scorecard are plain HTML/CSS), so a map embeds exactly two assets:
Leaflet's JavaScript and its stylesheet (whose images are already ``data:`` URIs).

They are read from the ``folium-offline`` package (module ``offlinefolium``), which ships the
files folium links to, keyed by their CDN address. Nothing is fetched from the network.

>>> len(leaflet_js()) > 100_000
True
"""

from __future__ import annotations

import functools
import logging
import re

from geoplan.errors import GeoplanError

__all__ = [
    "LEAFLET_CSS_URL",
    "LEAFLET_JS_URL",
    "MissingAssetError",
    "leaflet_css",
    "leaflet_js",
    "leaflet_version",
]

logger = logging.getLogger(__name__)

#: CDN addresses under which ``offlinefolium`` stores Leaflet's files (those folium links to).
LEAFLET_JS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"


class MissingAssetError(GeoplanError, RuntimeError):
    """An asset a self-contained map needs is not available from the installed packages."""


def _resources() -> dict[str, str]:
    try:
        from offlinefolium import elements
    except ImportError:
        message = (
            "cannot embed Leaflet in the map: the package folium-offline (module offlinefolium) "
            "is not installed; install it with `pip install folium-offline`"
        )
        raise MissingAssetError(message) from None
    resources = getattr(elements, "_res", None)
    if not isinstance(resources, dict):
        message = (
            "the installed folium-offline does not expose its embedded files "
            "(offlinefolium.elements._res); install folium-offline 0.19 or 0.20"
        )
        raise MissingAssetError(message)
    return resources


def _get(url: str) -> str:
    text = _resources().get(url)
    if not text:
        message = (
            f"folium-offline carries no file for {url}; install the folium-offline release "
            "that matches folium (0.20)"
        )
        raise MissingAssetError(message)
    return str(text)


@functools.cache
def leaflet_js() -> str:
    """Leaflet's JavaScript (minified), ready to inline in a ``<script>`` element.

    Returns
    -------
    str

    Raises
    ------
    MissingAssetError
        If folium-offline is not installed or lacks the file.
    """
    text = _get(LEAFLET_JS_URL)
    # a literal "</script" would end the inline element early
    return text.replace("</script", "<\\/script")


@functools.cache
def leaflet_css() -> str:
    """Leaflet's stylesheet, with every ``url(...)`` checked to be a ``data:`` URI.

    Returns
    -------
    str

    Raises
    ------
    MissingAssetError
        If folium-offline is not installed or lacks the file.
    """
    text = _get(LEAFLET_CSS_URL)
    external = [
        u for u in re.findall(r"url\(\s*['\"]?([^)'\"]*)", text)
        if not u.startswith(("data:", "#"))
    ]
    for ref in external:  # would make the browser request a file that is not there
        logger.debug("dropping external reference %s from leaflet.css", ref)
        text = text.replace(ref, "data:,")
    return text.replace("</style", "<\\/style")


def leaflet_version() -> str:
    """The version of the embedded Leaflet (from its banner), e.g. ``"1.9.3"``.

    Examples
    --------
    >>> leaflet_version()
    '1.9.3'
    """
    match = re.search(r"Leaflet (\d+\.\d+\.\d+)", leaflet_js()[:400])
    return match.group(1) if match else "unknown"
