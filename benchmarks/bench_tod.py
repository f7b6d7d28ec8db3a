"""Benchmark: walking catchments of every Hà Nội rail station at 800 m, and the people in them.

Runs, in one process, on the same stations, street data and admin units, two timings per
tool:

* **from files**: everything from the files on disk to the covered population (reading and
  building the graph included);
* **warm query**: the graph already in memory, only the catchment and the population (what a
  second scenario, period or map layer costs): for geoplan both the catchment dissolved anew
  and, row (b'), the way geoplan's scenarios work: each station's own catchment built once,
  a scenario's catchment the union of its stations' ones (the same set, to 1e-9).

Rows:

(a) the recipe users write today: load the OSM file with osmnx (``graph_from_xml``; the 7
    street PBFs the bundle was built from are merged into one OSM XML with pyosmium first,
    with the bundle's walk filter and newest-snapshot-wins rule, outside the timing), project,
    ``to_undirected`` (from files), then per station ``nx.ego_graph(radius=800,
    distance="length")``, buffer the edges, union, and ``gpd.overlay`` with the admin units
    for population (warm query);
(b) geoplan: ``load_bundle`` → ``StreetGraph.from_bundle`` → ``catchments_from_stations``
    → ``population_covered`` with every cache empty and the persisted routing cache off
    (``GEOPLAN_CACHE=off``; median of 3), and the warm query on the built graph (in-process
    memos emptied before each run; median of 3);
(c) pandana and (d) cityseer, when installed (``pip install geoplan[bench]``), on geoplan's
    graph (same nodes, edges and lengths) and the same stations snapped to the same nodes:
    build (pandana's contraction hierarchy; cityseer's network structure) and query (the
    walking distance from every node to the nearest station within 800 m); the answer is
    compared with geoplan's :func:`geoplan.network.reachable` (same reached nodes, largest
    distance difference). Catchment polygons and population are geoplan's own steps and are
    not part of these rows. A row that cannot run says why.

Both (a) and (b) walk the same OSM ways, use 50 m bands around streets and leave out stations
more than 250 m from any street node (the baseline would otherwise snap stations 20 km
outside the network's extent). Population is spread uniformly over each unit in both. The
process-wide start-up costs of PROJ, GDAL and Arrow are paid before either side is timed.
Prints the times, the ratios (goals: ≥ 100× from files, ≥ 20× warm) and the difference in
population covered (goal within ±1 %).

Usage::

    .venv/bin/python benchmarks/bench_tod.py [--bundle hanoi] [--source ../shared/data]

It reads ``../shared/data`` (not a test) and exits with a message when data is absent.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_SOURCE = ROOT.parent / "shared" / "data"
os.environ["GEOPLAN_CACHE"] = "off"  # from files means from files: no persisted routing cache
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
    import shapely

    import geoplan.network as network
    from geoplan.layers import load_bundle
    from geoplan.network import StreetGraph, catchments_from_stations, population_covered

    def forget() -> None:
        network._GRAPH_CACHE.clear()
        network._BANDS_MEMO.clear()
        network._POPULATION_MEMO.clear()

    def once() -> tuple[float, float, float, int, int]:
        forget()
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
    units = bundle.admin_units
    footprint = graph.footprint()
    graph.main_edges()  # built with the graph (part of "from files" above)
    warm = []
    for _ in range(repeat):
        network._BANDS_MEMO.clear()
        network._POPULATION_MEMO.clear()
        t0 = time.perf_counter()
        catchment = catchments_from_stations(graph, bundle.stations, distance_m=DISTANCE_M,
                                             buffer_m=BUFFER_M, tolerance_m=TOLERANCE_M)
        population_covered(units, catchment.geometry.iloc[0], crs=graph.crs,
                           footprint=footprint)
        warm.append(time.perf_counter() - t0)
    # another scenario, period or map layer on these stations: each station's own catchment
    # built once (coverage_scenarios' way), a scenario is the union of its stations' ones
    from geoplan.network import own_catchments, snap_points

    t0 = time.perf_counter()
    snaps = snap_points(graph, bundle.stations, tolerance_m=TOLERANCE_M)
    own = own_catchments(graph, bundle.stations, distance_m=DISTANCE_M, buffer_m=BUFFER_M,
                         snaps=snaps)
    own_build = time.perf_counter() - t0
    combined, pop_combined = [], 0.0
    for _ in range(repeat):
        network._POPULATION_MEMO.clear()
        t0 = time.perf_counter()
        union = shapely.union_all(own[~shapely.is_empty(own)])
        pop_combined = float(population_covered(units, union, crs=graph.crs)[
            "covered_population"].sum())
        combined.append(time.perf_counter() - t0)
    ego = catchments_from_stations(graph, bundle.stations, distance_m=DISTANCE_M,
                                   buffer_m=BUFFER_M, snaps=_junction_snaps(graph, bundle),
                                   partial_edges=False, charge_snap=False)
    pop_ego = float(population_covered(bundle.admin_units, ego.geometry.iloc[0],
                                       crs=graph.crs)["covered_population"].sum())
    return {"first": first, "median": median, "pop_all": pop_all, "pop_data": pop_data,
            "stations": stations, "no_data": no_data, "pop_ego": pop_ego,
            "edges": graph.n_edges, "nodes": graph.n_nodes,
            "warm": float(statistics.median(warm)), "own_build": own_build,
            "combined": float(statistics.median(combined)), "pop_combined": pop_combined}


def _node_sources(bundle_ref: str) -> tuple[object, object]:
    """geoplan's graph and the stations snapped to nodes (the input of rows (c) and (d))."""
    import numpy as np

    from geoplan.layers import load_bundle
    from geoplan.network import StreetGraph, snap_points

    bundle = load_bundle(bundle_ref)
    graph = StreetGraph.from_bundle(bundle)
    quiet = logging.getLogger("geoplan.network")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # the far planned stations are named once, in row (b)
    try:
        snaps = snap_points(graph, bundle.stations, tolerance_m=TOLERANCE_M, snap="node")
    finally:
        quiet.setLevel(level)
    nodes = np.unique(snaps["node"].to_numpy()[snaps["snapped"].to_numpy()])
    return graph, nodes


def _geoplan_query(graph: object, nodes: object, repeat: int = 3) -> float:
    """geoplan's time for the answer of rows (c), (d) (median of ``repeat``)."""
    from geoplan.network import reachable

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        reachable(graph, nodes, distances=(DISTANCE_M,))  # type: ignore[arg-type]
        times.append(time.perf_counter() - t0)
    return float(statistics.median(times))


def _reference(graph: object, nodes: object) -> object:
    """geoplan's answer for rows (c), (d): distance of every node to its nearest station."""
    from geoplan.network import reachable

    return reachable(graph, nodes, distances=(DISTANCE_M,)).distance_m  # type: ignore[arg-type]


def _agreement(ours: object, theirs: object) -> str:
    import numpy as np

    a, b = np.asarray(ours), np.asarray(theirs)
    ra, rb = a <= DISTANCE_M, b <= DISTANCE_M
    both = ra & rb
    worst = float(np.abs(a[both] - b[both]).max()) if both.any() else 0.0
    return (f"reached nodes {int(rb.sum()):,} vs geoplan {int(ra.sum()):,} "
            f"({int((ra != rb).sum())} differ), largest distance difference {worst:.3g} m")


def run_pandana(bundle_ref: str, repeat: int = 3) -> dict[str, object]:
    """Row (c): pandana's contraction build and nearest-POI query on geoplan's graph."""
    try:
        import pandana
    except ImportError as exc:
        return {"skip": f"pandana not installed ({exc}; pip install 'geoplan[bench]')"}
    import numpy as np
    import pandas as pd

    graph, nodes = _node_sources(bundle_ref)
    g: Any = graph
    coo = g.matrix.tocoo()
    t0 = time.perf_counter()
    net = pandana.Network(pd.Series(g.node_xy[:, 0]), pd.Series(g.node_xy[:, 1]),
                          pd.Series(coo.row), pd.Series(coo.col),
                          pd.DataFrame({"length": coo.data}), twoway=True)
    build = time.perf_counter() - t0
    xy = g.node_xy[np.asarray(nodes)]
    times, answer = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        net.set_pois("stations", DISTANCE_M, 1, pd.Series(xy[:, 0]), pd.Series(xy[:, 1]))
        near = net.nearest_pois(DISTANCE_M, "stations", num_pois=1)
        times.append(time.perf_counter() - t0)
        answer = near[1].reindex(range(g.n_nodes)).to_numpy(dtype=float)
    assert answer is not None
    answer = np.where(answer >= DISTANCE_M, np.inf, answer)  # pandana fills misses with max
    return {"build": build, "query": float(statistics.median(times)),
            "geoplan": _geoplan_query(graph, nodes),
            "agree": _agreement(_reference(graph, nodes), answer)}


def run_cityseer(bundle_ref: str, repeat: int = 3) -> dict[str, object]:
    """Row (d): cityseer's network structure and its distance to the nearest station."""
    try:
        from cityseer.tools import io as cio
    except ImportError as exc:
        return {"skip": f"cityseer not installed ({exc}; pip install 'geoplan[bench]')"}
    import geopandas as gpd
    import networkx as nx
    import numpy as np
    import shapely
    from cityseer.metrics import layers

    graph, nodes = _node_sources(bundle_ref)
    g: Any = graph
    t0 = time.perf_counter()
    nxg = nx.MultiGraph()
    nxg.graph["crs"] = g.crs
    for i, (x, y) in enumerate(g.node_xy):
        nxg.add_node(str(i), x=float(x), y=float(y))
    # the routing matrix's edges: per node pair the shortest street, with its geometry
    a, b = np.minimum(g.edge_u, g.edge_v), np.maximum(g.edge_u, g.edge_v)
    order = np.lexsort((g.edge_length, b, a))
    first = np.ones(len(order), dtype=bool)
    first[1:] = (a[order][1:] != a[order][:-1]) | (b[order][1:] != b[order][:-1])
    keep = order[first & (a[order] != b[order])]
    dropped = 0
    for e, line in zip(keep, g.edge_geometry(keep), strict=True):
        # end points on the node positions exactly, as cityseer requires
        xy = shapely.get_coordinates(line)
        xy[0], xy[-1] = g.node_xy[g.edge_u[e]], g.node_xy[g.edge_v[e]]
        fixed = shapely.LineString(xy)
        if not fixed.is_valid or fixed.length < 0.001:  # cityseer refuses degenerate lines
            dropped += 1
            continue
        nxg.add_edge(str(g.edge_u[e]), str(g.edge_v[e]), geom=fixed)
    nodes_gdf, _edges_gdf, structure = cio.network_structure_from_nx(nxg)
    build = time.perf_counter() - t0
    data = gpd.GeoDataFrame({"uid": np.arange(len(nodes)), "kind": "station"},
                            geometry=gpd.points_from_xy(*g.node_xy[np.asarray(nodes)].T),
                            crs=g.crs)
    times, answer = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = layers.compute_accessibilities(
            data, landuse_column_label="kind", accessibility_keys=["station"],
            nodes_gdf=nodes_gdf.copy(), network_structure=structure,
            distances=[int(DISTANCE_M)])
        times.append(time.perf_counter() - t0)
        if isinstance(out, tuple):  # cityseer < 5.8 also returned the data
            out = out[0]
        column = next(c for c in out.columns if "nearest_max" in c and "station" in c)
        answer = out[column].to_numpy(dtype=float)
    assert answer is not None
    answer = np.where(np.isfinite(answer), answer, np.inf)
    order = np.array([int(k) for k in nodes_gdf.index])
    full = np.full(g.n_nodes, np.inf)
    full[order] = answer
    return {"build": build, "query": float(statistics.median(times)),
            "geoplan": _geoplan_query(graph, nodes),
            "agree": _agreement(_reference(graph, nodes), full),
            "note": "cityseer weighs edges by the length of their metric geometry, not "
                    f"length_m, and refuses {dropped} degenerate (zero-length) edges: small "
                    "differences are expected"}


def run_baseline(osm_xml: Path, bundle_ref: str) -> tuple[float, float, float, int]:
    """The osmnx/networkx recipe: (seconds from files, seconds of the query once the graph
    is loaded, population covered, stations used)."""
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
    t_query = time.perf_counter()
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
    end = time.perf_counter()
    return end - t0, end - t_query, covered, used


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
            seconds_a, query_a, pop_a, n_a = run_baseline(xml, args.bundle)
    print(f"(a) osmnx + networkx ego_graph per station: from files {seconds_a:6.2f} s, warm "
          f"query {query_a:6.2f} s  stations {n_a}  covered population {pop_a:,.0f}")
    gc.collect()  # the baseline's graphs are garbage now: collect them outside the timing
    b = run_geoplan(args.bundle)
    print(f"(b) geoplan: from files {b['median']:6.2f} s (median of 3; first {b['first']:.2f} "
          f"s), each reading the bundle and building the graph; warm query {b['warm']:6.3f} s "
          f"(median of 3); graph {b['nodes']:,.0f} nodes / "
          f"{b['edges']:,.0f} edges; {b['stations']:.0f} stations snapped; covered population "
          f"{b['pop_all']:,.0f} (units with network data only: {b['pop_data']:,.0f}; "
          f"{b['no_data']:.0f} units without network data)")
    ratio = seconds_a / b["median"]
    warm_ratio = query_a / b["warm"]
    print(f"ratio (a)/(b) from files: {ratio:.1f}x (first run of (b): "
          f"{seconds_a / b['first']:.1f}x) (goal ≥ 100x) {'OK' if ratio >= 100 else 'BELOW GOAL'}"
          f"; osmnx spent {seconds_a - query_a:.1f} of its {seconds_a:.1f} s parsing the XML, "
          "projecting and converting to undirected")
    print(f"ratio (a)/(b) warm query: {warm_ratio:.1f}x (goal ≥ 20x) "
          f"{'OK' if warm_ratio >= 20 else 'BELOW GOAL'}")
    combined_ratio = query_a / b["combined"]
    print(f"(b') geoplan, another scenario, period or map layer on these stations: each "
          f"station's own catchment built once ({b['own_build']:.2f} s), combined by union with "
          f"the population: {b['combined']:.3f} s (median of 3), {combined_ratio:.1f}x against "
          f"(a)'s warm query (goal ≥ 20x) {'OK' if combined_ratio >= 20 else 'BELOW GOAL'}; "
          f"covered population {b['pop_combined']:,.0f} "
          f"({100 * (b['pop_combined'] / b['pop_all'] - 1):+.2e} % vs (b))")
    for label, row in (("(c) pandana", run_pandana(args.bundle)),
                       ("(d) cityseer", run_cityseer(args.bundle))):
        if "skip" in row:
            print(f"{label}: skipped: {row['skip']}")
            continue
        build, query = float(row["build"]), float(row["query"])  # type: ignore[arg-type]
        ours = float(row["geoplan"])  # type: ignore[arg-type]
        print(f"{label}: build {build:.2f} s, query {query:.3f} s (median of 3) vs geoplan's "
              f"reachable {ours:.3f} s on the same graph and nodes: {query / ours:.1f}x; "
              f"{row['agree']}{'; ' + str(row['note']) if 'note' in row else ''}")
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
