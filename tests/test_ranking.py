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

from geoplan.analyses.ranking import (
    RANKING_COLUMNS,
    STATION_RANKING_COLUMNS,
    rank_planned_lines,
    rank_planned_stations,
)
from geoplan.errors import RecipeError
from geoplan.layers import load_bundle
from geoplan.network import coverage_scenarios
from geoplan.workflows.ranking import RANKING_FILES, ranking_chart_png, ranking_csv
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
    # SYNTHETIC bundle without population_raster: the uniform spread, named as such
    assert table.attrs["population_method"] == "census_uniform"
    assert "No population_raster" in table.attrs["method"]
    with pytest.raises(RecipeError, match="population='rastr'"):
        rank_planned_lines(synthetic_bundle_path, plan="synthetic", population="rastr")
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
    # the census spread uniformly (the figures first published for this ranking)
    at_800 = rank_planned_lines(bundle, plan="QĐ 1668", distance_m=800,
                                population="census_uniform")
    at_1000 = rank_planned_lines(bundle, plan="QĐ 1668", distance_m=1000,
                                 population="census_uniform")
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
    # the default: people placed by WorldPop within each ward; the same lines ranked, M3
    # still first at both distances, more people within reach today than the uniform spread
    for distance, uniform in ((800, at_800), (1000, at_1000)):
        placed = rank_planned_lines(bundle, plan="QĐ 1668", distance_m=distance)
        assert placed.attrs["population_method"] == "raster"
        assert "dasymetric" in placed.attrs["method"]
        assert set(placed.index[placed["rank"].notna()]) == set(ranked.index)
        assert placed.index[0] == "QD1668-M3"
        assert placed.loc[placed["rank"].notna(), "added_per_km"].is_monotonic_decreasing
        assert placed.attrs["covered_in_service"] > uniform.attrs["covered_in_service"]


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


# -- outputs: CSV, chart, map (SYNTHETIC tables and bundle, hand-computed) -------------------
HOSTILE = "=1+1 <script>alert(1)</script> {{ 7*7 }}"


def _hand_table() -> pd.DataFrame:
    """A SYNTHETIC ranking of the synthetic bundle's planned line L2 and a made-up unranked
    line L9, with round hand-set numbers (not computed by geoplan)."""
    table = pd.DataFrame(
        {"rank": pd.array([1, None], dtype="Int64"), "name": ["Line 2", "Line 9"],
         "plan": ["synthetic", "synthetic"], "length_km": [2.0, 4.0], "stations": [1, 2],
         "stations_measured": [1, 0], "added_population": [1000.0, np.nan],
         "added_per_km": [500.0, np.nan], "not_measured": ["", "S8; S9"]},
        index=pd.Index(["L2", "L9"], name="line_id"))
    table.attrs.update({"plan": "synthetic", "distance_m": 500.0,
                        "method": "SYNTHETIC method text"})
    return table


def test_rank_classes_cut_the_ranked_lines_in_rank_order() -> None:
    from geoplan.maps._ranking import RANK_RAMP, rank_class

    # 12 lines, 5 colours: (rank - 1) * 5 // 12
    assert [rank_class(r, 12) for r in range(1, 13)] == [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4]
    assert [rank_class(r, 5) for r in range(1, 6)] == [0, 1, 2, 3, 4]
    assert len(RANK_RAMP) == 5


def test_map_popups_and_legend_hold_the_ranking(synthetic_bundle: object) -> None:
    from geoplan.maps._ranking import RANK_RAMP, UNRANKED_COLOUR
    from geoplan.maps.build import _Builder

    builder = _Builder(synthetic_bundle, lang="en", tiles="none")  # type: ignore[arg-type]
    rows = builder.ranking_rows(_hand_table())
    assert rows["L2"] == ["Line 2", [
        ["Line", "L2"], ["Rank", "1"], ["Plan", "synthetic"], ["Length (km)", "2"],
        ["Stations (measured)", "1 (1)"], ["People added", "1,000"],
        ["People added per km", "500"]]]
    assert rows["L9"][1][1] == ["Rank", "Not ranked (no measured station)"]
    assert rows["L9"][1][-1] == ["Stations beyond the mapped streets (not measured)",
                                 "S8; S9"]
    vi = _Builder(synthetic_bundle, lang="vi", tiles="none")  # type: ignore[arg-type]
    assert vi.ranking_rows(_hand_table())["L2"][1][5] == ["Dân số thêm", "1.000"]
    builder.add_ranking(_hand_table())
    section = builder.legend[0]
    assert section.title == "Planned lines ranked (people added per km)"
    assert section.items[0].endswith("1. Line 2 — 500")
    assert RANK_RAMP[0] in section.items[0]  # rank 1 of 1: the darkest colour
    assert UNRANKED_COLOUR in section.items[1] and section.items[1].endswith(": L9")
    layer = section.layers[0]
    # only L2 is in the bundle's metro_lines: one feature, its popup the row above
    assert layer.spec["rows"] == [rows["L2"]] and layer.spec["s"] == [0]
    assert layer.spec["styles"][0]["color"] == RANK_RAMP[0]


def test_ranking_csv_is_bom_utf8_text_never_formulas() -> None:
    table = _hand_table()
    table.loc["L2", "name"] = HOSTILE
    text = ranking_csv(table)
    assert text.startswith("\ufeffline_id,rank,name,plan,length_km,")
    lines = text.removeprefix("\ufeff").splitlines()
    assert lines[1] == f"L2,1,'{HOSTILE},synthetic,2.0,1,1,1000.0,500.0,"
    assert lines[2] == "L9,,Line 9,synthetic,4.0,2,0,,,S8; S9"


def test_chart_is_a_reproducible_png() -> None:
    table = _hand_table()
    png = ranking_chart_png(table, lang="en")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert ranking_chart_png(table, lang="en") == png  # no time stamp
    assert b"Software" not in png
    assert ranking_chart_png(table, lang="vi") != png


def _hostile_bundle(tmp_path: Path) -> Path:
    data = synthetic.layers()
    lines = data["metro_lines"]
    lines.loc[lines["line_id"] == "L2", "name"] = HOSTILE  # SYNTHETIC hostile name
    return synthetic.write_bundle(tmp_path / "hostile", replace={"metro_lines": lines})


def _recipe(tmp_path: Path, bundle: Path) -> Path:
    recipe = tmp_path / "r.yaml"
    recipe.write_text(MONITOR_RECIPE.replace("bundle: synthetic", f"bundle: {bundle}"),
                      encoding="utf-8")
    return recipe


def test_cli_scenarios_out_writes_csv_chart_and_map(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from geoplan.cli import main

    bundle = _hostile_bundle(tmp_path)
    recipe = _recipe(tmp_path, bundle)
    out = tmp_path / "out"
    argv = ["scenarios", str(recipe), "--plan", "synthetic", "--distance", "500",
            "--out", str(out), "--lang", "en", "--format", "csv"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == sorted(RANKING_FILES)
    csv_text = (out / "ranking.csv").read_text(encoding="utf-8")
    assert csv_text.removeprefix("\ufeff") == printed  # the file is what is printed
    assert f",'{HOSTILE}," in csv_text
    expected = rank_planned_lines(bundle, plan="synthetic", distance_m=500)
    assert f"{float(expected.loc['L2', 'added_per_km'])!r}" in csv_text
    page = (out / "ranking.html").read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    assert "1. =1+1 &lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} — " in page  # legend
    assert "\\u003cscript\\u003ealert(1)" in page  # popup data: JSON, shown as text
    assert (out / "ranking.png").read_bytes()[:4] == b"\x89PNG"
    record = json.loads((out / "ranking.json").read_text(encoding="utf-8"))
    assert record["plan"] == "synthetic" and record["distance_m"] == 500.0
    assert main(argv) == 0  # its own earlier outputs are replaced
    capsys.readouterr()


def test_cli_scenarios_out_refusals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests._hostile import cli

    bundle = _hostile_bundle(tmp_path)
    recipe = _recipe(tmp_path, bundle)
    base = ["scenarios", str(recipe), "--plan", "synthetic", "--distance", "500"]
    code, err = cli([*base[:3], "nowhere", *base[4:], "--out", str(tmp_path / "o1")], capsys)
    assert code == 2 and "matches no 'plan'" in err and "synthetic" in err
    assert not (tmp_path / "o1").exists()  # nothing written
    code, err = cli([*base, "--out", str(bundle)], capsys)  # the bundle's folder
    assert code == 2 and "error: " in err
    foreign = tmp_path / "o2"
    foreign.mkdir()
    (foreign / "ranking.csv").write_text("mine", encoding="utf-8")
    code, err = cli([*base, "--out", str(foreign)], capsys)
    assert code == 2 and "never replaces files it did not write" in err
    assert (foreign / "ranking.csv").read_text(encoding="utf-8") == "mine"
    linked = tmp_path / "o3"
    linked.symlink_to(foreign, target_is_directory=True)
    code, err = cli([*base, "--out", str(linked)], capsys)
    assert code == 2 and "symbolic link" in err
    code, err = cli([*base, "--lang", "fr"], capsys)
    assert code == 2 and "--lang" in err


# ---- stations: each planned station added alone (SYNTHETIC bundle, tests/synthetic.py) ----


def _with_s5(tmp_path: Path, name: str = "S5", x: float = 0.0) -> Path:
    """SYNTHETIC: a second planned station S5 of L2 at (x, 2000), the north-west corner."""
    data = synthetic.layers()
    stations = data["stations"]
    s5 = stations[stations["station_id"] == "S4"].assign(
        station_id="S5", name=name,
        geometry=[shapely.Point(synthetic.X0 + x, synthetic.Y0 + 2000)])
    stations = pd.concat([stations, s5], ignore_index=True)
    return synthetic.write_bundle(tmp_path / "s5", replace={"stations": stations})


def test_a_lone_planned_station_adds_what_its_line_adds(synthetic_bundle_path: Path) -> None:
    stations = rank_planned_stations(synthetic_bundle_path, plan="synthetic", distance_m=400)
    lines = rank_planned_lines(synthetic_bundle_path, plan="synthetic", distance_m=400)
    assert list(stations.columns) == list(STATION_RANKING_COLUMNS)
    assert stations.index.tolist() == ["S4"]  # S1-S3 are in service: not ranked
    row = stations.loc["S4"]
    assert row["added_population"] == pytest.approx(lines.loc["L2", "added_population"],
                                                    rel=1e-12)
    # by hand: S4 at (1000, 2000) walks 400 m west, east and south on the 500 m grid; the
    # 50 m buffer of that T inside the units is 800×50 + 100×350 + π·50² = 82,854 m², half
    # in C (6,000 people/km²), half in D (4,000/km²): 41,427 m² × 0.010 = 414.3 people
    # (shapely's polygonal arcs take about 1 person off)
    assert row["added_population"] == pytest.approx(414.27, abs=1.5)
    assert (row["rank"], row["line_id"], row["plan"], row["measured"]) == (1, "L2",
                                                                           "synthetic", True)
    assert stations.attrs["plan"] == "synthetic"
    assert stations.attrs["distance_m"] == 400.0
    assert stations.attrs["population_method"] == "census_uniform"
    assert stations.attrs["covered_in_service"] == lines.attrs["covered_in_service"]
    with pytest.raises(RecipeError, match="population='rastr'"):
        rank_planned_stations(synthetic_bundle_path, plan="synthetic", population="rastr")


def test_two_stations_apart_add_up_to_their_line(tmp_path: Path) -> None:
    folder = _with_s5(tmp_path)
    stations = rank_planned_stations(folder, plan="synthetic", distance_m=400)
    lines = rank_planned_lines(folder, plan="synthetic", distance_m=400)
    assert stations.index.tolist() == ["S4", "S5"]  # S4 reaches C and D, S5 only C
    # by hand: S5 at the corner (0, 2000) walks 400 m east and south; the buffer inside the
    # units is 400×50 + 350×50 + 2 quarter discs = 41,427 m², all in C: 248.6 people
    assert stations.loc["S5", "added_population"] == pytest.approx(248.56, abs=1.0)
    # catchments 200 m apart (x ≤ 450 and x ≥ 550): the line adds their sum
    assert lines.loc["L2", "added_population"] == pytest.approx(
        stations["added_population"].sum(), rel=1e-9)
    assert stations["rank"].tolist() == [1, 2]


def test_a_station_beyond_the_streets_is_not_measured_not_zero(tmp_path: Path) -> None:
    folder = _with_s5(tmp_path, x=-50_000.0)  # SYNTHETIC: 50 km west of the streets
    stations = rank_planned_stations(folder, plan="synthetic", distance_m=400)
    assert stations.index.tolist() == ["S4", "S5"]  # the unmeasured last
    s5 = stations.loc["S5"]
    assert not s5["measured"] and pd.isna(s5["rank"]) and math.isnan(s5["added_population"])
    assert stations.loc["S4", "measured"] and stations.loc["S4", "rank"] == 1


def test_cli_scenarios_stations_prints_and_writes_the_station_ranking(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from geoplan.cli import main
    from geoplan.workflows.ranking import STATIONS_FILE

    folder = _with_s5(tmp_path, name=HOSTILE)  # SYNTHETIC hostile station name
    recipe = _recipe(tmp_path, folder)
    expected = rank_planned_stations(folder, plan="synthetic", distance_m=400)
    assert main(["scenarios", str(recipe), "--plan", "synthetic", "--distance", "400",
                 "--stations", "--format", "json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [r["station_id"] for r in printed["stations"]] == ["S4", "S5"]
    assert printed["stations"][1]["name"] == HOSTILE  # JSON carries the text as it is
    assert printed["stations"][1]["added_population"] == pytest.approx(
        float(expected.loc["S5", "added_population"]))
    out = tmp_path / "out"
    assert main(["scenarios", str(recipe), "--plan", "synthetic", "--distance", "400",
                 "--stations", "--format", "csv", "--out", str(out)]) == 0
    printed_csv = capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == sorted([*RANKING_FILES, STATIONS_FILE])
    csv_text = (out / STATIONS_FILE).read_text(encoding="utf-8")
    assert csv_text.startswith("\ufeffstation_id,rank,name,line_id,plan,added_population,")
    assert csv_text.removeprefix("\ufeff") == printed_csv
    assert f"S5,2,'{HOSTILE},L2," in csv_text  # a formula in a spreadsheet: neutralised
    record = json.loads((out / "ranking.json").read_text(encoding="utf-8"))
    assert STATIONS_FILE in record["outputs"]
    # again into the same folder: our own files are replaced, nothing else refused
    assert main(["scenarios", str(recipe), "--plan", "synthetic", "--distance", "400",
                 "--stations", "--out", str(out)]) == 0
    shown = capsys.readouterr().out
    assert "S5" in shown and "people added" in shown


def test_hanoi_master_plan_station_ranking() -> None:
    """Real bundle: the QĐ 1668 planned stations at 800 m, WorldPop-weighted (default)."""
    bundle = load_bundle("hanoi")
    stations = rank_planned_stations(bundle, plan="QĐ 1668", distance_m=800)
    lines = rank_planned_lines(bundle, plan="QĐ 1668", distance_m=800)
    assert stations.attrs["population_method"] == "raster"
    assert stations.index[0] == "QD1668-S157"  # on M3
    assert stations["added_population"].iloc[0] == pytest.approx(58_581, abs=1)
    assert stations.attrs["covered_in_service"] == pytest.approx(
        lines.attrs["covered_in_service"])
    # S102 is M11's only planned station: it adds what the line adds
    assert stations.loc["QD1668-S102", "added_population"] == pytest.approx(
        lines.loc["QD1668-M11", "added_population"], rel=1e-12)
    unmeasured = stations[~stations["measured"]]
    assert len(unmeasured) and unmeasured["rank"].isna().all()
    assert unmeasured["added_population"].isna().all()  # not measured, never 0
    ranked = stations[stations["rank"].notna()]
    assert ranked["added_population"].is_monotonic_decreasing
