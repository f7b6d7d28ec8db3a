"""Administrative layers of the Hà Nội bundle: the 126 units of 2025 with 2019 census population.

Since 1 July 2025 Hà Nội has no district level: 126 units (51 phường, 75 xã). Their geometry
comes from OpenStreetMap; the population is the 2019 Population and Housing Census (GSO), which
counted 584 wards and communes, carried to the new units in three steps:

1. **2019 ward → unit of 1 January 2025** (526 units, the last state before the July merger).
   A 2019 ward whose district and name still exist maps to itself; one that was merged in
   2019–2025 (86 wards, mostly by Resolution 1286/NQ-UBTVQH15 of 2024) is found through the
   former names that ``vietnamadminunits`` records as keywords of the unit that absorbed it,
   within the same district. Every 2019 ward must resolve to exactly one unit.
2. **Unit of 1 January 2025 → unit of 1 July 2025**, by the official conversion table that the
   PyPI package ``vietnamadminunits`` carries (``converter_2025``): most old units go whole to
   one new unit; a unit the table lists as *divided* goes to several.
3. **Divided units are apportioned by where people live**: the 2019 ward's GADM 4.1 polygon
   (used inside the build only, never written to the bundle) is intersected with the OSM
   polygons of the new units the table lists for it, and its urban and rural population are
   shared in proportion to the WorldPop 2020 people counted in each overlap (1 km pixels
   weighted by the share they cover; overlap *area* where WorldPop counts nobody), with
   largest-remainder rounding so every 2019 ward keeps its exact count. Area alone would send
   a town's people into the empty river plain of a neighbouring commune (Tây Đằng: 30% by area
   into the island commune Minh Châu). A ward whose polygon overlaps none of its listed units
   goes whole to the table's default unit.

The city total therefore stays exactly 8,053,663, the census figure; the build fails if not.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.crs import NORTHERN_VIETNAM_CRS, WGS84
from geoplan.errors import SourceDataError
from geoplan.layers.build._common import BuiltLayer, read_source, source_path
from geoplan.layers.build._transit import OSM_ATTRIBUTION
from geoplan.layers.manifest import LayerEntry
from geoplan.raster import zonal_sums

__all__ = [
    "CENSUS_TOTAL_2019",
    "INNER_DISTRICTS",
    "Apportionment",
    "apportion",
    "build_admin_units",
    "build_city_boundary",
    "largest_remainder",
    "read_census",
]

logger = logging.getLogger(__name__)

_WARDS = "duck253-hanoi-traffic/hanoi_wards_2025_osm.geojson"
_BOUNDARY = "ducnghia176-gis/hanoi_city_boundary_osm.geojson"
_CENSUS = "vn-demographic/VN_Population_ward.csv"
_GADM_L3 = "rexin4n15-vietnam-map-34-provinces/gadm41_l3_ha-noi.geojson"
_WORLDPOP = "kraemer-geoglue-worldpop/vnm_ppp_2020_1km_Aggregated_UNadj.tif"

_PROVINCE_KEY = "thanhphohanoi"
#: Hà Nội's population in the 2019 census (GSO), the sum of its 584 wards and communes.
CENSUS_TOTAL_2019 = 8_053_663
#: Official area of Hà Nội (km²), for the build's check of the OSM geometry.
OFFICIAL_AREA_KM2 = 3359.8
#: The 12 urban districts (quận) of Hà Nội before 1 July 2025: the inner city.
INNER_DISTRICTS: tuple[str, ...] = (
    "Ba Đình", "Hoàn Kiếm", "Tây Hồ", "Long Biên", "Cầu Giấy", "Đống Đa", "Hai Bà Trưng",
    "Hoàng Mai", "Thanh Xuân", "Nam Từ Liêm", "Bắc Từ Liêm", "Hà Đông",
)
_DUCK_REPO = ("Duck253/Spatial-Clustering-and-Multimodal-Analysis-Systems-in-Urban-Traffic-"
              "Monitoring. @ 2a99454dc22d4deb938c1323208fa49f3779c26d "
              "`data/hanoi_districts.geojson`")
_CENSUS_REPO = "hgscarlette/vn-demographic @ bfc550816e562fb5e16ee7a4ac0ffcb71f5ad99e"


def _key(text: object) -> str:
    """The ``vietnamadminunits`` key of a name: no accents, no spaces, lower case."""
    from vietnamadminunits.parser.utils import key_normalize

    return str(key_normalize(str(text)))


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split the whole number ``total`` in proportion to ``weights``, exactly.

    Each share is rounded down, and the people left over go one by one to the shares with the
    largest fractional parts (ties: the earlier share), so the shares are whole and sum to
    ``total``.

    Parameters
    ----------
    total
        Whole number to split (``>= 0``).
    weights
        Non-negative weights with a positive sum.

    Returns
    -------
    numpy.ndarray
        Integer shares, same length as ``weights``.

    Examples
    --------
    >>> largest_remainder(10, np.array([1.0, 1.0, 1.0])).tolist()
    [4, 3, 3]
    """
    w = np.asarray(weights, dtype=float)
    exact = total * w / w.sum()
    shares = np.floor(exact).astype(np.int64)
    left = int(total - shares.sum())
    order = np.argsort(-(exact - shares), kind="stable")
    shares[order[:left]] += 1
    return shares


@dataclass(frozen=True)
class Apportionment:
    """How one 2019 ward's population was carried to the 2025 units.

    ``basis`` is ``"whole"`` (one 2025 unit), ``"population"`` (shared by the raster's people
    in each overlap), ``"area"`` (shared by overlap area) or ``"default"`` (no overlap: the
    conversion's default unit).
    """

    census_id: str
    legacy_key: str
    via_keyword: bool
    new_keys: tuple[str, ...]
    urban: tuple[int, ...]
    rural: tuple[int, ...]
    weights: tuple[float, ...]
    basis: str


def read_census(source: Path) -> pd.DataFrame:
    """The 2019 census by ward (GSO) for all Vietnam, with ``province_key``.

    ``urban`` and ``rural`` are whole numbers (empty = 0); ``province_key`` is the province
    name as a ``vietnamadminunits`` key (``"hanoi"``, ``"haiduong"``).

    Raises
    ------
    SourceDataError
        If the table is missing or lacks a column geoplan needs.
    """
    path = source_path(source, _CENSUS)
    table = pd.read_csv(path, dtype={"ward_id": str})
    needed = {"ward_id", "city", "district", "ward", "dist_title", "ward_title", "total",
              "urban", "rural"}
    if not needed <= set(table.columns):
        message = f"{path}: missing column(s) {', '.join(sorted(needed - set(table.columns)))}"
        raise SourceDataError(message)
    table["urban"] = table["urban"].fillna(0).astype(np.int64)
    table["rural"] = table["rural"].fillna(0).astype(np.int64)
    table["province_key"] = table["city"].map(_key)
    return table


def _census(source: Path) -> pd.DataFrame:
    table = read_census(source)
    path = source / _CENSUS
    hanoi = table[table["province_key"] == "hanoi"].copy()
    total = int(hanoi["total"].sum())
    if len(hanoi) != 584 or total != CENSUS_TOTAL_2019:
        message = (f"{path}: Hà Nội has {len(hanoi)} rows and {total:,} people; expected 584 "
                   f"wards and {CENSUS_TOTAL_2019:,} (2019 census)")
        raise SourceDataError(message)
    bad = hanoi[hanoi["urban"] + hanoi["rural"] != hanoi["total"]]
    if not bad.empty:
        message = f"{path}: urban + rural != total for ward_id {', '.join(bad['ward_id'][:5])}"
        raise SourceDataError(message)
    hanoi["old_key"] = (
        f"{_PROVINCE_KEY}_" + (hanoi["dist_title"] + hanoi["district"]).map(_key) + "_"
        + (hanoi["ward_title"] + hanoi["ward"]).map(_key)
    )
    return hanoi.reset_index(drop=True)


def _legacy_units() -> pd.DataFrame:
    import json

    from vietnamadminunits.database import query

    rows = query(
        "SELECT district, districtCode, districtType, districtKey, ward, wardCode, wardKey, "
        f"wardKeywords FROM admin_units_legacy WHERE provinceKey = '{_PROVINCE_KEY}'"
    )
    legacy = pd.DataFrame(rows)
    legacy["old_key"] = f"{_PROVINCE_KEY}_" + legacy["districtKey"] + "_" + legacy["wardKey"]
    legacy["keywords"] = legacy["wardKeywords"].map(lambda s: set(json.loads(s or "[]")))
    return legacy.set_index("old_key", drop=False)


def _new_units() -> pd.DataFrame:
    from vietnamadminunits.database import query

    rows = query(
        "SELECT ward, wardShort, wardType, wardCode, wardKey, wardAreaKm2 FROM admin_units "
        f"WHERE provinceKey = '{_PROVINCE_KEY}'"
    )
    return pd.DataFrame(rows).set_index("wardKey", drop=False)


def _conversion() -> tuple[dict[str, str], dict[str, list[dict[str, Any]]]]:
    """Old key → new key for whole units, and old key → candidate new units for divided ones."""
    from vietnamadminunits.converter import converter_2025 as conv

    whole = {old: new for new, olds in conv.DICT_PROVINCE_WARD_NO_DIVIDED[_PROVINCE_KEY].items()
             for old in olds}
    divided = dict(conv.DICT_PROVINCE_WARD_DIVIDED.get(_PROVINCE_KEY, {}))
    return whole, divided


def _resolve_legacy(census: pd.DataFrame, legacy: pd.DataFrame) -> tuple[list[str], list[bool]]:
    keys: list[str] = []
    via: list[bool] = []
    problems: list[str] = []
    for row in census.itertuples():
        old_key = str(row.old_key)
        if old_key in legacy.index:
            keys.append(old_key)
            via.append(False)
            continue
        district, ward = old_key.split("_")[1:3]
        hits = legacy[(legacy["districtKey"] == district)
                      & legacy["keywords"].map(lambda kw, w=ward: w in kw)]
        if len(hits) != 1:
            problems.append(f"{row.ward_title} {row.ward} ({row.district}): "
                            f"{len(hits)} candidate units of 2025-01-01")
            keys.append("")
        else:
            keys.append(str(hits.index[0]))
        via.append(True)
    if problems:
        message = ("2019 wards that do not resolve to one unit of 1 January 2025 in "
                   "vietnamadminunits: " + "; ".join(problems))
        raise SourceDataError(message)
    return keys, via


def apportion(
    census: pd.DataFrame,
    legacy_keys: list[str],
    via_keyword: list[bool],
    *,
    whole: dict[str, str],
    divided: dict[str, list[dict[str, Any]]],
    old_geoms: gpd.GeoSeries,
    new_geoms: gpd.GeoSeries,
    raster: Path | None = None,
) -> list[Apportionment]:
    """Carry each 2019 ward's urban and rural population to the 2025 units.

    A ward whose unit of 1 January 2025 goes whole to one 2025 unit gives it everything. A
    ward whose unit the conversion lists as divided is shared between the listed 2025 units in
    proportion to the people ``raster`` counts in each overlap of the ward's polygon with a
    unit's polygon (exact pixel coverage), or to the overlap areas when there is no raster or
    it counts nobody there; a ward that overlaps none of its listed units goes whole to the
    conversion's default unit.

    Parameters
    ----------
    census
        One row per 2019 ward with ``ward_id``, ``urban``, ``rural``.
    legacy_keys, via_keyword
        The unit of 1 January 2025 of each row, and whether it was found through a former name.
    whole, divided
        The official conversion: old key → new key, and old key → candidate new units
        (``newWardKey``, ``isDefaultNewWard``).
    old_geoms
        2019 ward polygons indexed by ``ward_id``, metric CRS.
    new_geoms
        2025 unit polygons indexed by new key, same CRS.
    raster
        Population count GeoTIFF for the weights (any CRS); None for area weights.

    Returns
    -------
    list of Apportionment
        One per census row, in order.

    Raises
    ------
    SourceDataError
        If a unit of 1 January 2025 is not in the conversion table or names a 2025 unit that
        has no polygon.
    """
    targets: list[list[str]] = []
    overlaps: list[np.ndarray] = []
    defaults: list[int] = []
    for ward_id, key in zip(census["ward_id"].astype(str), legacy_keys, strict=True):
        if key in whole:
            targets.append([whole[key]])
            overlaps.append(np.array([shapely.Polygon()], dtype=object))
            defaults.append(0)
            continue
        if key not in divided:
            message = f"unit {key} of 1 January 2025 is not in the vietnamadminunits conversion"
            raise SourceDataError(message)
        candidates = divided[key]
        names = [str(c["newWardKey"]) for c in candidates]
        missing = [t for t in names if t not in new_geoms.index]
        if missing:
            message = f"conversion of {key} names 2025 unit(s) without OSM polygon: {missing}"
            raise SourceDataError(message)
        geom = old_geoms.get(ward_id)
        parts = [shapely.Polygon() if geom is None else geom.intersection(new_geoms[t])
                 for t in names]
        targets.append(names)
        overlaps.append(np.array(parts, dtype=object))
        defaults.append(next((i for i, c in enumerate(candidates) if c["isDefaultNewWard"]), 0))
    flat = np.concatenate(overlaps)
    areas = shapely.area(flat)
    people = (zonal_sums(raster, flat, new_geoms.crs) if raster is not None
              else np.zeros(len(flat)))
    out: list[Apportionment] = []
    start = 0
    ids = census["ward_id"].astype(str).tolist()
    urban_all = census["urban"].to_numpy(dtype=np.int64)
    rural_all = census["rural"].to_numpy(dtype=np.int64)
    for i, (key, via, names, default) in enumerate(zip(legacy_keys, via_keyword, targets,
                                                       defaults, strict=True)):
        stop = start + len(names)
        if len(names) == 1:
            weights, basis = np.array([1.0]), "whole"
        elif people[start:stop].sum() > 0:
            weights, basis = people[start:stop], "population"
        elif areas[start:stop].sum() > 0:
            weights, basis = areas[start:stop], "area"
        else:
            weights, basis = np.eye(len(names))[default], "default"
        start = stop
        urban = largest_remainder(int(urban_all[i]), weights)
        rural = largest_remainder(int(rural_all[i]), weights)
        out.append(Apportionment(
            ids[i], key, via, tuple(names), tuple(int(u) for u in urban),
            tuple(int(r) for r in rural), tuple(float(w) for w in weights / weights.sum()),
            basis,
        ))
    return out


def _osm_units(source: Path) -> gpd.GeoDataFrame:
    path = source / _WARDS
    wards = read_source(source, _WARDS).to_crs(WGS84)
    wards = wards[wards.geom_type.isin(["Polygon", "MultiPolygon"])].copy()
    if len(wards) != 126 or "name" not in wards.columns:
        message = f"{path}: {len(wards)} polygons; expected the 126 units of 2025 with 'name'"
        raise SourceDataError(message)
    wards["new_key"] = wards["name"].map(_key)
    if wards["new_key"].duplicated().any():
        dups = wards.loc[wards["new_key"].duplicated(), "name"].tolist()
        message = f"{path}: duplicate unit names {dups}"
        raise SourceDataError(message)
    return wards.set_index("new_key", drop=False)


def build_admin_units(source: Path) -> tuple[BuiltLayer, dict[str, Any]]:
    """Build ``admin_units``: the 126 units of 2025 (OSM) with 2019 census population.

    Parameters
    ----------
    source
        The ``shared/data`` folder (see its ``SOURCES.md``).

    Returns
    -------
    (BuiltLayer, dict)
        The layer (EPSG:4326, one row per unit ordered by official code) and the measured
        figures (counts, totals, area, how many wards were split).

    Raises
    ------
    SourceDataError
        If a source is missing or malformed, a name does not match the official list, or the
        carried population does not add up to the census total.

    Examples
    --------
    >>> layer, figures = build_admin_units(Path("../shared/data"))  # doctest: +SKIP
    >>> figures["population"], figures["units"]  # doctest: +SKIP
    (8053663, 126)
    """
    wards = _osm_units(source)
    official = _new_units()
    unknown = sorted(set(wards.index) - set(official.index))
    if unknown or len(official) != len(wards):
        names = wards.loc[unknown, "name"].tolist()
        message = (f"{source / _WARDS}: unit names not in the official 2025 list of "
                   f"vietnamadminunits: {names}; {len(official)} official units")
        raise SourceDataError(message)
    census = _census(source)
    legacy = _legacy_units()
    whole, divided = _conversion()
    legacy_keys, via = _resolve_legacy(census, legacy)

    gadm = read_source(source, _GADM_L3)
    if "GID_3" not in gadm.columns:
        message = f"{source / _GADM_L3}: missing column 'GID_3'"
        raise SourceDataError(message)
    old_geoms = gadm.set_index("GID_3").geometry.to_crs(NORTHERN_VIETNAM_CRS)
    new_metric = wards.geometry.to_crs(NORTHERN_VIETNAM_CRS)
    raster = source_path(source, _WORLDPOP)
    pieces = apportion(census, legacy_keys, via, whole=whole, divided=divided,
                       old_geoms=old_geoms, new_geoms=new_metric, raster=raster)

    urban: dict[str, int] = defaultdict(int)
    rural: dict[str, int] = defaultdict(int)
    inner: dict[str, int] = defaultdict(int)
    districts: dict[str, set[tuple[str, str]]] = defaultdict(set)
    n_old: dict[str, int] = defaultdict(int)
    for piece in pieces:
        old = legacy.loc[piece.legacy_key]
        is_inner_district = (old["districtType"] == "Quận"
                             and str(old["district"]).removeprefix("Quận ") in INNER_DISTRICTS)
        for new, u, r in zip(piece.new_keys, piece.urban, piece.rural, strict=True):
            urban[new] += u
            rural[new] += r
            if is_inner_district:
                inner[new] += u + r
            if u + r > 0:
                districts[new].add((str(old["districtCode"]), str(old["district"])))
                n_old[new] += 1

    keys = list(wards.index)
    pop = np.array([urban[k] + rural[k] for k in keys], dtype=np.int64)
    if int(pop.sum()) != CENSUS_TOTAL_2019:
        message = (f"carried population sums to {int(pop.sum()):,}, not the census total "
                   f"{CENSUS_TOTAL_2019:,}: the apportionment lost people")
        raise SourceDataError(message)
    unpopulated = [wards.loc[k, "name"] for k, p in zip(keys, pop, strict=True) if p == 0]
    if unpopulated:
        message = f"2025 units that received no 2019 population: {unpopulated}"
        raise SourceDataError(message)

    osm_pop = pd.to_numeric(wards["population"], errors="coerce").round().astype("Int64")
    osm_date = wards.get("population:date", pd.Series("", index=wards.index))
    osm_date = osm_date.where(osm_pop.notna(), "").fillna("").astype(str).str.slice(0, 10)
    area_km2 = new_metric.area.to_numpy() / 1e6
    units = gpd.GeoDataFrame(
        {
            "unit_id": official.loc[keys, "wardCode"].astype(str).to_numpy(),
            "name": wards["name"].astype(str).to_numpy(),
            "name_en": wards.get("name:en", pd.Series("", index=wards.index)).fillna("")
            .astype(str).to_numpy(),
            "unit_type": [("phường" if official.loc[k, "wardType"] == "Phường" else "xã")
                          for k in keys],
            "population": pop,
            "urban_population": np.array([urban[k] for k in keys], dtype=np.int64),
            "rural_population": np.array([rural[k] for k in keys], dtype=np.int64),
            "is_inner": np.array([inner[k] * 2 > urban[k] + rural[k] for k in keys]),
            "inner_share": np.round([inner[k] / (urban[k] + rural[k]) for k in keys], 4),
            "census_wards": np.array([n_old[k] for k in keys], dtype=np.int64),
            "old_districts": ["; ".join(f"{name} ({code})" for code, name in sorted(districts[k]))
                              for k in keys],
            "population_2025_osm": osm_pop.to_numpy(),
            "population_2025_date": osm_date.to_numpy(),
            "area_km2": np.round(area_km2, 3),
            "osm_id": wards["id"].astype(str).to_numpy(),
            "wikidata": wards.get("wikidata", pd.Series("", index=wards.index)).fillna("")
            .astype(str).to_numpy(),
        },
        geometry=wards.geometry.to_numpy(),
        crs=WGS84,
    )
    units = units.sort_values("unit_id").reset_index(drop=True)

    split = [p for p in pieces if len(p.new_keys) > 1]
    shared = [p for p in split if sum(w > 0 for w in p.weights) > 1]
    basis = pd.Series([p.basis for p in split]).value_counts()
    moved = sum(sum(p.urban) + sum(p.rural) - max(u + r for u, r in zip(p.urban, p.rural,
                                                                         strict=True))
                for p in shared)
    figures: dict[str, Any] = {
        "units": len(units),
        "phuong": int((units["unit_type"] == "phường").sum()),
        "xa": int((units["unit_type"] == "xã").sum()),
        "population": int(units["population"].sum()),
        "urban_population": int(units["urban_population"].sum()),
        "rural_population": int(units["rural_population"].sum()),
        "inner_units": int(units["is_inner"].sum()),
        "area_km2": round(float(area_km2.sum()), 1),
        "census_wards": len(census),
        "via_keyword": sum(via),
        "listed_divided": len(split),
        "shared": len(shared),
        "moved": int(moved),
        "by_population": int(basis.get("population", 0)),
        "by_area": int(basis.get("area", 0)),
        "by_default": int(basis.get("default", 0)),
        "osm_population_units": int(osm_pop.notna().sum()),
        "osm_population_dated": int((units["population_2025_date"] != "").sum()),
    }
    entry = LayerEntry(
        columns={"name_en": "str", "inner_share": "float", "census_wards": "int",
                 "old_districts": "str", "population_2025_osm": "int",
                 "population_2025_date": "date", "area_km2": "float", "osm_id": "str"},
        id_column="unit_id",
        source=(
            f"geometry, names, name_en and population_2025_osm: OSM admin_level=6 relations via "
            f"{_DUCK_REPO} (shared/data/{_WARDS}); population: 2019 Population and Housing "
            f"Census (GSO) by ward via {_CENSUS_REPO} `VN_Population_ward.csv` "
            f"(shared/data/{_CENSUS}); official codes, the units of 1 January 2025 and the "
            "2025 conversion table: PyPI package vietnamadminunits 1.0.4; for apportioning "
            f"divided units, 2019 ward polygons of GADM 4.1 level 3 (shared/data/{_GADM_L3}), "
            "used in the build only and not redistributed, and WorldPop 2020 1 km counts "
            f"(shared/data/{_WORLDPOP})"
        ),
        licence=("geometry and names: ODbL 1.0 (© OpenStreetMap contributors); census "
                 "figures: GSO, public; codes: vietnamadminunits (MIT)"),
        date="units of 2025-07-01 (OSM ≈ 2025); population 2019-04-01 (census)",
        method=(
            f"{figures['census_wards']} census wards of 2019 carried to the 126 units of 1 July "
            "2025: (1) 2019 ward → unit of 1 January 2025 by district and name, or, for "
            f"{figures['via_keyword']} wards merged in 2019–2025, by the former names "
            "vietnamadminunits records for the absorbing unit in the same district; (2) → 2025 "
            "unit by the official conversion of vietnamadminunits (converter_2025); (3) the "
            f"{figures['listed_divided']} 2019 wards whose unit the conversion lists as divided "
            "are shared between the listed units in proportion to the WorldPop 2020 (1 km, "
            "CC BY 4.0) people in the overlap of their GADM 4.1 polygon with each unit's OSM "
            "polygon (exactextract coverage weights; "
            f"{figures['by_population']} wards), by overlap area where WorldPop counts nobody "
            f"({figures['by_area']}), or whole to the conversion's default unit where there is "
            f"no overlap ({figures['by_default']}); urban and rural separately with "
            "largest-remainder rounding, so each 2019 ward keeps its exact count "
            f"({figures['shared']} wards actually shared, {figures['moved']:,} people placed "
            "outside the unit that got the ward's largest share). City total "
            f"{figures['population']:,} = census total (urban {figures['urban_population']:,}, "
            f"rural {figures['rural_population']:,}). unit_id = official 5-digit code; "
            "unit_type from the official type; is_inner = more than half of the unit's 2019 "
            "population lived in the 12 former urban districts (quận), inner_share = that "
            "share; old_districts = former districts (name, code) that contributed people "
            "(attributes only; no district geometry is kept); population_2025_osm = OSM's "
            f"population tag ({figures['osm_population_units']} units; "
            f"{figures['osm_population_dated']} dated by OSM's population:date, source gis.vn, "
            "in population_2025_date; the others carry no date or source in OSM). Area "
            f"{figures['area_km2']:,.1f} km² (official "
            f"{OFFICIAL_AREA_KM2:,} km²)."
        ),
        attribution=OSM_ATTRIBUTION,
        coverage="full",
        coverage_note=(
            "population is the 2019 census on 2025 boundaries; inside divided 2019 wards it is "
            "spread by WorldPop's 1 km model, an approximation for wards smaller than a pixel"
        ),
    )
    logger.info("admin_units: %s", figures)
    return BuiltLayer("admin_units", entry, units, file="hanoi.gpkg"), figures


def build_city_boundary(source: Path) -> BuiltLayer:
    """Build ``city_boundary``: OSM relation 1903516 (Hà Nội).

    Parameters
    ----------
    source
        The ``shared/data`` folder.

    Returns
    -------
    BuiltLayer

    Raises
    ------
    SourceDataError
        If the file is missing or holds no polygon.
    """
    raw = read_source(source, _BOUNDARY).to_crs(WGS84)
    polygons = raw[raw.geom_type.isin(["Polygon", "MultiPolygon"])]
    if polygons.empty:
        message = f"{source / _BOUNDARY}: no polygon (expected OSM relation 1903516)"
        raise SourceDataError(message)
    outline = shapely.union_all(list(polygons.geometry))
    osm_id = str(polygons["osm_id"].iloc[0]) if "osm_id" in polygons.columns else "1903516"
    boundary = gpd.GeoDataFrame({"name": ["Hà Nội"], "name_en": ["Hanoi"],
                                 "osm_id": [f"relation/{osm_id}"]},
                                geometry=[outline], crs=WGS84)
    area = float(boundary.to_crs(NORTHERN_VIETNAM_CRS).area.iloc[0]) / 1e6
    entry = LayerEntry(
        columns={"name_en": "str", "osm_id": "str"},
        source=("OSM relation 1903516 (Nominatim result for Hà Nội) via DucNghia176/GIS @ "
                "d292c27488d7abe47ea74c0c432bd9eba509dbdc `hanoi.geojson` "
                f"(shared/data/{_BOUNDARY})"),
        licence="ODbL 1.0 (© OpenStreetMap contributors)",
        date="≈ 2025-10",
        method=f"the relation's polygon as published; area {area:,.1f} km² in EPSG:32648 "
               f"(official {OFFICIAL_AREA_KM2:,} km²)",
        attribution=OSM_ATTRIBUTION,
    )
    return BuiltLayer("city_boundary", entry, boundary, file="hanoi.gpkg")
