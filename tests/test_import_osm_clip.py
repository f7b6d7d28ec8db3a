"""import-osm clipped to a boundary, its recorded extent, and --merge.

Hand-checked on SYNTHETIC OSM XML written here; the refusal and the merge into Hà Nội on the
real Văn Miếu extract (tests/data, ODbL) and a copy of layers/hanoi.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from geoplan.errors import OutputError
from geoplan.layers.manifest import extent_geometry, read_manifest
from geoplan.layers.osm import import_osm, read_osm_layers
from geoplan.layers.store import restore_layer
from tests._hostile import flat

# SYNTHETIC. Clip boundary: lon 105.80-105.81, lat 21.00-21.01. Header bounds reach
# lon 105.795-105.815, lat 20.995-21.005. Stop 1 inside, stop 2 outside; street 10 crosses
# the boundary, street 11 lies outside; park 12 (105.808-105.812) is half inside; water 13
# lies wholly outside.
_CLIP_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<bounds minlat="20.995" minlon="105.795" maxlat="21.005" maxlon="105.815"/>
<node id="1" lat="21.002" lon="105.802"><tag k="highway" v="bus_stop"/><tag k="name" v="A"/></node>
<node id="2" lat="21.002" lon="105.812"><tag k="highway" v="bus_stop"/><tag k="name" v="B"/></node>
<node id="3" lat="21.003" lon="105.805"/><node id="4" lat="21.003" lon="105.812"/>
<node id="5" lat="21.004" lon="105.812"/><node id="6" lat="21.004" lon="105.814"/>
<node id="21" lat="21.001" lon="105.808"/><node id="22" lat="21.001" lon="105.812"/>
<node id="23" lat="21.003" lon="105.812"/><node id="24" lat="21.003" lon="105.808"/>
<node id="31" lat="21.001" lon="105.811"/><node id="32" lat="21.001" lon="105.813"/>
<node id="33" lat="21.002" lon="105.813"/><node id="34" lat="21.002" lon="105.811"/>
<way id="10"><nd ref="3"/><nd ref="4"/><tag k="highway" v="residential"/></way>
<way id="11"><nd ref="5"/><nd ref="6"/><tag k="highway" v="residential"/></way>
<way id="12"><nd ref="21"/><nd ref="22"/><nd ref="23"/><nd ref="24"/><nd ref="21"/>
<tag k="leisure" v="park"/></way>
<way id="13"><nd ref="31"/><nd ref="32"/><nd ref="33"/><nd ref="34"/><nd ref="31"/>
<tag k="natural" v="water"/></way>
</osm>
"""
# SYNTHETIC, a second extract: stop 1 again under another name, and a new stop 7.
_MORE_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<bounds minlat="21.0" minlon="105.80" maxlat="21.008" maxlon="105.805"/>
<node id="1" lat="21.002" lon="105.802"><tag k="highway" v="bus_stop"/><tag k="name" v="A2"/></node>
<node id="7" lat="21.006" lon="105.803"><tag k="highway" v="bus_stop"/><tag k="name" v="C"/></node>
</osm>
"""
_BOX = shapely.box(105.80, 21.00, 105.81, 21.01)
_HANOI = Path(__file__).parent.parent / "layers" / "hanoi"
_VAN_MIEU = Path(__file__).parent / "data" / "van_mieu_area_full_osm_2023.osm.bz2"


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def boundary(tmp_path: Path) -> Path:
    path = tmp_path / "boundary.geojson"
    gpd.GeoDataFrame({"name": ["clip"]}, geometry=[_BOX], crs=4326).to_file(path)
    return path


def test_only_features_inside_are_kept(tmp_path: Path) -> None:
    got = read_osm_layers(_write(tmp_path, "a.osm", _CLIP_OSM), boundary=_BOX)
    assert list(got.layers["bus_stops"].stop_id) == ["1"]  # the bare OSM node id, as text
    edges = got.layers["street_network"]
    assert list(edges.osm_id) == [10]  # crossing: kept whole (its end node 4 is real)
    assert (edges.u.iloc[0], edges.v.iloc[0]) == (3, 4)
    park = got.layers["green_space"]
    assert list(park.kind) == ["park"]
    assert park.geometry.iloc[0].bounds == pytest.approx((105.808, 21.001, 105.81, 21.003))
    assert got.layers["water"].empty  # wholly outside
    # extent: the boundary ∩ the header's bounds
    assert got.extent.equals(shapely.box(105.80, 21.00, 105.81, 21.005))


def test_import_records_the_covered_extent(tmp_path: Path, boundary: Path) -> None:
    folder = import_osm(_write(tmp_path, "a.osm", _CLIP_OSM), city="c",
                        layers_dir=tmp_path / "layers", boundary=boundary)
    manifest = read_manifest(folder / "bundle.yaml")
    assert set(manifest.layers) == {"bus_stops", "street_network", "green_space"}
    for entry in manifest.layers.values():
        assert entry.extent is not None
        assert extent_geometry(entry.extent).equals(shapely.box(105.80, 21.00, 105.81, 21.005))
        assert "clipped to --boundary boundary.geojson" in entry.method


def test_merge_keeps_held_features_adds_new_ones_and_unions_extents(
        tmp_path: Path, boundary: Path) -> None:
    layers = tmp_path / "layers"
    import_osm(_write(tmp_path, "a.osm", _CLIP_OSM), city="c", layers_dir=layers,
               boundary=boundary, roles=["bus_stops"])
    more = _write(tmp_path, "b.osm", _MORE_OSM)
    with pytest.raises(OutputError) as info:
        import_osm(more, city="c", layers_dir=layers, boundary=boundary, roles=["bus_stops"])
    assert ("bus_stops holds 1 features in osm_bus_stops.parquet; the import has 2: --replace "
            "bus_stops would drop 0 of them, --merge bus_stops would keep all 1 and add 1 new "
            "(matched by stop_id)") in flat(str(info.value))
    folder = import_osm(more, city="c", layers_dir=layers, boundary=boundary,
                        roles=["bus_stops"], merge=["bus_stops"])
    stops = gpd.read_parquet(folder / "osm_bus_stops.parquet")
    # stop 1 is held: kept as it was (name A, not A2); stop 7 is new
    assert dict(zip(stops.stop_id, stops.name, strict=True)) == {"1": "A", "7": "C"}
    entry = read_manifest(folder / "bundle.yaml").layers["bus_stops"]
    # union of box(105.80, 21.00, 105.81, 21.005) and box(105.80, 21.00, 105.805, 21.008)
    want = shapely.box(105.80, 21.00, 105.81, 21.005).union(
        shapely.box(105.80, 21.00, 105.805, 21.008))
    assert extent_geometry(entry.extent or "").symmetric_difference(want).area < 1e-12
    assert entry.previous is not None and "1 features" in entry.method
    backups = list(folder.glob("osm_bus_stops.replaced-*.parquet"))
    assert len(backups) == 1 and entry.previous.file == backups[0].name
    # restore brings back the single stop; restoring again brings back the merged layer
    restore_layer("c", "bus_stops", layers_dir=layers)
    back = read_manifest(folder / "bundle.yaml").layers["bus_stops"]
    assert back.file == backups[0].name
    assert list(gpd.read_parquet(folder / str(back.file)).stop_id) == ["1"]
    restore_layer("c", "bus_stops", layers_dir=layers)
    again = read_manifest(folder / "bundle.yaml").layers["bus_stops"]
    assert sorted(gpd.read_parquet(folder / str(again.file)).stop_id) == ["1", "7"]


@pytest.fixture
def hanoi(tmp_path: Path) -> Path:
    layers = tmp_path / "layers"
    shutil.copytree(_HANOI, layers / "hanoi")
    return layers


def test_van_mieu_into_hanoi_is_refused_then_merged(hanoi: Path) -> None:
    """The real Văn Miếu extract (8 bus stops, 1,058 edges) against Hà Nội's 3,135 stops and
    77,507 edges: refused with what --replace would drop; --merge keeps every held feature."""
    before = {p.name: p.read_bytes() for p in (hanoi / "hanoi").iterdir()}
    with pytest.raises(OutputError) as info:
        import_osm(_VAN_MIEU, city="hanoi", layers_dir=hanoi)
    message = flat(str(info.value))
    assert ("bus_stops holds 3,135 features in hanoi.gpkg:bus_stops; the import has 8: "
            "--replace bus_stops would drop 3,127 of them") in message
    assert ("street_network holds 77,507 features in streets.parquet; the import has 1,058: "
            "--replace street_network would drop 76,596 of them") in message
    assert "--merge street_network,bus_stops" in message and "Nothing was written" in message
    assert {p.name: p.read_bytes() for p in (hanoi / "hanoi").iterdir()} == before

    folder = import_osm(_VAN_MIEU, city="hanoi", layers_dir=hanoi,
                        merge=["bus_stops", "street_network"])
    held_stops = gpd.read_file(_HANOI / "hanoi.gpkg", layer="bus_stops")
    held_edges = gpd.read_parquet(_HANOI / "streets.parquet")
    stops = gpd.read_parquet(folder / "osm_bus_stops.parquet")
    edges = gpd.read_parquet(folder / "osm_street_network.parquet")
    assert set(held_stops.stop_id) <= set(stops.stop_id)
    assert len(stops) == 3_135  # the 8 stops of the extract are all held already
    key = ["osm_id", "u", "v"]
    held_keys = set(map(tuple, held_edges[key].to_numpy()))
    new_keys = set(map(tuple, edges[key].to_numpy()))
    assert held_keys <= new_keys
    assert len(edges) == 77_507 + 147  # 147 edges of the extract Hà Nội did not hold
    manifest = read_manifest(folder / "bundle.yaml")
    assert manifest.layers["bus_stops"].previous is not None
    assert manifest.layers["bus_stops"].previous.layer == "bus_stops"
    # the other roles were missing: filled, with the boundary ∩ file extent
    water = manifest.layers["water"]
    assert water.missing is None and water.extent is not None
    assert extent_geometry(water.extent).bounds == pytest.approx(
        (105.82683, 21.02329, 105.83901, 21.03035))
    restore_layer("hanoi", "bus_stops", layers_dir=hanoi)
    assert read_manifest(folder / "bundle.yaml").layers["bus_stops"].layer == "bus_stops"
