"""QGIS styles and field aliases stored inside a run's GeoPackage, so that ``results.gpkg``
opens in QGIS coloured as on the web map and with readable field names.

QGIS reads a layer's saved styles from the GeoPackage table ``layer_styles`` (one row per
style, ``useAsDefault`` for the one it applies on opening; each style is a QML document).
The field aliases are written twice: in each QML (``<aliases>``, which QGIS applies with the
style) and in the standard GeoPackage schema extension (``gpkg_data_columns``, which GDAL
reads as alternative field names). Every text from the recipe (titles) is XML-escaped; the
timestamps are the run's date, so the same run writes the same bytes.

>>> qml = status_style_qml("s_urban_status", {"met": "đạt", "not met": "chưa đạt"},
...                        aliases={"s_urban_status": "Đô thị hoá: tình trạng"})
>>> "categorizedSymbol" in qml and "0,158,115,255" in qml
True
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from xml.sax.saxutils import quoteattr

import numpy as np

from geoplan.analyses.recipe import slugify
from geoplan.analyses.wording import format_number, unit_label
from geoplan.maps import _style
from geoplan.maps.i18n import label

__all__ = [
    "FamilyLayer",
    "LayerStyle",
    "family_layers",
    "run_styles",
    "store_layer_styles",
    "status_style_qml",
    "value_style_qml",
]

logger = logging.getLogger(__name__)

_OUTLINE = "85,85,85,255"


@dataclass(frozen=True)
class LayerStyle:
    """One saved style of a GeoPackage layer: its name, QML and whether QGIS applies it
    when the layer is opened."""

    name: str
    qml: str
    default: bool = False


def _rgba(colour: str, alpha: int = 255) -> str:
    hex_ = colour.lstrip("#")
    return ",".join(str(int(hex_[i:i + 2], 16)) for i in (0, 2, 4)) + f",{alpha}"


def _fill_symbol(name: str, colour: str, *, alpha: int = 255) -> str:
    return (f'<symbol type="fill" name={quoteattr(name)} alpha="1" clip_to_extent="1" '
            'force_rhr="0"><layer class="SimpleFill" enabled="1" locked="0" pass="0">'
            '<Option type="Map">'
            f'<Option type="QString" name="color" value="{_rgba(colour, alpha)}"/>'
            f'<Option type="QString" name="outline_color" value="{_OUTLINE}"/>'
            '<Option type="QString" name="outline_width" value="0.26"/>'
            '<Option type="QString" name="outline_width_unit" value="MM"/>'
            '<Option type="QString" name="style" value="solid"/>'
            "</Option></layer></symbol>")


def _aliases(aliases: Mapping[str, str]) -> str:
    items = "".join(f"<alias field={quoteattr(field)} index=\"{i}\" name={quoteattr(alias)}/>"
                    for i, (field, alias) in enumerate(aliases.items()))
    return f"<aliases>{items}</aliases>"


def _document(renderer: str, aliases: Mapping[str, str]) -> str:
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
            '<qgis version="3.28" styleCategories="Symbology|Fields">'
            f"{renderer}{_aliases(aliases)}</qgis>")


def status_style_qml(field: str, words: Mapping[str, str], *,
                     aliases: Mapping[str, str]) -> str:
    """A QML style colouring polygons by the status in ``field`` (the web map's colours).

    Parameters
    ----------
    field
        Column holding status codes (``met``, ``not met``, ...).
    words
        Status code → legend label (in the run's language), in legend order.
    aliases
        Column → readable name, for every column of the layer.

    Returns
    -------
    str
        The QML document.
    """
    return _categorized(field, [(status, word, _style.STATUS_COLOURS.get(
        status, _style.STATUS_COLOURS["no data"])) for status, word in words.items()],
        aliases=aliases)


def _categorized(field: str, categories: Sequence[tuple[str, str, str]], *,
                 aliases: Mapping[str, str], alpha: int = 255) -> str:
    """QML of polygons coloured by the value of ``field``: (value, label, colour) each."""
    items, symbols = [], []
    for i, (value, word, colour) in enumerate(categories):
        items.append(f"<category value={quoteattr(value)} label={quoteattr(word)} "
                     f'symbol="{i}" render="true"/>')
        symbols.append(_fill_symbol(str(i), colour, alpha=alpha))
    renderer = (f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(field)} '
                'symbollevels="0" enableorderby="0" forceraster="0">'
                f"<categories>{''.join(items)}</categories>"
                f"<symbols>{''.join(symbols)}</symbols></renderer-v2>")
    return _document(renderer, aliases)


def run_catchments(result: Any) -> tuple[Any, list[LayerStyle], dict[str, str]] | None:
    """The run map's walking catchments as a GeoPackage layer (in the units' CRS), its style
    (one colour per scenario, as on the web map) and aliases; ``None`` without them."""
    from geoplan.errors import GeoplanError
    from geoplan.maps._transit import scenario_year, walking_scenarios

    try:
        scenarios = walking_scenarios(result.bundle, year=scenario_year(result.scorecard,
                                                                         result.as_of),
                                      today=result.as_of, lang=result.lang)
    except GeoplanError as exc:  # an optional layer: the GeoPackage is written without it
        logger.warning("no catchments layer in the GeoPackage: %s", exc)
        return None
    if scenarios is None:
        return None
    crs = result.units.crs if result.units is not None else scenarios.crs
    layer = scenarios.to_crs(crs)
    lang = result.lang
    aliases = {"scenario": label("catchment_scenario_code", lang),
               "label": label("catchment_scenario_name", lang),
               "stations": label("stations", lang),
               "people": label("catchment_people", lang),
               "distance_m": label("catchment_distance", lang)}
    colours = [_style.CATCHMENT_STYLES["catchment_network" if s == "now"
                                       else "catchment_scenario"]["fillColor"]
               for s in layer["scenario"]]
    qml = _categorized("scenario", list(zip(layer["scenario"], layer["label"], colours,
                                            strict=True)), aliases=aliases, alpha=110)
    return layer, [LayerStyle(label("catchment_network", lang), qml, default=True)], aliases


def value_style_qml(field: str, edges: Sequence[float], labels: Sequence[str], *,
                    aliases: Mapping[str, str]) -> str:
    """A QML style colouring polygons by value class (the web map's classes and ramp).

    Parameters
    ----------
    field
        Numeric column.
    edges
        Class edges as :func:`geoplan.maps._thematic._breaks` gives them (ascending; a
        repeated first edge is a class of that value alone).
    labels
        One legend label per class.
    aliases
        Column → readable name, for every column of the layer.

    Returns
    -------
    str
        The QML document.
    """
    ranges, symbols = [], []
    for i in range(len(edges) - 1):
        colour = _style.VALUE_RAMP[min(i, len(_style.VALUE_RAMP) - 1)]
        ranges.append(f'<range lower="{edges[i]!r}" upper="{edges[i + 1]!r}" '
                      f'label={quoteattr(labels[i])} symbol="{i}" render="true"/>')
        symbols.append(_fill_symbol(str(i), colour))
    renderer = (f'<renderer-v2 type="graduatedSymbol" attr={quoteattr(field)} '
                'graduatedMethod="GraduatedColor" symbollevels="0" enableorderby="0" '
                f'forceraster="0"><ranges>{"".join(ranges)}</ranges>'
                f"<symbols>{''.join(symbols)}</symbols></renderer-v2>")
    return _document(renderer, aliases)


#: Readable names of the units' own columns (i18n label keys).
_UNIT_COLUMNS = {"unit_id": "unit_id", "name": "name", "unit_type": "unit_type",
                 "is_inner": "inner", "population": "population"}


def run_styles(result: Any, *, slugs: Sequence[str] | None = None,
               ) -> tuple[list[LayerStyle], dict[str, str]]:
    """The styles and aliases of a run's ``units`` layer (``results.gpkg``).

    One style per target with values per unit, in scorecard order, the first applied on
    opening (the web map's first layer): units coloured by their status when the target is
    judged per unit, else by value class (the run's ``classes`` scheme, the web map's
    breaks and ramp). Counts (people, dwellings, areas) get no colour style: the web map
    draws them as proportional circles, which a polygon fill would misrepresent. Aliases name every column in the run's language: ``<target>:
    value``, ``<target>: status``, ...

    Parameters
    ----------
    result
        A :class:`geoplan.analyses.scorecard.RunResult` with ``units``.
    slugs
        Only the targets of these column prefixes (:func:`~geoplan.analyses.recipe.slugify`
        of their keys), e.g. one family's (:func:`family_layers`); default: every target.

    Returns
    -------
    tuple
        The styles and the column → alias mapping.
    """
    from geoplan.maps._thematic import _breaks, _titles

    units = result.units
    lang = result.lang
    aliases: dict[str, str] = {column: label(key, lang) for column, key in _UNIT_COLUMNS.items()
                               if column in units.columns}
    if "name_en" in units.columns:
        aliases["name_en"] = f"{label('name', lang)} (English)"
    titles = _titles(result, lang)
    targets = []  # (slug, title, unit) of the targets with values per unit
    for _, row in result.scorecard.iterrows():
        key = str(row["key"])
        slug = slugify(key)
        if f"{slug}_value" not in units.columns or (slugs is not None and slug not in slugs):
            continue
        title = titles.get(key) or str(row.get("title") or key)
        targets.append((slug, title, str(row.get("unit") or "")))
        for suffix in ("value", "status", "gap", "coverage"):
            if f"{slug}_{suffix}" in units.columns:
                extra = " (%)" if suffix == "coverage" else ""
                aliases[f"{slug}_{suffix}"] = f"{title}: {label(suffix, lang)}{extra}"
    from geoplan.maps._thematic import _EXTENSIVE_UNITS

    styles: list[LayerStyle] = []
    for slug, title, unit in targets:
        if unit in _EXTENSIVE_UNITS and f"{slug}_status" not in units.columns:
            continue  # a count: the web map draws circles, not coloured units
        if f"{slug}_status" in units.columns:
            present = set(units[f"{slug}_status"].astype(str))
            words = {st: label(st, lang) for st in _style.STATUS_COLOURS if st in present}
            qml = status_style_qml(f"{slug}_status", words, aliases=aliases)
        else:
            values = units[f"{slug}_value"].astype(float)
            if not np.isfinite(values).any():
                continue
            edges = _breaks(values, getattr(result, "classes", "quantiles"))
            names = []
            for i in range(len(edges) - 1):
                low, high = (format_number(edges[i], lang), format_number(edges[i + 1], lang))
                span = low if edges[i] == edges[i + 1] else f"{low}–{high}"
                names.append(f"{span} {unit_label(unit, lang)}".strip())
            qml = value_style_qml(f"{slug}_value", edges, names, aliases=aliases)
        styles.append(LayerStyle(title, qml, default=not styles))
    return styles, aliases


#: Layers of ``results.gpkg`` that are not a target family's.
_OWN_LAYERS = frozenset({"units", "catchments", "layer_styles"})
#: Columns of the units every family layer keeps beside its own.
_UNIT_KEEP = ("unit_id", "name", "name_en", "unit_type", "is_inner", "population")
#: Per-target columns, by suffix (see :mod:`geoplan.workflows.run`).
_SUFFIXES = ("value", "status", "gap", "coverage")


@dataclass(frozen=True)
class FamilyLayer:
    """One target family's layer of ``results.gpkg``: its name, columns, styles, aliases."""

    name: str
    columns: list[str]
    styles: list[LayerStyle]
    aliases: dict[str, str]


def family_layers(result: Any) -> list[FamilyLayer]:
    """One layer per target family (the targets of one ``target_id``: a goal and its years,
    scopes or per-unit twin) that has values per unit, in scorecard order.

    Each holds the units' identity columns and the family's own value, status, gap and
    coverage columns, with the family's styles (the first applied on opening) and aliases:
    a QGIS user opens one layer per theme instead of picking a style on the ``units`` layer,
    which keeps every column for scripts. The layer is named by the family's slug
    (``hn_tod_rail_coverage``); a slug that would name a layer of the file's own
    (``units``, ``catchments``, a GeoPackage table) gets the prefix ``target_``.

    Parameters
    ----------
    result
        A :class:`geoplan.analyses.scorecard.RunResult` with ``units``.

    Returns
    -------
    list of FamilyLayer
    """
    units = result.units
    families: dict[str, list[str]] = {}
    for key, family in zip(result.scorecard["key"], result.scorecard["target_id"],
                           strict=True):
        slug = slugify(str(key))
        if f"{slug}_value" in units.columns:
            families.setdefault(str(family), []).append(slug)
    layers = []
    for family, slugs in families.items():
        name = slugify(family)
        if name in _OWN_LAYERS or name.startswith(("gpkg_", "rtree_", "sqlite_")):
            name = f"target_{name}"
        own = [f"{slug}_{suffix}" for slug in slugs for suffix in _SUFFIXES
               if f"{slug}_{suffix}" in units.columns]
        columns = [c for c in _UNIT_KEEP if c in units.columns] + own
        styles, aliases = run_styles(result, slugs=slugs)
        kept = {c: a for c, a in aliases.items() if c in columns}
        layers.append(FamilyLayer(name, columns, styles, kept))
    return layers


def store_layer_styles(path: Path | str, layer: str, styles: Sequence[LayerStyle], *,
                       aliases: Mapping[str, str], when: date) -> None:
    """Write ``styles`` into the GeoPackage's ``layer_styles`` table and ``aliases`` into
    ``gpkg_data_columns``, for ``layer`` (written before, e.g. by
    :func:`geoplan.io.write_gpkg_layer`). Both tables are created when absent and
    registered as the GeoPackage standard asks; their dates are ``when``.

    Parameters
    ----------
    path
        The GeoPackage (modified in place: call it on a staged file).
    layer
        Layer (table) the styles and aliases describe.
    styles
        Saved styles; QGIS applies the one marked ``default``.
    aliases
        Column → readable name.
    when
        Date stamped on the rows and on ``gpkg_contents``.
    """
    stamp = f"{when.isoformat()}T00:00:00.000Z"
    with sqlite3.connect(path) as db:
        geometry = db.execute("SELECT column_name FROM gpkg_geometry_columns "
                              "WHERE table_name = ?", (layer,)).fetchone()
        db.execute("CREATE TABLE IF NOT EXISTS layer_styles (id INTEGER PRIMARY KEY "
                   "AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256), "
                   "f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), "
                   "styleQML TEXT, styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, "
                   "owner TEXT(30), ui TEXT(30), update_time DATETIME)")
        db.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, "
                   "description, last_change) VALUES ('layer_styles', 'attributes', "
                   "'layer_styles', 'QGIS styles', ?)", (stamp,))
        db.executemany(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, "
            "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, "
            "owner, ui, update_time) VALUES ('', '', ?, ?, ?, ?, '', ?, ?, 'geoplan', '', ?)",
            [(layer, geometry[0] if geometry else "", s.name, s.qml, int(s.default), s.name,
              stamp) for s in styles])
        db.execute("CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, "
                   "column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, "
                   "mime_type TEXT, constraint_name TEXT, "
                   "CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name))")
        db.execute("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, "
                   "column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL, "
                   "scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, "
                   "extension_name))")
        db.executemany(
            "INSERT OR IGNORE INTO gpkg_extensions (table_name, column_name, extension_name, "
            "definition, scope) VALUES (?, NULL, 'gpkg_schema', "
            "'http://www.geopackage.org/spec/#extension_schema', 'read-write')",
            [("gpkg_data_columns",)])
        db.executemany(
            "INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title, "
            "description) VALUES (?, ?, ?, ?, ?)",
            [(layer, column, alias, alias, alias) for column, alias in aliases.items()])
