"""Exported maps in real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

Each map is opened from ``file://`` with the network blocked: every request that is not a
``file://`` URL is aborted and recorded, and the tests assert that there was none. They check
that Leaflet loaded, count the drawn unit polygons and station markers, open popups by
clicking, and look for console errors. Screenshots go to ``tests/artifacts/`` (git-ignored).
Skipped with the reason when Chromium or Playwright is absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from geoplan.layers import list_bundles, load_bundle
from geoplan.maps import map_bundle, map_run, save_map
from tests._browser import BROWSER_MARKS, Opened, open_layer_control, open_page, screenshot
from tests.test_maps import XSS_UNIT, run_result, xss_bundle_path  # noqa: F401 (fixtures)
from tests.test_recipes import tiny_indicators  # noqa: F401 (fixture)

pytestmark = BROWSER_MARKS

#: A map is ready when Leaflet has loaded and drawn its first path.
MAP_READY = "window.L !== undefined && document.querySelector('path') !== null"


def open_map(browser: Any, path: Path, *, width: int = 1400, height: int = 900) -> Opened:
    """Open ``path`` offline; wait until Leaflet has drawn the map."""
    return open_page(browser, path, ready=MAP_READY, width=width, height=height)


def map_variable(page: Any) -> str:
    """Name of the page's L.Map variable."""
    name = page.evaluate(
        "Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)")
    assert name, "no Leaflet map on the page"
    return str(name)


def click_at(page: Any, lat: float, lon: float) -> None:
    """Click the map at a longitude/latitude."""
    m = map_variable(page)
    point = page.evaluate(f"(() => {{ const p = {m}.latLngToContainerPoint([{lat}, {lon}]);"
                          f" const r = {m}.getContainer().getBoundingClientRect();"
                          " return [p.x + r.left, p.y + r.top]; })()")
    page.mouse.click(point[0], point[1])


def unit_point(units: Any, unit_id: str) -> tuple[float, float]:
    """A point inside unit ``unit_id`` (lat, lon)."""
    row = units[units["unit_id"].astype(str) == unit_id].to_crs(4326)
    p = row.geometry.iloc[0].representative_point()
    return p.y, p.x


def test_synthetic_bundle_map_renders_offline(browser: Any, synthetic_bundle: Any,
                                              tmp_path: Path) -> None:
    path = save_map(map_bundle(synthetic_bundle, lang="en"), tmp_path / "synthetic.html")
    opened = open_map(browser, path)
    page = opened.page
    assert page.evaluate("typeof L.version") == "string"
    assert page.locator("path.gp-unit").count() == 4
    # planned stations and planned lines are off at first: S1–S3 and L1 are drawn
    assert page.locator("path.gp-station").count() == 3
    assert page.locator("path.gp-metro-line").count() == 1
    assert page.locator(".leaflet-control-layers").count() == 1
    # the layer control starts collapsed and opens on hover
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    open_layer_control(page)
    assert page.locator(".leaflet-control-layers-base input").count() == 1
    page.get_by_text("Stations: planned", exact=True).click()
    page.get_by_text("Urban rail: planned — synthetic", exact=True).click()
    assert page.locator("path.gp-station").count() == 4
    assert page.locator("path.gp-metro-line").count() == 2
    assert page.locator(".gp-legend").is_visible()
    assert page.locator(".gp-title h1").inner_text() == "SYNTHETIC test bundle (not real data)"
    # click inside unit B (SYNTHETIC: 20,000 people, phường, inner city)
    click_at(page, *unit_point(synthetic_bundle.admin_units, "B"))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Phường B" in text and "20,000" in text and "phường" in text
    # tooltip of the planned station of L2: name, line, status, approximate flag
    page.locator("path.gp-station").nth(3).hover()
    tooltip = page.locator(".leaflet-tooltip .gp-card", has_text="S4")
    tooltip.wait_for()
    assert tooltip.inner_text().startswith("S4")
    assert "planned" in tooltip.inner_text()
    screenshot(page, "synthetic-bundle.png")
    assert opened.blocked == []
    assert opened.errors == []
    page.close()


def test_run_map_choropleth_popup_and_legend(browser: Any, run_result: Any,  # noqa: F811
                                             tmp_path: Path) -> None:
    path = save_map(map_run(run_result, lang="en"), tmp_path / "run.html")
    opened = open_map(browser, path)
    page = opened.page
    # one base layer drawn at a time: 4 unit paths, not 12
    assert page.locator("path.gp-unit").count() == 4
    assert page.locator(".gp-scorecard tbody tr").count() == 3
    # switch to the per-unit target; its legend section becomes the visible one
    open_layer_control(page)
    page.get_by_text("Urbanisation per unit", exact=True).first.click()
    legend = page.locator(".gp-legend-section:not([hidden])").first
    assert "Urbanisation per unit" in legend.inner_text()
    assert "not met (2)" in legend.inner_text()
    fills = page.evaluate("Array.from(document.querySelectorAll('path.gp-unit'))"
                          ".map(p => p.getAttribute('fill'))")
    assert fills == ["#009e73", "#009e73", "#d55e00", "#d55e00"]  # A, B met; C, D not met
    units = run_result.bundle.admin_units
    click_at(page, *unit_point(units, "D"))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    for expected in ("Xã D", "25%", "≥ 50%", "not met", "99-NQ/TW (2021-01-01), 2"):
        assert expected in text
    screenshot(page, "synthetic-run.png")
    assert opened.blocked == []
    assert opened.errors == []
    page.close()


def test_script_injection_shows_as_text(browser: Any, xss_bundle_path: Path,  # noqa: F811
                                        tmp_path: Path) -> None:
    path = save_map(map_bundle(xss_bundle_path, lang="en"), tmp_path / "xss.html")
    opened = open_map(browser, path)
    page = opened.page
    units = load_bundle(xss_bundle_path).admin_units
    click_at(page, *unit_point(units, "B"))
    title = page.locator(".leaflet-popup-content .gp-card-title")
    title.wait_for()
    assert title.inner_text() == XSS_UNIT
    # the names became text, never elements: no <img src=x>, no second <script>
    assert page.locator("img[src='x']").count() == 0
    assert page.evaluate("Array.from(document.scripts).some(s => s.text.includes('alert(2)') "
                         "&& !s.text.includes('geoplan.layer'))") is False
    assert "</script><script>alert(2)</script>" in page.locator(".gp-legend").inner_text()
    # the unit's name as a map label (shown from the zoom where it fits) is text too
    m = map_variable(page)
    lat, lon = unit_point(units, "B")
    page.evaluate(f"{m}.setView([{lat}, {lon}], 17)")
    label = page.locator(".leaflet-tooltip.gp-label", has_text="onerror")
    label.wait_for()
    assert label.inner_text() == XSS_UNIT
    assert page.locator("img[src='x']").count() == 0
    assert opened.errors == []  # an alert would have been recorded as a dialog
    assert opened.blocked == []  # <img src=x> would have requested file:///.../x or x
    page.close()


HANOI = "hanoi" in list_bundles()


@pytest.mark.skipif(not HANOI, reason="the real Hà Nội bundle (layers/hanoi) is not built yet")
def test_hanoi_map_renders_offline(browser: Any, tmp_path: Path) -> None:
    hanoi = load_bundle("hanoi")
    path = save_map(map_bundle(hanoi), tmp_path / "hanoi.html")
    assert path.stat().st_size <= 3_000_000
    opened = open_map(browser, path)
    page = opened.page
    units = hanoi.admin_units
    assert len(units) == 126
    assert page.locator("path.gp-unit").count() == 126
    built = hanoi.stations["status"].isin(["operating", "under_construction"])
    assert page.locator("path.gp-station").count() == int(built.sum())  # planned: off
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".gp-legend").is_visible()
    # switch the overlays off (a line or station could lie under the click), then click the
    # most populous inner-city unit: its popup gives its name and population
    open_layer_control(page)
    for box in page.locator(".leaflet-control-layers-overlays input").all():
        if box.is_checked():
            box.click()
    assert page.locator("path.gp-station").count() == 0
    inner = units[units["is_inner"].astype(bool)].sort_values("population", ascending=False)
    chosen = inner.iloc[0]
    click_at(page, *unit_point(units, str(chosen["unit_id"])))
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert str(chosen["name"]) in text
    expected_pop = f"{int(chosen['population']):,}".replace(",", ".")  # Vietnamese digits
    assert expected_pop in text
    screenshot(page, "hanoi-bundle.png")
    assert opened.blocked == []
    assert opened.errors == []
    page.close()
