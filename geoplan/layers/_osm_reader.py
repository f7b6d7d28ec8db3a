"""pyosmium handlers of :mod:`geoplan.layers.osm` (``build`` extra; imported when reading).

Kept apart so that ``geoplan.layers.osm`` (and the CLI) import without pyosmium: only reading
an OSM file needs it (:func:`geoplan._extras.require_extra` says how to install it).
"""

from __future__ import annotations

from pathlib import Path

import osmium

from geoplan.errors import SourceDataError
from geoplan.layers.osm import is_walkable

__all__ = ["Areas", "Stops", "Ways", "apply"]


def apply(handler: osmium.SimpleHandler, path: Path) -> None:
    """Run ``handler`` over the OSM file ``path`` (a :class:`SourceDataError` if unreadable)."""
    try:
        handler.apply_file(str(path), locations=True)
    except RuntimeError as exc:
        message = (
            f"cannot read OSM file {path}: {exc}. The file is truncated or not OSM "
            "(.osm, .osm.gz, .osm.bz2, .osm.pbf); download it again."
        )
        raise SourceDataError(message) from None


class Ways(osmium.SimpleHandler):
    """Walkable ways (:func:`~geoplan.layers.osm.is_walkable`) with their node locations."""

    def __init__(self) -> None:
        super().__init__()
        self.ways: dict[int, tuple[str, str, list[tuple[int, float, float]]]] = {}

    def way(self, w: osmium.osm.Way) -> None:
        if not is_walkable(w.tags):
            return
        hw = w.tags.get("highway") or ""
        nodes = [(n.ref, n.lon, n.lat) for n in w.nodes if n.location.valid()]
        if len(nodes) >= 2:
            self.ways[w.id] = (hw, w.tags.get("name") or "", nodes)


class Areas(osmium.SimpleHandler):
    """Areas (closed ways, multipolygons) whose tags match ``rules``, as WKB."""

    def __init__(self, rules: dict[str, set[str]]) -> None:
        super().__init__()
        self.rules = rules
        self.rows: list[tuple[int, str, bytes]] = []
        self.wkb = osmium.geom.WKBFactory()

    def area(self, a: osmium.osm.Area) -> None:
        if a.tags.get("access") == "private":
            return
        for key, values in self.rules.items():
            val = a.tags.get(key)
            if val is not None and (val in values or "*" in values):
                try:
                    geom = self.wkb.create_multipolygon(a)
                except RuntimeError:
                    return
                self.rows.append((a.orig_id(), val, bytes.fromhex(geom)))
                return


class Stops(osmium.SimpleHandler):
    """Bus stop nodes."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[int, str, float, float]] = []

    def node(self, n: osmium.osm.Node) -> None:
        t = n.tags
        bus = t.get("highway") == "bus_stop" or (
            t.get("public_transport") == "platform" and t.get("bus") == "yes"
        )
        if bus and n.location.valid():
            self.rows.append((n.id, t.get("name") or "", n.lon, n.lat))
