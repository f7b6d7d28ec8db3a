"""Provenance records: versions, input checksums, and a checksum of a run.

Every ``geoplan run`` writes ``provenance.json``: geoplan and dependency versions, each input
file (recipe, bundle manifest and data files) with its SHA-256, the parameters, the outputs'
SHA-256 and the timing. :func:`run_checksum` hashes everything except times and absolute
paths, so two runs on the same inputs share it (monitoring stores it with each snapshot).
Other outputs (``geoplan map``) get the same kind of record from :func:`output_record`, written
beside them by :func:`write_record`.

>>> "pandas" in dependency_versions()
True
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import platform
import sys
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from geoplan.errors import OutputError
from geoplan.io import atomic_write_text, check_output, regular_file_problem, sha256_file

if TYPE_CHECKING:
    from geoplan.layers import Bundle

__all__ = [
    "DEPENDENCIES",
    "OUTPUT_FILES",
    "check_record_target",
    "commit_outputs",
    "dependency_versions",
    "finish_times",
    "input_files",
    "input_paths",
    "inputs_protected",
    "jsonable",
    "output_record",
    "recorded_names",
    "recorded_outputs",
    "run_checksum",
    "write_merged_record",
    "write_record",
]

#: Files a run writes (``results.gpkg`` only with admin units, ``index.html`` only with maps).
OUTPUT_FILES: tuple[str, ...] = (
    "scorecard.csv", "scorecard.md", "results.gpkg", "index.html", "provenance.json",
)
#: Distributions whose versions every provenance record lists.
DEPENDENCIES: tuple[str, ...] = (
    "geopandas", "shapely", "pyogrio", "pyproj", "pandas", "numpy", "pydantic", "PyYAML",
    "folium", "rasterio", "exactextract", "osmnx", "scipy",
)


def dependency_versions() -> dict[str, str]:
    """Versions of :data:`DEPENDENCIES` and of the GDAL, PROJ and GEOS libraries."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str] = {}
    for name in DEPENDENCIES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    with contextlib.suppress(Exception):
        import pyogrio

        out["GDAL"] = str(pyogrio.__gdal_version_string__)
    with contextlib.suppress(Exception):
        import pyproj

        out["PROJ"] = str(pyproj.proj_version_str)
    with contextlib.suppress(Exception):
        import shapely

        out["GEOS"] = str(shapely.geos_version_string)
    return out


def _bundle_files(bundle: Bundle) -> dict[str, list[str]]:
    """File name (relative to the bundle folder) → roles, for the manifest and every data file."""
    files: dict[str, list[str]] = {"bundle.yaml": ["manifest"]}
    for role, entry in bundle.manifest.layers.items():
        if not entry.is_missing and entry.file:
            files.setdefault(entry.file, []).append(role)
    return files


def input_paths(recipe_path: Path | str | None, bundle: Bundle, *,
                statistics: Iterable[Path | str] = ()) -> list[Path]:
    """The input files of a run or map: the recipe (if any), its statistics files, the
    manifest, every data file.

    The set :func:`geoplan.io.protect_inputs` guards while outputs are written (the files
    :func:`input_files` lists, without reading them).

    Parameters
    ----------
    recipe_path
        The recipe file (skipped when ``None``).
    bundle
        The bundle.
    statistics
        Statistics CSV files read beside the recipe
        (:attr:`geoplan.analyses.recipe.Recipe.statistics_files`).

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> [p.name for p in input_paths(None, load_bundle("hatinh"))][0]  # doctest: +SKIP
    'bundle.yaml'
    """
    paths = [Path(recipe_path)] if recipe_path is not None else []
    paths += [Path(p) for p in statistics]
    return paths + [bundle.path / name for name in sorted(_bundle_files(bundle))]


def inputs_protected(recipe_path: Path | str | None, bundle: Bundle, *,
                     statistics: Iterable[Path | str] = ()
                     ) -> contextlib.AbstractContextManager[None]:
    """:func:`geoplan.io.protect_inputs` for a command on ``bundle`` (and a recipe, if any).

    Within the block no output may replace the recipe, its ``statistics`` files or a file of
    the bundle (also through a hard or symbolic link) or go into the bundle folder.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> with inputs_protected(None, load_bundle("hatinh")):  # doctest: +SKIP
    ...     save_map(map_bundle("hatinh"), "maps/hatinh.html")
    """
    from geoplan.io import protect_inputs

    return protect_inputs(input_paths(recipe_path, bundle, statistics=statistics),
                          folders=[bundle.path])


def input_files(recipe_path: Path | None, bundle: Bundle, *,
                statistics: Iterable[Path | str] = ()) -> list[dict[str, Any]]:
    """Every input of a run with its size and SHA-256.

    Parameters
    ----------
    recipe_path
        The recipe file (skipped when ``None``).
    bundle
        The bundle: its manifest and every data file a present role points at.
    statistics
        Statistics CSV files whose reports the run used (where its reported numbers came
        from).

    Returns
    -------
    list of dict
        ``kind`` (``recipe``/``statistics``/``bundle``), ``path`` (bundle files relative to
        the bundle folder), ``roles``, ``bytes``, ``sha256`` (``None`` for a file that does
        not exist).
    """
    rows: list[dict[str, Any]] = []
    if recipe_path is not None and Path(recipe_path).is_file():
        path = Path(recipe_path)
        rows.append({"kind": "recipe", "path": path.as_posix(), "bytes": path.stat().st_size,
                     "sha256": sha256_file(path)})
    for item in statistics:
        path = Path(item)
        row: dict[str, Any] = {"kind": "statistics", "path": path.as_posix()}
        if regular_file_problem(path) is None:
            row.update(bytes=path.stat().st_size, sha256=sha256_file(path))
        else:
            row.update(bytes=None, sha256=None)
        rows.append(row)
    for name, roles in sorted(_bundle_files(bundle).items()):
        path = bundle.path / name
        row = {"kind": "bundle", "bundle": bundle.name, "path": name, "roles": roles}
        inside = None if name == "bundle.yaml" else bundle.path  # never a FIFO or a link out
        if regular_file_problem(path, inside=inside) is None:
            row.update(bytes=path.stat().st_size, sha256=sha256_file(path))
        else:
            row.update(bytes=None, sha256=None)
        rows.append(row)
    return rows


def jsonable(value: Any) -> Any:
    """``value`` made JSON-serialisable (dates as ISO text, NaN as null, numpy scalars)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "item"):  # numpy scalars
        return jsonable(value.item())
    return str(value)


def run_checksum(prov: dict[str, Any]) -> str:
    """SHA-256 of a provenance record without its times and the paths of the recipe and
    its statistics files (their contents count, by SHA-256).

    Two runs on the same inputs, parameters and outputs share the checksum.
    """
    stable = {k: prov[k] for k in ("geoplan_version", "recipe", "inputs", "parameters",
                                   "outputs")}
    stable["recipe"] = {k: v for k, v in dict(stable["recipe"]).items() if k != "path"}
    stable["inputs"] = [{k: v for k, v in row.items()
                         if k != "path" or row["kind"] not in ("recipe", "statistics")}
                        for row in stable["inputs"]]
    text = json.dumps(jsonable(stable), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()




def finish_times(prov: dict[str, Any], clock: float) -> None:
    """Stamp a run's record with its end: ``finished``, ``duration_s`` (since ``clock``, a
    :func:`time.perf_counter` reading) and the :func:`run_checksum` of the rest.

    Parameters
    ----------
    prov
        The record, changed in place.
    clock
        :func:`time.perf_counter` at the start of the run.
    """
    prov["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    prov["duration_s"] = round(time.perf_counter() - clock, 3)
    prov["run_checksum"] = run_checksum(prov)


def output_record(
    bundle: Bundle,
    outputs: list[Path],
    *,
    command: str,
    parameters: dict[str, Any],
    started: datetime,
    clock: float,
) -> dict[str, Any]:
    """The provenance record of outputs made from a bundle alone (e.g. ``geoplan map``).

    Parameters
    ----------
    bundle
        The bundle the outputs show.
    outputs
        Files written (already complete).
    command
        What made them (``"map"``).
    parameters
        Options used (language, tiles, ...).
    started
        When the work started (UTC).
    clock
        :func:`time.perf_counter` at the start, for the duration.

    Returns
    -------
    dict
        ``geoplan_version``, ``python``, ``platform``, ``dependencies``, ``command``,
        ``bundle``, ``inputs`` (every bundle file with its SHA-256), ``parameters``,
        ``outputs`` (name → SHA-256), ``started``, ``finished``, ``duration_s``.
    """
    from geoplan import __version__

    return {
        "geoplan_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "dependencies": dependency_versions(),
        "command": command,
        "bundle": {"name": bundle.name, "path": str(bundle.path)},
        "inputs": input_files(None, bundle),
        "parameters": jsonable(parameters),
        "outputs": {path.name: sha256_file(path) for path in outputs},
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "duration_s": round(time.perf_counter() - clock, 3),
    }


def recorded_outputs(path: Path | str) -> dict[str, str] | None:
    """Output name → SHA-256 that the geoplan provenance record at ``path`` lists.

    The record of what geoplan wrote before: ``None`` when there is none (no file, not a
    regular file, not JSON, or JSON that geoplan did not write: no ``geoplan_version`` or
    no ``outputs`` mapping). :func:`geoplan.io.commit_staged` replaces only files it lists.

    Examples
    --------
    >>> recorded_outputs("/no/such/provenance.json") is None
    True
    """
    path = Path(path)
    try:
        if not path.is_file() or path.is_symlink():
            return None
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    outputs = record.get("outputs") if isinstance(record, dict) else None
    if not isinstance(outputs, dict) or "geoplan_version" not in record:
        return None
    return {str(k): str(v) for k, v in outputs.items()}


def commit_outputs(stage: Path, folder: Path, produced: list[str], *,
                   names: Iterable[str], record: str = "provenance.json") -> dict[str, Path]:
    """Move a staged set of outputs into ``folder``: the commit of ``geoplan run``.

    ``produced`` (names of complete files in ``stage``, ``record`` last) replace the files
    the earlier record in ``folder`` lists among ``names``; the earlier outputs this set does
    not replace are removed (:func:`geoplan.io.commit_staged`), so the folder never mixes
    two runs; a file of an output's name that no earlier record lists is refused.

    Parameters
    ----------
    stage
        The staging folder (:func:`geoplan.io.staging_dir`).
    folder
        The output folder.
    produced
        Names of the staged files, in commit order.
    names
        Every name such a set may hold (an earlier record's other entries are ignored).
    record
        Name of the provenance record among ``produced``.

    Returns
    -------
    dict
        Name → final path of every file moved in.

    Raises
    ------
    OutputError
        If a folder of an output's name is in the way, a final path may not be written, or
        a file there is not one geoplan recorded writing.
    """
    from geoplan.io import commit_staged

    in_the_way = [name for name in produced if (folder / name).is_dir()]
    if in_the_way:
        message = (f"cannot write {folder / in_the_way[0]}: a folder of that name is in the "
                   "way; move it or choose another folder with --out")
        raise OutputError(message)
    for name in produced:  # an input, device, FIFO or link is named as such first
        check_output(folder / name)
    recorded = recorded_outputs(folder / record)
    allowed = set(names)
    previous = None if recorded is None else \
        {k: v for k, v in recorded.items() if k in allowed}
    ours = [*previous, record] if previous is not None else None
    # the commit: one rename per file, all already complete; Ctrl-C waits for the end;
    # a file of an output's name that no earlier run recorded writing is refused
    return commit_staged(stage, folder, produced, ours=ours, stale=previous, record=record)


def recorded_names(folder: Path | str, record: str = "provenance.json") -> list[str] | None:
    """The names the earlier record in ``folder`` lists, and the record's own name: the files
    a new commit there may replace (``ours`` of :func:`geoplan.io.commit_staged`); ``None``
    when there is no such record.

    Examples
    --------
    >>> recorded_names("/no/such/folder") is None
    True
    """
    recorded = recorded_outputs(Path(folder) / record)
    return None if recorded is None else [*recorded, record]


def write_merged_record(stage: Path, target: Path, produced: list[str], *,
                        head: dict[str, Any], record: str = "provenance.json") -> None:
    """Write ``stage/record``: ``head`` and the ``outputs`` of this commit (``produced``,
    by SHA-256) plus the earlier record's files still in ``target`` (a report that keeps
    other reports' files beside it).

    Parameters
    ----------
    stage
        The staging folder holding ``produced``.
    target
        The folder the set is committed to.
    produced
        Names of the staged files.
    head
        The record's other entries (version, command, ...).
    record
        The record's name.
    """
    earlier = recorded_outputs(target / record) or {}
    outputs = {name: digest for name, digest in earlier.items()
               if name not in produced and (target / name).is_file()}
    outputs.update({name: sha256_file(stage / name) for name in produced})
    data = {**head, "outputs": dict(sorted(outputs.items()))}
    (stage / record).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                encoding="utf-8")


def check_record_target(path: Path | str, outputs: list[str]) -> bool:
    """Check that the provenance record of ``outputs`` may be written at ``path``.

    A file already at ``path`` is replaced only when it is geoplan's provenance record of
    one of those same outputs (its ``outputs`` names them), so a user's own
    ``notes.provenance.json`` beside ``--out notes.html`` is never overwritten.

    Returns
    -------
    bool
        ``True`` when such a record is there (it will be replaced), ``False`` when nothing is.

    Raises
    ------
    OutputError
        If ``path`` may not be written (:func:`geoplan.io.check_output`) or holds a file that
        is not geoplan's record of ``outputs``.
    """
    path = check_output(path)
    if not path.is_file():
        return False
    recorded = recorded_outputs(path)
    if recorded is not None and any(name in recorded for name in outputs):
        return True
    what = ", ".join(outputs) or "these outputs"
    message = (f"cannot write {path}: a file of that name is already there and it is not "
               f"geoplan's provenance record of {what}; geoplan never replaces files it did "
               "not write: move it or choose another name with --out")
    raise OutputError(message)


def write_record(record: dict[str, Any], path: Path | str) -> Path:
    """Write a provenance ``record`` as UTF-8 JSON to ``path``, atomically; return the path.

    A file already at ``path`` is replaced only when it is geoplan's record of one of the
    same outputs (:func:`check_record_target`).
    """
    outputs = record.get("outputs")
    check_record_target(path, [str(k) for k in outputs] if isinstance(outputs, dict) else [])
    text = json.dumps(jsonable(record), indent=2, ensure_ascii=False) + "\n"
    atomic_write_text(path, text)
    return Path(path)
