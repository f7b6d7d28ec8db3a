"""Write built layers as a bundle folder: data files, ``bundle.yaml`` and ``SOURCES.md``.

The folder is assembled in a hidden staging folder beside the target and swapped in at the
end, so an interrupted build leaves the previous bundle whole. Writing is reproducible: the
GeoPackage timestamps are pinned to the bundle's data date, Parquet and GeoTIFF carry no
build time, and the manifest records no clock time, so building twice from the same sources
gives the same bytes.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pyproj import CRS

from geoplan._safetext import markdown_code as _code
from geoplan._safetext import markdown_text as _md
from geoplan.errors import OutputError
from geoplan.io import atomic_write_text, check_output, write_gpkg_layer
from geoplan.layers.build._common import BuiltLayer
from geoplan.layers.manifest import MANIFEST_NAME, Manifest, Statistic, write_manifest
from geoplan.layers.roles import ROLES

__all__ = ["BundleSpec", "check_replaceable", "render_sources", "staging_folder",
           "write_bundle"]

logger = logging.getLogger(__name__)

SOURCES_NAME = "SOURCES.md"


@dataclass
class BundleSpec:
    """What a city builder produces: manifest header, layers and statistics.

    Attributes
    ----------
    name, title, description, country, metric_crs, attribution
        Manifest header fields.
    data_date
        Date stamped into the GeoPackage (the newest source snapshot), for reproducible bytes.
    layers
        Built layers in manifest order; roles the sources lack come as missing entries.
    statistics
        Non-spatial figures (census totals, ...) with their citation.
    notes
        Paragraphs for ``SOURCES.md`` after the header (licence caveats, what is not kept).
    tables
        Further text files of the bundle (name → content), e.g. the ``vietnam`` bundle's
        per-commune census table.
    """

    name: str
    title: str
    description: str
    country: str
    metric_crs: str
    attribution: str
    data_date: date
    layers: list[BuiltLayer]
    statistics: dict[str, Statistic] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tables: dict[str, str] = field(default_factory=dict)


def check_replaceable(target: Path) -> Path:
    """Check that the bundle folder ``target`` may be replaced as a whole; return it.

    Refused (before anything is built): a ``target`` that is a symbolic link, a file or
    another non-folder (:func:`geoplan.io.check_output`); one that is, holds or lies inside
    an input folder (``--source``, registered with :func:`geoplan.io.protect_inputs`); an
    existing non-empty folder that is not a bundle (no ``bundle.yaml``): replacing it would
    delete files geoplan did not write.

    Raises
    ------
    OutputError
        Naming the folder and the fix.
    """
    hint = "choose another --layers-dir"
    check_output(target, folder=True, hint=hint)
    if target.is_dir() and not (target / MANIFEST_NAME).is_file() and any(target.iterdir()):
        message = (f"cannot build into {target}: the folder exists, holds files and is not a "
                   f"bundle (no {MANIFEST_NAME}); a build replaces the whole folder and would "
                   f"delete them: move them or {hint}")
        raise OutputError(message)
    return target


@contextlib.contextmanager
def staging_folder(target: Path) -> Iterator[Path]:
    """Yield an empty hidden folder beside ``target``; swap it onto ``target`` on success.

    On any exception (including Ctrl-C) the staging folder is removed and ``target`` is left
    as it was. ``target`` passes :func:`check_replaceable` first.

    Raises
    ------
    OutputError
        If the parent folder cannot be created or written, or ``target`` may not be replaced.
    """
    check_replaceable(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.build-", dir=target.parent))
        stage.chmod(0o755)  # mkdtemp makes it private; a bundle folder is read by everyone
    except OSError as exc:
        message = f"cannot write into {target.parent}: {exc.strerror or exc}; choose a writable " \
                  "--layers-dir"
        raise OutputError(message) from None
    try:
        yield stage
        old = target.with_name(f".{target.name}.old-{stage.name.rsplit('-', 1)[-1]}")
        if target.exists():
            target.replace(old)
        stage.replace(target)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise


def _crs_text(layer: BuiltLayer) -> str:
    if layer.data is not None and layer.data.crs is not None:
        crs = CRS.from_user_input(layer.data.crs)
        epsg = crs.to_epsg()
        return f"EPSG:{epsg}" if epsg else crs.to_string()
    return layer.entry.crs or ""


def write_bundle(spec: BundleSpec, folder: Path, *, built_with: str) -> Manifest:
    """Write ``spec`` into the empty ``folder``: data files, ``bundle.yaml``, ``SOURCES.md``.

    Parameters
    ----------
    spec
        The built layers and manifest header.
    folder
        Existing empty folder (a staging folder from :func:`staging_folder`).
    built_with
        The command that built the bundle, recorded in the manifest.

    Returns
    -------
    Manifest
        The manifest written.

    Raises
    ------
    OutputError
        If a layer has neither data nor a raster nor a missing reason.
    """
    entries = {}
    for layer in spec.layers:
        entry = layer.entry.model_copy()
        if entry.is_missing:
            entries[layer.role] = entry
            continue
        if layer.file is None:
            message = f"builder of {spec.name}/{layer.role} gave no file name"
            raise OutputError(message)
        path = folder / layer.file
        if layer.raster is not None:
            shutil.copyfile(layer.raster, path)
            entry.file = layer.file
        elif layer.data is not None:
            if path.suffix == ".gpkg":
                write_gpkg_layer(layer.data, path, layer=layer.role, when=spec.data_date)
                entry.layer = layer.role
            elif path.suffix == ".parquet":
                layer.data.to_parquet(path, index=False, compression="zstd")
            else:
                message = f"{spec.name}/{layer.role}: unsupported file type {layer.file}"
                raise OutputError(message)
            entry.file = layer.file
            entry.crs = _crs_text(layer)
        else:
            message = f"builder of {spec.name}/{layer.role} gave no data and no missing reason"
            raise OutputError(message)
        entries[layer.role] = entry
    manifest = Manifest(
        name=spec.name, title=spec.title, description=spec.description, country=spec.country,
        metric_crs=spec.metric_crs, attribution=spec.attribution, built_with=built_with,
        layers=entries, statistics=spec.statistics,
    )
    for name, text in spec.tables.items():
        atomic_write_text(folder / name, text)
    write_manifest(manifest, folder / MANIFEST_NAME)
    atomic_write_text(folder / SOURCES_NAME, render_sources(manifest, spec.notes))
    return manifest


def _describe(role: str) -> str:
    return ROLES[role].description if role in ROLES else ""


def render_sources(manifest: Manifest, notes: list[str] | None = None) -> str:
    """``SOURCES.md`` of a bundle: per layer source, licence, date, method; missing roles.

    Parameters
    ----------
    manifest
        The bundle manifest (the single source of the text).
    notes
        Extra paragraphs after the header.

    Returns
    -------
    str
        Markdown text.
    """
    lines = [f"# Sources of the {_md(manifest.title or manifest.name)} bundle "
             f"({_code(manifest.name)})", ""]
    lines += [
        f"Built by {_code(manifest.built_with)} from the raw public data described in "
        "`shared/data/SOURCES.md`; this file is generated from `bundle.yaml`.",
        "",
    ]
    if manifest.attribution:
        lines += [f"Attribution: {_md(manifest.attribution)}", ""]
    for note in notes or []:
        lines += [_md(note), ""]
    present = {r: e for r, e in manifest.layers.items() if not e.is_missing}
    missing = {r: e for r, e in manifest.layers.items() if e.is_missing}
    lines += ["## Layers", ""]
    for role, entry in present.items():
        where = _code(entry.file) + (f", layer {_code(entry.layer)}" if entry.layer else "")
        lines += [f"### {role}: {_md(_describe(role))}", "",
                  f"- **file**: {where} ({_md(entry.crs)})"]
        for label, value in (("source", entry.source), ("licence", entry.licence),
                             ("attribution", entry.attribution), ("date", entry.date),
                             ("method", entry.method)):
            if value:
                lines.append(f"- **{label}**: {_md(value)}")
        coverage = entry.coverage + (f": {_md(entry.coverage_note)}" if entry.coverage_note
                                     else "")
        lines.append(f"- **coverage**: {coverage}")
        if entry.approximate:
            lines.append("- **approximate**: yes")
        lines.append("")
    if missing:
        lines += ["## Roles with no data", "",
                  "Indicators that need these roles report *no data*; nothing is filled in.", ""]
        lines += [f"- **{role}**: {_md(entry.missing or '')}" for role, entry in missing.items()]
        lines.append("")
    if manifest.statistics:
        lines += ["## Statistics", "", "| key | value | unit | date | source |",
                  "|---|---|---|---|---|"]
        for key, stat in manifest.statistics.items():
            value = f"{stat.value:,.0f}" if stat.value == int(stat.value) else f"{stat.value:,}"
            lines.append(f"| {_md(key)} | {value} | {_md(stat.unit)} | {_md(stat.date)} | "
                         f"{_md(stat.source)}{' (' + _md(stat.note) + ')' if stat.note else ''} |")
        lines.append("")
    return "\n".join(lines)
