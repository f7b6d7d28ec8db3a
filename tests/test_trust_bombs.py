"""Hostile inputs, class "resource bombs, impossible values, interrupted starts" and "the core
install": every one ends in exit 2 (or 130) with a message naming the file and the fix, and
through the API in the specific :class:`~geoplan.errors.GeoplanError`; nothing half-written.

The mechanisms under test:

* ``geoplan._yaml`` (:func:`load_yaml`, :func:`read_yaml_file`): the one YAML reader of recipes
  and manifests (alias bombs, nesting, long integers, impossible dates, huge files, FIFOs);
* ``geoplan.io.atomic_path`` / ``staging_dir``: a full disk while any output is written;
* ``geoplan.cli.main``: arguments that are not UTF-8, Ctrl-C while the commands import, lazy
  imports so that the core install (no ``build`` extra) runs every core command;
* ``geoplan.monitor.history.read_history``: every row of a hand-edited history checked;
* ``geoplan.workflows.monitor.monitor_dates`` and ``run_recipe``: bounded evaluation dates.

All data are SYNTHETIC (tests/synthetic.py). Hangs are stopped by ``signal.alarm`` (a guard,
not a timing assertion) or a subprocess timeout.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from geoplan import io as geoplan_io
from geoplan._yaml import MAX_DEPTH, MAX_DIGITS, MAX_NODES, YAMLContentError, load_yaml
from geoplan.analyses.recipe import load_recipe, parse_recipe
from geoplan.cli import main
from geoplan.errors import (
    GeoplanError,
    LayerValidationError,
    MissingExtraError,
    OutputError,
    RecipeError,
)
from geoplan.io import sha256_file
from geoplan.layers import load_bundle
from geoplan.maps import map_bundle, save_map
from geoplan.monitor import HistoryError, MonitorError, read_history
from geoplan.monitor.history import HISTORY_NAME, goal_units, record_snapshot
from geoplan.workflows.monitor import monitor_dates, monitor_recipe
from geoplan.workflows.run import run_recipe
from tests import synthetic
from tests._hostile import assert_refused, cli, flat
from tests.test_bad_inputs import RECIPE as BAD_RECIPE

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "BAD_INPUTS.md"
SECTION = "## Resource bombs, impossible values and interrupted starts"
ROLES = ("admin_units", "city_boundary", "metro_lines", "stations")
AS_OF = date(2025, 12, 31)

#: Every case of this file; docs/BAD_INPUTS.md has one row per id in SECTION.
CASE_IDS = (
    "yaml_alias_bomb", "yaml_alias_bomb_manifest", "yaml_recursive_alias", "yaml_deep_nesting",
    "yaml_huge_integer", "yaml_huge_integer_manifest", "yaml_impossible_date",
    "yaml_impossible_date_manifest", "yaml_impossible_date_key", "yaml_bad_explicit_tag",
    "yaml_python_tag", "yaml_nan_statistic", "yaml_overflow_float", "recipe_huge_file",
    "recipe_is_a_folder", "recipe_is_a_fifo", "parse_recipe_text_bomb",
    "recipe_too_many_targets", "target_year_absurd",
    "as_of_out_of_range", "as_of_impossible", "baseline_out_of_range", "non_utf8_out",
    "non_utf8_recipe_path",
    "disk_full_gpkg", "disk_full_enospc", "disk_full_map", "disk_full_history",
    "disk_full_real_tmpfs", "history_non_iso_date", "history_text_value",
    "history_extra_column", "history_empty", "history_list_column", "history_value_not_finite",
    "history_vocabulary", "history_unit_mismatch", "monitor_unbounded_span",
    "ctrl_c_during_import", "ctrl_c_early_start", "ctrl_c_ignored_by_the_parent",
    "core_install_no_extras", "help_is_light", "yaml_bool_tag_not_boolean",
    "yaml_bool_tag_manifest", "yaml_tag_not_allowed", "yaml_binary_tag",
    "manifest_duplicate_keys", "manifest_statistic_date", "recipe_date_rule",
    "manifest_statistic_unit", "urbanisation_units_differ",
)

#: The first target of the hostile recipe of tests/test_bad_inputs.py, as recipe ``bombs``.
RECIPE = BAD_RECIPE[:BAD_RECIPE.index("  - id: t.cov")].replace("id: hostile", "id: bombs", 1)

#: Ten levels of ten aliases each: 10**10 values from 1 kB ("billion laughs").
LAUGHS = "".join(
    f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10) if i else ', '.join(['lol'] * 10)}]\n"
    for i in range(10)
)


# -- helpers ----------------------------------------------------------------------------------
@contextlib.contextmanager
def _deadline(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging the suite) if the block runs longer than ``seconds``."""
    def expire(signum: int, frame: object) -> None:
        raise AssertionError(f"still running after {seconds} s: unbounded work")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _bundle(tmp: Path) -> Path:
    return synthetic.write_bundle(tmp / "bundle", roles=ROLES)  # SYNTHETIC


def _recipe(tmp: Path, text: str | None = None, *, name: str = "bombs.yaml") -> Path:
    path = tmp / name
    if text is None:
        text = RECIPE.format(bundle=_bundle(tmp))
    path.write_text(text, encoding="utf-8")
    return path


def _edited(tmp: Path, old: str, new: str) -> Path:
    text = RECIPE.format(bundle=_bundle(tmp))
    assert old in text, old
    return _recipe(tmp, text.replace(old, new, 1))


def _manifest_with(tmp: Path, extra: str) -> Path:
    folder = _bundle(tmp)
    manifest = folder / "bundle.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return folder


def _snapshot(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (hidden ones too) with its SHA-256."""
    return {str(p.relative_to(folder)): sha256_file(p)
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _both(args: list[str], call: Any, error: type[GeoplanError], pattern: str,
          capsys: pytest.CaptureFixture[str]) -> str:
    """The CLI exits 2 with ``pattern`` in its message; the API raises ``error`` with it."""
    return assert_refused(args, call, error, pattern, capsys)


# -- the YAML reader: bombs and impossible values ---------------------------------------------
def test_yaml_alias_bomb(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _recipe(tmp_path, LAUGHS + RECIPE.format(bundle=_bundle(tmp_path)))
    assert path.stat().st_size < 2_000  # 1 kB that stands for 10**10 values
    with _deadline(30):
        err = _both(["run", str(path), "--out", str(tmp_path / "out")],
                    lambda: load_recipe(path), RecipeError,
                    rf"bombs\.yaml:\d+: the document expands to more than {MAX_NODES:,} values "
                    r"through anchors and aliases .* write the values out", capsys)
    assert not (tmp_path / "out").exists()
    assert err.count("problem") == 1


def test_yaml_alias_bomb_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _manifest_with(tmp_path, "description_bomb:\n" + textwrap.indent(LAUGHS, "  "))
    with _deadline(30):
        _both(["layers", "validate", str(folder)], lambda: load_bundle(folder),
              LayerValidationError, r"bundle\.yaml: line \d+: the document expands to more "
              r"than .* values through anchors and aliases", capsys)


def test_yaml_recursive_alias(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _recipe(tmp_path, "loop: &me [1, *me]\n" + RECIPE.format(bundle=_bundle(tmp_path)))
    with _deadline(30):
        _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
              r"bombs\.yaml:1: alias \*me is inside the node &me it names \(a recursive "
              r"structure\); write the value out", capsys)


def test_yaml_deep_nesting(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * 70 + "x: 1\n"
    path = _recipe(tmp_path, RECIPE.format(bundle=_bundle(tmp_path)) + block)
    with _deadline(30):
        _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
              rf"bombs\.yaml:\d+: nesting deeper than {MAX_DEPTH} levels; .* fix the brackets "
              "or indentation", capsys)
    # flow nesting 100,000 deep: libyaml's own limit, reported as malformed YAML with a line
    flow = _recipe(tmp_path, "a: " + "[" * 100_000 + "]" * 100_000 + "\n", name="flow.yaml")
    with _deadline(30), pytest.raises(RecipeError, match=r"flow\.yaml:1: malformed YAML"):
        load_recipe(flow)


def test_yaml_huge_integer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited(tmp_path, "value: 1.5", "value: " + "9" * 5000)
    _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
          rf"bombs\.yaml:14: targets\[0\]\.value: an integer of 5,000 digits .* at most "
          rf"{MAX_DIGITS} digits: fix the value", capsys)
    hexa = _edited(tmp_path, "value: 1.5", "value: 0x" + "f" * 5000)
    with pytest.raises(RecipeError, match=r"targets\[0\]\.value: an integer of 5,002 digits"):
        load_recipe(hexa)


def test_yaml_huge_integer_manifest(tmp_path: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    folder = _manifest_with(tmp_path, "statistics:\n  pop:\n    value: " + "9" * 5000 +
                            "\n    unit: people\n    date: '2019'\n    source: SYNTHETIC\n")
    _both(["layers", "show", str(folder)], lambda: load_bundle(folder), LayerValidationError,
          r"bundle\.yaml: line \d+: statistics\.pop\.value: an integer of 5,000 digits", capsys)


def test_yaml_impossible_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = RECIPE.format(bundle=_bundle(tmp_path)).replace(
        "  date: 2021-01-01\n  issuer", "  date: 2021-02-30\n  issuer")
    path = _recipe(tmp_path, text.replace("date: 2021-01-01, section", "date: 0000-01-01, "
                                          "section"))
    err = _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
                r"bombs\.yaml:7: document\.date: '2021-02-30' is not a real date \(day is out "
                r"of range for month\); write dates as YYYY-MM-DD with a real day", capsys)
    # every impossible date of the file is listed together
    assert "2 problems" in err
    assert re.search(r"bombs\.yaml:17: targets\[0\]\.source\.date: '0000-01-01' is not a real "
                     "date", err), err


def test_yaml_impossible_date_manifest(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = _manifest_with(tmp_path, "statistics:\n  pop:\n    value: 1\n    unit: people\n"
                            "    date: 2019-02-30\n    source: SYNTHETIC\n")
    _both(["map", str(folder), "--out", str(tmp_path / "m.html")], lambda: load_bundle(folder),
          LayerValidationError, r"bundle\.yaml: line \d+: statistics\.pop\.date: '2019-02-30' "
          r"is not a real date .* write dates as YYYY-MM-DD with a real day", capsys)
    assert not (tmp_path / "m.html").exists()


def test_yaml_impossible_date_key(tmp_path: Path) -> None:
    with pytest.raises(YAMLContentError, match=r"key 2021-02-30: '2021-02-30' is not a real"):
        load_yaml("2021-02-30: x\n")
    with pytest.raises(YAMLContentError, match=r"t: '2021-02-01 25:00:00' is not a real date "
                                               r"\(hour must be in 0\.\.23\)"):
        load_yaml("t: 2021-02-01 25:00:00\n")


def test_yaml_bad_explicit_tag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited(tmp_path, "value: 1.5", "value: !!float abc")
    _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
          r"bombs\.yaml:14: targets\[0\]\.value: 'abc' is not a number \(could not convert "
          r"string to float: 'abc'\); fix the value", capsys)
    with pytest.raises(YAMLContentError, match=r"v: 'x' is not an integer"):
        load_yaml("v: !!int x\n")


def test_yaml_python_tag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    marker = tmp_path / "pwned"
    path = _edited(tmp_path, "value: 1.5",
                   f"value: !!python/object/apply:os.system ['touch {marker}']")
    _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
          r"bombs\.yaml:14: targets\[0\]\.value: the YAML tag "
          r"!!python/object/apply:os\.system is not allowed .* remove the tag", capsys)
    assert not marker.exists()


# -- tags: only the core ones, every constructor failure a problem ------------------------------
def test_yaml_bool_tag_not_boolean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    for tagged in ("!!bool abc", "!<tag:yaml.org,2002:bool> yes2"):
        path = _edited(tmp_path, "issuer: SYNTHETIC", f"issuer: {tagged}")
        _both(["run", str(path), "--out", str(out)], lambda p=path: load_recipe(p), RecipeError,
              r"bombs\.yaml:8: document\.issuer: '(abc|yes2)' is not a boolean; write true or "
              "false", capsys)
        assert not out.exists()
    # the allowed tags still work; a tag on the wrong kind of node is a problem with its key
    assert load_yaml("a: !!bool yes\nb: !!null x\nc: !!str 1\nd: !!int 0x1F\n").data == \
        {"a": True, "b": None, "c": "1", "d": 31}
    assert load_yaml("b: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n").data["c"] == {"x": 1, "y": 2}
    with pytest.raises(YAMLContentError, match=r"line 1: a: the YAML tag !!int cannot be put on "
                                               r"a list; remove the tag"):
        load_yaml("a: !!int [1]\n")
    with pytest.raises(YAMLContentError, match=r"line 1: a: 'xx' is not a real date"):
        load_yaml("a: !!timestamp xx\n")


def test_yaml_constructor_failure_is_a_problem(monkeypatch: pytest.MonkeyPatch) -> None:
    """The last resort of the same case: a constructor that fails after the walk."""
    from geoplan import _yaml

    def broken(loader: Any, node: Any) -> Any:
        raise TypeError("unexpected")

    monkeypatch.setitem(_yaml._LOADER.yaml_constructors, "tag:yaml.org,2002:map", broken)
    with pytest.raises(YAMLContentError, match=r"line 1: a value cannot be read \(TypeError: "
                                               r"unexpected\); fix the value"):
        load_yaml("a: {b: 1}\n")


def test_yaml_bool_tag_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _manifest_with(tmp_path, "")
    manifest = folder / "bundle.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(
        "title: SYNTHETIC test bundle (not real data)", "title: !!bool maybe"), encoding="utf-8")
    before = _snapshot(folder)
    pattern = r"bundle\.yaml: line 2: title: 'maybe' is not a boolean; write true or false"
    for argv in (["layers", "validate", str(folder)], ["layers", "show", str(folder)],
                 ["map", str(folder), "--out", str(tmp_path / "m.html")]):
        _both(argv, lambda: load_bundle(folder), LayerValidationError, pattern, capsys)
    assert not (tmp_path / "m.html").exists()
    assert _snapshot(folder) == before


@pytest.mark.parametrize("tagged", [
    "!!set {a, b}", "!!omap [a: 1]", "!!pairs [a: 1]", "!!python/tuple [1, 2]", "!foo x",
    "!<tag:example.com,2026:x> x"])
def test_yaml_tag_not_allowed(tagged: str, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited(tmp_path, "issuer: SYNTHETIC", f"issuer: {tagged}")
    _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
          r"bombs\.yaml:8: document\.issuer: the YAML tag \S+ is not allowed \(geoplan reads "
          r"plain text, numbers, booleans, dates, lists and mappings only\); remove the tag",
          capsys)
    folder = _manifest_with(tmp_path / "m", f"country: {tagged}\n")
    _both(["layers", "validate", str(folder)], lambda: load_bundle(folder),
          LayerValidationError, r"bundle\.yaml: line \d+: country: the YAML tag \S+ is not "
          "allowed", capsys)


def test_yaml_binary_tag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    path = _edited(tmp_path, "issuer: SYNTHETIC", "issuer: !!binary aGVsbG8=")
    _both(["run", str(path), "--out", str(out)], lambda: load_recipe(path), RecipeError,
          r"bombs\.yaml:8: document\.issuer: the YAML tag !!binary is not allowed .* quote the "
          "value to keep it as text", capsys)
    assert not out.exists()


# -- the manifest: duplicate keys, statistic dates and units ------------------------------------
def test_manifest_duplicate_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stat = "  pop: {value: 1, unit: people, date: '2019-04-01', source: SYNTHETIC}\n"
    folder = _manifest_with(tmp_path, "name: other\nstatistics:\n" + stat + "statistics:\n"
                            + stat)
    before = _snapshot(folder)
    err = _both(["layers", "validate", str(folder)], lambda: load_bundle(folder),
                LayerValidationError, r"bundle\.yaml: line \d+: key name given twice \(the "
                r"later value would silently replace the first\); keep one", capsys)
    assert "2 problems" in err  # all of them at once
    assert re.search(r"line \d+: key statistics given twice", err), err
    assert _snapshot(folder) == before


def _statistics(tmp: Path, stats: dict[str, str]) -> Path:
    return _manifest_with(tmp, "statistics:\n" + "".join(
        f"  {key}: {{{body}, source: SYNTHETIC}}\n" for key, body in stats.items()))


def test_manifest_statistic_date(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = {"a": "'2019-02-30'", "b": "yesterday", "c": "'2019-4-1'", "d": "'0001-01-01'",
           "e": "'2019-13'"}
    folder = _statistics(tmp_path, {k: f"value: 1, unit: people, date: {d}"
                                    for k, d in bad.items()})
    err = _both(["layers", "validate", str(folder)], lambda: load_bundle(folder),
                LayerValidationError, r"bundle\.yaml: key statistics\.a\.date: date "
                r"'2019-02-30' is not a real day .* write it as YYYY-MM-DD", capsys)
    assert "5 problems" in err
    for key in "bcde":
        assert f"key statistics.{key}.date: date" in err, err
    # an unquoted YAML date is the same as its ISO text; a period (YYYY, YYYY-MM) stays one
    ok = _statistics(tmp_path / "ok", {"a": "value: 1, unit: people, date: 2019-04-01",
                                       "b": "value: 1, unit: people, date: '2019'"})
    stats = load_bundle(ok).manifest.statistics
    assert (stats["a"].date, stats["b"].date) == ("2019-04-01", "2019")


def test_recipe_date_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for written, pattern in (("'0001-01-01'", "is not between 1900 and 2200"),
                             ("'2021-13'", "has no month 13"),
                             ("'2021-4-1'", "is not an ISO date")):
        path = _edited(tmp_path, "date: 2021-01-01\n  issuer", f"date: {written}\n  issuer")
        _both(["run", str(path)], lambda p=path: load_recipe(p), RecipeError,
              rf"bombs\.yaml:7: document\.date: .*date '[^']+' {pattern}; write it as "
              "YYYY-MM-DD", capsys)


def test_manifest_statistic_unit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _statistics(tmp_path, {
        "population_2019": "value: 1.0e+16, unit: persons, date: '2019-04-01'",
        "urban_population_2019": "value: 12.5, unit: thousand people, date: '2019-04-01'"})
    err = _both(["layers", "validate", str(folder)], lambda: load_bundle(folder),
                LayerValidationError, r"bundle\.yaml: key statistics\.population_2019\.unit: "
                r"unit 'persons' is not a statistics unit; did you mean 'people'\? use one of "
                "people, ", capsys)
    assert "key statistics.urban_population_2019.unit: unit 'thousand people'" in err, err


def test_urbanisation_units_differ(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = synthetic.write_bundle(  # SYNTHETIC: statistics only, no admin_units
        tmp_path / "bundle", roles=("city_boundary",))
    manifest = folder / "bundle.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8") + "statistics:\n"
                        "  urban_population_2019: {value: 600, unit: people, date: '2019-04-01',"
                        " source: SYNTHETIC}\n"
                        "  population_2019: {value: 1000, unit: households, "
                        "date: '2019-04-01', source: SYNTHETIC}\n", encoding="utf-8")
    text = RECIPE.format(bundle=folder).replace("indicator: rail_length",
                                                "indicator: urbanisation_rate").replace(
        "unit: km", "unit: '%'").replace("value: 1.5", "value: 50")
    path = _recipe(tmp_path, text)
    out = tmp_path / "out"
    from geoplan.analyses.urbanisation import urbanisation_rate
    _both(["run", str(path), "--out", str(out)],
          lambda: urbanisation_rate(load_bundle(folder)), RecipeError,
          r"urbanisation_rate: the manifest statistics urban_population_2019 and population_2019 "
          r"must both be counts in 'people' \(population_2019 is in 'households'\)", capsys)
    assert not out.exists()


def test_yaml_nan_statistic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _manifest_with(tmp_path, "statistics:\n  pop:\n    value: .nan\n    unit: people\n"
                            "    date: '2019'\n    source: SYNTHETIC\n")
    _both(["layers", "validate", str(folder)], lambda: load_bundle(folder),
          LayerValidationError, r"bundle\.yaml: key statistics\.pop\.value: Input should be a "
          r"finite number \(not \.nan, \.inf .*\): write the figure", capsys)


def test_yaml_overflow_float(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited(tmp_path, "value: 1.5", "value: 1.0e+99999")
    _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
          r"bombs\.yaml:14: targets\[0\]\.value: Input should be a finite number", capsys)


def test_recipe_huge_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as fh:  # a recipe with 6 MB of comment in front
        fh.write(b"#" + b"x" * 6_000_000 + b"\n")
        fh.write(RECIPE.format(bundle=_bundle(tmp_path)).encode())
    with _deadline(30):
        _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
              r"huge\.yaml: is larger than 5 MB; a recipe is a few tens of kB", capsys)
    with pytest.raises(YAMLContentError, match="longer than 5,000,000 characters"):
        load_yaml("#" * 5_000_001)


def test_recipe_is_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "analyses.yaml"
    folder.mkdir()
    _both(["run", str(folder)], lambda: load_recipe(folder), RecipeError,
          r"analyses\.yaml is a folder, not a regular file; give the path of a recipe YAML file",
          capsys)


def test_recipe_is_a_fifo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)  # reading it would block for ever
    with _deadline(30):
        _both(["monitor", str(fifo)], lambda: load_recipe(fifo), RecipeError,
              r"pipe\.yaml is a FIFO \(named pipe\), not a regular file; give the path of a recipe "
              r"YAML file", capsys)


def test_parse_recipe_text_bomb() -> None:
    with _deadline(30), pytest.raises(RecipeError, match=r"given\.yaml:\d+: the document "
                                                         r"expands to more than"):
        parse_recipe(LAUGHS + "id: x\n", where="given.yaml")
    # a few aliases well within the bound load as usual, with their lines
    doc = load_yaml("a: &a {k: 1}\nb: *a\nc: [*a, *a]\n")
    assert doc.data == {"a": {"k": 1}, "b": {"k": 1}, "c": [{"k": 1}, {"k": 1}]}
    assert doc.lines[("b",)] == 2 and doc.lines[("c",)] == 3
    assert doc.lines[("c", 1, "k")] == 1  # inside an alias: the line where its anchor is


def test_recipe_too_many_targets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = RECIPE.format(bundle=_bundle(tmp_path))
    target = text[text.index("  - id: t.rail"):]
    many = text + "".join(target.replace("t.rail", f"t.rail{i}") for i in range(1001))
    path = _recipe(tmp_path, many)
    with _deadline(60):
        _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
              r"bombs\.yaml:9: targets: 1,002 entries, more than 1,000 \(each is a "
              r"computation\): split the recipe into several", capsys)


def test_target_year_absurd(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited(tmp_path, "year: 2030", "year: 99999")
    _both(["run", str(path)], lambda: load_recipe(path), RecipeError,
          r"bombs\.yaml:16: targets\[0\]: year 99999 is not a plausible year", capsys)


# -- dates of a run and of monitoring ---------------------------------------------------------
def test_as_of_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _recipe(tmp_path)
    for when in ("0001-01-01", "9999-12-31"):
        out = tmp_path / f"out-{when}"
        _both(["run", str(path), "--out", str(out), "--as-of", when],
              lambda w=when, o=out: run_recipe(path, as_of=date.fromisoformat(w), out=o),
              RecipeError, rf"as_of {when} is not a date between 1900-01-01 and 2200-12-31"
              r".* \(--as-of YYYY-MM-DD\)", capsys)
        assert not out.exists()


def test_as_of_impossible(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _recipe(tmp_path)
    for when in ("2021-02-30", "31/12/2025", "99999-01-01"):
        code, err = cli(["run", str(path), "--as-of", when], capsys)
        assert code == 2
        assert f"Invalid value for --as-of: '{when}' is not a date; give it as YYYY-MM-DD" in err


@pytest.mark.parametrize(("old", "new", "key", "line"), [
    ("\n  date: 2021-01-01", "\n  date: '0001-01-01'", "document.date", 7),
    ("targets:", "baseline: '0001-01-01'\ntargets:", "baseline", 9),
    ("\n  date: 2021-01-01", "\n  date: 2201", "document.date", 7),
])
def test_baseline_out_of_range(old: str, new: str, key: str, line: int, tmp_path: Path,
                               capsys: pytest.CaptureFixture[str]) -> None:
    path = _edited(tmp_path, old, new)
    value = re.findall(r"\d{4}(?:-\d\d-\d\d)?", new)[0]
    pattern = (rf"bombs\.yaml:{line}: {key}: date '{value}' is not between 1900 and 2200; "
               r"write it as YYYY-MM-DD \(a real day\), YYYY-MM or YYYY between 1900 and 2200")
    out = tmp_path / "out"
    for args in (["monitor", str(path), "--from", "2025-01-01", "--out", str(out)],
                 ["run", str(path), "--out", str(out)]):
        err = _both(args, lambda: load_recipe(path), RecipeError, pattern, capsys)
        assert "--as-of" not in err, err  # the user never passed it
    with pytest.raises(RecipeError, match=pattern):
        monitor_recipe(path, start=date(2025, 1, 1), end=AS_OF, out=out)
    assert not out.exists()


def test_baseline_option_out_of_range(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _recipe(tmp_path)
    out = tmp_path / "out"
    for option, api in (("--baseline", "baseline"), ("--from", "start"), ("--to", "end")):
        args = ["monitor", str(path), "--out", str(out), "--from", "2025-01-01", option,
                "1899-12-31"]
        kwargs: dict[str, Any] = {"start": date(2025, 1, 1), api: date(1899, 12, 31)}
        err = _both(args, lambda k=kwargs: monitor_recipe(path, out=out, **k), MonitorError,
                    rf"{option}: 1899-12-31 is not a date between 1900-01-01 and 2200-12-31: "
                    rf".* give a date in that range: {option} YYYY-MM-DD", capsys)
        assert "--as-of" not in err, err
    assert not out.exists()


def test_monitor_unbounded_span(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _recipe(tmp_path)
    out = tmp_path / "mon"
    with _deadline(60):
        code, err = cli(["monitor", str(path), "--period", "month", "--from", "1900-01-01",
                          "--to", "2025-12-31", "--out", str(out)], capsys)
    assert code == 2  # (--from 0001-01-01 is refused as out of range: baseline_out_of_range)
    assert re.search(r"--from 1900-01-01 to --to 2025-12-31 by month is 1,513 evaluations, "
                     r"more than 240: start later .* or use a longer --period", err), err
    assert not out.exists()
    with pytest.raises(MonitorError, match="by year is 2,025 evaluations"):
        monitor_dates(start=date(1, 1, 1), end=AS_OF, period="year")
    assert len(monitor_dates(start=date(2006, 1, 1), end=AS_OF, period="month")) == 240


# -- arguments and paths that are not UTF-8 ---------------------------------------------------
def test_non_utf8_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _recipe(tmp_path)
    out = tmp_path / "ra\udce9"  # b"ra\xe9": a Latin-1 name as Python decodes it
    code, err = cli(["run", str(path), "--out", str(out)], capsys)
    assert code == 2
    assert re.search(r"argument 5 \(.*/ra\\xe9\) is not UTF-8 text: geoplan needs UTF-8 file "
                     r"and folder names; rename", err), err
    with pytest.raises(OutputError, match=r"cannot write .*ra\\xe9: the path is not UTF-8 text"):
        run_recipe(path, out=out, as_of=AS_OF)
    bundle = load_bundle(tmp_path / "bundle")
    with pytest.raises(OutputError, match=r"m\\xe9\.html: the path is not UTF-8 text"):
        save_map(map_bundle(bundle), tmp_path / "m\udce9.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bombs.yaml", "bundle"]


def test_non_utf8_recipe_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["run", str(tmp_path / "k\udcea.yaml")],
                 ["monitor", "x.yaml", "--out", "\udcff"],
                 ["layers", "show", "h\udce0noi"]):
        code, err = cli(args, capsys)
        assert code == 2
        assert "is not UTF-8 text: geoplan needs UTF-8 file and folder names" in err, err


# -- a full disk --------------------------------------------------------------------------------
class _FakeGDALError(RuntimeError):
    """What pyogrio raises when SQLite runs out of space half-way (no errno)."""


def _no_free_space(monkeypatch: pytest.MonkeyPatch) -> None:
    real = os.statvfs

    def statvfs(path: Any) -> Any:
        info = real(path)
        fields = dict(zip(("f_bsize", "f_frsize", "f_blocks", "f_bfree", "f_bavail", "f_files",
                           "f_ffree", "f_favail", "f_flag", "f_namemax"), info, strict=True))
        fields["f_bavail"] = fields["f_bfree"] = 3
        return os.statvfs_result(tuple(fields.values()))

    monkeypatch.setattr(geoplan_io.os, "statvfs", statvfs)


def _first_run(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    path = _recipe(tmp_path)
    out = tmp_path / "out"
    assert main(["--quiet", "run", str(path), "--out", str(out), "--as-of", "2024-12-31"]) == 0
    return path, out, _snapshot(out)


def test_disk_full_gpkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                        capsys: pytest.CaptureFixture[str]) -> None:
    path, out, before = _first_run(tmp_path)
    import geopandas as gpd

    def full(self: Any, filename: Any, *args: Any, **kwargs: Any) -> None:
        Path(filename).write_bytes(b"SQLite format 3\x00 half a GeoPackage")
        raise _FakeGDALError("sqlite3_exec(INSERT INTO gpkg_contents ...) failed: no such table")

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", full)
    _no_free_space(monkeypatch)
    _both(["run", str(path), "--out", str(out), "--as-of", "2025-12-31"],
          lambda: run_recipe(path, out=out, as_of=AS_OF), OutputError,
          r"cannot write .*/out: the disk is full \([\d,]+ bytes free; the writer said "
          r"_FakeGDALError: .*\); free some space on that disk .* nothing was written, earlier "
          "outputs are left as they were", capsys)
    assert _snapshot(out) == before  # the earlier set, no staging folder, no history row


def test_disk_full_enospc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    path, out, before = _first_run(tmp_path)
    import geopandas as gpd

    def full(self: Any, filename: Any, *args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(gpd.GeoDataFrame, "to_file", full)
    _both(["run", str(path), "--out", str(out), "--as-of", "2025-12-31"],
          lambda: run_recipe(path, out=out, as_of=AS_OF), OutputError,
          r"cannot write .*/out: No space left on device; free some space", capsys)
    assert _snapshot(out) == before
    fresh = tmp_path / "fresh"  # a folder made for the outputs is not left behind empty
    with pytest.raises(OutputError):
        run_recipe(path, out=fresh, as_of=AS_OF)
    assert not fresh.exists()


def test_disk_full_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = _bundle(tmp_path)
    target = tmp_path / "maps" / "layers.html"
    assert main(["--quiet", "map", str(folder), "--out", str(target)]) == 0
    before = _snapshot(target.parent)
    real = Path.write_bytes

    def full(self: Path, data: bytes) -> int:
        real(self, data[: len(data) // 2])  # half the map reaches the disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    _both(["map", str(folder), "--out", str(target), "--lang", "en"],
          lambda: save_map(map_bundle(load_bundle(folder)), target), OutputError,
          r"cannot write .*/layers\.html: No space left on device; free some space", capsys)
    assert _snapshot(target.parent) == before


def test_disk_full_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, out, _ = _first_run(tmp_path)
    history = out / HISTORY_NAME
    before = sha256_file(history)
    rows = read_history(history).assign(as_of="2025-12-31", run_checksum="other")

    def full(self: Any, path: Any, *args: Any, **kwargs: Any) -> None:
        Path(path).write_bytes(b"PAR1 half")
        raise OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))

    monkeypatch.setattr(pd.DataFrame, "to_parquet", full)
    with pytest.raises(OutputError, match=r"history\.parquet: Disk quota exceeded; free some"):
        record_snapshot(rows, history)
    assert sha256_file(history) == before
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".history.parquet.")) \
        == [".history.parquet.lock"]


def test_disk_full_real_tmpfs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A real 64 kB disk (root only: mount a tmpfs), the GeoPackage does not fit."""
    disk = tmp_path / "tiny"
    disk.mkdir()
    if os.geteuid() != 0 or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)],
            capture_output=True, check=False).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        path = _recipe(tmp_path)
        code, err = cli(["run", str(path), "--out", str(disk / "out")], capsys)
        assert code == 2
        assert re.search(r"cannot write .*/tiny/out: (the disk is full|No space left on device)"
                         r".*free some space on that disk", err), err
        assert list(disk.iterdir()) == []  # no partial file, no staging or empty folder
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# -- a hand-edited history ----------------------------------------------------------------------
def _edited_history(tmp_path: Path, edit: Any) -> tuple[Path, Path, str]:
    path, out, _ = _first_run(tmp_path)
    history = out / HISTORY_NAME
    frame = pd.read_parquet(history)
    edit(frame)
    frame.to_parquet(history, index=False)
    return path, history, sha256_file(history)


@pytest.mark.parametrize(("case", "column", "value", "pattern"), [
    ("history_non_iso_date", "as_of", "31/12/2025",
     r"row 1 column as_of: '31/12/2025' is not a date YYYY-MM-DD"),
    ("history_non_iso_date", "recorded_at", "yesterday",
     r"row 1 column recorded_at: 'yesterday' is not an ISO time"),
    ("history_non_iso_date", "as_of", "2025-02-30",
     r"row 1 column as_of: '2025-02-30' is not a date YYYY-MM-DD"),
    ("history_text_value", "value", "twelve", r"row 1 column value: 'twelve' is not a number"),
])
def test_history_hand_edited(case: str, column: str, value: str, pattern: str, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    def edit(frame: pd.DataFrame) -> None:
        frame[column] = frame[column].astype(str)  # Parquet wants one type per column
        frame.loc[0, column] = value

    path, history, before = _edited_history(tmp_path, edit)
    for args in (["monitor", str(path), "--out", str(history.parent), "--from", "2025-01-01",
                  "--to", "2025-12-31", "--period", "year"],
                 ["run", str(path), "--out", str(history.parent), "--as-of", "2025-06-30"]):
        outputs = _snapshot(history.parent)
        code, err = cli(args, capsys)
        assert code == 2
        assert re.search(r"history\.parquet: not a geoplan monitoring history \(edited by "
                         rf"hand\?\): {pattern}.* restore the file from a backup, or move it "
                         "aside", err), err
        assert _snapshot(history.parent) == outputs  # refused before anything was written
    with pytest.raises(HistoryError, match=pattern):
        read_history(history)
    assert sha256_file(history) == before


def test_history_extra_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def edit(frame: pd.DataFrame) -> None:
        frame["comment"] = "checked by hand"

    path, history, before = _edited_history(tmp_path, edit)
    code, err = cli(["monitor", str(path), "--out", str(history.parent), "--to", "2025-12-31"],
                     capsys)
    assert code == 2
    assert "column(s) comment are not history columns (recipe_id, bundle, as_of" in err, err
    rows = pd.read_parquet(history).drop(columns="comment").assign(run_checksum="new")
    with pytest.raises(HistoryError, match=r"column\(s\) comment are not history columns"):
        record_snapshot(rows, history)  # appending would rewrite the file without it
    with pytest.raises(HistoryError, match="comment"):
        read_history(history)
    assert sha256_file(history) == before  # never rewritten without the column


def _history_args(path: Path, history: Path) -> list[list[str]]:
    return [["monitor", str(path), "--out", str(history.parent), "--from", "2025-01-01",
             "--to", "2025-12-31", "--period", "year"],
            ["run", str(path), "--out", str(history.parent), "--as-of", "2025-06-30"]]


def test_history_empty(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, out, _ = _first_run(tmp_path)
    history = out / HISTORY_NAME
    pd.read_parquet(history).iloc[:0].to_parquet(history)  # every row removed by hand
    assert len(pd.read_parquet(history)) == 0
    assert read_history(history).empty  # an empty history is a history
    for args in _history_args(path, history):
        code, err = cli(args, capsys)
        assert code == 0, err
    assert len(read_history(history)) > 0


@pytest.mark.parametrize(("case", "column", "value", "pattern"), [
    ("history_list_column", "recipe_id", ["bombs"],
     r"row 1 column recipe_id: .* is a list, not text"),
    ("history_list_column", "note", [1, 2], r"row 1 column note: .* is a list, not text"),
    ("history_list_column", "value", [1.0], r"row 1 column value: .* is a list, not a number"),
    ("history_value_not_finite", "value", math.inf,
     r"row 1 column value: 'inf' is not a finite number of at most 1e\+12 in magnitude"),
    ("history_value_not_finite", "value", 1e300,
     r"row 1 column value: '1e\+300' is not a finite number of at most 1e\+12"),
    ("history_value_not_finite", "value", -math.inf, r"row 1 column value: '-inf' is not a"),
    ("history_vocabulary", "status", "bogus",
     r"row 1 column status: 'bogus' is not one of '', 'met', 'partly', 'on track', 'not met'"),
    ("history_vocabulary", "scope", "nowhere",
     r"row 1 column scope: 'nowhere' is not one of 'city', 'inner', 'unit'"),
    ("history_vocabulary", "kind", "guess",
     r"row 1 column kind: 'guess' is not one of 'indicator', 'statistic'"),
    ("history_unit_mismatch", "unit", "m",
     r"row 1 column unit: 'm' is not the unit 'km' of t\.rail@2030 in the recipe"),
])
def test_history_hand_edited_values(case: str, column: str, value: Any, pattern: str,
                                    tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def edit(frame: pd.DataFrame) -> None:
        if isinstance(value, list):
            frame[column] = [value] * len(frame)  # a list column: Parquet keeps it
        else:
            frame.loc[0, column] = value
            if column == "unit":
                frame.loc[0, "value"] = 2000.0  # metres, as if km

    path, history, before = _edited_history(tmp_path, edit)
    for args in _history_args(path, history):
        outputs = _snapshot(history.parent)
        code, err = cli(args, capsys)
        assert code == 2, err
        assert re.search(r"history\.parquet: not a geoplan monitoring history \(edited by "
                         rf"hand\?\): {pattern}.* restore the file from a backup, or move it "
                         "aside", err), err
        assert _snapshot(history.parent) == outputs  # refused before anything was written
    recipe = load_recipe(path)
    with pytest.raises(HistoryError, match=pattern):
        read_history(history, recipe_id=recipe.id, units=goal_units(recipe))
    with pytest.raises(HistoryError, match=pattern):
        monitor_recipe(path, out=history.parent, start=date(2025, 1, 1), end=AS_OF)
    assert sha256_file(history) == before


# -- interrupted starts and the core install ---------------------------------------------------
def _python(script: str, *, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=timeout, check=False)


_INTERRUPT_AT = """
import sys
class Interrupt:  # Ctrl-C while {module} is being imported
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            raise KeyboardInterrupt
        return None
sys.meta_path.insert(0, Interrupt())
sys.argv = ["geoplan", *{argv!r}]
"""


@pytest.mark.parametrize(("module", "start"), [
    ("typer", "from geoplan.__main__ import _entry; _entry()"),  # the CLI itself starting
    ("geoplan.cli._run", "from geoplan.cli import main; sys.exit(main())"),  # its commands
    ("geopandas", "from geoplan.cli import main; sys.exit(main())"),  # a command's library
])
def test_ctrl_c_during_import(module: str, start: str, tmp_path: Path) -> None:
    recipe = _recipe(tmp_path)
    out = tmp_path / "out"
    argv = ["run", str(recipe), "--out", str(out)]
    result = _python(_INTERRUPT_AT.format(module=module, argv=argv) + start, timeout=120)
    assert result.returncode == 130, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.strip() == "interrupted: outputs already written are left as they were"
    assert not out.exists()


#: A traceback frame in geoplan's own code (``File ".../geoplan/__init__.py", line 9``).
_GEOPLAN_FRAME = re.compile(r'File "[^"]*[/\\]geoplan[/\\][^"]*"')


def _sigint_default() -> None:
    """In the child before it runs Python: SIGINT as a terminal's foreground job has it.

    A test run started in the background of a non-interactive shell (a CI job) inherits
    SIGINT ignored, and Python (and geoplan) keep an inherited "ignore".
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _sigint_ignored() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_ctrl_c_ignored_by_the_parent(tmp_path: Path) -> None:
    """A run started with SIGINT ignored (``cmd &`` in a script) is not stopped by SIGINT.

    Python leaves an inherited "ignore" in place; geoplan does the same instead of installing
    its handler over it: the run finishes, exit 0, its outputs whole.
    """
    recipe = _recipe(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "geoplan", "--quiet", "run", str(recipe), "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
        preexec_fn=_sigint_ignored)
    try:
        for _ in range(3):
            time.sleep(0.15)
            child.send_signal(signal.SIGINT)
        _stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, stderr
    assert (out / "scorecard.csv").is_file()
    assert "interrupted" not in stderr


def test_ctrl_c_early_start(tmp_path: Path) -> None:
    """SIGINT 0 to 0.3 s after ``python -m geoplan run`` starts: exit 130, no traceback.

    Python's own start, before any geoplan code runs, cannot be covered: a signal then kills
    the process (exit -2, before Python installs its handler) or Python prints its own
    traceback through ``<frozen runpy>`` / importlib (importing runpy, or finding and loading
    the package ``geoplan`` itself), exit 1. Neither has a frame in geoplan's code, which is
    what is asserted; every try that reaches geoplan's code exits 130 with the message alone.
    """
    recipe = _recipe(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"}
    outcomes: list[tuple[float, int | None]] = []
    for i in range(10):
        delay = 0.3 * i / 9
        out = tmp_path / f"out{i}"
        child = subprocess.Popen(
            [sys.executable, "-m", "geoplan", "--quiet", "run", str(recipe), "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
            preexec_fn=_sigint_default)
        try:
            time.sleep(delay)
            child.send_signal(signal.SIGINT)
            stdout, stderr = child.communicate(timeout=120)
        finally:
            if child.poll() is None:
                child.kill()
                child.communicate()
        outcomes.append((delay, child.returncode))
        assert not _GEOPLAN_FRAME.search(stderr + stdout), (delay, stderr)
        if child.returncode == 130:
            assert stderr.strip() == "interrupted: outputs already written are left as they " \
                "were", (delay, stderr)
            assert "Traceback" not in stderr + stdout
        else:  # the interpreter's own start, before any geoplan code ran
            assert child.returncode in (-signal.SIGINT, 1), (delay, child.returncode, stderr)
            assert not out.exists()
    assert sum(code == 130 for _, code in outcomes) >= 5, outcomes


_BLOCK_EXTRAS = """
import json, sys
from geoplan._extras import EXTRAS
class NoExtras:  # the core install: the packages of the extras are not there
    asked = []
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in EXTRAS:
            self.asked.append(name)
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
for name in [m for m in sys.modules if m.split(".")[0] in EXTRAS]:
    del sys.modules[name]
blocker = NoExtras()
sys.meta_path.insert(0, blocker)
"""


def test_core_install_no_extras(tmp_path: Path) -> None:
    folder = _bundle(tmp_path)
    recipe = _recipe(tmp_path)
    osm = tmp_path / "city.osm"
    osm.write_text("<osm version='0.6'/>\n", encoding="utf-8")  # SYNTHETIC
    commands = {
        "layers show": ["layers", "show", str(folder)],
        "layers validate": ["layers", "validate", str(folder)],
        "run": ["run", str(recipe), "--out", str(tmp_path / "out"), "--as-of", "2025-12-31"],
        "map": ["map", str(folder), "--out", str(tmp_path / "map.html")],
        "monitor": ["monitor", str(recipe), "--out", str(tmp_path / "out"), "--from",
                    "2025-01-01", "--to", "2025-12-31"],
        "import-osm": ["import-osm", str(osm), "--city", "c", "--layers-dir",
                       str(tmp_path / "layers")],
        "layers build": ["layers", "build", "hanoi", "--source", str(tmp_path)],
    }
    script = _BLOCK_EXTRAS + textwrap.dedent(f"""
        import contextlib, io
        from geoplan.cli import main
        codes = {{}}
        for label, args in {commands!r}.items():
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                codes[label] = [main(["--quiet", *args]), err.getvalue()]
        from geoplan.layers.osm import import_osm
        try:
            import_osm({str(osm)!r}, city="c", layers_dir={str(tmp_path / "api")!r})
        except Exception as exc:
            codes["api"] = [type(exc).__name__, str(exc)]
        codes["asked"] = sorted(set(blocker.asked))
        print(json.dumps(codes))
    """)
    result = _python(script)
    assert result.returncode == 0, result.stderr
    codes = json.loads(result.stdout.splitlines()[-1])
    for label in ("layers show", "layers validate", "run", "map", "monitor"):
        assert codes[label][0] == 0, (label, codes[label][1])
    assert (tmp_path / "out" / "scorecard.csv").is_file()
    assert (tmp_path / "map.html").is_file()
    hint = "of the 'build' extra, which is not installed: pip install 'geoplan[build]'"
    assert codes["import-osm"][0] == 2
    assert f"reading OSM files (geoplan import-osm) needs the package 'osmium' {hint}" in \
        flat(codes["import-osm"][1])
    assert codes["layers build"][0] == 2
    assert f"needs the package 'vietnamadminunits' {hint}" in flat(codes["layers build"][1])
    assert "Traceback" not in "".join(str(v) for v in codes.values())
    assert codes["api"][0] == MissingExtraError.__name__
    assert issubclass(MissingExtraError, ImportError)
    assert "osmium" in codes["asked"]  # the finder did block the extras
    assert not (tmp_path / "layers").exists() and not (tmp_path / "api").exists()


def test_help_is_light() -> None:
    result = _python(textwrap.dedent("""
        import contextlib, io, json, sys
        from geoplan.cli import main
        with contextlib.redirect_stdout(io.StringIO()) as out:
            code = main(["--help"])
        heavy = sorted({m.split(".")[0] for m in sys.modules}
                       & {"geopandas", "folium", "pyogrio", "osmnx", "rasterio", "osmium",
                          "matplotlib", "scipy"})
        print(json.dumps([code, heavy, "run" in out.getvalue()]))
    """), timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [0, [], True]


# -- docs ----------------------------------------------------------------------------------------
def test_every_case_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip().strip("`") for line in section.splitlines()
            if line.startswith("| `")}
    assert rows == set(CASE_IDS), (sorted(set(CASE_IDS) - rows), sorted(rows - set(CASE_IDS)))
    assert len(CASE_IDS) == len(set(CASE_IDS))
