"""Write new layers into a bundle: never silently replace data, keep what is replaced.

Every route that puts data into an existing bundle (``geoplan import-osm``, ``geoplan fetch``,
``geoplan layers add``) goes through :func:`store_layers`:

- a role that already holds data is replaced only when the caller lists it in ``replace``,
  or merged with the new features when it lists it in ``merge`` (features whose key, e.g.
  ``stop_id``, the role already holds are kept as they are; the others are added);
  otherwise nothing is written and the error says what the bundle holds, what the new
  layer would bring and how many held features ``--replace`` would drop;
- a merged layer covers the union of the old and the new extent;
- a replacement is validated first (:func:`geoplan.layers.validate.check_layer`);
- the replaced entry is kept in the new entry's ``previous``; a replaced file that the new
  layer's file would overwrite is copied beside as ``<name>.replaced-<UTC time>.parquet``
  (any other file, e.g. a shared GeoPackage, stays where it is), so the old layer is
  recoverable;
- layers, backups and manifest are staged and renamed in as one set
  (:func:`geoplan.io.commit_staged`); only files the manifest lists are ever replaced;
- :func:`restore_layer` brings a replaced layer back (``geoplan layers restore``).
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
import pandas as pd

from geoplan.errors import LayerValidationError, OutputError
from geoplan.layers.manifest import LayerEntry, Manifest

__all__ = ["NewLayer", "held_description", "restore_layer", "store_layers"]

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
    key
        Columns that identify a feature (``("stop_id",)``, ``("osm_id", "u", "v")``): what
        a merge matches on; empty when the layer cannot be merged.
    """

    data: gpd.GeoDataFrame
    entry: LayerEntry
    key: tuple[str, ...] = ()


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


def _read_held(folder: Path, entry: LayerEntry) -> gpd.GeoDataFrame | None:
    """The data of a held entry (``None`` when it cannot be read)."""
    from geoplan.io import file_kind

    path = folder / str(entry.file)
    if file_kind(path) is not None:  # never open a FIFO or a device: it would block
        return None
    try:
        if path.suffix == ".parquet":
            return gpd.read_parquet(path)
        return gpd.read_file(path, layer=entry.layer, engine="pyogrio")
    except Exception:  # an unreadable old layer is still data the bundle holds
        return None


def _keys(data: pd.DataFrame, key: tuple[str, ...]) -> pd.Series | None:
    """One text per feature from its ``key`` columns (``None`` when a column is absent)."""
    if not key or any(col not in data.columns for col in key):
        return None
    text = data[key[0]].astype(str).str.strip()
    for col in key[1:]:
        text = text + "|" + data[col].astype(str).str.strip()
    return text


def _merged(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame,
            key: tuple[str, ...]) -> tuple[gpd.GeoDataFrame, int]:
    """``old`` plus the features of ``new`` whose key ``old`` does not hold; how many added."""
    old_keys, new_keys = _keys(old, key), _keys(new, key)
    assert old_keys is not None and new_keys is not None  # checked by the caller
    fresh = new[~new_keys.isin(set(old_keys)).to_numpy()]
    if old.crs is not None and fresh.crs is not None and fresh.crs != old.crs:
        fresh = fresh.to_crs(old.crs)
    fresh = fresh.rename_geometry(old.geometry.name) if fresh.geometry.name != \
        old.geometry.name else fresh
    both = pd.concat([old, fresh], ignore_index=True)
    return gpd.GeoDataFrame(both, geometry=old.geometry.name, crs=old.crs), len(fresh)


def _union_extent(old: str | None, new: str | None) -> str | None:
    """The extent of a merged layer: the union of both (``None``, the whole bundle, wins)."""
    from geoplan.layers.manifest import extent_geometry, extent_text

    if old is None or new is None:
        return None
    return extent_text(extent_geometry(old).union(extent_geometry(new)))


def _backup_name(folder: Path, stem: str, stamp: str) -> str:
    """``<stem>.replaced-<stamp>.parquet``, numbered when that name is taken (same second)."""
    name = f"{stem}.replaced-{stamp}.parquet"
    count = 1
    while (folder / name).exists() or (folder / name).is_symlink():
        count += 1
        name = f"{stem}.replaced-{stamp}-{count}.parquet"
    return name


def _listed_files(manifest: Manifest) -> list[str]:
    """Every file the manifest lists, the ``previous`` entries' included."""
    files: list[str] = []
    for entry in manifest.layers.values():
        current: LayerEntry | None = entry
        while current is not None:
            if current.file:
                files.append(current.file)
            current = current.previous
    return files


def _refusal(folder: Path, role: str, held: LayerEntry, new: NewLayer, *, noun: str,
             offer_merge: bool) -> tuple[str, bool]:
    """What ``role`` holds, what the new layer brings, what --replace / --merge would do.

    The flag says whether both layers have the key, so that a merge is possible.
    """
    where = f"{held.file}:{held.layer}" if held.layer else str(held.file)
    old = _read_held(folder, held) if new.key else None
    old_keys = _keys(old, new.key) if old is not None else None
    new_keys = _keys(new.data, new.key)
    if old is None or old_keys is None or new_keys is None:
        return (f"{role} holds {held_description(folder, held)} ({noun} has "
                f"{len(new.data):,})", False)
    dropped = int((~old_keys.isin(set(new_keys))).sum())
    added = int((~new_keys.isin(set(old_keys))).sum())
    text = (f"{role} holds {len(old):,} features in {where}; {noun} has {len(new.data):,}: "
            f"--replace {role} would drop {dropped:,} of them")
    if offer_merge:
        text += (f", --merge {role} would keep all {len(old):,} and add {added:,} new "
                 f"(matched by {', '.join(new.key)})")
    return text, True


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
    merge: Iterable[str] = (),
    inputs: Iterable[Path] = (),
    prefix: str = "",
    source: str = "the input",
    option: str = "--city",
    noun: str = "the new layer",
    keep_hint: Callable[[list[str]], str] | None = None,
    new_hint: str = "write into a new bundle",
    offer_merge: bool = False,
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
        Folder holding bundles; default :func:`geoplan.layers.bundle.writable_layers_dir`.
    replace
        Roles that already hold data and may be replaced.
    merge
        Roles whose held features are kept and the new ones (by :attr:`NewLayer.key`)
        added; a role not held is simply written.
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
    offer_merge
        Whether the refusal proposes ``--merge ROLES`` (the command has that option).

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    OutputError
        If a role holds data and is in neither ``replace`` nor ``merge`` (nothing is
        written), a merged role has no key in the held or the new layer, or the bundle
        folder or a file in it may not be written.
    LayerValidationError
        If a replacement fails validation (nothing is written).
    """
    from geoplan.io import check_name, check_output, commit_staged, protect_inputs, staging_dir
    from geoplan.layers.bundle import writable_layers_dir
    from geoplan.layers.manifest import MANIFEST_NAME, Manifest, read_manifest, write_manifest

    hint = f"choose another {option} (or --layers-dir)"
    allowed = set(replace)
    merging = set(merge)
    both = sorted(allowed & merging)
    if both:
        message = (f"role(s) {', '.join(both)} given to both --replace and --merge; choose one "
                   "per role")
        raise OutputError(message)
    root = Path(layers_dir if layers_dir is not None else writable_layers_dir())
    folder = root / check_name(bundle, option=option)
    manifest_path = folder / MANIFEST_NAME
    with protect_inputs(inputs):
        check_output(folder, folder=True, hint=hint)
        check_output(manifest_path, hint=hint)
        if manifest_path.exists():
            manifest = read_manifest(manifest_path)
            # the record of what the bundle holds: only files it lists may be replaced
            ours: list[str] | None = [MANIFEST_NAME, *_listed_files(manifest)]
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
        refused = [role for role in held if role not in allowed | merging]
        if refused:
            said = {role: _refusal(folder, role, held[role], fresh[role], noun=noun,
                                   offer_merge=offer_merge) for role in refused}
            what = "; ".join(text for text, _ in said.values())
            kept = [role for role in fresh if role not in refused]
            keep = keep_hint(kept) if keep_hint is not None else "leave those roles out"
            mergeable = [role for role in refused if said[role][1]]
            add = (f"; to add the new features to it, pass --merge {','.join(mergeable)}"
                   if offer_merge and mergeable else "")
            message = (f"{manifest_path}: {noun} would replace data the bundle already holds: "
                       f"{what}. Nothing was written. To keep it, {keep} or {new_hint} "
                       f"({option} {bundle}-new){add}; to replace it, pass --replace "
                       f"{','.join(refused)} (the replaced layer is kept and recorded as the "
                       f"entry's 'previous': `geoplan layers restore {bundle} ROLE` brings it "
                       "back)")
            raise OutputError(message)
        merged: dict[str, tuple[gpd.GeoDataFrame, int, int]] = {}
        for role in [r for r in held if r in merging]:
            old = _read_held(folder, held[role])
            key = fresh[role].key
            if old is None or _keys(old, key) is None or _keys(fresh[role].data, key) is None:
                message = (f"{manifest_path}: cannot merge {role}: "
                           + (f"{held_description(folder, held[role])} cannot be read"
                              if old is None else
                              f"the held layer or {noun} has no {', '.join(key) or 'key'} "
                              "column to match features on")
                           + f"; use --replace {role} or leave it out. Nothing was written.")
                raise OutputError(message)
            data, added = _merged(old, fresh[role].data, key)
            merged[role] = (data, len(old), added)
        _check_new({role: merged[role][0] if role in merged else fresh[role].data
                    for role in held}, bundle=bundle, source=source)
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        with staging_dir(folder, prefix=".geoplan-store-") as stage:
            names: list[str] = []
            for role, new in fresh.items():
                name = f"{prefix}{role}.parquet"
                note = ""
                previous: LayerEntry | None = None
                data = new.data
                entry = new.entry
                if role in held:
                    old = held[role]
                    previous = old.model_copy(update={"previous": None})
                    if role in merged:
                        data, kept_count, added = merged[role]
                        note = (f"; merged: the {kept_count:,} features of "
                                f"{held_description(folder, old).split(', ')[0]} kept, "
                                f"{added:,} new added (by {', '.join(new.key)}) from {source}")
                        entry = entry.model_copy(update={
                            "source": f"{old.source}; added: {entry.source}".strip("; "),
                            "date": f"{old.date}; added: {entry.date}".strip("; "),
                            "licence": old.licence if old.licence == entry.licence else
                            f"{old.licence}; {entry.licence}".strip("; "),
                            "coverage": "partial" if "partial" in (old.coverage, entry.coverage)
                            else "full",
                            "coverage_note": "; ".join(t for t in (old.coverage_note,
                                                                   entry.coverage_note) if t),
                            "extent": _union_extent(old.extent, entry.extent)})
                    else:
                        note = f"; replaced {held_description(folder, old)}"
                    old_path = folder / str(old.file)
                    if (not old.layer and old.file == name and old_path.is_file()):
                        # the new file takes the old one's name: keep a copy of the old
                        backup = _backup_name(folder, Path(str(old.file)).stem, stamp)
                        shutil.copy2(old_path, stage / backup)
                        names.append(backup)
                        previous = previous.model_copy(update={"file": backup})
                        note += f", kept as {backup}"
                    else:
                        note += f", still in {old.file}"
                    logger.warning("%s: %s %s", bundle, role, note.removeprefix("; "))
                data.to_parquet(stage / name, index=False, compression="zstd")
                names.append(name)
                crs = data.crs.to_string() if data.crs is not None else None
                method = f"{entry.method}; {len(data):,} features{note}".lstrip("; ")
                manifest.layers[role] = entry.model_copy(update={
                    "file": name, "layer": None, "crs": crs, "method": method,
                    "missing": None, "previous": previous})
            if not manifest.attribution:
                attributions = {new.entry.attribution for new in fresh.values()} - {""}
                manifest.attribution = "; ".join(sorted(attributions))
            write_manifest(manifest, stage / MANIFEST_NAME)
            names.append(MANIFEST_NAME)
            commit_staged(stage, folder, names, ours=ours, record=MANIFEST_NAME, hint=hint)
    return folder



def restore_layer(bundle: str, role: str, *, layers_dir: Path | None = None) -> Path:
    """Bring back the layer that ``role`` held before it was last replaced or merged.

    The entry's ``previous`` becomes the entry again; the current one becomes its
    ``previous`` (so a restore is itself undone by restoring again). A current stand-alone
    ``.parquet`` file is renamed ``<name>.replaced-<UTC time>.parquet`` so that a later
    import never writes over it.

    Parameters
    ----------
    bundle
        Bundle name (a plain folder name under ``layers_dir``).
    role
        The role to restore.
    layers_dir
        Folder holding bundles; default :func:`geoplan.layers.bundle.writable_layers_dir`.

    Returns
    -------
    pathlib.Path
        The bundle folder.

    Raises
    ------
    OutputError
        If the bundle or the role does not exist, the role has no ``previous`` entry, the
        previous file is gone, or the folder may not be written (nothing is written).

    Examples
    --------
    >>> restore_layer("hanoi", "bus_stops")  # doctest: +SKIP
    PosixPath('layers/hanoi')
    """
    from geoplan.io import check_name, check_output, commit_staged, sha256_file, staging_dir
    from geoplan.layers.bundle import writable_layers_dir
    from geoplan.layers.manifest import MANIFEST_NAME, read_manifest, write_manifest

    hint = "choose another bundle (or --layers-dir)"
    root = Path(layers_dir if layers_dir is not None else writable_layers_dir())
    folder = root / check_name(bundle, option="BUNDLE")
    manifest_path = folder / MANIFEST_NAME
    if not manifest_path.is_file():
        message = (f"cannot restore {role} of {bundle}: {manifest_path} does not exist; "
                   "give the name of a bundle (geoplan layers list)")
        raise OutputError(message)
    check_output(folder, folder=True, hint=hint)
    check_output(manifest_path, hint=hint)
    manifest = read_manifest(manifest_path)
    entry = manifest.layers.get(role)
    if entry is None or entry.previous is None:
        held = ("the bundle has no such role (roles: " + ", ".join(manifest.layers) + ")"
                if entry is None else "it was never replaced or merged by geoplan, so there "
                "is no 'previous' entry to bring back")
        message = (f"{manifest_path}: cannot restore {role}: {held}. Nothing was written.")
        raise OutputError(message)
    previous = entry.previous
    if previous.file and not (folder / previous.file).is_file():
        message = (f"{manifest_path}: cannot restore {role}: its previous layer's file "
                   f"{folder / previous.file} is gone; nothing was written")
        raise OutputError(message)
    ours = [MANIFEST_NAME, *_listed_files(manifest)]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    current = entry.model_copy(update={"previous": None})
    names: list[str] = []
    stale: dict[str, str] = {}
    with staging_dir(folder, prefix=".geoplan-store-") as stage:
        path = folder / str(entry.file)
        if (entry.file and not entry.layer and path.suffix == ".parquet" and path.is_file()
                and entry.file != previous.file):
            backup = _backup_name(folder, path.stem.split(".replaced-")[0], stamp)
            shutil.copy2(path, stage / backup)
            names.append(backup)
            current = current.model_copy(update={"file": backup})
            stale[entry.file] = sha256_file(path)
        manifest.layers[role] = previous.model_copy(update={"previous": current})
        write_manifest(manifest, stage / MANIFEST_NAME)
        names.append(MANIFEST_NAME)
        commit_staged(stage, folder, names, ours=ours, record=MANIFEST_NAME, hint=hint,
                      stale=stale)
    logger.warning("%s: %s restored from its previous entry (%s); the replaced one is kept as "
                   "'previous' (%s)", bundle, role, previous.file, current.file)
    return folder
