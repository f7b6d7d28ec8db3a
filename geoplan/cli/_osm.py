"""``geoplan import-osm FILE --city NAME`` (offline) and ``geoplan fetch PLACE --city NAME``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from geoplan.cli import app
from geoplan.cli._common import console, escape

__all__ = ["fetch_command", "import_osm_command"]

# geoplan.layers.osm.OSM_ROLES, not imported here: the CLI starts without geopandas
_ONLY_HELP = ("Comma-separated roles to fill (default street_network, green_space, "
              "water, land_use, bus_stops; admin_units when asked, with census population).")
_REPLACE_HELP = ("Comma-separated roles that already hold data and may be replaced (default "
                 "none: a role with data stops the import, nothing written). The replaced "
                 "layer stays recorded as 'previous': `geoplan layers restore` brings it back.")
_MERGE_HELP = ("Comma-separated roles that already hold data to add the new features to "
               "(by OSM id: stop_id, way id + node pair); held features are kept as they are.")
_BOUNDARY_HELP = ("Clip to this polygon file (GeoJSON, GeoPackage; with a CRS) instead of the "
                  "bundle's city_boundary.")


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
    merge: Annotated[str | None, typer.Option("--merge", help=_MERGE_HELP)] = None,
    boundary: Annotated[Path | None, typer.Option("--boundary", help=_BOUNDARY_HELP)] = None,
) -> None:
    """Fill street network, green space, water, land use and bus stops from an OSM file.

    The file (a city or a whole-country extract) is read once and clipped to the bundle's
    city_boundary (or --boundary). A role that already holds data is never replaced
    silently: without --replace ROLES or --merge ROLES the command stops, writes nothing
    and says what would be lost (use --only to leave such roles out, or a new --city).
    --city is a plain folder name inside the layers folder (no '/', '..' or absolute path).
    """
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from geoplan.layers.osm import import_osm

    chosen = _roles(only)
    population = _census_population() if chosen and "admin_units" in chosen else None
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task(f"reading {escape(str(file))}", total=None)

        def progress(objects: int) -> None:
            bar.update(task, description=f"reading {escape(str(file))}: {objects:,} OSM "
                                         "objects")

        folder = import_osm(file, city=city, layers_dir=layers_dir, roles=chosen,
                            replace=_roles(replace), merge=_roles(merge), boundary=boundary,
                            population=population, progress=progress)
    console.print(f"updated bundle {escape(str(folder))}")


def _census_population() -> Callable[[Any], Any]:
    """The census seam: :func:`geoplan.layers.census.units_population`."""
    from geoplan.layers.census import units_population

    return cast("Callable[[Any], Any]", units_population)


@app.command("fetch")
def fetch_command(
    place: Annotated[str, typer.Argument(help="Place name, e.g. 'Phường Hoàn Kiếm, Hà Nội'.")],
    city: Annotated[str, typer.Option("--city", help="Bundle name to build or refresh.")],
    only: Annotated[str | None, typer.Option("--only", help=_ONLY_HELP)] = None,
    layers_dir: Annotated[Path | None, typer.Option(
        "--layers-dir", help="Folder holding bundles (default: the package's layers/).")] = None,
    replace: Annotated[str | None, typer.Option("--replace", help=_REPLACE_HELP)] = None,
    merge: Annotated[str | None, typer.Option("--merge", help=_MERGE_HELP)] = None,
) -> None:
    """Download the same OSM layers as import-osm for a place (needs the network).

    As with import-osm, a role that already holds data is replaced only with --replace ROLES
    (or added to with --merge ROLES).
    """
    from geoplan.layers.osm import fetch_osm

    with console.status(f"downloading {escape(place)} from OpenStreetMap"):
        folder = fetch_osm(place, city=city, layers_dir=layers_dir, roles=_roles(only),
                           replace=_roles(replace), merge=_roles(merge))
    console.print(f"updated bundle {escape(str(folder))}")
