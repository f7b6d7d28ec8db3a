"""``geoplan scenarios RECIPE --plan PLAN``: which planned line first, on the recipe's bundle."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from geoplan._choices import FORMATS, LANGS, TILES
from geoplan.cli import app
from geoplan.cli._common import check_choice, console, err_console, escape

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
    population: Annotated[str, typer.Option(
        "--population", help="How people are placed in each ward: raster (census count spread "
                             "by WorldPop; uniform when the bundle has no raster) or "
                             "census_uniform.")] = "raster",
    out: Annotated[Path | None, typer.Option(
        "--out", help="Also write ranking.csv, ranking.png (chart), ranking.html (map) and "
                      "ranking.json into this folder.")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Chart and map labels: vi or en.")] = "vi",
    tiles: Annotated[str, typer.Option(
        "--tiles", help="Map basemap: none (offline), osm or carto (need the network).")] = "none",
    stations: Annotated[bool, typer.Option(
        "--stations", help="Rank the plan's planned stations instead, each added alone; "
                           "with --out also written as ranking-stations.csv beside the "
                           "lines' files.")] = False,
) -> None:
    """Rank a plan's planned lines by the people each would add within walking distance.

    Each line is added alone to the stations in service: the population newly within
    --distance metres walking of a station, in total and per km of line. Stations beyond
    the mapped streets are named and not measured; lines without a measured station are
    listed unranked. With --out, the ranking is also written as a CSV table, a bar chart
    and an HTML map of the plan's lines coloured by rank (a file there that geoplan did not
    write is never replaced; --out must not be the bundle's folder). With --stations, the
    plan's planned stations are ranked the same way, each added alone.
    """
    check_choice(fmt, FORMATS, option="--format")  # before geopandas is imported
    check_choice(lang, LANGS, option="--lang")
    check_choice(tiles, TILES, option="--tiles")
    check_choice(population, ("raster", "census_uniform"), option="--population")
    if not distance > 0:
        from geoplan.errors import RecipeError

        message = f"--distance must be a positive number of metres (got {distance:g})"
        raise RecipeError(message)
    from geoplan.analyses.ranking import rank_planned_lines, rank_planned_stations
    from geoplan.analyses.recipe import load_recipe
    from geoplan.analyses.wording import format_number
    from geoplan.layers import load_bundle
    from geoplan.workflows.ranking import check_ranking_folder, write_ranking

    parsed = load_recipe(recipe)
    the_bundle = load_bundle(bundle if bundle is not None else parsed.bundle)
    if out is not None:  # a folder that cannot take the outputs is refused before ranking
        check_ranking_folder(out, the_bundle, recipe=recipe)
    by_station = None
    if stations:
        by_station = rank_planned_stations(the_bundle, plan=plan, distance_m=distance,
                                           population=population)
    table = None
    if out is not None or by_station is None:
        table = rank_planned_lines(the_bundle, plan=plan, distance_m=distance,
                                   population=population)
    if out is not None and table is not None:
        written = write_ranking(table, the_bundle, out, lang=lang, tiles=tiles, recipe=recipe,
                                stations=by_station)
        err_console.print(escape("wrote " + ", ".join(str(p) for p in written.values())))
    if by_station is not None:
        _print_stations(by_station, fmt=fmt, distance=distance)
        return
    assert table is not None
    rows = _rows_or_printed(table, fmt=fmt, distance=distance, items="lines")
    if rows is None:
        return
    shown = Table("rank", "line", "km", "stations (measured)", "people added", "per km",
                "stations not measured",
                title=escape(f"{table.attrs['plan']} — {format_number(distance, 'en')} m "
                             "walking, marginal to the lines in service"))
    def num(v: Any) -> str:
        return "–" if v is None else format_number(float(v), "en", digits=0)

    for r in rows:
        shown.add_row("" if r["rank"] is None else str(r["rank"]), escape(r["line_id"]),
                    "–" if r["length_km"] is None else format_number(r["length_km"], "en"),
                    f"{r['stations']} ({r['stations_measured']})", num(r["added_population"]),
                    num(r["added_per_km"]),
                    str(r["stations"] - r["stations_measured"]))  # names: --format csv
    console.print(shown)
    console.print(escape(f"in service today: {num(table.attrs['covered_in_service'])} people "
                         f"within {format_number(distance, 'en')} m"))
    console.print(escape(f"method: {table.attrs['method']}"))


def _print_stations(table: Any, *, fmt: str, distance: float) -> None:
    """The station ranking as a table, CSV (as ranking-stations.csv) or JSON."""
    from geoplan.analyses.wording import format_number

    rows = _rows_or_printed(table, fmt=fmt, distance=distance, items="stations")
    if rows is None:
        return
    shown = Table("rank", "station", "name", "line", "people added",
                  title=escape(f"{table.attrs['plan']} — stations, {format_number(distance, 'en')}"
                               " m walking, each added alone to the stations in service"))
    for r in rows:
        added = ("not measured (beyond the mapped streets)" if not r["measured"]
                 else format_number(float(r["added_population"]), "en", digits=0))
        shown.add_row("" if r["rank"] is None else str(r["rank"]), escape(r["station_id"]),
                      escape(r["name"]), escape(r["line_id"]), added)
    console.print(shown)
    console.print(escape(f"method: {table.attrs['method']}"))


def _rows_or_printed(table: Any, *, fmt: str, distance: float,
                     items: str) -> list[dict[str, Any]] | None:
    """A ranking's rows (its index first, cells as JSON/CSV cells); ``None`` when ``fmt`` is
    ``json`` or ``csv`` and the ranking has been printed so (CSV as the file writes it,
    without its byte-order mark; JSON with the ranking's attributes, rows under ``items``)."""
    from geoplan.workflows.ranking import ranking_csv

    key = str(table.index.name)
    rows = [{key: str(ident), **{k: _cell(v) for k, v in row.items()}}
            for ident, row in table.iterrows()]
    if fmt == "json":
        typer.echo(json.dumps({"plan": table.attrs["plan"], "distance_m": distance,
                               "population_method": table.attrs["population_method"],
                               "method": table.attrs["method"],
                               "covered_in_service": table.attrs["covered_in_service"],
                               items: rows}, ensure_ascii=False, indent=2))
        return None
    if fmt == "csv":
        typer.echo(ranking_csv(table).removeprefix("\ufeff"), nl=False)
        return None
    return rows
