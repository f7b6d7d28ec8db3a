"""SYNTHETIC test data: a tiny made-up bundle with hand-computable answers.

Nothing here is real. Four 1 km × 1 km square units in a 2 × 2 grid, placed in UTM zone 48N
(EPSG:32648) near Hà Nội so that every CRS path of the real data is exercised, with round
populations; one 2 km metro line along the southern edge with three stations; a street grid;
one green square. Tests that use it compute their expected values by hand from the numbers
below.

Layout (metres, origin X0, Y0)::

      (0,2000) +--------+--------+ (2000,2000)
               |  C xã  |  D xã  |
      (0,1000) +--------+--------+
               | A phường| B phường|
         (0,0) +--------+--------+ (2000,0)
          line L1 runs along y=0 from x=0 to x=2000; stations at x=0, 1000, 2000
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from pathlib import Path
from typing import Any

import geopandas as gpd
from shapely.geometry import LineString, Point, box

X0, Y0 = 585_000.0, 2_325_000.0
CRS = "EPSG:32648"

UNITS: dict[str, dict[str, Any]] = {
    "A": {"name": "Phường A", "unit_type": "phường", "population": 10_000,
          "urban_population": 10_000, "rural_population": 0, "is_inner": True,
          "box": (0, 0, 1000, 1000)},
    "B": {"name": "Phường B", "unit_type": "phường", "population": 20_000,
          "urban_population": 20_000, "rural_population": 0, "is_inner": True,
          "box": (1000, 0, 2000, 1000)},
    "C": {"name": "Xã C", "unit_type": "xã", "population": 6_000,
          "urban_population": 0, "rural_population": 6_000, "is_inner": False,
          "box": (0, 1000, 1000, 2000)},
    "D": {"name": "Xã D", "unit_type": "xã", "population": 4_000,
          "urban_population": 1_000, "rural_population": 3_000, "is_inner": False,
          "box": (1000, 1000, 2000, 2000)},
}


def _b(x0: float, y0: float, x1: float, y1: float) -> Any:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def admin_units() -> gpd.GeoDataFrame:
    """The four synthetic units (EPSG:32648)."""
    rows = [{"unit_id": k, **{c: v for c, v in u.items() if c != "box"}} for k, u in UNITS.items()]
    geoms = [_b(*u["box"]) for u in UNITS.values()]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=CRS)


def layers() -> dict[str, gpd.GeoDataFrame]:
    """Every synthetic vector layer by role."""
    lines = gpd.GeoDataFrame(
        {"line_id": ["L1", "L2"], "name": ["Line 1", "Line 2"],
         "status": ["operating", "planned"], "opening_date": ["2021-11-06", None],
         "target_year": [None, 2030], "plan": ["synthetic", "synthetic"],
         "approximate": [False, True]},
        geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)]),
                  LineString([(X0, Y0 + 2000), (X0 + 2000, Y0 + 2000)])],
        crs=CRS,
    )
    stations = gpd.GeoDataFrame(
        {"station_id": ["S1", "S2", "S3", "S4"], "name": ["S1", "S2", "S3", "S4"],
         "line_id": ["L1", "L1", "L1", "L2"],
         "status": ["operating", "operating", "operating", "planned"],
         "opening_date": ["2021-11-06"] * 3 + [None], "approximate": [False] * 3 + [True]},
        geometry=[Point(X0, Y0), Point(X0 + 1000, Y0), Point(X0 + 2000, Y0),
                  Point(X0 + 1000, Y0 + 2000)],
        crs=CRS,
    )
    # street grid every 500 m, split at every crossing: 5 x 5 nodes
    edges = []
    node = {(i, j): i * 5 + j for i in range(5) for j in range(5)}
    for i in range(5):
        for j in range(5):
            for di, dj in ((1, 0), (0, 1)):
                if i + di < 5 and j + dj < 5:
                    a = (X0 + 500 * i, Y0 + 500 * j)
                    b = (X0 + 500 * (i + di), Y0 + 500 * (j + dj))
                    edges.append({"u": node[(i, j)], "v": node[(i + di, j + dj)],
                                  "length_m": 500.0, "highway": "residential",
                                  "geometry": LineString([a, b])})
    streets = gpd.GeoDataFrame(edges, geometry="geometry", crs=CRS)
    green = gpd.GeoDataFrame({"kind": ["park"]}, geometry=[_b(100, 100, 300, 300)], crs=CRS)
    boundary = gpd.GeoDataFrame({"name": ["Synthetic city"]},
                                geometry=[_b(0, 0, 2000, 2000)], crs=CRS)
    bus = gpd.GeoDataFrame({"stop_id": ["b1"], "name": ["Bus 1"]},
                           geometry=[Point(X0 + 500, Y0 + 1500)], crs=CRS)
    return {
        "admin_units": admin_units(), "city_boundary": boundary, "metro_lines": lines,
        "stations": stations, "street_network": streets, "green_space": green,
        "bus_stops": bus,
    }


MANIFEST_HEAD = """\
name: {name}
title: SYNTHETIC test bundle (not real data)
description: made-up geometry and numbers for unit tests
metric_crs: EPSG:32648
layers:
"""


def write_bundle(
    folder: Path,
    *,
    name: str = "synthetic",
    replace: dict[str, gpd.GeoDataFrame] | None = None,
    missing: dict[str, str] | None = None,
    extra_columns: dict[str, dict[str, str]] | None = None,
    roles: Collection[str] | None = None,
) -> Path:
    """Write the synthetic bundle to ``folder`` and return the folder.

    ``replace`` swaps a role's layer (e.g. a broken one), ``missing`` marks roles as missing
    with a reason, ``extra_columns`` declares more required columns per role in the manifest,
    ``roles`` keeps only these roles (a smaller, faster bundle; the others are not listed).
    """
    folder.mkdir(parents=True, exist_ok=True)
    data = {**layers(), **(replace or {})}
    if roles is not None:
        data = {role: gdf for role, gdf in data.items() if role in roles}
    missing = {"water": "synthetic bundle has no water", **(missing or {})}
    if roles is not None:
        missing = {role: why for role, why in missing.items() if role in roles}
    lines = [MANIFEST_HEAD.format(name=name)]
    for role, gdf in data.items():
        if role in missing:
            continue
        with warnings.catch_warnings():
            # some tests write a layer without CRS on purpose
            warnings.filterwarnings("ignore", message="'crs' was not provided")
            gdf.to_file(folder / "synthetic.gpkg", layer=role, driver="GPKG")
        lines.append(f"  {role}:\n    file: synthetic.gpkg\n    layer: {role}\n")
        lines.append("    source: SYNTHETIC\n    licence: CC0\n")
        for column, dtype in (extra_columns or {}).get(role, {}).items():
            lines.append(f"    columns:\n      {column}: {dtype}\n")
    for role, reason in missing.items():
        lines.append(f"  {role}:\n    missing: {reason}\n")
    (folder / "bundle.yaml").write_text("".join(lines), encoding="utf-8")
    return folder
