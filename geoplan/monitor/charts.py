"""One small PNG chart per target: its values over time, the target path and the target.

Drawn with matplotlib's object API (:class:`matplotlib.figure.Figure` on the Agg canvas: no
pyplot, no global state, no display needed). The PNG carries no software or time stamp, so
the same trajectory gives the same bytes.

>>> png = chart_png(trajectory, lang="en", at=date(2026, 11, 25))  # doctest: +SKIP
>>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"  # doctest: +SKIP
True
"""

from __future__ import annotations

import functools
import io
import logging
from datetime import date

import numpy as np
import pandas as pd

from geoplan.analyses.wording import check_lang, describe_goal
from geoplan.monitor.trajectory import Trajectory

__all__ = ["CHART_DPI", "CHART_SIZE", "chart_png", "chart_text"]

logger = logging.getLogger(__name__)

#: Chart size in inches and resolution (640 × 280 pixels).
CHART_SIZE: tuple[float, float] = (6.4, 2.8)
CHART_DPI = 100

_TEXT = {
    "values": {"vi": "Giá trị đo được", "en": "Measured value"},
    "path": {"vi": "Lộ trình đến mục tiêu", "en": "Path to the target"},
    "target": {"vi": "Mục tiêu", "en": "Target"},
    "baseline": {"vi": "Mốc cơ sở", "en": "Baseline"},
}
_VALUE = "#08519c"
_PATH = "#636363"
_TARGET = "#009e73"  # the map's "met" (geoplan.maps._style.STATUS_COLOURS)


def chart_text(text: str) -> str:
    """``text`` safe for matplotlib (``$`` would start mathtext).

    Examples
    --------
    >>> chart_text("GRDP $113 bn")
    'GRDP \\\\$113 bn'
    """
    return str(text).replace("$", r"\$")


def chart_png(trajectory: Trajectory, *, lang: str = "vi", at: date,
              start: date | None = None) -> bytes | None:
    """The chart of one target as PNG bytes (``None`` when it has no value to draw).

    Parameters
    ----------
    trajectory
        The target's trajectory.
    lang
        ``"vi"`` or ``"en"``: legend and title language.
    at
        Monitoring date (last date shown with data).
    start
        First date shown (default: the first value); the baseline is always shown.

    Returns
    -------
    bytes or None

    Raises
    ------
    UnknownLanguageError
        For a language other than vi/en.

    Examples
    --------
    >>> chart_png(trajs[0], lang="en", at=date(2026, 11, 25))[:4]  # doctest: +SKIP
    b'\\x89PNG'
    """
    lang = check_lang(lang)
    values = trajectory.values.dropna()
    values = values[[d <= at for d in values.index]]
    progress = trajectory.progress
    first = min([d for d in (start, progress.baseline_date) if d is not None], default=None)
    if first is not None:
        values = values[[d >= first for d in values.index]]
    if values.empty:
        return None
    goal = trajectory.goal
    path = progress.path
    # everything the drawing reads: the same chart (another process, the same history) is
    # read back from the cache folder instead of importing matplotlib and drawing it again
    from geoplan import _cache

    drawn = (_matplotlib_version(), lang, [d.isoformat() for d in values.index],
             values.to_numpy(dtype=float).tobytes(),
             None if path is None else (path.start, path.end, path.start_value, path.end_value),
             progress.target_date, goal.comparator, goal.min, goal.max, goal.value,
             goal.tolerance_abs if goal.comparator == "approx" and goal.value is not None
             else None, describe_goal(goal, lang), goal.title.get(lang), goal.unit)
    return _cache.persisted(
        "chart", drawn, lambda: _draw(values, trajectory, lang), code=__file__,
        pack=lambda png: {"png": np.frombuffer(png, dtype=np.uint8)},
        unpack=lambda arrays: arrays["png"].tobytes(), names=("png",))


@functools.cache
def _matplotlib_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("matplotlib")  # not ``import matplotlib``: 0.4 s a process
    except PackageNotFoundError:  # drawing raises the usual ImportError
        return ""


def _draw(values: pd.Series, trajectory: Trajectory, lang: str) -> bytes:
    from matplotlib.dates import date2num
    from matplotlib.figure import Figure

    progress = trajectory.progress
    goal = trajectory.goal
    fig = Figure(figsize=CHART_SIZE, dpi=CHART_DPI)
    ax = fig.add_subplot()
    ax.xaxis_date()
    ax.plot(date2num(list(values.index)), values.to_numpy(), color=_VALUE, marker="o", markersize=4,
            linewidth=1.8, label=_TEXT["values"][lang], zorder=3)
    path = progress.path
    if path is not None:
        ax.plot(date2num([path.start, path.end]), [path.start_value, path.end_value],
                color=_PATH, linestyle="--", linewidth=1.2, label=_TEXT["path"][lang], zorder=2)
        ax.axvline(float(date2num(path.start)), color=_PATH, linestyle=":", linewidth=0.8)
    end = progress.target_date
    target_label = f"{_TEXT['target'][lang]}: {describe_goal(goal, lang)}"
    if goal.comparator == "range" and goal.min is not None and goal.max is not None:
        ax.axhspan(goal.min, goal.max, color=_TARGET, alpha=0.15, label=chart_text(target_label))
    elif goal.comparator == "approx" and goal.value is not None:
        tol = goal.tolerance_abs
        ax.axhspan(goal.value - tol, goal.value + tol, color=_TARGET, alpha=0.15,
                   label=chart_text(target_label))
        ax.axhline(goal.value, color=_TARGET, linewidth=1)
    elif goal.comparator is not None and goal.value is not None:
        ax.axhline(goal.value, color=_TARGET, linewidth=1.2, label=chart_text(target_label))
    if end is not None and goal.comparator is not None:
        ax.axvline(float(date2num(end)), color=_TARGET, linestyle=":", linewidth=0.8)
    title = f"{goal.title.get(lang)}"
    ax.set_title(chart_text(title if len(title) <= 90 else title[:87] + "…"), fontsize=9,
                 loc="left")
    ax.set_ylabel(chart_text(goal.unit), fontsize=8)
    ax.tick_params(labelsize=7.5)
    ax.grid(True, linewidth=0.4, alpha=0.5)
    ax.legend(fontsize=7, loc="best", frameon=False)
    fig.autofmt_xdate(rotation=0, ha="center")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
