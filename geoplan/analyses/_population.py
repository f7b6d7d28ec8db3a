"""How population is spread within administrative units, and helpers shared by indicators.

The census gives one population figure per administrative unit. An indicator that asks "how
many people live inside this area" (a station catchment, 400 m around a park) must spread each
unit's population over the unit's territory. Two documented methods:

``raster`` (default) and ``census_uniform`` are described below; the default is the
dasymetric ``raster`` spread wherever the bundle has a ``population_raster``, and a bundle
without one falls back to ``census_uniform``, which the result then names (its method text
and ``params["population"]``: the method actually used; :func:`resolve_population`).

``census_uniform``
    Population is uniform over the unit::

        covered(unit) = population(unit) × area(unit ∩ covered) / area(unit)

    Areas are measured in the bundle's metric CRS (:mod:`geoplan.crs`). The arithmetic is the
    one of :func:`geoplan.network.population_covered` (called here), so straight-line and
    walking-distance coverage compare. ``tobler.area_weighted.area_interpolate`` computes the
    same uniform (areal-weighting) estimate, but per *target* zone; the indicators need it per
    *source* unit (people of unit X inside the catchment), which its public API does not return,
    so the intersection is done directly with vectorised shapely.
``raster``
    Population is spread within each unit in proportion to a gridded population raster (the
    bundle's ``population_raster``, WorldPop 1 km people-per-pixel in the Hà Nội bundle)::

        covered(unit) = population(unit) × R(unit ∩ covered) / R(unit)

    where ``R(·)`` is the raster sum over a polygon, each pixel weighted by the fraction of it
    the polygon covers (``exactextract``, exact pixel-coverage fractions). The census total of
    every unit is kept; the raster only decides *where* in the unit people live (dasymetric
    weighting). A unit with no raster population (outside the raster or all zero) falls back to
    ``census_uniform`` and is flagged in the ``population_method`` column. At 1 km the raster is
    coarser than many inner-city wards, so it mostly matters for large rural communes.

>>> from geoplan.layers import load_bundle
>>> from shapely.geometry import Point
>>> bundle = load_bundle("hanoi")                                        # doctest: +SKIP
>>> units = unit_frame(bundle)                                          # doctest: +SKIP
>>> covered_population(units, Point(588_000, 2_327_000).buffer(1000))   # doctest: +SKIP
"""

from __future__ import annotations

import datetime as _dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoplan import _cache, _choices
from geoplan.analyses.result import IndicatorResult
from geoplan.crs import metric_crs
from geoplan.errors import LayerValidationError, RecipeError
from geoplan.raster import spread_by_raster

if TYPE_CHECKING:
    from geoplan.layers import Bundle

__all__ = [
    "COVERED",
    "DEFAULT_POPULATION",
    "MIN_INSIDE_SHARE",
    "OUTSIDE",
    "OUTSIDE_SHARE",
    "PARTIAL",
    "POPULATION_METHODS",
    "LayerCoverage",
    "PopulationMethod",
    "area_units",
    "check_option_values",
    "coverage_fields",
    "coverage_table",
    "covered_population",
    "describe_population",
    "fold",
    "known_population",
    "layer_coverage",
    "missing_result",
    "resolve_as_of",
    "resolve_population",
    "resting_area",
    "scope_values",
    "unit_frame",
]

logger = logging.getLogger(__name__)

#: Ways of spreading a unit's population over its territory (see the module docstring).
PopulationMethod = Literal["census_uniform", "raster"]
POPULATION_METHODS: tuple[str, ...] = _choices.POPULATION_METHODS
#: The default of every coverage and catchment indicator: the census count of each unit
#: spread by the gridded population (WorldPop) within it; ``census_uniform`` without a raster.
DEFAULT_POPULATION: PopulationMethod = "raster"

#: Population column of ``admin_units``.
POPULATION = "population"


def resolve_population(bundle: Bundle, population: str
                       ) -> tuple[PopulationMethod, Path | None, str]:
    """The population method an indicator uses on ``bundle``, its raster and a note.

    ``"raster"`` (the default, :data:`DEFAULT_POPULATION`) needs the bundle's
    ``population_raster``; a bundle without one (absent, or declared missing) falls back to
    ``"census_uniform"``, and the note says so for the result's method text.

    Parameters
    ----------
    bundle
        The indicator's bundle.
    population
        The method asked for (already checked to be one of :data:`POPULATION_METHODS`).

    Returns
    -------
    method, raster, note
        The method used, the raster's path (``None`` for ``census_uniform``) and a sentence
        (empty unless the method fell back).

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> resolve_population(load_bundle("hanoi"), "raster")[0]                # doctest: +SKIP
    'raster'
    """
    if population != "raster":
        return "census_uniform", None, ""
    if not bundle.has("population_raster"):
        why = bundle.why_missing("population_raster") or "not in the bundle"
        note = (f" No population_raster ({why}): census population spread uniformly within "
                "each unit instead of by the gridded population.")
        return "census_uniform", None, note
    return "raster", bundle.raster_path("population_raster"), ""


def describe_population(population: str) -> str:
    """How a result's method text names the population method ``population`` (used).

    Examples
    --------
    >>> describe_population("census_uniform")
    "population: each unit's census count spread uniformly over its area"
    """
    if population == "raster":
        return ("population: each unit's census count spread within the unit by the gridded "
                "population_raster (dasymetric)")
    return "population: each unit's census count spread uniformly over its area"


def resolve_as_of(as_of: _dt.date | None) -> _dt.date:
    """The evaluation date: ``as_of`` or today."""
    return as_of if as_of is not None else _dt.date.today()


def fold(value: Any) -> str:
    """A text as option values are matched against data: Unicode NFC, trimmed, case-folded.

    ``"Sông Hồng"`` typed in NFD (decomposed accents) or as ``"sông hồng "`` matches the
    layer's ``"Sông Hồng"``. NULL gives ``""``.

    Examples
    --------
    >>> fold("  Park ") == fold("park")
    True
    """
    import unicodedata

    if value is None or (isinstance(value, float) and value != value):
        return ""
    return unicodedata.normalize("NFC", str(value)).strip().casefold()


def check_option_values(bundle: Bundle, roles: tuple[str, ...], column: str,
                        wanted: Any, *, option: str, indicator: str) -> None:
    """Refuse option values that select nothing in the data (a typo gives a confident 0).

    ``wanted`` (one text or a list) is matched with :func:`fold` against ``column`` of the
    ``roles`` the bundle holds. When no value matches, or an unmatched value is close to a
    value that exists (``prk`` for ``park``), the option is a typo: a
    :class:`~geoplan.errors.RecipeError` says so, with the values the data hold. Values that
    match nothing while others match (a list written for several bundles) are only logged.

    Raises
    ------
    RecipeError
        Naming the option, the unmatched values, a did-you-mean and the values present.
    """
    import difflib

    asked = [wanted] if isinstance(wanted, str) else list(wanted)
    layers = [bundle.layer(r) for r in roles if bundle.has(r)]
    spelled: dict[str, str] = {}  # folded -> as written in the data
    for layer in layers:
        for v in layer[column] if column in layer.columns else []:
            if fold(v):
                spelled.setdefault(fold(v), str(v).strip())
    if not layers or not asked:
        return
    unmatched = [str(w) for w in asked if fold(w) not in spelled]
    if not unmatched:
        return
    present = sorted(spelled.values())
    close = {w: [spelled[c] for c in difflib.get_close_matches(fold(w), sorted(spelled), n=1,
                                                               cutoff=0.75)]
             for w in unmatched}
    if len(unmatched) < len(asked) and not any(close.values()):
        logger.info("%s: option %s: %s match no %s value of %s", indicator, option,
                    ", ".join(unmatched), column, "/".join(roles))
        return
    shown = ", ".join(f"{w!r}" + (f" (did you mean {close[w][0]!r}?)" if close[w] else "")
                      for w in unmatched)
    values = ", ".join(present[:12]) + (", …" if len(present) > 12 else "") or "none"
    message = (f"{indicator}: option {option}: {shown} match{'es' if len(unmatched) == 1 else ''}"
               f" no {column!r} of {'/'.join(roles)} (values there: {values}); the result "
               "would count nothing: fix the option")
    raise RecipeError(message)


def missing_result(
    bundle: Bundle, indicator: str, unit: str, roles: tuple[str, ...], **kwargs: Any
) -> IndicatorResult | None:
    """The typed "no data" result when ``bundle`` lacks any of ``roles``, else ``None``.

    The reason quotes the manifest's ``missing`` text of each absent role.
    """
    absent = [r for r in roles if not bundle.has(r)]
    if not absent:
        return None
    reason = "; ".join(f"{r}: {bundle.why_missing(r) or 'not in the bundle'}" for r in absent)
    return IndicatorResult.missing(indicator, unit, tuple(absent), reason, **kwargs)


def unit_frame(bundle: Bundle, *, crs: CRS | None = None) -> gpd.GeoDataFrame:
    """The bundle's ``admin_units`` in its metric CRS, indexed by text ``unit_id``, in order.

    Parameters
    ----------
    bundle
        A bundle holding ``admin_units``.
    crs
        Metric CRS; default ``bundle.metric_crs``.

    Returns
    -------
    geopandas.GeoDataFrame
        With ``population`` as float, ``is_inner`` as bool and ``area_m2``.

    Raises
    ------
    LayerValidationError
        If a population is negative or missing (the message names the units and the fix).
    """
    units = bundle.admin_units
    target = crs if crs is not None else bundle.metric_crs
    units = units.to_crs(target)
    units.index = pd.Index(units["unit_id"].astype(str), name="unit_id")
    pop = pd.to_numeric(units[POPULATION], errors="coerce").astype(float)
    bad = pop.index[pop.isna() | (pop < 0)].tolist()
    if bad:
        shown = ", ".join(bad[:10])
        message = (
            f"{bundle.name}/admin_units: column 'population' is missing or negative for unit(s) "
            f"{shown}; fill it with the census count (0 if nobody lives there)"
        )
        raise LayerValidationError([message], bundle=bundle.name)
    units[POPULATION] = pop
    if "is_inner" in units.columns:
        units["is_inner"] = units["is_inner"].fillna(False).astype(bool)
    else:
        units["is_inner"] = False
    units["area_m2"] = shapely.area(units.geometry.to_numpy())
    return units


#: A unit with at most this share of its area outside the covered extent of the layers an
#: indicator reads counts as wholly covered (borders drawn from other sources differ a little).
OUTSIDE_SHARE = 0.01
#: A unit with less than this share of its area inside the extent is mostly outside it: it gets
#: no value (NaN), never zero. Between this and ``1 - OUTSIDE_SHARE`` the unit's value rests on
#: the part inside and is flagged partial.
MIN_INSIDE_SHARE = 0.5
#: States of a unit against a layer's extent (:attr:`LayerCoverage.state`).
COVERED, PARTIAL, OUTSIDE = "covered", "partial", "outside"


@dataclass(frozen=True)
class LayerCoverage:
    """Where the layers an indicator reads know anything, unit by unit.

    Attributes
    ----------
    roles
        The layers assessed.
    share
        Per unit (index ``unit_id``), the share (0–1) of its area inside the intersection of
        the layers' extents; 1 everywhere when every layer covers the whole bundle.
    known
        The area values may rest on, in the units' CRS: the extents' intersection plus every
        covered unit whole (its sliver outside counts as inside); ``None`` when the layers
        cover the whole bundle.
    origin
        Role → where its extent came from (``manifest extent``, a derived extent, or
        ``whole bundle``).
    """

    roles: tuple[str, ...]
    share: pd.Series
    known: Any = None
    origin: dict[str, str] = field(default_factory=dict)

    @property
    def state(self) -> pd.Series:
        """``covered``, ``partial`` or ``outside`` per unit (see :data:`OUTSIDE_SHARE`)."""
        values = np.where(self.share >= 1.0 - OUTSIDE_SHARE, COVERED,
                          np.where(self.share >= MIN_INSIDE_SHARE, PARTIAL, OUTSIDE))
        return pd.Series(values, index=self.share.index, name="coverage_state")

    @property
    def has_value(self) -> pd.Series:
        """True for the units that get a value (covered or partial)."""
        return self.state != OUTSIDE

    @property
    def partial(self) -> pd.Series:
        """True for the units whose value rests on part of the unit only."""
        return self.state == PARTIAL

    @property
    def is_full(self) -> bool:
        """True when every unit is covered."""
        return bool((self.state == COVERED).all())

    def clip(self, geom: Any) -> Any:
        """``geom`` (units' CRS) cut to :attr:`known` (unchanged when the bundle is covered)."""
        if self.known is None or geom is None or shapely.is_empty(geom):
            return geom
        return _same_geom("clip", shapely.intersection, geom, self.known)

    def reasons(self) -> pd.Series:
        """Why each unit without a value has none ('' for the others)."""
        roles = "/".join(self.roles)
        text = [f"{100 * s:.1f} % of the unit lies inside the {roles} extent (less than "
                f"{100 * MIN_INSIDE_SHARE:.0f} %): no value, not zero" if st == OUTSIDE else ""
                for s, st in zip(self.share.tolist(), self.state.tolist(), strict=True)]
        return pd.Series(text, index=self.share.index, dtype=object)

    def describe(self) -> str:
        """One sentence for an indicator's method (empty when every unit is covered)."""
        if self.is_full:
            return ""
        counts = self.state.value_counts()
        how = "; ".join(f"{r}: {self.origin.get(r, 'whole bundle')}" for r in self.roles)
        return (f" Coverage ({how}): {int(counts.get(COVERED, 0))} of {len(self.share)} "
                "units inside, "
                f"{int(counts.get(PARTIAL, 0))} partly inside (value over the part inside, "
                f"flagged partial), {int(counts.get(OUTSIDE, 0))} mostly outside (no value, not "
                "zero).")


_GEOMS = _cache.Memo(32)  # clipped and dissolved extents by the inputs' WKB


def _same_geom(name: str, op: Any, *geoms: Any) -> Any:
    """``op(*geoms)`` computed once per content of ``geoms``: kept in the process and in the
    cache folder (the same units and layers at another date, indicator or process)."""
    key = (name, _cache.geoms_digest(*geoms))
    return _GEOMS.get(key, lambda: _cache.persisted_geom(
        "coverage", key, lambda: op(*geoms), code=__file__))


def _extent_in(bundle: Bundle, role: str, units: gpd.GeoDataFrame) -> tuple[Any, str]:
    """The covered extent of ``role`` in the units' CRS and where it came from.

    The manifest's ``extent`` when recorded; else, for a layer marked ``coverage: partial``,
    one derived from the data (the street network's footprint, or the units holding one of
    the layer's features); else ``None`` (the whole bundle).
    """
    recorded = bundle.extent(role)
    if recorded is not None:
        dense = shapely.segmentize(recorded, 0.01)  # lines of latitude bend once projected
        geom = gpd.GeoSeries([dense], crs="EPSG:4326").to_crs(units.crs).iloc[0]
        return shapely.make_valid(geom), "manifest extent"
    if bundle.entry(role).coverage != "partial":
        return None, "whole bundle"
    if role == "street_network":
        from geoplan.network import StreetGraph

        graph = StreetGraph.from_bundle(bundle)
        shape = graph.footprint()
        if not graph.crs.equals(units.crs):
            shape = gpd.GeoSeries([shape], crs=graph.crs).to_crs(units.crs).iloc[0]
        return shape, "no extent recorded: footprint of its streets (geoplan.network)"
    layer = bundle.layer(role).to_crs(units.crs)
    points = shapely.point_on_surface(layer.geometry.to_numpy())
    points = points[~shapely.is_empty(points) & ~shapely.is_missing(points)]
    geoms = units.geometry.to_numpy()
    hit = np.unique(shapely.STRtree(geoms).query(points, predicate="intersects")[1])
    shape = shapely.union_all(geoms[hit]) if len(hit) else shapely.Polygon()
    return shape, "no extent recorded: the units holding one of its features"


def _inside_shares(units: gpd.GeoDataFrame, extent: Any) -> np.ndarray:
    geoms = units.geometry.to_numpy()
    area = shapely.area(geoms)
    share = np.zeros(len(geoms))
    if shapely.is_empty(extent):
        return share
    shapely.prepare(extent)
    inside = shapely.contains_properly(extent, geoms)
    share[inside] = 1.0
    touch = np.flatnonzero(~inside & shapely.intersects(extent, geoms))
    if len(touch):
        part = shapely.area(shapely.intersection(geoms[touch], extent))
        with np.errstate(invalid="ignore", divide="ignore"):
            share[touch] = np.where(area[touch] > 0, np.minimum(part / area[touch], 1.0), 1.0)
    return share


def layer_coverage(bundle: Bundle, roles: str | Sequence[str],
                   units: gpd.GeoDataFrame) -> LayerCoverage:
    """The one coverage rule: each unit's share inside the covered extent of ``roles``.

    A layer knows nothing outside its extent (:meth:`~geoplan.layers.Bundle.extent`; for a
    ``coverage: partial`` layer without a recorded extent one is derived, see
    :func:`_extent_in`). Against the intersection of the extents of ``roles`` a unit is

    * **covered** when at most :data:`OUTSIDE_SHARE` of its area lies outside: its value
      rests on the whole unit;
    * **partial** when at least :data:`MIN_INSIDE_SHARE` lies inside: its value is computed
      over the part inside only (numerator and denominator) and flagged partial;
    * **outside** otherwise: no value (NaN), never zero.

    Parameters
    ----------
    bundle
        The bundle.
    roles
        One role or several (e.g. ``("bus_stops", "street_network")``); all present.
    units
        Output of :func:`unit_frame` or :func:`area_units` (metric CRS).

    Returns
    -------
    LayerCoverage

    Raises
    ------
    NetworkError
        When a street network without a recorded extent cannot be read for its footprint.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> bundle = load_bundle("hanoi")                                   # doctest: +SKIP
    >>> cov = layer_coverage(bundle, "bus_stops", unit_frame(bundle))   # doctest: +SKIP
    >>> cov.state.value_counts().to_dict()                              # doctest: +SKIP
    {'covered': 68, 'outside': 45, 'partial': 13}
    """
    chosen = (roles,) if isinstance(roles, str) else tuple(roles)
    origin: dict[str, str] = {}
    extent: Any = None
    for role in chosen:
        shape, origin[role] = _extent_in(bundle, role, units)
        if shape is not None:
            extent = shape if extent is None else shapely.intersection(extent, shape)
    if extent is None:
        return LayerCoverage(chosen, pd.Series(1.0, index=units.index, name="coverage"),
                             None, origin)
    share = pd.Series(_inside_shares(units, extent), index=units.index, name="coverage")
    whole = units.geometry.to_numpy()[(share >= 1.0 - OUTSIDE_SHARE).to_numpy()]
    known = _same_geom("known", lambda *g: shapely.union_all(g), extent, *whole) \
        if len(whole) else extent
    return LayerCoverage(chosen, share, known, origin)


def coverage_fields(units: gpd.GeoDataFrame, coverage: LayerCoverage, resting: pd.Series,
                    whole: pd.Series, *, basis: str) -> dict[str, Any]:
    """The coverage attributes of an :class:`IndicatorResult`, as keyword arguments.

    Parameters
    ----------
    units
        The units (``is_inner``).
    coverage
        Output of :func:`layer_coverage`.
    resting
        Per unit, the population (or area) inside :attr:`LayerCoverage.known`.
    whole
        Per unit, the whole population (or area).
    basis
        ``"population"`` or ``"area"``.

    Returns
    -------
    dict
        ``coverage`` (share per unit, 1 where covered), ``city_coverage``,
        ``inner_coverage`` (share of the scope's ``basis`` that the value rests on: units
        with a value, partial ones by their part inside), ``coverage_basis``,
        ``coverage_roles``.
    """
    ok = coverage.has_value
    covered = coverage.state == COVERED
    with np.errstate(invalid="ignore", divide="ignore"):
        share = pd.Series(np.where(whole > 0, resting / whole, coverage.share),
                          index=units.index, name="coverage").clip(0.0, 1.0)
    share[covered] = 1.0
    used = pd.Series(np.where(covered, whole, np.where(ok, resting, 0.0)), index=units.index)

    def scope(mask: pd.Series) -> float | None:
        total = float(whole[mask].sum())
        if not (mask & ok).any() or total <= 0:  # no value there: nothing rests on anything
            return None
        return min(1.0, float(used[mask].sum()) / total)

    inner = units["is_inner"].astype(bool) if "is_inner" in units else \
        pd.Series(False, index=units.index)
    return {"coverage": share, "city_coverage": scope(pd.Series(True, index=units.index)),
            "inner_coverage": scope(inner) if inner.any() else None,
            "coverage_basis": basis, "coverage_roles": coverage.roles}


def resting_area(units: gpd.GeoDataFrame, coverage: LayerCoverage) -> pd.Series:
    """Area (m²) of each unit inside :attr:`LayerCoverage.known` (the whole unit if covered)."""
    area = units["area_m2"] if "area_m2" in units else \
        pd.Series(shapely.area(units.geometry.to_numpy()), index=units.index)
    if coverage.known is None:
        return area.astype(float)
    inside = pd.Series(np.minimum(coverage.share.to_numpy() * area.to_numpy(), area.to_numpy()),
                       index=units.index)
    return inside.where(coverage.state != COVERED, area).astype(float)


def known_population(units: gpd.GeoDataFrame, coverage: LayerCoverage, *,
                     population: str = "census_uniform", raster: str | Path | None = None,
                     column: str = POPULATION) -> pd.Series:
    """People of each unit inside :attr:`LayerCoverage.known` (all of them where covered).

    Spread by the same ``population`` method as the indicator's covered people, so that a
    partial unit's share compares like with like.

    Parameters
    ----------
    units
        Output of :func:`unit_frame`.
    coverage
        Output of :func:`layer_coverage`.
    population, raster
        As for :func:`coverage_table`.
    column
        The population column (``population`` or ``urban_population``).

    Returns
    -------
    pandas.Series
        Indexed like ``units``.
    """
    pop = pd.to_numeric(units[column], errors="coerce").astype(float)
    if coverage.known is None:
        return pop
    table = coverage_table(units, coverage.known, crs=units.crs, population=population,
                           raster=raster, population_column=column)
    inside = pd.Series(table["covered_population"].to_numpy(dtype=float), index=units.index)
    return inside.where(coverage.state != COVERED, pop)


def area_units(bundle: Bundle, *, crs: CRS | None = None) -> tuple[gpd.GeoDataFrame, bool]:
    """The units an area ratio divides by: ``admin_units``, else the city as one unit.

    Parameters
    ----------
    bundle
        A bundle holding ``admin_units`` or ``city_boundary``.
    crs
        Metric CRS; default ``bundle.metric_crs``.

    Returns
    -------
    units, administrative
        ``units`` as :func:`unit_frame` gives them (``name``, ``is_inner``, ``area_m2``,
        index ``unit_id``); without ``admin_units`` one row, the dissolved
        ``city_boundary`` with ``unit_id`` = the bundle name and ``is_inner`` False (no
        inner-city value). ``administrative`` is False in that case.

    Raises
    ------
    LayerNotAvailableError
        If the bundle holds neither role.

    Examples
    --------
    >>> from geoplan.layers import load_bundle
    >>> units, administrative = area_units(load_bundle("hatinh"))      # doctest: +SKIP
    >>> len(units), administrative                                     # doctest: +SKIP
    (1, False)
    """
    if bundle.has("admin_units"):
        return unit_frame(bundle, crs=crs), True
    target = crs if crs is not None else bundle.metric_crs
    outline = bundle.city_boundary.to_crs(target)
    geom = shapely.union_all(outline.geometry.to_numpy())
    name = str(bundle.manifest.title or bundle.name)
    frame = gpd.GeoDataFrame({"unit_id": [bundle.name], "name": [name], "is_inner": [False],
                              "area_m2": [float(shapely.area(geom))]},
                             geometry=[geom], crs=target)
    frame.index = pd.Index(frame["unit_id"], name="unit_id")
    return frame, False


def _as_geometry(covered: Any, crs: CRS) -> Any:
    if isinstance(covered, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = covered.to_crs(crs).geometry.to_numpy() if covered.crs is not None \
            else covered.geometry.to_numpy()
        return shapely.union_all(geoms) if len(geoms) else shapely.Polygon()
    if covered is None:
        return shapely.Polygon()
    return covered


def coverage_table(
    units: gpd.GeoDataFrame,
    covered: Any,
    *,
    crs: CRS | None = None,
    population: str = "census_uniform",
    raster: str | Path | None = None,
    population_column: str = POPULATION,
) -> pd.DataFrame:
    """Population inside ``covered``, per unit, with the areas used.

    Parameters
    ----------
    units
        Units with ``unit_id`` (or indexed by it) and ``population_column``; any CRS; not
        modified.
    covered
        The covered area: a shapely geometry in ``crs`` (default: the units' metric CRS), or a
        GeoDataFrame/GeoSeries (dissolved here).
    crs
        Metric CRS to measure in.
    population
        ``"census_uniform"`` or ``"raster"`` (see the module docstring).
    raster
        Path of the population raster (GeoTIFF); required for ``"raster"``.
    population_column
        Column holding each unit's population.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``unit_id`` in the units' order: ``population``, ``area_m2``,
        ``covered_area_m2``, ``covered_population``, ``covered_share_pct`` (NaN where the
        population is 0) and ``population_method`` (``census_uniform``, ``raster`` or
        ``census_uniform (raster empty)``).

    Raises
    ------
    ValueError
        If ``population`` is not a known method or ``raster`` is missing for ``"raster"``.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> u = gpd.GeoDataFrame({"unit_id": ["a"], "population": [100]},
    ...                      geometry=[box(0, 0, 100, 100)], crs=32648)
    >>> coverage_table(u, box(0, 0, 50, 100))["covered_population"].tolist()
    [50.0]
    """
    from geoplan.network import population_covered

    if population not in POPULATION_METHODS:
        message = (f"population={population!r} is not a population method; use one of "
                   f"{', '.join(POPULATION_METHODS)}")
        raise ValueError(message)
    target = crs if crs is not None else metric_crs(units, what="admin_units")
    frame = units.to_crs(target)
    if "unit_id" not in frame.columns:
        frame = frame.assign(unit_id=frame.index.astype(str))
    geometry = _as_geometry(covered, target)
    table = population_covered(frame, geometry, crs=target, population_column=population_column)
    table = table.drop(columns=["network_share", "network_covered"])
    table["population_method"] = "census_uniform"
    if population == "raster":
        if raster is None:
            message = "population='raster' needs the path of a population raster"
            raise ValueError(message)
        spread_by_raster(table, frame, geometry, target, Path(raster))
    return table


def covered_population(
    units: gpd.GeoDataFrame,
    polygons: Any,
    *,
    crs: CRS | None = None,
    population: str = "census_uniform",
    raster: str | Path | None = None,
    population_column: str = POPULATION,
) -> pd.Series:
    """People of each unit living inside ``polygons`` (see :func:`coverage_table`).

    Parameters
    ----------
    units
        Units with ``unit_id`` and a population column; not modified.
    polygons
        Covered area (shapely geometry in ``crs``, or GeoDataFrame/GeoSeries).
    crs
        Metric CRS (default: the units' metric CRS).
    population
        ``"census_uniform"`` (population × area share) or ``"raster"`` (raster-weighted).
    raster
        Population raster path, for ``"raster"``.
    population_column
        Column holding the population.

    Returns
    -------
    pandas.Series
        Covered people, indexed by ``unit_id`` in the units' order.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> u = gpd.GeoDataFrame({"unit_id": ["a", "b"], "population": [100, 40]},
    ...     geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100)], crs=32648)
    >>> covered_population(u, box(50, 0, 150, 100)).tolist()
    [50.0, 20.0]
    """
    table = coverage_table(units, polygons, crs=crs, population=population, raster=raster,
                           population_column=population_column)
    return table["covered_population"].rename("covered_population")


def scope_values(
    units: gpd.GeoDataFrame, numerator: pd.Series, denominator: pd.Series, *, scale: float = 1.0
) -> tuple[float | None, float | None]:
    """City and inner ratios ``scale × Σ numerator / Σ denominator`` over units with a value.

    Units where ``numerator`` is NaN (no data) are left out of both sums; ``None`` when no unit
    (or no inner unit) has data or the denominator sums to zero.
    """
    ok = numerator.notna() & denominator.notna()

    def ratio(mask: pd.Series) -> float | None:
        den = float(denominator[mask & ok].sum())
        if not (mask & ok).any() or den <= 0:
            return None
        return scale * float(numerator[mask & ok].sum()) / den

    everything = pd.Series(True, index=units.index)
    inner = units["is_inner"].astype(bool)
    return ratio(everything), ratio(inner) if inner.any() else None
