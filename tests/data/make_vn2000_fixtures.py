"""Write the DERIVED VN-2000 fixtures of tests/test_layers_add.py (run from the repo root).

    python tests/data/make_vn2000_fixtures.py

The first ten admin units (by unit_id) of the real Hà Nội bundle (layers/hanoi, OSM ODbL
geometry, GSO 2019 census population), simplified to 5e-5° (about 5 m), are written:

- ``hanoi_units_wgs84.geojson``: the simplified units in EPSG:4326 (the reference);
- ``hanoi_units_vn2000.shp`` (+ .prj, .cpg): reprojected to VN-2000 / TM-3 105°00'
  (EPSG:5897) with the inverse of the official parameters (QĐ 05/2007/QĐ-BTNMT), with the
  column names of a Vietnamese office (MA_XA, TEN_XA, LOAI, DAN_SO, DS_DOTHI, DS_NONGTH,
  NOI_THANH) and the reference area in EPSG:32648 (DT_M2);
- ``hanoi_units_vn2000_noprj.shp``: the same without .prj (its CRS must be given);
- ``hanoi_units_vn2000.tab``: the same as MapInfo TAB.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from geoplan import _vn2000  # noqa: E402
from geoplan.layers import load_bundle  # noqa: E402

OUT = Path(__file__).resolve().parent


def main() -> None:
    """Write the fixtures next to this script."""
    units = load_bundle(ROOT / "layers" / "hanoi").admin_units.sort_values("unit_id").head(10)
    units = units[["unit_id", "name", "unit_type", "population", "urban_population",
                   "rural_population", "is_inner", "geometry"]].reset_index(drop=True)
    units["geometry"] = shapely.simplify(units.geometry.to_numpy(), 5e-5,
                                         preserve_topology=True)
    units.to_file(OUT / "hanoi_units_wgs84.geojson", driver="GeoJSON",
                  COORDINATE_PRECISION=7)
    crs = _vn2000.zone_crs(105.0)
    first, second = _vn2000.to_wgs84_transform(crs)

    def back(xy: np.ndarray) -> np.ndarray:
        lon, lat = second.transform(xy[:, 0], xy[:, 1], direction="INVERSE")
        x, y = first.transform(lon, lat, direction="INVERSE")
        return np.column_stack([np.round(x, 3), np.round(y, 3)])

    office = units.rename(columns={
        "unit_id": "MA_XA", "name": "TEN_XA", "unit_type": "LOAI", "population": "DAN_SO",
        "urban_population": "DS_DOTHI", "rural_population": "DS_NONGTH",
        "is_inner": "NOI_THANH"})
    office["NOI_THANH"] = office["NOI_THANH"].astype(int)
    office["DT_M2"] = np.round(shapely.area(units.to_crs(32648).geometry.to_numpy()), 1)
    office = office.set_geometry(shapely.transform(units.geometry.to_numpy(), back), crs=crs)
    office.to_file(OUT / "hanoi_units_vn2000.shp", encoding="utf-8")
    office.to_file(OUT / "hanoi_units_vn2000_noprj.shp", encoding="utf-8")
    (OUT / "hanoi_units_vn2000_noprj.prj").unlink()
    office.to_file(OUT / "hanoi_units_vn2000.tab", driver="MapInfo File", ENCODING="UTF-8")


if __name__ == "__main__":
    main()
