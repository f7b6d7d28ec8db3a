"""Walking catchments over a network too large for one task: partitions with a halo.

A catchment of ``distance_m`` walking from stations inside a partition (a province, a
district) reaches only streets within ``distance_m`` of those stations' snapped nodes, and
those nodes lie within the snapping tolerance of the stations. So the streets within
``distance_m + tolerance_m`` of the partition (its *halo*) hold every path such a walk can
take, and a catchment computed on that sub-network alone is the catchment on the whole
network. :func:`catchments_by_partition` computes one per partition (serially or as dask
tasks, each reading only the streets of its halo from the file, in batches) and unions them:
the result equals :func:`geoplan.network.catchments_from_stations` on the whole network
with ``snap="node"`` (the same streets and cut points; the union's vertices may come in
another order). Partitions snap stations to nodes: node ids carry across partitions, edge
indices do not (edge snapping, the default on a whole network, is not partitioned yet).

Snapping is the one global step: a station snaps to the nearest node of the *main* network
(:meth:`~geoplan.network.StreetGraph.main_nodes`), which only the whole topology can tell. It
is done once on a light copy of the network (end points only, no street geometry:
:func:`snaps_on_topology`), and each partition routes from the nodes found there.

Memory: a partition's task holds its halo's streets (a Hà Nội-sized province with a 1 km
halo: about 80,000 edges, 0.3 GB at most) plus one read batch (:data:`BATCH_ROWS` rows);
the client holds the topology (end points and node ids of every edge: about 60 bytes an
edge, 1.2 GB for 20 million edges).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.crs import metric_crs, require_crs

__all__ = ["BATCH_ROWS", "PartitionCatchment", "catchments_by_partition", "read_edges_within",
           "snaps_on_topology"]

logger = logging.getLogger(__name__)

#: Rows of the street file read at a time.
BATCH_ROWS = 65_536


def _batches(path: Path, columns: list[str] | None = None) -> Iterator[gpd.GeoDataFrame]:
    """The edges of a GeoParquet file, :data:`BATCH_ROWS` at a time, in the file's CRS."""
    import pyarrow.parquet as pq

    from geoplan.io import regular_file_problem

    problem = regular_file_problem(path)
    if problem is not None:
        raise FileNotFoundError(problem)
    crs = _file_crs(path)
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS, columns=columns):
        frame = batch.to_pandas()
        geoms = shapely.from_wkb(frame.pop("geometry").to_numpy())
        yield gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)


def _file_crs(path: Path) -> Any:
    import json

    import pyarrow.parquet as pq
    from pyproj import CRS

    meta = pq.read_schema(path).metadata or {}
    geo = json.loads(meta.get(b"geo", b"{}"))
    crs = geo.get("columns", {}).get(geo.get("primary_column", "geometry"), {}).get("crs")
    return CRS.from_user_input(crs) if crs is not None else CRS.from_epsg(4326)


def read_edges_within(path: str | os.PathLike[str], area: Any, *, crs: Any) -> gpd.GeoDataFrame:
    """The street edges of a GeoParquet file that meet ``area``, read in batches.

    Parameters
    ----------
    path
        A ``street_network`` GeoParquet file (``u``, ``v``, ``length_m``, LineStrings).
    area
        A shapely geometry in ``crs``.
    crs
        CRS of ``area``.

    Returns
    -------
    geopandas.GeoDataFrame
        The edges meeting ``area``, in the file's CRS (memory: these plus one batch).
    """
    kept = []
    local = None
    for batch in _batches(Path(path)):
        if local is None:
            local = gpd.GeoSeries([area], crs=crs).to_crs(batch.crs).iloc[0]
            shapely.prepare(local)
        hit = shapely.intersects(local, batch.geometry.to_numpy())
        if hit.any():
            kept.append(batch[hit])
    if not kept:
        return gpd.GeoDataFrame({"u": [], "v": [], "length_m": []}, geometry=[],
                                crs=_file_crs(Path(path)))
    return gpd.GeoDataFrame(pd.concat(kept, ignore_index=True), crs=kept[0].crs)


def snaps_on_topology(path: str | os.PathLike[str], stations: gpd.GeoDataFrame, *,
                      crs: Any, tolerance_m: float = 250.0) -> pd.DataFrame:
    """Snap stations to the main network using the whole network's end points only.

    Parameters
    ----------
    path
        The street GeoParquet file.
    stations
        Point layer with a CRS.
    crs
        The metric CRS of the computation.
    tolerance_m
        Snapping tolerance (as :func:`geoplan.network.snap_points`).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``stations.index``: ``node_id`` (``-1`` if not snapped), ``distance_m``,
        ``snapped``: as :func:`~geoplan.network.snap_points` on the whole network.
    """
    from geoplan.network import StreetGraph, snap_points

    light = []
    for batch in _batches(Path(path), columns=["u", "v", "length_m", "geometry"]):
        coords, line = shapely.get_coordinates(batch.geometry.to_numpy(), return_index=True)
        head = np.searchsorted(line, np.arange(len(batch)))
        tail = np.concatenate([head[1:], [len(coords)]]) - 1
        ends = shapely.linestrings(np.stack([coords[head], coords[tail]], axis=1))
        light.append(gpd.GeoDataFrame(batch[["u", "v", "length_m"]], geometry=ends,
                                      crs=batch.crs))
    edges = gpd.GeoDataFrame(pd.concat(light, ignore_index=True), crs=light[0].crs)
    graph = StreetGraph.from_edges(edges, crs=crs, what=f"topology of {path}")
    snaps = snap_points(graph, stations, tolerance_m=tolerance_m, snap="node")
    return snaps[["node_id", "distance_m", "snapped"]]


@dataclass
class PartitionCatchment:
    """The dissolved catchment and what each partition contributed.

    Attributes
    ----------
    geometry
        The union of the partitions' catchments, in ``crs``.
    crs
        The metric CRS.
    partitions
        One row per partition: ``stations``, ``edges_read`` (streets of its halo),
        ``area_m2`` of its catchment.
    """

    geometry: Any
    crs: Any
    partitions: pd.DataFrame


def _partition_task(path: str, halo: Any, crs: Any, stations: gpd.GeoDataFrame,
                    snaps: pd.DataFrame, distance_m: float, buffer_m: float) -> tuple[Any, int]:
    from geoplan.network import StreetGraph, catchments_from_stations

    edges = read_edges_within(path, halo, crs=crs)
    if stations.empty or edges.empty:
        return shapely.Polygon(), len(edges)
    graph = StreetGraph.from_edges(edges, crs=crs, what=f"{path} (partition)")
    local = np.searchsorted(graph.node_ids, snaps["node_id"].to_numpy())
    local = np.minimum(local, len(graph.node_ids) - 1)
    found = snaps["snapped"].to_numpy() & (graph.node_ids[local] == snaps["node_id"].to_numpy())
    table = pd.DataFrame({"node": np.where(found, local, -1),
                          "node_id": np.where(found, snaps["node_id"], -1),
                          "distance_m": snaps["distance_m"].to_numpy(),
                          "snapped": found}, index=stations.index)
    overall = catchments_from_stations(graph, stations, distance_m=distance_m,
                                       buffer_m=buffer_m, snaps=table)
    return overall.geometry.iloc[0], len(edges)


def catchments_by_partition(
    path: str | os.PathLike[str],
    stations: gpd.GeoDataFrame,
    partitions: gpd.GeoDataFrame,
    *,
    distance_m: float,
    buffer_m: float = 50.0,
    tolerance_m: float = 250.0,
    crs: Any = None,
    submit: Callable[..., Any] | None = None,
) -> PartitionCatchment:
    """The walking catchment of ``stations``, computed partition by partition.

    Parameters
    ----------
    path
        The ``street_network`` GeoParquet file (each partition reads its halo from it).
    stations
        Point layer with a CRS; each station belongs to the first partition containing it
        (stations in none are given to the nearest partition).
    partitions
        Polygons (e.g. provinces) with a CRS.
    distance_m, buffer_m, tolerance_m
        As :func:`geoplan.network.catchments_from_stations`.
    crs
        Metric CRS (default: that of ``partitions``).
    submit
        ``client.submit`` of a dask client to run the partitions as tasks (their results
        are gathered); ``None`` runs them here, one after the other.

    Returns
    -------
    PartitionCatchment

    Raises
    ------
    CRSError
        If ``stations`` or ``partitions`` has no CRS.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> hanoi = load_bundle("hanoi")                                  # doctest: +SKIP
    >>> parts = hanoi.admin_units.dissolve("is_inner").reset_index()  # doctest: +SKIP
    >>> got = catchments_by_partition(hanoi.file_path("street_network"), hanoi.stations,
    ...                               parts, distance_m=1000)         # doctest: +SKIP
    """
    require_crs(stations, what="stations")
    require_crs(partitions, what="partitions")
    target = crs if crs is not None else metric_crs(partitions, what="partitions")
    parts = partitions.to_crs(target).geometry.to_numpy()
    points = stations.to_crs(target)
    snaps = snaps_on_topology(path, stations, crs=target, tolerance_m=tolerance_m)
    owner = np.full(len(points), -1)
    geoms = points.geometry.to_numpy()
    for i, part in enumerate(parts):
        free = owner < 0
        owner[free & shapely.contains(part, geoms)] = i
    lost = np.flatnonzero(owner < 0)
    if len(lost):
        distances = np.stack([shapely.distance(p, geoms[lost]) for p in parts])
        owner[lost] = distances.argmin(axis=0)
    halo_m = distance_m + tolerance_m + buffer_m
    results: list[Any] = []
    for i, part in enumerate(parts):
        mine = owner == i
        reach = shapely.union(part, shapely.multipoints(geoms[mine])) if mine.any() else part
        args = (str(path), shapely.buffer(reach, halo_m), target, stations[mine],
                snaps[mine], float(distance_m), float(buffer_m))
        results.append(submit(_partition_task, *args) if submit else _partition_task(*args))
    if submit is not None:
        results = [future.result() for future in results]
    shapes = [shape for shape, _ in results]
    table = pd.DataFrame({"stations": np.bincount(owner, minlength=len(parts)),
                          "edges_read": [n for _, n in results],
                          "area_m2": shapely.area(np.asarray(shapes, dtype=object))},
                         index=partitions.index)
    return PartitionCatchment(shapely.union_all(shapes), target, table)
