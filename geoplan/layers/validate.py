"""Checks of one layer against its role and manifest entry; collects every problem.

Problems are returned as strings (each names the layer, the column or the count, and the fix)
so that a bundle's validation can report them all at once in one
:class:`~geoplan.errors.LayerValidationError`. Invalid geometries are repaired with
:func:`shapely.make_valid` and counted, unless ``strict=True``, where they are problems.
"""

from __future__ import annotations

import difflib
import logging
import re
import warnings
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geoplan._dates import MAX_YEAR, MIN_YEAR
from geoplan.crs import WGS84, metric_crs
from geoplan.layers.manifest import LayerEntry
from geoplan.layers.roles import (
    ID_COLUMNS,
    MAX_DENSITY_PER_KM2,
    MAX_POPULATION,
    MAX_TOTAL_POPULATION,
    REFERENCE_COLUMNS,
    VOCABULARIES,
    normalise_id,
    role_spec,
)

__all__ = [
    "OVERLAP_TOLERANCE",
    "GeometryRepairWarning",
    "LayerCheck",
    "check_layer",
    "check_units_in_boundary",
]

logger = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

#: Share of a unit's area that may overlap another unit, or lie outside the city boundary,
#: before it is a problem: digitised borders of neighbouring units never match exactly (the
#: Hà Nội wards overlap by at most 0.22% of a unit and stick out of the city by at most
#: 0.07%), while a larger share would count the people living there twice (or nowhere).
OVERLAP_TOLERANCE = 0.01
#: Degrees by which a layer may extend beyond its projected CRS's area of use (UTM zones are
#: often used a little beyond their 6° band); further out, the coordinates are in another CRS.
_AREA_OF_USE_MARGIN_DEG = 5.0


class GeometryRepairWarning(UserWarning):
    """Invalid geometries were repaired with ``make_valid``; the message counts them."""


@dataclass
class LayerCheck:
    """The outcome of :func:`check_layer`.

    Attributes
    ----------
    data
        The layer, with invalid geometries repaired (a copy; the input is untouched).
    problems
        One line per problem; empty when the layer is usable.
    repaired
        How many invalid geometries were repaired.
    """

    data: gpd.GeoDataFrame
    problems: list[str]
    repaired: int = 0


def _dtype_problem(series: pd.Series, dtype: str) -> str | None:
    values = series.dropna()
    if dtype == "str":
        if pd.api.types.is_string_dtype(series) or all(isinstance(v, str) for v in values):
            return None
        return f"holds {series.dtype} values; expected text"
    if dtype == "bool":
        if pd.api.types.is_bool_dtype(series):
            return None
        if pd.api.types.is_integer_dtype(series) and values.isin([0, 1]).all():
            return None
        return f"holds {series.dtype} values; expected true/false"
    if dtype in {"int", "float"}:
        if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            sample = values.head(1).tolist()
            hint = f" (e.g. {sample[0]!r})" if sample else ""
            return f"holds {series.dtype} values{hint}; expected numbers: convert the column"
        numbers = values.to_numpy(dtype=float)
        numbers = numbers[np.isfinite(numbers)]  # inf is reported as not finite, not fractional
        if dtype == "int" and not np.all(np.mod(numbers, 1) == 0):
            return "holds fractional values; expected whole numbers"
        return None
    if dtype == "date":
        if pd.api.types.is_datetime64_any_dtype(series):
            return None
        texts = values.astype(str)
        bad = texts[(texts != "") & ~texts.str.match(_ISO_DATE)]
        if bad.empty:
            return None
        return f"holds {bad.iloc[0]!r}; expected ISO dates YYYY-MM-DD (or empty)"
    return None  # pragma: no cover - dtypes are checked by the manifest schema


def check_layer(
    data: gpd.GeoDataFrame,
    *,
    role: str,
    entry: LayerEntry | None = None,
    where: str = "",
    strict: bool = False,
) -> LayerCheck:
    """Check a vector layer for ``role`` and collect every problem.

    Parameters
    ----------
    data
        The layer as read from its file (not modified).
    role
        Role the layer plays (``admin_units``, ``stations``, ...).
    entry
        Its manifest entry, for declared columns, id column and CRS.
    where
        How to name the layer in messages (e.g. ``"hanoi/admin_units (hanoi.gpkg:admin_units)"``).
    strict
        Report invalid geometries as problems instead of repairing them.

    Returns
    -------
    LayerCheck

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Polygon
    >>> bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])  # synthetic, self-intersecting
    >>> gdf = gpd.GeoDataFrame({"kind": ["park"]}, geometry=[bowtie], crs=32648)
    >>> check_layer(gdf, role="green_space", strict=True).problems  # doctest: +ELLIPSIS
    ['...1 invalid geometr...']
    """
    spec = role_spec(role)
    label = where or role
    problems: list[str] = []
    entry = entry or LayerEntry()

    if data.crs is None:
        problems.append(
            f"{label}: no CRS; set it in the file (e.g. EPSG:4326 for longitude/latitude)"
        )
    elif entry.crs and not CRS.from_user_input(data.crs).equals(CRS.from_user_input(entry.crs)):
        problems.append(
            f"{label}: CRS is {CRS.from_user_input(data.crs).to_string()} but the manifest says "
            f"{entry.crs}; reproject the file or correct the manifest"
        )

    if data.empty:
        problems.append(f"{label}: the layer is empty; fill it or mark the role as missing")
        return LayerCheck(data, problems)

    geom = data.geometry
    nulls = int((geom.isna() | geom.is_empty).sum())
    if nulls:
        problems.append(
            f"{label}: {nulls} feature(s) with null or empty geometry; drop or fix them"
        )
    present = geom[~(geom.isna() | geom.is_empty)]
    if spec.geometry_types:
        types = present.geom_type.value_counts()
        wrong = types[~types.index.isin(spec.geometry_types)]
        if not wrong.empty:
            found = ", ".join(f"{n} {t}" for t, n in wrong.items())
            problems.append(
                f"{label}: {found} where {role} needs {'/'.join(spec.geometry_types)}; "
                "split or convert the features"
            )

    extent = _extent_problem(present, CRS.from_user_input(data.crs), label) \
        if data.crs is not None and len(present) else None
    if extent:
        problems.append(extent)
    geometry_ok = data.crs is not None and not nulls and not extent and (
        not spec.geometry_types or present.geom_type.isin(spec.geometry_types).all())

    required = {**spec.columns, **entry.columns}
    # a missing column is suggested among the columns no rule asks for (never 'unit_id' for
    # a missing 'unit_type': renaming that one would break another rule)
    columns = [c for c in data.columns if c != data.geometry.name and c not in required]
    for column, dtype in required.items():
        if column not in data.columns:
            close = difflib.get_close_matches(column, columns, n=1)
            hint = f" (found {close[0]!r}: rename it)" if close else ""
            problems.append(f"{label}: missing column {column!r} ({dtype}){hint}")
            continue
        issue = _dtype_problem(data[column], dtype)
        if issue:
            problems.append(f"{label}: column {column!r} {issue}")

    id_column = entry.id_column or spec.id_column
    # ids in their one spelling (NFC, trimmed), on a copy; then never empty, and unique
    id_columns = [c for c in dict.fromkeys((*ID_COLUMNS.get(role, ()), id_column))
                  if c and c in data.columns and not _dtype_problem(data[c], "str")]
    vocab = {c: v for c, v in VOCABULARIES.get(role, {}).items()
             if c in data.columns and not _dtype_problem(data[c], "str")}
    references = [c for c in REFERENCE_COLUMNS.get(role, ())
                  if c in data.columns and not _dtype_problem(data[c], "str")]
    if id_columns or vocab or references:
        data = data.copy()
    for column in references:
        data[column] = data[column].map(normalise_id).astype(object)
    for column in id_columns:
        problems.extend(_id_problems(data, column, label, unique=column == id_column))
    for column, allowed in vocab.items():
        problems.extend(_vocabulary_problems(data, column, allowed, label))
    if id_column and id_column in data.columns and id_column not in id_columns:
        dup = data[id_column][data[id_column].duplicated(keep=False)].dropna()
        if not dup.empty:
            shown = ", ".join(map(str, sorted(set(dup.astype(str)))[:5]))
            problems.append(
                f"{label}: {dup.nunique()} duplicate {id_column!r} value(s) ({shown}); "
                "ids must be unique"
            )

    names = data[id_column].astype(str) if id_column and id_column in data.columns \
        else pd.Series(np.arange(1, len(data) + 1).astype(str), index=data.index)
    problems.extend(_value_problems(data, role, label, names, required))
    if role == "admin_units" and geometry_ok and "population" in data.columns \
            and not _dtype_problem(data["population"], "int"):
        problems.extend(_density_problems(data, label, names))

    repaired = 0
    checked = data
    valid = shapely.is_valid(geom.to_numpy())
    invalid = ~valid & ~(geom.isna() | geom.is_empty).to_numpy()
    n_invalid = int(invalid.sum())
    if n_invalid:
        reasons = shapely.is_valid_reason(geom.to_numpy()[invalid])
        first = str(reasons[0])
        if strict:
            problems.append(
                f"{label}: {n_invalid} invalid geometr{'y' if n_invalid == 1 else 'ies'} "
                f"(first: {first}); repair them (shapely.make_valid) or run without --strict"
            )
        else:
            checked = data.copy()
            fixed = shapely.make_valid(geom.to_numpy()[invalid])
            if spec.geometry_types and set(spec.geometry_types) <= {"Polygon", "MultiPolygon"}:
                # make_valid may return collections with slivers of lines; keep the polygons.
                fixed = np.array([_polygonal(g) for g in fixed], dtype=object)
            values = checked.geometry.to_numpy().copy()
            values[invalid] = fixed
            checked = checked.set_geometry(gpd.GeoSeries(values, index=data.index, crs=data.crs))
            repaired = n_invalid
            message = (
                f"{label}: repaired {n_invalid} invalid geometr"
                f"{'y' if n_invalid == 1 else 'ies'} with make_valid (first: {first})"
            )
            logger.warning(message)
            warnings.warn(message, GeometryRepairWarning, stacklevel=3)
    if role == "admin_units" and geometry_ok and not (strict and n_invalid):
        problems.extend(_overlap_problems(checked, label, id_column))
    return LayerCheck(checked, problems, repaired)


def _shown(names: pd.Series, bad: pd.Series | np.ndarray, n: int = 5) -> str:
    picked = names[np.asarray(bad, dtype=bool)]
    more = f", … {len(picked) - n} more" if len(picked) > n else ""
    return ", ".join(map(str, picked.head(n))) + more


def _id_problems(data: gpd.GeoDataFrame, column: str, label: str, *, unique: bool) -> list[str]:
    """Normalise id ``column`` of ``data`` in place (a copy) and report empty or repeated ids.

    Ids are compared in their one spelling (:func:`~geoplan.layers.roles.normalise_id`:
    Unicode NFC, trimmed): ``'Phường A'`` in NFD or with a trailing space is ``'Phường A'``.
    """
    raw = data[column]
    ids = raw.map(normalise_id)
    problems: list[str] = []
    features = pd.Series(np.arange(1, len(data) + 1).astype(str), index=data.index)
    lost = ids.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    empty = ids.isna() & ~lost
    if empty.any():
        problems.append(
            f"{label}: {int(empty.sum())} feature(s) with an empty or NULL {column!r} (feature "
            f"{_shown(features, empty)}); every feature needs an id: fill column {column!r}")
    if lost.any():
        texts = ", ".join(sorted({repr(str(v).strip()) for v in raw[lost]}))
        problems.append(
            f"{label}: {int(lost.sum())} feature(s) whose {column!r} is the text {texts} "
            f"(feature {_shown(features, lost)}), an empty value lost on export, not an id: "
            f"fill column {column!r} with the real ids")
    data[column] = ids.where(ids.notna(), None).astype(object)
    if unique:
        present = ids.dropna()
        dup = present[present.duplicated(keep=False)]
        if not dup.empty:
            spellings = []
            for value in sorted(set(dup))[:5]:
                forms = [_spelling(v) for v in sorted({str(v) for v in raw[ids == value]},
                                                      key=lambda v: (v != value, v))]
                spellings.append(value if len(forms) == 1 else f"{value} as {' and '.join(forms)}")
            same = "" if all(" as " not in sp for sp in spellings) else (
                " (compared after Unicode NFC normalisation and trimming spaces: these "
                "spellings are the same id)")
            problems.append(
                f"{label}: {dup.nunique()} duplicate {column!r} value(s) "
                f"({'; '.join(spellings)}){same}; ids must be unique")
    return problems


def _spelling(text: str) -> str:
    """An id as written, with what makes it differ from its normal form said in words."""
    import unicodedata

    notes = []
    if not unicodedata.is_normalized("NFC", text):
        notes.append("decomposed accents (NFD)")
    if text != text.strip():
        notes.append("surrounding spaces")
    return repr(text) + (f" ({', '.join(notes)})" if notes else "")


def _vocabulary_problems(data: gpd.GeoDataFrame, column: str, allowed: tuple[str, ...],
                         label: str) -> list[str]:
    """Normalise ``column`` (NFC, trimmed, lower case) on the copy; report unknown values."""
    import unicodedata

    def norm(v: object) -> object:
        if v is None or (isinstance(v, float) and v != v):
            return v
        return unicodedata.normalize("NFC", str(v)).strip().lower()

    values = data[column].map(norm)
    data[column] = values
    known = values.isin(allowed) | values.isna() | (values == "")
    if column != "unit_type":
        known &= values.notna() & (values != "")
    if known.all():
        return []
    bad = sorted({str(v) for v in values[~known]})
    hints = []
    for value in bad[:5]:
        close = difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)
        hints.append(f"{value!r} (did you mean {close[0]!r}?)" if close else repr(value))
    return [f"{label}: {int((~known).sum())} feature(s) with column {column!r} outside its "
            f"vocabulary: {', '.join(hints)}; use one of {', '.join(allowed)}"]


def _value_problems(data: gpd.GeoDataFrame, role: str, label: str, names: pd.Series,
                    required: dict[str, str]) -> list[str]:
    """Numbers that no real layer holds: not finite, negative, fractional people, …"""
    problems: list[str] = []
    numeric = {c: d for c, d in required.items() if d in {"int", "float"} and c in data.columns
               and not _dtype_problem(data[c], d)}
    counts = [c for c in numeric if c.endswith("population")] if role == "admin_units" else []
    for column in numeric:
        values = pd.to_numeric(data[column], errors="coerce").astype(float)
        inf = np.isinf(values.to_numpy())
        if inf.any():
            problems.append(
                f"{label}: {int(inf.sum())} feature(s) with an infinite {column!r} "
                f"({_shown(names, inf)}); fill in the real number")
        if column in counts:
            finite = values[~inf]
            if column != "population":  # 'population' has its own NaN/negative messages
                for bad, what in ((finite < 0, "negative"),):
                    if bad.any():
                        problems.append(
                            f"{label}: {int(bad.sum())} unit(s) with {what} {column!r} "
                            f"({_shown(names[~inf], bad)}); fill in the census count")
            else:
                for bad, what in ((finite < 0, "negative"), (finite.isna(), "no")):
                    if bad.any():
                        problems.append(
                            f"{label}: {int(bad.sum())} unit(s) with {what} population "
                            f"({_shown(names[~inf], bad)}); fill column 'population' with the "
                            "census count (0 if nobody lives there)")
            frac = finite.notna() & (np.mod(finite.fillna(0), 1) != 0)
            if frac.any() and required.get(column) != "int":
                problems.append(
                    f"{label}: {int(frac.sum())} unit(s) with a fractional {column!r} "
                    f"({_shown(names[~inf], frac)}); people are counted in whole numbers")
            huge = finite > MAX_POPULATION
            if huge.any():
                problems.append(
                    f"{label}: {int(huge.sum())} unit(s) with {column!r} above "
                    f"{MAX_POPULATION:,} ({_shown(names[~inf], huge)}); no Vietnamese unit or "
                    "city is that large: check the figure (and its unit)")
        elif role == "street_network" and column == "length_m":
            bad = ~inf & (values.isna() | (values < 0))
            if bad.any():
                problems.append(
                    f"{label}: {int(bad.sum())} edge(s) with a missing or negative 'length_m' "
                    f"(feature {_shown(names, bad)}); recompute the lengths in metres")
        elif column == "target_year":
            bad = values.notna() & ~inf & ((values < MIN_YEAR) | (values > MAX_YEAR))
            if bad.any():
                problems.append(
                    f"{label}: {int(bad.sum())} feature(s) with an implausible 'target_year' "
                    f"({', '.join(f'{v:g}' for v in values[bad].head(5))}); use a year "
                    f"between {MIN_YEAR} and {MAX_YEAR} or leave it empty")
    if counts and {"population", "urban_population"} <= set(counts):
        pop = pd.to_numeric(data["population"], errors="coerce").astype(float)
        for part in ("urban_population", "rural_population"):
            if part not in counts:
                continue
            share = pd.to_numeric(data[part], errors="coerce").astype(float)
            above = (share > pop + 0.5).to_numpy()
            if above.any():
                problems.append(
                    f"{label}: {int(above.sum())} unit(s) with {part!r} above 'population' "
                    f"({_shown(names, above)}); a part cannot exceed the whole: fix the census "
                    "columns")
    if role == "admin_units" and "population" in counts:
        total = pd.to_numeric(data["population"], errors="coerce").astype(float)
        total = total[np.isfinite(total)].sum()
        if total > MAX_TOTAL_POPULATION:
            problems.append(
                f"{label}: the units hold {total:,.0f} people in total, more than "
                f"{MAX_TOTAL_POPULATION:,}; check the figures (and their unit)")
    if "opening_date" in required and "opening_date" in data.columns \
            and not _dtype_problem(data["opening_date"], "date"):
        years = pd.to_datetime(data["opening_date"].astype("string").str.slice(0, 10),
                               errors="coerce", format="%Y-%m-%d").dt.year
        bad = (years.notna() & ((years < 1850) | (years > MAX_YEAR))).to_numpy()
        if bad.any():
            problems.append(
                f"{label}: {int(bad.sum())} feature(s) with an implausible 'opening_date' "
                f"({_shown(names, bad)}); urban rail opened after 1850: fix the date")
    return problems


def _density_problems(data: gpd.GeoDataFrame, label: str, names: pd.Series) -> list[str]:
    """Units holding more people per km² than :data:`MAX_DENSITY_PER_KM2`."""
    pop = pd.to_numeric(data["population"], errors="coerce").astype(float).to_numpy()
    try:
        km2 = shapely.area(data.to_crs(metric_crs(data, what=label)).geometry.to_numpy()) / 1e6
    except Exception:  # no usable metric CRS: reported by the CRS checks
        return []
    with np.errstate(invalid="ignore", divide="ignore"):
        density = np.where(km2 > 0, pop / km2, np.where(pop > 0, np.inf, 0.0))
    bad = np.isfinite(pop) & (density > MAX_DENSITY_PER_KM2)
    if not bad.any():
        return []
    worst = np.flatnonzero(bad)[np.argsort(-density[bad], kind="stable")][:5]
    shown = ", ".join(f"{names.iloc[i]} {density[i]:,.0f}/km²" for i in worst)
    return [f"{label}: {int(bad.sum())} unit(s) with more than {MAX_DENSITY_PER_KM2:,.0f} "
            f"people per km² ({shown}); the densest Vietnamese wards hold about 100,000: check "
            "the population (and its unit) and the unit's geometry"]


def _extent_problem(present: gpd.GeoSeries, crs: CRS, label: str) -> str | None:
    """Coordinates that cannot be in ``crs``: not finite, or far outside its area of use."""
    minx, miny, maxx, maxy = present.total_bounds
    where = f"coordinates ({minx:.6g}, {miny:.6g}) – ({maxx:.6g}, {maxy:.6g})"
    if not np.all(np.isfinite([minx, miny, maxx, maxy])):
        return f"{label}: coordinates that are not finite numbers (inf or NaN); fix the geometries"
    if crs.is_geographic and (minx < -180 or maxx > 180 or miny < -90 or maxy > 90):
        return (f"{label}: {where} are outside longitude/latitude range although the CRS is "
                "geographic; the axes may be swapped (lat/lon) or the CRS wrong")
    area = crs.area_of_use
    if area is None or area.west > area.east:  # unknown, or across the antimeridian
        return None
    try:
        west, south, east, north = Transformer.from_crs(crs, WGS84, always_xy=True) \
            .transform_bounds(minx, miny, maxx, maxy)
    except Exception:  # PROJ gives up on coordinates far outside the projection
        west = south = east = north = float("nan")
    m = _AREA_OF_USE_MARGIN_DEG
    if (np.all(np.isfinite([west, south, east, north])) and west >= area.west - m
            and east <= area.east + m and south >= area.south - m and north <= area.north + m):
        return None
    found = (f"{west:.1f}…{east:.1f}° E, {south:.1f}…{north:.1f}° N"
             if np.all(np.isfinite([west, south, east, north])) else "no place on Earth")
    return (f"{label}: {where} are not where {crs.to_string()} is used ("
            f"{area.west:g}…{area.east:g}° E, {area.south:g}…{area.north:g}° N; the layer maps "
            f"to {found}); the coordinates are in another CRS or have x and y swapped: "
            "set the right CRS in the file")


def _overlap_problems(units: gpd.GeoDataFrame, label: str, id_column: str | None) -> list[str]:
    """Pairs of units overlapping by more than :data:`OVERLAP_TOLERANCE` of the smaller."""
    geoms = units.to_crs(metric_crs(units, what=label)).geometry.to_numpy()
    names = units[id_column].astype(str).to_numpy() if id_column and id_column in units \
        else units.index.astype(str).to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    area = shapely.area(geoms)
    shared = shapely.area(shapely.intersection(geoms[left], geoms[right]))
    with np.errstate(invalid="ignore", divide="ignore"):
        share = shared / np.minimum(area[left], area[right])
    bad = np.flatnonzero(share > OVERLAP_TOLERANCE)
    if not len(bad):
        return []
    worst = bad[np.argsort(-share[bad], kind="stable")][:5]
    shown = ", ".join(f"{names[left[i]]}/{names[right[i]]} {100 * share[i]:.0f}%" for i in worst)
    return [f"{label}: {len(bad)} pair(s) of units overlap by more than "
            f"{100 * OVERLAP_TOLERANCE:g}% of the smaller unit ({shown}); people living there "
            "would be counted twice: fix the boundaries so that units do not overlap"]


def check_units_in_boundary(
    units: gpd.GeoDataFrame, boundary: gpd.GeoDataFrame, *, where: str = "admin_units",
    id_column: str = "unit_id",
) -> list[str]:
    """Units lying (partly) outside the city boundary, as problems.

    A unit with more than :data:`OVERLAP_TOLERANCE` of its area outside the dissolved
    ``city_boundary`` is a problem: the two layers do not describe the same city (often one
    of them has a wrong CRS).

    Parameters
    ----------
    units, boundary
        The checked ``admin_units`` and ``city_boundary`` layers (any CRS each).
    where
        How to name the units layer in messages.
    id_column
        Column naming the units in messages.

    Returns
    -------
    list of str
        Empty when every unit lies inside the boundary.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"unit_id": ["a", "b"]},  # synthetic
    ...     geometry=[box(0, 0, 1, 1), box(5, 0, 6, 1)], crs=32648)
    >>> city = gpd.GeoDataFrame(geometry=[box(0, 0, 2, 2)], crs=32648)
    >>> check_units_in_boundary(units, city)  # doctest: +ELLIPSIS
    ['admin_units: 1 unit(s) lie outside city_boundary by more than 1% of their area (b 100%)...']
    """
    crs = metric_crs(units, what=where)
    geoms = units.to_crs(crs).geometry.to_numpy()
    city = shapely.union_all(boundary.to_crs(crs).geometry.to_numpy())
    shapely.prepare(city)
    outside = np.zeros(len(geoms))
    edge = ~shapely.contains_properly(city, geoms)  # only units near the edge are measured
    with np.errstate(invalid="ignore", divide="ignore"):
        outside[edge] = (shapely.area(shapely.difference(geoms[edge], city))
                         / shapely.area(geoms[edge]))
    bad = np.flatnonzero(outside > OVERLAP_TOLERANCE)
    if not len(bad):
        return []
    names = units[id_column].astype(str).to_numpy() if id_column in units \
        else units.index.astype(str).to_numpy()
    worst = bad[np.argsort(-outside[bad], kind="stable")][:5]
    shown = ", ".join(f"{names[i]} {100 * outside[i]:.0f}%" for i in worst)
    return [f"{where}: {len(bad)} unit(s) lie outside city_boundary by more than "
            f"{100 * OVERLAP_TOLERANCE:g}% of their area ({shown}); the two layers do not "
            "describe the same city: check the CRS of both files or replace the wrong one"]


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(parts) if parts else geom
