"""The typed result every indicator returns, and the typed "no data" answer.

An indicator never answers a missing layer with NaN or an exception: it returns an
:class:`IndicatorResult` whose ``no_data`` names the missing role(s) and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

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
