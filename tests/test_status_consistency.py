"""One status per target, whoever reads it: scorecard CSV, map, monitor snapshot, API.

Issue 13: the same target read "no data" in ``geoplan run`` and "monitoring" in ``geoplan
monitor``; a monitoring target said "0/126 units met" and painted every ward grey; one count
printed three ways; ``monitor`` after ``run`` stored one day twice; and 2025 targets read
"not met" from the 2019 census. Here a real recipe (Hà Nội on ``layers/hanoi``, and the
Hải Phòng province recipe on ``layers/haiphong``) is run once and monitored on the same date,
and every reader must give the same word. The rule for old data is checked on SYNTHETIC goals
with hand-computed values, and on Hải Phòng's and Hà Tĩnh's real 2025 urbanisation targets.
"""

from __future__ import annotations

import math
import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geoplan.analyses.evaluate import (
    MET,
    MONITORING,
    NO_DATA,
    NOT_MET,
    PARTLY,
    STALE,
    STATUSES,
    evaluate_statistic,
    evaluate_target,
    stale_data,
    status_label,
)
from geoplan.analyses.recipe import Statistic, Target, slugify
from geoplan.analyses.result import IndicatorResult
from geoplan.analyses.wording import format_quantity
from geoplan.cli._common import format_value
from geoplan.layers import list_bundles, load_bundle
from geoplan.monitor import BEHIND, ON_TRACK, read_history
from geoplan.monitor.history import HISTORY_NAME, record_snapshot
from geoplan.workflows.monitor import monitor_recipe
from geoplan.workflows.run import run_recipe

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 24)
RECIPES = {
    "hanoi": ROOT / "analyses" / "hanoi-02-nq-tw.yaml",
    "haiphong": ROOT / "analyses" / "haiphong-06-ctr.yaml",
}
#: The trajectory may refine a verdict not (yet) met into on track / behind; nothing else.
_REFINED = {NOT_MET: {NOT_MET, ON_TRACK, BEHIND}, PARTLY: {PARTLY, ON_TRACK, BEHIND}}


def _needs(bundle: str) -> Any:
    return pytest.mark.skipif(bundle not in list_bundles(),
                              reason=f"layers/{bundle} is not in this checkout")


def _map_statuses(html: str) -> dict[str, str]:
    """Target key → status from the map's scorecard panel (``data-key``/``data-status``)."""
    found = re.findall(r'data-key="([^"]+)" data-status="([^"]+)"', html)
    return {key.replace("&amp;", "&"): status for key, status in found}


@pytest.fixture(scope="module", params=sorted(RECIPES))
def run_and_monitor(request: pytest.FixtureRequest,
                    tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    name = str(request.param)
    if name not in list_bundles():
        pytest.skip(f"layers/{name} is not in this checkout")
    out = tmp_path_factory.mktemp(name) / "out"
    bundle = load_bundle(name)
    result = run_recipe(RECIPES[name], as_of=AS_OF, out=out, lang="en", bundle=bundle)
    recorded = record_snapshot(result, out / HISTORY_NAME)  # what `geoplan run` stores
    monitored = monitor_recipe(RECIPES[name], out=out, period="year", start=AS_OF, end=AS_OF,
                               lang="en", bundle=bundle, write=False)
    return {"name": name, "out": out, "result": result, "recorded": recorded,
            "monitor": monitored}


def test_every_reader_gives_the_same_status(run_and_monitor: dict[str, Any]) -> None:
    result, out = run_and_monitor["result"], run_and_monitor["out"]
    api = {ev.goal.key: ev.status for ev in result.evaluations}
    csv = pd.read_csv(out / "scorecard.csv", dtype={"status": str}, keep_default_na=False)
    card = dict(zip(csv["key"], csv["status"], strict=True))
    shown = _map_statuses((out / "index.html").read_text(encoding="utf-8"))
    history = read_history(out / HISTORY_NAME, recipe_id=result.recipe.id)
    own = history[(history["as_of"] == AS_OF.isoformat()) & (history["unit_id"] == "")]
    snapshot = dict(zip(own["key"], own["status"], strict=True))
    progress = {t.key: t.status for t in run_and_monitor["monitor"].trajectories}
    keys = [g.key for g in result.recipe.goals]
    assert len(keys) == len(api) == len(card) == len(shown) == len(snapshot) == len(progress)
    for key in keys:
        assert api[key] in STATUSES
        assert card[key] == shown[key] == snapshot[key] == api[key], key
        assert progress[key] in _REFINED.get(api[key], {api[key]}), (key, progress[key])


def test_monitor_after_run_keeps_one_snapshot_of_the_date(
        run_and_monitor: dict[str, Any]) -> None:
    result, out = run_and_monitor["result"], run_and_monitor["out"]
    history = read_history(out / HISTORY_NAME, recipe_id=result.recipe.id)
    day = history[history["as_of"] == AS_OF.isoformat()]
    # `run` stored the date, `monitor` (another checksum: it writes no outputs) replaced it
    assert run_and_monitor["recorded"] == len(day) > 0
    assert day["run_checksum"].nunique() == 1
    assert len(day[day["unit_id"] == ""]) == len(result.recipe.goals)


@_needs("hanoi")
def test_hanoi_monitoring_and_no_data_targets(run_and_monitor: dict[str, Any]) -> None:
    if run_and_monitor["name"] != "hanoi":
        pytest.skip("a Hà Nội case")
    result, out = run_and_monitor["result"], run_and_monitor["out"]
    by_key = {ev.goal.key: ev for ev in result.evaluations}
    progress = {t.key: t for t in run_and_monitor["monitor"].trajectories}
    # green space: no layer, no comparator: "no data" in the run and the monitor alike
    assert by_key["hn.public_green"].status == progress["hn.public_green"].status == NO_DATA
    # a monitoring target per unit: values per unit, no verdicts ("0/126 units met" before)
    unit = by_key["hn.tod.rail_coverage/unit"]
    assert unit.status == MONITORING
    assert (unit.units_met, unit.units_evaluated) == (None, None)
    assert unit.per_unit is not None and "status" not in unit.per_unit.columns
    assert unit.per_unit["value"].notna().sum() == 126
    slug = slugify("hn.tod.rail_coverage/unit")
    assert result.units is not None
    assert f"{slug}_value" in result.units.columns
    assert f"{slug}_status" not in result.units.columns
    assert progress["hn.tod.rail_coverage/unit"].unit_progress is None
    md = (out / "scorecard.md").read_text(encoding="utf-8")
    assert "/126)" not in md


@_needs("hanoi")
def test_one_count_prints_the_same_everywhere(run_and_monitor: dict[str, Any],
                                              tmp_path: Path) -> None:
    if run_and_monitor["name"] != "hanoi":
        pytest.skip("a Hà Nội case")
    result, out = run_and_monitor["result"], run_and_monitor["out"]
    value = next(ev.value for ev in result.evaluations
                 if ev.goal.key == "hn.tod.rail_population")
    # 966,766.27 people: WorldPop-weighted (the default), computed independently in
    # tests/test_indicators_hanoi.py::test_rail_population_default_is_dasymetric
    assert value is not None and 966_766 < value < 966_767
    en, vi = format_quantity(value, "people", "en"), format_quantity(value, "people", "vi")
    assert (en, vi) == ("966,766 people", "966.766 người")
    assert f"| {en} |" in (out / "scorecard.md").read_text(encoding="utf-8")
    assert en in (out / "index.html").read_text(encoding="utf-8")
    assert format_value(value, "people", "en") == en  # the CLI
    assert format_value(value, "people", "vi") == vi
    # the monitoring report, in Vietnamese
    report = monitor_recipe(RECIPES["hanoi"], out=tmp_path / "vi", period="year", start=AS_OF,
                            end=AS_OF, lang="vi", bundle=result.bundle)
    text = (tmp_path / "vi" / "monitor" / "report.md").read_text(encoding="utf-8")
    assert f"{vi} ({AS_OF.isoformat()})" in text
    assert "966.766,27" not in text and report.appended > 0


# -- the rule for old data: SYNTHETIC goals, hand-computed values -----------------------------
SOURCE = {"document": "SYNTHETIC 1/2024", "date": "2024-01-01", "section": "1"}


def _target(**kwargs: Any) -> Target:
    data = {"id": "s.urban", "title": {"vi": "x", "en": "x"}, "indicator": "t", "unit": "%",
            "comparator": "range", "min": 60, "max": 70, "year": 2025, "source": SOURCE,
            **kwargs}
    return Target.model_validate(data)


@pytest.mark.parametrize(("as_of", "data_date", "value", "status"), [
    # the 2025 target on the 2019 census: not judged once 2025 has begun (under way or over)
    (date(2026, 11, 24), "2019-04-01", 45.6, STALE),
    (date(2025, 3, 1), "2019-04-01", 45.6, STALE),
    (date(2026, 11, 24), "2019-04-01", 65.0, STALE),   # a "met" on old data neither
    # before 2025 the status is where the target stands now, whatever the data's age
    (date(2024, 12, 31), "2019-04-01", 45.6, NOT_MET),
    (date(2024, 12, 31), "2019-04-01", 65.0, MET),
    # data of the target year (or later) are judged: a period counts by its year
    (date(2026, 11, 24), "2025", 45.6, NOT_MET),
    (date(2026, 11, 24), "2026-08-05", 65.0, MET),
    # a value without a dated source is judged as usual
    (date(2026, 11, 24), "", 45.6, NOT_MET),
])
def test_old_data_rule(as_of: date, data_date: str, value: float, status: str) -> None:
    ev = evaluate_target(_target(), IndicatorResult("t", "%", city=value), as_of=as_of,
                         data_date=data_date)
    assert ev.status == status
    # the gap is reported whatever the status: 60 − 45.6 = 14.4, inside the band 0
    assert ev.gap == pytest.approx(14.4 if value < 60 else 0.0)
    assert ev.data_date == data_date
    assert ev.is_stale is (status == STALE)
    assert stale_data(ev.goal, data_date, as_of=as_of) is (status == STALE)


def test_old_data_labels_and_note() -> None:
    ev = evaluate_target(_target(), IndicatorResult("t", "%", city=45.6),
                         as_of=date(2026, 11, 24), data_date="2019-04-01")
    assert ev.label("en") == "data older than target (2019-04-01)"
    assert ev.label("vi") == "dữ liệu cũ hơn năm mục tiêu (2019-04-01)"
    assert ev.past_due is True
    assert "data of 2019-04-01 are older than the target year 2025" in ev.note
    assert "it would read 'not met'" in ev.note and "14.4 %" in ev.note
    assert status_label(STALE, "en") == "data older than target"


def test_a_2019_target_on_2019_data_is_judged() -> None:
    goal = _target(year=2019)
    assert evaluate_target(goal, IndicatorResult("t", "%", city=45.6),
                           as_of=date(2026, 11, 24), data_date="2019-04-01").status == NOT_MET
    assert evaluate_target(goal, IndicatorResult("t", "%", city=61.0),
                           as_of=date(2026, 11, 24), data_date="2019-04-01").status == MET


def test_old_data_per_unit_and_statistics() -> None:
    # SYNTHETIC units A 70 %, B 30 %, C no value, judged per unit against ≥ 50 % by 2025
    values = pd.Series([70.0, 30.0, math.nan], index=["A", "B", "C"])
    goal = _target(comparator=">=", value=50, min=None, max=None, scope="unit")
    result = IndicatorResult("t", "%", city=45.0, per_unit=values)
    ev = evaluate_target(goal, result, as_of=date(2026, 1, 1), data_date="2019")
    assert ev.status == STALE
    assert ev.per_unit is not None
    assert ev.per_unit["status"].tolist() == [STALE, STALE, NO_DATA]
    assert ev.per_unit["gap"].tolist()[:2] == [-20.0, 20.0]
    fresh = evaluate_target(goal, result, as_of=date(2026, 1, 1), data_date="2025-12")
    assert (fresh.status, fresh.units_met, fresh.units_evaluated) == (PARTLY, 1, 2)
    # a statistic: its report's date is the data date
    stat = Statistic.model_validate({
        "id": "s.housing", "title": {"vi": "x", "en": "x"}, "comparator": ">=",
        "value": 29.2, "unit": "m2/person", "year": 2025, "source": SOURCE,
        "reported": [{"value": 25.0, "unit": "m2/person", "date": "2024", "source": "r"},
                     {"value": 30.1, "unit": "m2/person", "date": "2025-12-31",
                      "source": "r"}]})
    old = evaluate_statistic(stat, as_of=date(2025, 6, 30))  # only the 2024 report known
    assert (old.status, old.data_date, old.gap) == (STALE, "2024", pytest.approx(4.2))
    new = evaluate_statistic(stat, as_of=date(2026, 1, 1))
    assert (new.status, new.data_date) == (MET, "2025-12-31")


def test_monitoring_target_per_unit_has_no_verdicts() -> None:
    goal = _target(comparator=None, min=None, max=None, year=None, scope="unit")
    values = pd.Series([10.0, math.nan], index=["A", "B"])
    ev = evaluate_target(goal, IndicatorResult("t", "%", city=8.0, per_unit=values))
    assert (ev.status, ev.units_met, ev.units_evaluated, ev.gap) == (MONITORING, None, None,
                                                                    None)
    assert ev.per_unit is not None and list(ev.per_unit.columns) == ["value"]
    assert "units met" not in ev.note
    empty = evaluate_target(goal, IndicatorResult("t", "%", city=None,
                                                  per_unit=values * math.nan))
    assert empty.status == NO_DATA


# -- the real cases: 2025 urbanisation of Hải Phòng and Hà Tĩnh from the 2019 census ----------
@_needs("haiphong")
def test_haiphong_2025_urbanisation_rests_on_the_2019_census() -> None:
    card = run_recipe(RECIPES["haiphong"], as_of=AS_OF).scorecard.set_index("key")
    # 924,741 urban ÷ 2,028,514 people (2019 census, Hải Phòng before the 2025 merger)
    share = 100 * 924_741 / 2_028_514
    row = card.loc["hp.urbanisation@2025"]
    assert row["value"] == pytest.approx(share, rel=1e-9)          # 45.587 %
    assert (row["status"], row["data_date"]) == (STALE, "2019-04-01")
    assert row["gap"] == pytest.approx(60 - share, rel=1e-9)       # 14.41 points, information
    assert bool(row["past_due"]) is True
    # the 2030 target has not begun: where it stands now, on the same census
    later = card.loc["hp.urbanisation@2030"]
    assert (later["status"], later["data_date"]) == (NOT_MET, "2019-04-01")
    assert later["gap"] == pytest.approx(74 - share, rel=1e-9)
    # in 2024, before the 2025 target year began, the 2025 target was "not met" yet
    before = run_recipe(RECIPES["haiphong"], as_of=date(2024, 6, 30)).scorecard
    assert before.set_index("key").loc["hp.urbanisation@2025", "status"] == NOT_MET


@_needs("hatinh")
def test_hatinh_2025_urbanisation_rests_on_the_2019_census() -> None:
    result = run_recipe(ROOT / "analyses" / "hatinh-15-ctr-tu.yaml", as_of=AS_OF)
    card = result.scorecard.set_index("key")
    share = 100 * 251_893 / 1_288_866                                # 19.544 %
    row = card.loc["ht.urbanisation@2025"]
    assert row["value"] == pytest.approx(share, rel=1e-9)
    assert (row["status"], row["data_date"]) == (STALE, "2019-04-01")
    assert row["gap"] == pytest.approx(40 - share, rel=1e-9)
