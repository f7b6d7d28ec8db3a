"""The national base bundle ``vietnam``: the 34 provinces of 1 July 2025 with 2019 census figures.

Since 1 July 2025 Vietnam has 34 provinces (Resolution 202/2025/QH15) and 3,321 communes;
the 2019 Population and Housing Census (GSO) counted 11,165 wards in the 63 provinces of the
time. The bundle carries the census to the new units:

* **Provinces** (``admin_units``, 34 rows): the geoBoundaries gbOpen ADM1 outlines of the 63
  former provinces, dissolved by the official merger list (``vietnamadminunits``'s
  ``converter_2025.DICT_PROVINCE``). The merger joined whole provinces, so each province's
  census count is the exact sum of its former provinces' wards: the national total stays
  96,208,984 and the build fails if it does not.
* **Communes** (``census_communes_2019.csv``, one row per 2025 commune): every 2019 ward
  resolved to its unit of 1 January 2025 (by name, else through the former names that
  ``vietnamadminunits`` records as keywords, within the same district) and carried by the
  official 2025 conversion table. A unit the table lists as *divided* between several new
  communes goes to the table's default commune (no openly licensed 2025 commune polygons exist
  to apportion it; the people so placed are counted per commune in ``default_people``); a
  2019 ward that resolves to no unit stays counted in its province but in no commune (per
  province ``unassigned_people``). geoplan reads this table at run time
  (:mod:`geoplan.layers.census`) to give OSM commune polygons their census population.
* **WorldPop** 2020 (the population raster of the whole country) and 2000 (per-province sums
  as ``worldpop_2000``/``worldpop_2020`` columns, for growth).

Geometry is geoBoundaries (CC BY 4.0), generalised: fine for a national map, not for areas.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geoplan.crs import NORTHERN_VIETNAM_CRS, WGS84
from geoplan.errors import SourceDataError
from geoplan.layers.build._admin import read_census
from geoplan.layers.build._bundle import BundleSpec
from geoplan.layers.build._common import BuiltLayer, source_path, with_extent
from geoplan.layers.build._environment import build_population_raster
from geoplan.layers.manifest import LayerEntry, Statistic, extent_text
from geoplan.layers.roles import ROLES
from geoplan.raster import zonal_sums

__all__ = ["CENSUS_COMMUNES_FILE", "CENSUS_FORMER_FILE", "NATIONAL_CENSUS_TOTAL_2019",
           "build_vietnam", "commune_census"]

logger = logging.getLogger(__name__)

#: Vietnam's population in the 2019 census (GSO), the sum of its 11,165 wards.
NATIONAL_CENSUS_TOTAL_2019 = 96_208_984
#: The per-commune census table written into the ``vietnam`` bundle.
CENSUS_COMMUNES_FILE = "census_communes_2019.csv"
#: The census per province of 2019 (the 63 before the merger), with its 2025 province.
CENSUS_FORMER_FILE = "census_provinces_2019.csv"

_ADM1 = "kraemer-geoglue-geoboundaries/geoBoundaries-VNM-ADM1.shp"
_CENSUS = "vn-demographic/VN_Population_ward.csv"
_WORLDPOP_2000 = "kraemer-geoglue-worldpop/vnm_ppp_2000_1km_Aggregated_UNadj.tif"
_WORLDPOP_2020 = "kraemer-geoglue-worldpop/vnm_ppp_2020_1km_Aggregated_UNadj.tif"
#: geoBoundaries names whose key is not the legacy province's short key.
_GB_ALIASES = {"thuathienhue": "hue", "condao": "bariavungtau"}
_CENSUS_REPO = "hgscarlette/vn-demographic @ bfc550816e562fb5e16ee7a4ac0ffcb71f5ad99e"
_GB_REPO = "kraemer-lab/geoglue @ e83cf4e8bc73e8621caea3dbcfeedd4ce4f0bc1c"


def _key(text: object) -> str:
    from vietnamadminunits.parser.utils import key_normalize

    return str(key_normalize(str(text)))


def _legacy() -> pd.DataFrame:
    from vietnamadminunits.database import query

    rows = query("SELECT provinceKey, provinceShortKey, districtKey, districtShortKey, "
                 "districtType, wardKey, wardKeywords FROM admin_units_legacy")
    legacy = pd.DataFrame(rows)
    legacy["old_key"] = (legacy["provinceKey"] + "_" + legacy["districtKey"] + "_"
                         + legacy["wardKey"])
    legacy["keywords"] = legacy["wardKeywords"].map(
        lambda s: set(json.loads(s)) if isinstance(s, str) and s else set())
    return legacy


def _new_communes() -> pd.DataFrame:
    from vietnamadminunits.database import query

    rows = query("SELECT provinceKey, provinceCode, province, provinceShort, ward, wardShort, "
                 "wardType, wardCode, wardKey FROM admin_units")
    return pd.DataFrame(rows)


def _old_to_new_province() -> dict[str, str]:
    from vietnamadminunits.converter import converter_2025 as conv

    return {old: new for new, olds in conv.DICT_PROVINCE.items() for old in olds}


def _resolve(census: pd.DataFrame, legacy: pd.DataFrame) -> pd.Series:
    """Each census row's unit of 1 January 2025 (``""`` when none or several match)."""
    by_key = set(legacy["old_key"])
    by_district: dict[tuple[str, str], list[tuple[str, set[str]]]] = defaultdict(list)
    by_province: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    by_short: dict[tuple[str, str], list[tuple[str, set[str]]]] = defaultdict(list)
    for row in legacy.itertuples():
        keywords: set[str] = set(row.keywords)  # type: ignore[arg-type]
        item = (str(row.old_key), keywords | {str(row.wardKey)})
        by_district[(str(row.provinceKey), str(row.districtKey))].append(item)
        by_province[str(row.provinceKey)].append(item)
        by_short[(str(row.provinceKey), str(row.districtShortKey))].append(item)
    out: list[str] = []
    district_short = census["district"].map(_key).tolist()
    ward_short = census["ward"].map(_key).tolist()
    for i, row in enumerate(census.itertuples()):
        old_key = str(row.old_key)
        if old_key in by_key:
            out.append(old_key)
            continue
        province, district, ward = old_key.split("_")[:3]
        hits = [k for k, kw in by_district.get((province, district), []) if ward in kw]
        if not hits:  # the district itself was reorganised (Thủ Đức, 2021): the province
            hits = [k for k, kw in by_province.get(province, []) if ward in kw]
        if not hits:  # a huyện become thị xã, a xã become phường: names without the type
            hits = [k for k, kw in by_short.get((province, district_short[i]), [])
                    if ward_short[i] in kw]
        out.append(hits[0] if len(hits) == 1 else "")
    return pd.Series(out, index=census.index)


def commune_census(source: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The 2019 census carried to the 34 provinces and 3,321 communes of 2025.

    Parameters
    ----------
    source
        The ``shared/data`` folder.

    Returns
    -------
    (communes, provinces, figures)
        ``communes``: one row per 2025 commune (``province_code``, ``commune_code``, ``name``,
        ``unit_type``, ``population``, ``urban_population``, ``rural_population``,
        ``inner_people`` (people of former urban districts, quận), ``census_wards``,
        ``default_people``), ordered by code. ``provinces``: one row per province
        (``province_code``, ``name``, ``province_key`` and the exact census sums, with
        ``unassigned_people``). ``figures``: counts for the manifest and tests, and
        ``former``: the census per province of 2019 with its 2025 ``province_code``.

    Raises
    ------
    SourceDataError
        If the census does not add up to the national total or a former province has no
        2025 province.
    """
    from vietnamadminunits.converter import converter_2025 as conv

    census = read_census(source)
    total = int(census["total"].sum())
    if len(census) != 11_165 or total != NATIONAL_CENSUS_TOTAL_2019:
        message = (f"{source / _CENSUS}: {len(census):,} wards and {total:,} people; expected "
                   f"11,165 and {NATIONAL_CENSUS_TOTAL_2019:,} (2019 census)")
        raise SourceDataError(message)
    legacy = _legacy()
    short_to_full = dict(zip(legacy["provinceShortKey"], legacy["provinceKey"], strict=False))
    short_to_full |= {"thuathienhue": short_to_full.get("hue", "thanhphohue")}
    census["old_province"] = census["province_key"].map(short_to_full)
    old_to_new = _old_to_new_province()
    census["new_province"] = census["old_province"].map(old_to_new)
    lost = sorted(census.loc[census["new_province"].isna(), "city"].unique())
    if lost:
        message = f"{source / _CENSUS}: provinces without a 2025 province: {lost}"
        raise SourceDataError(message)
    census["old_key"] = (census["old_province"] + "_"
                         + (census["dist_title"] + census["district"]).map(_key) + "_"
                         + (census["ward_title"] + census["ward"]).map(_key))
    census["legacy_key"] = _resolve(census, legacy)

    whole = {old: (prov, new) for prov, table in conv.DICT_PROVINCE_WARD_NO_DIVIDED.items()
             for new, olds in table.items() for old in olds}
    default = {old: (prov, next((c["newWardKey"] for c in cands if c["isDefaultNewWard"]),
                                cands[0]["newWardKey"]))
               for prov, table in conv.DICT_PROVINCE_WARD_DIVIDED.items()
               for old, cands in table.items()}
    target = [whole.get(k) or default.get(k) for k in census["legacy_key"]]
    census["commune_key"] = [f"{t[0]}_{t[1]}" if t else "" for t in target]
    census["by_default"] = [k not in whole and k in default for k in census["legacy_key"]]
    census["inner"] = census["dist_title"].map(_key).eq("quan")

    new = _new_communes()
    new["commune_key"] = new["provinceKey"] + "_" + new["wardKey"]
    placed = census[census["commune_key"].isin(set(new["commune_key"]))]
    groups = placed.groupby("commune_key")
    sums = pd.DataFrame({
        "population": groups["total"].sum(),
        "urban_population": groups["urban"].sum(),
        "rural_population": groups["rural"].sum(),
        "inner_people": placed[placed["inner"]].groupby("commune_key")["total"].sum(),
        "census_wards": groups.size(),
        "default_people": placed[placed["by_default"]].groupby("commune_key")["total"].sum(),
    }).fillna(0).astype(np.int64)
    communes = new.set_index("commune_key").join(sums).fillna(
        {c: 0 for c in sums.columns}).reset_index()
    communes = pd.DataFrame({
        "province_code": communes["provinceCode"].astype(str),
        "commune_code": communes["wardCode"].astype(str),
        "name": communes["ward"].astype(str),
        "unit_type": communes["wardType"].astype(str).str.lower(),
        **{c: communes[c].astype(np.int64) for c in sums.columns},
    }).sort_values("commune_code").reset_index(drop=True)

    info = new.groupby("provinceKey").first()
    pgroups = census.groupby("new_province")
    provinces = pd.DataFrame({
        "population": pgroups["total"].sum(),
        "urban_population": pgroups["urban"].sum(),
        "rural_population": pgroups["rural"].sum(),
        "census_wards": pgroups.size(),
        "former": pgroups["city"].agg(lambda s: "; ".join(sorted(set(s)))),
    })
    assigned = placed.groupby("new_province")["total"].sum()
    provinces["unassigned_people"] = (provinces["population"]
                                      - assigned.reindex(provinces.index).fillna(0)
                                      ).astype(np.int64)
    provinces["province_code"] = info.loc[provinces.index, "provinceCode"].astype(str)
    provinces["name"] = info.loc[provinces.index, "province"].astype(str)
    provinces["name_short"] = info.loc[provinces.index, "provinceShort"].astype(str)
    provinces["province_key"] = provinces.index
    provinces = provinces.sort_values("province_code").reset_index(drop=True)
    if int(provinces["population"].sum()) != NATIONAL_CENSUS_TOTAL_2019 or len(provinces) != 34:
        message = (f"{len(provinces)} provinces summing to {int(provinces['population'].sum()):,}"
                   f"; expected 34 and {NATIONAL_CENSUS_TOTAL_2019:,}")
        raise SourceDataError(message)
    info_old = census.groupby("province_key")
    former = pd.DataFrame({
        "former": info_old["city"].first(),
        "population": info_old["total"].sum(),
        "urban_population": info_old["urban"].sum(),
        "rural_population": info_old["rural"].sum(),
        "census_wards": info_old.size(),
        "province_code": info_old["new_province"].first().map(
            dict(zip(provinces["province_key"], provinces["province_code"], strict=True))),
    }).sort_values(["province_code", "former"]).reset_index(drop=True)
    figures: dict[str, Any] = {
        "former": former,
        "wards": len(census),
        "resolved": int((census["legacy_key"] != "").sum()),
        "via_keyword": int(((census["legacy_key"] != "")
                            & (census["legacy_key"] != census["old_key"])).sum()),
        "placed": len(placed),
        "placed_people": int(placed["total"].sum()),
        "default_wards": int(placed["by_default"].sum()),
        "default_people": int(placed.loc[placed["by_default"], "total"].sum()),
        "communes": len(communes),
        "empty_communes": int((communes["population"] == 0).sum()),
    }
    return communes, provinces, figures


def _province_outlines(source: Path, provinces: pd.DataFrame) -> gpd.GeoSeries:
    path = source_path(source, _ADM1)
    adm1 = gpd.read_file(path, encoding="utf-8").to_crs(WGS84)
    legacy = _legacy()
    short_to_full = dict(zip(legacy["provinceShortKey"], legacy["provinceKey"], strict=False))
    old_to_new = _old_to_new_province()
    keys = adm1["shapeName"].astype(str).str.strip().map(_key)
    keys = keys.map(lambda k: _GB_ALIASES.get(k, k))
    adm1["new_province"] = keys.map(short_to_full).map(old_to_new)
    if adm1["new_province"].isna().any():
        bad = adm1.loc[adm1["new_province"].isna(), "shapeName"].tolist()
        message = f"{path}: provinces not in the 2025 merger list: {bad}"
        raise SourceDataError(message)
    dissolved = adm1.groupby("new_province").geometry.apply(
        lambda g: shapely.union_all(g.to_numpy()))
    missing = sorted(set(provinces["province_key"]) - set(dissolved.index))
    if missing:
        message = f"{path}: no outline for the 2025 provinces {missing}"
        raise SourceDataError(message)
    geoms = [shapely.set_precision(dissolved[k], 1e-6) for k in provinces["province_key"]]
    return gpd.GeoSeries(geoms, crs=WGS84)


def build_vietnam(source: Path, *, workdir: Path) -> tuple[BundleSpec, dict[str, str]]:
    """Build the ``vietnam`` bundle and the text of its census tables.

    Parameters
    ----------
    source
        The ``shared/data`` folder.
    workdir
        Scratch folder for the population raster.

    Returns
    -------
    (BundleSpec, dict)
        The bundle and the CSV texts of :data:`CENSUS_COMMUNES_FILE` and
        :data:`CENSUS_FORMER_FILE` by file name.

    Raises
    ------
    SourceDataError
        If a source is missing or the census does not add up.
    """
    communes, provinces, figures = commune_census(source)
    geometry = _province_outlines(source, provinces)
    metric = geometry.to_crs(NORTHERN_VIETNAM_CRS)
    wp2000 = zonal_sums(source_path(source, _WORLDPOP_2000), metric.to_numpy(), metric.crs)
    wp2020 = zonal_sums(source_path(source, _WORLDPOP_2020), metric.to_numpy(), metric.crs)
    units = gpd.GeoDataFrame({
        "unit_id": provinces["province_code"],
        "province_code": provinces["province_code"],
        "name": provinces["name_short"],
        "name_full": provinces["name"],
        "unit_type": ["thành phố" if n.startswith("Thành phố") else "tỉnh"
                      for n in provinces["name"]],
        "population": provinces["population"].astype(np.int64),
        "urban_population": provinces["urban_population"].astype(np.int64),
        "rural_population": provinces["rural_population"].astype(np.int64),
        "is_inner": np.zeros(len(provinces), dtype=bool),
        "census_wards": provinces["census_wards"].astype(np.int64),
        "communes": communes.groupby("province_code").size()
        .reindex(provinces["province_code"]).to_numpy(dtype=np.int64),
        "unassigned_people": provinces["unassigned_people"].astype(np.int64),
        "former_provinces": provinces["former"],
        "worldpop_2000": np.round(np.asarray(wp2000, dtype=float)).astype(np.int64),
        "worldpop_2020": np.round(np.asarray(wp2020, dtype=float)).astype(np.int64),
    }, geometry=geometry, crs=WGS84)
    national = gpd.GeoDataFrame({"name": ["Việt Nam"], "name_en": ["Viet Nam"]},
                                geometry=[shapely.union_all(geometry.to_numpy())], crs=WGS84)
    census_source = (f"2019 Population and Housing Census (GSO) by ward via {_CENSUS_REPO} "
                     f"`VN_Population_ward.csv` (shared/data/{_CENSUS})")
    gb_source = (f"geoBoundaries gbOpen VNM ADM1 (63 provinces before 2025) via {_GB_REPO} "
                 f"(shared/data/{_ADM1})")
    urban = int(units["urban_population"].sum())
    entry = LayerEntry(
        columns={"province_code": "str", "name_full": "str", "census_wards": "int",
                 "communes": "int", "unassigned_people": "int", "former_provinces": "str",
                 "worldpop_2000": "int", "worldpop_2020": "int"},
        id_column="unit_id",
        source=(f"outlines: {gb_source}, dissolved by the 2025 merger list of the PyPI package "
                f"vietnamadminunits 1.0.4 (converter_2025); population: {census_source}; "
                "WorldPop 2000 and 2020 1 km counts, UN-adjusted (shared/data/"
                f"{_WORLDPOP_2000}, {_WORLDPOP_2020})"),
        licence="geoBoundaries gbOpen (CC BY 4.0); census figures: GSO, public; "
                "WorldPop CC BY 4.0; codes: vietnamadminunits (MIT)",
        attribution="geoBoundaries; GSO; WorldPop",
        date="provinces of 2025-07-01; population 2019-04-01 (census); WorldPop 2000, 2020",
        method=(f"the 63 former provinces' outlines unioned per 2025 province, coordinates "
                f"rounded to 1e-6°; population = sum of the {figures['wards']:,} census wards "
                f"of the former provinces ({NATIONAL_CENSUS_TOTAL_2019:,} people, "
                f"{urban:,} urban); worldpop_* = pixels weighted by the share of the outline "
                "they cover"),
        approximate=True,
        coverage_note="generalised outlines (geoBoundaries gbOpen): fine for national maps, "
                      "not for area statistics",
    )
    raster, _ = build_population_raster(source, boundary=national, workdir=workdir,
                                        census_total=NATIONAL_CENSUS_TOTAL_2019)
    # a country-wide extent: 0.05° (≈ 5 km) around the outline, simplified to a few kB
    outline = shapely.union_all(geometry.to_numpy())
    extent = extent_text(shapely.buffer(outline, 0.05, quad_segs=2), tolerance=0.025)
    built = {
        "admin_units": with_extent(BuiltLayer("admin_units", entry, units, file="vietnam.gpkg"),
                                   extent),
        "city_boundary": with_extent(BuiltLayer(
            "city_boundary", entry.model_copy(update={
                "columns": {"name_en": "str"}, "id_column": None,
                "method": "union of the 34 province outlines"}),
            national, file="vietnam.gpkg"), extent),
        "population_raster": raster,
    }
    reason = ("the national bundle holds provinces and census figures only; start a province "
              "bundle with `geoplan layers new NAME --province ...` and fill it with "
              "`geoplan import-osm` or `geoplan layers add`")
    layers = [built.get(role) or BuiltLayer(role, LayerEntry(missing=reason)) for role in ROLES]
    statistics = {
        "population_2019": Statistic(value=float(NATIONAL_CENSUS_TOTAL_2019), unit="people",
                                     date="2019-04-01", source=census_source),
        "urban_population_2019": Statistic(value=float(urban), unit="people",
                                           date="2019-04-01", source=census_source),
        "worldpop_2000": Statistic(value=float(units["worldpop_2000"].sum()), unit="people",
                                   date="2000", source=f"WorldPop (shared/data/{_WORLDPOP_2000})",
                                   note="sum over the 34 province outlines"),
        "worldpop_2020": Statistic(value=float(units["worldpop_2020"].sum()), unit="people",
                                   date="2020", source=f"WorldPop (shared/data/{_WORLDPOP_2020})",
                                   note="sum over the 34 province outlines"),
    }
    notes = [
        "National base bundle: the 34 provinces of 1 July 2025 with 2019 census population "
        "(urban, rural), WorldPop 2000 and 2020 sums, and the WorldPop 2020 grid. "
        "`geoplan layers new NAME --province ...` starts a province bundle from it.",
        f"`{CENSUS_COMMUNES_FILE}`: the census carried to the {figures['communes']:,} communes of "
        f"2025: {figures['resolved']:,} of {figures['wards']:,} wards of 2019 resolved to a unit "
        f"of 1 January 2025 ({figures['via_keyword']:,} through a former name); "
        f"{figures['placed']:,} wards ({figures['placed_people']:,} people) placed in a 2025 "
        f"commune, {figures['default_wards']:,} of them ({figures['default_people']:,} people) "
        "by the conversion's default commune of a divided unit (no open 2025 commune polygons "
        "to share them); the rest stay in their province's `unassigned_people`.",
        f"`{CENSUS_FORMER_FILE}`: the same census summed per province of 2019 (the 63 before "
        "the merger) with the code of its 2025 province; `geoplan layers new` takes a merged "
        "province's namesake territory from it (`*_pre2025` statistics). Both tables: GSO "
        "census figures (public), carried with the codes and conversion of vietnamadminunits "
        "(MIT); method in geoplan/layers/build/_national.py.",
    ]
    spec = BundleSpec(
        name="vietnam", title="Việt Nam",
        description="The 34 provinces of 2025 with 2019 census population (GSO), WorldPop "
                    "2000/2020; the base from which `geoplan layers new` starts a province.",
        country="VN", metric_crs="EPSG:32648",
        attribution="geoBoundaries (CC BY 4.0); GSO 2019 census; WorldPop (CC BY 4.0)",
        data_date=date(2024, 10, 1), layers=layers, statistics=statistics, notes=notes,
    )
    return spec, {
        CENSUS_COMMUNES_FILE: communes.to_csv(index=False, lineterminator="\n"),
        CENSUS_FORMER_FILE: figures["former"].to_csv(index=False, lineterminator="\n"),
    }
