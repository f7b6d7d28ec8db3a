"""Catchments partitioned with a halo equal the single-network catchment (real Hà Nội data)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geoplan.layers import Bundle
from geoplan.network import StreetGraph, catchments_from_stations, population_covered
from geoplan.partition import catchments_by_partition, read_edges_within


def _quadrants(hanoi: Bundle) -> gpd.GeoDataFrame:
    """The 126 units grouped in four by the medians of their centroids."""
    units = hanoi.admin_units.to_crs(32648)
    c = units.geometry.centroid
    key = (c.x > c.x.median()).astype(int) + 2 * (c.y > c.y.median()).astype(int)
    return units.assign(part=key).dissolve("part").reset_index()


@pytest.mark.slow
@pytest.mark.parametrize("distance_m", [500.0, 1000.0])
def test_partitioned_catchment_is_the_whole_network_catchment(hanoi: Bundle,
                                                              distance_m: float) -> None:
    graph = StreetGraph.from_bundle(hanoi)
    # the partitioned computation snaps to nodes (node ids carry across partitions; edge
    # snapping, the default of catchments_from_stations, is not partitioned yet)
    whole = catchments_from_stations(graph, hanoi.stations, distance_m=distance_m,
                                     snap="node")
    one = whole.geometry.iloc[0]
    parts = _quadrants(hanoi)
    got = catchments_by_partition(hanoi.file_path("street_network"), hanoi.stations, parts,
                                  distance_m=distance_m)
    assert got.partitions["stations"].sum() == len(hanoi.stations) == 216
    # every partition read only its halo: together far fewer than 4 x the 77,507 edges
    assert (got.partitions["edges_read"] < 77_507).all()
    assert shapely.symmetric_difference(one, got.geometry).area < 1e-3  # m², i.e. none
    assert got.geometry.area == pytest.approx(whole.area_m2.iloc[0], rel=1e-12)
    a = population_covered(hanoi.admin_units, one, crs=graph.crs)
    b = population_covered(hanoi.admin_units, got.geometry, crs=graph.crs)
    assert np.allclose(a["covered_population"], b["covered_population"], rtol=1e-9, atol=1e-6)


def test_edges_within_reads_only_what_meets_the_area(hanoi: Bundle) -> None:
    path = hanoi.file_path("street_network")
    box = shapely.box(105.83, 21.02, 105.84, 21.03)  # around Văn Miếu, EPSG:4326
    got = read_edges_within(path, box, crs=4326)
    everything = hanoi.street_network
    expected = int(shapely.intersects(box, everything.geometry.to_numpy()).sum())
    assert len(got) == expected > 100
    assert set(got["osm_id"]) <= set(everything["osm_id"])
