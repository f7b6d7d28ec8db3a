"""``geoplan scenarios RECIPE --plan PLAN``: which planned line first, on the recipe's bundle."""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from geoplan._choices import FORMATS
from geoplan.cli import app
from geoplan.cli._common import check_choice, console, escape

__all__ = ["scenarios_command"]


def _cell(value: Any) -> Any:
    """A JSON/CSV cell: missing numbers as ``None``/blank, numpy scalars as Python."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value.item() if hasattr(value, "item") else value


@app.command("scenarios")
def scenarios_command(
    recipe: Annotated[Path, typer.Argument(help="Recipe file, e.g. analyses/hanoi-02-nq-tw.yaml.")],
    plan: Annotated[str, typer.Option(
        "--plan", help="The plan whose lines are ranked (a part of its name only it holds, "
                       "e.g. 'QĐ 1668').")],
    distance: Annotated[float, typer.Option(
        "--distance", help="Walking distance from a station (m).")] = 800.0,
    bundle: Annotated[str | None, typer.Option(
        "--bundle", help="Rank on this bundle (name or folder) instead of the recipe's.")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help=f"Output: {', '.join(FORMATS)} (csv and json for scripts).")] = "table",
) -> None:
    """Rank a plan's planned lines by the people each would add within walking distance.

    Each line is added alone to the stations in service: the population newly within
    --distance metres walking of a station, in total and per km of line. Stations beyond
    the mapped streets are named and not measured; lines without a measured station are
    listed unranked. Prints only (no files are written).
    """
    check_choice(fmt, FORMATS, option="--format")  # before geopandas is imported
    if not distance > 0:
        from geoplan.errors import RecipeError

        message = f"--distance must be a positive number of metres (got {distance:g})"
        raise RecipeError(message)
    from geoplan.analyses.ranking import rank_planned_lines
    from geoplan.analyses.recipe import load_recipe
    from geoplan.analyses.wording import format_number
    from geoplan.layers import load_bundle

    parsed = load_recipe(recipe)
    table = rank_planned_lines(load_bundle(bundle if bundle is not None else parsed.bundle),
                               plan=plan, distance_m=distance)
    rows = [{"line_id": str(lid), **{k: _cell(v) for k, v in row.items()}}
            for lid, row in table.iterrows()]
    if fmt == "json":
        typer.echo(json.dumps({"plan": table.attrs["plan"], "distance_m": distance,
                               "covered_in_service": table.attrs["covered_in_service"],
                               "lines": rows}, ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["line_id"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
        typer.echo(buffer.getvalue(), nl=False)
        return
    out = Table("rank", "line", "km", "stations (measured)", "people added", "per km",
                "stations not measured",
                title=escape(f"{table.attrs['plan']} — {format_number(distance, 'en')} m "
                             "walking, marginal to the lines in service"))
    def num(v: Any) -> str:
        return "–" if v is None else format_number(float(v), "en", digits=0)

    for r in rows:
        out.add_row("" if r["rank"] is None else str(r["rank"]), escape(r["line_id"]),
                    "–" if r["length_km"] is None else format_number(r["length_km"], "en"),
                    f"{r['stations']} ({r['stations_measured']})", num(r["added_population"]),
                    num(r["added_per_km"]),
                    str(r["stations"] - r["stations_measured"]))  # names: --format csv
    console.print(out)
    console.print(escape(f"in service today: {num(table.attrs['covered_in_service'])} people "
                         f"within {format_number(distance, 'en')} m"))
