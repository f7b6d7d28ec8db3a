"""The one place that knows every indicator: name → function, unit, layers needed.

Indicator modules register their functions with :func:`indicator`; recipes and the CLI look
them up with :func:`get_indicator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from geoplan.errors import RecipeError

if TYPE_CHECKING:
    from geoplan.analyses.result import IndicatorResult

__all__ = ["IndicatorSpec", "get_indicator", "indicator", "list_indicators"]

F = TypeVar("F", bound=Callable[..., "IndicatorResult"])


@dataclass(frozen=True)
class IndicatorSpec:
    """What the registry knows about an indicator.

    Attributes
    ----------
    name
        Registry name used in recipes.
    func
        ``func(bundle, **options) -> IndicatorResult``.
    unit
        Unit of measure (a key of :data:`geoplan.analyses.result.UNITS`).
    layers
        Roles the indicator needs (any missing one gives "no data").
    scopes
        Scopes it can be evaluated at: ``city``, ``inner``, ``unit``.
    description
        One line for listings and scorecards.
    """

    name: str
    func: Callable[..., IndicatorResult]
    unit: str
    layers: tuple[str, ...]
    scopes: tuple[str, ...]
    description: str


_REGISTRY: dict[str, IndicatorSpec] = {}


def indicator(
    name: str,
    *,
    unit: str,
    layers: tuple[str, ...] = (),
    scopes: tuple[str, ...] = ("city",),
    description: str = "",
) -> Callable[[F], F]:
    """Decorator registering an indicator function under ``name``."""

    def decorate(func: F) -> F:
        _REGISTRY[name] = IndicatorSpec(name, func, unit, layers, scopes,
                                        description or (func.__doc__ or "").split("\n")[0])
        return func

    return decorate


def _load_all() -> None:
    """Import the indicator modules so that they register themselves."""
    import importlib
    import pkgutil

    import geoplan.analyses as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if not info.name.startswith("_") and info.name not in {"registry", "result"}:
            importlib.import_module(f"geoplan.analyses.{info.name}")


def list_indicators() -> dict[str, IndicatorSpec]:
    """Every registered indicator by name."""
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def get_indicator(name: str, **_: Any) -> IndicatorSpec:
    """Return the spec of indicator ``name``.

    Raises
    ------
    RecipeError
        If no indicator has that name; the message lists the known names.
    """
    known = list_indicators()
    if name not in known:
        import difflib

        close = difflib.get_close_matches(name, list(known), n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        message = f"unknown indicator {name!r}.{hint} Known: {', '.join(known)}"
        raise RecipeError(message)
    return known[name]
