"""Benchmark: how walking-catchment time grows with the size of the network.

SYNTHETIC networks of k = 1, 2, 4 and 8 times the real one: the embedded Hà Nội street
network, its rail stations and its wards, copied k times side by side (each copy translated
east by the network's width plus 5 km, node and unit ids made unique; SYNTHETIC, not a
place). On each, timed in this process with the persisted cache off and the in-process
memos emptied (median of ``--repeat``):

* ``graph``: :meth:`StreetGraph.from_edges` (building the graph from the edges in memory);
* ``catchment``: :func:`catchments_from_stations` at ``--distance`` (snapping, routing, the
  reached pieces, the dissolved bands);
* ``population``: :func:`population_covered` of the wards in that catchment (uniform spread)
  and the dasymetric spread's clip (:func:`geoplan._clip.clip_pairs`, the pieces of
  each ward in the catchment), beside ``pop, before``: the same two steps as they were
  before the spatial index (every ward intersected with the whole catchment, twice).

Prints the seconds per size, the ratio to k = 1 and the growth exponent (the least-squares
slope of log time on log k: 1 is linear, 2 quadratic), and checks that the covered
population of the k-copy network is k times the real one's (the copies are alike).

Usage::

    .venv/bin/python benchmarks/bench_catchment_scaling.py [--distance 800] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ["GEOPLAN_CACHE"] = "off"  # every step computed, none read back

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan import network
from geoplan._clip import clip_pairs
from geoplan.layers import load_bundle

SIZES = (1, 2, 4, 8)


def _copies(frame: gpd.GeoDataFrame, k: int, dx: float, ids: dict[str, int | None]
            ) -> gpd.GeoDataFrame:
    """``frame`` copied ``k`` times, copy i translated by ``i * dx`` metres east; the
    columns of ``ids`` made unique (integers offset by i * step, text suffixed)."""
    parts = []
    for i in range(k):
        part = frame.copy()
        part.geometry = part.geometry.translate(xoff=i * dx)
        for column, step in ids.items():
            part[column] = part[column] + i * step if step is not None \
                else part[column].astype(str) + f"~{i}"
        parts.append(part)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=frame.crs)


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, value = [], None
    for _ in range(repeat):
        for memo in (network._GRAPH_CACHE, network._BANDS_MEMO, network._POPULATION_MEMO):
            memo.clear()
        start = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distance", type=float, default=800.0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    bundle = load_bundle("hanoi")
    crs = "EPSG:32648"
    edges = bundle.layer("street_network").to_crs(crs)
    stations = bundle.stations.to_crs(crs)
    units = bundle.admin_units.to_crs(crs)
    units = units.reset_index(drop="unit_id" in units.columns)
    # copies apart by the width of everything (the wards and stations reach beyond the
    # streets) plus 5 km: no station of one copy snaps to another's streets
    x0 = min(float(f.total_bounds[0]) for f in (edges, stations, units))
    x1 = max(float(f.total_bounds[2]) for f in (edges, stations, units))
    dx = x1 - x0 + 5000.0
    step = int(max(edges["u"].max(), edges["v"].max())) + 1
    rows = []
    base_pop = None
    for k in SIZES:
        e = _copies(edges, k, dx, {"u": step, "v": step})
        s = _copies(stations, k, dx, {})
        u = _copies(units, k, dx, {"unit_id": None})
        t_graph, graph = _median(lambda e=e: network.StreetGraph.from_edges(e), args.repeat)
        t_catch, catch = _median(lambda graph=graph, s=s: network.catchments_from_stations(
            graph, s, distance_m=args.distance), args.repeat)
        geom = catch.geometry.iloc[0]

        def people(u: gpd.GeoDataFrame = u, geom: Any = geom, crs: Any = graph.crs) -> float:
            table = network.population_covered(u, geom, crs=crs)
            clip_pairs(u.geometry.to_numpy(), geom)  # the dasymetric spread's clip
            return float(np.nansum(table["covered_population"]))

        def direct(u: gpd.GeoDataFrame = u, geom: Any = geom) -> float:
            # before: every unit intersected with the whole catchment, once for the areas
            # and once for the grid's pieces
            geoms = u.geometry.to_numpy()
            shapely.prepare(geom)
            meet = np.flatnonzero(shapely.intersects(geom, geoms))
            areas = shapely.area(shapely.intersection(geoms[meet], geom))
            shapely.intersection(geoms, geom)
            return float(np.sum(u["population"].to_numpy()[meet] * areas
                                / shapely.area(geoms[meet])))

        t_pop, covered = _median(people, args.repeat)
        t_direct, covered_direct = _median(direct, args.repeat)
        if base_pop is None:
            base_pop = covered
        rows.append((k, len(e), len(s), t_graph, t_catch, t_pop, covered, t_direct))
        print(f"k={k}: {len(e):,} edges, {len(s):,} stations, {len(u):,} units (SYNTHETIC "
              f"copies): graph {t_graph:.2f} s, catchment {t_catch:.2f} s, population "
              f"{t_pop:.2f} s (direct intersection, before: {t_direct:.2f} s, covered "
              f"{covered_direct:,.0f}); covered {covered:,.0f} people "
              f"({covered / (k * base_pop):.6f} × k × the real network's)", flush=True)
    logk = np.log([r[0] for r in rows])
    print(f"\ngrowth with network size (distance {args.distance:.0f} m, median of "
          f"{args.repeat}; exponent: slope of log time on log k, 1 = linear)")
    print(f"{'step':12} " + " ".join(f"{'k=' + str(r[0]):>8}" for r in rows) + "  exponent")
    for name, col in (("graph", 3), ("catchment", 4), ("population", 5), ("pop, before", 7)):
        t = np.array([r[col] for r in rows])
        slope = float(np.polyfit(logk, np.log(t), 1)[0])
        print(f"{name:12} " + " ".join(f"{x:7.2f}s" for x in t) + f"  {slope:8.2f}")
    total = np.array([r[4] + r[5] for r in rows])
    slope = float(np.polyfit(logk, np.log(total), 1)[0])
    print(f"{'catch + pop':12} " + " ".join(f"{x:7.2f}s" for x in total) + f"  {slope:8.2f}")
    per_edge = [1e6 * (r[4] + r[5]) / r[1] for r in rows]
    print("µs per edge (catchment + population): " + ", ".join(f"{x:.1f}" for x in per_edge))


if __name__ == "__main__":
    main()
