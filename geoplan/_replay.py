"""Reuse of an identical earlier run: ``geoplan run`` does not compute again what it computed.

A run's outputs are a pure function of its inputs: the recipe, the bundle's manifest and
data files, the statistics files, the history it reads, the options, geoplan's own code and
the installed packages. After a run, :func:`remember` stores its output files (by SHA-256,
in the cache folder of :mod:`geoplan._cache`) with a record of all of those; the next run of
the same command line finds the record (:func:`find`) and, when every input still has the
bytes it had, writes the stored outputs again (:func:`restore`) instead of computing them.
This is what a build tool does with targets that are up to date, and it is checked the same
way: by content, never by time stamps.

* **Key.** A SHA-256 of the command, its options (paths made absolute, the evaluation date
  resolved), the recipe file's bytes, the current folder, the ``GEOPLAN_*``, ``GDAL_*``,
  ``OGR_*``, ``CPL_*`` and ``PROJ_*`` environment variables, the bytes of every file of the
  geoplan package, the names (with versions) of the installed distributions and any
  indicator registered in the process by code outside geoplan (its module file's SHA-256 and
  the function object). Any change misses. (Code that replaces geoplan's own functions in a
  running process is not seen: such a caller passes ``--recompute`` or sets
  ``GEOPLAN_CACHE=off``, as geoplan's tests do.)
* **Inputs.** The record lists every input file with its kind and SHA-256 (or that it did
  not exist), every file of the bundle folder and the folder's listing (a file added beside
  a layer counts), and the folder the bundle name resolved to; :func:`find` checks each one
  again, so an edited layer file, statistics file or history, or another bundle now found
  under the same name, makes the run compute.
* **Outputs.** They are written as a computed run writes them: staged in the output folder,
  checked against the inputs (never replacing one), committed by
  :func:`geoplan.provenance.commit_outputs` (never replacing a file no earlier run recorded),
  with a fresh ``provenance.json`` whose ``reused`` entry names the run that computed them.
  A stored file is copied only if it still has its recorded SHA-256.
* **Not reused.** A run that changed a file it also read (a history that gained a snapshot)
  is not stored; ``geoplan run --recompute`` computes; ``GEOPLAN_CACHE=off`` disables both
  storing and reuse. A damaged record or file is reported with a warning, removed and the
  run computes.

>>> key = run_key("run", {"lang": "vi"})                           # doctest: +SKIP
>>> find("run", key) is None                                       # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geoplan._cache import cache_dir
from geoplan.errors import OutputError
from geoplan.io import (
    atomic_path,
    atomic_write_text,
    check_output,
    protect_inputs,
    sha256_file,
    staging_dir,
)
from geoplan.layers._where import bundle_location
from geoplan.provenance import run_checksum

__all__ = ["Replay", "find", "fresh_record", "input_states", "recorded_warnings", "remember",
           "restore", "run_key", "warn_again"]

logger = logging.getLogger(__name__)

#: Bumped when the layout of a record changes.
_FORMAT = 1
_DIR = "replay"
_PACKAGE = Path(__file__).resolve().parent
_CODE: list[str] = []
#: Environment variables that can change what a run reads or computes.
_ENVIRONMENT = ("GEOPLAN_", "GDAL_", "OGR_", "CPL_", "PROJ_")


def _code_digest() -> str:
    """SHA-256 of every file of the geoplan package (shipped bundles excluded: they are
    inputs, hashed as such), once per process."""
    if not _CODE:
        h = hashlib.sha256()
        for path in sorted(_PACKAGE.rglob("*")):
            rel = path.relative_to(_PACKAGE).as_posix()
            if "__pycache__" in rel or rel.startswith("_shipped") or not path.is_file():
                continue
            h.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        _CODE.append(h.hexdigest())
    return _CODE[0]


def _distributions() -> list[str]:
    """The ``*.dist-info`` names (name and version) of every folder on ``sys.path``."""
    names: set[str] = set()
    for entry in sys.path:
        with contextlib.suppress(OSError):
            names.update(p.name for p in Path(entry or ".").iterdir()
                         if p.name.endswith(".dist-info"))
    return sorted(names)


def _foreign_indicators() -> list[list[str]]:
    """Indicators registered in this process by code outside geoplan (a plugin, a script
    calling the CLI in-process): name, module, function and the module file's SHA-256, so
    that other indicator code under the same name misses. Nothing when the registry is not
    imported yet (a fresh ``geoplan`` process has registered nothing else)."""
    registry = sys.modules.get("geoplan.analyses.registry")
    if registry is None:
        return []
    rows = []
    for name, spec in sorted(getattr(registry, "_REGISTRY", {}).items()):
        module = str(getattr(spec.func, "__module__", ""))
        if module.startswith("geoplan."):
            continue
        source = getattr(sys.modules.get(module), "__file__", None)
        digest = _state(Path(source)) if source else "no file"
        rows.append([name, module, str(getattr(spec.func, "__qualname__", "")), digest,
                     str(id(spec.func))])
    return rows


def run_key(command: str, options: Mapping[str, Any], *, recipe: Path) -> str | None:
    """The key of a command line's record, or ``None`` when there is no reuse: the cache is
    off, or geoplan logs below warnings (``--verbose`` asks to see the computation).

    Parameters
    ----------
    command
        The command (``"run"``).
    options
        Everything else the command was given, JSON-serialisable: paths absolute, the
        evaluation date resolved.
    recipe
        The recipe file: its absolute path and state (:func:`input_states`, read before it
        is parsed) join the key, as does the log level (``--quiet`` logs no warnings to say
        again).

    Returns
    -------
    str or None
    """
    level = logging.getLogger("geoplan").getEffectiveLevel()
    if cache_dir() is None or level < logging.WARNING:
        return None
    options = {**options, "recipe": str(recipe.absolute()),
               "recipe_state": input_states([recipe]), "log_level": level}
    environment = {k: v for k, v in os.environ.items()  # geoplan's and GDAL's/PROJ's settings
                   if k.startswith(_ENVIRONMENT) and k != "GEOPLAN_CACHE"}
    payload = {
        "format": _FORMAT, "command": command, "options": dict(options),
        "code": _code_digest(), "python": sys.version,
        "executable": sys.executable, "distributions": _distributions(),
        "cwd": str(Path.cwd()), "environment": environment,
        "indicators": _foreign_indicators(),
    }
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _state(path: Path) -> str:
    """What is at ``path`` now: ``absent``; a folder's listing (names and kinds of every
    entry below it, by SHA-256: a file added beside a layer, such as a Shapefile's ``.dbf``,
    changes it); a link's target and the state of what it points to; a regular file's
    SHA-256; or the kind of anything else (never opened: a FIFO cannot block)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return "absent"
    except OSError as exc:
        return f"unreadable: {exc.strerror}"
    if stat.S_ISLNK(info.st_mode):
        target = path.readlink()
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return f"link to {target}, broken"
        return f"link to {target}: {_state(resolved)}"
    if stat.S_ISDIR(info.st_mode):
        h = hashlib.sha256()
        try:
            for entry in sorted(path.rglob("*")):
                kind = "d" if entry.is_dir() and not entry.is_symlink() else "f"
                h.update(f"{entry.relative_to(path).as_posix()}\0{kind}\0".encode())
        except OSError as exc:
            return f"unreadable: {exc.strerror}"
        return f"folder {h.hexdigest()}"
    if not stat.S_ISREG(info.st_mode):
        return f"mode {stat.filemode(info.st_mode)}"
    try:
        return sha256_file(path)
    except OSError as exc:
        return f"unreadable: {exc.strerror}"


def input_states(paths: Iterable[str | os.PathLike[str]], *,
                 folders: Iterable[str | os.PathLike[str]] = ()) -> dict[str, str]:
    """Absolute path → state (:func:`_state`) of each input file, read now.

    Parameters
    ----------
    paths
        The input files of a command (some may not exist).
    folders
        Input folders (a bundle's): the folder's listing and every file below it, listed in
        a manifest or not (a Shapefile's ``.dbf``, a ``.prj``).

    Returns
    -------
    dict
    """
    files = [Path(p).absolute() for p in paths]
    for folder in folders:
        below = sorted(Path(folder).absolute().rglob("*"))
        files += [Path(folder).absolute(), *(p for p in below if p not in files)]
    return {str(p): _state(p) for p in files}


@dataclass(frozen=True)
class Replay:
    """A stored run whose inputs are unchanged: what :func:`restore` writes again."""

    key: str
    entry: Path
    folder: Path
    inputs: dict[str, str]
    protected: list[str]
    folders: list[str]
    checks: list[tuple[str, bool]]
    outputs: dict[str, str]
    record: dict[str, Any]
    printed: dict[str, Any]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.said: list[list[Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(("geoplan", "py.warnings")):
            self.said.append([record.name, record.levelno, record.getMessage()])


@contextlib.contextmanager
def recorded_warnings() -> Iterator[list[list[Any]]]:
    """Within the block, collect the warnings geoplan logs (and Python warnings captured to
    logging) as ``[logger, level, message]``: what a reused run says again
    (:func:`warn_again`), since its data still has the problems they name.

    Examples
    --------
    >>> with recorded_warnings() as said:
    ...     logging.getLogger("geoplan.demo").warning("1 geometry repaired")
    >>> said
    [['geoplan.demo', 30, '1 geometry repaired']]
    """
    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler.said
    finally:
        root.removeHandler(handler)


def warn_again(said: Iterable[Any]) -> None:
    """Log the warnings :func:`recorded_warnings` collected, through their own loggers."""
    for name, level, message in said:
        logging.getLogger(str(name)).log(int(level), "%s", str(message))


def _root() -> Path | None:
    root = cache_dir()
    return None if root is None else root / _DIR


def _drop(entry: Path, why: str) -> None:
    logger.warning("removing the damaged reuse record %s (%s); the run computes", entry, why)
    with contextlib.suppress(OSError):
        entry.unlink()


def find(command: str, key: str | None, *, allowed: Callable[[str], bool],
         shows: Callable[[dict[str, Any]], Any] = lambda printed: None) -> Replay | None:
    """The stored run of ``key`` if every input still has its recorded state, else ``None``.

    Parameters
    ----------
    command
        The command the record must be of.
    key
        :func:`run_key` (``None``: the cache is off).
    allowed
        Whether a name (relative to the output folder) is one the command writes: a record
        naming another file is damaged.
    shows
        Builds what the command prints from the record's ``printed`` (before anything is
        written): a record it cannot show (``KeyError``, ``TypeError``, ``ValueError``) is
        damaged.

    Returns
    -------
    Replay or None
    """
    root = _root()
    if key is None or root is None:
        return None
    entry = root / f"{key}.json"
    try:
        data = json.loads(entry.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        _drop(entry, f"cannot read it: {exc}")
        return None
    try:
        replay = Replay(key, entry, Path(data["folder"]), dict(data["inputs"]),
                        [str(f) for f in data["protected"]],
                        [str(f) for f in data["folders"]],
                        [(str(c), bool(f)) for c, f in data["checks"]],
                        dict(data["outputs"]), dict(data["record"]), dict(data["printed"]))
        bundle_arg, bundle_dir = str(data["bundle"][0]), str(data["bundle"][1])
        said = [[str(n), int(level), str(m)] for n, level, m in replay.printed.get("said", [])]
        ok = (data["format"] == _FORMAT and data["command"] == command
              and all(map(allowed, replay.outputs)) and replay.folder.is_absolute()
              and bool(replay.protected) and set(replay.protected) <= set(replay.inputs)
              and len(said) == len(replay.printed.get("said", [])))
        shows(replay.printed)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        _drop(entry, f"not a record: {exc!r}")
        return None
    if not ok:
        _drop(entry, "not a record of this command")
        return None
    where = bundle_location(bundle_arg)
    if where is None or str(where.resolve()) != bundle_dir:
        return None  # the bundle name now means another folder
    if input_states(replay.inputs) != replay.inputs:
        return None  # an input changed since: compute
    return replay


def _copy_checked(source: Path, target: Path, digest: str) -> None:
    h = hashlib.sha256()
    with source.open("rb") as src, target.open("wb") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            h.update(block)
            dst.write(block)
    if h.hexdigest() != digest:
        message = f"{source} does not hold the bytes recorded for {target.name}"
        raise ValueError(message)


def _holds(path: Path, digest: str) -> bool:
    """Whether ``path`` is a regular file holding the bytes of SHA-256 ``digest``."""
    try:
        return path.is_file() and not path.is_symlink() and sha256_file(path) == digest
    except OSError:
        return False


def restore(replay: Replay, *, prefix: str,
            commit: Callable[[Path, list[str]], dict[str, Path]]) -> dict[str, Path] | None:
    """Write the stored outputs of ``replay`` into its folder, as a computed run would.

    Within the inputs' protection (:func:`geoplan.io.protect_inputs`), the paths the
    command checks before computing are checked again, the stored files are copied into a
    staging folder (each checked against its SHA-256), and ``commit`` writes the command's
    record there and moves the set in, with the command's own rules.

    Parameters
    ----------
    replay
        From :func:`find`.
    prefix
        Name prefix of the staging folder (the command's).
    commit
        Called with the staging folder and the names staged; writes the record and
        commits (e.g. :func:`geoplan.provenance.commit_outputs`); returns name → path.

    Returns
    -------
    dict or None
        Name → path of every file written; ``None`` when a stored file was damaged (it is
        reported and removed, nothing is written: the caller computes).

    Raises
    ------
    OutputError
        As a computed run's commit: an output would replace an input or a file geoplan did
        not write, or the folder cannot be written.
    """
    root = _root()
    assert root is not None
    with protect_inputs(replay.protected, folders=replay.folders):
        for path, is_folder in replay.checks:  # e.g. the history a computed run checks too
            check_output(path, folder=bool(is_folder))
        with staging_dir(replay.folder, prefix=prefix) as stage:
            for name, digest in replay.outputs.items():
                (stage / name).parent.mkdir(parents=True, exist_ok=True)
                blob = root / "blobs" / digest
                try:
                    _copy_checked(blob, stage / name, digest)
                except (FileNotFoundError, ValueError) as exc:  # damaged, not a full disk
                    with contextlib.suppress(OSError):
                        blob.unlink()
                    _drop(replay.entry, str(exc))
                    return None
            return commit(stage, list(replay.outputs))


def fresh_record(replay: Replay, *, started: datetime, clock: float) -> dict[str, Any]:
    """The stored run's provenance record with this command's times, ``reused`` naming the
    times of the run that computed the outputs, and its :func:`run_checksum` (the same:
    the same inputs, parameters and outputs)."""
    record = dict(replay.record)
    record["reused"] = {k: replay.record.get(k) for k in ("started", "finished", "duration_s")}
    record["started"] = started.isoformat(timespec="seconds")
    record["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    record["duration_s"] = round(time.perf_counter() - clock, 3)
    record["run_checksum"] = run_checksum(record)
    return record


def remember(command: str, key: str | None, *, folder: Path, before: Mapping[str, str],
             protected: Iterable[str | os.PathLike[str]],
             folders: Iterable[str | os.PathLike[str]], bundle: tuple[str, Path],
             checks: Iterable[tuple[str | os.PathLike[str], bool]] = (),
             outputs: Mapping[str, Path], record: Mapping[str, Any],
             printed: Mapping[str, Any]) -> bool:
    """Store a computed run so that the next identical one is reused.

    Parameters
    ----------
    command, key
        As for :func:`find`.
    folder
        The output folder.
    before
        :func:`input_states` of every input, read before the run computed.
    protected
        The input files no output may replace (:func:`geoplan.io.protect_inputs`).
    folders
        Input folders (the bundle folder): nothing is written into them.
    checks
        Paths the command checks as outputs before computing (a history it would write),
        each with whether it is a folder: :func:`restore` checks them again
        (:func:`geoplan.io.check_output`).
    bundle
        The bundle as given (name or path) and the folder it resolved to.
    outputs
        Name → path of each output file written (the provenance record excluded).
    record
        The provenance record written.
    printed
        What the command printed, as data (it prints it again).

    Returns
    -------
    bool
        Whether the run was stored: not when the cache is off, when an input changed while
        the run ran (it wrote a file it read), or when the cache folder cannot be written.
    """
    root = _root()
    if key is None or root is None:
        return False
    if input_states(before) != dict(before):
        logger.info("not stored for reuse: the run changed a file it read")
        return False
    kept = [str(f) for f in folders]
    inside = [f for f in kept if root.absolute().is_relative_to(Path(f).absolute())]
    if inside:  # the cache folder inside the bundle: storing would change an input
        logger.info("not stored for reuse: the cache folder %s is inside %s", root, inside[0])
        return False
    try:
        blobs = root / "blobs"
        blobs.mkdir(parents=True, exist_ok=True)
        digests: dict[str, str] = {}
        for name, path in outputs.items():
            digest = digests[name] = sha256_file(path)
            if not _holds(blobs / digest, digest):  # missing or damaged: written anew
                with contextlib.suppress(OSError):
                    (blobs / digest).unlink()
                with atomic_path(blobs / digest) as tmp:
                    shutil.copyfile(path, tmp)
        data = {"format": _FORMAT, "command": command, "folder": str(Path(folder).absolute()),
                "inputs": dict(before), "protected": [str(Path(p).absolute()) for p in protected],
                "folders": kept,
                "checks": [[str(Path(c).absolute()), f] for c, f in checks],
                "bundle": [bundle[0], str(Path(bundle[1]).resolve())], "outputs": digests,
                "record": dict(record), "printed": dict(printed)}
        atomic_write_text(root / f"{key}.json", json.dumps(data, ensure_ascii=False, default=str))
    except (OSError, OutputError) as exc:
        logger.warning("cannot store the run for reuse in %s: %s", root, exc)
        return False
    return True
