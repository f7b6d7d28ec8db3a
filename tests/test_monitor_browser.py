"""Monitoring reports and progress maps in real headless Chromium (the harness of
tests/_browser.py, shared with the map tests): offline, no console errors, charts decoded,
progress layer coloured by status. SYNTHETIC bundle (tests/synthetic.py) and, once it is
built, the real Hà Nội bundle."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from geoplan.layers import list_bundles
from geoplan.workflows.monitor import monitor_recipe
from tests._browser import BROWSER_MARKS, open_layer_control, open_page, screenshot
from tests.test_maps_browser import MAP_READY, click_at, unit_point
from tests.test_monitor import END, monitor_recipe_path  # noqa: F401 (fixture)

pytestmark = BROWSER_MARKS

REPORT_READY = ("document.readyState === 'complete' && "
                "Array.from(document.images).every(i => i.complete)")
ROOT = Path(__file__).resolve().parents[1]


def _check_report(browser: Any, path: Path, charts: int) -> Any:
    opened = open_page(browser, path, ready=REPORT_READY, width=1100, height=900)
    page = opened.page
    sizes = page.evaluate("Array.from(document.querySelectorAll('img.gp-chart'))"
                          ".map(i => [i.naturalWidth, i.naturalHeight])")
    assert sizes == [[640, 280]] * charts  # every embedded PNG decoded
    assert page.locator("script").count() == 0
    assert opened.blocked == []
    assert opened.errors == []
    return opened


def test_synthetic_report_renders_offline(browser: Any, monitor_recipe_path: Path,  # noqa: F811
                                          tmp_path: Path) -> None:
    result = monitor_recipe(monitor_recipe_path, out=tmp_path / "out", end=END, lang="en")
    opened = _check_report(browser, result.outputs["report.html"], charts=5)
    page = opened.page
    rows = page.locator(".gp-summary-table tbody tr")
    assert rows.count() == 5
    statuses = page.evaluate("Array.from(document.querySelectorAll("
                             "'.gp-summary-table .gp-status')).map(s => s.dataset.status)")
    assert statuses == ["on track", "behind", "behind", "monitoring", "on track"]
    assert page.locator(".gp-summary-table tbody tr").first.inner_text().count("on track") == 1
    screenshot(page, "synthetic-monitor-report.png", full_page=True)
    page.close()


def test_progress_map_colours_units_by_status(browser: Any, monitor_recipe_path: Path,  # noqa: F811
                                              tmp_path: Path) -> None:
    result = monitor_recipe(monitor_recipe_path, out=tmp_path / "out", end=END, lang="en")
    opened = open_page(browser, result.outputs["progress.html"], ready=MAP_READY)
    page = opened.page
    fills = ("Array.from(document.querySelectorAll('path.gp-progress'))"
             ".map(p => p.getAttribute('fill'))")
    # first shown: s.rail (city-wide, on track): no unit has a verdict of its own, so none
    # is coloured; the city's status is the legend's
    assert page.evaluate(fills) == ["#ffffff"] * 4
    legend = page.locator(".gp-legend-section:not([hidden])").first.inner_text()
    assert "Progress: on track" in legend and "Within the target's scope (4)" in legend
    open_layer_control(page)
    page.get_by_text("Progress: People within 500 m of a station", exact=True).first.click()
    # A, B 39.27 % ≥ 30 %: met; C, D 0 % while the path rises: behind
    assert page.evaluate(fills) == ["#009e73", "#009e73", "#d55e00", "#d55e00"]
    legend = page.locator(".gp-legend-section:not([hidden])").first.inner_text()
    assert "met (2)" in legend and "behind (2)" in legend
    click_at(page, *unit_point(result.bundle.admin_units, "D"))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    # D's path: 0 → 30 % from 2021-01-01 to 2030-12-31; on 2025-06-30: 30 × 1,641 / 3,651
    for expected in ("Xã D", "behind", "0% (2025-06-30)", "13.48%", "≥ 30% (2030)"):
        assert expected in text, expected
    screenshot(page, "synthetic-progress-map.png")
    assert opened.blocked == []
    assert opened.errors == []
    page.close()


@pytest.mark.slow
@pytest.mark.skipif("hanoi" not in list_bundles(),
                    reason="the real Hà Nội bundle (layers/hanoi) is not built yet")
def test_hanoi_report_renders_offline(browser: Any, tmp_path: Path) -> None:
    result = monitor_recipe(ROOT / "analyses" / "hanoi-02-nq-tw.yaml", out=tmp_path / "hn",
                            start=date(2021, 1, 1), review=2028)
    report = result.outputs["review-2028.html"]
    assert report.stat().st_size < 1_000_000
    opened = _check_report(browser, report, charts=len(result.charts))
    page = opened.page
    assert len(result.charts) >= 1 and "hn.rail_km@2030" in result.charts
    rail = page.locator("#t-hn_rail_km_2030")
    assert "Đường sắt đô thị hoàn thành" in rail.inner_text()
    assert page.locator(".gp-review-table tbody tr").count() == len(result.trajectories)
    screenshot(page, "hanoi-monitor-report.png", full_page=True)
    page.close()
    opened = open_page(browser, result.outputs["progress.html"], ready=MAP_READY)
    assert opened.page.locator("path.gp-progress").count() == 126
    assert opened.blocked == []
    assert opened.errors == []
    opened.page.close()


def test_progress_map_date_slider(browser: Any, monitor_recipe_path: Path,  # noqa: F811
                                  tmp_path: Path) -> None:
    """Quarterly SYNTHETIC history 2021-01-01 … 2025-06-30 (18 snapshots). S1–S3 open on
    2021-11-06, so: on the baseline every unit is on track (0 % on a path starting at 0);
    on 2021-06-30 all four are behind (still 0 % while the path rises); from 2021-12-31 A
    and B are met (39.27 % ≥ 30 %) and C, D behind."""
    from tests.test_map_layout_browser import PANELS, PHONE, check_layout

    result = monitor_recipe(monitor_recipe_path, out=tmp_path / "out", end=END, lang="en",
                            start=date(2021, 6, 30), period="quarter")
    assert len(result.snapshot_dates) == 18
    path = result.outputs["progress.html"]
    opened = open_page(browser, path, ready=MAP_READY)
    page = opened.page
    slider = page.locator(".gp-timeline input[type=range]")
    assert slider.get_attribute("max") == "17" and slider.input_value() == "17"
    assert page.locator(".gp-timeline output").inner_text() == "2025-06-30"
    open_layer_control(page)
    page.get_by_text("Progress: People within 500 m of a station", exact=True).first.click()
    fills = ("Array.from(document.querySelectorAll('path.gp-progress'))"
             ".map(p => p.getAttribute('fill'))")
    met, behind, on_track = "#009e73", "#d55e00", "#56b4e9"
    assert page.evaluate(fills) == [met, met, behind, behind]
    # from the keyboard: Home goes to the first snapshot, then one step to the right
    slider.focus()
    page.keyboard.press("Home")
    assert page.locator(".gp-timeline output").inner_text() == "2021-01-01"
    assert page.evaluate(fills) == [on_track] * 4
    page.keyboard.press("ArrowRight")
    assert page.locator(".gp-timeline output").inner_text() == "2021-06-30"
    assert page.evaluate(fills) == [behind] * 4
    legend = page.locator(".gp-legend-section:not([hidden])").first.inner_text()
    assert "behind (4)" in legend and "met (" not in legend
    # a card says the status on the chosen date first (its values are the last date's)
    click_at(page, *unit_point(result.bundle.admin_units, "A"))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert popup.inner_text().startswith("Phường A\nProgress on 2021-06-30\tbehind")
    page.keyboard.press("Escape")
    slider.focus()
    page.keyboard.press("End")
    assert page.evaluate(fills) == [met, met, behind, behind]
    legend = page.locator(".gp-legend-section:not([hidden])").first.inner_text()
    assert "met (2)" in legend and "behind (2)" in legend
    screenshot(page, "synthetic-progress-slider.png")
    assert opened.errors == [] and opened.blocked == []
    page.close()
    # the slider is one more panel: the layout rules hold on a phone too
    opened = open_page(browser, path, ready=MAP_READY, width=PHONE[0], height=PHONE[1])
    check_layout(opened.page, "synthetic-progress-390")
    assert ".gp-timeline" in PANELS and opened.page.locator(".gp-timeline").is_visible()
    opened.page.close()
