"""The one rule for the dates a recipe or a bundle manifest cites (``date:`` of a document, a
source, a reported value or a manifest statistic).

A date is ``YYYY-MM-DD`` (a real day), ``YYYY-MM`` or ``YYYY`` (a period: the value is known
from its end, see :func:`geoplan.analyses.recipe.known_from`), or ``n.d.`` (undated), with a
year from :data:`MIN_YEAR` to :data:`MAX_YEAR`; an unquoted YAML date (``2019-04-01``) is the
same as its ISO text, an unquoted year (``2019``) as ``'2019'``. Everything else
(``yesterday``, ``2019-4-1``, ``2019-02-30``, ``2019-13``, ``0001-01-01``) is refused with the
fix, so that no later step meets a date it cannot use.
"""

from __future__ import annotations

import datetime as _dt
import re

__all__ = ["MAX_YEAR", "MIN_YEAR", "UNDATED", "check_date"]

#: Earliest and latest year of a cited date (the range of ``--as-of`` too).
MIN_YEAR, MAX_YEAR = 1900, 2200
#: The text of an undated citation.
UNDATED = "n.d."
_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_FIX = (f"write it as YYYY-MM-DD (a real day), YYYY-MM or YYYY between {MIN_YEAR} and "
        f"{MAX_YEAR}, or {UNDATED!r} when undated")


def check_date(value: object) -> str:
    """``value`` as the ISO text of a date geoplan can use.

    Parameters
    ----------
    value
        A text, a ``datetime.date`` (what YAML makes of an unquoted ``2019-04-01``) or an
        integer (an unquoted year).

    Returns
    -------
    str
        ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or ``n.d.``.

    Raises
    ------
    ValueError
        For anything else, naming the value and the fix.

    Examples
    --------
    >>> import datetime
    >>> check_date(datetime.date(2019, 4, 1)), check_date(" 2019-04 "), check_date("n.d.")
    ('2019-04-01', '2019-04', 'n.d.')
    >>> check_date("2019-02-30")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: date '2019-02-30' is not a real day (day is out of range for month); ...
    """
    if isinstance(value, _dt.datetime):  # a time of day: the citation is of a day
        value = value.date() if value.time() == _dt.time() else value.isoformat(" ")
    if isinstance(value, _dt.date):
        value = value.isoformat()
    if isinstance(value, int) and not isinstance(value, bool):  # an unquoted year: 2019
        value = str(value)
    if not isinstance(value, str):
        message = f"date {value!r} is not a date; {_FIX}"
        raise ValueError(message)
    text = value.strip()
    if text == UNDATED:
        return text
    match = _DATE_RE.match(text)
    if match is None:
        message = f"date {text[:40]!r} is not an ISO date; {_FIX}"
        raise ValueError(message)
    year, month, day = (int(part) if part else None for part in match.groups())
    assert year is not None
    if not MIN_YEAR <= year <= MAX_YEAR:
        message = f"date {text!r} is not between {MIN_YEAR} and {MAX_YEAR}; {_FIX}"
        raise ValueError(message)
    if month is not None and not 1 <= month <= 12:
        message = f"date {text!r} has no month {month}; {_FIX}"
        raise ValueError(message)
    if month is not None and day is not None:
        try:
            _dt.date(year, month, day)
        except ValueError as exc:
            message = f"date {text!r} is not a real day ({exc}); {_FIX}"
            raise ValueError(message) from None
    return text
