"""``geoplan batch RECIPE...``: many recipes, bundles and dates as tasks on dask.distributed."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from geoplan._choices import LANGS, PERIODS
from geoplan.cli import app
from geoplan.cli._common import check_choice, console, escape, parse_date

if TYPE_CHECKING:
    from geoplan.workflows.batch import BatchResult

__all__ = ["batch_command"]


def _dates(as_of: list[str] | None, start: str | None, end: str | None,
           period: str) -> list[date] | None:
    days = [d for d in (parse_date(t, option="--as-of") for t in as_of or []) if d is not None]
    first = parse_date(start, option="--from")
    last = parse_date(end, option="--to")
    if first is None and last is None:
        return days or None
    check_choice(period, PERIODS, option="--period")
    last = last or date.today()
    first = first or last
    if first > last:
        raise typer.BadParameter(f"--from {first} is after --to {last}", param_hint="--from")
    from geoplan.workflows.monitor import monitor_dates

    return sorted({*days, *monitor_dates(start=first, end=last, period=period)})


def _province_bundles(national: str) -> list[str]:
    from geoplan.layers import list_bundles, load_bundle
    from geoplan.workflows.national import province_of

    return [name for name in list_bundles()
            if name != national and province_of(load_bundle(name)) is not None]


def _print(result: BatchResult) -> None:
    table = Table("recipe", "bundle", "as of", "met", "not met", "data older than target",
                  "no data", "s", "error",
                  title=f"batch: {len(result.outcomes)} task(s), "
                        f"{'serial' if result.workers == 0 else f'{result.workers} worker(s)'},"
                        f" {result.seconds:.1f} s")
    for row in result.summary().to_dict("records"):
        table.add_row(escape(row["recipe"]), escape(row["bundle"]), row["as_of"],
                      str(row.get("n_met", 0)), str(row.get("n_not met", 0)),
                      str(row.get("n_data older than target", 0)),
                      str(row.get("n_no data", 0)), f"{row['seconds']:.1f}",
                      escape(row["error"]))
    console.print(table)


@app.command("batch")
def batch_command(
    recipes: Annotated[list[Path], typer.Argument(
        help="Recipe files, e.g. analyses/vietnam-06-nq-tw.yaml.")],
    bundle: Annotated[list[str] | None, typer.Option(
        "--bundle", "-b", help="Run every recipe on this bundle (repeat for several; "
                               "default: each recipe on its own bundle).")] = None,
    provinces: Annotated[bool, typer.Option(
        "--provinces", help="Also run every recipe on every province bundle geoplan finds.")
    ] = False,
    as_of: Annotated[list[str] | None, typer.Option(
        "--as-of", help="Evaluation date YYYY-MM-DD (repeat for several; default today).")
    ] = None,
    start: Annotated[str | None, typer.Option(
        "--from", help="With --to/--period: every period end from this date.")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last date of --from.")] = None,
    period: Annotated[str, typer.Option("--period", help="month, quarter or year.")] = "year",
    workers: Annotated[int, typer.Option(
        "--workers", help="Local dask worker processes; 0 runs the tasks serially here.")] = 2,
    scheduler: Annotated[str | None, typer.Option(
        "--scheduler", help="Address of a running dask scheduler (tcp://host:8786) instead "
                            "of a local cluster; its workers must see the same files.")] = None,
    out: Annotated[Path, typer.Option(
        "--out", help="Output root: <out>/<recipe id>/<bundle>/<date>/.")] = Path("maps/batch"),
    lang: Annotated[str, typer.Option("--lang", help="vi or en.")] = "vi",
    national: Annotated[str, typer.Option(
        "--national", help="National bundle: the provinces of the national scorecard.")
    ] = "vietnam",
    statistics: Annotated[Path | None, typer.Option(
        "--statistics", help="CSV file of reported statistics (id,value,date,source,note) "
                             "read beside every recipe's own reported values.")] = None,
) -> None:
    """Run recipes over bundles and dates as tasks on dask.distributed; one national table.

    Each task (recipe, bundle, date) is read, computed and written by a worker; its outputs
    are staged and renamed in as one set, so a killed worker's task is simply run again and
    nothing is left half-written; its snapshot is added once to
    <out>/<recipe id>/<bundle>/history.parquet. A recipe run on two or more province bundles
    also gets <out>/<recipe id>/national/<date>/ (national.csv, .md, .gpkg, .html): one row
    and one map unit per province.
    """
    check_choice(lang, LANGS, option="--lang")  # options first: no geopandas for a typo
    days = _dates(as_of, start, end, period)
    from geoplan.workflows.batch import plan_batch, run_batch
    from geoplan.workflows.national import national_scorecard, write_national

    if not logging.getLogger("geoplan").isEnabledFor(logging.DEBUG):  # unless --verbose:
        import distributed  # noqa: F401  (its import sets levels on its own loggers)

        for name in ["distributed", *logging.root.manager.loggerDict]:
            if name.split(".")[0] == "distributed":  # no scheduler, nanny or worker chatter
                logging.getLogger(name).setLevel(logging.WARNING)
    bundles = list(bundle or [])
    if provinces:
        bundles += [b for b in _province_bundles(national) if b not in bundles]
    if workers < 0:  # before planning reads anything
        run_batch([], workers=workers)
    tasks = plan_batch([str(r) for r in recipes], out=out, bundles=bundles or None,
                       dates=days, lang=lang, statistics=statistics)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=console.quiet) as bar:
        job = bar.add_task("tasks", total=len(tasks))
        result = run_batch(
            tasks, workers=workers, scheduler=scheduler,
            progress=lambda o: bar.update(job, advance=1, description=escape(o.task.key)),
            on_dashboard=lambda link: console.print(f"dask dashboard: {escape(link)}"),
        )
    _print(result)
    groups: dict[tuple[str, date], list] = {}
    for o in result.outcomes:
        if o.error is None:
            groups.setdefault((o.recipe_id, o.task.as_of), []).append(o)
    for (recipe_id, day), done in sorted(groups.items()):
        if sum(o.bundle_name != national for o in done) < 2:
            continue
        card = national_scorecard(done, national=national, lang=lang)
        folder = out / recipe_id / "national" / day.isoformat()
        write_national(card, folder)
        console.print(f"national scorecard of {escape(recipe_id)} at {day}: "
                      f"{escape(str(folder))}")
    if result.failed:
        for o in result.failed:
            console.print(f"[red]{escape(o.task.key)}[/]: {escape(o.error)}")
        raise typer.Exit(2)
