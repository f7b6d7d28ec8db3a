"""``geoplan run RECIPE``: compute a recipe's targets, print the scorecard, write the outputs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from geoplan._choices import CLASSES, LANGS, TILES
from geoplan.cli import app
from geoplan.cli._common import (
    STATUS_STYLES,
    check_choice,
    console,
    escape,
    format_value,
    parse_date,
)
from geoplan.errors import OutputError
from geoplan.io import check_name, check_output

if TYPE_CHECKING:
    from geoplan.analyses.scorecard import RunResult

__all__ = ["run_command"]

def _print(result: RunResult) -> None:
    from geoplan.analyses.evaluate import STATUSES, status_label
    from geoplan.analyses.wording import format_number
    from geoplan.maps.i18n import OLD_DATA_MARK, PARTIAL_MARK

    lang = result.lang
    title = (f"{result.recipe.title.get(lang)} — {result.bundle.name}, "
             f"as of {result.as_of.isoformat()}")
    table = Table("target", "value", "target value", "status", "gap", "year", "source",
                  show_lines=True, title=escape(title))
    for ev, row in zip(result.evaluations, result.scorecard.to_dict("records"), strict=True):
        status = ev.status
        label = ev.label(lang)
        if ev.units_evaluated is not None:
            label += f" ({ev.units_met}/{ev.units_evaluated})"
        value = format_value(ev.value, str(row["unit"]), lang)
        if ev.is_partial and ev.value is not None:
            value += f" {PARTIAL_MARK} {format_number(100.0 * (ev.coverage or 0.0), lang)} %"
        if ev.is_stale and ev.value is not None:
            value += f" {OLD_DATA_MARK} {ev.data_date}"
        table.add_row(
            escape(f"{row['key']}\n{row['title']}"),
            escape(value),
            escape(str(row["target"])),
            f"[{STATUS_STYLES.get(status, 'white')}]{escape(label)}[/]",
            "–" if ev.gap is None else escape(format_number(ev.gap, lang)),
            "" if str(row["year"]) == "<NA>" else str(row["year"]),
            escape(str(row["source"])),
        )
    console.print(table)
    counts = result.scorecard["status"].value_counts()
    summary = ", ".join(f"{counts[s]} {status_label(s, lang)}" for s in STATUSES if s in counts)
    console.print(escape(summary))
    if result.out is not None:
        files = ", ".join(sorted(result.outputs))
        console.print(f"wrote {escape(files)} to {escape(str(result.out))}")


def _snapshot_not_added(exc: OutputError, result: RunResult, history: Path) -> OutputError:
    """The history write failed after the outputs were committed: a message that is true.

    The outputs and the history are not one staged set (the history is shared by every run
    and monitor of the folder, under its own lock): the run's outputs stay written, and only
    the snapshot is missing; running again with the same ``--as-of`` adds it.
    """
    head = str(exc).split("; ", 1)[0]
    files = ", ".join(sorted(result.outputs)) or "none"
    message = (f"{head}; the run's outputs were written to {result.out} ({files}), only its "
               f"snapshot of {result.as_of.isoformat()} was not added to {history}: fix "
               "that (e.g. free some space on the disk) and run again with the same --as-of "
               "to add it (the outputs are rewritten the same)")
    return OutputError(message)


@app.command("run")
def run_command(
    recipe: Annotated[Path, typer.Argument(help="Recipe file, e.g. analyses/hanoi-02-nq-tw.yaml.")],
    out: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default maps/<recipe id>/).")] = None,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Evaluate as of this date, YYYY-MM-DD (default today).")] = None,
    lang: Annotated[str, typer.Option("--lang", help="Language of titles: vi or en.")] = "vi",
    tiles: Annotated[str, typer.Option("--tiles", help="Map tiles: none, osm or carto.")] = "none",
    classes: Annotated[str, typer.Option(
        "--classes", help="Map value classes: quantiles, natural_breaks (Fisher-Jenks) or "
                          "equal_interval.")] = "quantiles",
    bundle: Annotated[str | None, typer.Option(
        "--bundle", help="Run on this bundle (name or folder) instead of the recipe's, e.g. "
                         "one started with `geoplan layers new`.")] = None,
    snapshot: Annotated[bool, typer.Option(
        "--snapshot/--no-snapshot",
        help="Store the results as a dated snapshot in <out>/history.parquet "
             "(read by geoplan monitor).")] = True,
    statistics: Annotated[Path | None, typer.Option(
        "--statistics", help="CSV file of reported statistics (id,value,date,source,note) "
                             "read beside the recipe's own reported values.")] = None,
) -> None:
    """Compute a recipe's targets on its bundle; write scorecard, GeoPackage, map, provenance.

    --bundle runs the recipe on another bundle (default output maps/<recipe id>--<bundle>/).

    With --snapshot (the default) the results are also recorded, dated --as-of, in the
    monitoring history beside the outputs, replacing that date's earlier snapshot; the same
    run twice changes nothing. --out is a folder of its own: not the bundle folder or inside
    it, not a folder holding the recipe, the statistics file or the bundle; files there that
    no earlier run recorded are never replaced or removed. With --statistics, a file report
    of a statistic joins its series (it replaces the recipe's report of the same date); the
    scorecard cites the file's row.
    """
    when = parse_date(as_of, option="--as-of")  # options first: no geopandas for a typo
    check_choice(lang, LANGS, option="--lang")
    check_choice(tiles, TILES, option="--tiles")
    check_choice(classes, CLASSES, option="--classes")
    from geoplan.analyses.recipe import load_recipe

    parsed = load_recipe(recipe)  # a missing recipe is refused before geopandas is imported
    from geoplan.analyses.statistics_file import read_reported_statistics
    from geoplan.layers import load_bundle
    from geoplan.monitor.history import (
        HISTORY_NAME,
        goal_units,
        lock_path,
        read_history,
        record_snapshot,
    )
    from geoplan.workflows.run import protected_inputs, run_recipe

    if statistics is not None:  # every row checked before anything is computed
        parsed = read_reported_statistics(statistics, parsed)
    the_bundle = load_bundle(bundle if bundle is not None else parsed.bundle)
    # another bundle's results (and history) never share the recipe's default folder
    default = parsed.id if bundle is None else f"{parsed.id}--{the_bundle.name}"
    folder = out if out is not None else Path("maps") / check_name(
        default, option=f"{parsed.path or 'recipe'}: key id", inside="maps/ (or pass --out)")
    if snapshot:  # a history or lock that may not be written (an input, even as a hard
        # link: compared with the inputs registered), or a broken history, stops the run
        # before any output is written
        with protected_inputs(parsed, the_bundle):
            check_output(folder, folder=True)
            for path in (folder / HISTORY_NAME, lock_path(folder / HISTORY_NAME)):
                check_output(path)
        read_history(folder / HISTORY_NAME, recipe_id=parsed.id, units=goal_units(parsed))
    total = len(parsed.targets) + len(parsed.statistics)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=console.quiet) as bar:
        task = bar.add_task("targets", total=total)

        def step(key: str) -> None:
            bar.update(task, description=escape(key))
            bar.advance(task)

        result = run_recipe(parsed, as_of=when, out=folder, lang=lang, tiles=tiles,
                            progress=step, bundle=the_bundle, classes=classes)
    _print(result)
    if snapshot:
        history = folder / HISTORY_NAME
        try:
            added = record_snapshot(result, history)
        except OutputError as exc:  # the outputs are in: say so, and how to add the snapshot
            raise _snapshot_not_added(exc, result, history) from None
        if added:
            console.print(f"snapshot of {result.as_of.isoformat()}: {added} row(s) added to "
                          f"{escape(str(history))}")
        else:
            console.print(f"snapshot of {result.as_of.isoformat()} already in "
                          f"{escape(str(history))}")
