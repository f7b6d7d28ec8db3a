"""Monitoring on the embedded real Hà Nội bundle (layers/hanoi): rail km in service by date
follow the opening dates of lines 2A (2021-11-06) and 3 (elevated Nhổn–Cầu Giấy section,
2024-08-08), and the status of the 02-NQ/TW rail target against its path.

Skipped, with the reason, until ``layers/hanoi`` exists.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from geoplan.analyses.rail import rail_length
from geoplan.analyses.recipe import load_recipe, parse_recipe
from geoplan.layers import Bundle, list_bundles
from geoplan.monitor import (
    BEHIND,
    HISTORY_NAME,
    MET,
    MONITORING,
    NO_DATA,
    ON_TRACK,
    progress_status,
    read_history,
)
from geoplan.workflows.monitor import monitor_recipe

pytestmark = pytest.mark.skipif("hanoi" not in list_bundles(),
                                reason="layers/hanoi is not built yet")

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "analyses" / "hanoi-02-nq-tw.yaml"
TODAY = date.today()
LINE_2A_OPENED = date(2021, 11, 6)
LINE_3_OPENED = date(2024, 8, 8)


def _operating_km(hanoi: Bundle, when: date) -> float:
    """Independent of geoplan.analyses.rail: metric length of the operating sections opened
    on or before ``when``."""
    lines = hanoi.metro_lines
    opened = lines["opening_date"].astype(str).str.slice(0, 10)
    keep = (lines["status"] == "operating") & (opened != "") & (opened <= when.isoformat())
    return float(lines[keep].to_crs(32648).geometry.length.sum()) / 1000.0


@pytest.fixture(scope="module")
def rail_monitor(hanoi: Bundle, tmp_path_factory: pytest.TempPathFactory) -> Any:
    shipped = load_recipe(SHIPPED)
    rail = next(t for t in shipped.targets if t.id == "hn.rail_km")
    text = f"""\
id: hanoi-rail-monitor
title: {{vi: "Đường sắt đô thị theo thời gian", en: "Urban rail over time"}}
bundle: hanoi
document: {{number: 02-NQ/TW, title: {{vi: x, en: x}}, issuer: test, date: 2026-03-17}}
targets:
  - id: hn.rail_km
    title: {{vi: "{rail.title.vi}", en: "{rail.title.en}"}}
    indicator: {rail.indicator}
    options: {json.dumps(dict(rail.options))}
    comparator: {rail.comparator}
    value: {rail.value}
    tolerance: "{rail.tolerance}"
    unit: km
    year: {rail.year}
    source: {{document: 02-NQ/TW, date: 2026-03-17, section: III.1}}
"""
    out = tmp_path_factory.mktemp("hanoi-rail")
    return monitor_recipe(parse_recipe(text), bundle=hanoi, out=out, period="year",
                          start=date(2020, 1, 1), write=False)


def test_rail_km_by_date_follows_the_opening_dates(rail_monitor: Any, hanoi: Bundle) -> None:
    values = rail_monitor.trajectories[0].values
    # every year end from 2020, the baseline (the document's date) and today
    year_ends = [date(y, 12, 31) for y in range(2020, TODAY.year + 1) if date(y, 12, 31) <= TODAY]
    assert list(values.index) == sorted({*year_ends, date(2026, 3, 17), TODAY})
    # nothing ran before 2A opened; only 2A (13.05 km) until line 3's elevated section opened
    assert values[date(2020, 12, 31)] == 0.0
    assert values[date(2021, 12, 31)] == pytest.approx(13.05, abs=0.3)
    assert values[date(2023, 12, 31)] == values[date(2021, 12, 31)]
    # 2A + line 3 elevated Nhổn–Cầu Giấy (8.5 km): 21.6 km at the end of 2024 and today
    assert values[date(2024, 12, 31)] == pytest.approx(21.6, abs=0.5)
    assert values[TODAY] == pytest.approx(21.6, abs=0.5)
    for when in (date(2021, 12, 31), date(2024, 12, 31), TODAY):
        assert values[when] == pytest.approx(_operating_km(hanoi, when), rel=1e-6)
        assert values[when] == rail_length(hanoi, as_of=when).city
    # the step of 2024 is exactly the km of the sections opened on 2024-08-08
    step = values[date(2024, 12, 31)] - values[date(2023, 12, 31)]
    assert step == pytest.approx(_operating_km(hanoi, LINE_3_OPENED)
                                 - _operating_km(hanoi, LINE_3_OPENED.replace(day=7)),
                                 rel=1e-6)
    assert step == pytest.approx(8.5, abs=0.5)
    assert _operating_km(hanoi, LINE_2A_OPENED) == pytest.approx(values[date(2021, 12, 31)],
                                                                 rel=1e-6)


def test_rail_target_against_its_path(rail_monitor: Any) -> None:
    p = rail_monitor.trajectories[0].progress
    base = date(2026, 3, 17)  # the document's date: the baseline
    assert p.baseline_date == base
    v0 = rail_monitor.trajectories[0].values[base]
    assert p.baseline_value == v0
    # the straight path from (2026-03-17, v0) to (2030-12-31, 100 km)
    expected = v0 + (100 - v0) * (TODAY - base).days / (date(2030, 12, 31) - base).days
    assert p.path_value == pytest.approx(expected)
    value = rail_monitor.trajectories[0].values[TODAY]
    if 90 <= value <= 110:
        assert p.status == MET
    else:
        assert p.status == (ON_TRACK if value >= expected - 1e-9 else BEHIND)
    # on 2026-11-24 (a fixed date) 21.6 km were in service; the path was at
    # v0 + (100 − v0) × 252 / 1,750 days ≈ 32.9 km: behind
    when = date(2026, 11, 24)
    fixed = progress_status(rail_monitor.trajectories[0].goal,
                            {base: v0, when: rail_length(rail_monitor.bundle, as_of=when).city},
                            baseline=base)
    assert fixed.path_value == pytest.approx(v0 + (100 - v0) * 252 / 1750)
    assert fixed.path_value == pytest.approx(32.9, abs=0.6)
    assert fixed.value == pytest.approx(21.6, abs=0.5)
    assert fixed.status == BEHIND


@pytest.mark.slow
def test_shipped_recipe_monitor_and_review(hanoi: Bundle, tmp_path: Path) -> None:
    result = monitor_recipe(SHIPPED, bundle=hanoi, out=tmp_path, start=date(2021, 1, 1),
                            review=2028, lang="en")
    by_key = {t.key: t for t in result.trajectories}
    assert by_key["hn.rail_km@2030"].values[date(2021, 12, 31)] == pytest.approx(13.05,
                                                                                abs=0.3)
    # monitoring targets are measured, not judged; unreported statistics have no data
    assert by_key["hn.tod.rail_coverage"].status == MONITORING
    unit = by_key["hn.tod.rail_coverage/unit"]
    assert unit.unit_values is not None and unit.unit_values.shape[1] == 126
    assert by_key["hn.grdp.size@2030"].status == NO_DATA
    # rail coverage grows when line 3 opens: more people near a station at the end of 2024
    cover = by_key["hn.tod.rail_coverage"].values
    assert cover[date(2024, 12, 31)] > cover[date(2023, 12, 31)] > 0
    # the review of 2028 (as of today): change since the baseline of every target
    review = result.review.set_index("key")
    assert len(review) == len(result.recipe.goals)
    rail = review.loc["hn.rail_km@2030"]
    assert rail["review_date"] == TODAY.isoformat()
    assert rail["change"] == pytest.approx(
        rail_length(hanoi, as_of=TODAY).city - rail_length(hanoi, as_of=date(2026, 3, 17)).city)
    history = read_history(tmp_path / HISTORY_NAME)
    assert sorted(set(history["as_of"])) == [d.isoformat() for d in result.dates]
    assert set(result.outputs) >= {"review-2028.md", "review-2028.html", "progress.html",
                                   "charts/hn_rail_km_2030.png"}
