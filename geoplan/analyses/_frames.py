"""Per-unit values of a result or an evaluation, joined to the administrative units.

:meth:`IndicatorResult.to_geodataframe <geoplan.analyses.result.IndicatorResult.to_geodataframe>`
and :meth:`TargetEvaluation.to_geodataframe
<geoplan.analyses.evaluate.TargetEvaluation.to_geodataframe>` (and their ``explore``) share
the code here: the units are aligned on ``unit_id`` (the index of ``admin_units`` and of every
per-unit table), never by position.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import pandas as pd

from geoplan.errors import ResultError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from geoplan.layers.bundle import Bundle

__all__ = ["explore_units", "units_by_id", "units_with"]

logger = logging.getLogger(__name__)

_UNIT_ID = "unit_id"
#: Units shown without a value (no value, or outside a layer's covered extent).
_NO_VALUE_STYLE: dict[str, Any] = {"color": "#969696", "fillColor": "#f0f0f0",
                                   "fillOpacity": 0.4, "weight": 0.5, "label": "no value"}


def units_by_id(units: Bundle | gpd.GeoDataFrame, *, what: str) -> gpd.GeoDataFrame:
    """The administrative units (a copy) indexed by text ``unit_id``.

    Parameters
    ----------
    units
        A bundle (its ``admin_units`` are read) or a GeoDataFrame of units indexed by
        ``unit_id`` or holding a ``unit_id`` column.
    what
        How to name the result in messages (``"indicator 'transit_coverage'"``).

    Returns
    -------
    geopandas.GeoDataFrame
        Indexed by ``unit_id`` (text, index name ``"unit_id"``), in the units' order.

    Raises
    ------
    ResultError
        If ``units`` is neither a bundle nor a GeoDataFrame, or has no ``unit_id``.
    LayerNotAvailableError
        If the bundle has no ``admin_units``.
    """
    import geopandas as gpd

    from geoplan.layers.bundle import Bundle

    if isinstance(units, Bundle):
        return units.admin_units
    if not isinstance(units, gpd.GeoDataFrame):
        message = (f"{what}: units must be a Bundle or the GeoDataFrame of its admin_units, "
                   f"not {type(units).__name__}; pass load_bundle(NAME) or bundle.admin_units")
        raise ResultError(message)
    frame = units.copy()
    if frame.index.name == _UNIT_ID:
        frame.index = pd.Index(frame.index.astype(str), name=_UNIT_ID)
        return frame
    if _UNIT_ID in frame.columns:
        frame.index = pd.Index(frame[_UNIT_ID].astype(str), name=_UNIT_ID)
        return frame
    columns = ", ".join(map(str, frame.columns)) or "none"
    message = (f"{what}: the units have no 'unit_id' (index {frame.index.name!r}, columns "
               f"{columns}); pass the bundle or its admin_units, whose index is 'unit_id'")
    raise ResultError(message)


def units_with(units: Bundle | gpd.GeoDataFrame, table: pd.DataFrame, *,
               what: str) -> gpd.GeoDataFrame:
    """The units with the columns of ``table`` (indexed by ``unit_id``) joined on ``unit_id``.

    Units ``table`` does not hold get NaN (``status`` ``"no data"``); columns of ``units``
    named like a column of ``table`` are replaced.

    Parameters
    ----------
    units
        See :func:`units_by_id`.
    table
        Per-unit values indexed by ``unit_id`` (``value``, and ``status``, ``gap``,
        ``coverage`` when known).
    what
        How to name the result in messages.

    Returns
    -------
    geopandas.GeoDataFrame

    Raises
    ------
    ResultError
        If ``table`` holds ids the units do not (units of another bundle, or of another
        version of it).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> units = gpd.GeoDataFrame({"unit_id": ["a", "b"]},  # SYNTHETIC
    ...     geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=32648)
    >>> table = pd.DataFrame({"value": [2.5]}, index=pd.Index(["b"], name="unit_id"))
    >>> units_with(units, table, what="example")["value"].tolist()
    [nan, 2.5]
    """
    import geopandas as gpd

    frame = units_by_id(units, what=what)
    ids = pd.Index(table.index.astype(str), name=_UNIT_ID)
    unknown = ids.difference(frame.index, sort=False)
    if len(unknown):
        shown = ", ".join(map(repr, unknown[:5])) + (", …" if len(unknown) > 5 else "")
        message = (f"{what}: {len(unknown)} of its {len(ids)} unit_id(s) are not among the "
                   f"{len(frame)} units given ({shown}); pass the admin_units of the bundle "
                   "the indicator was computed on")
        raise ResultError(message)
    aligned = table.set_axis(ids).reindex(frame.index)
    if "status" in aligned.columns:
        aligned["status"] = aligned["status"].astype(object).where(aligned["status"].notna(),
                                                                    "no data")
    joined = pd.concat([frame.drop(columns=[c for c in aligned.columns if c in frame.columns]),
                        aligned], axis=1)
    return gpd.GeoDataFrame(joined, geometry=frame.geometry.name, crs=frame.crs)


def explore_units(frame: gpd.GeoDataFrame, *, column: str, caption: str,
                  tiles: str | None, **kwargs: Any) -> folium.Map:
    """``frame.explore`` of ``column``: a choropleth of values, or status colours.

    Parameters
    ----------
    frame
        Units as :func:`units_with` gives them.
    column
        Column to colour by; ``"status"`` uses geoplan's status colours.
    caption
        Legend caption of a value column.
    tiles
        Basemap passed to :meth:`geopandas.GeoDataFrame.explore`; ``None`` loads no tiles.
    **kwargs
        Passed to :meth:`geopandas.GeoDataFrame.explore` (they win over the defaults here).

    Returns
    -------
    folium.Map

    Raises
    ------
    MissingExtraError
        If mapclassify (the ``explore`` extra) is not installed.
    """
    from geoplan._extras import require_extra
    from geoplan.maps._style import STATUS_COLOURS

    require_extra("mapclassify", what="explore() (geopandas' GeoDataFrame.explore)")
    shown = frame.reset_index(drop=True)  # unit_id stays a column; explore wants no clash
    tooltip = [c for c in ("unit_id", "name", column, "status", "gap", "coverage")
               if c in shown.columns]
    options: dict[str, Any] = {"tiles": tiles, "tooltip": list(dict.fromkeys(tooltip)),
                               "style_kwds": {"weight": 0.6}, "legend": True}
    if column == "status":
        present = list(dict.fromkeys(shown["status"].astype(str)))
        known = [s for s in STATUS_COLOURS if s in present]
        order = known + [s for s in present if s not in known]
        options |= {"categorical": True, "categories": order,
                    "cmap": [STATUS_COLOURS.get(s, "#756bb1") for s in order]}
    else:
        options |= {"cmap": "Blues", "missing_kwds": dict(_NO_VALUE_STYLE),
                    "legend_kwds": {"caption": caption}}
    options |= kwargs
    return shown.explore(column=column, **options)
