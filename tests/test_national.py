"""The national scorecard of Resolution 06-NQ/TW on the ``vietnam`` bundle and the province
bundles (real embedded bundles; official 2019 census figures: 96,208,984 people, 34.43 %
urban; Hà Tĩnh 19.54 %, Hồ Chí Minh City 77.45 %, Cao Bằng 23.27 %)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from geoplan.errors import RecipeError
from geoplan.layers import load_bundle
from geoplan.layers.new import new_province_bundle
from geoplan.workflows.batch import plan_batch, run_batch
from geoplan.workflows.national import national_scorecard, province_of, write_national

ROOT = Path(__file__).resolve().parents[1]
RECIPE = str(ROOT / "analyses" / "vietnam-06-nq-tw.yaml")
AS_OF = date(2026, 6, 30)
BUNDLES = ["vietnam", "hatinh", "haiphong", "tuyenquang"]


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    out = tmp_path_factory.mktemp("national")
    result = run_batch(plan_batch([RECIPE], out=out, bundles=BUNDLES, dates=[AS_OF]),
                       workers=0)
    assert not result.failed
    card = national_scorecard(result.outcomes)
    written = write_national(card, out / "national")
    assert sorted(written) == ["national.csv", "national.gpkg", "national.html", "national.json",
                              "national.md"]
    return card.table, out / "national"


def test_every_province_has_its_urbanisation(national: tuple[pd.DataFrame, Path]) -> None:
    table, _ = national
    rows = table[table["key"] == "vn.urbanisation@2030"].set_index("unit_id")
    assert len(rows) == 34 and rows["value"].notna().all()
    # from the province's own bundle where one exists, else from the national run
    assert rows.loc["42", "bundle"] == "hatinh"
    assert round(rows.loc["42", "value"], 2) == 19.54
    assert rows.loc["79", "bundle"] == "vietnam"
    assert round(rows.loc["79", "value"], 2) == 77.45
    assert round(rows.loc["04", "value"], 2) == 23.27
    # both routes carry the same census: Hà Tĩnh's own bundle = its row of the national one
    provinces = load_bundle("vietnam").admin_units.set_index("unit_id")
    share = 100 * provinces["urban_population"] / provinces["population"]
    assert rows["value"].to_numpy() == pytest.approx(share.loc[rows.index].to_numpy(), abs=1e-8)
    # one rule for every row: above 50 % met, below not (whatever bundle gave the value)
    assert rows.loc["79", "status"] == "met"
    assert set(rows.loc[rows["value"] < 50, "status"]) <= {"not met"} | {
        s for s in rows["status"] if s not in ("met", "no data")}


def test_national_files(national: tuple[pd.DataFrame, Path]) -> None:
    _, folder = national
    csv = (folder / "national.csv").read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads the Vietnamese names
    table = pd.read_csv(folder / "national.csv", encoding="utf-8-sig", dtype={"unit_id": str})
    assert len(table) == 34 * 4  # 34 provinces × 4 city-wide targets
    units = gpd.read_file(folder / "national.gpkg")
    assert len(units) == 34
    assert units["vn_urbanisation_2030_value"].notna().sum() == 34


def test_the_national_share_is_the_census(tmp_path: Path) -> None:
    result = run_batch(plan_batch([RECIPE], out=tmp_path, bundles=["vietnam"], dates=[AS_OF]),
                       workers=0)
    card = result.outcomes[0].scorecard
    assert card is not None
    row = card[card["key"] == "vn.urbanisation@2030"].iloc[0]
    assert row["value"] == pytest.approx(100 * 33_122_548 / 96_208_984, abs=1e-8)  # 10 digits
    assert round(row["value"], 2) == 34.43


def test_province_of_each_bundle(tmp_path: Path) -> None:
    assert province_of(load_bundle("hatinh")) == "42"
    assert province_of(load_bundle("haiphong")) == "31"
    assert province_of(load_bundle("tuyenquang")) == "08"
    assert province_of(load_bundle("hanoi")) == "01"
    mine = new_province_bundle("somewhere", province="Cà Mau", layers_dir=tmp_path)
    assert province_of(load_bundle(mine)) == "96"  # from its boundary's province_code


def test_two_bundles_of_one_province_are_refused(tmp_path: Path) -> None:
    copy = new_province_bundle("hatinh-copy", province="Hà Tĩnh", layers_dir=tmp_path / "l")
    result = run_batch(plan_batch([RECIPE], out=tmp_path / "o",
                                  bundles=["hatinh", str(copy)], dates=[AS_OF]), workers=0)
    with pytest.raises(RecipeError, match="both cover Hà Tĩnh"):
        national_scorecard(result.outcomes)
