"""Plan recipes (``analyses/*.yaml``): the targets of a planning document, with citations.

A recipe names a bundle, the document it encodes and two lists:

``targets``
    Quantified (or monitored) *spatial* targets, each computed by a registered indicator.
``statistics``
    Non-spatial targets (GRDP, housing floor area, ...) whose value a user reports by hand in
    ``reported: {value, unit, date, source}`` (or a list of them, a dated series); empty
    until somebody fills it. A run as of a date uses the latest report known then
    (:meth:`Statistic.reported_on`, :func:`known_from`).

An optional top-level ``baseline: YYYY-MM-DD`` sets where monitoring paths start
(:attr:`Recipe.baseline_date`; default: the document's date).

Example (one target)::

    - id: hn.rail_km
      title: {vi: "Đường sắt đô thị hoàn thành", en: "Urban railway completed"}
      indicator: rail_length
      scope: city
      comparator: approx
      value: 100
      tolerance: 10%
      unit: km
      year: 2030
      source: {document: 02-NQ/TW, date: 2026-03-17, section: III.1}

Comparators (see :mod:`geoplan.analyses.evaluate` for how each is judged):

* ``">="``, ``">"``, ``"<="``, ``"<"`` with ``value``;
* ``"approx"`` with ``value`` and ``tolerance`` (a number in the target's unit, e.g. ``5``, or a
  share of the value, e.g. ``"10%"``; for a target in ``%`` a plain number means percentage
  points);
* ``"range"`` with ``min`` and ``max``; ``open_max: true`` encodes the Vietnamese standards'
  ``"16 – ≥24%"`` form (the minimum ``min`` is acceptable, ``max`` or more is the full target);
* no comparator: a *monitoring* target, reported for information (the text sets no number).

Validation errors name the file and the line and say how to fix the problem. A target year
earlier than the year of the document's date is an **error**: a plan sets targets for its
future, so such a year is a typo (targets whose year has passed *relative to today* are
normal and are evaluated as usual).

>>> recipe = load_recipe("analyses/hanoi-02-nq-tw.yaml")  # doctest: +SKIP
>>> recipe.targets[0].key  # doctest: +SKIP
'hn.rail_km@2030'
"""

from __future__ import annotations

import inspect
import logging
import os
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from geoplan._dates import MAX_YEAR, MIN_YEAR, check_date
from geoplan._yaml import (
    PathKey,
    YAMLContentError,
    YAMLFileError,
    dotted,
    load_yaml,
    read_yaml_file,
)
from geoplan.errors import RecipeError

__all__ = [
    "COMPARATORS",
    "DATE_RANGE",
    "MAX_GOALS",
    "SCOPES",
    "Document",
    "Goal",
    "Recipe",
    "Reported",
    "Source",
    "Statistic",
    "Target",
    "Text",
    "default_recipes_dir",
    "known_from",
    "list_recipes",
    "load_recipe",
    "parse_recipe",
    "slugify",
]

logger = logging.getLogger(__name__)

#: Comparators a target may use (``None`` = monitoring only).
COMPARATORS: tuple[str, ...] = (">=", ">", "<=", "<", "approx", "range")
#: Most targets (or statistics) of one recipe; a plan has a few dozen.
MAX_GOALS = 1000
#: Scopes a target may be evaluated at.
SCOPES: tuple[str, ...] = ("city", "inner", "unit")

Comparator = Literal[">=", ">", "<=", "<", "approx", "range"]
Scope = Literal["city", "inner", "unit"]

_Date = date  # models have a field named "date" that hides the type in their bodies
_DATE_RE = re.compile(r"^(\d{4})(-\d{2}(-\d{2})?)?$")
_UNDATED = "n.d."
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")
#: Longest id of a recipe, target or statistic: ids name files and folders (maps/<id>/,
#: charts/<id>.png, results.gpkg columns), which a file system limits to 255 bytes.
MAX_ID_LENGTH = 64
_TOL_RE = re.compile(r"^\s*(\d+(\.\d+)?)\s*%\s*$")


#: Dates geoplan evaluates and plans it reads (the 20th to 22nd centuries); also the range of a
#: run's ``as_of`` (:data:`geoplan.analyses.scorecard.AS_OF_RANGE`) and of monitoring dates.
DATE_RANGE: tuple[date, date] = (date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31))


def _check_date(value: Any) -> str | None:
    """The one date rule of :mod:`geoplan._dates` (``None`` stays ``None``)."""
    return None if value is None else check_date(value)


class _Model(BaseModel):
    # numbers must be finite: .inf or .nan in a target would judge nothing honestly
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Text(_Model):
    """A text in Vietnamese and English."""

    vi: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in ``lang`` (``"vi"`` or ``"en"``; anything else gives English)."""
        return self.vi if lang == "vi" else self.en


class Source(_Model):
    """Citation of a target: document, its date and the section that states the target."""

    document: str = Field(min_length=1)
    date: str
    section: str = Field(min_length=1)
    quote: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        return _check_date(value)

    def cite(self) -> str:
        """``"02-NQ/TW (2026-03-17), III.1"``."""
        return f"{self.document} ({self.date}), {self.section}"


class Document(_Model):
    """The planning document a recipe encodes."""

    number: str | None = None
    title: Text
    date: str | None = None
    issuer: str = Field(min_length=1)
    seed: str = ""
    note: str = ""

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        return _check_date(value)

    @property
    def year(self) -> int | None:
        """Year of the document's date, when known."""
        if self.date is None or self.date == _UNDATED:
            return None
        return int(self.date[:4])


class Goal(_Model):
    """What targets and statistics share: the comparator and its values."""

    id: str
    title: Text
    comparator: Comparator | None = None
    value: float | None = None
    min: float | None = None
    max: float | None = None
    open_max: bool = False
    tolerance: float | str | None = None
    unit: str = Field(min_length=1)
    year: int | None = None
    source: Source
    note: str = ""

    @property
    def scope(self) -> str:
        """Scope of the goal (statistics are city-wide)."""
        return "city"

    @property
    def key(self) -> str:
        """Unique key within a recipe: ``id``, ``/scope`` unless city, ``@year`` if set."""
        scope = "" if self.scope == "city" else f"/{self.scope}"
        year = "" if self.year is None else f"@{self.year}"
        return f"{self.id}{scope}{year}"

    @property
    def tolerance_abs(self) -> float:
        """Absolute tolerance of an ``approx`` target in the target's unit (0 if unset)."""
        if self.tolerance is None:
            return 0.0
        if isinstance(self.tolerance, int | float):
            return float(self.tolerance)
        match = _TOL_RE.match(self.tolerance)
        if match is None:  # caught by the recipe checks; keep a safe answer here
            return 0.0
        return float(match.group(1)) / 100.0 * abs(self.value or 0.0)


class Target(Goal):
    """A spatial target computed by an indicator."""

    indicator: str
    options: dict[str, Any] = Field(default_factory=dict)
    scope_: Scope = Field("city", alias="scope")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @property
    def scope(self) -> str:
        """``city``, ``inner`` or ``unit``."""
        return self.scope_


def slugify(key: str) -> str:
    """Column-safe form of a target key: ``"hp.green/inner@2030"`` → ``"hp_green_inner_2030"``.

    The slug names the target's columns in ``results.gpkg``, its chart file and its map
    anchor. It is not injective (``t.green`` and ``t_green`` give ``t_green``), so a recipe
    whose goals share a slug is refused when it is read (:func:`parse_recipe`).

    Examples
    --------
    >>> slugify("hp.green/inner@2030")
    'hp_green_inner_2030'
    """
    return re.sub(r"[^0-9A-Za-z]+", "_", key).strip("_").lower()


def known_from(text: str) -> date | None:
    """The first day a value dated ``text`` is known: the *end* of the period it names.

    A statistic dated ``2025`` is the figure for 2025, published at the earliest on
    31 December 2025; ``2025-06`` is known from 30 June 2025; a full date is itself.
    ``n.d.`` (undated) gives ``None``.

    Parameters
    ----------
    text
        ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or ``n.d.``.

    Returns
    -------
    datetime.date or None

    Examples
    --------
    >>> known_from("2025"), known_from("2024-02"), known_from("2024-03-05")
    (datetime.date(2025, 12, 31), datetime.date(2024, 2, 29), datetime.date(2024, 3, 5))
    """
    import calendar

    text = str(text).strip()
    if text == _UNDATED or not _DATE_RE.match(text):
        return None
    parts = [int(p) for p in text.split("-")]
    if len(parts) == 3:
        return date(parts[0], parts[1], parts[2])
    if len(parts) == 2:
        return date(parts[0], parts[1], calendar.monthrange(parts[0], parts[1])[1])
    return date(parts[0], 12, 31)


class Reported(_Model):
    """A value reported by a user for a statistic, with its own citation."""

    value: float
    unit: str = Field(min_length=1)
    date: str
    source: str = Field(min_length=1)

    @field_validator("date", mode="before")
    @classmethod
    def _date(cls, value: Any) -> str | None:
        return _check_date(value)

    @property
    def known_from(self) -> _Date | None:
        """First day the value is known (end of the period its date names; see
        :func:`known_from`); ``None`` when undated."""
        return known_from(self.date)


class Statistic(Goal):
    """A non-spatial target; its value is reported by hand (``reported``).

    ``reported`` is one report or a list of dated reports (a series, for monitoring); a run
    as of a date uses the latest report known on that date (:meth:`reported_on`).
    """

    reported: Reported | list[Reported] | None = None

    @field_validator("reported", mode="before")
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        return None if value in ({}, [], "", None) else value

    @property
    def reports(self) -> list[Reported]:
        """Every report, oldest first (undated ones first, in file order)."""
        if self.reported is None:
            return []
        items = self.reported if isinstance(self.reported, list) else [self.reported]
        return sorted(items, key=lambda r: (r.known_from or date.min))

    def reported_on(self, as_of: date | None) -> Reported | None:
        """The latest report known on ``as_of`` (any date when ``as_of`` is ``None``).

        A report dated after ``as_of`` (by :func:`known_from`: ``2025`` counts from
        31 December 2025) is not used; an undated report (``n.d.``) is used at any date.

        Examples
        --------
        >>> s = Statistic.model_validate({"id": "x", "title": {"vi": "x", "en": "x"},
        ...     "unit": "%", "source": {"document": "d", "date": "2026", "section": "1"},
        ...     "reported": [{"value": 1, "unit": "%", "date": "2024", "source": "a"},
        ...                  {"value": 2, "unit": "%", "date": "2025-06-30", "source": "b"}]})
        >>> s.reported_on(date(2025, 7, 1)).value, s.reported_on(date(2025, 6, 1)).value
        (2.0, 1.0)
        >>> s.reported_on(date(2024, 12, 30)) is None
        True
        """
        known = [r for r in self.reports
                 if as_of is None or r.known_from is None or r.known_from <= as_of]
        return known[-1] if known else None


class Recipe(_Model):
    """A plan recipe: a bundle, a document and its targets."""

    id: str
    title: Text
    bundle: str = Field(min_length=1)
    document: Document
    description: str = ""
    baseline: str | None = None
    targets: list[Target] = Field(default_factory=list)
    statistics: list[Statistic] = Field(default_factory=list)

    _path: Path | None = PrivateAttr(default=None)
    _statistics_files: tuple[Path, ...] = PrivateAttr(default=())

    @field_validator("baseline", mode="before")
    @classmethod
    def _baseline(cls, value: Any) -> str | None:
        if value is None:
            return None
        text = _check_date(str(value))
        if text is None or len(text) != 10:
            message = f"baseline {value!r} must be a full date YYYY-MM-DD (e.g. 2026-03-17)"
            raise ValueError(message)
        return text  # its year is checked with every date (geoplan._dates)

    @property
    def baseline_date(self) -> date | None:
        """Date the monitoring paths start from: ``baseline``, else the document's date
        (a partial date counts from its first day), else ``None``.

        Examples
        --------
        >>> load_recipe("analyses/hanoi-02-nq-tw.yaml").baseline_date  # doctest: +SKIP
        datetime.date(2026, 3, 17)
        """
        text = self.baseline or self.document.date
        if text is None or text == _UNDATED:
            return None
        parts = [int(p) for p in text.split("-")]
        return date(parts[0], parts[1] if len(parts) > 1 else 1,
                    parts[2] if len(parts) > 2 else 1)

    @property
    def path(self) -> Path | None:
        """File the recipe was read from (``None`` when parsed from text)."""
        return self._path

    @property
    def statistics_files(self) -> tuple[Path, ...]:
        """Statistics CSV files whose reports were merged into :attr:`statistics`
        (:func:`geoplan.analyses.statistics_file.read_reported_statistics`); inputs of a run
        like the recipe itself."""
        return self._statistics_files

    @property
    def goals(self) -> list[Goal]:
        """Targets then statistics, in file order."""
        return [*self.targets, *self.statistics]


# -- YAML with line numbers (geoplan._yaml) ---------------------------------------------------
class _Problems:
    """Collects ``file:line: message`` problems (of a recipe, or of a file read beside it).

    ``what`` names the kind of file in the heading (``"recipe"``, ``"statistics file"``);
    ``most`` caps the problems listed (the heading still counts them all).
    """

    def __init__(self, where: str, lines: dict[PathKey, int], *, what: str = "recipe",
                 most: int | None = None) -> None:
        self.where = where
        self.lines = lines
        self.what = what
        self.most = most
        self.items: list[tuple[int, str]] = []

    def line(self, path: PathKey) -> int:
        for cut in range(len(path), -1, -1):
            if path[:cut] in self.lines:
                return self.lines[path[:cut]]
        return 1

    def add(self, path: PathKey, message: str) -> None:
        self.items.append((self.line(path), message))

    def raise_if_any(self) -> None:
        if self.items:
            raise self.error()

    def error(self) -> RecipeError:
        rows = [f"{self.where}:{line}: {msg}" for line, msg in sorted(self.items)]
        count = len(rows)
        head = f"{count} problem{'s' if count != 1 else ''} in {self.what} {self.where}:"
        if self.most is not None and count > self.most:
            rows = [*rows[:self.most], f"... and {count - self.most:,} more (fix these first)"]
        return RecipeError("\n".join([head, *(f"  - {r}" for r in rows)]))


def _pydantic_message(err: Any, path: PathKey) -> str:
    kind = err.get("type", "")
    where = dotted(path)
    if kind == "missing":
        if path and path[-1] == "source":
            return (f"{where}: missing citation; add source: {{document: <number>, "
                    "date: YYYY-MM-DD, section: <section of the text>}")
        return f"{where}: required key missing; add it"
    if kind == "extra_forbidden":
        return f"{where}: unknown key; remove it or check its spelling"
    if kind == "literal_error":
        return f"{where}: {err['msg']}"
    text = str(err["msg"])
    if kind == "value_error":  # our validators' own message, without pydantic's prefix
        text = text.removeprefix("Value error, ")
    return f"{where}: {text}; fix the value"


def _strip_pydantic_loc(loc: tuple[Any, ...]) -> PathKey:
    out: list[str | int] = []
    for part in loc:
        # unions add the member type name to the location; drop it
        if isinstance(part, str) and (part in {"float", "str", "int"} or "[" in part):
            continue
        out.append(part)
    return tuple(out)


def parse_recipe(text: str, *, where: str = "<recipe>", path: Path | None = None) -> Recipe:
    """Parse and check a recipe from YAML text.

    Parameters
    ----------
    text
        The YAML text.
    where
        How to name the source in messages (usually the file path).
    path
        File the text came from (stored on the recipe).

    Returns
    -------
    Recipe

    Raises
    ------
    RecipeError
        Listing every problem with its line and the fix.

    Examples
    --------
    >>> parse_recipe("id: x")  # doctest: +SKIP
    Traceback (most recent call last):
    RecipeError: ...
    """
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"{mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        message = f"{where}:{line} malformed YAML ({problem}); fix the syntax (indentation, quotes)"
        raise RecipeError(message) from None
    except YAMLContentError as exc:
        refused = _Problems(where, {})
        refused.items = list(exc.problems)
        raise refused.error() from None
    raw: Any = doc.data
    problems = _Problems(where, doc.lines)
    for dpath, _ in doc.duplicates:
        problems.add(dpath, f"{dotted(dpath)}: key given twice; keep one")
    if not isinstance(raw, dict):
        problems.add((), "a recipe must be a mapping with id, title, bundle, document, targets")
        problems.raise_if_any()
    for group in ("targets", "statistics"):
        items = raw.get(group)
        if isinstance(items, list) and len(items) > MAX_GOALS:
            problems.add((group,), f"{group}: {len(items):,} entries, more than {MAX_GOALS:,} "
                                   "(each is a computation): split the recipe into several")
            problems.raise_if_any()
    recipe: Recipe | None = None
    try:
        recipe = Recipe.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _strip_pydantic_loc(tuple(err["loc"]))
            problems.add(loc, _pydantic_message(err, loc))
    problems.raise_if_any()
    assert recipe is not None
    _check(recipe, problems)
    problems.raise_if_any()
    recipe._path = path
    return recipe


def load_recipe(path: str | os.PathLike[str]) -> Recipe:
    """Read and check a recipe file.

    Parameters
    ----------
    path
        Path of a recipe file, or the id (file name without ``.yaml``) of a shipped recipe
        (``"hanoi-02-nq-tw"``) when no such file exists here.

    Returns
    -------
    Recipe

    Raises
    ------
    RecipeError
        If the file is missing, not UTF-8, malformed YAML or breaks the schema; the message
        names the file, the line and the fix.

    Examples
    --------
    >>> load_recipe("analyses/hanoi-02-nq-tw.yaml").bundle  # doctest: +SKIP
    'hanoi'
    """
    from geoplan.io import file_kind

    path = Path(path)
    kind = file_kind(path)
    if kind == "missing" and len(path.parts) == 1:  # a shipped recipe by id or file name
        shipped = {p.stem: p for p in list_recipes()} | {p.name: p for p in list_recipes()}
        if str(path) in shipped:
            path = shipped[str(path)]
            kind = file_kind(path)
    if kind not in (None, "missing"):  # never open a FIFO or a device: it would block
        message = f"{path} is {kind}, not a regular file; give the path of a recipe YAML file"
        raise RecipeError(message)
    try:
        text = read_yaml_file(path, what="recipe")
    except YAMLFileError as exc:
        message = f"{path}: {exc}"
        raise RecipeError(message) from None
    except FileNotFoundError:
        known = ", ".join(str(p) for p in list_recipes()) or "none"
        message = f"{path}: no such recipe file (recipes: {known})"
        raise RecipeError(message) from None
    except UnicodeDecodeError:
        message = f"{path}: not UTF-8 text; save the recipe as UTF-8"
        raise RecipeError(message) from None
    except OSError as exc:
        message = f"{path}: cannot read the recipe ({exc.strerror or exc})"
        raise RecipeError(message) from None
    return parse_recipe(text, where=str(path), path=path)


def default_recipes_dir() -> Path:
    """The shipped recipes: the repository's ``analyses/`` (a wheel carries a copy)."""
    from geoplan._data import shipped_dir

    return shipped_dir("analyses")


def list_recipes() -> list[Path]:
    """Recipe files in the repository's ``analyses/`` folder, sorted."""
    folder = default_recipes_dir()
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


# -- semantic checks ------------------------------------------------------------------------
def _check_goal(goal: Goal, path: PathKey, problems: _Problems, doc_year: int | None) -> None:
    where = dotted(path)
    comp = goal.comparator
    has = {k: getattr(goal, k) is not None for k in ("value", "min", "max")}
    if comp is None:
        extra = [k for k, v in has.items() if v]
        if extra:
            problems.add((*path, extra[0]),
                         f"{where}: {', '.join(extra)} given without a comparator; add "
                         f"comparator: one of {', '.join(COMPARATORS)}, or remove them")
    elif comp == "range":
        if not has["min"] or not has["max"]:
            lacking = "min" if not has["min"] else "max"
            problems.add((*path, "comparator"),
                         f"{where}: range without {lacking}; a range needs min and max "
                         "(for a one-sided target use comparator '>=' or '<=' with value)")
        elif goal.min is not None and goal.max is not None and goal.min > goal.max:
            problems.add((*path, "min"),
                         f"{where}: range with min {goal.min:g} > max {goal.max:g}; swap them")
        if has["value"]:
            problems.add((*path, "value"),
                         f"{where}: a range takes min and max, not value; remove value")
    else:
        if not has["value"]:
            problems.add((*path, "comparator"),
                         f"{where}: comparator {comp!r} needs value; add value: <number>")
        if has["min"] or has["max"]:
            problems.add((*path, "min" if has["min"] else "max"),
                         f"{where}: min/max only go with comparator 'range'; use value")
    if goal.open_max and comp != "range":
        problems.add((*path, "open_max"),
                     f"{where}: open_max only goes with comparator 'range'; remove it")
    if comp == "approx":
        tol = goal.tolerance
        if tol is None:
            problems.add((*path, "comparator"),
                         f"{where}: approx needs tolerance (e.g. 5 in {goal.unit}, or '10%')")
        elif isinstance(tol, str) and not _TOL_RE.match(tol):
            problems.add((*path, "tolerance"),
                         f"{where}: tolerance {tol!r} is neither a number nor a share like "
                         "'10%'; fix it")
        elif isinstance(tol, int | float) and tol < 0:
            problems.add((*path, "tolerance"), f"{where}: negative tolerance; make it >= 0")
    elif goal.tolerance is not None:
        problems.add((*path, "tolerance"),
                     f"{where}: tolerance only goes with comparator 'approx'; remove it")
    if goal.year is not None:
        if not 1900 <= goal.year <= 2200:
            problems.add((*path, "year"), f"{where}: year {goal.year} is not a plausible year")
        elif doc_year is not None and goal.year < doc_year:
            problems.add((*path, "year"),
                         f"{where}: target year {goal.year} is before the document's year "
                         f"{doc_year}; a plan sets targets for its future: fix year (or "
                         "document.date)")
    elif comp is not None:
        problems.add((*path, "comparator"), f"{where}: a target needs year: <target year>")
    if not _ID_RE.match(goal.id):
        problems.add((*path, "id"),
                     f"{where}: id {goal.id!r} must be lower-case letters, digits, '.', '_', '-'"
                     " (as in TARGETS.md, e.g. hn.rail_km)")
    elif len(goal.id) > MAX_ID_LENGTH:
        problems.add((*path, "id"),
                     f"{where}: id {goal.id[:24]!r}... is {len(goal.id)} characters long; "
                     f"shorten it to at most {MAX_ID_LENGTH} (it names the target's chart, "
                     "map anchor and results.gpkg columns)")


def _check_target(target: Target, path: PathKey, problems: _Problems) -> None:
    from geoplan.analyses.registry import get_indicator

    where = dotted(path)
    try:
        spec = get_indicator(target.indicator)
    except RecipeError as exc:
        problems.add((*path, "indicator"), f"{where}.indicator: {exc}")
        return
    if target.unit != spec.unit:
        problems.add((*path, "unit"),
                     f"{where}.unit: indicator {spec.name!r} reports {spec.unit}; the target "
                     f"says {target.unit}: set unit: {spec.unit} and express the value(s) in "
                     f"{spec.unit}")
    for name in ("value", "min", "max"):
        number = getattr(target, name)
        if number is None or target.unit != spec.unit:
            continue
        if spec.unit == "%" and not 0 <= number <= 100:
            problems.add((*path, name),
                         f"{where}.{name}: {number:g}% is not a share; indicator "
                         f"{spec.name!r} gives 0…100%: fix the value")
        elif spec.unit != "%" and number < 0:
            problems.add((*path, name),
                         f"{where}.{name}: {number:g} {spec.unit} is negative; indicator "
                         f"{spec.name!r} measures a size (0 or more): fix the value")
    if target.scope not in spec.scopes:
        problems.add((*path, "scope"),
                     f"{where}.scope: indicator {spec.name!r} cannot be evaluated at scope "
                     f"{target.scope!r}; use one of {', '.join(spec.scopes)}")
    if "as_of" in target.options:
        problems.add((*path, "options", "as_of"),
                     f"{where}.options.as_of: as_of is a run parameter (geoplan run --as-of); "
                     "remove it from the options")
    try:
        params = inspect.signature(spec.func).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without signature
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    accepted = [n for n, p in params.items() if p.kind is inspect.Parameter.KEYWORD_ONLY
                and n != "as_of"]
    for name in target.options:
        if name != "as_of" and name not in accepted:
            import difflib

            close = difflib.get_close_matches(name, accepted, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            problems.add((*path, "options", name),
                         f"{where}.options.{name}: indicator {spec.name!r} has no option "
                         f"{name!r}.{hint} Options: {', '.join(accepted) or 'none'}")
        elif name in accepted:
            issue = _option_problem(spec.func, params[name], target.options[name])
            if issue:
                problems.add((*path, "options", name), f"{where}.options.{name}: {issue}")


def _option_problem(func: Any, param: inspect.Parameter, value: Any) -> str | None:
    """Why ``value`` does not fit the type hint of option ``param`` of ``func`` (or None).

    Checked strictly (no text for numbers, no single text for a list of texts) and finite, so
    that ``distance_m: abc``, ``distance_m: .inf`` or ``statuses: operating`` (read as the
    letters o, p, e, ...) are reported here instead of failing, or lying, during a run.
    """
    from pydantic import TypeAdapter

    hint = param.annotation
    if hint is inspect.Parameter.empty:
        return None
    try:
        kind = eval(hint, func.__globals__) if isinstance(hint, str) else hint
        adapter: TypeAdapter[Any] = TypeAdapter(
            kind, config=ConfigDict(strict=True, allow_inf_nan=False))
    except Exception:  # a hint pydantic cannot check (or not resolvable at run time)
        return None
    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        vocabulary = _literal_values(kind)
        outside = [e["input"] for e in exc.errors() if e["type"] == "literal_error"]
        if vocabulary and outside and len(outside) == len(exc.errors()):
            return _vocabulary_message(outside, vocabulary)
        reason = "; ".join(sorted({str(e["msg"]) for e in exc.errors()}))
        wanted = hint if isinstance(hint, str) else getattr(hint, "__name__", str(hint))
        return f"{value!r} does not fit the option's type {wanted} ({reason}); fix the value"
    return None


def _literal_values(kind: Any) -> tuple[str, ...]:
    """Every value of the ``Literal`` types inside a type hint (the option's vocabulary)."""
    from typing import get_args, get_origin

    if get_origin(kind) is Literal:
        return tuple(str(v) for v in get_args(kind))
    return tuple(dict.fromkeys(v for arg in get_args(kind) for v in _literal_values(arg)))


def _vocabulary_message(outside: list[Any], vocabulary: tuple[str, ...]) -> str:
    import difflib

    parts = []
    for value in dict.fromkeys(map(str, outside)):
        close = difflib.get_close_matches(value.strip().lower(), vocabulary, n=1, cutoff=0.5)
        parts.append(f"{value!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    return (f"{', '.join(parts)} {'is' if len(parts) == 1 else 'are'} not in the option's "
            f"vocabulary; use one of {', '.join(vocabulary)}")


def _check_slugs(recipe: Recipe, problems: _Problems) -> None:
    """Goals whose keys give the same slug (results.gpkg columns, chart files, map anchors).

    SQLite compares column names without case, and ``slugify`` maps every run of other
    characters to ``_``: ``t.green`` and ``t_green`` would write the same columns, and one
    target's values would silently replace the other's.
    """
    seen: dict[str, tuple[PathKey, str]] = {}
    for group, i, goal in iter_goals(recipe):
        path: PathKey = (group, i)
        slug = slugify(goal.key)
        if slug in seen and seen[slug][1] != goal.key:
            first, key = seen[slug]
            problems.add((*path, "id"),
                         f"{dotted(path)}.id: key {goal.key!r} and {dotted(first)} (key "
                         f"{key!r}) give the same name {slug!r} to their results.gpkg "
                         "columns, chart and map anchor, so one would overwrite the other: "
                         "give one of them a different id")
        seen.setdefault(slug, (path, goal.key))


def _check(recipe: Recipe, problems: _Problems) -> None:
    if not _ID_RE.match(recipe.id):
        problems.add(("id",), f"id {recipe.id!r}: use lower-case letters, digits and '-'")
    elif len(recipe.id) > MAX_ID_LENGTH:
        problems.add(("id",), f"id {recipe.id[:24]!r}... is {len(recipe.id)} characters long; "
                     f"shorten it to at most {MAX_ID_LENGTH} (it names the output folder "
                     "maps/<id>)")
    doc_year = recipe.document.year
    seen: dict[str, PathKey] = {}
    groups: list[tuple[str, list[Any]]] = [("targets", list(recipe.targets)),
                                           ("statistics", list(recipe.statistics))]
    for group, goals in groups:
        for i, goal in enumerate(goals):
            path: PathKey = (group, i)
            _check_goal(goal, path, problems, doc_year)
            if isinstance(goal, Target):
                _check_target(goal, path, problems)
            if isinstance(goal, Statistic):
                _check_reports(goal, path, problems)
            if goal.key in seen:
                problems.add(path,
                             f"{dotted(path)}: key {goal.key!r} repeats "
                             f"{dotted(seen[goal.key])}; give a different id, scope or year")
            seen.setdefault(goal.key, path)
    _check_slugs(recipe, problems)
    if not recipe.goals:
        problems.add(("targets",), "the recipe has no targets and no statistics; add some")


def _check_reports(stat: Statistic, path: PathKey, problems: _Problems) -> None:
    if stat.reported is None:
        return
    series = isinstance(stat.reported, list)
    items = stat.reported if isinstance(stat.reported, list) else [stat.reported]
    seen: dict[str, int] = {}
    for i, report in enumerate(items):
        where: PathKey = (*path, "reported", i) if series else (*path, "reported")
        if report.unit != stat.unit:
            problems.add((*where, "unit"),
                         f"{dotted(where)}.unit: {report.unit!r} differs from the "
                         f"statistic's unit {stat.unit!r}; convert the reported value")
        if series and report.date in seen:
            problems.add((*where, "date"),
                         f"{dotted(where)}.date: {report.date} repeats "
                         f"reported[{seen[report.date]}]; keep one report per date")
        seen.setdefault(report.date, i)


def iter_goals(recipe: Recipe) -> Iterator[tuple[str, int, Goal]]:
    """Yield ``(group, index, goal)`` for every target and statistic."""
    for i, target in enumerate(recipe.targets):
        yield "targets", i, target
    for i, stat in enumerate(recipe.statistics):
        yield "statistics", i, stat
