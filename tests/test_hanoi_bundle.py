"""The committed real bundles (layers/): official figures, CLI views, reproduction from sources.

Official figures: Hà Nội has 126 units since 1 July 2025 (51 phường, 75 xã) and 3,359.8 km²;
the 2019 census counted 8,053,663 people (GSO); the operating urban rail is Line 2A Cát Linh–
Hà Đông (13.05 km, 12 stations) and the elevated section of Line 3 Nhổn–Cầu Giấy (8.5 km,
8 stations). Province census totals (GSO 2019): Hải Phòng 2,028,514 + Hải Dương 1,892,254;
Hà Tĩnh 1,288,866; Tuyên Quang 784,811 + Hà Giang 854,679.

The reproduction test rebuilds every bundle from ``../shared/data`` and compares it layer for
layer with the committed one; it is skipped when the shared data is absent.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan.cli import main
from geoplan.crs import NORTHERN_VIETNAM_CRS
from geoplan.layers import Bundle, default_layers_dir, load_bundle
from geoplan.layers.roles import role_spec
from tests.conftest import SHARED_DATA

CENSUS_2019 = 8_053_663
PROVINCE_CENSUS = {"haiphong": 2_028_514 + 1_892_254, "hatinh": 1_288_866,
                   "tuyenquang": 784_811 + 854_679}


def test_units_match_the_2025_reform(hanoi: Bundle) -> None:
    units = hanoi.admin_units
    assert len(units) == 126
    assert units["unit_type"].value_counts().to_dict() == {"xã": 75, "phường": 51}
    assert units["unit_id"].str.fullmatch(r"\d{5}").all() and units["unit_id"].is_unique
    area = units.to_crs(NORTHERN_VIETNAM_CRS).area.sum() / 1e6
    assert area == pytest.approx(3359.8, rel=0.01)
    outline = hanoi.city_boundary.to_crs(NORTHERN_VIETNAM_CRS).area.sum() / 1e6
    assert outline == pytest.approx(3359.8, rel=0.01)


def test_census_population_is_carried_exactly(hanoi: Bundle) -> None:
    units = hanoi.admin_units
    assert int(units["population"].sum()) == CENSUS_2019
    assert (units["population"] == units["urban_population"] + units["rural_population"]).all()
    assert (units["population"] > 0).all()
    # GSO 2019: 49.2% of Hà Nội's population was urban
    assert units["urban_population"].sum() / CENSUS_2019 == pytest.approx(0.492, abs=0.005)
    # xã (communes) are rural in the census: their urban people came from former townships
    communes = units[units["unit_type"] == "xã"]
    assert communes["rural_population"].sum() > 0.9 * communes["population"].sum()
    assert hanoi.manifest.statistics["population_2019"].value == CENSUS_2019


def test_inner_city_is_the_former_urban_districts(hanoi: Bundle) -> None:
    units = hanoi.admin_units
    inner = units[units["is_inner"]]
    # every inner unit is a ward (phường) and got most people from the 12 former quận
    assert (inner["unit_type"] == "phường").all()
    assert (inner["inner_share"] > 0.5).all() and (units.loc[~units["is_inner"],
                                                             "inner_share"] <= 0.5).all()
    assert inner["old_districts"].str.contains("Quận").all()
    # the 12 urban districts held 3,679,541 people less those of units that went mostly to
    # outer units; the inner city is a minority of the area but nearly half the population
    share = inner["population"].sum() / CENSUS_2019
    assert 0.40 < share < 0.50
    assert inner.to_crs(NORTHERN_VIETNAM_CRS).area.sum() / 1e6 < 400


def test_osm_2025_population_is_kept_apart_and_dated(hanoi: Bundle) -> None:
    units = hanoi.admin_units
    osm = units["population_2025_osm"]
    dated = units["population_2025_date"]
    assert osm.notna().sum() == 72
    # OSM dates 51 of them (2025-07-01, source gis.vn); 21 carry no date: left undated
    dated = dated.fillna("")
    assert (dated != "").sum() == 51 and (dated[dated != ""] == "2025-07-01").all()
    assert (dated[osm.isna()] == "").all()
    # an independent check of the apportionment: 2025 counts are of the same order as the
    # 2019 census in every unit that has one (the city grew ~8% in between)
    ratio = osm.dropna().astype(float) / units.loc[osm.notna(), "population"]
    assert 1.0 < float(ratio.median()) < 1.2
    assert ratio.between(0.4, 2.5).all()


def test_no_gadm_geometry_is_committed() -> None:
    for path in default_layers_dir().rglob("*"):
        if path.is_file():
            assert "gadm" not in path.name.lower()
    gpkg = default_layers_dir() / "hanoi" / "hanoi.gpkg"
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert layers == {"admin_units", "city_boundary", "river_axis", "river_corridors",
                      "metro_lines", "stations", "bus_stops"}


def test_operating_rail_and_stations(hanoi: Bundle) -> None:
    lines = hanoi.metro_lines
    operating = lines[lines["status"] == "operating"]
    km = operating.to_crs(NORTHERN_VIETNAM_CRS).length.sum() / 1000
    assert km == pytest.approx(21.6, rel=0.03)
    assert sorted(operating["line_id"]) == ["2A", "3"]
    assert set(operating["opening_date"]) == {"2021-11-06", "2024-08-08"}
    stations = hanoi.stations
    working = stations[stations["status"] == "operating"]
    assert len(working) == 20
    assert working.groupby("line_id").size().to_dict() == {"2A": 12, "3": 8}
    assert working["name"].is_unique


def test_bus_stops_are_partial_and_inside_the_city(hanoi: Bundle) -> None:
    entry = hanoi.entry("bus_stops")
    assert entry.coverage == "partial" and "units" in entry.coverage_note
    stops = hanoi.bus_stops
    outline = hanoi.city_boundary.union_all()
    assert stops.within(outline).all()
    covered = stops.loc[stops["unit_id"] != "", "unit_id"].nunique()
    assert 40 <= covered < 126


def test_street_network_is_ready_for_routing(hanoi: Bundle) -> None:
    streets = hanoi.street_network
    assert len(streets) > 50_000
    assert (streets["length_m"] > 0).all()
    metric = streets.to_crs(NORTHERN_VIETNAM_CRS).length
    assert np.allclose(metric, streets["length_m"], rtol=0.01, atol=0.5)
    assert not streets["highway"].isin(["motorway", "motorway_link"]).any()


def test_missing_roles_say_why(hanoi: Bundle) -> None:
    assert set(hanoi.missing) == {"water", "green_space", "land_use"}
    for reason in hanoi.missing.values():
        assert "import-osm" in reason


@pytest.mark.parametrize("name", sorted(PROVINCE_CENSUS))
def test_province_statistics_bundles(name: str) -> None:
    bundle = load_bundle(name)
    stats = bundle.manifest.statistics
    assert stats["population_2019"].value == PROVINCE_CENSUS[name]
    assert 0 < stats["urban_population_2019"].value < stats["population_2019"].value
    assert bundle.roles == ["city_boundary", "population_raster"]
    assert "GADM" in bundle.why_missing("admin_units")
    bundle.validate()


def test_haiphong_keeps_the_pre_merger_city_for_its_plan() -> None:
    """The 06-NQ/TW programme of Hải Phòng predates the 2025 merger with Hải Dương: its
    urbanisation target is judged on the former city (GSO 2019: 924,741 urban of 2,028,514)."""
    from geoplan.analyses.urbanisation import urbanisation_rate

    bundle = load_bundle("haiphong")
    stats = bundle.manifest.statistics
    assert stats["population_2019_pre2025"].value == 2_028_514
    assert stats["urban_population_2019_pre2025"].value == 924_741
    merged = urbanisation_rate(bundle)
    former = urbanisation_rate(bundle, territory="pre2025")
    assert former.city == pytest.approx(100 * 924_741 / 2_028_514)
    assert merged.city == pytest.approx(100 * (924_741 + 477_448) / PROVINCE_CENSUS["haiphong"])


def test_cli_show_lists_layers_and_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", "show", "hanoi"]) == 0
    out = capsys.readouterr().out
    for role in ("admin_units", "metro_lines", "street_network", "population_raster"):
        assert role in out
    assert "126" in out and "EPSG:4326" in out and "ODbL" in out
    assert "water: no data:" in out.replace("\n", " ")


def test_cli_validate_hanoi(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers", "validate", "hanoi"]) == 0
    assert "hanoi: 9 layer(s) valid, 3 missing, 0 geometries repaired" in capsys.readouterr().out


# -- reproduction from ../shared/data ---------------------------------------------------------
def _fingerprint(bundle: Bundle) -> dict[str, object]:
    """Feature counts and checksums of attributes and geometry (1e-7°) per role."""
    out: dict[str, object] = {}
    for role in bundle.roles:
        if role_spec(role).kind == "raster":
            import rasterio

            with rasterio.open(bundle.raster_path(role)) as src:
                out[role] = (src.shape, tuple(src.bounds),
                             hashlib.sha256(src.read().tobytes()).hexdigest())
            continue
        data: gpd.GeoDataFrame = bundle.layer(role)
        attrs = pd.DataFrame(data.drop(columns=data.geometry.name)).astype(str)
        geoms = shapely.to_wkb(shapely.set_precision(data.geometry.to_numpy(), 1e-7))
        out[role] = (
            len(data),
            list(attrs.columns),
            hashlib.sha256(pd.util.hash_pandas_object(attrs, index=False).to_numpy()
                           .tobytes()).hexdigest(),
            hashlib.sha256(b"".join(geoms)).hexdigest(),
        )
    return out


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")
@pytest.mark.parametrize("name", ["hanoi", "haiphong", "hatinh", "tuyenquang", "vietnam"])
def test_build_reproduces_the_committed_bundle(name: str, tmp_path: Path) -> None:
    from geoplan.layers.build import build_bundle

    rebuilt = load_bundle(build_bundle(name, source=SHARED_DATA, layers_dir=tmp_path))
    committed = load_bundle(name)
    assert rebuilt.manifest == committed.manifest
    assert (rebuilt.path / "SOURCES.md").read_text(encoding="utf-8") == \
        (committed.path / "SOURCES.md").read_text(encoding="utf-8")
    assert _fingerprint(rebuilt) == _fingerprint(committed)
