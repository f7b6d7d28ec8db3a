"""Bundle builders: rebuild the embedded bundles from the raw public data in ``shared/data``.

``geoplan layers build hanoi --source ../shared/data`` runs :func:`build_bundle`. Builders
never reach the network; they read only ``source`` (see its ``SOURCES.md``) and the PyPI
package ``vietnamadminunits`` (the official 2025 codes and conversion), installed with the
``build`` extra.

Bundles:

``hanoi``
    Every role the sources hold: 126 units with 2019 census population, boundary, urban
    rail, bus stops, street network, rivers, WorldPop 2020 (:mod:`._hanoi`).
``haiphong``, ``hatinh``, ``tuyenquang``
    Statistics bundles: outline, WorldPop 2020 and 2019 census totals (:mod:`._provinces`).
``vietnam``
    The 34 provinces of 2025 with 2019 census population, WorldPop 2000/2020, and the census
    carried to the 3,321 communes (:mod:`._national`); ``geoplan layers new`` starts a
    province bundle from it.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from geoplan._extras import require_extra
from geoplan.errors import SourceDataError
from geoplan.io import protect_inputs
from geoplan.layers.build._bundle import (
    BundleSpec,
    check_replaceable,
    staging_folder,
    write_bundle,
)
from geoplan.layers.build._common import BuiltLayer

__all__ = ["BUILDABLE", "BuiltLayer", "build_bundle", "build_spec"]

logger = logging.getLogger(__name__)

#: Names of the bundles geoplan can build from ``shared/data``.
BUILDABLE: tuple[str, ...] = ("hanoi", "haiphong", "hatinh", "tuyenquang", "vietnam")


def build_spec(name: str, source: Path, *, workdir: Path) -> BundleSpec:
    """Build the layers of bundle ``name`` in memory (rasters go to ``workdir``).

    Parameters
    ----------
    name
        One of :data:`BUILDABLE`.
    source
        The ``shared/data`` folder.
    workdir
        Scratch folder.

    Returns
    -------
    BundleSpec

    Raises
    ------
    SourceDataError
        If ``name`` cannot be built, ``source`` is not a folder, or a source file is
        missing or malformed.
    MissingExtraError
        If the ``build`` extra (vietnamadminunits, osmium) is not installed.
    """
    if name not in BUILDABLE:
        message = (f"no builder for bundle {name!r}; geoplan can build {', '.join(BUILDABLE)} "
                   "(other cities: `geoplan import-osm FILE --city NAME`)")
        raise SourceDataError(message)
    source = Path(source)
    if not source.is_dir():
        message = (f"source folder {source} does not exist; pass --source pointing at the "
                   "shared/data folder (see its SOURCES.md)")
        raise SourceDataError(message)
    from geoplan._extras import EXTRAS

    # all of the extra up front, not after half a build (the conversion tables first)
    for module in sorted((m for m, extra in EXTRAS.items() if extra == "build"),
                         key=lambda m: m != "vietnamadminunits"):
        require_extra(module, what="building bundles (geoplan layers build)")
    if name == "hanoi":
        from geoplan.layers.build._hanoi import build_hanoi

        return build_hanoi(source, workdir=workdir)
    if name == "vietnam":
        from geoplan.layers.build._national import build_vietnam

        spec, tables = build_vietnam(source, workdir=workdir)
        spec.tables.update(tables)
        return spec
    from geoplan.layers.build._provinces import build_province

    return build_province(name, source, workdir=workdir)


def build_bundle(name: str, *, source: Path | str, layers_dir: Path | str | None = None) -> Path:
    """Build bundle ``name`` from ``source`` and write it to ``layers_dir/name``.

    The bundle is written into a staging folder and swapped in only when complete; an
    existing bundle of that name is replaced as a whole (layers added to it by
    ``geoplan import-osm`` must be imported again). The target must not be a link, a
    non-bundle folder holding files, nor hold or lie inside ``source``
    (:func:`~geoplan.layers.build._bundle.check_replaceable`).

    Parameters
    ----------
    name
        One of :data:`BUILDABLE`.
    source
        The ``shared/data`` folder.
    layers_dir
        Folder holding bundles; default the repository's ``layers/``.

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    SourceDataError
        If a source is missing or malformed.
    OutputError
        If the bundle folder cannot be written or may not be replaced.

    Examples
    --------
    >>> build_bundle("hanoi", source="../shared/data")  # doctest: +SKIP
    PosixPath('.../layers/hanoi')
    """
    from geoplan import __version__
    from geoplan.layers.bundle import writable_layers_dir

    target = Path(layers_dir if layers_dir is not None else writable_layers_dir()) / name
    if name in BUILDABLE:  # refuse a forbidden target before the (long) build
        with protect_inputs(folders=[source]):
            check_replaceable(target)
    with tempfile.TemporaryDirectory(prefix="geoplan-build-") as work, \
            protect_inputs(folders=[source]):
        spec = build_spec(name, Path(source), workdir=Path(work))
        with staging_folder(target) as stage:
            write_bundle(spec, stage, built_with=(
                f"geoplan layers build {name} --source <shared/data> (geoplan {__version__})"))
    logger.info("built bundle %s in %s", name, target)
    return target
