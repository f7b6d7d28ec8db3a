"""Layer bundles: a folder with a manifest and the data files it names.

>>> from geoplan.layers import load_bundle
>>> hanoi = load_bundle("hanoi")
>>> len(hanoi.admin_units)
126
"""

from __future__ import annotations

import contextlib
import difflib
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from geoplan.errors import BundleNotFoundError, LayerNotAvailableError, LayerValidationError
from geoplan.io import regular_file_problem
from geoplan.layers._where import (
    MANIFEST_NAME,
    bundle_location,
    default_layers_dir,
    search_dirs,
    writable_layers_dir,
)
from geoplan.layers.manifest import LayerEntry, Manifest, read_manifest
from geoplan.layers.roles import ROLES, role_spec

# geopandas, pyogrio and the layer checks are imported where layers are read: opening a
# bundle reads its manifest only, and a name that is no bundle is refused without them
if TYPE_CHECKING:
    from collections.abc import Iterable

    import geopandas as gpd
    import shapely
    from pyproj import CRS

__all__ = [
    "UNIT_INDEX",
    "Bundle",
    "LayerSummary",
    "ValidationReport",
    "default_layers_dir",
    "list_bundles",
    "load_bundle",
    "writable_layers_dir",
]

logger = logging.getLogger(__name__)

#: Name of the index of ``admin_units`` (and of every indicator's per-unit values).
UNIT_INDEX = "unit_id"

def list_bundles() -> list[str]:
    """Return the names of the bundles found in the layer folders, sorted.

    The folders searched are those in ``$GEOPLAN_LAYERS``, the repository's ``layers/`` and
    ``layers/`` in the current folder (for an installed package run from a checkout).

    Examples
    --------
    >>> "hanoi" in list_bundles()
    True
    """
    names: set[str] = set()
    for folder in search_dirs():
        if folder.is_dir():
            names.update(p.parent.name for p in folder.glob(f"*/{MANIFEST_NAME}"))
    return sorted(names)


def load_bundle(name_or_path: str | os.PathLike[str]) -> Bundle:
    """Open a bundle by name (``"hanoi"``) or by path to its folder or manifest.

    Only the manifest is read here; layers are read on first access.

    Parameters
    ----------
    name_or_path
        Bundle name, folder or ``bundle.yaml`` path.

    Returns
    -------
    Bundle

    Raises
    ------
    BundleNotFoundError
        If no bundle of that name or at that path exists; the message lists the known bundles.
    LayerValidationError
        If the manifest is malformed.

    Examples
    --------
    >>> load_bundle("hanoi").name
    'hanoi'
    """
    candidate = Path(name_or_path)
    found = bundle_location(name_or_path)
    if found is None:
        known = ", ".join(list_bundles()) or "none"
        if candidate.exists():
            message = f"{candidate}: no {MANIFEST_NAME} there; a bundle folder needs one"
        else:
            message = (
                f"no bundle {str(name_or_path)!r}: give a bundle name (known: {known}) or "
                f"the path of a folder holding {MANIFEST_NAME}"
            )
        raise BundleNotFoundError(message)
    manifest = read_manifest(found / MANIFEST_NAME)
    return Bundle(found.resolve(), manifest)


@dataclass
class LayerSummary:
    """One row of a bundle's summary (``geoplan layers show``)."""

    role: str
    features: int | None
    crs: str
    source: str
    licence: str
    coverage: str
    missing: str | None = None
    repaired: int = 0
    problem: str | None = None


@dataclass
class ValidationReport:
    """What :meth:`Bundle.validate` found in a bundle that passed."""

    bundle: str
    layers: list[LayerSummary]

    @property
    def repaired(self) -> int:
        """Total number of geometries repaired across layers."""
        return sum(layer.repaired for layer in self.layers)


@dataclass
class Bundle:
    """A city's layers, read lazily from a bundle folder.

    Use :func:`load_bundle` to open one. Each role's layer is available as
    ``bundle.layer(role)`` and, for the standard roles, as an attribute
    (``bundle.admin_units``, ``bundle.stations``, ...). Returned frames are copies.
    """

    path: Path
    manifest: Manifest
    _cache: dict[str, gpd.GeoDataFrame] = field(default_factory=dict, repr=False)

    # -- description ---------------------------------------------------------------------
    def __repr__(self) -> str:
        """``<Bundle hanoi: 'Hà Nội', 9 layers, 3 missing>`` (roles with data, roles missing).

        Examples
        --------
        >>> load_bundle("hanoi")  # doctest: +ELLIPSIS
        <Bundle hanoi: 'Hà Nội', ... layers, ... missing>
        """
        title = f" {self.manifest.title!r}," if self.manifest.title else ""
        return (f"<Bundle {self.name}:{title} {len(self.roles)} layers, "
                f"{len(self.missing)} missing>")

    @property
    def name(self) -> str:
        """The bundle's name (from its manifest)."""
        return self.manifest.name

    @property
    def roles(self) -> list[str]:
        """Roles that hold data, in manifest order."""
        return [r for r, e in self.manifest.layers.items() if not e.is_missing]

    @property
    def missing(self) -> dict[str, str]:
        """Roles the manifest lists as missing, with the reason."""
        return {r: e.missing or "" for r, e in self.manifest.layers.items() if e.is_missing}

    def has(self, role: str) -> bool:
        """True when the bundle holds data for ``role``."""
        entry = self.manifest.layers.get(role)
        return entry is not None and not entry.is_missing

    def entry(self, role: str) -> LayerEntry:
        """The manifest entry of ``role``.

        Raises
        ------
        LayerNotAvailableError
            If the manifest does not mention ``role``.
        """
        try:
            return self.manifest.layers[role]
        except KeyError:
            known = ", ".join(self.manifest.layers) or "none"
            message = f"bundle {self.name!r} has no role {role!r} (roles: {known})"
            raise LayerNotAvailableError(message) from None

    def why_missing(self, role: str) -> str:
        """Reason ``role`` has no data (``"not in manifest"`` if it is not listed at all)."""
        entry = self.manifest.layers.get(role)
        if entry is None:
            return f"role {role!r} is not in bundle {self.name!r}"
        return entry.missing or ""

    def extent(self, role: str) -> shapely.Geometry | None:
        """The polygon (EPSG:4326) that ``role``'s data covers, or None for the whole bundle.

        Outside the extent the layer knows nothing: indicators give units there no value
        (never zero) and mark values that rest on a unit only partly inside.

        Raises
        ------
        LayerNotAvailableError
            If the manifest does not mention ``role``.

        Examples
        --------
        >>> load_bundle("hanoi").extent("bus_stops").geom_type  # the Overpass query's box
        'Polygon'
        """
        from geoplan.layers.manifest import extent_geometry

        text = self.entry(role).extent
        return None if text is None else extent_geometry(text)

    # -- data ---------------------------------------------------------------------------
    def file_path(self, role: str) -> Path:
        """Absolute path of the file holding ``role``; it must lie inside the bundle folder.

        Raises
        ------
        LayerNotAvailableError
            If the role is missing.
        LayerValidationError
            If the manifest points outside the bundle folder or at no file.
        """
        entry = self.entry(role)
        if entry.is_missing or not entry.file:
            message = f"bundle {self.name!r} has no data for {role!r}: {self.why_missing(role)}"
            raise LayerNotAvailableError(message)
        try:
            path = (self.path / entry.file).resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a loop of links, a NUL
            message = (f"{self.path / MANIFEST_NAME}: layer {role!r}: file {entry.file!r} "
                       f"cannot be resolved ({exc}); point 'file' at a regular file inside "
                       f"{self.path}")
            raise LayerValidationError([message], bundle=self.name) from None
        if not path.is_relative_to(self.path):
            link = Path(entry.file)
            via = "" if link.is_absolute() or ".." in link.parts \
                else f" through a symbolic link to {path}"
            message = (
                f"{self.path / MANIFEST_NAME}: layer {role!r} points outside the bundle folder "
                f"({entry.file}{via}); keep data files inside {self.path}"
            )
            raise LayerValidationError([message], bundle=self.name)
        return path

    def _where(self, role: str) -> str:
        entry = self.entry(role)
        inner = f":{entry.layer}" if entry.layer else ""
        return f"{self.name}/{role} ({entry.file}{inner})"

    def _read(self, role: str) -> gpd.GeoDataFrame:
        import geopandas as gpd
        import pyogrio

        path = self.file_path(role)
        entry = self.entry(role)
        where = self._where(role)
        self._require_regular(role, path)
        try:
            if path.suffix.lower() == ".parquet":
                return gpd.read_parquet(path)
            if entry.layer and entry.layer not in {n for n, _ in pyogrio.list_layers(path)}:
                layers = ", ".join(n for n, _ in pyogrio.list_layers(path))
                message = (
                    f"{where}: no layer {entry.layer!r} in {path.name} (layers: {layers}); "
                    "fix 'layer' in the manifest"
                )
                raise LayerValidationError([message], bundle=self.name)
            data = gpd.read_file(path, layer=entry.layer, engine="pyogrio")
            if path.suffix.lower() == ".gpkg":
                problems = _text_in_number_columns(path, entry.layer, data, where=where)
                if problems:
                    raise LayerValidationError(problems, bundle=self.name)
            return data
        except LayerValidationError:
            raise
        except UnicodeDecodeError as exc:
            byte = exc.object[exc.start:exc.start + 1]
            context = exc.object[max(0, exc.start - 12):exc.end + 12]
            message = (
                f"{where}: text in {path.name} is not UTF-8 (byte {byte!r} in {context!r}); "
                "convert the file's text to UTF-8, e.g. ogr2ogr with the source encoding "
                "(-oo ENCODING=CP1258 for a Windows-1258 shapefile)"
            )
            raise LayerValidationError([message], bundle=self.name) from None
        except Exception as exc:  # GDAL/Arrow raise many types for unreadable files
            message = (
                f"{where}: cannot read {path.name} ({type(exc).__name__}: {exc}); "
                "the file is truncated or not in the format its extension says"
            )
            raise LayerValidationError([message], bundle=self.name) from None

    def _require_regular(self, role: str, path: Path) -> None:
        """Refuse, without opening it, a data file that is not a regular file (a FIFO would
        block the reader forever, a device would be read as garbage)."""
        problem = regular_file_problem(path, inside=self.path, companions=True)
        if problem is None:
            return
        fix = "rebuild the bundle or fix 'file'" if problem.endswith("does not exist") \
            else "replace it with the data file, or fix 'file' in the manifest"
        message = f"{self._where(role)}: file {problem}; {fix}"
        raise LayerValidationError([message], bundle=self.name)

    def layer(self, role: str) -> gpd.GeoDataFrame:
        """Return the layer of ``role`` (checked, invalid geometries repaired), as a copy.

        ``admin_units`` is indexed by its ``unit_id`` (as text, index name ``"unit_id"``; the
        column is kept), the index of every indicator's per-unit values: ``units.join(
        result.per_unit)`` aligns them. Other layers keep the file's row order and a
        ``RangeIndex``.

        Raises
        ------
        LayerNotAvailableError
            If the bundle has no data for ``role``.
        LayerValidationError
            If the layer is unreadable or has problems (all listed).
        """
        if role_spec(role).kind == "raster":
            message = f"{role!r} is a raster; use Bundle.raster_path({role!r})"
            raise LayerNotAvailableError(message)
        if role not in self._cache:
            from geoplan.layers.validate import check_layer

            check = check_layer(
                self._read(role), role=role, entry=self.entry(role), where=self._where(role)
            )
            problems = check.problems or self._cross_problems(role, check.data)
            if problems:
                raise LayerValidationError(problems, bundle=self.name)
            self._cache[role] = _keyed(role, check.data)
        return self._cache[role].copy()

    def _cross_problems(self, role: str, data: gpd.GeoDataFrame) -> list[str]:
        """Problems between layers: admin units outside the city boundary."""
        if role != "admin_units" or not self.has("city_boundary"):
            return []
        from geoplan.layers.validate import check_units_in_boundary

        return check_units_in_boundary(
            data, self.layer("city_boundary"), where=self._where(role),
            id_column=self.entry(role).id_column or "unit_id",
        )

    def raster_path(self, role: str = "population_raster") -> Path:
        """Path of a raster role's GeoTIFF (checked to exist)."""
        path = self.file_path(role)
        self._require_regular(role, path)
        return path

    @property
    def metric_crs(self) -> CRS:
        """Projected metric CRS for this bundle (manifest value, else from its extent)."""
        from pyproj import CRS

        from geoplan.crs import metric_crs

        if self.manifest.metric_crs:
            return CRS.from_user_input(self.manifest.metric_crs)
        for role in ("city_boundary", "admin_units", *self.roles):
            if self.has(role) and role_spec(role).kind == "vector":
                return metric_crs(self.layer(role), what=self._where(role))
        message = f"bundle {self.name!r} has no vector layer to choose a metric CRS from"
        raise LayerNotAvailableError(message)

    # -- typed access to the standard roles ------------------------------------------------
    @property
    def admin_units(self) -> gpd.GeoDataFrame:
        """Administrative units (``unit_id``, ``name``, ``unit_type``, population columns)."""
        return self.layer("admin_units")

    @property
    def city_boundary(self) -> gpd.GeoDataFrame:
        """The city outline."""
        return self.layer("city_boundary")

    @property
    def metro_lines(self) -> gpd.GeoDataFrame:
        """Urban rail lines (``line_id``, ``status``, ``opening_date``, ...)."""
        return self.layer("metro_lines")

    @property
    def stations(self) -> gpd.GeoDataFrame:
        """Urban rail stations."""
        return self.layer("stations")

    @property
    def bus_stops(self) -> gpd.GeoDataFrame:
        """Bus stops."""
        return self.layer("bus_stops")

    @property
    def street_network(self) -> gpd.GeoDataFrame:
        """Street network edges (``u``, ``v``, ``length_m``, ``highway``)."""
        return self.layer("street_network")

    @property
    def green_space(self) -> gpd.GeoDataFrame:
        """Public green and open space."""
        return self.layer("green_space")

    @property
    def land_use(self) -> gpd.GeoDataFrame:
        """Land-use polygons."""
        return self.layer("land_use")

    @property
    def water(self) -> gpd.GeoDataFrame:
        """Water bodies."""
        return self.layer("water")

    @property
    def river_axis(self) -> gpd.GeoDataFrame:
        """The main river axis."""
        return self.layer("river_axis")

    @property
    def river_corridors(self) -> gpd.GeoDataFrame:
        """Other river corridors."""
        return self.layer("river_corridors")

    # -- validation ------------------------------------------------------------------------
    def validate(self, *, strict: bool = False) -> ValidationReport:
        """Check every layer and report all problems of the bundle together.

        Parameters
        ----------
        strict
            Treat invalid geometries as problems instead of repairing them.

        Returns
        -------
        ValidationReport
            Feature counts, CRS and repairs per layer, when there is no problem.

        Raises
        ------
        LayerValidationError
            With every problem of every layer.

        Examples
        --------
        >>> report = load_bundle("hanoi").validate()
        >>> report.bundle
        'hanoi'
        """
        from pyproj import CRS

        from geoplan.layers.validate import check_layer

        problems: list[str] = []
        rows: list[LayerSummary] = []
        for role, entry in self.manifest.layers.items():
            row = LayerSummary(
                role, None, entry.crs or "", entry.source, entry.licence,
                entry.coverage, entry.missing,
            )
            rows.append(row)
            close = difflib.get_close_matches(
                role, [r for r in ROLES if r not in self.manifest.layers], n=1)
            if role not in ROLES and close:
                problems.append(
                    f"{self.path / MANIFEST_NAME}: role {role!r} is not a role geoplan knows; "
                    f"did you mean {close[0]!r}? Rename it (indicators look for {close[0]!r})"
                )
            if entry.is_missing:
                continue
            try:
                if role_spec(role).kind == "raster":
                    row.features, row.crs = self._check_raster(role)
                    continue
                check = check_layer(
                    self._read(role), role=role, entry=entry, where=self._where(role),
                    strict=strict,
                )
            except (LayerValidationError, LayerNotAvailableError) as exc:
                problems.extend(getattr(exc, "problems", [str(exc)]))
                continue
            problems.extend(check.problems)
            row.features = len(check.data)
            row.repaired = check.repaired
            if check.data.crs is not None:
                row.crs = CRS.from_user_input(check.data.crs).to_string()
            if not check.problems:
                self._cache[role] = _keyed(role, check.data)
        if "admin_units" in self._cache and "city_boundary" in self._cache:
            cross = self._cross_problems("admin_units", self._cache["admin_units"])
            if cross:
                problems.extend(cross)
                del self._cache["admin_units"]
        if problems:
            raise LayerValidationError(problems, bundle=self.name)
        return ValidationReport(self.name, rows)

    def _check_raster(self, role: str) -> tuple[int, str]:
        import rasterio

        from geoplan.raster import raster_problems

        path = self.raster_path(role)
        try:
            problems = raster_problems(path, where=self._where(role))
            if problems:
                raise LayerValidationError(problems, bundle=self.name)
            with rasterio.open(path) as src:
                return int(src.width * src.height), src.crs.to_string()
        except rasterio.errors.RasterioIOError as exc:
            message = f"{self._where(role)}: cannot read raster {path.name}: {exc}"
            raise LayerValidationError([message], bundle=self.name) from None

    def summary(self) -> list[LayerSummary]:
        """Feature counts, CRS, source and licence per role, without raising on problems."""
        import pyogrio

        rows = []
        for role, entry in self.manifest.layers.items():
            features: int | None = None
            problem: str | None = None
            crs = entry.crs or ""
            if not entry.is_missing:
                try:  # the file guard first: a FIFO must not be opened (it would block)
                    self._require_regular(role, self.file_path(role))
                except LayerValidationError as exc:
                    problem = exc.problems[0]
                except LayerNotAvailableError as exc:
                    problem = str(exc)
            if problem is None and not entry.is_missing and role_spec(role).kind == "raster":
                try:
                    features, crs = self._check_raster(role)
                except LayerValidationError:  # summary is best effort; validate() reports it
                    features = None
            elif problem is None and not entry.is_missing and role_spec(role).kind == "vector":
                try:
                    info = pyogrio.read_info(self.file_path(role), layer=entry.layer) \
                        if not str(entry.file).endswith(".parquet") else None
                    features = int(info["features"]) if info else len(self.layer(role))
                except Exception:  # summary is best effort; validate() reports the problem
                    features = None
            rows.append(LayerSummary(role, features, crs, entry.source, entry.licence,
                                     entry.coverage, entry.missing, problem=problem))
        return rows


def _keyed(role: str, data: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``data`` indexed by its ``unit_id`` (text) when ``role`` is ``admin_units``.

    The ids were checked (non-empty, unique, normalised) by
    :func:`~geoplan.layers.validate.check_layer`; the order of the rows is kept.
    """
    if role != "admin_units" or UNIT_INDEX not in data.columns:
        return data
    import pandas as pd

    # the same text index as the per-unit values (analyses._population.unit_frame)
    data.index = pd.Index(data[UNIT_INDEX].astype(str), name=UNIT_INDEX)
    return data


def require(bundle: Bundle, roles: Iterable[str]) -> list[str]:
    """Return the roles of ``roles`` that ``bundle`` lacks (empty when all are present)."""
    return [r for r in roles if not bundle.has(r)]


def _text_in_number_columns(path: Path, layer: str | None, data: gpd.GeoDataFrame, *,
                            where: str) -> list[str]:
    """Cells of a GeoPackage's number columns that hold text (SQLite stores what it is given).

    A GeoPackage edited by hand or by another tool can hold ``'twenty thousand'`` or ``'6000
    người'`` in an INTEGER column; GDAL reads the first as 0 and the second as 6000, silently.
    The file is opened read-only and immutable, so nothing is written beside it.
    """
    import sqlite3

    import pandas as pd
    import pyogrio

    numbers = [c for c in data.columns if c != data.geometry.name
               and pd.api.types.is_numeric_dtype(data[c])]
    if not numbers:
        return []
    table = layer or next((n for n, _ in pyogrio.list_layers(path)), None)
    if table is None:
        return []
    problems = []
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
            quoted = '"' + table.replace('"', '""') + '"'
            for column in numbers:
                name = '"' + str(column).replace('"', '""') + '"'
                # identifiers cannot be SQL parameters: both are quoted above
                count, example = con.execute(
                    f"SELECT count(*), min(CAST({name} AS TEXT)) FROM {quoted} "
                    f"WHERE typeof({name}) IN ('text', 'blob')").fetchone()
                if count:
                    problems.append(
                        f"{where}: column {column!r} is a number column but {count} cell(s) "
                        f"hold text (e.g. {str(example)[:40]!r}), which GDAL reads as 0 or as "
                        "its leading digits; write numbers in those cells")
    except sqlite3.Error:  # not readable as SQLite here: GDAL has read it, leave it at that
        return []
    return problems
