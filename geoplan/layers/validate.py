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
from pyproj import CRS

from geoplan.layers.manifest import LayerEntry
from geoplan.layers.roles import role_spec

__all__ = ["GeometryRepairWarning", "LayerCheck", "check_layer"]

logger = logging.getLogger(__name__)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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
        if dtype == "int" and not np.all(np.mod(values.to_numpy(dtype=float), 1) == 0):
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

    if data.crs is not None and CRS.from_user_input(data.crs).is_geographic and len(present):
        minx, miny, maxx, maxy = present.total_bounds
        if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
            problems.append(
                f"{label}: coordinates ({minx:.6g}, {miny:.6g}) – ({maxx:.6g}, {maxy:.6g}) are "
                "outside longitude/latitude range although the CRS is geographic; the axes "
                "may be swapped (lat/lon) or the CRS wrong"
            )

    required = {**spec.columns, **entry.columns}
    columns = [c for c in data.columns if c != data.geometry.name]
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
    if id_column and id_column in data.columns:
        dup = data[id_column][data[id_column].duplicated(keep=False)].dropna()
        if not dup.empty:
            shown = ", ".join(map(str, sorted(set(dup.astype(str)))[:5]))
            problems.append(
                f"{label}: {dup.nunique()} duplicate {id_column!r} value(s) ({shown}); "
                "ids must be unique"
            )

    if role == "admin_units" and "population" in data.columns:
        pop = pd.to_numeric(data["population"], errors="coerce")
        negative = int((pop < 0).sum())
        if negative:
            problems.append(f"{label}: {negative} unit(s) with negative population")

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
    return LayerCheck(checked, problems, repaired)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    if geom.geom_type in {"Polygon", "MultiPolygon"}:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(parts) if parts else geom
