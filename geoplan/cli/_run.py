"""``geoplan run RECIPE``: compute a recipe's targets, print the scorecard, write the outputs."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from geoplan.layers._where import MANIFEST_NAME, bundle_location
from geoplan.provenance import OUTPUT_FILES, commit_outputs, input_paths

if TYPE_CHECKING:
    from geoplan.analyses.scorecard import RunResult

__all__ = ["run_command"]

def _report(result: RunResult) -> dict[str, Any]:
    """What ``geoplan run`` prints of ``result``, as data (a reused run prints it again)."""
    from geoplan.analyses.evaluate import STATUSES, status_label
    from geoplan.analyses.wording import format_number
    from geoplan.maps.i18n import OLD_DATA_MARK, PARTIAL_MARK

    lang = result.lang
    title = (f"{result.recipe.title.get(lang)} — {result.bundle.name}, "
             f"as of {result.as_of.isoformat()}")
    rows = []
    for ev, row in zip(result.evaluations, result.scorecard.to_dict("records"), strict=True):
        label = ev.label(lang)
        if ev.units_evaluated is not None:
            label += f" ({ev.units_met}/{ev.units_evaluated})"
        value = format_value(ev.value, str(row["unit"]), lang)
        if ev.is_partial and ev.value is not None:
            value += f" {PARTIAL_MARK} {format_number(100.0 * (ev.coverage or 0.0), lang)} %"
        if ev.is_stale and ev.value is not None:
            value += f" {OLD_DATA_MARK} {ev.data_date}"
        rows.append({
            "target": f"{row['key']}\n{row['title']}", "value": value,
            "goal": str(row["target"]), "status": ev.status, "label": label,
            "gap": "–" if ev.gap is None else format_number(ev.gap, lang),
            "year": "" if str(row["year"]) == "<NA>" else str(row["year"]),
            "source": str(row["source"]),
        })
    counts = result.scorecard["status"].value_counts()
    summary = ", ".join(f"{counts[s]} {status_label(s, lang)}" for s in STATUSES if s in counts)
    return {"title": title, "rows": rows, "summary": summary,
            "as_of": result.as_of.isoformat()}


def _table(report: dict[str, Any]) -> tuple[Table, str]:
    """The scorecard table and summary line of a run's :func:`_report` (every data-derived
    text escaped); ``KeyError``/``TypeError`` for a report that is not one."""
    table = Table("target", "value", "target value", "status", "gap", "year", "source",
                  show_lines=True, title=escape(str(report["title"])))
    for row in report["rows"]:
        style = STATUS_STYLES.get(str(row["status"]), "white")
        table.add_row(escape(str(row["target"])), escape(str(row["value"])),
                      escape(str(row["goal"])), f"[{style}]{escape(str(row['label']))}[/]",
                      escape(str(row["gap"])), escape(str(row["year"])),
                      escape(str(row["source"])))
    return table, escape(str(report["summary"]))


def _show(report: dict[str, Any], *, out: Path | None, outputs: Iterable[str]) -> None:
    """Print a run's :func:`_report` and what it wrote."""
    table, summary = _table(report)
    console.print(table)
    console.print(summary)
    if out is not None:
        console.print(f"wrote {escape(', '.join(sorted(outputs)))} to {escape(str(out))}")


def _shown(printed: dict[str, Any]) -> None:
    """Check that a reuse record's ``printed`` can be shown (before anything is written)."""
    _table(printed)
    str(printed["out"]), str(printed["history"])


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
    recompute: Annotated[bool, typer.Option(
        "--recompute", help="Compute even when an identical earlier run (same inputs by "
                            "SHA-256, options and geoplan) can be reused.")] = False,
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

    A run identical to an earlier one (every input file with the same SHA-256, the same
    options, date and geoplan code) writes that run's outputs again without computing them
    (provenance.json says so under "reused"); --recompute computes, GEOPLAN_CACHE=off
    disables reuse.
    """
    when = parse_date(as_of, option="--as-of")  # options first: no geopandas for a typo
    check_choice(lang, LANGS, option="--lang")
    check_choice(tiles, TILES, option="--tiles")
    check_choice(classes, CLASSES, option="--classes")
    clock = time.perf_counter()
    from geoplan import _replay  # (numpy: never for --help)

    when = when if when is not None else date.today()  # one date for the key and the run
    key = _replay.run_key("run", {
        "out": None if out is None else str(out.absolute()), "as_of": when.isoformat(),
        "lang": lang, "tiles": tiles, "classes": classes, "bundle": bundle,
        "snapshot": snapshot,
        "statistics": None if statistics is None else str(statistics.absolute()),
    }, recipe=recipe)
    replay = None if recompute else _replay.find("run", key, shows=_shown,
                                                 allowed=OUTPUT_FILES.__contains__)
    if replay is not None:
        started = datetime.now(UTC)

        def commit(stage: Path, produced: list[str]) -> dict[str, Path]:
            assert replay is not None
            record = _replay.fresh_record(replay, started=started, clock=clock)
            text = json.dumps(record, indent=2, ensure_ascii=False) + "\n"
            (stage / "provenance.json").write_text(text, encoding="utf-8")
            return commit_outputs(stage, replay.folder, [*produced, "provenance.json"],
                                  names=OUTPUT_FILES)

        written = _replay.restore(replay, prefix=".geoplan-run-", commit=commit)
        if written is not None:
            _replay.warn_again(replay.printed.get("said", []))
            _show(replay.printed, out=Path(replay.printed["out"]), outputs=written)
            console.print("reused the outputs of an identical earlier run (same inputs, "
                          "options and geoplan; --recompute computes them again)")
            if snapshot:
                console.print(f"snapshot of {when.isoformat()} already in "
                              f"{escape(str(replay.printed['history']))}")
            return
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

    # the state of each input before it is read (a file edited meanwhile is never stored
    # with the outputs of its earlier bytes); the recipe's is in the key
    bundle_arg = bundle if bundle is not None else parsed.bundle
    where = bundle_location(bundle_arg)
    early = _replay.input_states(
        [*([statistics] if statistics is not None else []),
         *([where / MANIFEST_NAME] if where is not None else [])]) if key is not None else {}
    if statistics is not None:  # every row checked before anything is computed
        parsed = read_reported_statistics(statistics, parsed)
    the_bundle = load_bundle(bundle_arg)
    # another bundle's results (and history) never share the recipe's default folder
    default = parsed.id if bundle is None else f"{parsed.id}--{the_bundle.name}"
    folder = out if out is not None else Path("maps") / check_name(
        default, option=f"{parsed.path or 'recipe'}: key id", inside="maps/ (or pass --out)")
    history = folder / HISTORY_NAME
    if snapshot:  # a history or lock that may not be written (an input, even as a hard
        # link: compared with the inputs registered), or a broken history, stops the run
        # before any output is written
        with protected_inputs(parsed, the_bundle):
            check_output(folder, folder=True)
            for path in (history, lock_path(history)):
                check_output(path)
        if key is not None:
            early.update(_replay.input_states([history]))
        read_history(history, recipe_id=parsed.id, units=goal_units(parsed))
    checks = [(history, False), (lock_path(history), False)] if snapshot else []
    inputs = input_paths(parsed.path, the_bundle, statistics=parsed.statistics_files)
    before = {**_replay.input_states([*inputs, *([history] if snapshot else [])],
                                     folders=[the_bundle.path]), **early} \
        if key is not None else {}
    total = len(parsed.targets) + len(parsed.statistics)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=console.quiet) as bar, \
            _replay.recorded_warnings() as said:
        task = bar.add_task("targets", total=total)

        def step(target: str) -> None:
            bar.update(task, description=escape(target))
            bar.advance(task)

        result = run_recipe(parsed, as_of=when, out=folder, lang=lang, tiles=tiles,
                            progress=step, bundle=the_bundle, classes=classes)
    report = _report(result)
    _show(report, out=result.out, outputs=result.outputs)
    added = 0
    if snapshot:
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
    if key is not None and not added:  # a run that added a snapshot changed its history
        record = json.loads((folder / "provenance.json").read_text(encoding="utf-8"))
        _replay.remember(
            "run", key, folder=folder, before=before, protected=inputs,
            folders=[the_bundle.path],
            bundle=(bundle_arg, the_bundle.path),
            checks=checks, record=record,
            printed={**report, "out": str(folder), "history": str(history), "said": said},
            outputs={n: p for n, p in result.outputs.items() if n != "provenance.json"})
