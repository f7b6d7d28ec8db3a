"""rank_planned_lines: which line first, on the SYNTHETIC bundle of tests/synthetic.py (not
real data) and, where the embedded bundle is present, on the real Hà Nội master plan."""
from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from geoplan.analyses.ranking import RANKING_COLUMNS, rank_planned_lines
from geoplan.errors import RecipeError
from geoplan.layers import load_bundle
from geoplan.network import coverage_scenarios
from tests import synthetic
from tests.test_monitor import MONITOR_RECIPE


def test_a_line_adds_what_the_scenarios_add(synthetic_bundle_path: Path) -> None:
    table = rank_planned_lines(synthetic_bundle_path, plan="synthetic", distance_m=500)
    assert list(table.columns) == list(RANKING_COLUMNS)
    assert table.index.tolist() == ["L2"]  # L1 is in service: not ranked
    row = table.loc["L2"]
    scen = coverage_scenarios(synthetic_bundle_path, distance_m=500,
                              today=dt.date(2026, 12, 4))
    expected = float(scen.lines.set_index("line_id").loc["L2", "new_population"])
    assert row["added_population"] == pytest.approx(expected, rel=1e-12)
    assert row["added_population"] > 0
    assert row["added_per_km"] == pytest.approx(row["added_population"] / row["length_km"])
    assert (row["rank"], row["stations"], row["stations_measured"]) == (1, 1, 1)
    assert table.attrs["covered_in_service"] == pytest.approx(
        float(scen.city.loc["now", "covered_population"]))


def test_a_station_beyond_the_streets_is_named_not_counted(tmp_path: Path) -> None:
    data = synthetic.layers()
    stations = data["stations"]
    far = stations["station_id"] == "S4"
    x, y = stations.loc[far].geometry.iloc[0].coords[0]
    stations.loc[far, "geometry"] = shapely.Point(x + 50_000, y)  # SYNTHETIC: 50 km away
    folder = synthetic.write_bundle(tmp_path / "far", replace={"stations": stations})
    table = rank_planned_lines(folder, plan="synthetic", distance_m=500)
    row = table.loc["L2"]
    assert (row["stations"], row["stations_measured"]) == (1, 0)
    assert row["not_measured"] == "S4"
    assert pd.isna(row["rank"]) and math.isnan(row["added_population"])


def test_one_plan_at_a_time(tmp_path: Path) -> None:
    data = synthetic.layers()
    lines = data["metro_lines"]
    other = lines[lines["line_id"] == "L2"].assign(line_id="L3", name="Line 3",
                                                   plan="SYNTHETIC other plan")
    lines = pd.concat([lines, other], ignore_index=True)
    stations = data["stations"]
    s5 = stations[stations["station_id"] == "S4"].assign(station_id="S5", name="S5",
                                                         line_id="L3")
    stations = pd.concat([stations, s5], ignore_index=True)
    folder = synthetic.write_bundle(tmp_path / "two",
                                    replace={"metro_lines": lines, "stations": stations})
    assert rank_planned_lines(folder, plan="synthetic", distance_m=500).index.tolist() == ["L2"]
    assert rank_planned_lines(folder, plan="other", distance_m=500).index.tolist() == ["L3"]
    with pytest.raises(RecipeError, match="matches no 'plan'") as info:
        rank_planned_lines(folder, plan="QĐ 9999")
    assert "SYNTHETIC other plan" in str(info.value)


def test_hanoi_master_plan_ranking() -> None:
    """Real bundle: the QĐ 1668 corridors ranked at 800 m, then 1,000 m walking."""
    bundle = load_bundle("hanoi")
    at_800 = rank_planned_lines(bundle, plan="QĐ 1668", distance_m=800)
    at_1000 = rank_planned_lines(bundle, plan="QĐ 1668", distance_m=1000)
    ranked = at_800[at_800["rank"].notna()]
    assert ranked.index[:5].tolist() == ["QD1668-M3", "QD1668-M7", "QD1668-M5",
                                         "QD1668-M10", "QD1668-M1"]
    assert ranked["added_per_km"].is_monotonic_decreasing
    # a larger walking distance reaches more people; only M5 and M7 swap places
    top = at_1000[at_1000["rank"].notna()].index[:5].tolist()
    assert top == ["QD1668-M3", "QD1668-M5", "QD1668-M7", "QD1668-M10", "QD1668-M1"]
    both = ranked.index
    assert (at_1000.loc[both, "added_population"] >= ranked["added_population"]).all()
    # lines without a station on the mapped streets are listed, unranked
    assert {"QD1668-M9", "QD1668-AIR", "QD1668-M13"} <= set(
        at_800.index[at_800["rank"].isna()])
    assert np.all(at_800["stations_measured"] <= at_800["stations"])
    assert all(n for n in "; ".join(at_800["not_measured"]).split("; ") if n)


def test_cli_scenarios_prints_the_ranking(synthetic_bundle_path: Path, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from geoplan.cli import main

    recipe = tmp_path / "r.yaml"
    recipe.write_text(MONITOR_RECIPE.replace("bundle: synthetic",
                                             f"bundle: {synthetic_bundle_path}"),
                      encoding="utf-8")
    assert main(["scenarios", str(recipe), "--plan", "synthetic", "--distance", "500",
                 "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    expected = rank_planned_lines(synthetic_bundle_path, plan="synthetic", distance_m=500)
    assert [r["line_id"] for r in printed["lines"]] == ["L2"]
    assert printed["lines"][0]["added_population"] == pytest.approx(
        float(expected.loc["L2", "added_population"]))
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["scenarios", str(recipe), "--plan", "nowhere"]) == 2
    assert "matches no 'plan'" in capsys.readouterr().err
    assert main(["scenarios", str(recipe), "--plan", "synthetic", "--distance", "-1"]) == 2
    assert "--distance" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written
