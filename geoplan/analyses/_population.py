"""How population is spread within administrative units, and helpers shared by indicators.

The census gives one population figure per administrative unit. An indicator that asks "how
many people live inside this area" (a station catchment, 400 m around a park) must spread each
unit's population over the unit's territory. Two documented methods:

``census_uniform`` (default)
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
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from geoplan.analyses.result import IndicatorResult
from geoplan.crs import metric_crs
from geoplan.errors import LayerValidationError, RecipeError
from geoplan.raster import zonal_sums

if TYPE_CHECKING:
    from geoplan.layers import Bundle

__all__ = [
    "POPULATION_METHODS",
    "PopulationMethod",
    "check_option_values",
    "coverage_table",
    "covered_population",
    "fold",
    "layer_covered_units",
    "missing_result",
    "resolve_as_of",
    "scope_values",
    "unit_frame",
]

logger = logging.getLogger(__name__)

#: Ways of spreading a unit's population over its territory (see the module docstring).
PopulationMethod = Literal["census_uniform", "raster"]
POPULATION_METHODS: tuple[str, ...] = get_args(PopulationMethod)

#: Population column of ``admin_units``.
POPULATION = "population"


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


def layer_covered_units(bundle: Bundle, role: str, units: gpd.GeoDataFrame) -> pd.Series:
    """Which units a layer covers: all of them unless its manifest says ``coverage: partial``.

    For a partial layer (e.g. bus stops extracted for 56 of Hà Nội's 126 units) a unit counts
    as covered when at least one feature of the layer lies in it (by representative point).
    Units not covered have no value (NaN), never zero.

    Parameters
    ----------
    bundle
        The bundle.
    role
        The (present) role whose coverage is asked.
    units
        Output of :func:`unit_frame`.

    Returns
    -------
    pandas.Series
        Boolean, indexed like ``units``.
    """
    if bundle.entry(role).coverage != "partial":
        return pd.Series(True, index=units.index)
    layer = bundle.layer(role).to_crs(units.crs)
    points = shapely.point_on_surface(layer.geometry.to_numpy())
    points = points[~shapely.is_empty(points) & ~shapely.is_missing(points)]
    tree = shapely.STRtree(units.geometry.to_numpy())
    hit = tree.query(points, predicate="intersects")
    covered = np.zeros(len(units), dtype=bool)
    covered[np.unique(hit[1])] = True
    return pd.Series(covered, index=units.index)


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
        _raster_spread(frame, geometry, target, Path(raster), table)
    return table


def _raster_spread(frame: gpd.GeoDataFrame, covered: Any, crs: CRS, raster: Path,
                   table: pd.DataFrame) -> None:
    geoms = frame.geometry.to_numpy()
    pieces = shapely.intersection(geoms, covered) if not shapely.is_empty(covered) \
        else np.array([shapely.Polygon()] * len(geoms), dtype=object)
    whole = zonal_sums(raster, geoms, crs)
    part = zonal_sums(raster, pieces, crs)
    pop = table["population"].to_numpy(dtype=float)
    ok = whole > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(ok, pop * np.minimum(part / np.where(ok, whole, 1.0), 1.0), np.nan)
    uniform = table["covered_population"].to_numpy(dtype=float)
    table["covered_population"] = np.where(ok, spread, uniform)
    with np.errstate(invalid="ignore", divide="ignore"):
        table["covered_share_pct"] = np.where(pop > 0, 100.0 * table["covered_population"] / pop,
                                              np.nan)
    table["population_method"] = np.where(ok, "raster", "census_uniform (raster empty)")
    table["raster_population"] = whole
    table["raster_covered"] = part


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
