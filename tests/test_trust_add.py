"""Hostile inputs to ``geoplan layers add``: each refused with one clear message, or repaired
and counted. docs/BAD_INPUTS.md, section SECTION, has one row per case of CASE_IDS.

Files are the DERIVED VN-2000 fixtures of tests/data/ (real Hà Nội units) or SYNTHETIC
features made here (labelled so).
"""

from __future__ import annotations

import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely

from geoplan.errors import CRSError, LayerValidationError, OutputError, SourceDataError
from geoplan.layers import load_bundle
from geoplan.layers.add import add_layer
from geoplan.layers.validate import GeometryRepairWarning
from tests._hostile import assert_refused, cli
from tests.test_layers_add import COLUMNS, COLUMNS_ARG, DATA, ROOT

DOCS = ROOT / "docs" / "BAD_INPUTS.md"
SECTION = "## Own GIS files (`geoplan layers add`)"
CASE_IDS = (
    "missing_prj", "wrong_province_meridian", "wrong_meridian_inside_city",
    "lonlat_as_projected", "mapinfo_without_datum", "crs_contradicts_prj", "unknown_province",
    "unknown_column", "multilayer_gpkg_without_layer", "held_role_without_replace",
    "file_is_directory", "file_is_fifo", "empty_file", "mixed_geometry_types",
    "invalid_geometries_repaired", "unknown_land_use_codes", "unknown_land_use_codes_kept",
    "non_utf8_dbf", "non_utf8_dbf_with_encoding", "not_a_role",
)
NOPRJ = DATA / "hanoi_units_vn2000_noprj.shp"


def _refused(tmp: Path, capsys: pytest.CaptureFixture[str], args: list[str],
             call: Callable[[], Any], error: type[Exception], pattern: str) -> str:
    argv = ["layers", "add", *args, "--layers-dir", str(tmp / "layers")]
    return assert_refused(argv, call, error, pattern, capsys)  # type: ignore[arg-type]


def _city(tmp: Path) -> Path:
    """A bundle holding the real Hà Nội city boundary (copied from layers/hanoi)."""
    boundary = load_bundle(ROOT / "layers" / "hanoi").city_boundary
    path = tmp / "boundary.geojson"
    boundary[["name", "geometry"]].to_file(path)
    add_layer("city", "city_boundary", path, layers_dir=tmp / "layers")
    return path


def test_missing_prj(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(tmp_path, capsys, ["own", "admin_units", str(NOPRJ)],
             lambda: add_layer("own", "admin_units", NOPRJ, layers_dir=tmp_path / "layers"),
             CRSError, r"has no CRS \(no \.prj beside it\); give it with --crs: "
                       r"vn2000:<province>.*--crs vn2000:hanoi")
    assert not (tmp_path / "layers").exists()


def test_wrong_province_meridian(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Hà Nội's 105°00' file read as Tuyên Quang (106°00'): 78 km east, outside the province."""
    err = _refused(tmp_path, capsys,
                   ["own", "admin_units", str(NOPRJ), "--crs", "vn2000:tuyenquang"],
                   lambda: add_layer("own", "admin_units", NOPRJ, crs="vn2000:tuyenquang",
                                     layers_dir=tmp_path / "layers"),
                   CRSError, r"read as VN-2000 / TM-3 106°00' \(EPSG:9211, Tuyên Quang\) lie "
                             r"at 106\.7.*outside Tuyên Quang")
    assert "Hà Nội (vn2000:hanoi, 105°00')" in err


def test_wrong_meridian_inside_city(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Read as Hải Phòng (105°45') the units land in Hải Dương, inside new Hải Phòng: only
    the bundle's Hà Nội boundary shows the zone is wrong."""
    _city(tmp_path)
    _refused(tmp_path, capsys,
             ["city", "admin_units", str(NOPRJ), "--crs", "vn2000:haiphong", "--columns",
              COLUMNS_ARG],
             lambda: add_layer("city", "admin_units", NOPRJ, crs="vn2000:haiphong",
                               columns=COLUMNS, layers_dir=tmp_path / "layers"),
             LayerValidationError, r"no feature lies on city's city_boundary .*another "
                                   r"VN-2000 zone: give --crs")


def test_lonlat_as_projected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ref = gpd.read_file(DATA / "hanoi_units_wgs84.geojson")[["unit_id", "name", "geometry"]]
    path = tmp_path / "lonlat.shp"
    ref.to_file(path)
    path.with_suffix(".prj").unlink()
    _refused(tmp_path, capsys, ["own", "admin_units", str(path), "--crs", "vn2000:hanoi"],
             lambda: add_layer("own", "admin_units", path, crs="vn2000:hanoi",
                               layers_dir=tmp_path / "layers"),
             CRSError, r"coordinates 105\.7.* look like longitude/latitude degrees, not "
                       r"VN-2000 TM-3 metres; give --crs EPSG:4756")


def test_mapinfo_without_datum(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tab = DATA / "hanoi_units_vn2000.tab"
    _refused(tmp_path, capsys, ["own", "admin_units", str(tab)],
             lambda: add_layer("own", "admin_units", tab, layers_dir=tmp_path / "layers"),
             CRSError, r"TM-3 zone of central meridian 105°00' on the WGS 84 datum.*Give "
                       r"--crs vn2000:105-00")


def test_crs_contradicts_prj(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shp = DATA / "hanoi_units_vn2000.shp"
    _refused(tmp_path, capsys, ["own", "admin_units", str(shp), "--crs", "EPSG:32648"],
             lambda: add_layer("own", "admin_units", shp, crs="EPSG:32648",
                               layers_dir=tmp_path / "layers"),
             CRSError, r"the file says its CRS is VN-2000 / TM-3 zone 482 but --crs says "
                       r"WGS 84 / UTM zone 48N")


def test_unknown_province(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(tmp_path, capsys, ["own", "admin_units", str(NOPRJ), "--crs", "vn2000:hanoii"],
             lambda: add_layer("own", "admin_units", NOPRJ, crs="vn2000:hanoii",
                               layers_dir=tmp_path / "layers"),
             CRSError, r"no province of that name \(did you mean vn2000:hanoi")


def test_unknown_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cols = {**COLUMNS, "name": "TEN_PHUONG"}
    arg = ",".join(f"{t}={s}" for t, s in cols.items())
    _refused(tmp_path, capsys, ["own", "admin_units", str(NOPRJ), "--crs", "vn2000:hanoi",
                                "--columns", arg],
             lambda: add_layer("own", "admin_units", NOPRJ, crs="vn2000:hanoi", columns=cols,
                               layers_dir=tmp_path / "layers"),
             LayerValidationError, r"--columns "
                                   r"name=TEN_PHUONG: no column 'TEN_PHUONG' in the file; its "
                                   r"columns are MA_XA, TEN_XA, LOAI, DAN_SO")


def test_multilayer_gpkg_without_layer(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    ref = gpd.read_file(DATA / "hanoi_units_wgs84.geojson")
    gpkg = tmp_path / "two.gpkg"
    ref.to_file(gpkg, layer="units")
    ref.head(1).to_file(gpkg, layer="roads")
    _refused(tmp_path, capsys, ["own", "admin_units", str(gpkg)],
             lambda: add_layer("own", "admin_units", gpkg, layers_dir=tmp_path / "layers"),
             SourceDataError, r"holds 2 layers \(units, roads\); choose one with --layer NAME")


def test_held_role_without_replace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geojson = DATA / "hanoi_units_wgs84.geojson"
    add_layer("own", "admin_units", geojson, layers_dir=tmp_path / "layers")
    before = (tmp_path / "layers" / "own" / "admin_units.parquet").read_bytes()
    _refused(tmp_path, capsys, ["own", "admin_units", str(geojson)],
             lambda: add_layer("own", "admin_units", geojson, layers_dir=tmp_path / "layers"),
             OutputError, r"would replace data the bundle already holds: admin_units holds "
                          r"admin_units\.parquet, 10 features .*pass --replace \(replace=True\)")
    assert (tmp_path / "layers" / "own" / "admin_units.parquet").read_bytes() == before
    add_layer("own", "admin_units", geojson, replace=True, layers_dir=tmp_path / "layers")
    entry = load_bundle(tmp_path / "layers" / "own").entry("admin_units")
    assert entry.previous is not None and entry.previous.file is not None
    assert (tmp_path / "layers" / "own" / entry.previous.file).read_bytes() == before


def test_file_is_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "units.shp"
    folder.mkdir()
    _refused(tmp_path, capsys, ["own", "admin_units", str(folder)],
             lambda: add_layer("own", "admin_units", folder, layers_dir=tmp_path / "layers"),
             SourceDataError, r"units\.shp is a folder, not a regular file .*give the data "
                              r"file itself")


def test_file_is_fifo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "units.geojson"
    os.mkfifo(fifo)
    _refused(tmp_path, capsys, ["own", "admin_units", str(fifo)],
             lambda: add_layer("own", "admin_units", fifo, layers_dir=tmp_path / "layers"),
             SourceDataError, r"units\.geojson is a FIFO \(named pipe\), not a regular file")


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "units.gpkg"
    empty.write_bytes(b"")
    _refused(tmp_path, capsys, ["own", "admin_units", str(empty)],
             lambda: add_layer("own", "admin_units", empty, layers_dir=tmp_path / "layers"),
             SourceDataError, r"units\.gpkg is empty \(0 bytes\); the export failed")


def _land(tmp: Path, codes: list[str], geoms: list[Any] | None = None) -> Path:
    """SYNTHETIC land-use parcels (1 ha squares in UTM 48N) with codes in MA_LOAI."""
    geoms = geoms or [shapely.box(585000 + 200 * i, 2325000, 585100 + 200 * i, 2325100)
                      for i in range(len(codes))]
    path = tmp / "landuse.geojson"
    gpd.GeoDataFrame({"MA_LOAI": codes}, geometry=geoms, crs=32648).to_file(path)
    return path


def test_mixed_geometry_types(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _land(tmp_path, ["ODT", "DGT"], [shapely.box(585000, 2325000, 585100, 2325100),
                                            shapely.Point(585500, 2325500)])
    _refused(tmp_path, capsys, ["own", "land_use", str(path), "--columns", "land_use=MA_LOAI"],
             lambda: add_layer("own", "land_use", path, columns={"land_use": "MA_LOAI"},
                               layers_dir=tmp_path / "layers"),
             LayerValidationError, r"1 Point where land_use needs Polygon/MultiPolygon")


def test_invalid_geometries_repaired(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two SYNTHETIC bow-ties: repaired with make_valid, counted in the warning and output."""
    def bowtie(x: float) -> shapely.Polygon:
        return shapely.Polygon([(x, 2325000), (x + 100, 2325100), (x + 100, 2325000),
                                (x, 2325100)])

    path = _land(tmp_path, ["ODT", "DGT", "LUC"],
                 [bowtie(585000), bowtie(585200), shapely.box(585400, 2325000, 585500, 2325100)])
    code, _ = cli(["layers", "add", "own", "land_use", str(path), "--columns",
                   "land_use=MA_LOAI", "--layers-dir", str(tmp_path / "layers")], capsys)
    assert code == 0
    with pytest.warns(GeometryRepairWarning, match=r"repaired 2 invalid geometries"):
        result = add_layer("own2", "land_use", path, columns={"land_use": "MA_LOAI"},
                           layers_dir=tmp_path / "layers")
    assert result.repaired == 2
    land = load_bundle(tmp_path / "layers" / "own2").land_use
    assert shapely.is_valid(land.geometry.to_numpy()).all()
    assert "2 invalid geometries repaired" in load_bundle(
        tmp_path / "layers" / "own2").entry("land_use").method


def test_unknown_land_use_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _land(tmp_path, ["ODT", "ODTT", "XYZ", "XYZ", "PNN"])
    _refused(tmp_path, capsys, ["own", "land_use", str(path), "--columns", "land_use=MA_LOAI"],
             lambda: add_layer("own", "land_use", path, columns={"land_use": "MA_LOAI"},
                               layers_dir=tmp_path / "layers"),
             LayerValidationError, r"4 feature\(s\) with a land-use code not in TT "
                                   r"08/2024/TT-BTNMT \(column 'MA_LOAI'\): 'XYZ' × 2, 'ODTT' "
                                   r"× 1 \(did you mean 'ODT'\?\), 'PNN' × 1 \(a group code")


def test_unknown_land_use_codes_kept(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _land(tmp_path, ["ODT", "XYZ", "XYZ"])
    code, _ = cli(["layers", "add", "own", "land_use", str(path), "--columns",
                   "land_use=MA_LOAI", "--unknown-codes", "keep", "--layers-dir",
                   str(tmp_path / "layers")], capsys)
    assert code == 0
    kept = load_bundle(tmp_path / "layers" / "own").land_use
    assert kept["land_use"].tolist() == ["odt", "XYZ", "XYZ"]
    result = add_layer("own2", "land_use", path, columns={"land_use": "MA_LOAI"},
                       unknown_codes="drop", layers_dir=tmp_path / "layers")
    assert result.dropped == 2 and result.unknown_codes == {"XYZ": 2}
    assert load_bundle(tmp_path / "layers" / "own2").land_use["land_use"].tolist() == ["odt"]


def _cp1258(tmp: Path) -> Path:
    """The real units written as a Windows-1258 shapefile without .cpg (as old offices do)."""
    folder = tmp / "in"
    folder.mkdir()
    ref = gpd.read_file(DATA / "hanoi_units_wgs84.geojson")[["name", "geometry"]]
    path = folder / "units.shp"
    ref.to_file(path, encoding="cp1258")
    path.with_suffix(".cpg").unlink()
    return path


def test_non_utf8_dbf(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _cp1258(tmp_path)
    _refused(tmp_path, capsys, ["own", "city_boundary", str(path)],
             lambda: add_layer("own", "city_boundary", path, layers_dir=tmp_path / "layers"),
             SourceDataError, r"the \.dbf text is not UTF-8 \(there is no \.cpg file\) .*"
                              r"--encoding cp1258")


def test_non_utf8_dbf_with_encoding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _cp1258(tmp_path)
    code, _ = cli(["layers", "add", "own", "city_boundary", str(path), "--encoding", "cp1258",
                   "--layers-dir", str(tmp_path / "layers")], capsys)
    assert code == 0
    got = load_bundle(tmp_path / "layers" / "own").city_boundary["name"].tolist()
    ref = gpd.read_file(DATA / "hanoi_units_wgs84.geojson")["name"].tolist()
    assert got == ref and got[0] == "Phường Ba Đình"  # every letter, NFC


def test_not_a_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    geojson = DATA / "hanoi_units_wgs84.geojson"
    _refused(tmp_path, capsys, ["own", "population_raster", str(geojson)],
             lambda: add_layer("own", "population_raster", geojson,
                               layers_dir=tmp_path / "layers"),
             SourceDataError, r"role 'population_raster' cannot be added from a vector file")


def test_inputs_are_never_written(tmp_path: Path) -> None:
    """Even a bundle folder chosen to hold the input: the input stays as it was."""
    folder = tmp_path / "layers" / "own"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "hanoi_units_wgs84.geojson", folder / "admin_units.geojson")
    before = (folder / "admin_units.geojson").read_bytes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OutputError, match="an input of this command"):
            add_layer("own", "admin_units", folder / "admin_units.geojson",
                      layers_dir=tmp_path / "layers")
    assert (folder / "admin_units.geojson").read_bytes() == before


def test_every_case_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip().strip("`") for line in section.splitlines()
            if line.startswith("| `")}
    assert rows == set(CASE_IDS), (sorted(set(CASE_IDS) - rows), sorted(rows - set(CASE_IDS)))
    assert len(CASE_IDS) == len(set(CASE_IDS))
