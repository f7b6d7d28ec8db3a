"""Monitoring over time: status logic on hand-made series, the append-only history, dated
statistics, and a monitoring run on the SYNTHETIC bundle (tests/synthetic.py) whose values
are computed by hand: line L1 (2 km, stations S1–S3) opened on 2021-11-06.

Browser checks of the report and progress map are in tests/test_monitor_browser.py; the real
Hà Nội bundle in tests/test_monitor_hanoi.py.
"""

from __future__ import annotations

import math
import struct
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geoplan.analyses.evaluate import evaluate_statistic
from geoplan.analyses.recipe import Statistic, known_from, parse_recipe
from geoplan.analyses.urbanisation import urbanisation_rate
from geoplan.cli import main
from geoplan.errors import GeoplanError, OutputError, RecipeError
from geoplan.io import sha256_file
from geoplan.layers import load_bundle
from geoplan.monitor import (
    BEHIND,
    HISTORY_NAME,
    MET,
    MONITORING,
    NO_DATA,
    NOT_MET,
    ON_TRACK,
    PARTLY,
    STALE,
    HistoryError,
    MonitorError,
    TargetPath,
    latest_snapshots,
    period_ends,
    progress_status,
    read_history,
    record_snapshot,
    snapshot_rows,
    summarise_units,
)
from geoplan.workflows.monitor import monitor_dates, monitor_recipe
from geoplan.workflows.run import run_recipe
from tests import synthetic

D = date


def goal(comparator: str | None, *, value: float | None = None, year: int | None = 2030,
         unit: str = "km", **extra: Any) -> Statistic:
    """A hand-made goal (a statistic: same comparator logic as a target)."""
    data: dict[str, Any] = {"id": "t.x", "title": {"vi": "Thử", "en": "Test"}, "unit": unit,
                            "source": {"document": "d", "date": "2026", "section": "1"}}
    if comparator is not None:
        data.update(comparator=comparator, year=year)
    if value is not None:
        data["value"] = value
    data.update(extra)
    return Statistic.model_validate(data)


# -- the straight path ----------------------------------------------------------------------
def test_target_path_is_linear_and_flat_outside() -> None:
    path = TargetPath(D(2026, 1, 1), 20.0, D(2030, 12, 31), 100.0)
    # 2026-01-01 → 2030-12-31 is 1,825 days (one leap day, 2028); 2028-01-01 is day 730
    assert path.value_at(D(2028, 1, 1)) == pytest.approx(20 + 80 * 730 / 1825)
    assert path.value_at(D(2026, 1, 1)) == 20.0
    assert path.value_at(D(2030, 12, 31)) == 100.0
    assert path.value_at(D(2025, 1, 1)) == 20.0  # flat before the start
    assert path.value_at(D(2035, 1, 1)) == 100.0  # and after the end


# -- statuses on hand-made series -----------------------------------------------------------
BASE = D(2026, 1, 1)
MID = D(2028, 1, 1)  # 730 of 1,825 days: 40 % of the way to 2030-12-31


@pytest.mark.parametrize(("latest", "status"), [
    (55.0, ON_TRACK),   # path at MID: 20 + 80 × 0.4 = 52
    (52.0, ON_TRACK),   # exactly on the path
    (50.0, BEHIND),
    (100.0, MET),
    (130.0, MET),
])
def test_rising_target(latest: float, status: str) -> None:
    g = goal(">=", value=100)
    p = progress_status(g, {BASE: 20.0, MID: latest}, baseline=BASE)
    assert p.status == status
    assert p.path_value == pytest.approx(52.0)
    assert (p.baseline_date, p.baseline_value, p.reference) == (BASE, 20.0, 100.0)
    assert p.change == pytest.approx(latest - 20.0)
    assert p.share_done == pytest.approx(100 * (latest - 20) / 80)


@pytest.mark.parametrize(("latest", "status"), [(21.0, ON_TRACK), (25.0, BEHIND),
                                                (10.0, MET)])
def test_falling_target(latest: float, status: str) -> None:
    # "≤ 10 %": from 30 the path falls to 10; at MID it is 30 − 20 × 0.4 = 22
    p = progress_status(goal("<=", value=10, unit="%"), {BASE: 30.0, MID: latest},
                        baseline=BASE)
    assert p.status == status
    assert p.path_value == pytest.approx(22.0)


def test_approx_target_is_achieved_inside_its_tolerance() -> None:
    g = goal("approx", value=100, tolerance="10%")
    assert progress_status(g, {BASE: 20.0, MID: 91.0}, baseline=BASE).status == MET
    assert progress_status(g, {BASE: 20.0, MID: 53.0}, baseline=BASE).status == ON_TRACK
    assert progress_status(g, {BASE: 20.0, MID: 51.0}, baseline=BASE).status == BEHIND
    # from above: 150 → 100 (path at MID: 150 − 50 × 0.4 = 130)
    assert progress_status(g, {BASE: 150.0, MID: 125.0}, baseline=BASE).status == ON_TRACK
    assert progress_status(g, {BASE: 150.0, MID: 135.0}, baseline=BASE).status == BEHIND


def test_ranges_aim_at_the_bound_beyond_the_baseline() -> None:
    closed = goal("range", min=60, max=70, unit="%")
    # from 77.5 above the band the path falls to 70: at MID 77.5 − 7.5 × 0.4 = 74.5
    p = progress_status(closed, {BASE: 77.5, MID: 74.0}, baseline=BASE)
    assert (p.reference, p.status) == (70.0, ON_TRACK)
    assert p.path_value == pytest.approx(74.5)
    assert progress_status(closed, {BASE: 77.5, MID: 69.0}, baseline=BASE).status == MET
    # "16 – ≥24 %" (open_max): 20 is partly met, not achieved; the path aims at 24:
    # at MID 10 + 14 × 0.4 = 15.6
    open_max = goal("range", min=16, max=24, open_max=True, unit="%")
    p = progress_status(open_max, {BASE: 10.0, MID: 20.0}, baseline=BASE)
    assert (p.reference, p.status) == (24.0, ON_TRACK)
    assert p.path_value == pytest.approx(15.6)
    assert progress_status(open_max, {BASE: 10.0, MID: 24.0}, baseline=BASE).status == MET


def test_strict_comparator_at_the_reference_takes_its_direction() -> None:
    # "> 11": a baseline of exactly 11 is not met; the path is flat at 11, so 11 is on it
    # and 10.9 is behind (the comparator says up)
    g = goal(">", value=11, unit="%")
    assert progress_status(g, {BASE: 11.0, MID: 11.0}, baseline=BASE).status == ON_TRACK
    assert progress_status(g, {BASE: 11.0, MID: 10.9}, baseline=BASE).status == BEHIND


def test_target_year_over_is_not_met() -> None:
    # once the year is over there is no path left: the run's verdict, not met, stands
    g = goal(">=", value=100)
    p = progress_status(g, {BASE: 20.0, D(2030, 6, 30): 99.0}, baseline=BASE,
                        at=D(2031, 1, 1))
    assert p.status == NOT_MET and "2030 is over" in p.note
    # but a value meeting the target after the year is met
    assert progress_status(g, {BASE: 20.0, D(2031, 1, 1): 100.0}, baseline=BASE).status \
        == MET


def test_no_data_and_monitoring() -> None:
    g = goal(">=", value=100)
    assert progress_status(g, {}, baseline=BASE).status == NO_DATA
    assert progress_status(g, {BASE: math.nan, MID: math.nan}, baseline=BASE).status == NO_DATA
    # values only after the date asked for: not known yet
    p = progress_status(g, {MID: 60.0}, baseline=BASE, at=D(2027, 1, 1))
    assert p.status == NO_DATA and p.value is None
    # a date before the baseline has no path yet: the run's verdict on 10 (≥ 100) stands
    p = progress_status(g, {D(2024, 1, 1): 10.0}, baseline=BASE, at=D(2025, 1, 1))
    assert p.status == NOT_MET and "before the baseline" in p.note
    # a monitoring target without a value has no data, as in the run
    assert progress_status(goal(None), {}, baseline=BASE).status == NO_DATA
    assert progress_status(goal(None), {BASE: math.nan}, baseline=BASE).status == NO_DATA
    # no comparator: shown with its change since the baseline, never judged
    m = progress_status(goal(None), {BASE: 3.0, MID: 5.0}, baseline=BASE)
    assert (m.status, m.value, m.change, m.path_value) == (MONITORING, 5.0, 2.0, None)


def test_baseline_moves_to_the_first_value_when_none_is_known_then() -> None:
    g = goal(">=", value=100)
    first = D(2027, 1, 1)  # 365 days after BASE; to 2030-12-31: 1,460 days
    p = progress_status(g, {first: 40.0, MID: 60.0}, baseline=BASE)
    assert (p.baseline_date, p.baseline_value) == (first, 40.0)
    assert "path starts from the first value (2027-01-01)" in p.note
    assert p.path_value == pytest.approx(40 + 60 * 365 / 1460)  # 55.0
    assert p.status == ON_TRACK
    # the latest value on or before the baseline is the baseline value
    p = progress_status(g, {D(2025, 6, 1): 18.0, MID: 60.0}, baseline=BASE)
    assert (p.baseline_date, p.baseline_value) == (BASE, 18.0)


def test_old_data_is_not_judged_once_the_target_year_has_begun() -> None:
    # SYNTHETIC: "≥ 100 km by 2030"; 50 km measured on data of 2026-08
    g = goal(">=", value=100)
    series = {BASE: 20.0, D(2030, 6, 30): 50.0}
    p = progress_status(g, series, baseline=BASE, at=D(2030, 7, 1), data_date="2026-08")
    assert (p.status, p.value) == (STALE, 50.0) and "2026-08" in p.note
    # the same value on data of 2030 is placed on the path (52 + ... : behind)
    p = progress_status(g, series, baseline=BASE, at=D(2030, 7, 1), data_date="2030-06")
    assert p.status == BEHIND
    # the run's recorded status wins: what the run said on that date
    p = progress_status(g, series, baseline=BASE, at=D(2030, 7, 1), status=STALE)
    assert p.status == STALE
    # before 2030 the old data place it on the path as usual
    p = progress_status(g, {BASE: 20.0, MID: 55.0}, baseline=BASE, data_date="2019")
    assert p.status == ON_TRACK


def test_unit_summary() -> None:
    assert summarise_units([MET, MET, NO_DATA]) == MET
    assert summarise_units([MET, ON_TRACK]) == ON_TRACK
    assert summarise_units([ON_TRACK, BEHIND, MET]) == BEHIND
    assert summarise_units([NO_DATA, NO_DATA]) == NO_DATA
    # without paths (the year is over) the units summarise as the run does
    assert summarise_units([MET, NOT_MET]) == PARTLY
    assert summarise_units([NOT_MET, NOT_MET, NO_DATA]) == NOT_MET
    assert summarise_units([STALE, STALE]) == STALE
    assert summarise_units([]) == NO_DATA


# -- dates ----------------------------------------------------------------------------------
def test_period_ends() -> None:
    assert period_ends(D(2023, 11, 15), D(2024, 3, 31), "month") == [
        D(2023, 11, 30), D(2023, 12, 31), D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31)]
    assert period_ends(D(2024, 3, 31), D(2025, 3, 30), "quarter") == [
        D(2024, 3, 31), D(2024, 6, 30), D(2024, 9, 30), D(2024, 12, 31)]
    assert period_ends(D(2021, 1, 1), D(2024, 12, 30), "year") == [
        D(2021, 12, 31), D(2022, 12, 31), D(2023, 12, 31)]
    assert period_ends(D(2024, 5, 1), D(2024, 5, 30), "month") == []
    with pytest.raises(MonitorError, match=r"unknown period 'week'.*--period"):
        period_ends(D(2024, 1, 1), D(2025, 1, 1), "week")


def test_monitor_dates_include_baseline_review_and_end() -> None:
    dates = monitor_dates(start=D(2022, 6, 1), end=D(2024, 5, 10), period="year",
                          baseline=D(2021, 1, 1), review_date=D(2023, 6, 30))
    assert dates == [D(2021, 1, 1), D(2022, 12, 31), D(2023, 6, 30), D(2023, 12, 31),
                     D(2024, 5, 10)]
    with pytest.raises(MonitorError, match="--from 2025-01-01 is after --to 2024-01-01"):
        monitor_dates(start=D(2025, 1, 1), end=D(2024, 1, 1), period="year")


# -- dated statistics -----------------------------------------------------------------------
def test_partial_dates_are_known_at_the_end_of_their_period() -> None:
    assert known_from("2025") == D(2025, 12, 31)
    assert known_from("2024-02") == D(2024, 2, 29)
    assert known_from("2025-06-30") == D(2025, 6, 30)
    assert known_from("n.d.") is None


def test_statistic_series_uses_the_report_known_on_the_date() -> None:
    stat = goal(">=", value=30, unit="m2/person", reported=[
        {"value": 27.0, "unit": "m2/person", "date": "2024-06-30", "source": "B"},
        {"value": 24.0, "unit": "m2/person", "date": "2021", "source": "A"},
    ])
    assert [r.value for r in stat.reports] == [24.0, 27.0]  # sorted by date
    # "2021" is the figure for 2021: not known on 2021-06-30, known on 2021-12-31
    assert evaluate_statistic(stat, as_of=D(2021, 6, 30)).status == NO_DATA
    ev = evaluate_statistic(stat, as_of=D(2021, 12, 31))
    assert (ev.value, ev.status, ev.method) == (24.0, "not met", "reported: A (2021)")
    assert evaluate_statistic(stat, as_of=D(2024, 6, 29)).value == 24.0
    assert evaluate_statistic(stat, as_of=D(2024, 6, 30)).value == 27.0
    later = evaluate_statistic(goal(">=", value=30, unit="m2/person", reported={
        "value": 31.0, "unit": "m2/person", "date": "2026-01-15", "source": "C"}),
        as_of=D(2025, 12, 31))
    assert later.status == NO_DATA and "only reports dated after" in later.note


def test_statistic_series_errors_name_the_line(tmp_path: Path) -> None:
    text = MONITOR_RECIPE.replace(
        '{value: 27, unit: m2/person, date: 2024-06-30, source: "SYNTHETIC report B"}',
        '{value: 27, unit: m2, date: 2021, source: "SYNTHETIC report B"}')
    with pytest.raises(RecipeError) as caught:
        parse_recipe(text, where="m.yaml")
    message = str(caught.value)
    assert "statistics[0].reported[1].unit: 'm2' differs from the statistic's unit" in message
    assert "statistics[0].reported[1].date: 2021 repeats reported[0]" in message
    assert "m.yaml:" in message
    with pytest.raises(RecipeError, match="baseline '2021' must be a full date"):
        parse_recipe(MONITOR_RECIPE.replace("baseline: 2021-01-01", "baseline: '2021'"))


def test_bundle_statistics_are_not_used_before_their_date(tmp_path: Path) -> None:
    folder = synthetic.write_bundle(tmp_path / "stats",
                                    missing={"admin_units": "SYNTHETIC statistics only"})
    with (folder / "bundle.yaml").open("a", encoding="utf-8") as fh:
        fh.write("statistics:\n"
                 "  urban_population_2019: {value: 600, unit: people, date: '2019-04-01', "
                 "source: SYNTHETIC}\n"
                 "  population_2019: {value: 1000, unit: people, date: '2019', "
                 "source: SYNTHETIC}\n")
    bundle = load_bundle(folder)
    assert urbanisation_rate(bundle, as_of=D(2020, 1, 1)).city == pytest.approx(60.0)
    # the population total dated "2019" is known from 2019-12-31 only
    early = urbanisation_rate(bundle, as_of=D(2019, 6, 30))
    assert early.no_data is not None
    assert early.no_data.missing == ("statistics.population_2019",)
    assert "not known on 2019-06-30" in early.no_data.reason


# -- the history ------------------------------------------------------------------------------
MONITOR_RECIPE = """\
id: synthetic-monitor
title: {vi: "Theo dõi thử nghiệm", en: "Synthetic monitoring"}
bundle: synthetic
baseline: 2021-01-01
document:
  number: 99-NQ/TW
  title: {vi: Văn bản thử, en: Test document}
  date: 2021-01-01
  issuer: SYNTHETIC
targets:
  - id: s.rail
    title: {vi: "Đường sắt đang khai thác", en: "Rail in service"}
    indicator: rail_length
    comparator: ">="
    value: 3
    unit: km
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "1"}
  - id: s.rail_fast
    title: {vi: "Đường sắt 10 km năm 2026", en: "Rail 10 km by 2026"}
    indicator: rail_length
    comparator: ">="
    value: 10
    unit: km
    year: 2026
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "1"}
  - id: s.cover
    title: {vi: "Dân số trong 500 m quanh ga", en: "People within 500 m of a station"}
    indicator: transit_coverage
    options: {mode: rail, distance_m: 500}
    scope: unit
    comparator: ">="
    value: 30
    unit: "%"
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "2"}
  - id: s.cover_city
    title: {vi: "Dân số trong 500 m quanh ga, toàn thành phố", en: "City-wide coverage"}
    indicator: transit_coverage
    options: {mode: rail, distance_m: 500}
    unit: "%"
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "2"}
statistics:
  - id: s.housing
    title: {vi: "Diện tích nhà ở bình quân", en: "Housing floor area per person"}
    comparator: ">="
    value: 30
    unit: m2/person
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "3"}
    reported:
      - {value: 24, unit: m2/person, date: 2021, source: "SYNTHETIC report A"}
      - {value: 27, unit: m2/person, date: 2024-06-30, source: "SYNTHETIC report B"}
      - {value: 28.5, unit: m2/person, date: 2025-09-30, source: "SYNTHETIC report C"}
"""

END = D(2025, 6, 30)
#: 500 m discs of S1 (corner) and S2 (edge) inside the 1 km² unit A: two quarter discs
A_SHARE = 100 * 2 * (math.pi * 500**2 / 4) / 1e6  # 39.27 %


@pytest.fixture
def monitor_recipe_path(tmp_path: Path, synthetic_bundle_path: Path) -> Path:
    path = tmp_path / "synthetic-monitor.yaml"
    path.write_text(MONITOR_RECIPE.replace("bundle: synthetic",
                                           f"bundle: {synthetic_bundle_path}"), encoding="utf-8")
    return path


def test_snapshot_rows_one_per_target_and_unit(monitor_recipe_path: Path) -> None:
    result = run_recipe(monitor_recipe_path, as_of=END)
    rows = snapshot_rows(result)
    own = rows[rows["unit_id"] == ""].set_index("key")
    assert list(own.index) == ["s.rail@2030", "s.rail_fast@2026", "s.cover/unit@2030",
                               "s.cover_city", "s.housing@2030"]
    assert own.loc["s.rail@2030", "value"] == pytest.approx(2.0)
    assert own.loc["s.housing@2030", "value"] == 27.0  # report C (2025-09-30) not known yet
    assert set(rows["as_of"]) == {"2025-06-30"}
    assert set(rows["run_checksum"]) == {result.provenance["run_checksum"]}
    units = rows[(rows["key"] == "s.cover/unit@2030") & (rows["unit_id"] != "")]
    assert units.set_index("unit_id")["value"].to_dict() == pytest.approx(
        {"A": A_SHARE, "B": A_SHARE, "C": 0.0, "D": 0.0}, rel=2e-4)
    assert units.set_index("unit_id")["status"].to_dict() == {
        "A": "met", "B": "met", "C": "not met", "D": "not met"}
    # 5 target rows + 4 units for each of the two coverage targets
    assert len(rows) == 5 + 4 + 4


def test_history_has_one_snapshot_per_date(monitor_recipe_path: Path,
                                           tmp_path: Path) -> None:
    path = tmp_path / "out" / HISTORY_NAME
    first = run_recipe(monitor_recipe_path, as_of=END)
    assert record_snapshot(first, path) == 13
    before = read_history(path)
    # the same run again (same inputs, date and checksum) adds nothing
    again = run_recipe(monitor_recipe_path, as_of=END)
    assert again.provenance["run_checksum"] == first.provenance["run_checksum"]
    assert record_snapshot(again, path) == 0
    assert read_history(path).equals(before)
    # a different run on the same date (English titles: other parameters) replaces it
    english = run_recipe(monitor_recipe_path, as_of=END, lang="en")
    assert record_snapshot(english, path) == 13
    after = read_history(path)
    assert len(after) == 13
    assert set(after["run_checksum"]) == {english.provenance["run_checksum"]}
    pd.testing.assert_frame_equal(after.drop(columns=["run_checksum", "recorded_at"]),
                                  before.drop(columns=["run_checksum", "recorded_at"]))
    # another date is simply added, and the first date's rows stay as they were
    assert record_snapshot(run_recipe(monitor_recipe_path, as_of=D(2021, 1, 1)), path) == 13
    both = read_history(path)
    assert len(both) == 26
    pd.testing.assert_frame_equal(both.iloc[:13], after)
    assert sorted(set(latest_snapshots(both)["as_of"])) == ["2021-01-01", "2025-06-30"]
    assert not [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp.parquet")]


def test_interrupted_append_leaves_the_history(monitor_recipe_path: Path, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / HISTORY_NAME
    record_snapshot(run_recipe(monitor_recipe_path, as_of=END), path)
    digest = sha256_file(path)

    def broken(self: pd.DataFrame, *args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the new file is being written

    monkeypatch.setattr(pd.DataFrame, "to_parquet", broken)
    with pytest.raises(KeyboardInterrupt):
        record_snapshot(run_recipe(monitor_recipe_path, as_of=D(2022, 1, 1)), path)
    assert sha256_file(path) == digest
    assert sorted(p.name for p in tmp_path.iterdir() if "history" in p.name) == [
        ".history.parquet.lock", "history.parquet"]


def test_a_foreign_file_is_refused_not_overwritten(monitor_recipe_path: Path,
                                                   tmp_path: Path) -> None:
    path = tmp_path / HISTORY_NAME
    path.write_text("date,value\n2024-01-01,3\n", encoding="utf-8")
    with pytest.raises(HistoryError, match=r"history.parquet: cannot read the monitoring "
                                           r"history .*Move it aside") as caught:
        record_snapshot(run_recipe(monitor_recipe_path, as_of=END), path)
    assert isinstance(caught.value, GeoplanError) and isinstance(caught.value, ValueError)
    assert path.read_text(encoding="utf-8") == "date,value\n2024-01-01,3\n"
    other = tmp_path / "other.parquet"
    pd.DataFrame({"as_of": ["2024-01-01"], "value": [3.0]}).to_parquet(other)
    with pytest.raises(HistoryError, match=r"column\(s\) recipe_id, bundle, key"):
        read_history(other)


def test_unwritable_history_is_an_output_error(monitor_recipe_path: Path,
                                               tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        record_snapshot(run_recipe(monitor_recipe_path, as_of=END),
                        blocker / "out" / HISTORY_NAME)


# -- a monitoring run on the SYNTHETIC bundle -------------------------------------------------
def _days(a: date, b: date) -> int:
    return (b - a).days


@pytest.fixture
def monitored(monitor_recipe_path: Path, tmp_path: Path) -> Any:
    return monitor_recipe(monitor_recipe_path, out=tmp_path / "out", period="year",
                          end=END, review=2024, lang="en")


def test_monitor_fills_the_history_at_each_period_end(monitored: Any, tmp_path: Path) -> None:
    r = monitored
    # baseline, four year ends (2021–2024; 2024-12-31 is also the review date) and the end
    assert r.dates == [D(2021, 1, 1), D(2021, 12, 31), D(2022, 12, 31), D(2023, 12, 31),
                       D(2024, 12, 31), END]
    assert r.appended == 6 * 13
    rail = {t.key: t for t in r.trajectories}["s.rail@2030"]
    # L1 (2 km) opened on 2021-11-06: nothing at the baseline, 2 km from the end of 2021
    assert rail.values.to_dict() == pytest.approx({
        D(2021, 1, 1): 0.0, D(2021, 12, 31): 2.0, D(2022, 12, 31): 2.0, D(2023, 12, 31): 2.0,
        D(2024, 12, 31): 2.0, END: 2.0})
    history = read_history(tmp_path / "out" / HISTORY_NAME)
    assert len(history) == 78 and set(history["recipe_id"]) == {"synthetic-monitor"}
    # a second identical monitoring run adds nothing to the history
    again = monitor_recipe(r.recipe, out=tmp_path / "out", period="year", end=END,
                           bundle=r.bundle, lang="en", write=False)
    assert again.appended == 0


def test_monitor_statuses_by_hand(monitored: Any) -> None:
    by_key = {t.key: t for t in monitored.trajectories}
    # s.rail: 0 → 3 km from 2021-01-01 to 2030-12-31; on 2025-06-30 the path is at
    # 3 × 1,641 / 3,651 = 1.35 km and 2 km are in service: on track
    rail = by_key["s.rail@2030"].progress
    assert rail.path_value == pytest.approx(3 * _days(D(2021, 1, 1), END)
                                            / _days(D(2021, 1, 1), D(2030, 12, 31)))
    assert rail.path_value == pytest.approx(1.348, abs=1e-3)
    assert rail.status == ON_TRACK
    # s.rail_fast: 0 → 10 km by 2026-12-31; the path is at 10 × 1,641 / 2,190 = 7.49 km
    fast = by_key["s.rail_fast@2026"].progress
    assert fast.path_value == pytest.approx(10 * 1641 / 2190)
    assert fast.status == BEHIND
    # per unit: A and B are 39.27 % covered since the opening (≥ 30 %: achieved); C and D
    # stay at 0 % while their path rises from 0 to 30 %: behind; the target is behind
    cover = by_key["s.cover/unit@2030"]
    assert cover.unit_progress is not None
    assert cover.unit_progress["status"].to_dict() == {"A": MET, "B": MET,
                                                       "C": BEHIND, "D": BEHIND}
    assert cover.unit_progress.loc["A", "value"] == pytest.approx(A_SHARE, rel=2e-4)
    assert cover.status == BEHIND
    assert cover.units_count() == {MET: 2, BEHIND: 2}
    assert by_key["s.cover_city"].status == MONITORING
    # housing: report A ("2021", known 2021-12-31) is the first value, so the path starts
    # there: 24 → 30 m²/person by 2030-12-31; on 2025-06-30 report B (27) is the latest
    # known (report C is dated 2025-09-30) and the path is at 24 + 6 × 1,277 / 3,287
    housing = by_key["s.housing@2030"].progress
    assert (housing.baseline_date, housing.baseline_value) == (D(2021, 12, 31), 24.0)
    assert "first value (2021-12-31)" in housing.note
    assert housing.value == 27.0
    assert housing.path_value == pytest.approx(24 + 6 * 1277 / 3287)
    assert housing.status == ON_TRACK


def test_review_summarises_the_change_since_the_baseline(monitored: Any) -> None:
    review = monitored.review.set_index("key")
    assert monitored.review_date == D(2024, 12, 31)
    rail = review.loc["s.rail@2030"]
    assert (rail["baseline_value"], rail["value"], rail["change"]) == (0.0, 2.0, 2.0)
    assert rail["share_done"] == pytest.approx(100 * 2 / 3)
    assert rail["value_date"] == "2024-12-31"
    housing = review.loc["s.housing@2030"]
    assert (housing["value"], housing["change"]) == (27.0, 3.0)
    assert housing["share_done"] == pytest.approx(50.0)
    assert list(review.index) == [t.key for t in monitored.trajectories]


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_files_charts_and_escaping(monitored: Any, tmp_path: Path) -> None:
    folder = tmp_path / "out" / "monitor"
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    charts = ["charts/s_cover_city.png", "charts/s_cover_unit_2030.png",
              "charts/s_housing_2030.png", "charts/s_rail_2030.png",
              "charts/s_rail_fast_2026.png"]
    assert names == [*charts, "progress.html", "provenance.json", "review-2024.html",
                     "review-2024.md"]
    for name in charts:
        assert _png_size(folder / name) == (640, 280)
    page = (folder / "review-2024.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 5
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "default-src 'none'" in page
    assert '<html lang="en">' in page
    md = (folder / "review-2024.md").read_text(encoding="utf-8")
    # path on 2024-12-31: 3 km × 1,460 / 3,651 days = 1.20 km
    assert "| `s.rail@2030` Rail in service | 0 km (2021-01-01) | 2 km (2024-12-31) " \
           "| 2 km | 66.67% | 1.20 km | on track |" in md
    assert "![Rail in service](charts/s_rail_2030.png)" in md
    # the same trajectory draws the same bytes
    again = monitor_recipe(monitored.recipe, out=tmp_path / "again", period="year", end=END,
                           bundle=monitored.bundle, review=2024, lang="en")
    assert again.charts == monitored.charts


def test_report_escapes_data_text(monitor_recipe_path: Path, tmp_path: Path) -> None:
    text = monitor_recipe_path.read_text(encoding="utf-8").replace(
        'en: "Rail in service"', 'en: "<img src=x onerror=alert(1)> | $5 rail"')
    monitor_recipe_path.write_text(text, encoding="utf-8")
    r = monitor_recipe(monitor_recipe_path, out=tmp_path / "o", end=END, lang="en")
    page = (tmp_path / "o" / "monitor" / "report.html").read_text(encoding="utf-8")
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt; | $5 rail" in page
    md = (tmp_path / "o" / "monitor" / "report.md").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt; \\| $5 rail" in md
    assert "s.rail@2030" in r.charts  # "$" did not break the chart title (mathtext)


def test_vietnamese_report_labels(monitor_recipe_path: Path, tmp_path: Path) -> None:
    monitor_recipe(monitor_recipe_path, out=tmp_path / "vi", end=END)
    md = (tmp_path / "vi" / "monitor" / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Theo dõi thử nghiệm — Theo dõi tiến độ thực hiện")
    assert "| `s.rail@2030` Đường sắt đang khai thác | 0 km (2021-01-01) | 2 km (2025-06-30) " \
           "| 1,35 km | ≥ 3 km | 2030 | đúng tiến độ |" in md
    assert "chậm tiến độ" in md


def test_future_end_is_clipped_to_today(monitor_recipe_path: Path, tmp_path: Path,
                                        caplog: pytest.LogCaptureFixture) -> None:
    future = date.today() + timedelta(days=400)
    r = monitor_recipe(monitor_recipe_path, out=tmp_path / "f", start=date.today(),
                       end=future, write=False)
    assert r.end == date.today() and max(r.dates) == date.today()
    assert "after today" in caplog.text


def test_cli_run_snapshot_and_monitor(monitor_recipe_path: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli"
    args = ["run", str(monitor_recipe_path), "--out", str(out), "--as-of", "2023-12-31"]
    assert main(args) == 0
    assert main(args) == 0  # the same run: nothing added
    printed = capsys.readouterr().out
    assert "13 row(s) added to" in printed and "already in" in printed
    assert main([*args[:-2], "--as-of", "2022-12-31", "--no-snapshot"]) == 0
    assert set(read_history(out / HISTORY_NAME)["as_of"]) == {"2023-12-31"}
    code = main(["monitor", str(monitor_recipe_path), "--out", str(out), "--period", "quarter",
                 "--from", "2024-10-01", "--to", "2025-06-30", "--lang", "en"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "evaluated 4 date(s)" in printed  # the baseline and three quarter ends
    assert (out / "monitor" / "report.html").is_file()
    dates = set(read_history(out / HISTORY_NAME)["as_of"])
    assert dates == {"2021-01-01", "2023-12-31", "2024-12-31", "2025-03-31", "2025-06-30"}
    # a mid-term review on dates already in the history: a review file beside the report
    assert main(["--quiet", "monitor", str(monitor_recipe_path), "--out", str(out),
                 "--from", "2024-12-31", "--to", "2025-06-30", "--review", "2024"]) == 0
    review = (out / "monitor" / "review-2024.md").read_text(encoding="utf-8")
    assert review.startswith("# Theo dõi thử nghiệm — Đánh giá kết quả đến năm 2024")
    assert "Thay đổi so với mốc cơ sở, tính đến ngày 2024-12-31." in review
    assert set(read_history(out / HISTORY_NAME)["as_of"]) == dates


def test_cli_monitor_bad_input_exits_2(monitor_recipe_path: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    base = ["monitor", str(monitor_recipe_path), "--out", str(tmp_path / "x")]
    assert main([*base, "--period", "week"]) == 2
    assert main([*base, "--from", "2025-13-01"]) == 2
    assert main([*base, "--from", "2025-06-30", "--to", "2025-01-01"]) == 2
    assert main([*base, "--review", "20280"]) == 2
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / HISTORY_NAME).write_text("not parquet", encoding="utf-8")
    assert main([*base, "--to", "2025-01-01"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "use one of month, quarter, year" in err
    assert "'2025-13-01' is not a date; give it as YYYY-MM-DD" in err
    assert "--from 2025-06-30 is after --to 2025-01-01" in err
    assert "--review 20280 is not a plausible year; give e.g. 2028" in err
    assert "cannot read the monitoring history" in err
    assert "Traceback" not in err
