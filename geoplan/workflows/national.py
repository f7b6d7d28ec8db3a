"""One national scorecard from per-province runs: a row and a map unit per province.

A batch (:mod:`geoplan.workflows.batch`) runs a recipe on many province bundles; each run judges its
targets on its own province. :func:`national_scorecard` gathers those city-wide rows into one
table keyed by the official province code, with each value's status and the date of the data
it rests on, and :func:`write_national` writes it as ``national.csv`` (UTF-8 with a byte-order
mark, for spreadsheets), ``national.md``, ``national.gpkg`` (the 34 provinces of the
``vietnam`` bundle with one value, status and date column per target) and ``national.html``
(one map: provinces coloured by the status of the first target), staged and renamed in as one
set.

A province bundle is matched to its province by the ``province_code`` of its
``city_boundary`` (written by ``geoplan layers new``), else by its title or boundary name
(``geoplan.layers.census.find_province``). Provinces without a run are rows with status
``no data``: never a value that was not computed.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import pandas as pd

from geoplan.analyses.evaluate import NO_DATA, status_label
from geoplan.analyses.recipe import slugify
from geoplan.errors import RecipeError

if TYPE_CHECKING:
    from geoplan.analyses.recipe import Recipe
    from geoplan.analyses.scorecard import RunResult
    from geoplan.layers import Bundle
    from geoplan.workflows.batch import TaskOutcome

__all__ = ["NATIONAL_COLUMNS", "NationalScorecard", "data_dates", "national_scorecard",
           "province_of", "write_national"]

logger = logging.getLogger(__name__)

#: Columns of the national table, in order.
NATIONAL_COLUMNS = ("unit_id", "province", "bundle", "key", "title", "value", "unit",
                    "target", "year", "status", "gap", "data_date", "as_of")

def data_dates(result: RunResult) -> dict[str, str]:
    """The date of the data each target's value rests on, by target key.

    What the evaluation recorded (:attr:`geoplan.analyses.evaluate.TargetEvaluation.data_date`,
    see :func:`geoplan.analyses.evaluate.value_data_date`): a statistic's report date, the
    manifest statistics an indicator read, else the manifest dates of the layers it read.

    Parameters
    ----------
    result
        A run's result.

    Returns
    -------
    dict
        Target key → date text (``2019-04-01``, or the manifest's wording; ``""`` unknown).
    """
    return {ev.goal.key: ev.data_date for ev in result.evaluations}


def province_of(bundle: Bundle) -> str | None:
    """The official code of the province a bundle covers, or ``None`` if it is not one.

    The ``province_code`` of the bundle's ``city_boundary`` when present; otherwise its title
    (then its boundary's ``name``) looked up among the 34 provinces of 2025.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> province_of(load_bundle("hatinh"))  # doctest: +SKIP
    '42'
    """
    from geoplan.errors import GeoplanError
    from geoplan.layers.census import find_province

    boundary = bundle.city_boundary if bundle.has("city_boundary") else None
    if boundary is not None and "province_code" in boundary.columns and len(boundary):
        code = str(boundary["province_code"].iloc[0]).strip()
        if code:
            return code
    names = [bundle.manifest.title]
    if boundary is not None and "name" in boundary.columns and len(boundary):
        names.append(str(boundary["name"].iloc[0]))
    for name in names:
        try:
            return str(find_province(name).code)
        except GeoplanError:
            continue
    return None


@dataclass
class NationalScorecard:
    """Per-province rows of one recipe at one date.

    Attributes
    ----------
    recipe, as_of
        The recipe and the evaluation date.
    bundle
        The national bundle whose ``admin_units`` are the provinces (the map's units).
    scorecard
        One row per city-wide target (``SCORECARD_COLUMNS``): the national run's row when the
        batch ran the recipe on the national bundle too, else the target with no value
        (``no data``: the provinces' values are in ``table``).
    table
        :data:`NATIONAL_COLUMNS`, one row per province and target (provinces without a run:
        ``no data``), sorted by target then province code.
    units
        The provinces (``unit_id``, ``name``, geometry) with ``<slug>_value``,
        ``<slug>_status`` and ``<slug>_date`` columns per target.
    lang
        Language of titles and labels.
    """

    recipe: Recipe
    bundle: Bundle
    as_of: date
    scorecard: pd.DataFrame
    table: pd.DataFrame
    units: gpd.GeoDataFrame
    lang: str = "vi"

    @property
    def recipe_id(self) -> str:
        """The recipe's id."""
        return self.recipe.id


def national_scorecard(
    outcomes: Iterable[TaskOutcome],
    *,
    national: Bundle | str = "vietnam",
    lang: str = "vi",
) -> NationalScorecard:
    """Gather per-province task outcomes of one recipe and date into one national table.

    Parameters
    ----------
    outcomes
        Finished tasks (:class:`geoplan.workflows.batch.TaskOutcome`) of one recipe at one
        date; those that failed, or whose bundle is not a province, are left out (logged).
    national
        The national bundle (its ``admin_units`` are the 34 provinces); a run on it among
        ``outcomes`` gives the scorecard's national values.
    lang
        Language of titles.

    Returns
    -------
    NationalScorecard

    Raises
    ------
    RecipeError
        If the outcomes mix recipes or dates, none succeeded, or two bundles cover one
        province (their values would be two answers for one row).
    """
    from geoplan.layers import load_bundle

    done = [o for o in outcomes if o.error is None and o.scorecard is not None]
    if not done:
        message = "no task of the batch finished: there is nothing to put in a national table"
        raise RecipeError(message)
    recipes = {o.recipe_id for o in done}
    days = {o.task.as_of for o in done}
    if len(recipes) > 1 or len(days) > 1:
        message = (f"a national table holds one recipe at one date; got {sorted(recipes)} at "
                   f"{sorted(d.isoformat() for d in days)}")
        raise RecipeError(message)
    from geoplan.analyses.evaluate import evaluate_target
    from geoplan.analyses.recipe import load_recipe
    from geoplan.analyses.result import IndicatorResult
    from geoplan.analyses.scorecard import indicator_key
    from geoplan.layers import Bundle

    nation = national if isinstance(national, Bundle) else load_bundle(national)
    provinces = nation.admin_units
    names = dict(zip(provinces["unit_id"].astype(str), provinces["name"].astype(str),
                     strict=True))
    by_code: dict[str, TaskOutcome] = {}
    summary: pd.DataFrame | None = None
    for o in done:
        if o.bundle_name == nation.name:
            summary = o.scorecard
            continue
        code = province_of(load_bundle(o.task.bundle))
        if code is None or code not in names:
            logger.info("%s is not one of the 34 provinces: left out of the national table",
                        o.bundle_name)
            continue
        if code in by_code:
            message = (f"bundles {by_code[code].bundle_name!r} and {o.bundle_name!r} both cover "
                       f"{names[code]} ({code}): run the national batch with one bundle per "
                       "province")
            raise RecipeError(message)
        by_code[code] = o
    first = done[0]
    goals = first.scorecard[first.scorecard["scope"] == "city"] \
        if first.scorecard is not None else pd.DataFrame()
    as_of = first.task.as_of
    rows: list[dict[str, Any]] = []
    recipe = load_recipe(first.task.recipe)
    targets = {t.key: t for t in recipe.targets}
    national_run = next((o for o in done if o.bundle_name == nation.name), None)
    for goal in goals.to_dict("records"):
        target = targets.get(str(goal["key"]))
        from_nation: dict[str, float] = {}
        if national_run is not None and target is not None and target.indicator:
            from_nation = national_run.per_unit.get(
                indicator_key(target.indicator, dict(target.options or {})), {})
        for code in sorted(names):
            got_outcome = by_code.get(code)
            row: dict[str, Any] = {
                "unit_id": code, "province": names[code],
                "bundle": "" if got_outcome is None else got_outcome.bundle_name,
                "key": goal["key"],
                "title": goal["title"], "unit": goal["unit"], "target": goal["target"],
                "year": goal["year"], "value": float("nan"), "status": NO_DATA,
                "gap": float("nan"), "data_date": "", "as_of": as_of.isoformat(),
            }
            if got_outcome is not None and got_outcome.scorecard is not None:
                card = got_outcome.scorecard
                match = card[card["key"] == goal["key"]]
                if len(match):
                    got = match.iloc[0]
                    row |= {"value": float(got["value"]), "status": str(got["status"]),
                            "gap": float(got["gap"]),
                            "data_date": got_outcome.data_dates.get(goal["key"], "")}
            elif code in from_nation and target is not None and national_run is not None:
                # no bundle of its own: the national run's value for the province, judged
                # against the same target by the same evaluation (the rule for old data too)
                dated = national_run.data_dates.get(goal["key"], "")
                judged = evaluate_target(
                    target, IndicatorResult(target.indicator, target.unit,
                                            city=from_nation[code]),
                    as_of=as_of, data_date=dated)
                row |= {"bundle": nation.name, "value": from_nation[code],
                        "status": judged.status,
                        "gap": float("nan") if judged.gap is None else judged.gap,
                        "data_date": dated}
            rows.append(row)
    table = pd.DataFrame(rows, columns=list(NATIONAL_COLUMNS))
    table["year"] = table["year"].astype("Int64")
    units = gpd.GeoDataFrame(provinces[["unit_id", "name", provinces.geometry.name]].copy(),
                             geometry=provinces.geometry.name, crs=provinces.crs)
    units["unit_id"] = units["unit_id"].astype(str)
    columns: dict[str, pd.Series] = {}
    for key, part in table.groupby("key", sort=False):
        slug = slugify(str(key))
        part = part.set_index("unit_id")
        columns[f"{slug}_value"] = units["unit_id"].map(part["value"]).astype(float)
        columns[f"{slug}_status"] = units["unit_id"].map(part["status"]).fillna(NO_DATA)
        columns[f"{slug}_date"] = units["unit_id"].map(part["data_date"]).fillna("")
    if columns:
        units = gpd.GeoDataFrame(pd.concat([units, pd.DataFrame(columns, index=units.index)],
                                           axis=1), geometry=units.geometry.name, crs=units.crs)
    if summary is None:
        summary = goals.copy()
        for column in ("value", "gap"):
            summary[column] = float("nan")
        summary["status"] = NO_DATA
    return NationalScorecard(recipe, nation, as_of,
                             summary[summary["scope"] == "city"].reset_index(drop=True),
                             table, units, lang=lang)


def _markdown(card: NationalScorecard) -> str:
    from geoplan._safetext import markdown_text
    from geoplan.analyses.wording import format_quantity

    head = ("Tỉnh, thành phố", "Giá trị", "Mục tiêu", "Trạng thái", "Ngày dữ liệu") \
        if card.lang == "vi" else ("Province", "Value", "Target", "Status", "Data date")
    lines = [f"# {markdown_text(card.recipe_id)} — {card.as_of.isoformat()}", ""]
    for key, part in card.table.groupby("key", sort=False):
        lines += [f"## {markdown_text(str(part['title'].iloc[0]))} ({markdown_text(str(key))})",
                  "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for row in part.to_dict("records"):
            value = "–" if row["value"] != row["value"] else \
                format_quantity(float(row["value"]), str(row["unit"]), card.lang)
            lines.append("| " + " | ".join(markdown_text(str(c)) for c in (
                f"{row['province']} ({row['unit_id']})", value, row["target"],
                status_label(row["status"], card.lang, data_date=row["data_date"]),
                row["data_date"] or "–")) + " |")
        lines.append("")
    return "\n".join(lines)


def _map(card: NationalScorecard) -> Any:
    """The provinces coloured by each target's status, one layer per target (offline)."""
    from geoplan.maps import map_run

    return map_run(card, lang=card.lang)


def write_national(card: NationalScorecard, out: str | os.PathLike[str]) -> dict[str, Path]:
    """Write a national scorecard into ``out`` as one staged set.

    Parameters
    ----------
    card
        From :func:`national_scorecard`.
    out
        Folder (created if needed); files there that geoplan did not write are never
        replaced.

    Returns
    -------
    dict
        Output name → path written.

    Raises
    ------
    OutputError
        If the folder cannot be written (earlier outputs stay as they were).
    """
    from geoplan._safetext import neutralise_formulas
    from geoplan.io import check_ours, commit_staged, staging_dir, write_gpkg_layer
    from geoplan.maps import save_map

    folder = Path(out)
    names: Sequence[str] = ("national.csv", "national.md", "national.gpkg", "national.html",
                            "national.json")
    with staging_dir(folder, prefix=".geoplan-national-") as stage:
        csv = neutralise_formulas(card.table).to_csv(index=False, lineterminator="\n")
        (stage / "national.csv").write_text("\ufeff" + csv, encoding="utf-8")
        (stage / "national.md").write_text(_markdown(card), encoding="utf-8")
        write_gpkg_layer(card.units, stage / "national.gpkg", layer="provinces",
                         when=card.as_of)
        save_map(_map(card), stage / "national.html")
        record = {"recipe_id": card.recipe_id, "as_of": card.as_of.isoformat(),
                  "outputs": [n for n in names if n != "national.json"]}
        (stage / "national.json").write_text(json.dumps(record, indent=2) + "\n",
                                             encoding="utf-8")
        ours = list(names) if (folder / "national.json").is_file() else None
        check_ours(folder, names, ours=ours, record="national.json")
        return commit_staged(stage, folder, list(names), ours=ours, record="national.json")
