"""``geoplan indicators``: the indicators recipes can use (name, unit, layers, scopes)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any

import typer
from rich.table import Table

from geoplan._choices import FORMATS
from geoplan.cli import app
from geoplan.cli._common import check_choice, console, escape

__all__ = ["indicator_rows", "indicators_command"]


def indicator_rows() -> list[dict[str, Any]]:
    """One row per registered indicator: ``name``, ``unit``, ``roles``, ``scopes``,
    ``description`` (roles and scopes as lists), sorted by name.

    Examples
    --------
    >>> rows = indicator_rows()
    >>> next(r for r in rows if r["name"] == "rail_length")["roles"]
    ['metro_lines']
    """
    from geoplan.analyses.registry import list_indicators

    return [{"name": spec.name, "unit": spec.unit, "roles": list(spec.layers),
             "scopes": list(spec.scopes), "description": spec.description}
            for spec in list_indicators().values()]


@app.command("indicators")
def indicators_command(
    fmt: Annotated[str, typer.Option(
        "--format", help=f"Output: {', '.join(FORMATS)} (csv and json for scripts).")] = "table",
) -> None:
    """List the indicators a recipe can name: unit, the layers (roles) each needs, scopes.

    An indicator whose roles a bundle lacks gives "no data" there (``geoplan layers show``
    lists a bundle's roles); csv joins roles and scopes with ``;``.
    """
    check_choice(fmt, FORMATS, option="--format")  # before geopandas is imported
    rows = indicator_rows()
    if fmt == "json":
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["name", "unit", "roles", "scopes", "description"])
        for row in rows:
            writer.writerow([row["name"], row["unit"], ";".join(row["roles"]),
                             ";".join(row["scopes"]), row["description"]])
        typer.echo(buffer.getvalue(), nl=False)
        return
    table = Table()
    table.add_column("indicator", no_wrap=True)  # whole: it is copied into recipes
    table.add_column("unit", no_wrap=True)
    table.add_column("roles it needs", no_wrap=True)  # one a line, whole
    table.add_column("scopes", no_wrap=True)
    table.add_column("description")
    for row in rows:
        table.add_row(escape(row["name"]), escape(row["unit"]), escape("\n".join(row["roles"])),
                      escape("\n".join(row["scopes"])), escape(row["description"]))
    console.print(table)
