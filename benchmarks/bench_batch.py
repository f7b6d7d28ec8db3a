"""Benchmark: a batch of province runs with network work, on 2 dask workers against serial.

What is timed: the whole ``run_batch`` (for dask: starting the LocalCluster, the workers'
imports, every task and closing the cluster; serial: every task in this process, warm after
the first) of the Hà Nội 02-NQ/TW recipe, whose walking catchments route on the street
network, over ``--tasks`` bundles:

* ``hanoi``: the real embedded bundle;
* the others are **SYNTHETIC**: copies of the Hà Nội bundle translated (every geometry,
  extent and raster) so that Hà Nội's centre lands on the centre of another province of the
  ``vietnam`` bundle; they are labelled ``SYNTHETIC`` in their name, title and description,
  live in a temporary folder and are deleted at the end. Real street networks for those
  provinces are not in ``../shared/data``.

Prints the median of ``--repeat`` runs of each mode and the ratio serial / 2 workers (the
goal is at least 1.6). Outputs of both modes are compared byte for byte (provenance aside).

Usage::

    .venv/bin/python benchmarks/bench_batch.py [--tasks 6] [--repeat 3] [--workers 2]
"""

from __future__ import annotations

import argparse
import logging
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
import rasterio
import shapely
import yaml
from rasterio.transform import Affine

from geoplan.layers import load_bundle
from geoplan.layers.manifest import extent_geometry, extent_text, read_manifest, write_manifest
from geoplan.workflows.batch import plan_batch, run_batch

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "analyses" / "hanoi-02-nq-tw.yaml"
#: Provinces the SYNTHETIC copies are moved to (northern and central: UTM 48N holds them).
PROVINCES = ["Hải Phòng", "Hà Tĩnh", "Tuyên Quang", "Thái Nguyên", "Ninh Bình", "Nghệ An",
             "Thanh Hóa", "Lào Cai", "Bắc Ninh", "Phú Thọ", "Hưng Yên"]


def _shift(frame: gpd.GeoDataFrame, dx: float, dy: float) -> gpd.GeoDataFrame:
    out = frame.to_crs(4326)
    out = out.set_geometry(out.geometry.translate(dx, dy))
    return out.to_crs(frame.crs)


def synthetic_copy(source: Path, target: Path, *, name: str, province: str, dx: float,
                   dy: float) -> Path:
    """A SYNTHETIC copy of a bundle, every geometry moved by (dx, dy) degrees."""
    shutil.copytree(source, target)
    manifest = read_manifest(target / "bundle.yaml")
    for gpkg in target.glob("*.gpkg"):
        moved = gpkg.with_suffix(".moving.gpkg")
        for layer, _ in pyogrio.list_layers(gpkg):
            frame = gpd.read_file(gpkg, layer=layer)
            _shift(frame, dx, dy).to_file(moved, layer=layer, driver="GPKG")
        moved.replace(gpkg)
    for parquet in target.glob("*.parquet"):
        _shift(gpd.read_parquet(parquet), dx, dy).to_parquet(parquet)
    for tif in target.glob("*.tif"):
        with rasterio.open(tif, "r+") as raster:  # EPSG:4326 grids: move the origin
            raster.transform = Affine.translation(dx, dy) * raster.transform
    for entry in manifest.layers.values():
        if entry.extent:
            entry.extent = extent_text(shapely.affinity.translate(
                extent_geometry(entry.extent), dx, dy))
    label = f"SYNTHETIC: Hà Nội's layers moved to {province} (benchmark only, not data)"
    manifest.name = name
    manifest.title = label
    manifest.description = label
    write_manifest(manifest, target / "bundle.yaml")
    return target


def build_bundles(folder: Path, n: int) -> list[str]:
    """``hanoi`` and ``n - 1`` SYNTHETIC copies; returns bundle folders (or names)."""
    hanoi = load_bundle("hanoi")
    centre = hanoi.city_boundary.to_crs(32648).union_all().centroid
    centre = gpd.GeoSeries([centre], crs=32648).to_crs(4326).iloc[0]
    provinces = load_bundle("vietnam").admin_units
    bundles = ["hanoi"]
    for i, province in enumerate(PROVINCES[: n - 1]):
        row = provinces[provinces["name"].str.contains(province, regex=False)]
        where = row.to_crs(32648).geometry.iloc[0].representative_point()
        where = gpd.GeoSeries([where], crs=32648).to_crs(4326).iloc[0]
        name = f"synthetic{i + 1}"
        synthetic_copy(hanoi.path, folder / name, name=name, province=province,
                       dx=where.x - centre.x, dy=where.y - centre.y)
        bundles.append(str(folder / name))
    return bundles


def _outputs(root: Path) -> dict[str, bytes]:
    keep = ("scorecard.csv", "scorecard.md", "results.gpkg", "index.html")
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name in keep}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory(prefix="geoplan-bench-batch-") as tmp:
        root = Path(tmp)
        bundles = build_bundles(root / "bundles", args.tasks)
        print(f"{len(bundles)} bundles: hanoi (real) + {len(bundles) - 1} SYNTHETIC copies")
        times: dict[str, list[float]] = {"serial": [], "dask": []}
        for r in range(args.repeat):
            for mode, workers in (("serial", 0), ("dask", args.workers)):
                out = root / f"{mode}{r}"
                tasks = plan_batch([str(RECIPE)], out=out, bundles=bundles)
                clock = time.perf_counter()
                result = run_batch(tasks, workers=workers)
                times[mode].append(time.perf_counter() - clock)
                assert not result.failed, result.failed[0].error
                print(f"run {r + 1} {mode:6s}: {times[mode][-1]:6.1f} s")
        same = _outputs(root / "serial0") == _outputs(root / "dask0")
        serial, dask = statistics.median(times["serial"]), statistics.median(times["dask"])
        print(f"median serial {serial:.1f} s, {args.workers} workers {dask:.1f} s: "
              f"ratio {serial / dask:.2f}x (goal >= 1.6x); outputs identical: {same}")
        print(yaml.safe_dump({"tasks": len(bundles), "serial_s": times["serial"],
                              "dask_s": times["dask"]}, sort_keys=False).strip())


if __name__ == "__main__":
    main()
