"""Which line first: a plan's lines ranked by the people they would add within walking reach.

For one plan (QĐ 519/2016 or the 2025 capital master plan, never both: two alternative
networks summed would count a corridor twice), each planned line is added alone to the
stations in service today (lines under construction are committed, not ranked); the
population newly within ``distance_m`` walking of a station (marginal to today's coverage) is the
line's gain, in total and per km of the line's length in ``metro_lines`` (its
``length_km``, else measured in the metric CRS). People are counted as the coverage
indicators count them: by default each unit's census count spread within the unit by the
bundle's ``population_raster`` (WorldPop), uniformly over its area with
``population="census_uniform"`` or when the bundle has no raster (the ``method`` says
which). Stations farther than the snapping tolerance from any mapped street are counted as
not measured and named, not taken as covering nobody.

:func:`write_ranking` writes a ranking as ``ranking.csv`` (UTF-8 with a byte-order mark,
text cells never spreadsheet formulas), ``ranking.png`` (a bar chart of the people added
per km, :func:`ranking_chart_png`), ``ranking.html`` (the plan's lines coloured by rank,
:func:`geoplan.maps.map_ranking`) and ``ranking.json`` (what was written), as one staged set.
"""
from __future__ import annotations

import io
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from geoplan.analyses._population import (
    POPULATION_METHODS,
    coverage_table,
    describe_population,
    resolve_population,
)
from geoplan.analyses.rail import choose_plan
from geoplan.crs import to_metric
from geoplan.errors import RecipeError

if TYPE_CHECKING:
    from geoplan.layers import Bundle

__all__ = ["RANKING_COLUMNS", "RANKING_FILES", "check_ranking_folder", "rank_planned_lines",
           "ranking_chart_png", "ranking_csv", "write_ranking"]

log = logging.getLogger(__name__)

#: Columns of :func:`rank_planned_lines`, indexed by ``line_id``
RANKING_COLUMNS = (
    "rank", "name", "plan", "length_km", "stations", "stations_measured",
    "added_population", "added_per_km", "not_measured",
)
#: Files :func:`write_ranking` writes (the last one records the others).
RANKING_FILES = ("ranking.csv", "ranking.png", "ranking.html", "ranking.json")


def rank_planned_lines(
    bundle: Bundle | str | os.PathLike[str],
    *,
    plan: str,
    distance_m: float = 800.0,
    buffer_m: float = 50.0,
    tolerance_m: float = 250.0,
    min_network_share: float = 0.95,
    snap: str = "edge",
    population: str = "raster",
) -> pd.DataFrame:
    """Rank one plan's lines by the population each would add within walking distance.

    Parameters
    ----------
    bundle
        Bundle (or name/path) with ``admin_units``, ``stations``, ``street_network`` and
        ``metro_lines``.
    plan
        The plan (as :func:`geoplan.analyses.rail.choose_plan` matches it: case-insensitive,
        or a part of the name only one plan holds, e.g. ``"QĐ 1668"``).
    distance_m
        Walking distance from a station (m).
    buffer_m, tolerance_m, min_network_share, snap
        As for :func:`geoplan.network.coverage_scenarios`.
    population
        ``"raster"`` (default: each unit's census count spread by the bundle's
        ``population_raster``; the uniform spread when it has none) or ``"census_uniform"``
        (see :mod:`geoplan.analyses._population`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``line_id``, columns :data:`RANKING_COLUMNS`: ``added_population`` =
        population within reach of today's stations plus the line's minus today's (units the
        street network covers); ``added_per_km`` = that ÷ ``length_km``; ``rank`` by
        ``added_per_km`` (1 = most per km; empty for a line with no measured station);
        ``not_measured`` names the stations beyond the mapped streets (by ``station_id``
        when the name is blank). Sorted by rank, lines
        without a rank last. ``attrs`` hold ``plan``, ``distance_m``,
        ``covered_in_service`` (people within reach today), ``stations_without_line``
        (planned stations of the plan that name no line, left out), ``population_method``
        (the method used) and ``method``.

    Raises
    ------
    RecipeError
        If ``plan`` matches no plan of the bundle's stations (the message lists them), or
        ``population`` is not a population method.
    LayerNotAvailableError
        If a layer named above is missing.

    Examples
    --------
    >>> table = rank_planned_lines("hanoi", plan="QĐ 1668")  # doctest: +SKIP
    >>> table.index[0], round(table["added_per_km"].iloc[0])  # doctest: +SKIP
    ('QD1668-M3', 2085)
    """
    from geoplan.layers import Bundle, load_bundle
    from geoplan.network import StreetGraph, _population_within, own_catchments, snap_points

    if population not in POPULATION_METHODS:
        message = (f"rank_planned_lines: population={population!r} is not a population "
                   f"method; use one of {', '.join(POPULATION_METHODS)}")
        raise RecipeError(message)
    if not isinstance(bundle, Bundle):
        bundle = load_bundle(bundle)
    used, raster, population_note = resolve_population(bundle, population)
    stations = bundle.stations
    lines = bundle.metro_lines
    units = bundle.admin_units
    every = ("operating", "under_construction", "planned")
    if "plan" not in stations.columns and "plan" in lines.columns:
        # stations without their own plan column belong to their line's plan
        plan_of_line = lines.drop_duplicates("line_id").set_index("line_id")["plan"]
        stations = stations.assign(plan=stations["line_id"].map(plan_of_line))
    keep, chosen = choose_plan(stations, plan=plan, statuses=every, role="stations",
                               indicator="rank_planned_lines")
    line_keep, _ = choose_plan(lines, plan=chosen or plan, statuses=every,
                               role="metro_lines", indicator="rank_planned_lines")
    status = stations["status"].astype(str)
    in_service = (status == "operating").to_numpy()
    line_ids = _texts(stations["line_id"])
    ids = _texts(stations["station_id"]) if "station_id" in stations else \
        np.array([str(i) for i in stations.index], dtype=object)
    named = _texts(stations["name"]) if "name" in stations else ids
    names = np.where(named != "", named, ids)  # a blank name is shown by its id
    planned = (keep & (status == "planned")).to_numpy()
    candidate = planned & (line_ids != "")
    graph = StreetGraph.from_bundle(bundle)
    snaps = snap_points(graph, stations, tolerance_m=tolerance_m, snap=snap)
    measured = (snaps["node"].to_numpy() >= 0) & (
        snaps["distance_m"].to_numpy(dtype=float) <= tolerance_m)
    own = own_catchments(graph, stations, distance_m=distance_m, buffer_m=buffer_m,
                         snaps=snaps)
    footprint = graph.footprint()

    def covered(mask: np.ndarray) -> float:
        geom, table = _population_within(own[mask], units, crs=graph.crs,
                                         footprint=footprint,
                                         min_network_share=min_network_share)
        ok = table["network_covered"].to_numpy(dtype=bool)
        if used == "raster":  # the same units and catchment, people placed by the raster
            spread = coverage_table(units, geom, crs=graph.crs, population="raster",
                                    raster=raster)
            return float(spread["covered_population"].to_numpy()[ok].sum())
        return float(table["covered_population"].to_numpy()[ok].sum())

    base = covered(in_service)
    planned_lines = lines[line_keep & (lines["status"].astype(str) == "planned")]
    if "length_km" not in planned_lines.columns:  # measured in the metric CRS
        planned_lines = planned_lines.assign(
            length_km=to_metric(planned_lines).geometry.length.to_numpy() / 1000.0)
    length = planned_lines.groupby(planned_lines["line_id"].astype(str))["length_km"].sum()
    line_name = planned_lines.groupby(planned_lines["line_id"].astype(str))["name"].first()
    line_plan = planned_lines.groupby(planned_lines["line_id"].astype(str))["plan"].first()
    rows = []
    for lid in sorted({str(i) for i in length.index} | {str(i) for i in line_ids[candidate]}):
        on_line = candidate & (line_ids == lid)
        ok = on_line & measured
        added = covered(in_service | ok) - base if ok.any() else np.nan
        km = float(length.get(lid, np.nan))
        rows.append({
            "line_id": lid, "name": str(line_name.get(lid, "")),
            "plan": str(line_plan.get(lid, chosen or "")), "length_km": km,
            "stations": int(on_line.sum()), "stations_measured": int(ok.sum()),
            "added_population": added,
            "added_per_km": added / km if km and np.isfinite(km) else np.nan,
                "not_measured": "; ".join(str(n) for n in names[on_line & ~measured]),
        })
    table = pd.DataFrame(rows, columns=["line_id", *RANKING_COLUMNS[1:]]).set_index("line_id")
    order = table["added_per_km"].rank(ascending=False, method="first")
    table.insert(0, "rank", order.astype("Int64"))
    table = table.sort_values(["rank", "length_km"], na_position="last")
    table.attrs.update({"plan": chosen or plan,
                        "distance_m": float(distance_m), "covered_in_service": base,
                        "stations_without_line": int((planned & (line_ids == "")).sum()),
                        "population_method": used,
                        "method": f"walking along the street network; "
                                  f"{describe_population(used)}{population_note}"})
    log.info("ranked %d lines of %s at %g m", int(table["rank"].notna().sum()),
             chosen or plan, distance_m)
    return table


def _texts(column: pd.Series) -> np.ndarray:
    """A text column as Python strings, blanks for missing values."""
    return np.array(["" if pd.isna(v) else str(v) for v in column], dtype=object)


def ranking_csv(table: pd.DataFrame) -> str:
    """The ranking as CSV text: a byte-order mark (spreadsheets then read UTF-8), one row per
    line (``line_id`` first), text cells that a spreadsheet would run as formulas prefixed
    with an apostrophe (:func:`geoplan._safetext.neutralise_formulas`), missing values blank.

    Parameters
    ----------
    table
        From :func:`rank_planned_lines`.

    Returns
    -------
    str

    Examples
    --------
    >>> t = pd.DataFrame({"rank": [1], "name": ["=1+1"], "added_per_km": [2.5]},
    ...                  index=pd.Index(["L2"], name="line_id"))
    >>> ranking_csv(t).splitlines()
    ['\ufeffline_id,rank,name,added_per_km', "L2,1,'=1+1,2.5"]
    """
    from geoplan._safetext import neutralise_formulas

    frame = table.reset_index()
    frame.insert(0, "line_id", frame.pop("line_id").astype(str))
    text = neutralise_formulas(frame).to_csv(index=False, lineterminator="\n")
    return "\ufeff" + text


def _chart_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The ranked lines, best first (what the chart and the map legend show)."""
    ranked = table[table["rank"].notna()]
    return ranked.sort_values("rank")


def ranking_chart_png(table: pd.DataFrame, *, lang: str = "vi") -> bytes:
    """A horizontal bar chart of the people each ranked line adds per km, as PNG bytes.

    Bars go from rank 1 (top) down, labelled with the line's name and its people added per
    km; lines without a rank are named in a note below. Drawn as
    :mod:`geoplan.monitor.charts` draws (matplotlib's object API, no time stamp: the same
    table gives the same bytes).

    Parameters
    ----------
    table
        From :func:`rank_planned_lines` (``attrs`` give the plan and the walking distance).
    lang
        ``"vi"`` or ``"en"``: the chart's words and number format.

    Returns
    -------
    bytes

    Raises
    ------
    UnknownLanguageError
        For a language other than vi/en.
    """
    from matplotlib.figure import Figure

    from geoplan.maps.i18n import check_lang, format_number, label
    from geoplan.monitor.charts import chart_text

    lang = check_lang(lang)
    rows = _chart_rows(table)
    names = [chart_text(_short(f"{int(r)}. {n or lid}"))
             for lid, r, n in zip(rows.index, rows["rank"], rows["name"], strict=True)]
    values = rows["added_per_km"].to_numpy(dtype=float)
    fig = Figure(figsize=(7.2, 1.2 + 0.32 * max(len(rows), 1)), dpi=100)
    ax = fig.add_subplot()
    y = np.arange(len(rows))
    ax.barh(y, values, color="#08519c", height=0.65)
    ax.set_yticks(y, names, fontsize=7.5)
    ax.invert_yaxis()  # rank 1 at the top
    top = float(values.max()) if len(values) else 1.0
    for yi, v in zip(y, values, strict=True):
        ax.text(v + 0.01 * top, float(yi), format_number(float(v), lang, digits=0), va="center",
                fontsize=7)
    ax.set_xlim(0, top * 1.15 if top > 0 else 1.0)
    distance = format_number(float(table.attrs.get("distance_m", np.nan)), lang)
    plan = str(table.attrs.get("plan", ""))
    # two lines: what and how far, then the plan (cut to fit the chart's width)
    ax.set_title(chart_text(f"{label('ranking_title', lang)} — {distance} m\n"
                            f"{_short(plan, 95)}"), fontsize=8.5, loc="left")
    ax.set_xlabel(chart_text(label("added_per_km", lang)), fontsize=8)
    ax.tick_params(axis="x", labelsize=7.5)
    ax.grid(True, axis="x", linewidth=0.4, alpha=0.5)
    unranked = table.index[table["rank"].isna()]
    if len(unranked):
        note = f"{label('unranked', lang)}: {', '.join(str(i) for i in unranked)}"
        fig.text(0.01, 0.01, chart_text(_short(note, 140)), fontsize=6.5, color="#636363")
    fig.tight_layout(rect=(0, 0.04 if len(unranked) else 0, 1, 1))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _short(text: str, most: int = 48) -> str:
    """``text`` on one line, cut to ``most`` characters with an ellipsis."""
    text = " ".join(str(text).split())
    return text if len(text) <= most else text[:most - 1] + "…"


def write_ranking(table: pd.DataFrame, bundle: Bundle, out: str | os.PathLike[str], *,
                  lang: str = "vi", tiles: str = "none",
                  recipe: Path | str | None = None) -> dict[str, Path]:
    """Write a ranking into the folder ``out`` as one staged set (:data:`RANKING_FILES`).

    Parameters
    ----------
    table
        From :func:`rank_planned_lines`.
    bundle
        The bundle it was ranked on (the map draws its lines and units).
    out
        Output folder (created if needed). A file there that geoplan did not write (no
        ``ranking.json`` of an earlier ranking lists it) is never replaced.
    lang, tiles
        Language (``vi``/``en``) of the chart and map; basemap of the map
        (:func:`geoplan.maps.map_ranking`).
    recipe
        The recipe file the ranking came from: like the bundle's files, never replaced.

    Returns
    -------
    dict
        File name → path written.

    Raises
    ------
    OutputError
        If ``out`` is a bundle folder or an input, a symbolic link, not a folder, or holds a
        file of an output's name that geoplan did not write; nothing is written then.
    UnknownLanguageError, UnknownTilesError
        For a ``lang`` or ``tiles`` that is not supported.
    """
    from geoplan.io import commit_staged, staging_dir
    from geoplan.maps import map_ranking, save_map
    from geoplan.provenance import inputs_protected

    folder = Path(out)
    names = list(RANKING_FILES)
    with inputs_protected(recipe, bundle):
        ours = check_ranking_folder(folder, bundle, recipe=recipe)  # before any work
        fmap = map_ranking(bundle, table, lang=lang, tiles=tiles)
        with staging_dir(folder, prefix=".geoplan-ranking-") as stage:
            (stage / "ranking.csv").write_text(ranking_csv(table), encoding="utf-8")
            (stage / "ranking.png").write_bytes(ranking_chart_png(table, lang=lang))
            save_map(fmap, stage / "ranking.html")
            record = {"kind": "geoplan ranking", "plan": str(table.attrs.get("plan", "")),
                      "distance_m": table.attrs.get("distance_m"),
                      "population_method": table.attrs.get("population_method", ""),
                      "method": table.attrs.get("method", ""), "bundle": bundle.name,
                      "outputs": names[:-1]}
            (stage / "ranking.json").write_text(
                json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            return commit_staged(stage, folder, names, ours=ours, record="ranking.json")


def check_ranking_folder(out: str | os.PathLike[str], bundle: Bundle, *,
                         recipe: Path | str | None = None) -> list[str] | None:
    """Check that :func:`write_ranking` may write into ``out``, before anything is computed.

    Parameters
    ----------
    out
        The output folder.
    bundle, recipe
        The inputs: ``out`` may not be (or lie in) the bundle's folder, nor replace them.

    Returns
    -------
    list of str or None
        The files an earlier ranking recorded writing there (in ``ranking.json``), which may
        be replaced; ``None`` when there is no such record (no existing file is replaced).

    Raises
    ------
    OutputError
        If ``out`` is an input folder, a symbolic link or not a folder, an output's path is
        not a regular file, or a file of an output's name is not one geoplan wrote.
    """
    from geoplan.io import check_ours, check_output
    from geoplan.provenance import inputs_protected

    folder = Path(out)
    with inputs_protected(recipe, bundle):
        check_output(folder, folder=True)
        for name in RANKING_FILES:
            check_output(folder / name)
        ours = _recorded(folder / "ranking.json")
        check_ours(folder, RANKING_FILES, ours=ours, record="ranking.json")
    return ours


def _recorded(record: Path) -> list[str] | None:
    """The outputs an earlier :func:`write_ranking` listed in ``record`` (``None``: none)."""
    if not record.is_file() or record.is_symlink():
        return None
    try:
        data: Any = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("kind") != "geoplan ranking":
        return None
    outputs = data.get("outputs")
    if not isinstance(outputs, list):
        return None
    return [*(str(o) for o in outputs if str(o) in RANKING_FILES), "ranking.json"]
