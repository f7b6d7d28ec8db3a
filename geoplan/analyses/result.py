"""The typed result every indicator returns, and the typed "no data" answer.

An indicator never answers a missing layer with NaN or an exception: it returns an
:class:`IndicatorResult` whose ``no_data`` names the missing role(s) and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from geoplan.errors import LayerNotAvailableError, ResultError

if TYPE_CHECKING:
    import folium
    import geopandas as gpd

    from geoplan.layers.bundle import Bundle

__all__ = ["UNITS", "IndicatorResult", "NoData"]

#: Units of measure an indicator may report (recipes must use the same spelling).
UNITS: dict[str, str] = {
    "km": "kilometres",
    "km2": "square kilometres",
    "m2": "square metres",
    "m2/person": "square metres per person",
    "%": "percent (0–100)",
    "people": "number of people",
    "count": "number of features",
}


@dataclass(frozen=True)
class NoData:
    """Why an indicator has no value: the roles it needed and did not find.

    Attributes
    ----------
    missing
        Roles (or statistics) that are absent, e.g. ``("green_space",)``.
    reason
        Human-readable reason, usually the manifest's ``missing`` text.
    """

    missing: tuple[str, ...]
    reason: str

    def __str__(self) -> str:
        return f"no data: {', '.join(self.missing)} ({self.reason})"


@dataclass
class IndicatorResult:
    """Values of one indicator on one bundle.

    Attributes
    ----------
    indicator
        Registry name (e.g. ``"green_space_per_capita"``).
    unit
        Unit of measure, a key of :data:`UNITS`.
    city
        City-wide value, or ``None`` with ``no_data`` set.
    inner
        Value for the inner city (units with ``is_inner``), when meaningful.
    per_unit
        Values per administrative unit, indexed by ``unit_id`` in the order of the bundle's
        ``admin_units`` layer; ``NaN`` only where a unit has no value (e.g. zero population),
        never for a missing layer.
    details
        Extra breakdowns (e.g. km by line and status, km in service by year).
    method
        How the value was computed, in one or two sentences (shown in scorecards).
    params
        Parameters used (distances, widths, dates), for provenance.
    no_data
        Set when a needed layer is missing; then ``city`` and ``per_unit`` are ``None``.
    estimate
        True when the value rests on documented assumptions (e.g. road widths per class).
    coverage
        Per unit, the share (0–1) of the unit's ``coverage_basis`` (population or area) that
        lies inside the covered extent of the layers the value reads
        (:func:`geoplan.analyses._population.layer_coverage`): 1 where the unit is covered,
        less where the value rests on part of the unit only (flagged partial), and below
        :data:`~geoplan.analyses._population.MIN_INSIDE_SHARE` where the unit has no value.
        ``None`` when the indicator does not assess coverage.
    city_coverage, inner_coverage
        Share (0–1) of the city's (inner city's) ``coverage_basis`` that the city (inner)
        value rests on; below 1 the value is partial. ``None`` when not assessed.
    coverage_basis
        ``"population"`` or ``"area"``: what the coverage shares measure.
    coverage_roles
        The layers whose extents set the coverage (e.g. ``("bus_stops",)``).
    """

    indicator: str
    unit: str
    city: float | None = None
    inner: float | None = None
    per_unit: pd.Series | None = None
    details: dict[str, pd.DataFrame] = field(default_factory=dict)
    method: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    no_data: NoData | None = None
    estimate: bool = False
    coverage: pd.Series | None = None
    city_coverage: float | None = None
    inner_coverage: float | None = None
    coverage_basis: str = ""
    coverage_roles: tuple[str, ...] = ()

    @property
    def is_no_data(self) -> bool:
        """True when the indicator could not be computed for lack of data."""
        return self.no_data is not None

    @property
    def is_partial(self) -> bool:
        """True when the city-wide value rests on less than the whole city (see ``coverage``)."""
        return self.city_coverage is not None and self.city_coverage < 1.0

    @classmethod
    def missing(
        cls, indicator: str, unit: str, missing: tuple[str, ...], reason: str, **kwargs: Any
    ) -> IndicatorResult:
        """Build the typed "no data" result for ``indicator``."""
        return cls(indicator, unit, no_data=NoData(tuple(missing), reason), **kwargs)

    def per_unit_table(self) -> pd.DataFrame:
        """The per-unit values as a table indexed by ``unit_id``: ``value`` (and
        ``coverage``, the share 0–1 of the unit the value rests on, when assessed).

        Raises
        ------
        LayerNotAvailableError
            If the result is "no data" (the message names the missing layer).
        ResultError
            If the indicator gives no per-unit values (a city-wide figure only).

        Examples
        --------
        >>> r = IndicatorResult("x", "%", city=50.0,  # SYNTHETIC
        ...     per_unit=pd.Series([40.0, 60.0], index=pd.Index(["a", "b"], name="unit_id")))
        >>> r.per_unit_table()["value"].tolist()
        [40.0, 60.0]
        """
        if self.no_data is not None:
            message = (f"indicator {self.indicator!r} has no values: {self.no_data}; fill the "
                       "missing layer(s) and compute it again")
            raise LayerNotAvailableError(message)
        if self.per_unit is None:
            message = (f"indicator {self.indicator!r} gives a city-wide value only, no values "
                       "per unit; use .city (and .inner), or an indicator with scope 'unit'")
            raise ResultError(message)
        table = pd.DataFrame({"value": self.per_unit.astype(float)})
        if self.coverage is not None:
            table["coverage"] = self.coverage.reindex(table.index).astype(float)
        table.index = pd.Index(table.index.astype(str), name="unit_id")
        return table

    def to_geodataframe(self, units: Bundle | gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """The administrative units with this result's per-unit ``value`` (and ``coverage``).

        Values are joined on ``unit_id`` (the index of ``admin_units`` and of
        :attr:`per_unit`), never by position; units without a value get NaN.

        Parameters
        ----------
        units
            The bundle the indicator was computed on (its ``admin_units`` are read), or
            those units as a GeoDataFrame (indexed by ``unit_id`` or with that column).

        Returns
        -------
        geopandas.GeoDataFrame
            One row per unit, indexed by ``unit_id``, with the units' columns, ``value``
            (in :attr:`unit`) and ``coverage`` when the indicator assesses it; ``attrs``
            records ``indicator`` and ``unit``.

        Raises
        ------
        LayerNotAvailableError
            If the result is "no data", or the bundle has no ``admin_units``.
        ResultError
            If the indicator has no per-unit values, or ``units`` do not hold its units.

        Examples
        --------
        >>> from geoplan.indicators import transit_coverage      # doctest: +SKIP
        >>> from geoplan.layers import load_bundle               # doctest: +SKIP
        >>> hanoi = load_bundle("hanoi")                         # doctest: +SKIP
        >>> frame = transit_coverage(hanoi).to_geodataframe(hanoi)  # doctest: +SKIP
        >>> int(frame["value"].notna().sum()), len(frame)        # doctest: +SKIP
        (126, 126)
        """
        from geoplan.analyses._frames import units_with

        frame = units_with(units, self.per_unit_table(), what=f"indicator {self.indicator!r}")
        frame.attrs.update(indicator=self.indicator, unit=self.unit)
        return frame

    def explore(self, units: Bundle | gpd.GeoDataFrame, *, tiles: str | None = None,
                **kwargs: Any) -> folium.Map:
        """An interactive folium map of the per-unit values (``GeoDataFrame.explore``).

        Parameters
        ----------
        units
            As for :meth:`to_geodataframe`.
        tiles
            Basemap; ``None`` (default) loads no tiles (folium's Leaflet script still comes
            from its CDN when the map is shown; ``geoplan run`` writes fully offline maps).
        **kwargs
            Passed to :meth:`geopandas.GeoDataFrame.explore` (e.g. ``cmap``, ``scheme``).

        Returns
        -------
        folium.Map

        Raises
        ------
        LayerNotAvailableError, ResultError
            As :meth:`to_geodataframe`.
        """
        from geoplan.analyses._frames import explore_units

        return explore_units(self.to_geodataframe(units), column="value",
                             caption=f"{self.indicator} ({self.unit})", tiles=tiles, **kwargs)
