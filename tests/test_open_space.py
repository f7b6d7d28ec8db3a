"""SDG 11.7.1 ``open_space_access``: 400 m walking along the street network, a labelled
straight-line proxy where the network knows nothing. SYNTHETIC data of tests/synthetic.py
(nothing here is real); every expected value is computed by hand in the comments.

Reminder: units A [0,1000]², B [1000,2000]×[0,1000], C [0,1000]×[1000,2000], D [1000,2000]²
(metres from the origin), populations 10,000 / 20,000 / 6,000 / 4,000; street grid every
500 m from 0 to 2,000; 50 m street bands with 16-gon ends (``BAND_QUAD_SEGS`` = 4).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import box

from geoplan.analyses.green import open_space_access
from geoplan.errors import RecipeError
from geoplan.layers import Bundle, load_bundle
from geoplan.network import BAND_QUAD_SEGS
from tests import synthetic
from tests.synthetic import CRS, X0, Y0
from tests.test_methods import _partial_streets

#: Half of the 16-gon of radius 50 m that ends a street band: 4 r² sin(π/8).
HALF_CAP = 4 * 50**2 * math.sin(math.pi / 8)
#: The SYNTHETIC park P = [0,500]², the south-western block of A, bounded by streets.
#: Walking 400 m from its boundary (access points on the streets x=0, x=500, y=0, y=500,
#: nothing spent snapping) reaches the four boundary streets and 400 m spurs from the
#: corners: y=0 and y=500 to x=900, x=0 and x=500 to y=900. Inside A, outside P, the 50 m
#: bands add [500,550]×[0,500] 25,000 + [0,500]×[500,550] 25,000 + [550,900]×[0,50] 17,500
#: + [0,50]×[550,900] 17,500 + y=500 spur 40,000 − 2,500 overlap = 37,500 + x=500 spur
#: 40,000 − 2 × 2,500 = 35,000, plus two quarter caps (at (900,0), (0,900)) and two half
#: caps (at (900,500), (500,900)): 157,500 + 3 half caps; with P: 407,500 + 3 half caps.
WALK_A = 407_500 + 3 * HALF_CAP
#: Straight line: P buffered by 400 m inside A: P + [500,900]×[0,500] + [0,500]×[500,900]
#: + a quarter disc of 400 m at (500,500).
STRAIGHT_A = 650_000 + math.pi * 400**2 / 4


def _b(x0: float, y0: float, x1: float, y1: float) -> Any:
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _bundle(tmp_path: Path, name: str = "s", **replace: gpd.GeoDataFrame) -> Bundle:
    park = gpd.GeoDataFrame({"kind": ["park"], "name": ["P"]}, geometry=[_b(0, 0, 500, 500)],
                            crs=CRS)
    return load_bundle(synthetic.write_bundle(tmp_path / name,
                                              replace={"green_space": park, **replace}))


def test_walking_hand_computed_and_at_most_straight_line(tmp_path: Path) -> None:
    assert BAND_QUAD_SEGS == 4
    b = _bundle(tmp_path)
    r = open_space_access(b)
    assert r.per_unit.to_dict() == pytest.approx(
        {"A": WALK_A / 1e4, "B": 0.0, "C": 0.0, "D": 0.0}, rel=1e-9, abs=1e-9)
    assert r.city == pytest.approx(100 * 10_000 * WALK_A / 1e6 / 40_000, rel=1e-9)
    measured = r.details["measured"]
    assert measured.loc["walking", "share_pct"] == 100.0
    assert measured.loc["straight-line proxy", "population"] == 0.0
    assert set(r.details["per_unit"]["measured_by"]) == {"walking"}
    assert r.params["method"] == "network" and r.details["not_measured"].empty
    assert "400 m walking along street_network" in r.method
    straight = open_space_access(b, method="euclidean")
    assert straight.per_unit["A"] == pytest.approx(STRAIGHT_A / 1e4, rel=1e-4)
    assert straight.details["measured"].loc["straight line", "share_pct"] == 100.0
    assert "straight line" in straight.method
    # invariant on the full grid (no proxy): walking never covers more than straight lines
    assert (r.per_unit <= straight.per_unit + 1e-9).all()


def _small_units() -> gpd.GeoDataFrame:
    """SYNTHETIC units E = [600,850]×[100,400] (inside the block east of P, away from every
    street band: bands reach x ≤ 550, y ≤ 50 and y ≥ 450 there; caps stop at x = 950 on y=0)
    and F = P itself; 1,000 people each, spread uniformly."""
    units = synthetic.admin_units().iloc[:2].copy()
    units.geometry = [_b(600, 100, 850, 400), _b(0, 0, 500, 500)]
    units["unit_id"] = ["E", "F"]
    units[["population", "urban_population"]] = 1_000
    return units


def test_people_beyond_walking_within_straight_line(tmp_path: Path) -> None:
    b = _bundle(tmp_path, admin_units=_small_units())
    walk = open_space_access(b)
    # E lies beyond 400 m walking (no band reaches it) but within 400 m in a straight line
    # (x ≤ 900): 0 % walking, 100 % straight; F is the park itself: 100 % both ways
    assert walk.per_unit.to_dict() == pytest.approx({"E": 0.0, "F": 100.0}, abs=1e-9)
    straight = open_space_access(b, method="euclidean")
    assert straight.per_unit.to_dict() == pytest.approx({"E": 100.0, "F": 100.0}, abs=1e-9)


def test_straight_line_proxy_where_the_network_knows_nothing(tmp_path: Path) -> None:
    # the street network's extent covers only F ([-100,550]²): E has no known streets, so
    # the proxy (straight line) measures it: covered, and labelled
    b = _partial_streets(_bundle(tmp_path, admin_units=_small_units()), -100, -100, 550, 550)
    r = open_space_access(b)
    assert r.per_unit.to_dict() == pytest.approx({"E": 100.0, "F": 100.0}, abs=1e-6)
    table = r.details["per_unit"]
    assert table["measured_by"].tolist() == ["straight-line proxy", "walking"]
    assert table["walking_population"].tolist() == pytest.approx([0.0, 1_000.0], abs=1e-6)
    assert table["proxy_population"].tolist() == pytest.approx([1_000.0, 0.0], abs=1e-6)
    measured = r.details["measured"]
    assert measured["share_pct"].tolist() == pytest.approx([50.0, 50.0], abs=1e-6)
    assert "50.0 % of the population the value rests on measured walking, 50.0 % by the " \
           "proxy" in r.method


def test_open_space_far_from_streets_counts_only_itself(tmp_path: Path) -> None:
    # only the streets with y ≤ 500 kept (the grid's extent still counts as known); a park
    # [100,300]×[1600,1800] in C is 1,100 m from the nearest street (y=500): none of its
    # access points snaps, so only its own 40,000 m² of C's 1,000,000 count: 4 %
    streets = synthetic.layers()["street_network"]
    south = streets[streets.geometry.bounds["maxy"] <= Y0 + 500]
    park = gpd.GeoDataFrame({"kind": ["park"], "name": ["Far park"]},
                            geometry=[_b(100, 1600, 300, 1800)], crs=CRS)
    b = load_bundle(synthetic.write_bundle(
        tmp_path / "far", replace={"green_space": park, "street_network": south}))
    r = open_space_access(b)
    assert r.per_unit["C"] == pytest.approx(4.0, rel=1e-9)
    assert r.per_unit.drop("C").tolist() == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)
    far = r.details["not_measured"]
    assert far["name"].tolist() == ["Far park"]
    assert far["nearest_street_m"].tolist() == pytest.approx([1_100.0])
    assert "Far park" in r.method


def test_bad_options_name_the_option(tmp_path: Path) -> None:
    b = _bundle(tmp_path)
    with pytest.raises(RecipeError, match="method='walk'"):
        open_space_access(b, method="walk")  # type: ignore[arg-type]
    with pytest.raises(RecipeError, match="access_spacing_m=0"):
        open_space_access(b, access_spacing_m=0)
    with pytest.raises(RecipeError, match="snap='corner'"):
        open_space_access(b, snap="corner")  # type: ignore[arg-type]
