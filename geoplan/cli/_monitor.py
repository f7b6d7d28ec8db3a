"""``geoplan monitor RECIPE``: trajectories against the target path, reports, progress map."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

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
from geoplan.io import check_name, commit_staged
from geoplan.layers._where import MANIFEST_NAME, bundle_location
from geoplan.provenance import input_paths, recorded_names, write_merged_record

if TYPE_CHECKING:
    from geoplan.monitor import MonitorResult

__all__ = ["monitor_command"]

#: The record of a report folder (``geoplan.workflows.monitor.REPORT_RECORD``).
_RECORD = "provenance.json"

def _report(result: MonitorResult) -> dict[str, Any]:
    """What ``geoplan monitor`` prints of ``result``, as data (a reused run prints it again)."""
    from geoplan.analyses.evaluate import status_label
    from geoplan.analyses.wording import describe_goal

    lang = result.lang
    title = (f"{result.recipe.title.get(lang)} — {result.bundle.name}: "
             f"{result.start.isoformat()} → {result.end.isoformat()} ({result.period}), "
             f"baseline {result.baseline.isoformat() if result.baseline else '–'}")
    rows = []
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
        rows.append([t.key, format_value(p.baseline_value, unit, lang), latest,
                     format_value(p.path_value, unit, lang), describe_goal(t.goal, lang) + year,
                     p.status, status])
    return {"title": title, "rows": rows, "dates": len(result.dates),
            "history": str(result.history_path)}


def _table(report: dict[str, Any]) -> Table:
    """The progress table of a monitor's :func:`_report` (data-derived text escaped);
    ``KeyError``/``TypeError``/``ValueError`` for a report that is not one."""
    table = Table("target", "baseline", "latest", "on the path", "target value", "progress",
                  title=escape(str(report["title"])), show_lines=False)
    for key, baseline, latest, path, goal, status, label in report["rows"]:
        table.add_row(escape(str(key)), escape(str(baseline)), escape(str(latest)),
                      escape(str(path)), escape(str(goal)),
                      f"[{STATUS_STYLES.get(str(status), 'white')}]{escape(str(label))}[/]")
    return table


def _shown(printed: dict[str, Any]) -> None:
    """Check that a reuse record's ``printed`` can be shown (before anything is written)."""
    _table(printed)
    int(printed["dates"]), str(printed["history"])


def _show(report: dict[str, Any], *, outputs: dict[str, Path], appended: int,
          seconds: float | None) -> None:
    """Print a monitor's :func:`_report` and what it wrote; ``seconds`` ``None``: the
    outputs of an identical earlier run were reused."""
    console.print(_table(report))
    done = (f"evaluated {report['dates']} date(s) in {seconds:.1f} s" if seconds is not None
            else "reused the outputs of an identical earlier run (same inputs, options and "
                 "geoplan; --recompute computes them again)")
    console.print(f"{done}; {appended} row(s) recorded in {escape(str(report['history']))}")
    if outputs:
        folder = next(iter(outputs.values())).parent
        if folder.name == "charts":
            folder = folder.parent
        names = sorted(n for n in outputs if not n.startswith("charts/"))
        charts = sum(n.startswith("charts/") for n in outputs)
        console.print(f"wrote {escape(', '.join(names))} and {charts} chart(s) to "
                      f"{escape(str(folder))}")


def _report_file(name: str) -> bool:
    """Whether ``name`` is a file a monitor report writes (``report.md``, ``charts/x.png``)."""
    return re.fullmatch(r"(charts/)?[^/\\\0.][^/\\\0]*", name) is not None and ".." not in name


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
    recompute: Annotated[bool, typer.Option(
        "--recompute", help="Compute even when an identical earlier monitor (same inputs "
                            "and history by SHA-256, options, day and geoplan) can be "
                            "reused.")] = False,
) -> None:
    """Evaluate a recipe at each period end, store the snapshots, report progress.

    For every target: its values over time, the straight path from the baseline to the
    target value at the end of the target year, and a status (met, on track, behind, not met,
    data older than target, monitoring, no data: the words of geoplan run). Writes
    <out>/monitor/report.md and report.html (one chart per target) and progress.html (the
    map with a progress layer); the snapshots go to <out>/history.parquet.

    A monitor identical to an earlier one (the same inputs and history by SHA-256, options,
    day and geoplan code) writes that monitor's report again without computing; --recompute
    computes, GEOPLAN_CACHE=off disables reuse.
    """
    check_choice(period, PERIODS, option="--period")  # options first: no geopandas for a typo
    check_choice(lang, LANGS, option="--lang")
    check_choice(tiles, TILES, option="--tiles")
    first = parse_date(start, option="--from")
    last = parse_date(end, option="--to")
    base = parse_date(baseline, option="--baseline")
    from geoplan import _replay  # (numpy: never for --help)

    key = _replay.run_key("monitor", {
        "period": period, "from": start, "to": end, "review": review, "baseline": baseline,
        "out": None if out is None else str(out.absolute()), "lang": lang, "tiles": tiles,
        "statistics": None if statistics is None else str(statistics.absolute()),
        "today": date.today().isoformat(),  # dates after today are never evaluated
    }, recipe=recipe)
    replay = None if recompute else _replay.find("monitor", key, allowed=_report_file,
                                                 shows=_shown)
    if replay is not None:
        def commit(stage: Path, produced: list[str]) -> dict[str, Path]:
            assert replay is not None
            head = {k: v for k, v in replay.record.items() if k != "outputs"}
            write_merged_record(stage, replay.folder, produced, head=head, record=_RECORD)
            return commit_staged(stage, replay.folder, [*produced, _RECORD],
                                 ours=recorded_names(replay.folder, _RECORD), record=_RECORD)

        written = _replay.restore(replay, prefix=".geoplan-monitor-", commit=commit)
        if written is not None:
            _replay.warn_again(replay.printed.get("said", []))
            _show(replay.printed, outputs=written, appended=0, seconds=None)
            return
    from geoplan.analyses.recipe import load_recipe

    parsed = load_recipe(recipe)  # a missing recipe is refused before geopandas is imported
    from geoplan.layers import load_bundle
    from geoplan.monitor.history import HISTORY_NAME, lock_path
    from geoplan.workflows.monitor import MONITOR_DIR, monitor_recipe

    # the manifest's state before it is read (statistics and history are read later)
    where = bundle_location(parsed.bundle)
    early = _replay.input_states([where / MANIFEST_NAME]) \
        if key is not None and where is not None else {}
    the_bundle = load_bundle(parsed.bundle)
    folder = out if out is not None else Path("maps") / check_name(
        parsed.id, option=f"{parsed.path or 'recipe'}: key id", inside="maps/ (or pass --out)")
    history = folder / HISTORY_NAME
    stats = [*parsed.statistics_files, *([statistics] if statistics is not None else [])]
    inputs = input_paths(parsed.path, the_bundle, statistics=stats)
    before = {**_replay.input_states([*inputs, history], folders=[the_bundle.path]),
              **early} if key is not None else {}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True, disable=console.quiet) as bar, \
            _replay.recorded_warnings() as said:
        task = bar.add_task("dates", total=None)

        def step(when: date, total: int) -> None:
            bar.update(task, total=total, description=f"as of {when.isoformat()}")
            bar.advance(task)

        result = monitor_recipe(parsed, out=folder, period=period, start=first, end=last,
                                baseline=base, review=review, lang=lang, tiles=tiles,
                                progress=step, statistics=statistics, bundle=the_bundle)
    report = _report(result)
    _show(report, outputs=result.outputs, appended=result.appended,
          seconds=result.seconds.get("evaluate", 0.0))
    if key is not None and not result.appended and result.outputs:
        target = folder / MONITOR_DIR
        record = json.loads((target / _RECORD).read_text(encoding="utf-8"))
        _replay.remember(
            "monitor", key, folder=target, before=before, protected=inputs,
            folders=[the_bundle.path], bundle=(parsed.bundle, the_bundle.path),
            checks=[(folder, True), (history, False), (lock_path(history), False),
                    (target, True)],
            record=record, printed={**report, "said": said},
            outputs={n: p for n, p in result.outputs.items() if n != _RECORD})
