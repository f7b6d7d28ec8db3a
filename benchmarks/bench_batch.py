"""Benchmark: a batch of province runs with network work, on 2 dask workers against serial.

What is timed: the whole ``run_batch`` of the Hà Nội 02-NQ/TW recipe, whose walking
catchments route on the street network, over ``--tasks`` bundles:

* ``hanoi``: the real embedded bundle;
* the others are **SYNTHETIC**: copies of the Hà Nội bundle translated (every geometry,
  extent and raster) so that Hà Nội's centre lands on the centre of another province of the
  ``vietnam`` bundle; they are labelled ``SYNTHETIC`` in their name, title and description,
  live in a temporary folder and are deleted at the end. Real street networks for those
  provinces are not in ``../shared/data``.

Both sides start from the same state, so that the ratio compares like with like:

* **every timed run is a new Python process** (this script started again with ``--one``):
  it plans the batch (untimed: imports, recipe and bundles checked, as the CLI does), then
  times ``run_batch``. Serial (``workers=0``): every task one after the other in that
  process. Dask: starting the LocalCluster, the workers' imports, every task and closing the
  cluster. Neither side keeps what an earlier run held in memory (street graphs, dissolved
  bands, coverage tables, kept by content in the process: running the same tasks a second
  time in one process takes about half the time, which made earlier serial repeats faster
  than any fresh worker could be);
* **the routing cache** (:mod:`geoplan._cache`) is in the state ``--cache`` names, for both
  sides: ``warm`` (default), a cache folder filled by one untimed run beforehand, every timed
  run reads it; ``cold``, an empty cache folder for every timed run (all routing done).
* the order of the two modes alternates between repeats.

The machine's free parallel capacity is measured too (a pure-Python loop: twice in one
process against once in each of two processes): on a shared machine other jobs cap the
ratio whatever the batch does, and that ceiling is printed beside it.

Prints the median of ``--repeat`` runs of each mode and the ratio serial / workers (the
goal is at least 1.6). Outputs of both modes are compared byte for byte (provenance aside).

Usage::

    .venv/bin/python benchmarks/bench_batch.py [--tasks 6] [--repeat 3] [--workers 2]
                                               [--cache warm|cold]
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import shutil
import statistics
import subprocess
import sys
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


def _spin(n: int = 20_000_000) -> int:
    total = 0
    for i in range(n):
        total += i
    return total


def machine_ceiling() -> float:
    """Free parallel capacity now: the same pure-Python loop twice, serially / on 2 processes.

    About 2 on an idle 2-core machine; less when other jobs share the cores.
    """
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1, 1])  # processes up before timing
        clock = time.perf_counter()
        _spin()
        _spin()
        serial = time.perf_counter() - clock
        clock = time.perf_counter()
        pool.map(_spin, [20_000_000] * 2, chunksize=1)
        parallel = time.perf_counter() - clock
    return serial / parallel


def one_run(bundles: list[str], out: Path, workers: int) -> tuple[float, float]:
    """In a new process: plan (untimed), then the timed ``run_batch``.

    Returns the wall time and the CPU time the tasks took, summed (the same work on both
    sides, or one side does more than the other).
    """
    tasks = plan_batch([str(RECIPE)], out=out, bundles=bundles)
    clock = time.perf_counter()
    result = run_batch(tasks, workers=workers)
    seconds = time.perf_counter() - clock
    if result.failed:
        message = f"benchmark task failed: {result.failed[0].error}"
        raise SystemExit(message)
    return seconds, sum(o.cpu_seconds for o in result.outcomes)


def _timed(bundles: list[str], out: Path, workers: int, cache: Path) -> tuple[float, float]:
    env = {**os.environ, "GEOPLAN_CACHE": str(cache)}
    command = [sys.executable, __file__, "--one", json.dumps(
        {"bundles": bundles, "out": str(out), "workers": workers})]
    done = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        message = f"timed run failed ({' '.join(command[:2])}):\n{done.stderr[-3000:]}"
        raise SystemExit(message)
    seconds, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(seconds), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cache", choices=("warm", "cold"), default="warm")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a timed run, in its own process
    args = parser.parse_args()
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if args.one:
        run = json.loads(args.one)
        print(*one_run(run["bundles"], Path(run["out"]), run["workers"]))
        return
    with tempfile.TemporaryDirectory(prefix="geoplan-bench-batch-") as tmp:
        root = Path(tmp)
        bundles = build_bundles(root / "bundles", args.tasks)
        print(f"{len(bundles)} bundles: hanoi (real) + {len(bundles) - 1} SYNTHETIC copies; "
              f"routing cache {args.cache} on both sides; every timed run a new process")
        warm = root / "cache-warm"
        if args.cache == "warm":  # untimed: fills the cache both sides then read
            _timed(bundles, root / "fill", 0, warm)
        times: dict[str, list[float]] = {"serial": [], "dask": []}
        cpu: dict[str, list[float]] = {"serial": [], "dask": []}
        ceilings = []
        for r in range(args.repeat):
            ceilings.append(machine_ceiling())
            modes = [("serial", 0), ("dask", args.workers)]
            for mode, workers in modes if r % 2 == 0 else modes[::-1]:
                cache = warm if args.cache == "warm" else root / f"cache-{mode}{r}"
                seconds, busy = _timed(bundles, root / f"{mode}{r}", workers, cache)
                times[mode].append(seconds)
                cpu[mode].append(busy)
                print(f"run {r + 1} {mode:6s}: {seconds:6.1f} s (tasks' CPU time {busy:.1f} s)")
            print(f"run {r + 1} machine ceiling (pure-Python loop, 2 processes): "
                  f"{ceilings[-1]:.2f}x; load average {os.getloadavg()[0]:.1f}")
        same = _outputs(root / "serial0") == _outputs(root / "dask0")
        serial, dask = statistics.median(times["serial"]), statistics.median(times["dask"])
        print(f"median serial {serial:.1f} s, {args.workers} workers {dask:.1f} s: "
              f"ratio {serial / dask:.2f}x (goal >= 1.6x; machine ceiling "
              f"{statistics.median(ceilings):.2f}x); outputs identical: {same}")
        print(yaml.safe_dump({"tasks": len(bundles), "cache": args.cache,
                              "serial_s": times["serial"], "dask_s": times["dask"],
                              "serial_task_cpu_s": cpu["serial"],
                              "dask_task_cpu_s": cpu["dask"],
                              "machine_ceiling": ceilings}, sort_keys=False).strip())


if __name__ == "__main__":
    main()
