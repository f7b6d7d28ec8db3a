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
- ``osmnx`` (baseline): ``osmnx.graph_from_xml(simplify=False, retain_all=True)`` plus
  ``features_from_xml`` for the green/water/land-use tags on the same data written as OSM XML
  (osmnx cannot read PBF), edges through geoplan's walk filter.

Printed: seconds, peak MiB, features, and the ratios osmnx / geoplan and N× / 1×. Peak
memory of ``geoplan`` must stay flat as copies are added outside the province.

Readers not measured: osmium-tool's ``extract`` (Debian osmium-tool 1.15 is available to apt
here but not installed), pyrosm and QuackOSM (not installed); pyosmium is the ``build``
extra already.

Run: ``.venv/bin/python benchmarks/bench_osm_import.py [--data ../shared/data]
[--copies 12] [--no-osmnx]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

_REPO = Path(__file__).resolve().parent.parent
_PBFS = (
    "dodanhdung-hanoi-map/hanoi_inner_drive_network.osm.pbf",
    "thuantop2003-osmmapnmai/hanoi_core_all_network_2023.osm.pbf",
    "hoangson-map-routing/hanoi_hbt_hoangmai_all_network_2025.osm.pbf",
    "ninhdn-ai-ninh/hanoi_badinh_tayho_all_network_2025.osm.pbf",
    "iamqazolp-it3160/hanoi_dongda_hbt_network_2025.osm.pbf",
    "ttt23-introai-map/hanoi_dongda_badinh_network_2025.osm.pbf",
    "khanhtkp-parking-app/hoan_kiem_all_network_2025.osm.pbf",
)
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


def build_extract(data: Path, out: Path, copies: int) -> None:
    """Write the SYNTHETIC extract ``out`` (.osm.pbf or .osm) with ``copies`` outside copies."""
    import osmium

    files = [data / p for p in _PBFS]
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise SystemExit(f"missing {', '.join(missing)}; pass --data PATH/TO/shared/data")
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
                            writer.add_way(obj.replace(
                                id=obj.id + off, nodes=[n.ref + off for n in obj.nodes]))
                        elif kind == "r" and obj.is_relation():
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
    n = len(read_osm_layers(sys.argv[1]).layers["street_network"])
print(json.dumps({"s": time.perf_counter() - t, "edges": n,
                  "mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
_OSMNX = """
import json, resource, sys, time, warnings
import osmnx as ox
from geoplan.layers import osm
t = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    graph = ox.graph_from_xml(sys.argv[1], simplify=False, retain_all=True)
    tags = {**{k: sorted(v) for k, v in osm._GREEN.items()}, "landuse": True,
            **{k: sorted(v) for k, v in osm._WATER.items() if k != "landuse"}}
    try:
        ox.features_from_xml(sys.argv[1], tags=tags)
    except Exception:  # osmnx raises when no feature matches (these are street files)
        pass
n = len(osm._edges_from_graph(graph))
print(json.dumps({"s": time.perf_counter() - t, "edges": n,
                  "mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], check=True,
                          capture_output=True, text=True, cwd=_REPO)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=_REPO.parent / "shared" / "data")
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
                results[("osmnx", scale)] = _child(_OSMNX, str(xml))
            for (name, s), r in results.items():
                if s == scale:
                    print(f"  {name:15s} {r['s']:8.1f} s  {r['mib']:8.0f} MiB peak  "
                          f"{int(r['edges']):>9,} edges", flush=True)
        big = opts.copies + 1
        print("ratios:")
        for name in ("geoplan", "geoplan-noclip", "osmnx"):
            if (name, 1) in results:
                a, b = results[(name, 1)], results[(name, big)]
                print(f"  {name:15s} {big}× / 1×: time {b['s'] / a['s']:.1f}, "
                      f"peak memory {b['mib'] / a['mib']:.2f}")
        for scale in (1, big):
            if ("osmnx", scale) in results:
                g, o = results[("geoplan", scale)], results[("osmnx", scale)]
                print(f"  osmnx / geoplan at {scale}×: time {o['s'] / g['s']:.1f}, "
                      f"peak memory {o['mib'] / g['mib']:.1f}")


if __name__ == "__main__":
    main()
