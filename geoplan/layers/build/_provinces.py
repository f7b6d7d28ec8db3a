"""Statistics bundles of Hải Phòng, Hà Tĩnh and Tuyên Quang (the provinces of 2025).

``shared/data`` has no committable ward geometry for these provinces (only GADM, whose licence
forbids redistribution), so their bundles hold the province outline from openly licensed
sources, the WorldPop 2020 grid and the 2019 census totals as manifest statistics; every other
role is listed as missing with the reason. The recipes of their plans then compute what the
census allows (urbanisation) and report *no data* for the rest.

The 2025 provinces are unions of the former ones: Hải Phòng = Hải Phòng + Hải Dương, Tuyên
Quang = Tuyên Quang + Hà Giang; Hà Tĩnh is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry import Polygon

from geoplan.crs import NORTHERN_VIETNAM_CRS, WGS84
from geoplan.errors import SourceDataError
from geoplan.layers.build._admin import read_census
from geoplan.layers.build._bundle import BundleSpec
from geoplan.layers.build._common import (
    BuiltLayer,
    census_statistics,
    city_extent,
    source_path,
    with_extent,
)
from geoplan.layers.build._environment import build_population_raster
from geoplan.layers.build._transit import OSM_ATTRIBUTION
from geoplan.layers.manifest import LayerEntry
from geoplan.layers.roles import ROLES

__all__ = ["PROVINCES", "build_province", "census_totals", "read_poly"]

_CENSUS = "vn-demographic/VN_Population_ward.csv"
_ADM1 = "kraemer-geoglue-geoboundaries/geoBoundaries-VNM-ADM1.shp"
_ADM0 = "kraemer-geoglue-geoboundaries/geoBoundaries-VNM-ADM0.shp"
_HP_POLY = "its-hanoi-routing/haiphong.poly"
_GEOBOUNDARIES = ("geoBoundaries gbOpen VNM ADM1 (provinces before the 2025 mergers) via "
                  "kraemer-lab/geoglue @ e83cf4e8bc73e8621caea3dbcfeedd4ce4f0bc1c "
                  f"(shared/data/{_ADM1})")


@dataclass(frozen=True)
class Province:
    """A 2025 province: its former provinces (census keys, geoBoundaries ISO codes)."""

    name: str
    title: str
    title_en: str
    former: tuple[str, ...]
    census_keys: tuple[str, ...]
    iso: tuple[str, ...]
    outline: str  # "osm-poly" or "geoboundaries"


PROVINCES: dict[str, Province] = {
    "haiphong": Province("haiphong", "Hải Phòng", "Hai Phong", ("Hải Phòng", "Hải Dương"),
                         ("haiphong", "haiduong"), ("VN-HP", "VN-61"), "osm-poly"),
    "hatinh": Province("hatinh", "Hà Tĩnh", "Ha Tinh", ("Hà Tĩnh",), ("hatinh",), ("VN-23",),
                       "geoboundaries"),
    "tuyenquang": Province("tuyenquang", "Tuyên Quang", "Tuyen Quang",
                           ("Tuyên Quang", "Hà Giang"), ("tuyenquang", "hagiang"),
                           ("VN-07", "VN-03"), "geoboundaries"),
}


def read_poly(path: Path) -> Polygon | shapely.MultiPolygon:
    """Read an Osmosis ``.poly`` file (rings, holes prefixed ``!``) as a (multi)polygon.

    Parameters
    ----------
    path
        The ``.poly`` file (longitude latitude per line).

    Returns
    -------
    shapely Polygon or MultiPolygon in longitude/latitude.

    Raises
    ------
    SourceDataError
        If the file is missing or not in the ``.poly`` format.
    """
    from geoplan.io import file_kind

    kind = file_kind(path)
    if kind is not None:  # missing, or a FIFO or device that must not be opened
        what = "not found" if kind == "missing" else f"is {kind}, not a regular file"
        message = f"polygon file {path} {what}; pass --source pointing at shared/data"
        raise SourceDataError(message)
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    shells: list[list[tuple[float, float]]] = []
    holes: list[list[tuple[float, float]]] = []
    ring: list[tuple[float, float]] | None = None
    is_hole = False
    try:
        for line in lines[1:]:  # first line: the polygon's name
            if ring is None:
                if line == "END":
                    break
                ring, is_hole = [], line.startswith("!")
            elif line == "END":
                (holes if is_hole else shells).append(ring)
                ring = None
            else:
                x, y = line.split()[:2]
                ring.append((float(x), float(y)))
    except ValueError:
        message = f"{path}: not an Osmosis .poly file (bad coordinate line)"
        raise SourceDataError(message) from None
    if not shells:
        message = f"{path}: no ring in the .poly file"
        raise SourceDataError(message)
    polygons = [Polygon(s) for s in shells]
    outline = shapely.union_all(polygons)
    for hole in holes:
        outline = outline.difference(Polygon(hole))
    return outline


def census_totals(source: Path, keys: tuple[str, ...]) -> dict[str, int]:
    """2019 census totals (people, urban, rural, wards) of the former provinces ``keys``.

    Parameters
    ----------
    source
        The ``shared/data`` folder.
    keys
        Province keys as ``vietnamadminunits`` writes them (``"haiduong"``).

    Returns
    -------
    dict
        ``population``, ``urban_population``, ``rural_population``, ``wards``.

    Raises
    ------
    SourceDataError
        If the census table is missing or lacks a province.
    """
    table = read_census(source)
    rows = table[table["province_key"].isin(keys)]
    absent = sorted(set(keys) - set(rows["province_key"]))
    if absent:
        message = f"{source / _CENSUS}: no census rows for {', '.join(absent)}"
        raise SourceDataError(message)
    return {
        "population": int(rows["total"].sum()),
        "urban_population": int(rows["urban"].sum()),
        "rural_population": int(rows["rural"].sum()),
        "wards": len(rows),
    }


def _geoboundaries(source: Path, rel: str) -> gpd.GeoDataFrame:
    # geoBoundaries shapefiles come without .cpg: their text is UTF-8
    return gpd.read_file(source_path(source, rel), encoding="utf-8").to_crs(WGS84)


def _outline(source: Path, province: Province) -> tuple[gpd.GeoDataFrame, LayerEntry]:
    if province.outline == "osm-poly":
        land = shapely.union_all(list(_geoboundaries(source, _ADM0).geometry))
        geom = shapely.intersection(read_poly(source_path(source, _HP_POLY)), land)
        entry = LayerEntry(
            source=("OSM relation 1902682 (Hải Phòng after the 2025 merger with Hải Dương) as "
                    "an Osmosis .poly via ITS-Simulation/Hanoi-Routing @ "
                    f"e82e94c0c186b268bafd478495ca802b0938980e `Maps/hp.poly` "
                    f"(shared/data/{_HP_POLY}), clipped to the geoBoundaries gbOpen VNM ADM0 "
                    f"land outline (shared/data/{_ADM0})"),
            licence="ODbL 1.0 (© OpenStreetMap contributors); geoBoundaries gbOpen (CC BY 4.0)",
            attribution=f"{OSM_ATTRIBUTION}; geoBoundaries",
            date="OSM 2026-03; geoBoundaries ADM0 (kraemer-lab/geoglue @ e83cf4e8)",
        )
        how = ("OSM's outline, which reaches into the territorial sea, intersected with the "
               "national land outline")
    else:
        adm1 = _geoboundaries(source, _ADM1)
        parts = adm1[adm1["shapeISO"].isin(province.iso)]
        if len(parts) != len(province.iso):
            message = f"{source / _ADM1}: expected provinces {province.iso}, found {len(parts)}"
            raise SourceDataError(message)
        geom = shapely.union_all(list(parts.geometry))
        entry = LayerEntry(
            source=_GEOBOUNDARIES,
            licence="geoBoundaries gbOpen (reported CC BY 4.0)",
            attribution="geoBoundaries (www.geoboundaries.org)",
            date="geoBoundaries VNM ADM1 (pre-2025 provinces)",
        )
        how = "the geoBoundaries outline" + (
            f"s of {' and '.join(province.former)}, unioned" if len(province.former) > 1 else "")
    outline = gpd.GeoDataFrame({"name": [province.title], "name_en": [province.title_en]},
                               geometry=[shapely.set_precision(geom, 1e-6)], crs=WGS84)
    area = float(outline.to_crs(NORTHERN_VIETNAM_CRS).area.iloc[0]) / 1e6
    entry = entry.model_copy(update={
        "columns": {"name_en": "str"},
        "method": f"{how}; coordinates rounded to 1e-6°; area {area:,.0f} km² (EPSG:32648)",
        "approximate": True,
        "coverage_note": "generalised outline (geoBoundaries gbOpen): fine for maps, not for "
                         "area statistics",
    })
    return outline, entry


def _missing_reason(role: str) -> str:
    if role == "admin_units":
        return ("no openly licensed ward or commune polygons for this province in shared/data "
                "(they exist only in GADM, whose licence forbids redistribution); urbanisation "
                "uses the census totals in the manifest statistics")
    return f"shared/data holds no {role} data for this province"


def build_province(name: str, source: Path, *, workdir: Path) -> BundleSpec:
    """Build the statistics bundle of a 2025 province (``haiphong``, ``hatinh``, ``tuyenquang``).

    Parameters
    ----------
    name
        Key of :data:`PROVINCES`.
    source
        The ``shared/data`` folder.
    workdir
        Scratch folder for the population raster.

    Returns
    -------
    BundleSpec

    Raises
    ------
    SourceDataError
        If a source is missing or malformed.
    """
    province = PROVINCES[name]
    outline, entry = _outline(source, province)
    totals = census_totals(source, province.census_keys)
    census_source = (f"2019 Population and Housing Census (GSO): sum of the {totals['wards']} "
                     f"wards of {' + '.join(province.former)} in hgscarlette/vn-demographic "
                     "`VN_Population_ward.csv`")
    raster, _ = build_population_raster(source, boundary=outline, workdir=workdir,
                                        census_total=totals["population"])
    outline_layer = BuiltLayer("city_boundary", entry, outline, file=f"{name}.gpkg")
    built = {"city_boundary": with_extent(outline_layer, city_extent(outline)),
             "population_raster": raster}
    layers = [built.get(role) or BuiltLayer(role, LayerEntry(missing=_missing_reason(role)))
              for role in ROLES]
    keys = ("population", "urban_population")
    statistics = census_statistics({k: totals[k] for k in keys}, source=census_source)
    if len(province.former) > 1:  # plans written before the merger target the former province
        own = census_totals(source, province.census_keys[:1])
        note = (f"territory of {province.former[0]} before the 2025 merger with "
                f"{' and '.join(province.former[1:])}")
        pre_source = (f"2019 Population and Housing Census (GSO): sum of the {own['wards']} wards "
                      f"of {province.former[0]} in hgscarlette/vn-demographic "
                      "`VN_Population_ward.csv`")
        statistics |= census_statistics({k: own[k] for k in keys}, source=pre_source,
                                        suffix="_pre2025", note=note)
    former = " and ".join(province.former)
    return BundleSpec(
        name=name,
        title=province.title,
        description=(f"{province.title} (2025 province: {former}): outline, WorldPop 2020 and "
                     "2019 census totals; every other layer is missing."),
        country="VN",
        metric_crs="EPSG:32648",
        attribution=entry.attribution,
        data_date=date(2026, 3, 5) if province.outline == "osm-poly" else date(2024, 10, 1),
        layers=layers,
        statistics=statistics,
        notes=["Statistics bundle: the 2019 census totals of the former provinces that make "
               "up the 2025 province, its outline and the WorldPop 2020 grid. Indicators that "
               "need units, transit, land use or green space report no data."],
    )

