"""``results.gpkg`` opens in QGIS coloured as on the web map and with readable field names:
styles in the ``layer_styles`` table, aliases in each style and in ``gpkg_data_columns``.
Checked with sqlite3 and ElementTree on the SYNTHETIC run of tests/test_maps.py, and with a
hostile target title (XML and template syntax) that must come out as text."""

from __future__ import annotations

import itertools
import json
import sqlite3
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pyogrio
import pytest

from geoplan.maps._style import STATUS_COLOURS, VALUE_RAMP
from geoplan.maps._thematic import _breaks
from geoplan.workflows.run import run_recipe
from tests.test_maps import RECIPE
from tests.test_recipes import tiny_indicators  # noqa: F401 (fixture)

HOSTILE = "</qgis><x a=\"1\">&amp; {{ 7*7 }} ' ]]>"


def _run(tmp_path: Path, bundle: Path, recipe_text: str, lang: str = "en") -> Path:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(recipe_text, encoding="utf-8")
    out = tmp_path / "out"
    run_recipe(recipe, bundle=bundle, as_of=date(2026, 11, 24), out=out, lang=lang)
    return out / "results.gpkg"


def _styles(path: Path, table: str = "units") -> list[tuple[str, ET.Element, int, str, str]]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT styleName, styleQML, useAsDefault, f_table_name, "
                          "f_geometry_column FROM layer_styles WHERE f_table_name = ? "
                          "ORDER BY id", (table,)).fetchall()
    out = []
    for name, qml, default, table, geometry in rows:
        assert qml.startswith("<!DOCTYPE qgis")
        out.append((name, ET.fromstring(qml.split(">", 1)[1]), default, table, geometry))
    return out


def _rgba(colour: str) -> str:
    return ",".join(str(int(colour[i:i + 2], 16)) for i in (1, 3, 5)) + ",255"


def test_styles_follow_the_web_map(tmp_path: Path, synthetic_bundle_path: Path,
                                   tiny_indicators: None) -> None:  # noqa: F811
    path = _run(tmp_path, synthetic_bundle_path, RECIPE)
    columns = list(pyogrio.read_info(path, layer="units")["fields"])
    styles = _styles(path)
    # the two targets with values per unit (rail has none), the first applied on opening
    assert [(n, d) for n, _, d, _, _ in styles] == [("Urbanisation", 1),
                                                    ("Urbanisation per unit", 0)]
    assert {(t, g) for *_, t, g in styles} == {("units", "geom")}
    # city-wide target: value classes (the map's breaks and ramp)
    city = styles[0][1].find("renderer-v2")
    assert city.get("type") == "graduatedSymbol" and city.get("attr") == "s_urban_2030_value"
    values = pyogrio.read_dataframe(path, layer="units")["s_urban_2030_value"]
    edges = _breaks(values)
    ranges = city.findall("ranges/range")
    assert [(float(r.get("lower")), float(r.get("upper"))) for r in ranges] == list(
        itertools.pairwise(edges))
    colours = [o.get("value") for o in city.iter("Option") if o.get("name") == "color"]
    assert colours == [_rgba(c) for c in VALUE_RAMP[:len(ranges)]]
    # per-unit target: its statuses in the map's colours (A, B met; C, D not met)
    unit = styles[1][1].find("renderer-v2")
    assert unit.get("type") == "categorizedSymbol"
    assert unit.get("attr") == "s_urban_unit_2030_status"
    categories = [(c.get("value"), c.get("label")) for c in unit.findall("categories/category")]
    assert categories == [("met", "met"), ("not met", "not met")]
    colours = [o.get("value") for o in unit.iter("Option") if o.get("name") == "color"]
    assert colours == [_rgba(STATUS_COLOURS["met"]), _rgba(STATUS_COLOURS["not met"])]
    # every style names every column; the same names in gpkg_data_columns
    for _, root, *_ in styles:
        aliases = {a.get("field"): a.get("name") for a in root.findall("aliases/alias")}
        assert set(aliases) <= set(columns)
        assert aliases["s_urban_unit_2030_status"] == "Urbanisation per unit: Status"
        assert aliases["unit_id"] == "Unit code"
    with sqlite3.connect(path) as db:
        named = dict(db.execute("SELECT column_name, name FROM gpkg_data_columns "
                                "WHERE table_name = 'units'").fetchall())
        extension = db.execute("SELECT definition FROM gpkg_extensions "
                               "WHERE table_name = 'gpkg_data_columns'").fetchone()
        stamp = db.execute("SELECT DISTINCT update_time FROM layer_styles").fetchall()
    assert named["s_urban_2030_value"] == "Urbanisation: Value"
    assert named["s_urban_unit_2030_gap"] == "Urbanisation per unit: Gap"
    assert extension == ("http://www.geopackage.org/spec/#extension_schema",)
    assert stamp == [("2026-11-24T00:00:00.000Z",)]  # the run's date: reproducible bytes
    # GDAL still reads the layer as before, and lists the styles as a table
    assert [str(x[0]) for x in pyogrio.list_layers(path)] == ["units", "s_urban", "catchments",
                                                               "layer_styles"]


def test_one_layer_per_target_family(tmp_path: Path, synthetic_bundle_path: Path,
                                     tiny_indicators: None) -> None:  # noqa: F811
    """The family ``s.urban`` (its city-wide and per-unit targets) is a layer of its own:
    the units' identity and the family's columns, the same values as ``units``, its two
    styles and only its own aliases; rail (no values per unit) has no layer."""
    path = _run(tmp_path, synthetic_bundle_path, RECIPE)
    family = pyogrio.read_dataframe(path, layer="s_urban")
    units = pyogrio.read_dataframe(path, layer="units")
    own = [c for c in family.columns if c.startswith("s_")]
    assert own == [c for c in units.columns if c.startswith("s_urban")]
    assert {"s_urban_2030_value", "s_urban_unit_2030_status", "s_urban_unit_2030_gap"} <= \
        set(own)
    assert family["unit_id"].tolist() == units["unit_id"].tolist() == ["A", "B", "C", "D"]
    assert family["s_urban_unit_2030_status"].tolist() == ["met", "met", "not met", "not met"]
    assert family[own].equals(units[own])
    assert family.geometry.equals(units.geometry) and family.crs == units.crs
    assert [(n, d, t) for n, _, d, t, _ in _styles(path, "s_urban")] == [
        ("Urbanisation", 1, "s_urban"), ("Urbanisation per unit", 0, "s_urban")]
    with sqlite3.connect(path) as db:
        named = dict(db.execute("SELECT column_name, name FROM gpkg_data_columns "
                                "WHERE table_name = 's_urban'").fetchall())
    assert set(named) <= set(family.columns) and named["unit_id"] == "Unit code"
    assert named["s_urban_unit_2030_status"] == "Urbanisation per unit: Status"


def test_a_family_named_like_a_layer_of_the_file_is_renamed(
        tmp_path: Path, synthetic_bundle_path: Path, tiny_indicators: None) -> None:  # noqa: F811
    """A target id ``units`` (or ``catchments``, ``gpkg_…``) never replaces the file's own
    layers: its layer is ``target_units``."""
    path = _run(tmp_path, synthetic_bundle_path,
                RECIPE.replace("id: s.urban", "id: units").replace(
                    "  - id: s.rail", "  - id: gpkg.contents", 1))
    layers = [str(x[0]) for x in pyogrio.list_layers(path)]
    assert layers == ["units", "target_units", "catchments", "layer_styles"]
    units = pyogrio.read_dataframe(path, layer="units")
    assert "units_2030_value" in units.columns and len(units) == 4


def test_vietnamese_names_and_hostile_titles_stay_text(
        tmp_path: Path, synthetic_bundle_path: Path, tiny_indicators: None) -> None:  # noqa: F811
    text = RECIPE.replace("{vi: Đô thị hoá theo đơn vị, en: Urbanisation per unit}",
                          f"{{vi: {json.dumps(HOSTILE)}, en: x}}")
    path = _run(tmp_path, synthetic_bundle_path, text, lang="vi")
    styles = _styles(path)
    assert [n for n, *_ in styles] == ["Đô thị hoá", HOSTILE]
    root = styles[1][1]
    aliases = {a.get("field"): a.get("name") for a in root.findall("aliases/alias")}
    assert aliases["s_urban_unit_2030_status"] == f"{HOSTILE}: Tình trạng"
    assert aliases["population"] == "Dân số (2019)"
    labels = [c.get("label") for c in root.findall("renderer-v2/categories/category")]
    assert labels == ["đạt", "chưa đạt"]
    assert root.find("x") is None  # the title did not become an element


def test_a_run_without_per_unit_values_has_no_styles(
        tmp_path: Path, synthetic_bundle_path: Path, tiny_indicators: None) -> None:  # noqa: F811
    only_rail = RECIPE.split("  - id: s.urban")[0]
    path = _run(tmp_path, synthetic_bundle_path, only_rail)
    assert _styles(path) == []
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT count(*) FROM gpkg_data_columns").fetchone()[0] >= 4


def test_walking_catchments_layer(tmp_path: Path, synthetic_bundle_path: Path,
                                  tiny_indicators: None) -> None:  # noqa: F811
    """The map's walking scenarios (1 km) stored beside the units, with the people each
    reaches as coverage_scenarios counts them, and one colour per scenario."""
    from geoplan.layers import load_bundle
    from geoplan.network import coverage_scenarios

    path = _run(tmp_path, synthetic_bundle_path, RECIPE)
    layer = pyogrio.read_dataframe(path, layer="catchments")
    expected = coverage_scenarios(load_bundle(synthetic_bundle_path), distance_m=1000,
                                  year=2030, today=date(2026, 11, 24), lines=False).city
    assert layer["scenario"].tolist() == list(expected.index) == ["now", "2030", "full"]
    assert layer["people"].tolist() == pytest.approx(expected["covered_population"].tolist())
    assert layer["stations"].tolist() == [3, 4, 4]
    assert layer["label"].iloc[0] == "1 km walk along streets from operating stations"
    assert layer.crs == pyogrio.read_dataframe(path, layer="units").crs
    with sqlite3.connect(path) as db:
        name, qml, default = db.execute(
            "SELECT styleName, styleQML, useAsDefault FROM layer_styles "
            "WHERE f_table_name = 'catchments'").fetchone()
    root = ET.fromstring(qml.split(">", 1)[1])
    assert (name, default) == ("1 km walk along streets from operating stations", 1)
    assert root.find("renderer-v2").get("attr") == "scenario"
    assert [c.get("value") for c in root.findall("renderer-v2/categories/category")] == [
        "now", "2030", "full"]
