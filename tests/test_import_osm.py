"""Tests of geoplan.layers.osm on a SYNTHETIC OSM XML written in the test."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from geoplan.errors import SourceDataError
from geoplan.layers.osm import green_space_from_osm, street_network_from_osm, water_from_osm

# SYNTHETIC: a cross of two streets meeting at node 2, a park, a private playground, water;
# inside the boundary of tests/synthetic.py's bundle (lon 105.818-105.837, lat 21.024-21.042).
_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
<node id="1" lat="21.03" lon="105.82"/><node id="2" lat="21.03" lon="105.821"/>
<node id="3" lat="21.03" lon="105.822"/><node id="4" lat="21.031" lon="105.821"/>
<node id="5" lat="21.029" lon="105.821"/>
<node id="6" lat="21.032" lon="105.82"/><node id="7" lat="21.032" lon="105.821"/>
<node id="8" lat="21.033" lon="105.821"/>
<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/></way>
<way id="11"><nd ref="4"/><nd ref="2"/><nd ref="5"/><tag k="highway" v="footway"/></way>
<way id="12"><nd ref="1"/><nd ref="4"/><nd ref="3"/><nd ref="1"/><tag k="leisure" v="park"/></way>
<way id="13"><nd ref="1"/><nd ref="5"/><tag k="highway" v="motorway"/></way>
<way id="14"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="6"/>
<tag k="leisure" v="playground"/><tag k="access" v="private"/></way>
<way id="15"><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="6"/><tag k="natural" v="water"/></way>
</osm>
"""


@pytest.fixture
def osm_file(tmp_path: Path) -> Path:
    path = tmp_path / "synthetic.osm"
    path.write_text(_OSM, encoding="utf-8")
    return path


def test_streets_split_at_shared_node(osm_file: Path) -> None:
    edges = street_network_from_osm(osm_file)
    assert len(edges) == 4  # two ways split at node 2; the motorway is excluded
    assert set(zip(edges.u, edges.v, strict=True)) == {(1, 2), (2, 3), (4, 2), (2, 5)}
    east = 111_320 * math.cos(math.radians(21.03)) * 0.001  # ~103.9 m
    row = edges[(edges.u == 1) & (edges.v == 2)].iloc[0]
    assert row.length_m == pytest.approx(east, rel=0.01)
    assert 13 not in set(edges.osm_id)


def test_green_excludes_private_and_water(osm_file: Path) -> None:
    green = green_space_from_osm(osm_file)
    assert list(green.kind) == ["park"]
    water = water_from_osm(osm_file)
    assert list(water.kind) == ["water"]


def test_truncated_file_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.osm"
    bad.write_text(_OSM[:300], encoding="utf-8")
    with pytest.raises(SourceDataError, match=r"bad\.osm"):
        street_network_from_osm(bad)


def test_import_osm_writes_bundle(osm_file: Path, tmp_path: Path) -> None:
    import geopandas as gpd

    from geoplan.layers import load_bundle
    from geoplan.layers.manifest import read_manifest
    from geoplan.layers.osm import import_osm

    folder = import_osm(osm_file, city="synthetic", layers_dir=tmp_path / "layers")
    manifest = read_manifest(folder / "bundle.yaml")
    # the file has no land use and no bus stop: those roles are not written as empty layers
    assert set(manifest.layers) == {"street_network", "green_space", "water"}
    assert len(gpd.read_parquet(folder / "osm_street_network.parquet")) == 4
    assert len(gpd.read_parquet(folder / "osm_green_space.parquet")) == 1
    assert len(gpd.read_parquet(folder / "osm_water.parquet")) == 1
    assert manifest.layers["water"].licence.startswith("ODbL")
    assert "4 features" in manifest.layers["street_network"].method
    assert manifest.attribution == "© OpenStreetMap contributors, ODbL"
    load_bundle(folder).validate()


def test_import_osm_only_some_roles_keeps_the_others(osm_file: Path, tmp_path: Path) -> None:
    from geoplan.layers.manifest import read_manifest
    from geoplan.layers.osm import import_osm

    layers = tmp_path / "layers"
    import_osm(osm_file, city="synthetic", layers_dir=layers, roles=["street_network"])
    folder = import_osm(osm_file, city="synthetic", layers_dir=layers, roles=["green_space"])
    assert set(read_manifest(folder / "bundle.yaml").layers) == {"street_network",
                                                                  "green_space"}
    with pytest.raises(SourceDataError, match=r"cannot import role.*metro_lines.*choose among"):
        import_osm(osm_file, city="synthetic", layers_dir=layers, roles=["metro_lines"])


def test_online_converters_match_the_offline_reader() -> None:
    """``geoplan fetch`` turns osmnx results into layers with the same definitions as
    ``import-osm``; checked offline on the real Văn Miếu extract through osmnx's XML readers
    (what fetch gets from Overpass has the same shape)."""
    import bz2
    import tempfile
    import warnings

    import osmnx as ox

    from geoplan.layers import osm

    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "van_mieu.osm"
        xml.write_bytes(bz2.decompress(_VAN_MIEU.read_bytes()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # osmnx notes on the XML's bounds
            green = ox.features_from_xml(xml, tags={k: sorted(v) for k, v in osm._GREEN.items()})
            graph = ox.graph_from_xml(xml, retain_all=True)
    online = osm._classify(green, osm._GREEN, "kind").kind.value_counts().to_dict()
    assert online == green_space_from_osm(_VAN_MIEU).kind.value_counts().to_dict()
    edges = osm._edges_from_graph(graph)
    offline = street_network_from_osm(_VAN_MIEU)
    # osmnx simplifies at other nodes (1,012 vs 1,058 edges) but the streets are the same
    assert edges["length_m"].sum() == pytest.approx(offline["length_m"].sum(), rel=0.01)
    assert set(edges["highway"]) == set(offline["highway"])


_VAN_MIEU = Path(__file__).parent / "data" / "van_mieu_area_full_osm_2023.osm.bz2"


def test_van_mieu_real_counts() -> None:
    """Real OSM sample (ODbL, see tests/data/README.md): counts checked with xml.etree."""
    green = green_space_from_osm(_VAN_MIEU).kind.value_counts().to_dict()
    assert green == {"pitch": 9, "grass": 9, "garden": 6, "park": 2}  # 10 pitches, 1 private
    assert water_from_osm(_VAN_MIEU).kind.value_counts().to_dict() == {"water": 7}


def test_van_mieu_land_use_and_bus_stops() -> None:
    """landuse counts checked with xml.etree; 8 highway=bus_stop tags in the uncompressed XML."""
    from geoplan.layers.osm import bus_stops_from_osm, land_use_from_osm

    land = land_use_from_osm(_VAN_MIEU).land_use.value_counts().to_dict()
    assert land["residential"] == 40
    assert land["commercial"] == 22
    assert sum(land.values()) == 80
    assert len(bus_stops_from_osm(_VAN_MIEU)) == 8
