"""One language per reader: the Vietnamese scorecard, map and monitoring report hold no
English words, CLI hints or internal paths; the English ones no Vietnamese labels (names
aside). Runs on the SYNTHETIC bundle and recipes of tests/test_run.py and
tests/test_monitor.py (not real data); the unit check reads the shipped recipes."""
from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from geoplan.analyses.recipe import list_recipes, load_recipe
from geoplan.analyses.wording import _UNIT_WORDS, describe_goal, unit_label
from geoplan.maps import map_run, save_map
from geoplan.workflows.monitor import monitor_recipe
from geoplan.workflows.run import run_recipe
from tests.test_monitor import END, MONITOR_RECIPE
from tests.test_recipes import tiny_indicators  # noqa: F401 (fixture)
from tests.test_run import RECIPE

#: English words and hints that a Vietnamese reader must not meet (lower case)
ENGLISH_IN_VI = ("no data", "not met", "monitoring (no", "partial coverage", "not reported",
                 "older than the target", "geoplan layers", "geoplan import",
                 "geoplan run ", " --", "shared/data", "/work/", ".yaml",
                 "layers add", "people", "m2/person", "on track", "behind")
#: Vietnamese labels that an English reader must not meet
VIETNAMESE_IN_EN = ("không có dữ liệu", "chưa đạt", "mục tiêu", "người", "theo dõi",
                    "đúng tiến độ", "chậm tiến độ", "chưa có giá trị")


class _Visible(HTMLParser):
    """The text a person reads on a page: outside <script> and <style>."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in ("title", "aria-label", "alt") and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _popup_texts(page: str) -> list[str]:
    """Tooltip and popup fields of every geoplan layer (they live in the page's script)."""
    decoder = json.JSONDecoder()
    texts: list[str] = []
    for m in re.finditer(r"geoplan\.layer\(\w+, ", page):
        spec: dict[str, Any] = decoder.raw_decode(page, m.end())[0]
        for row in spec.get("rows") or []:
            texts.append(str(row[0]))
            texts.extend(f"{k}: {v}" for k, v in row[1])
    return texts


def reader_text(page: str) -> str:
    """Everything a reader of an HTML page sees: visible text, tooltips and popups."""
    parser = _Visible()
    parser.feed(page)
    return "\n".join(parser.parts + _popup_texts(page)).lower()


def assert_free_of(text: str, words: tuple[str, ...], what: str) -> None:
    found = [w for w in words if w in text.lower()]
    assert not found, f"{what} holds {found}"


@pytest.fixture
def run_recipe_path(tmp_path: Path, tiny_indicators: None) -> Path:  # noqa: F811
    path = tmp_path / "synthetic-run.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    return path


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_run_scorecard_and_map_speak_one_language(
    lang: str, run_recipe_path: Path, synthetic_bundle_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_recipe(run_recipe_path, bundle=synthetic_bundle_path, out=out,
                        as_of=date(2026, 11, 24), lang=lang)
    md = (out / "scorecard.md").read_text(encoding="utf-8")
    page = save_map(map_run(result, lang=lang), tmp_path / "map.html").read_text(
        encoding="utf-8")
    seen = reader_text(page)
    if lang == "vi":
        assert_free_of(md, ENGLISH_IN_VI, "the Vietnamese scorecard.md")
        assert_free_of(seen, ENGLISH_IN_VI, "the Vietnamese run map")
        # the notes are there, in Vietnamese: the missing land-use layer, the statistic
        assert "≥ 10 m²/người" in md and "không có dữ liệu" in md
        assert "≈ 10 km (± 10%)" in seen
    else:
        assert_free_of(md, VIETNAMESE_IN_EN, "the English scorecard.md")
        assert_free_of(seen, VIETNAMESE_IN_EN, "the English run map")
        assert "≥ 10 m²/person" in md and "no data" in md
    # scorecard.csv stays machine-readable: English status codes, the technical note
    csv = (out / "scorecard.csv").read_text(encoding="utf-8-sig")
    assert "no data" in csv and "not met" in csv


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_monitor_report_speaks_one_language(lang: str, tmp_path: Path,
                                            synthetic_bundle_path: Path) -> None:
    recipe = tmp_path / "synthetic-monitor.yaml"
    recipe.write_text(MONITOR_RECIPE.replace("bundle: synthetic",
                                             f"bundle: {synthetic_bundle_path}"),
                      encoding="utf-8")
    monitor_recipe(recipe, out=tmp_path / "o", period="year", end=END, review=2024,
                   lang=lang)
    folder = tmp_path / "o" / "monitor"
    md = (folder / "review-2024.md").read_text(encoding="utf-8")
    html = reader_text((folder / "review-2024.html").read_text(encoding="utf-8")
                       + (folder / "progress.html").read_text(encoding="utf-8"))
    words = ENGLISH_IN_VI if lang == "vi" else VIETNAMESE_IN_EN
    assert_free_of(md, words, f"the {lang} monitoring report.md")
    assert_free_of(html, words, f"the {lang} monitoring report.html")
    assert ("≥ 3 km" in md) and (("≥ 30 m²/người" if lang == "vi" else "≥ 30 m²/person") in md)


def test_every_unit_of_the_shipped_recipes_has_words_in_both_languages() -> None:
    symbols = {"km", "%", "m²", "km²", "ha", "m"}
    recipes = list_recipes()
    assert len(recipes) >= 5  # Hà Nội, Hải Phòng, Hà Tĩnh, Tuyên Quang, Việt Nam
    for path in recipes:
        for goal in load_recipe(path).goals:
            assert goal.unit in _UNIT_WORDS or goal.unit in symbols, (path.name, goal.unit)
            for lang in ("vi", "en"):
                text = describe_goal(goal, lang)
                assert text and "None" not in text, (path.name, goal.key, text)
            vi = describe_goal(goal, "vi")
            assert_free_of(vi, ("person", "people", "monitoring", "dwellings"),
                           f"{path.name} {goal.key}")


def test_unit_words_hand_checked() -> None:
    assert unit_label("m2/person", "vi") == "m²/người"
    assert unit_label("m2/person", "en") == "m²/person"
    assert unit_label("people", "vi") == "người"
    assert unit_label("km", "vi") == "km"
