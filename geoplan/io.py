"""Atomic output: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and an interrupted run leaves the previous output in
place. A set of files is committed by renames inside :func:`hold_interrupts`, so that Ctrl-C
cannot leave half of an old set and half of a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from geoplan.errors import OutputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "commit_staged",
    "file_kind",
    "hold_interrupts",
    "output_error",
    "regular_file_problem",
    "sha256_file",
    "staging_dir",
    "write_gpkg_layer",
]

logger = logging.getLogger(__name__)


def output_error(target: Path | str, exc: OSError) -> OutputError:
    """The :class:`~geoplan.errors.OutputError` for ``target`` that cannot be written.

    The message says why (a regular file standing where a folder is needed, permissions,
    disk full, ...) and how to fix it; build it, then raise it.

    Parameters
    ----------
    target
        The file or folder that could not be written.
    exc
        The error the operating system gave.

    Returns
    -------
    OutputError

    Examples
    --------
    >>> error = output_error("/etc/passwd/out", NotADirectoryError(20, "Not a directory"))
    >>> str(error).split("; ")[0]
    'cannot write /etc/passwd/out: /etc/passwd is a file, not a folder'
    """
    target = Path(target)
    why = exc.strerror or str(exc)
    for path in (target, *target.parents):
        if path.exists():
            if not path.is_dir() and path != target:
                why = f"{path} is a file, not a folder"
            break
    message = f"cannot write {target}: {why}; choose a writable folder with --out"
    return OutputError(message)


@contextlib.contextmanager
def hold_interrupts() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) until the block has finished, then raise ``KeyboardInterrupt``.

    For short commits that must not stop half-way (renaming a set of finished files onto
    their final names). Outside the main thread, where Python cannot set signal handlers,
    the block runs unprotected.

    Examples
    --------
    >>> with hold_interrupts():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous is None:  # a handler installed outside Python: leave it alone
        yield
        return
    held: list[int] = []

    def note(signum: int, frame: object) -> None:
        held.append(signum)
        logger.warning("interrupt received: finishing the commit of the outputs first")

    signal.signal(signal.SIGINT, note)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if held:
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous == signal.SIG_DFL:
            raise KeyboardInterrupt


@contextlib.contextmanager
def atomic_path(target: Path | str) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success.

    On any exception (including ``KeyboardInterrupt``) the temporary file is removed and
    ``target`` is left as it was.

    Raises
    ------
    OutputError
        If the folder of ``target`` cannot be created or written.
    """
    target = Path(target)
    if target.is_dir():
        message = (f"cannot write {target}: it is a folder; give the path of a file inside it "
                   f"(e.g. {target / 'index.html'})")
        raise OutputError(message)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent
        )
    except OSError as exc:
        raise output_error(target, exc) from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        try:
            tmp.replace(target)
        except OSError as exc:
            raise output_error(target, exc) from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def atomic_write_bytes(target: Path | str, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: Path | str, text: str) -> None:
    """Write UTF-8 ``text`` to ``target`` atomically (``\\n`` line endings)."""
    atomic_write_bytes(target, text.encode("utf-8"))


@contextlib.contextmanager
def staging_dir(folder: Path | str, *, prefix: str) -> Iterator[Path]:
    """A hidden staging folder inside ``folder`` (created if needed), removed on exit.

    Write a set of outputs there, then move them in with :func:`commit_staged`; whatever
    fails before the commit leaves ``folder`` as it was.

    Raises
    ------
    OutputError
        If ``folder`` cannot be created or written.
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    except OSError as exc:
        raise output_error(folder, exc) from None
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def commit_staged(stage: Path, folder: Path, names: list[str], *,
                  stale: Iterable[str] = ()) -> dict[str, Path]:
    """Rename each complete file ``stage/name`` onto ``folder/name``, Ctrl-C held meanwhile.

    Sub-folders named in ``names`` (``charts/a.png``) are created first. Files of ``stale``
    that this commit does not replace (outputs of an earlier run that this one does not
    write) are removed under the same hold, so the folder never mixes two runs.

    Returns
    -------
    dict
        Name → final path of every file moved in.

    Raises
    ------
    OutputError
        If a sub-folder cannot be created.
    """
    written: dict[str, Path] = {}
    for parent in sorted({(folder / name).parent for name in names}):
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(parent, exc) from None
    with hold_interrupts():
        for name in names:
            (stage / name).replace(folder / name)
            written[name] = folder / name
        for name in stale:
            if name not in written and (folder / name).is_file():
                logger.info("removing stale %s from an earlier run", name)
                (folder / name).unlink()
    return written


_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def file_kind(path: Path | str) -> str | None:
    """What ``path`` is when it is not a regular file (``None`` for a regular file).

    The answer comes from ``stat`` alone: the path is never opened, so a FIFO (named pipe)
    or a device cannot block or be read here. Symbolic links are followed.

    Parameters
    ----------
    path
        Any path.

    Returns
    -------
    str or None
        ``"a FIFO (named pipe)"``, ``"a character device"``, ``"a block device"``,
        ``"a socket"``, ``"a folder"``, ``"missing"`` (nothing there, or a dangling link),
        or ``None`` for a regular file.

    Examples
    --------
    >>> file_kind("/dev/null"), file_kind("/no/such/file")
    ('a character device', 'missing')
    """
    try:
        mode = Path(path).stat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # nothing there (or a file as parent)
        return "missing"
    except OSError as exc:  # e.g. permission denied on a parent, a loop of links
        return f"unreadable ({exc.strerror or exc})"
    for test, name in _KINDS:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def regular_file_problem(path: Path | str, *, inside: Path | str | None = None,
                         companions: bool = False) -> str | None:
    """Why ``path`` cannot be read as a data file, or ``None`` when it can.

    The one guard before geoplan opens an input file (bundle data, manifest, raster, recipe,
    history): only regular files are opened. A FIFO, a device, a socket or a folder would
    block a reader forever or be read as garbage, so it is refused by what ``stat`` says,
    without opening it. With ``inside``, a path (or a symbolic link) that resolves outside
    that folder is refused too.

    Parameters
    ----------
    path
        The file to be opened.
    inside
        Folder the file must resolve into (a bundle folder), or ``None``.
    companions
        Check the files GDAL opens beside ``path`` as well (a shapefile's ``.dbf``/``.shx``,
        a GeoPackage's ``-wal``/``-shm``): the files named like ``path`` plus any suffix, or
        with its stem and another extension.

    Returns
    -------
    str or None
        A message starting with the path and saying what it is; the caller adds the fix.

    Examples
    --------
    >>> regular_file_problem("/dev/null")
    '/dev/null is a character device, not a regular file (geoplan does not open it)'
    """
    target = Path(path)
    if inside is not None:
        root = Path(inside).resolve()
        resolved = target.resolve()
        if not resolved.is_relative_to(root):
            link = " (through a symbolic link)" if target.is_symlink() else ""
            return (f"{target} resolves to {resolved}{link}, outside {root}; keep data files "
                    "inside the bundle folder (copy the file in instead of linking it)")
    kind = file_kind(target)
    if kind == "missing":
        return f"{target} does not exist"
    if kind is not None:
        return f"{target} is {kind}, not a regular file (geoplan does not open it)"
    if companions and target.parent.is_dir():
        for other in sorted(target.parent.iterdir()):
            if other.name == target.name or not (other.name.startswith(target.name)
                                                 or other.name.startswith(f"{target.stem}.")):
                continue
            found = file_kind(other)
            if found not in (None, "missing", "a folder"):
                return (f"{other} (read together with {target.name}) is {found}, not a "
                        "regular file (geoplan does not open it)")
    return None


def sha256_file(path: Path | str, *, chunk: int = 1 << 20) -> str:
    """Return the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _pinned_gdal_date(when: date) -> Iterator[None]:
    """Pin the timestamps GDAL writes into GeoPackages (``gpkg_contents.last_change``)."""
    import pyogrio

    key = "OGR_CURRENT_DATE"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: f"{when.isoformat()}T00:00:00.000Z"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: before})


def write_gpkg_layer(data: gpd.GeoDataFrame, path: Path | str, *, layer: str, when: date) -> None:
    """Write ``data`` as ``layer`` of the GeoPackage ``path`` with reproducible bytes.

    GDAL stamps every GeoPackage with the time of writing; here the stamp is ``when`` (a date
    that belongs to the data, such as the ``as_of`` date of a run), so writing the same data
    twice gives the same file. The caller handles atomicity (write into a temporary path).

    Parameters
    ----------
    data
        Layer to write.
    path
        GeoPackage to create or add the layer to.
    layer
        Layer name.
    when
        Date recorded as the layer's last change.
    """
    with _pinned_gdal_date(when):
        data.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
