"""pyosmium reader of :mod:`geoplan.layers.osm` (``build`` extra; imported when reading).

Kept apart so that ``geoplan.layers.osm`` (and the CLI) import without pyosmium: only reading
an OSM file needs it (:func:`geoplan._extras.require_extra` says how to install it).

:func:`read_osm` reads every OSM role in one streaming pass over the file (plus a first pass
over relations only, which pyosmium's area assembler needs to know the multipolygon
members). Memory is bounded by the part of the file inside ``bbox``:

- node locations are stored only for nodes inside ``bbox`` (the clip boundary's bounding
  box plus a margin); every other node is dropped by the first handler of the chain, so the
  location index never sees it;
- a way reaches the area assembler only when at least one of its nodes has a location and
  it is a multipolygon member or a closed way with a wanted tag; ways wholly outside are
  never buffered;
- the reader's queue of decoded buffers is bounded (:class:`osmium.io.ThreadPool`).

Measured in ``benchmarks/bench_osm_import.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import osmium

from geoplan.errors import SourceDataError
from geoplan.layers.osm import is_walkable

__all__ = ["OsmRows", "read_osm"]

#: Objects between two calls of the progress callback.
_PROGRESS_EVERY = 50_000
#: Decoded buffers the reader may queue ahead of the handlers (bounded memory).
_QUEUE = 8


@dataclass
class OsmRows:
    """What :func:`read_osm` collected (EPSG:4326 coordinates, WKB polygons)."""

    #: walkable way id → (highway, name, [(node id, lon, lat), ...] for located nodes)
    ways: dict[int, tuple[str, str, list[tuple[int, float, float]]]] = field(
        default_factory=dict)
    #: bus stop nodes: (node id, name, lon, lat)
    stops: list[tuple[int, str, float, float]] = field(default_factory=list)
    #: role → [(OSM id, kind, WKB multipolygon)] for green_space, water, land_use
    areas: dict[str, list[tuple[int, str, bytes]]] = field(default_factory=dict)
    #: admin boundary relations: (relation id, tags, WKB multipolygon)
    admin: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    #: bounding box in the file header (``None`` when it has none)
    header_box: tuple[float, float, float, float] | None = None
    #: bounding box of every node in the file (``None`` when it has no node)
    data_box: tuple[float, float, float, float] | None = None
    #: objects read (nodes, ways, relations of the main pass)
    objects: int = 0
    #: nodes whose location was kept (inside the bbox)
    kept_nodes: int = 0
    #: wanted areas that reach beyond the bbox and could not be assembled (at least)
    cut_areas: int = 0


class _NodeFilter:
    """First handler: counts objects, records the file's extent, drops nodes outside."""

    def __init__(self, rows: OsmRows, bbox: tuple[float, float, float, float] | None,
                 progress: Callable[[int], None] | None) -> None:
        self.rows = rows
        self.bbox = bbox
        self.progress = progress
        self.box = [180.0, 90.0, -180.0, -90.0]

    def _tick(self) -> None:
        self.rows.objects += 1
        if self.progress is not None and self.rows.objects % _PROGRESS_EVERY == 0:
            self.progress(self.rows.objects)

    def node(self, n: Any) -> bool:
        self._tick()
        loc = n.location
        if not loc.valid():
            return True
        x, y = loc.lon, loc.lat
        box = self.box
        if x < box[0]:
            box[0] = x
        if x > box[2]:
            box[2] = x
        if y < box[1]:
            box[1] = y
        if y > box[3]:
            box[3] = y
        if self.bbox is not None:
            x0, y0, x1, y1 = self.bbox
            if not (x0 <= x <= x1 and y0 <= y <= y1):
                return True  # never stored, never seen by the other handlers
        self.rows.kept_nodes += 1
        return False

    def way(self, w: Any) -> bool:
        self._tick()
        return False

    def relation(self, r: Any) -> bool:
        self._tick()
        return False


class _Wanted:
    """Which tags make an area wanted (the rules of :mod:`geoplan.layers.osm`)."""

    def __init__(self, rules: dict[str, dict[str, set[str]]], admin_level: str | None) -> None:
        self.rules = rules
        self.admin_level = admin_level
        self.keys = sorted({k for r in rules.values() for k in r}
                           | ({"boundary"} if admin_level else set()))

    def roles(self, tags: Any) -> list[tuple[str, str]]:
        """(role, kind) of every role whose rules the tags match (first matching key)."""
        found: list[tuple[str, str]] = []
        private = tags.get("access") == "private"
        for role, rule in self.rules.items():
            if private and role == "green_space":
                continue
            for key, values in rule.items():
                val = tags.get(key)
                if val is not None and (val in values or "*" in values):
                    found.append((role, val))
                    break
        return found

    def admin(self, tags: Any) -> bool:
        return (self.admin_level is not None and tags.get("boundary") == "administrative"
                and tags.get("admin_level") == self.admin_level)

    def any(self, tags: Any) -> bool:
        return self.admin(tags) or bool(self.roles(tags))


class _Relations:
    """First pass: drops unwanted relations; records the way members of wanted ones."""

    def __init__(self, wanted: _Wanted, members: Any) -> None:
        self.wanted = wanted
        self.members = members

    def relation(self, r: Any) -> bool:
        if r.tags.get("type") not in ("multipolygon", "boundary") or not self.wanted.any(r.tags):
            return True
        for m in r.members:
            if m.type == "w":
                self.members.set(m.ref)
        return False


class _Collector:
    """Main pass (after the location handler): streets, bus stops, way filter for areas."""

    def __init__(self, rows: OsmRows, wanted: _Wanted, members: Any, *, streets: bool,
                 stops: bool) -> None:
        self.rows = rows
        self.wanted = wanted
        self.members = members
        self.cut = osmium.index.IdSet()
        self.streets = streets
        self.stops = stops

    def node(self, n: Any) -> bool:
        if self.stops:
            t = n.tags
            if t.get("highway") == "bus_stop" or (
                    t.get("public_transport") == "platform" and t.get("bus") == "yes"):
                self.rows.stops.append((n.id, t.get("name") or "", n.location.lon,
                                        n.location.lat))
        return True  # the area assembler needs no node

    def way(self, w: Any) -> bool:
        located = [(n.ref, n.lon, n.lat) for n in w.nodes if n.location.valid()]
        if not located:
            return True  # wholly outside: never buffered
        t = w.tags
        if self.streets and len(located) >= 2 and is_walkable(t):
            self.rows.ways[w.id] = (t.get("highway") or "", t.get("name") or "", located)
        member = w.id in self.members
        area = w.is_closed() and self.wanted.any(t)
        if not (member or area):
            return True
        if len(located) < len(w.nodes):
            if area:
                self.rows.cut_areas += 1
            if member:
                self.cut.set(w.id)
            return True  # an area with a node outside the bbox cannot be assembled
        return False

    def relation(self, r: Any) -> bool:
        if r.tags.get("type") in ("multipolygon", "boundary") and self.wanted.any(r.tags) and any(
                m.type == "w" and m.ref in self.cut for m in r.members):
            self.rows.cut_areas += 1
        return True


class _Areas:
    """Receives the assembled areas."""

    def __init__(self, rows: OsmRows, wanted: _Wanted) -> None:
        self.rows = rows
        self.wanted = wanted
        self.wkb = osmium.geom.WKBFactory()

    def area(self, a: Any) -> None:
        roles = self.wanted.roles(a.tags)
        admin = self.wanted.admin(a.tags)
        if not roles and not admin:
            return
        try:
            geom = bytes.fromhex(self.wkb.create_multipolygon(a))
        except RuntimeError:  # an invalid ring: osmium could not build the polygon
            return
        for role, kind in roles:
            self.rows.areas.setdefault(role, []).append((a.orig_id(), kind, geom))
        if admin:
            self.rows.admin.append((a.orig_id(), dict(a.tags), geom))


def _box(header: Any) -> tuple[float, float, float, float] | None:
    box = header.box()
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def read_osm(
    path: Path,
    *,
    rules: dict[str, dict[str, set[str]]],
    streets: bool,
    stops: bool,
    admin_level: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    progress: Callable[[int], None] | None = None,
) -> OsmRows:
    """Read the wanted OSM objects of ``path`` inside ``bbox`` in one streaming pass.

    Parameters
    ----------
    path
        OSM file (.osm, .osm.gz, .osm.bz2, .osm.pbf).
    rules
        Area role → {key: values} (``"*"`` for any value).
    streets, stops
        Whether to collect walkable ways and bus stops.
    admin_level
        Collect ``boundary=administrative`` relations of this level (``None``: none).
    bbox
        (west, south, east, north): node locations kept only inside it (``None``: all).
    progress
        Called with the number of objects read, every 50,000 objects.

    Returns
    -------
    OsmRows

    Raises
    ------
    SourceDataError
        If the file is truncated or not OSM.
    """
    rows = OsmRows()
    wanted = _Wanted(rules, admin_level)
    try:
        with osmium.io.Reader(str(path), osmium.osm.NOTHING) as probe:
            rows.header_box = _box(probe.header())
        members = osmium.index.IdSet()
        manager = osmium.area.AreaManager()
        if wanted.keys:
            pool = osmium.io.ThreadPool(0, _QUEUE)
            with osmium.io.Reader(str(path), osmium.osm.RELATION, thread_pool=pool) as rd:
                osmium.apply(rd, osmium.filter.KeyFilter(*wanted.keys),
                             _Relations(wanted, members), manager.first_pass_handler())
        locations = osmium.NodeLocationsForWays(osmium.index.create_map("flex_mem"))
        locations.ignore_errors()  # nodes outside the bbox have no location, on purpose
        first = _NodeFilter(rows, bbox, progress)
        handlers: list[Any] = [first, locations,
                               _Collector(rows, wanted, members, streets=streets, stops=stops)]
        if wanted.keys:
            handlers.append(manager.second_pass_handler(_Areas(rows, wanted)))
        pool = osmium.io.ThreadPool(0, _QUEUE)
        with osmium.io.Reader(str(path), thread_pool=pool) as rd:
            osmium.apply(rd, *handlers)
    except RuntimeError as exc:
        message = (f"cannot read OSM file {path}: {exc}. The file is truncated or not OSM "
                   "(.osm, .osm.gz, .osm.bz2, .osm.pbf); download it again.")
        raise SourceDataError(message) from None
    if first.box[0] <= first.box[2]:
        rows.data_box = (first.box[0], first.box[1], first.box[2], first.box[3])
    return rows
