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


def _polygons(geom: object) -> object:
    """The polygonal part of an intersection (its touching lines and points hold nobody)."""
    import shapely

    parts = shapely.get_parts(geom)
    keep = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
    return shapely.union_all(keep) if len(keep) else shapely.Polygon()


def test_rail_population_default_is_dasymetric(hanoi: Bundle) -> None:
    """Real bundle: the default spreads each ward's 2019 census count by WorldPop 2020 within
    the ward, checked by an independent computation (exactextract called directly on the
    straight-line discs) instead of the indicator's own code path."""
    import geopandas as gpd
    import shapely
    from exactextract import exact_extract

    from geoplan.analyses.rail import in_service

    as_of = dt.date(2026, 11, 24)
    r = transit_coverage_population(hanoi, as_of=as_of, mode="rail", distance_m=1000)
    uniform = transit_coverage_population(hanoi, as_of=as_of, mode="rail", distance_m=1000,
                                          population="census_uniform")
    assert r.params["population"] == "raster" and "dasymetric" in r.method
    assert uniform.params["population"] == "census_uniform"
    assert uniform.city == pytest.approx(837_978.78, abs=0.01)  # the uniform spread
    crs = hanoi.metric_crs
    units = hanoi.admin_units.to_crs(crs)
    stations = hanoi.stations.to_crs(crs)
    stations = stations[in_service(stations, as_of=as_of, statuses=("operating",)).to_numpy()]
    disc = shapely.union_all(shapely.buffer(stations.geometry.to_numpy(), 1000, quad_segs=64))
    pieces = [_polygons(shapely.intersection(g, disc)) for g in units.geometry]
    raster = str(hanoi.raster_path("population_raster"))

    def sums(geoms: list[object]) -> np.ndarray:
        frame = gpd.GeoDataFrame(geometry=geoms, crs=crs).to_crs(4326)
        some = ~frame.geometry.is_empty
        out = np.zeros(len(frame))
        stats = exact_extract(raster, frame[some], "sum", output="pandas")
        out[some.to_numpy()] = np.nan_to_num(stats["sum"].to_numpy(dtype=float))
        return out

    whole, part = sums(list(units.geometry)), sums(pieces)
    assert (whole > 0).all()  # every ward has WorldPop people: no uniform fallback
    expected = float((units["population"].to_numpy(dtype=float) * part / whole).sum())
    assert r.city == pytest.approx(expected, rel=1e-9)
    assert r.city == pytest.approx(966_766.27, abs=0.01)
    # people live near the stations more densely than a uniform spread says
    assert r.city > uniform.city
    assert set(r.details["per_unit"]["population_method"]) == {"raster"}


def test_uniform_fallback_is_named(tmp_path: object) -> None:
    """SYNTHETIC bundle without population_raster: the default falls back, and says so."""
    from pathlib import Path

    from geoplan.layers import load_bundle
    from tests import synthetic

    bundle = load_bundle(synthetic.write_bundle(Path(str(tmp_path)) / "s"))
    r = transit_coverage(bundle, as_of=dt.date(2026, 12, 4), mode="rail", distance_m=500)
    assert r.params["population"] == "census_uniform"
    assert "No population_raster (" in r.method
    assert "spread uniformly" in r.method
    green = open_space_access(bundle)
    assert green.params["population"] == "census_uniform"
    assert "No population_raster" in green.method


def test_red_river_length_and_population(hanoi: Bundle) -> None:
    """Real bundle: the centreline lengths the bundle's build recorded (bundle.yaml: 167.2 km of
    the Hồng, 19.8 km of the Đuống inside the city) and the people in the 1 km corridor."""
    from geoplan.analyses.rivers import river_corridor_population, river_length

    length = river_length(hanoi)
    by_river = length.details["by_river"].set_index("role")["km"]
    assert round(by_river["river_axis"], 1) == 167.2
    assert round(by_river["river_corridors"], 1) == 19.8
    assert length.city == pytest.approx(by_river.sum(), abs=0.01)  # the two do not overlap
    people = river_corridor_population(hanoi)
    assert people.params["population"] == "raster"
    per_unit = people.details["per_unit"]
    assert people.city == pytest.approx(float(per_unit["covered_population"].sum()))
    assert (per_unit["covered_population"] <= per_unit["population"] + 1e-6).all()
    total = float(hanoi.admin_units["population"].sum())
    assert people.city is not None and 0 < people.city < total
    raw = people.details["worldpop"].set_index("area")["raster_population"]
    assert 0 < raw["corridor"] < raw["city"]
    # independently: the 500 m bands of both centrelines, cut to the city, weighted by WorldPop
    import geopandas as gpd
    import shapely
    from exactextract import exact_extract

    crs = hanoi.metric_crs
    lines = [*hanoi.river_axis.to_crs(crs).geometry, *hanoi.river_corridors.to_crs(crs).geometry]
    city = shapely.union_all(hanoi.city_boundary.to_crs(crs).geometry.to_numpy())
    band = shapely.intersection(shapely.union_all(shapely.buffer(lines, 500)), city)
    units = hanoi.admin_units.to_crs(crs)
    pieces = [_polygons(shapely.intersection(g, band)) for g in units.geometry]
    raster = str(hanoi.raster_path("population_raster"))

    def sums(geoms: list[object]) -> np.ndarray:
        frame = gpd.GeoDataFrame(geometry=geoms, crs=crs).to_crs(4326)
        some = ~frame.geometry.is_empty
        out = np.zeros(len(frame))
        stats = exact_extract(raster, frame[some], "sum", output="pandas")
        out[some.to_numpy()] = np.nan_to_num(stats["sum"].to_numpy(dtype=float))
        return out

    whole, part = sums(list(units.geometry)), sums(pieces)
    expected = float((units["population"].to_numpy(dtype=float) * part / whole).sum())
    assert people.city == pytest.approx(expected, rel=1e-6)
    uniform = river_corridor_population(hanoi, population="census_uniform")
    assert uniform.city is not None and people.city < uniform.city  # fewer live by the river
