"""Atomic output: write to a temporary file beside the target, then rename.

A reader never sees a half-written file, and an interrupted run leaves the previous output in
place.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
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
    "sha256_file",
    "write_gpkg_layer",
]


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
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp" + target.suffix, dir=target.parent
        )
    except OSError as exc:
        message = (
            f"cannot write {target}: {exc.strerror or exc}; choose a writable folder with --out"
        )
        raise OutputError(message) from None
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL want to create the file themselves
    try:
        yield tmp
        tmp.replace(target)
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
