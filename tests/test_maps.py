"""geoplan.maps on the SYNTHETIC bundle: self-contained HTML, escaping, styles, i18n, topology.

Browser checks (rendering in Chromium) are in tests/test_maps_browser.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Polygon

from geoplan.analyses.wording import format_number
from geoplan.cli import main
from geoplan.layers import load_bundle
from geoplan.maps import (
    OSM_ATTRIBUTION,
    UnknownLanguageError,
    UnknownTilesError,
    map_bundle,
    map_run,
    save_map,
)
from geoplan.maps._geo import display_coverage, script_json
from geoplan.maps._style import LINE_STATUS_STYLES, STATUS_COLOURS
from geoplan.maps.assets import leaflet_css, leaflet_js, leaflet_version
from geoplan.maps.i18n import LABELS, label
from tests import synthetic
from tests.test_recipes import tiny_indicators  # noqa: F401 (fixture)

XSS_UNIT = "<img src=x onerror=alert(1)>"
XSS_LINE = "</script><script>alert(2)</script>"

RECIPE = """\
id: synthetic-map
title: {vi: Bản đồ thử <b>SYNTHETIC</b>, en: SYNTHETIC map <b>test</b>}
bundle: synthetic
document:
  number: 99-NQ/TW
  title: {vi: Văn bản thử, en: Test document}
  date: 2021-01-01
  issuer: SYNTHETIC
targets:
  - id: s.rail
    title: {vi: Đường sắt, en: Rail in service}
    indicator: t_rail_km
    comparator: ">="
    value: 10
    unit: km
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "1"}
  - id: s.urban
    title: {vi: Đô thị hoá, en: Urbanisation}
    indicator: t_urban_pct
    comparator: range
    min: 60
    max: 70
    unit: "%"
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "2"}
  - id: s.urban
    title: {vi: Đô thị hoá theo đơn vị, en: Urbanisation per unit}
    indicator: t_urban_pct
    scope: unit
    comparator: ">="
    value: 50
    unit: "%"
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "2"}
"""


# -- helpers ---------------------------------------------------------------------------------
def layer_specs(page: str) -> list[dict[str, Any]]:
    """Specs of every geoplan layer in a saved page, in drawing order."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(page, m.end())[0]
            for m in re.finditer(r"geoplan\.layer\(\w+, ", page)]


def shared_data(page: str, name: str) -> dict[str, Any]:
    """The GeoJSON FeatureCollection of the page's shared data ``name`` (written compact,
    expanded as the page's ``geoplan.decode`` does)."""
    from geoplan.maps._geo import expand_collection

    match = re.search(rf"var {name} = geoplan\.decode\(", page)
    assert match is not None, name
    return expand_collection(json.JSONDecoder().raw_decode(page, match.end())[0])


def spec_of(page: str, cls: str) -> dict[str, Any]:
    """The first layer whose paths have CSS class ``cls``."""
    return next(s for s in layer_specs(page) if s["cls"] == cls)


def unit_layers(page: str) -> list[dict[str, Any]]:
    """Specs of the unit layers (plain units first, then one per choropleth)."""
    return [s for s in layer_specs(page) if s["cls"] == "gp-unit"]


def render(m: Any, tmp_path: Path, name: str = "map.html") -> str:
    return save_map(m, tmp_path / name).read_text(encoding="utf-8")


@pytest.fixture
def xss_bundle_path(tmp_path: Path) -> Path:
    """SYNTHETIC bundle whose unit B and line L1 carry script-injection names."""
    data = synthetic.layers()
    units = data["admin_units"]
    units.loc[units["unit_id"] == "B", "name"] = XSS_UNIT
    lines = data["metro_lines"]
    lines.loc[lines["line_id"] == "L1", "name"] = XSS_LINE
    return synthetic.write_bundle(tmp_path / "xss", replace={"admin_units": units,
                                                              "metro_lines": lines})


@pytest.fixture
def run_result(tmp_path: Path, synthetic_bundle_path: Path,
               tiny_indicators: None) -> Iterator[Any]:  # noqa: F811
    from geoplan.workflows.run import run_recipe

    recipe = tmp_path / "synthetic-map.yaml"
    recipe.write_text(RECIPE, encoding="utf-8")
    yield run_recipe(recipe, bundle=synthetic_bundle_path, as_of=date(2026, 11, 24))


# -- self-contained HTML ---------------------------------------------------------------------
def test_bundle_map_is_self_contained(synthetic_bundle: Any, tmp_path: Path) -> None:
    page = render(map_bundle(synthetic_bundle), tmp_path)
    # no external script, stylesheet, image or font
    assert re.findall(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)\s*=", page) == []
    assert not re.search(r"url\(\s*['\"]?https?:", page)
    # Leaflet is inlined; nothing folium would pull from CDNs is there
    assert f"Leaflet {leaflet_version()}" in page
    assert leaflet_js()[:2000] in page
    for dropped in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers",
                    "d3.v", "cdn.jsdelivr", "cdnjs", "unpkg", "code.jquery"):
        assert dropped not in page.lower(), dropped
    # Leaflet's own images are data: URIs
    assert all(u.startswith(("data:", "#")) for u in re.findall(r"url\(([^)]*)\)", leaflet_css()))


def test_map_size_is_small(synthetic_bundle: Any, tmp_path: Path) -> None:
    size = len(render(map_bundle(synthetic_bundle), tmp_path).encode("utf-8"))
    leaflet = len(leaflet_js().encode()) + len(leaflet_css().encode())
    # Leaflet (~172 kB) plus a few kB of synthetic data and page code
    assert leaflet < size < leaflet + 60_000


def test_same_input_gives_the_same_file(synthetic_bundle: Any, tmp_path: Path) -> None:
    first = render(map_bundle(synthetic_bundle), tmp_path, "a.html")
    second = render(map_bundle(synthetic_bundle), tmp_path, "b.html")
    assert first == second


def test_tiles_are_optional(synthetic_bundle: Any, tmp_path: Path) -> None:
    offline = render(map_bundle(synthetic_bundle, tiles="none"), tmp_path, "none.html")
    osm = render(map_bundle(synthetic_bundle, tiles="osm"), tmp_path, "osm.html")
    carto = render(map_bundle(synthetic_bundle, tiles="carto"), tmp_path, "carto.html")
    assert "L.tileLayer" not in offline and "openstreetmap.org/{z}" not in offline
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in osm
    assert "basemaps.cartocdn.com" in carto
    with pytest.raises(UnknownTilesError, match="none, osm, carto"):
        map_bundle(synthetic_bundle, tiles="google")


# -- content ---------------------------------------------------------------------------------
def test_layers_units_lines_stations(synthetic_bundle: Any, tmp_path: Path) -> None:
    page = render(map_bundle(synthetic_bundle, lang="en"), tmp_path)
    classes = {s["cls"] for s in layer_specs(page)}
    units = unit_layers(page)
    assert len(units) == 1
    assert [r[0] for r in units[0]["rows"]] == ["Phường A", "Phường B", "Xã C", "Xã D"]
    # popup of unit B: code, type, population (20,000 in the SYNTHETIC data), inner city
    assert units[0]["rows"][1][1] == [["Unit code", "B"], ["Type", "phường"],
                                       ["Population (2019)", "20,000"], ["Inner city", "yes"]]
    built, planned = [sp for sp in layer_specs(page) if sp["cls"] == "gp-metro-line"]
    solid = built["styles"][built["s"][0]]
    dotted = planned["styles"][planned["s"][0]]
    # L1 operating: solid and thick; L2 planned: dotted and thin; each line its own colour
    assert [r[0] for r in built["rows"]] == ["Line 1"] and planned["rows"][0][0] == "Line 2"
    assert solid["dashArray"] is None and solid["weight"] == 5
    assert dotted["dashArray"] == LINE_STATUS_STYLES["planned"]["dashArray"]
    assert dotted["weight"] < solid["weight"]
    assert solid["color"] != dotted["color"]
    # approximate alignment flagged in L2's tooltip, not in L1's
    assert any("Approximate" in v for _, v in planned["rows"][0][1])
    assert not any("Approximate" in v for _, v in built["rows"][0][1])
    stations, planned_stations = [sp for sp in layer_specs(page) if sp["cls"] == "gp-station"]
    assert [r[0] for r in stations["rows"]] == ["S1", "S2", "S3"]
    assert [r[0] for r in planned_stations["rows"]] == ["S4"]
    # operating stations filled with L1's colour, the planned one hollow in L2's colour
    assert [stations["styles"][k]["fillColor"] for k in stations["s"]] == [solid["color"]] * 3
    s4 = planned_stations["styles"][planned_stations["s"][0]]
    assert s4["fillColor"] == "#ffffff" and s4["color"] == dotted["color"]
    assert "Urban rail: operating, under construction" in page
    assert "Urban rail: planned" in page
    assert {"gp-catchment-operating", "gp-catchment-all", "gp-green-space",
            "gp-city-boundary"} <= classes
    assert "gp-catchment-bus" in classes  # the SYNTHETIC bundle has one bus stop
    # layer control, legend, title
    assert "L.control.layers(" in page
    assert 'class="gp-panel gp-legend"' in page and 'class="gp-panel gp-title"' in page
    assert "<title>SYNTHETIC test bundle (not real data)</title>" in page


def test_catchment_is_a_one_km_buffer(synthetic_bundle: Any, tmp_path: Path) -> None:
    page = render(map_bundle(synthetic_bundle), tmp_path)
    data_name = re.search(r"var (\w+) = geoplan\.layer\((\w+), [^\n]*gp-catchment-operating",
                          page)
    assert data_name is not None
    collection = shared_data(page, data_name.group(2))
    shown = gpd.GeoDataFrame.from_features(collection["features"], crs=4326).to_crs(32648)
    # three stations 1 km apart on a line: union of three 1 km discs
    stations = synthetic.layers()["stations"]
    exact = shapely.union_all(stations[stations["status"] == "operating"].buffer(1000).values)
    assert shown.area.sum() == pytest.approx(exact.area, rel=0.01)


def test_missing_layers_are_named(synthetic_bundle: Any, tmp_path: Path) -> None:
    page = render(map_bundle(synthetic_bundle, lang="en"), tmp_path)
    assert "Layers with no data" in page
    assert "Water: synthetic bundle has no water" in page


def test_attribution_from_manifest(synthetic_bundle_path: Path, tmp_path: Path) -> None:
    bundle = load_bundle(synthetic_bundle_path)
    plain = render(map_bundle(bundle), tmp_path, "plain.html")
    assert OSM_ATTRIBUTION not in plain  # SYNTHETIC sources are not OSM
    bundle.manifest.layers["stations"].source = "OpenStreetMap extract 2025-06-01"
    bundle.manifest.attribution = "Population: WorldPop <2020>"
    page = render(map_bundle(bundle), tmp_path, "osm.html")
    calls = re.findall(r"attributionControl\.addAttribution\((.*?)\);", page)
    texts = [json.loads(c) for c in calls]
    assert OSM_ATTRIBUTION in texts
    assert "Population: WorldPop &lt;2020&gt;" in texts  # Leaflet inserts it as HTML


# -- escaping --------------------------------------------------------------------------------
def test_script_json_cannot_close_the_script() -> None:
    text = script_json({"a": XSS_LINE, "b": "x & y", "c": "\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": XSS_LINE, "b": "x & y", "c": "\u2028"}


def test_data_strings_are_escaped(xss_bundle_path: Path, tmp_path: Path) -> None:
    page = render(map_bundle(xss_bundle_path, lang="en"), tmp_path)
    # nowhere raw: not in scripts, not in HTML panels
    assert XSS_UNIT not in page
    assert XSS_LINE not in page
    assert "<img src=x" not in page
    # in the legend (HTML) the line name is escaped once, not twice
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&amp;lt;" not in page
    # in the data the names are plain text (the page sets them with textContent)
    units = unit_layers(page)[0]
    assert units["rows"][1][0] == XSS_UNIT
    assert spec_of(page, "gp-metro-line")["rows"][0][0] == XSS_LINE
    # the page never builds tooltips/popups with innerHTML
    runtime = page[page.index("var geoplan = "):]
    runtime = runtime[: runtime.index("</script>")]
    assert "innerHTML" not in runtime and "textContent" in runtime


def test_run_panels_are_escaped(run_result: Any, tmp_path: Path) -> None:
    page = render(map_run(run_result, lang="en"), tmp_path)
    assert "SYNTHETIC map <b>test</b>" not in page
    assert "<h1>SYNTHETIC map &lt;b&gt;test&lt;/b&gt;</h1>" in page
    assert "<title>SYNTHETIC map &lt;b&gt;test&lt;/b&gt;</title>" in page


# -- runs ------------------------------------------------------------------------------------
def test_run_map_choropleths_and_status_colours(run_result: Any, tmp_path: Path) -> None:
    page = render(map_run(run_result, lang="en"), tmp_path)
    units = unit_layers(page)
    # plain units, then one layer per target with per-unit values (city-wide urbanisation
    # has values per unit; the rail target does not)
    assert len(units) == 3
    per_unit = units[2]
    colours = [per_unit["styles"][k]["fillColor"] for k in per_unit["s"]]
    # urban share A 100 %, B 100 %, C 0 %, D 25 % against >= 50 % (SYNTHETIC data)
    assert colours == [STATUS_COLOURS["met"], STATUS_COLOURS["met"],
                       STATUS_COLOURS["not met"], STATUS_COLOURS["not met"]]
    # a card: the unit's own fields, then the fields every unit shares (written once)
    popup_d = dict(per_unit["rows"][3][1] + per_unit["tail"])
    assert per_unit["rows"][3][0] == "Xã D"
    assert [k for k, _ in per_unit["tail"]] == ["Target", "Year", "Indicator", "Source"]
    assert popup_d["Value"] == "25%"
    assert popup_d["Target"] == "≥ 50%"
    assert popup_d["Status"] == "not met"
    assert popup_d["Gap"] == "25%"
    assert popup_d["Source"] == "99-NQ/TW (2021-01-01), 2"
    # the city-wide target is drawn by value class: C (0 %) lightest, A and B darkest
    city = units[1]
    assert city["s"][2] == 0 and city["s"][0] == city["s"][1] == max(city["s"][:4])
    # legend: counts per status, scorecard panel with every target
    assert "met (2)" in page and "not met (2)" in page
    assert 'class="gp-panel gp-scorecard"' in page
    for title in ("Rail in service", "Urbanisation", "Urbanisation per unit"):
        assert f"<td>{title}<br>" in page
    # only the first choropleth is shown at first; its legend section is the visible one
    sections = re.findall(r'<section class="gp-legend-section" data-base="(\w+)"( hidden)?>',
                          page)
    assert [bool(h) for _, h in sections] == [True, False, True]


def test_run_map_language(run_result: Any, tmp_path: Path) -> None:
    vi = render(map_run(run_result), tmp_path, "vi.html")
    en = render(map_run(run_result, lang="en"), tmp_path, "en.html")
    assert "Bảng đánh giá chỉ tiêu" in vi and "Scorecard" not in vi
    assert "Scorecard" in en
    assert "Đô thị hoá theo đơn vị" in vi and "Urbanisation per unit" in en
    assert "chưa đạt (2)" in vi


# -- i18n, geometry, CLI ---------------------------------------------------------------------
def test_labels_have_both_languages() -> None:
    assert all(set(entry) == {"vi", "en"} and all(entry.values()) for entry in LABELS.values())
    assert label("stations", "vi") == "Ga đường sắt đô thị"
    assert label("stations", "en") == "Urban rail stations"
    assert format_number(1234567.891, "vi", digits=1) == "1.234.567,9"
    assert format_number(1234567.891, "en", digits=1) == "1,234,567.9"
    # by default decimals follow the magnitude: none from 1,000, one from 100, else two
    assert format_number(1234567.891, "vi") == "1.234.568"
    assert (format_number(177.7877, "vi"), format_number(21.5505, "en")) == ("177,8", "21.55")
    assert format_number(float("nan"), "en") == "no data"
    with pytest.raises(UnknownLanguageError, match="vi, en"):
        label("stations", "fr")


def test_bundle_map_language(synthetic_bundle: Any, tmp_path: Path) -> None:
    vi = render(map_bundle(synthetic_bundle), tmp_path, "vi.html")
    en = render(map_bundle(synthetic_bundle, lang="en"), tmp_path, "en.html")
    assert '<html lang="vi">' in vi and '<html lang="en">' in en
    assert "Ga đường sắt đô thị" in vi and "Urban rail stations" not in vi
    assert "Urban rail stations" in en
    assert "đang khai thác" in vi and "operating" in en


def _jagged_coverage() -> gpd.GeoDataFrame:
    """Two SYNTHETIC units sharing a jagged 200-vertex border (metres, UTM 48N)."""
    x0, y0 = synthetic.X0, synthetic.Y0
    border = [(x0 + 1000 + (15 if i % 2 else -15), y0 + i * 10.0) for i in range(201)]
    west = Polygon([(x0, y0), *border, (x0, y0 + 2000)])
    east = Polygon([*border, (x0 + 2000, y0 + 2000), (x0 + 2000, y0)])
    return gpd.GeoDataFrame({"unit_id": ["W", "E"]}, geometry=[west, east],
                            crs=synthetic.CRS)


def test_display_geometry_keeps_shared_borders() -> None:
    units = _jagged_coverage()
    shown = display_coverage(units, tolerance_m=40).to_crs(synthetic.CRS)
    assert shown.geometry.apply(lambda g: len(shapely.get_coordinates(g))).sum() < 40
    union = shapely.union_all(shown.geometry.values)
    # no gap (one polygon, no hole) and no overlap (areas add up)
    assert union.geom_type == "Polygon" and len(union.interiors) == 0
    assert shown.area.sum() == pytest.approx(union.area, rel=1e-6)
    assert bool(shapely.coverage_is_valid(shown.geometry.values))
    # simplifying each unit on its own would open slivers: the check above can fail
    alone = units.geometry.simplify(40)
    assert not bool(shapely.coverage_is_valid(alone.values)) or \
        alone.area.sum() != pytest.approx(shapely.union_all(alone.values).area, rel=1e-6)
    # coordinates rounded to 1e-5 degrees
    lonlat = display_coverage(units, tolerance_m=40)
    coords = shapely.get_coordinates(lonlat.geometry.values)
    assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all()


def test_analysis_geometry_is_untouched(synthetic_bundle: Any) -> None:
    before = synthetic_bundle.admin_units
    map_bundle(synthetic_bundle)
    after = synthetic_bundle.admin_units
    assert before.geometry.equals(after.geometry)


def test_cli_map(synthetic_bundle_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli" / "map.html"
    assert main(["map", str(synthetic_bundle_path), "--out", str(out), "--lang", "en"]) == 0
    assert "Urban rail stations" in out.read_text(encoding="utf-8")
    assert main(["map", str(synthetic_bundle_path), "--out", str(out), "--tiles", "x"]) == 2
    assert main(["map", str(tmp_path / "nowhere"), "--out", str(out)]) == 2


def test_metro_line_colour_from_data(tmp_path: Path) -> None:
    data = synthetic.layers()
    lines = data["metro_lines"]
    lines["color"] = ["#00A0E0", "javascript:alert(1)"]
    folder = synthetic.write_bundle(tmp_path / "colours", replace={"metro_lines": lines})
    page = render(map_bundle(folder), tmp_path)
    colours = [sp["styles"][k]["color"] for sp in layer_specs(page)
               if sp["cls"] == "gp-metro-line" for k in sp["s"]]
    assert colours[0] == "#00a0e0"  # the line's own colour
    assert re.fullmatch(r"#[0-9a-f]{6}", colours[1])  # not a colour: palette instead
    assert "javascript:alert" not in page


def test_line_geometry_survives(tmp_path: Path) -> None:
    """A metro line given as a MultiLineString is drawn (not dropped)."""
    data = synthetic.layers()
    lines = data["metro_lines"]
    x0, y0 = synthetic.X0, synthetic.Y0
    lines.loc[1, "geometry"] = shapely.MultiLineString([
        LineString([(x0, y0 + 2000), (x0 + 900, y0 + 2000)]),
        LineString([(x0 + 1100, y0 + 2000), (x0 + 2000, y0 + 2000)]),
    ])
    folder = synthetic.write_bundle(tmp_path / "multi", replace={"metro_lines": lines})
    page = render(map_bundle(folder), tmp_path)
    assert '"type":"MultiLineString"' in page


def test_display_geometry_cleans_almost_matching_borders() -> None:
    """Two SYNTHETIC units whose shared border differs by a vertex and a 2 m overlap."""
    x0, y0 = synthetic.X0, synthetic.Y0
    west = Polygon([(x0, y0), (x0 + 1002, y0), (x0 + 1002, y0 + 1000), (x0, y0 + 1000)])
    east = Polygon([(x0 + 1000, y0), (x0 + 2000, y0), (x0 + 2000, y0 + 1000),
                    (x0 + 1000, y0 + 1000), (x0 + 1000, y0 + 500)])
    units = gpd.GeoDataFrame({"unit_id": ["W", "E"]}, geometry=[west, east],
                             crs=synthetic.CRS)
    assert not bool(shapely.coverage_is_valid(units.geometry.values))
    shown = display_coverage(units, tolerance_m=5).to_crs(synthetic.CRS)
    assert bool(shapely.coverage_is_valid(shown.geometry.values))
    # the 2 m × 1 km overlap went to one side: areas add up to the union, 2 km² (give or
    # take the 1e-5° rounding of the corners, < 0.2 %)
    union = shapely.union_all(shown.geometry.values)
    assert shown.area.sum() == pytest.approx(union.area, rel=1e-9)
    assert shown.area.sum() == pytest.approx(2_000_000, rel=2e-3)
    assert units.area.sum() == pytest.approx(2_002_000)  # input left as it was


def test_bundle_without_units_or_transit(tmp_path: Path) -> None:
    """A bundle that lacks units, lines and stations still maps what it has and says why."""
    folder = synthetic.write_bundle(
        tmp_path / "bare",
        missing={"admin_units": "no units (SYNTHETIC)", "metro_lines": "no rail (SYNTHETIC)",
                 "stations": "no stations (SYNTHETIC)"},
    )
    page = render(map_bundle(folder, lang="en"), tmp_path)
    classes = [s["cls"] for s in layer_specs(page)]
    assert "gp-unit" not in classes and "gp-station" not in classes
    assert "gp-city-boundary" in classes and "gp-catchment-bus" in classes
    for text in ("no units (SYNTHETIC)", "no rail (SYNTHETIC)", "no stations (SYNTHETIC)"):
        assert text in page


def _layer_geometry(page: str, cls: str) -> gpd.GeoDataFrame:
    """The features a page draws in the layer with CSS class ``cls`` (EPSG:32648)."""
    match = re.search(rf"geoplan\.layer\((\w+), [^\n]*\"cls\":\"{cls}\"", page)
    assert match is not None, cls
    collection = shared_data(page, match.group(1))
    return gpd.GeoDataFrame.from_features(collection["features"], crs=4326).to_crs(32648)


def test_walking_catchment_lies_within_the_straight_line_one(synthetic_bundle: Any,
                                                             tmp_path: Path) -> None:
    page = render(map_bundle(synthetic_bundle, lang="en"), tmp_path)
    walk = shapely.union_all(_layer_geometry(page, "gp-catchment-network").geometry.values)
    crow = shapely.union_all(_layer_geometry(page, "gp-catchment-operating").geometry.values)
    # a walk is never shorter than the straight line: the 1 km walk (streets buffered by
    # 50 m) fits in the 1,050 m straight-line buffer (10 m display simplification aside)
    assert walk.difference(crow.buffer(60)).area < 1.0
    assert 0 < walk.area < crow.area
    assert "1 km walk along streets from operating stations" in page
    # with the walking catchment shown, the straight-line one starts switched off
    shown = re.findall(r"(\w+)\.addTo\(", page)
    names = {s["cls"]: n for n, s in zip(
        re.findall(r"var (\w+) = geoplan\.layer\(", page), layer_specs(page), strict=True)}
    assert names["gp-catchment-network"] in shown
    assert names["gp-catchment-operating"] not in shown


def test_unroutable_network_only_drops_the_walking_catchment(tmp_path: Path,
                                                             caplog: Any) -> None:
    data = synthetic.layers()
    streets = data["street_network"].iloc[:0]  # no edges: nothing to route on
    folder = synthetic.write_bundle(tmp_path / "nostreets",
                                    replace={"street_network": streets})
    page = render(map_bundle(folder, lang="en"), tmp_path)
    classes = [s["cls"] for s in layer_specs(page)]
    assert "gp-catchment-network" not in classes
    assert "gp-catchment-operating" in classes and "gp-unit" in classes
    assert "no walking catchment on the map" in caplog.text


def test_value_classes_give_a_shared_lowest_value_its_own_class() -> None:
    from geoplan.maps._thematic import _breaks, _class_of

    # SYNTHETIC values: 6 of 10 units at 0, the others spread
    values = pd.Series([0, 0, 0, 0, 0, 0, 10.0, 20.0, 30.0, 40.0])
    breaks = _breaks(values)
    assert breaks == [0.0, 0.0, 17.5, 25.0, 32.5, 40.0]
    assert [_class_of(v, breaks) for v in values] == [0] * 6 + [1, 2, 3, 4]
    # without a dominant value: plain quintiles of the values
    spread = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert _breaks(spread) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    assert _breaks(pd.Series([float("nan")])) == [0.0, 0.0]
