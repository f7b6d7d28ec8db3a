"""Numbers, quantities and targets in words, in Vietnamese and English: the one wording.

Every output reads its numbers through :func:`format_number` (Babel's locale data:
``12.345,6`` in Vietnamese, ``12,345.6`` in English), a value with its unit through
:func:`format_quantity` (``837.979 người`` / ``837,979 people``) and a target through
:func:`describe_goal` (``≥ 10 m²/người``): the scorecard files, the map, the CLI and the
monitoring report alike. :mod:`geoplan.maps.i18n` adds the fixed texts of maps and reports.

>>> format_quantity(837978.78, "people", "vi")
'837.979 người'
"""

from __future__ import annotations

import math
from typing import Any

from babel.numbers import format_decimal

from geoplan import _choices
from geoplan.analyses.evaluate import NO_DATA, STATUS_LABELS
from geoplan.errors import GeoplanError

__all__ = [
    "LANGS",
    "MONITORING_TARGET",
    "UnknownLanguageError",
    "check_lang",
    "describe_goal",
    "format_number",
    "format_quantity",
    "unit_label",
]

#: Languages of every output (the first is the default).
LANGS = _choices.LANGS
#: A goal without a numeric target, in words.
MONITORING_TARGET: dict[str, str] = {"vi": "theo dõi (không có chỉ tiêu định lượng)",
                                     "en": "monitoring (no numeric target)"}


class UnknownLanguageError(GeoplanError, ValueError):
    """A map language that is not in :data:`LANGS`."""


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a known map language.

    Parameters
    ----------
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    str

    Raises
    ------
    UnknownLanguageError
        If ``lang`` is not one of :data:`LANGS`.

    Examples
    --------
    >>> check_lang("en")
    'en'
    """
    if lang not in LANGS:
        message = f"unknown map language {lang!r}; use one of {', '.join(LANGS)} (--lang)"
        raise UnknownLanguageError(message)
    return lang


def _decimals(number: float, digits: int | None) -> int:
    """Decimals shown: ``digits`` when given, else by magnitude (0 from 1,000, 1 from 100,
    else 2); whole numbers never get decimals."""
    if number.is_integer():
        return 0
    if digits is not None:
        return digits
    size = abs(number)
    return 0 if size >= 1000 else 1 if size >= 100 else 2


def format_number(value: float | None, lang: str, *, digits: int | None = None) -> str:
    """Format a number for display: ``12,345.6`` in English, ``12.345,6`` in Vietnamese.

    The one number formatter of geoplan (Babel's locale data): scorecards, map popups and
    legends, the CLI and the monitoring report all print numbers through it (a value with
    its unit through :func:`format_quantity`). Whole numbers are shown without decimals;
    others with ``digits`` decimals, by default 0 from 1,000, 1 from 100, else 2.
    ``None``/NaN gives the "no data" label.

    Parameters
    ----------
    value
        Number to format.
    lang
        ``"vi"`` or ``"en"``.
    digits
        Decimals kept for non-integral values (default: by magnitude).

    Returns
    -------
    str

    Examples
    --------
    >>> format_number(12345.67, "vi"), format_number(21.554, "vi")
    ('12.346', '21,55')
    >>> format_number(12345.67, "en", digits=1), format_number(12345.0, "en")
    ('12,345.7', '12,345')
    """
    if value is None or value != value or math.isinf(float(value)):  # NaN, inf
        return STATUS_LABELS[check_lang(lang)][NO_DATA]
    number = float(value)
    places = _decimals(number, digits)
    pattern = "#,##0" + ("." + "0" * places if places else "")
    text = format_decimal(round(number, places), format=pattern, locale=check_lang(lang))
    return "0" if text in ("-0", "−0") else text


#: Units of counted things: shown without decimals.
_COUNTED = {"people", "count", "units", "stations"}
#: Unit words that are translated (symbols such as km, %, m² stay as they are). Every unit
#: a shipped recipe uses is here (a test reads the recipes); a unit a planner's recipe spells
#: otherwise is data text and is shown as given.
_UNIT_WORDS: dict[str, dict[str, str]] = {
    "people": {"vi": "người", "en": "people"},
    "count": {"vi": "", "en": ""},
    "dwellings": {"vi": "căn nhà", "en": "dwellings"},
    "km2": {"vi": "km²", "en": "km²"},
    "m2": {"vi": "m²", "en": "m²"},
    "m2/person": {"vi": "m²/người", "en": "m²/person"},
    "people/km2": {"vi": "người/km²", "en": "people/km²"},
    "USD/person": {"vi": "USD/người", "en": "USD/person"},
    "bn USD": {"vi": "tỷ USD", "en": "bn USD"},
    "%/year": {"vi": "%/năm", "en": "%/year"},
    "% of GDP": {"vi": "% GDP", "en": "% of GDP"},
    "% of GRDP": {"vi": "% GRDP", "en": "% of GRDP"},
    "% of growth": {"vi": "% tăng trưởng", "en": "% of growth"},
    "% of population": {"vi": "% dân số", "en": "% of population"},
    "% of households": {"vi": "% hộ gia đình", "en": "% of households"},
    "% of urban households": {"vi": "% hộ gia đình đô thị", "en": "% of urban households"},
    "% of urban adults": {"vi": "% người trưởng thành ở đô thị", "en": "% of urban adults"},
    "% of communes": {"vi": "% số xã", "en": "% of communes"},
    "% of villages": {"vi": "% số thôn", "en": "% of villages"},
    "% of commune centres": {"vi": "% trung tâm xã", "en": "% of commune centres"},
    "% of classrooms": {"vi": "% phòng học", "en": "% of classrooms"},
    "% of base stations": {"vi": "% trạm gốc", "en": "% of base stations"},
}


def unit_label(unit: str, lang: str) -> str:
    """The unit of measure as a reader of ``lang`` reads it (``m2/person`` → ``m²/người``).

    Examples
    --------
    >>> unit_label("m2/person", "vi"), unit_label("% of GRDP", "en"), unit_label("km", "vi")
    ('m²/người', '% of GRDP', 'km')
    """
    return _UNIT_WORDS.get(unit, {}).get(check_lang(lang), unit)


def format_quantity(value: float | None, unit: str, lang: str, *,
                    digits: int | None = None) -> str:
    """A value with its unit: the one formatter of a quantity, in every output.

    Counts (``people``, ``count``) are whole; other values follow :func:`format_number`;
    unit words are in ``lang`` (``người``/``people``); ``%`` follows the number directly.
    ``837978.78 people`` is ``837.979 người`` in Vietnamese and ``837,979 people`` in English
    in the scorecard, the map, the CLI and the monitoring report alike.

    Parameters
    ----------
    value
        Number to format (``None``/NaN gives the "no data" label, without unit).
    unit
        Unit of measure as the indicator gives it (``km``, ``%``, ``people``, ...).
    lang
        ``"vi"`` or ``"en"``.
    digits
        Decimals kept for non-integral values of measured (not counted) quantities
        (default: by magnitude, see :func:`format_number`).

    Returns
    -------
    str

    Examples
    --------
    >>> format_quantity(837978.78, "people", "vi"), format_quantity(837978.78, "people", "en")
    ('837.979 người', '837,979 people')
    >>> format_quantity(21.5505, "km", "en"), format_quantity(49.2, "%", "vi")
    ('21.55 km', '49,20%')
    """
    if value is None or value != value:  # NaN
        return STATUS_LABELS[check_lang(lang)][NO_DATA]
    number = float(round(float(value))) if unit in _COUNTED else float(value)
    text = format_number(number, lang, digits=digits)
    if unit == "%":
        return f"{text}%"
    word = _UNIT_WORDS.get(unit, {}).get(lang, unit)
    return f"{text} {word}".strip()


def describe_goal(goal: Any, lang: str) -> str:
    """A recipe goal's target in words, in ``lang`` (``≥ 10 m²/người``, ``theo dõi``).

    The one wording of a target for every reader (scorecard, map, monitoring report, chart):
    numbers by :func:`format_number`, units by :func:`unit_label`. The scorecard's
    ``target`` column is its English wording.

    Parameters
    ----------
    goal
        A :class:`~geoplan.analyses.recipe.Target` or ``Statistic``.
    lang
        ``"vi"`` or ``"en"``.

    Returns
    -------
    str

    Examples
    --------
    >>> from geoplan.analyses.recipe import load_recipe
    >>> goals = {g.key: g for g in load_recipe("hanoi-02-nq-tw").goals}
    >>> describe_goal(goals["hn.rail_km@2030"], "vi")
    '≈ 100 km (± 10%)'
    >>> describe_goal(goals["hn.tod.rail_coverage"], "en")
    'monitoring (no numeric target)'
    """
    lang = check_lang(lang)

    def num(x: float | None) -> str:
        if x is None:
            return "?"
        if float(x) == int(float(x)):
            return format_number(float(x), lang, digits=0)
        text = f"{float(x):g}"
        return text.replace(".", ",") if lang == "vi" else text

    def with_unit(text: str) -> str:
        word = unit_label(goal.unit, lang)
        return f"{text}%" if goal.unit == "%" else f"{text} {word}".strip()

    comparator = goal.comparator
    if comparator is None:
        return MONITORING_TARGET[lang]
    if comparator == "range":
        upper = f"≥{num(goal.max)}" if goal.open_max else num(goal.max)
        return with_unit(f"{num(goal.min)}–{upper}")
    if comparator == "approx":
        tolerance = goal.tolerance
        if isinstance(tolerance, str):
            tol = tolerance.replace(" ", "")  # "10 %" and "10%" alike: as format_quantity
            tol = tol.replace(".", ",") if lang == "vi" else tol
        else:
            tol = with_unit(num(goal.tolerance_abs))
        return f"≈ {with_unit(num(goal.value))} (± {tol})"
    symbol = {">=": "≥", "<=": "≤"}.get(comparator, comparator)
    return f"{symbol} {with_unit(num(goal.value))}"
