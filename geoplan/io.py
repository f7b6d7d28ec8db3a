"""Atomic output: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and an interrupted run leaves the previous output in
place. A set of files is committed by renames inside :func:`hold_interrupts`, so that Ctrl-C
cannot leave half of an old set and half of a new one.

Trusted targets
---------------
Every writer of geoplan goes through :func:`check_output` (called by :func:`atomic_path`,
:func:`staging_dir`, :func:`commit_staged` and :func:`exclusive_lock`), which enforces one
rule: an output never replaces an input of the same command (the files registered with
:func:`protect_inputs`, compared by resolved path and by device and inode, so hard links
count), never goes into an input folder (a bundle folder of a run or a map), never lands on
something that is not a regular file (character or block device, FIFO, socket, folder) and
never follows or replaces a symbolic link it did not create. Names that become folders
(``--city``) pass :func:`check_name`: no separator, ``..``, NUL or reserved name.
"""

from __future__ import annotations

import contextlib
import contextvars
import errno
import hashlib
import logging
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from geoplan._safetext import undecodable_text
from geoplan.errors import OutputError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "DISK_ERRNOS",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_name",
    "check_ours",
    "check_output",
    "commit_staged",
    "exclusive_lock",
    "file_kind",
    "hold_interrupts",
    "output_error",
    "protect_inputs",
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
    if exc.errno in DISK_ERRNOS:
        message = (f"cannot write {target}: {why}; free some space on that disk (or choose "
                   "another folder with --out) and run again: nothing was written, earlier "
                   "outputs are left as they were")
        return OutputError(message)
    for path in (target, *target.parents):
        if path.exists():
            if not path.is_dir() and path != target:
                kind = "a file" if path.is_file() else _kind(path.stat().st_mode)
                why = f"{path} is {kind}, not a folder"
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
        shown = undecodable_text(str(target))
        message = (f"cannot write {shown}: the path is not UTF-8 text; choose an output "
                   "path whose folder and file names are UTF-8 (or rename the folder)")
        raise OutputError(message) from None


_HINT = "choose another path with --out"


@dataclass(frozen=True)
class _Input:
    """One protected input: its resolved path, its (device, inode) and whether it is a folder."""

    path: Path
    ident: tuple[int, int] | None
    folder: bool


_PROTECTED: contextvars.ContextVar[tuple[_Input, ...]] = contextvars.ContextVar(
    "geoplan_protected_inputs", default=())


def _resolved(path: Path) -> Path:
    try:
        return Path(os.path.realpath(path))
    except (OSError, RuntimeError, ValueError):  # a NUL: no file of that name can exist
        return path if path.is_absolute() else Path.cwd() / path


@contextlib.contextmanager
def protect_inputs(files: Iterable[str | os.PathLike[str]] = (), *,
                   folders: Iterable[str | os.PathLike[str]] = ()) -> Iterator[None]:
    """Within the block, no output may replace ``files`` or go into ``folders``.

    Every writer of this module checks its target with :func:`check_output`, which refuses
    those paths. Files are compared by resolved path and by device and inode (a hard link or
    a symbolic link to an input is the input); folders (a bundle folder) may neither receive
    an output nor be inside an output folder. Blocks nest: the inputs add up.

    Parameters
    ----------
    files
        Input files of the command (recipe, manifest, data files, source files).
    folders
        Input folders: nothing is written inside them.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     recipe = Path(tmp, "plan.yaml")
    ...     _ = recipe.write_text("id: x")
    ...     with protect_inputs([recipe]):
    ...         try:
    ...             atomic_write_text(recipe, "replaced")
    ...         except OutputError as exc:
    ...             print("refused:", "reads it as an input" in str(exc))
    ...     recipe.read_text()
    refused: True
    'id: x'
    """
    added: list[_Input] = []
    for many, is_folder in ((folders, True), (files, False)):  # folders first: clearer
        for item in many:
            path = Path(item)
            try:
                info = path.stat()
            except (OSError, ValueError):
                ident = None
            else:
                ident = (info.st_dev, info.st_ino)
            added.append(_Input(_resolved(path), ident, is_folder))
    token = _PROTECTED.set((*_PROTECTED.get(), *added))
    try:
        yield
    finally:
        _PROTECTED.reset(token)


#: What a path is, by its stat mode alone (never opened: a FIFO or device cannot block).
_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
    (stat.S_ISREG, "a regular file"))


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output(target: str | os.PathLike[str], *, folder: bool = False,
                 hint: str = _HINT) -> Path:
    """Check that ``target`` may be written (see the module notes); return it as a ``Path``.

    Refused: a target holding NUL; an existing symbolic link (geoplan follows or replaces
    no link it did not create); an existing target that is not a regular file (for a folder
    target: not a folder), such as a device, FIFO or socket; a target that is an input of
    the command (:func:`protect_inputs`, also through a hard or symbolic link) or lies in an
    input folder; for a folder target, one that is, or contains, the folder of an input.

    Parameters
    ----------
    target
        The file (or, with ``folder``, the folder) about to be written.
    folder
        ``target`` is an output folder rather than a file.
    hint
        The fix to suggest (which option to change).

    Returns
    -------
    pathlib.Path

    Raises
    ------
    OutputError
        Naming the target, what stands there (or which input it is) and the fix.

    Examples
    --------
    >>> try:
    ...     check_output("/dev/null")
    ... except OutputError as exc:
    ...     print(str(exc).split(";")[0])
    cannot write /dev/null: it is a character device, not a regular file
    >>> check_output("/tmp/geoplan-example/scorecard.csv")
    PosixPath('/tmp/geoplan-example/scorecard.csv')
    """
    target = Path(target)
    _require_utf8(target)
    if "\0" in os.fspath(target):
        message = f"cannot write {os.fspath(target)!r}: the path holds a NUL character; {hint}"
        raise OutputError(message)
    try:
        info: os.stat_result | None = os.lstat(target)
    except (OSError, ValueError):
        info = None
    if info is not None:
        mode = info.st_mode
        if stat.S_ISLNK(mode):
            try:
                to = f" to {target.readlink()}"
            except OSError:
                to = ""
            message = (f"cannot write {target}: it is a symbolic link{to}; geoplan does not "
                       f"write through or replace a link it did not create: remove the link "
                       f"or {hint}")
            raise OutputError(message)
        if folder and not stat.S_ISDIR(mode):
            message = (f"cannot write into {target}: it is {_kind(mode)}, not a folder; "
                       f"{hint}")
            raise OutputError(message)
        if not folder and stat.S_ISDIR(mode):
            message = (f"cannot write {target}: it is a folder; give the path of a file inside "
                       f"it (e.g. {target / 'index.html'})")
            raise OutputError(message)
        if not folder and not stat.S_ISREG(mode):
            message = (f"cannot write {target}: it is {_kind(mode)}, not a regular file; "
                       f"geoplan writes only regular files and never replaces a device, FIFO "
                       f"or socket: {hint}")
            raise OutputError(message)
    where = _resolved(target)
    ident = None if info is None else (info.st_dev, info.st_ino)
    for item in _PROTECTED.get():
        if item.folder:
            if _within(where, item.path) or (folder and _within(item.path, where)):
                relation = ("is" if where == item.path else
                            "is inside" if _within(where, item.path) else "contains")
                message = (f"cannot write {target}: it {relation} the input folder "
                           f"{item.path} of this command; geoplan never writes into its "
                           f"inputs: {hint} outside it")
                raise OutputError(message)
        elif where == item.path or (ident is not None and ident == item.ident):
            link = "" if where == item.path else f" (a link to {item.path})"
            message = (f"cannot write {target}{link}: the command reads it as an input; "
                       f"geoplan never replaces its inputs: {hint}")
            raise OutputError(message)
        elif folder and _within(item.path.parent, where):
            message = (f"cannot write into {target}: it holds {item.path}, an input of this "
                       f"command; give the outputs a folder of their own: {hint}")
            raise OutputError(message)
    return target


_NAME = re.compile(r"[^\W_][\w.-]*")
_RESERVED = re.compile(r"(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?", re.IGNORECASE)


def check_name(name: str, *, option: str = "--city",
               inside: str = "the layers folder") -> str:
    """Check that ``name`` can become one folder inside its parent; return it.

    A name starts with a letter or digit and holds only letters, digits, ``_``, ``-`` and
    ``.`` (no separator, no ``..``, no NUL or control character, at most 100 characters)
    and is not a name Windows reserves (``CON``, ``NUL``, ``COM1``...).

    Parameters
    ----------
    name
        The name.
    option
        Where the name comes from, for the message (``--city``, ``recipe.yaml: key id``).
    inside
        The folder the name becomes a folder of, for the message.

    Raises
    ------
    OutputError
        Naming the option, the name and the fix.

    Examples
    --------
    >>> check_name("hanoi")
    'hanoi'
    """
    problem = ""
    if not isinstance(name, str) or not name:
        problem = "is empty"
    elif len(name) > 100:
        problem = "is longer than 100 characters"
    elif "/" in name or "\\" in name or os.sep in name or (os.altsep or "/") in name:
        problem = "holds a path separator (it would write outside the folder it names)"
    elif ".." in name:
        problem = "holds '..' (it would write outside the folder it names)"
    elif _RESERVED.fullmatch(name):
        problem = "is a name Windows reserves for devices"
    elif not _NAME.fullmatch(name) or name.endswith("."):
        problem = ("is not a plain name (it must start with a letter or digit and hold only "
                   "letters, digits, '_', '-' and '.')")
    if problem:
        message = (f"{option} {name!r} {problem}; give a plain folder name such as 'hanoi' "
                   f"(the folder is created inside {inside})")
        raise OutputError(message)
    return name


@contextlib.contextmanager
def exclusive_lock(path: Path | str, *, hint: str = _HINT) -> Iterator[None]:
    """Hold an exclusive lock on the lock file ``path`` (POSIX ``flock``) during the block.

    The lock file is opened without following a symbolic link (``O_NOFOLLOW``) and must be
    a regular file (:func:`check_output`), so a planted link or FIFO is refused, not
    followed. Where ``fcntl`` is unavailable (Windows) the block runs unlocked.

    Raises
    ------
    OutputError
        If the lock file cannot be created or is not a regular file of its own.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: single-writer use is assumed
        yield
        return
    lock = check_output(path, hint=hint)
    flags = (os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock, flags, 0o644)
    except OSError as exc:
        check_output(lock, hint=hint)  # a link or FIFO planted meanwhile: say so
        raise output_error(lock, exc) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            message = (f"cannot lock {lock}: it is {_kind(os.fstat(fd).st_mode)}, not a "
                       f"regular file; remove it")
            raise OutputError(message)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


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
    ``target`` is left as it was. ``target`` passes :func:`check_output` first (and again
    just before the rename).

    Raises
    ------
    OutputError
        If the folder of ``target`` cannot be created or written, ``target`` may not be
        written (an input, a device, FIFO, socket, folder or symbolic link, a path that is
        not UTF-8), or the disk fills up while the block writes (whatever the writer raised).
    """
    target = check_output(target)
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
        check_output(target)  # nothing planted at the target meanwhile
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

    ``folder`` passes :func:`check_output` (as a folder) first; the staging folder gets a
    fresh random name (``mkdtemp``, created exclusively), so nothing planted is reused.

    Raises
    ------
    OutputError
        If ``folder`` cannot be created or written, or may not be written into, or the disk
        fills up while the block writes (whatever the writer raised).
    """
    folder = check_output(folder, folder=True)
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


def check_ours(folder: Path, names: Iterable[str], *, ours: Iterable[str] | None,
               record: str = "provenance.json",
               hint: str = "choose another folder with --out") -> None:
    """Refuse to replace a file in ``folder`` that geoplan did not record writing.

    The rule of :func:`commit_staged`, also callable before computing (so nothing is
    written at all): a regular file already at ``folder/name`` for a name in ``names`` must
    be listed in ``ours``, the names the record of the earlier commit (``record``) lists;
    ``ours=None`` means there is no such record, so no existing file may be replaced.

    Raises
    ------
    OutputError
        Naming the first such file (and the others), the record and the fix (``hint``).

    Examples
    --------
    >>> check_ours(Path("/no/such/folder"), ["report.md"], ours=None)
    """
    known = set(ours) if ours is not None else set()
    foreign = [name for name in names
               if (folder / name).is_file() and not (folder / name).is_symlink()
               and name not in known]
    if foreign:
        why = (f"no earlier geoplan run recorded writing it in {record}" if ours is not None
               else f"the folder holds no {record} of an earlier geoplan run")
        also = f" (also {', '.join(foreign[1:])})" if len(foreign) > 1 else ""
        message = (f"cannot write {folder / foreign[0]}{also}: a file of that name is already "
                   f"there and {why}; geoplan never replaces files it did not write: move "
                   f"it or {hint}")
        raise OutputError(message)


def commit_staged(stage: Path, folder: Path, names: list[str], *,
                  ours: Iterable[str] | None = None, record: str = "provenance.json",
                  hint: str = "choose another folder with --out",
                  stale: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Rename each complete file ``stage/name`` onto ``folder/name``, Ctrl-C held meanwhile.

    Sub-folders named in ``names`` (``charts/a.png``) are created first; every final path
    passes :func:`check_output` before the first rename. An output never replaces a file
    geoplan did not write: ``ours`` is what the record of the earlier commit into
    ``folder`` (``record``, e.g. its ``provenance.json`` or ``bundle.yaml``) says geoplan
    wrote there, ``None`` when there is no such record; a regular file already at a final
    path whose name is not in ``ours`` is refused before the first rename, naming the file,
    the record and the fix (``hint``). ``stale`` maps the outputs an earlier run recorded
    writing to their SHA-256: those this commit does not replace are removed under the same
    hold, so the folder never mixes two runs, but only while they still hold the recorded
    bytes. A file geoplan did not write is never removed.

    Returns
    -------
    dict
        Name → final path of every file moved in.

    Raises
    ------
    OutputError
        If a sub-folder cannot be created, a final path may not be written, or a file there
        is not one geoplan recorded writing.
    """
    written: dict[str, Path] = {}
    for parent in sorted({(folder / name).parent for name in names}):
        check_output(parent, folder=True)
    for name in names:
        check_output(folder / name)
    check_ours(folder, names, ours=ours, record=record, hint=hint)
    for parent in sorted({(folder / name).parent for name in names}):
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise output_error(parent, exc) from None
    doomed = []
    for name, digest in (stale or {}).items():
        path = folder / name
        if name in names or not path.is_file() or path.is_symlink():
            continue
        if sha256_file(path) == digest:
            doomed.append(path)
        else:
            logger.info("keeping %s: it changed since geoplan wrote it", path)
    with hold_interrupts():
        for name in names:
            (stage / name).replace(folder / name)
            written[name] = folder / name
        for path in doomed:
            logger.info("removing stale %s from an earlier run", path.name)
            path.unlink()
    return written


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
    return None if stat.S_ISREG(mode) else _kind(mode)


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
        try:
            root, resolved = Path(inside).resolve(), target.resolve()
        except (OSError, RuntimeError, ValueError) as exc:  # a loop of links, a NUL
            return f"{target} cannot be resolved ({exc})"
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

    An index that repeats a column (``admin_units``' ``unit_id`` index beside its
    ``unit_id`` column) is not written a second time.
    """
    index = False if data.index.name is not None and data.index.name in data.columns else None
    with _pinned_gdal_date(when):
        data.to_file(path, layer=layer, driver="GPKG", engine="pyogrio", index=index)
