"""The ranking layer of a map: one plan's planned lines coloured by their rank in
:func:`geoplan.analyses.ranking.rank_planned_lines` (people added per km of line within
walking distance of a station), with the numbers in each line's popup.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from geoplan.maps._base import _BuilderBase, _esc, _LegendSection, _line_svg, _text
from geoplan.maps._elements import SharedData
from geoplan.maps._geo import display_layer, feature_collection
from geoplan.analyses.wording import format_number

__all__ = ["RANK_RAMP", "rank_class"]

logger = logging.getLogger(__name__)

#: Colour of each rank class, best first (plasma, dark to light: colour-blind safe).
RANK_RAMP: tuple[str, ...] = ("#0d0887", "#6a00a8", "#b12a90", "#e16462", "#fca636")
#: Colour of a listed line without a rank (no station on the mapped streets).
UNRANKED_COLOUR = "#969696"
_STYLE = {"weight": 5, "opacity": 0.95, "dashArray": None}


def rank_class(rank: int, ranked: int) -> int:
    """The colour class (index into :data:`RANK_RAMP`) of rank ``rank`` of ``ranked`` lines.

    The ranked lines are cut into as many classes as there are colours, in rank order:
    class ``(rank - 1) * 5 // ranked``.

    Examples
    --------
    >>> [rank_class(r, 12) for r in range(1, 13)]
    [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4]
    >>> rank_class(1, 1), rank_class(2, 2)
    (0, 2)
    """
    return (int(rank) - 1) * len(RANK_RAMP) // max(int(ranked), 1)


class _RankingLayers(_BuilderBase):
    """Adds :meth:`add_ranking` to a map builder."""

    def ranking_rows(self, table: pd.DataFrame) -> dict[str, list[Any]]:
        """Per line of ``table``: its popup (title and label/value pairs, plain text)."""
        rows: dict[str, list[Any]] = {}
        for lid, row in table.iterrows():
            fields: list[list[str]] = [[self._t("line"), str(lid)]]
            rank = row.get("rank")
            fields.append([self._t("rank"), self._t("unranked") if pd.isna(rank)
                           else str(int(rank))])
            fields.append([self._t("plan"), _text(row.get("plan"))])
            if _text(row.get("length_km")):
                fields.append([self._t("length_km"),
                               format_number(float(row["length_km"]), self.lang)])
            fields.append([self._t("stations_measured"),
                           f"{int(row['stations'])} ({int(row['stations_measured'])})"])
            for key in ("added_population", "added_per_km"):
                if not pd.isna(row.get(key)):
                    fields.append([self._t(key),
                                   format_number(float(row[key]), self.lang, digits=0)])
            if _text(row.get("not_measured")):
                fields.append([self._t("not_measured"), _text(row.get("not_measured"))])
            rows[str(lid)] = [_text(row.get("name")) or str(lid), [f for f in fields if f[1]]]
        return rows

    def add_ranking(self, table: pd.DataFrame) -> None:
        """The ranked plan's planned lines, coloured by rank class, and their legend.

        Parameters
        ----------
        table
            From :func:`~geoplan.analyses.ranking.rank_planned_lines`: its lines are drawn
            from the bundle's ``metro_lines`` (status ``planned``, the table's plan).
        """
        if not self.bundle.has("metro_lines") or table.empty:
            return
        lines = display_layer(self.bundle.metro_lines, tolerance_m=10,
                              what=f"{self.bundle.name}/metro_lines").reset_index(drop=True)
        ids = lines["line_id"].map(_text)
        plans = lines["plan"].map(_text) if "plan" in lines.columns else ids.map(lambda _: "")
        wanted = {str(k): _text(p) for k, p in table["plan"].items()}
        keep = (lines["status"].map(_text) == "planned") & ids.isin(list(wanted)) & np.array(
            [wanted.get(i) in ("", p) for i, p in zip(ids, plans, strict=True)])
        part = lines[keep.to_numpy()].reset_index(drop=True)
        if part.empty:
            logger.warning("no planned line of the ranking is in %s/metro_lines",
                           self.bundle.name)
            return
        ranked = int(table["rank"].notna().sum())
        rows = self.ranking_rows(table)
        styles: list[dict[str, Any]] = []
        colour_of: dict[str, str] = {}
        for lid, rank in table["rank"].items():
            colour_of[str(lid)] = (UNRANKED_COLOUR if pd.isna(rank)
                                   else RANK_RAMP[rank_class(int(rank), ranked)])
        index: dict[str, int] = {}
        s: list[int] = []
        for lid in part["line_id"].map(_text):
            if lid not in index:
                index[lid] = len(styles)
                unranked = colour_of[lid] == UNRANKED_COLOUR
                styles.append({"color": colour_of[lid], "weight": 3 if unranked else 5,
                               "opacity": 0.95, "dashArray": "2 6" if unranked else None,
                               "lineCap": "round", "pane": "gp-lines", "fill": False})
            s.append(index[lid])
        spec = {"cls": "gp-metro-line gp-ranking", "kind": "line", "interactive": True,
                "popup": True, "tipN": 4, "styles": styles, "s": s,
                "rows": [rows[lid] for lid in part["line_id"].map(_text)]}
        data = SharedData(feature_collection(part.geometry))
        self.map.add_child(data)
        layer = self._layer(data, spec, self._t("ranking_layer"), show=True)
        items = []
        for lid, row in table[table["rank"].notna()].sort_values("rank").iterrows():
            per_km = format_number(float(row["added_per_km"]), self.lang, digits=0)
            shown = f"{int(row['rank'])}. {_text(row.get('name')) or lid}"
            items.append(f"{_line_svg(colour_of[str(lid)], _STYLE)}{_esc(shown)}"
                         f" — {_esc(per_km)}")
        unranked_ids = [str(i) for i in table.index[table["rank"].isna()]]
        if unranked_ids:
            look = {"weight": 3, "opacity": 0.95, "dashArray": "2 6"}
            items.append(f"{_line_svg(UNRANKED_COLOUR, look)}{_esc(self._t('unranked'))}: "
                         f"{_esc(', '.join(unranked_ids))}")
        notes = [_esc(self._t("added_per_km")), _esc(_text(table.attrs.get("method")))]
        self.legend.insert(0, _LegendSection(_esc(self._t("ranking_layer")), items,
                                             [n for n in notes if n], layers=[layer]))
