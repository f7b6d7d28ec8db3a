"""Hostile inputs of ``geoplan import-osm`` and ``geoplan layers restore``: one clear error
(CLI exit 2, no traceback; the API raises a GeoplanError that is also a built-in), and the
bundle left exactly as it was. SYNTHETIC OSM from tests/test_import_osm_clip.py.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geoplan.errors import OutputError, SourceDataError
from geoplan.layers.osm import import_osm
from geoplan.layers.store import restore_layer
from tests._hostile import assert_refused
from tests.test_import_osm_clip import _BOX, _CLIP_OSM


def _tree(top: Path) -> dict[str, str]:
    return {p.relative_to(top).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in top.rglob("*") if p.is_file()}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    """SYNTHETIC: an extract, its boundary file and a bundle 'c' already holding it."""
    osm = tmp_path / "a.osm"
    osm.write_text(_CLIP_OSM, encoding="utf-8")
    boundary = tmp_path / "boundary.geojson"
    gpd.GeoDataFrame({"name": ["clip"]}, geometry=[_BOX], crs=4326).to_file(boundary)
    layers = tmp_path / "layers"
    import_osm(osm, city="c", layers_dir=layers, boundary=boundary)
    return osm, boundary, layers


def _args(osm: Path, layers: Path, *extra: str) -> list[str]:
    return ["import-osm", str(osm), "--city", "c", "--layers-dir", str(layers), *extra]


def test_held_roles_refused_without_flags(setup: tuple[Path, Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    osm, boundary, layers = setup
    before = _tree(layers)
    assert_refused(
        _args(osm, layers, "--boundary", str(boundary)),
        lambda: import_osm(osm, city="c", layers_dir=layers, boundary=boundary), OutputError,
        r"bus_stops holds 1 features in osm_bus_stops\.parquet; the import has 1: --replace "
        r"bus_stops would drop 0 of them.*Nothing was written.*pass --merge "
        r"street_network,bus_stops,green_space", capsys)
    assert _tree(layers) == before


def test_merge_a_role_the_file_does_not_hold(setup: tuple[Path, Path, Path],
                                             capsys: pytest.CaptureFixture[str]) -> None:
    osm, boundary, layers = setup
    before = _tree(layers)
    # the only water polygon of the extract lies outside the boundary
    assert_refused(
        _args(osm, layers, "--boundary", str(boundary), "--only", "water", "--merge", "water"),
        lambda: import_osm(osm, city="c", layers_dir=layers, boundary=boundary,
                           roles=["water"], merge=["water"]), SourceDataError,
        r"a\.osm holds no water feature inside --boundary boundary\.geojson: nothing to "
        r"replace or merge; drop these roles from --replace/--merge", capsys)
    assert_refused(
        _args(osm, layers, "--only", "bus_stops", "--merge", "water"),
        lambda: import_osm(osm, city="c", layers_dir=layers, roles=["bus_stops"],
                           merge=["water"]), SourceDataError,
        r"--merge: role\(s\) water are not imported \(--only bus_stops\)", capsys)
    assert_refused(
        _args(osm, layers, "--merge", "bus_stops", "--replace", "bus_stops"),
        lambda: import_osm(osm, city="c", layers_dir=layers, merge=["bus_stops"],
                           replace=["bus_stops"]), SourceDataError,
        r"bus_stops given to both --replace and --merge", capsys)
    assert _tree(layers) == before


def test_boundary_without_crs(setup: tuple[Path, Path, Path], tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    osm, _, layers = setup
    shp = tmp_path / "nocrs.shp"
    with pytest.warns(UserWarning, match="crs"):  # geopandas: the file gets no .prj
        gpd.GeoDataFrame({"name": ["clip"]}, geometry=[_BOX]).to_file(shp)
    assert not shp.with_suffix(".prj").exists()
    before = _tree(layers)
    assert_refused(
        _args(osm, layers, "--boundary", str(shp)),
        lambda: import_osm(osm, city="c", layers_dir=layers, boundary=shp), SourceDataError,
        r"--boundary .*nocrs\.shp has no CRS: its coordinates cannot be interpreted; set it",
        capsys)
    assert _tree(layers) == before


def test_boundary_not_overlapping_the_extract(setup: tuple[Path, Path, Path], tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    osm, _, layers = setup
    far = tmp_path / "far.geojson"
    gpd.GeoDataFrame({"name": ["far"]}, geometry=[shapely.box(106.5, 20.0, 106.6, 20.1)],
                     crs=4326).to_file(far)
    before = _tree(layers)
    assert_refused(
        _args(osm, layers, "--boundary", str(far), "--replace", "bus_stops"),
        lambda: import_osm(osm, city="c", layers_dir=layers, boundary=far,
                           replace=["bus_stops"]), SourceDataError,
        r"the clip boundary \(lon 106\.5000…106\.6000, lat 20\.0000…20\.1000\) does not "
        r"overlap OSM file .*a\.osm \(lon 105\.7950…105\.8150.*nothing written", capsys)
    assert _tree(layers) == before


def test_restore_without_previous(setup: tuple[Path, Path, Path],
                                  capsys: pytest.CaptureFixture[str]) -> None:
    _, _, layers = setup
    before = _tree(layers)
    assert_refused(
        ["layers", "restore", "c", "bus_stops", "--layers-dir", str(layers)],
        lambda: restore_layer("c", "bus_stops", layers_dir=layers), OutputError,
        r"cannot restore bus_stops: it was never replaced or merged by geoplan, so there is "
        r"no 'previous' entry", capsys)
    assert_refused(
        ["layers", "restore", "c", "metro_lines", "--layers-dir", str(layers)],
        lambda: restore_layer("c", "metro_lines", layers_dir=layers), OutputError,
        r"cannot restore metro_lines: the bundle has no such role", capsys)
    assert_refused(
        ["layers", "restore", "nowhere", "bus_stops", "--layers-dir", str(layers)],
        lambda: restore_layer("nowhere", "bus_stops", layers_dir=layers), OutputError,
        r"cannot restore bus_stops of nowhere: .*bundle\.yaml does not exist", capsys)
    assert _tree(layers) == before


def test_truncated_pbf(setup: tuple[Path, Path, Path], tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    import osmium

    osm, _, layers = setup
    pbf = tmp_path / "whole.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(osm)):
            writer.add(obj)
    data = pbf.read_bytes()
    cut = tmp_path / "cut.osm.pbf"
    cut.write_bytes(data[: len(data) * 2 // 3])
    before = _tree(layers)
    assert_refused(
        _args(cut, layers, "--replace", "bus_stops"),
        lambda: import_osm(cut, city="c", layers_dir=layers, replace=["bus_stops"]),
        SourceDataError, r"cannot read OSM file .*cut\.osm\.pbf: .*truncated or not OSM",
        capsys)
    assert _tree(layers) == before
    assert cut.stat().st_size == len(data) * 2 // 3  # the input is never modified
