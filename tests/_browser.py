"""The headless-Chromium harness shared by the browser tests (maps, monitoring reports).

Debian's ``/usr/bin/chromium`` driven by Playwright's Python API; no browser is downloaded.
Pages are opened from ``file://`` with the network blocked: every request that is not a
``file://`` URL is aborted and recorded in :attr:`Opened.blocked`; console errors, page
errors and dialogs (``alert``) are recorded in :attr:`Opened.errors`. Screenshots go to
``tests/artifacts/`` (git-ignored).

The ``browser`` fixture (one Chromium per test module) is in ``tests/conftest.py``; a test
module uses it with::

    from tests._browser import BROWSER_MARKS, open_page
    pytestmark = BROWSER_MARKS

    def test_page(browser, tmp_path): ...
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

__all__ = ["ARTIFACTS", "BROWSER_MARKS", "CHROMIUM", "CHROMIUM_ARGS", "Opened", "launch",
           "open_layer_control", "open_page", "screenshot"]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

#: Marks of a browser test module: ``browser``, skipped (with the reason) without Chromium.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(),
                       reason="Debian's chromium is not installed (/usr/bin/chromium); "
                              "`make chromium` installs it"),
]


@dataclass
class Opened:
    """A page with everything it tried to fetch and logged."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextlib.contextmanager
def launch() -> Iterator[Any]:
    """Launch Debian's Chromium headless through Playwright (skip the test without it)."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install playwright)")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def open_page(browser: Any, path: Path, *, ready: str = "document.readyState === 'complete'",
              width: int = 1400, height: int = 900) -> Opened:
    """Open ``path`` offline and wait until the JavaScript expression ``ready`` is true."""
    page = browser.new_page(viewport={"width": width, "height": height})
    opened = Opened(page)

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            opened.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: opened.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: opened.errors.append(str(e)))
    page.on("dialog", lambda d: (opened.errors.append(f"dialog: {d.message}"), d.dismiss()))
    page.goto(path.resolve().as_uri())
    page.wait_for_function(ready)
    return opened


def open_layer_control(page: Any) -> None:
    """Open a map's collapsed layer control as a person does: hover its button."""
    if page.locator(".leaflet-control-layers-expanded").count():
        return
    box = page.locator(".leaflet-control-layers-toggle").bounding_box()
    # the mouse itself (a locator's hover retries once the control has opened under it)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".leaflet-control-layers-expanded").wait_for()


def screenshot(page: Any, name: str, *, full_page: bool = False) -> Path:
    """Save a picture of ``page`` into ``tests/artifacts/`` (for people, not for asserts)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.wait_for_timeout(400)  # let Leaflet's popup fade-in finish (picture only)
    page.screenshot(path=str(path), full_page=full_page)
    return path
