"""Per-unit values aligned to ``admin_units`` by ``unit_id``, on the shipped Hà Nội bundle.

``admin_units`` is indexed by ``unit_id``, the index of every indicator's per-unit values, so
``units.join(result.per_unit)`` aligns them (it gave 0 of 126 values on the old RangeIndex);
``to_geodataframe``/``explore`` of results and evaluations; ``geoplan.indicators``; the
Bundle repr.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import geoplan.indicators
from geoplan.analyses import IndicatorResult, get_indicator, list_indicators
from geoplan.analyses.evaluate import MET, NO_DATA, NOT_MET, evaluate_target
from geoplan.analyses.recipe import Target
from geoplan.errors import LayerNotAvailableError, ResultError
from geoplan.indicators import rail_length, transit_coverage, transit_coverage_population
from geoplan.layers import Bundle, list_bundles

pytestmark = pytest.mark.skipif("hanoi" not in list_bundles(),
                                reason="layers/hanoi is not built yet")

#: 2019 census population of Hà Nội carried to the 126 units of 2025 (GSO; layers/hanoi).
HANOI_POPULATION = 8_053_663
_HAS_MAPCLASSIFY = importlib.util.find_spec("mapclassify") is not None
_NO_EXPLORE = "mapclassify (the 'explore' extra, which GeoDataFrame.explore imports) is absent"


@pytest.fixture(scope="module")
def rail_1km(hanoi: Bundle) -> IndicatorResult:
    return transit_coverage(hanoi, mode="rail", distance_m=1000)


def _unit_target(value: float) -> Target:
    return Target.model_validate({
        "id": "test.rail_1km", "title": {"vi": "x", "en": "x"},
        "indicator": "transit_coverage", "options": {"mode": "rail", "distance_m": 1000},
        "scope": "unit", "comparator": ">=", "value": value, "unit": "%", "year": 2030,
        "source": {"document": "test", "date": "2026", "section": "1"}})


# -- one index ---------------------------------------------------------------------------------
def test_admin_units_indexed_by_unit_id(hanoi: Bundle) -> None:
    units = hanoi.admin_units
    assert units.index.name == "unit_id"
    assert len(units) == 126
    assert units.index.is_unique
    assert units.index.tolist() == units["unit_id"].astype(str).tolist()  # column kept, in order
    assert hanoi.layer("admin_units").index.equals(units.index)
    assert isinstance(hanoi.city_boundary.index, pd.RangeIndex)  # other layers unchanged
    assert int(units["population"].sum()) == HANOI_POPULATION


def test_admin_units_indexed_after_validate(hanoi: Bundle) -> None:
    """validate() fills the cache too: the frame it leaves is indexed the same way."""
    from geoplan.layers import load_bundle

    fresh = load_bundle("hanoi")
    fresh.validate()
    assert fresh.admin_units.index.name == "unit_id"
    assert fresh.admin_units.index.equals(hanoi.admin_units.index)


def test_join_gives_every_unit_its_value(hanoi: Bundle, rail_1km: IndicatorResult) -> None:
    assert rail_1km.per_unit is not None
    joined = hanoi.admin_units.join(rail_1km.per_unit.rename("share"))
    assert int(joined["share"].notna().sum()) == 126  # was 0 of 126 on a RangeIndex
    assert hanoi.admin_units.index.equals(rail_1km.per_unit.index)  # same ids, same order
    assert hanoi.admin_units.index.dtype == rail_1km.per_unit.index.dtype
    # the value of each row is its own unit's: covered people / population, per unit
    people = transit_coverage_population(hanoi, mode="rail", distance_m=1000)
    assert people.per_unit is not None
    expected = 100.0 * hanoi.admin_units.join(people.per_unit.rename("covered"))["covered"] \
        / joined["population"]
    np.testing.assert_allclose(joined["share"].to_numpy(), expected.to_numpy(), rtol=1e-9)


# -- to_geodataframe / explore -----------------------------------------------------------------
def test_result_to_geodataframe(hanoi: Bundle, rail_1km: IndicatorResult) -> None:
    frame = rail_1km.to_geodataframe(hanoi)
    assert isinstance(frame, gpd.GeoDataFrame)
    assert frame.index.name == "unit_id" and len(frame) == 126
    assert int(frame["value"].notna().sum()) == 126
    assert frame.crs == hanoi.admin_units.crs
    assert {"name", "population", "coverage"} <= set(frame.columns)
    assert frame.attrs == {"indicator": "transit_coverage", "unit": "%"}
    # the population-weighted mean of the unit values is the city value: 12.0 % in 2026,
    # 966,766.27 of 8,053,663 people (the WorldPop-weighted count checked independently in
    # tests/test_indicators_hanoi.py::test_rail_population_default_is_dasymetric; 10.4 %
    # spread uniformly)
    weighted = float((frame["value"] * frame["population"]).sum() / HANOI_POPULATION)
    assert weighted == pytest.approx(rail_1km.city, rel=1e-9)
    assert rail_1km.city == pytest.approx(100 * 966_766.27 / 8_053_663, abs=1e-4)
    # Hoàn Kiếm has no operating station within 1 km in 2026 (Lines 2A and 3 only)
    assert frame.loc[frame["name"] == "Phường Hoàn Kiếm", "value"].item() == 0.0


def test_to_geodataframe_aligns_by_id_not_position(hanoi: Bundle,
                                                   rail_1km: IndicatorResult) -> None:
    units = hanoi.admin_units
    shuffled = units.iloc[::-1].reset_index(drop=True)  # a RangeIndex, reversed rows
    frame = rail_1km.to_geodataframe(shuffled)
    assert frame.index.tolist() == units.index[::-1].tolist()
    assert rail_1km.per_unit is not None
    pd.testing.assert_series_equal(frame["value"], rail_1km.per_unit.reindex(frame.index),
                                   check_names=False)


def test_to_geodataframe_refuses_units_of_another_bundle(hanoi: Bundle,
                                                         rail_1km: IndicatorResult) -> None:
    some = hanoi.admin_units.iloc[:10]
    with pytest.raises(ResultError, match=r"116 of its 126 unit_id\(s\) are not among the 10"):
        rail_1km.to_geodataframe(some)
    with pytest.raises(ResultError, match="no 'unit_id'"):
        rail_1km.to_geodataframe(some.drop(columns="unit_id").reset_index(drop=True))


def test_to_geodataframe_without_per_unit_values(hanoi: Bundle) -> None:
    with pytest.raises(ResultError, match=r"rail_length.*city-wide value only"):
        rail_length(hanoi).to_geodataframe(hanoi)
    green = geoplan.indicators.green_space_per_capita(hanoi)  # hanoi has no green_space
    assert green.is_no_data
    with pytest.raises(LayerNotAvailableError, match="green_space"):
        green.to_geodataframe(hanoi)


def test_evaluation_to_geodataframe(hanoi: Bundle, rail_1km: IndicatorResult) -> None:
    ev = evaluate_target(_unit_target(10.0), rail_1km, as_of=dt.date(2026, 6, 30))
    frame = ev.to_geodataframe(hanoi)
    assert len(frame) == 126 and frame.index.name == "unit_id"
    met = frame["value"] >= 10.0
    assert (frame.loc[met, "status"] == MET).all()
    assert (frame.loc[~met, "status"] == NOT_MET).all()
    assert int((frame["status"] == MET).sum()) == ev.units_met
    assert ev.units_evaluated == 126
    # gap = target - value per unit
    np.testing.assert_allclose(frame["gap"], 10.0 - frame["value"], atol=1e-9)
    assert frame.attrs["key"] == "test.rail_1km/unit@2030"


def test_evaluation_without_per_unit_values() -> None:
    ev = evaluate_target(_unit_target(10.0), IndicatorResult.missing(
        "transit_coverage", "%", ("stations",), "no stations (SYNTHETIC)"))
    assert ev.status == NO_DATA
    with pytest.raises(ResultError, match=r"no values per unit.*no stations"):
        ev.to_geodataframe(gpd.GeoDataFrame({"unit_id": ["a"]}, geometry=[None]))


@pytest.mark.skipif(not _HAS_MAPCLASSIFY, reason=_NO_EXPLORE)
def test_explore_maps_one_result_without_tiles(hanoi: Bundle,
                                               rail_1km: IndicatorResult) -> None:
    import folium

    fmap = rail_1km.explore(hanoi)
    assert isinstance(fmap, folium.Map)
    html = fmap.get_root().render()
    assert json.dumps("Phường Ba Đình") in html  # a unit's tooltip (in the GeoJSON)
    assert "tile.openstreetmap.org" not in html and "basemaps.cartocdn" not in html
    assert "transit_coverage (%)" in html  # the legend caption


@pytest.mark.skipif(not _HAS_MAPCLASSIFY, reason=_NO_EXPLORE)
def test_evaluation_explore_colours_by_status(hanoi: Bundle,
                                              rail_1km: IndicatorResult) -> None:
    from geoplan.maps._style import STATUS_COLOURS

    ev = evaluate_target(_unit_target(10.0), rail_1km, as_of=dt.date(2026, 6, 30))
    html = ev.explore(hanoi).get_root().render()
    assert STATUS_COLOURS[MET] in html and STATUS_COLOURS[NOT_MET] in html


def test_explore_without_mapclassify_names_the_extra(hanoi: Bundle, rail_1km: IndicatorResult,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from geoplan.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "mapclassify", None)  # import of it fails
    with pytest.raises(MissingExtraError, match=r"geoplan\[explore\]"):
        rail_1km.explore(hanoi)


# -- geoplan.indicators ------------------------------------------------------------------------
def test_indicators_module_exports_every_registered_indicator() -> None:
    registered = list_indicators()
    assert set(geoplan.indicators.__all__) == set(registered)
    for name, spec in registered.items():
        assert getattr(geoplan.indicators, name) is spec.func


def test_indicator_function_equals_registry(hanoi: Bundle, rail_1km: IndicatorResult) -> None:
    through = get_indicator("transit_coverage").func(hanoi, mode="rail", distance_m=1000)
    assert rail_1km.city == through.city
    assert rail_1km.per_unit is not None and through.per_unit is not None
    pd.testing.assert_series_equal(rail_1km.per_unit, through.per_unit)


# -- repr --------------------------------------------------------------------------------------
def test_bundle_repr(hanoi: Bundle) -> None:
    assert repr(hanoi) == "<Bundle hanoi: 'Hà Nội', 9 layers, 3 missing>"
    assert len(hanoi.roles) == 9 and set(hanoi.missing) == {"water", "green_space", "land_use"}
