"""Shared console objects and option parsers of the CLI."""

from __future__ import annotations

import logging
from datetime import date

import typer
from rich.console import Console
from rich.markup import escape as _markup_escape

from geoplan._safetext import terminal_text

__all__ = ["STATUS_STYLES", "TerminalFormatter", "check_choice", "console",
           "err_console", "escape",
           "format_value", "parse_date"]

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def escape(text: object) -> str:
    r"""Data text for a rich console: markup escaped, control characters made visible.

    Every text the commands print that comes from a file (names, titles, paths, messages)
    passes here, so ``[/]`` prints as text and an ESC sequence in a title cannot rewrite the
    terminal.

    Examples
    --------
    >>> print(escape("[bold]Phường\x1b[2J"))
    \[bold]Phường\x1b[2J
    """
    return _markup_escape(terminal_text(text))


class TerminalFormatter(logging.Formatter):
    """A log formatter whose lines cannot control the terminal (see :func:`escape`)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record formatted as usual, with control characters made visible."""
        return terminal_text(super().format(record))


def parse_date(text: str | None, *, option: str) -> date | None:
    """``YYYY-MM-DD`` text of option ``option`` as a date (``None`` stays ``None``).

    Raises
    ------
    typer.BadParameter
        Naming the option and the expected form (the CLI exits with code 2).

    Examples
    --------
    >>> parse_date("2027-06-30", option="--as-of")
    datetime.date(2027, 6, 30)
    """
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        message = f"{text!r} is not a date; give it as YYYY-MM-DD (e.g. 2027-06-30)"
        raise typer.BadParameter(message, param_hint=option) from None


def check_choice(value: str, choices: tuple[str, ...], *, option: str) -> str:
    """``value`` of ``option`` when it is one of ``choices``.

    Raises
    ------
    typer.BadParameter
        Naming the option and the choices (the CLI exits with code 2).

    Examples
    --------
    >>> check_choice("en", ("vi", "en"), option="--lang")
    'en'
    """
    if value not in choices:
        raise typer.BadParameter(f"use one of {', '.join(choices)}", param_hint=option)
    return value


#: Console colour per status of the one vocabulary (:mod:`geoplan.analyses.evaluate`).
STATUS_STYLES: dict[str, str] = {
    "met": "green", "partly": "yellow", "on track": "green3", "not met": "red",
    "behind": "red", "data older than target": "magenta", "monitoring": "cyan",
    "no data": "dim",
}


def format_value(x: object, unit: str, lang: str = "en") -> str:
    """A value with its unit for the console (``–`` for no value), in ``lang``.

    The console prints what the scorecard and the map print:
    :func:`geoplan.analyses.wording.format_quantity`.

    Examples
    --------
    >>> format_value(21.55, "km"), format_value(49.2, "%"), format_value(None, "km")
    ('21.55 km', '49.20%', '–')
    >>> format_value(837978.78, "people", "vi")
    '837.979 người'
    """
    import pandas as pd  # here, not at the top: --help and --version import no pandas

    from geoplan.analyses.wording import format_quantity

    if x is None or x is pd.NA or (isinstance(x, float) and x != x):
        return "–"
    return format_quantity(float(x), unit, lang)  # type: ignore[arg-type]
