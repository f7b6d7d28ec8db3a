"""Bundle builders: population apportionment, .poly reading and bundle writing.

Geometries and numbers here are SYNTHETIC (hand-made, with hand-computed answers) unless a test
says it reads ``../shared/data``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from geoplan.errors import OutputError, SourceDataError
from geoplan.layers import load_bundle
from geoplan.layers.build import build_spec
from geoplan.layers.build._admin import apportion, largest_remainder
from geoplan.layers.build._bundle import BundleSpec, staging_folder, write_bundle
from geoplan.layers.build._common import BuiltLayer
from geoplan.layers.build._provinces import read_poly
from geoplan.layers.manifest import LayerEntry, Statistic


@pytest.mark.parametrize(
    ("total", "weights", "expected"),
    [
        (10, [1, 1, 1], [4, 3, 3]),          # 3.33 each: the first gets the leftover
        (7, [0.5, 0.25, 0.25], [3, 2, 2]),   # 3.5, 1.75, 1.75 -> 3,1,1; 2 left go to the .75s
        (5, [0, 1], [0, 5]),
        (0, [2, 3], [0, 0]),
        (1, [0.2, 0.8], [0, 1]),
    ],
)
def test_largest_remainder_is_exact(total: int, weights: list[float],
                                    expected: list[int]) -> None:
    shares = largest_remainder(total, np.array(weights, dtype=float))
    assert shares.tolist() == expected
    assert int(shares.sum()) == total


def _census() -> pd.DataFrame:
    # SYNTHETIC: three 2019 wards
    return pd.DataFrame({"ward_id": ["w1", "w2", "w3"], "urban": [100, 0, 9],
                         "rural": [0, 50, 1]})


def _geoms() -> tuple[gpd.GeoSeries, gpd.GeoSeries]:
    # SYNTHETIC, metres: 2025 units A = [0,2]x[0,1] and B = [2,4]x[0,1];
    # ward w2 covers x in [1,4]: 1/3 of it lies in A, 2/3 in B; w3 lies far away.
    new = gpd.GeoSeries({"a": box(0, 0, 2, 1), "b": box(2, 0, 4, 1)}, crs=32648)
    old = gpd.GeoSeries({"w1": box(0, 0, 1, 1), "w2": box(1, 0, 4, 1),
                         "w3": box(10, 10, 11, 11)}, crs=32648)
    return old, new


def test_apportion_by_area_and_default() -> None:
    old, new = _geoms()
    pieces = apportion(
        _census(), ["k1", "k2", "k3"], [False, True, False],
        whole={"k1": "a"},
        divided={"k2": [{"newWardKey": "a", "isDefaultNewWard": False},
                        {"newWardKey": "b", "isDefaultNewWard": True}],
                 "k3": [{"newWardKey": "a", "isDefaultNewWard": False},
                        {"newWardKey": "b", "isDefaultNewWard": True}]},
        old_geoms=old, new_geoms=new,
    )
    first, second, third = pieces
    assert (first.new_keys, first.urban, first.rural, first.basis) == (("a",), (100,), (0,),
                                                                      "whole")
    # 50 rural people in w2 split 1/3 : 2/3 by area -> 16.67 / 33.33 -> 17 / 33
    assert second.basis == "area" and second.via_keyword
    assert second.rural == (17, 33) and second.urban == (0, 0)
    assert second.weights == pytest.approx((1 / 3, 2 / 3))
    # w3 overlaps neither listed unit: everything to the default unit (b)
    assert third.basis == "default" and third.urban == (0, 9) and third.rural == (0, 1)
    carried = sum(sum(p.urban) + sum(p.rural) for p in pieces)
    assert carried == int(_census()[["urban", "rural"]].to_numpy().sum())


def test_apportion_by_raster_population(tmp_path: Path) -> None:
    import rasterio
    from affine import Affine

    # SYNTHETIC raster in EPSG:32648: two 1 m pixels over x in [1,3], 90 people in [1,2]
    # (inside A) and 10 in [2,3] (inside B); nothing in [3,4].
    path = tmp_path / "people.tif"
    data = np.array([[0.0, 90.0, 10.0, 0.0]], dtype="float32")
    with rasterio.open(path, "w", driver="GTiff", width=4, height=1, count=1, dtype="float32",
                       crs="EPSG:32648", transform=Affine(1, 0, 0, 0, -1, 1)) as dst:
        dst.write(data, 1)
    old, new = _geoms()
    (piece,) = apportion(
        _census().iloc[[1]], ["k2"], [False], whole={},
        divided={"k2": [{"newWardKey": "a", "isDefaultNewWard": False},
                        {"newWardKey": "b", "isDefaultNewWard": True}]},
        old_geoms=old, new_geoms=new, raster=path,
    )
    assert piece.basis == "population"
    assert piece.weights == pytest.approx((0.9, 0.1))
    assert piece.rural == (45, 5)


def test_apportion_rejects_units_outside_the_conversion() -> None:
    old, new = _geoms()
    with pytest.raises(SourceDataError, match="k9 of 1 January 2025 is not in"):
        apportion(_census().iloc[[0]], ["k9"], [False], whole={}, divided={},
                  old_geoms=old, new_geoms=new)


def test_read_poly_with_hole(tmp_path: Path) -> None:
    path = tmp_path / "area.poly"  # SYNTHETIC Osmosis .poly: a 4x4 square with a 1x1 hole
    path.write_text("area\n1\n 0 0\n 4 0\n 4 4\n 0 4\n 0 0\nEND\n!2\n 1 1\n 2 1\n 2 2\n 1 2\n"
                    " 1 1\nEND\nEND\n", encoding="utf-8")
    outline = read_poly(path)
    assert outline.area == pytest.approx(15.0)
    assert not outline.contains(Point(1.5, 1.5)) and outline.contains(Point(3, 3))


def test_read_poly_rejects_garbage(tmp_path: Path) -> None:
    path = tmp_path / "bad.poly"
    path.write_text("area\n1\n zero nought\nEND\nEND\n", encoding="utf-8")
    with pytest.raises(SourceDataError, match=r"bad\.poly: not an Osmosis \.poly"):
        read_poly(path)


def _spec() -> BundleSpec:
    town = gpd.GeoDataFrame({"name": ["Town (SYNTHETIC)"]},
                            geometry=[box(105.80, 21.00, 105.82, 21.02)], crs=4326)
    return BundleSpec(
        name="town", title="Town", description="SYNTHETIC", country="VN",
        metric_crs="EPSG:32648", attribution="SYNTHETIC", data_date=date(2026, 1, 1),
        layers=[BuiltLayer("city_boundary", LayerEntry(source="hand-made | test"), town,
                           file="town.gpkg"),
                BuiltLayer("green_space", LayerEntry(missing="none in the test"))],
        statistics={"population_2019": Statistic(value=1234.0, unit="people",
                                                 date="2019-04-01", source="SYNTHETIC")},
    )


def test_write_bundle_is_loadable_and_reproducible(tmp_path: Path) -> None:
    digests = []
    for run in ("one", "two"):
        target = tmp_path / run / "town"
        with staging_folder(target) as stage:
            write_bundle(_spec(), stage, built_with="test")
        bundle = load_bundle(target)
        assert bundle.validate().layers[0].features == 1
        assert bundle.missing == {"green_space": "none in the test"}
        assert bundle.entry("city_boundary").crs == "EPSG:4326"
        sources = (target / "SOURCES.md").read_text(encoding="utf-8")
        assert "hand-made \\| test" in sources and "none in the test" in sources
        assert "| population_2019 | 1,234 | people |" in sources
        digests.append({p.name: p.read_bytes() for p in sorted(target.iterdir())})
    assert digests[0] == digests[1]


def test_interrupted_build_keeps_the_previous_bundle(tmp_path: Path) -> None:
    target = tmp_path / "town"
    with staging_folder(target) as stage:
        write_bundle(_spec(), stage, built_with="test")
    before = (target / "bundle.yaml").read_bytes()
    with pytest.raises(KeyboardInterrupt), staging_folder(target) as stage:
        (stage / "bundle.yaml").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert (target / "bundle.yaml").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["town"]


def test_staging_folder_in_unwritable_place(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="choose a writable --layers-dir"), \
            staging_folder(blocker / "town"):
        pass


def test_build_spec_errors_name_the_fix(tmp_path: Path) -> None:
    with pytest.raises(SourceDataError, match=r"no builder for bundle 'paris'.*import-osm"):
        build_spec("paris", tmp_path, workdir=tmp_path)
    with pytest.raises(SourceDataError, match="does not exist; pass --source"):
        build_spec("hanoi", tmp_path / "nowhere", workdir=tmp_path)
    with pytest.raises(SourceDataError, match="not found; pass --source pointing at shared"):
        build_spec("hatinh", tmp_path, workdir=tmp_path)
