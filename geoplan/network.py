"""Walking distance along the street network: catchments of stations, fast.

A bundle's ``street_network`` layer (edges with ``u``, ``v`` node ids and ``length_m``) is
turned once into a :class:`StreetGraph`: an undirected ``scipy.sparse`` CSR matrix (people walk
both ways along one-way streets), node coordinates and edge geometries in the bundle's metric
CRS. Stations are snapped to the nearest point of the nearest street edge, which is split
there (:func:`snap_points`; ``snap="node"`` joins the nearest node instead); one
multi-source bounded Dijkstra pass (``scipy.sparse.csgraph.dijkstra`` with ``min_only=True``
and a distance limit) gives, for every node, the walking distance to the nearest station and
which station that is (:func:`reachable`); :func:`catchments_from_stations` turns the reached
streets into catchment polygons, cutting partially reached edges at the exact remaining
distance. :func:`coverage_scenarios` measures the population within walking distance of the
rail network in service now, in a target year and at full build-out.

Choices (documented because they change the numbers):

* **Edge snapping, and it counts against the walk.** A station is attached to the nearest
  point of the nearest street (the edge is split there and the walk runs both ways along it)
  and the straight-line distance to that point is spent first: a station 20 m from a street
  has 780 m of street left at 800 m. With ``snap="node"`` it is attached to the nearest node
  instead (a station mid-block then starts at a corner, and the distance to that corner is
  spent). A station farther than ``tolerance_m`` from every street is not snapped (a warning
  names it) and covers nothing; indicators list such stations as not measured.
* **Catchment = buffered reached streets.** Every point of a street whose walking distance to
  the nearest station is at most ``distance_m`` is reached; the reached pieces are buffered by
  ``buffer_m`` (50 m by default: the plots along a street) with round ends (drawn with
  :data:`BAND_QUAD_SEGS` segments per quarter circle) and dissolved.
* **Per-station catchments partition the overall one**: each street point belongs to the
  station nearest to it along the network (ties by the Dijkstra order), so station
  catchments do not double-count people.
* **Population** is spread uniformly over each administrative unit: covered population =
  population × area(catchment ∩ unit) / area(unit), the same method as the straight-line
  indicator. A unit that the street network does not cover (less than ``min_network_share``
  of its area inside the network footprint) has no value (NaN, ``network_covered`` False),
  never zero.

>>> from geoplan.layers import load_bundle
>>> bundle = load_bundle("hanoi")                                    # doctest: +SKIP
>>> graph = StreetGraph.from_bundle(bundle)                          # doctest: +SKIP
>>> catchment = catchments_from_stations(graph, bundle.stations, distance_m=800)  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import logging
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from pyproj import CRS, Transformer
from scipy import sparse
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geoplan import _cache, _choices
from geoplan._clip import clipped_areas
from geoplan.crs import metric_crs, require_crs
from geoplan.errors import NetworkError, RecipeError
from geoplan.raster import spread_by_raster

if TYPE_CHECKING:
    from geoplan.layers import Bundle

__all__ = [
    "BAND_QUAD_SEGS",
    "DEFAULT_DISTANCES",
    "MAIN_COMPONENT_SHARE",
    "CoverageScenarios",
    "Reach",
    "StreetGraph",
    "catchments_from_stations",
    "coverage_scenarios",
    "own_catchments",
    "population_covered",
    "reachable",
    "snap_points",
]

logger = logging.getLogger(__name__)

#: Walking distances (m) computed by default: 400/500 m (bus, SDG 11.2.1), 800 m (TOD),
#: 1,000 m (rail, SDG 11.2.1).
DEFAULT_DISTANCES: tuple[float, ...] = (400.0, 500.0, 800.0, 1000.0)

_EPS = 1e-6  # metres: weight of the virtual ties of reachable()

_PARALLEL_FROM = 2000  # pieces from which the dissolve runs on two threads
_NAMED = 40  # far points named in one warning
#: Segments per quarter circle of the round ends of catchment bands: at most
#: ``buffer_m * (1 - cos(pi / 16))`` inside the true circle (0.96 m for 50 m bands, below the
#: positional accuracy of OSM streets), and the dissolve is 20% faster than with GEOS's 8.
BAND_QUAD_SEGS = 4
#: Share of a graph's nodes a connected component needs to count as main network for snapping.
MAIN_COMPONENT_SHARE = 0.01

_GRAPH_CACHE: dict[tuple[str, int, int], StreetGraph] = {}
_BANDS_MEMO: dict[str, Any] = {}  # dissolved bands by input digest (see _dissolved_bands)
_BANDS_KEPT = 32
_POPULATION_MEMO = _cache.Memo(64)  # population_covered tables by content of the inputs
_SCENARIOS_MEMO = _cache.Memo(8)  # coverage_scenarios results by content of the inputs


# ---------------------------------------------------------------------------------------------
# the graph
# ---------------------------------------------------------------------------------------------
@dataclass(eq=False)
class StreetGraph:
    """A street network ready for walking-distance queries.

    Build it with :meth:`from_edges` (any edges GeoDataFrame) or :meth:`from_bundle` (cached
    per bundle file). Node *indices* (``0 .. n_nodes-1``) are positions in :attr:`node_ids`;
    every function of this module takes and returns indices, and :attr:`node_ids` maps them
    back to the layer's ``u``/``v`` ids.

    Attributes
    ----------
    crs
        Metric CRS of the coordinates and geometries (via :mod:`geoplan.crs`).
    node_ids
        Original node ids (``int64``), sorted; position = node index.
    node_xy
        ``(n_nodes, 2)`` node coordinates in metres.
    edge_u, edge_v
        Node indices of each edge's ends; each edge geometry runs from ``edge_u`` to
        ``edge_v``.
    edge_length
        Walking length of each edge in metres (the layer's ``length_m``).
    edge_lines
        Edge LineStrings in ``lines_crs``: as stored in the layer (its own CRS and
        direction), or, for a graph read back from the routing cache (:mod:`geoplan._cache`),
        already metric and oriented; use :meth:`edge_geometry` for metric geometries
        oriented from ``edge_u`` to ``edge_v`` (projected on demand, so only reached edges
        are ever transformed).
    matrix
        Undirected CSR adjacency matrix (shortest parallel edge kept, self-loops dropped).
    source
        Where the edges came from (for messages).
    """

    crs: CRS
    node_ids: np.ndarray
    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_length: np.ndarray
    edge_lines: np.ndarray
    matrix: sparse.csr_matrix
    source: str = "street network"
    lines_crs: CRS | None = None
    edge_reversed: np.ndarray | None = None
    _tree: cKDTree | None = field(default=None, repr=False)
    _main: tuple[np.ndarray, cKDTree] | None = field(default=None, repr=False)
    _footprint: Any = field(default=None, repr=False)
    _metric: np.ndarray | None = field(default=None, repr=False)
    _edges: tuple[np.ndarray, shapely.STRtree] | None = field(default=None, repr=False)
    _key: str | None = field(default=None, repr=False)  # routing-cache key (from_bundle)
    _own: dict[tuple[Any, ...], Any] | None = field(default=None, repr=False)  # own bands

    def edge_geometry(self, edges: np.ndarray | None = None) -> np.ndarray:
        """Metric LineStrings of ``edges`` (indices; all by default), oriented u → v.

        Geometries are projected on first request and kept, so repeated catchments over
        the same streets cost nothing more.
        """
        idx = np.arange(self.n_edges) if edges is None else np.asarray(edges, dtype=np.int64)
        if self._metric is None:
            self._metric = np.full(self.n_edges, None, dtype=object)
        todo = np.unique(idx[shapely.is_missing(self._metric[idx])])
        if len(todo):
            raw = self.edge_lines[todo]
            if self.lines_crs is not None and not self.lines_crs.equals(self.crs):
                raw = gpd.GeoSeries(raw, crs=self.lines_crs).to_crs(self.crs).to_numpy()
            if self.edge_reversed is not None:
                flip = self.edge_reversed[todo]
                raw = raw.copy()
                raw[flip] = shapely.reverse(raw[flip])
            self._metric[todo] = raw
        return self._metric[idx]

    # -- construction --------------------------------------------------------------------
    @classmethod
    def from_edges(
        cls,
        edges: gpd.GeoDataFrame,
        *,
        crs: CRS | str | int | None = None,
        what: str = "street network",
    ) -> StreetGraph:
        """Build the graph from an edges layer (``u``, ``v``, ``length_m``, LineStrings).

        Parameters
        ----------
        edges
            Street edges; geometries are projected to a metric CRS (the input is not
            modified). Directed duplicates (``u→v`` and ``v→u``) are merged.
        crs
            Metric CRS to use; by default :func:`geoplan.crs.metric_crs` of ``edges``.
        what
            Name used in error messages (e.g. ``"hanoi/street_network (streets.parquet)"``).

        Returns
        -------
        StreetGraph

        Raises
        ------
        NetworkError
            If the layer is empty, lacks a column, or has negative/non-finite lengths or
            non-line geometries.
        CRSError
            If the layer has no CRS.

        Examples
        --------
        >>> import geopandas as gpd
        >>> from shapely.geometry import LineString
        >>> e = gpd.GeoDataFrame({"u": [1], "v": [2], "length_m": [100.0]},
        ...                      geometry=[LineString([(0, 0), (100, 0)])], crs=32648)
        >>> StreetGraph.from_edges(e).n_nodes
        2
        """
        missing = [c for c in ("u", "v", "length_m") if c not in edges.columns]
        if missing:
            message = (
                f"{what}: column(s) {', '.join(missing)} missing; a street network needs "
                "u, v (node ids) and length_m (metres) per edge"
            )
            raise NetworkError(message)
        if len(edges) == 0:
            message = f"{what} has no edges; rebuild the street_network layer"
            raise NetworkError(message)
        source_crs = require_crs(edges, what=what)
        target = CRS.from_user_input(crs) if crs is not None else metric_crs(edges, what=what)
        geoms = edges.geometry.to_numpy()
        types = shapely.get_type_id(geoms)
        multi = types == 5
        if multi.any():  # join parts (osmnx never writes them; other builders might)
            geoms = geoms.copy()
            geoms[multi] = shapely.line_merge(geoms[multi])
            still = shapely.get_type_id(geoms) == 5
            if still.any():
                geoms[still] = [
                    shapely.linestrings(shapely.get_coordinates(g)) for g in geoms[still]
                ]
            types = shapely.get_type_id(geoms)
        bad = (types != 1) | shapely.is_empty(geoms)
        if bad.any():
            rows = ", ".join(str(i) for i in edges.index[bad][:5])
            message = (
                f"{what}: {int(bad.sum())} edge(s) without a LineString geometry (rows {rows}); "
                "drop them or rebuild the layer"
            )
            raise NetworkError(message)
        try:
            u = edges["u"].to_numpy(dtype=np.int64)
            v = edges["v"].to_numpy(dtype=np.int64)
            length = edges["length_m"].to_numpy(dtype=float)
        except (TypeError, ValueError) as exc:
            message = f"{what}: u, v must be integers and length_m numbers ({exc})"
            raise NetworkError(message) from None
        bad_len = ~np.isfinite(length) | (length < 0)
        if bad_len.any():
            rows = ", ".join(str(i) for i in edges.index[bad_len][:5])
            message = (
                f"{what}: {int(bad_len.sum())} edge(s) with a negative or missing length_m "
                f"(rows {rows}); recompute length_m in metres"
            )
            raise NetworkError(message)

        node_ids, inverse = np.unique(np.concatenate([u, v]), return_inverse=True)
        iu, iv = inverse[: len(u)], inverse[len(u):]
        # only the end points are projected now; edge geometries when reached
        coords, line = shapely.get_coordinates(geoms, return_index=True)
        head = np.searchsorted(line, np.arange(len(geoms)))
        tail = np.concatenate([head[1:], [len(coords)]]) - 1
        ends = np.concatenate([coords[head], coords[tail]])
        if not source_crs.equals(target):
            ends = np.column_stack(
                Transformer.from_crs(source_crs, target, always_xy=True).transform(
                    ends[:, 0], ends[:, 1]))
        first, last = ends[: len(geoms)], ends[len(geoms):]
        # node position: the start of an edge leaving it, else the end of an edge reaching it
        xy = np.full((len(node_ids), 2), np.nan)
        xy[iv] = last
        xy[iu] = first
        # orient every geometry from u to v (some builders store reversed geometries)
        straight = np.hypot(*(first - xy[iu]).T) + np.hypot(*(last - xy[iv]).T)
        flipped = np.hypot(*(first - xy[iv]).T) + np.hypot(*(last - xy[iu]).T)
        reverse = flipped + 1e-6 < straight
        # a two-way street is often stored twice (u→v and v→u, same length): keep one copy
        # for geometry work; the routing matrix below is undirected anyway
        lo, hi = np.minimum(iu, iv), np.maximum(iu, iv)
        pair = pd.DataFrame({"a": lo, "b": hi, "w": np.round(length, 3)})
        single = ~pair.duplicated().to_numpy()
        if not single.all():
            iu, iv, length, geoms = iu[single], iv[single], length[single], geoms[single]
            reverse = reverse[single]
        n = len(node_ids)
        keep = iu != iv
        a, b = np.minimum(iu, iv)[keep], np.maximum(iu, iv)[keep]
        w = length[keep]
        order = np.lexsort((w, b, a))  # shortest first within each pair
        a, b, w = a[order], b[order], w[order]
        first_of_pair = np.ones(len(a), dtype=bool)
        first_of_pair[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        matrix = sparse.csr_matrix(
            (w[first_of_pair], (a[first_of_pair], b[first_of_pair])), shape=(n, n)
        )
        logger.debug("%s: %d nodes, %d edges, %d reversed geometries",
                     what, n, len(iu), int(reverse.sum()))
        return cls(target, node_ids, xy, iu.astype(np.int64), iv.astype(np.int64), length,
                   geoms, matrix, what, source_crs, reverse)

    @classmethod
    def from_bundle(cls, bundle: Bundle | str | os.PathLike[str]) -> StreetGraph:
        """The graph of a bundle's ``street_network``, built once per file version.

        The in-process cache key is the layer file's path, modification time and size, so a
        rebuilt layer is picked up and repeated calls in one run cost nothing. Across
        processes the graph is read back from the routing cache (:mod:`geoplan._cache`,
        keyed on the SHA-256 of the layer file, the metric CRS and the geoplan version and
        code; ``GEOPLAN_CACHE=off`` disables it), with its edges already projected.

        Parameters
        ----------
        bundle
            A :class:`~geoplan.layers.Bundle`, or a bundle name/path.

        Returns
        -------
        StreetGraph

        Raises
        ------
        LayerNotAvailableError
            If the bundle has no street network.
        NetworkError
            If the layer cannot be routed on.

        Examples
        --------
        >>> graph = StreetGraph.from_bundle("hanoi")                  # doctest: +SKIP
        >>> graph is StreetGraph.from_bundle("hanoi")                 # doctest: +SKIP
        True
        """
        from geoplan.layers import Bundle, load_bundle

        if not isinstance(bundle, Bundle):
            bundle = load_bundle(bundle)
        path = bundle.file_path("street_network")
        stat = path.stat() if path.exists() else None
        key = (str(path), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
        graph = _GRAPH_CACHE.get(key)
        if graph is None:
            entry = bundle.entry("street_network")
            inner = f":{entry.layer}" if entry.layer else ""
            what = f"{bundle.name}/street_network ({entry.file}{inner})"
            crs = bundle.metric_crs
            disk = (_cache.entry_key("graph", _cache.file_digest(path), entry.layer or "",
                                     crs.to_wkt(), what, code=__file__)
                    if stat is not None and _cache.cache_dir() is not None else None)
            graph = _load_graph(disk) if disk else None
            if graph is None:
                graph = cls.from_edges(bundle.street_network, crs=crs, what=what)
                if disk:
                    _store_graph(disk, graph)
            graph._key = disk
            _GRAPH_CACHE[key] = graph
        return graph

    # -- description ----------------------------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of edges (as in the layer, before merging directions)."""
        return len(self.edge_u)

    @property
    def tree(self) -> cKDTree:
        """KD-tree of the node coordinates (built on first use)."""
        if self._tree is None:
            self._tree = cKDTree(self.node_xy)
        return self._tree

    def main_nodes(self) -> tuple[np.ndarray, cKDTree]:
        """Indices of the nodes of the main network and their KD-tree (built on first use).

        The main network is every connected component holding at least
        :data:`MAIN_COMPONENT_SHARE` of the nodes (so the largest always belongs to it).
        Smaller fragments, such as the footway islands that a patchwork of extracts leaves
        around station plazas, are not where a walk to a station starts.
        """
        if self._main is None:
            from scipy.sparse.csgraph import connected_components

            _, labels = connected_components(self.matrix, directed=False)
            sizes = np.bincount(labels)
            big = (sizes >= MAIN_COMPONENT_SHARE * self.n_nodes) | (sizes == sizes.max())
            nodes = np.flatnonzero(big[labels])
            self._main = (nodes, cKDTree(self.node_xy[nodes]))
        return self._main

    def main_edges(self) -> tuple[np.ndarray, shapely.STRtree]:
        """Indices of the edges of the main network and an STR-tree of their geometries.

        The edges whose ends belong to :meth:`main_nodes`, in the metric CRS (projected on
        first use, then kept).
        """
        if self._edges is None:
            nodes, _tree = self.main_nodes()
            main = np.zeros(self.n_nodes, dtype=bool)
            main[nodes] = True
            edges = np.flatnonzero(main[self.edge_u] & main[self.edge_v])
            self._edges = (edges, shapely.STRtree(self.edge_geometry(edges)))
        return self._edges

    def footprint(self, *, cell_m: float = 250.0, close_m: float = 750.0) -> Any:
        """The area the network covers, as one (Multi)Polygon in :attr:`crs`.

        Street nodes are binned into ``cell_m`` squares; the occupied cells are dissolved
        and closed (buffered out and back by ``close_m``) so that blocks between streets
        count as covered while land beyond the network's edge does not.

        Parameters
        ----------
        cell_m
            Grid cell size in metres.
        close_m
            Gap size (m) filled between occupied cells.

        Returns
        -------
        shapely.Polygon or shapely.MultiPolygon

        Examples
        --------
        >>> graph = StreetGraph.from_bundle("hanoi")                  # doctest: +SKIP
        >>> graph.footprint().area / 1e6                              # doctest: +SKIP
        """
        key = (cell_m, close_m)
        if self._footprint is not None and self._footprint[0] == key:
            return self._footprint[1]
        disk = (_cache.entry_key("footprint", self._key, cell_m, close_m, code=__file__)
                if self._key else None)
        stored = _cache.load("footprint", disk, names=("wkb", "offsets")) if disk else None
        if stored is not None:
            shape = _cache.unpack_geoms(stored)[0]
            self._footprint = (key, shape)
            return shape
        cells = np.unique(np.floor(self.node_xy / cell_m).astype(np.int64), axis=0)
        x0, y0 = cells[:, 0] * cell_m, cells[:, 1] * cell_m
        boxes = shapely.box(x0, y0, x0 + cell_m, y0 + cell_m)
        grid = shapely.coverage_union_all(boxes)  # edge-matched squares: fast dissolve
        closed = shapely.buffer(shapely.buffer(grid, close_m, quad_segs=2), -close_m,
                                quad_segs=2)
        shape = shapely.union(closed, grid)
        self._footprint = (key, shape)
        if disk:
            _cache.store("footprint", disk, _cache.pack_geoms(np.array([shape], dtype=object)))
        return shape


_GRAPH_ARRAYS = ("node_ids", "node_xy", "edge_u", "edge_v", "edge_length", "data", "indices",
                 "indptr", "crs", "source", "wkb", "offsets")


def _store_graph(key: str, graph: StreetGraph) -> None:
    """Write ``graph`` to the routing cache, its edges projected and oriented once for all."""
    m = graph.matrix
    _cache.store("graph", key, {
        "node_ids": graph.node_ids, "node_xy": graph.node_xy, "edge_u": graph.edge_u,
        "edge_v": graph.edge_v, "edge_length": graph.edge_length, "data": m.data,
        "indices": m.indices, "indptr": m.indptr, "crs": np.array(graph.crs.to_wkt()),
        "source": np.array(graph.source), **_cache.pack_geoms(graph.edge_geometry()),
    })


def _load_graph(key: str) -> StreetGraph | None:
    """The graph stored under ``key`` (edges already metric and oriented), or ``None``."""
    a = _cache.load("graph", key, names=_GRAPH_ARRAYS)
    if a is None:
        return None
    n = len(a["node_ids"])
    crs = CRS.from_wkt(str(a["crs"]))
    lines = _cache.unpack_geoms(a)
    matrix = sparse.csr_matrix((a["data"], a["indices"], a["indptr"]), shape=(n, n))
    graph = StreetGraph(crs, a["node_ids"], a["node_xy"], a["edge_u"], a["edge_v"],
                        a["edge_length"], lines, matrix, str(a["source"]), crs, None)
    graph._metric = lines
    return graph


# ---------------------------------------------------------------------------------------------
# snapping
# ---------------------------------------------------------------------------------------------
def _labels(points: gpd.GeoDataFrame, name_column: str | None) -> list[str]:
    columns = [name_column] if name_column else [
        c for c in ("name", "station_id", "stop_id") if c in points.columns]
    labels = []
    for i, row in enumerate(points[columns].itertuples(index=False)):
        texts = [str(v) for v in row if isinstance(v, str) and v.strip()]
        labels.append(" / ".join(texts) if texts else f"row {points.index[i]}")
    return labels


def _snap_core(graph: StreetGraph, xy: np.ndarray, empty: np.ndarray, *, main_only: bool,
               snap: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nearest node, distance, edge and position along it of every point (no tolerance)."""
    distance = np.full(len(xy), np.nan)
    node = np.full(len(xy), -1, dtype=np.int64)
    edge = np.full(len(xy), -1, dtype=np.int64)
    along = np.full(len(xy), np.nan)
    if (~empty).any() and snap == "edge":
        if main_only:
            pool, strtree = graph.main_edges()
        else:
            pool = np.arange(graph.n_edges)
            strtree = shapely.STRtree(graph.edge_geometry(pool))
        todo = np.flatnonzero(~empty)
        pts = shapely.points(xy[todo])
        (which, hit), d = strtree.query_nearest(pts, return_distance=True, all_matches=False)
        e = pool[hit]
        lines = graph.edge_geometry(e)
        drawn = np.asarray(shapely.length(lines))
        walk = graph.edge_length[e]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(drawn > 0, shapely.line_locate_point(lines, pts[which]) / drawn, 0.0)
        distance[todo[which]] = d
        edge[todo[which]] = e
        along[todo[which]] = np.clip(t, 0.0, 1.0) * walk
        node[todo[which]] = np.where(t <= 0.5, graph.edge_u[e], graph.edge_v[e])
    elif (~empty).any():
        if main_only:
            main, tree = graph.main_nodes()
            d, i = tree.query(xy[~empty])
            i = main[i]
        else:
            d, i = graph.tree.query(xy[~empty])
        distance[~empty] = d
        node[~empty] = i
    return node, distance, edge, along


def snap_points(
    graph: StreetGraph,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    tolerance_m: float = 250.0,
    name_column: str | None = None,
    main_only: bool = True,
    snap: str = "edge",
) -> pd.DataFrame:
    """Attach points (stations, stops) to the street network.

    ``snap="edge"`` (default): each point joins the nearest point of the nearest street
    edge, which is split there: the walk starts at that point, after the perpendicular
    distance, and runs both ways along the edge (a station beside the middle of a 400 m
    block reaches both of its ends). ``snap="node"``: each point joins its nearest street
    node (the former method; a station mid-block starts at a corner).

    Parameters
    ----------
    graph
        The street graph.
    points
        Point layer with a CRS (projected to the graph's CRS; the input is not modified).
    tolerance_m
        Points farther than this from every street (edge snapping) or node (node snapping)
        are not snapped: a warning names them and their ``node`` is ``-1``.
    main_only
        Snap to the nearest node of the main network (:meth:`StreetGraph.main_nodes`:
        connected components with at least 1% of the nodes), not to a small disconnected
        fragment that happens to lie closer (default). ``False`` snaps to any node.
    name_column
        Column naming the points in the warning (default ``name``, ``station_id`` or
        ``stop_id``, whichever exists, else the index).
    snap
        ``"edge"`` or ``"node"`` (see above).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``points.index``: ``node`` (node index, ``-1`` if not snapped; with edge
        snapping the end of the edge nearer along it), ``node_id`` (the layer's node id,
        ``-1`` if not snapped), ``distance_m`` (to the nearest edge or node, also for points
        beyond the tolerance; NaN for empty geometries), ``snapped`` (bool), ``edge`` (edge
        index, ``-1`` with node snapping or when not snapped) and ``along_m`` (walking
        metres from the edge's ``edge_u`` end to the split point; NaN without an edge).

    Raises
    ------
    CRSError
        If ``points`` has no CRS.
    ValueError
        If ``snap`` is neither ``"edge"`` nor ``"node"``.

    Examples
    --------
    >>> snaps = snap_points(graph, bundle.stations)                   # doctest: +SKIP
    >>> snaps["distance_m"].describe()                                # doctest: +SKIP
    """
    if snap not in ("edge", "node"):
        message = f"snap={snap!r}: use 'edge' (nearest point of a street) or 'node'"
        raise ValueError(message)
    require_crs(points, what="points to snap")
    geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
    geoms = geoms.to_crs(graph.crs).to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    centres = shapely.centroid(np.where(empty, None, geoms))
    xy = np.full((len(geoms), 2), np.nan)
    if (~empty).any():
        xy[~empty] = shapely.get_coordinates(centres[~empty])
    disk = (_cache.entry_key("snap", graph._key, xy, empty, main_only, snap, code=__file__)
            if graph._key else None)
    stored = _cache.load("snap", disk, names=("node", "distance", "edge", "along")) if (
        disk) else None
    if stored is not None:
        node, distance, edge, along = (stored[k] for k in ("node", "distance", "edge", "along"))
    else:
        node, distance, edge, along = _snap_core(graph, xy, empty, main_only=main_only,
                                                 snap=snap)
        if disk:
            _cache.store("snap", disk, {"node": node, "distance": distance, "edge": edge,
                                        "along": along})
    snapped = ~empty & (distance <= tolerance_m)
    node[~snapped] = -1
    edge[~snapped] = -1
    along[~snapped] = np.nan
    if (~snapped).any():
        frame = points if isinstance(points, gpd.GeoDataFrame) else gpd.GeoDataFrame(
            geometry=points)
        labels = np.asarray(_labels(frame, name_column), dtype=object)
        far = [
            f"{lab}: {'no geometry' if np.isnan(d) else f'{d:.0f} m'}"
            for lab, d in zip(labels[~snapped], distance[~snapped], strict=True)
        ]
        shown = "; ".join(far[:_NAMED])
        more = f"; and {len(far) - _NAMED} more" if len(far) > _NAMED else ""
        logger.warning(
            "%d point(s) farther than %.0f m from any street %s of %s are left out "
            "(check their position or the network's extent): %s%s",
            len(far), tolerance_m, snap, graph.source, shown, more,
        )
    node_id = np.where(snapped, graph.node_ids[np.maximum(node, 0)], -1)
    return pd.DataFrame(
        {"node": node, "node_id": node_id, "distance_m": distance, "snapped": snapped,
         "edge": edge, "along_m": along},
        index=points.index,
    )


# ---------------------------------------------------------------------------------------------
# shortest paths
# ---------------------------------------------------------------------------------------------
@dataclass(eq=False)
class Reach:
    """Walking distances from a set of sources, up to the largest requested distance.

    Attributes
    ----------
    graph
        The graph searched.
    distances
        The requested distances (m), ascending.
    distance_m
        Per node: walking distance to the nearest source (``inf`` beyond ``max(distances)``).
    source
        Per node: position (in the ``sources`` given to :func:`reachable`) of that nearest
        source, ``-1`` where unreached.
    on_edges
        For sources split into an edge (edge snapping): per source position, the edge index
        (``-1`` for a source at a node), metres along it from ``edge_u`` and the distance
        already walked; ``None`` when every source sits at a node.
    """

    graph: StreetGraph
    distances: tuple[float, ...]
    distance_m: np.ndarray
    source: np.ndarray
    on_edges: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def within(self, distance_m: float) -> np.ndarray:
        """Boolean mask of the nodes within ``distance_m`` of a source.

        Raises
        ------
        ValueError
            If ``distance_m`` exceeds the largest distance searched.
        """
        _check_limit(self, distance_m)
        return self.distance_m <= distance_m

    def street_length_m(self, distance_m: float) -> float:
        """Length (m) of street within ``distance_m``, partial edges included."""
        pieces = _pieces(self, distance_m, split=False)
        return float((pieces.end - pieces.start).sum())


def _check_limit(reach: Reach, distance_m: float) -> None:
    if distance_m > max(reach.distances) + 1e-9:
        message = (
            f"distance {distance_m:g} m exceeds the largest distance searched "
            f"({max(reach.distances):g} m); pass it in distances=... to reachable()"
        )
        raise ValueError(message)


def _augmented(
    graph: StreetGraph, nodes: np.ndarray, offsets: np.ndarray,
    edges: np.ndarray | None = None, along: np.ndarray | None = None,
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """The graph plus one virtual node per source, tied to its street node by its offset.

    A source split into an edge (``edges >= 0``, ``along`` metres from ``edge_u``) is tied
    to both ends instead: to ``edge_u`` by offset + along, to ``edge_v`` by offset +
    (length − along). A single search from the virtual nodes then charges each source its
    own head start.
    """
    n, k = graph.n_nodes, len(nodes)
    virtual = n + np.arange(k)
    rows, cols, weights = virtual, nodes, offsets
    if edges is not None and along is not None:
        split = np.flatnonzero(edges >= 0)
        e = edges[split]
        a = np.clip(np.nan_to_num(along[split]), 0.0, graph.edge_length[e])
        u, v = graph.edge_u[e], graph.edge_v[e]
        to_u, to_v = offsets[split] + a, offsets[split] + graph.edge_length[e] - a
        loop = u == v  # one tie only: duplicate entries would add up in the sparse matrix
        keep = np.setdiff1d(np.arange(k), split)
        rows = np.concatenate([virtual[keep], virtual[split], virtual[split][~loop]])
        cols = np.concatenate([nodes[keep], u, v[~loop]])
        weights = np.concatenate([offsets[keep], np.where(loop, np.minimum(to_u, to_v), to_u),
                                  to_v[~loop]])
    # explicit zeros vanish in sparse sums: every tie carries _EPS, removed afterwards
    extra = sparse.csr_matrix((weights + _EPS, (rows, cols)), shape=(n + k, n + k))
    base = graph.matrix
    grown = sparse.csr_matrix(
        (base.data, base.indices, np.concatenate([base.indptr, np.full(k, base.indptr[-1])])),
        shape=(n + k, n + k),
    )
    return (grown + extra).tocsr(), virtual


def _whole_edges_each_source(
    graph: StreetGraph, nodes: np.ndarray, offsets: np.ndarray, distance_m: float,
    edges: np.ndarray | None = None, along: np.ndarray | None = None,
) -> np.ndarray:
    """Edges whose two ends lie within ``distance_m`` of one same source.

    The convention of ``networkx.ego_graph`` + edge subgraph, computed with bounded
    searches from every source in blocks (one C-level call per block, no Python loop over
    sources within a block).
    """
    hit = np.zeros(graph.n_edges, dtype=bool)
    if len(nodes) == 0:
        return hit
    full, virtual = _augmented(graph, nodes, offsets, edges, along)
    block = max(1, int(2e7 // max(full.shape[0], 1)))  # ≤ 160 MB of distances at a time
    for start in range(0, len(virtual), block):
        d = dijkstra(full, directed=False, indices=virtual[start:start + block],
                     limit=distance_m + _EPS)
        within = d[:, : graph.n_nodes] - _EPS <= distance_m
        hit |= (within[:, graph.edge_u] & within[:, graph.edge_v]).any(axis=0)
    return hit


def reachable(
    graph: StreetGraph,
    sources: Iterable[int] | np.ndarray,
    *,
    distances: Sequence[float] = DEFAULT_DISTANCES,
    offsets_m: Iterable[float] | np.ndarray | None = None,
    edges: Iterable[int] | np.ndarray | None = None,
    along_m: Iterable[float] | np.ndarray | None = None,
) -> Reach:
    """Walking distance from every node to its nearest source, in one bounded pass.

    One multi-source Dijkstra (``scipy.sparse.csgraph.dijkstra``, ``min_only=True``) runs
    with the largest of ``distances`` as limit; every smaller distance is a threshold on the
    same result (shortest distances below the limit are exact), so there is no loop over
    sources or distances.

    Parameters
    ----------
    graph
        The street graph.
    sources
        Node indices (as in :func:`snap_points`'s ``node``); ``-1`` entries (unsnapped
        points) are ignored but keep their position.
    distances
        Walking distances of interest, in metres.
    offsets_m
        Distance already walked at each source (e.g. the snapping distance), spent from the
        budget; default 0.
    edges, along_m
        Edge snapping (:func:`snap_points`' ``edge`` and ``along_m``): a source with an edge
        index starts at the point ``along_m`` metres from the edge's ``edge_u`` end and walks
        both ways along the split edge; ``-1`` keeps the source at its node.

    Returns
    -------
    Reach

    Raises
    ------
    ValueError
        If a source index is out of range, an offset is negative or no distance is given.

    Examples
    --------
    >>> snaps = snap_points(graph, stations)                          # doctest: +SKIP
    >>> reach = reachable(graph, snaps["node"], offsets_m=snaps["distance_m"])  # doctest: +SKIP
    >>> int(reach.within(800).sum())                                  # doctest: +SKIP
    """
    src = np.asarray(list(sources) if not isinstance(sources, np.ndarray) else sources,
                     dtype=np.int64)
    dists = tuple(sorted(float(d) for d in distances))
    if not dists or dists[0] < 0:
        message = f"distances must be non-negative and non-empty, got {list(distances)}"
        raise ValueError(message)
    offsets = (np.zeros(len(src)) if offsets_m is None
               else np.nan_to_num(np.asarray(list(offsets_m) if not isinstance(
                   offsets_m, np.ndarray) else offsets_m, dtype=float), nan=np.inf))
    if len(offsets) != len(src):
        message = f"offsets_m has {len(offsets)} values for {len(src)} sources"
        raise ValueError(message)
    if (offsets < 0).any():
        message = "offsets_m must be non-negative"
        raise ValueError(message)
    if ((src < -1) | (src >= graph.n_nodes)).any():
        message = f"source node indices must lie in 0..{graph.n_nodes - 1} (or -1 to skip)"
        raise ValueError(message)
    n = graph.n_nodes
    limit = dists[-1]
    on_edges = None
    if edges is not None:
        edge_of = np.asarray(edges, dtype=np.int64)
        pos = np.asarray(along_m if along_m is not None else [], dtype=float)
        if len(edge_of) != len(src) or len(pos) != len(src):
            message = f"edges and along_m need one value per source ({len(src)})"
            raise ValueError(message)
        edge_of = np.where(src >= 0, edge_of, -1)
        on_edges = (edge_of, pos, offsets) if (edge_of >= 0).any() else None
    distance = np.full(n, np.inf)
    owner = np.full(n, -1, dtype=np.int64)
    use = np.flatnonzero((src >= 0) & (offsets <= limit))
    if len(use):
        full, virtual = _augmented(graph, src[use], offsets[use],
                                   None if on_edges is None else on_edges[0][use],
                                   None if on_edges is None else on_edges[1][use])
        d, _pred, s = dijkstra(full, directed=False, indices=virtual, min_only=True,
                               limit=limit + _EPS, return_predecessors=True)
        distance = d[:n] - _EPS
        reached = s[:n] >= 0
        owner[reached] = use[s[:n][reached] - n]
        distance[~reached] = np.inf
    return Reach(graph, dists, distance, owner, on_edges)


# ---------------------------------------------------------------------------------------------
# catchments
# ---------------------------------------------------------------------------------------------
@dataclass
class _Pieces:
    edge: np.ndarray    # edge index
    start: np.ndarray   # metres along the edge (walking length units) from edge_u
    end: np.ndarray
    owner: np.ndarray   # source position


def _pieces(reach: Reach, distance_m: float, *, split: bool) -> _Pieces:
    """Reached stretches of every edge within ``distance_m`` (vectorised).

    A point ``t`` metres from ``u`` along an edge of length ``L`` is at
    ``min(du + t, dv + L - t)``; the reached set is ``[0, D-du] ∪ [L-(D-dv), L]``.
    With ``split`` the stretch is cut where the two ends' sources meet, so that each piece
    belongs to one source.
    """
    _check_limit(reach, distance_m)
    g = reach.graph
    du, dv = reach.distance_m[g.edge_u], reach.distance_m[g.edge_v]
    length = g.edge_length
    ru = np.clip(distance_m - du, 0.0, None)  # inf distance -> -inf -> clipped to 0
    rv = np.clip(distance_m - dv, 0.0, None)
    ru[~np.isfinite(du)] = 0.0
    rv[~np.isfinite(dv)] = 0.0
    hit_u, hit_v = du <= distance_m, dv <= distance_m
    cand = np.flatnonzero(hit_u | hit_v)
    ru, rv, du, dv, length = ru[cand], rv[cand], du[cand], dv[cand], length[cand]
    hit_u, hit_v = hit_u[cand], hit_v[cand]
    su, sv = reach.source[g.edge_u[cand]], reach.source[g.edge_v[cand]]
    full = hit_u & hit_v & (ru + rv >= length)
    full |= hit_u & (ru >= length)
    full |= hit_v & (rv >= length)
    edges, starts, ends, owners = [], [], [], []
    # full edges
    f = full
    if split:
        # meeting point of the two waves, clipped to the edge
        meet = np.clip((dv + length - du) / 2.0, 0.0, length)
        meet = np.where(hit_u & ~hit_v, length, np.where(hit_v & ~hit_u, 0.0, meet))
        one = f & ((su == sv) | (meet >= length) | (meet <= 0.0))
        own1 = np.where((meet <= 0.0) & hit_v, sv, su)
        edges.append(cand[one])
        starts.append(np.zeros(int(one.sum())))
        ends.append(length[one])
        owners.append(own1[one])
        two = f & ~one
        edges += [cand[two], cand[two]]
        starts += [np.zeros(int(two.sum())), meet[two]]
        ends += [meet[two], length[two]]
        owners += [su[two], sv[two]]
    else:
        edges.append(cand[f])
        starts.append(np.zeros(int(f.sum())))
        ends.append(length[f])
        owners.append(np.where(hit_u, su, sv)[f])
    # partial stretches from each end
    pu = ~full & hit_u & (ru > 0)
    pv = ~full & hit_v & (rv > 0)
    edges += [cand[pu], cand[pv]]
    starts += [np.zeros(int(pu.sum())), (length - rv)[pv]]
    ends += [ru[pu], length[pv]]
    owners += [su[pu], sv[pv]]
    if reach.on_edges is not None:  # the split edges: each way from the split point
        edge_of, pos, spent = reach.on_edges
        mine = np.flatnonzero((edge_of >= 0) & (spent <= distance_m))
        left = distance_m - spent[mine]
        span = g.edge_length[edge_of[mine]]
        edges.append(edge_of[mine])
        starts.append(np.clip(pos[mine] - left, 0.0, span))
        ends.append(np.clip(pos[mine] + left, 0.0, span))
        owners.append(mine)
    out = _Pieces(np.concatenate(edges), np.concatenate(starts), np.concatenate(ends),
                  np.concatenate(owners))
    keep = out.end > out.start
    out = _Pieces(out.edge[keep], out.start[keep], out.end[keep], out.owner[keep])
    return out if reach.on_edges is None else _merged(out, by_owner=split)


def _merged(pieces: _Pieces, *, by_owner: bool) -> _Pieces:
    """Overlapping stretches of one edge (and one owner with ``by_owner``) joined into one."""
    if len(pieces.edge) == 0:
        return pieces
    owner = pieces.owner if by_owner else np.zeros(len(pieces.edge), dtype=np.int64)
    order = np.lexsort((pieces.start, owner, pieces.edge))
    e, o = pieces.edge[order], owner[order]
    a, b, who = pieces.start[order], pieces.end[order], pieces.owner[order]
    group = np.concatenate([[0], np.cumsum((e[1:] != e[:-1]) | (o[1:] != o[:-1]))])
    reach = pd.Series(b).groupby(group).cummax().to_numpy()
    fresh = np.ones(len(e), dtype=bool)
    fresh[1:] = (group[1:] != group[:-1]) | (a[1:] > reach[:-1])
    run = np.cumsum(fresh) - 1
    first = np.flatnonzero(fresh)
    end = pd.Series(b).groupby(run).max().to_numpy()
    return _Pieces(e[first], a[first], end, who[first])


def _cut(graph: StreetGraph, pieces: _Pieces) -> np.ndarray:
    """LineStrings of the pieces: whole edges as they are, partial ones cut exactly.

    Walking positions (``length_m`` units) are mapped to the geometry by proportion, so a
    piece covering half the walking length covers half the drawn line.
    """
    geoms = graph.edge_geometry(pieces.edge)
    length = graph.edge_length[pieces.edge]
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(length > 0, pieces.start / length, 0.0)
        b = np.where(length > 0, pieces.end / length, 1.0)
    whole = (a <= 0.0) & (b >= 1.0)
    out = geoms.copy()
    part = np.flatnonzero(~whole)
    if len(part) == 0:
        return out
    lines = geoms[part]
    coords, idx = shapely.get_coordinates(lines, return_index=True)
    seg = np.hypot(*np.diff(coords, axis=0).T)
    same = idx[1:] == idx[:-1]
    seg = np.where(same, seg, 0.0)
    cum = np.concatenate([[0.0], np.cumsum(seg)])  # global running length
    first = np.searchsorted(idx, np.arange(len(part)))  # first vertex of each line
    base = cum[first]
    total = np.asarray(shapely.length(lines))
    sa = base + a[part] * total
    sb = base + b[part] * total

    def point_at(pos: np.ndarray) -> np.ndarray:
        # segment k (vertex k -> k+1) of the same line holding running position pos
        k = np.searchsorted(cum, pos, side="right") - 1
        last = np.concatenate([first[1:], [len(coords)]]) - 1
        k = np.clip(k, first, np.maximum(last - 1, first))
        span = cum[k + 1] - cum[k]
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(span > 0, (pos - cum[k]) / span, 0.0)
        r = np.clip(r, 0.0, 1.0)
        return coords[k] + (coords[k + 1] - coords[k]) * r[:, None]

    start_pt, end_pt = point_at(sa), point_at(sb)
    inner = (cum > sa[idx] + 1e-9) & (cum < sb[idx] - 1e-9)
    pieces_xy = np.concatenate([start_pt, coords[inner], end_pt])
    pieces_idx = np.concatenate([np.arange(len(part)), idx[inner], np.arange(len(part))])
    # order: start point, inner vertices in order, end point
    rank = np.concatenate([np.zeros(len(part)), np.flatnonzero(inner) + 1.0,
                           np.full(len(part), len(coords) + 2.0)])
    order = np.lexsort((rank, pieces_idx))
    out[part] = shapely.linestrings(pieces_xy[order], indices=pieces_idx[order])
    return out


def _bands(lines: np.ndarray, buffer_m: float) -> Any:
    """Union of the ``buffer_m`` bands (round ends) around many lines, on two threads.

    Buffering pieces one by one and dissolving them (GEOS cascaded union) is an order of
    magnitude faster than buffering one MultiLineString of them; GEOS releases the GIL, so
    the western and eastern halves are buffered and dissolved in parallel and then joined.
    """
    if len(lines) == 0:
        return shapely.Polygon()

    def band(part: np.ndarray) -> Any:
        return shapely.union_all(shapely.buffer(part, buffer_m, quad_segs=BAND_QUAD_SEGS))

    if len(lines) < _PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        return band(lines)
    x = shapely.get_coordinates(shapely.get_point(lines, 0))[:, 0]
    west = x < np.median(x)
    with ThreadPoolExecutor(2) as pool:
        a, b = pool.map(band, [lines[west], lines[~west]])
    return shapely.union(a, b)


def _dissolved_bands(lines: np.ndarray, buffer_m: float) -> Any:
    """:func:`_bands`, computed once per distinct input: memo in the process, then on disk.

    The key is the SHA-256 of the lines' WKB (the exact input), ``buffer_m`` and
    :data:`BAND_QUAD_SEGS`, so the same stations at the same distance on the same streets,
    in another scenario, period, map layer or process, reuse the dissolved polygon
    (byte-identical: WKB round-trips coordinates exactly).
    """
    if len(lines) == 0:
        return shapely.Polygon()
    key = _cache.entry_key("bands", b"".join(shapely.to_wkb(lines)), float(buffer_m),
                           BAND_QUAD_SEGS, code=__file__)
    geom = _BANDS_MEMO.pop(key, None)
    if geom is None:
        stored = _cache.load("bands", key, names=("wkb", "offsets"))
        if stored is not None:
            geom = _cache.unpack_geoms(stored)[0]
        else:
            geom = _bands(lines, buffer_m)
            _cache.store("bands", key, _cache.pack_geoms(np.array([geom], dtype=object)))
    _BANDS_MEMO[key] = geom  # most recent last
    while len(_BANDS_MEMO) > _BANDS_KEPT:
        _BANDS_MEMO.pop(next(iter(_BANDS_MEMO)))
    return geom


def catchments_from_stations(
    graph: StreetGraph,
    stations: gpd.GeoDataFrame,
    *,
    distance_m: float,
    buffer_m: float = 50.0,
    per_station: bool = False,
    tolerance_m: float = 250.0,
    snaps: pd.DataFrame | None = None,
    partial_edges: bool = True,
    charge_snap: bool = True,
    snap: str = "edge",
) -> gpd.GeoDataFrame:
    """Walking catchments of stations: buffered streets within ``distance_m``.

    Streets reached in full are buffered whole; partially reached edges are cut at the
    exact remaining distance from each reached end. The snapping distance counts against
    the walk (see the module notes).

    Parameters
    ----------
    graph
        The street graph.
    stations
        Point layer (stations or stops) with a CRS; not modified.
    distance_m
        Walking distance in metres.
    buffer_m
        Half-width (m) of the band around reached streets (round ends).
    per_station
        One row per station (each street point going to its nearest station, so rows do not
        overlap) instead of one dissolved row.
    tolerance_m
        Snapping tolerance (see :func:`snap_points`).
    snaps
        Result of :func:`snap_points` for ``stations``, to avoid snapping twice.
    partial_edges
        Cut partially reached edges at the remaining distance (default). ``False`` keeps
        only edges whose two ends lie within ``distance_m`` of one same station: the
        convention of ``networkx.ego_graph`` recipes, for comparisons (it misses the
        walkable ends of edges and runs one bounded search per station).
    charge_snap
        Spend the snapping distance from the walk (default); ``False`` starts at the street.
    snap
        ``"edge"`` (default) or ``"node"``, when ``snaps`` is not given (:func:`snap_points`).

    Returns
    -------
    geopandas.GeoDataFrame
        In the graph's metric CRS. Overall: one row with ``distance_m``, ``stations``
        (snapped stations), ``street_length_m``, ``area_m2``. Per station: aligned to
        ``stations.index`` with the station columns ``station_id``/``name`` (when present),
        ``snap_distance_m``, ``snapped``, ``street_length_m``, ``area_m2``; stations that
        reach nothing have an empty geometry.

    Raises
    ------
    ValueError
        If ``distance_m`` or ``buffer_m`` is negative.
    CRSError
        If ``stations`` has no CRS.

    Examples
    --------
    >>> overall = catchments_from_stations(graph, bundle.stations, distance_m=800)  # doctest: +SKIP
    >>> round(overall.area_m2.iloc[0] / 1e6, 1)                       # doctest: +SKIP
    """
    if distance_m < 0 or buffer_m < 0:
        message = f"distance_m and buffer_m must be >= 0 (got {distance_m}, {buffer_m})"
        raise ValueError(message)
    if snaps is None:
        snaps = snap_points(graph, stations, tolerance_m=tolerance_m, snap=snap)
    nodes = snaps["node"].to_numpy()
    offsets = (snaps["distance_m"].to_numpy(dtype=float) if charge_snap
               else np.where(nodes >= 0, 0.0, np.nan))
    edge_of = snaps["edge"].to_numpy() if "edge" in snaps else None
    along = snaps["along_m"].to_numpy(dtype=float) if "along_m" in snaps else None
    reach = reachable(graph, nodes, distances=(distance_m,), offsets_m=offsets,
                      edges=edge_of, along_m=along if edge_of is not None else None)
    pieces = _pieces(reach, distance_m, split=per_station)
    if not partial_edges:
        use = np.flatnonzero((nodes >= 0) & (offsets <= distance_m))
        whole = _whole_edges_each_source(
            graph, nodes[use], offsets[use], distance_m,
            None if edge_of is None else edge_of[use], None if along is None else along[use])
        edge = np.flatnonzero(whole)
        owner = reach.source[graph.edge_u[edge]]
        owner = np.where(owner >= 0, owner, reach.source[graph.edge_v[edge]])
        pieces = _Pieces(edge, np.zeros(len(edge)), graph.edge_length[edge], owner)
    lines = _cut(graph, pieces)
    lengths = pieces.end - pieces.start
    if not per_station:
        geom = _dissolved_bands(lines, buffer_m)
        return gpd.GeoDataFrame(
            {"distance_m": [float(distance_m)], "stations": [int(snaps["snapped"].sum())],
             "street_length_m": [float(lengths.sum())], "area_m2": [float(geom.area)]},
            geometry=[geom], crs=graph.crs,
        )
    k = len(stations)
    by = np.full(k, None, dtype=object)
    if len(lines):
        present, dense = np.unique(pieces.owner, return_inverse=True)
        polys = shapely.buffer(lines, buffer_m, quad_segs=BAND_QUAD_SEGS)
        order = np.argsort(dense, kind="stable")
        groups = np.split(polys[order], np.flatnonzero(np.diff(dense[order])) + 1)
        by[present] = [shapely.union_all(group) for group in groups]
    by = np.where(shapely.is_missing(by), shapely.Polygon(), by)
    street = np.bincount(pieces.owner, weights=lengths, minlength=k) if len(lines) else (
        np.zeros(k))
    data: dict[str, Any] = {c: stations[c].to_numpy() for c in ("station_id", "name")
                            if c in stations.columns}
    data |= {"distance_m": float(distance_m),
             "snap_distance_m": snaps["distance_m"].to_numpy(),
             "snapped": snaps["snapped"].to_numpy(),
             "street_length_m": street, "area_m2": shapely.area(by)}
    return gpd.GeoDataFrame(data, geometry=list(by), crs=graph.crs, index=stations.index)


def own_catchments(
    graph: StreetGraph,
    stations: gpd.GeoDataFrame,
    *,
    distance_m: float,
    buffer_m: float = 50.0,
    tolerance_m: float = 250.0,
    snaps: pd.DataFrame | None = None,
    snap: str = "edge",
) -> np.ndarray:
    """Each station's own catchment (overlapping), computed once per station and reused.

    Unlike ``catchments_from_stations(per_station=True)``, which shares the streets out
    between the stations (each point to its nearest), this is the catchment a station would
    have alone. The walking catchment of any set of stations is the union of their own
    catchments (a street point is within ``distance_m`` of the set exactly when it is within
    it of one of them, and a band around a union of streets is the union of their bands), so
    scenarios, periods and map layers over overlapping station sets combine these polygons
    instead of routing and dissolving again. The union equals the dissolved catchment of
    :func:`catchments_from_stations` up to floating-point noding (relative area difference
    below 1e-9 on the Hà Nội stations); that function stays the exact reference.

    Bands are kept on the graph per (station position on the network, snapping distance,
    ``distance_m``, ``buffer_m``), so a station shared by several sets is routed and
    dissolved once per process; the dissolved band is also stored in the routing cache
    (:func:`_dissolved_bands`), so the next process only routes.

    Parameters
    ----------
    graph
        The street graph.
    stations
        Point layer with a CRS; not modified.
    distance_m
        Walking distance (m).
    buffer_m
        Band half-width (m).
    tolerance_m, snaps, snap
        As for :func:`catchments_from_stations`.

    Returns
    -------
    numpy.ndarray
        One (Multi)Polygon per station, aligned to ``stations`` (empty for a station that is
        not snapped or reaches nothing), in the graph's CRS.

    Raises
    ------
    ValueError
        If ``distance_m`` or ``buffer_m`` is negative.

    Examples
    --------
    >>> own = own_catchments(graph, bundle.stations, distance_m=800)  # doctest: +SKIP
    >>> now = shapely.union_all(own[bundle.stations.status == "operating"])  # doctest: +SKIP
    """
    if distance_m < 0 or buffer_m < 0:
        message = f"distance_m and buffer_m must be >= 0 (got {distance_m}, {buffer_m})"
        raise ValueError(message)
    if snaps is None:
        snaps = snap_points(graph, stations, tolerance_m=tolerance_m, snap=snap)
    nodes = snaps["node"].to_numpy()
    offsets = snaps["distance_m"].to_numpy(dtype=float)
    edge_of = (snaps["edge"].to_numpy() if "edge" in snaps else np.full(len(nodes), -1))
    along = (snaps["along_m"].to_numpy(dtype=float) if "along_m" in snaps
             else np.full(len(nodes), np.nan))
    edge_of = np.where(nodes >= 0, edge_of, -1)
    keys = [(int(nd), float(o), int(e), float(a) if e >= 0 else 0.0, float(distance_m),
             float(buffer_m), BAND_QUAD_SEGS)
            for nd, o, e, a in zip(nodes, offsets, edge_of, along, strict=True)]
    kept = graph._own if graph._own is not None else {}
    graph._own = kept
    out = np.full(len(nodes), None, dtype=object)
    todo = [i for i, k in enumerate(keys)
            if k not in kept and nodes[i] >= 0 and offsets[i] <= distance_m]
    fresh = {keys[i]: i for i in todo}  # one search per distinct position
    if fresh:
        idx = np.array(list(fresh.values()))
        full, virtual = _augmented(graph, nodes[idx], offsets[idx], edge_of[idx], along[idx])
        n = graph.n_nodes
        block = max(1, int(2e7 // max(full.shape[0], 1)))  # <= 160 MB of distances at a time
        for start in range(0, len(idx), block):
            d = dijkstra(full, directed=False, indices=virtual[start:start + block],
                         limit=distance_m + _EPS)
            for row, i in enumerate(idx[start:start + block]):
                dist = d[row, :n] - _EPS
                reached = np.isfinite(dist)
                on = ((np.array([edge_of[i]]), np.array([along[i]]), np.array([offsets[i]]))
                      if edge_of[i] >= 0 else None)
                reach = Reach(graph, (float(distance_m),), np.where(reached, dist, np.inf),
                              np.where(reached, 0, -1), on)
                lines = _cut(graph, _pieces(reach, distance_m, split=False))
                kept[keys[i]] = _dissolved_bands(lines, buffer_m)  # on disk across processes
    for i, k in enumerate(keys):
        out[i] = kept.get(k, shapely.Polygon())
    return out


# ---------------------------------------------------------------------------------------------
# population
# ---------------------------------------------------------------------------------------------
def population_covered(
    units: gpd.GeoDataFrame,
    catchment: Any,
    *,
    crs: CRS | None = None,
    population_column: str = "population",
    footprint: Any = None,
    min_network_share: float = 0.95,
) -> pd.DataFrame:
    """Population within a catchment, per unit, spread uniformly over each unit.

    covered population = population × area(catchment ∩ unit) / area(unit), the method of
    the straight-line ``transit_coverage`` indicator, so the two compare.

    Parameters
    ----------
    units
        Administrative units with ``unit_id`` and ``population_column``; not modified.
    catchment
        A shapely geometry in ``crs``, or a GeoDataFrame/GeoSeries (dissolved).
    crs
        CRS of a bare shapely ``catchment``; the measuring CRS (default: the units' metric
        CRS).
    population_column
        Column holding the population.
    footprint
        Area the street network covers (``StreetGraph.footprint()``, same CRS). Units with
        less than ``min_network_share`` of their area inside get NaN and
        ``network_covered`` False: no data, not zero coverage.
    min_network_share
        Share of a unit's area that must lie in the footprint.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``unit_id`` in the units' order: ``population``, ``area_m2``,
        ``covered_area_m2``, ``covered_population``, ``covered_share_pct``,
        ``network_share`` and ``network_covered``.

    Examples
    --------
    >>> fp = graph.footprint()                                        # doctest: +SKIP
    >>> cov = population_covered(bundle.admin_units, overall, footprint=fp)  # doctest: +SKIP
    """
    if isinstance(catchment, gpd.GeoDataFrame | gpd.GeoSeries):
        target = crs if crs is not None else metric_crs(catchment, what="catchment")
        catchment = shapely.union_all(catchment.to_crs(target).geometry.to_numpy())
        crs = target
    target = crs if crs is not None else metric_crs(units, what="admin_units")
    # the same units, catchment and options (another period of a monitor, another indicator
    # on the same stations) reuse the table: the intersections are the costly step
    ids = units["unit_id"].astype(str).to_numpy() if "unit_id" in units else units.index
    key = (_cache.geoms_digest(units.geometry.to_numpy(), catchment, footprint),
           units.crs.to_wkt() if units.crs is not None else "",
           CRS.from_user_input(target).to_wkt(),
           units[population_column].to_numpy(dtype=float).tobytes(),
           tuple(ids), tuple(units.index), float(min_network_share))
    def compute() -> pd.DataFrame:
        return _population_covered(units, catchment, target, population_column, footprint,
                                   min_network_share)

    if "unit_id" in units:  # persisted across processes (the index is the units' ids)
        return _POPULATION_MEMO.get(key, lambda: _cache.persisted(
            "population", (*key, pyproj.proj_version_str), compute, code=__file__,
            pack=_pack_table,
            unpack=_unpack_table, names=("index", *_TABLE_COLUMNS))).copy()
    return _POPULATION_MEMO.get(key, compute).copy()


_TABLE_COLUMNS = ("population", "area_m2", "covered_area_m2", "covered_population",
                  "covered_share_pct", "network_share", "network_covered")


def _pack_table(table: pd.DataFrame) -> dict[str, np.ndarray]:
    arrays = {c: table[c].to_numpy() for c in _TABLE_COLUMNS}
    arrays["index"] = np.asarray(table.index.to_numpy(), dtype=str)
    return arrays


def _unpack_table(arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    index = pd.Index(arrays["index"].astype(object), name="unit_id")
    return pd.DataFrame({c: arrays[c] for c in _TABLE_COLUMNS}, index=index)


def _population_covered(units: gpd.GeoDataFrame, catchment: Any, target: CRS,
                        population_column: str, footprint: Any,
                        min_network_share: float) -> pd.DataFrame:
    metric = units.to_crs(target)
    geoms = metric.geometry.to_numpy()
    area = shapely.area(geoms)
    pop = metric[population_column].to_numpy(dtype=float)
    share = np.ones(len(geoms))
    if footprint is not None:
        shapely.prepare(footprint)
        inside = shapely.contains_properly(footprint, geoms)
        touch = np.flatnonzero(~inside & shapely.intersects(footprint, geoms))
        share[~inside] = 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            share[touch] = shapely.area(shapely.intersection(geoms[touch], footprint)) / (
                area[touch])
    ok = share >= min_network_share
    covered = np.zeros(len(geoms))
    # only units with data are clipped, each by the catchment's parts it meets (a spatial
    # index: linear in the number of units and parts, not their product)
    meet = np.flatnonzero(ok)
    covered[meet] = clipped_areas(geoms[meet], catchment)
    with np.errstate(invalid="ignore", divide="ignore"):
        covered_pop = np.where(area > 0, pop * covered / area, np.nan)
    covered_pop = np.where(ok, covered_pop, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        pct = np.where(pop > 0, 100.0 * covered_pop / pop, np.nan)
    index = pd.Index(metric["unit_id"].astype(str), name="unit_id") if "unit_id" in metric \
        else metric.index
    return pd.DataFrame(
        {"population": pop, "area_m2": area, "covered_area_m2": np.where(ok, covered, np.nan),
         "covered_population": covered_pop, "covered_share_pct": pct,
         "network_share": share, "network_covered": ok},
        index=index,
    )


# ---------------------------------------------------------------------------------------------
# scenarios
# ---------------------------------------------------------------------------------------------
@dataclass
class CoverageScenarios:
    """Population within walking distance of the rail network, by build-out scenario.

    Attributes
    ----------
    distance_m
        Walking distance used.
    per_unit
        Indexed by ``unit_id``: ``population``, ``network_covered`` and, per scenario
        ``s``, ``covered_population_<s>`` and ``covered_share_pct_<s>`` (NaN where the
        street network does not cover the unit).
    city
        One row per scenario: ``stations``, ``covered_population`` (sum over units with
        data), ``population_with_data``, ``covered_share_pct``, ``units_without_data``.
    lines
        One row per line not yet in service: ``line_id``, ``stations``, ``year`` and
        ``new_population`` = covered population with that line added to today's network
        minus today's.
    catchments
        One dissolved catchment per scenario (metric CRS).
    snaps
        Snapping of every station (:func:`snap_points`), with its scenario year.
    population_method
        How each unit's people are placed: ``raster`` (its census count spread by the
        bundle's gridded population) or ``census_uniform`` (over its area).
    """

    distance_m: float
    per_unit: pd.DataFrame
    city: pd.DataFrame
    lines: pd.DataFrame
    catchments: gpd.GeoDataFrame
    snaps: pd.DataFrame
    population_method: str = "census_uniform"


def _year(value: Any) -> float:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return np.nan
    text = str(value).strip()
    if not text or text.lower() in {"nan", "none", "<na>", "nat"}:
        return np.nan
    try:
        return float(int(text[:4]))
    except ValueError:
        return np.nan


def _station_years(stations: pd.DataFrame, lines: pd.DataFrame | None, today: int) -> np.ndarray:
    """Year each station enters service: its opening date, else its line's, else target."""
    years = np.array([_year(v) for v in stations.get("opening_date", [None] * len(stations))])
    operating = stations.get("status", pd.Series("", index=stations.index)).astype(str)
    years = np.where(operating.to_numpy() == "operating", np.fmin(years, today), years)
    if lines is not None and len(lines):
        table = pd.DataFrame({
            "line_id": lines["line_id"].astype(str),
            "status": lines.get("status", pd.Series("", index=lines.index)).astype(str),
            "year": [np.fmin(_year(o), _year(t)) if not (np.isnan(_year(o)) and np.isnan(
                _year(t))) else np.nan
                for o, t in zip(lines.get("opening_date", [None] * len(lines)),
                                lines.get("target_year", [None] * len(lines)), strict=True)],
        })
        exact = table.groupby(["line_id", "status"])["year"].min()
        loose = table[table["status"] != "operating"].groupby("line_id")["year"].min()
        for i, (lid, st) in enumerate(zip(stations["line_id"].astype(str), operating,
                                          strict=True)):
            if np.isnan(years[i]):
                y = exact.get((lid, st), np.nan)
                years[i] = y if not np.isnan(y) else loose.get(lid, np.nan)
    return years


def _population_within(
    own: np.ndarray, units: gpd.GeoDataFrame, *, crs: Any, footprint: Any,
    min_network_share: float,
) -> tuple[Any, pd.DataFrame]:
    """The union of some stations' own catchments and the population it covers per unit.

    ``own`` holds those stations' polygons from :func:`own_catchments` (empty or ``None``
    for a station that reaches nothing); the table is :func:`population_covered`'s.
    """
    parts = own[[p is not None and not shapely.is_empty(p) for p in own]]
    geom = shapely.union_all(parts) if len(parts) else shapely.Polygon()
    table = population_covered(units, geom, crs=crs, footprint=footprint,
                               min_network_share=min_network_share)
    return geom, table


def coverage_scenarios(
    bundle: Bundle | str | os.PathLike[str],
    *,
    distance_m: float = 800.0,
    buffer_m: float = 50.0,
    year: int = 2030,
    today: _dt.date | None = None,
    tolerance_m: float = 250.0,
    min_network_share: float = 0.95,
    snap: str = "edge",
    lines: bool = True,
    population: str = "raster",
) -> CoverageScenarios:
    """Population within walking distance of stations: now, in ``year``, at full build-out.

    A station is in service *now* when its status is ``operating``; in ``year`` when it
    operates or its opening date (else its line's opening date or target year) is at most
    ``year``; at *full* build-out always. When the stations not yet built name their plan
    (column ``plan``: plans may overlap, as Hà Nội's QĐ 519 and QĐ 1668 networks do), the
    build-out is per plan instead, named ``full: <plan>``: the stations in service or under
    construction and that plan's (stations naming no plan are then in none). Each line not
    yet in service is also added alone to today's network to measure the population it
    newly covers.

    Parameters
    ----------
    bundle
        Bundle (or name/path) with ``admin_units``, ``stations``, ``street_network`` and,
        optionally, ``metro_lines`` (for the lines' target years).
    distance_m
        Walking distance (m).
    buffer_m
        Band around reached streets (m).
    year
        Target year of the middle scenario.
    today
        Date of the "now" scenario (default: today); operating stations count from it.
    tolerance_m
        Snapping tolerance (m).
    min_network_share
        Units with less of their area inside the street network's footprint have no data.
    snap
        ``"edge"`` (default) or ``"node"`` (:func:`snap_points`).
    lines
        Whether to measure each line not yet in service (``False``: ``lines`` is empty;
        the scenarios alone are much faster).
    population
        ``"raster"`` (default): each unit's census count placed by the bundle's
        ``population_raster`` (WorldPop), as the coverage indicators place it; a bundle
        without one falls back to ``"census_uniform"`` (spread over the unit's area), named
        in :attr:`CoverageScenarios.population_method`.

    Returns
    -------
    CoverageScenarios

    Raises
    ------
    LayerNotAvailableError
        If the bundle lacks ``admin_units``, ``stations`` or ``street_network``.

    Examples
    --------
    >>> result = coverage_scenarios("hanoi", distance_m=800)          # doctest: +SKIP
    >>> result.city[["covered_population", "covered_share_pct"]]      # doctest: +SKIP

    The result is kept in the process for the same inputs (the streets, the stations' and
    units' geometry and attributes, the lines and every option), so a run's map and its
    GeoPackage share one computation; treat it as read-only.
    """
    from geoplan.layers import Bundle, load_bundle

    if not isinstance(bundle, Bundle):
        bundle = load_bundle(bundle)
    if population not in _choices.POPULATION_METHODS:
        message = (f"coverage_scenarios: population={population!r} is not a population "
                   f"method; use one of {', '.join(_choices.POPULATION_METHODS)}")
        raise RecipeError(message)
    raster = bundle.raster_path("population_raster") \
        if population == "raster" and bundle.has("population_raster") else None
    graph = StreetGraph.from_bundle(bundle)
    stations = bundle.stations
    units = bundle.admin_units
    line_layer = bundle.metro_lines if bundle.has("metro_lines") else None
    key = (graph._key or id(graph),
           *(_frame_digest(f) for f in (stations, units, line_layer)),
           float(distance_m), float(buffer_m), int(year), today, float(tolerance_m),
           float(min_network_share), snap, bool(lines),
           None if raster is None else (str(raster), _cache.file_digest(raster)))
    return _SCENARIOS_MEMO.get(key, lambda: _coverage_scenarios(
        graph, stations, units, line_layer, distance_m=distance_m, buffer_m=buffer_m,
        year=year, today=today, tolerance_m=tolerance_m,
        min_network_share=min_network_share, snap=snap, lines=lines, raster=raster))


def _frame_digest(frame: gpd.GeoDataFrame | None) -> tuple[bytes, int] | None:
    """Content digest of a layer: its geometry's WKB and its attributes as text."""
    if frame is None:
        return None
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name)).astype(str)
    return (_cache.geoms_digest(frame.geometry.to_numpy()),
            int(pd.util.hash_pandas_object(attributes, index=True).sum()))


def _coverage_scenarios(
    graph: StreetGraph, stations: gpd.GeoDataFrame, units: gpd.GeoDataFrame,
    line_layer: gpd.GeoDataFrame | None, *, distance_m: float, buffer_m: float, year: int,
    today: _dt.date | None, tolerance_m: float, min_network_share: float, snap: str,
    lines: bool, raster: Path | None,
) -> CoverageScenarios:
    now_year = (today or _dt.date.today()).year
    years = _station_years(stations, line_layer, now_year)
    status = stations["status"].astype(str).to_numpy() if "status" in stations else (
        np.full(len(stations), "operating"))
    snaps = snap_points(graph, stations, tolerance_m=tolerance_m, snap=snap)
    snaps["year"] = years
    footprint = graph.footprint()

    in_now = status == "operating"
    scenarios = {"now": in_now, str(year): in_now | (years <= year)}
    built = in_now | (status == "under_construction")
    plan = (stations["plan"].fillna("").astype(str).to_numpy() if "plan" in stations
            else np.full(len(stations), ""))
    plans = [p for p in pd.unique(plan[~built]) if p]
    for one in plans:  # plans may overlap: never one build-out of all of them
        scenarios[f"full: {one}"] = built | (plan == one)
    if not plans:
        scenarios["full"] = np.ones(len(stations), dtype=bool)

    if lines:
        # every scenario and line is a set of stations: each station's own catchment is
        # routed and dissolved once, and a set's catchment is the union of its stations'
        own = own_catchments(graph, stations, distance_m=distance_m, buffer_m=buffer_m,
                             snaps=snaps)

        def cover(mask: np.ndarray) -> tuple[Any, pd.DataFrame]:
            return _population_within(own[mask], units, crs=graph.crs, footprint=footprint,
                                      min_network_share=min_network_share)
    else:
        # a few scenarios alone: each routed and dissolved as one set is quicker (Hà Nội,
        # 216 stations at 1 km, nothing cached: 1.9 s instead of 3.6 s); the same polygon
        # up to floating-point noding (see own_catchments)
        def cover(mask: np.ndarray) -> tuple[Any, pd.DataFrame]:
            if not mask.any():
                return _population_within(np.array([], dtype=object), units, crs=graph.crs,
                                          footprint=footprint,
                                          min_network_share=min_network_share)
            area = catchments_from_stations(graph, stations[mask], distance_m=distance_m,
                                            buffer_m=buffer_m, snaps=snaps[mask])
            return _population_within(area.geometry.to_numpy(), units, crs=graph.crs,
                                      footprint=footprint,
                                      min_network_share=min_network_share)

    if raster is not None:  # people placed by the population grid, as the indicators place them
        routed = cover
        metric_units = units.to_crs(graph.crs)

        def cover(mask: np.ndarray) -> tuple[Any, pd.DataFrame]:
            geom, table = routed(mask)
            spread_by_raster(table, metric_units, geom, graph.crs, raster)
            return geom, table

    per_unit: pd.DataFrame | None = None
    city_rows, geoms = [], []
    results: dict[str, pd.DataFrame] = {}
    for name, mask in scenarios.items():
        geom, table = cover(mask)
        results[name] = table
        geoms.append(geom)
        if per_unit is None:
            per_unit = table[["population", "network_covered"]].copy()
        per_unit[f"covered_population_{name}"] = table["covered_population"]
        per_unit[f"covered_share_pct_{name}"] = table["covered_share_pct"]
        ok = table["network_covered"]
        pop_ok = float(table.loc[ok, "population"].sum())
        covered = float(table.loc[ok, "covered_population"].sum())
        city_rows.append({
            "scenario": name, "stations": int(mask.sum()),
            "covered_population": covered, "population_with_data": pop_ok,
            "covered_share_pct": 100.0 * covered / pop_ok if pop_ok else np.nan,
            "units_without_data": int((~ok).sum()),
        })
    line_rows = []
    base = float(results["now"].loc[results["now"]["network_covered"],
                                    "covered_population"].sum())
    line_ids = stations["line_id"].astype(str).to_numpy() if "line_id" in stations else (
        np.full(len(stations), ""))
    for lid in pd.unique(line_ids[~in_now]) if lines else ():
        mask = in_now | ((line_ids == lid) & ~in_now)
        _geom, table = cover(mask)
        with_line = float(table.loc[table["network_covered"], "covered_population"].sum())
        new_years = years[(line_ids == lid) & ~in_now]
        line_rows.append({
            "line_id": lid, "stations": int(((line_ids == lid) & ~in_now).sum()),
            "year": float(np.nanmin(new_years)) if np.isfinite(new_years).any() else np.nan,
            "new_population": with_line - base,
        })
    assert per_unit is not None
    catchments = gpd.GeoDataFrame(
        {"scenario": list(scenarios), "distance_m": float(distance_m)},
        geometry=geoms, crs=graph.crs,
    )
    return CoverageScenarios(
        float(distance_m), per_unit, pd.DataFrame(city_rows).set_index("scenario"),
        pd.DataFrame(line_rows, columns=["line_id", "stations", "year", "new_population"]),
        catchments, snaps, "census_uniform" if raster is None else "raster",
    )

