"""Put a planner's own GIS file into a bundle: ``geoplan layers add BUNDLE ROLE FILE``.

Official files come as Shapefiles (often without ``.prj`` or ``.cpg``, text in Windows-1258),
GeoPackages with several layers, GeoJSON, GeoParquet or MapInfo TAB, with Vietnamese column
names (``TEN_XA``, ``DAN_SO``, ``MA_LOAI``) and in VN-2000 coordinates. :func:`add_layer`:

1. refuses a path that is not a regular file (a folder, a FIFO, a device) or is empty, and a
   GeoPackage with several layers without ``layer`` (listing them);
2. reads the file (never writes it): a Shapefile without ``.cpg`` is decoded as UTF-8 unless
   ``encoding`` says otherwise (Python's codecs: ``cp1258`` for Windows-1258), and a text that
   is not valid in that encoding stops with the fix;
3. takes the CRS from the file or from ``crs`` (``vn2000:<province>``,
   ``vn2000:<meridian>`` or anything pyproj reads); a file with neither is refused. VN-2000
   coordinates are checked against the zone (:func:`geoplan._vn2000.fits_zone`) and brought
   to WGS 84 with the official parameters (:mod:`geoplan._vn2000`);
4. renames columns (``columns={"name": "TEN_XA"}``; an unknown source column is refused with
   the file's columns), maps TT 08/2024 land-use codes for ``land_use``
   (:mod:`geoplan.layers.landuse_codes`; the code column is kept), checks the layer against
   its role (:func:`geoplan.layers.validate.check_layer`: every problem together; invalid
   geometries repaired and counted), and, when the bundle has a ``city_boundary``, that the
   layer lies on it;
5. records the covered extent (polygon roles: the union of the features; points and lines:
   their convex hull buffered by :data:`HULL_BUFFER_M`; ``extent="boundary"``: the bundle's
   city boundary) and writes through :func:`geoplan.layers.store.store_layers` (a held role
   only with ``replace=True``; the replaced entry is kept as ``previous``).
"""

from __future__ import annotations

import logging
import unicodedata
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoplan import _vn2000
from geoplan.errors import CRSError, LayerValidationError, OutputError, SourceDataError
from geoplan.layers.landuse_codes import UnknownCodesPolicy, map_land_use_codes

__all__ = ["FORMATS", "HULL_BUFFER_M", "AddResult", "add_layer", "parse_columns"]

logger = logging.getLogger(__name__)

#: File suffixes :func:`add_layer` reads, with the format's name.
FORMATS: dict[str, str] = {
    ".shp": "Shapefile", ".gpkg": "GeoPackage", ".geojson": "GeoJSON", ".json": "GeoJSON",
    ".parquet": "GeoParquet", ".geoparquet": "GeoParquet", ".tab": "MapInfo TAB",
}
#: Metres by which the convex hull of a point or line layer is grown to make its extent.
HULL_BUFFER_M = 100.0
#: Share of a layer (area, or features for points/lines) that may lie outside the bundle's
#: city boundary when it was given in VN-2000 by province: more means the wrong zone.
_OUTSIDE_TOLERANCE = 0.01
#: Largest number of vertices the VN-2000 zone check looks at (spread evenly).
_CHECK_POINTS = 20_000


@dataclass
class AddResult:
    """What :func:`add_layer` wrote.

    Attributes
    ----------
    folder
        The bundle folder.
    role
        The role filled.
    features
        Features written.
    crs
        How the CRS was known (``"from the file"``, a VN-2000 zone label...).
    repaired
        Invalid geometries repaired with ``make_valid``.
    unknown_codes
        Land-use codes not in TT 08/2024 that were kept or dropped (code → features).
    dropped
        Features left out (``unknown_codes="drop"``).
    notes
        Other things the user should know (renames, mapped codes).
    """

    folder: Path
    role: str
    features: int
    crs: str
    repaired: int = 0
    unknown_codes: dict[str, int] = field(default_factory=dict)
    dropped: int = 0
    notes: list[str] = field(default_factory=list)


def parse_columns(items: list[str] | tuple[str, ...] | str | None) -> dict[str, str]:
    """``["name=TEN_XA,population=DAN_SO"]`` as ``{"name": "TEN_XA", "population": "DAN_SO"}``.

    Raises
    ------
    SourceDataError
        For an item without ``=`` or with an empty side, or a target given twice.

    Examples
    --------
    >>> parse_columns(["name=TEN_XA,population=DAN_SO"])
    {'name': 'TEN_XA', 'population': 'DAN_SO'}
    """
    if items is None:
        return {}
    texts = [items] if isinstance(items, str) else list(items)
    out: dict[str, str] = {}
    problems = []
    for text in texts:
        for item in (p.strip() for p in text.split(",")):
            if not item:
                continue
            target, sep, source = (s.strip() for s in item.partition("="))
            if not sep or not target or not source:
                problems.append(f"--columns item {item!r} is not TARGET=SOURCE (e.g. "
                                "name=TEN_XA)")
            elif target in out:
                problems.append(f"--columns gives target {target!r} twice ({out[target]!r} "
                                f"and {source!r}); keep one")
            else:
                out[target] = source
    if problems:
        raise SourceDataError("; ".join(problems))
    return out


def _check_file(path: Path) -> str:
    """The format of ``path``; refuse what cannot be opened safely."""
    from geoplan.io import regular_file_problem

    problem = regular_file_problem(path, companions=True)
    if problem is not None:
        if problem.endswith("does not exist"):
            message = f"{problem}; give the path of the GIS file to add"
        elif path.is_dir():
            inside = sorted(p.name for p in path.iterdir()
                            if p.suffix.lower() in FORMATS)[:8] if path.is_dir() else []
            hint = f" (it holds {', '.join(inside)})" if inside else ""
            message = f"{problem}{hint}; give the data file itself, e.g. {path}/NAME.shp"
        else:
            message = f"{problem}; give the path of a regular GIS file"
        raise SourceDataError(message)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(set(FORMATS)))
        message = (f"{path}: {suffix or 'no extension'} is not a format geoplan reads; give a "
                   f"file ending in {known} (convert others with ogr2ogr)")
        raise SourceDataError(message)
    if path.stat().st_size == 0:
        message = f"{path} is empty (0 bytes); the export failed or was cut: export it again"
        raise SourceDataError(message)
    if suffix == ".shp":
        missing = [ext for ext in (".shx", ".dbf") if not _companion(path, ext).exists()]
        if missing:
            message = (f"{path}: the shapefile has no {' or '.join(missing)} beside it; copy "
                       "every file of the shapefile (.shp, .shx, .dbf, .prj, .cpg) together")
            raise SourceDataError(message)
    return FORMATS[suffix]


def _companion(path: Path, ext: str) -> Path:
    """``path`` with extension ``ext`` in either case (``.prj`` or ``.PRJ``)."""
    for candidate in (path.with_suffix(ext), path.with_suffix(ext.upper())):
        if candidate.exists():
            return candidate
    return path.with_suffix(ext)


def _inputs(path: Path) -> list[Path]:
    """The file and the files read with it (never written)."""
    return [path, *(p for p in path.parent.iterdir()
                    if p != path and p.stem == path.stem)] if path.parent.is_dir() else [path]


def _decode(value: Any, encoding: str) -> Any:
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value.encode("iso-8859-1").decode(encoding))


def _read(path: Path, kind: str, *, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    """Read the layer; text decoding problems and unreadable files as SourceDataError."""
    import codecs

    import pyogrio

    if kind == "GeoParquet":
        if layer is not None or encoding is not None:
            message = (f"{path}: a GeoParquet file has one layer and UTF-8 text; leave out "
                       "--layer and --encoding")
            raise SourceDataError(message)
        try:
            return gpd.read_parquet(path)
        except Exception as exc:  # Arrow raises many types for files that are not GeoParquet
            message = (f"cannot read {path} as GeoParquet ({type(exc).__name__}: {exc}); the "
                       "file is truncated or not GeoParquet (geometry column with 'geo' "
                       "metadata)")
            raise SourceDataError(message) from None
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except Exception as exc:  # GDAL's errors for files in no format it knows
        message = (f"cannot read {path} ({type(exc).__name__}: {exc}); the file is truncated "
                   f"or not a {kind}")
        raise SourceDataError(message) from None
    if layer is None and len(layers) > 1:
        message = (f"{path} holds {len(layers)} layers ({', '.join(layers)}); choose one with "
                   "--layer NAME")
        raise SourceDataError(message)
    if layer is not None and layer not in layers:
        message = f"{path} has no layer {layer!r} (layers: {', '.join(layers)}); fix --layer"
        raise SourceDataError(message)
    if encoding is not None:
        if kind != "Shapefile":
            message = (f"{path}: --encoding applies to Shapefiles (their .dbf text); a {kind} "
                       "says its own encoding: leave --encoding out")
            raise SourceDataError(message)
        try:
            codecs.lookup(encoding)
        except LookupError:
            message = (f"--encoding {encoding!r} is not an encoding Python knows; use e.g. "
                       "cp1258 (Windows-1258), utf-8 or latin-1 (TCVN3/VNI fonts need "
                       "converting to Unicode first, e.g. with UniKey)")
            raise SourceDataError(message) from None
    raw = kind == "Shapefile" and (encoding is not None or not _companion(path, ".cpg").exists())
    use = encoding or "utf-8"
    try:
        data = gpd.read_file(path, layer=layer, engine="pyogrio",
                             encoding="ISO-8859-1" if raw else None)
    except Exception as exc:  # GDAL's errors for broken files
        message = (f"cannot read {path} ({type(exc).__name__}: {exc}); the file is truncated "
                   f"or not a {kind}")
        raise SourceDataError(message) from None
    if not raw:
        return data
    # the .dbf bytes came through as Latin-1 (one character per byte, lossless); decode them
    # here (GDAL's iconv drops the last letter of Windows-1258 texts)
    try:
        data = data.rename(columns={c: _decode(c, use) for c in data.columns
                                    if c != data.geometry.name})
        for column in data.columns:
            if column != data.geometry.name and (data[column].dtype == object or
                                                 pd.api.types.is_string_dtype(data[column])):
                data[column] = data[column].map(lambda v: _decode(v, use)).astype(object)
    except UnicodeDecodeError as exc:
        sample = exc.object[max(0, exc.start - 10):exc.end + 10]
        given = f"--encoding {encoding}" if encoding else "UTF-8 (there is no .cpg file)"
        message = (f"{path}: the .dbf text is not {given} (byte {exc.object[exc.start:exc.end]!r}"
                   f" in {sample!r}); give the file's encoding with --encoding, e.g. "
                   "--encoding cp1258 for Windows-1258")
        raise SourceDataError(message) from None
    return data


def _crs_from(option: str | None) -> tuple[CRS | None, _vn2000.Zone | None]:
    if option is None:
        return None, None
    text = option.strip()
    if text.lower().startswith("vn2000:"):
        try:
            zone = _vn2000.zone_for(text.split(":", 1)[1])
        except ValueError as exc:
            raise CRSError(f"--crs {text}: {exc}") from None
        return zone.crs, zone
    try:
        return CRS.from_user_input(text), None
    except Exception:  # pyproj's CRSError
        message = (f"--crs {text!r} is not a CRS pyproj knows; give e.g. EPSG:4326, "
                   "EPSG:9210 or vn2000:hanoi (VN-2000 TM-3 of a province) or "
                   "vn2000:105-45 (a central meridian)")
        raise CRSError(message) from None


def _vn2000_lookalike(crs: CRS | None) -> float | None:
    """The meridian of a TM-3 VN-2000 zone written on the WGS 84 datum, or ``None``."""
    if crs is None or not crs.is_projected or _vn2000.is_vn2000(crs):
        return None
    datum = crs.datum.name if crs.datum is not None else ""
    op = crs.coordinate_operation
    wgs84 = "WGS 84" in datum or "World Geodetic System 1984" in datum
    if not wgs84 or op is None or "Transverse Mercator" not in op.method_name:
        return None
    values = {p.name: p.value for p in op.params}
    meridian = float(values.get("Longitude of natural origin", float("nan")))
    if values.get("Scale factor at natural origin") == 0.9999 \
            and values.get("False easting") == 500000 and not values.get("False northing") \
            and not values.get("Latitude of natural origin") and meridian in _vn2000.MERIDIAN_EPSG:
        return meridian
    return None


def _vertices(data: gpd.GeoDataFrame) -> np.ndarray:
    xy = shapely.get_coordinates(data.geometry.to_numpy())
    if len(xy) > _CHECK_POINTS:
        xy = xy[np.linspace(0, len(xy) - 1, _CHECK_POINTS).astype(int)]
    return xy


def _vn2000_to_wgs84(data: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reproject VN-2000 data to EPSG:4326 with the official parameters."""
    first, second = _vn2000.to_wgs84_transform(CRS.from_user_input(data.crs))

    def move(xy: np.ndarray) -> np.ndarray:
        lon, lat = first.transform(xy[:, 0], xy[:, 1])
        lon, lat = second.transform(lon, lat)
        return np.column_stack([lon, lat])

    geoms = shapely.transform(data.geometry.to_numpy(), move)
    return data.set_geometry(gpd.GeoSeries(geoms, index=data.index, crs=4326))


def _rename(data: gpd.GeoDataFrame, columns: Mapping[str, str], path: Path
            ) -> tuple[gpd.GeoDataFrame, list[str], dict[str, str]]:
    """Rename source → target (case-insensitive fallback); problems listed, not raised."""
    problems: list[str] = []
    present = [c for c in data.columns if c != data.geometry.name]
    lower: dict[str, list[str]] = {}
    for c in present:
        lower.setdefault(str(c).lower(), []).append(str(c))
    resolved: dict[str, str] = {}
    for target, source in columns.items():
        if source in present:
            resolved[target] = source
        elif len(lower.get(source.lower(), [])) == 1:
            resolved[target] = lower[source.lower()][0]
        else:
            import difflib

            close = difflib.get_close_matches(source, present, n=1, cutoff=0.6)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{path}: --columns {target}={source}: no column {source!r} in the "
                            f"file{hint}; its columns are {', '.join(map(str, present))}")
    sources = set(resolved.values())
    for target, source in resolved.items():
        if target in present and target not in sources and target != source:
            problems.append(f"{path}: --columns {target}={source}: the file already has a "
                            f"column {target!r}; rename that one too (e.g. "
                            f"{target}_old={target}) or leave this rename out")
    out = data.copy()
    for target, source in resolved.items():
        out[target] = data[source]
    drop = [s for s in sources if s not in resolved]
    return out.drop(columns=drop), problems, resolved


def _outline_problems(data: gpd.GeoDataFrame, boundary: Any, *, strict: bool, label: str,
                      bundle: str) -> list[str]:
    """The layer (EPSG:4326) against the bundle's city boundary (EPSG:4326)."""
    from geoplan.crs import metric_crs

    crs = metric_crs(data, what=label)
    geoms = data.to_crs(crs).geometry.to_numpy()
    outline = gpd.GeoSeries([boundary], crs=4326).to_crs(crs).iloc[0]
    grown = shapely.buffer(outline, 500.0)
    shapely.prepare(grown)
    hits = shapely.intersects(grown, geoms)
    if not hits.any():
        return [f"{label}: no feature lies on {bundle}'s city_boundary (the layer is elsewhere); "
                "the CRS is wrong (e.g. another VN-2000 zone: give --crs) or the file belongs "
                "to another bundle"]
    if not strict:
        return []
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    if polygonal.all():
        total = float(shapely.area(geoms).sum())
        inside = float(shapely.area(shapely.intersection(geoms, grown)).sum())
        share = 1.0 - inside / total if total > 0 else 0.0
    else:
        share = 1.0 - float(shapely.within(geoms, grown).mean())
    if share > _OUTSIDE_TOLERANCE:
        return [f"{label}: {share:.0%} of the layer lies outside {bundle}'s city_boundary "
                f"(more than {_OUTSIDE_TOLERANCE:.0%}); with VN-2000 this is the sign of a "
                "wrong central meridian: give the file's province or meridian with --crs"]
    return []


def _extent(data: gpd.GeoDataFrame, role: str, kind: str, boundary: Any) -> str:
    from geoplan.crs import metric_crs
    from geoplan.layers.manifest import extent_text
    from geoplan.layers.roles import role_spec

    if kind == "boundary":
        return extent_text(boundary)
    geoms = data.to_crs(4326).geometry.to_numpy()
    if set(role_spec(role).geometry_types) <= {"Polygon", "MultiPolygon"} and \
            role_spec(role).geometry_types:
        return extent_text(shapely.union_all(shapely.make_valid(geoms)))
    crs = metric_crs(data, what=role)
    metric = data.to_crs(crs).geometry.to_numpy()
    hull = shapely.buffer(shapely.convex_hull(shapely.union_all(metric)), HULL_BUFFER_M)
    return extent_text(gpd.GeoSeries([hull], crs=crs).to_crs(4326).iloc[0])


def add_layer(
    bundle: str,
    role: str,
    path: Path | str,
    *,
    layer: str | None = None,
    crs: str | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    source: str | None = None,
    licence: str | None = None,
    date: str = "",
    extent: Literal["features", "boundary"] = "features",
    replace: bool = False,
    unknown_codes: UnknownCodesPolicy = "refuse",
    land_use_codes: bool = True,
    layers_dir: Path | None = None,
) -> AddResult:
    """Add GIS file ``path`` to bundle ``bundle`` as layer ``role``.

    Parameters
    ----------
    bundle
        Bundle name (a folder under ``layers_dir``; created when absent).
    role
        A vector role of :data:`geoplan.layers.roles.ROLES` (``admin_units``, ``land_use``...).
    path
        Shapefile, GeoPackage, GeoJSON, GeoParquet or MapInfo TAB (:data:`FORMATS`).
    layer
        Layer of a multi-layer file (required when it holds several).
    crs
        CRS of a file without one (``vn2000:hanoi``, ``vn2000:105-45``, ``EPSG:4326``...);
        given for a file that has a CRS, it must be the same CRS.
    columns
        Target → source column renames (``{"name": "TEN_XA", "population": "DAN_SO"}``).
    encoding
        Text encoding of a Shapefile's ``.dbf`` (Python codec name, e.g. ``cp1258``); default
        the ``.cpg`` file's, or UTF-8 without one.
    source, licence, date
        Provenance recorded in the manifest (default source: the file name).
    extent
        ``"features"``: the covered extent is the layer's own; ``"boundary"``: the bundle's
        city boundary (the file covers the whole city).
    replace
        Replace the role if the bundle holds it (the old entry is kept as ``previous``).
    unknown_codes
        For ``land_use``: features whose code is not in TT 08/2024 are refused (default),
        kept as written (counted by no indicator) or dropped; kept or dropped ones are
        counted in :attr:`AddResult.unknown_codes` and logged.
    land_use_codes
        For ``land_use``: map the column's TT 08/2024 codes (False: the values are already
        the indicators' classes).
    layers_dir
        Folder holding bundles (default: the package's ``layers/``).

    Returns
    -------
    AddResult

    Raises
    ------
    SourceDataError
        For a path that is not a readable regular file of a known format, an ambiguous
        layer, a wrong encoding or bad ``columns``.
    CRSError
        For a file with no CRS and no ``crs``, an unknown CRS, a ``crs`` contradicting the
        file's, or coordinates that cannot be in the VN-2000 zone given.
    LayerValidationError
        With every problem of the layer against its role (and the bundle's boundary).
    OutputError
        If the role is held and ``replace`` is False (nothing written), or the bundle may
        not be written.

    Examples
    --------
    >>> add_layer("hanoi-own", "admin_units", "tests/data/hanoi_units_vn2000_noprj.shp",
    ...           crs="vn2000:hanoi")                                   # doctest: +SKIP
    """
    from geoplan.layers.bundle import writable_layers_dir
    from geoplan.layers.manifest import MANIFEST_NAME, LayerEntry
    from geoplan.layers.roles import ROLES
    from geoplan.layers.store import NewLayer, store_layers
    from geoplan.layers.validate import GeometryRepairWarning, check_layer

    if role not in ROLES or ROLES[role].kind != "vector":
        vector = ", ".join(r for r, s in ROLES.items() if s.kind == "vector")
        message = f"role {role!r} cannot be added from a vector file; use one of {vector}"
        raise SourceDataError(message)
    path = Path(path)
    kind = _check_file(path)
    rename = dict(columns or {})
    given_crs, zone = _crs_from(crs)
    data = _read(path, kind, layer=layer, encoding=encoding)
    where = f"{path.name}{f':{layer}' if layer else ''}"
    label = f"{bundle}/{role} (from {where})"
    if data.empty:
        message = f"{path}: {where} has no features; export the layer with its features"
        raise SourceDataError(message)
    file_crs = CRS.from_user_input(data.crs) if data.crs is not None else None
    if file_crs is None and given_crs is None:
        prj = " (no .prj beside it)" if kind == "Shapefile" else ""
        message = (f"{path}: the file has no CRS{prj}; give it with --crs: vn2000:<province> "
                   "for VN-2000 TM-3 of that province (e.g. --crs vn2000:hanoi), "
                   "vn2000:<meridian> (e.g. vn2000:105-45), or any CRS such as EPSG:4326")
        raise CRSError(message)
    lookalike = _vn2000_lookalike(file_crs)
    if lookalike is not None and (zone is None or zone.meridian != lookalike) \
            and not (given_crs is not None and file_crs is not None
                     and file_crs.equals(given_crs)):
        message = (f"{path}: the file's CRS is a TM-3 zone of central meridian "
                   f"{_vn2000.dms(lookalike)} on the WGS 84 datum, which is what MapInfo and "
                   "other tools write for VN-2000 (they have no VN-2000 datum); no office uses "
                   "TM-3 on WGS 84, and reading it so would misplace the data by about 200 m. "
                   f"Give --crs vn2000:{_vn2000.dms(lookalike).replace('°', '-').rstrip(chr(39))}"
                   " to read it as VN-2000, or repeat the file's own CRS with --crs to keep "
                   "it as WGS 84")
        raise CRSError(message)
    if lookalike is not None and zone is not None and file_crs is not None:
        data = data.set_crs(zone.crs, allow_override=True)
        file_crs = None  # the zone given replaces the file's datum-less CRS
    if file_crs is not None and given_crs is not None and not file_crs.equals(given_crs):
        message = (f"{path}: the file says its CRS is {file_crs.name} but --crs says "
                   f"{given_crs.name}; leave --crs out (the file's CRS is used) or fix the "
                   "file's .prj")
        raise CRSError(message)
    if file_crs is None:
        data = data.set_crs(given_crs, allow_override=True)
    crs_note = "from the file" if file_crs is not None else (
        zone.label if zone is not None else f"--crs {crs}")
    source_crs = CRS.from_user_input(data.crs)
    present = data.geometry[~(data.geometry.isna() | data.geometry.is_empty)]
    if zone is not None and len(present):
        problem = _vn2000.fits_zone(_vertices(data.loc[present.index]), zone)
        if problem is not None:
            raise CRSError(f"{path}: {problem}")
    if _vn2000.is_vn2000(source_crs) and len(present):
        data = _vn2000_to_wgs84(data)
        crs_note += ("; reprojected to EPSG:4326 with the official VN-2000 → WGS 84 "
                     "parameters (QĐ 05/2007/QĐ-BTNMT, EPSG:6960)")
    data, problems, resolved = _rename(data, rename, path)
    notes = [f"column {t} from {s}" for t, s in resolved.items() if t != s]

    unknown: dict[str, int] = {}
    dropped = 0
    if role == "land_use" and land_use_codes and "land_use" in data.columns:
        code_column = resolved.get("land_use", "land_use_code")
        mapping = map_land_use_codes(data["land_use"], unknown=unknown_codes)
        if mapping.unknown and unknown_codes == "refuse":
            n = sum(mapping.unknown.values())
            problems.append(
                f"{label}: {n} feature(s) with a land-use code not in TT 08/2024/TT-BTNMT "
                f"(column {code_column!r}): {mapping.unknown_text()}; fix the codes, or pass "
                "--unknown-codes keep (kept as written, counted by no indicator) or "
                "--unknown-codes drop (left out)")
        else:
            data = data.copy()
            data[code_column] = data["land_use"]
            data["land_use"] = mapping.values
            data["land_use_name"] = mapping.names
            unknown = mapping.unknown
            if unknown_codes == "drop":
                dropped = int((~mapping.keep).sum())
                data = data[mapping.keep.to_numpy()]
            if unknown:
                verb = "dropped" if unknown_codes == "drop" else "kept as written"
                logger.warning("%s: land-use codes not in TT 08/2024 %s: %s", label, verb,
                               mapping.unknown_text())
            notes.append(f"land_use from TT 08/2024 codes ({len(mapping.counts)} codes; "
                         f"originals kept in {code_column!r})")

    root = Path(layers_dir if layers_dir is not None else writable_layers_dir())
    boundary = _bundle_boundary(root / bundle, bundle) \
        if (root / bundle / MANIFEST_NAME).is_file() else None
    if extent == "boundary" and boundary is None:
        problems.append(f"--extent boundary: bundle {bundle!r} has no city_boundary; add it "
                        "first (geoplan layers add BUNDLE city_boundary FILE) or use "
                        "--extent features")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", GeometryRepairWarning)
        checked = check_layer(data, role=role, where=label)
    for warning in caught:
        if not issubclass(warning.category, GeometryRepairWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename,
                                   warning.lineno)
    problems += checked.problems
    data = checked.data
    if boundary is not None and role != "city_boundary" and not checked.problems \
            and data.crs is not None:
        problems += _outline_problems(data.to_crs(4326), boundary,
                                      strict=zone is not None and zone.province is not None,
                                      label=label, bundle=bundle)
    if problems:
        problems.append(f"nothing was written; {path} was not changed")
        raise LayerValidationError(problems, bundle=bundle)
    if checked.repaired:
        message = (f"{label}: repaired {checked.repaired} invalid geometr"
                   f"{'y' if checked.repaired == 1 else 'ies'} with make_valid")
        warnings.warn(message, GeometryRepairWarning, stacklevel=2)
    covered = _extent(data, role, extent, boundary)
    method = f"geoplan layers add from {where} ({kind}); CRS {crs_note}"
    if notes:
        method += "; " + "; ".join(notes)
    if checked.repaired:
        method += f"; {checked.repaired} invalid geometries repaired with make_valid"
    entry = LayerEntry(
        source=source or where, licence=licence or "", date=date, method=method,
        extent=covered, coverage="partial" if extent == "features" else "full",
        coverage_note=("the extent of the file's features; nothing is known outside it"
                       if extent == "features" else "the whole city boundary"))
    try:
        folder = store_layers(
            bundle, {role: NewLayer(data, entry)}, layers_dir=layers_dir,
            replace=[role] if replace else [], inputs=_inputs(path), source=str(path),
            option="BUNDLE", noun="the new layer",
            keep_hint=lambda keep: "leave the bundle as it is",
            new_hint="add it to a new bundle")
    except OutputError as exc:  # the CLI's --replace is a flag here, not a list of roles
        text = str(exc).replace(f"pass --replace {role} ", "pass --replace (replace=True) ")
        if text == str(exc):
            raise
        raise OutputError(text) from None
    return AddResult(folder, role, len(data), crs_note, checked.repaired, unknown, dropped,
                     notes)


def _bundle_boundary(folder: Path, name: str) -> Any:
    """The union of the bundle's city boundary (EPSG:4326), or ``None`` without one."""
    from geoplan.layers import load_bundle

    try:
        held = load_bundle(folder)
    except Exception:  # an unreadable bundle is reported by store_layers
        return None
    if not held.has("city_boundary"):
        return None
    outline = held.city_boundary.to_crs(4326)
    return shapely.union_all(shapely.make_valid(outline.geometry.to_numpy()))
