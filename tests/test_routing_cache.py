"""The persisted routing cache (geoplan._cache) on the SYNTHETIC bundle of tests/synthetic.py.

Each test points ``GEOPLAN_CACHE`` at its own temporary folder and forgets the in-process
caches between "processes" (:func:`_new_process`), so that what is read back really comes
from the files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
import shapely

from geoplan import _cache, network
from geoplan.analyses import _population, transit
from geoplan.io import sha256_file
from geoplan.layers import load_bundle
from geoplan.network import StreetGraph, catchments_from_stations, snap_points
from geoplan.workflows import monitor_recipe, run_recipe
from tests import synthetic
from tests.test_monitor import END, monitor_recipe_path  # noqa: F401 (fixture)

KINDS = ("graph", "snap", "footprint", "bands")


def _new_process() -> None:
    network._GRAPH_CACHE.clear()
    network._BANDS_MEMO.clear()
    network._POPULATION_MEMO.clear()
    transit._DISCS.clear()
    _population._GEOMS.clear()
    _cache._DIGESTS.clear()


def _compute(folder: Path) -> dict[str, object]:
    """Graph, snapping, footprint and a 750 m catchment of the synthetic stations."""
    _new_process()
    bundle = load_bundle(folder)
    graph = StreetGraph.from_bundle(bundle)
    snaps = snap_points(graph, bundle.stations)
    catchment = catchments_from_stations(graph, bundle.stations, distance_m=750.0,
                                         snaps=snaps)
    return {"graph": graph, "snaps": snaps, "footprint": graph.footprint(),
            "catchment": catchment.geometry.iloc[0], "area": catchment["area_m2"].iloc[0]}


def _entries(root: Path) -> dict[str, list[Path]]:
    return {kind: sorted((root / kind).glob("*.npz")) for kind in KINDS}


def _assert_same(a: dict[str, object], b: dict[str, object]) -> None:
    ga, gb = a["graph"], b["graph"]
    assert isinstance(ga, StreetGraph) and isinstance(gb, StreetGraph)
    for name in ("node_ids", "node_xy", "edge_u", "edge_v", "edge_length"):
        np.testing.assert_array_equal(getattr(ga, name), getattr(gb, name))
    assert (ga.matrix != gb.matrix).nnz == 0
    assert ga.crs.equals(gb.crs)
    assert list(shapely.to_wkb(ga.edge_geometry())) == list(shapely.to_wkb(gb.edge_geometry()))
    assert a["snaps"].equals(b["snaps"])  # type: ignore[attr-defined]
    # byte-identical geometry, not merely equal area
    assert shapely.to_wkb(a["footprint"]) == shapely.to_wkb(b["footprint"])
    assert shapely.to_wkb(a["catchment"]) == shapely.to_wkb(b["catchment"])
    assert a["area"] == b["area"]


@pytest.fixture
def bundle_folder(tmp_path: Path) -> Path:
    return synthetic.write_bundle(tmp_path / "synthetic")


def test_results_identical_with_and_without_the_cache(
    bundle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(_cache.ENV, "off")
    without = _compute(bundle_folder)
    assert _cache.cache_dir() is None
    root = tmp_path / "cache"
    monkeypatch.setenv(_cache.ENV, str(root))
    cold = _compute(bundle_folder)  # builds and writes
    written = _entries(root)
    assert all(len(written[k]) == 1 for k in KINDS), written
    stamps = {p: p.stat().st_mtime_ns for paths in written.values() for p in paths}
    warm = _compute(bundle_folder)  # reads back, writes nothing new
    assert _entries(root) == written
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps
    _assert_same(without, cold)
    _assert_same(without, warm)
    # the synthetic stations reach 750 m of the grid: catchment not empty (the test can fail)
    assert float(warm["area"]) > 1e5  # type: ignore[arg-type]
    # a graph read back holds its edges already metric, so nothing is projected again
    graph = warm["graph"]
    assert isinstance(graph, StreetGraph) and graph._metric is not None
    assert not shapely.is_missing(graph._metric).any()


def test_damaged_entries_are_rebuilt_with_a_warning(
    bundle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv(_cache.ENV, str(root))
    first = _compute(bundle_folder)
    entries = _entries(root)
    entries["graph"][0].write_bytes(b"not a numpy archive")
    entries["bands"][0].write_bytes(entries["bands"][0].read_bytes()[:40])  # truncated
    np.savez(entries["snap"][0], node=np.arange(3))  # readable, arrays missing
    with caplog.at_level(logging.WARNING, logger="geoplan._cache"):
        again = _compute(bundle_folder)
    damaged = [r.getMessage() for r in caplog.records if "damaged" in r.getMessage()]
    assert len(damaged) == 3
    assert any(str(entries["graph"][0]) in m for m in damaged)
    _assert_same(first, again)
    # rebuilt in place: each kind holds one readable entry again
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geoplan._cache"):
        third = _compute(bundle_folder)
    assert not [r for r in caplog.records if "damaged" in r.getMessage()]
    assert all(len(v) == 1 for v in _entries(root).values())
    _assert_same(first, third)


def test_a_changed_file_gets_another_key(
    bundle_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = tmp_path / "cache"
    monkeypatch.setenv(_cache.ENV, str(root))
    before = _compute(bundle_folder)
    bundle = load_bundle(bundle_folder)
    path = bundle.file_path("street_network")
    digest = _cache.file_digest(path)
    # SYNTHETIC change: the street grid without its last edge (one street fewer)
    layers = synthetic.layers()
    streets = layers["street_network"].iloc[:-1]
    other = synthetic.write_bundle(tmp_path / "other", replace={"street_network": streets})
    after = _compute(other)
    assert _cache.file_digest(load_bundle(other).file_path("street_network")) != digest
    assert len(_entries(root)["graph"]) == 2  # a second entry, the first one untouched
    g0, g1 = before["graph"], after["graph"]
    assert isinstance(g0, StreetGraph) and isinstance(g1, StreetGraph)
    assert g0._key != g1._key
    assert g1.n_edges == g0.n_edges - 1
    # keys follow every part
    assert _cache.entry_key("bands", b"a", 50.0) != _cache.entry_key("bands", b"a", 40.0)
    assert _cache.entry_key("bands", b"a", 50.0) != _cache.entry_key("snap", b"a", 50.0)


def test_cache_folder_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for off in ("off", "0", "False", "none", ""):
        monkeypatch.setenv(_cache.ENV, off)
        assert _cache.cache_dir() is None
        assert _cache.store("bands", "k", {"a": np.arange(2)}) is None
        assert _cache.load("bands", "k") is None
    monkeypatch.setenv(_cache.ENV, str(tmp_path / "c"))
    assert _cache.cache_dir() == tmp_path / "c"
    written = _cache.store("bands", "k", {"a": np.arange(2)})
    assert written == tmp_path / "c" / "bands" / "k.npz"
    stored = _cache.load("bands", "k", names=("a",))
    assert stored is not None
    np.testing.assert_array_equal(stored["a"], [0, 1])
    assert not list((tmp_path / "c" / "bands").glob("*.tmp"))  # renamed into place
    monkeypatch.delenv(_cache.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    default = _cache.cache_dir()
    assert default is not None and default.name == "geoplan"


def test_geometries_round_trip_exactly() -> None:
    geoms = np.array([shapely.Point(0.1, 1 / 3), None,
                      shapely.LineString([(0, 0), (np.pi, np.e)])], dtype=object)
    back = _cache.unpack_geoms(_cache.pack_geoms(geoms))
    assert back[1] is None
    assert shapely.to_wkb(back[0]) == shapely.to_wkb(geoms[0])
    assert shapely.get_coordinates(back[2])[1].tolist() == [np.pi, np.e]


#: Entries a run and a monitor store beside the routing: population tables, straight-line
#: disc unions, the map's display geometry and disc unions, chart images (``coverage``,
#: the clipped extents, only for layers that cover part of the units: not the SYNTHETIC
#: bundle's).
RESULT_KINDS = ("population", "discs", "display", "map-discs", "chart")


def _outputs(folder: Path) -> dict[str, str]:
    """SHA-256 of a run's and a monitor's outputs (the history's times and the records
    of times left out)."""
    names = ["run/scorecard.csv", "run/scorecard.md", "run/results.gpkg", "run/index.html",
             "monitor/monitor/report.md", "monitor/monitor/report.html",
             "monitor/monitor/progress.html"]
    charts = sorted((folder / "monitor" / "monitor" / "charts").glob("*.png"))
    assert charts, "the monitor drew no chart: the comparison would be empty"
    return {name: sha256_file(folder / name) for name in names} | {
        p.name: sha256_file(p) for p in charts}


def _run_and_monitor(recipe: Path, out: Path) -> dict[str, str]:
    _new_process()
    run_recipe(recipe, as_of=END, out=out / "run", lang="en")
    monitor_recipe(recipe, out=out / "monitor", period="year", end=END, lang="en")
    return _outputs(out)


def test_run_and_monitor_outputs_identical_cold_warm_and_off(
    monitor_recipe_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    """A second process reads back every stored result, and its scorecards, GeoPackage,
    maps, report and charts are the bytes of a run without the cache."""
    monkeypatch.setenv(_cache.ENV, "off")
    without = _run_and_monitor(monitor_recipe_path, tmp_path / "off")
    root = tmp_path / "cache"
    monkeypatch.setenv(_cache.ENV, str(root))
    cold = _run_and_monitor(monitor_recipe_path, tmp_path / "cold")
    stored = {kind: sorted((root / kind).glob("*.npz")) for kind in RESULT_KINDS}
    assert all(stored[kind] for kind in RESULT_KINDS), {k: len(v) for k, v in stored.items()}
    every = {p: p.stat().st_mtime_ns for p in root.rglob("*.npz")}
    warm = _run_and_monitor(monitor_recipe_path, tmp_path / "warm")
    # read back, nothing computed and stored anew
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*.npz")} == every
    assert cold == without
    assert warm == without
