"""Property tests (hypothesis) of the indicators, on SYNTHETIC data from tests/synthetic.py.

Nothing here is real: four 1 km² units in UTM 48N (populations 10,000 / 20,000 / 6,000 /
4,000), a 2 km metro line with three stations, a 500 m street grid and a 200 m park. The
properties hold for any input hypothesis draws:

* coverage shares lie in [0, 100] % (covered people never exceed the population) and grow
  with the distance, for straight-line discs and for walking catchments along streets;
* per-capita values halve (and people counts double) when every population doubles, while
  shares stay the same;
* results do not depend on the order of the rows, nor on the CRS the layers are stored in
  (a finite domain: every one of five CRSs, with and without the manifest's ``metric_crs``).

Examples are drawn deterministically (``derandomize``) and no example database is written;
there is no deadline: these are correctness tests, not timing tests.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from geoplan.analyses import IndicatorResult
from geoplan.analyses._population import coverage_table
from geoplan.analyses.green import green_space_per_capita, open_space_access
from geoplan.analyses.rail import rail_length
from geoplan.analyses.transit import discs, transit_coverage, transit_coverage_population
from geoplan.analyses.urbanisation import urbanisation_rate
from geoplan.layers import Bundle, load_bundle
from geoplan.network import StreetGraph, catchments_from_stations, population_covered
from tests import synthetic
from tests.synthetic import CRS, X0, Y0

AS_OF = pd.Timestamp("2026-11-24").date()
ROLES = ("admin_units", "city_boundary", "metro_lines", "stations", "green_space")
UNITS = synthetic.admin_units()
GRAPH = StreetGraph.from_edges(synthetic.layers()["street_network"])


def _settings(examples: int) -> Callable[[Any], Any]:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def folders() -> Iterator[Callable[[], Path]]:
    """A fresh folder per hypothesis example (function-scoped tmp_path is not allowed)."""
    with tempfile.TemporaryDirectory(prefix="geoplan-properties-") as root:
        count = iter(range(1_000_000))
        yield lambda: Path(root) / f"b{next(count)}"


def _write(folder: Path, **replace: gpd.GeoDataFrame) -> Bundle:
    return load_bundle(synthetic.write_bundle(folder, roles=ROLES, replace=replace))


def _stops(points: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"p{i}" for i in range(len(points))]},
                            geometry=[Point(X0 + x, Y0 + y) for x, y in points], crs=CRS)


metres = st.floats(min_value=-1500.0, max_value=3500.0, allow_nan=False)
points = st.lists(st.tuples(metres, metres), min_size=1, max_size=5)
distances = st.tuples(st.floats(min_value=1.0, max_value=3000.0),
                      st.floats(min_value=1.0, max_value=3000.0)).map(sorted)


def _check_bounded(table: pd.DataFrame) -> None:
    share = table["covered_share_pct"].to_numpy(dtype=float)
    assert np.all((share >= 0.0) & (share <= 100.0 * (1 + 1e-12)))
    people = table["population"].to_numpy(dtype=float)
    covered = table["covered_population"].to_numpy(dtype=float)
    assert np.all((covered >= 0.0) & (covered <= people * (1 + 1e-12)))


# -- coverage: bounded and monotone in distance -------------------------------------------------
@_settings(60)
@given(points=points, pair=distances)
def test_straight_line_coverage_bounded_and_monotone(points: list[tuple[float, float]],
                                                     pair: list[float]) -> None:
    near_m, far_m = pair
    stops = _stops(points)
    near = coverage_table(UNITS, discs(stops, near_m))
    far = coverage_table(UNITS, discs(stops, far_m))
    _check_bounded(near)
    _check_bounded(far)
    slack = 1e-9 * near["population"] + 1e-9
    assert (far["covered_population"] >= near["covered_population"] - slack).all()


@_settings(40)
@given(points=st.lists(st.tuples(st.floats(0.0, 2000.0), st.floats(0.0, 2000.0)),
                       min_size=1, max_size=4), pair=distances)
def test_walking_coverage_bounded_and_monotone(points: list[tuple[float, float]],
                                               pair: list[float]) -> None:
    near_m, far_m = pair
    stops = _stops(points)
    near = catchments_from_stations(GRAPH, stops, distance_m=near_m)
    far = catchments_from_stations(GRAPH, stops, distance_m=far_m)
    assert far["street_length_m"].iloc[0] >= near["street_length_m"].iloc[0] - 1e-6
    inner, outer = near.geometry.iloc[0], far.geometry.iloc[0]
    assert shapely.area(shapely.difference(inner, outer)) <= 1e-6 * max(1.0, inner.area)
    a = population_covered(UNITS, inner, crs=GRAPH.crs)
    b = population_covered(UNITS, outer, crs=GRAPH.crs)
    _check_bounded(a)
    _check_bounded(b)
    assert (b["covered_population"] >= a["covered_population"] - 1e-6).all()


@pytest.fixture(scope="module")
def bundles(folders: Callable[[], Path]) -> dict[str, Bundle]:
    """The SYNTHETIC bundle, without and with its street grid."""
    return {"euclidean": _write(folders()),
            "network": load_bundle(synthetic.write_bundle(
                folders(), roles=(*ROLES, "street_network")))}


@_settings(12)
@given(pair=distances, method=st.sampled_from(["euclidean", "network"]))
def test_transit_coverage_indicator_bounded_and_monotone(
        pair: list[float], method: str, bundles: dict[str, Bundle]) -> None:
    near_m, far_m = pair
    near = transit_coverage(bundles[method], as_of=AS_OF, method=method, distance_m=near_m)
    far = transit_coverage(bundles[method], as_of=AS_OF, method=method, distance_m=far_m)
    for result in (near, far):
        assert result.city is not None and 0.0 <= result.city <= 100.0 * (1 + 1e-12)
        values = result.per_unit.dropna()
        assert ((values >= 0) & (values <= 100.0 * (1 + 1e-12))).all()
    assert far.city >= near.city - 1e-9
    assert (far.per_unit.fillna(0) >= near.per_unit.fillna(0) - 1e-9).all()


# -- per-capita values scale with the population --------------------------------------------------
def _units(population: list[int], urban: list[int]) -> gpd.GeoDataFrame:
    units = synthetic.admin_units()
    units["population"] = population
    units["urban_population"] = urban
    units["rural_population"] = [p - u for p, u in zip(population, urban, strict=True)]
    return units


def _same(a: IndicatorResult, b: IndicatorResult, *, factor: float, rel: float) -> None:
    """``b`` = ``factor`` × ``a`` (city, inner, per unit; NaN and None where ``a`` has them)."""
    for x, y in ((a.city, b.city), (a.inner, b.inner)):
        assert (x is None) == (y is None)
        if x is not None and y is not None:
            assert np.isfinite(y)
            assert y == pytest.approx(factor * x, rel=rel, abs=1e-12)
    assert a.per_unit is not None and b.per_unit is not None
    assert not np.isinf(b.per_unit.to_numpy(dtype=float)).any()
    pd.testing.assert_series_equal(b.per_unit, factor * a.per_unit, rtol=rel, atol=1e-12,
                                   check_names=False)


@_settings(8)
# at most 100,000 people per 1 km² unit, so that doubled they stay within the plausible
# density (geoplan.layers.roles.MAX_DENSITY_PER_KM2 = 200,000/km²; beyond it, validation error)
@given(population=st.lists(st.integers(0, 100_000), min_size=4, max_size=4),
       urban=st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4))
def test_population_doubled(population: list[int], urban: list[float],
                            folders: Callable[[], Path]) -> None:
    counts = [round(p * s) for p, s in zip(population, urban, strict=True)]
    one = _write(folders(), admin_units=_units(population, counts))
    two = _write(folders(), admin_units=_units([2 * p for p in population],
                                               [2 * c for c in counts]))
    rel = 1e-12
    _same(green_space_per_capita(one), green_space_per_capita(two), factor=0.5, rel=rel)
    _same(transit_coverage_population(one, as_of=AS_OF),
          transit_coverage_population(two, as_of=AS_OF), factor=2.0, rel=rel)
    _same(transit_coverage(one, as_of=AS_OF), transit_coverage(two, as_of=AS_OF), factor=1.0,
          rel=rel)
    _same(open_space_access(one), open_space_access(two), factor=1.0, rel=rel)
    _same(urbanisation_rate(one), urbanisation_rate(two), factor=1.0, rel=rel)


# -- independent of row order and of the stored CRS -----------------------------------------------
INDICATORS: tuple[Callable[..., IndicatorResult], ...] = (
    transit_coverage, green_space_per_capita, open_space_access, urbanisation_rate, rail_length,
)


@pytest.fixture(scope="module")
def baseline(bundles: dict[str, Bundle]) -> dict[str, IndicatorResult]:
    """The indicators on the SYNTHETIC bundle as written (UTM 48N, rows in order)."""
    return {func.__name__: func(bundles["euclidean"], as_of=AS_OF) for func in INDICATORS}


def _compare(expected: dict[str, IndicatorResult], bundle: Bundle, *, rel: float,
             atol: float = 1e-9) -> None:
    for func in INDICATORS:
        x, y = expected[func.__name__], func(bundle, as_of=AS_OF)
        assert y.city == pytest.approx(x.city, rel=rel, abs=atol), func.__name__
        assert (x.inner is None) == (y.inner is None), func.__name__
        if x.inner is not None:
            assert y.inner == pytest.approx(x.inner, rel=rel, abs=atol), func.__name__
        if x.per_unit is None:
            continue
        assert y.per_unit is not None
        assert sorted(y.per_unit.index) == sorted(x.per_unit.index), func.__name__
        pd.testing.assert_series_equal(y.per_unit.loc[x.per_unit.index], x.per_unit,
                                       rtol=rel, atol=atol, obj=func.__name__)


@_settings(8)
@given(units=st.permutations(range(4)), stations=st.permutations(range(4)),
       lines=st.permutations(range(2)))
def test_row_order_does_not_matter(units: list[int], stations: list[int], lines: list[int],
                                   baseline: dict[str, IndicatorResult],
                                   folders: Callable[[], Path]) -> None:
    layers = synthetic.layers()
    shuffled = {role: layers[role].iloc[order].reset_index(drop=True)
                for role, order in (("admin_units", units), ("stations", stations),
                                    ("metro_lines", lines))}
    other = _write(folders(), **shuffled)
    assert list(other.admin_units["unit_id"]) == [["A", "B", "C", "D"][i] for i in units]
    _compare(baseline, other, rel=1e-9)


@pytest.mark.parametrize("keep_metric_crs", [True, False], ids=["manifest-crs", "auto-crs"])
@pytest.mark.parametrize("epsg", [4326, 3857, 32648, 3405, 9210])
def test_stored_crs_does_not_matter(epsg: int, keep_metric_crs: bool,
                                    baseline: dict[str, IndicatorResult],
                                    folders: Callable[[], Path]) -> None:
    # 4326 degrees, 3857 Web Mercator, 32648 WGS 84 / UTM 48N, 3405 VN-2000 / UTM 48N,
    # 9210 VN-2000 / TM-3 105°45' (the Hà Nội cadastral projection)
    moved = {role: gdf.to_crs(epsg) for role, gdf in synthetic.layers().items()
             if role in ROLES}
    other = _write(folders(), **moved)
    if not keep_metric_crs:
        manifest = other.path / "bundle.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace(
            "metric_crs: EPSG:32648\n", ""), encoding="utf-8")
        other = load_bundle(other.path)
    measured_in = other.metric_crs.to_epsg()
    assert measured_in == (epsg if keep_metric_crs is False and epsg in (3405, 9210)
                           else 32648)
    # measured in UTM 48N whatever the storage: only reprojection round-off differs; measured
    # in a VN-2000 projection: its own scale (TM-3 k = 0.9999 against UTM k = 0.9996) and
    # datum move lengths by < 0.05%, areas by < 0.1%, and a disc tangent to a unit may touch
    # it by a hair (1.7e-7 % of its people)
    if measured_in == 32648:
        _compare(baseline, other, rel=1e-6)
    else:
        _compare(baseline, other, rel=1e-3, atol=1e-4)
