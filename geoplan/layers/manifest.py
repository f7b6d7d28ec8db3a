"""The bundle manifest (``bundle.yaml``): what a bundle holds and where each layer comes from.

Example::

    name: hanoi
    title: Hà Nội
    attribution: "© OpenStreetMap contributors, ODbL"
    layers:
      admin_units:
        file: hanoi.gpkg
        layer: admin_units
        crs: EPSG:4326
        columns: {unit_id: str, name: str, population: int}
        source: OSM relation ... ; GSO 2019 census
        licence: ODbL 1.0; GSO public
        date: "2025-07-01"
        method: ...
      green_space:
        missing: "no city-wide OSM green-space data in the sources"

A layer entry either points at data (``file`` and, for GeoPackage, ``layer``) or says it is
``missing`` with the reason. Paths are relative to the bundle folder and may not leave it.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import shapely
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pyproj import CRS

from geoplan._dates import check_date
from geoplan._yaml import YAMLContentError, YAMLFileError, dotted, load_yaml, read_yaml_file
from geoplan.errors import CRSError, LayerValidationError
from geoplan.layers._where import MANIFEST_NAME
from geoplan.layers.roles import DTYPES, MAX_TOTAL_POPULATION, normalise_id

__all__ = [
    "MANIFEST_NAME",
    "STAT_UNITS",
    "LayerEntry",
    "Manifest",
    "Statistic",
    "extent_geometry",
    "extent_text",
    "read_manifest",
    "write_manifest",
]


#: The units a manifest statistic may have (each figure in its base unit: a count of
#: ``people``, never ``thousand people``), so that two statistics an indicator combines are
#: comparable (see :func:`geoplan.analyses.urbanisation.urbanisation_rate`).
STAT_UNITS: tuple[str, ...] = (
    "people", "households", "dwellings", "%", "km", "m", "km2", "ha", "m2", "m2/person",
    "people/km2", "people/ha", "km/km2", "VND", "VND/person", "USD", "USD/person", "count",
)
#: Frequent other spellings of a unit of :data:`STAT_UNITS`.
_UNIT_ALIASES = {
    "persons": "people", "person": "people", "inhabitants": "people", "population": "people",
    "percent": "%", "pct": "%", "km²": "km2", "sq km": "km2", "m²": "m2", "hectares": "ha",
    "m²/person": "m2/person", "people/km²": "people/km2", "persons/km2": "people/km2",
}


#: Largest extent text a manifest entry may carry (a simplified polygon, not a layer).
MAX_EXTENT_CHARS = 200_000


def extent_geometry(text: str) -> shapely.Geometry:
    """The covered extent of a layer from its manifest text (WKT, longitude/latitude).

    An entry's ``extent`` is the polygon a layer's data covers: outside it nothing is known
    (a unit there gets no value, never zero). ``None`` (no extent) means the layer covers the
    whole bundle.

    Parameters
    ----------
    text
        WKT of a Polygon or MultiPolygon in EPSG:4326.

    Returns
    -------
    shapely Polygon or MultiPolygon

    Raises
    ------
    ValueError
        If the text is too long, not WKT, not polygonal, empty or outside longitude/latitude.

    Examples
    --------
    >>> extent_geometry("POLYGON ((105 21, 106 21, 106 22, 105 21))").geom_type
    'Polygon'
    """
    if len(text) > MAX_EXTENT_CHARS:
        message = (f"extent has {len(text):,} characters (at most {MAX_EXTENT_CHARS:,}); "
                   "simplify the polygon")
        raise ValueError(message)
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException:
        message = "extent is not WKT; write a POLYGON or MULTIPOLYGON in longitude/latitude"
        raise ValueError(message) from None
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        kind = "empty" if geom is None or geom.is_empty else f"a {geom.geom_type}"
        message = f"extent is {kind}; write a POLYGON or MULTIPOLYGON in longitude/latitude"
        raise ValueError(message)
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        message = ("extent lies outside longitude -180…180 / latitude -90…90; write it in "
                   "EPSG:4326")
        raise ValueError(message)
    return shapely.make_valid(geom) if not geom.is_valid else geom


def extent_text(geom: shapely.Geometry, *, tolerance: float = 1e-4) -> str:
    """The manifest text of a covered extent: ``geom`` (EPSG:4326) simplified, as WKT.

    Parameters
    ----------
    geom
        Polygonal geometry in longitude/latitude.
    tolerance
        Simplification tolerance in degrees (1e-4° ≈ 11 m).

    Returns
    -------
    str
        WKT with 6 decimals that :func:`extent_geometry` reads back.
    """
    simple = shapely.simplify(shapely.make_valid(geom), tolerance, preserve_topology=True)
    polys = [g for g in shapely.get_parts(simple) if g.geom_type in ("Polygon", "MultiPolygon")]
    shape = shapely.union_all(polys) if polys else shapely.box(*geom.bounds)
    text = shapely.to_wkt(shape, rounding_precision=6, trim=True)
    while len(text) > MAX_EXTENT_CHARS:
        tolerance *= 4
        shape = shapely.simplify(shape, tolerance, preserve_topology=True)
        text = shapely.to_wkt(shape, rounding_precision=6, trim=True)
    return text


class LayerEntry(BaseModel):
    """One role of a bundle: where its data is and where it came from."""

    model_config = ConfigDict(extra="forbid")

    file: str | None = None
    layer: str | None = None
    crs: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)
    id_column: str | None = None
    source: str = ""
    licence: str = ""
    date: str = ""
    method: str = ""
    attribution: str = ""
    coverage: Literal["full", "partial"] = "full"
    coverage_note: str = ""
    extent: str | None = None
    approximate: bool = False
    missing: str | None = None
    previous: LayerEntry | None = None

    @field_validator("columns")
    @classmethod
    def _known_dtypes(cls, value: dict[str, str]) -> dict[str, str]:
        bad = {k: v for k, v in value.items() if v not in DTYPES}
        if bad:
            listed = ", ".join(f"{k}: {v}" for k, v in bad.items())
            message = f"unknown column dtype(s) {listed}; use one of {', '.join(DTYPES)}"
            raise ValueError(message)
        return value

    @field_validator("crs")
    @classmethod
    def _known_crs(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            CRS.from_user_input(value)
        except Exception:  # pyproj raises its own CRSError for unknown codes
            message = f"{value!r} is not a CRS pyproj knows; use e.g. EPSG:4326 or EPSG:32648"
            raise ValueError(message) from None
        return value

    @field_validator("extent")
    @classmethod
    def _polygon_extent(cls, value: str | None) -> str | None:
        if value is not None:
            extent_geometry(value)  # raises ValueError with the reason
        return value

    @property
    def is_missing(self) -> bool:
        """True when the manifest says this role has no data."""
        return self.missing is not None


LayerEntry.model_rebuild()


class Statistic(BaseModel):
    """A non-spatial figure a bundle carries (e.g. a census total), with its citation.

    The value must be finite and the unit one of :data:`STAT_UNITS`; a count of ``people``
    must be a whole number between 0 and :data:`~geoplan.layers.roles.MAX_TOTAL_POPULATION`,
    a ``%`` within 0…100. The date follows :func:`geoplan._dates.check_date` (an unquoted
    YAML date is kept as its ISO text).
    """

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    value: float
    unit: str
    date: str
    source: str
    note: str = ""

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, value: str) -> str:
        unit = value.strip()
        if unit in STAT_UNITS:
            return unit
        close = _UNIT_ALIASES.get(unit.lower()) or next(
            iter(difflib.get_close_matches(unit, STAT_UNITS, n=1)), None)
        hint = f"did you mean {close!r}? " if close else ""
        message = (f"unit {value[:40]!r} is not a statistics unit; {hint}use one of "
                   f"{', '.join(STAT_UNITS)} (a figure in its base unit: 12500, not 12.5 "
                   "thousand people)")
        raise ValueError(message)

    @field_validator("date", mode="before")
    @classmethod
    def _real_date(cls, value: Any) -> str:
        return check_date(value)


class Manifest(BaseModel):
    """A bundle manifest."""

    model_config = ConfigDict(extra="forbid")

    name: str
    title: str = ""
    description: str = ""
    country: str = ""
    metric_crs: str | None = None
    attribution: str = ""
    built_with: str = ""
    layers: dict[str, LayerEntry]
    statistics: dict[str, Statistic] = Field(default_factory=dict)

    @field_validator("statistics")
    @classmethod
    def _plausible_statistics(cls, value: dict[str, Statistic]) -> dict[str, Statistic]:
        """Keys in their one spelling (NFC, trimmed), unique, non-empty; plausible values."""
        problems: list[str] = []
        out: dict[str, Statistic] = {}
        spelled: dict[str, str] = {}
        for key, stat in value.items():
            name = normalise_id(key)
            if name is None:
                problems.append(f"key {key!r} is empty (or a lost NULL); name the statistic")
                continue
            if name in out:
                problems.append(f"keys {spelled[name]!r} and {key!r} are the same name once "
                                "Unicode-normalised and trimmed; keep one")
                continue
            spelled[name] = key
            out[name] = stat
            if stat.unit == "people" and not (0 <= stat.value <= MAX_TOTAL_POPULATION
                                              and float(stat.value).is_integer()):
                problems.append(f"{name}: {stat.value:g} people is not a plausible count "
                                f"(a whole number from 0 to {MAX_TOTAL_POPULATION:,}); fix "
                                "the value")
            if stat.unit == "%" and not 0 <= stat.value <= 100:
                problems.append(f"{name}: {stat.value:g}% is outside 0…100; fix the value")
        for name, stat in out.items():  # a part cannot exceed its whole
            whole = out.get(name.replace("urban_population", "population", 1))
            if name.startswith("urban_population") and whole is not None \
                    and stat.unit == whole.unit and stat.value > whole.value:
                problems.append(f"{name} ({stat.value:,.0f}) is more than "
                                f"{name.replace('urban_population', 'population', 1)} "
                                f"({whole.value:,.0f}); fix one of them")
        if problems:
            raise ValueError("; ".join(problems))
        return out

    @field_validator("metric_crs")
    @classmethod
    def _measurable(cls, value: str | None) -> str | None:
        if value is not None:
            from geoplan.crs import require_metric  # imports geopandas: only when needed

            try:
                require_metric(value, what=value)
            except CRSError as exc:  # reported with its key by read_manifest
                raise ValueError(str(exc).split(": ", 1)[1]) from None
        return value


def read_manifest(path: Path) -> Manifest:
    """Read and check a manifest file.

    Parameters
    ----------
    path
        Path to ``bundle.yaml``.

    Returns
    -------
    Manifest

    Raises
    ------
    LayerValidationError
        If the file cannot be read, is malformed YAML, goes beyond the limits of
        :mod:`geoplan._yaml` (size, nesting, aliases, digits, impossible dates) or does not
        follow the manifest schema; every problem is listed with its line or key.
    """
    from geoplan.io import regular_file_problem

    problem = regular_file_problem(path)
    if problem is not None:  # never open a FIFO or a device: it would block or be garbage
        message = f"{problem}; replace it with the bundle's YAML manifest"
        raise LayerValidationError([message], bundle=str(path.parent))
    try:
        doc = load_yaml(read_yaml_file(path, what="manifest"))
    except YAMLFileError as exc:
        message = f"{path}: {exc}"
        raise LayerValidationError([message], bundle=str(path.parent)) from None
    except YAMLContentError as exc:
        problems = [f"{path}: line {line}: {msg}" for line, msg in exc.problems]
        raise LayerValidationError(problems, bundle=str(path.parent)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        message = f"{path}:{where} malformed YAML ({getattr(exc, 'problem', exc)}); fix the syntax"
        raise LayerValidationError([message], bundle=str(path.parent)) from None
    except UnicodeDecodeError:
        message = f"{path}: not UTF-8 text; save the manifest as UTF-8"
        raise LayerValidationError([message], bundle=str(path.parent)) from None
    except OSError as exc:
        message = f"{path}: cannot read the manifest ({exc.strerror or exc}); check the file"
        raise LayerValidationError([message], bundle=str(path.parent)) from None
    if doc.duplicates:  # the later one would silently win: all of them, with their lines
        problems = [f"{path}: line {line}: key {dotted(key)} given twice (the later value "
                    "would silently replace the first); keep one"
                    for key, line in doc.duplicates]
        raise LayerValidationError(problems, bundle=str(path.parent))
    raw: Any = doc.data
    if not isinstance(raw, dict):
        message = f"{path}: the manifest must be a mapping with 'name' and 'layers'"
        raise LayerValidationError([message], bundle=str(path.parent))
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = [_schema_problem(path, err) for err in exc.errors()]
        raise LayerValidationError(problems, bundle=str(path.parent)) from None


def _schema_problem(path: Path, err: Any) -> str:
    """One schema error of a manifest as ``file: key a.b.c: what; fix``."""
    loc = [str(p) for p in err["loc"]]
    key = ".".join(loc)
    if err["type"] == "extra_forbidden":
        model: type[BaseModel] = Manifest if len(loc) == 1 else (
            LayerEntry if loc[0] == "layers" else Statistic)
        close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return (f"{path}: key {key}: unknown key; {hint}known keys: "
                f"{', '.join(model.model_fields)}")
    if err["type"] == "missing":
        return f"{path}: key {key}: required key missing; add it"
    message = str(err["msg"]).removeprefix("Value error, ")
    if err["type"] == "finite_number":
        message += " (not .nan, .inf or a number beyond 1e308): write the figure"
    return f"{path}: key {key}: {message}"


def write_manifest(manifest: Manifest, path: Path) -> None:
    """Write ``manifest`` as YAML to ``path`` atomically (keys in schema order)."""
    from geoplan.io import atomic_write_text

    data = manifest.model_dump(mode="json", exclude_defaults=False)
    def compact(entry: dict[str, Any]) -> None:
        for key in [k for k, v in entry.items() if v in (None, "", {})]:
            del entry[key]
        if isinstance(entry.get("previous"), dict):
            entry["previous"].pop("previous", None)  # one step back; older ones are backups
            compact(entry["previous"])

    for role, entry in list(data["layers"].items()):
        if entry.get("missing") is not None and entry.get("previous") is None:
            data["layers"][role] = {"missing": entry["missing"]}  # a missing role says why
            continue
        compact(entry)
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    atomic_write_text(path, text)
