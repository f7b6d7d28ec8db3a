"""Benchmark: size and time to first render of the exported Hà Nội map.

Builds and saves the map of a bundle (default ``hanoi``; and of the Hà Nội run when the
recipe evaluates), then reports:

* file size against the 3 MB budget and against **folium's default page** for the same
  administrative units (full geometry, ``GeoJsonTooltip``, CDN links: smaller to download
  but blank without network, because Leaflet, jQuery and Bootstrap come from CDNs);
* display simplification of the units (``shapely.coverage_simplify``, topology preserved)
  at several tolerances: vertices, bytes, largest displacement, coverage validity, against
  simplifying each polygon on its own (which opens gaps and overlaps between neighbours);
* time to first render in Debian's headless Chromium, offline from ``file://``: from
  navigation start until every unit polygon and station marker is in the DOM (median of 5),
  as a ratio to the **baseline page** "Leaflet only" (the same inlined assets, no data).

Usage::

    .venv/bin/python benchmarks/bench_map.py [BUNDLE] [--recipe analyses/hanoi-02-nq-tw.yaml]
        [--compare OTHER.html ...]

``--compare`` times other saved maps in the same browser run (say the run map of a previous
commit, written from a ``git worktree`` of it), so that two versions are compared side by side.

Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import folium
import numpy as np
import shapely

from geoplan.crs import to_metric
from geoplan.layers import load_bundle
from geoplan.maps import map_bundle, map_run, save_map
from geoplan.maps._base import _Map
from geoplan.maps._elements import Assets
from geoplan.maps._geo import (
    UNIT_TOLERANCE_M,
    _as_coverage,
    display_coverage,
    feature_collection,
    script_json,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
BUDGET = 3_000_000


def mb(n: int) -> str:
    return f"{n / 1e6:.2f} MB"


def folium_default(units: Any, path: Path) -> int:
    """Folium's default page for the same units: CDN assets, full geometry, a tooltip."""
    m = folium.Map(location=[21.03, 105.85], zoom_start=10)
    shown = units[["unit_id", "name", "population", units.geometry.name]].to_crs(4326)
    folium.GeoJson(shown, tooltip=folium.GeoJsonTooltip(["name", "population"])).add_to(m)
    m.save(str(path))
    return path.stat().st_size


def leaflet_only(path: Path) -> None:
    m = _Map(location=[21.03, 105.85], tiles=None, zoom_start=10)
    m.add_child(Assets())
    save_map(m, path)


def simplification(units: Any) -> None:
    metric = to_metric(units)
    full = metric.geometry.values
    cleaned = _as_coverage(np.asarray(full, dtype=object), what="admin_units")
    print(f"\nunits: {len(units)} polygons, {int(shapely.get_num_coordinates(full).sum()):,} "
          "vertices (full geometry, used by every analysis)")
    print("max shift: Hausdorff distance to the full geometry (includes coverage_clean "
          "resolving overlaps) / to the cleaned coverage (simplification alone)")
    print(f"{'method':<34}{'vertices':>10}{'GeoJSON':>11}{'max shift':>17}"
          f"{'coverage':>10}{'overlap m²':>12}")
    for tol in sorted({0.0, 5.0, 10.0, UNIT_TOLERANCE_M, 25.0, 40.0}):
        shown = display_coverage(units, tolerance_m=tol)
        back = shown.to_crs(metric.crs).geometry.values
        size = len(script_json(feature_collection(shown.geometry)))
        shift = max(shapely.hausdorff_distance(a, b) for a, b in zip(full, back, strict=True))
        own = max(shapely.hausdorff_distance(a, b) for a, b in zip(cleaned, back, strict=True))
        union = shapely.union_all(back)
        overlap = float(sum(g.area for g in back) - union.area)
        mark = " (chosen)" if tol == UNIT_TOLERANCE_M else ""
        print(f"{'coverage_simplify ' + f'{tol:g} m' + mark:<34}"
              f"{int(shapely.get_num_coordinates(back).sum()):>10,}{size / 1e3:>9.0f} kB"
              f"{shift:>8.1f} /{own:>5.1f} m{bool(shapely.coverage_is_valid(back))!s:>10}"
              f"{overlap:>12,.0f}")
    for tol in (UNIT_TOLERANCE_M, 40.0):
        alone = shapely.simplify(full, tol, preserve_topology=True)
        union = shapely.union_all(alone)
        overlap = float(sum(g.area for g in alone) - union.area)
        print(f"{f'each polygon alone {tol:g} m':<34}"
              f"{int(shapely.get_num_coordinates(alone).sum()):>10,}{'':>11}{'':>17}"
              f"{bool(shapely.coverage_is_valid(alone))!s:>10}{overlap:>12,.0f}")
    try:
        import topojson  # type: ignore[import-not-found]
    except ImportError:
        print("(topojson/toposimplify not installed: not compared; shapely's GEOS coverage "
              "simplification needs no extra package)")
    else:  # pragma: no cover - optional comparison
        topo = topojson.Topology(metric, toposimplify=UNIT_TOLERANCE_M, prequantize=False)
        print(f"topojson toposimplify {UNIT_TOLERANCE_M:g} m: {len(topo.to_json()) / 1e3:.0f} kB")


def render_times(pages: dict[str, tuple[Path, int, int]], runs: int = 5) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    out: dict[str, float] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        for name, (path, n_units, n_stations) in pages.items():
            times = []
            for _ in range(runs):
                page = browser.new_page(viewport={"width": 1400, "height": 900})
                blocked: list[str] = []
                page.route("**/*", lambda r, b=blocked: r.continue_()
                           if r.request.url.startswith("file://")
                           else (b.append(r.request.url), r.abort()))
                page.goto(path.resolve().as_uri())
                page.wait_for_function(
                    "([u, s]) => window.L !== undefined"
                    " && document.querySelectorAll('path.gp-unit').length >= u"
                    " && document.querySelectorAll('path.gp-station').length >= s",
                    arg=[n_units, n_stations])
                times.append(float(page.evaluate("performance.now()")))
                if blocked:
                    print(f"  {name}: {len(blocked)} request(s) blocked: {blocked[:3]}")
                page.close()
            out[name] = statistics.median(times)
        browser.close()
    return out


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("bundle", nargs="?", default="hanoi")
    parser.add_argument("--recipe", default="analyses/hanoi-02-nq-tw.yaml")
    parser.add_argument("--compare", nargs="*", default=[], metavar="HTML",
                        help="other saved maps of the same bundle to time side by side (a "
                             "previous commit's run map, say)")
    args = parser.parse_args()
    bundle = load_bundle(args.bundle)
    units = bundle.admin_units
    # a map is rendered when its units and the stations it shows at first (those in service
    # or under construction: planned ones start switched off) are in the DOM
    stations = 0
    if bundle.has("stations"):
        status = bundle.stations.get("status")
        stations = (int(status.isin(["operating", "under_construction"]).sum())
                    if status is not None else len(bundle.stations))
    tmp = Path(tempfile.mkdtemp(prefix="bench-map-"))

    t0 = time.perf_counter()
    path = save_map(map_bundle(bundle), tmp / "layers.html")
    build = time.perf_counter() - t0
    size = path.stat().st_size
    base = folium_default(units, tmp / "folium-default.html")
    leaflet_only(tmp / "leaflet-only.html")
    print(f"bundle {bundle.name}: {len(units)} units, {stations} stations")
    print(f"layers map: {mb(size)} ({size / BUDGET:.0%} of the 3 MB budget), built and "
          f"saved in {build:.1f} s")
    print(f"baseline folium default page (CDN links, full geometry, units only): {mb(base)}; "
          f"ratio {size / base:.2f}; it renders blank offline")
    pages = {"leaflet only (baseline)": (tmp / "leaflet-only.html", 0, 0),
             "layers map": (path, len(units), stations)}

    recipe = Path(args.recipe)
    if recipe.is_file():
        from geoplan.workflows.run import run_recipe

        try:
            result = run_recipe(recipe, bundle=bundle)
        except Exception as exc:  # the benchmark still reports the layers map
            print(f"run map skipped: {type(exc).__name__}: {exc}")
        else:
            t0 = time.perf_counter()
            run_path = save_map(map_run(result), tmp / "run.html")
            run_build = time.perf_counter() - t0
            run_size = run_path.stat().st_size
            print(f"run map ({recipe.name}): {mb(run_size)} ({run_size / BUDGET:.0%} of the "
                  f"budget), built and saved in {run_build:.1f} s")
            pages["run map"] = (run_path, len(units), stations)

    for other in args.compare:
        pages[f"compared: {Path(other).name}"] = (Path(other), len(units), stations)

    simplification(units)

    if not CHROMIUM.exists():
        print("\n/usr/bin/chromium absent: no render timing (`make chromium`)")
        return
    times = render_times(pages)
    base_ms = times["leaflet only (baseline)"]
    print("\ntime to first render in headless Chromium, offline, median of 5:")
    for name, ms in times.items():
        print(f"  {name:<26}{ms:>8.0f} ms   ×{ms / base_ms:.2f} of the baseline")
    print(f"(files in {tmp}; np {np.__version__}, shapely {shapely.__version__}, "
          f"GEOS {'.'.join(map(str, shapely.geos_version))})")


if __name__ == "__main__":
    main()
