"""Where bundles are found: the layer folders and a bundle name's folder, with no heavy import.

:func:`geoplan.layers.load_bundle` resolves names here; a command that only needs to know
which folder a name means (``geoplan run`` checking whether an earlier identical run can be
reused, :mod:`geoplan._replay`) asks the same function without importing numpy or YAML.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["LAYERS_ENV", "MANIFEST_NAME", "bundle_folder", "bundle_location", "default_layers_dir",
           "search_dirs", "writable_layers_dir"]

#: Environment variable naming extra folders (``os.pathsep``-separated) that hold bundles.
LAYERS_ENV = "GEOPLAN_LAYERS"
#: File name of a bundle's manifest.
MANIFEST_NAME = "bundle.yaml"


def default_layers_dir() -> Path:
    """Return the folder of the embedded bundles.

    In a checkout (or an editable install) the repository's ``layers/``; in an installed
    wheel the copy shipped inside the package (``geoplan/_shipped/layers``), read-only.
    """
    from geoplan._data import shipped_dir

    return shipped_dir("layers")


def writable_layers_dir() -> Path:
    """The folder new or changed bundles go to when no ``--layers-dir`` is given.

    The first folder of ``$GEOPLAN_LAYERS`` when set; else the repository's ``layers/`` in a
    checkout; else ``layers/`` in the current folder (an installed package never writes into
    its own files).
    """
    from geoplan._data import in_checkout

    first = next((p for p in os.environ.get(LAYERS_ENV, "").split(os.pathsep) if p), None)
    if first is not None:
        return Path(first)
    return default_layers_dir() if in_checkout() else Path("layers").absolute()


def search_dirs() -> list[Path]:
    """The folders searched for a bundle name, in order: ``$GEOPLAN_LAYERS``, the embedded
    bundles' folder, ``layers/`` in the current folder."""
    dirs = [Path(p) for p in os.environ.get(LAYERS_ENV, "").split(os.pathsep) if p]
    dirs.append(default_layers_dir())
    # an installed (non-editable) package has no repository beside it: the checkout's
    # layers/ is found from its root folder, where ``geoplan run analyses/...`` is typed
    here = Path("layers").absolute()
    if here not in dirs:
        dirs.append(here)
    return dirs


def bundle_folder(name: str) -> Path | None:
    """The folder the bundle name ``name`` means: the first of :func:`search_dirs` holding
    ``<name>/bundle.yaml`` (``lexists``: a manifest that is not a file is refused when read),
    ``None`` when none does.

    Examples
    --------
    >>> bundle_folder("hanoi").name
    'hanoi'
    >>> bundle_folder("no-such-bundle") is None
    True
    """
    return next((d / name for d in search_dirs() if os.path.lexists(d / name / MANIFEST_NAME)),
                None)


def bundle_location(name_or_path: str | os.PathLike[str]) -> Path | None:
    """The folder :func:`geoplan.layers.load_bundle` opens for ``name_or_path``: a
    ``bundle.yaml`` path's folder, a folder holding one, else the folder of the bundle name
    (:func:`bundle_folder`); ``None`` when there is none.

    Examples
    --------
    >>> bundle_location("hanoi") == bundle_folder("hanoi")
    True
    """
    candidate = Path(name_or_path)
    if candidate.name == MANIFEST_NAME and os.path.lexists(candidate):
        return candidate.parent
    if os.path.lexists(candidate / MANIFEST_NAME):  # read_manifest refuses a non-file
        return candidate
    return bundle_folder(str(name_or_path))
