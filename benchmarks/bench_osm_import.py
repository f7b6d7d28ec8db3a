"""Benchmark: geoplan's pyosmium street reader vs the baseline osmnx ``graph_from_xml``.

Baseline: ``osmnx.graph_from_xml(file, simplify=False, retain_all=True)`` then
``osmnx.graph_to_gdfs`` (edges), on the same OSM XML. Prints seconds and the ratio.
Run: ``.venv/bin/python benchmarks/bench_osm_import.py [FILE.osm]``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

from geoplan.layers.osm import street_network_from_osm

_DEFAULT = Path("/work/shared/data/thuantop2003-osmmapnmai/van_mieu_area_full_osm_2023.osm")


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else _DEFAULT
    import osmnx as ox

    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = ox.graph_from_xml(path, simplify=False, retain_all=True)
        base_edges = ox.graph_to_gdfs(graph, nodes=False)
    t_base = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = street_network_from_osm(path)
    t_ours = time.perf_counter() - t0
    print(f"file: {path.name}")
    print(f"baseline osmnx graph_from_xml: {t_base:.3f} s, {len(base_edges)} directed edges")
    print(f"geoplan pyosmium:              {t_ours:.3f} s, {len(ours)} undirected edges")
    print(f"ratio (baseline / geoplan): {t_base / t_ours:.1f}x")


if __name__ == "__main__":
    main()
