"""The map as a person first sees it, on a laptop (1280×900) and a phone (390×844), measured
from the page itself in headless Chromium (the harness of tests/_browser.py).

When a map is first opened no two panels (title, zoom buttons, layer control, legend,
scorecard, attribution, scale) overlap, together they cover less than a quarter of the map,
and each lies inside the window; on a phone the legend and the scorecard start folded.
The controls are reachable from the keyboard. A bundle built by ``import-osm`` from the real
Văn Miếu extract (tests/data, © OpenStreetMap contributors, ODbL) opens fitted to Văn Miếu
and draws its green space, water and streets. Screenshots of each go to tests/artifacts/.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from geoplan.layers import list_bundles, load_bundle
from geoplan.layers.osm import green_space_from_osm, import_osm, water_from_osm
from geoplan.maps import map_bundle, map_run, save_map
from tests._browser import BROWSER_MARKS, open_layer_control, screenshot
from tests.test_maps import run_result  # noqa: F401 (fixture)
from tests.test_maps_browser import map_variable, open_map
from tests.test_recipes import tiny_indicators  # noqa: F401 (fixture)

pytestmark = BROWSER_MARKS

ROOT = Path(__file__).resolve().parents[1]
VAN_MIEU = Path(__file__).parent / "data" / "van_mieu_area_full_osm_2023.osm.bz2"
#: The Temple of Literature (Văn Miếu – Quốc Tử Giám), inside the extract.
TEMPLE = (21.0293, 105.8355)
LAPTOP, PHONE = (1280, 900), (390, 844)
PANELS = (".gp-title", ".leaflet-control-zoom", ".leaflet-control-layers", ".gp-legend",
          ".gp-scorecard", ".gp-timeline", ".leaflet-control-attribution",
          ".leaflet-control-scale")

#: Rectangles (left, top, right, bottom) of the panels on the page and of the map.
_RECTS = """(selectors) => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; };
  const out = {};
  selectors.forEach((s) => { const el = document.querySelector(s);
                             if (el && el.offsetParent !== null) { out[s] = box(el); } });
  return {panels: out, map: box(document.querySelector('.leaflet-container')),
          window: [0, 0, window.innerWidth, window.innerHeight]};
}"""


def _area(r: list[float]) -> float:
    return max(0.0, r[2] - r[0]) * max(0.0, r[3] - r[1])


def _overlap(a: list[float], b: list[float]) -> float:
    return _area([max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])])


def check_layout(page: Any, name: str) -> dict[str, list[float]]:
    """Assert the first-open layout of the page; return the panels' rectangles."""
    measured = page.evaluate(_RECTS, list(PANELS))
    panels: dict[str, list[float]] = measured["panels"]
    whole = measured["map"]
    width, height = measured["window"][2], measured["window"][3]
    for selector in (".gp-title", ".leaflet-control-zoom", ".leaflet-control-layers",
                     ".gp-legend", ".leaflet-control-attribution"):
        assert selector in panels, f"{name}: {selector} is not shown"
    for (a, ra), (b, rb) in itertools.combinations(panels.items(), 2):
        assert _overlap(ra, rb) == 0, f"{name}: {a} {ra} overlaps {b} {rb}"
    for selector, r in panels.items():
        assert r[0] >= 0 and r[1] >= 0 and r[2] <= width and r[3] <= height, \
            f"{name}: {selector} {r} is not inside the {width}×{height} window"
    covered = sum(_area(r) for r in panels.values()) / _area(whole)
    assert covered < 0.25, f"{name}: panels cover {covered:.0%} of the map"
    # the title is readable: not cut, at least 14 px
    title = page.locator(".gp-title h1")
    assert title.evaluate("h => h.scrollWidth <= h.clientWidth + 1"), f"{name}: title cut"
    assert float(title.evaluate("h => parseFloat(getComputedStyle(h).fontSize)")) >= 14
    screenshot(page, f"layout-{name}.png")
    return panels


def _folded(page: Any) -> dict[str, bool]:
    return page.evaluate("""(() => ({
        legend: document.querySelector('.gp-legend').open,
        scorecard: document.querySelector('.gp-scorecard')
          ? document.querySelector('.gp-scorecard').open : false}))()""")


@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_synthetic_run_map_layout(browser: Any, run_result: Any,  # noqa: F811
                                  tmp_path: Path, viewport: tuple[int, int]) -> None:
    path = save_map(map_run(run_result, lang="en"), tmp_path / "run.html")
    opened = open_map(browser, path, width=viewport[0], height=viewport[1])
    page = opened.page
    check_layout(page, f"synthetic-run-{viewport[0]}")
    # the layer control is collapsed; the legend is open on a laptop, folded on a phone;
    # the scorecard is a drawer, folded everywhere
    assert page.locator(".leaflet-control-layers-expanded").count() == 0
    assert _folded(page) == {"legend": viewport == LAPTOP, "scorecard": False}
    page.locator(".gp-scorecard summary").click()
    assert page.locator(".gp-scorecard tbody tr").first.is_visible()
    assert opened.errors == [] and opened.blocked == []
    page.close()


def test_controls_work_from_the_keyboard(browser: Any, run_result: Any,  # noqa: F811
                                         tmp_path: Path) -> None:
    path = save_map(map_run(run_result, lang="en"), tmp_path / "run.html")
    opened = open_map(browser, path, width=PHONE[0], height=PHONE[1])
    page = opened.page
    # Tab reaches the zoom buttons, the layer control and both drawers
    reached = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.update(page.evaluate(
            "(() => { const e = document.activeElement;"
            " return [e.tagName, ...(e.getAttribute('class') || '').split(' ')]; })()"))
    assert {"leaflet-control-zoom-in", "leaflet-control-layers-toggle", "SUMMARY"} <= reached
    # Enter on the layer button opens the control; Enter on a summary opens its panel
    page.focus(".leaflet-control-layers-toggle")
    page.keyboard.press("Enter")
    page.locator(".leaflet-control-layers-expanded").wait_for()
    page.focus(".gp-legend summary")
    page.keyboard.press("Enter")
    assert _folded(page)["legend"] is True
    # the controls are named in the map's language
    assert page.locator(".leaflet-control-layers-toggle").get_attribute("title") == "Map layers"
    assert page.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom in"
    assert opened.errors == []
    page.close()


HANOI = "hanoi" in list_bundles()


@pytest.fixture(scope="module")
def hanoi_run_map(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from geoplan.workflows.run import run_recipe

    result = run_recipe(ROOT / "analyses" / "hanoi-02-nq-tw.yaml")
    return save_map(map_run(result), tmp_path_factory.mktemp("hn") / "index.html")


@pytest.mark.slow
@pytest.mark.skipif(not HANOI, reason="the real Hà Nội bundle (layers/hanoi) is not built yet")
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_hanoi_run_map_layout(browser: Any, hanoi_run_map: Path,
                              viewport: tuple[int, int]) -> None:
    opened = open_map(browser, hanoi_run_map, width=viewport[0], height=viewport[1])
    page = opened.page
    check_layout(page, f"hanoi-run-{viewport[0]}")
    assert _folded(page) == {"legend": viewport == LAPTOP, "scorecard": False}
    # one thematic layer and no planned rail at first: the lines in service only
    assert page.locator(".leaflet-control-layers-base input:checked").count() == 1
    lines = page.evaluate("Array.from(document.querySelectorAll('path.gp-metro-line'))"
                          ".map(p => p.getAttribute('stroke-dasharray'))")
    assert lines and all(d in (None, "10 7") for d in lines)  # solid or under construction
    # the legend shows the layers on the map only: the catchment of every station (planned
    # ones too) is off, and so is its legend line, until it is switched on
    everyone = "Vùng phục vụ 1 km quanh mọi ga"
    legend = page.locator(".gp-legend")
    if viewport == PHONE:
        legend.locator("summary").click()
    assert everyone not in legend.inner_text()
    open_layer_control(page)
    page.locator(".leaflet-control-layers-overlays label", has_text=everyone) \
        .locator("input").check()
    assert everyone in legend.inner_text()
    # planned rail: one plan at a time
    plans = page.locator(".leaflet-control-layers-overlays label",
                         has_text="Đường sắt đô thị quy hoạch")
    assert plans.count() == 2
    plans.nth(0).locator("input").check()
    first = page.locator("path.gp-metro-line").count()
    plans.nth(1).locator("input").check()
    page.wait_for_function("document.querySelectorAll("
                           "'.leaflet-control-layers-overlays input:checked').length > 0")
    page.wait_for_timeout(50)
    assert plans.nth(0).locator("input").is_checked() is False
    assert plans.nth(1).locator("input").is_checked() is True
    assert page.locator("path.gp-metro-line").count() != first
    assert opened.errors == [] and opened.blocked == []
    page.close()


def test_van_mieu_import_opens_fitted_and_drawn(browser: Any, tmp_path: Path) -> None:
    """A bundle with no ward boundaries, built by import-osm from the real extract."""
    folder = import_osm(VAN_MIEU, city="vanmieu", layers_dir=tmp_path / "layers")
    bundle = load_bundle(folder)
    path = save_map(map_bundle(bundle, lang="en"), tmp_path / "vanmieu.html")
    for viewport in (LAPTOP, PHONE):
        opened = open_map(browser, path, width=viewport[0], height=viewport[1])
        page = opened.page
        m = map_variable(page)
        south, west, north, east, zoom = page.evaluate(
            f"(() => {{ const b = {m}.getBounds(); return [b.getSouth(), b.getWest(), "
            f"b.getNorth(), b.getEast(), {m}.getZoom()]; }})()")
        # fitted to the extract (about 2.2 × 1.9 km), not to a city centre or the world
        assert south < TEMPLE[0] < north and west < TEMPLE[1] < east
        assert north - south < 0.08 and zoom >= 14
        # every green space and water polygon of the extract is drawn (counts checked with
        # xml.etree in tests/test_import_osm.py: 26 and 7), and the streets
        assert page.locator("path.gp-green-space").count() == len(green_space_from_osm(VAN_MIEU))
        assert page.locator("path.gp-water").count() == len(water_from_osm(VAN_MIEU)) == 7
        assert page.locator("path.gp-street").count() >= 1
        assert page.locator("path.gp-bus-stop").count() == 8
        legend = page.locator(".gp-legend")
        if viewport == PHONE:
            legend.locator("summary").click()
        text = legend.inner_text()
        assert "Green space" in text and "Water" in text and "Street network" in text
        screenshot(page, f"van-mieu-{viewport[0]}.png")
        assert opened.errors == [] and opened.blocked == []
        page.close()
