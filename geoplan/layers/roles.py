"""The roles a layer can play in a bundle, and what each role must contain.

A role fixes the geometry types and the columns that indicators rely on; a bundle manifest may
declare more columns. The dtype vocabulary is small on purpose: ``str``, ``int``, ``float``,
``bool`` and ``date`` (an ISO 8601 ``YYYY-MM-DD`` string, empty where unknown).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["DTYPES", "ROLES", "RoleSpec", "role_spec"]

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
LINE_STATUSES: tuple[str, ...] = ("operating", "under_construction", "planned")


def role_spec(role: str) -> RoleSpec:
    """Return the :class:`RoleSpec` of ``role``; unknown roles get a permissive vector spec."""
    return ROLES.get(role, RoleSpec(role, "vector"))
