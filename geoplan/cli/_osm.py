"""``geoplan import-osm FILE --city NAME`` (offline) and ``geoplan fetch PLACE --city NAME``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from geoplan.cli import app
from geoplan.cli._common import console, escape

__all__ = ["fetch_command", "import_osm_command"]

# geoplan.layers.osm.OSM_ROLES, not imported here: the CLI starts without geopandas
_ONLY_HELP = ("Comma-separated roles to fill (default all: street_network, green_space, "
              "water, land_use, bus_stops).")
_REPLACE_HELP = ("Comma-separated roles that already hold data and may be replaced (default "
                 "none: a role with data stops the import, nothing written). A replaced "
                 "osm_<role>.parquet is kept as osm_<role>.replaced-<time>.parquet.")


def _roles(only: str | None) -> list[str] | None:
    return None if only is None else [r.strip() for r in only.split(",") if r.strip()]


@app.command("import-osm")
def import_osm_command(
    file: Annotated[Path, typer.Argument(help="OSM file: .osm, .osm.gz, .osm.bz2, .osm.pbf.")],
    city: Annotated[str, typer.Option("--city", help="Bundle name to build or refresh.")],
    only: Annotated[str | None, typer.Option("--only", help=_ONLY_HELP)] = None,
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers-dir", help="Folder holding bundles (default: the package's layers/).")] = None,
    replace: Annotated[str | None, typer.Option("--replace", help=_REPLACE_HELP)] = None,
) -> None:
    """Fill street network, green space, water, land use and bus stops from an OSM file.

    A role that already holds data is never replaced silently: without --replace ROLES the
    command stops and writes nothing (use --only to leave such roles out, or a new --city).
    --city is a plain folder name inside the layers folder (no '/', '..' or absolute path).
    """
    from geoplan.layers.osm import import_osm

    with console.status(f"reading {escape(str(file))}"):
        folder = import_osm(file, city=city, layers_dir=layers_dir, roles=_roles(only),
                            replace=_roles(replace))
    console.print(f"updated bundle {escape(str(folder))}")


@app.command("fetch")
def fetch_command(
    place: Annotated[str, typer.Argument(help="Place name, e.g. 'Phường Hoàn Kiếm, Hà Nội'.")],
    city: Annotated[str, typer.Option("--city", help="Bundle name to build or refresh.")],
    only: Annotated[str | None, typer.Option("--only", help=_ONLY_HELP)] = None,
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers-dir", help="Folder holding bundles (default: the package's layers/).")] = None,
    replace: Annotated[str | None, typer.Option("--replace", help=_REPLACE_HELP)] = None,
) -> None:
    """Download the same OSM layers as import-osm for a place (needs the network).

    As with import-osm, a role that already holds data is replaced only with --replace ROLES.
    """
    from geoplan.layers.osm import fetch_osm

    with console.status(f"downloading {escape(place)} from OpenStreetMap"):
        folder = fetch_osm(place, city=city, layers_dir=layers_dir, roles=_roles(only),
                           replace=_roles(replace))
    console.print(f"updated bundle {escape(str(folder))}")
