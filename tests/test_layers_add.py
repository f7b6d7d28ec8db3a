"""``geoplan layers add``: each format, renames, the VN-2000 round trip, TT 08/2024 codes.

The VN-2000 fixtures of tests/data/ are DERIVED from the real Hà Nội bundle (ten admin units,
simplified, reprojected to VN-2000 / TM-3 105°00' with the inverse of the official
parameters; see tests/data/make_vn2000_fixtures.py). Land-use squares are SYNTHETIC.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer
from pyproj.transformer import TransformerGroup

from geoplan import _vn2000
from geoplan.analyses.landuse import transport_land_ratio, urban_land_ratio
from geoplan.layers import load_bundle
from geoplan.layers.add import add_layer, parse_columns
from geoplan.layers.landuse_codes import TT08_CODES, map_land_use_codes
from tests._hostile import cli

DATA = Path(__file__).resolve().parent / "data"
ROOT = Path(__file__).resolve().parents[1]
#: The office column names of the fixtures → the admin_units contract.
COLUMNS = {"unit_id": "MA_XA", "name": "TEN_XA", "unit_type": "LOAI", "population": "DAN_SO",
           "urban_population": "DS_DOTHI", "rural_population": "DS_NONGTH",
           "is_inner": "NOI_THANH"}
COLUMNS_ARG = ",".join(f"{t}={s}" for t, s in COLUMNS.items())


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def _areas(gdf: gpd.GeoDataFrame) -> np.ndarray:
    return shapely.area(gdf.to_crs(32648).geometry.to_numpy())


# -- VN-2000 ----------------------------------------------------------------------------------
def test_datum_shift_is_epsg_6960_coordinate_frame() -> None:
    """The decision's parameters with their signs are EPSG:6960, coordinate frame; reading the
    same signs as position vector (a PROJ.4 +towgs84 string) moves points by > 0.2 m."""
    import json

    group = TransformerGroup(4756, 4326)
    docs = [json.loads(t.to_json()) for t in group.transformers]
    doc = next(d for d in docs if d["name"] == "VN-2000 to WGS 84 (2)")
    assert doc["id"] == {"authority": "EPSG", "code": 6960}
    assert doc["method"]["name"] == "Coordinate Frame rotation (geog2D domain)"
    values = [p["value"] for p in doc["parameters"]]
    p = _vn2000.TO_WGS84
    assert values == [p["x"], p["y"], p["z"], p["rx"], p["ry"], p["rz"], p["s"]]
    epsg = Transformer.from_pipeline("urn:ogc:def:coordinateOperation:EPSG::6960")
    _, ours = _vn2000.to_wgs84_transform(_vn2000.VN2000)
    flipped = Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad +step +proj=cart "
        f"+ellps=WGS84 +step +proj=helmert +x={p['x']} +y={p['y']} +z={p['z']} "
        f"+rx={p['rx']} +ry={p['ry']} +rz={p['rz']} +s={p['s']} +convention=position_vector "
        "+step +inv +proj=cart +ellps=WGS84 +step +proj=unitconvert +xy_in=rad +xy_out=deg")
    geod = __import__("pyproj").Geod(ellps="WGS84")
    for lon, lat in ((105.85, 21.03), (106.70, 10.78), (108.22, 16.05)):  # HN, HCMC, ĐN
        lat_e, lon_e = epsg.transform(lat, lon)  # EPSG:4756 is latitude first
        lon_o, lat_o = ours.transform(lon, lat)
        lon_f, lat_f = flipped.transform(lon, lat)
        assert geod.inv(lon_e, lat_e, lon_o, lat_o)[2] < 0.001
        assert geod.inv(lon_e, lat_e, lon_f, lat_f)[2] > 0.2
        assert 150 < geod.inv(lon, lat, lon_o, lat_o)[2] < 300  # the datum shift itself


def test_meridians_match_the_epsg_areas_of_use() -> None:
    """Every zone is k0 0.9999, FE 500 km at its meridian; EPSG names 53 provinces' zones."""
    ascii_name = {k: _vn2000.province_key(p.name) for k, p in _vn2000.PROVINCES.items()}
    checked = 0
    for meridian, code in _vn2000.MERIDIAN_EPSG.items():
        crs = CRS.from_epsg(code)
        params = {q.name: q.value for q in crs.coordinate_operation.params}
        assert params["Longitude of natural origin"] == meridian
        assert params["Scale factor at natural origin"] == 0.9999
        assert params["False easting"] == 500000
        area = crs.area_of_use.name
        words = _vn2000.province_key(area)
        if "TM-3 zone" in crs.name:  # 48x/49x zones name no province
            continue
        for key in (k for k, a in ascii_name.items() if a in words):
            assert _vn2000.PROVINCES[key].meridian == meridian, (key, code, area)
            checked += 1
    assert checked >= 53
    assert _vn2000.PROVINCES["hanoi"].meridian == 105.0
    assert _vn2000.PROVINCES["haiphong"].meridian == 105.75
    assert _vn2000.PROVINCES["hatinh"].meridian == 105.5
    assert _vn2000.PROVINCES["tuyenquang"].meridian == 106.0
    assert _vn2000.PROVINCES["hochiminh"].meridian == 105.75


def test_new_provinces_cover_the_old_ones_once() -> None:
    parts = [k for group in _vn2000.NEW_PROVINCES.values() for k in group]
    assert len(_vn2000.NEW_PROVINCES) == 34
    assert sorted(parts) == sorted(_vn2000.PROVINCES) and len(parts) == 63
    zone = _vn2000.zone_for("Hải Phòng")
    assert zone.meridian == 105.75 and zone.provinces == ("haiphong", "haiduong")
    assert _vn2000.zone_for("haiduong").meridian == 105.5
    assert _vn2000.zone_for("TP. Hồ Chí Minh").crs.to_epsg() == 9210
    assert _vn2000.zone_for("105-45").meridian == _vn2000.zone_for("105.75").meridian == 105.75


@pytest.mark.parametrize(("name", "crs"), [
    ("hanoi_units_vn2000.shp", None),
    ("hanoi_units_vn2000_noprj.shp", "vn2000:hanoi"),
    ("hanoi_units_vn2000_noprj.shp", "vn2000:105-00"),
    ("hanoi_units_vn2000.tab", "vn2000:hanoi"),
])
def test_vn2000_round_trip(tmp_path: Path, name: str, crs: str | None) -> None:
    """Units read back within 0.1 % of the original areas and 5 cm of the original shapes."""
    before = _digest(DATA)
    result = add_layer("own", "admin_units", DATA / name, crs=crs, columns=COLUMNS,
                       layers_dir=tmp_path)
    assert _digest(DATA) == before  # the inputs are never modified
    assert result.features == 10 and "EPSG:6960" in result.crs
    units = load_bundle(tmp_path / "own").admin_units
    ref = gpd.read_file(DATA / "hanoi_units_wgs84.geojson")
    assert units["unit_id"].tolist() == ref["unit_id"].tolist()
    assert units["name"].tolist() == ref["name"].tolist()  # UTF-8 text intact
    ratio = _areas(units) / units["DT_M2"].to_numpy()
    assert np.all(np.abs(ratio - 1) < 0.001)
    assert np.allclose(_areas(units), _areas(ref), rtol=1e-5)
    moved = shapely.hausdorff_distance(units.to_crs(32648).geometry.to_numpy(),
                                       ref.to_crs(32648).geometry.to_numpy())
    assert moved.max() < 0.05
    real = load_bundle(ROOT / "layers" / "hanoi").admin_units.set_index("unit_id")
    assert (units.set_index("unit_id")["population"] == real.loc[units["unit_id"],
                                                                  "population"]).all()


def test_other_formats(tmp_path: Path) -> None:
    """GeoJSON as it is, a GeoPackage layer chosen with --layer, GeoParquet."""
    ref = gpd.read_file(DATA / "hanoi_units_wgs84.geojson")
    add_layer("a", "admin_units", DATA / "hanoi_units_wgs84.geojson", layers_dir=tmp_path)
    gpkg = tmp_path / "in.gpkg"
    ref.to_file(gpkg, layer="units")
    ref.head(2).to_file(gpkg, layer="other")
    add_layer("b", "admin_units", gpkg, layer="units", layers_dir=tmp_path)
    parquet = tmp_path / "in.parquet"
    ref.to_parquet(parquet)
    add_layer("c", "admin_units", parquet, layers_dir=tmp_path)
    for name in "abc":
        got = load_bundle(tmp_path / name).admin_units
        assert np.allclose(_areas(got), _areas(ref), rtol=1e-9)
        assert got["name"].tolist() == ref["name"].tolist()


def test_renames_ignore_case_and_keep_other_columns(tmp_path: Path) -> None:
    cols = {t: s.lower() for t, s in COLUMNS.items()}
    result = add_layer("own", "admin_units", DATA / "hanoi_units_vn2000.shp", columns=cols,
                       layers_dir=tmp_path)
    units = load_bundle(tmp_path / "own").admin_units
    assert "column name from TEN_XA" in result.notes
    assert "TEN_XA" not in units.columns and "DT_M2" in units.columns
    assert parse_columns(["name=TEN_XA,population=DAN_SO", "unit_id=MA_XA"]) == {
        "name": "TEN_XA", "population": "DAN_SO", "unit_id": "MA_XA"}


def test_cli_adds_and_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = cli(["layers", "add", "own", "admin_units",
                   str(DATA / "hanoi_units_vn2000_noprj.shp"), "--crs", "vn2000:hanoi",
                   "--columns", COLUMNS_ARG, "--source", "Sở TN&MT (DERIVED test file)",
                   "--licence", "ODbL 1.0", "--layers-dir", str(tmp_path)], capsys)
    assert code == 0
    entry = load_bundle(tmp_path / "own").entry("admin_units")
    assert entry.source == "Sở TN&MT (DERIVED test file)" and entry.licence == "ODbL 1.0"
    assert "VN-2000 / TM-3 105°00'" in entry.method


# -- extents ----------------------------------------------------------------------------------
def test_extents(tmp_path: Path) -> None:
    """Polygons: their union; points: hull + 100 m; boundary: the city's outline."""
    ref = gpd.read_file(DATA / "hanoi_units_wgs84.geojson")
    add_layer("x", "admin_units", DATA / "hanoi_units_wgs84.geojson", layers_dir=tmp_path)
    bundle = load_bundle(tmp_path / "x")
    union = shapely.union_all(ref.geometry.to_numpy())
    extent = bundle.extent("admin_units")
    assert extent is not None
    assert shapely.area(shapely.symmetric_difference(extent, union)) / shapely.area(union) < 0.01
    boundary = gpd.GeoDataFrame({"name": ["SYNTHETIC city"]}, geometry=[union.envelope], crs=4326)
    boundary.to_file(tmp_path / "boundary.geojson")
    add_layer("x", "city_boundary", tmp_path / "boundary.geojson", layers_dir=tmp_path)
    stops = gpd.GeoDataFrame({"stop_id": ["A", "B", "C"]},  # SYNTHETIC stops
                             geometry=gpd.points_from_xy([585000, 586000, 585000],
                                                         [2325000, 2325000, 2326000]),
                             crs=32648)
    stops.to_file(tmp_path / "stops.geojson")
    boundary_utm = gpd.GeoDataFrame(geometry=[shapely.box(584000, 2324000, 587000, 2327000)],
                                    crs=32648).to_crs(4326)
    gpd.GeoDataFrame({"name": ["SYNTHETIC"]}, geometry=boundary_utm.geometry).to_file(
        tmp_path / "b2.geojson")
    add_layer("y", "city_boundary", tmp_path / "b2.geojson", layers_dir=tmp_path)
    add_layer("y", "bus_stops", tmp_path / "stops.geojson", layers_dir=tmp_path)
    hull = load_bundle(tmp_path / "y").extent("bus_stops")
    assert hull is not None
    area = shapely.area(gpd.GeoSeries([hull], crs=4326).to_crs(32648).iloc[0])
    expected = 0.5e6 + 1000 * 100 * (2 + 2 ** 0.5) + np.pi * 100 ** 2  # triangle ⊕ disc
    assert area == pytest.approx(expected, rel=0.01)
    add_layer("y", "bus_stops", tmp_path / "stops.geojson", extent="boundary", replace=True,
              layers_dir=tmp_path)
    y = load_bundle(tmp_path / "y")
    same = y.extent("bus_stops")
    assert same is not None and y.entry("bus_stops").previous is not None
    outline = y.city_boundary.geometry.iloc[0]
    assert shapely.area(shapely.symmetric_difference(same, outline)) < 1e-3 * outline.area


# -- TT 08/2024 land-use codes ------------------------------------------------------------------
def test_codes_map_to_what_the_indicators_count() -> None:
    from geoplan.analyses.landuse import TRANSPORT_CLASSES, URBAN_CONSTRUCTION_CLASSES

    for code in TT08_CODES.values():
        if code.kind == "group":
            continue
        assert (code.value in URBAN_CONSTRUCTION_CLASSES) == (code.kind != "other"), code
        assert (code.value in TRANSPORT_CLASSES) == (code.kind == "transport"), code
    m = map_land_use_codes(pd.Series(["ODT", " dgt", "ONT", "PNN", "XYZ", None]),
                           unknown="keep")
    assert m.values.tolist() == ["odt", "dgt", "ont", "PNN", "XYZ", ""]
    assert m.unknown == {"PNN": 1, "XYZ": 1, "(empty)": 1}
    assert "group code" in m.unknown_text() and "'XYZ' × 1" in m.unknown_text()


def _square(x: float, y: float, side: float = 100.0) -> shapely.Polygon:
    return shapely.box(x, y, x + side, y + side)


def test_land_use_codes_hand_computed(tmp_path: Path) -> None:
    """SYNTHETIC: a 1 km² unit mapped wall to wall: four 1 ha parcels ODT, DGT, LUC, DTS and
    the remaining 96 ha as one LUC parcel (a land-use map covers its whole unit; a patchy one
    would leave the unit partly outside the layer's extent, and then it gets no value).

    Urban construction land = ODT + DGT + DTS = 3 ha of 100 ha → 3 %; transport land =
    DGT = 1 ha of the 3 ha → 33.33 %. LUC (paddy) is not counted.
    """
    x0, y0 = 585000.0, 2325000.0
    unit = gpd.GeoDataFrame({"unit_id": ["S1"], "name": ["SYNTHETIC unit"],
                             "unit_type": ["phường"], "population": [10000],
                             "urban_population": [10000], "rural_population": [0],
                             "is_inner": [True]}, geometry=[_square(x0, y0, 1000)], crs=32648)
    unit.to_file(tmp_path / "unit.geojson")
    small = [_square(x0 + 100 + 200 * i, y0 + 100) for i in range(4)]
    rest = _square(x0, y0, 1000).difference(shapely.union_all(small))
    assert rest.area == pytest.approx(960_000.0)
    parcels = gpd.GeoDataFrame({"MA_LOAI": ["ODT", "DGT", "luc ", "DTS", "LUC"]},
                               geometry=[*small, rest], crs=32648)
    parcels.to_file(tmp_path / "landuse.shp")
    add_layer("lu", "admin_units", tmp_path / "unit.geojson", layers_dir=tmp_path)
    add_layer("lu", "land_use", tmp_path / "landuse.shp", columns={"land_use": "MA_LOAI"},
              layers_dir=tmp_path)
    bundle = load_bundle(tmp_path / "lu")
    land = bundle.land_use
    assert land["land_use"].tolist() == ["odt", "dgt", "luc", "institutional", "luc"]
    assert land["MA_LOAI"].tolist() == ["ODT", "DGT", "luc", "DTS", "LUC"]  # .dbf trims
    assert land["land_use_name"].iloc[1] == "Đất giao thông"
    assert urban_land_ratio(bundle).city == pytest.approx(3.0, rel=1e-4)
    ratio = transport_land_ratio(bundle, road_estimate=False)
    assert ratio.city == pytest.approx(100 / 3, rel=1e-4)


def test_inputs_untouched_when_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder, ignore=shutil.ignore_patterns("*.bz2", "*.py"))
    before = _digest(folder)
    with pytest.raises(ValueError, match="no column 'TEN_PHUONG'"):
        add_layer("own", "admin_units", folder / "hanoi_units_vn2000.shp",
                  columns={**COLUMNS, "name": "TEN_PHUONG"}, layers_dir=tmp_path)
    assert _digest(folder) == before
    assert not (tmp_path / "own").exists()
