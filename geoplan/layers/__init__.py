"""Layer bundles: load, validate, list (and build, in :mod:`geoplan.layers.build`).

The names below are imported on first use: ``from geoplan.layers import load_bundle`` reads
no geopandas until a layer is read (a name that is no bundle is refused without it).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from geoplan.layers.bundle import (
        Bundle,
        LayerSummary,
        ValidationReport,
        default_layers_dir,
        list_bundles,
        load_bundle,
        writable_layers_dir,
    )
    from geoplan.layers.manifest import LayerEntry, Manifest, read_manifest, write_manifest
    from geoplan.layers.roles import ROLES, RoleSpec
    from geoplan.layers.validate import GeometryRepairWarning, LayerCheck, check_layer

__all__ = [
    "ROLES",
    "Bundle",
    "GeometryRepairWarning",
    "LayerCheck",
    "LayerEntry",
    "LayerSummary",
    "Manifest",
    "RoleSpec",
    "ValidationReport",
    "check_layer",
    "default_layers_dir",
    "list_bundles",
    "load_bundle",
    "read_manifest",
    "writable_layers_dir",
    "write_manifest",
]

#: Module of each public name.
_WHERE: dict[str, str] = {
    **dict.fromkeys(("Bundle", "LayerSummary", "ValidationReport", "default_layers_dir",
                     "list_bundles", "load_bundle", "writable_layers_dir"),
                    "geoplan.layers.bundle"),
    **dict.fromkeys(("LayerEntry", "Manifest", "read_manifest", "write_manifest"),
                    "geoplan.layers.manifest"),
    **dict.fromkeys(("ROLES", "RoleSpec"), "geoplan.layers.roles"),
    **dict.fromkeys(("GeometryRepairWarning", "LayerCheck", "check_layer"),
                    "geoplan.layers.validate"),
}


def __getattr__(name: str) -> object:
    """The public names of the package, imported from their module on first use."""
    module = _WHERE.get(name)
    if module is None:
        message = f"module 'geoplan.layers' has no attribute {name!r}"
        raise AttributeError(message)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
