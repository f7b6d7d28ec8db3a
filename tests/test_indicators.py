"""Indicators on the SYNTHETIC bundle of tests/synthetic.py, against hand-computed values.

Layout reminder (metres from the origin; nothing here is real): units A [0,1000]², B
[1000,2000]×[0,1000], C [0,1000]×[1000,2000], D [1000,2000]²; populations 10,000 / 20,000 /
6,000 / 4,000; urban 10,000 / 20,000 / 0 / 1,000; A and B inner. Metro L1 (operating, opened
2021-11-06) along y=0 from x=0 to 2,000 with stations at x = 0, 1,000, 2,000; L2 planned
(target 2030) along y=2,000 with a planned station at (1,000, 2,000). Park 200 m × 200 m at
[100,300]² in A. Bus stop at (500, 1,500) in C. Street grid every 500 m (residential).

Extra SYNTHETIC layers added here through ``write_bundle(replace=...)``: land use, a river
axis, water and a population raster.
"""

from __future__ import annotations

import datetime as dt
import inspect
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, box

from geoplan.analyses import IndicatorResult, list_indicators
from geoplan.analyses._population import covered_population
from geoplan.analyses.green import green_space_per_capita, open_space_access
from geoplan.analyses.landuse import road_area, transport_land_ratio, urban_land_ratio
from geoplan.analyses.rail import rail_length
from geoplan.analyses.rivers import river_corridor, river_corridor_population, river_length
from geoplan.analyses.transit import transit_coverage, transit_coverage_population
from geoplan.analyses.urbanisation import urbanisation_rate
from geoplan.errors import RecipeError
from geoplan.layers import Bundle, load_bundle
from geoplan.network import BAND_QUAD_SEGS
from tests import synthetic
from tests.synthetic import CRS, X0, Y0

UNIT_IDS = ["A", "B", "C", "D"]
AFTER = dt.date(2025, 1, 1)  # L1 open, L2 not built
BEFORE = dt.date(2020, 1, 1)  # nothing open yet

# Two 1 km quarter discs centred on adjacent corners of a 1 km square cover
# π/2 − (π/3 − √3/4) (half of the two-circle lens removed once) = π/6 + √3/4 of it.
TWO_QUARTERS = math.pi / 6 + math.sqrt(3) / 4


def _b(x0: float, y0: float, x1: float, y1: float) -> Any:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _bundle(tmp_path: Path, name: str = "s", **kwargs: Any) -> Bundle:
    return load_bundle(synthetic.write_bundle(tmp_path / name, **kwargs))


def _edit_manifest(bundle: Bundle, old: str, new: str) -> Bundle:
    path = bundle.path / "bundle.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return load_bundle(bundle.path)


def _land_use() -> gpd.GeoDataFrame:
    """SYNTHETIC land use: residential [250,750]² in A; a 100 m railway strip along B's
    southern edge and a commercial block [1100,1900]×[100,900] in B; farmland in C."""
    return gpd.GeoDataFrame(
        {"land_use": ["residential", "railway", "Commercial", "farmland"]},
        geometry=[_b(250, 250, 750, 750), _b(1000, 0, 2000, 100), _b(1100, 100, 1900, 900),
                  _b(0, 1000, 1000, 2000)],
        crs=CRS,
    )


@pytest.fixture
def bundle(tmp_path: Path) -> Bundle:
    return _bundle(tmp_path)


# -- registry and contract -------------------------------------------------------------------
EXPECTED = {
    "rail_length": ("km", ("city",)),
    "transit_coverage": ("%", ("city", "inner", "unit")),
    "transit_coverage_population": ("people", ("city", "inner", "unit")),
    "green_space_per_capita": ("m2/person", ("city", "inner", "unit")),
    "open_space_access": ("%", ("city", "inner", "unit")),
    "urban_land_ratio": ("%", ("city", "inner", "unit")),
    "transport_land_ratio": ("%", ("city", "inner", "unit")),
    "road_area": ("km2", ("city", "inner", "unit")),
    "urbanisation_rate": ("%", ("city", "inner", "unit")),
    "river_corridor": ("km2", ("city",)),
    "river_corridor_population": ("people", ("city",)),
    "river_length": ("km", ("city",)),
}


def test_registry_names_units_and_signatures() -> None:
    known = list_indicators()
    for name, (unit, scopes) in EXPECTED.items():
        spec = known[name]
        assert (spec.unit, spec.scopes) == (unit, scopes), name
        params = inspect.signature(spec.func).parameters
        first, *rest = params.values()
        assert first.name == "bundle"
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is not p.empty
                   for p in rest), name
        assert params["as_of"].default is None, name


# -- rail_length ----------------------------------------------------------------------------
def test_rail_length_in_service(bundle: Bundle) -> None:
    r = rail_length(bundle, as_of=AFTER)
    assert r.unit == "km" and r.no_data is None
    assert r.city == pytest.approx(2.0)
    by_line = r.details["by_line"].set_index("line_id")
    assert by_line.loc["L1", "km"] == pytest.approx(2.0)
    assert bool(by_line.loc["L1", "in_service"]) and not bool(by_line.loc["L2", "in_service"])
    by_year = r.details["by_year"].set_index("year")
    assert list(by_year.index) == [2021, 2022, 2023, 2024, 2025]
    assert by_year["km_in_service"].tolist() == pytest.approx([2.0] * 5)
    planned = r.details["planned_by_year"]
    assert planned["year"].tolist() == [2030]
    assert planned["km_cumulative"].tolist() == pytest.approx([4.0])


def test_rail_length_dates_statuses_and_plan(bundle: Bundle) -> None:
    assert rail_length(bundle, as_of=BEFORE).city == 0.0
    assert rail_length(bundle, as_of=dt.date(2021, 11, 6)).city == pytest.approx(2.0)
    assert rail_length(bundle, as_of=dt.date(2021, 11, 5)).city == 0.0
    everything = ("operating", "under_construction", "planned")
    assert rail_length(bundle, as_of=AFTER, statuses=everything).city == pytest.approx(4.0)
    # a plan no line belongs to would give a confident 0 km: refused (tests/test_trust_values)
    with pytest.raises(RecipeError, match="option plan: 'another plan' matches no 'plan'"):
        rail_length(bundle, as_of=AFTER, plan="another plan")
    assert rail_length(bundle, as_of=AFTER, plan="SYNTHETIC").city == pytest.approx(2.0)


def test_rail_length_measures_geometry_not_attribute(tmp_path: Path) -> None:
    lines = synthetic.layers()["metro_lines"]
    lines["length_km"] = [99.0, 99.0]
    # the same line drawn as two overlapping rows counts once
    extra = lines.iloc[[0]].copy()
    extra["geometry"] = [LineString([(X0 + 500, Y0), (X0 + 2000, Y0)])]
    lines = pd.concat([extra, lines], ignore_index=True)
    r = rail_length(_bundle(tmp_path, replace={"metro_lines": lines}), as_of=AFTER)
    assert r.city == pytest.approx(2.0)


# -- transit coverage (euclidean) ------------------------------------------------------------
def test_transit_coverage_rail_hand_computed(bundle: Bundle) -> None:
    r = transit_coverage(bundle, as_of=AFTER)
    assert r.unit == "%"
    assert list(r.per_unit.index) == UNIT_IDS
    expected = [100 * TWO_QUARTERS, 100 * TWO_QUARTERS, 0.0, 0.0]
    assert r.per_unit.tolist() == pytest.approx(expected, rel=2e-4, abs=1e-9)
    assert r.inner == pytest.approx(100 * TWO_QUARTERS, rel=2e-4)
    assert r.city == pytest.approx(100 * 30_000 * TWO_QUARTERS / 40_000, rel=2e-4)
    people = transit_coverage_population(bundle, as_of=AFTER)
    assert people.unit == "people"
    assert people.city == pytest.approx(30_000 * TWO_QUARTERS, rel=2e-4)
    assert people.per_unit["A"] == pytest.approx(10_000 * TWO_QUARTERS, rel=2e-4)
    assert people.per_unit["C"] == 0.0


def test_transit_coverage_only_counts_stations_in_service(bundle: Bundle) -> None:
    before = transit_coverage(bundle, as_of=BEFORE)
    assert before.city == 0.0 and before.per_unit.tolist() == [0.0] * 4
    # the planned station at (1000, 2000) covers the tops of C and D: two quarter discs
    full = transit_coverage(bundle, as_of=AFTER, statuses=("operating", "planned"))
    quarter = math.pi / 4
    assert full.per_unit["C"] == pytest.approx(100 * quarter, rel=2e-4)
    assert full.per_unit["D"] == pytest.approx(100 * quarter, rel=2e-4)


def test_transit_coverage_distance_option(bundle: Bundle) -> None:
    # 500 m: three disjoint half discs along y=0 inside A and B: A gets a quarter (S1) and a
    # half... S1 gives a quarter disc, S2 half of its half disc (the other half is in B)
    r = transit_coverage(bundle, as_of=AFTER, distance_m=500)
    a_share = (math.pi * 500**2 / 4 + math.pi * 500**2 / 4) / 1e6
    assert r.per_unit["A"] == pytest.approx(100 * a_share, rel=2e-4)
    assert r.params["distance_m"] == 500.0


def test_transit_coverage_bus_full_and_partial(bundle: Bundle) -> None:
    r = transit_coverage(bundle, as_of=AFTER, mode="bus")
    assert r.params["distance_m"] == 500.0  # SDG 11.2.1 default for bus
    # the 500 m disc around (500, 1500) is inscribed in C
    assert r.per_unit.tolist() == pytest.approx([0.0, 0.0, 100 * math.pi / 4, 0.0], rel=2e-4)
    partial = _edit_manifest(bundle, "    layer: bus_stops\n",
                             "    layer: bus_stops\n    coverage: partial\n")
    p = transit_coverage(partial, as_of=AFTER, mode="bus")
    assert p.per_unit.isna().tolist() == [True, True, False, True]
    assert p.city == pytest.approx(100 * math.pi / 4, rel=2e-4)  # over C only, not /40,000
    assert p.inner is None
    assert set(p.details["unavailable"].index) == {"A", "B", "D"}
    assert "1 of 4 units" in p.method
    people = transit_coverage_population(partial, as_of=AFTER, mode="bus")
    assert people.city == pytest.approx(6_000 * math.pi / 4, rel=2e-4)


def test_transit_coverage_network_hand_computed(bundle: Bundle) -> None:
    # 1,000 m along the grid from S1 (0,0) and S2 (1000,0) reaches, in A, the bottom, left
    # and right streets, the whole y=500 street and x=500 up to y=500. With a 50 m band:
    # 50×1000 + 50×1000 + 900×50 + 900×100 + 100×400 = 275,000 m² of A's 1,000,000.
    r = transit_coverage(bundle, as_of=AFTER, method="network")
    assert r.per_unit["A"] == pytest.approx(27.5, rel=1e-9)
    assert r.per_unit["B"] == pytest.approx(27.5, rel=1e-9)
    # only the round 50 m end caps at (0,1000) and (1000,1000) reach into C: two quarters of
    # the 16-gon geoplan draws for a 50 m circle (BAND_QUAD_SEGS = 4), 8 × 50² × sin(π/8) each
    quarter = 8 * 50**2 * math.sin(math.pi / 8) / 4
    assert BAND_QUAD_SEGS == 4
    assert r.per_unit["C"] == pytest.approx(100 * 2 * quarter / 1e6, rel=1e-6)
    euclid = transit_coverage(bundle, as_of=AFTER)
    assert (r.per_unit[["A", "B"]] < euclid.per_unit[["A", "B"]]).all()


def test_transit_coverage_network_without_streets(tmp_path: Path) -> None:
    b = _bundle(tmp_path, missing={"street_network": "SYNTHETIC bundle without streets"})
    r = transit_coverage(b, as_of=AFTER, method="network")
    assert r.is_no_data and r.no_data is not None
    assert r.no_data.missing == ("street_network",)
    assert r.city is None and r.per_unit is None
    assert "without streets" in str(r.no_data)


def test_transit_coverage_bad_options(bundle: Bundle) -> None:
    with pytest.raises(RecipeError, match="mode='tram'"):
        transit_coverage(bundle, mode="tram")
    with pytest.raises(RecipeError, match="distance_m"):
        transit_coverage(bundle, distance_m=-5)
    with pytest.raises(RecipeError, match="method='walk'"):
        transit_coverage(bundle, method="walk")


def _raster_bundle(tmp_path: Path) -> Bundle:
    """SYNTHETIC population raster: 500 m pixels over the 2 km square; in A all weight in
    the south-west pixel [0,500]²; B uniform; C zero; D uniform."""
    import rasterio
    from affine import Affine

    b = _bundle(tmp_path)
    grid = np.zeros((4, 4), dtype="float32")  # row 0 = north (y 1500–2000)
    grid[3, 0] = 100.0                     # A: south-west pixel only
    grid[2:4, 2:4] = 5.0                   # B: uniform
    grid[0:2, 2:4] = 1.0                   # D: uniform; C stays 0
    with rasterio.open(b.path / "pop.tif", "w", driver="GTiff", height=4, width=4, count=1,
                       dtype="float32", crs=CRS,
                       transform=Affine(500.0, 0.0, X0, 0.0, -500.0, Y0 + 2000)) as dst:
        dst.write(grid, 1)
    with (b.path / "bundle.yaml").open("a", encoding="utf-8") as fh:
        fh.write("  population_raster:\n    file: pop.tif\n    source: SYNTHETIC\n")
    return load_bundle(b.path)


def test_transit_coverage_raster_population(tmp_path: Path) -> None:
    b = _raster_bundle(tmp_path)
    r = transit_coverage(b, as_of=AFTER, population="raster")
    # A: all its people live in [0,500]², entirely within 1 km of S1 → 100%
    assert r.per_unit["A"] == pytest.approx(100.0)
    # B: uniform raster → the same as the uniform census share
    assert r.per_unit["B"] == pytest.approx(100 * TWO_QUARTERS, rel=2e-4)
    table = r.details["per_unit"]
    assert table.loc["A", "population_method"] == "raster"
    assert table.loc["C", "population_method"] == "census_uniform (raster empty)"
    assert r.per_unit["C"] == 0.0


def test_covered_population_uniform_helper() -> None:
    units = synthetic.admin_units()
    covered = covered_population(units, _b(0, 0, 1500, 500))
    assert list(covered.index) == UNIT_IDS
    assert covered.tolist() == pytest.approx([5_000.0, 5_000.0, 0.0, 0.0])


# -- green space ------------------------------------------------------------------------------
def test_green_space_per_capita_hand_computed(bundle: Bundle) -> None:
    r = green_space_per_capita(bundle, target_m2_per_person=5)
    assert r.unit == "m2/person"
    assert r.per_unit.tolist() == pytest.approx([4.0, 0.0, 0.0, 0.0])  # 40,000 m² / 10,000
    assert r.city == pytest.approx(1.0)
    assert r.inner == pytest.approx(40_000 / 30_000)
    deficit = r.details["deficit"]["deficit_m2"]
    assert deficit.tolist() == pytest.approx([10_000, 100_000, 30_000, 20_000])
    total = r.details["deficit_total"].set_index("scope")
    assert total.loc["city", "deficit_m2"] == pytest.approx(160_000)
    assert total.loc["inner", "deficit_m2"] == pytest.approx(110_000)


def test_green_space_zero_population_is_nan_not_inf(tmp_path: Path) -> None:
    units = synthetic.admin_units()
    units.loc[units["unit_id"] == "A", ["population", "urban_population"]] = 0
    r = green_space_per_capita(_bundle(tmp_path, replace={"admin_units": units}))
    assert math.isnan(r.per_unit["A"])
    assert np.isfinite(r.per_unit.drop("A")).all()
    assert "population 0" in r.details["per_unit"].loc["A", "note"]
    assert r.city == pytest.approx(40_000 / 30_000)


def test_green_space_per_urban_resident(bundle: Bundle) -> None:
    r = green_space_per_capita(bundle, per="urban_population")
    assert r.city == pytest.approx(40_000 / 31_000)
    assert math.isnan(r.per_unit["C"])  # no urban residents


def test_open_space_access_hand_computed(bundle: Bundle) -> None:
    # points within 400 m of [100,300]², clipped to A = [0,1000]²:
    #   [0,700]×[100,300] + [100,300]×[0,700] − core + NE quarter disc + two quarter discs
    #   cut at x=0 / y=0 (∫₀¹⁰⁰ √(400²−u²) du each) + the SW corner square [0,100]².
    strip = 50 * math.sqrt(400**2 - 100**2) + 400**2 / 2 * math.asin(100 / 400)
    area = 140_000 + 100_000 + math.pi * 400**2 / 4 + 2 * strip + 10_000
    r = open_space_access(bundle, method="euclidean")
    assert r.per_unit["A"] == pytest.approx(100 * area / 1e6, rel=1e-3)
    assert r.per_unit.drop("A").tolist() == [0.0, 0.0, 0.0]
    assert r.city == pytest.approx(100 * 10_000 * area / 1e6 / 40_000, rel=1e-3)


def test_green_indicators_without_green_space(tmp_path: Path) -> None:
    b = _bundle(tmp_path, missing={"green_space": "SYNTHETIC bundle without green"})
    for func in (green_space_per_capita, open_space_access):
        r = func(b)
        assert r.no_data is not None and r.no_data.missing == ("green_space",)
        assert r.city is None and r.per_unit is None


# -- urbanisation -----------------------------------------------------------------------------
def test_urbanisation_rate_hand_computed(bundle: Bundle) -> None:
    r = urbanisation_rate(bundle)
    assert r.city == pytest.approx(77.5)  # (10,000 + 20,000 + 0 + 1,000) / 40,000
    assert r.inner == pytest.approx(100.0)
    assert r.per_unit.tolist() == pytest.approx([100.0, 100.0, 0.0, 25.0])


STATS = """\
statistics:
  urban_population_2019: {value: 600, unit: people, date: "2019-04-01", source: SYNTHETIC}
  population_2019: {value: 1000, unit: people, date: "2019-04-01", source: SYNTHETIC}
"""


def test_urbanisation_rate_from_statistics(tmp_path: Path) -> None:
    b = _bundle(tmp_path, missing={"admin_units": "SYNTHETIC statistics only"})
    r = urbanisation_rate(b)
    assert r.no_data is not None
    assert r.no_data.missing == ("admin_units", "statistics.urban_population_2019",
                                 "statistics.population_2019")
    with (b.path / "bundle.yaml").open("a", encoding="utf-8") as fh:
        fh.write(STATS)
    r = urbanisation_rate(load_bundle(b.path))
    assert r.city == pytest.approx(60.0)
    assert r.per_unit is None and r.inner is None
    assert "urban_population_2019" in r.method


def test_urbanisation_rate_of_a_former_territory(tmp_path: Path, bundle: Bundle) -> None:
    b = _bundle(tmp_path)  # SYNTHETIC units (77.5% urban) and statistics of a former territory
    with (b.path / "bundle.yaml").open("a", encoding="utf-8") as fh:
        fh.write(STATS + "  urban_population_2019_pre2025: {value: 300, unit: people, "
                 "date: '2019-04-01', source: SYNTHETIC}\n"
                 "  population_2019_pre2025: {value: 400, unit: people, date: '2019-04-01', "
                 "source: SYNTHETIC}\n")
    b = load_bundle(b.path)
    assert urbanisation_rate(b).city == pytest.approx(77.5)  # units win by default
    assert urbanisation_rate(b, territory="pre2025").city == pytest.approx(75.0)  # 300 / 400
    missing = urbanisation_rate(b, territory="pre2000")
    assert missing.no_data is not None
    assert missing.no_data.missing == ("statistics.urban_population_2019_pre2000",
                                       "statistics.population_2019_pre2000")
    with pytest.raises(RecipeError, match="territory= reads manifest statistics"):
        urbanisation_rate(b, source="admin_units", territory="pre2025")


# -- land use ---------------------------------------------------------------------------------
def test_urban_land_ratio_hand_computed(tmp_path: Path) -> None:
    b = _bundle(tmp_path, replace={"land_use": _land_use()})
    r = urban_land_ratio(b)
    # A: 500×500 residential; B: 1000×100 railway + 800×800 commercial; C farmland; D none
    assert r.per_unit.tolist() == pytest.approx([25.0, 74.0, 0.0, 0.0])
    assert r.city == pytest.approx(100 * (250_000 + 740_000) / 4e6)
    assert r.inner == pytest.approx(100 * 990_000 / 2e6)


def test_transport_land_ratio_hand_computed(tmp_path: Path) -> None:
    b = _bundle(tmp_path, replace={"land_use": _land_use()})
    polygons = transport_land_ratio(b, road_estimate=False)
    assert not polygons.estimate
    assert polygons.per_unit["A"] == 0.0
    assert polygons.per_unit["B"] == pytest.approx(100 * 100_000 / 740_000)
    assert polygons.per_unit[["C", "D"]].isna().all()  # no urban land: undefined
    assert polygons.city == pytest.approx(100 * 100_000 / 990_000)
    # with roads: streets inside urban land outside the railway strip, 6 m residential:
    # A: x=500 and y=500 across [250,750] → 1,000 m; B: x=1500 and y=500 across the
    # commercial block → 1,600 m
    roads = transport_land_ratio(b)
    assert roads.estimate
    assert roads.per_unit["A"] == pytest.approx(100 * 6_000 / 250_000)
    assert roads.per_unit["B"] == pytest.approx(100 * (100_000 + 9_600) / 740_000)
    assert roads.city == pytest.approx(100 * (6_000 + 109_600) / 990_000)


def test_road_area_hand_computed(bundle: Bundle) -> None:
    # every unit holds 2,000 m of inner streets, two full border streets... shared borders
    # are split: A = 1,000 (x=500) + 1,000 (y=500) + 1,000 (x=0) + 1,000 (y=0)
    #   + 500 (half of x=1000) + 500 (half of y=1000) = 5,000 m × 6 m
    r = road_area(bundle)
    assert r.estimate and r.unit == "km2"
    assert r.per_unit.tolist() == pytest.approx([0.03] * 4)
    assert r.city == pytest.approx(0.12)
    assert r.inner == pytest.approx(0.06)
    wider = road_area(bundle, widths={"residential": 10.0})
    assert wider.city == pytest.approx(0.2)


def test_land_use_indicators_without_land_use(bundle: Bundle) -> None:
    for func in (urban_land_ratio, transport_land_ratio):
        r = func(bundle)
        assert r.no_data is not None and r.no_data.missing == ("land_use",)


# -- river corridor ---------------------------------------------------------------------------
def _river() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": ["Sông Thử"]},
                            geometry=[LineString([(X0 - 500, Y0 + 1000),
                                                  (X0 + 2500, Y0 + 1000)])], crs=CRS)


def test_river_corridor_hand_computed(tmp_path: Path) -> None:
    b = _bundle(tmp_path, replace={"river_axis": _river()})
    r = river_corridor(b, corridor_width_m=200)
    assert r.city == pytest.approx(2000 * 200 / 1e6)  # clipped to the 2 km city
    shares = r.details["shares"].set_index("component")
    assert shares.loc["green", "share_pct"] == 0.0  # the park is far from y=1000
    assert shares.loc["water", "status"].startswith("no data: water")
    assert shares.loc["built_up", "status"].startswith("no data: land_use")
    assert math.isnan(shares.loc["water", "share_pct"])


def test_river_corridor_shares(tmp_path: Path) -> None:
    water = gpd.GeoDataFrame({"kind": ["water"]}, geometry=[_b(0, 950, 500, 1050)], crs=CRS)
    b = _bundle(tmp_path, replace={"river_axis": _river(), "land_use": _land_use()})
    water.to_file(b.path / "synthetic.gpkg", layer="water", driver="GPKG")
    b = _edit_manifest(b, "  water:\n    missing: synthetic bundle has no water\n",
                       "  water:\n    file: synthetic.gpkg\n    layer: water\n")
    r = river_corridor(b, corridor_width_m=200)
    shares = r.details["shares"].set_index("component")
    assert shares.loc["water", "share_pct"] == pytest.approx(100 * 500 * 100 / 400_000)
    # built-up: the commercial block [1100,1900]×[100,900] ends 0 m short of the corridor
    # (y ≥ 900): it touches along a line, so 0 m²; the farmland in C is not built-up
    assert shares.loc["built_up", "share_pct"] == pytest.approx(0.0)


def test_river_corridor_without_axis(bundle: Bundle) -> None:
    r = river_corridor(bundle)
    assert r.no_data is not None and r.no_data.missing == ("river_axis",)
    for func in (river_corridor_population, river_length):
        r = func(bundle)
        assert r.no_data is not None and r.no_data.missing == ("river_axis",)


def test_river_corridor_population_and_length_hand_computed(tmp_path: Path) -> None:
    """SYNTHETIC river along y = 1000 m, the line between units A, B (south) and C, D (north):
    a 200 m corridor is the band 900-1100 m over the 2 km city, 0.1 km² in each 1 km² unit."""
    b = _bundle(tmp_path, replace={"river_axis": _river()})
    r = river_corridor_population(b, corridor_width_m=200)
    # no population_raster in the synthetic bundle: the census spread uniformly, said so
    assert r.params["population"] == "census_uniform" and "No population_raster" in r.method
    # A 10,000 × 0.1 + B 20,000 × 0.1 + C 6,000 × 0.1 + D 4,000 × 0.1
    assert r.city == pytest.approx(1000 + 2000 + 600 + 400)
    per_unit = r.details["per_unit"]["covered_population"]
    assert per_unit.to_dict() == pytest.approx({"A": 1000, "B": 2000, "C": 600, "D": 400})
    length = river_length(b)
    assert length.city == pytest.approx(2.0)  # 3 km of line, 2 km of it inside the city
    assert length.details["by_river"]["km"].tolist() == pytest.approx([2.0])
    with pytest.raises(RecipeError, match="population='rastr'"):
        river_corridor_population(b, population="rastr")  # type: ignore[arg-type]


# -- invariants -------------------------------------------------------------------------------
PER_UNIT: list[tuple[Any, dict[str, Any]]] = [
    (transit_coverage, {"as_of": AFTER}),
    (transit_coverage_population, {"as_of": AFTER}),
    (green_space_per_capita, {}),
    (open_space_access, {}),
    (urbanisation_rate, {}),
    (road_area, {}),
    (urban_land_ratio, {}),
    (transport_land_ratio, {}),
]


def test_per_unit_index_and_row_order_independence(tmp_path: Path) -> None:
    layers = synthetic.layers()
    forward = _bundle(tmp_path, "fwd", replace={"land_use": _land_use()})
    reversed_layers = {role: gdf.iloc[::-1].reset_index(drop=True)
                       for role, gdf in layers.items()}
    reversed_layers["land_use"] = _land_use().iloc[::-1].reset_index(drop=True)
    backward = _bundle(tmp_path, "bwd", replace=reversed_layers)
    for func, options in PER_UNIT:
        a: IndicatorResult = func(forward, **options)
        b: IndicatorResult = func(backward, **options)
        assert a.per_unit is not None and b.per_unit is not None
        assert list(a.per_unit.index) == UNIT_IDS, func.__name__
        assert list(b.per_unit.index) == UNIT_IDS[::-1], func.__name__
        pd.testing.assert_series_equal(a.per_unit, b.per_unit.loc[UNIT_IDS], rtol=1e-9,
                                       obj=func.__name__)
        assert a.city == pytest.approx(b.city), func.__name__
    assert rail_length(forward, as_of=AFTER).city == pytest.approx(
        rail_length(backward, as_of=AFTER).city)


def test_inputs_not_modified(bundle: Bundle) -> None:
    before = bundle.admin_units
    transit_coverage(bundle, as_of=AFTER)
    green_space_per_capita(bundle)
    after = bundle.admin_units
    pd.testing.assert_frame_equal(pd.DataFrame(before), pd.DataFrame(after))
