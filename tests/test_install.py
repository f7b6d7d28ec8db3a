"""Installs beyond a git clone: the shipped bundles and recipes, where writes go, and which
bundle wins when two folders hold one name."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

import geoplan._data as data
from geoplan.analyses.recipe import default_recipes_dir, load_recipe
from geoplan.errors import RecipeError
from geoplan.layers import default_layers_dir, load_bundle, writable_layers_dir
from geoplan.layers._where import LAYERS_ENV

ROOT = Path(__file__).resolve().parents[1]


def test_a_checkout_reads_and_writes_its_own_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(LAYERS_ENV, raising=False)
    assert data.in_checkout()
    assert default_layers_dir() == ROOT / "layers"
    assert default_recipes_dir() == ROOT / "analyses"
    assert writable_layers_dir() == ROOT / "layers"


def test_an_installed_package_reads_its_copy_and_writes_beside_the_user(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(data, "in_checkout", lambda: False)
    monkeypatch.delenv(LAYERS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    package = Path(data.__file__).resolve().parent
    assert default_layers_dir() == package / "_shipped" / "layers"
    assert default_recipes_dir() == package / "_shipped" / "analyses"
    assert writable_layers_dir() == tmp_path / "layers"  # never into site-packages
    monkeypatch.setenv(LAYERS_ENV, str(tmp_path / "mine"))
    assert writable_layers_dir() == tmp_path / "mine"


def test_the_wheel_carries_the_bundles_and_recipes() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert include == {"layers": "geoplan/_shipped/layers",
                       "analyses": "geoplan/_shipped/analyses"}


def test_a_shipped_recipe_by_its_id_from_any_folder(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    recipe = load_recipe("hanoi-02-nq-tw")
    assert recipe.id == "hanoi-02-nq-tw" and recipe.path == ROOT / "analyses" / \
        "hanoi-02-nq-tw.yaml"
    assert load_recipe("hatinh-15-ctr-tu.yaml").bundle == "hatinh"
    (tmp_path / "hanoi-02-nq-tw.yaml").write_text("id: [not a recipe\n", encoding="utf-8")
    with pytest.raises(RecipeError, match=r"hanoi-02-nq-tw\.yaml"):  # a file here wins
        load_recipe("hanoi-02-nq-tw.yaml")


def test_geoplan_layers_wins_over_the_shipped_bundles(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(ROOT / "layers" / "hatinh", mine / "hatinh")
    monkeypatch.setenv(LAYERS_ENV, str(mine))
    assert load_bundle("hatinh").path == mine / "hatinh"
    monkeypatch.delenv(LAYERS_ENV)
    assert load_bundle("hatinh").path == ROOT / "layers" / "hatinh"


def test_recipe_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests._hostile import cli

    for recipe in sorted((ROOT / "analyses").glob("*.yaml")):
        code, err = cli(["recipe", "check", str(recipe)], capsys)
        assert code == 0, err
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntargets: [{id: a}]\n", encoding="utf-8")
    code, err = cli(["recipe", "check", str(bad)], capsys)
    assert code == 2
    assert "7 problems" in err and "bad.yaml:1: bundle" in err and "targets[0].unit" in err
    code, err = cli(["recipe", "check", "hanoi-02-nq-tw", "--bundle", "no-such"], capsys)
    assert code == 2 and "no bundle 'no-such'" in err
