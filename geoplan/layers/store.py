"""Write new layers into a bundle: never silently replace data, keep what is replaced.

Every route that puts data into an existing bundle (``geoplan import-osm``, ``geoplan fetch``,
``geoplan layers add``) goes through :func:`store_layers`:

- a role that already holds data is replaced only when the caller lists it in ``replace``;
  otherwise nothing is written and the error says what the bundle holds and what the new
  layer would bring;
- a replacement is validated first (:func:`geoplan.layers.validate.check_layer`);
- the replaced entry is kept in the new entry's ``previous`` and a replaced stand-alone file
  is copied beside as ``<name>.replaced-<UTC time>.parquet`` (data in a shared GeoPackage
  stays where it is), so the old layer is recoverable;
- layers, backups and manifest are staged and renamed in as one set
  (:func:`geoplan.io.commit_staged`); only files the manifest lists are ever replaced.
"""

from __future__ import annotations

import logging
import shutil
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd

from geoplan.errors import LayerValidationError, OutputError
from geoplan.layers.manifest import LayerEntry

__all__ = ["NewLayer", "held_description", "store_layers"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NewLayer:
    """A layer to store: its data and its manifest entry.

    Attributes
    ----------
    data
        The features (any CRS; written as GeoParquet with its CRS recorded in the entry).
    entry
        The manifest entry (``source``, ``licence``, ``method``, ``extent``...); ``file`` and
        ``crs`` are filled in by :func:`store_layers`.
    """

    data: gpd.GeoDataFrame
    entry: LayerEntry


def _feature_count(path: Path, layer: str | None) -> int | None:
    """Features of an existing layer file (``None`` when it cannot be told cheaply)."""
    from geoplan.io import file_kind

    if file_kind(path) is not None:  # never open a FIFO or a device: it would block
        return None
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return int(pq.read_metadata(path).num_rows)
        import pyogrio

        return int(pyogrio.read_info(path, layer=layer)["features"])
    except Exception:  # an unreadable old layer is still data the bundle holds
        return None


def held_description(folder: Path, entry: LayerEntry) -> str:
    """How a manifest ``entry`` holds its data, e.g. ``hanoi.gpkg:bus_stops, 3,135 features``."""
    where = f"{entry.file}:{entry.layer}" if entry.layer else str(entry.file)
    count = _feature_count(folder / str(entry.file), entry.layer)
    return where if count is None else f"{where}, {count:,} features"


def _check_new(layers: Mapping[str, gpd.GeoDataFrame], *, bundle: str, source: str) -> None:
    """Validate layers that will replace held data; raise with every problem, if any."""
    from geoplan.layers.validate import GeometryRepairWarning, check_layer

    problems: list[str] = []
    for role, gdf in layers.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GeometryRepairWarning)
            checked = check_layer(gdf, role=role, where=f"{bundle}/{role} (from {source})")
        problems += checked.problems
    if problems:
        problems.append("nothing was replaced: fix the input or leave these roles out")
        raise LayerValidationError(problems, bundle=bundle)


def store_layers(
    bundle: str,
    layers: Mapping[str, NewLayer],
    *,
    layers_dir: Path | None = None,
    replace: Iterable[str] = (),
    inputs: Iterable[Path] = (),
    prefix: str = "",
    source: str = "the input",
    option: str = "--city",
    noun: str = "the new layer",
    keep_hint: Callable[[list[str]], str] | None = None,
    new_hint: str = "write into a new bundle",
) -> Path:
    """Write ``layers`` into bundle ``bundle`` (``<prefix><role>.parquet``), updating its manifest.

    A layer with no feature leaves the role as it was (an empty layer would read as "there is
    nothing here"). The bundle is created when absent.

    Parameters
    ----------
    bundle
        Bundle name (a plain folder name under ``layers_dir``).
    layers
        Role → :class:`NewLayer`.
    layers_dir
        Folder holding bundles; default :func:`geoplan.layers.bundle.default_layers_dir`.
    replace
        Roles that already hold data and may be replaced.
    inputs
        Files the command reads: never written to.
    prefix
        File name prefix (``"osm_"`` for OSM imports).
    source
        What the layers come from, for messages.
    option
        The command-line option that names the bundle, for messages.
    noun, keep_hint, new_hint
        Wording of the refusal: what brings the new data (``"the import"``), how to keep the
        held data (called with the roles that may be kept, default ``"leave those roles
        out"``), how to use a new
        bundle (``"import into a new bundle"``).

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    OutputError
        If a role holds data and is not in ``replace`` (nothing is written), or the bundle
        folder or a file in it may not be written.
    LayerValidationError
        If a replacement fails validation (nothing is written).
    """
    from geoplan.io import check_name, check_output, commit_staged, protect_inputs, staging_dir
    from geoplan.layers.bundle import default_layers_dir
    from geoplan.layers.manifest import MANIFEST_NAME, Manifest, read_manifest, write_manifest

    hint = f"choose another {option} (or --layers-dir)"
    allowed = set(replace)
    root = Path(layers_dir if layers_dir is not None else default_layers_dir())
    folder = root / check_name(bundle, option=option)
    manifest_path = folder / MANIFEST_NAME
    with protect_inputs(inputs):
        check_output(folder, folder=True, hint=hint)
        check_output(manifest_path, hint=hint)
        if manifest_path.exists():
            manifest = read_manifest(manifest_path)
            # the record of what the bundle holds: only files it lists may be replaced
            ours: list[str] | None = [MANIFEST_NAME, *(entry.file for entry in
                                                       manifest.layers.values() if entry.file)]
        elif folder.is_dir() and any(folder.iterdir()):
            verb = "import" if noun == "the import" else "write"
            message = (f"cannot {verb} into {folder}: the folder exists, holds files and is "
                       f"not a bundle (no {MANIFEST_NAME}); geoplan never replaces files it did "
                       f"not write: move them or {hint}")
            raise OutputError(message)
        else:
            manifest = Manifest(name=bundle, title=bundle, layers={})
            ours = None
        fresh = {role: new for role, new in layers.items() if not new.data.empty}
        for role in layers:
            if role not in fresh:
                logger.warning("%s: no %s features in %s; role left as it was", bundle, role,
                               source)
        held = {role: manifest.layers[role] for role in fresh
                if role in manifest.layers and not manifest.layers[role].is_missing}
        refused = [role for role in held if role not in allowed]
        if refused:
            what = "; ".join(f"{role} holds {held_description(folder, held[role])} ({noun} "
                             f"has {len(fresh[role].data):,})" for role in refused)
            kept = [role for role in fresh if role not in refused]
            keep = keep_hint(kept) if keep_hint is not None else "leave those roles out"
            message = (f"{manifest_path}: {noun} would replace data the bundle already holds: "
                       f"{what}. Nothing was written. To keep it, {keep} or {new_hint} "
                       f"({option} {bundle}-new); to replace it, pass --replace "
                       f"{','.join(refused)} (the replaced layer is kept and recorded as the "
                       "entry's 'previous')")
            raise OutputError(message)
        _check_new({role: fresh[role].data for role in held}, bundle=bundle, source=source)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        with staging_dir(folder, prefix=".geoplan-store-") as stage:
            names: list[str] = []
            for role, new in fresh.items():
                name = f"{prefix}{role}.parquet"
                note = ""
                previous: LayerEntry | None = None
                if role in held:
                    old = held[role]
                    previous = old.model_copy(update={"previous": None})
                    note = f"; replaced {held_description(folder, old)}"
                    old_path = folder / str(old.file)
                    if not old.layer and old_path.suffix == ".parquet" and old_path.is_file():
                        backup = f"{Path(str(old.file)).stem}.replaced-{stamp}.parquet"
                        shutil.copy2(old_path, stage / backup)
                        names.append(backup)
                        previous = previous.model_copy(update={"file": backup})
                        note += f", kept as {backup}"
                    else:
                        note += f", still in {old.file}"
                    logger.warning("%s: %s%s", bundle, role, note.removeprefix("; "))
                new.data.to_parquet(stage / name, index=False, compression="zstd")
                names.append(name)
                crs = new.data.crs.to_string() if new.data.crs is not None else None
                method = f"{new.entry.method}; {len(new.data):,} features{note}".lstrip("; ")
                manifest.layers[role] = new.entry.model_copy(update={
                    "file": name, "layer": None, "crs": crs, "method": method,
                    "missing": None, "previous": previous})
            if not manifest.attribution:
                attributions = {new.entry.attribution for new in fresh.values()} - {""}
                manifest.attribution = "; ".join(sorted(attributions))
            write_manifest(manifest, stage / MANIFEST_NAME)
            names.append(MANIFEST_NAME)
            commit_staged(stage, folder, names, ours=ours, record=MANIFEST_NAME, hint=hint)
    return folder

