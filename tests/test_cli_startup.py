"""The command line starts light: help, version and refused options import no geopandas/folium.

Each case runs ``python -m geoplan ARGS`` (through :mod:`runpy`, as the console script does)
in a fresh interpreter and reports the exit code and which heavy packages got imported.
Also ``geoplan --version`` and ``geoplan indicators``. (``geoplan layers validate NAME``
imports the layer checks before it opens the bundle, so it is not among the cases.)
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geoplan import _choices
from geoplan.cli import main

ROOT = Path(__file__).resolve().parents[1]
RECIPE = "analyses/hanoi-02-nq-tw.yaml"
HEAVY = ("geopandas", "folium")

_PROBE = textwrap.dedent("""
    import json, runpy, sys
    sys.argv = ["geoplan", *json.loads(sys.argv[1])]
    code = 0
    try:
        runpy.run_module("geoplan", run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        code = exc.code
    loaded = sorted({m.split(".")[0] for m in sys.modules}
                    & {"geopandas", "folium", "pandas", "numpy"})
    sys.__stderr__.write("\\n" + json.dumps([code, loaded]) + "\\n")
""")


def _probe(args: list[str]) -> tuple[int, list[str], str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    result = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(args)], cwd=ROOT,
                            capture_output=True, text=True, env=env, timeout=300, check=False)
    code, loaded = json.loads(result.stderr.strip().splitlines()[-1])
    return code, loaded, result.stdout, result.stderr


@pytest.mark.parametrize(("args", "code", "says"), [
    (["--help"], 0, "indicators"),
    (["run", "--help"], 0, "--as-of"),
    (["--version"], 0, "geoplan "),
    (["nocommand"], 2, "No such command"),
    (["run"], 2, "Missing argument"),
    (["run", RECIPE, "--lang", "fr"], 2, "use one of vi, en"),
    (["run", RECIPE, "--tiles", "google"], 2, "use one of none, osm, carto"),
    (["run", RECIPE, "--as-of", "2026-13-01"], 2, "is not a date"),
    (["run", "no-such-recipe.yaml"], 2, "no such recipe file"),
    (["map", "hanoi", "--lang", "fr"], 2, "use one of vi, en"),
    (["map", "hanoi", "--tiles", "google"], 2, "use one of none, osm, carto"),
    (["monitor", RECIPE, "--period", "decade"], 2, "use one of month, quarter, year"),
    (["monitor", RECIPE, "--from", "yesterday"], 2, "is not a date"),
    (["monitor", "no-such-recipe.yaml"], 2, "no such recipe file"),
    (["batch", RECIPE, "--lang", "de"], 2, "use one of vi, en"),
    (["batch", RECIPE, "--as-of", "x"], 2, "is not a date"),
    (["batch", RECIPE, "--from", "2024-01-01", "--period", "week"], 2, "use one of month"),
    (["indicators", "--format", "xml"], 2, "use one of table, csv, json"),
    (["map", "atlantis"], 2, "no bundle 'atlantis'"),
    (["layers", "show", "atlantis"], 2, "no bundle 'atlantis'"),
])
def test_start_and_refusals_import_no_geopandas_or_folium(args: list[str], code: int,
                                                           says: str) -> None:
    got, loaded, out, err = _probe(args)
    assert got == code, (args, out, err)
    assert says in out + err, (args, out, err)
    assert not set(loaded) & set(HEAVY), (args, loaded)
    assert "Traceback" not in out + err


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["run", "--help"],
                                  ["monitor", "--help"], ["batch", "--help"]])
def test_help_and_version_import_no_pandas_or_numpy(args: list[str]) -> None:
    """Help and version print from the command definitions alone (pandas and numpy cost
    most of a second to import on a small machine)."""
    got, loaded, out, err = _probe(args)
    assert got == 0, (args, out, err)
    assert loaded == [], (args, loaded)


def test_the_probe_sees_heavy_imports() -> None:
    """The check above can fail: a command that draws a map does import both."""
    code, loaded, out, err = _probe(["indicators", "--format", "json"])
    assert code == 0, err
    assert "geopandas" in loaded  # the indicator modules are imported to list them
    import geoplan.indicators

    assert sorted(row["name"] for row in json.loads(out)) == sorted(geoplan.indicators.__all__)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import geoplan

    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"geoplan {geoplan.__version__}\n"
    assert geoplan.__version__ != "" and geoplan.__version__[0].isdigit()


def test_indicators_formats(capsys: pytest.CaptureFixture[str]) -> None:
    from geoplan.analyses import list_indicators

    specs = list_indicators()
    assert main(["indicators", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == sorted(specs)
    by_name = {r["name"]: r for r in rows}
    assert by_name["rail_length"] == {
        "name": "rail_length", "unit": "km", "roles": ["metro_lines"], "scopes": ["city"],
        "description": specs["rail_length"].description}
    assert by_name["transit_coverage"]["roles"] == ["admin_units", "stations"]
    assert by_name["transit_coverage"]["unit"] == "%"

    assert main(["indicators", "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(table) == len(specs)
    green = next(r for r in table if r["name"] == "green_space_per_capita")
    assert (green["unit"], green["roles"], green["scopes"]) == \
        ("m2/person", "admin_units;green_space", "city;inner;unit")

    assert main(["indicators"]) == 0
    shown = capsys.readouterr().out
    assert all(name in shown for name in specs)  # names whole, never cut short


def test_periods_match_the_monitor() -> None:
    """geoplan.monitor and the maps use the CLI's light lists of choices, never a copy."""
    from geoplan.maps import LANGS, TILES
    from geoplan.monitor.progress import PERIODS

    assert _choices.PERIODS == PERIODS
    assert _choices.LANGS == LANGS and _choices.TILES == TILES
