"""Hostile inputs of geoplan batch: each refused before any task runs, CLI and API alike.

docs/BAD_INPUTS.md lists every case (section "Batch runs"); :func:`test_every_case_is_documented`
keeps it in step. Real embedded province bundles; the hostile files are SYNTHETIC.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from geoplan.errors import BatchError, BundleNotFoundError, OutputError, RecipeError
from geoplan.monitor.history import HistoryError
from geoplan.workflows.batch import plan_batch, run_batch
from tests._hostile import assert_refused

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "BAD_INPUTS.md"
SECTION = "## Batch runs (`geoplan batch`)"
RECIPE = str(ROOT / "analyses" / "hatinh-15-ctr-tu.yaml")
DAY = date(2025, 12, 31)
CASES = ["batch_same_bundle_twice", "batch_unknown_bundle", "batch_negative_workers",
         "batch_out_in_bundle", "batch_history_not_geoplan", "batch_scheduler_unreachable"]


def test_batch_same_bundle_twice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(
        ["batch", RECIPE, "-b", "hatinh", "-b", "hatinh", "--out", str(tmp_path)],
        lambda: plan_batch([RECIPE], out=tmp_path, bundles=["hatinh", "hatinh"]),
        RecipeError, r"on hatinh and .* on hatinh would write the same folder .*give each "
                     r"recipe and bundle once", capsys)
    assert not list(tmp_path.iterdir())


def test_batch_unknown_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(["batch", RECIPE, "-b", "hatihn", "--out", str(tmp_path)],
                   lambda: plan_batch([RECIPE], out=tmp_path, bundles=["hatihn"]),
                   BundleNotFoundError, r"hatihn", capsys)
    assert not list(tmp_path.iterdir())


def test_batch_negative_workers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert_refused(["batch", RECIPE, "--workers", "-1", "--out", str(tmp_path)],
                   lambda: run_batch([], workers=-1), RecipeError,
                   r"--workers -1: give 0 \(serial\) or a positive number of workers", capsys)
    assert not list(tmp_path.iterdir())


def test_batch_out_in_bundle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle = tmp_path / "hatinh"
    shutil.copytree(ROOT / "layers" / "hatinh", bundle)
    before = sorted(p.name for p in bundle.iterdir())
    out = bundle / "results"
    assert_refused(["batch", RECIPE, "-b", str(bundle), "--out", str(out)],
                   lambda: plan_batch([RECIPE], out=out, bundles=[str(bundle)]),
                   OutputError, r"bundle", capsys)
    assert sorted(p.name for p in bundle.iterdir()) == before


def test_batch_history_not_geoplan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "hatinh-15-ctr-tu" / "hatinh"
    folder.mkdir(parents=True)
    (folder / "history.parquet").write_bytes(b"SYNTHETIC: not a parquet file")
    assert_refused(["batch", RECIPE, "--out", str(tmp_path)],
                   lambda: plan_batch([RECIPE], out=tmp_path), HistoryError,
                   r"history\.parquet", capsys)
    assert sorted(p.name for p in folder.iterdir()) == ["history.parquet"]
    assert (folder / "history.parquet").read_bytes() == b"SYNTHETIC: not a parquet file"


def test_batch_scheduler_unreachable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("distributed")
    tasks = plan_batch([RECIPE], out=tmp_path, dates=[DAY])
    assert_refused(
        ["batch", RECIPE, "--scheduler", "tcp://127.0.0.1:9", "--as-of", DAY.isoformat(),
         "--out", str(tmp_path)],
        lambda: run_batch(tasks, scheduler="tcp://127.0.0.1:9"), BatchError,
        r"cannot reach the dask scheduler 'tcp://127\.0\.0\.1:9' within 10 s .*leave out "
        r"--scheduler to run on a local cluster", capsys)
    assert not (tmp_path / "hatinh-15-ctr-tu").exists()


def test_every_case_is_documented() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert SECTION in text
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1].strip() for line in section.splitlines()
            if line.startswith("| ") and not line.startswith("| case")]
    assert rows == CASES
    tested = sorted(name[5:] for name in globals() if name.startswith("test_batch_"))
    assert tested == sorted(CASES)
