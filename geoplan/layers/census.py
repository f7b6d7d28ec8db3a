"""The 2019 census on the provinces and communes of 2025, read from the ``vietnam`` bundle.

The ``vietnam`` bundle (built by ``geoplan layers build vietnam``) holds the 34 provinces of
1 July 2025 as ``admin_units`` with their 2019 census population, and the census carried to
the 3,321 communes of 2025 in ``census_communes_2019.csv`` (see
:mod:`geoplan.layers.build._national` for how). This module answers, without the build
tools:

* :func:`find_province` - which of the 34 provinces a name or code means (``"Hà Tĩnh"``,
  ``"ha tinh"``, ``"42"``); a former province (``"Hải Dương"``) is answered with the
  province it joined.
* :func:`province_communes` - the census per commune of one province.
* :func:`units_population` - census population for commune polygons (e.g. the OSM
  boundary relations that ``geoplan import-osm`` reads), matched by official code, else by
  name inside the province that holds them.
"""

from __future__ import annotations

import difflib
import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import shapely

from geoplan.errors import GeoplanError, SourceDataError

if TYPE_CHECKING:
    import geopandas as gpd

    from geoplan.layers.bundle import Bundle

__all__ = ["NATIONAL_BUNDLE", "Province", "UnknownProvinceError", "find_province",
           "former_census", "name_key", "province_communes", "provinces", "units_population"]

logger = logging.getLogger(__name__)

#: The bundle holding the provinces and the per-commune census table.
NATIONAL_BUNDLE = "vietnam"
_COMMUNES_FILE = "census_communes_2019.csv"
_FORMER_FILE = "census_provinces_2019.csv"
_NEAR_DEG = 0.1
_PREFIXES = ("thanhpho", "tinh", "tp", "phuong", "xa", "dackhu", "thitran")


class UnknownProvinceError(GeoplanError, LookupError):
    """A name or code that is none of the 34 provinces of 2025."""


@dataclass(frozen=True)
class Province:
    """One of the 34 provinces of 1 July 2025 with its 2019 census figures.

    Attributes
    ----------
    code
        Official two-digit code as text (``"42"``).
    name, name_full
        ``"Hà Tĩnh"`` and ``"Tỉnh Hà Tĩnh"``.
    population, urban_population, rural_population
        2019 census (GSO), summed over the former provinces' wards.
    former
        The provinces of 2019 that make it up.
    """

    code: str
    name: str
    name_full: str
    population: int
    urban_population: int
    rural_population: int
    former: tuple[str, ...]

    @property
    def urban_share(self) -> float:
        """Urban share of the 2019 population, percent."""
        return 100.0 * self.urban_population / self.population


def name_key(text: object) -> str:
    """A place name without accents, case, spaces or its type word, for matching.

    Examples
    --------
    >>> name_key("Tỉnh Hà Tĩnh"), name_key("ha tinh"), name_key("Thành phố Hồ Chí Minh")
    ('hatinh', 'hatinh', 'hochiminh')
    """
    text = unicodedata.normalize("NFD", str(text).replace("Đ", "D").replace("đ", "d"))
    plain = re.sub(r"[^0-9a-z]", "", "".join(c for c in text if not unicodedata.combining(c))
                   .lower())
    for prefix in _PREFIXES:
        if plain.startswith(prefix) and len(plain) > len(prefix) + 1:
            return plain[len(prefix):]
    return plain


def _national(layers_dir: Path | str | None) -> Bundle:
    from geoplan.layers.bundle import load_bundle

    try:
        if layers_dir is None:
            return load_bundle(NATIONAL_BUNDLE)
        return load_bundle(Path(layers_dir) / NATIONAL_BUNDLE)
    except GeoplanError as exc:
        message = (f"the national bundle {NATIONAL_BUNDLE!r} is needed for the 2025 provinces "
                   f"and their census figures and could not be read ({exc}); rebuild it with "
                   "`geoplan layers build vietnam --source ../shared/data`")
        raise SourceDataError(message) from None


def provinces(*, layers_dir: Path | str | None = None) -> gpd.GeoDataFrame:
    """The 34 provinces of 2025 (the ``vietnam`` bundle's ``admin_units``), indexed by code.

    Parameters
    ----------
    layers_dir
        Folder holding the ``vietnam`` bundle; default the usual search.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    SourceDataError
        If the ``vietnam`` bundle cannot be read.

    Examples
    --------
    >>> len(provinces()), int(provinces()["population"].sum())
    (34, 96208984)
    """
    units = _national(layers_dir).layer("admin_units")
    return units.set_index(units["province_code"].astype(str), drop=False).rename_axis("code")


def _province(row: pd.Series) -> Province:
    former = tuple(str(row.get("former_provinces", "")).split("; "))
    return Province(str(row["province_code"]), str(row["name"]), str(row["name_full"]),
                    int(row["population"]), int(row["urban_population"]),
                    int(row["rural_population"]), former)


def find_province(name: str | int, *, layers_dir: Path | str | None = None) -> Province:
    """The province of 2025 that ``name`` (a name, a former province or a code) means.

    Parameters
    ----------
    name
        ``"Hà Tĩnh"``, ``"Tỉnh Hà Tĩnh"``, ``"ha tinh"``, ``"42"`` or ``42``; a province of
        before 2025 (``"Hải Dương"``) gives the province it joined, with a log message.
    layers_dir
        Folder holding the ``vietnam`` bundle; default the usual search.

    Returns
    -------
    Province

    Raises
    ------
    UnknownProvinceError
        If ``name`` is no province (the message lists the closest names).
    SourceDataError
        If the ``vietnam`` bundle cannot be read.

    Examples
    --------
    >>> p = find_province("Hà Tĩnh")
    >>> p.code, p.population, round(p.urban_share, 2)
    ('42', 1288866, 19.54)
    >>> find_province("Hải Dương").name
    'Hải Phòng'
    """
    table = provinces(layers_dir=layers_dir)
    text = str(name).strip()
    if text.isdigit() and text.zfill(2) in table.index:
        return _province(table.loc[text.zfill(2)])
    key = name_key(text)
    keys = table["name"].map(name_key)
    hit = table[keys == key]
    if len(hit) == 1:
        return _province(hit.iloc[0])
    for _, row in table.iterrows():  # a former province: the census spells it "HảiDương"
        if key in {name_key(f) for f in str(row["former_provinces"]).split("; ")}:
            logger.info("%s is part of %s since 1 July 2025", text, row["name"])
            return _province(row)
    close = difflib.get_close_matches(key, list(keys), n=3, cutoff=0.6)
    names = [str(table.loc[keys == c, "name"].iloc[0]) for c in close]
    hint = f"did you mean {', '.join(names)}? " if names else ""
    message = (f"{text!r} is none of the 34 provinces of 2025; {hint}`geoplan layers list` "
               "and the vietnam bundle's admin_units list them (a name or a two-digit code)")
    raise UnknownProvinceError(message)


@lru_cache(maxsize=4)
def _read_table(path: Path, mtime: float) -> pd.DataFrame:
    table = pd.read_csv(path, dtype={"province_code": str, "commune_code": str},
                        encoding="utf-8")
    if "name" in table.columns:  # communes: matched by name
        table["key"] = table["name"].map(name_key)
    return table


def _province_rows(province: str | int | Province, name: str,
                   layers_dir: Path | str | None) -> pd.DataFrame:
    """The rows of the national census table ``name`` that belong to ``province``."""
    if not isinstance(province, Province):
        province = find_province(province, layers_dir=layers_dir)
    path = _national(layers_dir).path / name
    if not path.is_file():
        message = (f"{path} is missing: the vietnam bundle lacks its census table; rebuild it "
                   "with `geoplan layers build vietnam --source ../shared/data`")
        raise SourceDataError(message)
    table = _read_table(path, path.stat().st_mtime)
    return table[table["province_code"] == province.code]


def province_communes(province: str | int | Province, *,
                      layers_dir: Path | str | None = None) -> pd.DataFrame:
    """The 2019 census carried to the communes of 2025 of one province.

    Parameters
    ----------
    province
        A :class:`Province`, or a name or code for :func:`find_province`.
    layers_dir
        Folder holding the ``vietnam`` bundle.

    Returns
    -------
    pandas.DataFrame
        One row per commune: ``province_code``, ``commune_code``, ``name``, ``unit_type``,
        ``population``, ``urban_population``, ``rural_population``, ``inner_people``,
        ``census_wards``,
        ``default_people`` (people placed by the conversion's default commune of a
        divided unit), indexed by ``commune_code``.

    Raises
    ------
    UnknownProvinceError, SourceDataError

    Examples
    --------
    >>> table = province_communes("Hà Nội")
    >>> len(table), int(table["population"].sum())
    (126, 8053663)
    """
    own = _province_rows(province, _COMMUNES_FILE, layers_dir)
    return own.set_index("commune_code", drop=False)


def former_census(province: str | int | Province, *,
                  layers_dir: Path | str | None = None) -> pd.DataFrame:
    """The 2019 census of the provinces (of before 2025) that make up ``province``.

    Parameters
    ----------
    province
        A :class:`Province`, or a name or code for :func:`find_province`.
    layers_dir
        Folder holding the ``vietnam`` bundle.

    Returns
    -------
    pandas.DataFrame
        One row per former province: ``former`` (as the census spells it, ``"HảiDương"``),
        ``population``, ``urban_population``, ``rural_population``, ``census_wards``.

    Raises
    ------
    UnknownProvinceError, SourceDataError

    Examples
    --------
    >>> former_census("Hải Phòng")["population"].tolist()
    [1892254, 2028514]
    """
    own = _province_rows(province, _FORMER_FILE, layers_dir)
    return own.drop(columns="province_code").reset_index(drop=True)


def units_population(units: gpd.GeoDataFrame, *,
                     layers_dir: Path | str | None = None) -> gpd.GeoDataFrame:
    """Give commune polygons of 2025 their 2019 census population.

    Each unit is matched to an official commune: by its ``unit_id`` when that is an official
    five-digit code, else by name (accents, case and the type word ignored) among the
    communes of the province that holds most of its polygon. ``is_inner`` is true where more
    than half of the people come from urban districts (quận) of 2019.

    Parameters
    ----------
    units
        Commune polygons with ``name`` (and optionally ``unit_id``), any CRS.
    layers_dir
        Folder holding the ``vietnam`` bundle.

    Returns
    -------
    geopandas.GeoDataFrame
        ``units`` with ``unit_id`` (the official code), ``province_code``, ``population``,
        ``urban_population``, ``rural_population``, ``is_inner``, ``census_wards`` and
        ``default_people`` (people placed by the conversion's default commune of a divided
        unit of 2025, not by where they live: an approximation the manifest should quote).

    Raises
    ------
    SourceDataError
        If a unit matches no commune, or two units match the same commune (every problem is
        listed), or the CRS is missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> ward = gpd.GeoDataFrame({"name": ["Phường Văn Miếu - Quốc Tử Giám"]},
    ...                         geometry=[box(105.83, 21.02, 105.84, 21.03)], crs=4326)
    >>> units_population(ward)[["unit_id", "population"]].values.tolist()  # doctest: +SKIP
    [['00199', ...]]
    """
    if units.crs is None:
        message = ("commune polygons have no CRS; set one (e.g. EPSG:4326) before matching "
                   "them to the census")
        raise SourceDataError(message)
    table = provinces(layers_dir=layers_dir)
    points = units.geometry.to_crs(table.crs).representative_point()
    outlines = table.geometry.to_numpy()
    rows: list[pd.Series | None] = []
    problems: list[str] = []
    tables: dict[str, pd.DataFrame] = {}

    def communes_of(prov: str) -> pd.DataFrame:
        if prov not in tables:
            tables[prov] = province_communes(_province(table.loc[prov]), layers_dir=layers_dir)
        return tables[prov]

    for pos, (_, unit) in enumerate(units.iterrows()):
        name = str(unit.get("name", ""))
        code = str(unit.get("unit_id", "") or "").strip()
        # outlines of 2019, generalised, and a few communes changed province in 2025:
        # provinces within 0.1° (≈ 11 km), the one holding the polygon first
        distance = shapely.distance(outlines, points.iloc[pos])
        near = [str(table.index[i]) for i in np.argsort(distance, kind="stable")
                if distance[i] <= _NEAR_DEG]
        province = near[0] if near and distance[table.index.get_loc(near[0])] == 0 else None
        candidates: list[pd.Series] = []
        for prov in near or list(table.index):
            communes = communes_of(prov)
            if code in communes.index:
                candidates = [communes.loc[[code]].iloc[0]]
                break
            candidates += [r for _, r in communes[communes["key"] == name_key(name)].iterrows()]
        if len(candidates) > 1 and province is not None:  # the holder's commune of that name
            own = [r for r in candidates if r["province_code"] == province]
            candidates = own or candidates
        if len(candidates) == 1:
            rows.append(candidates[0])
            continue
        rows.append(None)
        where = f" in province {table.loc[province, 'name']}" if isinstance(province, str) else ""
        what = "no commune" if not candidates else f"{len(candidates)} communes"
        problems.append(f"{name!r} ({code or 'no code'}): {what} of 2025 of that name{where}")
    picked = [r["commune_code"] for r in rows if r is not None]
    twice = sorted({c for c in picked if picked.count(c) > 1})
    if twice:
        problems.append(f"several units match the same commune(s) {', '.join(twice)}")
    if problems:
        message = ("admin_units: cannot give census population to "
                   f"{len(problems)} unit(s): " + "; ".join(problems[:20])
                   + ("; ..." if len(problems) > 20 else "")
                   + ". Fix the names or codes (official 2025 names, e.g. 'Phường Hoàn Kiếm'), "
                     "or add admin_units with their own population: `geoplan layers add`.")
        raise SourceDataError(message)
    out = units.copy()
    matched = pd.DataFrame([r for r in rows if r is not None], index=units.index)
    out["unit_id"] = matched["commune_code"].astype(str)
    out["province_code"] = matched["province_code"].astype(str)
    for column in ("population", "urban_population", "rural_population", "census_wards",
                   "default_people"):
        out[column] = matched[column].astype("int64")
    out["is_inner"] = (matched["inner_people"] * 2 > matched["population"]).astype(bool)
    return out
