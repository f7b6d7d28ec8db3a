"""Tests of the transit builder (metro lines, stations, bus stops).

The pure helpers run on small SYNTHETIC geometries with hand-computed answers; the real
build is compared with official figures when ``../shared/data`` is present; the committed
bundle is checked once it holds ``metro_lines``.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import yaml
from shapely.geometry import LineString, MultiLineString, Point

from geoplan.errors import SourceDataError
from geoplan.layers import check_layer, default_layers_dir
from geoplan.layers.build._transit import (
    PLAN_519,
    PLAN_MASTER,
    assign_nearest_line,
    build_bus_stops,
    build_metro,
    chain_strokes,
    dedupe_stations,
    dedupe_strokes,
    split_line_at,
)
from tests import synthetic
from tests.conftest import SHARED_DATA

# Official figures: Line 2A Cát Linh–Hà Đông 13.05 km, 12 stations (opened 2021-11-06);
# Line 3 elevated section Nhổn–Cầu Giấy 8.5 km, 8 stations (opened 2024-08-08).
OFFICIAL_OPERATING_KM = 21.6
OFFICIAL_2A_KM = 13.05
OFFICIAL_3_ELEVATED_KM = 8.5


def _km_total(lines: list[LineString]) -> float:
    return sum(line.length for line in lines)


# ------------------------------------------------------------------ SYNTHETIC: pure helpers


def test_dedupe_strokes_counts_parallel_tracks_once() -> None:
    # SYNTHETIC: two tracks of a 1000 m line drawn 5 m apart, and an exact duplicate.
    a = LineString([(0, 0), (1000, 0)])
    b = LineString([(0, 5), (1000, 5)])
    kept = dedupe_strokes([a, b, a], tolerance=25)
    assert _km_total(kept) == pytest.approx(1000.0)
    assert len(kept) == 1


def test_dedupe_strokes_keeps_the_new_part_of_an_overlapping_stroke() -> None:
    # SYNTHETIC: 0–1000 m kept; a stroke 600–1600 m along the same axis adds 600 m; a
    # parallel corridor 500 m away is a different line and stays whole.
    a = LineString([(0, 0), (1000, 0)])
    b = LineString([(600, 3), (1600, 3)])
    far = LineString([(0, 500), (400, 500)])
    kept = dedupe_strokes([a, b, far], tolerance=25)
    # b loses 600–1025 m (within 25 m of a's end cap): 1600 - 1025 = 575 m remain.
    assert _km_total(kept) == pytest.approx(1000 + 575 + 400, abs=0.5)


def test_dedupe_strokes_whole_drops_mostly_duplicate_strokes_entirely() -> None:
    # SYNTHETIC: the second track diverges from the first over its last 53 m (23 m of it
    # farther than 25 m): trimmed mode keeps that sliver, whole mode drops the stroke.
    a = LineString([(0, 0), (1000, 0)])
    b = LineString([(20, 5), (950, 5), (990, 40)])  # 983 m, shorter than a
    assert _km_total(dedupe_strokes([a, b], tolerance=25, min_length=1)) > 1000.0
    assert _km_total(dedupe_strokes([a, b], tolerance=25, whole=True)) == pytest.approx(1000.0)


def test_dedupe_strokes_accepts_multilines() -> None:
    # SYNTHETIC
    multi = MultiLineString([[(0, 0), (100, 0)], [(0, 2), (100, 2)]])
    assert _km_total(dedupe_strokes(multi, tolerance=10)) == pytest.approx(100.0)


def test_chain_strokes_bridges_gaps_and_leaves_spurs_out() -> None:
    # SYNTHETIC: 0–100 and 102–203 (one reversed) form the route; a 30 m spur hangs off
    # x=50 and must not be chained.
    parts = [
        LineString([(0, 0), (100, 0)]),
        LineString([(203, 0), (102, 0)]),
        LineString([(50, 0), (50, 30)]),
    ]
    line = chain_strokes(parts, max_gap=5)
    assert line.length == pytest.approx(203.0)
    assert {line.coords[0], line.coords[-1]} == {(0.0, 0.0), (203.0, 0.0)}


def test_chain_strokes_does_not_bridge_large_gaps() -> None:
    # SYNTHETIC: a 50 m gap with max_gap 10: the longer piece alone is returned.
    parts = [LineString([(0, 0), (100, 0)]), LineString([(150, 0), (400, 0)])]
    assert chain_strokes(parts, max_gap=10).length == pytest.approx(250.0)


def test_chain_strokes_rejects_empty_input() -> None:
    with pytest.raises(SourceDataError, match="no line strokes"):
        chain_strokes([], max_gap=10)


def test_split_line_at_station() -> None:
    # SYNTHETIC: an L of 10 + 10 m; the station at (12, 4) projects 4 m up the second leg.
    before, after = split_line_at(LineString([(0, 0), (10, 0), (10, 10)]), Point(12, 4))
    assert before.length == pytest.approx(14.0)
    assert after.length == pytest.approx(6.0)
    assert before.coords[-1] == after.coords[0] == (10.0, 4.0)


def test_split_line_at_an_end_is_an_error() -> None:
    with pytest.raises(SourceDataError, match="end of the line"):
        split_line_at(LineString([(0, 0), (10, 0)]), Point(-3, 0))


def test_dedupe_stations_by_name_and_line() -> None:
    # SYNTHETIC: "A" mapped three times on line 1 (centroid (1, 1)), once on line 2 (an
    # interchange: a separate station), "B" once.
    pts = gpd.GeoDataFrame(
        {"name": ["A", "A", "A", "A", "B"], "line_id": ["1", "1", "1", "2", "1"]},
        geometry=[Point(0, 0), Point(3, 0), Point(0, 3), Point(50, 50), Point(9, 9)],
        crs=32648,
    )
    out = dedupe_stations(pts)
    assert list(zip(out["line_id"], out["name"], out["n_nodes"], strict=True)) == [
        ("1", "A", 3), ("1", "B", 1), ("2", "A", 1)]
    first = out.geometry.iloc[0]
    assert (first.x, first.y) == pytest.approx((1.0, 1.0))


def test_dedupe_stations_needs_its_columns() -> None:
    pts = gpd.GeoDataFrame({"name": ["A"]}, geometry=[Point(0, 0)], crs=32648)
    with pytest.raises(SourceDataError, match="line_id"):
        dedupe_stations(pts)


def test_assign_nearest_line_with_tolerance() -> None:
    # SYNTHETIC: line L along y=0, line M along y=100; points at y=10, 60 and 400.
    lines = {"L": LineString([(0, 0), (100, 0)]), "M": LineString([(0, 100), (100, 100)])}
    pts = gpd.GeoSeries([Point(50, 10), Point(50, 60), Point(50, 400)], crs=32648)
    out = assign_nearest_line(pts, lines, max_distance=100)
    assert out["line_id"].tolist() == ["L", "M", ""]
    assert out["distance_m"].tolist() == pytest.approx([10.0, 40.0, 300.0])


def _write_bus_source(root: Path, far: tuple[float, float] = (105.95, 21.25)) -> None:
    """SYNTHETIC bus-stop source: stops at the centres of units A and D and one at ``far``
    (by default outside the units, inside the source's Overpass query box)."""
    units = synthetic.admin_units().to_crs(4326)
    centres = units.geometry.representative_point()
    a, d = centres.iloc[0], centres.iloc[3]
    features = [
        {"type": "Feature", "properties": {"id": 11, "name": "Stop A", "ward_2025": "Phường A"},
         "geometry": {"type": "Point", "coordinates": [a.x, a.y]}},
        {"type": "Feature", "properties": {"id": 7, "name": None, "ward_2025": "Xã D"},
         "geometry": {"type": "Point", "coordinates": [d.x, d.y]}},
        {"type": "Feature", "properties": {"id": 5, "name": "Elsewhere", "ward_2025": "X"},
         "geometry": {"type": "Point", "coordinates": list(far)}},
    ]
    path = root / "baobonk-hanoi-bus-stops" / "hanoi_bus_stops_osm.geojson"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")


def test_build_bus_stops_joins_units_and_drops_stops_outside(tmp_path: Path) -> None:
    _write_bus_source(tmp_path)
    layer = build_bus_stops(tmp_path, admin_units=synthetic.admin_units())
    assert layer.role == "bus_stops"
    assert layer.data is not None
    data = layer.data
    assert data["stop_id"].tolist() == ["7", "11"]  # sorted by OSM id, as text
    assert data["unit_id"].tolist() == ["D", "A"]
    assert data["name"].tolist() == ["", "Stop A"]
    assert str(data.crs) == "EPSG:4326"
    assert layer.entry.coverage == "partial"
    assert "2 of 4 units" in layer.entry.coverage_note
    assert "1 stops outside" in layer.entry.method
    assert check_layer(data, role="bus_stops", entry=layer.entry).problems == []
    # the extent is the box of the source's Overpass query, not the stops' hull
    assert layer.entry.extent == ("POLYGON ((106 20.8, 106 21.3, 105.7 21.3, 105.7 20.8, "
                                  "106 20.8))")
    assert "105.7–106 E, 20.8–21.3 N" in layer.entry.coverage_note


def test_build_bus_stops_refuses_a_stop_outside_the_query_box(tmp_path: Path) -> None:
    # a stop the recorded extent would not hold: this is not the source SOURCES.md cites
    _write_bus_source(tmp_path, far=(106.5, 21.5))
    with pytest.raises(SourceDataError, match=r"1 stop\(s\) lie outside the Overpass query box"):
        build_bus_stops(tmp_path)


def test_build_bus_stops_without_units_keeps_every_stop(tmp_path: Path) -> None:
    _write_bus_source(tmp_path)
    layer = build_bus_stops(tmp_path)
    assert layer.data is not None
    assert len(layer.data) == 3
    assert "unit_id" not in layer.data.columns


def test_build_bus_stops_missing_source_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(SourceDataError, match=r"hanoi_bus_stops_osm\.geojson"):
        build_bus_stops(tmp_path)


# ------------------------------------------------------------------ real data (shared/data)

needs_shared = pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data absent")


@pytest.fixture(scope="module")
def metro() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, dict[str, float]]:
    lines, stations, figures = build_metro(SHARED_DATA)
    assert lines.data is not None and stations.data is not None
    assert check_layer(lines.data, role="metro_lines", entry=lines.entry).problems == []
    assert check_layer(stations.data, role="stations", entry=stations.entry).problems == []
    return lines.data, stations.data, figures


@needs_shared
def test_real_operating_length_matches_official(metro: tuple) -> None:
    lines, _, figures = metro
    operating = lines[lines["status"] == "operating"]
    total = operating["length_km"].sum()
    assert total == pytest.approx(OFFICIAL_OPERATING_KM, rel=0.03)
    by_line = dict(zip(operating["line_id"], operating["length_km"], strict=True))
    assert by_line["2A"] == pytest.approx(OFFICIAL_2A_KM, rel=0.03)
    assert by_line["3"] == pytest.approx(OFFICIAL_3_ELEVATED_KM, rel=0.03)
    # the raw OSM strokes double count (one way per track): about twice the route length
    assert figures["2A_osm_strokes_km"] > 1.8 * by_line["2A"]
    # Line 3 in all (elevated + underground) is 12.5 km officially
    assert figures["3_operating_km"] + figures["3_under_construction_km"] == pytest.approx(
        12.5, rel=0.03)


@needs_shared
def test_real_operating_lines_carry_opening_dates(metro: tuple) -> None:
    lines, _, _ = metro
    op = lines[lines["status"] != "planned"].set_index(["line_id", "status"])
    assert op.loc[("2A", "operating"), "opening_date"] == "2021-11-06"
    assert op.loc[("3", "operating"), "opening_date"] == "2024-08-08"
    assert op.loc[("3", "under_construction"), "opening_date"] == ""
    assert int(op.loc[("3", "under_construction"), "target_year"]) == 2027
    assert not op["approximate"].any()


@needs_shared
def test_real_operating_stations_deduplicated(metro: tuple) -> None:
    _, stations, figures = metro
    op = stations[stations["status"] == "operating"]
    assert len(op) == 20
    assert (op["line_id"] == "2A").sum() == 12
    assert (op["line_id"] == "3").sum() == 8
    assert not op.duplicated(["line_id", "name"]).any()
    line3 = op[op["line_id"] == "3"].sort_values("station_id")["name"].tolist()
    assert line3[0] == "Nhổn" and line3[-1] == "Cầu Giấy"
    uc = stations[stations["status"] == "under_construction"]["name"].tolist()
    assert sorted(uc) == sorted(["Kim Mã", "Cát Linh", "Văn Miếu", "Hà Nội"])
    # Cát Linh is an interchange: one station on 2A (operating), one on line 3 (building)
    assert (stations["name"] == "Cát Linh").sum() == 2
    assert figures["operating_stations"] == 20


@needs_shared
def test_real_planned_networks(metro: tuple) -> None:
    lines, stations, _ = metro
    planned = lines[lines["status"] == "planned"]
    qd519 = planned[planned["plan"] == PLAN_519]
    master = planned[planned["plan"] == PLAN_MASTER]
    assert not qd519["line_id"].duplicated().any()
    assert sorted(qd519["line_id"]) == sorted(
        ["1", "2", "2A", "3", "4", "5", "6", "7", "8", "M1", "M2", "M3", "VT"])
    # 2A and 3 keep only their unbuilt extensions (2A: Hà Đông–Xuân Mai ≈ 21.6 km)
    assert qd519.set_index("line_id").loc["2A", "length_km"] == pytest.approx(21.6, rel=0.05)
    assert "Cát Linh - Hà Đông" not in qd519.set_index("line_id").loc["2A", "name"]
    assert len(master) == 18 and master["approximate"].all()
    m1 = master.set_index("line_id").loc["QD1668-M1", "length_km"]
    assert 100 < m1 < 200  # 290 km of digitised strokes, about half of them duplicates
    assert planned["target_year"].isna().all()
    assert planned["color"].str.match(r"^#[0-9A-Fa-f]{6}$").all()
    plan_st = stations[stations["status"] == "planned"]
    assert len(plan_st) == 192 and plan_st["approximate"].all()
    assert plan_st["station_id"].is_unique
    assigned = plan_st[plan_st["line_id"] != ""]
    assert set(assigned["line_id"]) <= set(master["line_id"])
    assert (assigned["distance_to_line_m"] <= 300).all()


@needs_shared
def test_real_bus_stops_inside_the_city() -> None:
    boundary = gpd.read_file(SHARED_DATA / "ducnghia176-gis/hanoi_city_boundary_osm.geojson")
    layer = build_bus_stops(SHARED_DATA, boundary=boundary)
    assert layer.data is not None
    # 3,326 OSM stops in the source; those in Hưng Yên, Bắc Ninh, ... are dropped
    assert 3000 < len(layer.data) < 3326
    assert layer.data["stop_id"].is_unique
    assert layer.entry.coverage == "partial"


# ------------------------------------------------------------------ the committed bundle

_BUNDLE_YAML = default_layers_dir() / "hanoi" / "bundle.yaml"


def _bundle_has_metro() -> bool:
    if not _BUNDLE_YAML.is_file():
        return False
    raw = yaml.safe_load(_BUNDLE_YAML.read_text(encoding="utf-8")) or {}
    entry = (raw.get("layers") or {}).get("metro_lines") or {}
    return bool(entry) and not entry.get("missing")


needs_bundle = pytest.mark.skipif(not _bundle_has_metro(),
                                  reason="layers/hanoi has no metro_lines yet")


@needs_bundle
def test_bundle_operating_rail_matches_official(hanoi) -> None:  # type: ignore[no-untyped-def]
    lines = hanoi.metro_lines
    operating = lines[lines["status"] == "operating"]
    assert operating["length_km"].sum() == pytest.approx(OFFICIAL_OPERATING_KM, rel=0.03)
    # the stored length agrees with the geometry measured in EPSG:32648
    measured = operating.to_crs(32648).length.sum() / 1000
    assert measured == pytest.approx(OFFICIAL_OPERATING_KM, rel=0.03)


@needs_bundle
def test_bundle_operating_stations(hanoi) -> None:  # type: ignore[no-untyped-def]
    stations = hanoi.stations
    op = stations[stations["status"] == "operating"]
    assert len(op) == 20
    assert (op["line_id"] == "2A").sum() == 12
    assert (op["line_id"] == "3").sum() == 8
    assert stations["station_id"].is_unique
