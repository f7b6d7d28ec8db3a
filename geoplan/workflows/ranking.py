"""Which line first, written: a plan's line ranking as a table, a chart and a map.

:func:`write_ranking` writes a ranking of :func:`geoplan.analyses.ranking.rank_planned_lines`
as ``ranking.csv`` (UTF-8 with a byte-order mark, text cells never spreadsheet formulas),
``ranking.png`` (a bar chart of the people added per km, :func:`ranking_chart_png`),
``ranking.html`` (the plan's lines coloured by rank, :func:`geoplan.maps.map_ranking`) and
``ranking.json`` (what was written), as one staged set.
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

if TYPE_CHECKING:
    from geoplan.layers import Bundle

__all__ = ["RANKING_FILES", "STATIONS_FILE", "check_ranking_folder", "ranking_chart_png",
           "ranking_csv", "write_ranking"]

log = logging.getLogger(__name__)

#: Files :func:`write_ranking` writes (the last one records the others).
RANKING_FILES = ("ranking.csv", "ranking.png", "ranking.html", "ranking.json")
#: The station ranking's table, written beside :data:`RANKING_FILES` when given
STATIONS_FILE = "ranking-stations.csv"
_OURS = (*RANKING_FILES, STATIONS_FILE)


def ranking_csv(table: pd.DataFrame) -> str:
    """The ranking as CSV text: a byte-order mark (spreadsheets then read UTF-8), one row per
    line (``line_id`` first), text cells that a spreadsheet would run as formulas prefixed
    with an apostrophe (:func:`geoplan._safetext.neutralise_formulas`), missing values blank.

    Parameters
    ----------
    table
        From :func:`rank_planned_lines` (or :func:`rank_planned_stations`: one row per
        station, ``station_id`` first).

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

    key = str(table.index.name or "line_id")  # ``station_id`` for a station ranking
    frame = table.reset_index()
    frame.insert(0, key, frame.pop(key).astype(str))
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

    from geoplan.analyses.wording import check_lang, format_number
    from geoplan.maps.i18n import label
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
                  recipe: Path | str | None = None,
                  stations: pd.DataFrame | None = None) -> dict[str, Path]:
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
    stations
        A station ranking (:func:`geoplan.analyses.ranking.rank_planned_stations`) of the
        same plan, written as :data:`STATIONS_FILE` (:func:`ranking_csv`); not drawn.

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
    if stations is not None:
        names.insert(-1, STATIONS_FILE)  # the record stays last
    with inputs_protected(recipe, bundle):
        ours = check_ranking_folder(folder, bundle, recipe=recipe)  # before any work
        fmap = map_ranking(bundle, table, lang=lang, tiles=tiles)
        with staging_dir(folder, prefix=".geoplan-ranking-") as stage:
            (stage / "ranking.csv").write_text(ranking_csv(table), encoding="utf-8")
            (stage / "ranking.png").write_bytes(ranking_chart_png(table, lang=lang))
            save_map(fmap, stage / "ranking.html")
            if stations is not None:
                (stage / STATIONS_FILE).write_text(ranking_csv(stations), encoding="utf-8")
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
        for name in _OURS:
            check_output(folder / name)
        ours = _recorded(folder / "ranking.json")
        check_ours(folder, _OURS, ours=ours, record="ranking.json")
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
    return [*(str(o) for o in outputs if str(o) in _OURS), "ranking.json"]
