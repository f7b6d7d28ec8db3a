"""Interactive maps of a bundle's layers and of a run's targets, as self-contained HTML.

:func:`map_bundle` draws a bundle's layers; :func:`map_run` adds one choropleth per target
that has values per administrative unit, and a scorecard panel; :func:`save_map` writes one
HTML file that renders with no network (Leaflet is inlined; basemap tiles are optional).

>>> from geoplan.layers import load_bundle
>>> m = map_bundle(load_bundle("hanoi"), lang="en")  # doctest: +SKIP
>>> save_map(m, "maps/hanoi-layers.html")  # doctest: +SKIP
PosixPath('maps/hanoi-layers.html')
"""

from __future__ import annotations

import itertools
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import pandas as pd

from geoplan import _choices
from geoplan.analyses.evaluate import NO_DATA, STALE, status_label
from geoplan.errors import GeoplanError
from geoplan.io import atomic_write_text
from geoplan.layers import Bundle
from geoplan.maps import _base, _style
from geoplan.maps._base import (
    _as_bundle,
    _esc,
    _RunLike,
    _text,
)
from geoplan.maps._context import _ContextLayers
from geoplan.maps._elements import (
    Attribution,
    Dock,
    Follow,
    LayerControl,
    Panel,
)
from geoplan.maps._ranking import _RankingLayers
from geoplan.maps._thematic import _goal_texts, _ThematicLayers, _titles
from geoplan.maps._transit import _TransitLayers, scenario_year
from geoplan.analyses.wording import format_number, format_quantity
from geoplan.maps.i18n import OLD_DATA_MARK, PARTIAL_MARK, label

__all__ = [
    "CLASSES",
    "OSM_ATTRIBUTION",
    "TILES",
    "UnknownClassesError",
    "UnknownTilesError",
    "map_bundle",
    "map_ranking",
    "map_run",
    "save_map",
]

logger = logging.getLogger(__name__)

#: Basemap choices: ``none`` keeps the map offline; the others load tiles from the network.
TILES = _base.TILES
#: Classification schemes of value choropleths (mapclassify).
CLASSES = _choices.CLASSES
#: Attribution required by the ODbL for layers derived from OpenStreetMap.
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL"
UnknownTilesError = _base.UnknownTilesError


class UnknownClassesError(GeoplanError, ValueError):
    """A classification scheme that is not in :data:`CLASSES`, or breaks that are not
    numbers."""


def _check_classes(
    classes: str, breaks: Mapping[str, Sequence[float]] | None
) -> tuple[str, dict[str, list[float]]]:
    if classes not in CLASSES:
        message = f"unknown classes {classes!r}; use one of {', '.join(CLASSES)}"
        raise UnknownClassesError(message)
    checked: dict[str, list[float]] = {}
    problems = []
    for key, edges in (breaks or {}).items():
        try:
            checked[str(key)] = [float(e) for e in edges]
        except (TypeError, ValueError):
            problems.append(f"{key}: {edges!r}")
    if problems:
        message = ("class breaks must be lists of numbers per target key; not numbers: "
                   + "; ".join(problems))
        raise UnknownClassesError(message)
    return classes, checked


class _Builder(_ContextLayers, _TransitLayers, _ThematicLayers, _RankingLayers):
    """Collects layers, legend sections and attributions, then assembles the map."""

    def _attribution(self, role: str) -> str:
        entry = self.bundle.manifest.layers.get(role)
        if entry is None:
            return ""
        text = entry.attribution.strip()
        if not text and re.search(r"openstreetmap|\bosm\b", entry.source, re.IGNORECASE):
            text = OSM_ATTRIBUTION
        return text

    def _collect_attributions(self) -> list[str]:
        """Every credit once: the manifest's and the layers' texts split at ``;``, a credit
        that differs only by a trailing note in brackets counted as the same."""
        texts = [self.bundle.manifest.attribution.strip(),
                 *(self._attribution(role) for role in self.bundle.roles)]
        credits: OrderedDict[str, str] = OrderedDict()
        for text in texts:
            for part in (p.strip() for p in text.split(";")):
                key = re.sub(r"\s*\([^()]*\)$", "", part).casefold()
                if part and key not in credits:
                    credits[key] = part
        return [_esc(t) for t in credits.values()]

    def finish(self, *, title: str, subtitle: str, scorecard_html: str = "") -> folium.Map:
        for layer in self.base_layers:
            self.map.add_child(layer)
        for layer in self.overlays:
            self.map.add_child(layer)
        if self.labels is not None:
            self.map.add_child(self.labels)
        if self.timeline is not None:
            self.map.add_child(self.timeline)
        # collapsed: it opens on hover, click or keyboard focus (Leaflet's toggle button)
        LayerControl(collapsed=True, position="topright").add_to(self.map)
        self.map.add_child(Follow())
        attributions = self._collect_attributions()
        if attributions:
            self.map.add_child(Attribution(attributions))
        bounds = self._bounds()
        if bounds is not None:
            self.map.fit_bounds(bounds, padding=(12, 12))
        self.map.add_child(Panel(
            f'<div class="gp-panel gp-title"><h1>{_esc(title)}</h1>'
            f"<p>{_esc(subtitle)}</p></div>", key="title"))
        self.map.add_child(Panel(self._legend_html, key="legend"))
        if scorecard_html:
            self.map.add_child(Panel(scorecard_html, key="scorecard"))
        self.map.add_child(Dock(zoom_in=self._t("zoom_in"), zoom_out=self._t("zoom_out"),
                                layers=self._t("layers")))
        root: Any = self.map.get_root()
        root.title = _esc(title)  # branca writes it unescaped
        self.map.geoplan_lang = self.lang  # type: ignore[attr-defined]
        self.map.geoplan_bundle = self.bundle  # type: ignore[attr-defined]  # for save_map
        _stable_ids(self.map)
        return self.map

    def _legend_html(self) -> str:
        parts = [f'<details class="gp-panel gp-legend" open role="region" aria-label="'
                 f'{_esc(self._t("legend"))}"><summary>{_esc(self._t("legend"))}</summary>']
        for section in self.legend:
            attrs = ' class="gp-legend-section"'
            if section.base is not None:
                attrs += f' data-base="{_esc(section.base.get_name())}"'
            if section.layers:
                attrs += f' data-layers="{_ids(section.layers)}"'
            if section.hidden or (section.layers
                                  and not any(layer.show for layer in section.layers)):
                attrs += " hidden"
            heading = f"<h3>{section.title}</h3>" if section.title else ""
            parts.append(f"<section{attrs}>{heading}<ul>")
            for i, item in enumerate(section.items):
                layer = section.item_layers.get(i)
                if layer is None:
                    parts.append(f"<li>{item}</li>")
                else:
                    hidden = "" if layer.show else " hidden"
                    parts.append(f'<li data-layers="{_ids([layer])}"{hidden}>{item}</li>')
            parts.append("</ul>")
            parts.extend(f'<p class="gp-note">{note}</p>' for note in section.notes)
            parts.append("</section>")
        missing = self.bundle.missing
        if missing:
            parts.append(f'<section class="gp-legend-section"><h3>'
                         f'{_esc(self._t("missing_layers"))}</h3>')
            # the manifest's reasons are English (written by the build scripts, may name
            # files): an English reader sees them, a Vietnamese reader the label
            parts.extend(f'<p class="gp-note">{_esc(self._t(role))}: '
                         f'{_esc(reason if self.lang == "en" else self._t("layer_not_available"))}'
                         f'</p>' for role, reason in missing.items())
            parts.append("</section>")
        if self.tiles == "none":
            parts.append(f'<p class="gp-note">{_esc(self._t("no_tiles"))}</p>')
        parts.append("</details>")
        return "".join(parts)


def _ids(layers: list[Any]) -> str:
    """The element names of ``layers``, space-separated (a ``data-layers`` value)."""
    return " ".join(_esc(layer.get_name()) for layer in layers)


def _stable_ids(root: Any) -> None:
    """Give every element a sequential id so that the same inputs give the same HTML."""
    counter = itertools.count()

    def walk(element: Any) -> None:
        element._id = f"{next(counter):05d}"
        renamed: OrderedDict[str, Any] = OrderedDict()
        for key, child in element._children.items():
            old = child.get_name()
            walk(child)
            renamed[child.get_name() if key == old else key] = child
        element._children = renamed

    walk(root)


def _title_of(result: Any, lang: str) -> str:
    recipe = getattr(result, "recipe", None)
    title = getattr(recipe, "title", None)
    if title is not None and hasattr(title, "get"):
        return str(title.get(lang))
    return label("map_title_run", lang)


def _scorecard_html(result: _RunLike, lang: str) -> str:
    table = result.scorecard
    titles = _titles(result, lang)
    goals = _goal_texts(result, lang)
    head = [label(k, lang) for k in ("target", "value", "status", "gap", "year", "source")]
    head[0] = label("indicator", lang)
    parts = [f'<details class="gp-panel gp-scorecard"><summary>'
             f'{_esc(label("scorecard", lang))}</summary><table><thead><tr>']
    parts.extend(f"<th>{_esc(h)}</th>" for h in head)
    parts.append("</tr></thead><tbody>")
    for _, row in table.iterrows():
        key = _text(row.get("key"))
        status = _text(row.get("status")) or NO_DATA
        data_date = _text(row.get("data_date"))
        colour = _style.STATUS_COLOURS.get(status, _style.STATUS_COLOURS[NO_DATA])
        value: Any = row.get("value")
        unit = _text(row.get("unit"))
        shown = (format_quantity(float(value), unit, lang) if _text(value)
                 else label(NO_DATA, lang))
        if _text(value) and _text(row.get("coverage")) == "partial":
            shown += f" {PARTIAL_MARK} {format_number(float(row['coverage_pct']), lang)} %"
        if _text(value) and status == STALE:
            shown += f" {OLD_DATA_MARK} {data_date}"
        gap: Any = row.get("gap")
        gap_text = format_number(float(gap), lang) if _text(gap) else ""
        title = titles.get(key) or _text(row.get("title")) or key
        parts.append(
            f"<tr><td>{_esc(title)}<br><small>{_esc(label('target', lang))}: "
            f"{_esc(goals.get(key) or _text(row.get('target')))}</small></td>"
            f'<td class="gp-num">{_esc(shown)}</td>'
            f'<td><span class="gp-badge gp-status" data-key="{_esc(key)}" '
            f'data-status="{_esc(status)}" style="background:{colour}">'
            f"{_esc(status_label(status, lang, data_date=data_date))}</span></td>"
            f'<td class="gp-num">{_esc(gap_text)}</td>'
            f"<td>{_esc(_text(row.get('year')))}</td>"
            f"<td>{_esc(_text(row.get('source')))}</td></tr>"
        )
    parts.append("</tbody></table></details>")
    return "".join(parts)


# -- public API ------------------------------------------------------------------------------
def map_bundle(
    bundle: Bundle | str | os.PathLike[str], *, lang: str = "vi", tiles: str = "none"
) -> folium.Map:
    """Draw a bundle's layers on an interactive map.

    Shows the administrative units, the river axis and corridors, water and green space when
    present, metro lines (coloured by line; solid operating, dashed under construction,
    dotted planned; approximate alignments flagged), stations, straight-line transit
    catchments, a legend, a layer control, a title and the data attributions.

    Parameters
    ----------
    bundle
        A :class:`~geoplan.layers.Bundle`, a bundle name or a bundle folder.
    lang
        ``"vi"`` (default) or ``"en"``: language of the fixed labels.
    tiles
        ``"none"`` (default: no basemap, works offline), ``"osm"`` or ``"carto"`` (a tile
        layer that needs the network).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map` to get a self-contained HTML file.

    Raises
    ------
    UnknownLanguageError, UnknownTilesError
        For a ``lang`` or ``tiles`` value that is not supported.
    BundleNotFoundError, LayerValidationError
        If the bundle cannot be opened or a layer is broken.

    Examples
    --------
    >>> m = map_bundle("hanoi", lang="en")  # doctest: +SKIP
    >>> type(m).__mro__[1].__name__  # doctest: +SKIP
    'Map'
    """
    the_bundle = _as_bundle(bundle)
    builder = _Builder(the_bundle, lang=lang, tiles=tiles)
    builder.add_units_base(show=True)
    builder.add_context()
    builder.add_catchments()
    builder.add_transit()
    title = the_bundle.manifest.title or the_bundle.name
    return builder.finish(title=title, subtitle=label("map_title_bundle", builder.lang))


def map_ranking(
    bundle: Bundle | str | os.PathLike[str], table: pd.DataFrame, *, lang: str = "vi",
    tiles: str = "none",
) -> folium.Map:
    """Draw a ranking of a plan's lines: the lines coloured by rank, over the bundle's units.

    The ranked plan's planned lines (:func:`geoplan.analyses.ranking.rank_planned_lines`)
    form one layer, coloured from dark (rank 1: most people added per km) to light, lines
    without a rank grey and dotted; each line's popup gives its rank, length, stations
    (measured), people added and people added per km. The lines in service and the
    bundle's other layers are drawn beneath it as on :func:`map_bundle`.

    Parameters
    ----------
    bundle
        The bundle the ranking was computed on.
    table
        The ranking (its ``attrs`` give the plan, the walking distance and the method).
    lang, tiles
        As for :func:`map_bundle`.

    Returns
    -------
    folium.Map

    Raises
    ------
    UnknownLanguageError, UnknownTilesError
        For a ``lang`` or ``tiles`` value that is not supported.

    Examples
    --------
    >>> from geoplan.analyses.ranking import rank_planned_lines  # doctest: +SKIP
    >>> m = map_ranking("hanoi", rank_planned_lines("hanoi", plan="QĐ 1668"))  # doctest: +SKIP
    """
    the_bundle = _as_bundle(bundle)
    builder = _Builder(the_bundle, lang=lang, tiles=tiles)
    builder.add_units_base(show=True)
    builder.add_context()
    builder.add_transit()
    builder.add_ranking(table)
    distance = format_number(float(table.attrs.get("distance_m", float("nan"))), builder.lang)
    title = f"{label('ranking_title', builder.lang)}: {table.attrs.get('plan', '')}"
    subtitle = label("ranking_subtitle", builder.lang).format(distance=distance)
    return builder.finish(title=title, subtitle=subtitle)


def map_run(result: _RunLike, *, lang: str = "vi", tiles: str = "none",
            progress: pd.DataFrame | None = None, classes: str = "quantiles",
            breaks: Mapping[str, Sequence[float]] | None = None,
            progress_history: Mapping[str, pd.DataFrame] | None = None) -> folium.Map:
    """Draw a run: the bundle's layers, one choropleth per per-unit target, a scorecard.

    Each target with values per administrative unit becomes a base layer (one shown at a
    time): when the target is judged per unit, units are coloured by status (met / partly /
    not met / no data); otherwise by value class, with the city-wide target in the legend.
    Tooltips and popups give the unit's name, value, target, status, gap, year and source.
    With ``progress`` (from :func:`geoplan.monitor.progress_frame`), one *progress* base
    layer per monitored target comes first and is shown first: units coloured by on-track
    status (achieved / on track / behind / no data).

    Parameters
    ----------
    result
        A :class:`geoplan.analyses.scorecard.RunResult` (``bundle``, ``scorecard``, ``units``,
        ``recipe``, ``as_of``, ``evaluations`` are read).
    lang
        ``"vi"`` (default) or ``"en"``.
    tiles
        ``"none"`` (default), ``"osm"`` or ``"carto"``.
    progress
        Progress rows of monitored targets (``geoplan monitor`` draws them), or ``None``.
    classes
        How values of targets not judged per unit are classed (mapclassify):
        ``"quantiles"`` (default), ``"natural_breaks"`` (Fisher–Jenks) or
        ``"equal_interval"``; the scheme is named in the legend. Counts (people, stations,
        dwellings, areas) are drawn as proportional circles instead.
    breaks
        User-chosen class breaks (upper edges) per target key, overriding ``classes``.
    progress_history
        Progress rows on each snapshot date (ISO date → frame as ``progress``, oldest
        first, the last being ``progress``'s date): a date slider then shows each date's
        statuses on the progress layers (``geoplan monitor`` passes its history).

    Returns
    -------
    folium.Map

    Raises
    ------
    UnknownLanguageError, UnknownTilesError
        For a ``lang`` or ``tiles`` value that is not supported.
    UnknownClassesError
        For a ``classes`` value that is not in :data:`CLASSES`, or ``breaks`` that are not
        numbers.

    Examples
    --------
    >>> from geoplan.workflows.run import run_recipe  # doctest: +SKIP
    >>> m = map_run(run_recipe("analyses/hanoi-02-nq-tw.yaml"))  # doctest: +SKIP
    """
    builder = _Builder(result.bundle, lang=lang, tiles=tiles)
    builder.classes, builder.user_breaks = _check_classes(classes, breaks)
    builder.as_of = getattr(result, "as_of", None)
    builder.scenario_year = scenario_year(result.scorecard, builder.as_of)
    builder.add_units_base(show=True)
    n = (builder.add_progress(progress, history=progress_history) if progress is not None
         else 0)
    n += builder.add_choropleths(result, show_first=n == 0)
    if n and builder.units_section is not None and builder.units_section.base is not None:
        # the first choropleth is shown at first; the plain units stay in the layer control
        builder.units_section.base.show = False
        builder.units_section.hidden = True
    builder.add_context()
    builder.add_catchments(show=n == 0)  # the choropleth is the subject of a run map
    builder.add_transit()
    as_of = getattr(result, "as_of", None)
    subtitle = label("map_title_run", builder.lang)
    if as_of is not None:
        subtitle += f" · {label('as_of', builder.lang)}: {as_of}"
    fmap = builder.finish(title=_title_of(result, builder.lang), subtitle=subtitle,
                          scorecard_html=_scorecard_html(result, builder.lang))
    recipe_path = getattr(getattr(result, "recipe", None), "path", None)
    fmap.geoplan_recipe = recipe_path  # type: ignore[attr-defined]  # for save_map
    return fmap


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically.

    Parameters
    ----------
    m
        A map from :func:`map_bundle` or :func:`map_run`.
    path
        Output file (its folder is created).

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    OutputError
        If the file cannot be written; a previous file at ``path`` is left as it was. Also
        when ``path`` is a file of the bundle the map shows (or a link to one), lies in that
        bundle's folder, or is a device, FIFO, socket, folder or symbolic link
        (:func:`geoplan.io.check_output`).

    Examples
    --------
    >>> save_map(map_bundle("hanoi"), "maps/hanoi.html")  # doctest: +SKIP
    PosixPath('maps/hanoi.html')
    """
    target = Path(path)
    text = m.get_root().render()
    lang = getattr(m, "geoplan_lang", None)
    if lang is not None:
        text = text.replace("<html>", f'<html lang="{lang}">', 1)
    shown = getattr(m, "geoplan_bundle", None)
    if isinstance(shown, Bundle):  # the map never replaces the bundle it shows
        from geoplan.provenance import inputs_protected

        recipe = getattr(m, "geoplan_recipe", None)
        with inputs_protected(recipe, shown):
            atomic_write_text(target, text)
    else:
        atomic_write_text(target, text)
    logger.debug("map written to %s (%.1f kB)", target, len(text.encode("utf-8")) / 1000)
    return target
