"""run_recipe and ``geoplan run``: scorecard, per-unit GeoPackage, provenance, atomic and
deterministic outputs. The synthetic tests use the SYNTHETIC bundle and the test-double
indicators of tests/test_recipes.py; the Hà Nội tests use the embedded real bundle."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pyogrio
import pytest

from geoplan.analyses.recipe import load_recipe, parse_recipe, slugify
from geoplan.cli import main
from geoplan.errors import OutputError, RecipeError
from geoplan.io import sha256_file
from geoplan.layers import list_bundles
from geoplan.workflows import run as run_module
from geoplan.workflows.run import run_recipe
from tests.test_recipes import tiny_indicators  # noqa: F401 (fixture)

ROOT = Path(__file__).resolve().parents[1]

RECIPE = """\
id: synthetic-run
title: {vi: Thử nghiệm, en: Synthetic run}
bundle: synthetic
document:
  number: 99-NQ/TW
  title: {vi: Văn bản thử, en: Test document}
  date: 2021-01-01
  issuer: SYNTHETIC
targets:
  - id: s.rail
    title: {vi: Đường sắt, en: Rail in service}
    indicator: t_rail_km
    comparator: approx
    value: 10
    tolerance: 10%
    unit: km
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "1"}
  - id: s.rail_min
    title: {vi: Đường sắt tối thiểu, en: Rail at least 1.5 km}
    indicator: t_rail_km
    comparator: ">="
    value: 1.5
    unit: km
    year: 2025
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "1"}
  - id: s.urban
    title: {vi: Đô thị hoá, en: Urbanisation}
    indicator: t_urban_pct
    comparator: range
    min: 60
    max: 70
    unit: "%"
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "2"}
  - id: s.urban
    title: {vi: Đô thị hoá theo đơn vị, en: Urbanisation per unit}
    indicator: t_urban_pct
    scope: unit
    comparator: ">="
    value: 50
    unit: "%"
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "2"}
  - id: s.green
    title: {vi: Cây xanh, en: Green}
    indicator: t_green
    comparator: ">="
    value: 10
    unit: m2/person
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "3"}
statistics:
  - id: s.housing
    title: {vi: Nhà ở, en: Housing}
    comparator: ">="
    value: 30
    unit: m2/person
    year: 2030
    source: {document: 99-NQ/TW, date: 2021-01-01, section: "4"}
    reported: {}
"""


@pytest.fixture
def recipe_path(tmp_path: Path, tiny_indicators: None) -> Path:  # noqa: F811
    path = tmp_path / "synthetic-run.yaml"
    path.write_text(RECIPE, encoding="utf-8")
    return path


def _run(recipe_path: Path, bundle: Path, out: Path | None = None, **kw: object):  # type: ignore[no-untyped-def]
    return run_recipe(recipe_path, bundle=bundle, out=out, as_of=date(2026, 11, 24), **kw)  # type: ignore[arg-type]


def test_scorecard_values_and_statuses(recipe_path: Path, synthetic_bundle_path: Path) -> None:
    result = _run(recipe_path, synthetic_bundle_path)
    card = result.scorecard.set_index("key")
    # L1 (operating since 2021-11-06) is 2 km long; L2 is planned
    assert card.loc["s.rail@2030", "value"] == pytest.approx(2.0)
    assert card.loc["s.rail@2030", "status"] == "not met"
    assert card.loc["s.rail@2030", "gap"] == pytest.approx(8.0)
    assert card.loc["s.rail_min@2025", "status"] == "met"
    assert bool(card.loc["s.rail_min@2025", "past_due"]) is True
    # urban 31,000 of 40,000 people = 77.5 %: above the 60–70 % band
    assert card.loc["s.urban@2030", "value"] == pytest.approx(77.5)
    assert card.loc["s.urban@2030", "status"] == "not met"
    assert card.loc["s.urban@2030", "gap"] == pytest.approx(-7.5)
    # per unit: A 100 %, B 100 %, C 0 %, D 25 % against >= 50 %
    assert card.loc["s.urban/unit@2030", "status"] == "partly"
    assert card.loc["s.urban/unit@2030", "units_met"] == 2
    assert card.loc["s.urban/unit@2030", "units_evaluated"] == 4
    assert card.loc["s.green@2030", "status"] == "no data"
    assert "land_use" in card.loc["s.green@2030", "note"]
    assert card.loc["s.housing@2030", "status"] == "no data"
    assert card.loc["s.housing@2030", "kind"] == "statistic"
    # each indicator + options is computed once
    assert sorted(result.indicators) == ["t_green", "t_rail_km", "t_urban_pct"]
    units = result.units.set_index("unit_id")
    slug = slugify("s.urban/unit@2030")
    assert units[f"{slug}_status"].to_dict() == {"A": "met", "B": "met", "C": "not met",
                                                 "D": "not met"}
    assert units.loc["D", f"{slug}_gap"] == pytest.approx(25.0)


def test_as_of_changes_what_is_in_service(recipe_path: Path, synthetic_bundle_path: Path) -> None:
    before = run_recipe(recipe_path, bundle=synthetic_bundle_path, as_of=date(2021, 1, 1))
    card = before.scorecard.set_index("key")
    assert card.loc["s.rail@2030", "value"] == 0.0
    assert card.loc["s.rail_min@2025", "status"] == "not met"
    assert card.loc["s.rail_min@2025", "as_of"] == "2021-01-01"


def test_outputs_written_with_provenance(recipe_path: Path, synthetic_bundle_path: Path,
                                         tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _run(recipe_path, synthetic_bundle_path, out, lang="en")
    names = sorted(p.name for p in out.iterdir())
    assert {"scorecard.csv", "scorecard.md", "results.gpkg", "provenance.json"} <= set(names)
    assert not [n for n in names if n.startswith(".")]  # no staging left
    md = (out / "scorecard.md").read_text(encoding="utf-8")
    # numbers as the map prints them (geoplan.analyses.wording.format_quantity): whole ones whole
    assert "| `s.rail@2030` Rail in service | 2 km | ≈ 10 km (± 10%) | not met | 8 |" in md
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["recipe"]["id"] == "synthetic-run"
    assert prov["parameters"]["as_of"] == "2026-11-24"
    inputs = {row["path"]: row for row in prov["inputs"]}
    assert inputs["synthetic.gpkg"]["sha256"] == sha256_file(synthetic_bundle_path /
                                                             "synthetic.gpkg")
    assert inputs[str(recipe_path)]["sha256"] == sha256_file(recipe_path)
    assert prov["outputs"]["scorecard.csv"] == sha256_file(out / "scorecard.csv")
    assert prov["duration_s"] >= 0
    assert "pandas" in prov["dependencies"]
    assert result.provenance["run_checksum"] == prov["run_checksum"]
    layer = pyogrio.read_dataframe(out / "results.gpkg", layer="units")
    assert len(layer) == 4


#: Keys of provenance.json that may differ between two runs on the same inputs: the times.
TIMES = ("started", "finished", "duration_s")


def _assert_same_outputs(first: Path, second: Path) -> None:
    """Two output folders hold byte-identical files, provenance.json apart from its times
    and the folder (``out``)."""
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert {"scorecard.csv", "scorecard.md", "results.gpkg", "index.html",
            "provenance.json"} <= set(names)
    for name in names:
        if name != "provenance.json":
            assert sha256_file(first / name) == sha256_file(second / name), name
    prov = [json.loads((d / "provenance.json").read_text(encoding="utf-8")) for d in (first,
                                                                                     second)]
    for folder, record in zip((first, second), prov, strict=True):
        assert record["outputs"] == {n: sha256_file(folder / n) for n in record["outputs"]}
        for key in (*TIMES, "out"):
            record.pop(key)
    assert prov[0] == prov[1]  # provenance differs only in its times (and the folder)


def test_two_runs_are_byte_identical(recipe_path: Path, synthetic_bundle_path: Path,
                                     tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    one = _run(recipe_path, synthetic_bundle_path, first)
    two = _run(recipe_path, synthetic_bundle_path, second)
    _assert_same_outputs(first, second)
    assert one.provenance["run_checksum"] == two.provenance["run_checksum"]


def test_failed_run_leaves_previous_outputs(recipe_path: Path, synthetic_bundle_path: Path,
                                           tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    _run(recipe_path, synthetic_bundle_path, out)
    before = {p.name: sha256_file(p) for p in out.iterdir()}

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C while the GeoPackage is being written

    monkeypatch.setattr(run_module, "_write_gpkg", broken)
    with pytest.raises(KeyboardInterrupt):
        run_recipe(recipe_path, bundle=synthetic_bundle_path, out=out, as_of=date(2027, 1, 1))
    after = {p.name: sha256_file(p) for p in out.iterdir()}
    assert after == before


def test_unwritable_output_is_an_output_error(recipe_path: Path, synthetic_bundle_path: Path,
                                             tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(OutputError, match="choose a writable folder"):
        _run(recipe_path, synthetic_bundle_path, blocker / "out")


def test_bad_parameters(recipe_path: Path, synthetic_bundle_path: Path) -> None:
    with pytest.raises(RecipeError, match="unknown language 'fr'"):
        _run(recipe_path, synthetic_bundle_path, lang="fr")
    with pytest.raises(RecipeError, match="unknown tiles"):
        _run(recipe_path, synthetic_bundle_path, tiles="google")


def test_cli_run_exit_codes(recipe_path: Path, synthetic_bundle_path: Path, tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    text = recipe_path.read_text(encoding="utf-8").replace("bundle: synthetic",
                                                          f"bundle: {synthetic_bundle_path}")
    recipe_path.write_text(text, encoding="utf-8")
    out = tmp_path / "cli-out"
    code = main(["--quiet", "run", str(recipe_path), "--out", str(out), "--as-of", "2026-11-24",
                 "--lang", "en"])
    assert code == 0
    assert (out / "scorecard.csv").is_file()
    assert main(["run", str(recipe_path), "--as-of", "24/11/2026"]) == 2
    assert main(["run", str(tmp_path / "absent.yaml")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "is not a date; give it as YYYY-MM-DD" in err
    assert "absent.yaml: no such recipe file" in err
    assert "Traceback" not in err


def test_cli_prints_the_scorecard(recipe_path: Path, synthetic_bundle_path: Path,
                                  tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = recipe_path.read_text(encoding="utf-8").replace("bundle: synthetic",
                                                          f"bundle: {synthetic_bundle_path}")
    recipe_path.write_text(text, encoding="utf-8")
    code = main(["run", str(recipe_path), "--out", str(tmp_path / "o"), "--as-of",
                 "2026-11-24", "--lang", "vi"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "s.rail@2030" in printed
    assert "chưa đạt" in printed


# -- the real Hà Nội bundle -----------------------------------------------------------------------
needs_hanoi = pytest.mark.skipif("hanoi" not in list_bundles(),
                                 reason="the embedded Hà Nội bundle is not built yet")


@needs_hanoi
def test_hanoi_rail_target_not_met_with_gap() -> None:
    result = run_recipe(ROOT / "analyses" / "hanoi-02-nq-tw.yaml", as_of=date(2026, 11, 24))
    card = result.scorecard.set_index("key")
    row = card.loc["hn.rail_km@2030"]
    # in service on 2026-11-24: line 2A (13.0 km, 2021-11-06) + line 3 elevated section
    # Nhổn–Cầu Giấy (8.5 km, 2024-08-08) ≈ 21.5 km; the target is ≈ 100 km by 2030
    assert row["status"] == "not met"
    assert row["gap"] == pytest.approx(78.5, abs=1.5)
    assert row["source"].startswith("02-NQ/TW (2026-03-17), III.1")


@needs_hanoi
@pytest.mark.slow
def test_hanoi_two_runs_identical_apart_from_times(tmp_path: Path) -> None:
    recipe = ROOT / "analyses" / "hanoi-02-nq-tw.yaml"
    first, second = tmp_path / "first", tmp_path / "second"
    one = run_recipe(recipe, as_of=date(2026, 11, 24), out=first)
    two = run_recipe(recipe, as_of=date(2026, 11, 24), out=second)
    _assert_same_outputs(first, second)
    assert one.provenance["run_checksum"] == two.provenance["run_checksum"]
    # the provenance names every input of the real bundle with its SHA-256
    prov = json.loads((first / "provenance.json").read_text(encoding="utf-8"))
    bundle = ROOT / "layers" / "hanoi"
    inputs = {row["path"]: row for row in prov["inputs"] if row["kind"] == "bundle"}
    assert "bundle.yaml" in inputs
    for name, row in inputs.items():
        assert row["sha256"] == sha256_file(bundle / name), name
    assert {row["kind"] for row in prov["inputs"]} == {"recipe", "bundle"}
    assert prov["geoplan_version"] and prov["dependencies"]["geopandas"]
    assert prov["parameters"]["as_of"] == "2026-11-24"
    assert prov["duration_s"] > 0


@needs_hanoi
def test_hanoi_met_target() -> None:
    # Justified "met": both operating lines together exceed 20 km on 2026-11-24 (see above);
    # the same indicator and bundle as hn.rail_km, with a threshold the opening dates satisfy.
    recipe = load_recipe(ROOT / "analyses" / "hanoi-02-nq-tw.yaml")
    rail = next(t for t in recipe.targets if t.id == "hn.rail_km")
    text = f"""\
id: hanoi-check
title: {{vi: Kiểm tra, en: Check}}
bundle: hanoi
document: {{title: {{vi: x, en: x}}, issuer: test, date: 2021-01-01}}
targets:
  - id: hn.rail_in_service
    title: {{vi: Hai tuyến đang khai thác, en: Two operating lines}}
    indicator: {rail.indicator}
    options: {json.dumps(dict(rail.options))}
    comparator: ">="
    value: 20
    unit: km
    year: 2026
    source: {{document: "test", date: 2026-11-24, section: "opening dates of 2A and 3"}}
"""
    result = run_recipe(parse_recipe(text), as_of=date(2026, 11, 24))
    assert result.scorecard.loc[0, "status"] == "met"
    early = run_recipe(parse_recipe(text), as_of=date(2022, 1, 1))  # only 2A (13 km) then
    assert early.scorecard.loc[0, "status"] == "not met"


def test_markdown_escapes_html_and_pipes(recipe_path: Path, synthetic_bundle_path: Path,
                                         tmp_path: Path) -> None:
    text = recipe_path.read_text(encoding="utf-8").replace(
        "en: Rail in service", 'en: "<script>alert(1)</script> | rail"')
    recipe_path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    _run(recipe_path, synthetic_bundle_path, out, lang="en")
    md = (out / "scorecard.md").read_text(encoding="utf-8")
    assert "<script>" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt; \\| rail" in md
