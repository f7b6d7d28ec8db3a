"""Cartography of the maps, checked on the page's data (no browser): value classes by a named
mapclassify scheme, counts as proportional circles, names shown from the zoom where they
fit, the compact coordinate encoding, and what the real Hà Nội run map carries (size, main
roads, bus stops, one plan at a time). Values are hand-computed or real (layers/hanoi)."""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan.layers import list_bundles
from geoplan.maps import UnknownClassesError, map_run, save_map
from geoplan.maps._context import _label_zoom
from geoplan.maps._geo import compact_collection, expand_collection, feature_collection
from geoplan.maps._thematic import _breaks, _nice
from tests.test_maps import layer_specs, render, run_result, shared_data  # noqa: F401
from tests.test_recipes import tiny_indicators  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]

# SYNTHETIC values in five obvious groups of two
GROUPS = pd.Series([1, 1.5, 10, 10.5, 20, 20.5, 30, 30.5, 40, 40.5])


def test_class_schemes_by_hand() -> None:
    # Fisher–Jenks finds the five groups
    assert _breaks(GROUPS, "natural_breaks") == [1.0, 1.5, 10.5, 20.5, 30.5, 40.5]
    # quintiles, linear interpolation: the 20th percentile lies 0.8 of the way from 1.5 to 10
    assert _breaks(GROUPS, "quantiles") == pytest.approx([1.0, 8.3, 16.2, 24.3, 32.4, 40.5])
    # five equal steps of (40.5 - 1) / 5 = 7.9
    assert _breaks(GROUPS, "equal_interval") == pytest.approx([1, 8.9, 16.8, 24.7, 32.6, 40.5])
    # user breaks: upper edges, the maximum closing the last class
    assert _breaks(GROUPS, user=[15, 25]) == [1.0, 15.0, 25.0, 40.5]
    # breaks at or below the minimum, or not finite, are dropped
    assert _breaks(GROUPS, user=[0.5, float("nan"), 15]) == [1.0, 15.0, 40.5]


def test_numpy_classes_are_mapclassify_s() -> None:
    """Quantiles, equal intervals and user breaks are computed without importing
    mapclassify; they equal its classifiers' bins (SYNTHETIC values, 3 seeds)."""
    import mapclassify

    for seed in range(3):
        y = pd.Series(np.random.default_rng(seed).gamma(2.0, 10.0, size=126))
        assert _breaks(y, "quantiles")[1:] == pytest.approx(
            list(mapclassify.Quantiles(y.to_numpy(), k=5).bins))
        assert _breaks(y, "equal_interval")[1:] == pytest.approx(
            list(mapclassify.EqualInterval(y.to_numpy(), k=5).bins))
        assert _breaks(y, user=[10, 20, 40])[1:] == pytest.approx(
            list(mapclassify.UserDefined(y.to_numpy(), bins=[10, 20, 40]).bins))


def test_scheme_is_checked_and_named_in_the_legend(run_result: Any,  # noqa: F811
                                                   tmp_path: Path) -> None:
    with pytest.raises(UnknownClassesError, match=r"unknown classes 'jenks'.*natural_breaks"):
        map_run(run_result, classes="jenks")
    with pytest.raises(UnknownClassesError, match=r"s\.urban: \['a'\]"):
        map_run(run_result, breaks={"s.urban": ["a"]})  # type: ignore[list-item]
    page = render(map_run(run_result, lang="en", classes="natural_breaks"), tmp_path)
    assert "Value per unit · natural-break classes (Fisher–Jenks)" in page
    page = render(map_run(run_result, lang="vi"), tmp_path, "vi.html")
    assert "lớp phân vị" in page and "quantile" not in page


def test_label_zoom_and_nice_numbers_by_hand() -> None:
    # 10 letters: 71 px; at 21° N a pixel is 156,543.03 × cos 21° / 2^z m; a 1 km wide unit
    # fits the name when 2^z >= 71 × 146,145.6 / 1,000 = 10,376: z = 13.34 → 14
    assert _label_zoom(10, 1000.0, 21.0) == 14
    assert _label_zoom(10, 8000.0, 21.0) == 11  # eight times wider: three levels earlier
    assert _label_zoom(3, 1e9, 0.0) == 0 and _label_zoom(40, 1.0, 21.0) == 19  # clamped
    assert [_nice(v) for v in (8372.0, 1.0, 0.3, 250.0)] == [5000.0, 1.0, 0.2, 200.0]


def test_compact_coordinates_expand_exactly() -> None:
    """SYNTHETIC shapes of every GeoJSON type, rounded to 5 decimals as display_layer does."""
    shapes = [
        shapely.Point(105.83551, 21.02931),
        shapely.MultiPoint([(105.8, 21.0), (105.80001, 21.00002), (105.9, 21.1)]),
        shapely.LineString([(105.8, 21.0), (105.81, 21.01), (105.8, 21.02)]),
        shapely.MultiLineString([[(105.8, 21.0), (105.9, 21.0)], [(105.7, 20.9), (105.7, 21)]]),
        shapely.MultiPolygon([shapely.Polygon([(105.8, 21.0), (105.9, 21.0), (105.9, 21.1)],
                                              [[(105.88, 21.01), (105.89, 21.01),
                                                (105.89, 21.02)]]),
                              shapely.box(105.0, 20.0, 105.1, 20.1)]),
    ]
    import geopandas as gpd

    collection = feature_collection(gpd.GeoSeries(shapes, crs=4326))
    compact = compact_collection(collection)
    assert compact["gp"] == 5
    assert compact["features"][0]["geometry"]["coordinates"] == [10583551, 2102931]
    # a line: its first position, then steps of 0.01° = 1000 units
    assert compact["features"][2]["geometry"]["coordinates"] == [
        [10580000, 2100000], [1000, 1000], [-1000, 1000]]
    assert expand_collection(compact) == collection
    assert len(json.dumps(compact)) < len(json.dumps(collection))


# -- colour-blind safety -------------------------------------------------------------------
#: Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of
#: color vision deficiency", severity 1.0, applied to linear RGB.
_CVD = {
    "protan": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                        [-0.003882, -0.048116, 1.051998]]),
    "deutan": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]]),
    "tritan": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                        [0.004733, 0.691367, 0.303900]]),
}


def _linear(colour: str) -> np.ndarray:
    c = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of linear sRGB."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > (6 / 29) ** 3, np.cbrt(t), t / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def _worst_difference(a: str, b: str) -> float:
    """Smallest CIE76 colour difference of ``a`` and ``b`` seen with normal vision or any of
    the three dichromacies."""
    seen = [np.eye(3), *_CVD.values()]
    return min(float(np.linalg.norm(_lab(m @ _linear(a)) - _lab(m @ _linear(b))))
               for m in seen)


def test_status_colours_stay_apart_for_colour_blind_readers() -> None:
    from geoplan.maps._style import STATUS_COLOURS

    # the simulation itself: black and white are 100 apart for everyone; pure red and green
    # collapse for a deuteranope (the case the old red–green ramp fell into)
    assert _worst_difference("#000000", "#ffffff") == pytest.approx(100.0, abs=0.5)
    assert _worst_difference("#ff0000", "#00ff00") < 30
    distinct = {colour: status for status, colour in STATUS_COLOURS.items()}  # behind = not met
    for a, b in itertools.combinations(sorted(distinct), 2):
        assert _worst_difference(a, b) >= 15, (distinct[a], distinct[b])
    assert _worst_difference(STATUS_COLOURS["met"], STATUS_COLOURS["not met"]) >= 35


HANOI = "hanoi" in list_bundles()


@pytest.fixture(scope="module")
def hanoi_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, int]:
    from geoplan.workflows.run import run_recipe

    result = run_recipe(ROOT / "analyses" / "hanoi-02-nq-tw.yaml")
    path = save_map(map_run(result), tmp_path_factory.mktemp("hn") / "index.html")
    return result, path.read_text(encoding="utf-8"), path.stat().st_size


@pytest.mark.slow
@pytest.mark.skipif(not HANOI, reason="the real Hà Nội bundle (layers/hanoi) is not built yet")
def test_hanoi_run_map_size_and_layers(hanoi_run: tuple[Any, str, int]) -> None:
    result, page, size = hanoi_run
    assert size < 1_500_000  # issue 14's budget (was 1.52 MB before the compact coordinates)
    specs = layer_specs(page)
    # 77,507 walkable edges, of which 1,022 trunk and 3,824 primary are drawn
    streets = result.bundle.street_network
    main = int(streets["highway"].isin(["motorway", "trunk", "primary"]).sum())
    assert main == 4846 and len(streets) == 77507
    assert "Chỉ vẽ đường trục chính (4.846 trong 77.507 đoạn đường)" in page
    # 3,135 bus stops: one shape, without tooltips, off at first
    stops = next(s for s in specs if s["cls"] == "gp-bus-stop")
    assert stops["rows"] is None and stops["interactive"] is False
    name = re.search(r"geoplan\.layer\((\w+), [^\n]*\"cls\":\"gp-bus-stop\"", page).group(1)
    drawn = shared_data(page, name)["features"]
    assert len(drawn) == 1 and len(drawn[0]["geometry"]["coordinates"]) == 3135
    # the two plans' lines: one group, both off at first
    planned = [s for s in specs if s.get("group") == "planned-lines"]
    assert len(planned) == 2


@pytest.mark.slow
@pytest.mark.skipif(not HANOI, reason="the real Hà Nội bundle (layers/hanoi) is not built yet")
def test_hanoi_catchment_scenarios_carry_their_population(
        hanoi_run: tuple[Any, str, int]) -> None:
    from geoplan.analyses.ranking import rank_planned_lines
    from geoplan.analyses.wording import format_quantity
    from geoplan.network import coverage_scenarios

    result, page, _ = hanoi_run
    names = [json.loads(f'"{n}"') for n in
             re.findall(r'"((?:[^"\\]|\\.)*)" : geoplan_layer_', page)]
    walking = [n for n in names if n.startswith("Vùng đi bộ 1 km")]
    scenarios = coverage_scenarios(result.bundle, distance_m=1000, year=2030,
                                   today=result.as_of, lines=False).city
    # now, 2030 and the build-out of the one plan whose planned stations are mapped
    assert list(scenarios.index) == ["now", "2030", "full: Capital master plan corridors "
                                     "(QĐ 1668/QĐ-TTg 2024; digitised, approximate)"]
    people = [format_quantity(float(v), "people", "vi")
              for v in scenarios["covered_population"]]
    assert [n.rsplit(": ", 1)[1] for n in walking] == people
    # the lines in service today reach 421,919 people within 1 km on foot, people placed by
    # WorldPop within each ward as every coverage indicator places them: the figure
    # rank_planned_lines gives as its baseline at 1,000 m (another path through the code);
    # 365,909 with the census spread uniformly over each ward (the option)
    assert round(scenarios.loc["now", "covered_population"]) == 421_919
    ranking = rank_planned_lines(result.bundle, plan="QĐ 1668", distance_m=1000)
    assert round(ranking.attrs["covered_in_service"]) == 421_919
    uniform = coverage_scenarios(result.bundle, distance_m=1000, year=2030,
                                 today=result.as_of, lines=False, population="census_uniform")
    assert round(uniform.city.loc["now", "covered_population"]) == 365_909
    assert uniform.population_method == "census_uniform"
    assert coverage_scenarios(result.bundle, distance_m=1000, year=2030, today=result.as_of,
                              lines=False).population_method == "raster"
    assert scenarios["covered_population"].is_monotonic_increasing
    # one scenario at a time: a group, today's shown first
    groups = [s for s in layer_specs(page) if s.get("group") == "catchment-scenario"]
    assert len(groups) == 3


@pytest.mark.slow
@pytest.mark.skipif(not HANOI, reason="the real Hà Nội bundle (layers/hanoi) is not built yet")
def test_counts_are_proportional_circles(hanoi_run: tuple[Any, str, int]) -> None:
    result, page, _ = hanoi_run
    from geoplan.analyses.recipe import slugify

    counted = [s for s in layer_specs(page) if "symbols" in s]
    card = result.scorecard
    people = [slugify(k) for k, u in zip(card["key"], card["unit"], strict=True)
              if u == "people" and f"{slugify(k)}_value" in result.units.columns]
    assert len(counted) == len(people) >= 1
    for spec, slug in zip(counted, people, strict=True):
        values = result.units[f"{slug}_value"].astype(float).to_numpy()
        top = values[values > 0].max()
        # circle area ∝ value: r = 22 px × √(value / largest), none where there is nobody
        expected = [round(22.0 * math.sqrt(v / top), 1) if math.isfinite(v) and v > 0 else 0.0
                    for v in values]
        assert spec["symbols"]["r"] == expected
        assert max(expected) == 22.0 and 0.0 in expected
        # the units underneath are plain: one style for units with a value, one for none
        assert len(spec["styles"]) == 2


def test_run_command_classes_option(run_result: Any, tmp_path: Path,  # noqa: F811
                                    capsys: pytest.CaptureFixture[str]) -> None:
    """``geoplan run --classes``: checked before anything is computed, named in the map's
    legend and in provenance.json (SYNTHETIC recipe and bundle of tests/test_maps.py)."""
    from geoplan.cli import main

    recipe = str(run_result.recipe.path)
    bundle = str(run_result.bundle.path)
    assert main(["run", recipe, "--bundle", bundle, "--out", str(tmp_path / "bad"),
                 "--classes", "jenks"]) == 2
    err = capsys.readouterr().err
    assert "--classes" in err and "natural_breaks" in err and "Traceback" not in err
    assert not (tmp_path / "bad").exists()
    out = tmp_path / "ok"
    assert main(["run", recipe, "--bundle", bundle, "--out", str(out), "--lang", "en",
                 "--classes", "equal_interval", "--as-of", "2026-11-24"]) == 0
    assert "Value per unit · equal-interval classes" in (out / "index.html").read_text("utf-8")
    provenance = json.loads((out / "provenance.json").read_text("utf-8"))
    assert provenance["parameters"]["classes"] == "equal_interval"
