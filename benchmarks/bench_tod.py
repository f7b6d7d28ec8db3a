"""Benchmark: walking catchments of every Hà Nội rail station at 800 m, and the people in them.

Runs, in one process, on the same stations, street data and admin units:

(b) geoplan: ``load_bundle`` → ``StreetGraph.from_bundle`` → ``catchments_from_stations``
    → ``population_covered``, with geoplan's caches empty (the bundle is opened and the
    street layer read and turned into a graph in every timed run; median of 3);
(a) the recipe users write today: load the OSM file with osmnx (``graph_from_xml``; the 7
    street PBFs the bundle was built from are merged into one OSM XML with pyosmium first,
    with the bundle's walk filter and newest-snapshot-wins rule, outside the timing), project,
    then per station ``nx.ego_graph(radius=800, distance="length")``, buffer the edges,
    union, and ``gpd.overlay`` with the admin units for population.

Both walk the same OSM ways, use 50 m bands around streets and leave out stations more than
250 m from any street node (the baseline would otherwise snap stations 20 km outside the
network's extent).
Population is spread uniformly over each unit in both. The process-wide start-up costs of
PROJ, GDAL and Arrow are paid before either side is timed. Prints both times, the ratio
(goal ≥ 30×) and the difference in population covered (goal within ±1 %).

Usage::

    .venv/bin/python benchmarks/bench_tod.py [--bundle hanoi] [--source ../shared/data]

It reads ``../shared/data`` (not a test) and exits with a message when data is absent.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_SOURCE = ROOT.parent / "shared" / "data"
DISTANCE_M = 800.0
BUFFER_M = 50.0
TOLERANCE_M = 250.0


def _fail(message: str) -> None:
    print(f"bench_tod: {message}", file=sys.stderr)
    raise SystemExit(1)


def _merged_xml(pbfs: list[Path], folder: Path) -> Path:
    """The street PBFs merged into one OSM XML for osmnx: the ways of the bundle's network.

    Files are read oldest first and a later version of a way replaces an earlier one, and
    only the ways of geoplan's walk filter are kept, as the bundle build does.
    """
    import osmium
    from osmium.osm import mutable

    from geoplan.layers.osm import is_walkable

    nodes: dict[int, tuple[float, float]] = {}
    ways: dict[int, tuple[list[int], dict[str, str]]] = {}

    class _Read(osmium.SimpleHandler):  # type: ignore[misc]
        def node(self, n: osmium.osm.Node) -> None:
            if n.location.valid():
                nodes[n.id] = (n.location.lon, n.location.lat)

        def way(self, w: osmium.osm.Way) -> None:
            if is_walkable(w.tags):
                ways[w.id] = ([nd.ref for nd in w.nodes], {t.k: t.v for t in w.tags})

    for pbf in pbfs:
        _Read().apply_file(str(pbf))
    used = sorted({ref for refs, _ in ways.values() for ref in refs if ref in nodes})
    target = folder / "hanoi_streets_merged.osm"
    writer = osmium.SimpleWriter(str(target), overwrite=True)
    for ref in used:
        writer.add_node(mutable.Node(id=ref, location=nodes[ref], version=1))
    for wid in sorted(ways):
        refs, tags = ways[wid]
        kept = [r for r in refs if r in nodes]
        if len(kept) >= 2:
            writer.add_way(mutable.Way(id=wid, nodes=kept, tags=tags, version=1))
    writer.close()
    return target


def _junction_snaps(graph: object, bundle: object) -> object:
    """Stations snapped as in the recipe: to the nearest node of osmnx's simplified graph.

    osmnx keeps only junctions and dead ends (nodes whose degree is not 2) of the largest
    component; geoplan also has nodes where two ways meet end to end. For the comparison in
    the recipe's convention the stations are snapped to the same kind of node.
    """
    import numpy as np
    import pandas as pd
    from scipy.spatial import cKDTree

    main, _ = graph.main_nodes()  # type: ignore[attr-defined]
    degree = np.asarray((graph.matrix > 0).sum(axis=1)).ravel()  # type: ignore[attr-defined]
    junctions = main[degree[main] != 2]
    stations = bundle.stations.to_crs(graph.crs)  # type: ignore[attr-defined]
    distance, i = cKDTree(graph.node_xy[junctions]).query(  # type: ignore[attr-defined]
        np.column_stack([stations.geometry.x, stations.geometry.y]))
    ok = distance <= TOLERANCE_M
    return pd.DataFrame({"node": np.where(ok, junctions[i], -1), "node_id": -1,
                         "distance_m": distance, "snapped": ok}, index=stations.index)


def _warm_libraries(bundle_ref: str) -> None:
    """Pay the process-wide start-up costs both sides share before timing either.

    The first PROJ transformation, GDAL's first GeoPackage open and Arrow's first Parquet
    read cost a fixed ~0.1–0.3 s in a new process, whichever side runs first. They are paid
    here, on other data than what is timed, so that neither side carries them.
    """
    import pyarrow.parquet as pq
    import pyogrio
    from pyproj import Transformer

    from geoplan.layers import load_bundle

    bundle = load_bundle(bundle_ref)
    Transformer.from_crs(4326, 32648, always_xy=True).transform(105.85, 21.03)
    pyogrio.read_info(bundle.file_path("admin_units"), layer=bundle.entry("admin_units").layer)
    pq.read_metadata(bundle.file_path("street_network"))


def run_geoplan(bundle_ref: str, repeat: int = 3) -> dict[str, float]:
    """Time geoplan with its caches empty (median of ``repeat``); population in two conventions.

    Each timed run opens the bundle anew and builds the street graph from the file (the graph
    cache of :mod:`geoplan.network` is emptied before each run).
    """
    import geoplan.network as network
    from geoplan.layers import load_bundle
    from geoplan.network import StreetGraph, catchments_from_stations, population_covered

    def once() -> tuple[float, float, float, int, int]:
        network._GRAPH_CACHE.clear()
        t0 = time.perf_counter()
        bundle = load_bundle(bundle_ref)
        graph = StreetGraph.from_bundle(bundle)
        stations = bundle.stations
        units = bundle.admin_units
        catchment = catchments_from_stations(graph, stations, distance_m=DISTANCE_M,
                                             buffer_m=BUFFER_M, tolerance_m=TOLERANCE_M)
        table = population_covered(units, catchment.geometry.iloc[0], crs=graph.crs,
                                   footprint=graph.footprint())
        seconds = time.perf_counter() - t0
        # the baseline has no notion of network extent: compare over every unit too
        every = population_covered(units, catchment.geometry.iloc[0], crs=graph.crs)
        return (seconds, float(every["covered_population"].sum()),
                float(table["covered_population"].sum()), int(catchment["stations"].iloc[0]),
                int((~table["network_covered"]).sum()))

    runs = [once() for _ in range(repeat)]
    first, pop_all, pop_data, stations, no_data = runs[0]
    median = float(sorted(r[0] for r in runs)[len(runs) // 2])
    bundle = load_bundle(bundle_ref)
    graph = StreetGraph.from_bundle(bundle)
    ego = catchments_from_stations(graph, bundle.stations, distance_m=DISTANCE_M,
                                   buffer_m=BUFFER_M, snaps=_junction_snaps(graph, bundle),
                                   partial_edges=False, charge_snap=False)
    pop_ego = float(population_covered(bundle.admin_units, ego.geometry.iloc[0],
                                       crs=graph.crs)["covered_population"].sum())
    return {"first": first, "median": median, "pop_all": pop_all, "pop_data": pop_data,
            "stations": stations, "no_data": no_data, "pop_ego": pop_ego,
            "edges": graph.n_edges, "nodes": graph.n_nodes}


def run_baseline(osm_xml: Path, bundle_ref: str) -> tuple[float, float, int]:
    """The osmnx/networkx recipe: (seconds, population covered, stations used)."""
    import geopandas as gpd
    import networkx as nx
    import osmnx as ox

    from geoplan.layers import load_bundle

    bundle = load_bundle(bundle_ref)
    stations_file = bundle.file_path("stations")
    units_file = bundle.file_path("admin_units")
    st_layer = bundle.entry("stations").layer
    un_layer = bundle.entry("admin_units").layer

    t0 = time.perf_counter()
    graph = ox.graph_from_xml(osm_xml, simplify=True, retain_all=False)
    graph = ox.project_graph(graph, to_crs="EPSG:32648")
    walk = ox.convert.to_undirected(graph)
    stations = gpd.read_file(stations_file, layer=st_layer).to_crs("EPSG:32648")
    units = gpd.read_file(units_file, layer=un_layer).to_crs("EPSG:32648")
    nodes, dist = ox.distance.nearest_nodes(walk, stations.geometry.x, stations.geometry.y,
                                            return_dist=True)
    polygons = []
    used = 0
    for node, d in zip(nodes, dist, strict=True):
        if d > TOLERANCE_M:
            continue
        used += 1
        sub = nx.ego_graph(walk, node, radius=DISTANCE_M, distance="length")
        if sub.number_of_edges() == 0:
            continue
        edges = ox.graph_to_gdfs(sub, nodes=False)
        polygons.append(edges.geometry.buffer(BUFFER_M).union_all())
    catchment = gpd.GeoDataFrame(geometry=[gpd.GeoSeries(polygons).union_all()],
                                 crs="EPSG:32648")
    units["unit_area"] = units.geometry.area
    pieces = gpd.overlay(units, catchment, how="intersection")
    covered = float((pieces["population"] * pieces.geometry.area / pieces["unit_area"]).sum())
    return time.perf_counter() - t0, covered, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bundle", default="hanoi", help="bundle name or folder")
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="shared/data folder with the street PBFs the bundle was built from")
    args = parser.parse_args()
    from geoplan.layers.build._streets import street_files

    pbfs = street_files(args.source) if args.source.is_dir() else []
    if not pbfs:
        _fail(f"no street PBF under {args.source}: the baseline loads the same OSM streets as "
              "the bundle, from ../shared/data (see ../shared/data/SOURCES.md)")
    try:
        from geoplan.errors import GeoplanError
        from geoplan.layers import load_bundle

        bundle = load_bundle(args.bundle)
    except GeoplanError as exc:
        _fail(f"cannot open bundle {args.bundle!r}: {exc}")
    missing = [r for r in ("street_network", "stations", "admin_units") if not bundle.has(r)]
    if missing:
        _fail(f"bundle {bundle.name!r} has no {', '.join(missing)}: build the Hà Nội bundle "
              "first (geoplan layers build hanoi)")

    print(f"bundle {bundle.name} ({bundle.path}); OSM: the {len(pbfs)} street PBFs it was built "
          f"from; {DISTANCE_M:.0f} m walk, {BUFFER_M:.0f} m bands, snap ≤ {TOLERANCE_M:.0f} m")
    _warm_libraries(args.bundle)
    gc.collect()
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        xml = _merged_xml(pbfs, Path(tmp))
        print(f"    (PBFs merged into one OSM XML for osmnx, not timed: "
              f"{time.perf_counter() - t:.1f} s)")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # osmnx/geopandas chatter is not what we time
            seconds_a, pop_a, n_a = run_baseline(xml, args.bundle)
    print(f"(a) osmnx + networkx ego_graph per station: {seconds_a:6.2f} s  stations {n_a}  "
          f"covered population {pop_a:,.0f}")
    gc.collect()  # the baseline's graphs are garbage now: collect them outside the timing
    b = run_geoplan(args.bundle)
    print(f"(b) geoplan: {b['median']:6.2f} s (median of 3; first {b['first']:.2f} s), each "
          f"reading the bundle and building the graph; graph {b['nodes']:,.0f} nodes / "
          f"{b['edges']:,.0f} edges; {b['stations']:.0f} stations snapped; covered population "
          f"{b['pop_all']:,.0f} (units with network data only: {b['pop_data']:,.0f}; "
          f"{b['no_data']:.0f} units without network data)")
    ratio = seconds_a / b["median"]
    print(f"ratio (a)/(b): {ratio:.1f}x (first run of (b): {seconds_a / b['first']:.1f}x) "
          f"(goal ≥ 30x) {'OK' if ratio >= 30 else 'BELOW GOAL'}")
    same = 100.0 * (b["pop_ego"] - pop_a) / pop_a
    exact = 100.0 * (b["pop_all"] - pop_a) / pop_a
    print(f"population, geoplan in the recipe's convention (whole edges with both ends within "
          f"{DISTANCE_M:.0f} m of one station, walk from the nearest junction): "
          f"{b['pop_ego']:,.0f}, "
          f"{same:+.2f} % vs (a) (goal within ±1 %) {'OK' if abs(same) <= 1.0 else 'OUTSIDE'}")
    print(f"population, geoplan exact (partial edges cut at the remaining distance, snapping "
          f"distance walked): {b['pop_all']:,.0f}, {exact:+.2f} % vs (a): the recipe drops "
          "the walkable ends of edges that run past the limit")


if __name__ == "__main__":
    main()
