"""``geoplan import-osm FILE --city NAME``: OSM-derived layers of a bundle, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geoplan.cli import app
from geoplan.cli._common import console, escape
from geoplan.layers.osm import import_osm

__all__ = ["import_osm_command"]


@app.command("import-osm")
def import_osm_command(
    file: Annotated[Path, typer.Argument(help="OSM file: .osm, .osm.gz, .osm.bz2, .osm.pbf.")],
    city: Annotated[str, typer.Option("--city", help="Bundle name to build or refresh.")],
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers-dir", help="Folder holding bundles (default: the package's layers/).")] = None,
) -> None:
    """Build or refresh street_network, green_space and water of a bundle from an OSM file."""
    folder = import_osm(file, city=city, layers_dir=layers_dir)
    console.print(f"updated bundle {escape(str(folder))}")
