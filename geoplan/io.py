"""Atomic output: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and an interrupted run leaves the previous output in
place. A set of files is committed by renames inside :func:`hold_interrupts`, so that Ctrl-C
cannot leave half of an old set and half of a new one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from geoplan.errors import OutputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DISK_ERRNOS",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "commit_staged",
    "hold_interrupts",
    "output_error",
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
    if exc.errno in DISK_ERRNOS:
        message = (f"cannot write {target}: {why}; free some space on that disk (or choose "
                   "another folder with --out) and run again: nothing was written, earlier "
                   "outputs are left as they were")
        return OutputError(message)
    for path in (target, *target.parents):
        if path.exists():
            if not path.is_dir() and path != target:
                why = f"{path} is a file, not a folder"
            break
    message = f"cannot write {target}: {why}; choose a writable folder with --out"
    return OutputError(message)


#: errno values of a disk that cannot take more data (full, quota, read-only, failing).
DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG})
#: Below this many free bytes, a writer's failure is taken for a full disk.
_FULL_BELOW = 1 << 20


def _disk_error(target: Path, exc: BaseException) -> OutputError | None:
    """The :class:`OutputError` for a write into ``target`` that failed on a full disk.

    ``None`` when ``exc`` is not that (it is raised as it is). An ``OSError`` says so by its
    errno; GDAL and Arrow report a full disk in their own words ("no such table",
    "database or disk is full"), so their errors count as one when the disk has less than
    1 MiB free at the time of the failure.
    """
    if isinstance(exc, OutputError) or not isinstance(exc, Exception):
        return None
    if isinstance(exc, OSError) and exc.errno in DISK_ERRNOS:
        return output_error(target, exc)
    folder = next((p for p in (target, *target.parents) if p.is_dir()), None)
    if folder is None:
        return None
    try:
        info = os.statvfs(folder)
    except (OSError, AttributeError):  # pragma: no cover - no statvfs (Windows)
        return None
    free = info.f_bavail * info.f_frsize
    if free >= _FULL_BELOW:
        return None
    why = f"the disk is full ({free:,} bytes free; the writer said {type(exc).__name__}: {exc})"
    return output_error(target, OSError(errno.ENOSPC, why))


def _require_utf8(target: Path) -> None:
    """Refuse an output path that is not UTF-8 text (GDAL cannot even open it)."""
    try:
        str(target).encode("utf-8")
    except UnicodeEncodeError:  # a non-UTF-8 name decoded with surrogateescape
        shown = str(target).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        message = (f"cannot write {shown}: the path is not UTF-8 text; choose an output "
                   "path whose folder and file names are UTF-8 (or rename the folder)")
        raise OutputError(message) from None


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
        If ``target`` is not a UTF-8 path, its folder cannot be created or written, or the
        disk fills up while the block writes (whatever the writer raised).
    """
    target = Path(target)
    _require_utf8(target)
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
    except BaseException as exc:
        full = _disk_error(target, exc)  # before the partial file is removed
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        if full is not None:
            raise full from None
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
        If ``folder`` is not a UTF-8 path or cannot be created or written, or the disk
        fills up while the block writes (whatever the writer raised).
    """
    folder = Path(folder)
    _require_utf8(folder)
    created = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=prefix, dir=folder))
    except OSError as exc:
        raise output_error(folder, exc) from None
    try:
        yield stage
    except BaseException as exc:
        full = _disk_error(folder, exc)  # before the partial files are removed
        shutil.rmtree(stage, ignore_errors=True)
        if created:  # a folder made for outputs that never came: not left behind empty
            with contextlib.suppress(OSError):
                folder.rmdir()
        if full is not None:
            raise full from None
        raise
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
