"""A persisted cache of routing and geometry work, so a second process does not redo it.

What a process computes on the street network from a file (the routing graph, the snapping of
a set of points, the network's footprint, the dissolved bands of reached streets) and the pure
results built on them (per-unit population tables, straight-line disc unions, clipped
coverage extents, the maps' simplified display geometry, the monitor's chart images:
:func:`persisted`, :func:`persisted_geom`) are stored in a user cache folder so that the next
process reads them back instead of building them again.

* **Where.** ``$GEOPLAN_CACHE`` when set (a folder); ``GEOPLAN_CACHE=off`` (or ``0``,
  ``no``, ``false``, ``none``, empty) disables the cache. Otherwise the user cache folder:
  ``platformdirs.user_cache_dir("geoplan")`` when platformdirs is installed, else
  ``$XDG_CACHE_HOME/geoplan`` or ``~/.cache/geoplan``. Deleting the folder is always safe.
* **Keys.** A SHA-256 of everything the entry depends on: the input file's bytes
  (:func:`file_digest`), the parameters, the geoplan version, the GEOS version and the source
  code of the module that computes the entry, so a changed file, option or algorithm never
  reads an old entry (it simply misses).
* **Format.** One uncompressed ``.npz`` per entry, read with ``allow_pickle=False``
  (geometries as WKB, which round-trips coordinates exactly: a cached result is
  byte-identical to a computed one). Entries are written to a temporary file and renamed into
  place (atomic), so a crashed or concurrent writer never leaves a half file under a key.
* **Damage.** An entry that cannot be read (truncated, corrupt, missing arrays) is reported
  with a warning naming the file, deleted and rebuilt. A cache folder that cannot be written
  is reported once and the cache is skipped.

>>> key = entry_key("graph", "0123abcd", 250.0)                       # doctest: +SKIP
>>> load("graph", key) is None                                       # doctest: +SKIP
True
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ENV", "Memo", "cache_dir", "entry_key", "file_digest", "geoms_digest", "load",
           "pack_geoms", "store", "unpack_geoms"]

logger = logging.getLogger(__name__)

#: Environment variable naming the cache folder (``off`` disables the cache).
ENV = "GEOPLAN_CACHE"
_OFF = {"", "0", "off", "no", "false", "none"}
#: Bumped when the layout of an entry changes.
_FORMAT = 1

_DIGESTS: dict[tuple[str, int, int], str] = {}
_CODE: dict[str, str] = {}
_WARNED: set[str] = set()


def cache_dir() -> Path | None:
    """The cache folder, or ``None`` when the cache is disabled (see the module notes).

    Returns
    -------
    pathlib.Path or None

    Examples
    --------
    >>> cache_dir()                                                   # doctest: +SKIP
    PosixPath('/home/me/.cache/geoplan')
    """
    value = os.environ.get(ENV)
    if value is not None:
        return None if value.strip().lower() in _OFF else Path(value).expanduser()
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "geoplan"
    return Path(user_cache_dir("geoplan"))


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 (hex) of a file's bytes, computed once per file version in a process.

    Parameters
    ----------
    path
        The file.

    Returns
    -------
    str

    Raises
    ------
    OSError
        If the file cannot be read.

    Examples
    --------
    >>> file_digest("layers/hanoi/streets.parquet")[:8]               # doctest: +SKIP
    """
    p = Path(path)
    stat = p.stat()
    key = (str(p.resolve()), stat.st_mtime_ns, stat.st_size)
    digest = _DIGESTS.get(key)
    if digest is None:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        digest = _DIGESTS[key] = h.hexdigest()
    return digest


def _code_digest(module_file: str) -> str:
    digest = _CODE.get(module_file)
    if digest is None:
        digest = _CODE[module_file] = hashlib.sha256(Path(module_file).read_bytes()).hexdigest()
    return digest


def entry_key(kind: str, *parts: Any, code: str | None = None) -> str:
    """Key of a cache entry: SHA-256 of ``kind``, ``parts`` and the software versions.

    Parameters
    ----------
    kind
        Entry kind (``"graph"``, ``"snap"``, ``"footprint"``, ``"bands"``).
    *parts
        What the entry depends on: ``bytes``/``numpy`` arrays are hashed by content, anything
        else by ``repr``.
    code
        Path of the module computing the entry (pass ``__file__``): its source code is part
        of the key, so a changed algorithm never reads an old entry.

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> entry_key("bands", b"abc", 50.0) == entry_key("bands", b"abc", 50.0)
    True
    >>> entry_key("bands", b"abc", 50.0) == entry_key("bands", b"abd", 50.0)
    False
    """
    import shapely

    import geoplan

    h = hashlib.sha256()
    for part in (kind, _FORMAT, geoplan.__version__, shapely.geos_version_string,
                 _code_digest(code) if code else "", *parts):
        if isinstance(part, np.ndarray):
            h.update(repr((part.dtype.str, part.shape)).encode())
            h.update(np.ascontiguousarray(part).tobytes())
        elif isinstance(part, bytes | bytearray | memoryview):
            h.update(bytes(part))
        else:
            h.update(repr(part).encode())
        h.update(b"\x00")
    return h.hexdigest()


def _path(kind: str, key: str) -> Path | None:
    root = cache_dir()
    return None if root is None else root / kind / f"{key}.npz"


def load(kind: str, key: str, *, names: tuple[str, ...] = ()) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or ``None`` (no entry, cache off, damaged entry).

    A damaged entry (unreadable, or lacking one of ``names``) is reported with a warning
    naming the file, removed, and ``None`` returned so that the caller rebuilds it.

    Parameters
    ----------
    kind
        Entry kind (a subfolder of the cache).
    key
        From :func:`entry_key`.
    names
        Arrays the entry must hold.

    Returns
    -------
    dict of numpy.ndarray or None

    Examples
    --------
    >>> load("graph", "0" * 64) is None                               # doctest: +SKIP
    True
    """
    path = _path(kind, key)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            data = np.load(fh, allow_pickle=False)
            if not isinstance(data, np.lib.npyio.NpzFile):
                message = "not an .npz archive"
                raise ValueError(message)
            with data:
                arrays = {name: data[name] for name in data.files}
        lacking = [n for n in names if n not in arrays]
        if lacking:
            message = f"arrays {', '.join(lacking)} missing"
            raise ValueError(message)
    except Exception as exc:  # any damage means: rebuild
        logger.warning("geoplan cache entry %s is damaged (%s); it is rebuilt (set %s=off to "
                       "disable the cache)", path, exc, ENV)
        with contextlib.suppress(OSError):
            path.unlink()
        return None
    logger.debug("cache hit %s", path)
    return arrays


def store(kind: str, key: str, arrays: Mapping[str, np.ndarray]) -> Path | None:
    """Write ``arrays`` under ``key`` atomically (temporary file, then rename).

    A folder that cannot be written is reported once (warning) and skipped: the cache is
    an optimisation, never a reason to fail.

    Parameters
    ----------
    kind
        Entry kind.
    key
        From :func:`entry_key`.
    arrays
        Named arrays (no object arrays: see :func:`pack_geoms` for geometries).

    Returns
    -------
    pathlib.Path or None
        The entry written, or ``None`` (cache off or not writable).

    Examples
    --------
    >>> store("bands", entry_key("bands", b"x"), {"a": np.arange(3)})  # doctest: +SKIP
    """
    path = _path(kind, key)
    if path is None:
        return None
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}-", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **dict(arrays))  # type: ignore[arg-type]
        Path(tmp).replace(path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        root = str(path.parents[1])
        if root not in _WARNED:
            _WARNED.add(root)
            logger.warning("geoplan cache folder %s cannot be written (%s); results are not "
                           "cached (set %s to another folder or to off)", root, exc, ENV)
        return None
    return path


def pack_geoms(geoms: np.ndarray) -> dict[str, np.ndarray]:
    """Geometries as two plain arrays (concatenated WKB bytes and offsets) for :func:`store`.

    Parameters
    ----------
    geoms
        Shapely geometries (``None`` allowed).

    Returns
    -------
    dict
        ``wkb`` (``uint8``) and ``offsets`` (``int64``, one more than geometries).

    Examples
    --------
    >>> import shapely
    >>> packed = pack_geoms(np.array([shapely.Point(1, 2)], dtype=object))
    >>> unpack_geoms(packed)[0].wkt
    'POINT (1 2)'
    """
    import shapely

    wkb = shapely.to_wkb(np.asarray(geoms, dtype=object))
    sizes = np.array([0 if w is None else len(w) for w in wkb], dtype=np.int64)
    joined = b"".join(w for w in wkb if w is not None)
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    return {"wkb": np.frombuffer(joined, dtype=np.uint8), "offsets": offsets}


def unpack_geoms(arrays: Mapping[str, np.ndarray], prefix: str = "") -> np.ndarray:
    """The geometries packed by :func:`pack_geoms` (keys ``prefix + "wkb"``/``"offsets"``).

    Parameters
    ----------
    arrays
        As loaded by :func:`load`.
    prefix
        Key prefix used when several geometry arrays share an entry.

    Returns
    -------
    numpy.ndarray
        Object array of shapely geometries.

    Examples
    --------
    >>> import shapely
    >>> unpack_geoms(pack_geoms(np.array([None], dtype=object)))[0] is None
    True
    """
    import shapely

    raw = arrays[prefix + "wkb"].tobytes()
    offsets = arrays[prefix + "offsets"]
    parts = np.array([raw[a:b] if b > a else None
                      for a, b in itertools.pairwise(offsets)], dtype=object)
    return shapely.from_wkb(parts)


def geoms_digest(*geoms: Any) -> bytes:
    """SHA-256 of geometries' WKB (shapely geometries or arrays of them), for memo keys.

    Parameters
    ----------
    *geoms
        Shapely geometries, ``None`` or arrays of them.

    Returns
    -------
    bytes
        32 bytes; equal for geometries with the same coordinates in the same order.

    Examples
    --------
    >>> import shapely
    >>> geoms_digest(shapely.Point(0, 0)) == geoms_digest(shapely.Point(0, 0))
    True
    """
    import shapely

    h = hashlib.sha256()
    for g in geoms:
        wkb = shapely.to_wkb(np.atleast_1d(np.asarray(g, dtype=object)))
        for w in wkb:
            h.update(b"\x00" if w is None else w)
            h.update(b"|")
        h.update(b"\x01")
    return h.digest()


class Memo:
    """A small in-process memo (least recently used entries dropped beyond ``size``).

    Parameters
    ----------
    size
        Entries kept.

    Examples
    --------
    >>> memo = Memo(2)
    >>> memo.get("a", lambda: 1), memo.get("a", lambda: 2)
    (1, 1)
    """

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._items: dict[Any, Any] = {}

    def get(self, key: Any, compute: Any) -> Any:
        """The value under ``key``, computed by ``compute()`` on a miss."""
        value = self._items.pop(key) if key in self._items else compute()
        self._items[key] = value
        while len(self._items) > self.size:
            self._items.pop(next(iter(self._items)))
        return value

    def clear(self) -> None:
        """Forget every entry."""
        self._items.clear()


def persisted(kind: str, parts: tuple[Any, ...], compute: Any, *, code: str, pack: Any,
              unpack: Any, names: tuple[str, ...]) -> Any:
    """``compute()``, read back from the cache when an earlier process stored it.

    Parameters
    ----------
    kind
        The entry's kind (its sub-folder), e.g. ``"population"``.
    parts
        Everything the value depends on, with ``code`` (the computing module's file, whose
        source joins the key): the key of :func:`entry_key`.
    compute
        Called without arguments on a miss (and always when the cache is off).
    pack, unpack
        Value → named arrays for :func:`store`, and back, exactly (a value read back is
        the value computed, byte for byte).
    names
        The arrays an entry must hold (a damaged entry is rebuilt).

    Returns
    -------
    Any
        The value.
    """
    if cache_dir() is None:  # cache off: no key to compute
        return compute()
    key = entry_key(kind, *parts, code=code)
    stored = load(kind, key, names=names)
    if stored is not None:
        return unpack(stored)
    value = compute()
    store(kind, key, pack(value))
    return value


def persisted_geom(kind: str, parts: tuple[Any, ...], compute: Any, *, code: str) -> Any:
    """:func:`persisted` for one shapely geometry (stored as WKB: byte-identical)."""
    return persisted(kind, parts, compute, code=code,
                     pack=lambda g: pack_geoms(np.array([g], dtype=object)),
                     unpack=lambda arrays: unpack_geoms(arrays)[0], names=("wkb", "offsets"))
