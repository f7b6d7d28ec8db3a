"""Planning indicators, plan recipes and their evaluation."""

from geoplan.analyses.registry import IndicatorSpec, get_indicator, indicator, list_indicators
from geoplan.analyses.result import UNITS, IndicatorResult, NoData

__all__ = [
    "UNITS",
    "IndicatorResult",
    "IndicatorSpec",
    "NoData",
    "get_indicator",
    "indicator",
    "list_indicators",
]
