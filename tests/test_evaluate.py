"""Evaluation: every comparator and status against hand-computed values."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd
import pytest

from geoplan.analyses.evaluate import (
    MET,
    MONITORING,
    NO_DATA,
    NOT_MET,
    PARTLY,
    evaluate_statistic,
    evaluate_target,
    judge,
    judge_units,
)
from geoplan.analyses.recipe import Statistic, Target
from geoplan.analyses.result import IndicatorResult

SOURCE = {"document": "99-NQ/TW", "date": "2026-03-17", "section": "II"}


def _stat(**kwargs: Any) -> Statistic:
    data = {"id": "x.y", "title": {"vi": "x", "en": "x"}, "unit": "%", "year": 2030,
            "source": SOURCE, **kwargs}
    return Statistic.model_validate(data)


def _target(**kwargs: Any) -> Target:
    data = {"id": "x.y", "title": {"vi": "x", "en": "x"}, "indicator": "t", "unit": "%",
            "year": 2030, "source": SOURCE, **kwargs}
    return Target.model_validate(data)


@pytest.mark.parametrize(
    ("goal", "value", "status", "gap"),
    [
        # >= : met at the threshold, gap negative = surplus
        ({"comparator": ">=", "value": 10}, 10.0, MET, 0.0),
        ({"comparator": ">=", "value": 10}, 12.5, MET, -2.5),
        ({"comparator": ">=", "value": 10}, 7.5, NOT_MET, 2.5),
        # > : not met at the threshold
        ({"comparator": ">", "value": 40}, 40.0, NOT_MET, 0.0),
        ({"comparator": ">", "value": 40}, 40.5, MET, -0.5),
        # <= and < : gap negative = excess over the cap
        ({"comparator": "<=", "value": 20}, 20.0, MET, 0.0),
        ({"comparator": "<=", "value": 20}, 23.0, NOT_MET, -3.0),
        ({"comparator": "<", "value": 20}, 20.0, NOT_MET, 0.0),
        ({"comparator": "<", "value": 20}, 19.0, MET, 1.0),
        # approx 100 ± 10% : 21.6 km of rail is 78.4 km short
        ({"comparator": "approx", "value": 100, "tolerance": "10%"}, 21.6, NOT_MET, 78.4),
        ({"comparator": "approx", "value": 100, "tolerance": "10%"}, 90.0, MET, 10.0),
        ({"comparator": "approx", "value": 100, "tolerance": "10%"}, 111.0, NOT_MET, -11.0),
        ({"comparator": "approx", "value": 35, "tolerance": 2}, 36.5, MET, -1.5),
        # closed range 60–70 : gap to the nearest bound, 0 inside
        ({"comparator": "range", "min": 60, "max": 70}, 49.2, NOT_MET, 10.8),
        ({"comparator": "range", "min": 60, "max": 70}, 65.0, MET, 0.0),
        ({"comparator": "range", "min": 60, "max": 70}, 60.0, MET, 0.0),
        ({"comparator": "range", "min": 60, "max": 70}, 72.0, NOT_MET, -2.0),
        # open range "16 – ≥24": partly between min and max, gap to max
        ({"comparator": "range", "min": 16, "max": 24, "open_max": True}, 12.0, NOT_MET, 12.0),
        ({"comparator": "range", "min": 16, "max": 24, "open_max": True}, 18.0, PARTLY, 6.0),
        ({"comparator": "range", "min": 16, "max": 24, "open_max": True}, 16.0, PARTLY, 8.0),
        ({"comparator": "range", "min": 16, "max": 24, "open_max": True}, 30.0, MET, -6.0),
        # monitoring: informational
        ({}, 55.0, MONITORING, None),
        # no value: no data, with or without a comparator
        ({}, math.nan, NO_DATA, None),
        ({"comparator": ">=", "value": 10}, None, NO_DATA, None),
    ],
)
def test_judge_every_comparator(goal: dict[str, Any], value: float, status: str,
                                gap: float | None) -> None:
    verdict = judge(_stat(**goal), value)
    assert verdict.status == status
    if gap is None:
        assert verdict.gap is None
    else:
        assert verdict.gap == pytest.approx(gap, abs=1e-9)


def test_judge_no_value_is_no_data() -> None:
    goal = _stat(comparator=">=", value=10)
    assert judge(goal, None).status == NO_DATA
    assert judge(goal, math.nan).status == NO_DATA
    assert judge(goal, None).gap is None


def test_float_noise_does_not_flip_a_status() -> None:
    # 0.1 + 0.2 = 0.30000000000000004 must meet "<= 0.3"
    assert judge(_stat(comparator="<=", value=0.3), 0.1 + 0.2).status == MET


def test_judge_units_partly_met_and_counts() -> None:
    goal = _stat(comparator=">=", value=50)
    values = pd.Series([100.0, 100.0, 0.0, 25.0, math.nan], index=list("ABCDE"))
    table, summary, met, evaluated = judge_units(goal, values)
    assert table["status"].tolist() == [MET, MET, NOT_MET, NOT_MET, NO_DATA]
    assert table.loc["C", "gap"] == 50.0
    assert (summary.status, met, evaluated) == (PARTLY, 2, 4)
    _, summary, _, _ = judge_units(goal, pd.Series([60.0, 70.0], index=["A", "B"]))
    assert summary.status == MET
    _, summary, _, _ = judge_units(goal, pd.Series([10.0, 20.0], index=["A", "B"]))
    assert summary.status == NOT_MET
    _, summary, _, _ = judge_units(goal, pd.Series([math.nan], index=["A"]))
    assert summary.status == NO_DATA


def test_evaluate_target_scopes() -> None:
    result = IndicatorResult("t", "%", city=77.5, inner=100.0,
                             per_unit=pd.Series([100.0, 100.0, 0.0, 25.0], index=list("ABCD")))
    city = evaluate_target(_target(comparator="range", min=60, max=70), result)
    assert (city.status, city.value, city.gap) == (NOT_MET, 77.5, -7.5)
    inner = evaluate_target(_target(comparator=">=", value=90, scope="inner"), result)
    assert (inner.status, inner.value, inner.gap) == (MET, 100.0, -10.0)
    unit = evaluate_target(_target(comparator=">=", value=90, scope="unit"), result)
    assert (unit.status, unit.units_met, unit.units_evaluated) == (PARTLY, 2, 4)
    assert unit.gap is None
    assert unit.per_unit is not None
    assert unit.per_unit["status"].tolist() == [MET, MET, NOT_MET, NOT_MET]


def test_evaluate_target_no_data_names_the_layer() -> None:
    result = IndicatorResult.missing("t", "%", ("land_use",), "no land-use polygons")
    ev = evaluate_target(_target(comparator=">=", value=10), result)
    assert ev.status == NO_DATA
    assert "land_use" in ev.note
    assert ev.value is None


def test_evaluate_target_inner_value_missing() -> None:
    result = IndicatorResult("t", "%", city=50.0)
    ev = evaluate_target(_target(comparator=">=", value=10, scope="inner"), result)
    assert ev.status == NO_DATA
    assert "no inner value" in ev.note


def test_past_due_follows_as_of() -> None:
    result = IndicatorResult("t", "%", city=50.0)
    goal = _target(comparator=">=", value=60, year=2025)
    assert evaluate_target(goal, result, as_of=date(2025, 12, 31)).past_due is False
    assert evaluate_target(goal, result, as_of=date(2026, 1, 1)).past_due is True


def test_statistics_reported_and_not() -> None:
    empty = _stat(comparator=">", value=113, unit="bn USD")
    ev = evaluate_statistic(empty, where="analyses/x.yaml")
    assert ev.status == NO_DATA
    assert "analyses/x.yaml" in ev.note
    filled = _stat(comparator=">", value=113, unit="bn USD",
                   reported={"value": 120, "unit": "bn USD", "date": "2030-12-31",
                             "source": "statistical yearbook"})
    ev = evaluate_statistic(filled)
    assert (ev.status, ev.value, ev.gap) == (MET, 120, -7)
    # a value reported after the evaluation date was not known then
    assert evaluate_statistic(filled, as_of=date(2027, 1, 1)).status == NO_DATA
    # a monitoring statistic without a report has nothing to show: no data, as a target
    monitor = _stat(unit="count")
    assert evaluate_statistic(monitor).status == NO_DATA
    shown = _stat(unit="count", reported={"value": 3, "unit": "count", "date": "2026",
                                          "source": "r"})
    assert evaluate_statistic(shown).status == MONITORING
