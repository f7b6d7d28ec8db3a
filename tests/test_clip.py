"""geoplan._clip: units clipped by the parts of a covered area they meet (a spatial index)
give what intersecting each unit with the whole area gives. SYNTHETIC squares and discs."""

from __future__ import annotations

import numpy as np
import shapely

from geoplan._clip import clip_pairs, clipped_areas


def _grid_units(n: int, size: float) -> np.ndarray:
    return np.array([shapely.box(i * size, j * size, (i + 1) * size, (j + 1) * size)
                     for i in range(n) for j in range(n)], dtype=object)


def test_areas_by_hand() -> None:
    units = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10),
                      shapely.box(100, 100, 110, 110)], dtype=object)
    # one part across the shared border (5..15 × 0..4) and one inside the second unit
    covered = shapely.MultiPolygon([shapely.box(5, 0, 15, 4), shapely.box(16, 6, 18, 8)])
    assert clipped_areas(units, covered).tolist() == [20.0, 20.0 + 4.0, 0.0]
    index, pieces = clip_pairs(units, covered)
    assert index.tolist() == [0, 1, 1]
    assert sorted(shapely.area(pieces).tolist()) == [4.0, 20.0, 20.0]


def test_equals_the_intersection_with_the_whole_area() -> None:
    rng = np.random.default_rng(7)  # SYNTHETIC: 400 discs dissolved into a multipart area
    centres = rng.uniform(0, 10_000, size=(400, 2))
    covered = shapely.union_all(shapely.buffer(shapely.points(centres), 250.0))
    assert len(shapely.get_parts(covered)) > 20
    units = _grid_units(12, 10_000 / 12)
    direct = shapely.area(shapely.intersection(units, covered))
    assert np.allclose(clipped_areas(units, covered), direct, rtol=1e-9, atol=1e-6)
    inside = shapely.intersection(covered, shapely.box(0, 0, 10_000, 10_000)).area  # the grid
    assert abs(clipped_areas(units, covered).sum() - inside) < 1e-6 * inside


def test_empty_and_mixed_areas() -> None:
    units = _grid_units(2, 10.0)
    assert clipped_areas(units, shapely.Polygon()).tolist() == [0.0] * 4
    assert clipped_areas(units, None).tolist() == [0.0] * 4
    mixed = shapely.GeometryCollection([shapely.box(0, 0, 5, 5), shapely.LineString([(0, 0),
                                                                                        (20, 20)])])
    assert clipped_areas(units, mixed).tolist() == [25.0, 0.0, 0.0, 0.0]
