"""Benchmark: ``import_osm`` on a country-sized SYNTHETIC extract vs the osmnx baseline.

What is measured
----------------
A SYNTHETIC extract is built in a temporary folder (never committed) from the real street
PBFs of shared/data (SOURCES.md §1, §4): the seven Hà Nội network files, ids offset per file
so that they do not collide, are the part inside the province (1×); N translated copies
(shifted by whole degrees to lie outside Hà Nội, ids offset again) stand for the rest of a
country. Each run is a child process that reports its own peak RSS
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``) and wall time:

- ``geoplan``: :func:`geoplan.layers.osm.import_osm` into a new bundle clipped to Hà Nội's
  city_boundary (layers/hanoi), all default roles, one pass;
- ``geoplan-noclip``: the same reader without a boundary (every node location stored, the
  whole file kept), the design the bbox filter replaced;
- ``osmnx`` (baseline): ``osmnx.graph_from_xml(simplify=True, retain_all=True)`` on the same
  data written as OSM XML (osmnx cannot read PBF) with only the ways of geoplan's walk filter
  (:func:`geoplan.layers.osm.is_walkable`, written outside the timing), ``foot`` kept among
  osmnx's way tags and the edges passed through the same filter, so both sides hold the same
  ways split the same way (at shared nodes and way ends); plus ``features_from_xml`` for the
  green/water/land-use tags on the whole XML.

Printed: seconds, peak MiB, edges, ways and street length, and the ratios osmnx / geoplan and
N× / 1×. The like-for-like ratio is osmnx against ``geoplan-noclip`` (both keep the whole
file); ``geoplan`` clipped to the province is faster still but keeps less. Peak memory of
``geoplan`` must stay flat as copies are added outside the province. The street PBFs are found
under ``--data`` (default ``$GEOPLAN_SHARED_DATA``, else ``../shared/data`` beside the
checkout) as the bundle build finds them.

Readers not measured: osmium-tool's ``extract`` (Debian osmium-tool 1.15 is available to apt
here but not installed), pyrosm and QuackOSM (not installed); pyosmium is the ``build``
extra already.

Run: ``.venv/bin/python benchmarks/bench_osm_import.py [--data ../shared/data]
[--copies 12] [--no-osmnx]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(_REPO))
_ID_STEP = 10**10


def _offsets(copies: int) -> list[tuple[float, float]]:
    """Shifts (degrees) of the copies: none for the province, then rings around it."""
    shifts = [(0.0, 0.0)]
    ring = 1
    while len(shifts) < copies + 1:
        for dx in range(-ring, ring + 1):
            for dy in range(-ring, ring + 1):
                if max(abs(dx), abs(dy)) == ring and len(shifts) < copies + 1:
                    shifts.append((1.2 * dx, 1.2 * dy))  # Hà Nội spans 0.73° × 0.82°
        ring += 1
    return shifts


def _street_pbfs(data: Path) -> list[Path]:
    """The street PBFs of the shared data folder (found as the bundle build finds them)."""
    from geoplan.layers.build._streets import street_files

    files = street_files(data) if data.is_dir() else []
    if not files:
        raise SystemExit(f"no street PBF (*network*.osm.pbf) under {data}; pass --data "
                         "PATH/TO/shared/data or set GEOPLAN_SHARED_DATA")
    return files


def build_extract(data: Path, out: Path, copies: int, *, walk_only: bool = False) -> None:
    """Write the SYNTHETIC extract ``out`` (.osm.pbf or .osm) with ``copies`` outside copies.

    ``walk_only`` keeps only the ways of geoplan's walk filter
    (:func:`geoplan.layers.osm.is_walkable`) and no relations: the street input osmnx gets,
    so that both sides build their graphs from the same ways.
    """
    import osmium

    from geoplan.layers.osm import is_walkable

    files = _street_pbfs(data)
    shifts = _offsets(copies)
    with osmium.SimpleWriter(str(out), overwrite=True) as writer:
        for kind in ("n", "w", "r"):  # all nodes first, then ways, then relations
            for k, (dx, dy) in enumerate(shifts):
                for i, f in enumerate(files):
                    off = (k * len(files) + i) * _ID_STEP
                    for obj in osmium.FileProcessor(str(f)):
                        if kind == "n" and obj.is_node():
                            loc = obj.location
                            writer.add_node(obj.replace(
                                id=obj.id + off, location=(loc.lon + dx, loc.lat + dy)))
                        elif kind == "w" and obj.is_way():
                            if walk_only and not is_walkable(obj.tags):
                                continue
                            writer.add_way(obj.replace(
                                id=obj.id + off, nodes=[n.ref + off for n in obj.nodes]))
                        elif kind == "r" and obj.is_relation() and not walk_only:
                            members = [(m.type, m.ref + off, m.role) for m in obj.members]
                            writer.add_relation(obj.replace(id=obj.id + off, members=members))


_GEOPLAN = """
import json, resource, sys, time
from pathlib import Path
from geoplan.layers.osm import import_osm, read_osm_layers
t = time.perf_counter()
if sys.argv[3] == "clip":
    folder = import_osm(sys.argv[1], city="bench", layers_dir=Path(sys.argv[2]),
                        boundary=Path(sys.argv[2]) / "boundary.geojson")
    import geopandas as gpd
    n = len(gpd.read_parquet(folder / "osm_street_network.parquet"))
else:
    edges = read_osm_layers(sys.argv[1]).layers["street_network"]
    n = len(edges)
seconds = time.perf_counter() - t
out = {"s": seconds, "edges": n,
       "mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
if sys.argv[3] != "clip":
    out |= {"ways": int(edges["osm_id"].nunique()), "km": float(edges["length_m"].sum()) / 1e3}
print(json.dumps(out))
"""
_OSMNX = """
import json, resource, sys, time, warnings
import osmnx as ox
from geoplan.layers import osm
ox.settings.useful_tags_way = [*ox.settings.useful_tags_way, "foot"]  # the walk filter's tags
t = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    # the walk-only XML (sys.argv[2]): the ways of geoplan's filter; simplify=True splits them
    # at shared nodes and way ends, as geoplan does
    graph = ox.graph_from_xml(sys.argv[2], simplify=True, retain_all=True)
    tags = {**{k: sorted(v) for k, v in osm._GREEN.items()}, "landuse": True,
            **{k: sorted(v) for k, v in osm._WATER.items() if k != "landuse"}}
    try:
        ox.features_from_xml(sys.argv[1], tags=tags)
    except Exception:  # osmnx raises when no feature matches (these are street files)
        pass
edges = osm._edges_from_graph(graph)
seconds = time.perf_counter() - t
print(json.dumps({"s": seconds, "edges": len(edges), "ways": int(edges["osm_id"].nunique()),
                  "km": float(edges["length_m"].sum()) / 1e3,
                  "mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], check=True,
                          capture_output=True, text=True, cwd=_REPO)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("GEOPLAN_SHARED_DATA",
                                                    _REPO.parent / "shared" / "data")),
                        help="shared data folder with the street PBFs (default: "
                             "$GEOPLAN_SHARED_DATA, else ../shared/data beside the checkout)")
    parser.add_argument("--copies", type=int, default=12)
    parser.add_argument("--no-osmnx", action="store_true")
    opts = parser.parse_args()
    import geopandas as gpd

    with tempfile.TemporaryDirectory(prefix="geoplan-bench-") as tmp:
        work = Path(tmp)
        boundary = gpd.read_file(_REPO / "layers" / "hanoi" / "hanoi.gpkg",
                                 layer="city_boundary")
        results: dict[tuple[str, int], dict[str, float]] = {}
        for copies in (0, opts.copies):
            scale = copies + 1
            pbf = work / f"synthetic_{scale}x.osm.pbf"
            build_extract(opts.data, pbf, copies)
            size = pbf.stat().st_size / 2**20
            print(f"SYNTHETIC extract {scale}×: {size:.1f} MiB PBF "
                  f"({copies} translated copies outside Hà Nội)", flush=True)
            for run in ("clip", "noclip"):
                layers = work / f"layers-{scale}-{run}"
                layers.mkdir()
                boundary.to_file(layers / "boundary.geojson")
                name = "geoplan" if run == "clip" else "geoplan-noclip"
                results[(name, scale)] = _child(_GEOPLAN, str(pbf), str(layers), run)
            if not opts.no_osmnx:
                xml = work / f"synthetic_{scale}x.osm"
                build_extract(opts.data, xml, copies)
                walk = work / f"synthetic_{scale}x_walk.osm"
                build_extract(opts.data, walk, copies, walk_only=True)
                results[("osmnx", scale)] = _child(_OSMNX, str(xml), str(walk))
            for (name, s), r in results.items():
                if s == scale:
                    same = (f"  {int(r['ways']):>7,} ways  {r['km']:9,.1f} km"
                            if "ways" in r else "")
                    print(f"  {name:15s} {r['s']:8.1f} s  {r['mib']:8.0f} MiB peak  "
                          f"{int(r['edges']):>9,} edges{same}", flush=True)
        big = opts.copies + 1
        print("ratios:")
        for name in ("geoplan", "geoplan-noclip", "osmnx"):
            if (name, 1) in results:
                a, b = results[(name, 1)], results[(name, big)]
                print(f"  {name:15s} {big}× / 1×: time {b['s'] / a['s']:.1f}, "
                      f"peak memory {b['mib'] / a['mib']:.2f}")
        for scale in (1, big):
            if ("osmnx", scale) in results:
                g, o = results[("geoplan-noclip", scale)], results[("osmnx", scale)]
                print(f"  osmnx / geoplan-noclip at {scale}× (like for like: the whole file, "
                      f"the same walkable ways): time {o['s'] / g['s']:.1f}, peak memory "
                      f"{o['mib'] / g['mib']:.1f}; ways {int(g['ways']):,} vs "
                      f"{int(o['ways']):,}, street length {g['km']:,.1f} vs {o['km']:,.1f} km")
                c = results[("geoplan", scale)]
                print(f"  osmnx / geoplan (clipped to Hà Nội) at {scale}×: time "
                      f"{o['s'] / c['s']:.1f} (not like for like: geoplan keeps the province)")


if __name__ == "__main__":
    main()
