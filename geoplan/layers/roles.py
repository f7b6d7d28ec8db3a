"""The roles a layer can play in a bundle, and what each role must contain.

A role fixes the geometry types and the columns that indicators rely on; a bundle manifest may
declare more columns. The dtype vocabulary is small on purpose: ``str``, ``int``, ``float``,
``bool`` and ``date`` (an ISO 8601 ``YYYY-MM-DD`` string, empty where unknown).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "DTYPES",
    "ID_COLUMNS",
    "LINE_STATUSES",
    "LOST_NULL_TEXTS",
    "MAX_DENSITY_PER_KM2",
    "MAX_POPULATION",
    "MAX_TOTAL_POPULATION",
    "REFERENCE_COLUMNS",
    "ROLES",
    "VOCABULARIES",
    "LineStatus",
    "RoleSpec",
    "normalise_id",
    "role_spec",
]

Dtype = Literal["str", "int", "float", "bool", "date"]
DTYPES: tuple[str, ...] = ("str", "int", "float", "bool", "date")

_POLY = ("Polygon", "MultiPolygon")
_LINE = ("LineString", "MultiLineString")
_POINT = ("Point", "MultiPoint")


@dataclass(frozen=True)
class RoleSpec:
    """What a role requires.

    Attributes
    ----------
    name
        Role name as used in manifests and in :meth:`Bundle.layer`.
    kind
        ``"vector"`` or ``"raster"``.
    geometry_types
        Allowed geometry types (vector roles).
    columns
        Columns every layer in this role must have, with their dtype.
    id_column
        Column whose values must be unique, if any.
    description
        One line for ``geoplan layers show``.
    """

    name: str
    kind: Literal["vector", "raster"]
    geometry_types: tuple[str, ...] = ()
    columns: dict[str, Dtype] = field(default_factory=dict)
    id_column: str | None = None
    description: str = ""


ROLES: dict[str, RoleSpec] = {
    spec.name: spec
    for spec in (
        RoleSpec(
            "admin_units",
            "vector",
            _POLY,
            {
                "unit_id": "str",
                "name": "str",
                "unit_type": "str",
                "population": "int",
                "urban_population": "int",
                "rural_population": "int",
                "is_inner": "bool",
            },
            "unit_id",
            "administrative units (wards/communes) with census population",
        ),
        RoleSpec("city_boundary", "vector", _POLY, {"name": "str"}, None, "city outline"),
        RoleSpec("river_axis", "vector", _LINE + _POLY, {"name": "str"}, None,
                 "main river axis (centreline or corridor)"),
        RoleSpec("river_corridors", "vector", _LINE + _POLY, {"name": "str"}, None,
                 "other river corridors (centrelines or corridors)"),
        RoleSpec("water", "vector", _POLY, {}, None, "water bodies"),
        RoleSpec(
            "metro_lines",
            "vector",
            _LINE,
            {
                "line_id": "str",
                "name": "str",
                "status": "str",
                "opening_date": "date",
                "target_year": "int",
                "plan": "str",
                "approximate": "bool",
            },
            None,
            "urban rail lines by status",
        ),
        RoleSpec(
            "stations",
            "vector",
            _POINT,
            {
                "station_id": "str",
                "name": "str",
                "line_id": "str",
                "status": "str",
                "opening_date": "date",
                "approximate": "bool",
            },
            "station_id",
            "urban rail stations",
        ),
        RoleSpec("bus_stops", "vector", _POINT, {"stop_id": "str"}, "stop_id", "bus stops"),
        RoleSpec("green_space", "vector", _POLY, {"kind": "str"}, None,
                 "public green and open space"),
        RoleSpec("land_use", "vector", _POLY, {"land_use": "str"}, None, "land-use polygons"),
        RoleSpec(
            "street_network",
            "vector",
            _LINE,
            {"u": "int", "v": "int", "length_m": "float", "highway": "str"},
            None,
            "street network edges (u, v node ids) ready for routing",
        ),
        RoleSpec("population_raster", "raster", (), {}, None, "gridded population counts"),
    )
}

#: Statuses a metro line or station may have.
LineStatus = Literal["operating", "under_construction", "planned"]
LINE_STATUSES: tuple[str, ...] = ("operating", "under_construction", "planned")

#: Columns holding identifiers, per role: normalised by :func:`normalise_id` when a layer is
#: read, and never empty (the role's ``id_column`` must also be unique).
ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "admin_units": ("unit_id",),
    "metro_lines": ("line_id",),
    "stations": ("station_id",),
    "bus_stops": ("stop_id",),
}
#: Columns referring to ids of another layer (may be empty: a station not yet assigned to a
#: line); normalised like ids so that they match.
REFERENCE_COLUMNS: dict[str, tuple[str, ...]] = {"stations": ("line_id",)}

#: Columns whose values come from a closed vocabulary, per role (a typo such as
#: ``operatng`` would silently drop the feature from every count).
VOCABULARIES: dict[str, dict[str, tuple[str, ...]]] = {
    # since the 2025 reform wards, communes and special zones; townships (thị trấn) before
    "admin_units": {"unit_type": ("phường", "xã", "đặc khu", "thị trấn", "tỉnh", "thành phố")},
    "metro_lines": {"status": LINE_STATUSES},
    "stations": {"status": LINE_STATUSES},
}

#: Texts that are a NULL lost on the way (pandas writes NaN as ``nan``, other tools ``None``,
#: ``NULL``, ``<NA>``); never an id.
LOST_NULL_TEXTS: frozenset[str] = frozenset({"nan", "none", "null", "<na>", "nat", "n/a"})

#: Largest plausible population density of a unit (people/km²). The densest wards of Hà Nội
#: and Hồ Chí Minh City hold about 40,000-100,000 people/km² (e.g. Hàng Bồ, 2019 census);
#: the densest districts on Earth (Dharavi, Manila's Tondo) about 70,000-280,000 on tiny areas.
#: Twice the densest Vietnamese ward, 200,000/km², is a typo or a unit error (people in
#: hundreds, areas in hectares) rather than a real ward.
MAX_DENSITY_PER_KM2 = 200_000.0
#: Largest plausible population of one unit: the largest province of 2025 (Hồ Chí Minh City
#: with Bình Dương and Bà Rịa-Vũng Tàu) holds about 14 million people; more than 50 million in
#: one unit is a wrong figure.
MAX_POPULATION = 50_000_000
#: Largest plausible population of a whole bundle, a statistic or a population raster: about
#: twice Vietnam's (96.2 million in 2019), so that the national bundle and a country-wide
#: WorldPop grid pass and a figure in the wrong unit (thousands counted as people) does not.
MAX_TOTAL_POPULATION = 200_000_000


def normalise_id(value: Any) -> str | None:
    """An identifier in its one spelling: Unicode NFC, surrounding spaces removed.

    ``"Phường A"`` typed on a Mac (NFD: ``ư`` as ``u`` + hook) and on Windows (NFC), or with a
    trailing space, are the same id once normalised. A NULL, an empty text or a text that is
    a lost NULL (:data:`LOST_NULL_TEXTS`, e.g. ``"nan"``) gives ``None``: no id.

    Parameters
    ----------
    value
        A cell of an id column (text, number, NULL).

    Returns
    -------
    str or None

    Examples
    --------
    >>> normalise_id("Phu\u031bo\u031b\u0300ng A ") == "Phường A"
    True
    >>> normalise_id("nan"), normalise_id("  "), normalise_id(None), normalise_id(float("nan"))
    (None, None, None, None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    text = unicodedata.normalize("NFC", str(value)).strip()
    if not text or text.lower() in LOST_NULL_TEXTS:
        return None
    return text


def role_spec(role: str) -> RoleSpec:
    """Return the :class:`RoleSpec` of ``role``; unknown roles get a permissive vector spec."""
    return ROLES.get(role, RoleSpec(role, "vector"))
