"""Layer bundles: load, validate, list (and build, in :mod:`geoplan.layers.build`)."""

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
