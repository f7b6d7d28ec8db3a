"""Recipe schema: file:line errors with the fix, and the four shipped recipes.

The tiny indicators registered here (``t_rail_km``, ``t_urban_pct``, ``t_green``) are test
doubles computing hand-checkable values on the SYNTHETIC bundle (tests/synthetic.py); they are
removed from the registry after each test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from geoplan.analyses import registry
from geoplan.analyses.recipe import list_recipes, load_recipe, parse_recipe
from geoplan.analyses.result import IndicatorResult
from geoplan.analyses.wording import describe_goal
from geoplan.errors import RecipeError
from geoplan.layers import Bundle

ROOT = Path(__file__).resolve().parents[1]
RECIPES = ROOT / "analyses"


def _t_rail_km(bundle: Bundle, *, as_of: date | None = None,
               status: str = "operating") -> IndicatorResult:
    """SYNTHETIC test double: km of lines of ``status`` opened by ``as_of``."""
    if not bundle.has("metro_lines"):
        return IndicatorResult.missing("t_rail_km", "km", ("metro_lines",),
                                       bundle.why_missing("metro_lines"))
    lines = bundle.metro_lines.to_crs(32648)
    keep = lines["status"] == status
    if as_of is not None:
        opened = lines["opening_date"].fillna("").astype(str)
        keep &= (opened != "") & (opened <= as_of.isoformat())
    km = float(lines[keep].length.sum() / 1000)
    return IndicatorResult("t_rail_km", "km", city=km, method="sum of line lengths (test)")


def _t_urban_pct(bundle: Bundle, *, as_of: date | None = None) -> IndicatorResult:
    """SYNTHETIC test double: urban population ÷ population, %."""
    units = bundle.admin_units.set_index("unit_id")
    per_unit = 100 * units["urban_population"] / units["population"]
    inner = units[units["is_inner"]]
    return IndicatorResult(
        "t_urban_pct", "%",
        city=float(100 * units["urban_population"].sum() / units["population"].sum()),
        inner=float(100 * inner["urban_population"].sum() / inner["population"].sum()),
        per_unit=per_unit, method="census urban ÷ population (test)",
    )


def _t_green(bundle: Bundle, *, as_of: date | None = None) -> IndicatorResult:
    """SYNTHETIC test double: always "no data" for land_use."""
    return IndicatorResult.missing("t_green", "m2/person", ("land_use",),
                                   bundle.why_missing("land_use"))


@pytest.fixture
def tiny_indicators() -> Iterator[None]:
    """Register the test doubles; remove them afterwards."""
    added = {
        "t_rail_km": registry.indicator("t_rail_km", unit="km", scopes=("city",)),
        "t_urban_pct": registry.indicator("t_urban_pct", unit="%",
                                          scopes=("city", "inner", "unit")),
        "t_green": registry.indicator("t_green", unit="m2/person", layers=("land_use",),
                                      scopes=("city", "inner")),
    }
    funcs = {"t_rail_km": _t_rail_km, "t_urban_pct": _t_urban_pct, "t_green": _t_green}
    for name, decorate in added.items():
        decorate(funcs[name])
    yield
    for name in added:
        registry._REGISTRY.pop(name, None)


HEAD = """\
id: test-recipe
title: {vi: Thử, en: Test}
bundle: synthetic
document:
  number: 99-NQ/TW
  title: {vi: Văn bản thử, en: Test document}
  date: 2026-03-17
  issuer: SYNTHETIC
targets:
"""

TARGET = """\
  - id: t.rail
    title: {vi: Đường sắt, en: Rail}
    indicator: t_rail_km
    comparator: ">="
    value: 1.5
    unit: km
    year: 2030
    source: {document: 99-NQ/TW, date: 2026-03-17, section: III.1}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "recipe.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_recipe_loads(tiny_indicators: None, tmp_path: Path) -> None:
    recipe = load_recipe(_write(tmp_path, HEAD + TARGET))
    assert recipe.id == "test-recipe"
    assert recipe.targets[0].key == "t.rail@2030"
    assert describe_goal(recipe.targets[0], "en") == "≥ 1.5 km"
    assert describe_goal(recipe.targets[0], "vi") == "≥ 1,5 km"
    assert recipe.document.year == 2026


@pytest.mark.parametrize(
    ("edit", "line", "fragments"),
    [
        # unknown indicator, with a suggestion
        (("indicator: t_rail_km", "indicator: t_rail_kms"), 12,
         ["unknown indicator 't_rail_kms'", "Did you mean 't_rail_km'?"]),
        # unit mismatch names both units and the fix
        (("unit: km", "unit: '%'"), 15,
         ["indicator 't_rail_km' reports km; the target says %", "set unit: km"]),
        # missing citation
        (("    source: {document: 99-NQ/TW, date: 2026-03-17, section: III.1}\n", ""), 10,
         ["missing citation", "add source:"]),
        # citation without its section
        (("section: III.1}", "}"), 17, ["targets[0].source.section", "required key missing"]),
        # target year before the document's year
        (("year: 2030", "year: 2020"), 16, ["target year 2020 is before the document's year"]),
        # scope the indicator does not support
        (("unit: km\n", "unit: km\n    scope: unit\n"), 16, ["cannot be evaluated at scope"]),
        # an option the indicator does not take, with a suggestion
        (("unit: km\n", "unit: km\n    options: {statu: planned}\n"), 16,
         ["has no option 'statu'", "Did you mean 'status'?"]),
        # unknown comparator
        (('comparator: ">="', "comparator: '=>'"), 13, ["targets[0].comparator"]),
        # comparator without value
        (("    value: 1.5\n", ""), 13, ["needs value"]),
        # unknown key
        (("unit: km\n", "unit: km\n    colour: red\n"), 16, ["targets[0].colour: unknown key"]),
    ],
)
def test_schema_errors_name_file_line_and_fix(
    tiny_indicators: None, tmp_path: Path, edit: tuple[str, str], line: int,
    fragments: list[str],
) -> None:
    text = HEAD + TARGET
    assert edit[0] in text
    path = _write(tmp_path, text.replace(edit[0], edit[1], 1))
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    message = str(info.value)
    assert f"{path}:{line}:" in message
    for fragment in fragments:
        assert fragment in message


def test_range_errors(tiny_indicators: None, tmp_path: Path) -> None:
    bad = TARGET.replace('comparator: ">="\n    value: 1.5', "comparator: range\n    min: 5\n"
                         "    max: 3")
    path = _write(tmp_path, HEAD + bad)
    with pytest.raises(RecipeError, match=r"recipe.yaml:14: targets\[0\]: range with min 5 > "
                                          r"max 3; swap them"):
        load_recipe(path)
    one_sided = TARGET.replace('comparator: ">="\n    value: 1.5', "comparator: range\n"
                               "    min: 5")
    path = _write(tmp_path, HEAD + one_sided)
    with pytest.raises(RecipeError, match=r":13: .*range without max.*use comparator '>='"):
        load_recipe(path)


def test_approx_needs_a_tolerance(tiny_indicators: None, tmp_path: Path) -> None:
    text = HEAD + TARGET.replace('">="', "approx")
    with pytest.raises(RecipeError, match=r":13: .*approx needs tolerance"):
        load_recipe(_write(tmp_path, text))
    ok = load_recipe(_write(tmp_path, text.replace("unit: km", "tolerance: 10%\n    unit: km")))
    assert ok.targets[0].tolerance_abs == pytest.approx(0.15)


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + TARGET.replace("unit: km", "unit: [km"))
    with pytest.raises(RecipeError, match=r"recipe.yaml:\d+: malformed YAML"):
        load_recipe(path)


def test_duplicate_key_and_repeated_target(tiny_indicators: None, tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + TARGET.replace("unit: km\n", "unit: km\n    unit: km\n"))
    with pytest.raises(RecipeError, match=r":16: targets\[0\]\.unit: key given twice"):
        load_recipe(path)
    path = _write(tmp_path, HEAD + TARGET + TARGET)
    with pytest.raises(RecipeError, match=r":18: .*key 't.rail@2030' repeats targets\[0\]"):
        load_recipe(path)


def test_all_problems_are_listed_together(tiny_indicators: None, tmp_path: Path) -> None:
    text = HEAD + TARGET.replace("t_rail_km", "nope").replace("2030", "2001") + TARGET.replace(
        "unit: km", "unit: m2")
    with pytest.raises(RecipeError) as info:
        load_recipe(_write(tmp_path, text))
    assert str(info.value).startswith("3 problems in recipe")


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="no such recipe file"):
        load_recipe(tmp_path / "absent.yaml")
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: Hà Nội".encode("latin-1", errors="replace") + b"\xe0\n")
    with pytest.raises(RecipeError, match="not UTF-8"):
        load_recipe(path)


def test_statistics_take_reported_values(tmp_path: Path) -> None:
    text = HEAD.replace("targets:\n", "statistics:\n") + """\
  - id: t.grdp
    title: {vi: GRDP, en: GRDP}
    comparator: ">"
    value: 113
    unit: bn USD
    year: 2030
    source: {document: 99-NQ/TW, date: 2026-03-17, section: II.2.2}
    reported: {}
  - id: t.univ
    title: {vi: ĐH, en: Universities}
    comparator: ">="
    value: 2
    unit: count
    year: 2035
    source: {document: 99-NQ/TW, date: 2026-03-17, section: III.4}
    reported: {value: 1, unit: universities, date: 2026-06-01, source: report}
"""
    with pytest.raises(RecipeError, match=r":25: statistics\[1\]\.reported\.unit"):
        parse_recipe(text, where="x.yaml")
    recipe = parse_recipe(text.replace("unit: universities", "unit: count"), where="x.yaml")
    assert recipe.statistics[0].reported is None
    assert recipe.statistics[1].reported is not None
    assert recipe.statistics[1].reported.value == 1


# -- the shipped recipes ------------------------------------------------------------------------
SHIPPED = ["hanoi-02-nq-tw", "haiphong-06-ctr", "hatinh-15-ctr-tu",
           "tuyenquang-infrastructure-2030"]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_recipes_load(name: str) -> None:
    recipe = load_recipe(RECIPES / f"{name}.yaml")
    assert recipe.id == name
    assert recipe.document.seed.startswith("seeds/")
    for goal in recipe.goals:
        assert goal.source.section, goal.key
    assert RECIPES / f"{name}.yaml" in list_recipes()


def _goal(name: str, key: str) -> Any:
    recipe = load_recipe(RECIPES / f"{name}.yaml")
    return next(g for g in recipe.goals if g.key == key)


def test_shipped_recipes_encode_the_text() -> None:
    # values read from the Vietnamese originals in ../shared/seeds (see analyses/README.md)
    rail = _goal("hanoi-02-nq-tw", "hn.rail_km@2030")
    assert (rail.indicator, rail.comparator, rail.value, rail.unit) == (
        "rail_length", "approx", 100, "km")
    assert rail.source.section == "III.1"
    hp = _goal("haiphong-06-ctr", "hp.urbanisation@2030")
    assert (hp.comparator, hp.min, hp.max, hp.unit) == ("range", 74, 76, "%")
    hp_green = _goal("haiphong-06-ctr", "hp.green/inner@2030")
    assert (hp_green.min, hp_green.max, hp_green.open_max) == (10, 15, True)
    ht = _goal("hatinh-15-ctr-tu", "ht.urbanisation@2025")
    assert (ht.comparator, ht.value) == (">", 40)
    assert _goal("hatinh-15-ctr-tu", "ht.urbanisation@2025").source.date == "2022-09-30"
    tq = _goal("tuyenquang-infrastructure-2030", "tq.urbanisation@2030")
    assert (tq.comparator, tq.value) == ("approx", 35)
