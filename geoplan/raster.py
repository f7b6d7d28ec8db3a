"""Zonal statistics on rasters (population counts per polygon)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geoplan import _cache
from geoplan._clip import clip_pairs

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["raster_problems", "spread_by_raster", "zonal_sums"]

#: Pixels read at most to check a raster's values (larger rasters are read decimated).
_CHECK_PIXELS = 4_000_000


def raster_problems(raster: Path | str, *, where: str = "") -> list[str]:
    """Why a count raster (people per pixel) would give wrong numbers; empty when usable.

    A raster without CRS cannot be placed; negative pixels are a nodata value that is not
    declared (WorldPop writes -99999: summed, it removes 100,000 people per pixel); infinite
    pixels or a total above :data:`~geoplan.layers.roles.MAX_TOTAL_POPULATION` are not counts.

    Parameters
    ----------
    raster
        Single-band GeoTIFF (a regular file; see :func:`geoplan.io.regular_file_problem`).
    where
        How to name the layer in messages.

    Returns
    -------
    list of str
    """
    import rasterio

    from geoplan.layers.roles import MAX_TOTAL_POPULATION

    label = where or str(raster)
    problems: list[str] = []
    with rasterio.open(raster) as src:
        if src.crs is None:
            problems.append(f"{label}: raster has no CRS; set it (gdal_edit -a_srs EPSG:4326)")
        step = max(1, int(np.ceil(np.sqrt(src.width * src.height / _CHECK_PIXELS))))
        shape = (max(1, src.height // step), max(1, src.width // step))
        values = src.read(1, masked=True, out_shape=shape).astype(float)
        nodata = src.nodata
    data = values.compressed()
    data = data[~np.isnan(data)]
    if np.isinf(data).any():
        problems.append(f"{label}: raster holds infinite pixel values; it is not a count: "
                        "replace the file")
        data = data[np.isfinite(data)]
    if len(data) and data.min() < 0:
        declared = "no nodata value is declared" if nodata is None \
            else f"the declared nodata is {nodata:g}"
        problems.append(
            f"{label}: raster holds negative pixel values (min {data.min():g}) and "
            f"{declared}; people cannot be negative: declare the nodata value "
            f"(gdal_edit -a_nodata {data.min():g})")
    elif len(data) and data.sum() * step * step > MAX_TOTAL_POPULATION:
        problems.append(
            f"{label}: raster holds about {data.sum() * step * step:,.0f} people, more than "
            f"{MAX_TOTAL_POPULATION:,}; it is not a count of people per pixel: check the file")
    return problems


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with each geometry collection reduced to its polygons (exactextract reads
    polygons only; an intersection may also hold the lines and points where shapes touch,
    which have no area and no population)."""
    out = geoms.copy()
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)  # GeometryCollection
    for i in mixed:
        parts = shapely.get_parts(geoms[i])
        polygons = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[i] = shapely.union_all(polygons) if len(polygons) else shapely.Polygon()
    return out


def zonal_sums(raster: Path | str, geoms: np.ndarray, crs: CRS | str | int) -> np.ndarray:
    """Sum of a count raster over each polygon, weighting pixels by the share they cover.

    Pixels are weighted by the exact fraction of their area inside the polygon (exactextract),
    so a polygon smaller than a pixel gets that fraction of the pixel's count.

    Parameters
    ----------
    raster
        Single-band GeoTIFF of counts (e.g. people per pixel); nodata pixels count as 0.
    geoms
        Array of polygons (shapely), in ``crs``; of a geometry collection only its polygons
        count.
    crs
        CRS of ``geoms``; they are reprojected to the raster's CRS.

    Returns
    -------
    numpy.ndarray
        One float per polygon; 0 for empty or zero-area polygons.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> zonal_sums("layers/hanoi/population_2020.tif",
    ...            np.array([box(105.84, 21.02, 105.86, 21.04)]), 4326)  # doctest: +SKIP
    array([54321.0])
    """
    from exactextract import exact_extract

    out = np.zeros(len(geoms))
    geoms = _polygonal(np.asarray(geoms, dtype=object))
    keep = np.flatnonzero(~shapely.is_empty(geoms) & (shapely.area(geoms) > 0))
    if not len(keep):
        return out
    import rasterio

    from geoplan.errors import LayerValidationError

    problems = raster_problems(raster)
    if problems:
        raise LayerValidationError(problems)
    with rasterio.open(raster) as src:
        rcrs = src.crs
    frame = gpd.GeoDataFrame({"i": keep}, geometry=list(geoms[keep]), crs=crs).to_crs(rcrs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # exactextract on nodata-only windows
        stats = exact_extract(str(raster), frame, "sum", output="pandas")
    out[keep] = np.nan_to_num(stats["sum"].to_numpy(dtype=float), nan=0.0)
    return out


_WHOLE = _cache.Memo(16)  # units' raster sums by raster file, units' geometry and CRS


def spread_by_raster(table: pd.DataFrame, units: gpd.GeoDataFrame, covered: Any, crs: CRS,
                     raster: Path) -> None:
    """Place each unit's people by the population grid: the covered population of
    ``table`` becomes the unit's count × (raster sum in the unit ∩ ``covered`` / raster sum
    in the unit), where the raster holds people in the unit (else the uniform value stays).

    Parameters
    ----------
    table
        A per-unit coverage table in the units' order (``population``,
        ``covered_population``, ``covered_share_pct``), changed in place: also
        ``population_method`` (``raster``, or ``census_uniform (raster empty)`` for a unit
        the grid has nobody in), ``raster_population`` and ``raster_covered``.
    units
        The units, in ``crs``.
    covered
        The covered area (a shapely geometry in ``crs``).
    crs
        The metric CRS of ``units`` and ``covered``.
    raster
        The population GeoTIFF.
    """
    geoms = units.geometry.to_numpy()
    # the units' own sums are the same for every covered area (scenarios, lines, periods)
    key = (str(raster), _cache.file_digest(raster), _cache.geoms_digest(geoms),
           CRS.from_user_input(crs).to_wkt())

    def sums() -> dict[str, np.ndarray]:
        # each unit clipped by the covered parts it meets (a spatial index), the grid's sums
        # over the pieces added up per unit (the parts are disjoint)
        index, pieces = clip_pairs(geoms, covered)
        whole = _WHOLE.get(key, lambda: zonal_sums(raster, geoms, crs))
        part = np.bincount(index, weights=zonal_sums(raster, pieces, crs),
                           minlength=len(geoms)) if len(pieces) else np.zeros(len(geoms))
        return {"whole": whole, "part": part}

    # the same grid, units and covered area (another process, date or indicator): read back
    found = _cache.persisted("raster-sums", (*key, _cache.geoms_digest(covered)), sums,
                             code=__file__, pack=lambda arrays: arrays,
                             unpack=lambda arrays: arrays, names=("whole", "part"))
    whole, part = found["whole"], found["part"]
    pop = table["population"].to_numpy(dtype=float)
    ok = whole > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(ok, pop * np.minimum(part / np.where(ok, whole, 1.0), 1.0), np.nan)
    uniform = table["covered_population"].to_numpy(dtype=float)
    table["covered_population"] = np.where(ok, spread, uniform)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["covered_share_pct"] = np.where(pop > 0, 100.0 * table["covered_population"] / pop,
                                              np.nan)
    table["population_method"] = np.where(ok, "raster", "census_uniform (raster empty)")
    table["raster_population"] = whole
    table["raster_covered"] = part
