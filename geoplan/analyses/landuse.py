"""Land-use ratios of the urban-classification standards, and road area from the street network.

``urban_land_ratio`` (%)
    Urban construction land ÷ natural land, where natural land is the total area of the
    administrative units (a bundle without ``admin_units``: the city boundary as one unit,
    no inner-city value) and urban construction land the dissolved ``land_use`` polygons of
    the classes in :data:`URBAN_CONSTRUCTION_CLASSES`.
``transport_land_ratio`` (%)
    Transport land ÷ urban construction land. Transport land = ``land_use`` polygons of
    :data:`TRANSPORT_CLASSES` plus, with ``road_estimate=True`` and a ``street_network``, the
    estimated carriageway area of streets running inside urban construction land outside
    those polygons (OpenStreetMap maps few road areas as ``landuse``). It needs ``land_use``
    for the denominator (no data otherwise); with the road estimate the result is flagged
    ``estimate`` and only units the street network covers have a value.
``road_area`` (km²)
    Estimated carriageway area per unit: street length inside the unit × the assumed width
    of its ``highway`` class (:data:`ROAD_WIDTHS_M`); ``estimate`` is always True and units
    the street network does not cover have no value (NaN).

Coverage
--------
``land_use`` and ``street_network`` know nothing outside their covered extents (the one
coverage rule, :func:`geoplan.analyses._population.layer_coverage`): a unit mostly outside
has no value (NaN, never zero); a unit partly inside gets the ratio (or road area) over its
part inside, flagged partial; ``IndicatorResult.city_coverage`` is the share of the city's
area the value rests on.

Land-use classes
----------------
``land_use`` values are matched case-insensitively. Two vocabularies are recognised: the
OpenStreetMap ``landuse=*`` tag values written by ``geoplan import-osm`` and the codes of the
Vietnamese land-use classification (Thông tư 08/2024/TT-BTNMT, e.g. ``ODT`` urban residential,
``DGT`` transport). Urban construction land follows the spirit of QCVN 01:2021/BXD (land
built for urban functions: housing, services, industry, public works, transport); farmland,
forest, grass, water and cemeteries are not counted. Both lists are options.

Road widths (assumptions, not a cited standard)
-----------------------------------------------
Carriageway only (no pavements), from typical lane counts × lane widths of 3.0–3.75 m:
motorway 22.5 m (6 × 3.75), trunk 15 m (4 × 3.75), primary 14 m (4 × 3.5), secondary 10.5 m
(3 × 3.5), tertiary 7 m (2 × 3.5), unclassified and residential 6 m (2 × 3.0), living
street, service and pedestrian 4 m, track 3 m, footway/path/cycleway/steps 1.5 m, any other
class 3 m; ``*_link`` ramps take their parent's width. Lengths are measured in the metric
CRS; overlaps at crossings are counted twice (a small overestimate); a street on a unit
border is shared half-half.

>>> from geoplan.layers import load_bundle
>>> road_area(load_bundle("hanoi")).estimate                           # doctest: +SKIP
True
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

import numpy as np
import pandas as pd
import shapely
from pydantic import Field

from geoplan.analyses._population import (
    LayerCoverage,
    area_units,
    check_option_values,
    coverage_fields,
    fold,
    layer_coverage,
    missing_result,
    resolve_as_of,
    resting_area,
    scope_values,
    unit_frame,
)
from geoplan.analyses.registry import indicator
from geoplan.analyses.result import IndicatorResult
from geoplan.errors import GeoplanError, RecipeError

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from geoplan.layers import Bundle

__all__ = [
    "MAX_ROAD_WIDTH_M",
    "ROAD_WIDTHS_M",
    "TRANSPORT_CLASSES",
    "URBAN_CONSTRUCTION_CLASSES",
    "class_union",
    "road_area",
    "road_widths",
    "transport_land_ratio",
    "urban_land_ratio",
]

logger = logging.getLogger(__name__)

#: ``land_use`` values counted as transport land (OSM tags and Vietnamese codes).
TRANSPORT_CLASSES: frozenset[str] = frozenset({
    "railway", "transportation", "transport", "highway", "road", "parking", "dgt",
})
#: ``land_use`` values counted as urban construction land (transport classes included).
URBAN_CONSTRUCTION_CLASSES: frozenset[str] = frozenset({
    # OpenStreetMap landuse=*
    "residential", "commercial", "retail", "industrial", "construction", "institutional",
    "education", "religious", "military", "garages", "brownfield", "depot", "port", "civic",
    "government", "healthcare", "recreation_ground", "landfill",
    # Vietnamese land-use codes (TT 08/2024/TT-BTNMT)
    "odt", "tmd", "skc", "skk", "skn", "tsc", "dgd", "dyt", "dvh", "dtt", "dkh", "dxh", "cqp",
    "can", "dkv", "dch", "dnl", "dbv", "ton", "tin",
}) | TRANSPORT_CLASSES

#: Assumed carriageway width (m) per OSM ``highway`` class (see the module docstring).
ROAD_WIDTHS_M: dict[str, float] = {
    "motorway": 22.5, "trunk": 15.0, "primary": 14.0, "secondary": 10.5, "tertiary": 7.0,
    "unclassified": 6.0, "residential": 6.0, "living_street": 4.0, "service": 4.0,
    "pedestrian": 4.0, "track": 3.0, "footway": 1.5, "path": 1.5, "cycleway": 1.5,
    "steps": 1.5,
}
_DEFAULT_WIDTH_M = 3.0
#: Street classes a ``widths`` option may set: the table's, ``*`` (any other class) and the
#: other OSM ``highway=*`` values of ways that carry traffic or people.
HighwayClass = Literal[
    "motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential",
    "living_street", "service", "pedestrian", "track", "footway", "path", "cycleway", "steps",
    "road", "busway", "bus_guideway", "bridleway", "corridor", "escape", "raceway",
    "construction", "*"]
#: Widest carriageway a ``widths`` option may give (m): a 12-lane motorway is about 45 m.
MAX_ROAD_WIDTH_M = 100.0
#: A carriageway width option: more than 0 and at most :data:`MAX_ROAD_WIDTH_M` metres.
RoadWidth = Annotated[float, Field(gt=0, le=MAX_ROAD_WIDTH_M, allow_inf_nan=False)]


def road_widths(name: str, widths: Mapping[Any, Any] | None) -> dict[str, float]:
    """The width table of indicator ``name``: :data:`ROAD_WIDTHS_M` updated by ``widths``.

    ``load_recipe`` checks a recipe's ``widths`` against the option's type (street classes of
    :data:`HighwayClass`, widths of :data:`RoadWidth`); this checks a Python caller's too.

    Raises
    ------
    RecipeError
        For a street class geoplan does not know (with the closest one) or a width that is not
        a number in (0, 100] m: both would give a confident wrong area.

    Examples
    --------
    >>> road_widths("road_area", {"residential": 5})["residential"]
    5.0
    """
    import difflib

    known = get_args(HighwayClass)
    problems = []
    for key, value in (widths or {}).items():
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"street class {key!r}{hint} is not one geoplan knows; use one of "
                            f"{', '.join(known)}")
        try:
            width = float(value)
        except (TypeError, ValueError):
            width = float("nan")
        if not 0 < width <= MAX_ROAD_WIDTH_M:  # NaN fails too
            problems.append(f"width {value!r} for {key!r} is not a number of metres in "
                            f"(0, {MAX_ROAD_WIDTH_M:g}]")
    if problems:
        message = f"{name}: option widths: {'; '.join(problems)}"
        raise RecipeError(message)
    return {**ROAD_WIDTHS_M, **{k: float(v) for k, v in (widths or {}).items()}}


def _lower(values: Sequence[str] | frozenset[str] | None, default: frozenset[str]) -> set[str]:
    return {fold(v) for v in (values if values is not None else default)}


def class_union(bundle: Bundle, crs: CRS, classes: set[str]) -> Any:
    """Dissolved ``land_use`` polygons whose class is in ``classes`` (lower case), in ``crs``."""
    land = bundle.land_use.to_crs(crs)
    kind = land["land_use"].map(fold)
    geoms = land.geometry.to_numpy()[kind.isin(classes).to_numpy()]
    geoms = geoms[~shapely.is_empty(geoms) & ~shapely.is_missing(geoms)]
    return shapely.union_all(geoms) if len(geoms) else shapely.Polygon()


def _area_in_units(units: gpd.GeoDataFrame, geom: Any) -> np.ndarray:
    geoms = units.geometry.to_numpy()
    out = np.zeros(len(geoms))
    if shapely.is_empty(geom):
        return out
    shapely.prepare(geom)
    hit = np.flatnonzero(shapely.intersects(geom, geoms))
    out[hit] = shapely.area(shapely.intersection(geoms[hit], geom))
    return out


def _width(highway: Any, widths: Mapping[str, float]) -> float:
    text = str(highway or "").strip().strip("[]").split(",")[0].strip().strip("'\"").lower()
    text = text.removesuffix("_link")
    return float(widths.get(text, widths.get("*", _DEFAULT_WIDTH_M)))


def _street_lengths(units: gpd.GeoDataFrame, streets: gpd.GeoDataFrame,
                    within: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (unit position, street position, metres of street in the unit [∩ within]).

    A street lying on a border shared by two units is split equally between them (its
    clipped pieces are scaled so that they add up to its length).
    """
    ugeoms = units.geometry.to_numpy()
    lines = streets.geometry.to_numpy()
    tree = shapely.STRtree(lines)
    ui, si = tree.query(ugeoms, predicate="intersects")
    if not len(ui):
        return ui, si, np.zeros(0)
    clipped = shapely.length(shapely.intersection(lines[si], ugeoms[ui]))
    total = np.bincount(si, weights=clipped, minlength=len(lines))
    length = shapely.length(lines)
    share = np.where(total > length * (1 + 1e-9), length / np.where(total > 0, total, 1.0), 1.0)
    if within is not None:
        zone = shapely.intersection(ugeoms, within)
        clipped = shapely.length(shapely.intersection(lines[si], zone[ui]))
    return ui, si, clipped * share[si]


def _area_missing(bundle: Bundle, name: str, unit: str,
                  params: dict[str, Any]) -> IndicatorResult | None:
    """No data when ``land_use`` is absent, or neither ``admin_units`` nor a boundary is."""
    absent = missing_result(bundle, name, unit, ("land_use",), params=params)
    if absent is not None or bundle.has("admin_units") or bundle.has("city_boundary"):
        return absent
    return missing_result(bundle, name, unit, ("admin_units", "city_boundary"), params=params)


def _units_note(administrative: bool) -> str:
    return "" if administrative else (
        " No admin_units: the city boundary is the one unit (no inner-city value).")


def _share_note(coverage: LayerCoverage, fields: dict[str, Any]) -> str:
    if coverage.is_full:
        return ""
    share = fields["city_coverage"]
    return ("" if share is None else
            f" The city value rests on {100 * share:.1f} % of the city's area.")


def _road_area_m2(bundle: Bundle, units: gpd.GeoDataFrame, widths: Mapping[str, float],
                  within: Any = None) -> tuple[np.ndarray, pd.DataFrame]:
    streets = bundle.street_network.to_crs(units.crs)
    width = np.array([_width(h, widths) for h in streets["highway"].to_numpy()]) \
        if "highway" in streets.columns else np.full(len(streets), _DEFAULT_WIDTH_M)
    ui, si, length = _street_lengths(units, streets, within)
    area = np.bincount(ui, weights=length * width[si], minlength=len(units))
    cls = streets["highway"].astype(str).to_numpy() if "highway" in streets.columns \
        else np.full(len(streets), "")
    by_class = pd.DataFrame({"highway": cls[si], "length_m": length,
                             "width_m": width[si], "area_m2": length * width[si]})
    by_class = by_class.groupby(["highway", "width_m"], as_index=False)[
        ["length_m", "area_m2"]].sum().sort_values("area_m2", ascending=False)
    return area, by_class.reset_index(drop=True)


@indicator("urban_land_ratio", unit="%", layers=("admin_units", "land_use"),
           scopes=("city", "inner", "unit"),
           description="urban construction land ÷ natural land")
def urban_land_ratio(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    urban_classes: Sequence[str] | None = None,
) -> IndicatorResult:
    """Urban construction land as a share (%) of natural land (total unit area).

    Parameters
    ----------
    bundle
        Bundle with ``admin_units`` and ``land_use``.
    as_of
        Accepted for the common signature.
    urban_classes
        ``land_use`` values counted as urban construction land (default
        :data:`URBAN_CONSTRUCTION_CLASSES`).

    Returns
    -------
    IndicatorResult
        % per unit, inner and city; ``details["per_unit"]`` with the areas. No data naming
        ``land_use`` when it is missing.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> urban_land_ratio(load_bundle("hanoi")).is_no_data               # doctest: +SKIP
    True
    """
    name, unit = "urban_land_ratio", "%"
    classes = _lower(urban_classes, URBAN_CONSTRUCTION_CLASSES)
    params: dict[str, Any] = {"as_of": resolve_as_of(as_of).isoformat(),
                              "urban_classes": sorted(classes)}
    absent = _area_missing(bundle, name, unit, params)
    if absent is not None:
        return absent
    if urban_classes is not None:
        check_option_values(bundle, ("land_use",), "land_use", urban_classes,
                            option="urban_classes", indicator=name)
    crs = bundle.metric_crs
    units, administrative = area_units(bundle, crs=crs)
    coverage = layer_coverage(bundle, "land_use", units)
    urban = _area_in_units(units, coverage.clip(class_union(bundle, crs, classes)))
    available = coverage.has_value
    urban_m2 = pd.Series(np.where(available, urban, np.nan), index=units.index)
    known = resting_area(units, coverage)
    land = known.where(available)
    values = (100.0 * urban_m2 / land).where(land > 0)
    city, inner = scope_values(units, urban_m2, land, scale=100.0)
    table = pd.DataFrame({"name": units["name"].astype(str), "is_inner": units["is_inner"],
                          "unit_area_m2": units["area_m2"], "natural_land_m2": land,
                          "urban_construction_m2": urban_m2, "ratio_pct": values,
                          "inside_share": coverage.share, "coverage_state": coverage.state,
                          "has_data": available}, index=units.index)
    fields = coverage_fields(units, coverage, known, units["area_m2"], basis="area")
    method = (
        "Σ area of dissolved land_use polygons of urban-construction classes ÷ Σ area of the "
        "units (natural land), metric CRS; a unit partly inside the land_use extent: both "
        "over its part inside." + _units_note(administrative) + coverage.describe()
        + _share_note(coverage, fields)
    )
    return IndicatorResult(name, unit, city=city, inner=inner,
                           per_unit=values.rename(name) if administrative else None,
                           details={"per_unit": table}, method=method, params=params, **fields)


@indicator("transport_land_ratio", unit="%", layers=("admin_units", "land_use"),
           scopes=("city", "inner", "unit"),
           description="transport land ÷ urban construction land")
def transport_land_ratio(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    urban_classes: Sequence[str] | None = None,
    transport_classes: Sequence[str] | None = None,
    road_estimate: bool = True,
    widths: Mapping[HighwayClass, RoadWidth] | None = None,
) -> IndicatorResult:
    """Transport land as a share (%) of urban construction land.

    Parameters
    ----------
    bundle
        Bundle with ``admin_units`` and ``land_use`` (and optionally ``street_network``).
    as_of
        Accepted for the common signature.
    urban_classes, transport_classes
        ``land_use`` values of each kind (defaults :data:`URBAN_CONSTRUCTION_CLASSES`,
        :data:`TRANSPORT_CLASSES`); transport classes count as urban construction land too.
    road_estimate
        Add the estimated carriageway area of streets inside urban construction land and
        outside transport polygons (needs ``street_network``; flags the result as estimate).
    widths
        Widths (m) per ``highway`` class overriding :data:`ROAD_WIDTHS_M` (key ``"*"`` for
        the default).

    Returns
    -------
    IndicatorResult
        % per unit, inner and city; no data naming ``land_use`` when it is missing.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> transport_land_ratio(load_bundle("hanoi")).no_data.missing      # doctest: +SKIP
    ('land_use',)
    """
    name, unit = "transport_land_ratio", "%"
    transport = _lower(transport_classes, TRANSPORT_CLASSES)
    urban = _lower(urban_classes, URBAN_CONSTRUCTION_CLASSES) | transport
    table_widths = road_widths(name, widths)
    params: dict[str, Any] = {"as_of": resolve_as_of(as_of).isoformat(),
                              "urban_classes": sorted(urban),
                              "transport_classes": sorted(transport),
                              "road_estimate": road_estimate, "widths": table_widths}
    absent = _area_missing(bundle, name, unit, params)
    if absent is not None:
        return absent
    for option, given in (("urban_classes", urban_classes),
                          ("transport_classes", transport_classes)):
        if given is not None:
            check_option_values(bundle, ("land_use",), "land_use", given, option=option,
                                indicator=name)
    crs = bundle.metric_crs
    units, administrative = area_units(bundle, crs=crs)
    with_roads = road_estimate and bundle.has("street_network")
    try:
        coverage = layer_coverage(
            bundle, ("land_use", "street_network") if with_roads else ("land_use",), units)
    except GeoplanError as exc:
        return IndicatorResult.missing(name, unit, ("street_network",),
                                       f"street_network cannot be used: {exc}", params=params)
    u_geom = coverage.clip(class_union(bundle, crs, urban))
    t_geom = coverage.clip(class_union(bundle, crs, transport))
    urban_m2 = _area_in_units(units, u_geom)
    transport_m2 = _area_in_units(units, t_geom)
    available = coverage.has_value
    road_m2 = np.zeros(len(units))
    estimate = False
    notes = ""
    by_class = None
    if with_roads:
        streets_zone = shapely.difference(u_geom, t_geom) if not shapely.is_empty(t_geom) \
            else u_geom
        road_m2, by_class = _road_area_m2(bundle, units, table_widths, within=streets_zone)
        estimate = True
        notes = (" Plus estimated carriageway area of street_network edges inside urban "
                 "land outside transport polygons (length × assumed width per class); only "
                 "where both land_use and the street network are known.")
    elif road_estimate:
        notes = " No street_network: transport land from land_use polygons only."
    transport_total = pd.Series(np.where(available, transport_m2 + road_m2, np.nan),
                                index=units.index)
    urban_total = pd.Series(np.where(available, urban_m2, np.nan), index=units.index)
    values = (100.0 * transport_total / urban_total).where(urban_total > 0)
    city, inner = scope_values(units, transport_total, urban_total, scale=100.0)
    table = pd.DataFrame({"name": units["name"].astype(str), "is_inner": units["is_inner"],
                          "urban_construction_m2": urban_total,
                          "transport_polygons_m2": np.where(available, transport_m2, np.nan),
                          "road_estimate_m2": np.where(available, road_m2, np.nan),
                          "ratio_pct": values, "inside_share": coverage.share,
                          "coverage_state": coverage.state, "has_data": available},
                         index=units.index)
    details = {"per_unit": table}
    if by_class is not None:
        details["roads_by_class"] = by_class
    fields = coverage_fields(units, coverage, resting_area(units, coverage), units["area_m2"],
                             basis="area")
    method = (
        "Σ transport land ÷ Σ urban construction land (dissolved land_use polygons by class, "
        "metric CRS); a unit partly inside the layers' extents: both over its part inside."
        + notes + _units_note(administrative) + coverage.describe()
        + _share_note(coverage, fields)
    )
    return IndicatorResult(name, unit, city=city, inner=inner,
                           per_unit=values.rename(name) if administrative else None,
                           details=details, method=method, params=params, estimate=estimate,
                           **fields)


@indicator("road_area", unit="km2", layers=("admin_units", "street_network"),
           scopes=("city", "inner", "unit"),
           description="estimated road (carriageway) area from the street network")
def road_area(
    bundle: Bundle,
    *,
    as_of: _dt.date | None = None,
    widths: Mapping[HighwayClass, RoadWidth] | None = None,
) -> IndicatorResult:
    """Estimated carriageway area (km²) per unit from street lengths × widths per class.

    Parameters
    ----------
    bundle
        Bundle with ``admin_units`` and ``street_network``.
    as_of
        Accepted for the common signature.
    widths
        Widths (m) per ``highway`` class overriding :data:`ROAD_WIDTHS_M` (``"*"``: default).

    Returns
    -------
    IndicatorResult
        km² per unit (NaN where the network does not cover the unit), inner and city sums
        over covered units; ``estimate`` True; ``details["by_class"]``.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> road_area(load_bundle("hanoi")).unit                            # doctest: +SKIP
    'km2'
    """
    name, unit = "road_area", "km2"
    table_widths = road_widths(name, widths)
    params: dict[str, Any] = {"as_of": resolve_as_of(as_of).isoformat(), "widths": table_widths}
    absent = missing_result(bundle, name, unit, ("admin_units", "street_network"),
                            params=params, estimate=True)
    if absent is not None:
        return absent
    units = unit_frame(bundle)
    try:
        coverage = layer_coverage(bundle, "street_network", units)
    except GeoplanError as exc:
        return IndicatorResult.missing(name, unit, ("street_network",),
                                       f"street_network cannot be used: {exc}", params=params,
                                       estimate=True)
    in_net = coverage.has_value
    area_m2, by_class = _road_area_m2(bundle, units, table_widths, within=coverage.known)
    km2 = pd.Series(np.where(in_net, area_m2 / 1e6, np.nan), index=units.index)
    city = float(km2[in_net].sum()) if in_net.any() else None
    inner_ok = in_net & units["is_inner"]
    inner = float(km2[inner_ok].sum()) if inner_ok.any() else None
    table = pd.DataFrame({"name": units["name"].astype(str), "is_inner": units["is_inner"],
                          "road_area_km2": km2, "unit_area_km2": units["area_m2"] / 1e6,
                          "network_covered": in_net, "inside_share": coverage.share,
                          "coverage_state": coverage.state}, index=units.index)
    fields = coverage_fields(units, coverage, resting_area(units, coverage), units["area_m2"],
                             basis="area")
    method = (
        "Σ street length in the unit (metric CRS) × assumed carriageway width of its highway "
        "class (geoplan.analyses.landuse.ROAD_WIDTHS_M; an estimate); a unit partly inside "
        "the street network's extent: the road area of its part inside."
        + coverage.describe() + _share_note(coverage, fields)
    )
    return IndicatorResult(name, unit, city=city, inner=inner, per_unit=km2.rename(name),
                           details={"per_unit": table, "by_class": by_class}, method=method,
                           params=params, estimate=True, **fields)
