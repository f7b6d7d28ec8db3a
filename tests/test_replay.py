"""Reuse of an identical earlier run (geoplan._replay): the second ``geoplan run`` with the
same inputs, options and code writes the first run's outputs again without computing, and
any change to what the run reads makes it compute. On the SYNTHETIC bundle
(tests/synthetic.py) with the test-double indicators of tests/test_recipes.py."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest

from geoplan import _replay
from geoplan.cli import main
from geoplan.workflows import run as run_module
from tests.test_recipes import tiny_indicators  # noqa: F401 (fixture)
from tests.test_run import RECIPE

OUTPUTS = ("scorecard.csv", "scorecard.md", "results.gpkg", "index.html")


@pytest.fixture
def setup(tmp_path: Path, synthetic_bundle_path: Path, tiny_indicators: None,  # noqa: F811
          monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("GEOPLAN_CACHE", str(tmp_path / "cache"))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE.replace("bundle: synthetic", f"bundle: {synthetic_bundle_path}"),
                      encoding="utf-8")
    return {"recipe": recipe, "bundle": synthetic_bundle_path, "out": tmp_path / "out",
            "cache": tmp_path / "cache"}


class ComputedError(Exception):
    """run_recipe was called: the run computed."""


def _args(s: dict[str, Path], *extra: str) -> list[str]:
    return ["run", str(s["recipe"]), "--out", str(s["out"]), "--as-of", "2026-11-24",
            "--no-snapshot", *extra]


def _forbid_computing(monkeypatch: pytest.MonkeyPatch, module: Any = run_module,
                      name: str = "run_recipe") -> None:
    def computed(*args: Any, **kwargs: Any) -> None:
        raise ComputedError

    monkeypatch.setattr(module, name, computed)


def _computes(s: dict[str, Path], monkeypatch: pytest.MonkeyPatch, *extra: str,
              command: str = "run") -> bool:
    """Whether ``geoplan run`` (or ``monitor``) with ``extra`` computes (True) or reuses."""
    from geoplan.workflows import monitor as monitor_module

    with monkeypatch.context() as m:
        if command == "run":
            _forbid_computing(m)
            argv = _args(s, *extra)
        else:
            _forbid_computing(m, monitor_module, "monitor_recipe")
            argv = _monitor_args(s, *extra)
        try:
            code = main(argv)
        except ComputedError:
            return True
    assert code == 0
    return False


def test_identical_run_reuses_the_outputs_byte_for_byte(
        setup: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    s = setup
    assert main(_args(s)) == 0
    first = {n: (s["out"] / n).read_bytes() for n in OUTPUTS}
    record = json.loads((s["out"] / "provenance.json").read_text(encoding="utf-8"))
    printed = capsys.readouterr().out
    assert not _computes(s, monkeypatch)  # run_recipe is never called
    again = capsys.readouterr().out
    assert {n: (s["out"] / n).read_bytes() for n in OUTPUTS} == first
    reused = json.loads((s["out"] / "provenance.json").read_text(encoding="utf-8"))
    assert reused["reused"] == {k: record[k] for k in ("started", "finished", "duration_s")}
    assert reused["run_checksum"] == record["run_checksum"]  # same inputs, parameters, outputs
    assert reused["outputs"] == record["outputs"]
    assert "reused the outputs of an identical earlier run" in " ".join(again.split())
    # the same scorecard table, target by target
    table = printed.strip("\n").split("\n")
    assert again.strip("\n").split("\n")[:len(table)] == table
    assert "s.rail@2030" in again


@pytest.mark.parametrize("change", [
    "recipe", "bundle file", "file added to the bundle", "option", "date", "environment",
    "code", "statistics file",
])
def test_any_change_to_what_the_run_reads_computes(
        setup: dict[str, Path], monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    s = setup
    stats = s["recipe"].parent / "stats.csv"
    stats.write_text("id,value,date,source,note\ns.housing,31,2025-01-01,SYNTHETIC,\n",
                     encoding="utf-8")
    extra = ("--statistics", str(stats))
    assert main(_args(s, *extra)) == 0
    assert not _computes(s, monkeypatch, *extra)
    if change == "recipe":
        s["recipe"].write_text(s["recipe"].read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "bundle file":
        manifest = s["bundle"] / "bundle.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    elif change == "file added to the bundle":  # e.g. a Shapefile's .dbf beside its .shp
        (s["bundle"] / "units.dbf").write_bytes(b"SYNTHETIC")
    elif change == "option":
        extra = (*extra, "--lang", "en")
    elif change == "date":
        extra = (*extra, "--as-of", "2026-11-25")
    elif change == "environment":
        monkeypatch.setenv("GDAL_CACHEMAX", "64")
    elif change == "code":
        monkeypatch.setattr(_replay, "_CODE", ["another geoplan"])
    elif change == "statistics file":
        stats.write_text("id,value,date,source,note\ns.housing,32,2025-01-01,SYNTHETIC,\n",
                         encoding="utf-8")
    assert _computes(s, monkeypatch, *extra)


def test_recompute_and_cache_off_compute(setup: dict[str, Path],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    s = setup
    assert main(_args(s)) == 0
    assert _computes(s, monkeypatch, "--recompute")
    assert not _computes(s, monkeypatch)
    monkeypatch.setenv("GEOPLAN_CACHE", "off")
    assert _computes(s, monkeypatch)


def test_a_linked_recipe_is_followed(setup: dict[str, Path], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    s = setup
    link = tmp_path / "linked.yaml"
    link.symlink_to(s["recipe"])
    s = {**s, "recipe": link}
    assert main(_args(s)) == 0
    assert not _computes(s, monkeypatch)
    target = setup["recipe"]
    target.write_text(target.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _computes(s, monkeypatch)  # the link is the same, what it points to is not


def test_damaged_records_and_files_are_reported_and_computed(
        setup: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    s = setup
    assert main(_args(s)) == 0
    before = {n: (s["out"] / n).read_bytes() for n in OUTPUTS}
    blobs = sorted((s["cache"] / "replay" / "blobs").iterdir())
    assert len(blobs) == len(OUTPUTS)
    blobs[0].write_bytes(b"not what was stored")  # a stored output damaged
    capsys.readouterr()
    assert _computes(s, monkeypatch)
    assert "removing the damaged reuse record" in capsys.readouterr().err
    assert {n: (s["out"] / n).read_bytes() for n in OUTPUTS} == before  # nothing half-written
    assert main(_args(s)) == 0  # computed again and stored, the damaged file written anew
    assert not _computes(s, monkeypatch)
    entry = next((s["cache"] / "replay").glob("*.json"))
    good = entry.read_text(encoding="utf-8")
    for damage in ("{not json", good.replace('"out":', '"gone":'),
                   good.replace('"status":', '"unknown":')):
        entry.write_text(damage, encoding="utf-8")  # what it printed can no longer be shown
        capsys.readouterr()
        assert _computes(s, monkeypatch)  # before anything is written, no traceback
        assert "removing the damaged reuse record" in capsys.readouterr().err
        assert not entry.exists()


def test_a_reused_run_obeys_the_output_rules(setup: dict[str, Path],
                                             monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    s = setup
    assert main(_args(s)) == 0
    recipe_text = s["recipe"].read_text(encoding="utf-8")
    # an output replaced by a link to the recipe: refused, the recipe untouched
    (s["out"] / "scorecard.md").unlink()
    (s["out"] / "scorecard.md").symlink_to(s["recipe"])
    capsys.readouterr()
    with monkeypatch.context() as m:
        _forbid_computing(m)
        assert main(_args(s)) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "scorecard.md" in err
    assert "Traceback" not in err
    assert s["recipe"].read_text(encoding="utf-8") == recipe_text
    # no record of an earlier run in the folder: its files are not geoplan's to replace
    (s["out"] / "scorecard.md").unlink()
    (s["out"] / "provenance.json").unlink()
    mine = (s["out"] / "scorecard.csv").read_bytes()
    with monkeypatch.context() as m:
        _forbid_computing(m)
        assert main(_args(s)) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "geoplan never replaces files it did not write" in err
    assert (s["out"] / "scorecard.csv").read_bytes() == mine


def test_a_run_that_adds_a_snapshot_is_not_stored(setup: dict[str, Path],
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    s = setup
    args = [a for a in _args(s) if a != "--no-snapshot"]
    assert main(args) == 0  # adds the snapshot: its history changed, not stored
    assert not list((s["cache"] / "replay").glob("*.json"))
    history = (s["out"] / "history.parquet").read_bytes()
    assert main(args) == 0  # "already in": stored
    with monkeypatch.context() as m:
        _forbid_computing(m)
        assert main(args) == 0
    assert (s["out"] / "history.parquet").read_bytes() == history
    (s["out"] / "history.parquet").write_bytes(history + b"\0")  # the history changed
    capsys.readouterr()
    with monkeypatch.context() as m:  # not reused: checked as a computed run checks it
        _forbid_computing(m)
        assert main(args) == 2
    assert "history.parquet" in capsys.readouterr().err


def test_warnings_are_said_again(setup: dict[str, Path], monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    s = setup
    real = run_module.run_recipe

    def warning_run(*args: Any, **kwargs: Any) -> Any:
        logging.getLogger("geoplan.network").warning("3 point(s) far from the streets")
        return real(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(run_module, "run_recipe", warning_run)
        assert main(_args(s)) == 0
    assert capsys.readouterr().err.count("3 point(s) far from the streets") == 1
    assert not _computes(s, monkeypatch)
    err = capsys.readouterr().err
    assert err.strip() == "WARNING geoplan.network: 3 point(s) far from the streets"


def test_states_never_open_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    states = _replay.input_states([fifo, tmp_path / "absent"])
    assert states[str(fifo)].startswith("mode p")
    assert states[str(tmp_path / "absent")] == "absent"


# -- geoplan monitor ----------------------------------------------------------------------------
def _monitor_args(s: dict[str, Path], *extra: str) -> list[str]:
    return ["monitor", str(s["recipe"]), "--out", str(s["out"]), "--period", "year",
            "--from", "2024-01-01", "--to", "2026-06-30", *extra]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_identical_monitor_reuses_its_report(setup: dict[str, Path],
                                            monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    s = setup
    assert main(_monitor_args(s)) == 0  # records the snapshots: its history changed
    assert not list((s["cache"] / "replay").glob("*.json"))
    assert main(_monitor_args(s)) == 0  # the same again: nothing recorded, stored
    files = _files(s["out"])
    assert "monitor/report.md" in files
    assert any(n.startswith("monitor/charts/") for n in files)
    capsys.readouterr()
    assert not _computes(s, monkeypatch, command="monitor")
    printed = " ".join(capsys.readouterr().out.split())
    assert "reused the outputs of an identical earlier run" in printed
    assert "0 row(s) recorded in" in printed
    assert _files(s["out"]) == files  # report, charts, map, record and history: same bytes
    assert _computes(s, monkeypatch, "--lang", "en", command="monitor")
    assert _computes(s, monkeypatch, "--recompute", command="monitor")
    (s["bundle"] / "notes.txt").write_text("SYNTHETIC", encoding="utf-8")
    assert _computes(s, monkeypatch, command="monitor")


def test_a_reused_monitor_obeys_the_report_rules(setup: dict[str, Path],
                                                monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    s = setup
    assert main(_monitor_args(s)) == 0
    assert main(_monitor_args(s)) == 0
    report = s["out"] / "monitor"
    (report / "provenance.json").unlink()  # report.md is no longer one geoplan recorded
    mine = (report / "report.md").read_bytes()
    capsys.readouterr()
    assert main(_monitor_args(s)) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "report.md" in err
    assert "geoplan never replaces files it did not write" in err
    assert (report / "report.md").read_bytes() == mine


def test_other_indicator_code_under_the_same_name_computes(
        setup: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    from geoplan.analyses import registry
    from tests import test_recipes

    s = setup
    assert main(_args(s)) == 0
    assert not _computes(s, monkeypatch)

    def doubled(*args: Any, **kwargs: Any) -> Any:  # SYNTHETIC: another t_rail_km
        return test_recipes._t_rail_km(*args, **kwargs)

    spec = registry._REGISTRY["t_rail_km"]
    monkeypatch.setitem(registry._REGISTRY, "t_rail_km", type(spec)(
        spec.name, doubled, spec.unit, spec.layers, spec.scopes, spec.description))
    assert _computes(s, monkeypatch)


def test_a_cache_inside_the_bundle_is_never_written_by_reuse(
        setup: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    s = setup
    monkeypatch.setenv("GEOPLAN_CACHE", str(s["bundle"] / "cache"))
    assert main(_args(s)) == 0
    assert not (s["bundle"] / "cache" / "replay").exists()
    assert _computes(s, monkeypatch)


def test_an_input_edited_while_the_run_reads_is_never_stored(
        setup: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import geoplan.layers

    s = setup
    stats = s["recipe"].parent / "stats.csv"
    stats.write_text("id,value,date,source,note\ns.housing,20,2025-01-01,SYNTHETIC A,\n",
                     encoding="utf-8")
    real = geoplan.layers.load_bundle

    def load_then_edit(*args: Any, **kwargs: Any) -> Any:
        bundle = real(*args, **kwargs)  # the statistics file was read just before
        stats.write_text("id,value,date,source,note\ns.housing,45,2025-01-01,SYNTHETIC B,\n",
                         encoding="utf-8")
        return bundle

    extra = ("--statistics", str(stats))
    with monkeypatch.context() as m:
        m.setattr(geoplan.layers, "load_bundle", load_then_edit)
        assert main(_args(s, *extra)) == 0  # computed on 20
    assert "SYNTHETIC A" in (s["out"] / "scorecard.csv").read_text(encoding="utf-8")
    assert not list((s["cache"] / "replay").glob("*.json"))  # its inputs changed meanwhile
    assert _computes(s, monkeypatch, *extra)  # on 45, never 20's outputs again
