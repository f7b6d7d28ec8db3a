"""Foundation: errors, CRS choice, manifest, bundle loading and validation, CLI exit codes."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from geoplan.cli import main
from geoplan.crs import metric_crs, to_metric
from geoplan.errors import (
    BundleNotFoundError,
    CRSError,
    GeoplanError,
    LayerNotAvailableError,
    LayerValidationError,
)
from geoplan.layers import GeometryRepairWarning, load_bundle
from tests import synthetic


def test_error_hierarchy_inherits_builtins() -> None:
    assert issubclass(LayerValidationError, GeoplanError)
    assert issubclass(LayerValidationError, ValueError)
    assert issubclass(BundleNotFoundError, FileNotFoundError)
    err = LayerValidationError(["a: one", "b: two"], bundle="x")
    assert err.problems == ["a: one", "b: two"]
    assert "2 problems in bundle 'x'" in str(err)


@pytest.mark.parametrize(
    ("lon", "lat", "epsg"),
    [
        (105.85, 21.03, 32648),  # Hà Nội
        (106.68, 20.86, 32648),  # Hải Phòng
        (105.9, 18.34, 32648),  # Hà Tĩnh
        (106.7, 10.78, 32648),  # Hồ Chí Minh City: outside the window, auto-UTM gives 48N too
        (2.35, 48.85, 32631),  # Paris: auto-UTM 31N
        (-58.38, -34.6, 32721),  # Buenos Aires: auto-UTM 21S
    ],
)
def test_metric_crs_choice(lon: float, lat: float, epsg: int) -> None:
    series = gpd.GeoSeries([Point(lon, lat)], crs=4326)
    assert metric_crs(series).to_epsg() == epsg


def test_metric_crs_requires_crs() -> None:
    with pytest.raises(CRSError, match="no CRS"):
        metric_crs(gpd.GeoSeries([Point(105.8, 21.0)]))


def test_to_metric_measures_a_known_square() -> None:
    # a 1 km square built in UTM, sent to WGS84 and back, keeps its 1 km² within 1e-6
    units = synthetic.admin_units()
    back = to_metric(units.to_crs(4326))
    assert back.crs.to_epsg() == 32648
    assert back.area.tolist() == pytest.approx([1e6] * 4, rel=1e-6)


def test_synthetic_bundle_loads_and_validates(synthetic_bundle_path: Path) -> None:
    bundle = load_bundle(synthetic_bundle_path)
    report = bundle.validate()
    assert bundle.name == "synthetic"
    assert len(bundle.admin_units) == 4
    assert bundle.admin_units["population"].sum() == 40_000
    assert bundle.missing == {"water": "synthetic bundle has no water"}
    assert not bundle.has("water")
    assert {r.role: r.features for r in report.layers}["street_network"] == 40
    with pytest.raises(LayerNotAvailableError, match="synthetic bundle has no water"):
        bundle.layer("water")


def test_layer_is_a_copy(synthetic_bundle_path: Path) -> None:
    bundle = load_bundle(synthetic_bundle_path)
    units = bundle.admin_units
    units["population"] = 0
    assert bundle.admin_units["population"].sum() == 40_000


def test_unknown_bundle_names_known_ones() -> None:
    with pytest.raises(BundleNotFoundError, match="no bundle 'atlantis'"):
        load_bundle("atlantis")


def _broken_bundle(folder: Path) -> Path:
    """SYNTHETIC bundle with three problems: missing column, missing CRS, bow-tie polygon."""
    units = synthetic.admin_units().drop(columns=["population"])
    stations = synthetic.layers()["stations"].set_crs(None, allow_override=True)
    bowtie = Polygon([(585_100, 2_325_100), (585_300, 2_325_300), (585_300, 2_325_100),
                      (585_100, 2_325_300)])
    green = gpd.GeoDataFrame({"kind": ["park"]}, geometry=[bowtie], crs=synthetic.CRS)
    return synthetic.write_bundle(
        folder, replace={"admin_units": units, "stations": stations, "green_space": green}
    )


def test_validate_collects_all_problems(tmp_path: Path) -> None:
    bundle = load_bundle(_broken_bundle(tmp_path / "broken"))
    with pytest.raises(LayerValidationError) as info:
        bundle.validate(strict=True)
    problems = info.value.problems
    assert len(problems) == 3
    assert any("missing column 'population'" in p and "admin_units" in p for p in problems)
    assert any("no CRS" in p and "stations" in p for p in problems)
    assert any("invalid geometr" in p and "green_space" in p for p in problems)


def test_invalid_geometry_is_repaired_with_counted_warning(tmp_path: Path) -> None:
    bowtie = Polygon([(585_100, 2_325_100), (585_300, 2_325_300), (585_300, 2_325_100),
                      (585_100, 2_325_300)])
    green = gpd.GeoDataFrame({"kind": ["park", "park"]}, geometry=[bowtie, bowtie],
                             crs=synthetic.CRS)
    bundle = load_bundle(synthetic.write_bundle(tmp_path / "b", replace={"green_space": green}))
    with pytest.warns(GeometryRepairWarning, match="repaired 2 invalid geometries"):
        layer = bundle.green_space
    assert layer.is_valid.all()
    # the bow-tie's two triangles are each 200 * 100 / 2 m²
    assert layer.area.tolist() == pytest.approx([20_000.0, 20_000.0])


def test_cli_validate_reports_three_problems_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _broken_bundle(tmp_path / "broken")
    code = main(["layers", "validate", str(folder), "--strict"])
    err = capsys.readouterr().err
    assert code == 2
    assert "3 problems" in err
    assert "population" in err and "no CRS" in err and "invalid geometr" in err
    assert "Traceback" not in err


def test_cli_validate_ok_exits_0(synthetic_bundle_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", "validate", str(synthetic_bundle_path)]) == 0
    assert "7 layer(s) valid, 1 missing" in capsys.readouterr().out


def test_cli_unknown_bundle_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", "show", "atlantis"]) == 2
    assert "no bundle 'atlantis'" in capsys.readouterr().err
