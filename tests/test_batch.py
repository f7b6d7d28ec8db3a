"""geoplan batch: tasks on dask.distributed give the serial run's bytes; a killed worker's task
is run again, leaves nothing half-written and adds one snapshot (real embedded bundles)."""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from geoplan.analyses.recipe import load_recipe
from geoplan.errors import RecipeError
from geoplan.monitor.history import read_history
from geoplan.workflows.batch import plan_batch, run_batch

ROOT = Path(__file__).resolve().parents[1]
PROVINCE_RECIPES = [str(ROOT / "analyses" / f) for f in (
    "hatinh-15-ctr-tu.yaml", "haiphong-06-ctr.yaml", "tuyenquang-infrastructure-2030.yaml")]
DATES = [date(2024, 12, 31), date(2025, 12, 31)]
#: Outputs compared byte for byte (provenance.json holds times and the output folder).
COMPARED = ("scorecard.csv", "scorecard.md", "results.gpkg", "index.html")


def _outputs(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name in COMPARED}


def _histories(root: Path) -> dict[str, pd.DataFrame]:
    """Every history under ``root`` without its recording times (provenance)."""
    out = {}
    for path in sorted(root.rglob("history.parquet")):
        frame = read_history(path).drop(columns=["recorded_at"])
        out[str(path.relative_to(root))] = frame.sort_values(
            ["as_of", "key", "unit_id"]).reset_index(drop=True)
    return out


def test_plan_lists_recipe_bundle_date_tasks(tmp_path: Path) -> None:
    tasks = plan_batch(PROVINCE_RECIPES, out=tmp_path, dates=list(reversed(DATES)))
    assert [t.key for t in tasks] == [
        "hatinh-15-ctr-tu/hatinh/2024-12-31", "hatinh-15-ctr-tu/hatinh/2025-12-31",
        "haiphong-06-ctr/haiphong/2024-12-31", "haiphong-06-ctr/haiphong/2025-12-31",
        "tuyenquang-infrastructure-2030/tuyenquang/2024-12-31",
        "tuyenquang-infrastructure-2030/tuyenquang/2025-12-31"]
    assert tasks[0].out == str(tmp_path / "hatinh-15-ctr-tu" / "hatinh" / "2024-12-31")
    assert tasks[0].history == str(tmp_path / "hatinh-15-ctr-tu" / "hatinh" / "history.parquet")
    assert not list(tmp_path.iterdir())  # planning writes nothing


def test_plan_refuses_one_folder_twice(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="would write the same folder"):
        plan_batch(PROVINCE_RECIPES[:1], out=tmp_path, bundles=["hatinh", "hatinh"])


def test_negative_workers_refused(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="--workers -1"):
        run_batch([], workers=-1)


def test_local_workers_start_without_the_sampling_profiler(
        monkeypatch: pytest.MonkeyPatch) -> None:
    distributed = pytest.importorskip("distributed")
    import dask

    seen: dict[str, object] = {}

    class StopError(Exception):
        pass

    def cluster(**kwargs: object) -> None:  # the settings the workers are started with
        seen["profile"] = dask.config.get("distributed.worker.profile.enabled")
        seen["threads"] = kwargs["threads_per_worker"]
        raise StopError

    monkeypatch.setattr(distributed, "LocalCluster", cluster)
    with pytest.raises(StopError):
        run_batch([], workers=2)
    assert seen == {"profile": False, "threads": 1}
    assert dask.config.get("distributed.worker.profile.enabled") is True  # only there


@pytest.mark.slow
def test_two_workers_give_the_serial_bytes(tmp_path: Path) -> None:
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    one = run_batch(plan_batch(PROVINCE_RECIPES, out=serial, dates=DATES), workers=0)
    two = run_batch(plan_batch(PROVINCE_RECIPES, out=parallel, dates=DATES), workers=2)
    assert one.workers == 0 and two.workers == 2
    assert not one.failed and not two.failed
    assert all(o.cpu_seconds > 0 for o in one.outcomes + two.outcomes)  # measured, each side
    a, b = _outputs(serial), _outputs(parallel)
    assert len(a) == 6 * 3  # scorecard.csv, .md and index.html of 6 tasks (no admin units)
    assert a == b
    ha, hb = _histories(serial), _histories(parallel)
    assert list(ha) == list(hb) and len(ha) == 3
    for name in ha:
        pd.testing.assert_frame_equal(ha[name], hb[name])
        assert sorted(set(ha[name]["as_of"])) == ["2024-12-31", "2025-12-31"]
    # the 2025 urbanisation of Hà Tĩnh is the 2019 census share: on 2025-12-31 the 2019
    # data cannot show the 2025 outcome (> 40 %); on 2024-12-31 it was not met yet
    card = pd.read_csv(serial / "hatinh-15-ctr-tu" / "hatinh" / "2025-12-31" / "scorecard.csv")
    row = card[card["key"] == "ht.urbanisation@2025"].iloc[0]
    assert row["value"] == pytest.approx(100 * 251_893 / 1_288_866, abs=1e-6)
    assert (row["status"], row["data_date"]) == ("data older than target", "2019-04-01")
    card = pd.read_csv(serial / "hatinh-15-ctr-tu" / "hatinh" / "2024-12-31" / "scorecard.csv")
    row = card[card["key"] == "ht.urbanisation@2025"].iloc[0]
    assert row["status"] == "not met"


@pytest.mark.slow
def test_a_killed_worker_task_runs_again_whole_and_once(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    recipe = str(ROOT / "analyses" / "hanoi-02-nq-tw.yaml")
    tasks = plan_batch([recipe], out=tmp_path, dates=DATES)
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=50)
    client = distributed.Client(cluster, set_as_default=False)
    killed: list[int] = []
    try:
        outcome: dict[str, object] = {}

        def batch() -> None:
            try:
                outcome["result"] = run_batch(tasks, scheduler=cluster.scheduler_address)
            except BaseException as exc:  # reported by the assertion below
                outcome["error"] = exc

        runner = threading.Thread(target=batch)
        runner.start()
        pids = client.run(os.getpid)
        deadline = time.monotonic() + 120
        # kill every busy worker as soon as a task is writing its outputs (a staging folder
        # exists): the moment a kill could leave something half-written. Watching the files,
        # not a clock, keeps the test the same on a loaded machine.
        while not killed and time.monotonic() < deadline:
            if any(tmp_path.rglob(".geoplan-run-*")):
                for worker, keys in client.processing().items():
                    if keys:
                        os.kill(pids[worker], signal.SIGKILL)
                        killed.append(pids[worker])
            time.sleep(0.02)
        runner.join(timeout=600)
        assert killed, "no task was seen running"
        assert "error" not in outcome, outcome.get("error")
        result = outcome["result"]
    finally:
        client.close()
        cluster.close()
    assert not result.failed  # type: ignore[attr-defined]
    folder = tmp_path / "hanoi-02-nq-tw" / "hanoi"
    for day in DATES:
        out = folder / day.isoformat()
        names = sorted(p.name for p in out.iterdir())
        assert names == ["index.html", "provenance.json", "results.gpkg", "scorecard.csv",
                         "scorecard.md"], names  # whole, and no staging folder left behind
        card = pd.read_csv(out / "scorecard.csv")
        goals = load_recipe(recipe).goals
        # 34 goals: 13 targets (with the river corridor's people and length), 21 statistics
        assert len(card) == len(goals) == 34 and set(card["as_of"]) == {day.isoformat()}
    history = read_history(folder / "history.parquet")
    snapshots = history[["as_of", "run_checksum"]].drop_duplicates()
    assert sorted(snapshots["as_of"]) == ["2024-12-31", "2025-12-31"]  # one per task


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    from geoplan.errors import BatchError

    tasks = plan_batch(PROVINCE_RECIPES[:1], out=tmp_path, dates=DATES[:1])
    with pytest.raises(BatchError, match=r"cannot reach the dask scheduler 'tcp://127\.0\.0\.1:9'"):
        run_batch(tasks, scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "hatinh-15-ctr-tu").exists()
