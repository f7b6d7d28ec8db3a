"""Hostile inputs: every bad bundle, recipe or argument gets a clear answer, never a traceback.

Each case of :data:`CASES` builds one hostile input (from the SYNTHETIC bundle writer of
tests/synthetic.py; nothing here is real data) and is answered twice:

* through the command line (``geoplan.cli.main``): exit code 2, no traceback, and a message
  that names the file/layer/column/key and says how to fix it;
* through the Python API: the specific :class:`~geoplan.errors.GeoplanError` subclass with the
  same message.

The cases answered by a counted, logged repair or an honest "no value" instead of an error
(invalid geometry, zero population, a station far from every street, HTML in names), and the
guarantees about outputs (atomic writes, Ctrl-C, inputs opened read-only) have their own tests
below. docs/BAD_INPUTS.md lists every case with its answer; a test keeps it in step.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon

from geoplan.analyses.green import green_space_per_capita
from geoplan.analyses.recipe import load_recipe
from geoplan.analyses.transit import transit_coverage
from geoplan.cli import main
from geoplan.errors import (
    BundleNotFoundError,
    GeoplanError,
    LayerValidationError,
    OutputError,
    RecipeError,
)
from geoplan.io import sha256_file
from geoplan.layers import GeometryRepairWarning, load_bundle
from geoplan.maps import map_bundle, save_map
from geoplan.workflows import run as run_module
from geoplan.workflows.run import OUTPUT_FILES, run_recipe
from tests import synthetic
from tests._hostile import assert_refused, cli, flat
from tests.synthetic import X0, Y0

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "BAD_INPUTS.md"
AS_OF = date(2026, 11, 24)
#: Roles of the small bundles most cases need (fast to write).
UNITS_ONLY = ("admin_units", "city_boundary")
TRANSIT = ("admin_units", "city_boundary", "metro_lines", "stations", "green_space")

RECIPE = """\
id: hostile
title: {{vi: Thử nghiệm, en: Hostile inputs}}
bundle: {bundle}
document:
  number: 99-NQ/TW
  title: {{vi: Văn bản thử, en: Test document}}
  date: 2021-01-01
  issuer: SYNTHETIC
targets:
  - id: t.rail
    title: {{vi: Đường sắt, en: Rail in service}}
    indicator: rail_length
    comparator: ">="
    value: 1.5
    unit: km
    year: 2030
    source: {{document: 99-NQ/TW, date: 2021-01-01, section: "1"}}
  - id: t.cov
    title: {{vi: Dân số gần ga, en: People near stations}}
    indicator: transit_coverage
    options: {{mode: rail, distance_m: 1000}}
    comparator: ">="
    value: 50
    unit: "%"
    year: 2030
    source: {{document: 99-NQ/TW, date: 2021-01-01, section: "2"}}
  - id: t.green
    title: {{vi: Cây xanh, en: Green space}}
    indicator: green_space_per_capita
    scope: unit
    comparator: ">="
    value: 1
    unit: m2/person
    year: 2030
    source: {{document: 99-NQ/TW, date: 2021-01-01, section: "3"}}
"""


# -- building hostile inputs ------------------------------------------------------------------
def _bundle(tmp: Path, *, roles: tuple[str, ...] = UNITS_ONLY, **kwargs: Any) -> Path:
    return synthetic.write_bundle(tmp / "bundle", roles=roles, **kwargs)


def _units(**columns: Any) -> gpd.GeoDataFrame:
    units = synthetic.admin_units()
    for column, values in columns.items():
        units[column] = values
    return units


def _edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _swap_xy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    swapped = shapely.transform(gdf.geometry.to_numpy(), lambda xy: xy[:, ::-1])
    return gdf.set_geometry(gpd.GeoSeries(swapped, index=gdf.index, crs=gdf.crs))


def _moved(gdf: gpd.GeoDataFrame, dx: float, dy: float | None = None) -> gpd.GeoDataFrame:
    return gdf.set_geometry(gdf.translate(dx, dx if dy is None else dy))


def _with_geometry(index: int, geometry: Any) -> gpd.GeoDataFrame:
    units = synthetic.admin_units()
    values = units.geometry.to_numpy().copy()
    values[index] = geometry
    return units.set_geometry(gpd.GeoSeries(values, index=units.index, crs=units.crs))


def _latin1_names(folder: Path) -> Path:
    """Store unit A's name as Latin-1 bytes, as legacy tools do (not UTF-8 text)."""
    con = sqlite3.connect(folder / "synthetic.gpkg")
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):  # gpkg triggers
        con.create_function(name, 1, lambda _: 0)
    con.execute("UPDATE admin_units SET name = CAST(? AS TEXT) WHERE unit_id = 'A'",
                ("Phường Hà".encode("latin-1", "replace"),))
    con.commit()
    con.close()
    return folder


def _recipe(tmp: Path, edits: tuple[tuple[str, str], ...] = (), *,
            bundle: Path | str | None = None, roles: tuple[str, ...] = TRANSIT,
            rail_only: bool = False) -> Path:
    """The hostile recipe: RECIPE with ``edits`` applied, on a small SYNTHETIC bundle
    (``rail_only``: only its first, quick target)."""
    where = bundle if bundle is not None else _bundle(tmp, roles=roles)
    text = RECIPE.format(bundle=where)
    if rail_only:
        text = text[: text.index("  - id: t.cov")]
    path = tmp / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    for old, new in edits:
        _edit(path, old, new)
    return path


def _unwritable(tmp: Path) -> Path:
    """A folder nobody can write into: read-only, or (for root, whom permissions do not stop)
    a path whose parent is a regular file."""
    locked = tmp / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        (locked / "probe").write_text("x", encoding="utf-8")
    except PermissionError:
        return locked / "out"
    (locked / "probe").unlink()
    blocker = tmp / "blocker"
    blocker.write_text("a regular file where a folder is needed", encoding="utf-8")
    return blocker / "out"


@dataclass(frozen=True)
class Hostile:
    """A hostile input ready to be fed: CLI arguments and the equivalent API call."""

    argv: list[str]
    call: Callable[[], object]


def _validate(folder: Path) -> Hostile:
    return Hostile(["layers", "validate", str(folder)], lambda: load_bundle(folder).validate())


def _load_recipe(path: Path) -> Hostile:
    return Hostile(["run", str(path), "--out", str(path.parent / "out")],
                   lambda: load_recipe(path))


def _run(path: Path, out: Path | None = None, **cli: str) -> Hostile:
    folder = out if out is not None else path.parent / "out"
    argv = ["run", str(path), "--out", str(folder), "--as-of", AS_OF.isoformat()]
    for option, value in cli.items():
        argv += [f"--{option}", value]
    return Hostile(argv, lambda: run_recipe(path, out=folder, as_of=AS_OF, **cli))


@dataclass(frozen=True)
class Case:
    """One hostile input and the answer it must get (see the module docstring)."""

    id: str
    error: type[GeoplanError]
    match: str  # regex on the message (whitespace normalised): what, where and the fix
    build: Callable[[Path], Hostile]


def _bad_crs_value(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    _edit(folder / "bundle.yaml", "    layer: admin_units\n",
          "    layer: admin_units\n    crs: EPSG:nonsense\n")
    return _validate(folder)


def _crs_mismatch(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    _edit(folder / "bundle.yaml", "    layer: admin_units\n",
          "    layer: admin_units\n    crs: EPSG:4326\n")
    return _validate(folder)


def _strict_bowtie(tmp: Path) -> Hostile:
    bowtie = Polygon([(X0 + 100, Y0 + 100), (X0 + 300, Y0 + 300), (X0 + 300, Y0 + 100),
                      (X0 + 100, Y0 + 300)])
    green = gpd.GeoDataFrame({"kind": ["park"]}, geometry=[bowtie], crs=synthetic.CRS)
    folder = _bundle(tmp, roles=(*UNITS_ONLY, "green_space"), replace={"green_space": green})
    return Hostile(["layers", "validate", str(folder), "--strict"],
                   lambda: load_bundle(folder).validate(strict=True))


def _truncated(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    data = (folder / "synthetic.gpkg").read_bytes()
    (folder / "synthetic.gpkg").write_bytes(data[: len(data) // 3])
    return _validate(folder)


def _not_gpkg(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    (folder / "synthetic.gpkg").write_text("unit_id,name\nA,Phường A\n", encoding="utf-8")
    return _validate(folder)


def _no_data_file(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    (folder / "synthetic.gpkg").unlink()
    return _validate(folder)


def _manifest(tmp: Path, old: str, new: str) -> Hostile:
    folder = _bundle(tmp)
    _edit(folder / "bundle.yaml", old, new)
    return _validate(folder)


def _manifest_bytes(tmp: Path, data: bytes) -> Hostile:
    folder = _bundle(tmp)
    (folder / "bundle.yaml").write_bytes(data)
    return _validate(folder)


def _map_into_folder(tmp: Path) -> Hostile:
    folder = _bundle(tmp)
    target = tmp / "maps"
    target.mkdir()
    return Hostile(["map", str(folder), "--out", str(target)],
                   lambda: save_map(map_bundle(folder), target))


def _folder_in_the_way(tmp: Path) -> Hostile:
    path = _recipe(tmp, rail_only=True)
    out = tmp / "out"
    (out / "scorecard.csv").mkdir(parents=True)
    return _run(path, out)


CASES: tuple[Case, ...] = (
    # -- bundles: CRS and coordinates
    Case("missing_crs", LayerValidationError,
         r"synthetic/admin_units \(synthetic\.gpkg:admin_units\): no CRS; set it in the file",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": synthetic.admin_units().set_crs(None, allow_override=True)}))),
    Case("lat_lon_swapped", LayerValidationError,
         r"admin_units .*coordinates \(21\.0\d*, 105\.8\d*\) .* outside longitude/latitude "
         r"range .*axes may be swapped",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": _swap_xy(synthetic.admin_units().to_crs(4326))}))),
    Case("xy_swapped_utm", LayerValidationError,
         r"admin_units .* not where EPSG:32648 is used \(102…108° E, 0…84° N; .*x and y "
         r"swapped: set the right CRS in the file",
         lambda t: _validate(_bundle(t, replace={"admin_units": _swap_xy(
             synthetic.admin_units())}))),
    Case("enormous_coordinates", LayerValidationError,
         r"admin_units .*coordinates \(1e\+12, .* not where EPSG:32648 is used .*maps to no "
         r"place on Earth",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": _moved(synthetic.admin_units(), 1e12)}))),
    Case("enormous_degrees", LayerValidationError,
         r"admin_units .*coordinates \(1\.0*\d*e\+07, .* outside longitude/latitude range",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": _moved(synthetic.admin_units().to_crs(4326), 1e7)}))),
    Case("geographic_metric_crs", LayerValidationError,
         r"bundle\.yaml: key metric_crs: EPSG:4326 is geographic .*need a projected CRS in "
         r"metres .*EPSG:32648",
         lambda t: _manifest(t, "metric_crs: EPSG:32648", "metric_crs: EPSG:4326")),
    Case("web_mercator_metric_crs", LayerValidationError,
         r"key metric_crs: EPSG:3857 is a Mercator projection, whose scale changes with "
         r"latitude",
         lambda t: _manifest(t, "metric_crs: EPSG:32648", "metric_crs: EPSG:3857")),
    Case("unknown_crs", LayerValidationError,
         r"bundle\.yaml: key layers\.admin_units\.crs: 'EPSG:nonsense' is not a CRS pyproj "
         r"knows; use e\.g\. EPSG:4326", _bad_crs_value),
    Case("crs_differs_from_manifest", LayerValidationError,
         r"admin_units .*CRS is EPSG:32648 but the manifest says EPSG:4326; reproject the file "
         r"or correct the manifest", _crs_mismatch),
    # -- bundles: geometry
    Case("self_intersecting_strict", LayerValidationError,
         r"green_space .*1 invalid geometry \(first: Self-intersection.*\); repair them "
         r"\(shapely\.make_valid\) or run without --strict", _strict_bowtie),
    Case("null_geometry", LayerValidationError,
         r"admin_units .*1 feature\(s\) with null or empty geometry; drop or fix them",
         lambda t: _validate(_bundle(t, replace={"admin_units": _with_geometry(0, None)}))),
    Case("empty_geometry", LayerValidationError,
         r"admin_units .*1 feature\(s\) with null or empty geometry; drop or fix them",
         lambda t: _validate(_bundle(t, replace={"admin_units": _with_geometry(2, Polygon())}))),
    Case("mixed_geometry_types", LayerValidationError,
         r"admin_units .*1 Point where admin_units needs Polygon/MultiPolygon; split or convert",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": _with_geometry(1, Point(X0 + 1500, Y0 + 500))}))),
    Case("empty_layer", LayerValidationError,
         r"synthetic/stations \(synthetic\.gpkg:stations\): the layer is empty; fill it or mark "
         r"the role as missing",
         lambda t: _validate(_bundle(t, roles=(*UNITS_ONLY, "stations"), replace={
             "stations": synthetic.layers()["stations"].iloc[0:0]}))),
    # -- bundles: columns and values
    Case("missing_column", LayerValidationError,
         r"admin_units .*missing column 'unit_type' \(str\)(?! \(found)",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": synthetic.admin_units().drop(columns=["unit_type"])}))),
    Case("misspelled_column", LayerValidationError,
         r"admin_units .*missing column 'population' \(int\) \(found 'populaton': rename it\)",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": synthetic.admin_units().rename(columns={"population":
                                                                     "populaton"})}))),
    Case("markup_in_column_name", LayerValidationError,
         r"missing column 'population' \(int\) \(found '\[/population\]': rename it\)",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": synthetic.admin_units().rename(columns={"population":
                                                                     "[/population]"})}))),
    Case("population_as_text", LayerValidationError,
         r"admin_units .*column 'population' holds \w+ values \(e\.g\. '10000'\); expected "
         r"numbers: convert the column",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": _units(population=["10000", "20000", "6000", "4000"])}))),
    Case("population_negative", LayerValidationError,
         r"admin_units .*1 unit\(s\) with negative population \(B\); fill column 'population' "
         r"with the census count",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": _units(population=[10_000, -20_000, 6_000, 4_000])}))),
    Case("population_nan", LayerValidationError,
         r"admin_units .*2 unit\(s\) with no population \(C, D\); fill column 'population' "
         r"with the census count \(0 if nobody lives there\)",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": _units(population=[10_000.0, 20_000.0, np.nan, np.nan])}))),
    Case("duplicate_unit_ids", LayerValidationError,
         r"admin_units .*1 duplicate 'unit_id' value\(s\) \(A\); ids must be unique",
         lambda t: _validate(_bundle(t, replace={"admin_units": _units(
             unit_id=["A", "A", "C", "D"])}))),
    Case("overlapping_units", LayerValidationError,
         r"admin_units .*1 pair\(s\) of units overlap by more than 1% of the smaller unit "
         r"\(A/B 50%\); people living there would be counted twice",
         lambda t: _validate(_bundle(t, replace={"admin_units": _with_geometry(
             1, synthetic._b(500, 0, 2000, 1000))}))),
    Case("units_outside_city", LayerValidationError,
         r"admin_units .*4 unit\(s\) lie outside city_boundary by more than 1% of their area "
         r"\(A 100%, B 100%, C 100%, D 100%\); .*check the CRS of both files",
         lambda t: _validate(_bundle(t, replace={
             "admin_units": _moved(synthetic.admin_units(), 30_000, 0)}))),
    Case("non_utf8_names", LayerValidationError,
         r"admin_units .*text in synthetic\.gpkg is not UTF-8 \(byte b'\\xe0' .*convert the "
         r"file's text to UTF-8",
         lambda t: _validate(_latin1_names(_bundle(t)))),
    # -- bundles: files and manifest
    Case("truncated_geopackage", LayerValidationError,
         r"admin_units \(synthetic\.gpkg:admin_units\): cannot read synthetic\.gpkg .*the file "
         r"is truncated or not in the format its extension says", _truncated),
    Case("not_a_geopackage", LayerValidationError,
         r"cannot read synthetic\.gpkg .*not recognized as being in a supported file format.*"
         r"truncated or not in the format its extension says", _not_gpkg),
    Case("missing_data_file", LayerValidationError,
         r"admin_units .*file .*synthetic\.gpkg does not exist; rebuild the bundle or fix "
         r"'file'", _no_data_file),
    Case("manifest_path_outside_bundle", LayerValidationError,
         r"bundle\.yaml: layer 'admin_units' points outside the bundle folder "
         r"\(\.\./\.\./etc/passwd\); keep data files inside",
         lambda t: _manifest(t, "file: synthetic.gpkg\n    layer: admin_units",
                             "file: ../../etc/passwd\n    layer: admin_units")),
    Case("manifest_malformed_yaml", LayerValidationError,
         r"bundle\.yaml: line \d+ malformed YAML \(.*\); fix the syntax",
         lambda t: _manifest(t, "layers:\n", "layers: [\n")),
    Case("manifest_not_utf8", LayerValidationError,
         r"bundle\.yaml: not UTF-8 text; save the manifest as UTF-8",
         lambda t: _manifest_bytes(t, "name: Hà Đông\nlayers: {}\n".encode("cp1258"))),
    Case("manifest_unknown_key", LayerValidationError,
         r"bundle\.yaml: key layers\.admin_units\.fil: unknown key; did you mean 'file'\?",
         lambda t: _manifest(t, "    layer: admin_units\n",
                             "    layer: admin_units\n    fil: x.gpkg\n")),
    Case("misspelled_role", LayerValidationError,
         r"bundle\.yaml: role 'city_boundry' is not a role geoplan knows; did you mean "
         r"'city_boundary'\? Rename it",
         lambda t: _manifest(t, "  city_boundary:", "  city_boundry:")),
    Case("missing_geopackage_layer", LayerValidationError,
         r"admin_units \(synthetic\.gpkg:units\): no layer 'units' in synthetic\.gpkg \(layers: "
         r"admin_units, city_boundary\); fix 'layer' in the manifest",
         lambda t: _manifest(t, "layer: admin_units", "layer: units")),
    Case("unknown_bundle", BundleNotFoundError,
         r"no bundle 'atlantis': give a bundle name \(known: .*\) or the path of a folder "
         r"holding bundle\.yaml",
         lambda t: Hostile(["layers", "validate", "atlantis"], lambda: load_bundle("atlantis"))),
    # -- recipes
    Case("recipe_malformed_yaml", RecipeError,
         r"hostile\.yaml:\d+: malformed YAML \(.*\); fix the syntax",
         lambda t: _load_recipe(_recipe(t, (("unit: km", "unit: [km"),), bundle="synthetic"))),
    Case("recipe_not_utf8", RecipeError,
         r"hostile\.yaml: not UTF-8 text; save the recipe as UTF-8",
         lambda t: _load_recipe(_recipe_bytes(t))),
    Case("recipe_missing_file", RecipeError,
         r"absent\.yaml: no such recipe file \(recipes: .*hanoi-02-nq-tw\.yaml",
         lambda t: _load_recipe(t / "absent.yaml")),
    Case("unknown_indicator", RecipeError,
         r"hostile\.yaml:12: targets\[0\]\.indicator: unknown indicator 'rail_lenght'\. Did "
         r"you mean 'rail_length'\?",
         lambda t: _load_recipe(_recipe(t, (("rail_length", "rail_lenght"),),
                                        bundle="synthetic"))),
    Case("unit_mismatch", RecipeError,
         r"hostile\.yaml:15: targets\[0\]\.unit: indicator 'rail_length' reports km; the target "
         r"says m: set unit: km",
         lambda t: _load_recipe(_recipe(t, (("unit: km", "unit: m"),), bundle="synthetic"))),
    Case("target_year_in_the_past", RecipeError,
         r"hostile\.yaml:16: targets\[0\]: target year 2019 is before the document's year 2021"
         r"; .*fix year",
         lambda t: _load_recipe(_recipe(t, (("year: 2030", "year: 2019"),),
                                        bundle="synthetic"))),
    Case("range_min_above_max", RecipeError,
         r"hostile\.yaml:\d+: targets\[1\]: range with min 70 > max 60; swap them",
         lambda t: _load_recipe(_recipe(t, (('comparator: ">="\n    value: 50',
                                             "comparator: range\n    min: 70\n    max: 60"),),
                                        bundle="synthetic"))),
    Case("target_value_infinite", RecipeError,
         r"hostile\.yaml:14: targets\[0\]\.value: Input should be a finite number; fix the "
         r"value",
         lambda t: _load_recipe(_recipe(t, (("value: 1.5", "value: .inf"),),
                                        bundle="synthetic"))),
    Case("option_text_for_number", RecipeError,
         r"hostile\.yaml:\d+: targets\[1\]\.options\.distance_m: 'a thousand' does not fit the "
         r"option's type float \| None \(Input should be a valid number\); fix the value",
         lambda t: _load_recipe(_recipe(t, (("distance_m: 1000", "distance_m: a thousand"),),
                                        bundle="synthetic"))),
    Case("option_text_for_list", RecipeError,
         r"targets\[1\]\.options\.statuses: 'operating' does not fit the option's type "
         r"Sequence\[LineStatus\] \('str' instances are not allowed as a Sequence value\)",
         lambda t: _load_recipe(_recipe(t, (("mode: rail,", "mode: rail, statuses: operating,"),),
                                        bundle="synthetic"))),
    Case("option_absurd_distance", RecipeError,
         r"hostile\.yaml: target t\.cov@2030: transit_coverage: bad option\(s\) "
         r"distance_m=1e\+300 \(use a positive number of metres, at most 100,000\)",
         lambda t: _run(_recipe(t, (("distance_m: 1000", "distance_m: 1.0e+300"),)))),
    Case("recipe_unknown_bundle", BundleNotFoundError,
         r"no bundle 'atlantis': give a bundle name",
         lambda t: _run(_recipe(t, bundle="atlantis", rail_only=True))),
    Case("recipe_on_broken_bundle", LayerValidationError,
         r"admin_units .*1 duplicate 'unit_id' value\(s\) \(A\)",
         lambda t: _run(_recipe(t, bundle=_bundle(t, roles=TRANSIT, replace={
             "admin_units": _units(unit_id=["A", "A", "C", "D"])})))),
    # -- arguments and outputs
    Case("unknown_language", RecipeError, r"unknown language 'fr'; use one of vi, en",
         lambda t: _run_lang(t)),
    Case("output_folder_not_writable", OutputError,
         r"cannot write .*out: .*; choose a writable folder with --out",
         lambda t: _run(_recipe(t, rail_only=True), _unwritable(t))),
    Case("output_parent_is_a_file", OutputError,
         r"cannot write .*blocker/out: .*blocker is a file, not a folder; choose a writable "
         r"folder with --out", lambda t: _run(_recipe(t, rail_only=True), _blocked(t))),
    Case("output_is_a_folder", OutputError,
         r"cannot write .*maps: it is a folder; give the path of a file inside it "
         r"\(e\.g\. .*maps/index\.html\)", _map_into_folder),
    Case("output_name_taken_by_a_folder", OutputError,
         r"cannot write .*out/scorecard\.csv: a folder of that name is in the way; move it or "
         r"choose another folder with --out", _folder_in_the_way),
)


def _recipe_bytes(tmp: Path) -> Path:
    """The recipe saved in Windows-1258 (a legacy Vietnamese code page), not UTF-8."""
    path = tmp / "hostile.yaml"
    text = RECIPE.format(bundle="synthetic").replace("Thử nghiệm", "Hà Đông")
    path.write_bytes(text.replace("Văn bản thử", "Van ban").replace("Đường sắt", "Duong sat")
                     .replace("Dân số gần ga", "Dan so").replace("Cây xanh", "Cay xanh")
                     .encode("cp1258"))
    return path


def _run_lang(tmp: Path) -> Hostile:
    path = _recipe(tmp, rail_only=True)
    hostile = _run(path)
    return Hostile([*hostile.argv, "--lang", "fr"],
                   lambda: run_recipe(path, as_of=AS_OF, lang="fr"))


def _blocked(tmp: Path) -> Path:
    blocker = tmp / "blocker"
    blocker.write_text("a regular file", encoding="utf-8")
    return blocker / "out"


@pytest.fixture
def quiet_repairs() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GeometryRepairWarning)
        yield


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_input_gets_a_clear_error(case: Case, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    hostile = case.build(tmp_path)
    if case.id == "unknown_language":  # an argument typer checks itself: a usage error
        code, err = cli(hostile.argv, capsys)
        assert code == 2
        assert "Invalid value for --lang: use one of vi, en" in err
        with pytest.raises(case.error, match=case.match):
            hostile.call()
        return
    assert_refused(hostile.argv, hostile.call, case.error, case.match, capsys)


def test_at_least_thirty_cases_and_all_documented() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)
    # the sections after the marker belong to tests/test_trust_*.py, which check their own
    table = DOCS.read_text(encoding="utf-8").split(TRUST_SECTIONS)[0]
    rows = {line.split("|")[1].strip().strip("`"): line for line in table.splitlines()
            if line.startswith("| `")}
    documented = {c.id for c in CASES} | set(SEPARATE_CASES)
    assert documented <= set(rows), sorted(documented - set(rows))
    for case in CASES:
        assert f"`{case.error.__name__}`" in rows[case.id], case.id
    assert set(rows) <= documented, sorted(set(rows) - documented)


#: Marks where the sections of the hostile classes of tests/test_trust_*.py begin.
TRUST_SECTIONS = "<!-- sections below: tests/test_trust_*.py -->"

#: Cases answered by a repair, an honest "no value" or an output guarantee: tested below.
SEPARATE_CASES = (
    "self_intersecting_repaired", "zero_population", "all_zero_population",
    "station_far_from_streets", "html_in_names", "geographic_layers", "web_mercator_layers",
    "ctrl_c_while_writing", "ctrl_c_during_commit", "inputs_read_only",
    "markup_in_bundle_title",
)


# -- answered by a counted repair or by an honest "no value" ------------------------------------
def test_self_intersecting_polygons_are_repaired_and_counted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bowtie = Polygon([(X0 + 100, Y0 + 100), (X0 + 300, Y0 + 300), (X0 + 300, Y0 + 100),
                      (X0 + 100, Y0 + 300)])
    green = gpd.GeoDataFrame({"kind": ["park"] * 3}, geometry=[bowtie] * 3, crs=synthetic.CRS)
    folder = _bundle(tmp_path, roles=(*UNITS_ONLY, "green_space"),
                     replace={"green_space": green})
    with pytest.warns(GeometryRepairWarning, match=r"green_space .*repaired 3 invalid "
                                                   r"geometries with make_valid"):
        report = load_bundle(folder).validate()
    assert report.repaired == 3
    assert main(["layers", "validate", str(folder)]) == 0
    out = flat(capsys.readouterr().out)
    assert "3 geometries repaired" in out


def _zero_population_run(tmp: Path, populations: list[int]) -> Any:
    units = _units(population=populations, urban_population=[0] * 4,
                   rural_population=populations)
    folder = _bundle(tmp, roles=TRANSIT, replace={"admin_units": units})
    return run_recipe(_recipe(tmp, bundle=folder), as_of=AS_OF, out=tmp / "out")


def test_zero_population_gives_no_value_never_inf(tmp_path: Path) -> None:
    # unit A (which holds the 200 m x 200 m park) has nobody: 40,000 m² / 0 people would be inf
    result = _zero_population_run(tmp_path, [0, 20_000, 6_000, 4_000])
    green = result.indicators["green_space_per_capita"]
    assert np.isnan(green.per_unit["A"])
    assert green.per_unit[["B", "C", "D"]].tolist() == [0.0, 0.0, 0.0]
    assert green.city == pytest.approx(40_000 / 30_000)  # park area over the people there are
    assert "population 0: per-person value undefined" in green.details["per_unit"].loc[
        "A", "note"]
    card = result.scorecard.set_index("key")
    assert np.isfinite(card["value"].dropna()).all()
    assert card.loc["t.green/unit@2030", "units_evaluated"] == 3  # A is not judged
    text = (tmp_path / "out" / "scorecard.csv").read_text(encoding="utf-8")
    assert "inf" not in text.lower()


def test_all_zero_population_is_no_data(tmp_path: Path) -> None:
    result = _zero_population_run(tmp_path, [0, 0, 0, 0])
    card = result.scorecard.set_index("key")
    assert result.indicators["transit_coverage(distance_m=1000, mode=rail)"].city is None
    assert card.loc["t.cov@2030", "status"] == "no data"
    assert card.loc["t.green/unit@2030", "status"] == "no data"
    assert np.isfinite(card["value"].dropna()).all()


def test_station_far_from_every_street_is_counted_and_logged(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    stations = synthetic.layers()["stations"]
    stations.loc[len(stations)] = {"station_id": "S9", "name": "Ga xa", "line_id": "L1",
                                   "status": "operating", "opening_date": "2021-11-06",
                                   "approximate": False,
                                   "geometry": Point(X0 + 1500, Y0 - 5000)}
    folder = _bundle(tmp_path, roles=(*TRANSIT, "street_network"),
                     replace={"stations": stations})
    with caplog.at_level("WARNING", logger="geoplan.network"):
        far = transit_coverage(load_bundle(folder), as_of=AS_OF, method="network")
    assert "Ga xa / S9: 5000 m" in caplog.text
    assert "1 of the 4 stations lie farther than 250 m from every street and are left out: " \
           "Ga xa" in far.method
    assert far.details["left_out"]["nearest_street_m"].tolist() == pytest.approx([5000.0])
    # the far station reaches no street: coverage equals that of the three snapped stations
    near = transit_coverage(_near_only(tmp_path), as_of=AS_OF, method="network")
    assert far.city == pytest.approx(near.city)


def _near_only(tmp: Path) -> Any:
    return load_bundle(synthetic.write_bundle(tmp / "near", roles=(*TRANSIT, "street_network")))


XSS = '<script>alert("geoplan")</script>'


def test_html_and_script_in_names_are_escaped(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    units = _units(name=[XSS, "B & <b>bold</b>", "C", "D"])
    stations = synthetic.layers()["stations"]
    stations["name"] = ["<img src=x onerror=alert(1)>", "S2", "S3", "S4"]
    folder = _bundle(tmp_path, roles=TRANSIT, replace={"admin_units": units,
                                                       "stations": stations})
    path = _recipe(tmp_path, (("en: Rail in service", f"en: '{XSS} [/] | rail'"),),
                   bundle=folder)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--as-of", "2026-11-24",
                 "--lang", "en"]) == 0
    printed = capsys.readouterr().out
    assert "[/]" in printed  # rich markup in data is printed as text, not interpreted
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    markdown = (tmp_path / "out" / "scorecard.md").read_text(encoding="utf-8")
    for text in (page, markdown):
        assert "<script>alert" not in text
        assert "<img src=x" not in text
    assert "&lt;script&gt;alert(&quot;geoplan&quot;)&lt;/script&gt;" in page  # escaped, shown
    assert "&lt;script&gt;alert(\"geoplan\")&lt;/script&gt; \\[/\\] \\| rail" in markdown


@pytest.mark.parametrize("epsg", [4326, 3857])
def test_layers_in_degrees_or_web_mercator_are_measured_in_utm(tmp_path: Path,
                                                               epsg: int) -> None:
    # the same SYNTHETIC layers stored in EPSG:4326 (degrees) or EPSG:3857 (Web Mercator,
    # +15% areas at this latitude) give the values measured in UTM 48N
    base = load_bundle(_bundle(tmp_path, roles=TRANSIT))
    moved = {role: gdf.to_crs(epsg) for role, gdf in synthetic.layers().items()
             if role in TRANSIT}
    other = load_bundle(synthetic.write_bundle(tmp_path / str(epsg), roles=TRANSIT,
                                               replace=moved))
    _edit(other.path / "bundle.yaml", "metric_crs: EPSG:32648\n", "")
    other = load_bundle(other.path)
    assert other.metric_crs.to_epsg() == 32648
    for func in (transit_coverage, green_space_per_capita):
        a, b = func(base, as_of=AS_OF), func(other, as_of=AS_OF)
        assert b.city == pytest.approx(a.city, rel=1e-6), func.__name__


def test_markup_in_bundle_title_is_printed_as_text(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = _bundle(tmp_path)
    _edit(folder / "bundle.yaml", "title: SYNTHETIC test bundle (not real data)",
          'title: "[/] [bold]SYNTHETIC[/bold] test bundle"')
    code = main(["layers", "show", str(folder)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert code == 0
    assert "[/] [bold]SYNTHETIC[/bold]" in flat(captured.out)


# -- outputs: atomic, interrupted, inputs read-only --------------------------------------------
def _outputs(folder: Path) -> dict[str, str]:
    return {p.name: sha256_file(p) for p in sorted(folder.iterdir())}


@pytest.fixture
def previous_run(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    path = _recipe(tmp_path)
    out = tmp_path / "out"
    run_recipe(path, out=out, as_of=AS_OF)
    return path, out, _outputs(out)


def test_ctrl_c_while_writing_leaves_previous_outputs(
        previous_run: tuple[Path, Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    path, out, before = previous_run
    assert set(before) == set(OUTPUT_FILES)

    def interrupted(result: Any, target: Path) -> bool:
        target.write_text("<html><body>half a ma", encoding="utf-8")
        raise KeyboardInterrupt  # Ctrl-C in the middle of writing the map

    monkeypatch.setattr(run_module, "_write_map", interrupted)
    with pytest.raises(KeyboardInterrupt):  # another date: every output would change
        run_recipe(path, out=out, as_of=date(2027, 1, 1))
    assert _outputs(out) == before  # byte-identical, and no temporary file left
    code = main(["run", str(path), "--out", str(out), "--as-of", "2027-01-01"])
    assert code == 130
    assert "interrupted: outputs already written are left as they were" in flat(
        capsys.readouterr().err)
    assert _outputs(out) == before


def test_ctrl_c_during_the_commit_finishes_it(
        previous_run: tuple[Path, Path, dict[str, str]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path, out, before = previous_run
    original = Path.replace

    def replace(self: Path, target: Any) -> Path:
        if self.name == "scorecard.md":  # the second rename of the commit: a real SIGINT
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        run_recipe(path, out=out, as_of=date(2027, 1, 1))
    after = _outputs(out)
    assert set(after) == set(before)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == set(OUTPUT_FILES)  # the whole new set, not half of each
    prov = json.loads((out / "provenance.json").read_text(encoding="utf-8"))
    assert prov["parameters"]["as_of"] == "2027-01-01"
    assert prov["outputs"] == {k: v for k, v in after.items() if k != "provenance.json"}


#: Files opened from Python while recording (path, mode, flags); None when not recording.
_OPENED: list[tuple[str, Any, int]] | None = None
_HOOKED: list[bool] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _OPENED is not None and isinstance(args[0], str | Path):
        _OPENED.append((str(args[0]), args[1], int(args[2] or 0)))


def test_inputs_are_opened_read_only_and_not_modified(tmp_path: Path) -> None:
    global _OPENED
    if not _HOOKED:  # audit hooks cannot be removed: one for the session, idle unless recording
        sys.addaudithook(_audit)  # Python-level opens; GDAL's own are covered by the snapshot
        _HOOKED.append(True)
    folder = _bundle(tmp_path, roles=(*TRANSIT, "street_network", "bus_stops"))
    path = _recipe(tmp_path, bundle=folder)
    inputs = [*sorted(folder.iterdir()), path]

    def snapshot() -> list[tuple[str, int, int, str]]:
        return [(p.name, p.stat().st_size, p.stat().st_mtime_ns, sha256_file(p))
                for p in inputs]

    before = snapshot()
    _OPENED = []
    try:
        run_recipe(path, out=tmp_path / "out", as_of=AS_OF)
        save_map(map_bundle(folder), tmp_path / "layers.html")
    finally:
        opened, _OPENED = _OPENED, None
    assert snapshot() == before
    assert sorted(p.name for p in folder.iterdir()) == [p.name for p in inputs[:-1]]  # no sidecar
    writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
    ours = [o for o in opened if Path(o[0]).resolve().parent in {folder.resolve(),
                                                                 path.parent.resolve()}
            and Path(o[0]).name in {p.name for p in inputs}]
    assert ours  # the manifest, the recipe and the checksummed data files were read
    for name, mode, flags in ours:
        assert not (isinstance(mode, str) and set(mode) & set("wax+")), (name, mode)
        assert not flags & writes, (name, flags)


def test_map_output_has_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _bundle(tmp_path, roles=TRANSIT)
    target = tmp_path / "maps" / "layers.html"
    assert main(["map", str(folder), "--out", str(target), "--lang", "en"]) == 0
    assert "layers.provenance.json" in capsys.readouterr().out
    prov = json.loads((target.parent / "layers.provenance.json").read_text(encoding="utf-8"))
    assert prov["command"] == "map"
    assert prov["outputs"] == {"layers.html": sha256_file(target)}
    assert prov["parameters"] == {"lang": "en", "tiles": "none"}
    inputs = {row["path"]: row["sha256"] for row in prov["inputs"]}
    assert inputs == {"bundle.yaml": sha256_file(folder / "bundle.yaml"),
                      "synthetic.gpkg": sha256_file(folder / "synthetic.gpkg")}
    assert prov["geoplan_version"] and "shapely" in prov["dependencies"]
    assert prov["duration_s"] >= 0 and prov["finished"] >= prov["started"]
