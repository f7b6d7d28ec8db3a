"""Reported statistics from a CSV file, read beside a recipe's own ``reported:`` values.

A recipe's statistics (GRDP, housing floor area, ...) are reported by hand. Instead of editing
the recipe for every new figure, a statistics office can keep them in a CSV file and pass it
to a run (``geoplan run RECIPE --statistics FILE``, ``run_recipe(..., statistics=FILE)``)::

    id,value,date,source,note
    hp.housing,30.0,2025,Niên giám thống kê Hải Phòng 2025 (table 4.12),
    hp.digital.fibre_households,92.5,2025-06,Sở TT&TT Hải Phòng,"preliminary"

Columns (a header line first; any order, names without case):

``id``
    The id of a statistic of the recipe (``statistics[].id``). A report joins every statistic
    of that id (the 2025 and the 2030 goal of one quantity share their reports). A *target*
    id is refused: targets are computed from the bundle's layers, not reported.
``value``
    A finite number in the statistic's own ``unit`` (the file has no unit column), written
    with ``.`` for decimals and no thousands separator; in a ``;``-delimited file (what Excel
    writes where the decimal mark is a comma) ``29,5`` is read as 29.5 too.
``date``
    The date the figure is for, in the recipe's date forms: ``YYYY``, ``YYYY-MM``,
    ``YYYY-MM-DD`` or ``n.d.`` (see :func:`geoplan.analyses.recipe.known_from`: a run as of a
    date uses the latest report known then).
``source``
    Where the figure comes from (not empty); shown in the scorecard's ``source`` and
    ``method`` columns with the file name and row.
``note``
    Optional free text, shown in the scorecard's ``note`` column.

The file is UTF-8 (a UTF-8 byte-order mark, as Excel's "CSV UTF-8" writes it, is accepted),
comma- or semicolon-delimited (the delimiter of the header line), a regular file of at most
:data:`geoplan._yaml.MAX_BYTES` (the limit of a recipe). Every row is checked and every
problem reported together, as a :class:`~geoplan.errors.RecipeError` that names the file, the
line (the spreadsheet's row number), the column and the fix; data text in messages is quoted
(``repr``), never used as a format string.

Merging: a file report with the same date as a report of the recipe **replaces** it (the file
is the newer word: a revised figure; a warning names both values when they differ); reports of
other dates join the series. Two rows of one id and date in the file are an error. The merged
recipe lists the file in :attr:`~geoplan.analyses.recipe.Recipe.statistics_files`: a run
protects it as an input (no output may replace it) and records its path and SHA-256 in
``provenance.json``.

>>> from geoplan.analyses.recipe import load_recipe
>>> recipe = load_recipe("analyses/haiphong-06-ctr.yaml")  # doctest: +SKIP
>>> merged = read_reported_statistics("stats.csv", recipe)  # doctest: +SKIP
>>> merged.statistics[0].reports[-1].value  # doctest: +SKIP
30.0
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from geoplan._dates import UNDATED, check_date
from geoplan._yaml import YAMLFileError, read_small_file
from geoplan.analyses.recipe import Recipe, Reported, Statistic, _Problems
from geoplan.errors import RecipeError

__all__ = [
    "COLUMNS",
    "MAX_LISTED",
    "REQUIRED_COLUMNS",
    "FileReport",
    "merge_reports",
    "parse_reported_statistics",
    "read_reported_statistics",
]

logger = logging.getLogger(__name__)

#: The columns of a statistics file, in the order the template writes them.
COLUMNS: tuple[str, ...] = ("id", "value", "date", "source", "note")
#: The columns every statistics file needs (``note`` may be left out).
REQUIRED_COLUMNS: tuple[str, ...] = ("id", "value", "date", "source")
#: Most problems one error lists (the heading counts them all).
MAX_LISTED = 50
_HEADER = ",".join(COLUMNS)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_NOT_FINITE = re.compile(r"^[+-]?(nan|inf|infinity)$", re.IGNORECASE)
#: How a checker reports a problem: ``add(line, message)``.
_Add = Callable[[int, str], None]
_SAVE_UTF8 = ("save the file as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)'; text in "
              "Windows-1258: iconv -f cp1258 -t utf-8 FILE)")


class FileReport(Reported):
    """A report read from a statistics file: the :class:`Reported` value and where it was.

    Attributes
    ----------
    file
        The statistics file.
    row
        Its line in the file (the spreadsheet's row number; the header is row 1).
    note
        The row's ``note`` text.
    """

    file: str = Field(min_length=1)
    row: int = Field(ge=1)
    note: str = ""

    @property
    def origin(self) -> str:
        """``"stats.csv row 3"``: the file's name and the row (no folder: outputs stay the
        same wherever the file lies)."""
        return f"{Path(self.file).name} row {self.row}"


@dataclass(frozen=True)
class _Row:
    line: int
    id: str
    value: float
    date: str
    source: str
    note: str


def read_reported_statistics(path: str | os.PathLike[str], recipe: Recipe) -> Recipe:
    """Read the statistics file ``path`` and merge its reports into ``recipe``.

    Parameters
    ----------
    path
        A CSV file with columns ``id,value,date,source,note`` (see the module docstring).
    recipe
        The recipe whose statistics the file reports.

    Returns
    -------
    Recipe
        A copy of ``recipe`` whose statistics hold the file's reports too (see
        :func:`merge_reports`), with ``path`` added to its
        :attr:`~geoplan.analyses.recipe.Recipe.statistics_files`.

    Raises
    ------
    RecipeError
        If the file is missing, a folder or FIFO (never opened), larger than
        :data:`~geoplan._yaml.MAX_BYTES`, empty, not UTF-8, or if any row is wrong; one
        error lists every problem with the file, row, column and fix.

    Examples
    --------
    >>> recipe = load_recipe("analyses/haiphong-06-ctr.yaml")  # doctest: +SKIP
    >>> read_reported_statistics("stats.csv", recipe).statistics_files  # doctest: +SKIP
    (PosixPath('stats.csv'),)
    """
    path = Path(path)
    where = str(path)
    try:
        data = read_small_file(path, what="statistics file",
                               kind=f"statistics .csv file ({_HEADER})")
    except YAMLFileError as exc:
        message = f"{where}: {exc}"
        raise RecipeError(message) from None
    except FileNotFoundError:
        message = (f"{where}: no such statistics file; give the path of a CSV file with the "
                   f"columns {_HEADER}")
        raise RecipeError(message) from None
    except OSError as exc:
        message = f"{where}: cannot read the statistics file ({exc.strerror or exc})"
        raise RecipeError(message) from None
    text = _decode(data, where)
    return parse_reported_statistics(text, recipe, where=where, path=path)


def parse_reported_statistics(text: str, recipe: Recipe, *, where: str = "<statistics>",
                              path: Path | None = None) -> Recipe:
    """Check the CSV ``text`` of a statistics file and merge its reports into ``recipe``.

    Parameters
    ----------
    text
        The file's text (a leading byte-order mark is ignored).
    recipe
        The recipe whose statistics the text reports.
    where
        How to name the file in messages and in the reports' origin.
    path
        The file the text came from (added to the recipe's ``statistics_files``).

    Returns
    -------
    Recipe

    Raises
    ------
    RecipeError
        Listing every problem of the text (row, column, fix).

    Examples
    --------
    >>> from geoplan.analyses.recipe import parse_recipe
    >>> recipe = parse_recipe('''
    ... id: demo
    ... title: {vi: Demo, en: Demo}
    ... bundle: demo
    ... document: {title: {vi: d, en: d}, date: 2024-01-01, issuer: x}
    ... statistics:
    ...   - id: d.housing
    ...     title: {vi: Nhà ở, en: Housing}
    ...     comparator: ">="
    ...     value: 29.2
    ...     unit: m2/person
    ...     year: 2025
    ...     source: {document: d, date: 2024-01-01, section: "1"}
    ... ''')
    >>> merged = parse_reported_statistics(
    ...     "id,value,date,source,note\\nd.housing,30,2025,yearbook,\\n", recipe, where="s.csv")
    >>> report = merged.statistics[0].reports[0]
    >>> report.value, report.unit, report.origin
    (30.0, 'm2/person', 's.csv row 2')
    """
    rows = _parse(text.removeprefix("\ufeff"), recipe, where=where)
    return merge_reports(recipe, _reports(rows, recipe, where=where), path=path)


def _reports(rows: list[_Row], recipe: Recipe, *,
                    where: str) -> dict[str, list[FileReport]]:
    """Statistic id → its reports (in the statistic's unit), in file order."""
    units = {s.id: s.unit for s in recipe.statistics}
    out: dict[str, list[FileReport]] = {}
    for row in rows:
        out.setdefault(row.id, []).append(FileReport(
            value=row.value, unit=units[row.id], date=row.date, source=row.source,
            file=where, row=row.line, note=row.note))
    return out


def merge_reports(recipe: Recipe, reports: dict[str, list[FileReport]], *,
                  path: Path | None = None) -> Recipe:
    """``recipe`` with ``reports`` (statistic id → reports) joined to its statistics.

    A report replaces the statistic's report of the same date (logged as a warning when the
    values differ); the others join the series. ``path`` is added to the copy's
    :attr:`~geoplan.analyses.recipe.Recipe.statistics_files`.

    Parameters
    ----------
    recipe
        The recipe.
    reports
        Reports by statistic id, each in the unit of the statistics of that id.
    path
        The file the reports were read from.

    Returns
    -------
    Recipe
        A copy; ``recipe`` itself is unchanged.
    """
    statistics: list[Statistic] = []
    for stat in recipe.statistics:
        extra = reports.get(stat.id)
        if not extra:
            statistics.append(stat)
            continue
        new = {r.date: r for r in extra}
        kept: list[Reported] = []
        for old in stat.reports:
            replacement = new.get(old.date)
            if replacement is None:
                kept.append(old)
            elif replacement.value != old.value:
                logger.warning("%s: %s, %s: %s replaces the report %s (%s) of %s",
                               replacement.origin, stat.key, old.date, replacement.value,
                               old.value, old.source, _origin(old, recipe))
        statistics.append(stat.model_copy(update={"reported": [*kept, *extra]}))
    merged = recipe.model_copy(update={"statistics": statistics})
    if path is not None and path not in recipe.statistics_files:
        merged._statistics_files = (*recipe.statistics_files, path)
    return merged


def _origin(report: Reported, recipe: Recipe) -> str:
    if isinstance(report, FileReport):
        return report.origin
    return str(recipe.path) if recipe.path else "the recipe"


# -- reading ----------------------------------------------------------------------------------
def _decode(data: bytes, where: str) -> str:
    """The UTF-8 text of ``data``, or a :class:`RecipeError` naming the encoding problem."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = (f"{where}: the file is UTF-16 text (what Excel saves as 'Unicode Text'), "
                   f"not UTF-8; {_SAVE_UTF8}")
        raise RecipeError(message)
    if data.startswith(b"PK\x03\x04"):
        message = (f"{where}: the file is a ZIP archive (an Excel workbook .xlsx?), not CSV "
                   "text; in Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'")
        raise RecipeError(message)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start:exc.start + 1]
        message = (f"{where}:{line}: not UTF-8 text (byte {byte!r} at line {line} is not "
                   f"UTF-8: the file is in another encoding, e.g. Windows-1258 or Latin-1); "
                   f"{_SAVE_UTF8}")
        raise RecipeError(message) from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        message = (f"{where}:{line}: the file holds NUL characters: it is not CSV text (a "
                   f"binary file, or UTF-16); {_SAVE_UTF8}")
        raise RecipeError(message)
    return text


def _delimiter(text: str) -> str:
    """``;`` when the header line has semicolons and no comma (Excel, decimal-comma locales)."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    return ";" if ";" in first and "," not in first else ","


def _parse(text: str, recipe: Recipe, *, where: str) -> list[_Row]:
    if not text.strip():
        message = (f"{where}: the statistics file is empty; write the header {_HEADER} and "
                   "one row per reported value")
        raise RecipeError(message)
    lines: dict[tuple[str | int, ...], int] = {}
    problems = _Problems(where, lines, what="statistics file", most=MAX_LISTED)

    def add(line: int, message: str) -> None:
        lines[(line,)] = line
        problems.add((line,), message)

    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if any(c.strip() for c in cells):
                records.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        add(start, f"row {start}: malformed CSV ({exc}); check the double quotes of this row "
                   "(a quote inside a quoted text is written twice: \"\")")
        problems.raise_if_any()
    line, header = records[0]
    columns = _header(header, line, add)
    if columns is None:
        problems.raise_if_any()
        return []
    if len(records) == 1:
        add(line, f"row {line}: the file has a header but no rows; add one row per reported "
                  f"value ({_HEADER}), or leave out --statistics")
    checker = _RowChecker(recipe, delimiter, add)
    rows: list[_Row] = []
    seen: dict[tuple[str, str], int] = {}
    for line, cells in records[1:]:
        row = checker.check(line, cells, columns, width=len(header))
        if row is None:
            continue
        first = seen.setdefault((row.id, row.date), line)
        if first != line:
            add(line, f"row {line}, columns id and date: {row.id!r} dated {row.date} repeats "
                      f"row {first}; keep one report per statistic and date (delete one row)")
            continue
        rows.append(row)
    problems.raise_if_any()
    return rows


def _header(cells: list[str], line: int, add: _Add) -> dict[str, int] | None:
    """Column name → index, or ``None`` when the first row is no header at all."""
    names = [c.strip().lower() for c in cells]
    if not set(names) & set(REQUIRED_COLUMNS):
        shown = ", ".join(repr(c[:40]) for c in cells[:5])
        add(line, f"row {line}: the first row must be the header {_HEADER} (found {shown}); "
                  "add the header line above the data")
        return None
    columns: dict[str, int] = {}
    for index, name in enumerate(names):
        label = f"row {line}, column {index + 1}"
        if name in columns:
            add(line, f"{label}: header {name!r} given twice (columns {columns[name] + 1} and "
                      f"{index + 1}); keep one")
        elif name in COLUMNS:
            columns[name] = index
        elif name:
            close = difflib.get_close_matches(name, COLUMNS, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            add(line, f"{label}: unknown header {cells[index].strip()[:40]!r}; {hint}the "
                      f"columns are {_HEADER}: rename or remove it")
        else:
            add(line, f"{label}: empty header; name the column (one of {_HEADER}) or remove it")
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        add(line, f"row {line}: missing column{'s' if len(missing) > 1 else ''} "
                  f"{', '.join(missing)}; the header must hold {_HEADER} (note may be left "
                  "out)")
    return columns


class _RowChecker:
    """Checks one data row's cells; reports every problem of the row."""

    def __init__(self, recipe: Recipe, delimiter: str, add: _Add) -> None:
        self.add = add
        self.delimiter = delimiter
        self.units: dict[str, set[str]] = {}
        for stat in recipe.statistics:
            self.units.setdefault(stat.id, set()).add(stat.unit)
        self.targets = {t.id for t in recipe.targets}
        self.where = str(recipe.path) if recipe.path else f"recipe {recipe.id!r}"

    def check(self, line: int, cells: list[str], columns: dict[str, int], *,
              width: int) -> _Row | None:
        add = self.add
        extra = [c for c in cells[width:] if c.strip()]
        if extra:
            add(line, f"row {line}: {len(cells)} cells but the header has {width} (extra "
                      f"{extra[0][:40]!r}); a text holding {self.delimiter!r} must be in "
                      "double quotes")
        cell = {name: cells[i].strip() if i < len(cells) else "" for name, i in columns.items()}
        stat_id = self._id(line, cell.get("id"))
        value = self._value(line, cell.get("value"), stat_id)
        when = self._date(line, cell.get("date"))
        source = cell.get("source")
        if source == "":
            add(line, f"row {line}, column source: empty; cite where the figure comes from "
                      "(e.g. Niên giám thống kê 2025, table 4.12)")
        if stat_id is None or value is None or when is None or not source or extra:
            return None
        return _Row(line, stat_id, value, when, source, cell.get("note", ""))

    def _id(self, line: int, text: str | None) -> str | None:
        if text is None:  # no id column: reported once, on the header
            return None
        label = f"row {line}, column id"
        known = sorted(self.units)
        listed = ", ".join(known[:40]) + (", ..." if len(known) > 40 else "") or "none"
        if text in self.units:
            units = self.units[text]
            if len(units) > 1:
                self.add(line, f"{label}: the statistics {text!r} of {self.where} have "
                               f"different units ({', '.join(sorted(units))}), so one value "
                               "cannot report them all; give them one unit in the recipe")
                return None
            return text
        if not text:
            self.add(line, f"{label}: empty; give the id of a statistic of {self.where} "
                           f"({listed})")
        elif text in self.targets:
            self.add(line, f"{label}: {text!r} is a target of {self.where}: targets are "
                           "computed, not reported; remove the row (the statistics are: "
                           f"{listed})")
        elif "@" in text and text.split("@", 1)[0] in self.units:
            self.add(line, f"{label}: {text[:64]!r} is a key; give the statistic id "
                           f"{text.split('@', 1)[0]!r} (a report applies to every year's "
                           "goal of that statistic)")
        else:
            close = difflib.get_close_matches(text.lower(), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.add(line, f"{label}: {text[:64]!r} is not a statistic of {self.where}; "
                           f"{hint}known statistic ids: {listed}")
        return None

    def _value(self, line: int, text: str | None, stat_id: str | None) -> float | None:
        if text is None:
            return None
        label = f"row {line}, column value"
        unit = next(iter(self.units[stat_id])) if stat_id is not None else ""
        alone = f"the number alone, in {unit}" if unit else "the number alone"
        if not text:
            self.add(line, f"{label}: empty; give the reported number ({alone}), or remove "
                           "the row until there is a figure")
            return None
        if self.delimiter == ";" and _DECIMAL_COMMA.match(text):
            text = text.replace(",", ".")
        if _NOT_FINITE.match(text):
            self.add(line, f"{label}: {text!r} is not a finite number; give the reported "
                           f"number ({alone})")
            return None
        if not _NUMBER.match(text):
            self.add(line, f"{label}: {text[:40]!r} is not a number; write {alone}, with '.' "
                           "for decimals and no thousands separator (e.g. 1234.5)")
            return None
        value = float(text)
        if not math.isfinite(value):
            self.add(line, f"{label}: {text[:40]!r} is too large to be a number geoplan "
                           f"can judge (not finite); give the reported number ({alone})")
            return None
        return value

    def _date(self, line: int, text: str | None) -> str | None:
        if text is None:
            return None
        label = f"row {line}, column date"
        if not text:
            self.add(line, f"{label}: empty; give the date the figure is for: YYYY, YYYY-MM, "
                           f"YYYY-MM-DD or {UNDATED!r} when undated")
            return None
        try:
            return check_date(text)
        except ValueError as exc:
            self.add(line, f"{label}: {exc}")
            return None

