"""Silent wrong numbers and non-regular data files: ids, vocabularies, implausible values, FIFOs.

Every hostile input here is SYNTHETIC (built from tests/synthetic.py; nothing is real data).
Each case of :data:`CASES` is fed twice, as in tests/test_bad_inputs.py: through the command
line (exit code 2, no traceback, a message naming the file/layer/column/key and the fix) and
through the Python API (the specific :class:`~geoplan.errors.GeoplanError` subclass, which also
derives from a built-in).

The mechanisms under test:

* one id normaliser (:func:`geoplan.layers.roles.normalise_id`: Unicode NFC, trimmed; NULL,
  empty and ``"nan"`` are no id) applied to every id column when a layer is checked, then
  uniqueness; recipe goals whose keys give the same slug (results.gpkg columns, charts, map
  anchors) are refused when the recipe is read;
* option vocabularies declared as ``Literal`` hints on the indicators, checked by
  ``load_recipe`` with a did-you-mean; closed vocabularies of data columns (line and station
  ``status``, ``unit_type``) checked with the layer;
* plausibility rules collected per layer (population finite, whole, below 50 million per unit
  and 200 million in all, density
  below 200,000/km², parts below the whole, lengths, years; manifest statistics; rasters);
* one file guard (:func:`geoplan.io.regular_file_problem`): a FIFO, device, socket or folder is
  described from ``stat`` and never opened; a symbolic link out of the bundle is refused.

FIFO cases run under a watchdog (a daemon thread, a subprocess with a timeout) so that a
regression fails instead of hanging the suite; no test measures time.

docs/BAD_INPUTS.md, section "Ids, vocabularies, implausible values and non-regular files",
lists every case; :func:`test_every_case_is_documented` keeps it in step.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from geoplan.analyses.recipe import load_recipe, slugify
from geoplan.analyses.scorecard import RunResult
from geoplan.errors import (
    GeoplanError,
    LayerValidationError,
    OutputError,
    RecipeError,
    SourceDataError,
)
from geoplan.io import file_kind, regular_file_problem
from geoplan.layers import load_bundle
from geoplan.layers.osm import import_osm
from geoplan.layers.roles import MAX_DENSITY_PER_KM2, normalise_id
from geoplan.monitor import read_history
from geoplan.monitor.history import HistoryError
from geoplan.workflows.monitor import monitor_recipe
from geoplan.workflows.run import run_recipe
from tests import synthetic
from tests._hostile import assert_refused, flat
from tests.test_bad_inputs import (
    AS_OF,
    TRANSIT,
    UNITS_ONLY,
    Hostile,
    _bundle,
    _edit,
    _load_recipe,
    _recipe,
    _units,
    _validate,
)

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "BAD_INPUTS.md"
SECTION = "## Ids, vocabularies, implausible values and non-regular files"
#: Seconds a FIFO case may take before it counts as blocked (a watchdog, not a timing).
WATCHDOG_S = 120

NFC_NAME = "Phường Ánh"
NFD_NAME = unicodedata.normalize("NFD", NFC_NAME)
assert NFC_NAME != NFD_NAME


# -- building hostile inputs ------------------------------------------------------------------
def _units_with(column: str, values: list[Any]) -> gpd.GeoDataFrame:
    units = _units()
    units[column] = values
    return units


def _unit_bundle(tmp: Path, column: str, values: list[Any]) -> Path:
    return _bundle(tmp, replace={"admin_units": _units_with(column, values)})


def _layer_bundle(tmp: Path, role: str, column: str, values: list[Any]) -> Path:
    layer = synthetic.layers()[role].copy()
    layer[column] = values
    roles = (*UNITS_ONLY, role)
    return _bundle(tmp, roles=roles, replace={role: layer})


def _statistics(tmp: Path, block: str) -> Hostile:
    folder = _bundle(tmp)
    with (folder / "bundle.yaml").open("a", encoding="utf-8") as fh:
        fh.write("statistics:\n" + block)
    return Hostile(["layers", "validate", str(folder)], lambda: load_bundle(folder))


_STAT = "    value: {value}\n    unit: {unit}\n    date: '2019-04-01'\n    source: SYNTHETIC\n"


def _stat(key: str, value: str, unit: str = "people") -> str:
    return f"  {key}:\n" + _STAT.format(value=value, unit=unit)


def _raster_bundle(tmp: Path, *, crs: str | None, values: np.ndarray,
                   nodata: float | None, roles: tuple[str, ...] = UNITS_ONLY) -> Path:
    import rasterio
    from affine import Affine

    folder = _bundle(tmp, roles=roles)
    profile: dict[str, Any] = {"driver": "GTiff", "width": values.shape[1],
                               "height": values.shape[0], "count": 1, "dtype": "float32",
                               "transform": Affine(500.0, 0.0, synthetic.X0,
                                                   0.0, -500.0, synthetic.Y0 + 2000)}
    if crs is not None:
        profile["crs"] = crs
    if nodata is not None:
        profile["nodata"] = nodata
    with rasterio.open(folder / "pop.tif", "w", **profile) as dst:
        dst.write(values.astype("float32"), 1)
    with (folder / "bundle.yaml").open("a", encoding="utf-8") as fh:
        fh.write("  population_raster:\n    file: pop.tif\n    source: SYNTHETIC\n")
    return folder


def _pop_grid(fill: float = 2500.0) -> np.ndarray:
    """SYNTHETIC 4 x 4 grid of 500 m pixels over the four units: 40,000 people in all."""
    return np.full((4, 4), fill)


def _slug_recipe(tmp: Path, new_id: str, *, year: str = "year: 2030") -> Hostile:
    """The rail target once more under ``new_id`` (a monitoring copy when ``year`` is '')."""
    path = _recipe(tmp, rail_only=True)
    text = path.read_text(encoding="utf-8")
    start = text.index("  - id: t.rail")
    copy = text[start:].replace("  - id: t.rail", f"  - id: {new_id}", 1)
    if not year:
        copy = copy.replace('    comparator: ">="\n    value: 1.5\n', "")
        copy = copy.replace("    year: 2030\n", "")
    path.write_text(text + copy, encoding="utf-8")
    return _load_recipe(path)


def _option(tmp: Path, old: str, new: str, *, rail_only: bool = False) -> Hostile:
    return _load_recipe(_recipe(tmp, ((old, new),), rail_only=rail_only))


def _widths(tmp: Path, indicator: str, options: str, unit: str = "km2") -> Hostile:
    """The first (rail) target turned into ``indicator`` with ``options``, checked on load."""
    return _load_recipe(_recipe(tmp, (("    indicator: rail_length\n",
                                        f"    indicator: {indicator}\n    options: {options}\n"),
                                       ("    unit: km\n", f"    unit: {unit}\n")),
                                rail_only=True))


def _statistic_recipe(tmp: Path) -> Hostile:
    path = _recipe(tmp, rail_only=True)
    with path.open("a", encoding="utf-8") as fh:
        fh.write("statistics:\n  - id: t_rail\n    title: {vi: Thống kê, en: A statistic}\n"
                 "    comparator: \">=\"\n    value: 1\n    unit: km\n    year: 2030\n"
                 "    source: {document: 99-NQ/TW, date: 2021-01-01, section: \"4\"}\n")
    return _load_recipe(path)


def _run_on(folder: Path, tmp: Path) -> Hostile:
    path = _recipe(tmp, bundle=folder, rail_only=True)
    out = tmp / "out"
    return Hostile(["run", str(path), "--out", str(out), "--as-of", AS_OF.isoformat()],
                   lambda: run_recipe(path, out=out, as_of=AS_OF))


def _monitor_on(folder: Path, tmp: Path) -> Hostile:
    path = _recipe(tmp, bundle=folder, rail_only=True)
    out = tmp / "monitor-out"
    return Hostile(["monitor", str(path), "--out", str(out), "--to", AS_OF.isoformat()],
                   lambda: monitor_recipe(path, out=out, end=AS_OF))


def _coverage_recipe_on(folder: Path, tmp: Path) -> Hostile:
    """The coverage target with population spread by the raster."""
    path = _recipe(tmp, bundle=folder)
    _edit(path, "options: {mode: rail, distance_m: 1000}",
          "options: {mode: rail, distance_m: 1000, population: raster}")
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: t.green")], encoding="utf-8")
    out = tmp / "out"
    return Hostile(["run", str(path), "--out", str(out), "--as-of", AS_OF.isoformat()],
                   lambda: run_recipe(path, out=out, as_of=AS_OF))


def _only_target(path: Path, target: str) -> None:
    """Keep only the goal whose id is ``target`` in the hostile recipe at ``path``."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("targets:\n")
    goals = ["  - id: " + g for g in body.split("  - id: ")[1:]]
    kept = [g for g in goals if g.startswith(f"  - id: {target}\n")]
    path.write_text(head + "targets:\n" + "".join(kept), encoding="utf-8")


def _extra_layers() -> dict[str, gpd.GeoDataFrame]:
    """SYNTHETIC land use (one residential square) and river axis (one line)."""
    from shapely.geometry import LineString, box

    x, y = synthetic.X0, synthetic.Y0
    land = gpd.GeoDataFrame({"land_use": ["residential"]},
                            geometry=[box(x, y, x + 500, y + 500)], crs=synthetic.CRS)
    river = gpd.GeoDataFrame({"name": ["Sông Hồng"]},
                             geometry=[LineString([(x, y + 1500), (x + 2000, y + 1500)])],
                             crs=synthetic.CRS)
    return {"land_use": land, "river_axis": river}


_NEW_TARGETS = {
    "urban_land_ratio": ('urban_land_ratio\n    options: {{urban_classes: [{v}]}}\n'
                         '    scope: city\n    unit: "%"\n'),
    "river_corridor": ("river_corridor\n    options: {{names: [{v}]}}\n    scope: city\n"
                       "    unit: km2\n"),
}


def _data_option(tmp: Path, indicator: str, value: str) -> Hostile:
    """A monitoring target of ``indicator`` with a data-value option ``value`` (a typo)."""
    roles = (*TRANSIT, "land_use", "river_axis")
    folder = _bundle(tmp, roles=roles, replace=_extra_layers())
    path = _recipe(tmp, bundle=folder)
    if indicator == "green_space_per_capita":
        _edit(path, "    indicator: green_space_per_capita\n",
              f"    indicator: green_space_per_capita\n    options: {{kinds: [{value}]}}\n")
        _only_target(path, "t.green")
    elif indicator == "rail_length":
        _edit(path, "    indicator: rail_length\n",
              f"    indicator: rail_length\n    options: {{plan: {value}}}\n")
        _only_target(path, "t.rail")
    else:
        text = path.read_text(encoding="utf-8")
        start = text.index("  - id: t.green")
        block = ("  - id: t.data\n    title: {vi: Dữ liệu, en: Data}\n    indicator: "
                 + _NEW_TARGETS[indicator].format(v=value)
                 + '    source: {document: 99-NQ/TW, date: 2021-01-01, section: "5"}\n')
        path.write_text(text[:start] + block, encoding="utf-8")
        _only_target(path, "t.data")
    out = tmp / "out"
    return Hostile(["run", str(path), "--out", str(out), "--as-of", AS_OF.isoformat()],
                   lambda: run_recipe(path, out=out, as_of=AS_OF))


def _history(tmp: Path, unit_ids: list[Any]) -> Hostile:
    """A SYNTHETIC history whose rows of one snapshot carry ``unit_ids``; monitored again."""
    from geoplan.monitor.history import HISTORY_COLUMNS, HISTORY_NAME

    path = _recipe(tmp, rail_only=True)
    out = tmp / "monitor-out"
    out.mkdir()
    rows = [{c: "x" for c in HISTORY_COLUMNS} | {
        "recipe_id": "hostile", "as_of": "2024-12-31", "key": "t.rail@2030", "unit_id": uid,
        "kind": "indicator", "scope": "city", "unit": "km", "status": "met",
        "value": float(i), "run_checksum": "c0",
        "recorded_at": "2025-01-01T00:00:00+00:00"} for i, uid in enumerate(unit_ids)]
    frame = pd.DataFrame(rows, columns=list(HISTORY_COLUMNS))
    frame.to_parquet(out / HISTORY_NAME, engine="pyarrow", index=False)
    return Hostile(["monitor", str(path), "--out", str(out), "--to", AS_OF.isoformat()],
                   lambda: read_history(out / HISTORY_NAME))


@dataclass(frozen=True)
class Case:
    """One hostile input and the answer it must get (see the module docstring)."""

    id: str
    error: type[GeoplanError]
    match: str  # regex on the message (whitespace normalised): what, where and the fix
    build: Callable[[Path], Hostile]


_UNITS = r"synthetic/admin_units \(synthetic\.gpkg:admin_units\): "
_DENSE = 10_000 * MAX_DENSITY_PER_KM2  # people in 1 km²: far beyond any ward

CASES: list[Case] = [
    # -- ids ---------------------------------------------------------------------------------
    Case("unit_id_empty", LayerValidationError,
         _UNITS + r"1 feature\(s\) with an empty or NULL 'unit_id' \(feature 2\); every "
         r"feature needs an id: fill column 'unit_id'",
         lambda t: _validate(_unit_bundle(t, "unit_id", ["A", "", "C", "D"]))),
    Case("unit_id_spaces_only", LayerValidationError,
         _UNITS + r"1 feature\(s\) with an empty or NULL 'unit_id' \(feature 3\)",
         lambda t: _validate(_unit_bundle(t, "unit_id", ["A", "B", "   ", "D"]))),
    Case("unit_id_null", LayerValidationError,
         _UNITS + r"2 feature\(s\) with an empty or NULL 'unit_id' \(feature 1, 4\)",
         lambda t: _validate(_unit_bundle(t, "unit_id", [None, "B", "C", None]))),
    Case("unit_id_nan_text", LayerValidationError,
         _UNITS + r"1 feature\(s\) whose 'unit_id' is the text 'nan' \(feature 2\), an empty "
         r"value lost on export, not an id: fill column 'unit_id' with the real ids",
         lambda t: _validate(_unit_bundle(t, "unit_id", ["A", "nan", "C", "D"]))),
    Case("unit_id_nfc_nfd", LayerValidationError,
         _UNITS + r"1 duplicate 'unit_id' value\(s\) \(Phường Ánh as 'Phường Ánh' and "
         + re.escape(f"'{NFD_NAME}' (decomposed accents (NFD))) (compared after Unicode NFC "
                     "normalisation and trimming spaces: these spellings are the same id); "
                     "ids must be unique"),
         lambda t: _validate(_unit_bundle(t, "unit_id", [NFC_NAME, NFD_NAME, "C", "D"]))),
    Case("unit_id_trailing_space", LayerValidationError,
         _UNITS + r"1 duplicate 'unit_id' value\(s\) \(A as 'A' and 'A ' \(surrounding "
         r"spaces\)\) \(compared after "
         r"Unicode NFC normalisation",
         lambda t: _validate(_unit_bundle(t, "unit_id", ["A", "A ", "C", "D"]))),
    Case("unit_id_number", LayerValidationError,
         _UNITS + r"column 'unit_id' holds int64 values; expected text",
         lambda t: _validate(_unit_bundle(t, "unit_id", [1, 2, 3, 4]))),
    Case("unit_id_empty_in_run", LayerValidationError,
         r"1 feature\(s\) with an empty or NULL 'unit_id' \(feature 2\)",
         lambda t: _run_on(_unit_bundle(t, "unit_id", ["A", "", "C", "D"]), t)),
    Case("unit_id_empty_in_monitor", LayerValidationError,
         r"1 feature\(s\) with an empty or NULL 'unit_id' \(feature 2\)",
         lambda t: _monitor_on(_unit_bundle(t, "unit_id", ["A", "", "C", "D"]), t)),
    Case("station_id_empty", LayerValidationError,
         r"synthetic/stations \(synthetic\.gpkg:stations\): 1 feature\(s\) with an empty or "
         r"NULL 'station_id' \(feature 3\)",
         lambda t: _validate(_layer_bundle(t, "stations", "station_id",
                                           ["S1", "S2", "", "S4"]))),
    Case("station_id_nfd_duplicate", LayerValidationError,
         r"synthetic/stations .*1 duplicate 'station_id' value\(s\) \(Phường Ánh as",
         lambda t: _validate(_layer_bundle(t, "stations", "station_id",
                                           [NFC_NAME, NFD_NAME, "S3", "S4"]))),
    Case("stop_id_nan_text", LayerValidationError,
         r"synthetic/bus_stops .*whose 'stop_id' is the text 'NaN'",
         lambda t: _validate(_layer_bundle(t, "bus_stops", "stop_id", ["NaN"]))),
    Case("line_id_null", LayerValidationError,
         r"synthetic/metro_lines .*1 feature\(s\) with an empty or NULL 'line_id' \(feature 2\)",
         lambda t: _validate(_layer_bundle(t, "metro_lines", "line_id", ["L1", None]))),
    Case("station_line_id_number", LayerValidationError,
         r"synthetic/stations .*column 'line_id' holds int64 values; expected text",
         lambda t: _validate(_layer_bundle(t, "stations", "line_id", [1, 1, 1, 2]))),
    Case("history_unit_id_null", HistoryError,
         r"history\.parquet: not a geoplan monitoring history \(edited by hand\?\): 1 row\(s\) "
         r"with a NULL unit_id\. geoplan writes '' as unit_id only on a target's own row and "
         r"never rewrites a history it cannot trust: restore the file from a backup, or move it "
         r"aside and run again to start a new one",
         lambda t: _history(t, ["", "A", None])),
    Case("history_unit_id_nan_text", HistoryError,
         r"history\.parquet: not a geoplan monitoring history \(edited by hand\?\): "
         r"1 row\(s\) with a unit_id that is a lost NULL text such as "
         r"'nan'",
         lambda t: _history(t, ["", "A", "nan"])),
    Case("history_unit_id_padded", HistoryError,
         r"history\.parquet: not a geoplan monitoring history \(edited by hand\?\): "
         r"1 row\(s\) with a unit_id with surrounding spaces or not in "
         r"Unicode NFC",
         lambda t: _history(t, ["", "A", NFD_NAME])),
    Case("history_own_row_twice", HistoryError,
         r"history\.parquet: not a geoplan monitoring history \(edited by hand\?\): "
         r"2 row\(s\) give a target's own value twice for one snapshot "
         r"\(t\.rail@2030\)",
         lambda t: _history(t, ["", "A", ""])),
    # -- vocabularies of data columns ----------------------------------------------------------
    Case("station_status_typo", LayerValidationError,
         r"synthetic/stations .*1 feature\(s\) with column 'status' outside its vocabulary: "
         r"'operatng' \(did you mean 'operating'\?\); use one of operating, "
         r"under_construction, planned",
         lambda t: _validate(_layer_bundle(t, "stations", "status",
                                           ["operating", "operatng", "operating", "planned"]))),
    Case("line_status_typo", LayerValidationError,
         r"synthetic/metro_lines .*column 'status' outside its vocabulary: 'in service'; use "
         r"one of operating",
         lambda t: _validate(_layer_bundle(t, "metro_lines", "status",
                                           ["in service", "planned"]))),
    Case("line_status_empty", LayerValidationError,
         r"synthetic/metro_lines .*1 feature\(s\) with column 'status' outside its vocabulary",
         lambda t: _validate(_layer_bundle(t, "metro_lines", "status", ["operating", ""]))),
    Case("unit_type_typo", LayerValidationError,
         _UNITS + r"1 feature\(s\) with column 'unit_type' outside its vocabulary: 'phuong' "
         r"\(did you mean 'phường'\?\)",
         lambda t: _validate(_unit_bundle(t, "unit_type", ["phường", "phuong", "xã", "xã"]))),
    # -- implausible values --------------------------------------------------------------------
    Case("population_inf", LayerValidationError,
         _UNITS + r"1 feature\(s\) with an infinite 'population' \(B\); fill in the real number",
         lambda t: _validate(_unit_bundle(t, "population",
                                          [10_000.0, float("inf"), 6_000.0, 4_000.0]))),
    Case("population_enormous", LayerValidationError,
         _UNITS + r"1 unit\(s\) with 'population' above 50,000,000 \(A\).*"
         r"the units hold 1,000,000,000,030,000 people in total.*"
         r"1 unit\(s\) with more than 200,000 people per km² \(A 1,000,000,000,000,000/km²\)",
         lambda t: _validate(_unit_bundle(t, "population", [10**15, 20_000, 6_000, 4_000]))),
    Case("density_implausible", LayerValidationError,
         _UNITS + r"1 unit\(s\) with more than 200,000 people per km² \(C 2,000,000/km²\); "
         r"the densest Vietnamese wards hold about 100,000: check the population",
         lambda t: _validate(_unit_bundle(t, "population",
                                          [10_000, 20_000, int(_DENSE // 1000), 4_000]))),
    Case("urban_above_population", LayerValidationError,
         _UNITS + r"1 unit\(s\) with 'urban_population' above 'population' \(D\); a part "
         r"cannot exceed the whole",
         lambda t: _validate(_unit_bundle(t, "urban_population",
                                          [10_000, 20_000, 0, 9_000]))),
    Case("rural_negative", LayerValidationError,
         _UNITS + r"1 unit\(s\) with negative 'rural_population' \(C\); fill in the census count",
         lambda t: _validate(_unit_bundle(t, "rural_population", [0, 0, -6_000, 3_000]))),
    Case("street_length_negative", LayerValidationError,
         r"synthetic/street_network .*1 edge\(s\) with a missing or negative 'length_m' "
         r"\(feature 1\); recompute the lengths in metres",
         lambda t: _validate(_layer_bundle(
             t, "street_network", "length_m", [-500.0] + [500.0] * 39))),
    Case("target_year_implausible", LayerValidationError,
         r"synthetic/metro_lines .*1 feature\(s\) with an implausible 'target_year' \(20300\)",
         lambda t: _validate(_layer_bundle(t, "metro_lines", "target_year", [None, 20300]))),
    Case("opening_date_implausible", LayerValidationError,
         r"synthetic/metro_lines .*1 feature\(s\) with an implausible 'opening_date'",
         lambda t: _validate(_layer_bundle(t, "metro_lines", "opening_date",
                                           ["1066-10-14", None]))),
    Case("statistic_infinite", LayerValidationError,
         r"bundle\.yaml: key statistics\.population_2019\.value: Input should be a finite number",
         lambda t: _statistics(t, _stat("population_2019", ".inf"))),
    Case("statistic_enormous", LayerValidationError,
         r"bundle\.yaml: key statistics: population_2019: 1e\+15 people is not a plausible "
         r"count \(a whole number from 0 to 200,000,000\); fix the value",
         lambda t: _statistics(t, _stat("population_2019", "1.0e+15"))),
    Case("statistic_urban_above_total", LayerValidationError,
         r"bundle\.yaml: key statistics: urban_population_2019 \(50,000\) is more than "
         r"population_2019 \(40,000\); fix one of them",
         lambda t: _statistics(t, _stat("population_2019", "40000")
                               + _stat("urban_population_2019", "50000"))),
    Case("statistic_share_above_100", LayerValidationError,
         r"bundle\.yaml: key statistics: urban_share: 140% is outside 0…100",
         lambda t: _statistics(t, _stat("urban_share", "140", "'%'"))),
    Case("statistic_keys_same_once_trimmed", LayerValidationError,
         r"bundle\.yaml: key statistics: keys 'population_2019' and 'population_2019 ' are the "
         r"same name once Unicode-normalised and trimmed; keep one",
         lambda t: _statistics(t, _stat("population_2019", "40000")
                               + _stat("'population_2019 '", "40000"))),
    Case("raster_without_crs", LayerValidationError,
         r"synthetic/population_raster \(pop\.tif\): raster has no CRS; set it",
         lambda t: _validate(_raster_bundle(t, crs=None, values=_pop_grid(), nodata=None))),
    Case("raster_nodata_not_declared", LayerValidationError,
         r"synthetic/population_raster \(pop\.tif\): raster holds negative pixel values "
         r"\(min -99999\) and no nodata value is declared; people cannot be negative: declare "
         r"the nodata value \(gdal_edit -a_nodata -99999\)",
         lambda t: _validate(_raster_bundle(
             t, crs=synthetic.CRS, values=np.where(np.eye(4) > 0, -99999.0, 2500.0),
             nodata=None))),
    Case("raster_nodata_not_declared_in_run", LayerValidationError,
         r"pop\.tif: raster holds negative pixel values",
         lambda t: _coverage_recipe_on(_raster_bundle(
             t, crs=synthetic.CRS, values=np.where(np.eye(4) > 0, -99999.0, 2500.0),
             nodata=None, roles=TRANSIT), t)),
    # -- recipes: derived names, vocabularies, plausibility ------------------------------------
    Case("target_slug_collision", RecipeError,
         r"hostile\.yaml:\d+: targets\[1\]\.id: key 't_rail@2030' and targets\[0\] \(key "
         r"'t\.rail@2030'\) give the same name 't_rail_2030' to their results\.gpkg columns, "
         r"chart and map anchor, so one would overwrite the other: give one of them a "
         r"different id",
         lambda t: _slug_recipe(t, "t_rail")),
    Case("target_slug_collision_dash", RecipeError,
         r"targets\[1\]\.id: key 't-rail@2030' and targets\[0\] \(key 't\.rail@2030'\) give "
         r"the same name 't_rail_2030'",
         lambda t: _slug_recipe(t, "t-rail")),
    Case("target_slug_collision_year", RecipeError,
         r"targets\[1\]\.id: key 't\.rail_2030' and targets\[0\] \(key 't\.rail@2030'\) give "
         r"the same name 't_rail_2030'",
         lambda t: _slug_recipe(t, "t.rail_2030", year="")),
    Case("statistic_slug_collision", RecipeError,
         r"statistics\[0\]\.id: key 't_rail@2030' and targets\[0\] \(key 't\.rail@2030'\) "
         r"give the same name 't_rail_2030'",
         _statistic_recipe),
    Case("option_status_typo", RecipeError,
         r"hostile\.yaml:\d+: targets\[1\]\.options\.statuses: 'operatng' \(did you mean "
         r"'operating'\?\) is not in the option's vocabulary; use one of operating, "
         r"under_construction, planned",
         lambda t: _option(t, "mode: rail,", "mode: rail, statuses: [operatng],")),
    Case("option_status_typo_rail_length", RecipeError,
         r"targets\[0\]\.options\.statuses: 'Operating' \(did you mean 'operating'\?\)",
         lambda t: _option(t, "    indicator: rail_length\n",
                           "    indicator: rail_length\n    options: {statuses: [Operating]}\n",
                           rail_only=True)),
    Case("option_widths_typo", RecipeError,
         r"targets\[0\]\.options\.widths: 'residental' \(did you mean 'residential'\?\) is "
         r"not in the option's vocabulary; use one of motorway, trunk",
         lambda t: _widths(t, "road_area", "{widths: {residental: 5}}")),
    Case("option_widths_negative", RecipeError,
         r"targets\[0\]\.options\.widths: \{'residential': -6\} does not fit the option's "
         r"type .*\(Input should be greater than 0\); fix the value",
         lambda t: _widths(t, "transport_land_ratio", "{widths: {residential: -6}}", '"%"')),
    Case("option_widths_enormous", RecipeError,
         r"targets\[0\]\.options\.widths: .*\(Input should be less than or equal to 100\)",
         lambda t: _widths(t, "road_area", "{widths: {'*': 1.0e+300}}")),
    Case("option_corridor_enormous", RecipeError,
         r"targets\[0\]\.options\.corridor_width_m: 1e\+300 does not fit the option's type "
         r".*\(Input should be less than or equal to 20000\)",
         lambda t: _widths(t, "river_corridor", "{corridor_width_m: 1.0e+300}")),
    Case("option_mode_typo", RecipeError,
         r"targets\[1\]\.options\.mode: 'rial' \(did you mean 'rail'\?\) is not in the "
         r"option's vocabulary; use one of rail, bus",
         lambda t: _option(t, "mode: rail,", "mode: rial,")),
    Case("option_population_typo", RecipeError,
         r"targets\[1\]\.options\.population: 'rastr' \(did you mean 'raster'\?\) is not in "
         r"the option's vocabulary; use one of census_uniform, raster",
         lambda t: _option(t, "mode: rail,", "mode: rail, population: rastr,")),
    Case("option_method_typo", RecipeError,
         r"targets\[1\]\.options\.method: 'netwrok' \(did you mean 'network'\?\)",
         lambda t: _option(t, "mode: rail,", "mode: rail, method: netwrok,")),
    Case("option_per_typo", RecipeError,
         r"targets\[2\]\.options\.per: 'urban_populaton' \(did you mean "
         r"'urban_population'\?\)",
         lambda t: _option(t, "    indicator: green_space_per_capita\n",
                           "    indicator: green_space_per_capita\n"
                           "    options: {per: urban_populaton}\n")),
    Case("option_kinds_match_nothing", RecipeError,
         r"hostile\.yaml: target t\.green/unit@2030: green_space_per_capita: option kinds: "
         r"'prk' \(did you mean 'park'\?\) matches no 'kind' of green_space \(values there: "
         r"park\); the result would count nothing: fix the option",
         lambda t: _data_option(t, "green_space_per_capita", "prk")),
    Case("option_plan_match_nothing", RecipeError,
         r"target t\.rail@2030: rail_length: option plan: 'synthtic' \(did you mean "
         r"'synthetic'\?\) matches no 'plan' of metro_lines",
         lambda t: _data_option(t, "rail_length", "synthtic")),
    Case("option_land_use_match_nothing", RecipeError,
         r"target t\.data: urban_land_ratio: option urban_classes: 'residental' \(did you mean "
         r"'residential'\?\) matches no 'land_use' of land_use \(values there: residential\)",
         lambda t: _data_option(t, "urban_land_ratio", "residental")),
    Case("option_river_names_match_nothing", RecipeError,
         r"target t\.data: river_corridor: option names: 'Sông Đà' matches no 'name' of "
         r"river_axis/river_corridors \(values there: Sông Hồng\)",
         lambda t: _data_option(t, "river_corridor", "Sông Đà")),
    Case("target_share_above_100", RecipeError,
         r"targets\[1\]\.value: 150% is not a share; indicator 'transit_coverage' gives "
         r"0…100%: fix the value",
         lambda t: _option(t, "    value: 50\n", "    value: 150\n")),
    Case("target_negative_length", RecipeError,
         r"targets\[0\]\.value: -1\.5 km is negative; indicator 'rail_length' measures a size",
         lambda t: _option(t, "    value: 1.5\n", "    value: -1.5\n", rail_only=True)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_value_gets_a_clear_error(case: Case, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    hostile = case.build(tmp_path)
    assert_refused(hostile.argv, hostile.call, case.error, case.match, capsys)


# -- ids are normalised, and the normalised ids are what the outputs carry ------------------------
def test_normalise_id_spellings() -> None:
    assert normalise_id(NFD_NAME + "  ") == NFC_NAME
    assert normalise_id(" A\t") == "A"
    assert normalise_id(12345) == "12345"
    for lost in (None, float("nan"), "", "   ", "nan", "NaN", "None", "NULL", "<NA>"):
        assert normalise_id(lost) is None, lost


def test_nfd_and_padded_ids_reach_the_outputs_in_nfc(tmp_path: Path) -> None:
    """Unique ids spelled in NFD or with spaces are accepted and written in their one spelling."""
    folder = _bundle(tmp_path, roles=(*UNITS_ONLY, "green_space"), replace={
        "admin_units": _units_with("unit_id", [NFD_NAME, " B", "C ", "D"])})
    units = load_bundle(folder).admin_units
    assert units["unit_id"].tolist() == [NFC_NAME, "B", "C", "D"]
    path = _recipe(tmp_path, bundle=folder)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("  - id: t.rail")] + text[text.index("  - id: t.green"):],
                    encoding="utf-8")
    result = run_recipe(path, out=tmp_path / "out", as_of=AS_OF)
    written = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="units")
    assert written["unit_id"].tolist() == [NFC_NAME, "B", "C", "D"]
    # 40,000 m² of park in unit A (SYNTHETIC) over its 10,000 people: 4 m²/person
    assert written.set_index("unit_id").loc[NFC_NAME, "t_green_unit_2030_value"] == 4.0
    assert result.scorecard.loc[0, "key"] == "t.green/unit@2030"


def test_option_values_match_in_any_unicode_form(tmp_path: Path) -> None:
    """A river name typed in NFD matches the layer's NFC name: the corridor is measured."""
    hostile = _data_option(tmp_path, "river_corridor",
                           unicodedata.normalize("NFD", "sông hồng "))
    result = hostile.call()
    assert isinstance(result, RunResult)
    value = result.scorecard.set_index("key").loc["t.data", "value"]
    # SYNTHETIC: a 2 km line 500 m from the top edge, buffered 500 m each side and clipped to
    # the 2 km x 2 km city: 2,000 m x 1,000 m = 2 km²
    assert value == pytest.approx(2.0, rel=1e-3)


def test_station_line_reference_is_normalised(tmp_path: Path) -> None:
    layer = synthetic.layers()["stations"].copy()
    layer["line_id"] = ["L1 ", " L1", "L1", None]
    folder = _bundle(tmp_path, roles=TRANSIT, replace={"stations": layer})
    stations = load_bundle(folder).stations
    assert stations["line_id"].tolist()[:3] == ["L1", "L1", "L1"]
    assert stations["line_id"].isna().iloc[3]  # a station with no line yet is allowed


def test_status_case_and_spaces_are_normalised(tmp_path: Path) -> None:
    folder = _layer_bundle(tmp_path, "stations", "status",
                           [" Operating", "OPERATING ", "operating", "planned"])
    assert load_bundle(folder).stations["status"].tolist() == [
        "operating", "operating", "operating", "planned"]


def test_densest_real_wards_pass(tmp_path: Path) -> None:
    """100,000 people in 1 km² (SYNTHETIC; the densest Vietnamese wards) is plausible."""
    units = _units_with("population", [100_000, 20_000, 6_000, 4_000])
    units["urban_population"] = [100_000, 20_000, 0, 1_000]
    folder = _bundle(tmp_path, replace={"admin_units": units})
    assert len(load_bundle(folder).validate().layers) >= 2


def test_slug_collision_in_a_recipe_built_in_python(tmp_path: Path) -> None:
    """A Recipe made with model_validate skips load_recipe's checks: the run refuses it."""
    from geoplan.analyses.recipe import Recipe

    recipe = load_recipe(_recipe(tmp_path, rail_only=True))
    raw = recipe.model_dump(by_alias=True)
    raw["targets"].append({**raw["targets"][0], "id": "t_rail"})
    built = Recipe.model_validate(raw)
    with pytest.raises(RecipeError, match=re.escape(
            "targets 't.rail@2030' and 't_rail@2030' give the same name 't_rail_2030'")):
        run_recipe(built, as_of=AS_OF)


def test_every_shipped_slug_is_unique() -> None:
    from geoplan.analyses.recipe import iter_goals, list_recipes

    for path in list_recipes():
        recipe = load_recipe(path)
        keys = [goal.key for _, _, goal in iter_goals(recipe)]
        slugs = [slugify(k) for k in set(keys)]
        assert len(slugs) == len(set(slugs)), path


# -- non-regular files: never opened, described ------------------------------------------------
def _within(seconds: float, call: Callable[[], object]) -> BaseException | object:
    """Run ``call`` in a daemon thread; fail (instead of hanging) if it does not return."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:  # handed back to the test
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        pytest.fail(f"blocked for {seconds} s: a non-regular file was opened")
    return box.get("error", box.get("value"))


def _cli(argv: list[str]) -> subprocess.CompletedProcess[str]:
    """``geoplan ARGV`` in a child process, killed by the watchdog if it blocks."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = "import sys; from geoplan.cli import main; sys.exit(main(sys.argv[1:]))"
    try:
        return subprocess.run([sys.executable, "-c", code, "--quiet", *argv], env=env,
                              capture_output=True, text=True, timeout=WATCHDOG_S, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"geoplan {' '.join(argv)} blocked: a non-regular file was opened")


def _fifo(path: Path) -> Path:
    if path.exists():
        path.unlink()
    os.mkfifo(path)
    return path


@dataclass(frozen=True)
class FileCase:
    """A non-regular file where geoplan expects a data file."""

    id: str
    error: type[GeoplanError]
    match: str
    build: Callable[[Path], Hostile]


def _fifo_data(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    _fifo(folder / "synthetic.gpkg")
    return _validate(folder)


def _fifo_show(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    _fifo(folder / "synthetic.gpkg")
    return Hostile(["layers", "show", str(folder)], lambda: _raise_summary(folder))


def _raise_summary(folder: Path) -> None:
    problems = [row.problem for row in load_bundle(folder).summary() if row.problem]
    raise LayerValidationError([p for p in problems if p], bundle="synthetic")


def _fifo_map(tmp: Path) -> Hostile:
    from geoplan.maps import map_bundle

    folder = _bundle(tmp)
    _fifo(folder / "synthetic.gpkg")
    return Hostile(["map", str(folder), "--out", str(tmp / "map.html")],
                   lambda: map_bundle(load_bundle(folder)))


def _fifo_run(tmp: Path) -> Hostile:
    folder = _bundle(tmp, roles=TRANSIT)
    _fifo(folder / "synthetic.gpkg")
    path = _recipe(tmp, bundle=folder, rail_only=True)
    out = tmp / "out"
    return Hostile(["run", str(path), "--out", str(out), "--as-of", AS_OF.isoformat()],
                   lambda: run_recipe(path, out=out, as_of=AS_OF))


def _fifo_manifest_by_name(tmp: Path) -> Hostile:
    folder = _bundle(tmp / "layers")
    _fifo(folder / "bundle.yaml")
    os.environ["GEOPLAN_LAYERS"] = str(tmp / "layers")  # restored by the test's monkeypatch
    return Hostile(["layers", "validate", "bundle"], lambda: load_bundle("bundle"))


def _fifo_companion(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    _fifo(folder / "synthetic.gpkg-wal")
    return _validate(folder)


def _fifo_manifest(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    _fifo(folder / "bundle.yaml")
    return Hostile(["layers", "validate", str(folder)], lambda: load_bundle(folder))


def _fifo_raster(tmp: Path) -> Hostile:
    folder = _raster_bundle(tmp, crs=synthetic.CRS, values=_pop_grid(), nodata=None)
    _fifo(folder / "pop.tif")
    return _validate(folder)


def _folder_as_data(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    (folder / "synthetic.gpkg").unlink()
    (folder / "synthetic.gpkg").mkdir()
    return _validate(folder)


def _symlink_out(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    outside = tmp / "elsewhere.gpkg"
    (folder / "synthetic.gpkg").rename(outside)
    (folder / "synthetic.gpkg").symlink_to(outside)
    return _validate(folder)


def _fifo_recipe(tmp: Path) -> Hostile:
    path = _fifo(tmp / "recipe.yaml")
    return _load_recipe(path)


def _fifo_history(tmp: Path) -> Hostile:
    path = _recipe(tmp, rail_only=True)
    out = tmp / "monitor-out"
    out.mkdir()
    _fifo(out / "history.parquet")
    return Hostile(["monitor", str(path), "--out", str(out), "--to", AS_OF.isoformat()],
                   lambda: monitor_recipe(path, out=out, end=AS_OF))


def _fifo_history_lock(tmp: Path) -> Hostile:
    path = _recipe(tmp, rail_only=True)
    out = tmp / "monitor-out"
    out.mkdir()
    _fifo(out / ".history.parquet.lock")
    return Hostile(["monitor", str(path), "--out", str(out), "--to", AS_OF.isoformat()],
                   lambda: monitor_recipe(path, out=out, end=AS_OF))


def _fifo_osm(tmp: Path) -> Hostile:
    path = _fifo(tmp / "city.osm.pbf")
    layers = tmp / "layers"
    return Hostile(["import-osm", str(path), "--city", "x", "--layers-dir", str(layers)],
                   lambda: import_osm(path, city="x", layers_dir=layers))


FILE_CASES: list[FileCase] = [
    FileCase("fifo_data_file", LayerValidationError,
             r"synthetic/admin_units \(synthetic\.gpkg:admin_units\): file .*synthetic\.gpkg "
             r"is a FIFO \(named pipe\), not a regular file \(geoplan does not open it\); "
             r"replace it with the data file, or fix 'file' in the manifest", _fifo_data),
    FileCase("fifo_data_file_show", LayerValidationError,
             r"synthetic/admin_units .*synthetic\.gpkg is a FIFO \(named pipe\), not a regular "
             r"file", _fifo_show),
    FileCase("fifo_data_file_map", LayerValidationError,
             r"synthetic/admin_units .*synthetic\.gpkg is a FIFO \(named pipe\), not a regular "
             r"file", _fifo_map),
    FileCase("fifo_data_file_run", LayerValidationError,
             r"synthetic/metro_lines .*synthetic\.gpkg is a FIFO \(named pipe\), not a regular "
             r"file", _fifo_run),
    FileCase("fifo_manifest_by_name", LayerValidationError,
             r"bundle\.yaml is a FIFO \(named pipe\), not a regular file", _fifo_manifest_by_name),
    FileCase("fifo_beside_data_file", LayerValidationError,
             r"synthetic/admin_units .*synthetic\.gpkg-wal \(read together with "
             r"synthetic\.gpkg\) is a FIFO \(named pipe\), not a regular file",
             _fifo_companion),
    FileCase("fifo_manifest", LayerValidationError,
             r"bundle\.yaml is a FIFO \(named pipe\), not a regular file \(geoplan does not "
             r"open it\); replace it with the bundle's YAML manifest", _fifo_manifest),
    FileCase("fifo_raster", LayerValidationError,
             r"synthetic/population_raster \(pop\.tif\): file .*pop\.tif is a FIFO \(named "
             r"pipe\), not a regular file", _fifo_raster),
    FileCase("folder_as_data_file", LayerValidationError,
             r"synthetic/admin_units .*synthetic\.gpkg is a folder, not a regular file",
             _folder_as_data),
    FileCase("symlink_outside_bundle", LayerValidationError,
             r"bundle\.yaml: layer 'admin_units' points outside the bundle folder "
             r"\(synthetic\.gpkg through a symbolic link to .*elsewhere\.gpkg\); keep data "
             r"files inside", _symlink_out),
    FileCase("fifo_recipe", RecipeError,
             r"recipe\.yaml is a FIFO \(named pipe\), not a regular file; give the path of a "
             r"recipe YAML file", _fifo_recipe),
    # the monitor checks its history and lock as outputs before reading or computing anything
    FileCase("fifo_history", OutputError,
             r"cannot write \S*/history\.parquet: it is a FIFO \(named pipe\), not a regular "
             r"file; geoplan writes only regular files and never replaces a device, FIFO or "
             r"socket", _fifo_history),
    FileCase("fifo_history_lock", OutputError,
             r"cannot write \S*/\.history\.parquet\.lock: it is a FIFO \(named pipe\), not a "
             r"regular file", _fifo_history_lock),
    FileCase("fifo_osm_file", SourceDataError,
             r"OSM file .*city\.osm\.pbf is a FIFO \(named pipe\), not a regular file; give "
             r"the path of an \.osm or \.osm\.pbf file", _fifo_osm),
]


@pytest.mark.parametrize("case", FILE_CASES, ids=[c.id for c in FILE_CASES])
def test_non_regular_file_is_described_never_opened(case: FileCase, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEOPLAN_LAYERS", os.environ.get("GEOPLAN_LAYERS", ""))
    hostile = case.build(tmp_path)
    done = _cli(hostile.argv)
    err = flat(done.stderr)
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert err.startswith("error: "), err
    assert re.search(case.match, err), err
    outcome = _within(WATCHDOG_S, hostile.call)
    assert isinstance(outcome, case.error), outcome
    assert isinstance(outcome, ValueError | OSError | LookupError)
    assert re.search(case.match, flat(str(outcome))), str(outcome)


def test_file_guard_kinds(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "pipe")
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("SYNTHETIC", encoding="utf-8")
    (tmp_path / "dangling").symlink_to(tmp_path / "nothing")
    assert file_kind(fifo) == "a FIFO (named pipe)"
    assert file_kind(tmp_path / "dir") == "a folder"
    assert file_kind(tmp_path / "file") is None
    assert file_kind(tmp_path / "dangling") == "missing"
    assert file_kind("/dev/null") == "a character device"
    import socket

    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(tmp_path / "sock"))
        assert file_kind(tmp_path / "sock") == "a socket"
        assert "is a socket, not a regular file" in str(regular_file_problem(tmp_path / "sock"))
    assert regular_file_problem(tmp_path / "file") is None
    assert regular_file_problem(tmp_path / "file", inside=tmp_path / "dir") is not None


def test_read_history_of_a_fifo_does_not_block(tmp_path: Path) -> None:
    fifo = _fifo(tmp_path / "history.parquet")
    outcome = _within(WATCHDOG_S, lambda: read_history(fifo))
    assert isinstance(outcome, HistoryError)
    assert "is a FIFO (named pipe)" in str(outcome)


# -- documentation ------------------------------------------------------------------------------
def test_every_case_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = {line.split("|")[1].strip(): line for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| case")
            and not line.startswith("|---")}
    ids = [c.id for c in CASES] + [c.id for c in FILE_CASES]
    assert len(ids) == len(set(ids))
    assert set(ids) <= set(rows), sorted(set(ids) - set(rows))
    for case in [*CASES, *FILE_CASES]:
        assert f"`{case.error.__name__}`" in rows[case.id], case.id


def test_country_sized_totals_are_plausible(tmp_path: Path) -> None:
    # the national bundle's census total (GSO 2019: 96,208,984) and a country-wide WorldPop
    # grid (about 97 million people) are real figures: only a unit above 50 million, or a
    # total above 200 million, is implausible
    from geoplan.raster import raster_problems

    national = _statistics(tmp_path / "national", _stat("population_2019", "96208984"))
    assert load_bundle(national.argv[-1]).manifest.statistics[
        "population_2019"].value == 96_208_984
    folder = _raster_bundle(tmp_path / "raster", crs=synthetic.CRS,
                            values=_pop_grid(97_000_000 / 16), nodata=None)
    assert raster_problems(folder / "pop.tif") == []
    doubled = _raster_bundle(tmp_path / "doubled", crs=synthetic.CRS,
                             values=_pop_grid(2 * 200_000_000 / 16), nodata=None)
    assert "more than 200,000,000" in " ".join(raster_problems(doubled / "pop.tif"))


def test_widths_and_corridor_checked_for_python_callers_too(tmp_path: Path) -> None:
    # a Python caller bypasses load_recipe: the indicators check the same options themselves
    from geoplan.analyses.landuse import road_area, road_widths
    from geoplan.analyses.rivers import river_corridor

    bundle = load_bundle(synthetic.write_bundle(tmp_path / "b", roles=(*UNITS_ONLY,
                                                                       "street_network")))
    with pytest.raises(RecipeError, match=r"road_area: option widths: street class "
                                          r"'residental' \(did you mean 'residential'\?\)"):
        road_area(bundle, widths={"residental": 5.0})
    for width in (-6.0, 0.0, 1e300, float("nan")):
        with pytest.raises(RecipeError, match=r"is not a number of metres in \(0, 100\]"):
            road_widths("road_area", {"residential": width})
    assert road_widths("road_area", {"residential": 5})["residential"] == 5.0
    assert road_widths("road_area", None)["primary"] == 14.0  # the documented table
    with pytest.raises(RecipeError, match=r"at most 20,000"):
        river_corridor(bundle, corridor_width_m=1e300)


# -- files that cannot be resolved or must not be opened, found by the outside review ---------
def test_data_file_that_is_a_link_loop_or_holds_nul_is_a_clear_error(tmp_path: Path) -> None:
    for case, file in (("data_file_link_loop", "loop.gpkg"),
                       ("data_file_nul", "syn\\0thetic.gpkg")):
        folder = _bundle(tmp_path / case)
        if case == "data_file_link_loop":
            (folder / "loop.gpkg").symlink_to("loop.gpkg")
        manifest = folder / "bundle.yaml"
        manifest.write_text(manifest.read_text(encoding="utf-8").replace(
            "file: synthetic.gpkg", f'file: "{file}"', 1), encoding="utf-8")
        for argv in (["layers", "show", str(folder)], ["layers", "validate", str(folder)],
                     ["map", str(folder), "--out", str(tmp_path / f"{case}.html")]):
            done = _cli(argv)
            assert done.returncode == 2, (case, argv, done.stderr)
            assert "Traceback" not in done.stderr
            assert "cannot be resolved" in flat(done.stderr), done.stderr
        with pytest.raises(LayerValidationError, match=r"cannot be resolved"):
            load_bundle(folder).validate()
        assert not (tmp_path / f"{case}.html").exists()


def test_import_osm_never_opens_a_fifo_layer_of_the_bundle(tmp_path: Path) -> None:
    from tests.test_import_osm import _OSM

    osm = tmp_path / "x.osm"
    osm.write_text(_OSM, encoding="utf-8")  # SYNTHETIC extract
    layers = tmp_path / "layers"
    args = ["import-osm", str(osm), "--city", "t1", "--layers-dir", str(layers)]
    assert _cli(args).returncode == 0
    street = layers / "t1" / "osm_street_network.parquet"
    assert street.is_file()
    _fifo(street)
    # the watchdog fails the test if the import opens the FIFO to count its features
    done = _cli([*args, "--only", "street_network", "--replace", "street_network"])
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "FIFO" in flat(done.stderr), done.stderr


def test_build_source_with_a_fifo_beside_it_is_refused(tmp_path: Path) -> None:
    from geoplan.errors import SourceDataError
    from geoplan.layers.build._common import source_path

    (tmp_path / "gb").mkdir()
    (tmp_path / "gb" / "adm1.shp").write_bytes(b"SYNTHETIC")
    _fifo(tmp_path / "gb" / "adm1.dbf")  # GDAL opens the .dbf with the .shp: it would block
    outcome = _within(WATCHDOG_S, lambda: source_path(tmp_path, "gb/adm1.shp"))
    assert isinstance(outcome, SourceDataError), outcome
    assert re.search(r"adm1\.dbf \(read together with adm1\.shp\) is a FIFO \(named pipe\)",
                     str(outcome)), outcome


def test_text_in_a_number_column_of_a_geopackage_is_a_problem(tmp_path: Path) -> None:
    # SQLite keeps what it is given: 'twenty thousand' in the INTEGER population column was
    # read by GDAL as 0 (and '6000 người' as 6000), and validate said nothing
    import sqlite3

    folder = _bundle(tmp_path)
    con = sqlite3.connect(folder / "synthetic.gpkg")
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):  # gpkg triggers
        con.create_function(name, 1, lambda _: 0)
    con.execute("UPDATE admin_units SET population = 'twenty thousand' WHERE unit_id = 'A'")
    con.execute("UPDATE admin_units SET population = '6000 người' WHERE unit_id = 'C'")
    con.commit()
    con.close()
    before = sorted(p.name for p in folder.iterdir())
    pattern = (r"synthetic/admin_units \(synthetic\.gpkg:admin_units\): column 'population' is "
               r"a number column but 2 cell\(s\) hold text \(e\.g\. '6000 người'\), which GDAL "
               r"reads as 0 or as its leading digits; write numbers in those cells")
    done = _cli(["layers", "validate", str(folder)])
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert re.search(pattern, flat(done.stderr)), done.stderr
    with pytest.raises(LayerValidationError, match=pattern):
        load_bundle(folder).validate()
    assert sorted(p.name for p in folder.iterdir()) == before  # no -wal or -shm left beside
