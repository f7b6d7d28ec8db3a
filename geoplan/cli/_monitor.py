"""``geoplan monitor RECIPE``: trajectories against the target path, reports, progress map."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from geoplan._choices import LANGS, PERIODS, TILES
from geoplan.cli import app
from geoplan.cli._common import (
    STATUS_STYLES,
    check_choice,
    console,
    escape,
    format_value,
    parse_date,
)

if TYPE_CHECKING:
    from geoplan.monitor import MonitorResult

__all__ = ["monitor_command"]

def _print(result: MonitorResult) -> None:
    from geoplan.analyses.evaluate import status_label
    from geoplan.analyses.wording import describe_goal

    lang = result.lang
    title = (f"{result.recipe.title.get(lang)} — {result.bundle.name}: "
             f"{result.start.isoformat()} → {result.end.isoformat()} ({result.period}), "
             f"baseline {result.baseline.isoformat() if result.baseline else '–'}")
    table = Table("target", "baseline", "latest", "on the path", "target value", "progress",
                  title=escape(title), show_lines=False)
    for t in result.trajectories:
        p = t.progress
        unit = t.goal.unit
        latest = format_value(p.value, unit, lang)
        if p.value_date is not None:
            latest += f" ({p.value_date.isoformat()})"
        status = status_label(p.status, lang, data_date=t.data_date)
        counts = t.units_count()
        if counts:
            status += " (" + ", ".join(f"{status_label(k, lang)} {v}"
                                       for k, v in counts.items()) + ")"
        year = f" ({t.goal.year})" if t.goal.year is not None else ""
        table.add_row(escape(t.key), escape(format_value(p.baseline_value, unit, lang)),
                      escape(latest), escape(format_value(p.path_value, unit, lang)),
                      escape(describe_goal(t.goal, lang) + year),
                      f"[{STATUS_STYLES.get(p.status, 'white')}]{escape(status)}[/]")
    console.print(table)
    seconds = result.seconds.get("evaluate", 0.0)
    console.print(f"evaluated {len(result.dates)} date(s) in {seconds:.1f} s; "
                  f"{result.appended} row(s) recorded in {escape(str(result.history_path))}")
    if result.outputs:
        folder = next(iter(result.outputs.values())).parent
        if folder.name == "charts":
            folder = folder.parent
        names = sorted(n for n in result.outputs if not n.startswith("charts/"))
        charts = sum(n.startswith("charts/") for n in result.outputs)
        console.print(f"wrote {escape(', '.join(names))} and {charts} chart(s) to "
                      f"{escape(str(folder))}")


@app.command("monitor")
def monitor_command(
    recipe: Annotated[Path, typer.Argument(help="Recipe file, e.g. analyses/hanoi-02-nq-tw.yaml.")],
    period: Annotated[str, typer.Option(
        "--period", help="Evaluate at the end of every month, quarter or year.")] = "year",
    start: Annotated[str | None, typer.Option(
        "--from", help="First day, YYYY-MM-DD (default: the baseline).")] = None,
    end: Annotated[str | None, typer.Option(
        "--to", help="Monitoring date, YYYY-MM-DD (default and latest: today).")] = None,
    review: Annotated[int | None, typer.Option(
        "--review", help="Review year (e.g. 2028): change since the baseline for every "
                         "target, written to review-<year>.md/.html.")] = None,
    baseline: Annotated[str | None, typer.Option(
        "--baseline", help="Start of the target paths, YYYY-MM-DD (default: the recipe's "
                           "baseline, else its document's date).")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Folder of the history and of monitor/ (default maps/<recipe id>/).")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="Report language: vi or en.")] = "vi",
    tiles: Annotated[str, typer.Option(
        "--tiles", help="Progress map tiles: none, osm or carto.")] = "none",
    statistics: Annotated[Path | None, typer.Option(
        "--statistics", help="CSV file of reported statistics (id,value,date,source,note) "
                             "read beside the recipe's own reported values.")] = None,
) -> None:
    """Evaluate a recipe at each period end, store the snapshots, report progress.

    For every target: its values over time, the straight path from the baseline to the
    target value at the end of the target year, and a status (met, on track, behind, not met,
    data older than target, monitoring, no data: the words of geoplan run). Writes
    <out>/monitor/report.md and report.html (one chart per target) and progress.html (the
    map with a progress layer); the snapshots go to <out>/history.parquet.
    """
    check_choice(period, PERIODS, option="--period")  # options first: no geopandas for a typo
    check_choice(lang, LANGS, option="--lang")
    check_choice(tiles, TILES, option="--tiles")
    first = parse_date(start, option="--from")
    last = parse_date(end, option="--to")
    base = parse_date(baseline, option="--baseline")
    from geoplan.analyses.recipe import load_recipe

    parsed = load_recipe(recipe)  # a missing recipe is refused before geopandas is imported
    from geoplan.workflows.monitor import monitor_recipe

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=console.quiet) as bar:
        task = bar.add_task("dates", total=None)

        def step(when: date, total: int) -> None:
            bar.update(task, total=total, description=f"as of {when.isoformat()}")
            bar.advance(task)

        result = monitor_recipe(parsed, out=out, period=period, start=first, end=last,
                                baseline=base, review=review, lang=lang, tiles=tiles,
                                progress=step, statistics=statistics)
    _print(result)

