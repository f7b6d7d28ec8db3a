"""Indicators on the embedded real Hà Nội bundle (layers/hanoi): official figures and invariants.

Skipped, with the reason, until ``layers/hanoi`` is committed.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from geoplan.analyses.green import green_space_per_capita, open_space_access
from geoplan.analyses.landuse import road_area
from geoplan.analyses.rail import rail_length
from geoplan.analyses.rivers import river_corridor
from geoplan.analyses.transit import transit_coverage, transit_coverage_population
from geoplan.analyses.urbanisation import urbanisation_rate
from geoplan.layers import Bundle, list_bundles

pytestmark = pytest.mark.skipif("hanoi" not in list_bundles(),
                                reason="layers/hanoi is not built yet")

TODAY = dt.date.today()


@pytest.fixture(scope="module")
def units(hanoi: Bundle) -> list[str]:
    return hanoi.admin_units["unit_id"].astype(str).tolist()


def test_rail_length_equals_operating_lines(hanoi: Bundle) -> None:
    r = rail_length(hanoi, as_of=TODAY)
    lines = hanoi.metro_lines
    operating = lines[(lines["status"] == "operating")
                      & (lines["opening_date"].astype(str).str.slice(0, 10) <= TODAY.isoformat())]
    expected = float(operating.to_crs(32648).geometry.length.sum()) / 1000.0
    assert r.city == pytest.approx(expected, rel=1e-6)
    # Line 2A Cát Linh–Hà Đông (13.05 km) + Line 3 elevated Nhổn–Cầu Giấy (8.5 km)
    assert r.city == pytest.approx(21.6, abs=0.5)
    # before Line 3 opened (2024-08-08) only 2A (opened 2021-11-06) was in service
    assert rail_length(hanoi, as_of=dt.date(2024, 8, 7)).city == pytest.approx(13.05, abs=0.3)
    assert rail_length(hanoi, as_of=dt.date(2021, 11, 5)).city == 0.0
    by_year = r.details["by_year"].set_index("year")
    assert by_year.loc[TODAY.year, "km_in_service"] == pytest.approx(r.city)


def test_urbanisation_rate_matches_gso_2019(hanoi: Bundle, units: list[str]) -> None:
    r = urbanisation_rate(hanoi)
    assert r.city == pytest.approx(49.2, abs=0.5)  # GSO, 2019 census: 49.2% urban
    assert r.per_unit is not None and list(r.per_unit.index) == units
    assert r.inner is not None and r.inner > r.city


@pytest.mark.parametrize("mode", ["rail", "bus"])
def test_transit_coverage_bounds_and_index(hanoi: Bundle, units: list[str], mode: str) -> None:
    r = transit_coverage(hanoi, as_of=TODAY, mode=mode)
    assert r.no_data is None and r.city is not None
    assert 0.0 <= r.city <= 100.0
    assert r.per_unit is not None and list(r.per_unit.index) == units
    values = r.per_unit.dropna()
    assert ((values >= 0) & (values <= 100 + 1e-9)).all()
    people = transit_coverage_population(hanoi, as_of=TODAY, mode=mode)
    total = float(hanoi.admin_units["population"].sum())
    assert people.city is not None and 0 < people.city <= total
    if hanoi.entry("stations" if mode == "rail" else "bus_stops").coverage == "partial":
        # units without data are NaN, not zero, and the city value says so
        assert r.per_unit.isna().any()
        assert "not zero" in r.method


def test_rail_coverage_grows_with_distance(hanoi: Bundle) -> None:
    near = transit_coverage(hanoi, as_of=TODAY, distance_m=500)
    far = transit_coverage(hanoi, as_of=TODAY, distance_m=1000)
    assert near.city is not None and far.city is not None
    assert near.city < far.city
    assert (near.per_unit.fillna(0) <= far.per_unit.fillna(0) + 1e-9).all()


def test_missing_layers_are_no_data(hanoi: Bundle) -> None:
    for func in (green_space_per_capita, open_space_access):
        r = func(hanoi)
        if hanoi.has("green_space"):
            assert r.no_data is None
        else:
            assert r.no_data is not None and "green_space" in r.no_data.missing
            assert r.city is None


def test_road_area_is_an_estimate_on_covered_units(hanoi: Bundle) -> None:
    if not hanoi.has("street_network"):
        pytest.skip("no street_network in the Hà Nội bundle")
    r = road_area(hanoi)
    assert r.estimate and r.per_unit is not None
    covered = r.per_unit.dropna()
    assert len(covered) > 0 and (covered > 0).all()
    area = hanoi.admin_units.to_crs(32648).set_index("unit_id").geometry.area / 1e6
    assert (covered < area.loc[covered.index].to_numpy()).all()


def test_river_corridor_inside_the_city(hanoi: Bundle) -> None:
    if not hanoi.has("river_axis"):
        pytest.skip("no river_axis in the Hà Nội bundle")
    r = river_corridor(hanoi)
    city_km2 = float(hanoi.admin_units.to_crs(32648).geometry.area.sum()) / 1e6
    assert r.city is not None and 0 < r.city < city_km2
    narrow = river_corridor(hanoi, corridor_width_m=500)
    assert narrow.city is not None and narrow.city < r.city
    assert not math.isnan(float(np.float64(r.city)))
