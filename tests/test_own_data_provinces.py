"""Any province from the national bundle: ``vietnam``, the census module, ``layers new``.

Official figures: the 2019 census (GSO) counts 96,208,984 people in Vietnam, 34.43 % urban;
Hà Tĩnh 1,288,866 (19.54 % urban); the 2025 provinces have 126 (Hà Nội), 114 (Hải Phòng),
124 (Tuyên Quang) and 69 (Hà Tĩnh) communes. Land-use files here are SYNTHETIC (two
pieces of the real province outline, coded by TT 08/2024), written to ``tmp_path``; the
commune polygons are the real OSM ones of the committed Hà Nội bundle (ODbL).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import box

from geoplan.errors import GeoplanError, OutputError, SourceDataError
from geoplan.layers import load_bundle
from geoplan.layers.add import add_layer
from geoplan.layers.census import (
    UnknownProvinceError,
    find_province,
    name_key,
    province_communes,
    provinces,
    units_population,
)
from geoplan.layers.new import new_province_bundle
from geoplan.workflows.run import run_recipe
from tests._hostile import cli
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 6, 1)


# -- the national bundle --------------------------------------------------------------------------
def test_vietnam_has_the_34_provinces_with_the_census_totals() -> None:
    table = provinces()
    assert len(table) == 34 and table.index.is_unique
    assert int(table["population"].sum()) == 96_208_984
    urban = 100 * table["urban_population"].sum() / table["population"].sum()
    assert round(urban, 2) == 34.43
    assert (table["urban_population"] + table["rural_population"]
            == table["population"]).all()
    assert int(table["census_wards"].sum()) == 11_165
    # WorldPop 2000 and 2020 per province, and their national sums in the statistics
    stats = load_bundle("vietnam").manifest.statistics
    assert stats["population_2019"].value == 96_208_984
    assert int(table["worldpop_2000"].sum()) == stats["worldpop_2000"].value
    assert int(table["worldpop_2020"].sum()) == stats["worldpop_2020"].value
    assert stats["worldpop_2000"].value < stats["worldpop_2020"].value


def test_communes_carry_the_census_and_keep_every_person() -> None:
    table = provinces()
    counts = {"01": 126, "31": 114, "08": 124, "42": 69}
    total = 0
    for code, row in table.iterrows():
        communes = province_communes(str(code))
        if code in counts:
            assert len(communes) == counts[str(code)]
        # every 2019 person is in one commune or in the province's unassigned count
        assert int(communes["population"].sum()) + int(row["unassigned_people"]) == \
            int(row["population"])
        assert (communes["urban_population"] + communes["rural_population"]
                == communes["population"]).all()
        total += len(communes)
    assert total == 3_321
    hanoi = province_communes("Hà Nội")
    assert int(hanoi["population"].sum()) == 8_053_663  # every Hà Nội ward resolved


@pytest.mark.parametrize(("name", "code"), [
    ("Hà Tĩnh", "42"), ("Tỉnh Hà Tĩnh", "42"), ("ha tinh", "42"), ("42", "42"), (42, "42"),
    ("Thành phố Hồ Chí Minh", "79"), ("Hải Phòng", "31"), ("Tuyên Quang", "08"),
    ("Hải Dương", "31"), ("Hà Giang", "08"),  # former provinces: the province they joined
])
def test_find_province(name: str | int, code: str) -> None:
    assert find_province(name).code == code


def test_province_figures() -> None:
    hatinh = find_province("Hà Tĩnh")
    assert (hatinh.population, round(hatinh.urban_share, 2)) == (1_288_866, 19.54)
    assert round(find_province("Hồ Chí Minh").urban_share, 2) == 77.45
    # the committed statistics bundles were built from the same census
    for bundle, name in (("hatinh", "Hà Tĩnh"), ("haiphong", "Hải Phòng"),
                         ("tuyenquang", "Tuyên Quang")):
        stats = load_bundle(bundle).manifest.statistics
        assert stats["population_2019"].value == find_province(name).population


def test_unknown_province_names_the_closest() -> None:
    with pytest.raises(UnknownProvinceError, match="did you mean Hà Tĩnh") as info:
        find_province("Ha Tinhh")
    assert isinstance(info.value, LookupError) and isinstance(info.value, GeoplanError)
    with pytest.raises(UnknownProvinceError, match="none of the 34"):
        find_province("Atlantis")


def test_name_key() -> None:
    assert name_key("Phường Văn Miếu - Quốc Tử Giám") == "vanmieuquoctugiam"
    assert name_key("Xã Đông Anh") == name_key("xa dong anh") == "donganh"
    assert name_key("Đặc khu Phú Quốc") == "phuquoc"


# -- census population for commune polygons -------------------------------------------------------
def _hanoi_polygons() -> gpd.GeoDataFrame:
    units = load_bundle("hanoi").layer("admin_units")
    return units[["unit_id", "name", "population", "is_inner", "geometry"]].reset_index(drop=True)


def test_units_population_on_the_real_hanoi_communes() -> None:
    real = _hanoi_polygons()
    got = units_population(real[["name", "geometry"]])  # matched by name alone
    assert got["unit_id"].tolist() == real["unit_id"].tolist()
    assert int(got["population"].sum()) == 8_053_663
    assert (got["province_code"] == "01").all()
    # the bundle shares divided units by where people live; the national table gives them
    # to the conversion's default commune: the split differs, the inner city all but Yên Sở
    differ = real.loc[got["is_inner"].to_numpy() != real["is_inner"].to_numpy(), "name"]
    assert differ.tolist() == ["Phường Yên Sở"]


def test_units_population_prefers_the_official_code() -> None:
    real = _hanoi_polygons().iloc[:3].copy()
    real["name"] = ["SYNTHETIC wrong name 1", "SYNTHETIC wrong name 2", "SYNTHETIC 3"]
    got = units_population(real[["unit_id", "name", "geometry"]])
    table = province_communes("01")
    assert got["population"].tolist() == table.loc[real["unit_id"], "population"].tolist()


def test_units_population_lists_every_unmatched_unit() -> None:
    real = _hanoi_polygons().iloc[:3][["name", "geometry"]].copy()
    real["name"] = ["Phường Không Có", "Xã Không Có", real["name"].iloc[2]]
    with pytest.raises(SourceDataError) as info:
        units_population(real)
    text = str(info.value)
    assert "2 unit(s)" in text and "Phường Không Có" in text and "Xã Không Có" in text
    no_crs = gpd.GeoDataFrame({"name": ["x"]}, geometry=[box(0, 0, 1, 1)])
    with pytest.raises(SourceDataError, match="no CRS"):
        units_population(no_crs)
    twice = _hanoi_polygons().iloc[[0, 0]][["name", "geometry"]]
    with pytest.raises(SourceDataError, match="same commune"):
        units_population(twice)


# -- geoplan layers new ----------------------------------------------------------------------------
def _geodesic_area(geom: shapely.Geometry) -> float:
    return abs(Geod(ellps="WGS84").geometry_area_perimeter(geom)[0])


def _land_use_file(bundle: Path, west: str, east: str, tmp: Path) -> tuple[Path, float]:
    """SYNTHETIC land use: the province outline cut at its middle longitude into a west piece
    coded ``west`` and an east piece coded ``east`` (TT 08/2024 codes, column MA_LOAI)."""
    outline = shapely.union_all(load_bundle(bundle).city_boundary.to_crs(4326).geometry)
    x0, y0, x1, y1 = outline.bounds
    cut = (x0 + x1) / 2
    pieces = [shapely.intersection(outline, box(x0 - 1, y0 - 1, cut, y1 + 1)),
              shapely.intersection(outline, box(cut, y0 - 1, x1 + 1, y1 + 1))]
    path = tmp / "land_use_SYNTHETIC.gpkg"
    gpd.GeoDataFrame({"MA_LOAI": [west, east]}, geometry=pieces, crs=4326).to_file(
        path, layer="land_use", driver="GPKG")
    a, b = (_geodesic_area(g) for g in pieces)
    return path, 100 * a / (a + b)


@pytest.mark.parametrize(("province", "recipe", "indicator"), [
    ("Hà Tĩnh", "hatinh-15-ctr-tu.yaml", "urban_land_ratio"),
    ("Hải Phòng", "haiphong-06-ctr.yaml", "urban_land_ratio"),
    # Tuyên Quang's own programme has no land target: the national 06-NQ/TW recipe has
    ("Tuyên Quang", "vietnam-06-nq-tw.yaml", "urban_land_ratio"),
])
def test_new_province_then_land_use_makes_the_land_targets_compute(
        tmp_path: Path, province: str, recipe: str, indicator: str) -> None:
    layers = tmp_path / "layers"
    folder = new_province_bundle("mine", province=province, layers_dir=layers)
    bundle = load_bundle(folder)
    found = find_province(province)
    assert bundle.city_boundary["province_code"].tolist() == [found.code]
    assert bundle.manifest.statistics["population_2019"].value == found.population
    assert bundle.manifest.statistics["urban_population_2019"].value == found.urban_population
    assert bundle.has("population_raster")
    for role in ("admin_units", "land_use", "street_network", "green_space"):
        assert "geoplan " in (bundle.manifest.layers[role].missing or "")  # how to fill it
    before = run_recipe(ROOT / "analyses" / recipe, bundle=bundle, as_of=AS_OF)
    land = [e for e in before.evaluations if getattr(e.goal, "indicator", None) == indicator]
    assert land and all(e.value is None for e in land)  # no land use yet: no data

    path, west_share = _land_use_file(folder, "ODT", "LUC", tmp_path)
    add_layer("mine", "land_use", path, columns={"land_use": "MA_LOAI"},
              source="SYNTHETIC test file", licence="test", extent="boundary",
              layers_dir=layers)
    after = run_recipe(ROOT / "analyses" / recipe, bundle=load_bundle(folder), as_of=AS_OF)
    land = [e for e in after.evaluations if getattr(e.goal, "indicator", None) == indicator]
    assert land
    for evaluation in land:  # ODT (urban residential) west ÷ whole province, on the ellipsoid
        assert evaluation.value == pytest.approx(west_share, rel=2e-3)
    # urbanisation from the census totals layers new carried (the 2025 province, and for a
    # merged one its namesake's territory of before 2025): as on the committed bundle
    urbanisation = [e.value for e in after.evaluations
                    if getattr(e.goal, "indicator", None) == "urbanisation_rate"]
    committed = [e.value for e in run_recipe(ROOT / "analyses" / recipe, as_of=AS_OF).evaluations
                 if getattr(e.goal, "indicator", None) == "urbanisation_rate"]
    if recipe.startswith("vietnam"):  # the national recipe on one province
        committed = [found.urban_share] * len(urbanisation)
    assert urbanisation and urbanisation == pytest.approx(committed, abs=1e-9)
    assert None not in urbanisation


def test_new_never_replaces_and_names_the_province(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    layers = tmp_path / "layers"
    (layers / "taken").mkdir(parents=True)
    (layers / "taken" / "mine.txt").write_text("a planner's file", encoding="utf-8")
    with pytest.raises(OutputError, match="already exists"):
        new_province_bundle("taken", province="Hà Tĩnh", layers_dir=layers)
    assert (layers / "taken" / "mine.txt").read_text(encoding="utf-8") == "a planner's file"
    code, err = cli(["layers", "new", "taken", "--province", "Hà Tĩnh",
                     "--layers-dir", str(layers)], capsys)
    assert code == 2 and "already exists" in err
    code, err = cli(["layers", "new", "other", "--province", "Ha Tinhh",
                     "--layers-dir", str(layers)], capsys)
    assert code == 2 and "did you mean Hà Tĩnh" in err
    assert sorted(p.name for p in layers.iterdir()) == ["taken"]  # nothing half-written
    code, err = cli(["layers", "new", "../escape", "--province", "42",
                     "--layers-dir", str(layers)], capsys)
    assert code == 2 and sorted(p.name for p in layers.iterdir()) == ["taken"]


def test_new_on_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = cli(["layers", "new", "ht", "--province", "42", "--layers-dir",
                     str(tmp_path)], capsys)
    assert code == 0, err
    bundle = load_bundle(tmp_path / "ht")
    assert bundle.manifest.title == "Hà Tĩnh" and bundle.manifest.metric_crs == "EPSG:32648"
    out = tmp_path / "out"
    code, err = cli(["run", str(ROOT / "analyses" / "hatinh-15-ctr-tu.yaml"), "--bundle",
                     str(tmp_path / "ht"), "--out", str(out), "--no-snapshot"], capsys)
    assert code == 0, err
    provenance = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert provenance["bundle"]["name"] == "ht"
    scorecard = pd.read_csv(out / "scorecard.csv", encoding="utf-8-sig")
    urbanisation = scorecard[scorecard["target_id"] == "ht.urbanisation"]
    assert urbanisation["value"].round(2).tolist() == [19.54, 19.54]
    south = new_province_bundle("cm", province="Cà Mau", layers_dir=tmp_path)
    assert load_bundle(south).manifest.metric_crs == "EPSG:32648"  # 105°E: zone 48 too
    east = new_province_bundle("kh", province="Khánh Hòa", layers_dir=tmp_path)
    assert load_bundle(east).manifest.metric_crs == "EPSG:32649"  # 109°E: auto-UTM 49N


# -- rebuilt from the shared data -----------------------------------------------------------------
@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data is absent")
def test_census_table_rebuilds_byte_identical(tmp_path: Path) -> None:
    from geoplan.layers.build import build_bundle

    rebuilt = build_bundle("vietnam", source=SHARED_DATA, layers_dir=tmp_path)
    committed = load_bundle("vietnam").path
    name = "census_communes_2019.csv"
    assert (rebuilt / name).read_bytes() == (committed / name).read_bytes()
    table = pd.read_csv(rebuilt / name, dtype={"commune_code": str})
    assert len(table) == 3_321 and table["commune_code"].is_unique


# -- import-osm admin_units: census through the national table ------------------------------------
def _osm_relations(path: Path, units: gpd.GeoDataFrame) -> None:
    """An OSM XML file of admin_level=6 boundary relations, one closed way each, DERIVED from
    the committed Hà Nội units (OSM geometry, ODbL) simplified to their convex hull."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    node = 1
    ways = []
    for i, row in enumerate(units.itertuples(), start=1):
        ring = list(shapely.convex_hull(row.geometry).exterior.coords)[:-1]
        ids = []
        for x, y in ring:
            lines.append(f'<node id="{node}" version="1" lat="{y:.7f}" lon="{x:.7f}"/>')
            ids.append(node)
            node += 1
        ways.append((i, ids))
    for i, ids in ways:
        refs = "".join(f'<nd ref="{n}"/>' for n in [*ids, ids[0]])
        lines.append(f'<way id="{i}" version="1">{refs}</way>')
    for i, row in enumerate(units.itertuples(), start=1):
        lines.append(
            f'<relation id="{1000 + i}" version="1"><member type="way" ref="{i}" role="outer"/>'
            '<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
            f'<tag k="admin_level" v="6"/><tag k="name" v="{row.name}"/></relation>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")


def test_import_osm_admin_units_get_the_census(tmp_path: Path) -> None:
    pytest.importorskip("osmium")
    from geoplan.layers.osm import import_osm

    layers = tmp_path / "layers"
    new_province_bundle("hn", province="Hà Nội", layers_dir=layers)
    real = _hanoi_polygons()
    chosen = real[real["name"].isin(["Phường Văn Miếu - Quốc Tử Giám", "Phường Hoàn Kiếm",
                                     "Xã Sóc Sơn"])]
    source = tmp_path / "communes_DERIVED.osm"
    _osm_relations(source, chosen)
    import_osm(source, city="hn", layers_dir=layers, roles=["admin_units"],
               population=units_population)
    got = load_bundle(layers / "hn").layer("admin_units")
    table = province_communes("01")
    assert sorted(got["unit_id"]) == sorted(chosen["unit_id"])
    for row in got.itertuples():
        assert row.population == table.loc[row.unit_id, "population"]
    # a name no commune of 2025 has: the import is refused, nothing written
    before = (layers / "hn" / "bundle.yaml").read_bytes()
    fake = chosen.iloc[:1].copy()
    fake["name"] = ["Phường SYNTHETIC Không Có"]
    bad = tmp_path / "fake_SYNTHETIC.osm"
    _osm_relations(bad, fake)
    new_province_bundle("hn2", province="Hà Nội", layers_dir=layers)
    with pytest.raises(SourceDataError, match="SYNTHETIC Không Có"):
        import_osm(bad, city="hn2", layers_dir=layers, roles=["admin_units"],
                   population=units_population)
    assert (layers / "hn" / "bundle.yaml").read_bytes() == before
    assert load_bundle(layers / "hn2").manifest.layers["admin_units"].is_missing
