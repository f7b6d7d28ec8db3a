"""The one coverage rule (geoplan.analyses._population.layer_coverage) and how partial values
are marked: hand-computed SYNTHETIC cases, the real Hà Nội bus-stop figures, and the land-use
ratios of a province bundle without admin_units (the city boundary as the one unit).

SYNTHETIC layout (tests/synthetic.py, metres from X0, Y0): units A [0,1000]², B [1000,2000] ×
[0,1000], C [0,1000] × [1000,2000], D [1000,2000]²; populations 10,000 / 20,000 / 6,000 /
4,000; A and B are inner. The bus-stop extent written below covers A whole, 60 % of B
(x ≤ 1600), C but for a 5 m strip along its top (0.5 % outside) and nothing of D.
"""

from __future__ import annotations

import math
import shutil
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, box

from geoplan.analyses._population import (
    COVERED,
    MIN_INSIDE_SHARE,
    OUTSIDE,
    OUTSIDE_SHARE,
    PARTIAL,
    area_units,
    layer_coverage,
    unit_frame,
)
from geoplan.analyses.evaluate import evaluate_target
from geoplan.analyses.landuse import transport_land_ratio, urban_land_ratio
from geoplan.analyses.recipe import parse_recipe
from geoplan.analyses.scorecard import SCORECARD_COLUMNS
from geoplan.analyses.transit import transit_coverage, transit_coverage_population
from geoplan.layers import Bundle, load_bundle
from geoplan.layers.build._transit import BUS_QUERY_BOX
from geoplan.workflows.run import run_recipe
from tests import synthetic

ROOT = Path(__file__).resolve().parents[1]
X0, Y0 = synthetic.X0, synthetic.Y0
#: m², a 200 m disc as transit.discs draws it: a 256-gon (area n/2 · r² · sin(2π/n))
DISC = 128 * 200.0**2 * math.sin(2 * math.pi / 256)
AS_OF = date(2026, 11, 24)


def _lonlat_wkt(geom: shapely.Geometry) -> str:
    """SYNTHETIC extent: a polygon drawn in the test's UTM metres, written in lon/lat."""
    dense = shapely.segmentize(geom, 10.0)  # straight in UTM once read back
    return gpd.GeoSeries([dense], crs=synthetic.CRS).to_crs(4326).iloc[0].wkt


def _b(x0: float, y0: float, x1: float, y1: float) -> shapely.Geometry:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


EXTENT = shapely.union(_b(0, 0, 1600, 1000), _b(0, 1000, 1000, 1995))


def _stops() -> gpd.GeoDataFrame:
    """SYNTHETIC bus stops: one in C at (500, 1500), one in B at (1300, 500) whose 200 m disc
    lies inside the extent, one in B at (1800, 500) whose disc lies wholly outside it."""
    return gpd.GeoDataFrame(
        {"stop_id": ["c", "b", "b_out"], "name": ["C", "B", "B beyond"]},
        geometry=[Point(X0 + 500, Y0 + 1500), Point(X0 + 1300, Y0 + 500),
                  Point(X0 + 1800, Y0 + 500)], crs=synthetic.CRS)


def _with_extent(folder: Path, role: str, extent: shapely.Geometry) -> Bundle:
    path = folder / "bundle.yaml"
    text = path.read_text(encoding="utf-8")
    anchor = f"    layer: {role}\n"
    assert anchor in text
    text = text.replace(anchor, f"{anchor}    coverage: partial\n"
                                f"    extent: '{_lonlat_wkt(extent)}'\n")
    path.write_text(text, encoding="utf-8")
    return load_bundle(folder)


@pytest.fixture
def partial(tmp_path: Path) -> Bundle:
    folder = synthetic.write_bundle(tmp_path / "cov", name="cov",
                                    replace={"bus_stops": _stops()})
    return _with_extent(folder, "bus_stops", EXTENT)


# -- the rule ---------------------------------------------------------------------------------
def test_layer_coverage_states_and_shares(partial: Bundle) -> None:
    cov = layer_coverage(partial, "bus_stops", unit_frame(partial))
    assert cov.share.to_dict() == pytest.approx({"A": 1.0, "B": 0.6, "C": 0.995, "D": 0.0},
                                                abs=1e-6)
    # C: 0.5 % outside, within OUTSIDE_SHARE: covered; B 60 % inside: partial; D: outside
    assert cov.state.to_dict() == {"A": COVERED, "B": PARTIAL, "C": COVERED, "D": OUTSIDE}
    assert cov.has_value.tolist() == [True, True, True, False]
    assert not cov.is_full
    assert OUTSIDE_SHARE == 0.01 and MIN_INSIDE_SHARE == 0.5
    # a covered unit is known whole (its 0.5 % sliver included), a partial one only inside
    units = unit_frame(partial)
    inside = shapely.area(shapely.intersection(units.geometry.to_numpy(), cov.known))
    assert inside.tolist() == pytest.approx([1e6, 6e5, 1e6, 0.0], abs=1.0)


@pytest.mark.parametrize(("top", "state"), [
    (1000.0, COVERED), (995.0, COVERED), (985.0, PARTIAL), (600.0, PARTIAL),
    (400.0, OUTSIDE), (0.0, OUTSIDE)])
def test_thresholds_between_covered_partial_and_outside(tmp_path: Path, top: float,
                                                        state: str) -> None:
    # an extent over A only, from y=0 to y=top: share top/1000 of A
    folder = synthetic.write_bundle(tmp_path / "t", name="t", replace={"bus_stops": _stops()})
    extent = _b(0, 0, 1000, top) if top > 0 else _b(1200, 200, 1400, 400)
    bundle = _with_extent(folder, "bus_stops", extent)
    assert layer_coverage(bundle, "bus_stops", unit_frame(bundle)).state["A"] == state


def test_whole_bundle_without_extent_and_derived_extent(tmp_path: Path) -> None:
    bundle = load_bundle(synthetic.write_bundle(tmp_path / "w", name="w"))
    whole = layer_coverage(bundle, "bus_stops", unit_frame(bundle))
    assert whole.known is None and whole.is_full and whole.share.tolist() == [1.0] * 4
    # coverage: partial without a recorded extent: the units holding a stop (C)
    path = bundle.path / "bundle.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        "    layer: bus_stops\n", "    layer: bus_stops\n    coverage: partial\n"),
        encoding="utf-8")
    derived = layer_coverage(load_bundle(bundle.path), "bus_stops", unit_frame(bundle))
    assert derived.state.tolist() == [OUTSIDE, OUTSIDE, COVERED, OUTSIDE]
    assert "units holding one of its features" in derived.origin["bus_stops"]


# -- transit coverage on the partial layer ----------------------------------------------------
def test_transit_coverage_rests_on_the_part_inside(partial: Bundle) -> None:
    r = transit_coverage(partial, as_of=AS_OF, mode="bus", distance_m=200)
    # A: inside, no stop: a real 0; B: the disc over B's 600,000 m² inside (the third stop's
    # disc lies outside the extent and is cut away); C: covered whole; D: no value, not 0
    assert r.per_unit["A"] == 0.0
    assert r.per_unit["B"] == pytest.approx(100 * DISC / 6e5, rel=1e-4)
    assert r.per_unit["C"] == pytest.approx(100 * DISC / 1e6, rel=1e-4)
    assert math.isnan(r.per_unit["D"])
    covered = 20_000 * DISC / 1e6 + 6_000 * DISC / 1e6  # people in the B and C discs
    known = 10_000 + 20_000 * 0.6 + 6_000  # A whole, 60 % of B, C whole
    assert r.city == pytest.approx(100 * covered / known, rel=1e-4)
    assert r.inner == pytest.approx(100 * (20_000 * DISC / 1e6) / (10_000 + 12_000), rel=1e-4)
    assert r.city_coverage == pytest.approx(known / 40_000, rel=1e-6)  # 0.7
    assert r.inner_coverage == pytest.approx(22_000 / 30_000, rel=1e-6)
    assert r.is_partial
    assert r.coverage is not None
    assert r.coverage.to_dict() == pytest.approx({"A": 1.0, "B": 0.6, "C": 1.0, "D": 0.0},
                                                 abs=1e-6)
    table = r.details["per_unit"]
    assert table["coverage_state"].tolist() == [COVERED, PARTIAL, COVERED, OUTSIDE]
    assert table.loc["B", "known_population"] == pytest.approx(12_000, rel=1e-6)
    assert "partial" in table.loc["B", "note"]
    assert list(r.details["unavailable"].index) == ["D"]
    assert "1 partly inside" in r.method and "70.0 %" in r.method


def test_people_indicator_sums_only_what_is_known(partial: Bundle) -> None:
    r = transit_coverage_population(partial, as_of=AS_OF, mode="bus", distance_m=200)
    assert r.per_unit.isna().tolist() == [False, False, False, True]
    assert r.city == pytest.approx(26_000 * DISC / 1e6, rel=1e-4)
    assert r.city_coverage == pytest.approx(0.7, rel=1e-6)


def test_evaluation_flags_the_partial_value(partial: Bundle) -> None:
    recipe = parse_recipe(_RECIPE)
    result = transit_coverage(partial, as_of=AS_OF, mode="bus", distance_m=200)
    city, unit = (evaluate_target(t, result, as_of=AS_OF) for t in recipe.targets)
    assert city.is_partial and city.coverage == pytest.approx(0.7, rel=1e-6)
    assert "the value rests on 70.0 % of the population" in city.note
    assert unit.per_unit is not None
    assert unit.per_unit["coverage"].tolist() == pytest.approx([1.0, 0.6, 1.0, 0.0], abs=1e-6)
    assert unit.per_unit.loc["D", "status"] == "no data"  # NaN, never judged as 0


_RECIPE = """\
id: coverage-run
title: {vi: Thử độ phủ, en: Coverage run}
bundle: cov
document: {number: 99-NQ/TW, title: {vi: Văn bản thử, en: Test document},
           date: 2021-01-01, issuer: SYNTHETIC}
targets:
  - id: c.bus
    title: {vi: Xe buýt, en: Bus}
    indicator: transit_coverage
    options: {mode: bus, distance_m: 200}
    comparator: ">="
    value: 50
    unit: "%"
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "1"}
  - id: c.bus
    title: {vi: Xe buýt theo đơn vị, en: Bus per unit}
    indicator: transit_coverage
    options: {mode: bus, distance_m: 200}
    scope: unit
    comparator: ">="
    value: 10
    unit: "%"
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "1"}
"""


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_outputs_mark_partial_values(partial: Bundle, tmp_path: Path, lang: str) -> None:
    out = tmp_path / f"out-{lang}"
    result = run_recipe(parse_recipe(_RECIPE), bundle=partial, out=out, as_of=AS_OF, lang=lang)
    assert {"coverage", "coverage_pct"} <= set(SCORECARD_COLUMNS)
    card = pd.read_csv(out / "scorecard.csv", keep_default_na=False).set_index("key")
    assert card.loc["c.bus@2030", "coverage"] == "partial"
    assert float(card.loc["c.bus@2030", "coverage_pct"]) == pytest.approx(70.0, rel=1e-6)
    markdown = (out / "scorecard.md").read_text(encoding="utf-8")
    assert "◐" in markdown
    assert ("70,0 % dân số" if lang == "vi" else "70.0 % of the population") in markdown
    units = pyogrio.read_dataframe(out / "results.gpkg", layer="units").set_index("unit_id")
    assert units["c_bus_2030_coverage"].tolist()[:3] == pytest.approx([100.0, 60.0, 100.0])
    assert units.loc["D", "c_bus_2030_coverage"] == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(units.loc["D", "c_bus_2030_value"])  # no value, not 0
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "gp-extent-bus-stops" in html  # the dashed outline of the bus stops' extent
    assert ("Vùng có dữ liệu: Điểm dừng xe buýt" if lang == "vi"
            else "Data extent: Bus stops") in html
    assert ("giá trị chỉ dựa trên" if lang == "vi" else "the value rests on") in html
    assert result.evaluations[0].is_partial


def test_full_coverage_says_full(tmp_path: Path) -> None:
    bundle = load_bundle(synthetic.write_bundle(tmp_path / "cov", name="cov"))
    result = run_recipe(parse_recipe(_RECIPE), bundle=bundle, as_of=AS_OF)
    row = result.scorecard.set_index("key").loc["c.bus@2030"]
    assert (row["coverage"], row["coverage_pct"]) == ("full", 100.0)
    assert not result.evaluations[0].is_partial


# -- the real Hà Nội bundle ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def hanoi() -> Bundle:
    return load_bundle(ROOT / "layers" / "hanoi")


def test_hanoi_extents_recorded(hanoi: Bundle) -> None:
    west, south, east, north = BUS_QUERY_BOX
    assert BUS_QUERY_BOX == (105.7, 20.8, 106.0, 21.3)  # api_getter.py of the source
    assert hanoi.extent("bus_stops").equals(box(west, south, east, north))
    stops = hanoi.bus_stops
    assert stops.geometry.within(box(west, south, east, north)).all()
    # the street network's footprint holds every edge's end node
    streets = hanoi.extent("street_network")
    ends = shapely.get_point(hanoi.street_network.geometry.to_numpy(), 0)
    assert shapely.covers(shapely.buffer(streets, 0.003), ends).mean() > 0.999
    # whole-city layers: the extent holds every unit whole
    units = unit_frame(hanoi)
    for role in ("admin_units", "city_boundary", "metro_lines", "stations", "river_axis",
                 "population_raster"):
        assert layer_coverage(hanoi, role, units).is_full, role


def test_hanoi_bus_coverage_figures(hanoi: Bundle) -> None:
    units = unit_frame(hanoi)
    cov = layer_coverage(hanoi, "bus_stops", units)
    counts = cov.state.value_counts().to_dict()
    assert counts == {COVERED: 68, OUTSIDE: 45, PARTIAL: 13}
    # 36 units wholly outside the query box, 9 more less than half inside
    assert int((cov.share == 0).sum()) == 36
    r = transit_coverage(hanoi, as_of=AS_OF, mode="bus", distance_m=500,
                         population="census_uniform")  # the figures below: uniform spread
    assert r.city == pytest.approx(69.47, abs=0.01)  # 64.60 when the outside parts read as 0
    assert r.city_coverage == pytest.approx(0.6955, abs=1e-4)  # 5,601,219 of 8,053,663
    assert r.inner == pytest.approx(85.98, abs=0.01)
    assert r.inner_coverage == 1.0  # every inner-city unit lies inside the box
    per_unit = r.details["per_unit"]
    assert per_unit.loc[per_unit["coverage_state"] == OUTSIDE, "covered_share_pct"].isna().all()
    assert (per_unit.loc[per_unit["coverage_state"] == PARTIAL, "inside_share"]
            .between(MIN_INSIDE_SHARE, 1 - OUTSIDE_SHARE).all())
    assert round(per_unit["known_population"].sum()) == 5_601_219


# -- land-use ratios without admin_units ----------------------------------------------------------
def _province_with_land_use(tmp_path: Path, classes: list[str], cut: float) -> Bundle:
    """A copy of layers/hatinh with a SYNTHETIC wall-to-wall land_use layer: the province
    outline cut at longitude ``cut`` into a west and an east piece of ``classes``."""
    folder = tmp_path / "hatinh"
    shutil.copytree(ROOT / "layers" / "hatinh", folder)
    outline = shapely.union_all(load_bundle(folder).city_boundary.to_crs(4326).geometry)
    x0, y0, x1, y1 = outline.bounds
    pieces = [shapely.intersection(outline, box(x0 - 1, y0 - 1, cut, y1 + 1)),
              shapely.intersection(outline, box(cut, y0 - 1, x1 + 1, y1 + 1))]
    land = gpd.GeoDataFrame({"land_use": classes}, geometry=pieces, crs=4326)
    land.to_file(folder / "land_use_SYNTHETIC.gpkg", layer="land_use", driver="GPKG")
    path = folder / "bundle.yaml"
    text = path.read_text(encoding="utf-8")
    old = "  land_use:\n    missing: shared/data holds no land_use data for this province\n"
    assert old in text
    path.write_text(text.replace(old, "  land_use:\n    file: land_use_SYNTHETIC.gpkg\n"
                                      "    layer: land_use\n    source: SYNTHETIC\n"), "utf-8")
    return load_bundle(folder)


def _geodesic_area(geom: shapely.Geometry) -> float:
    return abs(Geod(ellps="WGS84").geometry_area_perimeter(geom)[0])


def test_area_units_falls_back_to_the_city_boundary(tmp_path: Path) -> None:
    bundle = _province_with_land_use(tmp_path, ["residential", "farmland"], 106.0)
    units, administrative = area_units(bundle)
    assert not administrative and units.index.tolist() == ["hatinh"]
    assert not units["is_inner"].any()
    with_units, yes = area_units(load_bundle(synthetic.write_bundle(tmp_path / "s")))
    assert yes and with_units.index.tolist() == ["A", "B", "C", "D"]


@pytest.mark.parametrize("cut", [105.9, 106.2])
def test_urban_land_ratio_on_a_province_without_units(tmp_path: Path, cut: float) -> None:
    bundle = _province_with_land_use(tmp_path, ["residential", "farmland"], cut)
    r = urban_land_ratio(bundle)
    assert not r.is_no_data
    land = bundle.land_use.to_crs(4326)
    # hand: the west piece's share of the province, measured on the ellipsoid (not UTM)
    expected = 100 * _geodesic_area(land.geometry.iloc[0]) / sum(
        _geodesic_area(g) for g in land.geometry)
    assert r.city == pytest.approx(expected, rel=2e-3)
    assert r.inner is None  # no inner city without units
    assert r.per_unit is None  # the boundary is not an administrative unit
    assert r.city_coverage == 1.0 and not r.is_partial
    assert "city boundary is the one unit" in r.method


def test_transport_land_ratio_on_a_province_without_units(tmp_path: Path) -> None:
    bundle = _province_with_land_use(tmp_path, ["railway", "residential"], 105.9)
    r = transport_land_ratio(bundle)
    land = bundle.land_use.to_crs(4326)
    west, east = (_geodesic_area(g) for g in land.geometry)
    # transport land counts as urban construction land: railway ÷ (railway + residential)
    assert r.city == pytest.approx(100 * west / (west + east), rel=2e-3)
    assert r.inner is None and not r.estimate  # no street network: no road estimate


def test_land_ratio_without_units_nor_boundary_names_both(tmp_path: Path) -> None:
    bundle = _province_with_land_use(tmp_path, ["residential", "farmland"], 106.0)
    path = bundle.path / "bundle.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  city_boundary:\n")
    end = text.index("  river_axis:\n")
    path.write_text(text[:start] + "  city_boundary:\n    missing: removed by a SYNTHETIC test\n"
                    + text[end:], encoding="utf-8")
    r = urban_land_ratio(load_bundle(bundle.path))
    assert r.no_data is not None and r.no_data.missing == ("admin_units", "city_boundary")


def test_partial_land_use_gives_no_value_outside(tmp_path: Path) -> None:
    # SYNTHETIC: land_use over A and B only (extent y ≤ 1000): C and D have no ratio, not 0 %
    land = gpd.GeoDataFrame({"land_use": ["residential", "farmland"]},
                            geometry=[_b(0, 0, 1000, 1000), _b(1000, 0, 2000, 1000)],
                            crs=synthetic.CRS)
    folder = synthetic.write_bundle(tmp_path / "lu", name="lu", replace={"land_use": land})
    bundle = _with_extent(folder, "land_use", _b(0, 0, 2000, 1000))
    r = urban_land_ratio(bundle)
    assert r.per_unit is not None
    assert r.per_unit[["A", "B"]].tolist() == pytest.approx([100.0, 0.0])
    assert r.per_unit[["C", "D"]].isna().all()
    assert r.city == pytest.approx(50.0, rel=1e-6)  # 1 km² urban of the 2 km² known
    assert r.city_coverage == pytest.approx(0.5, rel=1e-6) and r.is_partial
    assert np.isclose(r.inner or 0, 50.0)


#: The cases of docs/BAD_INPUTS.md, section "Partial coverage", and the tests that feed them.
CASES = {
    "unit_wholly_outside_extent": test_transit_coverage_rests_on_the_part_inside,
    "unit_partly_inside_extent": test_outputs_mark_partial_values,
    "unit_sliver_outside_extent": test_layer_coverage_states_and_shares,
    "land_ratio_without_units": test_urban_land_ratio_on_a_province_without_units,
    "land_ratio_without_units_nor_boundary": test_land_ratio_without_units_nor_boundary_names_both,
}


def test_bad_inputs_section_in_step() -> None:
    text = (ROOT / "docs" / "BAD_INPUTS.md").read_text(encoding="utf-8")
    section = text.split("## Partial coverage (values outside a layer's extent)")[1]
    section = section.split("\n## ")[0]
    ids = {line.split("|")[1].strip().strip("`") for line in section.splitlines()
           if line.startswith("| `")}
    # stop_outside_query_box: tests/test_build_transit.py (the builder's own test file)
    assert ids == {*CASES, "stop_outside_query_box"}
