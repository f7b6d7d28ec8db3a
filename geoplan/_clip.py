"""Clip many polygons by one large covered area, in time linear in their number.

Intersecting every unit with a whole catchment (a multipolygon of thousands of parts) makes
GEOS walk the whole catchment once per unit: the cost grows with units × catchment size,
about n² when both grow with the network. :func:`clip_pairs` queries a spatial index
(``shapely.STRtree``) of the catchment's parts and intersects each unit with only the parts
it meets. The parts of a dissolved area are disjoint (they meet at points at most), so
sums over a unit's pieces (areas, population-grid sums) are sums over the unit's
intersection with the whole area.

>>> import numpy as np
>>> import shapely
>>> units = np.array([shapely.box(0, 0, 10, 10), shapely.box(20, 0, 30, 10)])
>>> area = shapely.MultiPolygon([shapely.box(5, 0, 15, 10), shapely.box(25, 0, 26, 1)])
>>> clipped_areas(units, area).tolist()
[50.0, 1.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

__all__ = ["clip_pairs", "clipped_areas"]


def clip_pairs(geoms: np.ndarray, covered: Any) -> tuple[np.ndarray, np.ndarray]:
    """The pieces of ``geoms`` inside ``covered``, one per (geometry, part of ``covered``)
    pair that meet.

    Parameters
    ----------
    geoms
        Array of polygons.
    covered
        A (multi)polygon or geometry collection (``None`` or empty: nothing is covered).

    Returns
    -------
    index : numpy.ndarray
        Position in ``geoms`` of each piece (ascending).
    pieces : numpy.ndarray
        The pieces (shapely geometries; a piece may hold lines or points where shapes touch).
    """
    if covered is None or shapely.is_empty(covered):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=object)
    parts = shapely.get_parts(covered)
    parts = parts[~shapely.is_empty(parts)]
    tree = shapely.STRtree(parts)
    index, part = tree.query(np.asarray(geoms, dtype=object), predicate="intersects")
    order = np.lexsort((part, index))
    index, part = index[order], part[order]
    return index, shapely.intersection(np.asarray(geoms, dtype=object)[index], parts[part])


def clipped_areas(geoms: np.ndarray, covered: Any) -> np.ndarray:
    """Area of each of ``geoms`` inside ``covered`` (:func:`clip_pairs`, summed per geometry).

    Returns
    -------
    numpy.ndarray
        One float per geometry, 0 where it does not meet ``covered``.
    """
    index, pieces = clip_pairs(geoms, covered)
    return np.bincount(index, weights=shapely.area(pieces), minlength=len(geoms))
